/* SPDX-License-Identifier: MIT */
/*
 * routes.h: the route table, THE one list of the API's routes (routes.c), and the matcher.
 * A row says everything the dispatcher checks before a handler runs: method, path, who may
 * call it, whether it takes a JSON body, whether it honours Idempotency-Key and which per-key
 * rate limit applies to it.
 */
#ifndef ENT_HTTP_ROUTES_H
#define ENT_HTTP_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

#include "http/ratelimit.h"
#include "http/request.h"

typedef void (*ent_handler_fn)(struct ent_request *req);

/* Who may call a route: bits of enum ent_scope. 0: no key needed. */
#define ENT_ALLOW_ADMIN (1u << ENT_SCOPE_ADMIN)
#define ENT_ALLOW_READ (1u << ENT_SCOPE_READ)
#define ENT_ALLOW_ACCOUNT (1u << ENT_SCOPE_ACCOUNT)
#define ENT_ALLOW_READERS (ENT_ALLOW_ADMIN | ENT_ALLOW_READ)
#define ENT_ALLOW_ANY_KEY (ENT_ALLOW_ADMIN | ENT_ALLOW_READ | ENT_ALLOW_ACCOUNT)

enum ent_body {
    ENT_BODY_NONE,     /* a body is refused (415 when one is sent with a content type) */
    ENT_BODY_JSON,     /* a JSON object is required */
    ENT_BODY_OPTIONAL, /* a JSON object, or nothing */
};

struct ent_route {
    enum ent_method method;
    const char *pattern; /* "/v1/features/{feature}": {name} matches one segment */
    ent_handler_fn handler;
    unsigned allow; /* ENT_ALLOW_*; 0 for unauthenticated routes */
    enum ent_body body;
    bool idempotent;                /* honours Idempotency-Key */
    enum ent_rate_class rate_class; /* whose per-key rate applies; ENT_RATE_NONE without a key */
};

extern const struct ent_route ent_routes[];
extern const size_t ent_routes_count;

/*
 * Finds the route of (method, path). OUT params: the path parameters (pointers into the copy
 * of path in buf, which must hold the path). Returns the first route of the table that takes
 * them (and *allow 0); NULL with *allow set to the methods the path has (0 when no route has
 * the path at all).
 */
const struct ent_route *ent_routes_match(enum ent_method method, const char *path, char *buf,
                                         size_t buf_len, const char **params, unsigned *allow);

/* The method's name ("GET"). */
const char *ent_routes_method_name(enum ent_method m);

#endif /* ENT_HTTP_ROUTES_H */
