/* SPDX-License-Identifier: MIT */
/*
 * sqlite_activations.c: the activations table of the SQLite backend (schema 0003): one row per
 * machine or seat, holding one unit of a feature of an account or of one entitlement, with its
 * fingerprint, its heartbeat and, once released, the time it was deactivated.
 *
 * This file owns only the SQL. Liveness is computed, never stored: a row holds a seat at time t
 * when it is not deactivated and either has no ttl or its last heartbeat + ttl is after t. The
 * limit, revival and what an answer shows are the service's rules (service/activations.c); the
 * service counts and writes inside one write transaction, which BEGIN IMMEDIATE serializes, so a
 * count read there stays exact until the commit.
 */
#include <string.h>

#include "store/sqlite_int.h"
#include "store/store.h"

#define SEATS_FIRST_CAP 16

/* Every read of activations starts so (rows.h); ent_rows_activation reads its rows. */
#define ACTIVATION_COLUMNS "SELECT " ENT_ROWS_ACTIVATION_COLUMNS ENT_ROWS_ACTIVATION_FROM

/* The condition of a row that holds a seat at the time bound to the parameter param ("?3"). */
#define ALIVE_AT(param)                                                                            \
    " a.deactivated_ms IS NULL AND (a.ttl_seconds IS NULL OR"                                      \
    " a.last_heartbeat_ms + a.ttl_seconds * 1000 > " param ")"

/* Binds ?1 … ?12 of insert and update: the row's own columns. */
static void
bind_activation(sqlite3_stmt *st, const struct ent_activation *act)
{
    ent_sqlite_bind_text(st, 1, act->id);
    ent_sqlite_bind_text(st, 2, act->account_id);
    ent_sqlite_bind_text(st, 3, ent_sqlite_opt_id(act->feature_id));
    ent_sqlite_bind_text(st, 4, ent_sqlite_opt_id(act->entitlement_id));
    ent_sqlite_bind_text(st, 5, act->fingerprint);
    ent_sqlite_bind_text(st, 6, act->name);
    ent_sqlite_bind_text(st, 7, act->metadata ? act->metadata : "{}");
    if (act->ttl_s > 0)
        sqlite3_bind_int64(st, 8, act->ttl_s);
    else
        sqlite3_bind_null(st, 8);
    sqlite3_bind_int64(st, 9, act->last_heartbeat_ms);
    sqlite3_bind_int64(st, 10, act->created_ms);
    sqlite3_bind_int64(st, 11, act->updated_ms);
    ent_sqlite_bind_time(st, 12, act->deactivated_ms);
}

/*
 * Runs a read of at most one activation (sql with up to three text parameters; NULL binds
 * NULL). OUT out. Errors: ENT_ENOTFOUND, ENT_ESTORE, ENT_ENOMEM.
 */
static int
read_one(struct sqlite_session *s, struct ent_arena *a, const char *sql, const char *p1,
         const char *p2, const char *p3, struct ent_activation *out)
{
    sqlite3_stmt *st = ent_sqlite_prep(s, sql);
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, p1);
    ent_sqlite_bind_text(st, 2, p2);
    ent_sqlite_bind_text(st, 3, p3);
    return ent_sqlite_get(s, st, ent_rows_activation, a, out, "get activation");
}

/*
 * Inserts a new activation. Errors: ENT_ECONFLICT (the fingerprint holds a live row of the scope
 * already, or the id is taken), ENT_ESTORE.
 */
int
ent_sqlite_activation_insert(struct ent_store_session *sess, const struct ent_activation *act)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "INSERT INTO activations (id, account_id, feature_id, entitlement_id, fingerprint,"
           " name, metadata, ttl_seconds, last_heartbeat_ms, created_ms, updated_ms,"
           " deactivated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    if (!st)
        return ENT_ESTORE;
    bind_activation(st, act);
    return ent_sqlite_exec_done(s, st, "insert activation");
}

/*
 * Writes what may change of an activation: name, metadata, ttl, last heartbeat, updated and
 * deactivated times. Its scope, fingerprint and creation stay as inserted.
 * Errors: ENT_ENOTFOUND, ENT_ESTORE.
 */
int
ent_sqlite_activation_update(struct ent_store_session *sess, const struct ent_activation *act)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "UPDATE activations SET name = ?6, metadata = ?7, ttl_seconds = ?8,"
           " last_heartbeat_ms = ?9, updated_ms = ?11, deactivated_ms = ?12 WHERE id = ?1"
           " AND ?2 IS ?2 AND ?3 IS ?3 AND ?4 IS ?4 AND ?5 IS ?5 AND ?10 IS ?10");
    if (!st)
        return ENT_ESTORE;
    bind_activation(st, act);
    return ent_sqlite_exec_one(s, st, "update activation");
}

/* Reads an activation by id. Errors: ENT_ENOTFOUND, ENT_ESTORE, ENT_ENOMEM. */
int
ent_sqlite_activation_get(struct ent_store_session *sess, struct ent_arena *a, const char *id,
                          struct ent_activation *out)
{
    return read_one((struct sqlite_session *)sess, a,
                    ACTIVATION_COLUMNS " WHERE a.id = ?1 AND ?2 IS NULL AND ?3 IS NULL", id, NULL,
                    NULL, out);
}

/*
 * Finds the activation of fingerprint that is not deactivated, in the scope of (account_id,
 * feature_id) when entitlement_id is empty, else of entitlement_id. It may be dead (a floating
 * one past its ttl): the schema keeps one such row per fingerprint and scope, so a dead one is
 * revived rather than duplicated. Errors: ENT_ENOTFOUND, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_sqlite_activation_find(struct ent_store_session *sess, struct ent_arena *a,
                           const char *account_id, const char *feature_id,
                           const char *entitlement_id, const char *fingerprint,
                           struct ent_activation *out)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    if (entitlement_id && entitlement_id[0])
        return read_one(s, a,
                        ACTIVATION_COLUMNS " WHERE a.entitlement_id = ?1 AND a.fingerprint = ?2"
                                           " AND a.deactivated_ms IS NULL AND ?3 IS NULL",
                        entitlement_id, fingerprint, NULL, out);
    return read_one(s, a,
                    ACTIVATION_COLUMNS " WHERE a.account_id = ?1 AND a.feature_id = ?2"
                                       " AND a.fingerprint = ?3 AND a.deactivated_ms IS NULL",
                    account_id, feature_id, fingerprint, out);
}

/*
 * Counts the seats held at now_ms in the scope of (account_id, feature_id) when entitlement_id
 * is empty, else of entitlement_id. Dead floating rows and deactivated ones are not counted.
 * Errors: ENT_ESTORE.
 */
int
ent_sqlite_activation_count_live(struct ent_store_session *sess, const char *account_id,
                                 const char *feature_id, const char *entitlement_id, int64_t now_ms,
                                 int64_t *n)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    bool by_entitlement = entitlement_id && entitlement_id[0];
    sqlite3_stmt *st =
        by_entitlement
            ? ent_sqlite_prep(s, "SELECT count(*) FROM activations a"
                                 " WHERE a.entitlement_id = ?1 AND" ALIVE_AT("?3"))
            : ent_sqlite_prep(s,
                              "SELECT count(*) FROM activations a"
                              " WHERE a.account_id = ?1 AND a.feature_id = ?2 AND" ALIVE_AT("?3"));
    if (!st)
        return ENT_ESTORE;
    if (by_entitlement) {
        ent_sqlite_bind_text(st, 1, entitlement_id);
    } else {
        ent_sqlite_bind_text(st, 1, account_id);
        ent_sqlite_bind_text(st, 2, feature_id);
    }
    sqlite3_bind_int64(st, 3, now_ms);
    int rc = ent_sqlite_step(s, st);
    int code = ENT_OK;
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    else
        code = ent_sqlite_fail(s, rc, "count activations");
    sqlite3_reset(st);
    return code;
}

/*
 * Lists the seats the account's feature activations hold at now_ms, for its evaluation
 * snapshot: (feature id, when the seat dies, INT64_MAX when not floating), sorted by feature.
 * Activations of an entitlement are not listed: evaluation reports features.
 * OUT seats (in the arena), n. Errors: ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_sqlite_seats_of_account(struct ent_store_session *sess, struct ent_arena *a,
                            const char *account_id, int64_t now_ms, struct ent_store_seat **seats,
                            size_t *n)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "SELECT a.feature_id, CASE WHEN a.ttl_seconds IS NULL THEN 9223372036854775807"
           " ELSE a.last_heartbeat_ms + a.ttl_seconds * 1000 END FROM activations a"
           " WHERE a.account_id = ?1 AND a.feature_id IS NOT NULL AND" ALIVE_AT(
               "?2") " ORDER BY a.feature_id, a.seq");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, account_id);
    sqlite3_bind_int64(st, 2, now_ms);
    size_t cap = SEATS_FIRST_CAP, count = 0;
    struct ent_store_seat *out = ent_arena_alloc(a, cap * sizeof(*out));
    int rc = SQLITE_NOMEM;
    while (out && (rc = ent_sqlite_step(s, st)) == SQLITE_ROW) {
        if (count == cap) {
            struct ent_store_seat *bigger = ent_arena_alloc(a, 2 * cap * sizeof(*out));
            if (bigger)
                memcpy(bigger, out, cap * sizeof(*out));
            out = bigger;
            cap *= 2;
            if (!out)
                break;
        }
        ent_sqlite_col_id(st, 0, out[count].feature_id);
        out[count].expires_ms = sqlite3_column_int64(st, 1);
        count++;
    }
    sqlite3_reset(st);
    if (!out)
        return ENT_ENOMEM;
    if (rc != SQLITE_DONE)
        return ent_sqlite_fail(s, rc, "seats of account");
    *seats = out;
    *n = count;
    return ENT_OK;
}
