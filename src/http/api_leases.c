/* SPDX-License-Identifier: MIT */
/*
 * api_leases.c: the HTTP face of trial leases: apply, read, list, extend.
 */
#include <string.h>

#include "http/api.h"
#include "http/json.h"
#include "http/paging.h"

json_t *
ent_api_leases_encode(const struct ent_lease *l)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(l->id));
    json_object_set_new(o, "account", json_string(l->account_id));
    json_object_set_new(o, "product", json_string(l->product));
    json_object_set_new(o, "status", json_string(ent_lease_status_name(l->status)));
    json_object_set_new(o, "lease_count", json_integer(l->lease_count));
    json_object_set_new(o, "valid_from", ent_json_time(l->valid_from_ms));
    json_object_set_new(o, "valid_until", ent_json_time(l->valid_until_ms));
    json_object_set_new(o, "last_lease_end_date", ent_json_time(l->last_lease_end_ms));
    json_object_set_new(o, "created_at", ent_json_time(l->created_ms));
    json_object_set_new(o, "created_by", ent_json_str_or_null(l->created_by));
    json_object_set_new(o, "updated_at", ent_json_time(l->updated_ms));
    json_object_set_new(o, "updated_by", ent_json_str_or_null(l->updated_by));
    return o;
}

/* ent_api_leases_encode() in the shape of a list item encoder. */
static json_t *
encode_item(const void *item)
{
    return ent_api_leases_encode(item);
}

void
ent_api_leases_apply(struct ent_request *req)
{
    static const char *const fields[] = {"account", "product", "duration_days", "accepted_terms",
                                         NULL};
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = &err};
    struct ent_lease_input in = {0};
    ent_json_only(&r, fields);
    ent_json_string(&r, "account", ENT_J_NULLABLE, &in.account);
    ent_json_string(&r, "product", ENT_J_REQUIRED, &in.product);
    ent_json_int(&r, "duration_days", ENT_J_REQUIRED, INT64_MIN, INT64_MAX, &in.duration_days);
    ent_json_bool(&r, "accepted_terms", ENT_J_REQUIRED, &in.accepted_terms);
    struct ent_lease out;
    if (err.code == ENT_OK)
        ent_leases_apply(req->ctx, &in, &out, &err);
    if (err.code != ENT_OK)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 201, ent_api_leases_encode(&out));
}

void
ent_api_leases_list(struct ent_request *req)
{
    ent_paging_serve(req, ent_leases_list, sizeof(struct ent_lease), encode_item);
}

void
ent_api_leases_get(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_lease l;
    if (ent_leases_get(req->ctx, req->params[0], &l, &err) < 0)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 200, ent_api_leases_encode(&l));
}

void
ent_api_leases_extend(struct ent_request *req)
{
    static const char *const fields[] = {"valid_until", NULL};
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = &err};
    int64_t until = 0;
    ent_json_only(&r, fields);
    ent_api_read_date(&r, "valid_until", ENT_J_REQUIRED, &until);
    struct ent_lease out;
    if (err.code == ENT_OK)
        ent_leases_extend(req->ctx, req->params[0], until, &out, &err);
    if (err.code != ENT_OK)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 200, ent_api_leases_encode(&out));
}
