/* SPDX-License-Identifier: MIT */
/*
 * sqlite_accounts.c: accounts (table accounts), on SQLite.
 */
#include "store/sqlite_int.h"
#include "store/store.h"

/* Binds the columns shared by account insert and update (?1 … ?10). */
static void
bind_account(sqlite3_stmt *st, const struct ent_account *acc)
{
    ent_sqlite_bind_text(st, 1, acc->id);
    ent_sqlite_bind_text(st, 2, acc->key);
    ent_sqlite_bind_text(st, 3, acc->name);
    ent_sqlite_bind_text(st, 4, ent_account_type_name(acc->type));
    ent_sqlite_bind_text(st, 5, ent_sqlite_opt_id(acc->parent));
    ent_sqlite_bind_text(st, 6, acc->contact_email);
    ent_sqlite_bind_text(st, 7, acc->attributes ? acc->attributes : "{}");
    sqlite3_bind_int64(st, 8, acc->updated_ms);
    sqlite3_bind_int64(st, 9, acc->created_ms);
    /* 0 (not given): the schema's default */
    ent_sqlite_bind_text(st, 10,
                         ent_partner_tier_name(acc->partner_tier ? acc->partner_tier
                                                                 : ENT_PARTNER_TIER_END_CUSTOMER));
}

int
ent_sqlite_account_insert(struct ent_store_session *base, const struct ent_account *acc)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "INSERT INTO accounts (id, key, name, type, parent_id,"
                                          " contact_email, attributes, updated_ms, created_ms,"
                                          " partner_tier)"
                                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    if (!st)
        return ENT_ESTORE;
    bind_account(st, acc);
    return ent_sqlite_exec_done(s, st, "insert account");
}

int
ent_sqlite_account_update(struct ent_store_session *base, const struct ent_account *acc)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "UPDATE accounts SET key = ?2, name = ?3, type = ?4,"
                                          " parent_id = ?5, contact_email = ?6, attributes = ?7,"
                                          " updated_ms = ?8, partner_tier = ?10"
                                          " WHERE id = ?1 AND ?9 IS NOT NULL");
    if (!st)
        return ENT_ESTORE;
    bind_account(st, acc);
    return ent_sqlite_exec_one(s, st, "update account");
}

int
ent_sqlite_account_delete(struct ent_store_session *base, const char *id)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "DELETE FROM accounts WHERE id = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id);
    return ent_sqlite_exec_one(s, st, "delete account");
}

int
ent_sqlite_account_get(struct ent_store_session *base, struct ent_arena *a, const char *id_or_key,
                       struct ent_account *out)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "SELECT " ENT_ROWS_ACCOUNT_COLUMNS
                                          " FROM accounts WHERE id = ?1 OR key = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id_or_key);
    return ent_sqlite_get(s, st, ent_rows_account, a, out, "get account");
}

int
ent_sqlite_account_child_count(struct ent_store_session *base, const char *id, int64_t *n)
{
    return ent_sqlite_count_query((struct sqlite_session *)base,
                                  "SELECT count(*) FROM accounts WHERE parent_id = ?1", id, n);
}
