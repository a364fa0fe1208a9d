/* SPDX-License-Identifier: MIT */
/*
 * ratelimit.h: per-key rate limits by class of route. Each (API key id, class) pair has a token
 * bucket that refills at the class's rate and holds up to twice that rate (the burst). The
 * dispatcher (server.c) takes one token for every authenticated request once its key and scope
 * are checked, and answers 429 with Retry-After when the bucket is empty.
 */
#ifndef ENT_HTTP_RATELIMIT_H
#define ENT_HTTP_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The class of a route, set in its row of the route table (routes.c). */
enum ent_rate_class {
    ENT_RATE_NONE = 0, /* not limited: the unauthenticated routes */
    ENT_RATE_EVALUATE, /* evaluate, bulk evaluate, an account's entitlements */
    ENT_RATE_USAGE,    /* usage events and batches; activate, deactivate, heartbeat */
    ENT_RATE_ADMIN,    /* every other /v1 route */
};

#define ENT_RATE_CLASSES 4 /* including ENT_RATE_NONE */

struct ent_ratelimit;

struct ent_ratelimit_config {
    unsigned rate_per_s[ENT_RATE_CLASSES]; /* requests per second per key; 0: not limited */
    size_t buckets; /* buckets held at once (rounded up to a power of two, at least 16);
                       0: the default, 65536 */
};

/*
 * Makes the limiter of cfg. OUT rl: the limiter, freed with ent_ratelimit_free(). A
 * configuration with every rate 0 still makes a limiter, one that allows everything.
 * Errors: ENT_ENOMEM.
 */
int ent_ratelimit_new(const struct ent_ratelimit_config *cfg, struct ent_ratelimit **rl);

/* Frees the limiter; NULL is accepted. */
void ent_ratelimit_free(struct ent_ratelimit *rl);

/*
 * Takes one token from the bucket of (key_id, cls) at the monotonic time now_ns. Returns true
 * when the request may go on; false when the bucket is empty, with OUT retry_after_s set to the
 * whole seconds (at least 1) until a token is there again. A NULL limiter, ENT_RATE_NONE and a
 * class whose rate is 0 always allow. When the table is full of buckets in use, a new pair is
 * allowed without a bucket (the limiter fails open rather than refuse keys it cannot track).
 * Thread safety: safe to call from any thread.
 */
bool ent_ratelimit_take(struct ent_ratelimit *rl, const char *key_id, enum ent_rate_class cls,
                        int64_t now_ns, unsigned *retry_after_s);

/* The number of buckets held (idle ones not yet reclaimed included); for tests. */
size_t ent_ratelimit_count(struct ent_ratelimit *rl);

#endif /* ENT_HTTP_RATELIMIT_H */
