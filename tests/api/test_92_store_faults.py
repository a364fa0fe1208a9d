# SPDX-License-Identifier: MIT
"""The store under an unlucky operator (issue "Hardening"): a store file deleted or replaced
under a running daemon, a key file missing or not the store's.

Each test starts daemons of its own (new_daemon), so it may break their stores freely.
"""
import os
import secrets
import shutil
import subprocess

import pytest

from client import Client, unique, unique_feature
from conftest import BIN, ON_PG, Daemon, store_for

sqlite_only = pytest.mark.skipif(ON_PG, reason="a store file exists on SQLite only")


def start(new_daemon, **kwargs):
    """A daemon of its own, and an admin client on it."""
    admin_key = "test-admin-" + secrets.token_hex(20)
    d = new_daemon(admin_key=admin_key, **kwargs)
    return d, Client(d.url, admin_key)


def metered(api):
    """An account and a metered feature of it; answers (account key, feature key)."""
    acc = api.post("/v1/accounts", {"key": unique("acc"), "name": "Acme"}).json()
    feat = api.post("/v1/features", {**unique_feature("calls"), "type": "metered",
                                     "reset_period": "month"}).json()
    return acc["key"], feat["key"]


def unavailable(r):
    """The answer is the 503 problem of a store that takes no writes, saying why."""
    assert r.status_code == 503, (r.status_code, r.text)
    doc = r.json()
    assert doc["type"] == "internal" and doc["status"] == 503
    assert "deleted or replaced" in doc["detail"]


@sqlite_only
@pytest.mark.parametrize("deleted", [("",), ("", "-wal", "-shm"), ("-wal",)],
                         ids=["file", "file-wal-shm", "wal"])
def test_92_01_a_deleted_store_acknowledges_no_write(new_daemon, deleted):
    """A store file (or its WAL) deleted under the daemon: every write after it is a 503 that
    says why, /readyz fails, and nothing acknowledged is missing from the file the next start
    opens (before: writes were answered 201 into the unlinked file, and lost at restart)."""
    d, api = start(new_daemon)
    account, feature = metered(api)
    assert api.post("/v1/usage", {"account": account, "feature": feature, "amount": 1}).status_code == 201
    for suffix in deleted:
        os.unlink(d.db + suffix)
    for _ in range(20):
        unavailable(api.post("/v1/usage", {"account": account, "feature": feature, "amount": 1},
                             check=False))
    r = api.post("/v1/usage/batch", {"events": [{"account": account, "feature": feature, "amount": 1}]},
                 check=False)
    unavailable(r)
    unavailable(api.post("/v1/accounts", {"key": unique("acc"), "name": "Late"}, check=False))
    ready = Client(d.url, None).get("/readyz", check=False)
    assert ready.status_code == 503, ready.text
    assert "deleted or replaced" in d.output()
    # Reads from memory and the open file still answer.
    assert api.get(f"/v1/accounts/{account}").status_code == 200


@sqlite_only
def test_92_02_a_replaced_store_file_is_refused_too(new_daemon):
    """A store file replaced by another (a restore over a running daemon) is not written to:
    the daemon's writes would go to the old, unlinked file."""
    d, api = start(new_daemon)
    account, feature = metered(api)
    copy = d.db + ".copy"
    shutil.copyfile(d.db, copy)
    os.replace(copy, d.db)
    unavailable(api.post("/v1/usage", {"account": account, "feature": feature, "amount": 1}, check=False))
    assert Client(d.url, None).get("/readyz", check=False).status_code == 503


def key_file_of(d):
    """The key file a daemon started without --key-file uses: beside the SQLite file, or on
    PostgreSQL $XDG_STATE_HOME/entitled/<host>-<port>-<database>.key."""
    if d.db:
        return d.db + ".key"
    dbname = d.store.rsplit("/", 1)[-1]
    folder = os.path.join(os.environ["XDG_STATE_HOME"], "entitled")
    found = [f for f in os.listdir(folder) if f.endswith(f"-{dbname}.key")]
    assert len(found) == 1, found
    return os.path.join(folder, found[0])


def serve_refused(d, *args, cwd=None):
    """Starts a daemon on d's store that must refuse to start; answers its message."""
    env = dict(os.environ, ENTITLED_ADMIN_KEY=d.admin_key)
    r = subprocess.run([BIN, "serve", "--listen", "127.0.0.1:1", "--store", d.store, *args],
                       capture_output=True, text=True, timeout=30, env=env,
                       cwd=cwd or d.workdir)
    assert r.returncode != 0, r.stdout + r.stderr
    return r.stderr


def key_count(d):
    from conftest import store_sql
    rows, _ = store_sql(d.store, "SELECT count(*) FROM api_keys")
    return int(rows[0][0])


def test_92_03_a_missing_key_file_is_refused_not_replaced(new_daemon):
    """A store that holds API keys, started without its key file: refused with a message naming
    the file, nothing written (before: a new secret was made, every key answered 401 and the
    admin key was registered again)."""
    d, api = start(new_daemon)
    reader = api.with_key(api.make_key("read")["key"])
    d.stop()
    path = key_file_of(d)
    saved = path + ".saved"
    os.rename(path, saved)
    keys = key_count(d)
    message = serve_refused(d)
    assert path in message and "missing" in message and "--key-file" in message
    assert not os.path.exists(path)
    assert key_count(d) == keys
    # With the file named, every key works again.
    again = Daemon(d.workdir, admin_key=d.admin_key, store=d.store, args=("--key-file", saved))
    try:
        assert Client(again.url, d.admin_key).get("/v1/features").status_code == 200
        assert Client(again.url, reader.key).get("/v1/features").status_code == 200
    finally:
        again.stop()


def test_92_04_a_key_file_of_another_store_is_refused(new_daemon, tmp_path):
    """A key file that is not the one the store's keys were hashed with is refused."""
    d, _ = start(new_daemon)
    d.stop()
    other = tmp_path / "other.key"
    other.write_text(secrets.token_hex(32) + "\n")
    message = serve_refused(d, "--key-file", str(other))
    assert str(other) in message and "not this store's" in message


def test_92_05_the_default_key_file_does_not_depend_on_the_working_directory(new_daemon,
                                                                          tmp_path):
    """Started again from another directory on the same store (on PostgreSQL, before: a new
    entitled.key in the working directory), the daemon finds the store's key file."""
    d, _ = start(new_daemon)
    d.stop()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    again = Daemon(str(elsewhere), admin_key=d.admin_key, store=d.store)
    try:
        assert Client(again.url, d.admin_key).get("/v1/features").status_code == 200
        assert not (elsewhere / "entitled.key").exists()
    finally:
        again.stop()
