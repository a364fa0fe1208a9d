/* SPDX-License-Identifier: MIT */
/*
 * sqlite_lists.c: the generic, paged lists of the SQLite backend (ops.list): the SQL of a
 * validated list request, built per request from the allow-lists of store/list_sql.c.
 */
#include <stdio.h>

#include "store/list_sql.h"
#include "store/sqlite_int.h"
#include "store/store.h"

/* The SQLite dialect of list queries: LIKE folds ASCII case; NULLs sort first ascending. */
static const struct ent_list_dialect dialect = {
    .placeholder = '?', .like = "LIKE", .integer = "INTEGER", .asc = "ASC", .desc = "DESC"};

/* Prepares a one-off statement (list queries are built per request) with the list's values. */
static sqlite3_stmt *
prep_list(struct sqlite_session *s, const char *sql, const struct ent_list_sql *l)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        ent_store_log(ENT_LOG_ERROR, "sqlite: prepare: %s\n", sqlite3_errmsg(s->db));
        sqlite3_finalize(st);
        return NULL;
    }
    for (int i = 0; i < l->n_params; i++)
        ent_sqlite_bind_text(st, i + 1, l->params[i]);
    return st;
}

int
ent_sqlite_list(struct ent_store_session *sess, struct ent_arena *a, enum ent_store_table table,
                const struct ent_store_query *q, char (**ids)[37], size_t *n, int64_t *total)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    struct ent_list_sql *l = ent_arena_alloc(a, sizeof(*l));
    if (!l)
        return ENT_ENOMEM;
    int code = ent_list_sql_build(&dialect, a, table, q, l);
    if (code < 0)
        return code;
    sqlite3_stmt *st = prep_list(s, l->count, l);
    if (!st)
        return ENT_ESTORE;
    int rc = ent_sqlite_step(s, st);
    if (rc == SQLITE_ROW)
        *total = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return ent_sqlite_fail(s, rc, "list count");

    char(*out)[37] = ent_arena_alloc(a, (size_t)(q->limit > 0 ? q->limit : 1) * 37);
    if (!out)
        return ENT_ENOMEM;
    st = prep_list(s, l->page, l);
    if (!st)
        return ENT_ESTORE;
    size_t count = 0;
    while ((rc = ent_sqlite_step(s, st)) == SQLITE_ROW && count < (size_t)q->limit)
        ent_sqlite_col_id(st, 0, out[count++]);
    code = (rc == SQLITE_DONE || rc == SQLITE_ROW) ? ENT_OK : ent_sqlite_fail(s, rc, "list");
    sqlite3_finalize(st);
    if (code < 0)
        return code;
    *ids = out;
    *n = count;
    return ENT_OK;
}
