/* SPDX-License-Identifier: MIT */
/*
 * app.c: the application: opening the store, the key-hashing secret kept in a file beside it,
 * the shared caches, and what keeps them true when other daemons share the store (the store's
 * listener drops what their commits made stale). The application's clock is the store's.
 * Everything a request needs hangs off struct ent_app.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/alloc.h"
#include "service/cache.h"
#include "service/ctx.h"
#include "service/inflight.h"
#include "service/keys.h"
#include "service/usage.h"

/* Reads the whole small file at path into buf (cap bytes). Returns bytes read, or -1. */
static ssize_t
read_small_file(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, cap);
    close(fd);
    return n;
}

/*
 * Writes a new random secret to path, whole or not at all: into a file of its own first, then
 * linked to path in one step, so that a daemon starting at the same moment reads either no file
 * or the complete one. Returns ENT_OK, or ENT_ECONFLICT when path exists already (another
 * process made it first). Errors: ENT_ESTORE.
 */
static int
create_hash_key(struct ent_app *app, const char *path, struct ent_error *err)
{
    char hex[80], tmp[4300];
    randombytes_buf(app->hash_key, sizeof(app->hash_key));
    sodium_bin2hex(hex, sizeof(hex), app->hash_key, sizeof(app->hash_key));
    size_t len = strlen(hex);
    hex[len] = '\n';
    snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return ent_error_set(err, ENT_ESTORE, "cannot create the key file %s: %s", path,
                             strerror(errno));
    bool ok = write(fd, hex, len + 1) == (ssize_t)(len + 1) && fsync(fd) == 0;
    close(fd);
    int rc = ENT_OK;
    if (!ok)
        rc = ent_error_set(err, ENT_ESTORE, "cannot write the key file %s", path);
    else if (link(tmp, path) != 0)
        rc = errno == EEXIST ? ENT_ECONFLICT
                             : ent_error_set(err, ENT_ESTORE, "cannot create the key file %s: %s",
                                             path, strerror(errno));
    unlink(tmp);
    return rc;
}

/*
 * Loads the key-hashing secret from path (64 hex digits), or creates the file with a new random
 * secret (mode 0600) when it does not exist.
 */
static int
load_hash_key(struct ent_app *app, const char *path, struct ent_error *err)
{
    char hex[80];
    ssize_t n = read_small_file(path, hex, sizeof(hex) - 1);
    if (n < 0 && errno == ENOENT) {
        int rc = create_hash_key(app, path, err);
        if (rc != ENT_ECONFLICT)
            return rc;
        n = read_small_file(path, hex, sizeof(hex) - 1); /* another process made it first */
    }
    if (n < 64)
        return ent_error_set(err, ENT_ESTORE, "cannot read the key file %s", path);
    size_t bin_len = 0;
    if (sodium_hex2bin(app->hash_key, sizeof(app->hash_key), hex, 64, NULL, &bin_len, NULL) != 0 ||
        bin_len != sizeof(app->hash_key))
        return ent_error_set(err, ENT_ESTORE, "the key file %s is not 64 hex digits", path);
    return ENT_OK;
}

/*
 * Called by the store's listener thread when another daemon (or this one) committed a change:
 * drops what it made stale before anyone can read it again: an account's snapshot (or, for a
 * usage event, raises the counter it holds), a revoked key's cache entry, or on a change of the
 * catalog the catalog and with it every snapshot (snapshots are built against one catalog
 * generation). While changes may go unannounced (the listener is not listening) nothing is cached;
 * when it listens again, what was cached before goes (snapshots and keys).
 */
static void
store_changed(void *arg, enum ent_store_change what, const char *id)
{
    struct ent_app *app = arg;
    switch (what) {
    case ENT_STORE_CHANGE_ACCOUNT:
        ent_cache_drop(app, id);
        break;
    case ENT_STORE_CHANGE_USAGE: {
        char account_id[37], feature_id[37];
        int64_t window_start_ms = 0, used = 0;
        if (ent_ctx_parse_usage(id, account_id, feature_id, &window_start_ms, &used))
            ent_cache_usage_recorded(app, account_id, feature_id, window_start_ms, used);
        else
            ent_cache_catalog_changed(app); /* unreadable: every snapshot goes */
        break;
    }
    case ENT_STORE_CHANGE_KEY:
        ent_keys_cache_drop(app, id);
        break;
    case ENT_STORE_CHANGE_CATALOG:
        ent_cache_catalog_changed(app);
        break;
    case ENT_STORE_CHANGE_ALL:
        ent_cache_keep(app, false);
        ent_keys_cache_drop(app, NULL);
        break;
    case ENT_STORE_LISTENING:
        ent_keys_cache_drop(app, NULL);
        ent_cache_keep(app, true);
        break;
    }
}

int64_t
ent_app_now(struct ent_app *app)
{
    return app->store->ops->now_ms(app->store);
}

int
ent_app_open(const struct ent_config *cfg, struct ent_app **out, struct ent_error *err)
{
    ent_error_clear(err);
    if (sodium_init() < 0)
        return ent_error_set(err, ENT_EINTERNAL, "libsodium failed to initialise");
    struct ent_app *app = ent_calloc(1, sizeof(*app));
    if (!app)
        return ENT_ENOMEM;
    app->keys = ent_keys_cache_new();
    app->inflight = ent_inflight_new();
    app->cache = ent_cache_new(cfg->cache_accounts);
    int rc = (app->keys && app->inflight && app->cache) ? ENT_OK : ENT_ENOMEM;
    if (rc == ENT_OK)
        rc = ent_store_open(cfg->store_url, cfg->connections, &app->store, err);
    if (rc == ENT_OK) {
        char path[4200];
        if (cfg->key_file && cfg->key_file[0])
            snprintf(path, sizeof(path), "%s", cfg->key_file);
        else if (app->store->file_path[0])
            snprintf(path, sizeof(path), "%s.key", app->store->file_path);
        else
            snprintf(path, sizeof(path), "entitled.key");
        rc = load_hash_key(app, path, err);
    }
    if (rc == ENT_OK)
        rc = ent_usage_committer_new(app, &app->usage_committer);
    if (rc == ENT_OK && cfg->admin_key && cfg->admin_key[0])
        rc = ent_keys_register_admin(app, cfg->admin_key, ent_app_now(app), err);
    if (rc == ENT_OK) {
        rc = app->store->ops->listen(app->store, store_changed, app);
        if (rc < 0)
            ent_error_set(err, rc, "cannot listen for changes made by other daemons");
    }
    if (rc < 0) {
        if (err && err->code == ENT_OK)
            ent_error_set(err, rc, "cannot open the application");
        ent_app_close(app);
        return rc;
    }
    *out = app;
    return ENT_OK;
}

void
ent_app_close(struct ent_app *app)
{
    if (!app)
        return;
    ent_usage_committer_free(app->usage_committer); /* answers what waits: it needs the store */
    ent_store_close(app->store);
    ent_keys_cache_free(app->keys);
    ent_inflight_free(app->inflight);
    ent_cache_free(app->cache);
    sodium_memzero(app->hash_key, sizeof(app->hash_key));
    ent_free(app);
}

int
ent_app_ping(struct ent_app *app)
{
    struct ent_store_session *sess;
    int rc = app->store->ops->acquire(app->store, &sess);
    if (rc < 0)
        return ENT_EUNAVAILABLE;
    rc = sess->ops->ping(sess);
    sess->ops->release(sess);
    return rc < 0 ? ENT_EUNAVAILABLE : ENT_OK;
}

int
ent_app_schema_version(struct ent_app *app)
{
    struct ent_store_session *sess;
    int version = 0;
    if (app->store->ops->acquire(app->store, &sess) < 0)
        return 0;
    sess->ops->schema_version(sess, &version);
    sess->ops->release(sess);
    return version;
}

void
ent_app_stats(struct ent_app *app, struct ent_app_stats *out)
{
    struct ent_store_stats *s = &app->store->stats;
    out->store_calls = atomic_load(&s->calls);
    out->store_commits = atomic_load(&s->commits);
    out->store_rollbacks = atomic_load(&s->rollbacks);
    out->store_busy_retries = atomic_load(&s->busy_retries);
    out->keys_cached = 0;
    struct ent_cache_stats cs;
    ent_cache_stats(app, &cs);
    out->cache_hits = cs.hits;
    out->cache_misses = cs.misses;
    out->cache_evictions = cs.evictions;
    out->cache_usage_updates = cs.usage_updates;
    out->cache_accounts = cs.accounts;
    out->cache_bytes = cs.bytes;
    ent_usage_committer_stats(app->usage_committer, &out->usage_groups, &out->usage_grouped);
}
