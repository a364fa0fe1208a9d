/* SPDX-License-Identifier: MIT */
/*
 * sqlite_usage.c: the usage tables of the SQLite backend (schemas 0003, 0005 and 0006):
 * usage_events, one row per recorded event with the answer it was given, and usage_series,
 * which holds both the series (an entry per event: account, feature, time, amount) and the
 * counters (the usage per account, feature and reset window, that limits are checked against
 * and evaluation reads), keyed by the numbers of account and feature (accounts.num,
 * features.num), not their ids. A counter is a row whose time is the largest int64 (COUNTER_TS)
 * and whose seq is its window's start: it sorts after its account's events, next to the newest,
 * so an event's entry and its counter are mostly written to one page (0006_usage_series.sql).
 *
 * This file owns only the SQL. Whether an event may be recorded (the limit, the window, the
 * idempotency key's replay) is the service's rule (service/usage.c), which hands usage_add the
 * most the counter may reach; the service calls it inside its write transaction, which BEGIN
 * IMMEDIATE serializes, so the counter read there stays exact until the commit.
 */
#include <string.h>

#include "core/window.h"
#include "store/sqlite_int.h"
#include "store/store.h"

#define MS_PER_HOUR 3600000LL

/* The numbers that key the usage tables (schema 0005), of the account ?1 and the feature ?2. */
#define ACCOUNT_NUM "(SELECT num FROM accounts WHERE id = ?1)"
#define FEATURE_NUM "(SELECT num FROM features WHERE id = ?2)"
#define COUNTER_TS "9223372036854775807" /* the time of a counter's row in usage_series */

/*
 * Reads the event an account recorded under an idempotency key.
 * OUT out: the event and its answer (the idempotency key in the arena).
 * Errors: ENT_ENOTFOUND, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_sqlite_usage_find(struct ent_store_session *sess, struct ent_arena *a, const char *account_id,
                      const char *idempotency_key, struct ent_store_usage *out)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    sqlite3_stmt *st = ent_sqlite_prep(s, "SELECT " ENT_ROWS_USAGE_EVENT_COLUMNS
                                          " FROM usage_events WHERE account_id = ?1"
                                          " AND idempotency_key = ?2");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, account_id);
    ent_sqlite_bind_text(st, 2, idempotency_key);
    return ent_sqlite_get(s, st, ent_rows_usage_event, a, out, "find usage event");
}

/*
 * The numbers that key the usage tables of account_id and feature_id (schema 0005), found once
 * for the statements of an event. OUT account_num, feature_num.
 * Errors: ENT_ENOTFOUND (no such account or feature), ENT_ESTORE.
 */
static int
usage_numbers(struct sqlite_session *s, const char *account_id, const char *feature_id,
              int64_t *account_num, int64_t *feature_num)
{
    sqlite3_stmt *st = ent_sqlite_prep(s, "SELECT " ACCOUNT_NUM ", " FEATURE_NUM);
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, account_id);
    ent_sqlite_bind_text(st, 2, feature_id);
    int rc = ent_sqlite_step(s, st);
    int code = ENT_OK;
    if (rc != SQLITE_ROW)
        code = ent_sqlite_fail(s, rc, "usage numbers");
    else if (sqlite3_column_type(st, 0) == SQLITE_NULL || sqlite3_column_type(st, 1) == SQLITE_NULL)
        code = ENT_ENOTFOUND;
    else {
        *account_num = sqlite3_column_int64(st, 0);
        *feature_num = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    return code;
}

/* Runs st, a bound read of one counter's amount. OUT used: 0 without a row. Errors: ENT_ESTORE. */
static int
read_counter(struct sqlite_session *s, sqlite3_stmt *st, int64_t *used)
{
    int rc = ent_sqlite_step(s, st);
    int code = ENT_OK;
    if (rc == SQLITE_ROW)
        *used = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        *used = 0;
    else
        code = ent_sqlite_fail(s, rc, "usage counter");
    sqlite3_reset(st);
    return code;
}

/* The counter of (account_num, feature_num, window_start_ms); 0 when there is none. */
static int
counter_of(struct sqlite_session *s, int64_t account_num, int64_t feature_num,
           int64_t window_start_ms, int64_t *used)
{
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "SELECT amount FROM usage_series WHERE account_num = ?1"
                           " AND feature_num = ?2 AND ts_ms = " COUNTER_TS " AND seq = ?3");
    if (!st)
        return ENT_ESTORE;
    sqlite3_bind_int64(st, 1, account_num);
    sqlite3_bind_int64(st, 2, feature_num);
    sqlite3_bind_int64(st, 3, window_start_ms);
    return read_counter(s, st, used);
}

/*
 * The usage of (account, feature) in the window starting at window_start_ms; 0 for a window
 * without events, or an account or feature there is not. One statement: snapshots read one
 * per metered feature they hold. OUT used. Errors: ENT_ESTORE.
 */
int
ent_sqlite_usage_counter(struct ent_store_session *sess, const char *account_id,
                         const char *feature_id, int64_t window_start_ms, int64_t *used)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "SELECT amount FROM usage_series WHERE account_num = " ACCOUNT_NUM
           " AND feature_num = " FEATURE_NUM " AND ts_ms = " COUNTER_TS " AND seq = ?3");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, account_id);
    ent_sqlite_bind_text(st, 2, feature_id);
    sqlite3_bind_int64(st, 3, window_start_ms);
    return read_counter(s, st, used);
}

/*
 * Adds ev's amount to its window's counter when the sum stays at or below cap, and inserts the
 * event with the new sum as its usage_after (see store.h). The caller's write transaction
 * (BEGIN IMMEDIATE) serializes writers, so the counter read here stays exact until the commit.
 * The event's insert comes before the counter's: when the idempotency key is taken it fails
 * alone (SQLite undoes only the failing statement) and the counter is left as it was, so the
 * caller's transaction stays usable. The account's and feature's numbers are found once, by
 * the first statement, for the three that follow.
 * OUT used. Errors: ENT_ELIMIT (refused, nothing written), ENT_ECONFLICT (the account's
 * idempotency key is taken), ENT_ENOTFOUND (the account or the feature is gone), ENT_ESTORE.
 */
int
ent_sqlite_usage_add(struct ent_store_session *sess, const struct ent_store_usage *ev, int64_t cap,
                     int64_t *used)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    int64_t account_num = 0, feature_num = 0, before = 0;
    int code = usage_numbers(s, ev->account_id, ev->feature_id, &account_num, &feature_num);
    if (code == ENT_OK)
        code = counter_of(s, account_num, feature_num, ev->window_start_ms, &before);
    if (code < 0)
        return code;
    if (before > cap - ev->amount) { /* cap >= 0 and amount >= 1: no overflow */
        *used = before;
        return ENT_ELIMIT;
    }
    int64_t after = before + ev->amount;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "INSERT INTO usage_events (id, account_id, feature_id, amount, ts_ms, idempotency_key,"
           " window_start_ms, window_end_ms, usage_after, limit_value, created_ms, account_num,"
           " feature_num) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, ev->id);
    ent_sqlite_bind_text(st, 2, ev->account_id);
    ent_sqlite_bind_text(st, 3, ev->feature_id);
    sqlite3_bind_int64(st, 4, ev->amount);
    sqlite3_bind_int64(st, 5, ev->ts_ms);
    ent_sqlite_bind_text(st, 6, ev->idempotency_key);
    sqlite3_bind_int64(st, 7, ev->window_start_ms);
    sqlite3_bind_int64(st, 8, ev->window_end_ms);
    sqlite3_bind_int64(st, 9, after);
    if (ev->limit >= 0)
        sqlite3_bind_int64(st, 10, ev->limit);
    else
        sqlite3_bind_null(st, 10);
    sqlite3_bind_int64(st, 11, ev->created_ms);
    sqlite3_bind_int64(st, 12, account_num);
    sqlite3_bind_int64(st, 13, feature_num);
    int rc = ent_sqlite_step(s, st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) /* the key taken maps to ENT_ECONFLICT, which is not logged */
        return ent_sqlite_fail(s, rc, "insert usage event");
    /* The event's entry in the series, then its window's counter: one place in usage_series. */
    st =
        ent_sqlite_prep(s, "INSERT INTO usage_series (account_num, feature_num, ts_ms, seq, amount)"
                           " VALUES (?1, ?2, ?3, ?4, ?5), (?1, ?2, " COUNTER_TS ", ?6, ?5)"
                           " ON CONFLICT (account_num, feature_num, ts_ms, seq)"
                           " DO UPDATE SET amount = amount + excluded.amount");
    if (!st)
        return ENT_ESTORE;
    sqlite3_bind_int64(st, 1, account_num);
    sqlite3_bind_int64(st, 2, feature_num);
    sqlite3_bind_int64(st, 3, ev->ts_ms);
    sqlite3_bind_int64(st, 4, sqlite3_last_insert_rowid(s->db)); /* the event's seq */
    sqlite3_bind_int64(st, 5, ev->amount);
    sqlite3_bind_int64(st, 6, ev->window_start_ms);
    code = ent_sqlite_exec_done(s, st, "add usage series and counter");
    if (code == ENT_OK)
        *used = after;
    return code;
}

/*
 * The usage of (account, feature) in [from, to), in buckets of granularity, in time order;
 * buckets without events are left out. SQL sums the events per UTC hour (floored, also before
 * 1970); hours fold into days and months here, as every day and month starts on an hour.
 * OUT buckets (in the arena; NULL when none), n. Errors: ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_sqlite_usage_series(struct ent_store_session *sess, struct ent_arena *a, const char *account_id,
                        const char *feature_id, int64_t from_ms, int64_t to_ms,
                        enum ent_period granularity, struct ent_usage_bucket **buckets, size_t *n)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    *buckets = NULL;
    *n = 0;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "SELECT ts_ms - (((ts_ms % 3600000) + 3600000) % 3600000) AS hour,"
                           " sum(amount) FROM usage_series"
                           " WHERE account_num = " ACCOUNT_NUM " AND feature_num = " FEATURE_NUM
                           " AND ts_ms >= ?3 AND ts_ms < min(?4, " COUNTER_TS ")"
                           " GROUP BY hour ORDER BY hour");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, account_id);
    ent_sqlite_bind_text(st, 2, feature_id);
    sqlite3_bind_int64(st, 3, from_ms);
    sqlite3_bind_int64(st, 4, to_ms);
    return ent_sqlite_series(s, st, granularity, a, buckets, n, "usage series");
}
