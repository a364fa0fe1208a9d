/* SPDX-License-Identifier: MIT */
/*
 * api_ofrep.c: the HTTP face of the OpenFeature Remote Evaluation Protocol (OFREP, issue 14):
 * POST /ofrep/v1/evaluate/flags/{key}, POST /ofrep/v1/evaluate/flags (with ETag and 304) and
 * GET /ofrep/v1/configuration, and the protocol's error shape for every answer under /ofrep/
 * (problem.c hands them here). It decodes the request's context and encodes the flags; which
 * flag says what, the reasons and the entity tag are the library's (service/ofrep.c), and the
 * answers come from memory like those of /v1/evaluate.
 */
#include <stdio.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "core/str.h"
#include "core/utc.h"
#include "http/api.h"
#include "http/routes.h"

/* Writes a string member name (a literal). */
#define key(g, name) yajl_gen_string((g), (const unsigned char *)"" name, sizeof(name) - 1)

/* Writes a string. */
static void
string(yajl_gen g, const char *s)
{
    yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

/* Writes a whole number. */
static void
integer(yajl_gen g, int64_t v)
{
    char buf[ENT_STR_INT_MAX];
    size_t n = ent_str_format_int(v, buf);
    yajl_gen_number(g, buf, n);
}

/* Writes a time in RFC 3339 UTC. */
static void
utc(yajl_gen g, int64_t ms)
{
    char buf[ENT_UTC_MAX];
    size_t n = ent_utc_format(ms, buf);
    yajl_gen_string(g, (const unsigned char *)buf, n);
}

/* Writes the flat metadata of an answer: numbers, strings and booleans only (the protocol's). */
static void
write_metadata(yajl_gen g, const struct ent_feature_answer *a)
{
    key(g, "metadata");
    yajl_gen_map_open(g);
    key(g, "type");
    string(g, ent_feature_type_name(a->type));
    key(g, "entitled_reason");
    string(g, a->reason);
    key(g, "unlimited");
    yajl_gen_bool(g, a->unlimited);
    bool numeric = a->type == ENT_FEATURE_QUANTITY || a->type == ENT_FEATURE_RANGE ||
                   a->type == ENT_FEATURE_METERED;
    if (a->has_limit && !a->unlimited) {
        key(g, "limit");
        integer(g, a->limit);
        key(g, "remaining");
        integer(g, a->remaining);
    }
    if (numeric && a->level) {
        key(g, "usage");
        integer(g, a->usage);
    }
    if (a->resets_at_ms != ENT_TIME_NONE) {
        key(g, "resets_at");
        utc(g, a->resets_at_ms);
    }
    if (a->expires_at_ms != ENT_TIME_NONE) {
        key(g, "expires_at");
        utc(g, a->expires_at_ms);
    }
    yajl_gen_map_close(g);
}

/* Writes one flag: {"key", "value", "reason", "variant", "metadata"}. */
static void
write_flag(yajl_gen g, const struct ent_ofrep_flag *f)
{
    yajl_gen_map_open(g);
    key(g, "key");
    string(g, f->key);
    key(g, "value");
    switch (f->type) {
    case ENT_OFREP_BOOLEAN:
        yajl_gen_bool(g, f->boolean);
        break;
    case ENT_OFREP_NUMBER:
        integer(g, f->number);
        break;
    case ENT_OFREP_STRING:
        string(g, f->string);
        break;
    case ENT_OFREP_OBJECT:
        ent_api_evaluate_write_answer(g, f->answer);
        break;
    }
    key(g, "reason");
    string(g, f->reason);
    if (f->variant) {
        key(g, "variant");
        string(g, f->variant);
    }
    write_metadata(g, f->answer);
    yajl_gen_map_close(g);
}

/* A copy of a flag key of the request fit to quote: at most 200 bytes, ASCII ('?' for others). */
static void
quote_key(const char *k, char out[201])
{
    size_t n = 0;
    for (; k[n] && n < 200; n++)
        out[n] = ((unsigned char)k[n] > 0x7e || (unsigned char)k[n] < 0x20) ? '?' : k[n];
    out[n] = '\0';
}

/* Answers status with what g wrote (and a newline), then frees g. */
static void
reply_written(struct ent_request *req, int status, yajl_gen g)
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
        ent_http_reply_raw(req, status, "application/json", out, len + 1);
    } else {
        ent_http_reply_code(req, ENT_ENOMEM, NULL);
    }
    yajl_gen_free(g);
}

/*
 * Reads the account of the request: the body is {"context": {...}} (or nothing); the context's
 * targetingKey names the account (an account key may leave it out). The context's other
 * attributes are the application's own and ignored. Returns false after setting err.
 */
static bool
read_account(struct ent_request *req, const char **account, struct ent_error *err)
{
    *account = NULL;
    if (!req->json)
        return true;
    const char *name = NULL;
    json_t *value = NULL;
    json_object_foreach(req->json, name, value)
    {
        if (strcmp(name, "context") != 0) {
            ent_error_set(err, ENT_EJSON, "unknown member '%s': the body is {\"context\": {...}}",
                          name);
            return false;
        }
    }
    json_t *context = json_object_get(req->json, "context");
    if (!context || json_is_null(context))
        return true;
    if (!json_is_object(context)) {
        ent_error_field(err, "context", "must be an object");
        return false;
    }
    json_t *tk = json_object_get(context, "targetingKey");
    if (!tk || json_is_null(tk))
        return true;
    if (!json_is_string(tk) || strlen(json_string_value(tk)) != json_string_length(tk) ||
        json_string_length(tk) > 200) {
        ent_error_field(err, "context.targetingKey",
                        "must be an account id or key (a string of 1 to 200 characters)");
        return false;
    }
    *account = json_string_length(tk) ? json_string_value(tk) : NULL;
    return true;
}

void
ent_api_ofrep_flag(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    const char *account = NULL;
    struct ent_ofrep_flag flag;
    bool found = false;
    if (read_account(req, &account, &err))
        ent_ofrep_evaluate(req->ctx, account, req->params[0], &flag, &found, &err);
    if (err.code != ENT_OK) {
        ent_http_reply_error(req, &err);
        return;
    }
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g) {
        ent_http_reply_code(req, ENT_ENOMEM, NULL);
        return;
    }
    if (!found) {
        char quoted[201];
        quote_key(req->params[0], quoted);
        yajl_gen_map_open(g);
        key(g, "key");
        string(g, quoted);
        key(g, "errorCode");
        string(g, "FLAG_NOT_FOUND");
        key(g, "errorDetails");
        string(g, "no feature or view of a feature has this key");
        yajl_gen_map_close(g);
        reply_written(req, 404, g);
        return;
    }
    write_flag(g, &flag);
    reply_written(req, 200, g);
}

void
ent_api_ofrep_bulk(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    const char *account = NULL;
    struct ent_ofrep_bulk bulk;
    if (read_account(req, &account, &err))
        ent_ofrep_evaluate_all(req->ctx, account, &bulk, &err);
    if (err.code != ENT_OK) {
        ent_http_reply_error(req, &err);
        return;
    }
    req->etag = ent_ctx_strndup(req->ctx, bulk.etag, strlen(bulk.etag));
    if (ent_http_etag_matches(ent_http_header(req, "If-None-Match"), bulk.etag)) {
        ent_http_reply_empty(req, 304); /* no flag made, nothing encoded */
        return;
    }
    if (ent_ofrep_bulk_flags(req->ctx, &bulk, &err) < 0) {
        ent_http_reply_error(req, &err);
        return;
    }
    /* The tag of the answers sent (a kept tag was made again with them). */
    req->etag = ent_ctx_strndup(req->ctx, bulk.etag, strlen(bulk.etag));
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g) {
        ent_http_reply_code(req, ENT_ENOMEM, NULL);
        return;
    }
    yajl_gen_map_open(g);
    key(g, "flags");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < bulk.n_flags; i++)
        write_flag(g, &bulk.flags[i]);
    yajl_gen_array_close(g);
    /* ADR 0008: where the web provider hears that these flags changed (sse.h). */
    key(g, "eventStreams");
    yajl_gen_array_open(g);
    yajl_gen_map_open(g);
    key(g, "type");
    string(g, "sse");
    key(g, "endpoint");
    yajl_gen_map_open(g);
    key(g, "requestUri");
    char uri[ENT_OFREP_TOKEN_MAX + 32];
    snprintf(uri, sizeof(uri), "/ofrep/v1/events?token=%s", bulk.stream_token);
    string(g, uri);
    yajl_gen_map_close(g);
    key(g, "inactivityDelaySec");
    integer(g, 120);
    yajl_gen_map_close(g);
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
    reply_written(req, 200, g);
}

void
ent_api_ofrep_events(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_ofrep_bulk bulk;
    if (ent_ofrep_stream_open(req->ctx, ent_http_query(req, "token"), &err) == ENT_OK)
        ent_ofrep_evaluate_all(req->ctx, NULL, &bulk, &err);
    if (err.code != ENT_OK) {
        ent_http_reply_error(req, &err);
        return;
    }
    /* The answer is the stream itself: server.c makes it (ent_sse_response()). */
    snprintf(req->stream_account, sizeof(req->stream_account), "%s", bulk.eval.account_id);
    snprintf(req->stream_etag, sizeof(req->stream_etag), "%s", bulk.etag);
    req->status = 200;
    req->content_type = "text/event-stream";
}

/* The configuration: it changes only with the daemon's code, so its tag is a constant. */
static const char configuration[] =
    "{\"name\":\"entitled\",\"capabilities\":{\"cacheInvalidation\":{\"polling\":"
    "{\"enabled\":true,\"minPollingIntervalMs\":1000}},\"flagEvaluation\":{\"supportedTypes\":"
    "[\"int\",\"float\",\"string\",\"boolean\",\"object\"]},\"caching\":{\"enabled\":false}}}\n";
static const char configuration_etag[] = "\"entitled-ofrep-config-1\"";

void
ent_api_ofrep_configuration(struct ent_request *req)
{
    req->etag = configuration_etag;
    if (ent_http_etag_matches(ent_http_header(req, "If-None-Match"), configuration_etag)) {
        ent_http_reply_empty(req, 304);
        return;
    }
    ent_http_reply_raw(req, 200, "application/json", configuration, sizeof(configuration) - 1);
}

/* What a failure says: its message, or its first field's, or its title; never a 5xx's detail. */
static void
error_details(const struct ent_error *err, int status, char *out, size_t cap)
{
    if (status >= 500 && err->code != ENT_EUNAVAILABLE)
        snprintf(out, cap, "%s", "the request could not be completed; it changed nothing");
    else if (err->n_fields)
        snprintf(out, cap, "%s: %s", err->fields[0].field, err->fields[0].message);
    else if (err->message[0])
        snprintf(out, cap, "%s", err->message);
    else
        snprintf(out, cap, "%s", ent_error_title(err->code < 0 ? err->code : ENT_EINTERNAL));
}

void
ent_api_ofrep_error(struct ent_request *req, const struct ent_error *err)
{
    int status = 500;
    const char *code = NULL;
    ent_ofrep_error(err, &status, &code);
    char details[400];
    error_details(err, status, details, sizeof(details));
    /* The single flag's errors name the flag (evaluationFailure); the bulk's do not. A request
     * refused before its route was matched (a body too large) is recognised by its path. */
    static const char single_prefix[] = "/ofrep/v1/evaluate/flags/";
    const char *flag_key = NULL;
    if (req->route && req->route->handler == ent_api_ofrep_flag)
        flag_key = req->params[0];
    else if (!req->route && req->url &&
             strncmp(req->url, single_prefix, sizeof(single_prefix) - 1) == 0 &&
             req->url[sizeof(single_prefix) - 1] &&
             !strchr(req->url + sizeof(single_prefix) - 1, '/'))
        flag_key = req->url + sizeof(single_prefix) - 1;
    bool single = flag_key != NULL;
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g) {
        static const char fallback[] = "{\"errorDetails\":\"out of memory\"}\n";
        ent_http_reply_raw(req, 500, "application/json", fallback, sizeof(fallback) - 1);
        return;
    }
    /* Bytes of the request quoted in a detail may not be UTF-8: yajl refuses none, and a
     * client's JSON reader might; every byte above 0x7f becomes '?'. */
    for (char *p = details; *p; p++) {
        if ((unsigned char)*p > 0x7f || (unsigned char)*p < 0x20)
            *p = '?';
    }
    yajl_gen_map_open(g);
    if (code && single) {
        char quoted[201];
        quote_key(flag_key, quoted);
        key(g, "key");
        string(g, quoted);
    }
    if (code) {
        key(g, "errorCode");
        string(g, code);
    }
    key(g, "errorDetails");
    string(g, details);
    yajl_gen_map_close(g);
    const unsigned char *buf = NULL;
    size_t len = 0;
    yajl_gen_get_buf(g, &buf, &len);
    char out[1024]; /* a key of 200 bytes and details of 400, escaped: well within */
    if (len + 1 > sizeof(out))
        len = sizeof(out) - 1; /* never reached */
    memcpy(out, buf, len);
    out[len] = '\n';
    ent_http_reply_raw(req, status, "application/json", out, len + 1);
    yajl_gen_free(g);
}
