/* SPDX-License-Identifier: MIT */
/*
 * rows.c: the mapping of a row to the structs of entitled.h, for both backends (rows.h). Each
 * reader takes the columns in the order of its *_COLUMNS list. Enumerations are stored with
 * their API spelling, so a column parses with the same function the API's decoder uses.
 */
#include "store/rows.h"

#define SERIES_FIRST_CAP 32

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/window.h"

/* Column col as text, or NULL for NULL. */
static const char *
raw(const struct ent_store_row *r, int col)
{
    return r->ops->text(r, col);
}

/* Column col as an integer (0 for NULL). */
static int64_t
integer(const struct ent_store_row *r, int col)
{
    return r->ops->integer(r, col);
}

/* Column col as an integer, or -1 for NULL ("no limit"). */
static int64_t
integer_or_none(const struct ent_store_row *r, int col)
{
    return raw(r, col) ? integer(r, col) : -1;
}

/* Column col as a time, or ENT_TIME_NONE for NULL (absent: no end, not yet, never). */
static int64_t
time_or_none(const struct ent_store_row *r, int col)
{
    return raw(r, col) ? integer(r, col) : ENT_TIME_NONE;
}

/* A copy of column col in the arena, or NULL for NULL (and for no memory). */
static const char *
text(const struct ent_store_row *r, struct ent_arena *a, int col)
{
    const char *v = raw(r, col);
    return v ? ent_arena_strdup(a, v) : NULL;
}

/* Whether column col holds a value that text() failed to copy. */
static bool
lost(const struct ent_store_row *r, int col, const char *copy)
{
    return raw(r, col) && !copy;
}

/* Copies column col into a 37-byte id (empty for NULL). */
static void
id(const struct ent_store_row *r, int col, char *out)
{
    const char *v = raw(r, col);
    snprintf(out, 37, "%s", v ? v : "");
}

int
ent_rows_feature(const struct ent_store_row *r, struct ent_arena *a, void *item)
{
    struct ent_feature *out = item;
    memset(out, 0, sizeof(*out));
    id(r, 0, out->id);
    out->key = text(r, a, 1);
    out->name = text(r, a, 2);
    out->type = ent_feature_type_parse(raw(r, 3));
    out->unit = text(r, a, 4);
    out->reset_period = ent_period_parse(raw(r, 5));
    out->activations_enabled = integer(r, 6) != 0;
    out->status = ent_status_parse(raw(r, 7));
    out->attributes = text(r, a, 8);
    out->created_ms = integer(r, 9);
    out->updated_ms = integer(r, 10);
    return (out->key && out->name && out->attributes) ? ENT_OK : ENT_ENOMEM;
}

int
ent_rows_level(const struct ent_store_row *r, struct ent_arena *a, void *item)
{
    struct ent_level *out = item;
    out->value = text(r, a, 0);
    out->name = text(r, a, 1);
    out->is_unlimited = integer(r, 2) != 0;
    return (lost(r, 0, out->value) || lost(r, 1, out->name)) ? ENT_ENOMEM : ENT_OK;
}

int
ent_rows_product(const struct ent_store_row *r, struct ent_arena *a, void *item)
{
    struct ent_product *out = item;
    memset(out, 0, sizeof(*out));
    id(r, 0, out->id);
    out->key = text(r, a, 1);
    out->name = text(r, a, 2);
    out->category = ent_category_parse(raw(r, 3));
    out->description = text(r, a, 4);
    out->license_model.present = integer(r, 5) != 0;
    out->license_model.issuer = text(r, a, 6);
    out->license_model.vendor_string = text(r, a, 7);
    out->license_model.notice = text(r, a, 8);
    out->max_leases = integer_or_none(r, 9);
    out->max_lease_days = integer_or_none(r, 10);
    out->status = ent_status_parse(raw(r, 11));
    out->attributes = text(r, a, 12);
    out->created_ms = integer(r, 13);
    out->updated_ms = integer(r, 14);
    /* Signed licenses (issue 13) */
    out->license_model.name = text(r, a, 15);
    out->license_model.serial_prefix = text(r, a, 16);
    out->license_model.self_service = integer(r, 17) != 0;
    if (lost(r, 15, out->license_model.name) || lost(r, 16, out->license_model.serial_prefix))
        return ENT_ENOMEM;
    /* Seed 004 (issue 17) */
    out->part_number = text(r, a, 18);
    out->version = text(r, a, 19);
    out->license_model.attributes = raw(r, 20) ? text(r, a, 20) : "{}";
    if (lost(r, 18, out->part_number) || lost(r, 19, out->version) ||
        !out->license_model.attributes)
        return ENT_ENOMEM;
    return (out->key && out->name && out->attributes) ? ENT_OK : ENT_ENOMEM;
}

int
ent_rows_product_entitlement(const struct ent_store_row *r, struct ent_arena *a, void *item)
{
    struct ent_product_entitlement *out = item;
    out->feature = text(r, a, 0);
    id(r, 1, out->feature_id);
    out->value = text(r, a, 2);
    out->name = text(r, a, 3);
    return (lost(r, 0, out->feature) || lost(r, 2, out->value) || lost(r, 3, out->name))
               ? ENT_ENOMEM
               : ENT_OK;
}

int
ent_rows_component(const struct ent_store_row *r, struct ent_arena *a, void *item)
{
    struct ent_component *out = item;
    out->product = text(r, a, 0);
    id(r, 1, out->product_id);
    out->quantity = integer(r, 2);
    return lost(r, 0, out->product) ? ENT_ENOMEM : ENT_OK;
}

int
ent_rows_account(const struct ent_store_row *r, struct ent_arena *a, void *item)
{
    struct ent_account *out = item;
    memset(out, 0, sizeof(*out));
    id(r, 0, out->id);
    out->key = text(r, a, 1);
    out->name = text(r, a, 2);
    out->type = ent_account_type_parse(raw(r, 3));
    out->parent = text(r, a, 4);
    out->contact_email = text(r, a, 5);
    out->attributes = text(r, a, 6);
    out->created_ms = integer(r, 7);
    out->updated_ms = integer(r, 8);
    out->partner_tier = ent_partner_tier_parse(raw(r, 9));
    return (out->key && out->name && out->attributes) ? ENT_OK : ENT_ENOMEM;
}

int
ent_rows_key(const struct ent_store_row *r, struct ent_arena *a, void *item)
{
    struct ent_key *out = item;
    memset(out, 0, sizeof(*out));
    id(r, 0, out->id);
    out->name = text(r, a, 1);
    out->scope = ent_scope_parse(raw(r, 2));
    id(r, 3, out->account_id);
    out->prefix = text(r, a, 4);
    out->created_ms = integer(r, 5);
    /* api_keys.revoked_ms is 0 while the key is valid (NOT NULL since schema 0001): a
     * revocation's time is the clock's, never the epoch. */
    int64_t revoked_ms = integer(r, 6);
    out->revoked_ms = revoked_ms != 0 ? revoked_ms : ENT_TIME_NONE;
    return (out->name && out->prefix) ? ENT_OK : ENT_ENOMEM;
}

int
ent_rows_event(const struct ent_store_row *r, struct ent_arena *a, void *item)
{
    struct ent_event *out = item;
    memset(out, 0, sizeof(*out));
    id(r, 0, out->id);
    out->type = text(r, a, 1);
    id(r, 2, out->actor);
    id(r, 3, out->account);
    id(r, 4, out->object);
    out->before = text(r, a, 5);
    out->after = text(r, a, 6);
    out->created_ms = integer(r, 7);
    return out->type ? ENT_OK : ENT_ENOMEM;
}

int
ent_rows_order(const struct ent_store_row *r, struct ent_arena *a, void *item)
{
    struct ent_order *out = item;
    memset(out, 0, sizeof(*out));
    id(r, 0, out->id);
    out->number = ent_arena_printf(a, "ORD-%06lld", (long long)integer(r, 1));
    id(r, 2, out->account_id);
    out->status = ent_order_status_parse(raw(r, 3));
    out->attributes = text(r, a, 4);
    out->created_ms = integer(r, 5);
    out->updated_ms = integer(r, 6);
    out->activated_ms = time_or_none(r, 7);
    out->external_id = text(r, a, 8);
    out->description = text(r, a, 9);
    out->ship_to_email = text(r, a, 10);
    out->ship_to_address = text(r, a, 11);
    if (lost(r, 8, out->external_id) || lost(r, 9, out->description) ||
        lost(r, 10, out->ship_to_email) || lost(r, 11, out->ship_to_address))
        return ENT_ENOMEM;
    return (out->number && out->attributes) ? ENT_OK : ENT_ENOMEM;
}

int
ent_rows_line_item(const struct ent_store_row *r, struct ent_arena *a, void *item)
{
    struct ent_line_item *li = item;
    id(r, 0, li->id);
    li->product = text(r, a, 1);
    id(r, 2, li->product_id);
    li->quantity = integer(r, 3);
    li->quantity_per_copy = integer(r, 4);
    li->start_ms = integer(r, 5);
    li->end_ms = time_or_none(r, 6);
    li->permanent = li->end_ms == ENT_TIME_NONE;
    li->order_type = ent_order_type_parse(raw(r, 7));
    li->activation_id = text(r, a, 8);
    li->parent_activation_id = text(r, a, 9);
    li->attributes = text(r, a, 10);
    li->kind = ent_line_item_kind_parse(raw(r, 11));
    li->activatable = integer(r, 12) != 0;
    li->auto_deploy = integer(r, 13) != 0;
    li->deployed = integer(r, 14) != 0;
    li->product_version = text(r, a, 15);
    li->part_number = text(r, a, 16);
    li->set = 0;
    if (lost(r, 15, li->product_version) || lost(r, 16, li->part_number))
        return ENT_ENOMEM;
    return (lost(r, 1, li->product) || lost(r, 8, li->activation_id) ||
            lost(r, 9, li->parent_activation_id) || lost(r, 10, li->attributes))
               ? ENT_ENOMEM
               : ENT_OK;
}

int
ent_rows_entitlement(const struct ent_store_row *r, struct ent_arena *a, void *item)
{
    struct ent_entitlement *out = item;
    memset(out, 0, sizeof(*out));
    id(r, 0, out->id);
    out->number = ent_arena_printf(a, "ENT-%06lld", (long long)integer(r, 1));
    id(r, 2, out->account_id);
    out->product = text(r, a, 3);
    id(r, 4, out->product_id);
    out->feature = text(r, a, 5);
    id(r, 6, out->feature_id);
    out->value = text(r, a, 7);
    out->override = integer(r, 8) != 0;
    out->source = ent_source_parse(raw(r, 9));
    id(r, 10, out->order_id);
    id(r, 11, out->lease_id);
    out->activation_id = text(r, a, 12);
    id(r, 13, out->parent_id);
    out->quantity = integer(r, 14);
    out->quantity_per_copy = integer(r, 15);
    out->start_ms = integer(r, 16);
    out->end_ms = time_or_none(r, 17);
    out->permanent = out->end_ms == ENT_TIME_NONE;
    out->order_type = ent_order_type_parse(raw(r, 18));
    out->status = ent_entitlement_status_parse(raw(r, 19));
    out->attributes = text(r, a, 20);
    out->created_ms = integer(r, 21);
    out->updated_ms = integer(r, 22);
    out->name = text(r, a, 23);
    out->activatable = integer(r, 24) != 0;
    id(r, 25, out->line_item_id);
    out->product_category = ent_category_parse(raw(r, 26)); /* 0 when NULL */
    out->consumed = integer(r, 27);
    return (out->number && out->activation_id && out->attributes) ? ENT_OK : ENT_ENOMEM;
}

const char *
ent_rows_entitlement_status(const struct ent_entitlement *e)
{
    enum ent_entitlement_status set = e->status;
    if (set == ENT_ENTITLEMENT_PENDING || set == ENT_ENTITLEMENT_EXPIRED)
        set = ENT_ENTITLEMENT_ACTIVE;
    return ent_entitlement_status_name(set);
}

int
ent_rows_lease(const struct ent_store_row *r, struct ent_arena *a, void *item)
{
    struct ent_lease *out = item;
    memset(out, 0, sizeof(*out));
    id(r, 0, out->id);
    id(r, 1, out->account_id);
    id(r, 2, out->product_id);
    out->product = text(r, a, 3);
    out->lease_count = integer(r, 4);
    out->valid_from_ms = integer(r, 5);
    out->valid_until_ms = integer(r, 6);
    out->last_lease_end_ms = time_or_none(r, 7);
    out->created_ms = integer(r, 8);
    id(r, 9, out->created_by);
    out->updated_ms = integer(r, 10);
    id(r, 11, out->updated_by);
    return out->product ? ENT_OK : ENT_ENOMEM;
}

int
ent_rows_activation(const struct ent_store_row *r, struct ent_arena *a, void *item)
{
    struct ent_activation *out = item;
    memset(out, 0, sizeof(*out));
    id(r, 0, out->id);
    id(r, 1, out->account_id);
    out->feature = text(r, a, 2);
    id(r, 3, out->feature_id);
    id(r, 4, out->entitlement_id);
    out->activation_id = text(r, a, 5);
    out->fingerprint = text(r, a, 6);
    out->name = text(r, a, 7);
    out->metadata = text(r, a, 8);
    out->ttl_s = integer(r, 9); /* NULL reads as 0: not floating */
    out->last_heartbeat_ms = integer(r, 10);
    out->created_ms = integer(r, 11);
    out->updated_ms = integer(r, 12);
    out->deactivated_ms = time_or_none(r, 13);
    bool missing = !out->fingerprint || !out->metadata || lost(r, 2, out->feature) ||
                   lost(r, 5, out->activation_id) || lost(r, 7, out->name);
    return missing ? ENT_ENOMEM : ENT_OK;
}

int
ent_rows_setting(const struct ent_store_row *r, struct ent_arena *a, void *item)
{
    const char **value = item;
    *value = text(r, a, 0);
    return *value ? ENT_OK : ENT_ENOMEM;
}

int
ent_rows_usage_event(const struct ent_store_row *r, struct ent_arena *a, void *item)
{
    struct ent_store_usage *out = item;
    memset(out, 0, sizeof(*out));
    id(r, 0, out->id);
    id(r, 1, out->account_id);
    id(r, 2, out->feature_id);
    out->amount = integer(r, 3);
    out->ts_ms = integer(r, 4);
    out->idempotency_key = text(r, a, 5);
    out->window_start_ms = integer(r, 6);
    out->window_end_ms = integer(r, 7);
    out->usage_after = integer(r, 8);
    out->limit = integer_or_none(r, 9);
    out->created_ms = integer(r, 10);
    return out->idempotency_key ? ENT_OK : ENT_ENOMEM;
}

int
ent_rows_consumption(const struct ent_store_row *r, struct ent_arena *a, void *item)
{
    struct ent_store_consumption *out = item;
    memset(out, 0, sizeof(*out));
    id(r, 0, out->id);
    id(r, 1, out->entitlement_id);
    id(r, 2, out->account_id);
    out->amount = integer(r, 3);
    out->ts_ms = integer(r, 4);
    out->idempotency_key = text(r, a, 5);
    out->consumed_after = integer(r, 6);
    out->units = integer(r, 7);
    out->created_ms = integer(r, 8);
    return lost(r, 5, out->idempotency_key) ? ENT_ENOMEM : ENT_OK;
}

bool
ent_rows_series_add(struct ent_arena *a, enum ent_period granularity, int64_t hour_ms,
                    int64_t usage, struct ent_usage_bucket **buckets, size_t *n, size_t *cap)
{
    int64_t start_ms =
        granularity == ENT_PERIOD_HOUR ? hour_ms : ent_window_bucket(granularity, hour_ms);
    if (*n > 0 && (*buckets)[*n - 1].start_ms == start_ms) {
        (*buckets)[*n - 1].usage += usage;
        return true;
    }
    if (*n == *cap) {
        size_t bigger_cap = *cap ? *cap * 2 : SERIES_FIRST_CAP;
        struct ent_usage_bucket *bigger = ent_arena_alloc(a, bigger_cap * sizeof(*bigger));
        if (!bigger)
            return false;
        if (*n)
            memcpy(bigger, *buckets, *n * sizeof(*bigger));
        *buckets = bigger;
        *cap = bigger_cap;
    }
    (*buckets)[*n].start_ms = start_ms;
    (*buckets)[*n].usage = usage;
    (*n)++;
    return true;
}

/* Signed licenses (issue 13) */

int
ent_rows_signing_key(const struct ent_store_row *r, struct ent_arena *a, void *item)
{
    struct ent_store_signing_key *out = item;
    memset(out, 0, sizeof(*out));
    const char *kid = raw(r, 0);
    snprintf(out->key.kid, sizeof(out->key.kid), "%s", kid ? kid : "");
    out->key.public_key = text(r, a, 1);
    out->sealed = text(r, a, 2);
    out->key.created_ms = integer(r, 3);
    out->key.retired_ms = time_or_none(r, 4);
    out->key.current = out->key.retired_ms == ENT_TIME_NONE;
    out->key.published_until_ms = time_or_none(r, 5);
    id(r, 6, out->key.id);
    int64_t replaced = time_or_none(r, 7);
    if (replaced != ENT_TIME_NONE && replaced > out->key.published_until_ms)
        out->key.published_until_ms = replaced;
    return (out->key.public_key && out->sealed) ? ENT_OK : ENT_ENOMEM;
}

int
ent_rows_license(const struct ent_store_row *r, struct ent_arena *a, void *item)
{
    struct ent_license *out = item;
    memset(out, 0, sizeof(*out));
    id(r, 0, out->id);
    out->serial = text(r, a, 1);
    id(r, 2, out->account_id);
    out->kid = text(r, a, 3);
    id(r, 4, out->activation_id);
    out->fingerprint = text(r, a, 5);
    out->features = text(r, a, 6);
    out->ttl_s = integer(r, 7);
    out->token = text(r, a, 8);
    out->issued_ms = integer(r, 9);
    out->expires_ms = integer(r, 10);
    out->revoked_ms = time_or_none(r, 11);
    out->renew_count = integer(r, 12);
    out->created_ms = integer(r, 13);
    out->updated_ms = integer(r, 14);
    if (lost(r, 5, out->fingerprint) || lost(r, 6, out->features))
        return ENT_ENOMEM;
    return (out->serial && out->kid && out->token) ? ENT_OK : ENT_ENOMEM;
}

/* ------------------------------------------------------------------------------------------ */
/* Webhooks (issue 15)                                                                         */
/* ------------------------------------------------------------------------------------------ */

/* Splits space-separated text into at most max words in the arena. Returns false on no memory. */
static bool
split_words(struct ent_arena *a, const char *s, const char **words, size_t max, size_t *n)
{
    *n = 0;
    while (s && *s && *n < max) {
        while (*s == ' ')
            s++;
        const char *end = strchr(s, ' ');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (len == 0)
            break;
        words[*n] = ent_arena_strndup(a, s, len);
        if (!words[*n])
            return false;
        (*n)++;
        s += len;
    }
    return true;
}

int
ent_rows_webhook(const struct ent_store_row *r, struct ent_arena *a, void *item)
{
    struct ent_webhook *out = item;
    memset(out, 0, sizeof(*out));
    id(r, 0, out->id);
    out->url = text(r, a, 1);
    out->description = text(r, a, 2);
    const char *events = raw(r, 3);
    bool ok = true;
    if (events && strcmp(events, "*") != 0)
        ok = split_words(a, events, out->events, ENT_WEBHOOK_MAX_EVENTS, &out->n_events);
    id(r, 4, out->account_id);
    out->enabled = integer(r, 5) != 0;
    const char *th = raw(r, 6);
    for (const char *s = th; s && *s && out->n_thresholds < ENT_WEBHOOK_THRESHOLDS_MAX;) {
        char *end = NULL;
        long v = strtol(s, &end, 10);
        if (end == s)
            break;
        out->thresholds[out->n_thresholds++] = (int)v;
        s = end;
    }
    out->lease_expiring_days = integer(r, 7);
    out->disabled_reason = text(r, a, 8);
    out->created_ms = integer(r, 9);
    out->updated_ms = integer(r, 10);
    return (ok && out->url && !lost(r, 2, out->description) && !lost(r, 8, out->disabled_reason))
               ? ENT_OK
               : ENT_ENOMEM;
}

int
ent_rows_webhook_message(const struct ent_store_row *r, struct ent_arena *a, void *item)
{
    struct ent_webhook_message *out = item;
    memset(out, 0, sizeof(*out));
    id(r, 0, out->id);
    id(r, 1, out->webhook_id);
    out->type = text(r, a, 2);
    id(r, 3, out->event_id);
    id(r, 4, out->account_id);
    out->body = text(r, a, 5);
    out->status = ent_delivery_status_parse(raw(r, 6));
    out->attempts = integer(r, 7);
    out->last_response_code = (int)integer(r, 8);
    out->last_error = text(r, a, 9);
    out->last_attempt_ms = time_or_none(r, 10);
    out->next_attempt_ms = time_or_none(r, 11);
    out->created_ms = integer(r, 12);
    out->delivered_ms = time_or_none(r, 13);
    out->seq = integer(r, 14);
    return (out->type && out->body && !lost(r, 9, out->last_error)) ? ENT_OK : ENT_ENOMEM;
}

int
ent_rows_window(const struct ent_store_row *r, struct ent_arena *a, void *item)
{
    (void)a;
    struct ent_store_window *out = item;
    memset(out, 0, sizeof(*out));
    id(r, 0, out->account_id);
    id(r, 1, out->feature_id);
    out->start_ms = integer(r, 2);
    out->end_ms = integer(r, 3);
    out->threshold = (int)integer(r, 4);
    return ENT_OK;
}

const char *
ent_rows_webhook_events_text(struct ent_arena *a, const struct ent_webhook *w)
{
    if (w->n_events == 0)
        return "*";
    size_t len = 1;
    for (size_t i = 0; i < w->n_events; i++)
        len += strlen(w->events[i]) + 1;
    char *s = ent_arena_alloc(a, len);
    if (!s)
        return NULL;
    size_t at = 0;
    for (size_t i = 0; i < w->n_events; i++) {
        size_t n = strlen(w->events[i]);
        if (i)
            s[at++] = ' ';
        memcpy(s + at, w->events[i], n);
        at += n;
    }
    s[at] = '\0';
    return s;
}

const char *
ent_rows_webhook_thresholds_text(struct ent_arena *a, const struct ent_webhook *w)
{
    char buf[ENT_WEBHOOK_THRESHOLDS_MAX * 12 + 1];
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < w->n_thresholds; i++)
        at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s%d", i ? " " : "", w->thresholds[i]);
    return ent_arena_strdup(a, buf);
}

/* ------------------------------------------------------------------------------------------ */
/* Seed 004 (issue 17)                                                                         */
/* ------------------------------------------------------------------------------------------ */

int
ent_rows_owner(const struct ent_store_row *r, struct ent_arena *a, void *item)
{
    struct ent_entitlement_owner *out = item;
    memset(out, 0, sizeof(*out));
    id(r, 0, out->account_id);
    out->key = text(r, a, 1);
    out->name = text(r, a, 2);
    out->type = ent_account_type_parse(raw(r, 3));
    out->partner_tier = ent_partner_tier_parse(raw(r, 4));
    out->contact_email = text(r, a, 5);
    out->since_ms = time_or_none(r, 6);
    out->until_ms = time_or_none(r, 7);
    out->current = out->until_ms == ENT_TIME_NONE;
    return (out->key && out->name && !lost(r, 5, out->contact_email)) ? ENT_OK : ENT_ENOMEM;
}

int
ent_rows_maintenance(const struct ent_store_row *r, struct ent_arena *a, void *item)
{
    struct ent_store_maintenance *out = item;
    memset(out, 0, sizeof(*out));
    out->activation_id = text(r, a, 0);
    out->product = text(r, a, 1);
    out->product_version = text(r, a, 2);
    out->part_number = text(r, a, 3);
    out->start_ms = integer(r, 4);
    out->end_ms = time_or_none(r, 5);
    if (lost(r, 2, out->product_version) || lost(r, 3, out->part_number))
        return ENT_ENOMEM;
    return (out->activation_id && out->product) ? ENT_OK : ENT_ENOMEM;
}

int
ent_rows_attribute_definition(const struct ent_store_row *r, struct ent_arena *a, void *item)
{
    struct ent_attribute_definition *out = item;
    memset(out, 0, sizeof(*out));
    id(r, 0, out->id);
    out->object = ent_attribute_object_parse(raw(r, 1));
    out->name = text(r, a, 2);
    out->type = ent_attribute_type_parse(raw(r, 3));
    out->required = integer(r, 4) != 0;
    out->description = text(r, a, 5);
    out->created_ms = integer(r, 6);
    out->updated_ms = integer(r, 7);
    return (out->name && !lost(r, 5, out->description)) ? ENT_OK : ENT_ENOMEM;
}
