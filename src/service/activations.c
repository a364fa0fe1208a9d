/* SPDX-License-Identifier: MIT */
/*
 * activations.c: seats (DESIGN.md "Activation"). A machine, named by its fingerprint, holds one
 * seat of a feature of an account (limit: the account's effective value of the feature, as
 * evaluation answers it) or of one entitlement named by its activation id (limit: quantity x
 * quantity_per_copy). The same fingerprint again is the same activation. A floating activation
 * (ttl_s) holds its seat only while heartbeats come; a dead one is revived, never duplicated,
 * and only into a free seat. This file owns those rules, deactivation, heartbeats and the
 * account-key isolation of activation reads; no SQL and no JSON here.
 *
 * Invariants:
 *  - A seat is taken (insert or revival) only inside one write transaction that counted the
 *    live seats of its scope first; writers of one scope take turns (BEGIN IMMEDIATE on SQLite;
 *    on PostgreSQL find and count lock the scope's account or entitlement row), so the count
 *    is exact, also between daemons.
 *  - Liveness inside those transactions is judged at the "seat time" (seat_time()): never
 *    earlier than any seat taken before. Requests are timed when they arrive but serialize
 *    later, so a slow request could otherwise find alive (and refresh) an activation that a
 *    later-timed one had already found dead and given away.
 *  - Status and expiry are derived, never stored: at the context's time for reads, at the seat
 *    time for writes.
 *  - Every failure after ent_writes_begin() leaves through ent_writes_fail(), which rolls
 *    back; after a commit the account's snapshot is dropped, so evaluation sees the seats.
 */
#include <stdio.h>
#include <string.h>

#include "core/evaluate.h"
#include "service/cache.h"
#include "service/ctx.h"
#include "service/events.h"
#include "service/fields.h"
#include "service/grants.h"
#include "service/licenses.h"
#include "service/lists.h"
#include "service/outbox.h"
#include "service/writes.h"
#include <entitled.h>

#define FINGERPRINT_MAX 256
#define ACTIVATION_NAME_MAX 200
#define TTL_MIN_S 10
#define TTL_MAX_S 2592000
#define NO_LIMIT (-1)

/* Where a seat is counted, and how many there are. */
struct seat_scope {
    char account_id[37];
    char feature_id[37];     /* a feature of the account; empty for an entitlement's seat */
    const char *feature;     /* that feature's key */
    char entitlement_id[37]; /* an entitlement; empty for a feature's seat */
    const char *activation_id;
    int64_t limit; /* NO_LIMIT: unlimited */
};

static void derive(struct ent_activation *act, int64_t at_ms);
static int64_t seat_time(struct ent_ctx *ctx);
static bool fingerprint_valid(const char *s);
static void check_input(const struct ent_activation_input *in, bool account_key,
                        struct ent_error *err);
static int resolve_account(struct ent_ctx *ctx, const char *ref, char *account_id,
                           struct ent_error *err);
static int resolve_feature(struct ent_ctx *ctx, const char *ref, struct seat_scope *sc,
                           struct ent_error *err);
static int limit_of(struct ent_ctx *ctx, const struct ent_catalog *cat,
                    const struct ent_snapshot *snap, long fi, int64_t at_ms, int64_t *limit);
static int feature_limit(struct ent_ctx *ctx, const char *account_id, const char *feature_id,
                         int64_t *limit);
static int64_t entitlement_limit(const struct ent_ctx *ctx, const struct ent_entitlement *e);
static int resolve_entitlement_scope(struct ent_ctx *ctx, const char *activation_id,
                                     struct seat_scope *sc, struct ent_error *err);
static int resolve_scope(struct ent_ctx *ctx, const struct ent_activation_input *in,
                         struct seat_scope *sc, struct ent_error *err);
static int check_free_seat(struct ent_ctx *ctx, const struct seat_scope *sc, int64_t at_ms,
                           struct ent_error *err);
static int seats_event(struct ent_ctx *ctx, const struct seat_scope *sc, const char *type,
                       int64_t at_ms, int64_t live_when);
static int reuse(struct ent_ctx *ctx, const struct seat_scope *sc,
                 const struct ent_activation_input *in, int64_t at_ms, struct ent_activation *act,
                 struct ent_error *err);
static int take_seat(struct ent_ctx *ctx, const struct seat_scope *sc,
                     const struct ent_activation_input *in, struct ent_activation *act, bool *made,
                     struct ent_error *err);
static int load_activation(struct ent_ctx *ctx, const char *id, struct ent_activation *out,
                           struct ent_error *err);
static int scope_of(struct ent_ctx *ctx, const struct ent_activation *act, struct seat_scope *sc);
static int beat(struct ent_ctx *ctx, const struct seat_scope *sc, struct ent_activation *act,
                struct ent_error *err);
static int load_listed(struct ent_ctx *ctx, struct ent_store_session *sess, const char *id,
                       void *out);
static int status_filter(struct ent_ctx *ctx, const char *value, struct ent_store_query *forced);

/* ------------------------------------------------------------------------------------------ */
/* Shared helpers                                                                              */
/* ------------------------------------------------------------------------------------------ */

/*
 * Sets act's status and expiry at at_ms: deactivated once released; expired when floating and
 * its last heartbeat + ttl is not after at_ms; else active.
 */
static void
derive(struct ent_activation *act, int64_t at_ms)
{
    act->expires_at_ms =
        act->ttl_s > 0 ? act->last_heartbeat_ms + act->ttl_s * 1000 : ENT_TIME_NONE;
    if (act->deactivated_ms != ENT_TIME_NONE)
        act->status = ENT_ACTIVATION_DEACTIVATED;
    else if (act->ttl_s > 0 && act->expires_at_ms <= at_ms)
        act->status = ENT_ACTIVATION_EXPIRED;
    else
        act->status = ENT_ACTIVATION_ACTIVE;
}

/*
 * The time liveness is judged at inside a seat-taking write: the latest of the context's time,
 * the store's clock now, and the time of the last id made (every seat taken records an event,
 * whose id advances the application's id clock to at least the time its write judged liveness
 * at). Call inside the write transaction, after the scope is locked (on PostgreSQL, reading the
 * activation or finding a fingerprint locks it), so that every seat-taking write that went
 * before, by this daemon or another, judged at an earlier time.
 */
static int64_t
seat_time(struct ent_ctx *ctx)
{
    int64_t last = (int64_t)(atomic_load(&ctx->app->id_clock) >> 12);
    int64_t now = ent_app_now(ctx->app);
    int64_t at = last > ctx->now_ms ? last : ctx->now_ms;
    return now > at ? now : at;
}

/* True when s is 1 to FINGERPRINT_MAX characters (UTF-8), none of them a control character. */
static bool
fingerprint_valid(const char *s)
{
    if (!s || !s[0])
        return false;
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return false;
        if ((*p & 0xc0) != 0x80)
            chars++;
    }
    return chars <= FINGERPRINT_MAX;
}

/*
 * Checks the fields of an activation that need no store: the scope is either feature (with an
 * account, which an account key may leave out) or activation_id, not both; fingerprint, name,
 * metadata and ttl_s. Records field errors in err.
 */
static void
check_input(const struct ent_activation_input *in, bool account_key, struct ent_error *err)
{
    if (in->activation_id) {
        if (in->feature)
            ent_error_field(err, "feature", "must be left out with activation_id");
        if (in->account)
            ent_error_field(err, "account", "must be left out with activation_id");
        if (!in->activation_id[0])
            ent_error_field(err, "activation_id", "must not be empty");
    } else {
        if (!in->feature || !in->feature[0])
            ent_error_field(err, "feature", "is required (or activation_id)");
        if (!account_key && (!in->account || !in->account[0]))
            ent_error_field(err, "account", "is required with feature");
    }
    if (!fingerprint_valid(in->fingerprint))
        ent_error_field(err, "fingerprint",
                        "is required: 1 to %d characters, no control characters", FINGERPRINT_MAX);
    ent_fields_text(err, "name", in->name, ACTIVATION_NAME_MAX);
    ent_fields_attributes(err, "metadata", in->metadata);
    if (in->ttl_s != 0 && (in->ttl_s < TTL_MIN_S || in->ttl_s > TTL_MAX_S))
        ent_error_field(err, "ttl_seconds", "must be 0 (not floating) or %d to %d", TTL_MIN_S,
                        TTL_MAX_S);
}

/*
 * Resolves the account of a feature's seat. An admin key names it (unknown: a field error on
 * "account"). A key bound to an account activates for that account alone: it may leave ref
 * out, and a ref naming any other account, existing or not, answers ENT_ENOTFOUND.
 * OUT account_id (37 bytes). Errors: ENT_ENOTFOUND, ENT_ESTORE, ENT_ENOMEM (field errors
 * return ENT_OK).
 */
static int
resolve_account(struct ent_ctx *ctx, const char *ref, char *account_id, struct ent_error *err)
{
    if (ctx->principal.scope != ENT_SCOPE_ACCOUNT)
        return ent_grants_resolve_account(ctx, ref, "account", account_id, err);
    struct ent_account own;
    int rc = ent_ctx_own_account(ctx, ref, &own);
    rc = ent_ctx_found(ctx, rc, NULL, "account", ref ? ref : ctx->principal.account_id, err);
    if (rc == ENT_OK)
        memcpy(account_id, own.id, 37);
    return rc;
}

/*
 * Resolves the feature of a seat (id or key): unknown, or without activations_enabled, is a
 * field error on "feature". OUT sc->feature_id, sc->feature.
 * Errors: ENT_ESTORE, ENT_ENOMEM (field errors return ENT_OK).
 */
static int
resolve_feature(struct ent_ctx *ctx, const char *ref, struct seat_scope *sc, struct ent_error *err)
{
    struct ent_feature f;
    int rc = ctx->sess->ops->feature_get(ctx->sess, &ctx->arena, ref, &f);
    if (rc == ENT_ENOTFOUND) {
        ent_error_field(err, "feature", "no such feature");
        return ENT_OK;
    }
    if (rc < 0)
        return rc;
    if (!f.activations_enabled)
        ent_error_field(err, "feature", "does not have activations enabled");
    memcpy(sc->feature_id, f.id, sizeof(sc->feature_id));
    sc->feature = f.key;
    return ENT_OK;
}

/*
 * The seats the snapshot's account holds of catalog feature fi at at_ms: the limit evaluation
 * answers (OUT limit; errors: ENT_ENOMEM); NO_LIMIT when unlimited, or when a granted feature has
 * no number (a switch that is on, a custom level); 0 when not granted or granted as zero.
 */
static int
limit_of(struct ent_ctx *ctx, const struct ent_catalog *cat, const struct ent_snapshot *snap,
         long fi, int64_t at_ms, int64_t *limit)
{
    struct ent_grant buf[16];
    const struct ent_grant *grants = NULL;
    size_t n = 0;
    int rc = ent_cache_grants(ctx, snap, fi, buf, 16, &grants, &n);
    if (rc < 0)
        return rc;
    struct ent_evaluation ev;
    ent_evaluate(&cat->features[fi].feature, grants, n, at_ms, 0, &ev);
    if (!ev.granted)
        *limit = 0;
    else if (ev.unlimited)
        *limit = NO_LIMIT;
    else if (ev.has_limit)
        *limit = ev.limit > 0 ? ev.limit : 0;
    else
        *limit = ev.value ? NO_LIMIT : 0;
    return ENT_OK;
}

/*
 * The limit of a feature's seats for an account now, from the catalog and the account's
 * snapshot, as evaluation computes it. Not inside a write transaction: the catalog may be
 * rebuilt in a read transaction of its own. Errors: ENT_ENOTFOUND (no such account),
 * ENT_ESTORE, ENT_ENOMEM.
 */
static int
feature_limit(struct ent_ctx *ctx, const char *account_id, const char *feature_id, int64_t *limit)
{
    struct ent_catalog *cat = NULL;
    struct ent_snapshot *snap = NULL;
    int rc = ent_cache_catalog(ctx, &cat);
    if (rc < 0)
        return rc;
    rc = ent_cache_snapshot(ctx, cat, account_id, &snap);
    if (rc == ENT_OK) {
        long fi = ent_cache_feature_index(cat, feature_id);
        *limit = 0;
        if (fi >= 0)
            rc = limit_of(ctx, cat, snap, fi, ctx->now_ms, limit);
        ent_cache_release(ctx->app, snap);
    }
    ent_cache_catalog_release(ctx->app, cat);
    return rc;
}

/* The seats of an entitlement now: quantity x quantity_per_copy while in force, else 0. */
static int64_t
entitlement_limit(const struct ent_ctx *ctx, const struct ent_entitlement *e)
{
    if (ent_grants_status_at(e, ctx->now_ms) != ENT_ENTITLEMENT_ACTIVE)
        return 0;
    int64_t seats;
    if (__builtin_mul_overflow(e->quantity, e->quantity_per_copy, &seats))
        return NO_LIMIT;
    return seats > 0 ? seats : 0;
}

/*
 * Resolves the entitlement of a seat by its activation id. Unknown, or another account's for
 * an account key, answers ENT_ENOTFOUND (the key must not learn that it exists); one that is
 * not in force now is a field error on "activation_id"; one whose line item is not activatable
 * (seed 004) is ENT_ENOTACTIVATABLE. OUT the scope and its limit.
 * Errors: ENT_ENOTFOUND, ENT_ENOTACTIVATABLE, ENT_ESTORE, ENT_ENOMEM (field errors return
 * ENT_OK).
 */
static int
resolve_entitlement_scope(struct ent_ctx *ctx, const char *activation_id, struct seat_scope *sc,
                          struct ent_error *err)
{
    struct ent_entitlement e;
    int rc = ctx->sess->ops->entitlement_get(ctx->sess, &ctx->arena, activation_id, &e);
    rc = ent_ctx_found(ctx, rc, e.account_id, "entitlement with activation id", activation_id, err);
    if (rc < 0)
        return rc;
    enum ent_entitlement_status status = ent_grants_status_at(&e, ctx->now_ms);
    if (status != ENT_ENTITLEMENT_ACTIVE)
        ent_error_field(err, "activation_id", "is not in force (the entitlement is %s)",
                        ent_entitlement_status_name(status));
    else if (!e.activatable) /* seed 004: its line item is not activatable */
        return ent_error_set(err, ENT_ENOTACTIVATABLE,
                             "entitlement '%s' is not activatable; activations by it are refused",
                             e.activation_id);
    memcpy(sc->account_id, e.account_id, sizeof(sc->account_id));
    memcpy(sc->entitlement_id, e.id, sizeof(sc->entitlement_id));
    sc->activation_id = e.activation_id;
    sc->limit = entitlement_limit(ctx, &e);
    return ENT_OK;
}

/*
 * Resolves where the seat of in is counted and its limit now. OUT sc.
 * Errors: ENT_ENOTFOUND, ENT_ESTORE, ENT_ENOMEM (field errors return ENT_OK).
 */
static int
resolve_scope(struct ent_ctx *ctx, const struct ent_activation_input *in, struct seat_scope *sc,
              struct ent_error *err)
{
    struct ent_store_session *sess;
    int rc = ent_ctx_session(ctx, &sess);
    if (rc < 0)
        return rc;
    if (in->activation_id)
        return resolve_entitlement_scope(ctx, in->activation_id, sc, err);
    rc = resolve_account(ctx, in->account, sc->account_id, err);
    if (rc == ENT_OK)
        rc = resolve_feature(ctx, in->feature, sc, err);
    if (rc < 0 || ent_fields_failed(err))
        return rc;
    rc = feature_limit(ctx, sc->account_id, sc->feature_id, &sc->limit);
    return ent_ctx_found(ctx, rc, NULL, "account", sc->account_id, err);
}

/*
 * Checks, inside the write transaction, that the scope has a seat free at at_ms.
 * Errors: ENT_ESEATS (recorded in err), ENT_ESTORE.
 */
static int
check_free_seat(struct ent_ctx *ctx, const struct seat_scope *sc, int64_t at_ms,
                struct ent_error *err)
{
    if (sc->limit == NO_LIMIT)
        return ENT_OK;
    int64_t live = 0;
    int rc = ctx->sess->ops->activation_count_live(ctx->sess, sc->account_id, sc->feature_id,
                                                   sc->entitlement_id, at_ms, &live);
    if (rc < 0)
        return rc;
    if (live < sc->limit)
        return ENT_OK;
    if (sc->entitlement_id[0])
        return ent_error_set(err, ENT_ESEATS, "all %lld seat(s) of entitlement '%s' are taken",
                             (long long)sc->limit, sc->activation_id ? sc->activation_id : "");
    return ent_error_set(err, ENT_ESEATS, "all %lld seat(s) of feature '%s' are taken",
                         (long long)sc->limit, sc->feature ? sc->feature : "");
}

/* ------------------------------------------------------------------------------------------ */
/* Activate                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/*
 * Answers a fingerprint that has an activation in the scope already (act, read in the write
 * transaction). Alive: a floating one gets a heartbeat; name and metadata change when given
 * ("activation.updated" when they do); its ttl stays as it was made. Dead: revived into a free seat
 * ("activation.revived"), else ENT_ESEATS. Errors: ENT_ESEATS, ENT_ESTORE, ENT_ENOMEM.
 */
static int
reuse(struct ent_ctx *ctx, const struct seat_scope *sc, const struct ent_activation_input *in,
      int64_t at_ms, struct ent_activation *act, struct ent_error *err)
{
    derive(act, at_ms);
    bool revive = act->status == ENT_ACTIVATION_EXPIRED;
    int rc = revive ? check_free_seat(ctx, sc, at_ms, err) : ENT_OK;
    if (rc < 0)
        return rc;
    struct ent_activation before = *act;
    bool renamed = in->name && (!act->name || strcmp(act->name, in->name) != 0);
    bool remeta = in->metadata && strcmp(act->metadata, in->metadata) != 0;
    if (renamed)
        act->name = in->name;
    if (remeta)
        act->metadata = in->metadata;
    bool beats = act->ttl_s > 0 && act->last_heartbeat_ms < at_ms;
    if (beats)
        act->last_heartbeat_ms = at_ms;
    if (!renamed && !remeta && !beats)
        return ENT_OK;
    act->updated_ms = at_ms;
    derive(act, at_ms);
    rc = ctx->sess->ops->activation_update(ctx->sess, act);
    if (rc == ENT_OK && (revive || renamed || remeta))
        rc = ent_events_record(ctx, revive ? "activation.revived" : "activation.updated",
                               act->account_id, act->id, ENT_KIND_ACTIVATION, &before, act);
    if (rc == ENT_OK && revive) /* webhooks (issue 15) */
        rc = seats_event(ctx, sc, "seats.limit_reached", at_ms, sc->limit);
    return rc;
}

/*
 * Takes or finds the seat of in's fingerprint in the scope sc, inside the write transaction:
 * the fingerprint's activation when there is one (see reuse()), else a new one into a free
 * seat ("activation.created"; ENT_ESEATS when none is free). OUT act; *made when new.
 * Errors: ENT_ESEATS, ENT_ECONFLICT, ENT_ESTORE, ENT_ENOMEM.
 */
static int
take_seat(struct ent_ctx *ctx, const struct seat_scope *sc, const struct ent_activation_input *in,
          struct ent_activation *act, bool *made, struct ent_error *err)
{
    int64_t at = seat_time(ctx);
    int rc = ctx->sess->ops->activation_find(ctx->sess, &ctx->arena, sc->account_id, sc->feature_id,
                                             sc->entitlement_id, in->fingerprint, act);
    *made = false;
    if (rc == ENT_OK)
        return reuse(ctx, sc, in, at, act, err);
    if (rc != ENT_ENOTFOUND)
        return rc;
    rc = check_free_seat(ctx, sc, at, err);
    if (rc < 0)
        return rc;
    memset(act, 0, sizeof(*act));
    ent_ctx_new_id(ctx, act->id);
    memcpy(act->account_id, sc->account_id, sizeof(act->account_id));
    memcpy(act->feature_id, sc->feature_id, sizeof(act->feature_id));
    memcpy(act->entitlement_id, sc->entitlement_id, sizeof(act->entitlement_id));
    act->feature = sc->feature_id[0] ? sc->feature : NULL;
    act->activation_id = sc->entitlement_id[0] ? sc->activation_id : NULL;
    act->fingerprint = in->fingerprint;
    act->name = in->name;
    act->metadata = in->metadata ? in->metadata : "{}";
    act->ttl_s = in->ttl_s;
    act->last_heartbeat_ms = at;
    act->created_ms = at;
    act->updated_ms = at;
    act->deactivated_ms = ENT_TIME_NONE;
    derive(act, at);
    rc = ctx->sess->ops->activation_insert(ctx->sess, act);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "activation.created", act->account_id, act->id,
                               ENT_KIND_ACTIVATION, NULL, act);
    if (rc == ENT_OK) /* webhooks (issue 15): the last seat taken */
        rc = seats_event(ctx, sc, "seats.limit_reached", at, sc->limit);
    *made = rc == ENT_OK;
    return rc;
}

/*
 * webhooks (issue 15): inside the write, sends type (seats.limit_reached, seats.available) about
 * the scope sc when some endpoint wants it and the seats live at at_ms are live_when. Errors:
 * ENT_ESTORE, ENT_ENOMEM.
 */
static int
seats_event(struct ent_ctx *ctx, const struct seat_scope *sc, const char *type, int64_t at_ms,
            int64_t live_when)
{
    if (sc->limit == NO_LIMIT || !ent_outbox_wants(ctx->app->outbox, type))
        return ENT_OK;
    int64_t live = 0;
    int rc = ctx->sess->ops->activation_count_live(ctx->sess, sc->account_id, sc->feature_id,
                                                   sc->entitlement_id, at_ms, &live);
    if (rc < 0 || live != live_when)
        return rc;
    const struct ent_outbox_field fields[] = {
        {.name = "account", .kind = ENT_OUTBOX_STR, .s = sc->account_id},
        {.name = "feature", .kind = ENT_OUTBOX_STR, .s = sc->feature_id[0] ? sc->feature : NULL},
        {.name = "activation_id",
         .kind = ENT_OUTBOX_STR,
         .s = sc->entitlement_id[0] ? sc->activation_id : NULL},
        {.name = "limit", .kind = ENT_OUTBOX_INT, .i = sc->limit},
        {.name = "used", .kind = ENT_OUTBOX_INT, .i = live},
    };
    return ent_outbox_emit(ctx, type, sc->account_id, fields, sizeof(fields) / sizeof(fields[0]),
                           NULL);
}

/*
 * Takes a seat (see entitled.h). Admin keys, and keys bound to the account itself.
 * Errors: ENT_EINVAL, ENT_ENOTFOUND, ENT_ESEATS, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_activations_activate(struct ent_ctx *ctx, const struct ent_activation_input *in,
                         struct ent_activation *out, bool *created, struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    bool account_key = ctx->principal.scope == ENT_SCOPE_ACCOUNT;
    if (ctx->principal.scope != ENT_SCOPE_ADMIN && !account_key)
        return ent_error_set(err, ENT_EFORBIDDEN, "this key may not activate");
    check_input(in, account_key, err);
    if (ent_fields_failed(err))
        return ENT_EINVAL;
    struct seat_scope sc = {.limit = 0};
    int rc = resolve_scope(ctx, in, &sc, err);
    if (rc == ENT_OK && ent_fields_failed(err))
        rc = ENT_EINVAL;
    if (rc < 0)
        return err->code == rc ? rc : ent_ctx_store_error(rc, err);

    rc = ent_writes_begin(ctx);
    struct ent_activation act;
    bool made = false;
    if (rc == ENT_OK)
        rc = take_seat(ctx, &sc, in, &act, &made, err);
    if (rc == ENT_OK)
        rc = ent_ctx_touch_account(ctx, act.account_id);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, made ? 201 : 200, ENT_KIND_ACTIVATION, &act);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    *out = act;
    if (created)
        *created = made;
    return ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Read, deactivate, heartbeat                                                                 */
/* ------------------------------------------------------------------------------------------ */

/*
 * Reads an activation by id on the context's session, its status derived at the context's
 * time. A key bound to an account reads its own account's alone; any other answers
 * ENT_ENOTFOUND exactly as a missing one does.
 * Errors: ENT_ENOTFOUND (recorded in err), ENT_ESTORE, ENT_ENOMEM.
 */
static int
load_activation(struct ent_ctx *ctx, const char *id, struct ent_activation *out,
                struct ent_error *err)
{
    struct ent_store_session *sess;
    int rc = ent_ctx_session(ctx, &sess);
    if (rc < 0)
        return rc;
    rc = ENT_ENOTFOUND;
    if (id && id[0])
        rc = sess->ops->activation_get(sess, &ctx->arena, id, out);
    rc = ent_ctx_found(ctx, rc, out->account_id, "activation", id, err);
    if (rc == ENT_OK)
        derive(out, ctx->now_ms);
    return rc;
}

/*
 * Reads an activation (see entitled.h). Admin and read keys read any; a key bound to an
 * account reads its own account's alone. Errors: ENT_ENOTFOUND, ENT_EFORBIDDEN, ENT_ESTORE.
 */
int
ent_activations_get(struct ent_ctx *ctx, const char *id, struct ent_activation *out,
                    struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_owner_or_reader(ctx, err);
    struct ent_activation act;
    if (rc == ENT_OK)
        rc = load_activation(ctx, id, &act, err);
    if (rc < 0)
        return err->code == rc ? rc : ent_ctx_store_error(rc, err);
    *out = act;
    return ENT_OK;
}

/*
 * Releases a seat (see entitled.h): deactivated_ms is set and the record kept, with
 * "activation.deactivated". A deactivated one answers as it is, with no new event. Admin keys,
 * and keys bound to the activation's account.
 * Errors: ENT_ENOTFOUND, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_activations_deactivate(struct ent_ctx *ctx, const char *id, struct ent_activation *out,
                           struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    if (ctx->principal.scope != ENT_SCOPE_ADMIN && ctx->principal.scope != ENT_SCOPE_ACCOUNT)
        return ent_error_set(err, ENT_EFORBIDDEN, "this key may not deactivate");
    /* webhooks (issue 15): the scope's limit, read before the write (it needs the snapshot) */
    struct seat_scope sc = {.limit = NO_LIMIT};
    int rc = ENT_OK;
    if (ent_outbox_wants(ctx->app->outbox, "seats.available")) {
        struct ent_activation now_act;
        rc = load_activation(ctx, id, &now_act, err);
        if (rc == ENT_OK)
            rc = scope_of(ctx, &now_act, &sc);
        if (rc < 0)
            return err->code == rc ? rc : ent_ctx_store_error(rc, err);
    }
    rc = ent_writes_begin(ctx);
    struct ent_activation before, act;
    if (rc == ENT_OK)
        rc = load_activation(ctx, id, &before, err);
    if (rc == ENT_OK && before.status == ENT_ACTIVATION_DEACTIVATED) {
        ent_writes_abort(ctx);
        *out = before;
        return ENT_OK;
    }
    if (rc == ENT_OK) {
        act = before;
        act.deactivated_ms = ctx->now_ms;
        act.updated_ms = ctx->now_ms;
        derive(&act, ctx->now_ms);
        rc = ctx->sess->ops->activation_update(ctx->sess, &act);
    }
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "activation.deactivated", act.account_id, act.id,
                               ENT_KIND_ACTIVATION, &before, &act);
    if (rc == ENT_OK) /* issue 13: the licenses bound to the seat go with it */
        rc = ent_licenses_revoke_bound(ctx, act.id);
    if (rc == ENT_OK && before.status == ENT_ACTIVATION_ACTIVE) /* a full scope has a seat now */
        rc = seats_event(ctx, &sc, "seats.available", seat_time(ctx), sc.limit - 1);
    if (rc == ENT_OK)
        rc = ent_ctx_touch_account(ctx, act.account_id);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 200, ENT_KIND_ACTIVATION, &act);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    *out = act;
    return ENT_OK;
}

/*
 * The scope an existing activation holds its seat in, with its limit now (see resolve_scope()):
 * an entitlement that is gone or no longer in force has no seats. Not inside a write
 * transaction. Errors: ENT_ESTORE, ENT_ENOMEM.
 */
static int
scope_of(struct ent_ctx *ctx, const struct ent_activation *act, struct seat_scope *sc)
{
    memset(sc, 0, sizeof(*sc));
    memcpy(sc->account_id, act->account_id, sizeof(sc->account_id));
    memcpy(sc->feature_id, act->feature_id, sizeof(sc->feature_id));
    memcpy(sc->entitlement_id, act->entitlement_id, sizeof(sc->entitlement_id));
    sc->feature = act->feature;
    sc->activation_id = act->activation_id;
    int rc;
    if (act->entitlement_id[0]) {
        struct ent_entitlement e;
        rc = ctx->sess->ops->entitlement_get(ctx->sess, &ctx->arena, act->entitlement_id, &e);
        if (rc == ENT_OK)
            sc->limit = entitlement_limit(ctx, &e);
    } else {
        rc = feature_limit(ctx, act->account_id, act->feature_id, &sc->limit);
    }
    return rc == ENT_ENOTFOUND ? ENT_OK : rc; /* gone: no seats (limit 0) */
}

/*
 * Gives act its heartbeat: a deactivated one is ENT_ECONFLICT; one that is not floating is left
 * as it is (neither needs a transaction); a floating one, read in the write transaction, beats
 * when alive, and when dead is revived into a free seat ("activation.revived"), else
 * ENT_ESEATS.
 * Errors: ENT_ECONFLICT, ENT_ESEATS, ENT_ESTORE, ENT_ENOMEM.
 */
static int
beat(struct ent_ctx *ctx, const struct seat_scope *sc, struct ent_activation *act,
     struct ent_error *err)
{
    if (act->status == ENT_ACTIVATION_DEACTIVATED)
        return ent_error_set(err, ENT_ECONFLICT,
                             "the activation was deactivated; activate the fingerprint again");
    if (act->ttl_s <= 0)
        return ENT_OK;
    int64_t at = seat_time(ctx);
    derive(act, at);
    bool revive = act->status == ENT_ACTIVATION_EXPIRED;
    int rc = revive ? check_free_seat(ctx, sc, at, err) : ENT_OK;
    if (rc < 0 || act->last_heartbeat_ms >= at)
        return rc;
    struct ent_activation before = *act;
    act->last_heartbeat_ms = at;
    act->updated_ms = at;
    derive(act, at);
    rc = ctx->sess->ops->activation_update(ctx->sess, act);
    if (rc == ENT_OK && revive)
        rc = ent_events_record(ctx, "activation.revived", act->account_id, act->id,
                               ENT_KIND_ACTIVATION, &before, act);
    return rc;
}

/*
 * Keeps a floating activation alive (see entitled.h). Admin keys, and keys bound to the
 * activation's account. Errors: ENT_ENOTFOUND, ENT_ECONFLICT, ENT_ESEATS, ENT_EFORBIDDEN,
 * ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_activations_heartbeat(struct ent_ctx *ctx, const char *id, struct ent_activation *out,
                          struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    if (ctx->principal.scope != ENT_SCOPE_ADMIN && ctx->principal.scope != ENT_SCOPE_ACCOUNT)
        return ent_error_set(err, ENT_EFORBIDDEN, "this key may not send heartbeats");
    struct ent_activation act;
    struct seat_scope sc = {.limit = 0};
    int rc = load_activation(ctx, id, &act, err);
    /* Deactivation is for good and the ttl never changes: only a floating one needs a write. */
    if (rc == ENT_OK && (act.ttl_s <= 0 || act.status == ENT_ACTIVATION_DEACTIVATED)) {
        rc = beat(ctx, &sc, &act, err);
        if (rc == ENT_OK)
            *out = act;
        return rc;
    }
    /* The limit needs the catalog and a snapshot, which are read outside the write. */
    if (rc == ENT_OK)
        rc = scope_of(ctx, &act, &sc);
    if (rc == ENT_OK)
        rc = ent_writes_begin(ctx);
    if (rc == ENT_OK)
        rc = load_activation(ctx, id, &act, err);
    if (rc == ENT_OK)
        rc = beat(ctx, &sc, &act, err);
    if (rc == ENT_OK)
        rc = ent_ctx_touch_account(ctx, act.account_id);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 200, ENT_KIND_ACTIVATION, &act);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    *out = act;
    return ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Lists                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* Loads one activation for the generic list, its status derived. Errors: ENT_ENOTFOUND, … */
static int
load_listed(struct ent_ctx *ctx, struct ent_store_session *sess, const char *id, void *out)
{
    int rc = sess->ops->activation_get(sess, &ctx->arena, id, out);
    if (rc == ENT_OK)
        derive(out, ctx->now_ms);
    return rc;
}

/*
 * Turns a ?status= value into store filters at the context's time: active ones are not
 * deactivated and alive; expired ones are not deactivated, floating and dead; deactivated ones
 * were released. Errors: ENT_EINVAL (unknown status or too many filters), ENT_ENOMEM.
 */
static int
status_filter(struct ent_ctx *ctx, const char *value, struct ent_store_query *forced)
{
    enum ent_activation_status status = ent_activation_status_parse(value);
    if (!status)
        return ENT_EINVAL;
    if (status == ENT_ACTIVATION_DEACTIVATED)
        return ent_lists_add_filter(forced, "deactivated", ENT_STORE_GT, "0");
    const char *now = ent_lists_ms_text(ctx, ctx->now_ms);
    if (!now)
        return ENT_ENOMEM;
    int rc = ent_lists_add_filter(forced, "deactivated", ENT_STORE_EQ, NULL);
    if (rc == ENT_OK)
        rc = ent_lists_add_filter(forced,
                                  status == ENT_ACTIVATION_ACTIVE ? "alive_until" : "dead_before",
                                  ENT_STORE_EQ, now);
    return rc;
}

static const struct ent_list_filter activation_filters[] = {
    {.name = "account", .op = ENT_STORE_EQ, .resolve = ent_lists_resolve_account},
    {.name = "feature", .op = ENT_STORE_EQ, .resolve = ent_lists_resolve_feature},
    {.name = "entitlement", .op = ENT_STORE_EQ, .resolve = ent_lists_resolve_entitlement},
    {.name = NULL},
};

static const struct ent_list_spec activation_list = {
    .table = ENT_TABLE_ACTIVATIONS,
    .item_size = sizeof(struct ent_activation),
    .sorts = {"created_at", "updated_at", "last_heartbeat_at"},
    .filters = activation_filters,
    .load = load_listed,
};

/*
 * Lists activations (filters: account, feature, entitlement (id or activation id), status;
 * sorts: created_at, updated_at, last_heartbeat_at), each with its status derived at the
 * request's time. A reference that names nothing makes the list empty. Admin and read keys see
 * every activation; a key bound to an account sees that account's alone, through a filter the
 * request cannot lift. OUT list: items are struct ent_activation.
 * Errors: ENT_EINVAL, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_activations_list(struct ent_ctx *ctx, const struct ent_list_query *q, struct ent_list *list,
                     struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    return ent_lists_run_scoped(ctx, &activation_list, q, "account", status_filter, list, err);
}
