#!/bin/sh
# SPDX-License-Identifier: MIT
# Source checks that are not about behaviour (docs/CODING_STYLE.md): banned functions, raw
# allocation outside core/alloc.c, a file header on every file, header guards that match the
# path, and clang-format. Exits non-zero with the offending lines.
set -u
cd "$(dirname "$0")/.."
fail=0
files=$(find src include -name '*.[ch]' | sort)

banned='\b(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|gets|strncpy|rand|gmtime|localtime)[[:space:]]*\('
if grep -nE "$banned" $files; then
    echo "checksrc: banned functions above (see docs/CODING_STYLE.md)" >&2
    fail=1
fi
raw=$(grep -nE '\b(malloc|calloc|realloc|free)[[:space:]]*\(' $files | grep -v '^src/core/alloc.c:' \
    | grep -vE 'ent_(alloc|calloc|realloc|free)|/\*.*\*/|free\(text\)|free\(s\)|json_' \
    | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|/\*)' )
# jansson hands out memory from malloc: those few free() calls are its own.
raw=$(printf '%s\n' "$raw" | grep -vE '^src/http/' || true)
if [ -n "$raw" ]; then
    printf '%s\n' "$raw"
    echo "checksrc: raw allocation outside src/core/alloc.c" >&2
    fail=1
fi
for f in $files; do
    if ! head -n 1 "$f" | grep -q 'SPDX-License-Identifier'; then
        echo "$f:1: no SPDX header line" >&2
        fail=1
    fi
    case "$f" in
    *.h)
        guard=$(grep -m1 -E '^#ifndef ' "$f" | awk '{print $2}')
        case "$f" in
        include/entitled.h) want=ENTITLED_H ;;
        src/*) want=ENT_$(echo "${f#src/}" | tr 'a-z/.' 'A-Z__') ;;
        *) want=$guard ;;
        esac
        if [ "$guard" != "$want" ]; then
            echo "$f: header guard $guard, expected $want" >&2
            fail=1
        fi
        ;;
    esac
done
if command -v clang-format >/dev/null 2>&1; then
    if ! clang-format --dry-run --Werror $files 2>/tmp/checksrc-format.$$; then
        head -n 20 /tmp/checksrc-format.$$ >&2
        echo "checksrc: run 'make format'" >&2
        fail=1
    fi
    rm -f /tmp/checksrc-format.$$
fi
if ! python3 scripts/gen_errors_md.py --check; then
    fail=1
fi
[ "$fail" -eq 0 ] && echo "checksrc: ok"
exit "$fail"
