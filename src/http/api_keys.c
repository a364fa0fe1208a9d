/* SPDX-License-Identifier: MIT */
/*
 * api_keys.c: the HTTP face of API keys. The secret appears in one answer only: the 201 of
 * its creation.
 */
#include <string.h>

#include "http/api.h"
#include "http/json.h"
#include "http/paging.h"

static int
parse_scope(const char *s)
{
    return (int)ent_scope_parse(s);
}

json_t *
ent_api_keys_encode(const struct ent_key *k)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(k->id));
    json_object_set_new(o, "name", json_string(k->name));
    json_object_set_new(o, "scope", json_string(ent_scope_name(k->scope)));
    json_object_set_new(o, "account", ent_json_str_or_null(k->account_id));
    json_object_set_new(o, "prefix", json_string(k->prefix));
    json_object_set_new(o, "created_at", ent_json_time(k->created_ms));
    json_object_set_new(o, "revoked_at", ent_json_time(k->revoked_ms));
    return o;
}

/* ent_api_keys_encode() in the shape of a list item encoder. */
static json_t *
encode_item(const void *item)
{
    return ent_api_keys_encode(item);
}

void
ent_api_keys_create(struct ent_request *req)
{
    static const char *const fields[] = {"name", "scope", "account", NULL};
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = &err};
    struct ent_key_input in = {0};
    int scope = 0;
    ent_json_only(&r, fields);
    ent_json_string(&r, "name", ENT_J_REQUIRED, &in.name);
    if (ent_json_enum(&r, "scope", ENT_J_REQUIRED, parse_scope, "admin, read, account", &scope))
        in.scope = (enum ent_scope)scope;
    ent_json_string(&r, "account", ENT_J_NULLABLE, &in.account);
    struct ent_key k;
    if (err.code == ENT_OK)
        ent_keys_create(req->ctx, &in, &k, &err);
    if (err.code != ENT_OK) {
        ent_http_reply_error(req, &err);
        return;
    }
    json_t *o = ent_api_keys_encode(&k);
    json_object_set_new(o, "key", json_string(k.secret));
    ent_http_reply_json(req, 201, o);
}

void
ent_api_keys_list(struct ent_request *req)
{
    ent_paging_serve(req, ent_keys_list, sizeof(struct ent_key), encode_item);
}

void
ent_api_keys_revoke(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    if (ent_keys_revoke(req->ctx, req->params[0], &err) < 0)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_empty(req, 204);
}

void
ent_api_keys_current(struct ent_request *req)
{
    struct ent_error err;
    struct ent_key k;
    if (ent_keys_current(req->ctx, &k, &err) < 0)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 200, ent_api_keys_encode(&k));
}
