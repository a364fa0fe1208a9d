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

int
ent_sqlite_order_insert(struct ent_store_session *base, const struct ent_order *o)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "INSERT INTO orders (id, account_id, status, attributes,"
                                          " created_ms, updated_ms, activated_ms)"
                                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, o->id);
    ent_sqlite_bind_text(st, 2, o->account_id);
    ent_sqlite_bind_text(st, 3, ent_order_status_name(o->status));
    ent_sqlite_bind_text(st, 4, o->attributes ? o->attributes : "{}");
    sqlite3_bind_int64(st, 5, o->created_ms);
    sqlite3_bind_int64(st, 6, o->updated_ms);
    ent_sqlite_bind_time(st, 7, o->activated_ms);
    int code = ent_sqlite_exec_done(s, st, "insert order");
    for (size_t i = 0; code == ENT_OK && i < o->n_items; i++) {
        const struct ent_line_item *li = &o->items[i];
        code = ent_sqlite_register_activation_id(s, li->activation_id, "line_item", li->id);
        if (code < 0)
            break;
        st = ent_sqlite_prep(
            s, "INSERT INTO order_line_items (id, order_id, position, product_id, quantity,"
               " quantity_per_copy, start_ms, end_ms, order_type, activation_id,"
               " parent_activation_id, attributes)"
               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
        if (!st)
            return ENT_ESTORE;
        ent_sqlite_bind_text(st, 1, li->id);
        ent_sqlite_bind_text(st, 2, o->id);
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
        code = ent_sqlite_exec_done(s, st, "insert line item");
    }
    return code;
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
    return ent_sqlite_get_all(s, st, 11, ent_rows_line_item, sizeof(*out->items), a,
                              (void **)&out->items, &out->n_items, "line items");
}

int
ent_sqlite_order_get(struct ent_store_session *base, struct ent_arena *a, const char *id,
                     struct ent_order *out)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "SELECT " ENT_ROWS_ORDER_COLUMNS " FROM orders WHERE id = ?1");
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
