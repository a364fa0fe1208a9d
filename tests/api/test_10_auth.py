# SPDX-License-Identifier: MIT
"""Authentication and scopes (API.md "Conventions": 401, 403, 404 for other accounts)."""
from client import problem, unique


def test_10_01_no_key_is_401_with_www_authenticate(anon):
    r = anon.get("/v1/features")
    problem(r, 401, "unauthorized")
    assert r.headers["WWW-Authenticate"] == "Bearer"


def test_10_02_wrong_or_malformed_keys_are_401(api):
    for key in ["ent_admin_nope", "x" * 300, ""]:
        problem(api.with_key(key).get("/v1/features"), 401, "unauthorized")
    r = api.get("/v1/features", headers={"Authorization": "Basic dXNlcjpwdw=="})
    problem(r, 401, "unauthorized")


def test_10_03_read_key_reads_but_may_not_write(api):
    read = api.with_key(api.make_key("read")["key"])
    assert read.get("/v1/features").status_code == 200
    r = read.post("/v1/features", {"key": unique("f"), "name": "n", "type": "switch"})
    problem(r, 403, "forbidden")


def test_10_04_account_key_is_refused_on_the_catalog(api):
    acc = api.make_account()
    key = api.with_key(api.make_key("account", acc["id"])["key"])
    problem(key.get("/v1/features"), 403, "forbidden")
    problem(key.get("/v1/products"), 403, "forbidden")
    problem(key.get("/v1/keys"), 403, "forbidden")
    problem(key.get("/v1/events"), 403, "forbidden")


def test_10_05_account_key_sees_its_own_account_alone(api):
    """API.md: a key bound to one account asking about another: 404."""
    mine, other = api.make_account(), api.make_account()
    key = api.with_key(api.make_key("account", mine["key"])["key"])
    assert key.get(f"/v1/accounts/{mine['id']}").json()["id"] == mine["id"]
    assert key.get(f"/v1/accounts/{mine['key']}").status_code == 200
    missing = key.get("/v1/accounts/does-not-exist")
    foreign = key.get(f"/v1/accounts/{other['id']}")
    problem(foreign, 404, "not_found")
    assert foreign.json().keys() == missing.json().keys()
    listed = key.get("/v1/accounts").json()
    assert [a["id"] for a in listed["data"]] == [mine["id"]]
    assert listed["total_count"] == 1
    problem(key.patch(f"/v1/accounts/{mine['id']}", {"name": "x"}), 403, "forbidden")


def test_10_06_revoked_key_is_refused_at_once(api):
    k = api.make_key("read")
    c = api.with_key(k["key"])
    assert c.get("/v1/features").status_code == 200  # now cached
    assert api.delete(f"/v1/keys/{k['id']}").status_code == 204
    problem(c.get("/v1/features"), 401, "unauthorized")


def test_10_07_bearer_scheme_is_case_insensitive(api):
    r = api.get("/v1/features", headers={"Authorization": f"bearer {api.key}"})
    assert r.status_code == 200
