# SPDX-License-Identifier: MIT
"""Usage under concurrency (API.md "Usage": with enforce, an event that would pass the limit is
not recorded; the same idempotency_key again is counted once; DESIGN.md "Architecture":
counters that enforce limits are updated atomically, so no two writers both hand out the last
unit of a quota). Many clients, each on a connection of its own, race on one account's quota on
a daemon with several worker threads; the counts must come out exact."""
import secrets
import threading
import time

import requests

from client import Client
from conftest import ON_PG, store_sql
from helpers import log_messages, metric, race

CLIENTS = 16
LIMIT = 200
ATTEMPTS = 400


def start(new_daemon):
    """A daemon of its own with 8 worker threads, and an admin client on it."""
    admin_key = "test-admin-" + secrets.token_hex(20)
    d = new_daemon(admin_key=admin_key, args=("--threads", "8"))
    return Client(d.url, admin_key)


def quota(api, limit, period="never"):
    acc = api.make_account()
    f = api.make_feature(type="metered", unit="call", reset_period=period)
    r = api.post("/v1/entitlements", {"account": acc["id"], "feature": f["key"],
                                      "value": str(limit)})
    assert r.status_code == 201, r.text
    return acc, f


def evaluate(api, acc, f):
    r = api.post("/v1/evaluate", {"account": acc["id"], "features": [f["key"]]})
    assert r.status_code == 200, r.text
    return r.json()["entitlements"][0]


def test_61_01_enforced_events_never_pass_the_limit(new_daemon):
    """16 clients send 400 enforced events of amount 1 against a limit of 200: exactly 200 are
    recorded (201) and 200 refused (409), and the stored usage is exactly 200."""
    api = start(new_daemon)
    acc, f = quota(api, LIMIT)
    lock = threading.Lock()
    statuses, usages = [], []
    per_client = ATTEMPTS // CLIENTS

    def work(i):
        c = api.with_key(api.key)
        for _ in range(per_client):
            r = c.post("/v1/usage", {"account": acc["id"], "feature": f["key"], "amount": 1,
                                     "enforce": True})
            assert r.status_code in (201, 409), r.text
            body = r.json()
            with lock:
                statuses.append(r.status_code)
                if r.status_code == 201:
                    usages.append(body["usage"])
            if r.status_code == 409:
                assert body["type"] == "limit_reached" and body["usage"] == LIMIT, body

    errors = race(CLIENTS, work)
    assert not errors, errors[:5]
    assert len(statuses) == ATTEMPTS
    assert statuses.count(201) == LIMIT and statuses.count(409) == ATTEMPTS - LIMIT
    assert sorted(usages) == list(range(1, LIMIT + 1))  # each unit handed out once
    got = evaluate(api, acc, f)
    assert got["usage"] == LIMIT and got["remaining"] == 0 and got["reason"] == "limit_reached"


def test_61_02_the_same_idempotency_key_at_once_is_counted_once(new_daemon):
    """16 clients send the same event with the same idempotency_key at the same moment: one is
    recorded (201), the others answer its result again (200), and it is counted once."""
    api = start(new_daemon)
    acc, f = quota(api, 1000, "month")
    lock = threading.Lock()
    answers = []

    def work(i):
        c = api.with_key(api.key)
        r = c.post("/v1/usage", {"account": acc["id"], "feature": f["key"], "amount": 7,
                                 "idempotency_key": "once", "enforce": True})
        assert r.status_code in (200, 201), r.text
        with lock:
            answers.append((r.status_code, r.json()))

    errors = race(CLIENTS, work)
    assert not errors, errors[:5]
    assert sorted(s for s, _ in answers) == [200] * (CLIENTS - 1) + [201]
    bodies = [b for _, b in answers]
    assert all(b == bodies[0] for b in bodies) and bodies[0]["usage"] == 7
    assert evaluate(api, acc, f)["usage"] == 7


def test_61_03_batches_and_single_events_share_the_limit_exactly(new_daemon):
    """Batches of enforced events (each event atomic on its own) racing with single events
    still hand out exactly the quota."""
    api = start(new_daemon)
    acc, f = quota(api, LIMIT)
    lock = threading.Lock()
    accepted = [0]
    refused = [0]
    event = {"account": acc["id"], "feature": f["key"], "amount": 1, "enforce": True}

    def work(i):
        c = api.with_key(api.key)
        if i % 2 == 0:
            for _ in range(2):
                r = c.post("/v1/usage/batch", {"events": [event] * 20})
                assert r.status_code == 200, r.text
                got = [x["status"] for x in r.json()["results"]]
                assert set(got) <= {201, 409}, got
                # Within a batch the limit is reached once: no 201 after a 409.
                assert 201 not in got[got.index(409):] if 409 in got else True, got
                with lock:
                    accepted[0] += got.count(201)
                    refused[0] += got.count(409)
        else:
            for _ in range(10):
                r = c.post("/v1/usage", event)
                assert r.status_code in (201, 409), r.text
                with lock:
                    accepted[0] += r.status_code == 201
                    refused[0] += r.status_code == 409

    errors = race(CLIENTS, work)
    assert not errors, errors[:5]
    total = (CLIENTS // 2) * 40 + (CLIENTS // 2) * 10
    assert accepted[0] == LIMIT and refused[0] == total - LIMIT
    assert evaluate(api, acc, f)["usage"] == LIMIT



def test_61_90_single_events_are_group_committed(new_daemon):
    """Single events go through the group committer: 32 clients send 320 events of amount 2;
    each is answered 201, entitled_usage_grouped_total counts all 320 in at most 320
    transactions (entitled_usage_groups_total), and the stored usage is exactly 640."""
    api = start(new_daemon)
    acc, f = quota(api, 1000000)

    groups0 = metric(api, "entitled_usage_groups_total")
    events0 = metric(api, "entitled_usage_grouped_total")
    lock = threading.Lock()
    statuses = []

    def work(i):
        client = api.with_key(api.key)
        for _ in range(10):
            r = client.post("/v1/usage", {"account": acc["id"], "feature": f["key"],
                                          "amount": 2, "enforce": True})
            with lock:
                statuses.append(r.status_code)

    assert race(32, work) == []
    assert statuses == [201] * 320
    events = metric(api, "entitled_usage_grouped_total") - events0
    groups = metric(api, "entitled_usage_groups_total") - groups0
    assert events == 320 and 1 <= groups <= 320, (events, groups)
    assert evaluate(api, acc, f)["usage"] == 640


def test_61_91_sigterm_under_load_stops_cleanly_and_keeps_every_answer(new_daemon):
    """SIGTERM while 32 clients send events (some waiting in the group committer, connections
    suspended): the daemon answers what it took, exits 0, and every event answered 201 is
    stored."""
    admin_key = "test-admin-" + secrets.token_hex(20)
    d = new_daemon(admin_key=admin_key, args=("--threads", "2"))
    api = Client(d.url, admin_key)
    acc, f = quota(api, 1000000)
    lock = threading.Lock()
    acked = []
    started = threading.Barrier(33)

    def client(i):
        c = api.with_key(admin_key)
        started.wait(timeout=30)
        while True:
            key = f"sig-{i}-{secrets.token_hex(8)}"
            try:
                r = c.post("/v1/usage", {"account": acc["id"], "feature": f["key"], "amount": 1,
                                         "idempotency_key": key}, check=False)
            except requests.RequestException:
                return  # the daemon stopped
            if r.status_code != 201:
                return
            with lock:
                acked.append(key)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    started.wait(timeout=30)
    deadline = time.monotonic() + 10
    while len(acked) < 500 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert d.stop() == 0, d.output()
    for t in threads:
        t.join(timeout=30)
    assert "stopped" in log_messages(d.output())
    rows, _ = store_sql(d.store, "SELECT idempotency_key FROM usage_events WHERE account_id = ?",
                        (acc["id"],))
    stored = {k for (k,) in rows}
    assert len(acked) >= 500
    assert set(acked) <= stored


def test_61_92_recorded_events_update_the_snapshot_in_memory(new_daemon):
    """A recorded event brings the account's snapshot in memory up to date instead of dropping
    it: while 8 clients record events and 8 evaluate, every evaluation shows at least the usage
    of the events its client saw acknowledged before it asked (no acknowledged event is missed),
    the final usage is exact, and on SQLite (where no other daemon announces changes) the
    snapshot is built once, not once per event."""
    api = start(new_daemon)
    acc, f = quota(api, 1000000)
    assert evaluate(api, acc, f)["usage"] == 0  # the snapshot is built and cached

    misses0 = metric(api, "entitled_cache_misses_total")
    updates0 = metric(api, "entitled_cache_usage_updates_total")
    lock = threading.Lock()
    acked = [0]
    stale = []

    def work(i):
        client = api.with_key(api.key)
        for _ in range(25):
            if i % 2 == 0:
                r = client.post("/v1/usage", {"account": acc["id"], "feature": f["key"],
                                              "amount": 1, "enforce": True})
                assert r.status_code == 201, r.text
                with lock:
                    acked[0] += 1
            else:
                with lock:
                    floor = acked[0]
                usage = evaluate(client, acc, f)["usage"]
                if usage < floor:
                    with lock:
                        stale.append((floor, usage))

    assert race(16, work) == []
    assert stale == []
    assert evaluate(api, acc, f)["usage"] == 200
    # Each event is reported once by its commit, and on PostgreSQL once more by the store's
    # announcement (to every daemon, this one included).
    assert metric(api, "entitled_cache_usage_updates_total") - updates0 >= 200
    if not ON_PG:
        assert metric(api, "entitled_cache_misses_total") == misses0


def test_61_93_clients_that_leave_before_the_answer_do_not_stop_sigterm(new_daemon):
    """Clients that send an event and close their connection at once, while it waits in the
    group committer: each event is still recorded or not as a whole, and SIGTERM afterwards
    stops the daemon within seconds (a connection resumed after its client left must not be
    waited for at shutdown)."""
    import socket

    admin_key = "test-admin-" + secrets.token_hex(20)
    d = new_daemon(admin_key=admin_key, args=("--threads", "2"))
    api = Client(d.url, admin_key)
    acc, f = quota(api, 1000000)
    host, port = d.url.split("//")[1].split(":")
    body = ('{"account": "%s", "feature": "%s", "amount": 1}' % (acc["id"], f["key"])).encode()
    head = (f"POST /v1/usage HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {admin_key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()

    def leave(i):
        for _ in range(25):
            s = socket.create_connection((host, int(port)), timeout=10)
            s.sendall(head + body)
            s.close()

    assert race(16, leave) == []
    time.sleep(0.5)  # what was sent is recorded (or not) by now
    started = time.monotonic()
    assert d.stop(timeout=15) == 0, d.output()[-3000:]
    assert time.monotonic() - started < 10
    assert "stopped" in log_messages(d.output())
