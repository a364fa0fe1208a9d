/* SPDX-License-Identifier: MIT */
/*
 * api_accounts.c: the HTTP face of accounts. An account key sees its own account alone; the
 * library answers any other exactly as a missing one.
 */
#include <string.h>

#include "http/api.h"
#include "http/json.h"
#include "http/paging.h"

static int
parse_type(const char *s)
{
    return (int)ent_account_type_parse(s);
}

static int
parse_partner_tier(const char *s)
{
    return (int)ent_partner_tier_parse(s);
}

json_t *
ent_api_accounts_encode(const struct ent_account *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(a->id));
    json_object_set_new(o, "key", json_string(a->key));
    json_object_set_new(o, "name", json_string(a->name));
    json_object_set_new(o, "type", json_string(ent_account_type_name(a->type)));
    json_object_set_new(o, "partner_tier", json_string(ent_partner_tier_name(a->partner_tier)));
    json_object_set_new(o, "parent", ent_json_str_or_null(a->parent));
    json_object_set_new(o, "contact_email", ent_json_str_or_null(a->contact_email));
    json_object_set_new(o, "attributes", ent_json_raw_object(a->attributes));
    json_object_set_new(o, "created_at", ent_json_time(a->created_ms));
    json_object_set_new(o, "updated_at", ent_json_time(a->updated_ms));
    return o;
}

/* ent_api_accounts_encode() in the shape of a list item encoder. */
static json_t *
encode_item(const void *item)
{
    return ent_api_accounts_encode(item);
}

/* Reads an account body (create, or a PATCH) into a. */
static void
read_account(struct ent_request *req, struct ent_error *err, bool creating, struct ent_account *a)
{
    static const char *const create_fields[] = {
        "key", "name", "type", "partner_tier", "parent", "contact_email", "attributes", NULL};
    static const char *const patch_fields[] = {
        "name", "type", "partner_tier", "parent", "contact_email", "attributes", NULL};
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = err};
    memset(a, 0, sizeof(*a));
    ent_json_only(&r, creating ? create_fields : patch_fields);
    int v = 0;
    if (creating)
        ent_json_string(&r, "key", ENT_J_REQUIRED, &a->key);
    if (ent_json_string(&r, "name", creating ? ENT_J_REQUIRED : 0, &a->name))
        a->set |= ENT_ACCOUNT_F_NAME;
    if (ent_json_enum(&r, "type", 0, parse_type,
                      "customer, channel_partner, publisher, self_registered, unknown", &v)) {
        a->type = (enum ent_account_type)v;
        a->set |= ENT_ACCOUNT_F_TYPE;
    }
    if (ent_json_enum(&r, "partner_tier", 0, parse_partner_tier, "end_customer, partner_tier_one",
                      &v)) {
        a->partner_tier = (enum ent_partner_tier)v;
        a->set |= ENT_ACCOUNT_F_PARTNER_TIER;
    }
    if (json_object_get(req->json, "parent")) {
        a->set |= ENT_ACCOUNT_F_PARENT;
        ent_json_string(&r, "parent", ENT_J_NULLABLE, &a->parent);
    }
    if (json_object_get(req->json, "contact_email")) {
        a->set |= ENT_ACCOUNT_F_CONTACT_EMAIL;
        ent_json_string(&r, "contact_email", ENT_J_NULLABLE, &a->contact_email);
    }
    if (json_object_get(req->json, "attributes")) {
        /* null clears the attributes */
        a->set |= ENT_ACCOUNT_F_ATTRIBUTES;
        ent_json_object_text(&r, "attributes", ENT_J_NULLABLE, &a->attributes);
    }
}

void
ent_api_accounts_create(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_account in, out;
    read_account(req, &err, true, &in);
    if (err.code == ENT_OK)
        ent_accounts_create(req->ctx, &in, &out, &err);
    if (err.code != ENT_OK)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 201, ent_api_accounts_encode(&out));
}

void
ent_api_accounts_list(struct ent_request *req)
{
    ent_paging_serve(req, ent_accounts_list, sizeof(struct ent_account), encode_item);
}

void
ent_api_accounts_get(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_account a;
    if (ent_accounts_get(req->ctx, req->params[0], &a, &err) < 0)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 200, ent_api_accounts_encode(&a));
}

void
ent_api_accounts_update(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_account patch, out;
    read_account(req, &err, false, &patch);
    if (err.code == ENT_OK)
        ent_accounts_update(req->ctx, req->params[0], &patch, &out, &err);
    if (err.code != ENT_OK)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 200, ent_api_accounts_encode(&out));
}

void
ent_api_accounts_delete(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    if (ent_accounts_delete(req->ctx, req->params[0], &err) < 0)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_empty(req, 204);
}
