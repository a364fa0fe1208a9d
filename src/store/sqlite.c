/* SPDX-License-Identifier: MIT */
/*
 * sqlite.c: the SQLite backend of the store interface (store.h).
 *
 * One database file in WAL mode with synchronous=FULL, so a committed transaction survives a
 * crash or power loss. The store is a pool of connections (one per worker thread in practice);
 * writers take the write lock at BEGIN (IMMEDIATE), so a transaction never fails half-way on a
 * lock upgrade, and wait up to the busy timeout for it.
 *
 * Each connection keeps its prepared statements, keyed by the address of their SQL text (all
 * SQL here is static), so a warm operation prepares nothing.
 *
 * THREAD SAFETY: the pool (free list, count) is guarded by store->lock. A session is used by
 * one thread at a time, between acquire and release. Counters are atomics.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "core/alloc.h"
#include "core/str.h"
#include "store/migrations.h"
#include "store/sqlite_int.h"
#include "store/store.h"

#define BUSY_TIMEOUT_MS 10000

struct sqlite_store {
    struct ent_store base;
    char path[4096];
    pthread_mutex_t lock;
    pthread_cond_t available;
    struct sqlite_session *free_list;
    struct sqlite_session **all; /* every session open, for close; max places, NULL when free */
    unsigned n_open;             /* sessions open or being opened */
    unsigned max;
};

static const struct ent_store_ops sqlite_ops;

/* ------------------------------------------------------------------------------------------ */
/* Statements and codes                                                                        */
/* ------------------------------------------------------------------------------------------ */

/* Maps an SQLite result code to the store's codes. */
int
ent_sqlite_map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return ENT_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return ENT_EBUSY;
    case SQLITE_NOMEM:
        return ENT_ENOMEM;
    case SQLITE_CONSTRAINT:
        if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
            return ENT_ECONFLICT;
        return ENT_ESTORE;
    default:
        return ENT_ESTORE;
    }
}

/* Logs an unexpected database error to stderr: the client only ever sees "internal". */
int
ent_sqlite_fail(struct sqlite_session *s, int rc, const char *what)
{
    int code = ent_sqlite_map_rc(rc);
    if (code == ENT_ESTORE || code == ENT_ENOMEM)
        fprintf(stderr, "entitled: sqlite: %s: %s\n", what, sqlite3_errmsg(s->db));
    return code;
}

/*
 * The prepared statement for the static text sql, reset and with no bindings; NULL when it
 * cannot be prepared (logged).
 */
sqlite3_stmt *
ent_sqlite_prep(struct sqlite_session *s, const char *sql)
{
    for (size_t i = 0; i < s->n_cached; i++) {
        if (s->cache[i].sql == sql) {
            sqlite3_stmt *st = s->cache[i].stmt;
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return st;
        }
    }
    sqlite3_stmt *st = NULL;
    unsigned flags = s->n_cached < STMT_CACHE ? SQLITE_PREPARE_PERSISTENT : 0;
    int rc = sqlite3_prepare_v3(s->db, sql, -1, flags, &st, NULL);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "entitled: sqlite: prepare: %s\n", sqlite3_errmsg(s->db));
        return NULL;
    }
    if (s->n_cached < STMT_CACHE) {
        s->cache[s->n_cached].sql = sql;
        s->cache[s->n_cached].stmt = st;
        s->n_cached++;
    }
    return st;
}

/* Steps st once, counting the call. Returns the SQLite code. */
int
ent_sqlite_step(struct sqlite_session *s, sqlite3_stmt *st)
{
    atomic_fetch_add(&s->base.store->stats.calls, 1);
    return sqlite3_step(st);
}

/* Runs a statement that returns no rows. */
int
ent_sqlite_exec_done(struct sqlite_session *s, sqlite3_stmt *st, const char *what)
{
    int rc = ent_sqlite_step(s, st);
    int code = rc == SQLITE_DONE ? ENT_OK : ent_sqlite_fail(s, rc, what);
    sqlite3_reset(st);
    return code;
}

/* Binds a string, or NULL. */
void
ent_sqlite_bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* A copy of column i in the arena, or NULL when the column is NULL. */
const char *
ent_sqlite_col_text(struct ent_arena *a, sqlite3_stmt *st, int i)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    if (!v)
        return NULL;
    return ent_arena_strndup(a, (const char *)v, (size_t)sqlite3_column_bytes(st, i));
}

/* Copies column i into a fixed 37-byte id (empty when NULL). */
void
ent_sqlite_col_id(sqlite3_stmt *st, int i, char *out)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    snprintf(out, 37, "%s", v ? (const char *)v : "");
}

/* An optional id: NULL for an empty one. */
const char *
ent_sqlite_opt_id(const char *id)
{
    return (id && id[0]) ? id : NULL;
}

/* Runs a query with one text parameter that returns one count. */
int
ent_sqlite_count_query(struct sqlite_session *s, const char *sql, const char *param, int64_t *n)
{
    sqlite3_stmt *st = ent_sqlite_prep(s, sql);
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, param);
    int rc = ent_sqlite_step(s, st);
    if (rc != SQLITE_ROW) {
        int code = ent_sqlite_fail(s, rc, "count");
        sqlite3_reset(st);
        return code;
    }
    *n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return ENT_OK;
}

/* Runs a query with one text parameter that returns ids; OUT ids in the arena. */
int
ent_sqlite_id_query(struct sqlite_session *s, struct ent_arena *a, const char *sql,
                    const char *param, char (**ids)[37], size_t *n)
{
    sqlite3_stmt *st = ent_sqlite_prep(s, sql);
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, param);
    size_t cap = 8, count = 0;
    char(*out)[37] = ent_arena_alloc(a, cap * 37);
    int rc;
    while (out && (rc = ent_sqlite_step(s, st)) == SQLITE_ROW) {
        if (count == cap) {
            char(*bigger)[37] = ent_arena_alloc(a, cap * 2 * 37);
            if (bigger)
                memcpy(bigger, out, cap * 37);
            out = bigger;
            cap *= 2;
            if (!out)
                break;
        }
        ent_sqlite_col_id(st, 0, out[count++]);
    }
    sqlite3_reset(st);
    if (!out)
        return ENT_ENOMEM;
    if (rc != SQLITE_DONE)
        return ent_sqlite_fail(s, rc, "ids");
    *ids = out;
    *n = count;
    return ENT_OK;
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
        fprintf(stderr, "entitled: sqlite: %s\n", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return ent_sqlite_map_rc(rc);
    }
    return ENT_OK;
}

/* Opens one connection with the store's settings. OUT session (heap). */
static int
open_session(struct sqlite_store *st, struct sqlite_session **out)
{
    struct sqlite_session *s = ent_calloc(1, sizeof(*s));
    if (!s)
        return ENT_ENOMEM;
    s->base.ops = &sqlite_ops;
    s->base.store = &st->base;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(st->path, &s->db, flags, NULL);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "entitled: sqlite: cannot open %s: %s\n", st->path,
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
    *out = s;
    return ENT_OK;
}

/* Finalizes a session's statements and closes its connection. */
static void
close_session(struct sqlite_session *s)
{
    for (size_t i = 0; i < s->n_cached; i++)
        sqlite3_finalize(s->cache[i].stmt);
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

/* Applies, each in its own transaction, the migrations the database has not seen. */
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
        int have = 0;
        code = sqlite_schema_version(&s->base, &have);
        if (code == ENT_OK && have < m->version) {
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
            fprintf(stderr, "entitled: migration %s failed\n", m->name);
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
    if (!st)
        return ENT_ENOMEM;
    st->all = ent_calloc(connections, sizeof(*st->all));
    if (!st->all) {
        ent_free(st);
        return ENT_ENOMEM;
    }
    st->base.ops = &sqlite_ops;
    snprintf(st->path, sizeof(st->path), "%s", path);
    snprintf(st->base.file_path, sizeof(st->base.file_path), "%s", path);
    st->max = connections;
    pthread_mutex_init(&st->lock, NULL);
    pthread_condattr_t cond_attr;
    pthread_condattr_init(&cond_attr);
    pthread_condattr_setclock(&cond_attr, CLOCK_MONOTONIC);
    pthread_cond_init(&st->available, &cond_attr);
    pthread_condattr_destroy(&cond_attr);
    struct sqlite_session *first = NULL;
    int code = open_session(st, &first);
    if (code == ENT_OK)
        code = migrate(first);
    if (code < 0) {
        if (first)
            close_session(first);
        pthread_cond_destroy(&st->available);
        pthread_mutex_destroy(&st->lock);
        ent_free(st->all);
        ent_free(st);
        return ent_error_set(err, code == ENT_ENOMEM ? ENT_ENOMEM : ENT_ESTORE,
                             "cannot open the SQLite store at %s", path);
    }
    st->all[0] = first;
    st->n_open = 1;
    first->next_free = NULL;
    st->free_list = first;
    *out = &st->base;
    return ENT_OK;
}

static void
sqlite_close(struct ent_store *base)
{
    struct sqlite_store *st = (struct sqlite_store *)base;
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
sqlite_acquire(struct ent_store *base, struct ent_store_session **out)
{
    struct sqlite_store *st = (struct sqlite_store *)base;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += BUSY_TIMEOUT_MS / 1000;
    pthread_mutex_lock(&st->lock);
    while (!st->free_list && st->n_open == st->max) {
        /* Every session is in use: wait for one, but not forever (a caller holding sessions
         * it does not give back must get an error, not a hang). */
        if (pthread_cond_timedwait(&st->available, &st->lock, &deadline) == ETIMEDOUT &&
            !st->free_list && st->n_open == st->max) {
            pthread_mutex_unlock(&st->lock);
            return ENT_EBUSY;
        }
    }
    struct sqlite_session *s = st->free_list;
    if (s) {
        st->free_list = s->next_free;
        pthread_mutex_unlock(&st->lock);
        *out = &s->base;
        return ENT_OK;
    }
    st->n_open++; /* reserve a place, then open outside the lock */
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
sqlite_release(struct ent_store_session *base)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    struct sqlite_store *st = (struct sqlite_store *)base->store;
    if (!sqlite3_get_autocommit(s->db))
        exec_script(s->db, "ROLLBACK"); /* a transaction left open is never committed */
    pthread_mutex_lock(&st->lock);
    s->next_free = st->free_list;
    st->free_list = s;
    pthread_cond_signal(&st->available);
    pthread_mutex_unlock(&st->lock);
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
    sqlite3_stmt *st = ent_sqlite_prep(s, "COMMIT");
    if (!st)
        return ENT_ESTORE;
    int rc = ent_sqlite_step(s, st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        int code = ent_sqlite_fail(s, rc, "commit");
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
    sqlite3_stmt *st = ent_sqlite_prep(s, "SELECT 1");
    if (!st)
        return ENT_ESTORE;
    int rc = ent_sqlite_step(s, st);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? ENT_OK : ent_sqlite_fail(s, rc, "ping");
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
                       "product_id IN (SELECT id FROM products WHERE name LIKE %s ESCAPE '\\'"
                       " OR key LIKE %s ESCAPE '\\')"},
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
                                                          " 1000 END) > CAST(%s AS INTEGER)"},
                                          {"dead_before", "(ttl_seconds IS NOT NULL AND"
                                                          " last_heartbeat_ms + ttl_seconds *"
                                                          " 1000 <= CAST(%s AS INTEGER))"}}},
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

/* Appends the WHERE clause of q to sql; binds are numbered from 1 in filter order. */
static int
build_where(const struct table_desc *t, const struct ent_store_query *q, char *sql, size_t cap)
{
    size_t len = strlen(sql);
    int n = snprintf(sql + len, cap - len, " WHERE 1=1");
    for (size_t i = 0; i < q->n_filters; i++) {
        const char *col = map_column(t->filter, 8, q->filters[i].field);
        if (!col)
            return ENT_ESTORE;
        len = strlen(sql);
        if (!q->filters[i].value) {
            n = snprintf(sql + len, cap - len, " AND %s IS NULL", col);
            continue;
        }
        if (strstr(col, "%s")) {
            /* An expression of the parameter: each %s stands for it. */
            char param[16], expr[600];
            snprintf(param, sizeof(param), "?%zu", i + 1);
            size_t o = 0;
            for (const char *c = col; *c && o + 16 < sizeof(expr); c++) {
                if (c[0] == '%' && c[1] == 's') {
                    o += (size_t)snprintf(expr + o, sizeof(expr) - o, "%s", param);
                    c++;
                } else {
                    expr[o++] = *c;
                }
            }
            expr[o] = '\0';
            n = snprintf(sql + len, cap - len, " AND %s", expr);
            continue;
        }
        switch (q->filters[i].op) {
        case ENT_STORE_EQ:
            n = snprintf(sql + len, cap - len, " AND %s = ?%zu", col, i + 1);
            break;
        case ENT_STORE_GT:
            n = snprintf(sql + len, cap - len, " AND %s > ?%zu", col, i + 1);
            break;
        case ENT_STORE_LE:
            n = snprintf(sql + len, cap - len, " AND %s <= ?%zu", col, i + 1);
            break;
        case ENT_STORE_GT_OR_NULL:
            n = snprintf(sql + len, cap - len, " AND (%s IS NULL OR %s > ?%zu)", col, col, i + 1);
            break;
        }
    }
    if (q->search && q->search[0]) {
        len = strlen(sql);
        n = snprintf(sql + len, cap - len, " AND (");
        for (size_t i = 0; i < 3 && t->search[i]; i++) {
            len = strlen(sql);
            if (strstr(t->search[i], "%s")) {
                /* An expression of the pattern: each %s stands for it. */
                char param[16];
                snprintf(param, sizeof(param), "?%zu", q->n_filters + 1);
                n = snprintf(sql + len, cap - len, "%s", i ? " OR " : "");
                for (const char *c = t->search[i]; *c; c++) {
                    len = strlen(sql);
                    if (c[0] == '%' && c[1] == 's') {
                        n = snprintf(sql + len, cap - len, "%s", param);
                        c++;
                    } else {
                        n = snprintf(sql + len, cap - len, "%c", *c);
                    }
                }
                continue;
            }
            n = snprintf(sql + len, cap - len, "%s%s LIKE ?%zu ESCAPE '\\'", i ? " OR " : "",
                         t->search[i], q->n_filters + 1);
        }
        len = strlen(sql);
        n = snprintf(sql + len, cap - len, ")");
    }
    return (n < 0 || strlen(sql) + 1 >= cap) ? ENT_ESTORE : ENT_OK;
}

/* Binds the filter values and the search pattern of q. */
static int
bind_query(struct ent_arena *a, sqlite3_stmt *st, const struct ent_store_query *q)
{
    int i = 1;
    for (size_t k = 0; k < q->n_filters; k++, i++) {
        if (q->filters[k].value)
            ent_sqlite_bind_text(st, i, q->filters[k].value);
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
        sqlite3_bind_text(st, (int)q->n_filters + 1, pattern, -1, SQLITE_TRANSIENT);
    }
    return ENT_OK;
}

/* Prepares a one-off statement (list queries are built per request). */
static sqlite3_stmt *
prep_dynamic(struct sqlite_session *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "entitled: sqlite: prepare: %s\n", sqlite3_errmsg(s->db));
        return NULL;
    }
    return st;
}

static int
sqlite_list(struct ent_store_session *base, struct ent_arena *a, enum ent_store_table table,
            const struct ent_store_query *q, char (**ids)[37], size_t *n, int64_t *total)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    const struct table_desc *t = &tables[table];
    char where[2048] = "";
    int code = build_where(t, q, where, sizeof(where));
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
    sqlite3_stmt *st = prep_dynamic(s, sql);
    if (!st)
        return ENT_ESTORE;
    code = bind_query(a, st, q);
    int rc = code == ENT_OK ? ent_sqlite_step(s, st) : SQLITE_ERROR;
    if (rc == SQLITE_ROW)
        *total = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return code < 0 ? code : ent_sqlite_fail(s, rc, "list count");

    const char *dir = q->sort_desc ? "DESC" : "ASC";
    snprintf(sql, sizeof(sql), "SELECT id FROM %s%s ORDER BY %s %s, id %s LIMIT %lld OFFSET %lld",
             t->table, where, order, dir, dir, (long long)q->limit, (long long)q->offset);
    st = prep_dynamic(s, sql);
    if (!st)
        return ENT_ESTORE;
    char(*out)[37] = ent_arena_alloc(a, (size_t)(q->limit > 0 ? q->limit : 1) * 37);
    size_t count = 0;
    code = out ? bind_query(a, st, q) : ENT_ENOMEM;
    while (code == ENT_OK && (rc = ent_sqlite_step(s, st)) == SQLITE_ROW &&
           count < (size_t)q->limit)
        ent_sqlite_col_id(st, 0, out[count++]);
    if (code == ENT_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        code = ent_sqlite_fail(s, rc, "list");
    sqlite3_finalize(st);
    if (code < 0)
        return code;
    *ids = out;
    *n = count;
    return ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Features                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* Replaces the levels of feature f. */
static int
write_levels(struct sqlite_session *s, const struct ent_feature *f)
{
    sqlite3_stmt *st = ent_sqlite_prep(s, "DELETE FROM feature_levels WHERE feature_id = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, f->id);
    int code = ent_sqlite_exec_done(s, st, "delete levels");
    for (size_t i = 0; code == ENT_OK && i < f->n_levels; i++) {
        st = ent_sqlite_prep(
            s, "INSERT INTO feature_levels (feature_id, position, value, name, is_unlimited)"
               " VALUES (?1, ?2, ?3, ?4, ?5)");
        if (!st)
            return ENT_ESTORE;
        ent_sqlite_bind_text(st, 1, f->id);
        sqlite3_bind_int64(st, 2, (int64_t)i);
        ent_sqlite_bind_text(st, 3, f->levels[i].value);
        ent_sqlite_bind_text(st, 4, f->levels[i].name);
        sqlite3_bind_int(st, 5, f->levels[i].is_unlimited);
        code = ent_sqlite_exec_done(s, st, "insert level");
    }
    return code;
}

/* Binds the columns shared by feature insert and update (?1 id … ?10 updated_ms). */
static void
bind_feature(sqlite3_stmt *st, const struct ent_feature *f)
{
    ent_sqlite_bind_text(st, 1, f->id);
    ent_sqlite_bind_text(st, 2, f->key);
    ent_sqlite_bind_text(st, 3, f->name);
    ent_sqlite_bind_text(st, 4, ent_feature_type_name(f->type));
    ent_sqlite_bind_text(st, 5, f->unit);
    ent_sqlite_bind_text(st, 6, f->reset_period ? ent_period_name(f->reset_period) : NULL);
    sqlite3_bind_int(st, 7, f->activations_enabled);
    ent_sqlite_bind_text(st, 8, ent_status_name(f->status));
    ent_sqlite_bind_text(st, 9, f->attributes ? f->attributes : "{}");
    sqlite3_bind_int64(st, 10, f->updated_ms);
    sqlite3_bind_int64(st, 11, f->created_ms);
}

static int
sqlite_feature_insert(struct ent_store_session *base, const struct ent_feature *f)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "INSERT INTO features (id, key, name, type, unit, reset_period,"
                           " activations_enabled, status, attributes, updated_ms, created_ms)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    if (!st)
        return ENT_ESTORE;
    bind_feature(st, f);
    int code = ent_sqlite_exec_done(s, st, "insert feature");
    return code == ENT_OK ? write_levels(s, f) : code;
}

static int
sqlite_feature_update(struct ent_store_session *base, const struct ent_feature *f)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "UPDATE features SET key = ?2, name = ?3, type = ?4, unit = ?5,"
                           " reset_period = ?6, activations_enabled = ?7, status = ?8,"
                           " attributes = ?9, updated_ms = ?10 WHERE id = ?1 AND ?11 IS NOT NULL");
    if (!st)
        return ENT_ESTORE;
    bind_feature(st, f);
    int code = ent_sqlite_exec_done(s, st, "update feature");
    if (code == ENT_OK && sqlite3_changes(s->db) == 0)
        return ENT_ENOTFOUND;
    return code == ENT_OK ? write_levels(s, f) : code;
}

static int
sqlite_feature_delete(struct ent_store_session *base, const char *id)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "DELETE FROM features WHERE id = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id);
    int code = ent_sqlite_exec_done(s, st, "delete feature");
    if (code == ENT_OK && sqlite3_changes(s->db) == 0)
        return ENT_ENOTFOUND;
    return code;
}

/* Reads the levels of feature out->id into out. */
static int
read_levels(struct sqlite_session *s, struct ent_arena *a, struct ent_feature *out)
{
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "SELECT value, name, is_unlimited, (SELECT count(*) FROM"
                           " feature_levels WHERE feature_id = ?1) FROM feature_levels"
                           " WHERE feature_id = ?1 ORDER BY position");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, out->id);
    out->levels = NULL;
    out->n_levels = 0;
    int rc;
    while ((rc = ent_sqlite_step(s, st)) == SQLITE_ROW) {
        if (!out->levels) {
            size_t n = (size_t)sqlite3_column_int64(st, 3);
            out->levels = ent_arena_calloc(a, n ? n : 1, sizeof(*out->levels));
            if (!out->levels) {
                sqlite3_reset(st);
                return ENT_ENOMEM;
            }
        }
        struct ent_level *l = &out->levels[out->n_levels++];
        l->value = ent_sqlite_col_text(a, st, 0);
        l->name = ent_sqlite_col_text(a, st, 1);
        l->is_unlimited = sqlite3_column_int(st, 2) != 0;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? ENT_OK : ent_sqlite_fail(s, rc, "levels");
}

static int
sqlite_feature_get(struct ent_store_session *base, struct ent_arena *a, const char *id_or_key,
                   struct ent_feature *out)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "SELECT id, key, name, type, unit, reset_period,"
                           " activations_enabled, status, attributes, created_ms, updated_ms"
                           " FROM features WHERE id = ?1 OR key = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id_or_key);
    int rc = ent_sqlite_step(s, st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? ENT_ENOTFOUND : ent_sqlite_fail(s, rc, "get feature");
    }
    memset(out, 0, sizeof(*out));
    ent_sqlite_col_id(st, 0, out->id);
    out->key = ent_sqlite_col_text(a, st, 1);
    out->name = ent_sqlite_col_text(a, st, 2);
    out->type = ent_feature_type_parse((const char *)sqlite3_column_text(st, 3));
    out->unit = ent_sqlite_col_text(a, st, 4);
    out->reset_period = ent_period_parse((const char *)sqlite3_column_text(st, 5));
    out->activations_enabled = sqlite3_column_int(st, 6) != 0;
    out->status = ent_status_parse((const char *)sqlite3_column_text(st, 7));
    out->attributes = ent_sqlite_col_text(a, st, 8);
    out->created_ms = sqlite3_column_int64(st, 9);
    out->updated_ms = sqlite3_column_int64(st, 10);
    sqlite3_reset(st);
    if (!out->key || !out->name || !out->attributes)
        return ENT_ENOMEM;
    return read_levels(s, a, out);
}

static int
sqlite_feature_product_count(struct ent_store_session *base, const char *feature_id, int64_t *n)
{
    return ent_sqlite_count_query(
        (struct sqlite_session *)base,
        "SELECT (SELECT count(*) FROM product_entitlements WHERE feature_id = ?1)"
        " + (SELECT count(*) FROM entitlements WHERE feature_id = ?1)"
        " + (SELECT count(*) FROM usage_events WHERE feature_id = ?1)"
        " + (SELECT count(*) FROM activations WHERE feature_id = ?1)",
        feature_id, n);
}

/* ------------------------------------------------------------------------------------------ */
/* Products                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* Replaces the entitlements and components of product p. */
static int
write_product_lists(struct sqlite_session *s, const struct ent_product *p)
{
    static const char *const clear[] = {
        "DELETE FROM product_entitlements WHERE product_id = ?1",
        "DELETE FROM product_components WHERE product_id = ?1",
    };
    int code = ENT_OK;
    for (size_t i = 0; code == ENT_OK && i < 2; i++) {
        sqlite3_stmt *st = ent_sqlite_prep(s, clear[i]);
        if (!st)
            return ENT_ESTORE;
        ent_sqlite_bind_text(st, 1, p->id);
        code = ent_sqlite_exec_done(s, st, "clear product lists");
    }
    for (size_t i = 0; code == ENT_OK && i < p->n_entitlements; i++) {
        sqlite3_stmt *st =
            ent_sqlite_prep(s, "INSERT INTO product_entitlements (product_id, feature_id,"
                               " position, value, name) VALUES (?1, ?2, ?3, ?4, ?5)");
        if (!st)
            return ENT_ESTORE;
        ent_sqlite_bind_text(st, 1, p->id);
        ent_sqlite_bind_text(st, 2, p->entitlements[i].feature_id);
        sqlite3_bind_int64(st, 3, (int64_t)i);
        ent_sqlite_bind_text(st, 4, p->entitlements[i].value);
        ent_sqlite_bind_text(st, 5, p->entitlements[i].name);
        code = ent_sqlite_exec_done(s, st, "insert product entitlement");
    }
    for (size_t i = 0; code == ENT_OK && i < p->n_components; i++) {
        sqlite3_stmt *st =
            ent_sqlite_prep(s, "INSERT INTO product_components (product_id, component_id,"
                               " position, quantity) VALUES (?1, ?2, ?3, ?4)");
        if (!st)
            return ENT_ESTORE;
        ent_sqlite_bind_text(st, 1, p->id);
        ent_sqlite_bind_text(st, 2, p->components[i].product_id);
        sqlite3_bind_int64(st, 3, (int64_t)i);
        sqlite3_bind_int64(st, 4, p->components[i].quantity);
        code = ent_sqlite_exec_done(s, st, "insert component");
    }
    return code;
}

/* Binds the columns shared by product insert and update (?1 … ?15). */
static void
bind_product(sqlite3_stmt *st, const struct ent_product *p)
{
    ent_sqlite_bind_text(st, 1, p->id);
    ent_sqlite_bind_text(st, 2, p->key);
    ent_sqlite_bind_text(st, 3, p->name);
    ent_sqlite_bind_text(st, 4, ent_category_name(p->category));
    ent_sqlite_bind_text(st, 5, p->description);
    sqlite3_bind_int(st, 6, p->license_model.present);
    ent_sqlite_bind_text(st, 7, p->license_model.issuer);
    ent_sqlite_bind_text(st, 8, p->license_model.vendor_string);
    ent_sqlite_bind_text(st, 9, p->license_model.notice);
    if (p->max_leases >= 0)
        sqlite3_bind_int64(st, 10, p->max_leases);
    if (p->max_lease_days >= 0)
        sqlite3_bind_int64(st, 11, p->max_lease_days);
    ent_sqlite_bind_text(st, 12, ent_status_name(p->status));
    ent_sqlite_bind_text(st, 13, p->attributes ? p->attributes : "{}");
    sqlite3_bind_int64(st, 14, p->updated_ms);
    sqlite3_bind_int64(st, 15, p->created_ms);
}

static int
sqlite_product_insert(struct ent_store_session *base, const struct ent_product *p)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "INSERT INTO products (id, key, name, category, description, has_license_model,"
           " lm_issuer, lm_vendor_string, lm_notice, max_leases, max_lease_days, status,"
           " attributes, updated_ms, created_ms)"
           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
    if (!st)
        return ENT_ESTORE;
    bind_product(st, p);
    int code = ent_sqlite_exec_done(s, st, "insert product");
    return code == ENT_OK ? write_product_lists(s, p) : code;
}

static int
sqlite_product_update(struct ent_store_session *base, const struct ent_product *p)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "UPDATE products SET key = ?2, name = ?3, category = ?4, description = ?5,"
           " has_license_model = ?6, lm_issuer = ?7, lm_vendor_string = ?8, lm_notice = ?9,"
           " max_leases = ?10, max_lease_days = ?11, status = ?12, attributes = ?13,"
           " updated_ms = ?14 WHERE id = ?1 AND ?15 IS NOT NULL");
    if (!st)
        return ENT_ESTORE;
    bind_product(st, p);
    int code = ent_sqlite_exec_done(s, st, "update product");
    if (code == ENT_OK && sqlite3_changes(s->db) == 0)
        return ENT_ENOTFOUND;
    return code == ENT_OK ? write_product_lists(s, p) : code;
}

static int
sqlite_product_delete(struct ent_store_session *base, const char *id)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "DELETE FROM products WHERE id = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id);
    int code = ent_sqlite_exec_done(s, st, "delete product");
    if (code == ENT_OK && sqlite3_changes(s->db) == 0)
        return ENT_ENOTFOUND;
    return code;
}

/* Reads the entitlements and components of product out->id into out. */
static int
read_product_lists(struct sqlite_session *s, struct ent_arena *a, struct ent_product *out)
{
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "SELECT f.key, pe.feature_id, pe.value, pe.name, (SELECT count(*)"
                           " FROM product_entitlements WHERE product_id = ?1)"
                           " FROM product_entitlements pe JOIN features f ON f.id ="
                           " pe.feature_id WHERE pe.product_id = ?1 ORDER BY pe.position");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, out->id);
    int rc;
    while ((rc = ent_sqlite_step(s, st)) == SQLITE_ROW) {
        if (!out->entitlements) {
            size_t n = (size_t)sqlite3_column_int64(st, 4);
            out->entitlements = ent_arena_calloc(a, n ? n : 1, sizeof(*out->entitlements));
            if (!out->entitlements)
                break;
        }
        struct ent_product_entitlement *pe = &out->entitlements[out->n_entitlements++];
        pe->feature = ent_sqlite_col_text(a, st, 0);
        ent_sqlite_col_id(st, 1, pe->feature_id);
        pe->value = ent_sqlite_col_text(a, st, 2);
        pe->name = ent_sqlite_col_text(a, st, 3);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return rc == SQLITE_ROW ? ENT_ENOMEM : ent_sqlite_fail(s, rc, "product entitlements");
    st = ent_sqlite_prep(s, "SELECT p.key, c.component_id, c.quantity, (SELECT count(*) FROM"
                            " product_components WHERE product_id = ?1) FROM product_components c"
                            " JOIN products p ON p.id = c.component_id WHERE c.product_id = ?1"
                            " ORDER BY c.position");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, out->id);
    while ((rc = ent_sqlite_step(s, st)) == SQLITE_ROW) {
        if (!out->components) {
            size_t n = (size_t)sqlite3_column_int64(st, 3);
            out->components = ent_arena_calloc(a, n ? n : 1, sizeof(*out->components));
            if (!out->components)
                break;
        }
        struct ent_component *c = &out->components[out->n_components++];
        c->product = ent_sqlite_col_text(a, st, 0);
        ent_sqlite_col_id(st, 1, c->product_id);
        c->quantity = sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return rc == SQLITE_ROW ? ENT_ENOMEM : ent_sqlite_fail(s, rc, "product components");
    return ENT_OK;
}

static int
sqlite_product_get(struct ent_store_session *base, struct ent_arena *a, const char *id_or_key,
                   struct ent_product *out)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "SELECT id, key, name, category, description, has_license_model,"
                           " lm_issuer, lm_vendor_string, lm_notice, max_leases,"
                           " max_lease_days, status, attributes, created_ms, updated_ms"
                           " FROM products WHERE id = ?1 OR key = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id_or_key);
    int rc = ent_sqlite_step(s, st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? ENT_ENOTFOUND : ent_sqlite_fail(s, rc, "get product");
    }
    memset(out, 0, sizeof(*out));
    ent_sqlite_col_id(st, 0, out->id);
    out->key = ent_sqlite_col_text(a, st, 1);
    out->name = ent_sqlite_col_text(a, st, 2);
    out->category = ent_category_parse((const char *)sqlite3_column_text(st, 3));
    out->description = ent_sqlite_col_text(a, st, 4);
    out->license_model.present = sqlite3_column_int(st, 5) != 0;
    out->license_model.issuer = ent_sqlite_col_text(a, st, 6);
    out->license_model.vendor_string = ent_sqlite_col_text(a, st, 7);
    out->license_model.notice = ent_sqlite_col_text(a, st, 8);
    out->max_leases = sqlite3_column_type(st, 9) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 9);
    out->max_lease_days =
        sqlite3_column_type(st, 10) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 10);
    out->status = ent_status_parse((const char *)sqlite3_column_text(st, 11));
    out->attributes = ent_sqlite_col_text(a, st, 12);
    out->created_ms = sqlite3_column_int64(st, 13);
    out->updated_ms = sqlite3_column_int64(st, 14);
    sqlite3_reset(st);
    if (!out->key || !out->name || !out->attributes)
        return ENT_ENOMEM;
    return read_product_lists(s, a, out);
}

static int
sqlite_product_bundles(struct ent_store_session *base, struct ent_arena *a, const char *product_id,
                       char (**ids)[37], size_t *n)
{
    return ent_sqlite_id_query((struct sqlite_session *)base, a,
                               "SELECT product_id FROM product_components WHERE component_id = ?1"
                               " ORDER BY product_id",
                               product_id, ids, n);
}

static int
sqlite_product_grant_count(struct ent_store_session *base, const char *product_id, int64_t *n)
{
    return ent_sqlite_count_query((struct sqlite_session *)base,
                                  "SELECT (SELECT count(*) FROM order_line_items WHERE"
                                  " product_id = ?1) + (SELECT count(*) FROM entitlements WHERE"
                                  " product_id = ?1) + (SELECT count(*) FROM leases WHERE"
                                  " product_id = ?1)",
                                  product_id, n);
}

static int
sqlite_product_ids_granting(struct ent_store_session *base, struct ent_arena *a,
                            const char *feature_id, char (**ids)[37], size_t *n)
{
    return ent_sqlite_id_query((struct sqlite_session *)base, a,
                               "SELECT product_id FROM product_entitlements WHERE feature_id = ?1"
                               " ORDER BY product_id",
                               feature_id, ids, n);
}

/* ------------------------------------------------------------------------------------------ */
/* Accounts                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* Binds the columns shared by account insert and update (?1 … ?9). */
static void
bind_account(sqlite3_stmt *st, const struct ent_account *acc)
{
    ent_sqlite_bind_text(st, 1, acc->id);
    ent_sqlite_bind_text(st, 2, acc->key);
    ent_sqlite_bind_text(st, 3, acc->name);
    ent_sqlite_bind_text(st, 4, ent_account_type_name(acc->type));
    ent_sqlite_bind_text(st, 5, ent_sqlite_opt_id(acc->parent));
    ent_sqlite_bind_text(st, 6, acc->contact_email);
    ent_sqlite_bind_text(st, 7, acc->attributes ? acc->attributes : "{}");
    sqlite3_bind_int64(st, 8, acc->updated_ms);
    sqlite3_bind_int64(st, 9, acc->created_ms);
}

static int
sqlite_account_insert(struct ent_store_session *base, const struct ent_account *acc)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "INSERT INTO accounts (id, key, name, type, parent_id,"
                                          " contact_email, attributes, updated_ms, created_ms)"
                                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!st)
        return ENT_ESTORE;
    bind_account(st, acc);
    return ent_sqlite_exec_done(s, st, "insert account");
}

static int
sqlite_account_update(struct ent_store_session *base, const struct ent_account *acc)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "UPDATE accounts SET key = ?2, name = ?3, type = ?4,"
                                          " parent_id = ?5, contact_email = ?6, attributes = ?7,"
                                          " updated_ms = ?8 WHERE id = ?1 AND ?9 IS NOT NULL");
    if (!st)
        return ENT_ESTORE;
    bind_account(st, acc);
    int code = ent_sqlite_exec_done(s, st, "update account");
    if (code == ENT_OK && sqlite3_changes(s->db) == 0)
        return ENT_ENOTFOUND;
    return code;
}

static int
sqlite_account_delete(struct ent_store_session *base, const char *id)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "DELETE FROM accounts WHERE id = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id);
    int code = ent_sqlite_exec_done(s, st, "delete account");
    if (code == ENT_OK && sqlite3_changes(s->db) == 0)
        return ENT_ENOTFOUND;
    return code;
}

static int
sqlite_account_get(struct ent_store_session *base, struct ent_arena *a, const char *id_or_key,
                   struct ent_account *out)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "SELECT id, key, name, type, parent_id, contact_email,"
                                          " attributes, created_ms, updated_ms"
                                          " FROM accounts WHERE id = ?1 OR key = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id_or_key);
    int rc = ent_sqlite_step(s, st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? ENT_ENOTFOUND : ent_sqlite_fail(s, rc, "get account");
    }
    memset(out, 0, sizeof(*out));
    ent_sqlite_col_id(st, 0, out->id);
    out->key = ent_sqlite_col_text(a, st, 1);
    out->name = ent_sqlite_col_text(a, st, 2);
    out->type = ent_account_type_parse((const char *)sqlite3_column_text(st, 3));
    out->parent = ent_sqlite_col_text(a, st, 4);
    out->contact_email = ent_sqlite_col_text(a, st, 5);
    out->attributes = ent_sqlite_col_text(a, st, 6);
    out->created_ms = sqlite3_column_int64(st, 7);
    out->updated_ms = sqlite3_column_int64(st, 8);
    sqlite3_reset(st);
    return (out->key && out->name && out->attributes) ? ENT_OK : ENT_ENOMEM;
}

static int
sqlite_account_child_count(struct ent_store_session *base, const char *id, int64_t *n)
{
    return ent_sqlite_count_query((struct sqlite_session *)base,
                                  "SELECT count(*) FROM accounts WHERE parent_id = ?1", id, n);
}

/* ------------------------------------------------------------------------------------------ */
/* API keys                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static int
sqlite_key_insert(struct ent_store_session *base, const struct ent_key *k, const char *hash)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "INSERT INTO api_keys (id, name, scope, account_id, prefix, hash,"
                           " created_ms, revoked_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, k->id);
    ent_sqlite_bind_text(st, 2, k->name);
    ent_sqlite_bind_text(st, 3, ent_scope_name(k->scope));
    ent_sqlite_bind_text(st, 4, ent_sqlite_opt_id(k->account_id));
    ent_sqlite_bind_text(st, 5, k->prefix);
    ent_sqlite_bind_text(st, 6, hash);
    sqlite3_bind_int64(st, 7, k->created_ms);
    sqlite3_bind_int64(st, 8, k->revoked_ms);
    return ent_sqlite_exec_done(s, st, "insert key");
}

/* Reads one key row selected by sql with one parameter. */
static int
read_key(struct sqlite_session *s, struct ent_arena *a, const char *sql, const char *param,
         struct ent_key *out)
{
    sqlite3_stmt *st = ent_sqlite_prep(s, sql);
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, param);
    int rc = ent_sqlite_step(s, st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? ENT_ENOTFOUND : ent_sqlite_fail(s, rc, "get key");
    }
    memset(out, 0, sizeof(*out));
    ent_sqlite_col_id(st, 0, out->id);
    out->name = ent_sqlite_col_text(a, st, 1);
    out->scope = ent_scope_parse((const char *)sqlite3_column_text(st, 2));
    ent_sqlite_col_id(st, 3, out->account_id);
    out->prefix = ent_sqlite_col_text(a, st, 4);
    out->created_ms = sqlite3_column_int64(st, 5);
    out->revoked_ms = sqlite3_column_int64(st, 6);
    sqlite3_reset(st);
    return (out->name && out->prefix) ? ENT_OK : ENT_ENOMEM;
}

static int
sqlite_key_get(struct ent_store_session *base, struct ent_arena *a, const char *id,
               struct ent_key *out)
{
    return read_key((struct sqlite_session *)base, a,
                    "SELECT id, name, scope, account_id, prefix, created_ms, revoked_ms"
                    " FROM api_keys WHERE id = ?1",
                    id, out);
}

static int
sqlite_key_find_hash(struct ent_store_session *base, struct ent_arena *a, const char *hash,
                     struct ent_key *out)
{
    return read_key((struct sqlite_session *)base, a,
                    "SELECT id, name, scope, account_id, prefix, created_ms, revoked_ms"
                    " FROM api_keys WHERE hash = ?1",
                    hash, out);
}

static int
sqlite_key_revoke(struct ent_store_session *base, const char *id, int64_t now_ms)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "UPDATE api_keys SET revoked_ms = ?2 WHERE id = ?1 AND"
                                          " revoked_ms = 0");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id);
    sqlite3_bind_int64(st, 2, now_ms);
    return ent_sqlite_exec_done(s, st, "revoke key");
}

static int
sqlite_key_revoke_account(struct ent_store_session *base, struct ent_arena *a,
                          const char *account_id, int64_t now_ms, char (**ids)[37], size_t *n)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    int code = ent_sqlite_id_query(
        s, a, "SELECT id FROM api_keys WHERE account_id = ?1 AND revoked_ms = 0", account_id, ids,
        n);
    for (size_t i = 0; code == ENT_OK && i < *n; i++)
        code = sqlite_key_revoke(base, (*ids)[i], now_ms);
    return code;
}

static int
sqlite_key_count(struct ent_store_session *base, int64_t *n)
{
    return ent_sqlite_count_query((struct sqlite_session *)base,
                                  "SELECT count(*) FROM api_keys WHERE ?1 IS NULL", NULL, n);
}

/* ------------------------------------------------------------------------------------------ */
/* Audit events                                                                                */
/* ------------------------------------------------------------------------------------------ */

static int
sqlite_event_insert(struct ent_store_session *base, const struct ent_event *e)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "INSERT INTO events (id, type, actor, account_id, object_id,"
                           " before, after, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, e->id);
    ent_sqlite_bind_text(st, 2, e->type);
    ent_sqlite_bind_text(st, 3, ent_sqlite_opt_id(e->actor));
    ent_sqlite_bind_text(st, 4, ent_sqlite_opt_id(e->account));
    ent_sqlite_bind_text(st, 5, e->object);
    ent_sqlite_bind_text(st, 6, e->before);
    ent_sqlite_bind_text(st, 7, e->after);
    sqlite3_bind_int64(st, 8, e->created_ms);
    return ent_sqlite_exec_done(s, st, "insert event");
}

static int
sqlite_event_get(struct ent_store_session *base, struct ent_arena *a, const char *id,
                 struct ent_event *out)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "SELECT id, type, actor, account_id, object_id, before, after,"
                           " created_ms FROM events WHERE id = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id);
    int rc = ent_sqlite_step(s, st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? ENT_ENOTFOUND : ent_sqlite_fail(s, rc, "get event");
    }
    memset(out, 0, sizeof(*out));
    ent_sqlite_col_id(st, 0, out->id);
    out->type = ent_sqlite_col_text(a, st, 1);
    ent_sqlite_col_id(st, 2, out->actor);
    ent_sqlite_col_id(st, 3, out->account);
    ent_sqlite_col_id(st, 4, out->object);
    out->before = ent_sqlite_col_text(a, st, 5);
    out->after = ent_sqlite_col_text(a, st, 6);
    out->created_ms = sqlite3_column_int64(st, 7);
    sqlite3_reset(st);
    return out->type ? ENT_OK : ENT_ENOMEM;
}

/* ------------------------------------------------------------------------------------------ */
/* Idempotency                                                                                 */
/* ------------------------------------------------------------------------------------------ */

static int
sqlite_idempotency_get(struct ent_store_session *base, struct ent_arena *a, const char *key_id,
                       const char *idem_key, struct ent_store_idempotency *out)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "SELECT route, request_hash, status, body, created_ms"
                                          " FROM idempotency WHERE key_id = ?1 AND idem_key = ?2");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, key_id);
    ent_sqlite_bind_text(st, 2, idem_key);
    int rc = ent_sqlite_step(s, st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? ENT_ENOTFOUND : ent_sqlite_fail(s, rc, "get idempotency");
    }
    memset(out, 0, sizeof(*out));
    out->key_id = key_id;
    out->idem_key = idem_key;
    out->route = ent_sqlite_col_text(a, st, 0);
    out->request_hash = ent_sqlite_col_text(a, st, 1);
    out->status = sqlite3_column_int(st, 2);
    size_t len = (size_t)sqlite3_column_bytes(st, 3);
    const void *blob = sqlite3_column_blob(st, 3);
    char *body = ent_arena_alloc(a, len + 1);
    if (body) {
        if (len)
            memcpy(body, blob, len);
        body[len] = '\0';
    }
    out->body = body;
    out->body_len = len;
    out->created_ms = sqlite3_column_int64(st, 4);
    sqlite3_reset(st);
    return (out->route && out->request_hash && body) ? ENT_OK : ENT_ENOMEM;
}

static int
sqlite_idempotency_insert(struct ent_store_session *base, const struct ent_store_idempotency *r)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "INSERT INTO idempotency (key_id, idem_key, route, request_hash,"
                           " status, body, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, r->key_id);
    ent_sqlite_bind_text(st, 2, r->idem_key);
    ent_sqlite_bind_text(st, 3, r->route);
    ent_sqlite_bind_text(st, 4, r->request_hash);
    sqlite3_bind_int(st, 5, r->status);
    sqlite3_bind_blob(st, 6, r->body ? r->body : "", (int)r->body_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, r->created_ms);
    return ent_sqlite_exec_done(s, st, "insert idempotency");
}

static int
sqlite_idempotency_purge(struct ent_store_session *base, int64_t before_ms)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "DELETE FROM idempotency WHERE created_ms < ?1");
    if (!st)
        return ENT_ESTORE;
    sqlite3_bind_int64(st, 1, before_ms);
    return ent_sqlite_exec_done(s, st, "purge idempotency");
}

/* ------------------------------------------------------------------------------------------ */
/* Activation ids and orders                                                                   */
/* ------------------------------------------------------------------------------------------ */

static int
sqlite_activation_id_taken(struct ent_store_session *base, const char *activation_id, bool *taken)
{
    int64_t n = 0;
    int code = ent_sqlite_count_query(
        (struct sqlite_session *)base,
        "SELECT count(*) FROM activation_ids WHERE activation_id = ?1", activation_id, &n);
    *taken = n > 0;
    return code;
}

/* Registers an activation id for its owner. Errors: ENT_ECONFLICT when taken. */
static int
register_activation_id(struct sqlite_session *s, const char *activation_id, const char *kind,
                       const char *owner_id)
{
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "INSERT INTO activation_ids (activation_id, kind, owner_id)"
                           " VALUES (?1, ?2, ?3)");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, activation_id);
    ent_sqlite_bind_text(st, 2, kind);
    ent_sqlite_bind_text(st, 3, owner_id);
    return ent_sqlite_exec_done(s, st, "register activation id");
}

/* Binds an optional end time: NULL when permanent. */
void
ent_sqlite_bind_end(sqlite3_stmt *st, int i, bool permanent, int64_t end_ms)
{
    if (permanent || end_ms == 0)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_int64(st, i, end_ms);
}

static int
sqlite_order_insert(struct ent_store_session *base, const struct ent_order *o)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "INSERT INTO orders (id, account_id, status, attributes,"
                                          " created_ms, updated_ms, activated_ms)"
                                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, o->id);
    ent_sqlite_bind_text(st, 2, o->account_id);
    ent_sqlite_bind_text(st, 3, ent_order_status_name(o->status));
    ent_sqlite_bind_text(st, 4, o->attributes ? o->attributes : "{}");
    sqlite3_bind_int64(st, 5, o->created_ms);
    sqlite3_bind_int64(st, 6, o->updated_ms);
    if (o->activated_ms)
        sqlite3_bind_int64(st, 7, o->activated_ms);
    int code = ent_sqlite_exec_done(s, st, "insert order");
    for (size_t i = 0; code == ENT_OK && i < o->n_items; i++) {
        const struct ent_line_item *li = &o->items[i];
        code = register_activation_id(s, li->activation_id, "line_item", li->id);
        if (code < 0)
            break;
        st = ent_sqlite_prep(
            s, "INSERT INTO order_line_items (id, order_id, position, product_id, quantity,"
               " quantity_per_copy, start_ms, end_ms, order_type, activation_id,"
               " parent_activation_id, attributes)"
               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
        if (!st)
            return ENT_ESTORE;
        ent_sqlite_bind_text(st, 1, li->id);
        ent_sqlite_bind_text(st, 2, o->id);
        sqlite3_bind_int64(st, 3, (int64_t)i);
        ent_sqlite_bind_text(st, 4, li->product_id);
        sqlite3_bind_int64(st, 5, li->quantity);
        sqlite3_bind_int64(st, 6, li->quantity_per_copy);
        sqlite3_bind_int64(st, 7, li->start_ms);
        ent_sqlite_bind_end(st, 8, li->permanent, li->end_ms);
        ent_sqlite_bind_text(st, 9, ent_order_type_name(li->order_type));
        ent_sqlite_bind_text(st, 10, li->activation_id);
        ent_sqlite_bind_text(st, 11, li->parent_activation_id);
        ent_sqlite_bind_text(st, 12, li->attributes ? li->attributes : "{}");
        code = ent_sqlite_exec_done(s, st, "insert line item");
    }
    return code;
}

/* Reads the line items of order out->id. */
static int
read_line_items(struct sqlite_session *s, struct ent_arena *a, struct ent_order *out)
{
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "SELECT li.id, p.key, li.product_id, li.quantity,"
                           " li.quantity_per_copy, li.start_ms, li.end_ms, li.order_type,"
                           " li.activation_id, li.parent_activation_id, li.attributes,"
                           " (SELECT count(*) FROM order_line_items WHERE order_id = ?1)"
                           " FROM order_line_items li JOIN products p ON p.id = li.product_id"
                           " WHERE li.order_id = ?1 ORDER BY li.position");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, out->id);
    int rc;
    while ((rc = ent_sqlite_step(s, st)) == SQLITE_ROW) {
        if (!out->items) {
            size_t n = (size_t)sqlite3_column_int64(st, 11);
            out->items = ent_arena_calloc(a, n ? n : 1, sizeof(*out->items));
            if (!out->items)
                break;
        }
        struct ent_line_item *li = &out->items[out->n_items++];
        ent_sqlite_col_id(st, 0, li->id);
        li->product = ent_sqlite_col_text(a, st, 1);
        ent_sqlite_col_id(st, 2, li->product_id);
        li->quantity = sqlite3_column_int64(st, 3);
        li->quantity_per_copy = sqlite3_column_int64(st, 4);
        li->start_ms = sqlite3_column_int64(st, 5);
        li->permanent = sqlite3_column_type(st, 6) == SQLITE_NULL;
        li->end_ms = li->permanent ? 0 : sqlite3_column_int64(st, 6);
        li->order_type = ent_order_type_parse((const char *)sqlite3_column_text(st, 7));
        li->activation_id = ent_sqlite_col_text(a, st, 8);
        li->parent_activation_id = ent_sqlite_col_text(a, st, 9);
        li->attributes = ent_sqlite_col_text(a, st, 10);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return rc == SQLITE_ROW ? ENT_ENOMEM : ent_sqlite_fail(s, rc, "line items");
    return ENT_OK;
}

static int
sqlite_order_get(struct ent_store_session *base, struct ent_arena *a, const char *id,
                 struct ent_order *out)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "SELECT id, seq, account_id, status, attributes, created_ms,"
                           " updated_ms, activated_ms FROM orders WHERE id = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id);
    int rc = ent_sqlite_step(s, st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? ENT_ENOTFOUND : ent_sqlite_fail(s, rc, "get order");
    }
    memset(out, 0, sizeof(*out));
    ent_sqlite_col_id(st, 0, out->id);
    out->number = ent_arena_printf(a, "ORD-%06lld", (long long)sqlite3_column_int64(st, 1));
    ent_sqlite_col_id(st, 2, out->account_id);
    out->status = ent_order_status_parse((const char *)sqlite3_column_text(st, 3));
    out->attributes = ent_sqlite_col_text(a, st, 4);
    out->created_ms = sqlite3_column_int64(st, 5);
    out->updated_ms = sqlite3_column_int64(st, 6);
    out->activated_ms = sqlite3_column_int64(st, 7);
    sqlite3_reset(st);
    if (!out->number || !out->attributes)
        return ENT_ENOMEM;
    return read_line_items(s, a, out);
}

static int
sqlite_order_activate(struct ent_store_session *base, const char *id, int64_t now_ms)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "UPDATE orders SET status = 'active', activated_ms = ?2,"
                                          " updated_ms = ?2 WHERE id = ?1 AND status = 'draft'");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id);
    sqlite3_bind_int64(st, 2, now_ms);
    return ent_sqlite_exec_done(s, st, "activate order");
}

/* ------------------------------------------------------------------------------------------ */
/* Entitlements                                                                                */
/* ------------------------------------------------------------------------------------------ */

/* Binds the columns shared by entitlement insert and update (?1 … ?22). */
static void
bind_entitlement(sqlite3_stmt *st, const struct ent_entitlement *e)
{
    ent_sqlite_bind_text(st, 1, e->id);
    ent_sqlite_bind_text(st, 2, e->account_id);
    ent_sqlite_bind_text(st, 3, ent_sqlite_opt_id(e->product_id));
    ent_sqlite_bind_text(st, 4, ent_sqlite_opt_id(e->feature_id));
    ent_sqlite_bind_text(st, 5, e->value);
    sqlite3_bind_int(st, 6, e->override);
    ent_sqlite_bind_text(st, 7, ent_source_name(e->source));
    ent_sqlite_bind_text(st, 8, ent_sqlite_opt_id(e->order_id));
    ent_sqlite_bind_text(st, 9, ent_sqlite_opt_id(e->lease_id));
    ent_sqlite_bind_text(st, 10, e->activation_id);
    ent_sqlite_bind_text(st, 11, ent_sqlite_opt_id(e->parent_id));
    sqlite3_bind_int64(st, 12, e->quantity);
    sqlite3_bind_int64(st, 13, e->quantity_per_copy);
    sqlite3_bind_int64(st, 14, e->start_ms);
    ent_sqlite_bind_end(st, 15, e->permanent, e->end_ms);
    ent_sqlite_bind_text(st, 16, ent_order_type_name(e->order_type));
    enum ent_entitlement_status set = e->status;
    if (set == ENT_ENTITLEMENT_PENDING || set == ENT_ENTITLEMENT_EXPIRED)
        set = ENT_ENTITLEMENT_ACTIVE; /* derived states are never stored */
    ent_sqlite_bind_text(st, 17, ent_entitlement_status_name(set));
    ent_sqlite_bind_text(st, 18, e->attributes ? e->attributes : "{}");
    sqlite3_bind_int64(st, 19, e->created_ms);
    sqlite3_bind_int64(st, 20, e->updated_ms);
    ent_sqlite_bind_text(st, 21, e->feature_id[0] ? e->name : NULL);
}

static int
sqlite_entitlement_insert(struct ent_store_session *base, const struct ent_entitlement *e,
                          bool own_activation_id)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    int code = ENT_OK;
    if (own_activation_id)
        code = register_activation_id(s, e->activation_id, "entitlement", e->id);
    if (code < 0)
        return code;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "INSERT INTO entitlements (id, account_id, product_id, feature_id, value,"
           " override, source, order_id, lease_id, activation_id, parent_id, quantity,"
           " quantity_per_copy, start_ms, end_ms, order_type, status, attributes,"
           " created_ms, updated_ms, name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
           " ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)");
    if (!st)
        return ENT_ESTORE;
    bind_entitlement(st, e);
    return ent_sqlite_exec_done(s, st, "insert entitlement");
}

static int
sqlite_entitlement_update(struct ent_store_session *base, const struct ent_entitlement *e)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "UPDATE entitlements SET account_id = ?2, quantity = ?12,"
           " quantity_per_copy = ?13, start_ms = ?14, end_ms = ?15, status = ?17,"
           " attributes = ?18, updated_ms = ?20 WHERE id = ?1 AND ?3 IS ?3 AND ?4 IS ?4"
           " AND ?5 IS ?5 AND ?6 IS ?6 AND ?7 IS ?7 AND ?8 IS ?8 AND ?9 IS ?9"
           " AND ?10 IS ?10 AND ?11 IS ?11 AND ?16 IS ?16 AND ?19 IS ?19 AND ?21 IS ?21");
    if (!st)
        return ENT_ESTORE;
    bind_entitlement(st, e);
    int code = ent_sqlite_exec_done(s, st, "update entitlement");
    if (code == ENT_OK && sqlite3_changes(s->db) == 0)
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

/* Reads the current row of st (ENTITLEMENT_COLUMNS) into out. */
static int
read_entitlement(struct ent_arena *a, sqlite3_stmt *st, struct ent_entitlement *out)
{
    memset(out, 0, sizeof(*out));
    ent_sqlite_col_id(st, 0, out->id);
    out->number = ent_arena_printf(a, "ENT-%06lld", (long long)sqlite3_column_int64(st, 1));
    ent_sqlite_col_id(st, 2, out->account_id);
    out->product = ent_sqlite_col_text(a, st, 3);
    ent_sqlite_col_id(st, 4, out->product_id);
    out->feature = ent_sqlite_col_text(a, st, 5);
    ent_sqlite_col_id(st, 6, out->feature_id);
    out->value = ent_sqlite_col_text(a, st, 7);
    out->override = sqlite3_column_int(st, 8) != 0;
    out->source = ent_source_parse((const char *)sqlite3_column_text(st, 9));
    ent_sqlite_col_id(st, 10, out->order_id);
    ent_sqlite_col_id(st, 11, out->lease_id);
    out->activation_id = ent_sqlite_col_text(a, st, 12);
    ent_sqlite_col_id(st, 13, out->parent_id);
    out->quantity = sqlite3_column_int64(st, 14);
    out->quantity_per_copy = sqlite3_column_int64(st, 15);
    out->start_ms = sqlite3_column_int64(st, 16);
    out->permanent = sqlite3_column_type(st, 17) == SQLITE_NULL;
    out->end_ms = out->permanent ? 0 : sqlite3_column_int64(st, 17);
    out->order_type = ent_order_type_parse((const char *)sqlite3_column_text(st, 18));
    out->status = ent_entitlement_status_parse((const char *)sqlite3_column_text(st, 19));
    out->attributes = ent_sqlite_col_text(a, st, 20);
    out->created_ms = sqlite3_column_int64(st, 21);
    out->updated_ms = sqlite3_column_int64(st, 22);
    out->name = ent_sqlite_col_text(a, st, 23);
    return (out->number && out->activation_id && out->attributes) ? ENT_OK : ENT_ENOMEM;
}

static int
sqlite_entitlement_get(struct ent_store_session *base, struct ent_arena *a,
                       const char *id_or_activation_id, struct ent_entitlement *out)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "SELECT " ENTITLEMENT_COLUMNS ENTITLEMENT_FROM
                                          " WHERE e.id = ?1 OR e.activation_id = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id_or_activation_id);
    int rc = ent_sqlite_step(s, st);
    int code = rc == SQLITE_ROW    ? read_entitlement(a, st, out)
               : rc == SQLITE_DONE ? ENT_ENOTFOUND
                                   : ent_sqlite_fail(s, rc, "get entitlement");
    sqlite3_reset(st);
    return code;
}

static int
sqlite_entitlements_of_account(struct ent_store_session *base, struct ent_arena *a,
                               const char *account_id, struct ent_entitlement **out, size_t *n)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "SELECT " ENTITLEMENT_COLUMNS ", (SELECT count(*) FROM"
           " entitlements WHERE account_id = ?1 AND status <> 'revoked')" ENTITLEMENT_FROM
           " WHERE e.account_id = ?1 AND e.status <> 'revoked'"
           " ORDER BY e.seq");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, account_id);
    struct ent_entitlement *list = NULL;
    size_t count = 0, cap = 0;
    int rc, code = ENT_OK;
    while (code == ENT_OK && (rc = ent_sqlite_step(s, st)) == SQLITE_ROW) {
        if (!list) {
            cap = (size_t)sqlite3_column_int64(st, 24);
            list = ent_arena_calloc(a, cap ? cap : 1, sizeof(*list));
            if (!list) {
                code = ENT_ENOMEM;
                break;
            }
        }
        if (count == cap)
            break; /* rows added meanwhile cannot happen inside one read */
        code = read_entitlement(a, st, &list[count++]);
    }
    sqlite3_reset(st);
    if (code == ENT_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        code = ent_sqlite_fail(s, rc, "entitlements of account");
    *out = list;
    *n = count;
    return code;
}

static int
sqlite_account_grant_count(struct ent_store_session *base, const char *account_id, int64_t *n)
{
    return ent_sqlite_count_query(
        (struct sqlite_session *)base,
        "SELECT (SELECT count(*) FROM entitlements WHERE account_id = ?1) +"
        " (SELECT count(*) FROM orders WHERE account_id = ?1) +"
        " (SELECT count(*) FROM leases WHERE account_id = ?1)",
        account_id, n);
}

/* ------------------------------------------------------------------------------------------ */
/* Leases                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* Binds the lease columns (?1 … ?11). */
static void
bind_lease(sqlite3_stmt *st, const struct ent_lease *l)
{
    ent_sqlite_bind_text(st, 1, l->id);
    ent_sqlite_bind_text(st, 2, l->account_id);
    ent_sqlite_bind_text(st, 3, l->product_id);
    sqlite3_bind_int64(st, 4, l->lease_count);
    sqlite3_bind_int64(st, 5, l->valid_from_ms);
    sqlite3_bind_int64(st, 6, l->valid_until_ms);
    if (l->last_lease_end_ms)
        sqlite3_bind_int64(st, 7, l->last_lease_end_ms);
    sqlite3_bind_int64(st, 8, l->created_ms);
    ent_sqlite_bind_text(st, 9, ent_sqlite_opt_id(l->created_by));
    sqlite3_bind_int64(st, 10, l->updated_ms);
    ent_sqlite_bind_text(st, 11, ent_sqlite_opt_id(l->updated_by));
}

static int
sqlite_lease_insert(struct ent_store_session *base, const struct ent_lease *l)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "INSERT INTO leases (id, account_id, product_id, lease_count,"
                           " valid_from, valid_until, last_lease_end_ms, created_ms,"
                           " created_by, updated_ms, updated_by)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    if (!st)
        return ENT_ESTORE;
    bind_lease(st, l);
    return ent_sqlite_exec_done(s, st, "insert lease");
}

static int
sqlite_lease_update(struct ent_store_session *base, const struct ent_lease *l)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "UPDATE leases SET lease_count = ?4, valid_from = ?5,"
                           " valid_until = ?6, last_lease_end_ms = ?7, updated_ms = ?10,"
                           " updated_by = ?11 WHERE id = ?1 AND ?2 IS ?2 AND ?3 IS ?3"
                           " AND ?8 IS ?8 AND ?9 IS ?9");
    if (!st)
        return ENT_ESTORE;
    bind_lease(st, l);
    int code = ent_sqlite_exec_done(s, st, "update lease");
    if (code == ENT_OK && sqlite3_changes(s->db) == 0)
        return ENT_ENOTFOUND;
    return code;
}

/* Reads one lease selected by sql with two parameters (the second may be NULL). */
static int
read_lease(struct sqlite_session *s, struct ent_arena *a, const char *sql, const char *p1,
           const char *p2, struct ent_lease *out)
{
    sqlite3_stmt *st = ent_sqlite_prep(s, sql);
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, p1);
    ent_sqlite_bind_text(st, 2, p2);
    int rc = ent_sqlite_step(s, st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? ENT_ENOTFOUND : ent_sqlite_fail(s, rc, "get lease");
    }
    memset(out, 0, sizeof(*out));
    ent_sqlite_col_id(st, 0, out->id);
    ent_sqlite_col_id(st, 1, out->account_id);
    ent_sqlite_col_id(st, 2, out->product_id);
    out->product = ent_sqlite_col_text(a, st, 3);
    out->lease_count = sqlite3_column_int64(st, 4);
    out->valid_from_ms = sqlite3_column_int64(st, 5);
    out->valid_until_ms = sqlite3_column_int64(st, 6);
    out->last_lease_end_ms = sqlite3_column_int64(st, 7);
    out->created_ms = sqlite3_column_int64(st, 8);
    ent_sqlite_col_id(st, 9, out->created_by);
    out->updated_ms = sqlite3_column_int64(st, 10);
    ent_sqlite_col_id(st, 11, out->updated_by);
    sqlite3_reset(st);
    return out->product ? ENT_OK : ENT_ENOMEM;
}

#define LEASE_COLUMNS                                                                              \
    "SELECT l.id, l.account_id, l.product_id, p.key, l.lease_count, l.valid_from,"                 \
    " l.valid_until, l.last_lease_end_ms, l.created_ms, l.created_by, l.updated_ms,"               \
    " l.updated_by FROM leases l JOIN products p ON p.id = l.product_id"

static int
sqlite_lease_get(struct ent_store_session *base, struct ent_arena *a, const char *id,
                 struct ent_lease *out)
{
    return read_lease((struct sqlite_session *)base, a,
                      LEASE_COLUMNS " WHERE l.id = ?1 AND ?2 IS NULL", id, NULL, out);
}

static int
sqlite_lease_find(struct ent_store_session *base, struct ent_arena *a, const char *account_id,
                  const char *product_id, struct ent_lease *out)
{
    return read_lease((struct sqlite_session *)base, a,
                      LEASE_COLUMNS " WHERE l.account_id = ?1 AND l.product_id = ?2", account_id,
                      product_id, out);
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
static int
sqlite_announce(struct ent_store_session *base, enum ent_store_change what, const char *id)
{
    return ENT_OK;
}

/* Nothing is ever announced by another process: starts nothing, never calls fn. */
static int
sqlite_listen(struct ent_store *base,
              void (*fn)(void *arg, enum ent_store_change what, const char *id), void *arg)
{
    return ENT_OK;
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
    .list = sqlite_list,
    .feature_insert = sqlite_feature_insert,
    .feature_update = sqlite_feature_update,
    .feature_delete = sqlite_feature_delete,
    .feature_get = sqlite_feature_get,
    .feature_product_count = sqlite_feature_product_count,
    .product_insert = sqlite_product_insert,
    .product_update = sqlite_product_update,
    .product_delete = sqlite_product_delete,
    .product_get = sqlite_product_get,
    .product_bundles = sqlite_product_bundles,
    .product_ids_granting = sqlite_product_ids_granting,
    .product_grant_count = sqlite_product_grant_count,
    .account_insert = sqlite_account_insert,
    .account_update = sqlite_account_update,
    .account_delete = sqlite_account_delete,
    .account_get = sqlite_account_get,
    .account_child_count = sqlite_account_child_count,
    .key_insert = sqlite_key_insert,
    .key_get = sqlite_key_get,
    .key_find_hash = sqlite_key_find_hash,
    .key_revoke = sqlite_key_revoke,
    .key_revoke_account = sqlite_key_revoke_account,
    .key_count = sqlite_key_count,
    .event_insert = sqlite_event_insert,
    .event_get = sqlite_event_get,
    .activation_id_taken = sqlite_activation_id_taken,
    .order_insert = sqlite_order_insert,
    .order_get = sqlite_order_get,
    .order_activate = sqlite_order_activate,
    .entitlement_insert = sqlite_entitlement_insert,
    .entitlement_update = sqlite_entitlement_update,
    .entitlement_get = sqlite_entitlement_get,
    .entitlements_of_account = sqlite_entitlements_of_account,
    .account_grant_count = sqlite_account_grant_count,
    .lease_insert = sqlite_lease_insert,
    .lease_update = sqlite_lease_update,
    .lease_get = sqlite_lease_get,
    .lease_find = sqlite_lease_find,
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
    .idempotency_get = sqlite_idempotency_get,
    .idempotency_insert = sqlite_idempotency_insert,
    .idempotency_purge = sqlite_idempotency_purge,
};
