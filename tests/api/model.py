# SPDX-License-Identifier: MIT
"""An independent model of DESIGN.md "Evaluation rules", for the randomized evaluate tests.

It is written from DESIGN.md and API.md alone (not from the C code), over plain Python objects:
the catalog (features, products), and the grants an account holds (entitlements from orders,
manual grants of a product or of one feature value, leases). Times are integers: milliseconds
since the Unix epoch, UTC.

The rules, for account A, feature F, at time t:

1. Take A's entitlements that are `active` and in force at t (start <= t < end, or permanent),
   and A's leases in force at t.
2. Each gives F's value from its product (or its bundle's components), or its own manual value.
   A bundle granted by hand or leased is one grant that gives its own values and those of its
   components, each component's for its quantity per bundle. An order's bundle line item
   becomes one entitlement for the bundle and one per granting component (DESIGN.md "Order"),
   so each of those gives the values of its own product alone; see `expand_line_item`.
3. Combine: switch: on if any is on; quantity, range: the sum of value x quantity, unlimited if
   any is unlimited; custom: the highest level given. A manual entitlement marked override
   replaces the combined value; among several, the latest start wins.
5. value is true when F is granted and its level is non-zero. The reason says why.

What DESIGN.md leaves open is answered by a set of acceptable reasons rather than by a guess
(see `Expected.reasons`): when several grants fail for different reasons (one expired, one
suspended), any of those reasons is accepted; when F is granted at level zero (switch off,
a quantity of 0), the value must be false and both "granted" and "not_granted" are accepted.
"""
from dataclasses import dataclass, field
from datetime import datetime, timezone

SWITCH, QUANTITY, RANGE, CUSTOM = "switch", "quantity", "range", "custom"
UNLIMITED = "unlimited"


# --------------------------------------------------------------------------------------------
# Times
# --------------------------------------------------------------------------------------------

def to_ms(text):
    """Milliseconds since the epoch of an RFC 3339 UTC time or a YYYY-MM-DD date."""
    if len(text) == 10:
        text += "T00:00:00Z"
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(round(dt.timestamp() * 1000))


def rfc3339(ms):
    """RFC 3339 UTC text of ms (milliseconds only when there are some)."""
    dt = datetime.fromtimestamp(ms // 1000, tz=timezone.utc)
    text = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if ms % 1000:
        text += f".{ms % 1000:03d}"
    return text + "Z"


# --------------------------------------------------------------------------------------------
# Catalog
# --------------------------------------------------------------------------------------------

@dataclass
class Feature:
    key: str
    type: str
    levels: list = field(default_factory=list)  # values as the server keeps them, in its order
    unlimited_allowed: bool = False

    def rank(self, value):
        """A custom value's place among the levels (lowest first)."""
        return self.levels.index(value)


@dataclass
class Product:
    key: str
    grants: dict = field(default_factory=dict)        # feature key -> value (normalised)
    components: list = field(default_factory=list)    # [(product key, quantity)]


# --------------------------------------------------------------------------------------------
# Grants
# --------------------------------------------------------------------------------------------

@dataclass
class Grant:
    """One entitlement or lease of the account, as the model sees it."""
    kind: str                    # "product" (order, manual product, lease) or "value"
    start: int                   # ms
    end: int = None              # ms; None: permanent
    quantity: int = 1
    product: str = None          # kind "product"
    with_components: bool = True # kind "product": a bundle's components give their values too
    feature: str = None          # kind "value"
    value: str = None            # kind "value"
    override: bool = False       # kind "value"
    status: str = "active"       # "active", "suspended", "revoked"
    source: str = "manual"       # "order", "manual", "lease"
    label: str = ""              # for failure reports: how it was made
    server_id: str = None        # the entitlement's id (or the lease's), once created

    def in_force(self, t):
        return self.start <= t and (self.end is None or t < self.end)

    def describe(self):
        what = (f"product {self.product}" if self.kind == "product"
                else f"value {self.feature}={self.value}" + (" override" if self.override else ""))
        end = "permanent" if self.end is None else rfc3339(self.end)
        return (f"{self.label or self.source}: {what} x{self.quantity} "
                f"[{rfc3339(self.start)} .. {end}) {self.status}"
                + (f" id={self.server_id}" if self.server_id else ""))


def expand_line_item(products, product_key, quantity, **common):
    """The grants an activated order line item makes (DESIGN.md "Order"): one for the product
    when it grants features itself, and one per component that grants features, for
    quantity x the component's quantity (a bundle of 3 copies, each holding 2 of A, holds 6 of
    A). Products that grant nothing make none."""
    out = []
    p = products[product_key]
    if p.grants:
        out.append(Grant(kind="product", product=product_key, quantity=quantity, source="order",
                         with_components=False, **common))
    for comp_key, comp_qty in p.components:
        if products[comp_key].grants:
            out.append(Grant(kind="product", product=comp_key, quantity=quantity * comp_qty,
                             source="order", **common))
    return out


def contributions(grant, products, feature_key):
    """What grant gives feature_key: [(value, quantity)], empty when nothing."""
    if grant.kind == "value":
        return [(grant.value, grant.quantity)] if grant.feature == feature_key else []
    p = products[grant.product]
    out = []
    if feature_key in p.grants:
        out.append((p.grants[feature_key], grant.quantity))
    if grant.with_components:
        for comp_key, comp_qty in p.components:
            v = products[comp_key].grants.get(feature_key)
            if v is not None:
                out.append((v, grant.quantity * comp_qty))
    return out


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------

@dataclass
class Expected:
    value: bool
    reasons: frozenset           # every acceptable reason
    type: str = None
    level: str = None            # None when nothing gives the feature at t
    unlimited: bool = False
    limit: int = None            # quantity and range: the total (None when unlimited)
    sources: tuple = ()          # the grants in force that give the feature

    def mismatches(self, got):
        """What in got (one answer of POST /v1/evaluate) disagrees with the model."""
        out = []
        if got.get("value") is not self.value:
            out.append(f"value {got.get('value')!r}, expected {self.value!r}")
        if got.get("reason") not in self.reasons:
            out.append(f"reason {got.get('reason')!r}, expected one of {sorted(self.reasons)}")
        if self.type is None:
            return out
        if got.get("type") != self.type:
            out.append(f"type {got.get('type')!r}, expected {self.type!r}")
        if got.get("level") != self.level:
            out.append(f"level {got.get('level')!r}, expected {self.level!r}")
        if bool(got.get("unlimited")) != self.unlimited:
            out.append(f"unlimited {got.get('unlimited')!r}, expected {self.unlimited!r}")
        if self.type in (QUANTITY, RANGE) and self.level is not None:
            if got.get("limit") != self.limit:
                out.append(f"limit {got.get('limit')!r}, expected {self.limit!r}")
        elif got.get("limit") is not None:
            out.append(f"limit {got.get('limit')!r}, expected null")
        return out


def switch_on(value):
    return value == "true"


def combine(feature, contributions):
    """The combined level of [(value, quantity)] for feature: (level, unlimited, limit)."""
    if feature.type == SWITCH:
        on = any(switch_on(v) for v, _ in contributions)
        return ("true" if on else "false"), False, None
    if feature.type == CUSTOM:
        best = max((v for v, _ in contributions), key=feature.rank)
        return best, False, None
    if any(v == UNLIMITED for v, _ in contributions):
        return UNLIMITED, True, None
    total = sum(int(v) * q for v, q in contributions)
    return str(total), False, total


def nonzero(feature, level, unlimited):
    if feature.type == SWITCH:
        return level == "true"
    if feature.type == CUSTOM:
        return True
    return unlimited or int(level) > 0


def evaluate(features, products, grants, feature_key, t):
    """The model's answer for feature_key at t (ms), over the account's grants."""
    feature = features.get(feature_key)
    if feature is None:
        return Expected(value=False, reasons=frozenset({"unknown_feature"}))

    giving = [g for g in grants if contributions(g, products, feature_key)]
    live = [g for g in giving if g.status == "active" and g.in_force(t)]

    # Why the grants that give F but are not live do not count.
    why_not = set()
    for g in giving:
        if g.status == "revoked":
            continue
        if g.status == "suspended":
            why_not.add("suspended")
        if not g.in_force(t):
            why_not.add("pending" if t < g.start else "expired")

    if not live:
        return Expected(value=False, reasons=frozenset(why_not or {"not_granted"}),
                        type=feature.type)

    overrides = [g for g in live if g.kind == "value" and g.override]
    if overrides:
        winner = max(overrides, key=lambda g: g.start)
        level, unlimited, limit = combine(feature, [(winner.value, 1)])
    else:
        level, unlimited, limit = combine(
            feature, [c for g in live for c in contributions(g, products, feature_key)])
    if nonzero(feature, level, unlimited):
        return Expected(value=True, reasons=frozenset({"granted"}), type=feature.type,
                        level=level, unlimited=unlimited, limit=limit, sources=tuple(live))
    return Expected(value=False, reasons=frozenset({"granted", "not_granted"} | why_not),
                    type=feature.type, level=level, unlimited=unlimited, limit=limit,
                    sources=tuple(live))


def ambiguous_override_tie(grants, products, feature_key, t):
    """True when two overrides in force for feature_key start at the same time with different
    values: "latest start wins" does not decide, so the scenario avoids asking."""
    starts = {}
    for g in grants:
        if (g.kind == "value" and g.override and g.feature == feature_key
                and g.status == "active" and g.in_force(t)):
            starts.setdefault(g.start, set()).add(g.value)
    return any(len(v) > 1 for v in starts.values())
