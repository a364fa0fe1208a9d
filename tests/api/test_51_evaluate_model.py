# SPDX-License-Identifier: MIT
"""Randomized evaluate tests: the daemon against model.py, an independent implementation of
DESIGN.md "Evaluation rules".

Each catalog (features of every non-metered type with random levels, products granting random
values, a product granting nothing, bundles) serves SCENARIOS scenarios. A scenario is one new
account holding 1 to 6 grants (orders activated at once or afterwards, manual grants of a
product or a bundle, manual feature values with or without override, leases of a product or a
bundle) with random quantities and dates around a base time, some of them then suspended,
resumed, revoked, re-dated or re-counted by PATCH / DELETE. Every feature of the catalog (and
one unknown name) is then evaluated at several times, most of them exact boundaries (a start,
an end, a second before), and value, reason, level, limit and unlimited are compared with the
model.

Everything derives from one seed: ENTITLED_MODEL_SEED=<n> replays a run; a failure prints the
seed of each failing scenario with its catalog, its grants and the times asked.
"""
import os
import random
import time

import pytest

import model
from client import unique
from model import CUSTOM, QUANTITY, RANGE, SWITCH, UNLIMITED, Feature, Grant, Product

CATALOGS = int(os.environ.get("ENTITLED_MODEL_CATALOGS", "10"))
SCENARIOS = int(os.environ.get("ENTITLED_MODEL_SCENARIOS", "200"))
TIMES = 6             # evaluate calls per scenario
SEED = int(os.environ.get("ENTITLED_MODEL_SEED", str(random.SystemRandom().randrange(10**9))))
DAY = 86400 * 1000
REPORTED = 3          # failing scenarios described in full


# --------------------------------------------------------------------------------------------
# The catalog
# --------------------------------------------------------------------------------------------

class Catalog:
    """Features and products made on the daemon, with their model twins."""

    def __init__(self, api, rng):
        self.features = {}      # key -> model.Feature
        self.products = {}      # key -> model.Product
        self.plain = []         # products without components that grant something
        self.bundles = []
        self.nothing = None     # a product that grants nothing
        self._make_features(api, rng)
        self._make_products(api, rng)

    def _feature(self, api, type_, levels, unit=None):
        key = unique(f"m{type_[:3]}")
        body = {"key": key, "name": f"Model {type_} {key}", "type": type_}
        if levels:
            body["levels"] = levels
        if unit:
            body["unit"] = unit
        r = api.post("/v1/features", body)
        assert r.status_code == 201, r.text
        f = r.json()
        values = [lv["value"] for lv in f["levels"]]
        self.features[f["key"]] = Feature(
            key=f["key"], type=type_, levels=values,
            unlimited_allowed=any(lv.get("is_unlimited") for lv in f["levels"]))

    def _make_features(self, api, rng):
        for _ in range(2):
            self._feature(api, SWITCH, None)
        for _ in range(3):
            nums = sorted(rng.sample([1, 2, 3, 5, 10, 20, 50, 100], rng.randint(1, 4)))
            levels = [{"value": str(n)} for n in nums]
            if rng.random() < 0.5:
                levels.append({"value": "unlimited", "is_unlimited": True})
            self._feature(api, QUANTITY, levels, unit=rng.choice([None, "user"]))
        for _ in range(2):
            lo, hi = rng.choice([0, 1, 5]), rng.choice([10, 100])
            levels = [{"value": str(lo)}, {"value": str(hi)}]
            if rng.random() < 0.5:
                levels.append({"value": "unlimited", "is_unlimited": True})
            self._feature(api, RANGE, levels, unit="GB")
        for _ in range(2):
            names = rng.sample(["bronze", "silver", "gold", "platinum", "basic", "pro"],
                               rng.randint(2, 4))
            self._feature(api, CUSTOM, [{"value": n} for n in names])

    def random_value(self, rng, f):
        """A value the feature's type and levels allow."""
        if f.type == SWITCH:
            return rng.choice(["true", "true", "false"])
        if f.type == CUSTOM:
            return rng.choice(f.levels)
        numeric = [v for v in f.levels if v != UNLIMITED]
        if f.unlimited_allowed and rng.random() < 0.15:
            return UNLIMITED
        if f.type == QUANTITY:
            return rng.choice(numeric)
        lo, hi = int(numeric[0]), int(numeric[-1])
        return str(rng.choice([lo, hi, rng.randint(lo, hi)]))

    def _product(self, api, grants, components=(), category="other"):
        body = {"key": unique("mp"), "name": "Model product", "category": category,
                "entitlements": [{"feature": k, "value": v} for k, v in grants.items()],
                "components": [{"product": k, "quantity": q} for k, q in components]}
        r = api.post("/v1/products", body)
        assert r.status_code == 201, r.text
        p = r.json()
        model_p = Product(key=p["key"], grants={e["feature"]: e["value"]
                                                 for e in p["entitlements"]},
                          components=list(components))
        self.products[p["key"]] = model_p
        return model_p

    def _make_products(self, api, rng):
        keys = list(self.features)
        for _ in range(8):
            chosen = rng.sample(keys, rng.randint(1, 4))
            grants = {k: self.random_value(rng, self.features[k]) for k in chosen}
            self.plain.append(self._product(api, grants))
        self.nothing = self._product(api, {}, category="physical_goods")
        for _ in range(2):
            parts = rng.sample(self.plain, rng.randint(1, 2))
            comps = [(p.key, rng.randint(1, 3)) for p in parts]
            if rng.random() < 0.5:
                comps.append((self.nothing.key, 1))
            own = {}
            if rng.random() < 0.5:
                chosen = rng.sample(keys, rng.randint(1, 2))
                own = {k: self.random_value(rng, self.features[k]) for k in chosen}
            self.bundles.append(self._product(api, own, comps))

    def describe(self):
        lines = ["features:"]
        for f in self.features.values():
            lines.append(f"  {f.key} {f.type} levels={f.levels}")
        lines.append("products:")
        for p in self.products.values():
            lines.append(f"  {p.key} grants={p.grants} components={p.components}")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# A scenario
# --------------------------------------------------------------------------------------------

def date_text(rng, ms):
    """ms as a date (when it is a midnight, half of the time) or an RFC 3339 time."""
    if ms % DAY == 0 and rng.random() < 0.5:
        return model.rfc3339(ms)[:10]
    return model.rfc3339(ms)


def random_window(rng, base):
    """(start, end or None) around base, in whole seconds (some at midnight)."""
    start = base + rng.randint(-40, 40) * DAY
    if rng.random() < 0.7:
        start += rng.randint(0, 86399) * 1000
    else:
        start -= start % DAY
    if rng.random() < 0.3:
        return start, None
    return start, start + rng.choice([rng.randint(1, 60) * DAY, rng.randint(1, 172800) * 1000])


class Scenario:
    def __init__(self, api, catalog, seed, base):
        self.api = api
        self.catalog = catalog
        self.seed = seed
        self.rng = random.Random(seed)
        self.base = base
        self.grants = []        # model.Grant
        self.problems = []      # what went wrong before any evaluate
        self.log = []           # the requests that built the scenario
        self.account = None

    # -- building --------------------------------------------------------------------------

    def call(self, method, path, body=None):
        r = self.api.request(method, path, body)
        self.log.append(f"{method} {path} {body if body is not None else ''} -> {r.status_code}")
        return r

    def expect(self, r, status):
        if r.status_code != status:
            self.problems.append(f"{r.request.method} {r.request.path_url}: {r.status_code} "
                                 f"{r.text[:400]}")
            return False
        return True

    def build(self):
        rng, cat = self.rng, self.catalog
        r = self.call("POST", "/v1/accounts", {"key": unique("ma"), "name": "Model account"})
        if not self.expect(r, 201):
            return
        self.account = r.json()["id"]
        pending_items, pending_grants, order_products = [], [], set()
        leased = set()
        for _ in range(rng.randint(1, 6)):
            kind = rng.random()
            if kind < 0.35:
                prod = rng.choice(cat.plain + cat.bundles + [cat.nothing])
                expanded_products = {prod.key} | {k for k, _ in prod.components}
                if expanded_products & order_products:
                    self.flush_order(pending_items, pending_grants)
                    pending_items, pending_grants, order_products = [], [], set()
                item, grants = self.line_item(prod)
                pending_items.append(item)
                pending_grants.append(grants)
                order_products |= expanded_products
                if rng.random() < 0.4:
                    self.flush_order(pending_items, pending_grants)
                    pending_items, pending_grants, order_products = [], [], set()
            elif kind < 0.6:
                self.manual_product(rng.choice(cat.plain + cat.bundles))
            elif kind < 0.9:
                self.manual_value()
            else:
                prod = rng.choice(cat.plain + cat.bundles)
                if prod.key not in leased:
                    leased.add(prod.key)
                    self.lease(prod)
        if pending_items:
            self.flush_order(pending_items, pending_grants)
        self.change_some()

    def line_item(self, prod):
        rng = self.rng
        start, end = random_window(rng, self.base)
        qty = rng.randint(1, 3)
        item = {"product": prod.key, "quantity": qty, "start_date": date_text(rng, start)}
        if rng.random() < 0.5:
            item["quantity_per_copy"] = rng.randint(1, 4)
        if end is None:
            if rng.random() < 0.5:
                item["permanent"] = True
        else:
            item["end_date"] = date_text(rng, end)
        label = f"order line {prod.key}" + (" (bundle)" if prod.components else "")
        grants = model.expand_line_item(self.catalog.products, prod.key, qty, start=start,
                                        end=end, label=label)
        for g in grants:
            g.patchable = not prod.components
        return item, grants

    def flush_order(self, items, grants_per_item):
        if not items:
            return
        at_once = self.rng.random() < 0.5
        body = {"account": self.account, "items": items}
        if at_once:
            body["activate"] = True
        r = self.call("POST", "/v1/orders", body)
        if not self.expect(r, 201):
            return
        order = r.json()
        if not at_once:
            r = self.call("POST", f"/v1/orders/{order['id']}/activate")
            if not self.expect(r, 200):
                return
        r = self.call("GET", f"/v1/entitlements?order={order['id']}&limit=100")
        if not self.expect(r, 200):
            return
        made = r.json()["data"]
        expected = [g for grants in grants_per_item for g in grants]
        by_product = {}
        for e in made:
            by_product.setdefault(e["product"], []).append(e)
        for g in expected:
            found = by_product.get(g.product) or []
            if len(found) != 1:
                self.problems.append(f"order {order['id']}: expected one entitlement of "
                                     f"{g.product}, got {found}")
                continue
            g.server_id = found[0]["id"]
            if found[0]["quantity"] != g.quantity:
                self.problems.append(f"order {order['id']}: entitlement of {g.product} has "
                                     f"quantity {found[0]['quantity']}, expected {g.quantity}")
        extra = set(by_product) - {g.product for g in expected}
        if extra:
            self.problems.append(f"order {order['id']}: unexpected entitlements of {extra}")
        self.grants += expected

    def manual_product(self, prod):
        rng = self.rng
        start, end = random_window(rng, self.base)
        qty = rng.randint(1, 3)
        body = {"account": self.account, "product": prod.key, "quantity": qty,
                "start_date": date_text(rng, start)}
        if end is not None:
            body["end_date"] = date_text(rng, end)
        if rng.random() < 0.3:
            body["quantity_per_copy"] = rng.randint(2, 5)
        r = self.call("POST", "/v1/entitlements", body)
        if self.expect(r, 201):
            g = Grant(kind="product", product=prod.key, quantity=qty, start=start, end=end,
                      source="manual", server_id=r.json()["id"],
                      label="manual product" + (" (bundle)" if prod.components else ""))
            g.patchable = True
            self.grants.append(g)

    def manual_value(self):
        rng, cat = self.rng, self.catalog
        f = cat.features[rng.choice(list(cat.features))]
        value = cat.random_value(rng, f)
        override = rng.random() < 0.35
        qty = 1 if override else rng.randint(1, 3)
        start, end = random_window(rng, self.base)
        body = {"account": self.account, "feature": f.key, "value": value,
                "start_date": date_text(rng, start)}
        if override:
            body["override"] = True
        if qty != 1 or rng.random() < 0.3:
            body["quantity"] = qty
        if end is not None:
            body["end_date"] = date_text(rng, end)
        r = self.call("POST", "/v1/entitlements", body)
        if self.expect(r, 201):
            g = Grant(kind="value", feature=f.key, value=value, override=override,
                      quantity=qty, start=start, end=end, source="manual",
                      label="manual value", server_id=r.json()["id"])
            g.patchable = not override
            self.grants.append(g)

    def lease(self, prod):
        days = self.rng.randint(1, 30)
        r = self.call("POST", "/v1/leases", {"account": self.account, "product": prod.key,
                                             "duration_days": days, "accepted_terms": True})
        if self.expect(r, 201):
            lease = r.json()
            g = Grant(kind="product", product=prod.key, start=model.to_ms(lease["valid_from"]),
                      end=model.to_ms(lease["valid_until"]), source="lease",
                      server_id=lease["id"],
                      label="lease" + (" (bundle)" if prod.components else ""))
            g.patchable = False
            self.grants.append(g)

    def change_some(self):
        rng = self.rng
        for g in self.grants:
            if not g.server_id or g.source == "lease":
                continue
            roll = rng.random()
            path = f"/v1/entitlements/{g.server_id}"
            if roll < 0.12:
                if self.expect(self.call("PATCH", path, {"status": "suspended"}), 200):
                    g.status = "suspended"
                    g.label += ", suspended"
            elif roll < 0.20:
                if self.expect(self.call("DELETE", path), 200):
                    g.status = "revoked"
                    g.label += ", revoked"
            elif roll < 0.25:
                ok = self.expect(self.call("PATCH", path, {"status": "suspended"}), 200)
                if ok and self.expect(self.call("PATCH", path, {"status": "active"}), 200):
                    g.label += ", suspended and resumed"
            elif roll < 0.33 and getattr(g, "patchable", False):
                q = rng.randint(1, 4)
                if self.expect(self.call("PATCH", path, {"quantity": q}), 200):
                    g.quantity = q
                    g.label += f", quantity changed to {q}"
            elif roll < 0.41 and getattr(g, "patchable", False):
                if rng.random() < 0.25:
                    if self.expect(self.call("PATCH", path, {"permanent": True}), 200):
                        g.end = None
                        g.label += ", made permanent"
                else:
                    end = g.start + rng.randint(1, 90) * DAY
                    if self.expect(self.call("PATCH", path,
                                             {"end_date": model.rfc3339(end)}), 200):
                        g.end = end
                        g.label += ", end changed"

    # -- asking ----------------------------------------------------------------------------

    def times(self):
        rng = self.rng
        edges = []
        for g in self.grants:
            edges += [g.start, g.start - 1000]
            if g.end is not None:
                edges += [g.end, g.end - 1000]
        picked = rng.sample(edges, min(len(edges), TIMES - 1))
        while len(picked) < TIMES:
            picked.append(self.base + rng.randint(-45 * DAY, 45 * DAY))
        return picked

    def check(self):
        """Evaluates and compares; answers a list of mismatch descriptions."""
        cat = self.catalog
        out = []
        unknown = "nope-" + str(self.seed)
        names = list(cat.features) + [unknown]
        for t in self.times():
            self.rng.shuffle(names)
            body = {"account": self.account, "features": names, "at": model.rfc3339(t)}
            r = self.api.post("/v1/evaluate", body)
            if r.status_code != 200:
                out.append(f"at {model.rfc3339(t)}: {r.status_code} {r.text[:400]}")
                continue
            answers = r.json()["entitlements"]
            if [a.get("feature") for a in answers] != names:
                out.append(f"at {model.rfc3339(t)}: answers not in the order asked")
                continue
            for name, got in zip(names, answers):
                if model.ambiguous_override_tie(self.grants, cat.products, name, t):
                    continue
                want = model.evaluate(cat.features, cat.products, self.grants, name, t)
                wrong = want.mismatches(got)
                if wrong:
                    sources = "; ".join(g.describe() for g in want.sources) or "none"
                    out.append(f"at {model.rfc3339(t)} feature {name}: {', '.join(wrong)}\n"
                               f"      model in force: {sources}\n      daemon: {got}")
        return out

    def describe(self):
        lines = [f"scenario seed {self.seed} (ENTITLED_MODEL_SEED={SEED}), account "
                 f"{self.account}, base {model.rfc3339(self.base)}", "  grants:"]
        lines += [f"    {g.describe()}" for g in self.grants]
        lines += ["  requests:"] + [f"    {x}" for x in self.log]
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("catalog_no", range(CATALOGS))
def test_51_01_evaluate_agrees_with_the_model(api, catalog_no):
    """DESIGN.md "Evaluation rules", over SCENARIOS random scenarios per catalog."""
    catalog_seed = SEED * 1000 + catalog_no
    catalog = Catalog(api, random.Random(catalog_seed))
    now = int(time.time() * 1000)
    base = now - now % 3600000   # the hour: leases (which start now) mix with the rest
    failures, failed = [], 0
    for i in range(SCENARIOS):
        seed = catalog_seed * 10000 + i
        s = Scenario(api, catalog, seed, base)
        s.build()
        wrong = [f"setup: {p}" for p in s.problems] + (s.check() if s.account else [])
        if wrong:
            failed += 1
            if len(failures) < REPORTED:
                failures.append(s.describe() + "\n  mismatches:\n"
                                + "\n".join(f"    {w}" for w in wrong[:12]))
    if failed:
        pytest.fail(f"{failed} of {SCENARIOS} scenarios disagree with the model "
                    f"(ENTITLED_MODEL_SEED={SEED}, catalog seed {catalog_seed}).\n"
                    + catalog.describe() + "\n\n" + "\n\n".join(failures), pytrace=False)
