/* SPDX-License-Identifier: MIT */
/*
 * pg_orders.c: orders with their line items (orders, order_line_items), and the activation ids
 * that line items and entitlements share (activation_ids), on PostgreSQL.
 */
#include "store/pg_int.h"
#include "store/store.h"

int
ent_pg_activation_id_taken(struct ent_store_session *base, const char *activation_id, bool *taken)
{
    int64_t n = 0;
    int code = ent_pg_count_query((struct pg_session *)base,
                                  "SELECT count(*) FROM activation_ids WHERE activation_id = $1",
                                  activation_id, &n);
    *taken = n > 0;
    return code;
}

/* Registers an activation id for its owner. Errors: ENT_ECONFLICT when taken. */
int
ent_pg_register_activation_id(struct pg_session *s, const char *activation_id, const char *kind,
                              const char *owner_id)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, activation_id);
    ent_pg_p_text(&p, kind);
    ent_pg_p_text(&p, owner_id);
    return ent_pg_exec_done(s,
                            "INSERT INTO activation_ids (activation_id, kind, owner_id)"
                            " VALUES ($1, $2, $3)",
                            &p, NULL, "register activation id");
}

/* The parameters of an order that insert and update share ($1 … $11). */
static void
order_params(struct pg_params *p, const struct ent_order *o)
{
    ent_pg_p_text(p, o->id);
    ent_pg_p_text(p, o->account_id);
    ent_pg_p_text(p, ent_order_status_name(o->status));
    ent_pg_p_text(p, o->attributes ? o->attributes : "{}");
    ent_pg_p_int(p, o->created_ms);
    ent_pg_p_int(p, o->updated_ms);
    ent_pg_p_time(p, o->activated_ms);
    ent_pg_p_text(p, o->external_id);
    ent_pg_p_text(p, o->description);
    ent_pg_p_text(p, o->ship_to_email);
    ent_pg_p_text(p, o->ship_to_address);
}

/* The parameters of the i-th line item that insert and update share ($1 … $18). */
static void
line_item_params(struct pg_params *q, const char *order_id, size_t i,
                 const struct ent_line_item *li)
{
    ent_pg_p_text(q, li->id);
    ent_pg_p_text(q, order_id);
    ent_pg_p_int(q, (int64_t)i);
    ent_pg_p_text(q, li->product_id);
    ent_pg_p_int(q, li->quantity);
    ent_pg_p_int(q, li->quantity_per_copy);
    ent_pg_p_int(q, li->start_ms);
    ent_pg_p_time(q, li->permanent ? ENT_TIME_NONE : li->end_ms);
    ent_pg_p_text(q, ent_order_type_name(li->order_type));
    ent_pg_p_text(q, li->activation_id);
    ent_pg_p_text(q, li->parent_activation_id);
    ent_pg_p_text(q, li->attributes ? li->attributes : "{}");
    ent_pg_p_text(q, ent_line_item_kind_name(li->kind ? li->kind : ENT_LINE_ITEM_PRODUCT));
    ent_pg_p_int(q, li->activatable);
    ent_pg_p_int(q, li->auto_deploy);
    ent_pg_p_int(q, li->deployed);
    ent_pg_p_text(q, li->product_version);
    ent_pg_p_text(q, li->part_number);
}

int
ent_pg_order_add_items(struct ent_store_session *base, const struct ent_order *o, size_t first)
{
    struct pg_session *s = (struct pg_session *)base;
    int code = ENT_OK;
    for (size_t i = first; code == ENT_OK && i < o->n_items; i++) {
        const struct ent_line_item *li = &o->items[i];
        code = ent_pg_register_activation_id(s, li->activation_id, "line_item", li->id);
        if (code < 0)
            break;
        struct pg_params q = {0};
        line_item_params(&q, o->id, i, li);
        code = ent_pg_exec_done(
            s,
            "INSERT INTO order_line_items (id, order_id, position, product_id, quantity,"
            " quantity_per_copy, start_ms, end_ms, order_type, activation_id,"
            " parent_activation_id, attributes, kind, activatable, auto_deploy, deployed,"
            " product_version, part_number) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
            " $11, $12, $13, $14, $15, $16, $17, $18)",
            &q, NULL, "insert line item");
    }
    return code;
}

int
ent_pg_order_insert(struct ent_store_session *base, const struct ent_order *o)
{
    struct pg_session *s = (struct pg_session *)base;
    struct pg_params p = {0};
    order_params(&p, o);
    int code = ent_pg_exec_done(s,
                                "INSERT INTO orders (id, account_id, status, attributes,"
                                " created_ms, updated_ms, activated_ms, external_id, description,"
                                " ship_to_email, ship_to_address)"
                                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                                &p, NULL, "insert order");
    return code < 0 ? code : ent_pg_order_add_items(base, o, 0);
}

int
ent_pg_order_update(struct ent_store_session *base, const struct ent_order *o)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, o->id);
    ent_pg_p_text(&p, o->account_id);
    ent_pg_p_text(&p, o->attributes ? o->attributes : "{}");
    ent_pg_p_int(&p, o->updated_ms);
    ent_pg_p_text(&p, o->external_id);
    ent_pg_p_text(&p, o->description);
    ent_pg_p_text(&p, o->ship_to_email);
    ent_pg_p_text(&p, o->ship_to_address);
    return ent_pg_exec_one((struct pg_session *)base,
                           "UPDATE orders SET account_id = $2, attributes = $3, updated_ms = $4,"
                           " external_id = $5, description = $6, ship_to_email = $7,"
                           " ship_to_address = $8 WHERE id = $1",
                           &p, "update order");
}

int
ent_pg_line_item_update(struct ent_store_session *base, const char *order_id,
                        const struct ent_line_item *li)
{
    struct pg_params q = {0};
    ent_pg_p_text(&q, li->id);
    ent_pg_p_text(&q, order_id);
    ent_pg_p_text(&q, li->product_id);
    ent_pg_p_text(&q, ent_order_type_name(li->order_type));
    ent_pg_p_text(&q, li->parent_activation_id);
    ent_pg_p_text(&q, li->attributes ? li->attributes : "{}");
    ent_pg_p_int(&q, li->activatable);
    ent_pg_p_int(&q, li->auto_deploy);
    ent_pg_p_int(&q, li->deployed);
    ent_pg_p_text(&q, li->product_version);
    ent_pg_p_text(&q, li->part_number);
    return ent_pg_exec_one((struct pg_session *)base,
                           "UPDATE order_line_items SET product_id = $3, order_type = $4,"
                           " parent_activation_id = $5, attributes = $6, activatable = $7,"
                           " auto_deploy = $8, deployed = $9, product_version = $10,"
                           " part_number = $11 WHERE id = $1 AND order_id = $2",
                           &q, "update line item");
}

int
ent_pg_entitlements_of_line_item(struct ent_store_session *base, struct ent_arena *a,
                                 const char *line_item_id, struct ent_entitlement **out, size_t *n)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, line_item_id);
    return ent_pg_get_all((struct pg_session *)base,
                          "SELECT " ENT_ROWS_ENTITLEMENT_COLUMNS ENT_ROWS_ENTITLEMENT_FROM
                          " WHERE e.line_item_id = $1 AND e.status <> 'revoked' ORDER BY e.seq",
                          &p, ent_rows_entitlement, sizeof(**out), a, (void **)out, n,
                          "entitlements of line item");
}

/* Reads the line items of order out->id. */
static int
read_line_items(struct pg_session *s, struct ent_arena *a, struct ent_order *out)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, out->id);
    return ent_pg_get_all(s,
                          "SELECT " ENT_ROWS_LINE_ITEM_COLUMNS ENT_ROWS_LINE_ITEM_FROM
                          " WHERE li.order_id = $1 ORDER BY li.position",
                          &p, ent_rows_line_item, sizeof(*out->items), a, (void **)&out->items,
                          &out->n_items, "line items");
}

/*
 * Reads an order with its line items. Inside a write transaction the order's row is locked
 * first (FOR NO KEY UPDATE), so that two daemons activating the same order take turns and the
 * second sees it active.
 */
int
ent_pg_order_get(struct ent_store_session *base, struct ent_arena *a, const char *id,
                 struct ent_order *out)
{
    struct pg_session *s = (struct pg_session *)base;
    struct pg_params p = {0};
    ent_pg_p_text(&p, id);
    const char *sql = (s->in_tx && s->write_tx)
                          ? "SELECT " ENT_ROWS_ORDER_COLUMNS
                            " FROM orders WHERE id = $1 OR external_id = $1 FOR NO KEY UPDATE"
                          : "SELECT " ENT_ROWS_ORDER_COLUMNS
                            " FROM orders WHERE id = $1 OR external_id = $1";
    int code = ent_pg_get(s, sql, &p, ent_rows_order, a, out, "get order");
    return code < 0 ? code : read_line_items(s, a, out);
}

int
ent_pg_order_activate(struct ent_store_session *base, const char *id, int64_t now_ms)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, id);
    ent_pg_p_int(&p, now_ms);
    return ent_pg_exec_done((struct pg_session *)base,
                            "UPDATE orders SET status = 'active', activated_ms = $2,"
                            " updated_ms = $2 WHERE id = $1 AND status = 'draft'",
                            &p, NULL, "activate order");
}

int
ent_pg_maintenance_of(struct ent_store_session *base, struct ent_arena *a,
                      const char *activation_id, struct ent_store_maintenance **out, size_t *n)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, activation_id);
    return ent_pg_get_all((struct pg_session *)base,
                          "SELECT " ENT_ROWS_MAINTENANCE_COLUMNS ENT_ROWS_MAINTENANCE_FROM
                          " WHERE li.parent_activation_id IN ($1, (SELECT activation_id FROM"
                          " entitlements WHERE id = $1)) AND li.kind = 'maintenance'"
                          " AND li.deployed = 1 ORDER BY li.start_ms, li.id",
                          &p, ent_rows_maintenance, sizeof(**out), a, (void **)out, n,
                          "maintenance of");
}

int
ent_pg_line_item_is_maintenance(struct ent_store_session *base, const char *activation_id,
                                bool *yes)
{
    int64_t n = 0;
    int code = ent_pg_count_query((struct pg_session *)base,
                                  "SELECT count(*) FROM order_line_items"
                                  " WHERE activation_id = $1 AND kind = 'maintenance'",
                                  activation_id, &n);
    *yes = n > 0;
    return code;
}
