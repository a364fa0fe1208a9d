/* SPDX-License-Identifier: MIT */
/*
 * api_activations.c: the HTTP face of activations (seats): activate, read, list, deactivate,
 * heartbeat. The rules (limits, revival, who may see what) are the library's.
 */
#include <string.h>

#include "http/api.h"
#include "http/json.h"
#include "http/paging.h"

json_t *
ent_api_activations_encode(const struct ent_activation *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(a->id));
    json_object_set_new(o, "account", json_string(a->account_id));
    json_object_set_new(o, "feature", ent_json_str_or_null(a->feature));
    json_object_set_new(o, "entitlement", ent_json_str_or_null(a->entitlement_id));
    json_object_set_new(o, "activation_id", ent_json_str_or_null(a->activation_id));
    json_object_set_new(o, "fingerprint", json_string(a->fingerprint));
    json_object_set_new(o, "name", a->name ? json_string(a->name) : json_null());
    json_object_set_new(o, "metadata", ent_json_raw_object(a->metadata));
    json_object_set_new(o, "ttl_seconds", a->ttl_s > 0 ? json_integer(a->ttl_s) : json_null());
    json_object_set_new(o, "last_heartbeat_at", ent_json_time(a->last_heartbeat_ms));
    json_object_set_new(o, "expires_at",
                        ent_json_time(a->ttl_s > 0 ? a->expires_at_ms : ENT_TIME_NONE));
    json_object_set_new(o, "status", json_string(ent_activation_status_name(a->status)));
    json_object_set_new(o, "created_at", ent_json_time(a->created_ms));
    json_object_set_new(o, "updated_at", ent_json_time(a->updated_ms));
    json_object_set_new(o, "deactivated_at", ent_json_time(a->deactivated_ms));
    return o;
}

/* ent_api_activations_encode() in the shape of a list item encoder. */
static json_t *
encode_item(const void *item)
{
    return ent_api_activations_encode(item);
}

void
ent_api_activations_activate(struct ent_request *req)
{
    static const char *const fields[] = {"account", "feature",  "activation_id", "fingerprint",
                                         "name",    "metadata", "ttl_seconds",   NULL};
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = &err};
    struct ent_activation_input in = {0};
    ent_json_only(&r, fields);
    ent_json_string(&r, "account", ENT_J_NULLABLE, &in.account);
    ent_json_string(&r, "feature", ENT_J_NULLABLE, &in.feature);
    ent_json_string(&r, "activation_id", ENT_J_NULLABLE, &in.activation_id);
    ent_json_string(&r, "fingerprint", ENT_J_REQUIRED, &in.fingerprint);
    ent_json_string(&r, "name", ENT_J_NULLABLE, &in.name);
    ent_json_object_text(&r, "metadata", ENT_J_NULLABLE, &in.metadata);
    ent_json_int(&r, "ttl_seconds", ENT_J_NULLABLE, INT64_MIN, INT64_MAX, &in.ttl_s);
    struct ent_activation out;
    bool created = false;
    if (err.code == ENT_OK)
        ent_activations_activate(req->ctx, &in, &out, &created, &err);
    if (err.code != ENT_OK)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, created ? 201 : 200, ent_api_activations_encode(&out));
}

void
ent_api_activations_list(struct ent_request *req)
{
    ent_paging_serve(req, ent_activations_list, sizeof(struct ent_activation), encode_item);
}

void
ent_api_activations_get(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_activation a;
    if (ent_activations_get(req->ctx, req->params[0], &a, &err) < 0)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 200, ent_api_activations_encode(&a));
}

void
ent_api_activations_deactivate(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_activation a;
    if (ent_activations_deactivate(req->ctx, req->params[0], &a, &err) < 0)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 200, ent_api_activations_encode(&a));
}

void
ent_api_activations_heartbeat(struct ent_request *req)
{
    static const char *const fields[] = {NULL};
    struct ent_error err;
    ent_error_clear(&err);
    if (req->json) {
        struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = &err};
        ent_json_only(&r, fields);
    }
    struct ent_activation a;
    if (err.code == ENT_OK)
        ent_activations_heartbeat(req->ctx, req->params[0], &a, &err);
    if (err.code != ENT_OK)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 200, ent_api_activations_encode(&a));
}
