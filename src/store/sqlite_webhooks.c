/* SPDX-License-Identifier: MIT */
/*
 * sqlite_webhooks.c: webhook endpoints, the outbox of their messages and the marks of the
 * scheduler of timed events (tables webhooks, webhook_messages, webhook_clock, webhook_windows),
 * on SQLite. One daemon uses an SQLite store, and its write transactions take turns (BEGIN
 * IMMEDIATE), so a claim needs no lock of its own.
 */
#include "store/sqlite_int.h"
#include "store/store.h"

/* The condition under which a pending message may be sent: due, not leased, and first in its
 * (endpoint, account) queue but for messages that are themselves due and not leased. */
#define CLAIMABLE                                                                                  \
    " m.status = 'pending' AND m.next_attempt_ms <= ?1"                                            \
    " AND (m.claimed_until_ms IS NULL OR m.claimed_until_ms < ?1)"                                 \
    " AND EXISTS (SELECT 1 FROM webhooks w WHERE w.id = m.webhook_id AND w.enabled = 1)"           \
    " AND NOT EXISTS (SELECT 1 FROM webhook_messages p WHERE p.webhook_id = m.webhook_id"          \
    " AND p.account_id = m.account_id AND p.status = 'pending' AND p.seq < m.seq"                  \
    " AND (p.next_attempt_ms > ?1 OR p.claimed_until_ms >= ?1))"

/* Binds the fields of an endpoint that insert and update share (?1 … ?11). */
static int
bind_webhook(struct sqlite_session *s, sqlite3_stmt *st, const struct ent_webhook *w,
             struct ent_arena *a)
{
    (void)s;
    const char *events = ent_rows_webhook_events_text(a, w);
    const char *thresholds = ent_rows_webhook_thresholds_text(a, w);
    if (!events || !thresholds)
        return ENT_ENOMEM;
    ent_sqlite_bind_text(st, 1, w->id);
    ent_sqlite_bind_text(st, 2, w->url);
    ent_sqlite_bind_text(st, 3, w->description);
    sqlite3_bind_text(st, 4, events, -1, SQLITE_TRANSIENT);
    ent_sqlite_bind_text(st, 5, ent_sqlite_opt_id(w->account_id));
    sqlite3_bind_int(st, 6, w->enabled ? 1 : 0);
    sqlite3_bind_text(st, 7, thresholds, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 8, w->lease_expiring_days);
    ent_sqlite_bind_text(st, 9, w->disabled_reason);
    sqlite3_bind_int64(st, 10, w->created_ms);
    sqlite3_bind_int64(st, 11, w->updated_ms);
    return ENT_OK;
}

int
ent_sqlite_webhook_insert(struct ent_store_session *base, const struct ent_webhook *w,
                          const char *secret_box)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "INSERT INTO webhooks (id, url, description, events, account_id, enabled, thresholds,"
           " lease_expiring_days, disabled_reason, created_ms, updated_ms, secret)"
           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    if (!st)
        return ENT_ESTORE;
    struct ent_arena a;
    ent_arena_init(&a, 0);
    int rc = bind_webhook(s, st, w, &a);
    ent_sqlite_bind_text(st, 12, secret_box);
    if (rc == ENT_OK)
        rc = ent_sqlite_exec_done(s, st, "insert webhook");
    sqlite3_reset(st);
    ent_arena_cleanup(&a);
    return rc;
}

int
ent_sqlite_webhook_update(struct ent_store_session *base, const struct ent_webhook *w)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "UPDATE webhooks SET url = ?2, description = ?3, events = ?4, account_id = ?5,"
           " enabled = ?6, thresholds = ?7, lease_expiring_days = ?8, disabled_reason = ?9,"
           " updated_ms = ?11 WHERE id = ?1 AND ?10 IS ?10");
    if (!st)
        return ENT_ESTORE;
    struct ent_arena a;
    ent_arena_init(&a, 0);
    int rc = bind_webhook(s, st, w, &a);
    if (rc == ENT_OK)
        rc = ent_sqlite_exec_one(s, st, "update webhook");
    sqlite3_reset(st);
    ent_arena_cleanup(&a);
    return rc;
}

int
ent_sqlite_webhook_delete(struct ent_store_session *base, const char *id)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "DELETE FROM webhook_messages WHERE webhook_id = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id);
    int rc = ent_sqlite_exec_done(s, st, "delete webhook messages");
    if (rc < 0)
        return rc;
    st = ent_sqlite_prep(s, "DELETE FROM webhooks WHERE id = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id);
    return ent_sqlite_exec_one(s, st, "delete webhook");
}

int
ent_sqlite_webhook_get(struct ent_store_session *base, struct ent_arena *a, const char *id,
                       struct ent_webhook *out)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "SELECT " ENT_ROWS_WEBHOOK_COLUMNS " FROM webhooks WHERE id = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id);
    return ent_sqlite_get(s, st, ent_rows_webhook, a, out, "get webhook");
}

int
ent_sqlite_webhooks_enabled(struct ent_store_session *base, struct ent_arena *a,
                            struct ent_webhook **out, size_t *n)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "SELECT " ENT_ROWS_WEBHOOK_COLUMNS
                                          ", (SELECT count(*) FROM webhooks WHERE enabled = 1)"
                                          " FROM webhooks WHERE enabled = 1 ORDER BY id");
    if (!st)
        return ENT_ESTORE;
    return ent_sqlite_get_all(s, st, 11, ent_rows_webhook, sizeof(**out), a, (void **)out, n,
                              "enabled webhooks");
}

int
ent_sqlite_webhook_secrets(struct ent_store_session *base, struct ent_arena *a, const char *id,
                           const char **secret_box, const char **old_box, int64_t *old_until_ms)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "SELECT secret, old_secret, old_secret_until_ms FROM webhooks WHERE id = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id);
    int rc = ent_sqlite_step(s, st);
    int code = ENT_OK;
    if (rc == SQLITE_ROW) {
        *secret_box = ent_sqlite_col_text(a, st, 0);
        *old_box = ent_sqlite_col_text(a, st, 1);
        *old_until_ms =
            sqlite3_column_type(st, 2) == SQLITE_NULL ? ENT_TIME_NONE : sqlite3_column_int64(st, 2);
        code = *secret_box ? ENT_OK : ENT_ENOMEM;
    } else {
        code = rc == SQLITE_DONE ? ENT_ENOTFOUND : ent_sqlite_fail(s, rc, "webhook secrets");
    }
    sqlite3_reset(st);
    return code;
}

int
ent_sqlite_webhook_set_secret(struct ent_store_session *base, const char *id,
                              const char *secret_box, const char *old_box, int64_t old_until_ms,
                              int64_t now_ms)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "UPDATE webhooks SET secret = ?2, old_secret = ?3,"
                           " old_secret_until_ms = ?4, updated_ms = ?5 WHERE id = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id);
    ent_sqlite_bind_text(st, 2, secret_box);
    ent_sqlite_bind_text(st, 3, old_box);
    ent_sqlite_bind_time(st, 4, old_until_ms);
    sqlite3_bind_int64(st, 5, now_ms);
    return ent_sqlite_exec_one(s, st, "set webhook secret");
}

int
ent_sqlite_webhook_health(struct ent_store_session *base, const char *id, bool ok, int64_t now_ms,
                          int64_t *since_ms)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "UPDATE webhooks SET failing_since_ms = CASE WHEN ?2 THEN NULL"
           " ELSE coalesce(failing_since_ms, ?3) END WHERE id = ?1 RETURNING failing_since_ms");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id);
    sqlite3_bind_int(st, 2, ok ? 1 : 0);
    sqlite3_bind_int64(st, 3, now_ms);
    int rc = ent_sqlite_step(s, st);
    int code = ENT_OK;
    if (rc == SQLITE_ROW)
        *since_ms =
            sqlite3_column_type(st, 0) == SQLITE_NULL ? ENT_TIME_NONE : sqlite3_column_int64(st, 0);
    else
        code = rc == SQLITE_DONE ? ENT_ENOTFOUND : ent_sqlite_fail(s, rc, "webhook health");
    sqlite3_reset(st);
    return code;
}

int
ent_sqlite_webhook_message_insert(struct ent_store_session *base,
                                  const struct ent_webhook_message *m)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "INSERT INTO webhook_messages (id, webhook_id, type, event_id, account_id, body,"
           " status, attempts, next_attempt_ms, created_ms)"
           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?8)");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, m->id);
    ent_sqlite_bind_text(st, 2, m->webhook_id);
    ent_sqlite_bind_text(st, 3, m->type);
    ent_sqlite_bind_text(st, 4, ent_sqlite_opt_id(m->event_id));
    ent_sqlite_bind_text(st, 5, m->account_id);
    ent_sqlite_bind_text(st, 6, m->body);
    sqlite3_bind_int64(st, 7, m->next_attempt_ms);
    sqlite3_bind_int64(st, 8, m->created_ms);
    return ent_sqlite_exec_done(s, st, "insert webhook message");
}

int
ent_sqlite_webhook_message_get(struct ent_store_session *base, struct ent_arena *a, const char *id,
                               struct ent_webhook_message *out)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "SELECT " ENT_ROWS_WEBHOOK_MESSAGE_COLUMNS
                                          " FROM webhook_messages WHERE id = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id);
    return ent_sqlite_get(s, st, ent_rows_webhook_message, a, out, "get webhook message");
}

int
ent_sqlite_webhook_claim(struct ent_store_session *base, struct ent_arena *a, int64_t now_ms,
                         int64_t until_ms, size_t max, struct ent_webhook_message **out, size_t *n)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "UPDATE webhook_messages SET claimed_until_ms = ?3 WHERE seq IN (SELECT m.seq FROM"
           " webhook_messages m WHERE" CLAIMABLE " ORDER BY m.seq LIMIT ?2)"
           " RETURNING " ENT_ROWS_WEBHOOK_MESSAGE_COLUMNS);
    if (!st)
        return ENT_ESTORE;
    sqlite3_bind_int64(st, 1, now_ms);
    sqlite3_bind_int64(st, 2, (int64_t)max);
    sqlite3_bind_int64(st, 3, until_ms);
    struct ent_webhook_message *list = ent_arena_calloc(a, max ? max : 1, sizeof(*list));
    if (!list)
        return ENT_ENOMEM;
    int rc, code = ENT_OK;
    size_t count = 0;
    while ((rc = ent_sqlite_step(s, st)) == SQLITE_ROW) {
        if (count < max && code == ENT_OK)
            code = ent_sqlite_read_row(st, ent_rows_webhook_message, a, &list[count++]);
    }
    if (rc != SQLITE_DONE && code == ENT_OK)
        code = ent_sqlite_fail(s, rc, "claim webhook messages");
    sqlite3_reset(st);
    if (code < 0)
        return code;
    *out = list;
    *n = count;
    return ENT_OK;
}

int
ent_sqlite_webhook_attempted(struct ent_store_session *base, const struct ent_webhook_message *m,
                             int64_t until_ms)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "UPDATE webhook_messages SET status = ?2, attempts = ?3, last_status = ?4,"
           " last_error = ?5, last_attempt_ms = ?6, next_attempt_ms = ?7, delivered_ms = ?8,"
           " claimed_until_ms = NULL WHERE id = ?1 AND claimed_until_ms = ?9");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, m->id);
    sqlite3_bind_int64(st, 9, until_ms);
    ent_sqlite_bind_text(st, 2, ent_delivery_status_name(m->status));
    sqlite3_bind_int64(st, 3, m->attempts);
    if (m->last_response_code)
        sqlite3_bind_int(st, 4, m->last_response_code);
    else
        sqlite3_bind_null(st, 4);
    ent_sqlite_bind_text(st, 5, m->last_error);
    ent_sqlite_bind_time(st, 6, m->last_attempt_ms);
    ent_sqlite_bind_time(st, 7, m->next_attempt_ms);
    ent_sqlite_bind_time(st, 8, m->delivered_ms);
    return ent_sqlite_exec_done(s, st, "webhook attempt");
}

int
ent_sqlite_webhook_unclaim(struct ent_store_session *base, const char *id, int64_t until_ms)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "UPDATE webhook_messages SET claimed_until_ms = NULL"
                                          " WHERE id = ?1 AND claimed_until_ms = ?2");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id);
    sqlite3_bind_int64(st, 2, until_ms);
    return ent_sqlite_exec_done(s, st, "unclaim webhook message");
}

int
ent_sqlite_webhook_resend(struct ent_store_session *base, const char *webhook_id,
                          const char *message_id, int64_t since_ms, const char *after_id,
                          int64_t now_ms, int64_t *n)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "UPDATE webhook_messages SET status = 'pending', attempts = 0, next_attempt_ms = ?5,"
           " delivered_ms = NULL, claimed_until_ms = NULL WHERE webhook_id = ?1 AND (?2 IS NULL OR "
           "id = ?2)"
           " AND (?3 IS NULL OR created_ms >= ?3) AND (?4 IS NULL OR CASE WHEN event_id IS NULL"
           " THEN id > ?4 ELSE event_id > ?4 END)");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, webhook_id);
    ent_sqlite_bind_text(st, 2, message_id);
    ent_sqlite_bind_time(st, 3, since_ms);
    ent_sqlite_bind_text(st, 4, after_id);
    sqlite3_bind_int64(st, 5, now_ms);
    int rc = ent_sqlite_exec_done(s, st, "resend webhook messages");
    if (rc < 0)
        return rc;
    *n = sqlite3_changes(s->db);
    return (message_id && *n == 0) ? ENT_ENOTFOUND : ENT_OK;
}

int
ent_sqlite_webhook_backlog(struct ent_store_session *base, int64_t *pending, int64_t *oldest_ms)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "SELECT count(*), min(created_ms) FROM webhook_messages"
                                          " WHERE status = 'pending'");
    if (!st)
        return ENT_ESTORE;
    int rc = ent_sqlite_step(s, st);
    int code = ENT_OK;
    if (rc == SQLITE_ROW) {
        *pending = sqlite3_column_int64(st, 0);
        *oldest_ms =
            sqlite3_column_type(st, 1) == SQLITE_NULL ? ENT_TIME_NONE : sqlite3_column_int64(st, 1);
    } else {
        code = ent_sqlite_fail(s, rc, "webhook backlog");
    }
    sqlite3_reset(st);
    return code;
}

int
ent_sqlite_webhook_release_claims(struct ent_store_session *base)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "UPDATE webhook_messages SET claimed_until_ms = NULL"
                                          " WHERE claimed_until_ms IS NOT NULL");
    if (!st)
        return ENT_ESTORE;
    return ent_sqlite_exec_done(s, st, "release webhook claims");
}

int
ent_sqlite_webhook_clock_take(struct ent_store_session *base, int64_t now_ms, int64_t *at_ms)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "INSERT INTO webhook_clock (name, at_ms) VALUES"
                                          " ('timed', ?1) ON CONFLICT (name) DO NOTHING");
    if (!st)
        return ENT_ESTORE;
    sqlite3_bind_int64(st, 1, now_ms);
    int rc = ent_sqlite_exec_done(s, st, "webhook clock");
    if (rc < 0)
        return rc;
    st = ent_sqlite_prep(s, "SELECT at_ms FROM webhook_clock WHERE name = 'timed'");
    if (!st)
        return ENT_ESTORE;
    rc = ent_sqlite_step(s, st);
    int code = ENT_OK;
    if (rc == SQLITE_ROW)
        *at_ms = sqlite3_column_int64(st, 0);
    else
        code = ent_sqlite_fail(s, rc, "webhook clock");
    sqlite3_reset(st);
    return code;
}

int
ent_sqlite_webhook_clock_set(struct ent_store_session *base, int64_t at_ms)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "UPDATE webhook_clock SET at_ms = ?1 WHERE name = 'timed'");
    if (!st)
        return ENT_ESTORE;
    sqlite3_bind_int64(st, 1, at_ms);
    return ent_sqlite_exec_done(s, st, "webhook clock");
}

int
ent_sqlite_timed_entitlements(struct ent_store_session *base, struct ent_arena *a, int64_t from_ms,
                              int64_t to_ms, bool ends, struct ent_entitlement **out, size_t *n)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ends
            ? ent_sqlite_prep(s, "SELECT " ENT_ROWS_ENTITLEMENT_COLUMNS ", (SELECT count(*) FROM"
                                 " entitlements WHERE status = 'active' AND end_ms > ?1 AND"
                                 " end_ms <= ?2)" ENT_ROWS_ENTITLEMENT_FROM
                                 " WHERE e.status = 'active' AND e.end_ms > ?1 AND e.end_ms <= ?2"
                                 " ORDER BY e.end_ms, e.seq")
            : ent_sqlite_prep(s,
                              "SELECT " ENT_ROWS_ENTITLEMENT_COLUMNS ", (SELECT count(*) FROM"
                              " entitlements WHERE status = 'active' AND start_ms > ?1 AND"
                              " start_ms <= ?2 AND start_ms > created_ms)" ENT_ROWS_ENTITLEMENT_FROM
                              " WHERE e.status = 'active' AND e.start_ms > ?1 AND"
                              " e.start_ms <= ?2 AND e.start_ms > e.created_ms"
                              " ORDER BY e.start_ms, e.seq");
    if (!st)
        return ENT_ESTORE;
    sqlite3_bind_int64(st, 1, from_ms);
    sqlite3_bind_int64(st, 2, to_ms);
    return ent_sqlite_get_all(s, st, ENT_ROWS_ENTITLEMENT_WIDTH, ent_rows_entitlement,
                              sizeof(**out), a, (void **)out, n, "timed entitlements");
}

int
ent_sqlite_timed_leases(struct ent_store_session *base, struct ent_arena *a, int64_t from_ms,
                        int64_t to_ms, int64_t lead_ms, struct ent_lease **out, size_t *n)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "SELECT " ENT_ROWS_LEASE_COLUMNS ", (SELECT count(*) FROM leases WHERE"
           " valid_until > ?1 AND valid_until <= ?2)" ENT_ROWS_LEASE_FROM
           " WHERE l.valid_until > ?1 AND l.valid_until <= ?2 ORDER BY l.valid_until");
    if (!st)
        return ENT_ESTORE;
    sqlite3_bind_int64(st, 1, from_ms + lead_ms); /* the moment is lead_ms before the end */
    sqlite3_bind_int64(st, 2, to_ms + lead_ms);
    return ent_sqlite_get_all(s, st, 12, ent_rows_lease, sizeof(**out), a, (void **)out, n,
                              "timed leases");
}

int
ent_sqlite_timed_activations(struct ent_store_session *base, struct ent_arena *a, int64_t from_ms,
                             int64_t to_ms, struct ent_activation **out, size_t *n)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "SELECT " ENT_ROWS_ACTIVATION_COLUMNS ", (SELECT count(*) FROM activations WHERE"
           " deactivated_ms IS NULL AND ttl_seconds IS NOT NULL AND last_heartbeat_ms +"
           " ttl_seconds * 1000 > ?1 AND last_heartbeat_ms + ttl_seconds * 1000 <= "
           "?2)" ENT_ROWS_ACTIVATION_FROM
           " WHERE a.deactivated_ms IS NULL AND a.ttl_seconds IS NOT NULL"
           " AND a.last_heartbeat_ms + a.ttl_seconds * 1000 > ?1"
           " AND a.last_heartbeat_ms + a.ttl_seconds * 1000 <= ?2 ORDER BY a.created_ms");
    if (!st)
        return ENT_ESTORE;
    sqlite3_bind_int64(st, 1, from_ms);
    sqlite3_bind_int64(st, 2, to_ms);
    return ent_sqlite_get_all(s, st, 14, ent_rows_activation, sizeof(**out), a, (void **)out, n,
                              "timed activations");
}

int
ent_sqlite_webhook_window_crossed(struct ent_store_session *base, const char *account_id,
                                  const char *feature_id, int64_t start_ms, int64_t end_ms,
                                  int threshold)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "INSERT INTO webhook_windows (account_id, feature_id, window_start_ms, window_end_ms,"
           " threshold) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (account_id, feature_id,"
           " window_start_ms) DO UPDATE SET threshold = max(threshold, excluded.threshold)");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, account_id);
    ent_sqlite_bind_text(st, 2, feature_id);
    sqlite3_bind_int64(st, 3, start_ms);
    sqlite3_bind_int64(st, 4, end_ms);
    sqlite3_bind_int(st, 5, threshold);
    return ent_sqlite_exec_done(s, st, "webhook window");
}

int
ent_sqlite_webhook_windows_ended(struct ent_store_session *base, struct ent_arena *a,
                                 int64_t from_ms, int64_t to_ms, struct ent_store_window **out,
                                 size_t *n)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "SELECT " ENT_ROWS_WINDOW_COLUMNS ", (SELECT count(*) FROM webhook_windows WHERE"
           " window_end_ms > ?1 AND window_end_ms <= ?2) FROM webhook_windows"
           " WHERE window_end_ms > ?1 AND window_end_ms <= ?2 ORDER BY window_end_ms");
    if (!st)
        return ENT_ESTORE;
    sqlite3_bind_int64(st, 1, from_ms);
    sqlite3_bind_int64(st, 2, to_ms);
    return ent_sqlite_get_all(s, st, 5, ent_rows_window, sizeof(**out), a, (void **)out, n,
                              "ended webhook windows");
}
