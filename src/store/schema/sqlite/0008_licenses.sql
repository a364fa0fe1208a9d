-- SPDX-License-Identifier: MIT
-- 0008_licenses: signed licenses (issue 13): the Ed25519 keys that sign them, the licenses
-- issued (their compact JWS stored as issued, never re-signed on read), and the product's
-- license model gaining a name, a serial number prefix and self-service.

-- One row per signing key. The private key (its 32-byte seed) is sealed with libsodium's
-- secretbox under a key derived from the key file's secret (service/signing_keys.c): a copy of
-- the store alone cannot sign. The current key is the newest one not retired; rotation retires
-- the others, which stay published while a license they signed is unexpired.
CREATE TABLE signing_keys (
    seq        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,   -- a UUIDv7, as every object has (audit events)
    kid        TEXT NOT NULL UNIQUE,   -- the RFC 7638 thumbprint of the public JWK
    public_key TEXT NOT NULL,          -- base64url of the 32-byte Ed25519 public key
    sealed_key TEXT NOT NULL,          -- base64url of nonce || secretbox(seed)
    created_ms INTEGER NOT NULL,
    retired_ms INTEGER,                -- NULL: current (the newest such row)
    -- the expiry of tokens it signed that a renewal re-signed with another key since (their
    -- licenses no longer name it, but the tokens stay valid until then); NULL: none
    published_until_ms INTEGER
);

-- One row per license. serial is the JWS's jti, readable and unique (a unique constraint, so
-- also across daemons sharing a PostgreSQL store). features: the feature keys asked for, comma
-- separated (NULL: every granted feature); renewals re-issue with the same binding.
CREATE TABLE licenses (
    seq           INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    serial        TEXT NOT NULL UNIQUE,
    account_id    TEXT NOT NULL REFERENCES accounts(id),
    kid           TEXT NOT NULL REFERENCES signing_keys(kid),
    activation_id TEXT REFERENCES activations(id),
    fingerprint   TEXT,
    features      TEXT,
    ttl_seconds   INTEGER NOT NULL,
    token         TEXT NOT NULL,
    issued_ms     INTEGER NOT NULL,
    expires_ms    INTEGER NOT NULL,
    revoked_ms    INTEGER,
    renew_count   INTEGER NOT NULL DEFAULT 0,
    created_ms    INTEGER NOT NULL,
    updated_ms    INTEGER NOT NULL
);
CREATE INDEX licenses_account ON licenses(account_id);
CREATE INDEX licenses_activation ON licenses(activation_id) WHERE activation_id IS NOT NULL;
CREATE INDEX licenses_kid_expiry ON licenses(kid, expires_ms);

ALTER TABLE products ADD COLUMN lm_name TEXT;
ALTER TABLE products ADD COLUMN lm_serial_prefix TEXT;
ALTER TABLE products ADD COLUMN lm_self_service INTEGER NOT NULL DEFAULT 0;
