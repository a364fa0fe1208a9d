# SPDX-License-Identifier: MIT
"""`entitled import` (JSON lines into a store, many per transaction): a fresh store filled by
an import answers evaluate as if each object had been created through the API; a bad line is
reported with its number, and the lines before it are kept."""
import json
import os
import secrets
import subprocess
import tempfile

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
