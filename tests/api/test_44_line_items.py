# SPDX-License-Identifier: MIT
"""Orders as seed 004's entitlements, and their line items (issue 17, points 8-10): a caller-given
order id (external_id, unique, readable by it), description and ship-to contact; drafts edited
with PATCH; line items added to any order and changed by activation id, their entitlements
following (audited); activatable (409 not_activatable), auto_deploy and deploy/undeploy one line
item; maintenance line items and the maintenance an entitlement and evaluate's explanation show;
products' part_number and version. Bad input answers 4xx naming the field and changes nothing."""
import pytest

from client import problem, unique
from helpers import day, events_since, granting_product, last_event_id, midnight, seats_feature


def create(api, account, items, **fields):
    body = {"account": account, "items": items}
    body.update(fields)
    return api.post("/v1/orders", body)


def made(api, **fields):
    r = create(api, **fields)
    assert r.status_code == 201, r.text
    return r.json()


def order_entitlements(api, order_id):
    return api.get(f"/v1/entitlements?order={order_id}&limit=100").json()["data"]


def evaluate(api, account, feature, **fields):
    body = {"account": account, "features": [feature["key"]]}
    body.update(fields)
    r = api.post("/v1/evaluate", body)
    assert r.status_code == 200, r.text
    return r.json()["entitlements"][0]


def item_path(order, item):
    return f"/v1/orders/{order['id']}/items/{item['activation_id']}"


def snapshot(api, order_id):
    """The order and its entitlements, to show that a refused change left both as they were."""
    return api.get(f"/v1/orders/{order_id}").json(), order_entitlements(api, order_id)


# --------------------------------------------------------------------------------------------
# Orders: external id, description, ship-to contact
# --------------------------------------------------------------------------------------------

def test_44_01_an_order_keeps_its_external_id_and_ship_to_contact(api):
    """Seed 004: an entitlement has the caller's own id, a description, shipToEmail and
    shipToAddress; the order is read by its external id as by its id, and listed by it."""
    acc = api.make_account()
    ext = unique("ENT-2026")
    o = made(api, account=acc["id"], items=[{"product": granting_product(api)["key"]}],
             external_id=ext, description="Renewal for 2026",
             ship_to_email="it@acme.example", ship_to_address="1 Main St, Springfield")
    assert o["external_id"] == ext and o["description"] == "Renewal for 2026"
    assert o["ship_to_email"] == "it@acme.example"
    assert o["ship_to_address"] == "1 Main St, Springfield"
    assert api.get(f"/v1/orders/{ext}").json() == o
    assert api.get(f"/v1/orders/{o['id']}").json() == o
    assert api.post(f"/v1/orders/{ext}/activate").status_code == 200
    listed = api.get(f"/v1/orders?external_id={ext}").json()["data"]
    assert [x["id"] for x in listed] == [o["id"]]
    plain = made(api, account=acc["id"], items=[{"product": granting_product(api)["key"]}])
    assert (plain["external_id"], plain["description"], plain["ship_to_email"],
            plain["ship_to_address"]) == (None, None, None, None)


def test_44_02_a_taken_external_id_is_409_and_creates_nothing(api):
    """Seed 004: an id that matches an existing one fails; an order's id cannot be another's
    external id either (an order is read by both)."""
    acc = api.make_account()
    p = granting_product(api)
    first = made(api, account=acc["id"], items=[{"product": p["key"]}],
                 external_id=unique("ENT"))
    before = api.get(f"/v1/orders?account={acc['id']}").json()["total_count"]
    for ext in (first["external_id"], first["id"]):
        problem(create(api, acc["id"], [{"product": p["key"]}], external_id=ext), 409,
                "conflict")
    assert api.get(f"/v1/orders?account={acc['id']}").json()["total_count"] == before


@pytest.mark.parametrize("fields,field", [
    ({"external_id": "has space"}, "external_id"),
    ({"external_id": "x" * 65}, "external_id"),
    ({"external_id": 7}, "external_id"),
    ({"ship_to_email": "not-an-address"}, "ship_to_email"),
    ({"description": "d" * 2001}, "description"),
    ({"ship_to_address": "a" * 2001}, "ship_to_address"),
    ({"ship_to": "x"}, "ship_to"),
])
def test_44_03_bad_order_fields_are_422_naming_the_field(api, fields, field):
    acc = api.make_account()
    problem(create(api, acc["id"], [{"product": granting_product(api)["key"]}], **fields), 422,
            "validation_failed", field=field)
    assert api.get(f"/v1/orders?account={acc['id']}").json()["total_count"] == 0


# --------------------------------------------------------------------------------------------
# Drafts are edited
# --------------------------------------------------------------------------------------------

def test_44_04_a_draft_order_is_edited_with_patch(api):
    """Issue 17, point 8: a draft order can be edited (PATCH); only what is given changes;
    audited as order.updated with the order before and after."""
    acc, other = api.make_account(), api.make_account()
    o = made(api, account=acc["id"], items=[{"product": granting_product(api)["key"]}],
             description="first", attributes={"po": "PO-1"})
    mark = last_event_id(api)
    ext = unique("ENT")
    r = api.patch(f"/v1/orders/{o['id']}", {
        "account": other["key"], "external_id": ext, "ship_to_email": "a@b.example",
        "attributes": {"po": "PO-2"}})
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["account"] == other["id"] and got["external_id"] == ext
    assert got["description"] == "first" and got["ship_to_email"] == "a@b.example"
    assert got["attributes"] == {"po": "PO-2"} and got["items"] == o["items"]
    [ev] = events_since(api, mark)
    assert ev["type"] == "order.updated" and ev["before"]["account"] == acc["id"]
    assert ev["after"]["external_id"] == ext
    r = api.patch(f"/v1/orders/{ext}", {"description": None, "external_id": None})
    assert r.status_code == 200, r.text
    assert r.json()["description"] is None and r.json()["external_id"] is None


def test_44_05_what_a_patch_of_an_order_refuses(api):
    """An active order changes by its line items alone (409); bad fields are 422 naming the
    field; a taken external id 409; an unknown order 404; nothing changes."""
    acc = api.make_account()
    p = granting_product(api)
    taken = made(api, account=acc["id"], items=[{"product": p["key"]}],
                 external_id=unique("ENT"))
    o = made(api, account=acc["id"], items=[{"product": p["key"]}])
    for body, field in (({"ship_to_email": "nope"}, "ship_to_email"),
                        ({"account": "no-such-account"}, "account"),
                        ({"items": []}, "items"), ({"status": "active"}, "status")):
        problem(api.patch(f"/v1/orders/{o['id']}", body), 422, "validation_failed", field=field)
    problem(api.patch(f"/v1/orders/{o['id']}", {"external_id": taken["external_id"]}), 409,
            "conflict")
    assert api.get(f"/v1/orders/{o['id']}").json() == o
    problem(api.patch("/v1/orders/NO-SUCH-ORDER", {"description": "x"}), 404, "not_found")
    active = made(api, account=acc["id"], items=[{"product": p["key"]}], activate=True)
    problem(api.patch(f"/v1/orders/{active['id']}", {"description": "x"}), 409, "conflict")


# --------------------------------------------------------------------------------------------
# Line items added to any order
# --------------------------------------------------------------------------------------------

def test_44_06_line_items_added_to_a_draft_are_activated_with_it(api):
    """Issue 17, point 8: line items can be added to any order; a draft's wait for its
    activation, which provisions them with the rest."""
    acc = api.make_account()
    f1, f2 = api.make_feature(type="switch"), api.make_feature(type="switch")
    o = made(api, account=acc["id"], items=[{"product": granting_product(api, f1)["key"]}])
    given = unique("ACT-ADDED")
    r = api.post(f"/v1/orders/{o['id']}/items", {"items": [
        {"product": granting_product(api, f2)["key"], "activation_id": given,
         "quantity": 2, "order_type": "upsell",
         "parent_activation_id": o["items"][0]["activation_id"]}]})
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["status"] == "draft" and len(got["items"]) == 2
    assert got["items"][0] == o["items"][0]
    added = got["items"][1]
    assert added["activation_id"] == given and added["quantity"] == 2
    assert added["order_type"] == "upsell" and added["deployed"] is False
    assert order_entitlements(api, o["id"]) == []
    assert api.post(f"/v1/orders/{o['id']}/activate").status_code == 200
    ents = {e["activation_id"]: e for e in order_entitlements(api, o["id"])}
    assert set(ents) == {o["items"][0]["activation_id"], given}
    assert ents[given]["parent"] == ents[o["items"][0]["activation_id"]]["id"]
    assert evaluate(api, acc["id"], f2)["value"] is True


def test_44_07_line_items_added_to_an_active_order_are_deployed_at_once(api):
    """Line items added to an active order that auto-deploy make their entitlements at once;
    one with auto_deploy false waits to be deployed."""
    acc = api.make_account()
    f1, f2 = api.make_feature(type="switch"), api.make_feature(type="switch")
    o = made(api, account=acc["id"], items=[{"product": granting_product(api)["key"]}],
             activate=True)
    assert evaluate(api, acc["id"], f1)["value"] is False  # a warm snapshot
    r = api.post(f"/v1/orders/{o['id']}/items", {"items": [
        {"product": granting_product(api, f1)["key"]},
        {"product": granting_product(api, f2)["key"], "auto_deploy": False}]})
    assert r.status_code == 201, r.text
    items = r.json()["items"]
    assert [i["deployed"] for i in items] == [True, True, False]
    assert [i["auto_deploy"] for i in items] == [True, True, False]
    assert evaluate(api, acc["id"], f1)["value"] is True
    assert evaluate(api, acc["id"], f2)["value"] is False
    assert len(order_entitlements(api, o["id"])) == 2


def test_44_08_bad_line_items_added_are_422_or_409_and_add_nothing(api):
    """Added line items are checked as at creation, their paths counting from the first added;
    a taken activation id is 409; a refused request adds nothing."""
    acc = api.make_account()
    p = granting_product(api)
    o = made(api, account=acc["id"], items=[{"product": p["key"]}], activate=True)
    before = snapshot(api, o["id"])
    path = f"/v1/orders/{o['id']}/items"
    problem(api.post(path, {"items": [{"product": p["key"]}, {"product": "no-such-product"}]}),
            422, "validation_failed", field="items[1].product")
    problem(api.post(path, {"items": [{"product": p["key"], "quantity": 0}]}), 422,
            "validation_failed", field="items[0].quantity")
    problem(api.post(path, {"items": []}), 422, "validation_failed", field="items")
    problem(api.post(path, {}), 422, "validation_failed", field="items")
    problem(api.post(path, {"items": [{"product": p["key"], "kind": "service"}]}), 422,
            "validation_failed", field="items[0].kind")
    problem(api.post(path, {"items": [{"product": p["key"],
                                       "activation_id": o["items"][0]["activation_id"]}]}),
            409, "conflict")
    assert snapshot(api, o["id"]) == before
    problem(api.post("/v1/orders/NO-SUCH/items", {"items": [{"product": p["key"]}]}), 404,
            "not_found")


# --------------------------------------------------------------------------------------------
# Line items changed by activation id
# --------------------------------------------------------------------------------------------

def test_44_09_a_draft_line_item_is_changed_by_activation_id(api):
    """Seed 004's line item update: order_type, product, parent_activation_id, attributes,
    by activation id (or the line item's id)."""
    acc = api.make_account()
    p1 = granting_product(api)
    p2 = api.make_product(part_number="PN-7", version="7.1",
                          entitlements=[{"feature": api.make_feature(type="switch")["key"],
                                         "value": "true"}])
    o = made(api, account=acc["id"], items=[{"product": p1["key"]}, {"product": p1["key"]}])
    first, second = o["items"]
    r = api.patch(item_path(o, second), {
        "order_type": "renewal", "product": p2["id"], "attributes": {"seat": "A"},
        "parent_activation_id": first["activation_id"]})
    assert r.status_code == 200, r.text
    got = r.json()["items"][1]
    assert got["order_type"] == "renewal" and got["product"] == p2["key"]
    assert got["attributes"] == {"seat": "A"}
    assert got["parent_activation_id"] == first["activation_id"]
    assert (got["product_version"], got["part_number"]) == ("7.1", "PN-7")
    r = api.patch(f"/v1/orders/{o['id']}/items/{second['id']}", {"parent_activation_id": None})
    assert r.status_code == 200 and r.json()["items"][1]["parent_activation_id"] is None
    assert r.json()["items"][0] == first


def test_44_10_after_activation_the_entitlement_follows_audited(api):
    """Issue 17, point 8: after activation a line item's entitlement follows its change
    (product, order type, parent, attributes), each change audited."""
    acc = api.make_account()
    f1, f2 = api.make_feature(type="switch"), api.make_feature(type="switch")
    p1, p2 = granting_product(api, f1), granting_product(api, f2, name="Pro")
    base_id = unique("ACT-BASE")
    o = made(api, account=acc["id"], activate=True, items=[
        {"product": p1["key"], "activation_id": base_id},
        {"product": p1["key"], "start_date": day(-1), "end_date": day(30)}])
    second = o["items"][1]
    assert evaluate(api, acc["id"], f2)["value"] is False
    mark = last_event_id(api)
    r = api.patch(item_path(o, second), {"product": p2["key"], "order_type": "upgrade",
                                         "parent_activation_id": base_id,
                                         "attributes": {"note": "moved up"}})
    assert r.status_code == 200, r.text
    ent = api.get(f"/v1/entitlements/{second['activation_id']}").json()
    base = api.get(f"/v1/entitlements/{base_id}").json()
    assert ent["product"] == p2["key"] and ent["name"] == "Pro"
    assert ent["order_type"] == "upgrade" and ent["parent"] == base["id"]
    assert ent["attributes"] == {"note": "moved up"}
    assert ent["end_date"] == midnight(day(30))
    assert evaluate(api, acc["id"], f2)["value"] is True
    types = [e["type"] for e in events_since(api, mark)]
    assert types == ["entitlement.updated", "order.updated"], types
    got = events_since(api, mark, "entitlement.updated")[0]
    assert got["before"]["product"] == p1["key"] and got["after"]["product"] == p2["key"]


def test_44_11_what_a_line_item_change_refuses(api):
    """Bad fields 422 naming the field; an unknown line item 404; a deployed bundle's product
    cannot change (409); nothing changes."""
    acc = api.make_account()
    p = granting_product(api)
    bundle = granting_product(api, components=[{"product": p["key"], "quantity": 1}])
    o = made(api, account=acc["id"], activate=True,
             items=[{"product": bundle["key"]}, {"product": p["key"]}])
    before = snapshot(api, o["id"])
    for body, field in (({"order_type": "sideways"}, "order_type"),
                        ({"product": "no-such-product"}, "product"),
                        ({"parent_activation_id": "ACT-NOWHERE"}, "parent_activation_id"),
                        ({"parent_activation_id": o["items"][1]["activation_id"]},
                         "parent_activation_id"),
                        ({"quantity": 3}, "quantity"), ({"activatable": "no"}, "activatable"),
                        ({"part_number": "p" * 201}, "part_number")):
        problem(api.patch(item_path(o, o["items"][1]), body), 422, "validation_failed",
                field=field)
    problem(api.patch(item_path(o, o["items"][0]), {"product": p["key"]}), 409, "conflict")
    problem(api.patch(f"/v1/orders/{o['id']}/items/ACT-NOPE", {"order_type": "new"}), 404,
            "not_found")
    assert snapshot(api, o["id"]) == before


# --------------------------------------------------------------------------------------------
# activatable, auto_deploy, deploy and undeploy
# --------------------------------------------------------------------------------------------

def test_44_12_a_line_item_not_activatable_refuses_activations_by_its_entitlement(api):
    """Issue 17, point 9: activatable false: activations by that entitlement are refused with
    409 not_activatable; the flag follows a change of the line item."""
    acc = api.make_account()
    seats = seats_feature(api)
    o = made(api, account=acc["id"], activate=True, items=[
        {"product": granting_product(api, seats, value="5")["key"], "activatable": False}])
    item = o["items"][0]
    assert item["activatable"] is False
    ent = api.get(f"/v1/entitlements/{item['activation_id']}").json()
    assert ent["activatable"] is False
    body = {"activation_id": item["activation_id"], "fingerprint": unique("fp")}
    problem(api.post("/v1/activations", body), 409, "not_activatable")
    assert api.get(f"/v1/activations?entitlement={ent['id']}").json()["total_count"] == 0
    r = api.patch(item_path(o, item), {"activatable": True})
    assert r.status_code == 200, r.text
    assert api.get(f"/v1/entitlements/{ent['id']}").json()["activatable"] is True
    assert api.post("/v1/activations", body).status_code == 201
    # a manual grant says it too
    g = api.post("/v1/entitlements", {"account": acc["id"], "activatable": False,
                                      "product": granting_product(api)["key"]})
    assert g.status_code == 201 and g.json()["activatable"] is False
    problem(api.post("/v1/activations", {"activation_id": g.json()["activation_id"],
                                         "fingerprint": "fp"}), 409, "not_activatable")


def test_44_13_auto_deploy_false_waits_and_undeploy_suspends(api):
    """Issue 17, point 9: auto_deploy false leaves a line item undeployed at activation;
    deploying it makes its entitlement; undeploying suspends it; deploying again resumes it;
    either twice changes nothing."""
    acc = api.make_account()
    f = api.make_feature(type="switch")
    o = made(api, account=acc["id"], activate=True, items=[
        {"product": granting_product(api, f)["key"], "auto_deploy": False}])
    item = o["items"][0]
    assert item["deployed"] is False and order_entitlements(api, o["id"]) == []
    path = item_path(o, item)
    mark = last_event_id(api)
    r = api.post(path + "/deploy")
    assert r.status_code == 200, r.text
    assert r.json()["items"][0]["deployed"] is True
    [ent] = order_entitlements(api, o["id"])
    assert ent["status"] == "active" and evaluate(api, acc["id"], f)["value"] is True
    assert [e["type"] for e in events_since(api, mark)] == ["entitlement.created",
                                                             "order.item_deployed"]
    assert api.post(path + "/deploy", {}).json()["items"][0]["deployed"] is True
    assert len(order_entitlements(api, o["id"])) == 1
    r = api.post(path + "/undeploy")
    assert r.status_code == 200 and r.json()["items"][0]["deployed"] is False
    assert api.get(f"/v1/entitlements/{ent['id']}").json()["status"] == "suspended"
    assert evaluate(api, acc["id"], f)["value"] is False
    mark = last_event_id(api)
    assert api.post(path + "/undeploy").status_code == 200
    assert events_since(api, mark) == []
    assert api.post(path + "/deploy").status_code == 200
    assert api.get(f"/v1/entitlements/{ent['id']}").json()["status"] == "active"
    assert evaluate(api, acc["id"], f)["value"] is True
    problem(api.post(path + "/deploy", {"now": True}), 422, "validation_failed", field="now")
    problem(api.post(f"/v1/orders/{o['id']}/items/ACT-NOPE/deploy"), 404, "not_found")


def test_44_14_one_line_item_of_a_draft_is_deployed_alone(api):
    """Deploy a single line item of an order: a draft's line item makes its entitlement while
    the order stays a draft; activating the order later does not make it twice."""
    acc = api.make_account()
    f1, f2 = api.make_feature(type="switch"), api.make_feature(type="switch")
    o = made(api, account=acc["id"], items=[{"product": granting_product(api, f1)["key"]},
                                            {"product": granting_product(api, f2)["key"]}])
    r = api.post(item_path(o, o["items"][0]) + "/deploy")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "draft"
    assert [i["deployed"] for i in r.json()["items"]] == [True, False]
    assert evaluate(api, acc["id"], f1)["value"] is True
    assert evaluate(api, acc["id"], f2)["value"] is False
    problem(api.patch(f"/v1/orders/{o['id']}", {"account": api.make_account()["id"]}), 409,
            "conflict")
    assert api.post(f"/v1/orders/{o['id']}/activate").status_code == 200
    assert len(order_entitlements(api, o["id"])) == 2
    assert evaluate(api, acc["id"], f2)["value"] is True


def test_44_15_who_may_change_line_items(api):
    """Admin keys alone change orders and their line items; a read key and an account key
    are 403; an Idempotency-Key replays an addition."""
    acc = api.make_account()
    p = granting_product(api)
    o = made(api, account=acc["id"], items=[{"product": p["key"]}])
    path = item_path(o, o["items"][0])
    for key in (api.make_key("read")["key"], api.make_key("account", acc["id"])["key"]):
        c = api.with_key(key)
        problem(c.patch(f"/v1/orders/{o['id']}", {"description": "x"}), 403, "forbidden")
        problem(c.post(f"/v1/orders/{o['id']}/items", {"items": [{"product": p["key"]}]}),
                403, "forbidden")
        problem(c.patch(path, {"order_type": "renewal"}), 403, "forbidden")
        problem(c.post(path + "/deploy"), 403, "forbidden")
        problem(c.post(path + "/undeploy"), 403, "forbidden")
    h = {"Idempotency-Key": unique("idem")}
    body = {"items": [{"product": p["key"]}]}
    r1 = api.post(f"/v1/orders/{o['id']}/items", body, headers=h)
    r2 = api.post(f"/v1/orders/{o['id']}/items", body, headers=h)
    assert r1.status_code == r2.status_code == 201
    assert r2.headers.get("Idempotent-Replayed") == "true" and r2.json() == r1.json()
    assert len(api.get(f"/v1/orders/{o['id']}").json()["items"]) == 2


# --------------------------------------------------------------------------------------------
# Maintenance line items
# --------------------------------------------------------------------------------------------

def maintenance_product(api):
    return api.make_product(category="customer_support", part_number="MNT-100",
                            version="2026", entitlements=[])


def test_44_16_a_maintenance_line_item_covers_the_line_item_it_names(api):
    """Issue 17, point 10: a maintenance line item (kind maintenance) names the line item it
    maintains by activation id, with product_version and part_number (the product's unless
    given); it makes no entitlement; the maintained entitlement answers until when it is under
    maintenance, and evaluate's explanation shows it."""
    acc = api.make_account()
    f = api.make_feature(type="switch")
    base_id = unique("ACT-LIC")
    mp = maintenance_product(api)
    o = made(api, account=acc["id"], activate=True, items=[
        {"product": granting_product(api, f)["key"], "activation_id": base_id},
        {"kind": "maintenance", "product": mp["key"], "parent_activation_id": base_id,
         "start_date": day(-10), "end_date": day(355)}])
    maint = o["items"][1]
    assert maint["kind"] == "maintenance" and maint["deployed"] is True
    assert (maint["product_version"], maint["part_number"]) == ("2026", "MNT-100")
    [ent] = order_entitlements(api, o["id"])  # none for the maintenance line item
    assert ent["activation_id"] == base_id
    assert ent["maintenance"] == {"until": midnight(day(355)), "activation_id":
                                  maint["activation_id"], "product": mp["key"],
                                  "product_version": "2026", "part_number": "MNT-100"}
    got = evaluate(api, acc["id"], f, explain=True)
    [src] = got["sources"]
    assert src["entitlement"] == ent["id"] and src["maintenance"] == ent["maintenance"]
    # at a time past the maintenance, the explanation shows none
    later = evaluate(api, acc["id"], f, explain=True, at=day(400))
    assert later["sources"][0]["maintenance"] is None
    # an entitlement without maintenance says so
    plain = api.post("/v1/entitlements", {"account": acc["id"],
                                          "product": granting_product(api)["key"]}).json()
    assert plain["maintenance"] is None


def test_44_17_renewals_carry_the_maintenance_on_and_undeploy_stops_it(api):
    """A renewal's maintenance (another order, given its own version and part number) that
    follows on without a gap carries the date on; a permanent one answers null (for good);
    undeployed maintenance does not count."""
    acc = api.make_account()
    base_id = unique("ACT-LIC")
    mp = maintenance_product(api)
    made(api, account=acc["id"], activate=True, items=[
        {"product": granting_product(api)["key"], "activation_id": base_id},
        {"kind": "maintenance", "product": mp["key"], "parent_activation_id": base_id,
         "start_date": day(-10), "end_date": day(20)}])
    renewal = made(api, account=acc["id"], activate=True, items=[
        {"kind": "maintenance", "product": mp["key"], "parent_activation_id": base_id,
         "order_type": "renewal", "start_date": day(20), "end_date": day(385),
         "product_version": "2027", "part_number": "MNT-101"}])
    m = api.get(f"/v1/entitlements/{base_id}").json()["maintenance"]
    assert m["until"] == midnight(day(385)) and m["product_version"] == "2027"
    assert m["activation_id"] == renewal["items"][0]["activation_id"]
    r = api.post(item_path(renewal, renewal["items"][0]) + "/undeploy")
    assert r.status_code == 200, r.text
    assert api.get(f"/v1/entitlements/{base_id}").json()["maintenance"]["until"] == \
        midnight(day(20))
    made(api, account=acc["id"], activate=True, items=[
        {"kind": "maintenance", "product": mp["key"], "parent_activation_id": base_id,
         "start_date": day(0), "permanent": True}])
    assert api.get(f"/v1/entitlements/{base_id}").json()["maintenance"]["until"] is None


def test_44_18_what_a_maintenance_line_item_must_name(api):
    """A maintenance line item needs the line item it maintains (422 naming
    parent_activation_id), which is not another maintenance line item."""
    acc = api.make_account()
    mp = maintenance_product(api)
    base_id = unique("ACT-LIC")
    o = made(api, account=acc["id"], items=[
        {"product": granting_product(api)["key"], "activation_id": base_id},
        {"kind": "maintenance", "product": mp["key"], "parent_activation_id": base_id}])
    m_id = o["items"][1]["activation_id"]
    problem(create(api, acc["id"], [{"kind": "maintenance", "product": mp["key"]}]), 422,
            "validation_failed", field="items[0].parent_activation_id")
    problem(create(api, acc["id"], [{"kind": "maintenance", "product": mp["key"],
                                     "parent_activation_id": m_id}]),
            422, "validation_failed", field="items[0].parent_activation_id")
    problem(create(api, acc["id"], [
        {"product": granting_product(api)["key"], "activation_id": unique("ACT-A"),
         "kind": "maintenance", "parent_activation_id": base_id},
        {"kind": "maintenance", "product": mp["key"], "parent_activation_id": "SELF"}]),
        422, "validation_failed", field="items[1].parent_activation_id")
    problem(api.patch(item_path(o, o["items"][1]), {"parent_activation_id": None}), 422,
            "validation_failed", field="parent_activation_id")


# --------------------------------------------------------------------------------------------
# Products' part number and version
# --------------------------------------------------------------------------------------------

def test_44_19_products_have_a_part_number_and_a_version(api):
    """Issue 17, point 10: products gain part_number and version, kept, changed and cleared."""
    p = api.make_product(part_number="PN-1", version="1.0")
    assert (p["part_number"], p["version"]) == ("PN-1", "1.0")
    r = api.patch(f"/v1/products/{p['key']}", {"version": "1.1"})
    assert r.status_code == 200 and r.json()["version"] == "1.1"
    assert r.json()["part_number"] == "PN-1"
    r = api.patch(f"/v1/products/{p['key']}", {"part_number": None})
    assert r.json()["part_number"] is None
    plain = api.make_product()
    assert (plain["part_number"], plain["version"]) == (None, None)
    for body, field in (({"version": "v" * 201}, "version"), ({"part_number": 5}, "part_number")):
        problem(api.patch(f"/v1/products/{p['key']}", body), 422, "validation_failed",
                field=field)
    assert api.get(f"/v1/products/{p['key']}").json()["version"] == "1.1"


def test_44_20_a_revoked_entitlement_is_not_made_again_by_deploying(api):
    """Undeploying, revoking the entitlement, then deploying again is 409: a revoked
    entitlement stays revoked, and its activation id is not made twice."""
    acc = api.make_account()
    o = made(api, account=acc["id"], activate=True,
             items=[{"product": granting_product(api)["key"]}])
    path = item_path(o, o["items"][0])
    assert api.post(path + "/undeploy").status_code == 200
    assert api.delete(f"/v1/entitlements/{o['items'][0]['activation_id']}").status_code == 200
    problem(api.post(path + "/deploy"), 409, "conflict")
    got = api.get(f"/v1/orders/{o['id']}").json()
    assert got["items"][0]["deployed"] is False
    assert [e["status"] for e in order_entitlements(api, o["id"])] == ["revoked"]
