/* SPDX-License-Identifier: MIT */
/*
 * inflight.h: the set of Idempotency-Keys whose first request is being served now, one per
 * application. idempotency.c marks a key when its request begins; the request context drops the
 * mark when it is released (ctx.c), so the set sits below both and knows neither.
 */
#ifndef ENT_SERVICE_INFLIGHT_H
#define ENT_SERVICE_INFLIGHT_H

#include <entitled.h>

struct ent_inflight;

/* An empty set, freed with ent_inflight_free(); NULL when out of memory. */
struct ent_inflight *ent_inflight_new(void);

/* Frees the set and whatever it still holds; NULL passes. */
void ent_inflight_free(struct ent_inflight *set);

/*
 * Adds (key_id, idem_key) to the set. Errors: ENT_ECONFLICT (already in), ENT_ENOMEM.
 * THREAD SAFETY: any thread.
 */
int ent_inflight_mark(struct ent_inflight *set, const char *key_id, const char *idem_key);

/* Removes (key_id, idem_key) from the set; a pair not in it is ignored. THREAD SAFETY: any. */
void ent_inflight_unmark(struct ent_inflight *set, const char *key_id, const char *idem_key);

#endif /* ENT_SERVICE_INFLIGHT_H */
