#!/bin/sh
# SPDX-License-Identifier: MIT
# The scale-out benchmark (`make bench-scaleout`, docs/PERFORMANCE.md "Scale-out"): the dataset
# of bench/gen_dataset.py (10,000 accounts) in one PostgreSQL server with its durable defaults
# (scripts/pg.sh with PG_DURABLE=1: every commit waits for the disk), served first by one daemon,
# then by three, in the same run. Two loads, 32 connections in all (spread over the daemons):
# evaluate of 10 features, and enforced usage events, one per request (bench/http/usage.lua).
# Prints req/s, p99, and the CPU per request of the daemons and of PostgreSQL; then checks that
# the usage counters hold exactly the events the daemons acknowledged (none lost, none twice).
#   BENCH_SECONDS (default 10)   BENCH_BUILD (default build-bench)   BENCH_DAEMONS (default 3)
# Writes bench/results/<date>-<commit>-scaleout.tsv. Nothing is pinned: the daemons, PostgreSQL
# and wrk share the machine's cores, as they would share one host.
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BENCH_BUILD:-build-bench}
DUR=${BENCH_SECONDS:-10}
N=${BENCH_DAEMONS:-3}
DIR=$ROOT/bench/results/tmp/scaleout
STAMP=$(date -u +%Y%m%d-%H%M%S)-$(git describe --always --dirty 2>/dev/null || echo nogit)
OUT=$ROOT/bench/results/$STAMP-scaleout.tsv
export BENCH_LUA="$ROOT/bench/http"
KEY=bench-admin-$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')
export ENTITLED_BENCH_KEY="$KEY"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PSQL=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -name psql -path '*/bin/*' | sort -V | tail -n 1)

pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    for p in $pids; do wait "$p" 2>/dev/null || true; done
    scripts/pg.sh stop "$DIR/pg" >/dev/null 2>&1 || true
    [ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$DIR"
}
trap cleanup EXIT INT TERM
say() { printf '\n== %s\n' "$*"; }

scripts/bench.sh build
rm -rf "$DIR"
mkdir -p "$DIR"
chmod 755 "$DIR"
: >"$OUT"

say "PostgreSQL (durable defaults: fsync, synchronous_commit, full_page_writes on)"
PG_PORT=$(free_port)
URL=$(PG_DURABLE=1 scripts/pg.sh start "$DIR/pg" "$PG_PORT")
echo "$URL"
sql() { "$PSQL" -X -q -t -A -h 127.0.0.1 -p "$PG_PORT" -U entitled -d entitled -c "$1"; }

say "dataset (bench/gen_dataset.py) and import"
python3 bench/gen_dataset.py >"$DIR/dataset.jsonl"
"$BUILD/entitled" import --store "$URL" --key-file "$DIR/entitled.key" "$DIR/dataset.jsonl"

# serve COUNT: starts COUNT daemons on the store (each with 2 threads and its own port); sets
# ports and dpids.
ports="" dpids=""
serve() {
    ports="" dpids=""
    for i in $(seq "$1"); do
        port=$(free_port)
        ENTITLED_ADMIN_KEY=$KEY "$BUILD/entitled" serve --listen "127.0.0.1:$port" \
            --store "$URL" --key-file "$DIR/entitled.key" --threads 2 --quiet \
            --rate-usage 0 --rate-admin 0 >"$DIR/daemon-$1-$i.log" 2>&1 &
        dpids="$dpids $!"
        pids="$pids $!"
        ports="$ports $port"
        until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do sleep 0.05; done
    done
}
stop_daemons() {
    for p in $dpids; do kill "$p" 2>/dev/null || true; done
    for p in $dpids; do wait "$p" 2>/dev/null || true; done
}
cpu_ticks() { # the user + system clock ticks of the processes given, and of PostgreSQL's
    pg=$(pgrep -x postgres | tr '\n' ' ')
    for p in "$@" $pg; do cat "/proc/$p/stat" 2>/dev/null; done |
        awk '{sub(/.*\) /, ""); t += $12 + $13} END {print t + 0}'
}
HZ=$(getconf CLK_TCK)
acked=0   # usage events the daemons answered 2xx, over every usage run
inflight=0 # connections of those runs: each may have sent one event wrk did not see answered

# load SCENARIO COUNT: wrk against each of the COUNT daemons at once, 32 connections in all.
load() {
    scen=$1 count=$2
    case $scen in
    evaluate_10) script=evaluate.lua env="BENCH_FEATURES=10" ;;
    usage_1) script=usage.lua env="BENCH_BATCH=1" ;;
    esac
    # Warm: every account's snapshot built on every daemon (bulk evaluate, 100 accounts a call),
    # then a short run of the scenario, so that each run measures daemons answering from memory.
    for port in $ports; do
        python3 bench/prepare.py warm "http://127.0.0.1:$port" "$KEY" 10000
        env $env wrk -t1 -c8 -d2s -s "bench/http/$script" "http://127.0.0.1:$port" >"$DIR/warm.out"
        if [ "$scen" = usage_1 ]; then
            acked=$((acked + $(grep '^BENCH' "$DIR/warm.out" | awk -F'\t' '{print $2 - $6}')))
            inflight=$((inflight + 8))
        fi
    done
    t0=$(cpu_ticks $dpids)
    i=0 left=32 wpids=""
    for port in $ports; do
        i=$((i + 1))
        c=$((left / (count - i + 1)))
        left=$((left - c))
        env $env wrk -t1 -c"$c" -d"${DUR}s" --timeout 10s -s "bench/http/$script" \
            "http://127.0.0.1:$port" >"$DIR/wrk-$i.out" &
        wpids="$wpids $!"
    done
    for p in $wpids; do wait "$p"; done
    t1=$(cpu_ticks $dpids)
    grep -h '^BENCH' "$DIR"/wrk-*.out >"$DIR/bench.lines"
    rm -f "$DIR"/wrk-*.out
    line=$(awk -F'\t' -v t=$((t1 - t0)) -v hz="$HZ" -v n="$count" -v s="$scen" '
        {req += $2; if ($3 > dur) dur = $3; if ($5 > p99) p99 = $5; bad += $6 + $7}
        END {printf "%s\t%d\t%.0f\t%.2f\t%.1f\t%d\t%d", s, n, req / dur, p99, t * 1e6 / hz / req, bad, req}' \
        "$DIR/bench.lines")
    if [ "$scen" = usage_1 ]; then
        acked=$((acked + $(awk -F'\t' '{s += $2 - $6} END {print s}' "$DIR/bench.lines")))
        inflight=$((inflight + 32))
    fi
    echo "$line" | cut -f1-6 >>"$OUT"
    echo "$line" | awk -F'\t' '{printf "%-12s %d daemon(s) %9.0f req/s  p99 %7.2f ms  CPU %6.1f us/req (daemons and PostgreSQL)  non-2xx or errors %d\n", $1, $2, $3, $4, $5, $6}'
}
say "one daemon, then $N, on the same store (${DUR}s per run, 32 connections in all)"
echo "scenario	daemons	req/s	p99_ms	cpu_us_per_req	non2xx_or_errors" >"$OUT"
for count in 1 "$N"; do
    serve "$count"
    load evaluate_10 "$count"
    load usage_1 "$count"
    stop_daemons
done

say "usage counters against the events acknowledged"
counted=$(sql "SELECT coalesce(sum(used), 0) FROM usage_counters")
events=$(sql "SELECT count(*) FROM usage_events")
echo "acknowledged (2xx) $acked, counted $counted, event rows $events"
printf 'usage_acknowledged\t%s\nusage_counted\t%s\nusage_event_rows\t%s\n' "$acked" "$counted" "$events" >>"$OUT"
# Every event row counted once; every acknowledged event counted; beyond those, at most the
# events in flight when a run's wrk stopped (sent, committed, their answers not read).
if [ "$counted" != "$events" ] || [ "$counted" -lt "$acked" ] ||
    [ "$counted" -gt $((acked + inflight)) ]; then
    echo "scaleout: counters $counted, event rows $events, acknowledged $acked (+ at most" \
        "$inflight in flight): they disagree" >&2
    exit 1
fi
echo "figures: $OUT"
