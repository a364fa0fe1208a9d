/* SPDX-License-Identifier: MIT */
/*
 * fuzz_route.c: libFuzzer target for the path matcher (ent_routes_match in http/routes.c).
 * Byte 0 of the input picks the method (one of the eight of enum ent_method), byte 1 the size
 * of the copy buffer (small sizes reach the "path does not fit" branch; 0xff: the daemon's
 * 2048 bytes), and the rest, up to its first NUL, is the path.
 *
 * Invariants: a match is a row of the table for the method (HEAD matches GET's rows); its
 * parameters are exactly the pattern's {name}s, each a non-empty segment without '/'; putting
 * them back into the pattern gives the path byte for byte; the Allow mask is 0 (it serves a
 * 405 alone); matching the same path again gives the same route and parameters. Without a match,
 * the mask is 0 for a path that does not fit, and otherwise holds exactly the methods of the
 * rows whose pattern matches the path, none of them the method asked for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "http/routes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DAEMON_BUF 2048

/* Stops the run with a message: an invariant does not hold (libFuzzer saves the input). */
static void
fail(const char *what, const char *path, const struct ent_route *route)
{
    fprintf(stderr, "fuzz_route: %s: \"%s\" (route %s)\n", what, path,
            route ? route->pattern : "none");
    abort();
}

/* True when path matches pattern, by a reference matcher independent of routes.c. */
static bool
reference_match(const char *pattern, const char *path)
{
    const char *p = pattern, *s = path;
    while (*p) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            size_t seg = strcspn(s, "/");
            if (!close || seg == 0)
                return false;
            p = close + 1;
            s += seg;
        } else {
            if (*p != *s)
                return false;
            p++;
            s++;
        }
    }
    return *s == '\0';
}

/* Rebuilds the path from route's pattern and params; fails unless it equals path. */
static void
check_params(const char *path, const struct ent_route *route, const char **params)
{
    char rebuilt[DAEMON_BUF * 2];
    size_t used = 0, n = 0;
    for (const char *p = route->pattern; *p;) {
        if (*p != '{') {
            if (used + 1 >= sizeof(rebuilt))
                fail("rebuilt path too long", path, route);
            rebuilt[used++] = *p++;
            continue;
        }
        if (n == ENT_PATH_PARAMS || !params[n])
            fail("a parameter of the pattern is missing", path, route);
        const char *v = params[n++];
        size_t len = strlen(v);
        if (len == 0 || strchr(v, '/'))
            fail("a parameter is empty or holds '/'", path, route);
        if (used + len >= sizeof(rebuilt))
            fail("rebuilt path too long", path, route);
        memcpy(rebuilt + used, v, len);
        used += len;
        p = strchr(p, '}') + 1;
    }
    rebuilt[used] = '\0';
    if (n < ENT_PATH_PARAMS && params[n])
        fail("more parameters than the pattern has", path, route);
    if (strcmp(rebuilt, path) != 0)
        fail("the parameters do not rebuild the path", path, route);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    enum ent_method method = (enum ent_method)(1u << (data[0] % 8));
    size_t buf_len = data[1] == 0xff ? DAEMON_BUF : data[1];
    char *path = ent_strndup((const char *)data + 2, size - 2);
    char *buf = ent_alloc(buf_len ? buf_len : 1);
    char *buf2 = ent_alloc(buf_len ? buf_len : 1);
    if (!path || !buf || !buf2)
        abort();
    const char *params[ENT_PATH_PARAMS] = {NULL, NULL, NULL};
    unsigned allow = 0xdead;
    const struct ent_route *r = ent_routes_match(method, path, buf, buf_len, params, &allow);

    bool fits = strlen(path) + 1 <= buf_len;
    unsigned want_allow = 0;
    const struct ent_route *want = NULL;
    enum ent_method as = method == ENT_HEAD ? ENT_GET : method;
    for (size_t i = 0; fits && i < ent_routes_count; i++) {
        if (!reference_match(ent_routes[i].pattern, path))
            continue;
        want_allow |= ent_routes[i].method;
        if (ent_routes[i].method == as && !want)
            want = &ent_routes[i];
    }
    if (r != want)
        fail("the matcher and the reference disagree on the route", path, r ? r : want);
    if (allow != (want ? 0 : want_allow)) /* the mask serves a 405: only when none matched */
        fail("the Allow mask is not the methods of the matching rows", path, r);
    if (r) {
        if (r->method != as)
            fail("a match of another method", path, r);
        check_params(path, r, params);
        const char *params2[ENT_PATH_PARAMS] = {NULL, NULL, NULL};
        unsigned allow2 = 0;
        const struct ent_route *r2 =
            ent_routes_match(method, path, buf2, buf_len, params2, &allow2);
        if (r2 != r || allow2 != allow)
            fail("matching again gave another answer", path, r);
        for (size_t i = 0; i < ENT_PATH_PARAMS; i++) {
            if ((params[i] == NULL) != (params2[i] == NULL) ||
                (params[i] && strcmp(params[i], params2[i]) != 0))
                fail("matching again gave other parameters", path, r);
        }
    }
    ent_free(buf2);
    ent_free(buf);
    ent_free(path);
    return 0;
}
