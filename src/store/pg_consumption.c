/* SPDX-License-Identifier: MIT */
/*
 * pg_consumption.c: the consumption of service entitlements on PostgreSQL (schema 0008, issue
 * 17): consumption_events, one row per recorded event with the answer it was given, and
 * entitlements.consumed, their sum per entitlement.
 *
 * This file owns only the SQL. Whether an event may be recorded is the service's rule
 * (service/consumption.c), which hands consumption_add the most consumed may reach. Several
 * daemons may draw on one entitlement at once at READ COMMITTED, so the cap is enforced by the
 * database itself: one conditional UPDATE (`… WHERE consumed <= cap - amount RETURNING
 * consumed`), which PostgreSQL re-checks on the latest row version after waiting for a
 * concurrent writer. An idempotency key taken concurrently is caught by the unique index with ON
 * CONFLICT DO NOTHING, which leaves the transaction usable; the amount is then taken back.
 */
#include "store/pg_int.h"
#include "store/store.h"

int
ent_pg_consumption_find(struct ent_store_session *sess, struct ent_arena *a,
                        const char *entitlement_id, const char *idempotency_key,
                        struct ent_store_consumption *out)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, entitlement_id);
    ent_pg_p_text(&p, idempotency_key);
    return ent_pg_get((struct pg_session *)sess,
                      "SELECT " ENT_ROWS_CONSUMPTION_COLUMNS " FROM consumption_events"
                      " WHERE entitlement_id = $1 AND idempotency_key = $2",
                      &p, ent_rows_consumption, a, out, "find consumption event");
}

/*
 * Adds ev's amount to its entitlement's consumed when the sum stays at or below cap, then inserts
 * the event with the new sum (see store.h); a taken idempotency key takes the amount back.
 * OUT consumed. Errors: ENT_ELIMIT, ENT_ECONFLICT, ENT_ENOTFOUND, ENT_EBUSY, ENT_ESTORE.
 */
int
ent_pg_consumption_add(struct ent_store_session *sess, const struct ent_store_consumption *ev,
                       int64_t cap, int64_t *consumed)
{
    struct pg_session *s = (struct pg_session *)sess;
    struct pg_params add = {0};
    ent_pg_p_text(&add, ev->entitlement_id);
    ent_pg_p_int(&add, ev->amount);
    ent_pg_p_int(&add, cap);
    int code;
    PGresult *r = ent_pg_exec(s,
                              "UPDATE entitlements SET consumed = consumed + $2 WHERE id = $1"
                              " AND consumed <= $3::bigint - $2::bigint RETURNING consumed",
                              &add, &code, "add consumed");
    if (!r)
        return code;
    bool added = PQntuples(r) == 1;
    if (added)
        *consumed = ent_pg_int(r, 0, 0);
    PQclear(r);
    if (!added) { /* past the cap, or no such entitlement */
        struct pg_params one = {0};
        ent_pg_p_text(&one, ev->entitlement_id);
        r = ent_pg_exec(s, "SELECT consumed FROM entitlements WHERE id = $1", &one, &code,
                        "consumed");
        if (!r)
            return code;
        bool found = PQntuples(r) == 1;
        *consumed = found ? ent_pg_int(r, 0, 0) : 0;
        PQclear(r);
        return found ? ENT_ELIMIT : ENT_ENOTFOUND;
    }
    struct pg_params p = {0};
    ent_pg_p_text(&p, ev->id);
    ent_pg_p_text(&p, ev->entitlement_id);
    ent_pg_p_text(&p, ev->account_id);
    ent_pg_p_int(&p, ev->amount);
    ent_pg_p_int(&p, ev->ts_ms);
    ent_pg_p_text(&p, ev->idempotency_key);
    ent_pg_p_int(&p, *consumed);
    ent_pg_p_int(&p, ev->units);
    ent_pg_p_int(&p, ev->created_ms);
    int64_t inserted = 0;
    code = ent_pg_exec_done(s,
                            "INSERT INTO consumption_events (id, entitlement_id, account_id,"
                            " amount, ts_ms, idempotency_key, consumed_after, units, created_ms)"
                            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                            " ON CONFLICT (entitlement_id, idempotency_key)"
                            " WHERE idempotency_key IS NOT NULL DO NOTHING",
                            &p, &inserted, "insert consumption event");
    if (code < 0)
        return code;
    if (inserted == 1)
        return ENT_OK;
    add.n = 2; /* the same entitlement and amount, without the cap */
    code = ent_pg_exec_done(s, "UPDATE entitlements SET consumed = consumed - $2 WHERE id = $1",
                            &add, NULL, "take back consumed");
    return code < 0 ? code : ENT_ECONFLICT;
}

/*
 * The consumption of an entitlement in [from, to), in buckets of granularity, in time order;
 * buckets without events are left out (see sqlite_consumption.c).
 * OUT buckets (in the arena; NULL when none), n. Errors: ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_pg_consumption_series(struct ent_store_session *sess, struct ent_arena *a,
                          const char *entitlement_id, int64_t from_ms, int64_t to_ms,
                          enum ent_period granularity, struct ent_usage_bucket **buckets, size_t *n)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, entitlement_id);
    ent_pg_p_int(&p, from_ms);
    ent_pg_p_int(&p, to_ms);
    return ent_pg_series((struct pg_session *)sess,
                         "SELECT ts_ms - (((ts_ms % 3600000) + 3600000) % 3600000) AS hour,"
                         " sum(amount) FROM consumption_events WHERE entitlement_id = $1"
                         " AND ts_ms >= $2 AND ts_ms < $3 GROUP BY hour ORDER BY hour",
                         &p, granularity, a, buckets, n, "consumption series");
}
