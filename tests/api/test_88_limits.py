# SPDX-License-Identifier: MIT
"""Limits (issue "Robustness"): per-key rate limits by class of route, bounded request targets
and headers, idle and slow connections closed, connections per address bounded.

API.md "Conventions": `rate_limited` is a 429 problem document. The classes: evaluate
(POST /v1/evaluate, /v1/evaluate/bulk, GET /v1/accounts/{a}/entitlements), usage (POST
/v1/usage, /v1/usage/batch, activate, deactivate, heartbeat) and admin (every other /v1 route),
each a token bucket per API key of `--rate-CLASS N` requests per second with a burst of 2 x N;
defaults: evaluate off, usage 2000/s, admin 200/s. The session daemon runs without limits
(conftest.py), so every test here starts daemons of its own.
"""
import http.client
import json
import resource
import secrets
import socket
import subprocess
import threading
import time

from client import Client, problem, read_answer
from conftest import BIN

ADMIN_RATE = 5  # burst 10: small enough to reach in a handful of requests


def start(new_daemon, *args, **kwargs):
    """A daemon of its own with the given options, and an admin client on it."""
    admin_key = "test-admin-" + secrets.token_hex(20)
    d = new_daemon(admin_key=admin_key, args=args, **kwargs)
    return d, Client(d.url, admin_key)


def until_refused(client, method, path, body=None, most=100):
    """Sends the request until it is answered 429; returns (answers before it, the 429)."""
    for n in range(most):
        r = client.request(method, path, body)
        if r.status_code == 429:
            return n, r
    raise AssertionError(f"{method} {path}: no 429 in {most} requests")


def raw_exchange(port, data, timeout=10.0):
    """Sends bytes on a fresh connection; returns (status, headers text, body) of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        return read_answer(s)


def closed_after(sock, most_s):
    """Seconds until the daemon closes sock (recv gives EOF or a reset); None if still open."""
    sock.settimeout(most_s)
    started = time.monotonic()
    try:
        while True:
            if not sock.recv(65536):
                break
    except ConnectionResetError:
        pass
    except socket.timeout:
        return None
    return time.monotonic() - started


# ---------------------------------------------------------------------------------------------
# rate limits


def test_88_01_over_the_admin_rate_is_a_429_with_retry_after(new_daemon):
    """API.md: rate_limited (429); a refused request says when to come back (Retry-After)."""
    _, api = start(new_daemon, "--rate-admin", str(ADMIN_RATE))
    allowed, r = until_refused(api, "GET", "/v1/features")
    # The bucket starts full (burst = 2 x rate); a few tokens may be earned meanwhile.
    assert 2 * ADMIN_RATE <= allowed <= 2 * ADMIN_RATE + 3, allowed
    doc = problem(r, 429, "rate_limited")
    assert doc["detail"]
    retry = int(r.headers["Retry-After"])
    assert retry >= 1
    assert r.headers["Cache-Control"] == "no-store"
    time.sleep(retry)
    assert api.get("/v1/features").status_code == 200


def test_88_02_the_limit_is_per_key(new_daemon):
    """Another key of the same daemon is not limited by the first key's requests."""
    _, api = start(new_daemon, "--rate-admin", str(ADMIN_RATE))
    other = api.with_key(api.make_key("read")["key"])
    until_refused(api, "GET", "/v1/features")
    assert other.get("/v1/features").status_code == 200
    assert api.get("/v1/features").status_code == 429


def test_88_03_classes_are_independent(new_daemon):
    """An exhausted admin class leaves usage and evaluate alone, and the reverse."""
    _, api = start(new_daemon, "--rate-admin", "2", "--rate-usage", "2", "--rate-evaluate", "2")
    until_refused(api, "GET", "/v1/features")
    # The rate is checked after the key and scope, before the body: {} is a 422, not a 429.
    assert api.post("/v1/usage", {}).status_code == 422
    assert api.post("/v1/evaluate", {}).status_code == 422
    until_refused(api, "POST", "/v1/usage", {})
    assert api.post("/v1/usage/batch", {}).status_code == 429  # same class
    assert api.post("/v1/activations", {}).status_code == 429
    until_refused(api, "POST", "/v1/evaluate", {})
    assert api.post("/v1/evaluate/bulk", {}).status_code == 429
    assert api.get("/v1/accounts/nobody/entitlements").status_code == 429
    assert api.get("/v1/events").status_code == 429  # admin: still empty
    assert api.get("/v1/usage").status_code == 429  # the series is an admin read


def test_88_04_unauthenticated_and_refused_keys_are_not_limited(new_daemon):
    """Routes without a key are not limited; a wrong key is a 401, never a 429."""
    d, api = start(new_daemon, "--rate-admin", "1")
    until_refused(api, "GET", "/v1/features")
    anon = Client(d.url, None)
    for _ in range(20):
        assert anon.get("/healthz").status_code == 200
    wrong = Client(d.url, "wrong-" + secrets.token_hex(20))
    for _ in range(5):
        problem(wrong.get("/v1/features"), 401, "unauthorized")


def blast(url, key, method, path, body, n, threads=8):
    """Sends n requests as fast as threads keep-alive connections allow; returns the statuses."""
    statuses = []
    lock = threading.Lock()
    host, port = url.split("//")[1].split(":")
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    payload = json.dumps(body) if body is not None else None

    def run(count):
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        got = []
        for _ in range(count):
            conn.request(method, path, body=payload, headers=headers)
            resp = conn.getresponse()
            resp.read()
            got.append(resp.status)
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=30)
        conn.close()
        with lock:
            statuses.extend(got)

    workers = [threading.Thread(target=run, args=(n // threads,)) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return statuses


def test_88_05_defaults_evaluate_unlimited_and_admin_200_per_second(new_daemon):
    """Defaults: evaluate off, usage 2000/s, admin 200/s (burst 400) per key."""
    d, api = start(new_daemon, default_limits=True)
    assert ("rate limits per key (requests/s, 0 = none): evaluate 0, usage 2000, admin 200"
            in d.output())
    statuses = blast(d.url, api.key, "POST", "/v1/evaluate", {}, 1600)
    assert len(statuses) == 1600 and 429 not in statuses, set(statuses)
    started = time.monotonic()
    statuses = blast(d.url, api.key, "GET", "/v1/features/nothing-here", None, 1600)
    elapsed = time.monotonic() - started
    refused = statuses.count(429)
    # The first 400 always pass; past that at most 200 per second more.
    assert len(statuses) - refused >= 400, refused
    assert len(statuses) - refused <= 400 + 200 * elapsed + 10, (refused, elapsed)
    assert set(statuses) <= {404, 429}


def test_88_06_rates_come_from_the_environment_too(new_daemon):
    """ENTITLED_RATE_ADMIN / _USAGE / _EVALUATE set the rates; the command line wins."""
    d, api = start(new_daemon, "--rate-usage", "7",
                   extra_env={"ENTITLED_RATE_ADMIN": "3", "ENTITLED_RATE_USAGE": "50",
                              "ENTITLED_RATE_EVALUATE": "4"})
    assert "evaluate 4, usage 7, admin 3" in d.output()
    allowed, _ = until_refused(api, "GET", "/v1/features")
    assert 6 <= allowed <= 8


def test_88_07_bad_limit_values_are_refused_at_start(tmp_path):
    """serve --help explains the limits; a value out of range stops the daemon with 2."""
    out = subprocess.run([BIN, "serve", "--help"], capture_output=True, text=True, timeout=10)
    for option in ("--rate-evaluate", "--rate-usage", "--rate-admin", "--timeout-seconds",
                   "--per-ip-connections", "ENTITLED_RATE_ADMIN", "ENTITLED_TIMEOUT_SECONDS",
                   "ENTITLED_PER_IP_CONNECTIONS"):
        assert option in out.stdout, option
    store = f"sqlite:{tmp_path}/x.db"
    for args in (["--rate-admin", "-1"], ["--rate-usage", "x"], ["--timeout-seconds", "0"],
                 ["--per-ip-connections", "0"], ["--rate-evaluate"]):
        r = subprocess.run([BIN, "serve", "--store", store, *args], capture_output=True,
                           text=True, timeout=10)
        assert r.returncode == 2, (args, r.stderr)
    r = subprocess.run([BIN, "serve", "--store", store], capture_output=True, text=True,
                       timeout=10, env={"ENTITLED_TIMEOUT_SECONDS": "forever", "PATH": "/usr/bin"})
    assert r.returncode == 2 and "ENTITLED_TIMEOUT_SECONDS" in r.stderr, r.stderr


# ---------------------------------------------------------------------------------------------
# request targets and headers


def test_88_10_request_target_over_8_kib_is_a_414(daemon, api):
    """A request target (path and query as sent) over 8 KiB: 414 uri_too_long."""
    prefix = "/v1/features?search="
    r = api.get(prefix + "a" * (8192 - len(prefix)))
    problem(r, 422, "validation_failed", "search")  # 8 KiB exactly gets as far as the handler
    r = api.get(prefix + "a" * (8193 - len(prefix)))
    problem(r, 414, "uri_too_long")
    # Counted as sent: 9000 bytes that decode to 3000 are 9000 (%20 stays escaped on the way).
    r = api.get("/v1/features?search=" + "%20" * 3000)
    problem(r, 414, "uri_too_long")


def test_88_11_headers_over_16_kib_are_a_431(daemon, api):
    """Request headers over 16 KiB: 431 request_header_fields_too_large."""
    assert api.get("/v1/features", headers={"X-Pad": "a" * 15000}).status_code == 200
    r = api.get("/v1/features", headers={"X-Pad": "a" * 17000})
    problem(r, 431, "request_header_fields_too_large")
    many = {f"X-Pad-{i}": "b" * 100 for i in range(200)}
    problem(api.get("/v1/features", headers=many), 431, "request_header_fields_too_large")


def test_88_12_beyond_the_connection_memory_libmicrohttpd_answers_itself(daemon):
    """Past 64 KiB of request line and headers, libmicrohttpd answers 414 (request line) or 431
    (headers) with a short HTML body of its own, and closes the connection."""
    status, headers, _ = raw_exchange(
        daemon.port, b"GET /v1/features?x=" + b"a" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 414 and "connection: close" in headers
    status, headers, _ = raw_exchange(
        daemon.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 70000 + b"\r\n\r\n")
    assert status == 431 and "connection: close" in headers


# ---------------------------------------------------------------------------------------------
# connections


def test_88_20_many_idle_connections_do_not_slow_fresh_ones(new_daemon):
    """500 idle connections held open; /healthz on a fresh connection: p99 under 100 ms."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2048:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    d, _ = start(new_daemon)
    idle = [socket.create_connection(("127.0.0.1", d.port), timeout=5) for _ in range(500)]
    try:
        time.sleep(0.3)
        times = []
        for _ in range(50):
            started = time.monotonic()
            status, _, body = raw_exchange(d.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                                                   b"Connection: close\r\n\r\n")
            times.append(time.monotonic() - started)
            assert status == 200 and json.loads(body) == {"status": "ok"}
        times.sort()
        p99 = times[int(len(times) * 0.99) - 1]
        assert p99 < 0.100, f"p99 {p99 * 1000:.1f} ms; slowest {times[-3:]}"
        # The idle ones were accepted, not refused: one of them still answers.
        idle[0].sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert idle[0].recv(100).startswith(b"HTTP/1.1 200")
    finally:
        for s in idle:
            s.close()


def test_88_21_an_idle_connection_is_closed_after_the_timeout(new_daemon):
    """--timeout-seconds 2: a connection that sends nothing, or nothing more after an answer,
    is closed after about 2 s."""
    d, _ = start(new_daemon, "--timeout-seconds", "2")
    silent = socket.create_connection(("127.0.0.1", d.port))
    waited = closed_after(silent, 8)
    silent.close()
    assert waited is not None and 1.5 <= waited <= 4.5, waited
    kept = socket.create_connection(("127.0.0.1", d.port))
    kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert kept.recv(4096).startswith(b"HTTP/1.1 200")
    waited = closed_after(kept, 8)
    kept.close()
    assert waited is not None and 1.5 <= waited <= 4.5, waited


def test_88_22_a_request_trickling_in_is_cut_at_the_timeout(new_daemon):
    """A body sent a byte at a time keeps the connection active, but the whole request must
    arrive within --timeout-seconds of its request line."""
    d, _ = start(new_daemon, "--timeout-seconds", "2")
    s = socket.create_connection(("127.0.0.1", d.port))
    s.sendall(b"POST /v1/usage HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: 100\r\n\r\n")
    started = time.monotonic()
    s.settimeout(0.4)
    closed = None
    while time.monotonic() - started < 8:
        try:
            s.sendall(b" ")
            if s.recv(4096) == b"":
                closed = time.monotonic() - started
                break
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            closed = time.monotonic() - started
            break
    s.close()
    assert closed is not None and 1.5 <= closed <= 4.5, closed


def test_88_23_connections_over_the_per_ip_limit_are_closed(new_daemon):
    """--per-ip-connections 3: a fourth connection from the same address is closed at once;
    once one of the three closes, a new one is served."""
    d, _ = start(new_daemon, "--per-ip-connections", "3")
    def served_connection():
        """A connection answered once, so accepted and counted. The connection of the start-up
        probe may still count for a moment after the probe closed it: then try again."""
        for _ in range(50):
            s = socket.create_connection(("127.0.0.1", d.port), timeout=5)
            try:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                if s.recv(4096).startswith(b"HTTP/1.1 200"):
                    return s
            except (ConnectionResetError, BrokenPipeError):
                pass
            s.close()
            time.sleep(0.1)
        raise AssertionError("no connection was served")

    held = [served_connection() for _ in range(3)]
    extra = socket.create_connection(("127.0.0.1", d.port), timeout=5)
    try:
        extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert extra.recv(4096) == b""
    except (ConnectionResetError, BrokenPipeError):
        pass
    extra.close()
    for s in held:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert s.recv(4096).startswith(b"HTTP/1.1 200")
    held.pop().close()
    time.sleep(0.3)
    status, _, _ = raw_exchange(d.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                                        b"Connection: close\r\n\r\n")
    assert status == 200
    for s in held:
        s.close()
