# SPDX-License-Identifier: MIT
"""The request log (issue 19, point 1): one structured line per request, with a request id taken
from X-Request-Id or made and returned; written through a buffer that a slow reader cannot make a
request wait on (dropped lines are counted in /metrics); flushed within 100 ms and at exit."""
import json
import os
import re
import secrets
import signal
import subprocess
import time

import requests

from client import Client
from conftest import BIN, free_port, store_for
from helpers import log_lines, log_messages


def start(new_daemon, *args):
    admin_key = "test-admin-" + secrets.token_hex(20)
    d = new_daemon(admin_key=admin_key, args=args)
    return d, Client(d.url, admin_key)


def request_lines(d):
    return [line for line in log_lines(d.output()) if "request_id" in line]


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    return predicate()


def test_94_01_a_json_line_per_request_with_every_field(new_daemon):
    """Not a terminal: JSON lines. Time (RFC 3339, ms), request id, method, the route's template
    and the path, status, duration in µs, bytes in and out, the key's id (never its secret), the
    account when known, the problem type on errors."""
    d, api = start(new_daemon)
    acc = api.make_account()
    r = api.get(f"/v1/accounts/{acc['key']}", headers={"X-Request-Id": "req-42.a:b/c"})
    assert r.status_code == 200 and r.headers["X-Request-Id"] == "req-42.a:b/c"
    missing = api.get("/v1/accounts/no-such-account")
    assert missing.status_code == 404
    made = missing.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{24}", made), made
    lines = wait_for(lambda: [x for x in request_lines(d) if x["request_id"] in
                              ("req-42.a:b/c", made)] or None)
    assert lines and len(lines) == 2, d.output()[-3000:]
    ok, bad = (lines if lines[0]["request_id"] == "req-42.a:b/c" else lines[::-1])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", ok["time"]), ok
    assert ok["method"] == "GET" and ok["route"] == "/v1/accounts/{account}"
    assert ok["path"] == f"/v1/accounts/{acc['key']}" and ok["status"] == 200
    assert ok["account"] == acc["key"] and "problem" not in ok
    assert isinstance(ok["duration_us"], int) and ok["duration_us"] >= 0
    assert ok["bytes_in"] == 0 and ok["bytes_out"] == len(r.content)
    assert re.fullmatch(r"[0-9a-f-]{36}", ok["key"]), ok
    assert bad["status"] == 404 and bad["problem"] == "not_found"
    post = api.post("/v1/accounts", {"key": "logged-" + secrets.token_hex(4), "name": "L"})
    line = wait_for(lambda: [x for x in request_lines(d)
                             if x["request_id"] == post.headers["X-Request-Id"]])
    assert line[0]["bytes_in"] > 0 and line[0]["status"] == 201
    d.stop()
    assert api.key not in d.output()


def test_94_02_an_account_key_is_logged_with_its_account(new_daemon):
    d, api = start(new_daemon)
    acc = api.make_account()
    key = api.make_key("account", acc["id"])
    r = Client(d.url, key["key"]).post("/v1/evaluate", {"account": acc["id"], "features": []})
    line = wait_for(lambda: [x for x in request_lines(d)
                             if x["request_id"] == r.headers["X-Request-Id"]])
    assert line and line[0]["account"] == acc["id"] and line[0]["key"] == key["id"]
    d.stop()
    assert key["key"] not in d.output()


def test_94_03_an_insane_request_id_is_replaced(new_daemon):
    """Only 1 to 128 characters of letters, digits and -_.:/+=@ are taken: anything else (a
    space, a quote that would break a log line, too long) gets a made id."""
    d, api = start(new_daemon)
    for given in ['a b', 'x"}', "y" * 129, "é"]:
        r = requests.get(d.url + "/healthz", headers={"X-Request-Id": given.encode()})
        assert r.headers["X-Request-Id"] != given
        assert re.fullmatch(r"[0-9a-f]{24}", r.headers["X-Request-Id"])
    r = requests.get(d.url + "/healthz", headers={"X-Request-Id": "z" * 128})
    assert r.headers["X-Request-Id"] == "z" * 128


def test_94_04_lines_are_flushed_within_100_ms_and_at_exit(new_daemon):
    d, api = start(new_daemon)
    r = api.get("/v1/features")
    rid = r.headers["X-Request-Id"]
    t0 = time.monotonic()
    assert wait_for(lambda: any(x["request_id"] == rid for x in request_lines(d)), 2.0)
    assert time.monotonic() - t0 < 1.0
    ids = [api.get("/v1/features").headers["X-Request-Id"] for _ in range(50)]
    d.proc.send_signal(signal.SIGTERM)
    assert d.proc.wait(timeout=20) == 0
    logged = {x["request_id"] for x in request_lines(d)}
    assert set(ids) <= logged
    assert log_messages(d.output())[-1] == "stopped"


def test_94_05_text_format_is_one_readable_line(new_daemon):
    d, api = start(new_daemon, "--log-format", "text")
    r = api.get("/v1/features/nope", headers={"X-Request-Id": "text-1"})
    assert r.status_code == 404
    line = wait_for(lambda: [x for x in d.output().splitlines() if "id=text-1" in x])
    assert line, d.output()[-2000:]
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z GET /v1/features/nope 404 \d+us ",
                    line[0]), line[0]
    assert "route=/v1/features/{feature}" in line[0] and "problem=not_found" in line[0]
    assert any(" info entitled: serving on " in x for x in d.output().splitlines())


def test_94_06_a_bad_log_format_is_refused(tmp_path):
    r = subprocess.run([BIN, "serve", "--log-format", "xml", "--store",
                        f"sqlite:{tmp_path}/x.db"], capture_output=True, text=True, timeout=20)
    assert r.returncode == 2 and "--log-format" in r.stderr


def test_94_07_a_reader_that_does_not_keep_up_never_holds_a_request(tmp_path):
    """Standard output is a pipe nobody reads: requests are still answered at full speed, the
    lines that do not fit are dropped and counted in /metrics."""
    port = free_port()
    admin_key = "test-admin-" + secrets.token_hex(20)
    env = dict(os.environ, ENTITLED_ADMIN_KEY=admin_key, ENTITLED_RATE_ADMIN="0",
               XDG_STATE_HOME=str(tmp_path))
    proc = subprocess.Popen([BIN, "serve", "--listen", f"127.0.0.1:{port}", "--store",
                             store_for(str(tmp_path)), "--threads", "2"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=tmp_path)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(url + "/healthz", timeout=1)
                break
            except requests.RequestException:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        s = requests.Session()
        # ~1,500 bytes a line: the pipe (64 KiB) and both buffers (1 MiB) fill after ~750
        long_path = "/v1/features/" + "x" * 1200
        slowest = 0.0
        for _ in range(2000):
            t0 = time.monotonic()
            assert s.get(url + long_path, headers={"Authorization": f"Bearer {admin_key}"},
                         timeout=5).status_code == 404
            slowest = max(slowest, time.monotonic() - t0)
        metrics = s.get(url + "/metrics").text
        dropped = int(re.search(r"^entitled_log_lines_dropped_total (\d+)$", metrics,
                                re.M).group(1))
        assert dropped > 0, metrics
        assert slowest < 1.0, slowest
        # what was written is whole lines of JSON
        proc.send_signal(signal.SIGTERM)
        out = proc.stdout.read(1 << 16).decode()
        for line in out.splitlines()[:-1]:
            json.loads(line)
    finally:
        proc.kill()
        proc.wait()
