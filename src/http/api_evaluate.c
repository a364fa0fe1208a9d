/* SPDX-License-Identifier: MIT */
/*
 * api_evaluate.c: the HTTP face of evaluation: POST /v1/evaluate, POST /v1/evaluate/bulk and
 * GET /v1/accounts/{account}/entitlements. The answers come from memory (see
 * service/evaluation.c); this file only decodes and encodes.
 */
#include <string.h>

#include "http/api.h"
#include "http/json.h"

/* A number, or null when has is false. */
static json_t *
number_or_null(bool has, int64_t v)
{
    return has ? json_integer(v) : json_null();
}

/* One feature's answer, in the order the fields are documented. */
static json_t *
encode_answer(const struct ent_feature_answer *a, bool explain)
{
    json_t *o = json_object();
    json_object_set_new(o, "feature", json_string(a->feature));
    json_object_set_new(o, "value", json_boolean(a->value));
    if (!a->known) {
        json_object_set_new(o, "reason", json_string(a->reason));
        return o;
    }
    bool numeric = a->type == ENT_FEATURE_QUANTITY || a->type == ENT_FEATURE_RANGE ||
                   a->type == ENT_FEATURE_METERED;
    json_object_set_new(o, "type", json_string(ent_feature_type_name(a->type)));
    json_object_set_new(o, "level", ent_json_str_or_null(a->level));
    json_object_set_new(o, "unlimited", json_boolean(a->unlimited));
    json_object_set_new(o, "limit", number_or_null(a->has_limit, a->limit));
    json_object_set_new(o, "usage", number_or_null(numeric && a->level, a->usage));
    json_object_set_new(o, "remaining", number_or_null(a->has_limit, a->remaining));
    json_object_set_new(o, "expires_at", ent_json_time(a->expires_at_ms));
    if (a->type == ENT_FEATURE_METERED)
        json_object_set_new(o, "resets_at", ent_json_time(a->resets_at_ms));
    json_object_set_new(o, "reason", json_string(a->reason));
    if (explain) {
        json_t *sources = json_array();
        for (size_t i = 0; i < a->n_sources; i++) {
            const struct ent_eval_source *s = &a->sources[i];
            json_t *j = json_object();
            json_object_set_new(j, "entitlement", json_string(s->entitlement_id));
            json_object_set_new(j, "product", ent_json_str_or_null(s->product));
            json_object_set_new(j, "value", json_string(s->value));
            json_object_set_new(j, "quantity", json_integer(s->quantity));
            json_object_set_new(j, "source", json_string(ent_source_name(s->source)));
            json_object_set_new(j, "start_date", ent_json_time(s->start_ms));
            json_object_set_new(j, "end_date", ent_json_time(s->end_ms));
            json_object_set_new(j, "override", json_boolean(s->override));
            json_array_append_new(sources, j);
        }
        json_object_set_new(o, "sources", sources);
    }
    return o;
}

/* The entitlements array of an answer. */
static json_t *
encode_answers(const struct ent_eval_answer *ans, bool explain)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < ans->n_features; i++)
        json_array_append_new(arr, encode_answer(&ans->features[i], explain));
    return arr;
}

/* Reads the "features" array of names. OUT names in the context's arena. */
static void
read_features(struct ent_jreader *r, const char ***names, size_t *n)
{
    json_t *arr = NULL;
    *names = NULL;
    *n = 0;
    if (!ent_json_array(r, "features", ENT_J_REQUIRED, ENT_EVALUATE_MAX_FEATURES, &arr))
        return;
    size_t count = json_array_size(arr);
    const char **out = ent_ctx_alloc(r->ctx, (count ? count : 1) * sizeof(*out));
    if (!out)
        return;
    for (size_t i = 0; i < count; i++) {
        json_t *el = json_array_get(arr, i);
        out[i] = json_is_string(el) ? json_string_value(el) : NULL;
        if (!out[i] || strlen(out[i]) != json_string_length(el)) {
            struct ent_jreader c = ent_json_child(r, "features", (long)i, NULL);
            ent_error_field(r->err, c.path, "must be a feature key");
        }
    }
    *names = out;
    *n = count;
}

void
ent_api_evaluate_run(struct ent_request *req)
{
    static const char *const fields[] = {"account", "features", "at", "explain", NULL};
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = &err};
    const char *account = NULL;
    const char **names = NULL;
    size_t n = 0;
    int64_t at = 0;
    bool explain = false;
    ent_json_only(&r, fields);
    ent_json_string(&r, "account", ENT_J_NULLABLE, &account);
    read_features(&r, &names, &n);
    ent_api_read_date(&r, "at", ENT_J_NULLABLE, &at);
    ent_json_bool(&r, "explain", 0, &explain);
    struct ent_eval_answer ans;
    if (err.code == ENT_OK)
        ent_evaluation_run(req->ctx, account, names, n, at, explain, &ans, &err);
    if (err.code != ENT_OK) {
        ent_http_reply_error(req, &err);
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "account", json_string(ans.account_id));
    json_object_set_new(o, "evaluated_at", ent_json_time(ans.evaluated_at_ms));
    json_object_set_new(o, "entitlements", encode_answers(&ans, explain));
    ent_http_reply_json(req, 200, o);
}

void
ent_api_evaluate_bulk(struct ent_request *req)
{
    static const char *const fields[] = {"accounts", "features", "at", NULL};
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = &err};
    json_t *accounts = NULL;
    const char **names = NULL;
    size_t n = 0;
    int64_t at = 0;
    ent_json_only(&r, fields);
    ent_json_array(&r, "accounts", ENT_J_REQUIRED, ENT_EVALUATE_MAX_ACCOUNTS, &accounts);
    read_features(&r, &names, &n);
    ent_api_read_date(&r, "at", ENT_J_NULLABLE, &at);
    size_t n_accounts = accounts ? json_array_size(accounts) : 0;
    if (accounts && n_accounts == 0)
        ent_json_error(&r, "accounts", "must list 1 to 100 accounts");
    for (size_t i = 0; accounts && i < n_accounts; i++) {
        json_t *el = json_array_get(accounts, i);
        if (!json_is_string(el) || json_string_length(el) == 0 ||
            strlen(json_string_value(el)) != json_string_length(el)) {
            struct ent_jreader c = ent_json_child(&r, "accounts", (long)i, NULL);
            ent_error_field(&err, c.path, "must be an account id or key");
        }
    }
    if (err.code != ENT_OK) {
        ent_http_reply_error(req, &err);
        return;
    }
    if (at == 0)
        at = ent_ctx_now(req->ctx);
    json_t *results = json_array();
    for (size_t i = 0; i < n_accounts; i++) {
        const char *account = json_string_value(json_array_get(accounts, i));
        struct ent_eval_answer ans;
        ent_error_clear(&err);
        json_t *item = json_object();
        if (ent_evaluation_run(req->ctx, account, names, n, at, false, &ans, &err) < 0) {
            if (err.code != ENT_ENOTFOUND) {
                json_decref(item);
                json_decref(results);
                ent_http_reply_error(req, &err);
                return;
            }
            json_object_set_new(item, "account", json_string(account));
            json_object_set_new(item, "error", json_string("not_found"));
        } else {
            json_object_set_new(item, "account", json_string(ans.account_id));
            json_object_set_new(item, "entitlements", encode_answers(&ans, false));
        }
        json_array_append_new(results, item);
    }
    json_t *o = json_object();
    json_object_set_new(o, "evaluated_at", ent_json_time(at));
    json_object_set_new(o, "results", results);
    ent_http_reply_json(req, 200, o);
}

void
ent_api_evaluate_account(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_eval_answer ans;
    if (ent_evaluation_account(req->ctx, req->params[0], &ans, &err) < 0) {
        ent_http_reply_error(req, &err);
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "account", json_string(ans.account_id));
    json_object_set_new(o, "evaluated_at", ent_json_time(ans.evaluated_at_ms));
    json_object_set_new(o, "entitlements", encode_answers(&ans, false));
    ent_http_reply_json(req, 200, o);
}
