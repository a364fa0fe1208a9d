# SPDX-License-Identifier: MIT
"""Moving stores (issue 19, point 2): `entitled copy --from URL --to URL` copies a whole store into
an empty one (SQLite or PostgreSQL either way) and checks every table's count and checksum;
`entitled export` writes the store as JSON lines and `entitled import` reads them back. A store
with every kind of object, copied SQLite -> PostgreSQL -> SQLite (or SQLite -> SQLite when no
PostgreSQL is given), answers evaluate, the lists and the usage series exactly as the original."""
import json
import os
import secrets
import subprocess
import tempfile

import pytest

from client import Client, unique
from conftest import BIN, ON_PG, PG_URL, Daemon, pg_drop_database, pg_new_database
from helpers import day, seats_feature

ADMIN = "test-admin-" + "7" * 40


def run(*args, timeout=120):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout)


def sqlite_store(workdir):
    d = tempfile.mkdtemp(dir=workdir)
    return f"sqlite:{d}/entitled.db", d


def populate(api):
    """Every kind of object: features of each type, a bundle, accounts with a parent, an order
    activated, manual grants, a trial lease, usage, seats, an account key."""
    sso = api.make_feature(type="switch")
    seats = seats_feature(api)
    calls = api.make_feature(type="metered", unit="call", reset_period="month")
    tier = api.make_feature(type="custom", levels=[{"value": "basic"}, {"value": "pro"}])
    seat = api.make_feature(type="quantity", unit="seat", activations_enabled=True,
                            levels=[{"value": "3"}, {"value": "10"}])
    base = api.make_product(entitlements=[{"feature": sso["key"], "value": "true"},
                                          {"feature": calls["key"], "value": "1000"}])
    bundle = api.make_product(entitlements=[{"feature": seats["key"], "value": "5"}],
                              components=[{"product": base["key"], "quantity": 2}])
    trial = api.make_product(category="other", max_leases=2, max_lease_days=30,
                             entitlements=[{"feature": tier["key"], "value": "pro"}])
    parent = api.make_account(contact_email="ops@example.com")
    child = api.make_account(parent=parent["key"])
    r = api.post("/v1/orders", {"account": parent["key"], "items": [
        {"product": bundle["key"], "quantity": 2, "start_date": day(-3) + "T00:00:00Z"}]})
    assert r.status_code == 201, r.text
    assert api.post(f"/v1/orders/{r.json()['id']}/activate").status_code == 200
    r = api.post("/v1/entitlements", {"account": child["key"], "feature": seat["key"],
                                      "value": "3"})
    assert r.status_code == 201, r.text
    r = api.post("/v1/leases", {"account": child["key"], "product": trial["key"],
                                "duration_days": 14, "accepted_terms": True})
    assert r.status_code == 201, r.text
    for i in range(5):
        r = api.post("/v1/usage", {"account": parent["key"], "feature": calls["key"],
                                   "amount": i + 1, "idempotency_key": f"u-{i}"})
        assert r.status_code in (200, 201, 202), r.text
    r = api.post("/v1/activations", {"account": child["key"], "feature": seat["key"],
                                     "fingerprint": "machine-1", "name": "Laptop"})
    assert r.status_code == 201, r.text
    assert api.post("/v1/keys", {"name": "app", "scope": "account",
                                 "account": child["key"]}).status_code == 201
    r = api.post("/v1/licenses", {"account": child["key"]})
    assert r.status_code == 201, r.text
    return {"features": [sso, seats, calls, tier, seat], "accounts": [parent, child],
            "calls": calls}


def answers(url, objects):
    """What a daemon answers about everything populate() made: evaluate, lists, usage."""
    api = Client(url, ADMIN)
    keys = [f["key"] for f in objects["features"]]
    out = {}
    for acc in objects["accounts"]:
        ev = api.post("/v1/evaluate", {"account": acc["key"], "features": keys,
                                       "at": day(1) + "T00:00:00Z"})
        assert ev.status_code == 200, ev.text
        doc = ev.json()
        doc.pop("evaluated_at", None)
        out[f"evaluate {acc['key']}"] = doc
        out[f"entitlements {acc['key']}"] = api.get(
            "/v1/entitlements", params={"account": acc["id"], "limit": 100}).json()
        out[f"activations {acc['key']}"] = api.get(
            "/v1/activations", params={"account": acc["id"], "limit": 100}).json()
        out[f"leases {acc['key']}"] = api.get(
            "/v1/leases", params={"account": acc["id"], "limit": 100}).json()
        out[f"orders {acc['key']}"] = api.get(
            "/v1/orders", params={"account": acc["id"], "limit": 100}).json()
    for path in ("/v1/features", "/v1/products", "/v1/accounts", "/v1/keys", "/v1/events",
                 "/v1/licenses", "/v1/signing-keys", "/.well-known/jwks.json"):
        out[path] = api.get(path, params={"limit": 100}).json()
    out["usage"] = api.get("/v1/usage", params={
        "account": objects["accounts"][0]["key"], "feature": objects["calls"]["key"],
        "granularity": "hour", "from": day(-2) + "T00:00:00Z",
        "to": day(2) + "T00:00:00Z"}).json()
    return out


def served(store, workdir, key_file):
    d = tempfile.mkdtemp(dir=workdir)
    return Daemon(d, admin_key=ADMIN, store=store, args=("--key-file", key_file))


@pytest.fixture
def original(workdir):
    store, d = sqlite_store(workdir)
    daemon = Daemon(d, admin_key=ADMIN, store=store)
    try:
        objects = populate(Client(daemon.url, ADMIN))
        expected = answers(daemon.url, objects)
    finally:
        assert daemon.stop() == 0
    return store, d + "/entitled.db.key", objects, expected


def test_83_01_a_copy_through_every_backend_answers_alike(original, workdir):
    store, key_file, objects, expected = original
    hops = []
    pg = pg_new_database() if ON_PG else None
    try:
        middle = pg or sqlite_store(workdir)[0]
        last = sqlite_store(workdir)[0]
        for source, target in ((store, middle), (middle, last)):
            r = run("copy", "--from", source, "--to", target, "--key-file", key_file)
            assert r.returncode == 0, r.stdout + r.stderr
            assert "matches its count and checksum" in r.stdout
            lines = {x.split()[1]: x for x in r.stdout.splitlines() if "sha256" in x}
            assert {"features", "accounts", "usage_events", "usage_counters", "events",
                    "activations", "leases", "orders", "settings", "signing_keys",
                    "licenses"} <= set(lines)
            hops.append(lines)
        # the same rows and checksums on every hop
        for table in hops[0]:
            assert hops[0][table].split()[2:] == hops[1][table].split()[2:], table
        for target in (middle, last):
            d = served(target, workdir, key_file)
            try:
                got = answers(d.url, objects)
                # new rows number after the copied ones (PostgreSQL's sequences moved on)
                api = Client(d.url, ADMIN)
                child = objects["accounts"][1]["key"]
                for path, body in (
                        ("/v1/entitlements", {"account": child,
                                              "feature": objects["features"][0]["key"],
                                              "value": "true"}),
                        ("/v1/usage", {"account": objects["accounts"][0]["key"],
                                       "feature": objects["calls"]["key"], "amount": 1}),
                        ("/v1/activations", {"account": child,
                                             "feature": objects["features"][4]["key"],
                                             "fingerprint": unique("machine")})):
                    r = api.post(path, body)
                    assert r.status_code in (201, 202), (target, path, r.text)
            finally:
                assert d.stop() == 0
            for what in expected:
                assert got[what] == expected[what], (target, what)
    finally:
        if pg:
            pg_drop_database(pg)


def test_83_02_a_copy_goes_only_into_an_empty_store(original, workdir):
    store, key_file, _, _ = original
    r = run("copy", "--from", store, "--to", store, "--key-file", key_file)
    assert r.returncode == 2 and "holds data already" in r.stderr, r.stderr
    r = run("copy", "--from", store)
    assert r.returncode == 2 and "--to" in r.stderr


def test_83_03_export_then_import_answers_alike(original, workdir):
    store, key_file, objects, expected = original
    r = run("export", "--store", store, "--key-file", key_file)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    head = json.loads(lines[0])
    assert head["format"] == "entitled-export" and head["version"] == 1
    tables = {json.loads(x)["table"] for x in lines[1:]}
    assert {"features", "api_keys", "events", "usage_events", "activations"} <= tables
    assert not any("ent_" in json.dumps(json.loads(x)["row"].get("hash", "")) for x in lines[1:])
    target, d = sqlite_store(workdir)
    path = os.path.join(d, "export.jsonl")
    with open(path, "w") as f:
        f.write(r.stdout)
    r = run("import", "--store", target, "--key-file", key_file, path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"imported {len(lines) - 1} rows" in r.stdout
    daemon = served(target, workdir, key_file)
    try:
        got = answers(daemon.url, objects)
    finally:
        assert daemon.stop() == 0
    for what in expected:
        assert got[what] == expected[what], what


def test_83_04_a_bad_export_line_imports_nothing(original, workdir):
    store, key_file, _, _ = original
    r = run("export", "--store", store, "--key-file", key_file)
    lines = r.stdout.splitlines()
    broken = lines[:5] + ['{"table": "accounts", "row": {"id": "x"}}'] + lines[5:]
    target, d = sqlite_store(workdir)
    path = os.path.join(d, "broken.jsonl")
    with open(path, "w") as f:
        f.write("\n".join(broken) + "\n")
    r = run("import", "--store", target, "--key-file", key_file, path)
    assert r.returncode == 1 and "line 6:" in r.stderr and "nothing was imported" in r.stderr
    r = run("export", "--store", target, "--key-file", key_file)
    assert [json.loads(x)["table"] for x in r.stdout.splitlines()[1:]] == ["settings"]
