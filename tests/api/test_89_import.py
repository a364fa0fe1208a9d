# SPDX-License-Identifier: MIT
"""`entitled import` (JSON lines into a store, many per transaction): a fresh store filled by
an import answers evaluate as if each object had been created through the API; a bad line is
reported with its number, and the lines before it are kept."""
import json
import os
import re
import secrets
import subprocess
import tempfile
import time

from client import Client
from conftest import BIN, Daemon, store_for

LINES = [
    {"kind": "feature", "key": "sso", "name": "SSO", "type": "switch"},
    {"kind": "feature", "key": "seats", "name": "Seats", "type": "quantity", "unit": "user",
     "levels": [{"value": "5"}, {"value": "20"}, {"value": "unlimited"}]},
    {"kind": "feature", "key": "calls", "name": "API calls", "type": "metered", "unit": "call",
     "reset_period": "month"},
    {"kind": "feature", "key": "tier", "name": "Tier", "type": "custom",
     "levels": [{"value": "basic"}, {"value": "pro"}, {"value": "enterprise"}]},
    {"kind": "product", "key": "team", "name": "Team", "category": "recurring_services",
     "entitlements": [{"feature": "sso", "value": "true"}, {"feature": "seats", "value": "5"},
                      {"feature": "calls", "value": "1000"}, {"feature": "tier", "value": "pro"}]},
    {"kind": "account", "key": "acme", "name": "Acme"},
    {"kind": "account", "key": "globex", "name": "Globex", "parent": "acme"},
    {"kind": "entitlement", "account": "acme", "product": "team", "quantity": 2},
    {"kind": "entitlement", "account": "acme", "feature": "tier", "value": "enterprise"},
    {"kind": "entitlement", "account": "globex", "product": "team"},
]


def run_import(store_dir, lines, *args):
    path = os.path.join(store_dir, "data.jsonl")
    with open(path, "w") as f:
        for line in lines:
            f.write((line if isinstance(line, str) else json.dumps(line)) + "\n")
    # The store of that directory (SQLite or PostgreSQL), and the key file the daemon served
    # from it later uses (the working directory's on PostgreSQL).
    return subprocess.run([BIN, "import", "--store", store_for(store_dir), *args, path],
                          capture_output=True, text=True, timeout=60, cwd=store_dir)


def serve(store_dir):
    return Daemon(store_dir, admin_key="test-admin-" + secrets.token_hex(20))


def test_89_01_an_imported_store_answers_evaluate(workdir):
    d = tempfile.mkdtemp(dir=workdir)
    r = run_import(d, LINES, "--batch", "3")
    assert r.returncode == 0, r.stderr
    assert "imported 10 objects" in r.stdout and "objects/s" in r.stdout, r.stdout
    daemon = serve(d)
    try:
        api = Client(daemon.url, daemon.admin_key)
        ans = api.post("/v1/evaluate", {"account": "acme",
                                        "features": ["sso", "seats", "calls", "tier", "nope"]})
        assert ans.status_code == 200, ans.text
        got = {e["feature"]: e for e in ans.json()["entitlements"]}
        assert got["sso"]["value"] is True
        assert got["seats"]["level"] == "10"  # 5 x quantity 2
        assert got["calls"]["limit"] == 2000 and got["calls"]["remaining"] == 2000
        assert got["tier"]["level"] == "enterprise"
        assert got["nope"]["reason"] == "unknown_feature"
        g = api.post("/v1/evaluate", {"account": "globex", "features": ["seats"]})
        assert g.json()["entitlements"][0]["level"] == "5"
        # Every object has its audit event, as when made through the API.
        ev = api.get("/v1/events", params={"limit": 100}).json()
        assert ev["total_count"] >= 10
    finally:
        assert daemon.stop() == 0


def test_89_02_a_bad_line_is_reported_with_its_number_and_earlier_lines_are_kept(workdir):
    d = tempfile.mkdtemp(dir=workdir)
    bad = dict(LINES[5], key="acme")  # a second account "acme": a conflict
    lines = LINES[:7] + ["", bad] + LINES[7:]
    r = run_import(d, lines, "--batch", "4")
    assert r.returncode == 1
    assert "line 9:" in r.stderr and "conflict" in r.stderr, r.stderr
    assert "the 7 objects of the lines before line 9 were imported and kept" in r.stderr
    daemon = serve(d)
    try:
        api = Client(daemon.url, daemon.admin_key)
        assert api.get("/v1/accounts/globex").status_code == 200
        assert api.get("/v1/products/team").status_code == 200
        ents = api.get("/v1/entitlements", params={"account": "acme"}).json()
        assert ents["total_count"] == 0
    finally:
        assert daemon.stop() == 0


def test_89_03_field_errors_and_bad_json_name_the_line(workdir):
    d = tempfile.mkdtemp(dir=workdir)
    r = run_import(d, [LINES[0], {"kind": "feature", "key": "x", "name": "X", "type": "bogus",
                                  "colour": "red"}])
    assert r.returncode == 1
    assert "line 2: validation_failed" in r.stderr, r.stderr
    assert "type:" in r.stderr and "colour:" in r.stderr, r.stderr
    r = run_import(tempfile.mkdtemp(dir=workdir), [LINES[0], "{not json"])
    assert r.returncode == 1 and "line 2: invalid_json" in r.stderr, r.stderr
    r = run_import(tempfile.mkdtemp(dir=workdir), [{"kind": "plan", "key": "x"}])
    assert r.returncode == 1 and "line 1:" in r.stderr and "kind" in r.stderr, r.stderr


def test_89_04_help_says_what_a_failure_keeps():
    r = subprocess.run([BIN, "import", "--help"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0
    assert "every\nline before it is kept" in r.stdout or "line before it is kept" in r.stdout


def test_89_05_a_serving_daemon_picks_up_an_import_without_a_restart(workdir):
    """Issue 19: a daemon serving the store while `entitled import` commits sees the imported
    catalog and grants by itself: an account it had evaluated (its snapshot cached) is granted
    the imported product, and an imported feature is known, within a second (SQLite: the
    catalog_version setting the daemon watches; PostgreSQL: the announcement)."""
    d = tempfile.mkdtemp(dir=workdir)
    daemon = serve(d)
    try:
        api = Client(daemon.url, daemon.admin_key)
        assert api.post("/v1/accounts", {"key": "early", "name": "Early"}).status_code == 201
        before = api.post("/v1/evaluate", {"account": "early", "features": ["sso"]}).json()
        assert before["entitlements"][0]["reason"] == "unknown_feature"
        r = run_import(d, LINES[:5] + [{"kind": "entitlement", "account": "early",
                                        "product": "team"}])
        assert r.returncode == 0, r.stderr
        deadline = time.monotonic() + 3
        while True:
            got = api.post("/v1/evaluate", {"account": "early", "features": ["sso", "seats"]})
            answers = {e["feature"]: e for e in got.json()["entitlements"]}
            if answers["sso"].get("value") is True:
                break
            assert time.monotonic() < deadline, got.text
            time.sleep(0.05)
        assert answers["seats"]["level"] == "5"
        assert time.monotonic() < deadline
    finally:
        assert daemon.stop() == 0


def test_89_06_progress_is_shown_every_few_seconds_off_a_terminal(workdir):
    """Off a terminal the import writes a progress line every 5 s (ENTITLED_PROGRESS_SECONDS:
    0.05 here): objects done, rate, share of the file read, time left; a short import shows
    none and ends with its summary."""
    d = tempfile.mkdtemp(dir=workdir)
    r = run_import(d, LINES)
    assert r.returncode == 0 and "objects, " not in r.stderr, r.stderr
    lines = [{"kind": "account", "key": f"acc{i:06d}", "name": "A"} for i in range(3000)]
    os.environ["ENTITLED_PROGRESS_SECONDS"] = "0.05"
    try:
        r = run_import(tempfile.mkdtemp(dir=workdir), lines, "--batch", "100")
    finally:
        del os.environ["ENTITLED_PROGRESS_SECONDS"]
    assert r.returncode == 0 and "imported 3000 objects" in r.stdout, r.stderr
    progress = [x for x in r.stderr.splitlines() if " objects, " in x]
    assert progress, r.stderr
    for x in progress:
        assert re.match(r"entitled: \d+ objects, \d+/s, \d+%, about \d+ s left$", x), x
    done = [int(x.split()[1]) for x in progress]
    assert done == sorted(done)
