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

from client import Client, unique
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
    feat = api.post("/v1/features", {"key": unique("calls"), "name": "Calls", "type": "metered",
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
def test_91_01_a_deleted_store_acknowledges_no_write(new_daemon, deleted):
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
def test_91_02_a_replaced_store_file_is_refused_too(new_daemon):
    """A store file replaced by another (a restore over a running daemon) is not written to:
    the daemon's writes would go to the old, unlinked file."""
    d, api = start(new_daemon)
    account, feature = metered(api)
    copy = d.db + ".copy"
    shutil.copyfile(d.db, copy)
    os.replace(copy, d.db)
    unavailable(api.post("/v1/usage", {"account": account, "feature": feature, "amount": 1}, check=False))
    assert Client(d.url, None).get("/readyz", check=False).status_code == 503
