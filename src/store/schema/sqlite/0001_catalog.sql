-- SPDX-License-Identifier: MIT
-- 0001_catalog: features, products, accounts, API keys, the audit log and idempotency records.
-- Enumerations are stored with their API spelling. Times are milliseconds since the epoch (UTC).

CREATE TABLE features (
    id                  TEXT PRIMARY KEY,
    key                 TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    type                TEXT NOT NULL CHECK (type IN ('switch','quantity','range','custom','metered')),
    unit                TEXT,
    reset_period        TEXT CHECK (reset_period IN ('hour','day','week','month','year','never')),
    activations_enabled INTEGER NOT NULL DEFAULT 0,
    status              TEXT NOT NULL CHECK (status IN ('active','archived')),
    attributes          TEXT NOT NULL DEFAULT '{}',
    created_ms          INTEGER NOT NULL,
    updated_ms          INTEGER NOT NULL
);

CREATE TABLE feature_levels (
    feature_id   TEXT NOT NULL REFERENCES features(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    value        TEXT NOT NULL,
    name         TEXT NOT NULL,
    is_unlimited INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (feature_id, position)
);

CREATE TABLE products (
    id                TEXT PRIMARY KEY,
    key               TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    category          TEXT NOT NULL CHECK (category IN ('recurring_services','professional_services',
                          'customer_support','physical_goods','other')),
    description       TEXT,
    has_license_model INTEGER NOT NULL DEFAULT 0,
    lm_issuer         TEXT,
    lm_vendor_string  TEXT,
    lm_notice         TEXT,
    max_leases        INTEGER,
    max_lease_days    INTEGER,
    status            TEXT NOT NULL CHECK (status IN ('active','archived')),
    attributes        TEXT NOT NULL DEFAULT '{}',
    created_ms        INTEGER NOT NULL,
    updated_ms        INTEGER NOT NULL
);

CREATE TABLE product_entitlements (
    product_id TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    feature_id TEXT NOT NULL REFERENCES features(id),
    position   INTEGER NOT NULL,
    value      TEXT NOT NULL,
    name       TEXT NOT NULL,
    PRIMARY KEY (product_id, feature_id)
);
CREATE INDEX product_entitlements_feature ON product_entitlements(feature_id);

CREATE TABLE product_components (
    product_id   TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    component_id TEXT NOT NULL REFERENCES products(id),
    position     INTEGER NOT NULL,
    quantity     INTEGER NOT NULL CHECK (quantity >= 1),
    PRIMARY KEY (product_id, component_id)
);
CREATE INDEX product_components_component ON product_components(component_id);

CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,
    key           TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    type          TEXT NOT NULL CHECK (type IN ('customer','channel_partner','publisher',
                      'self_registered','unknown')),
    parent_id     TEXT REFERENCES accounts(id),
    contact_email TEXT,
    attributes    TEXT NOT NULL DEFAULT '{}',
    created_ms    INTEGER NOT NULL,
    updated_ms    INTEGER NOT NULL
);
CREATE INDEX accounts_parent ON accounts(parent_id);

-- An API key is kept as the keyed hash of its secret; the hashing key lives outside the database.
CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    scope      TEXT NOT NULL CHECK (scope IN ('admin','read','account')),
    account_id TEXT,
    prefix     TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL,
    revoked_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX api_keys_account ON api_keys(account_id);

-- The audit log is append-only: the triggers refuse any change to a written event.
CREATE TABLE events (
    id         TEXT PRIMARY KEY,
    type       TEXT NOT NULL,
    actor      TEXT,
    account_id TEXT,
    object_id  TEXT NOT NULL,
    before     TEXT,
    after      TEXT,
    created_ms INTEGER NOT NULL
);
CREATE INDEX events_account ON events(account_id, id);
CREATE INDEX events_type ON events(type, id);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TABLE idempotency (
    key_id       TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    route        TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    body         BLOB NOT NULL,
    created_ms   INTEGER NOT NULL,
    PRIMARY KEY (key_id, idem_key)
);
CREATE INDEX idempotency_created ON idempotency(created_ms);
