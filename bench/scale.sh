#!/bin/sh
# SPDX-License-Identifier: MIT
# The scale benchmark (`make bench-scale`, docs/PERFORMANCE.md): 1,000,000 accounts and
# 5,000,000 entitlements imported with `entitled import`; prints the import rate, the store's
# size, the time from starting the daemon to its first answer, its memory (RSS) before and after
# 100,000 accounts have been evaluated, and evaluate throughput (wrk, 1 feature, warm and cold
# accounts) next to the same run on a 10,000-account store. 20 to 30 minutes and 9 GB of disk
# on the machine of docs/PERFORMANCE.md.
#   BENCH_SCALE_ACCOUNTS (default 1000000)   BENCH_SECONDS (default 10)   BENCH_BUILD
# Writes bench/results/<date>-<commit>-scale.tsv; the stores go to bench/results/tmp/scale/ and
# are removed at the end unless BENCH_KEEP=1.
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BENCH_BUILD:-build-bench}
ACCOUNTS=${BENCH_SCALE_ACCOUNTS:-1000000}
DUR=${BENCH_SECONDS:-${BENCH_DURATION:-10}}
DIR=$ROOT/bench/results/tmp/scale
STAMP=$(date -u +%Y%m%d-%H%M%S)-$(git describe --always --dirty 2>/dev/null || echo nogit)
OUT=$ROOT/bench/results/$STAMP-scale.tsv
export BENCH_LUA="$ROOT/bench/http"
KEY=bench-admin-$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')
export ENTITLED_BENCH_KEY="$KEY"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

spid="" lpid=""
cleanup() {
    for p in $spid $lpid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    [ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$DIR"
}
trap cleanup EXIT INT TERM
say() { printf '\n== %s\n' "$*"; }
fig() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" | tee -a "$OUT"; }
now() { date +%s.%N; }
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%d", (b - a) * 1000}'; }

scripts/bench.sh build
rm -rf "$DIR"
mkdir -p "$DIR"
: >"$OUT"

# import NAME N: generates and imports a store of N accounts.
import() {
    python3 bench/gen_dataset.py --accounts "$2" >"$DIR/$1.jsonl"
    "$BUILD/entitled" import --store "sqlite:$DIR/$1.db" "$DIR/$1.jsonl" | tee "$DIR/$1.import"
    rm -f "$DIR/$1.jsonl"
}

# serve NAME PORT: starts a daemon on core 0 over store NAME; sets pid and the times t0 (exec),
# t1 (first /healthz answer) and t2 (first evaluate answer).
serve() {
    t0=$(now)
    ENTITLED_ADMIN_KEY=$KEY taskset -c 0 "$BUILD/entitled" serve --listen "127.0.0.1:$2" \
        --store "sqlite:$DIR/$1.db" --threads 1 --quiet --cache-accounts 200000 \
        >"$DIR/$1.log" 2>&1 &
    pid=$!
    until curl -sf "http://127.0.0.1:$2/healthz" >/dev/null 2>&1; do sleep 0.01; done
    t1=$(now)
    curl -sf -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
        -d '{"account":"acct00001","features":["qt01"]}' "http://127.0.0.1:$2/v1/evaluate" >/dev/null
    t2=$(now)
}
rss_kib() { sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$1/status"; }
metric() { curl -sf -H "Authorization: Bearer $KEY" "http://127.0.0.1:$1/metrics" | sed -n "s/^$2 //p"; }
# warm PORT N: evaluates accounts acct00000 .. N-1 (bulk calls of 100 accounts by 10 features).
warm() {
    python3 bench/prepare.py warm "http://127.0.0.1:$1" "$KEY" "$2"
}
# load PORT ACCOUNTS: wrk, 1 feature, 32 connections, accounts acct00000 .. ACCOUNTS-1;
# prints req/s, p50 ms, p99 ms.
load() {
    BENCH_ACCOUNTS=$2 BENCH_FEATURES=1 taskset -c 1 wrk -t1 -c32 -d"${DUR}s" --timeout 10s \
        -s bench/http/evaluate.lua "http://127.0.0.1:$1" | grep '^BENCH' |
        awk -F'\t' '{printf "%.0f\t%.3f\t%.3f\n", $2/$3, $4, $5}'
}

say "small store: 10,000 accounts (its daemon stays up, idle, for the comparison at the end)"
import small 10000
SPORT=$(free_port)
serve small "$SPORT"
spid=$pid
warm "$SPORT" 10000

say "large store: $ACCOUNTS accounts"
started=$(now)
import large "$ACCOUNTS"
objects=$(sed -n 's/^entitled: imported \([0-9]*\) objects.*/\1/p' "$DIR/large.import")
rate=$(sed -n 's/.*: \([0-9]*\) objects\/s$/\1/p' "$DIR/large.import")
fig import_rate "$rate" "objects/s ($objects objects: $(sed -n 's/.*(\(.*\)).*/\1/p' "$DIR/large.import"))"
fig store_bytes "$(du -cb "$DIR"/large.db* | tail -n1 | cut -f1)" "bytes on disk (SQLite file, WAL and key)"
LPORT=$(free_port)
serve large "$LPORT"
lpid=$pid
fig start_to_healthz_ms "$(ms_between "$t0" "$t1")" "ms from exec to the first /healthz answer"
fig start_to_evaluate_ms "$(ms_between "$t0" "$t2")" "ms from exec to the first evaluate answer (catalog and snapshot built)"
before=$(rss_kib "$lpid")
fig rss_started_kib "$before" "KiB, daemon RSS after one evaluate"
warm "$LPORT" 100000
after=$(rss_kib "$lpid")
snaps=$(metric "$LPORT" entitled_cache_accounts)
cbytes=$(metric "$LPORT" entitled_cache_bytes)
fig rss_after_100k_kib "$after" "KiB, daemon RSS after 100,000 accounts evaluated ($snaps snapshots cached)"
fig rss_per_snapshot_bytes "$(((after - before) * 1024 / snaps))" "bytes of RSS per cached snapshot (RSS growth / snapshots)"
fig cache_bytes_per_snapshot "$((cbytes / snaps))" "bytes per snapshot as the cache counts them (entitled_cache_bytes)"

say "evaluate, 1 feature, 32 connections: small and large store in turn, 3 runs each"
: >"$DIR/runs.tsv"
for _ in 1 2 3; do
    printf 'small\t%s\n' "$(load "$SPORT" 10000)" | tee -a "$DIR/runs.tsv"
    printf 'large\t%s\n' "$(load "$LPORT" 100000)" | tee -a "$DIR/runs.tsv"
done
# median run of each (by req/s): its req/s, p50 and p99
med() { grep "^$1" "$DIR/runs.tsv" | sort -t"$(printf '\t')" -k2,2n | sed -n 2p | cut -f2-; }
small=$(med small)
large=$(med large)
fig small_evaluate_1_warm "$(echo "$small" | cut -f1)" "req/s, 10,000 accounts cached (median of 3; p50 $(echo "$small" | cut -f2) ms, p99 $(echo "$small" | cut -f3) ms)"
fig large_evaluate_1_warm "$(echo "$large" | cut -f1)" "req/s, 100,000 of $ACCOUNTS accounts cached (median of 3; p50 $(echo "$large" | cut -f2) ms, p99 $(echo "$large" | cut -f3) ms)"
fig large_vs_small_warm "$(echo "$large $small" | awk '{printf "%.3f", $1 / $4}')" "ratio of warm req/s, large store / small store (goal: >= 0.8)"
cold=$(load "$LPORT" "$ACCOUNTS")
fig large_evaluate_1_cold "$(echo "$cold" | cut -f1)" "req/s, any of $ACCOUNTS accounts (mostly snapshot misses: built from the store; p50 $(echo "$cold" | cut -f2) ms, p99 $(echo "$cold" | cut -f3) ms)"
say "done in $(($(ms_between "$started" "$(now)") / 1000)) s (large store); figures: $OUT"
