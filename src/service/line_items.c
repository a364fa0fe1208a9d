/* SPDX-License-Identifier: MIT */
/*
 * line_items.c: the line items of an order after its creation (seed 004): added to any order,
 * changed by activation id, deployed and undeployed one by one. Once a line item is deployed
 * its entitlements follow it: a change of its product, order type, parent, attributes or flag
 * reaches its own entitlement (activatable: each of its entitlements), undeploying suspends
 * them and deploying again resumes them, each change audited. The checks of new line items and
 * their provisioning into entitlements are orders.c's (orders.h); entitlements are written
 * through grants.c. No SQL and no JSON here.
 *
 * Invariant: every change is one write transaction that reads the order first (on PostgreSQL,
 * locking its row), so changes of one order's line items run one after the other; every
 * failure after ent_writes_begin() leaves through ent_writes_fail(), which rolls back.
 */
#include <stdio.h>
#include <string.h>

#include "service/attribute_definitions.h"
#include "service/ctx.h"
#include "service/events.h"
#include "service/fields.h"
#include "service/grants.h"
#include "service/maintenance.h"
#include "service/orders.h"
#include "service/writes.h"
#include <entitled.h>

#define ORDER_MAX_LINE_ITEMS 1000 /* line items an order may hold in all */
#define ITEM_LABEL_MAX 200        /* characters of a product version or part number */

/* A line item being changed, with its order and what its change touched. */
struct item_change {
    struct ent_order order;  /* as read, its line items included */
    size_t at;               /* the line item's index */
    struct ent_line_item li; /* the line item as it becomes */
    bool touched;            /* an entitlement changed: the caches of its account drop */
};

static int begin_change(struct ent_ctx *ctx, const char *id, const char *item,
                        struct item_change *c, struct ent_error *err);
static int finish_change(struct ent_ctx *ctx, struct item_change *c, const char *event,
                         struct ent_order *out, struct ent_error *err);
static int resolve_new_product(struct ent_ctx *ctx, struct item_change *c, const char *product,
                               struct ent_error *err);
static int resolve_new_parent(struct ent_ctx *ctx, struct item_change *c, const char *parent,
                              struct ent_error *err);
static void apply_fields(struct item_change *c, const struct ent_line_item *patch,
                         struct ent_error *err);
static int follow(struct ent_ctx *ctx, struct item_change *c, const struct ent_line_item *before,
                  struct ent_error *err);
static int set_status(struct ent_ctx *ctx, struct item_change *c, enum ent_entitlement_status from,
                      enum ent_entitlement_status to);
static int deploy_new_items(struct ent_ctx *ctx, struct ent_order *o, size_t first,
                            struct ent_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Shared steps                                                                                */
/* ------------------------------------------------------------------------------------------ */

/*
 * Opens the write of a change of a line item: reads the order id (or external id) and finds
 * its line item whose activation id (or id) is item. Admin keys only. OUT c.
 * Errors: ENT_ENOTFOUND, ENT_EFORBIDDEN, ENT_EBUSY, ENT_ESTORE, ENT_ENOMEM (the write is left
 * open; the caller ends it).
 */
static int
begin_change(struct ent_ctx *ctx, const char *id, const char *item, struct item_change *c,
             struct ent_error *err)
{
    memset(c, 0, sizeof(*c));
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc == ENT_OK)
        rc = ent_writes_begin(ctx);
    if (rc == ENT_OK)
        rc = ent_orders_load(ctx, id, &c->order, err);
    if (rc < 0)
        return rc;
    for (c->at = 0; c->at < c->order.n_items; c->at++) {
        const struct ent_line_item *li = &c->order.items[c->at];
        if (item && (strcmp(li->activation_id, item) == 0 || strcmp(li->id, item) == 0)) {
            c->li = *li;
            return ENT_OK;
        }
    }
    return ent_error_set(err, ENT_ENOTFOUND, "no line item '%s' in order '%s'", item ? item : "",
                         c->order.id);
}

/*
 * Ends a change of a line item: writes it (and the order's time), reads the order back, records
 * event with the order before and after, drops the caches of the accounts it touched when it
 * commits. OUT out. Errors: ENT_ESTORE, ENT_ENOMEM (the caller fails the write).
 */
static int
finish_change(struct ent_ctx *ctx, struct item_change *c, const char *event, struct ent_order *out,
              struct ent_error *err)
{
    (void)err;
    struct ent_order o = c->order;
    o.updated_ms = ctx->now_ms;
    int rc = ctx->sess->ops->line_item_update(ctx->sess, o.id, &c->li);
    if (rc == ENT_OK)
        rc = ctx->sess->ops->order_update(ctx->sess, &o);
    if (rc == ENT_OK)
        rc = ctx->sess->ops->order_get(ctx->sess, &ctx->arena, o.id, out);
    if (rc == ENT_OK)
        rc =
            ent_events_record(ctx, event, out->account_id, out->id, ENT_KIND_ORDER, &c->order, out);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 200, ENT_KIND_ORDER, out);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Add                                                                                         */
/* ------------------------------------------------------------------------------------------ */

/*
 * Deploys the line items of an active order o from index first on that auto-deploy: their
 * entitlements are made (none for maintenance) and they are marked deployed.
 * Errors: ENT_EINVAL, ENT_ECONFLICT, ENT_ESTORE, ENT_ENOMEM.
 */
static int
deploy_new_items(struct ent_ctx *ctx, struct ent_order *o, size_t first, struct ent_error *err)
{
    int rc = ENT_OK;
    for (size_t i = first; rc == ENT_OK && i < o->n_items; i++) {
        if (!o->items[i].auto_deploy)
            continue;
        if (o->items[i].kind != ENT_LINE_ITEM_MAINTENANCE)
            rc = ent_orders_provision(ctx, o, i, err);
        if (rc == ENT_OK)
            rc = ent_orders_mark(ctx, o, i, true);
        o->items[i].deployed = true;
    }
    return rc == ENT_OK ? ent_ctx_touch_account(ctx, o->account_id) : rc;
}

/*
 * Adds line items to an order (see entitled.h): checked as a new order's ("items[i]…" count
 * from the first added), given activation ids unique across every line item and entitlement;
 * an active order deploys those that auto-deploy at once. Records "order.updated"; answers 201
 * with the whole order. Admin keys only.
 * Errors: ENT_EINVAL, ENT_ENOTFOUND, ENT_ECONFLICT, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_line_items_add(struct ent_ctx *ctx, const char *id, const struct ent_line_item *items,
                   size_t n_items, struct ent_order *out, struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    struct ent_order before, o, added;
    memset(&before, 0, sizeof(before));
    rc = ent_writes_begin(ctx);
    if (rc == ENT_OK)
        rc = ent_orders_load(ctx, id, &before, err);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    added = (struct ent_order){.items = (struct ent_line_item *)items, .n_items = n_items};
    memcpy(added.account_id, before.account_id, sizeof(added.account_id));
    rc = ent_orders_check_items(ctx, &added, err);
    if (rc == ENT_OK && before.n_items + added.n_items > ORDER_MAX_LINE_ITEMS)
        rc = ent_error_field(err, "items", "would make the order hold more than %d line items",
                             ORDER_MAX_LINE_ITEMS);
    o = before;
    o.n_items = before.n_items + added.n_items;
    o.items = ent_arena_calloc(&ctx->arena, o.n_items ? o.n_items : 1, sizeof(*o.items));
    if (rc == ENT_OK && !o.items)
        rc = ENT_ENOMEM;
    if (rc == ENT_OK) {
        if (before.n_items)
            memcpy(o.items, before.items, before.n_items * sizeof(*o.items));
        memcpy(o.items + before.n_items, added.items, added.n_items * sizeof(*o.items));
        rc = ctx->sess->ops->order_add_items(ctx->sess, &o, before.n_items);
    }
    if (rc == ENT_ECONFLICT && err->code != ENT_ECONFLICT)
        rc = ent_error_set(err, ENT_ECONFLICT,
                           "an activation id of these line items was taken meanwhile; try again");
    if (rc == ENT_OK && o.status == ENT_ORDER_ACTIVE)
        rc = deploy_new_items(ctx, &o, before.n_items, err);
    o.updated_ms = ctx->now_ms;
    if (rc == ENT_OK)
        rc = ctx->sess->ops->order_update(ctx->sess, &o);
    if (rc == ENT_OK)
        rc = ctx->sess->ops->order_get(ctx->sess, &ctx->arena, o.id, out);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "order.updated", out->account_id, out->id, ENT_KIND_ORDER,
                               &before, out);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 201, ENT_KIND_ORDER, out);
    return rc < 0 ? ent_writes_fail(ctx, rc, err) : ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Change                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/*
 * Resolves a new product (id or key) for the line item: unknown or archived is a field error
 * on "product"; its version and part number become the line item's unless the change gives
 * them. Errors: ENT_ESTORE, ENT_ENOMEM (field errors return ENT_OK).
 */
static int
resolve_new_product(struct ent_ctx *ctx, struct item_change *c, const char *product,
                    struct ent_error *err)
{
    struct ent_product p;
    int rc = ENT_ENOTFOUND;
    if (product && product[0])
        rc = ctx->sess->ops->product_get(ctx->sess, &ctx->arena, product, &p);
    if (rc == ENT_ENOTFOUND || (rc == ENT_OK && p.status == ENT_STATUS_ARCHIVED)) {
        ent_error_field(err, "product",
                        rc == ENT_OK ? "is archived; it may not be ordered" : "no such product");
        return ENT_OK;
    }
    if (rc < 0)
        return rc;
    c->li.product = p.key;
    memcpy(c->li.product_id, p.id, sizeof(c->li.product_id));
    c->li.product_version = p.version;
    c->li.part_number = p.part_number;
    return ENT_OK;
}

/*
 * Checks a new parent_activation_id (NULL: none) for the line item: a line item of the order
 * or one the store holds, or an entitlement; not the line item itself; for maintenance, not
 * another maintenance line item. Errors: ENT_ESTORE (field errors return ENT_OK).
 */
static int
resolve_new_parent(struct ent_ctx *ctx, struct item_change *c, const char *parent,
                   struct ent_error *err)
{
    c->li.parent_activation_id = parent;
    if (!parent) {
        if (c->li.kind == ENT_LINE_ITEM_MAINTENANCE)
            ent_error_field(err, "parent_activation_id",
                            "is required for a maintenance line item: the activation id of the "
                            "line item it maintains");
        return ENT_OK;
    }
    bool taken = false;
    int rc = ENT_OK;
    if (ent_grants_activation_id_valid(parent) && strcmp(parent, c->li.activation_id) != 0)
        rc = ctx->sess->ops->activation_id_taken(ctx->sess, parent, &taken);
    if (rc == ENT_OK && !taken)
        ent_error_field(err, "parent_activation_id", "names no other line item or entitlement");
    if (rc == ENT_OK && taken)
        rc = ent_maintenance_check_parent(ctx, "parent_activation_id", &c->li, NULL, err);
    return rc;
}

/* Applies the fields of patch->set that need no store to the line item; records field errors. */
static void
apply_fields(struct item_change *c, const struct ent_line_item *patch, struct ent_error *err)
{
    if (patch->set & ENT_LINE_ITEM_F_ORDER_TYPE) {
        if (patch->order_type < ENT_ORDER_TYPE_NEW || patch->order_type > ENT_ORDER_TYPE_UPSELL)
            ent_error_field(err, "order_type", "must be new, renewal, upgrade or upsell");
        c->li.order_type = patch->order_type;
    }
    if (patch->set & ENT_LINE_ITEM_F_ATTRIBUTES) {
        ent_fields_attributes(err, "attributes", patch->attributes);
        c->li.attributes = patch->attributes ? patch->attributes : "{}";
    }
    if (patch->set & ENT_LINE_ITEM_F_ACTIVATABLE)
        c->li.activatable = patch->activatable;
    if (patch->set & ENT_LINE_ITEM_F_AUTO_DEPLOY)
        c->li.auto_deploy = patch->auto_deploy;
    if (patch->set & ENT_LINE_ITEM_F_PRODUCT_VERSION) {
        ent_fields_text(err, "product_version", patch->product_version, ITEM_LABEL_MAX);
        c->li.product_version = patch->product_version;
    }
    if (patch->set & ENT_LINE_ITEM_F_PART_NUMBER) {
        ent_fields_text(err, "part_number", patch->part_number, ITEM_LABEL_MAX);
        c->li.part_number = patch->part_number;
    }
}

/*
 * Makes the entitlements of a deployed line item follow its change: its own entitlement (the
 * same activation id) takes the product, order type, parent and attributes; each takes the
 * activatable flag. A new product where the old or new one is a bundle: ENT_ECONFLICT (its
 * components' entitlements would not follow). Each change is audited ("entitlement.updated").
 * Errors: ENT_ECONFLICT, ENT_ESTORE, ENT_ENOMEM.
 */
static int
follow(struct ent_ctx *ctx, struct item_change *c, const struct ent_line_item *before,
       struct ent_error *err)
{
    struct ent_entitlement *ents = NULL;
    size_t n = 0;
    int rc = ctx->sess->ops->entitlements_of_line_item(ctx->sess, &ctx->arena, c->li.id, &ents, &n);
    bool new_product = strcmp(before->product_id, c->li.product_id) != 0;
    struct ent_product old_p, new_p;
    if (rc == ENT_OK && n > 0 && new_product)
        rc = ctx->sess->ops->product_get(ctx->sess, &ctx->arena, before->product_id, &old_p);
    if (rc == ENT_OK && n > 0 && new_product)
        rc = ctx->sess->ops->product_get(ctx->sess, &ctx->arena, c->li.product_id, &new_p);
    if (rc == ENT_OK && n > 0 && new_product && (old_p.n_components || new_p.n_components))
        return ent_error_set(err, ENT_ECONFLICT,
                             "line item '%s' is deployed and a bundle's; its product cannot "
                             "change (add a line item instead)",
                             c->li.activation_id);
    char parent_id[37] = "";
    if (rc == ENT_OK)
        rc = ent_grants_holder(ctx, c->li.parent_activation_id, parent_id);
    for (size_t i = 0; rc == ENT_OK && i < n; i++) {
        struct ent_entitlement after = ents[i];
        bool own = strcmp(ents[i].activation_id, c->li.activation_id) == 0;
        if (own) {
            memcpy(after.product_id, c->li.product_id, sizeof(after.product_id));
            after.product = c->li.product;
            after.name = new_product ? new_p.name : after.name;
            after.order_type = c->li.order_type;
            memcpy(after.parent_id, parent_id, sizeof(after.parent_id));
            after.attributes = c->li.attributes;
        }
        after.activatable = c->li.activatable;
        after.updated_ms = ctx->now_ms;
        rc = ent_grants_update(ctx, &ents[i], &after, "entitlement.updated");
        if (rc == ENT_OK)
            rc = ent_ctx_touch_account(ctx, after.account_id);
        c->touched = true;
    }
    return rc;
}

/*
 * Changes a line item found by activation id (see entitled.h): the fields of patch->set; a
 * deployed one's entitlements follow. Records "order.updated"; answers 200 with the order.
 * Admin keys only. Errors: ENT_EINVAL, ENT_ENOTFOUND, ENT_ECONFLICT, ENT_EFORBIDDEN,
 * ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_line_items_update(struct ent_ctx *ctx, const char *id, const char *item,
                      const struct ent_line_item *patch, struct ent_order *out,
                      struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    struct item_change c;
    int rc = begin_change(ctx, id, item, &c, err);
    struct ent_line_item before = c.li;
    apply_fields(&c, patch, err);
    if (rc == ENT_OK && (patch->set & ENT_LINE_ITEM_F_PRODUCT))
        rc = resolve_new_product(ctx, &c, patch->product, err);
    if (rc == ENT_OK && (patch->set & ENT_LINE_ITEM_F_PRODUCT_VERSION))
        c.li.product_version = patch->product_version;
    if (rc == ENT_OK && (patch->set & ENT_LINE_ITEM_F_PART_NUMBER))
        c.li.part_number = patch->part_number;
    if (rc == ENT_OK && (patch->set & ENT_LINE_ITEM_F_PARENT))
        rc = resolve_new_parent(ctx, &c, patch->parent_activation_id, err);
    if (rc == ENT_OK && (patch->set & ENT_LINE_ITEM_F_ATTRIBUTES))
        rc = ent_attribute_definitions_apply(ctx, ENT_ATTRIBUTE_OBJECT_LINE_ITEM, "attributes",
                                             &c.li.attributes, err);
    if (rc == ENT_OK && ent_fields_failed(err))
        rc = ENT_EINVAL;
    if (rc == ENT_OK && c.li.kind == ENT_LINE_ITEM_PRODUCT)
        rc = follow(ctx, &c, &before, err);
    if (rc == ENT_OK)
        rc = finish_change(ctx, &c, "order.updated", out, err);
    return rc < 0 ? ent_writes_fail(ctx, rc, err) : ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Deploy, undeploy                                                                            */
/* ------------------------------------------------------------------------------------------ */

/*
 * Sets the entitlements of the line item whose status is from to status to (suspend on
 * undeploy, resume on deploy), each audited ("entitlement.updated").
 * Errors: ENT_ESTORE, ENT_ENOMEM.
 */
static int
set_status(struct ent_ctx *ctx, struct item_change *c, enum ent_entitlement_status from,
           enum ent_entitlement_status to)
{
    struct ent_entitlement *ents = NULL;
    size_t n = 0;
    int rc = ctx->sess->ops->entitlements_of_line_item(ctx->sess, &ctx->arena, c->li.id, &ents, &n);
    for (size_t i = 0; rc == ENT_OK && i < n; i++) {
        if (ents[i].status != from)
            continue;
        struct ent_entitlement after = ents[i];
        after.status = to;
        after.updated_ms = ctx->now_ms;
        rc = ent_grants_update(ctx, &ents[i], &after, "entitlement.updated");
        if (rc == ENT_OK)
            rc = ent_ctx_touch_account(ctx, after.account_id);
    }
    return rc;
}

/*
 * Deploys or undeploys one line item (see entitled.h). Deploying a product line item makes its
 * entitlements when it has none yet (as activation does, the order draft or active), or resumes
 * those its undeployment suspended (its revoked entitlement is not made again: ENT_ECONFLICT);
 * undeploying suspends them. Doing either twice answers the
 * order unchanged and records nothing. Records "order.item_deployed" or "order.item_undeployed";
 * answers 200 with the order. Admin keys only. Errors: ENT_ENOTFOUND, ENT_EINVAL,
 * ENT_ECONFLICT, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_line_items_deploy(struct ent_ctx *ctx, const char *id, const char *item, bool deploy,
                      struct ent_order *out, struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    struct item_change c;
    int rc = begin_change(ctx, id, item, &c, err);
    if (rc == ENT_OK && c.li.deployed == deploy) {
        rc = ent_writes_commit(ctx, 200, ENT_KIND_ORDER, &c.order);
        *out = c.order;
        return rc < 0 ? ent_writes_fail(ctx, rc, err) : ENT_OK;
    }
    struct ent_entitlement *made = NULL;
    size_t n_made = 0;
    bool product = c.li.kind == ENT_LINE_ITEM_PRODUCT;
    char revoked[37] = ""; /* its own entitlement, when only revoked ones are left */
    if (rc == ENT_OK && product && deploy)
        rc = ctx->sess->ops->entitlements_of_line_item(ctx->sess, &ctx->arena, c.li.id, &made,
                                                       &n_made);
    if (rc == ENT_OK && product && deploy && n_made == 0)
        rc = ent_grants_holder(ctx, c.li.activation_id, revoked);
    if (rc == ENT_OK && product && deploy && n_made == 0 && revoked[0])
        rc = ent_error_set(err, ENT_ECONFLICT,
                           "the entitlement of line item '%s' is revoked; add a line item instead",
                           c.li.activation_id);
    if (rc == ENT_OK && product && deploy && n_made == 0)
        rc = ent_orders_provision(ctx, &c.order, c.at, err);
    else if (rc == ENT_OK && product && deploy)
        rc = set_status(ctx, &c, ENT_ENTITLEMENT_SUSPENDED, ENT_ENTITLEMENT_ACTIVE);
    else if (rc == ENT_OK && product)
        rc = set_status(ctx, &c, ENT_ENTITLEMENT_ACTIVE, ENT_ENTITLEMENT_SUSPENDED);
    if (rc == ENT_OK)
        rc = ent_ctx_touch_account(ctx, c.order.account_id);
    c.li.deployed = deploy;
    if (rc == ENT_OK)
        rc = finish_change(ctx, &c, deploy ? "order.item_deployed" : "order.item_undeployed", out,
                           err);
    return rc < 0 ? ent_writes_fail(ctx, rc, err) : ENT_OK;
}
