/* SPDX-License-Identifier: MIT */
/*
 * pg_store.c: the PostgreSQL backend of the store interface (store.h), on libpq: the pool of
 * connections, transactions, migrations, the clock, announcements and their listener, and the
 * ops table that the concept files fill.
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
 * The SQL of each concept is in its own file, named as the service file it serves
 * (pg_accounts.c for service/accounts.c); the statement helpers are in pg_stmt.c.
 *
 * THREAD SAFETY: the pool (pool.c) has its own lock; a session is used by one thread at a time,
 * between acquire and release; the clock offset and counters are atomics; the listener owns its
 * connection.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "store/migrations.h"
#include "store/pg_int.h"
#include "store/pool.h"
#include "store/store.h"

#define ACQUIRE_TIMEOUT_MS 10000
#define LISTEN_MAX_DELAY_MS 5000
#define CLOCK_REFRESH_MS 5000
#define MIGRATION_LOCK_KEY "7261706921" /* the advisory lock of migrations */
#define NOTIFY_CHANNEL "entitled"
#define NOTIFY_CATALOG "catalog"
#define NOTIFY_ACCOUNT "account:"
#define NOTIFY_KEY "key:"
#define NOTIFY_USAGE "usage:"

struct pg_store {
    struct ent_store base;
    char url[4096];
    struct ent_store_pool pool;
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
open_session(struct ent_store *store, struct ent_store_session **out)
{
    struct pg_store *st = (struct pg_store *)store;
    struct pg_session *s = ent_calloc(1, sizeof(*s));
    if (!s)
        return ENT_ENOMEM;
    s->base.ops = &pg_ops;
    s->base.store = &st->base;
    s->conn = ent_pg_connect(st->url, false);
    if (!s->conn) {
        ent_free(s);
        return ENT_ESTORE;
    }
    *out = &s->base;
    return ENT_OK;
}

/* Closes a session's connection (its prepared statements go with it). */
static void
close_session(struct ent_store_session *sess)
{
    struct pg_session *s = (struct pg_session *)sess;
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
        code = ent_pg_map_result(r);
        ent_store_log(ENT_LOG_ERROR, "postgresql: %s: %s", what, PQerrorMessage(conn));
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
        bool have = false; /* recorded, whatever the highest version recorded */
        if (code == ENT_OK) {
            char sql[96];
            snprintf(sql, sizeof(sql), "SELECT count(*) FROM schema_migrations WHERE version = %d",
                     m->version);
            PGresult *r = PQexec(conn, sql);
            if (PQresultStatus(r) == PGRES_TUPLES_OK)
                have = ent_pg_int(r, 0, 0) > 0;
            else
                code = ENT_ESTORE;
            PQclear(r);
        }
        if (code == ENT_OK && !have) {
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
            ent_store_log(ENT_LOG_ERROR, "migration %s failed\n", m->name);
            return code;
        }
        code = exec_script(conn, "COMMIT", "commit migration");
        if (code < 0)
            return code;
    }
    return ENT_OK;
}

/*
 * Names the store for files kept for it outside the database (the key file's default,
 * service/keyfile.c): "<host>-<port>-<database>" of the connection as made (libpq's defaults
 * and environment applied), with every byte but letters, digits, '.', '-' and '_' as '_'. The same
 * database reached by the same address gets the same name from any working directory.
 */
static void
name_store(struct pg_store *st, PGconn *conn)
{
    const char *host = PQhost(conn);
    if (!host || !host[0] || host[0] == '/')
        host = "localhost"; /* a Unix socket's directory is a host of this machine */
    const char *port = PQport(conn);
    const char *db = PQdb(conn);
    snprintf(st->base.name, sizeof(st->base.name), "%s-%s-%s", host, port ? port : "",
             db ? db : "");
    for (char *c = st->base.name; *c; c++) {
        bool plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                     (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-';
        if (!plain)
            *c = '_';
    }
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
    if (ent_pool_init(&st->pool, &st->base, connections, ACQUIRE_TIMEOUT_MS, open_session,
                      close_session) < 0) {
        ent_free(st);
        return ENT_ENOMEM;
    }
    st->base.ops = &pg_ops;
    snprintf(st->url, sizeof(st->url), "%s", url);
    st->stop_pipe[0] = st->stop_pipe[1] = -1;
    atomic_init(&st->clock_offset_ms, 0);
    struct ent_store_session *first = NULL;
    int code = open_session(&st->base, &first);
    PGconn *conn = first ? ((struct pg_session *)first)->conn : NULL;
    if (code == ENT_OK)
        code = migrate(conn);
    if (code == ENT_OK && !measure_clock(st, conn))
        code = ENT_ESTORE;
    if (code < 0) {
        if (first)
            close_session(first);
        ent_pool_destroy(&st->pool);
        ent_free(st);
        return ent_error_set(err, code == ENT_ENOMEM ? ENT_ENOMEM : ENT_ESTORE,
                             "cannot open the PostgreSQL store");
    }
    name_store(st, conn);
    ent_pool_add(&st->pool, first);
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
    ent_pool_destroy(&st->pool);
    ent_free(st);
}

static int
pg_acquire(struct ent_store *base, struct ent_store_session **out)
{
    return ent_pool_acquire(&((struct pg_store *)base)->pool, out);
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
    ent_pool_release(&st->pool, base);
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
pg_bulk(struct ent_store_session *base)
{
    struct pg_session *s = (struct pg_session *)base;
    return ent_pg_exec_done(s, "SET LOCAL plan_cache_mode = force_custom_plan", NULL, NULL, "bulk");
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
    PGconn *conn = ent_pg_connect(st->url, true);
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
            ent_store_log(ENT_LOG_ERROR, "postgresql: the listening connection was lost\n");
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
    .bulk = pg_bulk,
    .rollback = pg_rollback,
    .ping = pg_ping,
    .schema_version = pg_schema_version,
    .snapshot = ent_pg_snapshot,
    .dump = ent_pg_dump,
    .load_begin = ent_pg_load_begin,
    .load = ent_pg_load,
    .load_finish = ent_pg_load_finish,
    .list = ent_pg_list,
    .feature_insert = ent_pg_feature_insert,
    .feature_update = ent_pg_feature_update,
    .feature_delete = ent_pg_feature_delete,
    .feature_get = ent_pg_feature_get,
    .feature_product_count = ent_pg_feature_product_count,
    .feature_name_taken = ent_pg_feature_name_taken,
    .consumption_find = ent_pg_consumption_find,
    .consumption_add = ent_pg_consumption_add,
    .consumption_series = ent_pg_consumption_series,
    .product_insert = ent_pg_product_insert,
    .product_update = ent_pg_product_update,
    .product_delete = ent_pg_product_delete,
    .product_get = ent_pg_product_get,
    .product_bundles = ent_pg_product_bundles,
    .product_ids_granting = ent_pg_product_ids_granting,
    .product_grant_count = ent_pg_product_grant_count,
    .account_insert = ent_pg_account_insert,
    .account_update = ent_pg_account_update,
    .account_delete = ent_pg_account_delete,
    .account_get = ent_pg_account_get,
    .account_child_count = ent_pg_account_child_count,
    .key_insert = ent_pg_key_insert,
    .key_get = ent_pg_key_get,
    .key_find_hash = ent_pg_key_find_hash,
    .key_revoke = ent_pg_key_revoke,
    .key_revoke_account = ent_pg_key_revoke_account,
    .key_count = ent_pg_key_count,
    .event_insert = ent_pg_event_insert,
    .event_get = ent_pg_event_get,
    .activation_id_taken = ent_pg_activation_id_taken,
    .order_insert = ent_pg_order_insert,
    .order_get = ent_pg_order_get,
    .order_activate = ent_pg_order_activate,
    .entitlement_insert = ent_pg_entitlement_insert,
    .entitlement_update = ent_pg_entitlement_update,
    .entitlement_get = ent_pg_entitlement_get,
    .entitlements_of_account = ent_pg_entitlements_of_account,
    .account_grant_count = ent_pg_account_grant_count,
    .lease_insert = ent_pg_lease_insert,
    .lease_update = ent_pg_lease_update,
    .lease_get = ent_pg_lease_get,
    .lease_find = ent_pg_lease_find,
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
    .idempotency_get = ent_pg_idempotency_get,
    .idempotency_insert = ent_pg_idempotency_insert,
    .idempotency_purge = ent_pg_idempotency_purge,
    .setting_get = ent_pg_setting_get,
    .setting_insert = ent_pg_setting_insert,
    /* Signed licenses (issue 13) */
    .signing_key_insert = ent_pg_signing_key_insert,
    .signing_key_current = ent_pg_signing_key_current,
    .signing_keys_all = ent_pg_signing_keys_all,
    .license_insert = ent_pg_license_insert,
    .license_update = ent_pg_license_update,
    .license_get = ent_pg_license_get,
    .licenses_of_activation = ent_pg_licenses_of_activation,
    /* webhooks (issue 15) */
    .webhook_insert = ent_pg_webhook_insert,
    .webhook_update = ent_pg_webhook_update,
    .webhook_delete = ent_pg_webhook_delete,
    .webhook_get = ent_pg_webhook_get,
    .webhooks_enabled = ent_pg_webhooks_enabled,
    .webhook_secrets = ent_pg_webhook_secrets,
    .webhook_set_secret = ent_pg_webhook_set_secret,
    .webhook_health = ent_pg_webhook_health,
    .webhook_message_insert = ent_pg_webhook_message_insert,
    .webhook_message_get = ent_pg_webhook_message_get,
    .webhook_claim = ent_pg_webhook_claim,
    .webhook_attempted = ent_pg_webhook_attempted,
    .webhook_unclaim = ent_pg_webhook_unclaim,
    .webhook_resend = ent_pg_webhook_resend,
    .webhook_backlog = ent_pg_webhook_backlog,
    .webhook_release_claims = ent_pg_webhook_release_claims,
    .webhook_clock_take = ent_pg_webhook_clock_take,
    .webhook_clock_set = ent_pg_webhook_clock_set,
    .timed_entitlements = ent_pg_timed_entitlements,
    .timed_leases = ent_pg_timed_leases,
    .timed_activations = ent_pg_timed_activations,
    .webhook_window_crossed = ent_pg_webhook_window_crossed,
    .webhook_windows_ended = ent_pg_webhook_windows_ended,
    /* seed 004 (issue 17) */
    .entitlement_owners = ent_pg_entitlement_owners,
    .entitlement_owner_add = ent_pg_entitlement_owner_add,
    .entitlement_owners_copy = ent_pg_entitlement_owners_copy,
    .entitlement_children = ent_pg_entitlement_children,
    .order_update = ent_pg_order_update,
    .order_add_items = ent_pg_order_add_items,
    .line_item_update = ent_pg_line_item_update,
    .entitlements_of_line_item = ent_pg_entitlements_of_line_item,
    .maintenance_of = ent_pg_maintenance_of,
    .line_item_is_maintenance = ent_pg_line_item_is_maintenance,
    .attribute_definition_insert = ent_pg_attribute_definition_insert,
    .attribute_definition_get = ent_pg_attribute_definition_get,
    .attribute_definition_delete = ent_pg_attribute_definition_delete,
    .attribute_definitions_of = ent_pg_attribute_definitions_of,
};
