# SPDX-License-Identifier: MIT
"""Crash consistency: a daemon killed with SIGKILL at random moments while clients record usage
and take seats loses nothing it acknowledged, counts nothing twice and never hands out more
seats than the limit (DESIGN.md: counters that enforce limits are updated atomically in the
store; API.md "Usage": the same idempotency_key again is counted once; "Activation": the same
fingerprint is the same activation).

One daemon of its own on a fresh store (SQLite, or a PostgreSQL database of its own). Eight client threads send usage events (each with
its own idempotency_key, amount 1..5) and activations (each with its own fingerprint) and retry
every request, unchanged, until a definite answer (2xx or 4xx): a refused or broken connection or
a 5xx is retried with the same idempotency key or fingerprint. Meanwhile the main thread kills
the daemon with SIGKILL at random moments (at least 10 times) and restarts it on the same store
and port. At the end:
- the account's usage (evaluate, and the sum of GET /v1/usage) is exactly the sum of the amounts
  of the distinct events (each idempotency key once, whether it was answered 201 or 200);
- the live activations never exceeded 50 and are exactly the distinct fingerprints answered
  201/200;
- after a clean stop, `PRAGMA integrity_check` of the SQLite file is "ok" (SQLite only;
  PostgreSQL's own crash recovery is not under test).

The kill times are random but seeded: the seed is printed, and ENTITLED_CRASH_SEED=<seed>
replays the same schedule (the interleaving with the clients still varies).
"""
import os
import random
import secrets
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone

import requests

from client import Client, unique
from helpers import iso
from conftest import store_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("ENTITLED_BIN", os.path.join(ROOT, "build", "entitled"))

KILLS = 12
SEAT_LIMIT = 50
USAGE_LIMIT = 100000
THREADS = 8


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stall_report(proc):
    """Where the threads of a daemon that stopped answering wait (gdb, when installed)."""
    if proc.poll() is not None:
        return f"(the daemon exited with {proc.returncode})"
    try:
        out = subprocess.run(["gdb", f"/proc/{proc.pid}/exe", "-p", str(proc.pid), "-batch",
                              "-ex", "thread apply all bt"], capture_output=True, text=True,
                             timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"(no backtrace: {e!r})"
    lines, frames = [], 0
    for line in out.splitlines():
        if line.startswith("Thread "):
            lines.append(line.split(" (", 1)[0] + " " + line.rsplit('"', 2)[-2]
                         if '"' in line else line)
            frames = 0
        elif line.startswith("#") and " at ../src/" in line and frames < 4:
            frames += 1
            fn = line.split(" in ", 1)[-1] if " in " in line else line.split(" ", 2)[-1]
            lines.append("    " + fn.split(" (", 1)[0] + " at " + line.rsplit(" at ", 1)[-1])
    return "\n".join(lines) or out[-3000:]


class Stalled(AssertionError):
    pass


class Restartable:
    """A daemon on a fixed store and port that can be killed and started again."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.store = store_for(workdir)
        self.admin_key = "test-admin-" + secrets.token_hex(20)
        self.log_path = os.path.join(workdir, "daemon.log")
        self.log = open(self.log_path, "ab")
        self.proc = None
        self.starts = 0

    def start(self, timeout=30.0):
        env = dict(os.environ, ENTITLED_ADMIN_KEY=self.admin_key)
        cmd = [BIN, "serve", "--listen", f"127.0.0.1:{self.port}", "--store", self.store,
               "--threads", "2"]
        deadline = time.monotonic() + timeout
        while True:
            self.log.write(f"--- start {self.starts}\n".encode())
            self.log.flush()
            self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                         env=env, cwd=self.workdir)
            self.starts += 1
            if self._wait_healthy(deadline):
                return
            # It exited (the port still held, say): try again until the deadline.
            if time.monotonic() > deadline:
                raise RuntimeError("the daemon did not come back:\n" + self.output()[-4000:])
            time.sleep(0.1)

    def _wait_healthy(self, deadline):
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                r = requests.get(self.url + "/healthz", timeout=1)
                if r.status_code == 200:
                    return True
            except requests.RequestException:
                pass
            time.sleep(0.02)
        self.proc.kill()
        self.proc.wait()
        raise RuntimeError("the daemon did not answer /healthz:\n" + self.output()[-4000:])

    def kill(self):
        """SIGKILL. Answers False when the daemon had already died by itself."""
        alive = self.proc.poll() is None
        self.proc.kill()
        self.proc.wait()
        return alive

    def answers(self, timeout=5.0):
        """True when /healthz answers within timeout."""
        try:
            return requests.get(self.url + "/healthz", timeout=timeout).status_code == 200
        except requests.RequestException:
            return False

    def stalled(self, what):
        """Kills a daemon that stopped answering and raises Stalled saying where it waits."""
        report = stall_report(self.proc)
        self.proc.kill()
        self.proc.wait()
        raise Stalled(f"the daemon stopped answering ({what}); its threads wait in:\n{report}")

    def stop(self, timeout=15.0):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.stalled(f"SIGTERM did not stop it in {timeout:.0f} s")
        return self.proc.returncode

    def output(self):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


class Ledger:
    """What the clients were told, shared by the threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.usage = {}  # idempotency key -> amount, once acknowledged (201 or 200)
        self.usage_status = {}  # idempotency key -> the statuses answered
        self.seats = set()  # fingerprints acknowledged 201/200
        self.refused = set()  # fingerprints answered 409 seat_limit_reached
        self.retries = 0
        self.timeouts = 0  # requests not answered within 5 s (retried)
        self.abort = threading.Event()  # set when the daemon stopped answering
        self.server_errors = []  # (request, status, body) of every 5xx
        self.unexpected = []  # 4xx answers that should not happen


def client_thread(d, key, account, metered, seats, seed, stop, ledger):
    """Sends events and activations until stop is set; each request until a definite answer."""
    rng = random.Random(seed)
    session = requests.Session()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    activations_left = SEAT_LIMIT * 3 // (2 * THREADS) + 2  # together past the limit
    while not stop.is_set():
        if activations_left and rng.random() < 0.1:
            activations_left -= 1
            fp = unique("fp")
            body = {"account": account, "feature": seats, "fingerprint": fp}
            status, doc = send(session, d.url + "/v1/activations", body, headers, ledger)
            with ledger.lock:
                if status in (200, 201):
                    assert doc["fingerprint"] == fp
                    ledger.seats.add(fp)
                elif status == 409 and doc.get("type") == "seat_limit_reached":
                    ledger.refused.add(fp)
                else:
                    ledger.unexpected.append(("activation", fp, status, doc))
        else:
            ik = unique("ik")
            amount = rng.randint(1, 5)
            body = {"account": account, "feature": metered, "amount": amount,
                    "idempotency_key": ik}
            status, doc = send(session, d.url + "/v1/usage", body, headers, ledger)
            with ledger.lock:
                ledger.usage_status.setdefault(ik, []).append(status)
                if status in (200, 201):
                    ledger.usage[ik] = amount
                else:
                    ledger.unexpected.append(("usage", ik, status, doc))


def send(session, url, body, headers, ledger):
    """POSTs body until a definite answer (2xx/4xx); the same body every time."""
    tries = 0
    while True:
        tries += 1
        if ledger.abort.is_set():
            raise Stalled("aborted: the daemon stopped answering")
        if tries > 2000:
            raise AssertionError(f"no definite answer after 2000 tries: {url} {body}")
        try:
            r = session.post(url, json=body, headers=headers, timeout=5)
        except requests.Timeout:
            with ledger.lock:
                ledger.retries += 1
                ledger.timeouts += 1
            continue
        except requests.RequestException:
            with ledger.lock:
                ledger.retries += 1
            time.sleep(0.02)
            continue
        if r.status_code >= 500:
            with ledger.lock:
                ledger.retries += 1
                ledger.server_errors.append((url, body, r.status_code, r.text[:300]))
            time.sleep(0.02)
            continue
        return r.status_code, (r.json() if r.content else None)


def test_87_01_sigkill_loses_and_doubles_nothing(workdir):
    seed = int(os.environ.get("ENTITLED_CRASH_SEED", secrets.randbits(32)))
    print(f"\ntest_87: ENTITLED_CRASH_SEED={seed}")
    rng = random.Random(seed)
    d = Restartable(tempfile.mkdtemp(dir=workdir))
    d.start()
    try:
        run(d, rng, seed)
    finally:
        rc = d.stop()
    assert rc == 0, f"the daemon did not stop cleanly ({rc}):\n{d.output()[-4000:]}"
    if d.store.startswith("sqlite:"):
        con = sqlite3.connect(d.store[len("sqlite:"):])
        try:
            assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        finally:
            con.close()


def run(d, rng, seed):
    started = time.monotonic()
    admin = Client(d.url, d.admin_key)
    metered = admin.make_feature(type="metered", unit="call", reset_period="never")
    seats = admin.make_feature(type="quantity", unit="seat", activations_enabled=True,
                               levels=[{"value": str(SEAT_LIMIT)}])
    acc = admin.make_account()
    for f, value in ((metered, str(USAGE_LIMIT)), (seats, str(SEAT_LIMIT))):
        r = admin.post("/v1/entitlements", {"account": acc["id"], "feature": f["key"],
                                            "value": value})
        assert r.status_code == 201, r.text
    key = admin.make_key("account", acc["id"])["key"]

    ledger = Ledger()
    stop = threading.Event()
    errors = []

    def guarded(i):
        try:
            client_thread(d, key, acc["id"], metered["key"], seats["key"], seed * 31 + i,
                          stop, ledger)
        except BaseException as e:  # noqa: BLE001 (reported by the main thread)
            errors.append(f"thread {i}: {e!r}")

    threads = [threading.Thread(target=guarded, args=(i,), daemon=True) for i in range(THREADS)]
    for t in threads:
        t.start()

    died_alone, seat_peaks = [], []
    try:
        for n in range(KILLS):
            time.sleep(rng.uniform(0.1, 1.0))
            # Still answering? (A daemon that stopped would be hidden by the kill.)
            if d.proc.poll() is None and not d.answers():
                d.stalled(f"before kill {n + 1}, under {THREADS} clients")
            if not d.kill():
                died_alone.append((n, d.proc.returncode))
            d.start()
            seat_peaks.append(live_seats(d, acc, seats))
        time.sleep(rng.uniform(0.2, 0.6))
        if not d.answers():
            d.stalled(f"after the last restart, under {THREADS} clients")
        stop.set()
        for t in threads:
            t.join(timeout=30)
        if [t for t in threads if t.is_alive()] and not d.answers():
            d.stalled("the clients could not finish their last requests")
    finally:
        stop.set()
        ledger.abort.set()  # threads still running now are stuck: let them go
        for t in threads:
            t.join(timeout=30)
    assert not [t for t in threads if t.is_alive()], "a client thread is stuck"
    assert not errors, errors
    assert not died_alone, f"the daemon died by itself: {died_alone}\n{d.output()[-4000:]}"
    admin = Client(d.url, d.admin_key)  # a new session: the old one's connection is gone

    expected = sum(ledger.usage.values())
    replays = sum(1 for statuses in ledger.usage_status.values() if statuses[-1] == 200)
    print(f"test_87: {d.starts - 1} restarts, {len(ledger.usage)} events (sum {expected}; "
          f"{replays} answered 200: recorded before a kill), {len(ledger.seats)} seats, "
          f"{len(ledger.refused)} refused, {ledger.retries} retries, "
          f"{len(ledger.server_errors)} 5xx, {ledger.timeouts} timeouts, "
          f"{time.monotonic() - started:.1f} s")

    assert not ledger.unexpected, f"unexpected answers: {ledger.unexpected[:5]}"
    assert ledger.usage, "no event was acknowledged"

    ev = admin.post("/v1/evaluate", {"account": acc["id"],
                                     "features": [metered["key"], seats["key"]]})
    assert ev.status_code == 200, ev.text
    used, seated = ev.json()["entitlements"]
    assert used["usage"] == expected, (
        f"evaluate counts {used['usage']}, the clients were acknowledged {expected} "
        f"({'lost' if used['usage'] < expected else 'doubled'} usage; seed {seed})")
    now = datetime.now(timezone.utc)
    r = admin.get("/v1/usage", params={"account": acc["id"], "feature": metered["key"],
                                       "from": iso(now - timedelta(days=2)),
                                       "to": iso(now + timedelta(days=2)), "granularity": "day"})
    assert r.status_code == 200, r.text
    series = sum(b["usage"] for b in r.json()["data"])
    assert series == expected, f"the usage series sums to {series}, expected {expected}"

    live = list_activations(admin, acc)
    live_fps = {a["fingerprint"] for a in live if a["status"] == "active"}
    assert max(seat_peaks + [len(live_fps)]) <= SEAT_LIMIT, (seat_peaks, len(live_fps))
    assert seated["usage"] == len(live_fps) <= SEAT_LIMIT, (seated, len(live_fps))
    assert live_fps == ledger.seats, (
        f"live activations {len(live_fps)} vs acknowledged {len(ledger.seats)}: "
        f"live not acknowledged {sorted(live_fps - ledger.seats)[:5]}, acknowledged not live "
        f"{sorted(ledger.seats - live_fps)[:5]}")
    assert not (ledger.refused & live_fps), "a refused fingerprint holds a seat"
    assert len(live) == len(live_fps), "a fingerprint holds two activations"
    assert len(ledger.seats) + len(ledger.refused) > SEAT_LIMIT, "the seat limit was not reached"

    # Replays change nothing.
    sample = list(ledger.usage.items())[:20]
    for ik, amount in sample:
        r = admin.post("/v1/usage", {"account": acc["id"], "feature": metered["key"],
                                     "amount": amount, "idempotency_key": ik})
        assert r.status_code == 200, r.text
    again = admin.post("/v1/evaluate", {"account": acc["id"], "features": [metered["key"]]})
    assert again.json()["entitlements"][0]["usage"] == expected
    assert not ledger.server_errors, (
        f"{len(ledger.server_errors)} answers were 5xx (retried): {ledger.server_errors[:5]}")


def live_seats(d, acc, seats):
    """The seats in use right after a restart (must never pass the limit)."""
    admin = Client(d.url, d.admin_key)
    try:
        r = admin.post("/v1/evaluate", {"account": acc["id"], "features": [seats["key"]]})
    except requests.Timeout:
        d.stalled("POST /v1/evaluate right after a restart")
    assert r.status_code == 200, r.text
    n = r.json()["entitlements"][0]["usage"]
    assert n <= SEAT_LIMIT, f"{n} seats in use, limit {SEAT_LIMIT}"
    return n


def list_activations(admin, acc):
    out, path = [], f"/v1/activations?account={acc['id']}&limit=100"
    while path:
        r = admin.get(path)
        assert r.status_code == 200, r.text
        page = r.json()
        out += page["data"]
        path = page["next"]
        if path and path.startswith("http"):
            path = path[len(admin.base):]
    return out


BURST = 32
ROUNDS = 5


def test_87_02_clients_reconnecting_at_once_after_a_restart_are_answered(workdir):
    """After a SIGKILL and a restart every client reconnects at once. 32 clients, each on a new
    connection, record one event at the same instant, 5 times: every request is answered
    (within 10 s), and the usage is the sum of the events."""
    d = Restartable(tempfile.mkdtemp(dir=workdir))
    d.start()
    try:
        admin = Client(d.url, d.admin_key)
        f = admin.make_feature(type="metered", unit="call", reset_period="never")
        acc = admin.make_account()
        r = admin.post("/v1/entitlements", {"account": acc["id"], "feature": f["key"],
                                            "value": str(USAGE_LIMIT)})
        assert r.status_code == 201, r.text
        key = admin.make_key("account", acc["id"])["key"]
        assert d.kill(), "the daemon died by itself"
        d.start()
        barrier = threading.Barrier(BURST)
        answers, lost = [], []

        def client(i):
            headers = {"Authorization": f"Bearer {key}", "Connection": "close"}
            for n in range(ROUNDS):
                try:
                    barrier.wait(timeout=30)
                except threading.BrokenBarrierError:
                    return
                body = {"feature": f["key"], "amount": 1, "idempotency_key": f"b-{i}-{n}"}
                try:
                    r = requests.post(d.url + "/v1/usage", json=body, headers=headers,
                                      timeout=10)
                    answers.append(r.status_code)
                except requests.RequestException as e:
                    lost.append((i, n, repr(e)[:120]))
                    barrier.abort()
                    return

        threads = [threading.Thread(target=client, args=(i,), daemon=True)
                   for i in range(BURST)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        if lost:
            d.stalled(f"{len(lost)} of {BURST} simultaneous POST /v1/usage unanswered in "
                      f"round {lost[0][1] + 1}: {lost[0][2]}")
        assert answers == [201] * (BURST * ROUNDS), sorted(set(answers))
        ev = Client(d.url, d.admin_key).post("/v1/evaluate", {"account": acc["id"],
                                                              "features": [f["key"]]})
        assert ev.json()["entitlements"][0]["usage"] == BURST * ROUNDS
    finally:
        rc = d.stop()
    assert rc == 0, f"the daemon did not stop cleanly ({rc}):\n{d.output()[-4000:]}"
