/* SPDX-License-Identifier: MIT */
/*
 * signing_keys.c: the Ed25519 keys that sign licenses (issue 13): made at the first start and
 * by rotation, their private halves sealed before they reach the store, listed, and published
 * as a JWK Set (the JSON of which is license_format.c's).
 *
 * Sealing: a key's 32-byte seed is stored as nonce || crypto_secretbox_easy(seed) under a key
 * derived from the key file's secret (crypto_generichash keyed with it, over a fixed text), so
 * the store alone cannot sign, and a store opened with another key file cannot either (the key
 * file is checked against the store at start: keyfile.c). A kid is the RFC 7638 thumbprint of
 * the public JWK: base64url(SHA-256('{"crv":"Ed25519","kty":"OKP","x":"<x>"}')).
 */
#include "service/signing_keys.h"

#include <stdio.h>
#include <string.h>

#include "service/ctx.h"
#include "service/events.h"
#include "service/license_format.h"
#include "service/writes.h"

#define SEAL_CONTEXT "entitled signing key seal v1"
#define B64URL_MAX(n) (sodium_base64_ENCODED_LEN((n), sodium_base64_VARIANT_URLSAFE_NO_PADDING))
#define SEALED_BYTES                                                                               \
    (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + crypto_sign_SEEDBYTES)

/* base64url (no padding) of bin into out (cap bytes). */
static void
b64url(const unsigned char *bin, size_t len, char *out, size_t cap)
{
    sodium_bin2base64(out, cap, bin, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

bool
ent_signing_keys_published(const struct ent_signing_key *k, int64_t now_ms)
{
    return k->current || (k->published_until_ms != ENT_TIME_NONE && k->published_until_ms > now_ms);
}

/*
 * Makes a new key at now_ms and inserts it as the current one (retiring the others) on the
 * open write of ctx. OUT out (strings in the arena). Errors: ENT_ESTORE, ENT_ENOMEM.
 */
static int
make_key(struct ent_ctx *ctx, int64_t now_ms, struct ent_signing_key *out)
{
    unsigned char seed[crypto_sign_SEEDBYTES], pk[crypto_sign_PUBLICKEYBYTES],
        sk[crypto_sign_SECRETKEYBYTES];
    randombytes_buf(seed, sizeof(seed));
    crypto_sign_seed_keypair(pk, sk, seed);
    sodium_memzero(sk, sizeof(sk));
    unsigned char sealed[SEALED_BYTES];
    randombytes_buf(sealed, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(sealed + crypto_secretbox_NONCEBYTES, seed, sizeof(seed), sealed,
                          ctx->app->seal_key);
    sodium_memzero(seed, sizeof(seed));

    char x[B64URL_MAX(crypto_sign_PUBLICKEYBYTES)], sealed_text[B64URL_MAX(SEALED_BYTES)];
    b64url(pk, sizeof(pk), x, sizeof(x));
    b64url(sealed, sizeof(sealed), sealed_text, sizeof(sealed_text));
    char jwk[160];
    int jwk_len =
        snprintf(jwk, sizeof(jwk), "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"%s\"}", x);
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)jwk, (unsigned long long)jwk_len);

    struct ent_store_signing_key k = {.key = {.created_ms = now_ms,
                                              .retired_ms = ENT_TIME_NONE,
                                              .current = true,
                                              .published = true,
                                              .published_until_ms = ENT_TIME_NONE}};
    b64url(digest, sizeof(digest), k.key.kid, sizeof(k.key.kid));
    ent_ctx_new_id(ctx, k.key.id);
    k.key.public_key = ent_ctx_strndup(ctx, x, strlen(x));
    k.sealed = ent_ctx_strndup(ctx, sealed_text, strlen(sealed_text));
    if (!k.key.public_key || !k.sealed)
        return ENT_ENOMEM;
    int rc = ctx->sess->ops->signing_key_insert(ctx->sess, &k);
    if (rc == ENT_OK)
        *out = k.key;
    return rc;
}

int
ent_signing_keys_start(struct ent_app *app, int64_t now_ms, struct ent_error *err)
{
    crypto_generichash(app->seal_key, sizeof(app->seal_key), (const unsigned char *)SEAL_CONTEXT,
                       strlen(SEAL_CONTEXT), app->hash_key, sizeof(app->hash_key));
    struct ent_ctx *ctx = NULL;
    int rc = ent_ctx_new(app, now_ms, &ctx);
    if (rc < 0)
        return rc;
    struct ent_principal system = {.scope = ENT_SCOPE_ADMIN};
    ent_ctx_set_principal(ctx, &system);
    rc = ent_writes_begin(ctx);
    struct ent_store_signing_key current;
    if (rc == ENT_OK)
        rc = ctx->sess->ops->signing_key_current(ctx->sess, &ctx->arena, &current);
    if (rc == ENT_ENOTFOUND) {
        struct ent_signing_key made;
        rc = make_key(ctx, now_ms, &made);
        if (rc == ENT_OK)
            rc = ent_writes_commit(ctx, 201, ENT_KIND_SIGNING_KEY, &made);
    } else {
        ent_writes_abort(ctx);
    }
    if (rc < 0) {
        ent_writes_abort(ctx);
        ent_error_set(err, rc, "cannot make the first license signing key");
    }
    ent_ctx_free(ctx);
    return rc;
}

int
ent_signing_keys_current(struct ent_ctx *ctx, char *kid,
                         unsigned char sk[crypto_sign_SECRETKEYBYTES])
{
    struct ent_store_session *sess;
    int rc = ent_ctx_session(ctx, &sess);
    struct ent_store_signing_key k;
    if (rc == ENT_OK)
        rc = sess->ops->signing_key_current(sess, &ctx->arena, &k);
    if (rc < 0)
        return rc;
    unsigned char sealed[SEALED_BYTES];
    size_t len = 0;
    if (sodium_base642bin(sealed, sizeof(sealed), k.sealed, strlen(k.sealed), NULL, &len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        len != sizeof(sealed))
        return ENT_EINTERNAL;
    unsigned char seed[crypto_sign_SEEDBYTES], pk[crypto_sign_PUBLICKEYBYTES];
    if (crypto_secretbox_open_easy(seed, sealed + crypto_secretbox_NONCEBYTES,
                                   sizeof(sealed) - crypto_secretbox_NONCEBYTES, sealed,
                                   ctx->app->seal_key) != 0)
        return ENT_EINTERNAL;
    crypto_sign_seed_keypair(pk, sk, seed);
    sodium_memzero(seed, sizeof(seed));
    memcpy(kid, k.key.kid, sizeof(k.key.kid));
    return ENT_OK;
}

int
ent_signing_keys_rotate(struct ent_ctx *ctx, struct ent_signing_key *out, struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    rc = ent_writes_begin(ctx);
    struct ent_signing_key made;
    if (rc == ENT_OK)
        rc = make_key(ctx, ctx->now_ms, &made);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "signing_key.rotated", NULL, made.id, ENT_KIND_SIGNING_KEY,
                               NULL, &made);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 201, ENT_KIND_SIGNING_KEY, &made);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    *out = made;
    return ENT_OK;
}

/* Reads every key, each with whether it is published at the context's time. */
static int
all_keys(struct ent_ctx *ctx, struct ent_store_signing_key **keys, size_t *n)
{
    struct ent_store_session *sess;
    int rc = ent_ctx_session(ctx, &sess);
    if (rc == ENT_OK)
        rc = sess->ops->signing_keys_all(sess, &ctx->arena, keys, n);
    for (size_t i = 0; rc == ENT_OK && i < *n; i++)
        (*keys)[i].key.published = ent_signing_keys_published(&(*keys)[i].key, ctx->now_ms);
    return rc;
}

int
ent_signing_keys_list(struct ent_ctx *ctx, struct ent_signing_key **keys, size_t *n,
                      struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_reader(ctx, err);
    if (rc < 0)
        return rc;
    struct ent_store_signing_key *all = NULL;
    size_t count = 0;
    rc = all_keys(ctx, &all, &count);
    if (rc < 0)
        return ent_ctx_store_error(rc, err);
    *keys = ent_ctx_alloc(ctx, (count ? count : 1) * sizeof(**keys));
    if (!*keys)
        return ent_ctx_store_error(ENT_ENOMEM, err);
    for (size_t i = 0; i < count; i++)
        (*keys)[i] = all[i].key;
    *n = count;
    return ENT_OK;
}

int
ent_signing_keys_jwks(struct ent_ctx *ctx, const char **json, size_t *len, struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    struct ent_store_signing_key *all = NULL;
    size_t count = 0;
    int rc = all_keys(ctx, &all, &count);
    if (rc == ENT_OK)
        rc = ent_license_format_jwks(ctx, all, count, json, len);
    return rc < 0 ? ent_ctx_store_error(rc, err) : ENT_OK;
}
