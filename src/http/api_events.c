/* SPDX-License-Identifier: MIT */
/*
 * api_events.c: the HTTP face of the audit log: GET /v1/events, oldest first.
 */
#include "http/api.h"
#include "http/json.h"
#include "http/paging.h"

/* One event; before and after are the encoded objects, embedded as JSON. */
static json_t *
encode_event(const void *item)
{
    const struct ent_event *e = item;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(e->id));
    json_object_set_new(o, "type", json_string(e->type));
    json_object_set_new(o, "actor", ent_json_str_or_null(e->actor));
    json_object_set_new(o, "account", ent_json_str_or_null(e->account));
    json_object_set_new(o, "object", json_string(e->object));
    json_object_set_new(o, "before", e->before ? ent_json_raw_object(e->before) : json_null());
    json_object_set_new(o, "after", e->after ? ent_json_raw_object(e->after) : json_null());
    json_object_set_new(o, "created_at", ent_json_time(e->created_ms));
    return o;
}

void
ent_api_events_list(struct ent_request *req)
{
    ent_paging_serve(req, ent_events_list, sizeof(struct ent_event), encode_event);
}
