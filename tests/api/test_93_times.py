# SPDX-License-Identifier: MIT
"""Times are values (issue "Hardening", 5): 1970-01-01T00:00:00Z is an instant like any other,
never "no date", and the bounds of the valid range (0001-01-01T00:00:00Z to
9999-12-31T23:59:59.999Z) are stored and answered exactly, on SQLite and on PostgreSQL.

Before, an entitlement ending at the epoch was stored as permanent and granted now, a usage event
at the epoch counted in the current window, evaluate `at` the epoch evaluated now, and a
December 1969 window answered `window_end` null.
"""
from client import unique, unique_feature

EPOCH = "1970-01-01T00:00:00Z"
MIN = "0001-01-01T00:00:00Z"
MAX = "9999-12-31T23:59:59.999Z"


def feature(api, type_, **extra):
    body = {**unique_feature(), "type": type_, **extra}
    r = api.post("/v1/features", body)
    assert r.status_code == 201, r.text
    return r.json()


def grant(api, acc, f, value, **dates):
    r = api.post("/v1/entitlements", {"account": acc["id"], "feature": f["key"], "value": value,
                                      **dates})
    assert r.status_code == 201, r.text
    return r.json()


def evaluate(api, acc, f, at=None):
    body = {"account": acc["id"], "features": [f["key"]]}
    if at is not None:
        body["at"] = at
    r = api.post("/v1/evaluate", body)
    assert r.status_code == 200, r.text
    return r.json()


def usage(api, acc, f, timestamp, amount=1):
    r = api.post("/v1/usage", {"account": acc["id"], "feature": f["key"], "amount": amount,
                               "timestamp": timestamp})
    assert r.status_code == 201, r.text
    return r.json()


def test_93_01_an_entitlement_ending_at_the_epoch_ends_then(api):
    acc = api.make_account()
    f = feature(api, "switch")
    e = grant(api, acc, f, "true", start_date="1969-12-01T00:00:00Z", end_date=EPOCH)
    assert e["end_date"] == EPOCH and e["permanent"] is False and e["status"] == "expired"
    again = api.get(f"/v1/entitlements/{e['id']}").json()
    assert again["end_date"] == EPOCH and again["permanent"] is False
    now = evaluate(api, acc, f)["entitlements"][0]
    assert now["value"] is False and now["reason"] == "expired"
    before = evaluate(api, acc, f, at="1969-12-31T23:59:59.999Z")["entitlements"][0]
    assert before["value"] is True and before["expires_at"] == EPOCH


def test_93_02_a_usage_event_at_the_epoch_counts_in_its_own_window(api):
    acc = api.make_account()
    f = feature(api, "metered", unit="call", reset_period="month")
    grant(api, acc, f, "100", start_date="1969-01-01T00:00:00Z")
    got = usage(api, acc, f, EPOCH, amount=5)
    assert got["window_start"] == EPOCH and got["window_end"] == "1970-02-01T00:00:00Z"
    assert got["usage"] == 5
    assert evaluate(api, acc, f)["entitlements"][0]["usage"] == 0
    then = evaluate(api, acc, f, at="1970-01-15T00:00:00Z")["entitlements"][0]
    assert then["usage"] == 5 and then["resets_at"] == "1970-02-01T00:00:00Z"


def test_93_03_evaluate_at_the_epoch_evaluates_then(api):
    acc = api.make_account()
    f = feature(api, "switch")
    grant(api, acc, f, "true", start_date=EPOCH)
    at = evaluate(api, acc, f, at=EPOCH)
    assert at["evaluated_at"] == EPOCH
    assert at["entitlements"][0]["value"] is True
    before = evaluate(api, acc, f, at="1969-12-31T23:59:59.999Z")["entitlements"][0]
    assert before["value"] is False and before["reason"] == "pending"


def test_93_04_a_december_1969_window_ends_at_the_epoch(api):
    acc = api.make_account()
    f = feature(api, "metered", unit="call", reset_period="month")
    grant(api, acc, f, "100", start_date="1969-01-01T00:00:00Z")
    got = usage(api, acc, f, "1969-12-15T00:00:00Z")
    assert got["window_start"] == "1969-12-01T00:00:00Z" and got["window_end"] == EPOCH
    hour = api.get("/v1/usage", params={"account": acc["id"], "feature": f["key"],
                                        "from": "1969-12-15T00:00:00Z", "to": "1970-01-01T01:00:00Z",
                                        "granularity": "hour"}).json()
    assert hour["data"] == [{"start": "1969-12-15T00:00:00Z", "usage": 1}]


def test_93_05_the_bounds_of_the_valid_range_are_stored_exactly(api):
    acc = api.make_account()
    f = feature(api, "switch")
    e = grant(api, acc, f, "true", start_date=MIN, end_date=MAX)
    assert (e["start_date"], e["end_date"], e["status"]) == (MIN, MAX, "active")
    again = api.get(f"/v1/entitlements/{e['id']}").json()
    assert (again["start_date"], again["end_date"]) == (MIN, MAX)
    for at in (MIN, "9999-12-31T23:59:59.998Z"):
        got = evaluate(api, acc, f, at=at)
        assert got["evaluated_at"] == at
        assert got["entitlements"][0]["value"] is True
        assert got["entitlements"][0]["expires_at"] == MAX
    last = evaluate(api, acc, f, at=MAX)  # the end is exclusive
    assert last["evaluated_at"] == MAX and last["entitlements"][0]["reason"] == "expired"
    m = feature(api, "metered", unit="call", reset_period="month")
    grant(api, acc, m, "10", start_date=MIN)
    got = usage(api, acc, m, MIN)
    assert got["window_start"] == MIN and got["window_end"] == "0001-02-01T00:00:00Z"


def test_93_06_times_outside_the_range_are_refused_naming_the_field(api):
    acc = api.make_account()
    f = feature(api, "switch")
    for field, value in (("start_date", "0000-12-31T23:59:59Z"),
                         ("end_date", "10000-01-01T00:00:00Z")):
        r = api.post("/v1/entitlements", {"account": acc["id"], "feature": f["key"],
                                          "value": "true", field: value}, check=False)
        assert r.status_code == 422, r.text
        assert [e["field"] for e in r.json()["errors"]] == [field]
    r = api.post("/v1/evaluate", {"account": acc["id"], "features": [f["key"]],
                                  "at": "0000-01-01T00:00:00Z"}, check=False)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "at"
