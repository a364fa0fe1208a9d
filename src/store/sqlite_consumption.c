/* SPDX-License-Identifier: MIT */
/*
 * sqlite_consumption.c: the consumption of service entitlements on SQLite (schema 0010, issue
 * 17): consumption_events, one row per recorded event with the answer it was given, and
 * entitlements.consumed, their sum per entitlement.
 *
 * This file owns only the SQL. Whether an event may be recorded (a service in force, the cap,
 * the idempotency key's replay) is the service's rule (service/consumption.c), which hands
 * consumption_add the most consumed may reach, inside its write transaction: BEGIN IMMEDIATE
 * serializes writers, so consumed read here stays exact until the commit.
 */
#include "store/sqlite_int.h"
#include "store/store.h"

int
ent_sqlite_consumption_find(struct ent_store_session *sess, struct ent_arena *a,
                            const char *entitlement_id, const char *idempotency_key,
                            struct ent_store_consumption *out)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    sqlite3_stmt *st = ent_sqlite_prep(s, "SELECT " ENT_ROWS_CONSUMPTION_COLUMNS
                                          " FROM consumption_events WHERE entitlement_id = ?1"
                                          " AND idempotency_key = ?2");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, entitlement_id);
    ent_sqlite_bind_text(st, 2, idempotency_key);
    return ent_sqlite_get(s, st, ent_rows_consumption, a, out, "find consumption event");
}

/* The consumed of an entitlement. OUT consumed. Errors: ENT_ENOTFOUND, ENT_ESTORE. */
static int
read_consumed(struct sqlite_session *s, const char *entitlement_id, int64_t *consumed)
{
    sqlite3_stmt *st = ent_sqlite_prep(s, "SELECT consumed FROM entitlements WHERE id = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, entitlement_id);
    int rc = ent_sqlite_step(s, st);
    int code = ENT_OK;
    if (rc == SQLITE_ROW)
        *consumed = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        code = ENT_ENOTFOUND;
    else
        code = ent_sqlite_fail(s, rc, "consumed");
    sqlite3_reset(st);
    return code;
}

/*
 * Adds ev's amount to its entitlement's consumed when the sum stays at or below cap, and inserts
 * the event with the new sum (see store.h). The event's insert comes before the update: when the
 * idempotency key is taken it fails alone (SQLite undoes only the failing statement) and consumed
 * is left as it was, so the caller's transaction stays usable.
 * OUT consumed. Errors: ENT_ELIMIT, ENT_ECONFLICT, ENT_ENOTFOUND, ENT_ESTORE.
 */
int
ent_sqlite_consumption_add(struct ent_store_session *sess, const struct ent_store_consumption *ev,
                           int64_t cap, int64_t *consumed)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    int64_t before = 0, after = 0;
    int code = read_consumed(s, ev->entitlement_id, &before);
    if (code < 0)
        return code;
    *consumed = before;
    if (__builtin_add_overflow(before, ev->amount, &after) || after > cap)
        return ENT_ELIMIT;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "INSERT INTO consumption_events (id, entitlement_id, account_id, amount, ts_ms,"
           " idempotency_key, consumed_after, units, created_ms)"
           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, ev->id);
    ent_sqlite_bind_text(st, 2, ev->entitlement_id);
    ent_sqlite_bind_text(st, 3, ev->account_id);
    sqlite3_bind_int64(st, 4, ev->amount);
    sqlite3_bind_int64(st, 5, ev->ts_ms);
    ent_sqlite_bind_text(st, 6, ev->idempotency_key);
    sqlite3_bind_int64(st, 7, after);
    sqlite3_bind_int64(st, 8, ev->units);
    sqlite3_bind_int64(st, 9, ev->created_ms);
    code = ent_sqlite_exec_done(s, st, "insert consumption event");
    if (code < 0)
        return code;
    st = ent_sqlite_prep(s, "UPDATE entitlements SET consumed = ?2 WHERE id = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, ev->entitlement_id);
    sqlite3_bind_int64(st, 2, after);
    code = ent_sqlite_exec_one(s, st, "add consumed");
    if (code == ENT_OK)
        *consumed = after;
    return code;
}

/*
 * The consumption of an entitlement in [from, to), in buckets of granularity, in time order;
 * buckets without events are left out. SQL sums the events per UTC hour (floored, also before
 * 1970); hours fold into days and months (ent_rows_series_add).
 * OUT buckets (in the arena; NULL when none), n. Errors: ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_sqlite_consumption_series(struct ent_store_session *sess, struct ent_arena *a,
                              const char *entitlement_id, int64_t from_ms, int64_t to_ms,
                              enum ent_period granularity, struct ent_usage_bucket **buckets,
                              size_t *n)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    *buckets = NULL;
    *n = 0;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "SELECT ts_ms - (((ts_ms % 3600000) + 3600000) % 3600000) AS hour,"
                           " sum(amount) FROM consumption_events WHERE entitlement_id = ?1"
                           " AND ts_ms >= ?2 AND ts_ms < ?3 GROUP BY hour ORDER BY hour");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, entitlement_id);
    sqlite3_bind_int64(st, 2, from_ms);
    sqlite3_bind_int64(st, 3, to_ms);
    return ent_sqlite_series(s, st, granularity, a, buckets, n, "consumption series");
}
