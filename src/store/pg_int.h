/* SPDX-License-Identifier: MIT */
/*
 * pg_int.h: what the files of the PostgreSQL backend share: the session, the parameter list, the
 * statement helpers of pg_stmt.c, and the ops each concept file fills. pg_store.c owns the pool,
 * transactions, migrations, the clock and the listener; each pg_<concept>.c owns the SQL of its
 * tables, and maps rows through store/rows.h. Nothing outside src/store/ includes this.
 *
 * Every statement is sent with text parameters whose types the server infers from the SQL, and
 * read back as text. Each connection prepares a static statement once (PQprepare), keyed by the
 * address of its SQL text, like the SQLite backend's statement cache.
 */
#ifndef ENT_STORE_PG_INT_H
#define ENT_STORE_PG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "core/arena.h"
#include "store/portable.h"
#include "store/rows.h"
#include "store/store.h"

#define PG_STMT_CACHE 160 /* webhooks (issue 15) added about 25 */
/* A row of the portable form's widest table is loaded in one statement (pg_portable.c). */
#define PG_MAX_PARAMS 32
#define RECONNECT_FIRST_DELAY_MS 50 /* the first wait before connecting again */

struct pg_cached {
    const char *sql; /* the static SQL text this statement was prepared from */
    char name[16];   /* its name on the connection: "e0", "e1", … */
};

struct pg_session {
    struct ent_store_session base;
    PGconn *conn;
    struct pg_cached cache[PG_STMT_CACHE];
    size_t n_cached;
    bool in_tx;              /* a transaction is open */
    bool write_tx;           /* … and it is a write transaction (begin(true)) */
    int tx_error;            /* the first failure inside the transaction (PostgreSQL aborts it) */
    char locked_account[37]; /* the account (or entitlement) whose row this transaction locked */
};

/* The parameters of one statement, as text (or bytes), in $1, $2, … order. */
struct pg_params {
    int n;
    const char *values[PG_MAX_PARAMS];
    int lengths[PG_MAX_PARAMS];
    int formats[PG_MAX_PARAMS];
    char nums[PG_MAX_PARAMS][24];
};

/* Appends a string, or NULL. */
void ent_pg_p_text(struct pg_params *p, const char *v);

/* Appends an integer. */
void ent_pg_p_int(struct pg_params *p, int64_t v);

/* Appends NULL. */
void ent_pg_p_null(struct pg_params *p);

/* Appends bytes, sent in binary (BYTEA). */
void ent_pg_p_bytes(struct pg_params *p, const void *v, size_t len);

/* Appends a time, or NULL for ENT_TIME_NONE (no date: no end, not revoked, not yet). */
void ent_pg_p_time(struct pg_params *p, int64_t ms);

/* Appends an optional id: NULL when empty. */
void ent_pg_p_id(struct pg_params *p, const char *id);

/* Sleeps ms milliseconds. */
void ent_pg_sleep_ms(int64_t ms);

/* The store's code of a failed result (ENT_ECONFLICT, ENT_EBUSY, ENT_ESTORE, …). */
int ent_pg_map_result(const PGresult *r);

/*
 * A new connection to url with the session settings applied (statement and lock timeouts,
 * UTC, application name), retried with back-off; NULL when it cannot be made (logged unless
 * quiet).
 */
PGconn *ent_pg_connect(const char *url, bool quiet);

/*
 * Runs the static statement sql (prepared once per connection) with params p (NULL: none).
 * Returns the result (PGRES_TUPLES_OK or PGRES_COMMAND_OK; the caller PQclear()s it) and
 * *code ENT_OK, or NULL and *code the store's code of the failure (logged when unexpected).
 * Reconnects a lost connection and, outside a transaction, retries once.
 */
PGresult *ent_pg_exec(struct pg_session *s, const char *sql, const struct pg_params *p, int *code,
                      const char *what);

/* As ent_pg_exec, for SQL built per call (not prepared). */
PGresult *ent_pg_exec_dynamic(struct pg_session *s, const char *sql, const struct pg_params *p,
                              int *code, const char *what);

/* Runs a statement that returns no rows. OUT changed (may be NULL): rows it touched. */
int ent_pg_exec_done(struct pg_session *s, const char *sql, const struct pg_params *p,
                     int64_t *changed, const char *what);

/* A copy of a field in the arena, or NULL for NULL. */
const char *ent_pg_text(struct ent_arena *a, const PGresult *r, int row, int col);

/* A field's text, or NULL for NULL (valid until PQclear). */
const char *ent_pg_raw(const PGresult *r, int row, int col);

/* A field as an integer (0 for NULL). */
int64_t ent_pg_int(const PGresult *r, int row, int col);

/* Whether a field is NULL. */
bool ent_pg_null(const PGresult *r, int row, int col);

/* Copies a field into a 37-byte id (empty for NULL). */
void ent_pg_id(const PGresult *r, int row, int col, char *out);

/*
 * Runs the static statement sql with p and reads its first row with read into out.
 * Errors: ENT_ENOTFOUND (no row), those of read and of ent_pg_exec.
 */
int ent_pg_get(struct pg_session *s, const char *sql, const struct pg_params *p,
               ent_rows_read_fn read, struct ent_arena *a, void *out, const char *what);

/*
 * Runs the static statement sql with p and reads every row with read into a new array of items
 * of size bytes in the arena. OUT items NULL and n 0 when there is none. Errors: those of read,
 * ENT_ENOMEM, those of ent_pg_exec.
 */
int ent_pg_get_all(struct pg_session *s, const char *sql, const struct pg_params *p,
                   ent_rows_read_fn read, size_t size, struct ent_arena *a, void **items, size_t *n,
                   const char *what);

/* Runs a query of at most one text parameter (NULL: none) returning one count. */
int ent_pg_count_query(struct pg_session *s, const char *sql, const char *param, int64_t *n);

/* Runs a one-parameter query returning ids (in the arena). */
/*
 * Runs sql, whose rows are (an hour's start in ms, an amount) in time order, and folds them into
 * buckets of granularity (ent_rows_series_add). OUT buckets (in a; NULL when none), n.
 * Errors: ENT_ESTORE, ENT_ENOMEM.
 */
int ent_pg_series(struct pg_session *s, const char *sql, const struct pg_params *p,
                  enum ent_period granularity, struct ent_arena *a,
                  struct ent_usage_bucket **buckets, size_t *n, const char *what);

int ent_pg_id_query(struct pg_session *s, struct ent_arena *a, const char *sql, const char *param,
                    char (**ids)[37], size_t *n);

/* Runs an UPDATE or DELETE of one row by its id. Errors: ENT_ENOTFOUND when it touched none. */
int ent_pg_exec_one(struct pg_session *s, const char *sql, const struct pg_params *p,
                    const char *what);

/* Runs a DELETE by id ($1). Errors: ENT_ENOTFOUND when no row had that id. */
int ent_pg_delete_by_id(struct pg_session *s, const char *sql, const char *id, const char *what);

/*
 * Inside a write transaction, locks the row of the account (of account_id, or when it is empty,
 * of the entitlement entitlement_id) so that writers that count its seats or read its leases
 * take turns, also across daemons. FOR NO KEY UPDATE: it does not hold up inserts that merely
 * refer to the row (foreign keys). Outside one, does nothing. Errors: ENT_EBUSY, ENT_ESTORE.
 */
int ent_pg_lock_account(struct pg_session *s, const char *account_id, const char *entitlement_id);

/*
 * Registers an activation id for its owner (a line item or an entitlement): activation ids are
 * unique across both. Errors: ENT_ECONFLICT when taken.
 */
int ent_pg_register_activation_id(struct pg_session *s, const char *activation_id, const char *kind,
                                  const char *owner_id);

/*
 * The ops each concept file fills (the store's ops table is in pg_store.c), named
 * ent_pg_<op> after their slot in struct ent_store_ops; store.h gives their contracts.
 */
/* pg_accounts.c */
/* pg_portable.c (portable.h) */
int ent_pg_snapshot(struct ent_store_session *sess);
int ent_pg_dump(struct ent_store_session *sess, const struct ent_portable_table *t,
                int64_t since_ms, ent_portable_row_fn fn, void *arg);
int ent_pg_load_begin(struct ent_store_session *sess);
int ent_pg_load(struct ent_store_session *sess, const struct ent_portable_table *t,
                const struct ent_value *values);
int ent_pg_load_finish(struct ent_store_session *sess);

int ent_pg_account_insert(struct ent_store_session *sess, const struct ent_account *acc);
int ent_pg_account_update(struct ent_store_session *sess, const struct ent_account *acc);
int ent_pg_account_delete(struct ent_store_session *sess, const char *id);
int ent_pg_account_get(struct ent_store_session *sess, struct ent_arena *a, const char *id_or_key,
                       struct ent_account *out);
int ent_pg_account_child_count(struct ent_store_session *sess, const char *id, int64_t *n);

/* pg_entitlements.c */
int ent_pg_entitlement_insert(struct ent_store_session *sess, const struct ent_entitlement *e,
                              bool own_activation_id);
int ent_pg_entitlement_update(struct ent_store_session *sess, const struct ent_entitlement *e);
int ent_pg_entitlement_get(struct ent_store_session *sess, struct ent_arena *a,
                           const char *id_or_activation_id, struct ent_entitlement *out);
int ent_pg_entitlements_of_account(struct ent_store_session *sess, struct ent_arena *a,
                                   const char *account_id, struct ent_entitlement **out, size_t *n);
int ent_pg_account_grant_count(struct ent_store_session *sess, const char *account_id, int64_t *n);

/* pg_events.c */
int ent_pg_event_insert(struct ent_store_session *sess, const struct ent_event *e);
int ent_pg_event_get(struct ent_store_session *sess, struct ent_arena *a, const char *id,
                     struct ent_event *out);

/* pg_consumption.c (issue 17) */
int ent_pg_consumption_find(struct ent_store_session *sess, struct ent_arena *a,
                            const char *entitlement_id, const char *idempotency_key,
                            struct ent_store_consumption *out);
int ent_pg_consumption_add(struct ent_store_session *sess, const struct ent_store_consumption *ev,
                           int64_t cap, int64_t *consumed);
int ent_pg_consumption_series(struct ent_store_session *sess, struct ent_arena *a,
                              const char *entitlement_id, int64_t from_ms, int64_t to_ms,
                              enum ent_period granularity, struct ent_usage_bucket **buckets,
                              size_t *n);

/* pg_features.c */
int ent_pg_feature_insert(struct ent_store_session *sess, const struct ent_feature *f);
int ent_pg_feature_update(struct ent_store_session *sess, const struct ent_feature *f);
int ent_pg_feature_delete(struct ent_store_session *sess, const char *id);
int ent_pg_feature_get(struct ent_store_session *sess, struct ent_arena *a, const char *id_or_key,
                       struct ent_feature *out);
int ent_pg_feature_name_taken(struct ent_store_session *sess, const char *name,
                              const char *except_id, bool *taken);
int ent_pg_feature_product_count(struct ent_store_session *sess, const char *feature_id,
                                 int64_t *n);

/* pg_idempotency.c */
int ent_pg_idempotency_get(struct ent_store_session *sess, struct ent_arena *a, const char *key_id,
                           const char *idem_key, struct ent_store_idempotency *out);
int ent_pg_idempotency_insert(struct ent_store_session *sess,
                              const struct ent_store_idempotency *rec);
int ent_pg_idempotency_purge(struct ent_store_session *sess, int64_t before_ms);

/* pg_keys.c */
int ent_pg_key_insert(struct ent_store_session *sess, const struct ent_key *k, const char *hash);
int ent_pg_key_get(struct ent_store_session *sess, struct ent_arena *a, const char *id,
                   struct ent_key *out);
int ent_pg_key_find_hash(struct ent_store_session *sess, struct ent_arena *a, const char *hash,
                         struct ent_key *out);
int ent_pg_key_revoke(struct ent_store_session *sess, const char *id, int64_t now_ms);
int ent_pg_key_revoke_account(struct ent_store_session *sess, struct ent_arena *a,
                              const char *account_id, int64_t now_ms, char (**ids)[37], size_t *n);
int ent_pg_key_count(struct ent_store_session *sess, int64_t *n);

/* pg_leases.c */
int ent_pg_lease_insert(struct ent_store_session *sess, const struct ent_lease *l);
int ent_pg_lease_update(struct ent_store_session *sess, const struct ent_lease *l);
int ent_pg_lease_get(struct ent_store_session *sess, struct ent_arena *a, const char *id,
                     struct ent_lease *out);
int ent_pg_lease_find(struct ent_store_session *sess, struct ent_arena *a, const char *account_id,
                      const char *product_id, struct ent_lease *out);

/* pg_lists.c */
int ent_pg_list(struct ent_store_session *sess, struct ent_arena *a, enum ent_store_table table,
                const struct ent_store_query *q, char (**ids)[37], size_t *n, int64_t *total);

/* pg_orders.c */
int ent_pg_activation_id_taken(struct ent_store_session *sess, const char *activation_id,
                               bool *taken);
int ent_pg_order_insert(struct ent_store_session *sess, const struct ent_order *o);
int ent_pg_order_get(struct ent_store_session *sess, struct ent_arena *a, const char *id,
                     struct ent_order *out);
int ent_pg_order_activate(struct ent_store_session *sess, const char *id, int64_t now_ms);

/* pg_products.c */
int ent_pg_product_insert(struct ent_store_session *sess, const struct ent_product *prod);
int ent_pg_product_update(struct ent_store_session *sess, const struct ent_product *prod);
int ent_pg_product_delete(struct ent_store_session *sess, const char *id);
int ent_pg_product_get(struct ent_store_session *sess, struct ent_arena *a, const char *id_or_key,
                       struct ent_product *out);
int ent_pg_product_bundles(struct ent_store_session *sess, struct ent_arena *a,
                           const char *product_id, char (**ids)[37], size_t *n);
int ent_pg_product_ids_granting(struct ent_store_session *sess, struct ent_arena *a,
                                const char *feature_id, char (**ids)[37], size_t *n);
int ent_pg_product_grant_count(struct ent_store_session *sess, const char *product_id, int64_t *n);

/* pg_usage.c */
int ent_pg_usage_find(struct ent_store_session *sess, struct ent_arena *a, const char *account_id,
                      const char *idempotency_key, struct ent_store_usage *out);
int ent_pg_usage_counter(struct ent_store_session *sess, const char *account_id,
                         const char *feature_id, int64_t window_start_ms, int64_t *used);
int ent_pg_usage_add(struct ent_store_session *sess, const struct ent_store_usage *ev, int64_t cap,
                     int64_t *used);
int ent_pg_usage_series(struct ent_store_session *sess, struct ent_arena *a, const char *account_id,
                        const char *feature_id, int64_t from_ms, int64_t to_ms,
                        enum ent_period granularity, struct ent_usage_bucket **buckets, size_t *n);

/* pg_activations.c */
int ent_pg_activation_insert(struct ent_store_session *sess, const struct ent_activation *act);
int ent_pg_activation_update(struct ent_store_session *sess, const struct ent_activation *act);
int ent_pg_activation_get(struct ent_store_session *sess, struct ent_arena *a, const char *id,
                          struct ent_activation *out);
int ent_pg_activation_find(struct ent_store_session *sess, struct ent_arena *a,
                           const char *account_id, const char *feature_id,
                           const char *entitlement_id, const char *fingerprint,
                           struct ent_activation *out);
int ent_pg_activation_count_live(struct ent_store_session *sess, const char *account_id,
                                 const char *feature_id, const char *entitlement_id, int64_t now_ms,
                                 int64_t *n);
int ent_pg_seats_of_account(struct ent_store_session *sess, struct ent_arena *a,
                            const char *account_id, int64_t now_ms, struct ent_store_seat **seats,
                            size_t *n);

/* pg_settings.c */
int ent_pg_setting_get(struct ent_store_session *sess, struct ent_arena *a, const char *name,
                       const char **value);
int ent_pg_setting_insert(struct ent_store_session *sess, const char *name, const char *value);

/* Signed licenses (issue 13): pg_licenses.c */
int ent_pg_signing_key_insert(struct ent_store_session *sess,
                              const struct ent_store_signing_key *k);
int ent_pg_signing_key_current(struct ent_store_session *sess, struct ent_arena *a,
                               struct ent_store_signing_key *out);
int ent_pg_signing_keys_all(struct ent_store_session *sess, struct ent_arena *a,
                            struct ent_store_signing_key **keys, size_t *n);
int ent_pg_license_insert(struct ent_store_session *sess, const struct ent_license *l);
int ent_pg_license_update(struct ent_store_session *sess, const struct ent_license *l);
int ent_pg_license_get(struct ent_store_session *sess, struct ent_arena *a,
                       const char *id_or_serial, struct ent_license *out);
int ent_pg_licenses_of_activation(struct ent_store_session *sess, struct ent_arena *a,
                                  const char *activation_id, struct ent_license **out, size_t *n);
/* pg_webhooks.c (issue 15) */
int ent_pg_webhook_insert(struct ent_store_session *sess, const struct ent_webhook *w,
                          const char *secret_box);
int ent_pg_webhook_update(struct ent_store_session *sess, const struct ent_webhook *w);
int ent_pg_webhook_delete(struct ent_store_session *sess, const char *id);
int ent_pg_webhook_get(struct ent_store_session *sess, struct ent_arena *a, const char *id,
                       struct ent_webhook *out);
int ent_pg_webhooks_enabled(struct ent_store_session *sess, struct ent_arena *a,
                            struct ent_webhook **out, size_t *n);
int ent_pg_webhook_secrets(struct ent_store_session *sess, struct ent_arena *a, const char *id,
                           const char **secret_box, const char **old_box, int64_t *old_until_ms);
int ent_pg_webhook_set_secret(struct ent_store_session *sess, const char *id,
                              const char *secret_box, const char *old_box, int64_t old_until_ms,
                              int64_t now_ms);
int ent_pg_webhook_health(struct ent_store_session *sess, const char *id, bool ok, int64_t now_ms,
                          int64_t *since_ms);
int ent_pg_webhook_message_insert(struct ent_store_session *sess,
                                  const struct ent_webhook_message *m);
int ent_pg_webhook_message_get(struct ent_store_session *sess, struct ent_arena *a, const char *id,
                               struct ent_webhook_message *out);
int ent_pg_webhook_claim(struct ent_store_session *sess, struct ent_arena *a, int64_t now_ms,
                         int64_t until_ms, size_t max, struct ent_webhook_message **out, size_t *n);
int ent_pg_webhook_attempted(struct ent_store_session *sess, const struct ent_webhook_message *m,
                             int64_t until_ms);
int ent_pg_webhook_unclaim(struct ent_store_session *sess, const char *id, int64_t until_ms);
int ent_pg_webhook_resend(struct ent_store_session *sess, const char *webhook_id,
                          const char *message_id, int64_t since_ms, const char *after_id,
                          int64_t now_ms, int64_t *n);
int ent_pg_webhook_backlog(struct ent_store_session *sess, int64_t *pending, int64_t *oldest_ms);
int ent_pg_webhook_release_claims(struct ent_store_session *sess);
int ent_pg_webhook_clock_take(struct ent_store_session *sess, int64_t now_ms, int64_t *at_ms);
int ent_pg_webhook_clock_set(struct ent_store_session *sess, int64_t at_ms);
int ent_pg_timed_entitlements(struct ent_store_session *sess, struct ent_arena *a, int64_t from_ms,
                              int64_t to_ms, bool ends, struct ent_entitlement **out, size_t *n);
int ent_pg_timed_leases(struct ent_store_session *sess, struct ent_arena *a, int64_t from_ms,
                        int64_t to_ms, int64_t lead_ms, struct ent_lease **out, size_t *n);
int ent_pg_timed_activations(struct ent_store_session *sess, struct ent_arena *a, int64_t from_ms,
                             int64_t to_ms, struct ent_activation **out, size_t *n);
int ent_pg_webhook_window_crossed(struct ent_store_session *sess, const char *account_id,
                                  const char *feature_id, int64_t start_ms, int64_t end_ms,
                                  int threshold);
int ent_pg_webhook_windows_ended(struct ent_store_session *sess, struct ent_arena *a,
                                 int64_t from_ms, int64_t to_ms, struct ent_store_window **out,
                                 size_t *n);

/* pg_transfers.c (seed 004, issue 17) */
int ent_pg_entitlement_owners(struct ent_store_session *sess, struct ent_arena *a,
                              const char *entitlement_id, const char *account_id,
                              struct ent_entitlement_owner **out, size_t *n);
int ent_pg_entitlement_owner_add(struct ent_store_session *sess, const char *entitlement_id,
                                 int64_t position, const struct ent_entitlement_owner *o);
int ent_pg_entitlement_owners_copy(struct ent_store_session *sess, const char *from_id,
                                   const char *to_id);
int ent_pg_entitlement_children(struct ent_store_session *sess, struct ent_arena *a,
                                const char *parent_id, char (**ids)[37], size_t *n);

/* pg_orders.c: seed 004 (issue 17) */
int ent_pg_order_update(struct ent_store_session *sess, const struct ent_order *o);
int ent_pg_order_add_items(struct ent_store_session *sess, const struct ent_order *o, size_t first);
int ent_pg_line_item_update(struct ent_store_session *sess, const char *order_id,
                            const struct ent_line_item *li);
int ent_pg_entitlements_of_line_item(struct ent_store_session *sess, struct ent_arena *a,
                                     const char *line_item_id, struct ent_entitlement **out,
                                     size_t *n);
int ent_pg_line_item_is_maintenance(struct ent_store_session *sess, const char *activation_id,
                                    bool *yes);
int ent_pg_maintenance_of(struct ent_store_session *sess, struct ent_arena *a,
                          const char *activation_id, struct ent_store_maintenance **out, size_t *n);

/* pg_attribute_definitions.c (seed 004, issue 17) */
int ent_pg_attribute_definition_insert(struct ent_store_session *sess,
                                       const struct ent_attribute_definition *d);
int ent_pg_attribute_definition_get(struct ent_store_session *sess, struct ent_arena *a,
                                    const char *id, struct ent_attribute_definition *out);
int ent_pg_attribute_definition_delete(struct ent_store_session *sess, const char *id);
int ent_pg_attribute_definitions_of(struct ent_store_session *sess, struct ent_arena *a,
                                    enum ent_attribute_object object,
                                    struct ent_attribute_definition **out, size_t *n);

#endif /* ENT_STORE_PG_INT_H */
