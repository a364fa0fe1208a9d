-- SPDX-License-Identifier: MIT
-- 0002_grants: what accounts hold: orders and their line items, entitlements, trial leases.
-- Activation ids are unique across line items and entitlements: activation_ids holds them all.

CREATE TABLE activation_ids (
    activation_id TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('line_item','entitlement')),
    owner_id      TEXT NOT NULL
);

CREATE TABLE orders (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    account_id   TEXT NOT NULL REFERENCES accounts(id),
    status       TEXT NOT NULL CHECK (status IN ('draft','active')),
    attributes   TEXT NOT NULL DEFAULT '{}',
    created_ms   INTEGER NOT NULL,
    updated_ms   INTEGER NOT NULL,
    activated_ms INTEGER
);
CREATE INDEX orders_account ON orders(account_id);

CREATE TABLE order_line_items (
    id                   TEXT PRIMARY KEY,
    order_id             TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    position             INTEGER NOT NULL,
    product_id           TEXT NOT NULL REFERENCES products(id),
    quantity             INTEGER NOT NULL CHECK (quantity >= 1),
    quantity_per_copy    INTEGER NOT NULL CHECK (quantity_per_copy >= 1),
    start_ms             INTEGER NOT NULL,
    end_ms               INTEGER,
    order_type           TEXT NOT NULL CHECK (order_type IN ('new','renewal','upgrade','upsell')),
    activation_id        TEXT NOT NULL UNIQUE,
    parent_activation_id TEXT,
    attributes           TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX order_line_items_order ON order_line_items(order_id, position);

CREATE TABLE entitlements (
    seq               INTEGER PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    account_id        TEXT NOT NULL REFERENCES accounts(id),
    product_id        TEXT REFERENCES products(id),
    feature_id        TEXT REFERENCES features(id),
    value             TEXT,
    override          INTEGER NOT NULL DEFAULT 0,
    source            TEXT NOT NULL CHECK (source IN ('order','lease','manual')),
    order_id          TEXT,
    line_item_id      TEXT,
    lease_id          TEXT,
    activation_id     TEXT NOT NULL UNIQUE,
    parent_id         TEXT REFERENCES entitlements(id),
    quantity          INTEGER NOT NULL CHECK (quantity >= 1),
    quantity_per_copy INTEGER NOT NULL CHECK (quantity_per_copy >= 1),
    start_ms          INTEGER NOT NULL,
    end_ms            INTEGER,
    order_type        TEXT NOT NULL CHECK (order_type IN ('new','renewal','upgrade','upsell')),
    status            TEXT NOT NULL CHECK (status IN ('active','suspended','revoked')),
    attributes        TEXT NOT NULL DEFAULT '{}',
    created_ms        INTEGER NOT NULL,
    updated_ms        INTEGER NOT NULL,
    CHECK ((product_id IS NULL) <> (feature_id IS NULL))
);
CREATE INDEX entitlements_account ON entitlements(account_id, seq);
CREATE INDEX entitlements_product ON entitlements(product_id);
CREATE INDEX entitlements_order ON entitlements(order_id);
CREATE INDEX entitlements_lease ON entitlements(lease_id);

-- One lease record per (account, product); its status is derived from valid_until.
CREATE TABLE leases (
    id                TEXT PRIMARY KEY,
    account_id        TEXT NOT NULL REFERENCES accounts(id),
    product_id        TEXT NOT NULL REFERENCES products(id),
    lease_count       INTEGER NOT NULL,
    valid_from        INTEGER NOT NULL,
    valid_until       INTEGER NOT NULL,
    last_lease_end_ms INTEGER,
    created_ms        INTEGER NOT NULL,
    created_by        TEXT,
    updated_ms        INTEGER NOT NULL,
    updated_by        TEXT,
    UNIQUE (account_id, product_id)
);
CREATE INDEX leases_product ON leases(product_id);
