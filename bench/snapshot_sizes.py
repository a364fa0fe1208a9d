#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Measures the memory of one account's snapshot, for accounts of known shapes, on a daemon
serving the dataset of gen_dataset.py: it makes the account, reads entitled_cache_bytes from
/metrics, evaluates the account (which builds and caches its snapshot), and reads it again.
The daemon must be otherwise idle. Prints one line per shape: name, bytes, what it holds.

Usage: bench/snapshot_sizes.py URL KEY
"""
import json
import re
import secrets
import sys
import urllib.error
import urllib.request


def call(url, key, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url + path, data=data, method=method, headers={
        "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            body = r.read()
            return json.loads(body) if "json" in r.headers.get("Content-Type", "") \
                else body.decode()
    except urllib.error.HTTPError as e:
        sys.exit(f"{method} {path}: {e.code} {e.read().decode()}")


def cache_bytes(url, key):
    text = call(url, key, "GET", "/metrics")
    return int(re.search(r"^entitled_cache_bytes (\d+)$", text, re.M).group(1))


# Twenty features of the dataset (4 of every type, 4 of them metered) and a value each.
FEATURES = [(f"{t}{i:02d}", v) for i in range(1, 5)
            for t, v in (("sw", "true"), ("qt", "20"), ("rg", "50"), ("cu", "pro"), ("me", "1000"))]


def measure(url, key, name, what, entitlements):
    acc = call(url, key, "POST", "/v1/accounts",
               {"key": f"snap-{secrets.token_hex(6)}", "name": name})
    for e in entitlements:
        call(url, key, "POST", "/v1/entitlements", dict(e, account=acc["id"]))
    before = cache_bytes(url, key)
    call(url, key, "POST", "/v1/evaluate", {"account": acc["id"], "features": ["sw01"]})
    print(f"snapshot_bytes_{name}\t{cache_bytes(url, key) - before}\tbytes ({what})")


def main():
    url, key = sys.argv[1:3]
    measure(url, key, "20_entitlements", "20 entitlements, one feature each",
            [{"feature": f, "value": v} for f, v in FEATURES])
    product = call(url, key, "POST", "/v1/products", {
        "key": f"snap-{secrets.token_hex(6)}", "name": "twenty features", "category": "recurring_services",
        "entitlements": [{"feature": f, "value": v} for f, v in FEATURES]})
    measure(url, key, "1_product_of_20", "1 entitlement of a product of 20 features",
            [{"product": product["key"]}])


if __name__ == "__main__":
    main()
