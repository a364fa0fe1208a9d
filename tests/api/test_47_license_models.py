# SPDX-License-Identifier: MIT
"""The license model of seed 004 (issue 17, point 12): its name (licenseModelName) finds the
products that use it, and a license may be issued with the serial number the license model
gives it at entitlement time (serialNumber): kept as the license's serial and its JWS's jti,
unique, found by it, kept on renewal; account keys may not choose one. The license model's
custom attributes are test_46's."""
import base64
import json

import pytest

from client import problem, unique
from helpers import granting_product


def claims(token):
    """The claims of a compact JWS, unverified (the signature is test_96's)."""
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def licensed_account(api, **model):
    product = granting_product(api, license_model=dict({"self_service": True}, **model))
    acc = api.make_account()
    r = api.post("/v1/orders", {"account": acc["id"], "activate": True,
                                "items": [{"product": product["key"]}]})
    assert r.status_code == 201, r.text
    return product, acc


def test_47_01_products_are_found_by_their_license_models_name(api):
    name = unique("Model")
    a = api.make_product(license_model={"name": name})
    b = api.make_product(license_model={"name": name, "issuer": "other"})
    api.make_product(license_model={"name": name + "-x"})
    got = api.get(f"/v1/products?license_model={name}&limit=100").json()["data"]
    assert [p["id"] for p in got] == [a["id"], b["id"]]
    assert api.get(f"/v1/products?license_model={unique('none')}").json()["total_count"] == 0


def test_47_02_a_license_takes_the_serial_number_given(api):
    """Seed 004: serialNumber, the serial number of the license: given at issue it is the
    license's serial and its token's jti; it reads the license; renewal keeps it."""
    name = unique("Model")
    _, acc = licensed_account(api, name=name, issuer="acme", serial_number_prefix="PRO")
    serial = unique("SN-2026")
    r = api.post("/v1/licenses", {"account": acc["id"], "serial_number": serial})
    assert r.status_code == 201, r.text
    lic = r.json()
    assert lic["serial_number"] == serial
    c = claims(lic["token"])
    assert c["jti"] == serial and c["license_model"]["name"] == name
    assert c["license_model"]["serial_number"] == serial
    assert api.get(f"/v1/licenses/{serial}").json()["id"] == lic["id"]
    r = api.post(f"/v1/licenses/{lic['id']}/renew")
    assert r.status_code == 200, r.text
    assert r.json()["serial_number"] == serial and claims(r.json()["token"])["jti"] == serial
    drawn = api.post("/v1/licenses", {"account": acc["id"]}).json()
    assert drawn["serial_number"].startswith("PRO-")


def test_47_03_a_taken_serial_number_is_409_and_issues_nothing(api):
    _, acc = licensed_account(api, name=unique("Model"))
    serial = unique("SN")
    first = api.post("/v1/licenses", {"account": acc["id"], "serial_number": serial}).json()
    before = api.get(f"/v1/licenses?account={acc['id']}").json()["total_count"]
    for taken in (serial, first["id"]):
        problem(api.post("/v1/licenses", {"account": acc["id"], "serial_number": taken}), 409,
                "conflict")
    assert api.get(f"/v1/licenses?account={acc['id']}").json()["total_count"] == before


@pytest.mark.parametrize("serial", ["has space", "x" * 65, "", 12])
def test_47_04_bad_serial_numbers_are_422(api, serial):
    _, acc = licensed_account(api, name=unique("Model"))
    problem(api.post("/v1/licenses", {"account": acc["id"], "serial_number": serial}), 422,
            "validation_failed", field="serial_number")
    assert api.get(f"/v1/licenses?account={acc['id']}").json()["total_count"] == 0


def test_47_05_account_keys_may_not_choose_a_serial_number(api):
    """Self-service licenses (an account key) take a drawn serial; choosing one is the
    vendor's."""
    _, acc = licensed_account(api, name=unique("Model"))
    own = api.with_key(api.make_key("account", acc["id"])["key"])
    problem(own.post("/v1/licenses", {"serial_number": unique("SN")}), 422,
            "validation_failed", field="serial_number")
    assert own.post("/v1/licenses", {}).status_code == 201
