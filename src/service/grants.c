/* SPDX-License-Identifier: MIT */
/*
 * grants.c: the rules orders, entitlements and leases share (see grants.h): activation ids,
 * dates, the derived status of an entitlement, and the single path by which an entitlement
 * row is written and audited. No SQL and no JSON here.
 */
#include "service/grants.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/category.h"
#include "core/feature.h"
#include "service/ctx.h"
#include "service/events.h"
#include "service/maintenance.h"

#define ACTIVATION_ID_DRAWS 4
#define FIELD_PATH_MAX 96 /* as struct ent_field_error.field */

static void draw_activation_id(char out[19]);
static int read_owners(struct ent_ctx *ctx, struct ent_store_session *sess,
                       struct ent_entitlement *e);

/* Crockford's base32: no I, L, O or U, so an id read aloud or typed is not mistaken. */
static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* True when s is 1 to ENT_ACTIVATION_ID_MAX of [A-Za-z0-9_.:-] (see grants.h). */
bool
ent_grants_activation_id_valid(const char *s)
{
    size_t n = 0;
    for (; s && s[n]; n++) {
        char c = s[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || c == ':' || c == '-';
        if (!ok || n == ENT_ACTIVATION_ID_MAX)
            return false;
    }
    return n > 0;
}

/* Writes one random "ACT-XXXX-XXXX-XXXX" into out (19 bytes). */
static void
draw_activation_id(char out[19])
{
    uint8_t raw[8];
    randombytes_buf(raw, sizeof(raw));
    uint64_t bits = 0;
    for (size_t i = 0; i < sizeof(raw); i++)
        bits = (bits << 8) | raw[i];
    memcpy(out, "ACT-XXXX-XXXX-XXXX", 19);
    for (size_t k = 0; k < 12; k++) {
        out[4 + k + k / 4] = crockford[bits & 31];
        bits >>= 5;
    }
}

/*
 * Draws activation ids until one is free (see grants.h). OUT out: in the arena.
 * Errors: ENT_ECONFLICT, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_grants_new_activation_id(struct ent_ctx *ctx, const char **out)
{
    struct ent_store_session *sess;
    int rc = ent_ctx_session(ctx, &sess);
    for (int draw = 0; rc == ENT_OK && draw < ACTIVATION_ID_DRAWS; draw++) {
        char id[19];
        draw_activation_id(id);
        bool taken = true;
        rc = sess->ops->activation_id_taken(sess, id, &taken);
        if (rc == ENT_OK && !taken) {
            *out = ent_arena_strdup(&ctx->arena, id);
            return *out ? ENT_OK : ENT_ENOMEM;
        }
    }
    return rc < 0 ? rc : ENT_ECONFLICT;
}

/* Defaults and checks the dates of a grant, recording field errors (see grants.h). */
void
ent_grants_check_period(struct ent_ctx *ctx, const char *prefix, int64_t *start_ms, int64_t *end_ms,
                        bool *permanent, struct ent_error *err)
{
    char field[FIELD_PATH_MAX];
    if (*start_ms == ENT_TIME_NONE)
        *start_ms = ctx->now_ms;
    if (*permanent && *end_ms != ENT_TIME_NONE) {
        snprintf(field, sizeof(field), "%spermanent", prefix);
        ent_error_field(err, field, "cannot be true together with an end_date");
        return;
    }
    if (*end_ms == ENT_TIME_NONE) {
        *permanent = true;
        return;
    }
    if (*end_ms <= *start_ms) {
        snprintf(field, sizeof(field), "%send_date", prefix);
        ent_error_field(err, field, "must be after the start_date");
    }
}

/* Refuses a product of category physical_goods (see grants.h). */
bool
ent_grants_check_category(const struct ent_product *p, const char *field, struct ent_error *err)
{
    if (ent_category_may_grant(p->category))
        return true;
    ent_error_field(err, field, "is a %s product, which never becomes an entitlement",
                    ent_category_name(p->category));
    return false;
}

/* The status of e shown at now_ms (see grants.h). */
enum ent_entitlement_status
ent_grants_status_at(const struct ent_entitlement *e, int64_t now_ms)
{
    if (e->status == ENT_ENTITLEMENT_SUSPENDED || e->status == ENT_ENTITLEMENT_REVOKED)
        return e->status;
    if (e->start_ms > now_ms)
        return ENT_ENTITLEMENT_PENDING;
    if (!e->permanent && e->end_ms != ENT_TIME_NONE && e->end_ms <= now_ms)
        return ENT_ENTITLEMENT_EXPIRED;
    return ENT_ENTITLEMENT_ACTIVE;
}

/* Fills in the units of a service entitlement (see grants.h). */
void
ent_grants_units(struct ent_entitlement *e)
{
    e->has_units = ent_category_is_service(e->product_category);
    e->units = e->remaining = 0;
    if (!e->has_units)
        return;
    if (__builtin_mul_overflow(e->quantity, e->quantity_per_copy, &e->units))
        e->units = INT64_MAX;
    e->remaining = e->units > e->consumed ? e->units - e->consumed : 0;
}

/*
 * Reads the owners of e along a distribution chain (seed 004) into e->owners, unless they are
 * read already: its earlier owners, then its account as the current one, held since the last
 * hand-over (transfers.c) or since its creation. Errors: ENT_ESTORE, ENT_ENOMEM.
 */
static int
read_owners(struct ent_ctx *ctx, struct ent_store_session *sess, struct ent_entitlement *e)
{
    if (e->owners || !e->id[0] || !e->account_id[0])
        return ENT_OK;
    struct ent_entitlement_owner *owners = NULL;
    size_t n = 0;
    int rc = sess->ops->entitlement_owners(sess, &ctx->arena, e->id, e->account_id, &owners, &n);
    if (rc < 0)
        return rc;
    if (n > 0 && owners[n - 1].current)
        owners[n - 1].since_ms = n > 1 ? owners[n - 2].until_ms : e->created_ms;
    e->owners = owners;
    e->n_owners = n;
    return ENT_OK;
}

/*
 * Derives the status of e and names a grant of one feature value (see grants.h).
 * Errors: ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_grants_finish(struct ent_ctx *ctx, struct ent_store_session *sess, struct ent_entitlement *e)
{
    e->status = ent_grants_status_at(e, ctx->now_ms);
    ent_grants_units(e);
    int rc = read_owners(ctx, sess, e); /* seed 004: who held it, in order, and its maintenance */
    if (rc == ENT_OK && e->id[0])
        rc = ent_maintenance_at(ctx, sess, e->id, ctx->now_ms, &e->maintenance);
    if (rc < 0 || e->name || !e->feature_id[0] || !e->value)
        return rc;
    struct ent_feature f;
    rc = sess->ops->feature_get(sess, &ctx->arena, e->feature_id, &f);
    if (rc == ENT_ENOTFOUND) {
        e->name = e->value; /* the feature is gone: the value is all there is to show */
        return ENT_OK;
    }
    if (rc < 0)
        return rc;
    e->name = ent_feature_display_name(&f, e->value, &ctx->arena);
    return e->name ? ENT_OK : ENT_ENOMEM;
}

/*
 * Inserts, reads back and audits a new entitlement (see grants.h). OUT out.
 * Errors: ENT_ECONFLICT, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_grants_insert(struct ent_ctx *ctx, struct ent_entitlement *e, bool own_activation_id,
                  struct ent_entitlement *out)
{
    if (!e->id[0])
        ent_ctx_new_id(ctx, e->id);
    e->created_ms = e->updated_ms = ctx->now_ms;
    e->status =
        e->status == ENT_ENTITLEMENT_SUSPENDED ? ENT_ENTITLEMENT_SUSPENDED : ENT_ENTITLEMENT_ACTIVE;
    e->set = 0;
    if (!e->attributes)
        e->attributes = "{}";
    if (!e->order_type)
        e->order_type = ENT_ORDER_TYPE_NEW;
    int rc = ctx->sess->ops->entitlement_insert(ctx->sess, e, own_activation_id);
    struct ent_entitlement stored;
    if (rc == ENT_OK)
        rc = ctx->sess->ops->entitlement_get(ctx->sess, &ctx->arena, e->id, &stored);
    if (rc == ENT_OK)
        rc = ent_grants_finish(ctx, ctx->sess, &stored);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "entitlement.created", stored.account_id, stored.id,
                               ENT_KIND_ENTITLEMENT, NULL, &stored);
    if (rc == ENT_OK)
        *out = stored;
    return rc;
}

/* Stores, completes and audits a change of an entitlement (see grants.h). */
int
ent_grants_update(struct ent_ctx *ctx, struct ent_entitlement *before,
                  struct ent_entitlement *after, const char *event)
{
    int rc = ctx->sess->ops->entitlement_update(ctx->sess, after);
    if (rc == ENT_OK)
        rc = ent_grants_finish(ctx, ctx->sess, before);
    if (rc == ENT_OK)
        rc = ent_grants_finish(ctx, ctx->sess, after);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, event, after->account_id, after->id, ENT_KIND_ENTITLEMENT,
                               before, after);
    return rc;
}

/* The entitlement holding activation_id as its own (see grants.h). */
int
ent_grants_holder(struct ent_ctx *ctx, const char *activation_id, char *id)
{
    id[0] = '\0';
    if (!activation_id)
        return ENT_OK;
    struct ent_entitlement e;
    int rc = ctx->sess->ops->entitlement_get(ctx->sess, &ctx->arena, activation_id, &e);
    if (rc == ENT_ENOTFOUND)
        return ENT_OK;
    if (rc == ENT_OK && e.activation_id && strcmp(e.activation_id, activation_id) == 0)
        memcpy(id, e.id, 37);
    return rc;
}

/*
 * Resolves an account reference of a request field to the account's id (see grants.h).
 * Errors: ENT_ESTORE, ENT_ENOMEM (field errors return ENT_OK).
 */
int
ent_grants_resolve_account(struct ent_ctx *ctx, const char *ref, const char *field, char *id,
                           struct ent_error *err)
{
    if (!ref || !ref[0]) {
        ent_error_field(err, field, "is required");
        return ENT_OK;
    }
    struct ent_store_session *sess;
    int rc = ent_ctx_session(ctx, &sess);
    struct ent_account acc;
    if (rc == ENT_OK)
        rc = sess->ops->account_get(sess, &ctx->arena, ref, &acc);
    if (rc == ENT_ENOTFOUND) {
        ent_error_field(err, field, "no such account");
        return ENT_OK;
    }
    if (rc == ENT_OK)
        memcpy(id, acc.id, 37);
    return rc;
}
