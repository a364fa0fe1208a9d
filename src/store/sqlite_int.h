/* SPDX-License-Identifier: MIT */
/*
 * sqlite_int.h: what the files of the SQLite backend share: the session, and the statement
 * helpers of sqlite.c. sqlite.c owns the pool, transactions and the catalog and grant tables;
 * sqlite_usage.c and sqlite_activations.c own theirs. Nothing outside src/store/ includes this.
 */
#ifndef ENT_STORE_SQLITE_INT_H
#define ENT_STORE_SQLITE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "core/arena.h"
#include "store/store.h"

#define STMT_CACHE 96

struct cached_stmt {
    const char *sql; /* the static SQL text this statement was prepared from */
    sqlite3_stmt *stmt;
};

struct sqlite_session {
    struct ent_store_session base;
    sqlite3 *db;
    struct sqlite_session *next_free;
    struct cached_stmt cache[STMT_CACHE];
    size_t n_cached;
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

/* Binds a string, or NULL. */
void ent_sqlite_bind_text(sqlite3_stmt *st, int i, const char *v);

/* Binds an end time: NULL when permanent or 0. */
void ent_sqlite_bind_end(sqlite3_stmt *st, int i, bool permanent, int64_t end_ms);

/* A copy of column i in the arena, or NULL for a NULL column. */
const char *ent_sqlite_col_text(struct ent_arena *a, sqlite3_stmt *st, int i);

/* Copies column i into a 37-byte id (empty for NULL). */
void ent_sqlite_col_id(sqlite3_stmt *st, int i, char *out);

/* NULL for an empty id. */
const char *ent_sqlite_opt_id(const char *id);

/* Runs a one-parameter query returning one count. */
int ent_sqlite_count_query(struct sqlite_session *s, const char *sql, const char *param,
                           int64_t *n);

/* Runs a one-parameter query returning ids (in the arena). */
int ent_sqlite_id_query(struct sqlite_session *s, struct ent_arena *a, const char *sql,
                        const char *param, char (**ids)[37], size_t *n);

/* The ops of sqlite_usage.c. */
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

/* The ops of sqlite_activations.c. */
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

#endif /* ENT_STORE_SQLITE_INT_H */
