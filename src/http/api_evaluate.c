/* SPDX-License-Identifier: MIT */
/*
 * api_evaluate.c: the HTTP face of evaluation: POST /v1/evaluate, POST /v1/evaluate/bulk and
 * GET /v1/accounts/{account}/entitlements. The answers come from memory (see
 * service/evaluation.c); this file only decodes and encodes.
 */
#include <string.h>

#include <yajl/yajl_gen.h>

#include "core/str.h"
#include "core/utc.h"
#include "http/api.h"
#include "http/json.h"

/*
 * Answers are written with a streaming JSON writer (yajl_gen) into one buffer: evaluate is the
 * hot path, and a jansson tree costs an allocation per value (DESIGN.md: encoding answers is
 * where speed is won or lost). Requests are still decoded strictly with jansson.
 */

/* Writes a string member name (a literal: its length is known at compile time). */
#define key(g, name) yajl_gen_string((g), (const unsigned char *)"" name, sizeof(name) - 1)

/* Writes a string, or null for NULL. */
static void
str_or_null(yajl_gen g, const char *s)
{
    if (s)
        yajl_gen_string(g, (const unsigned char *)s, strlen(s));
    else
        yajl_gen_null(g);
}

/* Writes a whole number (without the printf that yajl_gen_integer calls). */
static void
integer(yajl_gen g, int64_t v)
{
    char buf[ENT_STR_INT_MAX];
    size_t n = ent_str_format_int(v, buf);
    yajl_gen_number(g, buf, n);
}

/* Writes a number, or null when has is false. */
static void
number_or_null(yajl_gen g, bool has, int64_t v)
{
    if (has)
        integer(g, v);
    else
        yajl_gen_null(g);
}

/* Writes a time in RFC 3339 UTC, or null for ENT_TIME_NONE. */
static void
time_or_null(yajl_gen g, int64_t ms)
{
    if (ms == ENT_TIME_NONE) {
        yajl_gen_null(g);
        return;
    }
    char buf[ENT_UTC_MAX];
    size_t n = ent_utc_format(ms, buf);
    yajl_gen_string(g, (const unsigned char *)buf, n);
}

/* Writes the maintenance covering a source's entitlement (seed 004), or null. */
static void
write_maintenance(yajl_gen g, const struct ent_maintenance *m)
{
    key(g, "maintenance");
    if (!m->covered) {
        yajl_gen_null(g);
        return;
    }
    yajl_gen_map_open(g);
    key(g, "until");
    time_or_null(g, m->until_ms);
    key(g, "activation_id");
    str_or_null(g, m->activation_id);
    key(g, "product");
    str_or_null(g, m->product);
    key(g, "product_version");
    str_or_null(g, m->product_version);
    key(g, "part_number");
    str_or_null(g, m->part_number);
    yajl_gen_map_close(g);
}

/* Writes the sources behind one answer ("explain"). */
static void
write_sources(yajl_gen g, const struct ent_feature_answer *a)
{
    key(g, "sources");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < a->n_sources; i++) {
        const struct ent_eval_source *src = &a->sources[i];
        yajl_gen_map_open(g);
        key(g, "entitlement");
        str_or_null(g, src->entitlement_id);
        key(g, "product");
        str_or_null(g, src->product);
        key(g, "value");
        str_or_null(g, src->value);
        key(g, "quantity");
        integer(g, src->quantity);
        key(g, "source");
        str_or_null(g, ent_source_name(src->source));
        key(g, "start_date");
        time_or_null(g, src->start_ms);
        key(g, "end_date");
        time_or_null(g, src->end_ms);
        key(g, "override");
        yajl_gen_bool(g, src->override);
        write_maintenance(g, &src->maintenance); /* seed 004 */
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
}

/* Writes one feature's answer, in the order the fields are documented. */
static void
write_answer(yajl_gen g, const struct ent_feature_answer *a, bool explain)
{
    yajl_gen_map_open(g);
    key(g, "feature");
    str_or_null(g, a->feature);
    key(g, "value");
    yajl_gen_bool(g, a->value);
    if (a->known) {
        bool numeric = a->type == ENT_FEATURE_QUANTITY || a->type == ENT_FEATURE_RANGE ||
                       a->type == ENT_FEATURE_METERED;
        key(g, "type");
        str_or_null(g, ent_feature_type_name(a->type));
        key(g, "level");
        str_or_null(g, a->level);
        key(g, "unlimited");
        yajl_gen_bool(g, a->unlimited);
        key(g, "limit");
        number_or_null(g, a->has_limit, a->limit);
        key(g, "usage"); /* null where it does not apply (a feature that counts no usage) */
        number_or_null(g, numeric && a->counts_usage && a->level, a->usage);
        key(g, "remaining");
        number_or_null(g, a->has_limit, a->remaining);
        key(g, "expires_at");
        time_or_null(g, a->expires_at_ms);
        if (a->type == ENT_FEATURE_METERED) {
            key(g, "resets_at");
            time_or_null(g, a->resets_at_ms);
        }
    }
    key(g, "reason");
    str_or_null(g, a->reason);
    if (a->known && explain)
        write_sources(g, a);
    yajl_gen_map_close(g);
}

void
ent_api_evaluate_write_answer(struct yajl_gen_t *g, const struct ent_feature_answer *a)
{
    write_answer(g, a, false);
}

/* Writes {"account", "entitlements": [...]} members of an answer (the map is open). */
static void
write_account_answers(yajl_gen g, const struct ent_eval_answer *ans, bool explain)
{
    key(g, "account");
    str_or_null(g, ans->account_id);
    key(g, "entitlements");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < ans->n_features; i++)
        write_answer(g, &ans->features[i], explain);
    yajl_gen_array_close(g);
}

/* A writer, or NULL when out of memory. */
static yajl_gen
new_writer(void)
{
    /* Every string written was valid UTF-8 when it entered the store (jansson refuses any
     * other), and feature keys, levels, ids and times are ASCII: not validated again here. */
    return yajl_gen_alloc(NULL);
}

/* Answers 200 with what g wrote (and a newline), then frees g. */
static void
reply_written(struct ent_request *req, yajl_gen g)
{
    const unsigned char *buf = NULL;
    size_t len = 0;
    if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok) {
        yajl_gen_free(g);
        ent_http_reply_code(req, ENT_EINTERNAL, NULL);
        return;
    }
    char *out = ent_ctx_alloc(req->ctx, len + 1);
    if (out) {
        memcpy(out, buf, len);
        out[len] = '\n';
        ent_http_reply_raw(req, 200, "application/json", out, len + 1);
    } else {
        ent_http_reply_code(req, ENT_ENOMEM, NULL);
    }
    yajl_gen_free(g);
}

/* Answers 200 with the answer of one account: {"account", "entitlements", "evaluated_at"}. */
static void
reply_account(struct ent_request *req, const struct ent_eval_answer *ans, bool explain)
{
    yajl_gen g = new_writer();
    if (!g) {
        ent_http_reply_code(req, ENT_ENOMEM, NULL);
        return;
    }
    yajl_gen_map_open(g);
    write_account_answers(g, ans, explain);
    key(g, "evaluated_at");
    time_or_null(g, ans->evaluated_at_ms);
    yajl_gen_map_close(g);
    reply_written(req, g);
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
    yajl_gen g = new_writer();
    if (!g) {
        ent_http_reply_code(req, ENT_ENOMEM, NULL);
        return;
    }
    yajl_gen_map_open(g);
    key(g, "evaluated_at");
    time_or_null(g, at);
    key(g, "results");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < n_accounts; i++) {
        const char *account = json_string_value(json_array_get(accounts, i));
        struct ent_eval_answer ans;
        ent_error_clear(&err);
        if (ent_evaluation_run(req->ctx, account, names, n, at, false, &ans, &err) < 0) {
            if (err.code != ENT_ENOTFOUND) {
                yajl_gen_free(g);
                ent_http_reply_error(req, &err);
                return;
            }
            yajl_gen_map_open(g);
            key(g, "account");
            str_or_null(g, account);
            key(g, "error");
            str_or_null(g, "not_found");
            yajl_gen_map_close(g);
            continue;
        }
        yajl_gen_map_open(g);
        write_account_answers(g, &ans, false);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
    reply_written(req, g);
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
