# SPDX-License-Identifier: MIT
"""The audit log (issue 2: an event for every change; GET /v1/events newest last)."""

from client import problem
from conftest import StoreError, store_sql


def test_81_01_every_change_is_an_event_with_before_and_after(api):
    last = api.get("/v1/events?limit=1&offset=0").json()["total_count"]
    f = api.make_feature()
    renamed = f"Renamed {f['key']}"
    api.patch(f"/v1/features/{f['id']}", {"name": renamed})
    api.delete(f"/v1/features/{f['id']}")
    page = api.get(f"/v1/events?limit=100&offset={last}").json()
    mine = [e for e in page["data"] if e["object"] == f["id"]]
    assert [e["type"] for e in mine] == ["feature.created", "feature.updated", "feature.deleted"]
    created, updated, deleted = mine
    assert created["before"] is None and created["after"]["key"] == f["key"]
    assert updated["before"]["name"] == f["name"] and updated["after"]["name"] == renamed
    assert deleted["after"] is None and deleted["before"]["name"] == renamed
    assert created["actor"]


def test_81_02_after_type_and_account_filters(api):
    f = api.make_feature()
    first = [e for e in api.get("/v1/events?type=feature.created&limit=100&offset=0")
             .json()["data"]]
    assert all(e["type"] == "feature.created" for e in first)
    created = api.get(f"/v1/events?type=feature.created&limit=100&offset="
                      f"{max(0, api.get('/v1/events?type=feature.created&limit=1').json()['total_count'] - 1)}").json()["data"]
    assert created[-1]["object"] == f["id"]
    after = api.get(f"/v1/events?after={created[-1]['id']}&limit=100").json()
    assert all(e["id"] > created[-1]["id"] for e in after["data"])
    acc = api.make_account()
    mine = api.get(f"/v1/events?account={acc['id']}").json()["data"]
    assert [e["type"] for e in mine] == ["account.created"]
    problem(api.get("/v1/events?after=not-a-uuid"), 422, "validation_failed", "after")


def test_81_03_key_events_never_hold_the_secret(api):
    k = api.make_key("read")
    total = api.get("/v1/events?limit=1").json()["total_count"]
    page = api.get(f"/v1/events?limit=20&offset={max(0, total - 20)}").text
    assert k["key"] not in page


def test_81_04_the_audit_log_is_append_only(api, daemon):
    api.make_feature()
    for sql in ["UPDATE events SET type = 'x'", "DELETE FROM events"]:
        try:
            store_sql(daemon.store, sql)
            raise AssertionError(f"{sql} was allowed")
        except StoreError as e:
            assert "append-only" in str(e)


def test_81_05_search_by_type_and_newest_first(api):
    """GET /v1/events?search= (the type contains it) and sort=-created_at (issue 16: the
    console's audit log, newest first)."""
    acc = api.make_account()
    f = api.make_feature()
    r = api.post("/v1/entitlements", {"account": acc["id"], "feature": f["key"], "value": "true"})
    assert r.status_code == 201, r.text
    api.delete(f"/v1/entitlements/{r.json()['id']}")
    newest = api.get(f"/v1/events?account={acc['id']}&sort=-created_at").json()["data"]
    oldest = api.get(f"/v1/events?account={acc['id']}&sort=created_at").json()["data"]
    assert [e["type"] for e in newest] == ["entitlement.revoked", "entitlement.created",
                                           "account.created"]
    assert newest == list(reversed(oldest))
    found = api.get(f"/v1/events?account={acc['id']}&search=ENTITLEMENT.").json()
    assert found["total_count"] == 2 and all(e["type"].startswith("entitlement.")
                                             for e in found["data"])
    assert api.get(f"/v1/events?account={acc['id']}&search=revok").json()["total_count"] == 1
    problem(api.get("/v1/events?sort=type"), 422, "validation_failed", "sort")
