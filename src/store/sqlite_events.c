/* SPDX-License-Identifier: MIT */
/*
 * sqlite_events.c: the audit log (table events, append-only by its triggers), on SQLite.
 */
#include "store/sqlite_int.h"
#include "store/store.h"

int
ent_sqlite_event_insert(struct ent_store_session *base, const struct ent_event *e)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "INSERT INTO events (id, type, actor, account_id, object_id,"
                           " before, after, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, e->id);
    ent_sqlite_bind_text(st, 2, e->type);
    ent_sqlite_bind_text(st, 3, ent_sqlite_opt_id(e->actor));
    ent_sqlite_bind_text(st, 4, ent_sqlite_opt_id(e->account));
    ent_sqlite_bind_text(st, 5, e->object);
    ent_sqlite_bind_text(st, 6, e->before);
    ent_sqlite_bind_text(st, 7, e->after);
    sqlite3_bind_int64(st, 8, e->created_ms);
    return ent_sqlite_exec_done(s, st, "insert event");
}

int
ent_sqlite_event_get(struct ent_store_session *base, struct ent_arena *a, const char *id,
                     struct ent_event *out)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "SELECT " ENT_ROWS_EVENT_COLUMNS " FROM events WHERE id = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id);
    return ent_sqlite_get(s, st, ent_rows_event, a, out, "get event");
}
