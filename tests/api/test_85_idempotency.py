# SPDX-License-Identifier: MIT
"""Idempotency-Key on POST (API.md "Conventions")."""
import threading

from client import problem, unique, unique_feature


def test_85_01_same_key_same_body_replays_the_first_answer(api):
    body = {**unique_feature(), "type": "switch"}
    h = {"Idempotency-Key": unique("idem")}
    r1 = api.post("/v1/features", body, headers=h)
    assert r1.status_code == 201 and "Idempotent-Replayed" not in r1.headers
    r2 = api.post("/v1/features", body, headers=h)
    assert r2.status_code == 201
    assert r2.headers["Idempotent-Replayed"] == "true"
    assert r2.json() == r1.json()
    listed = api.get(f"/v1/features?search={body['key']}").json()
    assert listed["total_count"] == 1


def test_85_02_same_key_other_body_is_422(api):
    h = {"Idempotency-Key": unique("idem")}
    assert api.post("/v1/features", {**unique_feature(), "type": "switch"},
                    headers=h).status_code == 201
    other = {**unique_feature(), "type": "switch"}
    problem(api.post("/v1/features", other, headers=h), 422, "validation_failed",
            "Idempotency-Key")
    assert api.get(f"/v1/features/{other['key']}").status_code == 404


def test_85_03_a_failed_request_records_nothing(api):
    h = {"Idempotency-Key": unique("idem")}
    bad = {**unique_feature(), "type": "nope"}
    problem(api.post("/v1/features", bad, headers=h), 422, "validation_failed", "type")
    good = dict(bad, type="switch")
    r = api.post("/v1/features", good, headers=h)
    assert r.status_code == 201 and "Idempotent-Replayed" not in r.headers


def test_85_04_keys_are_per_api_key(api):
    other = api.with_key(api.make_key("admin")["key"])
    idem = {"Idempotency-Key": unique("idem")}
    a = api.post("/v1/features", {**unique_feature(), "type": "switch"},
                 headers=idem)
    b = other.post("/v1/features", {**unique_feature(), "type": "switch"},
                   headers=idem)
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]


def test_85_05_concurrent_requests_with_one_key_create_one_object(api):
    body = {**unique_feature(), "type": "switch"}
    h = {"Idempotency-Key": unique("idem")}
    codes = []

    def go():
        codes.append(api.with_key(api.key).post("/v1/features", body, headers=h).status_code)

    threads = [threading.Thread(target=go) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(codes) <= {201, 409} and codes.count(201) >= 1
    assert api.get(f"/v1/features?search={body['key']}").json()["total_count"] == 1


def test_85_06_invalid_idempotency_keys_are_422(api):
    r = api.post("/v1/features", {**unique_feature(), "type": "switch"},
                 headers={"Idempotency-Key": "x" * 256})
    problem(r, 422, "validation_failed", "Idempotency-Key")
