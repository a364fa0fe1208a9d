-- SPDX-License-Identifier: MIT
-- 0005_usage_numbers: the usage tables keyed by small numbers instead of 36-character ids.
-- Every recorded event inserts into the series index and updates a counter, at a place of its
-- account's; keyed by two ids (about 90 bytes an entry) those pages were several times more
-- than with two integers, and each event of a commit dirtied pages of its own. Accounts and
-- features get a number (num) that never changes (the rowid may, under VACUUM); usage_events
-- keeps its ids and gains the numbers for the series index; usage_counters is keyed by them.

ALTER TABLE accounts ADD COLUMN num INTEGER;
UPDATE accounts SET num = rowid;
CREATE UNIQUE INDEX accounts_num ON accounts(num);
CREATE TRIGGER accounts_number AFTER INSERT ON accounts WHEN NEW.num IS NULL
BEGIN
    UPDATE accounts SET num = (SELECT coalesce(max(num), 0) + 1 FROM accounts)
        WHERE rowid = NEW.rowid;
END;

ALTER TABLE features ADD COLUMN num INTEGER;
UPDATE features SET num = rowid;
CREATE UNIQUE INDEX features_num ON features(num);
CREATE TRIGGER features_number AFTER INSERT ON features WHEN NEW.num IS NULL
BEGIN
    UPDATE features SET num = (SELECT coalesce(max(num), 0) + 1 FROM features)
        WHERE rowid = NEW.rowid;
END;

ALTER TABLE usage_events ADD COLUMN account_num INTEGER;
ALTER TABLE usage_events ADD COLUMN feature_num INTEGER;
UPDATE usage_events SET account_num = (SELECT num FROM accounts WHERE id = account_id),
                        feature_num = (SELECT num FROM features WHERE id = feature_id);
DROP INDEX usage_events_series;
CREATE INDEX usage_events_series ON usage_events(account_num, feature_num, ts_ms);

CREATE TABLE usage_counters_by_number (
    account_num     INTEGER NOT NULL,
    feature_num     INTEGER NOT NULL,
    window_start_ms INTEGER NOT NULL,     -- the window's start; for `never`, the smallest int64
    used            INTEGER NOT NULL,
    PRIMARY KEY (account_num, feature_num, window_start_ms)
) WITHOUT ROWID;
INSERT INTO usage_counters_by_number
    SELECT a.num, f.num, c.window_start_ms, c.used
    FROM usage_counters c JOIN accounts a ON a.id = c.account_id
                          JOIN features f ON f.id = c.feature_id;
DROP TABLE usage_counters;
ALTER TABLE usage_counters_by_number RENAME TO usage_counters;

-- A number may be given again once its account or feature is gone (max + 1): its counters go
-- with it. (Its events keep it from going: usage_events refers to both.)
CREATE TRIGGER accounts_counters_gone AFTER DELETE ON accounts
BEGIN
    DELETE FROM usage_counters WHERE account_num = OLD.num;
END;
CREATE TRIGGER features_counters_gone AFTER DELETE ON features
BEGIN
    DELETE FROM usage_counters WHERE feature_num = OLD.num;
END;
