#!/bin/sh
# SPDX-License-Identifier: MIT
# Source checks that are not about behaviour (docs/CODING_STYLE.md): banned functions, raw
# allocation outside core/alloc.c, a file header on every file, header guards that match the
# path, no include cycles between modules, and clang-format. Exits non-zero with the offending
# lines.
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
# The offline license verifier (issue 13) links no part of entitled, its allocator included.
raw=$(printf '%s\n' "$raw" | grep -vE '^src/license/' || true)
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
# Include cycles between modules (a module: src/<layer>/<stem>.c and its .h). A module uses
# another when its .c or .h includes the other's header; no module may use itself through
# others (ctx.c including cache.h while cache.c includes ctx.h). Prints a shortest cycle
# through each module that no cycle printed before names.
if ! python3 - $files <<'PY'; then
import re, sys
uses = {}
for path in sys.argv[1:]:
    if not path.startswith("src/"):
        continue
    mod = path[len("src/"):-2]
    deps = uses.setdefault(mod, set())
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r'\s*#\s*include\s+"([^"]+)\.h"', line)
            if m and m.group(1) != mod:
                deps.add(m.group(1))
for mod in uses:
    uses[mod] &= uses.keys()

def path_back(start):
    """The shortest chain of uses from start back to start, or None."""
    prev, todo = {start: None}, [start]
    while todo:
        nxt = []
        for mod in todo:
            for dep in sorted(uses[mod]):
                if dep == start:
                    chain = [start]
                    while mod is not None:
                        chain.append(mod)
                        mod = prev[mod]
                    return chain[::-1]
                if dep not in prev:
                    prev[dep] = mod
                    nxt.append(dep)
        todo = nxt
    return None

seen, bad = set(), False
for mod in sorted(uses):
    if mod in seen:
        continue
    cycle = path_back(mod)
    if cycle:
        seen.update(cycle)
        print("src/%s: include cycle: %s" % (mod, " -> ".join(cycle)), file=sys.stderr)
        bad = True
sys.exit(1 if bad else 0)
PY
    echo "checksrc: include cycles above (docs/CODING_STYLE.md: layers include only downward)" >&2
    fail=1
fi
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
