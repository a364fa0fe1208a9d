/* SPDX-License-Identifier: MIT */
/*
 * app.c: the application: opening the store, the key-hashing secret (keyfile.c),
 * the shared caches, and what keeps them true when other daemons share the store (the store's
 * listener drops what their commits made stale). The application's clock is the store's.
 * Everything a request needs hangs off struct ent_app.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/alloc.h"
#include "service/cache.h"
#include "service/ctx.h"
#include "service/inflight.h"
#include "service/keyfile.h"
#include "service/keys.h"
#include "service/outbox.h"
#include "service/signing_keys.h"
#include "service/usage.h"

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

/* webhooks (issue 15): the outbox, with the enabled endpoints of the store. */
static int
open_outbox(struct ent_app *app)
{
    app->outbox = ent_outbox_new();
    if (!app->outbox)
        return ENT_ENOMEM;
    struct ent_store_session *sess = NULL;
    int rc = app->store->ops->acquire(app->store, &sess);
    if (rc < 0)
        return rc;
    rc = ent_outbox_refresh(app->outbox, sess);
    sess->ops->release(sess);
    return rc;
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
    app->webhooks_allow_private = cfg->webhooks_allow_private; /* webhooks (issue 15) */
    app->keys = ent_keys_cache_new();
    app->inflight = ent_inflight_new();
    app->cache = ent_cache_new(cfg->cache_accounts);
    int rc = (app->keys && app->inflight && app->cache) ? ENT_OK : ENT_ENOMEM;
    if (rc == ENT_OK)
        rc = ent_store_open(cfg->store_url, cfg->connections, &app->store, err);
    if (rc == ENT_OK)
        rc = ent_keyfile_load(app->store, cfg->key_file, app->hash_key, app->key_file,
                              sizeof(app->key_file), err);
    /* Signed licenses (issue 13): the configuration, and the first signing key. */
    snprintf(app->license_issuer, sizeof(app->license_issuer), "%s",
             cfg->license_issuer && cfg->license_issuer[0] ? cfg->license_issuer : "entitled");
    app->license_ttl_default_s =
        cfg->license_ttl_default_s > 0 ? cfg->license_ttl_default_s : 30LL * 86400;
    app->license_ttl_max_s = cfg->license_ttl_max_s > 0 ? cfg->license_ttl_max_s : 365LL * 86400;
    if (app->license_ttl_default_s > app->license_ttl_max_s)
        app->license_ttl_default_s = app->license_ttl_max_s;
    if (rc == ENT_OK && !cfg->passive)
        rc = ent_signing_keys_start(app, ent_app_now(app), err);
    if (rc == ENT_OK)
        rc = ent_usage_committer_new(app, &app->usage_committer);
    if (rc == ENT_OK) /* webhooks (issue 15): the endpoints the outbox writes messages for */
        rc = open_outbox(app);
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
    ent_webhooks_stop(app); /* webhooks (issue 15): the workers need the store and the outbox */
    ent_usage_committer_free(app->usage_committer); /* answers what waits: it needs the store */
    ent_store_close(app->store);
    ent_keys_cache_free(app->keys);
    ent_inflight_free(app->inflight);
    ent_cache_free(app->cache);
    ent_free(atomic_load(&app->ofrep_tags));
    ent_outbox_free(app->outbox);
    sodium_memzero(app->hash_key, sizeof(app->hash_key));
    sodium_memzero(app->seal_key, sizeof(app->seal_key));
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

const char *
ent_app_key_file(const struct ent_app *app)
{
    return app->key_file;
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
    out->cache_keeping = cs.keeping;
    ent_usage_committer_stats(app->usage_committer, &out->usage_groups, &out->usage_grouped);
}

static_assert(ENT_HASH_KEY_BYTES == ENT_KEYFILE_SECRET_BYTES, "one size of secret");
