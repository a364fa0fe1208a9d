# SPDX-License-Identifier: MIT
"""The catalog as seeds 001, 002 and 003 use it (issue 17, points 3, 4 and 6).

- Seed 001: a feature is created together with its product grants (`products`), in one
  transaction, each grant checked; `GET /v1/products?feature=` lists the products granting a
  feature, with the value each grants.
- Seed 002: feature names are unique, ASCII case-insensitively (409 `conflict` naming `name`);
  a store that already held names differing by case alone keeps them (schema 0010 / 0008).
- Seed 003: feature keys may hold upper-case letters (`ENABLE_X`), are stored as given and
  matched in any case everywhere; enum values are accepted in any case in bodies and filters."""
import datetime as dt
import secrets

import pytest

from client import Client, problem, unique, unique_feature
from conftest import ON_PG, store_sql
from helpers import events_count, iso


def upper_key(prefix="ENABLE"):
    """A feature key no other test uses, in upper case, with underscores (seed 003)."""
    return f"{prefix}_{secrets.token_hex(4).upper()}"


def grants_of(api, product):
    return {g["feature"]: g["value"] for g in api.get(f"/v1/products/{product}").json()["entitlements"]}


# --------------------------------------------------------------------------------------------
# Point 3: a feature created with its product grants; products by feature
# --------------------------------------------------------------------------------------------

def test_22_01_a_feature_is_created_with_the_products_that_grant_it(api):
    basic, pro = api.make_product(), api.make_product()
    key = unique("seats")
    before = events_count(api)
    r = api.post("/v1/features", {
        "key": key, "name": f"Seats {key}", "type": "quantity", "unit": "user",
        "levels": [{"value": "5"}, {"value": "20"}, {"value": "unlimited", "is_unlimited": True}],
        "products": [{"product": pro["key"], "value": "20"},
                     {"product": basic["id"], "value": "5", "name": "Five seats"},
                     ]})
    assert r.status_code == 201, r.text
    f = r.json()
    assert f["products"] == [{"product": pro["key"], "value": "20", "name": "20 users"},
                             {"product": basic["key"], "value": "5", "name": "Five seats"}]
    assert grants_of(api, pro["key"]) == {key: "20"}
    assert grants_of(api, basic["key"]) == {key: "5"}
    # One feature.created and one product.entitlement_set per product, in one transaction.
    assert events_count(api) == before + 3
    assert "products" not in api.get(f"/v1/features/{key}").json()
    # An unlimited grant, and the product entitlements' own names.
    r = api.post("/v1/features", {**unique_feature(), "type": "quantity", "unit": "user",
                                  "levels": [{"value": "unlimited", "is_unlimited": True}],
                                  "products": [{"product": pro["key"], "value": "UNLIMITED"}]})
    assert r.status_code == 201 and r.json()["products"][0]["value"] == "unlimited"


@pytest.mark.parametrize("products,field", [
    ([{"product": "no-such-product", "value": "true"}], "products[0].product"),
    ([{"product": "{pro}", "value": "maybe"}], "products[0].value"),
    ([{"product": "{pro}", "value": "true"}, {"product": "{pro}", "value": "false"}],
     "products[1].product"),
    ([{"product": "{usb}", "value": "true"}], "products[0].product"),
    ([{"product": "{pro}", "value": "true", "colour": "red"}], "products[0].colour"),
    ([{"product": "{pro}"}], "products[0].value"),
    ([{"value": "true"}], "products[0].product"),
    ([{"product": "{pro}", "value": "true", "name": ""}], "products[0].name"),
    (["{pro}"], "products[0]"),
    ("{pro}", "products"),
])
def test_22_02_bad_grants_are_422_naming_the_field_and_nothing_is_half_applied(api, products,
                                                                              field):
    pro = api.make_product()
    usb = api.make_product(category="physical_goods")
    other = api.make_product()

    def fill(v):
        if isinstance(v, str):
            return v.replace("{pro}", pro["key"]).replace("{usb}", usb["key"])
        if isinstance(v, list):
            return [fill(x) for x in v]
        if isinstance(v, dict):
            return {k: fill(x) for k, x in v.items()}
        return v

    body = {**unique_feature(), "type": "switch",
            "products": [{"product": other["key"], "value": "true"}] + fill(products)
            if isinstance(products, list) else fill(products)}
    if isinstance(products, list):  # the valid first grant shifts every index by one
        field = field.replace("products[1]", "products[2]").replace("products[0]", "products[1]")
    before = events_count(api)
    problem(api.post("/v1/features", body), 422, "validation_failed", field)
    assert events_count(api) == before
    assert api.get(f"/v1/features/{body['key']}").status_code == 404
    assert grants_of(api, other["key"]) == {} and grants_of(api, pro["key"]) == {}


def test_22_03_a_taken_key_or_name_with_products_changes_no_product(api):
    f = api.make_feature()
    pro = api.make_product()
    problem(api.post("/v1/features", {"key": f["key"], "name": unique("N"), "type": "switch",
                                      "products": [{"product": pro["key"], "value": "true"}]}),
            409, "conflict", "key")
    problem(api.post("/v1/features", {"key": unique("k"), "name": f["name"].upper(),
                                      "type": "switch",
                                      "products": [{"product": pro["key"], "value": "true"}]}),
            409, "conflict", "name")
    assert grants_of(api, pro["key"]) == {}


def test_22_04_products_list_by_the_feature_they_grant_with_the_value(api):
    key = upper_key("SEATS")
    basic, pro, neither = api.make_product(), api.make_product(category="other"), api.make_product()
    r = api.post("/v1/features", {"key": key, "name": f"Seats {key}", "type": "range",
                                  "unit": "user", "levels": [{"value": "1"}, {"value": "500"}],
                                  "products": [{"product": basic["key"], "value": "10"},
                                               {"product": pro["key"], "value": "250"}]})
    assert r.status_code == 201, r.text
    f = r.json()
    for ref in (key, key.lower(), f["id"]):
        data = api.get(f"/v1/products?feature={ref}&limit=100").json()["data"]
        assert {p["key"]: p["grant"] for p in data} == {
            basic["key"]: {"feature": key, "value": "10", "name": "10 users"},
            pro["key"]: {"feature": key, "value": "250", "name": "250 users"}}
    data = api.get(f"/v1/products?feature={key}&category=OTHER").json()["data"]
    assert [p["key"] for p in data] == [pro["key"]]
    assert "grant" not in api.get(f"/v1/products/{basic['key']}").json()
    assert "grant" not in api.get(f"/v1/products?limit=5").json()["data"][0]
    assert api.get("/v1/products?feature=no-such-feature").json()["data"] == []
    api.delete(f"/v1/products/{basic['key']}/entitlements/{key.lower()}")
    data = api.get(f"/v1/products?feature={key}").json()["data"]
    assert [p["key"] for p in data] == [pro["key"]] and neither["key"] not in str(data)


# --------------------------------------------------------------------------------------------
# Point 4: unique feature names
# --------------------------------------------------------------------------------------------

def test_22_10_feature_names_are_unique_in_any_case(api):
    name = f"Premium Support {secrets.token_hex(3)}"
    f = api.make_feature(name=name)
    before = events_count(api)
    doc = problem(api.post("/v1/features", {"key": unique("f"), "name": name.upper(),
                                            "type": "switch"}), 409, "conflict", "name")
    assert name.upper() in doc["detail"]
    g = api.make_feature()
    problem(api.patch(f"/v1/features/{g['key']}", {"name": name.lower()}), 409, "conflict", "name")
    assert events_count(api) == before + 1  # g alone
    # A feature may change the case of its own name; its old name is free again once renamed.
    r = api.patch(f"/v1/features/{f['key']}", {"name": name.swapcase()})
    assert r.status_code == 200 and r.json()["name"] == name.swapcase()
    assert api.patch(f"/v1/features/{f['key']}", {"name": name + " v2"}).status_code == 200
    assert api.patch(f"/v1/features/{g['key']}", {"name": name}).status_code == 200
    # Case is ASCII's: other letters are compared as they are (the same on both stores).
    accented = f"\u00c9dition {secrets.token_hex(3)}"
    api.make_feature(name=accented)
    assert api.post("/v1/features", {"key": unique("f"), "name": accented.lower(),
                                     "type": "switch"}).status_code == 201


def test_22_11_a_store_with_names_differing_by_case_keeps_them(new_daemon):
    """Schema 0010 (SQLite) / 0008 (PostgreSQL) on a store that already holds feature names
    that differ by case alone: the migration does not fail; the oldest keeps its name, the others
    keep theirs until renamed; no new feature may take any of them."""
    admin = "test-admin-" + secrets.token_hex(20)
    d = new_daemon(admin_key=admin)
    api = Client(d.url, admin)
    first = api.make_feature(name="Shared name")
    second = api.make_feature(name="Other name")
    third = api.make_feature(name="Third name")
    d.stop()
    # Back to the schema before 0010 / 0008, with the names that one allowed.
    version = 8 if ON_PG else 10
    undo = ["DROP TABLE consumption_events", "DROP INDEX entitlements_category",
            "ALTER TABLE entitlements DROP COLUMN consumed",
            "ALTER TABLE entitlements DROP COLUMN product_category",
            "DROP INDEX features_name_folded", "ALTER TABLE features DROP COLUMN name_folded",
            "DROP INDEX " + ("features_key_folded" if ON_PG else "features_key_nocase"),
            f"DELETE FROM schema_migrations WHERE version = {version}"]
    for sql in undo:
        store_sql(d.store, sql)
    store_sql(d.store, "UPDATE features SET name = ? WHERE id = ?", ("SHARED NAME", second["id"]))
    store_sql(d.store, "UPDATE features SET name = ? WHERE id = ?", ("shared name", third["id"]))
    d2 = new_daemon(admin_key=admin, store=d.store)
    api = Client(d2.url, admin)
    names = {f["id"]: f["name"] for f in api.get("/v1/features?limit=100").json()["data"]}
    assert names == {first["id"]: "Shared name", second["id"]: "SHARED NAME",
                     third["id"]: "shared name"}
    problem(api.post("/v1/features", {"key": unique("f"), "name": "Shared Name",
                                      "type": "switch"}), 409, "conflict", "name")
    # The others change as before while they keep their names; renamed, they give them up.
    r = api.patch(f"/v1/features/{second['key']}", {"unit": "seat"})
    assert r.status_code == 200 and r.json()["name"] == "SHARED NAME"
    problem(api.patch(f"/v1/features/{third['key']}", {"name": "Shared NAME"}), 409, "conflict",
            "name")
    assert api.patch(f"/v1/features/{third['key']}", {"name": "Third again"}).status_code == 200
    problem(api.patch(f"/v1/features/{third['key']}", {"name": "shared name"}), 409, "conflict",
            "name")


# --------------------------------------------------------------------------------------------
# Point 6: feature keys and enum values in any case
# --------------------------------------------------------------------------------------------

def test_22_20_feature_keys_take_upper_case_and_match_in_any_case(api):
    key = upper_key()
    r = api.post("/v1/features", {"key": key, "name": f"Enable {key}", "type": "switch"})
    assert r.status_code == 201, r.text
    f = r.json()
    assert f["key"] == key  # stored as given
    for ref in (key, key.lower(), key.title()):
        got = api.get(f"/v1/features/{ref}")
        assert got.status_code == 200 and got.json()["id"] == f["id"]
    doc = problem(api.post("/v1/features", {"key": key.lower(), "name": unique("N"),
                                            "type": "switch"}), 409, "conflict", "key")
    assert key in doc["detail"]
    assert api.patch(f"/v1/features/{key.lower()}", {"unit": "x"}).status_code == 200


@pytest.mark.parametrize("key", ["_ENABLE_X", "ENABLE X", "-X", "ENABLE/X", "\u00c9", "A" * 65])
def test_22_21_bad_feature_keys_are_422(api, key):
    problem(api.post("/v1/features", {"key": key, "name": unique("N"), "type": "switch"}), 422,
            "validation_failed", "key")


def test_22_22_every_route_matches_feature_keys_in_any_case(api):
    key = upper_key()
    api.post("/v1/features", {"key": key, "name": f"F {key}", "type": "switch"})
    calls = upper_key("API_CALLS")
    api.post("/v1/features", {"key": calls, "name": f"F {calls}", "type": "metered",
                              "reset_period": "month"})
    seats = upper_key("SEATS")
    api.post("/v1/features", {"key": seats, "name": f"F {seats}", "type": "quantity",
                              "activations_enabled": True, "levels": [{"value": "2"}]})
    lower = key.lower()
    # Product grants, by PUT and DELETE too.
    p = api.make_product(entitlements=[{"feature": lower, "value": "true"},
                                       {"feature": seats.lower(), "value": "2"}])
    assert {g["feature"] for g in p["entitlements"]} == {key, seats}
    r = api.put(f"/v1/products/{p['key']}/entitlements/{key.title()}", {"value": "false"})
    assert r.status_code == 200 and r.json()["feature"] == key
    assert api.put(f"/v1/products/{p['key']}/entitlements/{key}", {"value": "true"}).status_code \
        == 200
    acc = api.make_account()
    r = api.post("/v1/orders", {"account": acc["id"], "activate": True,
                                "items": [{"product": p["key"]}]})
    assert r.status_code == 201, r.text
    r = api.post("/v1/entitlements", {"account": acc["id"], "feature": calls.lower(),
                                      "value": "100"})
    assert r.status_code == 201 and r.json()["feature"] == calls
    # Evaluate names each feature as asked.
    ev = api.post("/v1/evaluate", {"account": acc["id"],
                                   "features": [lower, key, key.title()]}).json()["entitlements"]
    assert [(a["feature"], a["value"]) for a in ev] == [(lower, True), (key, True),
                                                         (key.title(), True)]
    bulk = api.post("/v1/evaluate/bulk", {"accounts": [acc["id"]], "features": [lower]}).json()
    assert bulk["results"][0]["entitlements"][0]["value"] is True
    # OFREP.
    r = api.post(f"/ofrep/v1/evaluate/flags/{lower}", {"context": {"targetingKey": acc["key"]}})
    assert r.status_code == 200 and r.json()["value"] is True and r.json()["key"] == lower
    r = api.post(f"/ofrep/v1/evaluate/flags/{calls.lower()}.limit",
                 {"context": {"targetingKey": acc["key"]}})
    assert r.status_code == 200 and r.json()["value"] == 100
    # Usage and its series.
    r = api.post("/v1/usage", {"account": acc["id"], "feature": calls.lower(), "amount": 3})
    assert r.status_code == 201 and r.json()["usage"] == 3
    now = dt.datetime.now(dt.timezone.utc)
    r = api.get(f"/v1/usage?account={acc['id']}&feature={calls.title()}&granularity=DAY"
                f"&from={iso(now - dt.timedelta(days=1))}&to={iso(now + dt.timedelta(days=1))}")
    assert r.status_code == 200 and sum(b["usage"] for b in r.json()["data"]) == 3
    assert r.json()["granularity"] == "day"
    # Activations, and the lists that filter by feature.
    r = api.post("/v1/activations", {"account": acc["id"], "feature": seats.lower(),
                                     "fingerprint": "m-1"})
    assert r.status_code == 201 and r.json()["feature"] == seats
    assert len(api.get(f"/v1/activations?feature={seats.lower()}").json()["data"]) == 1
    assert len(api.get(f"/v1/entitlements?account={acc['id']}&feature={calls.lower()}")
               .json()["data"]) == 1
    # Signed licenses.
    r = api.post("/v1/licenses", {"account": acc["id"], "features": [lower]})
    assert r.status_code == 201, r.text


def test_22_23_enum_values_in_any_case_in_bodies_and_filters(api):
    r = api.post("/v1/features", {**unique_feature(), "type": "METERED", "reset_period": "Month"})
    assert r.status_code == 201 and r.json()["type"] == "metered"
    assert r.json()["reset_period"] == "month"
    f = r.json()
    assert any(x["id"] == f["id"] for x in
               api.get("/v1/features?type=METERED&status=ACTIVE&limit=100&sort=-created_at")
               .json()["data"])
    p = api.make_product(category="Customer_Support")
    assert p["category"] == "customer_support"
    assert api.get(f"/v1/products?category=CUSTOMER_SUPPORT&limit=100").status_code == 200
    acc = api.make_account(type="CHANNEL_PARTNER")
    assert acc["type"] == "channel_partner"
    assert any(a["id"] == acc["id"] for a in
               api.get("/v1/accounts?type=Channel_Partner&limit=100").json()["data"])
    r = api.post("/v1/orders", {"account": acc["id"], "activate": True,
                                "items": [{"product": p["key"], "order_type": "RENEWAL"}]})
    assert r.status_code == 201 and r.json()["items"][0]["order_type"] == "renewal"
    assert len(api.get(f"/v1/orders?account={acc['id']}&status=ACTIVE").json()["data"]) == 1
    got = api.get(f"/v1/entitlements?account={acc['id']}&status=ACTIVE&source=ORDER").json()
    [e] = got["data"]
    r = api.patch(f"/v1/entitlements/{e['id']}", {"status": "SUSPENDED"})
    assert r.status_code == 200 and r.json()["status"] == "suspended"
    assert len(api.get(f"/v1/entitlements?account={acc['id']}&status=Suspended")
               .json()["data"]) == 1
    k = api.post("/v1/keys", {"name": unique("k"), "scope": "READ"})
    assert k.status_code == 201 and k.json()["scope"] == "read"
    problem(api.get("/v1/features?type=GAUGE"), 422, "validation_failed", "type")
    problem(api.post("/v1/features", {**unique_feature(), "type": "SWITCHY"}), 422,
            "validation_failed", "type")
