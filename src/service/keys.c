/* SPDX-License-Identifier: MIT */
/*
 * keys.c: API keys. A secret is "ent_<scope>_" and 43 characters of base64url (32 random bytes).
 * Only its keyed BLAKE2b hash is stored; the hashing key lives in a file outside the database,
 * so a stolen database yields no usable key. Authentication of a known key is answered from an
 * in-memory cache, so the warm path runs no SQL; revocation drops the key from the cache before
 * it is acknowledged.
 *
 * THREAD SAFETY: the cache is a hash table guarded by a read-write lock.
 */
#include "service/keys.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/alloc.h"
#include "core/str.h"
#include "service/ctx.h"
#include "service/events.h"
#include "service/lists.h"
#include "service/writes.h"

#define CACHE_BUCKETS 4096
#define CACHE_MAX 100000
#define HASH_HEX 65

struct cached_key {
    struct cached_key *next;
    char hash[HASH_HEX];
    struct ent_principal principal;
};

struct ent_key_cache {
    pthread_rwlock_t lock;
    struct cached_key *buckets[CACHE_BUCKETS];
    size_t count;
};

struct ent_key_cache *
ent_keys_cache_new(void)
{
    struct ent_key_cache *c = ent_calloc(1, sizeof(*c));
    if (c)
        pthread_rwlock_init(&c->lock, NULL);
    return c;
}

/* Frees every entry; the caller holds the write lock or is the only user. */
static void
cache_clear(struct ent_key_cache *c)
{
    for (size_t i = 0; i < CACHE_BUCKETS; i++) {
        struct cached_key *e = c->buckets[i];
        while (e) {
            struct cached_key *next = e->next;
            ent_free(e);
            e = next;
        }
        c->buckets[i] = NULL;
    }
    c->count = 0;
}

void
ent_keys_cache_free(struct ent_key_cache *c)
{
    if (!c)
        return;
    cache_clear(c);
    pthread_rwlock_destroy(&c->lock);
    ent_free(c);
}

/* The bucket of a hex hash: its first hex digits are already uniformly random. */
static size_t
bucket_of(const char *hash)
{
    size_t h = 0;
    for (int i = 0; i < 8; i++)
        h = h * 16 + (size_t)(hash[i] <= '9' ? hash[i] - '0' : hash[i] - 'a' + 10);
    return h % CACHE_BUCKETS;
}

/* Looks hash up; OUT p. */
static bool
cache_get(struct ent_key_cache *c, const char *hash, struct ent_principal *p)
{
    bool found = false;
    pthread_rwlock_rdlock(&c->lock);
    for (struct cached_key *e = c->buckets[bucket_of(hash)]; e; e = e->next) {
        if (sodium_memcmp(e->hash, hash, HASH_HEX - 1) == 0) {
            *p = e->principal;
            found = true;
            break;
        }
    }
    pthread_rwlock_unlock(&c->lock);
    return found;
}

/* Adds an authenticated key; a full cache starts over rather than grow without bound. */
static void
cache_put(struct ent_key_cache *c, const char *hash, const struct ent_principal *p)
{
    struct cached_key *e = ent_alloc(sizeof(*e));
    if (!e)
        return; /* the cache is an optimisation: without memory, the store answers */
    memcpy(e->hash, hash, HASH_HEX);
    e->principal = *p;
    pthread_rwlock_wrlock(&c->lock);
    if (c->count >= CACHE_MAX)
        cache_clear(c);
    size_t b = bucket_of(hash);
    e->next = c->buckets[b];
    c->buckets[b] = e;
    c->count++;
    pthread_rwlock_unlock(&c->lock);
}

void
ent_keys_cache_drop(struct ent_app *app, const char *key_id)
{
    struct ent_key_cache *c = app->keys;
    pthread_rwlock_wrlock(&c->lock);
    for (size_t i = 0; i < CACHE_BUCKETS; i++) {
        for (struct cached_key **p = &c->buckets[i]; *p;) {
            if (!key_id || strcmp((*p)->principal.key_id, key_id) == 0) {
                struct cached_key *e = *p;
                *p = e->next;
                ent_free(e);
                c->count--;
            } else {
                p = &(*p)->next;
            }
        }
    }
    pthread_rwlock_unlock(&c->lock);
}

/* The keyed hash of a secret, in hex. */
static void
hash_secret(const struct ent_app *app, const char *secret, size_t len, char out[HASH_HEX])
{
    unsigned char digest[32];
    crypto_generichash(digest, sizeof(digest), (const unsigned char *)secret, len, app->hash_key,
                       sizeof(app->hash_key));
    sodium_bin2hex(out, HASH_HEX, digest, sizeof(digest));
}

int
ent_keys_authenticate(struct ent_ctx *ctx, const char *secret, size_t len, struct ent_error *err)
{
    ent_error_clear(err);
    if (len == 0 || len > ENT_KEY_SECRET_MAX || !ent_str_is_utf8(secret, len))
        return ent_error_set(err, ENT_EAUTH, "the API key is not valid");
    char hash[HASH_HEX];
    hash_secret(ctx->app, secret, len, hash);
    struct ent_principal p;
    if (cache_get(ctx->app->keys, hash, &p)) {
        ctx->principal = p;
        return ENT_OK;
    }
    struct ent_store_session *sess;
    int rc = ent_ctx_session(ctx, &sess);
    if (rc < 0)
        return ent_ctx_store_error(rc, err);
    struct ent_key k;
    rc = sess->ops->key_find_hash(sess, &ctx->arena, hash, &k);
    if (rc == ENT_ENOTFOUND || (rc == ENT_OK && k.revoked_ms != ENT_TIME_NONE))
        return ent_error_set(err, ENT_EAUTH, "the API key is not valid");
    if (rc < 0)
        return ent_ctx_store_error(rc, err);
    memset(&p, 0, sizeof(p));
    p.scope = k.scope;
    memcpy(p.key_id, k.id, sizeof(p.key_id));
    memcpy(p.account_id, k.account_id, sizeof(p.account_id));
    cache_put(ctx->app->keys, hash, &p);
    ctx->principal = p;
    return ENT_OK;
}

/* Makes a new secret for scope; OUT secret and prefix in the arena. */
static int
make_secret(struct ent_ctx *ctx, enum ent_scope scope, const char **secret, const char **prefix)
{
    unsigned char random[32];
    char b64[64];
    randombytes_buf(random, sizeof(random));
    sodium_bin2base64(b64, sizeof(b64), random, sizeof(random),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(random, sizeof(random));
    *secret = ent_arena_printf(&ctx->arena, "ent_%s_%s", ent_scope_name(scope), b64);
    *prefix = ent_arena_printf(&ctx->arena, "ent_%s_%.6s", ent_scope_name(scope), b64);
    sodium_memzero(b64, sizeof(b64));
    return (*secret && *prefix) ? ENT_OK : ENT_ENOMEM;
}

/* Checks a key request; OUT account_id resolved for scope account. */
static int
check_key_input(struct ent_ctx *ctx, const struct ent_key_input *in, char *account_id,
                struct ent_error *err)
{
    if (!in->name || !in->name[0] || strlen(in->name) > ENT_NAME_MAX)
        ent_error_field(err, "name", "is required, at most %d characters", ENT_NAME_MAX);
    if (in->scope == ENT_SCOPE_NONE)
        ent_error_field(err, "scope", "must be admin, read or account");
    if (in->scope == ENT_SCOPE_ACCOUNT && (!in->account || !in->account[0]))
        ent_error_field(err, "account", "is required for an account key");
    if (in->scope != ENT_SCOPE_ACCOUNT && in->account)
        ent_error_field(err, "account", "is only for account keys");
    if (err && err->code == ENT_EINVAL)
        return ENT_EINVAL;
    account_id[0] = '\0';
    if (in->scope != ENT_SCOPE_ACCOUNT)
        return ENT_OK;
    const char *id;
    int rc = ent_lists_resolve_account(ctx, in->account, &id);
    if (rc == ENT_ENOTFOUND)
        return ent_error_field(err, "account", "no such account");
    if (rc < 0)
        return ent_ctx_store_error(rc, err);
    snprintf(account_id, 37, "%s", id);
    return ENT_OK;
}

int
ent_keys_create(struct ent_ctx *ctx, const struct ent_key_input *in, struct ent_key *out,
                struct ent_error *err)
{
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    struct ent_key k = {.scope = in->scope, .created_ms = ctx->now_ms, .revoked_ms = ENT_TIME_NONE};
    rc = check_key_input(ctx, in, k.account_id, err);
    if (rc < 0)
        return rc;
    k.name = ent_arena_strdup(&ctx->arena, in->name);
    rc = make_secret(ctx, in->scope, &k.secret, &k.prefix);
    if (rc < 0 || !k.name)
        return ENT_ENOMEM;
    ent_ctx_new_id(ctx, k.id);
    char hash[HASH_HEX];
    hash_secret(ctx->app, k.secret, strlen(k.secret), hash);

    rc = ent_writes_begin(ctx);
    if (rc == ENT_OK)
        rc = ctx->sess->ops->key_insert(ctx->sess, &k, hash);
    struct ent_key shown = k;
    shown.secret = NULL; /* the audit log never sees a secret */
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "key.created", k.account_id, k.id, ENT_KIND_KEY, NULL, &shown);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 201, ENT_KIND_KEY, &shown);
    if (rc < 0) {
        ent_writes_abort(ctx);
        return ent_ctx_store_error(rc, err);
    }
    *out = k;
    return ENT_OK;
}

int
ent_keys_revoke(struct ent_ctx *ctx, const char *id, struct ent_error *err)
{
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    rc = ent_writes_begin(ctx);
    if (rc < 0)
        return ent_ctx_store_error(rc, err);
    struct ent_key before;
    rc = ctx->sess->ops->key_get(ctx->sess, &ctx->arena, id, &before);
    if (rc == ENT_ENOTFOUND) {
        ent_writes_abort(ctx);
        return ent_error_set(err, ENT_ENOTFOUND, "no such key");
    }
    struct ent_key after = before;
    if (rc == ENT_OK && before.revoked_ms == ENT_TIME_NONE) {
        after.revoked_ms = ctx->now_ms;
        rc = ctx->sess->ops->key_revoke(ctx->sess, before.id, ctx->now_ms);
        if (rc == ENT_OK)
            rc = ent_events_record(ctx, "key.revoked", before.account_id, before.id, ENT_KIND_KEY,
                                   &before, &after);
        if (rc == ENT_OK)
            rc = ent_ctx_touch_key(ctx, before.id);
    }
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 204, ENT_KIND_KEY, NULL);
    if (rc < 0) {
        ent_writes_abort(ctx);
        return ent_ctx_store_error(rc, err);
    }
    ent_keys_cache_drop(ctx->app, before.id);
    return ENT_OK;
}

int
ent_keys_current(struct ent_ctx *ctx, struct ent_key *out, struct ent_error *err)
{
    ent_error_clear(err);
    if (!ctx->principal.key_id[0])
        return ent_error_set(err, ENT_EAUTH, "the request carries no API key");
    struct ent_store_session *sess;
    int rc = ent_ctx_session(ctx, &sess);
    if (rc == ENT_OK)
        rc = sess->ops->key_get(sess, &ctx->arena, ctx->principal.key_id, out);
    if (rc == ENT_ENOTFOUND)
        return ent_error_set(err, ENT_ENOTFOUND, "no such key");
    return rc < 0 ? ent_ctx_store_error(rc, err) : ENT_OK;
}

/* Loads one key for the generic list. */
static int
load_key(struct ent_ctx *ctx, struct ent_store_session *sess, const char *id, void *out)
{
    return sess->ops->key_get(sess, &ctx->arena, id, out);
}

/* True when value names a scope. */
static bool
check_scope(const char *value)
{
    return ent_scope_parse(value) != ENT_SCOPE_NONE;
}

static const struct ent_list_filter key_filters[] = {
    {.name = "scope", .op = ENT_STORE_EQ, .check = check_scope},
    {.name = "account", .op = ENT_STORE_EQ, .resolve = ent_lists_resolve_account},
    {.name = NULL},
};

static const struct ent_list_spec key_list = {
    .table = ENT_TABLE_KEYS,
    .item_size = sizeof(struct ent_key),
    .sorts = {"name", "scope", "created_at"},
    .filters = key_filters,
    .load = load_key,
};

int
ent_keys_list(struct ent_ctx *ctx, const struct ent_list_query *q, struct ent_list *list,
              struct ent_error *err)
{
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    return ent_lists_run(ctx, &key_list, q, NULL, list, err);
}

int
ent_keys_register_admin(struct ent_app *app, const char *secret, int64_t now_ms,
                        struct ent_error *err)
{
    size_t len = strlen(secret);
    if (len < 32 || len > ENT_KEY_SECRET_MAX)
        return ent_error_set(err, ENT_EINVAL, "ENTITLED_ADMIN_KEY must be 32 to %d characters",
                             ENT_KEY_SECRET_MAX);
    struct ent_ctx *ctx;
    int rc = ent_ctx_new(app, now_ms, &ctx);
    if (rc < 0)
        return rc;
    char hash[HASH_HEX];
    hash_secret(app, secret, len, hash);
    rc = ent_writes_begin(ctx);
    struct ent_key k = {.scope = ENT_SCOPE_ADMIN,
                        .created_ms = now_ms,
                        .revoked_ms = ENT_TIME_NONE,
                        .name = "ENTITLED_ADMIN_KEY"};
    struct ent_key existing;
    if (rc == ENT_OK)
        rc = ctx->sess->ops->key_find_hash(ctx->sess, &ctx->arena, hash, &existing);
    if (rc == ENT_ENOTFOUND) {
        ent_ctx_new_id(ctx, k.id);
        k.prefix = ent_arena_printf(&ctx->arena, "%.10s", secret);
        rc = k.prefix ? ctx->sess->ops->key_insert(ctx->sess, &k, hash) : ENT_ENOMEM;
        if (rc == ENT_OK)
            rc = ent_events_record(ctx, "key.created", NULL, k.id, ENT_KIND_KEY, NULL, &k);
    }
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 0, ENT_KIND_KEY, NULL);
    /* Another daemon starting on the same store registered the same key first: it is there. */
    if (rc == ENT_ECONFLICT) {
        ent_writes_abort(ctx);
        rc = ENT_OK;
    }
    ent_ctx_free(ctx);
    return rc < 0 ? ent_ctx_store_error(rc, err) : ENT_OK;
}

int
ent_keys_bootstrap(struct ent_app *app, int64_t now_ms, char *secret, size_t secret_cap,
                   struct ent_error *err)
{
    secret[0] = '\0';
    struct ent_ctx *ctx;
    int rc = ent_ctx_new(app, now_ms, &ctx);
    if (rc < 0)
        return rc;
    struct ent_principal system = {.scope = ENT_SCOPE_ADMIN};
    ctx->principal = system;
    /* The count and the insert share one write, which keeps the bootstraps of other daemons
     * starting on the same store waiting (store.h, key_count): one key is made between them. */
    int64_t n = 0;
    rc = ent_writes_begin(ctx);
    if (rc == ENT_OK)
        rc = ctx->sess->ops->key_count(ctx->sess, &n);
    if (rc == ENT_OK && n == 0) {
        struct ent_key k = {.scope = ENT_SCOPE_ADMIN,
                            .created_ms = ctx->now_ms,
                            .revoked_ms = ENT_TIME_NONE,
                            .name = "first admin key"};
        rc = make_secret(ctx, k.scope, &k.secret, &k.prefix);
        char hash[HASH_HEX];
        if (rc == ENT_OK) {
            ent_ctx_new_id(ctx, k.id);
            hash_secret(app, k.secret, strlen(k.secret), hash);
            rc = ctx->sess->ops->key_insert(ctx->sess, &k, hash);
        }
        struct ent_key shown = k;
        shown.secret = NULL; /* the audit log never sees a secret */
        if (rc == ENT_OK)
            rc = ent_events_record(ctx, "key.created", NULL, k.id, ENT_KIND_KEY, NULL, &shown);
        if (rc == ENT_OK)
            rc = ent_writes_commit(ctx, 201, ENT_KIND_KEY, &shown);
        if (rc == ENT_OK)
            snprintf(secret, secret_cap, "%s", k.secret);
    }
    ent_writes_abort(ctx); /* nothing to write, or the write failed */
    ent_ctx_free(ctx);
    return rc < 0 ? ent_ctx_store_error(rc, err) : ENT_OK;
}
