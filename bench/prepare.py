#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Readies a benchmark run against a daemon serving the dataset of gen_dataset.py: warms every
account's snapshot (bulk evaluate of all accounts), and writes one real answer per scenario to
OUTDIR/<scenario>.json, so that nginx serves files of the same sizes.

Usage: bench/prepare.py URL KEY OUTDIR [ACCOUNTS]
       bench/prepare.py etags URL KEY FILE   (the tags of OFREP's 304 path)
       bench/prepare.py warm URL KEY ACCOUNTS [FEATURES]   (the snapshots alone; 10 features)
"""
import json
import sys
import urllib.request


def call(url, key, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url + path, data=data, method=method, headers={
        "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.status, r.read()


def features(n):
    out = []
    for i in range(1, 21):
        for t in ("qt", "sw", "cu", "rg", "me"):
            out.append(f"{t}{i:02d}")
    return out[:n]


def ofrep_etags(url, key, path, accounts=500):
    """Writes "account<TAB>tag" of the OFREP bulk answer of the first accounts to path (for the
    304 path: taken just before it runs, after the scenarios that change usage and seats)."""
    with open(path, "w") as f:
        for a in range(accounts):
            req = urllib.request.Request(
                url + "/ofrep/v1/evaluate/flags", method="POST",
                data=json.dumps({"context": {"targetingKey": f"acct{a:05d}"}}).encode(),
                headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=60) as r:
                f.write(f"acct{a:05d}\t{r.headers['ETag']}\n")


def warm(url, key, accounts, n_features):
    """Builds the snapshots of accounts acct00000 .. accounts-1: bulk evaluate of n_features
    features, 100 accounts a call."""
    accs = [f"acct{a:05d}" for a in range(accounts)]
    for i in range(0, accounts, 100):
        status, _ = call(url, key, "POST", "/v1/evaluate/bulk",
                         {"accounts": accs[i:i + 100], "features": features(n_features)})
        assert status == 200, status


def main():
    if sys.argv[1] == "etags":  # bench/prepare.py etags URL KEY FILE
        ofrep_etags(*sys.argv[2:5])
        return
    if sys.argv[1] == "warm":  # bench/prepare.py warm URL KEY ACCOUNTS [FEATURES]
        warm(sys.argv[2], sys.argv[3], int(sys.argv[4]),
             int(sys.argv[5]) if len(sys.argv) > 5 else 10)
        return
    url, key, outdir = sys.argv[1:4]
    accounts = int(sys.argv[4]) if len(sys.argv) > 4 else 10000
    warm(url, key, accounts, 100)
    accs = [f"acct{a:05d}" for a in range(accounts)]
    answers = {
        "evaluate_1": ("POST", "/v1/evaluate", {"account": "acct00001", "features": features(1)}),
        "evaluate_10": ("POST", "/v1/evaluate", {"account": "acct00001",
                                                  "features": features(10)}),
        "evaluate_100": ("POST", "/v1/evaluate", {"account": "acct00001",
                                                   "features": features(100)}),
        "bulk_100x100": ("POST", "/v1/evaluate/bulk", {"accounts": accs[:100],
                                                        "features": features(100)}),
        "usage_1": ("POST", "/v1/usage", {"account": "acct00001", "feature": "me01",
                                          "amount": 1, "enforce": True}),
        "usage_batch_100": ("POST", "/v1/usage/batch", {"events": [
            {"account": a, "feature": "me01", "amount": 1, "enforce": True}
            for a in accs[:100]]}),
        "churn": ("POST", "/v1/activations", {"account": "acct00001", "feature": "qt01",
                                               "fingerprint": "bench-prepare"}),
    }
    # OFREP (issue 14): one flag, and every flag.
    answers["ofrep_1"] = ("POST", "/ofrep/v1/evaluate/flags/qt01",
                          {"context": {"targetingKey": "acct00001"}})
    answers["ofrep_bulk"] = ("POST", "/ofrep/v1/evaluate/flags",
                             {"context": {"targetingKey": "acct00001"}})
    for name, (method, path, body) in answers.items():
        status, text = call(url, key, method, path, body)
        assert status in (200, 201), (name, status, text[:300])
        with open(f"{outdir}/{name}.json", "wb") as f:
            f.write(text)
        print(f"{name}\t{len(text)}")
        if name == "ofrep_bulk":  # the nginx side of the 304 path: the same bytes
            with open(f"{outdir}/ofrep_bulk_304.json", "wb") as f:
                f.write(text)
        if name == "churn":
            call(url, key, "DELETE", "/v1/activations/" + json.loads(text)["id"])


if __name__ == "__main__":
    main()
