# SPDX-License-Identifier: MIT
"""The daemon's route table, read from src/http/routes.c (the `ent_routes[]` rows), for tests
that must cover every route: a route added there and not known to a test makes it fail.

    from routes_table import load_routes
    for r in load_routes():
        r.method, r.pattern, r.handler, r.allow, r.body, r.idempotent

`allow` is the set of key scopes the row admits ("admin", "read", "account"); empty for the
routes that need no key. Run this file to print the table.
"""
import os
import re
from collections import namedtuple

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROUTES_C = os.path.join(ROOT, "src", "http", "routes.c")

Route = namedtuple("Route", "method pattern handler allow body idempotent")  # more columns: ignored

_ALLOW = {
    "0": frozenset(),
    "ENT_ALLOW_ADMIN": frozenset({"admin"}),
    "ENT_ALLOW_READ": frozenset({"read"}),
    "ENT_ALLOW_ACCOUNT": frozenset({"account"}),
    "ENT_ALLOW_READERS": frozenset({"admin", "read"}),
    "ENT_ALLOW_ANY_KEY": frozenset({"admin", "read", "account"}),
}

# One row: {ENT_METHOD, "pattern", handler, allow, ENT_BODY_x, idempotent[, more columns]}.
_ROW = re.compile(r'\{\s*(ENT_[A-Z]+\s*,\s*"[^"]*"[^{}"]*)\}')


def _strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def _allow(expr):
    out = set()
    for part in expr.split("|"):
        part = part.strip()
        if part not in _ALLOW:
            raise ValueError(f"routes.c: unknown scope expression {part!r} in {expr!r}")
        out |= _ALLOW[part]
    return frozenset(out)


def load_routes(path=ROUTES_C):
    """The rows of ent_routes[] in order. Raises ValueError on a row it cannot read, so that
    a row of a new shape is never skipped silently."""
    with open(path, encoding="utf-8") as f:
        text = _strip_comments(f.read())
    m = re.search(r"ent_routes\s*\[\s*\]\s*=\s*\{(.*?)\n\s*\}\s*;", text, re.S)
    if not m:
        raise ValueError("routes.c: no ent_routes[] initializer found")
    block = m.group(1)
    rows = []
    for row in _ROW.finditer(block):
        cols = [c.strip() for c in row.group(1).split(",")]
        if len(cols) < 6 or not re.fullmatch(r'"[^"]+"', cols[1]) or \
                not cols[4].startswith("ENT_BODY_") or cols[5] not in ("true", "false"):
            raise ValueError(f"routes.c: a row this reader does not understand: {row.group(0)}")
        rows.append(Route(cols[0][len("ENT_"):], cols[1][1:-1], cols[2], _allow(cols[3]),
                          cols[4], cols[5] == "true"))
    opened = len(re.findall(r"\{\s*ENT_", block))
    if opened != len(rows) or not rows:
        raise ValueError(f"routes.c: {opened} rows in ent_routes[], {len(rows)} understood")
    return rows


if __name__ == "__main__":
    for r in load_routes():
        print(f"{r.method:7} {r.pattern:50} {','.join(sorted(r.allow)) or '-':20} {r.body}")
