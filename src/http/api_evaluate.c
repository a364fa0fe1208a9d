/* SPDX-License-Identifier: MIT */
/*
 * api_evaluate.c: the HTTP face of evaluation: POST /v1/evaluate, POST /v1/evaluate/bulk and
 * GET /v1/accounts/{account}/entitlements. The answers come from memory (see
 * service/evaluation.c); this file only decodes and encodes.
 */
#include <string.h>

#include "core/str.h"
#include "core/utc.h"
#include "http/api.h"
#include "http/json.h"
#include "http/jsonw.h"

/*
 * Answers are written with the hot path's JSON writer (jsonw.h) into one buffer: evaluate is the
 * hot path, and a jansson tree costs an allocation per value (DESIGN.md: encoding answers is
 * where speed is won or lost). Requests are still decoded strictly with jansson.
 */

/* The most an answer may take (100 accounts of 100 features with sources stay far below). */
#define ANSWER_CAP ((size_t)64 << 20)

/* Writes the maintenance covering a source's entitlement (seed 004), or null. */
static void
write_maintenance(struct ent_jw *w, const struct ent_maintenance *m)
{
    ent_jw_name(w, "maintenance");
    if (!m->covered) {
        ent_jw_null(w);
        return;
    }
    ent_jw_open(w, '{');
    ent_jw_name(w, "until");
    ent_jw_time_or_null(w, m->until_ms);
    ent_jw_name(w, "activation_id");
    ent_jw_cstring_or_null(w, m->activation_id);
    ent_jw_name(w, "product");
    ent_jw_cstring_or_null(w, m->product);
    ent_jw_name(w, "product_version");
    ent_jw_cstring_or_null(w, m->product_version);
    ent_jw_name(w, "part_number");
    ent_jw_cstring_or_null(w, m->part_number);
    ent_jw_close(w, '}');
}

/* Writes the sources behind one answer ("explain"). */
static void
write_sources(struct ent_jw *w, const struct ent_feature_answer *a)
{
    ent_jw_name(w, "sources");
    ent_jw_open(w, '[');
    for (size_t i = 0; i < a->n_sources; i++) {
        const struct ent_eval_source *src = &a->sources[i];
        ent_jw_open(w, '{');
        ent_jw_name(w, "entitlement");
        ent_jw_cstring_or_null(w, src->entitlement_id);
        ent_jw_name(w, "product");
        ent_jw_cstring_or_null(w, src->product);
        ent_jw_name(w, "value");
        ent_jw_cstring_or_null(w, src->value);
        ent_jw_name(w, "quantity");
        ent_jw_int(w, src->quantity);
        ent_jw_name(w, "source");
        ent_jw_cstring_or_null(w, ent_source_name(src->source));
        ent_jw_name(w, "start_date");
        ent_jw_time_or_null(w, src->start_ms);
        ent_jw_name(w, "end_date");
        ent_jw_time_or_null(w, src->end_ms);
        ent_jw_name(w, "override");
        ent_jw_bool(w, src->override);
        write_maintenance(w, &src->maintenance); /* seed 004 */
        ent_jw_close(w, '}');
    }
    ent_jw_close(w, ']');
}

/* Writes one feature's answer, in the order the fields are documented. */
static void
write_answer(struct ent_jw *w, const struct ent_feature_answer *a, bool explain)
{
    ent_jw_open(w, '{');
    ent_jw_name(w, "feature");
    ent_jw_cstring_or_null(w, a->feature);
    ent_jw_name(w, "value");
    ent_jw_bool(w, a->value);
    if (a->known) {
        bool numeric = a->type == ENT_FEATURE_QUANTITY || a->type == ENT_FEATURE_RANGE ||
                       a->type == ENT_FEATURE_METERED;
        ent_jw_name(w, "type");
        ent_jw_cstring_or_null(w, ent_feature_type_name(a->type));
        ent_jw_name(w, "level");
        ent_jw_cstring_or_null(w, a->level);
        ent_jw_name(w, "unlimited");
        ent_jw_bool(w, a->unlimited);
        ent_jw_name(w, "limit");
        ent_jw_int_or_null(w, a->has_limit, a->limit);
        ent_jw_name(w, "usage"); /* null where it does not apply (a feature that counts none) */
        ent_jw_int_or_null(w, numeric && a->counts_usage && a->level, a->usage);
        ent_jw_name(w, "remaining");
        ent_jw_int_or_null(w, a->has_limit, a->remaining);
        ent_jw_name(w, "expires_at");
        ent_jw_time_or_null(w, a->expires_at_ms);
        if (a->type == ENT_FEATURE_METERED) {
            ent_jw_name(w, "resets_at");
            ent_jw_time_or_null(w, a->resets_at_ms);
        }
    }
    ent_jw_name(w, "reason");
    ent_jw_cstring_or_null(w, a->reason);
    if (a->known && explain)
        write_sources(w, a);
    ent_jw_close(w, '}');
}

void
ent_api_evaluate_write_answer(struct ent_jw *w, const struct ent_feature_answer *a)
{
    write_answer(w, a, false);
}

/* Writes {"account", "entitlements": [...]} members of an answer (the object is open). */
static void
write_account_answers(struct ent_jw *w, const struct ent_eval_answer *ans, bool explain)
{
    ent_jw_name(w, "account");
    ent_jw_cstring_or_null(w, ans->account_id);
    ent_jw_name(w, "entitlements");
    ent_jw_open(w, '[');
    for (size_t i = 0; i < ans->n_features; i++)
        write_answer(w, &ans->features[i], explain);
    ent_jw_close(w, ']');
}

/* A writer with room for n_answers answers of features (most take under 256 bytes). */
static void
new_writer(struct ent_jw *w, size_t n_answers)
{
    ent_jw_init(w, ANSWER_CAP);
    ent_buf_reserve(&w->b, 128 + 256 * n_answers); /* a failure here fails the first write */
}

/* Answers 200 with the answer of one account: {"account", "entitlements", "evaluated_at"}. */
static void
reply_account(struct ent_request *req, const struct ent_eval_answer *ans, bool explain)
{
    struct ent_jw w;
    new_writer(&w, explain ? 4 * ans->n_features : ans->n_features);
    ent_jw_open(&w, '{');
    write_account_answers(&w, ans, explain);
    ent_jw_name(&w, "evaluated_at");
    ent_jw_time_or_null(&w, ans->evaluated_at_ms);
    ent_jw_close(&w, '}');
    ent_http_reply_written(req, 200, &w);
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
    int64_t at = ENT_TIME_NONE; /* none given: now */
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
    reply_account(req, &ans, explain);
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
    int64_t at = ENT_TIME_NONE; /* none given: now */
    ent_json_only(&r, fields);
    ent_json_array(&r, "accounts", ENT_J_REQUIRED, ENT_EVALUATE_MAX_ACCOUNTS, &accounts);
    read_features(&r, &names, &n);
    ent_api_read_date(&r, "at", ENT_J_NULLABLE, &at);
    size_t n_accounts = accounts ? json_array_size(accounts) : 0;
    if (accounts && n_accounts == 0)
        ent_json_error(&r, "accounts", "must list 1 to 100 accounts");
    if (names && n == 0) /* one evaluate answers an empty list; a bulk call asks for 1 to 100 */
        ent_json_error(&r, "features", "must list 1 to 100 features");
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
    if (at == ENT_TIME_NONE)
        at = ent_ctx_now(req->ctx);
    struct ent_jw w;
    new_writer(&w, n_accounts * n);
    ent_jw_open(&w, '{');
    ent_jw_name(&w, "evaluated_at");
    ent_jw_time_or_null(&w, at);
    ent_jw_name(&w, "results");
    ent_jw_open(&w, '[');
    for (size_t i = 0; i < n_accounts; i++) {
        const char *account = json_string_value(json_array_get(accounts, i));
        struct ent_eval_answer ans;
        ent_error_clear(&err);
        if (ent_evaluation_run(req->ctx, account, names, n, at, false, &ans, &err) < 0) {
            if (err.code != ENT_ENOTFOUND) {
                ent_jw_cleanup(&w);
                ent_http_reply_error(req, &err);
                return;
            }
            ent_jw_open(&w, '{');
            ent_jw_name(&w, "account");
            ent_jw_cstring_or_null(&w, account);
            ent_jw_name(&w, "error");
            ent_jw_cstring(&w, "not_found");
            ent_jw_close(&w, '}');
            continue;
        }
        ent_jw_open(&w, '{');
        write_account_answers(&w, &ans, false);
        ent_jw_close(&w, '}');
    }
    ent_jw_close(&w, ']');
    ent_jw_close(&w, '}');
    ent_http_reply_written(req, 200, &w);
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
    reply_account(req, &ans, false);
}
