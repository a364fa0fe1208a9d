# SPDX-License-Identifier: MIT
"""The isolation matrix (API.md "Conventions": 401, 403, and 404 for a key bound to one account
asking about another; DESIGN.md "API key": an account key evaluates, records usage and activates
for its account alone and sees nothing else).

The matrix is generated from the daemon's route table (src/http/routes.c, read by
routes_table.py) and checked against docs/openapi.json: every route, with every method, is
called by every kind of caller -- no key, malformed Authorization headers, revoked keys, a read
key, the account keys of accounts A and B, an admin key -- about objects of A, of B, and ids that
do not exist. A route present in routes.c that the matrix below does not know how to exercise
fails its test: "a route missing from the matrix fails the test".

What must hold:
- no key, a malformed header, a revoked key: 401 `unauthorized` on every /v1 route;
- read and account keys: 403 `forbidden` on everything they may not do (the scopes below are the
  contract's; they are also compared with the rows of routes.c);
- an account key asking about the other account's objects (by id, key or activation id; in a
  path or in a body): exactly the answer about an id that does not exist -- 404 `not_found`
  with the same keys, type, title and status;
- lists (and list filters naming the other account or its objects) never show a foreign row,
  and their counts agree with what they show.

The fixture objects are made once per module; a request that is expected to change something
(a PATCH, a DELETE, an activation...) gets fresh objects of its own.
"""
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from client import Client, problem, unique, unique_feature
from helpers import iso
from openapi_check import documented_routes
from routes_table import load_routes

ROUTES = load_routes()
NOWHERE = "0190a0b4-0000-7000-8000-0000000000ff"  # a well-formed id of nothing
# issue 13: a well-formed license token (EdDSA, a 64-byte signature) naming no license.
ABSENT_TOKEN = "eyJhbGciOiJFZERTQSIsImtpZCI6Im5vbmUifQ.eyJqdGkiOiJMSUMtMDAwMC0wMDAwLTAwMDAiLCJleHAiOjF9." + "A" * 86

# Callers. Every one that is not authenticated must get 401 on every keyed route.
UNAUTHENTICATED = ["none", "bearer-x", "bearer-empty", "basic", "garbage", "revoked-admin",
                   "revoked-account-A"]
AUTHENTICATED = ["read", "account-A", "account-B", "admin"]
CALLERS = UNAUTHENTICATED + AUTHENTICATED
MALFORMED = {
    "bearer-x": "Bearer x",
    "bearer-empty": "Bearer ",
    "basic": "Basic dXNlcjpwdw==",
    "garbage": "garbage!! \"not a credential\"",
}
OWN = {"account-A": "A", "account-B": "B"}
OTHER = {"A": "B", "B": "A"}

# The service narrows two rows of the route table: read keys pass the router on POST /v1/usage
# and /v1/usage/batch (ENT_ALLOW_ANY_KEY) and are refused by the service (they may not record).
SERVICE_NARROWED = {("POST", "/v1/usage"): {"read"}, ("POST", "/v1/usage/batch"): {"read"}}


# --------------------------------------------------------------------------------------------
# The world: two accounts with one of everything, made once per module
# --------------------------------------------------------------------------------------------

class World:
    def __init__(self, daemon):
        self.url = daemon.url
        api = self.api = Client(daemon.url, daemon.admin_key)
        self.sw = api.make_feature(type="switch")
        self.seat = api.make_feature(type="quantity", unit="user", activations_enabled=True,
                                     levels=[{"value": "5"}, {"value": "20"},
                                             {"value": "unlimited", "is_unlimited": True}])
        self.met = api.make_feature(type="metered", unit="call", reset_period="month")
        # issue 13: its license model lets account keys issue their own account's licenses.
        self.prod = api.make_product(category="other",
                                     entitlements=[{"feature": self.sw["key"], "value": "true"}],
                                     license_model={"self_service": True})
        # issue 17: a service, whose entitlements' units are drawn down
        self.service = api.make_product(category="professional_services")
        self.acc, self.ent, self.order, self.lease, self.act, self.key_obj = {}, {}, {}, {}, {}, {}
        self.svc = {}
        self.child = {}
        self.lic = {}  # issue 13
        for o in ("A", "B"):
            a = self.acc[o] = api.make_account()
            self.child[o] = api.make_account(parent=a["id"])
            self.ent[o] = self._grant(a, feature=self.sw["key"], value="true")
            self.svc[o] = self._grant(a, product=self.service["key"], quantity=1000)
            self._grant(a, feature=self.seat["key"], value="unlimited")
            self._grant(a, feature=self.met["key"], value="100000")
            r = api.post("/v1/orders", {"account": a["id"], "activate": True,
                                        "items": [{"product": self.prod["key"]}]})
            assert r.status_code == 201, r.text
            self.order[o] = r.json()
            self.lease[o] = self._lease(a)
            self.act[o] = self._activation(a)
            r = api.post("/v1/usage", {"account": a["id"], "feature": self.met["key"],
                                       "amount": 2})
            assert r.status_code == 201, r.text
            self.key_obj[o] = api.make_key("account", a["id"])
            self.lic[o] = self._license(a)
        # webhooks (issue 15): an endpoint on a public address that subscribes to nothing sent
        self.hook = self._hook()
        self.attr_def = self._attribute_definition()  # issue 17
        read = api.make_key("read")
        gone_admin = api.make_key("admin")
        gone_acc = api.make_key("account", self.acc["A"]["id"])
        for k in (gone_admin, gone_acc):
            c = Client(self.url, k["key"])
            assert c.get("/v1/accounts").status_code == 200  # known (and cached) before revoking
            assert api.delete(f"/v1/keys/{k['id']}").status_code == 204
        self.clients = {
            "none": Client(self.url, None),
            "revoked-admin": Client(self.url, gone_admin["key"]),
            "revoked-account-A": Client(self.url, gone_acc["key"]),
            "read": Client(self.url, read["key"]),
            "account-A": Client(self.url, self.key_obj["A"]["key"]),
            "account-B": Client(self.url, self.key_obj["B"]["key"]),
            "admin": api,
        }
        for name in MALFORMED:
            self.clients[name] = Client(self.url, None)

    def _hook(self):
        r = self.api.post("/v1/webhooks", {"url": "http://93.184.216.34/hook",
                                           "events": ["nothing.sent"]})
        assert r.status_code == 201, r.text
        return r.json()

    def _attribute_definition(self):  # issue 17: a free-form one, named for no one else
        r = self.api.post("/v1/attribute-definitions", {"object": "order",
                                                        "name": unique("iso").replace("-", "_")})
        assert r.status_code == 201, r.text
        return r.json()

    def _grant(self, account, **body):
        r = self.api.post("/v1/entitlements", {"account": account["id"], **body})
        assert r.status_code == 201, r.text
        return r.json()

    def _lease(self, account):
        p = self.api.make_product(category="other",
                                  entitlements=[{"feature": self.sw["key"], "value": "true"}])
        r = self.api.post("/v1/leases", {"account": account["id"], "product": p["key"],
                                         "duration_days": 7, "accepted_terms": True})
        assert r.status_code == 201, r.text
        return r.json()

    def _activation(self, account):
        r = self.api.post("/v1/activations", {"account": account["id"],
                                              "feature": self.seat["key"],
                                              "fingerprint": unique("fp")})
        assert r.status_code == 201, r.text
        return r.json()

    def _license(self, account):  # issue 13
        r = self.api.post("/v1/licenses", {"account": account["id"]})
        assert r.status_code == 201, r.text
        return r.json()

    def call(self, caller, method, path, body=None, params=None):
        headers = {"Authorization": MALFORMED[caller]} if caller in MALFORMED else None
        return self.clients[caller].request(method, path, body, headers=headers, params=params)

    # Fresh objects, for requests that are expected to change what they are sent about.
    def victim(self, kind, owner):
        api = self.api
        if kind == "feature":
            return api.make_feature(type="switch")
        if kind == "product":
            return api.make_product(category="other",
                                    entitlements=[{"feature": self.sw["key"], "value": "true"}])
        if kind == "account":
            return api.make_account()
        if kind == "webhook":
            return self._hook()
        if kind == "attribute_definition":  # issue 17
            return self._attribute_definition()
        a = self.acc[owner]
        if kind == "order":
            r = api.post("/v1/orders", {"account": a["id"],
                                        "items": [{"product": self.prod["key"]}]})
            assert r.status_code == 201, r.text
            return r.json()
        if kind == "entitlement":
            return self._grant(a, feature=self.sw["key"], value="true")
        if kind == "service":  # issue 17
            return self._grant(a, product=self.service["key"], quantity=1000)
        if kind == "lease":
            return self._lease(a)
        if kind == "activation":
            return self._activation(a)
        if kind == "key":
            return api.make_key("account", a["id"])
        if kind == "license":  # issue 13
            return self._license(a)
        raise AssertionError(kind)


@pytest.fixture(scope="module")
def world(daemon):
    return World(daemon)


# --------------------------------------------------------------------------------------------
# The matrix: how to exercise each route
# --------------------------------------------------------------------------------------------
#
# Spec fields:
#   scopes   who may call the route (the contract: API.md, DESIGN.md "API key")
#   owners   the owners of what the request is about: ("A", "B", "absent") for objects that
#            belong to an account, ("existing", "absent") for the catalog and keys, ("-",) when
#            the request names no object
#   kind     the kind of the objects in the path; a request expected to succeed on a route that
#            changes things gets a fresh one (World.victim)
#   make     (world, owner, obj) -> (path, body, params); obj is the object of the path
#   ok       the statuses of success
#   absent   what admin and read keys get for an absent owner (account keys always get 404)
#   pick     (response) -> (status, document) of the answer that matters (the one result of a
#            batch); default the response itself
#   check    (world, owner, response) -> None: more checks of a success
#   listing  for lists: (world, owner) -> query params filtering by owner, and the field of a
#            row naming its account

class Spec:
    def __init__(self, scopes, owners=("-",), kind=None, make=None, ok=(200,), absent=(404,),
                 pick=None, check=None, refs=None, listing=None, foreign_filters=None,
                 mutating=None, ofrep=False):
        self.scopes = frozenset(scopes)
        self.owners = owners
        self.kind = kind
        self.make = make
        self.ok = set(ok)
        self.absent = set(absent)
        self.pick = pick
        self.check = check
        self.refs = refs  # (world, owner) -> the other refs of the object (key, activation id)
        self.listing = listing
        self.foreign_filters = foreign_filters
        self.mutating = mutating
        self.ofrep = ofrep  # OFREP: errors in the protocol's shape (exercise_ofrep)


ALL = {"admin", "read", "account"}
READERS = {"admin", "read"}
ADMIN = {"admin"}
ADMIN_ACCOUNT = {"admin", "account"}
OWNED = ("A", "B", "absent")
CATALOG = ("existing", "absent")


def path_of(template):
    """make(): the path template filled with the object's id (or NOWHERE when absent)."""
    def make(w, owner, obj):
        return template.format(obj["id"] if obj else NOWHERE), None, None
    return make


def with_body(template, body):
    def make(w, owner, obj):
        return template.format(obj["id"] if obj else NOWHERE), body(w, owner), None
    return make


def item_path(suffix, body):
    """make() of a route on an order's first line item (issue 17), by its activation id."""
    def make(w, owner, obj):
        order = obj["id"] if obj else NOWHERE
        item = obj["items"][0]["activation_id"] if obj else NOWHERE
        return f"/v1/orders/{order}/items/{item}{suffix}", body, None
    return make


def account_ref(w, owner):
    return w.acc[owner]["id"] if owner in ("A", "B") else NOWHERE


def body_only(path, body):
    def make(w, owner, obj):
        return path, body(w, owner), None
    return make


def answer_names_account(field="account"):
    def check(w, owner, r):
        if owner in ("A", "B"):
            assert r.json()[field] == w.acc[owner]["id"], r.text
    return check


def first_result(r):
    """A batch's answer for its one event (a 200 batch whose result carries its own status)."""
    if r.status_code == 200:
        doc = r.json()["results"][0]
        return doc["status"], doc
    return r.status_code, r.json() if r.content else None


def series_params(w, owner):
    now = datetime.now(timezone.utc)
    return {"account": account_ref(w, owner), "feature": w.met["key"],
            "from": iso(now - timedelta(days=2)), "to": iso(now + timedelta(days=2)),
            "granularity": "day"}


def fresh_lease_body(w, owner):
    p = w.api.make_product(category="other",
                           entitlements=[{"feature": w.sw["key"], "value": "true"}])
    return {"account": account_ref(w, owner), "product": p["key"], "duration_days": 3,
            "accepted_terms": True}


def by_owner(attr):
    """The world's object of attr for owner (None when absent)."""
    def get(w, owner):
        return getattr(w, attr)[owner] if owner in ("A", "B") else None
    return get


MATRIX = {
    ("GET", "/healthz"): Spec(set()),
    ("GET", "/readyz"): Spec(set()),
    ("GET", "/metrics"): Spec(set()),
    ("GET", "/openapi.json"): Spec(set()),
    # The web console's files (issue 16): no key; the page calls /v1 with the key it is given.
    ("GET", "/"): Spec(set(), ok=(302,)),
    ("GET", "/console"): Spec(set(), ok=(302,)),
    ("GET", "/console/"): Spec(set()),
    ("GET", "/console/{asset}"): Spec(set(), make=lambda w, o, obj: (
        "/console/favicon.svg", None, None)),

    ("POST", "/v1/features"): Spec(ADMIN, ok=(201,), make=body_only(
        "/v1/features", lambda w, o: {**unique_feature(), "type": "switch"})),
    ("GET", "/v1/features"): Spec(READERS),
    ("GET", "/v1/features/{feature}"): Spec(READERS, CATALOG, "feature",
                                            refs=lambda w, o: ["key"]),
    ("PATCH", "/v1/features/{feature}"): Spec(ADMIN, CATALOG, "feature", with_body(
        "/v1/features/{}", lambda w, o: {"name": unique("Renamed")})),
    ("DELETE", "/v1/features/{feature}"): Spec(ADMIN, CATALOG, "feature", ok=(204,)),

    ("POST", "/v1/products"): Spec(ADMIN, ok=(201,), make=body_only(
        "/v1/products", lambda w, o: {"key": unique("p"), "name": "P", "category": "other"})),
    ("GET", "/v1/products"): Spec(READERS),
    ("GET", "/v1/products/{product}"): Spec(READERS, CATALOG, "product",
                                            refs=lambda w, o: ["key"]),
    ("PATCH", "/v1/products/{product}"): Spec(ADMIN, CATALOG, "product", with_body(
        "/v1/products/{}", lambda w, o: {"name": "Renamed"})),
    ("DELETE", "/v1/products/{product}"): Spec(ADMIN, CATALOG, "product", ok=(204,)),
    ("PUT", "/v1/products/{product}/entitlements/{feature}"): Spec(
        ADMIN, CATALOG, "product",
        lambda w, o, p: (f"/v1/products/{p['id'] if p else NOWHERE}/entitlements/{w.sw['key']}",
                         {"value": "false"}, None)),
    ("DELETE", "/v1/products/{product}/entitlements/{feature}"): Spec(
        ADMIN, CATALOG, "product",
        lambda w, o, p: (f"/v1/products/{p['id'] if p else NOWHERE}/entitlements/{w.sw['key']}",
                         None, None), ok=(204,)),

    ("POST", "/v1/accounts"): Spec(ADMIN, ok=(201,), make=body_only(
        "/v1/accounts", lambda w, o: {"key": unique("a"), "name": "Acc"})),
    ("GET", "/v1/accounts"): Spec(ALL, OWNED, listing=("id", lambda w, o: {
        "search": w.acc[o]["key"] if o in ("A", "B") else "no-such-account"}),
        foreign_filters=lambda w, o: [{"parent": w.acc[o]["id"]}, {"parent": w.acc[o]["key"]},
                                      {"search": w.child[o]["key"]}, {"type": "customer"},
                                      {"sort": "-created_at"}]),
    ("GET", "/v1/accounts/{account}"): Spec(ALL, OWNED, "account", check=answer_names_account(
        "id"), refs=lambda w, o: ["key"]),
    ("PATCH", "/v1/accounts/{account}"): Spec(ADMIN, OWNED, "account", with_body(
        "/v1/accounts/{}", lambda w, o: {"name": "Renamed"})),
    ("DELETE", "/v1/accounts/{account}"): Spec(ADMIN, OWNED, "account", ok=(204,)),
    ("GET", "/v1/accounts/{account}/entitlements"): Spec(
        ALL, OWNED, "account", path_of("/v1/accounts/{}/entitlements"),
        check=answer_names_account(), refs=lambda w, o: ["key"], mutating=False),

    ("POST", "/v1/orders"): Spec(ADMIN, OWNED, ok=(201,), absent=(404, 422), make=body_only(
        "/v1/orders", lambda w, o: {"account": account_ref(w, o),
                                    "items": [{"product": w.prod["key"]}]}),
        check=answer_names_account()),
    ("GET", "/v1/orders"): Spec(ALL, OWNED, listing=("account", lambda w, o: {
        "account": account_ref(w, o)}), foreign_filters=lambda w, o: [
            {"account": w.acc[o]["key"]}, {"status": "active"}, {"search": w.order[o]["number"]}]),
    ("GET", "/v1/orders/{order}"): Spec(ALL, OWNED, "order", check=answer_names_account()),
    ("POST", "/v1/orders/{order}/activate"): Spec(
        ADMIN, OWNED, "order", path_of("/v1/orders/{}/activate"), check=answer_names_account()),

    ("POST", "/v1/entitlements"): Spec(ADMIN, OWNED, ok=(201,), absent=(404, 422),
                                       make=body_only("/v1/entitlements", lambda w, o: {
                                           "account": account_ref(w, o),
                                           "feature": w.sw["key"], "value": "true"}),
                                       check=answer_names_account()),
    ("GET", "/v1/entitlements"): Spec(ALL, OWNED, listing=("account", lambda w, o: {
        "account": account_ref(w, o)}), foreign_filters=lambda w, o: [
            {"account": w.acc[o]["key"]}, {"order": w.order[o]["id"]}, {"product": w.prod["key"]},
            {"feature": w.sw["key"]}, {"source": "manual"}, {"status": "active"},
            {"search": w.ent[o]["activation_id"]}]),
    ("GET", "/v1/entitlements/{entitlement}"): Spec(ALL, OWNED, "entitlement",
                                                    check=answer_names_account(),
                                                    refs=lambda w, o: ["activation_id"]),
    ("PATCH", "/v1/entitlements/{entitlement}"): Spec(
        ADMIN, OWNED, "entitlement",
        with_body("/v1/entitlements/{}", lambda w, o: {"attributes": {"touched": "yes"}}),
        check=answer_names_account()),
    ("DELETE", "/v1/entitlements/{entitlement}"): Spec(ADMIN, OWNED, "entitlement",
                                                       check=answer_names_account()),

    # issue 17: a service entitlement's units drawn down, by id or activation id
    ("POST", "/v1/entitlements/{entitlement}/consumption"): Spec(
        ADMIN_ACCOUNT, OWNED, "service",
        with_body("/v1/entitlements/{}/consumption", lambda w, o: {"amount": 1}), ok=(201,),
        refs=lambda w, o: ["activation_id"], check=answer_names_account()),
    ("POST", "/v1/leases"): Spec(ADMIN_ACCOUNT, OWNED, ok=(201,), absent=(404, 422),
                                 make=body_only("/v1/leases", fresh_lease_body),
                                 check=answer_names_account()),
    ("GET", "/v1/leases"): Spec(ALL, OWNED, listing=("account", lambda w, o: {
        "account": account_ref(w, o)}), foreign_filters=lambda w, o: [
            {"account": w.acc[o]["key"]}, {"product": w.lease[o]["product"]},
            {"status": "active"}]),
    ("GET", "/v1/leases/{lease}"): Spec(ALL, OWNED, "lease", check=answer_names_account()),
    ("PATCH", "/v1/leases/{lease}"): Spec(ADMIN, OWNED, "lease", with_body(
        "/v1/leases/{}", lambda w, o: {"valid_until": "2099-01-01"}),
        check=answer_names_account()),

    ("POST", "/v1/evaluate"): Spec(ALL, OWNED, make=body_only("/v1/evaluate", lambda w, o: {
        "account": account_ref(w, o), "features": [w.sw["key"], w.met["key"]]}),
        check=answer_names_account(), mutating=False),
    ("POST", "/v1/evaluate/bulk"): Spec(READERS, OWNED, absent=(200,), make=body_only(
        "/v1/evaluate/bulk", lambda w, o: {"accounts": [account_ref(w, o)],
                                           "features": [w.sw["key"]]}), mutating=False),

    ("POST", "/v1/usage"): Spec(ADMIN_ACCOUNT, OWNED, ok=(201,), make=body_only(
        "/v1/usage", lambda w, o: {"account": account_ref(w, o), "feature": w.met["key"],
                                   "amount": 1}), check=answer_names_account()),
    ("GET", "/v1/usage"): Spec(ALL, OWNED, make=lambda w, o, obj: (
        "/v1/usage", None, series_params(w, o)), check=answer_names_account()),
    ("POST", "/v1/usage/batch"): Spec(ADMIN_ACCOUNT, OWNED, ok=(201,), pick=first_result,
                                      make=body_only("/v1/usage/batch", lambda w, o: {
                                          "events": [{"account": account_ref(w, o),
                                                      "feature": w.met["key"], "amount": 1,
                                                      "idempotency_key": unique("ik")}]}),
                                      check=lambda w, o, r: None),  # pick() checked 201

    ("POST", "/v1/activations"): Spec(ADMIN_ACCOUNT, OWNED, ok=(201,), absent=(404, 422),
                                      make=body_only("/v1/activations", lambda w, o: {
                                          "account": account_ref(w, o),
                                          "feature": w.seat["key"],
                                          "fingerprint": unique("fp")}),
                                      check=answer_names_account()),
    ("GET", "/v1/activations"): Spec(ALL, OWNED, listing=("account", lambda w, o: {
        "account": account_ref(w, o)}), foreign_filters=lambda w, o: [
            {"account": w.acc[o]["key"]}, {"feature": w.seat["key"]},
            {"entitlement": w.ent[o]["id"]}, {"entitlement": w.ent[o]["activation_id"]},
            {"search": w.act[o]["fingerprint"]}, {"status": "active"}]),
    ("GET", "/v1/activations/{activation}"): Spec(ALL, OWNED, "activation",
                                                  check=answer_names_account()),
    ("DELETE", "/v1/activations/{activation}"): Spec(ADMIN_ACCOUNT, OWNED, "activation",
                                                     check=answer_names_account()),
    ("POST", "/v1/activations/{activation}/heartbeat"): Spec(
        ADMIN_ACCOUNT, OWNED, "activation", path_of("/v1/activations/{}/heartbeat"),
        check=answer_names_account()),

    ("POST", "/v1/keys"): Spec(ADMIN, OWNED, ok=(201,), absent=(404, 422), make=body_only(
        "/v1/keys", lambda w, o: {"name": unique("k"), "scope": "account",
                                  "account": account_ref(w, o)})),
    ("GET", "/v1/keys"): Spec(ADMIN),
    ("DELETE", "/v1/keys/{key_id}"): Spec(ADMIN, OWNED, "key", ok=(204,)),
    ("GET", "/v1/me"): Spec(ALL),

    ("GET", "/v1/events"): Spec(READERS, OWNED, listing=("account", lambda w, o: {
        "account": account_ref(w, o)})),

    # Signed licenses (issue 13)
    ("GET", "/.well-known/jwks.json"): Spec(set()),
    ("GET", "/v1/signing-keys"): Spec(READERS),
    ("POST", "/v1/signing-keys"): Spec(ADMIN, ok=(201,)),
    ("POST", "/v1/licenses"): Spec(ADMIN_ACCOUNT, OWNED, ok=(201,), absent=(404, 422),
                                   make=body_only("/v1/licenses", lambda w, o: {
                                       "account": account_ref(w, o)}),
                                   check=answer_names_account()),
    ("GET", "/v1/licenses"): Spec(ALL, OWNED, listing=("account", lambda w, o: {
        "account": account_ref(w, o)}), foreign_filters=lambda w, o: [
            {"account": w.acc[o]["key"]}, {"status": "active"},
            {"search": w.lic[o]["serial_number"]}, {"sort": "-expires_at"}]),
    ("POST", "/v1/licenses/validate"): Spec(
        ALL, OWNED, make=lambda w, o, obj: ("/v1/licenses/validate", {
            "token": w.lic[o]["token"] if o in ("A", "B") else ABSENT_TOKEN}, None),
        check=lambda w, o, r: r.json()["license"]["account"] == w.acc[o]["id"] or (
            pytest.fail(r.text)), mutating=False),
    ("GET", "/v1/licenses/{license}"): Spec(ALL, OWNED, "license", check=answer_names_account(),
                                            refs=lambda w, o: ["serial_number"]),
    ("DELETE", "/v1/licenses/{license}"): Spec(ADMIN_ACCOUNT, OWNED, "license",
                                               check=answer_names_account()),
    ("POST", "/v1/licenses/{license}/renew"): Spec(
        ADMIN_ACCOUNT, OWNED, "license", path_of("/v1/licenses/{}/renew"),
        check=answer_names_account()),
    # OFREP (issue 14): answers in the protocol's shape (spec.ofrep), not problem documents.
    # An absent account, and for an account key another account, is a 400 INVALID_CONTEXT,
    # the same for both. The change stream needs no key: its token is its credential, and a
    # request without a valid one is refused whoever sends it.
    ("GET", "/ofrep/v1/configuration"): Spec(ALL, ofrep=True),
    ("POST", "/ofrep/v1/evaluate/flags"): Spec(
        ALL, OWNED, absent=(400,), ofrep=True, mutating=False, make=body_only(
            "/ofrep/v1/evaluate/flags",
            lambda w, o: {"context": {"targetingKey": account_ref(w, o)}})),
    ("POST", "/ofrep/v1/evaluate/flags/{key}"): Spec(
        ALL, OWNED, absent=(400,), ofrep=True, mutating=False,
        make=lambda w, o, obj: (f"/ofrep/v1/evaluate/flags/{w.sw['key']}",
                                {"context": {"targetingKey": account_ref(w, o)}}, None)),
    ("GET", "/ofrep/v1/events"): Spec(set(), ok=(401,), ofrep=True, make=lambda w, o, obj: (
        "/ofrep/v1/events", None, {"token": "not-a-token"})),
    # webhooks (issue 15): admin keys only
    ("POST", "/v1/webhooks"): Spec(ADMIN, ok=(201,), make=body_only(
        "/v1/webhooks", lambda w, o: {"url": "http://93.184.216.34/hook",
                                      "events": ["nothing.sent"]})),
    ("GET", "/v1/webhooks"): Spec(ADMIN),
    ("GET", "/v1/webhooks/{webhook}"): Spec(ADMIN, CATALOG, "webhook"),
    ("PATCH", "/v1/webhooks/{webhook}"): Spec(ADMIN, CATALOG, "webhook", with_body(
        "/v1/webhooks/{}", lambda w, o: {"description": "changed"})),
    ("DELETE", "/v1/webhooks/{webhook}"): Spec(ADMIN, CATALOG, "webhook", ok=(204,)),
    ("POST", "/v1/webhooks/{webhook}/rotate-secret"): Spec(ADMIN, CATALOG, "webhook"),
    ("GET", "/v1/webhooks/{webhook}/deliveries"): Spec(ADMIN, CATALOG, "webhook"),
    ("POST", "/v1/webhooks/{webhook}/messages/{message}/retry"): Spec(
        ADMIN, ("absent",), make=lambda w, o, obj: (
            f"/v1/webhooks/{w.hook['id']}/messages/{NOWHERE}/retry", None, None)),
    ("POST", "/v1/webhooks/{webhook}/replay"): Spec(ADMIN, CATALOG, "webhook", with_body(
        "/v1/webhooks/{}/replay", lambda w, o: {"since": "2020-01-01T00:00:00Z"}), ok=(202,)),
    # issue 17 (seed 004): drafts edited, line items, transfers, attribute definitions
    ("PATCH", "/v1/orders/{order}"): Spec(ADMIN, OWNED, "order", with_body(
        "/v1/orders/{}", lambda w, o: {"description": "changed"}), check=answer_names_account()),
    ("POST", "/v1/orders/{order}/items"): Spec(ADMIN, OWNED, "order", with_body(
        "/v1/orders/{}/items", lambda w, o: {"items": [{"product": w.prod["key"]}]}), ok=(201,),
        check=answer_names_account()),
    ("PATCH", "/v1/orders/{order}/items/{item}"): Spec(
        ADMIN, OWNED, "order", item_path("", {"order_type": "renewal"}),
        check=answer_names_account()),
    ("POST", "/v1/orders/{order}/items/{item}/deploy"): Spec(
        ADMIN, OWNED, "order", item_path("/deploy", None), check=answer_names_account()),
    ("POST", "/v1/orders/{order}/items/{item}/undeploy"): Spec(
        ADMIN, OWNED, "order", item_path("/undeploy", None), check=answer_names_account()),
    ("POST", "/v1/entitlements/{entitlement}/transfer"): Spec(
        ADMIN, OWNED, "entitlement", with_body("/v1/entitlements/{}/transfer", lambda w, o: {
            "account": w.acc["B" if o == "A" else "A"]["id"]})),
    ("POST", "/v1/attribute-definitions"): Spec(ADMIN, ok=(201,), make=body_only(
        "/v1/attribute-definitions", lambda w, o: {"object": "order",
                                                   "name": unique("iso").replace("-", "_")})),
    ("GET", "/v1/attribute-definitions"): Spec(READERS),
    ("GET", "/v1/attribute-definitions/{definition}"): Spec(READERS, CATALOG,
                                                            "attribute_definition"),
    ("DELETE", "/v1/attribute-definitions/{definition}"): Spec(ADMIN, CATALOG,
                                                               "attribute_definition", ok=(204,)),
}

# The world's own object of each kind, for the requests that change nothing (or must not).
STANDING = {
    "feature": lambda w, o: w.sw if o == "existing" else None,
    "product": lambda w, o: w.prod if o == "existing" else None,
    "account": by_owner("acc"),
    "order": by_owner("order"),
    "entitlement": by_owner("ent"),
    "service": by_owner("svc"),  # issue 17
    "lease": by_owner("lease"),
    "activation": by_owner("act"),
    "key": by_owner("key_obj"),
    "license": by_owner("lic"),  # issue 13
    "webhook": lambda w, o: w.hook if o == "existing" else None,  # issue 15
    "attribute_definition": lambda w, o: w.attr_def if o == "existing" else None,  # issue 17
}


def route_id(r):
    return f"{r.method} {r.pattern}"


# --------------------------------------------------------------------------------------------
# Expectations
# --------------------------------------------------------------------------------------------

def scope_of(caller):
    return "account" if caller in OWN else caller


def expectation(spec, caller, owner):
    """One of: public, 401, 403, ok, absent, foreign."""
    if not spec.scopes:
        return "public"
    if caller in UNAUTHENTICATED:
        return "401"
    if scope_of(caller) not in spec.scopes:
        return "403"
    if owner == "absent":
        return "absent"
    if caller in OWN and owner in ("A", "B") and owner != OWN[caller]:
        return "foreign"
    return "ok"


def answer(spec, r):
    if spec.pick:
        return spec.pick(r)
    return r.status_code, (r.json() if r.content and "json" in r.headers.get(
        "Content-Type", "") else None)


def shape(doc):
    """What of a 404 may be compared between a foreign and an absent object."""
    if not isinstance(doc, dict):
        return doc
    return (sorted(doc), doc.get("type"), doc.get("title"), doc.get("status"),
            sorted(e.get("field") for e in doc.get("errors", [])))


def is_mutating(method, spec):
    if spec.mutating is not None:
        return spec.mutating
    return method != "GET"


def describe(caller, method, path, params, r):
    return (f"{caller} {method} {path}{' ' + str(params) if params else ''} -> "
            f"{r.status_code} {r.text[:400]}")


# --------------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------------

def test_86_00_the_matrix_covers_routes_c_and_openapi_json():
    """routes.c and docs/openapi.json list the same routes, and the matrix knows every one;
    the scopes routes.c admits are the contract's (save what the service narrows)."""
    table = {(r.method, r.pattern) for r in ROUTES}
    assert len(table) == len(ROUTES), "routes.c lists a route twice"
    documented = documented_routes()
    assert table - documented == set(), "in routes.c, not in docs/openapi.json"
    assert documented - table == set(), "in docs/openapi.json, not in routes.c"
    assert table - set(MATRIX) == set(), "routes missing from the isolation matrix"
    assert set(MATRIX) - table == set(), "the matrix names routes that routes.c does not have"
    for r in ROUTES:
        spec = MATRIX[(r.method, r.pattern)]
        narrowed = SERVICE_NARROWED.get((r.method, r.pattern), set())
        assert spec.scopes <= r.allow, f"{route_id(r)}: routes.c refuses {spec.scopes - r.allow}"
        assert r.allow - spec.scopes <= narrowed, (
            f"{route_id(r)}: routes.c admits {sorted(r.allow - spec.scopes)}, which the "
            "contract does not")


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_86_01_every_route_against_every_caller_and_owner(world, route):
    spec = MATRIX.get((route.method, route.pattern))
    if spec is None:
        pytest.fail(f"{route_id(route)} is in routes.c and missing from the isolation matrix "
                    "(add a Spec to MATRIX in test_86_isolation_matrix.py)")
    failures = []
    for caller in CALLERS:
        absent_answer = None
        # absent first: the foreign answer is compared with it.
        for owner in sorted(spec.owners, key=lambda o: o != "absent"):
            want = expectation(spec, caller, owner)
            try:
                got = exercise(world, route, spec, caller, owner, want)
                if want == "absent":
                    absent_answer = got
                elif want == "foreign":
                    compare_foreign(got, absent_answer)
            except AssertionError as e:
                failures.append(f"[{caller} / owner {owner}: expected {want}] {e}")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)


def exercise(w, route, spec, caller, owner, want):
    """Sends the requests of one cell; answers what the foreign/absent comparison needs."""
    if spec.listing:
        return exercise_list(w, route, spec, caller, owner, want)
    if spec.ofrep:
        return exercise_ofrep(w, route, spec, caller, owner, want)
    method = route.method
    objs = [None]
    if spec.kind and owner != "absent":
        if want == "ok" and is_mutating(method, spec):
            objs = [w.victim(spec.kind, owner)]
        else:
            objs = [STANDING[spec.kind](w, owner)]
    shapes = []
    make = spec.make
    if make is None and spec.kind:  # the object's id in the path's one parameter
        make = path_of(re.sub(r"\{[^}]+\}", "{}", route.pattern, count=1))
    variants = [(objs[0], None)]
    if spec.refs and objs[0] is not None and not (want == "ok" and is_mutating(method, spec)):
        variants += [(objs[0], field) for field in spec.refs(w, owner)]
    for obj, ref_field in variants:
        if make is None:
            path, body, params = route.pattern, None, None
        else:
            o = obj
            if ref_field:
                o = dict(obj, id=obj[ref_field])
            path, body, params = make(w, owner, o)
        r = w.call(caller, method, path, body, params)
        where = describe(caller, method, path, params, r)
        assert r.status_code < 500, "5xx: " + where
        status, doc = answer(spec, r)
        if want == "public":
            assert r.status_code == 200, where
        elif want == "401":
            problem(r, 401, "unauthorized")
        elif want == "403":
            problem(r, 403, "forbidden")
        elif want == "ok":
            assert status in spec.ok, where
            if spec.check:
                spec.check(w, owner, r)
        elif want == "absent":
            codes = {404} if caller in OWN else spec.absent
            assert status in codes, where
            if status == 200 and route.pattern == "/v1/evaluate/bulk":
                assert doc["results"][0].get("error") == "not_found", where
            elif status >= 400:
                assert isinstance(doc, dict) and doc.get("status") == status, where
                if status == 404:
                    assert doc["type"] == "not_found", where
                    assert "errors" not in doc or not doc["errors"], where
        elif want == "foreign":
            assert status == 404, "a foreign object must answer as an absent one: " + where
            assert doc.get("type") == "not_found", where
        shapes.append((status, shape(doc), r.headers.get("Content-Type"), where))
    return shapes


def exercise_ofrep(w, route, spec, caller, owner, want):
    """One cell of an OFREP route: the protocol's error shapes ({"errorDetails"} for 401 and
    403; {"errorCode", ...} for a context naming no account this key may see, foreign or
    absent alike), never problem documents."""
    path, body, params = spec.make(w, owner, None) if spec.make else (route.pattern, None, None)
    r = w.call(caller, route.method, path, body, params)
    where = describe(caller, route.method, path, params, r)
    assert r.status_code < 500, "5xx: " + where
    doc = r.json() if r.content and "json" in r.headers.get("Content-Type", "") else None
    if r.status_code >= 400:
        assert isinstance(doc, dict) and "type" not in doc and "errorDetails" in doc, where
    if want == "public":
        assert r.status_code in spec.ok, where
    elif want in ("401", "403"):
        assert r.status_code == int(want) and set(doc) == {"errorDetails"}, where
    elif want == "ok":
        assert r.status_code in spec.ok, where
    elif want in ("absent", "foreign"):
        assert r.status_code == 400 and doc["errorCode"] == "INVALID_CONTEXT", where
    return [(r.status_code, (sorted(doc), doc.get("errorCode"), doc.get("errorDetails"))
             if isinstance(doc, dict) else doc, r.headers.get("Content-Type"), where)]


def compare_foreign(got, absent):
    assert absent, "no absent answer to compare with"
    a_status, a_shape, a_ctype, a_where = absent[0]
    for status, shp, ctype, where in got:
        assert (status, shp, ctype) == (a_status, a_shape, a_ctype), (
            f"a foreign object answers unlike an absent one:\n  foreign: {where}\n"
            f"  absent:  {a_where}")


def rows(w, caller, path, params):
    """Every row of a list (following next), checking count/total_count on the way."""
    out, params = [], dict(params or {}, limit=100)
    r = w.call(caller, "GET", path, params=params)
    where = describe(caller, "GET", path, params, r)
    assert r.status_code == 200, where
    page = r.json()
    out += page["data"]
    assert page["count"] == len(page["data"]), where
    assert page["total_count"] >= len(page["data"]), where
    pages = 0
    while page["next"]:
        pages += 1
        assert pages < 50, "too many pages: " + where
        nxt = page["next"]
        if nxt.startswith("http"):
            nxt = nxt[len(w.url):]
        r = w.clients[caller].request("GET", nxt, headers=(
            {"Authorization": MALFORMED[caller]} if caller in MALFORMED else None))
        assert r.status_code == 200, describe(caller, "GET", nxt, None, r)
        page = r.json()
        out += page["data"]
    if pages == 0:
        assert page["total_count"] == len(out), "total_count counts rows not shown: " + where
    return out, where


def exercise_list(w, route, spec, caller, owner, want):
    field, filt = spec.listing
    params = filt(w, owner)
    path = route.pattern
    if want in ("401", "403"):
        r = w.call(caller, "GET", path, params=params)
        assert r.status_code < 500, "5xx: " + describe(caller, "GET", path, params, r)
        if want == "401":
            problem(r, 401, "unauthorized")
        else:
            problem(r, 403, "forbidden")
        return None
    got, where = rows(w, caller, path, params)
    named = {x[field] for x in got}
    if caller in OWN:
        me = w.acc[OWN[caller]]["id"]
        assert named <= {me}, f"a foreign row is listed: {sorted(named - {me})}: {where}"
        if want == "ok":
            assert named == {me}, f"its own rows are missing: {where}"
        # Unfiltered, and filtered by what the other account holds: still only its own.
        mine, where = rows(w, caller, path, None)
        assert {x[field] for x in mine} == {me}, f"not exactly its own rows: {where}"
        if spec.foreign_filters:
            for extra in spec.foreign_filters(w, OTHER[OWN[caller]]) + spec.foreign_filters(
                    w, OWN[caller]):
                shown, where = rows(w, caller, path, extra)
                foreign = {x[field] for x in shown} - {me}
                assert not foreign, f"a foreign row is listed: {sorted(foreign)}: {where}"
    else:
        if want == "ok" and field == "account":
            assert named == {w.acc[owner]["id"]}, where
        elif want == "ok":
            assert w.acc[owner]["id"] in named and w.acc[OTHER[owner]]["id"] not in named, where
        elif want == "absent":
            assert got == [], where
    return [(200, sorted(x["id"] for x in got), "list", where)]


def test_86_02_an_account_key_lists_the_same_whatever_foreign_filter_it_names(world):
    """?account=B (by id or key) lists exactly what ?account=<absent> lists: nothing of B, and
    nothing that tells B exists."""
    w = world
    for caller in ("account-A", "account-B"):
        me, other = OWN[caller], OTHER[OWN[caller]]
        for path in ("/v1/orders", "/v1/entitlements", "/v1/leases", "/v1/activations"):
            absent, _ = rows(w, caller, path, {"account": NOWHERE})
            missing, _ = rows(w, caller, path, {"account": "no-such-account"})
            for ref in (w.acc[other]["id"], w.acc[other]["key"]):
                foreign, where = rows(w, caller, path, {"account": ref})
                assert sorted(x["id"] for x in foreign) == sorted(x["id"] for x in absent), where
                assert sorted(x["id"] for x in foreign) == sorted(x["id"] for x in missing), where
                assert all(x["account"] == w.acc[me]["id"] for x in foreign), where


def test_86_03_account_key_asking_about_the_other_account(world):
    """The two named cases: GET /v1/accounts/{B}/entitlements and POST /v1/evaluate about B
    with A's key are 404, as for an account that does not exist; B's usage and seats are
    untouched by A's attempts."""
    w = world
    a_key = w.clients["account-A"]
    b = w.acc["B"]
    before = w.api.post("/v1/evaluate", {"account": b["id"], "features": [
        w.met["key"], w.seat["key"]]}).json()["entitlements"]
    for ref in (b["id"], b["key"]):
        problem(a_key.get(f"/v1/accounts/{ref}/entitlements"), 404, "not_found")
        problem(a_key.post("/v1/evaluate", {"account": ref, "features": [w.sw["key"]]}), 404,
                "not_found")
        problem(a_key.post("/v1/usage", {"account": ref, "feature": w.met["key"],
                                         "amount": 5}), 404, "not_found")
        problem(a_key.post("/v1/activations", {"account": ref, "feature": w.seat["key"],
                                               "fingerprint": unique("fp")}), 404, "not_found")
        problem(a_key.post("/v1/activations", {"activation_id": w.ent["B"]["activation_id"],
                                               "fingerprint": unique("fp")}), 404, "not_found")
        problem(a_key.get("/v1/usage", params=series_params(w, "B")), 404, "not_found")
    r = a_key.post("/v1/usage/batch", {"events": [
        {"account": b["id"], "feature": w.met["key"], "amount": 5},
        {"account": NOWHERE, "feature": w.met["key"], "amount": 5}]})
    assert r.status_code == 200, r.text
    foreign, absent = r.json()["results"]
    assert foreign["status"] == absent["status"] == 404, r.text
    assert shape(foreign) == shape(absent), r.text
    after = w.api.post("/v1/evaluate", {"account": b["id"], "features": [
        w.met["key"], w.seat["key"]]}).json()["entitlements"]
    assert [e["usage"] for e in after] == [e["usage"] for e in before]
    # An evaluation that leaves the account out means the key's own account.
    r = a_key.post("/v1/evaluate", {"features": [w.sw["key"]]})
    assert r.status_code == 200 and r.json()["account"] == w.acc["A"]["id"], r.text
    # A's key names A's own child account: another account, so 404 too.
    problem(a_key.get(f"/v1/accounts/{w.child['A']['id']}"), 404, "not_found")


def test_86_04_the_matrix_objects_are_intact(world):
    """After the matrix: the standing objects of A and B are as they were made (nothing a
    refused request sent changed them)."""
    w = world
    for o in ("A", "B"):
        assert w.api.get(f"/v1/accounts/{w.acc[o]['id']}").status_code == 200
        e = w.api.get(f"/v1/entitlements/{w.ent[o]['id']}").json()
        assert e["status"] == "active" and e["account"] == w.acc[o]["id"]
        act = w.api.get(f"/v1/activations/{w.act[o]['id']}").json()
        assert act["status"] == "active" and act["account"] == w.acc[o]["id"]
        lease = w.api.get(f"/v1/leases/{w.lease[o]['id']}").json()
        assert lease["valid_until"] == w.lease[o]["valid_until"]
        k = w.clients[f"account-{o}"].get(f"/v1/accounts/{w.acc[o]['id']}")
        assert k.status_code == 200, "the account key still works"
    assert w.api.get(f"/v1/features/{w.sw['id']}").json()["name"] == w.sw["name"]
    assert w.api.get(f"/v1/products/{w.prod['id']}").json()["name"] == w.prod["name"]
    assert uuid.UUID(w.acc["A"]["id"]).version == 7
