/* SPDX-License-Identifier: MIT */
/*
 * api_attribute_definitions.c: the HTTP face of custom attribute definitions (seed 004): create,
 * list, read, delete.
 */
#include <string.h>

#include "http/api.h"
#include "http/json.h"
#include "http/paging.h"

static int
parse_object(const char *s)
{
    return (int)ent_attribute_object_parse(s);
}

static int
parse_type(const char *s)
{
    return (int)ent_attribute_type_parse(s);
}

json_t *
ent_api_attribute_definitions_encode(const struct ent_attribute_definition *d)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(d->id));
    json_object_set_new(o, "object", json_string(ent_attribute_object_name(d->object)));
    json_object_set_new(o, "name", json_string(d->name));
    json_object_set_new(o, "type", json_string(ent_attribute_type_name(d->type)));
    json_object_set_new(o, "required", json_boolean(d->required));
    json_object_set_new(o, "description", ent_json_str_or_null(d->description));
    json_object_set_new(o, "created_at", ent_json_time(d->created_ms));
    json_object_set_new(o, "updated_at", ent_json_time(d->updated_ms));
    return o;
}

/* ent_api_attribute_definitions_encode() in the shape of a list item encoder. */
static json_t *
encode_item(const void *item)
{
    return ent_api_attribute_definitions_encode(item);
}

void
ent_api_attribute_definitions_create(struct ent_request *req)
{
    static const char *const fields[] = {"object", "name", "type", "required", "description", NULL};
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = &err};
    struct ent_attribute_definition in, out;
    memset(&in, 0, sizeof(in));
    int v = 0;
    ent_json_only(&r, fields);
    if (ent_json_enum(&r, "object", ENT_J_REQUIRED, parse_object,
                      "account, order, line_item, entitlement, license_model", &v))
        in.object = (enum ent_attribute_object)v;
    ent_json_string(&r, "name", ENT_J_REQUIRED, &in.name);
    if (ent_json_enum(&r, "type", 0, parse_type, "string, number, boolean, date", &v))
        in.type = (enum ent_attribute_type)v;
    ent_json_bool(&r, "required", 0, &in.required);
    ent_json_string(&r, "description", ENT_J_NULLABLE, &in.description);
    if (err.code == ENT_OK)
        ent_attribute_definitions_create(req->ctx, &in, &out, &err);
    if (err.code != ENT_OK)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 201, ent_api_attribute_definitions_encode(&out));
}

void
ent_api_attribute_definitions_list(struct ent_request *req)
{
    ent_paging_serve(req, ent_attribute_definitions_list, sizeof(struct ent_attribute_definition),
                     encode_item);
}

void
ent_api_attribute_definitions_get(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_attribute_definition d;
    if (ent_attribute_definitions_get(req->ctx, req->params[0], &d, &err) < 0)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 200, ent_api_attribute_definitions_encode(&d));
}

void
ent_api_attribute_definitions_delete(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    if (ent_attribute_definitions_delete(req->ctx, req->params[0], &err) < 0)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_empty(req, 204);
}
