/* SPDX-License-Identifier: MIT */
/*
 * api_orders.c: the HTTP face of orders: create (optionally activating at once), read, list,
 * activate.
 */
#include <string.h>

#include "core/utc.h"
#include "http/api.h"
#include "http/json.h"
#include "http/paging.h"

#define ITEMS_MAX 100

static int
parse_order_type(const char *s)
{
    return (int)ent_order_type_parse(s);
}

json_t *
ent_api_orders_encode(const struct ent_order *o)
{
    json_t *items = json_array();
    for (size_t i = 0; i < o->n_items; i++) {
        const struct ent_line_item *li = &o->items[i];
        json_t *j = json_object();
        json_object_set_new(j, "id", json_string(li->id));
        json_object_set_new(j, "product", json_string(li->product));
        json_object_set_new(j, "quantity", json_integer(li->quantity));
        json_object_set_new(j, "quantity_per_copy", json_integer(li->quantity_per_copy));
        json_object_set_new(j, "start_date", ent_json_time(li->start_ms));
        json_object_set_new(j, "end_date", li->permanent ? json_null() : ent_json_time(li->end_ms));
        json_object_set_new(j, "permanent", json_boolean(li->permanent));
        json_object_set_new(j, "order_type", json_string(ent_order_type_name(li->order_type)));
        json_object_set_new(j, "activation_id", json_string(li->activation_id));
        json_object_set_new(j, "parent_activation_id",
                            ent_json_str_or_null(li->parent_activation_id));
        json_object_set_new(j, "attributes", ent_json_raw_object(li->attributes));
        /* seed 004 (issue 17) */
        json_object_set_new(j, "kind", json_string(ent_line_item_kind_name(li->kind)));
        json_object_set_new(j, "activatable", json_boolean(li->activatable));
        json_object_set_new(j, "auto_deploy", json_boolean(li->auto_deploy));
        json_object_set_new(j, "deployed", json_boolean(li->deployed));
        json_object_set_new(j, "product_version", ent_json_str_or_null(li->product_version));
        json_object_set_new(j, "part_number", ent_json_str_or_null(li->part_number));
        json_array_append_new(items, j);
    }
    json_t *o_json = json_object();
    json_object_set_new(o_json, "id", json_string(o->id));
    json_object_set_new(o_json, "number", json_string(o->number));
    json_object_set_new(o_json, "account", json_string(o->account_id));
    json_object_set_new(o_json, "status", json_string(ent_order_status_name(o->status)));
    json_object_set_new(o_json, "items", items);
    json_object_set_new(o_json, "attributes", ent_json_raw_object(o->attributes));
    json_object_set_new(o_json, "created_at", ent_json_time(o->created_ms));
    json_object_set_new(o_json, "updated_at", ent_json_time(o->updated_ms));
    json_object_set_new(o_json, "activated_at", ent_json_time(o->activated_ms));
    /* seed 004 (issue 17) */
    json_object_set_new(o_json, "external_id", ent_json_str_or_null(o->external_id));
    json_object_set_new(o_json, "description", ent_json_str_or_null(o->description));
    json_object_set_new(o_json, "ship_to_email", ent_json_str_or_null(o->ship_to_email));
    json_object_set_new(o_json, "ship_to_address", ent_json_str_or_null(o->ship_to_address));
    return o_json;
}

/* ent_api_orders_encode() in the shape of a list item encoder. */
static json_t *
encode_item(const void *item)
{
    return ent_api_orders_encode(item);
}

bool
ent_api_read_date(struct ent_jreader *r, const char *name, unsigned flags, int64_t *ms)
{
    const char *s = NULL;
    if (!ent_json_string(r, name, flags, &s))
        return false;
    if (!ent_utc_parse(s, true, ms)) {
        ent_json_error(r, name, "must be an RFC 3339 time or a date (YYYY-MM-DD)");
        return false;
    }
    return true;
}

void
ent_api_check_end(struct ent_jreader *r, bool permanent, int64_t end_ms)
{
    json_t *given = json_object_get(r->obj, "permanent");
    if (given && json_is_false(given) && !permanent && end_ms == ENT_TIME_NONE &&
        !json_object_get(r->obj, "end_date"))
        ent_json_error(r, "end_date", "is required unless permanent is true");
}

static int
parse_kind(const char *s)
{
    return (int)ent_line_item_kind_parse(s);
}

/* Reads what seed 004 adds to a line item (kind, flags, version, part number) into li. */
static void
read_seed_fields(struct ent_jreader *c, struct ent_line_item *li)
{
    int v = 0;
    if (ent_json_enum(c, "kind", 0, parse_kind, "product, maintenance", &v))
        li->kind = (enum ent_line_item_kind)v;
    if (ent_json_bool(c, "activatable", 0, &li->activatable))
        li->set |= ENT_LINE_ITEM_F_ACTIVATABLE;
    if (ent_json_bool(c, "auto_deploy", 0, &li->auto_deploy))
        li->set |= ENT_LINE_ITEM_F_AUTO_DEPLOY;
    if (ent_json_string(c, "product_version", ENT_J_NULLABLE, &li->product_version))
        li->set |= ENT_LINE_ITEM_F_PRODUCT_VERSION;
    if (ent_json_string(c, "part_number", ENT_J_NULLABLE, &li->part_number))
        li->set |= ENT_LINE_ITEM_F_PART_NUMBER;
}

/* Reads the line items of an order body. */
static void
read_items(struct ent_jreader *r, struct ent_order *o)
{
    json_t *arr = NULL;
    if (!ent_json_array(r, "items", ENT_J_REQUIRED, ITEMS_MAX, &arr))
        return;
    size_t n = json_array_size(arr);
    o->items = ent_ctx_alloc(r->ctx, (n ? n : 1) * sizeof(*o->items));
    if (!o->items)
        return;
    memset(o->items, 0, (n ? n : 1) * sizeof(*o->items));
    o->n_items = n;
    static const char *const fields[] = {
        "product",   "quantity",    "quantity_per_copy", "start_date",           "end_date",
        "permanent", "order_type",  "activation_id",     "parent_activation_id", "attributes",
        "kind",      "activatable", "auto_deploy",       "product_version",      "part_number",
        NULL};
    for (size_t i = 0; i < n; i++) {
        json_t *el = json_array_get(arr, i);
        struct ent_jreader c = ent_json_child(r, "items", (long)i, el);
        if (!json_is_object(el)) {
            ent_error_field(r->err, c.path, "must be an object");
            continue;
        }
        struct ent_line_item *li = &o->items[i];
        int v = 0;
        ent_json_only(&c, fields);
        ent_json_string(&c, "product", ENT_J_REQUIRED, &li->product);
        ent_json_int(&c, "quantity", 0, 1, 1000000000, &li->quantity);
        ent_json_int(&c, "quantity_per_copy", 0, 1, 1000000000, &li->quantity_per_copy);
        li->start_ms = ENT_TIME_NONE; /* none given: the order's creation */
        li->end_ms = ENT_TIME_NONE;   /* none given: permanent */
        ent_api_read_date(&c, "start_date", ENT_J_NULLABLE, &li->start_ms);
        ent_api_read_date(&c, "end_date", ENT_J_NULLABLE, &li->end_ms);
        ent_json_bool(&c, "permanent", 0, &li->permanent);
        ent_api_check_end(&c, li->permanent, li->end_ms);
        if (ent_json_enum(&c, "order_type", 0, parse_order_type, "new, renewal, upgrade, upsell",
                          &v))
            li->order_type = (enum ent_order_type)v;
        ent_json_string(&c, "activation_id", ENT_J_NULLABLE, &li->activation_id);
        ent_json_string(&c, "parent_activation_id", ENT_J_NULLABLE, &li->parent_activation_id);
        ent_json_object_text(&c, "attributes", ENT_J_NULLABLE, &li->attributes);
        read_seed_fields(&c, li);
    }
}

void
ent_api_orders_create(struct ent_request *req)
{
    static const char *const fields[] = {"account",       "items",           "attributes",
                                         "activate",      "external_id",     "description",
                                         "ship_to_email", "ship_to_address", NULL};
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = &err};
    struct ent_order in, out;
    memset(&in, 0, sizeof(in));
    ent_json_only(&r, fields);
    ent_json_string(&r, "account", ENT_J_REQUIRED, &in.account);
    read_items(&r, &in);
    ent_json_object_text(&r, "attributes", ENT_J_NULLABLE, &in.attributes);
    ent_json_bool(&r, "activate", 0, &in.activate);
    ent_json_string(&r, "external_id", ENT_J_NULLABLE, &in.external_id);
    ent_json_string(&r, "description", ENT_J_NULLABLE, &in.description);
    ent_json_string(&r, "ship_to_email", ENT_J_NULLABLE, &in.ship_to_email);
    ent_json_string(&r, "ship_to_address", ENT_J_NULLABLE, &in.ship_to_address);
    if (err.code == ENT_OK)
        ent_orders_create(req->ctx, &in, &out, &err);
    if (err.code != ENT_OK)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 201, ent_api_orders_encode(&out));
}

void
ent_api_orders_list(struct ent_request *req)
{
    ent_paging_serve(req, ent_orders_list, sizeof(struct ent_order), encode_item);
}

void
ent_api_orders_get(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_order o;
    if (ent_orders_get(req->ctx, req->params[0], &o, &err) < 0)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 200, ent_api_orders_encode(&o));
}

/* Refuses any member of a body that may be left out or be {} (recorded in err). */
static void
check_no_fields(struct ent_request *req, struct ent_error *err)
{
    static const char *const no_fields[] = {NULL};
    if (req->json) {
        struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = err};
        ent_json_only(&r, no_fields);
    }
}

void
ent_api_orders_activate(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    check_no_fields(req, &err);
    struct ent_order o;
    if (err.code == ENT_OK)
        ent_orders_activate(req->ctx, req->params[0], &o, &err);
    if (err.code != ENT_OK)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 200, ent_api_orders_encode(&o));
}

/* ------------------------------------------------------------------------------------------ */
/* Seed 004 (issue 17): drafts edited; line items added, changed, deployed one by one          */
/* ------------------------------------------------------------------------------------------ */

/* Answers an order, or err. */
static void
reply_order(struct ent_request *req, int status, const struct ent_order *o,
            const struct ent_error *err)
{
    if (err->code != ENT_OK)
        ent_http_reply_error(req, err);
    else
        ent_http_reply_json(req, status, ent_api_orders_encode(o));
}

/* Reads an optional string member name into *out and sets bit in *set when it is there. */
static void
read_optional(struct ent_jreader *r, const char *name, const char **out, unsigned *set,
              unsigned bit)
{
    if (!json_object_get(r->obj, name))
        return;
    *set |= bit;
    ent_json_string(r, name, ENT_J_NULLABLE, out);
}

void
ent_api_orders_update(struct ent_request *req)
{
    static const char *const fields[] = {
        "account",         "external_id", "description", "ship_to_email",
        "ship_to_address", "attributes",  NULL};
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = &err};
    struct ent_order patch, out;
    memset(&patch, 0, sizeof(patch));
    ent_json_only(&r, fields);
    if (ent_json_string(&r, "account", 0, &patch.account))
        patch.set |= ENT_ORDER_F_ACCOUNT;
    read_optional(&r, "external_id", &patch.external_id, &patch.set, ENT_ORDER_F_EXTERNAL_ID);
    read_optional(&r, "description", &patch.description, &patch.set, ENT_ORDER_F_DESCRIPTION);
    read_optional(&r, "ship_to_email", &patch.ship_to_email, &patch.set, ENT_ORDER_F_SHIP_TO_EMAIL);
    read_optional(&r, "ship_to_address", &patch.ship_to_address, &patch.set,
                  ENT_ORDER_F_SHIP_TO_ADDRESS);
    if (json_object_get(req->json, "attributes")) {
        patch.set |= ENT_ORDER_F_ATTRIBUTES;
        ent_json_object_text(&r, "attributes", ENT_J_NULLABLE, &patch.attributes);
    }
    if (err.code == ENT_OK)
        ent_orders_update(req->ctx, req->params[0], &patch, &out, &err);
    reply_order(req, 200, &out, &err);
}

void
ent_api_orders_add_items(struct ent_request *req)
{
    static const char *const fields[] = {"items", NULL};
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = &err};
    struct ent_order in, out;
    memset(&in, 0, sizeof(in));
    ent_json_only(&r, fields);
    read_items(&r, &in);
    if (err.code == ENT_OK)
        ent_line_items_add(req->ctx, req->params[0], in.items, in.n_items, &out, &err);
    reply_order(req, 201, &out, &err);
}

void
ent_api_orders_update_item(struct ent_request *req)
{
    static const char *const fields[] = {"product",         "order_type",  "parent_activation_id",
                                         "attributes",      "activatable", "auto_deploy",
                                         "product_version", "part_number", NULL};
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = &err};
    struct ent_line_item patch;
    struct ent_order out;
    memset(&patch, 0, sizeof(patch));
    ent_json_only(&r, fields);
    int v = 0;
    if (ent_json_string(&r, "product", 0, &patch.product))
        patch.set |= ENT_LINE_ITEM_F_PRODUCT;
    if (ent_json_enum(&r, "order_type", 0, parse_order_type, "new, renewal, upgrade, upsell", &v)) {
        patch.order_type = (enum ent_order_type)v;
        patch.set |= ENT_LINE_ITEM_F_ORDER_TYPE;
    }
    read_optional(&r, "parent_activation_id", &patch.parent_activation_id, &patch.set,
                  ENT_LINE_ITEM_F_PARENT);
    if (json_object_get(req->json, "attributes")) {
        patch.set |= ENT_LINE_ITEM_F_ATTRIBUTES;
        ent_json_object_text(&r, "attributes", ENT_J_NULLABLE, &patch.attributes);
    }
    read_optional(&r, "product_version", &patch.product_version, &patch.set,
                  ENT_LINE_ITEM_F_PRODUCT_VERSION);
    read_optional(&r, "part_number", &patch.part_number, &patch.set, ENT_LINE_ITEM_F_PART_NUMBER);
    if (ent_json_bool(&r, "activatable", 0, &patch.activatable))
        patch.set |= ENT_LINE_ITEM_F_ACTIVATABLE;
    if (ent_json_bool(&r, "auto_deploy", 0, &patch.auto_deploy))
        patch.set |= ENT_LINE_ITEM_F_AUTO_DEPLOY;
    if (err.code == ENT_OK)
        ent_line_items_update(req->ctx, req->params[0], req->params[1], &patch, &out, &err);
    reply_order(req, 200, &out, &err);
}

/* Deploys or undeploys the line item of the path; the body may be left out, or be {}. */
static void
deploy_item(struct ent_request *req, bool deploy)
{
    struct ent_error err;
    ent_error_clear(&err);
    check_no_fields(req, &err);
    struct ent_order out;
    if (err.code == ENT_OK)
        ent_line_items_deploy(req->ctx, req->params[0], req->params[1], deploy, &out, &err);
    reply_order(req, 200, &out, &err);
}

void
ent_api_orders_deploy_item(struct ent_request *req)
{
    deploy_item(req, true);
}

void
ent_api_orders_undeploy_item(struct ent_request *req)
{
    deploy_item(req, false);
}
