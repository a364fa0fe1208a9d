/* SPDX-License-Identifier: MIT */
/*
 * test_routes.c: unit tests of http/routes.c, THE route table and its path matcher. The table
 * and docs/openapi.json (read from ENT_OPENAPI_PATH, set by the build) must list exactly the
 * same (method, path) pairs, path parameters compared by position only; every difference is
 * named in the failure. The matcher is checked for exact paths, parameters, 405 detection
 * through the allow mask, unknown paths, trailing slashes and HEAD served as GET.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "http/routes.h"

#ifndef ENT_OPENAPI_PATH
#error "the build must define ENT_OPENAPI_PATH as the path of docs/openapi.json"
#endif

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_ROUTES 256
#define ROUTE_KEY_MAX 256

/* (METHOD, path) pairs as "METHOD /path/{}", sorted. */
struct route_set {
    char keys[MAX_ROUTES][ROUTE_KEY_MAX];
    size_t n;
};

/* The result of one ent_routes_match() call, with its buffers. */
struct match {
    const struct ent_route *route;
    const char *params[ENT_PATH_PARAMS];
    unsigned allow;
    char buf[512];
};

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* Writes "METHOD path" into out with every "{...}" segment of path written as "{}". */
static void
route_key(const char *method, const char *path, char *out, size_t cap)
{
    size_t o = (size_t)snprintf(out, cap, "%s ", method);
    for (const char *p = path; *p && o + 1 < cap; p++) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            if (close && o + 2 < cap) {
                out[o++] = '{';
                out[o++] = '}';
                p = close;
                continue;
            }
        }
        out[o++] = *p;
    }
    out[o] = '\0';
}

/* qsort comparator of route keys. */
static int
compare_keys(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Adds a key to set (the test fails when the set is full). */
static void
set_add(struct route_set *set, const char *method, const char *path)
{
    if (set->n == MAX_ROUTES)
        fail_msg("more than %d routes", MAX_ROUTES);
    route_key(method, path, set->keys[set->n], ROUTE_KEY_MAX);
    set->n++;
}

/* Sorts set and fails when a key appears twice, naming where the set came from. */
static void
set_sort_unique(struct route_set *set, const char *origin)
{
    qsort(set->keys, set->n, ROUTE_KEY_MAX, compare_keys);
    for (size_t i = 1; i < set->n; i++) {
        if (strcmp(set->keys[i - 1], set->keys[i]) == 0)
            fail_msg("%s lists %s twice", origin, set->keys[i]);
    }
}

/* The routes of routes.c. */
static void
collect_table(struct route_set *set)
{
    for (size_t i = 0; i < ent_routes_count; i++)
        set_add(set, ent_routes_method_name(ent_routes[i].method), ent_routes[i].pattern);
    set_sort_unique(set, "routes.c");
}

/* The operations of docs/openapi.json. */
static void
collect_openapi(struct route_set *set)
{
    json_error_t jerr;
    json_t *doc = json_load_file(ENT_OPENAPI_PATH, 0, &jerr);
    if (!doc)
        fail_msg("cannot read %s: line %d: %s", ENT_OPENAPI_PATH, jerr.line, jerr.text);
    json_t *paths = json_object_get(doc, "paths");
    if (!json_is_object(paths)) {
        json_decref(doc);
        fail_msg("%s has no \"paths\" object", ENT_OPENAPI_PATH);
    }
    static const struct {
        const char *key, *method;
    } methods[] = {
        {"get", "GET"}, {"post", "POST"}, {"put", "PUT"}, {"patch", "PATCH"}, {"delete", "DELETE"}};
    const char *path;
    json_t *item;
    json_object_foreach(paths, path, item)
    {
        for (size_t m = 0; m < ARRAY_LEN(methods); m++) {
            if (json_object_get(item, methods[m].key))
                set_add(set, methods[m].method, path);
        }
    }
    json_decref(doc);
    set_sort_unique(set, "openapi.json");
}

/* Appends "  only in <where>: <key>\n" to the report in out. */
static void
report_difference(char *out, size_t cap, const char *where, const char *key)
{
    size_t len = strlen(out);
    if (len < cap)
        snprintf(out + len, cap - len, "\n  only in %s: %s", where, key);
}

/* Matches (method, path) into m, from a zeroed state. */
static const struct ent_route *
match(struct match *m, enum ent_method method, const char *path)
{
    memset(m, 0, sizeof(*m));
    m->route = ent_routes_match(method, path, m->buf, sizeof(m->buf), m->params, &m->allow);
    return m->route;
}

/* ------------------------------------------------------------------------------------------ */
/* The table and the OpenAPI document                                                          */
/* ------------------------------------------------------------------------------------------ */

static void
routes__table_and_openapi__list_the_same_routes(void **state)
{
    (void)state;
    struct route_set *table = test_calloc(1, sizeof(*table));
    struct route_set *spec = test_calloc(1, sizeof(*spec));
    assert_non_null(table);
    assert_non_null(spec);
    collect_table(table);
    collect_openapi(spec);

    char report[4096] = "";
    size_t i = 0, j = 0;
    while (i < table->n || j < spec->n) {
        int cmp = i == table->n ? 1 : j == spec->n ? -1 : strcmp(table->keys[i], spec->keys[j]);
        if (cmp == 0) {
            i++;
            j++;
        } else if (cmp < 0) {
            report_difference(report, sizeof(report), "routes.c", table->keys[i++]);
        } else {
            report_difference(report, sizeof(report), "openapi.json", spec->keys[j++]);
        }
    }
    size_t n_table = table->n, n_spec = spec->n;
    test_free(table);
    test_free(spec);
    if (report[0])
        fail_msg("routes.c (%zu routes) and docs/openapi.json (%zu operations) differ:%s", n_table,
                 n_spec, report);
    assert_int_equal(n_table, ent_routes_count);
}

static void
routes__table__rows_are_consistent(void **state)
{
    (void)state;
    for (size_t i = 0; i < ent_routes_count; i++) {
        const struct ent_route *r = &ent_routes[i];
        const char *method = ent_routes_method_name(r->method);
        assert_non_null(r->handler);
        assert_non_null(r->pattern);
        if (r->pattern[0] != '/')
            fail_msg("%s %s: the pattern does not start with '/'", method, r->pattern);
        bool has_body_method =
            r->method == ENT_POST || r->method == ENT_PUT || r->method == ENT_PATCH;
        if (r->body == ENT_BODY_JSON && !has_body_method)
            fail_msg("%s %s: takes a JSON body", method, r->pattern);
        if (r->idempotent && r->method != ENT_POST)
            fail_msg("%s %s: Idempotency-Key is for POST", method, r->pattern);
        if (strncmp(r->pattern, "/v1/", 4) == 0 && r->allow == 0)
            fail_msg("%s %s: an API route needs a key", method, r->pattern);
        if ((r->allow == 0) != (r->rate_class == ENT_RATE_NONE))
            fail_msg("%s %s: a route is rate-limited exactly when it needs a key", method,
                     r->pattern);
        if (r->method == ENT_HEAD || r->method == ENT_OPTIONS || r->method == ENT_OTHER)
            fail_msg("%s %s: HEAD and OPTIONS are answered by the dispatcher", method, r->pattern);
    }
}

static void
routes__every_pattern__matches_a_path_made_from_it(void **state)
{
    (void)state;
    for (size_t i = 0; i < ent_routes_count; i++) {
        const struct ent_route *r = &ent_routes[i];
        /* Each {name} becomes "p0", "p1", ... */
        char path[256];
        size_t o = 0, n_params = 0;
        for (const char *p = r->pattern; *p && o + 4 < sizeof(path); p++) {
            if (*p == '{') {
                o += (size_t)snprintf(path + o, sizeof(path) - o, "p%zu", n_params++);
                p = strchr(p, '}');
                assert_non_null(p);
                continue;
            }
            path[o++] = *p;
        }
        path[o] = '\0';
        struct match m;
        if (match(&m, r->method, path) != r)
            fail_msg("%s %s does not match its own route %s", ent_routes_method_name(r->method),
                     path, r->pattern);
        for (size_t k = 0; k < n_params; k++) {
            char want[8];
            snprintf(want, sizeof(want), "p%zu", k);
            assert_non_null(m.params[k]);
            assert_string_equal(m.params[k], want);
        }
        if (n_params < ENT_PATH_PARAMS)
            assert_null(m.params[n_params]);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* The matcher                                                                                 */
/* ------------------------------------------------------------------------------------------ */

static void
routes__exact_path__finds_its_route(void **state)
{
    (void)state;
    struct match m;
    assert_non_null(match(&m, ENT_GET, "/healthz"));
    assert_string_equal(m.route->pattern, "/healthz");
    assert_int_equal(m.route->method, ENT_GET);
    assert_null(m.params[0]);

    assert_non_null(match(&m, ENT_POST, "/v1/features"));
    assert_string_equal(m.route->pattern, "/v1/features");
    assert_int_equal(m.route->method, ENT_POST);
    assert_non_null(match(&m, ENT_GET, "/v1/features"));
    assert_int_equal(m.route->method, ENT_GET);
    assert_non_null(match(&m, ENT_GET, "/openapi.json"));
    assert_string_equal(m.route->pattern, "/openapi.json");
}

static void
routes__path_with_a_parameter__extracts_it(void **state)
{
    (void)state;
    struct match m;
    assert_non_null(match(&m, ENT_GET, "/v1/features/pro-plan"));
    assert_string_equal(m.route->pattern, "/v1/features/{feature}");
    assert_string_equal(m.params[0], "pro-plan");
    assert_null(m.params[1]);

    assert_non_null(match(&m, ENT_DELETE, "/v1/keys/0189b6f2-7c1a-7cde-8f00-123456789abc"));
    assert_string_equal(m.route->pattern, "/v1/keys/{key_id}");
    assert_string_equal(m.params[0], "0189b6f2-7c1a-7cde-8f00-123456789abc");
}

static void
routes__path_with_two_parameters__extracts_both_in_order(void **state)
{
    (void)state;
    struct match m;
    assert_non_null(match(&m, ENT_PUT, "/v1/products/gold/entitlements/seats"));
    assert_string_equal(m.route->pattern, "/v1/products/{product}/entitlements/{feature}");
    assert_string_equal(m.params[0], "gold");
    assert_string_equal(m.params[1], "seats");
    assert_null(m.params[2]);
    assert_non_null(match(&m, ENT_DELETE, "/v1/products/gold/entitlements/seats"));
    assert_int_equal(m.route->method, ENT_DELETE);
}

static void
routes__parameters__point_into_the_buffer_and_leave_the_path_untouched(void **state)
{
    (void)state;
    static const char path[] = "/v1/products/gold/entitlements/seats";
    char copy[sizeof(path)];
    memcpy(copy, path, sizeof(path));
    struct match m;
    assert_non_null(match(&m, ENT_PUT, copy));
    assert_string_equal(copy, path);
    for (size_t i = 0; i < 2; i++) {
        assert_true(m.params[i] >= m.buf && m.params[i] < m.buf + sizeof(m.buf));
    }
}

static void
routes__known_path_with_another_method__is_null_with_the_allowed_methods(void **state)
{
    (void)state;
    struct match m;
    assert_null(match(&m, ENT_POST, "/v1/features/pro"));
    assert_int_equal(m.allow, ENT_GET | ENT_PATCH | ENT_DELETE);
    assert_null(match(&m, ENT_PUT, "/v1/features"));
    assert_int_equal(m.allow, ENT_GET | ENT_POST);
    assert_null(match(&m, ENT_GET, "/v1/keys/abc"));
    assert_int_equal(m.allow, ENT_DELETE);
    assert_null(match(&m, ENT_POST, "/healthz"));
    assert_int_equal(m.allow, ENT_GET);
    assert_null(match(&m, ENT_OPTIONS, "/v1/accounts"));
    assert_int_equal(m.allow, ENT_GET | ENT_POST);
    assert_null(match(&m, ENT_GET, "/v1/products/gold/entitlements/seats"));
    assert_int_equal(m.allow, ENT_PUT | ENT_DELETE);
}

static void
routes__unknown_path__is_null_with_no_allowed_method(void **state)
{
    (void)state;
    static const char *const unknown[] = {"//",
                                          "",
                                          "/consoles",
                                          "/console/a/b",
                                          "/console//",
                                          "/v1",
                                          "/v1/nothing",
                                          "/v2/features",
                                          "/healthzz",
                                          "/health",
                                          "features",
                                          "/v1/features/a/b",
                                          "/v1/products/gold/entitlements",
                                          "/v1/products/gold/entitlements/seats/x"};
    for (size_t i = 0; i < ARRAY_LEN(unknown); i++) {
        struct match m;
        if (match(&m, ENT_GET, unknown[i]))
            fail_msg("\"%s\" matched %s", unknown[i], m.route->pattern);
        if (m.allow != 0)
            fail_msg("\"%s\" has allow mask %#x", unknown[i], m.allow);
    }
}

/* The web console (issue 16): / and /console redirect, /console/ is its page, one segment
 * under it names a file. */
static void
routes__console__page_files_and_redirects(void **state)
{
    (void)state;
    struct match m;
    assert_non_null(match(&m, ENT_GET, "/"));
    assert_string_equal(m.route->pattern, "/");
    assert_non_null(match(&m, ENT_GET, "/console"));
    assert_string_equal(m.route->pattern, "/console");
    assert_non_null(match(&m, ENT_HEAD, "/console/"));
    assert_string_equal(m.route->pattern, "/console/");
    assert_null(m.params[0]);
    assert_non_null(match(&m, ENT_GET, "/console/app-ABCDEFGH.js"));
    assert_string_equal(m.route->pattern, "/console/{asset}");
    assert_string_equal(m.params[0], "app-ABCDEFGH.js");
    assert_null(match(&m, ENT_POST, "/console/"));
    assert_int_equal(m.allow, ENT_GET);
}

static void
routes__trailing_slash__is_not_matched(void **state)
{
    (void)state;
    static const char *const paths[] = {"/healthz/", "/v1/features/", "/v1/features/pro/",
                                        "/v1/products/gold/entitlements/seats/"};
    for (size_t i = 0; i < ARRAY_LEN(paths); i++) {
        struct match m;
        if (match(&m, ENT_GET, paths[i]))
            fail_msg("\"%s\" matched %s", paths[i], m.route->pattern);
        assert_int_equal(m.allow, 0);
    }
}

/*
 * Every route of the table is reached by a path of its own pattern and its method: the answer
 * is that route or one before it in the table with the same method (the first that takes the
 * path wins, and the search stops there), with no allow mask.
 */
static void
routes__each_route__is_found_by_its_own_pattern_and_method(void **state)
{
    (void)state;
    for (size_t i = 0; i < ent_routes_count; i++) {
        char path[256];
        size_t n = 0;
        for (const char *p = ent_routes[i].pattern; *p && n < sizeof(path) - 8;) {
            if (*p == '{') { /* a parameter: any segment */
                n += (size_t)snprintf(path + n, sizeof(path) - n, "p1");
                p = strchr(p, '}') + 1;
            } else {
                path[n++] = *p++;
            }
        }
        path[n] = '\0';
        struct match m;
        if (!match(&m, ent_routes[i].method, path))
            fail_msg("\"%s\" (%s) found no route", path, ent_routes[i].pattern);
        size_t k = (size_t)(m.route - ent_routes);
        assert_true(k <= i);
        assert_int_equal(m.route->method, ent_routes[i].method);
        assert_int_equal(m.allow, 0);
    }
}

static void
routes__empty_parameter_segment__is_not_matched(void **state)
{
    (void)state;
    struct match m;
    assert_null(match(&m, ENT_PUT, "/v1/products//entitlements/seats"));
    assert_int_equal(m.allow, 0);
    assert_null(match(&m, ENT_GET, "/v1//features"));
    assert_null(match(&m, ENT_GET, "//v1/features"));
}

static void
routes__paths__are_case_sensitive(void **state)
{
    (void)state;
    struct match m;
    assert_null(match(&m, ENT_GET, "/V1/features"));
    assert_null(match(&m, ENT_GET, "/v1/Features"));
    assert_null(match(&m, ENT_GET, "/HEALTHZ"));
}

static void
routes__head__is_matched_as_get(void **state)
{
    (void)state;
    struct match m;
    assert_non_null(match(&m, ENT_HEAD, "/v1/features"));
    assert_int_equal(m.route->method, ENT_GET);
    assert_non_null(match(&m, ENT_HEAD, "/v1/features/pro"));
    assert_int_equal(m.route->method, ENT_GET);
    assert_string_equal(m.params[0], "pro");
    assert_non_null(match(&m, ENT_HEAD, "/healthz"));
    /* Without a GET route, HEAD is not allowed either. */
    assert_null(match(&m, ENT_HEAD, "/v1/keys/abc"));
    assert_int_equal(m.allow, ENT_DELETE);
}

static void
routes__path_longer_than_the_buffer__is_not_matched(void **state)
{
    (void)state;
    const char *params[ENT_PATH_PARAMS] = {NULL};
    unsigned allow = 99;
    char small[8];
    assert_null(ent_routes_match(ENT_GET, "/v1/features", small, sizeof(small), params, &allow));
    assert_int_equal(allow, 0);
    char exact[sizeof("/healthz")];
    assert_non_null(ent_routes_match(ENT_GET, "/healthz", exact, sizeof(exact), params, &allow));
}

/*
 * Regression: params is OUT. The matcher once walked params[] up to the first NULL and wrote a
 * '\0' through every stale pointer it found; it must clear them and write only its own.
 */
static void
routes__stale_params__are_cleared_and_left_unwritten(void **state)
{
    (void)state;
    char stale[] = "stale/value";
    const char *params[ENT_PATH_PARAMS];
    for (size_t i = 0; i < ENT_PATH_PARAMS; i++)
        params[i] = stale;
    char buf[128];
    unsigned allow = 0;
    const struct ent_route *r =
        ent_routes_match(ENT_GET, "/v1/features/pro", buf, sizeof(buf), params, &allow);
    assert_non_null(r);
    assert_string_equal(params[0], "pro");
    assert_string_equal(stale, "stale/value");
    assert_null(params[1]);
}

/* The class of (method, pattern) in the table; the test fails when the route is missing. */
static enum ent_rate_class
rate_class_of(enum ent_method method, const char *pattern)
{
    for (size_t i = 0; i < ent_routes_count; i++) {
        if (ent_routes[i].method == method && strcmp(ent_routes[i].pattern, pattern) == 0)
            return ent_routes[i].rate_class;
    }
    fail_msg("%s %s is not in the table", ent_routes_method_name(method), pattern);
    return ENT_RATE_NONE;
}

static void
routes__rate_classes__are_evaluate_usage_and_admin_as_documented(void **state)
{
    (void)state;
    static const struct {
        enum ent_method method;
        const char *pattern;
    } evaluate[] = {{ENT_POST, "/v1/evaluate"},
                    {ENT_POST, "/v1/evaluate/bulk"},
                    {ENT_GET, "/v1/accounts/{account}/entitlements"},
                    /* OFREP (issue 14) */
                    {ENT_GET, "/ofrep/v1/configuration"},
                    {ENT_POST, "/ofrep/v1/evaluate/flags"},
                    {ENT_POST, "/ofrep/v1/evaluate/flags/{key}"}},
      usage[] = {{ENT_POST, "/v1/usage"},
                 {ENT_POST, "/v1/usage/batch"},
                 {ENT_POST, "/v1/activations"},
                 {ENT_DELETE, "/v1/activations/{activation}"},
                 {ENT_POST, "/v1/activations/{activation}/heartbeat"},
                 /* issue 13: what a product calls of its license, as it sends heartbeats */
                 {ENT_POST, "/v1/licenses/validate"},
                 {ENT_POST, "/v1/licenses/{license}/renew"},
                 /* issue 17: a service's units drawn down, as usage is recorded */
                 {ENT_POST, "/v1/entitlements/{entitlement}/consumption"}};
    size_t n_evaluate = 0, n_usage = 0;
    for (size_t i = 0; i < ARRAY_LEN(evaluate); i++)
        assert_int_equal(rate_class_of(evaluate[i].method, evaluate[i].pattern), ENT_RATE_EVALUATE);
    for (size_t i = 0; i < ARRAY_LEN(usage); i++)
        assert_int_equal(rate_class_of(usage[i].method, usage[i].pattern), ENT_RATE_USAGE);
    for (size_t i = 0; i < ent_routes_count; i++) {
        n_evaluate += ent_routes[i].rate_class == ENT_RATE_EVALUATE;
        n_usage += ent_routes[i].rate_class == ENT_RATE_USAGE;
    }
    /* Every other /v1 route is admin: no route is in a class by accident. */
    assert_int_equal(n_evaluate, ARRAY_LEN(evaluate));
    assert_int_equal(n_usage, ARRAY_LEN(usage));
    assert_int_equal(rate_class_of(ENT_GET, "/v1/usage"), ENT_RATE_ADMIN);
    assert_int_equal(rate_class_of(ENT_GET, "/healthz"), ENT_RATE_NONE);
}

static void
routes__method_names__are_the_http_names(void **state)
{
    (void)state;
    assert_string_equal(ent_routes_method_name(ENT_GET), "GET");
    assert_string_equal(ent_routes_method_name(ENT_POST), "POST");
    assert_string_equal(ent_routes_method_name(ENT_PUT), "PUT");
    assert_string_equal(ent_routes_method_name(ENT_PATCH), "PATCH");
    assert_string_equal(ent_routes_method_name(ENT_DELETE), "DELETE");
    assert_string_equal(ent_routes_method_name(ENT_HEAD), "HEAD");
    assert_string_equal(ent_routes_method_name(ENT_OPTIONS), "OPTIONS");
    assert_string_equal(ent_routes_method_name(ENT_OTHER), "OTHER");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(routes__table_and_openapi__list_the_same_routes),
        cmocka_unit_test(routes__table__rows_are_consistent),
        cmocka_unit_test(routes__every_pattern__matches_a_path_made_from_it),
        cmocka_unit_test(routes__exact_path__finds_its_route),
        cmocka_unit_test(routes__path_with_a_parameter__extracts_it),
        cmocka_unit_test(routes__path_with_two_parameters__extracts_both_in_order),
        cmocka_unit_test(routes__parameters__point_into_the_buffer_and_leave_the_path_untouched),
        cmocka_unit_test(routes__known_path_with_another_method__is_null_with_the_allowed_methods),
        cmocka_unit_test(routes__unknown_path__is_null_with_no_allowed_method),
        cmocka_unit_test(routes__each_route__is_found_by_its_own_pattern_and_method),
        cmocka_unit_test(routes__console__page_files_and_redirects),
        cmocka_unit_test(routes__trailing_slash__is_not_matched),
        cmocka_unit_test(routes__empty_parameter_segment__is_not_matched),
        cmocka_unit_test(routes__paths__are_case_sensitive),
        cmocka_unit_test(routes__head__is_matched_as_get),
        cmocka_unit_test(routes__path_longer_than_the_buffer__is_not_matched),
        cmocka_unit_test(routes__stale_params__are_cleared_and_left_unwritten),
        cmocka_unit_test(routes__rate_classes__are_evaluate_usage_and_admin_as_documented),
        cmocka_unit_test(routes__method_names__are_the_http_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
