/* SPDX-License-Identifier: MIT */
/*
 * sqlite_settings.c: facts about the store itself (table settings, schema 0007), on SQLite.
 */
#include "store/sqlite_int.h"
#include "store/store.h"

int
ent_sqlite_setting_get(struct ent_store_session *sess, struct ent_arena *a, const char *name,
                       const char **value)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    sqlite3_stmt *st = ent_sqlite_prep(s, "SELECT value FROM settings WHERE name = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, name);
    return ent_sqlite_get(s, st, ent_rows_setting, a, value, "get setting");
}

int
ent_sqlite_setting_insert(struct ent_store_session *sess, const char *name, const char *value)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    sqlite3_stmt *st = ent_sqlite_prep(s, "INSERT INTO settings (name, value) VALUES (?1, ?2)");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, name);
    ent_sqlite_bind_text(st, 2, value);
    return ent_sqlite_exec_done(s, st, "insert setting");
}
