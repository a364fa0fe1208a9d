# SPDX-License-Identifier: MIT
"""Orders (API.md "Routes": /v1/orders, /v1/orders/{id}/activate; DESIGN.md "Order"; seed 004
line items; seed 000 activation): drafts, line items with every field, activation into
entitlements (bundles, products that grant nothing, maintenance line items, idempotence),
unique activation ids, bad input, lists, and who may see what."""
import re

import pytest

from client import problem, unique
from helpers import day, events_count, granting_product, list_all, midnight, seats_feature

ACT = re.compile(r"^ACT-[A-Za-z0-9-]+$")


def switch_feature(api):
    return api.make_feature(type="switch")


def order_entitlements(api, order_id):
    return list_all(api, f"/v1/entitlements?order={order_id}&limit=100")


def account_orders(api, account):
    return api.get(f"/v1/orders?account={account}&limit=100").json()


def create(api, account, items, **fields):
    body = {"account": account, "items": items}
    body.update(fields)
    return api.post("/v1/orders", body)


def evaluate(api, account, *features):
    r = api.post("/v1/evaluate", {"account": account, "features": [f["key"] for f in features]})
    assert r.status_code == 200, r.text
    return r.json()["entitlements"]


# --------------------------------------------------------------------------------------------
# Create a draft
# --------------------------------------------------------------------------------------------

def test_40_01_draft_with_every_line_item_field(api):
    """DESIGN.md "Order": line items carry product, quantity, quantity_per_copy, start_date,
    end_date or permanent, order_type, activation_id (given, or generated), parent_activation_id
    and attributes; API.md: start_date / end_date accept YYYY-MM-DD (midnight UTC) and RFC 3339.
    A draft creates no entitlement."""
    acc = api.make_account()
    f = switch_feature(api)
    p1, p2 = granting_product(api, f), granting_product(api)
    given = unique("ACT-GIVEN")
    r = create(api, acc["key"], [
        {"product": p1["id"], "quantity": 3, "quantity_per_copy": 2,
         "start_date": day(-10), "end_date": day(355), "order_type": "renewal",
         "activation_id": given, "attributes": {"po": "PO-1", "n": 2}},
        {"product": p2["key"], "start_date": "2026-02-03T04:05:06Z", "permanent": True,
         "order_type": "upsell", "parent_activation_id": given},
    ], attributes={"channel": "web"})
    assert r.status_code == 201, r.text
    o = r.json()
    assert o["status"] == "draft" and o["account"] == acc["id"]
    assert o["number"] and o["id"]
    assert o["attributes"] == {"channel": "web"}
    assert o["activated_at"] is None
    a, b = o["items"]
    assert a["product"] == p1["key"] and b["product"] == p2["key"]
    assert (a["quantity"], a["quantity_per_copy"]) == (3, 2)
    assert a["start_date"] == midnight(day(-10)) and a["end_date"] == midnight(day(355))
    assert a["permanent"] is False and a["order_type"] == "renewal"
    assert a["activation_id"] == given and a["parent_activation_id"] is None
    assert a["attributes"] == {"po": "PO-1", "n": 2}
    assert b["start_date"] == "2026-02-03T04:05:06Z"
    assert b["end_date"] is None and b["permanent"] is True
    assert b["order_type"] == "upsell" and b["parent_activation_id"] == given
    assert ACT.match(b["activation_id"]), b["activation_id"]
    assert b["attributes"] == {}
    assert api.get(f"/v1/orders/{o['id']}").json() == o
    assert order_entitlements(api, o["id"]) == []
    assert evaluate(api, acc["id"], f)[0]["reason"] == "not_granted"


def test_40_02_line_item_defaults(api):
    """A line item with only a product: quantity 1, quantity_per_copy 1, order_type new, from the
    order's creation, permanent (seed 004: "permanent: no expiration date")."""
    acc = api.make_account()
    o = create(api, acc["id"], [{"product": granting_product(api)["key"]}]).json()
    item = o["items"][0]
    assert item["quantity"] == 1 and item["quantity_per_copy"] == 1
    assert item["order_type"] == "new"
    assert item["start_date"] == o["created_at"]
    assert item["permanent"] is True and item["end_date"] is None
    assert item["parent_activation_id"] is None and item["attributes"] == {}
    assert o["attributes"] == {}


def test_40_03_generated_activation_ids_are_readable_and_unique(api):
    acc = api.make_account()
    p = granting_product(api)
    o = create(api, acc["id"], [{"product": p["key"]} for _ in range(5)]).json()
    ids = [i["activation_id"] for i in o["items"]]
    assert all(ACT.match(x) for x in ids), ids
    assert len(set(ids)) == 5
    o2 = create(api, acc["id"], [{"product": p["key"]}]).json()
    assert o2["items"][0]["activation_id"] not in ids
    assert o2["number"] != o["number"] and o2["id"] != o["id"]


# --------------------------------------------------------------------------------------------
# Activation
# --------------------------------------------------------------------------------------------

def test_40_04_activation_creates_one_entitlement_per_granting_line_item(api):
    """DESIGN.md "Order": activating creates one entitlement per line item whose product grants
    features, carrying the line item's fields; a maintenance line item (parent_activation_id)
    is parented to the entitlement of the line item it extends."""
    acc = api.make_account()
    f1, f2 = switch_feature(api), seats_feature(api)
    p1 = granting_product(api, f1, name="Base product")
    p2 = api.make_product(name="Maintenance", category="customer_support",
                          entitlements=[{"feature": f2["key"], "value": "5"}])
    given = unique("ACT-BASE")
    o = create(api, acc["id"], [
        {"product": p1["key"], "quantity": 2, "quantity_per_copy": 4, "start_date": day(-3),
         "end_date": day(30), "order_type": "upgrade", "activation_id": given,
         "attributes": {"serial": "SN-1"}},
        {"product": p2["key"], "quantity": 3, "start_date": day(-3), "permanent": True,
         "parent_activation_id": given},
    ]).json()
    r = api.post(f"/v1/orders/{o['id']}/activate")
    assert r.status_code == 200, r.text
    act = r.json()
    assert act["status"] == "active" and act["activated_at"]
    # activation deploys each line item (seed 004: deployed, test_44_line_items.py)
    assert [i["deployed"] for i in o["items"]] == [False, False]
    assert [dict(i, deployed=False) for i in act["items"]] == o["items"]
    assert act["id"] == o["id"]
    ents = order_entitlements(api, o["id"])
    assert len(ents) == 2, ents
    by_product = {e["product"]: e for e in ents}
    base, maint = by_product[p1["key"]], by_product[p2["key"]]
    assert base["account"] == acc["id"] and base["source"] == "order"
    assert base["order"] == o["id"] and base["status"] == "active"
    assert base["activation_id"] == given and base["parent"] is None
    assert base["name"] == "Base product"
    assert (base["quantity"], base["quantity_per_copy"]) == (2, 4)
    assert base["start_date"] == midnight(day(-3)) and base["end_date"] == midnight(day(30))
    assert base["permanent"] is False and base["order_type"] == "upgrade"
    assert base["attributes"] == {"serial": "SN-1"}
    assert maint["parent"] == base["id"]
    assert maint["activation_id"] == o["items"][1]["activation_id"]
    assert maint["quantity"] == 3 and maint["permanent"] is True and maint["end_date"] is None
    assert maint["order_type"] == "new"
    got = evaluate(api, acc["id"], f1, f2)
    assert [g["value"] for g in got] == [True, True]
    assert got[1]["level"] == "15"  # 5 users x quantity 3


def test_40_05_activate_at_once_on_create(api):
    """API.md: POST /v1/orders with "activate": true activates at once."""
    acc = api.make_account()
    f = switch_feature(api)
    r = create(api, acc["id"], [{"product": granting_product(api, f)["key"]}], activate=True)
    assert r.status_code == 201, r.text
    o = r.json()
    assert o["status"] == "active" and o["activated_at"]
    assert len(order_entitlements(api, o["id"])) == 1
    assert evaluate(api, acc["id"], f)[0]["reason"] == "granted"
    assert api.get(f"/v1/orders/{o['id']}").json() == o


def test_40_06_activating_twice_creates_nothing_more(api):
    """DESIGN.md "Order": activation is idempotent."""
    acc = api.make_account()
    p = granting_product(api)
    o = create(api, acc["id"], [{"product": p["key"]}, {"product": p["key"], "quantity": 2}]
               ).json()
    first = api.post(f"/v1/orders/{o['id']}/activate")
    assert first.status_code == 200, first.text
    ents = order_entitlements(api, o["id"])
    assert len(ents) == 2
    before = events_count(api)
    again = api.post(f"/v1/orders/{o['id']}/activate")
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert order_entitlements(api, o["id"]) == ents
    assert events_count(api) == before
    # An order activated on create is just as idempotent.
    o2 = create(api, acc["id"], [{"product": p["key"]}], activate=True).json()
    assert api.post(f"/v1/orders/{o2['id']}/activate").json() == o2
    assert len(order_entitlements(api, o2["id"])) == 1
    listed = api.get(f"/v1/entitlements?account={acc['id']}&limit=100").json()
    assert listed["total_count"] == 3


@pytest.mark.parametrize("category", ["physical_goods", "recurring_services", "other"])
def test_40_07_a_product_that_grants_nothing_creates_no_entitlement(api, category):
    """DESIGN.md "Order": products that grant nothing (physical goods) create none."""
    acc = api.make_account()
    hardware = api.make_product(category=category)
    service = granting_product(api, category="professional_services")
    o = create(api, acc["id"], [{"product": hardware["key"], "quantity": 4},
                                {"product": service["key"]}], activate=True).json()
    ents = order_entitlements(api, o["id"])
    assert [e["product"] for e in ents] == [service["key"]]
    assert ents[0]["activation_id"] == o["items"][1]["activation_id"]
    only = create(api, acc["id"], [{"product": hardware["key"]}], activate=True)
    assert only.status_code == 201, only.text
    assert only.json()["status"] == "active"
    assert order_entitlements(api, only.json()["id"]) == []


def test_40_08_bundle_creates_its_components_parented_to_the_bundle(api):
    """DESIGN.md "Order": a bundle creates one entitlement per component that grants features,
    parented to the bundle's; each copy of the bundle holds the component's quantity."""
    acc = api.make_account()
    f_own, f_a = switch_feature(api), seats_feature(api)
    a = api.make_product(name="A", entitlements=[{"feature": f_a["key"], "value": "5"}])
    hardware = api.make_product(category="physical_goods")
    bundle = api.make_product(name="Bundle",
                              entitlements=[{"feature": f_own["key"], "value": "true"}],
                              components=[{"product": a["key"], "quantity": 2},
                                          {"product": hardware["key"], "quantity": 1}])
    o = create(api, acc["id"], [{"product": bundle["key"], "quantity": 3, "start_date": day(-1),
                                 "end_date": day(10)}], activate=True).json()
    ents = order_entitlements(api, o["id"])
    by_product = {e["product"]: e for e in ents}
    assert set(by_product) == {bundle["key"], a["key"]}, ents
    top, comp = by_product[bundle["key"]], by_product[a["key"]]
    assert top["parent"] is None and comp["parent"] == top["id"]
    assert top["activation_id"] == o["items"][0]["activation_id"]
    assert ACT.match(comp["activation_id"]) and comp["activation_id"] != top["activation_id"]
    assert top["quantity"] == 3 and comp["quantity"] == 6
    assert comp["start_date"] == top["start_date"] and comp["end_date"] == top["end_date"]
    assert comp["order"] == o["id"] and comp["source"] == "order"
    got = evaluate(api, acc["id"], f_own, f_a)
    assert got[0]["value"] is True
    assert got[1]["level"] == "30"  # 5 users x 2 per bundle x 3 bundles


def test_40_09_bundle_granting_nothing_itself_makes_unparented_components(api):
    acc = api.make_account()
    fa, fb = switch_feature(api), switch_feature(api)
    a, b = granting_product(api, fa), granting_product(api, fb)
    bundle = api.make_product(components=[{"product": a["key"]}, {"product": b["key"]}])
    o = create(api, acc["id"], [{"product": bundle["key"]}], activate=True).json()
    ents = order_entitlements(api, o["id"])
    assert sorted(e["product"] for e in ents) == sorted([a["key"], b["key"]])
    assert all(e["parent"] is None for e in ents), ents
    assert len({e["activation_id"] for e in ents}) == 2
    assert [g["value"] for g in evaluate(api, acc["id"], fa, fb)] == [True, True]


def test_40_10_maintenance_line_item_of_an_earlier_order(api):
    """Seed 004: a maintenance line item names the activation id it extends; an entitlement
    of an earlier order can be that parent."""
    acc = api.make_account()
    base_id = unique("ACT-LIC")
    first = create(api, acc["id"], [{"product": granting_product(api)["key"],
                                     "activation_id": base_id}], activate=True).json()
    base = order_entitlements(api, first["id"])[0]
    assert api.get(f"/v1/entitlements/{base_id}").json()["id"] == base["id"]
    maint = create(api, acc["id"], [{"product": granting_product(api)["key"],
                                     "parent_activation_id": base_id, "start_date": day(0),
                                     "end_date": day(365)}], activate=True).json()
    assert maint["items"][0]["parent_activation_id"] == base_id
    [m] = order_entitlements(api, maint["id"])
    assert m["parent"] == base["id"]


# --------------------------------------------------------------------------------------------
# Activation ids are unique across line items and entitlements
# --------------------------------------------------------------------------------------------

def assert_nothing_created(api, acc, before):
    assert account_orders(api, acc["id"])["total_count"] == 0
    assert api.get(f"/v1/entitlements?account={acc['id']}").json()["total_count"] == 0
    assert events_count(api) == before


def test_40_11_duplicate_activation_id_in_one_order_is_409(api):
    """DESIGN.md "Order": activation_id unique across all line items and entitlements; seed
    004: a given id that matches an existing one fails."""
    acc = api.make_account()
    p = granting_product(api)
    dup = unique("ACT-DUP")
    before = events_count(api)
    for activate in (False, True):
        r = create(api, acc["id"], [{"product": p["key"], "activation_id": dup},
                                    {"product": p["key"], "activation_id": dup}],
                   activate=activate)
        problem(r, 409, "conflict")
    assert_nothing_created(api, acc, before)


def test_40_12_activation_id_taken_by_another_order_is_409(api):
    p = granting_product(api)
    other = api.make_account()
    taken_draft = unique("ACT-DRAFT")
    draft = create(api, other["id"], [{"product": p["key"], "activation_id": taken_draft}])
    assert draft.status_code == 201
    generated = draft.json()["items"][0]["activation_id"]
    taken_active = unique("ACT-ACTIVE")
    assert create(api, other["id"], [{"product": p["key"], "activation_id": taken_active}],
                  activate=True).status_code == 201
    acc = api.make_account()
    before = events_count(api)
    for taken in (taken_draft, generated, taken_active):
        r = create(api, acc["id"], [{"product": p["key"]},
                                    {"product": p["key"], "activation_id": taken}],
                   activate=True)
        problem(r, 409, "conflict")
    assert_nothing_created(api, acc, before)


def test_40_13_activation_id_taken_by_an_entitlement_is_409(api):
    p = granting_product(api)
    owner = api.make_account()
    taken = unique("ACT-MANUAL")
    r = api.post("/v1/entitlements", {"account": owner["id"], "product": p["key"],
                                      "activation_id": taken})
    assert r.status_code == 201, r.text
    acc = api.make_account()
    before = events_count(api)
    problem(create(api, acc["id"], [{"product": p["key"], "activation_id": taken}]), 409,
            "conflict")
    assert_nothing_created(api, acc, before)


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------

BAD_ITEMS = [
    ([{"product": "no-such-product"}], "items[0].product"),
    ([{"product": "@P"}, {"product": "0190a0b4-0000-7000-8000-000000000000"}],
     "items[1].product"),
    ([{}], "items[0].product"),
    ([{"product": 5}], "items[0].product"),
    ([{"product": "@P", "start_date": "2026-05-02", "end_date": "2026-05-01"}],
     "items[0].end_date"),
    ([{"product": "@P", "start_date": "2026-05-02T10:00:00Z", "end_date": "2026-05-02"}],
     "items[0].end_date"),
    ([{"product": "@P", "start_date": "2026-05-02", "end_date": "2026-05-02"}],
     "items[0].end_date"),
    ([{"product": "@P", "quantity": 0}], "items[0].quantity"),
    ([{"product": "@P", "quantity": -1}], "items[0].quantity"),
    ([{"product": "@P", "quantity": "2"}], "items[0].quantity"),
    ([{"product": "@P", "quantity": 1.5}], "items[0].quantity"),
    ([{"product": "@P", "quantity_per_copy": 0}], "items[0].quantity_per_copy"),
    ([{"product": "@P", "start_date": "2026-13-01"}], "items[0].start_date"),
    ([{"product": "@P", "start_date": "yesterday"}], "items[0].start_date"),
    ([{"product": "@P", "end_date": "2026-02-30"}], "items[0].end_date"),
    ([{"product": "@P", "permanent": "yes"}], "items[0].permanent"),
    ([{"product": "@P", "permanent": True, "end_date": "2030-01-01"}], "items[0].permanent"),
    ([{"product": "@P", "permanent": False}], "items[0].end_date"),
    ([{"product": "@P", "order_type": "trial"}], "items[0].order_type"),
    ([{"product": "@P", "activation_id": 7}], "items[0].activation_id"),
    ([{"product": "@P", "attributes": [1]}], "items[0].attributes"),
    ([{"product": "@P", "colour": "red"}], "items[0].colour"),
    ([{"product": "@P", "parent_activation_id": "ACT-NOBODY-HAS-THIS"}],
     "items[0].parent_activation_id"),
    (["@P"], "items[0]"),
    ([], "items"),
    ("@P", "items"),
    ([{"product": "@P"}] * 101, "items"),
]


@pytest.mark.parametrize("items,field", BAD_ITEMS)
def test_40_14_bad_line_items_are_422_naming_the_field_and_change_nothing(api, items, field):
    acc = api.make_account()
    p = granting_product(api)

    def fill(x):
        if x == "@P":
            return p["key"]
        if isinstance(x, dict):
            return {k: fill(v) for k, v in x.items()}
        if isinstance(x, list):
            return [fill(v) for v in x]
        return x

    before = events_count(api)
    for activate in (False, True):
        problem(create(api, acc["id"], fill(items), activate=activate), 422,
                "validation_failed", field)
    assert_nothing_created(api, acc, before)


@pytest.mark.parametrize("body,field", [
    ({"account": "no-such-account"}, "account"),
    ({"account": "0190a0b4-0000-7000-8000-000000000000"}, "account"),
    ({"account": None}, "account"),
    ({"account": "@A", "colour": "red"}, "colour"),
    ({"account": "@A", "attributes": "x"}, "attributes"),
    ({"account": "@A", "activate": "yes"}, "activate"),
    ({"account": "@A", "items": None}, "items"),
])
def test_40_15_bad_orders_are_422_naming_the_field_and_change_nothing(api, body, field):
    acc = api.make_account()
    p = granting_product(api)
    full = {"items": [{"product": p["key"]}]}
    full.update({k: (acc["id"] if v == "@A" else v) for k, v in body.items()})
    before = events_count(api)
    problem(api.post("/v1/orders", full), 422, "validation_failed", field)
    assert_nothing_created(api, acc, before)


def test_40_16_missing_fields_are_all_named(api):
    doc = problem(api.post("/v1/orders", {}), 422, "validation_failed")
    assert {"account", "items"} <= {e["field"] for e in doc["errors"]}


def test_40_17_bad_json_is_400(api):
    problem(api.post("/v1/orders", raw="{not json"), 400, "invalid_json")


# --------------------------------------------------------------------------------------------
# Read and list
# --------------------------------------------------------------------------------------------

def test_40_18_unknown_orders_are_404(api):
    for ident in ("0190a0b4-0000-7000-8000-000000000000", "no-such-order"):
        problem(api.get(f"/v1/orders/{ident}"), 404, "not_found")
        problem(api.post(f"/v1/orders/{ident}/activate"), 404, "not_found")


def test_40_19_list_filters_by_account_and_status(api):
    acc, other = api.make_account(), api.make_account()
    p = granting_product(api)
    drafts = [create(api, acc["id"], [{"product": p["key"]}]).json() for _ in range(3)]
    active = [create(api, acc["id"], [{"product": p["key"]}], activate=True).json()
              for _ in range(2)]
    create(api, other["id"], [{"product": p["key"]}])
    page = api.get(f"/v1/orders?account={acc['id']}&limit=100").json()
    assert page["total_count"] == 5 and page["count"] == 5
    assert {o["id"] for o in page["data"]} == {o["id"] for o in drafts + active}
    by_key = api.get(f"/v1/orders?account={acc['key']}&limit=100").json()
    assert {o["id"] for o in by_key["data"]} == {o["id"] for o in page["data"]}
    d = api.get(f"/v1/orders?account={acc['id']}&status=draft&limit=100").json()
    assert {o["id"] for o in d["data"]} == {o["id"] for o in drafts}
    a = api.get(f"/v1/orders?account={acc['id']}&status=active&limit=100").json()
    assert {o["id"] for o in a["data"]} == {o["id"] for o in active}
    assert all(o["status"] == "active" for o in a["data"])
    two = api.get(f"/v1/orders?account={acc['id']}&limit=2").json()
    assert two["count"] == 2 and two["total_count"] == 5 and two["next"]
    rest = api.get(two["next"]).json()
    assert not {o["id"] for o in rest["data"]} & {o["id"] for o in two["data"]}
    # Activating a draft moves it between the filters.
    api.post(f"/v1/orders/{drafts[0]['id']}/activate")
    a = api.get(f"/v1/orders?account={acc['id']}&status=active&limit=100").json()
    assert drafts[0]["id"] in {o["id"] for o in a["data"]}


@pytest.mark.parametrize("query,field", [
    ("status=gone", "status"), ("limit=0", "limit"), ("limit=101", "limit"),
    ("offset=-1", "offset"), ("colour=red", "colour"), ("sort=colour", "sort"),
])
def test_40_20_bad_list_queries_are_422(api, query, field):
    problem(api.get(f"/v1/orders?{query}"), 422, "validation_failed", field)


# --------------------------------------------------------------------------------------------
# Who may do what
# --------------------------------------------------------------------------------------------

def test_40_21_account_key_sees_its_own_orders_alone(api):
    """API.md "Conventions": a key bound to one account asking about another: 404."""
    mine, other = api.make_account(), api.make_account()
    p = granting_product(api)
    my_order = create(api, mine["id"], [{"product": p["key"]}], activate=True).json()
    their_order = create(api, other["id"], [{"product": p["key"]}]).json()
    key = api.with_key(api.make_key("account", mine["id"])["key"])
    listed = key.get("/v1/orders?limit=100").json()
    assert [o["id"] for o in listed["data"]] == [my_order["id"]]
    assert listed["total_count"] == 1
    assert key.get(f"/v1/orders?account={other['id']}").json()["total_count"] == 0
    assert key.get(f"/v1/orders/{my_order['id']}").json() == my_order
    foreign = key.get(f"/v1/orders/{their_order['id']}")
    missing = key.get("/v1/orders/0190a0b4-0000-7000-8000-000000000000")
    problem(foreign, 404, "not_found")
    assert foreign.json().keys() == missing.json().keys()
    problem(key.post("/v1/orders", {"account": mine["id"], "items": [{"product": p["key"]}]}),
            403, "forbidden")
    problem(key.post(f"/v1/orders/{their_order['id']}/activate"), 403, "forbidden")
    assert api.get(f"/v1/orders/{their_order['id']}").json()["status"] == "draft"


def test_40_22_read_key_reads_but_may_not_create_or_activate(api):
    acc = api.make_account()
    p = granting_product(api)
    o = create(api, acc["id"], [{"product": p["key"]}]).json()
    read = api.with_key(api.make_key("read")["key"])
    assert read.get(f"/v1/orders/{o['id']}").json() == o
    assert read.get(f"/v1/orders?account={acc['id']}").json()["total_count"] == 1
    before = events_count(api)
    problem(read.post("/v1/orders", {"account": acc["id"], "items": [{"product": p["key"]}]}),
            403, "forbidden")
    problem(read.post(f"/v1/orders/{o['id']}/activate"), 403, "forbidden")
    assert events_count(api) == before
    assert api.get(f"/v1/orders/{o['id']}").json()["status"] == "draft"


# --------------------------------------------------------------------------------------------
# Audit, idempotency, and what an order holds on to
# --------------------------------------------------------------------------------------------

def test_40_23_creating_and_activating_are_events(api):
    """DESIGN.md "Event": every change is appended, with the key, before and after."""
    acc = api.make_account()
    p = granting_product(api)
    o = create(api, acc["id"], [{"product": p["key"]}]).json()
    api.post(f"/v1/orders/{o['id']}/activate")
    [ent] = order_entitlements(api, o["id"])
    events = api.get(f"/v1/events?account={acc['id']}&limit=100").json()["data"]
    mine = [(e["type"], e["object"]) for e in events if e["type"] != "account.created"]
    assert ("order.created", o["id"]) in mine and ("order.activated", o["id"]) in mine
    assert ent["id"] in {obj for _, obj in mine}
    created = [e for e in events if e["type"] == "order.created"][0]
    assert created["before"] is None and created["after"]["id"] == o["id"] and created["actor"]
    activated = [e for e in events if e["type"] == "order.activated"][0]
    assert activated["before"]["status"] == "draft" and activated["after"]["status"] == "active"


def test_40_24_idempotency_key_replays_an_order(api):
    """API.md "Conventions": the same Idempotency-Key and body answer the first answer again
    and change nothing."""
    acc = api.make_account()
    p = granting_product(api)
    body = {"account": acc["id"], "items": [{"product": p["key"]}], "activate": True}
    h = {"Idempotency-Key": unique("idem")}
    r1 = api.post("/v1/orders", body, headers=h)
    assert r1.status_code == 201 and "Idempotent-Replayed" not in r1.headers
    r2 = api.post("/v1/orders", body, headers=h)
    assert r2.status_code == 201 and r2.headers["Idempotent-Replayed"] == "true"
    assert r2.json() == r1.json()
    assert account_orders(api, acc["id"])["total_count"] == 1
    assert len(order_entitlements(api, r1.json()["id"])) == 1
    problem(api.post("/v1/orders", dict(body, activate=False), headers=h), 422,
            "validation_failed", "Idempotency-Key")
    assert account_orders(api, acc["id"])["total_count"] == 1


def test_40_25_a_product_on_an_order_cannot_be_deleted(api):
    """API.md: a 500 is for what the daemon did not foresee; a product still named by an order
    is a conflict (409), as a feature a product uses is, and nothing changes."""
    acc = api.make_account()
    drafted, activated, hardware = (granting_product(api), granting_product(api),
                                    api.make_product(category="physical_goods"))
    create(api, acc["id"], [{"product": drafted["key"]}])
    create(api, acc["id"], [{"product": activated["key"]}, {"product": hardware["key"]}],
           activate=True)
    for p in (drafted, activated, hardware):
        problem(api.delete(f"/v1/products/{p['key']}"), 409, "conflict")
        assert api.get(f"/v1/products/{p['key']}").json() == p


def test_40_26_sort_by_creation(api):
    acc = api.make_account()
    p = granting_product(api)
    made = [create(api, acc["id"], [{"product": p["key"]}]).json()["id"] for _ in range(3)]
    asc = api.get(f"/v1/orders?account={acc['id']}&sort=created_at").json()["data"]
    assert [o["id"] for o in asc] == made
    desc = api.get(f"/v1/orders?account={acc['id']}&sort=-created_at").json()["data"]
    assert [o["id"] for o in desc] == made[::-1]
