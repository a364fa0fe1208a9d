# SPDX-License-Identifier: MIT
"""Activations (API.md "Activation" and the /v1/activations routes; DESIGN.md "Activation"; seed
002 activations enabled per feature; seed 004 activation ids, quantity and quantity per copy):
seats of a feature of an account and of an entitlement, the same fingerprint as the same
activation, exact seat limits, floating activations and their heartbeats, deactivation, list
filters, evaluate's usage, bad input, and what each key may do.

Floating activations live at least 10 s (the smallest ttl_seconds), and the daemon's clock
cannot be moved from here: one test (test_70_20, slow) waits 11 s for two of them to die."""
import time

import pytest

from client import problem, unique
from helpers import events_count, list_all, ms

NOWHERE = "0190a0b4-0000-7000-8000-000000000000"
TTL = 10


def events_of(api, account, type_):
    r = api.get(f"/v1/events?account={account}&type={type_}&limit=100")
    assert r.status_code == 200, r.text
    return r.json()["data"]


def seat_feature(api, activations=True):
    """A quantity feature (5, 20 or unlimited users) with activations enabled."""
    return api.make_feature(type="quantity", unit="user", activations_enabled=activations,
                            levels=[{"value": "5"}, {"value": "20"}, {"value": "unlimited"}])


def grant(api, account, **body):
    r = api.post("/v1/entitlements", {"account": account, **body})
    assert r.status_code == 201, r.text
    return r.json()


def seated_account(api, value="5"):
    """An account granted value of a fresh seat feature: (account, feature)."""
    acc = api.make_account()
    f = seat_feature(api)
    grant(api, acc["id"], feature=f["key"], value=value)
    return acc, f


def entitlement_with_seats(api, quantity=2, per_copy=3, **fields):
    """An account and an entitlement of quantity x per_copy seats: (account, entitlement)."""
    acc = api.make_account()
    sw = api.make_feature(type="switch")
    p = api.make_product(entitlements=[{"feature": sw["key"], "value": "true"}])
    e = grant(api, acc["id"], product=p["key"], quantity=quantity, quantity_per_copy=per_copy,
              **fields)
    return acc, e


def activate(client, **body):
    return client.post("/v1/activations", body)


def activated(client, status=201, **body):
    r = activate(client, **body)
    assert r.status_code == status, r.text
    return r.json()


def listed(api, query):
    return list_all(api, f"/v1/activations?{query + '&' if query else ''}limit=100", check=True)


def live(api, query):
    """The activations of query that hold a seat now (status active)."""
    return [a for a in listed(api, query) if a["status"] == "active"]


def evaluate(api, account, feature):
    r = api.post("/v1/evaluate", {"account": account, "features": [feature["key"]]})
    assert r.status_code == 200, r.text
    return r.json()["entitlements"][0]


# --------------------------------------------------------------------------------------------
# Activate
# --------------------------------------------------------------------------------------------

def test_70_01_activate_a_seat_of_a_feature(api):
    """API.md "Activation": {account, feature, fingerprint} -> 201 with the new activation."""
    acc, f = seated_account(api)
    before = int(time.time() * 1000)
    a = activated(api, account=acc["key"], feature=f["key"], fingerprint="machine-1",
                  name="Build agent", metadata={"os": "linux", "cores": 8})
    after = int(time.time() * 1000)
    assert a["account"] == acc["id"] and a["feature"] == f["key"]
    assert a["entitlement"] is None and a["activation_id"] is None
    assert a["fingerprint"] == "machine-1" and a["name"] == "Build agent"
    assert a["metadata"] == {"os": "linux", "cores": 8}
    assert a["ttl_seconds"] is None and a["expires_at"] is None
    assert a["status"] == "active" and a["deactivated_at"] is None
    assert before - 1000 <= ms(a["created_at"]) <= after + 1000
    assert a["last_heartbeat_at"] == a["created_at"] == a["updated_at"]
    assert api.get(f"/v1/activations/{a['id']}").json() == a
    made = events_of(api, acc["id"], "activation.created")
    assert [e["object"] for e in made] == [a["id"]]


def test_70_02_defaults_and_feature_by_id(api):
    acc, f = seated_account(api)
    a = activated(api, account=acc["id"], feature=f["id"], fingerprint="m")
    assert a["feature"] == f["key"] and a["name"] is None and a["metadata"] == {}
    assert a["ttl_seconds"] is None
    b = activated(api, account=acc["id"], feature=f["key"], fingerprint="n", ttl_seconds=0,
                  name=None, metadata=None)
    assert b["ttl_seconds"] is None and b["expires_at"] is None


def test_70_03_the_same_fingerprint_twice_is_one_activation(api):
    """DESIGN.md: the same fingerprint twice is the same activation (200, created false)."""
    acc, f = seated_account(api)
    a = activated(api, account=acc["id"], feature=f["key"], fingerprint="fp-1")
    n = events_count(api)
    again = activated(api, 200, account=acc["key"], feature=f["id"], fingerprint="fp-1")
    assert again == a
    assert events_count(api) == n, "answering an existing activation changes nothing"
    renamed = activated(api, 200, account=acc["id"], feature=f["key"], fingerprint="fp-1",
                        name="Renamed", metadata={"k": "v"})
    assert renamed["id"] == a["id"] and renamed["name"] == "Renamed"
    assert renamed["metadata"] == {"k": "v"} and renamed["created_at"] == a["created_at"]
    assert api.get(f"/v1/activations/{a['id']}").json() == renamed
    assert len(listed(api, f"account={acc['id']}")) == 1
    assert len(events_of(api, acc["id"], "activation.updated")) == 1


def test_70_04_fingerprints_are_compared_exactly(api):
    acc, f = seated_account(api)
    ids = {activated(api, account=acc["id"], feature=f["key"], fingerprint=fp)["id"]
           for fp in ("abc", "ABC", "abc ", "ab\u00e7")}
    assert len(ids) == 4


def test_70_05_seat_limit_is_exact(api):
    """A feature of quantity 5: five machines take the five seats; the sixth is 409
    seat_limit_reached; a machine that holds a seat is still answered at the limit."""
    acc, f = seated_account(api, "5")
    seats = [activated(api, account=acc["id"], feature=f["key"], fingerprint=f"m{i}")
             for i in range(5)]
    n = events_count(api)
    doc = problem(activate(api, account=acc["id"], feature=f["key"], fingerprint="m5"), 409,
                  "seat_limit_reached")
    assert f["key"] in doc["detail"]
    assert events_count(api) == n
    assert activated(api, 200, account=acc["id"], feature=f["key"], fingerprint="m3") == seats[3]
    assert len(live(api, f"account={acc['id']}&feature={f['key']}")) == 5


def test_70_06_limit_is_the_accounts_effective_value(api):
    """The limit is what evaluate answers: grants add up (5 + 20 = 25 seats)."""
    acc, f = seated_account(api, "5")
    grant(api, acc["id"], feature=f["key"], value="20")
    for i in range(25):
        activated(api, account=acc["id"], feature=f["key"], fingerprint=f"m{i}")
    problem(activate(api, account=acc["id"], feature=f["key"], fingerprint="m25"), 409,
            "seat_limit_reached")


def test_70_07_unlimited_has_no_seat_limit(api):
    acc, f = seated_account(api, "unlimited")
    for i in range(40):
        activated(api, account=acc["id"], feature=f["key"], fingerprint=f"m{i}")
    assert len(listed(api, f"account={acc['id']}")) == 40


def test_70_08_without_a_grant_there_are_no_seats(api):
    """Not granted (or suspended, or expired): limit 0."""
    acc = api.make_account()
    f = seat_feature(api)
    problem(activate(api, account=acc["id"], feature=f["key"], fingerprint="m"), 409,
            "seat_limit_reached")
    e = grant(api, acc["id"], feature=f["key"], value="5")
    activated(api, account=acc["id"], feature=f["key"], fingerprint="m")
    r = api.patch(f"/v1/entitlements/{e['id']}", {"status": "suspended"})
    assert r.status_code == 200, r.text
    problem(activate(api, account=acc["id"], feature=f["key"], fingerprint="m2"), 409,
            "seat_limit_reached")


def test_70_09_a_switch_feature_that_is_on_has_no_seat_limit(api):
    acc = api.make_account()
    sw = api.make_feature(type="switch", activations_enabled=True)
    problem(activate(api, account=acc["id"], feature=sw["key"], fingerprint="m"), 409,
            "seat_limit_reached")
    grant(api, acc["id"], feature=sw["key"], value="true")
    for i in range(8):
        activated(api, account=acc["id"], feature=sw["key"], fingerprint=f"m{i}")


def test_70_10_seats_of_an_entitlement_by_activation_id(api):
    """Seed 004: an activation id names a line item's entitlement; its seats are quantity x
    quantity per copy (2 x 3 = 6)."""
    acc, e = entitlement_with_seats(api, 2, 3)
    first = activated(api, activation_id=e["activation_id"], fingerprint="m0",
                      ttl_seconds=TTL)
    assert first["account"] == acc["id"] and first["entitlement"] == e["id"]
    assert first["activation_id"] == e["activation_id"] and first["feature"] is None
    assert first["ttl_seconds"] == TTL
    for i in range(1, 6):
        activated(api, activation_id=e["activation_id"], fingerprint=f"m{i}")
    problem(activate(api, activation_id=e["activation_id"], fingerprint="m6"), 409,
            "seat_limit_reached")
    assert activated(api, 200, activation_id=e["activation_id"], fingerprint="m0")["id"] \
        == first["id"]
    assert len(listed(api, f"entitlement={e['activation_id']}")) == 6
    assert len(listed(api, f"entitlement={e['id']}")) == 6


def test_70_11_scopes_are_separate(api):
    """The same fingerprint in another scope (feature, entitlement, account) is another seat."""
    acc, f = seated_account(api, "5")
    other, _ = seated_account(api, "5")
    grant(api, other["id"], feature=f["key"], value="5")
    e = grant(api, acc["id"], product=api.make_product(
        entitlements=[{"feature": f["key"], "value": "5"}])["key"])
    a = activated(api, account=acc["id"], feature=f["key"], fingerprint="same")
    b = activated(api, activation_id=e["activation_id"], fingerprint="same")
    c = activated(api, account=other["id"], feature=f["key"], fingerprint="same")
    assert len({a["id"], b["id"], c["id"]}) == 3
    assert len(listed(api, f"account={acc['id']}")) == 2


def test_70_12_an_entitlement_not_in_force_has_no_activations(api):
    """The entitlement must be in force now: pending, suspended, expired or revoked is 422."""
    _, pending = entitlement_with_seats(api, start_date="2099-01-01")
    problem(activate(api, activation_id=pending["activation_id"], fingerprint="m"), 422,
            "validation_failed", "activation_id")
    _, e = entitlement_with_seats(api)
    activated(api, activation_id=e["activation_id"], fingerprint="m")
    assert api.patch(f"/v1/entitlements/{e['id']}", {"status": "suspended"}).status_code == 200
    problem(activate(api, activation_id=e["activation_id"], fingerprint="m2"), 422,
            "validation_failed", "activation_id")
    assert api.delete(f"/v1/entitlements/{e['id']}").status_code == 200
    problem(activate(api, activation_id=e["activation_id"], fingerprint="m2"), 422,
            "validation_failed", "activation_id")


def test_70_13_unknown_activation_id_is_404(api):
    problem(activate(api, activation_id="ACT-NO-SUCH-ONE", fingerprint="m"), 404, "not_found")


@pytest.mark.parametrize("body,field", [
    ({"activation_id": "@act"}, "feature"),
    ({"activation_id": "@act", "feature": "@drop"}, "account"),
    ({"feature": "@drop"}, "feature"),
    ({"feature": None}, "feature"),
    ({"account": "@drop"}, "account"),
    ({"account": "no-such-account"}, "account"),
    ({"feature": "no-such-feature"}, "feature"),
    ({"feature": "@plain"}, "feature"),
    ({"fingerprint": "@drop"}, "fingerprint"),
    ({"fingerprint": ""}, "fingerprint"),
    ({"fingerprint": "x" * 257}, "fingerprint"),
    ({"fingerprint": "tab\there"}, "fingerprint"),
    ({"fingerprint": 12}, "fingerprint"),
    ({"name": "n" * 201}, "name"),
    ({"name": 5}, "name"),
    ({"metadata": [1, 2]}, "metadata"),
    ({"metadata": "text"}, "metadata"),
    ({"ttl_seconds": 5}, "ttl_seconds"),
    ({"ttl_seconds": 9}, "ttl_seconds"),
    ({"ttl_seconds": -1}, "ttl_seconds"),
    ({"ttl_seconds": 2592001}, "ttl_seconds"),
    ({"ttl_seconds": 1.5}, "ttl_seconds"),
    ({"ttl_seconds": "10"}, "ttl_seconds"),
    ({"colour": "red"}, "colour"),
])
def test_70_14_bad_activations_are_422_naming_the_field_and_change_nothing(api, body, field):
    acc, f = seated_account(api)
    _, e = entitlement_with_seats(api)
    plain = seat_feature(api, activations=False)
    full = {"account": acc["id"], "feature": f["key"], "fingerprint": "m"}
    for k, v in body.items():
        if v == "@drop":
            full.pop(k, None)
        elif v == "@act":
            full[k] = e["activation_id"]
        elif v == "@plain":
            full[k] = plain["key"]
        else:
            full[k] = v
    n = events_count(api)
    problem(api.post("/v1/activations", full), 422, "validation_failed", field)
    assert events_count(api) == n
    assert listed(api, f"account={acc['id']}") == []


def test_70_15_boundaries_that_are_accepted(api):
    acc, f = seated_account(api, "20")
    for body in ({"fingerprint": "x" * 256}, {"fingerprint": "\u00e9" * 256},
                 {"fingerprint": "a", "name": "n" * 200}, {"fingerprint": "b", "ttl_seconds": 10},
                 {"fingerprint": "c", "ttl_seconds": 2592000}, {"fingerprint": " "}):
        activated(api, account=acc["id"], feature=f["key"], **body)


def test_70_16_bad_bodies(api):
    acc, f = seated_account(api)
    problem(api.post("/v1/activations", raw="{not json"), 400, "invalid_json")
    problem(api.post("/v1/activations", raw="{}", headers={"Content-Type": "text/plain"}), 415,
            "unsupported_media_type")
    problem(api.post("/v1/activations", raw=" " * (1024 * 1024 + 1)), 413, "payload_too_large")
    problem(api.put("/v1/activations", {}), 405, "method_not_allowed")
    problem(api.patch(f"/v1/activations/{NOWHERE}", {}), 405, "method_not_allowed")
    problem(api.get(f"/v1/activations/{NOWHERE}/heartbeat"), 405, "method_not_allowed")
    assert listed(api, f"account={acc['id']}") == []


def test_70_17_idempotency_key_replays_the_first_answer(api):
    acc, f = seated_account(api)
    body = {"account": acc["id"], "feature": f["key"], "fingerprint": "m"}
    key = {"Idempotency-Key": unique("idem")}
    r1 = api.post("/v1/activations", body, headers=key)
    assert r1.status_code == 201 and "Idempotent-Replayed" not in r1.headers
    r2 = api.post("/v1/activations", body, headers=key)
    assert r2.status_code == 201 and r2.headers["Idempotent-Replayed"] == "true"
    assert r2.json() == r1.json()
    problem(api.post("/v1/activations", {**body, "fingerprint": "other"}, headers=key), 422,
            "validation_failed")


# --------------------------------------------------------------------------------------------
# Deactivate, heartbeat
# --------------------------------------------------------------------------------------------

def test_70_18_deactivate_keeps_the_record_and_frees_the_seat(api):
    acc, f = seated_account(api)
    grant_one = api.make_account()
    grant(api, grant_one["id"], feature=f["key"], value="5")
    seats = [activated(api, account=acc["id"], feature=f["key"], fingerprint=f"m{i}")
             for i in range(5)]
    problem(activate(api, account=acc["id"], feature=f["key"], fingerprint="new"), 409,
            "seat_limit_reached")
    r = api.delete(f"/v1/activations/{seats[0]['id']}")
    assert r.status_code == 200, r.text
    gone = r.json()
    assert gone["id"] == seats[0]["id"] and gone["status"] == "deactivated"
    assert gone["deactivated_at"] is not None and gone["created_at"] == seats[0]["created_at"]
    assert api.get(f"/v1/activations/{gone['id']}").json() == gone
    n = events_count(api)
    again = api.delete(f"/v1/activations/{gone['id']}")
    assert again.status_code == 200 and again.json() == gone
    assert events_count(api) == n, "deactivating twice records nothing"
    assert len(events_of(api, acc["id"], "activation.deactivated")) == 1
    activated(api, account=acc["id"], feature=f["key"], fingerprint="new")
    problem(activate(api, account=acc["id"], feature=f["key"], fingerprint="m0"), 409,
            "seat_limit_reached")
    api.delete(f"/v1/activations/{seats[1]['id']}")
    back = activated(api, account=acc["id"], feature=f["key"], fingerprint="m0")
    assert back["id"] != gone["id"], "a deactivated activation is not revived: a new one is made"
    problem(api.delete(f"/v1/activations/{NOWHERE}"), 404, "not_found")
    problem(api.delete("/v1/activations/not-a-uuid"), 404, "not_found")


def test_70_19_heartbeats(api):
    """A heartbeat moves last_heartbeat_at and expires_at (= last heartbeat + ttl); one that is
    not floating is answered unchanged; a deactivated one is 409 conflict."""
    acc, f = seated_account(api)
    a = activated(api, account=acc["id"], feature=f["key"], fingerprint="float",
                  ttl_seconds=TTL)
    assert a["ttl_seconds"] == TTL
    assert ms(a["expires_at"]) == ms(a["last_heartbeat_at"]) + TTL * 1000
    time.sleep(0.05)
    r = api.post(f"/v1/activations/{a['id']}/heartbeat")
    assert r.status_code == 200, r.text
    b = r.json()
    assert b["id"] == a["id"] and b["status"] == "active"
    assert ms(b["last_heartbeat_at"]) > ms(a["last_heartbeat_at"])
    assert ms(b["expires_at"]) == ms(b["last_heartbeat_at"]) + TTL * 1000
    assert api.get(f"/v1/activations/{a['id']}").json() == b
    r = api.post(f"/v1/activations/{a['id']}/heartbeat", {})
    assert r.status_code == 200, r.text
    again = activated(api, 200, account=acc["id"], feature=f["key"], fingerprint="float")
    assert ms(again["last_heartbeat_at"]) >= ms(r.json()["last_heartbeat_at"])
    fixed = activated(api, account=acc["id"], feature=f["key"], fingerprint="fixed")
    r = api.post(f"/v1/activations/{fixed['id']}/heartbeat")
    assert r.status_code == 200 and r.json() == fixed
    problem(api.post(f"/v1/activations/{a['id']}/heartbeat", {"at": "now"}), 422,
            "validation_failed", "at")
    api.delete(f"/v1/activations/{a['id']}")
    problem(api.post(f"/v1/activations/{a['id']}/heartbeat"), 409, "conflict")
    problem(api.post(f"/v1/activations/{NOWHERE}/heartbeat"), 404, "not_found")
    assert events_of(api, acc["id"], "activation.revived") == []


def test_70_20_dead_floating_activations_hold_no_seat_and_revive_into_a_free_one(api):
    """Slow (about 11 s): two floating activations of a 5-seat feature are left to die. Dead
    ones are not counted; a heartbeat or the same fingerprint revives one only into a free
    seat (409 seat_limit_reached otherwise); a revived one keeps its id."""
    acc, f = seated_account(api, "5")
    old = [activated(api, account=acc["id"], feature=f["key"], fingerprint=f"old{i}",
                     ttl_seconds=TTL) for i in range(2)]
    fixed = [activated(api, account=acc["id"], feature=f["key"], fingerprint=f"fixed{i}")
             for i in range(3)]
    problem(activate(api, account=acc["id"], feature=f["key"], fingerprint="new0"), 409,
            "seat_limit_reached")
    assert evaluate(api, acc["id"], f)["usage"] == 5
    time.sleep(TTL + 1)
    for a in old:
        got = api.get(f"/v1/activations/{a['id']}").json()
        assert got["status"] == "expired" and got["expires_at"] == a["expires_at"]
    assert evaluate(api, acc["id"], f)["usage"] == 3
    expired_then = [a["id"] for a in listed(api, f"account={acc['id']}&status=expired")]
    new = [activated(api, account=acc["id"], feature=f["key"], fingerprint=f"new{i}")
           for i in range(2)]
    problem(api.post(f"/v1/activations/{old[0]['id']}/heartbeat"), 409, "seat_limit_reached")
    problem(activate(api, account=acc["id"], feature=f["key"], fingerprint="old1"), 409,
            "seat_limit_reached")
    assert len(live(api, f"account={acc['id']}")) == 5
    api.delete(f"/v1/activations/{new[0]['id']}")
    r = api.post(f"/v1/activations/{old[0]['id']}/heartbeat")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "active" and r.json()["id"] == old[0]["id"]
    api.delete(f"/v1/activations/{fixed[0]['id']}")
    revived = activated(api, 200, account=acc["id"], feature=f["key"], fingerprint="old1")
    assert revived["id"] == old[1]["id"] and revived["status"] == "active"
    assert len(events_of(api, acc["id"], "activation.revived")) == 2
    statuses = sorted(a["status"] for a in listed(api, f"account={acc['id']}"))
    assert statuses == ["active"] * 5 + ["deactivated"] * 2
    assert evaluate(api, acc["id"], f)["usage"] == 5
    assert expired_then == [a["id"] for a in old], "?status=expired lists the dead ones"


# --------------------------------------------------------------------------------------------
# Read and list
# --------------------------------------------------------------------------------------------

def test_70_21_get(api):
    acc, f = seated_account(api)
    a = activated(api, account=acc["id"], feature=f["key"], fingerprint="m")
    reader = api.with_key(api.make_key("read")["key"])
    assert reader.get(f"/v1/activations/{a['id']}").json() == a
    problem(api.get(f"/v1/activations/{NOWHERE}"), 404, "not_found")
    problem(api.get("/v1/activations/not-a-uuid"), 404, "not_found")


def test_70_22_list_filters(api):
    acc, f = seated_account(api, "20")
    g = seat_feature(api)
    grant(api, acc["id"], feature=g["key"], value="5")
    _, e = entitlement_with_seats(api)
    other, _ = seated_account(api)
    grant(api, other["id"], feature=f["key"], value="5")
    a1 = activated(api, account=acc["id"], feature=f["key"], fingerprint="alpha-1",
                   name="Alpha")
    a2 = activated(api, account=acc["id"], feature=f["key"], fingerprint="beta-2")
    b1 = activated(api, account=acc["id"], feature=g["key"], fingerprint="alpha-3")
    e1 = activated(api, activation_id=e["activation_id"], fingerprint="gamma")
    o1 = activated(api, account=other["id"], feature=f["key"], fingerprint="alpha-1")
    api.delete(f"/v1/activations/{a2['id']}")

    def ids(query):
        return [a["id"] for a in listed(api, query)]

    assert ids(f"account={acc['id']}") == [a1["id"], a2["id"], b1["id"]]
    assert ids(f"account={acc['key']}&feature={f['key']}") == [a1["id"], a2["id"]]
    assert ids(f"feature={f['id']}") == [a1["id"], a2["id"], o1["id"]]
    assert ids(f"entitlement={e['activation_id']}") == [e1["id"]]
    assert ids(f"entitlement={e['id']}") == [e1["id"]]
    assert ids(f"account={acc['id']}&search=alpha") == [a1["id"], b1["id"]]
    assert ids(f"feature={f['key']}&search=Alph") == [a1["id"], o1["id"]]
    assert ids(f"account={acc['id']}&sort=-created_at") == [b1["id"], a2["id"], a1["id"]]
    assert ids(f"account={acc['id']}&sort=-updated_at")[0] == a2["id"]
    assert len(ids(f"account={acc['id']}&sort=last_heartbeat_at")) == 3
    assert ids("account=no-such-account") == []
    assert ids("feature=no-such-feature") == []
    assert ids("entitlement=ACT-NO-SUCH-ONE") == []
    page = api.get(f"/v1/activations?account={acc['id']}&limit=2").json()
    assert page["count"] == 2 and page["total_count"] == 3 and page["next"]


def test_70_23_list_by_status(api):
    """?status= is derived at the moment asked: active, expired (floating and dead; see
    test_70_20 for one that dies) and deactivated."""
    acc, f = seated_account(api, "20")
    a = activated(api, account=acc["id"], feature=f["key"], fingerprint="a")
    fl = activated(api, account=acc["id"], feature=f["key"], fingerprint="f", ttl_seconds=TTL)
    d = activated(api, account=acc["id"], feature=f["key"], fingerprint="d")
    api.delete(f"/v1/activations/{d['id']}")
    q = f"account={acc['id']}"
    assert [x["id"] for x in listed(api, f"{q}&status=active")] == [a["id"], fl["id"]]
    assert [x["id"] for x in listed(api, f"{q}&status=deactivated")] == [d["id"]]
    assert listed(api, f"{q}&status=expired") == []


@pytest.mark.parametrize("query,field", [
    ("status=alive", "status"),
    ("colour=red", "colour"),
    ("sort=fingerprint", "sort"),
    ("limit=0", "limit"),
    ("limit=101", "limit"),
    ("offset=-1", "offset"),
])
def test_70_24_bad_list_queries_are_422(api, query, field):
    problem(api.get(f"/v1/activations?{query}"), 422, "validation_failed", field)


# --------------------------------------------------------------------------------------------
# Evaluate
# --------------------------------------------------------------------------------------------

def test_70_25_evaluate_reports_live_activations_as_usage(api):
    """API.md "Evaluate": for features with activations, usage is the number of live
    activations. (Needs seats in the evaluation snapshot: evaluation.c / cache.c.)"""
    acc, f = seated_account(api, "5")
    got = evaluate(api, acc["id"], f)
    assert got["limit"] == 5 and got["usage"] == 0 and got["remaining"] == 5
    made = [activated(api, account=acc["id"], feature=f["key"], fingerprint=f"m{i}")
            for i in range(3)]
    got = evaluate(api, acc["id"], f)
    assert got["usage"] == 3 and got["remaining"] == 2 and got["value"] is True
    api.delete(f"/v1/activations/{made[0]['id']}")
    assert evaluate(api, acc["id"], f)["usage"] == 2
    _, e = entitlement_with_seats(api)
    activated(api, activation_id=e["activation_id"], fingerprint="x")
    assert evaluate(api, acc["id"], f)["usage"] == 2, "an entitlement's seats are not a feature's"


# --------------------------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------------------------

def test_70_26_account_keys_act_for_their_own_account_alone(api):
    """API.md: an account key activates for its account alone, and asking about another answers
    404 exactly as a missing one does."""
    mine, f = seated_account(api)
    theirs = api.make_account()
    grant(api, theirs["id"], feature=f["key"], value="5")
    _, their_e = entitlement_with_seats(api)
    my_e = grant(api, mine["id"], product=api.make_product(
        entitlements=[{"feature": f["key"], "value": "5"}])["key"])
    me = api.with_key(api.make_key("account", mine["id"])["key"])
    a = activated(me, feature=f["key"], fingerprint="m1")
    assert a["account"] == mine["id"]
    assert activated(me, 200, account=mine["key"], feature=f["key"], fingerprint="m1") == a
    activated(me, account=mine["id"], feature=f["key"], fingerprint="m2", ttl_seconds=TTL)
    mine_e = activated(me, activation_id=my_e["activation_id"], fingerprint="m1")
    t = activated(api, account=theirs["id"], feature=f["key"], fingerprint="t1")
    problem(activate(me, account=theirs["id"], feature=f["key"], fingerprint="x"), 404,
            "not_found")
    problem(activate(me, account="no-such-account", feature=f["key"], fingerprint="x"), 404,
            "not_found")
    problem(activate(me, activation_id=their_e["activation_id"], fingerprint="x"), 404,
            "not_found")
    problem(me.get(f"/v1/activations/{t['id']}"), 404, "not_found")
    problem(me.delete(f"/v1/activations/{t['id']}"), 404, "not_found")
    problem(me.post(f"/v1/activations/{t['id']}/heartbeat"), 404, "not_found")
    assert me.get(f"/v1/activations/{a['id']}").json() == a
    assert {x["account"] for x in listed(me, "")} == {mine["id"]}
    assert len(listed(me, "")) == 3 and mine_e["id"] in {x["id"] for x in listed(me, "")}
    assert listed(me, f"account={theirs['id']}") == []
    assert api.get(f"/v1/activations/{t['id']}").json()["status"] == "active"
    r = me.post(f"/v1/activations/{a['id']}/heartbeat")
    assert r.status_code == 200, r.text
    r = me.delete(f"/v1/activations/{a['id']}")
    assert r.status_code == 200 and r.json()["status"] == "deactivated"


def test_70_27_read_keys_read_and_do_not_write(api):
    acc, f = seated_account(api)
    a = activated(api, account=acc["id"], feature=f["key"], fingerprint="m")
    reader = api.with_key(api.make_key("read")["key"])
    assert reader.get(f"/v1/activations/{a['id']}").status_code == 200
    assert [x["id"] for x in listed(reader, f"account={acc['id']}")] == [a["id"]]
    problem(activate(reader, account=acc["id"], feature=f["key"], fingerprint="n"), 403,
            "forbidden")
    problem(reader.delete(f"/v1/activations/{a['id']}"), 403, "forbidden")
    problem(reader.post(f"/v1/activations/{a['id']}/heartbeat"), 403, "forbidden")
    assert api.get(f"/v1/activations/{a['id']}").json() == a


def test_70_28_no_key_is_401(api, anon):
    acc, f = seated_account(api)
    a = activated(api, account=acc["id"], feature=f["key"], fingerprint="m")
    problem(activate(anon, account=acc["id"], feature=f["key"], fingerprint="n"), 401,
            "unauthorized")
    problem(anon.get("/v1/activations"), 401, "unauthorized")
    problem(anon.get(f"/v1/activations/{a['id']}"), 401, "unauthorized")
    problem(anon.delete(f"/v1/activations/{a['id']}"), 401, "unauthorized")
    problem(anon.post(f"/v1/activations/{a['id']}/heartbeat"), 401, "unauthorized")
    problem(api.with_key("wrong-key").get("/v1/activations"), 401, "unauthorized")
