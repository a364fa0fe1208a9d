/* SPDX-License-Identifier: MIT */
/*
 * timed.h: the events no request causes (webhooks, issue 15), emitted by the scheduler thread
 * of delivery.c.
 */
#ifndef ENT_SERVICE_TIMED_H
#define ENT_SERVICE_TIMED_H

#include <stdbool.h>

#include <entitled.h>

struct ent_ctx;

/*
 * Emits, in one write transaction, the events whose moment fell since the store's mark (the
 * last tick of any daemon) and moves the mark to half a second before now (timed.c, TRAIL_MS:
 * the writes that set a moment have committed by then): usage.window_reset, entitlement.started,
 * entitlement.expired, lease.expiring, lease.expired, activation.expired and seats.available.
 * The mark is locked while it runs, so across daemons each moment is emitted once. Failures are
 * logged; the next tick tries the same span again. While no endpoint of the outbox wants one of
 * these events, it does nothing at all (no transaction).
 */
void ent_timed_tick(struct ent_app *app, ent_encode_fn encode);

/* True when the endpoint w is enabled and wants one of the events ent_timed_tick emits. */
bool ent_timed_wanted_by(const struct ent_webhook *w);

/*
 * Inside the write that makes an endpoint want timed events (created, enabled, or given such
 * events), before that write changes the endpoint: when no enabled endpoint wanted any, the
 * scheduler has not been looking, and a mark older than two seconds moves to the write's time, so
 * the endpoint gets no history. Errors: ENT_ESTORE, ENT_ENOMEM.
 */
int ent_timed_wake(struct ent_ctx *ctx);

#endif /* ENT_SERVICE_TIMED_H */
