/* SPDX-License-Identifier: MIT */
/*
 * consumption.h: what consumption.c lends usage.c: one consumption event recorded inside a
 * write transaction usage.c opened (a batch of usage events may name entitlements).
 */
#ifndef ENT_SERVICE_CONSUMPTION_H
#define ENT_SERVICE_CONSUMPTION_H

#include <entitled.h>

/*
 * Records one consumption event (see ent_consumption_record() in entitled.h) inside the open
 * write transaction: every check, the replay of an idempotency key (status 200, nothing written),
 * the refusal of an enforced event past the units (ENT_ELIMIT, out filled, nothing written), or
 * the event (status 201). A failure of the event leaves the transaction usable.
 * Errors: those of ent_consumption_record(); ENT_ECONFLICT without a message in err when the
 * idempotency key was taken under the check (the caller answers the stored event).
 */
int ent_consumption_apply(struct ent_ctx *ctx, const struct ent_usage_input *in,
                          struct ent_usage_result *out, struct ent_error *err);

/*
 * Answers the event the entitlement in->entitlement recorded under in->idempotency_key, as a
 * replay (status 200), on the context's session. Errors: ENT_ENOTFOUND, ENT_ESTORE, ENT_ENOMEM.
 */
int ent_consumption_replay(struct ent_ctx *ctx, const struct ent_usage_input *in,
                           struct ent_usage_result *out);

#endif /* ENT_SERVICE_CONSUMPTION_H */
