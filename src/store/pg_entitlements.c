/* SPDX-License-Identifier: MIT */
/*
 * pg_entitlements.c: entitlements (table entitlements, product and feature keys joined in), on
 * PostgreSQL.
 */
#include "store/pg_int.h"
#include "store/store.h"

int
ent_pg_entitlement_insert(struct ent_store_session *base, const struct ent_entitlement *e,
                          bool own_activation_id)
{
    struct pg_session *s = (struct pg_session *)base;
    int code = ENT_OK;
    if (own_activation_id)
        code = ent_pg_register_activation_id(s, e->activation_id, "entitlement", e->id);
    if (code < 0)
        return code;
    struct pg_params p = {0};
    ent_pg_p_text(&p, e->id);
    ent_pg_p_text(&p, e->account_id);
    ent_pg_p_id(&p, e->product_id);
    ent_pg_p_id(&p, e->feature_id);
    ent_pg_p_text(&p, e->value);
    ent_pg_p_int(&p, e->override);
    ent_pg_p_text(&p, ent_source_name(e->source));
    ent_pg_p_id(&p, e->order_id);
    ent_pg_p_id(&p, e->lease_id);
    ent_pg_p_text(&p, e->activation_id);
    ent_pg_p_id(&p, e->parent_id);
    ent_pg_p_int(&p, e->quantity);
    ent_pg_p_int(&p, e->quantity_per_copy);
    ent_pg_p_int(&p, e->start_ms);
    ent_pg_p_time(&p, e->permanent ? ENT_TIME_NONE : e->end_ms);
    ent_pg_p_text(&p, ent_order_type_name(e->order_type));
    ent_pg_p_text(&p, ent_rows_entitlement_status(e));
    ent_pg_p_text(&p, e->attributes ? e->attributes : "{}");
    ent_pg_p_int(&p, e->created_ms);
    ent_pg_p_int(&p, e->updated_ms);
    ent_pg_p_text(&p, e->feature_id[0] ? e->name : NULL);
    ent_pg_p_int(&p, e->activatable);
    ent_pg_p_id(&p, e->line_item_id);
    ent_pg_p_text(&p, e->product_category ? ent_category_name(e->product_category) : NULL);
    return ent_pg_exec_done(
        s,
        "INSERT INTO entitlements (id, account_id, product_id, feature_id, value,"
        " override, source, order_id, lease_id, activation_id, parent_id, quantity,"
        " quantity_per_copy, start_ms, end_ms, order_type, status, attributes,"
        " created_ms, updated_ms, name, activatable, line_item_id, product_category) VALUES ($1,"
        " $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,"
        " $21, $22, $23, $24)",
        &p, NULL, "insert entitlement");
}

int
ent_pg_entitlement_update(struct ent_store_session *base, const struct ent_entitlement *e)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, e->id);
    ent_pg_p_text(&p, e->account_id);
    ent_pg_p_int(&p, e->quantity);
    ent_pg_p_int(&p, e->quantity_per_copy);
    ent_pg_p_int(&p, e->start_ms);
    ent_pg_p_time(&p, e->permanent ? ENT_TIME_NONE : e->end_ms);
    ent_pg_p_text(&p, ent_rows_entitlement_status(e));
    ent_pg_p_text(&p, e->attributes ? e->attributes : "{}");
    ent_pg_p_int(&p, e->updated_ms);
    ent_pg_p_id(&p, e->product_id);
    ent_pg_p_id(&p, e->parent_id);
    ent_pg_p_text(&p, ent_order_type_name(e->order_type));
    ent_pg_p_int(&p, e->activatable);
    return ent_pg_exec_one((struct pg_session *)base,
                           "UPDATE entitlements SET account_id = $2, quantity = $3,"
                           " quantity_per_copy = $4, start_ms = $5, end_ms = $6,"
                           " status = $7, attributes = $8, updated_ms = $9, product_id = $10,"
                           " parent_id = $11, order_type = $12, activatable = $13 WHERE id = $1",
                           &p, "update entitlement");
}

/*
 * Reads an entitlement by id or activation id. Inside a write transaction its row is locked
 * (FOR NO KEY UPDATE), so that changes read-modify-write it in turn across daemons.
 */
int
ent_pg_entitlement_get(struct ent_store_session *base, struct ent_arena *a,
                       const char *id_or_activation_id, struct ent_entitlement *out)
{
    struct pg_session *s = (struct pg_session *)base;
    struct pg_params p = {0};
    ent_pg_p_text(&p, id_or_activation_id);
    /* Locking differs by dialect: SQLite's write transaction already holds the database. */
    const char *sql = (s->in_tx && s->write_tx)
                          ? "SELECT " ENT_ROWS_ENTITLEMENT_COLUMNS ENT_ROWS_ENTITLEMENT_FROM
                            " WHERE e.id = $1 OR e.activation_id = $1 FOR NO KEY UPDATE OF e"
                          : "SELECT " ENT_ROWS_ENTITLEMENT_COLUMNS ENT_ROWS_ENTITLEMENT_FROM
                            " WHERE e.id = $1 OR e.activation_id = $1";
    return ent_pg_get(s, sql, &p, ent_rows_entitlement, a, out, "get entitlement");
}

int
ent_pg_entitlements_of_account(struct ent_store_session *base, struct ent_arena *a,
                               const char *account_id, struct ent_entitlement **out, size_t *n)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, account_id);
    return ent_pg_get_all((struct pg_session *)base,
                          "SELECT " ENT_ROWS_ENTITLEMENT_COLUMNS ENT_ROWS_ENTITLEMENT_FROM
                          " WHERE e.account_id = $1 AND e.status <> 'revoked'"
                          " ORDER BY e.seq",
                          &p, ent_rows_entitlement, sizeof(**out), a, (void **)out, n,
                          "entitlements of account");
}

int
ent_pg_account_grant_count(struct ent_store_session *base, const char *account_id, int64_t *n)
{
    return ent_pg_count_query((struct pg_session *)base,
                              "SELECT (SELECT count(*) FROM entitlements WHERE account_id = $1) +"
                              " (SELECT count(*) FROM orders WHERE account_id = $1) +"
                              " (SELECT count(*) FROM leases WHERE account_id = $1) +"
                              " (SELECT count(*) FROM entitlement_owners WHERE account_id = $1)",
                              account_id, n);
}
