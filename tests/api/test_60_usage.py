# SPDX-License-Identifier: MIT
"""Metered usage (API.md "Usage", "Usage batch", "Usage series"; DESIGN.md "Usage event" and
evaluation rule 4; seed 002: a feature whose usage limit resets every period): recording one
event, the window it counts in, enforced limits, idempotency keys, batches of up to 1000
events, series, what evaluation shows after usage, and every refusal of the three routes."""
from datetime import datetime, timedelta, timezone

import pytest

from client import problem, unique
from helpers import iso

NOWHERE = "0190a0b4-0000-7000-8000-000000000000"


def now():
    return datetime.now(timezone.utc)


def month_window(dt):
    start = dt.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return iso(start), iso(end)


def day_window(dt):
    start = dt.replace(hour=0, minute=0, second=0, microsecond=0)
    return iso(start), iso(start + timedelta(days=1))


def metered(api, period="month", **fields):
    return api.make_feature(type="metered", unit="call", reset_period=period, **fields)


def grant(api, account, feature, value):
    r = api.post("/v1/entitlements", {"account": account["id"], "feature": feature["key"],
                                      "value": value})
    assert r.status_code == 201, r.text
    return r.json()


def granted(api, period="month", limit="10"):
    """An account granted a metered feature of `limit` per `period`."""
    acc = api.make_account()
    f = metered(api, period)
    grant(api, acc, f, limit)
    return acc, f


def record(api, account, feature, amount=1, status=201, **fields):
    body = {"feature": feature["key"] if isinstance(feature, dict) else feature,
            "amount": amount, **fields}
    if account is not None:
        body["account"] = account["id"] if isinstance(account, dict) else account
    r = api.post("/v1/usage", body)
    assert r.status_code == status, r.text
    return r.json()


def evaluate(api, account, feature, at=None):
    body = {"account": account["id"], "features": [feature["key"]]}
    if at:
        body["at"] = at
    r = api.post("/v1/evaluate", body)
    assert r.status_code == 200, r.text
    return r.json()["entitlements"][0]


def usage_of(api, account, feature):
    return evaluate(api, account, feature)["usage"]


# --------------------------------------------------------------------------------------------
# POST /v1/usage
# --------------------------------------------------------------------------------------------

def test_60_01_an_event_is_recorded_in_its_window(api):
    """API.md "Usage": 201 with recorded, usage, limit, remaining and the window."""
    acc, f = granted(api, "month", "10")
    got = record(api, acc, f, 3)
    start, end = month_window(now())
    assert got == {"recorded": True, "account": acc["id"], "feature": f["key"], "usage": 3,
                   "limit": 10, "remaining": 7, "window_start": start, "window_end": end}
    got = record(api, acc["key"], f, 4)
    assert got["usage"] == 7 and got["remaining"] == 3 and got["account"] == acc["id"]


def test_60_02_feature_by_id_and_the_usage_accumulates_past_the_limit_without_enforce(api):
    acc, f = granted(api, "day", "5")
    assert record(api, acc, f["id"], 4)["usage"] == 4
    got = record(api, acc, f["key"], 3, enforce=False)
    assert got["usage"] == 7 and got["limit"] == 5 and got["remaining"] == 0
    assert (got["window_start"], got["window_end"]) == day_window(now())


def test_60_03_unlimited_and_ungranted_features_have_no_limit(api):
    acc = api.make_account()
    f = metered(api, levels=[{"value": "100"},
                             {"value": "unlimited", "is_unlimited": True}])
    grant(api, acc, f, "unlimited")
    got = record(api, acc, f, 1000, enforce=True)
    assert got["usage"] == 1000 and got["limit"] is None and got["remaining"] is None
    other = metered(api)
    got = record(api, acc, other, 2)
    assert got["recorded"] is True and got["limit"] is None and got["usage"] == 2


def test_60_04_a_never_resetting_feature_has_no_window(api):
    acc, f = granted(api, "never", "10")
    got = record(api, acc, f, 2)
    assert got["window_start"] is None and got["window_end"] is None and got["usage"] == 2
    old = iso(now() - timedelta(days=400))
    assert record(api, acc, f, 1, timestamp=old)["usage"] == 3


def test_60_05_an_event_in_the_past_counts_in_its_own_window(api):
    """DESIGN.md "Usage event": counted in the reset window that contains its time."""
    acc = api.make_account()
    f = metered(api, "day")
    r = api.post("/v1/entitlements", {"account": acc["id"], "feature": f["key"], "value": "10",
                                      "start_date": iso(now() - timedelta(days=3))})
    assert r.status_code == 201, r.text
    yesterday = now() - timedelta(days=1)
    got = record(api, acc, f, 4, timestamp=iso(yesterday))
    assert (got["window_start"], got["window_end"]) == day_window(yesterday)
    assert got["usage"] == 4
    today = record(api, acc, f, 1)
    assert today["usage"] == 1 and (today["window_start"], today["window_end"]) == day_window(
        now())
    assert usage_of(api, acc, f) == 1
    past = evaluate(api, acc, f, at=iso(yesterday))
    assert past["usage"] == 4 and past["remaining"] == 6


def test_60_06_timestamps_more_than_five_minutes_ahead_are_refused(api):
    acc, f = granted(api)
    problem(api.post("/v1/usage", {"account": acc["id"], "feature": f["key"], "amount": 1,
                                   "timestamp": iso(now() + timedelta(minutes=6))}),
            422, "validation_failed", "timestamp")
    record(api, acc, f, 1, timestamp=iso(now() + timedelta(minutes=4)))
    record(api, acc, f, 1, timestamp=(now() + timedelta(minutes=1)).strftime(
        "%Y-%m-%dT%H:%M:%S+00:00"))
    assert usage_of(api, acc, f) == 2


def test_60_07_the_same_idempotency_key_is_counted_once(api):
    """API.md "Usage": the same idempotency_key for the same account again: 200 with the first
    answer, counted once, whatever the rest of the event says."""
    acc, f = granted(api, "month", "10")
    first = record(api, acc, f, 2, idempotency_key="req-1")
    again = record(api, acc, f, 2, status=200, idempotency_key="req-1")
    assert again == first
    other = record(api, acc, f, 5, status=200, idempotency_key="req-1", enforce=True)
    assert other == first and other["usage"] == 2
    assert usage_of(api, acc, f) == 2
    assert record(api, acc, f, 1, idempotency_key="req-2")["usage"] == 3
    # Keys are per account: another account may use the same one.
    acc2 = api.make_account()
    grant(api, acc2, f, "10")
    assert record(api, acc2, f, 1, idempotency_key="req-1")["usage"] == 1
    assert usage_of(api, acc, f) == 3


def test_60_08_a_replay_answers_the_first_window_even_later(api):
    acc, f = granted(api, "day", "10")
    yesterday = iso(now() - timedelta(days=1))
    first = record(api, acc, f, 3, timestamp=yesterday, idempotency_key="late")
    assert record(api, acc, f, 3, status=200, idempotency_key="late") == first


def test_60_09_enforce_is_exact_at_the_limit(api):
    """API.md "Usage": with enforce, an event that would pass the limit is not recorded: 409
    limit_reached with the same fields."""
    acc, f = granted(api, "month", "10")
    for i in range(1, 11):
        got = record(api, acc, f, 1, enforce=True)
        assert got["usage"] == i and got["remaining"] == 10 - i
    r = api.post("/v1/usage", {"account": acc["id"], "feature": f["key"], "amount": 1,
                               "enforce": True})
    doc = problem(r, 409, "limit_reached")
    start, end = month_window(now())
    assert doc["recorded"] is False and doc["usage"] == 10 and doc["limit"] == 10
    assert doc["remaining"] == 0 and doc["account"] == acc["id"] and doc["feature"] == f["key"]
    assert doc["window_start"] == start and doc["window_end"] == end
    assert usage_of(api, acc, f) == 10


def test_60_10_enforce_refuses_an_amount_that_would_pass_but_takes_one_that_fits(api):
    acc, f = granted(api, "month", "10")
    record(api, acc, f, 8, enforce=True)
    doc = problem(api.post("/v1/usage", {"account": acc["id"], "feature": f["key"],
                                         "amount": 3, "enforce": True}), 409, "limit_reached")
    assert doc["usage"] == 8 and doc["remaining"] == 2
    assert record(api, acc, f, 2, enforce=True)["remaining"] == 0
    # A refused event does not take its idempotency key.
    problem(api.post("/v1/usage", {"account": acc["id"], "feature": f["key"], "amount": 1,
                                   "enforce": True, "idempotency_key": "k"}),
            409, "limit_reached")
    assert record(api, acc, f, 1, idempotency_key="k")["usage"] == 11


def test_60_11_enforce_refuses_every_event_when_nothing_grants_the_feature(api):
    acc = api.make_account()
    f = metered(api)
    doc = problem(api.post("/v1/usage", {"account": acc["id"], "feature": f["key"],
                                         "amount": 1, "enforce": True}), 409, "limit_reached")
    assert doc["recorded"] is False and doc["usage"] == 0 and doc["limit"] is None
    # An expired grant gives nothing either.
    r = api.post("/v1/entitlements", {"account": acc["id"], "feature": f["key"], "value": "5",
                                      "start_date": iso(now() - timedelta(days=10)),
                                      "end_date": iso(now() - timedelta(days=5))})
    assert r.status_code == 201, r.text
    problem(api.post("/v1/usage", {"account": acc["id"], "feature": f["key"], "amount": 1,
                                   "enforce": True}), 409, "limit_reached")
    # The limit is the one in force at the event's time.
    got = record(api, acc, f, 2, enforce=True, timestamp=iso(now() - timedelta(days=6)))
    assert got["limit"] == 5 and got["usage"] == 2


def test_60_12_evaluate_shows_the_usage_and_limit_reached(api):
    """API.md "Evaluate": for metered features usage is the current window's, remaining what
    is left, and resets_at when the window ends; DESIGN.md rule 5: limit_reached."""
    acc, f = granted(api, "month", "5")
    before = evaluate(api, acc, f)
    assert before["usage"] == 0 and before["remaining"] == 5 and before["value"] is True
    record(api, acc, f, 3)
    got = evaluate(api, acc, f)
    start, end = month_window(now())
    assert got["usage"] == 3 and got["remaining"] == 2 and got["limit"] == 5
    assert got["resets_at"] == end and got["reason"] == "granted"
    record(api, acc, f, 2, enforce=True)
    got = evaluate(api, acc, f)
    assert got["value"] is False and got["reason"] == "limit_reached" and got["remaining"] == 0


def test_60_13_an_account_key_records_for_its_own_account_alone(api):
    acc, f = granted(api)
    other = api.make_account()
    grant(api, other, f, "10")
    own = api.with_key(api.make_key("account", acc["id"])["key"])
    got = record(own, None, f, 2)
    assert got["account"] == acc["id"]
    assert record(own, acc["key"], f, 1)["usage"] == 3
    for ref in (other["id"], other["key"], NOWHERE, "no-such-account"):
        doc = problem(own.post("/v1/usage", {"account": ref, "feature": f["key"],
                                             "amount": 1}), 404, "not_found")
        assert "errors" not in doc
    assert usage_of(api, other, f) == 0


def test_60_14_keys_that_may_not_record(api, anon):
    acc, f = granted(api)
    body = {"account": acc["id"], "feature": f["key"], "amount": 1}
    problem(anon.post("/v1/usage", body), 401, "unauthorized")
    reader = api.with_key(api.make_key("read")["key"])
    problem(reader.post("/v1/usage", body), 403, "forbidden")
    problem(reader.post("/v1/usage/batch", {"events": [body]}), 403, "forbidden")
    assert usage_of(api, acc, f) == 0


def test_60_15_unknown_accounts_are_404(api):
    f = metered(api)
    for ref in (NOWHERE, "no-such-account"):
        problem(api.post("/v1/usage", {"account": ref, "feature": f["key"], "amount": 1}),
                404, "not_found")


@pytest.mark.parametrize("change,field", [
    ({"amount": 0}, "amount"),
    ({"amount": -3}, "amount"),
    ({"amount": 1.5}, "amount"),
    ({"amount": "1"}, "amount"),
    ({"amount": None}, "amount"),
    ({"amount": 10 ** 13}, "amount"),
    ({"feature": None}, "feature"),
    ({"feature": ""}, "feature"),
    ({"feature": "no-such-feature"}, "feature"),
    ({"feature": 7}, "feature"),
    ({"timestamp": "yesterday"}, "timestamp"),
    ({"timestamp": "2026-01-01"}, "timestamp"),
    ({"timestamp": 1700000000}, "timestamp"),
    ({"idempotency_key": ""}, "idempotency_key"),
    ({"idempotency_key": "x" * 256}, "idempotency_key"),
    ({"idempotency_key": "caf\u00e9"}, "idempotency_key"),
    ({"idempotency_key": "tab\there"}, "idempotency_key"),
    ({"enforce": "yes"}, "enforce"),
    ({"account": 5}, "account"),
    ({"colour": "red"}, "colour"),
])
def test_60_16_invalid_events_are_422_naming_the_field_and_record_nothing(api, change, field):
    acc, f = granted(api)
    body = {"account": acc["id"], "feature": f["key"], "amount": 1}
    body.update(change)
    if body["feature"] is None:
        del body["feature"]
    problem(api.post("/v1/usage", body), 422, "validation_failed", field)
    assert usage_of(api, acc, f) == 0


def test_60_17_a_feature_that_is_not_metered_and_an_admin_without_account_are_422(api):
    acc = api.make_account()
    sw = api.make_feature(type="switch")
    doc = problem(api.post("/v1/usage", {"account": acc["id"], "feature": sw["key"],
                                         "amount": 1}), 422, "validation_failed", "feature")
    assert any("metered" in e["message"] for e in doc["errors"])
    f = metered(api)
    problem(api.post("/v1/usage", {"feature": f["key"], "amount": 1}), 422,
            "validation_failed", "account")
    r = api.post("/v1/usage", {"account": acc["id"], "feature": f["key"], "amount": 0,
                               "idempotency_key": ""})
    fields = {e["field"] for e in problem(r, 422, "validation_failed")["errors"]}
    assert {"amount", "idempotency_key"} <= fields


def test_60_18_malformed_requests(api):
    problem(api.post("/v1/usage", raw="{not json"), 400, "invalid_json")
    problem(api.post("/v1/usage", raw="[]"), 400, "invalid_json")
    problem(api.post("/v1/usage", raw="{}", headers={"Content-Type": "text/plain"}), 415,
            "unsupported_media_type")
    problem(api.post("/v1/usage", {}), 422, "validation_failed", "feature")
    problem(api.delete("/v1/usage"), 405, "method_not_allowed")
    problem(api.get("/v1/usage/batch"), 405, "method_not_allowed")


def test_60_19_the_idempotency_key_header_is_not_what_deduplicates_usage(api):
    """POST /v1/usage takes its idempotency from the event's own idempotency_key."""
    acc, f = granted(api)
    for _ in range(2):
        r = api.post("/v1/usage", {"account": acc["id"], "feature": f["key"], "amount": 1},
                     headers={"Idempotency-Key": unique("h")})
        assert r.status_code == 201, r.text
    assert usage_of(api, acc, f) == 2


# --------------------------------------------------------------------------------------------
# POST /v1/usage/batch
# --------------------------------------------------------------------------------------------

def batch(api, events, status=200):
    r = api.post("/v1/usage/batch", {"events": events})
    assert r.status_code == status, r.text
    return r.json()


def test_60_20_a_batch_answers_one_result_per_event_in_order(api):
    acc, f = granted(api, "month", "3")
    got = batch(api, [
        {"account": acc["id"], "feature": f["key"], "amount": 2},
        {"account": acc["id"], "feature": f["key"], "amount": 1, "idempotency_key": "b1"},
        {"account": acc["id"], "feature": f["key"], "amount": 1, "idempotency_key": "b1"},
        {"account": acc["id"], "feature": f["key"], "amount": 1, "enforce": True},
        {"account": acc["id"], "feature": f["key"], "amount": 0},
        {"account": NOWHERE, "feature": f["key"], "amount": 1},
    ])["results"]
    assert [x["status"] for x in got] == [201, 201, 200, 409, 422, 404]
    start, end = month_window(now())
    assert got[0] == {"recorded": True, "account": acc["id"], "feature": f["key"], "usage": 2,
                      "limit": 3, "remaining": 1, "window_start": start, "window_end": end,
                      "status": 201}
    assert got[1]["usage"] == 3 and got[2] == dict(got[1], status=200)
    assert got[3]["type"] == "limit_reached" and got[3]["recorded"] is False
    assert got[3]["usage"] == 3 and got[3]["remaining"] == 0
    assert got[4]["type"] == "validation_failed" and got[4]["errors"][0]["field"] == "amount"
    assert got[5]["type"] == "not_found"
    assert usage_of(api, acc, f) == 3


def test_60_21_a_batch_of_1000_with_mixed_results(api):
    """API.md "Usage batch": up to 1000 events, one result each, in the order sent; each event
    sees the usage and the idempotency keys the events before it left. Every tenth event is
    invalid, every tenth replays the key of an earlier one; the rest are enforced against a
    limit of 600, which the batch passes half-way."""
    acc, f = granted(api, "month", "600")
    events = []
    for i in range(1000):
        if i % 10 == 0:
            events.append({"account": acc["id"], "feature": f["key"], "amount": 0})
        else:
            key = f"k{i - 9}" if i % 10 == 1 and i > 1 else f"k{i}"
            events.append({"account": acc["key"] if i % 2 else acc["id"], "feature": f["key"],
                           "amount": 1, "enforce": True, "idempotency_key": key})
    got = batch(api, events)["results"]
    assert len(got) == 1000
    usage, taken = 0, {}
    for i, (ev, x) in enumerate(zip(events, got)):
        if ev["amount"] == 0:
            assert x["status"] == 422 and x["errors"][0]["field"] == "amount", (i, x)
        elif ev["idempotency_key"] in taken:
            assert x == dict(taken[ev["idempotency_key"]], status=200), (i, x)
        elif usage < 600:
            usage += 1
            assert x["status"] == 201 and x["usage"] == usage, (i, x)
            assert x["remaining"] == 600 - usage and x["limit"] == 600, (i, x)
            taken[ev["idempotency_key"]] = dict(x, status=None)
        else:
            assert x["status"] == 409 and x["type"] == "limit_reached", (i, x)
            assert x["usage"] == 600 and x["recorded"] is False, (i, x)
    statuses = [x["status"] for x in got]
    assert statuses.count(201) == 600 and 200 in statuses and 409 in statuses
    assert usage_of(api, acc, f) == 600


def test_60_22_a_batch_checks_each_event_against_the_usage_before_it(api):
    acc, f = granted(api, "never", "5")
    ev = {"account": acc["id"], "feature": f["key"], "amount": 2, "enforce": True}
    got = batch(api, [ev, ev, ev, dict(ev, amount=1)])["results"]
    assert [x["status"] for x in got] == [201, 201, 409, 201]
    assert [x["usage"] for x in got] == [2, 4, 4, 5]


def test_60_23_batch_events_that_do_not_decode_get_their_own_422(api):
    acc, f = granted(api)
    good = {"account": acc["id"], "feature": f["key"], "amount": 1}
    got = batch(api, [good, 5, dict(good, colour="red"), dict(good, amount="x"), good])
    st = [x["status"] for x in got["results"]]
    assert st == [201, 422, 422, 422, 201]
    assert got["results"][2]["errors"][0]["field"] == "colour"
    assert got["results"][3]["errors"][0]["field"] == "amount"
    assert usage_of(api, acc, f) == 2
    assert [x["status"] for x in batch(api, [7, None])["results"]] == [422, 422]


@pytest.mark.parametrize("body,field", [
    ({"events": []}, "events"),
    ({}, "events"),
    ({"events": {"amount": 1}}, "events"),
    ({"events": [{"amount": 1}] * 1001}, "events"),
    ({"events": [], "extra": 1}, "extra"),
])
def test_60_24_bad_batches_are_422(api, body, field):
    problem(api.post("/v1/usage/batch", body), 422, "validation_failed", field)


def test_60_25_an_account_key_batches_for_its_own_account_alone(api, anon):
    acc, f = granted(api)
    other = api.make_account()
    own = api.with_key(api.make_key("account", acc["id"])["key"])
    got = batch(own, [{"feature": f["key"], "amount": 1},
                      {"account": other["id"], "feature": f["key"], "amount": 1},
                      {"account": acc["key"], "feature": f["key"], "amount": 1}])["results"]
    assert [x["status"] for x in got] == [201, 404, 201]
    assert "errors" not in got[1]
    problem(anon.post("/v1/usage/batch", {"events": [{"feature": f["key"], "amount": 1}]}),
            401, "unauthorized")
    problem(api.post("/v1/usage/batch", raw="{"), 400, "invalid_json")


# --------------------------------------------------------------------------------------------
# GET /v1/usage
# --------------------------------------------------------------------------------------------

def series(api, params, status=200):
    r = api.get("/v1/usage", params=params)
    assert r.status_code == status, r.text
    return r.json()


def test_60_26_series_sums_events_per_bucket_in_time_order(api):
    acc, f = granted(api, "hour", "100")
    base = (now() - timedelta(days=40)).replace(minute=0, second=0, microsecond=0)
    base = base.replace(hour=10)
    stamps = [(base, 1), (base + timedelta(minutes=30), 2), (base + timedelta(hours=1), 4),
              (base + timedelta(days=1), 8), (base + timedelta(days=35), 16)]
    for ts, amount in stamps:
        record(api, acc, f, amount, timestamp=iso(ts))
    params = {"account": acc["id"], "feature": f["key"], "from": iso(base - timedelta(days=1)),
              "to": iso(base + timedelta(days=36))}
    hours = series(api, dict(params, granularity="hour"))
    assert hours["account"] == acc["id"] and hours["feature"] == f["key"]
    assert hours["granularity"] == "hour"
    assert hours["data"] == [{"start": iso(base), "usage": 3},
                             {"start": iso(base + timedelta(hours=1)), "usage": 4},
                             {"start": iso(base + timedelta(days=1)), "usage": 8},
                             {"start": iso(base + timedelta(days=35)), "usage": 16}]
    days = series(api, dict(params, granularity="day"))["data"]
    midnight = base.replace(hour=0)
    assert days == [{"start": iso(midnight), "usage": 7},
                    {"start": iso(midnight + timedelta(days=1)), "usage": 8},
                    {"start": iso(midnight + timedelta(days=35)), "usage": 16}]
    months = series(api, dict(params, granularity="month"))["data"]
    assert sum(b["usage"] for b in months) == 31
    assert [b["start"] for b in months] == sorted({month_window(ts)[0] for ts, _ in stamps})
    # from is inclusive, to exclusive.
    narrow = series(api, dict(params, granularity="hour", **{
        "from": iso(base + timedelta(minutes=30)), "to": iso(base + timedelta(hours=1))}))
    assert narrow["data"] == [{"start": iso(base), "usage": 2}]
    empty = series(api, dict(params, granularity="day",
                             **{"to": iso(base - timedelta(hours=1))}))
    assert empty["data"] == []


def test_60_27_series_for_account_and_read_keys(api):
    acc, f = granted(api)
    record(api, acc, f, 5)
    other = api.make_account()
    params = {"feature": f["key"], "from": iso(now() - timedelta(days=2)),
              "to": iso(now() + timedelta(days=1)), "granularity": "day"}
    own = api.with_key(api.make_key("account", acc["id"])["key"])
    assert series(own, params)["data"][0]["usage"] == 5
    assert series(own, dict(params, account=acc["key"]))["account"] == acc["id"]
    for ref in (other["id"], NOWHERE):
        doc = problem(own.get("/v1/usage", params=dict(params, account=ref)), 404, "not_found")
        assert "errors" not in doc
    reader = api.with_key(api.make_key("read")["key"])
    assert series(reader, dict(params, account=acc["id"]))["data"][0]["usage"] == 5
    problem(reader.get("/v1/usage", params=params), 422, "validation_failed", "account")
    problem(api.get("/v1/usage", params=dict(params, account=NOWHERE)), 404, "not_found")


@pytest.mark.parametrize("change,field", [
    ({"from": None}, "from"),
    ({"to": None}, "to"),
    ({"granularity": None}, "granularity"),
    ({"feature": None}, "feature"),
    ({"from": "yesterday"}, "from"),
    ({"to": "2026-01-01"}, "to"),
    ({"granularity": "week"}, "granularity"),
    ({"granularity": "minute"}, "granularity"),
    ({"feature": "no-such-feature"}, "feature"),
    ({"limit": "10"}, "limit"),
    ({"to": "FROM"}, "to"),
    ({"to": "FAR"}, "to"),
])
def test_60_28_bad_series_queries_are_422(api, change, field):
    acc, f = granted(api)
    start = now() - timedelta(days=3)
    params = {"account": acc["id"], "feature": f["key"], "from": iso(start),
              "to": iso(start + timedelta(days=1)), "granularity": "day"}
    for k, v in change.items():
        if v is None:
            params.pop(k)
        elif v == "FROM":
            params[k] = params["from"]
        elif v == "FAR":
            params[k] = iso(start + timedelta(days=367))
        else:
            params[k] = v
    problem(api.get("/v1/usage", params=params), 422, "validation_failed", field)


def test_60_29_series_of_a_feature_that_is_not_metered_and_without_a_key(api, anon):
    acc = api.make_account()
    sw = api.make_feature(type="switch")
    params = {"account": acc["id"], "feature": sw["key"], "from": iso(now() - timedelta(days=1)),
              "to": iso(now()), "granularity": "hour"}
    problem(api.get("/v1/usage", params=params), 422, "validation_failed", "feature")
    problem(anon.get("/v1/usage", params=params), 401, "unauthorized")
    # A whole year is the longest series.
    f = metered(api)
    start = now() - timedelta(days=366)
    got = series(api, dict(params, feature=f["key"], granularity="month", **{
        "from": iso(start), "to": iso(start + timedelta(days=366))}))
    assert got["data"] == []
