/* SPDX-License-Identifier: MIT */
/*
 * store.h: the one interface to persistent storage. A backend (sqlite_store.c, pg_store.c) fills a
 * struct ent_store_ops; the service layer calls nothing else, so no SQL and no backend type
 * ever leaves src/store/.
 *
 * The model: a struct ent_store is a pool of sessions (one connection each). A caller acquires
 * a session for a request, runs reads or one transaction on it, and releases it. Rows come back
 * as the public structs of entitled.h, their strings copied into the caller's arena.
 *
 * Every operation returns ENT_OK or a negative code: ENT_ENOTFOUND (no such row),
 * ENT_ECONFLICT (a unique key is taken), ENT_EBUSY (the store stayed locked past its timeout),
 * ENT_ESTORE (anything else), ENT_ENOMEM.
 *
 * Enumerations are stored with their API spelling ("quantity", "archived"), so the store and
 * the API speak the same words and list filters pass through unchanged.
 */
#ifndef ENT_STORE_STORE_H
#define ENT_STORE_STORE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "store/portable.h"
#include <entitled.h>

struct ent_store;
struct ent_store_session;

/* The tables a generic list can page through. */
enum ent_store_table {
    ENT_TABLE_FEATURES,
    ENT_TABLE_PRODUCTS,
    ENT_TABLE_ACCOUNTS,
    ENT_TABLE_KEYS,
    ENT_TABLE_EVENTS,
    ENT_TABLE_ORDERS,
    ENT_TABLE_ENTITLEMENTS,
    ENT_TABLE_LEASES,
    ENT_TABLE_ACTIVATIONS,
    ENT_TABLE_LICENSES, /* issue 13 (signed licenses) */
    /* webhooks (issue 15) */
    ENT_TABLE_WEBHOOKS,
    ENT_TABLE_WEBHOOK_MESSAGES,
    ENT_TABLE_ATTRIBUTE_DEFINITIONS, /* issue 17 (seed 004) */
};

enum ent_store_op {
    ENT_STORE_EQ,
    ENT_STORE_GT,         /* for ids that sort in time order ("after") and times */
    ENT_STORE_LE,         /* times: at or before */
    ENT_STORE_GT_OR_NULL, /* times that may be open-ended: after, or none */
};

#define ENT_STORE_MAX_FILTERS 8

/*
 * A validated list request. Field names are the API's; each backend maps them to columns
 * through its own allow-list and refuses (ENT_ESTORE) any other.
 */
#define ENT_STORE_MAX_SORTS 4 /* fields a list may be sorted by at once */

struct ent_store_query {
    int64_t limit;
    int64_t offset;
    const char *search; /* substring of the table's searchable columns; NULL: none */
    size_t n_sorts;     /* 0: the table's default order */
    struct {
        const char *field; /* a field name of the table's sort allow-list */
        bool desc;
    } sorts[ENT_STORE_MAX_SORTS];
    size_t n_filters;
    struct {
        const char *field;
        enum ent_store_op op;
        const char *value;
    } filters[ENT_STORE_MAX_FILTERS];
};

/* An answer kept under an Idempotency-Key. */
struct ent_store_idempotency {
    const char *key_id;       /* the API key that sent it */
    const char *idem_key;     /* the Idempotency-Key header */
    const char *route;        /* "POST /v1/features" */
    const char *request_hash; /* hex SHA-256 of the body */
    int status;
    const char *body;
    size_t body_len;
    int64_t created_ms;
};

/* A recorded usage event, with the answer it was given (for idempotent replays). */
struct ent_store_usage {
    char id[37];
    char account_id[37];
    char feature_id[37];
    int64_t amount;
    int64_t ts_ms;
    const char *idempotency_key; /* NULL: none */
    int64_t window_start_ms;     /* INT64_MIN for `never` */
    int64_t window_end_ms;       /* INT64_MAX for `never` */
    int64_t usage_after;
    int64_t limit; /* -1: no limit */
    int64_t created_ms;
};

/*
 * A recorded consumption event: units of a service entitlement drawn down (issue 17, seed 000),
 * with the answer it was given (for idempotent replays).
 */
struct ent_store_consumption {
    char id[37];
    char entitlement_id[37];
    char account_id[37]; /* the entitlement's account when the event was recorded */
    int64_t amount;
    int64_t ts_ms;
    const char *idempotency_key; /* NULL: none */
    int64_t consumed_after;      /* ignored by consumption_add: it writes the new sum */
    int64_t units;               /* the entitlement's units when the event was recorded */
    int64_t created_ms;
};

/* A live activation's seat in the account's snapshot: its feature and when it dies. */
struct ent_store_seat {
    char feature_id[37];
    int64_t expires_ms; /* INT64_MAX when not floating */
};

/* Signed licenses (issue 13): a signing key with its sealed private half (never in entitled.h). */
struct ent_store_signing_key {
    struct ent_signing_key key;
    const char *sealed; /* base64url of nonce || secretbox(seed) (service/signing_keys.c) */
};

/* A usage window that crossed a webhook threshold (webhooks, issue 15). */
struct ent_store_window {
    char account_id[37];
    char feature_id[37];
    int64_t start_ms;
    int64_t end_ms;
    int threshold;
};

/* A deployed maintenance line item (seed 004, issue 17): what it maintains is its parent. */
struct ent_store_maintenance {
    const char *activation_id; /* the maintenance line item's own */
    const char *product;       /* its product's key */
    const char *product_version;
    const char *part_number;
    int64_t start_ms;
    int64_t end_ms; /* ENT_TIME_NONE when permanent */
};

/* What a change message tells a listener (listen): which cached data is stale. */
#define ENT_STORE_ANNOUNCE_MAX 160 /* characters of an announcement's id */

enum ent_store_change {
    ENT_STORE_CHANGE_ACCOUNT, /* the data of one account (id: the account's) */
    ENT_STORE_CHANGE_USAGE,   /* a usage counter grew (id: as ent_ctx_touch_usage writes it) */
    ENT_STORE_CHANGE_KEY,     /* one API key was revoked (id: the key's) */
    ENT_STORE_CHANGE_CATALOG, /* features or products (no id) */
    ENT_STORE_CHANGE_ALL,     /* anything, unannounced, until LISTENING (never announced) */
    ENT_STORE_LISTENING,      /* from now on every change is announced (never announced) */
};

struct ent_store_ops {
    const char *name;

    /*
     * The store's clock, in ms since the epoch, for every time-derived decision: the wall
     * clock for SQLite; for PostgreSQL the wall clock corrected by the offset to the database's
     * clock, measured in the background, so daemons on skewed machines decide alike. Reads
     * memory only. THREAD SAFETY: any thread.
     */
    int64_t (*now_ms)(struct ent_store *s);

    /*
     * Inside a write transaction, announces to the other processes sharing the store that what
     * (an account's data, a usage counter, a key, the catalog; id NULL for the catalog; at most
     * ENT_STORE_ANNOUNCE_MAX characters) changes; delivered when
     * the transaction commits, dropped when it rolls back. SQLite has no other process to tell
     * and does nothing. Errors: ENT_EBUSY, ENT_ESTORE.
     */
    int (*announce)(struct ent_store_session *sess, enum ent_store_change what, const char *id);

    /*
     * Starts listening for announcements of other processes (and its own): fn is called from a
     * thread of the store with what changed; with ENT_STORE_CHANGE_ALL when changes may go
     * unannounced (at once from listen(), before the listener connects, and whenever its
     * connection is lost), and with ENT_STORE_LISTENING once it listens (again). Stops at
     * close. SQLite never calls fn. Errors: ENT_ESTORE, ENT_ENOMEM.
     */
    int (*listen)(struct ent_store *s,
                  void (*fn)(void *arg, enum ent_store_change what, const char *id), void *arg);

    /* Pool and transactions. begin(write) takes the write lock at once (BEGIN IMMEDIATE). */
    void (*close)(struct ent_store *s);
    int (*acquire)(struct ent_store *s, struct ent_store_session **out);
    void (*release)(struct ent_store_session *sess);
    int (*begin)(struct ent_store_session *sess, bool write);
    int (*commit)(struct ent_store_session *sess);
    void (*rollback)(struct ent_store_session *sess);
    /*
     * Says that the write transaction just begun will write many rows (batch mode: `entitled
     * import`), so that the backend plans for tables that grow within it. PostgreSQL plans each
     * statement for its values in that transaction: a plan kept from when the tables were empty
     * scans them whole, and an import of N objects then costs N^2 (docs/PERFORMANCE.md). NULL
     * when the backend needs nothing (SQLite). Errors: ENT_ESTORE.
     */
    int (*bulk)(struct ent_store_session *sess);
    int (*ping)(struct ent_store_session *sess);
    int (*schema_version)(struct ent_store_session *sess, int *version);
    /*
     * Writes a copy of the whole store, as of one moment, to the new file path while others go on
     * reading and writing; the copy is checked and flushed to disk before it takes path's name.
     * OUT bytes, the copy's size. NULL for a backend backed up by its own tools (PostgreSQL:
     * pg_dump, point-in-time recovery). Errors: ENT_ECONFLICT (path exists), ENT_EINVAL,
     * ENT_ESTORE.
     */
    int (*backup)(struct ent_store_session *sess, const char *path, int64_t *bytes);

    /*
     * The portable form (portable.h: export, import, copy between backends). snapshot: right
     * after begin(false), makes the transaction read one moment throughout (PostgreSQL:
     * REPEATABLE READ; a SQLite read transaction is one already). dump: calls fn with every row
     * of t (since_ms: only rows changed since then, for tables that know; ENT_TIME_NONE: all),
     * in t's order; fn's non-zero answer stops it and is returned. load_begin, then load for
     * each row (inserted, or updated when its key is there; append-only tables keep theirs),
     * then load_finish, all inside one write transaction.
     * Errors: ENT_EINVAL (SQL too long), ENT_ECONFLICT, ENT_ESTORE.
     */
    int (*snapshot)(struct ent_store_session *sess);
    int (*dump)(struct ent_store_session *sess, const struct ent_portable_table *t,
                int64_t since_ms, ent_portable_row_fn fn, void *arg);
    int (*load_begin)(struct ent_store_session *sess);
    int (*load)(struct ent_store_session *sess, const struct ent_portable_table *t,
                const struct ent_value *values);
    int (*load_finish)(struct ent_store_session *sess);

    /* Generic paging: the ids of one page, in order, and the total matching count. */
    int (*list)(struct ent_store_session *sess, struct ent_arena *a, enum ent_store_table table,
                const struct ent_store_query *q, char (**ids)[37], size_t *n, int64_t *total);

    /* Features, with their levels. get accepts an id or a key, in any case (ASCII). */
    int (*feature_insert)(struct ent_store_session *sess, const struct ent_feature *f);
    int (*feature_update)(struct ent_store_session *sess, const struct ent_feature *f);
    int (*feature_delete)(struct ent_store_session *sess, const char *id);
    int (*feature_get)(struct ent_store_session *sess, struct ent_arena *a, const char *id_or_key,
                       struct ent_feature *out);
    /*
     * Whether a feature other than except_id (NULL: none) has name, ASCII case-insensitively
     * (names are unique so, seed 002; insert and update answer ENT_ECONFLICT for a name taken,
     * as for a key). A feature that shared its name with an older one before names were unique
     * (schema 0010 / 0008) keeps it, and is not counted, until it is renamed.
     */
    int (*feature_name_taken)(struct ent_store_session *sess, const char *name,
                              const char *except_id, bool *taken);
    /* How many products, entitlements, usage events and activations name the feature. */
    int (*feature_product_count)(struct ent_store_session *sess, const char *feature_id,
                                 int64_t *n);

    /* Products, with their entitlements (feature keys joined in) and components. */
    int (*product_insert)(struct ent_store_session *sess, const struct ent_product *p);
    int (*product_update)(struct ent_store_session *sess, const struct ent_product *p);
    int (*product_delete)(struct ent_store_session *sess, const char *id);
    int (*product_get)(struct ent_store_session *sess, struct ent_arena *a, const char *id_or_key,
                       struct ent_product *out);
    /* The ids of the products that list product_id as a component. */
    int (*product_bundles)(struct ent_store_session *sess, struct ent_arena *a,
                           const char *product_id, char (**ids)[37], size_t *n);
    /* How many order lines, entitlements and leases name the product. */
    int (*product_grant_count)(struct ent_store_session *sess, const char *product_id, int64_t *n);
    /* The ids of the products that grant feature_id. */
    int (*product_ids_granting)(struct ent_store_session *sess, struct ent_arena *a,
                                const char *feature_id, char (**ids)[37], size_t *n);

    /* Accounts. get accepts an id or a key. */
    int (*account_insert)(struct ent_store_session *sess, const struct ent_account *acc);
    int (*account_update)(struct ent_store_session *sess, const struct ent_account *acc);
    int (*account_delete)(struct ent_store_session *sess, const char *id);
    int (*account_get)(struct ent_store_session *sess, struct ent_arena *a, const char *id_or_key,
                       struct ent_account *out);
    int (*account_child_count)(struct ent_store_session *sess, const char *id, int64_t *n);

    /* API keys: stored with the keyed hash of their secret, never the secret. */
    int (*key_insert)(struct ent_store_session *sess, const struct ent_key *k, const char *hash);
    int (*key_get)(struct ent_store_session *sess, struct ent_arena *a, const char *id,
                   struct ent_key *out);
    int (*key_find_hash)(struct ent_store_session *sess, struct ent_arena *a, const char *hash,
                         struct ent_key *out);
    int (*key_revoke)(struct ent_store_session *sess, const char *id, int64_t now_ms);
    /* Revokes every key bound to an account. OUT ids of the keys revoked, for the cache. */
    int (*key_revoke_account)(struct ent_store_session *sess, struct ent_arena *a,
                              const char *account_id, int64_t now_ms, char (**ids)[37], size_t *n);
    /* How many keys exist. Inside a write transaction it also keeps every other writer of keys
     * waiting until the transaction ends, so that "none yet" stays true until its commit. */
    int (*key_count)(struct ent_store_session *sess, int64_t *n);

    /* The audit log: append-only. */
    int (*event_insert)(struct ent_store_session *sess, const struct ent_event *e);
    int (*event_get)(struct ent_store_session *sess, struct ent_arena *a, const char *id,
                     struct ent_event *out);

    /* Activation ids: unique across line items and entitlements. */
    int (*activation_id_taken)(struct ent_store_session *sess, const char *activation_id,
                               bool *taken);

    /* Orders with their line items (product keys joined in); insert registers the line items'
     * activation ids (ENT_ECONFLICT when one is taken). get accepts an id. */
    int (*order_insert)(struct ent_store_session *sess, const struct ent_order *o);
    int (*order_get)(struct ent_store_session *sess, struct ent_arena *a, const char *id,
                     struct ent_order *out);
    int (*order_activate)(struct ent_store_session *sess, const char *id, int64_t now_ms);

    /*
     * Entitlements (product key and name, feature key joined in). insert registers the
     * activation id unless the entitlement shares its line item's (own_activation_id false).
     * get accepts an id or an activation id.
     */
    int (*entitlement_insert)(struct ent_store_session *sess, const struct ent_entitlement *e,
                              bool own_activation_id);
    int (*entitlement_update)(struct ent_store_session *sess, const struct ent_entitlement *e);
    int (*entitlement_get)(struct ent_store_session *sess, struct ent_arena *a,
                           const char *id_or_activation_id, struct ent_entitlement *out);
    /* Every entitlement of an account that is not revoked, oldest first. */
    int (*entitlements_of_account)(struct ent_store_session *sess, struct ent_arena *a,
                                   const char *account_id, struct ent_entitlement **out, size_t *n);
    /* How many entitlements (any status) and orders an account has. */
    int (*account_grant_count)(struct ent_store_session *sess, const char *account_id, int64_t *n);

    /* Leases: one per (account, product); insert of a second: ENT_ECONFLICT. */
    int (*lease_insert)(struct ent_store_session *sess, const struct ent_lease *l);
    int (*lease_update)(struct ent_store_session *sess, const struct ent_lease *l);
    int (*lease_get)(struct ent_store_session *sess, struct ent_arena *a, const char *id,
                     struct ent_lease *out);
    int (*lease_find)(struct ent_store_session *sess, struct ent_arena *a, const char *account_id,
                      const char *product_id, struct ent_lease *out);

    /*
     * Usage. usage_add adds the event's amount to the counter of (account, feature,
     * window_start) only when the sum stays at or below cap (INT64_MAX: no limit but overflow),
     * as one conditional update that is exact whatever runs concurrently, and inserts the event
     * with usage_after set to the new sum (ev->usage_after is ignored). OUT used: the counter
     * after the event, or as it stands when the event is refused. Errors: ENT_ELIMIT (refused,
     * nothing written), ENT_ECONFLICT (the idempotency key is taken, nothing written; the
     * transaction stays usable), ENT_ENOTFOUND (no such account or feature, nothing written,
     * the transaction usable). usage_counter answers 0 for a
     * window without events. usage_series sums amounts per bucket of granularity (hour, day,
     * month), ts in [from, to), buckets in time order.
     */
    int (*usage_find)(struct ent_store_session *sess, struct ent_arena *a, const char *account_id,
                      const char *idempotency_key, struct ent_store_usage *out);
    int (*usage_counter)(struct ent_store_session *sess, const char *account_id,
                         const char *feature_id, int64_t window_start_ms, int64_t *used);
    int (*usage_add)(struct ent_store_session *sess, const struct ent_store_usage *ev, int64_t cap,
                     int64_t *used);
    int (*usage_series)(struct ent_store_session *sess, struct ent_arena *a, const char *account_id,
                        const char *feature_id, int64_t from_ms, int64_t to_ms,
                        enum ent_period granularity, struct ent_usage_bucket **buckets, size_t *n);

    /*
     * Consumption of service entitlements (issue 17): sqlite_consumption.c, pg_consumption.c.
     * consumption_add adds the event's amount to its entitlement's consumed only when the sum
     * stays at or below cap (INT64_MAX: no cap but overflow), as one step that is exact whatever
     * runs concurrently, and inserts the event with consumed_after set to the new sum. OUT
     * consumed: after the event, or as it stands when refused. Errors: ENT_ELIMIT (refused,
     * nothing written), ENT_ECONFLICT (the idempotency key is taken for the entitlement, nothing
     * written, the transaction usable), ENT_ENOTFOUND (no such entitlement, nothing written).
     * consumption_find reads the event an entitlement recorded under an idempotency key.
     * consumption_series sums amounts per bucket of granularity (hour, day, month) with ts in
     * [from, to), buckets in time order.
     */
    int (*consumption_find)(struct ent_store_session *sess, struct ent_arena *a,
                            const char *entitlement_id, const char *idempotency_key,
                            struct ent_store_consumption *out);
    int (*consumption_add)(struct ent_store_session *sess, const struct ent_store_consumption *ev,
                           int64_t cap, int64_t *consumed);
    int (*consumption_series)(struct ent_store_session *sess, struct ent_arena *a,
                              const char *entitlement_id, int64_t from_ms, int64_t to_ms,
                              enum ent_period granularity, struct ent_usage_bucket **buckets,
                              size_t *n);

    /*
     * Activations. find looks up the activation of a fingerprint that is not deactivated, in
     * the scope of (account, feature) or of an entitlement (the other id empty). count_live
     * counts seats held at now_ms in that scope. seats_of_account lists the live seats of
     * feature-scoped activations of an account, for its snapshot.
     */
    int (*activation_insert)(struct ent_store_session *sess, const struct ent_activation *act);
    int (*activation_update)(struct ent_store_session *sess, const struct ent_activation *act);
    int (*activation_get)(struct ent_store_session *sess, struct ent_arena *a, const char *id,
                          struct ent_activation *out);
    int (*activation_find)(struct ent_store_session *sess, struct ent_arena *a,
                           const char *account_id, const char *feature_id,
                           const char *entitlement_id, const char *fingerprint,
                           struct ent_activation *out);
    int (*activation_count_live)(struct ent_store_session *sess, const char *account_id,
                                 const char *feature_id, const char *entitlement_id, int64_t now_ms,
                                 int64_t *n);
    int (*seats_of_account)(struct ent_store_session *sess, struct ent_arena *a,
                            const char *account_id, int64_t now_ms, struct ent_store_seat **seats,
                            size_t *n);

    /* Idempotency records: one per (key_id, idem_key); insert of a taken one: ENT_ECONFLICT. */
    int (*idempotency_get)(struct ent_store_session *sess, struct ent_arena *a, const char *key_id,
                           const char *idem_key, struct ent_store_idempotency *out);
    int (*idempotency_insert)(struct ent_store_session *sess,
                              const struct ent_store_idempotency *rec);
    int (*idempotency_purge)(struct ent_store_session *sess, int64_t before_ms);

    /*
     * Settings: facts about the store itself, a value (at most ENT_STORE_SETTING_MAX bytes) per
     * name. get (the value in the arena): ENT_ENOTFOUND when the name has none. insert:
     * ENT_ECONFLICT when it has one already (the value is left as it was).
     */
    int (*setting_get)(struct ent_store_session *sess, struct ent_arena *a, const char *name,
                       const char **value);
    int (*setting_insert)(struct ent_store_session *sess, const char *name, const char *value);

    /*
     * Signed licenses (issue 13).
     * signing_key_insert adds a key and retires every other one not retired yet (retired_ms =
     * its created_ms): the newest unretired key is the current one. signing_key_current reads
     * it (ENT_ENOTFOUND when the store has none). signing_keys_all lists every key, newest
     * first, each with published_until_ms (the latest expiry of the licenses it signed,
     * ENT_TIME_NONE without any): the service decides what is published.
     * license_insert: ENT_ECONFLICT when the serial or id is taken. license_update writes the
     * token and its times, kid, revoked_ms, renew_count and updated_ms. license_get accepts an id
     * or a serial. licenses_of_activation lists the licenses bound to an activation that are not
     * revoked.
     */
    int (*signing_key_insert)(struct ent_store_session *sess,
                              const struct ent_store_signing_key *k);
    int (*signing_key_current)(struct ent_store_session *sess, struct ent_arena *a,
                               struct ent_store_signing_key *out);
    int (*signing_keys_all)(struct ent_store_session *sess, struct ent_arena *a,
                            struct ent_store_signing_key **keys, size_t *n);
    int (*license_insert)(struct ent_store_session *sess, const struct ent_license *l);
    int (*license_update)(struct ent_store_session *sess, const struct ent_license *l);
    int (*license_get)(struct ent_store_session *sess, struct ent_arena *a,
                       const char *id_or_serial, struct ent_license *out);
    int (*licenses_of_activation)(struct ent_store_session *sess, struct ent_arena *a,
                                  const char *activation_id, struct ent_license **out, size_t *n);
    /* ---------------------------------------------------------------------------------------- */
    /* Webhooks (issue 15): sqlite_webhooks.c, pg_webhooks.c                                     */
    /* ---------------------------------------------------------------------------------------- */

    /*
     * Endpoints. insert stores the encrypted secret (secret_box) beside the row; get and
     * webhooks_enabled never read a secret. update writes every field of w but the secrets
     * (disabled_reason included). delete removes the endpoint and its messages.
     */
    int (*webhook_insert)(struct ent_store_session *sess, const struct ent_webhook *w,
                          const char *secret_box);
    int (*webhook_update)(struct ent_store_session *sess, const struct ent_webhook *w);
    int (*webhook_delete)(struct ent_store_session *sess, const char *id);
    int (*webhook_get)(struct ent_store_session *sess, struct ent_arena *a, const char *id,
                       struct ent_webhook *out);
    /* Every enabled endpoint (for the outbox's set in memory). */
    int (*webhooks_enabled)(struct ent_store_session *sess, struct ent_arena *a,
                            struct ent_webhook **out, size_t *n);
    /* The secret boxes of an endpoint: OUT old_box NULL and old_until_ms ENT_TIME_NONE: none. */
    int (*webhook_secrets)(struct ent_store_session *sess, struct ent_arena *a, const char *id,
                           const char **secret_box, const char **old_box, int64_t *old_until_ms);
    int (*webhook_set_secret)(struct ent_store_session *sess, const char *id,
                              const char *secret_box, const char *old_box, int64_t old_until_ms,
                              int64_t now_ms);
    /*
     * Records that an endpoint failed at now_ms (ok false: failing_since_ms is set unless it is
     * already) or answered (ok true: cleared). OUT since_ms: failing since, or ENT_TIME_NONE.
     */
    int (*webhook_health)(struct ent_store_session *sess, const char *id, bool ok, int64_t now_ms,
                          int64_t *since_ms);

    /*
     * The outbox. message_insert writes a pending message (attempts 0, due at
     * next_attempt_ms). claim takes, in one statement, up to max due messages whose endpoint is
     * enabled and that are first in their (endpoint, account) queue or follow only messages
     * this claim takes, leased until until_ms, in queue order; on PostgreSQL claims of several
     * daemons take turns (an advisory lock) and skip locked rows, so no message is taken twice
     * at once. attempted writes the outcome of an attempt (status, attempts, last_*,
     * next_attempt_ms, delivered_ms) and ends the lease; unclaim ends a lease untouched. Both
     * do nothing when the message is no longer under the lease until_ms (a retry or replay
     * took it back meanwhile: it is sent again).
     */
    int (*webhook_message_insert)(struct ent_store_session *sess,
                                  const struct ent_webhook_message *m);
    int (*webhook_message_get)(struct ent_store_session *sess, struct ent_arena *a, const char *id,
                               struct ent_webhook_message *out);
    int (*webhook_claim)(struct ent_store_session *sess, struct ent_arena *a, int64_t now_ms,
                         int64_t until_ms, size_t max, struct ent_webhook_message **out, size_t *n);
    int (*webhook_attempted)(struct ent_store_session *sess, const struct ent_webhook_message *m,
                             int64_t until_ms);
    int (*webhook_unclaim)(struct ent_store_session *sess, const char *id, int64_t until_ms);
    /*
     * Makes messages of webhook_id pending again, due at now_ms, attempts 0, no lease: the message
     * message_id alone (ENT_ENOTFOUND when it is not the endpoint's), or (message_id NULL) those
     * created at or after since_ms and after the message or audit event after_id (either may be
     * ENT_TIME_NONE / NULL). OUT n: how many.
     */
    int (*webhook_resend)(struct ent_store_session *sess, const char *webhook_id,
                          const char *message_id, int64_t since_ms, const char *after_id,
                          int64_t now_ms, int64_t *n);
    /* Pending messages in all, and the creation time of the oldest (ENT_TIME_NONE: none). */
    int (*webhook_backlog)(struct ent_store_session *sess, int64_t *pending, int64_t *oldest_ms);
    /* Ends every lease (SQLite at start: no other daemon can hold one). */
    int (*webhook_release_claims)(struct ent_store_session *sess);

    /*
     * Timed events. Inside a write transaction, clock_take reads (and on PostgreSQL locks, so
     * daemons take turns) until when the scheduler looked: OUT at_ms, or now_ms when it never
     * did (then recorded). clock_set records the new mark.
     */
    int (*webhook_clock_take)(struct ent_store_session *sess, int64_t now_ms, int64_t *at_ms);
    int (*webhook_clock_set)(struct ent_store_session *sess, int64_t at_ms);
    /*
     * Objects whose moment fell in (from_ms, to_ms]: entitlements that started (start after
     * their creation) or ended, leases that ended (valid_until) or whose valid_until - lead_ms
     * fell in it, floating activations whose last heartbeat + ttl did (not deactivated).
     */
    int (*timed_entitlements)(struct ent_store_session *sess, struct ent_arena *a, int64_t from_ms,
                              int64_t to_ms, bool ends, struct ent_entitlement **out, size_t *n);
    int (*timed_leases)(struct ent_store_session *sess, struct ent_arena *a, int64_t from_ms,
                        int64_t to_ms, int64_t lead_ms, struct ent_lease **out, size_t *n);
    int (*timed_activations)(struct ent_store_session *sess, struct ent_arena *a, int64_t from_ms,
                             int64_t to_ms, struct ent_activation **out, size_t *n);
    /*
     * Usage windows that crossed a threshold: window_crossed remembers (account, feature,
     * window) with the highest threshold; windows_ended answers those whose end fell in
     * (from_ms, to_ms] (OUT rows: struct ent_store_window).
     */
    int (*webhook_window_crossed)(struct ent_store_session *sess, const char *account_id,
                                  const char *feature_id, int64_t start_ms, int64_t end_ms,
                                  int threshold);
    int (*webhook_windows_ended)(struct ent_store_session *sess, struct ent_arena *a,
                                 int64_t from_ms, int64_t to_ms, struct ent_store_window **out,
                                 size_t *n);

    /* ---------------------------------------------------------------------------------------- */
    /* Seed 004 (issue 17): sqlite_transfers.c, pg_transfers.c                                   */
    /* ---------------------------------------------------------------------------------------- */

    /*
     * The owners of an entitlement along a distribution chain: its rows of entitlement_owners
     * in position order (each with since_ms and until_ms), then the account account_id (the
     * current owner: both times ENT_TIME_NONE, current true), each with the account's fields.
     * owner_add writes o (account_id, since_ms, until_ms) at position (ENT_ECONFLICT when it
     * is taken). owners_copy gives to_id every row of from_id. children: the ids of the
     * entitlements not revoked that name parent_id as their parent, oldest first.
     */
    int (*entitlement_owners)(struct ent_store_session *sess, struct ent_arena *a,
                              const char *entitlement_id, const char *account_id,
                              struct ent_entitlement_owner **out, size_t *n);
    int (*entitlement_owner_add)(struct ent_store_session *sess, const char *entitlement_id,
                                 int64_t position, const struct ent_entitlement_owner *o);
    int (*entitlement_owners_copy)(struct ent_store_session *sess, const char *from_id,
                                   const char *to_id);
    int (*entitlement_children)(struct ent_store_session *sess, struct ent_arena *a,
                                const char *parent_id, char (**ids)[37], size_t *n);

    /*
     * Orders and line items (sqlite_orders.c, pg_orders.c). order_get accepts an order's id or
     * external_id; order_insert and order_update: ENT_ECONFLICT when the external_id is taken.
     * order_update writes the account, attributes, updated_ms and the fields of seed 004.
     * order_add_items inserts o's line items from index first on (registering their activation
     * ids: ENT_ECONFLICT when one is taken). line_item_update writes li's product, order type,
     * parent_activation_id, attributes, flags, deployed, product_version and part_number.
     * entitlements_of_line_item: the entitlements made from a line item, not revoked, oldest
     * first. maintenance_of: the deployed maintenance line items whose parent_activation_id is
     * activation_id (or the activation id of the entitlement whose id it is), by start.
     * line_item_is_maintenance: whether a maintenance line item holds activation_id.
     */
    int (*order_update)(struct ent_store_session *sess, const struct ent_order *o);
    int (*order_add_items)(struct ent_store_session *sess, const struct ent_order *o, size_t first);
    int (*line_item_update)(struct ent_store_session *sess, const char *order_id,
                            const struct ent_line_item *li);
    int (*entitlements_of_line_item)(struct ent_store_session *sess, struct ent_arena *a,
                                     const char *line_item_id, struct ent_entitlement **out,
                                     size_t *n);
    int (*maintenance_of)(struct ent_store_session *sess, struct ent_arena *a,
                          const char *activation_id, struct ent_store_maintenance **out, size_t *n);
    int (*line_item_is_maintenance)(struct ent_store_session *sess, const char *activation_id,
                                    bool *yes);

    /*
     * Custom attribute definitions (sqlite_attribute_definitions.c, pg_attribute_definitions.c).
     * insert: ENT_ECONFLICT when the object has a definition of that name, whatever its case.
     * of: every definition of an object, by name.
     */
    int (*attribute_definition_insert)(struct ent_store_session *sess,
                                       const struct ent_attribute_definition *d);
    int (*attribute_definition_get)(struct ent_store_session *sess, struct ent_arena *a,
                                    const char *id, struct ent_attribute_definition *out);
    int (*attribute_definition_delete)(struct ent_store_session *sess, const char *id);
    int (*attribute_definitions_of)(struct ent_store_session *sess, struct ent_arena *a,
                                    enum ent_attribute_object object,
                                    struct ent_attribute_definition **out, size_t *n);
};

#define ENT_STORE_SETTING_MAX 256 /* bytes of a setting's value, with its NUL */

/*
 * Counters every backend keeps (THREAD SAFETY: atomics, updated by any session).
 * calls counts statements sent to the database.
 */
struct ent_store_stats {
    atomic_uint_fast64_t calls;
    atomic_uint_fast64_t commits;
    atomic_uint_fast64_t rollbacks;
    atomic_uint_fast64_t busy_retries;
};

/* The part of a store every backend embeds first. */
struct ent_store {
    const struct ent_store_ops *ops;
    struct ent_store_stats stats;
    char file_path[4096]; /* the database file, for backends that have one; else empty */
    char name[256]; /* for a database server: "<host>-<port>-<database>", fit for a file name */
};

/* The part of a session every backend embeds first. */
struct ent_store_session {
    const struct ent_store_ops *ops;
    struct ent_store *store;
    struct ent_store_session *next_free; /* in the pool's free list (pool.c) */
};

/*
 * Opens the backend named by url ("sqlite:PATH", "postgresql://…" or "postgres://…") with a pool of
 * connections, and applies pending migrations.
 * Errors: ENT_EINVAL (unknown scheme), ENT_ESTORE, ENT_ENOMEM.
 */
int ent_store_open(const char *url, unsigned connections, struct ent_store **out,
                   struct ent_error *err);

/* Closes the store; NULL is accepted. */
void ent_store_close(struct ent_store *s);

/* Opens the SQLite backend on path (store.c dispatches here). */
int ent_store_sqlite_open(const char *path, unsigned connections, struct ent_store **out,
                          struct ent_error *err);

/* Opens the PostgreSQL backend on a libpq connection URL (store.c dispatches here). */
int ent_store_pg_open(const char *url, unsigned connections, struct ent_store **out,
                      struct ent_error *err);

/* Logs a message of the store (an error of the database, a reconnection) through the
 * application's handler (ent_set_log_handler), or on standard error. */
void ent_store_log(enum ent_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The wall clock, in ms since the epoch (CLOCK_REALTIME). */
int64_t ent_store_wall_ms(void);

#endif /* ENT_STORE_STORE_H */
