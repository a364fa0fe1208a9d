-- SPDX-License-Identifier: MIT
-- 0011_flexnet_fidelity: what a user of seed 004 (FlexNet) relies on: the partner tier of an
-- account, the owners of an entitlement along a distribution chain, orders addressed by the
-- caller's own id with their ship-to contact, line items that are deployed one by one, may be
-- kept from activations and maintain other line items, products' part numbers and versions,
-- the license model's own attributes, and definitions of custom attributes. Numbered 0011:
-- 0010 belongs to the seed fidelity of Nue, Chargebee, Verus and DataRobot.

ALTER TABLE accounts ADD COLUMN partner_tier TEXT NOT NULL DEFAULT 'end_customer'
    CHECK (partner_tier IN ('end_customer','partner_tier_one'));

-- The accounts that held an entitlement before its current one (entitlements.account_id), in the
-- order they held it (position 0 first), each from since_ms until it passed the entitlement on.
-- A transfer writes a row; the part split off an entitlement starts with the rows of the whole.
-- entitlement_id has no foreign key: the rows of a split's new part are written before it.
CREATE TABLE entitlement_owners (
    entitlement_id TEXT NOT NULL,
    position       INTEGER NOT NULL,
    account_id     TEXT NOT NULL REFERENCES accounts(id),
    since_ms       INTEGER NOT NULL,
    until_ms       INTEGER NOT NULL,
    PRIMARY KEY (entitlement_id, position)
);
CREATE INDEX entitlement_owners_account ON entitlement_owners(account_id);

ALTER TABLE entitlements ADD COLUMN activatable INTEGER NOT NULL DEFAULT 1;
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
UPDATE entitlements SET line_item_id = (SELECT line_item_id FROM made WHERE made.id = entitlements.id)
    WHERE source = 'order' AND line_item_id IS NULL;
CREATE INDEX entitlements_line_item ON entitlements(line_item_id);

ALTER TABLE orders ADD COLUMN external_id TEXT;
ALTER TABLE orders ADD COLUMN description TEXT;
ALTER TABLE orders ADD COLUMN ship_to_email TEXT;
ALTER TABLE orders ADD COLUMN ship_to_address TEXT;
CREATE UNIQUE INDEX orders_external_id ON orders(external_id);

ALTER TABLE order_line_items ADD COLUMN kind TEXT NOT NULL DEFAULT 'product'
    CHECK (kind IN ('product','maintenance'));
ALTER TABLE order_line_items ADD COLUMN activatable INTEGER NOT NULL DEFAULT 1;
ALTER TABLE order_line_items ADD COLUMN auto_deploy INTEGER NOT NULL DEFAULT 1;
ALTER TABLE order_line_items ADD COLUMN deployed INTEGER NOT NULL DEFAULT 0;
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
    id          TEXT PRIMARY KEY,
    object      TEXT NOT NULL CHECK (object IN ('account','order','line_item','entitlement',
                    'license_model')),
    name        TEXT NOT NULL,
    type        TEXT NOT NULL CHECK (type IN ('string','number','boolean','date')),
    required    INTEGER NOT NULL DEFAULT 0,
    description TEXT,
    created_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL
);
CREATE UNIQUE INDEX attribute_definitions_name ON attribute_definitions(object, lower(name));
