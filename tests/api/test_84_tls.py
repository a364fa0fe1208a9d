# SPDX-License-Identifier: MIT
"""TLS (issue 19, point 3): --tls-cert / --tls-key serve HTTPS through libmicrohttpd's GnuTLS;
SIGHUP reads both files again without dropping a connection: new handshakes get the new
certificate, open connections go on; a reload that fails keeps the current certificate."""
import json
import os
import secrets
import signal
import socket
import ssl
import subprocess
import time

import pytest
import requests

from conftest import BIN
from helpers import log_messages


def make_cert(directory, name):
    """A self-signed certificate for 127.0.0.1 (its own CA): (cert path, key path)."""
    cert, key = os.path.join(directory, f"{name}.crt"), os.path.join(directory, f"{name}.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-keyout", key, "-out", cert, "-days", "2",
                    "-nodes", "-subj", f"/CN={name}", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def install(src, dst):
    with open(src, "rb") as f:
        data = f.read()
    tmp = dst + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, dst)


@pytest.fixture
def certs(tmp_path):
    one, two = make_cert(str(tmp_path), "one"), make_cert(str(tmp_path), "two")
    live = (str(tmp_path / "live.crt"), str(tmp_path / "live.key"))
    install(one[0], live[0])
    install(one[1], live[1])
    return {"one": one, "two": two, "live": live}


def start(new_daemon, certs):
    admin_key = "test-admin-" + secrets.token_hex(20)
    d = new_daemon(admin_key=admin_key, args=("--tls-cert", certs["live"][0],
                                              "--tls-key", certs["live"][1]))
    return d, admin_key


def peer_name(port, ca):
    """The CN of the certificate a new handshake gets, verified against ca."""
    ctx = ssl.create_default_context(cafile=ca)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            subject = dict(x[0] for x in s.getpeercert()["subject"])
            return subject["commonName"]


def get(s, path):
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int([h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")][0]
                 .split(b":")[1])
    while len(body) < length:
        body += s.recv(4096)
    return int(head.split(b" ")[1]), json.loads(body)


def test_84_01_https_is_served_with_the_given_certificate(new_daemon, certs):
    d, admin_key = start(new_daemon, certs)
    url = f"https://127.0.0.1:{d.port}"
    r = requests.get(url + "/v1/features", headers={"Authorization": f"Bearer {admin_key}"},
                     verify=certs["one"][0], timeout=10)
    assert r.status_code == 200
    assert peer_name(d.port, certs["one"][0]) == "one"
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"http://127.0.0.1:{d.port}/healthz", timeout=5)
    assert any(m.startswith("serving on https://") for m in log_messages(d.output()))


def test_84_02_sighup_changes_the_certificate_of_new_connections_only(new_daemon, certs):
    d, _ = start(new_daemon, certs)
    ctx = ssl.create_default_context(cafile=certs["one"][0])
    raw = socket.create_connection(("127.0.0.1", d.port), timeout=5)
    old = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    try:
        assert get(old, "/healthz") == (200, {"status": "ok"})
        install(certs["two"][0], certs["live"][0])
        install(certs["two"][1], certs["live"][1])
        d.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 5
        while True:
            try:
                if peer_name(d.port, certs["two"][0]) == "two":
                    break
            except ssl.SSLError:
                pass
            assert time.monotonic() < deadline, d.output()[-2000:]
            time.sleep(0.05)
        # the connection opened before the reload goes on, with its session
        assert get(old, "/healthz") == (200, {"status": "ok"})
        assert dict(x[0] for x in old.getpeercert()["subject"])["commonName"] == "one"
    finally:
        old.close()
    assert d.proc.poll() is None
    assert any("read again" in m for m in log_messages(d.output()))


def test_84_03_a_reload_that_fails_keeps_the_certificate(new_daemon, certs):
    d, _ = start(new_daemon, certs)
    install(certs["two"][1], certs["live"][1])  # the key of another certificate
    d.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while not any("certificate kept" in m for m in log_messages(d.output())):
        assert time.monotonic() < deadline, d.output()[-2000:]
        time.sleep(0.05)
    assert peer_name(d.port, certs["one"][0]) == "one"
    os.unlink(certs["live"][0])  # a file gone
    d.proc.send_signal(signal.SIGHUP)
    time.sleep(0.3)
    assert peer_name(d.port, certs["one"][0]) == "one"
    assert d.proc.poll() is None


def test_84_04_bad_tls_options_stop_the_start(tmp_path, certs):
    env = dict(os.environ, ENTITLED_ADMIN_KEY="test-admin-" + "1" * 40,
               XDG_STATE_HOME=str(tmp_path))
    cases = [
        (["--tls-cert", certs["one"][0]], "both"),
        (["--tls-cert", str(tmp_path / "missing.crt"), "--tls-key", certs["one"][1]],
         "cannot read the certificate"),
        (["--tls-cert", certs["one"][0], "--tls-key", certs["two"][1]], "is not the key"),
        (["--tls-cert", certs["one"][1], "--tls-key", certs["one"][1]], "no PEM certificate"),
    ]
    for args, said in cases:
        r = subprocess.run([BIN, "serve", "--listen", "127.0.0.1:0", "--store",
                            f"sqlite:{tmp_path}/t.db", *args], env=env, capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 1 and said in r.stderr, (args, r.stderr)
