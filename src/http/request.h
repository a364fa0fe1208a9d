/* SPDX-License-Identifier: MIT */
/*
 * request.h: one HTTP request as the handlers see it: its route and path parameters, query,
 * headers, body (already checked for size and media type and parsed when JSON), the request
 * context of the library, and the answer being built.
 */
#ifndef ENT_HTTP_REQUEST_H
#define ENT_HTTP_REQUEST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include "core/buf.h"
#include <entitled.h>

#define ENT_BODY_MAX ((size_t)1 << 20)
#define ENT_PATH_PARAMS 3
#define ENT_EXTRA_HEADERS 10

struct ent_route;
struct ent_sse;
struct ent_watchdog_conn;

enum ent_method {
    ENT_GET = 1u << 0,
    ENT_POST = 1u << 1,
    ENT_PUT = 1u << 2,
    ENT_PATCH = 1u << 3,
    ENT_DELETE = 1u << 4,
    ENT_HEAD = 1u << 5,
    ENT_OPTIONS = 1u << 6,
    ENT_OTHER = 1u << 7,
};

struct ent_request {
    struct MHD_Connection *conn;
    struct ent_app *app;
    enum ent_method method;
    const char *method_name;
    const char *url;
    const struct ent_route *route;
    const char *params[ENT_PATH_PARAMS]; /* path parameters, in the context's arena */
    struct ent_buf body;
    bool body_too_large;
    bool first_call_done;            /* its headers are in and start_request() ran */
    size_t target_len;               /* the request target's length as sent (path and query) */
    const char *target_end;          /* where the target as sent ends, in libmicrohttpd's buffer */
    const char *framing_error;       /* why the request is refused 400 (framing.h), or NULL */
    struct ent_watchdog_conn *watch; /* its connection's deadlines; NULL: not watched */
    json_t *json;                    /* the parsed body, when the route takes JSON */
    struct ent_ctx *ctx;
    int64_t start_ns;
    char request_id[129]; /* X-Request-Id: the client's when sane, else made (log.h) */
    const char *problem;  /* the problem type of an error answer (static), for the log */
    /* The answer. */
    int status;
    char *answer; /* heap (ent_alloc) */
    size_t answer_len;
    const char *content_type;
    char allow[64]; /* Allow header for 405 */
    bool replayed;  /* Idempotent-Replayed: true */
    const char *retry_after;
    bool close; /* Connection: close */
    /* Signed licenses (issue 13): a cacheable answer (the JWK Set), a file to download. */
    const char *cache_control;     /* replaces "no-store" when set */
    char content_disposition[160]; /* empty: none */
    /* OFREP (issue 14): its entity tag, and the allowed Origin it answers (CORS). */
    const char *etag;        /* ETag header, or NULL */
    const char *cors_origin; /* Access-Control-Allow-Origin, or NULL */
    struct ent_sse *sse;     /* the daemon's change streams (sse.h) */
    char stream_account[37]; /* set by a handler: the answer is this account's change stream */
    char stream_etag[20];    /* the tag of the flags its client holds */
    /* More headers of the answer (ent_http_add_header), such as the console's security headers. */
    struct {
        const char *name, *value; /* static strings */
    } headers[ENT_EXTRA_HEADERS];
    size_t n_headers;
    /* A deferred answer (ent_http_defer): built by finish once the library calls back. */
    void (*finish)(struct ent_request *req, void *data);
    void *finish_data;
    bool deferred;
    bool suspended;      /* deferred by suspending its connection (not for a harness) */
    atomic_bool resumed; /* set by ent_http_resume(), from the library's thread */
};

/*
 * Defers the answer: the connection is suspended when the handler returns, and the request's
 * context is kept (with no store session). Once the library calls ent_http_resume(req) (from any
 * thread), finish(req, data) builds the answer on the request's worker thread, which sends it.
 * For a handler that hands work to another thread (the usage group committer).
 */
void ent_http_defer(struct ent_request *req, void (*finish)(struct ent_request *req, void *data),
                    void *data);

/* Resumes a deferred request (cls: the struct ent_request); safe from any thread, once. */
void ent_http_resume(void *cls);

/*
 * Called by the handler after it handed the work on: when the request could not be suspended
 * (the daemon is stopping, or the request has no connection), waits for the call back and
 * builds the answer now; otherwise does nothing.
 */
void ent_http_defer_settle(struct ent_request *req);

/* Answers with status and the JSON value (stolen: it is released here). */
void ent_http_reply_json(struct ent_request *req, int status, json_t *value);

/* Answers with status and no body. */
void ent_http_reply_empty(struct ent_request *req, int status);

/* Answers with status, a body and its media type (copied). */
void ent_http_reply_raw(struct ent_request *req, int status, const char *content_type,
                        const char *body, size_t len);

/*
 * Answers with status and the JSON document w wrote (http/jsonw.h), taking its buffer without a
 * copy; a write that failed answers its error (out of memory, or too large) instead.
 */
struct ent_jw;
void ent_http_reply_written(struct ent_request *req, int status, struct ent_jw *w);

/* Answers with the problem document of err (its code decides type and status). */
void ent_http_reply_error(struct ent_request *req, const struct ent_error *err);

/* Answers with a problem of code and a message (no field errors). */
void ent_http_reply_code(struct ent_request *req, int code, const char *detail);

/*
 * Adds a header to the answer. name and value must outlive the request (static strings); past
 * ENT_EXTRA_HEADERS headers, more are dropped.
 */
void ent_http_add_header(struct ent_request *req, const char *name, const char *value);

/*
 * True when an If-None-Match header (NULL: none) lists etag (weak comparison, RFC 9110
 * 13.1.2) or is "*": the client holds the answer, and a 304 tells it so.
 */
bool ent_http_etag_matches(const char *if_none_match, const char *etag);

/* The value of a request header, or NULL. */
const char *ent_http_header(struct ent_request *req, const char *name);

/* The value of a query argument, or NULL. */
const char *ent_http_query(struct ent_request *req, const char *name);

#endif /* ENT_HTTP_REQUEST_H */
