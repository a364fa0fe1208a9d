# SPDX-License-Identifier: MIT
"""Hostile HTTP (issue "Hardening"; SECURITY.md "Hostile clients"): clients that send their
request slowly, requests framed so that a lenient proxy in front would read them differently,
SIGTERM while writes are in flight, and requests sent while the daemon could not run.

Everything here speaks raw sockets: the cases are bytes no HTTP library would send.
"""
import json
import os
import secrets
import signal
import socket
import threading
import time

import pytest

from client import Client, read_answer

# ---------------------------------------------------------------------------------------------
# helpers


def start(new_daemon, *args):
    """A daemon of its own with the given options, and an admin client on it."""
    admin_key = "test-admin-" + secrets.token_hex(20)
    d = new_daemon(admin_key=admin_key, args=args)
    return d, Client(d.url, admin_key)


def connect(port, source="127.0.0.1", timeout=10.0):
    return socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                    source_address=(source, 0))


def is_closed(s, wait_s=2.0):
    """True when the daemon closes s (EOF or reset) within wait_s, with nothing more sent."""
    s.settimeout(wait_s)
    try:
        return s.recv(65536) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def served(port, source="127.0.0.1", wait_s=2.0):
    """True when a fresh connection from source is answered 200 by GET /healthz within wait_s."""
    try:
        with connect(port, source, timeout=wait_s) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            status, _, _ = read_answer(s)
            return status == 200
    except OSError:
        return False


class SlowClient(threading.Thread):
    """A connection that sends a request line, then one header line every interval_s, for
    ever; records when the daemon closed it (seconds after the request line)."""

    def __init__(self, port, source="127.0.0.1", interval_s=0.5, line_first=True):
        super().__init__(daemon=True)
        self.sock = connect(port, source)
        self.interval_s = interval_s
        self.line_first = line_first
        self.closed_after = None
        self.stop = False

    def run(self):
        started = time.monotonic()
        try:
            if self.line_first:
                self.sock.sendall(b"GET /healthz HTTP/1.1\r\n")
                chunks = (b"X-Slow-%d: y\r\n" % i for i in range(1000))
            else:  # the request line itself, a byte at a time
                chunks = (bytes([c]) for c in b"GET /healthz" + b"z" * 1000)
            for chunk in chunks:
                if self.stop:
                    return
                time.sleep(self.interval_s)
                self.sock.sendall(chunk)
                self.sock.settimeout(0.01)
                try:
                    if self.sock.recv(65536) == b"":
                        break
                except socket.timeout:
                    pass
        except OSError:  # reset, or a broken pipe: closed by the daemon
            pass
        self.closed_after = time.monotonic() - started

    def close(self):
        self.stop = True
        self.sock.close()


def join_all(clients, most_s):
    """Waits for the clients to end, most_s in all."""
    deadline = time.monotonic() + most_s
    for c in clients:
        c.join(timeout=max(0.0, deadline - time.monotonic()))


# ---------------------------------------------------------------------------------------------
# slow requests: the whole request, headers included, within --timeout-seconds


def test_91_01_slow_headers_are_cut_at_the_timeout(new_daemon):
    """--timeout-seconds 2: 20 connections each sending a header line every 0.5 s are closed
    about 2 s after their request line (before: still open after 7 s), and with
    --per-ip-connections 20 a fresh connection from the same address is then served."""
    d, _ = start(new_daemon, "--timeout-seconds", "2", "--per-ip-connections", "20")
    time.sleep(0.3)  # the start-up probe's connection is gone
    slow = [SlowClient(d.port) for _ in range(20)]
    for c in slow:
        c.start()
    try:
        join_all(slow, 6)
        times = sorted(c.closed_after or 99 for c in slow)
        # Cut at T = 2 s; a client notices at its next send (0.5 s), later on a loaded machine.
        assert 1.5 <= times[0] and times[-1] <= 5.0, times
        assert served(d.port)
    finally:
        for c in slow:
            c.close()


def test_91_02_a_request_line_sent_a_byte_at_a_time_is_cut_too(new_daemon):
    """The request line counts as part of the request: a connection that never finishes one,
    sending a byte every 0.3 s, is closed about --timeout-seconds after it opened."""
    d, _ = start(new_daemon, "--timeout-seconds", "2")
    c = SlowClient(d.port, interval_s=0.3, line_first=False)
    c.start()
    try:
        c.join(timeout=6)
        assert c.closed_after is not None and 1.5 <= c.closed_after <= 5.0, c.closed_after
    finally:
        c.close()


def test_91_03_a_few_addresses_cannot_hold_the_connection_limit(new_daemon):
    """--max-connections 40 --per-ip-connections 10: four addresses (127.0.0.2-5) fill the limit
    with slow-header connections; a fifth address is not served while they hold it (at the
    limit libmicrohttpd stops accepting: the connection waits in the backlog), and is served
    once the timeout has cut them, about 2 s later. One thread: with a pool, libmicrohttpd
    shares the limit out among its threads, so which connection finds it full is a matter of
    which thread accepts it."""
    d, _ = start(new_daemon, "--timeout-seconds", "2", "--max-connections", "40",
                 "--per-ip-connections", "10", "--threads", "1")
    time.sleep(0.3)
    slow = [SlowClient(d.port, f"127.0.0.{2 + i // 10}") for i in range(40)]
    started = time.monotonic()
    for c in slow:
        c.start()
    try:
        time.sleep(0.5)
        assert not served(d.port, "127.0.0.6", 0.5)  # the limit is full
        while not served(d.port, "127.0.0.6", 1.0):
            assert time.monotonic() - started < 5.5, "still refused after 5.5 s"
            time.sleep(0.1)
        join_all(slow, 4)
        assert all(c.closed_after is not None and c.closed_after <= 5.0 for c in slow)
    finally:
        for c in slow:
            c.close()


# ---------------------------------------------------------------------------------------------
# SIGTERM: every request that has started is answered; new connections are refused at once


def quota(api):
    acc = api.make_account()
    f = api.make_feature(type="metered", unit="call", reset_period="never")
    r = api.post("/v1/entitlements", {"account": acc["id"], "feature": f["key"],
                                      "value": "1000000000"})
    assert r.status_code == 201, r.text
    return acc, f


def raw_post(d, admin_key, path, body):
    data = json.dumps(body).encode()
    return (f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {admin_key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n").encode() + data


@pytest.mark.parametrize("threads", ["1", "2"])
def test_91_10_sigterm_answers_every_write_it_commits(new_daemon, threads):
    """Batches of 1000 events, account creations and single events sent a few ms before
    SIGTERM (the batches wait on the write lock for each other): each gets its answer, and each
    answered write is stored (before: the connections were closed with no answer). With one
    thread, or two both busy with batches, the later connections are still in the kernel's
    backlog when the signal comes: they are taken and answered too (before: reset)."""
    for attempt in range(3):
        d, api = start(new_daemon, "--threads", threads)
        acc, f = quota(api)
        event = {"account": acc["id"], "feature": f["key"], "amount": 1}
        requests_ = [raw_post(d, api.key, "/v1/usage/batch", {"events": [event] * 1000})
                     for _ in range(3)]
        requests_ += [raw_post(d, api.key, "/v1/accounts",
                               {"key": f"sig-{attempt}-{i}-{secrets.token_hex(4)}",
                                "name": "A"}) for i in range(4)]
        requests_ += [raw_post(d, api.key, "/v1/usage", event) for _ in range(4)]
        socks = [connect(d.port) for _ in requests_]
        for s, r in zip(socks, requests_):
            s.sendall(r)
        time.sleep(0.005)
        d.proc.send_signal(signal.SIGTERM)
        statuses = [read_answer(s)[0] for s in socks]
        for s in socks:
            s.close()
        assert d.proc.wait(timeout=20) == 0, d.output()[-3000:]
        assert statuses == [200] * 3 + [201] * 8, statuses


def test_91_11_draining_refuses_new_connections_and_finishes_a_started_request(new_daemon):
    """A request whose body is still arriving when SIGTERM comes is read and answered; while
    it is, a new connection is refused at once (the listening socket is closed), not left
    waiting; the daemon then exits 0."""
    d, api = start(new_daemon, "--timeout-seconds", "5")
    acc, f = quota(api)
    whole = raw_post(d, api.key, "/v1/usage", {"account": acc["id"], "feature": f["key"],
                                              "amount": 1})
    s = connect(d.port)
    s.sendall(whole[:-5])
    time.sleep(0.2)
    d.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    started = time.monotonic()
    with pytest.raises(ConnectionRefusedError):
        connect(d.port, timeout=2).close()
    assert time.monotonic() - started < 0.5
    assert d.proc.poll() is None  # still draining
    s.sendall(whole[-5:])
    status, headers, _ = read_answer(s)
    assert status == 201 and "connection: close" in headers
    assert is_closed(s)
    s.close()
    assert d.proc.wait(timeout=10) == 0, d.output()[-3000:]


def test_91_12_idle_connections_do_not_hold_up_sigterm(new_daemon):
    """Idle keep-alive connections are closed when draining starts: SIGTERM with 50 of them
    open stops the daemon at once, not after --timeout-seconds."""
    d, _ = start(new_daemon, "--timeout-seconds", "30")
    idle = []
    for _ in range(50):
        s = connect(d.port)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_answer(s)[0] == 200
        idle.append(s)
    started = time.monotonic()
    d.proc.send_signal(signal.SIGTERM)
    assert d.proc.wait(timeout=10) == 0
    assert time.monotonic() - started < 3
    for s in idle:
        s.close()


# ---------------------------------------------------------------------------------------------
# framing: each case is a 400 and the connection is closed


def head(key, *lines, target=b"/v1/features", version=b"HTTP/1.1"):
    auth = [b"Authorization: Bearer " + key.encode()] if key else []
    return b"\r\n".join([b"GET " + target + b" " + version, *auth, *lines]) + b"\r\n\r\n"


def hostile_cases(key):
    smuggled = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    return {
        # the first length wins today: the body is read as a second request
        "two Content-Length": (
            b"POST /v1/features HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key.encode()
            + b"\r\nContent-Type: application/json\r\nContent-Length: 0\r\n"
            b"Content-Length: %d\r\n\r\n" % len(smuggled) + smuggled),
        "Content-Length and Transfer-Encoding": (
            b"POST /v1/features HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled),
        "space before the colon": (
            b"POST /v1/features HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" + smuggled),
        "unknown Transfer-Encoding": (
            b"POST /v1/features HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
        "HTTP/1.1 without Host": head(key),
        "two Host": head(key, b"Host: a", b"Host: b"),
        "two Authorization": head(key, b"Host: x", b"Authorization: Bearer other"),
        "NUL in a header value": head(None, b"Host: x",
                                      b"Authorization: Bearer " + key.encode() + b"\0junk"),
        "NUL in a header value, not the last": head(
            None, b"Authorization: Bearer " + key.encode() + b"\0junk", b"Host: x"),
        "%00 in the path": head(key, b"Host: x", target=b"/v1/features/ev%00junk"),
        "%00 in the query": head(key, b"Host: x", target=b"/v1/features?search=a%00b"),
        "NUL in the request target": head(key, b"Host: x", target=b"/v1/features\0junk"),
        "blank in the request target": head(key, b"Host: x", target=b"/v1/features /x"),
    }


@pytest.mark.parametrize("case", list(hostile_cases("k")))
def test_91_20_lax_framing_is_a_400_and_closes_the_connection(daemon, case):
    """Each case is answered 400 bad_request, the connection is closed, and nothing smuggled
    behind it is answered."""
    with connect(daemon.port) as s:
        s.sendall(hostile_cases(daemon.admin_key)[case])
        status, headers, body = read_answer(s)
        assert status == 400, (status, body)
        assert "connection: close" in headers, headers
        assert "application/problem+json" in headers, headers
        assert json.loads(body)["type"] == "bad_request"
        assert is_closed(s)


def test_91_21_well_framed_requests_still_pass(daemon):
    """The same requests framed properly are served on a kept-alive connection: a chunked
    body, one Content-Length, HTTP/1.0 without Host, an escaped byte other than %00."""
    key = daemon.admin_key.encode()
    token = secrets.token_hex(4).encode()
    body = b'{"key": "frame-%s", "name": "F %s", "type": "switch"}' % (token, token)
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    with connect(daemon.port) as s:
        s.sendall(b"POST /v1/features HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                  + b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                  + chunked)
        assert read_answer(s)[0] == 201
        s.sendall(head(daemon.admin_key, b"Host: x", target=b"/v1/features?search=%41"))
        assert read_answer(s)[0] == 200
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Twice: a\r\nX-Twice: b\r\n\r\n")
        assert read_answer(s)[0] == 200
    with connect(daemon.port) as s:
        s.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
        assert read_answer(s)[0] == 200


# ---------------------------------------------------------------------------------------------
# a pause of the daemon: what was sent meanwhile is read, not dropped as idle


@pytest.mark.parametrize("threads", ["1", "2"])
def test_91_30_requests_sent_during_a_pause_are_answered(new_daemon, threads):
    """--timeout-seconds 2, the daemon stopped (SIGSTOP) for 4 s while requests are sent on
    open keep-alive connections: after SIGCONT each is read and answered (before, with the
    epoll thread pool: closed as idle without an answer). Idle connections still close later."""
    d, _ = start(new_daemon, "--timeout-seconds", "2", "--threads", threads)
    socks = [connect(d.port) for _ in range(8)]
    for s in socks:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_answer(s)[0] == 200
    time.sleep(0.5)
    os.kill(d.proc.pid, signal.SIGSTOP)
    try:
        for s in socks:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(4)
    finally:
        os.kill(d.proc.pid, signal.SIGCONT)
    statuses = [read_answer(s)[0] for s in socks]
    assert statuses == [200] * 8, statuses
    assert all(is_closed(s, 4.5) for s in socks)
    for s in socks:
        s.close()
