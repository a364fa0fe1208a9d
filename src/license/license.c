/* SPDX-License-Identifier: MIT */
/*
 * license.c: the offline verifier of entitled licenses (include/entitled_license.h): splits a
 * compact JWS, decodes its parts (libsodium's strict base64url: no padding, no stray
 * characters, no bits left over), reads the header and claims with jansson (duplicate members
 * refused), accepts alg "EdDSA" alone, and checks the Ed25519 signature of the exact bytes
 * signed with libsodium. It links no other part of entitled, its allocator included: memory
 * comes from the C library, as a vendor's product expects of a small library.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "entitled_license.h"

struct ent_license_token {
    json_t *header;
    json_t *claims;
    const char *kid; /* in header */
    bool alg_ok;     /* the header names EdDSA and nothing critical */
    unsigned char signature[crypto_sign_BYTES];
    char *signed_part; /* "<header>.<claims>" as in the token */
    size_t signed_len;
    char *compact; /* claims_json() answers */
    char *pretty;
};

static const char *const verdict_names[] = {
    [ENT_VERDICT_VALID] = "valid",
    [ENT_VERDICT_MALFORMED] = "malformed",
    [ENT_VERDICT_BAD_ALGORITHM] = "bad_algorithm",
    [ENT_VERDICT_UNKNOWN_KEY] = "unknown_key",
    [ENT_VERDICT_BAD_SIGNATURE] = "bad_signature",
    [ENT_VERDICT_NOT_YET_VALID] = "not_yet_valid",
    [ENT_VERDICT_EXPIRED] = "expired",
    [ENT_VERDICT_FINGERPRINT_MISMATCH] = "fingerprint_mismatch",
    [ENT_VERDICT_NO_MEMORY] = "no_memory",
};

const char *
ent_license_verdict_name(enum ent_license_verdict v)
{
    if ((size_t)v >= sizeof(verdict_names) / sizeof(verdict_names[0]))
        return "unknown";
    return verdict_names[v];
}

/* Initialises libsodium once (safe to repeat). Returns false when it cannot. */
static bool
sodium_ready(void)
{
    return sodium_init() >= 0;
}

int
ent_license_keyset_add(struct ent_license_keyset *ks, const char *kid,
                       const unsigned char public_key[32])
{
    if (ks->n >= ENT_LICENSE_MAX_KEYS)
        return -1;
    size_t kid_len = kid ? strlen(kid) : 0;
    if (kid_len >= sizeof(ks->keys[0].kid))
        return -1;
    struct ent_license_key *k = &ks->keys[ks->n];
    memcpy(k->kid, kid ? kid : "", kid_len + 1);
    memcpy(k->public_key, public_key, 32);
    ks->n++;
    return 0;
}

/*
 * Decodes base64url without padding (the JOSE encoding) of src[0..len) into dst (cap bytes).
 * Returns the decoded length, or -1 (bad character, padding, bits left over, or too long): the
 * same strict rules as libsodium's sodium_base642bin with its URL-safe, no-padding variant, by a
 * table (a token is public: no need for libsodium's constant time, which took an eighth of a
 * verification).
 */
static long
b64url_decode(const char *src, size_t len, unsigned char *dst, size_t cap)
{
    static signed char value[256];
    static bool ready;
    if (!ready) { /* idempotent: racing threads write the same values */
        memset(value, -1, sizeof(value));
        const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for (int i = 0; i < 64; i++)
            value[(unsigned char)alphabet[i]] = (signed char)i;
        ready = true;
    }
    if (len % 4 == 1)
        return -1; /* one character left over: not a whole byte */
    size_t need = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
    if (need > cap)
        return -1;
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t out = 0;
    for (size_t i = 0; i < len; i++) {
        int v = value[(unsigned char)src[i]];
        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            dst[out++] = (unsigned char)(acc >> bits);
        }
    }
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
        return -1; /* bits left over that are not zero: not the canonical encoding */
    return (long)out;
}

int
ent_license_keyset_add_base64(struct ent_license_keyset *ks, const char *kid,
                              const char *public_key)
{
    if (!sodium_ready() || !public_key)
        return -1;
    size_t len = strlen(public_key);
    while (len > 0 && public_key[len - 1] == '=')
        len--; /* padding is optional here */
    static const int variants[] = {sodium_base64_VARIANT_URLSAFE_NO_PADDING,
                                   sodium_base64_VARIANT_ORIGINAL_NO_PADDING};
    for (size_t i = 0; i < 2; i++) {
        unsigned char key[32];
        size_t out_len = 0;
        const char *end = NULL;
        if (sodium_base642bin(key, sizeof(key), public_key, len, NULL, &out_len, &end,
                              variants[i]) == 0 &&
            end == public_key + len && out_len == 32)
            return ent_license_keyset_add(ks, kid, key);
    }
    return -1;
}

/* The string member name of obj, or NULL. */
static const char *
member_string(const json_t *obj, const char *name)
{
    return json_string_value(json_object_get(obj, name));
}

int
ent_license_keyset_from_jwks(struct ent_license_keyset *ks, const char *text, size_t len)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *keys = json_object_get(root, "keys");
    if (!json_is_object(root) || !json_is_array(keys)) {
        json_decref(root);
        return -1;
    }
    int added = 0;
    size_t i;
    json_t *jwk;
    json_array_foreach(keys, i, jwk)
    {
        const char *kty = member_string(jwk, "kty"), *crv = member_string(jwk, "crv");
        const char *x = member_string(jwk, "x"), *use = member_string(jwk, "use");
        const char *alg = member_string(jwk, "alg");
        if (!kty || strcmp(kty, "OKP") != 0 || !crv || strcmp(crv, "Ed25519") != 0 || !x)
            continue;
        if ((use && strcmp(use, "sig") != 0) || (alg && strcmp(alg, "EdDSA") != 0))
            continue;
        unsigned char key[32];
        if (b64url_decode(x, strlen(x), key, sizeof(key)) != 32)
            continue;
        if (ent_license_keyset_add(ks, member_string(jwk, "kid"), key) == 0)
            added++;
    }
    json_decref(root);
    return added;
}

/* Decodes one base64url part into a JSON object. NULL when it is not one. */
static json_t *
decode_json_part(const char *src, size_t len)
{
    size_t cap = len * 3 / 4 + 3;
    unsigned char *buf = malloc(cap);
    if (!buf)
        return NULL;
    long n = b64url_decode(src, len, buf, cap);
    json_t *v = NULL;
    if (n >= 0) {
        json_error_t jerr;
        v = json_loadb((const char *)buf, (size_t)n, JSON_REJECT_DUPLICATES, &jerr);
    }
    free(buf); /* the decoded text, not a json_ value */
    if (v && !json_is_object(v)) {
        json_decref(v);
        v = NULL;
    }
    return v;
}

void
ent_license_free(struct ent_license_token *t)
{
    if (!t)
        return;
    json_decref(t->header);
    json_decref(t->claims);
    free(t->signed_part);
    free(t->compact);
    free(t->pretty);
    free(t);
}

/* True when the header names alg EdDSA and nothing critical we do not understand. */
static bool
header_acceptable(const json_t *header)
{
    const char *alg = member_string(header, "alg");
    if (!alg || strcmp(alg, "EdDSA") != 0)
        return false;
    if (json_object_get(header, "crit"))
        return false;
    json_t *kid = json_object_get(header, "kid");
    return !kid || json_is_string(kid);
}

/* True when name is absent, or an integer claim. */
static bool
optional_int(const json_t *claims, const char *name)
{
    json_t *v = json_object_get(claims, name);
    return !v || json_is_integer(v);
}

enum ent_license_verdict
ent_license_parse(const char *token, size_t len, struct ent_license_token **out)
{
    *out = NULL;
    if (!sodium_ready())
        return ENT_VERDICT_NO_MEMORY;
    if (!token || len == 0 || len > ENT_LICENSE_TOKEN_MAX || memchr(token, '\0', len))
        return ENT_VERDICT_MALFORMED;
    const char *dot1 = memchr(token, '.', len);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
    if (!dot1 || !dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)))
        return ENT_VERDICT_MALFORMED;
    struct ent_license_token *t = calloc(1, sizeof(*t));
    if (!t)
        return ENT_VERDICT_NO_MEMORY;
    enum ent_license_verdict v = ENT_VERDICT_MALFORMED;
    t->header = decode_json_part(token, (size_t)(dot1 - token));
    t->claims = t->header ? decode_json_part(dot1 + 1, (size_t)(dot2 - dot1 - 1)) : NULL;
    size_t sig_len = len - (size_t)(dot2 + 1 - token);
    if (!t->header || !t->claims)
        goto out;
    t->alg_ok = header_acceptable(t->header);
    /* Another algorithm's signature may have any length: only EdDSA's is decoded. */
    if (t->alg_ok &&
        b64url_decode(dot2 + 1, sig_len, t->signature, sizeof(t->signature)) != crypto_sign_BYTES)
        goto out;
    if (!json_is_integer(json_object_get(t->claims, "exp")) || !optional_int(t->claims, "nbf") ||
        !optional_int(t->claims, "iat"))
        goto out;
    json_t *fp = json_object_get(t->claims, "fingerprint");
    if (fp && !json_is_string(fp) && !json_is_null(fp))
        goto out;
    t->kid = member_string(t->header, "kid");
    t->signed_len = (size_t)(dot2 - token);
    t->signed_part = malloc(t->signed_len);
    if (!t->signed_part) {
        v = ENT_VERDICT_NO_MEMORY;
        goto out;
    }
    memcpy(t->signed_part, token, t->signed_len);
    v = t->alg_ok ? ENT_VERDICT_VALID : ENT_VERDICT_BAD_ALGORITHM;
out:
    if (v != ENT_VERDICT_VALID && v != ENT_VERDICT_BAD_ALGORITHM) {
        ent_license_free(t);
        return v;
    }
    *out = t;
    return v;
}

enum ent_license_verdict
ent_license_check_signature(const struct ent_license_token *t, const struct ent_license_keyset *ks)
{
    if (!t->alg_ok)
        return ENT_VERDICT_BAD_ALGORITHM;
    const char *kid = t->kid ? t->kid : "";
    bool known = false;
    for (size_t i = 0; i < ks->n; i++) {
        if (strcmp(ks->keys[i].kid, kid) != 0)
            continue;
        known = true;
        if (crypto_sign_verify_detached(t->signature, (const unsigned char *)t->signed_part,
                                        t->signed_len, ks->keys[i].public_key) == 0)
            return ENT_VERDICT_VALID;
    }
    return known ? ENT_VERDICT_BAD_SIGNATURE : ENT_VERDICT_UNKNOWN_KEY;
}

int64_t
ent_license_claim_int(const struct ent_license_token *t, const char *name)
{
    json_t *v = json_object_get(t->claims, name);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : ENT_LICENSE_NO_TIME;
}

enum ent_license_verdict
ent_license_check_time(const struct ent_license_token *t, int64_t now_s, int64_t skew_s)
{
    if (skew_s < 0)
        skew_s = 0;
    int64_t exp = ent_license_claim_int(t, "exp");
    int64_t nbf = ent_license_claim_int(t, "nbf");
    int64_t iat = ent_license_claim_int(t, "iat");
    int64_t late, early;
    if (__builtin_sub_overflow(now_s, skew_s, &late))
        late = INT64_MIN;
    if (__builtin_add_overflow(now_s, skew_s, &early))
        early = INT64_MAX;
    if (nbf != ENT_LICENSE_NO_TIME && early < nbf)
        return ENT_VERDICT_NOT_YET_VALID;
    if (iat != ENT_LICENSE_NO_TIME && early < iat)
        return ENT_VERDICT_NOT_YET_VALID;
    if (late >= exp)
        return ENT_VERDICT_EXPIRED;
    return ENT_VERDICT_VALID;
}

enum ent_license_verdict
ent_license_check_fingerprint(const struct ent_license_token *t, const char *fingerprint)
{
    const char *bound = member_string(t->claims, "fingerprint");
    if (!bound)
        return ENT_VERDICT_VALID;
    if (!fingerprint || strcmp(bound, fingerprint) != 0)
        return ENT_VERDICT_FINGERPRINT_MISMATCH;
    return ENT_VERDICT_VALID;
}

enum ent_license_verdict
ent_license_verify(const char *token, size_t len, const struct ent_license_keyset *ks,
                   const struct ent_license_options *opt, struct ent_license_token **out)
{
    struct ent_license_token *t = NULL;
    if (out)
        *out = NULL;
    enum ent_license_verdict v = ent_license_parse(token, len, &t);
    if (v == ENT_VERDICT_VALID)
        v = ent_license_check_signature(t, ks);
    if (v == ENT_VERDICT_VALID)
        v = ent_license_check_time(t, opt->now_s, opt->skew_s);
    if (v == ENT_VERDICT_VALID && opt->fingerprint)
        v = ent_license_check_fingerprint(t, opt->fingerprint);
    if (out)
        *out = t;
    else
        ent_license_free(t);
    return v;
}

const char *
ent_license_kid(const struct ent_license_token *t)
{
    return t->kid;
}

const char *
ent_license_claim_string(const struct ent_license_token *t, const char *name)
{
    return member_string(t->claims, name);
}

const char *
ent_license_claims_json(struct ent_license_token *t, bool pretty)
{
    char **slot = pretty ? &t->pretty : &t->compact;
    if (!*slot)
        *slot = json_dumps(t->claims, pretty ? JSON_INDENT(2) | JSON_PRESERVE_ORDER
                                             : JSON_COMPACT | JSON_PRESERVE_ORDER);
    return *slot;
}

/* An integer member, or ENT_LICENSE_NO_TIME when absent, null or not an integer. */
static int64_t
member_int(const json_t *obj, const char *name)
{
    json_t *v = json_object_get(obj, name);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : ENT_LICENSE_NO_TIME;
}

int
ent_license_entitlement(const struct ent_license_token *t, const char *feature,
                        struct ent_license_entitlement *out)
{
    memset(out, 0, sizeof(*out));
    json_t *e = json_object_get(json_object_get(t->claims, "entitlements"), feature);
    if (!json_is_object(e))
        return -1;
    out->value = json_is_true(json_object_get(e, "value"));
    out->type = member_string(e, "type");
    out->level = member_string(e, "level");
    out->unlimited = json_is_true(json_object_get(e, "unlimited"));
    out->has_limit = json_is_integer(json_object_get(e, "limit"));
    out->limit = out->has_limit ? member_int(e, "limit") : 0;
    out->expires_at_s = member_int(e, "expires_at");
    json_t *allowance = json_object_get(e, "allowance");
    out->window_start_s = ENT_LICENSE_NO_TIME;
    out->window_end_s = ENT_LICENSE_NO_TIME;
    if (json_is_object(allowance)) {
        out->metered = true;
        out->reset_period = member_string(allowance, "reset_period");
        out->window_start_s = member_int(allowance, "window_start");
        out->window_end_s = member_int(allowance, "window_end");
        int64_t usage = member_int(allowance, "usage");
        out->usage = usage == ENT_LICENSE_NO_TIME ? 0 : usage;
    }
    return 0;
}
