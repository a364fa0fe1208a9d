# SPDX-License-Identifier: MIT
"""OpenFeature Remote Evaluation Protocol (issue 14; open-feature/protocol service/openapi.yaml):
POST /ofrep/v1/evaluate/flags/{key}, POST /ofrep/v1/evaluate/flags (ETag, 304),
GET /ofrep/v1/configuration; the typed views of a feature (F, F.limit, F.remaining, F.usage,
F.level, F.details), reasons and variants; the protocol's error shapes for every refusal under
/ofrep/ (never a problem document); account keys; X-API-Key; CORS; and that a refused request
changes nothing. Every answer is checked against docs/openapi.json by the client."""
import time

import pytest
from datetime import datetime, timedelta, timezone

from client import Client, unique
from helpers import events_count, iso

UNLIMITED = 9007199254740991
CTX_HEADERS = {"Content-Type": "application/json"}


def quantity(api, **fields):
    return api.make_feature(type="quantity", unit="user", activations_enabled=True,
                            levels=[{"value": "5"}, {"value": "20"},
                                    {"value": "unlimited", "is_unlimited": True}], **fields)


def grant(api, account, feature, value, **extra):
    r = api.post("/v1/entitlements", dict(account=account["id"], feature=feature["key"],
                                          value=value, **extra))
    assert r.status_code == 201, r.text
    return r.json()


def flag(api, key, account=None, **kw):
    body = {"context": {"targetingKey": account}} if account is not None else {}
    return api.post(f"/ofrep/v1/evaluate/flags/{key}", body, **kw)


def ok(api, key, account=None):
    r = flag(api, key, account)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["key"] == key
    return doc


def bulk(api, account=None, etag=None):
    headers = {"If-None-Match": etag} if etag else None
    body = {"context": {"targetingKey": account}} if account is not None else {}
    return api.post("/ofrep/v1/evaluate/flags", body, headers=headers)


def ofrep_error(r, status, code, key=None):
    """Asserts r is the protocol's error: JSON (never a problem document) with errorCode."""
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    doc = r.json()
    assert doc.get("errorCode") == code, doc
    if key is not None:
        assert doc["key"] == key
    assert isinstance(doc.get("errorDetails", ""), str)
    return doc


def general_error(r, status):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    doc = r.json()
    assert set(doc) == {"errorDetails"}, doc
    return doc


# --------------------------------------------------------------------------------------------
# Views, reasons, variants
# --------------------------------------------------------------------------------------------

def test_95_01_views_of_a_granted_quantity(api):
    """The boolean under the feature's key; numbers, string and object under derived keys;
    TARGETING_MATCH with the granted level as variant; flat metadata."""
    acc, seats = api.make_account(), quantity(api)
    grant(api, acc, seats, "20")
    k = seats["key"]
    b = ok(api, k, acc["key"])
    assert (b["value"], b["reason"], b["variant"]) == (True, "TARGETING_MATCH", "20")
    assert b["metadata"] == {"type": "quantity", "entitled_reason": "granted",
                             "unlimited": False, "limit": 20, "remaining": 20, "usage": 0}
    assert ok(api, k + ".limit", acc["id"])["value"] == 20
    assert ok(api, k + ".remaining", acc["id"])["value"] == 20
    assert ok(api, k + ".usage", acc["id"])["value"] == 0
    assert ok(api, k + ".level", acc["id"])["value"] == "20"
    details = ok(api, k + ".details", acc["id"])["value"]
    ev = api.post("/v1/evaluate", {"account": acc["id"], "features": [k]}).json()
    assert details == ev["entitlements"][0]


def test_95_02_not_granted_pending_expired_are_default(api):
    acc, seats = api.make_account(), quantity(api)
    k = seats["key"]
    b = ok(api, k, acc["key"])
    assert (b["value"], b["reason"]) == (False, "DEFAULT") and "variant" not in b
    assert ok(api, k + ".limit", acc["key"])["value"] == 0
    assert ok(api, k + ".level", acc["key"])["value"] == ""
    later = datetime.now(timezone.utc) + timedelta(days=3)
    grant(api, acc, seats, "5", start_date=iso(later))
    b = ok(api, k, acc["key"])
    assert (b["value"], b["reason"], b["metadata"]["entitled_reason"]) == \
        (False, "DEFAULT", "pending")
    acc2 = api.make_account()
    past = datetime.now(timezone.utc) - timedelta(days=3)
    grant(api, acc2, seats, "5", start_date=iso(past - timedelta(days=3)), end_date=iso(past))
    b = ok(api, k, acc2["key"])
    assert (b["value"], b["reason"], b["metadata"]["entitled_reason"]) == \
        (False, "DEFAULT", "expired")


def test_95_03_suspended_and_archived_are_disabled(api):
    acc, sw = api.make_account(), api.make_feature(type="switch")
    e = grant(api, acc, sw, "true")
    assert ok(api, sw["key"], acc["key"])["value"] is True
    assert api.patch(f"/v1/entitlements/{e['id']}", {"status": "suspended"}).status_code == 200
    b = ok(api, sw["key"], acc["key"])
    assert (b["value"], b["reason"]) == (False, "DISABLED")
    acc2, sw2 = api.make_account(), api.make_feature(type="switch")
    grant(api, acc2, sw2, "true")
    assert api.patch(f"/v1/features/{sw2['key']}", {"status": "archived"}).status_code == 200
    b = ok(api, sw2["key"], acc2["key"])
    assert (b["value"], b["reason"]) == (False, "DISABLED")
    # An archived feature is not in the bulk answer (every *active* feature).
    keys = {f["key"] for f in bulk(api, acc2["key"]).json()["flags"]}
    assert sw2["key"] not in keys


def test_95_04_unlimited_numbers(api):
    acc, seats = api.make_account(), quantity(api)
    grant(api, acc, seats, "unlimited")
    b = ok(api, seats["key"], acc["key"])
    assert b["value"] is True and b["metadata"]["unlimited"] is True
    assert "limit" not in b["metadata"] and "remaining" not in b["metadata"]
    assert ok(api, seats["key"] + ".limit", acc["key"])["value"] == UNLIMITED
    assert ok(api, seats["key"] + ".remaining", acc["key"])["value"] == UNLIMITED
    assert ok(api, seats["key"] + ".level", acc["key"])["value"] == "unlimited"


def test_95_05_metered_exhausted(api):
    acc = api.make_account()
    calls = api.make_feature(type="metered", unit="call", reset_period="month")
    grant(api, acc, calls, "10")
    r = api.post("/v1/usage", {"account": acc["id"], "feature": calls["key"], "amount": 10})
    assert r.status_code == 201, r.text
    b = ok(api, calls["key"], acc["key"])
    assert (b["value"], b["reason"], b["metadata"]["entitled_reason"]) == \
        (False, "TARGETING_MATCH", "limit_reached")
    assert b["metadata"]["resets_at"].endswith("Z")
    assert ok(api, calls["key"] + ".usage", acc["key"])["value"] == 10
    assert ok(api, calls["key"] + ".remaining", acc["key"])["value"] == 0


def test_95_06_seats_all_taken_is_false(api):
    """A limited feature with nothing left is false under its own key (issue 14)."""
    acc = api.make_account()
    seats = api.make_feature(type="quantity", unit="user", activations_enabled=True,
                             levels=[{"value": "1"}])
    grant(api, acc, seats, "1")
    assert ok(api, seats["key"], acc["key"])["value"] is True
    r = api.post("/v1/activations", {"account": acc["id"], "feature": seats["key"],
                                     "fingerprint": unique("m")})
    assert r.status_code in (200, 201), r.text
    b = ok(api, seats["key"], acc["key"])
    assert (b["value"], b["reason"]) == (False, "TARGETING_MATCH")
    assert ok(api, seats["key"] + ".remaining", acc["key"])["value"] == 0


def test_95_07_unknown_flags_and_views(api):
    acc, sw = api.make_account(), api.make_feature(type="switch")
    ofrep_error(flag(api, "nope-" + unique("x"), acc["key"]), 404, "FLAG_NOT_FOUND")
    # Switch and custom features have no number views.
    ofrep_error(flag(api, sw["key"] + ".limit", acc["key"]), 404, "FLAG_NOT_FOUND",
                key=sw["key"] + ".limit")
    assert ok(api, sw["key"] + ".level", acc["key"])["value"] == ""


def test_95_08_dotted_feature_key_wins(api):
    """A feature whose key looks like a derived key answers as itself."""
    acc = api.make_account()
    base = api.make_feature(type="quantity", unit="user", levels=[{"value": "5"}],
                            key=unique("q"))
    dotted = api.make_feature(type="switch", key=base["key"] + ".limit")
    grant(api, acc, base, "5")
    grant(api, acc, dotted, "true")
    assert ok(api, dotted["key"], acc["key"])["value"] is True
    flags = [f for f in bulk(api, acc["key"]).json()["flags"] if f["key"] == dotted["key"]]
    assert len(flags) == 1 and flags[0]["value"] is True


# --------------------------------------------------------------------------------------------
# Bulk: ETag, 304, time
# --------------------------------------------------------------------------------------------

def test_95_20_bulk_etag_and_304(api):
    acc, seats = api.make_account(), quantity(api)
    grant(api, acc, seats, "5")
    r = bulk(api, acc["key"])
    assert r.status_code == 200, r.text
    tag = r.headers["ETag"]
    assert tag.startswith('"') and tag.endswith('"')
    flags = {f["key"]: f for f in r.json()["flags"]}
    assert flags[seats["key"]]["value"] is True
    assert flags[seats["key"] + ".limit"]["value"] == 5
    r2 = bulk(api, acc["key"], etag=tag)
    assert r2.status_code == 304 and r2.content == b"" and r2.headers["ETag"] == tag
    assert bulk(api, acc["id"], etag=f'"other", W/{tag}').status_code == 304
    assert bulk(api, acc["id"], etag="*").status_code == 304
    assert bulk(api, acc["id"], etag='"other"').status_code == 200
    # A grant changes the answers, and so the tag.
    grant(api, acc, seats, "20")
    r3 = bulk(api, acc["key"], etag=tag)
    assert r3.status_code == 200 and r3.headers["ETag"] != tag
    assert {f["key"]: f for f in r3.json()["flags"]}[seats["key"] + ".limit"]["value"] == 25


def test_95_21_etag_is_per_account(api):
    a1, a2 = api.make_account(), api.make_account()
    t1 = bulk(api, a1["key"]).headers["ETag"]
    assert bulk(api, a2["key"], etag=t1).status_code == 200


def test_95_22_a_grant_that_starts_changes_the_tag_at_that_moment(api):
    """Time matters: an answer that changes at a known moment is not 'unchanged' after it."""
    acc, sw = api.make_account(), api.make_feature(type="switch")
    start = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=2)
    grant(api, acc, sw, "true", start_date=iso(start))
    r = bulk(api, acc["key"])
    tag = r.headers["ETag"]
    assert {f["key"]: f for f in r.json()["flags"]}[sw["key"]]["value"] is False
    while datetime.now(timezone.utc) < start + timedelta(milliseconds=50):
        time.sleep(0.1)
    r2 = bulk(api, acc["key"], etag=tag)
    assert r2.status_code == 200 and r2.headers["ETag"] != tag
    assert {f["key"]: f for f in r2.json()["flags"]}[sw["key"]]["value"] is True


def test_95_23_usage_changes_the_tag(api):
    acc = api.make_account()
    calls = api.make_feature(type="metered", unit="call", reset_period="day")
    grant(api, acc, calls, "10")
    tag = bulk(api, acc["key"]).headers["ETag"]
    assert api.post("/v1/usage", {"account": acc["id"], "feature": calls["key"],
                                  "amount": 1}).status_code == 201
    r = bulk(api, acc["key"], etag=tag)
    assert r.status_code == 200
    assert {f["key"]: f for f in r.json()["flags"]}[calls["key"] + ".usage"]["value"] == 1


def test_95_24_revalidations_from_the_kept_tag_stay_exact(api):
    """A 304 answers each account's kept tag (no evaluation) while its snapshot, its usage and
    the clock leave its answers as they were; a grant that ends, usage and a write each change
    the tag at that moment, however many 304s came before. (A floating seat's expiry bounds the
    kept tag the same way; its shortest ttl, 10 s, is too long for this suite.)"""
    acc, sw = api.make_account(), api.make_feature(type="switch")
    calls = api.make_feature(type="metered", unit="call", reset_period="day")
    end = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=4)

    def before_end():  # a 304 is owed only while the grant has not ended (a loaded machine)
        return datetime.now(timezone.utc) < end - timedelta(milliseconds=300)
    grant(api, acc, sw, "true", end_date=iso(end))
    grant(api, acc, calls, "10")
    first = bulk(api, acc["key"])
    tag = first.headers["ETag"]
    assert {f["key"]: f for f in first.json()["flags"]}[sw["key"]]["value"] is True
    for _ in range(5):
        if before_end():
            assert bulk(api, acc["key"], etag=tag).status_code == 304
    # usage raised in memory: a new tag at once
    assert api.post("/v1/usage", {"account": acc["id"], "feature": calls["key"],
                                  "amount": 1}).status_code == 201
    r = bulk(api, acc["key"], etag=tag)
    assert r.status_code == 200 and r.headers["ETag"] != tag
    tag = r.headers["ETag"]
    for _ in range(3):
        if before_end():
            r = bulk(api, acc["key"], etag=tag)
            assert r.status_code == 304 or not before_end(), r.text
    # the grant ends: the switch is off, a new tag
    while datetime.now(timezone.utc) < end + timedelta(milliseconds=50):
        time.sleep(0.1)
    r = bulk(api, acc["key"], etag=tag)
    assert r.status_code == 200 and r.headers["ETag"] != tag
    assert {f["key"]: f for f in r.json()["flags"]}[sw["key"]]["value"] is False
    tag = r.headers["ETag"]
    assert bulk(api, acc["key"], etag=tag).status_code == 304
    # a write: a new tag at once
    grant(api, acc, calls, "20")
    r = bulk(api, acc["key"], etag=tag)
    assert r.status_code == 200 and r.headers["ETag"] != tag


# --------------------------------------------------------------------------------------------
# Keys and accounts
# --------------------------------------------------------------------------------------------

def test_95_30_account_key_means_its_own_account(api):
    acc, other, sw = api.make_account(), api.make_account(), api.make_feature(type="switch")
    grant(api, acc, sw, "true")
    mine = api.with_key(api.make_key("account", acc["id"])["key"])
    assert ok(mine, sw["key"])["value"] is True
    assert ok(mine, sw["key"], acc["key"])["value"] is True
    assert bulk(mine).status_code == 200
    # Another account answers as one that does not exist (it must not learn it exists).
    d1 = ofrep_error(flag(mine, sw["key"], other["key"]), 400, "INVALID_CONTEXT")
    d2 = ofrep_error(flag(api, sw["key"], "no-such-" + unique("a")), 400, "INVALID_CONTEXT")
    assert d1["errorDetails"] == d2["errorDetails"]
    ofrep_error(bulk(mine, other["id"]), 400, "INVALID_CONTEXT")


def test_95_31_read_key_and_x_api_key(api, daemon):
    acc, sw = api.make_account(), api.make_feature(type="switch")
    grant(api, acc, sw, "true")
    reader = api.with_key(api.make_key("read")["key"])
    assert ok(reader, sw["key"], acc["key"])["value"] is True
    anon = Client(daemon.url, None)
    r = anon.post(f"/ofrep/v1/evaluate/flags/{sw['key']}", {"context": {"targetingKey": acc["key"]}},
                  headers={"X-API-Key": daemon.admin_key})
    assert r.status_code == 200 and r.json()["value"] is True
    # X-API-Key is OFREP's alone.
    assert anon.get("/v1/features", headers={"X-API-Key": daemon.admin_key}).status_code == 401


def test_95_32_401_in_the_protocols_shape(daemon):
    anon = Client(daemon.url, None)
    general_error(anon.post("/ofrep/v1/evaluate/flags/x", {}), 401)
    general_error(anon.post("/ofrep/v1/evaluate/flags", {}), 401)
    general_error(anon.get("/ofrep/v1/configuration"), 401)
    bad = Client(daemon.url, "ent_admin_" + "0" * 40)
    general_error(bad.post("/ofrep/v1/evaluate/flags", {}), 401)
    general_error(anon.post("/ofrep/v1/evaluate/flags", {}, headers={"X-API-Key": "nope"}), 401)


# --------------------------------------------------------------------------------------------
# Bad input: the protocol's codes, and nothing changes
# --------------------------------------------------------------------------------------------

def test_95_40_bad_bodies(api):
    sw = api.make_feature(type="switch")
    k = sw["key"]
    before = events_count(api)
    path = f"/ofrep/v1/evaluate/flags/{k}"
    ofrep_error(api.post(path, {}), 400, "TARGETING_KEY_MISSING", key=k)
    ofrep_error(api.post(path, {"context": {}}), 400, "TARGETING_KEY_MISSING", key=k)
    ofrep_error(api.post(path, {"context": {"targetingKey": ""}}), 400, "TARGETING_KEY_MISSING")
    ofrep_error(api.post(path, {"context": {"targetingKey": 7}}), 400, "INVALID_CONTEXT", key=k)
    ofrep_error(api.post(path, {"context": [1]}), 400, "INVALID_CONTEXT", key=k)
    ofrep_error(api.post(path, raw="{nope"), 400, "PARSE_ERROR", key=k)
    ofrep_error(api.post(path, raw="[1]"), 400, "PARSE_ERROR", key=k)
    ofrep_error(api.post(path, {"context": {}, "extra": 1}), 400, "PARSE_ERROR", key=k)
    ofrep_error(api.post(path, raw="{}", headers={"Content-Type": "text/plain"}), 400,
                "PARSE_ERROR", key=k)
    ofrep_error(api.post(path, raw="{\"context\": \"" + "x" * (1 << 20) + "\"}"), 400,
                "PARSE_ERROR")
    # The bulk route answers bulkEvaluationFailure (no key).
    d = ofrep_error(api.post("/ofrep/v1/evaluate/flags", {}), 400, "TARGETING_KEY_MISSING")
    assert "key" not in d
    ofrep_error(api.post("/ofrep/v1/evaluate/flags", raw="{x"), 400, "PARSE_ERROR")
    assert events_count(api) == before  # refused requests changed nothing
    # Other attributes of the context are the application's: ignored.
    acc = api.make_account()
    before = events_count(api)
    assert ok(api, k, acc["key"]) and api.post(path, {"context": {
        "targetingKey": acc["key"], "email": "a@b.c", "plan": {"x": 1}}}).status_code == 200
    assert events_count(api) == before


def test_95_41_wrong_methods_and_paths(api):
    r = api.get("/ofrep/v1/evaluate/flags")
    general_error(r, 405)
    assert "POST" in r.headers["Allow"]
    general_error(api.delete("/ofrep/v1/evaluate/flags/x"), 405)
    general_error(api.post("/ofrep/v1/configuration", {}), 405)
    general_error(api.get("/ofrep/v2/nope"), 404)


def test_95_42_rate_limited_429_with_retry_after(new_daemon):
    d = new_daemon(admin_key="test-admin-" + "r" * 40,
                   extra_env={"ENTITLED_RATE_EVALUATE": "1"})
    api = Client(d.url, d.admin_key)
    acc = api.make_account()
    statuses = []
    for _ in range(10):
        r = api.post("/ofrep/v1/evaluate/flags", {"context": {"targetingKey": acc["key"]}})
        statuses.append(r.status_code)
        if r.status_code == 429:
            general_error(r, 429)
            assert int(r.headers["Retry-After"]) >= 1
            break
    assert statuses[-1] == 429, statuses


# --------------------------------------------------------------------------------------------
# Configuration and CORS
# --------------------------------------------------------------------------------------------

def test_95_50_configuration(api):
    r = api.get("/ofrep/v1/configuration")
    assert r.status_code == 200
    doc = r.json()
    assert doc["name"] == "entitled"
    assert doc["capabilities"]["cacheInvalidation"]["polling"]["enabled"] is True
    r2 = api.get("/ofrep/v1/configuration", headers={"If-None-Match": r.headers["ETag"]})
    assert r2.status_code == 304 and r2.content == b""


def test_95_51_cors_none_by_default(api, daemon):
    anon = Client(daemon.url, None)
    r = anon.request("OPTIONS", check=False, path="/ofrep/v1/evaluate/flags",
                     headers={"Origin": "https://app.example",
                              "Access-Control-Request-Method": "POST"})
    general_error(r, 403)
    assert "Access-Control-Allow-Origin" not in r.headers
    r = api.post("/ofrep/v1/evaluate/flags", {"context": {"targetingKey": "x"}},
                 headers={"Origin": "https://app.example"})
    assert "Access-Control-Allow-Origin" not in r.headers


def test_95_52_cors_allowed_origins(new_daemon):
    d = new_daemon(admin_key="test-admin-" + "c" * 40,
                   args=("--cors-origin", "https://app.example, https://other.example/"))
    api, anon = Client(d.url, d.admin_key), Client(d.url, None)
    for origin in ("https://app.example", "https://other.example"):
        r = anon.request("OPTIONS", check=False, path="/ofrep/v1/evaluate/flags/seats",
                         headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                  "Access-Control-Request-Headers": "authorization,content-type"})
        assert r.status_code == 204, r.text
        assert r.headers["Access-Control-Allow-Origin"] == origin
        assert "POST" in r.headers["Access-Control-Allow-Methods"]
        assert "authorization" in r.headers["Access-Control-Allow-Headers"].lower()
        assert "Origin" in r.headers["Vary"]
    general_error(anon.request("OPTIONS", check=False, path="/ofrep/v1/evaluate/flags",
                               headers={"Origin": "https://evil.example"}), 403)
    # Answers carry the Origin and expose ETag, errors included.
    acc = api.make_account()
    r = api.post("/ofrep/v1/evaluate/flags", {"context": {"targetingKey": acc["key"]}},
                 headers={"Origin": "https://app.example"})
    assert r.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "ETag" in r.headers["Access-Control-Expose-Headers"]
    r = anon.post("/ofrep/v1/evaluate/flags", {}, headers={"Origin": "https://app.example"})
    assert r.status_code == 401
    assert r.headers["Access-Control-Allow-Origin"] == "https://app.example"
    # Not on /v1.
    r = api.get("/v1/features", headers={"Origin": "https://app.example"})
    assert "Access-Control-Allow-Origin" not in r.headers


def test_95_53_cors_origins_from_the_environment(new_daemon):
    d = new_daemon(admin_key="test-admin-" + "e" * 40,
                   extra_env={"ENTITLED_CORS_ORIGINS": "*"})
    anon = Client(d.url, None)
    r = anon.request("OPTIONS", check=False, path="/ofrep/v1/configuration",
                     headers={"Origin": "https://any.example"})
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == "https://any.example"


# --------------------------------------------------------------------------------------------
# Change stream (ADR 0008: server-sent events)
# --------------------------------------------------------------------------------------------

class Stream:
    """An open change stream over a socket of its own (HTTP/1.0: the body is the stream, with no
    chunks), read line by line on a thread; close() shuts the socket at once."""

    def __init__(self, url):
        import queue
        import socket
        import threading
        import urllib.parse
        u = urllib.parse.urlsplit(url)
        self.lines = queue.Queue()
        self.sock = socket.create_connection((u.hostname, u.port), timeout=30)
        target = u.path + ("?" + u.query if u.query else "")
        self.sock.sendall(f"GET {target} HTTP/1.0\r\nHost: {u.netloc}\r\n\r\n".encode())
        self.file = self.sock.makefile("rb")
        status_line = self.file.readline().decode("latin-1")
        self.status = int(status_line.split()[1])
        self.headers = {}
        while True:
            line = self.file.readline().decode("latin-1").rstrip("\r\n")
            if not line:
                break
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()

        def pump():
            try:
                for raw in self.file:
                    self.lines.put(raw.decode("utf-8").rstrip("\r\n"))
            except (OSError, ValueError):  # closed by the test
                pass
            self.lines.put(None)

        self.thread = threading.Thread(target=pump, daemon=True)
        self.thread.start()

    def next_event(self, timeout):
        """The data of the next event (a dict), None at the end, or TimeoutError."""
        import json
        import queue
        deadline = time.monotonic() + timeout
        data = None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                raise TimeoutError from None
            if line is None:
                return None
            if line.startswith("data:"):
                data = json.loads(line[5:].strip())
            elif line == "" and data is not None:
                return data

    def close(self):
        import socket
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def stream_uri(api, account):
    r = bulk(api, account)
    assert r.status_code == 200, r.text
    streams = r.json()["eventStreams"]
    assert streams[0]["type"] == "sse"
    return streams[0]["endpoint"]["requestUri"], r.headers["ETag"]


def test_95_60_a_grant_reaches_the_stream_within_a_second(api, daemon):
    acc, sw = api.make_account(), api.make_feature(type="switch")
    uri, tag = stream_uri(api, acc["key"])
    s = Stream(daemon.url + uri)
    try:
        assert s.status == 200
        assert s.headers["content-type"].startswith("text/event-stream")
        with pytest.raises(TimeoutError):
            s.next_event(0.6)  # nothing changed: no event
        t0 = time.monotonic()
        grant(api, acc, sw, "true")
        event = s.next_event(5)
        assert time.monotonic() - t0 < 1.0
        assert event["type"] == "refetchEvaluation"
        # The event's tag is the new bulk answer's.
        r = bulk(api, acc["key"], etag=tag)
        assert r.status_code == 200 and r.headers["ETag"] == event["etag"]
        assert bulk(api, acc["key"], etag=event["etag"]).status_code == 304
    finally:
        s.close()


def test_95_61_time_reaches_the_stream(api, daemon):
    """A grant that starts later is announced when it starts, with no write."""
    acc, sw = api.make_account(), api.make_feature(type="switch")
    start = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=2)
    grant(api, acc, sw, "true", start_date=iso(start))
    uri, tag = stream_uri(api, acc["key"])
    s = Stream(daemon.url + uri)
    try:
        event = s.next_event(5)
        assert datetime.now(timezone.utc) >= start
        assert event["etag"] != tag
    finally:
        s.close()


def test_95_62_bad_tokens_are_refused(api, daemon):
    import requests
    acc = api.make_account()
    uri, _ = stream_uri(api, acc["key"])
    token = uri.split("token=", 1)[1]
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    other = api.make_account()
    for bad in ("", "nope", forged, other["id"] + token[36:]):
        r = requests.get(f"{daemon.url}/ofrep/v1/events", params={"token": bad}, timeout=10)
        general_error(r, 401)
    general_error(requests.get(f"{daemon.url}/ofrep/v1/events", timeout=10), 401)
    # A deleted account's stream cannot open.
    assert api.delete(f"/v1/accounts/{acc['id']}").status_code in (200, 204)
    r = requests.get(daemon.url + uri, timeout=10)
    assert r.status_code == 400 and r.json()["errorCode"] == "INVALID_CONTEXT"


def test_95_63_sigterm_ends_the_streams(new_daemon):
    d = new_daemon(admin_key="test-admin-" + "s" * 40)
    api = Client(d.url, d.admin_key)
    acc = api.make_account()
    uri, _ = stream_uri(api, acc["key"])
    streams = [Stream(d.url + uri) for _ in range(3)]
    t0 = time.monotonic()
    assert d.stop() == 0
    assert time.monotonic() - t0 < 10
    for s in streams:
        assert s.next_event(5) is None
