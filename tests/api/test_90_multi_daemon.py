# SPDX-License-Identifier: MIT
"""Several daemons on one PostgreSQL database (issue 7): limits stay exact across daemons,
a write through one daemon is seen by the others within a second, and killing one daemon loses
nothing it acknowledged.

Three daemons (4 worker threads each) share one fresh database and one key file (the hashing key
of API keys lives outside the database, so every daemon of a deployment needs the same one:
docs/deploy.md); every test gets its own, on a fresh database, from the fixture `cluster`. In
test_90_01 and test_90_10 they are started at the same moment (`@pytest.mark.cluster(at_once=
True)`), so they race to migrate the empty database and to register the admin key; the other
tests start them one after another, so that a failure there says nothing about starting.
Clients are threads, each with its own connections, spread over the three daemons and released
together by a barrier, so that requests really interleave.

Runs only on PostgreSQL (ENTITLED_TEST_PG_URL, set by `make test`); skipped otherwise.
"""
import concurrent.futures as cf
import os
import random
import secrets
import signal
import tempfile
import threading
import time
import urllib.parse
from datetime import datetime, timedelta, timezone

import pytest
import requests

from client import Client, unique
from helpers import metric, printed_admin_keys, statements_per_try
from conftest import ON_PG, PG_URL, Daemon, pg_drop_database, pg_new_database, psql, store_sql

pytestmark = pytest.mark.skipif(
    not ON_PG, reason="several daemons share one store only on PostgreSQL: set "
    "ENTITLED_TEST_PG_URL to a server's URL (make test starts one with scripts/pg.sh)")

DAEMONS = 3
THREADS = 4
VISIBLE_WITHIN = 1.0  # seconds: a write through one daemon is seen by the others


class Cluster:
    """DAEMONS daemons on one fresh database, started one after another or at the same moment."""

    def __init__(self, workdir, at_once=False, admin_key=True):
        self.base = tempfile.mkdtemp(dir=workdir)
        self.store = pg_new_database()
        self.admin_key = "test-admin-" + secrets.token_hex(20) if admin_key else None
        self.env = {"ENTITLED_KEY_FILE": os.path.join(self.base, "shared.key")}
        self.daemons, self.killed = [], set()
        dirs = [tempfile.mkdtemp(dir=self.base) for _ in range(DAEMONS)]
        with cf.ThreadPoolExecutor(DAEMONS if at_once else 1) as ex:
            futures = [ex.submit(self.start, d) for d in dirs]
            errors = []
            for f in futures:
                try:
                    self.daemons.append(f.result())
                except RuntimeError as e:
                    errors.append(str(e))
        if errors:
            self.stop()
            raise RuntimeError("daemons starting at once on one database:\n"
                               + "\n".join(e[-3000:] for e in errors))

    def start(self, workdir):
        return Daemon(workdir, admin_key=self.admin_key, store=self.store, extra_env=self.env,
                      args=("--threads", str(THREADS)))

    def restart(self, i):
        """Starts daemon i again, on its directory and the same database."""
        self.daemons[i] = self.start(self.daemons[i].workdir)
        return self.daemons[i]

    def kill(self, i):
        d = self.daemons[i]
        self.killed.add(d)
        d.proc.send_signal(signal.SIGKILL)
        d.proc.wait()

    def admin(self, i):
        return Client(self.daemons[i].url, self.admin_key)

    def stop(self):
        """Stops every daemon; answers those that did not stop cleanly, with their output."""
        bad = []
        for d in self.daemons:
            rc = d.stop()
            if d not in self.killed and rc != 0:
                bad.append(f"{d.url}: {rc}\n{d.output()[-3000:]}")
        pg_drop_database(self.store)
        return bad


def stopped(c):
    bad = c.stop()
    assert not bad, "daemons did not stop cleanly:\n" + "\n".join(bad)


@pytest.fixture
def cluster(request, workdir):
    """DAEMONS daemons on a fresh database, stopped at the end of the test (each must stop
    cleanly). Started one after another, with ENTITLED_ADMIN_KEY, unless the test asks for
    something else with @pytest.mark.cluster(at_once=True, admin_key=False)."""
    marker = request.node.get_closest_marker("cluster")
    c = Cluster(workdir, **(marker.kwargs if marker else {}))
    try:
        yield c
    finally:
        stopped(c)


_local = threading.local()


def post(url, path, key, body):
    """POST on this thread's own connection to that daemon; answers (status, document)."""
    sessions = getattr(_local, "sessions", None)
    if sessions is None:
        sessions = _local.sessions = {}
    s = sessions.setdefault(url, requests.Session())
    r = s.post(url + path, json=body, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    return r.status_code, (r.json() if r.content else None)


def race(n_threads, work):
    """Runs work(i) for i in range(n_threads), all in threads of their own released together.
    Answers the results in order; raises the first exception."""
    barrier = threading.Barrier(n_threads)

    def run(i):
        barrier.wait(timeout=60)
        return work(i)

    with cf.ThreadPoolExecutor(n_threads) as ex:
        return [f.result(timeout=300) for f in [ex.submit(run, i) for i in range(n_threads)]]


def evaluate(api, acc, features):
    r = api.post("/v1/evaluate", {"account": acc["id"], "features": features})
    assert r.status_code == 200, r.text
    return r.json()["entitlements"]


def eventually(check, within=VISIBLE_WITHIN):
    """Polls check() until it answers true, for at most `within` seconds; answers the time it
    took, or None. check() runs at least once and once more after the deadline."""
    started = time.monotonic()
    while True:
        if check():
            return time.monotonic() - started
        if time.monotonic() - started > within:
            return None
        time.sleep(0.01)


def grant(api, acc, feature, value):
    r = api.post("/v1/entitlements", {"account": acc["id"], "feature": feature["key"],
                                      "value": value})
    assert r.status_code == 201, r.text
    return r.json()


@pytest.mark.cluster(at_once=True)
def test_90_01_daemons_started_at_once_share_one_migrated_database(cluster):
    """Three daemons started at the same moment on an empty database, with the same
    ENTITLED_ADMIN_KEY, all serve (the migrations ran once, the admin key is registered once);
    what one writes the others read, and a key made through one works on all."""
    for i in range(DAEMONS):
        assert cluster.admin(i).get("/readyz").status_code == 200
    a = cluster.admin(0)
    f = a.make_feature()
    acc = a.make_account()
    key = a.make_key("account", acc["id"])["key"]
    for i in range(DAEMONS):
        c = cluster.admin(i)
        assert c.get(f"/v1/features/{f['key']}").json()["id"] == f["id"]
        assert c.with_key(key).get(f"/v1/accounts/{acc['id']}").status_code == 200
    # A duplicate key through another daemon is the same 409 as on one daemon.
    r = cluster.admin(1).post("/v1/features", {"key": f["key"], "name": "F", "type": "switch"})
    assert r.status_code == 409 and r.json()["type"] == "conflict", r.text


SEATS = 50
ACTIVATIONS = 200


def test_90_02_activations_through_three_daemons_never_pass_the_seat_limit(cluster):
    """200 concurrent activations (distinct fingerprints) through the three daemons against 50
    seats: exactly 50 answered 201 and 150 answered 409 seat_limit_reached, exactly 50 live
    activations stored, and every daemon counts 50 seats in use."""
    a = cluster.admin(0)
    f = a.make_feature(type="quantity", unit="seat", activations_enabled=True,
                       levels=[{"value": str(SEATS)}])
    acc = a.make_account()
    grant(a, acc, f, str(SEATS))
    key = a.make_key("account", acc["id"])["key"]
    urls = [d.url for d in cluster.daemons]
    per_thread = 4
    n_threads = ACTIVATIONS // per_thread

    def work(i):
        out = []
        for j in range(per_thread):
            fp = f"fp-{i}-{j}-{secrets.token_hex(4)}"
            status, doc = post(urls[(i + j) % DAEMONS], "/v1/activations", key,
                               {"account": acc["id"], "feature": f["key"], "fingerprint": fp})
            out.append((fp, status, doc))
        return out

    answers = [x for chunk in race(n_threads, work) for x in chunk]
    statuses = [s for _, s, _ in answers]
    assert len(answers) == ACTIVATIONS
    assert statuses.count(201) == SEATS and statuses.count(409) == ACTIVATIONS - SEATS, (
        {s: statuses.count(s) for s in set(statuses)},
        [d for _, s, d in answers if s not in (201, 409)][:3])
    assert all(d["type"] == "seat_limit_reached" for _, s, d in answers if s == 409)
    seated = {fp for fp, s, _ in answers if s == 201}
    assert len(seated) == SEATS

    # Stored: exactly those 50, read through another daemon.
    c = cluster.admin(2)
    listed, path = [], f"/v1/activations?account={acc['id']}&limit=100"
    while path:
        page = c.get(path).json()
        listed += page["data"]
        path = page["next"] and page["next"][page["next"].index("/v1/"):]
    live = {x["fingerprint"] for x in listed if x["status"] == "active"}
    assert live == seated and len(listed) == SEATS

    # Every daemon counts 50 in use (within a second: the other daemons' caches are told).
    for i in range(DAEMONS):
        api = cluster.admin(i)
        took = eventually(lambda: evaluate(api, acc, [f["key"]])[0]["usage"] == SEATS)
        assert took is not None, (i, evaluate(api, acc, [f["key"]]))
        # No seat is left through any daemon; a fingerprint that holds one gets it again.
        status, doc = post(urls[i], "/v1/activations", key, {
            "account": acc["id"], "feature": f["key"], "fingerprint": unique("late")})
        assert status == 409 and doc["type"] == "seat_limit_reached", doc
        fp = sorted(seated)[i]
        status, doc = post(urls[i], "/v1/activations", key, {
            "account": acc["id"], "feature": f["key"], "fingerprint": fp})
        assert status == 200 and doc["fingerprint"] == fp, doc


QUOTA = 500
EVENTS = 1000


def test_90_03_enforced_usage_through_three_daemons_never_passes_the_limit(cluster):
    """1,000 concurrent enforced events of amount 1 (distinct idempotency keys) through the three
    daemons against a limit of 500: exactly 500 accepted (each unit handed out once), 500 refused
    with limit_reached, and the stored usage is exactly 500 on every daemon."""
    a = cluster.admin(0)
    f = a.make_feature(type="metered", unit="call", reset_period="never")
    acc = a.make_account()
    grant(a, acc, f, str(QUOTA))
    key = a.make_key("account", acc["id"])["key"]
    urls = [d.url for d in cluster.daemons]
    per_thread = 20
    n_threads = EVENTS // per_thread

    def work(i):
        out = []
        for j in range(per_thread):
            ik = f"ik-{i}-{j}-{secrets.token_hex(4)}"
            status, doc = post(urls[(i + j) % DAEMONS], "/v1/usage", key, {
                "account": acc["id"], "feature": f["key"], "amount": 1, "enforce": True,
                "idempotency_key": ik})
            out.append((ik, status, doc))
        return out

    answers = [x for chunk in race(n_threads, work) for x in chunk]
    statuses = [s for _, s, _ in answers]
    assert len(answers) == EVENTS
    assert statuses.count(201) == QUOTA and statuses.count(409) == EVENTS - QUOTA, (
        {s: statuses.count(s) for s in set(statuses)},
        [d for _, s, d in answers if s not in (201, 409)][:3])
    refused = [d for _, s, d in answers if s == 409]
    assert all(d["type"] == "limit_reached" and d["usage"] == QUOTA for d in refused), refused[:3]
    # Each unit was handed out once: the usages answered are 1..500, each once.
    assert sorted(d["usage"] for _, s, d in answers if s == 201) == list(range(1, QUOTA + 1))

    for i in range(DAEMONS):
        api = cluster.admin(i)
        took = eventually(lambda: evaluate(api, acc, [f["key"]])[0]["usage"] == QUOTA)
        got = evaluate(api, acc, [f["key"]])[0]
        assert took is not None, (i, got)
        assert got["remaining"] == 0 and got["reason"] == "limit_reached", got
    now = datetime.now(timezone.utc)
    r = cluster.admin(1).get("/v1/usage", params={
        "account": acc["id"], "feature": f["key"], "granularity": "day",
        "from": (now - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "to": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")})
    assert r.status_code == 200, r.text
    assert sum(b["usage"] for b in r.json()["data"]) == QUOTA
    # An accepted event sent again through another daemon is its first answer, counted once.
    ik, _, first = next(x for x in answers if x[1] == 201)
    status, doc = post(urls[1], "/v1/usage", key, {
        "account": acc["id"], "feature": f["key"], "amount": 1, "enforce": True,
        "idempotency_key": ik})
    assert status == 200 and doc["usage"] == first["usage"], (first, doc)
    assert evaluate(cluster.admin(2), acc, [f["key"]])[0]["usage"] == QUOTA


def test_90_04_one_idempotency_key_through_three_daemons_at_once_is_counted_once(cluster):
    """30 clients send the same event (one idempotency key) through the three daemons at the
    same moment: one is recorded (201), the others answer its result (200); counted once."""
    a = cluster.admin(0)
    f = a.make_feature(type="metered", unit="call", reset_period="never")
    acc = a.make_account()
    grant(a, acc, f, "1000")
    key = a.make_key("account", acc["id"])["key"]
    urls = [d.url for d in cluster.daemons]
    body = {"account": acc["id"], "feature": f["key"], "amount": 7, "idempotency_key": unique("ik")}
    answers = race(30, lambda i: post(urls[i % DAEMONS], "/v1/usage", key, body))
    statuses = sorted(s for s, _ in answers)
    assert statuses == [200] * 29 + [201], statuses
    assert all(d["usage"] == 7 for _, d in answers), answers[:3]
    for i in range(DAEMONS):
        api = cluster.admin(i)
        assert eventually(lambda: evaluate(api, acc, [f["key"]])[0]["usage"] == 7) is not None


def test_90_04b_consumption_through_three_daemons_never_passes_the_units(cluster):
    """300 concurrent enforced consumption events of one unit through the three daemons against
    a service of 120 units (issue 17): exactly 120 drawn, each consumed count once; the same
    idempotency key through every daemon at once is drawn once."""
    a = cluster.admin(0)
    acc = a.make_account()
    p = a.make_product(category="customer_support")
    r = a.post("/v1/orders", {"account": acc["id"], "activate": True,
                              "items": [{"product": p["key"], "quantity": 120}]})
    assert r.status_code == 201, r.text
    [e] = a.get(f"/v1/entitlements?account={acc['id']}").json()["data"]
    key = a.make_key("account", acc["id"])["key"]
    urls = [d.url for d in cluster.daemons]

    def work(i):
        return [post(urls[(i + j) % DAEMONS], f"/v1/entitlements/{e['id']}/consumption", key,
                     {"amount": 1, "enforce": True}) for j in range(10)]

    answers = [x for chunk in race(30, work) for x in chunk]
    statuses = [s for s, _ in answers]
    assert statuses.count(201) == 120 and statuses.count(409) == 180, statuses
    assert sorted(d["consumed"] for s, d in answers if s == 201) == list(range(1, 121))
    body = {"amount": 1, "idempotency_key": unique("ik")}
    e2_acc = a.make_account()
    r = a.post("/v1/orders", {"account": e2_acc["id"], "activate": True,
                              "items": [{"product": p["key"], "quantity": 50}]})
    [e2] = a.get(f"/v1/entitlements?account={e2_acc['id']}").json()["data"]
    answers = race(30, lambda i: post(urls[i % DAEMONS], f"/v1/entitlements/{e2['id']}/consumption",
                                      a.key, body))
    assert sorted(s for s, _ in answers) == [200] * 29 + [201]
    for i in range(DAEMONS):
        assert cluster.admin(i).get(f"/v1/entitlements/{e['id']}").json()["consumed"] == 120
        assert cluster.admin(i).get(f"/v1/entitlements/{e2['id']}").json()["consumed"] == 1


def marker(api):
    """An account granted a metered feature, for heard_by_all()."""
    feature = api.make_feature(type="metered", unit="call", reset_period="never")
    account = api.make_account()
    grant(api, account, feature, "1000000")
    return account, feature


def heard_by_all(cluster, writer, mark):
    """Waits until every daemon has heard every announcement committed before the call.

    A daemon may build a snapshot before it hears the announcement of a change made just before,
    and then drop that (fresh) snapshot when it does. PostgreSQL hands each listener the
    announcements in the order their transactions committed, so one usage event of mark (from
    marker()) recorded through daemon writer, heard by all, says the earlier ones were: each
    daemon counts it as a usage update, and the writer twice (as it records it, and as it hears
    its own announcement)."""
    apis = [cluster.admin(i) for i in range(DAEMONS)]
    before = [metric(api, "entitled_cache_usage_updates_total") for api in apis]
    account, feature = mark
    r = apis[writer].post("/v1/usage", {"account": account["id"], "feature": feature["key"],
                                        "amount": 1})
    assert r.status_code == 201, r.text
    want = [n + (2 if i == writer else 1) for i, n in enumerate(before)]
    heard = eventually(lambda: all(metric(api, "entitled_cache_usage_updates_total") >= w
                                   for api, w in zip(apis, want)))
    assert heard is not None, f"not every daemon heard the announcements within {VISIBLE_WITHIN} s"


def test_90_05_a_grant_through_one_daemon_is_seen_by_another_within_a_second(cluster):
    """A grant written through daemon A is seen by an evaluate on daemon B within 1 s, though B
    had the account's snapshot warm (evaluated just before); so is its revocation, and usage
    recorded through A."""
    a, b = cluster.admin(0), cluster.admin(1)
    sso = a.make_feature()
    calls = a.make_feature(type="metered", unit="call", reset_period="never")
    acc = a.make_account()
    grant(a, acc, calls, "100")
    names = [sso["key"], calls["key"]]
    heard_by_all(cluster, 0, marker(a))
    # B builds the account's snapshot, and then answers from it (no store call).
    before = evaluate(b, acc, names)
    assert before[0]["value"] is False and before[1]["usage"] == 0, before

    def answer_again():
        assert evaluate(b, acc, names) == before

    counted = statements_per_try(b, answer_again)
    assert counted[-1] == 0, f"B's snapshot of the account was not warm: statements {counted}"

    g = grant(a, acc, sso, "true")
    took = eventually(lambda: evaluate(b, acc, [sso["key"]])[0]["value"] is True)
    assert took is not None, f"B did not see the grant within {VISIBLE_WITHIN} s"

    r = a.post("/v1/usage", {"account": acc["id"], "feature": calls["key"], "amount": 3})
    assert r.status_code == 201, r.text
    took = eventually(lambda: evaluate(b, acc, [calls["key"]])[0]["usage"] == 3)
    assert took is not None, f"B did not see the usage within {VISIBLE_WITHIN} s"

    assert evaluate(cluster.admin(2), acc, [sso["key"]])[0]["value"] is True  # warm C too
    assert a.delete(f"/v1/entitlements/{g['id']}").status_code in (200, 204)
    c = cluster.admin(2)
    took = eventually(lambda: evaluate(c, acc, [sso["key"]])[0]["value"] is False)
    assert took is not None, f"C did not see the revocation within {VISIBLE_WITHIN} s"


def test_90_11_usage_through_one_daemon_raises_the_warm_snapshots_of_all(cluster):
    """Usage recorded through daemon A reaches the warm snapshots of every daemon as a new count,
    not as a drop: B answers each acknowledged count within 1 s, and neither B nor A builds the
    account's snapshot again for it (entitled_cache_misses_total stays; the usage updates grow)."""
    a, b = cluster.admin(0), cluster.admin(1)
    calls = a.make_feature(type="metered", unit="call", reset_period="month")
    acc = a.make_account()
    grant(a, acc, calls, "1000")
    heard_by_all(cluster, 0, marker(a))
    for api in (a, b):
        assert evaluate(api, acc, [calls["key"]])[0]["usage"] == 0  # warm on both
    misses = [metric(api, "entitled_cache_misses_total") for api in (a, b)]
    updates = metric(b, "entitled_cache_usage_updates_total")
    for n in range(1, 6):
        r = a.post("/v1/usage", {"account": acc["id"], "feature": calls["key"], "amount": 2,
                                 "enforce": True})
        assert r.status_code == 201, r.text
        took = eventually(lambda: evaluate(b, acc, [calls["key"]])[0]["usage"] == 2 * n)
        assert took is not None, f"B did not see usage {2 * n} within {VISIBLE_WITHIN} s"
        assert evaluate(a, acc, [calls["key"]])[0]["usage"] == 2 * n
    assert [metric(api, "entitled_cache_misses_total") for api in (a, b)] == misses
    assert metric(b, "entitled_cache_usage_updates_total") - updates >= 5


KILL_CLIENTS = 12


def test_90_06_killing_a_daemon_loses_no_acknowledged_write(cluster):
    """Clients send usage events (each with its own idempotency key, amount 1..5) through daemon
    0, and some through the others; daemon 0 is killed with SIGKILL while they do. A request it
    did not answer is sent again, unchanged, through the next daemon (as a load balancer would).
    Every event answered 201 or 200 is counted exactly once, checked through the other daemons
    and through daemon 0 started again (cold)."""
    seed = secrets.randbits(32)
    print(f"\ntest_90_06: seed {seed}")
    rng = random.Random(seed)
    a = cluster.admin(1)
    f = a.make_feature(type="metered", unit="call", reset_period="never")
    acc = a.make_account()
    grant(a, acc, f, "1000000")
    key = a.make_key("account", acc["id"])["key"]
    urls = [d.url for d in cluster.daemons]

    lock = threading.Lock()
    acked = {}  # idempotency key -> amount, once answered 201 or 200
    through_victim = [0]  # events answered by daemon 0
    failovers = [0]
    unexpected, server_errors = [], []
    stop = threading.Event()
    dead = set()

    def client(i):
        r = random.Random(seed * 31 + i)
        first = 0 if i < KILL_CLIENTS * 2 // 3 else 1 + i % (DAEMONS - 1)
        while not stop.is_set():
            ik = unique("ik")
            amount = r.randint(1, 5)
            body = {"account": acc["id"], "feature": f["key"], "amount": amount,
                    "idempotency_key": ik}
            target, tries = first, 0
            while True:
                tries += 1
                if tries > 200:
                    raise AssertionError(f"no answer for {ik} after 200 tries")
                try:
                    status, doc = post(urls[target], "/v1/usage", key, body)
                except requests.RequestException:
                    status, doc = None, None
                if status is None or status >= 500:
                    with lock:
                        failovers[0] += 1
                        if status is not None:
                            server_errors.append((target, status, doc))
                    target = (target + 1) % DAEMONS
                    if target == 0 and 0 in dead:
                        target = 1
                    continue
                break
            with lock:
                if status in (200, 201):
                    acked[ik] = amount
                    if target == 0:
                        through_victim[0] += 1
                else:
                    unexpected.append((status, doc))

    with cf.ThreadPoolExecutor(KILL_CLIENTS) as ex:
        futures = [ex.submit(client, i) for i in range(KILL_CLIENTS)]
        try:
            # Kill daemon 0 once it has answered some events, at a random moment after.
            assert eventually(lambda: through_victim[0] >= 100, within=60) is not None, \
                "daemon 0 answered fewer than 100 events in 60 s"
            time.sleep(rng.uniform(0.0, 0.5))
            dead.add(0)
            cluster.kill(0)
            with lock:
                after = len(acked)
            # The clients go on through the others for a while.
            assert eventually(lambda: len(acked) >= after + 200, within=60) is not None
        finally:
            stop.set()
        for fut in futures:
            fut.result(timeout=120)

    assert not unexpected, unexpected[:5]
    assert not server_errors, server_errors[:5]
    expected = sum(acked.values())
    print(f"test_90_06: {len(acked)} events (sum {expected}), {through_victim[0]} answered by "
          f"daemon 0 before it was killed, {failovers[0]} sent again elsewhere")
    assert failovers[0] >= 1, "no request was cut by the kill"

    for i in (1, 2):
        api = cluster.admin(i)
        took = eventually(lambda: evaluate(api, acc, [f["key"]])[0]["usage"] == expected)
        got = evaluate(api, acc, [f["key"]])[0]["usage"]
        assert took is not None, (
            f"daemon {i} counts {got}, the clients were acknowledged {expected} "
            f"({'lost' if got < expected else 'doubled'} usage; seed {seed})")
    now = datetime.now(timezone.utc)
    r = cluster.admin(2).get("/v1/usage", params={
        "account": acc["id"], "feature": f["key"], "granularity": "hour",
        "from": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "to": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")})
    assert r.status_code == 200, r.text
    assert sum(b["usage"] for b in r.json()["data"]) == expected

    # Sent again through another daemon, acknowledged events change nothing.
    for ik, amount in list(acked.items())[:20]:
        status, doc = post(urls[2], "/v1/usage", key, {
            "account": acc["id"], "feature": f["key"], "amount": amount, "idempotency_key": ik})
        assert status == 200, doc
    # Daemon 0 started again (cold) counts the same.
    d0 = cluster.restart(0)
    got = evaluate(Client(d0.url, cluster.admin_key), acc, [f["key"]])[0]["usage"]
    assert got == expected, (got, expected)


def test_90_07_a_key_revoked_through_one_daemon_is_refused_by_another_within_a_second(cluster):
    """A key that daemon B has accepted (and so holds in its key cache) and that is then revoked
    through daemon A is refused by B within 1 s."""
    a, b = cluster.admin(0), cluster.admin(1)
    acc = a.make_account()
    k = a.make_key("account", acc["id"])
    mine = b.with_key(k["key"])
    assert mine.get(f"/v1/accounts/{acc['id']}").status_code == 200
    assert mine.get(f"/v1/accounts/{acc['id']}").status_code == 200  # from B's cache now
    assert a.delete(f"/v1/keys/{k['id']}").status_code == 204
    took = eventually(lambda: mine.get(f"/v1/accounts/{acc['id']}").status_code == 401)
    assert took is not None, f"B still accepts the revoked key after {VISIBLE_WITHIN} s"


def database_ports(pid):
    """The local TCP ports of the connections process pid has open to the PostgreSQL server."""
    server_port = urllib.parse.urlsplit(PG_URL).port or 5432
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    ports = []
    with open(f"/proc/{pid}/net/tcp") as f:
        for line in f.readlines()[1:]:
            cols = line.split()
            local, remote, inode = cols[1], cols[2], cols[9]
            if inode in inodes and int(remote.split(":")[1], 16) == server_port:
                ports.append(int(local.split(":")[1], 16))
    return ports


def test_90_08_a_daemon_that_loses_its_listening_connection_drops_its_whole_cache(cluster):
    """A change made behind the daemons' backs (in the database, with no message) is not seen
    by daemon B while its snapshot is warm; once the server ends B's connections (its listening
    one with them), B drops its whole cache, reconnects, and sees the change within 1 s."""
    a, b = cluster.admin(0), cluster.admin(1)
    sso = a.make_feature()
    acc = a.make_account()
    g = grant(a, acc, sso, "true")
    assert eventually(lambda: evaluate(b, acc, [sso["key"]])[0]["value"] is True) is not None
    _, n = store_sql(cluster.store, "UPDATE entitlements SET status = 'suspended' WHERE id = ?",
                     (g["id"],))
    assert n == 1
    # No message was sent: B answers from its snapshot still.
    assert evaluate(b, acc, [sso["key"]])[0]["value"] is True
    assert a.get(f"/v1/entitlements/{g['id']}").json()["status"] == "suspended"

    ports = database_ports(cluster.daemons[1].proc.pid)
    assert ports, "daemon B has no connection to the database"
    out = psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
               f"client_addr = '127.0.0.1' AND client_port IN ({', '.join(map(str, ports))})")
    assert int(out.stdout.strip()) >= 1, out.stdout
    took = eventually(lambda: evaluate(b, acc, [sso["key"]])[0]["value"] is False)
    assert took is not None, f"B still answers from its old snapshot after {VISIBLE_WITHIN} s"
    # B listens again: a grant through A is seen by B within 1 s.
    other = a.make_feature()
    assert evaluate(b, acc, [other["key"]])[0]["value"] is False
    grant(a, acc, other, "true")
    took = eventually(lambda: evaluate(b, acc, [other["key"]])[0]["value"] is True, within=6.0)
    assert took is not None, "B does not listen again"


def test_90_09_one_idempotency_key_header_through_three_daemons_makes_one_object(cluster):
    """30 clients send the same grant with the same Idempotency-Key through the three daemons
    at once: as on one daemon (test_85_05), each is answered 201 or 409 and one entitlement
    exists; sent again afterwards through any daemon, it is the first answer replayed."""
    a = cluster.admin(0)
    f = a.make_feature()
    acc = a.make_account()
    body = {"account": acc["id"], "feature": f["key"], "value": "true"}
    h = {"Idempotency-Key": unique("idem")}
    clients = [Client(d.url, cluster.admin_key, check=False) for d in cluster.daemons]

    def send(i):
        return clients[i % DAEMONS].with_key(cluster.admin_key).post("/v1/entitlements", body,
                                                                      headers=h)

    answers = race(30, send)
    codes = [r.status_code for r in answers]
    assert set(codes) <= {201, 409} and codes.count(201) >= 1, codes
    made = {r.json()["id"] for r in answers if r.status_code == 201}
    assert len(made) == 1, made
    listed = a.get(f"/v1/entitlements?account={acc['id']}").json()
    assert listed["total_count"] == 1 and listed["data"][0]["id"] in made, listed
    for i in range(DAEMONS):
        r = cluster.admin(i).post("/v1/entitlements", body, headers=h)
        assert r.status_code == 201 and r.headers.get("Idempotent-Replayed") == "true", r.text
        assert r.json()["id"] in made


@pytest.mark.cluster(at_once=True, admin_key=False)
def test_90_10_daemons_started_at_once_on_an_empty_store_print_one_admin_key(cluster):
    """As test_80_07 on one daemon: three daemons started at the same moment on an empty
    database without ENTITLED_ADMIN_KEY make one admin key between them, printed once, and it
    works on all three."""
    printed = [k for d in cluster.daemons for k in printed_admin_keys(d.output())]
    assert len(printed) == 1, printed
    for d in cluster.daemons:
        assert Client(d.url, printed[0]).get("/v1/features").status_code == 200
    keys = Client(cluster.daemons[0].url, printed[0]).get("/v1/keys").json()
    assert keys["total_count"] == 1, keys


def test_90_12_a_transfer_through_one_daemon_moves_the_warm_snapshots_and_no_copy_twice(cluster):
    """Issue 17, point 7 (seed 004's distribution chain) across daemons: with the snapshots of
    the giver and the receivers warm on B and C, transfers of one entitlement through the three
    daemons at once move each copy once (two of eight asks for 2 of 5 copies win), and B and C
    count the copies for their current owners within a second."""
    a, b, c = cluster.admin(0), cluster.admin(1), cluster.admin(2)
    seats = a.make_feature(type="quantity", unit="user", levels=[{"value": "5"}])
    p = a.make_product(category="recurring_services",
                       entitlements=[{"feature": seats["key"], "value": "5"}])
    giver = a.make_account(type="publisher", partner_tier="partner_tier_one")
    receivers = [a.make_account() for _ in range(8)]
    r = a.post("/v1/entitlements", {"account": giver["id"], "product": p["key"], "quantity": 5})
    assert r.status_code == 201, r.text
    e = r.json()
    for api in (b, c):
        assert evaluate(api, giver, [seats["key"]])[0]["limit"] == 25
        for acc in receivers:
            assert evaluate(api, acc, [seats["key"]])[0]["value"] is False
    daemons = [cluster.daemons[i % DAEMONS].url for i in range(len(receivers))]
    answers = race(len(receivers), lambda i: post(
        daemons[i], f"/v1/entitlements/{e['id']}/transfer", cluster.admin_key,
        {"account": receivers[i]["id"], "quantity": 2}))
    assert sorted(s for s, _ in answers).count(201) == 2, answers
    assert all(s in (201, 409, 422) for s, _ in answers), answers
    winners = [receivers[i] for i, (s, _) in enumerate(answers) if s == 201]

    def counted(api):
        limits = [evaluate(api, acc, [seats["key"]])[0]["limit"] or 0 for acc in receivers]
        mine = evaluate(api, giver, [seats["key"]])[0]["limit"]
        return mine == 5 and sum(limits) == 20 and all(
            evaluate(api, w, [seats["key"]])[0]["limit"] == 10 for w in winners)

    for api in (b, c):
        took = eventually(lambda: counted(api))
        assert took is not None, f"a daemon did not see the transfers within {VISIBLE_WITHIN} s"
    assert a.get(f"/v1/entitlements/{e['id']}").json()["quantity"] == 1
