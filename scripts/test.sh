#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs every test of entitled against an ASan + UBSan build and ends with one summary line.
# The API tests, and the concurrency tests under TSan, run twice: on SQLite, then on a throwaway
# PostgreSQL server (scripts/pg.sh) on a free loopback port (ENTITLED_TEST_PG_PORT to choose it),
# stopped on every way out.
# Usage: scripts/test.sh [BUILD_DIR]   (called by `make test`)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-asan}
start=$(date +%s)

if [ ! -f "$dir/build.ninja" ]; then
    CC=${CC:-gcc} meson setup "$dir" --buildtype=debug -Dwerror=true \
        -Db_sanitize=address,undefined -Db_lundef=false >"${dir%/}-setup.log" 2>&1 || {
        cat "${dir%/}-setup.log"
        exit 1
    }
fi
ninja -C "$dir"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

echo "== source checks"
scripts/checksrc.sh

echo "== unit tests"
meson test -C "$dir" --print-errorlogs --no-rebuild >"$dir/unit.log" 2>&1 || {
    cat "$dir/unit.log"
    exit 1
}
units=$(grep -c '^ *[0-9]*/[0-9]* .* OK' "$dir/unit.log" || true)
tail -n 8 "$dir/unit.log"

echo "== unit tests under valgrind"
vdir=build-valgrind
if [ ! -f "$vdir/build.ninja" ]; then
    meson setup "$vdir" --buildtype=debug -Dwerror=true >"$vdir-setup.log" 2>&1 || {
        cat "$vdir-setup.log"
        exit 1
    }
fi
ninja -C "$vdir" >/dev/null
meson test -C "$vdir" --suite unit --no-rebuild --print-errorlogs \
    --wrap='valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect --quiet' \
    >"$vdir/valgrind.log" 2>&1 || {
    cat "$vdir/valgrind.log"
    exit 1
}
grep -E '^(Ok|Fail):' "$vdir/valgrind.log"

# "N passed" (and ", M skipped" when some were) from a pytest log.
counts() {
    local passed skipped
    passed=$(grep -Eo '[0-9]+ passed' "$1" | tail -n 1)
    skipped=$(grep -Eo '[0-9]+ skipped' "$1" | tail -n 1 || true)
    echo "$passed${skipped:+, $skipped}"
}

echo "== API tests on SQLite"
ENTITLED_BIN="$PWD/$dir/entitled" /usr/bin/python3 -m pytest -q -p no:cacheprovider -rs tests/api \
    | tee "$dir/api.log"
api=$(counts "$dir/api.log")

echo "== API tests on PostgreSQL"
# One directory per checkout: a server a killed run left behind is stopped by the next start.
pgdir=${TMPDIR:-/tmp}/entitled-test-pg-$(printf '%s' "$PWD" | md5sum | cut -c1-8)
free_port='import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
pgport=${ENTITLED_TEST_PG_PORT:-$(/usr/bin/python3 -c "$free_port")}
trap 'scripts/pg.sh stop "$pgdir" || true' EXIT
pgurl=$(scripts/pg.sh start "$pgdir" "$pgport")
echo "PostgreSQL at $pgurl"
ENTITLED_TEST_PG_URL=$pgurl ENTITLED_BIN="$PWD/$dir/entitled" \
    /usr/bin/python3 -m pytest -q -p no:cacheprovider -rs tests/api | tee "$dir/api-pg.log"
apipg=$(counts "$dir/api-pg.log")

echo "== concurrency tests under ThreadSanitizer, on SQLite"
scripts/tsan.sh build-tsan | tee "$dir/tsan.log"
tsan=$(grep -Eo '[0-9]+ passed' "$dir/tsan.log" | tail -n 1)

echo "== concurrency tests under ThreadSanitizer, on PostgreSQL (with the multi-daemon tests)"
ENTITLED_TEST_PG_URL=$pgurl scripts/tsan.sh build-tsan tests/api/test_90_multi_daemon.py |
    tee "$dir/tsan-pg.log"
tsanpg=$(grep -Eo '[0-9]+ passed' "$dir/tsan-pg.log" | tail -n 1)
scripts/pg.sh stop "$pgdir"
trap - EXIT

echo "== OpenAPI lint"
scripts/lint-openapi.sh

echo "== fuzzing: every corpus replayed, each target fuzzed briefly (clang, -Werror)"
scripts/fuzz.sh --brief

end=$(date +%s)
echo "make test: OK: $units unit suites, API tests on SQLite $api, on PostgreSQL $apipg, under TSan $tsan on SQLite and $tsanpg on PostgreSQL, OpenAPI lint clean, fuzz corpora and brief runs clean, $((end - start)) s"
