/* SPDX-License-Identifier: MIT */
/*
 * api_webhooks.c: the HTTP face of webhooks (issue 15): endpoints, their secrets (in the
 * answers of create and rotate-secret alone), their deliveries, retry and replay. Admin keys
 * only (the route table says so).
 */
#include <string.h>

#include "http/api.h"
#include "http/json.h"
#include "http/paging.h"

json_t *
ent_api_webhooks_encode(const struct ent_webhook *w)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(w->id));
    json_object_set_new(o, "url", json_string(w->url));
    json_object_set_new(o, "description", ent_json_str_or_null(w->description));
    json_t *events = json_array();
    for (size_t i = 0; i < w->n_events; i++)
        json_array_append_new(events, json_string(w->events[i]));
    if (w->n_events == 0)
        json_array_append_new(events, json_string("*"));
    json_object_set_new(o, "events", events);
    json_object_set_new(o, "account", ent_json_str_or_null(w->account_id));
    json_object_set_new(o, "enabled", json_boolean(w->enabled));
    json_t *thresholds = json_array();
    for (size_t i = 0; i < w->n_thresholds; i++)
        json_array_append_new(thresholds, json_integer(w->thresholds[i]));
    json_object_set_new(o, "thresholds", thresholds);
    json_object_set_new(o, "lease_expiring_days", json_integer(w->lease_expiring_days));
    json_object_set_new(o, "disabled_reason", ent_json_str_or_null(w->disabled_reason));
    json_object_set_new(o, "created_at", ent_json_time(w->created_ms));
    json_object_set_new(o, "updated_at", ent_json_time(w->updated_ms));
    return o;
}

static json_t *
encode_item(const void *item)
{
    return ent_api_webhooks_encode(item);
}

/* A message and its delivery. */
static json_t *
encode_message(const struct ent_webhook_message *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(m->id));
    json_object_set_new(o, "webhook", json_string(m->webhook_id));
    json_object_set_new(o, "type", json_string(m->type));
    json_object_set_new(o, "event", ent_json_str_or_null(m->event_id));
    json_object_set_new(o, "account", ent_json_str_or_null(m->account_id));
    json_object_set_new(o, "status", json_string(ent_delivery_status_name(m->status)));
    json_object_set_new(o, "attempts", json_integer(m->attempts));
    json_object_set_new(o, "last_response_code",
                        m->last_response_code ? json_integer(m->last_response_code) : json_null());
    json_object_set_new(o, "last_error", ent_json_str_or_null(m->last_error));
    json_object_set_new(o, "last_attempt_at", ent_json_time(m->last_attempt_ms));
    json_object_set_new(o, "next_attempt_at", ent_json_time(m->next_attempt_ms));
    json_object_set_new(o, "created_at", ent_json_time(m->created_ms));
    json_object_set_new(o, "delivered_at", ent_json_time(m->delivered_ms));
    json_object_set_new(o, "payload", json_loads(m->body, 0, NULL));
    return o;
}

static json_t *
encode_message_item(const void *item)
{
    return encode_message(item);
}

/* Reads "events": an array of strings. */
static void
read_events(struct ent_jreader *r, struct ent_webhook *w)
{
    json_t *arr = NULL;
    if (!ent_json_array(r, "events", 0, ENT_WEBHOOK_MAX_EVENTS, &arr))
        return;
    w->set |= ENT_WEBHOOK_F_EVENTS;
    w->n_events = json_array_size(arr);
    for (size_t i = 0; i < w->n_events; i++) {
        json_t *el = json_array_get(arr, i);
        w->events[i] = json_is_string(el) ? json_string_value(el) : NULL;
        if (!w->events[i] || strlen(w->events[i]) != json_string_length(el)) {
            struct ent_jreader c = ent_json_child(r, "events", (long)i, NULL);
            ent_error_field(r->err, c.path, "must be an event type or pattern");
            w->events[i] = "";
        }
    }
}

/* Reads "thresholds": an array of whole percentages. */
static void
read_thresholds(struct ent_jreader *r, struct ent_webhook *w)
{
    json_t *arr = NULL;
    if (!ent_json_array(r, "thresholds", 0, ENT_WEBHOOK_THRESHOLDS_MAX, &arr))
        return;
    w->set |= ENT_WEBHOOK_F_THRESHOLDS;
    w->n_thresholds = json_array_size(arr);
    for (size_t i = 0; i < w->n_thresholds; i++) {
        json_t *el = json_array_get(arr, i);
        if (!json_is_integer(el) || json_integer_value(el) < 1 || json_integer_value(el) > 1000) {
            struct ent_jreader c = ent_json_child(r, "thresholds", (long)i, NULL);
            ent_error_field(r->err, c.path, "must be a percentage from 1 to 1000");
            w->thresholds[i] = 1;
            continue;
        }
        w->thresholds[i] = (int)json_integer_value(el);
    }
}

/* Reads a webhook body (create, or a PATCH) into w. */
static void
read_webhook(struct ent_request *req, struct ent_error *err, bool creating, struct ent_webhook *w)
{
    static const char *const fields[] = {"url",     "events",     "description",         "enabled",
                                         "account", "thresholds", "lease_expiring_days", NULL};
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = err};
    memset(w, 0, sizeof(*w));
    ent_json_only(&r, fields);
    if (ent_json_string(&r, "url", creating ? ENT_J_REQUIRED : 0, &w->url))
        w->set |= ENT_WEBHOOK_F_URL;
    read_events(&r, w);
    if (json_object_get(req->json, "description")) {
        w->set |= ENT_WEBHOOK_F_DESCRIPTION;
        ent_json_string(&r, "description", ENT_J_NULLABLE, &w->description);
    }
    if (ent_json_bool(&r, "enabled", 0, &w->enabled))
        w->set |= ENT_WEBHOOK_F_ENABLED;
    if (json_object_get(req->json, "account")) {
        w->set |= ENT_WEBHOOK_F_ACCOUNT;
        ent_json_string(&r, "account", ENT_J_NULLABLE, &w->account);
    }
    read_thresholds(&r, w);
    if (ent_json_int(&r, "lease_expiring_days", 0, 1, 365, &w->lease_expiring_days))
        w->set |= ENT_WEBHOOK_F_LEASE_DAYS;
}

/* A route that takes no fields (an empty body, or {}): every member is refused (422). */
static void
refuse_fields(struct ent_request *req, struct ent_error *err)
{
    if (!req->json || json_object_size(req->json) == 0)
        return;
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = err};
    static const char *const none[] = {NULL};
    ent_json_only(&r, none);
}

/* Answers an endpoint with its secret (create, rotate-secret). */
static void
reply_with_secret(struct ent_request *req, int status, const struct ent_webhook *w)
{
    json_t *o = ent_api_webhooks_encode(w);
    json_object_set_new(o, "secret", json_string(w->secret));
    ent_http_reply_json(req, status, o);
}

void
ent_api_webhooks_create(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_webhook in, out;
    read_webhook(req, &err, true, &in);
    if (err.code == ENT_OK)
        ent_webhooks_create(req->ctx, &in, &out, &err);
    if (err.code != ENT_OK)
        ent_http_reply_error(req, &err);
    else
        reply_with_secret(req, 201, &out);
}

void
ent_api_webhooks_list(struct ent_request *req)
{
    ent_paging_serve(req, ent_webhooks_list, sizeof(struct ent_webhook), encode_item);
}

void
ent_api_webhooks_get(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_webhook w;
    if (ent_webhooks_get(req->ctx, req->params[0], &w, &err) < 0)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 200, ent_api_webhooks_encode(&w));
}

void
ent_api_webhooks_update(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_webhook patch, out;
    read_webhook(req, &err, false, &patch);
    if (err.code == ENT_OK)
        ent_webhooks_update(req->ctx, req->params[0], &patch, &out, &err);
    if (err.code != ENT_OK)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 200, ent_api_webhooks_encode(&out));
}

void
ent_api_webhooks_delete(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    if (ent_webhooks_delete(req->ctx, req->params[0], &err) < 0)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_empty(req, 204);
}

void
ent_api_webhooks_rotate_secret(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_webhook w;
    refuse_fields(req, &err);
    if (err.code == ENT_OK)
        ent_webhooks_rotate_secret(req->ctx, req->params[0], &w, &err);
    if (err.code != ENT_OK)
        ent_http_reply_error(req, &err);
    else
        reply_with_secret(req, 200, &w);
}

void
ent_api_webhooks_deliveries(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_list_query q;
    struct ent_list page = {0};
    if (ent_paging_parse(req, &q, &err) == ENT_OK)
        ent_webhooks_deliveries(req->ctx, req->params[0], &q, &page, &err);
    if (err.code != ENT_OK)
        ent_http_reply_error(req, &err);
    else
        ent_paging_reply(req, &q, &page, sizeof(struct ent_webhook_message), encode_message_item);
}

void
ent_api_webhooks_retry(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_webhook_message m;
    refuse_fields(req, &err);
    if (err.code != ENT_OK ||
        ent_webhooks_retry(req->ctx, req->params[0], req->params[1], &m, &err) < 0)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 202, encode_message(&m));
}

void
ent_api_webhooks_replay(struct ent_request *req)
{
    static const char *const fields[] = {"since", "after", NULL};
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = &err};
    ent_json_only(&r, fields);
    int64_t since = ENT_TIME_NONE;
    const char *after = NULL;
    bool has_since = ent_api_read_date(&r, "since", 0, &since);
    bool has_after = ent_json_string(&r, "after", 0, &after);
    if (err.code == ENT_OK && has_since == has_after)
        ent_error_field(&err, "since",
                        "give either since (a time) or after (an event or message "
                        "id)");
    int64_t n = 0;
    if (err.code == ENT_OK)
        ent_webhooks_replay(req->ctx, req->params[0], since, after, &n, &err);
    if (err.code != ENT_OK) {
        ent_http_reply_error(req, &err);
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "replayed", json_integer(n));
    ent_http_reply_json(req, 202, o);
}
