/* SPDX-License-Identifier: MIT */
/*
 * idempotency.h: Idempotency-Key records, kept in the store for 24 hours and written in the
 * same transaction as the change they answer for.
 */
#ifndef ENT_SERVICE_IDEMPOTENCY_H
#define ENT_SERVICE_IDEMPOTENCY_H

#include <entitled.h>

#define ENT_IDEMPOTENCY_TTL_MS (24LL * 3600 * 1000)
#define ENT_IDEMPOTENCY_KEY_MAX 255

/*
 * Records the answer of the context's current write under its Idempotency-Key, inside the
 * open transaction. Errors: ENT_ECONFLICT (recorded meanwhile by another daemon), ENT_ESTORE.
 */
int ent_idempotency_record(struct ent_ctx *ctx, int status, enum ent_kind kind, const void *object);

#endif /* ENT_SERVICE_IDEMPOTENCY_H */
