/* SPDX-License-Identifier: MIT */
/*
 * timed.h: the events no request causes (webhooks, issue 15), emitted by the scheduler thread
 * of delivery.c.
 */
#ifndef ENT_SERVICE_TIMED_H
#define ENT_SERVICE_TIMED_H

#include <entitled.h>

/*
 * Emits, in one write transaction, the events whose moment fell since the store's mark (the
 * last tick of any daemon) and moves the mark to half a second before now (timed.c, TRAIL_MS:
 * the writes that set a moment have committed by then): usage.window_reset, entitlement.started,
 * entitlement.expired, lease.expiring, lease.expired, activation.expired and seats.available.
 * The mark is locked while it runs, so across daemons each moment is emitted once. Failures are
 * logged; the next tick tries the same span again.
 */
void ent_timed_tick(struct ent_app *app, ent_encode_fn encode);

#endif /* ENT_SERVICE_TIMED_H */
