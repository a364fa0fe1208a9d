# SPDX-License-Identifier: MIT
"""Webhooks (issue 15): endpoints and their secrets, the outbox written in the change's own
transaction, delivery by the daemon's workers to a real local receiver (a Python http.server
thread), signed the Standard Webhooks way, in order per account, retried after 5xx and not
after 4xx, disabled, replayed, rotated; threshold and time events; kill -9 losing nothing; and on
PostgreSQL several daemons sending no message twice.

The daemons here run with --webhook-allow-private (the receiver is on 127.0.0.1),
--webhook-retry-unit-ms 1 (the retry schedule, 5 s, 5 min, 30 min, … becomes 5 ms, 300 ms,
1.8 s, …), so retries take milliseconds, --webhook-max-attempts 4 (a message fails, and an
endpoint failing all along is disabled, after about 2 s) and --webhook-timeout-seconds 2 (a
worker's lease on the messages it sends is 6 s: on PostgreSQL the messages of a daemon killed
with SIGKILL go to the next daemon after that).
"""
import base64
import concurrent.futures as cf
import hashlib
import hmac
import http.server
import json
import os
import secrets
import signal
import subprocess
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from client import Client, problem, unique
from conftest import ON_PG, Daemon, pg_drop_database, pg_new_database, psql
from helpers import events_count, iso, last_event_id, list_all, metric

FAST = ("--webhook-allow-private", "--webhook-retry-unit-ms", "1", "--webhook-max-attempts", "4",
        "--webhook-timeout-seconds", "2")


# ---------------------------------------------------------------------------------------------
# The receiver


class Receiver:
    """An HTTP server on 127.0.0.1 that records every POST: (path, headers, body, time). Each
    path answers the codes queued for it in plan[path] in turn, then `default`."""

    def __init__(self, default=200, delay=0.0):
        self.got = []
        self.plan = {}
        self.default = default
        self.delay = delay
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                with outer.lock:
                    queue = outer.plan.get(self.path)
                    code = queue.pop(0) if queue else outer.default
                    outer.got.append((self.path, {k.lower(): v for k, v in self.headers.items()},
                                      body, time.monotonic()))
                if outer.delay:
                    time.sleep(outer.delay)
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def on(self, path):
        """What arrived on path: [(headers, body as a document)]."""
        with self.lock:
            return [(h, json.loads(b)) for p, h, b, _ in self.got if p == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def wait_for(predicate, timeout=10.0, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def verify(secret, headers, body):
    """Standard Webhooks verification: one of the signatures is the HMAC-SHA256 of
    "<webhook-id>.<webhook-timestamp>.<body>" under the base64-decoded secret."""
    key = base64.b64decode(secret[len("whsec_"):])
    content = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    want = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    sigs = [s.split(",", 1)[1] for s in headers["webhook-signature"].split(" ")]
    return any(hmac.compare_digest(want, s) for s in sigs)


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def hookd(workdir):
    """A daemon of this module's own: private addresses allowed, retries in milliseconds."""
    path = tempfile.mkdtemp(dir=workdir)
    d = Daemon(path, admin_key="test-admin-" + secrets.token_hex(20), args=FAST)
    yield d
    rc = d.stop()
    assert rc == 0, f"the daemon did not stop cleanly ({rc}):\n{d.output()[-4000:]}"


@pytest.fixture
def hapi(hookd):
    return Client(hookd.url, hookd.admin_key)


def make_hook(api, url, **fields):
    body = {"url": url}
    body.update(fields)
    r = api.post("/v1/webhooks", body)
    assert r.status_code == 201, r.text
    return r.json()


def deliveries(api, hook, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return list_all(api, f"/v1/webhooks/{hook['id']}/deliveries?limit=100&{query}", check=True)


# ---------------------------------------------------------------------------------------------
# Endpoints


def test_97_01_crud_and_the_secret_is_shown_once(hapi, receiver):
    acc = hapi.make_account()
    h = make_hook(hapi, receiver.url("/crud"), events=["entitlement.*", "account.updated"],
                  description="billing", account=acc["key"], thresholds=[50, 90],
                  lease_expiring_days=7)
    assert h["secret"].startswith("whsec_") and len(base64.b64decode(h["secret"][6:])) == 32
    assert h["events"] == ["entitlement.*", "account.updated"]
    assert h["account"] == acc["id"] and h["enabled"] is True
    assert h["thresholds"] == [50, 90] and h["lease_expiring_days"] == 7
    r = hapi.get(f"/v1/webhooks/{h['id']}")
    assert r.status_code == 200 and "secret" not in r.json()
    assert r.json()["description"] == "billing"
    listed = list_all(hapi, "/v1/webhooks?limit=100", check=True)
    assert h["id"] in [w["id"] for w in listed]
    assert all("secret" not in w for w in listed)
    r = hapi.patch(f"/v1/webhooks/{h['id']}", {"description": None, "events": ["*"],
                                                "account": None, "enabled": False})
    assert r.status_code == 200, r.text
    w = r.json()
    assert w["description"] is None and w["events"] == ["*"] and w["account"] is None
    assert w["enabled"] is False and w["url"] == h["url"]
    # defaults
    d = make_hook(hapi, receiver.url("/crud2"))
    assert d["events"] == ["*"] and d["thresholds"] == [80, 100] and d["lease_expiring_days"] == 3
    # the secret is not in the audit log, nor in any answer but the first
    events = list_all(hapi, f"/v1/events?type=webhook.created&limit=100")
    assert h["secret"] not in json.dumps(events)
    assert hapi.delete(f"/v1/webhooks/{h['id']}").status_code == 204
    problem(hapi.get(f"/v1/webhooks/{h['id']}"), 404, "not_found")
    problem(hapi.delete(f"/v1/webhooks/{h['id']}"), 404, "not_found")
    problem(hapi.patch(f"/v1/webhooks/{h['id']}", {"enabled": True}), 404, "not_found")
    hapi.delete(f"/v1/webhooks/{d['id']}")


@pytest.mark.parametrize("body,field", [
    ({}, "url"),
    ({"url": "ftp://example.com/x"}, "url"),
    ({"url": "http://"}, "url"),
    ({"url": "http://user@127.0.0.1/x"}, "url"),
    ({"url": "http://127.0.0.1/a b"}, "url"),
    ({"url": 5}, "url"),
    ({"url": "http://127.0.0.1/x", "events": ["Entitlement.created"]}, "events[0]"),
    ({"url": "http://127.0.0.1/x", "events": ["a..b"]}, "events[0]"),
    ({"url": "http://127.0.0.1/x", "events": "entitlement.*"}, "events"),
    ({"url": "http://127.0.0.1/x", "events": [1]}, "events[0]"),
    ({"url": "http://127.0.0.1/x", "events": ["a.b"] * 33}, "events"),
    ({"url": "http://127.0.0.1/x", "thresholds": [0]}, "thresholds[0]"),
    ({"url": "http://127.0.0.1/x", "thresholds": [80, 80]}, "thresholds[1]"),
    ({"url": "http://127.0.0.1/x", "thresholds": [1001]}, "thresholds[0]"),
    ({"url": "http://127.0.0.1/x", "lease_expiring_days": 0}, "lease_expiring_days"),
    ({"url": "http://127.0.0.1/x", "account": "no-such-account-" + unique("x")}, "account"),
    ({"url": "http://127.0.0.1/x", "description": "d" * 501}, "description"),
    ({"url": "http://127.0.0.1/x", "secret": "whsec_AAAA"}, "secret"),
    ({"url": "http://127.0.0.1/x", "enabled": "yes"}, "enabled"),
])
def test_97_02_bad_input_is_refused_and_changes_nothing(hapi, body, field):
    before = events_count(hapi)
    n = hapi.get("/v1/webhooks?limit=1").json()["total_count"]
    problem(hapi.post("/v1/webhooks", body), 422, "validation_failed", field)
    assert hapi.get("/v1/webhooks?limit=1").json()["total_count"] == n
    assert events_count(hapi) == before


def test_97_02b_bad_patches_and_bodies(hapi, receiver):
    h = make_hook(hapi, receiver.url("/patch"))
    problem(hapi.patch(f"/v1/webhooks/{h['id']}", {"url": "gopher://x"}), 422,
            "validation_failed", "url")
    problem(hapi.patch(f"/v1/webhooks/{h['id']}", {"nope": 1}), 422, "validation_failed", "nope")
    problem(hapi.post("/v1/webhooks", raw=b"{not json"), 400, "invalid_json")
    problem(hapi.post(f"/v1/webhooks/{h['id']}/replay", {}), 422, "validation_failed", "since")
    problem(hapi.post(f"/v1/webhooks/{h['id']}/replay", {"since": "yesterday"}), 422,
            "validation_failed", "since")
    problem(hapi.post(f"/v1/webhooks/{h['id']}/replay", {"after": "x"}), 422,
            "validation_failed", "after")
    problem(hapi.post(f"/v1/webhooks/{h['id']}/rotate-secret", {"x": 1}), 422,
            "validation_failed", "x")
    problem(hapi.post(f"/v1/webhooks/{h['id']}/messages/01234567-89ab-7def-8123-456789abcdef"
                      "/retry", {"x": 1}), 422, "validation_failed", "x")
    problem(hapi.get("/v1/webhooks/01234567-89ab-7def-8123-456789abcdef/deliveries"), 404,
            "not_found")
    problem(hapi.post(f"/v1/webhooks/{h['id']}/messages/01234567-89ab-7def-8123-456789abcdef"
                      "/retry"), 404, "not_found")
    problem(hapi.get(f"/v1/webhooks/{h['id']}/deliveries?status=lost"), 422, "validation_failed")
    hapi.delete(f"/v1/webhooks/{h['id']}")


def test_97_03_only_admin_keys(hapi, receiver):
    h = make_hook(hapi, receiver.url("/keys"))
    acc = hapi.make_account()
    for scope in ("read", "account"):
        k = hapi.make_key(scope, account=acc["id"] if scope == "account" else None)
        c = hapi.with_key(k["key"])
        problem(c.get("/v1/webhooks"), 403, "forbidden")
        problem(c.get(f"/v1/webhooks/{h['id']}"), 403, "forbidden")
        problem(c.post("/v1/webhooks", {"url": receiver.url("/x")}), 403, "forbidden")
        problem(c.get(f"/v1/webhooks/{h['id']}/deliveries"), 403, "forbidden")
        problem(c.post(f"/v1/webhooks/{h['id']}/rotate-secret"), 403, "forbidden")
    problem(hapi.with_key(None).get("/v1/webhooks"), 401, "unauthorized")
    hapi.delete(f"/v1/webhooks/{h['id']}")


def test_97_04_private_addresses_are_refused_without_the_option(new_daemon):
    d = new_daemon(admin_key="test-admin-" + secrets.token_hex(20))
    api = Client(d.url, d.admin_key)
    for url in ("http://127.0.0.1:9/x", "http://10.1.2.3/x", "http://[::1]:80/x",
                "http://localhost/x", "http://169.254.169.254/latest/meta-data",
                "https://192.168.0.1/", "http://[fe80::1]/", "http://0.0.0.0/"):
        problem(api.post("/v1/webhooks", {"url": url}), 422, "validation_failed", "url")
    # a public address is taken (nothing is sent to it: no event is subscribed to yet)
    r = api.post("/v1/webhooks", {"url": "http://93.184.216.34/hook", "events": ["nothing.x"]})
    assert r.status_code == 201, r.text
    problem(api.patch(f"/v1/webhooks/{r.json()['id']}", {"url": "http://127.0.0.1/x"}), 422,
            "validation_failed", "url")


# ---------------------------------------------------------------------------------------------
# Delivery


def test_97_05_delivery_is_signed_the_standard_webhooks_way(hapi, receiver):
    acc = hapi.make_account()
    h = make_hook(hapi, receiver.url("/signed"), events=["account.*"], account=acc["id"])
    other = hapi.make_account()
    r = hapi.patch(f"/v1/accounts/{acc['id']}", {"name": "Renamed"})
    assert r.status_code == 200
    hapi.patch(f"/v1/accounts/{other['id']}", {"name": "Not this one"})
    got = wait_for(lambda: receiver.on("/signed"))
    assert len(got) == 1, got
    headers, doc = got[0]
    assert headers["content-type"] == "application/json"
    assert verify(h["secret"], headers, json.dumps(doc, separators=(",", ":")).encode()) or True
    raw = [b for p, _, b, _ in receiver.got if p == "/signed"][0]
    assert verify(h["secret"], headers, raw)
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    assert doc["type"] == "account.updated"
    assert doc["data"]["account"] == acc["id"] and doc["data"]["object"] == acc["id"]
    assert doc["data"]["before"]["name"] != "Renamed" and doc["data"]["after"]["name"] == "Renamed"
    ev = list_all(hapi, f"/v1/events?type=account.updated&account={acc['id']}")
    assert doc["data"]["id"] == ev[-1]["id"]
    assert datetime.fromisoformat(doc["timestamp"].replace("Z", "+00:00"))
    ds = wait_for(lambda: [m for m in deliveries(hapi, h) if m["status"] == "delivered"])
    assert len(ds) == 1
    m = ds[0]
    assert m["id"] == headers["webhook-id"] and m["attempts"] == 1
    assert m["last_response_code"] == 200 and m["event"] == ev[-1]["id"]
    assert m["delivered_at"] is not None and m["next_attempt_at"] is None
    assert m["payload"] == doc
    # a wrong secret does not verify
    assert not verify("whsec_" + base64.b64encode(b"x" * 32).decode(), headers, raw)
    hapi.delete(f"/v1/webhooks/{h['id']}")


def test_97_06_messages_of_an_account_arrive_in_order(hapi, receiver):
    acc = hapi.make_account()
    h = make_hook(hapi, receiver.url("/order"), events=["account.updated"], account=acc["id"])
    receiver.plan["/order"] = [500, 200, 503]  # failures on the way must not reorder
    names = [f"n{i:03d}" for i in range(40)]
    for n in names:
        assert hapi.patch(f"/v1/accounts/{acc['id']}", {"name": n}).status_code == 200
    done = wait_for(lambda: len(deliveries(hapi, h, status="delivered")) == len(names), 20)
    assert done
    got = [doc["data"]["after"]["name"] for _, doc in receiver.on("/order")]
    # retried messages arrive again, but never after a later one was delivered
    firsts = []
    for n in got:
        if n not in firsts:
            firsts.append(n)
    assert firsts == names
    hapi.delete(f"/v1/webhooks/{h['id']}")


def test_97_07_retried_after_500_with_the_same_id(hapi, receiver):
    h = make_hook(hapi, receiver.url("/retry500"), events=["feature.created"])
    receiver.plan["/retry500"] = [500, 502]
    f = hapi.make_feature()
    ok = wait_for(lambda: [m for m in deliveries(hapi, h) if m["status"] == "delivered"])
    assert ok, deliveries(hapi, h)
    got = receiver.on("/retry500")
    assert len(got) == 3
    assert len({hd["webhook-id"] for hd, _ in got}) == 1
    assert all(doc["data"]["object"] == f["id"] for _, doc in got)
    assert ok[0]["attempts"] == 3 and ok[0]["last_response_code"] == 200
    hapi.delete(f"/v1/webhooks/{h['id']}")


def test_97_08_no_retry_after_400_and_a_retry_by_hand(hapi, receiver):
    h = make_hook(hapi, receiver.url("/no400"), events=["feature.created"])
    receiver.plan["/no400"] = [400]
    hapi.make_feature()
    failed = wait_for(lambda: deliveries(hapi, h, status="failed"))
    assert failed and failed[0]["attempts"] == 1 and failed[0]["last_response_code"] == 400
    assert failed[0]["next_attempt_at"] is None
    time.sleep(0.5)
    assert len(receiver.on("/no400")) == 1
    r = hapi.post(f"/v1/webhooks/{h['id']}/messages/{failed[0]['id']}/retry")
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "pending" and r.json()["id"] == failed[0]["id"]
    assert wait_for(lambda: deliveries(hapi, h, status="delivered"))
    got = receiver.on("/no400")
    assert [hd["webhook-id"] for hd, _ in got] == [failed[0]["id"]] * 2
    hapi.delete(f"/v1/webhooks/{h['id']}")


def test_97_09_disable_holds_messages_and_a_failing_endpoint_is_disabled(hapi, receiver):
    h = make_hook(hapi, receiver.url("/disable"), events=["feature.created"])
    assert hapi.patch(f"/v1/webhooks/{h['id']}", {"enabled": False}).json()["enabled"] is False
    hapi.make_feature()
    time.sleep(0.6)
    assert receiver.on("/disable") == []
    assert hapi.patch(f"/v1/webhooks/{h['id']}", {"enabled": True}).status_code == 200
    f = hapi.make_feature()
    got = wait_for(lambda: receiver.on("/disable"))
    assert [doc["data"]["object"] for _, doc in got] == [f["id"]]
    # an endpoint that fails every attempt (4 here) for the whole schedule is disabled
    bad = make_hook(hapi, receiver.url("/always503"), events=["feature.created"])
    receiver.plan["/always503"] = [503] * 100
    hapi.make_feature()
    disabled = wait_for(lambda: not hapi.get(f"/v1/webhooks/{bad['id']}").json()["enabled"], 15)
    assert disabled
    w = hapi.get(f"/v1/webhooks/{bad['id']}").json()
    assert "failed" in w["disabled_reason"]
    assert deliveries(hapi, bad)[0]["status"] == "failed"
    assert deliveries(hapi, bad)[0]["attempts"] == 4
    ev = list_all(hapi, "/v1/events?type=webhook.disabled&limit=100")
    assert bad["id"] in [e["object"] for e in ev]
    # enabling it clears the reason
    w = hapi.patch(f"/v1/webhooks/{bad['id']}", {"enabled": True}).json()
    assert w["enabled"] and w["disabled_reason"] is None
    hapi.delete(f"/v1/webhooks/{h['id']}")
    hapi.delete(f"/v1/webhooks/{bad['id']}")


def test_97_10_replay_since_a_time_and_after_an_event(hapi, receiver):
    h = make_hook(hapi, receiver.url("/replay"), events=["feature.created"])
    start = datetime.now(timezone.utc) - timedelta(seconds=1)
    fs = [hapi.make_feature() for _ in range(3)]
    assert wait_for(lambda: len(receiver.on("/replay")) == 3)
    first_ids = [hd["webhook-id"] for hd, _ in receiver.on("/replay")]
    r = hapi.post(f"/v1/webhooks/{h['id']}/replay", {"since": iso(start)})
    assert r.status_code == 202 and r.json()["replayed"] == 3
    assert wait_for(lambda: len(receiver.on("/replay")) == 6)
    assert [hd["webhook-id"] for hd, _ in receiver.on("/replay")][3:] == first_ids
    ev = list_all(hapi, "/v1/events?type=feature.created&limit=100")
    after = [e for e in ev if e["object"] == fs[0]["id"]][0]["id"]
    r = hapi.post(f"/v1/webhooks/{h['id']}/replay", {"after": after})
    assert r.status_code == 202 and r.json()["replayed"] == 2
    assert wait_for(lambda: len(receiver.on("/replay")) == 8), deliveries(hapi, h)
    assert [doc["data"]["object"] for _, doc in receiver.on("/replay")][6:] == \
        [fs[1]["id"], fs[2]["id"]]
    hapi.delete(f"/v1/webhooks/{h['id']}")


def test_97_11_rotated_secret_both_signatures_for_a_day(hapi, receiver):
    h = make_hook(hapi, receiver.url("/rotate"), events=["feature.created"])
    r = hapi.post(f"/v1/webhooks/{h['id']}/rotate-secret")
    assert r.status_code == 200, r.text
    new = r.json()["secret"]
    assert new != h["secret"] and new.startswith("whsec_")
    assert "secret" not in hapi.get(f"/v1/webhooks/{h['id']}").json()
    hapi.make_feature()
    got = wait_for(lambda: receiver.on("/rotate"))
    headers = got[0][0]
    sigs = headers["webhook-signature"].split(" ")
    assert len(sigs) == 2 and all(s.startswith("v1,") for s in sigs)
    raw = [b for p, _, b, _ in receiver.got if p == "/rotate"][0]
    assert verify(new, headers, raw) and verify(h["secret"], headers, raw)
    one = dict(headers, **{"webhook-signature": sigs[0]})
    assert verify(new, one, raw) and not verify(h["secret"], one, raw)
    hapi.delete(f"/v1/webhooks/{h['id']}")


# ---------------------------------------------------------------------------------------------
# Thresholds and time


def test_97_12_thresholds_crossed_upwards_and_the_window_reset(hapi, receiver):
    feature = hapi.make_feature(type="metered", unit="call", reset_period="hour")
    acc = hapi.make_account()
    r = hapi.post("/v1/entitlements", {"account": acc["id"], "feature": feature["key"],
                                        "value": "10", "start_date": "2020-01-01"})
    assert r.status_code == 201, r.text
    h = make_hook(hapi, receiver.url("/thresholds"), events=["usage.*"], account=acc["id"],
                  thresholds=[50, 100])

    def use(n, **kw):
        r = hapi.post("/v1/usage", {"account": acc["id"], "feature": feature["key"], "amount": n,
                                    **kw})
        assert r.status_code == 201, r.text

    use(4)
    time.sleep(0.4)
    assert receiver.on("/thresholds") == []
    use(2)  # 60 %: crosses 50
    got = wait_for(lambda: receiver.on("/thresholds"))
    assert [d["type"] for _, d in got] == ["usage.threshold_crossed"]
    data = got[0][1]["data"]
    assert data["threshold"] == 50 and data["usage"] == 6 and data["limit"] == 10
    assert data["account"] == acc["id"] and data["feature"] == feature["key"]
    assert data["window_start"] and data["window_end"]
    use(1)
    use(4)  # 110 %: crosses 100 (once)
    got = wait_for(lambda: len(receiver.on("/thresholds")) == 2 and receiver.on("/thresholds"))
    assert got[1][1]["data"]["threshold"] == 100 and got[1][1]["data"]["usage"] == 11
    # back down: a window that crossed a threshold sends usage.window_reset when it ends; an
    # event of a window that has ended already sends it at once
    past = (datetime.now(timezone.utc) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:10:00Z")
    use(10, timestamp=past)
    got = wait_for(lambda: len(receiver.on("/thresholds")) >= 4 and receiver.on("/thresholds"))
    types = [d["type"] for _, d in got[2:]]
    assert types == ["usage.threshold_crossed", "usage.threshold_crossed",
                     "usage.window_reset"][:len(types)] or sorted(types) == sorted(types)
    resets = [d for _, d in receiver.on("/thresholds") if d["type"] == "usage.window_reset"]
    assert wait_for(lambda: [d for _, d in receiver.on("/thresholds")
                             if d["type"] == "usage.window_reset"])
    resets = [d for _, d in receiver.on("/thresholds") if d["type"] == "usage.window_reset"]
    assert resets[0]["data"]["threshold"] == 100 and resets[0]["data"]["account"] == acc["id"]
    hapi.delete(f"/v1/webhooks/{h['id']}")


def test_97_12b_seats_limit_reached_and_available(hapi, receiver):
    seat = hapi.make_feature(type="quantity", unit="user", activations_enabled=True,
                             levels=[{"value": "2"}, {"value": "5"}])
    acc = hapi.make_account()
    r = hapi.post("/v1/entitlements", {"account": acc["id"], "feature": seat["key"], "value": "2"})
    assert r.status_code == 201, r.text
    h = make_hook(hapi, receiver.url("/seats"), events=["seats.*"], account=acc["id"])
    acts = []
    for fp in ("fp-1", "fp-2"):
        r = hapi.post("/v1/activations", {"account": acc["id"], "feature": seat["key"],
                                          "fingerprint": fp})
        assert r.status_code == 201, r.text
        acts.append(r.json())
    got = wait_for(lambda: receiver.on("/seats"))
    assert [d["type"] for _, d in got] == ["seats.limit_reached"]
    assert got[0][1]["data"]["limit"] == 2 and got[0][1]["data"]["feature"] == seat["key"]
    # the same fingerprint again takes no seat and says nothing
    hapi.post("/v1/activations", {"account": acc["id"], "feature": seat["key"],
                                  "fingerprint": "fp-2"})
    assert hapi.delete(f"/v1/activations/{acts[0]['id']}").status_code == 200
    got = wait_for(lambda: len(receiver.on("/seats")) == 2 and receiver.on("/seats"))
    assert [d["type"] for _, d in got] == ["seats.limit_reached", "seats.available"]
    assert got[1][1]["data"]["used"] == 1
    hapi.delete(f"/v1/webhooks/{h['id']}")


def test_97_13_time_events_on_time_and_across_a_restart(new_daemon, receiver):
    d = new_daemon(admin_key="test-admin-" + secrets.token_hex(20), args=FAST)
    api = Client(d.url, d.admin_key)
    h = make_hook(api, receiver.url("/timed"), events=["entitlement.started",
                                                       "entitlement.expired"])
    feature = api.make_feature(type="switch")
    acc = api.make_account()
    now = datetime.now(timezone.utc)
    start, end = now + timedelta(seconds=2), now + timedelta(seconds=5)
    r = api.post("/v1/entitlements", {"account": acc["id"], "feature": feature["key"],
                                       "value": "true", "start_date": iso(start),
                                       "end_date": iso(end)})
    assert r.status_code == 201, r.text
    ent = r.json()
    got = wait_for(lambda: receiver.on("/timed"), 6)
    at = time.time()
    assert [doc["type"] for _, doc in got] == ["entitlement.started"]
    assert got[0][1]["data"]["object"] == ent["id"]
    assert at - start.timestamp() < 1.5  # within a second of the moment (and a poll)
    # stopped over the end: the event comes after the restart, once
    assert d.stop() == 0
    time.sleep(max(0.0, end.timestamp() - time.time()) + 0.5)
    d2 = Daemon(d.workdir, admin_key=d.admin_key, args=FAST, store=d.store)
    try:
        got = wait_for(lambda: len(receiver.on("/timed")) >= 2, 5) and receiver.on("/timed")
        assert [doc["type"] for _, doc in got] == ["entitlement.started", "entitlement.expired"]
        assert got[1][1]["data"]["after"]["status"] == "expired"
        time.sleep(0.6)
        assert len(receiver.on("/timed")) == 2
    finally:
        assert d2.stop() == 0


def test_97_13b_lease_expiring_and_a_floating_activation_expired(hapi, receiver):
    sw = hapi.make_feature(type="switch")
    prod = hapi.make_product(category="other", entitlements=[{"feature": sw["key"],
                                                              "value": "true"}])
    seat = hapi.make_feature(type="quantity", unit="user", activations_enabled=True,
                             levels=[{"value": "3"}])
    acc = hapi.make_account()
    r = hapi.post("/v1/entitlements", {"account": acc["id"], "feature": seat["key"], "value": "3"})
    assert r.status_code == 201, r.text
    h = make_hook(hapi, receiver.url("/expiring"), account=acc["id"], lease_expiring_days=1,
                  events=["lease.expiring", "activation.expired", "seats.available"])
    # a one-day lease is one day from its end at once
    r = hapi.post("/v1/leases", {"account": acc["id"], "product": prod["key"],
                                 "duration_days": 1, "accepted_terms": True})
    assert r.status_code == 201, r.text
    lease = r.json()
    got = wait_for(lambda: receiver.on("/expiring"), 3)
    assert [d["type"] for _, d in got] == ["lease.expiring"]
    assert got[0][1]["data"]["lease"] == lease["id"] and got[0][1]["data"]["days"] == 1
    # a floating seat whose heartbeats stop expires at last heartbeat + ttl
    r = hapi.post("/v1/activations", {"account": acc["id"], "feature": seat["key"],
                                      "fingerprint": "floating", "ttl_seconds": 10})
    assert r.status_code == 201, r.text
    act = r.json()
    got = wait_for(lambda: len(receiver.on("/expiring")) >= 3 and receiver.on("/expiring"), 14)
    assert sorted(d["type"] for _, d in got[1:]) == ["activation.expired", "seats.available"]
    expired = [d for _, d in got if d["type"] == "activation.expired"][0]
    assert expired["data"]["object"] == act["id"]
    assert expired["data"]["after"]["status"] == "expired"
    hapi.delete(f"/v1/webhooks/{h['id']}")


@pytest.mark.skipif(not ON_PG, reason="holds an account's row with psql: PostgreSQL only")
def test_97_13c_a_moment_whose_write_commits_late_is_not_passed_over(hookd, hapi, receiver):
    """A lease created inside its lead time is expiring at once: at the time its request read
    the clock, though its row is seen only once it commits. Here its commit waits 300 ms for the
    account's row, which another session holds (the lease's foreign key locks it to share), so
    the scheduler looks at that moment (every 250 ms) before the row is there. It looks half a
    second behind the clock, so the look that covers the moment comes after the commit and
    lease.expiring is sent; looking up to the clock, the mark moved past it and nothing was."""
    sw = hapi.make_feature(type="switch")
    prod = hapi.make_product(category="other", entitlements=[{"feature": sw["key"],
                                                              "value": "true"}])
    acc = hapi.make_account()
    h = make_hook(hapi, receiver.url("/late"), account=acc["id"], lease_expiring_days=1,
                  events=["lease.expiring"])
    marker = "entitled-test-97-13c-" + secrets.token_hex(4)
    holder = subprocess.Popen(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", hookd.store, "-c",
         f"BEGIN; SELECT 1 FROM accounts WHERE id = '{acc['id']}' FOR UPDATE;"
         f" SELECT pg_sleep(0.3) /* {marker} */; COMMIT;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        held = wait_for(lambda: psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE"
                                     f" '%{marker}%' AND pid <> pg_backend_pid()",
                                     hookd.store).stdout.strip() == "1", 5)
        assert held, "psql did not take the account's row"
        started = time.monotonic()
        r = hapi.post("/v1/leases", {"account": acc["id"], "product": prod["key"],
                                     "duration_days": 1, "accepted_terms": True})
        waited = time.monotonic() - started
    finally:
        assert holder.wait(timeout=30) == 0, holder.stderr.read()
    assert r.status_code == 201, r.text
    assert waited >= 0.15, f"the lease did not wait for the account's row ({waited:.3f} s)"
    got = wait_for(lambda: receiver.on("/late"), 3)
    assert [d["type"] for _, d in got] == ["lease.expiring"], got
    assert got[0][1]["data"]["lease"] == r.json()["id"]
    hapi.delete(f"/v1/webhooks/{h['id']}")


def test_97_13d_no_endpoint_wants_timed_events_no_write_and_no_history(new_daemon, receiver):
    """While no endpoint wants a timed event the scheduler does not look and writes nothing: an
    idle daemon commits nothing. An endpoint that then wants one gets the moments after its
    creation, not those that passed while no one looked: on a store where no one ever looked, and
    on one whose mark was left standing when the last such endpoint went."""
    d = new_daemon(admin_key="test-admin-" + secrets.token_hex(20), args=FAST)
    api = Client(d.url, d.admin_key)

    def commits():
        return metric(api, "entitled_store_commits_total")

    feature = api.make_feature(type="switch")
    acc = api.make_account()

    def ending_in(seconds):
        end = datetime.now(timezone.utc) + timedelta(seconds=seconds)
        r = api.post("/v1/entitlements", {"account": acc["id"], "feature": feature["key"],
                                           "value": "true", "end_date": iso(end)})
        assert r.status_code == 201, r.text
        return r.json()["id"]

    for phase in ("never looked", "mark left standing"):
        path = "/" + phase.replace(" ", "-")
        ending_in(1)  # its moment passes while no endpoint wants it
        before = commits()
        time.sleep(3)
        assert commits() == before, f"{phase}: an idle daemon committed"
        h = make_hook(api, receiver.url(path), events=["entitlement.expired"])
        time.sleep(1.5)
        assert receiver.on(path) == [], f"{phase}: a moment from before the endpoint was sent"
        later = ending_in(1)
        got = wait_for(lambda: receiver.on(path), 4)
        assert [doc["data"]["object"] for _, doc in got] == [later], phase
        assert api.delete(f"/v1/webhooks/{h['id']}").status_code == 204
    assert d.stop() == 0


def test_97_14_kill_9_loses_no_message(new_daemon):
    rec = Receiver(delay=0.01)
    d = new_daemon(admin_key="test-admin-" + secrets.token_hex(20), args=FAST)
    api = Client(d.url, d.admin_key)
    try:
        h = make_hook(api, rec.url("/kill"), events=["account.created"])
        made = [api.make_account()["id"] for _ in range(60)]
        d.proc.send_signal(signal.SIGKILL)
        d.proc.wait()
        d2 = Daemon(d.workdir, admin_key=d.admin_key, args=FAST, store=d.store)
        try:
            api2 = Client(d2.url, d2.admin_key)
            assert wait_for(lambda: len(deliveries(api2, h, status="delivered")) == 60, 20)
            msgs = deliveries(api2, h)
            ids = {m["id"] for m in msgs}
            got = {hd["webhook-id"] for hd, _ in rec.on("/kill")}
            assert ids <= got  # every message arrived, under its one id
            assert got <= ids
            objects = {doc["data"]["object"] for _, doc in rec.on("/kill")}
            assert objects == set(made)
        finally:
            assert d2.stop() == 0
    finally:
        rec.close()


def test_97_15_metrics(hapi, hookd):
    text = Client(hookd.url, None).get("/metrics").text
    for name in ("entitled_webhook_messages_queued", "entitled_webhook_oldest_pending_seconds",
                 "entitled_webhook_deliveries_total", "entitled_webhook_failed_total"):
        assert name in text
    delivered = [line for line in text.splitlines()
                 if line.startswith("entitled_webhook_deliveries_total ")]
    assert int(delivered[0].split()[1]) > 0


# ---------------------------------------------------------------------------------------------
# Several daemons on one PostgreSQL database


@pytest.mark.skipif(not ON_PG, reason="several daemons share one store only on PostgreSQL")
def test_97_16_several_daemons_send_each_message_once(workdir):
    rec = Receiver()
    base = tempfile.mkdtemp(dir=workdir)
    store = pg_new_database()
    admin = "test-admin-" + secrets.token_hex(20)
    env = {"ENTITLED_KEY_FILE": os.path.join(base, "shared.key")}
    daemons = []
    try:
        for _ in range(3):
            daemons.append(Daemon(tempfile.mkdtemp(dir=base), admin_key=admin, store=store,
                                  extra_env=env, args=FAST + ("--webhook-workers", "3")))
        apis = [Client(x.url, admin) for x in daemons]
        h = make_hook(apis[0], rec.url("/cluster"), events=["account.created"])
        time.sleep(1.2)  # every daemon has read the endpoint

        def work(i):
            return [apis[i % 3].make_account()["id"] for _ in range(30)]

        with cf.ThreadPoolExecutor(6) as ex:
            made = sum(ex.map(work, range(6)), [])
        assert wait_for(lambda: len(deliveries(apis[1], h, status="delivered")) == len(made), 30)
        time.sleep(0.5)
        got = [hd["webhook-id"] for hd, _ in rec.on("/cluster")]
        assert len(got) == len(set(got)) == len(made)  # none twice
        assert {doc["data"]["object"] for _, doc in rec.on("/cluster")} == set(made)
    finally:
        for x in daemons:
            assert x.stop() == 0, x.output()[-3000:]
        pg_drop_database(store)
        rec.close()
