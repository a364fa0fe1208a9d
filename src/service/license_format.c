/* SPDX-License-Identifier: MIT */
/*
 * license_format.c: the license format (license_format.h): claims as JSON (jansson, members in
 * a fixed order), the compact JWS over them (header {"alg":"EdDSA","typ":"JWT","kid":…},
 * base64url without padding, the Ed25519 signature of "<header>.<claims>" by libsodium), and
 * the JWK Set. Times in claims are NumericDates (seconds since the epoch), as JWT has them.
 */
#include "service/license_format.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "service/ctx.h"

/* ms to a NumericDate (floor), or null for ENT_TIME_NONE. */
static json_t *
numeric_date(int64_t ms)
{
    if (ms == ENT_TIME_NONE)
        return json_null();
    int64_t s = ms / 1000 - (ms % 1000 < 0 ? 1 : 0);
    return json_integer((json_int_t)s);
}

static json_t *
str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* The entitlement of one feature, as evaluate answered it at issue time. */
static json_t *
encode_entitlement(const struct ent_feature_answer *f, const struct ent_license_allowance *al)
{
    json_t *o = json_object();
    json_object_set_new(o, "value", json_boolean(f->value));
    json_object_set_new(o, "type", json_string(ent_feature_type_name(f->type)));
    json_object_set_new(o, "level", str_or_null(f->level));
    json_object_set_new(o, "limit", f->has_limit ? json_integer(f->limit) : json_null());
    json_object_set_new(o, "unlimited", json_boolean(f->unlimited));
    json_object_set_new(o, "expires_at", numeric_date(f->expires_at_ms));
    json_object_set_new(o, "reason", json_string(f->reason ? f->reason : "granted"));
    if (al->metered) {
        json_t *a = json_object();
        json_object_set_new(a, "limit", f->has_limit ? json_integer(f->limit) : json_null());
        json_object_set_new(a, "reset_period", json_string(ent_period_name(al->reset_period)));
        json_object_set_new(a, "window_start", numeric_date(al->window_start_ms));
        json_object_set_new(a, "window_end", numeric_date(al->window_end_ms));
        json_object_set_new(a, "usage", json_integer(f->usage));
        json_object_set_new(o, "allowance", a);
    }
    return o;
}

/* The claims object of c. */
static json_t *
encode_claims(const struct ent_license_claims *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "iss", json_string(c->iss));
    json_object_set_new(o, "sub", json_string(c->account->id));
    json_object_set_new(o, "jti", json_string(c->jti));
    json_object_set_new(o, "iat", numeric_date(c->iat_ms));
    json_object_set_new(o, "nbf", numeric_date(c->iat_ms));
    json_object_set_new(o, "exp", numeric_date(c->exp_ms));
    json_object_set_new(o, "license", json_string(c->license_id));
    json_t *acc = json_object();
    json_object_set_new(acc, "id", json_string(c->account->id));
    json_object_set_new(acc, "key", json_string(c->account->key));
    json_object_set_new(acc, "name", json_string(c->account->name));
    json_object_set_new(o, "account", acc);
    json_t *lm = json_object();
    json_object_set_new(lm, "name", str_or_null(c->model ? c->model->name : NULL));
    json_object_set_new(lm, "issuer", json_string(c->iss));
    json_object_set_new(lm, "vendor_string",
                        str_or_null(c->model ? c->model->vendor_string : NULL));
    json_object_set_new(lm, "notice", str_or_null(c->model ? c->model->notice : NULL));
    json_object_set_new(lm, "serial_number", json_string(c->jti));
    json_object_set_new(o, "license_model", lm);
    json_t *products = json_array();
    for (size_t i = 0; i < c->n_products; i++) {
        json_t *p = json_object();
        json_object_set_new(p, "key", json_string(c->products[i].key));
        json_object_set_new(p, "name", str_or_null(c->products[i].name));
        json_array_append_new(products, p);
    }
    json_object_set_new(o, "products", products);
    json_t *ids = json_array();
    for (size_t i = 0; i < c->n_activation_ids; i++)
        json_array_append_new(ids, json_string(c->activation_ids[i]));
    json_object_set_new(o, "activation_ids", ids);
    json_object_set_new(o, "fingerprint", str_or_null(c->fingerprint));
    json_object_set_new(o, "activation", str_or_null(c->activation));
    json_t *ents = json_object();
    for (size_t i = 0; i < c->n_features; i++)
        json_object_set_new(ents, c->features[i].feature,
                            encode_entitlement(&c->features[i], &c->allowances[i]));
    json_object_set_new(o, "entitlements", ents);
    return o;
}

/* Appends base64url(bin) to out at *pos (out has room). */
static void
put_b64url(char *out, size_t cap, size_t *pos, const unsigned char *bin, size_t len)
{
    sodium_bin2base64(out + *pos, cap - *pos, bin, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    *pos += strlen(out + *pos);
}

/* The compact JSON text of v in the arena, or NULL. */
static char *
dump(struct ent_ctx *ctx, json_t *v, size_t *len)
{
    char *s = v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (!s)
        return NULL;
    *len = strlen(s);
    char *copy = ent_ctx_strndup(ctx, s, *len);
    free(s);
    return copy;
}

int
ent_license_format_sign(struct ent_ctx *ctx, const struct ent_license_claims *c, const char *kid,
                        const unsigned char sk[crypto_sign_SECRETKEYBYTES], const char **token)
{
    json_t *header = json_pack("{s:s, s:s, s:s}", "alg", "EdDSA", "typ", "JWT", "kid", kid);
    json_t *claims = encode_claims(c);
    size_t header_len = 0, claims_len = 0;
    char *header_text = dump(ctx, header, &header_len);
    char *claims_text = dump(ctx, claims, &claims_len);
    json_decref(header);
    json_decref(claims);
    if (!header_text || !claims_text)
        return ENT_ENOMEM;
    size_t cap =
        sodium_base64_ENCODED_LEN(header_len, sodium_base64_VARIANT_URLSAFE_NO_PADDING) +
        sodium_base64_ENCODED_LEN(claims_len, sodium_base64_VARIANT_URLSAFE_NO_PADDING) +
        sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING) + 4;
    char *out = ent_ctx_alloc(ctx, cap);
    if (!out)
        return ENT_ENOMEM;
    size_t pos = 0;
    put_b64url(out, cap, &pos, (const unsigned char *)header_text, header_len);
    out[pos++] = '.';
    put_b64url(out, cap, &pos, (const unsigned char *)claims_text, claims_len);
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, NULL, (const unsigned char *)out, pos, sk);
    out[pos++] = '.';
    put_b64url(out, cap, &pos, sig, sizeof(sig));
    *token = out;
    return ENT_OK;
}

int
ent_license_format_jwks(struct ent_ctx *ctx, const struct ent_store_signing_key *keys, size_t n,
                        const char **json, size_t *len)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        if (!keys[i].key.published)
            continue;
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kty", "OKP", "crv",
                                             "Ed25519", "x", keys[i].key.public_key, "kid",
                                             keys[i].key.kid, "use", "sig", "alg", "EdDSA"));
    }
    json_t *set = json_pack("{s:o}", "keys", arr);
    char *text = dump(ctx, set, len);
    json_decref(set);
    if (!text)
        return ENT_ENOMEM;
    *json = text;
    return ENT_OK;
}
