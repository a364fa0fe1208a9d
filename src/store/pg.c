/* SPDX-License-Identifier: MIT */
/*
 * pg.c: the PostgreSQL backend of the store interface (store.h), on libpq.
 *
 * Several `entitled` daemons may share one database. The store is a pool of connections (one
 * per worker thread in practice), each with statement_timeout, lock_timeout and
 * application_name set, its statements prepared once and kept by the address of their SQL text.
 * A lost connection is reconnected with backoff; outside a transaction its statement is retried
 * once. Transactions run at READ COMMITTED: what a limit depends on is made exact by row locks
 * (ent_pg_lock_account, the order row) and conditional updates (pg_usage.c), never by a
 * database-wide lock. Migrations run at open inside transactions holding an advisory lock, so
 * daemons starting together apply each exactly once.
 *
 * The store keeps the offset of the database's clock to the wall clock (now_ms), and a listener
 * thread with its own connection (LISTEN entitled) that tells the service which cached data the
 * other daemons' commits made stale; it re-measures the clock offset every few seconds.
 *
 * THREAD SAFETY: the pool is guarded by store->lock; a session is used by one thread at a time,
 * between acquire and release; the clock offset and counters are atomics; the listener owns its
 * connection.
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

#define ACQUIRE_TIMEOUT_MS 10000
#define RECONNECT_TRIES 5
#define RECONNECT_FIRST_DELAY_MS 50
#define LISTEN_MAX_DELAY_MS 5000
#define CLOCK_REFRESH_MS 5000
#define MIGRATION_LOCK_KEY "7261706921" /* the advisory lock of migrations */
#define NOTIFY_CHANNEL "entitled"
#define NOTIFY_CATALOG "catalog"
#define NOTIFY_ACCOUNT "account:"
#define NOTIFY_KEY "key:"
#define NOTIFY_USAGE "usage:"

/* The settings every connection runs first. */
static const char session_setup[] = "SET statement_timeout = 10000; SET lock_timeout = 5000;"
                                    " SET application_name = 'entitled';"
                                    " SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC';"
                                    " SET client_min_messages = warning";

struct pg_store {
    struct ent_store base;
    char url[4096];
    pthread_mutex_t lock;
    pthread_cond_t available;
    struct pg_session *free_list;
    struct pg_session **all; /* every session open, for close; max places, NULL when free */
    unsigned n_open;         /* sessions open or being opened */
    unsigned max;
    atomic_int_fast64_t clock_offset_ms; /* database clock minus wall clock */
    /* The listener thread. */
    bool listening;
    pthread_t listener;
    int stop_pipe[2];
    void (*on_change)(void *arg, enum ent_store_change what, const char *id);
    void *on_change_arg;
};

static const struct ent_store_ops pg_ops;

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
ent_pg_p_end(struct pg_params *p, bool permanent, int64_t end_ms)
{
    if (permanent || end_ms == 0)
        ent_pg_p_null(p);
    else
        ent_pg_p_int(p, end_ms);
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
static void
sleep_ms(int64_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        continue;
}

/*
 * Maps a failed result to the store's codes by its SQLSTATE: unique violations are conflicts;
 * lock and statement timeouts, serialization failures and deadlocks are "busy".
 */
static int
map_result(const PGresult *r)
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
        fprintf(stderr, "entitled: postgresql: session settings: %s", PQerrorMessage(conn));
    PQclear(r);
    return ok;
}

/* Logs a message the server sends outside a result (a notice, a connection's end). */
static void
log_notice(void *arg, const char *message)
{
    fprintf(stderr, "entitled: postgresql: %s", message);
}

/* Opens a connection to url with the session settings; NULL (logged) when it fails. */
static PGconn *
connect_url(const char *url, bool quiet)
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
            fprintf(stderr, "entitled: postgresql: cannot connect: %s", PQerrorMessage(conn));
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
            fprintf(stderr, "entitled: postgresql: reconnected\n");
            return true;
        }
        sleep_ms(delay);
        delay *= 2;
    }
    fprintf(stderr, "entitled: postgresql: cannot reconnect: %s", PQerrorMessage(s->conn));
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
        *code = map_result(r);
        *failed = true;
        if (PQstatus(s->conn) != CONNECTION_BAD)
            fprintf(stderr, "entitled: postgresql: prepare: %s", PQerrorMessage(s->conn));
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
        *code = r ? map_result(r) : prep_code;
        if (*code == ENT_ESTORE || *code == ENT_ENOMEM)
            fprintf(stderr, "entitled: postgresql: %s: %s", what,
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

/* ------------------------------------------------------------------------------------------ */
/* The clock                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/*
 * Measures the offset of the database's clock (clock_timestamp()) to the wall clock on conn,
 * taking the middle of the round trip as the moment the database read its clock, and stores
 * it. Returns whether the query ran.
 */
static bool
measure_clock(struct pg_store *st, PGconn *conn)
{
    int64_t t0 = ent_store_wall_ms();
    PGresult *r =
        PQexec(conn, "SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint");
    int64_t t1 = ent_store_wall_ms();
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    if (ok) {
        int64_t db = ent_pg_int(r, 0, 0);
        atomic_store(&st->clock_offset_ms, db - (t0 + (t1 - t0) / 2));
    }
    PQclear(r);
    return ok;
}

static int64_t
pg_now_ms(struct ent_store *base)
{
    struct pg_store *st = (struct pg_store *)base;
    return ent_store_wall_ms() + atomic_load(&st->clock_offset_ms);
}

/* ------------------------------------------------------------------------------------------ */
/* Pool, transactions, migrations                                                              */
/* ------------------------------------------------------------------------------------------ */

/* Opens one connection with the store's settings. OUT session (heap). */
static int
open_session(struct pg_store *st, struct pg_session **out)
{
    struct pg_session *s = ent_calloc(1, sizeof(*s));
    if (!s)
        return ENT_ENOMEM;
    s->base.ops = &pg_ops;
    s->base.store = &st->base;
    s->conn = connect_url(st->url, false);
    if (!s->conn) {
        ent_free(s);
        return ENT_ESTORE;
    }
    *out = s;
    return ENT_OK;
}

/* Closes a session's connection (its prepared statements go with it). */
static void
close_session(struct pg_session *s)
{
    PQfinish(s->conn);
    ent_free(s);
}

/* Runs a script (several statements, no parameters) on conn. Returns the store's code. */
static int
exec_script(PGconn *conn, const char *sql, const char *what)
{
    PGresult *r = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(r);
    int code = ENT_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        code = map_result(r);
        fprintf(stderr, "entitled: postgresql: %s: %s", what, PQerrorMessage(conn));
    }
    PQclear(r);
    return code;
}

static int
pg_schema_version(struct ent_store_session *base, int *version)
{
    struct pg_session *s = (struct pg_session *)base;
    int code;
    PGresult *r = ent_pg_exec(s, "SELECT coalesce(max(version), 0) FROM schema_migrations", NULL,
                              &code, "schema version");
    *version = 0;
    if (!r)
        return code;
    *version = (int)ent_pg_int(r, 0, 0);
    PQclear(r);
    return ENT_OK;
}

/*
 * Applies the migrations the database has not seen, each in its own transaction that first
 * takes the migrations' advisory lock, so that daemons starting at once take turns and each
 * migration runs exactly once.
 */
static int
migrate(PGconn *conn)
{
    static const char prologue[] =
        "BEGIN; SELECT pg_advisory_xact_lock(" MIGRATION_LOCK_KEY ");"
        " CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY,"
        " name TEXT NOT NULL, applied_ms BIGINT NOT NULL)";
    for (const struct ent_migration *m = ent_pg_migrations; m->version; m++) {
        int code = exec_script(conn, prologue, "migration lock");
        int have = 0;
        if (code == ENT_OK) {
            PGresult *r = PQexec(conn, "SELECT coalesce(max(version), 0) FROM schema_migrations");
            if (PQresultStatus(r) == PGRES_TUPLES_OK)
                have = (int)ent_pg_int(r, 0, 0);
            else
                code = ENT_ESTORE;
            PQclear(r);
        }
        if (code == ENT_OK && have < m->version) {
            code = exec_script(conn, m->sql, m->name);
            if (code == ENT_OK) {
                char sql[256];
                snprintf(sql, sizeof(sql),
                         "INSERT INTO schema_migrations VALUES (%d, '%s',"
                         " floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint)",
                         m->version, m->name);
                code = exec_script(conn, sql, "record migration");
            }
        }
        if (code < 0) {
            exec_script(conn, "ROLLBACK", "rollback migration");
            fprintf(stderr, "entitled: migration %s failed\n", m->name);
            return code;
        }
        code = exec_script(conn, "COMMIT", "commit migration");
        if (code < 0)
            return code;
    }
    return ENT_OK;
}

int
ent_store_pg_open(const char *url, unsigned connections, struct ent_store **out,
                  struct ent_error *err)
{
    if (strlen(url) >= sizeof(((struct pg_store *)0)->url))
        return ent_error_set(err, ENT_EINVAL, "store URL: too long");
    if (!PQisthreadsafe())
        return ent_error_set(err, ENT_ESTORE, "libpq was built without thread support");
    struct pg_store *st = ent_calloc(1, sizeof(*st));
    if (!st)
        return ENT_ENOMEM;
    st->all = ent_calloc(connections, sizeof(*st->all));
    if (!st->all) {
        ent_free(st);
        return ENT_ENOMEM;
    }
    st->base.ops = &pg_ops;
    snprintf(st->url, sizeof(st->url), "%s", url);
    st->max = connections;
    st->stop_pipe[0] = st->stop_pipe[1] = -1;
    atomic_init(&st->clock_offset_ms, 0);
    pthread_mutex_init(&st->lock, NULL);
    pthread_condattr_t cond_attr;
    pthread_condattr_init(&cond_attr);
    pthread_condattr_setclock(&cond_attr, CLOCK_MONOTONIC);
    pthread_cond_init(&st->available, &cond_attr);
    pthread_condattr_destroy(&cond_attr);
    struct pg_session *first = NULL;
    int code = open_session(st, &first);
    if (code == ENT_OK)
        code = migrate(first->conn);
    if (code == ENT_OK && !measure_clock(st, first->conn))
        code = ENT_ESTORE;
    if (code < 0) {
        if (first)
            close_session(first);
        pthread_cond_destroy(&st->available);
        pthread_mutex_destroy(&st->lock);
        ent_free(st->all);
        ent_free(st);
        return ent_error_set(err, code == ENT_ENOMEM ? ENT_ENOMEM : ENT_ESTORE,
                             "cannot open the PostgreSQL store");
    }
    st->all[0] = first;
    st->n_open = 1;
    st->free_list = first;
    *out = &st->base;
    return ENT_OK;
}

/* Stops the listener thread, if it runs. */
static void
stop_listener(struct pg_store *st)
{
    if (!st->listening)
        return;
    ssize_t w = write(st->stop_pipe[1], "x", 1);
    (void)w;
    pthread_join(st->listener, NULL);
    close(st->stop_pipe[0]);
    close(st->stop_pipe[1]);
    st->listening = false;
}

static void
pg_close(struct ent_store *base)
{
    struct pg_store *st = (struct pg_store *)base;
    stop_listener(st);
    for (unsigned i = 0; i < st->max; i++) {
        if (st->all[i])
            close_session(st->all[i]);
    }
    pthread_cond_destroy(&st->available);
    pthread_mutex_destroy(&st->lock);
    ent_free(st->all);
    ent_free(st);
}

static int
pg_acquire(struct ent_store *base, struct ent_store_session **out)
{
    struct pg_store *st = (struct pg_store *)base;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += ACQUIRE_TIMEOUT_MS / 1000;
    pthread_mutex_lock(&st->lock);
    while (!st->free_list && st->n_open == st->max) {
        /* Every session is in use: wait for one, but not forever. */
        if (pthread_cond_timedwait(&st->available, &st->lock, &deadline) == ETIMEDOUT &&
            !st->free_list && st->n_open == st->max) {
            pthread_mutex_unlock(&st->lock);
            return ENT_EBUSY;
        }
    }
    struct pg_session *s = st->free_list;
    if (s) {
        st->free_list = s->next_free;
        pthread_mutex_unlock(&st->lock);
        *out = &s->base;
        return ENT_OK;
    }
    st->n_open++; /* reserve a place, then connect outside the lock */
    pthread_mutex_unlock(&st->lock);
    int code = open_session(st, &s);
    pthread_mutex_lock(&st->lock);
    if (code < 0) {
        st->n_open--;
        pthread_cond_signal(&st->available);
    } else {
        unsigned slot = 0;
        while (st->all[slot]) /* n_open <= max places, so a free one exists */
            slot++;
        st->all[slot] = s;
    }
    pthread_mutex_unlock(&st->lock);
    if (code < 0)
        return code;
    *out = &s->base;
    return ENT_OK;
}

static void
pg_release(struct ent_store_session *base)
{
    struct pg_session *s = (struct pg_session *)base;
    struct pg_store *st = (struct pg_store *)base->store;
    if (s->in_tx) { /* a transaction left open is never committed */
        exec_script(s->conn, "ROLLBACK", "rollback");
        s->in_tx = false;
    }
    pthread_mutex_lock(&st->lock);
    s->next_free = st->free_list;
    st->free_list = s;
    pthread_cond_signal(&st->available);
    pthread_mutex_unlock(&st->lock);
}

static int
pg_begin(struct ent_store_session *base, bool write)
{
    struct pg_session *s = (struct pg_session *)base;
    s->in_tx = false;
    int code = ent_pg_exec_done(s, "BEGIN", NULL, NULL, "begin");
    if (code < 0)
        return code;
    s->in_tx = true;
    s->write_tx = write;
    s->tx_error = ENT_OK;
    s->locked_account[0] = '\0';
    return ENT_OK;
}

static int
pg_commit(struct ent_store_session *base)
{
    struct pg_session *s = (struct pg_session *)base;
    int code = s->tx_error;
    if (code == ENT_OK) {
        s->tx_error = ENT_OK;
        PGresult *r = ent_pg_exec(s, "COMMIT", NULL, &code, "commit");
        /* COMMIT of a transaction that failed answers ROLLBACK. */
        if (r && strcmp(PQcmdStatus(r), "COMMIT") != 0)
            code = ENT_ESTORE;
        PQclear(r);
    }
    if (code < 0) {
        if (PQtransactionStatus(s->conn) != PQTRANS_IDLE)
            exec_script(s->conn, "ROLLBACK", "rollback");
        s->in_tx = false;
        atomic_fetch_add(&base->store->stats.rollbacks, 1);
        return code;
    }
    s->in_tx = false;
    atomic_fetch_add(&base->store->stats.commits, 1);
    return ENT_OK;
}

static void
pg_rollback(struct ent_store_session *base)
{
    struct pg_session *s = (struct pg_session *)base;
    if (!s->in_tx)
        return;
    atomic_fetch_add(&base->store->stats.calls, 1);
    exec_script(s->conn, "ROLLBACK", "rollback");
    s->in_tx = false;
    atomic_fetch_add(&base->store->stats.rollbacks, 1);
}

static int
pg_ping(struct ent_store_session *base)
{
    int64_t n = 0;
    return ent_pg_count_query((struct pg_session *)base, "SELECT 1", NULL, &n);
}

/* ------------------------------------------------------------------------------------------ */
/* Announcements and the listener                                                              */
/* ------------------------------------------------------------------------------------------ */

/*
 * Announces a change with pg_notify in the open transaction (see store.h). The payload names
 * it: "account:<id>", "usage:<id>", "key:<id>" or "catalog".
 */
static int
pg_announce(struct ent_store_session *base, enum ent_store_change what, const char *id)
{
    char payload[16 + ENT_STORE_ANNOUNCE_MAX];
    if (id && strlen(id) > ENT_STORE_ANNOUNCE_MAX)
        return ENT_EINTERNAL;
    if (what == ENT_STORE_CHANGE_ACCOUNT && id)
        snprintf(payload, sizeof(payload), NOTIFY_ACCOUNT "%s", id);
    else if (what == ENT_STORE_CHANGE_USAGE && id)
        snprintf(payload, sizeof(payload), NOTIFY_USAGE "%s", id);
    else if (what == ENT_STORE_CHANGE_KEY && id)
        snprintf(payload, sizeof(payload), NOTIFY_KEY "%s", id);
    else
        snprintf(payload, sizeof(payload), NOTIFY_CATALOG);
    struct pg_params p = {0};
    ent_pg_p_text(&p, payload);
    int code;
    PGresult *r = ent_pg_exec((struct pg_session *)base,
                              "SELECT pg_notify('" NOTIFY_CHANNEL "', $1)", &p, &code, "notify");
    PQclear(r);
    return r ? ENT_OK : code;
}

/* Opens the listener's connection and runs LISTEN; NULL when either fails. */
static PGconn *
listen_connect(struct pg_store *st)
{
    PGconn *conn = connect_url(st->url, true);
    if (!conn)
        return NULL;
    PGresult *r = PQexec(conn, "LISTEN " NOTIFY_CHANNEL);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok || !measure_clock(st, conn)) {
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

/* Hands every queued notification of conn to the service; unknown payloads drop everything. */
static void
deliver_notifications(struct pg_store *st, PGconn *conn)
{
    PGnotify *n;
    while ((n = PQnotifies(conn)) != NULL) {
        const char *m = n->extra;
        if (strncmp(m, NOTIFY_ACCOUNT, strlen(NOTIFY_ACCOUNT)) == 0)
            st->on_change(st->on_change_arg, ENT_STORE_CHANGE_ACCOUNT, m + strlen(NOTIFY_ACCOUNT));
        else if (strncmp(m, NOTIFY_USAGE, strlen(NOTIFY_USAGE)) == 0)
            st->on_change(st->on_change_arg, ENT_STORE_CHANGE_USAGE, m + strlen(NOTIFY_USAGE));
        else if (strncmp(m, NOTIFY_KEY, strlen(NOTIFY_KEY)) == 0)
            st->on_change(st->on_change_arg, ENT_STORE_CHANGE_KEY, m + strlen(NOTIFY_KEY));
        else if (strcmp(m, NOTIFY_CATALOG) == 0)
            st->on_change(st->on_change_arg, ENT_STORE_CHANGE_CATALOG, NULL);
        else
            st->on_change(st->on_change_arg, ENT_STORE_CHANGE_ALL, NULL);
        PQfreemem(n);
    }
}

/*
 * The listener thread: keeps a connection that LISTENs, waits on its socket (and the stop
 * pipe) with poll, hands the messages to the service, and re-measures the clock offset every
 * CLOCK_REFRESH_MS. It reports ENT_STORE_LISTENING each time LISTEN takes; when the connection
 * is lost it reports ENT_STORE_CHANGE_ALL at once, then reconnects with an exponential delay.
 */
static void *
listener_main(void *arg)
{
    struct pg_store *st = arg;
    PGconn *conn = NULL;
    int64_t delay = RECONNECT_FIRST_DELAY_MS;
    int64_t measured = 0;
    for (;;) {
        if (!conn) {
            conn = listen_connect(st);
            if (conn) {
                measured = ent_store_wall_ms();
                delay = RECONNECT_FIRST_DELAY_MS;
                st->on_change(st->on_change_arg, ENT_STORE_LISTENING, NULL);
            } else {
                delay = delay * 2 > LISTEN_MAX_DELAY_MS ? LISTEN_MAX_DELAY_MS : delay * 2;
            }
        }
        struct pollfd fds[2] = {{.fd = st->stop_pipe[0], .events = POLLIN},
                                {.fd = conn ? PQsocket(conn) : -1, .events = POLLIN}};
        int timeout = conn ? CLOCK_REFRESH_MS : (int)delay;
        int ready = poll(fds, conn ? 2 : 1, timeout);
        if (ready < 0 && errno != EINTR)
            break;
        if (fds[0].revents)
            break; /* stop */
        if (!conn)
            continue;
        bool ok = true;
        if (fds[1].revents)
            ok = PQconsumeInput(conn) == 1;
        if (ok && ent_store_wall_ms() - measured >= CLOCK_REFRESH_MS) {
            ok = measure_clock(st, conn);
            measured = ent_store_wall_ms();
        }
        if (ok)
            deliver_notifications(st, conn);
        if (!ok || PQstatus(conn) == CONNECTION_BAD) {
            fprintf(stderr, "entitled: postgresql: the listening connection was lost\n");
            PQfinish(conn);
            conn = NULL;
            st->on_change(st->on_change_arg, ENT_STORE_CHANGE_ALL, NULL);
        }
    }
    PQfinish(conn);
    return NULL;
}

static int
pg_listen(struct ent_store *base, void (*fn)(void *arg, enum ent_store_change what, const char *id),
          void *arg)
{
    struct pg_store *st = (struct pg_store *)base;
    if (st->listening)
        return ENT_OK;
    st->on_change = fn;
    st->on_change_arg = arg;
    fn(arg, ENT_STORE_CHANGE_ALL, NULL); /* nothing is heard until the listener connects */
    if (pipe(st->stop_pipe) != 0)
        return ENT_ESTORE;
    if (pthread_create(&st->listener, NULL, listener_main, st) != 0) {
        close(st->stop_pipe[0]);
        close(st->stop_pipe[1]);
        return ENT_ESTORE;
    }
    st->listening = true;
    return ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Generic lists                                                                               */
/* ------------------------------------------------------------------------------------------ */

struct column_map {
    const char *field;  /* the API's name */
    const char *column; /* the column */
};

struct table_desc {
    const char *table;
    const char *search[3];
    struct column_map sort[8];
    struct column_map filter[8];
};

/* The same allow-lists as the SQLite backend's; LIKE is ILIKE, as SQLite's LIKE folds ASCII. */
static const struct table_desc tables[] = {
    [ENT_TABLE_FEATURES] = {.table = "features",
                            .search = {"name", "key"},
                            .sort = {{"key", "key"},
                                     {"name", "name"},
                                     {"type", "type"},
                                     {"status", "status"},
                                     {"created_at", "created_ms"},
                                     {"updated_at", "updated_ms"}},
                            .filter = {{"type", "type"}, {"status", "status"}}},
    [ENT_TABLE_PRODUCTS] = {.table = "products",
                            .search = {"name", "key"},
                            .sort = {{"key", "key"},
                                     {"name", "name"},
                                     {"category", "category"},
                                     {"status", "status"},
                                     {"created_at", "created_ms"},
                                     {"updated_at", "updated_ms"}},
                            .filter = {{"category", "category"}, {"status", "status"}}},
    [ENT_TABLE_ACCOUNTS] = {.table = "accounts",
                            .search = {"name", "key", "contact_email"},
                            .sort = {{"key", "key"},
                                     {"name", "name"},
                                     {"type", "type"},
                                     {"created_at", "created_ms"},
                                     {"updated_at", "updated_ms"}},
                            .filter = {{"type", "type"}, {"parent", "parent_id"}, {"id", "id"}}},
    [ENT_TABLE_KEYS] = {.table = "api_keys",
                        .search = {"name", "prefix"},
                        .sort = {{"name", "name"},
                                 {"scope", "scope"},
                                 {"created_at", "created_ms"}},
                        .filter = {{"scope", "scope"}, {"account", "account_id"}}},
    [ENT_TABLE_EVENTS] = {.table = "events",
                          .search = {"type"},
                          .sort = {{"created_at", "created_ms"}},
                          .filter = {{"after", "id"},
                                     {"type", "type"},
                                     {"account", "account_id"},
                                     {"object", "object_id"}}},
    [ENT_TABLE_ORDERS] = {.table = "orders",
                          .search = {"id"},
                          .sort = {{"created_at", "created_ms"},
                                   {"updated_at", "updated_ms"},
                                   {"status", "status"}},
                          .filter = {{"account", "account_id"}, {"status", "status"}}},
    [ENT_TABLE_ENTITLEMENTS] =
        {
            .table = "entitlements",
            .search = {"activation_id", "name",
                       "product_id IN (SELECT id FROM products WHERE name ILIKE %s ESCAPE '\\'"
                       " OR key ILIKE %s ESCAPE '\\')"},
            .sort = {{"created_at", "created_ms"},
                     {"updated_at", "updated_ms"},
                     {"start_date", "start_ms"},
                     {"end_date", "end_ms"}},
            .filter = {{"account", "account_id"},
                       {"product", "product_id"},
                       {"order", "order_id"},
                       {"source", "source"},
                       {"status", "status"},
                       {"start", "start_ms"},
                       {"end", "end_ms"},
                       {"feature", "(feature_id = %s OR product_id IN (SELECT product_id FROM"
                                   " product_entitlements WHERE feature_id = %s) OR product_id IN"
                                   " (SELECT c.product_id FROM product_components c JOIN"
                                   " product_entitlements pe ON pe.product_id = c.component_id"
                                   " WHERE pe.feature_id = %s))"}}},
    [ENT_TABLE_LEASES] = {.table = "leases",
                          .search = {"id"},
                          .sort = {{"created_at", "created_ms"},
                                   {"updated_at", "updated_ms"},
                                   {"valid_until", "valid_until"}},
                          .filter = {{"account", "account_id"},
                                     {"product", "product_id"},
                                     {"valid_until", "valid_until"}}},
    [ENT_TABLE_ACTIVATIONS] = {.table = "activations",
                               .search = {"fingerprint", "name"},
                               .sort = {{"created_at", "created_ms"},
                                        {"updated_at", "updated_ms"},
                                        {"last_heartbeat_at", "last_heartbeat_ms"}},
                               .filter = {{"account", "account_id"},
                                          {"feature", "feature_id"},
                                          {"entitlement", "entitlement_id"},
                                          {"deactivated", "deactivated_ms"},
                                          {"alive_until", "(CASE WHEN ttl_seconds IS NULL THEN"
                                                          " 9223372036854775807 ELSE"
                                                          " last_heartbeat_ms + ttl_seconds *"
                                                          " 1000 END) > CAST(%s AS BIGINT)"},
                                          {"dead_before", "(ttl_seconds IS NOT NULL AND"
                                                          " last_heartbeat_ms + ttl_seconds *"
                                                          " 1000 <= CAST(%s AS BIGINT))"}}},
};

/* The column of an API field in a map, or NULL when the field is not allowed. */
static const char *
map_column(const struct column_map *map, size_t n, const char *field)
{
    for (size_t i = 0; i < n && map[i].field; i++) {
        if (strcmp(map[i].field, field) == 0)
            return map[i].column;
    }
    return NULL;
}

/* Appends to sql (cap bytes) the expression expr with each %s replaced by param. */
static void
append_expr(char *sql, size_t cap, const char *expr, const char *param)
{
    size_t len = strlen(sql);
    for (const char *c = expr; *c && len + 16 < cap; c++) {
        if (c[0] == '%' && c[1] == 's') {
            len += (size_t)snprintf(sql + len, cap - len, "%s", param);
            c++;
        } else {
            sql[len++] = *c;
            sql[len] = '\0';
        }
    }
}

/*
 * Appends the WHERE clause of q to sql, and the values it needs to p in $n order (filters
 * with a NULL value test IS NULL and take no parameter; the search pattern comes last).
 * Errors: ENT_ESTORE (a field not allowed, or SQL too long), ENT_ENOMEM.
 */
static int
build_where(struct ent_arena *a, const struct table_desc *t, const struct ent_store_query *q,
            char *sql, size_t cap, struct pg_params *p)
{
    size_t len = strlen(sql);
    snprintf(sql + len, cap - len, " WHERE 1=1");
    for (size_t i = 0; i < q->n_filters; i++) {
        const char *col = map_column(t->filter, 8, q->filters[i].field);
        if (!col)
            return ENT_ESTORE;
        len = strlen(sql);
        if (!q->filters[i].value) {
            snprintf(sql + len, cap - len, " AND %s IS NULL", col);
            continue;
        }
        ent_pg_p_text(p, q->filters[i].value);
        char param[16];
        snprintf(param, sizeof(param), "$%d", p->n);
        if (strstr(col, "%s")) {
            snprintf(sql + len, cap - len, " AND ");
            append_expr(sql, cap, col, param);
            continue;
        }
        switch (q->filters[i].op) {
        case ENT_STORE_EQ:
            snprintf(sql + len, cap - len, " AND %s = %s", col, param);
            break;
        case ENT_STORE_GT:
            snprintf(sql + len, cap - len, " AND %s > %s", col, param);
            break;
        case ENT_STORE_LE:
            snprintf(sql + len, cap - len, " AND %s <= %s", col, param);
            break;
        case ENT_STORE_GT_OR_NULL:
            snprintf(sql + len, cap - len, " AND (%s IS NULL OR %s > %s)", col, col, param);
            break;
        }
    }
    if (q->search && q->search[0]) {
        size_t n = strlen(q->search);
        char *pattern = ent_arena_alloc(a, 2 * n + 3);
        if (!pattern)
            return ENT_ENOMEM;
        size_t o = 0;
        pattern[o++] = '%';
        for (size_t k = 0; k < n; k++) {
            char c = q->search[k];
            if (c == '%' || c == '_' || c == '\\')
                pattern[o++] = '\\';
            pattern[o++] = c;
        }
        pattern[o++] = '%';
        pattern[o] = '\0';
        ent_pg_p_text(p, pattern);
        char param[16];
        snprintf(param, sizeof(param), "$%d", p->n);
        len = strlen(sql);
        snprintf(sql + len, cap - len, " AND (");
        for (size_t i = 0; i < 3 && t->search[i]; i++) {
            len = strlen(sql);
            if (strstr(t->search[i], "%s")) {
                snprintf(sql + len, cap - len, "%s", i ? " OR " : "");
                append_expr(sql, cap, t->search[i], param);
                continue;
            }
            snprintf(sql + len, cap - len, "%s%s ILIKE %s ESCAPE '\\'", i ? " OR " : "",
                     t->search[i], param);
        }
        len = strlen(sql);
        snprintf(sql + len, cap - len, ")");
    }
    return strlen(sql) + 1 >= cap ? ENT_ESTORE : ENT_OK;
}

static int
pg_list(struct ent_store_session *base, struct ent_arena *a, enum ent_store_table table,
        const struct ent_store_query *q, char (**ids)[37], size_t *n, int64_t *total)
{
    struct pg_session *s = (struct pg_session *)base;
    const struct table_desc *t = &tables[table];
    char where[2048] = "";
    struct pg_params p = {0};
    int code = build_where(a, t, q, where, sizeof(where), &p);
    if (code < 0)
        return code;
    const char *order = "id";
    if (q->sort) {
        order = map_column(t->sort, 8, q->sort);
        if (!order)
            return ENT_ESTORE;
    }
    char sql[2600];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s%s", t->table, where);
    PGresult *r = ent_pg_exec_dynamic(s, sql, &p, &code, "list count");
    if (!r)
        return code;
    *total = ent_pg_int(r, 0, 0);
    PQclear(r);

    /* NULLs sort first ascending, as in SQLite. */
    const char *dir = q->sort_desc ? "DESC NULLS LAST" : "ASC NULLS FIRST";
    snprintf(sql, sizeof(sql), "SELECT id FROM %s%s ORDER BY %s %s, id %s LIMIT %lld OFFSET %lld",
             t->table, where, order, dir, q->sort_desc ? "DESC" : "ASC", (long long)q->limit,
             (long long)q->offset);
    r = ent_pg_exec_dynamic(s, sql, &p, &code, "list");
    if (!r)
        return code;
    int rows = PQntuples(r);
    char(*out)[37] = ent_arena_alloc(a, (size_t)(q->limit > 0 ? q->limit : 1) * 37);
    if (!out) {
        PQclear(r);
        return ENT_ENOMEM;
    }
    size_t count = 0;
    for (int i = 0; i < rows && count < (size_t)q->limit; i++)
        ent_pg_id(r, i, 0, out[count++]);
    PQclear(r);
    *ids = out;
    *n = count;
    return ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Features                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* Replaces the levels of feature f. */
static int
write_levels(struct pg_session *s, const struct ent_feature *f)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, f->id);
    int code = ent_pg_exec_done(s, "DELETE FROM feature_levels WHERE feature_id = $1", &p, NULL,
                                "delete levels");
    for (size_t i = 0; code == ENT_OK && i < f->n_levels; i++) {
        struct pg_params q = {0};
        ent_pg_p_text(&q, f->id);
        ent_pg_p_int(&q, (int64_t)i);
        ent_pg_p_text(&q, f->levels[i].value);
        ent_pg_p_text(&q, f->levels[i].name);
        ent_pg_p_int(&q, f->levels[i].is_unlimited);
        code = ent_pg_exec_done(s,
                                "INSERT INTO feature_levels (feature_id, position, value, name,"
                                " is_unlimited) VALUES ($1, $2, $3, $4, $5)",
                                &q, NULL, "insert level");
    }
    return code;
}

/* The parameters shared by feature insert and update ($1 id … $10 updated_ms). */
static void
feature_params(struct pg_params *p, const struct ent_feature *f)
{
    ent_pg_p_text(p, f->id);
    ent_pg_p_text(p, f->key);
    ent_pg_p_text(p, f->name);
    ent_pg_p_text(p, ent_feature_type_name(f->type));
    ent_pg_p_text(p, f->unit);
    ent_pg_p_text(p, f->reset_period ? ent_period_name(f->reset_period) : NULL);
    ent_pg_p_int(p, f->activations_enabled);
    ent_pg_p_text(p, ent_status_name(f->status));
    ent_pg_p_text(p, f->attributes ? f->attributes : "{}");
    ent_pg_p_int(p, f->updated_ms);
}

static int
pg_feature_insert(struct ent_store_session *base, const struct ent_feature *f)
{
    struct pg_session *s = (struct pg_session *)base;
    struct pg_params p = {0};
    feature_params(&p, f);
    ent_pg_p_int(&p, f->created_ms);
    int code = ent_pg_exec_done(s,
                                "INSERT INTO features (id, key, name, type, unit, reset_period,"
                                " activations_enabled, status, attributes, updated_ms, created_ms)"
                                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                                &p, NULL, "insert feature");
    return code == ENT_OK ? write_levels(s, f) : code;
}

static int
pg_feature_update(struct ent_store_session *base, const struct ent_feature *f)
{
    struct pg_session *s = (struct pg_session *)base;
    struct pg_params p = {0};
    feature_params(&p, f);
    int64_t changed = 0;
    int code = ent_pg_exec_done(s,
                                "UPDATE features SET key = $2, name = $3, type = $4, unit = $5,"
                                " reset_period = $6, activations_enabled = $7, status = $8,"
                                " attributes = $9, updated_ms = $10 WHERE id = $1",
                                &p, &changed, "update feature");
    if (code == ENT_OK && changed == 0)
        return ENT_ENOTFOUND;
    return code == ENT_OK ? write_levels(s, f) : code;
}

/* Deletes the row of table with id; ENT_ENOTFOUND when there is none. */
static int
delete_by_id(struct pg_session *s, const char *sql, const char *id, const char *what)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, id);
    int64_t changed = 0;
    int code = ent_pg_exec_done(s, sql, &p, &changed, what);
    if (code == ENT_OK && changed == 0)
        return ENT_ENOTFOUND;
    return code;
}

static int
pg_feature_delete(struct ent_store_session *base, const char *id)
{
    return delete_by_id((struct pg_session *)base, "DELETE FROM features WHERE id = $1", id,
                        "delete feature");
}

/* Reads the levels of feature out->id into out. */
static int
read_levels(struct pg_session *s, struct ent_arena *a, struct ent_feature *out)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, out->id);
    int code;
    PGresult *r = ent_pg_exec(s,
                              "SELECT value, name, is_unlimited FROM feature_levels"
                              " WHERE feature_id = $1 ORDER BY position",
                              &p, &code, "levels");
    if (!r)
        return code;
    int rows = PQntuples(r);
    out->levels = NULL;
    out->n_levels = 0;
    if (rows > 0) {
        out->levels = ent_arena_calloc(a, (size_t)rows, sizeof(*out->levels));
        if (!out->levels) {
            PQclear(r);
            return ENT_ENOMEM;
        }
    }
    for (int i = 0; i < rows; i++) {
        struct ent_level *l = &out->levels[out->n_levels++];
        l->value = ent_pg_text(a, r, i, 0);
        l->name = ent_pg_text(a, r, i, 1);
        l->is_unlimited = ent_pg_int(r, i, 2) != 0;
    }
    PQclear(r);
    return ENT_OK;
}

static int
pg_feature_get(struct ent_store_session *base, struct ent_arena *a, const char *id_or_key,
               struct ent_feature *out)
{
    struct pg_session *s = (struct pg_session *)base;
    struct pg_params p = {0};
    ent_pg_p_text(&p, id_or_key);
    int code;
    PGresult *r = ent_pg_exec(s,
                              "SELECT id, key, name, type, unit, reset_period,"
                              " activations_enabled, status, attributes, created_ms, updated_ms"
                              " FROM features WHERE id = $1 OR key = $1",
                              &p, &code, "get feature");
    if (!r)
        return code;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return ENT_ENOTFOUND;
    }
    memset(out, 0, sizeof(*out));
    ent_pg_id(r, 0, 0, out->id);
    out->key = ent_pg_text(a, r, 0, 1);
    out->name = ent_pg_text(a, r, 0, 2);
    out->type = ent_feature_type_parse(ent_pg_raw(r, 0, 3));
    out->unit = ent_pg_text(a, r, 0, 4);
    out->reset_period = ent_period_parse(ent_pg_raw(r, 0, 5));
    out->activations_enabled = ent_pg_int(r, 0, 6) != 0;
    out->status = ent_status_parse(ent_pg_raw(r, 0, 7));
    out->attributes = ent_pg_text(a, r, 0, 8);
    out->created_ms = ent_pg_int(r, 0, 9);
    out->updated_ms = ent_pg_int(r, 0, 10);
    PQclear(r);
    if (!out->key || !out->name || !out->attributes)
        return ENT_ENOMEM;
    return read_levels(s, a, out);
}

static int
pg_feature_product_count(struct ent_store_session *base, const char *feature_id, int64_t *n)
{
    return ent_pg_count_query(
        (struct pg_session *)base,
        "SELECT (SELECT count(*) FROM product_entitlements WHERE feature_id = $1)"
        " + (SELECT count(*) FROM entitlements WHERE feature_id = $1)"
        " + (SELECT count(*) FROM usage_events WHERE feature_id = $1)"
        " + (SELECT count(*) FROM activations WHERE feature_id = $1)",
        feature_id, n);
}

/* ------------------------------------------------------------------------------------------ */
/* Products                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* Replaces the entitlements and components of product p. */
static int
write_product_lists(struct pg_session *s, const struct ent_product *prod)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, prod->id);
    int code = ent_pg_exec_done(s, "DELETE FROM product_entitlements WHERE product_id = $1", &p,
                                NULL, "clear product entitlements");
    if (code == ENT_OK)
        code = ent_pg_exec_done(s, "DELETE FROM product_components WHERE product_id = $1", &p, NULL,
                                "clear product components");
    for (size_t i = 0; code == ENT_OK && i < prod->n_entitlements; i++) {
        struct pg_params q = {0};
        ent_pg_p_text(&q, prod->id);
        ent_pg_p_text(&q, prod->entitlements[i].feature_id);
        ent_pg_p_int(&q, (int64_t)i);
        ent_pg_p_text(&q, prod->entitlements[i].value);
        ent_pg_p_text(&q, prod->entitlements[i].name);
        code = ent_pg_exec_done(s,
                                "INSERT INTO product_entitlements (product_id, feature_id,"
                                " position, value, name) VALUES ($1, $2, $3, $4, $5)",
                                &q, NULL, "insert product entitlement");
    }
    for (size_t i = 0; code == ENT_OK && i < prod->n_components; i++) {
        struct pg_params q = {0};
        ent_pg_p_text(&q, prod->id);
        ent_pg_p_text(&q, prod->components[i].product_id);
        ent_pg_p_int(&q, (int64_t)i);
        ent_pg_p_int(&q, prod->components[i].quantity);
        code = ent_pg_exec_done(s,
                                "INSERT INTO product_components (product_id, component_id,"
                                " position, quantity) VALUES ($1, $2, $3, $4)",
                                &q, NULL, "insert component");
    }
    return code;
}

/* The parameters shared by product insert and update ($1 … $14). */
static void
product_params(struct pg_params *p, const struct ent_product *prod)
{
    ent_pg_p_text(p, prod->id);
    ent_pg_p_text(p, prod->key);
    ent_pg_p_text(p, prod->name);
    ent_pg_p_text(p, ent_category_name(prod->category));
    ent_pg_p_text(p, prod->description);
    ent_pg_p_int(p, prod->license_model.present);
    ent_pg_p_text(p, prod->license_model.issuer);
    ent_pg_p_text(p, prod->license_model.vendor_string);
    ent_pg_p_text(p, prod->license_model.notice);
    if (prod->max_leases >= 0)
        ent_pg_p_int(p, prod->max_leases);
    else
        ent_pg_p_null(p);
    if (prod->max_lease_days >= 0)
        ent_pg_p_int(p, prod->max_lease_days);
    else
        ent_pg_p_null(p);
    ent_pg_p_text(p, ent_status_name(prod->status));
    ent_pg_p_text(p, prod->attributes ? prod->attributes : "{}");
    ent_pg_p_int(p, prod->updated_ms);
}

static int
pg_product_insert(struct ent_store_session *base, const struct ent_product *prod)
{
    struct pg_session *s = (struct pg_session *)base;
    struct pg_params p = {0};
    product_params(&p, prod);
    ent_pg_p_int(&p, prod->created_ms);
    int code = ent_pg_exec_done(
        s,
        "INSERT INTO products (id, key, name, category, description, has_license_model,"
        " lm_issuer, lm_vendor_string, lm_notice, max_leases, max_lease_days, status,"
        " attributes, updated_ms, created_ms)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        &p, NULL, "insert product");
    return code == ENT_OK ? write_product_lists(s, prod) : code;
}

static int
pg_product_update(struct ent_store_session *base, const struct ent_product *prod)
{
    struct pg_session *s = (struct pg_session *)base;
    struct pg_params p = {0};
    product_params(&p, prod);
    int64_t changed = 0;
    int code = ent_pg_exec_done(
        s,
        "UPDATE products SET key = $2, name = $3, category = $4, description = $5,"
        " has_license_model = $6, lm_issuer = $7, lm_vendor_string = $8, lm_notice = $9,"
        " max_leases = $10, max_lease_days = $11, status = $12, attributes = $13,"
        " updated_ms = $14 WHERE id = $1",
        &p, &changed, "update product");
    if (code == ENT_OK && changed == 0)
        return ENT_ENOTFOUND;
    return code == ENT_OK ? write_product_lists(s, prod) : code;
}

static int
pg_product_delete(struct ent_store_session *base, const char *id)
{
    return delete_by_id((struct pg_session *)base, "DELETE FROM products WHERE id = $1", id,
                        "delete product");
}

/* Reads the entitlements and components of product out->id into out. */
static int
read_product_lists(struct pg_session *s, struct ent_arena *a, struct ent_product *out)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, out->id);
    int code;
    PGresult *r = ent_pg_exec(s,
                              "SELECT f.key, pe.feature_id, pe.value, pe.name"
                              " FROM product_entitlements pe JOIN features f ON f.id ="
                              " pe.feature_id WHERE pe.product_id = $1 ORDER BY pe.position",
                              &p, &code, "product entitlements");
    if (!r)
        return code;
    int rows = PQntuples(r);
    if (rows > 0) {
        out->entitlements = ent_arena_calloc(a, (size_t)rows, sizeof(*out->entitlements));
        if (!out->entitlements) {
            PQclear(r);
            return ENT_ENOMEM;
        }
    }
    for (int i = 0; i < rows; i++) {
        struct ent_product_entitlement *pe = &out->entitlements[out->n_entitlements++];
        pe->feature = ent_pg_text(a, r, i, 0);
        ent_pg_id(r, i, 1, pe->feature_id);
        pe->value = ent_pg_text(a, r, i, 2);
        pe->name = ent_pg_text(a, r, i, 3);
    }
    PQclear(r);
    r = ent_pg_exec(s,
                    "SELECT p.key, c.component_id, c.quantity FROM product_components c"
                    " JOIN products p ON p.id = c.component_id WHERE c.product_id = $1"
                    " ORDER BY c.position",
                    &p, &code, "product components");
    if (!r)
        return code;
    rows = PQntuples(r);
    if (rows > 0) {
        out->components = ent_arena_calloc(a, (size_t)rows, sizeof(*out->components));
        if (!out->components) {
            PQclear(r);
            return ENT_ENOMEM;
        }
    }
    for (int i = 0; i < rows; i++) {
        struct ent_component *c = &out->components[out->n_components++];
        c->product = ent_pg_text(a, r, i, 0);
        ent_pg_id(r, i, 1, c->product_id);
        c->quantity = ent_pg_int(r, i, 2);
    }
    PQclear(r);
    return ENT_OK;
}

static int
pg_product_get(struct ent_store_session *base, struct ent_arena *a, const char *id_or_key,
               struct ent_product *out)
{
    struct pg_session *s = (struct pg_session *)base;
    struct pg_params p = {0};
    ent_pg_p_text(&p, id_or_key);
    int code;
    PGresult *r = ent_pg_exec(s,
                              "SELECT id, key, name, category, description, has_license_model,"
                              " lm_issuer, lm_vendor_string, lm_notice, max_leases,"
                              " max_lease_days, status, attributes, created_ms, updated_ms"
                              " FROM products WHERE id = $1 OR key = $1",
                              &p, &code, "get product");
    if (!r)
        return code;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return ENT_ENOTFOUND;
    }
    memset(out, 0, sizeof(*out));
    ent_pg_id(r, 0, 0, out->id);
    out->key = ent_pg_text(a, r, 0, 1);
    out->name = ent_pg_text(a, r, 0, 2);
    out->category = ent_category_parse(ent_pg_raw(r, 0, 3));
    out->description = ent_pg_text(a, r, 0, 4);
    out->license_model.present = ent_pg_int(r, 0, 5) != 0;
    out->license_model.issuer = ent_pg_text(a, r, 0, 6);
    out->license_model.vendor_string = ent_pg_text(a, r, 0, 7);
    out->license_model.notice = ent_pg_text(a, r, 0, 8);
    out->max_leases = ent_pg_null(r, 0, 9) ? -1 : ent_pg_int(r, 0, 9);
    out->max_lease_days = ent_pg_null(r, 0, 10) ? -1 : ent_pg_int(r, 0, 10);
    out->status = ent_status_parse(ent_pg_raw(r, 0, 11));
    out->attributes = ent_pg_text(a, r, 0, 12);
    out->created_ms = ent_pg_int(r, 0, 13);
    out->updated_ms = ent_pg_int(r, 0, 14);
    PQclear(r);
    if (!out->key || !out->name || !out->attributes)
        return ENT_ENOMEM;
    return read_product_lists(s, a, out);
}

static int
pg_product_bundles(struct ent_store_session *base, struct ent_arena *a, const char *product_id,
                   char (**ids)[37], size_t *n)
{
    return ent_pg_id_query((struct pg_session *)base, a,
                           "SELECT product_id FROM product_components WHERE component_id = $1"
                           " ORDER BY product_id",
                           product_id, ids, n);
}

static int
pg_product_grant_count(struct ent_store_session *base, const char *product_id, int64_t *n)
{
    return ent_pg_count_query((struct pg_session *)base,
                              "SELECT (SELECT count(*) FROM order_line_items WHERE"
                              " product_id = $1) + (SELECT count(*) FROM entitlements WHERE"
                              " product_id = $1) + (SELECT count(*) FROM leases WHERE"
                              " product_id = $1)",
                              product_id, n);
}

static int
pg_product_ids_granting(struct ent_store_session *base, struct ent_arena *a, const char *feature_id,
                        char (**ids)[37], size_t *n)
{
    return ent_pg_id_query((struct pg_session *)base, a,
                           "SELECT product_id FROM product_entitlements WHERE feature_id = $1"
                           " ORDER BY product_id",
                           feature_id, ids, n);
}

/* ------------------------------------------------------------------------------------------ */
/* Accounts                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* The parameters shared by account insert and update ($1 … $8). */
static void
account_params(struct pg_params *p, const struct ent_account *acc)
{
    ent_pg_p_text(p, acc->id);
    ent_pg_p_text(p, acc->key);
    ent_pg_p_text(p, acc->name);
    ent_pg_p_text(p, ent_account_type_name(acc->type));
    ent_pg_p_id(p, acc->parent);
    ent_pg_p_text(p, acc->contact_email);
    ent_pg_p_text(p, acc->attributes ? acc->attributes : "{}");
    ent_pg_p_int(p, acc->updated_ms);
}

static int
pg_account_insert(struct ent_store_session *base, const struct ent_account *acc)
{
    struct pg_params p = {0};
    account_params(&p, acc);
    ent_pg_p_int(&p, acc->created_ms);
    return ent_pg_exec_done((struct pg_session *)base,
                            "INSERT INTO accounts (id, key, name, type, parent_id,"
                            " contact_email, attributes, updated_ms, created_ms)"
                            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                            &p, NULL, "insert account");
}

static int
pg_account_update(struct ent_store_session *base, const struct ent_account *acc)
{
    struct pg_params p = {0};
    account_params(&p, acc);
    int64_t changed = 0;
    int code = ent_pg_exec_done((struct pg_session *)base,
                                "UPDATE accounts SET key = $2, name = $3, type = $4,"
                                " parent_id = $5, contact_email = $6, attributes = $7,"
                                " updated_ms = $8 WHERE id = $1",
                                &p, &changed, "update account");
    if (code == ENT_OK && changed == 0)
        return ENT_ENOTFOUND;
    return code;
}

static int
pg_account_delete(struct ent_store_session *base, const char *id)
{
    return delete_by_id((struct pg_session *)base, "DELETE FROM accounts WHERE id = $1", id,
                        "delete account");
}

static int
pg_account_get(struct ent_store_session *base, struct ent_arena *a, const char *id_or_key,
               struct ent_account *out)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, id_or_key);
    int code;
    PGresult *r = ent_pg_exec((struct pg_session *)base,
                              "SELECT id, key, name, type, parent_id, contact_email,"
                              " attributes, created_ms, updated_ms"
                              " FROM accounts WHERE id = $1 OR key = $1",
                              &p, &code, "get account");
    if (!r)
        return code;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return ENT_ENOTFOUND;
    }
    memset(out, 0, sizeof(*out));
    ent_pg_id(r, 0, 0, out->id);
    out->key = ent_pg_text(a, r, 0, 1);
    out->name = ent_pg_text(a, r, 0, 2);
    out->type = ent_account_type_parse(ent_pg_raw(r, 0, 3));
    out->parent = ent_pg_text(a, r, 0, 4);
    out->contact_email = ent_pg_text(a, r, 0, 5);
    out->attributes = ent_pg_text(a, r, 0, 6);
    out->created_ms = ent_pg_int(r, 0, 7);
    out->updated_ms = ent_pg_int(r, 0, 8);
    PQclear(r);
    return (out->key && out->name && out->attributes) ? ENT_OK : ENT_ENOMEM;
}

static int
pg_account_child_count(struct ent_store_session *base, const char *id, int64_t *n)
{
    return ent_pg_count_query((struct pg_session *)base,
                              "SELECT count(*) FROM accounts WHERE parent_id = $1", id, n);
}

/* ------------------------------------------------------------------------------------------ */
/* API keys                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static int
pg_key_insert(struct ent_store_session *base, const struct ent_key *k, const char *hash)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, k->id);
    ent_pg_p_text(&p, k->name);
    ent_pg_p_text(&p, ent_scope_name(k->scope));
    ent_pg_p_id(&p, k->account_id);
    ent_pg_p_text(&p, k->prefix);
    ent_pg_p_text(&p, hash);
    ent_pg_p_int(&p, k->created_ms);
    ent_pg_p_int(&p, k->revoked_ms);
    return ent_pg_exec_done((struct pg_session *)base,
                            "INSERT INTO api_keys (id, name, scope, account_id, prefix, hash,"
                            " created_ms, revoked_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                            &p, NULL, "insert key");
}

/* Reads one key row selected by sql with one parameter. */
static int
read_key(struct pg_session *s, struct ent_arena *a, const char *sql, const char *param,
         struct ent_key *out)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, param);
    int code;
    PGresult *r = ent_pg_exec(s, sql, &p, &code, "get key");
    if (!r)
        return code;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return ENT_ENOTFOUND;
    }
    memset(out, 0, sizeof(*out));
    ent_pg_id(r, 0, 0, out->id);
    out->name = ent_pg_text(a, r, 0, 1);
    out->scope = ent_scope_parse(ent_pg_raw(r, 0, 2));
    ent_pg_id(r, 0, 3, out->account_id);
    out->prefix = ent_pg_text(a, r, 0, 4);
    out->created_ms = ent_pg_int(r, 0, 5);
    out->revoked_ms = ent_pg_int(r, 0, 6);
    PQclear(r);
    return (out->name && out->prefix) ? ENT_OK : ENT_ENOMEM;
}

/* Reads a key by id; inside a write transaction its row is locked (revocations take turns). */
static int
pg_key_get(struct ent_store_session *base, struct ent_arena *a, const char *id, struct ent_key *out)
{
    struct pg_session *s = (struct pg_session *)base;
    if (s->in_tx && s->write_tx)
        return read_key(s, a,
                        "SELECT id, name, scope, account_id, prefix, created_ms, revoked_ms"
                        " FROM api_keys WHERE id = $1 FOR NO KEY UPDATE",
                        id, out);
    return read_key(s, a,
                    "SELECT id, name, scope, account_id, prefix, created_ms, revoked_ms"
                    " FROM api_keys WHERE id = $1",
                    id, out);
}

static int
pg_key_find_hash(struct ent_store_session *base, struct ent_arena *a, const char *hash,
                 struct ent_key *out)
{
    return read_key((struct pg_session *)base, a,
                    "SELECT id, name, scope, account_id, prefix, created_ms, revoked_ms"
                    " FROM api_keys WHERE hash = $1",
                    hash, out);
}

static int
pg_key_revoke(struct ent_store_session *base, const char *id, int64_t now_ms)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, id);
    ent_pg_p_int(&p, now_ms);
    return ent_pg_exec_done((struct pg_session *)base,
                            "UPDATE api_keys SET revoked_ms = $2 WHERE id = $1 AND"
                            " revoked_ms = 0",
                            &p, NULL, "revoke key");
}

static int
pg_key_revoke_account(struct ent_store_session *base, struct ent_arena *a, const char *account_id,
                      int64_t now_ms, char (**ids)[37], size_t *n)
{
    struct pg_session *s = (struct pg_session *)base;
    int code = ent_pg_id_query(
        s, a, "SELECT id FROM api_keys WHERE account_id = $1 AND revoked_ms = 0 ORDER BY id",
        account_id, ids, n);
    for (size_t i = 0; code == ENT_OK && i < *n; i++)
        code = pg_key_revoke(base, (*ids)[i], now_ms);
    return code;
}

/*
 * Counts the keys. Inside a write transaction the table is locked first (SHARE ROW EXCLUSIVE:
 * it conflicts with itself and with inserts, not with reads), so that two daemons making the
 * first key take turns and the second counts the first's.
 */
static int
pg_key_count(struct ent_store_session *base, int64_t *n)
{
    struct pg_session *s = (struct pg_session *)base;
    if (s->in_tx && s->write_tx) {
        int code = ent_pg_exec_done(s, "LOCK TABLE api_keys IN SHARE ROW EXCLUSIVE MODE", NULL,
                                    NULL, "lock keys");
        if (code < 0)
            return code;
    }
    return ent_pg_count_query(s, "SELECT count(*) FROM api_keys", NULL, n);
}

/* ------------------------------------------------------------------------------------------ */
/* Audit events                                                                                */
/* ------------------------------------------------------------------------------------------ */

static int
pg_event_insert(struct ent_store_session *base, const struct ent_event *e)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, e->id);
    ent_pg_p_text(&p, e->type);
    ent_pg_p_id(&p, e->actor);
    ent_pg_p_id(&p, e->account);
    ent_pg_p_text(&p, e->object);
    ent_pg_p_text(&p, e->before);
    ent_pg_p_text(&p, e->after);
    ent_pg_p_int(&p, e->created_ms);
    return ent_pg_exec_done((struct pg_session *)base,
                            "INSERT INTO events (id, type, actor, account_id, object_id,"
                            " before, after, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                            &p, NULL, "insert event");
}

static int
pg_event_get(struct ent_store_session *base, struct ent_arena *a, const char *id,
             struct ent_event *out)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, id);
    int code;
    PGresult *r = ent_pg_exec((struct pg_session *)base,
                              "SELECT id, type, actor, account_id, object_id, before, after,"
                              " created_ms FROM events WHERE id = $1",
                              &p, &code, "get event");
    if (!r)
        return code;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return ENT_ENOTFOUND;
    }
    memset(out, 0, sizeof(*out));
    ent_pg_id(r, 0, 0, out->id);
    out->type = ent_pg_text(a, r, 0, 1);
    ent_pg_id(r, 0, 2, out->actor);
    ent_pg_id(r, 0, 3, out->account);
    ent_pg_id(r, 0, 4, out->object);
    out->before = ent_pg_text(a, r, 0, 5);
    out->after = ent_pg_text(a, r, 0, 6);
    out->created_ms = ent_pg_int(r, 0, 7);
    PQclear(r);
    return out->type ? ENT_OK : ENT_ENOMEM;
}

/* ------------------------------------------------------------------------------------------ */
/* Idempotency                                                                                 */
/* ------------------------------------------------------------------------------------------ */

static int
pg_idempotency_get(struct ent_store_session *base, struct ent_arena *a, const char *key_id,
                   const char *idem_key, struct ent_store_idempotency *out)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, key_id);
    ent_pg_p_text(&p, idem_key);
    int code;
    PGresult *r = ent_pg_exec((struct pg_session *)base,
                              "SELECT route, request_hash, status, body, created_ms"
                              " FROM idempotency WHERE key_id = $1 AND idem_key = $2",
                              &p, &code, "get idempotency");
    if (!r)
        return code;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return ENT_ENOTFOUND;
    }
    memset(out, 0, sizeof(*out));
    out->key_id = key_id;
    out->idem_key = idem_key;
    out->route = ent_pg_text(a, r, 0, 0);
    out->request_hash = ent_pg_text(a, r, 0, 1);
    out->status = (int)ent_pg_int(r, 0, 2);
    size_t len = 0;
    unsigned char *bytes = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 3), &len);
    char *body = bytes ? ent_arena_alloc(a, len + 1) : NULL;
    if (body) {
        if (len)
            memcpy(body, bytes, len);
        body[len] = '\0';
    }
    PQfreemem(bytes);
    out->body = body;
    out->body_len = len;
    out->created_ms = ent_pg_int(r, 0, 4);
    PQclear(r);
    return (out->route && out->request_hash && body) ? ENT_OK : ENT_ENOMEM;
}

/*
 * Records an answer. A taken (key_id, idem_key) is refused without failing the transaction
 * (ON CONFLICT DO NOTHING, then ENT_ECONFLICT), as SQLite fails the statement alone.
 */
static int
pg_idempotency_insert(struct ent_store_session *base, const struct ent_store_idempotency *rec)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, rec->key_id);
    ent_pg_p_text(&p, rec->idem_key);
    ent_pg_p_text(&p, rec->route);
    ent_pg_p_text(&p, rec->request_hash);
    ent_pg_p_int(&p, rec->status);
    ent_pg_p_bytes(&p, rec->body ? rec->body : "", rec->body_len);
    ent_pg_p_int(&p, rec->created_ms);
    int64_t changed = 0;
    int code = ent_pg_exec_done((struct pg_session *)base,
                                "INSERT INTO idempotency (key_id, idem_key, route, request_hash,"
                                " status, body, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                                " ON CONFLICT (key_id, idem_key) DO NOTHING",
                                &p, &changed, "insert idempotency");
    if (code == ENT_OK && changed == 0)
        return ENT_ECONFLICT;
    return code;
}

static int
pg_idempotency_purge(struct ent_store_session *base, int64_t before_ms)
{
    struct pg_params p = {0};
    ent_pg_p_int(&p, before_ms);
    return ent_pg_exec_done((struct pg_session *)base,
                            "DELETE FROM idempotency WHERE created_ms < $1", &p, NULL,
                            "purge idempotency");
}

/* ------------------------------------------------------------------------------------------ */
/* Activation ids and orders                                                                   */
/* ------------------------------------------------------------------------------------------ */

static int
pg_activation_id_taken(struct ent_store_session *base, const char *activation_id, bool *taken)
{
    int64_t n = 0;
    int code = ent_pg_count_query((struct pg_session *)base,
                                  "SELECT count(*) FROM activation_ids WHERE activation_id = $1",
                                  activation_id, &n);
    *taken = n > 0;
    return code;
}

/* Registers an activation id for its owner. Errors: ENT_ECONFLICT when taken. */
static int
register_activation_id(struct pg_session *s, const char *activation_id, const char *kind,
                       const char *owner_id)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, activation_id);
    ent_pg_p_text(&p, kind);
    ent_pg_p_text(&p, owner_id);
    return ent_pg_exec_done(s,
                            "INSERT INTO activation_ids (activation_id, kind, owner_id)"
                            " VALUES ($1, $2, $3)",
                            &p, NULL, "register activation id");
}

static int
pg_order_insert(struct ent_store_session *base, const struct ent_order *o)
{
    struct pg_session *s = (struct pg_session *)base;
    struct pg_params p = {0};
    ent_pg_p_text(&p, o->id);
    ent_pg_p_text(&p, o->account_id);
    ent_pg_p_text(&p, ent_order_status_name(o->status));
    ent_pg_p_text(&p, o->attributes ? o->attributes : "{}");
    ent_pg_p_int(&p, o->created_ms);
    ent_pg_p_int(&p, o->updated_ms);
    if (o->activated_ms)
        ent_pg_p_int(&p, o->activated_ms);
    else
        ent_pg_p_null(&p);
    int code = ent_pg_exec_done(s,
                                "INSERT INTO orders (id, account_id, status, attributes,"
                                " created_ms, updated_ms, activated_ms)"
                                " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                                &p, NULL, "insert order");
    for (size_t i = 0; code == ENT_OK && i < o->n_items; i++) {
        const struct ent_line_item *li = &o->items[i];
        code = register_activation_id(s, li->activation_id, "line_item", li->id);
        if (code < 0)
            break;
        struct pg_params q = {0};
        ent_pg_p_text(&q, li->id);
        ent_pg_p_text(&q, o->id);
        ent_pg_p_int(&q, (int64_t)i);
        ent_pg_p_text(&q, li->product_id);
        ent_pg_p_int(&q, li->quantity);
        ent_pg_p_int(&q, li->quantity_per_copy);
        ent_pg_p_int(&q, li->start_ms);
        ent_pg_p_end(&q, li->permanent, li->end_ms);
        ent_pg_p_text(&q, ent_order_type_name(li->order_type));
        ent_pg_p_text(&q, li->activation_id);
        ent_pg_p_text(&q, li->parent_activation_id);
        ent_pg_p_text(&q, li->attributes ? li->attributes : "{}");
        code = ent_pg_exec_done(
            s,
            "INSERT INTO order_line_items (id, order_id, position, product_id, quantity,"
            " quantity_per_copy, start_ms, end_ms, order_type, activation_id,"
            " parent_activation_id, attributes)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            &q, NULL, "insert line item");
    }
    return code;
}

/* Reads the line items of order out->id. */
static int
read_line_items(struct pg_session *s, struct ent_arena *a, struct ent_order *out)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, out->id);
    int code;
    PGresult *r = ent_pg_exec(s,
                              "SELECT li.id, p.key, li.product_id, li.quantity,"
                              " li.quantity_per_copy, li.start_ms, li.end_ms, li.order_type,"
                              " li.activation_id, li.parent_activation_id, li.attributes"
                              " FROM order_line_items li JOIN products p ON p.id = li.product_id"
                              " WHERE li.order_id = $1 ORDER BY li.position",
                              &p, &code, "line items");
    if (!r)
        return code;
    int rows = PQntuples(r);
    if (rows > 0) {
        out->items = ent_arena_calloc(a, (size_t)rows, sizeof(*out->items));
        if (!out->items) {
            PQclear(r);
            return ENT_ENOMEM;
        }
    }
    for (int i = 0; i < rows; i++) {
        struct ent_line_item *li = &out->items[out->n_items++];
        ent_pg_id(r, i, 0, li->id);
        li->product = ent_pg_text(a, r, i, 1);
        ent_pg_id(r, i, 2, li->product_id);
        li->quantity = ent_pg_int(r, i, 3);
        li->quantity_per_copy = ent_pg_int(r, i, 4);
        li->start_ms = ent_pg_int(r, i, 5);
        li->permanent = ent_pg_null(r, i, 6);
        li->end_ms = li->permanent ? 0 : ent_pg_int(r, i, 6);
        li->order_type = ent_order_type_parse(ent_pg_raw(r, i, 7));
        li->activation_id = ent_pg_text(a, r, i, 8);
        li->parent_activation_id = ent_pg_text(a, r, i, 9);
        li->attributes = ent_pg_text(a, r, i, 10);
    }
    PQclear(r);
    return ENT_OK;
}

/*
 * Reads an order with its line items. Inside a write transaction the order's row is locked
 * first (FOR NO KEY UPDATE), so that two daemons activating the same order take turns and the
 * second sees it active.
 */
static int
pg_order_get(struct ent_store_session *base, struct ent_arena *a, const char *id,
             struct ent_order *out)
{
    struct pg_session *s = (struct pg_session *)base;
    struct pg_params p = {0};
    ent_pg_p_text(&p, id);
    int code;
    PGresult *r =
        (s->in_tx && s->write_tx)
            ? ent_pg_exec(s,
                          "SELECT id, seq, account_id, status, attributes, created_ms,"
                          " updated_ms, activated_ms FROM orders WHERE id = $1 FOR NO KEY UPDATE",
                          &p, &code, "get order")
            : ent_pg_exec(s,
                          "SELECT id, seq, account_id, status, attributes, created_ms,"
                          " updated_ms, activated_ms FROM orders WHERE id = $1",
                          &p, &code, "get order");
    if (!r)
        return code;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return ENT_ENOTFOUND;
    }
    memset(out, 0, sizeof(*out));
    ent_pg_id(r, 0, 0, out->id);
    out->number = ent_arena_printf(a, "ORD-%06lld", (long long)ent_pg_int(r, 0, 1));
    ent_pg_id(r, 0, 2, out->account_id);
    out->status = ent_order_status_parse(ent_pg_raw(r, 0, 3));
    out->attributes = ent_pg_text(a, r, 0, 4);
    out->created_ms = ent_pg_int(r, 0, 5);
    out->updated_ms = ent_pg_int(r, 0, 6);
    out->activated_ms = ent_pg_int(r, 0, 7);
    PQclear(r);
    if (!out->number || !out->attributes)
        return ENT_ENOMEM;
    return read_line_items(s, a, out);
}

static int
pg_order_activate(struct ent_store_session *base, const char *id, int64_t now_ms)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, id);
    ent_pg_p_int(&p, now_ms);
    return ent_pg_exec_done((struct pg_session *)base,
                            "UPDATE orders SET status = 'active', activated_ms = $2,"
                            " updated_ms = $2 WHERE id = $1 AND status = 'draft'",
                            &p, NULL, "activate order");
}

/* ------------------------------------------------------------------------------------------ */
/* Entitlements                                                                                */
/* ------------------------------------------------------------------------------------------ */

/* The stored status of e: derived states are never stored. */
static const char *
stored_status(const struct ent_entitlement *e)
{
    enum ent_entitlement_status set = e->status;
    if (set == ENT_ENTITLEMENT_PENDING || set == ENT_ENTITLEMENT_EXPIRED)
        set = ENT_ENTITLEMENT_ACTIVE;
    return ent_entitlement_status_name(set);
}

static int
pg_entitlement_insert(struct ent_store_session *base, const struct ent_entitlement *e,
                      bool own_activation_id)
{
    struct pg_session *s = (struct pg_session *)base;
    int code = ENT_OK;
    if (own_activation_id)
        code = register_activation_id(s, e->activation_id, "entitlement", e->id);
    if (code < 0)
        return code;
    struct pg_params p = {0};
    ent_pg_p_text(&p, e->id);
    ent_pg_p_text(&p, e->account_id);
    ent_pg_p_id(&p, e->product_id);
    ent_pg_p_id(&p, e->feature_id);
    ent_pg_p_text(&p, e->value);
    ent_pg_p_int(&p, e->override);
    ent_pg_p_text(&p, ent_source_name(e->source));
    ent_pg_p_id(&p, e->order_id);
    ent_pg_p_id(&p, e->lease_id);
    ent_pg_p_text(&p, e->activation_id);
    ent_pg_p_id(&p, e->parent_id);
    ent_pg_p_int(&p, e->quantity);
    ent_pg_p_int(&p, e->quantity_per_copy);
    ent_pg_p_int(&p, e->start_ms);
    ent_pg_p_end(&p, e->permanent, e->end_ms);
    ent_pg_p_text(&p, ent_order_type_name(e->order_type));
    ent_pg_p_text(&p, stored_status(e));
    ent_pg_p_text(&p, e->attributes ? e->attributes : "{}");
    ent_pg_p_int(&p, e->created_ms);
    ent_pg_p_int(&p, e->updated_ms);
    ent_pg_p_text(&p, e->feature_id[0] ? e->name : NULL);
    return ent_pg_exec_done(
        s,
        "INSERT INTO entitlements (id, account_id, product_id, feature_id, value,"
        " override, source, order_id, lease_id, activation_id, parent_id, quantity,"
        " quantity_per_copy, start_ms, end_ms, order_type, status, attributes,"
        " created_ms, updated_ms, name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
        " $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
        &p, NULL, "insert entitlement");
}

static int
pg_entitlement_update(struct ent_store_session *base, const struct ent_entitlement *e)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, e->id);
    ent_pg_p_text(&p, e->account_id);
    ent_pg_p_int(&p, e->quantity);
    ent_pg_p_int(&p, e->quantity_per_copy);
    ent_pg_p_int(&p, e->start_ms);
    ent_pg_p_end(&p, e->permanent, e->end_ms);
    ent_pg_p_text(&p, stored_status(e));
    ent_pg_p_text(&p, e->attributes ? e->attributes : "{}");
    ent_pg_p_int(&p, e->updated_ms);
    int64_t changed = 0;
    int code = ent_pg_exec_done((struct pg_session *)base,
                                "UPDATE entitlements SET account_id = $2, quantity = $3,"
                                " quantity_per_copy = $4, start_ms = $5, end_ms = $6,"
                                " status = $7, attributes = $8, updated_ms = $9 WHERE id = $1",
                                &p, &changed, "update entitlement");
    if (code == ENT_OK && changed == 0)
        return ENT_ENOTFOUND;
    return code;
}

#define ENTITLEMENT_COLUMNS                                                                        \
    "e.id, e.seq, e.account_id, p.key, e.product_id, f.key, e.feature_id, e.value, e.override,"    \
    " e.source, e.order_id, e.lease_id, e.activation_id, e.parent_id, e.quantity,"                 \
    " e.quantity_per_copy, e.start_ms, e.end_ms, e.order_type, e.status, e.attributes,"            \
    " e.created_ms, e.updated_ms, coalesce(p.name, e.name)"
#define ENTITLEMENT_FROM                                                                           \
    " FROM entitlements e LEFT JOIN products p ON p.id = e.product_id"                             \
    " LEFT JOIN features f ON f.id = e.feature_id"

/* Reads row i of r (ENTITLEMENT_COLUMNS) into out. */
static int
read_entitlement(struct ent_arena *a, const PGresult *r, int i, struct ent_entitlement *out)
{
    memset(out, 0, sizeof(*out));
    ent_pg_id(r, i, 0, out->id);
    out->number = ent_arena_printf(a, "ENT-%06lld", (long long)ent_pg_int(r, i, 1));
    ent_pg_id(r, i, 2, out->account_id);
    out->product = ent_pg_text(a, r, i, 3);
    ent_pg_id(r, i, 4, out->product_id);
    out->feature = ent_pg_text(a, r, i, 5);
    ent_pg_id(r, i, 6, out->feature_id);
    out->value = ent_pg_text(a, r, i, 7);
    out->override = ent_pg_int(r, i, 8) != 0;
    out->source = ent_source_parse(ent_pg_raw(r, i, 9));
    ent_pg_id(r, i, 10, out->order_id);
    ent_pg_id(r, i, 11, out->lease_id);
    out->activation_id = ent_pg_text(a, r, i, 12);
    ent_pg_id(r, i, 13, out->parent_id);
    out->quantity = ent_pg_int(r, i, 14);
    out->quantity_per_copy = ent_pg_int(r, i, 15);
    out->start_ms = ent_pg_int(r, i, 16);
    out->permanent = ent_pg_null(r, i, 17);
    out->end_ms = out->permanent ? 0 : ent_pg_int(r, i, 17);
    out->order_type = ent_order_type_parse(ent_pg_raw(r, i, 18));
    out->status = ent_entitlement_status_parse(ent_pg_raw(r, i, 19));
    out->attributes = ent_pg_text(a, r, i, 20);
    out->created_ms = ent_pg_int(r, i, 21);
    out->updated_ms = ent_pg_int(r, i, 22);
    out->name = ent_pg_text(a, r, i, 23);
    return (out->number && out->activation_id && out->attributes) ? ENT_OK : ENT_ENOMEM;
}

/*
 * Reads an entitlement by id or activation id. Inside a write transaction its row is locked
 * (FOR NO KEY UPDATE), so that changes read-modify-write it in turn across daemons.
 */
static int
pg_entitlement_get(struct ent_store_session *base, struct ent_arena *a,
                   const char *id_or_activation_id, struct ent_entitlement *out)
{
    struct pg_session *s = (struct pg_session *)base;
    struct pg_params p = {0};
    ent_pg_p_text(&p, id_or_activation_id);
    int code;
    PGresult *r =
        (s->in_tx && s->write_tx)
            ? ent_pg_exec(s,
                          "SELECT " ENTITLEMENT_COLUMNS ENTITLEMENT_FROM
                          " WHERE e.id = $1 OR e.activation_id = $1 FOR NO KEY UPDATE OF e",
                          &p, &code, "get entitlement")
            : ent_pg_exec(s,
                          "SELECT " ENTITLEMENT_COLUMNS ENTITLEMENT_FROM
                          " WHERE e.id = $1 OR e.activation_id = $1",
                          &p, &code, "get entitlement");
    if (!r)
        return code;
    code = PQntuples(r) == 0 ? ENT_ENOTFOUND : read_entitlement(a, r, 0, out);
    PQclear(r);
    return code;
}

static int
pg_entitlements_of_account(struct ent_store_session *base, struct ent_arena *a,
                           const char *account_id, struct ent_entitlement **out, size_t *n)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, account_id);
    int code;
    PGresult *r = ent_pg_exec((struct pg_session *)base,
                              "SELECT " ENTITLEMENT_COLUMNS ENTITLEMENT_FROM
                              " WHERE e.account_id = $1 AND e.status <> 'revoked'"
                              " ORDER BY e.seq",
                              &p, &code, "entitlements of account");
    *out = NULL;
    *n = 0;
    if (!r)
        return code;
    int rows = PQntuples(r);
    struct ent_entitlement *list = NULL;
    if (rows > 0) {
        list = ent_arena_calloc(a, (size_t)rows, sizeof(*list));
        if (!list) {
            PQclear(r);
            return ENT_ENOMEM;
        }
    }
    size_t count = 0;
    code = ENT_OK;
    for (int i = 0; code == ENT_OK && i < rows; i++)
        code = read_entitlement(a, r, i, &list[count++]);
    PQclear(r);
    *out = list;
    *n = count;
    return code;
}

static int
pg_account_grant_count(struct ent_store_session *base, const char *account_id, int64_t *n)
{
    return ent_pg_count_query((struct pg_session *)base,
                              "SELECT (SELECT count(*) FROM entitlements WHERE account_id = $1) +"
                              " (SELECT count(*) FROM orders WHERE account_id = $1) +"
                              " (SELECT count(*) FROM leases WHERE account_id = $1)",
                              account_id, n);
}

/* ------------------------------------------------------------------------------------------ */
/* Leases                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static int
pg_lease_insert(struct ent_store_session *base, const struct ent_lease *l)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, l->id);
    ent_pg_p_text(&p, l->account_id);
    ent_pg_p_text(&p, l->product_id);
    ent_pg_p_int(&p, l->lease_count);
    ent_pg_p_int(&p, l->valid_from_ms);
    ent_pg_p_int(&p, l->valid_until_ms);
    if (l->last_lease_end_ms)
        ent_pg_p_int(&p, l->last_lease_end_ms);
    else
        ent_pg_p_null(&p);
    ent_pg_p_int(&p, l->created_ms);
    ent_pg_p_id(&p, l->created_by);
    ent_pg_p_int(&p, l->updated_ms);
    ent_pg_p_id(&p, l->updated_by);
    return ent_pg_exec_done((struct pg_session *)base,
                            "INSERT INTO leases (id, account_id, product_id, lease_count,"
                            " valid_from, valid_until, last_lease_end_ms, created_ms,"
                            " created_by, updated_ms, updated_by)"
                            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                            &p, NULL, "insert lease");
}

static int
pg_lease_update(struct ent_store_session *base, const struct ent_lease *l)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, l->id);
    ent_pg_p_int(&p, l->lease_count);
    ent_pg_p_int(&p, l->valid_from_ms);
    ent_pg_p_int(&p, l->valid_until_ms);
    if (l->last_lease_end_ms)
        ent_pg_p_int(&p, l->last_lease_end_ms);
    else
        ent_pg_p_null(&p);
    ent_pg_p_int(&p, l->updated_ms);
    ent_pg_p_id(&p, l->updated_by);
    int64_t changed = 0;
    int code = ent_pg_exec_done((struct pg_session *)base,
                                "UPDATE leases SET lease_count = $2, valid_from = $3,"
                                " valid_until = $4, last_lease_end_ms = $5, updated_ms = $6,"
                                " updated_by = $7 WHERE id = $1",
                                &p, &changed, "update lease");
    if (code == ENT_OK && changed == 0)
        return ENT_ENOTFOUND;
    return code;
}

/* Reads one lease selected by sql with the parameters p. */
static int
read_lease(struct pg_session *s, struct ent_arena *a, const char *sql, const struct pg_params *p,
           struct ent_lease *out)
{
    int code;
    PGresult *r = ent_pg_exec(s, sql, p, &code, "get lease");
    if (!r)
        return code;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return ENT_ENOTFOUND;
    }
    memset(out, 0, sizeof(*out));
    ent_pg_id(r, 0, 0, out->id);
    ent_pg_id(r, 0, 1, out->account_id);
    ent_pg_id(r, 0, 2, out->product_id);
    out->product = ent_pg_text(a, r, 0, 3);
    out->lease_count = ent_pg_int(r, 0, 4);
    out->valid_from_ms = ent_pg_int(r, 0, 5);
    out->valid_until_ms = ent_pg_int(r, 0, 6);
    out->last_lease_end_ms = ent_pg_int(r, 0, 7);
    out->created_ms = ent_pg_int(r, 0, 8);
    ent_pg_id(r, 0, 9, out->created_by);
    out->updated_ms = ent_pg_int(r, 0, 10);
    ent_pg_id(r, 0, 11, out->updated_by);
    PQclear(r);
    return out->product ? ENT_OK : ENT_ENOMEM;
}

#define LEASE_COLUMNS                                                                              \
    "SELECT l.id, l.account_id, l.product_id, p.key, l.lease_count, l.valid_from,"                 \
    " l.valid_until, l.last_lease_end_ms, l.created_ms, l.created_by, l.updated_ms,"               \
    " l.updated_by FROM leases l JOIN products p ON p.id = l.product_id"

static int
pg_lease_get(struct ent_store_session *base, struct ent_arena *a, const char *id,
             struct ent_lease *out)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, id);
    return read_lease((struct pg_session *)base, a, LEASE_COLUMNS " WHERE l.id = $1", &p, out);
}

/*
 * Finds the lease of (account, product). Inside a write transaction the account's row is
 * locked first, so that two daemons applying a lease to one account take turns: the second
 * sees the first's lease (one per pair, max_leases counted exactly).
 */
static int
pg_lease_find(struct ent_store_session *base, struct ent_arena *a, const char *account_id,
              const char *product_id, struct ent_lease *out)
{
    struct pg_session *s = (struct pg_session *)base;
    int code = ent_pg_lock_account(s, account_id, NULL);
    if (code < 0)
        return code;
    struct pg_params p = {0};
    ent_pg_p_text(&p, account_id);
    ent_pg_p_text(&p, product_id);
    return read_lease(s, a, LEASE_COLUMNS " WHERE l.account_id = $1 AND l.product_id = $2", &p,
                      out);
}

/* ------------------------------------------------------------------------------------------ */

static const struct ent_store_ops pg_ops = {
    .name = "postgresql",
    .now_ms = pg_now_ms,
    .announce = pg_announce,
    .listen = pg_listen,
    .close = pg_close,
    .acquire = pg_acquire,
    .release = pg_release,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .ping = pg_ping,
    .schema_version = pg_schema_version,
    .list = pg_list,
    .feature_insert = pg_feature_insert,
    .feature_update = pg_feature_update,
    .feature_delete = pg_feature_delete,
    .feature_get = pg_feature_get,
    .feature_product_count = pg_feature_product_count,
    .product_insert = pg_product_insert,
    .product_update = pg_product_update,
    .product_delete = pg_product_delete,
    .product_get = pg_product_get,
    .product_bundles = pg_product_bundles,
    .product_ids_granting = pg_product_ids_granting,
    .product_grant_count = pg_product_grant_count,
    .account_insert = pg_account_insert,
    .account_update = pg_account_update,
    .account_delete = pg_account_delete,
    .account_get = pg_account_get,
    .account_child_count = pg_account_child_count,
    .key_insert = pg_key_insert,
    .key_get = pg_key_get,
    .key_find_hash = pg_key_find_hash,
    .key_revoke = pg_key_revoke,
    .key_revoke_account = pg_key_revoke_account,
    .key_count = pg_key_count,
    .event_insert = pg_event_insert,
    .event_get = pg_event_get,
    .activation_id_taken = pg_activation_id_taken,
    .order_insert = pg_order_insert,
    .order_get = pg_order_get,
    .order_activate = pg_order_activate,
    .entitlement_insert = pg_entitlement_insert,
    .entitlement_update = pg_entitlement_update,
    .entitlement_get = pg_entitlement_get,
    .entitlements_of_account = pg_entitlements_of_account,
    .account_grant_count = pg_account_grant_count,
    .lease_insert = pg_lease_insert,
    .lease_update = pg_lease_update,
    .lease_get = pg_lease_get,
    .lease_find = pg_lease_find,
    .usage_find = ent_pg_usage_find,
    .usage_counter = ent_pg_usage_counter,
    .usage_add = ent_pg_usage_add,
    .usage_series = ent_pg_usage_series,
    .activation_insert = ent_pg_activation_insert,
    .activation_update = ent_pg_activation_update,
    .activation_get = ent_pg_activation_get,
    .activation_find = ent_pg_activation_find,
    .activation_count_live = ent_pg_activation_count_live,
    .seats_of_account = ent_pg_seats_of_account,
    .idempotency_get = pg_idempotency_get,
    .idempotency_insert = pg_idempotency_insert,
    .idempotency_purge = pg_idempotency_purge,
};
