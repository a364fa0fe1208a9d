/* SPDX-License-Identifier: MIT */
/*
 * sqlite_leases.c: trial leases (table leases, one per account and product), on SQLite.
 */
#include "store/sqlite_int.h"
#include "store/store.h"

/* Binds the lease columns (?1 … ?11). */
static void
bind_lease(sqlite3_stmt *st, const struct ent_lease *l)
{
    ent_sqlite_bind_text(st, 1, l->id);
    ent_sqlite_bind_text(st, 2, l->account_id);
    ent_sqlite_bind_text(st, 3, l->product_id);
    sqlite3_bind_int64(st, 4, l->lease_count);
    sqlite3_bind_int64(st, 5, l->valid_from_ms);
    sqlite3_bind_int64(st, 6, l->valid_until_ms);
    ent_sqlite_bind_time(st, 7, l->last_lease_end_ms);
    sqlite3_bind_int64(st, 8, l->created_ms);
    ent_sqlite_bind_text(st, 9, ent_sqlite_opt_id(l->created_by));
    sqlite3_bind_int64(st, 10, l->updated_ms);
    ent_sqlite_bind_text(st, 11, ent_sqlite_opt_id(l->updated_by));
}

int
ent_sqlite_lease_insert(struct ent_store_session *base, const struct ent_lease *l)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "INSERT INTO leases (id, account_id, product_id, lease_count,"
                           " valid_from, valid_until, last_lease_end_ms, created_ms,"
                           " created_by, updated_ms, updated_by)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    if (!st)
        return ENT_ESTORE;
    bind_lease(st, l);
    return ent_sqlite_exec_done(s, st, "insert lease");
}

int
ent_sqlite_lease_update(struct ent_store_session *base, const struct ent_lease *l)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "UPDATE leases SET lease_count = ?4, valid_from = ?5,"
                           " valid_until = ?6, last_lease_end_ms = ?7, updated_ms = ?10,"
                           " updated_by = ?11 WHERE id = ?1 AND ?2 IS ?2 AND ?3 IS ?3"
                           " AND ?8 IS ?8 AND ?9 IS ?9");
    if (!st)
        return ENT_ESTORE;
    bind_lease(st, l);
    return ent_sqlite_exec_one(s, st, "update lease");
}

/* Reads one lease selected by sql with two parameters (the second may be NULL). */
static int
read_lease(struct sqlite_session *s, struct ent_arena *a, const char *sql, const char *p1,
           const char *p2, struct ent_lease *out)
{
    sqlite3_stmt *st = ent_sqlite_prep(s, sql);
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, p1);
    ent_sqlite_bind_text(st, 2, p2);
    return ent_sqlite_get(s, st, ent_rows_lease, a, out, "get lease");
}

#define LEASE_SELECT "SELECT " ENT_ROWS_LEASE_COLUMNS ENT_ROWS_LEASE_FROM

int
ent_sqlite_lease_get(struct ent_store_session *base, struct ent_arena *a, const char *id,
                     struct ent_lease *out)
{
    return read_lease((struct sqlite_session *)base, a,
                      LEASE_SELECT " WHERE l.id = ?1 AND ?2 IS NULL", id, NULL, out);
}

int
ent_sqlite_lease_find(struct ent_store_session *base, struct ent_arena *a, const char *account_id,
                      const char *product_id, struct ent_lease *out)
{
    return read_lease((struct sqlite_session *)base, a,
                      LEASE_SELECT " WHERE l.account_id = ?1 AND l.product_id = ?2", account_id,
                      product_id, out);
}
