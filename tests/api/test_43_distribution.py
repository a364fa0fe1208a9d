# SPDX-License-Identifier: MIT
"""The distribution chain of seed 004 (issue 17, point 7): accounts' partner tier, an entitlement
moving from a publisher to a channel partner to an end customer (POST
/v1/entitlements/{id}/transfer, whole or split), the owners each entitlement lists in order with
current_owner, evaluate counting it for its current owner alone, the audit, and two transfers of
the same entitlement at once moving no quantity twice."""
import threading

import pytest

from client import problem, unique
from helpers import events_since, granting_product, last_event_id, seats_feature


def evaluate(api, account, feature):
    r = api.post("/v1/evaluate", {"account": account, "features": [feature["key"]]})
    assert r.status_code == 200, r.text
    return r.json()["entitlements"][0]


def chain(api):
    """A publisher, a first-tier channel partner and an end customer."""
    publisher = api.make_account(type="publisher", partner_tier="partner_tier_one")
    partner = api.make_account(type="channel_partner", partner_tier="partner_tier_one",
                               contact_email="sales@partner.example")
    customer = api.make_account(type="customer")
    return publisher, partner, customer


def grant(api, account, product, **fields):
    body = {"account": account, "product": product}
    body.update(fields)
    r = api.post("/v1/entitlements", body)
    assert r.status_code == 201, r.text
    return r.json()


def transfer(api, entitlement, account, **fields):
    body = {"account": account}
    body.update(fields)
    return api.post(f"/v1/entitlements/{entitlement}/transfer", body)


# --------------------------------------------------------------------------------------------
# Partner tiers
# --------------------------------------------------------------------------------------------

def test_43_01_partner_tier_defaults_to_end_customer_and_is_kept(api):
    """Seed 004: an account's partnerTierName is END_CUSTOMER or PARTNER_TIER_ONE."""
    a = api.make_account()
    assert a["partner_tier"] == "end_customer"
    b = api.make_account(type="channel_partner", partner_tier="partner_tier_one")
    assert b["partner_tier"] == "partner_tier_one"
    assert api.get(f"/v1/accounts/{b['key']}").json()["partner_tier"] == "partner_tier_one"
    r = api.patch(f"/v1/accounts/{a['id']}", {"partner_tier": "partner_tier_one"})
    assert r.status_code == 200, r.text
    assert r.json()["partner_tier"] == "partner_tier_one" and r.json()["name"] == a["name"]


def test_43_02_list_filters_by_partner_tier(api):
    b = api.make_account(type="channel_partner", partner_tier="partner_tier_one",
                         name=unique("Tier"))
    api.make_account(name=b["name"])
    got = api.get(f"/v1/accounts?partner_tier=partner_tier_one&search={b['name']}").json()
    assert [a["id"] for a in got["data"]] == [b["id"]]
    got = api.get(f"/v1/accounts?partner_tier=end_customer&search={b['name']}").json()
    assert got["total_count"] == 1 and got["data"][0]["id"] != b["id"]


@pytest.mark.parametrize("method", ["post", "patch"])
def test_43_03_bad_partner_tiers_are_422_naming_the_field(api, method):
    a = api.make_account()
    if method == "post":
        r = api.post("/v1/accounts", {"key": unique("a"), "name": "A", "partner_tier": "gold"})
    else:
        r = api.patch(f"/v1/accounts/{a['id']}", {"partner_tier": "gold"})
    problem(r, 422, "validation_failed", field="partner_tier")
    assert api.get(f"/v1/accounts/{a['id']}").json() == a
    problem(api.get("/v1/accounts?partner_tier=gold"), 422, "validation_failed",
            field="partner_tier")
