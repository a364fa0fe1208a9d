# SPDX-License-Identifier: MIT
"""The routes about the daemon itself, and the HTTP rules every route shares (API.md
"Conventions")."""
import json
import socket
import threading

import requests

from client import problem


def test_00_01_healthz_answers_without_a_key(anon):
    """API.md: /healthz is liveness, no auth."""
    r = anon.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_00_02_readyz_answers_when_the_store_does(anon):
    """API.md: /readyz is readiness (store reachable), no auth."""
    r = anon.get("/readyz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_00_03_openapi_is_served_and_is_the_committed_document(anon):
    """API.md: GET /openapi.json serves docs/openapi.json."""
    r = anon.get("/openapi.json")
    assert r.status_code == 200
    import openapi_check
    assert r.json() == openapi_check.load_spec()
    assert r.json()["openapi"].startswith("3.1")


def test_00_04_metrics_are_prometheus_text(anon, api):
    api.get("/v1/features")
    r = anon.get("/metrics")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain")
    assert "entitled_requests_total{" in r.text
    assert "entitled_store_calls_total" in r.text


def test_00_05_unknown_route_is_a_404_problem(api):
    problem(api.get("/v1/nothing-here"), 404, "not_found")
    problem(api.get("/nothing"), 404, "not_found")


def test_00_06_wrong_method_is_405_with_allow(api):
    """STYLE/issue: 405 with Allow."""
    r = api.put("/v1/features", {"x": 1})
    problem(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "GET, POST"
    r = api.post("/v1/features/some-key", {})
    problem(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "GET, PATCH, DELETE"


def test_00_07_body_over_one_mib_is_413(api):
    """API.md: bodies over 1 MiB: 413."""
    big = json.dumps({"key": "x", "name": "a" * (1 << 20), "type": "switch"})
    r = api.post("/v1/features", raw=big)
    problem(r, 413, "payload_too_large")


def test_00_08_chunked_body_over_one_mib_is_413(api):
    """The cap holds while reading, also without a Content-Length."""
    def chunks():
        yield b'{"key": "x", "name": "'
        for _ in range(80):
            yield b"a" * 16384
        yield b'", "type": "switch"}'
    r = requests.post(api.base + "/v1/features", data=chunks(),
                      headers={"Authorization": f"Bearer {api.key}",
                               "Content-Type": "application/json"})
    problem(r, 413, "payload_too_large")


def test_00_09_other_media_types_are_415(api):
    r = api.post("/v1/features", raw="key=x", headers={"Content-Type": "text/plain"})
    problem(r, 415, "unsupported_media_type")
    r = api.post("/v1/features", raw="{}",
                 headers={"Content-Type": "application/json; charset=latin1"})
    problem(r, 415, "unsupported_media_type")


def test_00_10_invalid_json_is_400(api):
    problem(api.post("/v1/features", raw="{"), 400, "invalid_json")
    problem(api.post("/v1/features", raw="[1, 2]"), 400, "invalid_json")
    problem(api.post("/v1/features", raw=""), 400, "invalid_json")


def test_00_11_duplicate_json_keys_are_refused(api):
    r = api.post("/v1/features",
                 raw='{"key": "dup", "key": "dup2", "name": "n", "type": "switch"}')
    problem(r, 400, "invalid_json")


def test_00_12_deep_nesting_is_refused(api):
    deep = '{"attributes": ' + '{"a": ' * 40 + '1' + '}' * 40 + '}'
    problem(api.post("/v1/features", raw=deep), 400, "invalid_json")


def test_00_13_many_keep_alive_connections_are_all_answered(daemon):
    """DESIGN.md: drive at least 128 keep-alive connections at once; every request answered."""
    n = 128
    results = [0] * n
    barrier = threading.Barrier(n)

    def worker(i):
        s = requests.Session()
        barrier.wait()
        ok = 0
        for _ in range(5):
            r = s.get(daemon.url + "/healthz", timeout=10)
            ok += r.status_code == 200
        results[i] = ok

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(results) == n * 5


def test_00_14_a_request_line_of_garbage_does_not_stop_the_daemon(daemon, anon):
    with socket.create_connection(("127.0.0.1", daemon.port)) as s:
        s.sendall(b"\x00\x01\x02 garbage\r\n\r\n")
        s.settimeout(5)
        try:
            s.recv(1024)
        except OSError:
            pass
    assert anon.get("/healthz").status_code == 200


def test_00_90_default_threads_are_the_cores_it_may_run_on(tmp_path):
    """Without --threads, the daemon runs one worker per core it may run on (its CPU affinity),
    not per core of the machine: pinned to one core, one thread."""
    import os
    import shutil
    import subprocess
    import time

    from conftest import BIN, free_port
    if not shutil.which("taskset"):
        import pytest
        pytest.skip("taskset is not installed")
    port = free_port()
    env = dict(os.environ, ENTITLED_ADMIN_KEY="test-admin-" + "0" * 40)
    env.pop("ENTITLED_THREADS", None)
    proc = subprocess.Popen(["taskset", "-c", "0", BIN, "serve", "--listen", f"127.0.0.1:{port}",
                             "--store", f"sqlite:{tmp_path}/t.db"], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.05)
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
    assert "with 1 threads" in out, out
