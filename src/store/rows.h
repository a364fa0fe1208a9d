/* SPDX-License-Identifier: MIT */
/*
 * rows.h: what both backends read alike, written once: the columns each read selects, and the
 * mapping of a row of them to the struct of entitled.h. A backend hands a row over through two
 * accessors (struct ent_store_row_ops); what differs by dialect (placeholders, locking, conflict
 * handling, how bytes are stored) stays in the backend. Nothing outside src/store/ includes this.
 */
#ifndef ENT_STORE_ROWS_H
#define ENT_STORE_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "store/store.h"
#include <entitled.h>

struct ent_store_row;

/* How a backend reads a column of its current row. */
struct ent_store_row_ops {
    /* The column as text, or NULL for SQL NULL; valid until the row is left. */
    const char *(*text)(const struct ent_store_row *r, int col);
    /* The column as an integer; 0 for NULL. */
    int64_t (*integer)(const struct ent_store_row *r, int col);
};

/* One row of a result: a prepared statement on its row (SQLite), or a result and an index. */
struct ent_store_row {
    const struct ent_store_row_ops *ops;
    const void *result;
    int index;
};

/*
 * Maps the row r (of the matching *_COLUMNS) to the struct at item, strings copied into a.
 * Errors: ENT_ENOMEM.
 */
typedef int (*ent_rows_read_fn)(const struct ent_store_row *r, struct ent_arena *a, void *item);

/* features: a feature without its levels (ent_rows_feature). */
#define ENT_ROWS_FEATURE_COLUMNS                                                                   \
    "id, key, name, type, unit, reset_period, activations_enabled, status, attributes,"            \
    " created_ms, updated_ms"
int ent_rows_feature(const struct ent_store_row *r, struct ent_arena *a, void *item);

/* feature_levels: one level (struct ent_level). */
#define ENT_ROWS_LEVEL_COLUMNS "value, name, is_unlimited"
int ent_rows_level(const struct ent_store_row *r, struct ent_arena *a, void *item);

/* products: a product without its entitlements and components. */
#define ENT_ROWS_PRODUCT_COLUMNS                                                                   \
    "id, key, name, category, description, has_license_model, lm_issuer, lm_vendor_string,"        \
    " lm_notice, max_leases, max_lease_days, status, attributes, created_ms, updated_ms,"          \
    " lm_name, lm_serial_prefix, lm_self_service, part_number, version, lm_attributes"
int ent_rows_product(const struct ent_store_row *r, struct ent_arena *a, void *item);

/* product_entitlements pe joined to features f (struct ent_product_entitlement). */
#define ENT_ROWS_PRODUCT_ENTITLEMENT_COLUMNS "f.key, pe.feature_id, pe.value, pe.name"
int ent_rows_product_entitlement(const struct ent_store_row *r, struct ent_arena *a, void *item);

/* product_components c joined to products p (struct ent_component). */
#define ENT_ROWS_COMPONENT_COLUMNS "p.key, c.component_id, c.quantity"
int ent_rows_component(const struct ent_store_row *r, struct ent_arena *a, void *item);

/* accounts. */
#define ENT_ROWS_ACCOUNT_COLUMNS                                                                   \
    "id, key, name, type, parent_id, contact_email, attributes, created_ms, updated_ms,"           \
    " partner_tier"
int ent_rows_account(const struct ent_store_row *r, struct ent_arena *a, void *item);

/* api_keys (struct ent_key; never the hash). */
#define ENT_ROWS_KEY_COLUMNS "id, name, scope, account_id, prefix, created_ms, revoked_ms"
int ent_rows_key(const struct ent_store_row *r, struct ent_arena *a, void *item);

/* events. */
#define ENT_ROWS_EVENT_COLUMNS "id, type, actor, account_id, object_id, before, after, created_ms"
int ent_rows_event(const struct ent_store_row *r, struct ent_arena *a, void *item);

/* orders: an order without its line items. */
#define ENT_ROWS_ORDER_COLUMNS                                                                     \
    "id, seq, account_id, status, attributes, created_ms, updated_ms, activated_ms, external_id,"  \
    " description, ship_to_email, ship_to_address"
int ent_rows_order(const struct ent_store_row *r, struct ent_arena *a, void *item);

/* order_line_items li joined to products p (struct ent_line_item). */
#define ENT_ROWS_LINE_ITEM_COLUMNS                                                                 \
    "li.id, p.key, li.product_id, li.quantity, li.quantity_per_copy, li.start_ms, li.end_ms,"      \
    " li.order_type, li.activation_id, li.parent_activation_id, li.attributes, li.kind,"           \
    " li.activatable, li.auto_deploy, li.deployed, li.product_version, li.part_number"
/* The number of columns above: a count selected after them is at this index. */
#define ENT_ROWS_LINE_ITEM_WIDTH 17
#define ENT_ROWS_LINE_ITEM_FROM " FROM order_line_items li JOIN products p ON p.id = li.product_id"
int ent_rows_line_item(const struct ent_store_row *r, struct ent_arena *a, void *item);

/* entitlements e with the key and name of their product p and the key of their feature f. */
#define ENT_ROWS_ENTITLEMENT_COLUMNS                                                               \
    "e.id, e.seq, e.account_id, p.key, e.product_id, f.key, e.feature_id, e.value, e.override,"    \
    " e.source, e.order_id, e.lease_id, e.activation_id, e.parent_id, e.quantity,"                 \
    " e.quantity_per_copy, e.start_ms, e.end_ms, e.order_type, e.status, e.attributes,"            \
    " e.created_ms, e.updated_ms, coalesce(p.name, e.name), e.activatable, e.line_item_id,"        \
    " e.product_category, e.consumed"
/* The number of columns above: a count selected after them is at this index. */
#define ENT_ROWS_ENTITLEMENT_WIDTH 28
#define ENT_ROWS_ENTITLEMENT_FROM                                                                  \
    " FROM entitlements e LEFT JOIN products p ON p.id = e.product_id"                             \
    " LEFT JOIN features f ON f.id = e.feature_id"
int ent_rows_entitlement(const struct ent_store_row *r, struct ent_arena *a, void *item);

/* The status an entitlement is stored with: the derived states (pending, expired) never are. */
const char *ent_rows_entitlement_status(const struct ent_entitlement *e);

/* leases l with the key of their product p. */
#define ENT_ROWS_LEASE_COLUMNS                                                                     \
    "l.id, l.account_id, l.product_id, p.key, l.lease_count, l.valid_from, l.valid_until,"         \
    " l.last_lease_end_ms, l.created_ms, l.created_by, l.updated_ms, l.updated_by"
#define ENT_ROWS_LEASE_FROM " FROM leases l JOIN products p ON p.id = l.product_id"
int ent_rows_lease(const struct ent_store_row *r, struct ent_arena *a, void *item);

/* activations a with the key of their feature f and the activation id of their entitlement e. */
#define ENT_ROWS_ACTIVATION_COLUMNS                                                                \
    "a.id, a.account_id, f.key, a.feature_id, a.entitlement_id, e.activation_id,"                  \
    " a.fingerprint, a.name, a.metadata, a.ttl_seconds, a.last_heartbeat_ms, a.created_ms,"        \
    " a.updated_ms, a.deactivated_ms"
#define ENT_ROWS_ACTIVATION_FROM                                                                   \
    " FROM activations a LEFT JOIN features f ON f.id = a.feature_id"                              \
    " LEFT JOIN entitlements e ON e.id = a.entitlement_id"
int ent_rows_activation(const struct ent_store_row *r, struct ent_arena *a, void *item);

/* settings: the value of one (a const char * in the arena). */
int ent_rows_setting(const struct ent_store_row *r, struct ent_arena *a, void *item);

/* usage_events: a recorded event with the answer it was given (struct ent_store_usage). */
#define ENT_ROWS_USAGE_EVENT_COLUMNS                                                               \
    "id, account_id, feature_id, amount, ts_ms, idempotency_key, window_start_ms,"                 \
    " window_end_ms, usage_after, limit_value, created_ms"
int ent_rows_usage_event(const struct ent_store_row *r, struct ent_arena *a, void *item);

/* consumption_events: a recorded consumption event (struct ent_store_consumption; issue 17). */
#define ENT_ROWS_CONSUMPTION_COLUMNS                                                               \
    "id, entitlement_id, account_id, amount, ts_ms, idempotency_key, consumed_after, units,"       \
    " created_ms"
int ent_rows_consumption(const struct ent_store_row *r, struct ent_arena *a, void *item);

/* Signed licenses (issue 13). signing_keys k (struct ent_store_signing_key), with the latest
 * expiry of the licenses each signed and of the tokens it signed that renewals replaced
 * (published_until_ms: the later of the two). */
#define ENT_ROWS_SIGNING_KEY_COLUMNS                                                               \
    "k.kid, k.public_key, k.sealed_key, k.created_ms, k.retired_ms,"                               \
    " (SELECT max(l.expires_ms) FROM licenses l WHERE l.kid = k.kid), k.id, k.published_until_ms"
int ent_rows_signing_key(const struct ent_store_row *r, struct ent_arena *a, void *item);

/* licenses (struct ent_license; its status is the service's to derive). */
#define ENT_ROWS_LICENSE_COLUMNS                                                                   \
    "id, serial, account_id, kid, activation_id, fingerprint, features, ttl_seconds, token,"       \
    " issued_ms, expires_ms, revoked_ms, renew_count, created_ms, updated_ms"
int ent_rows_license(const struct ent_store_row *r, struct ent_arena *a, void *item);
/* ---- webhooks (issue 15) ---- */

/* webhooks: an endpoint without its secrets (struct ent_webhook). */
#define ENT_ROWS_WEBHOOK_COLUMNS                                                                   \
    "id, url, description, events, account_id, enabled, thresholds, lease_expiring_days,"          \
    " disabled_reason, created_ms, updated_ms"
int ent_rows_webhook(const struct ent_store_row *r, struct ent_arena *a, void *item);

/* webhook_messages (struct ent_webhook_message). */
#define ENT_ROWS_WEBHOOK_MESSAGE_COLUMNS                                                           \
    "id, webhook_id, type, event_id, account_id, body, status, attempts, last_status,"             \
    " last_error, last_attempt_ms, next_attempt_ms, created_ms, delivered_ms, seq"
int ent_rows_webhook_message(const struct ent_store_row *r, struct ent_arena *a, void *item);

/* webhook_windows (struct ent_store_window). */
#define ENT_ROWS_WINDOW_COLUMNS "account_id, feature_id, window_start_ms, window_end_ms, threshold"
int ent_rows_window(const struct ent_store_row *r, struct ent_arena *a, void *item);

/*
 * The stored text of an endpoint's event patterns ("*" for every type) and thresholds ("80
 * 100"), in the arena; NULL when out of memory.
 */
const char *ent_rows_webhook_events_text(struct ent_arena *a, const struct ent_webhook *w);
const char *ent_rows_webhook_thresholds_text(struct ent_arena *a, const struct ent_webhook *w);

/* ---- end of webhooks ---- */

/*
 * Adds the usage of one UTC hour (a row of a series query, hours in time order) to a series of
 * buckets of granularity (hour, day, month): merged into the last bucket when it starts the same,
 * else appended, the array (in the arena) grown by doubling from *cap. Returns false when out of
 * memory.
 */
bool ent_rows_series_add(struct ent_arena *a, enum ent_period granularity, int64_t hour_ms,
                         int64_t usage, struct ent_usage_bucket **buckets, size_t *n, size_t *cap);

/* ---- seed 004 (issue 17) ---- */

/* entitlement_owners o joined to accounts a: an earlier owner (struct ent_entitlement_owner). */
#define ENT_ROWS_OWNER_COLUMNS                                                                     \
    "a.id, a.key, a.name, a.type, a.partner_tier, a.contact_email, o.since_ms, o.until_ms"
/* accounts a as the current owner: the columns of ENT_ROWS_OWNER_COLUMNS, no times. */
#define ENT_ROWS_CURRENT_OWNER_COLUMNS                                                             \
    "a.id, a.key, a.name, a.type, a.partner_tier, a.contact_email, NULL, NULL"
int ent_rows_owner(const struct ent_store_row *r, struct ent_arena *a, void *item);

/* order_line_items li (kind maintenance) joined to products p (struct ent_store_maintenance). */
#define ENT_ROWS_MAINTENANCE_COLUMNS                                                               \
    "li.activation_id, p.key, li.product_version, li.part_number, li.start_ms, li.end_ms"
#define ENT_ROWS_MAINTENANCE_FROM                                                                  \
    " FROM order_line_items li JOIN products p ON p.id = li.product_id"
int ent_rows_maintenance(const struct ent_store_row *r, struct ent_arena *a, void *item);

/* attribute_definitions (struct ent_attribute_definition). */
#define ENT_ROWS_ATTRIBUTE_DEFINITION_COLUMNS                                                      \
    "id, object, name, type, required, description, created_ms, updated_ms"
int ent_rows_attribute_definition(const struct ent_store_row *r, struct ent_arena *a, void *item);

#endif /* ENT_STORE_ROWS_H */
