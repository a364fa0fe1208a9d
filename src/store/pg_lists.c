/* SPDX-License-Identifier: MIT */
/*
 * pg_lists.c: the generic, paged lists of the PostgreSQL backend (ops.list): the SQL of a
 * validated list request, built per request from the allow-lists of store/list_sql.c.
 */
#include "store/list_sql.h"
#include "store/pg_int.h"
#include "store/store.h"

/* The PostgreSQL dialect of list queries: ILIKE, as SQLite's LIKE folds ASCII case; NULLs sort
 * first ascending, as in SQLite. */
static const struct ent_list_dialect dialect = {.placeholder = '$',
                                                .like = "ILIKE",
                                                .integer = "BIGINT",
                                                .asc = "ASC NULLS FIRST",
                                                .desc = "DESC NULLS LAST"};

int
ent_pg_list(struct ent_store_session *sess, struct ent_arena *a, enum ent_store_table table,
            const struct ent_store_query *q, char (**ids)[37], size_t *n, int64_t *total)
{
    struct pg_session *s = (struct pg_session *)sess;
    struct ent_list_sql *l = ent_arena_alloc(a, sizeof(*l));
    if (!l)
        return ENT_ENOMEM;
    int code = ent_list_sql_build(&dialect, a, table, q, l);
    if (code < 0)
        return code;
    struct pg_params p = {0};
    for (int i = 0; i < l->n_params; i++)
        ent_pg_p_text(&p, l->params[i]);
    PGresult *r = ent_pg_exec_dynamic(s, l->count, &p, &code, "list count");
    if (!r)
        return code;
    *total = ent_pg_int(r, 0, 0);
    PQclear(r);

    r = ent_pg_exec_dynamic(s, l->page, &p, &code, "list");
    if (!r)
        return code;
    int rows = PQntuples(r);
    char(*out)[37] = ent_arena_alloc(a, (size_t)(q->limit > 0 ? q->limit : 1) * 37);
    if (!out) {
        PQclear(r);
        return ENT_ENOMEM;
    }
    size_t count = 0;
    for (int i = 0; i < rows && count < (size_t)q->limit; i++)
        ent_pg_id(r, i, 0, out[count++]);
    PQclear(r);
    *ids = out;
    *n = count;
    return ENT_OK;
}
