/* SPDX-License-Identifier: MIT */
/*
 * fuzz_json_body.c: libFuzzer target for the JSON request bodies. The input is a body: it goes
 * through ent_json_parse_object() (the dispatcher's strict parse), and when it is an object,
 * through the handler of every route that takes a JSON body (POST, PATCH, PUT), each on a fake
 * request whose path parameters name the fuzz application's fixture objects. The handlers'
 * readers are static, so the handlers themselves are the way in; the library calls behind them
 * run too, against the process's SQLite store.
 *
 * Invariants: a parse failure is ENT_EJSON and yields no value; every answer is 2xx or 4xx
 * (never 5xx: no body may make the service fail), and its body is one JSON value; a 4xx body is
 * a whole problem document (ent_fuzz_app_problem_error(): its status is the answer's, it has a
 * type, title and detail, and each of its errors a field and a message), and under /ofrep/ an
 * error of OpenFeature's protocol (an object with its errorCode); nothing leaks (LeakSanitizer).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "fuzz_app.h"
#include "http/json.h"
#include "http/request.h"
#include "http/routes.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ENT_FUZZ_VERBOSE=1 prints each route's answer status (for checking what seeds reach). */
static bool verbose;

/* Stops the run with a message: an invariant does not hold (libFuzzer saves the input). */
static void
fail(const char *route, const char *what, const struct ent_request *req)
{
    fprintf(stderr, "fuzz_json_body: %s: %s (status %d)\n", route, what, req ? req->status : 0);
    if (req && req->answer)
        fprintf(stderr, "fuzz_json_body: answer: %.*s\n", (int)req->answer_len, req->answer);
    abort();
}

/* The fixture object a path parameter {name} names, or NULL when the fixture has none. */
static const char *
param_value(const struct ent_fuzz_app *fa, const char *name, size_t len)
{
    static const struct {
        const char *name;
        size_t offset;
        bool is_array;
    } table[] = {
        {"feature", offsetof(struct ent_fuzz_app, feature_key), false},
        {"product", offsetof(struct ent_fuzz_app, product_key), false},
        {"account", offsetof(struct ent_fuzz_app, account_key), false},
        {"order", offsetof(struct ent_fuzz_app, order_id), true},
        {"entitlement", offsetof(struct ent_fuzz_app, entitlement_id), true},
        {"lease", offsetof(struct ent_fuzz_app, lease_id), true},
        {"activation", offsetof(struct ent_fuzz_app, activation_id), true},
        {"key_id", offsetof(struct ent_fuzz_app, revoked_key_id), true},
        {"license", offsetof(struct ent_fuzz_app, license_id), true},
        {"key", offsetof(struct ent_fuzz_app, feature_key), false},   /* OFREP's flag */
        {"webhook", offsetof(struct ent_fuzz_app, webhook_id), true}, /* issue 15 */
        {"message", offsetof(struct ent_fuzz_app, message_id), true},
        {"item", offsetof(struct ent_fuzz_app, item_id), true}, /* issue 17 */
        {"definition", offsetof(struct ent_fuzz_app, definition_id), true},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (strlen(table[i].name) != len || memcmp(table[i].name, name, len) != 0)
            continue;
        const char *field = (const char *)fa + table[i].offset;
        return table[i].is_array ? field : *(const char *const *)field;
    }
    return NULL;
}

/*
 * Fills the path parameters of route from the fixture, in pattern order, and writes the path
 * they make into url (cap bytes). Aborts when the pattern names an unknown parameter: the
 * route table grew a parameter this harness does not know yet.
 */
static void
fill_params(const struct ent_fuzz_app *fa, const struct ent_route *route,
            const char *params[ENT_PATH_PARAMS], char *url, size_t cap)
{
    size_t n = 0, used = 0;
    url[0] = '\0';
    for (const char *p = route->pattern; *p;) {
        if (*p != '{') {
            if (used + 1 < cap)
                url[used++] = *p;
            url[used] = '\0';
            p++;
            continue;
        }
        const char *end = strchr(p, '}');
        const char *value = end ? param_value(fa, p + 1, (size_t)(end - p - 1)) : NULL;
        if (!value || n == ENT_PATH_PARAMS)
            fail(route->pattern, "a path parameter the harness does not know", NULL);
        params[n++] = value;
        used += (size_t)snprintf(url + used, cap - used, "%s", value);
        if (used >= cap)
            fail(route->pattern, "path too long for the harness", NULL);
        p = end + 1;
    }
}

/* Checks the answer of one handler (see the file header for the invariants). */
static void
check_answer(const struct ent_request *req)
{
    const char *pattern = req->route->pattern;
    if (req->status < 200 || req->status >= 500 || (req->status >= 300 && req->status < 400))
        fail(pattern, "answer status is neither 2xx nor 4xx", req);
    if (!req->answer) {
        if (req->status != 204)
            fail(pattern, "answer without a body", req);
        return;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(req->answer, req->answer_len, JSON_DECODE_ANY, &jerr);
    if (!doc)
        fail(pattern, "answer body is not JSON", req);
    if (req->status >= 400 && strncmp(pattern, "/ofrep/", 7) == 0) {
        /* OpenFeature's routes answer errors in the protocol's shape, not problem documents */
        const char *code = json_string_value(json_object_get(doc, "errorCode"));
        json_t *details = json_object_get(doc, "errorDetails");
        if (!json_is_object(doc) || !code || !code[0] || (details && !json_is_string(details)))
            fail(pattern, "an OFREP error without its errorCode", req);
    } else if (req->status >= 400) {
        const char *why = ent_fuzz_app_problem_error(req->status, req->answer, req->answer_len);
        if (why)
            fail(pattern, why, req);
    }
    json_decref(doc);
}

/* Runs the handler of route on a fake request carrying json, and checks its answer. */
static void
run_route(const struct ent_fuzz_app *fa, const struct ent_route *route, json_t *json)
{
    struct ent_request req;
    memset(&req, 0, sizeof(req));
    char url[512];
    fill_params(fa, route, req.params, url, sizeof(url));
    req.app = fa->app;
    req.method = route->method;
    req.method_name = ent_routes_method_name(route->method);
    req.url = url;
    req.route = route;
    req.json = json;
    req.ctx = ent_fuzz_app_ctx();
    route->handler(&req);
    if (verbose)
        fprintf(stderr, "%s %s -> %d %.*s\n", req.method_name, route->pattern, req.status,
                (int)req.answer_len, req.answer ? req.answer : "");
    check_answer(&req);
    ent_free(req.answer);
    ent_ctx_free(req.ctx);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    json_object_seed(1); /* the same member order in every run, so runs replay exactly */
    const char *v = getenv("ENT_FUZZ_VERBOSE");
    verbose = v && v[0] == '1';
    ent_fuzz_app_get();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct ent_fuzz_app *fa = ent_fuzz_app_get();
    struct ent_error err;
    ent_error_clear(&err);
    json_t *json = NULL;
    int rc = ent_json_parse_object((const char *)data, size, &json, &err);
    if (rc < 0) {
        if (rc != ENT_EJSON || err.code != ENT_EJSON || json)
            fail("ent_json_parse_object", "a failed parse is not ENT_EJSON alone", NULL);
        return 0;
    }
    if (rc != ENT_OK || !json_is_object(json))
        fail("ent_json_parse_object", "a successful parse did not give an object", NULL);
    for (size_t i = 0; i < ent_routes_count; i++) {
        const struct ent_route *route = &ent_routes[i];
        bool writes =
            route->method == ENT_POST || route->method == ENT_PATCH || route->method == ENT_PUT;
        if (writes && route->body != ENT_BODY_NONE)
            run_route(fa, route, json);
    }
    json_decref(json);
    return 0;
}
