# SPDX-License-Identifier: MIT
"""Leases (API.md "Lease" shape and POST /v1/leases rules; DESIGN.md "Lease"; seed 003 entitlement
set leases): applying a trial, its checks, one record per (account, product) with lease_count,
lease_active and lease_limit_reached, expiry seen by evaluate, extension, list filters, who
made each change, and what account keys may do.

The daemon's clock cannot be moved from here, and a lease lasts at least one day: expiry is
checked through evaluate's "at", and re-leasing on a daemon of its own whose store is edited
while it is stopped, as if the lease had been applied days before (AgedStore)."""
import secrets
import time
from datetime import datetime, timezone

import pytest

from client import Client, problem
from helpers import events_count, list_all, ms
from conftest import store_sql

NOWHERE = "0190a0b4-0000-7000-8000-000000000000"
DAY_MS = 86400 * 1000


def text(ms_):
    dt = datetime.fromtimestamp(ms_ / 1000, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms_ % 1000:03d}Z"


def now_ms():
    return int(time.time() * 1000)


def trial_product(api, max_leases=None, max_lease_days=None):
    """A product granting a fresh switch feature; answers (product, feature)."""
    f = api.make_feature(type="switch")
    p = api.make_product(category="other", max_leases=max_leases, max_lease_days=max_lease_days,
                         entitlements=[{"feature": f["key"], "value": "true"}])
    return p, f


def apply(client, account, product, days=14, accepted=True):
    body = {"product": product, "duration_days": days, "accepted_terms": accepted}
    if account is not None:
        body["account"] = account
    return client.post("/v1/leases", body)


def evaluate(api, account, feature, at=None):
    body = {"account": account, "features": [feature["key"]]}
    if at is not None:
        body["at"] = at
    r = api.post("/v1/evaluate", body)
    assert r.status_code == 200, r.text
    return r.json()["entitlements"][0]


def admin_client(api):
    """A client with a fresh admin key of known id: (client, key id)."""
    k = api.make_key("admin")
    return api.with_key(k["key"]), k["id"]


def listed(api, query):
    return list_all(api, f"/v1/leases?{query}&limit=100")


# --------------------------------------------------------------------------------------------
# Apply
# --------------------------------------------------------------------------------------------

def test_42_01_apply_a_lease(api):
    """API.md "Lease": from now for duration_days; lease_count 1; created_by/updated_by are the
    key's id; the product's features are granted while it lasts."""
    acc = api.make_account()
    p, f = trial_product(api, max_leases=3, max_lease_days=30)
    admin, key_id = admin_client(api)
    t0 = now_ms()
    r = apply(admin, acc["key"], p["id"], days=14)
    t1 = now_ms()
    assert r.status_code == 201, r.text
    lease = r.json()
    assert lease["account"] == acc["id"] and lease["product"] == p["key"]
    assert lease["status"] == "active" and lease["lease_count"] == 1
    assert t0 - 1000 <= ms(lease["valid_from"]) <= t1 + 1000
    assert ms(lease["valid_until"]) - ms(lease["valid_from"]) == 14 * DAY_MS
    assert lease["last_lease_end_date"] is None
    assert lease["created_by"] == key_id and lease["updated_by"] == key_id
    assert lease["created_at"] and lease["updated_at"]
    assert api.get(f"/v1/leases/{lease['id']}").json() == lease
    got = evaluate(api, acc["id"], f)
    assert got["value"] is True and got["reason"] == "granted"
    assert ms(got["expires_at"]) == ms(lease["valid_until"])


def test_42_02_the_lease_shows_as_an_entitlement_of_source_lease(api):
    """DESIGN.md "Entitlement": source is order, lease or manual."""
    acc = api.make_account()
    p, _ = trial_product(api)
    lease = apply(api, acc["id"], p["key"], days=3).json()
    ents = api.get(f"/v1/entitlements?account={acc['id']}&source=lease").json()["data"]
    assert len(ents) == 1, ents
    assert ents[0]["product"] == p["key"] and ents[0]["status"] == "active"
    assert ms(ents[0]["start_date"]) == ms(lease["valid_from"])
    assert ms(ents[0]["end_date"]) == ms(lease["valid_until"])


@pytest.mark.parametrize("body,field", [
    ({"accepted_terms": False}, "accepted_terms"),
    ({"accepted_terms": None}, "accepted_terms"),
    ({"accepted_terms": "true"}, "accepted_terms"),
    ({"accepted_terms": "@drop"}, "accepted_terms"),
    ({"duration_days": 0}, "duration_days"),
    ({"duration_days": -1}, "duration_days"),
    ({"duration_days": 31}, "duration_days"),
    ({"duration_days": 1.5}, "duration_days"),
    ({"duration_days": "14"}, "duration_days"),
    ({"duration_days": "@drop"}, "duration_days"),
    ({"product": "no-such-product"}, "product"),
    ({"product": NOWHERE}, "product"),
    ({"product": "@drop"}, "product"),
    ({"account": "no-such-account"}, "account"),
    ({"account": "@drop"}, "account"),
    ({"valid_until": "2030-01-01"}, "valid_until"),
    ({"colour": "red"}, "colour"),
])
def test_42_03_bad_applications_are_422_naming_the_field_and_change_nothing(api, body, field):
    """API.md: accepted_terms not true, duration_days < 1 or over max_lease_days: 422."""
    acc = api.make_account()
    p, f = trial_product(api, max_leases=2, max_lease_days=30)
    full = {"account": acc["id"], "product": p["key"], "duration_days": 14,
            "accepted_terms": True}
    full.update(body)
    full = {k: v for k, v in full.items() if v != "@drop"}
    before = events_count(api)
    problem(api.post("/v1/leases", full), 422, "validation_failed", field)
    assert events_count(api) == before
    assert listed(api, f"account={acc['id']}") == []
    assert evaluate(api, acc["id"], f)["value"] is False


def test_42_04_limits_are_inclusive_and_absent_limits_do_not_bound(api):
    acc = api.make_account()
    p, _ = trial_product(api, max_lease_days=30)
    assert apply(api, acc["id"], p["key"], days=30).status_code == 201
    free, _ = trial_product(api)
    r = apply(api, acc["id"], free["key"], days=3650)
    assert r.status_code == 201, r.text
    assert ms(r.json()["valid_until"]) - ms(r.json()["valid_from"]) == 3650 * DAY_MS
    assert apply(api, acc["id"], trial_product(api)[0]["key"], days=1).status_code == 201


def test_42_05_applying_while_active_is_409_lease_active(api):
    acc = api.make_account()
    p, _ = trial_product(api, max_leases=5)
    lease = apply(api, acc["id"], p["key"]).json()
    before = events_count(api)
    problem(apply(api, acc["id"], p["key"], days=3), 409, "lease_active")
    problem(apply(api, acc["key"], p["id"], days=3), 409, "lease_active")
    assert api.get(f"/v1/leases/{lease['id']}").json() == lease
    assert events_count(api) == before
    # Another account, or another product, is another lease.
    assert apply(api, api.make_account()["id"], p["key"]).status_code == 201
    assert apply(api, acc["id"], trial_product(api)[0]["key"]).status_code == 201


# --------------------------------------------------------------------------------------------
# Expiry, re-leasing and the limit
# --------------------------------------------------------------------------------------------

def test_42_06_evaluate_at_the_lease_boundaries(api):
    """DESIGN.md "Evaluation rules" 1: leases in force at t; at valid_until it no longer grants."""
    acc = api.make_account()
    p, f = trial_product(api)
    lease = apply(api, acc["id"], p["key"], days=2).json()
    start, end = ms(lease["valid_from"]), ms(lease["valid_until"])
    assert evaluate(api, acc["id"], f, text(start))["value"] is True
    assert evaluate(api, acc["id"], f, text(end - 1000))["value"] is True
    at_end = evaluate(api, acc["id"], f, text(end))
    assert at_end["value"] is False and at_end["reason"] == "expired"
    later = evaluate(api, acc["id"], f, text(end + 5 * DAY_MS))
    assert later["value"] is False and later["reason"] == "expired"
    before = evaluate(api, acc["id"], f, text(start - 1000))
    assert before["value"] is False and before["reason"] == "pending"


class AgedStore:
    """A daemon of its own whose leases can be made older.

    The daemon's clock cannot be moved and a lease lasts a day at least, so `age` stops the
    daemon, moves one lease's times (and those of its entitlements) back by some days in its
    store (SQLite or PostgreSQL: the same tables), as if it had been applied that much earlier, and starts the daemon again on
    the same store. Nothing else is touched, and the daemon starts with nothing in memory."""

    def __init__(self, new_daemon):
        self.admin_key = "test-admin-" + secrets.token_hex(20)
        self.daemon = new_daemon(admin_key=self.admin_key)
        self.restarted = []

    @property
    def api(self):
        return Client(self.daemon.url, self.admin_key)

    def age(self, lease_id, days):
        d = self.daemon
        assert d.stop() == 0
        back = days * DAY_MS
        _, n = store_sql(d.store, "UPDATE leases SET valid_from = valid_from - ?, "
                         "valid_until = valid_until - ?, created_ms = created_ms - ?, "
                         "updated_ms = updated_ms - ? WHERE id = ?",
                         (back, back, back, back, lease_id))
        assert n == 1, lease_id
        store_sql(d.store, "UPDATE entitlements SET start_ms = start_ms - ?, "
                  "end_ms = end_ms - ? WHERE lease_id = ?", (back, back, lease_id))
        self.daemon = type(d)(d.workdir, admin_key=self.admin_key)
        self.restarted.append(self.daemon)
        return self.api


@pytest.fixture
def aged(new_daemon):
    store = AgedStore(new_daemon)
    yield store
    for d in store.restarted:
        d.stop()


def test_42_07_an_expired_lease_is_expired_and_can_be_leased_again(aged):
    """DESIGN.md "Lease": status active or expired; re-leasing an expired lease counts up;
    last_lease_end_date is the end of the lease before; seed 003 ACTIVE/EXPIRED."""
    api = aged.api
    acc = api.make_account()
    p, f = trial_product(api, max_leases=3)
    first = apply(api, acc["id"], p["key"], days=7).json()
    api = aged.age(first["id"], 8)
    old = api.get(f"/v1/leases/{first['id']}").json()
    assert old["status"] == "expired" and old["lease_count"] == 1
    assert ms(old["valid_until"]) < now_ms()
    assert evaluate(api, acc["id"], f)["reason"] == "expired"
    assert [x["id"] for x in listed(api, f"account={acc['id']}&status=expired")] == [first["id"]]
    assert listed(api, f"account={acc['id']}&status=active") == []
    t0 = now_ms()
    r = apply(api, acc["id"], p["key"], days=5)
    assert r.status_code == 201, r.text
    second = r.json()
    assert second["id"] == first["id"]  # one record per (account, product)
    assert second["lease_count"] == 2 and second["status"] == "active"
    assert second["last_lease_end_date"] == old["valid_until"]
    assert ms(second["valid_from"]) >= t0 - 1000
    assert ms(second["valid_until"]) - ms(second["valid_from"]) == 5 * DAY_MS
    assert second["created_at"] == old["created_at"]
    assert evaluate(api, acc["id"], f)["reason"] == "granted"
    assert [x["id"] for x in listed(api, f"account={acc['id']}&status=active")] == [first["id"]]
    assert len(listed(api, f"account={acc['id']}")) == 1


def test_42_08_past_max_leases_is_409_lease_limit_reached(aged):
    """API.md "Lease": past max_leases: 409 lease_limit_reached."""
    api = aged.api
    acc = api.make_account()
    p, f = trial_product(api, max_leases=2)
    lease = apply(api, acc["id"], p["key"]).json()
    api = aged.age(lease["id"], 15)
    lease = apply(api, acc["id"], p["key"]).json()
    assert lease["lease_count"] == 2
    api = aged.age(lease["id"], 15)
    expired = api.get(f"/v1/leases/{lease['id']}").json()
    assert expired["status"] == "expired"
    before = events_count(api)
    problem(apply(api, acc["id"], p["key"]), 409, "lease_limit_reached")
    assert api.get(f"/v1/leases/{lease['id']}").json() == expired
    assert events_count(api) == before
    assert evaluate(api, acc["id"], f)["value"] is False
    # Another account still has its own leases to use.
    assert apply(api, api.make_account()["id"], p["key"]).status_code == 201


def test_42_09_max_leases_one_allows_one_lease(aged):
    api = aged.api
    acc = api.make_account()
    p, _ = trial_product(api, max_leases=1)
    lease = apply(api, acc["id"], p["key"]).json()
    problem(apply(api, acc["id"], p["key"]), 409, "lease_active")
    api = aged.age(lease["id"], 20)
    problem(apply(api, acc["id"], p["key"]), 409, "lease_limit_reached")


# --------------------------------------------------------------------------------------------
# Extend
# --------------------------------------------------------------------------------------------

def test_42_10_extend_with_patch(api):
    """API.md "Routes": PATCH /v1/leases/{id} extends; updated_by names the key that did."""
    acc = api.make_account()
    p, f = trial_product(api, max_lease_days=30)
    creator, creator_id = admin_client(api)
    lease = apply(creator, acc["id"], p["key"], days=7).json()
    changer, changer_id = admin_client(api)
    until = ms(lease["valid_until"]) + 10 * DAY_MS
    r = changer.patch(f"/v1/leases/{lease['id']}", {"valid_until": text(until)})
    assert r.status_code == 200, r.text
    x = r.json()
    assert ms(x["valid_until"]) == until and x["valid_from"] == lease["valid_from"]
    assert x["lease_count"] == 1 and x["status"] == "active"
    assert x["created_by"] == creator_id and x["updated_by"] == changer_id
    assert x["created_at"] == lease["created_at"]
    assert api.get(f"/v1/leases/{lease['id']}").json() == x
    assert evaluate(api, acc["id"], f, text(until - 1000))["value"] is True
    assert evaluate(api, acc["id"], f, text(until))["value"] is False
    # Not past the product's max_lease_days from valid_from.
    too_far = ms(lease["valid_from"]) + 30 * DAY_MS + 1000
    problem(api.patch(f"/v1/leases/{lease['id']}", {"valid_until": text(too_far)}), 422,
            "validation_failed", "valid_until")
    # Extending means later: a lease is not shortened.
    problem(api.patch(f"/v1/leases/{lease['id']}", {"valid_until": text(until - 1000)}), 422,
            "validation_failed", "valid_until")
    assert api.get(f"/v1/leases/{lease['id']}").json() == x
    free, _ = trial_product(api)
    other = apply(api, acc["id"], free["key"]).json()
    far = api.patch(f"/v1/leases/{other['id']}", {"valid_until": "2099-01-01"})
    assert far.status_code == 200, far.text
    assert far.json()["valid_until"] == "2099-01-01T00:00:00Z"


@pytest.mark.parametrize("body,field", [
    ({}, "valid_until"),
    ({"valid_until": None}, "valid_until"),
    ({"valid_until": "next week"}, "valid_until"),
    ({"valid_until": "2001-01-01T00:00:00Z"}, "valid_until"),
    ({"valid_until": "2099-01-01", "lease_count": 0}, "lease_count"),
    ({"valid_until": "2099-01-01", "status": "expired"}, "status"),
])
def test_42_11_bad_extensions_are_422_and_change_nothing(api, body, field):
    acc = api.make_account()
    p, _ = trial_product(api)
    lease = apply(api, acc["id"], p["key"]).json()
    before = events_count(api)
    problem(api.patch(f"/v1/leases/{lease['id']}", body), 422, "validation_failed", field)
    assert api.get(f"/v1/leases/{lease['id']}").json() == lease
    assert events_count(api) == before


def test_42_12_unknown_leases_are_404(api):
    for ident in (NOWHERE, "no-such-lease"):
        problem(api.get(f"/v1/leases/{ident}"), 404, "not_found")
        problem(api.patch(f"/v1/leases/{ident}", {"valid_until": "2099-01-01"}), 404,
                "not_found")


# --------------------------------------------------------------------------------------------
# Lists
# --------------------------------------------------------------------------------------------

def test_42_13_list_filters_by_account_product_and_status(api):
    """Seed 003: leases listed by tenant, entitlement set and status, with limit/offset."""
    a, b = api.make_account(), api.make_account()
    p1, _ = trial_product(api)
    p2, _ = trial_product(api)
    l_a1 = apply(api, a["id"], p1["key"]).json()
    l_a2 = apply(api, a["id"], p2["key"]).json()
    l_b1 = apply(api, b["id"], p1["key"]).json()

    def lids(query):
        return {x["id"] for x in listed(api, query)}

    assert lids(f"account={a['id']}") == {l_a1["id"], l_a2["id"]}
    assert lids(f"account={a['key']}") == {l_a1["id"], l_a2["id"]}
    assert lids(f"product={p1['key']}") == {l_a1["id"], l_b1["id"]}
    assert lids(f"product={p1['id']}&account={b['id']}") == {l_b1["id"]}
    assert lids(f"account={a['id']}&status=active") == {l_a1["id"], l_a2["id"]}
    assert lids(f"account={a['id']}&status=expired") == set()
    assert lids(f"product={p1['key']}&status=active") == {l_a1["id"], l_b1["id"]}
    page = api.get(f"/v1/leases?account={a['id']}&limit=1").json()
    assert page["count"] == 1 and page["total_count"] == 2 and page["next"]
    page2 = api.get(f"/v1/leases?account={a['id']}&limit=1&offset=1").json()
    assert page2["data"][0]["id"] != page["data"][0]["id"]


@pytest.mark.parametrize("query,field", [
    ("status=gone", "status"), ("status=ACTIVE_", "status"), ("limit=0", "limit"),
    ("limit=101", "limit"), ("offset=-1", "offset"), ("colour=red", "colour"),
])
def test_42_14_bad_list_queries_are_422(api, query, field):
    problem(api.get(f"/v1/leases?{query}"), 422, "validation_failed", field)


# --------------------------------------------------------------------------------------------
# Who may do what
# --------------------------------------------------------------------------------------------

def test_42_15_account_keys_apply_for_their_own_account_alone(api):
    """API.md "Conventions": an account key works for its account alone; another: 404."""
    mine, other = api.make_account(), api.make_account()
    p1, f1 = trial_product(api)
    p2, _ = trial_product(api)
    k = api.make_key("account", mine["id"])
    key = api.with_key(k["key"])
    r = apply(key, None, p1["key"])
    assert r.status_code == 201, r.text
    own = r.json()
    assert own["account"] == mine["id"]
    assert own["created_by"] == k["id"] and own["updated_by"] == k["id"]
    r = apply(key, mine["key"], p2["key"])
    assert r.status_code == 201, r.text
    before = events_count(api)
    problem(apply(key, other["id"], p1["key"]), 404, "not_found")
    problem(apply(key, "no-such-account", p1["key"]), 404, "not_found")
    assert events_count(api) == before
    assert listed(api, f"account={other['id']}") == []
    theirs = apply(api, other["id"], p1["key"]).json()
    page = key.get("/v1/leases?limit=100").json()
    assert page["total_count"] == 2
    assert {x["account"] for x in page["data"]} == {mine["id"]}
    assert key.get(f"/v1/leases?account={other['id']}").json()["total_count"] == 0
    assert key.get(f"/v1/leases/{own['id']}").json() == api.get(f"/v1/leases/{own['id']}").json()
    problem(key.get(f"/v1/leases/{theirs['id']}"), 404, "not_found")
    problem(key.patch(f"/v1/leases/{own['id']}", {"valid_until": "2099-01-01"}), 403,
            "forbidden")
    assert evaluate(api, mine["id"], f1)["value"] is True


def test_42_16_read_key_may_not_apply_or_extend(api):
    acc = api.make_account()
    p, _ = trial_product(api)
    lease = apply(api, acc["id"], p["key"]).json()
    read = api.with_key(api.make_key("read")["key"])
    assert read.get(f"/v1/leases/{lease['id']}").json() == lease
    problem(apply(read, api.make_account()["id"], p["key"]), 403, "forbidden")
    problem(read.patch(f"/v1/leases/{lease['id']}", {"valid_until": "2099-01-01"}), 403,
            "forbidden")
    assert api.get(f"/v1/leases/{lease['id']}").json() == lease


# --------------------------------------------------------------------------------------------
# Audit, idempotency, and what a lease holds on to
# --------------------------------------------------------------------------------------------

def test_42_17_applying_and_extending_are_events(api):
    acc = api.make_account()
    p, _ = trial_product(api)
    admin, key_id = admin_client(api)
    lease = apply(admin, acc["id"], p["key"], days=2).json()
    admin.patch(f"/v1/leases/{lease['id']}", {"valid_until": "2099-01-01"})
    events = [x for x in api.get(f"/v1/events?account={acc['id']}&limit=100").json()["data"]
              if x["object"] == lease["id"]]
    assert len(events) == 2, events
    applied, extended = events
    assert applied["before"] is None and applied["after"]["lease_count"] == 1
    assert extended["before"]["valid_until"] == lease["valid_until"]
    assert extended["after"]["valid_until"] == "2099-01-01T00:00:00Z"
    assert applied["actor"] == extended["actor"] == key_id


def test_42_18_idempotency_key_replays_an_application(api):
    """API.md "Conventions": a replay answers the first answer (not 409 lease_active)."""
    acc = api.make_account()
    p, _ = trial_product(api)
    body = {"account": acc["id"], "product": p["key"], "duration_days": 3,
            "accepted_terms": True}
    h = {"Idempotency-Key": "lease-" + secrets.token_hex(8)}
    r1 = api.post("/v1/leases", body, headers=h)
    r2 = api.post("/v1/leases", body, headers=h)
    assert r1.status_code == r2.status_code == 201, r2.text
    assert r2.headers["Idempotent-Replayed"] == "true" and r2.json() == r1.json()


def test_42_19_a_leased_product_cannot_be_deleted(api):
    """A product a lease names is a conflict to delete (409), never a 500."""
    acc = api.make_account()
    p, f = trial_product(api)
    apply(api, acc["id"], p["key"])
    problem(api.delete(f"/v1/products/{p['key']}"), 409, "conflict")
    assert api.get(f"/v1/products/{p['key']}").json() == p
    assert evaluate(api, acc["id"], f)["value"] is True


def test_42_20_an_expired_lease_cannot_be_extended(aged):
    """include/entitled.h: PATCH extends an active lease; an expired one is leased again
    (which counts against max_leases), not revived."""
    api = aged.api
    acc = api.make_account()
    p, f = trial_product(api, max_leases=1)
    lease = apply(api, acc["id"], p["key"]).json()
    api = aged.age(lease["id"], 20)
    before = api.get(f"/v1/leases/{lease['id']}").json()
    problem(api.patch(f"/v1/leases/{lease['id']}", {"valid_until": "2099-01-01"}), 409,
            "conflict")
    assert api.get(f"/v1/leases/{lease['id']}").json() == before
    assert evaluate(api, acc["id"], f)["reason"] == "expired"


def test_42_21_the_lease_decides_when_its_grant_ends(api):
    """DESIGN.md "Lease": a lease grants the product for duration_days, at most the product's
    max_lease_days; the lease record carries valid_from / valid_until. Its entitlement cannot
    be made to outlast it, or be moved to another account, behind the lease's back through
    /v1/entitlements: 4xx, and nothing changes."""
    acc, other = api.make_account(), api.make_account()
    p, f = trial_product(api, max_lease_days=5)
    lease = apply(api, acc["id"], p["key"], days=3).json()
    [e] = api.get(f"/v1/entitlements?account={acc['id']}&source=lease").json()["data"]
    assert e["lease"] == lease["id"]
    for body in ({"end_date": "2099-01-01"}, {"permanent": True}, {"account": other["id"]},
                 {"start_date": "2020-01-01"}):
        r = api.patch(f"/v1/entitlements/{e['id']}", body)
        assert r.status_code in (409, 422), (body, r.status_code, r.text)
    assert api.get(f"/v1/entitlements/{e['id']}").json() == e
    assert api.get(f"/v1/leases/{lease['id']}").json() == lease
    assert evaluate(api, acc["id"], f, lease["valid_until"])["value"] is False
    assert evaluate(api, other["id"], f)["value"] is False
    # Suspending the trial's grant is fine.
    r = api.patch(f"/v1/entitlements/{e['id']}", {"status": "suspended"})
    assert r.status_code == 200, r.text
    assert evaluate(api, acc["id"], f)["reason"] == "suspended"


def test_42_22_sort(api):
    acc = api.make_account()
    made = [apply(api, acc["id"], trial_product(api)[0]["key"], days=d).json()
            for d in (5, 2, 9)]
    by_end = [x["id"] for x in listed(api, f"account={acc['id']}&sort=valid_until")]
    assert by_end == [made[1]["id"], made[0]["id"], made[2]["id"]]
    newest = [x["id"] for x in listed(api, f"account={acc['id']}&sort=-created_at")]
    assert newest == [x["id"] for x in made][::-1]
