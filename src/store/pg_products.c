/* SPDX-License-Identifier: MIT */
/*
 * pg_products.c: the products of the catalog (table products) with the features they grant
 * (product_entitlements) and their components (product_components), on PostgreSQL.
 */
#include "store/pg_int.h"
#include "store/store.h"

/* Replaces the entitlements and components of product p. */
static int
write_product_lists(struct pg_session *s, const struct ent_product *prod)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, prod->id);
    int code = ent_pg_exec_done(s, "DELETE FROM product_entitlements WHERE product_id = $1", &p,
                                NULL, "clear product entitlements");
    if (code == ENT_OK)
        code = ent_pg_exec_done(s, "DELETE FROM product_components WHERE product_id = $1", &p, NULL,
                                "clear product components");
    for (size_t i = 0; code == ENT_OK && i < prod->n_entitlements; i++) {
        struct pg_params q = {0};
        ent_pg_p_text(&q, prod->id);
        ent_pg_p_text(&q, prod->entitlements[i].feature_id);
        ent_pg_p_int(&q, (int64_t)i);
        ent_pg_p_text(&q, prod->entitlements[i].value);
        ent_pg_p_text(&q, prod->entitlements[i].name);
        code = ent_pg_exec_done(s,
                                "INSERT INTO product_entitlements (product_id, feature_id,"
                                " position, value, name) VALUES ($1, $2, $3, $4, $5)",
                                &q, NULL, "insert product entitlement");
    }
    for (size_t i = 0; code == ENT_OK && i < prod->n_components; i++) {
        struct pg_params q = {0};
        ent_pg_p_text(&q, prod->id);
        ent_pg_p_text(&q, prod->components[i].product_id);
        ent_pg_p_int(&q, (int64_t)i);
        ent_pg_p_int(&q, prod->components[i].quantity);
        code = ent_pg_exec_done(s,
                                "INSERT INTO product_components (product_id, component_id,"
                                " position, quantity) VALUES ($1, $2, $3, $4)",
                                &q, NULL, "insert component");
    }
    return code;
}

/* The parameters shared by product insert and update ($1 … $20). */
static void
product_params(struct pg_params *p, const struct ent_product *prod)
{
    ent_pg_p_text(p, prod->id);
    ent_pg_p_text(p, prod->key);
    ent_pg_p_text(p, prod->name);
    ent_pg_p_text(p, ent_category_name(prod->category));
    ent_pg_p_text(p, prod->description);
    ent_pg_p_int(p, prod->license_model.present);
    ent_pg_p_text(p, prod->license_model.issuer);
    ent_pg_p_text(p, prod->license_model.vendor_string);
    ent_pg_p_text(p, prod->license_model.notice);
    if (prod->max_leases >= 0)
        ent_pg_p_int(p, prod->max_leases);
    else
        ent_pg_p_null(p);
    if (prod->max_lease_days >= 0)
        ent_pg_p_int(p, prod->max_lease_days);
    else
        ent_pg_p_null(p);
    ent_pg_p_text(p, ent_status_name(prod->status));
    ent_pg_p_text(p, prod->attributes ? prod->attributes : "{}");
    ent_pg_p_int(p, prod->updated_ms);
    /* Signed licenses (issue 13): the license model's name, serial prefix and self-service. */
    ent_pg_p_text(p, prod->license_model.name);
    ent_pg_p_text(p, prod->license_model.serial_prefix);
    ent_pg_p_int(p, prod->license_model.self_service);
    /* Seed 004 (issue 17): part number, version, the license model's attributes. */
    ent_pg_p_text(p, prod->part_number);
    ent_pg_p_text(p, prod->version);
    ent_pg_p_text(p, prod->license_model.present ? prod->license_model.attributes : NULL);
}

int
ent_pg_product_insert(struct ent_store_session *base, const struct ent_product *prod)
{
    struct pg_session *s = (struct pg_session *)base;
    struct pg_params p = {0};
    product_params(&p, prod);
    ent_pg_p_int(&p, prod->created_ms);
    int code = ent_pg_exec_done(
        s,
        "INSERT INTO products (id, key, name, category, description, has_license_model,"
        " lm_issuer, lm_vendor_string, lm_notice, max_leases, max_lease_days, status,"
        " attributes, updated_ms, lm_name, lm_serial_prefix, lm_self_service, part_number,"
        " version, lm_attributes, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
        " $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
        &p, NULL, "insert product");
    return code == ENT_OK ? write_product_lists(s, prod) : code;
}

int
ent_pg_product_update(struct ent_store_session *base, const struct ent_product *prod)
{
    struct pg_session *s = (struct pg_session *)base;
    struct pg_params p = {0};
    product_params(&p, prod);
    int code = ent_pg_exec_one(
        s,
        "UPDATE products SET key = $2, name = $3, category = $4, description = $5,"
        " has_license_model = $6, lm_issuer = $7, lm_vendor_string = $8, lm_notice = $9,"
        " max_leases = $10, max_lease_days = $11, status = $12, attributes = $13,"
        " updated_ms = $14, lm_name = $15, lm_serial_prefix = $16, lm_self_service = $17,"
        " part_number = $18, version = $19, lm_attributes = $20 WHERE id = $1",
        &p, "update product");
    return code == ENT_OK ? write_product_lists(s, prod) : code;
}

int
ent_pg_product_delete(struct ent_store_session *base, const char *id)
{
    return ent_pg_delete_by_id((struct pg_session *)base, "DELETE FROM products WHERE id = $1", id,
                               "delete product");
}

/* Reads the entitlements and components of product out->id into out. */
static int
read_product_lists(struct pg_session *s, struct ent_arena *a, struct ent_product *out)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, out->id);
    int code =
        ent_pg_get_all(s,
                       "SELECT " ENT_ROWS_PRODUCT_ENTITLEMENT_COLUMNS
                       " FROM product_entitlements pe JOIN features f ON f.id ="
                       " pe.feature_id WHERE pe.product_id = $1 ORDER BY pe.position",
                       &p, ent_rows_product_entitlement, sizeof(*out->entitlements), a,
                       (void **)&out->entitlements, &out->n_entitlements, "product entitlements");
    if (code < 0)
        return code;
    return ent_pg_get_all(s,
                          "SELECT " ENT_ROWS_COMPONENT_COLUMNS " FROM product_components c"
                          " JOIN products p ON p.id = c.component_id WHERE c.product_id = $1"
                          " ORDER BY c.position",
                          &p, ent_rows_component, sizeof(*out->components), a,
                          (void **)&out->components, &out->n_components, "product components");
}

int
ent_pg_product_get(struct ent_store_session *base, struct ent_arena *a, const char *id_or_key,
                   struct ent_product *out)
{
    struct pg_session *s = (struct pg_session *)base;
    struct pg_params p = {0};
    ent_pg_p_text(&p, id_or_key);
    int code =
        ent_pg_get(s, "SELECT " ENT_ROWS_PRODUCT_COLUMNS " FROM products WHERE id = $1 OR key = $1",
                   &p, ent_rows_product, a, out, "get product");
    return code < 0 ? code : read_product_lists(s, a, out);
}

int
ent_pg_product_bundles(struct ent_store_session *base, struct ent_arena *a, const char *product_id,
                       char (**ids)[37], size_t *n)
{
    return ent_pg_id_query((struct pg_session *)base, a,
                           "SELECT product_id FROM product_components WHERE component_id = $1"
                           " ORDER BY product_id",
                           product_id, ids, n);
}

int
ent_pg_product_grant_count(struct ent_store_session *base, const char *product_id, int64_t *n)
{
    return ent_pg_count_query((struct pg_session *)base,
                              "SELECT (SELECT count(*) FROM order_line_items WHERE"
                              " product_id = $1) + (SELECT count(*) FROM entitlements WHERE"
                              " product_id = $1) + (SELECT count(*) FROM leases WHERE"
                              " product_id = $1)",
                              product_id, n);
}

int
ent_pg_product_ids_granting(struct ent_store_session *base, struct ent_arena *a,
                            const char *feature_id, char (**ids)[37], size_t *n)
{
    return ent_pg_id_query((struct pg_session *)base, a,
                           "SELECT product_id FROM product_entitlements WHERE feature_id = $1"
                           " ORDER BY product_id",
                           feature_id, ids, n);
}
