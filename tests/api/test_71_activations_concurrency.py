# SPDX-License-Identifier: MIT
"""Activations under concurrency (DESIGN.md "Activation"; entitled.h: "Exact under any
concurrency"): many clients at once, each with its own connection (requests.Session), racing for
the same seats. The limit must hold exactly: never more live seats than the limit, never fewer
when enough machines asked, one activation per fingerprint.

The heartbeat race (test_71_03) waits for floating activations to die (ttl 10 s), so it takes
about 12 s."""
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from client import Client
from helpers import list_all, ms

CLIENTS = 16
TTL = 10


def seated_account(api, value):
    acc = api.make_account()
    f = api.make_feature(type="quantity", unit="seat", activations_enabled=True,
                         levels=[{"value": "3"}, {"value": "20"}])
    r = api.post("/v1/entitlements", {"account": acc["id"], "feature": f["key"], "value": value})
    assert r.status_code == 201, r.text
    return acc, f


def race(api, calls):
    """Runs calls (functions of a Client) at once on CLIENTS threads, each thread with its own
    client and connection, all released together. Answers the responses in the calls' order."""
    local = threading.local()
    barrier = threading.Barrier(min(CLIENTS, len(calls)))

    def run(call):
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = Client(api.base, api.key)
            try:
                barrier.wait(timeout=10)
            except threading.BrokenBarrierError:
                pass
        return call(client)

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        return list(pool.map(run, calls))


def activate(account, feature, fingerprint, **extra):
    def call(client):
        return client.post("/v1/activations", {"account": account, "feature": feature,
                                               "fingerprint": fingerprint, **extra})
    return call


def heartbeat(activation_id):
    def call(client):
        return client.post(f"/v1/activations/{activation_id}/heartbeat")
    return call


def listed(api, query):
    return list_all(api, f"/v1/activations?{query}&limit=100", check=True)


def live(api, account):
    return [a for a in listed(api, f"account={account}") if a["status"] == "active"]


def test_71_01_distinct_fingerprints_racing_for_the_last_seats(api):
    """64 machines at once for 20 seats: exactly 20 are created (201) and 44 refused (409
    seat_limit_reached); the list shows exactly 20 live."""
    acc, f = seated_account(api, "20")
    answers = race(api, [activate(acc["id"], f["key"], f"machine-{i}") for i in range(64)])
    codes = [r.status_code for r in answers]
    assert codes.count(201) == 20, codes
    assert codes.count(409) == 44, codes
    assert all(r.json()["type"] == "seat_limit_reached" for r in answers if r.status_code == 409)
    made = {r.json()["id"] for r in answers if r.status_code == 201}
    held = live(api, acc["id"])
    assert len(held) == 20 and {a["id"] for a in held} == made
    assert len(listed(api, f"account={acc['id']}")) == 20
    r = api.post("/v1/evaluate", {"account": acc["id"], "features": [f["key"]]})
    assert r.json()["entitlements"][0]["usage"] == 20


def test_71_02_one_fingerprint_from_many_clients_is_one_activation(api):
    """The same fingerprint sent by 16 clients at once: one 201, fifteen 200, one id."""
    acc, f = seated_account(api, "20")
    answers = race(api, [activate(acc["id"], f["key"], "the-machine") for _ in range(CLIENTS)])
    codes = sorted(r.status_code for r in answers)
    assert codes == [200] * (CLIENTS - 1) + [201], codes
    assert len({r.json()["id"] for r in answers}) == 1
    assert len(listed(api, f"account={acc['id']}")) == 1


def test_71_03_heartbeats_racing_expiry_never_over_allocate(new_daemon):
    """Twelve accounts of three seats, each held by floating activations (ttl 10 s) that are
    left to die. From just before their expiry until well after it, round after round,
    heartbeats of the old ones race new machines for the seats, so some requests are timed
    before an expiry and committed after others timed past it (a daemon of its own with eight
    threads makes that likely). After every round no account has more than three live, and at
    the end each has exactly three. (Judging liveness at each request's own arrival time lets
    this fail about every other run.)"""
    d = new_daemon(admin_key="test-admin-" + secrets.token_hex(20), args=("--threads", "8"))
    api = Client(d.url, d.admin_key)
    accounts = [seated_account(api, "3") for _ in range(12)]
    old = {}
    for acc, f in accounts:
        old[acc["id"]] = []
        for i in range(3):
            r = api.post("/v1/activations", {"account": acc["id"], "feature": f["key"],
                                              "fingerprint": f"old-{i}", "ttl_seconds": TTL})
            assert r.status_code == 201, r.text
            old[acc["id"]].append(r.json())
    expiry = min(ms(a["expires_at"]) for olds in old.values() for a in olds) / 1000
    time.sleep(max(0.0, expiry - time.time() - 0.04))
    outcomes = []
    round_no = 0
    while time.time() < expiry + 1.5:
        calls = []
        for acc, f in accounts:
            calls += [heartbeat(a["id"]) for a in old[acc["id"]]]
            calls += [activate(acc["id"], f["key"], f"new-{round_no}-{k}") for k in range(2)]
        answers = race(api, calls)
        outcomes += [r.status_code for r in answers]
        assert {r.status_code for r in answers} <= {200, 201, 409}, [r.text for r in answers]
        for acc, _ in accounts:
            held = live(api, acc["id"])
            assert len(held) <= 3, f"round {round_no}: {len(held)} live: {held}"
        round_no += 1
    assert 409 in outcomes
    for acc, f in accounts:
        assert len(live(api, acc["id"])) == 3
        r = api.post("/v1/evaluate", {"account": acc["id"], "features": [f["key"]]})
        assert r.json()["entitlements"][0]["usage"] == 3
