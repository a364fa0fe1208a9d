/* SPDX-License-Identifier: MIT */
/*
 * products.c: the product catalog: create, read, change, delete and list products, and set or
 * remove what one product grants of one feature. A product's grants are checked against their
 * features' types and levels (the rules are core/feature.c's); its components (a bundle) must
 * exist, appear once and form no cycle. This file adds the transactions, the audit events and
 * the checks that need the store. No SQL and no JSON here.
 *
 * Invariant: every check that reads the store (features, components, the bundle graph) runs
 * inside the change's write transaction, so what was checked is what gets written; every
 * failure after ent_writes_begin() leaves through ent_writes_fail(), which rolls back.
 */
#include "service/products.h"

#include <stdio.h>
#include <string.h>

#include "core/category.h"
#include "core/feature.h"
#include "core/str.h"
#include "service/attribute_definitions.h"
#include "service/ctx.h"
#include "service/events.h"
#include "service/fields.h"
#include "service/lists.h"
#include "service/writes.h"
#include <entitled.h>

#define PRODUCT_LABEL_MAX 200 /* characters of a part number or a version */
#define PRODUCT_MAX_ENTITLEMENTS 100
#define PRODUCT_MAX_COMPONENTS 100
#define LICENSE_TEXT_MAX 200
#define BUNDLE_WALK_MAX 1000 /* products one request's cycle checks may visit */
#define FIELD_PATH_MAX 96    /* as struct ent_field_error.field */
#define NOT_GRANTED ((size_t)-1)

/* The answer of a walk through the component graph. */
enum walk_verdict {
    WALK_CLEAR,    /* the target is not reachable */
    WALK_CYCLE,    /* the target is reachable: adding the start would make a cycle */
    WALK_TOO_DEEP, /* more than BUNDLE_WALK_MAX products would have to be visited */
};

/*
 * The state of the cycle checks of one request. Products in seen were pushed once; a finished
 * walk leaves the stack empty and every product in seen expanded, so the next walk of the same
 * request may skip them: they do not reach the target.
 */
struct bundle_walk {
    char (*seen)[37]; /* capacity BUNDLE_WALK_MAX */
    size_t n_seen;
    char (*stack)[37]; /* products still to expand; capacity BUNDLE_WALK_MAX */
    size_t n_stack;
};

/*
 * The items one list of a request has named so far (features or component products, by id),
 * so that a repeat is refused even when the earlier item failed another check.
 */
struct id_set {
    char (*ids)[37]; /* capacity: the number of items in the list */
    size_t n;
};

static int load_product(struct ent_ctx *ctx, const char *id_or_key, struct ent_product *out,
                        struct ent_error *err);
static int load_feature(struct ent_ctx *ctx, const char *id_or_key, struct ent_feature *out,
                        struct ent_error *err);
static void check_license_model(struct ent_license_model *lm, struct ent_error *err);
static void check_fields(struct ent_product *p, struct ent_error *err);
static void check_goods(const struct ent_product *p, bool given, struct ent_error *err);
static size_t find_grant(const struct ent_product *p, const char *feature);
static bool grants_value(const struct ent_product *p, const char *feature_id, const char *value);
static int grant_name(struct ent_ctx *ctx, const struct ent_feature *f, const char *value,
                      const char *name, const char *field, const char **out, struct ent_error *err);
static bool id_set_add(struct id_set *set, const char *id);
static int resolve_entitlement(struct ent_ctx *ctx, size_t i,
                               const struct ent_product_entitlement *in, struct id_set *named,
                               const struct ent_product *before,
                               struct ent_product_entitlement *out, bool *ok,
                               struct ent_error *err);
static int resolve_entitlements(struct ent_ctx *ctx, struct ent_product *p,
                                const struct ent_product *before, struct ent_error *err);
static int walk_reset(struct ent_ctx *ctx, struct bundle_walk *w);
static bool walk_seen(const struct bundle_walk *w, const char *id);
static int walk_reaches(struct ent_ctx *ctx, struct bundle_walk *w, const char *start,
                        const char *target, enum walk_verdict *verdict);
static int resolve_component(struct ent_ctx *ctx, size_t i, const struct ent_component *in,
                             const struct ent_product *p, struct id_set *named,
                             struct bundle_walk *w, struct ent_component *out, bool *ok,
                             struct ent_error *err);
static int resolve_components(struct ent_ctx *ctx, struct ent_product *p, bool check_cycles,
                              struct ent_error *err);
static void apply_patch(struct ent_product *p, const struct ent_product *patch);
static int write_grant(struct ent_ctx *ctx, struct ent_product *p, const struct ent_feature *f,
                       const char *value, const char *name, const char *field,
                       struct ent_product_entitlement *out, struct ent_error *err);
static int load_listed(struct ent_ctx *ctx, struct ent_store_session *sess, const char *id,
                       void *out);

/* ------------------------------------------------------------------------------------------ */
/* Shared helpers                                                                              */
/* ------------------------------------------------------------------------------------------ */

/*
 * Reads a product by id or key on the context's session, which the caller has acquired.
 * OUT out: the product, in the arena.
 * Errors: ENT_ENOTFOUND (recorded in err with the reference), ENT_ESTORE, ENT_ENOMEM.
 */
static int
load_product(struct ent_ctx *ctx, const char *id_or_key, struct ent_product *out,
             struct ent_error *err)
{
    int rc = ENT_ENOTFOUND;
    if (id_or_key && id_or_key[0])
        rc = ctx->sess->ops->product_get(ctx->sess, &ctx->arena, id_or_key, out);
    return ent_ctx_found(ctx, rc, NULL, "product", id_or_key, err);
}

/*
 * Reads a feature by id or key on the context's session, which the caller has acquired.
 * OUT out: the feature, in the arena.
 * Errors: ENT_ENOTFOUND (recorded in err with the reference), ENT_ESTORE, ENT_ENOMEM.
 */
static int
load_feature(struct ent_ctx *ctx, const char *id_or_key, struct ent_feature *out,
             struct ent_error *err)
{
    int rc = ENT_ENOTFOUND;
    if (id_or_key && id_or_key[0])
        rc = ctx->sess->ops->feature_get(ctx->sess, &ctx->arena, id_or_key, out);
    return ent_ctx_found(ctx, rc, NULL, "feature", id_or_key, err);
}

/* True when prefix is 1 to 16 of A-Z and 0-9 (issue 13: a license serial number's prefix). */
static bool
serial_prefix_valid(const char *prefix)
{
    size_t n = strlen(prefix);
    if (n < 1 || n > 16)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!((prefix[i] >= 'A' && prefix[i] <= 'Z') || (prefix[i] >= '0' && prefix[i] <= '9')))
            return false;
    }
    return true;
}

/*
 * Checks a license model and normalises it: an absent model keeps no strings. Records field
 * errors ("license_model.issuer", …) in err.
 */
static void
check_license_model(struct ent_license_model *lm, struct ent_error *err)
{
    if (!lm->present) {
        lm->issuer = lm->vendor_string = lm->notice = NULL;
        lm->name = lm->serial_prefix = NULL; /* issue 13 */
        lm->self_service = false;
        lm->attributes = NULL; /* seed 004 (issue 17) */
        return;
    }
    ent_fields_attributes(err, "license_model.attributes", lm->attributes);
    if (!lm->attributes)
        lm->attributes = "{}";
    ent_fields_text(err, "license_model.issuer", lm->issuer, LICENSE_TEXT_MAX);
    ent_fields_text(err, "license_model.vendor_string", lm->vendor_string, LICENSE_TEXT_MAX);
    ent_fields_text(err, "license_model.notice", lm->notice, LICENSE_TEXT_MAX);
    /* Signed licenses (issue 13): serial numbers read "<prefix>-XXXX-XXXX-XXXX". */
    ent_fields_text(err, "license_model.name", lm->name, LICENSE_TEXT_MAX);
    if (lm->serial_prefix && !serial_prefix_valid(lm->serial_prefix))
        ent_error_field(err, "license_model.serial_number_prefix",
                        "must be 1 to 16 capital letters (A-Z) and digits");
}

/*
 * Checks the fields of a complete product that need no store: name, category, description,
 * attributes, status, lease limits and license model. Records every failure in err as a field
 * error; the caller tests ent_fields_failed(err).
 */
static void
check_fields(struct ent_product *p, struct ent_error *err)
{
    ent_fields_name(err, "name", p->name);
    if (p->category < ENT_CATEGORY_RECURRING_SERVICES || p->category > ENT_CATEGORY_OTHER)
        ent_error_field(err, "category",
                        "must be recurring_services, professional_services, customer_support, "
                        "physical_goods or other");
    ent_fields_text(err, "description", p->description, ENT_TEXT_MAX);
    ent_fields_text(err, "part_number", p->part_number, PRODUCT_LABEL_MAX); /* seed 004 */
    ent_fields_text(err, "version", p->version, PRODUCT_LABEL_MAX);
    ent_fields_attributes(err, "attributes", p->attributes);
    if (p->status != ENT_STATUS_ACTIVE && p->status != ENT_STATUS_ARCHIVED)
        ent_error_field(err, "status", "must be active or archived");
    if (p->max_leases != -1 && p->max_leases < 1)
        ent_error_field(err, "max_leases", "must be 1 or more, or null for no limit");
    if (p->max_lease_days != -1 && p->max_lease_days < 1)
        ent_error_field(err, "max_lease_days", "must be 1 or more, or null for no limit");
    check_license_model(&p->license_model, err);
}

/*
 * Refuses a physical_goods product that grants features (seed 000: goods never become
 * entitlements): a field error on "entitlements" when the request gives them (given: the
 * request set them), else on "category". Records nothing for other products.
 */
static void
check_goods(const struct ent_product *p, bool given, struct ent_error *err)
{
    if (ent_category_may_grant(p->category) || p->n_entitlements == 0)
        return;
    if (given)
        ent_error_field(err, "entitlements",
                        "must be empty: a physical_goods product grants no features");
    else
        ent_error_field(err, "category",
                        "cannot be physical_goods while the product grants features; remove "
                        "its entitlements first");
}

/*
 * The index of the entitlement of p that grants feature (an id, or a key in any case), or
 * NOT_GRANTED.
 */
static size_t
find_grant(const struct ent_product *p, const char *feature)
{
    for (size_t i = 0; feature && i < p->n_entitlements; i++) {
        const struct ent_product_entitlement *pe = &p->entitlements[i];
        if (strcmp(pe->feature_id, feature) == 0 ||
            (pe->feature && ent_str_ieq(pe->feature, feature)))
            return i;
    }
    return NOT_GRANTED;
}

/* True when p (NULL: a product being created) grants feature_id exactly the value given. */
static bool
grants_value(const struct ent_product *p, const char *feature_id, const char *value)
{
    if (!p)
        return false;
    size_t i = find_grant(p, feature_id);
    return i != NOT_GRANTED && p->entitlements[i].value &&
           strcmp(p->entitlements[i].value, value) == 0;
}

/*
 * The display name of a grant: name when given (at most ENT_NAME_MAX characters, not empty;
 * field names it in errors), else the one generated from the feature and the normalised value.
 * OUT out: the name, or NULL when a field error was recorded.
 * Errors: ENT_ENOMEM (field errors are recorded in err and return ENT_OK).
 */
static int
grant_name(struct ent_ctx *ctx, const struct ent_feature *f, const char *value, const char *name,
           const char *field, const char **out, struct ent_error *err)
{
    *out = NULL;
    if (name) {
        if (!name[0])
            ent_error_field(err, field, "must not be empty");
        else if (ent_fields_text(err, field, name, ENT_NAME_MAX))
            *out = name;
        return ENT_OK;
    }
    *out = ent_feature_display_name(f, value, &ctx->arena);
    return *out ? ENT_OK : ENT_ENOMEM;
}

/* ------------------------------------------------------------------------------------------ */
/* Product entitlements                                                                        */
/* ------------------------------------------------------------------------------------------ */

/*
 * Adds id to set unless it is there already. Returns false for a repeat. The caller sized the
 * set for every item of its list.
 */
static bool
id_set_add(struct id_set *set, const char *id)
{
    for (size_t k = 0; k < set->n; k++) {
        if (strcmp(set->ids[k], id) == 0)
            return false;
    }
    snprintf(set->ids[set->n++], sizeof(set->ids[0]), "%s", id);
    return true;
}

/*
 * Resolves the i-th product entitlement of a request: finds its feature (id or key), refuses a
 * feature that an earlier item named (named: the features named so far), checks and
 * normalises the value, and names the grant. An archived feature is refused unless before (the
 * product as stored, NULL on create) grants it the same value already: existing grants of an
 * archived feature survive an update, new ones are not made.
 * OUT out: the stored form (feature key, feature id, normalised value, name); *ok tells
 * whether it is valid. Field errors ("entitlements[i].feature", "…value", "…name") go to err.
 * Errors: ENT_ESTORE, ENT_ENOMEM (field errors return ENT_OK with *ok false).
 */
static int
resolve_entitlement(struct ent_ctx *ctx, size_t i, const struct ent_product_entitlement *in,
                    struct id_set *named, const struct ent_product *before,
                    struct ent_product_entitlement *out, bool *ok, struct ent_error *err)
{
    char field[FIELD_PATH_MAX], value_field[FIELD_PATH_MAX], name_field[FIELD_PATH_MAX];
    snprintf(field, sizeof(field), "entitlements[%zu].feature", i);
    snprintf(value_field, sizeof(value_field), "entitlements[%zu].value", i);
    snprintf(name_field, sizeof(name_field), "entitlements[%zu].name", i);
    *ok = false;
    if (!in->feature || !in->feature[0]) {
        ent_error_field(err, field, "is required");
        return ENT_OK;
    }
    struct ent_feature f;
    int rc = ctx->sess->ops->feature_get(ctx->sess, &ctx->arena, in->feature, &f);
    if (rc == ENT_ENOTFOUND) {
        ent_error_field(err, field, "no such feature");
        return ENT_OK;
    }
    if (rc < 0)
        return rc;
    if (!id_set_add(named, f.id)) {
        ent_error_field(err, field, "repeats an earlier entitlement");
        return ENT_OK;
    }
    const char *value;
    rc = ent_feature_check_value(&f, in->value, value_field, &ctx->arena, &value, err);
    if (rc == ENT_EINVAL)
        return ENT_OK;
    if (rc < 0)
        return rc;
    if (f.status == ENT_STATUS_ARCHIVED && !grants_value(before, f.id, value)) {
        ent_error_field(err, field, "is archived; it may not be newly granted");
        return ENT_OK;
    }
    const char *name;
    rc = grant_name(ctx, &f, value, in->name, name_field, &name, err);
    if (rc < 0 || !name)
        return rc;
    out->feature = f.key;
    memcpy(out->feature_id, f.id, sizeof(out->feature_id));
    out->value = value;
    out->name = name;
    *ok = true;
    return ENT_OK;
}

/*
 * Replaces p's entitlements (the request's, borrowed) with their resolved copies in the arena.
 * before is the product as stored (NULL on create), for the archived-feature rule. Needs the
 * context's session (inside the change's transaction). Field errors go to err.
 * Errors: ENT_ESTORE, ENT_ENOMEM (field errors return ENT_OK).
 */
static int
resolve_entitlements(struct ent_ctx *ctx, struct ent_product *p, const struct ent_product *before,
                     struct ent_error *err)
{
    if (p->n_entitlements > PRODUCT_MAX_ENTITLEMENTS) {
        ent_error_field(err, "entitlements", "has more than %d items", PRODUCT_MAX_ENTITLEMENTS);
        return ENT_OK;
    }
    const struct ent_product_entitlement *in = p->entitlements;
    size_t n_in = in ? p->n_entitlements : 0;
    struct ent_product_entitlement *resolved =
        ent_arena_calloc(&ctx->arena, n_in ? n_in : 1, sizeof(*resolved));
    struct id_set named = {.ids = ent_arena_calloc(&ctx->arena, n_in ? n_in : 1, 37)};
    if (!resolved || !named.ids)
        return ENT_ENOMEM;
    p->entitlements = resolved;
    p->n_entitlements = 0;
    for (size_t i = 0; i < n_in; i++) {
        bool ok;
        int rc = resolve_entitlement(ctx, i, &in[i], &named, before, &resolved[p->n_entitlements],
                                     &ok, err);
        if (rc < 0)
            return rc;
        if (ok)
            p->n_entitlements++;
    }
    return ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Components and the bundle graph                                                             */
/* ------------------------------------------------------------------------------------------ */

/* Prepares an empty walk, its lists in the arena. Errors: ENT_ENOMEM. */
static int
walk_reset(struct ent_ctx *ctx, struct bundle_walk *w)
{
    if (!w->seen) {
        w->seen = ent_arena_calloc(&ctx->arena, BUNDLE_WALK_MAX, sizeof(*w->seen));
        w->stack = ent_arena_calloc(&ctx->arena, BUNDLE_WALK_MAX, sizeof(*w->stack));
        if (!w->seen || !w->stack)
            return ENT_ENOMEM;
    }
    w->n_seen = w->n_stack = 0;
    return ENT_OK;
}

/* True when the walk has pushed the product id already. */
static bool
walk_seen(const struct bundle_walk *w, const char *id)
{
    for (size_t i = 0; i < w->n_seen; i++) {
        if (strcmp(w->seen[i], id) == 0)
            return true;
    }
    return false;
}

/*
 * Walks the component graph depth-first from the product start and tells whether the product
 * target is reachable from it (then a target containing start would contain itself). Products
 * are read with product_get on the context's session. Visits at most BUNDLE_WALK_MAX products
 * over all the walks of w; a walk that ends with a cycle or too deep resets w, since its
 * unexpanded products prove nothing.
 * OUT verdict. Errors: ENT_ESTORE, ENT_ENOMEM.
 */
static int
walk_reaches(struct ent_ctx *ctx, struct bundle_walk *w, const char *start, const char *target,
             enum walk_verdict *verdict)
{
    *verdict = WALK_CLEAR;
    if (walk_seen(w, start))
        return ENT_OK;
    if (w->n_seen == BUNDLE_WALK_MAX) {
        *verdict = WALK_TOO_DEEP;
        return walk_reset(ctx, w);
    }
    snprintf(w->seen[w->n_seen++], 37, "%s", start);
    snprintf(w->stack[w->n_stack++], 37, "%s", start);
    while (w->n_stack > 0) {
        struct ent_product node;
        int rc = ctx->sess->ops->product_get(ctx->sess, &ctx->arena, w->stack[--w->n_stack], &node);
        if (rc == ENT_ENOTFOUND)
            continue;
        if (rc < 0)
            return rc;
        for (size_t i = 0; i < node.n_components; i++) {
            const char *next = node.components[i].product_id;
            if (strcmp(next, target) == 0 || w->n_seen == BUNDLE_WALK_MAX) {
                *verdict = strcmp(next, target) == 0 ? WALK_CYCLE : WALK_TOO_DEEP;
                return walk_reset(ctx, w);
            }
            if (walk_seen(w, next))
                continue;
            snprintf(w->seen[w->n_seen++], 37, "%s", next);
            snprintf(w->stack[w->n_stack++], 37, "%s", next);
        }
    }
    return ENT_OK;
}

/*
 * Resolves the i-th component of a request: finds its product (id or key), defaults a quantity
 * of 0 (absent) to 1, and refuses p itself, a product that an earlier item named (named: the
 * products named so far) and, when w is not NULL, a product from which p is reachable.
 * OUT out: the stored form (product key, product id, quantity); *ok tells whether it is valid.
 * Field errors ("components[i].product", "components[i].quantity") go to err.
 * Errors: ENT_ESTORE, ENT_ENOMEM (field errors return ENT_OK with *ok false).
 */
static int
resolve_component(struct ent_ctx *ctx, size_t i, const struct ent_component *in,
                  const struct ent_product *p, struct id_set *named, struct bundle_walk *w,
                  struct ent_component *out, bool *ok, struct ent_error *err)
{
    char field[FIELD_PATH_MAX], quantity_field[FIELD_PATH_MAX];
    snprintf(field, sizeof(field), "components[%zu].product", i);
    snprintf(quantity_field, sizeof(quantity_field), "components[%zu].quantity", i);
    *ok = false;
    int64_t quantity = in->quantity == 0 ? 1 : in->quantity;
    bool quantity_ok = quantity >= 1;
    if (!quantity_ok)
        ent_error_field(err, quantity_field, "must be 1 or more");
    if (!in->product || !in->product[0]) {
        ent_error_field(err, field, "is required");
        return ENT_OK;
    }
    struct ent_product component;
    int rc = ctx->sess->ops->product_get(ctx->sess, &ctx->arena, in->product, &component);
    if (rc == ENT_ENOTFOUND) {
        ent_error_field(err, field, "no such product");
        return ENT_OK;
    }
    if (rc < 0)
        return rc;
    if (strcmp(component.id, p->id) == 0) {
        ent_error_field(err, field, "a product cannot contain itself");
        return ENT_OK;
    }
    if (!id_set_add(named, component.id)) {
        ent_error_field(err, field, "repeats an earlier component");
        return ENT_OK;
    }
    enum walk_verdict verdict = WALK_CLEAR;
    if (w)
        rc = walk_reaches(ctx, w, component.id, p->id, &verdict);
    if (rc < 0)
        return rc;
    if (verdict == WALK_CYCLE)
        ent_error_field(err, field, "would make a cycle");
    else if (verdict == WALK_TOO_DEEP)
        ent_error_field(err, field, "nests more than %d products", BUNDLE_WALK_MAX);
    if (verdict != WALK_CLEAR || !quantity_ok)
        return ENT_OK;
    out->product = component.key;
    memcpy(out->product_id, component.id, sizeof(out->product_id));
    out->quantity = quantity;
    *ok = true;
    return ENT_OK;
}

/*
 * Replaces p's components (the request's, borrowed) with their resolved copies in the arena.
 * check_cycles walks the bundle graph (on create no product can reach p yet, so the walk is
 * skipped). Needs the context's session (inside the change's transaction). Field errors go to
 * err. Errors: ENT_ESTORE, ENT_ENOMEM (field errors return ENT_OK).
 */
static int
resolve_components(struct ent_ctx *ctx, struct ent_product *p, bool check_cycles,
                   struct ent_error *err)
{
    if (p->n_components > PRODUCT_MAX_COMPONENTS) {
        ent_error_field(err, "components", "has more than %d items", PRODUCT_MAX_COMPONENTS);
        return ENT_OK;
    }
    const struct ent_component *in = p->components;
    size_t n_in = in ? p->n_components : 0;
    struct ent_component *resolved =
        ent_arena_calloc(&ctx->arena, n_in ? n_in : 1, sizeof(*resolved));
    struct id_set named = {.ids = ent_arena_calloc(&ctx->arena, n_in ? n_in : 1, 37)};
    if (!resolved || !named.ids)
        return ENT_ENOMEM;
    p->components = resolved;
    p->n_components = 0;
    struct bundle_walk walk = {0};
    if (check_cycles && n_in > 0) {
        int rc = walk_reset(ctx, &walk);
        if (rc < 0)
            return rc;
    }
    for (size_t i = 0; i < n_in; i++) {
        bool ok;
        int rc = resolve_component(ctx, i, &in[i], p, &named, check_cycles ? &walk : NULL,
                                   &resolved[p->n_components], &ok, err);
        if (rc < 0)
            return rc;
        if (ok)
            p->n_components++;
    }
    return ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Create, read, change, delete                                                                */
/* ------------------------------------------------------------------------------------------ */

/*
 * Creates a product (see entitled.h): checks every field, resolves entitlements (archived
 * features refused) and components, and inserts it with a "product.created" event; answers
 * 201. Every field error of the request is reported at once.
 * Errors: ENT_EINVAL, ENT_ECONFLICT (key taken), ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_products_create(struct ent_ctx *ctx, const struct ent_product *in, struct ent_product *out,
                    struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    struct ent_product p = *in;
    ent_fields_key(err, "key", p.key);
    if (!p.status)
        p.status = ENT_STATUS_ACTIVE;
    if (!p.attributes)
        p.attributes = "{}";
    check_fields(&p, err);
    check_goods(&p, true, err);
    ent_ctx_new_id(ctx, p.id);
    p.created_ms = p.updated_ms = ctx->now_ms;
    p.set = 0;

    rc = ent_writes_begin(ctx);

    ent_ctx_touch_catalog(ctx);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    rc = resolve_entitlements(ctx, &p, NULL, err);
    if (rc == ENT_OK && p.license_model.present) /* seed 004: custom attribute definitions */
        rc = ent_attribute_definitions_apply(ctx, ENT_ATTRIBUTE_OBJECT_LICENSE_MODEL,
                                             "license_model.attributes",
                                             &p.license_model.attributes, err);
    if (rc == ENT_OK)
        rc = resolve_components(ctx, &p, false, err);
    if (rc == ENT_OK && ent_fields_failed(err))
        rc = ENT_EINVAL;
    if (rc == ENT_OK)
        rc = ctx->sess->ops->product_insert(ctx->sess, &p);
    if (rc == ENT_ECONFLICT)
        rc = ent_error_set(err, ENT_ECONFLICT, "a product with the key '%s' exists", p.key);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "product.created", NULL, p.id, ENT_KIND_PRODUCT, NULL, &p);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 201, ENT_KIND_PRODUCT, &p);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    *out = p;
    return ENT_OK;
}

/*
 * Reads a product by id or key, with its entitlements and components (see entitled.h).
 * Admin and read keys only. Errors: ENT_ENOTFOUND, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_products_get(struct ent_ctx *ctx, const char *id_or_key, struct ent_product *out,
                 struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_reader(ctx, err);
    if (rc < 0)
        return rc;
    struct ent_store_session *sess;
    rc = ent_ctx_session(ctx, &sess);
    if (rc == ENT_OK)
        rc = load_product(ctx, id_or_key, out, err);
    if (rc < 0 && err->code != rc)
        return ent_ctx_store_error(rc, err);
    return rc;
}

/* Applies the fields of patch->set to p; the lists stay the request's until resolved. */
static void
apply_patch(struct ent_product *p, const struct ent_product *patch)
{
    if (patch->set & ENT_PRODUCT_F_NAME)
        p->name = patch->name;
    if (patch->set & ENT_PRODUCT_F_CATEGORY)
        p->category = patch->category;
    if (patch->set & ENT_PRODUCT_F_DESCRIPTION)
        p->description = patch->description;
    if (patch->set & ENT_PRODUCT_F_ENTITLEMENTS) {
        p->entitlements = patch->entitlements;
        p->n_entitlements = patch->n_entitlements;
    }
    if (patch->set & ENT_PRODUCT_F_COMPONENTS) {
        p->components = patch->components;
        p->n_components = patch->n_components;
    }
    if (patch->set & ENT_PRODUCT_F_LICENSE_MODEL)
        p->license_model = patch->license_model;
    if (patch->set & ENT_PRODUCT_F_MAX_LEASES)
        p->max_leases = patch->max_leases;
    if (patch->set & ENT_PRODUCT_F_MAX_LEASE_DAYS)
        p->max_lease_days = patch->max_lease_days;
    if (patch->set & ENT_PRODUCT_F_STATUS)
        p->status = patch->status;
    if (patch->set & ENT_PRODUCT_F_ATTRIBUTES)
        p->attributes = patch->attributes ? patch->attributes : "{}";
    if (patch->set & ENT_PRODUCT_F_PART_NUMBER)
        p->part_number = patch->part_number;
    if (patch->set & ENT_PRODUCT_F_VERSION)
        p->version = patch->version;
}

/*
 * Changes the fields of patch->set (see entitled.h). Given entitlements or components replace
 * the whole list and are checked as on create, except that a feature archived since stays
 * grantable at the value the product grants already; new components are checked for cycles.
 * Records "product.updated" with the product before and after; answers 200.
 * Errors: ENT_EINVAL, ENT_ENOTFOUND, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_products_update(struct ent_ctx *ctx, const char *id_or_key, const struct ent_product *patch,
                    struct ent_product *out, struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    rc = ent_writes_begin(ctx);
    ent_ctx_touch_catalog(ctx);
    struct ent_product before, p;
    if (rc == ENT_OK)
        rc = load_product(ctx, id_or_key, &before, err);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    p = before;
    apply_patch(&p, patch);
    check_fields(&p, err);
    /* Only what the request changes: a store's older goods keep the grants they had. */
    if (patch->set & (ENT_PRODUCT_F_CATEGORY | ENT_PRODUCT_F_ENTITLEMENTS))
        check_goods(&p, patch->set & ENT_PRODUCT_F_ENTITLEMENTS, err);
    if (patch->set & ENT_PRODUCT_F_ENTITLEMENTS)
        rc = resolve_entitlements(ctx, &p, &before, err);
    if (rc == ENT_OK && (patch->set & ENT_PRODUCT_F_COMPONENTS))
        rc = resolve_components(ctx, &p, true, err);
    if (rc == ENT_OK && (patch->set & ENT_PRODUCT_F_LICENSE_MODEL) && p.license_model.present)
        rc = ent_attribute_definitions_apply(ctx, ENT_ATTRIBUTE_OBJECT_LICENSE_MODEL,
                                             "license_model.attributes",
                                             &p.license_model.attributes, err);
    if (rc == ENT_OK && ent_fields_failed(err))
        rc = ENT_EINVAL;
    p.updated_ms = ctx->now_ms;
    p.set = 0;
    if (rc == ENT_OK)
        rc = ctx->sess->ops->product_update(ctx->sess, &p);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "product.updated", NULL, p.id, ENT_KIND_PRODUCT, &before, &p);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 200, ENT_KIND_PRODUCT, &p);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    *out = p;
    return ENT_OK;
}

/*
 * Deletes a product (see entitled.h), refused while a bundle lists it as a component.
 * Records "product.deleted" with the product before; answers 204.
 * Errors: ENT_ENOTFOUND, ENT_ECONFLICT, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_products_delete(struct ent_ctx *ctx, const char *id_or_key, struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    rc = ent_writes_begin(ctx);
    ent_ctx_touch_catalog(ctx);
    struct ent_product p;
    if (rc == ENT_OK)
        rc = load_product(ctx, id_or_key, &p, err);
    char(*bundles)[37] = NULL;
    size_t n_bundles = 0;
    if (rc == ENT_OK)
        rc = ctx->sess->ops->product_bundles(ctx->sess, &ctx->arena, p.id, &bundles, &n_bundles);
    if (rc == ENT_OK && n_bundles > 0)
        rc = ent_error_set(err, ENT_ECONFLICT,
                           "%zu bundle(s) contain this product; remove it from them first",
                           n_bundles);
    int64_t grants = 0;
    if (rc == ENT_OK)
        rc = ctx->sess->ops->product_grant_count(ctx->sess, p.id, &grants);
    if (rc == ENT_OK && grants > 0)
        rc = ent_error_set(err, ENT_ECONFLICT,
                           "orders, entitlements or leases name this product; archive it "
                           "instead");
    if (rc == ENT_OK)
        rc = ctx->sess->ops->product_delete(ctx->sess, p.id);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "product.deleted", NULL, p.id, ENT_KIND_PRODUCT, &p, NULL);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 204, ENT_KIND_PRODUCT, NULL);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    return ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* One product entitlement (PUT and DELETE)                                                    */
/* ------------------------------------------------------------------------------------------ */

/*
 * Stores p (as read in the open transaction) with feature f granted value under name: the
 * existing grant of f is replaced in place, or the grant is appended. Records
 * "product.entitlement_set" with the product before and after.
 * OUT out: the stored product entitlement.
 * Errors: ENT_EINVAL (the product grants the most features already, on field), ENT_ESTORE,
 * ENT_ENOMEM.
 */
static int
write_grant(struct ent_ctx *ctx, struct ent_product *p, const struct ent_feature *f,
            const char *value, const char *name, const char *field,
            struct ent_product_entitlement *out, struct ent_error *err)
{
    size_t at = find_grant(p, f->id);
    if (at == NOT_GRANTED && p->n_entitlements >= PRODUCT_MAX_ENTITLEMENTS)
        return ent_error_field(err, field, "the product grants %d features already",
                               PRODUCT_MAX_ENTITLEMENTS);
    struct ent_product before = *p;
    size_t n = p->n_entitlements + (at == NOT_GRANTED ? 1 : 0);
    struct ent_product_entitlement *list = ent_arena_calloc(&ctx->arena, n, sizeof(*list));
    if (!list)
        return ENT_ENOMEM;
    if (p->n_entitlements > 0)
        memcpy(list, p->entitlements, p->n_entitlements * sizeof(*list));
    if (at == NOT_GRANTED)
        at = n - 1;
    list[at].feature = f->key;
    memcpy(list[at].feature_id, f->id, sizeof(list[at].feature_id));
    list[at].value = value;
    list[at].name = name;
    p->entitlements = list;
    p->n_entitlements = n;
    p->updated_ms = ctx->now_ms;
    int rc = ctx->sess->ops->product_update(ctx->sess, p);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "product.entitlement_set", NULL, p->id, ENT_KIND_PRODUCT,
                               &before, p);
    if (rc == ENT_OK)
        *out = list[at];
    return rc;
}

/*
 * Sets what a product grants of one feature (PUT; see entitled.h). The feature must not be
 * archived; value is checked against its type and levels ("value"); name is generated unless
 * given ("name"). Answers 200 with the product entitlement.
 * OUT out: the stored product entitlement.
 * Errors: ENT_EINVAL, ENT_ENOTFOUND (product or feature), ENT_EFORBIDDEN, ENT_ESTORE,
 * ENT_ENOMEM.
 */
int
ent_products_set_entitlement(struct ent_ctx *ctx, const char *product, const char *feature,
                             const char *value, const char *name,
                             struct ent_product_entitlement *out, struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    rc = ent_writes_begin(ctx);
    ent_ctx_touch_catalog(ctx);
    struct ent_product p;
    struct ent_feature f;
    if (rc == ENT_OK)
        rc = load_product(ctx, product, &p, err);
    if (rc == ENT_OK)
        rc = load_feature(ctx, feature, &f, err);
    const char *normalized = NULL, *display = NULL;
    if (rc == ENT_OK) {
        if (!ent_category_may_grant(p.category))
            ent_error_field(err, "product",
                            "is a physical_goods product, which grants no "
                            "features");
        if (f.status == ENT_STATUS_ARCHIVED)
            ent_error_field(err, "feature", "is archived; it may not be newly granted");
        rc = ent_feature_check_value(&f, value, "value", &ctx->arena, &normalized, err);
        if (rc == ENT_OK)
            rc = grant_name(ctx, &f, normalized, name, "name", &display, err);
        if (rc == ENT_OK && ent_fields_failed(err))
            rc = ENT_EINVAL;
    }
    struct ent_product_entitlement pe;
    if (rc == ENT_OK)
        rc = write_grant(ctx, &p, &f, normalized, display, "feature", &pe, err);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 200, ENT_KIND_PRODUCT_ENTITLEMENT, &pe);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    *out = pe;
    return ENT_OK;
}

/* Checks one grant of a feature being created (see products.h). */
int
ent_products_check_grant(struct ent_ctx *ctx, const struct ent_feature *f, const char *prefix,
                         struct ent_feature_grant *g, struct ent_product *p, bool *ok,
                         struct ent_error *err)
{
    char field[FIELD_PATH_MAX], value_field[FIELD_PATH_MAX], name_field[FIELD_PATH_MAX];
    snprintf(field, sizeof(field), "%sproduct", prefix);
    snprintf(value_field, sizeof(value_field), "%svalue", prefix);
    snprintf(name_field, sizeof(name_field), "%sname", prefix);
    *ok = false;
    int rc = ENT_ENOTFOUND;
    if (g->product && g->product[0])
        rc = ctx->sess->ops->product_get(ctx->sess, &ctx->arena, g->product, p);
    if (rc == ENT_ENOTFOUND)
        ent_error_field(err, field,
                        g->product && g->product[0] ? "no such product" : "is required");
    else if (rc < 0)
        return rc;
    else if (!ent_category_may_grant(p->category))
        ent_error_field(err, field, "is a physical_goods product, which grants no features");
    const char *value = NULL, *name = NULL;
    int checked = ent_feature_check_value(f, g->value, value_field, &ctx->arena, &value, err);
    if (checked == ENT_OK)
        checked = grant_name(ctx, f, value, g->name, name_field, &name, err);
    if (checked < 0 && checked != ENT_EINVAL)
        return checked;
    if (rc < 0 || !ent_category_may_grant(p->category) || !value || !name)
        return ENT_OK;
    g->product = p->key;
    memcpy(g->product_id, p->id, sizeof(g->product_id));
    g->value = value;
    g->name = name;
    *ok = true;
    return ENT_OK;
}

/* Stores one grant of a feature being created (see products.h). */
int
ent_products_write_grant(struct ent_ctx *ctx, struct ent_product *p, const struct ent_feature *f,
                         const struct ent_feature_grant *g, const char *prefix,
                         struct ent_error *err)
{
    char field[FIELD_PATH_MAX];
    snprintf(field, sizeof(field), "%sproduct", prefix);
    struct ent_product_entitlement pe;
    return write_grant(ctx, p, f, g->value, g->name, field, &pe, err);
}

/*
 * Removes what a product grants of one feature (feature: its id or key). Records
 * "product.entitlement_removed" with the product before and after; answers 204.
 * Errors: ENT_ENOTFOUND (product, or the product does not grant the feature),
 * ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_products_remove_entitlement(struct ent_ctx *ctx, const char *product, const char *feature,
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
    ent_ctx_touch_catalog(ctx);
    struct ent_product before, p;
    if (rc == ENT_OK)
        rc = load_product(ctx, product, &before, err);
    size_t at = NOT_GRANTED;
    if (rc == ENT_OK)
        at = find_grant(&before, feature);
    if (rc == ENT_OK && at == NOT_GRANTED)
        rc = ent_error_set(err, ENT_ENOTFOUND, "product '%s' does not grant '%s'", before.key,
                           feature ? feature : "");
    if (rc == ENT_OK) {
        p = before;
        p.entitlements =
            ent_arena_calloc(&ctx->arena, before.n_entitlements, sizeof(*p.entitlements));
        rc = p.entitlements ? ENT_OK : ENT_ENOMEM;
    }
    if (rc == ENT_OK) {
        memcpy(p.entitlements, before.entitlements, at * sizeof(*p.entitlements));
        memcpy(p.entitlements + at, before.entitlements + at + 1,
               (before.n_entitlements - at - 1) * sizeof(*p.entitlements));
        p.n_entitlements = before.n_entitlements - 1;
        p.updated_ms = ctx->now_ms;
        rc = ctx->sess->ops->product_update(ctx->sess, &p);
    }
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "product.entitlement_removed", NULL, p.id, ENT_KIND_PRODUCT,
                               &before, &p);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 204, ENT_KIND_PRODUCT, NULL);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    return ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Lists                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* Loads one product for the generic list. Errors: ENT_ENOTFOUND, ENT_ESTORE, ENT_ENOMEM. */
static int
load_listed(struct ent_ctx *ctx, struct ent_store_session *sess, const char *id, void *out)
{
    return sess->ops->product_get(sess, &ctx->arena, id, out);
}

static const struct ent_list_filter product_filters[] = {
    {.name = "category", .op = ENT_STORE_EQ, .check = ent_lists_check_category},
    {.name = "status", .op = ENT_STORE_EQ, .check = ent_lists_check_status},
    {.name = "license_model", .op = ENT_STORE_EQ}, /* seed 004: the model's name */
    {.name = "feature", .op = ENT_STORE_EQ, .resolve = ent_lists_resolve_feature},
    {.name = NULL},
};

static const struct ent_list_spec product_list = {
    .table = ENT_TABLE_PRODUCTS,
    .item_size = sizeof(struct ent_product),
    .sorts = {"key", "name", "category", "status", "created_at", "updated_at"},
    .filters = product_filters,
    .load = load_listed,
};

/*
 * Points each product of a page listed by ?feature= at its grant of that feature (seed 001:
 * the item entitlements of a feature, with the value each item grants). ref: the filter's
 * value, which the list resolved already. Errors: ENT_ESTORE, ENT_ENOMEM.
 */
static int
point_at_grants(struct ent_ctx *ctx, const char *ref, struct ent_list *list)
{
    if (list->count == 0)
        return ENT_OK;
    const char *feature_id = NULL;
    int rc = ent_lists_resolve_feature(ctx, ref, &feature_id);
    if (rc < 0)
        return rc == ENT_ENOTFOUND ? ENT_OK : rc; /* deleted since: nothing to point at */
    struct ent_product *items = list->items;
    for (size_t i = 0; i < list->count; i++) {
        size_t at = find_grant(&items[i], feature_id);
        items[i].grant = at == NOT_GRANTED ? NULL : &items[i].entitlements[at];
    }
    return ENT_OK;
}

/*
 * Lists products (filters: category, status, feature: the products that grant it directly,
 * each pointed at its grant; sorts: key, name, category, status, created_at, updated_at).
 * Admin and read keys only. OUT list: items are struct ent_product.
 * Errors: ENT_EINVAL, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_products_list(struct ent_ctx *ctx, const struct ent_list_query *q, struct ent_list *list,
                  struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_reader(ctx, err);
    if (rc < 0)
        return rc;
    rc = ent_lists_run(ctx, &product_list, q, NULL, list, err);
    for (size_t i = 0; rc == ENT_OK && i < q->n_filters; i++) {
        if (strcmp(q->filters[i].name, "feature") == 0 && q->filters[i].value)
            rc = point_at_grants(ctx, q->filters[i].value, list);
        if (rc < 0)
            return ent_ctx_store_error(rc, err);
    }
    return rc;
}
