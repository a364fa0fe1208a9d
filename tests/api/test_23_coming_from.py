# SPDX-License-Identifier: MIT
"""The "Coming from …" pages (docs/coming-from/*.md, issue 17) work as written: each page's
```sh blocks run in order, in one bash, against a daemon of its own on an empty store, and every
curl in them must be answered below 400; each `$ curl …` line of a ```console block is run where
it stands and must answer exactly the JSON the page shows under it."""
import json
import os
import re
import secrets
import subprocess
import tempfile
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs" / "coming-from"
PAGES = sorted(p.name for p in DOCS.glob("*.md"))

# curl as the pages call it, but failing (and saying why) on an answer of 400 or more.
PRELUDE = r"""set -euo pipefail
curl() {
    local out code
    out=$(command curl -sS -w '\n%{http_code}' "$@") || return 1
    code=${out##*$'\n'}
    printf '%s\n' "${out%$'\n'*}"
    if [ "$code" -ge 400 ]; then
        echo "HTTP $code from: curl $*" >&2
        echo "${out%$'\n'*}" >&2
        return 1
    fi
}
"""


def blocks(text):
    """The page's fenced blocks, in order: (language, body)."""
    return re.findall(r"^```([a-z]*)\n(.*?)^```$", text, re.M | re.S)


def script(text, outdir):
    """The bash script of a page and the answers its console lines must give: [(file, json)]."""
    lines, expected = [PRELUDE], []
    for lang, body in blocks(text):
        if lang == "sh":
            lines.append(body)
        elif lang == "console":
            rows = body.rstrip("\n").split("\n")
            for i, row in enumerate(rows):
                if row.startswith("$ "):
                    out = os.path.join(outdir, f"console-{len(expected)}.json")
                    command = re.sub(r"^curl ", "command curl ", row[2:])
                    lines.append(f"{command} > {out}")
                    expected.append((out, json.loads(rows[i + 1])))
    return "\n".join(lines), expected


def test_23_00_there_is_a_page_per_seed_system():
    assert {"nue.md", "chargebee.md", "verus.md", "datarobot.md"} <= set(PAGES)


@pytest.mark.parametrize("page", PAGES)
def test_23_01_every_example_of_the_page_works(new_daemon, page):
    admin_key = "test-admin-" + secrets.token_hex(20)
    d = new_daemon(admin_key=admin_key)
    text = (DOCS / page).read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as outdir:
        body, expected = script(text, outdir)
        env = dict(os.environ, KEY=admin_key, API=d.url)
        r = subprocess.run(["bash", "-c", body], env=env, capture_output=True, text=True,
                           timeout=120)
        assert r.returncode == 0, f"{page}: {r.stderr[-3000:]}\n{r.stdout[-2000:]}"
        for out, want in expected:
            with open(out, encoding="utf-8") as f:
                got = json.load(f)
            assert got == want, f"{page}: {got} != {want}"
