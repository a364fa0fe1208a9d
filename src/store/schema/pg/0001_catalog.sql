-- SPDX-License-Identifier: MIT
-- 0001_catalog: the PostgreSQL dialect of schema/sqlite/0001_catalog.sql. Text is COLLATE "C"
-- (bytewise, as in SQLite), integers BIGINT, seq an identity column.
-- features, products, accounts, API keys, the audit log and idempotency records.
-- Enumerations are stored with their API spelling. Times are milliseconds since the epoch (UTC).

CREATE TABLE features (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    key                 TEXT COLLATE "C" NOT NULL UNIQUE,
    name                TEXT COLLATE "C" NOT NULL,
    type                TEXT COLLATE "C" NOT NULL CHECK (type IN ('switch','quantity','range','custom','metered')),
    unit                TEXT COLLATE "C",
    reset_period        TEXT COLLATE "C" CHECK (reset_period IN ('hour','day','week','month','year','never')),
    activations_enabled BIGINT NOT NULL DEFAULT 0,
    status              TEXT COLLATE "C" NOT NULL CHECK (status IN ('active','archived')),
    attributes          TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    created_ms          BIGINT NOT NULL,
    updated_ms          BIGINT NOT NULL
);

CREATE TABLE feature_levels (
    feature_id   TEXT COLLATE "C" NOT NULL REFERENCES features(id) ON DELETE CASCADE,
    position     BIGINT NOT NULL,
    value        TEXT COLLATE "C" NOT NULL,
    name         TEXT COLLATE "C" NOT NULL,
    is_unlimited BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (feature_id, position)
);

CREATE TABLE products (
    id                TEXT COLLATE "C" PRIMARY KEY,
    key               TEXT COLLATE "C" NOT NULL UNIQUE,
    name              TEXT COLLATE "C" NOT NULL,
    category          TEXT COLLATE "C" NOT NULL CHECK (category IN ('recurring_services','professional_services',
                          'customer_support','physical_goods','other')),
    description       TEXT COLLATE "C",
    has_license_model BIGINT NOT NULL DEFAULT 0,
    lm_issuer         TEXT COLLATE "C",
    lm_vendor_string  TEXT COLLATE "C",
    lm_notice         TEXT COLLATE "C",
    max_leases        BIGINT,
    max_lease_days    BIGINT,
    status            TEXT COLLATE "C" NOT NULL CHECK (status IN ('active','archived')),
    attributes        TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    created_ms        BIGINT NOT NULL,
    updated_ms        BIGINT NOT NULL
);

CREATE TABLE product_entitlements (
    product_id TEXT COLLATE "C" NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    feature_id TEXT COLLATE "C" NOT NULL REFERENCES features(id),
    position   BIGINT NOT NULL,
    value      TEXT COLLATE "C" NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (product_id, feature_id)
);
CREATE INDEX product_entitlements_feature ON product_entitlements(feature_id);

CREATE TABLE product_components (
    product_id   TEXT COLLATE "C" NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    component_id TEXT COLLATE "C" NOT NULL REFERENCES products(id),
    position     BIGINT NOT NULL,
    quantity     BIGINT NOT NULL CHECK (quantity >= 1),
    PRIMARY KEY (product_id, component_id)
);
CREATE INDEX product_components_component ON product_components(component_id);

CREATE TABLE accounts (
    id            TEXT COLLATE "C" PRIMARY KEY,
    key           TEXT COLLATE "C" NOT NULL UNIQUE,
    name          TEXT COLLATE "C" NOT NULL,
    type          TEXT COLLATE "C" NOT NULL CHECK (type IN ('customer','channel_partner','publisher',
                      'self_registered','unknown')),
    parent_id     TEXT COLLATE "C" REFERENCES accounts(id),
    contact_email TEXT COLLATE "C",
    attributes    TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    created_ms    BIGINT NOT NULL,
    updated_ms    BIGINT NOT NULL
);
CREATE INDEX accounts_parent ON accounts(parent_id);

-- An API key is kept as the keyed hash of its secret; the hashing key lives outside the database.
CREATE TABLE api_keys (
    id         TEXT COLLATE "C" PRIMARY KEY,
    name       TEXT COLLATE "C" NOT NULL,
    scope      TEXT COLLATE "C" NOT NULL CHECK (scope IN ('admin','read','account')),
    account_id TEXT COLLATE "C",
    prefix     TEXT COLLATE "C" NOT NULL,
    hash       TEXT COLLATE "C" NOT NULL UNIQUE,
    created_ms BIGINT NOT NULL,
    revoked_ms BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX api_keys_account ON api_keys(account_id);

-- The audit log is append-only: the triggers refuse any change to a written event.
CREATE TABLE events (
    id         TEXT COLLATE "C" PRIMARY KEY,
    type       TEXT COLLATE "C" NOT NULL,
    actor      TEXT COLLATE "C",
    account_id TEXT COLLATE "C",
    object_id  TEXT COLLATE "C" NOT NULL,
    before     TEXT COLLATE "C",
    after      TEXT COLLATE "C",
    created_ms BIGINT NOT NULL
);
CREATE INDEX events_account ON events(account_id, id);
CREATE INDEX events_type ON events(type, id);
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();

CREATE TABLE idempotency (
    key_id       TEXT COLLATE "C" NOT NULL,
    idem_key     TEXT COLLATE "C" NOT NULL,
    route        TEXT COLLATE "C" NOT NULL,
    request_hash TEXT COLLATE "C" NOT NULL,
    status       BIGINT NOT NULL,
    body         BYTEA NOT NULL,
    created_ms   BIGINT NOT NULL,
    PRIMARY KEY (key_id, idem_key)
);
CREATE INDEX idempotency_created ON idempotency(created_ms);
