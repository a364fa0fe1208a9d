/* SPDX-License-Identifier: MIT */
/*
 * writes.h: the write transaction every change goes through: begin, then the change and its
 * audit event, then commit with the idempotent answer recorded in the same transaction and the
 * caches the change made stale dropped before it is acknowledged; or fail, which rolls back. In
 * batch mode (imports.c) the changes share one transaction and a commit holds the change.
 */
#ifndef ENT_SERVICE_WRITES_H
#define ENT_SERVICE_WRITES_H

#include <entitled.h>

/* Opens the write transaction of a change. Errors: ENT_EBUSY, ENT_ESTORE. */
int ent_writes_begin(struct ent_ctx *ctx);

/*
 * Commits the change. When the request is bound to an Idempotency-Key, the answer (status and
 * the encoded object) is recorded first, in the same transaction. On failure the transaction
 * is rolled back. Once committed (in batch mode: held), the cached catalog, when the change
 * touched it, and the snapshots of the accounts it touched are dropped, so the caller answers
 * with nothing stale left. Errors: ENT_ECONFLICT (the same key was recorded meanwhile),
 * ENT_ESTORE.
 */
int ent_writes_commit(struct ent_ctx *ctx, int status, enum ent_kind kind, const void *object);

/*
 * Ends a failed change: rolls back the open write (if any) and returns rc, recorded in err. A
 * code the checks recorded already (field errors, a conflict, a missing object with its
 * message) stands; any other code is a store failure and replaces what err held, so that an
 * internal error carries no field details. err must not be NULL.
 */
int ent_writes_fail(struct ent_ctx *ctx, int rc, struct ent_error *err);

/* Rolls back the open write transaction, if any. */
void ent_writes_abort(struct ent_ctx *ctx);

/*
 * In batch mode, after the shared transaction was rolled back: the changes held since the last
 * batch commit are lost (counted in ent_ctx_batch_discarded()).
 */
void ent_writes_batch_lost(struct ent_ctx *ctx);

#endif /* ENT_SERVICE_WRITES_H */
