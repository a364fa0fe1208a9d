-- SPDX-License-Identifier: MIT
-- 0009_flexnet_fidelity: the PostgreSQL dialect of schema/sqlite/0011_flexnet_fidelity.sql (what
-- a user of seed 004, FlexNet, relies on). Numbered 0009: 0008 belongs to the seed fidelity of
-- Nue, Chargebee, Verus and DataRobot. Text is COLLATE "C" (bytewise, as in SQLite).

ALTER TABLE accounts ADD COLUMN partner_tier TEXT COLLATE "C" NOT NULL DEFAULT 'end_customer'
    CHECK (partner_tier IN ('end_customer','partner_tier_one'));

-- The accounts that held an entitlement before its current one (entitlements.account_id), in the
-- order they held it (position 0 first), each from since_ms until it passed the entitlement on.
-- A transfer writes a row; the part split off an entitlement starts with the rows of the whole.
-- entitlement_id has no foreign key: the rows of a split's new part are written before it.
CREATE TABLE entitlement_owners (
    entitlement_id TEXT COLLATE "C" NOT NULL,
    position       BIGINT NOT NULL,
    account_id     TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
    since_ms       BIGINT NOT NULL,
    until_ms       BIGINT NOT NULL,
    PRIMARY KEY (entitlement_id, position)
);
CREATE INDEX entitlement_owners_account ON entitlement_owners(account_id);

ALTER TABLE entitlements ADD COLUMN activatable BIGINT NOT NULL DEFAULT 1;
-- The line item an order's entitlement came from: its own (the same activation id), or, for a
-- bundle's component, that of the entitlement it is parented to.
WITH RECURSIVE made (id, line_item_id) AS (
    SELECT e.id, li.id FROM entitlements e JOIN order_line_items li
        ON li.activation_id = e.activation_id
    UNION ALL
    SELECT c.id, made.line_item_id FROM entitlements c JOIN made ON c.parent_id = made.id
        WHERE c.source = 'order'
          AND c.activation_id NOT IN (SELECT activation_id FROM order_line_items)
)
UPDATE entitlements SET line_item_id = made.line_item_id FROM made
    WHERE made.id = entitlements.id AND entitlements.source = 'order'
      AND entitlements.line_item_id IS NULL;
CREATE INDEX entitlements_line_item ON entitlements(line_item_id);

ALTER TABLE orders ADD COLUMN external_id TEXT COLLATE "C";
ALTER TABLE orders ADD COLUMN description TEXT;
ALTER TABLE orders ADD COLUMN ship_to_email TEXT;
ALTER TABLE orders ADD COLUMN ship_to_address TEXT;
CREATE UNIQUE INDEX orders_external_id ON orders(external_id);

ALTER TABLE order_line_items ADD COLUMN kind TEXT COLLATE "C" NOT NULL DEFAULT 'product'
    CHECK (kind IN ('product','maintenance'));
ALTER TABLE order_line_items ADD COLUMN activatable BIGINT NOT NULL DEFAULT 1;
ALTER TABLE order_line_items ADD COLUMN auto_deploy BIGINT NOT NULL DEFAULT 1;
ALTER TABLE order_line_items ADD COLUMN deployed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_line_items ADD COLUMN product_version TEXT;
ALTER TABLE order_line_items ADD COLUMN part_number TEXT;
UPDATE order_line_items SET deployed = 1
    WHERE order_id IN (SELECT id FROM orders WHERE status = 'active');
CREATE INDEX order_line_items_parent ON order_line_items(parent_activation_id);

ALTER TABLE products ADD COLUMN part_number TEXT;
ALTER TABLE products ADD COLUMN version TEXT;
ALTER TABLE products ADD COLUMN lm_attributes TEXT;

-- Definitions of custom attributes: the attributes an object of a kind may (or must) carry, and
-- their type. Names are unique per object, case-insensitively.
CREATE TABLE attribute_definitions (
    id          TEXT COLLATE "C" PRIMARY KEY,
    object      TEXT COLLATE "C" NOT NULL CHECK (object IN ('account','order','line_item',
                    'entitlement','license_model')),
    name        TEXT COLLATE "C" NOT NULL,
    type        TEXT COLLATE "C" NOT NULL CHECK (type IN ('string','number','boolean','date')),
    required    BIGINT NOT NULL DEFAULT 0,
    description TEXT,
    created_ms  BIGINT NOT NULL,
    updated_ms  BIGINT NOT NULL
);
CREATE UNIQUE INDEX attribute_definitions_name ON attribute_definitions(object, lower(name));
