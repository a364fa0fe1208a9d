/* SPDX-License-Identifier: MIT */
/*
 * list_sql.h: the SQL of a generic, paged list (ops.list), written once for both backends: which
 * API fields a table may be searched, sorted and filtered by, the columns they stand for, and
 * the two statements of a page. Nothing outside src/store/ includes this.
 */
#ifndef ENT_STORE_LIST_SQL_H
#define ENT_STORE_LIST_SQL_H

#include "core/arena.h"
#include "store/store.h"

/*
 * What differs between the backends' dialects in a list query (by design, not by accident):
 * how parameters are written, whether LIKE folds case, the name of a 64-bit integer type, and
 * where NULLs sort (PostgreSQL says it explicitly so that it sorts as SQLite does).
 */
struct ent_list_dialect {
    char placeholder;    /* '?' (SQLite: ?1, ?2, …) or '$' (PostgreSQL: $1, $2, …) */
    const char *like;    /* a case-insensitive LIKE: "LIKE" on SQLite (folds ASCII), "ILIKE" */
    const char *integer; /* "INTEGER" or "BIGINT" */
    const char *asc;     /* ascending, NULLs first */
    const char *desc;    /* descending, NULLs last */
};

/* The two statements of one page of a list, and the values of their parameters. */
struct ent_list_sql {
    char count[2600]; /* SELECT count(*) FROM table WHERE … */
    char page[2800];  /* SELECT id FROM table WHERE … ORDER BY … LIMIT … OFFSET … */
    const char *params[ENT_STORE_MAX_FILTERS + 1]; /* parameter 1, 2, … in order (arena) */
    int n_params;
};

/*
 * Builds the statements of the list request q on table in dialect d: each filter with a value
 * and the search pattern (escaped, %…%) become parameters numbered from 1 in that order; a filter
 * without a value tests IS NULL. The pattern is allocated in a.
 * Errors: ENT_ESTORE (a field the table does not allow, or SQL too long), ENT_ENOMEM.
 */
int ent_list_sql_build(const struct ent_list_dialect *d, struct ent_arena *a,
                       enum ent_store_table table, const struct ent_store_query *q,
                       struct ent_list_sql *out);

#endif /* ENT_STORE_LIST_SQL_H */
