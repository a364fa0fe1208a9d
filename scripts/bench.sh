#!/bin/sh
# SPDX-License-Identifier: MIT
# The benchmark (docs/PERFORMANCE.md): an optimised daemon (build-bench: release, no
# sanitizers) on the dataset of bench/gen_dataset.py, loaded with wrk, next to nginx serving
# static files of the same sizes as the baseline; then the in-process benchmarks, plainly and
# under callgrind. Prints every figure; writes bench/results/<date>-<commit>.tsv (HTTP),
# <…>-inprocess.tsv, <…>.png, and copies the chart to docs/perf.png. About 6 minutes.
#   BENCH_SECONDS (s per wrk run, default 10; BENCH_SECONDS=3 for a quick try)
#   BENCH_CONNECTIONS (default "32 128")   BENCH_SCENARIOS (default: all)
#   BENCH_BUILD (default build-bench)      BENCH_CALLGRIND=0 skips callgrind
# The daemon and nginx run on core 0, wrk (one thread) on core 1. The bulk scenario also runs
# on one connection, for the time of one call alone.
#   scripts/bench.sh build    only builds the optimised daemon and the in-process benchmarks
#   scripts/bench.sh scale    the scale benchmark instead (bench/scale.sh, `make bench-scale`)
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BENCH_BUILD:-build-bench}
DUR=${BENCH_SECONDS:-${BENCH_DURATION:-10}}
CONNS=${BENCH_CONNECTIONS:-"32 128"}
SCENARIOS=${BENCH_SCENARIOS:-"evaluate_1 evaluate_1_log evaluate_10 evaluate_100 bulk_100x100 usage_1 usage_batch_100 churn ofrep_1 ofrep_bulk ofrep_bulk_304"}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
NGINX_PORT=$(free_port)
LOG_PORT=$(free_port)       # the daemon with its request log on (evaluate_1_log)
NGINX_LOG_PORT=$(free_port) # nginx with its access log on
TMP=$ROOT/bench/results/tmp
STAMP=$(date -u +%Y%m%d-%H%M%S)-$(git describe --always --dirty 2>/dev/null || echo nogit)
OUT=$ROOT/bench/results/$STAMP
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
export BENCH_LUA="$ROOT/bench/http"

pids=""
# Stops the daemon and nginx: SIGTERM, then SIGKILL for whatever still runs 10 s later, so that
# no server of a run is left behind to share the core with the next one.
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    for _ in $(seq 100); do
        alive=""
        for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
        [ -z "$alive" ] && break
        sleep 0.1
    done
    for p in $alive; do
        echo "bench: process $p did not stop on SIGTERM: killed" >&2
        kill -9 "$p" 2>/dev/null || true
    done
    for p in $pids; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

say() { printf '\n== %s\n' "$*"; }

say "build ($BUILD: -O2, NDEBUG, symbols for perf, no sanitizers, in-process benchmarks)"
if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD" --buildtype=release -Doptimization=2 -Ddebug=true -Db_ndebug=true \
        -Db_sanitize=none -Dbench=true -Dwerror=true >/dev/null
fi
meson configure "$BUILD" -Dbench=true >/dev/null
ninja -C "$BUILD" >/dev/null
case "${1:-}" in
build) exit 0 ;;
scale) exec bench/scale.sh ;;
esac

rm -rf "$TMP"
mkdir -p "$TMP/html"
chmod 755 "$TMP" "$TMP/html"

say "machine"
echo "cores: $(nproc); CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "kernel: $(uname -r); $(wrk -v 2>&1 | head -n1); $($NGINX -v 2>&1)"

say "dataset (bench/gen_dataset.py) and import"
python3 bench/gen_dataset.py >"$TMP/dataset.jsonl"
echo "$(wc -l <"$TMP/dataset.jsonl") lines"
"$BUILD/entitled" import --store "sqlite:$TMP/entitled.db" "$TMP/dataset.jsonl" | tee "$TMP/import.txt"
cp "$TMP/entitled.db" "$TMP/usage.db"
cp "$TMP/entitled.db.key" "$TMP/usage.db.key"

say "in-process (ns per operation through libentitled)"
: >"$OUT-inprocess.tsv"
"$BUILD/bench/bench_evaluate" "sqlite:$TMP/entitled.db" 1000000 | tee -a "$OUT-inprocess.tsv"
"$BUILD/bench/bench_usage" "sqlite:$TMP/usage.db" 5000 | tee -a "$OUT-inprocess.tsv"
# issue 13 (signed licenses): issue from a warm snapshot, and verify in C; a store of its own.
mkdir -p "$TMP/license" && rm -f "$TMP/license/"bench_license.db*
"$BUILD/bench/bench_license" "$TMP/license" 3000 50000 | tee -a "$OUT-inprocess.tsv"
sed -n 's/^entitled: imported \([0-9]*\) objects.*: \([0-9]*\) objects\/s$/import\t\2\tobjects\/s (\1 objects)/p' \
    "$TMP/import.txt" >>"$OUT-inprocess.tsv"

# The disk's durable-write latency bounds enforced usage: one fdatasync per committed event
# unless commits are grouped.
python3 - "$TMP/fsync.test" <<'EOF' | tee -a "$OUT-inprocess.tsv"
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644)
n, t = 500, time.perf_counter()
for i in range(n):
    os.pwrite(fd, b"x" * 4096, (i % 16) * 4096)
    os.fdatasync(fd)
print("fdatasync_4k\t%.0f\tns/op (write and fdatasync of 4 KiB, the store's disk)"
      % ((time.perf_counter() - t) / n * 1e9))
os.close(fd)
os.unlink(sys.argv[1])
EOF

say "in-process under callgrind (instructions per operation: runs of N and N+10000, difference)"
# The difference of two runs leaves out start-up (opening the store, building the snapshot).
ir() { # ir OUTFILE CMD...: total instructions of a run
    f=$1
    shift
    valgrind --tool=callgrind --callgrind-out-file="$f" "$@" >/dev/null 2>"$f.log"
    sed -n 's/^summary: //p; s/^totals: //p' "$f" | head -n1
}
if [ "${BENCH_CALLGRIND:-1}" = 0 ]; then
    echo "BENCH_CALLGRIND=0: skipped"
elif command -v valgrind >/dev/null 2>&1; then
    for c in evaluate_1 evaluate_10 evaluate_10_no_metered ofrep_bulk_tag; do
        a=$(ir "$TMP/cg.$c.a" "$BUILD/bench/bench_evaluate" "sqlite:$TMP/entitled.db" 2000 "$c")
        b=$(ir "$TMP/cg.$c.b" "$BUILD/bench/bench_evaluate" "sqlite:$TMP/entitled.db" 12000 "$c")
        printf '%s_instructions\t%s\tinstructions/op\n' "$c" $(((b - a) / 10000)) | tee -a "$OUT-inprocess.tsv"
    done
    a=$(ir "$TMP/cg.usage.a" "$BUILD/bench/bench_usage" "sqlite:$TMP/usage.db" 200 usage_record_enforced)
    b=$(ir "$TMP/cg.usage.b" "$BUILD/bench/bench_usage" "sqlite:$TMP/usage.db" 1200 usage_record_enforced)
    printf 'usage_record_enforced_instructions\t%s\tinstructions/op\n' $(((b - a) / 1000)) | tee -a "$OUT-inprocess.tsv"
else
    echo "valgrind is missing: skipped"
fi

say "daemon (core 0, --threads 1) and nginx (core 0, one worker)"
KEY=bench-admin-$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')
export ENTITLED_BENCH_KEY="$KEY"
ENTITLED_ADMIN_KEY=$KEY taskset -c 0 "$BUILD/entitled" serve --listen "127.0.0.1:$PORT" \
    --store "sqlite:$TMP/entitled.db" --threads 1 --quiet --rate-usage 0 --rate-admin 0 \
    >"$TMP/daemon.log" 2>&1 &
dpid=$!
pids="$pids $dpid"
sed "s/@PORT@/$NGINX_PORT/; s/@LOG_PORT@/$NGINX_LOG_PORT/" bench/nginx.conf >"$TMP/nginx.conf"
"$NGINX" -p "$TMP/" -c "$TMP/nginx.conf" >"$TMP/nginx.out" 2>&1 &
npid=$!
pids="$pids $npid"
for _ in $(seq 100); do
    if curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 &&
        curl -s "http://127.0.0.1:$NGINX_PORT/" >/dev/null 2>&1; then break; fi
    sleep 0.1
done
taskset -p -c 0 "$npid" >/dev/null 2>&1 || true
pgrep -P "$npid" | while read -r w; do taskset -p -c 0 "$w" >/dev/null; done
python3 bench/prepare.py "http://127.0.0.1:$PORT" "$KEY" "$TMP/html" | tee "$TMP/sizes.tsv"
chmod 644 "$TMP"/html/*.json
curl -sf "http://127.0.0.1:$NGINX_PORT/evaluate_1.json" >/dev/null || {
    echo "nginx does not answer:" >&2
    cat "$TMP/nginx.out" "$TMP/error.log" >&2 2>/dev/null || true
    exit 1
}
curl -sf -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT/metrics" >"$TMP/metrics.before"

# evaluate_1_log: a second daemon, on a copy of the prepared store, with its request log on (the
# default: JSON lines) written to a file, as an operator runs it.
cp "$TMP/entitled.db" "$TMP/logged.db"
cp "$TMP/entitled.db.key" "$TMP/logged.db.key" 2>/dev/null || true
ENTITLED_ADMIN_KEY=$KEY taskset -c 0 "$BUILD/entitled" serve --listen "127.0.0.1:$LOG_PORT" \
    --store "sqlite:$TMP/logged.db" --threads 1 --rate-usage 0 --rate-admin 0 \
    >"$TMP/logged.log" 2>"$TMP/logged.err" &
lpid=$!
pids="$pids $lpid"
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$LOG_PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
mkdir -p "$TMP/html-logged"
python3 bench/prepare.py "http://127.0.0.1:$LOG_PORT" "$KEY" "$TMP/html-logged" >/dev/null # warm

say "load (wrk: 1 thread on core 1, ${DUR}s per run)"
: >"$TMP/raw.tsv"
# CPU time (user + system, clock ticks) the server's processes used so far: the CPU cost per
# request holds steadier than req/s when other work shares the machine.
cpu_ticks() { # cpu_ticks PID...
    for p in "$@"; do cat "/proc/$p/stat" 2>/dev/null; done |
        awk '{sub(/.*\) /, ""); t += $12 + $13} END {print t + 0}'
}
HZ=$(getconf CLK_TCK)
run() { # run SCENARIO CONNS SERVER SCRIPT URL [ENV=VALUE...]
    scen=$1 conns=$2 server=$3 script=$4 url=$5
    shift 5
    if [ "$server" = nginx ]; then spids=$(pgrep -P "$npid" | tr '\n' ' '); else spids=$dpid; fi
    case $scen in *_log) [ "$server" = nginx ] || spids=$lpid ;; esac
    # shellcheck disable=SC2086
    t0=$(cpu_ticks $spids)
    line=$(env "$@" taskset -c 1 wrk -t1 -c"$conns" -d"${DUR}s" --timeout 10s \
        -s "bench/http/$script" "$url" | grep '^BENCH' || true)
    # shellcheck disable=SC2086
    t1=$(cpu_ticks $spids)
    if [ -z "$line" ]; then
        echo "$scen $conns $server: no result" >&2
        return
    fi
    cpu=$(echo "$line" | awk -F'\t' -v t=$((t1 - t0)) -v hz="$HZ" '{printf "%.2f", $2 ? t * 1e6 / hz / $2 : 0}')
    printf '%s\t%s\t%s\t%s\t%s\n' "$scen" "$conns" "$server" "$(echo "$line" | cut -f2-)" "$cpu" \
        >>"$TMP/raw.tsv"
    echo "$line" | awk -v s="$scen" -v c="$conns" -v v="$server" -v cpu="$cpu" -F'\t' \
        '{printf "%-16s %4s %-9s %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  cpu %7.1f us/req  non-2xx %d  errors %d\n", s, c, v, $2/$3, $4, $5, cpu, $6, $7}'
}
E=http://127.0.0.1:$PORT
# OFREP's 304 path: the tags of the accounts (bench/prepare.py), and nginx's of the same bytes.
export BENCH_ETAGS="$TMP/ofrep_etags.tsv"
BENCH_NGINX_ETAG=$(curl -sI "http://127.0.0.1:$NGINX_PORT/ofrep_bulk_304.json" |
    sed -n 's/^[Ee][Tt][Aa][Gg]: *//p' | tr -d '\r')
export BENCH_NGINX_ETAG
for scen in $SCENARIOS; do
    case $scen in
    evaluate_1) set -- evaluate.lua BENCH_FEATURES=1 ;;
    evaluate_1_log) set -- evaluate.lua BENCH_FEATURES=1 ;;
    evaluate_10) set -- evaluate.lua BENCH_FEATURES=10 ;;
    evaluate_100) set -- evaluate.lua BENCH_FEATURES=100 ;;
    bulk_100x100) set -- bulk.lua X=1 ;;
    usage_1) set -- usage.lua BENCH_BATCH=1 ;;
    usage_batch_100) set -- usage.lua BENCH_BATCH=100 ;;
    churn) set -- churn.lua X=1 ;;
    ofrep_1) set -- ofrep.lua BENCH_OFREP=one ;;
    ofrep_bulk) set -- ofrep.lua BENCH_OFREP=bulk ;;
    ofrep_bulk_304)
        python3 bench/prepare.py etags "$E" "$KEY" "$BENCH_ETAGS"
        set -- ofrep.lua BENCH_OFREP=bulk304
        ;;
    *) echo "unknown scenario $scen" >&2; exit 2 ;;
    esac
    cl=$CONNS
    [ "$scen" = bulk_100x100 ] && cl="1 $CONNS"
    for c in $cl; do
        case $scen in
        *_log) # both with their logs on; the same answer bytes as the scenario without
            run "$scen" "$c" entitled "$1" "http://127.0.0.1:$LOG_PORT" "$2"
            run "$scen" "$c" nginx static.lua \
                "http://127.0.0.1:$NGINX_LOG_PORT/${scen%_log}.json" "$2"
            ;;
        *)
            run "$scen" "$c" entitled "$1" "$E" "$2"
            run "$scen" "$c" nginx static.lua "http://127.0.0.1:$NGINX_PORT/$scen.json" "$2"
            ;;
        esac
    done
done
curl -sf -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT/metrics" >"$TMP/metrics.after"
say "memory of one snapshot, by the shape of the account (bench/snapshot_sizes.py)"
python3 bench/snapshot_sizes.py "$E" "$KEY" | tee -a "$OUT-inprocess.tsv"

say "results"
python3 bench/report.py "$TMP/raw.tsv" "$TMP/sizes.tsv" "$OUT.tsv" "$TMP/plot.dat"
# Snapshots as warmed (every account evaluated), before usage and activations drop some.
acc=$(sed -n 's/^entitled_cache_accounts //p' "$TMP/metrics.before")
bytes=$(sed -n 's/^entitled_cache_bytes //p' "$TMP/metrics.before")
if [ -n "$acc" ] && [ "$acc" -gt 0 ]; then
    printf 'cache_bytes_per_snapshot\t%s\tbytes (%s snapshots, %s bytes)\n' $((bytes / acc)) "$acc" "$bytes" |
        tee -a "$OUT-inprocess.tsv"
fi
if command -v gnuplot >/dev/null 2>&1; then
    gnuplot -e "data='$TMP/plot.dat'; out='$OUT.png'; title='entitled vs nginx ($STAMP, ${DUR}s per run)'" \
        bench/plot.gp && cp "$OUT.png" docs/perf.png && echo "chart: $OUT.png (and docs/perf.png)"
fi
echo "figures: $OUT.tsv, $OUT-inprocess.tsv"
