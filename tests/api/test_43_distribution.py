# SPDX-License-Identifier: MIT
"""The distribution chain of seed 004 (issue 17, point 7): accounts' partner tier, an entitlement
moving from a publisher to a channel partner to an end customer (POST
/v1/entitlements/{id}/transfer, whole or split), the owners each entitlement lists in order with
current_owner, evaluate counting it for its current owner alone, the audit, and two transfers of
the same entitlement at once moving no quantity twice."""
import threading

import pytest

from client import problem, unique
from helpers import events_since, granting_product, last_event_id, seats_feature


def evaluate(api, account, feature):
    r = api.post("/v1/evaluate", {"account": account, "features": [feature["key"]]})
    assert r.status_code == 200, r.text
    return r.json()["entitlements"][0]


def chain(api):
    """A publisher, a first-tier channel partner and an end customer."""
    publisher = api.make_account(type="publisher", partner_tier="partner_tier_one")
    partner = api.make_account(type="channel_partner", partner_tier="partner_tier_one",
                               contact_email="sales@partner.example")
    customer = api.make_account(type="customer")
    return publisher, partner, customer


def grant(api, account, product, **fields):
    body = {"account": account, "product": product}
    body.update(fields)
    r = api.post("/v1/entitlements", body)
    assert r.status_code == 201, r.text
    return r.json()


def transfer(api, entitlement, account, **fields):
    body = {"account": account}
    body.update(fields)
    return api.post(f"/v1/entitlements/{entitlement}/transfer", body)


# --------------------------------------------------------------------------------------------
# Partner tiers
# --------------------------------------------------------------------------------------------

def test_43_01_partner_tier_defaults_to_end_customer_and_is_kept(api):
    """Seed 004: an account's partnerTierName is END_CUSTOMER or PARTNER_TIER_ONE."""
    a = api.make_account()
    assert a["partner_tier"] == "end_customer"
    b = api.make_account(type="channel_partner", partner_tier="partner_tier_one")
    assert b["partner_tier"] == "partner_tier_one"
    assert api.get(f"/v1/accounts/{b['key']}").json()["partner_tier"] == "partner_tier_one"
    r = api.patch(f"/v1/accounts/{a['id']}", {"partner_tier": "partner_tier_one"})
    assert r.status_code == 200, r.text
    assert r.json()["partner_tier"] == "partner_tier_one" and r.json()["name"] == a["name"]


def test_43_02_list_filters_by_partner_tier(api):
    b = api.make_account(type="channel_partner", partner_tier="partner_tier_one",
                         name=unique("Tier"))
    api.make_account(name=b["name"])
    got = api.get(f"/v1/accounts?partner_tier=partner_tier_one&search={b['name']}").json()
    assert [a["id"] for a in got["data"]] == [b["id"]]
    got = api.get(f"/v1/accounts?partner_tier=end_customer&search={b['name']}").json()
    assert got["total_count"] == 1 and got["data"][0]["id"] != b["id"]


@pytest.mark.parametrize("method", ["post", "patch"])
def test_43_03_bad_partner_tiers_are_422_naming_the_field(api, method):
    a = api.make_account()
    if method == "post":
        r = api.post("/v1/accounts", {"key": unique("a"), "name": "A", "partner_tier": "gold"})
    else:
        r = api.patch(f"/v1/accounts/{a['id']}", {"partner_tier": "gold"})
    problem(r, 422, "validation_failed", field="partner_tier")
    assert api.get(f"/v1/accounts/{a['id']}").json() == a
    problem(api.get("/v1/accounts?partner_tier=gold"), 422, "validation_failed",
            field="partner_tier")


# --------------------------------------------------------------------------------------------
# Transfers and owners
# --------------------------------------------------------------------------------------------

def test_43_04_an_entitlement_lists_its_one_owner_until_it_moves(api):
    """Seed 004: every entitlement lists its owners with CurrentOwner; one until it moves."""
    publisher, _, _ = chain(api)
    e = grant(api, publisher["id"], granting_product(api)["key"])
    [owner] = e["owners"]
    assert owner["account"] == publisher["id"] and owner["key"] == publisher["key"]
    assert owner["name"] == publisher["name"] and owner["type"] == "publisher"
    assert owner["partner_tier"] == "partner_tier_one" and owner["current_owner"] is True
    assert owner["since"] == e["created_at"] and owner["until"] is None
    assert api.get(f"/v1/entitlements/{e['id']}").json()["owners"] == e["owners"]


def test_43_05_publisher_to_partner_to_customer(api):
    """Issue 17, point 7: an entitlement moves from a publisher to a channel partner to an end
    customer; its owners list all three in order, the last current; evaluate counts it for the
    current owner alone (the snapshots of the earlier owners follow at once)."""
    publisher, partner, customer = chain(api)
    f = api.make_feature(type="switch")
    e = grant(api, publisher["id"], granting_product(api, f)["key"])
    assert evaluate(api, publisher["id"], f)["value"] is True  # cached before the moves
    r = transfer(api, e["id"], partner["key"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["remainder"] is None
    moved = body["entitlement"]
    assert moved["id"] == e["id"] and moved["account"] == partner["id"]
    assert [o["account"] for o in moved["owners"]] == [publisher["id"], partner["id"]]
    assert [o["current_owner"] for o in moved["owners"]] == [False, True]
    assert moved["owners"][0]["until"] == moved["owners"][1]["since"]
    assert evaluate(api, publisher["id"], f)["value"] is False
    assert evaluate(api, partner["id"], f)["value"] is True
    r = transfer(api, e["activation_id"], customer["id"])
    assert r.status_code == 200, r.text
    got = api.get(f"/v1/entitlements/{e['id']}").json()
    assert got["account"] == customer["id"]
    assert [o["account"] for o in got["owners"]] == [publisher["id"], partner["id"],
                                                       customer["id"]]
    assert [o["partner_tier"] for o in got["owners"]] == ["partner_tier_one",
                                                          "partner_tier_one", "end_customer"]
    assert got["owners"][1]["contact_email"] == "sales@partner.example"
    assert [evaluate(api, a["id"], f)["value"] for a in (publisher, partner, customer)] == \
        [False, False, True]
    listed = api.get(f"/v1/entitlements?account={customer['id']}").json()["data"]
    assert [x["id"] for x in listed] == [e["id"]] and listed[0]["owners"] == got["owners"]


def test_43_06_a_partial_transfer_splits_the_entitlement(api):
    """Issue 17, point 7: a partial transfer splits it: the giver keeps the rest, a new
    entitlement (its own activation id, the same product and dates) holds the copies moved and
    lists the giver before the receiver; evaluate sums each account's own copies."""
    publisher, partner, customer = chain(api)
    seats = seats_feature(api)
    p = granting_product(api, seats, value="5")
    e = grant(api, publisher["id"], p["key"], quantity=10, quantity_per_copy=2,
              start_date="2026-01-01", end_date="2036-01-01")
    r = transfer(api, e["id"], partner["id"], quantity=4)
    assert r.status_code == 201, r.text
    body = r.json()
    part, rest = body["entitlement"], body["remainder"]
    assert rest["id"] == e["id"] and rest["quantity"] == 6 and rest["account"] == publisher["id"]
    assert [o["account"] for o in rest["owners"]] == [publisher["id"]]
    assert part["id"] != e["id"] and part["activation_id"] != e["activation_id"]
    assert part["quantity"] == 4 and part["account"] == partner["id"]
    for k in ("product", "quantity_per_copy", "start_date", "end_date", "order_type",
              "source", "attributes"):
        assert part[k] == e[k], k
    assert [o["account"] for o in part["owners"]] == [publisher["id"], partner["id"]]
    assert part["owners"][0]["since"] == e["created_at"]
    assert evaluate(api, publisher["id"], seats)["limit"] == 30
    assert evaluate(api, partner["id"], seats)["limit"] == 20
    # the partner passes part of its part on: three owners, two of them earlier
    r = transfer(api, part["activation_id"], customer["key"], quantity=1)
    assert r.status_code == 201, r.text
    last = r.json()["entitlement"]
    assert [o["account"] for o in last["owners"]] == [publisher["id"], partner["id"],
                                                        customer["id"]]
    assert evaluate(api, partner["id"], seats)["limit"] == 15
    assert evaluate(api, customer["id"], seats)["limit"] == 5
    assert api.get(f"/v1/entitlements/{e['id']}").json()["quantity"] == 6


def test_43_07_a_bundle_moves_with_its_components(api):
    """A whole transfer moves the child entitlements the giver holds (a bundle's components);
    a partial one of an entitlement with children is refused."""
    publisher, partner, _ = chain(api)
    f1, f2 = api.make_feature(type="switch"), api.make_feature(type="switch")
    c1, c2 = granting_product(api, f1), granting_product(api, f2)
    bundle = api.make_product(category="other", components=[
        {"product": c1["key"], "quantity": 1}, {"product": c2["key"], "quantity": 1}],
        entitlements=[])
    bundle_grant = granting_product(api, api.make_feature(type="switch"),
                                    components=[{"product": c1["key"], "quantity": 1}])
    r = api.post("/v1/orders", {"account": publisher["id"], "activate": True,
                                "items": [{"product": bundle_grant["key"], "quantity": 2}]})
    assert r.status_code == 201, r.text
    ents = api.get(f"/v1/entitlements?order={r.json()['id']}").json()["data"]
    top = [e for e in ents if e["parent"] is None][0]
    assert len(ents) == 2
    problem(transfer(api, top["id"], partner["id"], quantity=1), 409, "conflict")
    r = transfer(api, top["id"], partner["id"])
    assert r.status_code == 200, r.text
    for e in api.get(f"/v1/entitlements?order={r.json()['entitlement']['order']}").json()["data"]:
        assert e["account"] == partner["id"], e
        assert [o["account"] for o in e["owners"]] == [publisher["id"], partner["id"]]
    assert evaluate(api, partner["id"], f1)["value"] is True
    assert evaluate(api, publisher["id"], f1)["value"] is False
    assert bundle["key"]


def test_43_08_patch_account_is_a_whole_transfer(api):
    """API.md: PATCH transfers (account); it records the owners as the transfer route does."""
    publisher, partner, _ = chain(api)
    e = grant(api, publisher["id"], granting_product(api)["key"])
    r = api.patch(f"/v1/entitlements/{e['id']}", {"account": partner["id"]})
    assert r.status_code == 200, r.text
    assert [o["account"] for o in r.json()["owners"]] == [publisher["id"], partner["id"]]


def test_43_09_transfers_are_audited(api):
    """Issue 17, point 7: audited: entitlement.transferred with the entitlement before and
    after; a split also records the new entitlement's creation."""
    publisher, partner, _ = chain(api)
    e = grant(api, publisher["id"], granting_product(api)["key"], quantity=3)
    mark = last_event_id(api)
    r = transfer(api, e["id"], partner["id"], quantity=1)
    assert r.status_code == 201, r.text
    got = events_since(api, mark)
    assert [x["type"] for x in got] == ["entitlement.transferred", "entitlement.created"]
    assert got[0]["before"]["quantity"] == 3 and got[0]["after"]["quantity"] == 2
    assert got[1]["after"]["id"] == r.json()["entitlement"]["id"]
    assert got[1]["after"]["owners"][0]["account"] == publisher["id"]
    mark = last_event_id(api)
    assert transfer(api, e["id"], partner["id"]).status_code == 200
    [ev] = events_since(api, mark)
    assert ev["type"] == "entitlement.transferred" and ev["account"] == partner["id"]
    assert ev["before"]["account"] == publisher["id"] and ev["after"]["account"] == partner["id"]
    assert len(ev["before"]["owners"]) == 1 and len(ev["after"]["owners"]) == 2


@pytest.mark.parametrize("body,field", [
    ({}, "account"),
    ({"account": "no-such-account"}, "account"),
    ({"account": "SELF"}, "account"),
    ({"account": "OTHER", "quantity": 0}, "quantity"),
    ({"account": "OTHER", "quantity": 4}, "quantity"),
    ({"account": "OTHER", "quantity": "2"}, "quantity"),
    ({"account": "OTHER", "copies": 1}, "copies"),
])
def test_43_10_bad_transfers_are_422_naming_the_field_and_change_nothing(api, body, field):
    publisher, partner, _ = chain(api)
    e = grant(api, publisher["id"], granting_product(api)["key"], quantity=3)
    body = {k: {"SELF": publisher["id"], "OTHER": partner["id"]}.get(v, v)
            for k, v in body.items()}
    problem(transfer(api, e["id"], **body) if "account" in body else
            api.post(f"/v1/entitlements/{e['id']}/transfer", body), 422, "validation_failed",
            field=field)
    assert api.get(f"/v1/entitlements/{e['id']}").json() == e
    assert api.get(f"/v1/entitlements?account={partner['id']}").json()["total_count"] == 0


def test_43_11_what_cannot_change_hands_is_409(api):
    """Revoked entitlements and a lease's cannot move; neither can seats activations hold."""
    publisher, partner, _ = chain(api)
    e = grant(api, publisher["id"], granting_product(api)["key"])
    api.delete(f"/v1/entitlements/{e['id']}")
    problem(transfer(api, e["id"], partner["id"]), 409, "conflict")
    p = api.make_product(category="recurring_services",
                         entitlements=[{"feature": api.make_feature(type="switch")["key"],
                                        "value": "true"}])
    lease = api.post("/v1/leases", {"account": publisher["id"], "product": p["key"],
                                    "duration_days": 5, "accepted_terms": True})
    assert lease.status_code == 201, lease.text
    [le] = api.get(f"/v1/entitlements?account={publisher['id']}&source=lease").json()["data"]
    problem(transfer(api, le["id"], partner["id"]), 409, "conflict")
    seated = grant(api, publisher["id"], granting_product(api)["key"], quantity=2)
    r = api.post("/v1/activations", {"activation_id": seated["activation_id"],
                                     "fingerprint": unique("fp")})
    assert r.status_code == 201, r.text
    problem(transfer(api, seated["id"], partner["id"]), 409, "conflict")
    assert transfer(api, seated["id"], partner["id"], quantity=1).status_code == 201
    # one copy is left, and its seat is held: it cannot move (all of it, or more than it has)
    problem(transfer(api, seated["id"], partner["id"], quantity=1), 409, "conflict")
    problem(transfer(api, seated["id"], partner["id"], quantity=2), 422, "validation_failed",
            field="quantity")


def test_43_12_who_may_transfer(api):
    """Admin keys alone: a read key is 403, an account key too; an unknown entitlement 404."""
    publisher, partner, _ = chain(api)
    e = grant(api, publisher["id"], granting_product(api)["key"])
    reader = api.with_key(api.make_key("read")["key"])
    own = api.with_key(api.make_key("account", publisher["id"])["key"])
    problem(transfer(reader, e["id"], partner["id"]), 403, "forbidden")
    problem(transfer(own, e["id"], partner["id"]), 403, "forbidden")
    problem(transfer(api, "ACT-NOPE", partner["id"]), 404, "not_found")
    assert api.get(f"/v1/entitlements/{e['id']}").json()["account"] == publisher["id"]


def test_43_13_idempotency_key_replays_a_transfer(api):
    publisher, partner, _ = chain(api)
    e = grant(api, publisher["id"], granting_product(api)["key"], quantity=5)
    h = {"Idempotency-Key": unique("idem")}
    r1 = api.post(f"/v1/entitlements/{e['id']}/transfer",
                  {"account": partner["id"], "quantity": 2}, headers=h)
    r2 = api.post(f"/v1/entitlements/{e['id']}/transfer",
                  {"account": partner["id"], "quantity": 2}, headers=h)
    assert r1.status_code == r2.status_code == 201
    assert r2.headers.get("Idempotent-Replayed") == "true" and r2.json() == r1.json()
    assert api.get(f"/v1/entitlements/{e['id']}").json()["quantity"] == 3


def test_43_14_a_past_owner_cannot_be_deleted(api):
    """An account in an entitlement's chain of owners is kept, as one that holds grants."""
    publisher, partner, _ = chain(api)
    e = grant(api, publisher["id"], granting_product(api)["key"])
    assert transfer(api, e["id"], partner["id"]).status_code == 200
    problem(api.delete(f"/v1/accounts/{publisher['id']}"), 409, "conflict")


def test_43_15_two_transfers_at_once_never_move_a_copy_twice(api):
    """Issue 17, point 7: exact under concurrency: transfers of the same entitlement at once
    move each copy once; whatever they answer, the copies held add up to the copies granted."""
    publisher = api.make_account(type="publisher")
    receivers = [api.make_account() for _ in range(8)]
    seats = seats_feature(api)
    e = grant(api, publisher["id"], granting_product(api, seats, value="5")["key"], quantity=5)
    answers = [None] * len(receivers)

    def run(i):
        answers[i] = transfer(api, e["id"], receivers[i]["id"], quantity=2)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(receivers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(a.status_code for a in answers)
    assert codes.count(201) == 2, [a.text for a in answers]
    assert all(c in (201, 409, 422) for c in codes), [a.text for a in answers]
    held = {r["id"]: sum(x["quantity"] for x in api.get(
        f"/v1/entitlements?account={r['id']}").json()["data"]) for r in receivers}
    assert sum(held.values()) == 4
    assert api.get(f"/v1/entitlements/{e['id']}").json()["quantity"] == 1
    assert evaluate(api, publisher["id"], seats)["limit"] == 5
    assert sum(evaluate(api, r["id"], seats)["limit"] or 0 for r in receivers) == 20
