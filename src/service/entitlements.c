/* SPDX-License-Identifier: MIT */
/*
 * entitlements.c: what accounts hold: manual grants (of a product, or of one feature value),
 * reads, lists, changes (suspend, resume, new dates, quantities, transfer, attributes) and
 * revocation, which keeps the record. Entitlements made by orders and leases come from
 * orders.c and leases.c; all of them are written through grants.c. The status an answer shows
 * is derived at the request's time (pending before the start, expired from the end on), so
 * nothing needs a scheduler. This file owns those rules and the account-key isolation of
 * entitlement reads. No SQL and no JSON here.
 *
 * Invariant: every check that reads the store runs inside the change's write transaction;
 * every failure after ent_writes_begin() leaves through ent_writes_fail(), which rolls
 * back; the evaluation cache of every account a committed change touched is dropped before
 * the change is answered.
 */
#include <stdio.h>
#include <string.h>

#include "core/feature.h"
#include "service/attribute_definitions.h"
#include "service/ctx.h"
#include "service/events.h"
#include "service/fields.h"
#include "service/grants.h"
#include "service/lists.h"
#include "service/transfers.h"
#include "service/writes.h"
#include <entitled.h>

static int load_entitlement(struct ent_ctx *ctx, const char *id, struct ent_entitlement *out,
                            struct ent_error *err);
static void check_amounts(struct ent_ctx *ctx, struct ent_entitlement *e, struct ent_error *err);
static int resolve_product_grant(struct ent_ctx *ctx, struct ent_entitlement *e,
                                 struct ent_error *err);
static int resolve_value_grant(struct ent_ctx *ctx, struct ent_entitlement *e,
                               struct ent_error *err);
static int resolve_grant(struct ent_ctx *ctx, struct ent_entitlement *e, struct ent_error *err);
static int resolve_activation_id(struct ent_ctx *ctx, struct ent_entitlement *e,
                                 struct ent_error *err);
static void patch_dates(struct ent_entitlement *e, const struct ent_entitlement *patch,
                        struct ent_error *err);
static int apply_patch(struct ent_ctx *ctx, struct ent_entitlement *e,
                       const struct ent_entitlement *patch, struct ent_error *err);
static int load_listed(struct ent_ctx *ctx, struct ent_store_session *sess, const char *id,
                       void *out);
static bool check_source(const char *value);
static int status_filters(struct ent_ctx *ctx, const char *value, struct ent_store_query *forced);

/* ------------------------------------------------------------------------------------------ */
/* Checks of a manual grant                                                                    */
/* ------------------------------------------------------------------------------------------ */

/*
 * Reads an entitlement by id or activation id on the context's session, which the caller has
 * acquired. A key bound to an account reads its own account's alone; any other answers
 * ENT_ENOTFOUND exactly as a missing one does. OUT out: the entitlement as stored (status not
 * derived yet), in the arena.
 * Errors: ENT_ENOTFOUND (recorded in err with the reference), ENT_ESTORE, ENT_ENOMEM.
 */
static int
load_entitlement(struct ent_ctx *ctx, const char *id, struct ent_entitlement *out,
                 struct ent_error *err)
{
    int rc = ENT_ENOTFOUND;
    if (id && id[0])
        rc = ctx->sess->ops->entitlement_get(ctx->sess, &ctx->arena, id, out);
    return ent_ctx_found(ctx, rc, out->account_id, "entitlement", id, err);
}

/*
 * Checks and defaults what a new grant needs no store for: quantities (0 means 1), dates,
 * order type, attributes and the form of a given activation id. Records field errors.
 */
static void
check_amounts(struct ent_ctx *ctx, struct ent_entitlement *e, struct ent_error *err)
{
    if (e->quantity == 0)
        e->quantity = 1;
    if (e->quantity < 1)
        ent_error_field(err, "quantity", "must be 1 or more");
    if (e->quantity_per_copy == 0)
        e->quantity_per_copy = 1;
    if (e->quantity_per_copy < 1)
        ent_error_field(err, "quantity_per_copy", "must be 1 or more");
    ent_grants_check_period(ctx, "", &e->start_ms, &e->end_ms, &e->permanent, err);
    if (!e->order_type)
        e->order_type = ENT_ORDER_TYPE_NEW;
    if (e->order_type < ENT_ORDER_TYPE_NEW || e->order_type > ENT_ORDER_TYPE_UPSELL)
        ent_error_field(err, "order_type", "must be new, renewal, upgrade or upsell");
    ent_fields_attributes(err, "attributes", e->attributes);
    if (!e->attributes)
        e->attributes = "{}";
    if (e->activation_id && !ent_grants_activation_id_valid(e->activation_id))
        ent_error_field(err, "activation_id",
                        "must be 1 to %d of A-Z, a-z, 0-9, '_', '.', ':', '-'",
                        ENT_ACTIVATION_ID_MAX);
}

/*
 * Resolves the product (id or key) of a grant of a product: unknown and archived products are
 * field errors on "product"; value and override belong to grants of one feature value.
 * Errors: ENT_ESTORE, ENT_ENOMEM (field errors return ENT_OK).
 */
static int
resolve_product_grant(struct ent_ctx *ctx, struct ent_entitlement *e, struct ent_error *err)
{
    if (e->value)
        ent_error_field(err, "value", "is given only with feature, not with product");
    if (e->override)
        ent_error_field(err, "override", "is given only with feature and value");
    struct ent_product p;
    int rc = ctx->sess->ops->product_get(ctx->sess, &ctx->arena, e->product, &p);
    if (rc == ENT_ENOTFOUND) {
        ent_error_field(err, "product", "no such product");
        return ENT_OK;
    }
    if (rc < 0)
        return rc;
    if (p.status == ENT_STATUS_ARCHIVED) {
        ent_error_field(err, "product", "is archived; it may not be newly granted");
        return ENT_OK;
    }
    if (!ent_grants_check_category(&p, "product", err))
        return ENT_OK;
    e->product = p.key;
    memcpy(e->product_id, p.id, sizeof(e->product_id));
    e->name = p.name;
    e->product_category = p.category;
    return ENT_OK;
}

/*
 * Resolves the feature (id or key) and value of a grant of one feature value: the value is
 * checked against the feature's type and levels and normalised ("value"); the grant's name is
 * the value's display name. Unknown and archived features are field errors on "feature".
 * Errors: ENT_ESTORE, ENT_ENOMEM (field errors return ENT_OK).
 */
static int
resolve_value_grant(struct ent_ctx *ctx, struct ent_entitlement *e, struct ent_error *err)
{
    if (!e->value)
        ent_error_field(err, "value", "is required with feature");
    struct ent_feature f;
    int rc = ctx->sess->ops->feature_get(ctx->sess, &ctx->arena, e->feature, &f);
    if (rc == ENT_ENOTFOUND) {
        ent_error_field(err, "feature", "no such feature");
        return ENT_OK;
    }
    if (rc < 0)
        return rc;
    if (f.status == ENT_STATUS_ARCHIVED) {
        ent_error_field(err, "feature", "is archived; it may not be newly granted");
        return ENT_OK;
    }
    if (!e->value)
        return ENT_OK;
    const char *value;
    rc = ent_feature_check_value(&f, e->value, "value", &ctx->arena, &value, err);
    if (rc == ENT_EINVAL)
        return ENT_OK;
    if (rc < 0)
        return rc;
    e->feature = f.key;
    memcpy(e->feature_id, f.id, sizeof(e->feature_id));
    e->value = value;
    e->name = ent_feature_display_name(&f, value, &ctx->arena);
    return e->name ? ENT_OK : ENT_ENOMEM;
}

/*
 * Resolves what a manual grant gives: a product, or a feature and a value, exactly one of the
 * two (else field errors on "product" and "feature").
 * Errors: ENT_ESTORE, ENT_ENOMEM (field errors return ENT_OK).
 */
static int
resolve_grant(struct ent_ctx *ctx, struct ent_entitlement *e, struct ent_error *err)
{
    bool product = e->product != NULL, feature = e->feature != NULL;
    if (product && feature) {
        ent_error_field(err, "product", "give either product, or feature and value, not both");
        ent_error_field(err, "feature", "give either product, or feature and value, not both");
        return ENT_OK;
    }
    if (!product && !feature) {
        ent_error_field(err, "product", "is required unless feature and value are given");
        ent_error_field(err, "feature", "is required unless product is given");
        return ENT_OK;
    }
    return product ? resolve_product_grant(ctx, e, err) : resolve_value_grant(ctx, e, err);
}

/*
 * Settles the activation id of a new grant once every other field is known to be valid: a
 * given one taken by a line item or entitlement is a 409 ENT_ECONFLICT naming the field (a
 * field error on "activation_id" when other fields are wrong too); none given: one is
 * generated. Errors: ENT_EINVAL, ENT_ECONFLICT, ENT_ESTORE, ENT_ENOMEM.
 */
static int
resolve_activation_id(struct ent_ctx *ctx, struct ent_entitlement *e, struct ent_error *err)
{
    if (!e->activation_id)
        return ent_fields_failed(err) ? ENT_EINVAL
                                      : ent_grants_new_activation_id(ctx, &e->activation_id);
    bool taken = false;
    int rc = ENT_OK;
    if (ent_grants_activation_id_valid(e->activation_id))
        rc = ctx->sess->ops->activation_id_taken(ctx->sess, e->activation_id, &taken);
    if (rc < 0)
        return rc;
    if (taken && !ent_fields_failed(err))
        ent_error_set(err, ENT_ECONFLICT,
                      "activation_id: the activation id '%s' is taken by a line item or "
                      "entitlement",
                      e->activation_id);
    if (taken)
        ent_error_field(err, "activation_id", "is taken by a line item or entitlement");
    return err->code;
}

/* ------------------------------------------------------------------------------------------ */
/* Create, read                                                                                */
/* ------------------------------------------------------------------------------------------ */

/*
 * Grants a product, or one feature value, to an account by hand (see entitled.h): source
 * manual, status active, quantities 1 and start now unless given, permanent unless an end is
 * given, the activation id given (unique) or generated. Records "entitlement.created"; answers
 * 201 with the status derived at the request's time. Every field error is reported at once.
 * Admin keys only. Errors: ENT_EINVAL, ENT_ECONFLICT, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_entitlements_create(struct ent_ctx *ctx, const struct ent_entitlement *in,
                        struct ent_entitlement *out, struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    struct ent_entitlement e = {
        .account = in->account,
        .product = in->product,
        .feature = in->feature,
        .value = in->value,
        .override = in->override,
        .source = ENT_SOURCE_MANUAL,
        .activation_id = in->activation_id,
        .quantity = in->quantity,
        .quantity_per_copy = in->quantity_per_copy,
        .order_type = in->order_type,
        .start_ms = in->start_ms,
        .end_ms = in->end_ms,
        .permanent = in->permanent,
        .attributes = in->attributes,
        /* seed 004: activations by it are allowed unless the grant says otherwise */
        .activatable = (in->set & ENT_ENTITLEMENT_F_ACTIVATABLE) ? in->activatable : true,
    };
    check_amounts(ctx, &e, err);

    rc = ent_writes_begin(ctx);
    if (rc == ENT_OK)
        rc = ent_grants_resolve_account(ctx, e.account, "account", e.account_id, err);
    if (rc == ENT_OK) /* seed 004: custom attribute definitions */
        rc = ent_attribute_definitions_apply(ctx, ENT_ATTRIBUTE_OBJECT_ENTITLEMENT, "attributes",
                                             &e.attributes, err);
    if (rc == ENT_OK)
        rc = resolve_grant(ctx, &e, err);
    if (rc == ENT_OK)
        rc = resolve_activation_id(ctx, &e, err);
    struct ent_entitlement made;
    if (rc == ENT_OK)
        rc = ent_grants_insert(ctx, &e, true, &made);
    if (rc == ENT_ECONFLICT && err->code != ENT_ECONFLICT)
        rc = ent_error_set(err, ENT_ECONFLICT, "activation_id: the activation id '%s' is taken",
                           e.activation_id ? e.activation_id : "");
    if (rc == ENT_OK)
        rc = ent_ctx_touch_account(ctx, made.account_id);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 201, ENT_KIND_ENTITLEMENT, &made);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    *out = made;
    return ENT_OK;
}

/*
 * Reads an entitlement by id or activation id (see entitled.h), its status derived at the
 * request's time. Admin and read keys read any; a key bound to an account reads that
 * account's alone, and any other answers ENT_ENOTFOUND exactly as a missing one does.
 * Errors: ENT_ENOTFOUND, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_entitlements_get(struct ent_ctx *ctx, const char *id, struct ent_entitlement *out,
                     struct ent_error *err)
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
    struct ent_entitlement e;
    if (rc == ENT_OK)
        rc = load_entitlement(ctx, id, &e, err);
    if (rc == ENT_OK)
        rc = ent_grants_finish(ctx, sess, &e);
    if (rc < 0)
        return err->code == rc ? rc : ent_ctx_store_error(rc, err);
    *out = e;
    return ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Change, revoke                                                                              */
/* ------------------------------------------------------------------------------------------ */

/*
 * Applies the date fields of patch->set to e: a new start, and a new end or permanent
 * (permanent true clears the end; an end of 0 without permanent is refused). A dated
 * entitlement must end after it starts. Records field errors ("start_date", "end_date",
 * "permanent").
 */
static void
patch_dates(struct ent_entitlement *e, const struct ent_entitlement *patch, struct ent_error *err)
{
    if (patch->set & ENT_ENTITLEMENT_F_START)
        e->start_ms = patch->start_ms;
    if (patch->set & ENT_ENTITLEMENT_F_END) {
        if (patch->permanent && patch->end_ms != ENT_TIME_NONE) {
            ent_error_field(err, "permanent", "cannot be true together with an end_date");
            return;
        }
        if (!patch->permanent && patch->end_ms == ENT_TIME_NONE) {
            ent_error_field(err, "end_date", "is required unless permanent is true");
            return;
        }
        e->permanent = patch->permanent;
        e->end_ms = patch->permanent ? ENT_TIME_NONE : patch->end_ms;
    }
    if (!e->permanent && e->end_ms <= e->start_ms) {
        if (patch->set & ENT_ENTITLEMENT_F_END)
            ent_error_field(err, "end_date", "must be after the start_date");
        else
            ent_error_field(err, "start_date", "must be before the end_date");
    }
}

/*
 * Applies the fields of patch->set to e (as stored, inside the open write transaction):
 * status (active or suspended only), dates, quantities (>= 1), account (transfer: it must
 * exist) and attributes. Records every field error in err.
 * Errors: ENT_ESTORE, ENT_ENOMEM (field errors return ENT_OK).
 */
static int
apply_patch(struct ent_ctx *ctx, struct ent_entitlement *e, const struct ent_entitlement *patch,
            struct ent_error *err)
{
    if (patch->set & ENT_ENTITLEMENT_F_STATUS) {
        if (patch->status == ENT_ENTITLEMENT_ACTIVE || patch->status == ENT_ENTITLEMENT_SUSPENDED)
            e->status = patch->status;
        else
            ent_error_field(err, "status", "must be active or suspended");
    }
    if (patch->set & (ENT_ENTITLEMENT_F_START | ENT_ENTITLEMENT_F_END))
        patch_dates(e, patch, err);
    if (patch->set & ENT_ENTITLEMENT_F_QUANTITY) {
        if (patch->quantity < 1)
            ent_error_field(err, "quantity", "must be 1 or more");
        e->quantity = patch->quantity;
    }
    if (patch->set & ENT_ENTITLEMENT_F_QUANTITY_PER_COPY) {
        if (patch->quantity_per_copy < 1)
            ent_error_field(err, "quantity_per_copy", "must be 1 or more");
        e->quantity_per_copy = patch->quantity_per_copy;
    }
    if (patch->set & ENT_ENTITLEMENT_F_ATTRIBUTES) {
        ent_fields_attributes(err, "attributes", patch->attributes);
        e->attributes = patch->attributes ? patch->attributes : "{}";
    }
    if (patch->set & ENT_ENTITLEMENT_F_ACTIVATABLE)
        e->activatable = patch->activatable;
    if (patch->set & ENT_ENTITLEMENT_F_ACCOUNT)
        return ent_grants_resolve_account(ctx, patch->account, "account", e->account_id, err);
    return ENT_OK;
}

/*
 * Changes the fields of patch->set (see entitled.h): suspend or resume, new dates, quantities,
 * transfer to another account, attributes. A revoked entitlement cannot change
 * (ENT_ECONFLICT). Records "entitlement.updated" (its account: the one after the change) with
 * the entitlement before and after; drops the evaluation cache of both accounts of a transfer;
 * answers 200. Admin keys only.
 * Errors: ENT_EINVAL, ENT_ENOTFOUND, ENT_ECONFLICT, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_entitlements_update(struct ent_ctx *ctx, const char *id, const struct ent_entitlement *patch,
                        struct ent_entitlement *out, struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    rc = ent_writes_begin(ctx);
    struct ent_entitlement stored, before, after;
    if (rc == ENT_OK)
        rc = load_entitlement(ctx, id, &stored, err);
    if (rc == ENT_OK && stored.status == ENT_ENTITLEMENT_REVOKED)
        rc = ent_error_set(err, ENT_ECONFLICT, "revoked entitlements cannot change");
    /* A lease's entitlement follows its lease: dates, holder and quantities change there. */
    unsigned lease_owned = ENT_ENTITLEMENT_F_START | ENT_ENTITLEMENT_F_END |
                           ENT_ENTITLEMENT_F_ACCOUNT | ENT_ENTITLEMENT_F_QUANTITY |
                           ENT_ENTITLEMENT_F_QUANTITY_PER_COPY;
    if (rc == ENT_OK && stored.source == ENT_SOURCE_LEASE && (patch->set & lease_owned))
        rc = ent_error_set(err, ENT_ECONFLICT,
                           "this entitlement belongs to a lease; extend the lease instead");
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    before = after = stored;
    rc = apply_patch(ctx, &after, patch, err);
    if (rc == ENT_OK && (patch->set & ENT_ENTITLEMENT_F_ATTRIBUTES))
        rc = ent_attribute_definitions_apply(ctx, ENT_ATTRIBUTE_OBJECT_ENTITLEMENT, "attributes",
                                             &after.attributes, err);
    if (rc == ENT_OK && ent_fields_failed(err))
        rc = ENT_EINVAL;
    after.updated_ms = ctx->now_ms;
    after.set = 0;
    /* A new account is a transfer of all of it (transfers.c): its owners, seats and children. */
    bool moving = rc == ENT_OK && strcmp(before.account_id, after.account_id) != 0;
    if (moving)
        rc = ent_transfers_prepare(ctx, &before, err);
    if (rc == ENT_OK)
        rc = ent_grants_update(ctx, &before, &after, "entitlement.updated");
    if (rc == ENT_OK && moving)
        rc = ent_transfers_children(ctx, &before, after.account_id, err);
    if (rc == ENT_OK)
        rc = ent_ctx_touch_account(ctx, before.account_id);
    if (rc == ENT_OK && strcmp(before.account_id, after.account_id) != 0)
        rc = ent_ctx_touch_account(ctx, after.account_id);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 200, ENT_KIND_ENTITLEMENT, &after);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    *out = after;
    return ENT_OK;
}

/*
 * Revokes an entitlement (see entitled.h): the record is kept with status revoked and
 * "entitlement.revoked" is recorded; answers the revoked entitlement. Revoking a revoked one
 * answers it unchanged and records nothing. Admin keys only.
 * Errors: ENT_ENOTFOUND, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_entitlements_revoke(struct ent_ctx *ctx, const char *id, struct ent_entitlement *out,
                        struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    rc = ent_writes_begin(ctx);
    struct ent_entitlement before, after;
    if (rc == ENT_OK)
        rc = load_entitlement(ctx, id, &before, err);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    after = before;
    bool revoking = before.status != ENT_ENTITLEMENT_REVOKED;
    if (revoking) {
        after.status = ENT_ENTITLEMENT_REVOKED;
        after.updated_ms = ctx->now_ms;
        rc = ent_grants_update(ctx, &before, &after, "entitlement.revoked");
    } else {
        rc = ent_grants_finish(ctx, ctx->sess, &after); /* answered unchanged */
    }
    if (rc == ENT_OK && revoking)
        rc = ent_ctx_touch_account(ctx, after.account_id);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 200, ENT_KIND_ENTITLEMENT, &after);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    *out = after;
    return ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Lists                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/*
 * Loads one entitlement for the generic list, completed for the answer (derived status, name).
 * Errors: ENT_ENOTFOUND, ENT_ESTORE, ENT_ENOMEM.
 */
static int
load_listed(struct ent_ctx *ctx, struct ent_store_session *sess, const char *id, void *out)
{
    int rc = sess->ops->entitlement_get(sess, &ctx->arena, id, out);
    return rc < 0 ? rc : ent_grants_finish(ctx, sess, out);
}

/* True when value names a source. */
static bool
check_source(const char *value)
{
    return ent_source_parse(value) != 0;
}

static const struct ent_list_filter entitlement_filters[] = {
    {.name = "account", .op = ENT_STORE_EQ, .resolve = ent_lists_resolve_account},
    {.name = "product", .op = ENT_STORE_EQ, .resolve = ent_lists_resolve_product},
    {.name = "feature", .op = ENT_STORE_EQ, .resolve = ent_lists_resolve_feature},
    {.name = "source", .op = ENT_STORE_EQ, .check = check_source},
    {.name = "order", .op = ENT_STORE_EQ, .check = ent_lists_check_uuid},
    {.name = "category", .op = ENT_STORE_EQ, .check = ent_lists_check_category},
    {.name = NULL},
};

static const struct ent_list_spec entitlement_list = {
    .table = ENT_TABLE_ENTITLEMENTS,
    .item_size = sizeof(struct ent_entitlement),
    .sorts = {"created_at", "updated_at", "start_date", "end_date"},
    .filters = entitlement_filters,
    .load = load_listed,
};

/*
 * Turns a ?status= value into store filters at the context's time: the set states compare the
 * stored status; the derived ones are stored active with dates that make them so (active:
 * started and not ended; pending: starts later; expired: ended).
 * Errors: ENT_EINVAL (unknown status, or too many filters), ENT_ENOMEM.
 */
static int
status_filters(struct ent_ctx *ctx, const char *value, struct ent_store_query *forced)
{
    enum ent_entitlement_status status = ent_entitlement_status_parse(value);
    if (!status)
        return ENT_EINVAL;
    const char *now = ent_lists_ms_text(ctx, ctx->now_ms);
    if (!now)
        return ENT_ENOMEM;
    if (status == ENT_ENTITLEMENT_SUSPENDED || status == ENT_ENTITLEMENT_REVOKED)
        return ent_lists_add_filter(forced, "status", ENT_STORE_EQ,
                                    ent_entitlement_status_name(status));
    int rc = ent_lists_add_filter(forced, "status", ENT_STORE_EQ, "active");
    if (rc == ENT_OK && status == ENT_ENTITLEMENT_ACTIVE) {
        rc = ent_lists_add_filter(forced, "start", ENT_STORE_LE, now);
        if (rc == ENT_OK)
            rc = ent_lists_add_filter(forced, "end", ENT_STORE_GT_OR_NULL, now);
    } else if (rc == ENT_OK && status == ENT_ENTITLEMENT_PENDING) {
        rc = ent_lists_add_filter(forced, "start", ENT_STORE_GT, now);
    } else if (rc == ENT_OK) {
        rc = ent_lists_add_filter(forced, "end", ENT_STORE_LE, now);
    }
    return rc;
}

/*
 * Lists entitlements (filters: account, product, feature, source, status, order, category (its
 * product's); sorts:
 * created_at, updated_at, start_date, end_date), each with its status derived at the request's
 * time. An unknown product or feature makes the list empty. Admin and read keys see every
 * entitlement; a key bound to an account sees that account's alone, through a filter the
 * request cannot lift. OUT list: items are struct ent_entitlement.
 * Errors: ENT_EINVAL, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_entitlements_list(struct ent_ctx *ctx, const struct ent_list_query *q, struct ent_list *list,
                      struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    struct ent_list_query rest;
    struct ent_store_query forced;
    int rc = ent_lists_scope(ctx, q, "account", status_filters, &rest, &forced, err);
    if (rc < 0)
        return rc;
    if (rest.n_filters + forced.n_filters > ENT_STORE_MAX_FILTERS)
        ent_error_field(err, "status", "cannot be combined with this many filters");
    /* With a field error recorded, the run still checks paging and the other filters (all
     * are reported at once) and reads nothing. */
    return ent_lists_run(ctx, &entitlement_list, &rest, &forced, list, err);
}
