/* SPDX-License-Identifier: MIT */
/*
 * pg_webhooks.c: webhook endpoints, the outbox of their messages and the marks of the scheduler
 * of timed events, on PostgreSQL. Several daemons share the outbox: a claim first takes an
 * advisory lock for its transaction, so claims take turns and each sees the leases the one
 * before it committed (a message first in its queue is never taken by two daemons, nor the next
 * one of its queue while it is out), and locks the rows it takes (FOR UPDATE SKIP LOCKED). The
 * scheduler's mark is a row locked FOR UPDATE: one daemon at a time looks for timed events.
 */
#include "store/pg_int.h"
#include "store/store.h"

#define CLAIM_LOCK_KEY "7261706922" /* the advisory lock of outbox claims */

/* See sqlite_webhooks.c. */
#define CLAIMABLE                                                                                  \
    " m.status = 'pending' AND m.next_attempt_ms <= $1"                                            \
    " AND (m.claimed_until_ms IS NULL OR m.claimed_until_ms < $1)"                                 \
    " AND EXISTS (SELECT 1 FROM webhooks w WHERE w.id = m.webhook_id AND w.enabled = 1)"           \
    " AND NOT EXISTS (SELECT 1 FROM webhook_messages p WHERE p.webhook_id = m.webhook_id"          \
    " AND p.account_id = m.account_id AND p.status = 'pending' AND p.seq < m.seq"                  \
    " AND (p.next_attempt_ms > $1 OR p.claimed_until_ms >= $1))"

/* Appends the fields of an endpoint that insert and update share ($1 … $11). */
static int
put_webhook(struct pg_params *p, const struct ent_webhook *w, struct ent_arena *a)
{
    const char *events = ent_rows_webhook_events_text(a, w);
    const char *thresholds = ent_rows_webhook_thresholds_text(a, w);
    if (!events || !thresholds)
        return ENT_ENOMEM;
    ent_pg_p_text(p, w->id);
    ent_pg_p_text(p, w->url);
    ent_pg_p_text(p, w->description);
    ent_pg_p_text(p, events);
    ent_pg_p_id(p, w->account_id);
    ent_pg_p_int(p, w->enabled ? 1 : 0);
    ent_pg_p_text(p, thresholds);
    ent_pg_p_int(p, w->lease_expiring_days);
    ent_pg_p_text(p, w->disabled_reason);
    ent_pg_p_int(p, w->created_ms);
    ent_pg_p_int(p, w->updated_ms);
    return ENT_OK;
}

int
ent_pg_webhook_insert(struct ent_store_session *base, const struct ent_webhook *w,
                      const char *secret_box)
{
    struct ent_arena a;
    ent_arena_init(&a, 0);
    struct pg_params p = {0};
    int rc = put_webhook(&p, w, &a);
    ent_pg_p_text(&p, secret_box);
    if (rc == ENT_OK)
        rc = ent_pg_exec_done(
            (struct pg_session *)base,
            "INSERT INTO webhooks (id, url, description, events, account_id, enabled, thresholds,"
            " lease_expiring_days, disabled_reason, created_ms, updated_ms, secret)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            &p, NULL, "insert webhook");
    ent_arena_cleanup(&a);
    return rc;
}

int
ent_pg_webhook_update(struct ent_store_session *base, const struct ent_webhook *w)
{
    struct ent_arena a;
    ent_arena_init(&a, 0);
    struct pg_params p = {0};
    int rc = put_webhook(&p, w, &a);
    if (rc == ENT_OK)
        rc = ent_pg_exec_one((struct pg_session *)base,
                             "UPDATE webhooks SET url = $2, description = $3, events = $4,"
                             " account_id = $5, enabled = $6, thresholds = $7,"
                             " lease_expiring_days = $8, disabled_reason = $9, updated_ms = $11"
                             " WHERE id = $1 AND $10::bigint IS NOT DISTINCT FROM $10::bigint",
                             &p, "update webhook");
    ent_arena_cleanup(&a);
    return rc;
}

int
ent_pg_webhook_delete(struct ent_store_session *base, const char *id)
{
    struct pg_session *s = (struct pg_session *)base;
    struct pg_params p = {0};
    ent_pg_p_text(&p, id);
    int rc = ent_pg_exec_done(s, "DELETE FROM webhook_messages WHERE webhook_id = $1", &p, NULL,
                              "delete webhook messages");
    if (rc < 0)
        return rc;
    return ent_pg_delete_by_id(s, "DELETE FROM webhooks WHERE id = $1", id, "delete webhook");
}

int
ent_pg_webhook_get(struct ent_store_session *base, struct ent_arena *a, const char *id,
                   struct ent_webhook *out)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, id);
    return ent_pg_get((struct pg_session *)base,
                      "SELECT " ENT_ROWS_WEBHOOK_COLUMNS " FROM webhooks WHERE id = $1", &p,
                      ent_rows_webhook, a, out, "get webhook");
}

int
ent_pg_webhooks_enabled(struct ent_store_session *base, struct ent_arena *a,
                        struct ent_webhook **out, size_t *n)
{
    return ent_pg_get_all(
        (struct pg_session *)base,
        "SELECT " ENT_ROWS_WEBHOOK_COLUMNS " FROM webhooks WHERE enabled = 1 ORDER BY id", NULL,
        ent_rows_webhook, sizeof(**out), a, (void **)out, n, "enabled webhooks");
}

int
ent_pg_webhook_secrets(struct ent_store_session *base, struct ent_arena *a, const char *id,
                       const char **secret_box, const char **old_box, int64_t *old_until_ms)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, id);
    int code;
    PGresult *r =
        ent_pg_exec((struct pg_session *)base,
                    "SELECT secret, old_secret, old_secret_until_ms FROM webhooks WHERE id = $1",
                    &p, &code, "webhook secrets");
    if (!r)
        return code;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return ENT_ENOTFOUND;
    }
    *secret_box = ent_pg_text(a, r, 0, 0);
    *old_box = ent_pg_text(a, r, 0, 1);
    *old_until_ms = ent_pg_null(r, 0, 2) ? ENT_TIME_NONE : ent_pg_int(r, 0, 2);
    PQclear(r);
    return *secret_box ? ENT_OK : ENT_ENOMEM;
}

int
ent_pg_webhook_set_secret(struct ent_store_session *base, const char *id, const char *secret_box,
                          const char *old_box, int64_t old_until_ms, int64_t now_ms)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, id);
    ent_pg_p_text(&p, secret_box);
    ent_pg_p_text(&p, old_box);
    ent_pg_p_time(&p, old_until_ms);
    ent_pg_p_int(&p, now_ms);
    return ent_pg_exec_one((struct pg_session *)base,
                           "UPDATE webhooks SET secret = $2, old_secret = $3,"
                           " old_secret_until_ms = $4, updated_ms = $5 WHERE id = $1",
                           &p, "set webhook secret");
}

int
ent_pg_webhook_health(struct ent_store_session *base, const char *id, bool ok, int64_t now_ms,
                      int64_t *since_ms)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, id);
    ent_pg_p_int(&p, ok ? 1 : 0);
    ent_pg_p_int(&p, now_ms);
    int code;
    PGresult *r = ent_pg_exec((struct pg_session *)base,
                              "UPDATE webhooks SET failing_since_ms = CASE WHEN $2::int = 1 THEN"
                              " NULL ELSE coalesce(failing_since_ms, $3) END WHERE id = $1"
                              " RETURNING failing_since_ms",
                              &p, &code, "webhook health");
    if (!r)
        return code;
    code = ENT_OK;
    if (PQntuples(r) == 0)
        code = ENT_ENOTFOUND;
    else
        *since_ms = ent_pg_null(r, 0, 0) ? ENT_TIME_NONE : ent_pg_int(r, 0, 0);
    PQclear(r);
    return code;
}

int
ent_pg_webhook_message_insert(struct ent_store_session *base, const struct ent_webhook_message *m)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, m->id);
    ent_pg_p_text(&p, m->webhook_id);
    ent_pg_p_text(&p, m->type);
    ent_pg_p_id(&p, m->event_id);
    ent_pg_p_text(&p, m->account_id);
    ent_pg_p_text(&p, m->body);
    ent_pg_p_int(&p, m->next_attempt_ms);
    ent_pg_p_int(&p, m->created_ms);
    return ent_pg_exec_done(
        (struct pg_session *)base,
        "INSERT INTO webhook_messages (id, webhook_id, type, event_id, account_id, body,"
        " status, attempts, next_attempt_ms, created_ms)"
        " VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $8)",
        &p, NULL, "insert webhook message");
}

int
ent_pg_webhook_message_get(struct ent_store_session *base, struct ent_arena *a, const char *id,
                           struct ent_webhook_message *out)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, id);
    return ent_pg_get((struct pg_session *)base,
                      "SELECT " ENT_ROWS_WEBHOOK_MESSAGE_COLUMNS
                      " FROM webhook_messages WHERE id = $1",
                      &p, ent_rows_webhook_message, a, out, "get webhook message");
}

int
ent_pg_webhook_claim(struct ent_store_session *base, struct ent_arena *a, int64_t now_ms,
                     int64_t until_ms, size_t max, struct ent_webhook_message **out, size_t *n)
{
    struct pg_session *s = (struct pg_session *)base;
    int rc = ent_pg_exec_done(s, "SELECT pg_advisory_xact_lock(" CLAIM_LOCK_KEY ")", NULL, NULL,
                              "lock webhook claims");
    if (rc < 0)
        return rc;
    struct pg_params p = {0};
    ent_pg_p_int(&p, now_ms);
    ent_pg_p_int(&p, (int64_t)max);
    ent_pg_p_int(&p, until_ms);
    return ent_pg_get_all(s,
                          "UPDATE webhook_messages SET claimed_until_ms = $3 WHERE seq IN"
                          " (SELECT m.seq FROM webhook_messages m WHERE" CLAIMABLE
                          " ORDER BY m.seq LIMIT $2 FOR UPDATE OF m SKIP LOCKED)"
                          " RETURNING " ENT_ROWS_WEBHOOK_MESSAGE_COLUMNS,
                          &p, ent_rows_webhook_message, sizeof(**out), a, (void **)out, n,
                          "claim webhook messages");
}

int
ent_pg_webhook_attempted(struct ent_store_session *base, const struct ent_webhook_message *m,
                         int64_t until_ms)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, m->id);
    ent_pg_p_text(&p, ent_delivery_status_name(m->status));
    ent_pg_p_int(&p, m->attempts);
    if (m->last_response_code)
        ent_pg_p_int(&p, m->last_response_code);
    else
        ent_pg_p_null(&p);
    ent_pg_p_text(&p, m->last_error);
    ent_pg_p_time(&p, m->last_attempt_ms);
    ent_pg_p_time(&p, m->next_attempt_ms);
    ent_pg_p_time(&p, m->delivered_ms);
    ent_pg_p_int(&p, until_ms);
    return ent_pg_exec_done((struct pg_session *)base,
                            "UPDATE webhook_messages SET status = $2, attempts = $3,"
                            " last_status = $4, last_error = $5, last_attempt_ms = $6,"
                            " next_attempt_ms = $7, delivered_ms = $8, claimed_until_ms = NULL"
                            " WHERE id = $1 AND claimed_until_ms = $9",
                            &p, NULL, "webhook attempt");
}

int
ent_pg_webhook_unclaim(struct ent_store_session *base, const char *id, int64_t until_ms)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, id);
    ent_pg_p_int(&p, until_ms);
    return ent_pg_exec_done((struct pg_session *)base,
                            "UPDATE webhook_messages SET claimed_until_ms = NULL WHERE id = $1"
                            " AND claimed_until_ms = $2",
                            &p, NULL, "unclaim webhook message");
}

int
ent_pg_webhook_resend(struct ent_store_session *base, const char *webhook_id,
                      const char *message_id, int64_t since_ms, const char *after_id,
                      int64_t now_ms, int64_t *n)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, webhook_id);
    ent_pg_p_text(&p, message_id);
    ent_pg_p_time(&p, since_ms);
    ent_pg_p_text(&p, after_id);
    ent_pg_p_int(&p, now_ms);
    int rc = ent_pg_exec_done(
        (struct pg_session *)base,
        "UPDATE webhook_messages SET status = 'pending', attempts = 0, next_attempt_ms = $5,"
        " delivered_ms = NULL, claimed_until_ms = NULL WHERE webhook_id = $1 AND ($2::text IS NULL "
        "OR id = $2::text)"
        " AND ($3::bigint IS NULL OR created_ms >= $3::bigint) AND ($4::text IS NULL OR CASE"
        " WHEN event_id IS NULL THEN id > $4::text ELSE event_id > $4::text END)",
        &p, n, "resend webhook messages");
    if (rc < 0)
        return rc;
    return (message_id && *n == 0) ? ENT_ENOTFOUND : ENT_OK;
}

int
ent_pg_webhook_backlog(struct ent_store_session *base, int64_t *pending, int64_t *oldest_ms)
{
    int code;
    PGresult *r = ent_pg_exec((struct pg_session *)base,
                              "SELECT count(*), min(created_ms) FROM webhook_messages"
                              " WHERE status = 'pending'",
                              NULL, &code, "webhook backlog");
    if (!r)
        return code;
    *pending = ent_pg_int(r, 0, 0);
    *oldest_ms = ent_pg_null(r, 0, 1) ? ENT_TIME_NONE : ent_pg_int(r, 0, 1);
    PQclear(r);
    return ENT_OK;
}

int
ent_pg_webhook_release_claims(struct ent_store_session *base)
{
    (void)base; /* other daemons may hold leases: they run out on their own */
    return ENT_OK;
}

int
ent_pg_webhook_clock_take(struct ent_store_session *base, int64_t now_ms, int64_t *at_ms)
{
    struct pg_session *s = (struct pg_session *)base;
    struct pg_params p = {0};
    ent_pg_p_int(&p, now_ms);
    int rc = ent_pg_exec_done(s,
                              "INSERT INTO webhook_clock (name, at_ms) VALUES ('timed', $1)"
                              " ON CONFLICT (name) DO NOTHING",
                              &p, NULL, "webhook clock");
    if (rc < 0)
        return rc;
    int code;
    PGresult *r = ent_pg_exec(s, "SELECT at_ms FROM webhook_clock WHERE name = 'timed' FOR UPDATE",
                              NULL, &code, "webhook clock");
    if (!r)
        return code;
    code = PQntuples(r) == 1 ? ENT_OK : ENT_ESTORE;
    if (code == ENT_OK)
        *at_ms = ent_pg_int(r, 0, 0);
    PQclear(r);
    return code;
}

int
ent_pg_webhook_clock_set(struct ent_store_session *base, int64_t at_ms)
{
    struct pg_params p = {0};
    ent_pg_p_int(&p, at_ms);
    return ent_pg_exec_done((struct pg_session *)base,
                            "UPDATE webhook_clock SET at_ms = $1 WHERE name = 'timed'", &p, NULL,
                            "webhook clock");
}

int
ent_pg_timed_entitlements(struct ent_store_session *base, struct ent_arena *a, int64_t from_ms,
                          int64_t to_ms, bool ends, struct ent_entitlement **out, size_t *n)
{
    struct pg_params p = {0};
    ent_pg_p_int(&p, from_ms);
    ent_pg_p_int(&p, to_ms);
    const char *sql = ends ? "SELECT " ENT_ROWS_ENTITLEMENT_COLUMNS ENT_ROWS_ENTITLEMENT_FROM
                             " WHERE e.status = 'active' AND e.end_ms > $1 AND e.end_ms <= $2"
                             " ORDER BY e.end_ms, e.seq"
                           : "SELECT " ENT_ROWS_ENTITLEMENT_COLUMNS ENT_ROWS_ENTITLEMENT_FROM
                             " WHERE e.status = 'active' AND e.start_ms > $1 AND"
                             " e.start_ms <= $2 AND e.start_ms > e.created_ms"
                             " ORDER BY e.start_ms, e.seq";
    return ent_pg_get_all((struct pg_session *)base, sql, &p, ent_rows_entitlement, sizeof(**out),
                          a, (void **)out, n, "timed entitlements");
}

int
ent_pg_timed_leases(struct ent_store_session *base, struct ent_arena *a, int64_t from_ms,
                    int64_t to_ms, int64_t lead_ms, struct ent_lease **out, size_t *n)
{
    struct pg_params p = {0};
    ent_pg_p_int(&p, from_ms + lead_ms); /* the moment is lead_ms before the end */
    ent_pg_p_int(&p, to_ms + lead_ms);
    return ent_pg_get_all((struct pg_session *)base,
                          "SELECT " ENT_ROWS_LEASE_COLUMNS ENT_ROWS_LEASE_FROM
                          " WHERE l.valid_until > $1 AND l.valid_until <= $2"
                          " ORDER BY l.valid_until",
                          &p, ent_rows_lease, sizeof(**out), a, (void **)out, n, "timed leases");
}

int
ent_pg_timed_activations(struct ent_store_session *base, struct ent_arena *a, int64_t from_ms,
                         int64_t to_ms, struct ent_activation **out, size_t *n)
{
    struct pg_params p = {0};
    ent_pg_p_int(&p, from_ms);
    ent_pg_p_int(&p, to_ms);
    return ent_pg_get_all((struct pg_session *)base,
                          "SELECT " ENT_ROWS_ACTIVATION_COLUMNS ENT_ROWS_ACTIVATION_FROM
                          " WHERE a.deactivated_ms IS NULL AND a.ttl_seconds IS NOT NULL"
                          " AND a.last_heartbeat_ms + a.ttl_seconds * 1000 > $1"
                          " AND a.last_heartbeat_ms + a.ttl_seconds * 1000 <= $2"
                          " ORDER BY a.created_ms",
                          &p, ent_rows_activation, sizeof(**out), a, (void **)out, n,
                          "timed activations");
}

int
ent_pg_webhook_window_crossed(struct ent_store_session *base, const char *account_id,
                              const char *feature_id, int64_t start_ms, int64_t end_ms,
                              int threshold)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, account_id);
    ent_pg_p_text(&p, feature_id);
    ent_pg_p_int(&p, start_ms);
    ent_pg_p_int(&p, end_ms);
    ent_pg_p_int(&p, threshold);
    return ent_pg_exec_done((struct pg_session *)base,
                            "INSERT INTO webhook_windows (account_id, feature_id, window_start_ms,"
                            " window_end_ms, threshold) VALUES ($1, $2, $3, $4, $5)"
                            " ON CONFLICT (account_id, feature_id, window_start_ms) DO UPDATE SET"
                            " threshold = GREATEST(webhook_windows.threshold, excluded.threshold)",
                            &p, NULL, "webhook window");
}

int
ent_pg_webhook_windows_ended(struct ent_store_session *base, struct ent_arena *a, int64_t from_ms,
                             int64_t to_ms, struct ent_store_window **out, size_t *n)
{
    struct pg_params p = {0};
    ent_pg_p_int(&p, from_ms);
    ent_pg_p_int(&p, to_ms);
    return ent_pg_get_all((struct pg_session *)base,
                          "SELECT " ENT_ROWS_WINDOW_COLUMNS " FROM webhook_windows"
                          " WHERE window_end_ms > $1 AND window_end_ms <= $2"
                          " ORDER BY window_end_ms",
                          &p, ent_rows_window, sizeof(**out), a, (void **)out, n,
                          "ended webhook windows");
}
