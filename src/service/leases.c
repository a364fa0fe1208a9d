/* SPDX-License-Identifier: MIT */
/*
 * leases.c: trials (seed 003): a lease of a product to an account for a number of days, with
 * terms accepted. One lease record per (account, product) counts how often it was leased;
 * re-leasing is allowed once the lease has expired, up to the product's max_leases. Each
 * application also writes an entitlement (source lease) covering the lease's days, so that
 * evaluation sees the lease through the account's entitlements like any other grant. This
 * file owns those rules, lease extension and the account-key isolation of lease reads; the
 * entitlement is written through grants.c. No SQL and no JSON here.
 *
 * Invariant: every check that reads the store runs inside the change's write transaction; the
 * lease record, its entitlement and their events are written in that one transaction; every
 * failure after ent_writes_begin() leaves through ent_writes_fail(), which rolls back.
 */
#include <stdio.h>
#include <string.h>

#include "core/utc.h"
#include "service/ctx.h"
#include "service/events.h"
#include "service/fields.h"
#include "service/grants.h"
#include "service/lists.h"
#include "service/writes.h"
#include <entitled.h>

static void derive_status(const struct ent_ctx *ctx, struct ent_lease *l);
static int load_lease(struct ent_ctx *ctx, const char *id, struct ent_lease *out,
                      struct ent_error *err);
static int resolve_lease_account(struct ent_ctx *ctx, const char *ref, char *account_id,
                                 struct ent_error *err);
static int resolve_lease_product(struct ent_ctx *ctx, const struct ent_lease_input *in,
                                 struct ent_product *p, struct ent_error *err);
static int check_renewal(struct ent_ctx *ctx, const struct ent_lease *l,
                         const struct ent_product *p, struct ent_error *err);
static int write_lease(struct ent_ctx *ctx, const struct ent_product *p, int64_t days,
                       struct ent_lease *l, const struct ent_lease *before);
static int grant_lease(struct ent_ctx *ctx, const struct ent_lease *l, const struct ent_product *p);
static int extend_entitlement(struct ent_ctx *ctx, const struct ent_lease *l);
static int check_extension(struct ent_ctx *ctx, const struct ent_lease *l, int64_t until_ms,
                           struct ent_error *err);
static int load_listed(struct ent_ctx *ctx, struct ent_store_session *sess, const char *id,
                       void *out);
static int status_filter(struct ent_ctx *ctx, const char *value, struct ent_store_query *forced);

/* ------------------------------------------------------------------------------------------ */
/* Shared helpers                                                                              */
/* ------------------------------------------------------------------------------------------ */

/* Sets l->status at the context's time: active while valid_until is ahead, else expired. */
static void
derive_status(const struct ent_ctx *ctx, struct ent_lease *l)
{
    l->status = l->valid_until_ms > ctx->now_ms ? ENT_LEASE_ACTIVE : ENT_LEASE_EXPIRED;
}

/*
 * Reads a lease by id on the context's session, which the caller has acquired. A key bound to
 * an account reads its own account's alone; any other answers ENT_ENOTFOUND exactly as a
 * missing one does. OUT out: the lease, its status derived, in the arena.
 * Errors: ENT_ENOTFOUND (recorded in err with the reference), ENT_ESTORE, ENT_ENOMEM.
 */
static int
load_lease(struct ent_ctx *ctx, const char *id, struct ent_lease *out, struct ent_error *err)
{
    int rc = ENT_ENOTFOUND;
    if (id && id[0])
        rc = ctx->sess->ops->lease_get(ctx->sess, &ctx->arena, id, out);
    rc = ent_ctx_found(ctx, rc, out->account_id, "lease", id, err);
    if (rc == ENT_OK)
        derive_status(ctx, out);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Apply                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/*
 * Resolves the account a lease is applied to. An admin key names it (id or key; missing or
 * unknown: a field error on "account"). A key bound to an account applies to that account
 * alone: it may leave ref out, and a ref naming any other account, existing or not, answers
 * ENT_ENOTFOUND (the key must not learn that others exist); other accounts are never looked up.
 * OUT account_id (37 bytes). Errors: ENT_ENOTFOUND, ENT_ESTORE, ENT_ENOMEM (field errors
 * return ENT_OK).
 */
static int
resolve_lease_account(struct ent_ctx *ctx, const char *ref, char *account_id, struct ent_error *err)
{
    if (ctx->principal.scope != ENT_SCOPE_ACCOUNT)
        return ent_grants_resolve_account(ctx, ref, "account", account_id, err);
    struct ent_account own;
    int rc = ent_ctx_own_account(ctx, ref, &own);
    if (rc == ENT_ENOTFOUND)
        ent_error_clear(err); /* a 404 carries no field details */
    rc = ent_ctx_found(ctx, rc, NULL, "account", ref ? ref : ctx->principal.account_id, err);
    if (rc == ENT_OK)
        memcpy(account_id, own.id, 37);
    return rc;
}

/*
 * Resolves the product of a lease (id or key; missing, unknown or archived: a field error on
 * "product") and checks duration_days against it: at most the product's max_lease_days when
 * it has one, and no end past the latest time the API can write.
 * OUT p: the product. Errors: ENT_ESTORE, ENT_ENOMEM (field errors return ENT_OK).
 */
static int
resolve_lease_product(struct ent_ctx *ctx, const struct ent_lease_input *in, struct ent_product *p,
                      struct ent_error *err)
{
    if (!in->product || !in->product[0]) {
        ent_error_field(err, "product", "is required");
        return ENT_OK;
    }
    int rc = ctx->sess->ops->product_get(ctx->sess, &ctx->arena, in->product, p);
    if (rc == ENT_ENOTFOUND) {
        ent_error_field(err, "product", "no such product");
        return ENT_OK;
    }
    if (rc < 0)
        return rc;
    if (p->status == ENT_STATUS_ARCHIVED)
        ent_error_field(err, "product", "is archived; it may not be leased");
    else
        ent_grants_check_category(p, "product", err);
    if (in->duration_days < 1)
        return ENT_OK; /* reported already */
    if (p->max_lease_days >= 1 && in->duration_days > p->max_lease_days)
        ent_error_field(err, "duration_days", "must be at most %lld for this product",
                        (long long)p->max_lease_days);
    else if (in->duration_days > (ENT_UTC_MAX_MS - ctx->now_ms) / ENT_DAY_MS)
        ent_error_field(err, "duration_days", "is too long");
    return ENT_OK;
}

/*
 * Decides whether the existing lease l may be leased again: not while it is active
 * (ENT_ELEASEACTIVE), nor once it was leased max_leases times (ENT_ELEASELIMIT).
 * Errors: ENT_ELEASEACTIVE, ENT_ELEASELIMIT (recorded in err).
 */
static int
check_renewal(struct ent_ctx *ctx, const struct ent_lease *l, const struct ent_product *p,
              struct ent_error *err)
{
    if (l->valid_until_ms > ctx->now_ms) {
        char until[ENT_UTC_MAX];
        ent_utc_format(l->valid_until_ms, until);
        return ent_error_set(err, ENT_ELEASEACTIVE, "a lease of this product is active until %s",
                             until);
    }
    if (p->max_leases >= 0 && l->lease_count >= p->max_leases)
        return ent_error_set(err, ENT_ELEASELIMIT,
                             "the product may be leased %lld time(s); this account has leased it "
                             "%lld time(s)",
                             (long long)p->max_leases, (long long)l->lease_count);
    return ENT_OK;
}

/*
 * Writes the lease l for days from now: a re-lease of before (counted up, its end kept as
 * last_lease_end) when before is not NULL, else a new lease record counted 1. l holds the
 * account and product ids. Errors: ENT_ECONFLICT, ENT_ESTORE, ENT_ENOMEM.
 */
static int
write_lease(struct ent_ctx *ctx, const struct ent_product *p, int64_t days, struct ent_lease *l,
            const struct ent_lease *before)
{
    l->product = p->key;
    l->valid_from_ms = ctx->now_ms;
    l->valid_until_ms = ctx->now_ms + days * ENT_DAY_MS;
    l->updated_ms = ctx->now_ms;
    snprintf(l->updated_by, sizeof(l->updated_by), "%s", ctx->principal.key_id);
    if (before) {
        l->lease_count = before->lease_count + 1;
        l->last_lease_end_ms = before->valid_until_ms;
        return ctx->sess->ops->lease_update(ctx->sess, l);
    }
    ent_ctx_new_id(ctx, l->id);
    l->lease_count = 1;
    l->last_lease_end_ms = ENT_TIME_NONE;
    l->created_ms = ctx->now_ms;
    memcpy(l->created_by, l->updated_by, sizeof(l->created_by));
    return ctx->sess->ops->lease_insert(ctx->sess, l);
}

/*
 * Writes the entitlement of one lease application: product p for l's account, one copy, from
 * valid_from to valid_until, with a generated activation id, source lease.
 * Errors: ENT_ECONFLICT, ENT_ESTORE, ENT_ENOMEM.
 */
static int
grant_lease(struct ent_ctx *ctx, const struct ent_lease *l, const struct ent_product *p)
{
    struct ent_entitlement e = {
        .product = p->key,
        .name = p->name,
        .product_category = p->category,
        .source = ENT_SOURCE_LEASE,
        .activatable = true, /* seed 004: a lease's seats may be activated */
        .quantity = 1,
        .quantity_per_copy = 1,
        .order_type = ENT_ORDER_TYPE_NEW,
        .start_ms = l->valid_from_ms,
        .end_ms = l->valid_until_ms,
    };
    memcpy(e.account_id, l->account_id, sizeof(e.account_id));
    memcpy(e.product_id, p->id, sizeof(e.product_id));
    memcpy(e.lease_id, l->id, sizeof(e.lease_id));
    int rc = ent_grants_new_activation_id(ctx, &e.activation_id);
    struct ent_entitlement made;
    if (rc == ENT_OK)
        rc = ent_grants_insert(ctx, &e, true, &made);
    return rc;
}

/*
 * Applies a lease (see entitled.h): terms accepted, duration_days from 1 to the product's
 * max_lease_days; a new lease record, or a re-lease of an expired one (not while active:
 * ENT_ELEASEACTIVE; not past max_leases: ENT_ELEASELIMIT); with it an entitlement of the
 * product for the lease's days. Records "lease.applied"; answers 201. Admin keys, and keys
 * bound to the account itself.
 * Errors: ENT_EINVAL, ENT_ENOTFOUND, ENT_ELEASEACTIVE, ENT_ELEASELIMIT, ENT_EFORBIDDEN,
 * ENT_ECONFLICT, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_leases_apply(struct ent_ctx *ctx, const struct ent_lease_input *in, struct ent_lease *out,
                 struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    if (ctx->principal.scope != ENT_SCOPE_ADMIN && ctx->principal.scope != ENT_SCOPE_ACCOUNT)
        return ent_error_set(err, ENT_EFORBIDDEN, "this key may not apply leases");
    if (in->duration_days < 1)
        ent_error_field(err, "duration_days", "must be 1 or more");
    if (!in->accepted_terms)
        ent_error_field(err, "accepted_terms", "must be true: the terms must be accepted");

    int rc = ent_writes_begin(ctx);
    struct ent_lease l = {0}, before;
    struct ent_product p;
    if (rc == ENT_OK)
        rc = resolve_lease_account(ctx, in->account, l.account_id, err);
    if (rc == ENT_OK)
        rc = resolve_lease_product(ctx, in, &p, err);
    if (rc == ENT_OK && ent_fields_failed(err))
        rc = ENT_EINVAL;
    bool renewal = false;
    if (rc == ENT_OK) {
        int found = ctx->sess->ops->lease_find(ctx->sess, &ctx->arena, l.account_id, p.id, &before);
        renewal = found == ENT_OK;
        if (renewal)
            rc = check_renewal(ctx, &before, &p, err);
        else if (found != ENT_ENOTFOUND)
            rc = found;
        else if (p.max_leases != -1 && p.max_leases < 1)
            rc = ent_error_set(err, ENT_ELEASELIMIT, "the product may not be leased");
    }
    if (rc == ENT_OK) {
        memcpy(l.product_id, p.id, sizeof(l.product_id));
        if (renewal)
            l = before;
        rc = write_lease(ctx, &p, in->duration_days, &l, renewal ? &before : NULL);
    }
    if (rc == ENT_OK)
        rc = grant_lease(ctx, &l, &p);
    if (rc == ENT_OK)
        rc = load_lease(ctx, l.id, &l, err);
    if (rc == ENT_OK && renewal)
        derive_status(ctx, &before);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "lease.applied", l.account_id, l.id, ENT_KIND_LEASE,
                               renewal ? &before : NULL, &l);
    if (rc == ENT_OK)
        rc = ent_ctx_touch_account(ctx, l.account_id);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 201, ENT_KIND_LEASE, &l);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    *out = l;
    return ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Read, extend                                                                                */
/* ------------------------------------------------------------------------------------------ */

/*
 * Reads a lease by id (see entitled.h), its status derived at the request's time. Admin and
 * read keys read any; a key bound to an account reads that account's alone, and any other
 * answers ENT_ENOTFOUND exactly as a missing lease does.
 * Errors: ENT_ENOTFOUND, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_leases_get(struct ent_ctx *ctx, const char *id, struct ent_lease *out, struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_owner_or_reader(ctx, err);
    if (rc < 0)
        return rc;
    struct ent_store_session *sess;
    rc = ent_ctx_session(ctx, &sess);
    struct ent_lease l;
    if (rc == ENT_OK)
        rc = load_lease(ctx, id, &l, err);
    if (rc < 0)
        return err->code == rc ? rc : ent_ctx_store_error(rc, err);
    *out = l;
    return ENT_OK;
}

/*
 * Moves the end of the lease's current entitlement (of l's account, source lease, this lease,
 * not revoked, the latest start) to l's valid_until, recording "entitlement.updated". A lease
 * whose entitlement was revoked keeps it revoked: nothing is changed then.
 * Errors: ENT_ESTORE, ENT_ENOMEM.
 */
static int
extend_entitlement(struct ent_ctx *ctx, const struct ent_lease *l)
{
    struct ent_entitlement *held = NULL;
    size_t n = 0;
    int rc =
        ctx->sess->ops->entitlements_of_account(ctx->sess, &ctx->arena, l->account_id, &held, &n);
    const struct ent_entitlement *current = NULL;
    for (size_t i = 0; rc == ENT_OK && i < n; i++) {
        const struct ent_entitlement *e = &held[i];
        if (e->source == ENT_SOURCE_LEASE && strcmp(e->lease_id, l->id) == 0 &&
            (!current || e->start_ms >= current->start_ms))
            current = e;
    }
    if (rc < 0 || !current)
        return rc;
    struct ent_entitlement before = *current, after = *current;
    after.end_ms = l->valid_until_ms;
    after.permanent = false;
    after.updated_ms = ctx->now_ms;
    return ent_grants_update(ctx, &before, &after, "entitlement.updated");
}

/*
 * Checks an extension of the lease l to until_ms: l must be active (else ENT_ECONFLICT), and
 * until_ms later than its valid_until and, when the product has max_lease_days, no later than
 * that many days after valid_from (field errors on "valid_until").
 * Errors: ENT_ECONFLICT, ENT_EINVAL, ENT_ESTORE, ENT_ENOMEM.
 */
static int
check_extension(struct ent_ctx *ctx, const struct ent_lease *l, int64_t until_ms,
                struct ent_error *err)
{
    char when[ENT_UTC_MAX];
    if (l->valid_until_ms <= ctx->now_ms) {
        ent_utc_format(l->valid_until_ms, when);
        return ent_error_set(err, ENT_ECONFLICT,
                             "the lease expired at %s; only an active lease can be extended "
                             "(apply for a new lease instead)",
                             when);
    }
    if (until_ms <= l->valid_until_ms) {
        ent_utc_format(l->valid_until_ms, when);
        return ent_error_field(err, "valid_until", "must be later than the current one (%s)", when);
    }
    struct ent_product p;
    int rc = ctx->sess->ops->product_get(ctx->sess, &ctx->arena, l->product_id, &p);
    if (rc < 0)
        return rc;
    int64_t span, latest;
    if (p.max_lease_days >= 1 && !__builtin_mul_overflow(p.max_lease_days, ENT_DAY_MS, &span) &&
        !__builtin_add_overflow(l->valid_from_ms, span, &latest) && until_ms > latest) {
        ent_utc_format(latest, when);
        return ent_error_field(err, "valid_until",
                               "must be at most %lld days after valid_from (%s) for this product",
                               (long long)p.max_lease_days, when);
    }
    return ENT_OK;
}

/*
 * Extends an active lease to end at valid_until_ms (see entitled.h): the lease record and the
 * end of its current entitlement move together. Records "lease.extended" with the lease
 * before and after; answers 200. Admin keys only.
 * Errors: ENT_EINVAL, ENT_ENOTFOUND, ENT_ECONFLICT (expired lease), ENT_EFORBIDDEN,
 * ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_leases_extend(struct ent_ctx *ctx, const char *id, int64_t valid_until_ms,
                  struct ent_lease *out, struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    rc = ent_writes_begin(ctx);
    struct ent_lease before, l;
    if (rc == ENT_OK)
        rc = load_lease(ctx, id, &before, err);
    if (rc == ENT_OK)
        rc = check_extension(ctx, &before, valid_until_ms, err);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    l = before;
    l.valid_until_ms = valid_until_ms;
    l.updated_ms = ctx->now_ms;
    snprintf(l.updated_by, sizeof(l.updated_by), "%s", ctx->principal.key_id);
    derive_status(ctx, &l);
    rc = ctx->sess->ops->lease_update(ctx->sess, &l);
    if (rc == ENT_OK)
        rc = extend_entitlement(ctx, &l);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "lease.extended", l.account_id, l.id, ENT_KIND_LEASE, &before,
                               &l);
    if (rc == ENT_OK)
        rc = ent_ctx_touch_account(ctx, l.account_id);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 200, ENT_KIND_LEASE, &l);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    *out = l;
    return ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Lists                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* Loads one lease for the generic list, its status derived. Errors: ENT_ENOTFOUND, ENT_ESTORE. */
static int
load_listed(struct ent_ctx *ctx, struct ent_store_session *sess, const char *id, void *out)
{
    int rc = sess->ops->lease_get(sess, &ctx->arena, id, out);
    if (rc == ENT_OK)
        derive_status(ctx, out);
    return rc;
}

/*
 * Turns a ?status= value into a store filter at the context's time: active leases end later,
 * expired ones have ended. Errors: ENT_EINVAL (unknown status or too many filters), ENT_ENOMEM.
 */
static int
status_filter(struct ent_ctx *ctx, const char *value, struct ent_store_query *forced)
{
    enum ent_lease_status status = ent_lease_status_parse(value);
    if (!status)
        return ENT_EINVAL;
    const char *now = ent_lists_ms_text(ctx, ctx->now_ms);
    if (!now)
        return ENT_ENOMEM;
    return ent_lists_add_filter(forced, "valid_until",
                                status == ENT_LEASE_ACTIVE ? ENT_STORE_GT : ENT_STORE_LE, now);
}

static const struct ent_list_filter lease_filters[] = {
    {.name = "account", .op = ENT_STORE_EQ, .resolve = ent_lists_resolve_account},
    {.name = "product", .op = ENT_STORE_EQ, .resolve = ent_lists_resolve_product},
    {.name = NULL},
};

static const struct ent_list_spec lease_list = {
    .table = ENT_TABLE_LEASES,
    .item_size = sizeof(struct ent_lease),
    .sorts = {"created_at", "updated_at", "valid_until"},
    .filters = lease_filters,
    .load = load_listed,
};

/*
 * Lists leases (filters: account, product, status; sorts: created_at, updated_at,
 * valid_until), each with its status derived at the request's time. An unknown product makes
 * the list empty. Admin and read keys see every lease; a key bound to an account sees that
 * account's alone, through a filter the request cannot lift. OUT list: items are struct
 * ent_lease. Errors: ENT_EINVAL, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_leases_list(struct ent_ctx *ctx, const struct ent_list_query *q, struct ent_list *list,
                struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    return ent_lists_run_scoped(ctx, &lease_list, q, "account", status_filter, list, err);
}
