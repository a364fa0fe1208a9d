# SPDX-License-Identifier: MIT
"""Features (API.md "Feature"; seed 001 level rules and display names)."""
import pytest

from client import problem, unique, unique_feature
from helpers import events_count


def test_20_01_create_quantity_feature_sorts_levels_and_names_them(api):
    key = unique("seats")
    r = api.post("/v1/features", {
        "key": key, "name": f"Seats {key}", "type": "quantity", "unit": "user",
        "levels": [{"value": "20"}, {"value": "1"}, {"value": "UNLIMITED", "is_unlimited": True}],
        "activations_enabled": True, "attributes": {"tier": "core"}})
    assert r.status_code == 201, r.text
    f = r.json()
    assert f["key"] == key and f["type"] == "quantity" and f["status"] == "active"
    assert f["levels"] == [{"value": "1", "name": "1 user"},
                           {"value": "20", "name": "20 users"},
                           {"value": "unlimited", "name": "Unlimited users", "is_unlimited": True}]
    assert f["activations_enabled"] is True and f["attributes"] == {"tier": "core"}
    assert f["reset_period"] is None


@pytest.mark.parametrize("body", [
    {"type": "switch"},
    {"type": "range", "unit": "GB", "levels": [{"value": "10"}, {"value": "100"}]},
    {"type": "range", "levels": [{"value": "10"}, {"value": "unlimited", "is_unlimited": True}]},
    {"type": "custom", "levels": [{"value": "basic"}, {"value": "pro"}, {"value": "enterprise"}]},
    {"type": "metered", "unit": "call", "reset_period": "month"},
    {"type": "metered", "reset_period": "never", "levels": [{"value": "1000"}]},
])
def test_20_02_every_type_can_be_created(api, body):
    body = dict(body, **unique_feature())
    r = api.post("/v1/features", body)
    assert r.status_code == 201, r.text
    assert r.json()["type"] == body["type"]


def test_20_03_custom_names_and_given_level_names_are_kept(api):
    f = api.make_feature(type="custom", levels=[{"value": "pro", "name": "Professional"},
                                                {"value": "ent"}])
    assert f["levels"] == [{"value": "pro", "name": "Professional"},
                           {"value": "ent", "name": "ent"}]


@pytest.mark.parametrize("body,field", [
    ({"type": "switch", "levels": [{"value": "1"}]}, "levels"),
    ({"type": "quantity"}, "levels"),
    ({"type": "quantity", "levels": [{"value": "ten"}]}, "levels[0].value"),
    ({"type": "quantity", "levels": [{"value": "5"}, {"value": "5"}]}, "levels[1].value"),
    ({"type": "quantity", "levels": [{"value": "-1"}]}, "levels[0].value"),
    ({"type": "quantity", "levels": [{"value": "unlimited"}, {"value": "Unlimited"}]}, "levels"),
    ({"type": "range", "levels": [{"value": "1"}]}, "levels"),
    ({"type": "range", "levels": [{"value": "1"}, {"value": "2"}, {"value": "3"}]}, "levels"),
    ({"type": "custom", "levels": [{"value": "x", "is_unlimited": True}]}, "levels[0].is_unlimited"),
    ({"type": "metered"}, "reset_period"),
    ({"type": "switch", "reset_period": "day"}, "reset_period"),
    ({"type": "metered", "reset_period": "fortnight"}, "reset_period"),
    ({"type": "gauge"}, "type"),
    ({"type": "switch", "unexpected": 1}, "unexpected"),
    ({"type": "switch", "key": "Not A Slug"}, "key"),
    ({"type": "switch", "name": ""}, "name"),
    ({"type": "switch", "name": 5}, "name"),
    ({"type": "switch", "attributes": [1]}, "attributes"),
    ({"type": "switch", "activations_enabled": "yes"}, "activations_enabled"),
    ({"type": "quantity", "levels": [{"value": "1", "colour": "red"}]}, "levels[0].colour"),
    ({"type": "quantity", "levels": "1,2"}, "levels"),
])
def test_20_04_invalid_definitions_are_422_naming_the_field_and_change_nothing(api, body, field):
    body = dict(unique_feature(), **body)
    before = events_count(api)
    problem(api.post("/v1/features", body), 422, "validation_failed", field)
    assert events_count(api) == before
    assert api.get(f"/v1/features/{body['key']}").status_code in (404, 405)


def test_20_05_missing_required_fields_are_all_named(api):
    doc = problem(api.post("/v1/features", {}), 422, "validation_failed")
    fields = {e["field"] for e in doc["errors"]}
    assert {"key", "name", "type"} <= fields


def test_20_06_duplicate_key_is_409_conflict(api):
    f = api.make_feature()
    problem(api.post("/v1/features", {"key": f["key"], "name": "x", "type": "switch"}),
            409, "conflict")


def test_20_07_read_by_id_or_key(api):
    f = api.make_feature()
    assert api.get(f"/v1/features/{f['id']}").json() == f
    assert api.get(f"/v1/features/{f['key']}").json() == f
    problem(api.get("/v1/features/no-such-feature"), 404, "not_found")


def test_20_08_patch_changes_only_what_is_given(api):
    f = api.make_feature(type="quantity", unit="user", levels=[{"value": "5"}])
    r = api.patch(f"/v1/features/{f['key']}", {"name": "Users", "unit": "seat"})
    assert r.status_code == 200, r.text
    g = r.json()
    assert g["name"] == "Users" and g["unit"] == "seat"
    assert g["levels"] == [{"value": "5", "name": "5 seats"}]
    assert g["created_at"] == f["created_at"] and g["key"] == f["key"]


def test_20_09_archive_and_unarchive(api):
    f = api.make_feature()
    assert api.patch(f"/v1/features/{f['id']}", {"status": "archived"}).json()["status"] == \
        "archived"
    listed = api.get("/v1/features?status=archived&limit=100").json()["data"]
    assert f["id"] in [x["id"] for x in listed]
    assert api.patch(f"/v1/features/{f['id']}", {"status": "active"}).json()["status"] == "active"


def test_20_10_patch_refuses_bad_fields_and_changes_nothing(api):
    f = api.make_feature()
    problem(api.patch(f"/v1/features/{f['id']}", {"type": "quantity"}), 422,
            "validation_failed", "type")
    problem(api.patch(f"/v1/features/{f['id']}", {"status": "gone"}), 422,
            "validation_failed", "status")
    problem(api.patch(f"/v1/features/{f['id']}", {"levels": [{"value": "1"}]}), 422,
            "validation_failed", "levels")
    assert api.get(f"/v1/features/{f['id']}").json() == f
    problem(api.patch("/v1/features/nope-nope", {"name": "x"}), 404, "not_found")


def test_20_11_delete(api):
    f = api.make_feature()
    assert api.delete(f"/v1/features/{f['key']}").status_code == 204
    problem(api.get(f"/v1/features/{f['id']}"), 404, "not_found")
    problem(api.delete(f"/v1/features/{f['id']}"), 404, "not_found")


def test_20_12_list_filters_search_sort_and_pages(api):
    tag = unique("lst")
    made = [api.make_feature(key=f"{tag}-{i}", name=f"{tag} {i}", type="switch")
            for i in range(5)]
    r = api.get(f"/v1/features?search={tag}&limit=2&sort=-key")
    page = r.json()
    assert page["total_count"] == 5 and page["count"] == 2
    assert [x["key"] for x in page["data"]] == [f"{tag}-4", f"{tag}-3"]
    assert page["previous"] is None and page["next"]
    nxt = api.get(page["next"]).json()
    assert [x["key"] for x in nxt["data"]] == [f"{tag}-2", f"{tag}-1"]
    assert nxt["previous"]
    last = api.get(f"/v1/features?search={tag}&limit=2&offset=4&sort=-key").json()
    assert last["count"] == 1 and last["next"] is None
    typed = api.get(f"/v1/features?search={tag}&type=quantity").json()
    assert typed["total_count"] == 0
    assert {x["id"] for x in api.get(f"/v1/features?search={tag}&type=switch").json()["data"]} \
        == {m["id"] for m in made}


@pytest.mark.parametrize("query,field", [
    ("limit=0", "limit"), ("limit=101", "limit"), ("limit=abc", "limit"),
    ("offset=-1", "offset"), ("sort=colour", "sort"), ("type=gauge", "type"),
    ("colour=red", "colour"), ("status=gone", "status"),
])
def test_20_13_bad_list_queries_are_422(api, query, field):
    problem(api.get(f"/v1/features?{query}"), 422, "validation_failed", field)


def test_20_14_unlimited_needs_an_unlimited_level_to_be_granted(api):
    f = api.make_feature(type="quantity", levels=[{"value": "5"}])
    p = api.post("/v1/products", {"key": unique("p"), "name": "P", "category": "other",
                                  "entitlements": [{"feature": f["key"], "value": "unlimited"}]})
    problem(p, 422, "validation_failed", "entitlements[0].value")
