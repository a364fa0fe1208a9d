# SPDX-License-Identifier: MIT
"""A small HTTP client for the API tests: every answer is checked against docs/openapi.json,
so a test cannot pass on an answer the contract does not describe."""
import itertools
import json
import os

import requests

from openapi_check import validate_response

_counter = itertools.count(1)
_RUN = os.urandom(3).hex()


def unique(prefix):
    """A key no other test uses: prefix-<run>-<n>."""
    return f"{prefix}-{_RUN}-{next(_counter)}"


def unique_feature(prefix="f"):
    """The key and name of a feature no other test uses (feature names are unique too)."""
    key = unique(prefix)
    return {"key": key, "name": f"F {key}"}


class Client:
    def __init__(self, base, key, check=True):
        self.base = base
        self.key = key
        self.check = check
        self.session = requests.Session()
        # The daemon is on the loopback interface: no proxy or .netrc from the environment
        # applies (and looking them up on every request costs more than the request).
        self.session.trust_env = False

    def with_key(self, key):
        return Client(self.base, key, self.check)

    def request(self, method, path, body=None, headers=None, raw=None, check=None, params=None):
        h = {}
        if self.key is not None:
            h["Authorization"] = f"Bearer {self.key}"
        data = None
        if raw is not None:
            data = raw
            h.setdefault("Content-Type", "application/json")
        elif body is not None:
            data = json.dumps(body)
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        r = self.session.request(method, self.base + path, data=data, headers=h, params=params,
                                 timeout=30)
        if check if check is not None else self.check:
            ctype = r.headers.get("Content-Type", "")
            payload = r.content if r.content else None
            if payload is not None and "json" in ctype:
                payload = r.json()
            validate_response(method, r.request.path_url, r.status_code, r.headers, payload)
        return r

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    # Shortcuts that create objects and insist on success.
    def make_feature(self, **fields):
        key = fields.get("key") or unique("f")
        # Feature names are unique (in any case): each gets its own unless one is given.
        body = {"key": key, "name": f"Feature {key}", "type": "switch"}
        body.update(fields)
        r = self.post("/v1/features", body)
        assert r.status_code == 201, r.text
        return r.json()

    def make_product(self, **fields):
        body = {"key": unique("p"), "name": "Product", "category": "recurring_services"}
        body.update(fields)
        r = self.post("/v1/products", body)
        assert r.status_code == 201, r.text
        return r.json()

    def make_account(self, **fields):
        body = {"key": unique("a"), "name": "Account"}
        body.update(fields)
        r = self.post("/v1/accounts", body)
        assert r.status_code == 201, r.text
        return r.json()

    def make_key(self, scope, account=None):
        body = {"name": unique("k"), "scope": scope}
        if account:
            body["account"] = account
        r = self.post("/v1/keys", body)
        assert r.status_code == 201, r.text
        return r.json()


def read_answer(sock):
    """Reads one answer from a raw socket: (status, headers as lower-case text, body); (None,
    "", b"") when the daemon closed the connection without one."""
    out = b""
    try:
        while b"\r\n\r\n" not in out:
            chunk = sock.recv(65536)
            if not chunk:
                return None, "", b""
            out += chunk
    except ConnectionResetError:
        return None, "", b""
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), "\n".join(lines[1:]).lower(), body[:length]


def problem(r, status, type_, field=None):
    """Asserts that r is a problem document of status and type (naming field, if given)."""
    assert r.status_code == status, f"{r.status_code} {r.text}"
    assert r.headers["Content-Type"].startswith("application/problem+json"), r.headers
    doc = r.json()
    assert doc["type"] == type_, doc
    assert doc["status"] == status, doc
    if field is not None:
        fields = [e["field"] for e in doc.get("errors", [])]
        assert field in fields, f"{field} not in {fields}: {doc}"
    return doc
