/* SPDX-License-Identifier: MIT */
/*
 * outbox.h: the outbox of webhooks (issue 15): the messages a change causes, written in the
 * change's own write transaction, one per endpoint that subscribes to its type, so that a
 * committed change always has its messages and a rolled-back one never does. The enabled
 * endpoints are kept in memory (refreshed at every change of an endpoint by this daemon, and
 * every second from the store for the changes of other daemons), so a change that no endpoint
 * wants writes nothing more. The body of a message is the Standard Webhooks format,
 * {"type", "timestamp", "data"}: a format of its own, written here.
 */
#ifndef ENT_SERVICE_OUTBOX_H
#define ENT_SERVICE_OUTBOX_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include <entitled.h>

struct ent_outbox;

/* A field of the data of a message that is no audit event. */
struct ent_outbox_field {
    const char *name;
    enum { ENT_OUTBOX_STR, ENT_OUTBOX_INT, ENT_OUTBOX_TIME, ENT_OUTBOX_NULL } kind;
    const char *s; /* ENT_OUTBOX_STR; NULL writes null */
    int64_t i;     /* ENT_OUTBOX_INT, ENT_OUTBOX_TIME (ENT_TIME_NONE writes null) */
};

/* Which endpoints a message that is no audit event goes to, beyond its type and account. */
struct ent_outbox_filter {
    int threshold;      /* > 0: only endpoints that set this usage threshold */
    int64_t lease_days; /* > 0: only endpoints whose lease_expiring_days is this */
};

/* A new outbox with no endpoint; NULL when out of memory. */
struct ent_outbox *ent_outbox_new(void);

/* Frees the outbox; NULL is accepted. */
void ent_outbox_free(struct ent_outbox *o);

/*
 * Reads the enabled endpoints from the store on sess and makes them the set the outbox matches
 * against. Errors: ENT_ESTORE, ENT_ENOMEM (the set is left as it was).
 */
int ent_outbox_refresh(struct ent_outbox *o, struct ent_store_session *sess);

/*
 * Inside the write transaction of the audit event e: writes one message carrying e to every
 * enabled endpoint whose patterns match e->type (and whose account, if any, is e->account).
 * Errors: ENT_ESTORE, ENT_ENOMEM.
 */
int ent_outbox_event(struct ent_ctx *ctx, const struct ent_event *e);

/*
 * Inside a write transaction: writes a message of type with data {fields} for account_id
 * (NULL: none) to every enabled endpoint that matches type, the account and filter.
 * Errors: ENT_ESTORE, ENT_ENOMEM.
 */
int ent_outbox_emit(struct ent_ctx *ctx, const char *type, const char *account_id,
                    const struct ent_outbox_field *fields, size_t n_fields,
                    const struct ent_outbox_filter *filter);

/*
 * The hot path of usage: true when some enabled endpoint wants usage.threshold_crossed (one
 * atomic read). Then ent_outbox_usage, inside the transaction of a recorded event that took
 * the usage of a metered feature from `before` to `after` against limit, writes one
 * usage.threshold_crossed per threshold crossed (to the endpoints that set it) and remembers
 * the window for its usage.window_reset. Errors: ENT_ESTORE, ENT_ENOMEM.
 */
bool ent_outbox_watches_usage(const struct ent_outbox *o);
int ent_outbox_usage(struct ent_ctx *ctx, const char *account_id, const char *feature_id,
                     const char *feature_key, int64_t before, int64_t after, int64_t limit,
                     int64_t window_start_ms, int64_t window_end_ms);

/* True when some enabled endpoint wants a timed event (ent_webhook_wants_timed), as last read
 * (one atomic read). */
bool ent_outbox_wants_timed(const struct ent_outbox *o);

/* How many endpoints are enabled, as last read (no store call). */
size_t ent_outbox_enabled(struct ent_outbox *o);

/* True when some enabled endpoint wants messages of type (no store call). */
bool ent_outbox_wants(struct ent_outbox *o, const char *type);

/*
 * The lease_expiring_days of the enabled endpoints that want lease.expiring, each once. OUT
 * days (cap entries). Returns how many.
 */
size_t ent_outbox_lease_days(struct ent_outbox *o, int64_t *days, size_t cap);

/*
 * Wakes the delivery workers after a commit that wrote messages; wait sleeps until woken or
 * timeout_ms passes (or stop is set). THREAD SAFETY: any thread.
 */
void ent_outbox_nudge(struct ent_outbox *o);
void ent_outbox_wait(struct ent_outbox *o, int64_t timeout_ms, const atomic_bool *stop);

/* Wakes every waiter for good (the workers stop). */
void ent_outbox_wake_all(struct ent_outbox *o);

#endif /* ENT_SERVICE_OUTBOX_H */
