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

#include "core/alloc.h"
#include "core/str.h"
#include "core/utc.h"
#include "http/api.h"
#include "http/jsonw.h"
#include "http/routes.h"

/* The most an answer may take (480 flags of the largest account stay far below). */
#define ANSWER_CAP ((size_t)64 << 20)

/* Writes the flat metadata of an answer: numbers, strings and booleans only (the protocol's). */
static void
write_metadata(struct ent_jw *w, const struct ent_feature_answer *a)
{
    ent_jw_name(w, "metadata");
    ent_jw_open(w, '{');
    ent_jw_name(w, "type");
    ent_jw_cstring(w, ent_feature_type_name(a->type));
    ent_jw_name(w, "entitled_reason");
    ent_jw_cstring(w, a->reason);
    ent_jw_name(w, "unlimited");
    ent_jw_bool(w, a->unlimited);
    bool numeric = a->type == ENT_FEATURE_QUANTITY || a->type == ENT_FEATURE_RANGE ||
                   a->type == ENT_FEATURE_METERED;
    if (a->has_limit && !a->unlimited) {
        ent_jw_name(w, "limit");
        ent_jw_int(w, a->limit);
        ent_jw_name(w, "remaining");
        ent_jw_int(w, a->remaining);
    }
    if (numeric && a->level) {
        ent_jw_name(w, "usage");
        ent_jw_int(w, a->usage);
    }
    if (a->resets_at_ms != ENT_TIME_NONE) {
        ent_jw_name(w, "resets_at");
        ent_jw_time(w, a->resets_at_ms);
    }
    if (a->expires_at_ms != ENT_TIME_NONE) {
        ent_jw_name(w, "expires_at");
        ent_jw_time(w, a->expires_at_ms);
    }
    ent_jw_close(w, '}');
}

/* Writes one flag: {"key", "value", "reason", "variant", "metadata"}. */
static void
write_flag(struct ent_jw *w, const struct ent_ofrep_flag *f)
{
    ent_jw_open(w, '{');
    ent_jw_name(w, "key");
    ent_jw_cstring(w, f->key);
    ent_jw_name(w, "value");
    switch (f->type) {
    case ENT_OFREP_BOOLEAN:
        ent_jw_bool(w, f->boolean);
        break;
    case ENT_OFREP_NUMBER:
        ent_jw_int(w, f->number);
        break;
    case ENT_OFREP_STRING:
        ent_jw_cstring(w, f->string);
        break;
    case ENT_OFREP_OBJECT:
        ent_api_evaluate_write_answer(w, f->answer);
        break;
    }
    ent_jw_name(w, "reason");
    ent_jw_cstring(w, f->reason);
    if (f->variant) {
        ent_jw_name(w, "variant");
        ent_jw_cstring(w, f->variant);
    }
    write_metadata(w, f->answer);
    ent_jw_close(w, '}');
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
    struct ent_jw jw, *w = &jw;
    ent_jw_init(w, ANSWER_CAP);
    if (!found) {
        char quoted[201];
        quote_key(req->params[0], quoted);
        ent_jw_open(w, '{');
        ent_jw_name(w, "key");
        ent_jw_cstring(w, quoted);
        ent_jw_name(w, "errorCode");
        ent_jw_cstring(w, "FLAG_NOT_FOUND");
        ent_jw_name(w, "errorDetails");
        ent_jw_cstring(w, "no feature or view of a feature has this key");
        ent_jw_close(w, '}');
        ent_http_reply_written(req, 404, w);
        return;
    }
    write_flag(w, &flag);
    ent_http_reply_written(req, 200, w);
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
    struct ent_jw jw, *w = &jw;
    ent_jw_init(w, ANSWER_CAP);
    ent_buf_reserve(&w->b, 512 + 320 * bulk.n_flags); /* a failure fails the first write */
    ent_jw_open(w, '{');
    ent_jw_name(w, "flags");
    ent_jw_open(w, '[');
    for (size_t i = 0; i < bulk.n_flags; i++)
        write_flag(w, &bulk.flags[i]);
    ent_jw_close(w, ']');
    /* ADR 0008: where the web provider hears that these flags changed (sse.h). */
    ent_jw_name(w, "eventStreams");
    ent_jw_open(w, '[');
    ent_jw_open(w, '{');
    ent_jw_name(w, "type");
    ent_jw_cstring(w, "sse");
    ent_jw_name(w, "endpoint");
    ent_jw_open(w, '{');
    ent_jw_name(w, "requestUri");
    char uri[ENT_OFREP_TOKEN_MAX + 32];
    snprintf(uri, sizeof(uri), "/ofrep/v1/events?token=%s", bulk.stream_token);
    ent_jw_cstring(w, uri);
    ent_jw_close(w, '}');
    ent_jw_name(w, "inactivityDelaySec");
    ent_jw_int(w, 120);
    ent_jw_close(w, '}');
    ent_jw_close(w, ']');
    ent_jw_close(w, '}');
    ent_http_reply_written(req, 200, w);
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
    struct ent_jw jw, *w = &jw;
    ent_jw_init(w, 4096); /* a key of 200 bytes and details of 400, escaped: well within */
    /* Bytes of the request quoted in a detail may not be UTF-8: a client's JSON reader might
     * refuse them; every byte above 0x7f becomes '?'. */
    for (char *p = details; *p; p++) {
        if ((unsigned char)*p > 0x7f || (unsigned char)*p < 0x20)
            *p = '?';
    }
    ent_jw_open(w, '{');
    if (code && single) {
        char quoted[201];
        quote_key(flag_key, quoted);
        ent_jw_name(w, "key");
        ent_jw_cstring(w, quoted);
    }
    if (code) {
        ent_jw_name(w, "errorCode");
        ent_jw_cstring(w, code);
    }
    ent_jw_name(w, "errorDetails");
    ent_jw_cstring(w, details);
    ent_jw_close(w, '}');
    size_t len = 0;
    int rc = ENT_OK;
    char *text = ent_jw_finish(w, &len, &rc);
    if (!text) { /* out of memory: the one answer that needs none */
        static const char fallback[] = "{\"errorDetails\":\"out of memory\"}\n";
        ent_http_reply_raw(req, 500, "application/json", fallback, sizeof(fallback) - 1);
        return;
    }
    ent_http_reply_raw(req, status, "application/json", text, len);
    ent_free(text);
}
