/* SPDX-License-Identifier: MIT */
/*
 * pg_stmt.c: the statement helpers of the PostgreSQL backend: parameters, fields, result codes,
 * connecting and reconnecting, prepared statements, one-count and id-list queries, the account
 * lock.
 *
 * Every statement is sent with text parameters whose types the server infers from the SQL, and
 * read back as text. Each connection prepares a static statement once (PQprepare), keyed by the
 * address of its SQL text.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "core/alloc.h"
#include "store/migrations.h"
#include "store/pg_int.h"
#include "store/store.h"

#define RECONNECT_TRIES 5

/* The settings every connection runs first. */
static const char session_setup[] = "SET statement_timeout = 10000; SET lock_timeout = 5000;"
                                    " SET application_name = 'entitled';"
                                    " SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC';"
                                    " SET client_min_messages = warning";

/* ------------------------------------------------------------------------------------------ */
/* Parameters and fields                                                                       */
/* ------------------------------------------------------------------------------------------ */

void
ent_pg_p_text(struct pg_params *p, const char *v)
{
    p->values[p->n] = v;
    p->lengths[p->n] = 0;
    p->formats[p->n] = 0;
    p->n++;
}

void
ent_pg_p_int(struct pg_params *p, int64_t v)
{
    snprintf(p->nums[p->n], sizeof(p->nums[0]), "%" PRId64, v);
    ent_pg_p_text(p, p->nums[p->n]);
}

void
ent_pg_p_null(struct pg_params *p)
{
    ent_pg_p_text(p, NULL);
}

void
ent_pg_p_bytes(struct pg_params *p, const void *v, size_t len)
{
    p->values[p->n] = v;
    p->lengths[p->n] = (int)len;
    p->formats[p->n] = 1;
    p->n++;
}

void
ent_pg_p_time(struct pg_params *p, int64_t ms)
{
    if (ms == ENT_TIME_NONE)
        ent_pg_p_null(p);
    else
        ent_pg_p_int(p, ms);
}

void
ent_pg_p_id(struct pg_params *p, const char *id)
{
    ent_pg_p_text(p, (id && id[0]) ? id : NULL);
}

const char *
ent_pg_raw(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

const char *
ent_pg_text(struct ent_arena *a, const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    return ent_arena_strndup(a, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
}

int64_t
ent_pg_int(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return 0;
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

bool
ent_pg_null(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) != 0;
}

void
ent_pg_id(const PGresult *r, int row, int col, char *out)
{
    const char *v = ent_pg_raw(r, row, col);
    snprintf(out, 37, "%s", v ? v : "");
}

/* ------------------------------------------------------------------------------------------ */
/* Statements, codes and reconnection                                                          */
/* ------------------------------------------------------------------------------------------ */

/* Sleeps ms milliseconds. */
void
ent_pg_sleep_ms(int64_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        continue;
}

/*
 * Maps a failed result to the store's codes by its SQLSTATE: unique violations are conflicts;
 * lock and statement timeouts, serialization failures and deadlocks are "busy".
 */
int
ent_pg_map_result(const PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (!state)
        return ENT_ESTORE;
    if (strcmp(state, "23505") == 0)
        return ENT_ECONFLICT;
    if (strcmp(state, "55P03") == 0 || strcmp(state, "57014") == 0 || strcmp(state, "40001") == 0 ||
        strcmp(state, "40P01") == 0)
        return ENT_EBUSY;
    if (strcmp(state, "53200") == 0)
        return ENT_ENOMEM;
    return ENT_ESTORE;
}

/* Runs the session settings on a fresh connection. Returns whether they took. */
static bool
setup_connection(PGconn *conn)
{
    PGresult *r = PQexec(conn, session_setup);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        ent_store_log(ENT_LOG_ERROR, "postgresql: session settings: %s", PQerrorMessage(conn));
    PQclear(r);
    return ok;
}

/* Logs a message the server sends outside a result (a notice, a connection's end). */
static void
log_notice(void *arg, const char *message)
{
    ent_store_log(ENT_LOG_ERROR, "postgresql: %s", message);
}

/* Opens a connection to url with the session settings; NULL (logged) when it fails. */
PGconn *
ent_pg_connect(const char *url, bool quiet)
{
    /* Defaults the URL may override (it comes later): a bounded connect, and dead peers found
     * within seconds (keepalives, unacknowledged writes), so that a listener on a half-open
     * connection notices that it is deaf. */
    static const char *const keywords[] = {"connect_timeout",
                                           "keepalives_idle",
                                           "keepalives_interval",
                                           "keepalives_count",
                                           "tcp_user_timeout",
                                           "dbname",
                                           NULL};
    const char *values[] = {"5", "10", "5", "3", "10000", url, NULL};
    PGconn *conn = PQconnectdbParams(keywords, values, 1);
    if (!conn)
        return NULL;
    if (PQstatus(conn) != CONNECTION_OK) {
        if (!quiet)
            ent_store_log(ENT_LOG_ERROR, "postgresql: cannot connect: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    PQsetNoticeProcessor(conn, log_notice, NULL);
    if (!setup_connection(conn)) {
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

/*
 * Reconnects a session whose connection was lost: PQreset a few times with an exponential
 * delay. The statements it had prepared are gone with the connection, and so is any open
 * transaction. Returns whether the session is connected again.
 */
static bool
reconnect(struct pg_session *s)
{
    s->n_cached = 0;
    s->in_tx = false;
    int64_t delay = RECONNECT_FIRST_DELAY_MS;
    for (int i = 0; i < RECONNECT_TRIES; i++) {
        PQreset(s->conn);
        if (PQstatus(s->conn) == CONNECTION_OK && setup_connection(s->conn)) {
            ent_store_log(ENT_LOG_WARN, "postgresql: reconnected\n");
            return true;
        }
        ent_pg_sleep_ms(delay);
        delay *= 2;
    }
    ent_store_log(ENT_LOG_ERROR, "postgresql: cannot reconnect: %s", PQerrorMessage(s->conn));
    return false;
}

/* The name of the statement prepared for sql on this connection, preparing it on first use;
 * NULL when the cache is full (the statement then runs unnamed). OUT code on failure. */
static const char *
prepared_name(struct pg_session *s, const char *sql, int *code, bool *failed)
{
    *failed = false;
    for (size_t i = 0; i < s->n_cached; i++) {
        if (s->cache[i].sql == sql)
            return s->cache[i].name;
    }
    if (s->n_cached == PG_STMT_CACHE)
        return NULL;
    struct pg_cached *c = &s->cache[s->n_cached];
    snprintf(c->name, sizeof(c->name), "e%zu", s->n_cached);
    PGresult *r = PQprepare(s->conn, c->name, sql, 0, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        *code = ent_pg_map_result(r);
        *failed = true;
        if (PQstatus(s->conn) != CONNECTION_BAD)
            ent_store_log(ENT_LOG_ERROR, "postgresql: prepare: %s", PQerrorMessage(s->conn));
        PQclear(r);
        return NULL;
    }
    PQclear(r);
    c->sql = sql;
    s->n_cached++;
    return c->name;
}

/* Sends one statement once: prepared (static SQL) or not (dynamic). */
static PGresult *
send_once(struct pg_session *s, const char *sql, const struct pg_params *p, bool prepare, int *code)
{
    int n = p ? p->n : 0;
    const char *const *values = p ? p->values : NULL;
    const int *lengths = p ? p->lengths : NULL;
    const int *formats = p ? p->formats : NULL;
    atomic_fetch_add(&s->base.store->stats.calls, 1);
    if (prepare) {
        bool failed = false;
        const char *name = prepared_name(s, sql, code, &failed);
        if (failed)
            return NULL;
        if (name)
            return PQexecPrepared(s->conn, name, n, values, lengths, formats, 0);
    }
    return PQexecParams(s->conn, sql, n, NULL, values, lengths, formats, 0);
}

/* Runs a statement with the reconnect-and-retry policy (see pg_int.h). */
static PGresult *
run(struct pg_session *s, const char *sql, const struct pg_params *p, bool prepare, int *code,
    const char *what)
{
    *code = ENT_OK;
    if (s->in_tx && s->tx_error < 0) {
        *code = s->tx_error; /* the transaction is aborted already: no statement can run */
        return NULL;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        int prep_code = ENT_OK;
        PGresult *r = send_once(s, sql, p, prepare, &prep_code);
        ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
            return r;
        if (PQstatus(s->conn) == CONNECTION_BAD) {
            PQclear(r);
            bool was_in_tx = s->in_tx;
            if (!reconnect(s) || was_in_tx) {
                *code = ENT_ESTORE;
                if (was_in_tx)
                    s->tx_error = ENT_ESTORE;
                return NULL;
            }
            continue; /* outside a transaction: the statement runs again, once */
        }
        *code = r ? ent_pg_map_result(r) : prep_code;
        if (*code == ENT_ESTORE || *code == ENT_ENOMEM)
            ent_store_log(ENT_LOG_ERROR, "postgresql: %s: %s", what,
                          r ? PQresultErrorMessage(r) : PQerrorMessage(s->conn));
        PQclear(r);
        if (s->in_tx)
            s->tx_error = *code;
        return NULL;
    }
    *code = ENT_ESTORE;
    return NULL;
}

PGresult *
ent_pg_exec(struct pg_session *s, const char *sql, const struct pg_params *p, int *code,
            const char *what)
{
    return run(s, sql, p, true, code, what);
}

PGresult *
ent_pg_exec_dynamic(struct pg_session *s, const char *sql, const struct pg_params *p, int *code,
                    const char *what)
{
    return run(s, sql, p, false, code, what);
}

int
ent_pg_exec_done(struct pg_session *s, const char *sql, const struct pg_params *p, int64_t *changed,
                 const char *what)
{
    int code;
    PGresult *r = ent_pg_exec(s, sql, p, &code, what);
    if (!r)
        return code;
    if (changed)
        *changed = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return ENT_OK;
}

int
ent_pg_count_query(struct pg_session *s, const char *sql, const char *param, int64_t *n)
{
    struct pg_params p = {0};
    if (param)
        ent_pg_p_text(&p, param);
    int code;
    PGresult *r = ent_pg_exec(s, sql, &p, &code, "count");
    if (!r)
        return code;
    *n = PQntuples(r) > 0 ? ent_pg_int(r, 0, 0) : 0;
    PQclear(r);
    return ENT_OK;
}

int
ent_pg_id_query(struct pg_session *s, struct ent_arena *a, const char *sql, const char *param,
                char (**ids)[37], size_t *n)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, param);
    int code;
    PGresult *r = ent_pg_exec(s, sql, &p, &code, "ids");
    if (!r)
        return code;
    int rows = PQntuples(r);
    char(*out)[37] = ent_arena_alloc(a, (size_t)(rows ? rows : 1) * 37);
    if (!out) {
        PQclear(r);
        return ENT_ENOMEM;
    }
    for (int i = 0; i < rows; i++)
        ent_pg_id(r, i, 0, out[i]);
    PQclear(r);
    *ids = out;
    *n = (size_t)rows;
    return ENT_OK;
}

/* Locks the parent row of a limit's scope; see pg_int.h. */
int
ent_pg_lock_account(struct pg_session *s, const char *account_id, const char *entitlement_id)
{
    if (!s->in_tx || !s->write_tx)
        return ENT_OK;
    bool by_account = account_id && account_id[0];
    const char *id = by_account ? account_id : entitlement_id;
    if (!id || !id[0] || strcmp(s->locked_account, id) == 0)
        return ENT_OK;
    struct pg_params p = {0};
    ent_pg_p_text(&p, id);
    int code;
    PGresult *r = by_account
                      ? ent_pg_exec(s, "SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE", &p,
                                    &code, "lock account")
                      : ent_pg_exec(s, "SELECT 1 FROM entitlements WHERE id = $1 FOR NO KEY UPDATE",
                                    &p, &code, "lock entitlement");
    if (!r)
        return code;
    PQclear(r);
    snprintf(s->locked_account, sizeof(s->locked_account), "%s", id);
    return ENT_OK;
}

int
ent_pg_exec_one(struct pg_session *s, const char *sql, const struct pg_params *p, const char *what)
{
    int64_t changed = 0;
    int code = ent_pg_exec_done(s, sql, p, &changed, what);
    if (code == ENT_OK && changed == 0)
        return ENT_ENOTFOUND;
    return code;
}

int
ent_pg_delete_by_id(struct pg_session *s, const char *sql, const char *id, const char *what)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, id);
    return ent_pg_exec_one(s, sql, &p, what);
}

/* ------------------------------------------------------------------------------------------ */
/* Rows                                                                                        */
/* ------------------------------------------------------------------------------------------ */

static const char *
row_text(const struct ent_store_row *r, int col)
{
    return ent_pg_raw(r->result, r->index, col);
}

static int64_t
row_integer(const struct ent_store_row *r, int col)
{
    return ent_pg_int(r->result, r->index, col);
}

static const struct ent_store_row_ops row_ops = {.text = row_text, .integer = row_integer};

int
ent_pg_get(struct pg_session *s, const char *sql, const struct pg_params *p, ent_rows_read_fn read,
           struct ent_arena *a, void *out, const char *what)
{
    int code;
    PGresult *r = ent_pg_exec(s, sql, p, &code, what);
    if (!r)
        return code;
    struct ent_store_row row = {.ops = &row_ops, .result = r, .index = 0};
    code = PQntuples(r) == 0 ? ENT_ENOTFOUND : read(&row, a, out);
    PQclear(r);
    return code;
}

int
ent_pg_get_all(struct pg_session *s, const char *sql, const struct pg_params *p,
               ent_rows_read_fn read, size_t size, struct ent_arena *a, void **items, size_t *n,
               const char *what)
{
    *items = NULL;
    *n = 0;
    int code;
    PGresult *r = ent_pg_exec(s, sql, p, &code, what);
    if (!r)
        return code;
    int rows = PQntuples(r);
    char *list = NULL;
    if (rows > 0) {
        list = ent_arena_calloc(a, (size_t)rows, size);
        if (!list) {
            PQclear(r);
            return ENT_ENOMEM;
        }
    }
    size_t count = 0;
    code = ENT_OK;
    for (int i = 0; code == ENT_OK && i < rows; i++) {
        struct ent_store_row row = {.ops = &row_ops, .result = r, .index = i};
        code = read(&row, a, list + size * count++);
    }
    PQclear(r);
    *items = list;
    *n = count;
    return code;
}

int
ent_pg_series(struct pg_session *s, const char *sql, const struct pg_params *p,
              enum ent_period granularity, struct ent_arena *a, struct ent_usage_bucket **buckets,
              size_t *n, const char *what)
{
    *buckets = NULL;
    *n = 0;
    int code;
    PGresult *r = ent_pg_exec(s, sql, p, &code, what);
    if (!r)
        return code;
    size_t cap = 0;
    bool oom = false;
    int rows = PQntuples(r);
    for (int i = 0; !oom && i < rows; i++) {
        int64_t hour = ent_pg_int(r, i, 0);
        oom = !ent_rows_series_add(a, granularity, hour, ent_pg_int(r, i, 1), buckets, n, &cap);
    }
    PQclear(r);
    return oom ? ENT_ENOMEM : ENT_OK;
}
