/* SPDX-License-Identifier: MIT */
/*
 * pg_portable.c: the PostgreSQL store in its portable form (portable.h), which is its own
 * layout. A dump reads through a cursor, 1,000 rows at a time, inside the caller's transaction
 * (a snapshot: pg_snapshot); a load writes row by row and, at the end, moves the identity
 * sequences past the loaded seq values, so rows made later number after them.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg_int.h"
#include "store/portable.h"

static_assert(PG_MAX_PARAMS >= ENT_PORTABLE_COLUMNS_MAX, "a row is loaded with one parameter each");

#define SQL_MAX 4096
#define INT8OID 20
#define INT4OID 23
#define INT2OID 21

int
ent_pg_snapshot(struct ent_store_session *sess)
{
    struct pg_session *s = (struct pg_session *)sess;
    return ent_pg_exec_done(s, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", NULL,
                            NULL, "take a snapshot");
}

int
ent_pg_dump(struct ent_store_session *sess, const struct ent_portable_table *t, int64_t since_ms,
            ent_portable_row_fn fn, void *arg)
{
    struct pg_session *s = (struct pg_session *)sess;
    char literal[32], query[SQL_MAX], sql[SQL_MAX + 64];
    bool since = t->since && since_ms != ENT_TIME_NONE;
    /* A cursor takes no parameters: the time is written as a literal (an integer). */
    snprintf(literal, sizeof(literal), "%" PRId64, since_ms);
    if (ent_portable_dump_sql(t, since, literal, query, sizeof(query)) < 0)
        return ENT_EINVAL;
    snprintf(sql, sizeof(sql), "DECLARE ent_dump NO SCROLL CURSOR FOR %s", query);
    int code;
    PGresult *declared = ent_pg_exec_dynamic(s, sql, NULL, &code, "dump"); /* not cached */
    if (!declared)
        return code;
    PQclear(declared);
    size_t width = ent_portable_width(t);
    struct ent_value values[ENT_PORTABLE_COLUMNS_MAX];
    for (;;) {
        PGresult *r = ent_pg_exec_dynamic(s, "FETCH 1000 FROM ent_dump", NULL, &code, "dump");
        if (!r)
            return code;
        int rows = PQntuples(r);
        if (PQnfields(r) != (int)width) {
            PQclear(r);
            return ENT_ESTORE;
        }
        for (int row = 0; row < rows && code == ENT_OK; row++) {
            for (size_t c = 0; c < width; c++) {
                Oid type = PQftype(r, (int)c);
                bool integer = type == INT8OID || type == INT4OID || type == INT2OID;
                const char *v = PQgetvalue(r, row, (int)c);
                values[c].type = PQgetisnull(r, row, (int)c) ? ENT_VALUE_NULL
                                 : integer                   ? ENT_VALUE_INT
                                                             : ENT_VALUE_TEXT;
                values[c].i = integer ? strtoll(v, NULL, 10) : 0;
                values[c].text = values[c].type == ENT_VALUE_TEXT ? v : NULL;
            }
            code = fn(arg, t, values);
        }
        PQclear(r);
        if (code != ENT_OK || rows == 0)
            break;
    }
    int closed = ent_pg_exec_done(s, "CLOSE ent_dump", NULL, NULL, "dump");
    return code != ENT_OK ? code : closed;
}

int
ent_pg_load_begin(struct ent_store_session *sess)
{
    (void)sess;
    return ENT_OK; /* a dump's order (parents first) is a load's order */
}

int
ent_pg_load(struct ent_store_session *sess, const struct ent_portable_table *t,
            const struct ent_value *values)
{
    struct pg_session *s = (struct pg_session *)sess;
    char sql[SQL_MAX];
    if (ent_portable_load_sql(t, "$", sql, sizeof(sql)) < 0)
        return ENT_EINVAL;
    struct pg_params p = {0};
    size_t width = ent_portable_width(t);
    for (size_t c = 0; c < width; c++) {
        if (values[c].type == ENT_VALUE_INT)
            ent_pg_p_int(&p, values[c].i);
        else if (values[c].type == ENT_VALUE_TEXT)
            ent_pg_p_text(&p, values[c].text);
        else
            ent_pg_p_null(&p);
    }
    int code;
    PGresult *r = ent_pg_exec_dynamic(s, sql, &p, &code, "load a row");
    if (!r)
        return code;
    PQclear(r);
    return ENT_OK;
}

int
ent_pg_load_finish(struct ent_store_session *sess)
{
    struct pg_session *s = (struct pg_session *)sess;
    for (size_t i = 0; i < ent_portable_tables_count; i++) {
        const struct ent_portable_table *t = &ent_portable_tables[i];
        if (strcmp(t->columns[0], "seq") != 0)
            continue;
        char sql[256];
        snprintf(sql, sizeof(sql),
                 "SELECT setval(pg_get_serial_sequence('%s', 'seq'), "
                 "(SELECT coalesce(max(seq), 0) + 1 FROM %s), false)",
                 t->name, t->name);
        int code;
        PGresult *r = ent_pg_exec_dynamic(s, sql, NULL, &code, "move a sequence");
        if (!r)
            return code;
        PQclear(r);
    }
    return ENT_OK;
}
