# SPDX-License-Identifier: MIT
"""Backups (issue 19, point 2): `entitled backup --to FILE` copies a SQLite store while a daemon
serves it, consistently; the copy passes integrity_check, and a daemon started on it (with the
store's key file) holds every write acknowledged before the backup began. A PostgreSQL store is
refused with the way to back it up."""
import os
import secrets
import shutil
import sqlite3
import subprocess
import threading
import time

import pytest

from client import Client
from conftest import BIN, ON_PG, Daemon
from helpers import day


def backup(store, to, *extra):
    return subprocess.run([BIN, "backup", "--store", store, "--to", str(to), *extra],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(ON_PG, reason="SQLite's backup; PostgreSQL's is test_99_03")
def test_99_01_a_backup_under_writes_holds_every_acknowledged_write(new_daemon, tmp_path):
    admin_key = "test-admin-" + secrets.token_hex(20)
    d = new_daemon(admin_key=admin_key)
    api = Client(d.url, admin_key)
    f = api.post("/v1/features", {"key": "calls-" + secrets.token_hex(4), "name": "Calls",
                                  "type": "metered", "unit": "call", "reset_period": "never"})
    assert f.status_code == 201, f.text
    feature = f.json()["key"]
    acked = []  # (monotonic time of the answer, account key)
    stop = threading.Event()

    def writer():
        c = Client(d.url, admin_key)
        while not stop.is_set():
            key = "b-" + secrets.token_hex(6)
            r = c.post("/v1/accounts", {"key": key, "name": "Backed up"})
            assert r.status_code == 201, r.text
            r = c.post("/v1/usage", {"account": key, "feature": feature, "amount": 1})
            assert r.status_code in (201, 202), r.text
            acked.append((time.monotonic(), key))

    t = threading.Thread(target=writer)
    t.start()
    try:
        time.sleep(0.5)
        began = time.monotonic()
        target = tmp_path / "backup.db"
        r = backup(d.store, target)
        time.sleep(0.3)
    finally:
        stop.set()
        t.join()
    assert r.returncode == 0, r.stdout + r.stderr
    assert "integrity ok" in r.stdout and "fingerprint" in r.stdout
    before = [key for when, key in acked if when < began]
    assert len(before) > 10 and len(acked) > len(before)
    with sqlite3.connect(f"file:{target}?mode=ro", uri=True) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Restore: a daemon on a copy, with the store's key file.
    restored_dir = tmp_path / "restored"
    restored_dir.mkdir()
    shutil.copy(target, restored_dir / "entitled.db")
    shutil.copy(d.db + ".key", restored_dir / "entitled.db.key")
    r2 = Daemon(str(restored_dir), admin_key=admin_key,
                store=f"sqlite:{restored_dir}/entitled.db")
    try:
        c = Client(r2.url, admin_key)
        for key in before:
            assert c.get(f"/v1/accounts/{key}").status_code == 200, key
            u = c.get("/v1/usage", params={"account": key, "feature": feature,
                                           "granularity": "month", "from": day(-40) + "T00:00:00Z",
                                           "to": day(2) + "T00:00:00Z"})
            assert u.status_code == 200, u.text
            assert sum(b["usage"] for b in u.json()["data"]) == 1, u.json()
    finally:
        r2.stop()


@pytest.mark.skipif(ON_PG, reason="SQLite's backup")
def test_99_02_a_backup_never_replaces_a_file(daemon, tmp_path):
    target = tmp_path / "taken.db"
    target.write_bytes(b"precious")
    r = backup(daemon.store, target)
    assert r.returncode == 2 and "exists already" in r.stderr, r.stderr
    assert target.read_bytes() == b"precious"
    assert not [p for p in os.listdir(tmp_path) if ".partial-" in p]
    r = subprocess.run([BIN, "backup", "--store", daemon.store], capture_output=True, text=True)
    assert r.returncode == 2 and "--to" in r.stderr


@pytest.mark.skipif(not ON_PG, reason="PostgreSQL only")
def test_99_03_a_postgresql_store_is_backed_up_by_its_own_tools(daemon, tmp_path):
    r = backup(daemon.store, tmp_path / "x.db", "--key-file", daemon_key_file(daemon))
    assert r.returncode == 2 and "pg_dump" in r.stderr, r.stderr
    assert not (tmp_path / "x.db").exists()


def daemon_key_file(d):
    state = os.environ.get("XDG_STATE_HOME")
    from urllib.parse import urlsplit
    u = urlsplit(d.store)
    return os.path.join(state, "entitled", f"{u.hostname}-{u.port}-{u.path.lstrip('/')}.key")
