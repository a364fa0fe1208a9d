#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the benchmark's dataset as JSON lines for `entitled import` (standard output).

100 features, 20 of every type (sw01.., qt01.., rg01.., cu01.., me01..), 10 products
(p01 "base": held by every account, grants qt01 = 1000 seats with activations and me01 =
10^9 calls a month, so that usage and activation runs never hit a limit), 10,000 accounts
(acct00000..acct09999) and 5 entitlements per account (p01, three other products, one manual
grant of a single value). The same seed gives the same file.

Usage: bench/gen_dataset.py [--accounts N] [--seed S] > dataset.jsonl
"""
import argparse
import json
import random
import sys

TYPES = ["switch", "quantity", "range", "custom", "metered"]
PREFIX = {"switch": "sw", "quantity": "qt", "range": "rg", "custom": "cu", "metered": "me"}
PERIODS = ["hour", "day", "week", "month", "year", "never"]


def feature_keys():
    return {t: [f"{PREFIX[t]}{i:02d}" for i in range(1, 21)] for t in TYPES}


def value_for(rng, type_):
    return {
        "switch": lambda: "true",
        "quantity": lambda: rng.choice(["5", "20", "100", "unlimited"]),
        "range": lambda: rng.choice(["10", "50", "unlimited"]),
        "custom": lambda: rng.choice(["basic", "pro", "enterprise"]),
        "metered": lambda: rng.choice(["1000", "100000", "1000000"]),
    }[type_]()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    out = sys.stdout
    keys = feature_keys()

    def emit(obj):
        out.write(json.dumps(obj, separators=(",", ":")) + "\n")

    for t in TYPES:
        for i, k in enumerate(keys[t]):
            f = {"kind": "feature", "key": k, "name": f"{t} feature {i + 1}", "type": t}
            if t == "quantity":
                f.update(unit="user", levels=[{"value": "5"}, {"value": "20"}, {"value": "100"},
                                              {"value": "1000"}, {"value": "unlimited"}],
                         activations_enabled=(k == "qt01"))
            elif t == "range":
                f.update(unit="GB", levels=[{"value": "10"}, {"value": "50"},
                                            {"value": "unlimited", "is_unlimited": True}])
            elif t == "custom":
                f.update(levels=[{"value": "basic"}, {"value": "pro"}, {"value": "enterprise"}])
            elif t == "metered":
                f.update(unit="call", reset_period="month" if k == "me01" else PERIODS[i % 6])
            emit(f)

    all_features = [(t, k) for t in TYPES for k in keys[t]]
    base = [{"feature": "qt01", "value": "1000"}, {"feature": "me01", "value": "1000000000"},
            {"feature": "sw01", "value": "true"}, {"feature": "cu01", "value": "pro"},
            {"feature": "rg01", "value": "50"}]
    emit({"kind": "product", "key": "p01", "name": "Base plan", "category": "recurring_services",
          "entitlements": base})
    taken = {"qt01", "me01", "sw01", "cu01", "rg01"}
    for p in range(2, 11):
        chosen = rng.sample([fk for fk in all_features if fk[1] not in taken], 12)
        emit({"kind": "product", "key": f"p{p:02d}", "name": f"Add-on {p}",
              "category": "recurring_services",
              "entitlements": [{"feature": k, "value": value_for(rng, t)} for t, k in chosen]})

    for a in range(args.accounts):
        emit({"kind": "account", "key": f"acct{a:05d}", "name": f"Customer {a}",
              "type": "customer", "attributes": {"region": rng.choice(["eu", "us", "apac"])}})
    for a in range(args.accounts):
        acc = f"acct{a:05d}"
        emit({"kind": "entitlement", "account": acc, "product": "p01"})
        for p in rng.sample(range(2, 11), 3):
            emit({"kind": "entitlement", "account": acc, "product": f"p{p:02d}",
                  "quantity": rng.choice([1, 1, 2, 5])})
        t, k = rng.choice([fk for fk in all_features if fk[0] != "metered"])
        emit({"kind": "entitlement", "account": acc, "feature": k, "value": value_for(rng, t)})


if __name__ == "__main__":
    main()
