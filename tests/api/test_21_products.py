# SPDX-License-Identifier: MIT
"""Products (API.md "Routes": /v1/products, /v1/products/{p}/entitlements/{f}; "Product
entitlement"): categories, grants checked against their features' types and levels, bundles,
lease limits, the license model, and the audit events of every change."""
import secrets

import pytest

from client import Client, problem, unique
from helpers import events_count, events_since, last_event_id, list_all, ms, tick


def seats(api, **fields):
    """A quantity feature: 5, 20, unlimited users."""
    body = dict(type="quantity", unit="user",
                levels=[{"value": "5"}, {"value": "20"}, {"value": "unlimited"}])
    body.update(fields)
    return api.make_feature(**body)


def grants(product):
    return [(e["feature"], e["value"], e["name"]) for e in product["entitlements"]]


def create_body(**fields):
    body = {"key": unique("p"), "name": "Product", "category": "other"}
    body.update(fields)
    return body


# --------------------------------------------------------------------------------------------
# Create and read
# --------------------------------------------------------------------------------------------

def test_21_01_create_answers_the_whole_product(api):
    f = seats(api)
    sw = api.make_feature(type="switch")
    key = unique("plan")
    r = api.post("/v1/products", {
        "key": key, "name": "Team plan", "category": "recurring_services",
        "description": "For teams", "attributes": {"sku": "TEAM-1", "n": [1, 2]},
        "entitlements": [{"feature": f["key"], "value": "20"},
                         {"feature": sw["key"], "value": "true"}]})
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["key"] == key and p["name"] == "Team plan"
    assert p["category"] == "recurring_services" and p["description"] == "For teams"
    assert p["status"] == "active"
    assert p["attributes"] == {"sku": "TEAM-1", "n": [1, 2]}
    assert p["entitlements"] == [{"feature": f["key"], "value": "20", "name": "20 users"},
                                 {"feature": sw["key"], "value": "true", "name": "Available"}]
    assert p["components"] == [] and p["license_model"] is None
    assert p["max_leases"] is None and p["max_lease_days"] is None
    assert p["created_at"] == p["updated_at"]


def test_21_02_defaults_of_a_minimal_product(api):
    p = api.make_product()
    assert p["description"] is None and p["entitlements"] == [] and p["components"] == []
    assert p["attributes"] == {} and p["status"] == "active"
    assert p["license_model"] is None
    assert p["max_leases"] is None and p["max_lease_days"] is None


@pytest.mark.parametrize("category", ["recurring_services", "professional_services",
                                      "customer_support", "physical_goods", "other"])
def test_21_03_every_category_can_be_created_and_read(api, category):
    p = api.make_product(category=category)
    assert p["category"] == category
    assert api.get(f"/v1/products/{p['key']}").json()["category"] == category


def test_21_04_read_by_id_or_key(api):
    p = api.make_product(entitlements=[{"feature": seats(api)["key"], "value": "5"}])
    assert api.get(f"/v1/products/{p['id']}").json() == p
    assert api.get(f"/v1/products/{p['key']}").json() == p
    problem(api.get("/v1/products/no-such-product"), 404, "not_found")
    problem(api.get("/v1/products/0190a0b4-0000-7000-8000-000000000000"), 404, "not_found")


def test_21_05_feature_may_be_named_by_id_and_the_answer_names_its_key(api):
    f = seats(api)
    p = api.make_product(entitlements=[{"feature": f["id"], "value": "5"}])
    assert grants(p) == [(f["key"], "5", "5 users")]


# --------------------------------------------------------------------------------------------
# Product entitlements: values against the feature's type and levels
# --------------------------------------------------------------------------------------------

QTY_USERS = {"type": "quantity", "unit": "user",
             "levels": [{"value": "1"}, {"value": "20"}, {"value": "unlimited"}]}
QTY_BARE = {"type": "quantity", "levels": [{"value": "5"}, {"value": "unlimited"}]}
RANGE = {"type": "range", "unit": "seat", "levels": [{"value": "10"}, {"value": "100"}]}
RANGE_OPEN = {"type": "range", "unit": "seat",
              "levels": [{"value": "10"}, {"value": "unlimited", "is_unlimited": True}]}
CUSTOM = {"type": "custom", "levels": [{"value": "basic"}, {"value": "pro", "name": "Pro!"}]}
SWITCH = {"type": "switch"}
METERED = {"type": "metered", "unit": "call", "reset_period": "month"}
METERED_LEVELS = {"type": "metered", "unit": "call", "reset_period": "day",
                  "levels": [{"value": "1000"}, {"value": "unlimited"}]}


@pytest.mark.parametrize("feature,value,stored,name", [
    (QTY_USERS, "20", "20", "20 users"),
    (QTY_USERS, "1", "1", "1 user"),
    (QTY_USERS, "unlimited", "unlimited", "Unlimited users"),
    (QTY_USERS, "UNLIMITED", "unlimited", "Unlimited users"),
    (QTY_USERS, "Unlimited", "unlimited", "Unlimited users"),
    (QTY_BARE, "5", "5", "5"),
    (QTY_BARE, "unlimited", "unlimited", "Unlimited"),
    (RANGE, "10", "10", "10 seats"),
    (RANGE, "55", "55", "55 seats"),
    (RANGE, "100", "100", "100 seats"),
    (RANGE_OPEN, "10", "10", "10 seats"),
    (RANGE_OPEN, "5000000", "5000000", "5000000 seats"),
    (RANGE_OPEN, "uNlImItEd", "unlimited", "Unlimited seats"),
    (CUSTOM, "basic", "basic", "basic"),
    (CUSTOM, "pro", "pro", "pro"),
    (SWITCH, "true", "true", "Available"),
    (SWITCH, "available", "true", "Available"),
    (SWITCH, "Available", "true", "Available"),
    (SWITCH, "TRUE", "true", "Available"),
    (SWITCH, "false", "false", "Not Available"),
    (METERED, "0", "0", "0 calls"),
    (METERED, "1", "1", "1 call"),
    (METERED, "123456", "123456", "123456 calls"),
    (METERED_LEVELS, "1000", "1000", "1000 calls"),
    (METERED_LEVELS, "unlimited", "unlimited", "Unlimited calls"),
])
def test_21_06_valid_values_are_normalised_and_named(api, feature, value, stored, name):
    """API.md "Product entitlement": name generated unless given; "unlimited" is matched
    case-insensitively; switch accepts available for true; metered without levels: any whole
    number."""
    f = api.make_feature(**feature)
    p = api.make_product(entitlements=[{"feature": f["key"], "value": value}])
    assert p["entitlements"] == [{"feature": f["key"], "value": stored, "name": name}]
    assert api.get(f"/v1/products/{p['id']}").json()["entitlements"] == p["entitlements"]


@pytest.mark.parametrize("feature,value", [
    (QTY_USERS, "7"),            # not a level
    (QTY_USERS, "020"),          # not the level's spelling
    (QTY_USERS, "20.0"),
    (QTY_USERS, "-20"),
    (QTY_USERS, "twenty"),
    (QTY_USERS, ""),
    ({"type": "quantity", "levels": [{"value": "5"}]}, "unlimited"),  # no unlimited level
    ({"type": "quantity", "levels": [{"value": "5"}]}, "UNLIMITED"),
    (RANGE, "9"),                # below the lower bound
    (RANGE, "101"),              # above the upper bound
    (RANGE, "unlimited"),        # no unlimited level
    (RANGE, "50.5"),
    (RANGE_OPEN, "9"),
    (CUSTOM, "enterprise"),      # not a custom level
    (CUSTOM, "Pro!"),            # a level's name is not its value
    (CUSTOM, "unlimited"),
    (SWITCH, "yes"),
    (SWITCH, "1"),
    (SWITCH, "unlimited"),
    (SWITCH, ""),
    (METERED, "unlimited"),      # no levels, so no unlimited level
    (METERED, "-1"),
    (METERED, "1.5"),
    (METERED, "lots"),
    (METERED_LEVELS, "999"),     # levels given: the value must be one of them
])
def test_21_07_values_the_feature_does_not_allow_are_422_naming_the_item(api, feature, value):
    """API.md: a value the feature's type and levels do not allow: 422 naming the field."""
    ok = api.make_feature(type="switch")
    f = api.make_feature(**feature)
    body = create_body(entitlements=[{"feature": ok["key"], "value": "true"},
                                     {"feature": f["key"], "value": value}])
    before = events_count(api)
    problem(api.post("/v1/products", body), 422, "validation_failed", "entitlements[1].value")
    assert events_count(api) == before
    problem(api.get(f"/v1/products/{body['key']}"), 404, "not_found")


def test_21_08_range_with_an_unlimited_level_takes_any_number_from_the_lower_bound(api):
    """Seed 001: a range feature with an unlimited level takes any whole number equal to or
    greater than its lower bound, or unlimited; without one, a number between the bounds."""
    f = api.make_feature(type="range", levels=[{"value": "10"}, {"value": "100"},
                                               {"value": "unlimited"}])
    for value in ("10", "100", "101", "999999", "Unlimited"):
        p = api.make_product(entitlements=[{"feature": f["key"], "value": value}])
        assert p["entitlements"][0]["value"] == value.lower()
    body = create_body(entitlements=[{"feature": f["key"], "value": "9"}])
    problem(api.post("/v1/products", body), 422, "validation_failed", "entitlements[0].value")
    problem(api.get(f"/v1/products/{body['key']}"), 404, "not_found")


def test_21_09_given_names_are_kept(api):
    f, sw, c = seats(api), api.make_feature(type="switch"), api.make_feature(**CUSTOM)
    p = api.make_product(entitlements=[
        {"feature": f["key"], "value": "unlimited", "name": "Everyone"},
        {"feature": sw["key"], "value": "available", "name": "SSO included"},
        {"feature": c["key"], "value": "pro", "name": "Professional"}])
    assert grants(p) == [(f["key"], "unlimited", "Everyone"),
                         (sw["key"], "true", "SSO included"),
                         (c["key"], "pro", "Professional")]


@pytest.mark.parametrize("item,field", [
    ({"feature": "no-such-feature", "value": "1"}, "entitlements[0].feature"),
    ({"feature": "", "value": "1"}, "entitlements[0].feature"),
    ({"value": "1"}, "entitlements[0].feature"),
    ({"feature": "@SEATS", "value": "1"}, "entitlements[0].value"),
    ({"feature": "@SEATS"}, "entitlements[0].value"),
    ({"feature": "@SEATS", "value": 20}, "entitlements[0].value"),
    ({"feature": "@SEATS", "value": "20", "name": ""}, "entitlements[0].name"),
    ({"feature": "@SEATS", "value": "20", "name": 7}, "entitlements[0].name"),
    ({"feature": "@SEATS", "value": "20", "colour": "red"}, "entitlements[0].colour"),
    ("seats=20", "entitlements[0]"),
])
def test_21_10_malformed_entitlement_items_are_422_naming_the_member(api, item, field):
    f = seats(api)
    if isinstance(item, dict):
        item = {k: (f["key"] if v == "@SEATS" else v) for k, v in item.items()}
    body = create_body(entitlements=[item])
    before = events_count(api)
    problem(api.post("/v1/products", body), 422, "validation_failed", field)
    assert events_count(api) == before
    problem(api.get(f"/v1/products/{body['key']}"), 404, "not_found")


def test_21_11_the_same_feature_twice_is_refused_even_by_id_and_key(api):
    f = seats(api)
    for second in (f["key"], f["id"]):
        body = create_body(entitlements=[{"feature": f["key"], "value": "5"},
                                         {"feature": second, "value": "20"}])
        problem(api.post("/v1/products", body), 422, "validation_failed",
                "entitlements[1].feature")
        problem(api.get(f"/v1/products/{body['key']}"), 404, "not_found")


def test_21_12_every_bad_item_is_reported_at_once(api):
    f = seats(api)
    body = create_body(entitlements=[{"feature": "nope-nope", "value": "1"},
                                     {"feature": f["key"], "value": "6"}])
    doc = problem(api.post("/v1/products", body), 422, "validation_failed")
    fields = {e["field"] for e in doc["errors"]}
    assert {"entitlements[0].feature", "entitlements[1].value"} <= fields


def test_21_13_an_archived_feature_may_not_be_newly_granted(api):
    f = seats(api)
    granted = api.make_product(entitlements=[{"feature": f["key"], "value": "20"}])
    assert api.patch(f"/v1/features/{f['id']}", {"status": "archived"}).status_code == 200
    # Not on create,
    body = create_body(entitlements=[{"feature": f["key"], "value": "20"}])
    problem(api.post("/v1/products", body), 422, "validation_failed", "entitlements[0].feature")
    problem(api.get(f"/v1/products/{body['key']}"), 404, "not_found")
    # not by PUT on a product that does not grant it,
    other = api.make_product()
    problem(api.put(f"/v1/products/{other['id']}/entitlements/{f['key']}", {"value": "5"}),
            422, "validation_failed", "feature")
    assert api.get(f"/v1/products/{other['id']}").json() == other
    # and not at another value by PATCH; the grant it has already survives a PATCH unchanged.
    problem(api.patch(f"/v1/products/{granted['id']}",
                      {"entitlements": [{"feature": f["key"], "value": "5"}]}),
            422, "validation_failed", "entitlements[0].feature")
    assert api.get(f"/v1/products/{granted['id']}").json() == granted
    r = api.patch(f"/v1/products/{granted['id']}",
                  {"name": "Renamed", "entitlements": [{"feature": f["key"], "value": "20"}]})
    assert r.status_code == 200, r.text
    assert grants(r.json()) == [(f["key"], "20", "20 users")]


# --------------------------------------------------------------------------------------------
# Other fields: validation
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fields,field", [
    ({"key": "Not A Slug"}, "key"),
    ({"key": "-starts-with-dash"}, "key"),
    ({"key": "k" * 65}, "key"),
    ({"key": 5}, "key"),
    ({"name": ""}, "name"),
    ({"name": 5}, "name"),
    ({"name": "n" * 5000}, "name"),
    ({"category": "software"}, "category"),
    ({"category": None}, "category"),
    ({"description": 5}, "description"),
    ({"attributes": [1]}, "attributes"),
    ({"attributes": "x"}, "attributes"),
    ({"status": "active"}, "status"),           # not a create field
    ({"unexpected": 1}, "unexpected"),
    ({"entitlements": {"feature": "x"}}, "entitlements"),
    ({"components": "p"}, "components"),
    ({"max_leases": 0}, "max_leases"),
    ({"max_leases": -1}, "max_leases"),
    ({"max_leases": "3"}, "max_leases"),
    ({"max_leases": 1.5}, "max_leases"),
    ({"max_lease_days": 0}, "max_lease_days"),
    ({"max_lease_days": -30}, "max_lease_days"),
    ({"max_lease_days": True}, "max_lease_days"),
    ({"license_model": "acme"}, "license_model"),
    ({"license_model": [1]}, "license_model"),
    ({"license_model": {"issuer": "Acme", "colour": "red"}}, "license_model.colour"),
    ({"license_model": {"issuer": 5}}, "license_model.issuer"),
])
def test_21_14_invalid_fields_are_422_naming_the_field_and_change_nothing(api, fields, field):
    body = create_body(**fields)
    before = events_count(api)
    problem(api.post("/v1/products", body), 422, "validation_failed", field)
    assert events_count(api) == before
    if isinstance(body["key"], str):
        assert api.get(f"/v1/products/{body['key']}").status_code in (404, 405)


def test_21_15_missing_required_fields_are_all_named(api):
    doc = problem(api.post("/v1/products", {}), 422, "validation_failed")
    assert {"key", "name", "category"} <= {e["field"] for e in doc["errors"]}


def test_21_16_duplicate_key_is_409_conflict_and_changes_nothing(api):
    p = api.make_product(name="First")
    before = events_count(api)
    problem(api.post("/v1/products", create_body(key=p["key"], name="Second")), 409, "conflict")
    assert events_count(api) == before
    assert api.get(f"/v1/products/{p['key']}").json() == p


# issue 13 (signed licenses): a license model also has a name, a serial number prefix and
# self-service (test_96_licenses.py), none of them given here; issue 17 (seed 004): custom
# attributes (test_46_attribute_definitions.py).
NO_LICENSE_EXTRAS = {"name": None, "serial_number_prefix": None, "self_service": False,
                     "attributes": {}}


def test_21_17_license_model_and_lease_limits(api):
    p = api.make_product(license_model={"issuer": "Acme Inc.", "vendor_string": "v=1"},
                         max_leases=3, max_lease_days=30)
    assert p["license_model"] == {"issuer": "Acme Inc.", "vendor_string": "v=1", "notice": None,
                                  **NO_LICENSE_EXTRAS}
    assert p["max_leases"] == 3 and p["max_lease_days"] == 30
    r = api.patch(f"/v1/products/{p['id']}", {"max_leases": None})
    assert r.status_code == 200, r.text
    q = r.json()
    assert q["max_leases"] is None and q["max_lease_days"] == 30
    assert q["license_model"] == p["license_model"]
    for bad in ({"max_lease_days": 0}, {"max_lease_days": -1}, {"max_leases": 0},
                {"license_model": {"notice": "x", "unknown": 1}}):
        doc = problem(api.patch(f"/v1/products/{p['id']}", bad), 422, "validation_failed")
        assert doc["errors"], doc
    assert api.get(f"/v1/products/{p['id']}").json() == q
    r = api.patch(f"/v1/products/{p['id']}", {"license_model": {"notice": "(c) Acme"},
                                              "max_lease_days": None, "max_leases": 1})
    assert r.status_code == 200, r.text
    q = r.json()
    assert q["license_model"] == {"issuer": None, "vendor_string": None, "notice": "(c) Acme",
                                  **NO_LICENSE_EXTRAS}
    assert q["max_lease_days"] is None and q["max_leases"] == 1
    q = api.patch(f"/v1/products/{p['id']}", {"license_model": None}).json()
    assert q["license_model"] is None and q["max_leases"] == 1


# --------------------------------------------------------------------------------------------
# Bundles
# --------------------------------------------------------------------------------------------

def test_21_18_bundle_components_with_quantity(api):
    a, b = api.make_product(), api.make_product()
    bundle = api.make_product(components=[{"product": a["key"], "quantity": 3},
                                          {"product": b["id"]}])
    assert bundle["components"] == [{"product": a["key"], "quantity": 3},
                                    {"product": b["key"], "quantity": 1}]
    assert api.get(f"/v1/products/{bundle['key']}").json()["components"] == bundle["components"]


@pytest.mark.parametrize("component,field", [
    ({"product": "no-such-product"}, "components[0].product"),
    ({"product": ""}, "components[0].product"),
    ({"quantity": 2}, "components[0].product"),
    ({"product": "@A", "quantity": 0}, "components[0].quantity"),
    ({"product": "@A", "quantity": -2}, "components[0].quantity"),
    ({"product": "@A", "quantity": "2"}, "components[0].quantity"),
    ({"product": "@A", "quantity": 1.5}, "components[0].quantity"),
    ({"product": "@A", "colour": "red"}, "components[0].colour"),
    ("just-a-key", "components[0]"),
])
def test_21_19_bad_components_are_422_naming_the_member(api, component, field):
    a = api.make_product()
    if isinstance(component, dict):
        component = {k: (a["key"] if v == "@A" else v) for k, v in component.items()}
    body = create_body(components=[component])
    before = events_count(api)
    problem(api.post("/v1/products", body), 422, "validation_failed", field)
    assert events_count(api) == before
    problem(api.get(f"/v1/products/{body['key']}"), 404, "not_found")


def test_21_20_the_same_component_twice_is_refused(api):
    a = api.make_product()
    body = create_body(components=[{"product": a["key"]}, {"product": a["id"], "quantity": 2}])
    problem(api.post("/v1/products", body), 422, "validation_failed", "components[1].product")
    problem(api.get(f"/v1/products/{body['key']}"), 404, "not_found")


def test_21_21_a_product_cannot_contain_itself(api):
    p = api.make_product()
    for ref in (p["key"], p["id"]):
        problem(api.patch(f"/v1/products/{p['id']}", {"components": [{"product": ref}]}),
                422, "validation_failed", "components[0].product")
    assert api.get(f"/v1/products/{p['id']}").json() == p


def test_21_22_a_cycle_made_by_patch_is_refused(api):
    b = api.make_product()
    a = api.make_product(components=[{"product": b["key"]}])
    before = events_count(api)
    problem(api.patch(f"/v1/products/{b['key']}", {"components": [{"product": a["key"]}]}),
            422, "validation_failed", "components[0].product")
    assert events_count(api) == before
    assert api.get(f"/v1/products/{b['id']}").json() == b
    # A longer loop: a -> b -> c, then c -> a.
    c = api.make_product()
    assert api.patch(f"/v1/products/{b['id']}",
                     {"components": [{"product": c["id"]}]}).status_code == 200
    problem(api.patch(f"/v1/products/{c['id']}",
                      {"components": [{"product": api.make_product()["key"]},
                                      {"product": a["id"]}]}),
            422, "validation_failed", "components[1].product")
    assert api.get(f"/v1/products/{c['id']}").json()["components"] == []


def test_21_23_shared_components_are_not_a_cycle(api):
    leaf = api.make_product()
    x = api.make_product(components=[{"product": leaf["key"]}])
    y = api.make_product(components=[{"product": leaf["key"], "quantity": 2}])
    top = api.make_product()
    r = api.patch(f"/v1/products/{top['id']}",
                  {"components": [{"product": x["key"]}, {"product": y["key"]},
                                  {"product": leaf["key"]}]})
    assert r.status_code == 200, r.text
    assert [c["product"] for c in r.json()["components"]] == [x["key"], y["key"], leaf["key"]]


def test_21_24_a_component_of_a_bundle_cannot_be_deleted_until_removed(api):
    part, other = api.make_product(), api.make_product()
    bundle = api.make_product(components=[{"product": other["key"]},
                                          {"product": part["key"], "quantity": 2}])
    before = events_count(api)
    problem(api.delete(f"/v1/products/{part['key']}"), 409, "conflict")
    assert events_count(api) == before
    assert api.get(f"/v1/products/{part['id']}").json() == part
    r = api.patch(f"/v1/products/{bundle['id']}", {"components": [{"product": other["key"]}]})
    assert r.status_code == 200, r.text
    assert api.delete(f"/v1/products/{part['key']}").status_code == 204
    problem(api.get(f"/v1/products/{part['id']}"), 404, "not_found")
    # A bundle itself can be deleted; its components stay.
    assert api.delete(f"/v1/products/{bundle['id']}").status_code == 204
    assert api.get(f"/v1/products/{other['id']}").json() == other
    assert api.delete(f"/v1/products/{other['id']}").status_code == 204


# --------------------------------------------------------------------------------------------
# PATCH
# --------------------------------------------------------------------------------------------

def test_21_25_patch_changes_only_what_is_given(api):
    f, sw = seats(api), api.make_feature(type="switch")
    comp = api.make_product()
    p = api.make_product(description="d", attributes={"a": 1}, max_leases=2,
                         license_model={"issuer": "I"},
                         entitlements=[{"feature": f["key"], "value": "5"}],
                         components=[{"product": comp["key"], "quantity": 2}])
    r = api.patch(f"/v1/products/{p['key']}", {"name": "Renamed", "category": "other"})
    assert r.status_code == 200, r.text
    q = r.json()
    assert q["name"] == "Renamed" and q["category"] == "other"
    for k in ("id", "key", "description", "attributes", "max_leases", "max_lease_days",
              "license_model", "entitlements", "components", "status", "created_at"):
        assert q[k] == p[k], k
    assert ms(q["updated_at"]) >= ms(p["updated_at"])  # as times: "…20Z" is before "…20.003Z"
    assert api.get(f"/v1/products/{p['id']}").json() == q
    # Lists given replace the whole list and leave the other list alone.
    q = api.patch(f"/v1/products/{p['id']}",
                  {"entitlements": [{"feature": sw["key"], "value": "true"},
                                    {"feature": f["key"], "value": "unlimited"}]}).json()
    assert grants(q) == [(sw["key"], "true", "Available"),
                         (f["key"], "unlimited", "Unlimited users")]
    assert q["components"] == p["components"]
    q = api.patch(f"/v1/products/{p['id']}", {"components": []}).json()
    assert q["components"] == [] and len(q["entitlements"]) == 2
    q = api.patch(f"/v1/products/{p['id']}",
                  {"entitlements": [], "description": None, "attributes": {"b": 2}}).json()
    assert q["entitlements"] == [] and q["description"] is None and q["attributes"] == {"b": 2}
    assert q["name"] == "Renamed" and q["license_model"] == {"issuer": "I", "vendor_string": None,
                                                            "notice": None, **NO_LICENSE_EXTRAS}


def test_21_26_patch_attributes_null_clears_them(api):
    """PATCH with "attributes": null empties the attributes (null clears a field, as
    "description": null and "license_model": null do); it is not silently ignored."""
    p = api.make_product(attributes={"x": 1})
    r = api.patch(f"/v1/products/{p['id']}", {"attributes": None})
    assert r.status_code == 200, r.text
    assert r.json()["attributes"] == {}
    assert api.get(f"/v1/products/{p['id']}").json()["attributes"] == {}


@pytest.mark.parametrize("patch,field", [
    ({"key": "new-key"}, "key"),
    ({"name": ""}, "name"),
    ({"category": "software"}, "category"),
    ({"status": "gone"}, "status"),
    ({"attributes": [1]}, "attributes"),
    ({"unexpected": True}, "unexpected"),
    ({"entitlements": [{"feature": "@F", "value": "6"}]}, "entitlements[0].value"),
    ({"entitlements": [{"feature": "nope-nope", "value": "6"}]}, "entitlements[0].feature"),
    ({"entitlements": [{"feature": "@F", "value": "5"}, {"feature": "@F", "value": "20"}]},
     "entitlements[1].feature"),
    ({"components": [{"product": "nope-nope"}]}, "components[0].product"),
    ({"components": [{"product": "@C", "quantity": 0}]}, "components[0].quantity"),
    ({"max_leases": 0}, "max_leases"),
    ({"max_lease_days": -1}, "max_lease_days"),
    ({"license_model": {"issuer": "x", "extra": 1}}, "license_model.extra"),
])
def test_21_27_patch_refuses_bad_fields_and_changes_nothing(api, patch, field):
    f = seats(api)
    comp = api.make_product()
    p = api.make_product(entitlements=[{"feature": f["key"], "value": "20"}],
                         components=[{"product": comp["key"]}])

    def fill(v):
        if v == "@F":
            return f["key"]
        if v == "@C":
            return comp["key"]
        if isinstance(v, list):
            return [fill(x) for x in v]
        if isinstance(v, dict):
            return {k: fill(x) for k, x in v.items()}
        return v

    before = events_count(api)
    problem(api.patch(f"/v1/products/{p['id']}", fill(patch)), 422, "validation_failed", field)
    assert events_count(api) == before
    assert api.get(f"/v1/products/{p['id']}").json() == p


def test_21_28_archive_and_unarchive(api):
    p = api.make_product()
    r = api.patch(f"/v1/products/{p['id']}", {"status": "archived"})
    assert r.status_code == 200 and r.json()["status"] == "archived"
    listed = api.get(f"/v1/products?status=archived&search={p['key']}").json()["data"]
    assert [x["id"] for x in listed] == [p["id"]]
    assert api.get(f"/v1/products?status=active&search={p['key']}").json()["total_count"] == 0
    assert api.patch(f"/v1/products/{p['key']}", {"status": "active"}).json()["status"] == "active"


def test_21_29_unknown_product_is_404_on_every_route(api):
    f = seats(api)
    problem(api.patch("/v1/products/no-such-product", {"name": "x"}), 404, "not_found")
    problem(api.delete("/v1/products/no-such-product"), 404, "not_found")
    problem(api.put(f"/v1/products/no-such-product/entitlements/{f['key']}", {"value": "5"}),
            404, "not_found")
    problem(api.delete(f"/v1/products/no-such-product/entitlements/{f['key']}"),
            404, "not_found")


def test_21_30_delete(api):
    p = api.make_product(entitlements=[{"feature": seats(api)["key"], "value": "5"}])
    assert api.delete(f"/v1/products/{p['key']}").status_code == 204
    problem(api.get(f"/v1/products/{p['id']}"), 404, "not_found")
    problem(api.delete(f"/v1/products/{p['id']}"), 404, "not_found")
    # The key is free again.
    assert api.make_product(key=p["key"])["id"] != p["id"]


# --------------------------------------------------------------------------------------------
# One product entitlement: PUT and DELETE
# --------------------------------------------------------------------------------------------

def test_21_31_put_replaces_in_place_or_appends(api):
    """API.md: PUT /v1/products/{p}/entitlements/{f} sets one product entitlement."""
    f, sw, c = seats(api), api.make_feature(type="switch"), api.make_feature(**CUSTOM)
    p = api.make_product(entitlements=[{"feature": f["key"], "value": "5"},
                                       {"feature": sw["key"], "value": "false"}])
    r = api.put(f"/v1/products/{p['key']}/entitlements/{f['key']}", {"value": "UNLIMITED"})
    assert r.status_code == 200, r.text
    assert r.json() == {"feature": f["key"], "value": "unlimited", "name": "Unlimited users"}
    r = api.put(f"/v1/products/{p['id']}/entitlements/{c['id']}",
                {"value": "basic", "name": "Basic tier"})
    assert r.status_code == 200, r.text
    assert r.json() == {"feature": c["key"], "value": "basic", "name": "Basic tier"}
    q = api.get(f"/v1/products/{p['id']}").json()
    assert grants(q) == [(f["key"], "unlimited", "Unlimited users"),
                         (sw["key"], "false", "Not Available"),
                         (c["key"], "basic", "Basic tier")]
    # A given name is replaced by the generated one when the next PUT gives none.
    r = api.put(f"/v1/products/{p['id']}/entitlements/{c['key']}", {"value": "pro"})
    assert r.json() == {"feature": c["key"], "value": "pro", "name": "pro"}
    r = api.put(f"/v1/products/{p['id']}/entitlements/{sw['key']}", {"value": "available"})
    assert r.json() == {"feature": sw["key"], "value": "true", "name": "Available"}
    q = api.get(f"/v1/products/{p['id']}").json()
    assert [e["feature"] for e in q["entitlements"]] == [f["key"], sw["key"], c["key"]]
    assert q["created_at"] == p["created_at"] and q["name"] == p["name"]


@pytest.mark.parametrize("body,field", [
    ({"value": "7"}, "value"),
    ({"value": "unlimited", "name": "x"}, "value"),
    ({"value": ""}, "value"),
    ({"value": 20}, "value"),
    ({}, "value"),
    ({"value": "20", "name": ""}, "name"),
    ({"value": "20", "feature": "x"}, "feature"),
    ({"value": "20", "colour": "red"}, "colour"),
])
def test_21_32_put_with_a_bad_body_is_422_and_changes_nothing(api, body, field):
    f = api.make_feature(type="quantity", levels=[{"value": "5"}, {"value": "20"}])
    p = api.make_product(entitlements=[{"feature": f["key"], "value": "5"}])
    before = events_count(api)
    problem(api.put(f"/v1/products/{p['id']}/entitlements/{f['key']}", body),
            422, "validation_failed", field)
    assert events_count(api) == before
    assert api.get(f"/v1/products/{p['id']}").json() == p


def test_21_33_put_on_an_unknown_product_or_feature_is_404(api):
    f = seats(api)
    p = api.make_product()
    problem(api.put(f"/v1/products/{p['id']}/entitlements/no-such-feature", {"value": "5"}),
            404, "not_found")
    problem(api.put(f"/v1/products/no-such-product/entitlements/{f['key']}", {"value": "5"}),
            404, "not_found")
    assert api.get(f"/v1/products/{p['id']}").json() == p


def test_21_34_delete_one_entitlement(api):
    f, sw, g = seats(api), api.make_feature(type="switch"), seats(api)
    p = api.make_product(entitlements=[{"feature": f["key"], "value": "5"},
                                       {"feature": sw["key"], "value": "true"},
                                       {"feature": g["key"], "value": "20"}])
    r = api.delete(f"/v1/products/{p['key']}/entitlements/{sw['key']}")
    assert r.status_code == 204, r.text
    assert grants(api.get(f"/v1/products/{p['id']}").json()) == \
        [(f["key"], "5", "5 users"), (g["key"], "20", "20 users")]
    problem(api.delete(f"/v1/products/{p['key']}/entitlements/{sw['key']}"), 404, "not_found")
    assert api.delete(f"/v1/products/{p['id']}/entitlements/{f['id']}").status_code == 204
    assert grants(api.get(f"/v1/products/{p['id']}").json()) == [(g["key"], "20", "20 users")]
    problem(api.delete(f"/v1/products/{p['id']}/entitlements/no-such-feature"), 404,
            "not_found")


def test_21_35_a_granted_feature_cannot_be_deleted_but_can_be_archived(api):
    """API.md: DELETE /v1/features/{f}: 409 while a product uses it; archive instead."""
    f = seats(api)
    p = api.make_product(entitlements=[{"feature": f["key"], "value": "20"}])
    problem(api.delete(f"/v1/features/{f['key']}"), 409, "conflict")
    assert api.get(f"/v1/features/{f['id']}").json()["status"] == "active"
    r = api.patch(f"/v1/features/{f['key']}", {"status": "archived"})
    assert r.status_code == 200 and r.json()["status"] == "archived"
    assert api.get(f"/v1/products/{p['id']}").json()["entitlements"] == p["entitlements"]
    problem(api.delete(f"/v1/features/{f['key']}"), 409, "conflict")
    # Once no product grants it, it can go.
    assert api.delete(f"/v1/products/{p['id']}/entitlements/{f['key']}").status_code == 204
    assert api.delete(f"/v1/features/{f['key']}").status_code == 204


def test_21_36_a_feature_granted_through_put_blocks_its_delete_too(api):
    f = seats(api)
    p = api.make_product()
    assert api.put(f"/v1/products/{p['id']}/entitlements/{f['key']}",
                   {"value": "5"}).status_code == 200
    problem(api.delete(f"/v1/features/{f['id']}"), 409, "conflict")
    assert api.delete(f"/v1/products/{p['id']}").status_code == 204
    assert api.delete(f"/v1/features/{f['id']}").status_code == 204


# --------------------------------------------------------------------------------------------
# Lists
# --------------------------------------------------------------------------------------------

def test_21_37_list_filters_search_sort_and_pages(api):
    tag = unique("plist") + "x"
    cats = ["other", "physical_goods", "other", "customer_support", "other"]
    made = [api.make_product(key=f"{tag}-{i}", name=f"{tag} {4 - i}", category=cat)
            for i, cat in enumerate(cats)]
    page = api.get(f"/v1/products?search={tag}&limit=2&sort=-key").json()
    assert page["total_count"] == 5 and page["count"] == 2
    assert [x["key"] for x in page["data"]] == [f"{tag}-4", f"{tag}-3"]
    assert page["previous"] is None and page["next"]
    nxt = api.get(page["next"]).json()
    assert [x["key"] for x in nxt["data"]] == [f"{tag}-2", f"{tag}-1"]
    assert nxt["previous"]
    back = api.get(nxt["previous"]).json()
    assert [x["key"] for x in back["data"]] == [f"{tag}-4", f"{tag}-3"]
    last = api.get(f"/v1/products?search={tag}&limit=2&offset=4&sort=-key").json()
    assert last["count"] == 1 and last["next"] is None
    assert [x["key"] for x in last["data"]] == [f"{tag}-0"]
    # Items are whole products.
    plain = api.get(f"/v1/products?search={tag}&sort=key").json()
    assert plain["data"] == sorted(made, key=lambda x: x["key"])
    # Sort by name (names run the other way round to keys).
    by_name = api.get(f"/v1/products?search={tag}&sort=name").json()["data"]
    assert [x["key"] for x in by_name] == [f"{tag}-{i}" for i in (4, 3, 2, 1, 0)]
    # Search ignores case and looks at names too.
    assert api.get(f"/v1/products?search={tag.upper()}").json()["total_count"] == 5
    # Category filter.
    others = api.get(f"/v1/products?search={tag}&category=other&sort=key").json()
    assert [x["key"] for x in others["data"]] == [f"{tag}-0", f"{tag}-2", f"{tag}-4"]
    assert api.get(f"/v1/products?search={tag}&category=professional_services") \
        .json()["total_count"] == 0
    # The filters combine, and the next link keeps them.
    combined = api.get(f"/v1/products?search={tag}&category=other&limit=1&sort=key").json()
    assert combined["total_count"] == 3
    assert [x["key"] for x in api.get(combined["next"]).json()["data"]] == [f"{tag}-2"]


@pytest.mark.parametrize("query,field", [
    ("limit=0", "limit"), ("limit=101", "limit"), ("limit=x", "limit"),
    ("offset=-1", "offset"), ("sort=colour", "sort"), ("sort=-description", "sort"),
    ("category=software", "category"), ("status=gone", "status"), ("type=switch", "type"),
])
def test_21_38_bad_list_queries_are_422(api, query, field):
    problem(api.get(f"/v1/products?{query}"), 422, "validation_failed", field)


# --------------------------------------------------------------------------------------------
# Keys and events
# --------------------------------------------------------------------------------------------

def test_21_39_read_keys_read_but_may_not_write(api):
    """API.md: a key that may not do this: 403."""
    f = seats(api)
    p = api.make_product(entitlements=[{"feature": f["key"], "value": "5"}])
    read = api.with_key(api.make_key("read")["key"])
    assert read.get(f"/v1/products/{p['key']}").json() == p
    assert read.get(f"/v1/products?search={p['key']}").json()["data"] == [p]
    before = events_count(api)
    problem(read.post("/v1/products", create_body()), 403, "forbidden")
    problem(read.patch(f"/v1/products/{p['id']}", {"name": "x"}), 403, "forbidden")
    problem(read.put(f"/v1/products/{p['id']}/entitlements/{f['key']}", {"value": "20"}),
            403, "forbidden")
    problem(read.delete(f"/v1/products/{p['id']}/entitlements/{f['key']}"), 403, "forbidden")
    problem(read.delete(f"/v1/products/{p['id']}"), 403, "forbidden")
    assert events_count(api) == before
    assert api.get(f"/v1/products/{p['id']}").json() == p


def test_21_40_account_keys_and_no_keys_are_refused(api, anon):
    p = api.make_product()
    acc = api.with_key(api.make_key("account", api.make_account()["id"])["key"])
    problem(acc.get(f"/v1/products/{p['id']}"), 403, "forbidden")
    problem(acc.post("/v1/products", create_body()), 403, "forbidden")
    problem(anon.get("/v1/products"), 401, "unauthorized")
    problem(anon.post("/v1/products", create_body()), 401, "unauthorized")


def test_21_41_every_change_is_an_event(api):
    f = seats(api)
    marker = last_event_id(api)
    tick()
    p = api.make_product(entitlements=[{"feature": f["key"], "value": "5"}])
    tick()
    api.patch(f"/v1/products/{p['id']}", {"name": "Renamed"})
    tick()
    api.put(f"/v1/products/{p['id']}/entitlements/{f['key']}", {"value": "20"})
    tick()
    api.delete(f"/v1/products/{p['id']}/entitlements/{f['key']}")
    tick()
    api.delete(f"/v1/products/{p['id']}")
    mine = [e for e in events_since(api, marker) if e["object"] == p["id"]]
    assert [e["type"] for e in mine] == ["product.created", "product.updated",
                                        "product.entitlement_set",
                                        "product.entitlement_removed", "product.deleted"]
    created, updated, put, removed, deleted = mine
    assert created["before"] is None and created["after"]["key"] == p["key"]
    assert updated["before"]["name"] == "Product" and updated["after"]["name"] == "Renamed"
    assert put["after"]["entitlements"][0]["value"] == "20"
    assert removed["after"]["entitlements"] == []
    assert deleted["before"]["key"] == p["key"] and deleted["after"] is None
    assert all(e["account"] is None and e["actor"] for e in mine)
    # The type filter finds them.
    typed = events_since(api, marker, "product.created")
    assert [e["object"] for e in typed if e["object"] == p["id"]] == [p["id"]]
    assert all(e["type"] == "product.created" for e in typed)


def test_21_42_refused_changes_are_no_events(api):
    f = seats(api)
    p = api.make_product(entitlements=[{"feature": f["key"], "value": "5"}])
    marker = last_event_id(api)
    tick()
    api.post("/v1/products", create_body(key=p["key"]))
    api.patch(f"/v1/products/{p['id']}", {"entitlements": [{"feature": f["key"],
                                                            "value": "6"}]})
    api.put(f"/v1/products/{p['id']}/entitlements/{f['key']}", {"value": "6"})
    api.delete(f"/v1/features/{f['id']}")
    api.delete(f"/v1/products/{p['id']}/entitlements/no-such-feature")
    assert [e for e in events_since(api, marker) if e["object"] in (p["id"], f["id"])] == []


def test_21_43_default_order_is_creation_order_even_within_one_millisecond(new_daemon):
    """docs/openapi.json (ProductSort): default: creation order, oldest first. Products made
    in a quick row share milliseconds; they must still come back in the order made. (Makes
    products until a dozen of them shared a millisecond with the one before, at most 2000; on a
    daemon of its own, as so large a catalog would slow every later catalog change of the
    shared one: on PostgreSQL the evaluate tests took 6 times as long after it.)"""
    d = new_daemon(admin_key="test-admin-" + secrets.token_hex(20))
    api = Client(d.url, d.admin_key)
    tag = unique("porder") + "x"
    made, ties = [], 0
    while ties < 12 and len(made) < 2000:
        p = api.make_product(key=f"{tag}-{len(made):03d}")
        ties += bool(made) and p["created_at"] == made[-1]["created_at"]
        made.append(p)
    listed = list_all(api, f"/v1/products?search={tag}&limit=100")
    assert [x["key"] for x in listed] == [x["key"] for x in made]
