/* SPDX-License-Identifier: MIT */
/*
 * fuzz_license.c: libFuzzer target for the offline license verifier (src/license/license.c,
 * issue 13) over arbitrary tokens and JWK Sets. The first byte chooses: even, the rest is a
 * token, verified against a fixed keyset (one key whose secret is made from a fixed seed, so
 * the committed seeds include tokens it really signed) at a time and skew taken from the input;
 * odd, the rest is a JWK Set.
 *
 * Invariants: ent_license_verify() answers exactly what its steps answer one by one (parse,
 * signature, time, fingerprint) and the same twice; a parsed token's claims print as JSON that
 * jansson reads back as an object whose exp is the token's; reading any entitlement never
 * fails on a parsed token; a JWK Set adds at most ENT_LICENSE_MAX_KEYS keys, and never more
 * than it had room for.
 */
#include <entitled_license.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ent_license_keyset keys;

/* Stops the run: an invariant does not hold (libFuzzer saves the input). */
static void
fail(const char *what)
{
    fprintf(stderr, "fuzz_license: %s\n", what);
    abort();
}

/* The fixed keyset: kid "fuzz", the key of seed 0x01 0x02 … 0x20. */
static void
init_keys(void)
{
    if (keys.n)
        return;
    if (sodium_init() < 0)
        fail("sodium_init");
    unsigned char seed[crypto_sign_SEEDBYTES], pk[32], sk[64];
    for (size_t i = 0; i < sizeof(seed); i++)
        seed[i] = (unsigned char)(i + 1);
    crypto_sign_seed_keypair(pk, sk, seed);
    ent_license_keyset_add(&keys, "fuzz", pk);
}

/* The verdict, step by step, as ent_license_verify() documents it. */
static enum ent_license_verdict
stepwise(const char *token, size_t len, const struct ent_license_options *opt)
{
    struct ent_license_token *t = NULL;
    enum ent_license_verdict v = ent_license_parse(token, len, &t);
    if (v == ENT_VERDICT_BAD_ALGORITHM && (!t || ent_license_check_signature(t, &keys) != v))
        fail("a token of another algorithm is not kept, or its signature is checked");
    if (v == ENT_VERDICT_VALID)
        v = ent_license_check_signature(t, &keys);
    if (v == ENT_VERDICT_VALID)
        v = ent_license_check_time(t, opt->now_s, opt->skew_s);
    if (v == ENT_VERDICT_VALID && opt->fingerprint)
        v = ent_license_check_fingerprint(t, opt->fingerprint);
    ent_license_free(t);
    return v;
}

/* Checks what a parsed token answers. */
static void
check_token(struct ent_license_token *t)
{
    const char *text = ent_license_claims_json(t, false);
    if (!text)
        return; /* out of memory */
    json_error_t jerr;
    json_t *back = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(back))
        fail("the claims do not print as a JSON object");
    json_t *exp = json_object_get(back, "exp");
    if (!json_is_integer(exp) || json_integer_value(exp) != ent_license_claim_int(t, "exp"))
        fail("the printed claims lost exp");
    const char *feature;
    json_t *value;
    json_object_foreach(json_object_get(back, "entitlements"), feature, value)
    {
        struct ent_license_entitlement e;
        if (ent_license_entitlement(t, feature, &e) != 0 && json_is_object(value))
            fail("an entitlement of the claims cannot be read");
    }
    json_decref(back);
}

static void
fuzz_token(const char *token, size_t len, const uint8_t *tail, size_t tail_len)
{
    int64_t now = 1800000000;
    int64_t skew = 0;
    if (tail_len >= 2) {
        now += (int64_t)tail[0] * 100000 - 12800000;
        skew = tail[1];
    }
    struct ent_license_options opt = {
        .now_s = now, .skew_s = skew, .fingerprint = tail_len >= 3 && tail[2] & 1 ? "m1" : NULL};
    struct ent_license_token *t = NULL;
    enum ent_license_verdict v = ent_license_verify(token, len, &keys, &opt, &t);
    if (v != stepwise(token, len, &opt))
        fail("verify differs from its steps");
    if (v != ent_license_verify(token, len, &keys, &opt, NULL))
        fail("verify is not deterministic");
    if (t)
        check_token(t);
    else if (v != ENT_VERDICT_MALFORMED && v != ENT_VERDICT_NO_MEMORY)
        fail("a token that did not parse has a later verdict");
    ent_license_free(t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_keys();
    if (size < 1)
        return 0;
    const char *rest = (const char *)data + 1;
    size_t len = size - 1;
    if (data[0] & 1) {
        struct ent_license_keyset ks = {.n = 0};
        int added = ent_license_keyset_from_jwks(&ks, rest, len);
        if (added > ENT_LICENSE_MAX_KEYS || (added >= 0 && (size_t)added != ks.n))
            fail("a JWK Set added more keys than it says");
        return 0;
    }
    /* The token ends at the first newline; what follows drives the time and skew. */
    const char *nl = memchr(rest, '\n', len);
    size_t token_len = nl ? (size_t)(nl - rest) : len;
    const uint8_t *tail = nl ? (const uint8_t *)nl + 1 : NULL;
    fuzz_token(rest, token_len, tail, nl ? len - token_len - 1 : 0);
    return 0;
}
