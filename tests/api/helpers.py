# SPDX-License-Identifier: MIT
"""Helpers the API test modules share: reading whole lists and the audit log, times as the API
writes them, and catalog objects several modules build. Each asserts nothing unless it says so,
so a test asserts exactly what it did when it kept its own copy."""
import re
import threading
import time
from datetime import datetime, timedelta, timezone

import requests

# --------------------------------------------------------------------------------------------
# Lists and the audit log
# --------------------------------------------------------------------------------------------


def list_all(api, path, check=False):
    """Every item of a list, following its next links from path. With check, each page is
    asserted to answer 200."""
    out = []
    while path:
        r = api.get(path)
        if check:
            assert r.status_code == 200, r.text
        page = r.json()
        out += page["data"]
        path = page["next"]
    return out


def events_count(api):
    return api.get("/v1/events?limit=1").json()["total_count"]


def last_event_id(api):
    """The id of the newest event, or None when the log is empty."""
    total = events_count(api)
    if total == 0:
        return None
    return api.get(f"/v1/events?limit=1&offset={total - 1}").json()["data"][0]["id"]


def events_since(api, marker, type_=None):
    """Every event after marker (an event id or None), oldest first, optionally of one type."""
    query = "limit=100"
    if marker:
        query += f"&after={marker}"
    if type_:
        query += f"&type={type_}"
    return list_all(api, f"/v1/events?{query}")


def tick():
    """Waits past the current millisecond, so that what follows is not created in the same
    millisecond as what came before (the order of same-millisecond objects and events has
    tests of its own)."""
    time.sleep(0.003)


# --------------------------------------------------------------------------------------------
# Times
# --------------------------------------------------------------------------------------------


def day(offset):
    """YYYY-MM-DD, offset days from today (UTC)."""
    return (datetime.now(timezone.utc) + timedelta(days=offset)).strftime("%Y-%m-%d")


def midnight(date):
    return f"{date}T00:00:00Z"


def iso(dt):
    """RFC 3339 text of a datetime, to the second."""
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def ms(text):
    """Milliseconds since the epoch of an RFC 3339 time."""
    return int(round(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000))


# --------------------------------------------------------------------------------------------
# Catalog
# --------------------------------------------------------------------------------------------


def seats_feature(api):
    """A quantity feature: 5, 20 or unlimited users."""
    return api.make_feature(type="quantity", unit="user",
                            levels=[{"value": "5"}, {"value": "20"}, {"value": "unlimited"}])


def granting_product(api, *features, value="true", **fields):
    """A product granting each feature value (by default a new switch feature, on)."""
    fs = features or (api.make_feature(type="switch"),)
    return api.make_product(entitlements=[{"feature": f["key"], "value": value} for f in fs],
                            **fields)


def log_lines(text):
    """The JSON lines of a daemon's output (its request log and messages), parsed; other lines
    (none in the JSON format) are left out."""
    import json
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except ValueError:
                pass
    return lines


def log_messages(text):
    """The daemon's messages in its output ("msg" of each JSON line that has one)."""
    return [line["msg"] for line in log_lines(text) if "msg" in line]


def printed_admin_keys(text):
    """The admin keys a daemon printed on first start."""
    import re
    return re.findall(r"ent_admin_[A-Za-z0-9_\-]+", text)


# --------------------------------------------------------------------------------------------
# Concurrency
# --------------------------------------------------------------------------------------------


def race(n_threads, work):
    """Runs work(i) in n_threads threads started together (each makes its own client: its own
    requests.Session). Returns the exceptions raised."""
    barrier = threading.Barrier(n_threads)
    errors = []

    def run(i):
        try:
            barrier.wait(timeout=30)
            work(i)
        except (AssertionError, requests.RequestException, threading.BrokenBarrierError) as e:
            errors.append(repr(e))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


# --------------------------------------------------------------------------------------------
# /metrics
# --------------------------------------------------------------------------------------------

def metric(api, name):
    """The value of the counter or gauge name in the daemon's /metrics (asserts it is there)."""
    text = api.get("/metrics").text
    m = re.search(rf"^{re.escape(name)} (\d+)$", text, re.M)
    assert m, f"{name} is not in /metrics"
    return int(m.group(1))


def statements_per_try(api, call, tries=8):
    """Runs call() up to `tries` times, until one try sends the store no statement; answers the
    statements entitled_store_calls_total counted in each try. The daemon's own background work
    (the webhook scheduler, the endpoints reread every second) may count some during a try, so a
    path that sends none shows it by one try in a few without any; one that sends some counts
    them in every try."""
    counted = []
    for _ in range(tries):
        before = metric(api, "entitled_store_calls_total")
        call()
        counted.append(metric(api, "entitled_store_calls_total") - before)
        if counted[-1] == 0:
            break
    return counted
