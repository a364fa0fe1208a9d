-- SPDX-License-Identifier: MIT
-- 0003_usage_activations: metered usage (events, and the counters evaluation reads instead of
-- scanning events) and activations (machines or seats holding a unit of a feature or of an
-- entitlement).

-- One row per recorded event. An idempotency key is unique per account for good; the answer
-- given to the event is kept with it, so a replay answers the same.
CREATE TABLE usage_events (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    account_id      TEXT NOT NULL REFERENCES accounts(id),
    feature_id      TEXT NOT NULL REFERENCES features(id),
    amount          INTEGER NOT NULL CHECK (amount >= 1),
    ts_ms           INTEGER NOT NULL,
    idempotency_key TEXT,
    window_start_ms INTEGER NOT NULL,
    window_end_ms   INTEGER NOT NULL,
    usage_after     INTEGER NOT NULL,
    limit_value     INTEGER,             -- NULL: unlimited or no limit
    created_ms      INTEGER NOT NULL
);
CREATE UNIQUE INDEX usage_events_idempotency ON usage_events(account_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX usage_events_series ON usage_events(account_id, feature_id, ts_ms);

-- Usage per (account, feature, reset window), updated in the transaction of each event.
CREATE TABLE usage_counters (
    account_id      TEXT NOT NULL,
    feature_id      TEXT NOT NULL,
    window_start_ms INTEGER NOT NULL,     -- the window's start; for `never`, the smallest int64
    used            INTEGER NOT NULL,
    PRIMARY KEY (account_id, feature_id, window_start_ms)
) WITHOUT ROWID;

-- An activation holds one seat: of a feature of an account (feature_id), or of one entitlement
-- (entitlement_id). One fingerprint holds at most one live seat per scope. A floating activation
-- (ttl_seconds) is alive while its last heartbeat is younger than its ttl; dead ones are
-- computed at read time and never counted.
CREATE TABLE activations (
    seq               INTEGER PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    account_id        TEXT NOT NULL REFERENCES accounts(id),
    feature_id        TEXT REFERENCES features(id),
    entitlement_id    TEXT REFERENCES entitlements(id),
    fingerprint       TEXT NOT NULL,
    name              TEXT,
    metadata          TEXT NOT NULL DEFAULT '{}',
    ttl_seconds       INTEGER,
    last_heartbeat_ms INTEGER NOT NULL,
    created_ms        INTEGER NOT NULL,
    updated_ms        INTEGER NOT NULL,
    deactivated_ms    INTEGER,
    CHECK ((feature_id IS NULL) <> (entitlement_id IS NULL))
);
CREATE UNIQUE INDEX activations_feature_fingerprint
    ON activations(account_id, feature_id, fingerprint)
    WHERE deactivated_ms IS NULL AND feature_id IS NOT NULL;
CREATE UNIQUE INDEX activations_entitlement_fingerprint
    ON activations(entitlement_id, fingerprint)
    WHERE deactivated_ms IS NULL AND entitlement_id IS NOT NULL;
CREATE INDEX activations_account ON activations(account_id, feature_id);
CREATE INDEX activations_entitlement ON activations(entitlement_id);
