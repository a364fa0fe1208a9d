-- SPDX-License-Identifier: MIT
-- 0004_entitlement_names: the PostgreSQL dialect of schema/sqlite/0004_entitlement_names.sql. Text is COLLATE "C"
-- (bytewise, as in SQLite), integers BIGINT, seq an identity column.
-- the display name of a grant of one feature value ("20 users"), kept
-- so that lists can search it; grants of a product take the product's name.
ALTER TABLE entitlements ADD COLUMN name TEXT COLLATE "C";
