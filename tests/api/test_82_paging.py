# SPDX-License-Identifier: MIT
"""Page numbers and sorting by several fields (issue 17, point 5, from seed 002): every list takes
`page` and `page_size` beside `limit` and `offset`, and its envelope says `page`, `page_size` and
`total_pages`; `sort=name,-created_at` orders by several fields. Bad values are 422 naming the
field."""
import json
import re
from pathlib import Path

from client import problem, unique


def make_accounts(api, prefix, names):
    made = []
    for n in names:
        made.append(api.make_account(key=f"{prefix}-{unique('a')}", name=n))
    return made


def test_82_01_page_and_page_size(api):
    prefix = unique("pg")
    made = make_accounts(api, prefix, [f"Acc {i:02d}" for i in range(7)])
    base = {"search": prefix, "sort": "created_at"}
    r = api.get("/v1/accounts", params={**base, "page": 2, "page_size": 3})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert [a["id"] for a in doc["data"]] == [a["id"] for a in made[3:6]]
    assert (doc["page"], doc["page_size"], doc["total_pages"], doc["total_count"]) == (2, 3, 3, 7)
    assert "page=3" in doc["next"] and "page_size=3" in doc["next"]
    assert "page=1" in doc["previous"]
    last = api.get(doc["next"].replace("/v1/accounts", "/v1/accounts", 1)).json()
    assert [a["id"] for a in last["data"]] == [made[6]["id"]] and last["next"] is None
    # limit and offset say the same: the envelope names the page the offset falls in
    doc = api.get("/v1/accounts", params={**base, "limit": 3, "offset": 3}).json()
    assert (doc["page"], doc["page_size"], doc["total_pages"]) == (2, 3, 3)
    assert [a["id"] for a in doc["data"]] == [a["id"] for a in made[3:6]]
    # page_size alone is page 1
    doc = api.get("/v1/accounts", params={**base, "page_size": 5}).json()
    assert doc["page"] == 1 and len(doc["data"]) == 5


def test_82_02_sort_by_several_fields(api):
    prefix = unique("st")
    made = make_accounts(api, prefix, ["Beta", "Alpha", "Beta", "Alpha"])
    doc = api.get("/v1/accounts", params={"search": prefix, "sort": "name,-created_at"}).json()
    want = [made[3], made[1], made[2], made[0]]  # Alpha newest first, then Beta newest first
    assert [a["id"] for a in doc["data"]] == [a["id"] for a in want]
    doc = api.get("/v1/accounts", params={"search": prefix, "sort": "-name,created_at"}).json()
    assert [a["id"] for a in doc["data"]] == [a["id"] for a in [made[0], made[2], made[1],
                                                              made[3]]]


def test_82_02b_features_sort_by_status_as_documented(api):
    """Features sort by status as the service allows and the OpenAPI document says (the
    client checks the request's parameters and the answer against it): active before archived."""
    prefix = unique("fs")
    kept = api.make_feature(key=prefix + "-a", name=prefix + " a")
    gone = api.make_feature(key=prefix + "-b", name=prefix + " b")
    assert api.patch(f"/v1/features/{gone['key']}", {"status": "archived"}).status_code == 200
    doc = api.get("/v1/features", params={"search": prefix, "sort": "status,-created_at"}).json()
    assert [f["id"] for f in doc["data"]] == [kept["id"], gone["id"]]
    doc = api.get("/v1/features", params={"search": prefix, "sort": "-status"}).json()
    assert [f["id"] for f in doc["data"]] == [gone["id"], kept["id"]]
    spec = json.loads((Path(__file__).resolve().parents[2] / "docs/openapi.json").read_text())
    pattern = spec["components"]["parameters"]["FeatureSort"]["schema"]["pattern"]
    assert re.fullmatch(pattern, "status,-created_at") and re.fullmatch(pattern, "-status")


def test_82_03_bad_paging_and_sorting_are_422_naming_the_field(api):
    for params, field in (({"page": 0}, "page"), ({"page": -1}, "page"),
                          ({"page": "x"}, "page"), ({"page_size": 0}, "page_size"),
                          ({"page_size": 101}, "page_size"), ({"page": 2, "offset": 5}, "page"),
                          ({"sort": "name,nope"}, "sort"), ({"sort": "name,name"}, "sort"),
                          ({"sort": "name,key,created_at,updated_at,type"}, "sort"),
                          ({"sort": "name,"}, "sort")):
        problem(api.get("/v1/accounts", params=params), 422, "validation_failed", field)
