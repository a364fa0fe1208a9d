-- SPDX-License-Identifier: MIT
-- 0005_settings: the PostgreSQL dialect of schema/sqlite/0007_settings.sql. Text is COLLATE "C"
-- (bytewise, as in SQLite).
CREATE TABLE settings (
    name  TEXT COLLATE "C" PRIMARY KEY,
    value TEXT COLLATE "C" NOT NULL
);
