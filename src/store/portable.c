/* SPDX-License-Identifier: MIT */
/* portable.c: the tables of the portable form and the SQL both backends share (portable.h). */
#include "store/portable.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define T(...)                                                                                     \
    {                                                                                              \
        __VA_ARGS__, NULL                                                                          \
    }

const struct ent_portable_table ent_portable_tables[] = {
    {"features",
     T("id", "key", "name", "type", "unit", "reset_period", "activations_enabled", "status",
       "attributes", "created_ms", "updated_ms", "name_folded"),
     "id", "id", "updated_ms", false, NULL},
    {"feature_levels", T("feature_id", "position", "value", "name", "is_unlimited"),
     "feature_id, position", "feature_id, position", NULL, false, NULL},
    {"products",
     T("id", "key", "name", "category", "description", "has_license_model", "lm_issuer",
       "lm_vendor_string", "lm_notice", "max_leases", "max_lease_days", "status", "attributes",
       "created_ms", "updated_ms", "lm_name", "lm_serial_prefix", "lm_self_service",
       /* seed 004 (issue 17) */
       "part_number", "version", "lm_attributes"),
     "id", "id", "updated_ms", false, NULL},
    {"product_entitlements", T("product_id", "feature_id", "position", "value", "name"),
     "product_id, feature_id", "product_id, feature_id", NULL, false, NULL},
    {"product_components", T("product_id", "component_id", "position", "quantity"),
     "product_id, component_id", "product_id, component_id", NULL, false, NULL},
    {"accounts",
     T("id", "key", "name", "type", "parent_id", "contact_email", "attributes", "created_ms",
       "updated_ms", "partner_tier"),
     "id", NULL /* parents first: ent_portable_dump_sql */, "updated_ms", false, NULL},
    {"api_keys",
     T("id", "name", "scope", "account_id", "prefix", "hash", "created_ms", "revoked_ms"), "id",
     "id", "coalesce(revoked_ms, created_ms)", false, NULL},
    {"events", T("id", "type", "actor", "account_id", "object_id", "before", "after", "created_ms"),
     "id", "id", "created_ms", true, NULL},
    {"idempotency",
     T("key_id", "idem_key", "route", "request_hash", "status", "body", "created_ms"),
     "key_id, idem_key", "key_id, idem_key", "created_ms", true, NULL},
    {"activation_ids", T("activation_id", "kind", "owner_id"), "activation_id", "activation_id",
     NULL, true, NULL},
    {"orders",
     T("seq", "id", "account_id", "status", "attributes", "created_ms", "updated_ms",
       "activated_ms", "external_id", "description", "ship_to_email", "ship_to_address"),
     "id", "seq", "updated_ms", false, NULL},
    {"order_line_items",
     T("id", "order_id", "position", "product_id", "quantity", "quantity_per_copy", "start_ms",
       "end_ms", "order_type", "activation_id", "parent_activation_id", "attributes", "kind",
       "activatable", "auto_deploy", "deployed", "product_version", "part_number"),
     "id", "id", NULL, false, NULL},
    {"leases",
     T("id", "account_id", "product_id", "lease_count", "valid_from", "valid_until",
       "last_lease_end_ms", "created_ms", "created_by", "updated_ms", "updated_by"),
     "id", "id", "updated_ms", false, NULL},
    {"entitlements",
     T("seq", "id", "account_id", "product_id", "feature_id", "value", "override", "source",
       "order_id", "line_item_id", "lease_id", "activation_id", "parent_id", "quantity",
       "quantity_per_copy", "start_ms", "end_ms", "order_type", "status", "attributes",
       "created_ms", "updated_ms", "name", "activatable", "product_category", "consumed"),
     "id", "seq", "updated_ms", false, NULL},
    /* The earlier owners of a transferred entitlement, and the definitions of custom attributes
     * (seed 004, issue 17). */
    {"entitlement_owners", T("entitlement_id", "position", "account_id", "since_ms", "until_ms"),
     "entitlement_id, position", "entitlement_id, position", NULL, false, NULL},
    {"attribute_definitions",
     T("id", "object", "name", "type", "required", "description", "created_ms", "updated_ms"), "id",
     "id", "updated_ms", false, NULL},
    /* Consumption of service entitlements (issue 17, seed 000). */
    {"consumption_events",
     T("seq", "id", "entitlement_id", "account_id", "amount", "ts_ms", "idempotency_key",
       "consumed_after", "units", "created_ms"),
     "id", "seq", "created_ms", true, NULL},
    {"usage_events",
     T("seq", "id", "account_id", "feature_id", "amount", "ts_ms", "idempotency_key",
       "window_start_ms", "window_end_ms", "usage_after", "limit_value", "created_ms"),
     "id", "seq", "created_ms", true, NULL},
    {"usage_counters", T("account_id", "feature_id", "window_start_ms", "used"),
     "account_id, feature_id, window_start_ms", "account_id, feature_id, window_start_ms", NULL,
     false, NULL},
    {"activations",
     T("seq", "id", "account_id", "feature_id", "entitlement_id", "fingerprint", "name", "metadata",
       "ttl_seconds", "last_heartbeat_ms", "created_ms", "updated_ms", "deactivated_ms"),
     "id", "seq", "updated_ms", false, NULL},
    /* Signed licenses: the signing keys (sealed with the key file's secret) and the licenses. */
    {"signing_keys",
     T("seq", "id", "kid", "public_key", "sealed_key", "created_ms", "retired_ms",
       "published_until_ms"),
     "id", "seq", "coalesce(retired_ms, created_ms)", false, NULL},
    {"licenses",
     T("seq", "id", "serial", "account_id", "kid", "activation_id", "fingerprint", "features",
       "ttl_seconds", "token", "issued_ms", "expires_ms", "revoked_ms", "renew_count", "created_ms",
       "updated_ms"),
     "id", "seq", "updated_ms", false, NULL},
    /* Webhooks: the endpoints (secrets sealed with the key file's secret), the outbox (pending
     * messages go on being delivered from the copy), the thresholds crossed and the moments the
     * timed events were looked for up to. */
    {"webhooks",
     T("id", "url", "description", "events", "account_id", "enabled", "thresholds",
       "lease_expiring_days", "secret", "old_secret", "old_secret_until_ms", "disabled_reason",
       "failing_since_ms", "created_ms", "updated_ms"),
     "id", "id", "updated_ms", false, NULL},
    {"webhook_messages",
     T("seq", "id", "webhook_id", "type", "event_id", "account_id", "body", "status", "attempts",
       "next_attempt_ms", "claimed_until_ms", "last_status", "last_error", "last_attempt_ms",
       "created_ms", "delivered_ms"),
     "id", "seq", "coalesce(last_attempt_ms, created_ms)", false, NULL},
    {"webhook_windows",
     T("account_id", "feature_id", "window_start_ms", "window_end_ms", "threshold"),
     "account_id, feature_id, window_start_ms", "account_id, feature_id, window_start_ms", NULL,
     false, NULL},
    {"webhook_clock", T("name", "at_ms"), "name", "name", NULL, false, NULL},
    /* Not catalog_version: it tells processes sharing a SQLite file about changes, and a copy
     * is a new store of its own. */
    {"settings", T("name", "value"), "name", "name", NULL, false, "name <> 'catalog_version'"},
};
const size_t ent_portable_tables_count =
    sizeof(ent_portable_tables) / sizeof(ent_portable_tables[0]);

size_t
ent_portable_width(const struct ent_portable_table *t)
{
    size_t n = 0;
    while (n < ENT_PORTABLE_COLUMNS_MAX && t->columns[n])
        n++;
    return n;
}

const struct ent_portable_table *
ent_portable_named(const char *name)
{
    for (size_t i = 0; i < ent_portable_tables_count; i++)
        if (strcmp(ent_portable_tables[i].name, name) == 0)
            return &ent_portable_tables[i];
    return NULL;
}

/* Appends to out (cap bytes) at *len; false once it does not fit. */
static bool add(char *out, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool
add(char *out, size_t cap, size_t *len, const char *fmt, ...)
{
    if (*len >= cap)
        return false;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap - *len) {
        *len = cap;
        return false;
    }
    *len += (size_t)n;
    return true;
}

static void
add_columns(char *out, size_t cap, size_t *len, const struct ent_portable_table *t,
            const char *alias)
{
    for (size_t c = 0; c < ent_portable_width(t); c++)
        add(out, cap, len, "%s%s%s", c ? ", " : "", alias, t->columns[c]);
}

int
ent_portable_dump_sql(const struct ent_portable_table *t, bool since, const char *placeholder,
                      char *out, size_t cap)
{
    size_t len = 0;
    if (!t->order_by) { /* accounts: a parent before its children, by depth then id */
        add(out, cap, &len,
            "WITH RECURSIVE depth (id, n) AS (SELECT id, 0 FROM accounts WHERE parent_id IS NULL"
            " UNION ALL SELECT a.id, depth.n + 1 FROM accounts a JOIN depth ON a.parent_id ="
            " depth.id) SELECT ");
        add_columns(out, cap, &len, t, "t.");
        add(out, cap, &len, " FROM accounts t JOIN depth ON depth.id = t.id");
        if (since)
            add(out, cap, &len, " WHERE t.%s >= %s", t->since, placeholder);
        add(out, cap, &len, " ORDER BY depth.n, t.id");
    } else {
        add(out, cap, &len, "SELECT ");
        add_columns(out, cap, &len, t, "");
        add(out, cap, &len, " FROM %s", t->name);
        if (since)
            add(out, cap, &len, " WHERE %s >= %s", t->since, placeholder);
        if (t->where)
            add(out, cap, &len, " %s %s", since ? "AND" : "WHERE", t->where);
        add(out, cap, &len, " ORDER BY %s", t->order_by);
    }
    return len < cap ? (int)len : -1;
}

/* True when column is one of the comma-separated key columns. */
static bool
in_key(const char *key, const char *column)
{
    size_t n = strlen(column);
    for (const char *p = key; (p = strstr(p, column)) != NULL; p += n) {
        bool starts = p == key || p[-1] == ' ' || p[-1] == ',';
        bool ends = p[n] == '\0' || p[n] == ',';
        if (starts && ends)
            return true;
    }
    return false;
}

int
ent_portable_load_sql(const struct ent_portable_table *t, const char *prefix, char *out, size_t cap)
{
    size_t len = 0;
    add(out, cap, &len, "INSERT INTO %s (", t->name);
    add_columns(out, cap, &len, t, "");
    add(out, cap, &len, ") VALUES (");
    for (size_t c = 0; c < ent_portable_width(t); c++)
        add(out, cap, &len, "%s%s%zu", c ? ", " : "", prefix, c + 1);
    add(out, cap, &len, ") ON CONFLICT (%s) DO ", t->key);
    bool any = false;
    for (size_t c = 0; c < ent_portable_width(t) && !t->append_only; c++) {
        if (in_key(t->key, t->columns[c]) || strcmp(t->columns[c], "seq") == 0)
            continue;
        add(out, cap, &len, "%s%s = excluded.%s", any ? ", " : "UPDATE SET ", t->columns[c],
            t->columns[c]);
        any = true;
    }
    if (!any)
        add(out, cap, &len, "NOTHING");
    return len < cap ? (int)len : -1;
}
