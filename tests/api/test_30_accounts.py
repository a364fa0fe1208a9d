# SPDX-License-Identifier: MIT
"""Accounts (API.md "Routes": /v1/accounts; "Conventions": a key bound to one account asking
about another gets 404): types, the vendor's own keys, the parent chain without cycles, the
account-key isolation, deletion revoking the account's keys, and the audit events."""
import pytest

from client import problem, unique
from helpers import events_count, events_since, last_event_id, ms, tick


def create_body(**fields):
    body = {"key": unique("a"), "name": "Account"}
    body.update(fields)
    return body


def long_key(n):
    """A unique account key of exactly n characters."""
    base = unique("Long")
    return base + "x" * (n - len(base))


# --------------------------------------------------------------------------------------------
# Create and read
# --------------------------------------------------------------------------------------------

def test_30_01_create_answers_the_whole_account_with_defaults(api):
    key = unique("Acme")
    r = api.post("/v1/accounts", {"key": key, "name": "Acme Corp"})
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["key"] == key and a["name"] == "Acme Corp"
    assert a["type"] == "customer"
    assert a["parent"] is None and a["contact_email"] is None and a["attributes"] == {}
    assert a["created_at"] == a["updated_at"]


def test_30_02_every_field_is_kept(api):
    parent = api.make_account(type="channel_partner")
    r = api.post("/v1/accounts", create_body(
        name="Reseller customer", type="self_registered", parent=parent["key"],
        contact_email="ops@example.com",
        attributes={"crm": {"id": 42, "tags": ["gold"]}, "vip": True}))
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["type"] == "self_registered" and a["parent"] == parent["id"]
    assert a["contact_email"] == "ops@example.com"
    assert a["attributes"] == {"crm": {"id": 42, "tags": ["gold"]}, "vip": True}
    assert api.get(f"/v1/accounts/{a['id']}").json() == a


@pytest.mark.parametrize("type_", ["customer", "channel_partner", "publisher",
                                   "self_registered", "unknown"])
def test_30_03_every_type_can_be_created(api, type_):
    a = api.make_account(type=type_)
    assert a["type"] == type_
    assert api.get(f"/v1/accounts/{a['key']}").json()["type"] == type_


def test_30_04_read_by_id_or_key(api):
    a = api.make_account()
    assert api.get(f"/v1/accounts/{a['id']}").json() == a
    assert api.get(f"/v1/accounts/{a['key']}").json() == a
    problem(api.get("/v1/accounts/no-such-account"), 404, "not_found")
    problem(api.get("/v1/accounts/0190a0b4-0000-7000-8000-000000000000"), 404, "not_found")


@pytest.mark.parametrize("key", [
    "@MIXED-Case_1",
    "@crm:1234",
    "@ops@example.com",
    "@tenant.eu-west:Acme@2026",
    128,
    1,
])
def test_30_05_keys_are_the_vendors_own_ids(api, key):
    """Account keys: 1 to 128 of A-Z, a-z, 0-9, '_', '.', ':', '@', '-' (docs/openapi.json);
    the account can be addressed by its key."""
    if isinstance(key, int):
        key = long_key(key) if key > 1 else "Z"
    else:
        key = unique("k") + key[1:]
    a = api.make_account(key=key)
    assert a["key"] == key
    assert api.get(f"/v1/accounts/{key}").json() == a
    assert a in api.get("/v1/accounts", params={"search": key, "limit": 100}).json()["data"]


@pytest.mark.parametrize("key", [
    "has space", "tab\tkey", "slash/key", "hash#key", "q?key", "percent%key", "comma,key",
    "ümlaut", "", 129, 500,
])
def test_30_06_bad_keys_are_422_and_change_nothing(api, key):
    base = unique("Bad") + "z"
    if isinstance(key, int):
        key = base + "x" * (key - len(base))
    elif key:
        key = base + key
    before = events_count(api)
    problem(api.post("/v1/accounts", create_body(key=key)), 422, "validation_failed", "key")
    assert events_count(api) == before
    assert api.get("/v1/accounts", params={"search": base}).json()["total_count"] == 0


@pytest.mark.parametrize("email", ["ops@example.com", "first.last+tag@sub.example.co.uk",
                                   "a@b.io"])
def test_30_07_contact_email_is_kept(api, email):
    a = api.make_account(contact_email=email)
    assert a["contact_email"] == email


@pytest.mark.parametrize("email", ["nope", "a@b", "@example.com", "ops@", "a b@example.com",
                                   "x@@example.com", "a@b@example.com", "ops@example.",
                                   "ops@.example.com", "ops@example..com", "<ops@example.com>",
                                   "ops@example.c", "o" * 65 + "@example.com", 5, ""])
def test_30_08_bad_contact_emails_are_422(api, email):
    body = create_body(contact_email=email)
    before = events_count(api)
    problem(api.post("/v1/accounts", body), 422, "validation_failed", "contact_email")
    assert events_count(api) == before
    problem(api.get(f"/v1/accounts/{body['key']}"), 404, "not_found")


@pytest.mark.parametrize("fields,field", [
    ({"name": ""}, "name"),
    ({"name": 5}, "name"),
    ({"name": None}, "name"),
    ({"type": "vendor"}, "type"),
    ({"type": 1}, "type"),
    ({"attributes": [1]}, "attributes"),
    ({"attributes": "x"}, "attributes"),
    ({"parent": 5}, "parent"),
    ({"parent": "no-such-account"}, "parent"),
    ({"parent": "0190a0b4-0000-7000-8000-000000000000"}, "parent"),
    ({"id": "0190a0b4-0000-7000-8000-000000000000"}, "id"),
    ({"unexpected": 1}, "unexpected"),
    ({"key": 5}, "key"),
])
def test_30_09_invalid_fields_are_422_naming_the_field_and_change_nothing(api, fields, field):
    body = create_body(**fields)
    before = events_count(api)
    problem(api.post("/v1/accounts", body), 422, "validation_failed", field)
    assert events_count(api) == before
    if isinstance(body["key"], str):
        problem(api.get(f"/v1/accounts/{body['key']}"), 404, "not_found")


def test_30_10_missing_required_fields_are_all_named(api):
    doc = problem(api.post("/v1/accounts", {}), 422, "validation_failed")
    assert {"key", "name"} <= {e["field"] for e in doc["errors"]}


def test_30_11_duplicate_key_is_409_conflict_and_changes_nothing(api):
    a = api.make_account(key=unique("Dup") + ":x@y")
    before = events_count(api)
    problem(api.post("/v1/accounts", create_body(key=a["key"], name="Other")), 409, "conflict")
    assert events_count(api) == before
    assert api.get(f"/v1/accounts/{a['id']}").json() == a


# --------------------------------------------------------------------------------------------
# Parents
# --------------------------------------------------------------------------------------------

def test_30_12_parent_by_id_or_key_is_answered_as_the_id(api):
    parent = api.make_account(type="channel_partner", key=unique("Partner") + ":eu")
    by_id = api.make_account(parent=parent["id"])
    by_key = api.make_account(parent=parent["key"])
    assert by_id["parent"] == parent["id"] and by_key["parent"] == parent["id"]
    grandchild = api.make_account(parent=by_key["key"])
    assert grandchild["parent"] == by_key["id"]


def test_30_13_parent_cycles_are_refused(api):
    a, b, c = api.make_account(), api.make_account(), api.make_account()
    # a -> b is fine; b -> a would close a loop.
    r = api.patch(f"/v1/accounts/{a['id']}", {"parent": b["key"]})
    assert r.status_code == 200 and r.json()["parent"] == b["id"]
    a = r.json()
    before = events_count(api)
    problem(api.patch(f"/v1/accounts/{b['id']}", {"parent": a["id"]}), 422,
            "validation_failed", "parent")
    # Nobody is its own parent, by id or by key.
    problem(api.patch(f"/v1/accounts/{c['id']}", {"parent": c["id"]}), 422,
            "validation_failed", "parent")
    problem(api.patch(f"/v1/accounts/{c['key']}", {"parent": c["key"]}), 422,
            "validation_failed", "parent")
    # A longer loop: a -> b -> c, then c -> a.
    b = api.patch(f"/v1/accounts/{b['id']}", {"parent": c["id"]}).json()
    assert b["parent"] == c["id"]
    before = events_count(api)
    problem(api.patch(f"/v1/accounts/{c['id']}", {"parent": a["key"]}), 422,
            "validation_failed", "parent")
    assert events_count(api) == before
    assert api.get(f"/v1/accounts/{c['id']}").json() == c
    assert api.get(f"/v1/accounts/{b['id']}").json() == b
    assert api.get(f"/v1/accounts/{a['id']}").json() == a


def test_30_14_parent_can_be_moved_and_cleared(api):
    p1, p2 = api.make_account(), api.make_account()
    child = api.make_account(parent=p1["id"])
    r = api.patch(f"/v1/accounts/{child['key']}", {"parent": p2["key"]})
    assert r.status_code == 200 and r.json()["parent"] == p2["id"]
    r = api.patch(f"/v1/accounts/{child['key']}", {"parent": None})
    assert r.status_code == 200 and r.json()["parent"] is None
    problem(api.patch(f"/v1/accounts/{child['id']}", {"parent": "no-such-account"}), 422,
            "validation_failed", "parent")
    assert api.get(f"/v1/accounts/{child['id']}").json()["parent"] is None


# --------------------------------------------------------------------------------------------
# PATCH and DELETE
# --------------------------------------------------------------------------------------------

def test_30_15_patch_changes_only_what_is_given(api):
    parent = api.make_account()
    a = api.make_account(type="publisher", parent=parent["id"], contact_email="a@example.com",
                         attributes={"x": 1})
    r = api.patch(f"/v1/accounts/{a['key']}", {"name": "Renamed"})
    assert r.status_code == 200, r.text
    b = r.json()
    assert b["name"] == "Renamed"
    for k in ("id", "key", "type", "parent", "contact_email", "attributes", "created_at"):
        assert b[k] == a[k], k
    assert ms(b["updated_at"]) >= ms(a["updated_at"])  # as times, not strings
    assert api.get(f"/v1/accounts/{a['id']}").json() == b
    b = api.patch(f"/v1/accounts/{a['id']}", {"type": "unknown", "contact_email": None,
                                              "attributes": {"y": [2]}}).json()
    assert b["type"] == "unknown" and b["contact_email"] is None and b["attributes"] == {"y": [2]}
    assert b["name"] == "Renamed" and b["parent"] == parent["id"]


def test_30_16_patch_attributes_null_clears_them(api):
    """PATCH with "attributes": null empties the attributes (null clears a field, as
    "contact_email": null and "parent": null do); it is not silently ignored."""
    a = api.make_account(attributes={"x": 1})
    r = api.patch(f"/v1/accounts/{a['id']}", {"attributes": None})
    assert r.status_code == 200, r.text
    assert r.json()["attributes"] == {}
    assert api.get(f"/v1/accounts/{a['id']}").json()["attributes"] == {}


@pytest.mark.parametrize("patch,field", [
    ({"key": "new-key"}, "key"),
    ({"id": "0190a0b4-0000-7000-8000-000000000000"}, "id"),
    ({"name": ""}, "name"),
    ({"name": None}, "name"),
    ({"type": "vendor"}, "type"),
    ({"type": None}, "type"),
    ({"contact_email": "not-an-email"}, "contact_email"),
    ({"attributes": [1]}, "attributes"),
    ({"parent": "no-such-account"}, "parent"),
    ({"unexpected": 1}, "unexpected"),
])
def test_30_17_patch_refuses_bad_fields_and_changes_nothing(api, patch, field):
    a = api.make_account(contact_email="ok@example.com", attributes={"k": "v"})
    before = events_count(api)
    problem(api.patch(f"/v1/accounts/{a['id']}", patch), 422, "validation_failed", field)
    assert events_count(api) == before
    assert api.get(f"/v1/accounts/{a['id']}").json() == a


def test_30_18_unknown_account_is_404_on_every_route(api):
    problem(api.patch("/v1/accounts/no-such-account", {"name": "x"}), 404, "not_found")
    problem(api.delete("/v1/accounts/no-such-account"), 404, "not_found")


def test_30_19_delete(api):
    a = api.make_account(key=unique("Del") + "@example.com")
    assert api.delete(f"/v1/accounts/{a['key']}").status_code == 204
    problem(api.get(f"/v1/accounts/{a['id']}"), 404, "not_found")
    problem(api.get(f"/v1/accounts/{a['key']}"), 404, "not_found")
    problem(api.delete(f"/v1/accounts/{a['id']}"), 404, "not_found")
    # The key is free again.
    assert api.make_account(key=a["key"])["id"] != a["id"]


def test_30_20_delete_is_refused_while_the_account_has_children(api):
    parent = api.make_account()
    child = api.make_account(parent=parent["id"])
    before = events_count(api)
    problem(api.delete(f"/v1/accounts/{parent['key']}"), 409, "conflict")
    assert events_count(api) == before
    assert api.get(f"/v1/accounts/{parent['id']}").json() == parent
    assert api.patch(f"/v1/accounts/{child['id']}", {"parent": None}).status_code == 200
    assert api.delete(f"/v1/accounts/{parent['key']}").status_code == 204
    assert api.get(f"/v1/accounts/{child['id']}").json()["parent"] is None


def test_30_21_delete_revokes_the_accounts_keys(api):
    a, other = api.make_account(), api.make_account()
    k1 = api.with_key(api.make_key("account", a["id"])["key"])
    k2 = api.with_key(api.make_key("account", a["key"])["key"])
    ko = api.with_key(api.make_key("account", other["id"])["key"])
    assert k1.get(f"/v1/accounts/{a['id']}").status_code == 200  # now cached
    assert k2.get(f"/v1/accounts/{a['id']}").status_code == 200
    assert api.delete(f"/v1/accounts/{a['id']}").status_code == 204
    problem(k1.get(f"/v1/accounts/{a['id']}"), 401, "unauthorized")
    problem(k2.get("/v1/accounts"), 401, "unauthorized")
    # Another account's key still works.
    assert ko.get(f"/v1/accounts/{other['id']}").json() == other


def test_30_22_a_refused_delete_revokes_nothing(api):
    parent = api.make_account()
    api.make_account(parent=parent["id"])
    k = api.with_key(api.make_key("account", parent["id"])["key"])
    problem(api.delete(f"/v1/accounts/{parent['id']}"), 409, "conflict")
    assert k.get(f"/v1/accounts/{parent['id']}").json() == parent


# --------------------------------------------------------------------------------------------
# Keys: account keys see their own account alone; read keys read
# --------------------------------------------------------------------------------------------

def test_30_23_account_key_reads_its_own_account_alone(api):
    """API.md: a key bound to one account asking about another: 404 (it must not learn that
    the other exists)."""
    parent = api.make_account(type="channel_partner")
    mine = api.make_account(parent=parent["id"], key=unique("Mine") + ":1")
    sibling = api.make_account(parent=parent["id"])
    child = api.make_account(parent=mine["id"])
    key = api.with_key(api.make_key("account", mine["id"])["key"])
    assert key.get(f"/v1/accounts/{mine['id']}").json() == mine
    assert key.get(f"/v1/accounts/{mine['key']}").json() == mine
    missing_ref = unique("Missing")
    missing = key.get(f"/v1/accounts/{missing_ref}")
    problem(missing, 404, "not_found")
    for other in (parent, sibling, child):
        for ref in (other["id"], other["key"]):
            r = key.get(f"/v1/accounts/{ref}")
            doc = problem(r, 404, "not_found")
            want = missing.json()
            assert doc.keys() == want.keys()
            assert {k: v for k, v in doc.items() if k != "detail"} == \
                {k: v for k, v in want.items() if k != "detail"}
            assert doc["detail"].replace(ref, "?") == want["detail"].replace(missing_ref, "?")
            assert r.headers["Content-Type"] == missing.headers["Content-Type"]


def test_30_24_account_key_lists_only_its_own_account_whatever_the_filters(api):
    parent = api.make_account(type="channel_partner")
    mine = api.make_account(parent=parent["id"])
    sibling = api.make_account(parent=parent["id"])
    child = api.make_account(parent=mine["id"])
    key = api.with_key(api.make_key("account", mine["key"])["key"])
    listed = key.get("/v1/accounts?limit=100").json()
    assert listed["data"] == [mine] and listed["total_count"] == 1
    assert listed["next"] is None
    assert key.get(f"/v1/accounts?parent={parent['id']}").json()["data"] == [mine]
    assert key.get(f"/v1/accounts?parent={parent['key']}").json()["data"] == [mine]
    for query in (f"parent={mine['id']}", f"parent={sibling['key']}", "parent=no-such-account",
                  f"search={sibling['key']}", f"search={child['key']}", "type=publisher"):
        page = key.get(f"/v1/accounts?{query}").json()
        assert page["data"] == [] and page["total_count"] == 0, query
    assert key.get(f"/v1/accounts?search={mine['key']}&type=customer").json()["data"] == [mine]


def test_30_25_account_key_may_not_write(api):
    mine = api.make_account()
    other = api.make_account()
    key = api.with_key(api.make_key("account", mine["id"])["key"])
    before = events_count(api)
    problem(key.post("/v1/accounts", create_body()), 403, "forbidden")
    problem(key.patch(f"/v1/accounts/{mine['id']}", {"name": "x"}), 403, "forbidden")
    problem(key.delete(f"/v1/accounts/{mine['id']}"), 403, "forbidden")
    r = key.patch(f"/v1/accounts/{other['id']}", {"name": "x"})
    assert r.status_code in (403, 404), r.text
    r = key.delete(f"/v1/accounts/{other['id']}")
    assert r.status_code in (403, 404), r.text
    assert events_count(api) == before
    assert api.get(f"/v1/accounts/{mine['id']}").json() == mine
    assert api.get(f"/v1/accounts/{other['id']}").json() == other


def test_30_26_read_keys_read_but_may_not_write(api):
    """API.md: a key that may not do this: 403."""
    parent = api.make_account()
    a = api.make_account(parent=parent["id"])
    read = api.with_key(api.make_key("read")["key"])
    assert read.get(f"/v1/accounts/{a['key']}").json() == a
    assert read.get(f"/v1/accounts?parent={parent['id']}").json()["data"] == [a]
    before = events_count(api)
    problem(read.post("/v1/accounts", create_body()), 403, "forbidden")
    problem(read.patch(f"/v1/accounts/{a['id']}", {"name": "x"}), 403, "forbidden")
    problem(read.delete(f"/v1/accounts/{a['id']}"), 403, "forbidden")
    assert events_count(api) == before
    assert api.get(f"/v1/accounts/{a['id']}").json() == a


def test_30_27_no_key_is_401(anon):
    problem(anon.get("/v1/accounts"), 401, "unauthorized")
    problem(anon.post("/v1/accounts", create_body()), 401, "unauthorized")


# --------------------------------------------------------------------------------------------
# Lists
# --------------------------------------------------------------------------------------------

def test_30_28_list_filters_search_sort_and_pages(api):
    tag = unique("alist") + "x"
    parent = api.make_account(key=f"{tag}-parent", name=f"{tag} parent",
                              type="channel_partner")
    types = ["customer", "publisher", "customer", "unknown", "customer"]
    made = [api.make_account(key=f"{tag}-{i}", name=f"{tag} {4 - i}", type=t,
                             parent=parent["id"] if i % 2 == 0 else None)
            for i, t in enumerate(types)]
    page = api.get(f"/v1/accounts?search={tag}-&limit=2&sort=-key").json()
    assert page["total_count"] == 6 and page["count"] == 2
    assert [x["key"] for x in page["data"]] == [f"{tag}-parent", f"{tag}-4"]
    assert page["previous"] is None and page["next"]
    nxt = api.get(page["next"]).json()
    assert [x["key"] for x in nxt["data"]] == [f"{tag}-3", f"{tag}-2"]
    back = api.get(nxt["previous"]).json()
    assert back["data"] == page["data"]
    last = api.get(f"/v1/accounts?search={tag}&limit=2&offset=4&sort=-key").json()
    assert [x["key"] for x in last["data"]] == [f"{tag}-1", f"{tag}-0"]
    assert last["next"] is None and last["previous"]
    # Items are whole accounts.
    assert api.get(f"/v1/accounts?search={tag}&sort=key").json()["data"] == \
        sorted([parent] + made, key=lambda x: x["key"])
    # Sort by name; search ignores case and looks at names.
    by_name = api.get(f"/v1/accounts?search={tag.upper()}%20&sort=name").json()["data"]
    assert [x["key"] for x in by_name] == [f"{tag}-{i}" for i in (4, 3, 2, 1, 0)] + \
        [f"{tag}-parent"]
    # Type filter.
    customers = api.get(f"/v1/accounts?search={tag}&type=customer&sort=key").json()["data"]
    assert [x["key"] for x in customers] == [f"{tag}-0", f"{tag}-2", f"{tag}-4"]
    assert api.get(f"/v1/accounts?search={tag}&type=self_registered").json()["total_count"] == 0
    # Parent filter, by id or key: the direct children.
    for ref in (parent["id"], parent["key"]):
        kids = api.get(f"/v1/accounts?parent={ref}&sort=key").json()
        assert [x["key"] for x in kids["data"]] == [f"{tag}-0", f"{tag}-2", f"{tag}-4"]
    grandchild = api.make_account(parent=made[0]["id"])
    kids = api.get(f"/v1/accounts?parent={parent['key']}").json()
    assert grandchild["id"] not in [x["id"] for x in kids["data"]]
    # Combined filters, kept by the next link.
    both = api.get(f"/v1/accounts?parent={parent['id']}&type=customer&limit=1&sort=-key").json()
    assert both["total_count"] == 3 and [x["key"] for x in both["data"]] == [f"{tag}-4"]
    assert [x["key"] for x in api.get(both["next"]).json()["data"]] == [f"{tag}-2"]
    # A parent that does not exist has no children.
    none = api.get("/v1/accounts?parent=no-such-account").json()
    assert none["data"] == [] and none["total_count"] == 0


def test_30_29_keys_with_colons_and_at_signs_filter_and_page(api):
    parent = api.make_account(key=unique("crm") + ":Partner@eu")
    kids = sorted((api.make_account(parent=parent["key"]) for _ in range(3)),
                  key=lambda x: x["key"])
    page = api.get("/v1/accounts", params={"parent": parent["key"], "limit": 2,
                                           "sort": "key"}).json()
    assert page["total_count"] == 3 and page["data"] == kids[:2]
    assert api.get(page["next"]).json()["data"] == kids[2:]


@pytest.mark.parametrize("query,field", [
    ("limit=0", "limit"), ("limit=101", "limit"), ("limit=many", "limit"),
    ("offset=-1", "offset"), ("sort=colour", "sort"), ("sort=-contact_email", "sort"),
    ("type=vendor", "type"), ("colour=red", "colour"), ("category=other", "category"),
])
def test_30_30_bad_list_queries_are_422(api, query, field):
    problem(api.get(f"/v1/accounts?{query}"), 422, "validation_failed", field)


# --------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------

def test_30_31_every_change_is_an_event_about_the_account(api):
    marker = last_event_id(api)
    tick()
    a = api.make_account(name="Before")
    tick()
    api.patch(f"/v1/accounts/{a['id']}", {"name": "After"})
    tick()
    api.delete(f"/v1/accounts/{a['key']}")
    mine = [e for e in events_since(api, marker) if e["object"] == a["id"]]
    assert [e["type"] for e in mine] == ["account.created", "account.updated",
                                        "account.deleted"]
    assert all(e["account"] == a["id"] and e["actor"] for e in mine)
    created, updated, deleted = mine
    assert created["before"] is None and created["after"]["key"] == a["key"]
    assert updated["before"]["name"] == "Before" and updated["after"]["name"] == "After"
    assert deleted["before"]["name"] == "After" and deleted["after"] is None
    for t in ("account.created", "account.updated", "account.deleted"):
        assert [e["object"] for e in events_since(api, marker, t)
                if e["object"] == a["id"]] == [a["id"]]


def test_30_32_the_account_filter_of_events_finds_an_account_by_id_or_key(api):
    a = api.make_account(key=unique("Ev") + ":x@y")
    tick()
    api.patch(f"/v1/accounts/{a['key']}", {"type": "publisher"})
    for ref in (a["id"], a["key"]):
        page = api.get("/v1/events", params={"account": ref}).json()
        assert [e["type"] for e in page["data"]] == ["account.created", "account.updated"]


def test_30_33_a_deleted_accounts_history_stays_findable_by_its_id(api):
    """An audit log outlives what it records: GET /v1/events?account=<id> still answers the
    events of an account that was deleted (API.md: /v1/events, ?account=)."""
    a = api.make_account()
    tick()
    assert api.delete(f"/v1/accounts/{a['id']}").status_code == 204
    page = api.get(f"/v1/events?account={a['id']}").json()
    assert [e["type"] for e in page["data"]] == ["account.created", "account.deleted"]


def test_30_34_refused_changes_are_no_events(api):
    parent = api.make_account()
    child = api.make_account(parent=parent["id"])
    marker = last_event_id(api)
    tick()
    api.post("/v1/accounts", create_body(key=child["key"]))
    api.patch(f"/v1/accounts/{parent['id']}", {"parent": child["id"]})
    api.patch(f"/v1/accounts/{child['id']}", {"contact_email": "nope"})
    api.delete(f"/v1/accounts/{parent['id']}")
    assert [e for e in events_since(api, marker)
            if e["object"] in (parent["id"], child["id"])] == []


def test_30_35_default_order_is_creation_order_even_within_one_millisecond(api):
    """docs/openapi.json (AccountSort): default: creation order, oldest first. Accounts made
    in a quick row share milliseconds; they must still come back in the order made. (Makes
    accounts until a dozen of them shared a millisecond with the one before, at most 2000.)"""
    parent = api.make_account()
    made, ties = [], 0
    while ties < 12 and len(made) < 2000:
        a = api.make_account(parent=parent["id"])
        ties += bool(made) and a["created_at"] == made[-1]["created_at"]
        made.append(a)
    listed, path = [], f"/v1/accounts?parent={parent['id']}&limit=100"
    while path:
        page = api.get(path).json()
        listed += page["data"]
        path = page["next"]
    assert [x["id"] for x in listed] == [x["id"] for x in made]


def test_30_36_events_of_one_delete_are_logged_in_the_order_written(api):
    """API.md: GET /v1/events is the audit log, newest last (and ?after=<event id> reads on
    from an event). Deleting an account revokes its keys and then deletes it, all in one
    request and so in one millisecond: the log must show the key revocations first and
    account.deleted last, or a reader following ?after= could pass an event by."""
    for _ in range(3):
        a = api.make_account()
        keys = {api.make_key("account", a["id"])["id"] for _ in range(10)}
        tick()
        total = events_count(api)
        assert api.delete(f"/v1/accounts/{a['id']}").status_code == 204
        new = api.get(f"/v1/events?limit=100&offset={total}").json()["data"]
        assert [e["type"] for e in new] == ["key.revoked"] * 10 + ["account.deleted"]
        assert {e["object"] for e in new[:10]} == keys and new[10]["object"] == a["id"]
        assert all(e["account"] == a["id"] for e in new)
