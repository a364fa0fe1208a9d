/* SPDX-License-Identifier: MIT */
/*
 * api_features.c: the HTTP face of features: decode a request strictly, call one function of
 * the library, encode its answer. No rules here; they are the library's.
 */
#include <string.h>

#include "http/api.h"
#include "http/json.h"
#include "http/paging.h"

/* The enum parsers in the shape the JSON reader takes. */
static int
parse_type(const char *s)
{
    return (int)ent_feature_type_parse(s);
}

static int
parse_period(const char *s)
{
    return (int)ent_period_parse(s);
}

static int
parse_status(const char *s)
{
    return (int)ent_status_parse(s);
}

json_t *
ent_api_features_encode(const struct ent_feature *f)
{
    json_t *levels = json_array();
    for (size_t i = 0; i < f->n_levels; i++) {
        json_t *l = json_object();
        json_object_set_new(l, "value", json_string(f->levels[i].value));
        json_object_set_new(l, "name", json_string(f->levels[i].name));
        if (f->levels[i].is_unlimited)
            json_object_set_new(l, "is_unlimited", json_true());
        json_array_append_new(levels, l);
    }
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(f->id));
    json_object_set_new(o, "key", json_string(f->key));
    json_object_set_new(o, "name", json_string(f->name));
    json_object_set_new(o, "type", json_string(ent_feature_type_name(f->type)));
    json_object_set_new(o, "unit", ent_json_str_or_null(f->unit));
    json_object_set_new(o, "levels", levels);
    json_object_set_new(o, "reset_period",
                        f->reset_period ? json_string(ent_period_name(f->reset_period))
                                        : json_null());
    json_object_set_new(o, "activations_enabled", json_boolean(f->activations_enabled));
    json_object_set_new(o, "status", json_string(ent_status_name(f->status)));
    json_object_set_new(o, "attributes", ent_json_raw_object(f->attributes));
    json_object_set_new(o, "created_at", ent_json_time(f->created_ms));
    json_object_set_new(o, "updated_at", ent_json_time(f->updated_ms));
    if (f->products) { /* the answer of a create that gave the products granting it */
        json_t *products = json_array();
        for (size_t i = 0; i < f->n_products; i++) {
            json_t *g = json_object();
            json_object_set_new(g, "product", json_string(f->products[i].product));
            json_object_set_new(g, "value", json_string(f->products[i].value));
            json_object_set_new(g, "name", json_string(f->products[i].name));
            json_array_append_new(products, g);
        }
        json_object_set_new(o, "products", products);
    }
    return o;
}

/* ent_api_features_encode() in the shape of a list item encoder. */
static json_t *
encode_item(const void *item)
{
    return ent_api_features_encode(item);
}

/* Reads the levels array into f. */
static void
read_levels(struct ent_jreader *r, struct ent_feature *f)
{
    json_t *arr = NULL;
    if (!ent_json_array(r, "levels", ENT_J_NULLABLE, 100, &arr))
        return;
    size_t n = json_array_size(arr);
    f->levels = ent_ctx_alloc(r->ctx, (n ? n : 1) * sizeof(*f->levels));
    if (!f->levels)
        return;
    memset(f->levels, 0, (n ? n : 1) * sizeof(*f->levels));
    f->n_levels = n;
    static const char *const fields[] = {"value", "name", "is_unlimited", NULL};
    for (size_t i = 0; i < n; i++) {
        json_t *el = json_array_get(arr, i);
        if (!json_is_object(el)) {
            struct ent_jreader child = ent_json_child(r, "levels", (long)i, NULL);
            ent_error_field(r->err, child.path, "must be an object");
            continue;
        }
        struct ent_jreader child = ent_json_child(r, "levels", (long)i, el);
        ent_json_only(&child, fields);
        ent_json_string(&child, "value", ENT_J_NULLABLE, &f->levels[i].value);
        ent_json_string(&child, "name", ENT_J_NULLABLE, &f->levels[i].name);
        ent_json_bool(&child, "is_unlimited", 0, &f->levels[i].is_unlimited);
    }
}

/* Reads the products array of a create (the products that grant the new feature) into f. */
static void
read_products(struct ent_jreader *r, struct ent_feature *f)
{
    json_t *arr = NULL;
    if (!ent_json_array(r, "products", ENT_J_NULLABLE, 100, &arr) || !arr)
        return;
    size_t n = json_array_size(arr);
    f->products = ent_ctx_alloc(r->ctx, (n ? n : 1) * sizeof(*f->products));
    if (!f->products)
        return;
    memset(f->products, 0, (n ? n : 1) * sizeof(*f->products));
    f->n_products = n;
    static const char *const fields[] = {"product", "value", "name", NULL};
    for (size_t i = 0; i < n; i++) {
        json_t *el = json_array_get(arr, i);
        if (!json_is_object(el)) {
            struct ent_jreader child = ent_json_child(r, "products", (long)i, NULL);
            ent_error_field(r->err, child.path, "must be an object");
            continue;
        }
        struct ent_jreader child = ent_json_child(r, "products", (long)i, el);
        ent_json_only(&child, fields);
        ent_json_string(&child, "product", ENT_J_REQUIRED, &f->products[i].product);
        ent_json_string(&child, "value", ENT_J_REQUIRED, &f->products[i].value);
        ent_json_string(&child, "name", ENT_J_NULLABLE, &f->products[i].name);
    }
}

/* Reads a feature body (create when creating, else a PATCH) into f. */
static void
read_feature(struct ent_request *req, struct ent_error *err, bool creating, struct ent_feature *f)
{
    static const char *const create_fields[] = {
        "key",        "name",     "type", "unit", "levels", "reset_period", "activations_enabled",
        "attributes", "products", NULL};
    static const char *const patch_fields[] = {
        "name",   "unit",       "levels", "reset_period", "activations_enabled",
        "status", "attributes", NULL};
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = err};
    memset(f, 0, sizeof(*f));
    ent_json_only(&r, creating ? create_fields : patch_fields);
    int v = 0;
    if (creating) {
        ent_json_string(&r, "key", ENT_J_REQUIRED, &f->key);
        if (ent_json_enum(&r, "type", ENT_J_REQUIRED, parse_type,
                          "switch, quantity, range, custom, metered", &v))
            f->type = (enum ent_feature_type)v;
        read_products(&r, f);
    }
    if (ent_json_string(&r, "name", creating ? ENT_J_REQUIRED : 0, &f->name))
        f->set |= ENT_FEATURE_F_NAME;
    if (json_object_get(req->json, "unit")) {
        f->set |= ENT_FEATURE_F_UNIT;
        ent_json_string(&r, "unit", ENT_J_NULLABLE, &f->unit);
    }
    if (json_object_get(req->json, "levels")) {
        f->set |= ENT_FEATURE_F_LEVELS;
        read_levels(&r, f);
    }
    if (json_object_get(req->json, "reset_period")) {
        f->set |= ENT_FEATURE_F_RESET_PERIOD;
        if (ent_json_enum(&r, "reset_period", ENT_J_NULLABLE, parse_period,
                          "hour, day, week, month, year, never", &v))
            f->reset_period = (enum ent_period)v;
    }
    if (ent_json_bool(&r, "activations_enabled", 0, &f->activations_enabled))
        f->set |= ENT_FEATURE_F_ACTIVATIONS;
    if (!creating && ent_json_enum(&r, "status", 0, parse_status, "active, archived", &v)) {
        f->status = (enum ent_status)v;
        f->set |= ENT_FEATURE_F_STATUS;
    }
    if (json_object_get(req->json, "attributes")) {
        /* null clears the attributes */
        f->set |= ENT_FEATURE_F_ATTRIBUTES;
        ent_json_object_text(&r, "attributes", ENT_J_NULLABLE, &f->attributes);
    }
}

void
ent_api_features_create(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_feature in, out;
    read_feature(req, &err, true, &in);
    if (err.code == ENT_OK)
        ent_features_create(req->ctx, &in, &out, &err);
    if (err.code != ENT_OK)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 201, ent_api_features_encode(&out));
}

void
ent_api_features_list(struct ent_request *req)
{
    ent_paging_serve(req, ent_features_list, sizeof(struct ent_feature), encode_item);
}

void
ent_api_features_get(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_feature f;
    if (ent_features_get(req->ctx, req->params[0], &f, &err) < 0)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 200, ent_api_features_encode(&f));
}

void
ent_api_features_update(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_feature patch, out;
    read_feature(req, &err, false, &patch);
    if (err.code == ENT_OK)
        ent_features_update(req->ctx, req->params[0], &patch, &out, &err);
    if (err.code != ENT_OK)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 200, ent_api_features_encode(&out));
}

void
ent_api_features_delete(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    if (ent_features_delete(req->ctx, req->params[0], &err) < 0)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_empty(req, 204);
}
