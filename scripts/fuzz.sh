#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the whole project in build-fuzz with clang 14, warnings as errors, the libraries
# instrumented for libFuzzer, ASan and UBSan (fuzz/README.md); then, for each libFuzzer target,
# replays its committed corpus once (-runs=0) and fuzzes it for SECONDS seconds, one process.
# New inputs go to build-fuzz/corpus/<target>/ (kept between runs: the next run starts from
# them; the committed fuzz/corpus/ is only read), crashes, leaks and timeouts to
# build-fuzz/crashes/<target>/, logs to build-fuzz/logs/<target>.log.
# Prints one line per target and exits non-zero when the build failed, or any target's corpus
# failed to replay, or it crashed, leaked, timed out or broke an invariant while fuzzing.
# Usage: scripts/fuzz.sh [--brief | SECONDS]
#   --brief    20 s per target (what `make test` runs: about 2.5 minutes for all)
#   SECONDS    per target (default 30; `make fuzz` passes FUZZ_SECONDS, default 600)
#   FUZZ_TARGETS="fuzz_route fuzz_auth" scripts/fuzz.sh 10   runs only those targets
set -u
cd "$(dirname "$0")/.." || exit 1

case "${1:-30}" in
--brief) seconds=20 ;;
'' | *[!0-9]*)
    echo "usage: $0 [--brief | SECONDS_PER_TARGET]" >&2
    exit 2
    ;;
*) seconds=${1:-30} ;;
esac
build="build-fuzz"
all_targets="fuzz_json_body fuzz_query fuzz_rfc3339 fuzz_feature_value fuzz_auth fuzz_idempotency
fuzz_route fuzz_framing fuzz_license fuzz_ofrep"
targets=${FUZZ_TARGETS:-$all_targets}

command -v clang >/dev/null 2>&1 || {
    echo "fuzz: clang is not installed (scripts/deps.sh test installs it)" >&2
    exit 1
}
# The libraries get coverage and sanitizer instrumentation (fuzzer-no-link); the targets add
# -fsanitize=fuzzer themselves (fuzz/meson.build). b_lundef is off because the sanitizer
# runtimes are linked into the executables only.
lib_flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
link_flags="-fsanitize=address,undefined"
if [ ! -f "$build/build.ninja" ]; then
    CC=clang meson setup "$build" -Dfuzz=true -Dwerror=true -Db_sanitize=none -Db_lundef=false \
        -Dc_args="$lib_flags" -Dc_link_args="$link_flags" >"$build-setup.log" 2>&1 || {
        cat "$build-setup.log" >&2
        exit 1
    }
else
    meson configure "$build" -Dfuzz=true -Dwerror=true -Db_sanitize=none -Db_lundef=false \
        -Dc_args="$lib_flags" -Dc_link_args="$link_flags" >/dev/null || exit 1
fi
# Everything, not only the targets: the daemon and the unit tests must build warning-free
# with clang too.
ninja -C "$build" >"$build/fuzz-build.log" 2>&1 || {
    grep -E 'error|warning' "$build/fuzz-build.log" | head -n 40 >&2
    tail -n 5 "$build/fuzz-build.log" >&2
    echo "fuzz: FAILED: the clang build (see $build/fuzz-build.log)" >&2
    exit 1
}

mkdir -p "$build/logs"
# Each target's SQLite files (fuzz/fuzz_app.c) go to a directory of this run, removed at the
# end: a target that aborts on a finding cannot remove its own.
ENT_FUZZ_DIR=$(mktemp -d "${TMPDIR:-/tmp}/entitled-fuzz.XXXXXX") || exit 1
export ENT_FUZZ_DIR
trap 'rm -rf "$ENT_FUZZ_DIR"' EXIT
trap 'exit 130' INT TERM
# Leaks are findings; UBSan reports stop the run (also set at compile time).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=""
start_all=$(date +%s)
for t in $targets; do
    bin="$build/fuzz/$t"
    seeds="fuzz/corpus/$t"
    found="$build/corpus/$t"
    crashes="$build/crashes/$t"
    log="$build/logs/$t.log"
    if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
        echo "fuzz: $t: no such target (known: $(echo "$all_targets" | tr '\n' ' '))" >&2
        failed="$failed $t"
        continue
    fi
    mkdir -p "$crashes" "$found"
    dict=""
    [ -f "fuzz/$t.dict" ] && dict="-dict=fuzz/$t.dict"
    [ "$t" = fuzz_json_body ] && dict="-dict=fuzz/json.dict"
    n_seeds=$(find "$seeds" -type f | wc -l)

    t0=$(date +%s)
    if ! "$bin" -runs=0 -artifact_prefix="$crashes/" "$seeds" >"$log" 2>&1; then
        printf '%-19s FAIL: a committed seed fails (log %s)\n' "$t" "$log"
        grep -aE '^(==[0-9]+==ERROR|SUMMARY|fuzz_[a-z0-9_]+:|Running:|.*runtime error)' "$log" |
            tail -n 8 >&2
        failed="$failed $t"
        continue
    fi
    t1=$(date +%s)
    # shellcheck disable=SC2086
    "$bin" -max_total_time="$seconds" -max_len=65536 -timeout=25 -print_final_stats=1 \
        -artifact_prefix="$crashes/" $dict "$found" "$seeds" >>"$log" 2>&1
    rc=$?
    t2=$(date +%s)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    cov=$(grep -a 'DONE *cov:' "$log" | tail -n 1 | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    line=$(printf '%-19s replay %3s seeds %2ss  fuzz %4ss %9s execs %7s exec/s  cov %5s' "$t" \
        "$n_seeds" "$((t1 - t0))" "$((t2 - t1))" "${execs:-?}" "${rate:-?}" "${cov:-?}")
    if [ "$rc" -ne 0 ]; then
        artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
        echo "$line  FAIL: ${artifact:-exit $rc} (log $log)"
        grep -aE '^(==[0-9]+==ERROR|SUMMARY|fuzz_[a-z0-9_]+:|.*runtime error)' "$log" |
            tail -n 8 >&2
        failed="$failed $t"
    else
        echo "$line  ok"
    fi
done
end_all=$(date +%s)
echo "fuzz: $(echo "$targets" | wc -w) targets, ${seconds}s each, $((end_all - start_all))s in all"
if [ -n "$failed" ]; then
    echo "fuzz: FAILED:$failed" >&2
    exit 1
fi
echo "fuzz: ok"
