/* SPDX-License-Identifier: MIT */
/*
 * sqlite_store.c: the SQLite backend of the store interface (store.h): the pool of connections,
 * transactions, migrations, the clock and the ops table that the concept files fill.
 *
 * One database file in WAL mode with synchronous=FULL, so a committed transaction survives a
 * crash or power loss. The store is a pool of connections (one per worker thread in practice);
 * writers take the write lock at BEGIN (IMMEDIATE), so a transaction never fails half-way on a
 * lock upgrade, and wait up to the busy timeout for it.
 *
 * The SQL of each concept is in its own file, named as the service file it serves
 * (sqlite_accounts.c for service/accounts.c); the statement helpers are in sqlite_stmt.c.
 *
 * THREAD SAFETY: the pool (pool.c) has its own lock. A session is used by
 * one thread at a time, between acquire and release. Counters are atomics.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "core/alloc.h"
#include "core/str.h"
#include "store/migrations.h"
#include "store/pool.h"
#include "store/sqlite_int.h"
#include "store/store.h"

#define BUSY_TIMEOUT_MS 10000

struct sqlite_store {
    struct ent_store base;
    char path[4096];
    struct ent_store_pool pool;
    atomic_bool moved; /* the file or its WAL is no longer at path: writes are refused */
    ino_t wal_ino;     /* the inode of path-wal, held open by the pool's sessions (0: none) */
    /* The watcher of catalog changes made by other processes (sqlite_listen). */
    char instance[17]; /* this process's store, in the catalog_version it writes (hex) */
    void (*changed)(void *arg, enum ent_store_change what, const char *id);
    void *changed_arg;
    pthread_t watcher;
    bool watching, watch_quit;
    sqlite3 *watch_db;   /* the watcher's own connection, or NULL */
    char watch_seen[64]; /* the value it read last */
    bool watch_reading;  /* it could read the setting at its last look */
    pthread_mutex_t watch_lock;
    pthread_cond_t watch_wake;
};

static const struct ent_store_ops sqlite_ops;
static void stop_watching(struct sqlite_store *st);

/* The inode of the store's WAL file, or 0 when there is none. */
static ino_t
wal_inode(const struct sqlite_store *st)
{
    char wal[sizeof(st->path) + 8];
    snprintf(wal, sizeof(wal), "%s-wal", st->path);
    struct stat sb;
    return stat(wal, &sb) == 0 ? sb.st_ino : 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Pool, transactions, migrations                                                              */
/* ------------------------------------------------------------------------------------------ */

/* Runs a script of statements (migrations, pragmas) on a connection. */
static int
exec_script(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        ent_store_log(ENT_LOG_ERROR, "sqlite: %s\n", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return ent_sqlite_map_rc(rc);
    }
    return ENT_OK;
}

/* Opens one connection with the store's settings. OUT session (heap). */
static int
open_session(struct ent_store *store, struct ent_store_session **out)
{
    struct sqlite_store *st = (struct sqlite_store *)store;
    struct sqlite_session *s = ent_calloc(1, sizeof(*s));
    if (!s)
        return ENT_ENOMEM;
    s->base.ops = &sqlite_ops;
    s->base.store = &st->base;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(st->path, &s->db, flags, NULL);
    if (rc != SQLITE_OK) {
        ent_store_log(ENT_LOG_ERROR, "sqlite: cannot open %s: %s\n", st->path,
                      s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        sqlite3_close(s->db);
        ent_free(s);
        return ENT_ESTORE;
    }
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(s->db, 1);
    int code = exec_script(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                  "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;");
    if (code < 0) {
        sqlite3_close(s->db);
        ent_free(s);
        return code;
    }
    *out = &s->base;
    return ENT_OK;
}

/* Finalizes a session's statements and closes its connection. */
static void
close_session(struct ent_store_session *sess)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    for (size_t i = 0; i < s->n_cached; i++)
        sqlite3_finalize(s->cache[i].stmt);
    ent_sqlite_load_forget(s);
    sqlite3_close(s->db);
    ent_free(s);
}

static int
sqlite_schema_version(struct ent_store_session *base, int *version)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "SELECT coalesce(max(version), 0) FROM schema_migrations");
    if (!st)
        return ENT_ESTORE;
    int rc = ent_sqlite_step(s, st);
    *version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? ENT_OK : ent_sqlite_fail(s, rc, "schema version");
}

/* Whether the migration of version is recorded as applied. Errors: ENT_ESTORE. */
static int
migration_recorded(struct sqlite_session *s, int version, bool *have)
{
    sqlite3_stmt *st = ent_sqlite_prep(s, "SELECT 1 FROM schema_migrations WHERE version = ?1");
    if (!st)
        return ENT_ESTORE;
    sqlite3_bind_int(st, 1, version);
    int rc = ent_sqlite_step(s, st);
    *have = rc == SQLITE_ROW;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? ENT_OK
                                                 : ent_sqlite_fail(s, rc, "schema version");
}

/*
 * Applies, each in its own transaction and in the order of their versions, the migrations the
 * database has not recorded: one whose version is below the highest recorded too (two lines of
 * work that each added one land in either order).
 */
static int
migrate(struct sqlite_session *s)
{
    int code = exec_script(s->db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                  " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                                  " applied_ms INTEGER NOT NULL)");
    if (code < 0)
        return code;
    for (const struct ent_migration *m = ent_sqlite_migrations; m->version; m++) {
        code = exec_script(s->db, "BEGIN IMMEDIATE");
        if (code < 0)
            return code;
        bool have = false;
        code = migration_recorded(s, m->version, &have);
        if (code == ENT_OK && !have) {
            code = exec_script(s->db, m->sql);
            if (code == ENT_OK) {
                char sql[256];
                snprintf(sql, sizeof(sql),
                         "INSERT INTO schema_migrations VALUES (%d, '%s', "
                         "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))",
                         m->version, m->name);
                code = exec_script(s->db, sql);
            }
        }
        if (code < 0) {
            exec_script(s->db, "ROLLBACK");
            ent_store_log(ENT_LOG_ERROR, "migration %s failed\n", m->name);
            return code;
        }
        code = exec_script(s->db, "COMMIT");
        if (code < 0)
            return code;
    }
    return ENT_OK;
}

int
ent_store_sqlite_open(const char *path, unsigned connections, struct ent_store **out,
                      struct ent_error *err)
{
    if (strlen(path) >= sizeof(((struct sqlite_store *)0)->path))
        return ent_error_set(err, ENT_EINVAL, "store URL: the path is too long");
    if (sqlite3_threadsafe() == 0)
        return ent_error_set(err, ENT_ESTORE, "SQLite was built without thread support");
    struct sqlite_store *st = ent_calloc(1, sizeof(*st));
    if (st) {
        pthread_mutex_init(&st->watch_lock, NULL);
        pthread_cond_init(&st->watch_wake, NULL);
        unsigned char random[8];
        sqlite3_randomness(sizeof(random), random);
        for (size_t i = 0; i < sizeof(random); i++)
            snprintf(st->instance + 2 * i, 3, "%02x", random[i]);
    }
    if (!st)
        return ENT_ENOMEM;
    if (ent_pool_init(&st->pool, &st->base, connections, BUSY_TIMEOUT_MS, open_session,
                      close_session) < 0) {
        ent_free(st);
        return ENT_ENOMEM;
    }
    st->base.ops = &sqlite_ops;
    snprintf(st->path, sizeof(st->path), "%s", path);
    snprintf(st->base.file_path, sizeof(st->base.file_path), "%s", path);
    struct ent_store_session *first = NULL;
    int code = open_session(&st->base, &first);
    if (code == ENT_OK)
        code = migrate((struct sqlite_session *)first);
    if (code < 0) {
        if (first)
            close_session(first);
        ent_pool_destroy(&st->pool);
        ent_free(st);
        return ent_error_set(err, code == ENT_ENOMEM ? ENT_ENOMEM : ENT_ESTORE,
                             "cannot open the SQLite store at %s", path);
    }
    ent_pool_add(&st->pool, first);
    st->wal_ino = wal_inode(st); /* made by the first session's journal_mode=WAL */
    *out = &st->base;
    return ENT_OK;
}

static void
sqlite_close(struct ent_store *base)
{
    struct sqlite_store *st = (struct sqlite_store *)base;
    stop_watching(st);
    sqlite3_close(st->watch_db); /* open when the watcher's thread could not start */
    ent_pool_destroy(&st->pool);
    pthread_cond_destroy(&st->watch_wake);
    pthread_mutex_destroy(&st->watch_lock);
    ent_free(st);
}

static int
sqlite_acquire(struct ent_store *base, struct ent_store_session **out)
{
    return ent_pool_acquire(&((struct sqlite_store *)base)->pool, out);
}

static void
sqlite_release(struct ent_store_session *base)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    struct sqlite_store *st = (struct sqlite_store *)base->store;
    if (!sqlite3_get_autocommit(s->db))
        exec_script(s->db, "ROLLBACK"); /* a transaction left open is never committed */
    ent_pool_release(&st->pool, base);
}

/*
 * Whether the database file and its WAL are still the files at their paths. A store deleted or
 * replaced under a running daemon keeps taking writes into files nobody will open again: the
 * next start opens what the path holds, and every write acknowledged meanwhile is gone. So once
 * either has moved (SQLITE_FCNTL_HAS_MOVED: the inode of the open file against stat() of its
 * path, two system calls), the store refuses every write and fails its ping (/readyz) until a
 * restart. Checked once per write transaction, before its COMMIT (what decides whether it is
 * acknowledged), and in ping. Returns ENT_OK, or ENT_EUNAVAILABLE (logged once).
 */
static int
check_unmoved(struct sqlite_session *s)
{
    struct sqlite_store *st = (struct sqlite_store *)s->base.store;
    if (atomic_load(&st->moved))
        return ENT_EUNAVAILABLE;
    int moved = 0;
    sqlite3_file_control(s->db, "main", SQLITE_FCNTL_HAS_MOVED, &moved);
    /* SQLite answers HAS_MOVED for the database file only (its WAL is opened without locks),
     * so the WAL's inode is compared here: it stays the same file while any session has the
     * database open, as the pool's sessions do until close. */
    if (!moved && st->wal_ino != 0)
        moved = wal_inode(st) != st->wal_ino;
    if (!moved)
        return ENT_OK;
    if (!atomic_exchange(&st->moved, true))
        ent_store_log(ENT_LOG_ERROR,
                      "sqlite: the store %s (or its -wal) was deleted or replaced while"
                      " open: every write is refused from now on; restore it and restart\n",
                      st->path);
    return ENT_EUNAVAILABLE;
}

static int
sqlite_begin(struct ent_store_session *base, bool write)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
    if (!st)
        return ENT_ESTORE;
    int rc = ent_sqlite_step(s, st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? ENT_OK : ent_sqlite_fail(s, rc, "begin");
}

static int
sqlite_commit(struct ent_store_session *base)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    /* Checked here, not at BEGIN: the file may go while the transaction runs, and only what
     * reaches the file the next start opens may be acknowledged. A read transaction commits
     * nothing, so it needs no check. */
    int code = sqlite3_txn_state(s->db, "main") == SQLITE_TXN_WRITE ? check_unmoved(s) : ENT_OK;
    sqlite3_stmt *st = code == ENT_OK ? ent_sqlite_prep(s, "COMMIT") : NULL;
    if (!st && code == ENT_OK)
        return ENT_ESTORE;
    int rc = st ? ent_sqlite_step(s, st) : SQLITE_ABORT;
    if (st)
        sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        if (code == ENT_OK)
            code = ent_sqlite_fail(s, rc, "commit");
        if (!sqlite3_get_autocommit(s->db))
            exec_script(s->db, "ROLLBACK");
        atomic_fetch_add(&base->store->stats.rollbacks, 1);
        return code;
    }
    atomic_fetch_add(&base->store->stats.commits, 1);
    return ENT_OK;
}

static void
sqlite_rollback(struct ent_store_session *base)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    if (sqlite3_get_autocommit(s->db))
        return;
    sqlite3_stmt *st = ent_sqlite_prep(s, "ROLLBACK");
    if (st) {
        ent_sqlite_step(s, st);
        sqlite3_reset(st);
    }
    atomic_fetch_add(&base->store->stats.rollbacks, 1);
}

static int
sqlite_ping(struct ent_store_session *base)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    if (check_unmoved(s) < 0)
        return ENT_EUNAVAILABLE;
    sqlite3_stmt *st = ent_sqlite_prep(s, "SELECT 1");
    if (!st)
        return ENT_ESTORE;
    int rc = ent_sqlite_step(s, st);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? ENT_OK : ent_sqlite_fail(s, rc, "ping");
}

/* ------------------------------------------------------------------------------------------ */
/* Clock and announcements                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* One process owns the database file: the wall clock is the store's clock. */
static int64_t
sqlite_now_ms(struct ent_store *base)
{
    return ent_store_wall_ms();
}

/* No other process shares the store, so there is no one to tell: does nothing. */
/*
 * Another process on the same SQLite file is a command (`entitled import`, `entitled keys
 * create`) beside a daemon: what it changes in accounts reaches the daemon on its next read of
 * them, but a catalog change must make the daemon drop its catalog and snapshots. So a change of
 * the catalog (a batch of an import announces one too) raises the setting catalog_version in its
 * transaction, and every process watches that setting (sqlite_listen). Its value is a counter
 * and the writer's instance ("7 3f2a…"): a process's own catalog writes drop its caches at their
 * commit (writes.c), together with whatever another process changed before them, so the watcher
 * ignores a value this process wrote. Other announcements concern the daemon's own caches,
 * already dropped at commit: nothing to write.
 */
#define CATALOG_VERSION_SQL "SELECT value FROM settings WHERE name = 'catalog_version'"
#define WATCH_NS 250000000L /* how often the setting is read */

static int
sqlite_announce(struct ent_store_session *base, enum ent_store_change what, const char *id)
{
    (void)id;
    if (what != ENT_STORE_CHANGE_CATALOG)
        return ENT_OK;
    struct sqlite_session *s = (struct sqlite_session *)base;
    struct sqlite_store *store = (struct sqlite_store *)base->store;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "INSERT INTO settings (name, value) VALUES ('catalog_version', '1 ' || ?1) "
           "ON CONFLICT (name) DO UPDATE SET value = (CAST(value AS INTEGER) + 1) || ' ' || ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, store->instance);
    return ent_sqlite_exec_done(s, st, "announce a catalog change");
}

/* Reads catalog_version on db into out (cap bytes; empty when never set). SQLITE_OK or a code. */
static int
read_catalog_version(sqlite3 *db, char *out, size_t cap)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, CATALOG_VERSION_SQL, -1, &st, NULL);
    out[0] = '\0';
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
        rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    return rc;
}

/*
 * The watcher's thread: reads catalog_version every 250 ms on a connection of its own and tells
 * the listener when it changed (a catalog change, this process's own included: dropping a
 * catalog twice is harmless). While it cannot read it, changes may go unseen: it says so
 * (ENT_STORE_CHANGE_ALL), and ENT_STORE_LISTENING once it reads again.
 */
/* One look of the watcher at catalog_version (on its own connection, opened when needed). */
static void
watch_look(struct sqlite_store *st)
{
    if (!st->watch_db &&
        sqlite3_open_v2(st->path, &st->watch_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        sqlite3_close(st->watch_db);
        st->watch_db = NULL;
    }
    if (st->watch_db)
        sqlite3_busy_timeout(st->watch_db, 100);
    char now[64];
    int rc = st->watch_db ? read_catalog_version(st->watch_db, now, sizeof(now)) : SQLITE_CANTOPEN;
    if (rc == SQLITE_OK && !st->watch_reading) {
        st->watch_reading = true;
        snprintf(st->watch_seen, sizeof(st->watch_seen), "%s", now);
        st->changed(st->changed_arg, ENT_STORE_LISTENING, NULL);
    } else if (rc == SQLITE_OK && strcmp(now, st->watch_seen) != 0) {
        snprintf(st->watch_seen, sizeof(st->watch_seen), "%s", now);
        const char *writer = strchr(now, ' ');
        if (!writer || strcmp(writer + 1, st->instance) != 0)
            st->changed(st->changed_arg, ENT_STORE_CHANGE_CATALOG, NULL);
    } else if (rc != SQLITE_OK && rc != SQLITE_BUSY && st->watch_reading) {
        st->watch_reading = false;
        st->changed(st->changed_arg, ENT_STORE_CHANGE_ALL, NULL);
        sqlite3_close(st->watch_db);
        st->watch_db = NULL;
    }
}

/*
 * The watcher's thread: looks at catalog_version every 250 ms and tells the listener when it
 * changed (a catalog change of another process: this process's own dropped its caches at
 * commit). While it cannot read it, changes may go unseen: it says so (ENT_STORE_CHANGE_ALL),
 * and ENT_STORE_LISTENING once it reads again.
 */
static void *
watch_catalog(void *arg)
{
    struct sqlite_store *st = arg;
    pthread_mutex_lock(&st->watch_lock);
    while (!st->watch_quit) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += WATCH_NS;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&st->watch_wake, &st->watch_lock, &until);
        if (st->watch_quit)
            break;
        pthread_mutex_unlock(&st->watch_lock);
        watch_look(st);
        pthread_mutex_lock(&st->watch_lock);
    }
    pthread_mutex_unlock(&st->watch_lock);
    return NULL;
}

static int
sqlite_listen(struct ent_store *base,
              void (*fn)(void *arg, enum ent_store_change what, const char *id), void *arg)
{
    struct sqlite_store *st = (struct sqlite_store *)base;
    st->changed = fn;
    st->changed_arg = arg;
    fn(arg, ENT_STORE_CHANGE_ALL, NULL); /* until the setting is read */
    /* The first look here, so that caching is on when the store is open, not once a thread
     * has run (a loaded machine may take a while to run it). */
    watch_look(st);
    st->watch_quit = false;
    if (pthread_create(&st->watcher, NULL, watch_catalog, st) != 0)
        return ENT_ENOMEM;
    st->watching = true;
    return ENT_OK;
}

/* Stops the watcher (at close). */
static void
stop_watching(struct sqlite_store *st)
{
    if (!st->watching)
        return;
    pthread_mutex_lock(&st->watch_lock);
    st->watch_quit = true;
    pthread_cond_signal(&st->watch_wake);
    pthread_mutex_unlock(&st->watch_lock);
    pthread_join(st->watcher, NULL);
    st->watching = false;
    sqlite3_close(st->watch_db);
    st->watch_db = NULL;
}

/* ------------------------------------------------------------------------------------------ */

static const struct ent_store_ops sqlite_ops = {
    .name = "sqlite",
    .now_ms = sqlite_now_ms,
    .announce = sqlite_announce,
    .listen = sqlite_listen,
    .close = sqlite_close,
    .acquire = sqlite_acquire,
    .release = sqlite_release,
    .begin = sqlite_begin,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .ping = sqlite_ping,
    .schema_version = sqlite_schema_version,
    .backup = ent_sqlite_backup,
    .snapshot = ent_sqlite_snapshot,
    .dump = ent_sqlite_dump,
    .load_begin = ent_sqlite_load_begin,
    .load = ent_sqlite_load,
    .load_finish = ent_sqlite_load_finish,
    .list = ent_sqlite_list,
    .feature_insert = ent_sqlite_feature_insert,
    .feature_update = ent_sqlite_feature_update,
    .feature_delete = ent_sqlite_feature_delete,
    .feature_get = ent_sqlite_feature_get,
    .feature_product_count = ent_sqlite_feature_product_count,
    .feature_name_taken = ent_sqlite_feature_name_taken,
    .consumption_find = ent_sqlite_consumption_find,
    .consumption_add = ent_sqlite_consumption_add,
    .consumption_series = ent_sqlite_consumption_series,
    .product_insert = ent_sqlite_product_insert,
    .product_update = ent_sqlite_product_update,
    .product_delete = ent_sqlite_product_delete,
    .product_get = ent_sqlite_product_get,
    .product_bundles = ent_sqlite_product_bundles,
    .product_ids_granting = ent_sqlite_product_ids_granting,
    .product_grant_count = ent_sqlite_product_grant_count,
    .account_insert = ent_sqlite_account_insert,
    .account_update = ent_sqlite_account_update,
    .account_delete = ent_sqlite_account_delete,
    .account_get = ent_sqlite_account_get,
    .account_child_count = ent_sqlite_account_child_count,
    .key_insert = ent_sqlite_key_insert,
    .key_get = ent_sqlite_key_get,
    .key_find_hash = ent_sqlite_key_find_hash,
    .key_revoke = ent_sqlite_key_revoke,
    .key_revoke_account = ent_sqlite_key_revoke_account,
    .key_count = ent_sqlite_key_count,
    .event_insert = ent_sqlite_event_insert,
    .event_get = ent_sqlite_event_get,
    .activation_id_taken = ent_sqlite_activation_id_taken,
    .order_insert = ent_sqlite_order_insert,
    .order_get = ent_sqlite_order_get,
    .order_activate = ent_sqlite_order_activate,
    .entitlement_insert = ent_sqlite_entitlement_insert,
    .entitlement_update = ent_sqlite_entitlement_update,
    .entitlement_get = ent_sqlite_entitlement_get,
    .entitlements_of_account = ent_sqlite_entitlements_of_account,
    .account_grant_count = ent_sqlite_account_grant_count,
    .lease_insert = ent_sqlite_lease_insert,
    .lease_update = ent_sqlite_lease_update,
    .lease_get = ent_sqlite_lease_get,
    .lease_find = ent_sqlite_lease_find,
    .usage_find = ent_sqlite_usage_find,
    .usage_counter = ent_sqlite_usage_counter,
    .usage_add = ent_sqlite_usage_add,
    .usage_series = ent_sqlite_usage_series,
    .activation_insert = ent_sqlite_activation_insert,
    .activation_update = ent_sqlite_activation_update,
    .activation_get = ent_sqlite_activation_get,
    .activation_find = ent_sqlite_activation_find,
    .activation_count_live = ent_sqlite_activation_count_live,
    .seats_of_account = ent_sqlite_seats_of_account,
    .idempotency_get = ent_sqlite_idempotency_get,
    .idempotency_insert = ent_sqlite_idempotency_insert,
    .idempotency_purge = ent_sqlite_idempotency_purge,
    .setting_get = ent_sqlite_setting_get,
    .setting_insert = ent_sqlite_setting_insert,
    /* Signed licenses (issue 13) */
    .signing_key_insert = ent_sqlite_signing_key_insert,
    .signing_key_current = ent_sqlite_signing_key_current,
    .signing_keys_all = ent_sqlite_signing_keys_all,
    .license_insert = ent_sqlite_license_insert,
    .license_update = ent_sqlite_license_update,
    .license_get = ent_sqlite_license_get,
    .licenses_of_activation = ent_sqlite_licenses_of_activation,
    /* webhooks (issue 15) */
    .webhook_insert = ent_sqlite_webhook_insert,
    .webhook_update = ent_sqlite_webhook_update,
    .webhook_delete = ent_sqlite_webhook_delete,
    .webhook_get = ent_sqlite_webhook_get,
    .webhooks_enabled = ent_sqlite_webhooks_enabled,
    .webhook_secrets = ent_sqlite_webhook_secrets,
    .webhook_set_secret = ent_sqlite_webhook_set_secret,
    .webhook_health = ent_sqlite_webhook_health,
    .webhook_message_insert = ent_sqlite_webhook_message_insert,
    .webhook_message_get = ent_sqlite_webhook_message_get,
    .webhook_claim = ent_sqlite_webhook_claim,
    .webhook_attempted = ent_sqlite_webhook_attempted,
    .webhook_unclaim = ent_sqlite_webhook_unclaim,
    .webhook_resend = ent_sqlite_webhook_resend,
    .webhook_backlog = ent_sqlite_webhook_backlog,
    .webhook_release_claims = ent_sqlite_webhook_release_claims,
    .webhook_clock_take = ent_sqlite_webhook_clock_take,
    .webhook_clock_set = ent_sqlite_webhook_clock_set,
    .timed_entitlements = ent_sqlite_timed_entitlements,
    .timed_leases = ent_sqlite_timed_leases,
    .timed_activations = ent_sqlite_timed_activations,
    .webhook_window_crossed = ent_sqlite_webhook_window_crossed,
    .webhook_windows_ended = ent_sqlite_webhook_windows_ended,
    /* seed 004 (issue 17) */
    .entitlement_owners = ent_sqlite_entitlement_owners,
    .entitlement_owner_add = ent_sqlite_entitlement_owner_add,
    .entitlement_owners_copy = ent_sqlite_entitlement_owners_copy,
    .entitlement_children = ent_sqlite_entitlement_children,
    .order_update = ent_sqlite_order_update,
    .order_add_items = ent_sqlite_order_add_items,
    .line_item_update = ent_sqlite_line_item_update,
    .entitlements_of_line_item = ent_sqlite_entitlements_of_line_item,
    .maintenance_of = ent_sqlite_maintenance_of,
    .line_item_is_maintenance = ent_sqlite_line_item_is_maintenance,
    .attribute_definition_insert = ent_sqlite_attribute_definition_insert,
    .attribute_definition_get = ent_sqlite_attribute_definition_get,
    .attribute_definition_delete = ent_sqlite_attribute_definition_delete,
    .attribute_definitions_of = ent_sqlite_attribute_definitions_of,
};
