/* SPDX-License-Identifier: MIT */
/*
 * api_products.c: the HTTP face of products and of the entitlements they grant.
 */
#include <string.h>

#include "http/api.h"
#include "http/json.h"
#include "http/paging.h"

#define LIST_MAX 100

static int
parse_category(const char *s)
{
    return (int)ent_category_parse(s);
}

static int
parse_status(const char *s)
{
    return (int)ent_status_parse(s);
}

json_t *
ent_api_products_encode_entitlement(const struct ent_product_entitlement *pe)
{
    json_t *o = json_object();
    json_object_set_new(o, "feature", json_string(pe->feature));
    json_object_set_new(o, "value", json_string(pe->value));
    json_object_set_new(o, "name", json_string(pe->name));
    return o;
}

/* A limit that may be absent: null for -1. */
static json_t *
optional_limit(int64_t v)
{
    return v < 0 ? json_null() : json_integer(v);
}

json_t *
ent_api_products_encode(const struct ent_product *p)
{
    json_t *ents = json_array();
    for (size_t i = 0; i < p->n_entitlements; i++)
        json_array_append_new(ents, ent_api_products_encode_entitlement(&p->entitlements[i]));
    json_t *comps = json_array();
    for (size_t i = 0; i < p->n_components; i++) {
        json_t *c = json_object();
        json_object_set_new(c, "product", json_string(p->components[i].product));
        json_object_set_new(c, "quantity", json_integer(p->components[i].quantity));
        json_array_append_new(comps, c);
    }
    json_t *lm = json_null();
    if (p->license_model.present) {
        lm = json_object();
        json_object_set_new(lm, "issuer", ent_json_str_or_null(p->license_model.issuer));
        json_object_set_new(lm, "vendor_string",
                            ent_json_str_or_null(p->license_model.vendor_string));
        json_object_set_new(lm, "notice", ent_json_str_or_null(p->license_model.notice));
        /* Signed licenses (issue 13) */
        json_object_set_new(lm, "name", ent_json_str_or_null(p->license_model.name));
        json_object_set_new(lm, "serial_number_prefix",
                            ent_json_str_or_null(p->license_model.serial_prefix));
        json_object_set_new(lm, "self_service", json_boolean(p->license_model.self_service));
        /* Seed 004 (issue 17) */
        json_object_set_new(lm, "attributes", ent_json_raw_object(p->license_model.attributes));
    }
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(p->id));
    json_object_set_new(o, "key", json_string(p->key));
    json_object_set_new(o, "name", json_string(p->name));
    json_object_set_new(o, "category", json_string(ent_category_name(p->category)));
    json_object_set_new(o, "description", ent_json_str_or_null(p->description));
    json_object_set_new(o, "part_number", ent_json_str_or_null(p->part_number));
    json_object_set_new(o, "version", ent_json_str_or_null(p->version));
    json_object_set_new(o, "entitlements", ents);
    json_object_set_new(o, "components", comps);
    json_object_set_new(o, "license_model", lm);
    json_object_set_new(o, "max_leases", optional_limit(p->max_leases));
    json_object_set_new(o, "max_lease_days", optional_limit(p->max_lease_days));
    json_object_set_new(o, "status", json_string(ent_status_name(p->status)));
    json_object_set_new(o, "attributes", ent_json_raw_object(p->attributes));
    json_object_set_new(o, "created_at", ent_json_time(p->created_ms));
    json_object_set_new(o, "updated_at", ent_json_time(p->updated_ms));
    if (p->grant) /* a list filtered by feature: what the product grants of it */
        json_object_set_new(o, "grant", ent_api_products_encode_entitlement(p->grant));
    return o;
}

/* ent_api_products_encode() in the shape of a list item encoder. */
static json_t *
encode_item(const void *item)
{
    return ent_api_products_encode(item);
}

/* Reads the entitlements array into p. */
static void
read_entitlements(struct ent_jreader *r, struct ent_product *p)
{
    json_t *arr = NULL;
    if (!ent_json_array(r, "entitlements", 0, LIST_MAX, &arr))
        return;
    size_t n = json_array_size(arr);
    p->entitlements = ent_ctx_alloc(r->ctx, (n ? n : 1) * sizeof(*p->entitlements));
    if (!p->entitlements)
        return;
    memset(p->entitlements, 0, (n ? n : 1) * sizeof(*p->entitlements));
    p->n_entitlements = n;
    static const char *const fields[] = {"feature", "value", "name", NULL};
    for (size_t i = 0; i < n; i++) {
        json_t *el = json_array_get(arr, i);
        struct ent_jreader child = ent_json_child(r, "entitlements", (long)i, el);
        if (!json_is_object(el)) {
            ent_error_field(r->err, child.path, "must be an object");
            continue;
        }
        ent_json_only(&child, fields);
        ent_json_string(&child, "feature", ENT_J_REQUIRED, &p->entitlements[i].feature);
        ent_json_string(&child, "value", ENT_J_REQUIRED, &p->entitlements[i].value);
        ent_json_string(&child, "name", ENT_J_NULLABLE, &p->entitlements[i].name);
    }
}

/* Reads the components array into p. */
static void
read_components(struct ent_jreader *r, struct ent_product *p)
{
    json_t *arr = NULL;
    if (!ent_json_array(r, "components", 0, LIST_MAX, &arr))
        return;
    size_t n = json_array_size(arr);
    p->components = ent_ctx_alloc(r->ctx, (n ? n : 1) * sizeof(*p->components));
    if (!p->components)
        return;
    memset(p->components, 0, (n ? n : 1) * sizeof(*p->components));
    p->n_components = n;
    static const char *const fields[] = {"product", "quantity", NULL};
    for (size_t i = 0; i < n; i++) {
        json_t *el = json_array_get(arr, i);
        struct ent_jreader child = ent_json_child(r, "components", (long)i, el);
        if (!json_is_object(el)) {
            ent_error_field(r->err, child.path, "must be an object");
            continue;
        }
        ent_json_only(&child, fields);
        ent_json_string(&child, "product", ENT_J_REQUIRED, &p->components[i].product);
        p->components[i].quantity = 1;
        ent_json_int(&child, "quantity", 0, 1, 1000000000, &p->components[i].quantity);
    }
}

/* Reads the license_model object into p. */
static void
read_license_model(struct ent_jreader *r, struct ent_product *p)
{
    json_t *obj = NULL;
    if (!ent_json_object(r, "license_model", ENT_J_NULLABLE, &obj))
        return;
    static const char *const fields[] = {
        "issuer",       "vendor_string", "notice", "name", "serial_number_prefix",
        "self_service", "attributes",    NULL};
    struct ent_jreader child = ent_json_child(r, "license_model", -1, obj);
    ent_json_only(&child, fields);
    p->license_model.present = true;
    ent_json_string(&child, "issuer", ENT_J_NULLABLE, &p->license_model.issuer);
    ent_json_string(&child, "vendor_string", ENT_J_NULLABLE, &p->license_model.vendor_string);
    ent_json_string(&child, "notice", ENT_J_NULLABLE, &p->license_model.notice);
    /* Signed licenses (issue 13) */
    ent_json_string(&child, "name", ENT_J_NULLABLE, &p->license_model.name);
    ent_json_string(&child, "serial_number_prefix", ENT_J_NULLABLE,
                    &p->license_model.serial_prefix);
    ent_json_bool(&child, "self_service", ENT_J_NULLABLE, &p->license_model.self_service);
    /* Seed 004 (issue 17) */
    ent_json_object_text(&child, "attributes", ENT_J_NULLABLE, &p->license_model.attributes);
}

/* Reads max_leases or max_lease_days: a whole number >= 1, or null for none. */
static bool
read_limit(struct ent_jreader *r, const char *name, int64_t *out)
{
    json_t *v = json_object_get(r->obj, name);
    if (!v)
        return false;
    *out = -1;
    ent_json_int(r, name, ENT_J_NULLABLE, 1, 1000000000, out);
    return true;
}

/* Reads a product body (create, or a PATCH) into p. */
static void
read_product(struct ent_request *req, struct ent_error *err, bool creating, struct ent_product *p)
{
    static const char *const create_fields[] = {
        "key",         "name",          "category",   "description",    "entitlements",
        "components",  "license_model", "max_leases", "max_lease_days", "attributes",
        "part_number", "version",       NULL};
    static const char *const patch_fields[] = {
        "name",       "category",      "description", "entitlements",
        "components", "license_model", "max_leases",  "max_lease_days",
        "status",     "attributes",    "part_number", "version",
        NULL};
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = err};
    memset(p, 0, sizeof(*p));
    p->max_leases = p->max_lease_days = -1;
    ent_json_only(&r, creating ? create_fields : patch_fields);
    int v = 0;
    if (creating)
        ent_json_string(&r, "key", ENT_J_REQUIRED, &p->key);
    if (ent_json_string(&r, "name", creating ? ENT_J_REQUIRED : 0, &p->name))
        p->set |= ENT_PRODUCT_F_NAME;
    if (ent_json_enum(&r, "category", creating ? ENT_J_REQUIRED : 0, parse_category,
                      "recurring_services, professional_services, customer_support, "
                      "physical_goods, other",
                      &v)) {
        p->category = (enum ent_category)v;
        p->set |= ENT_PRODUCT_F_CATEGORY;
    }
    if (json_object_get(req->json, "description")) {
        p->set |= ENT_PRODUCT_F_DESCRIPTION;
        ent_json_string(&r, "description", ENT_J_NULLABLE, &p->description);
    }
    if (json_object_get(req->json, "entitlements")) {
        p->set |= ENT_PRODUCT_F_ENTITLEMENTS;
        read_entitlements(&r, p);
    }
    if (json_object_get(req->json, "components")) {
        p->set |= ENT_PRODUCT_F_COMPONENTS;
        read_components(&r, p);
    }
    if (json_object_get(req->json, "license_model")) {
        p->set |= ENT_PRODUCT_F_LICENSE_MODEL;
        read_license_model(&r, p);
    }
    if (read_limit(&r, "max_leases", &p->max_leases))
        p->set |= ENT_PRODUCT_F_MAX_LEASES;
    if (read_limit(&r, "max_lease_days", &p->max_lease_days))
        p->set |= ENT_PRODUCT_F_MAX_LEASE_DAYS;
    if (!creating && ent_json_enum(&r, "status", 0, parse_status, "active, archived", &v)) {
        p->status = (enum ent_status)v;
        p->set |= ENT_PRODUCT_F_STATUS;
    }
    if (json_object_get(req->json, "attributes")) {
        /* null clears the attributes */
        p->set |= ENT_PRODUCT_F_ATTRIBUTES;
        ent_json_object_text(&r, "attributes", ENT_J_NULLABLE, &p->attributes);
    }
    /* Seed 004 (issue 17): null clears them */
    if (json_object_get(req->json, "part_number")) {
        p->set |= ENT_PRODUCT_F_PART_NUMBER;
        ent_json_string(&r, "part_number", ENT_J_NULLABLE, &p->part_number);
    }
    if (json_object_get(req->json, "version")) {
        p->set |= ENT_PRODUCT_F_VERSION;
        ent_json_string(&r, "version", ENT_J_NULLABLE, &p->version);
    }
}

void
ent_api_products_create(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_product in, out;
    read_product(req, &err, true, &in);
    if (err.code == ENT_OK)
        ent_products_create(req->ctx, &in, &out, &err);
    if (err.code != ENT_OK)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 201, ent_api_products_encode(&out));
}

void
ent_api_products_list(struct ent_request *req)
{
    ent_paging_serve(req, ent_products_list, sizeof(struct ent_product), encode_item);
}

void
ent_api_products_get(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_product p;
    if (ent_products_get(req->ctx, req->params[0], &p, &err) < 0)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 200, ent_api_products_encode(&p));
}

void
ent_api_products_update(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_product patch, out;
    read_product(req, &err, false, &patch);
    if (err.code == ENT_OK)
        ent_products_update(req->ctx, req->params[0], &patch, &out, &err);
    if (err.code != ENT_OK)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 200, ent_api_products_encode(&out));
}

void
ent_api_products_delete(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    if (ent_products_delete(req->ctx, req->params[0], &err) < 0)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_empty(req, 204);
}

void
ent_api_products_set_entitlement(struct ent_request *req)
{
    static const char *const fields[] = {"value", "name", NULL};
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = &err};
    const char *value = NULL, *name = NULL;
    ent_json_only(&r, fields);
    ent_json_string(&r, "value", ENT_J_REQUIRED, &value);
    ent_json_string(&r, "name", ENT_J_NULLABLE, &name);
    struct ent_product_entitlement out;
    if (err.code == ENT_OK)
        ent_products_set_entitlement(req->ctx, req->params[0], req->params[1], value, name, &out,
                                     &err);
    if (err.code != ENT_OK)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 200, ent_api_products_encode_entitlement(&out));
}

void
ent_api_products_remove_entitlement(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    if (ent_products_remove_entitlement(req->ctx, req->params[0], req->params[1], &err) < 0)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_empty(req, 204);
}
