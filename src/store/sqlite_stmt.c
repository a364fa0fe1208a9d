/* SPDX-License-Identifier: MIT */
/*
 * sqlite_stmt.c: the statement helpers of the SQLite backend: result codes, the per-connection
 * cache of prepared statements, binding and reading columns, one-count and id-list queries.
 *
 * Each connection keeps its prepared statements, keyed by the address of their SQL text (all
 * static SQL of the backend), so a warm operation prepares nothing.
 */
#include <stdio.h>
#include <string.h>

#include "store/sqlite_int.h"
#include "store/store.h"

/* ------------------------------------------------------------------------------------------ */
/* Statements and codes                                                                        */
/* ------------------------------------------------------------------------------------------ */

/* Maps an SQLite result code to the store's codes. */
int
ent_sqlite_map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return ENT_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return ENT_EBUSY;
    case SQLITE_NOMEM:
        return ENT_ENOMEM;
    case SQLITE_CONSTRAINT:
        if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
            return ENT_ECONFLICT;
        return ENT_ESTORE;
    default:
        return ENT_ESTORE;
    }
}

/* Logs an unexpected database error to stderr: the client only ever sees "internal". */
int
ent_sqlite_fail(struct sqlite_session *s, int rc, const char *what)
{
    int code = ent_sqlite_map_rc(rc);
    if (code == ENT_ESTORE || code == ENT_ENOMEM)
        ent_store_log(ENT_LOG_ERROR, "sqlite: %s: %s\n", what, sqlite3_errmsg(s->db));
    return code;
}

/*
 * The prepared statement for the static text sql, reset and with no bindings; NULL when it
 * cannot be prepared (logged).
 */
sqlite3_stmt *
ent_sqlite_prep(struct sqlite_session *s, const char *sql)
{
    for (size_t i = 0; i < s->n_cached; i++) {
        if (s->cache[i].sql == sql) {
            sqlite3_stmt *st = s->cache[i].stmt;
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return st;
        }
    }
    sqlite3_stmt *st = NULL;
    unsigned flags = s->n_cached < STMT_CACHE ? SQLITE_PREPARE_PERSISTENT : 0;
    int rc = sqlite3_prepare_v3(s->db, sql, -1, flags, &st, NULL);
    if (rc != SQLITE_OK) {
        ent_store_log(ENT_LOG_ERROR, "sqlite: prepare: %s\n", sqlite3_errmsg(s->db));
        return NULL;
    }
    if (s->n_cached < STMT_CACHE) {
        s->cache[s->n_cached].sql = sql;
        s->cache[s->n_cached].stmt = st;
        s->n_cached++;
    }
    return st;
}

/* Steps st once, counting the call. Returns the SQLite code. */
int
ent_sqlite_step(struct sqlite_session *s, sqlite3_stmt *st)
{
    atomic_fetch_add(&s->base.store->stats.calls, 1);
    return sqlite3_step(st);
}

/* Runs a statement that returns no rows. */
int
ent_sqlite_exec_done(struct sqlite_session *s, sqlite3_stmt *st, const char *what)
{
    int rc = ent_sqlite_step(s, st);
    int code = rc == SQLITE_DONE ? ENT_OK : ent_sqlite_fail(s, rc, what);
    sqlite3_reset(st);
    return code;
}

/* Binds a string, or NULL. */
void
ent_sqlite_bind_time(sqlite3_stmt *st, int i, int64_t ms)
{
    if (ms == ENT_TIME_NONE)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_int64(st, i, ms);
}

int
ent_sqlite_exec_one(struct sqlite_session *s, sqlite3_stmt *st, const char *what)
{
    int code = ent_sqlite_exec_done(s, st, what);
    if (code == ENT_OK && sqlite3_changes(s->db) == 0)
        return ENT_ENOTFOUND;
    return code;
}

void
ent_sqlite_bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* A copy of column i in the arena, or NULL when the column is NULL. */
const char *
ent_sqlite_col_text(struct ent_arena *a, sqlite3_stmt *st, int i)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    if (!v)
        return NULL;
    return ent_arena_strndup(a, (const char *)v, (size_t)sqlite3_column_bytes(st, i));
}

/* Copies column i into a fixed 37-byte id (empty when NULL). */
void
ent_sqlite_col_id(sqlite3_stmt *st, int i, char *out)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    snprintf(out, 37, "%s", v ? (const char *)v : "");
}

/* An optional id: NULL for an empty one. */
const char *
ent_sqlite_opt_id(const char *id)
{
    return (id && id[0]) ? id : NULL;
}

/* Runs a query with one text parameter that returns one count. */
int
ent_sqlite_count_query(struct sqlite_session *s, const char *sql, const char *param, int64_t *n)
{
    sqlite3_stmt *st = ent_sqlite_prep(s, sql);
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, param);
    int rc = ent_sqlite_step(s, st);
    if (rc != SQLITE_ROW) {
        int code = ent_sqlite_fail(s, rc, "count");
        sqlite3_reset(st);
        return code;
    }
    *n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return ENT_OK;
}

/* Runs a query with one text parameter that returns ids; OUT ids in the arena. */
int
ent_sqlite_id_query(struct sqlite_session *s, struct ent_arena *a, const char *sql,
                    const char *param, char (**ids)[37], size_t *n)
{
    sqlite3_stmt *st = ent_sqlite_prep(s, sql);
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, param);
    size_t cap = 8, count = 0;
    char(*out)[37] = ent_arena_alloc(a, cap * 37);
    int rc;
    while (out && (rc = ent_sqlite_step(s, st)) == SQLITE_ROW) {
        if (count == cap) {
            char(*bigger)[37] = ent_arena_alloc(a, cap * 2 * 37);
            if (bigger)
                memcpy(bigger, out, cap * 37);
            out = bigger;
            cap *= 2;
            if (!out)
                break;
        }
        ent_sqlite_col_id(st, 0, out[count++]);
    }
    sqlite3_reset(st);
    if (!out)
        return ENT_ENOMEM;
    if (rc != SQLITE_DONE)
        return ent_sqlite_fail(s, rc, "ids");
    *ids = out;
    *n = count;
    return ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Rows                                                                                        */
/* ------------------------------------------------------------------------------------------ */

static const char *
row_text(const struct ent_store_row *r, int col)
{
    return (const char *)sqlite3_column_text((sqlite3_stmt *)r->result, col);
}

static int64_t
row_integer(const struct ent_store_row *r, int col)
{
    return sqlite3_column_int64((sqlite3_stmt *)r->result, col);
}

static const struct ent_store_row_ops row_ops = {.text = row_text, .integer = row_integer};

int
ent_sqlite_get(struct sqlite_session *s, sqlite3_stmt *st, ent_rows_read_fn read,
               struct ent_arena *a, void *out, const char *what)
{
    int rc = ent_sqlite_step(s, st);
    struct ent_store_row row = {.ops = &row_ops, .result = st};
    int code = rc == SQLITE_ROW    ? read(&row, a, out)
               : rc == SQLITE_DONE ? ENT_ENOTFOUND
                                   : ent_sqlite_fail(s, rc, what);
    sqlite3_reset(st);
    return code;
}

int
ent_sqlite_get_all(struct sqlite_session *s, sqlite3_stmt *st, int count_col, ent_rows_read_fn read,
                   size_t size, struct ent_arena *a, void **items, size_t *n, const char *what)
{
    struct ent_store_row row = {.ops = &row_ops, .result = st};
    char *list = NULL;
    size_t count = 0, cap = 0;
    int rc = SQLITE_DONE, code = ENT_OK;
    while (code == ENT_OK && (rc = ent_sqlite_step(s, st)) == SQLITE_ROW) {
        if (!list) {
            cap = (size_t)sqlite3_column_int64(st, count_col);
            list = ent_arena_calloc(a, cap ? cap : 1, size);
            if (!list) {
                code = ENT_ENOMEM;
                break;
            }
        }
        if (count == cap)
            break; /* rows added meanwhile cannot happen inside one read */
        code = read(&row, a, list + size * count++);
    }
    sqlite3_reset(st);
    if (code == ENT_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        code = ent_sqlite_fail(s, rc, what);
    *items = list;
    *n = count;
    return code;
}

/* webhooks (issue 15): reads the row st stands on (a statement of several rows, or RETURNING). */
int
ent_sqlite_read_row(sqlite3_stmt *st, ent_rows_read_fn read, struct ent_arena *a, void *out)
{
    struct ent_store_row row = {.ops = &row_ops, .result = st};
    return read(&row, a, out);
}

int
ent_sqlite_series(struct sqlite_session *s, sqlite3_stmt *st, enum ent_period granularity,
                  struct ent_arena *a, struct ent_usage_bucket **buckets, size_t *n,
                  const char *what)
{
    *buckets = NULL;
    *n = 0;
    size_t cap = 0;
    int rc;
    bool oom = false;
    while (!oom && (rc = ent_sqlite_step(s, st)) == SQLITE_ROW) {
        int64_t hour = sqlite3_column_int64(st, 0);
        oom = !ent_rows_series_add(a, granularity, hour, sqlite3_column_int64(st, 1), buckets, n,
                                   &cap);
    }
    sqlite3_reset(st);
    if (oom)
        return ENT_ENOMEM;
    return rc == SQLITE_DONE ? ENT_OK : ent_sqlite_fail(s, rc, what);
}
