-- SPDX-License-Identifier: MIT
-- 0007_webhooks: the PostgreSQL dialect of schema/sqlite/0009_webhooks.sql (0006 belongs to the
-- licenses). Text is COLLATE "C" (bytewise, as in SQLite).
CREATE TABLE webhooks (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    url                 TEXT NOT NULL,
    description         TEXT,
    events              TEXT COLLATE "C" NOT NULL,
    account_id          TEXT COLLATE "C",
    enabled             INTEGER NOT NULL,
    thresholds          TEXT NOT NULL,
    lease_expiring_days BIGINT NOT NULL,
    secret              TEXT NOT NULL,
    old_secret          TEXT,
    old_secret_until_ms BIGINT,
    disabled_reason     TEXT,
    failing_since_ms    BIGINT,
    created_ms          BIGINT NOT NULL,
    updated_ms          BIGINT NOT NULL
);

CREATE TABLE webhook_messages (
    seq              BIGSERIAL PRIMARY KEY,
    id               TEXT COLLATE "C" NOT NULL UNIQUE,
    webhook_id       TEXT COLLATE "C" NOT NULL,
    type             TEXT COLLATE "C" NOT NULL,
    event_id         TEXT COLLATE "C",
    account_id       TEXT COLLATE "C" NOT NULL,
    body             TEXT NOT NULL,
    status           TEXT COLLATE "C" NOT NULL,
    attempts         BIGINT NOT NULL,
    next_attempt_ms  BIGINT,
    claimed_until_ms BIGINT,
    last_status      BIGINT,
    last_error       TEXT,
    last_attempt_ms  BIGINT,
    created_ms       BIGINT NOT NULL,
    delivered_ms     BIGINT
);
CREATE INDEX webhook_messages_due ON webhook_messages(next_attempt_ms) WHERE status = 'pending';
CREATE INDEX webhook_messages_queue ON webhook_messages(webhook_id, account_id, seq)
    WHERE status = 'pending';
CREATE INDEX webhook_messages_of ON webhook_messages(webhook_id, id);

CREATE TABLE webhook_clock (
    name  TEXT COLLATE "C" PRIMARY KEY,
    at_ms BIGINT NOT NULL
);

CREATE TABLE webhook_windows (
    account_id      TEXT COLLATE "C" NOT NULL,
    feature_id      TEXT COLLATE "C" NOT NULL,
    window_start_ms BIGINT NOT NULL,
    window_end_ms   BIGINT NOT NULL,
    threshold       BIGINT NOT NULL,
    PRIMARY KEY (account_id, feature_id, window_start_ms)
);
CREATE INDEX webhook_windows_end ON webhook_windows(window_end_ms);

-- The moments the scheduler of timed events looks for, every 250 ms (store ops timed_*).
CREATE INDEX entitlements_start ON entitlements(start_ms);
CREATE INDEX entitlements_end ON entitlements(end_ms) WHERE end_ms IS NOT NULL;
CREATE INDEX leases_valid_until ON leases(valid_until);
CREATE INDEX activations_expiry ON activations((last_heartbeat_ms + ttl_seconds * 1000))
    WHERE ttl_seconds IS NOT NULL AND deactivated_ms IS NULL;
