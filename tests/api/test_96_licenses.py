# SPDX-License-Identifier: MIT
"""Signed licenses (issue 13): signing keys and the JWK Set, licenses issued as compact JWS
(alg EdDSA) carrying evaluate's answers, node-locked seats, revoke / validate / renew, audit
events, bad input on every route, and verification by a library no one here wrote: Debian's
python3-jwt (PyJWT). Each refusal the issue names (one changed byte, alg none, HS256 with the
public key as secret, an unknown kid, an expired exp, another fingerprint) is shown refused by
PyJWT, by POST /v1/licenses/validate and by `entitled license verify` (the C library).

The daemon's clock cannot be moved from here: an expired license is one whose grants end a few
seconds after it is issued (a license never outlives its grants), and the test waits for it."""
import base64
import json
import os
import subprocess
import time
from datetime import datetime, timedelta, timezone

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt import PyJWKSet

from client import problem, unique
from conftest import BIN

NOWHERE = "0190a0b4-0000-7000-8000-000000000000"


# ---------------------------------------------------------------------------------------------
# helpers


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(obj):
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


def parts(token):
    h, p, s = token.split(".")
    pad = lambda x: x + "=" * (-len(x) % 4)  # noqa: E731
    return (json.loads(base64.urlsafe_b64decode(pad(h))),
            json.loads(base64.urlsafe_b64decode(pad(p))), s)


def jwks(anon):
    r = anon.get("/.well-known/jwks.json")
    assert r.status_code == 200, r.text
    return r.json()


def pyjwt_verify(anon, token, **kw):
    """Verifies token as a client of the JWK Set would, with PyJWT: the key of its kid."""
    keyset = PyJWKSet.from_dict(jwks(anon))
    kid = jwt.get_unverified_header(token).get("kid")
    key = keyset[kid]  # KeyError: unknown kid
    return jwt.decode(token, key.key, algorithms=["EdDSA"],
                      options={"require": ["exp", "iat", "nbf", "jti", "sub"]}, **kw)


def setup_vendor(api, self_service=True, prefix="PRO"):
    """A seat feature (5 or 20 users, activations on), a metered feature (monthly), a product
    with a license model granting 20 seats, an account holding it and 1000 calls a month."""
    seats = api.make_feature(type="quantity", unit="user", activations_enabled=True,
                             levels=[{"value": "5"}, {"value": "20"}])
    calls = api.make_feature(type="metered", unit="call", reset_period="month")
    product = api.make_product(
        name="Pro", entitlements=[{"feature": seats["key"], "value": "20"}],
        license_model={"name": "Pro node-locked", "issuer": "acme-vendor",
                       "vendor_string": "VS-1", "notice": "(c) Acme",
                       "serial_number_prefix": prefix, "self_service": self_service})
    acc = api.make_account(name="Acme Inc.")
    r = api.post("/v1/orders", {"account": acc["id"], "activate": True,
                                "items": [{"product": product["key"]}]})
    assert r.status_code == 201, r.text
    r = api.post("/v1/entitlements", {"account": acc["id"], "feature": calls["key"],
                                      "value": "1000"})
    assert r.status_code == 201, r.text
    return {"seats": seats, "calls": calls, "product": product, "account": acc}


def issue(api, status=201, **body):
    r = api.post("/v1/licenses", body)
    assert r.status_code == status, r.text
    return r.json()


def validate(api, token, fingerprint=None):
    body = {"token": token}
    if fingerprint is not None:
        body["fingerprint"] = fingerprint
    r = api.post("/v1/licenses/validate", body)
    assert r.status_code == 200, r.text
    return r.json()


def refused(api, token):
    """validate's refusal of a forged token: 200 with a verdict that is not valid when the token
    still names its license, else 404 (the token names no license)."""
    r = api.post("/v1/licenses/validate", {"token": token})
    if r.status_code == 404:
        problem(r, 404, "not_found")
        return "not_found"
    assert r.status_code == 200, r.text
    assert r.json()["valid"] is False and r.json()["claims"] is None, r.text
    return r.json()["status"]


def cli_verify(daemon, anon, token, *args, tmp_path):
    """`entitled license verify` over the token with the daemon's JWK Set: (exit code, out)."""
    lic = tmp_path / f"{unique('lic')}.lic"
    lic.write_text(token + "\n")
    keys = tmp_path / "jwks.json"
    keys.write_text(json.dumps(jwks(anon)))
    r = subprocess.run([BIN, "license", "verify", str(lic), "--jwks", str(keys), *args],
                       capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout + r.stderr


def events_of(api, object_id, type_):
    r = api.get(f"/v1/events?type={type_}&limit=100")
    assert r.status_code == 200, r.text
    return [e for e in r.json()["data"] if e["object"] == object_id]


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


# ---------------------------------------------------------------------------------------------
# signing keys and the JWK Set


def test_96_01_jwks_is_public_cacheable_ed25519(anon):
    r = anon.get("/.well-known/jwks.json")
    assert r.status_code == 200
    assert "max-age" in r.headers["Cache-Control"] and "public" in r.headers["Cache-Control"]
    keys = r.json()["keys"]
    assert keys
    for k in keys:
        assert (k["kty"], k["crv"], k["alg"], k["use"]) == ("OKP", "Ed25519", "EdDSA", "sig")
        assert len(base64.urlsafe_b64decode(k["x"] + "=")) == 32
        assert "d" not in k  # never the private half


def test_96_02_signing_keys_list_and_scopes(api, anon):
    r = api.get("/v1/signing-keys")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == len(body["data"]) >= 1
    assert sum(1 for k in body["data"] if k["current"]) == 1
    problem(anon.get("/v1/signing-keys"), 401, "unauthorized")
    acc = api.make_account()
    key = api.make_key("account", acc["id"])["key"]
    problem(api.with_key(key).get("/v1/signing-keys"), 403, "forbidden")
    read = api.make_key("read")["key"]
    assert api.with_key(read).get("/v1/signing-keys").status_code == 200
    problem(api.with_key(read).post("/v1/signing-keys"), 403, "forbidden")
    problem(api.with_key(key).post("/v1/signing-keys"), 403, "forbidden")
    problem(api.post("/v1/signing-keys", {"nope": 1}), 422, "validation_failed", "nope")


def test_96_03_rotation_keeps_old_keys_published_while_licenses_live(api, anon):
    v = setup_vendor(api)
    lic = issue(api, account=v["account"]["id"], ttl_seconds=3600)
    old_kid = lic["kid"]
    r = api.post("/v1/signing-keys")
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["current"] and new["kid"] != old_kid
    kids = {k["kid"] for k in jwks(anon)["keys"]}
    assert {old_kid, new["kid"]} <= kids
    # The old license still verifies with the published keys; new ones use the new key.
    assert pyjwt_verify(anon, lic["token"])["jti"] == lic["serial_number"]
    lic2 = issue(api, account=v["account"]["id"])
    assert lic2["kid"] == new["kid"]
    listed = {k["kid"]: k for k in api.get("/v1/signing-keys").json()["data"]}
    assert listed[old_kid]["current"] is False and listed[old_kid]["published"] is True
    assert listed[old_kid]["retired_at"] and listed[old_kid]["published_until"]
    assert len(api.get("/v1/events?type=signing_key.rotated&limit=100").json()["data"]) >= 1


def test_96_04_retired_key_without_live_licenses_drops_out(new_daemon):
    d = new_daemon(admin_key="test-admin-" + os.urandom(20).hex())
    from client import Client
    api, anon = Client(d.url, d.admin_key), Client(d.url, None)
    first = jwks(anon)["keys"]
    assert len(first) == 1
    assert api.post("/v1/signing-keys").status_code == 201
    second = jwks(anon)["keys"]
    assert len(second) == 1 and second[0]["kid"] != first[0]["kid"]


# ---------------------------------------------------------------------------------------------
# issue and read


def test_96_10_issue_claims_verified_by_pyjwt(api, anon):
    v = setup_vendor(api)
    acc = v["account"]
    api.post("/v1/usage", {"account": acc["id"], "feature": v["calls"]["key"], "amount": 7})
    lic = issue(api, account=acc["key"], ttl_seconds=7200)
    assert lic["status"] == "active" and lic["revoked_at"] is None
    assert lic["serial_number"].startswith("PRO-")
    header, _, _ = parts(lic["token"])
    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": lic["kid"]}
    c = pyjwt_verify(anon, lic["token"])
    assert c["iss"] == "acme-vendor" and c["sub"] == acc["id"] and c["jti"] == lic["serial_number"]
    assert c["exp"] - c["iat"] == 7200 and c["nbf"] == c["iat"]
    assert c["account"] == {"id": acc["id"], "key": acc["key"], "name": "Acme Inc."}
    assert c["license_model"] == {"name": "Pro node-locked", "issuer": "acme-vendor",
                                  "vendor_string": "VS-1", "notice": "(c) Acme",
                                  "serial_number": lic["serial_number"]}
    assert [p["key"] for p in c["products"]] == [v["product"]["key"]]
    assert len(c["activation_ids"]) == 2 and all(a.startswith("ACT-") for a in c["activation_ids"])
    assert c["fingerprint"] is None and c["license"] == lic["id"]
    seats = c["entitlements"][v["seats"]["key"]]
    assert seats == {"value": True, "type": "quantity", "level": "20", "limit": 20,
                     "unlimited": False, "expires_at": None, "reason": "granted"}
    calls = c["entitlements"][v["calls"]["key"]]
    assert calls["limit"] == 1000 and calls["allowance"]["reset_period"] == "month"
    assert calls["allowance"]["usage"] == 7 and calls["allowance"]["limit"] == 1000
    start = datetime.fromtimestamp(calls["allowance"]["window_start"], timezone.utc)
    assert start.day == 1 and start.hour == 0
    # The same answer evaluate gives.
    ev = api.post("/v1/evaluate", {"account": acc["id"], "features": [v["seats"]["key"]]}).json()
    assert ev["entitlements"][0]["level"] == seats["level"]


def test_96_11_read_never_resigns_and_lists(api):
    v = setup_vendor(api)
    lic = issue(api, account=v["account"]["id"], features=[v["seats"]["key"]])
    assert lic["features"] == [v["seats"]["key"]]
    got = api.get(f"/v1/licenses/{lic['id']}").json()
    assert got["token"] == lic["token"]
    assert api.get(f"/v1/licenses/{lic['serial_number']}").json()["id"] == lic["id"]
    page = api.get(f"/v1/licenses?account={v['account']['key']}").json()
    assert [x["id"] for x in page["data"]] == [lic["id"]]
    assert api.get(f"/v1/licenses?account={v['account']['id']}&status=active").json()["count"] == 1
    assert api.get(f"/v1/licenses?account={v['account']['id']}&status=revoked").json()["count"] == 0
    problem(api.get("/v1/licenses?status=nope"), 422, "validation_failed")
    problem(api.get(f"/v1/licenses/{NOWHERE}"), 404, "not_found")
    problem(api.get("/v1/licenses/LIC-NOPE-NOPE-NOPE"), 404, "not_found")


def test_96_12_download_as_file(api):
    v = setup_vendor(api)
    r = api.post("/v1/licenses?format=file", {"account": v["account"]["id"]})
    assert r.status_code == 201, r.text
    assert r.headers["Content-Type"] == "application/octet-stream"
    disp = r.headers["Content-Disposition"]
    assert disp.startswith("attachment;") and ".lic" in disp
    token = r.text.strip()
    assert token.count(".") == 2
    serial = parts(token)[1]["jti"]
    assert serial in disp
    r = api.get(f"/v1/licenses/{serial}", headers={"Accept": "application/octet-stream"})
    assert r.status_code == 200 and r.text.strip() == token


def test_96_13_lifetime_default_cap_and_bounds(api):
    v = setup_vendor(api)
    acc = v["account"]["id"]
    c = parts(issue(api, account=acc)["token"])[1]
    assert c["exp"] - c["iat"] == 30 * 86400  # the default
    problem(api.post("/v1/licenses", {"account": acc, "ttl_seconds": 3599}), 422,
            "validation_failed", "ttl")
    problem(api.post("/v1/licenses", {"account": acc, "ttl_seconds": 366 * 86400}), 422,
            "validation_failed", "ttl")
    soon = iso(datetime.now(timezone.utc) + timedelta(minutes=10))
    problem(api.post("/v1/licenses", {"account": acc, "expires_at": soon}), 422,
            "validation_failed", "expires_at")
    later = datetime.now(timezone.utc) + timedelta(days=2)
    c = parts(issue(api, account=acc, expires_at=iso(later))["token"])[1]
    assert abs(c["exp"] - later.timestamp()) < 2
    problem(api.post("/v1/licenses", {"account": acc, "ttl_seconds": 7200,
                                      "expires_at": iso(later)}), 422, "validation_failed")
    # Capped by the grants' own end.
    acc2 = api.make_account()
    f = api.make_feature(type="switch")
    end = datetime.now(timezone.utc) + timedelta(days=3)
    api.post("/v1/entitlements", {"account": acc2["id"], "feature": f["key"], "value": "true",
                                  "end_date": iso(end)})
    c = parts(issue(api, account=acc2["id"], ttl_seconds=30 * 86400)["token"])[1]
    assert abs(c["exp"] - end.timestamp()) < 2
    assert c["entitlements"][f["key"]]["expires_at"] == c["exp"]


def test_96_14_bad_inputs(api):
    v = setup_vendor(api)
    acc = v["account"]["id"]
    problem(api.post("/v1/licenses", {}), 422, "validation_failed", "account")
    problem(api.post("/v1/licenses", {"account": "nope-" + unique("x")}), 422,
            "validation_failed", "account")
    problem(api.post("/v1/licenses", {"account": acc, "bogus": 1}), 422, "validation_failed",
            "bogus")
    problem(api.post("/v1/licenses", {"account": acc, "features": []}), 422, "validation_failed",
            "features")
    problem(api.post("/v1/licenses", {"account": acc, "features": ["nope-feature"]}), 422,
            "validation_failed", "features[0]")
    problem(api.post("/v1/licenses", {"account": acc, "features": [1]}), 422,
            "validation_failed", "features[0]")
    problem(api.post("/v1/licenses", {"account": acc, "fingerprint": "m"}), 422,
            "validation_failed", "fingerprint")
    problem(api.post("/v1/licenses", {"account": acc, "feature": v["seats"]["key"]}), 422,
            "validation_failed", "feature")
    problem(api.post("/v1/licenses", {"account": acc, "fingerprint": "a\u0001b",
                                      "feature": v["seats"]["key"]}), 422,
            "validation_failed", "fingerprint")
    problem(api.post("/v1/licenses", {"account": acc, "activation": NOWHERE}), 422,
            "validation_failed", "activation")
    problem(api.post("/v1/licenses", {"account": acc, "activation": NOWHERE, "fingerprint": "m"}),
            422, "validation_failed", "activation")
    problem(api.post("/v1/licenses", {"account": acc, "ttl_seconds": "long"}), 422,
            "validation_failed", "ttl_seconds")
    problem(api.post("/v1/licenses", raw="{"), 400, "invalid_json")
    problem(api.post("/v1/licenses", raw="x", headers={"Content-Type": "text/plain"}), 415,
            "unsupported_media_type")
    problem(api.request("PUT", "/v1/licenses", {"account": acc}), 405, "method_not_allowed")
    problem(api.post("/v1/licenses/validate", {}), 422, "validation_failed", "token")
    problem(api.post("/v1/licenses/validate", {"token": "x", "extra": 1}), 422,
            "validation_failed", "extra")
    problem(api.post(f"/v1/licenses/{NOWHERE}/renew"), 404, "not_found")
    problem(api.delete(f"/v1/licenses/{NOWHERE}"), 404, "not_found")
    # Nothing was issued by the refusals.
    assert api.get(f"/v1/licenses?account={acc}").json()["count"] == 0


def test_96_15_product_license_model_validated(api):
    problem(api.post("/v1/products", {"key": unique("p"), "name": "P",
                                      "category": "other",
                                      "license_model": {"serial_number_prefix": "lower"}}),
            422, "validation_failed", "license_model.serial_number_prefix")
    problem(api.post("/v1/products", {"key": unique("p"), "name": "P", "category": "other",
                                      "license_model": {"self_service": "yes"}}),
            422, "validation_failed", "license_model.self_service")
    p = api.make_product(license_model={"name": "Floating", "serial_number_prefix": "FL2"})
    assert p["license_model"]["name"] == "Floating"
    assert p["license_model"]["serial_number_prefix"] == "FL2"
    assert p["license_model"]["self_service"] is False


def test_96_16_keys_and_isolation(api, anon):
    v = setup_vendor(api)
    other = setup_vendor(api, self_service=False)
    acc, acc2 = v["account"], other["account"]
    own = api.with_key(api.make_key("account", acc["id"])["key"])
    lic = issue(own)  # self-service: its own account, account left out
    assert lic["account"] == acc["id"]
    problem(own.post("/v1/licenses", {"account": acc2["id"]}), 404, "not_found")
    problem(api.with_key(api.make_key("account", acc2["id"])["key"]).post("/v1/licenses", {}),
            403, "forbidden")
    read = api.with_key(api.make_key("read")["key"])
    problem(read.post("/v1/licenses", {"account": acc["id"]}), 403, "forbidden")
    problem(anon.post("/v1/licenses", {"account": acc["id"]}), 401, "unauthorized")
    lic2 = issue(api, account=acc2["id"])
    problem(own.get(f"/v1/licenses/{lic2['id']}"), 404, "not_found")
    problem(own.delete(f"/v1/licenses/{lic2['id']}"), 404, "not_found")
    problem(own.post(f"/v1/licenses/{lic2['id']}/renew"), 404, "not_found")
    problem(own.post("/v1/licenses/validate", {"token": lic2["token"]}), 404, "not_found")
    assert {x["id"] for x in own.get("/v1/licenses").json()["data"]} == {lic["id"]}
    assert read.get(f"/v1/licenses/{lic2['id']}").status_code == 200
    problem(read.delete(f"/v1/licenses/{lic2['id']}"), 403, "forbidden")
    assert validate(own, lic["token"])["valid"] is True


# ---------------------------------------------------------------------------------------------
# node-locked licenses


def test_96_20_node_locked_takes_a_seat_like_an_activation(api, anon):
    v = setup_vendor(api)
    acc, seats = v["account"], v["seats"]
    lic = issue(api, account=acc["id"], fingerprint="host-1", feature=seats["key"])
    assert lic["fingerprint"] == "host-1" and lic["activation"]
    act = api.get(f"/v1/activations/{lic['activation']}").json()
    assert act["fingerprint"] == "host-1" and act["status"] == "active"
    assert pyjwt_verify(anon, lic["token"])["fingerprint"] == "host-1"
    # The same fingerprint again is the same seat.
    lic2 = issue(api, account=acc["id"], fingerprint="host-1", feature=seats["key"])
    assert lic2["activation"] == lic["activation"]
    ev = api.post("/v1/evaluate", {"account": acc["id"], "features": [seats["key"]]}).json()
    assert ev["entitlements"][0]["usage"] == 1
    # Bound to an existing activation.
    lic3 = issue(api, account=acc["id"], activation=lic["activation"])
    assert lic3["fingerprint"] == "host-1"


def test_96_21_node_locked_refused_when_no_seat_is_free(api):
    acc = api.make_account()
    f = api.make_feature(type="quantity", unit="user", activations_enabled=True,
                         levels=[{"value": "1"}, {"value": "5"}])
    api.post("/v1/entitlements", {"account": acc["id"], "feature": f["key"], "value": "1"})
    issue(api, account=acc["id"], fingerprint="a", feature=f["key"])
    problem(api.post("/v1/licenses", {"account": acc["id"], "fingerprint": "b",
                                      "feature": f["key"]}), 409, "seat_limit_reached")
    assert api.get(f"/v1/licenses?account={acc['id']}").json()["count"] == 1


def test_96_21b_a_refused_issue_leaves_no_seat_taken(api):
    """The seat is taken before the license's claims are gathered: when they are refused (a
    feature asked that the account is not granted), the seat goes back, and the only seat of
    the scope is free for the next machine (before: it stayed taken by the refused issue)."""
    acc = api.make_account()
    f = api.make_feature(type="quantity", unit="user", activations_enabled=True,
                         levels=[{"value": "1"}, {"value": "5"}])
    api.post("/v1/entitlements", {"account": acc["id"], "feature": f["key"], "value": "1"})
    r = api.post("/v1/licenses", {"account": acc["id"], "fingerprint": "a", "feature": f["key"],
                                  "features": ["no-such-feature-" + unique("x")]})
    assert r.status_code == 422, r.text
    live = [a for a in api.get(f"/v1/activations?account={acc['id']}").json()["data"]
            if a["status"] == "active"]
    assert live == [], live
    lic = issue(api, account=acc["id"], fingerprint="b", feature=f["key"])
    assert lic["fingerprint"] == "b"


def test_96_22_entitlement_seat_by_activation_id(api):
    v = setup_vendor(api)
    ent = api.get(f"/v1/entitlements?account={v['account']['id']}&product="
                  f"{v['product']['key']}").json()["data"][0]
    lic = issue(api, account=v["account"]["id"], fingerprint="box",
                activation_id=ent["activation_id"])
    act = api.get(f"/v1/activations/{lic['activation']}").json()
    assert act["activation_id"] == ent["activation_id"]
    other = api.make_account()
    problem(api.post("/v1/licenses", {"account": other["id"], "fingerprint": "box2",
                                      "activation_id": ent["activation_id"]}), 422,
            "validation_failed", "activation_id")


def test_96_23_deactivation_revokes_bound_licenses(api):
    v = setup_vendor(api)
    lic = issue(api, account=v["account"]["id"], fingerprint="h", feature=v["seats"]["key"])
    free = issue(api, account=v["account"]["id"])
    r = api.delete(f"/v1/activations/{lic['activation']}")
    assert r.status_code == 200, r.text
    assert api.get(f"/v1/licenses/{lic['id']}").json()["status"] == "revoked"
    assert api.get(f"/v1/licenses/{free['id']}").json()["status"] == "active"
    assert validate(api, lic["token"])["status"] == "revoked"
    assert len(events_of(api, lic["id"], "license.revoked")) == 1
    problem(api.post(f"/v1/licenses/{lic['id']}/renew"), 409, "conflict")
    problem(api.post("/v1/licenses", {"account": v["account"]["id"],
                                      "activation": lic["activation"]}), 422,
            "validation_failed", "activation")


# ---------------------------------------------------------------------------------------------
# revoke, validate, renew, events


def test_96_30_revoke_validate_and_events(api):
    v = setup_vendor(api)
    lic = issue(api, account=v["account"]["id"])
    assert len(events_of(api, lic["id"], "license.issued")) == 1
    check = validate(api, lic["token"])
    assert check["valid"] is True and check["status"] == "valid"
    assert check["license"]["id"] == lic["id"] and check["claims"]["jti"] == lic["serial_number"]
    r = api.delete(f"/v1/licenses/{lic['id']}")
    assert r.status_code == 200 and r.json()["status"] == "revoked" and r.json()["revoked_at"]
    again = api.delete(f"/v1/licenses/{lic['id']}")
    assert again.json()["revoked_at"] == r.json()["revoked_at"]
    assert len(events_of(api, lic["id"], "license.revoked")) == 1
    check = validate(api, lic["token"])
    assert check["valid"] is False and check["status"] == "revoked"
    assert api.get(f"/v1/licenses?account={v['account']['id']}&status=revoked").json()[
        "count"] == 1
    problem(api.post(f"/v1/licenses/{lic['id']}/renew"), 409, "conflict")


def test_96_31_renew_reissues_same_binding(api, anon):
    v = setup_vendor(api)
    lic = issue(api, account=v["account"]["id"], fingerprint="r1", feature=v["seats"]["key"],
                ttl_seconds=3600)
    time.sleep(1.1)
    r = api.post(f"/v1/licenses/{lic['id']}/renew")
    assert r.status_code == 200, r.text
    ren = r.json()
    assert ren["serial_number"] == lic["serial_number"] and ren["renew_count"] == 1
    assert ren["token"] != lic["token"] and ren["activation"] == lic["activation"]
    old, new = pyjwt_verify(anon, lic["token"]), pyjwt_verify(anon, ren["token"])
    assert new["iat"] > old["iat"] and new["exp"] - new["iat"] == 3600
    assert new["fingerprint"] == "r1"
    assert len(events_of(api, lic["id"], "license.renewed")) == 1
    problem(api.post(f"/v1/licenses/{lic['id']}/renew", {"x": 1}), 422, "validation_failed", "x")
    # The account's activation count did not move.
    assert len(api.get(f"/v1/activations?account={v['account']['id']}").json()["data"]) == 1


def test_96_32_idempotent_issue(api):
    v = setup_vendor(api)
    key = unique("idem")
    body = {"account": v["account"]["id"]}
    a = api.post("/v1/licenses", body, headers={"Idempotency-Key": key})
    b = api.post("/v1/licenses", body, headers={"Idempotency-Key": key})
    assert a.status_code == b.status_code == 201
    assert b.headers.get("Idempotent-Replayed") == "true" and a.json() == b.json()
    assert api.get(f"/v1/licenses?account={v['account']['id']}").json()["count"] == 1


# ---------------------------------------------------------------------------------------------
# refusals: PyJWT, validate, and the C library (entitled license verify) agree


@pytest.fixture
def signed(api):
    v = setup_vendor(api)
    lic = issue(api, account=v["account"]["id"], fingerprint="fp-1", feature=v["seats"]["key"],
                ttl_seconds=7200)
    return lic


def test_96_40_genuine_accepted_everywhere(api, anon, daemon, signed, tmp_path):
    assert pyjwt_verify(anon, signed["token"])["fingerprint"] == "fp-1"
    assert validate(api, signed["token"], "fp-1")["status"] == "valid"
    rc, out = cli_verify(daemon, anon, signed["token"], "--fingerprint", "fp-1",
                         tmp_path=tmp_path)
    assert rc == 0, out
    assert "valid" in out and signed["serial_number"] in out


@pytest.mark.parametrize("where", ["header", "claims", "signature"])
def test_96_41_one_changed_byte_refused(api, anon, daemon, signed, tmp_path, where):
    token = signed["token"]
    i = {"header": 5, "claims": token.index(".") + 20, "signature": token.rindex(".") + 10}[where]
    tampered = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]
    with pytest.raises(jwt.PyJWTError):
        pyjwt_verify(anon, tampered)
    assert refused(api, tampered) in ("bad_signature", "not_found")
    rc, out = cli_verify(daemon, anon, tampered, tmp_path=tmp_path)
    assert rc != 0, out


def test_96_42_alg_none_refused(api, anon, daemon, signed, tmp_path):
    header, claims, _ = parts(signed["token"])
    forged = b64url_json({"alg": "none", "typ": "JWT", "kid": header["kid"]}) + "." + \
        b64url_json(claims) + "."
    with pytest.raises(jwt.PyJWTError):
        pyjwt_verify(anon, forged)
    check = validate(api, forged)
    assert check["status"] == "bad_signature" and check["claims"] is None
    assert check["license"]["id"] == signed["id"]  # the record its jti names
    rc, out = cli_verify(daemon, anon, forged, tmp_path=tmp_path)
    assert rc == 11, out  # bad_algorithm


def test_96_43_hs256_with_public_key_as_secret_refused(api, anon, daemon, signed, tmp_path):
    header, claims, _ = parts(signed["token"])
    x = next(k["x"] for k in jwks(anon)["keys"] if k["kid"] == header["kid"])
    forged = jwt.encode(claims, x.encode(), algorithm="HS256", headers={"kid": header["kid"]})
    with pytest.raises(jwt.PyJWTError):
        pyjwt_verify(anon, forged)
    assert validate(api, forged)["status"] == "bad_signature"
    rc, out = cli_verify(daemon, anon, forged, tmp_path=tmp_path)
    assert rc == 11, out


def test_96_44_unknown_kid_and_foreign_key_refused(api, anon, daemon, signed, tmp_path):
    _, claims, _ = parts(signed["token"])
    rogue = Ed25519PrivateKey.generate()
    forged = jwt.encode(claims, rogue, algorithm="EdDSA", headers={"kid": "rogue-kid"})
    with pytest.raises(KeyError):
        pyjwt_verify(anon, forged)
    assert validate(api, forged)["status"] == "bad_signature"
    rc, out = cli_verify(daemon, anon, forged, tmp_path=tmp_path)
    assert rc == 12, out  # unknown_key
    # A known kid with another key's signature.
    kid = parts(signed["token"])[0]["kid"]
    forged = jwt.encode(claims, rogue, algorithm="EdDSA", headers={"kid": kid})
    with pytest.raises(jwt.PyJWTError):
        pyjwt_verify(anon, forged)
    assert validate(api, forged)["status"] == "bad_signature"
    rc, out = cli_verify(daemon, anon, forged, tmp_path=tmp_path)
    assert rc == 13, out  # bad_signature


def test_96_45_other_fingerprint_refused(api, anon, daemon, signed, tmp_path):
    claims = pyjwt_verify(anon, signed["token"])
    assert claims["fingerprint"] != "fp-2"  # what a product compares with its own machine
    check = validate(api, signed["token"], "fp-2")
    assert check["valid"] is False and check["status"] == "fingerprint_mismatch"
    rc, out = cli_verify(daemon, anon, signed["token"], "--fingerprint", "fp-2",
                         tmp_path=tmp_path)
    assert rc == 16, out


def test_96_46_expired_refused(api, anon, daemon, tmp_path):
    acc = api.make_account()
    f = api.make_feature(type="switch")
    end = datetime.now(timezone.utc) + timedelta(seconds=3)
    r = api.post("/v1/entitlements", {"account": acc["id"], "feature": f["key"], "value": "true",
                                      "end_date": iso(end)})
    assert r.status_code == 201, r.text
    lic = issue(api, account=acc["id"], ttl_seconds=3600)
    assert pyjwt_verify(anon, lic["token"])  # valid now
    time.sleep(max(0.0, end.timestamp() - time.time()) + 1.2)
    with pytest.raises(jwt.ExpiredSignatureError):
        pyjwt_verify(anon, lic["token"])
    check = validate(api, lic["token"])
    assert check["status"] == "expired" and check["license"]["status"] == "expired"
    rc, out = cli_verify(daemon, anon, lic["token"], "--skew", "0", tmp_path=tmp_path)
    assert rc == 15, out
    # Within the default clock-skew allowance (300 s) the C library still accepts it; checked
    # at a time before its end (--at), too.
    rc, out = cli_verify(daemon, anon, lic["token"], tmp_path=tmp_path)
    assert rc == 0, out
    rc, out = cli_verify(daemon, anon, lic["token"], "--skew", "0", "--at",
                         str(int(end.timestamp()) - 2), tmp_path=tmp_path)
    assert rc == 0, out
    # A clock set back before the license was issued is refused (not yet valid).
    rc, out = cli_verify(daemon, anon, lic["token"], "--skew", "0", "--at",
                         str(int(end.timestamp()) - 3600), tmp_path=tmp_path)
    assert rc == 14, out


def test_96_47_tokens_that_name_no_license_are_404(api):
    for token in ["x", "a.b", "a.b.c.d", "....", "e30.e30.", "!!!.###.$$$"]:
        problem(api.post("/v1/licenses/validate", {"token": token}), 404, "not_found")
    # Well formed, signed by nobody we know, naming a serial that is not there.
    rogue = Ed25519PrivateKey.generate()
    forged = jwt.encode({"jti": "LIC-0000-0000-0000", "exp": int(time.time()) + 60}, rogue,
                        algorithm="EdDSA", headers={"kid": "x"})
    problem(api.post("/v1/licenses/validate", {"token": forged}), 404, "not_found")


# ---------------------------------------------------------------------------------------------
# the command line: signing-keys rotate|list, license verify --key


def test_96_50_cli_rotate_list_and_verify_with_a_key(new_daemon, tmp_path):
    from client import Client
    d = new_daemon(admin_key="test-admin-" + os.urandom(20).hex())
    api, anon = Client(d.url, d.admin_key), Client(d.url, None)
    before = jwks(anon)["keys"][0]["kid"]
    acc = api.make_account()
    lic = issue(api, account=acc["id"])
    run = lambda *a: subprocess.run([BIN, *a, "--store", d.store], capture_output=True,  # noqa
                                    text=True, timeout=60, cwd=d.workdir)
    r = run("signing-keys", "rotate")
    assert r.returncode == 0, r.stderr
    new_kid = r.stdout.strip()
    assert new_kid and new_kid != before
    r = run("signing-keys", "list")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith(new_kid) and "current" in lines[0]
    assert lines[1].startswith(before) and "retired, published" in lines[1]
    # The daemon signs with the key the command made; both verify from the published set.
    lic2 = issue(api, account=acc["id"])
    assert lic2["kid"] == new_kid
    assert {k["kid"] for k in jwks(anon)["keys"]} == {before, new_kid}
    x = next(k["x"] for k in jwks(anon)["keys"] if k["kid"] == new_kid)
    f = tmp_path / "l.lic"
    f.write_text(lic2["token"])
    r = subprocess.run([BIN, "license", "verify", str(f), "--key", x], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0 and "verdict: valid" in r.stdout, r.stdout + r.stderr
    f.write_text(lic["token"])  # signed by the old key: not this one
    r = subprocess.run([BIN, "license", "verify", str(f), "--key", x, "--kid", new_kid],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 12, r.stdout + r.stderr  # unknown_key
    r = subprocess.run([BIN, "license", "verify", str(f), "--key", x], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 13, r.stdout + r.stderr  # the kid trusted, the signature not
    r = subprocess.run([BIN, "license", "verify"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2


# ---------------------------------------------------------------------------------------------
# two daemons on one store: serials unique, node-locked seats exact


def test_96_60_two_daemons_unique_serials_and_exact_seats(new_daemon):
    from concurrent.futures import ThreadPoolExecutor

    from client import Client
    admin = "test-admin-" + os.urandom(20).hex()
    d1 = new_daemon(admin_key=admin)
    d2 = new_daemon(admin_key=admin, store=d1.store)
    a1, a2 = Client(d1.url, admin), Client(d2.url, admin)
    acc = a1.make_account()
    seat = a1.make_feature(type="quantity", unit="user", activations_enabled=True,
                           levels=[{"value": "3"}, {"value": "5"}])
    r = a1.post("/v1/entitlements", {"account": acc["id"], "feature": seat["key"], "value": "3"})
    assert r.status_code == 201, r.text

    def node_locked(i):
        c = (a1, a2)[i % 2]
        return c.post("/v1/licenses", {"account": acc["id"], "fingerprint": f"host-{i}",
                                       "feature": seat["key"]}, check=False)

    def floating(i):
        return (a1, a2)[i % 2].post("/v1/licenses", {"account": acc["id"]}, check=False)

    with ThreadPoolExecutor(max_workers=8) as pool:
        locked = list(pool.map(node_locked, range(12)))
        free = list(pool.map(floating, range(40)))
    codes = sorted(r.status_code for r in locked)
    assert codes.count(201) == 3 and codes.count(409) == 9, [r.text for r in locked]
    assert all(r.status_code == 201 for r in free), [r.text for r in free if r.status_code != 201]
    serials = [r.json()["serial_number"] for r in locked + free if r.status_code == 201]
    assert len(set(serials)) == len(serials) == 43
    live = a2.get(f"/v1/activations?account={acc['id']}&status=active").json()
    assert live["count"] == 3
