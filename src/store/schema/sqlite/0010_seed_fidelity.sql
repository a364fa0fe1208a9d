-- SPDX-License-Identifier: MIT
-- 0010_seed_fidelity: what the seed systems rely on that the schema lacked (the FlexNet part is
-- 0011's).

-- Feature keys may hold upper-case letters (seed 003: ENABLE_X), are stored as given and matched
-- ASCII case-insensitively, so no two may differ by case alone. Every key stored before this
-- migration is lower case (the rule was [a-z0-9_.-]), so the index holds on any existing store.
CREATE UNIQUE INDEX features_key_nocase ON features(key COLLATE NOCASE);

-- Feature names are unique, ASCII case-insensitively (seed 002). name_folded is the name's ASCII
-- lower case, written by the store with every name; the unique index keeps it unique. A store may
-- already hold features whose names differ only by case: the oldest of each such group keeps its
-- folded name, and the others keep their names but no folded one (NULL, which the index lets
-- repeat) until they are renamed; nothing else is changed, and no new feature may take any of
-- those names. (lower() of SQLite folds ASCII letters alone, as the store does.)
ALTER TABLE features ADD COLUMN name_folded TEXT;
UPDATE features SET name_folded = lower(name)
    WHERE NOT EXISTS (SELECT 1 FROM features older
                      WHERE lower(older.name) = lower(features.name)
                        AND (older.created_ms < features.created_ms
                             OR (older.created_ms = features.created_ms AND older.id < features.id)));
CREATE UNIQUE INDEX features_name_folded ON features(name_folded);

-- Entitlements carry the category of their product (seed 000: productCategory), as it was when
-- they were made: the category decided whether the product became an entitlement. Existing ones
-- take their product's current category; grants of one feature value have none.
ALTER TABLE entitlements ADD COLUMN product_category TEXT
    CHECK (product_category IN ('recurring_services','professional_services','customer_support',
                                'physical_goods','other'));
UPDATE entitlements SET product_category = (SELECT category FROM products
                                            WHERE products.id = entitlements.product_id)
    WHERE product_id IS NOT NULL;
CREATE INDEX entitlements_category ON entitlements(product_category, seq);

-- The units of a service entitlement (quantity x quantity_per_copy) are drawn down by
-- consumption events; consumed is their sum, raised by one conditional update per event
-- (consumed + amount <= cap), so a cap holds whatever the concurrency.
ALTER TABLE entitlements ADD COLUMN consumed INTEGER NOT NULL DEFAULT 0;

-- One row per recorded consumption event, with what it left consumed at. An idempotency key is
-- unique per entitlement, for good: a replay answers the first event's result.
CREATE TABLE consumption_events (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    entitlement_id  TEXT NOT NULL REFERENCES entitlements(id),
    account_id      TEXT NOT NULL REFERENCES accounts(id),
    amount          INTEGER NOT NULL CHECK (amount >= 1),
    ts_ms           INTEGER NOT NULL,
    idempotency_key TEXT,
    consumed_after  INTEGER NOT NULL,
    units           INTEGER NOT NULL,
    created_ms      INTEGER NOT NULL
);
CREATE UNIQUE INDEX consumption_events_idempotency ON consumption_events(entitlement_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX consumption_events_series ON consumption_events(entitlement_id, ts_ms);
