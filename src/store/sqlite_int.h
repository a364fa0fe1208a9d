/* SPDX-License-Identifier: MIT */
/*
 * sqlite_int.h: what the files of the SQLite backend share: the session, the statement helpers
 * of sqlite_stmt.c, and the ops each concept file fills. sqlite_store.c owns the pool,
 * transactions and migrations; each sqlite_<concept>.c owns the SQL of its tables, and maps rows
 * through store/rows.h. Nothing outside src/store/ includes this.
 */
#ifndef ENT_STORE_SQLITE_INT_H
#define ENT_STORE_SQLITE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "core/arena.h"
#include "store/portable.h"
#include "store/rows.h"
#include "store/store.h"

#define STMT_CACHE 128 /* webhooks (issue 15) added about 25 */

struct cached_stmt {
    const char *sql; /* the static SQL text this statement was prepared from */
    sqlite3_stmt *stmt;
};

struct sqlite_session {
    struct ent_store_session base;
    sqlite3 *db;
    struct cached_stmt cache[STMT_CACHE];
    size_t n_cached;
    /* The statements of the portable load of one table (sqlite_portable.c), kept while rows of
     * that table come; finalized for the next table and at close. */
    const void *load_table;
    sqlite3_stmt *load_stmt[2];
};

/* Maps an SQLite result code to the store's codes. */
int ent_sqlite_map_rc(int rc);

/* Logs an unexpected database error (the client sees only "internal"); returns its code. */
int ent_sqlite_fail(struct sqlite_session *s, int rc, const char *what);

/* The cached prepared statement of the static text sql, reset, without bindings; NULL on error. */
sqlite3_stmt *ent_sqlite_prep(struct sqlite_session *s, const char *sql);

/* Steps st once, counting the statement in the store's calls. */
int ent_sqlite_step(struct sqlite_session *s, sqlite3_stmt *st);

/* Runs a statement that returns no rows. */
int ent_sqlite_exec_done(struct sqlite_session *s, sqlite3_stmt *st, const char *what);

/* Runs an UPDATE or DELETE of one row by its id. Errors: ENT_ENOTFOUND when it touched none. */
int ent_sqlite_exec_one(struct sqlite_session *s, sqlite3_stmt *st, const char *what);

/* Binds a string, or NULL. */
void ent_sqlite_bind_text(sqlite3_stmt *st, int i, const char *v);

/* Binds a time, or NULL for ENT_TIME_NONE (no date: no end, not revoked, not yet). */
void ent_sqlite_bind_time(sqlite3_stmt *st, int i, int64_t ms);

/* A copy of column i in the arena, or NULL for a NULL column. */
const char *ent_sqlite_col_text(struct ent_arena *a, sqlite3_stmt *st, int i);

/* Copies column i into a 37-byte id (empty for NULL). */
void ent_sqlite_col_id(sqlite3_stmt *st, int i, char *out);

/* NULL for an empty id. */
const char *ent_sqlite_opt_id(const char *id);

/*
 * Steps st (bound, from ent_sqlite_prep) once and reads its row with read into out.
 * Errors: ENT_ENOTFOUND (no row), those of read, ENT_EBUSY, ENT_ESTORE. Resets st.
 */
int ent_sqlite_get(struct sqlite_session *s, sqlite3_stmt *st, ent_rows_read_fn read,
                   struct ent_arena *a, void *out, const char *what);

/*
 * Reads every row of st with read into a new array of items of size bytes in the arena. Column
 * count_col of each row holds the number of rows (a count(*) subselect), so the array is sized
 * once. OUT items NULL and n 0 when there is none. Errors: those of read, ENT_ENOMEM, ENT_EBUSY,
 * ENT_ESTORE. Resets st.
 */
int ent_sqlite_get_all(struct sqlite_session *s, sqlite3_stmt *st, int count_col,
                       ent_rows_read_fn read, size_t size, struct ent_arena *a, void **items,
                       size_t *n, const char *what);

/* Reads the row st stands on with read into out (webhooks, issue 15). Errors: those of read. */
int ent_sqlite_read_row(sqlite3_stmt *st, ent_rows_read_fn read, struct ent_arena *a, void *out);

/* Runs a one-parameter query returning one count. */
int ent_sqlite_count_query(struct sqlite_session *s, const char *sql, const char *param,
                           int64_t *n);

/* Runs a one-parameter query returning ids (in the arena). */
/*
 * Steps st (bound), whose rows are (an hour's start in ms, an amount) in time order, folding them
 * into buckets of granularity (ent_rows_series_add), and resets it. OUT buckets (in a; NULL when
 * none), n. Errors: ENT_ESTORE, ENT_ENOMEM.
 */
int ent_sqlite_series(struct sqlite_session *s, sqlite3_stmt *st, enum ent_period granularity,
                      struct ent_arena *a, struct ent_usage_bucket **buckets, size_t *n,
                      const char *what);

int ent_sqlite_id_query(struct sqlite_session *s, struct ent_arena *a, const char *sql,
                        const char *param, char (**ids)[37], size_t *n);

/*
 * Registers an activation id for its owner (a line item or an entitlement): activation ids are
 * unique across both. Errors: ENT_ECONFLICT when taken.
 */
int ent_sqlite_register_activation_id(struct sqlite_session *s, const char *activation_id,
                                      const char *kind, const char *owner_id);

/*
 * The ops each concept file fills (the store's ops table is in sqlite_store.c), named
 * ent_sqlite_<op> after their slot in struct ent_store_ops; store.h gives their contracts.
 */
/* sqlite_portable.c (portable.h) */
int ent_sqlite_snapshot(struct ent_store_session *sess);
int ent_sqlite_dump(struct ent_store_session *sess, const struct ent_portable_table *t,
                    int64_t since_ms, ent_portable_row_fn fn, void *arg);
int ent_sqlite_load_begin(struct ent_store_session *sess);
int ent_sqlite_load(struct ent_store_session *sess, const struct ent_portable_table *t,
                    const struct ent_value *values);
int ent_sqlite_load_finish(struct ent_store_session *sess);
void ent_sqlite_load_forget(struct sqlite_session *s);

/* sqlite_backup.c */
int ent_sqlite_backup(struct ent_store_session *sess, const char *path, int64_t *bytes);

/* sqlite_accounts.c */
int ent_sqlite_account_insert(struct ent_store_session *sess, const struct ent_account *acc);
int ent_sqlite_account_update(struct ent_store_session *sess, const struct ent_account *acc);
int ent_sqlite_account_delete(struct ent_store_session *sess, const char *id);
int ent_sqlite_account_get(struct ent_store_session *sess, struct ent_arena *a,
                           const char *id_or_key, struct ent_account *out);
int ent_sqlite_account_child_count(struct ent_store_session *sess, const char *id, int64_t *n);

/* sqlite_entitlements.c */
int ent_sqlite_entitlement_insert(struct ent_store_session *sess, const struct ent_entitlement *e,
                                  bool own_activation_id);
int ent_sqlite_entitlement_update(struct ent_store_session *sess, const struct ent_entitlement *e);
int ent_sqlite_entitlement_get(struct ent_store_session *sess, struct ent_arena *a,
                               const char *id_or_activation_id, struct ent_entitlement *out);
int ent_sqlite_entitlements_of_account(struct ent_store_session *sess, struct ent_arena *a,
                                       const char *account_id, struct ent_entitlement **out,
                                       size_t *n);
int ent_sqlite_account_grant_count(struct ent_store_session *sess, const char *account_id,
                                   int64_t *n);

/* sqlite_events.c */
int ent_sqlite_event_insert(struct ent_store_session *sess, const struct ent_event *e);
int ent_sqlite_event_get(struct ent_store_session *sess, struct ent_arena *a, const char *id,
                         struct ent_event *out);

/* sqlite_consumption.c (issue 17) */
int ent_sqlite_consumption_find(struct ent_store_session *sess, struct ent_arena *a,
                                const char *entitlement_id, const char *idempotency_key,
                                struct ent_store_consumption *out);
int ent_sqlite_consumption_add(struct ent_store_session *sess,
                               const struct ent_store_consumption *ev, int64_t cap,
                               int64_t *consumed);
int ent_sqlite_consumption_series(struct ent_store_session *sess, struct ent_arena *a,
                                  const char *entitlement_id, int64_t from_ms, int64_t to_ms,
                                  enum ent_period granularity, struct ent_usage_bucket **buckets,
                                  size_t *n);

/* sqlite_features.c */
int ent_sqlite_feature_insert(struct ent_store_session *sess, const struct ent_feature *f);
int ent_sqlite_feature_update(struct ent_store_session *sess, const struct ent_feature *f);
int ent_sqlite_feature_delete(struct ent_store_session *sess, const char *id);
int ent_sqlite_feature_get(struct ent_store_session *sess, struct ent_arena *a,
                           const char *id_or_key, struct ent_feature *out);
int ent_sqlite_feature_name_taken(struct ent_store_session *sess, const char *name,
                                  const char *except_id, bool *taken);
int ent_sqlite_feature_product_count(struct ent_store_session *sess, const char *feature_id,
                                     int64_t *n);

/* sqlite_idempotency.c */
int ent_sqlite_idempotency_get(struct ent_store_session *sess, struct ent_arena *a,
                               const char *key_id, const char *idem_key,
                               struct ent_store_idempotency *out);
int ent_sqlite_idempotency_insert(struct ent_store_session *sess,
                                  const struct ent_store_idempotency *r);
int ent_sqlite_idempotency_purge(struct ent_store_session *sess, int64_t before_ms);

/* sqlite_keys.c */
int ent_sqlite_key_insert(struct ent_store_session *sess, const struct ent_key *k,
                          const char *hash);
int ent_sqlite_key_get(struct ent_store_session *sess, struct ent_arena *a, const char *id,
                       struct ent_key *out);
int ent_sqlite_key_find_hash(struct ent_store_session *sess, struct ent_arena *a, const char *hash,
                             struct ent_key *out);
int ent_sqlite_key_revoke(struct ent_store_session *sess, const char *id, int64_t now_ms);
int ent_sqlite_key_revoke_account(struct ent_store_session *sess, struct ent_arena *a,
                                  const char *account_id, int64_t now_ms, char (**ids)[37],
                                  size_t *n);
int ent_sqlite_key_count(struct ent_store_session *sess, int64_t *n);

/* sqlite_leases.c */
int ent_sqlite_lease_insert(struct ent_store_session *sess, const struct ent_lease *l);
int ent_sqlite_lease_update(struct ent_store_session *sess, const struct ent_lease *l);
int ent_sqlite_lease_get(struct ent_store_session *sess, struct ent_arena *a, const char *id,
                         struct ent_lease *out);
int ent_sqlite_lease_find(struct ent_store_session *sess, struct ent_arena *a,
                          const char *account_id, const char *product_id, struct ent_lease *out);

/* sqlite_lists.c */
int ent_sqlite_list(struct ent_store_session *sess, struct ent_arena *a, enum ent_store_table table,
                    const struct ent_store_query *q, char (**ids)[37], size_t *n, int64_t *total);

/* sqlite_orders.c */
int ent_sqlite_activation_id_taken(struct ent_store_session *sess, const char *activation_id,
                                   bool *taken);
int ent_sqlite_order_insert(struct ent_store_session *sess, const struct ent_order *o);
int ent_sqlite_order_get(struct ent_store_session *sess, struct ent_arena *a, const char *id,
                         struct ent_order *out);
int ent_sqlite_order_activate(struct ent_store_session *sess, const char *id, int64_t now_ms);

/* sqlite_products.c */
int ent_sqlite_product_insert(struct ent_store_session *sess, const struct ent_product *p);
int ent_sqlite_product_update(struct ent_store_session *sess, const struct ent_product *p);
int ent_sqlite_product_delete(struct ent_store_session *sess, const char *id);
int ent_sqlite_product_get(struct ent_store_session *sess, struct ent_arena *a,
                           const char *id_or_key, struct ent_product *out);
int ent_sqlite_product_bundles(struct ent_store_session *sess, struct ent_arena *a,
                               const char *product_id, char (**ids)[37], size_t *n);
int ent_sqlite_product_ids_granting(struct ent_store_session *sess, struct ent_arena *a,
                                    const char *feature_id, char (**ids)[37], size_t *n);
int ent_sqlite_product_grant_count(struct ent_store_session *sess, const char *product_id,
                                   int64_t *n);

/* sqlite_usage.c */
int ent_sqlite_usage_find(struct ent_store_session *sess, struct ent_arena *a,
                          const char *account_id, const char *idempotency_key,
                          struct ent_store_usage *out);
int ent_sqlite_usage_counter(struct ent_store_session *sess, const char *account_id,
                             const char *feature_id, int64_t window_start_ms, int64_t *used);
int ent_sqlite_usage_add(struct ent_store_session *sess, const struct ent_store_usage *ev,
                         int64_t cap, int64_t *used);
int ent_sqlite_usage_series(struct ent_store_session *sess, struct ent_arena *a,
                            const char *account_id, const char *feature_id, int64_t from_ms,
                            int64_t to_ms, enum ent_period granularity,
                            struct ent_usage_bucket **buckets, size_t *n);

/* sqlite_activations.c */
int ent_sqlite_activation_insert(struct ent_store_session *sess, const struct ent_activation *act);
int ent_sqlite_activation_update(struct ent_store_session *sess, const struct ent_activation *act);
int ent_sqlite_activation_get(struct ent_store_session *sess, struct ent_arena *a, const char *id,
                              struct ent_activation *out);
int ent_sqlite_activation_find(struct ent_store_session *sess, struct ent_arena *a,
                               const char *account_id, const char *feature_id,
                               const char *entitlement_id, const char *fingerprint,
                               struct ent_activation *out);
int ent_sqlite_activation_count_live(struct ent_store_session *sess, const char *account_id,
                                     const char *feature_id, const char *entitlement_id,
                                     int64_t now_ms, int64_t *n);
int ent_sqlite_seats_of_account(struct ent_store_session *sess, struct ent_arena *a,
                                const char *account_id, int64_t now_ms,
                                struct ent_store_seat **seats, size_t *n);

/* sqlite_settings.c */
int ent_sqlite_setting_get(struct ent_store_session *sess, struct ent_arena *a, const char *name,
                           const char **value);
int ent_sqlite_setting_insert(struct ent_store_session *sess, const char *name, const char *value);

/* Signed licenses (issue 13): sqlite_licenses.c */
int ent_sqlite_signing_key_insert(struct ent_store_session *sess,
                                  const struct ent_store_signing_key *k);
int ent_sqlite_signing_key_current(struct ent_store_session *sess, struct ent_arena *a,
                                   struct ent_store_signing_key *out);
int ent_sqlite_signing_keys_all(struct ent_store_session *sess, struct ent_arena *a,
                                struct ent_store_signing_key **keys, size_t *n);
int ent_sqlite_license_insert(struct ent_store_session *sess, const struct ent_license *l);
int ent_sqlite_license_update(struct ent_store_session *sess, const struct ent_license *l);
int ent_sqlite_license_get(struct ent_store_session *sess, struct ent_arena *a,
                           const char *id_or_serial, struct ent_license *out);
int ent_sqlite_licenses_of_activation(struct ent_store_session *sess, struct ent_arena *a,
                                      const char *activation_id, struct ent_license **out,
                                      size_t *n);
/* sqlite_webhooks.c (issue 15) */
int ent_sqlite_webhook_insert(struct ent_store_session *sess, const struct ent_webhook *w,
                              const char *secret_box);
int ent_sqlite_webhook_update(struct ent_store_session *sess, const struct ent_webhook *w);
int ent_sqlite_webhook_delete(struct ent_store_session *sess, const char *id);
int ent_sqlite_webhook_get(struct ent_store_session *sess, struct ent_arena *a, const char *id,
                           struct ent_webhook *out);
int ent_sqlite_webhooks_enabled(struct ent_store_session *sess, struct ent_arena *a,
                                struct ent_webhook **out, size_t *n);
int ent_sqlite_webhook_secrets(struct ent_store_session *sess, struct ent_arena *a, const char *id,
                               const char **secret_box, const char **old_box,
                               int64_t *old_until_ms);
int ent_sqlite_webhook_set_secret(struct ent_store_session *sess, const char *id,
                                  const char *secret_box, const char *old_box, int64_t old_until_ms,
                                  int64_t now_ms);
int ent_sqlite_webhook_health(struct ent_store_session *sess, const char *id, bool ok,
                              int64_t now_ms, int64_t *since_ms);
int ent_sqlite_webhook_message_insert(struct ent_store_session *sess,
                                      const struct ent_webhook_message *m);
int ent_sqlite_webhook_message_get(struct ent_store_session *sess, struct ent_arena *a,
                                   const char *id, struct ent_webhook_message *out);
int ent_sqlite_webhook_claim(struct ent_store_session *sess, struct ent_arena *a, int64_t now_ms,
                             int64_t until_ms, size_t max, struct ent_webhook_message **out,
                             size_t *n);
int ent_sqlite_webhook_attempted(struct ent_store_session *sess,
                                 const struct ent_webhook_message *m, int64_t until_ms);
int ent_sqlite_webhook_unclaim(struct ent_store_session *sess, const char *id, int64_t until_ms);
int ent_sqlite_webhook_resend(struct ent_store_session *sess, const char *webhook_id,
                              const char *message_id, int64_t since_ms, const char *after_id,
                              int64_t now_ms, int64_t *n);
int ent_sqlite_webhook_backlog(struct ent_store_session *sess, int64_t *pending,
                               int64_t *oldest_ms);
int ent_sqlite_webhook_release_claims(struct ent_store_session *sess);
int ent_sqlite_webhook_clock_take(struct ent_store_session *sess, int64_t now_ms, int64_t *at_ms);
int ent_sqlite_webhook_clock_set(struct ent_store_session *sess, int64_t at_ms);
int ent_sqlite_timed_entitlements(struct ent_store_session *sess, struct ent_arena *a,
                                  int64_t from_ms, int64_t to_ms, bool ends,
                                  struct ent_entitlement **out, size_t *n);
int ent_sqlite_timed_leases(struct ent_store_session *sess, struct ent_arena *a, int64_t from_ms,
                            int64_t to_ms, int64_t lead_ms, struct ent_lease **out, size_t *n);
int ent_sqlite_timed_activations(struct ent_store_session *sess, struct ent_arena *a,
                                 int64_t from_ms, int64_t to_ms, struct ent_activation **out,
                                 size_t *n);
int ent_sqlite_webhook_window_crossed(struct ent_store_session *sess, const char *account_id,
                                      const char *feature_id, int64_t start_ms, int64_t end_ms,
                                      int threshold);
int ent_sqlite_webhook_windows_ended(struct ent_store_session *sess, struct ent_arena *a,
                                     int64_t from_ms, int64_t to_ms, struct ent_store_window **out,
                                     size_t *n);

/* sqlite_transfers.c (seed 004, issue 17) */
int ent_sqlite_entitlement_owners(struct ent_store_session *sess, struct ent_arena *a,
                                  const char *entitlement_id, const char *account_id,
                                  struct ent_entitlement_owner **out, size_t *n);
int ent_sqlite_entitlement_owner_add(struct ent_store_session *sess, const char *entitlement_id,
                                     int64_t position, const struct ent_entitlement_owner *o);
int ent_sqlite_entitlement_owners_copy(struct ent_store_session *sess, const char *from_id,
                                       const char *to_id);
int ent_sqlite_entitlement_children(struct ent_store_session *sess, struct ent_arena *a,
                                    const char *parent_id, char (**ids)[37], size_t *n);

/* sqlite_orders.c: seed 004 (issue 17) */
int ent_sqlite_order_update(struct ent_store_session *sess, const struct ent_order *o);
int ent_sqlite_order_add_items(struct ent_store_session *sess, const struct ent_order *o,
                               size_t first);
int ent_sqlite_line_item_update(struct ent_store_session *sess, const char *order_id,
                                const struct ent_line_item *li);
int ent_sqlite_entitlements_of_line_item(struct ent_store_session *sess, struct ent_arena *a,
                                         const char *line_item_id, struct ent_entitlement **out,
                                         size_t *n);
int ent_sqlite_line_item_is_maintenance(struct ent_store_session *sess, const char *activation_id,
                                        bool *yes);
int ent_sqlite_maintenance_of(struct ent_store_session *sess, struct ent_arena *a,
                              const char *activation_id, struct ent_store_maintenance **out,
                              size_t *n);

/* sqlite_attribute_definitions.c (seed 004, issue 17) */
int ent_sqlite_attribute_definition_insert(struct ent_store_session *sess,
                                           const struct ent_attribute_definition *d);
int ent_sqlite_attribute_definition_get(struct ent_store_session *sess, struct ent_arena *a,
                                        const char *id, struct ent_attribute_definition *out);
int ent_sqlite_attribute_definition_delete(struct ent_store_session *sess, const char *id);
int ent_sqlite_attribute_definitions_of(struct ent_store_session *sess, struct ent_arena *a,
                                        enum ent_attribute_object object,
                                        struct ent_attribute_definition **out, size_t *n);

#endif /* ENT_STORE_SQLITE_INT_H */
