/* SPDX-License-Identifier: MIT */
/*
 * consumption.c: the units of service entitlements drawn down (issue 17, seed 000: "track
 * service usage, monitor consumption of professional services"). A service is an entitlement
 * whose product is of category professional_services or customer_support (core/category.c);
 * its units are quantity x quantity_per_copy (an implementation of 20 hours: quantity 20). A
 * consumption event draws amount units down, by POST /v1/entitlements/{id}/consumption or by a
 * usage event that names the entitlement; the series of the events is read like usage's.
 *
 * This file owns the rules: who may draw on which entitlement (admin keys, and keys bound to
 * its account), that it is a service in force at the event's time, the cap (its units, with
 * enforce), idempotency keys (unique per entitlement, for good: a replay answers the stored
 * result). The check of the cap and the write are one step of the store (consumption_add), so
 * "consumed + amount <= units" is exact whatever the concurrency, also between daemons.
 *
 * Consumption changes no evaluation: the snapshot of an account holds no units, so no cache is
 * dropped. Like usage events, consumption events are their own record: no audit event each.
 * Billing for the units is out of scope. No SQL and no JSON here.
 */
#include "service/consumption.h"

#include <stdio.h>
#include <string.h>

#include "core/category.h"
#include "service/ctx.h"
#include "service/fields.h"
#include "service/grants.h"
#include "service/writes.h"
#include <entitled.h>

/*
 * Checks that account ref (id or key; NULL or empty: none given) is the account of entitlement
 * e. A key bound to an account that names another one answers ENT_ENOTFOUND, as for a missing
 * account; other keys get a field error on "account". Errors: ENT_ENOTFOUND (in err),
 * ENT_ESTORE, ENT_ENOMEM (field errors return ENT_OK).
 */
static int
check_account(struct ent_ctx *ctx, const char *ref, const struct ent_entitlement *e,
              struct ent_error *err)
{
    if (!ref || !ref[0])
        return ENT_OK;
    struct ent_account acc;
    int rc = ctx->sess->ops->account_get(ctx->sess, &ctx->arena, ref, &acc);
    rc = ent_ctx_found(ctx, rc, rc == ENT_OK ? acc.id : NULL, "account", ref, err);
    if (rc == ENT_OK && strcmp(acc.id, e->account_id) != 0)
        ent_error_field(err, "account", "is not the account of the entitlement");
    return rc;
}

/*
 * Reads the entitlement an event names (id or activation id) on the context's session and
 * checks that it may be drawn on at ts_ms: the principal may see it (else ENT_ENOTFOUND, as a
 * missing one), it is a service (else ENT_ECONFLICT), active and in force then (else
 * ENT_ECONFLICT, saying its status then). Both conflicts name "entitlement".
 * OUT e: completed with its units. Errors: ENT_ENOTFOUND, ENT_ECONFLICT (recorded in err),
 * ENT_ESTORE, ENT_ENOMEM.
 */
static int
load_service(struct ent_ctx *ctx, const char *ref, int64_t ts_ms, struct ent_entitlement *e,
             struct ent_error *err)
{
    int rc = ENT_ENOTFOUND;
    if (ref && ref[0])
        rc = ctx->sess->ops->entitlement_get(ctx->sess, &ctx->arena, ref, e);
    rc = ent_ctx_found(ctx, rc, rc == ENT_OK ? e->account_id : NULL, "entitlement", ref, err);
    if (rc < 0)
        return rc;
    ent_grants_units(e);
    if (!e->has_units) {
        ent_error_set(err, ENT_ECONFLICT,
                      "entitlement '%s' is not a service: only entitlements of "
                      "professional_services and customer_support products have units to draw "
                      "down",
                      e->activation_id);
        ent_error_field(err, "entitlement", "is not a service");
        return ENT_ECONFLICT;
    }
    enum ent_entitlement_status status = ent_grants_status_at(e, ts_ms);
    if (status != ENT_ENTITLEMENT_ACTIVE) {
        ent_error_set(err, ENT_ECONFLICT, "entitlement '%s' is %s at the event's time",
                      e->activation_id, ent_entitlement_status_name(status));
        ent_error_field(err, "entitlement", "is %s at the event's time",
                        ent_entitlement_status_name(status));
        return ENT_ECONFLICT;
    }
    return ENT_OK;
}

/* Fills the answer of an event of e that leaves consumed at consumed. */
static void
fill_result(const struct ent_entitlement *e, int64_t consumed, int64_t units,
            struct ent_usage_result *out)
{
    memcpy(out->account_id, e->account_id, sizeof(out->account_id));
    memcpy(out->entitlement_id, e->id, sizeof(out->entitlement_id));
    out->activation_id = e->activation_id;
    out->usage = consumed;
    out->has_limit = true;
    out->limit = units;
    out->remaining = units > consumed ? units - consumed : 0;
    out->window_start_ms = out->window_end_ms = ENT_TIME_NONE;
}

/*
 * Answers the event e recorded under key, if any, as a replay (status 200): the units and
 * consumed it answered then. Errors: ENT_ENOTFOUND (no such event), ENT_ESTORE, ENT_ENOMEM.
 */
static int
find_replay(struct ent_ctx *ctx, const struct ent_entitlement *e, const char *key,
            struct ent_usage_result *out)
{
    struct ent_store_consumption prior;
    int rc = ctx->sess->ops->consumption_find(ctx->sess, &ctx->arena, e->id, key, &prior);
    if (rc < 0)
        return rc;
    memset(out, 0, sizeof(*out));
    out->status = 200;
    out->recorded = true;
    memcpy(out->event_id, prior.id, sizeof(out->event_id));
    fill_result(e, prior.consumed_after, prior.units, out);
    memcpy(out->account_id, prior.account_id, sizeof(out->account_id));
    return ENT_OK;
}

int
ent_consumption_replay(struct ent_ctx *ctx, const struct ent_usage_input *in,
                       struct ent_usage_result *out)
{
    struct ent_entitlement e;
    int rc = ctx->sess->ops->entitlement_get(ctx->sess, &ctx->arena, in->entitlement, &e);
    return rc < 0 ? rc : find_replay(ctx, &e, in->idempotency_key, out);
}

/* Records one consumption event inside the open write transaction (see consumption.h). */
int
ent_consumption_apply(struct ent_ctx *ctx, const struct ent_usage_input *in,
                      struct ent_usage_result *out, struct ent_error *err)
{
    memset(out, 0, sizeof(*out));
    int64_t ts_ms;
    ent_fields_event(in, ctx->now_ms, &ts_ms, err);
    if (in->feature)
        ent_error_field(err, "feature", "give feature or entitlement, not both");
    if (ent_fields_failed(err))
        return ENT_EINVAL;
    struct ent_entitlement e;
    int rc = load_service(ctx, in->entitlement, ts_ms, &e, err);
    if (rc == ENT_OK)
        rc = check_account(ctx, in->account, &e, err);
    if (rc == ENT_OK && ent_fields_failed(err))
        rc = ENT_EINVAL;
    if (rc == ENT_OK && in->idempotency_key) {
        rc = find_replay(ctx, &e, in->idempotency_key, out);
        if (rc != ENT_ENOTFOUND)
            return rc;
        rc = ENT_OK;
    }
    if (rc < 0)
        return rc;
    struct ent_store_consumption ev = {
        .amount = in->amount,
        .ts_ms = ts_ms,
        .idempotency_key = in->idempotency_key,
        .units = e.units,
        .created_ms = ctx->now_ms,
    };
    ent_ctx_new_id(ctx, ev.id);
    memcpy(ev.entitlement_id, e.id, sizeof(ev.entitlement_id));
    memcpy(ev.account_id, e.account_id, sizeof(ev.account_id));
    int64_t consumed = 0;
    rc = ctx->sess->ops->consumption_add(ctx->sess, &ev, in->enforce ? e.units : INT64_MAX,
                                         &consumed);
    if (rc == ENT_ELIMIT && !in->enforce)
        return ent_error_field(err, "amount", "would take consumed past the largest number");
    if (rc == ENT_ELIMIT) {
        out->status = 409;
        fill_result(&e, consumed, e.units, out);
        return ent_error_set(err, ENT_ELIMIT,
                             "the event would draw %lld units of entitlement '%s', of which %lld "
                             "of %lld remain",
                             (long long)in->amount, e.activation_id, (long long)out->remaining,
                             (long long)e.units);
    }
    if (rc == ENT_ENOTFOUND) /* gone since it was read: not on either backend, but answered */
        return ent_error_set(err, ENT_ENOTFOUND, "no entitlement '%s'", in->entitlement);
    if (rc < 0)
        return rc;
    out->status = 201;
    out->recorded = true;
    memcpy(out->event_id, ev.id, sizeof(out->event_id));
    fill_result(&e, consumed, e.units, out);
    return ENT_OK;
}

/*
 * Records one consumption event (see entitled.h) in a write transaction of its own. A duplicate
 * idempotency key that slips past the check (a concurrent writer on PostgreSQL) is rolled back
 * and answered as a replay of the stored event.
 */
int
ent_consumption_record(struct ent_ctx *ctx, const struct ent_usage_input *in,
                       struct ent_usage_result *out, struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    memset(out, 0, sizeof(*out));
    int rc = ent_ctx_require_recorder(ctx, err);
    if (rc < 0)
        return rc;
    rc = ent_writes_begin(ctx);
    if (rc == ENT_OK)
        rc = ent_consumption_apply(ctx, in, out, err);
    if (rc == ENT_OK && out->status == 201)
        rc = ent_writes_commit(ctx, 201, ENT_KIND_USAGE, out);
    else
        ent_writes_abort(ctx); /* a replay or a refusal wrote nothing */
    if (rc == ENT_ECONFLICT && in->idempotency_key && err->code == ENT_OK) {
        struct ent_store_session *sess;
        rc = ent_ctx_session(ctx, &sess);
        if (rc == ENT_OK)
            rc = ent_consumption_replay(ctx, in, out);
        if (rc == ENT_ENOTFOUND)
            rc = ENT_ECONFLICT;
    }
    if (rc < 0)
        return err->code == rc ? rc : ent_ctx_store_error(rc, err);
    return ENT_OK;
}

/* The consumption series of a service entitlement (see entitled.h). */
int
ent_consumption_series(struct ent_ctx *ctx, const char *account, const char *entitlement,
                       int64_t from_ms, int64_t to_ms, enum ent_period granularity,
                       char *account_id, char *entitlement_id, struct ent_usage_bucket **buckets,
                       size_t *n, struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    *buckets = NULL;
    *n = 0;
    int rc = ent_ctx_require_owner_or_reader(ctx, err);
    if (rc < 0)
        return rc;
    struct ent_store_session *sess;
    rc = ent_ctx_session(ctx, &sess);
    struct ent_entitlement e;
    int found = ENT_ENOTFOUND;
    if (rc == ENT_OK && entitlement && entitlement[0])
        found = sess->ops->entitlement_get(sess, &ctx->arena, entitlement, &e);
    if (rc == ENT_OK)
        rc = ent_ctx_found(ctx, found, found == ENT_OK ? e.account_id : NULL, "entitlement",
                           entitlement, err);
    if (rc == ENT_OK)
        rc = check_account(ctx, account, &e, err);
    if (rc < 0)
        return err->code == rc ? rc : ent_ctx_store_error(rc, err);
    ent_fields_series(from_ms, to_ms, granularity, err);
    if (ent_fields_failed(err))
        return ENT_EINVAL;
    memcpy(account_id, e.account_id, 37);
    memcpy(entitlement_id, e.id, 37);
    rc = sess->ops->consumption_series(sess, &ctx->arena, e.id, from_ms, to_ms, granularity,
                                       buckets, n);
    return rc < 0 ? ent_ctx_store_error(rc, err) : ENT_OK;
}
