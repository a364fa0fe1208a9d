/* SPDX-License-Identifier: MIT */
/*
 * usage.c: metered usage (DESIGN.md "Usage event", evaluation rule 4): recording events one at
 * a time or in batches, against the limit of the account's grants, and the usage series.
 *
 * An event counts in the window of its feature's reset period that contains its timestamp
 * (core/window.c); `never` has one window for all time. Its limit is the feature's value for
 * the account at that timestamp, evaluated (core/evaluate.c) over the grants of the account's
 * snapshot (cache.c). The check and the write are one step of the store (usage_add adds the
 * amount only while the counter stays at or below the limit: a conditional update on
 * PostgreSQL, under BEGIN IMMEDIATE on SQLite), so "used + amount <= limit" is exact whatever
 * the concurrency, also between daemons sharing one database.
 *
 * This file owns the rules: who may record for which account, the fields, the window, the
 * limit, idempotency keys (unique per account, for good: a replay answers the stored result).
 * It writes no audit event per usage event: the usage table is itself the record. No SQL and
 * no JSON here.
 *
 * Invariant: everything an event is checked against but its window's usage (account, feature,
 * window, limit) is worked out before the write transaction opens, from the catalog and the
 * snapshot; nothing in the transaction builds a snapshot, so no snapshot can ever hold usage
 * that was rolled back. After the commit, and before the answer, the account's cached snapshot
 * is told the window's new count (ent_cache_usage_recorded), so the next evaluation sees it
 * without reading the store or rebuilding the snapshot.
 *
 * Group commit (ent_usage_submit): single events submitted by concurrent requests are recorded
 * by one committer thread, as many as are waiting in one write transaction, each exactly as it
 * would be on its own (apply_event: it reads the counters as the events before it left them,
 * and a refused event writes nothing), then committed together: one fsync for the group. No
 * answer is given before the group's commit; if the commit fails, every event of the group
 * fails alike, so nothing unrecorded is ever acknowledged.
 */
#include "service/usage.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/evaluate.h"
#include "core/window.h"
#include "service/cache.h"
#include "service/consumption.h"
#include "service/ctx.h"
#include "service/fields.h"
#include "service/outbox.h"
#include "service/writes.h"
#include <entitled.h>

/* What one event is checked against, worked out before its write transaction. */
struct prepared {
    char account_id[37];
    char feature_id[37];
    const char *feature_key; /* in the context's arena */
    int64_t ts_ms;
    int64_t window_start_ms; /* INT64_MIN for `never` */
    int64_t window_end_ms;   /* INT64_MAX for `never` */
    bool granted;            /* a grant of the feature is in force at ts */
    bool has_limit;          /* granted and not unlimited */
    int64_t limit;           /* when has_limit */
};

/* ------------------------------------------------------------------------------------------ */
/* Checks before the transaction                                                               */
/* ------------------------------------------------------------------------------------------ */

/*
 * True when a key bound to an account named by ref (NULL: none given) another account than its
 * own, of id and key (NULL: none).
 */
static bool
names_other(const struct ent_ctx *ctx, const char *id, const char *key, const char *ref)
{
    return ctx->principal.scope == ENT_SCOPE_ACCOUNT && ref && strcmp(id, ref) != 0 &&
           !(key && strcmp(key, ref) == 0);
}

/*
 * The account an event or a series is for, by what the principal may name: an admin or read key
 * names it by *ref (required: else a field error on "account", and NULL); a key bound to an
 * account is for that account alone, and the caller checks a given *ref against it
 * (names_other). An empty *ref counts as none: *ref becomes NULL.
 */
static const char *
target_account(const struct ent_ctx *ctx, const char **ref, struct ent_error *err)
{
    if (*ref && !(*ref)[0])
        *ref = NULL;
    if (ctx->principal.scope == ENT_SCOPE_ACCOUNT)
        return ctx->principal.account_id;
    if (!*ref)
        ent_error_field(err, "account", "is required");
    return *ref;
}

/*
 * Answers ENT_ENOTFOUND for the account named by ref (else target): missing, or for a key bound
 * to an account, another one, which it must not learn exists. A 404 carries no field details.
 */
static int
no_account(const char *ref, const char *target, struct ent_error *err)
{
    ent_error_clear(err);
    return ent_error_set(err, ENT_ENOTFOUND, "no account '%s'", ref ? ref : target);
}

/*
 * Takes the snapshot of the account an event is for. An admin key names it (id or key; missing:
 * a field error on "account"). A key bound to an account records for that account alone: it
 * may leave ref out, and a ref naming any other account, existing or not, answers
 * ENT_ENOTFOUND exactly as a missing account does; other accounts are never looked up.
 * OUT snap: referenced (ent_cache_release), or NULL after a field error.
 * Errors: ENT_ENOTFOUND (recorded in err, which then holds no field errors), ENT_ESTORE,
 * ENT_ENOMEM.
 */
static int
acquire_account(struct ent_ctx *ctx, struct ent_catalog *cat, const char *ref,
                struct ent_snapshot **snap, struct ent_error *err)
{
    *snap = NULL;
    const char *target = target_account(ctx, &ref, err);
    if (!target)
        return ENT_OK;
    int rc = target[0] ? ent_cache_snapshot(ctx, cat, target, snap) : ENT_ENOTFOUND;
    if (rc == ENT_OK &&
        names_other(ctx, (*snap)->account_id, ent_snapshot_account_key(*snap), ref)) {
        ent_cache_release(ctx->app, *snap);
        *snap = NULL;
        rc = ENT_ENOTFOUND;
    }
    return rc == ENT_ENOTFOUND ? no_account(ref, target, err) : rc;
}

/*
 * Resolves the metered feature of an event in the catalog (id or key; unknown or not metered:
 * a field error on "feature") and its window at p->ts_ms. OUT p: feature and window.
 * Returns the feature's catalog index, or -1 after a field error.
 */
static long
resolve_feature(const struct ent_catalog *cat, const char *ref, struct prepared *p,
                struct ent_error *err)
{
    if (!ref || !ref[0]) {
        ent_error_field(err, "feature", "is required");
        return -1;
    }
    long fi = ent_cache_feature_index(cat, ref);
    if (fi < 0) {
        ent_error_field(err, "feature", "no such feature");
        return -1;
    }
    const struct ent_feature *f = &cat->features[fi].feature;
    if (f->type != ENT_FEATURE_METERED) {
        ent_error_field(err, "feature", "is not a metered feature");
        return -1;
    }
    if (!ent_window_bounds(f->reset_period, p->ts_ms, &p->window_start_ms, &p->window_end_ms)) {
        ent_error_field(err, "timestamp", "is out of range");
        return -1;
    }
    memcpy(p->feature_id, f->id, sizeof(p->feature_id));
    return fi;
}

/*
 * Checks an event and works out what it is checked against (see struct prepared): account,
 * feature, window, and the limit the account's grants give at the event's time. Reads the
 * catalog and the snapshot only, never inside a write transaction.
 * OUT p. Errors: ENT_EINVAL, ENT_ENOTFOUND (recorded in err), ENT_ESTORE, ENT_ENOMEM.
 */
static int
prepare_event(struct ent_ctx *ctx, struct ent_catalog *cat, const struct ent_usage_input *in,
              struct prepared *p, struct ent_error *err)
{
    memset(p, 0, sizeof(*p));
    struct ent_snapshot *snap = NULL;
    int rc = acquire_account(ctx, cat, in->account, &snap, err);
    if (rc < 0)
        return err->code == rc ? rc : ent_ctx_store_error(rc, err);
    ent_fields_event(in, ctx->now_ms, &p->ts_ms, err);
    long fi = resolve_feature(cat, in->feature, p, err);
    if (fi < 0 || !snap || ent_fields_failed(err)) { /* each of those recorded a field error */
        if (snap)
            ent_cache_release(ctx->app, snap);
        return ENT_EINVAL;
    }
    memcpy(p->account_id, snap->account_id, sizeof(p->account_id));
    const struct ent_feature *f = &cat->features[fi].feature;
    p->feature_key = ent_arena_strdup(&ctx->arena, f->key);
    struct ent_grant buf[16];
    const struct ent_grant *grants = NULL;
    size_t n = 0;
    rc = ent_cache_grants(ctx, snap, fi, buf, 16, &grants, &n);
    struct ent_evaluation ev;
    if (rc == ENT_OK)
        ent_evaluate(f, grants, n, p->ts_ms, 0, &ev);
    ent_cache_release(ctx->app, snap);
    if (rc < 0)
        return ent_error_set(err, rc, "%s", "");
    p->granted = ev.granted;
    p->has_limit = ev.granted && ev.has_limit && !ev.unlimited;
    p->limit = p->has_limit ? ev.limit : 0;
    return p->feature_key ? ENT_OK : ent_error_set(err, ENT_ENOMEM, "%s", "");
}

/* ------------------------------------------------------------------------------------------ */
/* Inside the transaction                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* A window bound as answered: ENT_TIME_NONE (null) for the open ends of `never`. */
static int64_t
shown_bound(int64_t ms)
{
    return (ms == INT64_MIN || ms == INT64_MAX) ? ENT_TIME_NONE : ms;
}

/* Fills out with the stored answer of a recorded event, as a replay (status 200). */
static void
replay_result(const struct ent_store_usage *ev, struct ent_usage_result *out)
{
    memset(out, 0, sizeof(*out));
    out->status = 200;
    out->recorded = true;
    memcpy(out->event_id, ev->id, sizeof(out->event_id));
    memcpy(out->account_id, ev->account_id, sizeof(out->account_id));
    out->usage = ev->usage_after;
    out->has_limit = ev->limit >= 0;
    out->limit = out->has_limit ? ev->limit : 0;
    out->remaining =
        out->has_limit && ev->limit > ev->usage_after ? ev->limit - ev->usage_after : 0;
    out->window_start_ms = shown_bound(ev->window_start_ms);
    out->window_end_ms = shown_bound(ev->window_end_ms);
}

/* Fills the window, limit, usage and remaining of out for usage `usage`. */
static void
fill_result(const struct prepared *p, int64_t usage, struct ent_usage_result *out)
{
    memcpy(out->account_id, p->account_id, sizeof(out->account_id));
    out->usage = usage;
    out->has_limit = p->has_limit;
    out->limit = p->limit;
    out->remaining = p->has_limit && p->limit > usage ? p->limit - usage : 0;
    out->window_start_ms = shown_bound(p->window_start_ms);
    out->window_end_ms = shown_bound(p->window_end_ms);
}

/*
 * Answers the event the account recorded under key, if any. OUT out (status 200).
 * Errors: ENT_ENOTFOUND (no such event), ENT_ESTORE, ENT_ENOMEM.
 */
static int
find_replay(struct ent_ctx *ctx, const char *account_id, const char *key,
            struct ent_usage_result *out)
{
    struct ent_store_usage prior;
    int rc = ctx->sess->ops->usage_find(ctx->sess, &ctx->arena, account_id, key, &prior);
    if (rc == ENT_OK)
        replay_result(&prior, out);
    return rc;
}

/*
 * Records one prepared event inside the open write transaction: a replay when its idempotency
 * key was used before (status 200, nothing written); else the window's usage is read and, with
 * enforce, an event that would take it past the limit (any event when nothing grants the
 * feature) is refused (ENT_ELIMIT, out filled, nothing written); else the event and its counter
 * are written (status 201). OUT out.
 * Errors: ENT_ELIMIT, ENT_EINVAL (recorded in err), ENT_ECONFLICT (the idempotency key was
 * taken under the check: the store's statement failed alone), ENT_ESTORE, ENT_ENOMEM.
 */
static int
apply_event(struct ent_ctx *ctx, const struct ent_usage_input *in, const struct prepared *p,
            struct ent_usage_result *out, struct ent_error *err)
{
    struct ent_store_session *sess = ctx->sess;
    memset(out, 0, sizeof(*out));
    if (in->idempotency_key) {
        int rc = find_replay(ctx, p->account_id, in->idempotency_key, out);
        if (rc != ENT_ENOTFOUND)
            return rc;
    }
    /* The store adds the amount only while the counter stays at or below cap, as one step. */
    bool enforced = in->enforce && (p->has_limit || !p->granted);
    int64_t cap = enforced ? (p->granted ? p->limit : 0) : INT64_MAX;
    struct ent_store_usage ev = {
        .amount = in->amount,
        .ts_ms = p->ts_ms,
        .idempotency_key = in->idempotency_key,
        .window_start_ms = p->window_start_ms,
        .window_end_ms = p->window_end_ms,
        .limit = p->has_limit ? p->limit : -1,
        .created_ms = ctx->now_ms,
    };
    ent_ctx_new_id(ctx, ev.id);
    memcpy(ev.account_id, p->account_id, sizeof(ev.account_id));
    memcpy(ev.feature_id, p->feature_id, sizeof(ev.feature_id));
    int64_t used = 0;
    int rc = sess->ops->usage_add(sess, &ev, cap, &used);
    if (rc == ENT_ELIMIT && !enforced)
        return ent_error_field(err, "amount", "would take the usage past the largest number");
    if (rc == ENT_ENOTFOUND) /* deleted since the event was checked: this event's answer alone */
        return ent_error_set(err, ENT_ENOTFOUND, "the account or the feature no longer exists");
    if (rc == ENT_ELIMIT) {
        int64_t after;
        bool overflow = __builtin_add_overflow(used, in->amount, &after);
        out->status = 409;
        fill_result(p, used, out);
        if (!p->granted)
            return ent_error_set(err, ENT_ELIMIT, "the account is not granted '%s' at that time",
                                 p->feature_key);
        return ent_error_set(err, ENT_ELIMIT,
                             "the event would take the usage of '%s' to %lld, past its limit "
                             "of %lld",
                             p->feature_key, overflow ? (long long)INT64_MAX : (long long)after,
                             (long long)p->limit);
    }
    if (rc < 0)
        return rc;
    int64_t after = used;
    out->status = 201;
    out->recorded = true;
    memcpy(out->event_id, ev.id, sizeof(out->event_id));
    fill_result(p, after, out);
    /* webhooks (issue 15): one atomic read unless an endpoint wants threshold crossings */
    if (p->has_limit && ent_outbox_watches_usage(ctx->app->outbox))
        return ent_outbox_usage(ctx, p->account_id, p->feature_id, p->feature_key,
                                after - in->amount, after, p->limit, p->window_start_ms,
                                p->window_end_ms);
    return ENT_OK;
}

/* Inside the write: tells the other daemons what a recorded event leaves its counter at. */
static int
touch_usage(struct ent_ctx *ctx, const struct prepared *p, const struct ent_usage_result *out)
{
    return ent_ctx_touch_usage(ctx, p->account_id, p->feature_id, p->window_start_ms, out->usage);
}

/* Tells the cache what a recorded event (status 201) left its window's counter at. */
static void
usage_recorded(struct ent_app *app, const struct prepared *p, const struct ent_usage_result *out)
{
    ent_cache_usage_recorded(app, p->account_id, p->feature_id, p->window_start_ms, out->usage);
}

/*
 * Everything a single event is checked against before its transaction: the key may record,
 * and prepare_event against the current catalog. OUT p.
 * Errors: those of prepare_event, ENT_EFORBIDDEN.
 */
static int
check_event(struct ent_ctx *ctx, const struct ent_usage_input *in, struct prepared *p,
            struct ent_error *err)
{
    int rc = ent_ctx_require_recorder(ctx, err);
    if (rc < 0)
        return rc;
    struct ent_catalog *cat = NULL;
    rc = ent_cache_catalog(ctx, &cat);
    if (rc < 0)
        return ent_ctx_store_error(rc, err);
    rc = prepare_event(ctx, cat, in, p, err);
    ent_cache_catalog_release(ctx->app, cat);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* The API of entitled.h                                                                       */
/* ------------------------------------------------------------------------------------------ */

/*
 * Records one usage event (see entitled.h): checked before the transaction, then the replay,
 * limit check and write in one write transaction. A duplicate idempotency key that slips past
 * the check (a concurrent writer on a backend that does not serialize) is rolled back and
 * answered as a replay of the stored event. Admin keys, and keys bound to the account itself.
 * Errors: ENT_EINVAL, ENT_ENOTFOUND, ENT_ELIMIT (out filled), ENT_EFORBIDDEN, ENT_ECONFLICT,
 * ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_usage_record(struct ent_ctx *ctx, const struct ent_usage_input *in,
                 struct ent_usage_result *out, struct ent_error *err)
{
    if (in->entitlement) /* a service's units drawn down (consumption.c) */
        return ent_consumption_record(ctx, in, out, err);
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    memset(out, 0, sizeof(*out));
    struct prepared p;
    int rc = check_event(ctx, in, &p, err);
    if (rc < 0)
        return rc;

    rc = ent_writes_begin(ctx);
    if (rc == ENT_OK)
        rc = apply_event(ctx, in, &p, out, err);
    if (rc == ENT_OK && out->status == 201)
        rc = touch_usage(ctx, &p, out);
    if (rc == ENT_OK && out->status == 201)
        rc = ent_writes_commit(ctx, 201, ENT_KIND_USAGE, out);
    else
        ent_writes_abort(ctx); /* a replay or a refusal wrote nothing */
    if (rc == ENT_ECONFLICT && in->idempotency_key) {
        ent_error_clear(err);
        rc = find_replay(ctx, p.account_id, in->idempotency_key, out);
        if (rc == ENT_ENOTFOUND)
            rc = ENT_ECONFLICT;
    }
    if (rc < 0)
        return err->code == rc ? rc : ent_ctx_store_error(rc, err);
    if (out->status == 201)
        usage_recorded(ctx->app, &p, out);
    return ENT_OK;
}

/*
 * Prepares every event of a batch (see prepare_event): errs[i] holds the failure of an event
 * that cannot be recorded. OUT ready[i]: whether event i passed; n_ready: how many did.
 * Errors: no failure of an event's own, only those of the store or of memory (ENT_ESTORE,
 * ENT_EBUSY, ENT_ENOMEM), which fail the batch as a whole.
 */
static int
prepare_batch(struct ent_ctx *ctx, const struct ent_usage_input *in, size_t n, struct prepared *p,
              bool *ready, struct ent_error *errs, size_t *n_ready)
{
    struct ent_catalog *cat = NULL;
    int rc = ent_cache_catalog(ctx, &cat);
    if (rc < 0)
        return rc;
    *n_ready = 0;
    for (size_t i = 0; i < n; i++) {
        ent_error_clear(&errs[i]);
        memset(&p[i], 0, sizeof(p[i]));
        /* A consumption event is checked inside the transaction (consumption.c). */
        ready[i] = in[i].entitlement || prepare_event(ctx, cat, &in[i], &p[i], &errs[i]) == ENT_OK;
        if (ready[i])
            (*n_ready)++;
        if (!ready[i] && ent_error_status(errs[i].code) >= 500) {
            rc = errs[i].code; /* the store failed: the batch fails as a whole */
            break;
        }
    }
    ent_cache_catalog_release(ctx->app, cat);
    return rc;
}

/*
 * Records the prepared events of a batch, in order, in one write transaction: each event's
 * check reads the counters as the earlier events of the batch left them, and an event that
 * fails (a refusal, an overflow) writes nothing, so every event stays atomic. A duplicate
 * idempotency key (also within the batch) answers as a replay. OUT out[i], errs[i].
 * Errors: ENT_EBUSY, ENT_ESTORE, ENT_ENOMEM: the transaction is rolled back and nothing of the
 * batch is recorded.
 */
static int
apply_batch(struct ent_ctx *ctx, const struct ent_usage_input *in, size_t n,
            const struct prepared *p, const bool *ready, struct ent_usage_result *out,
            struct ent_error *errs)
{
    int rc = ent_writes_begin(ctx);
    for (size_t i = 0; rc == ENT_OK && i < n; i++) {
        if (!ready[i])
            continue;
        bool consumption = in[i].entitlement != NULL;
        int one = consumption ? ent_consumption_apply(ctx, &in[i], &out[i], &errs[i])
                              : apply_event(ctx, &in[i], &p[i], &out[i], &errs[i]);
        if (one == ENT_ECONFLICT && in[i].idempotency_key && errs[i].code == ENT_OK) {
            /* usage_add and consumption_add fail as one step (store.h): the transaction goes
             * on. */
            one = consumption ? ent_consumption_replay(ctx, &in[i], &out[i])
                              : find_replay(ctx, p[i].account_id, in[i].idempotency_key, &out[i]);
            if (one == ENT_ENOTFOUND)
                one = ent_error_set(&errs[i], ENT_ECONFLICT, "the idempotency key is taken");
        }
        if (one < 0 && errs[i].code != one)
            rc = one; /* not an outcome of the event: the store failed */
    }
    for (size_t i = 0; rc == ENT_OK && i < n; i++) {
        if (ready[i] && out[i].status == 201 && !in[i].entitlement)
            rc = touch_usage(ctx, &p[i], &out[i]);
    }
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 200, ENT_KIND_USAGE, NULL);
    if (rc < 0) {
        ent_writes_abort(ctx);
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        if (ready[i] && out[i].status == 201 && !in[i].entitlement)
            usage_recorded(ctx->app, &p[i], &out[i]);
    }
    return ENT_OK;
}

/*
 * Records up to ENT_USAGE_BATCH_MAX events (see entitled.h): all are checked first, from the
 * catalog and the snapshots; then those that passed are recorded in one write transaction (one
 * commit for the batch: see apply_batch). Admin keys, and keys bound to the account itself.
 * Errors: ENT_EINVAL (the number of events), ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_usage_record_batch(struct ent_ctx *ctx, const struct ent_usage_input *in, size_t n,
                       struct ent_usage_result *out, struct ent_error *errs, struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_recorder(ctx, err);
    if (rc < 0)
        return rc;
    if (n < 1 || n > ENT_USAGE_BATCH_MAX)
        return ent_error_field(err, "events", "must list 1 to %d events", ENT_USAGE_BATCH_MAX);
    memset(out, 0, n * sizeof(*out));
    struct prepared *p = ent_ctx_alloc(ctx, n * sizeof(*p));
    bool *ready = ent_ctx_alloc(ctx, n * sizeof(*ready));
    if (!p || !ready)
        return ent_error_set(err, ENT_ENOMEM, "%s", "");
    size_t n_ready = 0;
    rc = prepare_batch(ctx, in, n, p, ready, errs, &n_ready);
    if (rc == ENT_OK && n_ready > 0)
        rc = apply_batch(ctx, in, n, p, ready, out, errs);
    return rc < 0 ? ent_ctx_store_error(rc, err) : ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Group commit                                                                                */
/* ------------------------------------------------------------------------------------------ */

/* The most events one group commits at once; the rest wait for the next group. */
#define GROUP_MAX 256

/* One submitted event, in its context's arena, from submit until done() is called. */
struct usage_job {
    struct ent_ctx *ctx;
    const struct ent_usage_input *in;
    struct prepared p;
    struct ent_usage_result *out;
    struct ent_error *err;
    void (*done)(void *cls);
    void *cls;
    struct usage_job *next;
};

struct ent_usage_committer {
    struct ent_app *app;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct usage_job *head, *tail; /* waiting, in order of submission */
    bool stop;
    atomic_uint_fast64_t groups; /* groups committed, and the events in them */
    atomic_uint_fast64_t events;
};

/*
 * Applies the jobs of one group in one write transaction on sess, in order (see apply_batch for
 * how each stays atomic). Returns ENT_OK once committed; a failure of the store (any job's, or
 * the commit's) rolls everything back and is returned.
 */
static int
commit_group(struct ent_store_session *sess, struct usage_job *jobs)
{
    int rc = sess->ops->begin(sess, true);
    for (struct usage_job *j = jobs; rc == ENT_OK && j; j = j->next) {
        j->ctx->sess = sess; /* the context lent its session back before it was submitted */
        j->ctx->in_write = true;
        int one = apply_event(j->ctx, j->in, &j->p, j->out, j->err);
        if (one == ENT_ECONFLICT && j->in->idempotency_key) {
            one = find_replay(j->ctx, j->p.account_id, j->in->idempotency_key, j->out);
            if (one == ENT_ENOTFOUND)
                one = ent_error_set(j->err, ENT_ECONFLICT, "the idempotency key is taken");
        }
        if (one == ENT_OK && j->out->status == 201)
            one = touch_usage(j->ctx, &j->p, j->out); /* other daemons raise their count */
        if (one < 0 && j->err->code != one)
            rc = one; /* not an outcome of the event: the store failed */
        j->ctx->sess = NULL;
        j->ctx->in_write = false;
    }
    if (rc == ENT_OK)
        rc = sess->ops->commit(sess);
    else
        sess->ops->rollback(sess);
    return rc;
}

/* Commits one group of jobs and answers each (done), after dropping the snapshots it changed. */
static void
run_group(struct ent_usage_committer *c, struct usage_job *jobs)
{
    struct ent_store_session *sess = NULL;
    int rc = c->app->store->ops->acquire(c->app->store, &sess);
    if (rc == ENT_OK) {
        rc = commit_group(sess, jobs);
        sess->ops->release(sess);
    }
    size_t n = 0;
    bool wrote = false; /* webhooks (issue 15): messages to send once committed */
    for (struct usage_job *j = jobs; j; j = j->next, n++) {
        wrote = wrote || (rc == ENT_OK && j->ctx->outbox_wrote);
        j->ctx->outbox_wrote = false;
        if (rc < 0) { /* nothing of the group was recorded: no event may say it was */
            memset(j->out, 0, sizeof(*j->out));
            ent_error_clear(j->err);
            ent_ctx_store_error(rc, j->err);
        } else if (j->out->status == 201) {
            usage_recorded(c->app, &j->p, j->out); /* before the answer is given */
        }
    }
    if (wrote)
        ent_outbox_nudge(c->app->outbox);
    atomic_fetch_add(&c->groups, 1);
    atomic_fetch_add(&c->events, n);
    for (struct usage_job *j = jobs, *next; j; j = next) {
        next = j->next; /* j belongs to its request from done() on */
        j->done(j->cls);
    }
}

/* The committer thread: takes what waits, up to GROUP_MAX, and commits it as one group. */
static void *
committer_main(void *arg)
{
    struct ent_usage_committer *c = arg;
    pthread_mutex_lock(&c->lock);
    for (;;) {
        while (!c->head && !c->stop)
            pthread_cond_wait(&c->wake, &c->lock);
        if (!c->head)
            break; /* stopping, and nothing waits */
        struct usage_job *jobs = c->head, *last = c->head;
        for (size_t n = 1; n < GROUP_MAX && last->next; n++)
            last = last->next;
        c->head = last->next;
        if (!c->head)
            c->tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&c->lock);
        run_group(c, jobs);
        pthread_mutex_lock(&c->lock);
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

int
ent_usage_committer_new(struct ent_app *app, struct ent_usage_committer **out)
{
    struct ent_usage_committer *c = ent_calloc(1, sizeof(*c));
    if (!c)
        return ENT_ENOMEM;
    c->app = app;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->wake, NULL);
    if (pthread_create(&c->thread, NULL, committer_main, c) != 0) {
        pthread_cond_destroy(&c->wake);
        pthread_mutex_destroy(&c->lock);
        ent_free(c);
        return ENT_EINTERNAL;
    }
    *out = c;
    return ENT_OK;
}

void
ent_usage_committer_free(struct ent_usage_committer *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    c->stop = true;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL); /* it commits and answers what waits first */
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->lock);
    ent_free(c);
}

void
ent_usage_committer_stats(struct ent_usage_committer *c, uint64_t *groups, uint64_t *events)
{
    *groups = c ? atomic_load(&c->groups) : 0;
    *events = c ? atomic_load(&c->events) : 0;
}

/*
 * Submits one event to the group committer (see entitled.h). Checked here, before anything is
 * queued; an event refused by its checks is answered at once (*pending false).
 */
int
ent_usage_submit(struct ent_ctx *ctx, const struct ent_usage_input *in,
                 struct ent_usage_result *out, struct ent_error *err, void (*done)(void *cls),
                 void *cls, bool *pending)
{
    *pending = false;
    ent_error_clear(err);
    memset(out, 0, sizeof(*out));
    struct ent_usage_committer *c = ctx->app->usage_committer;
    /* Alone: without a committer, in batch mode, under an Idempotency-Key, or a consumption. */
    if (!c || ctx->batch.on || ctx->idem_bound || in->entitlement)
        return ent_usage_record(ctx, in, out, err);
    struct usage_job *j = ent_ctx_alloc(ctx, sizeof(*j));
    if (!j)
        return ent_error_set(err, ENT_ENOMEM, "%s", "");
    int rc = check_event(ctx, in, &j->p, err);
    if (rc < 0)
        return rc;
    if (ctx->sess) { /* the committer lends the context its own session */
        ctx->sess->ops->release(ctx->sess);
        ctx->sess = NULL;
    }
    j->ctx = ctx;
    j->in = in;
    j->out = out;
    j->err = err;
    j->done = done;
    j->cls = cls;
    j->next = NULL;
    pthread_mutex_lock(&c->lock);
    if (c->tail)
        c->tail->next = j;
    else
        c->head = j;
    c->tail = j;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
    *pending = true;
    return ENT_OK;
}

/*
 * Resolves the account of a series: an account key reads its own alone (it may leave account
 * out; any other answers ENT_ENOTFOUND as a missing one does), readers any (required).
 * OUT account_id. Errors: ENT_ENOTFOUND (in err), ENT_ESTORE, ENT_ENOMEM (field errors
 * return ENT_OK).
 */
static int
series_account(struct ent_ctx *ctx, const char *ref, char *account_id, struct ent_error *err)
{
    const char *target = target_account(ctx, &ref, err);
    if (!target)
        return ENT_OK;
    struct ent_store_session *sess;
    int rc = ent_ctx_session(ctx, &sess);
    struct ent_account acc;
    if (rc == ENT_OK)
        rc = target[0] ? sess->ops->account_get(sess, &ctx->arena, target, &acc) : ENT_ENOTFOUND;
    if (rc == ENT_OK && names_other(ctx, acc.id, acc.key, ref))
        rc = ENT_ENOTFOUND;
    if (rc == ENT_ENOTFOUND)
        return no_account(ref, target, err);
    if (rc == ENT_OK)
        memcpy(account_id, acc.id, 37);
    return rc;
}

/*
 * The usage series of a metered feature for an account (see entitled.h). Admin and read keys
 * read any account; a key bound to an account reads its own alone.
 * OUT account_id, buckets (in the context's arena), n.
 * Errors: ENT_EINVAL, ENT_ENOTFOUND, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_usage_series(struct ent_ctx *ctx, const char *account, const char *feature, int64_t from_ms,
                 int64_t to_ms, enum ent_period granularity, char *account_id,
                 struct ent_usage_bucket **buckets, size_t *n, struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    *buckets = NULL;
    *n = 0;
    if (ctx->principal.scope == ENT_SCOPE_NONE)
        return ent_error_set(err, ENT_EFORBIDDEN, "this key may not read usage");
    int rc = series_account(ctx, account, account_id, err);
    if (rc < 0)
        return err->code == rc ? rc : ent_ctx_store_error(rc, err);
    struct ent_catalog *cat = NULL;
    rc = ent_cache_catalog(ctx, &cat);
    if (rc < 0)
        return ent_ctx_store_error(rc, err);
    struct prepared p = {.ts_ms = from_ms};
    resolve_feature(cat, feature, &p, err);
    ent_cache_catalog_release(ctx->app, cat);
    ent_fields_series(from_ms, to_ms, granularity, err);
    if (ent_fields_failed(err))
        return ENT_EINVAL;
    rc = ctx->sess->ops->usage_series(ctx->sess, &ctx->arena, account_id, p.feature_id, from_ms,
                                      to_ms, granularity, buckets, n);
    return rc < 0 ? ent_ctx_store_error(rc, err) : ENT_OK;
}
