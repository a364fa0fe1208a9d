/* SPDX-License-Identifier: MIT */
/*
 * features.c: the feature catalog: create, read, change, archive, delete and list features.
 * The rules of types and levels are core/feature.c's; this file adds the transactions, the
 * audit events and the checks that need the store (a key taken, a product still granting a
 * value). No SQL and no JSON here.
 */
#include <stdio.h>
#include <string.h>

#include "core/feature.h"
#include "service/ctx.h"
#include "service/events.h"
#include "service/fields.h"
#include "service/lists.h"
#include "service/products.h"
#include "service/writes.h"
#include <entitled.h>

#define UNIT_MAX 64
#define FEATURE_MAX_PRODUCTS 100 /* products a feature may be created with */

/* Copies the levels of f into the arena, so that the rules may normalise them in place. */
static int
own_levels(struct ent_ctx *ctx, struct ent_feature *f)
{
    if (f->n_levels == 0) {
        f->levels = NULL;
        return ENT_OK;
    }
    if (f->n_levels > ENT_FEATURE_MAX_LEVELS)
        return ENT_OK; /* refused by the rules, with the field named */
    struct ent_level *copy = ent_arena_calloc(&ctx->arena, f->n_levels, sizeof(*copy));
    if (!copy)
        return ENT_ENOMEM;
    memcpy(copy, f->levels, f->n_levels * sizeof(*copy));
    f->levels = copy;
    return ENT_OK;
}

/* Checks every field of a complete feature f and normalises its levels. */
static int
check_feature(struct ent_ctx *ctx, struct ent_feature *f, struct ent_error *err)
{
    ent_fields_name(err, "name", f->name);
    ent_fields_text(err, "unit", f->unit, UNIT_MAX);
    ent_fields_attributes(err, "attributes", f->attributes);
    if (f->status != ENT_STATUS_ACTIVE && f->status != ENT_STATUS_ARCHIVED)
        ent_error_field(err, "status", "must be active or archived");
    if (ent_fields_failed(err))
        return ENT_EINVAL;
    int rc = own_levels(ctx, f);
    if (rc < 0)
        return rc;
    return ent_feature_check(f, &ctx->arena, err);
}

/*
 * Refuses (ENT_ECONFLICT, naming the field) a key another feature holds and a name another
 * feature has, each in any case (seed 002: unique names; seed 003: keys matched in any case).
 * f->id is the feature's own (not counted); its key is checked only when f is new (keys do not
 * change). Needs the open write transaction. Errors: ENT_ECONFLICT, ENT_ESTORE, ENT_ENOMEM.
 */
static int
check_unique(struct ent_ctx *ctx, const struct ent_feature *f, struct ent_error *err)
{
    struct ent_feature other;
    int rc = ctx->sess->ops->feature_get(ctx->sess, &ctx->arena, f->key, &other);
    if (rc == ENT_OK && strcmp(other.id, f->id) != 0) {
        ent_error_set(err, ENT_ECONFLICT, "a feature with the key '%s' exists", other.key);
        ent_error_field(err, "key", "is taken by feature '%s' (keys match in any case)", other.key);
        return ENT_ECONFLICT;
    }
    if (rc != ENT_OK && rc != ENT_ENOTFOUND)
        return rc;
    bool taken = false;
    rc = ctx->sess->ops->feature_name_taken(ctx->sess, f->name, f->id, &taken);
    if (rc == ENT_OK && taken) {
        ent_error_set(err, ENT_ECONFLICT, "a feature named '%s' exists", f->name);
        ent_error_field(err, "name", "is taken by another feature (names match in any case)");
        return ENT_ECONFLICT;
    }
    return rc;
}

/*
 * Checks the product grants a new feature is created with (in f->products, borrowed), inside
 * the open write transaction, into copies in the arena: each product named once (a repeat is a
 * field error on "products[i].product"), each grant checked by products.c. OUT products: the
 * products as stored, one per grant. Errors: ENT_EINVAL (after recording every field error),
 * ENT_ESTORE, ENT_ENOMEM.
 */
static int
check_grants(struct ent_ctx *ctx, struct ent_feature *f, struct ent_product **products,
             struct ent_error *err)
{
    *products = NULL;
    if (f->n_products == 0 || !f->products) {
        f->products = NULL;
        f->n_products = 0;
        return ENT_OK;
    }
    if (f->n_products > FEATURE_MAX_PRODUCTS)
        return ent_error_field(err, "products", "has more than %d items", FEATURE_MAX_PRODUCTS);
    struct ent_feature_grant *grants =
        ent_arena_calloc(&ctx->arena, f->n_products, sizeof(*grants));
    *products = ent_arena_calloc(&ctx->arena, f->n_products, sizeof(**products));
    if (!grants || !*products)
        return ENT_ENOMEM;
    memcpy(grants, f->products, f->n_products * sizeof(*grants));
    f->products = grants;
    for (size_t i = 0; i < f->n_products; i++) {
        char prefix[32];
        snprintf(prefix, sizeof(prefix), "products[%zu].", i);
        bool ok = false;
        int rc = ent_products_check_grant(ctx, f, prefix, &grants[i], &(*products)[i], &ok, err);
        if (rc < 0)
            return rc;
        for (size_t k = 0; ok && k < i; k++) {
            if (strcmp(grants[k].product_id, grants[i].product_id) == 0) {
                char field[48];
                snprintf(field, sizeof(field), "products[%zu].product", i);
                ent_error_field(err, field, "repeats products[%zu].product", k);
                break;
            }
        }
    }
    return ent_fields_failed(err) ? ENT_EINVAL : ENT_OK;
}

/* Writes the checked grants of a new feature, stored already (see check_grants). */
static int
write_grants(struct ent_ctx *ctx, const struct ent_feature *f, struct ent_product *products,
             struct ent_error *err)
{
    int rc = ENT_OK;
    for (size_t i = 0; rc == ENT_OK && i < f->n_products; i++) {
        char prefix[32];
        snprintf(prefix, sizeof(prefix), "products[%zu].", i);
        rc = ent_products_write_grant(ctx, &products[i], f, &f->products[i], prefix, err);
    }
    return rc;
}

int
ent_features_create(struct ent_ctx *ctx, const struct ent_feature *in, struct ent_feature *out,
                    struct ent_error *err)
{
    struct ent_error local;
    if (!err)
        err = &local; /* field checks need somewhere to collect */
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    struct ent_feature f = *in;
    ent_fields_feature_key(err, "key", f.key);
    if (f.type < ENT_FEATURE_SWITCH || f.type > ENT_FEATURE_METERED)
        ent_error_field(err, "type", "must be switch, quantity, range, custom or metered");
    if (!f.status)
        f.status = ENT_STATUS_ACTIVE;
    if (!f.attributes)
        f.attributes = "{}";
    if (ent_fields_failed(err)) {
        check_feature(ctx, &f, err); /* report every field at once */
        return ENT_EINVAL;
    }
    rc = check_feature(ctx, &f, err);
    if (rc < 0)
        return rc;
    ent_ctx_new_id(ctx, f.id);
    f.created_ms = f.updated_ms = ctx->now_ms;
    f.set = 0;

    rc = ent_writes_begin(ctx);

    ent_ctx_touch_catalog(ctx);
    struct ent_product *granting = NULL;
    if (rc == ENT_OK)
        rc = check_unique(ctx, &f, err);
    if (rc == ENT_OK)
        rc = check_grants(ctx, &f, &granting, err);
    if (rc == ENT_OK)
        rc = ctx->sess->ops->feature_insert(ctx->sess, &f);
    if (rc == ENT_ECONFLICT && err->code != ENT_ECONFLICT)
        rc = ent_error_set(err, ENT_ECONFLICT,
                           "a feature with the key '%s' or the name '%s' exists", f.key, f.name);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "feature.created", NULL, f.id, ENT_KIND_FEATURE, NULL, &f);
    if (rc == ENT_OK)
        rc = write_grants(ctx, &f, granting, err);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 201, ENT_KIND_FEATURE, &f);
    if (rc < 0) {
        ent_writes_abort(ctx);
        return err->code != ENT_OK ? err->code : ent_ctx_store_error(rc, err);
    }
    *out = f;
    return ENT_OK;
}

int
ent_features_get(struct ent_ctx *ctx, const char *id_or_key, struct ent_feature *out,
                 struct ent_error *err)
{
    ent_error_clear(err);
    int rc = ent_ctx_require_reader(ctx, err);
    if (rc < 0)
        return rc;
    struct ent_store_session *sess;
    rc = ent_ctx_session(ctx, &sess);
    if (rc == ENT_OK)
        rc = sess->ops->feature_get(sess, &ctx->arena, id_or_key, out);
    if (rc == ENT_ENOTFOUND)
        return ent_error_set(err, ENT_ENOTFOUND, "no feature '%s'", id_or_key);
    return rc < 0 ? ent_ctx_store_error(rc, err) : ENT_OK;
}

/* Applies the fields of patch->set to f. */
static void
apply_patch(struct ent_feature *f, const struct ent_feature *patch)
{
    if (patch->set & ENT_FEATURE_F_NAME)
        f->name = patch->name;
    if (patch->set & ENT_FEATURE_F_UNIT)
        f->unit = patch->unit;
    if (patch->set & ENT_FEATURE_F_LEVELS) {
        f->levels = patch->levels;
        f->n_levels = patch->n_levels;
    }
    if (patch->set & ENT_FEATURE_F_RESET_PERIOD)
        f->reset_period = patch->reset_period;
    if (patch->set & ENT_FEATURE_F_ACTIVATIONS)
        f->activations_enabled = patch->activations_enabled;
    if (patch->set & ENT_FEATURE_F_STATUS)
        f->status = patch->status;
    if (patch->set & ENT_FEATURE_F_ATTRIBUTES)
        f->attributes = patch->attributes ? patch->attributes : "{}";
}

/*
 * Refuses new levels (ENT_ECONFLICT) while a product grants a value they no longer allow, and
 * regenerates the display names of the values products grant (they follow unit and levels).
 */
static int
check_products_still_valid(struct ent_ctx *ctx, const struct ent_feature *f, struct ent_error *err)
{
    char(*ids)[37] = NULL;
    size_t n = 0;
    int rc = ctx->sess->ops->product_ids_granting(ctx->sess, &ctx->arena, f->id, &ids, &n);
    for (size_t i = 0; rc == ENT_OK && i < n; i++) {
        struct ent_product p;
        rc = ctx->sess->ops->product_get(ctx->sess, &ctx->arena, ids[i], &p);
        for (size_t k = 0; rc == ENT_OK && k < p.n_entitlements; k++) {
            if (strcmp(p.entitlements[k].feature_id, f->id) != 0)
                continue;
            const char *value;
            struct ent_error ignored;
            ent_error_clear(&ignored);
            if (ent_feature_check_value(f, p.entitlements[k].value, "value", &ctx->arena, &value,
                                        &ignored) < 0)
                return ent_error_set(err, ENT_ECONFLICT,
                                     "product '%s' grants the value '%s', which the new levels "
                                     "do not allow",
                                     p.key, p.entitlements[k].value);
        }
    }
    return rc;
}

int
ent_features_update(struct ent_ctx *ctx, const char *id_or_key, const struct ent_feature *patch,
                    struct ent_feature *out, struct ent_error *err)
{
    struct ent_error local;
    if (!err)
        err = &local; /* field checks need somewhere to collect */
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    rc = ent_writes_begin(ctx);
    ent_ctx_touch_catalog(ctx);
    struct ent_feature before, f;
    if (rc == ENT_OK)
        rc = ctx->sess->ops->feature_get(ctx->sess, &ctx->arena, id_or_key, &before);
    if (rc == ENT_ENOTFOUND) {
        ent_writes_abort(ctx);
        return ent_error_set(err, ENT_ENOTFOUND, "no feature '%s'", id_or_key);
    }
    if (rc < 0) {
        ent_writes_abort(ctx);
        return ent_ctx_store_error(rc, err);
    }
    f = before;
    apply_patch(&f, patch);
    if (!(patch->set & ENT_FEATURE_F_LEVELS) && (patch->set & ENT_FEATURE_F_UNIT)) {
        /* Generated level names follow the unit; names the vendor gave stay. */
        rc = own_levels(ctx, &f);
        for (size_t i = 0; rc == ENT_OK && i < f.n_levels; i++) {
            const char *generated =
                ent_feature_display_name(&before, f.levels[i].value, &ctx->arena);
            if (generated && strcmp(generated, f.levels[i].name) == 0)
                f.levels[i].name = NULL;
        }
    }
    if (rc == ENT_OK)
        rc = check_feature(ctx, &f, err);
    if (rc == ENT_OK && (patch->set & ENT_FEATURE_F_LEVELS))
        rc = check_products_still_valid(ctx, &f, err);
    if (rc == ENT_OK && (patch->set & ENT_FEATURE_F_NAME) && strcmp(f.name, before.name) != 0)
        rc = check_unique(ctx, &f, err);
    if (rc < 0) {
        ent_writes_abort(ctx);
        return err && err->code != ENT_OK ? err->code : ent_ctx_store_error(rc, err);
    }
    f.updated_ms = ctx->now_ms;
    f.set = 0;
    rc = ctx->sess->ops->feature_update(ctx->sess, &f);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "feature.updated", NULL, f.id, ENT_KIND_FEATURE, &before, &f);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 200, ENT_KIND_FEATURE, &f);
    if (rc < 0) {
        ent_writes_abort(ctx);
        return ent_ctx_store_error(rc, err);
    }
    *out = f;
    return ENT_OK;
}

int
ent_features_delete(struct ent_ctx *ctx, const char *id_or_key, struct ent_error *err)
{
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    rc = ent_writes_begin(ctx);
    ent_ctx_touch_catalog(ctx);
    struct ent_feature f;
    int64_t products = 0;
    if (rc == ENT_OK)
        rc = ctx->sess->ops->feature_get(ctx->sess, &ctx->arena, id_or_key, &f);
    if (rc == ENT_OK)
        rc = ctx->sess->ops->feature_product_count(ctx->sess, f.id, &products);
    if (rc == ENT_OK && products > 0) {
        ent_writes_abort(ctx);
        return ent_error_set(err, ENT_ECONFLICT,
                             "products or grants use this feature (%lld); archive it instead",
                             (long long)products);
    }
    if (rc == ENT_OK)
        rc = ctx->sess->ops->feature_delete(ctx->sess, f.id);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "feature.deleted", NULL, f.id, ENT_KIND_FEATURE, &f, NULL);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 204, ENT_KIND_FEATURE, NULL);
    if (rc < 0) {
        ent_writes_abort(ctx);
        if (rc == ENT_ENOTFOUND)
            return ent_error_set(err, ENT_ENOTFOUND, "no feature '%s'", id_or_key);
        return ent_ctx_store_error(rc, err);
    }
    return ENT_OK;
}

/* Loads one feature for the generic list. */
static int
load_feature(struct ent_ctx *ctx, struct ent_store_session *sess, const char *id, void *out)
{
    return sess->ops->feature_get(sess, &ctx->arena, id, out);
}

/* True when value names a feature type. */
static bool
check_type(const char *value)
{
    return ent_feature_type_parse(value) != 0;
}

static const struct ent_list_filter feature_filters[] = {
    {.name = "type", .op = ENT_STORE_EQ, .check = check_type},
    {.name = "status", .op = ENT_STORE_EQ, .check = ent_lists_check_status},
    {.name = NULL},
};

static const struct ent_list_spec feature_list = {
    .table = ENT_TABLE_FEATURES,
    .item_size = sizeof(struct ent_feature),
    .sorts = {"key", "name", "type", "status", "created_at", "updated_at"},
    .filters = feature_filters,
    .load = load_feature,
};

int
ent_features_list(struct ent_ctx *ctx, const struct ent_list_query *q, struct ent_list *list,
                  struct ent_error *err)
{
    ent_error_clear(err);
    int rc = ent_ctx_require_reader(ctx, err);
    if (rc < 0)
        return rc;
    return ent_lists_run(ctx, &feature_list, q, NULL, list, err);
}
