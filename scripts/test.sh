#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs every test of entitled against an ASan + UBSan build and ends with one summary line that
# gives the time of each stage. The API tests, and the concurrency tests under TSan, run twice:
# on SQLite and on a throwaway PostgreSQL server (scripts/pg.sh) on a free loopback port
# (ENTITLED_TEST_PG_PORT to choose it), stopped on every way out.
#
# First, in order: the build, the source checks, the PostgreSQL server. Then three lanes side by
# side, each a row of stages (docs/TESTING.md); the tests spend much of their time waiting (on
# sleeps, on the other end of a socket), so two cores run them in about a third of the time they
# take one after another:
#   1. API tests on PostgreSQL (the longest stage), then the Node client suites
#      (scripts/node-tests.sh: third-party clients such as OpenFeature's SDKs against real daemons)
#   2. unit tests, API tests on SQLite, concurrency tests under TSan on SQLite, then on PostgreSQL
#   3. at a lower priority (nice 10), so that it takes the CPU the tests leave over and does not
#      slow their timings: OpenAPI lint, unit tests under valgrind, fuzzing
# Each stage writes to a log of its own (BUILD_DIR/<stage>.log) and prints one line when it
# ends; the logs of the stages that failed are printed at the end.
#
# The test stores (SQLite files, the PostgreSQL cluster, the fuzz targets' files) go to the tmpfs
# /dev/shm when there is one: no test crashes the machine (the crash tests kill daemons), so a
# store that never waits for a disk checks the same; ENTITLED_TEST_TMPDIR picks another place.
# ENTITLED_TEST_KEEP=1 keeps this run's directory there (the test stores and daemon logs).
# Usage: scripts/test.sh [BUILD_DIR]   (called by `make test`)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-asan}
dir=${dir%/}
start=$SECONDS

if [ -n "${ENTITLED_TEST_TMPDIR:-}" ]; then
    scratch=$ENTITLED_TEST_TMPDIR
elif [ -d /dev/shm ] && [ -w /dev/shm ]; then
    scratch=/dev/shm
else
    scratch=${TMPDIR:-/tmp}
fi
# One directory per checkout for the server: one a killed run left behind is stopped by the next
# start. Everything else goes to a directory of this run, removed on every way out.
pgdir=$scratch/entitled-test-pg-$(printf '%s' "$PWD" | md5sum | cut -c1-8)
run_tmp=$(mktemp -d "$scratch/entitled-test-run.XXXXXX")
lanes=()

# On every way out: stop the lanes still running (each is a process group of its own), then the
# server, and remove this run's files.
cleanup() {
    local pid
    for pid in "${lanes[@]}"; do
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    scripts/pg.sh stop "$pgdir" || true
    if [ -n "${ENTITLED_TEST_KEEP:-}" ]; then
        echo "test stores and daemon logs kept in $run_tmp"
    else
        rm -rf "$run_tmp"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export TMPDIR=$run_tmp
unset ENTITLED_TEST_PG_URL # this script says which stages run on PostgreSQL
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ENTITLED_BIN=$PWD/$dir/entitled

# stage NAME TITLE COMMAND...: runs one stage with its output in $dir/NAME.log, notes its time
# and status in $dir/NAME.time and prints one line when it ends. Answers the stage's status.
stage() {
    local name=$1 title=$2 t0=$SECONDS rc=0 took out
    shift 2
    "$@" >"$dir/$name.log" 2>&1 </dev/null || rc=$?
    took=$((SECONDS - t0))
    echo "$took $rc" >"$dir/$name.time"
    if [ "$rc" -eq 0 ]; then
        # One write, so that the lines of two lanes do not mix: the first line of the outcome,
        # the time, and the other lines of the outcome.
        out=$(outcome "$name")
        line="== $title: ${out%%$'\n'*} ($took s)"
        [[ $out != *$'\n'* ]] || line="$line"$'\n'"${out#*$'\n'}"
        echo "$line"
    else
        echo "== $title: FAILED (exit $rc, $took s; log $dir/$name.log)"
    fi
    return "$rc"
}

# What a stage that passed did, in a few words, from its log.
outcome() {
    local log=$dir/$1.log
    case $1 in
    unit | valgrind)
        echo "$(grep -Eo '^Ok: +[0-9]+' "$log" | grep -Eo '[0-9]+') ok," \
            "$(grep -Eo '^Skipped: +[0-9]+' "$log" | grep -Eo '[0-9]+') skipped"
        ;;
    api | api-pg | tsan | tsan-pg)
        counts "$log"
        ;;
    node)
        grep -E '^node: ' "$log" | sed 's/^node: //'
        ;;
    fuzz) # the line of each target too: how much fuzzing the time bought
        grep -E '^fuzz: [0-9]+ targets' "$log"
        grep -E '^fuzz_[a-z0-9_]+ +replay' "$log" | sed 's/^/    /'
        ;;
    *) echo ok ;;
    esac
}

# "N passed" (and ", M skipped" when some were) from a pytest log.
counts() {
    local passed skipped
    passed=$(grep -Eo '[0-9]+ passed' "$1" | tail -n 1)
    skipped=$(grep -Eo '[0-9]+ skipped' "$1" | tail -n 1 || true)
    echo "$passed${skipped:+, $skipped}"
}

# The stages' commands. They run on the left of a || (in stage), where set -e is off: each
# stops at its first failure by itself.
build() {
    if [ ! -f "$dir/build.ninja" ]; then
        CC=${CC:-gcc} meson setup "$dir" --buildtype=debug -Dwerror=true \
            -Db_sanitize=address,undefined -Db_lundef=false || return
    fi
    ninja -C "$dir"
}

api_sqlite() {
    /usr/bin/python3 -m pytest -q -p no:cacheprovider -rs tests/api
}

api_pg() {
    ENTITLED_TEST_PG_URL=$pgurl /usr/bin/python3 -m pytest -q -p no:cacheprovider -rs tests/api
}

node_suites() {
    ENTITLED_TEST_PG_URL=$pgurl scripts/node-tests.sh
}

tsan_sqlite() {
    scripts/tsan.sh build-tsan
}

tsan_pg() {
    ENTITLED_TEST_PG_URL=$pgurl scripts/tsan.sh build-tsan tests/api/test_90_multi_daemon.py
}

# The unit tests, store/pg included (ENTITLED_TEST_PG_URL names the server).
unit() {
    ENTITLED_TEST_PG_URL=$pgurl meson test -C "$dir" --print-errorlogs --no-rebuild
}

# The unit tests of a plain build under valgrind (store/pg skipped, as before: no server).
valgrind_unit() {
    local vdir=build-valgrind
    if [ ! -f "$vdir/build.ninja" ]; then
        meson setup "$vdir" --buildtype=debug -Dwerror=true >"$vdir-setup.log" 2>&1 || {
            cat "$vdir-setup.log"
            return 1
        }
    fi
    ninja -C "$vdir" >/dev/null || return
    meson test -C "$vdir" --suite unit --no-rebuild --print-errorlogs \
        --wrap='valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect --quiet'
}

# The three lanes (see the top of this file); a lane stops at its first failing stage.
lane_postgresql() {
    stage api-pg "API tests on PostgreSQL" api_pg &&
        stage node "Node client suites (tests/node: third-party clients as judges)" node_suites
}

lane_sqlite() {
    stage unit "unit tests" unit &&
        stage api "API tests on SQLite" api_sqlite &&
        stage tsan "concurrency tests under TSan, on SQLite" tsan_sqlite &&
        stage tsan-pg "concurrency tests under TSan, on PostgreSQL (with test_90)" tsan_pg
}

lane_checks() {
    renice -n 10 -p "$BASHPID" >/dev/null
    stage lint "OpenAPI lint" scripts/lint-openapi.sh &&
        stage valgrind "unit tests under valgrind" valgrind_unit &&
        stage fuzz "fuzzing: every corpus replayed, each target fuzzed briefly (clang, -Werror)" \
            scripts/fuzz.sh --brief
}
mkdir -p "$dir"
rm -f "$dir"/*.time
stage build "build ($dir, ASan + UBSan)" build || {
    cat "$dir/build.log"
    exit 1
}
stage checks "source checks" scripts/checksrc.sh || {
    cat "$dir/checks.log"
    exit 1
}
free_port='import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
pgport=${ENTITLED_TEST_PG_PORT:-$(/usr/bin/python3 -c "$free_port")}
t0=$SECONDS
pgurl=$(scripts/pg.sh start "$pgdir" "$pgport")
echo "== PostgreSQL at $pgurl, in $pgdir ($((SECONDS - t0)) s)"

echo "== side by side: API tests on PostgreSQL | unit, API on SQLite, TSan | lint, valgrind, fuzz"
set -m # each lane a process group of its own, which cleanup can stop as a whole
lane_postgresql &
lanes+=($!)
lane_sqlite &
lanes+=($!)
lane_checks &
lanes+=($!)
set +m
for pid in "${lanes[@]}"; do
    wait "$pid" || true
done
lanes=()
scripts/pg.sh stop "$pgdir"

# The summary: the time of every stage (they overlap: the total is less than their sum); the
# logs of those that failed.
names=(build checks unit api api-pg node tsan tsan-pg lint valgrind fuzz)
titles=("build" "source checks" "unit" "API SQLite" "API PostgreSQL" "Node clients" "TSan SQLite"
    "TSan PostgreSQL" "OpenAPI lint" "valgrind" "fuzz")
times="" failed="" not_run=""
for i in "${!names[@]}"; do
    name=${names[$i]} title=${titles[$i]}
    if [ ! -f "$dir/$name.time" ]; then
        not_run="$not_run${not_run:+, }$title"
        continue
    fi
    read -r took rc <"$dir/$name.time"
    if [ "$rc" = 0 ]; then
        times="$times${times:+, }$title $took s"
    else
        times="$times${times:+, }$title FAILED"
        failed="$failed${failed:+, }$title"
        echo "---- $title failed; its log, $dir/$name.log:"
        cat "$dir/$name.log"
        echo "----"
    fi
done
total=$((SECONDS - start))
if [ -n "$failed" ]; then
    [ -z "$not_run" ] || failed="$failed (not run, after a failure in their lane: $not_run)"
    echo "make test: FAILED: $failed; $times; $total s in all"
    exit 1
fi
units=$(grep -c '^ *[0-9]*/[0-9]* .* OK' "$dir/unit.log" || true)
echo "make test: OK: $units unit suites, API tests on SQLite $(counts "$dir/api.log")," \
    "on PostgreSQL $(counts "$dir/api-pg.log"), Node client suites $(outcome node)," \
    "under TSan $(counts "$dir/tsan.log") on SQLite" \
    "and $(counts "$dir/tsan-pg.log") on PostgreSQL, OpenAPI lint clean, fuzz corpora and brief" \
    "runs clean; $times; $total s in all"
