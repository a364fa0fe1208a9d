/* SPDX-License-Identifier: MIT */
/*
 * sqlite_orders.c: orders with their line items (orders, order_line_items), and the activation
 * ids that line items and entitlements share (activation_ids), on SQLite.
 */
#include "store/sqlite_int.h"
#include "store/store.h"

int
ent_sqlite_activation_id_taken(struct ent_store_session *base, const char *activation_id,
                               bool *taken)
{
    int64_t n = 0;
    int code = ent_sqlite_count_query(
        (struct sqlite_session *)base,
        "SELECT count(*) FROM activation_ids WHERE activation_id = ?1", activation_id, &n);
    *taken = n > 0;
    return code;
}

/* Registers an activation id for its owner. Errors: ENT_ECONFLICT when taken. */
int
ent_sqlite_register_activation_id(struct sqlite_session *s, const char *activation_id,
                                  const char *kind, const char *owner_id)
{
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "INSERT INTO activation_ids (activation_id, kind, owner_id)"
                           " VALUES (?1, ?2, ?3)");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, activation_id);
    ent_sqlite_bind_text(st, 2, kind);
    ent_sqlite_bind_text(st, 3, owner_id);
    return ent_sqlite_exec_done(s, st, "register activation id");
}

/* Binds the columns of an order that insert and update share (?1 … ?11). */
static void
bind_order(sqlite3_stmt *st, const struct ent_order *o)
{
    ent_sqlite_bind_text(st, 1, o->id);
    ent_sqlite_bind_text(st, 2, o->account_id);
    ent_sqlite_bind_text(st, 3, ent_order_status_name(o->status));
    ent_sqlite_bind_text(st, 4, o->attributes ? o->attributes : "{}");
    sqlite3_bind_int64(st, 5, o->created_ms);
    sqlite3_bind_int64(st, 6, o->updated_ms);
    ent_sqlite_bind_time(st, 7, o->activated_ms);
    ent_sqlite_bind_text(st, 8, o->external_id);
    ent_sqlite_bind_text(st, 9, o->description);
    ent_sqlite_bind_text(st, 10, o->ship_to_email);
    ent_sqlite_bind_text(st, 11, o->ship_to_address);
}

/* Binds the columns of the i-th line item that insert and update share (?1 … ?18). */
static void
bind_line_item(sqlite3_stmt *st, const char *order_id, size_t i, const struct ent_line_item *li)
{
    ent_sqlite_bind_text(st, 1, li->id);
    ent_sqlite_bind_text(st, 2, order_id);
    sqlite3_bind_int64(st, 3, (int64_t)i);
    ent_sqlite_bind_text(st, 4, li->product_id);
    sqlite3_bind_int64(st, 5, li->quantity);
    sqlite3_bind_int64(st, 6, li->quantity_per_copy);
    sqlite3_bind_int64(st, 7, li->start_ms);
    ent_sqlite_bind_time(st, 8, li->permanent ? ENT_TIME_NONE : li->end_ms);
    ent_sqlite_bind_text(st, 9, ent_order_type_name(li->order_type));
    ent_sqlite_bind_text(st, 10, li->activation_id);
    ent_sqlite_bind_text(st, 11, li->parent_activation_id);
    ent_sqlite_bind_text(st, 12, li->attributes ? li->attributes : "{}");
    ent_sqlite_bind_text(st, 13,
                         ent_line_item_kind_name(li->kind ? li->kind : ENT_LINE_ITEM_PRODUCT));
    sqlite3_bind_int(st, 14, li->activatable);
    sqlite3_bind_int(st, 15, li->auto_deploy);
    sqlite3_bind_int(st, 16, li->deployed);
    ent_sqlite_bind_text(st, 17, li->product_version);
    ent_sqlite_bind_text(st, 18, li->part_number);
}

int
ent_sqlite_order_add_items(struct ent_store_session *base, const struct ent_order *o, size_t first)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    int code = ENT_OK;
    for (size_t i = first; code == ENT_OK && i < o->n_items; i++) {
        const struct ent_line_item *li = &o->items[i];
        code = ent_sqlite_register_activation_id(s, li->activation_id, "line_item", li->id);
        if (code < 0)
            break;
        sqlite3_stmt *st = ent_sqlite_prep(
            s, "INSERT INTO order_line_items (id, order_id, position, product_id, quantity,"
               " quantity_per_copy, start_ms, end_ms, order_type, activation_id,"
               " parent_activation_id, attributes, kind, activatable, auto_deploy, deployed,"
               " product_version, part_number) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
               " ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)");
        if (!st)
            return ENT_ESTORE;
        bind_line_item(st, o->id, i, li);
        code = ent_sqlite_exec_done(s, st, "insert line item");
    }
    return code;
}

int
ent_sqlite_order_insert(struct ent_store_session *base, const struct ent_order *o)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "INSERT INTO orders (id, account_id, status, attributes,"
                                          " created_ms, updated_ms, activated_ms, external_id,"
                                          " description, ship_to_email, ship_to_address)"
                                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    if (!st)
        return ENT_ESTORE;
    bind_order(st, o);
    int code = ent_sqlite_exec_done(s, st, "insert order");
    return code < 0 ? code : ent_sqlite_order_add_items(base, o, 0);
}

int
ent_sqlite_order_update(struct ent_store_session *base, const struct ent_order *o)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "UPDATE orders SET account_id = ?2, attributes = ?4, updated_ms = ?6,"
           " external_id = ?8, description = ?9, ship_to_email = ?10, ship_to_address = ?11"
           " WHERE id = ?1 AND ?3 IS ?3 AND ?5 IS ?5 AND ?7 IS ?7");
    if (!st)
        return ENT_ESTORE;
    bind_order(st, o);
    return ent_sqlite_exec_one(s, st, "update order");
}

int
ent_sqlite_line_item_update(struct ent_store_session *base, const char *order_id,
                            const struct ent_line_item *li)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "UPDATE order_line_items SET product_id = ?4, order_type = ?9,"
           " parent_activation_id = ?11, attributes = ?12, activatable = ?14, auto_deploy = ?15,"
           " deployed = ?16, product_version = ?17, part_number = ?18"
           " WHERE id = ?1 AND order_id = ?2 AND ?3 IS ?3 AND ?5 IS ?5 AND ?6 IS ?6 AND ?7 IS ?7"
           " AND ?8 IS ?8 AND ?10 IS ?10 AND ?13 IS ?13");
    if (!st)
        return ENT_ESTORE;
    bind_line_item(st, order_id, 0, li);
    return ent_sqlite_exec_one(s, st, "update line item");
}

int
ent_sqlite_entitlements_of_line_item(struct ent_store_session *base, struct ent_arena *a,
                                     const char *line_item_id, struct ent_entitlement **out,
                                     size_t *n)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "SELECT " ENT_ROWS_ENTITLEMENT_COLUMNS ", (SELECT count(*) FROM entitlements"
           " WHERE line_item_id = ?1 AND status <> 'revoked')" ENT_ROWS_ENTITLEMENT_FROM
           " WHERE e.line_item_id = ?1 AND e.status <> 'revoked' ORDER BY e.seq");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, line_item_id);
    return ent_sqlite_get_all(s, st, ENT_ROWS_ENTITLEMENT_WIDTH, ent_rows_entitlement,
                              sizeof(**out), a, (void **)out, n, "entitlements of line item");
}

/* Reads the line items of order out->id. */
static int
read_line_items(struct sqlite_session *s, struct ent_arena *a, struct ent_order *out)
{
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "SELECT " ENT_ROWS_LINE_ITEM_COLUMNS
           ", (SELECT count(*) FROM order_line_items WHERE order_id = ?1)" ENT_ROWS_LINE_ITEM_FROM
           " WHERE li.order_id = ?1 ORDER BY li.position");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, out->id);
    return ent_sqlite_get_all(s, st, ENT_ROWS_LINE_ITEM_WIDTH, ent_rows_line_item,
                              sizeof(*out->items), a, (void **)&out->items, &out->n_items,
                              "line items");
}

int
ent_sqlite_order_get(struct ent_store_session *base, struct ent_arena *a, const char *id,
                     struct ent_order *out)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "SELECT " ENT_ROWS_ORDER_COLUMNS
                                          " FROM orders WHERE id = ?1 OR external_id = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id);
    int code = ent_sqlite_get(s, st, ent_rows_order, a, out, "get order");
    return code < 0 ? code : read_line_items(s, a, out);
}

int
ent_sqlite_order_activate(struct ent_store_session *base, const char *id, int64_t now_ms)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "UPDATE orders SET status = 'active', activated_ms = ?2,"
                                          " updated_ms = ?2 WHERE id = ?1 AND status = 'draft'");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id);
    sqlite3_bind_int64(st, 2, now_ms);
    return ent_sqlite_exec_done(s, st, "activate order");
}

int
ent_sqlite_maintenance_of(struct ent_store_session *base, struct ent_arena *a,
                          const char *activation_id, struct ent_store_maintenance **out, size_t *n)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "SELECT " ENT_ROWS_MAINTENANCE_COLUMNS ", (SELECT count(*) FROM order_line_items"
           " WHERE parent_activation_id IN (?1, (SELECT activation_id FROM entitlements"
           " WHERE id = ?1)) AND kind = 'maintenance' AND deployed = 1)" ENT_ROWS_MAINTENANCE_FROM
           " WHERE li.parent_activation_id IN (?1, (SELECT"
           " activation_id FROM entitlements WHERE id = ?1)) AND li.kind = 'maintenance'"
           " AND li.deployed = 1 ORDER BY li.start_ms, li.id");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, activation_id);
    return ent_sqlite_get_all(s, st, 6, ent_rows_maintenance, sizeof(**out), a, (void **)out, n,
                              "maintenance of");
}

int
ent_sqlite_line_item_is_maintenance(struct ent_store_session *base, const char *activation_id,
                                    bool *yes)
{
    int64_t n = 0;
    int code = ent_sqlite_count_query((struct sqlite_session *)base,
                                      "SELECT count(*) FROM order_line_items"
                                      " WHERE activation_id = ?1 AND kind = 'maintenance'",
                                      activation_id, &n);
    *yes = n > 0;
    return code;
}
