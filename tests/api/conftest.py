# SPDX-License-Identifier: MIT
"""Fixtures of the API tests: a real daemon over real HTTP.

One daemon per test session (SQLite in a temporary directory) serves every test; each test
makes its own features, products, accounts and keys with unique keys, so tests share no state
and may run in any order. Every answer is checked against docs/openapi.json by the client.
"""
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from client import Client, unique  # noqa: F401  (unique is re-exported for tests)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("ENTITLED_BIN", os.path.join(ROOT, "build", "entitled"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    """An entitled daemon started for tests; stop() ends it with SIGTERM.

    The tests send one admin key's requests back to back and in bursts, faster than the default
    per-key rate limits (usage 2000/s, admin 200/s) allow, so a test daemon runs with every rate
    limit off unless default_limits is true; extra_env and args may still set each one.
    test_88_limits.py tests the limits and their defaults on daemons of its own.
    """

    def __init__(self, workdir, admin_key=None, extra_env=None, args=(), default_limits=False):
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = os.path.join(workdir, "entitled.db")
        self.admin_key = admin_key
        env = dict(os.environ)
        env.pop("ENTITLED_ADMIN_KEY", None)
        for name in ("ENTITLED_RATE_EVALUATE", "ENTITLED_RATE_USAGE", "ENTITLED_RATE_ADMIN"):
            if default_limits:
                env.pop(name, None)
            else:
                env[name] = "0"
        if admin_key:
            env["ENTITLED_ADMIN_KEY"] = admin_key
        env.update(extra_env or {})
        self.log_path = os.path.join(workdir, "daemon.log")
        self.log = open(self.log_path, "ab")
        cmd = [BIN, "serve", "--listen", f"127.0.0.1:{self.port}", "--store",
               f"sqlite:{self.db}", "--threads", "2", *args]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                     cwd=workdir)
        self.wait_ready()

    def wait_ready(self, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the daemon exited with {self.proc.returncode}:\n"
                                   + self.output())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the daemon did not start:\n" + self.output())

    def output(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self, sig=signal.SIGTERM, timeout=20.0):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


@pytest.fixture(scope="session")
def workdir():
    d = tempfile.mkdtemp(prefix="entitled-test-")
    yield d
    if os.environ.get("ENTITLED_TEST_KEEP"):
        print(f"\nentitled: test stores and daemon logs kept in {d}")
    else:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def daemon(workdir):
    main = os.path.join(workdir, "main")
    os.makedirs(main)
    d = Daemon(main, admin_key="test-admin-" + secrets.token_hex(20))
    yield d
    rc = d.stop()
    assert rc == 0, f"the daemon did not stop cleanly ({rc}):\n{d.output()[-4000:]}"


@pytest.fixture
def api(daemon):
    """A client with the admin key."""
    return Client(daemon.url, daemon.admin_key)


@pytest.fixture
def anon(daemon):
    """A client without a key."""
    return Client(daemon.url, None)


@pytest.fixture
def new_daemon(workdir):
    """Starts extra daemons on fresh stores; each is stopped at the end of the test."""
    started = []

    def start(**kwargs):
        path = tempfile.mkdtemp(dir=workdir)
        d = Daemon(path, **kwargs)
        started.append(d)
        return d

    yield start
    for d in started:
        d.stop()
