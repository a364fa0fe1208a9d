/* SPDX-License-Identifier: MIT */
/*
 * evaluation.c: answers "what may this account use now, and how much is left?" from the
 * in-memory catalog and the account's snapshot (cache.c), with the rules of core/evaluate.c.
 * A warm call touches no store: the key, the catalog and the snapshot all come from memory.
 */
#include "service/evaluation.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "core/evaluate.h"
#include "core/window.h"
#include "service/cache.h"
#include "service/ctx.h"
#include "service/maintenance.h"
#include <entitled.h>

#define FEATURE_NAME_MAX 200

/* True when grant g is in force at t. */
static bool
in_force(const struct ent_grant *g, int64_t t)
{
    return g->state == ENT_GRANT_ACTIVE && g->start_ms <= t &&
           (g->end_ms == ENT_TIME_NONE || t < g->end_ms);
}

static int explain_maintenance(struct ent_ctx *ctx, struct ent_feature_answer *ans, int64_t at);

/* Lists the grants in force behind an answer. */
static int
explain(struct ent_ctx *ctx, const struct ent_snapshot *snap, const struct ent_grant *grants,
        size_t n, int64_t at, struct ent_feature_answer *ans)
{
    ans->sources = ent_ctx_alloc(ctx, (n ? n : 1) * sizeof(*ans->sources));
    if (!ans->sources)
        return ENT_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (!in_force(&grants[i], at))
            continue;
        struct ent_eval_source *out = &ans->sources[ans->n_sources++];
        const char *product = NULL;
        ent_cache_source(snap, grants[i].source, out->entitlement_id, &product, &out->source);
        out->product = product ? ent_ctx_strndup(ctx, product, strlen(product)) : NULL;
        out->value = ent_ctx_strndup(ctx, grants[i].value, strlen(grants[i].value));
        if ((product && !out->product) || !out->value)
            return ENT_ENOMEM;
        out->quantity = grants[i].quantity;
        out->start_ms = grants[i].start_ms;
        out->end_ms = grants[i].end_ms;
        out->override = grants[i].override;
    }
    return explain_maintenance(ctx, ans, at);
}

/*
 * Completes each source of an explained answer with the maintenance covering its entitlement
 * at time at (seed 004: its deployed maintenance line items). Explained answers are built from
 * the store for the call, so this reads it too. Errors: ENT_ESTORE, ENT_ENOMEM.
 */
static int
explain_maintenance(struct ent_ctx *ctx, struct ent_feature_answer *ans, int64_t at)
{
    struct ent_store_session *sess;
    int rc = ans->n_sources ? ent_ctx_session(ctx, &sess) : ENT_OK;
    for (size_t i = 0; rc == ENT_OK && i < ans->n_sources; i++) {
        struct ent_eval_source *src = &ans->sources[i];
        if (src->entitlement_id[0])
            rc = ent_maintenance_at(ctx, sess, src->entitlement_id, at, &src->maintenance);
    }
    return rc;
}

/* Answers one feature (catalog index fi) for the snapshot at time at. */
/* Lowers *until to t when t is after at and before *until. */
static void
changes_at(int64_t *until, int64_t at, int64_t t)
{
    if (t > at && t < *until)
        *until = t;
}

static int
answer_feature(struct ent_ctx *ctx, const struct ent_catalog *cat, const struct ent_snapshot *snap,
               long fi, int64_t at, bool with_sources, struct ent_feature_answer *ans,
               int64_t *until)
{
    const struct ent_feature *f = &cat->features[fi].feature;
    struct ent_grant buf[16];
    const struct ent_grant *grants = NULL;
    size_t n = 0;
    int rc = ent_cache_grants(ctx, snap, fi, buf, 16, &grants, &n);
    if (rc < 0)
        return rc;
    int64_t usage = 0, window_start = 0, window_end = 0;
    /* Usage counts only against a grant: with none, there is no limit, no level and no usage
     * in the answer, and no store read (the snapshot keeps usage of granted features alone). */
    if (f->type == ENT_FEATURE_METERED && n > 0) {
        rc = ent_cache_usage(ctx, cat, snap, fi, at, &usage, &window_start, &window_end);
        if (rc < 0)
            return rc;
    } else if (f->activations_enabled) {
        usage = ent_cache_seats(snap, fi, at);
    }
    if (until) { /* the moments this answer changes by the clock alone (evaluation.h) */
        for (size_t i = 0; i < n; i++) {
            changes_at(until, at, grants[i].start_ms);
            if (grants[i].end_ms != ENT_TIME_NONE)
                changes_at(until, at, grants[i].end_ms);
        }
        if (f->type == ENT_FEATURE_METERED && n > 0 && window_end != INT64_MAX)
            changes_at(until, at, window_end);
        const struct ent_snapshot_seat *seats = ent_snapshot_seats(snap);
        for (size_t i = 0; f->activations_enabled && i < snap->n_seats; i++)
            if (seats[i].feature == (uint32_t)fi && seats[i].expires_ms != INT64_MAX)
                changes_at(until, at, seats[i].expires_ms);
    }
    struct ent_evaluation ev;
    ent_evaluate(f, grants, n, at, usage, &ev);
    /* Answers outlive the catalog and snapshot references: strings are copied. */
    ans->feature = ent_ctx_strndup(ctx, f->key, strlen(f->key));
    ans->known = true;
    ans->type = f->type;
    ans->value = ev.value;
    ans->reason = ent_reason_name(ev.reason);
    ans->level = ev.level ? ent_ctx_strndup(ctx, ev.level, strlen(ev.level)) : NULL;
    ans->unlimited = ev.unlimited;
    ans->has_limit = ev.has_limit;
    ans->limit = ev.limit;
    ans->usage = ev.usage;
    ans->remaining = ev.remaining;
    ans->expires_at_ms = ev.expires_at_ms;
    ans->resets_at_ms = ENT_TIME_NONE;
    ans->archived = f->status == ENT_STATUS_ARCHIVED;
    ans->counts_usage = f->type == ENT_FEATURE_METERED || f->activations_enabled;
    if (f->type == ENT_FEATURE_METERED && ev.granted && window_end != INT64_MAX)
        ans->resets_at_ms = window_end;
    if ((ev.level && !ans->level) || !ans->feature)
        return ENT_ENOMEM;
    return with_sources ? explain(ctx, snap, grants, n, at, ans) : ENT_OK;
}

/* Checks the feature names of a request. */
static int
check_features(const char *const *features, size_t n, struct ent_error *err)
{
    if (n > ENT_EVALUATE_MAX_FEATURES) /* none: an empty answer (API.md, seed 003) */
        return ent_error_field(err, "features", "must list at most %d features",
                               ENT_EVALUATE_MAX_FEATURES);
    for (size_t i = 0; i < n; i++) {
        if (!features[i] || !features[i][0] || strlen(features[i]) > FEATURE_NAME_MAX) {
            char field[32];
            snprintf(field, sizeof(field), "features[%zu]", i);
            ent_error_field(err, field, "must be a feature key of 1 to %d characters",
                            FEATURE_NAME_MAX);
        }
    }
    return (err->code == ENT_EINVAL) ? ENT_EINVAL : ENT_OK;
}

/*
 * Takes the catalog and the account's snapshot for the context's principal: an account key
 * reaches its own account alone, and any other answers as missing. An explanation builds an
 * explained snapshot from the store for the call (cache.h): cached ones do not name sources.
 */
static int
acquire(struct ent_ctx *ctx, const char *account, bool explained, struct ent_catalog **cat,
        struct ent_snapshot **snap, struct ent_error *err)
{
    const struct ent_principal *p = &ctx->principal;
    if (p->scope == ENT_SCOPE_NONE)
        return ent_error_set(err, ENT_EFORBIDDEN, "this key may not evaluate");
    if (p->scope == ENT_SCOPE_ACCOUNT && (!account || !account[0]))
        account = p->account_id;
    if (!account || !account[0])
        return ent_error_field(err, "account", "is required");
    int rc = ent_cache_catalog(ctx, cat);
    if (rc < 0)
        return ent_ctx_store_error(rc, err);
    rc = explained ? ent_cache_snapshot_explained(ctx, *cat, account, snap)
                   : ent_cache_snapshot(ctx, *cat, account, snap);
    if (rc == ENT_OK && p->scope == ENT_SCOPE_ACCOUNT &&
        strcmp((*snap)->account_id, p->account_id) != 0) {
        ent_cache_release(ctx->app, *snap);
        *snap = NULL;
        rc = ENT_ENOTFOUND;
    }
    if (rc < 0) {
        ent_cache_catalog_release(ctx->app, *cat);
        *cat = NULL;
        if (rc == ENT_ENOTFOUND)
            return ent_error_set(err, ENT_ENOTFOUND, "no account '%s'", account);
        return ent_ctx_store_error(rc, err);
    }
    return ENT_OK;
}

/* Starts an answer of snap at at, with room for n features. Errors: ENT_ENOMEM. */
static int
start_answer(struct ent_ctx *ctx, const struct ent_snapshot *snap, int64_t at, size_t n,
             struct ent_eval_answer *out)
{
    memset(out, 0, sizeof(*out));
    memcpy(out->account_id, snap->account_id, sizeof(out->account_id));
    out->evaluated_at_ms = at;
    out->features = ent_ctx_alloc(ctx, (n ? n : 1) * sizeof(*out->features));
    return out->features ? ENT_OK : ENT_ENOMEM;
}

/* Gives back what acquire() took and answers rc (recorded in err when it failed). */
static int
release(struct ent_ctx *ctx, struct ent_catalog *cat, struct ent_snapshot *snap, int rc,
        struct ent_error *err)
{
    ent_cache_release(ctx->app, snap);
    ent_cache_catalog_release(ctx->app, cat);
    return rc < 0 ? ent_error_set(err, rc, "%s", "") : ENT_OK;
}

int
ent_evaluation_run(struct ent_ctx *ctx, const char *account, const char *const *features,
                   size_t n_features, int64_t at_ms, bool with_sources, struct ent_eval_answer *out,
                   struct ent_error *err)
{
    struct ent_error local;
    if (!err)
        err = &local;
    ent_error_clear(err);
    int rc = check_features(features, n_features, err);
    if (rc < 0)
        return rc;
    struct ent_catalog *cat = NULL;
    struct ent_snapshot *snap = NULL;
    rc = acquire(ctx, account, with_sources, &cat, &snap, err);
    if (rc < 0)
        return rc;
    int64_t at = at_ms != ENT_TIME_NONE ? at_ms : ctx->now_ms;
    rc = start_answer(ctx, snap, at, n_features, out);
    for (size_t i = 0; rc == ENT_OK && i < n_features; i++) {
        struct ent_feature_answer *ans = &out->features[i];
        memset(ans, 0, sizeof(*ans));
        long fi = ent_cache_feature_index(cat, features[i]);
        if (fi < 0) {
            ans->feature = features[i];
            ans->reason = ent_reason_name(ENT_REASON_UNKNOWN_FEATURE);
            continue;
        }
        rc = answer_feature(ctx, cat, snap, fi, at, with_sources, ans, NULL);
        ans->feature = features[i]; /* named as asked: keys match in any case (seed 003) */
    }
    out->n_features = n_features;
    return release(ctx, cat, snap, rc, err);
}

int
ent_evaluation_account(struct ent_ctx *ctx, const char *account, struct ent_eval_answer *out,
                       struct ent_error *err)
{
    struct ent_error local;
    if (!err)
        err = &local;
    ent_error_clear(err);
    struct ent_catalog *cat = NULL;
    struct ent_snapshot *snap = NULL;
    int rc = acquire(ctx, account, false, &cat, &snap, err);
    if (rc < 0)
        return rc;
    const struct ent_snapshot_grant *grants = ent_snapshot_grants(snap);
    size_t n = snap->n_grants; /* at least as many as the features they are of */
    rc = start_answer(ctx, snap, ctx->now_ms, n, out);
    for (size_t i = 0; rc == ENT_OK && i < n; i++) {
        if (i > 0 && grants[i].feature == grants[i - 1].feature)
            continue; /* grants are sorted by feature: one answer each */
        struct ent_feature_answer *ans = &out->features[out->n_features];
        memset(ans, 0, sizeof(*ans));
        rc = answer_feature(ctx, cat, snap, grants[i].feature, ctx->now_ms, false, ans, NULL);
        /* Only what the account holds now: grants that ended or start later are left out. */
        if (rc == ENT_OK && strcmp(ans->reason, "granted") == 0)
            out->n_features++;
        else if (rc == ENT_OK && strcmp(ans->reason, "limit_reached") == 0)
            out->n_features++;
    }
    return release(ctx, cat, snap, rc, err);
}

/* The stamp of snap: its usage version first (acquire), so that the counts read after it are
 * at least as new as the stamp says. */
static void
stamp_of(const struct ent_snapshot *snap, struct ent_eval_stamp *out)
{
    out->usage_version = atomic_load_explicit(&snap->usage_version, memory_order_acquire);
    out->serial = snap->serial;
}

int
ent_evaluation_stamp(struct ent_ctx *ctx, const char *account, char account_id[37],
                     struct ent_eval_stamp *out, struct ent_error *err)
{
    struct ent_error local;
    if (!err)
        err = &local;
    ent_error_clear(err);
    struct ent_catalog *cat = NULL;
    struct ent_snapshot *snap = NULL;
    int rc = acquire(ctx, account, false, &cat, &snap, err);
    if (rc < 0)
        return rc;
    stamp_of(snap, out);
    memcpy(account_id, snap->account_id, 37);
    return release(ctx, cat, snap, ENT_OK, err);
}

int
ent_evaluation_all_stamped(struct ent_ctx *ctx, const char *account, struct ent_eval_answer *out,
                           struct ent_eval_stamp *stamp, int64_t *stable_until_ms,
                           struct ent_error *err)
{
    struct ent_error local;
    if (!err)
        err = &local;
    ent_error_clear(err);
    struct ent_catalog *cat = NULL;
    struct ent_snapshot *snap = NULL;
    int rc = acquire(ctx, account, false, &cat, &snap, err);
    if (rc < 0)
        return rc;
    if (stamp)
        stamp_of(snap, stamp);
    int64_t until = INT64_MAX;
    size_t n = cat->n_features;
    rc = start_answer(ctx, snap, ctx->now_ms, n, out);
    for (size_t i = 0; rc == ENT_OK && i < n; i++) {
        if (cat->features[i].feature.status != ENT_STATUS_ACTIVE)
            continue;
        struct ent_feature_answer *ans = &out->features[out->n_features];
        memset(ans, 0, sizeof(*ans));
        rc = answer_feature(ctx, cat, snap, (long)i, ctx->now_ms, false, ans, &until);
        if (rc == ENT_OK)
            out->n_features++;
    }
    /* The snapshot is built again when a usage window it holds ends: a new stamp then. */
    changes_at(&until, ctx->now_ms, snap->usage_until_ms);
    if (stable_until_ms)
        *stable_until_ms = until;
    return release(ctx, cat, snap, rc, err);
}

int
ent_evaluation_all(struct ent_ctx *ctx, const char *account, struct ent_eval_answer *out,
                   struct ent_error *err)
{
    return ent_evaluation_all_stamped(ctx, account, out, NULL, NULL, err);
}
