# SPDX-License-Identifier: MIT
"""The web console's files (issue 16): / and /console lead to /console/, whose page and files are
built into the daemon and served with no key, a strict Content-Security-Policy, no framing, no
referrer, cached by content hash or revalidated by entity tag, gzip-compressed for who takes it.
The console itself is tested in a browser by tests/node/console/."""
import gzip
import re

import requests

from client import problem
from openapi_check import validate_response

HASHED = re.compile(r"-[A-Z0-9]{8}\.")


def raw_get(daemon, path, headers=None, method="GET"):
    """One request as sent (no redirect followed, the body as it came), checked against the
    contract."""
    r = requests.request(method, daemon.url + path, headers=headers or {}, allow_redirects=False,
                         stream=True, timeout=30)
    body = r.raw.read(decode_content=False)
    decoded = gzip.decompress(body) if r.headers.get("Content-Encoding") == "gzip" else body
    if method != "HEAD":  # HEAD is GET without the body (RFC 9110 9.3.2); the contract lists GET
        validate_response(method, path, r.status_code, r.headers, decoded)
    return r, body


def files_of(page):
    """The files the page names (its script, style sheet, preloaded chunks, icon)."""
    return re.findall(r'(?:src|href)="([A-Za-z0-9.-]+)"', page)


def test_17_01_root_and_console_redirect_to_the_page(daemon):
    for path in ("/", "/console"):
        r, body = raw_get(daemon, path)
        assert r.status_code == 302 and r.headers["Location"] == "/console/" and body == b""


def test_17_02_the_page_needs_no_key_and_forbids_what_it_never_does(daemon, api):
    r, body = raw_get(daemon, "/console/")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    csp = dict(part.strip().split(" ", 1) for part in r.headers["Content-Security-Policy"].split(";"))
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["connect-src"] == "'self'" and csp["frame-ancestors"] == "'none'"
    assert csp["base-uri"] == "'none'" and csp["form-action"] == "'none'"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Cache-Control"] == "no-cache"
    page = body.decode() if "Content-Encoding" not in r.headers else gzip.decompress(body).decode()
    # No inline script or style: every script and sheet is a file of its own.
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert "<style" not in page and "style=" not in page
    # A key sent with it changes nothing (the page holds no data).
    with_key = requests.get(daemon.url + "/console/", timeout=30,
                            headers={"Authorization": f"Bearer {api.key}"})
    assert with_key.status_code == 200 and with_key.text == page


def test_17_03_files_are_typed_cached_by_hash_and_carry_the_same_headers(daemon):
    _, body = raw_get(daemon, "/console/", {"Accept-Encoding": "identity"})
    names = files_of(body.decode())
    assert any(n.endswith(".js") for n in names) and any(n.endswith(".css") for n in names)
    types = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
    for name in names + ["licenses.txt"]:
        r, _ = raw_get(daemon, f"/console/{name}")
        assert r.status_code == 200, name
        ext = name[name.rindex("."):]
        assert r.headers["Content-Type"].startswith(types.get(ext, "text/plain")), name
        assert r.headers["X-Frame-Options"] == "DENY" and "Content-Security-Policy" in r.headers
        if HASHED.search(name):
            assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable", name
        else:
            assert r.headers["Cache-Control"] == "no-cache", name
        assert re.fullmatch(r'"[0-9a-f]{20}"', r.headers["ETag"]), name
    lic = requests.get(daemon.url + "/console/licenses.txt", timeout=30).text
    for package in ("preact", "htm", "uplot"):
        assert package in lic


def test_17_04_gzip_for_who_takes_it_and_the_same_bytes_otherwise(daemon):
    _, body = raw_get(daemon, "/console/", {"Accept-Encoding": "identity"})
    script = next(n for n in files_of(body.decode()) if n.endswith(".js"))
    zipped, zbody = raw_get(daemon, f"/console/{script}", {"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["Vary"] == "Accept-Encoding"
    plain, pbody = raw_get(daemon, f"/console/{script}", {"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert gzip.decompress(zbody) == pbody and len(zbody) < len(pbody)
    refused, rbody = raw_get(daemon, f"/console/{script}", {"Accept-Encoding": "gzip;q=0, br"})
    assert "Content-Encoding" not in refused.headers and rbody == pbody
    anything, _ = raw_get(daemon, f"/console/{script}", {"Accept-Encoding": "*"})
    assert anything.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["ETag"] == plain.headers["ETag"]


def test_17_05_a_client_holding_a_file_gets_304(daemon):
    r, body = raw_get(daemon, "/console/")
    tag = r.headers["ETag"]
    for value in (tag, f"W/{tag}", f'"other", {tag}', "*"):
        again, abody = raw_get(daemon, "/console/", {"If-None-Match": value})
        assert again.status_code == 304 and abody == b"" and again.headers["ETag"] == tag
    other, _ = raw_get(daemon, "/console/", {"If-None-Match": '"other"'})
    assert other.status_code == 200


def test_17_06_head_answers_the_headers_alone(daemon):
    r, _ = raw_get(daemon, "/console/", method="HEAD")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert r.headers["X-Frame-Options"] == "DENY"


def test_17_07_unknown_files_and_methods(daemon, anon):
    problem(anon.get("/console/nothing.js"), 404, "not_found")
    problem(anon.get("/console/app.js/x"), 404, "not_found")
    r = anon.post("/console/", {})
    problem(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "GET"
    problem(anon.delete("/"), 405, "method_not_allowed")
