/* SPDX-License-Identifier: MIT */
/*
 * sqlite_portable.c: the SQLite store in its portable form (portable.h), for export, import and
 * copy. Most tables are read and written as they are. Two differ by design: usage events carry
 * the numbers SQLite indexes them by (account_num, feature_num), looked up from the ids on load,
 * and each has its entry in usage_series; the usage counters are the rows of usage_series at
 * the time COUNTER_TS, read and written as usage_counters.
 */
#include <stdio.h>
#include <string.h>

#include "store/sqlite_int.h"

#define COUNTER_TS "9223372036854775807" /* as in sqlite_usage.c */
#define NUM_OF(table, param) "(SELECT num FROM " table " WHERE id = " param ")"
#define SQL_MAX 4096

static const char counters_dump[] =
    "SELECT a.id, f.id, s.seq, s.amount FROM usage_series s"
    " JOIN accounts a ON a.num = s.account_num JOIN features f ON f.num = s.feature_num"
    " WHERE s.ts_ms = " COUNTER_TS " ORDER BY a.id, f.id, s.seq";

static const char counters_load[] =
    "INSERT INTO usage_series (account_num, feature_num, ts_ms, seq, amount) VALUES (" NUM_OF(
        "accounts", "?1") ", " NUM_OF("features", "?2") ", " COUNTER_TS ", ?3, ?4)"
                                                        " ON CONFLICT (account_num, feature_num, "
                                                        "ts_ms, seq) DO UPDATE SET amount = "
                                                        "excluded.amount";

static const char events_load[] =
    "INSERT INTO usage_events (seq, id, account_id, feature_id, amount, ts_ms, idempotency_key,"
    " window_start_ms, window_end_ms, usage_after, limit_value, created_ms, account_num,"
    " feature_num) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, " NUM_OF(
        "accounts", "?3") ", " NUM_OF("features", "?4") ") ON CONFLICT (id) DO NOTHING";

static const char events_series_load[] =
    "INSERT INTO usage_series (account_num, feature_num, ts_ms, seq, amount) VALUES (" NUM_OF(
        "accounts", "?1") ", " NUM_OF("features", "?2") ", ?3, ?4, ?5) ON CONFLICT DO NOTHING";

static void
bind_value(sqlite3_stmt *st, int i, const struct ent_value *v)
{
    if (v->type == ENT_VALUE_INT)
        sqlite3_bind_int64(st, i, v->i);
    else if (v->type == ENT_VALUE_TEXT)
        sqlite3_bind_text(st, i, v->text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

int
ent_sqlite_snapshot(struct ent_store_session *sess)
{
    /* A read transaction sees the moment of its first read: read now. */
    struct sqlite_session *s = (struct sqlite_session *)sess;
    sqlite3_stmt *st = ent_sqlite_prep(s, "SELECT count(*) FROM settings");
    if (!st)
        return ENT_ESTORE;
    int rc = ent_sqlite_step(s, st);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? ENT_OK : ent_sqlite_fail(s, rc, "take a snapshot");
}

int
ent_sqlite_dump(struct ent_store_session *sess, const struct ent_portable_table *t,
                int64_t since_ms, ent_portable_row_fn fn, void *arg)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    char sql[SQL_MAX];
    bool since = t->since && since_ms != ENT_TIME_NONE;
    if (strcmp(t->name, "usage_counters") == 0)
        snprintf(sql, sizeof(sql), "%s", counters_dump);
    else if (ent_portable_dump_sql(t, since, "?1", sql, sizeof(sql)) < 0)
        return ENT_EINVAL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return ent_sqlite_fail(s, sqlite3_errcode(s->db), "prepare a dump");
    if (since && strcmp(t->name, "usage_counters") != 0)
        sqlite3_bind_int64(st, 1, since_ms);
    size_t width = ent_portable_width(t);
    struct ent_value values[ENT_PORTABLE_COLUMNS_MAX];
    int rc, code = ENT_OK;
    while ((rc = ent_sqlite_step(s, st)) == SQLITE_ROW) {
        for (size_t c = 0; c < width; c++) {
            int type = sqlite3_column_type(st, (int)c);
            values[c].type = type == SQLITE_NULL      ? ENT_VALUE_NULL
                             : type == SQLITE_INTEGER ? ENT_VALUE_INT
                                                      : ENT_VALUE_TEXT;
            values[c].i = type == SQLITE_INTEGER ? sqlite3_column_int64(st, (int)c) : 0;
            values[c].text = type == SQLITE_NULL || type == SQLITE_INTEGER
                                 ? NULL
                                 : (const char *)sqlite3_column_text(st, (int)c);
        }
        if ((code = fn(arg, t, values)) != 0)
            break;
    }
    if (code == ENT_OK && rc != SQLITE_DONE)
        code = ent_sqlite_fail(s, rc, "dump");
    sqlite3_finalize(st);
    return code;
}

void
ent_sqlite_load_forget(struct sqlite_session *s)
{
    for (size_t i = 0; i < 2; i++) {
        sqlite3_finalize(s->load_stmt[i]);
        s->load_stmt[i] = NULL;
    }
    s->load_table = NULL;
}

int
ent_sqlite_load_begin(struct ent_store_session *sess)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    ent_sqlite_load_forget(s);
    /* Foreign keys are checked at the commit: a load's rows may come children first. */
    return sqlite3_exec(s->db, "PRAGMA defer_foreign_keys = ON", NULL, NULL, NULL) == SQLITE_OK
               ? ENT_OK
               : ent_sqlite_fail(s, sqlite3_errcode(s->db), "defer foreign keys");
}

/* Prepares the statements of t's load into the session (once per table). */
static int
prepare_load(struct sqlite_session *s, const struct ent_portable_table *t)
{
    if (s->load_table == t)
        return ENT_OK;
    ent_sqlite_load_forget(s);
    char generic[SQL_MAX];
    const char *sql[2] = {NULL, NULL};
    if (strcmp(t->name, "usage_counters") == 0) {
        sql[0] = counters_load;
    } else if (strcmp(t->name, "usage_events") == 0) {
        sql[0] = events_load;
        sql[1] = events_series_load;
    } else {
        if (ent_portable_load_sql(t, "?", generic, sizeof(generic)) < 0)
            return ENT_EINVAL;
        sql[0] = generic;
    }
    for (size_t i = 0; i < 2 && sql[i]; i++)
        if (sqlite3_prepare_v2(s->db, sql[i], -1, &s->load_stmt[i], NULL) != SQLITE_OK)
            return ent_sqlite_fail(s, sqlite3_errcode(s->db), "prepare a load");
    s->load_table = t;
    return ENT_OK;
}

int
ent_sqlite_load(struct ent_store_session *sess, const struct ent_portable_table *t,
                const struct ent_value *values)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    int code = prepare_load(s, t);
    if (code < 0)
        return code;
    sqlite3_stmt *st = s->load_stmt[0];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    size_t width = ent_portable_width(t);
    for (size_t c = 0; c < width; c++)
        bind_value(st, (int)c + 1, &values[c]);
    code = ent_sqlite_exec_done(s, st, "load a row");
    if (code < 0 || !s->load_stmt[1] || sqlite3_changes(s->db) == 0)
        return code;
    /* A usage event loaded: its entry in the series (account, feature, ts, seq, amount). */
    st = s->load_stmt[1];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    bind_value(st, 1, &values[2]);
    bind_value(st, 2, &values[3]);
    bind_value(st, 3, &values[5]);
    bind_value(st, 4, &values[0]);
    bind_value(st, 5, &values[4]);
    return ent_sqlite_exec_done(s, st, "load a usage event's series entry");
}

int
ent_sqlite_load_finish(struct ent_store_session *sess)
{
    ent_sqlite_load_forget((struct sqlite_session *)sess);
    return ENT_OK;
}
