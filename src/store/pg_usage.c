/* SPDX-License-Identifier: MIT */
/*
 * pg_usage.c: the usage tables of the PostgreSQL backend (schema 0003): usage_events, one row
 * per recorded event with the answer it was given, and usage_counters, the usage per (account,
 * feature, reset window) that limits are checked against and evaluation reads.
 *
 * This file owns only the SQL. Whether an event may be recorded is the service's rule
 * (service/usage.c), which hands usage_add the most the counter may reach. Several daemons may
 * record for one account at once at READ COMMITTED, so the limit is enforced by the database
 * itself: one conditional UPDATE of the counter row (`… WHERE used <= cap - amount RETURNING
 * used`), which PostgreSQL re-checks on the latest row version after waiting for a concurrent
 * writer, so no interleaving takes the counter past cap. An idempotency key taken concurrently
 * is caught by the unique index with ON CONFLICT DO NOTHING, which leaves the transaction
 * usable (as SQLite fails the one statement).
 */
#include <string.h>

#include "core/window.h"
#include "store/pg_int.h"
#include "store/store.h"

/*
 * Reads the event an account recorded under an idempotency key.
 * OUT out: the event and its answer (the idempotency key in the arena).
 * Errors: ENT_ENOTFOUND, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_pg_usage_find(struct ent_store_session *sess, struct ent_arena *a, const char *account_id,
                  const char *idempotency_key, struct ent_store_usage *out)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, account_id);
    ent_pg_p_text(&p, idempotency_key);
    return ent_pg_get((struct pg_session *)sess,
                      "SELECT " ENT_ROWS_USAGE_EVENT_COLUMNS
                      " FROM usage_events WHERE account_id = $1 AND idempotency_key = $2",
                      &p, ent_rows_usage_event, a, out, "find usage event");
}

/*
 * The counter row of (account, feature, window_start_ms). OUT used (0 without a row), found.
 * Errors: ENT_ESTORE.
 *
 * Not through ent_pg_get on purpose: here no row is an answer (nothing used yet in the
 * window), not an absent object. Read as ENT_ENOTFOUND, an account's first event in a window
 * answers 404 "no account" (the isolation matrix's set-up fails at its first usage event).
 */
static int
read_counter(struct pg_session *s, const char *account_id, const char *feature_id,
             int64_t window_start_ms, int64_t *used, bool *found)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, account_id);
    ent_pg_p_text(&p, feature_id);
    ent_pg_p_int(&p, window_start_ms);
    int code;
    PGresult *r = ent_pg_exec(s,
                              "SELECT used FROM usage_counters WHERE account_id = $1"
                              " AND feature_id = $2 AND window_start_ms = $3",
                              &p, &code, "usage counter");
    if (!r)
        return code;
    *found = PQntuples(r) > 0;
    *used = *found ? ent_pg_int(r, 0, 0) : 0;
    PQclear(r);
    return ENT_OK;
}

/*
 * The usage of (account, feature) in the window starting at window_start_ms; 0 for a window
 * without events. OUT used. Errors: ENT_ESTORE.
 */
int
ent_pg_usage_counter(struct ent_store_session *sess, const char *account_id, const char *feature_id,
                     int64_t window_start_ms, int64_t *used)
{
    bool found;
    return read_counter((struct pg_session *)sess, account_id, feature_id, window_start_ms, used,
                        &found);
}

/*
 * Adds ev's amount to its window's counter when the sum stays at or below cap, then inserts
 * the event with the new sum as its usage_after (see store.h). The counter row is made first
 * (ON CONFLICT DO NOTHING), so that the conditional update always has a row to hold; when the
 * event's idempotency key turns out to be taken, the amount is taken back off the counter (its
 * row is still this transaction's) and nothing is left changed. The row is made only for an
 * account and a feature that are there: without one, nothing is written (ENT_ENOTFOUND) and
 * the transaction stays usable, as on SQLite.
 * OUT used. Errors: ENT_ELIMIT, ENT_ECONFLICT, ENT_ENOTFOUND, ENT_EBUSY, ENT_ESTORE.
 */
int
ent_pg_usage_add(struct ent_store_session *sess, const struct ent_store_usage *ev, int64_t cap,
                 int64_t *used)
{
    struct pg_session *s = (struct pg_session *)sess;
    struct pg_params key = {0};
    ent_pg_p_text(&key, ev->account_id);
    ent_pg_p_text(&key, ev->feature_id);
    ent_pg_p_int(&key, ev->window_start_ms);
    int code = ent_pg_exec_done(s,
                                "INSERT INTO usage_counters (account_id, feature_id,"
                                " window_start_ms, used) SELECT $1::text, $2::text, $3::bigint, 0"
                                " WHERE EXISTS (SELECT 1 FROM accounts WHERE id = $1::text)"
                                " AND EXISTS (SELECT 1 FROM features WHERE id = $2::text)"
                                " ON CONFLICT (account_id, feature_id, window_start_ms)"
                                " DO NOTHING",
                                &key, NULL, "make usage counter");
    if (code < 0)
        return code;
    struct pg_params add = {0};
    ent_pg_p_text(&add, ev->account_id);
    ent_pg_p_text(&add, ev->feature_id);
    ent_pg_p_int(&add, ev->window_start_ms);
    ent_pg_p_int(&add, ev->amount);
    ent_pg_p_int(&add, cap);
    PGresult *r = ent_pg_exec(s,
                              "UPDATE usage_counters SET used = used + $4"
                              " WHERE account_id = $1 AND feature_id = $2"
                              " AND window_start_ms = $3 AND used <= $5::bigint - $4::bigint"
                              " RETURNING used",
                              &add, &code, "add usage counter");
    if (!r)
        return code;
    bool added = PQntuples(r) == 1;
    if (added)
        *used = ent_pg_int(r, 0, 0);
    PQclear(r);
    if (!added) { /* past the cap, or no counter row: no such account or feature */
        bool counted = false;
        code = read_counter(s, ev->account_id, ev->feature_id, ev->window_start_ms, used, &counted);
        return code < 0 ? code : counted ? ENT_ELIMIT : ENT_ENOTFOUND;
    }
    struct pg_params p = {0};
    ent_pg_p_text(&p, ev->id);
    ent_pg_p_text(&p, ev->account_id);
    ent_pg_p_text(&p, ev->feature_id);
    ent_pg_p_int(&p, ev->amount);
    ent_pg_p_int(&p, ev->ts_ms);
    ent_pg_p_text(&p, ev->idempotency_key);
    ent_pg_p_int(&p, ev->window_start_ms);
    ent_pg_p_int(&p, ev->window_end_ms);
    ent_pg_p_int(&p, *used);
    if (ev->limit >= 0)
        ent_pg_p_int(&p, ev->limit);
    else
        ent_pg_p_null(&p);
    ent_pg_p_int(&p, ev->created_ms);
    int64_t inserted = 0;
    code = ent_pg_exec_done(
        s,
        "INSERT INTO usage_events (id, account_id, feature_id, amount, ts_ms, idempotency_key,"
        " window_start_ms, window_end_ms, usage_after, limit_value, created_ms)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        " ON CONFLICT (account_id, idempotency_key) WHERE idempotency_key IS NOT NULL"
        " DO NOTHING",
        &p, &inserted, "insert usage event");
    if (code < 0)
        return code;
    if (inserted == 1)
        return ENT_OK;
    add.n = 4; /* the same key and amount, without the cap */
    code = ent_pg_exec_done(s,
                            "UPDATE usage_counters SET used = used - $4"
                            " WHERE account_id = $1 AND feature_id = $2 AND window_start_ms = $3",
                            &add, NULL, "take back usage counter");
    return code < 0 ? code : ENT_ECONFLICT;
}

/*
 * The usage of (account, feature) in [from, to), in buckets of granularity, in time order;
 * buckets without events are left out. SQL sums the events per UTC hour (floored, also before
 * 1970); hours fold into days and months here, as every day and month starts on an hour.
 * OUT buckets (in the arena; NULL when none), n. Errors: ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_pg_usage_series(struct ent_store_session *sess, struct ent_arena *a, const char *account_id,
                    const char *feature_id, int64_t from_ms, int64_t to_ms,
                    enum ent_period granularity, struct ent_usage_bucket **buckets, size_t *n)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, account_id);
    ent_pg_p_text(&p, feature_id);
    ent_pg_p_int(&p, from_ms);
    ent_pg_p_int(&p, to_ms);
    return ent_pg_series((struct pg_session *)sess,
                         "SELECT ts_ms - (((ts_ms % 3600000) + 3600000) % 3600000) AS hour,"
                         " sum(amount) FROM usage_events"
                         " WHERE account_id = $1 AND feature_id = $2 AND ts_ms >= $3"
                         " AND ts_ms < $4 GROUP BY hour ORDER BY hour",
                         &p, granularity, a, buckets, n, "usage series");
}
