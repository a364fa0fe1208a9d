/* SPDX-License-Identifier: MIT */
/*
 * transfers.c: entitlements changing hands along a distribution chain (seed 004: a publisher
 * passes an entitlement to a channel partner, which passes it to an end customer): the transfer
 * of all of an entitlement, or of some of its copies split off into a new one, and the owners
 * every entitlement lists in order. The current owner is the entitlement's account, so the
 * evaluation snapshot of each account counts what it holds now and nothing it passed on: a
 * transfer drops the snapshots of both accounts (and, on PostgreSQL, announces it to every
 * daemon) like any change of an entitlement. No SQL and no JSON here.
 *
 * Invariant: a transfer is one write transaction. The entitlement's row is read inside it (on
 * PostgreSQL locked, on SQLite under the write lock), so two transfers of one entitlement run
 * one after the other and the second sees the copies the first left: none moves twice.
 */
#include "service/transfers.h"

#include <stdio.h>
#include <string.h>

#include "service/ctx.h"
#include "service/fields.h"
#include "service/grants.h"
#include "service/writes.h"

#define CHILD_DEPTH_MAX 16 /* nested child entitlements followed (as bundles are) */

static int check_seats(struct ent_ctx *ctx, const struct ent_entitlement *e, int64_t keep_copies,
                       struct ent_error *err);
static int record_giver(struct ent_ctx *ctx, const char *entitlement_id,
                        const struct ent_entitlement *before);
static int hand_over(struct ent_ctx *ctx, struct ent_entitlement *before, const char *account_id,
                     int depth, struct ent_entitlement *after, struct ent_error *err);
static int move_children(struct ent_ctx *ctx, const struct ent_entitlement *parent,
                         const char *account_id, int depth, struct ent_error *err);
static int split(struct ent_ctx *ctx, struct ent_entitlement *before, const char *account_id,
                 int64_t copies, struct ent_transfer *out, struct ent_error *err);
static int check_request(struct ent_ctx *ctx, const struct ent_entitlement *e,
                         const struct ent_transfer_input *in, char *account_id, int64_t *copies,
                         struct ent_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Owners (read by ent_grants_finish)                                                          */
/* ------------------------------------------------------------------------------------------ */

/*
 * Writes before's account as an earlier owner of the entitlement entitlement_id (before's own,
 * or the part split off it), held since it came to hold before until now, after the earlier
 * owners before lists. Errors: ENT_ESTORE.
 */
static int
record_giver(struct ent_ctx *ctx, const char *entitlement_id, const struct ent_entitlement *before)
{
    size_t n = before->n_owners;
    struct ent_entitlement_owner giver = {
        .since_ms = n > 0 ? before->owners[n - 1].since_ms : before->created_ms,
        .until_ms = ctx->now_ms,
    };
    memcpy(giver.account_id, before->account_id, sizeof(giver.account_id));
    return ctx->sess->ops->entitlement_owner_add(ctx->sess, entitlement_id,
                                                 n > 0 ? (int64_t)n - 1 : 0, &giver);
}

/* ------------------------------------------------------------------------------------------ */
/* Whole transfers                                                                             */
/* ------------------------------------------------------------------------------------------ */

/*
 * Refuses (ENT_ECONFLICT, recorded in err) a transfer that would leave the giver fewer seats of
 * e than activations hold now: keep_copies copies stay (0 when all of it moves).
 * Errors: ENT_ECONFLICT, ENT_ESTORE.
 */
static int
check_seats(struct ent_ctx *ctx, const struct ent_entitlement *e, int64_t keep_copies,
            struct ent_error *err)
{
    int64_t live = 0, kept = 0;
    int rc = ctx->sess->ops->activation_count_live(ctx->sess, e->account_id, "", e->id, ctx->now_ms,
                                                   &live);
    if (rc < 0)
        return rc;
    if (__builtin_mul_overflow(keep_copies, e->quantity_per_copy, &kept) || live <= kept)
        return ENT_OK;
    return ent_error_set(err, ENT_ECONFLICT,
                         "%lld activation(s) hold seats of entitlement '%s' and %lld seat(s) "
                         "would stay; deactivate them first",
                         (long long)live, e->activation_id, (long long)kept);
}

/* The first step of a whole transfer (see transfers.h). */
int
ent_transfers_prepare(struct ent_ctx *ctx, struct ent_entitlement *before, struct ent_error *err)
{
    int rc = ent_grants_finish(ctx, ctx->sess, before);
    if (rc == ENT_OK)
        rc = check_seats(ctx, before, 0, err);
    if (rc == ENT_OK)
        rc = record_giver(ctx, before->id, before);
    return rc;
}

/*
 * Hands all of before (as stored) to account_id: prepared, written with its new account and
 * audited as "entitlement.transferred", then its children. OUT after: as it is now.
 * Errors: ENT_ECONFLICT, ENT_ESTORE, ENT_ENOMEM.
 */
static int
hand_over(struct ent_ctx *ctx, struct ent_entitlement *before, const char *account_id, int depth,
          struct ent_entitlement *after, struct ent_error *err)
{
    int rc = ent_transfers_prepare(ctx, before, err);
    if (rc < 0)
        return rc;
    *after = *before;
    after->owners = NULL; /* read again once it has changed hands */
    after->n_owners = 0;
    snprintf(after->account_id, sizeof(after->account_id), "%s", account_id);
    after->updated_ms = ctx->now_ms;
    rc = ent_grants_update(ctx, before, after, "entitlement.transferred");
    if (rc == ENT_OK)
        rc = move_children(ctx, before, account_id, depth, err);
    return rc;
}

/*
 * Hands the children of parent that its old account holds to account_id (see
 * ent_transfers_children), depth levels down already. Errors: as hand_over().
 */
static int
move_children(struct ent_ctx *ctx, const struct ent_entitlement *parent, const char *account_id,
              int depth, struct ent_error *err)
{
    if (depth >= CHILD_DEPTH_MAX)
        return ENT_OK;
    char(*ids)[37] = NULL;
    size_t n = 0;
    int rc = ctx->sess->ops->entitlement_children(ctx->sess, &ctx->arena, parent->id, &ids, &n);
    for (size_t i = 0; rc == ENT_OK && i < n; i++) {
        struct ent_entitlement child, after;
        rc = ctx->sess->ops->entitlement_get(ctx->sess, &ctx->arena, ids[i], &child);
        if (rc < 0)
            break;
        bool held = strcmp(child.account_id, parent->account_id) == 0;
        if (held && child.status != ENT_ENTITLEMENT_REVOKED && child.source != ENT_SOURCE_LEASE)
            rc = hand_over(ctx, &child, account_id, depth + 1, &after, err);
    }
    return rc;
}

/* The last step of a whole transfer (see transfers.h). */
int
ent_transfers_children(struct ent_ctx *ctx, const struct ent_entitlement *parent,
                       const char *account_id, struct ent_error *err)
{
    return move_children(ctx, parent, account_id, 0, err);
}

/* ------------------------------------------------------------------------------------------ */
/* Split transfers                                                                             */
/* ------------------------------------------------------------------------------------------ */

/*
 * Moves copies of before's copies (fewer than all) to account_id: before keeps the rest (its
 * change audited as "entitlement.transferred") and a new entitlement holds the part moved, with
 * before's earlier owners and before's account after them ("entitlement.created"). Refused
 * (ENT_ECONFLICT) when before has child entitlements, or activations hold more seats than stay.
 * OUT out. Errors: ENT_ECONFLICT, ENT_ESTORE, ENT_ENOMEM.
 */
static int
split(struct ent_ctx *ctx, struct ent_entitlement *before, const char *account_id, int64_t copies,
      struct ent_transfer *out, struct ent_error *err)
{
    char(*children)[37] = NULL;
    size_t n_children = 0;
    int rc = ctx->sess->ops->entitlement_children(ctx->sess, &ctx->arena, before->id, &children,
                                                  &n_children);
    if (rc == ENT_OK && n_children > 0)
        rc = ent_error_set(err, ENT_ECONFLICT,
                           "entitlement '%s' has child entitlements; it moves whole (leave "
                           "quantity out)",
                           before->activation_id);
    if (rc == ENT_OK)
        rc = ent_grants_finish(ctx, ctx->sess, before);
    if (rc == ENT_OK)
        rc = check_seats(ctx, before, before->quantity - copies, err);
    if (rc < 0)
        return rc;
    struct ent_entitlement rest = *before, part = *before;
    rest.owners = NULL;
    rest.n_owners = 0;
    rest.quantity = before->quantity - copies;
    rest.updated_ms = ctx->now_ms;
    rc = ent_grants_update(ctx, before, &rest, "entitlement.transferred");
    memset(part.id, 0, sizeof(part.id));
    ent_ctx_new_id(ctx, part.id);
    snprintf(part.account_id, sizeof(part.account_id), "%s", account_id);
    part.quantity = copies;
    part.owners = NULL;
    part.n_owners = 0;
    if (rc == ENT_OK)
        rc = ent_grants_new_activation_id(ctx, &part.activation_id);
    if (rc == ENT_OK)
        rc = ctx->sess->ops->entitlement_owners_copy(ctx->sess, before->id, part.id);
    if (rc == ENT_OK)
        rc = record_giver(ctx, part.id, before);
    if (rc == ENT_OK)
        rc = ent_grants_insert(ctx, &part, true, &out->moved);
    out->split = true;
    out->remainder = rest;
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* The transfer                                                                                */
/* ------------------------------------------------------------------------------------------ */

/*
 * Checks a transfer of e (as stored) inside the open write transaction: e may change hands (not
 * revoked, not a lease's: ENT_ECONFLICT), the receiving account exists and is another, and the
 * copies asked are 1 to e's. OUT account_id: the receiver's id (37 bytes); copies: how many move.
 * Errors: ENT_EINVAL, ENT_ECONFLICT, ENT_ESTORE, ENT_ENOMEM.
 */
static int
check_request(struct ent_ctx *ctx, const struct ent_entitlement *e,
              const struct ent_transfer_input *in, char *account_id, int64_t *copies,
              struct ent_error *err)
{
    if (e->status == ENT_ENTITLEMENT_REVOKED)
        return ent_error_set(err, ENT_ECONFLICT, "revoked entitlements cannot change hands");
    if (e->source == ENT_SOURCE_LEASE)
        return ent_error_set(err, ENT_ECONFLICT,
                             "this entitlement belongs to a lease; it cannot change hands");
    int rc = ent_grants_resolve_account(ctx, in->account, "account", account_id, err);
    if (rc < 0)
        return rc;
    if (account_id[0] && strcmp(account_id, e->account_id) == 0)
        ent_error_field(err, "account", "holds this entitlement already");
    *copies = in->quantity ? in->quantity : e->quantity;
    if (*copies < 1 || *copies > e->quantity)
        ent_error_field(err, "quantity", "must be 1 to %lld (the copies the entitlement holds)",
                        (long long)e->quantity);
    return ent_fields_failed(err) ? ENT_EINVAL : ENT_OK;
}

/*
 * Transfers an entitlement, all of it or some of its copies (see entitled.h). Answers 200 when
 * all of it moved, 201 when a part was split off into a new entitlement. Admin keys only.
 * Errors: ENT_EINVAL, ENT_ENOTFOUND, ENT_ECONFLICT, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_transfers_apply(struct ent_ctx *ctx, const char *id, const struct ent_transfer_input *in,
                    struct ent_transfer *out, struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    struct ent_transfer t;
    memset(&t, 0, sizeof(t));
    struct ent_entitlement stored;
    memset(&stored, 0, sizeof(stored));
    char account_id[37] = "", giver[37];
    int64_t copies = 0;
    rc = ent_writes_begin(ctx);
    if (rc == ENT_OK && id && id[0])
        rc = ctx->sess->ops->entitlement_get(ctx->sess, &ctx->arena, id, &stored);
    else if (rc == ENT_OK)
        rc = ENT_ENOTFOUND;
    rc = ent_ctx_found(ctx, rc, stored.account_id, "entitlement", id, err);
    if (rc == ENT_OK)
        rc = check_request(ctx, &stored, in, account_id, &copies, err);
    memcpy(giver, stored.account_id, sizeof(giver));
    if (rc == ENT_OK && copies == stored.quantity)
        rc = hand_over(ctx, &stored, account_id, 0, &t.moved, err);
    else if (rc == ENT_OK)
        rc = split(ctx, &stored, account_id, copies, &t, err);
    if (rc == ENT_OK)
        rc = ent_ctx_touch_account(ctx, giver);
    if (rc == ENT_OK)
        rc = ent_ctx_touch_account(ctx, account_id);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, t.split ? 201 : 200, ENT_KIND_TRANSFER, &t);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    *out = t;
    return ENT_OK;
}
