/* SPDX-License-Identifier: MIT */
/*
 * lists.c: the generic list (see lists.h). Checks happen here, so every collection answers a
 * bad ?limit= or ?sort= the same way; the store only maps the checked fields to columns.
 */
#include "service/lists.h"

#include <string.h>

#include "core/str.h"
#include "core/uuid.h"
#include "service/ctx.h"

bool
ent_lists_check_uuid(const char *value)
{
    return ent_uuid_is_valid(value);
}

bool
ent_lists_check_status(const char *value)
{
    return ent_status_parse(value) != 0;
}

bool
ent_lists_check_category(const char *value)
{
    return ent_category_parse(value) != 0;
}

/* The tables a filter may name a row of by reference. */
enum ref_table {
    REF_ACCOUNT,
    REF_PRODUCT,
    REF_FEATURE,
    REF_ENTITLEMENT,
};

/*
 * Resolves a reference (id, key, or for an entitlement its activation id) to the id of the row
 * of table it names. OUT id: in the context's arena.
 * Errors: ENT_ENOTFOUND, ENT_ESTORE, ENT_ENOMEM.
 */
static int
resolve_ref(struct ent_ctx *ctx, enum ref_table table, const char *value, const char **id)
{
    struct ent_store_session *sess;
    int rc = ent_ctx_session(ctx, &sess);
    if (rc < 0)
        return rc;
    union {
        struct ent_account account;
        struct ent_product product;
        struct ent_feature feature;
        struct ent_entitlement entitlement;
    } row;
    const char *found = NULL;
    switch (table) {
    case REF_ACCOUNT:
        rc = sess->ops->account_get(sess, &ctx->arena, value, &row.account);
        found = row.account.id;
        break;
    case REF_PRODUCT:
        rc = sess->ops->product_get(sess, &ctx->arena, value, &row.product);
        found = row.product.id;
        break;
    case REF_FEATURE:
        rc = sess->ops->feature_get(sess, &ctx->arena, value, &row.feature);
        found = row.feature.id;
        break;
    case REF_ENTITLEMENT:
        rc = sess->ops->entitlement_get(sess, &ctx->arena, value, &row.entitlement);
        found = row.entitlement.id;
        break;
    }
    if (rc < 0)
        return rc;
    *id = ent_arena_strdup(&ctx->arena, found);
    return *id ? ENT_OK : ENT_ENOMEM;
}

int
ent_lists_resolve_account(struct ent_ctx *ctx, const char *value, const char **id)
{
    return resolve_ref(ctx, REF_ACCOUNT, value, id);
}

int
ent_lists_resolve_product(struct ent_ctx *ctx, const char *value, const char **id)
{
    return resolve_ref(ctx, REF_PRODUCT, value, id);
}

int
ent_lists_resolve_feature(struct ent_ctx *ctx, const char *value, const char **id)
{
    return resolve_ref(ctx, REF_FEATURE, value, id);
}

int
ent_lists_resolve_entitlement(struct ent_ctx *ctx, const char *value, const char **id)
{
    return resolve_ref(ctx, REF_ENTITLEMENT, value, id);
}

int
ent_lists_resolve_account_ref(struct ent_ctx *ctx, const char *value, const char **id)
{
    if (ent_uuid_is_valid(value)) {
        *id = value; /* an id names the account's history even after it is deleted */
        return ENT_OK;
    }
    return ent_lists_resolve_account(ctx, value, id);
}

const char *
ent_lists_ms_text(struct ent_ctx *ctx, int64_t ms)
{
    return ent_arena_printf(&ctx->arena, "%lld", (long long)ms);
}

/*
 * Copies q into rest without the filter called name (see lists.h). The query parser refuses a
 * filter given twice, so there is one value at most; were there more, the last one counts.
 */
void
ent_lists_take_filter(const struct ent_list_query *q, const char *name, struct ent_list_query *rest,
                      const char **value)
{
    *rest = *q;
    rest->n_filters = 0;
    *value = NULL;
    for (size_t i = 0; i < q->n_filters; i++) {
        if (strcmp(q->filters[i].name, name) == 0)
            *value = q->filters[i].value ? q->filters[i].value : "";
        else
            rest->filters[rest->n_filters++] = q->filters[i];
    }
}

int
ent_lists_add_filter(struct ent_store_query *sq, const char *field, enum ent_store_op op,
                     const char *value)
{
    if (sq->n_filters == ENT_STORE_MAX_FILTERS)
        return ENT_EINVAL;
    sq->filters[sq->n_filters].field = field;
    sq->filters[sq->n_filters].op = op;
    sq->filters[sq->n_filters].value = value;
    sq->n_filters++;
    return ENT_OK;
}

int
ent_lists_scope(struct ent_ctx *ctx, const struct ent_list_query *q, const char *own_field,
                ent_list_status_fn status, struct ent_list_query *rest,
                struct ent_store_query *forced, struct ent_error *err)
{
    int rc = ent_ctx_require_owner_or_reader(ctx, err);
    if (rc < 0)
        return rc;
    memset(forced, 0, sizeof(*forced));
    if (ctx->principal.scope == ENT_SCOPE_ACCOUNT)
        ent_lists_add_filter(forced, own_field, ENT_STORE_EQ, ctx->principal.account_id);
    const char *value = NULL;
    if (status)
        ent_lists_take_filter(q, "status", rest, &value);
    else
        *rest = *q;
    if (value)
        rc = status(ctx, value, forced);
    if (rc == ENT_EINVAL)
        ent_error_field(err, "status", "is not a valid value for this filter");
    else if (rc < 0)
        return ent_ctx_store_error(rc, err);
    return ENT_OK;
}

int
ent_lists_run_scoped(struct ent_ctx *ctx, const struct ent_list_spec *spec,
                     const struct ent_list_query *q, const char *own_field,
                     ent_list_status_fn status, struct ent_list *list, struct ent_error *err)
{
    struct ent_list_query rest;
    struct ent_store_query forced;
    int rc = ent_lists_scope(ctx, q, own_field, status, &rest, &forced, err);
    if (rc < 0)
        return rc;
    /* With a field error recorded, the run still checks paging and the other filters (all are
     * reported at once) and reads nothing. */
    return ent_lists_run(ctx, spec, &rest, &forced, list, err);
}

/* The filter of spec named name, or NULL. */
static const struct ent_list_filter *
find_filter(const struct ent_list_spec *spec, const char *name)
{
    for (const struct ent_list_filter *f = spec->filters; f && f->name; f++) {
        if (strcmp(f->name, name) == 0)
            return f;
    }
    return NULL;
}

void
ent_list_page(const struct ent_list_query *q, int64_t *size, int64_t *offset)
{
    bool paged = q->page || q->page_size;
    *size = q->page_size ? q->page_size : q->limit;
    /* A page too large to have an offset is refused (check_paging): 0 stands for it here. */
    bool fits = q->page > 0 && *size > 0 && q->page - 1 <= INT64_MAX / *size;
    *offset = !paged ? q->offset : fits ? (q->page - 1) * *size : 0;
}

/*
 * Checks paging, sort and search of q into sq: limit and offset, or page and page_size (not
 * page with offset); sort by up to ENT_STORE_MAX_SORTS fields, each of the list's allow-list,
 * "-" before one for descending (copied into the context's arena).
 */
static int
check_paging(struct ent_ctx *ctx, const struct ent_list_spec *spec, const struct ent_list_query *q,
             struct ent_store_query *sq, struct ent_error *err)
{
    int64_t limit, offset;
    ent_list_page(q, &limit, &offset);
    if (q->page || q->page_size) {
        if (q->page_size && (q->page_size < 1 || q->page_size > ENT_LIST_LIMIT_MAX))
            ent_error_field(err, "page_size", "must be between 1 and %d", ENT_LIST_LIMIT_MAX);
        if (q->page < 0)
            ent_error_field(err, "page", "must be 1 or more");
        if (q->page && q->offset_given)
            ent_error_field(err, "page", "asks for a page by number: give it without offset");
        if (q->page > (INT64_MAX / ENT_LIST_LIMIT_MAX))
            ent_error_field(err, "page", "is too large");
    }
    if (limit < 1 || limit > ENT_LIST_LIMIT_MAX)
        ent_error_field(err, "limit", "must be between 1 and %d", ENT_LIST_LIMIT_MAX);
    if (offset < 0)
        ent_error_field(err, "offset", "must be 0 or more");
    if (q->search && strlen(q->search) > ENT_SEARCH_MAX)
        ent_error_field(err, "search", "is longer than %d characters", ENT_SEARCH_MAX);
    sq->limit = limit;
    sq->offset = offset;
    sq->search = q->search;
    for (const char *p = q->sort; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        bool desc = len > 0 && p[0] == '-';
        const char *field = ent_ctx_strndup(ctx, p + desc, len - desc);
        if (!field)
            return ent_error_set(err, ENT_ENOMEM, "%s", "");
        bool known = false;
        for (size_t i = 0; i < 8 && spec->sorts[i]; i++)
            known = known || strcmp(spec->sorts[i], field) == 0;
        for (size_t i = 0; i < sq->n_sorts; i++)
            known = known && strcmp(sq->sorts[i].field, field) != 0; /* each field once */
        if (!known || sq->n_sorts == ENT_STORE_MAX_SORTS) {
            ent_error_field(err, "sort",
                            sq->n_sorts == ENT_STORE_MAX_SORTS
                                ? "sorts by at most 4 fields"
                                : "cannot sort by '%s' (or names it twice)",
                            field);
            break;
        }
        sq->sorts[sq->n_sorts].field = field;
        sq->sorts[sq->n_sorts].desc = desc;
        sq->n_sorts++;
        p = comma ? comma + 1 : p + len;
        if (comma && !*p)
            ent_error_field(err, "sort", "ends with a comma");
    }
    return (err && err->code == ENT_EINVAL) ? ENT_EINVAL : ENT_OK;
}

/* Adds the checked filters of q to sq; *empty is set when a reference names nothing. */
static int
add_filters(struct ent_ctx *ctx, const struct ent_list_spec *spec, const struct ent_list_query *q,
            struct ent_store_query *sq, bool *empty, struct ent_error *err)
{
    for (size_t i = 0; i < q->n_filters; i++) {
        const char *name = q->filters[i].name, *value = q->filters[i].value;
        const struct ent_list_filter *f = find_filter(spec, name);
        if (!f) {
            ent_error_field(err, name, "is not a filter of this list");
            continue;
        }
        if (value && f->check) { /* enums and ids: stored in lower case, asked in any */
            char *folded = ent_arena_alloc(&ctx->arena, strlen(value) + 1);
            if (!folded)
                return ent_error_set(err, ENT_ENOMEM, "%s", "");
            ent_str_fold(value, folded, strlen(value) + 1);
            value = folded;
        }
        if (!value || (f->check && !f->check(value))) {
            ent_error_field(err, name, "is not a valid value for this filter");
            continue;
        }
        if (f->resolve) {
            int rc = f->resolve(ctx, value, &value);
            if (rc == ENT_ENOTFOUND) {
                *empty = true;
                continue;
            }
            if (rc < 0)
                return ent_ctx_store_error(rc, err);
        }
        if (sq->n_filters == ENT_STORE_MAX_FILTERS)
            return ent_error_field(err, name, "too many filters");
        sq->filters[sq->n_filters].field = name;
        sq->filters[sq->n_filters].op = f->op;
        sq->filters[sq->n_filters].value = value;
        sq->n_filters++;
    }
    return (err && err->code == ENT_EINVAL) ? ENT_EINVAL : ENT_OK;
}

int
ent_lists_run(struct ent_ctx *ctx, const struct ent_list_spec *spec, const struct ent_list_query *q,
              const struct ent_store_query *forced, struct ent_list *list, struct ent_error *err)
{
    struct ent_store_query sq = {0};
    bool empty = false;
    int rc = check_paging(ctx, spec, q, &sq, err);
    int rc2 = add_filters(ctx, spec, q, &sq, &empty, err);
    if (rc < 0 || rc2 < 0)
        return rc < 0 ? rc : rc2;
    for (size_t i = 0; forced && i < forced->n_filters; i++) {
        if (sq.n_filters == ENT_STORE_MAX_FILTERS)
            return ENT_EINTERNAL;
        sq.filters[sq.n_filters++] = forced->filters[i];
    }
    list->items = NULL;
    list->count = 0;
    list->total_count = 0;
    if (empty)
        return ENT_OK;
    struct ent_store_session *sess;
    rc = ent_ctx_session(ctx, &sess);
    if (rc < 0)
        return ent_ctx_store_error(rc, err);
    char(*ids)[37] = NULL;
    size_t n = 0;
    rc = sess->ops->list(sess, &ctx->arena, spec->table, &sq, &ids, &n, &list->total_count);
    if (rc < 0)
        return ent_ctx_store_error(rc, err);
    char *items = ent_arena_calloc(&ctx->arena, n ? n : 1, spec->item_size);
    if (!items)
        return ENT_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        rc = spec->load(ctx, sess, ids[i], items + i * spec->item_size);
        if (rc == ENT_ENOTFOUND)
            continue; /* deleted between the page and the read */
        if (rc < 0)
            return ent_ctx_store_error(rc, err);
        if (list->count != i)
            memcpy(items + list->count * spec->item_size, items + i * spec->item_size,
                   spec->item_size);
        list->count++;
    }
    list->items = items;
    return ENT_OK;
}
