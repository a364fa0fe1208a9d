/* SPDX-License-Identifier: MIT */
/*
 * lists.c: the generic list (see lists.h). Checks happen here, so every collection answers a
 * bad ?limit= or ?sort= the same way; the store only maps the checked fields to columns.
 */
#include "service/lists.h"

#include <string.h>

#include "core/uuid.h"
#include "service/ctx.h"

bool
ent_lists_check_uuid(const char *value)
{
    return ent_uuid_is_valid(value);
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

int
ent_lists_resolve_account(struct ent_ctx *ctx, const char *value, const char **id)
{
    struct ent_store_session *sess;
    int rc = ent_ctx_session(ctx, &sess);
    if (rc < 0)
        return rc;
    struct ent_account acc;
    rc = sess->ops->account_get(sess, &ctx->arena, value, &acc);
    if (rc < 0)
        return rc;
    *id = ent_arena_strdup(&ctx->arena, acc.id);
    return *id ? ENT_OK : ENT_ENOMEM;
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

/* Checks paging, sort and search of q into sq. */
static int
check_paging(const struct ent_list_spec *spec, const struct ent_list_query *q,
             struct ent_store_query *sq, struct ent_error *err)
{
    if (q->limit < 1 || q->limit > ENT_LIST_LIMIT_MAX)
        ent_error_field(err, "limit", "must be between 1 and %d", ENT_LIST_LIMIT_MAX);
    if (q->offset < 0)
        ent_error_field(err, "offset", "must be 0 or more");
    if (q->search && strlen(q->search) > ENT_SEARCH_MAX)
        ent_error_field(err, "search", "is longer than %d characters", ENT_SEARCH_MAX);
    sq->limit = q->limit;
    sq->offset = q->offset;
    sq->search = q->search;
    if (q->sort && q->sort[0]) {
        const char *field = q->sort[0] == '-' ? q->sort + 1 : q->sort;
        bool known = false;
        for (size_t i = 0; i < 8 && spec->sorts[i]; i++)
            known = known || strcmp(spec->sorts[i], field) == 0;
        if (!known)
            ent_error_field(err, "sort", "cannot sort by this field");
        sq->sort = field;
        sq->sort_desc = q->sort[0] == '-';
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
    int rc = check_paging(spec, q, &sq, err);
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
