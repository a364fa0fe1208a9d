/* SPDX-License-Identifier: MIT */
/*
 * api_entitlements.c: the HTTP face of entitlements: manual grants, reads, lists, changes
 * (suspend, resume, extend, quantities, transfer, attributes) and revocation.
 */
#include <string.h>

#include "http/api.h"
#include "http/json.h"
#include "http/paging.h"

static int
parse_status(const char *s)
{
    return (int)ent_entitlement_status_parse(s);
}

static int
parse_order_type(const char *s)
{
    return (int)ent_order_type_parse(s);
}

json_t *
ent_api_entitlements_encode_maintenance(const struct ent_maintenance *m)
{
    if (!m->covered)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "until", ent_json_time(m->until_ms));
    json_object_set_new(o, "activation_id", ent_json_str_or_null(m->activation_id));
    json_object_set_new(o, "product", ent_json_str_or_null(m->product));
    json_object_set_new(o, "product_version", ent_json_str_or_null(m->product_version));
    json_object_set_new(o, "part_number", ent_json_str_or_null(m->part_number));
    return o;
}

/* The owners of e along a distribution chain, in order (seed 004's CurrentOwner). */
static json_t *
encode_owners(const struct ent_entitlement *e)
{
    json_t *owners = json_array();
    for (size_t i = 0; i < e->n_owners; i++) {
        const struct ent_entitlement_owner *w = &e->owners[i];
        json_t *o = json_object();
        json_object_set_new(o, "account", json_string(w->account_id));
        json_object_set_new(o, "key", json_string(w->key));
        json_object_set_new(o, "name", json_string(w->name));
        json_object_set_new(o, "type", json_string(ent_account_type_name(w->type)));
        json_object_set_new(o, "partner_tier", json_string(ent_partner_tier_name(w->partner_tier)));
        json_object_set_new(o, "contact_email", ent_json_str_or_null(w->contact_email));
        json_object_set_new(o, "current_owner", json_boolean(w->current));
        json_object_set_new(o, "since", ent_json_time(w->since_ms));
        json_object_set_new(o, "until", ent_json_time(w->until_ms));
        json_array_append_new(owners, o);
    }
    return owners;
}

json_t *
ent_api_entitlements_encode(const struct ent_entitlement *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(e->id));
    json_object_set_new(o, "number", json_string(e->number));
    json_object_set_new(o, "account", json_string(e->account_id));
    json_object_set_new(o, "product", ent_json_str_or_null(e->product));
    json_object_set_new(o, "feature", ent_json_str_or_null(e->feature));
    json_object_set_new(o, "value", ent_json_str_or_null(e->value));
    json_object_set_new(o, "override", json_boolean(e->override));
    json_object_set_new(o, "name", ent_json_str_or_null(e->name));
    json_object_set_new(o, "status", json_string(ent_entitlement_status_name(e->status)));
    json_object_set_new(o, "source", json_string(ent_source_name(e->source)));
    json_object_set_new(o, "order", ent_json_str_or_null(e->order_id));
    json_object_set_new(o, "lease", ent_json_str_or_null(e->lease_id));
    json_object_set_new(o, "activation_id", json_string(e->activation_id));
    json_object_set_new(o, "parent", ent_json_str_or_null(e->parent_id));
    json_object_set_new(o, "quantity", json_integer(e->quantity));
    json_object_set_new(o, "quantity_per_copy", json_integer(e->quantity_per_copy));
    json_object_set_new(o, "order_type", json_string(ent_order_type_name(e->order_type)));
    json_object_set_new(o, "start_date", ent_json_time(e->start_ms));
    json_object_set_new(o, "end_date", e->permanent ? json_null() : ent_json_time(e->end_ms));
    json_object_set_new(o, "permanent", json_boolean(e->permanent));
    json_object_set_new(o, "attributes", ent_json_raw_object(e->attributes));
    json_object_set_new(o, "created_at", ent_json_time(e->created_ms));
    json_object_set_new(o, "updated_at", ent_json_time(e->updated_ms));
    json_object_set_new(o, "owners", encode_owners(e));
    json_object_set_new(o, "activatable", json_boolean(e->activatable));
    json_object_set_new(o, "maintenance", ent_api_entitlements_encode_maintenance(&e->maintenance));
    json_object_set_new(o, "product_category",
                        e->product_category ? json_string(ent_category_name(e->product_category))
                                            : json_null());
    json_object_set_new(o, "units", e->has_units ? json_integer(e->units) : json_null());
    json_object_set_new(o, "consumed", e->has_units ? json_integer(e->consumed) : json_null());
    json_object_set_new(o, "remaining", e->has_units ? json_integer(e->remaining) : json_null());
    return o;
}

/* ent_api_entitlements_encode() in the shape of a list item encoder. */
static json_t *
encode_item(const void *item)
{
    return ent_api_entitlements_encode(item);
}

void
ent_api_entitlements_create(struct ent_request *req)
{
    static const char *const fields[] = {
        "account",    "product",           "feature",    "value",       "override",
        "quantity",   "quantity_per_copy", "start_date", "end_date",    "permanent",
        "order_type", "activation_id",     "attributes", "activatable", NULL};
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = &err};
    struct ent_entitlement in, out;
    memset(&in, 0, sizeof(in));
    in.start_ms = ENT_TIME_NONE; /* none given: now */
    in.end_ms = ENT_TIME_NONE;   /* none given: permanent */
    int v = 0;
    ent_json_only(&r, fields);
    ent_json_string(&r, "account", ENT_J_REQUIRED, &in.account);
    ent_json_string(&r, "product", ENT_J_NULLABLE, &in.product);
    ent_json_string(&r, "feature", ENT_J_NULLABLE, &in.feature);
    ent_json_string(&r, "value", ENT_J_NULLABLE, &in.value);
    ent_json_bool(&r, "override", 0, &in.override);
    ent_json_int(&r, "quantity", 0, 1, 1000000000, &in.quantity);
    ent_json_int(&r, "quantity_per_copy", 0, 1, 1000000000, &in.quantity_per_copy);
    ent_api_read_date(&r, "start_date", ENT_J_NULLABLE, &in.start_ms);
    ent_api_read_date(&r, "end_date", ENT_J_NULLABLE, &in.end_ms);
    ent_json_bool(&r, "permanent", 0, &in.permanent);
    ent_api_check_end(&r, in.permanent, in.end_ms);
    if (ent_json_enum(&r, "order_type", 0, parse_order_type, "new, renewal, upgrade, upsell", &v))
        in.order_type = (enum ent_order_type)v;
    ent_json_string(&r, "activation_id", ENT_J_NULLABLE, &in.activation_id);
    ent_json_object_text(&r, "attributes", ENT_J_NULLABLE, &in.attributes);
    if (ent_json_bool(&r, "activatable", 0, &in.activatable)) /* seed 004 */
        in.set |= ENT_ENTITLEMENT_F_ACTIVATABLE;
    if (err.code == ENT_OK)
        ent_entitlements_create(req->ctx, &in, &out, &err);
    if (err.code != ENT_OK)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 201, ent_api_entitlements_encode(&out));
}

void
ent_api_entitlements_list(struct ent_request *req)
{
    ent_paging_serve(req, ent_entitlements_list, sizeof(struct ent_entitlement), encode_item);
}

void
ent_api_entitlements_get(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_entitlement e;
    if (ent_entitlements_get(req->ctx, req->params[0], &e, &err) < 0)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 200, ent_api_entitlements_encode(&e));
}

void
ent_api_entitlements_update(struct ent_request *req)
{
    static const char *const fields[] = {
        "status",  "start_date", "end_date",    "permanent", "quantity", "quantity_per_copy",
        "account", "attributes", "activatable", NULL};
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = &err};
    struct ent_entitlement patch, out;
    memset(&patch, 0, sizeof(patch));
    patch.start_ms = ENT_TIME_NONE;
    patch.end_ms = ENT_TIME_NONE;
    int v = 0;
    ent_json_only(&r, fields);
    if (ent_json_enum(&r, "status", 0, parse_status, "active, suspended", &v)) {
        patch.status = (enum ent_entitlement_status)v;
        patch.set |= ENT_ENTITLEMENT_F_STATUS;
    }
    if (ent_api_read_date(&r, "start_date", 0, &patch.start_ms))
        patch.set |= ENT_ENTITLEMENT_F_START;
    if (json_object_get(req->json, "end_date")) {
        patch.set |= ENT_ENTITLEMENT_F_END;
        ent_api_read_date(&r, "end_date", ENT_J_NULLABLE, &patch.end_ms);
    }
    if (ent_json_bool(&r, "permanent", 0, &patch.permanent))
        patch.set |= ENT_ENTITLEMENT_F_END;
    if (ent_json_int(&r, "quantity", 0, 1, 1000000000, &patch.quantity))
        patch.set |= ENT_ENTITLEMENT_F_QUANTITY;
    if (ent_json_int(&r, "quantity_per_copy", 0, 1, 1000000000, &patch.quantity_per_copy))
        patch.set |= ENT_ENTITLEMENT_F_QUANTITY_PER_COPY;
    if (ent_json_string(&r, "account", 0, &patch.account))
        patch.set |= ENT_ENTITLEMENT_F_ACCOUNT;
    if (ent_json_object_text(&r, "attributes", ENT_J_NULLABLE, &patch.attributes))
        patch.set |= ENT_ENTITLEMENT_F_ATTRIBUTES;
    if (ent_json_bool(&r, "activatable", 0, &patch.activatable)) /* seed 004 */
        patch.set |= ENT_ENTITLEMENT_F_ACTIVATABLE;
    if (err.code == ENT_OK)
        ent_entitlements_update(req->ctx, req->params[0], &patch, &out, &err);
    if (err.code != ENT_OK)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 200, ent_api_entitlements_encode(&out));
}

void
ent_api_entitlements_revoke(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_entitlement e;
    if (ent_entitlements_revoke(req->ctx, req->params[0], &e, &err) < 0)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 200, ent_api_entitlements_encode(&e));
}

/* ------------------------------------------------------------------------------------------ */
/* Transfers along a distribution chain (seed 004, issue 17)                                   */
/* ------------------------------------------------------------------------------------------ */

json_t *
ent_api_entitlements_encode_transfer(const struct ent_transfer *t)
{
    json_t *o = json_object();
    json_object_set_new(o, "entitlement", ent_api_entitlements_encode(&t->moved));
    json_object_set_new(o, "remainder",
                        t->split ? ent_api_entitlements_encode(&t->remainder) : json_null());
    return o;
}

void
ent_api_entitlements_transfer(struct ent_request *req)
{
    static const char *const fields[] = {"account", "quantity", NULL};
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = &err};
    struct ent_transfer_input in;
    memset(&in, 0, sizeof(in));
    ent_json_only(&r, fields);
    ent_json_string(&r, "account", ENT_J_REQUIRED, &in.account);
    ent_json_int(&r, "quantity", ENT_J_NULLABLE, 1, 1000000000, &in.quantity);
    struct ent_transfer out;
    if (err.code == ENT_OK)
        ent_transfers_apply(req->ctx, req->params[0], &in, &out, &err);
    if (err.code != ENT_OK)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, out.split ? 201 : 200, ent_api_entitlements_encode_transfer(&out));
}

/*
 * POST /v1/entitlements/{entitlement}/consumption (issue 17, seed 000): draws units down from a
 * service entitlement; answered as a usage event that names it would be.
 */
void
ent_api_entitlements_consume(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = &err};
    struct ent_usage_input in;
    struct ent_usage_result out;
    memset(&out, 0, sizeof(out));
    ent_api_usage_read_event(&r, true, &in);
    in.entitlement = req->params[0];
    if (err.code == ENT_OK)
        ent_consumption_record(req->ctx, &in, &out, &err);
    ent_api_usage_answer(req, &err, &out, NULL);
}
