# SPDX-License-Identifier: MIT
"""Fixtures of the API tests: a real daemon over real HTTP.

One daemon per test session (SQLite in a temporary directory) serves every test; each test
makes its own features, products, accounts and keys with unique keys, so tests share no state
and may run in any order. Every answer is checked against docs/openapi.json by the client.

With ENTITLED_TEST_PG_URL set (a postgresql:// URL of a server whose user may create databases,
as printed by scripts/pg.sh start), the same tests run on PostgreSQL: each store directory gets
a fresh database of its own (entitled_<random>, made with the psql client), dropped at the end.
A daemon started again on the same directory finds the same database (its URL is kept in the
directory's store.url), and its key file too: beside the SQLite file, or on PostgreSQL under
$XDG_STATE_HOME/entitled/, which the session points at a directory of its own. Tests that read
or edit the store do it through store_sql() (sqlite3 or psql), or pg_dump; only test_87's
PRAGMA integrity_check is left out on PostgreSQL.
"""
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import urllib.parse

import pytest
import requests

from client import Client, unique  # noqa: F401  (unique is re-exported for tests)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("ENTITLED_BIN", os.path.join(ROOT, "build", "entitled"))
PG_URL = os.environ.get("ENTITLED_TEST_PG_URL") or None
ON_PG = PG_URL is not None
BACKEND = "postgresql" if ON_PG else "sqlite"


# ---------------------------------------------------------------------------------------------
# stores: a SQLite file, or a fresh PostgreSQL database per store directory

_pg_databases = []  # the databases this session made, dropped at its end


def pg_url(dbname):
    """The URL of database dbname on the server of ENTITLED_TEST_PG_URL."""
    u = urllib.parse.urlsplit(PG_URL)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + dbname, u.query, u.fragment))


def psql(sql, url=None, check=True):
    """Runs sql with the psql client (no psycopg here) and returns its unaligned output."""
    r = subprocess.run(["psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d",
                        url or pg_url("postgres"), "-c", sql],
                       capture_output=True, text=True, timeout=120)
    if check and r.returncode != 0:
        raise RuntimeError(f"psql failed ({r.returncode}) on {sql!r}: {r.stderr.strip()}")
    return r


def pg_new_database():
    """Creates a fresh database and answers its URL."""
    name = "entitled_" + secrets.token_hex(8)
    psql(f"CREATE DATABASE {name}")
    _pg_databases.append(name)
    return pg_url(name)


def pg_drop_database(url):
    """Drops a database pg_new_database made (kept with ENTITLED_TEST_KEEP)."""
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    assert name.startswith("entitled_"), url
    if os.environ.get("ENTITLED_TEST_KEEP"):
        return
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    if name in _pg_databases:
        _pg_databases.remove(name)


def store_for(workdir):
    """The store URL of a store directory: sqlite:<dir>/entitled.db, or on PostgreSQL the
    database made for that directory (made now when it has none)."""
    if not ON_PG:
        return f"sqlite:{os.path.join(workdir, 'entitled.db')}"
    path = os.path.join(workdir, "store.url")
    if os.path.exists(path):
        with open(path) as f:
            return f.read().strip()
    url = pg_new_database()
    with open(path, "w") as f:
        f.write(url + "\n")
    return url


def drop_store(workdir):
    """Drops the PostgreSQL database of a store directory (nothing to do for SQLite)."""
    path = os.path.join(workdir, "store.url")
    if ON_PG and os.path.exists(path) and not os.environ.get("ENTITLED_TEST_KEEP"):
        with open(path) as f:
            pg_drop_database(f.read().strip())
        os.unlink(path)


def _literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def store_sql(store, sql, params=()):
    """Runs one statement (with ? placeholders) on a store, SQLite or PostgreSQL, outside the
    daemon. Answers (rows, rowcount): the rows as tuples of text on PostgreSQL. Raises
    StoreError with the database's message when the statement fails."""
    if store.startswith("sqlite:"):
        with sqlite3.connect(store[len("sqlite:"):]) as db:
            try:
                cur = db.execute(sql, params)
                return cur.fetchall(), cur.rowcount
            except sqlite3.DatabaseError as e:
                raise StoreError(str(e)) from e
    parts = sql.split("?")
    assert len(parts) == len(params) + 1, (sql, params)
    text = parts[0] + "".join(_literal(p) + rest for p, rest in zip(params, parts[1:]))
    r = subprocess.run(["psql", "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                        "-d", store, "-c", text], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise StoreError(r.stderr.strip())
    lines = [line for line in r.stdout.splitlines() if line]
    tag = lines.pop() if lines and lines[-1].split(" ")[0] in (
        "UPDATE", "DELETE", "INSERT") else None
    rowcount = int(tag.split(" ")[-1]) if tag else len(lines)
    return [tuple(line.split("\t")) for line in lines], rowcount


class StoreError(Exception):
    pass


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

    def __init__(self, workdir, admin_key=None, extra_env=None, args=(), default_limits=False,
                 store=None):
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.store = store or store_for(workdir)
        # The SQLite file, for the tests that open it; None on PostgreSQL.
        self.db = self.store[len("sqlite:"):] if self.store.startswith("sqlite:") else None
        self.admin_key = admin_key
        # A daemon that serves HTTPS (test_84) is asked nothing here: its tests connect themselves.
        self.tls = "--tls-cert" in args or "ENTITLED_TLS_CERT" in (extra_env or {})
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
        cmd = [BIN, "serve", "--listen", f"127.0.0.1:{self.port}", "--store", self.store,
               "--threads", "2", *args]
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
                    break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("the daemon did not start:\n" + self.output())
        if self.db is None and self.admin_key and not self.tls:
            self.wait_keeping(deadline)

    def wait_keeping(self, deadline):
        """On PostgreSQL, a daemon answers before its change listener has connected; until
        then it keeps no snapshot (each evaluate reads the store: correct, slower). Tests that
        count store calls, or time how soon a change is seen, start once it keeps them
        (entitled_cache_keeping)."""
        while time.monotonic() < deadline:
            try:
                r = requests.get(self.url + "/metrics", timeout=2,
                                 headers={"Authorization": f"Bearer {self.admin_key}"})
                if "\nentitled_cache_keeping 1" in r.text:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError("the daemon's change listener did not connect:\n" + self.output())

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


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "cluster(at_once=False, admin_key=True): how test_90_multi_daemon.py's "
        "cluster fixture starts its daemons")


def pytest_report_header(config):
    return f"entitled store: {BACKEND}" + (f" ({PG_URL})" if ON_PG else "")


@pytest.fixture(scope="session")
def workdir():
    if ON_PG:
        r = psql("SELECT 1", check=False)
        if r.returncode != 0:
            pytest.exit(f"ENTITLED_TEST_PG_URL={PG_URL}: cannot connect with psql: "
                        f"{r.stderr.strip()}", returncode=3)
    d = tempfile.mkdtemp(prefix="entitled-test-")
    # Key files of PostgreSQL stores go to $XDG_STATE_HOME/entitled/ (service/keyfile.c): this
    # session's, for every daemon and command it starts.
    os.environ["XDG_STATE_HOME"] = os.path.join(d, "state")
    yield d
    if os.environ.get("ENTITLED_TEST_KEEP"):
        print(f"\nentitled: test stores and daemon logs kept in {d}"
              + (f"; databases {', '.join(_pg_databases)}" if _pg_databases else ""))
    else:
        shutil.rmtree(d, ignore_errors=True)
        for name in list(_pg_databases):
            pg_drop_database(pg_url(name))


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
    for d in started:
        drop_store(d.workdir)
