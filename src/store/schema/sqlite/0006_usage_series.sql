-- SPDX-License-Identifier: MIT
-- 0006_usage_series: the usage series and the usage counters in one B-tree, keyed by account
-- and feature first, so that the page an event's series entry goes to is, most of the time,
-- the page its window's counter is on. Before, the series was an index of usage_events and the
-- counters a table of their own: every event of a group commit wrote a page of each, at its
-- account, about two pages per event; usage throughput over many accounts follows the pages
-- written (docs/PERFORMANCE.md, change 16).
--
-- A row is either an event's entry in the series (ts_ms: the event's time, seq: its
-- usage_events.seq, amount: its amount) or a counter (ts_ms: the largest int64, seq: the
-- window's start, amount: the window's usage). Counters sort after every event of their account
-- and feature, next to the newest ones. Event times are RFC 3339 times: never the largest int64.

CREATE TABLE usage_series (
    account_num INTEGER NOT NULL,
    feature_num INTEGER NOT NULL,
    ts_ms       INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    amount      INTEGER NOT NULL,
    PRIMARY KEY (account_num, feature_num, ts_ms, seq)
) WITHOUT ROWID;

INSERT INTO usage_series (account_num, feature_num, ts_ms, seq, amount)
    SELECT account_num, feature_num, ts_ms, seq, amount FROM usage_events;
INSERT INTO usage_series (account_num, feature_num, ts_ms, seq, amount)
    SELECT account_num, feature_num, 9223372036854775807, window_start_ms, used
    FROM usage_counters;

DROP INDEX usage_events_series;
DROP TRIGGER accounts_counters_gone;
DROP TRIGGER features_counters_gone;
DROP TABLE usage_counters;

-- A number may be given again once its account is gone (max + 1): what the series holds of it
-- goes with it. (Series rows come with events, which keep their account and feature from going;
-- deleting a feature's rows would scan the whole series, as it is not keyed by feature first.)
CREATE TRIGGER accounts_usage_gone AFTER DELETE ON accounts
BEGIN
    DELETE FROM usage_series WHERE account_num = OLD.num;
END;
