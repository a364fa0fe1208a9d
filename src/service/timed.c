/* SPDX-License-Identifier: MIT */
/*
 * timed.c: the events no request causes (see timed.h). Entitlements, leases and activations
 * expire by their dates without any write (their status is derived when asked), so the
 * scheduler looks for the moments that fell in (mark, now] and records them: as audit events
 * (entitlement.started, entitlement.expired, lease.expired, activation.expired: every audit
 * event reaches the outbox) or as messages of their own (usage.window_reset, lease.expiring,
 * seats.available). No SQL and no JSON here.
 */
#include "service/timed.h"

#include <stdio.h>
#include <string.h>

#include "core/webhook.h"
#include "service/ctx.h"
#include "service/events.h"
#include "service/grants.h"
#include "service/outbox.h"
#include "service/writes.h"

#define LEASE_DAYS_MAX 16
#define DAY_MS (86400LL * 1000)

/*
 * How far behind the clock the scheduler looks. A write reads the clock when its request starts
 * and commits a little later; a moment it sets at that time or before (a lease created inside
 * its lead time is expiring at once) becomes visible only when it commits. Looking for
 * (mark, now - TRAIL_MS] instead of (mark, now] leaves the write that long to commit before
 * the tick that covers its moment looks (a tick that looked earlier saw no row and moved the
 * mark past the moment: the event was lost). Half a second, with a tick every 250 ms, keeps
 * timed events within a second of their moment (README, "Webhooks").
 */
#define TRAIL_MS 500

/*
 * While no endpoint wants a timed event the scheduler does not look, and writes nothing: an idle
 * daemon does not commit four times a second. The mark then stands still; the write that makes an
 * endpoint want one again (ent_timed_wake) moves it to its own time when it is older than this,
 * so the endpoint gets what happens from then on, not what passed while no one looked. A mark
 * younger than this is left, as another daemon may be looking from it (its endpoints' write
 * committed just before).
 */
#define IDLE_MS 2000

/* usage.window_reset for each window that crossed a threshold and ended in (from, to]. */
static int
window_resets(struct ent_ctx *ctx, int64_t from, int64_t to)
{
    struct ent_store_window *w = NULL;
    size_t n = 0;
    int rc = ctx->sess->ops->webhook_windows_ended(ctx->sess, &ctx->arena, from, to, &w, &n);
    for (size_t i = 0; rc == ENT_OK && i < n; i++) {
        const struct ent_outbox_field fields[] = {
            {.name = "account", .kind = ENT_OUTBOX_STR, .s = w[i].account_id},
            {.name = "feature_id", .kind = ENT_OUTBOX_STR, .s = w[i].feature_id},
            {.name = "threshold", .kind = ENT_OUTBOX_INT, .i = w[i].threshold},
            {.name = "window_start", .kind = ENT_OUTBOX_TIME, .i = w[i].start_ms},
            {.name = "window_end", .kind = ENT_OUTBOX_TIME, .i = w[i].end_ms},
        };
        rc = ent_outbox_emit(ctx, "usage.window_reset", w[i].account_id, fields,
                             sizeof(fields) / sizeof(fields[0]), NULL);
    }
    return rc;
}

/* entitlement.started and entitlement.expired. */
static int
entitlements(struct ent_ctx *ctx, int64_t from, int64_t to)
{
    for (int ends = 0; ends < 2; ends++) {
        struct ent_entitlement *e = NULL;
        size_t n = 0;
        int rc = ctx->sess->ops->timed_entitlements(ctx->sess, &ctx->arena, from, to, ends, &e, &n);
        for (size_t i = 0; rc == ENT_OK && i < n; i++) {
            e[i].status = ends ? ENT_ENTITLEMENT_EXPIRED : ENT_ENTITLEMENT_ACTIVE;
            ent_grants_units(&e[i]); /* a service's units, as every answer shows them */
            rc = ent_events_record(ctx, ends ? "entitlement.expired" : "entitlement.started",
                                   e[i].account_id, e[i].id, ENT_KIND_ENTITLEMENT, NULL, &e[i]);
        }
        if (rc < 0)
            return rc;
    }
    return ENT_OK;
}

/* lease.expired, and lease.expiring for each lead time an endpoint asks for. */
static int
leases(struct ent_ctx *ctx, int64_t from, int64_t to)
{
    struct ent_lease *l = NULL;
    size_t n = 0;
    int rc = ctx->sess->ops->timed_leases(ctx->sess, &ctx->arena, from, to, 0, &l, &n);
    for (size_t i = 0; rc == ENT_OK && i < n; i++) {
        l[i].status = ENT_LEASE_EXPIRED;
        rc = ent_events_record(ctx, "lease.expired", l[i].account_id, l[i].id, ENT_KIND_LEASE, NULL,
                               &l[i]);
    }
    int64_t days[LEASE_DAYS_MAX];
    size_t n_days = ent_outbox_lease_days(ctx->app->outbox, days, LEASE_DAYS_MAX);
    for (size_t d = 0; rc == ENT_OK && d < n_days; d++) {
        rc = ctx->sess->ops->timed_leases(ctx->sess, &ctx->arena, from, to, days[d] * DAY_MS, &l,
                                          &n);
        for (size_t i = 0; rc == ENT_OK && i < n; i++) {
            const struct ent_outbox_field fields[] = {
                {.name = "lease", .kind = ENT_OUTBOX_STR, .s = l[i].id},
                {.name = "account", .kind = ENT_OUTBOX_STR, .s = l[i].account_id},
                {.name = "product", .kind = ENT_OUTBOX_STR, .s = l[i].product},
                {.name = "valid_until", .kind = ENT_OUTBOX_TIME, .i = l[i].valid_until_ms},
                {.name = "days", .kind = ENT_OUTBOX_INT, .i = days[d]},
            };
            struct ent_outbox_filter filter = {.lease_days = days[d]};
            rc = ent_outbox_emit(ctx, "lease.expiring", l[i].account_id, fields,
                                 sizeof(fields) / sizeof(fields[0]), &filter);
        }
    }
    return rc;
}

/* activation.expired (and the seat it frees: seats.available). */
static int
activations(struct ent_ctx *ctx, int64_t from, int64_t to)
{
    struct ent_activation *a = NULL;
    size_t n = 0;
    int rc = ctx->sess->ops->timed_activations(ctx->sess, &ctx->arena, from, to, &a, &n);
    for (size_t i = 0; rc == ENT_OK && i < n; i++) {
        a[i].status = ENT_ACTIVATION_EXPIRED;
        a[i].expires_at_ms = a[i].last_heartbeat_ms + a[i].ttl_s * 1000;
        rc = ent_events_record(ctx, "activation.expired", a[i].account_id, a[i].id,
                               ENT_KIND_ACTIVATION, NULL, &a[i]);
        if (rc == ENT_OK) {
            const struct ent_outbox_field fields[] = {
                {.name = "account", .kind = ENT_OUTBOX_STR, .s = a[i].account_id},
                {.name = "feature", .kind = ENT_OUTBOX_STR, .s = a[i].feature},
                {.name = "activation_id", .kind = ENT_OUTBOX_STR, .s = a[i].activation_id},
                {.name = "freed_by", .kind = ENT_OUTBOX_STR, .s = a[i].id},
            };
            rc = ent_outbox_emit(ctx, "seats.available", a[i].account_id, fields,
                                 sizeof(fields) / sizeof(fields[0]), NULL);
        }
    }
    return rc;
}

bool
ent_timed_wanted_by(const struct ent_webhook *w)
{
    return w->enabled && ent_webhook_wants_timed(w->events, w->n_events);
}

int
ent_timed_wake(struct ent_ctx *ctx)
{
    struct ent_webhook *hooks = NULL;
    size_t n = 0;
    int rc = ctx->sess->ops->webhooks_enabled(ctx->sess, &ctx->arena, &hooks, &n);
    for (size_t i = 0; rc == ENT_OK && i < n; i++) {
        if (ent_timed_wanted_by(&hooks[i]))
            return ENT_OK; /* the scheduler looks already: its mark is current */
    }
    int64_t to = ctx->now_ms - TRAIL_MS;
    int64_t mark = to;
    if (rc == ENT_OK)
        rc = ctx->sess->ops->webhook_clock_take(ctx->sess, to, &mark);
    if (rc == ENT_OK && mark < to - IDLE_MS)
        rc = ctx->sess->ops->webhook_clock_set(ctx->sess, to);
    return rc;
}

void
ent_timed_tick(struct ent_app *app, ent_encode_fn encode)
{
    if (!ent_outbox_wants_timed(app->outbox))
        return; /* nothing to look for, and nothing written (IDLE_MS) */
    struct ent_ctx *ctx = NULL;
    if (ent_ctx_new(app, ent_app_now(app), &ctx) < 0)
        return;
    ent_ctx_set_encoder(ctx, encode);
    int64_t to = ctx->now_ms - TRAIL_MS;
    int64_t from = to;
    int rc = ent_writes_begin(ctx);
    if (rc == ENT_OK)
        rc = ctx->sess->ops->webhook_clock_take(ctx->sess, to, &from);
    bool moved = rc == ENT_OK && from < to;
    /* Only what some endpoint wants is looked for; the mark moves on either way, so an endpoint
     * that wants more gets what happens after it, not a history. */
    struct ent_outbox *o = app->outbox;
    if (moved && ent_outbox_wants(o, "usage.window_reset"))
        rc = window_resets(ctx, from, to);
    if (moved && rc == ENT_OK &&
        (ent_outbox_wants(o, "entitlement.started") || ent_outbox_wants(o, "entitlement.expired")))
        rc = entitlements(ctx, from, to);
    if (moved && rc == ENT_OK &&
        (ent_outbox_wants(o, "lease.expired") || ent_outbox_wants(o, "lease.expiring")))
        rc = leases(ctx, from, to);
    if (moved && rc == ENT_OK &&
        (ent_outbox_wants(o, "activation.expired") || ent_outbox_wants(o, "seats.available")))
        rc = activations(ctx, from, to);
    if (moved && rc == ENT_OK)
        rc = ctx->sess->ops->webhook_clock_set(ctx->sess, to);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 200, ENT_KIND_WEBHOOK, NULL);
    if (rc < 0) {
        ent_writes_abort(ctx);
        fprintf(stderr, "entitled: webhooks: timed events: %s (tried again at the next tick)\n",
                ent_error_name(rc));
    }
    ent_ctx_free(ctx);
}
