# SPDX-License-Identifier: MIT
"""API keys (API.md "API key"; issue: secrets shown once, stored as a keyed hash)."""
import secrets
import sqlite3
import subprocess

from client import Client, problem, unique
from conftest import ON_PG, pg_drop_database, pg_new_database
from helpers import log_lines, printed_admin_keys


def test_80_01_create_shows_the_secret_once(api):
    r = api.post("/v1/keys", {"name": "ci", "scope": "read"})
    assert r.status_code == 201
    k = r.json()
    assert k["key"].startswith("ent_read_") and len(k["key"]) == len("ent_read_") + 43
    assert k["key"].startswith(k["prefix"])
    assert k["account"] is None and k["revoked_at"] is None
    listed = api.get("/v1/keys?limit=100&sort=-created_at").json()["data"]
    mine = [x for x in listed if x["id"] == k["id"]]
    assert mine and "key" not in mine[0]


def test_80_02_the_secret_is_not_in_the_database(api, daemon):
    k = api.make_key("admin")
    if daemon.db:
        with sqlite3.connect(f"file:{daemon.db}?mode=ro", uri=True) as db:
            dump = "\n".join(db.iterdump())
    else:
        r = subprocess.run(["pg_dump", "--no-owner", "-d", daemon.store], capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        dump = r.stdout
    assert k["id"] in dump  # the dump does hold the keys
    assert k["key"] not in dump
    assert k["key"][len(k["prefix"]):] not in dump


def test_80_03_account_keys_need_an_existing_account(api):
    problem(api.post("/v1/keys", {"name": "x", "scope": "account"}), 422, "validation_failed",
            "account")
    problem(api.post("/v1/keys", {"name": "x", "scope": "account", "account": "nobody"}), 422,
            "validation_failed", "account")
    problem(api.post("/v1/keys", {"name": "x", "scope": "read", "account": "nobody"}), 422,
            "validation_failed", "account")
    acc = api.make_account()
    k = api.make_key("account", acc["key"])
    assert k["account"] == acc["id"] and k["key"].startswith("ent_account_")


def test_80_04_bad_bodies_are_422(api):
    problem(api.post("/v1/keys", {"name": "x", "scope": "root"}), 422, "validation_failed",
            "scope")
    problem(api.post("/v1/keys", {"scope": "read"}), 422, "validation_failed", "name")
    problem(api.post("/v1/keys", {"name": "x", "scope": "read", "ttl": 5}), 422,
            "validation_failed", "ttl")


def test_80_05_revoke(api):
    k = api.make_key("read")
    assert api.delete(f"/v1/keys/{k['id']}").status_code == 204
    listed = api.get("/v1/keys?limit=100&sort=-created_at").json()["data"]
    assert [x for x in listed if x["id"] == k["id"]][0]["revoked_at"]
    assert api.delete(f"/v1/keys/{k['id']}").status_code == 204
    problem(api.delete("/v1/keys/01890000-0000-7000-8000-000000000000"), 404, "not_found")


def test_80_06_only_admin_keys_manage_keys(api):
    read = api.with_key(api.make_key("read")["key"])
    problem(read.post("/v1/keys", {"name": unique("k"), "scope": "admin"}), 403, "forbidden")
    problem(read.get("/v1/keys"), 403, "forbidden")


def test_80_07_first_start_prints_one_admin_key(new_daemon):
    """Issue 2: on first start with an empty store and no ENTITLED_ADMIN_KEY, the daemon
    creates one admin key and prints it once."""
    d = new_daemon()
    out = d.output()
    keys = printed_admin_keys(out)
    assert len(keys) == 1, out
    from client import Client
    c = Client(d.url, keys[0])
    assert c.get("/v1/features").status_code == 200
    d.stop()
    d2 = type(d)(d.workdir)  # the same store again: no new key
    try:
        assert len(printed_admin_keys(d2.output())) == 1  # the first start's, no other
        assert Client(d2.url, keys[0]).get("/v1/features").status_code == 200
    finally:
        d2.stop()


def test_80_08_short_admin_key_is_refused_at_start(new_daemon):
    import pytest
    with pytest.raises(RuntimeError, match="32"):
        new_daemon(admin_key="too-short")


def test_80_09_keys_create_command_prints_a_working_key(new_daemon):
    """Issue 2: `entitled keys create --scope … [--account …] --store URL` prints a new key."""
    import subprocess
    from conftest import BIN
    from client import Client
    d = new_daemon(admin_key="cmd-admin-" + "x" * 32)
    admin = Client(d.url, d.admin_key)
    acc = admin.make_account()
    # The daemon's store, whose key file the command finds as the daemon did.
    store, wd = d.store, d.workdir
    out = subprocess.run([BIN, "keys", "create", "--scope", "read", "--store", store],
                         capture_output=True, text=True, timeout=30, cwd=wd)
    assert out.returncode == 0, out.stderr
    key = out.stdout.strip()
    assert key.startswith("ent_read_")
    assert Client(d.url, key).get("/v1/features").status_code == 200
    out = subprocess.run([BIN, "keys", "create", "--scope", "account", "--account", acc["key"],
                          "--store", store], capture_output=True, text=True, timeout=30, cwd=wd)
    assert out.returncode == 0, out.stderr
    mine = Client(d.url, out.stdout.strip())
    assert mine.get(f"/v1/accounts/{acc['id']}").status_code == 200
    bad = subprocess.run([BIN, "keys", "create", "--scope", "root", "--store", store],
                         capture_output=True, text=True, timeout=30, cwd=wd)
    assert bad.returncode == 2 and "--scope" in bad.stderr
    missing = subprocess.run([BIN, "keys", "create", "--scope", "account", "--account", "nobody",
                              "--store", store], capture_output=True, text=True, timeout=30,
                             cwd=wd)
    assert missing.returncode == 1 and "account" in missing.stderr


def test_80_10_migrate_command_reports_the_schema_version(tmp_path):
    import re
    from conftest import BIN
    store = pg_new_database() if ON_PG else f"sqlite:{tmp_path}/m.db"
    try:
        out = subprocess.run([BIN, "migrate", "--store", store], capture_output=True, text=True,
                             timeout=30, cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        version = re.search(r"schema version ([1-9][0-9]*)", out.stdout)
        assert version, out.stdout
        # Again: nothing to do, the same version.
        again = subprocess.run([BIN, "migrate", "--store", store], capture_output=True,
                               text=True, timeout=30, cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        assert f"schema version {version.group(1)}" in again.stdout, again.stdout
    finally:
        if ON_PG:
            pg_drop_database(store)


def test_80_08_no_secret_in_the_request_log(new_daemon):
    """Keys used, refused, created and revoked: the daemon's log never holds a secret (the log
    line names the method, path, status and time; never a header)."""
    admin_key = "test-admin-" + secrets.token_hex(20)
    d = new_daemon(admin_key=admin_key)
    api = Client(d.url, admin_key)
    k = api.make_key("read")
    user = Client(d.url, k["key"])
    assert user.get("/v1/features").status_code == 200
    assert user.post("/v1/features", {"key": unique("f"), "name": "F",
                                      "type": "switch"}).status_code == 403
    assert api.delete(f"/v1/keys/{k['id']}").status_code == 204
    assert user.get("/v1/features").status_code == 401
    wrong = Client(d.url, k["key"][:-4] + "AAAA")
    assert wrong.get("/v1/features").status_code == 401
    d.stop()
    log = d.output()
    # the log is there, and holds requests
    assert any(line.get("method") == "GET" and line.get("path") == "/v1/features"
               for line in log_lines(log)), log[-2000:]
    for secret in (admin_key, k["key"], k["key"][len(k["prefix"]):], k["key"][:-4] + "AAAA"):
        assert secret not in log


def test_80_11_the_current_key_is_who_asks_never_its_secret(api, daemon):
    """GET /v1/me, the key of the request (issue 16: the console learns what its key may do)."""
    me = api.get("/v1/me")
    assert me.status_code == 200 and me.json()["scope"] == "admin" and "key" not in me.json()
    acc = api.make_account()
    for scope, account in (("read", None), ("admin", None), ("account", acc["id"])):
        k = api.make_key(scope, account)
        r = Client(daemon.url, k["key"]).get("/v1/me")
        assert r.status_code == 200, r.text
        got = r.json()
        assert got["id"] == k["id"] and got["scope"] == scope and got["account"] == account
        assert got["name"] == k["name"] and got["prefix"] == k["prefix"]
        assert "key" not in got and k["key"] not in r.text
    problem(Client(daemon.url, None).get("/v1/me"), 401, "unauthorized")
    problem(Client(daemon.url, "ent_read_nothing").get("/v1/me"), 401, "unauthorized")
    gone = api.make_key("read")
    assert api.delete(f"/v1/keys/{gone['id']}").status_code == 204
    problem(Client(daemon.url, gone["key"]).get("/v1/me"), 401, "unauthorized")
    r = api.delete("/v1/me")
    problem(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "GET"
