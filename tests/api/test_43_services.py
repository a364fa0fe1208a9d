# SPDX-License-Identifier: MIT
"""Product categories and service entitlements (seed 000, issue 17 points 1 and 2).

On order activation a product's category decides what it becomes: `professional_services` and
`customer_support` products always become entitlements, even without a feature (the entitlement
is then the service itself: its units and dates); `recurring_services` and `other` products when
they grant features; `physical_goods` never (and such a product grants no features: 422 naming
the field). Entitlements carry `product_category` and lists filter by it.

A service's units (`quantity` x `quantity_per_copy`) are drawn down by consumption events:
`POST /v1/entitlements/{id}/consumption`, or a usage event naming the entitlement; idempotent,
enforced like usage, answering `consumed` and `remaining`; the usage series filters by
entitlement."""
import datetime as dt
import secrets

import pytest

from client import Client, problem, unique
from conftest import store_sql
from helpers import events_count, iso, seats_feature


def order(api, acc, *items, activate=True):
    r = api.post("/v1/orders", {"account": acc["id"], "activate": activate,
                                "items": [dict(i) for i in items]})
    assert r.status_code == 201, r.text
    return r.json()


def entitlements_of(api, acc, **filters):
    q = "&".join(f"{k}={v}" for k, v in filters.items())
    r = api.get(f"/v1/entitlements?account={acc['id']}&limit=100" + (f"&{q}" if q else ""))
    assert r.status_code == 200, r.text
    return r.json()["data"]


def service(api, category="professional_services", **fields):
    """A service product that grants no feature (an implementation of so many hours)."""
    return api.make_product(category=category, **fields)


def service_entitlement(api, acc=None, quantity=20, per_copy=1, **item):
    """An account (new unless given) holding a service of quantity x per_copy units."""
    acc = acc or api.make_account()
    p = service(api)
    order(api, acc, {"product": p["key"], "quantity": quantity,
                     "quantity_per_copy": per_copy, **item})
    [e] = entitlements_of(api, acc, product=p["key"])
    return acc, p, e


def consume(api, e, amount, **fields):
    return api.post(f"/v1/entitlements/{e['id']}/consumption", {"amount": amount, **fields})


# --------------------------------------------------------------------------------------------
# Point 1: the category decides provisioning
# --------------------------------------------------------------------------------------------

def test_43_01_each_category_provisions_as_the_seed_says(api):
    sw = api.make_feature(type="switch")
    acc = api.make_account()
    impl = service(api, "professional_services", name="Implementation service")
    training = service(api, "customer_support", name="Unlimited online training")
    platform_bare = api.make_product(category="recurring_services")
    platform = api.make_product(category="recurring_services",
                                entitlements=[{"feature": sw["key"], "value": "true"}])
    other_bare = api.make_product(category="other")
    other = api.make_product(category="other",
                             entitlements=[{"feature": sw["key"], "value": "true"}])
    usb = api.make_product(category="physical_goods", name="USB security key")
    o = order(api, acc, {"product": impl["key"], "quantity": 20},
              {"product": training["key"]}, {"product": platform_bare["key"]},
              {"product": platform["key"]}, {"product": other_bare["key"]},
              {"product": other["key"]}, {"product": usb["key"], "quantity": 3})
    assert o["status"] == "active"
    got = {e["product"]: e for e in entitlements_of(api, acc)}
    assert set(got) == {impl["key"], training["key"], platform["key"], other["key"]}
    assert got[impl["key"]]["product_category"] == "professional_services"
    assert got[impl["key"]]["quantity"] == 20 and got[impl["key"]]["units"] == 20
    assert got[impl["key"]]["consumed"] == 0 and got[impl["key"]]["remaining"] == 20
    assert got[impl["key"]]["name"] == "Implementation service"
    assert got[training["key"]]["product_category"] == "customer_support"
    assert got[platform["key"]]["product_category"] == "recurring_services"
    assert got[platform["key"]]["units"] is None and got[platform["key"]]["consumed"] is None
    assert got[platform["key"]]["remaining"] is None
    assert got[other["key"]]["product_category"] == "other"
    # A service is entitled to nothing evaluate knows of: the switch comes from the others.
    r = api.post("/v1/evaluate", {"account": acc["id"], "features": [sw["key"]]}).json()
    assert r["entitlements"][0]["value"] is True


def test_43_02_a_bundle_provisions_its_service_components(api):
    acc = api.make_account()
    impl = service(api, name="Implementation")
    usb = api.make_product(category="physical_goods")
    bundle = api.make_product(category="recurring_services",
                              components=[{"product": impl["key"], "quantity": 4},
                                          {"product": usb["key"], "quantity": 1}])
    order(api, acc, {"product": bundle["key"], "quantity": 2})
    [e] = entitlements_of(api, acc)
    assert e["product"] == impl["key"] and e["quantity"] == 8 and e["units"] == 8
    assert e["parent"] is None  # the bundle grants nothing itself: no entitlement of its own
    # A service bundle is an entitlement itself, parent of its service components.
    sbundle = service(api, "customer_support", components=[{"product": impl["key"]}])
    acc2 = api.make_account()
    order(api, acc2, {"product": sbundle["key"]})
    got = {x["product"]: x for x in entitlements_of(api, acc2)}
    assert set(got) == {sbundle["key"], impl["key"]}
    assert got[impl["key"]]["parent"] == got[sbundle["key"]]["id"]


def test_43_03_category_filter_of_entitlements_in_any_case(api):
    acc, p, e = service_entitlement(api)
    sw = api.make_feature(type="switch")
    sub = api.make_product(entitlements=[{"feature": sw["key"], "value": "true"}])
    order(api, acc, {"product": sub["key"]})
    assert [x["id"] for x in entitlements_of(api, acc, category="professional_services")] \
        == [e["id"]]
    assert [x["id"] for x in entitlements_of(api, acc, category="PROFESSIONAL_SERVICES")] \
        == [e["id"]]
    assert [x["product"] for x in entitlements_of(api, acc, category="recurring_services")] \
        == [sub["key"]]
    assert entitlements_of(api, acc, category="customer_support") == []
    problem(api.get("/v1/entitlements?category=services"), 422, "validation_failed", "category")


def test_43_04_physical_goods_grant_no_features_422_naming_the_field(api):
    sw = api.make_feature(type="switch")
    before = events_count(api)
    key = unique("usb")
    problem(api.post("/v1/products", {"key": key, "name": "USB key", "category": "physical_goods",
                                      "entitlements": [{"feature": sw["key"], "value": "true"}]}),
            422, "validation_failed", "entitlements")
    assert api.get(f"/v1/products/{key}").status_code == 404
    usb = api.make_product(category="physical_goods")
    problem(api.put(f"/v1/products/{usb['key']}/entitlements/{sw['key']}", {"value": "true"}),
            422, "validation_failed", "product")
    problem(api.patch(f"/v1/products/{usb['key']}",
                      {"entitlements": [{"feature": sw["key"], "value": "true"}]}),
            422, "validation_failed", "entitlements")
    granting = api.make_product(entitlements=[{"feature": sw["key"], "value": "true"}])
    problem(api.patch(f"/v1/products/{granting['key']}", {"category": "physical_goods"}),
            422, "validation_failed", "category")
    assert api.get(f"/v1/products/{granting['key']}").json()["category"] == "recurring_services"
    assert api.get(f"/v1/products/{usb['key']}").json()["entitlements"] == []
    # Goods never become entitlements: not by hand, not by a lease.
    acc = api.make_account()
    problem(api.post("/v1/entitlements", {"account": acc["id"], "product": usb["key"]}),
            422, "validation_failed", "product")
    problem(api.post("/v1/leases", {"account": acc["id"], "product": usb["key"],
                                    "duration_days": 3, "accepted_terms": True}),
            422, "validation_failed", "product")
    assert entitlements_of(api, acc) == []
    assert events_count(api) == before + 3  # the two products and the account, nothing else


def test_43_04b_goods_that_granted_features_before_keep_them_and_provision_nothing(new_daemon):
    """A store may hold a physical_goods product that grants features (it could, before the rule):
    it keeps its grants and changes as before, but an order of it makes no entitlement."""
    admin = "test-admin-" + secrets.token_hex(20)
    d = new_daemon(admin_key=admin)
    api = Client(d.url, admin)
    sw = api.make_feature(type="switch")
    kit = api.make_product(entitlements=[{"feature": sw["key"], "value": "true"}])
    store_sql(d.store, "UPDATE products SET category = ? WHERE id = ?",
              ("physical_goods", kit["id"]))
    d.stop()
    d = new_daemon(admin_key=admin, store=d.store)  # nothing cached of the change
    api = Client(d.url, admin)
    r = api.patch(f"/v1/products/{kit['key']}", {"name": "Starter kit"})
    assert r.status_code == 200, r.text
    assert r.json()["entitlements"][0]["feature"] == sw["key"]
    problem(api.patch(f"/v1/products/{kit['key']}", {"category": "physical_goods"}), 422,
            "validation_failed", "category")
    acc = api.make_account()
    order(api, acc, {"product": kit["key"]})
    assert entitlements_of(api, acc) == []


def test_43_05_manual_and_leased_services_carry_their_category(api):
    acc = api.make_account()
    p = service(api, "customer_support")
    r = api.post("/v1/entitlements", {"account": acc["id"], "product": p["key"], "quantity": 5})
    assert r.status_code == 201, r.text
    e = r.json()
    assert e["product_category"] == "customer_support" and e["units"] == 5
    assert e["consumed"] == 0 and e["remaining"] == 5
    f = seats_feature(api)
    r = api.post("/v1/entitlements", {"account": acc["id"], "feature": f["key"], "value": "5"})
    assert r.json()["product_category"] is None and r.json()["units"] is None
    trial = api.make_product(category="other", entitlements=[{"feature": f["key"], "value": "20"}])
    r = api.post("/v1/leases", {"account": acc["id"], "product": trial["key"],
                                "duration_days": 3, "accepted_terms": True})
    assert r.status_code == 201, r.text
    [leased] = entitlements_of(api, acc, source="lease")
    assert leased["product_category"] == "other"


# --------------------------------------------------------------------------------------------
# Point 2: consumption
# --------------------------------------------------------------------------------------------

def test_43_10_consumption_draws_units_down_and_answers_what_remains(api):
    acc, p, e = service_entitlement(api, quantity=10, per_copy=2)
    assert e["units"] == 20
    r = consume(api, e, 3)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body == {"recorded": True, "account": acc["id"], "entitlement": e["id"],
                    "activation_id": e["activation_id"], "units": 20, "consumed": 3,
                    "remaining": 17}
    r = api.post(f"/v1/entitlements/{e['activation_id']}/consumption", {"amount": 5})
    assert r.status_code == 201 and r.json()["consumed"] == 8 and r.json()["remaining"] == 12
    got = api.get(f"/v1/entitlements/{e['id']}").json()
    assert got["consumed"] == 8 and got["remaining"] == 12 and got["units"] == 20
    # Without enforce it may overrun; remaining stays 0.
    r = consume(api, e, 15)
    assert r.status_code == 201 and r.json()["consumed"] == 23 and r.json()["remaining"] == 0


def test_43_11_enforced_consumption_stops_at_the_units(api):
    acc, p, e = service_entitlement(api, quantity=4)
    assert consume(api, e, 3, enforce=True).status_code == 201
    r = consume(api, e, 2, enforce=True)
    doc = problem(r, 409, "limit_reached")
    assert doc["recorded"] is False and doc["consumed"] == 3 and doc["remaining"] == 1
    assert doc["entitlement"] == e["id"] and doc["units"] == 4
    assert consume(api, e, 1, enforce=True).json()["remaining"] == 0
    problem(consume(api, e, 1, enforce=True), 409, "limit_reached")
    assert api.get(f"/v1/entitlements/{e['id']}").json()["consumed"] == 4


def test_43_12_a_usage_event_naming_the_entitlement_is_the_same(api):
    acc, p, e = service_entitlement(api, quantity=6)
    r = api.post("/v1/usage", {"entitlement": e["activation_id"], "amount": 2,
                               "account": acc["key"]})
    assert r.status_code == 201, r.text
    assert r.json()["consumed"] == 2 and r.json()["remaining"] == 4
    assert r.json()["entitlement"] == e["id"]
    problem(api.post("/v1/usage", {"entitlement": e["id"], "amount": 5, "enforce": True}),
            409, "limit_reached")
    # In a batch too, each event on its own.
    f = api.make_feature(type="metered", reset_period="month")
    api.post("/v1/entitlements", {"account": acc["id"], "feature": f["key"], "value": "100"})
    r = api.post("/v1/usage/batch", {"events": [
        {"entitlement": e["id"], "amount": 1, "idempotency_key": "b1"},
        {"account": acc["id"], "feature": f["key"], "amount": 7},
        {"entitlement": e["id"], "amount": 9, "enforce": True},
        {"entitlement": e["id"], "amount": 1, "idempotency_key": "b1"},
        {"entitlement": "ACT-NOPE", "amount": 1}]})
    assert r.status_code == 200, r.text
    res = r.json()["results"]
    assert res[0]["status"] == 201 and res[0]["consumed"] == 3
    assert res[1]["status"] == 201 and res[1]["usage"] == 7
    assert res[2]["status"] == 409 and res[2]["type"] == "limit_reached"
    assert res[2]["remaining"] == 3
    assert res[3]["status"] == 200 and res[3]["consumed"] == 3
    assert res[4]["status"] == 404
    assert api.get(f"/v1/entitlements/{e['id']}").json()["consumed"] == 3


def test_43_13_idempotency_keys_replay_the_first_answer(api):
    acc, p, e = service_entitlement(api, quantity=10)
    first = consume(api, e, 4, idempotency_key="visit-1")
    assert first.status_code == 201
    again = consume(api, e, 9, idempotency_key="visit-1")
    assert again.status_code == 200 and again.json() == first.json()
    via_usage = api.post("/v1/usage", {"entitlement": e["id"], "amount": 1,
                                       "idempotency_key": "visit-1"})
    assert via_usage.status_code == 200 and via_usage.json() == first.json()
    # The Idempotency-Key header too (the mechanism of every POST).
    h = {"Idempotency-Key": unique("idem")}
    a = api.post(f"/v1/entitlements/{e['id']}/consumption", {"amount": 1}, headers=h)
    b = api.post(f"/v1/entitlements/{e['id']}/consumption", {"amount": 1}, headers=h)
    assert a.status_code == b.status_code == 201 and a.json() == b.json()
    assert b.headers.get("Idempotent-Replayed") == "true"
    problem(api.post(f"/v1/entitlements/{e['id']}/consumption", {"amount": 2}, headers=h),
            422, "validation_failed")
    # Keys are per entitlement: another may use the same one.
    acc2, p2, e2 = service_entitlement(api, acc=acc)
    assert consume(api, e2, 1, idempotency_key="visit-1").status_code == 201
    assert api.get(f"/v1/entitlements/{e['id']}").json()["consumed"] == 5


def test_43_14_only_services_in_force_can_be_drawn_down(api):
    sw = api.make_feature(type="switch")
    acc = api.make_account()
    sub = api.make_product(entitlements=[{"feature": sw["key"], "value": "true"}])
    order(api, acc, {"product": sub["key"]})
    [e] = entitlements_of(api, acc)
    doc = problem(consume(api, e, 1), 409, "conflict", "entitlement")
    assert "not a service" in doc["detail"]
    acc, p, svc = service_entitlement(api)
    api.patch(f"/v1/entitlements/{svc['id']}", {"status": "suspended"})
    problem(consume(api, svc, 1), 409, "conflict", "entitlement")
    api.patch(f"/v1/entitlements/{svc['id']}", {"status": "active"})
    assert consume(api, svc, 1).status_code == 201
    api.delete(f"/v1/entitlements/{svc['id']}")
    problem(consume(api, svc, 1), 409, "conflict", "entitlement")
    now = dt.datetime.now(dt.timezone.utc)
    acc, p, later = service_entitlement(api, start_date=iso(now + dt.timedelta(days=2)))
    assert later["status"] == "pending"
    problem(consume(api, later, 1), 409, "conflict", "entitlement")
    acc, p, ended = service_entitlement(api, start_date=iso(now - dt.timedelta(days=9)),
                                        end_date=iso(now - dt.timedelta(days=2)))
    problem(consume(api, ended, 1), 409, "conflict", "entitlement")
    # Hours delivered while it was in force may still be recorded.
    r = consume(api, ended, 2, timestamp=iso(now - dt.timedelta(days=5)))
    assert r.status_code == 201 and r.json()["consumed"] == 2


@pytest.mark.parametrize("body,field", [
    ({"amount": 0}, "amount"),
    ({"amount": -3}, "amount"),
    ({"amount": "2"}, "amount"),
    ({}, "amount"),
    ({"amount": 1, "timestamp": "yesterday"}, "timestamp"),
    ({"amount": 1, "timestamp": "2999-01-01T00:00:00Z"}, "timestamp"),
    ({"amount": 1, "idempotency_key": ""}, "idempotency_key"),
    ({"amount": 1, "idempotency_key": "x" * 256}, "idempotency_key"),
    ({"amount": 1, "enforce": "yes"}, "enforce"),
    ({"amount": 1, "feature": "seats"}, "feature"),
    ({"amount": 1, "account": "acme"}, "account"),
])
def test_43_15_bad_consumption_is_422_naming_the_field_and_draws_nothing(api, body, field):
    acc, p, e = service_entitlement(api, quantity=3)
    problem(api.post(f"/v1/entitlements/{e['id']}/consumption", body), 422,
            "validation_failed", field)
    assert api.get(f"/v1/entitlements/{e['id']}").json()["consumed"] == 0


def test_43_16_usage_events_naming_an_entitlement_check_their_fields(api):
    acc, p, e = service_entitlement(api, quantity=3)
    other = api.make_account()
    problem(api.post("/v1/usage", {"entitlement": e["id"], "feature": "x", "amount": 1}),
            422, "validation_failed", "feature")
    problem(api.post("/v1/usage", {"entitlement": e["id"], "account": other["id"], "amount": 1}),
            422, "validation_failed", "account")
    problem(api.post("/v1/usage", {"entitlement": e["id"], "account": "nobody-here",
                                   "amount": 1}), 404, "not_found")
    problem(api.post("/v1/usage", {"amount": 1}), 422, "validation_failed", "feature")
    problem(api.post("/v1/usage", {"entitlement": "ACT-NOPE", "amount": 1}), 404, "not_found")
    problem(api.post("/v1/entitlements/ACT-NOPE/consumption", {"amount": 1}), 404, "not_found")
    assert api.get(f"/v1/entitlements/{e['id']}").json()["consumed"] == 0


def test_43_17_account_keys_draw_on_their_own_services_alone(api):
    acc, p, e = service_entitlement(api, quantity=5)
    other_acc, p2, theirs = service_entitlement(api, quantity=5)
    mine = api.with_key(api.make_key("account", acc["id"])["key"])
    assert mine.post(f"/v1/entitlements/{e['id']}/consumption", {"amount": 2}).status_code == 201
    assert mine.post("/v1/usage", {"entitlement": e["id"], "amount": 1}).status_code == 201
    problem(mine.post(f"/v1/entitlements/{theirs['id']}/consumption", {"amount": 1}),
            404, "not_found")
    problem(mine.post("/v1/usage", {"entitlement": theirs["activation_id"], "amount": 1}),
            404, "not_found")
    problem(mine.post("/v1/usage", {"entitlement": e["id"], "account": other_acc["id"],
                                    "amount": 1}), 404, "not_found")
    reader = api.with_key(api.make_key("read")["key"])
    problem(reader.post(f"/v1/entitlements/{e['id']}/consumption", {"amount": 1}),
            403, "forbidden")
    assert api.get(f"/v1/entitlements/{theirs['id']}").json()["consumed"] == 0
    assert api.get(f"/v1/entitlements/{e['id']}").json()["consumed"] == 3
    # Its own series; not another's.
    now = dt.datetime.now(dt.timezone.utc)
    q = f"from={iso(now - dt.timedelta(hours=2))}&to={iso(now + dt.timedelta(hours=1))}"
    r = mine.get(f"/v1/usage?entitlement={e['id']}&granularity=day&{q}")
    assert r.status_code == 200 and sum(b["usage"] for b in r.json()["data"]) == 3
    problem(mine.get(f"/v1/usage?entitlement={theirs['id']}&granularity=day&{q}"),
            404, "not_found")


def test_43_18_the_usage_series_filters_by_entitlement(api):
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(seconds=1)
    since = iso(now - dt.timedelta(days=5))
    acc, p, e = service_entitlement(api, quantity=50, start_date=since)
    acc2, p2, e2 = service_entitlement(api, acc=acc, start_date=since)
    two_days_ago = (now - dt.timedelta(days=2)).replace(hour=1, minute=0, second=0)
    assert consume(api, e, 3, timestamp=iso(two_days_ago)).status_code == 201
    assert consume(api, e, 4, timestamp=iso(two_days_ago + dt.timedelta(minutes=5))).status_code \
        == 201
    assert consume(api, e, 5, timestamp=iso(now)).status_code == 201
    assert consume(api, e2, 11, timestamp=iso(now)).status_code == 201
    q = f"from={iso(now - dt.timedelta(days=3))}&to={iso(now + dt.timedelta(hours=1))}"
    r = api.get(f"/v1/usage?entitlement={e['activation_id']}&granularity=day&{q}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["account"] == acc["id"] and body["entitlement"] == e["id"]
    assert body["feature"] is None and body["granularity"] == "day"
    assert [b["usage"] for b in body["data"]] == [7, 5]
    r = api.get(f"/v1/usage?entitlement={e['id']}&account={acc['key']}&granularity=HOUR&{q}")
    assert [b["usage"] for b in r.json()["data"]] == [7, 5]
    other = api.make_account()
    problem(api.get(f"/v1/usage?entitlement={e['id']}&account={other['id']}&granularity=day&{q}"),
            422, "validation_failed", "account")
    problem(api.get(f"/v1/usage?entitlement={e['id']}&feature=x&granularity=day&{q}"),
            422, "validation_failed", "entitlement")
    problem(api.get(f"/v1/usage?entitlement={e['id']}&granularity=week&{q}"),
            422, "validation_failed", "granularity")
    problem(api.get(f"/v1/usage?entitlement=ACT-NOPE&granularity=day&{q}"), 404, "not_found")
    problem(api.get(f"/v1/usage?granularity=day&{q}"), 422, "validation_failed", "feature")


def test_43_19_consumption_leaves_evaluation_and_its_snapshot_alone(api):
    f = api.make_feature(type="switch")
    acc = api.make_account()
    p = service(api, entitlements=[{"feature": f["key"], "value": "true"}])
    order(api, acc, {"product": p["key"], "quantity": 2})
    [e] = entitlements_of(api, acc)
    ask = {"account": acc["id"], "features": [f["key"]]}
    before = api.post("/v1/evaluate", ask).json()["entitlements"]
    assert before[0]["value"] is True
    assert consume(api, e, 2, enforce=True).status_code == 201
    assert api.post("/v1/evaluate", ask).json()["entitlements"] == before
    # A change of the entitlement still reaches evaluation at once (the snapshot is dropped).
    api.patch(f"/v1/entitlements/{e['id']}", {"status": "suspended"})
    assert api.post("/v1/evaluate", ask).json()["entitlements"][0]["value"] is False
    assert api.get(f"/v1/entitlements/{e['id']}").json()["consumed"] == 2


def test_43_20_quantity_changes_move_the_units(api):
    acc, p, e = service_entitlement(api, quantity=5)
    assert consume(api, e, 4).status_code == 201
    r = api.patch(f"/v1/entitlements/{e['id']}", {"quantity": 10})
    assert r.status_code == 200 and r.json()["units"] == 10 and r.json()["remaining"] == 6
    assert consume(api, e, 6, enforce=True).json()["remaining"] == 0
