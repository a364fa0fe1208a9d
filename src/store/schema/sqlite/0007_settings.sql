-- SPDX-License-Identifier: MIT
-- 0007_settings: facts about the store itself, one value per name.
-- key_fingerprint: a one-way keyed hash (service/keyfile.c) of the key file's secret that hashes
-- this store's API keys, so that a daemon started with another key file, or with none, is
-- refused at start instead of answering 401 to every key and registering its admin key again.
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
