/* SPDX-License-Identifier: MIT */
/*
 * list_sql.c: the allow-lists of the generic lists (the fields a table may be searched, sorted
 * and filtered by, and their columns) and the SQL of a page, for both backends (list_sql.h).
 *
 * A column may be an expression of the parameter: {p} stands for the parameter, {like} for the
 * dialect's case-insensitive LIKE and {int} for its 64-bit integer type.
 */
#include "store/list_sql.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct column_map {
    const char *field;  /* the API's name */
    const char *column; /* the column, or an expression of {p} */
};

struct table_desc {
    const char *table;
    const char *search[3];
    struct column_map sort[8];
    struct column_map filter[12];
};

static const struct table_desc tables[] = {
    [ENT_TABLE_FEATURES] = {.table = "features",
                            .search = {"name", "key"},
                            .sort = {{"key", "key"},
                                     {"name", "name"},
                                     {"type", "type"},
                                     {"status", "status"},
                                     {"created_at", "created_ms"},
                                     {"updated_at", "updated_ms"}},
                            .filter = {{"type", "type"}, {"status", "status"}}},
    [ENT_TABLE_PRODUCTS] = {.table = "products",
                            .search = {"name", "key"},
                            .sort = {{"key", "key"},
                                     {"name", "name"},
                                     {"category", "category"},
                                     {"status", "status"},
                                     {"created_at", "created_ms"},
                                     {"updated_at", "updated_ms"}},
                            .filter = {{"category", "category"},
                                       {"status", "status"},
                                       {"license_model", "lm_name"},
                                       {"feature",
                                        "id IN (SELECT product_id FROM"
                                        " product_entitlements WHERE feature_id = {p})"}}},
    [ENT_TABLE_ACCOUNTS] = {.table = "accounts",
                            .search = {"name", "key", "contact_email"},
                            .sort = {{"key", "key"},
                                     {"name", "name"},
                                     {"type", "type"},
                                     {"created_at", "created_ms"},
                                     {"updated_at", "updated_ms"}},
                            .filter = {{"type", "type"},
                                       {"parent", "parent_id"},
                                       {"id", "id"},
                                       {"partner_tier", "partner_tier"}}},
    [ENT_TABLE_KEYS] = {.table = "api_keys",
                        .search = {"name", "prefix"},
                        .sort = {{"name", "name"},
                                 {"scope", "scope"},
                                 {"created_at", "created_ms"}},
                        .filter = {{"scope", "scope"}, {"account", "account_id"}}},
    [ENT_TABLE_EVENTS] = {.table = "events",
                          .search = {"type"},
                          .sort = {{"created_at", "created_ms"}},
                          .filter = {{"after", "id"},
                                     {"type", "type"},
                                     {"account", "account_id"},
                                     {"object", "object_id"}}},
    [ENT_TABLE_ORDERS] = {.table = "orders",
                          .search = {"id"},
                          .sort = {{"created_at", "created_ms"},
                                   {"updated_at", "updated_ms"},
                                   {"status", "status"}},
                          .filter = {{"account", "account_id"},
                                     {"status", "status"},
                                     {"external_id", "external_id"}}},
    [ENT_TABLE_ENTITLEMENTS] =
        {
            .table = "entitlements",
            .search = {"activation_id", "name",
                       "product_id IN (SELECT id FROM products WHERE name {like} {p} ESCAPE '\\'"
                       " OR key {like} {p} ESCAPE '\\')"},
            .sort = {{"created_at", "created_ms"},
                     {"updated_at", "updated_ms"},
                     {"start_date", "start_ms"},
                     {"end_date", "end_ms"}},
            .filter = {{"account", "account_id"},
                       {"product", "product_id"},
                       {"order", "order_id"},
                       {"source", "source"},
                       {"status", "status"},
                       {"start", "start_ms"},
                       {"end", "end_ms"},
                       {"feature", "(feature_id = {p} OR product_id IN (SELECT product_id FROM"
                                   " product_entitlements WHERE feature_id = {p}) OR product_id IN"
                                   " (SELECT c.product_id FROM product_components c JOIN"
                                   " product_entitlements pe ON pe.product_id = c.component_id"
                                   " WHERE pe.feature_id = {p}))"},
                       {"category", "product_category"}}},
    [ENT_TABLE_LEASES] = {.table = "leases",
                          .search = {"id"},
                          .sort = {{"created_at", "created_ms"},
                                   {"updated_at", "updated_ms"},
                                   {"valid_until", "valid_until"}},
                          .filter = {{"account", "account_id"},
                                     {"product", "product_id"},
                                     {"valid_until", "valid_until"}}},
    [ENT_TABLE_ACTIVATIONS] = {.table = "activations",
                               .search = {"fingerprint", "name"},
                               .sort = {{"created_at", "created_ms"},
                                        {"updated_at", "updated_ms"},
                                        {"last_heartbeat_at", "last_heartbeat_ms"}},
                               .filter = {{"account", "account_id"},
                                          {"feature", "feature_id"},
                                          {"entitlement", "entitlement_id"},
                                          {"deactivated", "deactivated_ms"},
                                          {"alive_until", "(CASE WHEN ttl_seconds IS NULL THEN"
                                                          " 9223372036854775807 ELSE"
                                                          " last_heartbeat_ms + ttl_seconds *"
                                                          " 1000 END) > CAST({p} AS {int})"},
                                          {"dead_before", "(ttl_seconds IS NOT NULL AND"
                                                          " last_heartbeat_ms + ttl_seconds *"
                                                          " 1000 <= CAST({p} AS {int}))"}}},
    /* Signed licenses (issue 13) */
    [ENT_TABLE_LICENSES] = {.table = "licenses",
                            .search = {"serial", "fingerprint"},
                            .sort = {{"created_at", "created_ms"},
                                     {"updated_at", "updated_ms"},
                                     {"expires_at", "expires_ms"},
                                     {"serial", "serial"}},
                            .filter = {{"account", "account_id"},
                                       {"activation", "activation_id"},
                                       {"revoked", "revoked_ms"},
                                       {"expires", "expires_ms"}}},
    /* webhooks (issue 15) */
    [ENT_TABLE_WEBHOOKS] = {.table = "webhooks",
                            .search = {"url", "description"},
                            .sort = {{"created_at", "created_ms"}, {"url", "url"}},
                            .filter = {{"account", "account_id"}, {"enabled", "enabled"}}},
    [ENT_TABLE_WEBHOOK_MESSAGES] = {.table = "webhook_messages",
                                    .search = {"type"},
                                    .sort = {{"created_at", "created_ms"}},
                                    .filter = {{"webhook", "webhook_id"},
                                               {"status", "status"},
                                               {"type", "type"},
                                               {"account", "account_id"}}},
    /* issue 17 (seed 004) */
    [ENT_TABLE_ATTRIBUTE_DEFINITIONS] = {.table = "attribute_definitions",
                                         .search = {"name", "description"},
                                         .sort = {{"name", "name"},
                                                  {"object", "object"},
                                                  {"created_at", "created_ms"}},
                                         .filter = {{"object", "object"}, {"type", "type"}}},
};

/* The column of an API field in a map, or NULL when the field is not allowed. */
static const char *
map_column(const struct column_map *map, size_t n, const char *field)
{
    for (size_t i = 0; i < n && map[i].field; i++) {
        if (strcmp(map[i].field, field) == 0)
            return map[i].column;
    }
    return NULL;
}

/* SQL under construction: a bounded string that remembers running out of room. */
struct sql_text {
    char *s;
    size_t cap;
    size_t len;
    bool overflow;
};

static void put(struct sql_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends a formatted piece to t. */
static void
put(struct sql_text *t, const char *fmt, ...)
{
    if (t->overflow)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= t->cap - t->len) {
        t->overflow = true;
        return;
    }
    t->len += (size_t)n;
}

/* Appends expr with its tokens replaced: {p} by parameter n, {like} and {int} from d. */
static void
put_expr(struct sql_text *t, const struct ent_list_dialect *d, const char *expr, int n)
{
    for (const char *c = expr; *c; c++) {
        if (strncmp(c, "{p}", 3) == 0) {
            put(t, "%c%d", d->placeholder, n);
            c += 2;
        } else if (strncmp(c, "{like}", 6) == 0) {
            put(t, "%s", d->like);
            c += 5;
        } else if (strncmp(c, "{int}", 5) == 0) {
            put(t, "%s", d->integer);
            c += 4;
        } else {
            put(t, "%c", *c);
        }
    }
}

/* The search pattern of q: its text between %, with %, _ and \ escaped; NULL without memory. */
static const char *
search_pattern(struct ent_arena *a, const char *search)
{
    size_t n = strlen(search);
    char *pattern = ent_arena_alloc(a, 2 * n + 3);
    if (!pattern)
        return NULL;
    size_t o = 0;
    pattern[o++] = '%';
    for (size_t k = 0; k < n; k++) {
        char c = search[k];
        if (c == '%' || c == '_' || c == '\\')
            pattern[o++] = '\\';
        pattern[o++] = c;
    }
    pattern[o++] = '%';
    pattern[o] = '\0';
    return pattern;
}

/* Appends the WHERE clause of q on t to where, and the values it needs to out->params. */
static int
build_where(const struct ent_list_dialect *d, struct ent_arena *a, const struct table_desc *t,
            const struct ent_store_query *q, struct sql_text *where, struct ent_list_sql *out)
{
    put(where, " WHERE 1=1");
    for (size_t i = 0; i < q->n_filters; i++) {
        const char *col = map_column(t->filter, 12, q->filters[i].field);
        if (!col)
            return ENT_ESTORE;
        if (!q->filters[i].value) {
            put(where, " AND %s IS NULL", col);
            continue;
        }
        out->params[out->n_params++] = q->filters[i].value;
        int n = out->n_params;
        if (strstr(col, "{p}")) {
            put(where, " AND ");
            put_expr(where, d, col, n);
            continue;
        }
        switch (q->filters[i].op) {
        case ENT_STORE_EQ:
            put(where, " AND %s = %c%d", col, d->placeholder, n);
            break;
        case ENT_STORE_GT:
            put(where, " AND %s > %c%d", col, d->placeholder, n);
            break;
        case ENT_STORE_LE:
            put(where, " AND %s <= %c%d", col, d->placeholder, n);
            break;
        case ENT_STORE_GT_OR_NULL:
            put(where, " AND (%s IS NULL OR %s > %c%d)", col, col, d->placeholder, n);
            break;
        }
    }
    if (q->search && q->search[0]) {
        const char *pattern = search_pattern(a, q->search);
        if (!pattern)
            return ENT_ENOMEM;
        out->params[out->n_params++] = pattern;
        int n = out->n_params;
        put(where, " AND (");
        for (size_t i = 0; i < 3 && t->search[i]; i++) {
            put(where, "%s", i ? " OR " : "");
            if (strstr(t->search[i], "{p}"))
                put_expr(where, d, t->search[i], n);
            else
                put(where, "%s %s %c%d ESCAPE '\\'", t->search[i], d->like, d->placeholder, n);
        }
        put(where, ")");
    }
    return where->overflow ? ENT_ESTORE : ENT_OK;
}

int
ent_list_sql_build(const struct ent_list_dialect *d, struct ent_arena *a,
                   enum ent_store_table table, const struct ent_store_query *q,
                   struct ent_list_sql *out)
{
    const struct table_desc *t = &tables[table];
    out->n_params = 0;
    char buf[2048];
    struct sql_text where = {.s = buf, .cap = sizeof(buf)};
    buf[0] = '\0';
    int code = build_where(d, a, t, q, &where, out);
    if (code < 0)
        return code;
    struct sql_text count = {.s = out->count, .cap = sizeof(out->count)};
    put(&count, "SELECT count(*) FROM %s%s", t->table, buf);
    struct sql_text page = {.s = out->page, .cap = sizeof(out->page)};
    put(&page, "SELECT id FROM %s%s ORDER BY ", t->table, buf);
    for (size_t i = 0; i < q->n_sorts; i++) {
        const char *order = map_column(t->sort, 8, q->sorts[i].field);
        if (!order)
            return ENT_ESTORE;
        put(&page, "%s %s, ", order, q->sorts[i].desc ? d->desc : d->asc);
    }
    /* Ties end in id order, in the direction of the first field (ids sort by time). */
    bool desc = q->n_sorts > 0 && q->sorts[0].desc;
    put(&page, "id %s LIMIT %lld OFFSET %lld", desc ? "DESC" : "ASC", (long long)q->limit,
        (long long)q->offset);
    return (count.overflow || page.overflow) ? ENT_ESTORE : ENT_OK;
}
