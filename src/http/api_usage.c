/* SPDX-License-Identifier: MIT */
/*
 * api_usage.c: the HTTP face of metered usage: POST /v1/usage (one event), POST
 * /v1/usage/batch (up to 1000, one result each) and GET /v1/usage (the series). An event or a
 * series may name a service entitlement instead of a feature: its consumption (issue 17). The
 * rules are service/usage.c's and service/consumption.c's; this file decodes the events and
 * encodes the answers, including the 409 limit_reached problem that carries the usage fields
 * beside the problem's own.
 */
#include <string.h>

#include "core/alloc.h"
#include "core/utc.h"
#include "http/api.h"
#include "http/json.h"

/* A number, or null when has is false. */
static json_t *
number_or_null(bool has, int64_t v)
{
    return has ? json_integer(v) : json_null();
}

/* The answer to a consumption event (issue 17): the entitlement's units, consumed, remaining. */
static json_t *
encode_consumption(const struct ent_usage_result *u)
{
    json_t *o = json_object();
    json_object_set_new(o, "recorded", json_boolean(u->recorded));
    json_object_set_new(o, "account", json_string(u->account_id));
    json_object_set_new(o, "entitlement", json_string(u->entitlement_id));
    json_object_set_new(o, "activation_id", ent_json_str_or_null(u->activation_id));
    json_object_set_new(o, "units", json_integer(u->limit));
    json_object_set_new(o, "consumed", json_integer(u->usage));
    json_object_set_new(o, "remaining", json_integer(u->remaining));
    return o;
}

json_t *
ent_api_usage_encode(const struct ent_usage_result *u)
{
    if (u->entitlement_id[0])
        return encode_consumption(u);
    json_t *o = json_object();
    json_object_set_new(o, "recorded", json_boolean(u->recorded));
    json_object_set_new(o, "account", json_string(u->account_id));
    json_object_set_new(o, "usage", json_integer(u->usage));
    json_object_set_new(o, "limit", number_or_null(u->has_limit, u->limit));
    json_object_set_new(o, "remaining", number_or_null(u->has_limit, u->remaining));
    json_object_set_new(o, "window_start", ent_json_time(u->window_start_ms));
    json_object_set_new(o, "window_end", ent_json_time(u->window_end_ms));
    return o;
}

/*
 * The answer body of one event: the result, with the feature as the client named it (a
 * consumption names its entitlement instead).
 */
static json_t *
encode_result(const struct ent_usage_result *u, const char *feature)
{
    json_t *o = ent_api_usage_encode(u);
    if (!u->entitlement_id[0])
        json_object_set_new(o, "feature", json_string(feature ? feature : ""));
    return o;
}

/*
 * The problem document of err exactly as ent_http_reply_error() writes it, as a value; for
 * ENT_ELIMIT it also carries the fields of the refused event (API.md: "409 limit_reached with
 * the same fields"). NULL when out of memory.
 */
static json_t *
problem_value(const struct ent_error *err, const struct ent_usage_result *u, const char *feature)
{
    struct ent_request scratch;
    memset(&scratch, 0, sizeof(scratch));
    ent_http_reply_error(&scratch, err);
    json_t *doc = scratch.answer ? json_loadb(scratch.answer, scratch.answer_len, 0, NULL) : NULL;
    ent_free(scratch.answer);
    if (doc && err->code == ENT_ELIMIT)
        json_object_update_new(doc, encode_result(u, feature));
    return doc;
}

/* Answers a failed event: its problem document, with the event's fields for a refusal. */
static void
reply_failure(struct ent_request *req, const struct ent_error *err,
              const struct ent_usage_result *u, const char *feature)
{
    if (err->code == ENT_ELIMIT && !u->account_id[0]) { /* refused before it was weighed */
        ent_http_reply_error(req, err);
        return;
    }
    if (err->code != ENT_ELIMIT) {
        ent_http_reply_error(req, err);
        return;
    }
    json_t *doc = problem_value(err, u, feature);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text) {
        ent_http_reply_code(req, ENT_ENOMEM, NULL);
        return;
    }
    ent_http_reply_raw(req, ent_error_status(err->code), "application/problem+json", text,
                       strlen(text));
    free(text); /* jansson's own allocation */
}

/* Reads an RFC 3339 time field (no bare dates: an event happens at an instant). */
static void
read_time(struct ent_jreader *r, const char *name, int64_t *ms)
{
    const char *s = NULL;
    if (ent_json_string(r, name, ENT_J_NULLABLE, &s) && !ent_utc_parse(s, false, ms))
        ent_json_error(r, name, "must be an RFC 3339 time");
}

/*
 * Reads one event object: the body of POST /v1/usage or an element of a batch (a metered
 * feature's usage, or with entitlement a service's consumption), or with consumption the body of
 * POST /v1/entitlements/{id}/consumption (no account, feature or entitlement: the path names it).
 */
void
ent_api_usage_read_event(struct ent_jreader *r, bool consumption, struct ent_usage_input *in)
{
    static const char *const fields[] = {"account",   "feature",         "entitlement", "amount",
                                         "timestamp", "idempotency_key", "enforce",     NULL};
    static const char *const consumption_fields[] = {"amount", "timestamp", "idempotency_key",
                                                     "enforce", NULL};
    memset(in, 0, sizeof(*in));
    in->timestamp_ms = ENT_TIME_NONE; /* none given: now */
    ent_json_only(r, consumption ? consumption_fields : fields);
    if (!consumption) {
        ent_json_string(r, "account", ENT_J_NULLABLE, &in->account);
        ent_json_string(r, "entitlement", ENT_J_NULLABLE, &in->entitlement);
        ent_json_string(r, "feature", in->entitlement ? ENT_J_NULLABLE : ENT_J_REQUIRED,
                        &in->feature);
    }
    ent_json_int(r, "amount", ENT_J_REQUIRED, INT64_MIN, INT64_MAX, &in->amount);
    read_time(r, "timestamp", &in->timestamp_ms);
    ent_json_string(r, "idempotency_key", ENT_J_NULLABLE, &in->idempotency_key);
    ent_json_bool(r, "enforce", ENT_J_NULLABLE, &in->enforce);
}

/* One event on its way through the usage group committer, in the request's arena. */
struct usage_call {
    struct ent_usage_input in;
    struct ent_usage_result out;
    struct ent_error err;
};

void
ent_api_usage_answer(struct ent_request *req, const struct ent_error *err,
                     const struct ent_usage_result *u, const char *feature)
{
    if (err->code != ENT_OK)
        reply_failure(req, err, u, feature);
    else
        ent_http_reply_json(req, u->status, encode_result(u, feature));
}

/* Answers an event once its result is final (ent_http_defer's finish). */
static void
usage_record_finish(struct ent_request *req, void *data)
{
    struct usage_call *call = data;
    ent_api_usage_answer(req, &call->err, &call->out, call->in.feature);
}

void
ent_api_usage_record(struct ent_request *req)
{
    struct usage_call *call = ent_ctx_alloc(req->ctx, sizeof(*call));
    if (!call) {
        ent_http_reply_code(req, ENT_ENOMEM, NULL);
        return;
    }
    memset(call, 0, sizeof(*call));
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = &call->err};
    ent_api_usage_read_event(&r, false, &call->in);
    if (call->err.code != ENT_OK) {
        usage_record_finish(req, call);
        return;
    }
    /* Suspended first, so that the committer's call back always follows the suspension. */
    ent_http_defer(req, usage_record_finish, call);
    bool pending = false;
    ent_usage_submit(req->ctx, &call->in, &call->out, &call->err, ent_http_resume, req, &pending);
    if (!pending)
        ent_http_resume(req); /* answered at once */
    ent_http_defer_settle(req);
}

/*
 * Decodes the events of a batch. An element that is not a valid event gets its own 422 in
 * errs[i], as POST /v1/usage would have answered it; the others are copied, in order, into
 * valid, with index[k] their place in the batch. OUT n_valid.
 */
static void
read_batch(struct ent_request *req, json_t *arr, struct ent_usage_input *inputs,
           struct ent_error *errs, struct ent_usage_input *valid, size_t *index, size_t *n_valid)
{
    *n_valid = 0;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *el = json_array_get(arr, i);
        ent_error_clear(&errs[i]);
        memset(&inputs[i], 0, sizeof(inputs[i]));
        if (!json_is_object(el)) {
            ent_error_set(&errs[i], ENT_EINVAL, "the event must be a JSON object");
            continue;
        }
        struct ent_jreader r = {.obj = el, .path = "", .ctx = req->ctx, .err = &errs[i]};
        ent_api_usage_read_event(&r, false, &inputs[i]);
        if (errs[i].code != ENT_OK)
            continue;
        valid[*n_valid] = inputs[i];
        index[*n_valid] = i;
        (*n_valid)++;
    }
}

/* One result of a batch: the event's answer with its status, or its problem document. */
static json_t *
batch_item(const struct ent_error *err, const struct ent_usage_result *u, const char *feature)
{
    if (err->code != ENT_OK)
        return problem_value(err, u, feature);
    json_t *o = encode_result(u, feature);
    json_object_set_new(o, "status", json_integer(u->status));
    return o;
}

void
ent_api_usage_batch(struct ent_request *req)
{
    static const char *const fields[] = {"events", NULL};
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = &err};
    json_t *arr = NULL;
    ent_json_only(&r, fields);
    ent_json_array(&r, "events", ENT_J_REQUIRED, ENT_USAGE_BATCH_MAX, &arr);
    if (err.code != ENT_OK) {
        ent_http_reply_error(req, &err);
        return;
    }
    size_t n = json_array_size(arr), cap = n ? n : 1;
    struct ent_usage_input *inputs = ent_ctx_alloc(req->ctx, cap * sizeof(*inputs));
    struct ent_usage_input *valid = ent_ctx_alloc(req->ctx, cap * sizeof(*valid));
    struct ent_usage_result *results = ent_ctx_alloc(req->ctx, cap * sizeof(*results));
    struct ent_error *errs = ent_ctx_alloc(req->ctx, cap * sizeof(*errs));
    size_t *index = ent_ctx_alloc(req->ctx, cap * sizeof(*index));
    if (!inputs || !valid || !results || !errs || !index) {
        ent_http_reply_code(req, ENT_ENOMEM, NULL);
        return;
    }
    memset(results, 0, cap * sizeof(*results));
    size_t n_valid = 0;
    read_batch(req, arr, inputs, errs, valid, index, &n_valid);
    struct ent_usage_result *got = ent_ctx_alloc(req->ctx, (n_valid ? n_valid : 1) * sizeof(*got));
    struct ent_error *got_errs =
        ent_ctx_alloc(req->ctx, (n_valid ? n_valid : 1) * sizeof(*got_errs));
    if (!got || !got_errs) {
        ent_http_reply_code(req, ENT_ENOMEM, NULL);
        return;
    }
    /* An empty batch goes to the service, which refuses it; a batch of events that all failed
       to decode has nothing left to record. */
    if (n_valid > 0 || n == 0)
        ent_usage_record_batch(req->ctx, valid, n_valid, got, got_errs, &err);
    if (err.code != ENT_OK) {
        ent_http_reply_error(req, &err);
        return;
    }
    for (size_t k = 0; k < n_valid; k++) {
        results[index[k]] = got[k];
        errs[index[k]] = got_errs[k];
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, batch_item(&errs[i], &results[i], inputs[i].feature));
    json_t *o = json_object();
    json_object_set_new(o, "results", items);
    ent_http_reply_json(req, 200, o);
}

/* The query arguments of GET /v1/usage, as given. */
struct series_query {
    const char *account, *feature, *entitlement, *from, *to, *granularity;
    struct ent_error *err;
};

/* MHD iterator over the series' query arguments: known ones are kept, others refused. */
static enum MHD_Result
on_series_argument(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    struct series_query *q = cls;
    const char **slot = strcmp(key, "account") == 0       ? &q->account
                        : strcmp(key, "feature") == 0     ? &q->feature
                        : strcmp(key, "entitlement") == 0 ? &q->entitlement
                        : strcmp(key, "from") == 0        ? &q->from
                        : strcmp(key, "to") == 0          ? &q->to
                        : strcmp(key, "granularity") == 0 ? &q->granularity
                                                          : NULL;
    if (!slot)
        ent_error_field(q->err, key, "is not a parameter of this route");
    else if (*slot)
        ent_error_field(q->err, key, "is given more than once");
    else
        *slot = value ? value : "";
    return MHD_YES;
}

/* Parses a required RFC 3339 time argument. */
static void
parse_time_arg(const char *name, const char *value, int64_t *ms, struct ent_error *err)
{
    if (!value || !value[0])
        ent_error_field(err, name, "is required");
    else if (!ent_utc_parse(value, false, ms))
        ent_error_field(err, name, "must be an RFC 3339 time");
}

void
ent_api_usage_series(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct series_query q = {.err = &err};
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, on_series_argument, &q);
    int64_t from = 0, to = 0;
    parse_time_arg("from", q.from, &from, &err);
    parse_time_arg("to", q.to, &to, &err);
    if (q.entitlement && q.feature)
        ent_error_field(&err, "entitlement", "give feature or entitlement, not both");
    else if ((!q.feature || !q.feature[0]) && !q.entitlement)
        ent_error_field(&err, "feature", "is required (or entitlement)");
    else if (q.entitlement && !q.entitlement[0])
        ent_error_field(&err, "entitlement", "must not be empty");
    enum ent_period granularity = ENT_PERIOD_NONE;
    if (!q.granularity || !q.granularity[0])
        ent_error_field(&err, "granularity", "is required");
    else
        granularity = ent_period_parse(q.granularity);
    char account_id[37] = "", entitlement_id[37] = "";
    struct ent_usage_bucket *buckets = NULL;
    size_t n = 0;
    if (err.code == ENT_OK && q.entitlement) /* a service's consumption (issue 17) */
        ent_consumption_series(req->ctx, q.account, q.entitlement, from, to, granularity,
                               account_id, entitlement_id, &buckets, &n, &err);
    else if (err.code == ENT_OK)
        ent_usage_series(req->ctx, q.account, q.feature, from, to, granularity, account_id,
                         &buckets, &n, &err);
    if (err.code != ENT_OK) {
        ent_http_reply_error(req, &err);
        return;
    }
    json_t *data = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *b = json_object();
        json_object_set_new(b, "start", ent_json_time(buckets[i].start_ms));
        json_object_set_new(b, "usage", json_integer(buckets[i].usage));
        json_array_append_new(data, b);
    }
    json_t *o = json_object();
    json_object_set_new(o, "account", json_string(account_id));
    json_object_set_new(o, "feature", ent_json_str_or_null(q.feature));
    if (entitlement_id[0])
        json_object_set_new(o, "entitlement", json_string(entitlement_id));
    json_object_set_new(o, "granularity", json_string(ent_period_name(granularity)));
    json_object_set_new(o, "data", data);
    ent_http_reply_json(req, 200, o);
}
