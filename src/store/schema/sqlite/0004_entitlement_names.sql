-- SPDX-License-Identifier: MIT
-- 0004_entitlement_names: the display name of a grant of one feature value ("20 users"), kept
-- so that lists can search it; grants of a product take the product's name.
ALTER TABLE entitlements ADD COLUMN name TEXT;
