# SPDX-License-Identifier: MIT
"""Consumption of a service entitlement under concurrency (issue 17, seed 000): with enforce, an
event that would draw more units than remain is not recorded, whatever the concurrency; the same
idempotency_key at once is drawn once. Many clients, each on a connection of its own, race on
one entitlement's units on a daemon with several worker threads; the counts must come out
exact (on PostgreSQL the cap is one conditional UPDATE of the entitlement's row)."""
import secrets
import threading

from client import Client
from helpers import race

CLIENTS = 16
UNITS = 120
ATTEMPTS = 240


def start(new_daemon):
    """A daemon of its own with 8 worker threads, and an admin client on it."""
    admin_key = "test-admin-" + secrets.token_hex(20)
    d = new_daemon(admin_key=admin_key, args=("--threads", "8"))
    return Client(d.url, admin_key)


def service(api, units):
    """An account holding a professional service of `units` units (from an activated order)."""
    acc = api.make_account()
    p = api.make_product(category="professional_services")
    r = api.post("/v1/orders", {"account": acc["id"], "activate": True,
                                "items": [{"product": p["key"], "quantity": units}]})
    assert r.status_code == 201, r.text
    [e] = api.get(f"/v1/entitlements?account={acc['id']}").json()["data"]
    return acc, e


def test_62_01_enforced_consumption_never_passes_the_units(new_daemon):
    """16 clients draw 240 units one at a time, half by the entitlement's route and half by
    usage events naming it, against 120 units: exactly 120 are recorded, each consumed count
    is handed out once, and the entitlement holds exactly 120."""
    api = start(new_daemon)
    acc, e = service(api, UNITS)
    lock = threading.Lock()
    statuses, consumed = [], []

    def work(i):
        c = api.with_key(api.key)
        for k in range(ATTEMPTS // CLIENTS):
            if (i + k) % 2:
                r = c.post(f"/v1/entitlements/{e['id']}/consumption",
                           {"amount": 1, "enforce": True})
            else:
                r = c.post("/v1/usage", {"entitlement": e["activation_id"], "amount": 1,
                                         "enforce": True})
            assert r.status_code in (201, 409), r.text
            body = r.json()
            with lock:
                statuses.append(r.status_code)
                if r.status_code == 201:
                    consumed.append(body["consumed"])
            if r.status_code == 409:
                assert body["type"] == "limit_reached" and body["consumed"] == UNITS, body

    errors = race(CLIENTS, work)
    assert not errors, errors[:5]
    assert statuses.count(201) == UNITS and statuses.count(409) == ATTEMPTS - UNITS
    assert sorted(consumed) == list(range(1, UNITS + 1))
    got = api.get(f"/v1/entitlements/{e['id']}").json()
    assert got["consumed"] == UNITS and got["remaining"] == 0


def test_62_02_the_same_idempotency_key_at_once_is_drawn_once(new_daemon):
    """16 clients send the same event with the same idempotency_key at the same moment: one is
    recorded (201), the others answer its result again (200), and it is drawn once."""
    api = start(new_daemon)
    acc, e = service(api, UNITS)
    lock = threading.Lock()
    answers = []

    def work(i):
        c = api.with_key(api.key)
        r = c.post(f"/v1/entitlements/{e['id']}/consumption",
                   {"amount": 7, "idempotency_key": "once", "enforce": True})
        assert r.status_code in (200, 201), r.text
        with lock:
            answers.append((r.status_code, r.json()))

    errors = race(CLIENTS, work)
    assert not errors, errors[:5]
    assert sorted(s for s, _ in answers) == [200] * (CLIENTS - 1) + [201]
    bodies = [b for _, b in answers]
    assert all(b == bodies[0] for b in bodies) and bodies[0]["consumed"] == 7
    assert api.get(f"/v1/entitlements/{e['id']}").json()["consumed"] == 7


def test_62_03_batches_and_single_events_share_the_units_exactly(new_daemon):
    """Batches of enforced consumption events (each atomic on its own) racing with single
    events still hand out exactly the units."""
    api = start(new_daemon)
    acc, e = service(api, UNITS)
    lock = threading.Lock()
    accepted, refused = [0], [0]
    event = {"entitlement": e["id"], "amount": 1, "enforce": True}

    def work(i):
        c = api.with_key(api.key)
        for _ in range(3):
            if i % 2 == 0:
                r = c.post("/v1/usage/batch", {"events": [event] * 10})
                assert r.status_code == 200, r.text
                got = [x["status"] for x in r.json()["results"]]
            else:
                r = c.post(f"/v1/entitlements/{e['id']}/consumption",
                           {"amount": 1, "enforce": True})
                got = [r.status_code]
            assert set(got) <= {201, 409}, got
            with lock:
                accepted[0] += got.count(201)
                refused[0] += got.count(409)

    errors = race(CLIENTS, work)
    assert not errors, errors[:5]
    total = (CLIENTS // 2) * 30 + (CLIENTS // 2) * 3
    assert accepted[0] == UNITS and refused[0] == total - UNITS
    assert api.get(f"/v1/entitlements/{e['id']}").json()["consumed"] == UNITS
