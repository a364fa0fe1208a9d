/* SPDX-License-Identifier: MIT */
/*
 * ctx.c: request contexts (see ctx.h): their life, arena, session, ids, scope checks and the
 * announcements of what an open write touches. The write transaction's turning points, where
 * idempotent answers are recorded and caches dropped, are writes.c's: this file includes no
 * module that includes it. No SQL here; the store does that.
 */
#include "service/ctx.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/alloc.h"
#include "core/uuid.h"
#include "service/inflight.h"

int
ent_ctx_new(struct ent_app *app, int64_t now_ms, struct ent_ctx **out)
{
    struct ent_ctx *ctx = ent_calloc(1, sizeof(*ctx));
    if (!ctx)
        return ENT_ENOMEM;
    ctx->app = app;
    ctx->now_ms = now_ms;
    ent_arena_init(&ctx->arena, 0);
    *out = ctx;
    return ENT_OK;
}

void
ent_ctx_release(struct ent_ctx *ctx)
{
    ent_ctx_end_idempotency(ctx);
    ctx->touched = NULL; /* a write still open is rolled back below: nothing to drop */
    if (ctx->sess) {
        if (ctx->in_write)
            ctx->sess->ops->rollback(ctx->sess);
        ctx->in_write = false;
        ctx->sess->ops->release(ctx->sess);
        ctx->sess = NULL;
    }
}

void
ent_ctx_free(struct ent_ctx *ctx)
{
    if (!ctx)
        return;
    ent_ctx_release(ctx);
    ent_arena_cleanup(&ctx->arena);
    ent_free(ctx);
}

void
ent_ctx_reset(struct ent_ctx *ctx, int64_t now_ms)
{
    ent_ctx_end_idempotency(ctx);
    ctx->touched = NULL; /* in the arena */
    ent_arena_cleanup(&ctx->arena);
    ent_arena_init(&ctx->arena, 0);
    ctx->now_ms = now_ms;
}

void
ent_ctx_end_idempotency(struct ent_ctx *ctx)
{
    if (ctx->idem_marked)
        ent_inflight_unmark(ctx->app->inflight, ctx->principal.key_id, ctx->idem_key);
    ctx->idem_marked = false;
    ctx->idem_bound = false;
}

void *
ent_ctx_alloc(struct ent_ctx *ctx, size_t len)
{
    return ent_arena_alloc(&ctx->arena, len);
}

char *
ent_ctx_strndup(struct ent_ctx *ctx, const char *s, size_t len)
{
    return ent_arena_strndup(&ctx->arena, s, len);
}

int64_t
ent_ctx_now(const struct ent_ctx *ctx)
{
    return ctx->now_ms;
}

void
ent_ctx_set_encoder(struct ent_ctx *ctx, ent_encode_fn encode)
{
    ctx->encode = encode;
}

const struct ent_principal *
ent_ctx_principal(const struct ent_ctx *ctx)
{
    return &ctx->principal;
}

void
ent_ctx_set_principal(struct ent_ctx *ctx, const struct ent_principal *p)
{
    ctx->principal = *p;
}

int
ent_ctx_session(struct ent_ctx *ctx, struct ent_store_session **sess)
{
    if (!ctx->sess) {
        int rc = ctx->app->store->ops->acquire(ctx->app->store, &ctx->sess);
        if (rc < 0)
            return rc;
    }
    *sess = ctx->sess;
    return ENT_OK;
}

void
ent_ctx_touch_catalog(struct ent_ctx *ctx)
{
    ctx->catalog_touched = true;
}

int
ent_ctx_touch_account(struct ent_ctx *ctx, const char *account_id)
{
    if (!account_id)
        return ENT_OK;
    bool known = false;
    for (const struct ent_touched_account *t = ctx->touched; t && !known; t = t->next)
        known = strcmp(t->id, account_id) == 0;
    if (!known) {
        struct ent_touched_account *t = ent_arena_alloc(&ctx->arena, sizeof(*t));
        if (!t)
            return ENT_ENOMEM;
        snprintf(t->id, sizeof(t->id), "%s", account_id);
        t->next = ctx->touched;
        ctx->touched = t;
    }
    if (ctx->batch.on || !ctx->sess || !account_id[0])
        return ENT_OK;
    return ctx->sess->ops->announce(ctx->sess, ENT_STORE_CHANGE_ACCOUNT, account_id);
}

int
ent_ctx_touch_usage(struct ent_ctx *ctx, const char *account_id, const char *feature_id,
                    int64_t window_start_ms, int64_t used)
{
    if (ctx->batch.on || !ctx->sess || !account_id || !account_id[0])
        return ENT_OK;
    char text[ENT_STORE_ANNOUNCE_MAX + 1];
    int n = snprintf(text, sizeof(text), "%s %s %lld %lld", account_id, feature_id,
                     (long long)window_start_ms, (long long)used);
    if (n < 0 || (size_t)n >= sizeof(text)) /* ids of 36 characters: never */
        return ctx->sess->ops->announce(ctx->sess, ENT_STORE_CHANGE_ACCOUNT, account_id);
    return ctx->sess->ops->announce(ctx->sess, ENT_STORE_CHANGE_USAGE, text);
}

bool
ent_ctx_parse_usage(const char *text, char *account_id, char *feature_id, int64_t *window_start_ms,
                    int64_t *used)
{
    long long start = 0, count = 0;
    int end = 0;
    if (sscanf(text, "%36s %36s %lld %lld%n", account_id, feature_id, &start, &count, &end) != 4 ||
        text[end] != '\0')
        return false;
    *window_start_ms = start;
    *used = count;
    return true;
}

int
ent_ctx_touch_key(struct ent_ctx *ctx, const char *key_id)
{
    if (ctx->batch.on || !ctx->sess || !key_id || !key_id[0])
        return ENT_OK;
    return ctx->sess->ops->announce(ctx->sess, ENT_STORE_CHANGE_KEY, key_id);
}

int
ent_ctx_require_admin(struct ent_ctx *ctx, struct ent_error *err)
{
    if (ctx->principal.scope == ENT_SCOPE_ADMIN)
        return ENT_OK;
    return ent_error_set(err, ENT_EFORBIDDEN, "this key may not make changes here");
}

int
ent_ctx_require_reader(struct ent_ctx *ctx, struct ent_error *err)
{
    if (ctx->principal.scope == ENT_SCOPE_ADMIN || ctx->principal.scope == ENT_SCOPE_READ)
        return ENT_OK;
    return ent_error_set(err, ENT_EFORBIDDEN, "this key may not read this resource");
}

int
ent_ctx_require_owner_or_reader(struct ent_ctx *ctx, struct ent_error *err)
{
    if (ctx->principal.scope == ENT_SCOPE_ACCOUNT)
        return ENT_OK;
    return ent_ctx_require_reader(ctx, err);
}

int
ent_ctx_require_recorder(struct ent_ctx *ctx, struct ent_error *err)
{
    if (ctx->principal.scope == ENT_SCOPE_ADMIN || ctx->principal.scope == ENT_SCOPE_ACCOUNT)
        return ENT_OK;
    return ent_error_set(err, ENT_EFORBIDDEN, "this key may not record usage");
}

/*
 * Makes ids sort in the order they were made, also within one millisecond: the 12 bits after
 * the time carry a counter (RFC 9562, method 1), and the time never goes back within the
 * process even when the clock does.
 */
void
ent_ctx_new_id(struct ent_ctx *ctx, char *out)
{
    uint64_t want = (uint64_t)ctx->now_ms << 12;
    uint64_t prev = atomic_load(&ctx->app->id_clock);
    uint64_t next;
    do {
        next = want > prev ? want : prev + 1;
    } while (!atomic_compare_exchange_weak(&ctx->app->id_clock, &prev, next));
    uint8_t random[10];
    randombytes_buf(random, sizeof(random));
    random[0] = (uint8_t)((next >> 8) & 0x0f); /* the version nibble takes the high four bits */
    random[1] = (uint8_t)(next & 0xff);
    ent_uuid_v7((int64_t)(next >> 12), random, out);
}

int
ent_ctx_encode(struct ent_ctx *ctx, enum ent_kind kind, const void *object, const char **text)
{
    *text = NULL;
    if (!ctx->encode || !object)
        return ENT_OK;
    size_t len;
    return ctx->encode(ctx, kind, object, text, &len);
}

int
ent_ctx_found(struct ent_ctx *ctx, int rc, const char *account_id, const char *what,
              const char *ref, struct ent_error *err)
{
    const struct ent_principal *p = &ctx->principal;
    if (rc == ENT_OK && account_id && p->scope == ENT_SCOPE_ACCOUNT &&
        !(p->account_id[0] && strcmp(p->account_id, account_id) == 0))
        rc = ENT_ENOTFOUND;
    if (rc == ENT_ENOTFOUND)
        return ent_error_set(err, ENT_ENOTFOUND, "no %s '%s'", what, ref ? ref : "");
    return rc;
}

int
ent_ctx_own_account(struct ent_ctx *ctx, const char *ref, struct ent_account *own)
{
    struct ent_store_session *sess;
    int rc = ent_ctx_session(ctx, &sess);
    if (rc < 0)
        return rc;
    if (!ctx->principal.account_id[0])
        return ENT_ENOTFOUND;
    rc = sess->ops->account_get(sess, &ctx->arena, ctx->principal.account_id, own);
    if (rc == ENT_OK && ref && strcmp(own->id, ref) != 0 &&
        !(own->key && strcmp(own->key, ref) == 0))
        rc = ENT_ENOTFOUND;
    return rc;
}

int
ent_ctx_store_error(int code, struct ent_error *err)
{
    switch (code) {
    case ENT_ECONFLICT:
        return ent_error_set(err, ENT_ECONFLICT, "the object conflicts with an existing one");
    case ENT_ENOTFOUND:
        return ent_error_set(err, ENT_ENOTFOUND, "not found");
    case ENT_ENOMEM:
        return ent_error_set(err, ENT_ENOMEM, "%s", "");
    case ENT_EBUSY:
        return ent_error_set(err, ENT_EBUSY, "%s", "");
    case ENT_EUNAVAILABLE:
        return ent_error_set(err, ENT_EUNAVAILABLE,
                             "the store cannot take writes (its file was deleted or replaced, or"
                             " the database is unreachable); nothing was written");
    default:
        return ent_error_set(err, code < 0 ? code : ENT_ESTORE, "%s", "");
    }
}
