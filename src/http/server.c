/* SPDX-License-Identifier: MIT */
/*
 * server.c: the libmicrohttpd adapter. It refuses a request framed so that another parser could
 * read it differently (framing.h: 400, connection closed) once its headers are in, reads each
 * request whole (the body bounded at 1 MiB while it arrives), applies the checks every route
 * shares, in this order: route (404), method (405), key (401), scope (403), the key's rate limit
 * (429), body size (413), media type (415), JSON (400), Idempotency-Key; then calls the route's
 * handler and sends its answer.
 *
 * Limits on what a client may send or hold (docs/ARCHITECTURE.md, "Limits"): a request target
 * over 8 KiB is a 414 and a header section over 16 KiB a 431, both answered here as problem
 * documents before the body is read; beyond the connection's memory limit (64 KiB for the
 * request line and headers together) libmicrohttpd answers 414 or 431 itself, with a short HTML
 * body, and closes the connection. The connections' deadlines (--timeout-seconds for a request
 * line to come, for the request to arrive in full after it, and for the client to take some of
 * its answer) are kept by the watchdog (watchdog.h), told each connection's phase here;
 * libmicrohttpd's own idle timeout is off.
 *
 * On SIGTERM or SIGINT the listening socket is closed at once and the daemon stops only once
 * every connection has closed: each request that has started is answered, with
 * "Connection: close" (drain()).
 *
 * Answers are queued only once the request has been received in full: libmicrohttpd 0.9.75
 * closes a keep-alive connection when an answer is queued from the first call of a request.
 * With two threads or more the daemon runs a pool of epoll threads; with one (a daemon given one
 * core), libmicrohttpd's internal thread in poll mode, since a single internal epoll thread was
 * seen to stall with many keep-alive connections and poll mode was not. Two busy threads on one
 * core wait up to a scheduler tick (4 ms with HZ=250) for each other, which was the p99 of a
 * warm evaluate at 32 connections; one thread answers within 1 ms (docs/PERFORMANCE.md).
 *
 * THREAD SAFETY: a request is handled by one pool thread; the shared state (the application,
 * metrics) is safe for concurrent use.
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <microhttpd.h>

#include "core/alloc.h"
#include "core/str.h"
#include "http/api.h"
#include "http/cors.h"
#include "http/framing.h"
#include "http/json.h"
#include "http/log.h"
#include "http/metrics.h"
#include "http/ratelimit.h"
#include "http/request.h"
#include "http/routes.h"
#include "http/sse.h"
#include "http/tls.h"
#include "http/watchdog.h"

/* The longest request target (path and query, as sent) and header section answered normally. */
#define TARGET_MAX ((size_t)8 << 10)
#define HEADERS_MAX ((size_t)16 << 10)

struct server {
    struct ent_app *app;
    struct ent_ratelimit *limits;  /* NULL when no class is limited */
    struct ent_watchdog *watchdog; /* the connections' deadlines */
    atomic_uint_fast64_t opened;   /* connections libmicrohttpd has taken, ever */
    bool quiet;
    const char *cors_origins; /* OFREP: the Origins allowed (cors.h); NULL: none */
    struct ent_sse *sse;      /* OFREP: the change streams (sse.h) */
};

/* Set once SIGTERM or SIGINT came: every answer closes its connection. */
static atomic_bool draining;

/* The method of a request line. */
static enum ent_method
parse_method(const char *m)
{
    static const struct {
        const char *name;
        enum ent_method method;
    } methods[] = {{"GET", ENT_GET},        {"POST", ENT_POST},     {"PUT", ENT_PUT},
                   {"PATCH", ENT_PATCH},    {"DELETE", ENT_DELETE}, {"HEAD", ENT_HEAD},
                   {"OPTIONS", ENT_OPTIONS}};
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        if (strcmp(m, methods[i].name) == 0)
            return methods[i].method;
    }
    return ENT_OTHER;
}

const char *
ent_http_header(struct ent_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *
ent_http_query(struct ent_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* ------------------------------------------------------------------------------------------ */
/* The shared checks                                                                           */
/* ------------------------------------------------------------------------------------------ */

/* Writes the Allow header value for the methods in mask. */
static void
format_allow(unsigned mask, char *out, size_t cap)
{
    out[0] = '\0';
    static const enum ent_method order[] = {ENT_GET, ENT_POST, ENT_PUT, ENT_PATCH, ENT_DELETE};
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (!(mask & order[i]))
            continue;
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%s", len ? ", " : "", ent_routes_method_name(order[i]));
    }
}

/* Authenticates the Bearer key of the request; answers 401 and returns false on failure. */
static bool
authenticate(struct ent_request *req)
{
    const char *h = ent_http_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
    struct ent_error err;
    ent_error_clear(&err);
    /* OFREP's other scheme (ApiKeyAuth): the key alone in X-API-Key, on /ofrep/ routes. */
    const char *api_key = ent_http_header(req, "X-API-Key");
    if (!h && api_key && strncmp(req->url, ENT_CORS_PREFIX, strlen(ENT_CORS_PREFIX)) == 0) {
        if (ent_keys_authenticate(req->ctx, api_key, strlen(api_key), &err) < 0) {
            ent_http_reply_error(req, &err);
            return false;
        }
        return true;
    }
    if (!h) {
        ent_http_reply_code(req, ENT_EAUTH, "an API key is required: Authorization: Bearer <key>");
        return false;
    }
    if (strncasecmp(h, "Bearer ", 7) != 0) {
        ent_http_reply_code(req, ENT_EAUTH, "the Authorization header must be: Bearer <key>");
        return false;
    }
    const char *key = h + 7;
    while (*key == ' ')
        key++;
    size_t len = strlen(key);
    while (len && key[len - 1] == ' ')
        len--;
    if (ent_keys_authenticate(req->ctx, key, len, &err) < 0) {
        ent_http_reply_error(req, &err);
        return false;
    }
    return true;
}

/*
 * Takes a token of the route's rate class for the request's key; answers 429 with Retry-After
 * and returns false when the key is over its rate.
 */
static bool
check_rate(struct server *srv, struct ent_request *req)
{
    unsigned retry_after_s = 0;
    const struct ent_principal *who = ent_ctx_principal(req->ctx);
    if (ent_ratelimit_take(srv->limits, who->key_id, req->route->rate_class, ent_watchdog_now_ns(),
                           &retry_after_s))
        return true;
    char *value = ent_ctx_alloc(req->ctx, 16);
    if (value) {
        snprintf(value, 16, "%u", retry_after_s);
        req->retry_after = value;
    }
    char detail[128];
    snprintf(detail, sizeof(detail),
             "this key sent more requests of this kind than its rate allows; retry in %u s",
             retry_after_s);
    ent_http_reply_code(req, ENT_ERATE, detail);
    return false;
}

/* True when the Content-Type is application/json (UTF-8 if a charset is named). */
static bool
is_json_media_type(const char *ct)
{
    if (!ct)
        return false;
    while (*ct == ' ')
        ct++;
    if (strncasecmp(ct, "application/json", 16) != 0)
        return false;
    const char *rest = ct + 16;
    while (*rest == ' ')
        rest++;
    if (*rest == '\0')
        return true;
    if (*rest != ';')
        return false;
    rest++;
    while (*rest == ' ')
        rest++;
    return *rest == '\0' || strncasecmp(rest, "charset=utf-8", 13) == 0 ||
           strncasecmp(rest, "charset=\"utf-8\"", 15) == 0;
}

/* Checks and parses the body for the route; answers and returns false on failure. */
static bool
read_body(struct ent_request *req)
{
    if (req->body_too_large) {
        ent_http_reply_code(req, ENT_ETOOLARGE, "the body is larger than 1 MiB");
        return false;
    }
    if (req->route->body == ENT_BODY_NONE)
        return true;
    if (req->body.len == 0 && req->route->body == ENT_BODY_OPTIONAL)
        return true;
    if (!is_json_media_type(ent_http_header(req, MHD_HTTP_HEADER_CONTENT_TYPE))) {
        ent_http_reply_code(req, ENT_EMEDIATYPE, "the body must be application/json");
        return false;
    }
    struct ent_error err;
    ent_error_clear(&err);
    const char *body = req->body.data ? req->body.data : "";
    if (ent_json_parse_object(body, req->body.len, &req->json, &err) < 0) {
        ent_http_reply_error(req, &err);
        return false;
    }
    return true;
}

/* Serves a replay under Idempotency-Key, or binds the write to it; false when answered. */
static bool
check_idempotency(struct ent_request *req)
{
    const char *key = ent_http_header(req, "Idempotency-Key");
    if (!key || !req->route->idempotent)
        return true;
    char route[128];
    snprintf(route, sizeof(route), "%s %s", req->method_name, req->url);
    bool replayed = false;
    int status = 0;
    const char *answer = NULL;
    size_t answer_len = 0;
    struct ent_error err;
    ent_error_clear(&err);
    const char *body = req->body.data ? req->body.data : "";
    int rc = ent_idempotency_begin(req->ctx, key, route, body, req->body.len, &replayed, &status,
                                   &answer, &answer_len, &err);
    if (rc < 0) {
        ent_http_reply_error(req, &err);
        return false;
    }
    if (!replayed)
        return true;
    req->replayed = true;
    char *with_newline = answer_len ? ent_ctx_alloc(req->ctx, answer_len + 1) : NULL;
    if (with_newline) {
        memcpy(with_newline, answer, answer_len);
        with_newline[answer_len] = '\n'; /* as every JSON answer ends */
        ent_http_reply_raw(req, status, "application/json", with_newline, answer_len + 1);
    } else if (answer_len)
        ent_http_reply_code(req, ENT_ENOMEM, NULL);
    else
        ent_http_reply_empty(req, status);
    return false;
}

/*
 * CORS on the OFREP routes (cors.h): an allowed Origin is answered with its own
 * Access-Control-Allow-Origin; the preflight (OPTIONS) is answered here, before any key is
 * asked for (a browser sends none with it): 204 for an allowed Origin, 403 otherwise. Returns
 * false when the request is answered.
 */
static bool
cors(struct server *srv, struct ent_request *req, const char *url)
{
    if (strncmp(url, ENT_CORS_PREFIX, strlen(ENT_CORS_PREFIX)) != 0)
        return true;
    const char *origin = ent_http_header(req, "Origin");
    bool allowed = ent_cors_allowed(srv->cors_origins, origin);
    if (allowed)
        req->cors_origin = origin; /* libmicrohttpd's, alive until the answer is sent */
    if (req->method != ENT_OPTIONS)
        return true;
    unsigned allow = 0; /* the path's methods: no route is an OPTIONS one */
    char path_copy[2048];
    const char *params[ENT_PATH_PARAMS];
    if (!ent_routes_match(ENT_OPTIONS, url, path_copy, sizeof(path_copy), params, &allow) && !allow)
        ent_http_reply_code(req, ENT_ENOTFOUND, "no such route");
    else if (allowed)
        ent_http_reply_empty(req, 204);
    else
        ent_http_reply_code(req, ENT_EFORBIDDEN, "this Origin may not call this server");
    return false;
}

/* Runs the shared checks and the handler of a fully received request. */
static void
dispatch(struct server *srv, struct ent_request *req, const char *url)
{
    char path_copy[2048];
    unsigned allow = 0;
    if (!cors(srv, req, url))
        return;
    req->route =
        ent_routes_match(req->method, url, path_copy, sizeof(path_copy), req->params, &allow);
    if (!req->route) {
        if (allow) {
            format_allow(allow, req->allow, sizeof(req->allow));
            ent_http_reply_code(req, ENT_EMETHOD, "this path does not take this method");
        } else {
            ent_http_reply_code(req, ENT_ENOTFOUND, "no such route");
        }
        return;
    }
    if (ent_ctx_new(srv->app, ent_app_now(srv->app), &req->ctx) < 0) {
        ent_http_reply_code(req, ENT_ENOMEM, NULL);
        return;
    }
    ent_ctx_set_encoder(req->ctx, ent_api_encode);
    for (size_t i = 0; i < ENT_PATH_PARAMS && req->params[i]; i++) {
        req->params[i] = ent_ctx_strndup(req->ctx, req->params[i], strlen(req->params[i]));
        if (!req->params[i]) {
            ent_http_reply_code(req, ENT_ENOMEM, NULL);
            return;
        }
    }
    if (req->route->allow) {
        if (!authenticate(req))
            return;
        enum ent_scope scope = ent_ctx_principal(req->ctx)->scope;
        if (!(req->route->allow & (1u << scope))) {
            ent_http_reply_code(req, ENT_EFORBIDDEN, "this key may not use this route");
            return;
        }
        if (!check_rate(srv, req))
            return;
    }
    if (!read_body(req) || !check_idempotency(req))
        return;
    req->route->handler(req);
}

/* ------------------------------------------------------------------------------------------ */
/* libmicrohttpd callbacks                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------------------------ */
/* Deferred answers                                                                            */
/* ------------------------------------------------------------------------------------------ */

/*
 * Deferred requests. A request of the daemon suspends its connection; one made by a harness
 * (no connection) is not suspended, and ent_http_defer_settle() waits for its call back. A
 * suspended connection must be resumed before libmicrohttpd may stop: the daemon stops only once
 * every connection has closed (ent_server_run), so each deferred request is answered first.
 */
static pthread_mutex_t defer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t defer_done = PTHREAD_COND_INITIALIZER;

void
ent_http_defer(struct ent_request *req, void (*finish)(struct ent_request *req, void *data),
               void *data)
{
    req->finish = finish;
    req->finish_data = data;
    req->deferred = true;
    atomic_store(&req->resumed, false);
    req->suspended = req->conn != NULL; /* no connection: a request made by a harness */
    if (req->suspended)
        MHD_suspend_connection(req->conn); /* before the library may call back */
}

void
ent_http_resume(void *cls)
{
    struct ent_request *req = cls;
    if (!req->suspended) { /* its worker waits in wait_unsuspended() */
        pthread_mutex_lock(&defer_lock);
        atomic_store(&req->resumed, true);
        pthread_cond_broadcast(&defer_done);
        pthread_mutex_unlock(&defer_lock);
        return;
    }
    struct MHD_Connection *conn = req->conn; /* req is not ours once resumed is set */
    atomic_store(&req->resumed, true);       /* the result is final: the worker may read it */
    MHD_resume_connection(conn);
}

/* Waits for the call back of a deferred request that was not suspended. */
static void
wait_unsuspended(struct ent_request *req)
{
    pthread_mutex_lock(&defer_lock);
    while (!atomic_load(&req->resumed))
        pthread_cond_wait(&defer_done, &defer_lock);
    pthread_mutex_unlock(&defer_lock);
}

void
ent_http_defer_settle(struct ent_request *req)
{
    if (!req->deferred || req->suspended)
        return;
    wait_unsuspended(req);
    req->deferred = false;
    req->finish(req, req->finish_data);
}

static enum MHD_Result queue_answer(struct ent_request *req);

/* Builds and sends the answer of a deferred request whose call back came. */
static enum MHD_Result
answer_deferred(struct ent_request *req)
{
    req->deferred = false;
    req->finish(req, req->finish_data);
    ent_ctx_release(req->ctx);
    return queue_answer(req);
}

/* Sends the answer built in req. */
static enum MHD_Result
queue_answer(struct ent_request *req)
{
    if (req->status == 0)
        ent_http_reply_code(req, ENT_EINTERNAL, NULL);
    if (req->watch)
        ent_watchdog_enter(req->watch, ENT_WATCHDOG_SEND);
    struct MHD_Response *resp = NULL;
    if (req->stream_account[0] && req->status == 200) /* OFREP: a change stream (sse.h) */
        resp = ent_sse_response(req->sse, req->conn, req->watch, req->stream_account,
                                req->stream_etag);
    else
        resp = MHD_create_response_from_buffer(
            req->answer_len, req->answer ? req->answer : (void *)"", MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    if (req->content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, req->content_type);
    if (req->allow[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, req->allow);
    if (req->request_id[0])
        MHD_add_response_header(resp, "X-Request-Id", req->request_id);
    if (req->replayed)
        MHD_add_response_header(resp, "Idempotent-Replayed", "true");
    if (req->status == 401)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    if (req->retry_after)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, req->retry_after);
    if (req->cache_control) /* issue 13: the JWK Set */
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, req->cache_control);
    else if (req->url && strncmp(req->url, "/v1/", 4) == 0)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (req->content_disposition[0]) /* issue 13: a license as a file */
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION,
                                req->content_disposition);
    /* OFREP (issue 14): the entity tag of an answer, and CORS for an allowed Origin. */
    if (req->stream_account[0] && req->status == 200) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
        MHD_add_response_header(resp, "X-Accel-Buffering", "no"); /* proxies: pass it on */
    }
    if (req->etag)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, req->etag);
    if (req->cors_origin) {
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", req->cors_origin);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Origin");
        if (req->method == ENT_OPTIONS) {
            MHD_add_response_header(resp, "Access-Control-Allow-Methods", ENT_CORS_ALLOW_METHODS);
            MHD_add_response_header(resp, "Access-Control-Allow-Headers", ENT_CORS_ALLOW_HEADERS);
            MHD_add_response_header(resp, "Access-Control-Max-Age", ENT_CORS_MAX_AGE);
        } else {
            MHD_add_response_header(resp, "Access-Control-Expose-Headers", ENT_CORS_EXPOSE_HEADERS);
        }
    }
    for (size_t i = 0; i < req->n_headers; i++)
        MHD_add_response_header(resp, req->headers[i].name, req->headers[i].value);
    if (req->close || atomic_load(&draining))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result r = MHD_queue_response(req->conn, (unsigned)req->status, resp);
    MHD_destroy_response(resp);
    return r;
}

/* The watchdog's handle of a connection (NULL for one it does not watch). */
static struct ent_watchdog_conn *
watch_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

/*
 * MHD_OPTION_URI_LOG_CALLBACK: called once a request line is read, before its headers, with the
 * request target as sent (path and query, not yet decoded, in place in libmicrohttpd's buffer).
 * The request starts here, so its time runs from its request line, and its target's length and
 * end are known before decoding changes it; the result becomes the request's *con_cls (NULL
 * when out of memory: on_request then starts the request itself).
 */
static void *
on_request_line(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    struct ent_request *req = ent_calloc(1, sizeof(*req));
    if (!req)
        return NULL;
    req->start_ns = ent_watchdog_now_ns();
    req->target_len = strlen(uri);
    req->target_end = uri + req->target_len;
    req->framing_error = ent_framing_check_target(uri);
    req->watch = watch_of(conn);
    if (req->watch)
        ent_watchdog_enter(req->watch, ENT_WATCHDOG_REQUEST);
    return req;
}

/*
 * Starts a request once its headers are in: its state, and the body limit from Content-Length.
 * req: the request made by on_request_line(), or NULL to make it here. Returns the request
 * (req->url NULL when out of memory), or NULL when out of memory.
 */
static struct ent_request *
start_request(struct server *srv, struct MHD_Connection *conn, struct ent_request *req,
              const char *url, const char *method)
{
    if (!req) {
        req = ent_calloc(1, sizeof(*req));
        if (!req)
            return NULL;
        req->start_ns = ent_watchdog_now_ns();
        req->target_len = strlen(url);
        req->watch = watch_of(conn);
    }
    req->first_call_done = true;
    req->conn = conn;
    ent_log_request_id(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id"),
                       req->request_id);
    req->app = srv->app;
    req->sse = srv->sse;
    req->method = parse_method(method);
    req->method_name = ent_routes_method_name(req->method);
    req->url = ent_strndup(url, strlen(url));
    ent_buf_init(&req->body, ENT_BODY_MAX);
    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    int64_t declared;
    if (cl && ent_str_parse_whole(cl, &declared) && (uint64_t)declared > ENT_BODY_MAX)
        req->body_too_large = true;
    return req;
}

/* MHD_KeyValueIterator: adds the length of one header line to *(size_t *)cls. */
static enum MHD_Result
add_header_len(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    size_t *total = cls;
    *total += strlen(key) + 2 + (value ? strlen(value) : 0) + 2; /* "key: value\r\n" */
    return MHD_YES;
}

/* The headers of a request, as framing.h takes them. */
struct header_list {
    struct ent_framing_header *items;
    size_t count, cap;
};

/* MHD_KeyValueIterator: adds one header to the struct header_list at cls. */
static enum MHD_Result
add_framing_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    struct header_list *list = cls;
    if (list->count == list->cap)
        return MHD_NO;
    list->items[list->count++] = (struct ent_framing_header){key, value ? value : ""};
    return MHD_YES;
}

/*
 * Answers 400 and closes the connection when the request is not framed well (framing.h), before
 * reading its body; returns false when it is. method and version: as libmicrohttpd passes them
 * to the first call, in its buffer (the head starts at method).
 */
static bool
refuse_badly_framed(struct ent_request *req, const char *method, const char *version)
{
    const char *why = req->framing_error;
    if (!why) {
        int count = MHD_get_connection_values(req->conn, MHD_HEADER_KIND, NULL, NULL);
        struct header_list list = {.cap = count > 0 ? (size_t)count : 0};
        list.items = list.cap ? ent_alloc(list.cap * sizeof(*list.items)) : NULL;
        if (list.cap && !list.items) {
            req->close = true;
            ent_http_reply_code(req, ENT_ENOMEM, NULL);
            return true;
        }
        MHD_get_connection_values(req->conn, MHD_HEADER_KIND, add_framing_header, &list);
        const union MHD_ConnectionInfo *size =
            MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
        struct ent_framing_head head = {
            .target_end = req->target_end,
            .version = version,
            .headers = list.items,
            .n_headers = list.count,
            .end = method + (size ? size->header_size : 0), /* unknown: an empty head, refused */
        };
        why = ent_framing_check_head(&head);
        ent_free(list.items);
    }
    if (!why)
        return false;
    req->close = true;
    ent_http_reply_code(req, ENT_EBADREQUEST, why);
    return true;
}

/*
 * Answers a request whose target, headers or declared body is over its limit (414, 431, 413)
 * before reading its body; returns false when none is.
 */
static bool
refuse_oversized(struct ent_request *req)
{
    size_t header_bytes = 0;
    if (req->target_len > TARGET_MAX) {
        ent_http_reply_code(req, ENT_EURITOOLONG, "the request target is longer than 8 KiB");
        return true;
    }
    MHD_get_connection_values(req->conn, MHD_HEADER_KIND, add_header_len, &header_bytes);
    if (header_bytes > HEADERS_MAX) {
        ent_http_reply_code(req, ENT_EHEADERS, "the request headers are larger than 16 KiB");
        return true;
    }
    if (req->body_too_large) {
        ent_http_reply_code(req, ENT_ETOOLARGE, "the body is larger than 1 MiB");
        return true;
    }
    return false;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    struct server *srv = cls;
    struct ent_request *req = *con_cls;
    if (!req || !req->first_call_done) {
        req = start_request(srv, conn, req, url, method);
        if (!req)
            return MHD_NO;
        *con_cls = req;
        if (!req->url)
            return MHD_NO;
        /* Refuse at once rather than read a body we will not keep; the connection closes. */
        if (refuse_badly_framed(req, method, version) || refuse_oversized(req))
            return queue_answer(req);
        return MHD_YES;
    }
    if (req->deferred) { /* resumed: answer, once the library has called back */
        if (!atomic_load(&req->resumed))
            return MHD_YES;
        return answer_deferred(req);
    }
    if (req->status)
        return MHD_YES; /* answered already (413); the rest of the body is dropped */
    if (*upload_data_size) {
        if (!req->body_too_large && ent_buf_append(&req->body, upload_data, *upload_data_size) < 0)
            req->body_too_large = true;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->watch)
        ent_watchdog_enter(req->watch, ENT_WATCHDOG_BUSY);
    dispatch(srv, req, url);
    if (req->deferred)
        return MHD_YES; /* suspended until the library calls back */
    /* The answer is built: give the store session back now, not once the answer is sent, or a
     * worker serving many connections would hold one session per unsent answer and wait for
     * the pool while holding them. */
    if (req->ctx)
        ent_ctx_release(req->ctx);
    return queue_answer(req);
}

/*
 * MHD_OPTION_NOTIFY_CONNECTION: a connection opened or closed. An open connection is watched
 * (its handle is the connection's socket context) from its start, and closed at once when it
 * cannot be (nothing else would time it out); a closed one stops being watched before
 * libmicrohttpd closes its socket.
 */
static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
              enum MHD_ConnectionNotificationCode code)
{
    struct server *srv = cls;
    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        if (*socket_context)
            ent_watchdog_remove(srv->watchdog, *socket_context);
        *socket_context = NULL;
        return;
    }
    atomic_fetch_add(&srv->opened, 1);
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!info)
        return;
    *socket_context = ent_watchdog_add(srv->watchdog, info->connect_fd);
    if (!*socket_context)
        shutdown(info->connect_fd, SHUT_RDWR);
}

/* The account a request is about, when known: the key's own, or the route's {account}. */
static const char *
request_account(const struct ent_request *req)
{
    const struct ent_principal *who = req->ctx ? ent_ctx_principal(req->ctx) : NULL;
    if (who && who->account_id[0])
        return who->account_id;
    if (!req->route)
        return NULL;
    size_t n = 0;
    for (const char *p = req->route->pattern; (p = strchr(p, '{')) != NULL; p++, n++) {
        if (n >= ENT_PATH_PARAMS)
            break;
        if (strncmp(p, "{account}", 9) == 0)
            return req->params[n];
    }
    return NULL;
}

/* Writes the request's log line: one per request. */
static void
log_request(const struct ent_request *req, int64_t duration_ns)
{
    const struct ent_principal *who = req->ctx ? ent_ctx_principal(req->ctx) : NULL;
    struct ent_log_request line = {
        .request_id = req->request_id,
        .method = req->method_name,
        .route = req->route ? req->route->pattern : NULL,
        .path = req->url,
        .status = req->status,
        .duration_us = duration_ns / 1000,
        .bytes_in = req->body.len,
        .bytes_out = req->answer_len,
        .key_id = who ? who->key_id : NULL,
        .account = request_account(req),
        .problem = req->status >= 400 ? req->problem : NULL,
    };
    ent_log_request(&line);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    struct server *srv = cls;
    struct ent_request *req = *con_cls;
    if (!req)
        return;
    if (req->watch)
        ent_watchdog_enter(req->watch, ENT_WATCHDOG_WAIT); /* for its next request */
    if (!req->first_call_done) {
        /* Only its request line came: the connection closed, or libmicrohttpd refused it. */
        ent_free(req);
        *con_cls = NULL;
        return;
    }
    int64_t duration = ent_watchdog_now_ns() - req->start_ns;
    size_t route = req->route ? (size_t)(req->route - ent_routes) : ent_routes_count;
    ent_metrics_count(route, req->status, duration);
    if (!srv->quiet)
        log_request(req, duration);
    ent_ctx_free(req->ctx);
    json_decref(req->json);
    ent_buf_cleanup(&req->body);
    ent_free(req->answer);
    ent_free((void *)req->url);
    ent_free(req);
    *con_cls = NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Lifecycle                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/* Resolves "HOST:PORT" (or "[V6]:PORT") into addr. */
static int
parse_listen(const char *listen, struct sockaddr_storage *addr, socklen_t *len)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen || strlen(colon + 1) == 0)
        return -1;
    size_t host_len = (size_t)(colon - listen);
    if (listen[0] == '[' && host_len >= 2 && listen[host_len - 1] == ']') {
        listen++;
        host_len -= 2;
    }
    if (host_len >= sizeof(host))
        return -1;
    memcpy(host, listen, host_len);
    host[host_len] = '\0';
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0 || !res)
        return -1;
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* MHD_OPTION_EXTERNAL_LOGGER: libmicrohttpd's own messages, through the daemon's log. */
static void log_library_message(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
log_library_message(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    ent_log_vmessage(ENT_LOG_WARN, fmt, ap);
}

/*
 * Tells the service manager the daemon's state (sd_notify(3)'s protocol: one datagram to the
 * socket named by NOTIFY_SOCKET, "@" for an abstract one), when it runs under one that asked
 * (a systemd unit of Type=notify): "READY=1" once it listens, "STOPPING=1" when it drains.
 */
static void
notify_service_manager(const char *state)
{
    const char *path = getenv("NOTIFY_SOCKET");
    if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) >= 108)
        return;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    size_t len = strlen(path);
    memcpy(addr.sun_path, path, len);
    if (addr.sun_path[0] == '@')
        addr.sun_path[0] = '\0';
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    socklen_t addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&addr, addr_len) < 0)
        ent_log_message(ENT_LOG_WARN, "cannot tell the service manager %s", state);
    close(fd);
}

/*
 * Takes over the connections the kernel accepted before the drain began but no thread had taken
 * yet (every thread busy with a long request, say): their clients have sent their requests, which
 * are answered like any other. Then shuts the listening socket, so a connection that comes later
 * is refused at once. Returns how many connections libmicrohttpd took.
 */
static uint64_t
adopt_backlog(struct MHD_Daemon *d, MHD_socket listen_fd)
{
    uint64_t adopted = 0;
    int fl = fcntl(listen_fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(listen_fd, F_SETFL, fl | O_NONBLOCK);
    for (;;) {
        struct sockaddr_storage peer;
        socklen_t peer_len = sizeof(peer);
        int fd =
            accept4(listen_fd, (struct sockaddr *)&peer, &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            break; /* EAGAIN: the backlog is empty */
        }
        /* libmicrohttpd closes fd itself when it refuses it (a limit reached). */
        if (MHD_add_connection(d, fd, (struct sockaddr *)&peer, peer_len) == MHD_YES)
            adopted++;
    }
    shutdown(listen_fd, SHUT_RDWR);
    return adopted;
}

/*
 * Stops the daemon gracefully: closes the listening socket, so that new connections are refused
 * at once, and waits until every connection has closed before stopping libmicrohttpd: a request
 * that has started (its request line came, or it waited in the kernel's backlog) is read, handled
 * and answered, with "Connection: close"; idle connections are closed by the watchdog, slow ones
 * at their deadlines. libmicrohttpd may not stop with a connection suspended, and would close
 * those whose handler is running without sending their answers.
 */
static void
drain(struct MHD_Daemon *d, struct server *srv, int64_t timeout_ns)
{
    atomic_store(&draining, true);
    notify_service_manager("STOPPING=1");
    ent_sse_drain(srv->sse); /* OFREP's change streams end: their connections may close */
    uint64_t opened_before = atomic_load(&srv->opened);
    MHD_socket listen_fd = MHD_quiesce_daemon(d); /* no longer polled; ours to close */
    uint64_t adopted = listen_fd != MHD_INVALID_SOCKET ? adopt_backlog(d, listen_fd) : 0;
    ent_watchdog_drain(srv->watchdog);
    /* An adopted connection reaches its thread a little later: wait until every one is counted
     * (or its deadline passed, had a thread dropped it). */
    int64_t until = ent_watchdog_now_ns() + timeout_ns;
    while (atomic_load(&srv->opened) - opened_before < adopted && ent_watchdog_now_ns() < until)
        usleep(1000);
    /* Zero twice, 10 ms apart: a connection being accepted as the socket closed is counted. */
    for (int zero = 0; zero < 2;) {
        usleep(10000);
        zero = ent_watchdog_count(srv->watchdog) == 0 ? zero + 1 : 0;
    }
    MHD_stop_daemon(d);
    if (listen_fd != MHD_INVALID_SOCKET)
        close(listen_fd);
}

int
ent_server_run(struct ent_app *app, const struct ent_server_config *cfg)
{
    const char *listen = cfg->listen && cfg->listen[0] ? cfg->listen : "127.0.0.1:8080";
    struct sockaddr_storage addr;
    socklen_t addr_len = 0;
    if (parse_listen(listen, &addr, &addr_len) < 0) {
        ent_log_message(ENT_LOG_ERROR, "cannot listen on '%s': expected HOST:PORT", listen);
        return 1;
    }
    unsigned threads = cfg->threads ? cfg->threads : 2;
    unsigned timeout_s = cfg->timeout_s ? cfg->timeout_s : 30u;
    struct server srv = {.app = app, .quiet = cfg->quiet, .cors_origins = cfg->cors_origins};
    if (cfg->rate_evaluate || cfg->rate_usage || cfg->rate_admin) {
        struct ent_ratelimit_config limits = {.rate_per_s = {
                                                  [ENT_RATE_EVALUATE] = cfg->rate_evaluate,
                                                  [ENT_RATE_USAGE] = cfg->rate_usage,
                                                  [ENT_RATE_ADMIN] = cfg->rate_admin,
                                              }};
        if (ent_ratelimit_new(&limits, &srv.limits) < 0) {
            ent_log_message(ENT_LOG_ERROR, "out of memory");
            return 1;
        }
    }

    struct ent_tls *tls = NULL;
    if (cfg->tls_cert || cfg->tls_key) {
        char why[512];
        if (!cfg->tls_cert || !cfg->tls_key) {
            ent_log_message(ENT_LOG_ERROR, "TLS needs both --tls-cert and --tls-key");
            ent_ratelimit_free(srv.limits);
            return 1;
        }
        if (ent_tls_new(cfg->tls_cert, cfg->tls_key, &tls, why, sizeof(why)) < 0) {
            ent_log_message(ENT_LOG_ERROR, "TLS: %s", why);
            ent_ratelimit_free(srv.limits);
            return 1;
        }
        ent_tls_serve(tls);
    }

    /* The pool's threads inherit this mask, so only sigwait() below sees these signals. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (ent_watchdog_start((int64_t)timeout_s * 1000000000, &srv.watchdog) < 0) {
        ent_log_message(ENT_LOG_ERROR, "out of memory");
        ent_ratelimit_free(srv.limits);
        ent_tls_free(tls);
        return 1;
    }
    if (ent_sse_start(app, &srv.sse) < 0) { /* OFREP's change streams */
        ent_log_message(ENT_LOG_ERROR, "out of memory");
        ent_watchdog_stop(srv.watchdog);
        ent_ratelimit_free(srv.limits);
        ent_tls_free(tls);
        return 1;
    }

    /* webhooks (issue 15): delivery and timed events run beside the API, never in its threads */
    struct ent_webhook_config webhooks = cfg->webhooks;
    webhooks.encode = ent_api_encode;
    if (ent_webhooks_start(app, &webhooks) < 0) {
        fprintf(stderr, "entitled: cannot start the webhook workers\n");
        ent_watchdog_stop(srv.watchdog);
        ent_ratelimit_free(srv.limits);
        return 1;
    }

    /* Said before the socket listens: a client that can connect can read it already. */
    ent_log_message(ENT_LOG_INFO,
                    "rate limits per key (requests/s, 0 = none): evaluate %u, usage %u, "
                    "admin %u",
                    cfg->rate_evaluate, cfg->rate_usage, cfg->rate_admin);

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC |
                     MHD_ALLOW_SUSPEND_RESUME | (threads == 1 ? MHD_USE_POLL : MHD_USE_EPOLL);
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* HTTPS: the certificate is asked for at each handshake, so SIGHUP can replace it. */
    gnutls_certificate_retrieve_function2 *certificate = ent_tls_certificate;
    void *certificate_arg; /* libmicrohttpd takes the function as an option's pointer */
    memcpy(&certificate_arg, &certificate, sizeof(certificate_arg));
    struct MHD_OptionItem tls_options[] = {
        {tls ? MHD_OPTION_HTTPS_CERT_CALLBACK : MHD_OPTION_END, 0, certificate_arg},
        {MHD_OPTION_END, 0, NULL},
    };
    if (tls)
        flags |= MHD_USE_TLS;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, &srv, MHD_OPTION_EXTERNAL_LOGGER, log_library_message,
        NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
        threads == 1 ? 0u : threads, MHD_OPTION_CONNECTION_LIMIT,
        cfg->connection_limit ? cfg->connection_limit : 4096u, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        cfg->per_ip_limit ? cfg->per_ip_limit : 1024u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)64 * 1024, MHD_OPTION_NOTIFY_COMPLETED, on_completed, &srv,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, &srv, MHD_OPTION_URI_LOG_CALLBACK,
        on_request_line, &srv, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_ARRAY, tls_options,
        MHD_OPTION_END);
    if (!d) {
        ent_log_message(ENT_LOG_ERROR,
                        "cannot listen on %s (in use, or not an address of this host)", listen);
        ent_sse_stop(srv.sse);
        ent_webhooks_stop(app);
        ent_watchdog_stop(srv.watchdog);
        ent_ratelimit_free(srv.limits);
        ent_tls_free(tls);
        return 1;
    }
    ent_log_message(ENT_LOG_INFO, "serving on %s://%s with %u threads (log format %s)",
                    tls ? "https" : "http", listen, threads, ent_log_format_name());
    notify_service_manager("READY=1");

    int sig = 0;
    while (sigwait(&stop, &sig) == 0 && sig == SIGHUP) {
        char why[512];
        if (!tls)
            ent_log_message(ENT_LOG_INFO, "SIGHUP received: no TLS certificate to read again");
        else if (ent_tls_reload(tls, why, sizeof(why)) < 0)
            ent_log_message(ENT_LOG_ERROR, "SIGHUP received: TLS certificate kept: %s", why);
        else
            ent_log_message(ENT_LOG_INFO,
                            "SIGHUP received: TLS certificate and key read again "
                            "from %s and %s; new connections use them",
                            cfg->tls_cert, cfg->tls_key);
    }
    ent_log_message(ENT_LOG_INFO, "%s received, finishing requests in flight",
                    sig == SIGTERM ? "SIGTERM" : "SIGINT");
    drain(d, &srv, (int64_t)timeout_s * 1000000000);
    ent_sse_stop(srv.sse);
    ent_webhooks_stop(app); /* webhooks (issue 15): an attempt in flight is made again later */
    ent_watchdog_stop(srv.watchdog);
    ent_ratelimit_free(srv.limits);
    ent_tls_serve(NULL);
    ent_tls_free(tls);
    ent_log_message(ENT_LOG_INFO, "stopped");
    return 0;
}
