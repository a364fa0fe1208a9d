/* SPDX-License-Identifier: MIT */
/*
 * problem.c: RFC 9457 problem documents from struct ent_error, and the answer helpers of
 * request.h (bodies, more headers, entity tags). Internal codes never reveal their detail: a 500
 * says only that something failed.
 */
#include <string.h>

#include "core/alloc.h"
#include "http/api.h"
#include "http/jsonw.h"
#include "http/request.h"

/*
 * The JSON string of s. A field name or detail can quote bytes of the request (a query
 * argument's name, a path parameter) or be cut inside a character, and jansson refuses a
 * string that is not UTF-8, which would drop the member: then every byte above 0x7f becomes
 * '?'. NULL only when out of memory.
 */
static json_t *
text_value(const char *s)
{
    json_t *v = json_string(s);
    char *copy = v ? NULL : ent_strndup(s, strlen(s));
    if (!copy)
        return v;
    for (char *p = copy; *p; p++) {
        if ((unsigned char)*p > 0x7f)
            *p = '?';
    }
    v = json_string(copy);
    ent_free(copy);
    return v;
}

/* Answers with status and a body the request takes (ent_alloc'd; NULL for none). */
static void
take_answer(struct ent_request *req, int status, const char *content_type, char *body, size_t len)
{
    ent_free(req->answer);
    req->answer = body;
    req->answer_len = body ? len : 0;
    req->status = status;
    req->content_type = content_type;
}

void
ent_http_reply_raw(struct ent_request *req, int status, const char *content_type, const char *body,
                   size_t len)
{
    take_answer(req, status, content_type, len ? ent_strndup(body, len) : NULL, len);
}

void
ent_http_reply_written(struct ent_request *req, int status, struct ent_jw *w)
{
    size_t len = 0;
    int rc = ENT_OK;
    char *text = ent_jw_finish(w, &len, &rc);
    if (!text) {
        ent_http_reply_code(req, rc, NULL);
        return;
    }
    take_answer(req, status, "application/json", text, len);
}

void
ent_http_reply_json(struct ent_request *req, int status, json_t *value)
{
    char *text = value ? json_dumps(value, JSON_COMPACT) : NULL;
    json_decref(value);
    if (!text) {
        ent_http_reply_code(req, ENT_ENOMEM, NULL);
        return;
    }
    size_t len = strlen(text);
    text[len] = '\n'; /* json_dumps leaves room: the terminator becomes the newline */
    ent_http_reply_raw(req, status, "application/json", text, len + 1);
    free(text); /* jansson's own allocation */
}

void
ent_http_add_header(struct ent_request *req, const char *name, const char *value)
{
    if (req->n_headers == ENT_EXTRA_HEADERS)
        return;
    req->headers[req->n_headers].name = name;
    req->headers[req->n_headers].value = value;
    req->n_headers++;
}

bool
ent_http_etag_matches(const char *header, const char *etag)
{
    if (!header)
        return false;
    size_t etag_len = strlen(etag);
    const char *p = header;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        const char *end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if (end - start == 1 && *start == '*')
            return true;
        if (end - start > 2 && start[0] == 'W' && start[1] == '/')
            start += 2;
        if ((size_t)(end - start) == etag_len && memcmp(start, etag, etag_len) == 0)
            return true;
    }
    return false;
}

void
ent_http_reply_empty(struct ent_request *req, int status)
{
    ent_http_reply_raw(req, status, NULL, NULL, 0);
}

void
ent_http_reply_error(struct ent_request *req, const struct ent_error *err)
{
    /* OFREP: every answer under /ofrep/ is in the protocol's error shape (api_ofrep.c). */
    if (req->url && strncmp(req->url, "/ofrep/", 7) == 0) {
        ent_api_ofrep_error(req, err);
        return;
    }
    int code = err->code;
    if (code >= 0)
        code = ENT_EINTERNAL;
    int status = ent_error_status(code);
    req->problem = ent_error_type(code);
    json_t *doc = json_object();
    json_object_set_new(doc, "type", json_string(ent_error_type(code)));
    json_object_set_new(doc, "title", json_string(ent_error_title(code)));
    json_object_set_new(doc, "status", json_integer(status));
    /* A 503 says why the service is unavailable (the store's state, never a secret); other
     * failures of the server keep their detail to the log. */
    const char *detail = err->message;
    bool hidden = status >= 500 && code != ENT_EUNAVAILABLE;
    if (hidden || !detail[0])
        detail = status >= 500 ? "the request could not be completed; it changed nothing"
                               : ent_error_title(code);
    json_object_set_new(doc, "detail", text_value(detail));
    if (err->n_fields && status < 500) {
        json_t *fields = json_array();
        for (size_t i = 0; i < err->n_fields; i++) {
            json_t *f = json_object();
            json_object_set_new(f, "field", text_value(err->fields[i].field));
            json_object_set_new(f, "message", text_value(err->fields[i].message));
            json_array_append_new(fields, f);
        }
        json_object_set_new(doc, "errors", fields);
    }
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (!text) {
        static const char fallback[] = "{\"type\":\"internal\",\"title\":\"Internal error\","
                                       "\"status\":500,\"detail\":\"out of memory\"}";
        ent_http_reply_raw(req, 500, "application/problem+json", fallback, sizeof(fallback) - 1);
        return;
    }
    size_t len = strlen(text);
    text[len] = '\n';
    ent_http_reply_raw(req, status, "application/problem+json", text, len + 1);
    free(text);
}

void
ent_http_reply_code(struct ent_request *req, int code, const char *detail)
{
    struct ent_error err;
    ent_error_clear(&err);
    ent_error_set(&err, code, "%s", detail ? detail : "");
    ent_http_reply_error(req, &err);
}
