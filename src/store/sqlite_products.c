/* SPDX-License-Identifier: MIT */
/*
 * sqlite_products.c: the products of the catalog (table products) with the features they grant
 * (product_entitlements) and their components (product_components), on SQLite.
 */
#include "store/sqlite_int.h"
#include "store/store.h"

/* Replaces the entitlements and components of product p. */
static int
write_product_lists(struct sqlite_session *s, const struct ent_product *p)
{
    static const char *const clear[] = {
        "DELETE FROM product_entitlements WHERE product_id = ?1",
        "DELETE FROM product_components WHERE product_id = ?1",
    };
    int code = ENT_OK;
    for (size_t i = 0; code == ENT_OK && i < 2; i++) {
        sqlite3_stmt *st = ent_sqlite_prep(s, clear[i]);
        if (!st)
            return ENT_ESTORE;
        ent_sqlite_bind_text(st, 1, p->id);
        code = ent_sqlite_exec_done(s, st, "clear product lists");
    }
    for (size_t i = 0; code == ENT_OK && i < p->n_entitlements; i++) {
        sqlite3_stmt *st =
            ent_sqlite_prep(s, "INSERT INTO product_entitlements (product_id, feature_id,"
                               " position, value, name) VALUES (?1, ?2, ?3, ?4, ?5)");
        if (!st)
            return ENT_ESTORE;
        ent_sqlite_bind_text(st, 1, p->id);
        ent_sqlite_bind_text(st, 2, p->entitlements[i].feature_id);
        sqlite3_bind_int64(st, 3, (int64_t)i);
        ent_sqlite_bind_text(st, 4, p->entitlements[i].value);
        ent_sqlite_bind_text(st, 5, p->entitlements[i].name);
        code = ent_sqlite_exec_done(s, st, "insert product entitlement");
    }
    for (size_t i = 0; code == ENT_OK && i < p->n_components; i++) {
        sqlite3_stmt *st =
            ent_sqlite_prep(s, "INSERT INTO product_components (product_id, component_id,"
                               " position, quantity) VALUES (?1, ?2, ?3, ?4)");
        if (!st)
            return ENT_ESTORE;
        ent_sqlite_bind_text(st, 1, p->id);
        ent_sqlite_bind_text(st, 2, p->components[i].product_id);
        sqlite3_bind_int64(st, 3, (int64_t)i);
        sqlite3_bind_int64(st, 4, p->components[i].quantity);
        code = ent_sqlite_exec_done(s, st, "insert component");
    }
    return code;
}

/* Binds the columns shared by product insert and update (?1 … ?21). */
static void
bind_product(sqlite3_stmt *st, const struct ent_product *p)
{
    ent_sqlite_bind_text(st, 1, p->id);
    ent_sqlite_bind_text(st, 2, p->key);
    ent_sqlite_bind_text(st, 3, p->name);
    ent_sqlite_bind_text(st, 4, ent_category_name(p->category));
    ent_sqlite_bind_text(st, 5, p->description);
    sqlite3_bind_int(st, 6, p->license_model.present);
    ent_sqlite_bind_text(st, 7, p->license_model.issuer);
    ent_sqlite_bind_text(st, 8, p->license_model.vendor_string);
    ent_sqlite_bind_text(st, 9, p->license_model.notice);
    if (p->max_leases >= 0)
        sqlite3_bind_int64(st, 10, p->max_leases);
    if (p->max_lease_days >= 0)
        sqlite3_bind_int64(st, 11, p->max_lease_days);
    ent_sqlite_bind_text(st, 12, ent_status_name(p->status));
    ent_sqlite_bind_text(st, 13, p->attributes ? p->attributes : "{}");
    sqlite3_bind_int64(st, 14, p->updated_ms);
    sqlite3_bind_int64(st, 15, p->created_ms);
    /* Signed licenses (issue 13): the license model's name, serial prefix and self-service. */
    ent_sqlite_bind_text(st, 16, p->license_model.name);
    ent_sqlite_bind_text(st, 17, p->license_model.serial_prefix);
    sqlite3_bind_int(st, 18, p->license_model.self_service);
    /* Seed 004 (issue 17): part number, version, the license model's attributes. */
    ent_sqlite_bind_text(st, 19, p->part_number);
    ent_sqlite_bind_text(st, 20, p->version);
    ent_sqlite_bind_text(st, 21, p->license_model.present ? p->license_model.attributes : NULL);
}

int
ent_sqlite_product_insert(struct ent_store_session *base, const struct ent_product *p)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "INSERT INTO products (id, key, name, category, description, has_license_model,"
           " lm_issuer, lm_vendor_string, lm_notice, max_leases, max_lease_days, status,"
           " attributes, updated_ms, created_ms, lm_name, lm_serial_prefix, lm_self_service,"
           " part_number, version, lm_attributes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
           " ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)");
    if (!st)
        return ENT_ESTORE;
    bind_product(st, p);
    int code = ent_sqlite_exec_done(s, st, "insert product");
    return code == ENT_OK ? write_product_lists(s, p) : code;
}

int
ent_sqlite_product_update(struct ent_store_session *base, const struct ent_product *p)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "UPDATE products SET key = ?2, name = ?3, category = ?4, description = ?5,"
           " has_license_model = ?6, lm_issuer = ?7, lm_vendor_string = ?8, lm_notice = ?9,"
           " max_leases = ?10, max_lease_days = ?11, status = ?12, attributes = ?13,"
           " updated_ms = ?14, lm_name = ?16, lm_serial_prefix = ?17, lm_self_service = ?18,"
           " part_number = ?19, version = ?20, lm_attributes = ?21"
           " WHERE id = ?1 AND ?15 IS NOT NULL");
    if (!st)
        return ENT_ESTORE;
    bind_product(st, p);
    int code = ent_sqlite_exec_one(s, st, "update product");
    return code == ENT_OK ? write_product_lists(s, p) : code;
}

int
ent_sqlite_product_delete(struct ent_store_session *base, const char *id)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "DELETE FROM products WHERE id = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id);
    return ent_sqlite_exec_one(s, st, "delete product");
}

/* Reads the entitlements and components of product out->id into out. */
static int
read_product_lists(struct sqlite_session *s, struct ent_arena *a, struct ent_product *out)
{
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "SELECT " ENT_ROWS_PRODUCT_ENTITLEMENT_COLUMNS ", (SELECT count(*)"
                           " FROM product_entitlements WHERE product_id = ?1)"
                           " FROM product_entitlements pe JOIN features f ON f.id ="
                           " pe.feature_id WHERE pe.product_id = ?1 ORDER BY pe.position");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, out->id);
    int code = ent_sqlite_get_all(s, st, 4, ent_rows_product_entitlement,
                                  sizeof(*out->entitlements), a, (void **)&out->entitlements,
                                  &out->n_entitlements, "product entitlements");
    if (code < 0)
        return code;
    st = ent_sqlite_prep(s, "SELECT " ENT_ROWS_COMPONENT_COLUMNS ", (SELECT count(*) FROM"
                            " product_components WHERE product_id = ?1) FROM product_components c"
                            " JOIN products p ON p.id = c.component_id WHERE c.product_id = ?1"
                            " ORDER BY c.position");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, out->id);
    return ent_sqlite_get_all(s, st, 3, ent_rows_component, sizeof(*out->components), a,
                              (void **)&out->components, &out->n_components, "product components");
}

int
ent_sqlite_product_get(struct ent_store_session *base, struct ent_arena *a, const char *id_or_key,
                       struct ent_product *out)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "SELECT " ENT_ROWS_PRODUCT_COLUMNS
                                          " FROM products WHERE id = ?1 OR key = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id_or_key);
    int code = ent_sqlite_get(s, st, ent_rows_product, a, out, "get product");
    return code < 0 ? code : read_product_lists(s, a, out);
}

int
ent_sqlite_product_bundles(struct ent_store_session *base, struct ent_arena *a,
                           const char *product_id, char (**ids)[37], size_t *n)
{
    return ent_sqlite_id_query((struct sqlite_session *)base, a,
                               "SELECT product_id FROM product_components WHERE component_id = ?1"
                               " ORDER BY product_id",
                               product_id, ids, n);
}

int
ent_sqlite_product_grant_count(struct ent_store_session *base, const char *product_id, int64_t *n)
{
    return ent_sqlite_count_query((struct sqlite_session *)base,
                                  "SELECT (SELECT count(*) FROM order_line_items WHERE"
                                  " product_id = ?1) + (SELECT count(*) FROM entitlements WHERE"
                                  " product_id = ?1) + (SELECT count(*) FROM leases WHERE"
                                  " product_id = ?1)",
                                  product_id, n);
}

int
ent_sqlite_product_ids_granting(struct ent_store_session *base, struct ent_arena *a,
                                const char *feature_id, char (**ids)[37], size_t *n)
{
    return ent_sqlite_id_query((struct sqlite_session *)base, a,
                               "SELECT product_id FROM product_entitlements WHERE feature_id = ?1"
                               " ORDER BY product_id",
                               feature_id, ids, n);
}
