/* SPDX-License-Identifier: MIT */
/*
 * sqlite_entitlements.c: entitlements (table entitlements, product and feature keys joined in),
 * on SQLite.
 */
#include "store/sqlite_int.h"
#include "store/store.h"

/* Binds the columns shared by entitlement insert and update (?1 … ?23). */
static void
bind_entitlement(sqlite3_stmt *st, const struct ent_entitlement *e)
{
    ent_sqlite_bind_text(st, 1, e->id);
    ent_sqlite_bind_text(st, 2, e->account_id);
    ent_sqlite_bind_text(st, 3, ent_sqlite_opt_id(e->product_id));
    ent_sqlite_bind_text(st, 4, ent_sqlite_opt_id(e->feature_id));
    ent_sqlite_bind_text(st, 5, e->value);
    sqlite3_bind_int(st, 6, e->override);
    ent_sqlite_bind_text(st, 7, ent_source_name(e->source));
    ent_sqlite_bind_text(st, 8, ent_sqlite_opt_id(e->order_id));
    ent_sqlite_bind_text(st, 9, ent_sqlite_opt_id(e->lease_id));
    ent_sqlite_bind_text(st, 10, e->activation_id);
    ent_sqlite_bind_text(st, 11, ent_sqlite_opt_id(e->parent_id));
    sqlite3_bind_int64(st, 12, e->quantity);
    sqlite3_bind_int64(st, 13, e->quantity_per_copy);
    sqlite3_bind_int64(st, 14, e->start_ms);
    ent_sqlite_bind_time(st, 15, e->permanent ? ENT_TIME_NONE : e->end_ms);
    ent_sqlite_bind_text(st, 16, ent_order_type_name(e->order_type));
    ent_sqlite_bind_text(st, 17, ent_rows_entitlement_status(e));
    ent_sqlite_bind_text(st, 18, e->attributes ? e->attributes : "{}");
    sqlite3_bind_int64(st, 19, e->created_ms);
    sqlite3_bind_int64(st, 20, e->updated_ms);
    ent_sqlite_bind_text(st, 21, e->feature_id[0] ? e->name : NULL);
    sqlite3_bind_int(st, 22, e->activatable);
    ent_sqlite_bind_text(st, 23, ent_sqlite_opt_id(e->line_item_id));
    ent_sqlite_bind_text(st, 24,
                         e->product_category ? ent_category_name(e->product_category) : NULL);
}

int
ent_sqlite_entitlement_insert(struct ent_store_session *base, const struct ent_entitlement *e,
                              bool own_activation_id)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    int code = ENT_OK;
    if (own_activation_id)
        code = ent_sqlite_register_activation_id(s, e->activation_id, "entitlement", e->id);
    if (code < 0)
        return code;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "INSERT INTO entitlements (id, account_id, product_id, feature_id, value,"
           " override, source, order_id, lease_id, activation_id, parent_id, quantity,"
           " quantity_per_copy, start_ms, end_ms, order_type, status, attributes,"
           " created_ms, updated_ms, name, activatable, line_item_id, product_category) VALUES (?1,"
           " ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,"
           " ?21, ?22, ?23, ?24)");
    if (!st)
        return ENT_ESTORE;
    bind_entitlement(st, e);
    return ent_sqlite_exec_done(s, st, "insert entitlement");
}

int
ent_sqlite_entitlement_update(struct ent_store_session *base, const struct ent_entitlement *e)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "UPDATE entitlements SET account_id = ?2, product_id = ?3, parent_id = ?11,"
           " quantity = ?12, quantity_per_copy = ?13, start_ms = ?14, end_ms = ?15,"
           " order_type = ?16, status = ?17, attributes = ?18, updated_ms = ?20,"
           " activatable = ?22 WHERE id = ?1 AND ?4 IS ?4"
           " AND ?5 IS ?5 AND ?6 IS ?6 AND ?7 IS ?7 AND ?8 IS ?8 AND ?9 IS ?9"
           " AND ?10 IS ?10 AND ?19 IS ?19 AND ?21 IS ?21 AND ?23 IS ?23 AND ?24 IS ?24");
    if (!st)
        return ENT_ESTORE;
    bind_entitlement(st, e);
    return ent_sqlite_exec_one(s, st, "update entitlement");
}

int
ent_sqlite_entitlement_get(struct ent_store_session *base, struct ent_arena *a,
                           const char *id_or_activation_id, struct ent_entitlement *out)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "SELECT " ENT_ROWS_ENTITLEMENT_COLUMNS ENT_ROWS_ENTITLEMENT_FROM
                           " WHERE e.id = ?1 OR e.activation_id = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id_or_activation_id);
    return ent_sqlite_get(s, st, ent_rows_entitlement, a, out, "get entitlement");
}

int
ent_sqlite_entitlements_of_account(struct ent_store_session *base, struct ent_arena *a,
                                   const char *account_id, struct ent_entitlement **out, size_t *n)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "SELECT " ENT_ROWS_ENTITLEMENT_COLUMNS ", (SELECT count(*) FROM"
           " entitlements WHERE account_id = ?1 AND status <> 'revoked')" ENT_ROWS_ENTITLEMENT_FROM
           " WHERE e.account_id = ?1 AND e.status <> 'revoked'"
           " ORDER BY e.seq");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, account_id);
    return ent_sqlite_get_all(s, st, ENT_ROWS_ENTITLEMENT_WIDTH, ent_rows_entitlement,
                              sizeof(**out), a, (void **)out, n, "entitlements of account");
}

int
ent_sqlite_account_grant_count(struct ent_store_session *base, const char *account_id, int64_t *n)
{
    return ent_sqlite_count_query(
        (struct sqlite_session *)base,
        "SELECT (SELECT count(*) FROM entitlements WHERE account_id = ?1) +"
        " (SELECT count(*) FROM orders WHERE account_id = ?1) +"
        " (SELECT count(*) FROM leases WHERE account_id = ?1) +"
        " (SELECT count(*) FROM entitlement_owners WHERE account_id = ?1)",
        account_id, n);
}
