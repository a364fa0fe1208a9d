/* SPDX-License-Identifier: MIT */
/*
 * sqlite_settings.c: facts about the store itself (table settings, schema 0007), on SQLite.
 */
#include <stdio.h>

#include "store/sqlite_int.h"
#include "store/store.h"

int
ent_sqlite_setting_get(struct ent_store_session *sess, const char *name, char *value, size_t cap)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    sqlite3_stmt *st = ent_sqlite_prep(s, "SELECT value FROM settings WHERE name = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, name);
    int rc = ent_sqlite_step(s, st);
    if (rc == SQLITE_ROW)
        snprintf(value, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return rc == SQLITE_ROW    ? ENT_OK
           : rc == SQLITE_DONE ? ENT_ENOTFOUND
                               : ent_sqlite_fail(s, rc, "get setting");
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
