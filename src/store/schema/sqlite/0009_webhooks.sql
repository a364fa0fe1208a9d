-- SPDX-License-Identifier: MIT
-- 0009_webhooks: webhook endpoints, the outbox of their messages, and what the scheduler of
-- timed events remembers (issue 15). Numbered 0009: 0008 belongs to the licenses.
-- events and thresholds are space-separated lists ("entitlement.* lease.expired", "80 100");
-- secret and old_secret are libsodium secret boxes (hex of nonce and box) under a key derived
-- from the key file's secret, never the secret itself.
CREATE TABLE webhooks (
    id                  TEXT PRIMARY KEY,
    url                 TEXT NOT NULL,
    description         TEXT,
    events              TEXT NOT NULL,
    account_id          TEXT,
    enabled             INTEGER NOT NULL,
    thresholds          TEXT NOT NULL,
    lease_expiring_days INTEGER NOT NULL,
    secret              TEXT NOT NULL,
    old_secret          TEXT,
    old_secret_until_ms INTEGER,
    disabled_reason     TEXT,
    failing_since_ms    INTEGER,
    created_ms          INTEGER NOT NULL,
    updated_ms          INTEGER NOT NULL
);

-- The outbox: one row per message and endpoint, written in the transaction of the change that
-- causes it. seq orders the messages of one (endpoint, account) queue; claimed_until_ms is a
-- worker's lease on a message it is sending.
CREATE TABLE webhook_messages (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT NOT NULL UNIQUE,
    webhook_id       TEXT NOT NULL,
    type             TEXT NOT NULL,
    event_id         TEXT,
    account_id       TEXT NOT NULL,
    body             TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL,
    next_attempt_ms  INTEGER,
    claimed_until_ms INTEGER,
    last_status      INTEGER,
    last_error       TEXT,
    last_attempt_ms  INTEGER,
    created_ms       INTEGER NOT NULL,
    delivered_ms     INTEGER
);
CREATE INDEX webhook_messages_due ON webhook_messages(next_attempt_ms) WHERE status = 'pending';
CREATE INDEX webhook_messages_queue ON webhook_messages(webhook_id, account_id, seq)
    WHERE status = 'pending';
CREATE INDEX webhook_messages_of ON webhook_messages(webhook_id, id);

-- Until when the scheduler of timed events has looked (one row, name 'timed').
CREATE TABLE webhook_clock (
    name  TEXT PRIMARY KEY,
    at_ms INTEGER NOT NULL
) WITHOUT ROWID;

-- Usage windows that crossed a threshold: their end emits usage.window_reset once.
CREATE TABLE webhook_windows (
    account_id      TEXT NOT NULL,
    feature_id      TEXT NOT NULL,
    window_start_ms INTEGER NOT NULL,
    window_end_ms   INTEGER NOT NULL,
    threshold       INTEGER NOT NULL,
    PRIMARY KEY (account_id, feature_id, window_start_ms)
) WITHOUT ROWID;
CREATE INDEX webhook_windows_end ON webhook_windows(window_end_ms);

-- The moments the scheduler of timed events looks for, every 250 ms (store ops timed_*).
CREATE INDEX entitlements_start ON entitlements(start_ms);
CREATE INDEX entitlements_end ON entitlements(end_ms) WHERE end_ms IS NOT NULL;
CREATE INDEX leases_valid_until ON leases(valid_until);
CREATE INDEX activations_expiry ON activations(last_heartbeat_ms + ttl_seconds * 1000)
    WHERE ttl_seconds IS NOT NULL AND deactivated_ms IS NULL;
