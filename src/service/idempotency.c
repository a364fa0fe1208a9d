/* SPDX-License-Identifier: MIT */
/*
 * idempotency.c: Idempotency-Key handling. A POST with a key is served once: its answer is
 * recorded with the change, in the same transaction, and later requests with the same key and
 * body get that answer again. A key used with another request is refused; a key whose first
 * request is still being served is refused with a conflict (the in-flight set, inflight.c).
 * The write transaction records the answer (ent_idempotency_record, called by writes.c); the
 * context drops the in-flight mark when it is released (ctx.c).
 */
#include "service/idempotency.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "service/ctx.h"
#include "service/inflight.h"

/* True when the Idempotency-Key is 1 to 255 printable ASCII characters. */
static bool
key_is_valid(const char *key)
{
    size_t n = strlen(key);
    if (n == 0 || n > ENT_IDEMPOTENCY_KEY_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (key[i] < 0x21 || key[i] > 0x7e)
            return false;
    }
    return true;
}

/* Hex SHA-256 of route, a newline, and body. */
static void
request_hash(const char *route, const void *body, size_t body_len, char out[65])
{
    crypto_hash_sha256_state st;
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)route, strlen(route));
    crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_hash_sha256_update(&st, body, body_len);
    crypto_hash_sha256_final(&st, digest);
    sodium_bin2hex(out, 65, digest, sizeof(digest));
}

int
ent_idempotency_begin(struct ent_ctx *ctx, const char *key, const char *route, const void *body,
                      size_t body_len, bool *replayed, int *status, const char **answer,
                      size_t *answer_len, struct ent_error *err)
{
    *replayed = false;
    if (!key_is_valid(key))
        return ent_error_field(err, "Idempotency-Key",
                               "must be 1 to 255 printable ASCII characters");
    const char *key_id = ctx->principal.key_id;
    ctx->idem_key = ent_arena_strdup(&ctx->arena, key);
    ctx->idem_route = ent_arena_strdup(&ctx->arena, route);
    if (!ctx->idem_key || !ctx->idem_route)
        return ENT_ENOMEM;
    request_hash(route, body, body_len, ctx->idem_hash);

    int rc = ent_inflight_mark(ctx->app->inflight, key_id, key);
    if (rc == ENT_ECONFLICT)
        return ent_error_set(err, ENT_ECONFLICT,
                             "a request with this Idempotency-Key is still being served");
    if (rc < 0)
        return rc;
    ctx->idem_marked = true;

    struct ent_store_session *sess;
    rc = ent_ctx_session(ctx, &sess);
    if (rc < 0)
        return ent_ctx_store_error(rc, err);
    struct ent_store_idempotency rec;
    rc = sess->ops->idempotency_get(sess, &ctx->arena, key_id, key, &rec);
    if (rc == ENT_OK && rec.created_ms >= ctx->now_ms - ENT_IDEMPOTENCY_TTL_MS) {
        if (strcmp(rec.request_hash, ctx->idem_hash) != 0)
            return ent_error_field(err, "Idempotency-Key",
                                   "was already used with a different request");
        *replayed = true;
        *status = rec.status;
        *answer = rec.body;
        *answer_len = rec.body_len;
        return ENT_OK;
    }
    if (rc < 0 && rc != ENT_ENOTFOUND)
        return ent_ctx_store_error(rc, err);
    ctx->idem_bound = true;
    return ENT_OK;
}

void
ent_idempotency_end(struct ent_ctx *ctx)
{
    ent_ctx_end_idempotency(ctx);
}

int
ent_idempotency_record(struct ent_ctx *ctx, int status, enum ent_kind kind, const void *object)
{
    struct ent_store_session *sess = ctx->sess;
    const char *body = NULL;
    int rc = ent_ctx_encode(ctx, kind, object, &body);
    if (rc < 0)
        return rc;
    /* Expired records are dropped first, so that a key may be used again after 24 hours. */
    rc = sess->ops->idempotency_purge(sess, ctx->now_ms - ENT_IDEMPOTENCY_TTL_MS);
    if (rc < 0)
        return rc;
    struct ent_store_idempotency rec = {
        .key_id = ctx->principal.key_id,
        .idem_key = ctx->idem_key,
        .route = ctx->idem_route,
        .request_hash = ctx->idem_hash,
        .status = status,
        .body = body ? body : "",
        .body_len = body ? strlen(body) : 0,
        .created_ms = ctx->now_ms,
    };
    rc = sess->ops->idempotency_insert(sess, &rec);
    if (rc == ENT_OK)
        atomic_fetch_add(&ctx->app->idempotent_writes, 1);
    ctx->idem_bound = false;
    return rc;
}
