/* SPDX-License-Identifier: MIT */
/*
 * orders.c: orders and their line items: create (a draft, or activated at once), read, list,
 * and activate. Activation turns line items into entitlements (seeds 000 and 004) by their
 * product's category (core/category.c): a service (professional_services, customer_support)
 * always, even without features; recurring_services and other when they grant features;
 * physical_goods never. One per line item whose product qualifies, sharing the line item's
 * activation id; for a bundle one more per qualifying component, with a generated activation
 * id and the bundle's own entitlement as parent. This file owns
 * those rules and the account-key isolation of order reads. The entitlements themselves are
 * written through grants.c; no SQL and no JSON here.
 *
 * Invariant: every check that reads the store runs inside the change's write transaction, and
 * an activation is one transaction: either every entitlement of the order exists and the order
 * is active, or nothing changed. Every failure after ent_writes_begin() leaves through
 * ent_writes_fail(), which rolls back.
 */
#include "service/orders.h"

#include <stdio.h>
#include <string.h>

#include "core/category.h"
#include "core/str.h"
#include "service/attribute_definitions.h"
#include "service/ctx.h"
#include "service/events.h"
#include "service/fields.h"
#include "service/grants.h"
#include "service/lists.h"
#include "service/maintenance.h"
#include "service/writes.h"
#include <entitled.h>

#define ORDER_MAX_ITEMS 100
#define BUNDLE_DEPTH_MAX 16          /* nested bundles followed (as the evaluation cache) */
#define ORDER_MAX_ENTITLEMENTS 10000 /* entitlements one activation may create */
#define FIELD_PATH_MAX 96            /* as struct ent_field_error.field */
#define ORDER_LABEL_MAX 200          /* characters of a product version or part number */

/* A given activation id of the request that cannot be used: taken, or repeated. */
struct id_conflict {
    size_t item;    /* the line item that gives it */
    bool repeat;    /* true: an earlier item gives it too; false: taken in the store */
    size_t earlier; /* with repeat: that earlier item */
};

/* The state of one activation: what each line item became so far. */
struct provision {
    const struct ent_order *order;
    char (*made)[37]; /* per line item: the id of its own entitlement, or "" */
    size_t n_made;    /* entitlements created so far */
    struct ent_error *err;
};

static void check_item_fields(struct ent_ctx *ctx, size_t i, struct ent_line_item *li,
                              struct ent_error *err);
static int resolve_product(struct ent_ctx *ctx, size_t i, struct ent_line_item *li,
                           struct ent_error *err);
static int check_given_id(struct ent_ctx *ctx, const struct ent_order *o, size_t i,
                          struct id_conflict *conflicts, size_t *n_conflicts,
                          struct ent_error *err);
static int check_parent(struct ent_ctx *ctx, const struct ent_order *o, size_t i,
                        struct ent_error *err);
static bool id_in_order(const struct ent_order *o, size_t upto, const char *activation_id,
                        size_t *at);
static int generate_ids(struct ent_ctx *ctx, struct ent_order *o);
static int report_conflicts(const struct id_conflict *conflicts, size_t n,
                            const struct ent_order *o, struct ent_error *err);
static int check_order(struct ent_ctx *ctx, struct ent_order *o, struct ent_error *err);
static bool provisions(const struct ent_product *p);
static int make_entitlement(struct ent_ctx *ctx, struct provision *pv,
                            const struct ent_line_item *li, const struct ent_product *p,
                            int64_t quantity, const char *activation_id, bool shared_id,
                            const char *parent_id, char *made_id);
static int provision_components(struct ent_ctx *ctx, struct provision *pv, size_t i,
                                const struct ent_product *bundle, const char *parent_id,
                                int64_t quantity, int depth);
static int find_parent(struct ent_ctx *ctx, const struct provision *pv, size_t i,
                       char parent_id[37]);
static int provision_item(struct ent_ctx *ctx, struct provision *pv, size_t i);
static int activate_draft(struct ent_ctx *ctx, const struct ent_order *draft, struct ent_order *out,
                          struct ent_error *err);
static int deploy_on_activation(struct ent_ctx *ctx, struct provision *pv, size_t i);
static void check_shipping(struct ent_order *o, struct ent_error *err);
static void check_seed_item(const char *prefix, struct ent_line_item *li, struct ent_error *err);
static int check_item_attributes(struct ent_ctx *ctx, size_t i, struct ent_line_item *li,
                                 struct ent_error *err);
static int check_external_id(struct ent_ctx *ctx, const char *external_id, const char *self,
                             struct ent_error *err);
static void apply_patch(struct ent_order *o, const struct ent_order *patch);
static int load_listed(struct ent_ctx *ctx, struct ent_store_session *sess, const char *id,
                       void *out);
static bool check_status(const char *value);

/* ------------------------------------------------------------------------------------------ */
/* Checks of a new order                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* Reads an order by id or external id (see orders.h). */
int
ent_orders_load(struct ent_ctx *ctx, const char *id, struct ent_order *out, struct ent_error *err)
{
    int rc = ENT_ENOTFOUND;
    if (id && id[0])
        rc = ctx->sess->ops->order_get(ctx->sess, &ctx->arena, id, out);
    return ent_ctx_found(ctx, rc, out->account_id, "order", id, err);
}

/*
 * Checks and defaults the fields of the i-th line item that need no store: quantities (0
 * means 1), dates, order type, attributes. Records field errors ("items[i].quantity", …).
 */
static void
check_item_fields(struct ent_ctx *ctx, size_t i, struct ent_line_item *li, struct ent_error *err)
{
    char prefix[32], field[FIELD_PATH_MAX]; /* prefix: "items[99]." at most */
    snprintf(prefix, sizeof(prefix), "items[%zu].", i);
    if (li->quantity == 0)
        li->quantity = 1;
    if (li->quantity < 1) {
        snprintf(field, sizeof(field), "%squantity", prefix);
        ent_error_field(err, field, "must be 1 or more");
    }
    if (li->quantity_per_copy == 0)
        li->quantity_per_copy = 1;
    if (li->quantity_per_copy < 1) {
        snprintf(field, sizeof(field), "%squantity_per_copy", prefix);
        ent_error_field(err, field, "must be 1 or more");
    }
    ent_grants_check_period(ctx, prefix, &li->start_ms, &li->end_ms, &li->permanent, err);
    if (!li->order_type)
        li->order_type = ENT_ORDER_TYPE_NEW;
    if (li->order_type < ENT_ORDER_TYPE_NEW || li->order_type > ENT_ORDER_TYPE_UPSELL) {
        snprintf(field, sizeof(field), "%sorder_type", prefix);
        ent_error_field(err, field, "must be new, renewal, upgrade or upsell");
    }
    snprintf(field, sizeof(field), "%sattributes", prefix);
    ent_fields_attributes(err, field, li->attributes);
    if (!li->attributes)
        li->attributes = "{}";
    check_seed_item(prefix, li, err);
}

/*
 * Checks and defaults what seed 004 adds to a new line item: its kind (product), its flags
 * (activatable, auto_deploy: true unless given), its version and part number (free text, the
 * product's unless given), and the line item a maintenance line item maintains (its
 * parent_activation_id, required). prefix: "items[i]." Records field errors.
 */
static void
check_seed_item(const char *prefix, struct ent_line_item *li, struct ent_error *err)
{
    char field[FIELD_PATH_MAX];
    if (!li->kind)
        li->kind = ENT_LINE_ITEM_PRODUCT;
    if (li->kind != ENT_LINE_ITEM_PRODUCT && li->kind != ENT_LINE_ITEM_MAINTENANCE) {
        snprintf(field, sizeof(field), "%skind", prefix);
        ent_error_field(err, field, "must be product or maintenance");
    }
    if (!(li->set & ENT_LINE_ITEM_F_ACTIVATABLE))
        li->activatable = true;
    if (!(li->set & ENT_LINE_ITEM_F_AUTO_DEPLOY))
        li->auto_deploy = true;
    li->deployed = false;
    snprintf(field, sizeof(field), "%sproduct_version", prefix);
    ent_fields_text(err, field, li->product_version, ORDER_LABEL_MAX);
    snprintf(field, sizeof(field), "%spart_number", prefix);
    ent_fields_text(err, field, li->part_number, ORDER_LABEL_MAX);
    if (li->kind == ENT_LINE_ITEM_MAINTENANCE && !li->parent_activation_id) {
        snprintf(field, sizeof(field), "%sparent_activation_id", prefix);
        ent_error_field(err, field,
                        "is required for a maintenance line item: the activation id "
                        "of the line item it maintains");
    }
}

/*
 * Checks the attributes of the i-th line item against the definitions of line items (seed
 * 004), field errors on "items[i].attributes.<name>". Errors: ENT_ESTORE, ENT_ENOMEM.
 */
static int
check_item_attributes(struct ent_ctx *ctx, size_t i, struct ent_line_item *li,
                      struct ent_error *err)
{
    char field[FIELD_PATH_MAX];
    snprintf(field, sizeof(field), "items[%zu].attributes", i);
    return ent_attribute_definitions_apply(ctx, ENT_ATTRIBUTE_OBJECT_LINE_ITEM, field,
                                           &li->attributes, err);
}

/*
 * Resolves the product (id or key) of the i-th line item into li->product (its key) and
 * li->product_id; unknown and archived products are field errors on "items[i].product".
 * Errors: ENT_ESTORE, ENT_ENOMEM (field errors return ENT_OK).
 */
static int
resolve_product(struct ent_ctx *ctx, size_t i, struct ent_line_item *li, struct ent_error *err)
{
    char field[FIELD_PATH_MAX];
    snprintf(field, sizeof(field), "items[%zu].product", i);
    if (!li->product || !li->product[0]) {
        ent_error_field(err, field, "is required");
        return ENT_OK;
    }
    struct ent_product p;
    int rc = ctx->sess->ops->product_get(ctx->sess, &ctx->arena, li->product, &p);
    if (rc == ENT_ENOTFOUND) {
        ent_error_field(err, field, "no such product");
        return ENT_OK;
    }
    if (rc < 0)
        return rc;
    if (p.status == ENT_STATUS_ARCHIVED) {
        ent_error_field(err, field, "is archived; it may not be ordered");
        return ENT_OK;
    }
    li->product = p.key;
    memcpy(li->product_id, p.id, sizeof(li->product_id));
    if (!li->product_version) /* seed 004: the product's version and part number */
        li->product_version = p.version;
    if (!li->part_number)
        li->part_number = p.part_number;
    return ENT_OK;
}

/*
 * True when one of the first upto line items of o has activation_id (given or generated).
 * OUT at: its index.
 */
static bool
id_in_order(const struct ent_order *o, size_t upto, const char *activation_id, size_t *at)
{
    for (size_t j = 0; j < upto; j++) {
        if (o->items[j].activation_id && strcmp(o->items[j].activation_id, activation_id) == 0) {
            *at = j;
            return true;
        }
    }
    return false;
}

/*
 * Checks the activation id the i-th line item gives, if any: its form is a field error; one
 * that an earlier item gives too, or that a line item or entitlement holds, is a conflict,
 * appended to conflicts. Errors: ENT_ESTORE (field errors and conflicts return ENT_OK).
 */
static int
check_given_id(struct ent_ctx *ctx, const struct ent_order *o, size_t i,
               struct id_conflict *conflicts, size_t *n_conflicts, struct ent_error *err)
{
    const char *id = o->items[i].activation_id;
    if (!id)
        return ENT_OK;
    char field[FIELD_PATH_MAX];
    snprintf(field, sizeof(field), "items[%zu].activation_id", i);
    if (!ent_grants_activation_id_valid(id)) {
        ent_error_field(err, field, "must be 1 to %d of A-Z, a-z, 0-9, '_', '.', ':', '-'",
                        ENT_ACTIVATION_ID_MAX);
        return ENT_OK;
    }
    size_t earlier;
    if (id_in_order(o, i, id, &earlier)) {
        conflicts[(*n_conflicts)++] = (struct id_conflict){i, true, earlier};
        return ENT_OK;
    }
    bool taken = false;
    int rc = ctx->sess->ops->activation_id_taken(ctx->sess, id, &taken);
    if (rc == ENT_OK && taken)
        conflicts[(*n_conflicts)++] = (struct id_conflict){i, false, 0};
    return rc;
}

/*
 * Checks the parent_activation_id of the i-th line item, if any: it must name the given
 * activation id of an earlier line item of the order, or one a line item or entitlement holds.
 * Records a field error on "items[i].parent_activation_id" otherwise.
 * Errors: ENT_ESTORE (field errors return ENT_OK).
 */
static int
check_parent(struct ent_ctx *ctx, const struct ent_order *o, size_t i, struct ent_error *err)
{
    const char *parent = o->items[i].parent_activation_id;
    if (!parent)
        return ENT_OK;
    char field[FIELD_PATH_MAX];
    snprintf(field, sizeof(field), "items[%zu].parent_activation_id", i);
    size_t at;
    if (!ent_grants_activation_id_valid(parent)) {
        ent_error_field(err, field, "names no line item or entitlement");
        return ENT_OK;
    }
    if (id_in_order(o, i, parent, &at))
        return ent_maintenance_check_parent(ctx, field, &o->items[i], &o->items[at], err);
    bool taken = false;
    int rc = ctx->sess->ops->activation_id_taken(ctx->sess, parent, &taken);
    if (rc == ENT_OK && !taken)
        ent_error_field(err, field, "names no line item or entitlement");
    if (rc == ENT_OK && taken)
        rc = ent_maintenance_check_parent(ctx, field, &o->items[i], NULL, err);
    return rc;
}

/*
 * Gives every line item of o without an activation id a generated one, distinct from every
 * other id of the order and from the store's. Errors: ENT_ECONFLICT, ENT_ESTORE, ENT_ENOMEM.
 */
static int
generate_ids(struct ent_ctx *ctx, struct ent_order *o)
{
    for (size_t i = 0; i < o->n_items; i++) {
        if (o->items[i].activation_id)
            continue;
        const char *id = NULL;
        size_t at;
        int rc = ENT_OK;
        for (int draw = 0; rc == ENT_OK && (!id || id_in_order(o, o->n_items, id, &at)); draw++) {
            rc = draw < 4 ? ent_grants_new_activation_id(ctx, &id) : ENT_ECONFLICT;
        }
        if (rc < 0)
            return rc;
        o->items[i].activation_id = id;
    }
    return ENT_OK;
}

/*
 * Reports the activation id conflicts of a request. With other field errors recorded already,
 * they join them (ENT_EINVAL: the request is wrong either way); alone they make a 409
 * ENT_ECONFLICT whose message names the first field, and each is listed as a field error.
 * Returns the code recorded, or ENT_OK when there is none.
 */
static int
report_conflicts(const struct id_conflict *conflicts, size_t n, const struct ent_order *o,
                 struct ent_error *err)
{
    if (n == 0)
        return ent_fields_failed(err) ? ENT_EINVAL : ENT_OK;
    if (!ent_fields_failed(err))
        ent_error_set(err, ENT_ECONFLICT, "items[%zu].activation_id: the activation id '%s' is %s",
                      conflicts[0].item, o->items[conflicts[0].item].activation_id,
                      conflicts[0].repeat ? "given twice in this order"
                                          : "taken by a line item or entitlement");
    for (size_t k = 0; k < n; k++) {
        char field[FIELD_PATH_MAX];
        snprintf(field, sizeof(field), "items[%zu].activation_id", conflicts[k].item);
        if (conflicts[k].repeat)
            ent_error_field(err, field, "repeats items[%zu].activation_id", conflicts[k].earlier);
        else
            ent_error_field(err, field, "is taken by a line item or entitlement");
    }
    return err->code;
}

/*
 * Checks the fields of seed 004 an order has (the caller's external id, description, ship-to
 * e-mail and address) and records field errors.
 */
static void
check_shipping(struct ent_order *o, struct ent_error *err)
{
    if (o->external_id && !ent_grants_activation_id_valid(o->external_id))
        ent_error_field(err, "external_id", "must be 1 to %d of A-Z, a-z, 0-9, '_', '.', ':', '-'",
                        ENT_ACTIVATION_ID_MAX);
    ent_fields_text(err, "description", o->description, ENT_TEXT_MAX);
    if (o->ship_to_email && !ent_str_is_email(o->ship_to_email))
        ent_error_field(err, "ship_to_email", "is not a valid e-mail address");
    ent_fields_text(err, "ship_to_address", o->ship_to_address, ENT_TEXT_MAX);
}

/*
 * Refuses (ENT_ECONFLICT, recorded in err) an external id that another order has, as its
 * external id or its id (an order is read by either). self: the order's own id ("" when new).
 * Errors: ENT_ECONFLICT, ENT_ESTORE, ENT_ENOMEM.
 */
static int
check_external_id(struct ent_ctx *ctx, const char *external_id, const char *self,
                  struct ent_error *err)
{
    if (!external_id || ent_fields_failed(err))
        return ENT_OK;
    struct ent_order other;
    int rc = ctx->sess->ops->order_get(ctx->sess, &ctx->arena, external_id, &other);
    if (rc == ENT_ENOTFOUND)
        return ENT_OK;
    if (rc == ENT_OK && strcmp(other.id, self) != 0)
        rc = ent_error_set(err, ENT_ECONFLICT, "external_id: an order with the id '%s' exists",
                           external_id);
    return rc;
}

/*
 * Checks a whole new order inside the open write transaction and completes it: account id,
 * the fields of seed 004, line items resolved and defaulted, activation ids checked and
 * generated. Every field error is reported at once.
 * Errors: ENT_EINVAL, ENT_ECONFLICT, ENT_ESTORE, ENT_ENOMEM.
 */
static int
check_order(struct ent_ctx *ctx, struct ent_order *o, struct ent_error *err)
{
    ent_fields_attributes(err, "attributes", o->attributes);
    if (!o->attributes)
        o->attributes = "{}";
    check_shipping(o, err);
    int rc = ent_grants_resolve_account(ctx, o->account, "account", o->account_id, err);
    if (rc == ENT_OK)
        rc = ent_attribute_definitions_apply(ctx, ENT_ATTRIBUTE_OBJECT_ORDER, "attributes",
                                             &o->attributes, err);
    if (rc == ENT_OK)
        rc = ent_orders_check_items(ctx, o, err);
    if (rc == ENT_OK)
        rc = check_external_id(ctx, o->external_id, "", err);
    return rc;
}

/* Checks and completes the line items of o (see orders.h). */
int
ent_orders_check_items(struct ent_ctx *ctx, struct ent_order *o, struct ent_error *err)
{
    int rc = ENT_OK;
    if (o->n_items < 1 || o->n_items > ORDER_MAX_ITEMS || !o->items) {
        ent_error_field(err, "items", "must hold 1 to %d line items", ORDER_MAX_ITEMS);
        return ENT_EINVAL;
    }
    struct ent_line_item *items = ent_arena_calloc(&ctx->arena, o->n_items, sizeof(*items));
    struct id_conflict *conflicts = ent_arena_calloc(&ctx->arena, o->n_items, sizeof(*conflicts));
    if (!items || !conflicts)
        return ENT_ENOMEM;
    memcpy(items, o->items, o->n_items * sizeof(*items));
    o->items = items;
    size_t n_conflicts = 0;
    for (size_t i = 0; rc == ENT_OK && i < o->n_items; i++) {
        struct ent_line_item *li = &o->items[i];
        ent_ctx_new_id(ctx, li->id);
        check_item_fields(ctx, i, li, err);
        rc = resolve_product(ctx, i, li, err);
        if (rc == ENT_OK)
            rc = check_item_attributes(ctx, i, li, err);
        if (rc == ENT_OK)
            rc = check_given_id(ctx, o, i, conflicts, &n_conflicts, err);
        if (rc == ENT_OK)
            rc = check_parent(ctx, o, i, err);
    }
    if (rc < 0)
        return rc;
    rc = report_conflicts(conflicts, n_conflicts, o, err);
    if (rc < 0)
        return rc;
    return generate_ids(ctx, o);
}

/* ------------------------------------------------------------------------------------------ */
/* Activation                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/*
 * Whether a line item (or a bundle's component) of product p becomes an entitlement on
 * activation: by its category and whether it grants features (seed 000, core/category.c).
 */
static bool
provisions(const struct ent_product *p)
{
    return ent_category_provisions(p->category, p->n_entitlements);
}

/*
 * Creates one entitlement of the order: product p for line item li, quantity copies (the
 * line item's, or multiplied through a bundle), under activation_id: the line item's own when
 * shared_id (registered already, with the line item), else a new one registered as the
 * entitlement's. parent_id: its parent ("": none). OUT made_id: its id (37 bytes).
 * Errors: ENT_ECONFLICT (too many entitlements, or an activation id taken), ENT_ESTORE,
 * ENT_ENOMEM.
 */
static int
make_entitlement(struct ent_ctx *ctx, struct provision *pv, const struct ent_line_item *li,
                 const struct ent_product *p, int64_t quantity, const char *activation_id,
                 bool shared_id, const char *parent_id, char *made_id)
{
    if (pv->n_made == ORDER_MAX_ENTITLEMENTS)
        return ent_error_set(pv->err, ENT_ECONFLICT,
                             "activating this order would create more than %d entitlements",
                             ORDER_MAX_ENTITLEMENTS);
    struct ent_entitlement e = {
        .product = p->key,
        .name = p->name,
        .product_category = p->category,
        .source = ENT_SOURCE_ORDER,
        .activation_id = activation_id,
        .quantity = quantity,
        .quantity_per_copy = li->quantity_per_copy,
        .order_type = li->order_type,
        .start_ms = li->start_ms,
        .end_ms = li->permanent ? ENT_TIME_NONE : li->end_ms,
        .permanent = li->permanent,
        .attributes = li->attributes,
        .activatable = li->activatable, /* seed 004 */
    };
    memcpy(e.line_item_id, li->id, sizeof(e.line_item_id));
    memcpy(e.account_id, pv->order->account_id, sizeof(e.account_id));
    memcpy(e.product_id, p->id, sizeof(e.product_id));
    memcpy(e.order_id, pv->order->id, sizeof(e.order_id));
    snprintf(e.parent_id, sizeof(e.parent_id), "%s", parent_id);
    struct ent_entitlement made;
    int rc = ent_grants_insert(ctx, &e, !shared_id, &made);
    if (rc < 0)
        return rc;
    pv->n_made++;
    memcpy(made_id, made.id, 37);
    return ENT_OK;
}

/*
 * Provisions the components of bundle for the i-th line item: one entitlement per component
 * that qualifies (provisions()), quantity copies times the component's quantity, with a generated
 * activation id and parent_id (the bundle's own entitlement, or "" when the bundle grants
 * nothing itself); a component that is itself a bundle is provisioned the same way, down to
 * BUNDLE_DEPTH_MAX levels. Errors: ENT_EINVAL (quantity overflow), ENT_ECONFLICT,
 * ENT_ESTORE, ENT_ENOMEM.
 */
static int
provision_components(struct ent_ctx *ctx, struct provision *pv, size_t i,
                     const struct ent_product *bundle, const char *parent_id, int64_t quantity,
                     int depth)
{
    const struct ent_line_item *li = &pv->order->items[i];
    for (size_t k = 0; depth < BUNDLE_DEPTH_MAX && k < bundle->n_components; k++) {
        struct ent_product c;
        int rc = ctx->sess->ops->product_get(ctx->sess, &ctx->arena,
                                             bundle->components[k].product_id, &c);
        if (rc == ENT_ENOTFOUND)
            continue; /* products in a bundle cannot be deleted; nothing to provision */
        if (rc < 0)
            return rc;
        int64_t copies;
        if (__builtin_mul_overflow(quantity, bundle->components[k].quantity, &copies)) {
            char field[FIELD_PATH_MAX];
            snprintf(field, sizeof(field), "items[%zu].quantity", i);
            return ent_error_field(pv->err, field, "is too large for the bundle's components");
        }
        char made[37] = "";
        if (provisions(&c)) {
            const char *activation_id;
            rc = ent_grants_new_activation_id(ctx, &activation_id);
            if (rc == ENT_OK)
                rc = make_entitlement(ctx, pv, li, &c, copies, activation_id, false, parent_id,
                                      made);
            if (rc < 0)
                return rc;
        }
        rc = provision_components(ctx, pv, i, &c, made, copies, depth + 1);
        if (rc < 0)
            return rc;
    }
    return ENT_OK;
}

/*
 * Finds the parent entitlement of the i-th line item: the entitlement this activation made for
 * the earlier line item its parent_activation_id names, else an existing entitlement holding
 * that activation id. OUT parent_id: its id, or "" when there is none.
 * Errors: ENT_ESTORE, ENT_ENOMEM.
 */
static int
find_parent(struct ent_ctx *ctx, const struct provision *pv, size_t i, char parent_id[37])
{
    parent_id[0] = '\0';
    const char *parent = pv->order->items[i].parent_activation_id;
    if (!parent || !parent[0])
        return ENT_OK;
    for (size_t j = 0; j < i; j++) {
        const struct ent_line_item *earlier = &pv->order->items[j];
        if (strcmp(earlier->activation_id, parent) == 0 && pv->made[j][0]) {
            memcpy(parent_id, pv->made[j], 37);
            return ENT_OK;
        }
    }
    return ent_grants_holder(ctx, parent, parent_id);
}

/*
 * Provisions the i-th line item: its own entitlement when its product qualifies (provisions();
 * sharing the line item's activation id, parented as find_parent() says), then its
 * components. Errors: as provision_components().
 */
static int
provision_item(struct ent_ctx *ctx, struct provision *pv, size_t i)
{
    const struct ent_line_item *li = &pv->order->items[i];
    struct ent_product p;
    int rc = ctx->sess->ops->product_get(ctx->sess, &ctx->arena, li->product_id, &p);
    if (rc < 0)
        return rc;
    if (provisions(&p)) {
        char parent_id[37];
        rc = find_parent(ctx, pv, i, parent_id);
        if (rc == ENT_OK)
            rc = make_entitlement(ctx, pv, li, &p, li->quantity, li->activation_id, true, parent_id,
                                  pv->made[i]);
        if (rc < 0)
            return rc;
    }
    return provision_components(ctx, pv, i, &p, pv->made[i], li->quantity, 0);
}

/*
 * Deploys the i-th line item as its order is activated (seed 004): one that auto-deploys and
 * is not deployed yet has its entitlements made (none for maintenance) and is marked deployed;
 * the others wait for ent_line_items_deploy(). Errors: as provision_item().
 */
static int
deploy_on_activation(struct ent_ctx *ctx, struct provision *pv, size_t i)
{
    const struct ent_line_item *li = &pv->order->items[i];
    if (li->deployed || !li->auto_deploy)
        return ENT_OK;
    int rc = li->kind == ENT_LINE_ITEM_MAINTENANCE ? ENT_OK : provision_item(ctx, pv, i);
    return rc < 0 ? rc : ent_orders_mark(ctx, pv->order, i, true);
}

/* Records the i-th line item of o deployed or not (see orders.h). Errors: ENT_ESTORE. */
int
ent_orders_mark(struct ent_ctx *ctx, const struct ent_order *o, size_t i, bool deployed)
{
    struct ent_line_item li = o->items[i];
    li.deployed = deployed;
    return ctx->sess->ops->line_item_update(ctx->sess, o->id, &li);
}

/* Provisions the i-th line item of o alone, inside the open write (see orders.h). */
int
ent_orders_provision(struct ent_ctx *ctx, const struct ent_order *o, size_t i,
                     struct ent_error *err)
{
    struct provision pv = {
        .order = o,
        .made = ent_arena_calloc(&ctx->arena, o->n_items ? o->n_items : 1, 37),
        .err = err,
    };
    return pv.made ? provision_item(ctx, &pv, i) : ENT_ENOMEM;
}

/*
 * Activates the draft order inside the open write transaction: deploys its line items,
 * marks the order active and records "order.activated" with the draft before and the active
 * order after. OUT out: the active order as stored.
 * Errors: ENT_EINVAL, ENT_ECONFLICT, ENT_ESTORE, ENT_ENOMEM.
 */
static int
activate_draft(struct ent_ctx *ctx, const struct ent_order *draft, struct ent_order *out,
               struct ent_error *err)
{
    struct provision pv = {
        .order = draft,
        .made = ent_arena_calloc(&ctx->arena, draft->n_items ? draft->n_items : 1, 37),
        .err = err,
    };
    if (!pv.made)
        return ENT_ENOMEM;
    int rc = ENT_OK;
    for (size_t i = 0; rc == ENT_OK && i < draft->n_items; i++)
        rc = deploy_on_activation(ctx, &pv, i);
    if (rc == ENT_OK)
        rc = ctx->sess->ops->order_activate(ctx->sess, draft->id, ctx->now_ms);
    if (rc == ENT_OK)
        rc = ctx->sess->ops->order_get(ctx->sess, &ctx->arena, draft->id, out);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "order.activated", out->account_id, out->id, ENT_KIND_ORDER,
                               draft, out);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Create, read, activate                                                                      */
/* ------------------------------------------------------------------------------------------ */

/*
 * Creates an order (see entitled.h) as a draft, recording "order.created"; with in->activate
 * it is activated in the same transaction ("order.activated" too) and answered active. Answers
 * 201. Every field error of the request is reported at once; given activation ids that are
 * taken or repeated make a 409 unless other fields are wrong too. Admin keys only.
 * Errors: ENT_EINVAL, ENT_ECONFLICT, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_orders_create(struct ent_ctx *ctx, const struct ent_order *in, struct ent_order *out,
                  struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    struct ent_order o = *in;
    o.status = ENT_ORDER_DRAFT;
    o.activate = false;
    o.activated_ms = ENT_TIME_NONE;
    ent_ctx_new_id(ctx, o.id);
    o.created_ms = o.updated_ms = ctx->now_ms;

    rc = ent_writes_begin(ctx);
    if (rc == ENT_OK)
        rc = check_order(ctx, &o, err);
    if (rc == ENT_OK)
        rc = ctx->sess->ops->order_insert(ctx->sess, &o);
    if (rc == ENT_ECONFLICT && err->code != ENT_ECONFLICT)
        rc = ent_error_set(err, ENT_ECONFLICT,
                           "an activation id or the external id of this order was taken "
                           "meanwhile; try again");
    struct ent_order draft, answer;
    memset(&draft, 0, sizeof(draft));
    if (rc == ENT_OK)
        rc = ctx->sess->ops->order_get(ctx->sess, &ctx->arena, o.id, &draft);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "order.created", draft.account_id, draft.id, ENT_KIND_ORDER,
                               NULL, &draft);
    answer = draft;
    if (rc == ENT_OK && in->activate)
        rc = activate_draft(ctx, &draft, &answer, err);
    if (rc == ENT_OK && in->activate)
        rc = ent_ctx_touch_account(ctx, answer.account_id);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 201, ENT_KIND_ORDER, &answer);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    *out = answer;
    return ENT_OK;
}

/*
 * Reads an order by id (see entitled.h). Admin and read keys read any order; a key bound to an
 * account reads that account's orders alone, and any other answers ENT_ENOTFOUND exactly as a
 * missing order does. Errors: ENT_ENOTFOUND, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_orders_get(struct ent_ctx *ctx, const char *id, struct ent_order *out, struct ent_error *err)
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
    struct ent_order o;
    if (rc == ENT_OK)
        rc = ent_orders_load(ctx, id, &o, err);
    if (rc < 0)
        return err->code == rc ? rc : ent_ctx_store_error(rc, err);
    *out = o;
    return ENT_OK;
}

/*
 * Activates an order (see entitled.h) in one transaction: the entitlements of its line items,
 * the order marked active, "order.activated"; answers 200 with the active order. An active
 * order is answered unchanged: nothing is created and no event recorded. Admin keys only.
 * Errors: ENT_ENOTFOUND, ENT_EINVAL, ENT_ECONFLICT, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_orders_activate(struct ent_ctx *ctx, const char *id, struct ent_order *out,
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
    struct ent_order o, answer;
    memset(&o, 0, sizeof(o));
    if (rc == ENT_OK)
        rc = ent_orders_load(ctx, id, &o, err);
    answer = o;
    bool activated = rc == ENT_OK && o.status == ENT_ORDER_DRAFT;
    if (activated)
        rc = activate_draft(ctx, &o, &answer, err);
    if (rc == ENT_OK && activated)
        rc = ent_ctx_touch_account(ctx, answer.account_id);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 200, ENT_KIND_ORDER, &answer);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    *out = answer;
    return ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Change (seed 004: a draft order is edited)                                                  */
/* ------------------------------------------------------------------------------------------ */

/* Applies the fields of patch->set to o; a given account stays a reference until resolved. */
static void
apply_patch(struct ent_order *o, const struct ent_order *patch)
{
    if (patch->set & ENT_ORDER_F_ACCOUNT)
        o->account = patch->account;
    if (patch->set & ENT_ORDER_F_EXTERNAL_ID)
        o->external_id = patch->external_id;
    if (patch->set & ENT_ORDER_F_DESCRIPTION)
        o->description = patch->description;
    if (patch->set & ENT_ORDER_F_SHIP_TO_EMAIL)
        o->ship_to_email = patch->ship_to_email;
    if (patch->set & ENT_ORDER_F_SHIP_TO_ADDRESS)
        o->ship_to_address = patch->ship_to_address;
    if (patch->set & ENT_ORDER_F_ATTRIBUTES)
        o->attributes = patch->attributes ? patch->attributes : "{}";
}

/*
 * Changes a draft order (see entitled.h): the fields of patch->set. An active order changes by
 * its line items alone (ENT_ECONFLICT), and so does the account of a draft whose line items were
 * deployed one by one. Records "order.updated" with the order before and after; answers 200.
 * Admin keys only. Errors: ENT_EINVAL, ENT_ENOTFOUND, ENT_ECONFLICT, ENT_EFORBIDDEN, ENT_ESTORE,
 * ENT_ENOMEM.
 */
int
ent_orders_update(struct ent_ctx *ctx, const char *id, const struct ent_order *patch,
                  struct ent_order *out, struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    rc = ent_writes_begin(ctx);
    struct ent_order before, o, after;
    memset(&before, 0, sizeof(before));
    if (rc == ENT_OK)
        rc = ent_orders_load(ctx, id, &before, err);
    if (rc == ENT_OK && before.status != ENT_ORDER_DRAFT)
        rc = ent_error_set(err, ENT_ECONFLICT,
                           "only a draft order changes; change an active order's line items "
                           "(PATCH /v1/orders/{id}/items/{activation_id})");
    bool deployed = false;
    for (size_t i = 0; i < before.n_items; i++)
        deployed = deployed || before.items[i].deployed;
    if (rc == ENT_OK && deployed && (patch->set & ENT_ORDER_F_ACCOUNT))
        rc = ent_error_set(err, ENT_ECONFLICT,
                           "line items of this order are deployed; its account cannot change");
    o = before;
    apply_patch(&o, patch);
    if (rc == ENT_OK) {
        check_shipping(&o, err);
        ent_fields_attributes(err, "attributes", o.attributes);
    }
    if (rc == ENT_OK && (patch->set & ENT_ORDER_F_ACCOUNT))
        rc = ent_grants_resolve_account(ctx, o.account, "account", o.account_id, err);
    if (rc == ENT_OK)
        rc = check_external_id(ctx, o.external_id, o.id, err);
    if (rc == ENT_OK && (patch->set & ENT_ORDER_F_ATTRIBUTES))
        rc = ent_attribute_definitions_apply(ctx, ENT_ATTRIBUTE_OBJECT_ORDER, "attributes",
                                             &o.attributes, err);
    if (rc == ENT_OK && ent_fields_failed(err))
        rc = ENT_EINVAL;
    o.updated_ms = ctx->now_ms;
    if (rc == ENT_OK)
        rc = ctx->sess->ops->order_update(ctx->sess, &o);
    if (rc == ENT_ECONFLICT && err->code != ENT_ECONFLICT)
        rc = ent_error_set(err, ENT_ECONFLICT, "external_id: taken meanwhile; try again");
    if (rc == ENT_OK)
        rc = ctx->sess->ops->order_get(ctx->sess, &ctx->arena, o.id, &after);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "order.updated", after.account_id, after.id, ENT_KIND_ORDER,
                               &before, &after);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 200, ENT_KIND_ORDER, &after);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    *out = after;
    return ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Lists                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* Loads one order for the generic list. Errors: ENT_ENOTFOUND, ENT_ESTORE, ENT_ENOMEM. */
static int
load_listed(struct ent_ctx *ctx, struct ent_store_session *sess, const char *id, void *out)
{
    return sess->ops->order_get(sess, &ctx->arena, id, out);
}

/* True when value names an order status. */
static bool
check_status(const char *value)
{
    return ent_order_status_parse(value) != 0;
}

static const struct ent_list_filter order_filters[] = {
    {.name = "account", .op = ENT_STORE_EQ, .resolve = ent_lists_resolve_account},
    {.name = "status", .op = ENT_STORE_EQ, .check = check_status},
    {.name = "external_id", .op = ENT_STORE_EQ}, /* seed 004 */
    {.name = NULL},
};

static const struct ent_list_spec order_list = {
    .table = ENT_TABLE_ORDERS,
    .item_size = sizeof(struct ent_order),
    .sorts = {"created_at", "updated_at", "status"},
    .filters = order_filters,
    .load = load_listed,
};

/*
 * Lists orders (filters: account, status, external_id; sorts: created_at, updated_at, status).
 * Admin and read keys see every order; a key bound to an account sees that account's alone, through
 * a filter the request cannot lift. OUT list: items are struct ent_order. Errors: ENT_EINVAL,
 * ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_orders_list(struct ent_ctx *ctx, const struct ent_list_query *q, struct ent_list *list,
                struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    return ent_lists_run_scoped(ctx, &order_list, q, "account", NULL, list, err);
}
