#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs every test of entitled against an ASan + UBSan build and ends with one summary line.
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

echo "== API tests"
ENTITLED_BIN="$PWD/$dir/entitled" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/api \
    | tee "$dir/api.log"
api=$(grep -Eo '[0-9]+ passed' "$dir/api.log" | tail -n 1)

echo "== concurrency tests under ThreadSanitizer"
scripts/tsan.sh build-tsan | tee "$dir/tsan.log"
tsan=$(grep -Eo '[0-9]+ passed' "$dir/tsan.log" | tail -n 1)

echo "== OpenAPI lint"
scripts/lint-openapi.sh

echo "== fuzzing: every corpus replayed, each target fuzzed briefly (clang, -Werror)"
scripts/fuzz.sh --brief

end=$(date +%s)
echo "make test: OK: $units unit suites, $api API tests, $tsan under TSan, OpenAPI lint clean, fuzz corpora and brief runs clean, $((end - start)) s"
