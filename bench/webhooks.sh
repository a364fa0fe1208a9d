#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/webhooks.sh: the figures of issue 15 (docs/PERFORMANCE.md, "Webhooks"), about 1 minute:
# 1. enforced usage events (wrk, bench/http/usage.lua, 32 connections) against the imported
#    dataset, with no webhook and with one webhook subscribed to every event ("*", thresholds 80
#    and 100), in interleaved rounds A B A B ...;
# 2. deliveries: N messages (account.updated, made by PATCHes) replayed at once to a local
#    receiver (Node's http server, 204), timed from the replay to the last delivery by the
#    daemon's own counter (/metrics entitled_webhook_deliveries_total).
# The daemon runs on core 0 (--threads 1, BENCH_WORKERS webhook workers, default 2), wrk and the
# receiver on core 1.
#   BENCH_SECONDS (per wrk run, default 5)   BENCH_ROUNDS (default 3)   BENCH_BUILD (build-bench)
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BENCH_BUILD:-build-bench}
DUR=${BENCH_SECONDS:-5}
ROUNDS=${BENCH_ROUNDS:-3}
export BENCH_LUA="$ROOT/bench/http"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
RPORT=$(free_port)
TMP=$(mktemp -d)
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    for p in $pids; do wait "$p" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

scripts/bench.sh build >/dev/null
python3 bench/gen_dataset.py >"$TMP/dataset.jsonl"
"$BUILD/entitled" import --store "sqlite:$TMP/e.db" "$TMP/dataset.jsonl" >/dev/null
KEY=bench-admin-$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')
export ENTITLED_BENCH_KEY="$KEY"
ENTITLED_ADMIN_KEY=$KEY taskset -c 0 "$BUILD/entitled" serve --listen "127.0.0.1:$PORT" \
    --store "sqlite:$TMP/e.db" --threads 1 --quiet --rate-usage 0 --rate-admin 0 \
    --webhook-allow-private --webhook-workers "${BENCH_WORKERS:-2}" >"$TMP/daemon.log" 2>&1 &
DPID=$!
pids="$pids $DPID"
taskset -c 1 node -e "require('http').createServer((q, s) => { q.resume(); q.on('end', () => {
  s.writeHead(204); s.end(); }); }).listen($RPORT, '127.0.0.1')" &
pids="$pids $!"
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
api() { # api METHOD PATH [BODY]
    curl -sf -X "$1" -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \
        "http://127.0.0.1:$PORT$2" ${3:+-d "$3"}
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$DPID/stat"; }
usage_run() { # "events/s (CPU µs per event)" of one wrk run; CPU: the daemon's user + system time
    c0=$(cpu_ticks)
    line=$(taskset -c 1 wrk -t1 -c32 -d"${DUR}s" -s bench/http/usage.lua "http://127.0.0.1:$PORT" |
        grep '^BENCH')
    c1=$(cpu_ticks)
    echo "$line" | awk -F'\t' -v t="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" \
        '{ printf "%.0f/s (%.1f µs CPU)", $2 / $3, t / hz * 1e6 / $2 }'
}
delivered() {
    curl -sf "http://127.0.0.1:$PORT/metrics" | awk '/^entitled_webhook_deliveries_total / { print $2 }'
}

echo "== usage_1 (enforced events/s, 32 connections, ${DUR} s per run): without | with a webhook on every event"
for r in $(seq "$ROUNDS"); do
    a=$(usage_run)
    hook=$(api POST /v1/webhooks "{\"url\": \"http://127.0.0.1:$RPORT/all\"}" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
    b=$(usage_run)
    api DELETE "/v1/webhooks/$hook" >/dev/null
    echo "round $r: $a | $b"
done

echo "== deliveries to a local receiver"
hook=$(api POST /v1/webhooks "{\"url\": \"http://127.0.0.1:$RPORT/d\", \"events\": [\"account.updated\"]}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sleep 1
taskset -c 1 wrk -t1 -c16 -d3s -s bench/http/patch_accounts.lua "http://127.0.0.1:$PORT" >/dev/null
n=$(api GET "/v1/webhooks/$hook/deliveries?limit=1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["total_count"])')
for _ in $(seq 600); do
    left=$(api GET "/v1/webhooks/$hook/deliveries?limit=1&status=pending" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["total_count"])')
    [ "$left" = 0 ] && break
    sleep 0.1
done
before=$(delivered)
t0=$(date +%s.%N)
api POST "/v1/webhooks/$hook/replay" "{\"since\": \"$since\"}" >/dev/null
want=$((before + n))
while [ "$(delivered)" -lt "$want" ]; do sleep 0.02; done
t1=$(date +%s.%N)
python3 -c "print('replayed %d messages in %.2f s: %.0f messages/s' % ($n, $t1 - $t0, $n / ($t1 - $t0)))"
