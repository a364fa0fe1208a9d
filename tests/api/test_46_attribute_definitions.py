# SPDX-License-Identifier: MIT
"""Custom attribute definitions (issue 17, point 11; seed 004's custom attributes): POST/GET
/v1/attribute-definitions for accounts, orders, line items, entitlements and license models, a
name, a type (string, number, boolean, date) and required; every write of attributes checked
against them (422 naming the attribute, nothing written), dates given as yyyy/MM/dd stored as
YYYY-MM-DD. Definitions apply to the whole store, so each test deletes its own at its end."""
import pytest

from client import problem, unique
from helpers import events_since, granting_product, last_event_id


@pytest.fixture
def define(api):
    """define(object, name, type, required) makes a definition deleted when the test ends."""
    made = []

    def make(object_, name=None, type_="string", required=False, **fields):
        body = {"object": object_, "name": name or unique("attr").replace("-", "_"),
                "type": type_, "required": required}
        body.update(fields)
        r = api.post("/v1/attribute-definitions", body)
        assert r.status_code == 201, r.text
        made.append(r.json()["id"])
        return r.json()

    yield make
    for id_ in made:
        api.delete(f"/v1/attribute-definitions/{id_}")


def test_46_01_a_definition_is_created_read_listed_and_deleted(api, define):
    """POST/GET /v1/attribute-definitions: object, name, type, required; audited."""
    mark = last_event_id(api)
    d = define("line_item", type_="date", required=True, description="Purchase order date")
    assert d["object"] == "line_item" and d["type"] == "date" and d["required"] is True
    assert d["description"] == "Purchase order date" and d["created_at"] == d["updated_at"]
    assert api.get(f"/v1/attribute-definitions/{d['id']}").json() == d
    listed = api.get("/v1/attribute-definitions?object=line_item&limit=100").json()["data"]
    assert d["id"] in [x["id"] for x in listed]
    assert all(x["object"] == "line_item" for x in listed)
    assert api.get(f"/v1/attribute-definitions?search={d['name']}").json()["data"] == [d]
    plain = define("account")
    assert plain["type"] == "string" and plain["required"] is False
    assert [e["type"] for e in events_since(api, mark)] == ["attribute_definition.created"] * 2
    assert api.delete(f"/v1/attribute-definitions/{plain['id']}").status_code == 204
    problem(api.get(f"/v1/attribute-definitions/{plain['id']}"), 404, "not_found")


@pytest.mark.parametrize("body,field", [
    ({"name": "x"}, "object"),
    ({"object": "product", "name": "x"}, "object"),
    ({"object": "account"}, "name"),
    ({"object": "account", "name": "has space"}, "name"),
    ({"object": "account", "name": "_lead"}, "name"),
    ({"object": "account", "name": "n" * 65}, "name"),
    ({"object": "account", "name": "x", "type": "integer"}, "type"),
    ({"object": "account", "name": "x", "required": "yes"}, "required"),
    ({"object": "account", "name": "x", "label": "X"}, "label"),
])
def test_46_02_bad_definitions_are_422_naming_the_field(api, body, field):
    before = api.get("/v1/attribute-definitions").json()["total_count"]
    problem(api.post("/v1/attribute-definitions", body), 422, "validation_failed", field=field)
    assert api.get("/v1/attribute-definitions").json()["total_count"] == before


def test_46_03_names_are_unique_per_object_whatever_their_case(api, define):
    d = define("order", name=unique("PoNumber").replace("-", "_"))
    problem(api.post("/v1/attribute-definitions", {"object": "order",
                                                   "name": d["name"].upper()}), 409, "conflict")
    other = define("account", name=d["name"])  # another object may use the name
    assert other["name"] == d["name"]


def test_46_04_account_attributes_are_checked_and_normalised(api, define):
    """Writes are checked against the definitions: 422 naming the attribute; a date given as
    yyyy/MM/dd is stored as YYYY-MM-DD, a number or boolean given as a string as one."""
    since = define("account", type_="date", required=True)["name"]
    seats = define("account", type_="number")["name"]
    vip = define("account", type_="boolean")["name"]
    r = api.post("/v1/accounts", {"key": unique("a"), "name": "A", "attributes": {
        since: "2026/03/01", seats: "25", vip: "TRUE", "free": {"any": ["thing"]}}})
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["attributes"] == {since: "2026-03-01", seats: 25, vip: True,
                               "free": {"any": ["thing"]}}
    assert api.get(f"/v1/accounts/{a['id']}").json()["attributes"] == a["attributes"]
    problem(api.post("/v1/accounts", {"key": unique("a"), "name": "A"}), 422,
            "validation_failed", field=f"attributes.{since}")
    problem(api.post("/v1/accounts", {"key": unique("a"), "name": "A",
                                      "attributes": {since: None}}), 422, "validation_failed",
            field=f"attributes.{since}")
    doc = problem(api.post("/v1/accounts", {"key": unique("a"), "name": "A", "attributes": {
        since: "2026/02/30", seats: "many", vip: "maybe"}}), 422, "validation_failed")
    assert {e["field"] for e in doc["errors"]} == {f"attributes.{n}" for n in (since, seats, vip)}
    # names are matched without case; the error names the attribute as given
    problem(api.post("/v1/accounts", {"key": unique("a"), "name": "A",
                                      "attributes": {since.upper(): "03/01/2026"}}), 422,
            "validation_failed", field=f"attributes.{since.upper()}")
    # a change that gives the attributes is checked; one that does not is not
    assert api.patch(f"/v1/accounts/{a['id']}", {"name": "B"}).status_code == 200
    problem(api.patch(f"/v1/accounts/{a['id']}", {"attributes": {seats: 3}}), 422,
            "validation_failed", field=f"attributes.{since}")
    assert api.get(f"/v1/accounts/{a['id']}").json()["attributes"] == a["attributes"]


def test_46_05_order_and_line_item_attributes_are_checked(api, define):
    """Orders and their line items (created, added, changed) are checked against their own
    definitions; nothing of a refused order is written."""
    po = define("order", type_="string", required=True)["name"]
    when = define("line_item", type_="date")["name"]
    acc = api.make_account()
    p = granting_product(api)
    body = {"account": acc["id"], "attributes": {po: "PO-1"},
            "items": [{"product": p["key"], "attributes": {when: "2026/12/31"}}]}
    r = api.post("/v1/orders", body)
    assert r.status_code == 201, r.text
    o = r.json()
    assert o["items"][0]["attributes"] == {when: "2026-12-31"}
    problem(api.post("/v1/orders", {"account": acc["id"], "items": [{"product": p["key"]}]}),
            422, "validation_failed", field=f"attributes.{po}")
    problem(api.post("/v1/orders", dict(body, items=[{"product": p["key"]},
                                                     {"product": p["key"],
                                                      "attributes": {when: 5}}])),
            422, "validation_failed", field=f"items[1].attributes.{when}")
    assert api.get(f"/v1/orders?account={acc['id']}").json()["total_count"] == 1
    problem(api.post(f"/v1/orders/{o['id']}/items",
                     {"items": [{"product": p["key"], "attributes": {when: "soon"}}]}),
            422, "validation_failed", field=f"items[0].attributes.{when}")
    item = o["items"][0]
    problem(api.patch(f"/v1/orders/{o['id']}/items/{item['activation_id']}",
                      {"attributes": {when: "2026-13-01"}}), 422, "validation_failed",
            field=f"attributes.{when}")
    r = api.patch(f"/v1/orders/{o['id']}/items/{item['activation_id']}",
                  {"attributes": {when: "2027/01/15"}})
    assert r.status_code == 200 and r.json()["items"][0]["attributes"] == {when: "2027-01-15"}
    problem(api.patch(f"/v1/orders/{o['id']}", {"attributes": {}}), 422, "validation_failed",
            field=f"attributes.{po}")
    assert api.get(f"/v1/orders/{o['id']}").json()["attributes"] == {po: "PO-1"}


def test_46_06_entitlement_and_license_model_attributes_are_checked(api, define):
    """Manual grants and changes of an entitlement, and a product's license model, are
    checked against the definitions of entitlements and license models."""
    renew = define("entitlement", type_="date")["name"]
    cap = define("license_model", type_="number", required=True)["name"]
    acc = api.make_account()
    p = granting_product(api)
    r = api.post("/v1/entitlements", {"account": acc["id"], "product": p["key"],
                                      "attributes": {renew: "2026/06/30"}})
    assert r.status_code == 201 and r.json()["attributes"] == {renew: "2026-06-30"}
    e = r.json()
    problem(api.patch(f"/v1/entitlements/{e['id']}", {"attributes": {renew: "June"}}), 422,
            "validation_failed", field=f"attributes.{renew}")
    problem(api.post("/v1/entitlements", {"account": acc["id"], "product": p["key"],
                                          "attributes": {renew: True}}), 422,
            "validation_failed", field=f"attributes.{renew}")
    assert api.get(f"/v1/entitlements?account={acc['id']}").json()["total_count"] == 1
    lm = {"name": unique("LM"), "attributes": {cap: "10"}}
    q = api.make_product(license_model=lm)
    assert q["license_model"]["attributes"] == {cap: 10}
    problem(api.post("/v1/products", {"key": unique("p"), "name": "P",
                                      "category": "recurring_services",
                                      "license_model": {"name": "x"}}), 422,
            "validation_failed", field=f"license_model.attributes.{cap}")
    problem(api.patch(f"/v1/products/{q['id']}", {"license_model": {"attributes": {cap: "x"}}}),
            422, "validation_failed", field=f"license_model.attributes.{cap}")
    # a product without a license model has nothing to check
    assert api.make_product()["license_model"] is None


def test_46_07_who_may_define(api, define):
    """Admin keys define and delete; read keys read; account keys neither."""
    d = define("order")
    acc = api.make_account()
    reader = api.with_key(api.make_key("read")["key"])
    own = api.with_key(api.make_key("account", acc["id"])["key"])
    assert reader.get(f"/v1/attribute-definitions/{d['id']}").status_code == 200
    assert reader.get("/v1/attribute-definitions").status_code == 200
    problem(reader.post("/v1/attribute-definitions", {"object": "order", "name": "x"}), 403,
            "forbidden")
    problem(reader.delete(f"/v1/attribute-definitions/{d['id']}"), 403, "forbidden")
    problem(own.get("/v1/attribute-definitions"), 403, "forbidden")
    problem(own.get(f"/v1/attribute-definitions/{d['id']}"), 403, "forbidden")
    problem(api.delete("/v1/attribute-definitions/01900000-0000-7000-8000-000000000000"), 404,
            "not_found")
    problem(api.get("/v1/attribute-definitions?object=product"), 422, "validation_failed",
            field="object")
