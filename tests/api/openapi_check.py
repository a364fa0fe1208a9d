# SPDX-License-Identifier: MIT
"""Checks HTTP answers against docs/openapi.json.

Every API test passes each response through `validate_response`, so the daemon and its
published description cannot drift apart unnoticed:

    validate_response("GET", "/v1/features/seats?x=1", 200, r.headers, r.json())

It finds the path template that the concrete path matches, the operation for the method and
the documented response for the status (or the operation's `default`), then checks that the
required headers are there, that the content type is documented, and that the body matches
the response's JSON Schema (OpenAPI 3.1 schemas are JSON Schema 2020-12; `$ref`s resolve within
the whole document; `uuid`, `date-time` and `email` formats are checked). Anything that does not
fit raises AssertionError saying what and where.

Answers that any path can give live in the document's root `x-generic-responses` (405 for a
method the path does not have, 429 when rate-limited). An unknown path must answer 404 with the
`NotFound` problem.

`documented_routes()` gives the set of (METHOD, template) pairs, for comparing with the daemon's
route table.

Needs only python3-jsonschema (Debian 12: 4.10). Run this file to self-test it:
    /usr/bin/python3 tests/api/openapi_check.py
"""

import functools
import json
import re
import threading
import urllib.parse
from datetime import datetime
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker, RefResolver
from jsonschema.exceptions import best_match

SPEC_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MAX_REPORTED_ERRORS = 10

_RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|\+00:00)$")


@functools.lru_cache(maxsize=None)
def load_spec(path=SPEC_PATH):
    """The parsed OpenAPI document (read once)."""
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def documented_routes(spec=None):
    """The set of (METHOD, path template) pairs the document describes."""
    spec = spec or load_spec()
    return {(method.upper(), template)
            for template, item in spec["paths"].items()
            for method in item if method in METHODS}


# ---------------------------------------------------------------------------------------------
# references and path templates

def _pointer_get(doc, pointer):
    """The node at a local reference such as `#/components/schemas/Feature`."""
    if not pointer.startswith("#"):
        raise AssertionError(f"only local references are supported, not {pointer!r}")
    node = doc
    for token in pointer[1:].split("/")[1:]:
        token = urllib.parse.unquote(token).replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            token = int(token)
        node = node[token]
    return node


def _escape(token):
    return str(token).replace("~", "~0").replace("/", "~1")


def _deref(doc, node, where):
    """Follows `$ref`s (ignoring OpenAPI 3.1 `description`/`summary` siblings): (node, where)."""
    seen = set()
    while isinstance(node, dict) and "$ref" in node:
        where = node["$ref"]
        if where in seen:
            raise AssertionError(f"reference loop at {where}")
        seen.add(where)
        node = _pointer_get(doc, where)
    return node, where


_matchers = {}


def _template_matchers(spec):
    """(regex, template) pairs, the templates with the most literal segments first."""
    cached = _matchers.get(id(spec))
    if cached is not None and cached[0] is spec:
        return cached[1]
    ranked = []
    for template in spec["paths"]:
        literal = 0
        rx = []
        for part in template[1:].split("/"):  # a trailing slash stays: /console/ is not /console
            if re.fullmatch(r"\{[^/{}]+\}", part):
                rx.append(r"[^/]+")
            else:
                literal += 1
                rx.append(re.escape(part))
        ranked.append((-literal, template, re.compile("^/" + "/".join(rx) + "$")))
    ranked.sort(key=lambda t: (t[0], t[1]))
    out = [(pattern, template) for _, template, pattern in ranked]
    _matchers[id(spec)] = (spec, out)
    return out


def match_path(path, spec=None):
    """The path template a concrete path (query string allowed) falls under, or None."""
    spec = spec or load_spec()
    raw = urllib.parse.urlsplit(path).path or "/"
    for pattern, template in _template_matchers(spec):
        if pattern.match(raw):
            return template
    return None


# ---------------------------------------------------------------------------------------------
# schema validation

def _check_datetime(value):
    if not isinstance(value, str):
        return True
    if not _RFC3339_UTC.match(value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00"))  # raises ValueError on 2026-02-30
    return True


@functools.lru_cache(maxsize=None)
def _format_checker():
    checker = FormatChecker(formats=Draft202012Validator.FORMAT_CHECKER.checkers.keys())
    # API.md: times are RFC 3339 in UTC.
    checker.checks("date-time", raises=ValueError)(_check_datetime)
    return checker


_per_thread = threading.local()


def _validator(spec, schema):
    """The validator of schema, made once per thread and document. Most of the cost of a check
    is the RefResolver's first search of the whole document (for `$id`s and anchors), which it
    keeps; so one resolver serves every check of a thread. Threads do not share one: it keeps a
    stack of resolution scopes while it validates."""
    cache = getattr(_per_thread, "validators", None)
    if cache is None or _per_thread.spec is not spec:
        _per_thread.spec = spec
        _per_thread.resolver = RefResolver(base_uri="", referrer=spec)
        cache = _per_thread.validators = {}
    # By identity: the schemas are nodes of the document; the entry holds the schema, so its
    # id is not reused while the entry is there.
    entry = cache.get(id(schema))
    if entry is None or entry[0] is not schema:
        entry = cache[id(schema)] = (schema, Draft202012Validator(
            schema, resolver=_per_thread.resolver, format_checker=_format_checker()))
    return entry[1]


def _json_path(error):
    out = "$"
    for part in error.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _describe(error):
    line = f"at {_json_path(error)}: {error.message}"
    if error.context:
        # anyOf / oneOf: say why each alternative failed, the most telling reason first.
        branches = {}
        for sub in error.context:
            branches.setdefault(sub.schema_path[0], []).append(sub)
        reasons = [f"#{index}: {_json_path(best_match(subs))}: {best_match(subs).message}"
                   for index, subs in sorted(branches.items())]
        line += " (" + "; ".join(reasons) + ")"
    return line


def schema_errors(schema, instance, spec=None):
    """Lines describing how `instance` fails `schema` (empty when it fits)."""
    spec = spec or load_spec()
    errors = sorted(_validator(spec, schema).iter_errors(instance),
                    key=lambda e: [str(p) for p in e.absolute_path])
    lines = [_describe(e) for e in errors[:MAX_REPORTED_ERRORS]]
    if len(errors) > MAX_REPORTED_ERRORS:
        lines.append(f"... and {len(errors) - MAX_REPORTED_ERRORS} more")
    return lines


# ---------------------------------------------------------------------------------------------
# responses

def _lower_headers(headers):
    if headers is None:
        return {}
    items = headers.items() if hasattr(headers, "items") else headers
    return {str(k).lower(): v for k, v in items}


def _media_type(value):
    return value.split(";", 1)[0].strip().lower() if value else None


def _is_json(media_type):
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json"))


def _find_response(spec, method, path, status):
    """(response object, where it is in the document) for this answer, or AssertionError."""
    template = match_path(path, spec)
    generic = spec.get("x-generic-responses", {})
    what = f"{method} {path} -> {status}"
    if template is None:
        if status == 404:
            return _deref(spec, {"$ref": "#/components/responses/NotFound"}, "")
        raise AssertionError(f"{what}: no documented path matches {path!r} (and an unknown "
                             "path must answer 404)")
    item = spec["paths"][template]
    op = item.get(method.lower())
    if op is None:
        if str(status) in generic:
            return _deref(spec, generic[str(status)], f"#/x-generic-responses/{status}")
        documented = sorted(m.upper() for m in item if m in METHODS)
        raise AssertionError(f"{what}: {template} documents no {method} (it has "
                             f"{', '.join(documented)}), so the answer must be 405")
    responses = op["responses"]
    base = f"#/paths/{_escape(template)}/{method.lower()}/responses"
    for key in (str(status), f"{str(status)[0]}XX"):
        if key in responses:
            return _deref(spec, responses[key], f"{base}/{key}")
    if "default" in responses:
        return _deref(spec, responses["default"], f"{base}/default")
    if str(status) in generic:
        return _deref(spec, generic[str(status)], f"#/x-generic-responses/{status}")
    raise AssertionError(f"{what}: status {status} is not documented for {method} {template} "
                         f"(documented: {', '.join(sorted(responses))})")


def _check_headers(spec, response, headers, what):
    for name, header in response.get("headers", {}).items():
        header, _ = _deref(spec, header, "")
        value = headers.get(name.lower())
        if value is None:
            if header.get("required"):
                raise AssertionError(f"{what}: required header {name} is missing")
            continue
        schema = header.get("schema")
        if not schema:
            continue
        instance = value
        if schema.get("type") == "integer":
            try:
                instance = int(value)
            except ValueError:
                pass
        problems = schema_errors(schema, instance, spec)
        if problems:
            raise AssertionError(f"{what}: header {name}: {value!r} does not match its "
                                 "schema:\n  " + "\n  ".join(problems))


def validate_response(method, path, status, headers, body):
    """Checks one answer against docs/openapi.json; AssertionError says what does not fit.

    method: "GET", "POST", ...; path: the request path as sent, query string allowed;
    status: the status code; headers: a mapping (any case) or None; body: the decoded JSON,
    or the body as text or bytes (decoded here when the media type is JSON), or None/"" when
    there is none.
    """
    spec = load_spec()
    method = method.upper()
    status = int(status)
    what = f"{method} {path} -> {status}"
    response, where = _find_response(spec, method, path, status)
    headers = _lower_headers(headers)
    _check_headers(spec, response, headers, what)

    content = response.get("content")
    empty = body is None or body == "" or body == b""
    if not content:
        if not empty:
            raise AssertionError(f"{what}: the documented response ({where}) has no body, "
                                 f"but one came: {str(body)[:200]!r}")
        return

    sent = _media_type(headers.get("content-type"))
    if sent is None:
        if len(content) != 1:
            raise AssertionError(f"{what}: no Content-Type, and {where} documents several: "
                                 f"{', '.join(content)}")
        media_type = next(iter(content))
    else:
        by_type = {_media_type(k): k for k in content}
        if sent not in by_type:
            raise AssertionError(f"{what}: Content-Type {sent} is not documented for this "
                                 f"answer ({where} documents {', '.join(content)})")
        media_type = by_type[sent]

    media = content[media_type]
    schema = media.get("schema")
    if _is_json(_media_type(media_type)):
        if isinstance(body, (bytes, str)):
            try:
                body = json.loads(body)
            except ValueError as e:
                raise AssertionError(f"{what}: the body is not JSON ({e}): "
                                     f"{str(body)[:200]!r}") from None
        elif body is None:
            raise AssertionError(f"{what}: {where} documents a {media_type} body, but none came")
    elif isinstance(body, bytes):
        body = body.decode("utf-8")
    if schema is None:
        return
    problems = schema_errors(schema, body, spec)
    if problems:
        name = schema.get("$ref", f"{where}/content/{_escape(media_type)}/schema")
        raise AssertionError(f"{what}: the body does not match {name}:\n  "
                             + "\n  ".join(problems)
                             + f"\nbody: {json.dumps(body)[:500]}")


# ---------------------------------------------------------------------------------------------
# self-test

def _expect_failure(label, fn, *args, contains=None):
    try:
        fn(*args)
    except AssertionError as e:
        message = str(e)
        if contains and contains not in message:
            raise AssertionError(f"{label}: caught, but the message lacks {contains!r}:\n"
                                 f"{message}") from None
        print(f"ok   {label} is caught: {message.splitlines()[0]}")
        return
    raise AssertionError(f"{label}: was NOT caught")


def _self_test():
    spec = load_spec()
    for name, schema in spec["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
    print(f"ok   {len(spec['components']['schemas'])} component schemas are valid "
          "JSON Schema 2020-12")

    # The examples of request bodies fit their schemas (redocly lints them too).
    count = 0
    for template, item in spec["paths"].items():
        for method, op in item.items():
            if method not in METHODS or "requestBody" not in op:
                continue
            media = op["requestBody"]["content"]["application/json"]
            if "example" in media:
                problems = schema_errors(media["schema"], media["example"], spec)
                assert not problems, f"{method} {template} example: {problems}"
                count += 1
    print(f"ok   {count} request examples fit their schemas")

    routes = documented_routes()
    assert ("GET", "/v1/features/{feature}") in routes
    assert ("PUT", "/v1/products/{product}/entitlements/{feature}") in routes
    assert ("DELETE", "/v1/keys/{key_id}") in routes
    print(f"ok   {len(routes)} documented routes")

    assert match_path("/v1/features/seats?limit=2") == "/v1/features/{feature}"
    assert match_path("/v1/products/team/entitlements/seats") == \
        "/v1/products/{product}/entitlements/{feature}"
    assert match_path("http://127.0.0.1:8080/v1/events?after=x") == "/v1/events"
    assert match_path("/v1/features/") is None
    assert match_path("/nope") is None

    json_h = {"Content-Type": "application/json"}
    problem_h = {"content-type": "application/problem+json"}
    now = "2026-11-22T08:00:00Z"
    feature = {
        "id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "key": "seats", "name": "Seats",
        "type": "quantity", "unit": "user",
        "levels": [{"value": "5", "name": "5 users"}, {"value": "20", "name": "20 users"},
                   {"value": "unlimited", "name": "Unlimited users", "is_unlimited": True}],
        "reset_period": None, "activations_enabled": True, "status": "active",
        "attributes": {}, "created_at": now, "updated_at": now,
    }
    validate_response("GET", "/v1/features/seats", 200, json_h, feature)
    validate_response("POST", "/v1/features", 201,
                      {"Content-Type": "application/json; charset=utf-8",
                       "Idempotent-Replayed": "true"}, json.dumps(feature))
    print("ok   a feature passes")

    page = {"data": [feature], "count": 1, "total_count": 3, "page": 1, "page_size": 1,
            "total_pages": 3, "next": "/v1/features?limit=1&offset=1", "previous": None}
    validate_response("GET", "/v1/features?limit=1", 200, json_h, page)
    print("ok   a list envelope passes")

    problem = {"type": "validation_failed", "title": "Validation Failed", "status": 422,
               "detail": "The body is not valid.",
               "errors": [{"field": "type", "message": "must be one of switch, quantity, "
                                                       "range, custom, metered"}]}
    validate_response("POST", "/v1/features", 422, problem_h, problem)
    validate_response("GET", "/v1/nothing/here", 404, problem_h,
                      {"type": "not_found", "title": "Not Found", "status": 404,
                       "detail": "No such route."})
    validate_response("DELETE", "/v1/events", 405, {**problem_h, "Allow": "GET"},
                      {"type": "method_not_allowed", "title": "Method Not Allowed",
                       "status": 405, "detail": "DELETE is not allowed here."})
    print("ok   problem documents pass (422, 404 for an unknown path, 405)")

    validate_response("DELETE", "/v1/features/seats", 204, {}, "")
    validate_response("PUT", "/v1/products/team/entitlements/seats", 200, json_h,
                      {"feature": "seats", "value": "20", "name": "20 users"})
    validate_response("POST", "/v1/keys", 201, json_h, {
        "id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c", "name": "ci", "scope": "account",
        "account": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5d", "prefix": "ent_3f9a",
        "created_at": now, "revoked_at": None, "key": "ent_3f9a" + "x" * 40})
    validate_response("GET", "/metrics", 200, {"Content-Type": "text/plain; version=0.0.4"},
                      b"# TYPE entitled_requests_total counter\nentitled_requests_total 1\n")
    validate_response("GET", "/healthz", 200, json_h, {"status": "ok"})
    validate_response("GET", "/readyz", 503, problem_h,
                      {"type": "internal", "title": "Service Unavailable", "status": 503,
                       "detail": "The store is unreachable."})
    print("ok   204, product entitlement, new key, metrics, health pass")

    bad_feature = dict(feature, type="bogus")
    _expect_failure("a feature with an unknown type", validate_response, "GET",
                    "/v1/features/seats", 200, json_h, bad_feature, contains="$.type")
    no_id = {k: v for k, v in feature.items() if k != "id"}
    _expect_failure("a feature without its id", validate_response, "GET",
                    "/v1/features/seats", 200, json_h, no_id, contains="'id'")
    _expect_failure("a local time", validate_response, "GET", "/v1/features/seats", 200,
                    json_h, dict(feature, created_at="2026-11-22T09:00:00+01:00"),
                    contains="date-time")
    _expect_failure("a list item that is not a feature", validate_response, "GET",
                    "/v1/features", 200, json_h, dict(page, data=[{"id": "x"}]),
                    contains="$.data[0]")
    _expect_failure("a 404 with type conflict", validate_response, "GET",
                    "/v1/features/nope", 404, problem_h,
                    dict(problem, type="conflict", status=404), contains="$.type")
    _expect_failure("a 422 without errors", validate_response, "POST", "/v1/features", 422,
                    problem_h, {k: v for k, v in problem.items() if k != "errors"})
    _expect_failure("an undocumented status", validate_response, "GET", "/v1/features", 409,
                    problem_h, problem, contains="not documented")
    _expect_failure("an undocumented method answering 200", validate_response, "DELETE",
                    "/v1/events", 200, json_h, {}, contains="documents no DELETE")
    _expect_failure("a 405 without Allow", validate_response, "DELETE", "/v1/events", 405,
                    problem_h, {"type": "method_not_allowed", "title": "x", "status": 405,
                                "detail": "x"}, contains="Allow")
    _expect_failure("an error as application/json", validate_response, "GET",
                    "/v1/features/nope", 404, json_h,
                    {"type": "not_found", "title": "x", "status": 404, "detail": "x"},
                    contains="-> 404")
    _expect_failure("a body on a 204", validate_response, "DELETE", "/v1/features/seats",
                    204, json_h, {"deleted": True})
    _expect_failure("a bad Idempotent-Replayed", validate_response, "POST", "/v1/features",
                    201, {**json_h, "Idempotent-Replayed": "yes"}, feature,
                    contains="Idempotent-Replayed")
    _expect_failure("an unknown path answering 200", validate_response, "GET", "/v2/x", 200,
                    json_h, {}, contains="no documented path")
    print("self-test passed")


if __name__ == "__main__":
    _self_test()
