# SPDX-License-Identifier: MIT
"""Entitlements (API.md "Routes": /v1/entitlements, /v1/entitlements/{id or activation_id};
"Entitlement" shape; DESIGN.md "Entitlement"): manual grants of a product or of one feature
value, reads, every list filter, suspend / resume / extend / quantity / transfer / attributes,
revocation that keeps the record, statuses derived from the dates at the moment asked, bad
input, and who may see what."""
import re
import time
from datetime import datetime, timedelta, timezone

import pytest

from client import problem, unique
from helpers import day, events_count, granting_product, list_all, midnight, seats_feature

ACT = re.compile(r"^ACT-[A-Za-z0-9-]+$")
NOWHERE = "0190a0b4-0000-7000-8000-000000000000"


def in_seconds(n):
    """RFC 3339 time n whole seconds from now."""
    t = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=n)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def grant(api, **body):
    r = api.post("/v1/entitlements", body)
    assert r.status_code == 201, r.text
    return r.json()


def listed(api, query):
    return list_all(api, f"/v1/entitlements?{query}&limit=100")


def ids(items):
    return {x["id"] for x in items}


def evaluate(api, account, *features, key=None):
    r = (key or api).post("/v1/evaluate",
                          {"account": account, "features": [f["key"] for f in features]})
    assert r.status_code == 200, r.text
    return r.json()["entitlements"]


# --------------------------------------------------------------------------------------------
# Manual grants
# --------------------------------------------------------------------------------------------

def test_41_01_manual_grant_of_a_product(api):
    """DESIGN.md "Entitlement": source manual; the API.md shape with its defaults."""
    acc = api.make_account()
    f = api.make_feature(type="switch")
    p = granting_product(api, f, name="Support plan", category="customer_support")
    r = api.post("/v1/entitlements", {"account": acc["key"], "product": p["key"]})
    assert r.status_code == 201, r.text
    e = r.json()
    assert e["account"] == acc["id"] and e["product"] == p["key"]
    assert e["name"] == "Support plan"
    assert e["source"] == "manual" and e["status"] == "active"
    assert e["order"] is None and e["parent"] is None
    assert ACT.match(e["activation_id"]), e["activation_id"]
    assert e["number"] and e["id"]
    assert (e["quantity"], e["quantity_per_copy"]) == (1, 1)
    assert e["order_type"] == "new"
    assert e["permanent"] is True and e["end_date"] is None
    assert e["start_date"] == e["created_at"]
    assert e["attributes"] == {}
    assert evaluate(api, acc["id"], f)[0]["reason"] == "granted"


def test_41_02_manual_grant_with_every_field(api):
    acc = api.make_account()
    p = granting_product(api)
    given = unique("ACT-M")
    e = grant(api, account=acc["id"], product=p["id"], quantity=2, quantity_per_copy=3,
              start_date=day(-5), end_date="2030-01-02T03:04:05Z", order_type="upgrade",
              activation_id=given, attributes={"ticket": "T-1"})
    assert e["product"] == p["key"] and e["activation_id"] == given
    assert (e["quantity"], e["quantity_per_copy"]) == (2, 3)
    assert e["start_date"] == midnight(day(-5))
    assert e["end_date"] == "2030-01-02T03:04:05Z" and e["permanent"] is False
    assert e["order_type"] == "upgrade" and e["attributes"] == {"ticket": "T-1"}
    g = grant(api, account=acc["id"], product=p["key"], start_date=day(-1), permanent=True)
    assert g["permanent"] is True and g["end_date"] is None


def test_41_03_manual_grant_of_one_feature_value(api):
    """DESIGN.md "Entitlement": a single feature value for a manual grant, optionally override;
    the value is checked and named like a product entitlement's."""
    acc = api.make_account()
    seats = seats_feature(api)
    e = grant(api, account=acc["id"], feature=seats["key"], value="20")
    assert e["feature"] == seats["key"] and e["value"] == "20" and e["product"] is None
    assert e["override"] is False and e["name"] == "20 users"
    assert e["source"] == "manual" and e["status"] == "active"
    o = grant(api, account=acc["id"], feature=seats["id"], value="UNLIMITED", override=True)
    assert o["feature"] == seats["key"] and o["value"] == "unlimited"
    assert o["override"] is True and o["name"] == "Unlimited users"
    sw = api.make_feature(type="switch")
    s = grant(api, account=acc["id"], feature=sw["key"], value="available")
    assert s["value"] == "true" and s["name"] == "Available"
    got = evaluate(api, acc["id"], seats, sw)
    assert got[0]["level"] == "unlimited" and got[0]["unlimited"] is True
    assert got[1]["value"] is True


def test_41_04_override_replaces_what_the_other_grants_combine_to(api):
    acc = api.make_account()
    seats = seats_feature(api)
    p = api.make_product(entitlements=[{"feature": seats["key"], "value": "20"}])
    grant(api, account=acc["id"], product=p["key"], quantity=2)
    grant(api, account=acc["id"], feature=seats["key"], value="5")
    assert evaluate(api, acc["id"], seats)[0]["level"] == "45"
    grant(api, account=acc["id"], feature=seats["key"], value="5", override=True)
    got = evaluate(api, acc["id"], seats)[0]
    assert got["level"] == "5" and got["limit"] == 5


def test_41_05_read_by_id_or_activation_id(api):
    acc = api.make_account()
    given = unique("ACT-READ")
    e = grant(api, account=acc["id"], product=granting_product(api)["key"], activation_id=given)
    assert api.get(f"/v1/entitlements/{e['id']}").json() == e
    assert api.get(f"/v1/entitlements/{given}").json() == e
    gen = grant(api, account=acc["id"], product=granting_product(api)["key"])
    assert api.get(f"/v1/entitlements/{gen['activation_id']}").json() == gen
    for ident in (NOWHERE, "ACT-NO-SUCH-THING", "nope"):
        problem(api.get(f"/v1/entitlements/{ident}"), 404, "not_found")
        problem(api.patch(f"/v1/entitlements/{ident}", {"quantity": 2}), 404, "not_found")
        problem(api.delete(f"/v1/entitlements/{ident}"), 404, "not_found")


# --------------------------------------------------------------------------------------------
# Bad grants
# --------------------------------------------------------------------------------------------

BAD_GRANTS = [
    ({"account": "no-such-account", "product": "@P"}, "account"),
    ({"product": "@P"}, "account"),
    ({"account": "@A"}, "product"),
    ({"account": "@A", "product": "@P", "feature": "@F", "value": "5"}, "product"),
    ({"account": "@A", "product": "no-such-product"}, "product"),
    ({"account": "@A", "feature": "no-such-feature", "value": "5"}, "feature"),
    ({"account": "@A", "feature": "@F"}, "value"),
    ({"account": "@A", "value": "5"}, "feature"),
    ({"account": "@A", "feature": "@F", "value": "7"}, "value"),
    ({"account": "@A", "feature": "@F", "value": "five"}, "value"),
    ({"account": "@A", "feature": "@F", "value": 5}, "value"),
    ({"account": "@A", "product": "@P", "override": True}, "override"),
    ({"account": "@A", "feature": "@F", "value": "5", "override": "yes"}, "override"),
    ({"account": "@A", "product": "@P", "quantity": 0}, "quantity"),
    ({"account": "@A", "product": "@P", "quantity": "1"}, "quantity"),
    ({"account": "@A", "product": "@P", "quantity_per_copy": -3}, "quantity_per_copy"),
    ({"account": "@A", "product": "@P", "start_date": "2026-06-02", "end_date": "2026-06-01"},
     "end_date"),
    ({"account": "@A", "product": "@P", "start_date": "June"}, "start_date"),
    ({"account": "@A", "product": "@P", "end_date": "2026-06-01T25:00:00Z"}, "end_date"),
    ({"account": "@A", "product": "@P", "permanent": True, "end_date": "2030-01-01"},
     "permanent"),
    ({"account": "@A", "product": "@P", "permanent": False}, "end_date"),
    ({"account": "@A", "product": "@P", "order_type": "gift"}, "order_type"),
    ({"account": "@A", "product": "@P", "attributes": "x"}, "attributes"),
    ({"account": "@A", "product": "@P", "source": "order"}, "source"),
    ({"account": "@A", "product": "@P", "status": "suspended"}, "status"),
    ({"account": "@A", "product": "@P", "colour": "red"}, "colour"),
]


@pytest.mark.parametrize("body,field", BAD_GRANTS)
def test_41_06_bad_grants_are_422_naming_the_field_and_change_nothing(api, body, field):
    acc = api.make_account()
    seats = seats_feature(api)
    p = granting_product(api)
    fill = {"@A": acc["id"], "@P": p["key"], "@F": seats["key"]}
    body = {k: fill.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    before = events_count(api)
    problem(api.post("/v1/entitlements", body), 422, "validation_failed", field)
    assert events_count(api) == before
    assert listed(api, f"account={acc['id']}") == []


def test_41_07_taken_activation_id_is_409(api):
    """DESIGN.md "Order": activation ids are unique across line items and entitlements."""
    acc = api.make_account()
    p = granting_product(api)
    e = grant(api, account=acc["id"], product=p["key"])
    o = api.post("/v1/orders", {"account": acc["id"], "items": [{"product": p["key"]}]}).json()
    before = events_count(api)
    for taken in (e["activation_id"], o["items"][0]["activation_id"]):
        problem(api.post("/v1/entitlements", {"account": acc["id"], "product": p["key"],
                                              "activation_id": taken}), 409, "conflict")
    assert events_count(api) == before
    assert ids(listed(api, f"account={acc['id']}")) == {e["id"]}


# --------------------------------------------------------------------------------------------
# Lists
# --------------------------------------------------------------------------------------------

def test_41_08_list_with_every_filter(api):
    """API.md: ?account=, ?product=, ?feature=, ?status=, ?source= (and ?order=)."""
    acc, other = api.make_account(), api.make_account()
    f_order, f_manual, f_value, f_comp = (api.make_feature(type="switch") for _ in range(4))
    p_order = granting_product(api, f_order)
    p_manual = granting_product(api, f_manual)
    comp = granting_product(api, f_comp)
    bundle = api.make_product(components=[{"product": comp["key"]}])
    order = api.post("/v1/orders", {"account": acc["id"], "activate": True, "items": [
        {"product": p_order["key"]}, {"product": bundle["key"]}]}).json()
    assert order["status"] == "active"
    from_order = listed(api, f"order={order['id']}")
    e_order = [e for e in from_order if e["product"] == p_order["key"]][0]
    e_comp = [e for e in from_order if e["product"] == comp["key"]][0]
    e_manual = grant(api, account=acc["id"], product=p_manual["key"])
    e_value = grant(api, account=acc["id"], feature=f_value["key"], value="true")
    e_pending = grant(api, account=acc["id"], product=p_manual["key"], start_date=day(30))
    e_expired = grant(api, account=acc["id"], product=p_manual["key"], start_date=day(-30),
                      end_date=day(-1))
    e_susp = grant(api, account=acc["id"], product=p_order["key"])
    api.patch(f"/v1/entitlements/{e_susp['id']}", {"status": "suspended"})
    e_rev = grant(api, account=acc["id"], product=p_order["key"])
    api.delete(f"/v1/entitlements/{e_rev['id']}")
    e_other = grant(api, account=other["id"], product=p_manual["key"])
    e_bundle = grant(api, account=acc["id"], product=bundle["key"])

    everything = {e_order["id"], e_comp["id"], e_manual["id"], e_value["id"], e_pending["id"],
                  e_expired["id"], e_susp["id"], e_rev["id"], e_bundle["id"]}
    assert ids(listed(api, f"account={acc['id']}")) == everything
    assert ids(listed(api, f"account={acc['key']}")) == everything
    assert ids(listed(api, f"order={order['id']}")) == {e_order["id"], e_comp["id"]}
    assert ids(listed(api, f"product={p_manual['key']}")) == {
        e_manual["id"], e_pending["id"], e_expired["id"], e_other["id"]}
    assert ids(listed(api, f"product={p_manual['id']}&account={acc['id']}")) == {
        e_manual["id"], e_pending["id"], e_expired["id"]}
    assert ids(listed(api, f"feature={f_order['key']}")) == {
        e_order["id"], e_susp["id"], e_rev["id"]}
    assert ids(listed(api, f"feature={f_value['key']}")) == {e_value["id"]}
    assert ids(listed(api, f"feature={f_value['id']}")) == {e_value["id"]}
    # A feature given through a bundle's component: the component's entitlement of the order,
    # and the bundle granted by hand.
    assert ids(listed(api, f"feature={f_comp['key']}&account={acc['id']}")) == {
        e_comp["id"], e_bundle["id"]}
    assert ids(listed(api, f"product={bundle['key']}")) == {e_bundle["id"]}
    assert ids(listed(api, f"account={acc['id']}&source=order")) == {e_order["id"],
                                                                      e_comp["id"]}
    assert ids(listed(api, f"account={acc['id']}&source=manual")) == everything - {
        e_order["id"], e_comp["id"]}
    assert listed(api, f"account={acc['id']}&source=lease") == []
    by_status = {s: ids(listed(api, f"account={acc['id']}&status={s}"))
                 for s in ("active", "suspended", "revoked", "pending", "expired")}
    assert by_status == {
        "active": {e_order["id"], e_comp["id"], e_manual["id"], e_value["id"],
                   e_bundle["id"]},
        "suspended": {e_susp["id"]}, "revoked": {e_rev["id"]},
        "pending": {e_pending["id"]}, "expired": {e_expired["id"]}}
    statuses = {e["id"]: e["status"] for e in listed(api, f"account={acc['id']}")}
    assert statuses[e_pending["id"]] == "pending" and statuses[e_expired["id"]] == "expired"
    page = api.get(f"/v1/entitlements?account={acc['id']}&limit=3").json()
    assert page["count"] == 3 and page["total_count"] == 9 and page["next"]


@pytest.mark.parametrize("query,field", [
    ("status=gone", "status"), ("source=gift", "source"), ("limit=0", "limit"),
    ("limit=101", "limit"), ("offset=-1", "offset"), ("colour=red", "colour"),
    ("sort=colour", "sort"),
])
def test_41_09_bad_list_queries_are_422(api, query, field):
    problem(api.get(f"/v1/entitlements?{query}"), 422, "validation_failed", field)


# --------------------------------------------------------------------------------------------
# Changes
# --------------------------------------------------------------------------------------------

def test_41_10_suspend_and_resume(api):
    """API.md: PATCH suspends and resumes; evaluate answers suspended meanwhile."""
    acc = api.make_account()
    f = api.make_feature(type="switch")
    e = grant(api, account=acc["id"], product=granting_product(api, f)["key"])
    r = api.patch(f"/v1/entitlements/{e['id']}", {"status": "suspended"})
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["status"] == "suspended" and s["id"] == e["id"]
    assert s["created_at"] == e["created_at"] and s["activation_id"] == e["activation_id"]
    assert api.get(f"/v1/entitlements/{e['id']}").json() == s
    got = evaluate(api, acc["id"], f)[0]
    assert got["value"] is False and got["reason"] == "suspended"
    back = api.patch(f"/v1/entitlements/{e['activation_id']}", {"status": "active"}).json()
    assert back["status"] == "active"
    assert evaluate(api, acc["id"], f)[0]["reason"] == "granted"


def test_41_11_extend_and_make_permanent(api):
    acc = api.make_account()
    f = api.make_feature(type="switch")
    e = grant(api, account=acc["id"], product=granting_product(api, f)["key"],
              start_date=day(-20), end_date=day(-2))
    assert e["status"] == "expired"
    assert evaluate(api, acc["id"], f)[0]["reason"] == "expired"
    x = api.patch(f"/v1/entitlements/{e['id']}", {"end_date": day(40)}).json()
    assert x["end_date"] == midnight(day(40)) and x["permanent"] is False
    assert x["status"] == "active" and x["start_date"] == e["start_date"]
    got = evaluate(api, acc["id"], f)[0]
    assert got["reason"] == "granted" and got["expires_at"] == midnight(day(40))
    p = api.patch(f"/v1/entitlements/{e['id']}", {"permanent": True}).json()
    assert p["permanent"] is True and p["end_date"] is None
    assert evaluate(api, acc["id"], f)[0]["expires_at"] is None
    t = api.patch(f"/v1/entitlements/{e['id']}", {"end_date": "2031-05-06T07:08:09Z"}).json()
    assert t["permanent"] is False and t["end_date"] == "2031-05-06T07:08:09Z"


def test_41_12_change_quantity(api):
    acc = api.make_account()
    seats = seats_feature(api)
    p = api.make_product(entitlements=[{"feature": seats["key"], "value": "5"}])
    e = grant(api, account=acc["id"], product=p["key"], quantity=2)
    assert evaluate(api, acc["id"], seats)[0]["limit"] == 10
    q = api.patch(f"/v1/entitlements/{e['id']}", {"quantity": 7, "quantity_per_copy": 2}).json()
    assert (q["quantity"], q["quantity_per_copy"]) == (7, 2)
    got = evaluate(api, acc["id"], seats)[0]
    assert got["level"] == "35" and got["limit"] == 35


def test_41_13_transfer_to_another_account(api):
    """API.md: PATCH transfers; the old account stops seeing it, the new one does."""
    old, new = api.make_account(), api.make_account()
    f = api.make_feature(type="switch")
    e = grant(api, account=old["id"], product=granting_product(api, f)["key"])
    old_key = api.with_key(api.make_key("account", old["id"])["key"])
    new_key = api.with_key(api.make_key("account", new["id"])["key"])
    assert evaluate(api, old["id"], f)[0]["value"] is True  # cached before the move
    r = api.patch(f"/v1/entitlements/{e['id']}", {"account": new["key"]})
    assert r.status_code == 200, r.text
    assert r.json()["account"] == new["id"]
    assert evaluate(api, old["id"], f)[0]["value"] is False
    assert evaluate(api, new["id"], f)[0]["value"] is True
    assert ids(listed(api, f"account={old['id']}")) == set()
    assert ids(listed(api, f"account={new['id']}")) == {e["id"]}
    problem(old_key.get(f"/v1/entitlements/{e['id']}"), 404, "not_found")
    assert new_key.get(f"/v1/entitlements/{e['id']}").json()["account"] == new["id"]


def test_41_14_attributes_are_replaced(api):
    acc = api.make_account()
    e = grant(api, account=acc["id"], product=granting_product(api)["key"],
              attributes={"a": 1, "b": 2})
    x = api.patch(f"/v1/entitlements/{e['id']}", {"attributes": {"c": "3"}}).json()
    assert x["attributes"] == {"c": "3"}
    assert x["quantity"] == e["quantity"] and x["status"] == "active"


@pytest.mark.parametrize("body,field", [
    ({"status": "revoked"}, "status"),
    ({"status": "pending"}, "status"),
    ({"status": "gone"}, "status"),
    ({"quantity": 0}, "quantity"),
    ({"quantity": "3"}, "quantity"),
    ({"quantity_per_copy": 0}, "quantity_per_copy"),
    ({"end_date": "2020-01-01"}, "end_date"),
    ({"end_date": "soon"}, "end_date"),
    ({"end_date": None}, "end_date"),
    ({"start_date": "2031-01-01"}, "start_date"),
    ({"permanent": True, "end_date": "2031-01-01"}, "permanent"),
    ({"permanent": "yes"}, "permanent"),
    ({"account": "no-such-account"}, "account"),
    ({"account": NOWHERE}, "account"),
    ({"attributes": [1]}, "attributes"),
    ({"product": "x"}, "product"),
    ({"source": "order"}, "source"),
    ({"colour": "red"}, "colour"),
])
def test_41_15_bad_changes_are_422_naming_the_field_and_change_nothing(api, body, field):
    acc = api.make_account()
    e = grant(api, account=acc["id"], product=granting_product(api)["key"],
              start_date="2025-01-01", end_date="2030-01-01")
    before = events_count(api)
    problem(api.patch(f"/v1/entitlements/{e['id']}", body), 422, "validation_failed", field)
    assert api.get(f"/v1/entitlements/{e['id']}").json() == e
    assert events_count(api) == before


# --------------------------------------------------------------------------------------------
# Revocation
# --------------------------------------------------------------------------------------------

def test_41_16_delete_revokes_and_keeps_the_record(api):
    """API.md: DELETE revokes (kept, status revoked); evaluate stops granting."""
    acc = api.make_account()
    f = api.make_feature(type="switch")
    e = grant(api, account=acc["id"], product=granting_product(api, f)["key"])
    assert evaluate(api, acc["id"], f)[0]["value"] is True
    r = api.delete(f"/v1/entitlements/{e['id']}")
    assert r.status_code == 200, r.text
    gone = r.json()
    assert gone["status"] == "revoked" and gone["id"] == e["id"]
    assert api.get(f"/v1/entitlements/{e['id']}").json() == gone
    assert api.get(f"/v1/entitlements/{e['activation_id']}").json()["status"] == "revoked"
    got = evaluate(api, acc["id"], f)[0]
    assert got["value"] is False and got["reason"] == "not_granted"


def test_41_17_a_revoked_entitlement_cannot_change(api):
    """include/entitled.h: a revoked entitlement cannot change: 409."""
    acc, other = api.make_account(), api.make_account()
    f = api.make_feature(type="switch")
    e = grant(api, account=acc["id"], product=granting_product(api, f)["key"])
    gone = api.delete(f"/v1/entitlements/{e['id']}").json()
    before = events_count(api)
    for body in ({"status": "active"}, {"status": "suspended"}, {"quantity": 3},
                 {"end_date": "2035-01-01"}, {"permanent": True}, {"account": other["id"]},
                 {"attributes": {"x": 1}}):
        problem(api.patch(f"/v1/entitlements/{e['id']}", body), 409, "conflict")
    assert api.get(f"/v1/entitlements/{e['id']}").json() == gone
    assert events_count(api) == before
    assert evaluate(api, acc["id"], f)[0]["value"] is False
    assert evaluate(api, other["id"], f)[0]["value"] is False


# --------------------------------------------------------------------------------------------
# Statuses derived from the dates at the moment asked
# --------------------------------------------------------------------------------------------

def test_41_18_pending_and_expired_follow_the_clock(api):
    """DESIGN.md "Entitlement": pending and expired are derived from the dates at the moment
    asked, so nothing needs a scheduler for an entitlement to start or expire on time."""
    acc = api.make_account()
    f = api.make_feature(type="switch")
    p = granting_product(api, f)
    start = in_seconds(2)
    late = grant(api, account=acc["id"], product=p["key"], start_date=start)
    assert late["status"] == "pending"
    assert ids(listed(api, f"account={acc['id']}&status=pending")) == {late["id"]}
    assert evaluate(api, acc["id"], f)[0]["reason"] == "pending"
    api.delete(f"/v1/entitlements/{late['id']}")
    end = in_seconds(2)
    soon = grant(api, account=acc["id"], product=p["key"], start_date=day(-1), end_date=end)
    assert soon["status"] == "active"
    got = evaluate(api, acc["id"], f)[0]
    assert got["reason"] == "granted" and got["expires_at"] == end
    wait = (datetime.fromisoformat(end.replace("Z", "+00:00"))
            - datetime.now(timezone.utc)).total_seconds()
    time.sleep(max(0.0, wait) + 0.05)
    assert api.get(f"/v1/entitlements/{soon['id']}").json()["status"] == "expired"
    assert ids(listed(api, f"account={acc['id']}&status=expired")) == {soon["id"]}
    assert evaluate(api, acc["id"], f)[0]["reason"] == "expired"
    late2 = grant(api, account=acc["id"], product=p["key"], start_date=in_seconds(1))
    time.sleep(1.1)
    assert api.get(f"/v1/entitlements/{late2['id']}").json()["status"] == "active"
    assert evaluate(api, acc["id"], f)[0]["reason"] == "granted"


def test_41_19_a_suspended_entitlement_stays_suspended_whatever_its_dates(api):
    acc = api.make_account()
    e = grant(api, account=acc["id"], product=granting_product(api)["key"],
              start_date=day(10))
    assert e["status"] == "pending"
    s = api.patch(f"/v1/entitlements/{e['id']}", {"status": "suspended"}).json()
    assert s["status"] == "suspended"
    assert api.patch(f"/v1/entitlements/{e['id']}", {"status": "active"}).json()["status"] == \
        "pending"


# --------------------------------------------------------------------------------------------
# Who may do what
# --------------------------------------------------------------------------------------------

def test_41_20_account_key_sees_its_own_entitlements_alone(api):
    mine, other = api.make_account(), api.make_account()
    p = granting_product(api)
    my_e = grant(api, account=mine["id"], product=p["key"])
    their_e = grant(api, account=other["id"], product=p["key"])
    key = api.with_key(api.make_key("account", mine["id"])["key"])
    page = key.get("/v1/entitlements?limit=100").json()
    assert [e["id"] for e in page["data"]] == [my_e["id"]] and page["total_count"] == 1
    assert key.get(f"/v1/entitlements?account={other['id']}").json()["total_count"] == 0
    assert key.get(f"/v1/entitlements/{my_e['id']}").json() == my_e
    assert key.get(f"/v1/entitlements/{my_e['activation_id']}").json() == my_e
    foreign = key.get(f"/v1/entitlements/{their_e['id']}")
    problem(foreign, 404, "not_found")
    assert foreign.json().keys() == key.get(f"/v1/entitlements/{NOWHERE}").json().keys()
    problem(key.get(f"/v1/entitlements/{their_e['activation_id']}"), 404, "not_found")
    problem(key.post("/v1/entitlements", {"account": mine["id"], "product": p["key"]}), 403,
            "forbidden")
    problem(key.patch(f"/v1/entitlements/{my_e['id']}", {"quantity": 9}), 403, "forbidden")
    problem(key.delete(f"/v1/entitlements/{my_e['id']}"), 403, "forbidden")
    assert api.get(f"/v1/entitlements/{my_e['id']}").json() == my_e


def test_41_21_read_key_reads_but_may_not_change(api):
    acc = api.make_account()
    p = granting_product(api)
    e = grant(api, account=acc["id"], product=p["key"])
    read = api.with_key(api.make_key("read")["key"])
    assert read.get(f"/v1/entitlements/{e['id']}").json() == e
    assert ids(read.get(f"/v1/entitlements?account={acc['id']}").json()["data"]) == {e["id"]}
    before = events_count(api)
    problem(read.post("/v1/entitlements", {"account": acc["id"], "product": p["key"]}), 403,
            "forbidden")
    problem(read.patch(f"/v1/entitlements/{e['id']}", {"status": "suspended"}), 403,
            "forbidden")
    problem(read.delete(f"/v1/entitlements/{e['id']}"), 403, "forbidden")
    assert events_count(api) == before
    assert api.get(f"/v1/entitlements/{e['id']}").json() == e


# --------------------------------------------------------------------------------------------
# Audit, idempotency, and what an entitlement holds on to
# --------------------------------------------------------------------------------------------

def test_41_22_every_change_is_an_event(api):
    """DESIGN.md "Event": what, which key, when, before and after."""
    acc = api.make_account()
    e = grant(api, account=acc["id"], product=granting_product(api)["key"])
    api.patch(f"/v1/entitlements/{e['id']}", {"status": "suspended"})
    api.patch(f"/v1/entitlements/{e['id']}", {"quantity": 3})
    api.delete(f"/v1/entitlements/{e['id']}")
    events = [x for x in api.get(f"/v1/events?account={acc['id']}&limit=100").json()["data"]
              if x["object"] == e["id"]]
    assert len(events) == 4, events
    created, suspended, counted, revoked = events
    assert created["before"] is None and created["after"]["id"] == e["id"]
    assert (suspended["before"]["status"], suspended["after"]["status"]) == ("active",
                                                                             "suspended")
    assert (counted["before"]["quantity"], counted["after"]["quantity"]) == (1, 3)
    assert revoked["after"]["status"] == "revoked"
    assert all(x["actor"] for x in events)


def test_41_23_idempotency_key_replays_a_grant(api):
    acc = api.make_account()
    body = {"account": acc["id"], "product": granting_product(api)["key"], "quantity": 2}
    h = {"Idempotency-Key": unique("idem")}
    r1 = api.post("/v1/entitlements", body, headers=h)
    r2 = api.post("/v1/entitlements", body, headers=h)
    assert r1.status_code == r2.status_code == 201
    assert r2.headers["Idempotent-Replayed"] == "true" and r2.json() == r1.json()
    assert ids(listed(api, f"account={acc['id']}")) == {r1.json()["id"]}


def test_41_24_what_an_entitlement_holds_cannot_be_deleted(api):
    """API.md: deleting a feature a product uses is 409 (archive instead); so is deleting a
    product or a feature that an entitlement holds; never a 500, and nothing changes."""
    acc = api.make_account()
    f = api.make_feature(type="switch")
    p = granting_product(api)
    grant(api, account=acc["id"], product=p["key"])
    grant(api, account=acc["id"], feature=f["key"], value="true")
    revoked_only = granting_product(api)
    e = grant(api, account=acc["id"], product=revoked_only["key"])
    api.delete(f"/v1/entitlements/{e['id']}")
    problem(api.delete(f"/v1/products/{p['key']}"), 409, "conflict")
    problem(api.delete(f"/v1/features/{f['key']}"), 409, "conflict")
    problem(api.delete(f"/v1/products/{revoked_only['key']}"), 409, "conflict")
    assert api.get(f"/v1/products/{p['key']}").json() == p
    assert api.get(f"/v1/features/{f['key']}").json() == f
    assert evaluate(api, acc["id"], f)[0]["value"] is True


def test_41_25_search_and_sort(api):
    """API.md "Conventions": ?search= on names and keys (an entitlement's name and its
    activation id), ?sort=field or -field."""
    acc = api.make_account()
    tag = unique("Zebra")
    p = granting_product(api, name=f"{tag} support plan")
    seats = seats_feature(api)
    a = grant(api, account=acc["id"], product=p["key"], start_date="2026-01-01",
              activation_id=f"ACT-{tag}")
    b = grant(api, account=acc["id"], product=p["key"], start_date="2025-01-01")
    c = grant(api, account=acc["id"], feature=seats["key"], value="20", start_date="2027-01-01")
    assert ids(listed(api, f"search=ACT-{tag}")) == {a["id"]}
    assert ids(listed(api, f"search={tag}")) == {a["id"], b["id"]}
    assert ids(listed(api, f"account={acc['id']}&search=20%20users")) == {c["id"]}
    asc = [e["id"] for e in listed(api, f"account={acc['id']}&sort=start_date")]
    assert asc == [b["id"], a["id"], c["id"]]
    desc = [e["id"] for e in listed(api, f"account={acc['id']}&sort=-start_date")]
    assert desc == asc[::-1]
    made = [e["id"] for e in listed(api, f"account={acc['id']}&sort=created_at")]
    assert made == [a["id"], b["id"], c["id"]]
