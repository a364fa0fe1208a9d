/* SPDX-License-Identifier: MIT */
/*
 * test_license.c: the offline license verifier (include/entitled_license.h) on tokens this test
 * signs itself with libsodium, so that every verdict can be produced on purpose: a genuine
 * token, one byte changed in each part, alg none and HS256, an unknown kid, a foreign key, exp
 * and nbf at their edges with and without skew, iat in the future (a clock set back), the
 * fingerprint binding, malformed shapes, duplicate members, and the entitlement reader.
 */
#include <entitled_license.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#define NOW 1800000000LL

static unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
static unsigned char pk2[crypto_sign_PUBLICKEYBYTES], sk2[crypto_sign_SECRETKEYBYTES];

static const char claims_fmt[] =
    "{\"iss\":\"acme\",\"sub\":\"acc-1\",\"jti\":\"LIC-AAAA-BBBB-CCCC\",\"iat\":%lld,"
    "\"nbf\":%lld,\"exp\":%lld,\"fingerprint\":%s,\"entitlements\":{"
    "\"seats\":{\"value\":true,\"type\":\"quantity\",\"level\":\"20\",\"limit\":20,"
    "\"unlimited\":false,\"expires_at\":null},"
    "\"calls\":{\"value\":true,\"type\":\"metered\",\"level\":\"1000\",\"limit\":1000,"
    "\"unlimited\":false,\"expires_at\":1900000000,\"allowance\":{\"limit\":1000,"
    "\"reset_period\":\"month\",\"window_start\":1799000000,\"window_end\":1801000000,"
    "\"usage\":7}}}}";

/* base64url of bin appended to out at *pos. */
static void
put64(char *out, size_t cap, size_t *pos, const void *bin, size_t len)
{
    sodium_bin2base64(out + *pos, cap - *pos, bin, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    *pos += strlen(out + *pos);
}

/* A token of header and claims text, signed with key (NULL: an empty signature). */
static void
make_token(char *out, size_t cap, const char *header, const char *claims, const unsigned char *key)
{
    size_t pos = 0;
    put64(out, cap, &pos, header, strlen(header));
    out[pos++] = '.';
    put64(out, cap, &pos, claims, strlen(claims));
    unsigned char sig[crypto_sign_BYTES];
    if (key)
        crypto_sign_detached(sig, NULL, (const unsigned char *)out, pos, key);
    out[pos++] = '.';
    out[pos] = '\0';
    if (key)
        put64(out, cap, &pos, sig, sizeof(sig));
}

/* A genuine token: kid "k1", iat = nbf = NOW, exp = NOW + 3600, bound to fingerprint fp. */
static void
genuine(char *out, size_t cap, const char *fp_json)
{
    char claims[1024];
    snprintf(claims, sizeof(claims), claims_fmt, NOW, NOW, NOW + 3600, fp_json);
    make_token(out, cap, "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"k1\"}", claims, sk);
}

static struct ent_license_keyset
keyset(void)
{
    struct ent_license_keyset ks = {.n = 0};
    assert_int_equal(ent_license_keyset_add(&ks, "k1", pk), 0);
    return ks;
}

static enum ent_license_verdict
verify(const char *token, int64_t now, int64_t skew, const char *fp)
{
    struct ent_license_keyset ks = keyset();
    struct ent_license_options opt = {.now_s = now, .skew_s = skew, .fingerprint = fp};
    return ent_license_verify(token, strlen(token), &ks, &opt, NULL);
}

static void
license__genuine__is_valid_and_reads_claims(void **state)
{
    (void)state;
    char token[4096];
    genuine(token, sizeof(token), "\"m1\"");
    struct ent_license_keyset ks = keyset();
    struct ent_license_options opt = {.now_s = NOW + 10, .skew_s = 0, .fingerprint = "m1"};
    struct ent_license_token *t = NULL;
    assert_int_equal(ent_license_verify(token, strlen(token), &ks, &opt, &t), ENT_VERDICT_VALID);
    assert_string_equal(ent_license_kid(t), "k1");
    assert_string_equal(ent_license_claim_string(t, "jti"), "LIC-AAAA-BBBB-CCCC");
    assert_int_equal(ent_license_claim_int(t, "exp"), NOW + 3600);
    assert_null(ent_license_claim_string(t, "exp"));
    struct ent_license_entitlement e;
    assert_int_equal(ent_license_entitlement(t, "seats", &e), 0);
    assert_true(e.value);
    assert_true(e.has_limit);
    assert_int_equal(e.limit, 20);
    assert_string_equal(e.level, "20");
    assert_false(e.metered);
    assert_int_equal(e.expires_at_s, ENT_LICENSE_NO_TIME);
    assert_int_equal(ent_license_entitlement(t, "calls", &e), 0);
    assert_true(e.metered);
    assert_string_equal(e.reset_period, "month");
    assert_int_equal(e.usage, 7);
    assert_int_equal(e.window_start_s, 1799000000);
    assert_int_equal(e.expires_at_s, 1900000000);
    assert_int_equal(ent_license_entitlement(t, "nope", &e), -1);
    assert_non_null(strstr(ent_license_claims_json(t, false), "\"jti\":\"LIC-AAAA-BBBB-CCCC\""));
    assert_non_null(strstr(ent_license_claims_json(t, true), "\n"));
    ent_license_free(t);
}

static void
license__one_changed_byte__is_refused(void **state)
{
    (void)state;
    char token[4096];
    genuine(token, sizeof(token), "null");
    size_t len = strlen(token);
    /* Every position: a changed character is never accepted. */
    for (size_t i = 0; i < len; i++) {
        if (token[i] == '.')
            continue;
        char saved = token[i];
        token[i] = saved == 'A' ? 'B' : 'A';
        assert_int_not_equal(verify(token, NOW, 0, NULL), ENT_VERDICT_VALID);
        token[i] = saved;
    }
    assert_int_equal(verify(token, NOW, 0, NULL), ENT_VERDICT_VALID);
}

static void
license__alg_none_and_hs256__are_bad_algorithm(void **state)
{
    (void)state;
    char claims[1024], token[4096];
    snprintf(claims, sizeof(claims), claims_fmt, NOW, NOW, NOW + 3600, "null");
    make_token(token, sizeof(token), "{\"alg\":\"none\",\"kid\":\"k1\"}", claims, NULL);
    assert_int_equal(verify(token, NOW, 0, NULL), ENT_VERDICT_BAD_ALGORITHM);
    /* HS256 over the public key as secret: refused on its alg, whatever its MAC. */
    make_token(token, sizeof(token), "{\"alg\":\"HS256\",\"kid\":\"k1\"}", claims, sk);
    assert_int_equal(verify(token, NOW, 0, NULL), ENT_VERDICT_BAD_ALGORITHM);
    make_token(token, sizeof(token), "{\"alg\":\"EdDSA\",\"kid\":\"k1\",\"crit\":[\"x\"]}", claims,
               sk);
    assert_int_equal(verify(token, NOW, 0, NULL), ENT_VERDICT_BAD_ALGORITHM);
    make_token(token, sizeof(token), "{\"kid\":\"k1\"}", claims, sk);
    assert_int_equal(verify(token, NOW, 0, NULL), ENT_VERDICT_BAD_ALGORITHM);
}

static void
license__unknown_kid_and_foreign_key__are_refused(void **state)
{
    (void)state;
    char claims[1024], token[4096];
    snprintf(claims, sizeof(claims), claims_fmt, NOW, NOW, NOW + 3600, "null");
    make_token(token, sizeof(token), "{\"alg\":\"EdDSA\",\"kid\":\"k9\"}", claims, sk);
    assert_int_equal(verify(token, NOW, 0, NULL), ENT_VERDICT_UNKNOWN_KEY);
    make_token(token, sizeof(token), "{\"alg\":\"EdDSA\",\"kid\":\"k1\"}", claims, sk2);
    assert_int_equal(verify(token, NOW, 0, NULL), ENT_VERDICT_BAD_SIGNATURE);
    /* Two keys under one kid: the right one is found. */
    struct ent_license_keyset ks = {.n = 0};
    ent_license_keyset_add(&ks, "k1", pk);
    ent_license_keyset_add(&ks, "k1", pk2);
    struct ent_license_options opt = {.now_s = NOW};
    assert_int_equal(ent_license_verify(token, strlen(token), &ks, &opt, NULL), ENT_VERDICT_VALID);
}

static void
license__times__honour_exp_nbf_iat_and_skew(void **state)
{
    (void)state;
    char token[4096];
    genuine(token, sizeof(token), "null");
    assert_int_equal(verify(token, NOW + 3599, 0, NULL), ENT_VERDICT_VALID);
    assert_int_equal(verify(token, NOW + 3600, 0, NULL), ENT_VERDICT_EXPIRED);
    assert_int_equal(verify(token, NOW + 3600, 1, NULL), ENT_VERDICT_VALID);
    assert_int_equal(verify(token, NOW + 3700, 100, NULL), ENT_VERDICT_EXPIRED);
    /* Before iat and nbf: a clock set back is refused, unless within the skew. */
    assert_int_equal(verify(token, NOW - 1, 0, NULL), ENT_VERDICT_NOT_YET_VALID);
    assert_int_equal(verify(token, NOW - 1, 1, NULL), ENT_VERDICT_VALID);
    /* Extreme clocks and skews saturate, never overflow. */
    assert_int_equal(verify(token, INT64_MIN, 0, NULL), ENT_VERDICT_NOT_YET_VALID);
    assert_int_equal(verify(token, INT64_MIN, 5, NULL), ENT_VERDICT_NOT_YET_VALID);
    assert_int_equal(verify(token, INT64_MAX, 0, NULL), ENT_VERDICT_EXPIRED);
    assert_int_equal(verify(token, INT64_MAX, INT64_MAX, NULL), ENT_VERDICT_VALID);
    assert_int_equal(verify(token, NOW, -5, NULL), ENT_VERDICT_VALID); /* negative: none */
    /* Without exp a token is malformed: a license always ends. */
    char claims[256], t2[1024];
    snprintf(claims, sizeof(claims), "{\"jti\":\"x\",\"iat\":%lld}", NOW);
    make_token(t2, sizeof(t2), "{\"alg\":\"EdDSA\",\"kid\":\"k1\"}", claims, sk);
    assert_int_equal(verify(t2, NOW, 0, NULL), ENT_VERDICT_MALFORMED);
    snprintf(claims, sizeof(claims), "{\"exp\":\"%lld\"}", NOW + 10);
    make_token(t2, sizeof(t2), "{\"alg\":\"EdDSA\",\"kid\":\"k1\"}", claims, sk);
    assert_int_equal(verify(t2, NOW, 0, NULL), ENT_VERDICT_MALFORMED);
}

static void
license__fingerprint__binds_node_locked_licenses(void **state)
{
    (void)state;
    char token[4096];
    genuine(token, sizeof(token), "\"m1\"");
    assert_int_equal(verify(token, NOW, 0, "m1"), ENT_VERDICT_VALID);
    assert_int_equal(verify(token, NOW, 0, "m2"), ENT_VERDICT_FINGERPRINT_MISMATCH);
    assert_int_equal(verify(token, NOW, 0, ""), ENT_VERDICT_FINGERPRINT_MISMATCH);
    struct ent_license_token *t = NULL;
    assert_int_equal(ent_license_parse(token, strlen(token), &t), ENT_VERDICT_VALID);
    assert_int_equal(ent_license_check_fingerprint(t, NULL), ENT_VERDICT_FINGERPRINT_MISMATCH);
    ent_license_free(t);
    genuine(token, sizeof(token), "null"); /* not node-locked: any machine */
    assert_int_equal(verify(token, NOW, 0, "m2"), ENT_VERDICT_VALID);
}

static void
license__malformed_shapes__are_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {"",
                                      ".",
                                      "..",
                                      "a.b",
                                      "a.b.c.d",
                                      "e30.e30.",
                                      "!.!.!",
                                      "e30.e30.AAAA",
                                      "eyJhbGciOiJFZERTQSJ9.W10.AAAA"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_not_equal(verify(bad[i], NOW, 0, NULL), ENT_VERDICT_VALID);
    /* Duplicate members are refused (a second "exp" must not win). */
    char claims[256], token[1024];
    snprintf(claims, sizeof(claims), "{\"exp\":%lld,\"exp\":%lld}", NOW - 10, NOW + 10);
    make_token(token, sizeof(token), "{\"alg\":\"EdDSA\",\"kid\":\"k1\"}", claims, sk);
    assert_int_equal(verify(token, NOW, 0, NULL), ENT_VERDICT_MALFORMED);
    /* Padding and standard base64 are not base64url. */
    genuine(token, sizeof(token), "null");
    size_t len = strlen(token);
    token[len] = '=';
    token[len + 1] = '\0';
    assert_int_equal(verify(token, NOW, 0, NULL), ENT_VERDICT_MALFORMED);
    struct ent_license_token *t = NULL;
    assert_int_equal(ent_license_parse(NULL, 0, &t), ENT_VERDICT_MALFORMED);
    assert_null(t);
}

static void
license__keysets__from_jwks_and_base64(void **state)
{
    (void)state;
    char x[64], jwks[512];
    sodium_bin2base64(x, sizeof(x), pk, sizeof(pk), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(jwks, sizeof(jwks),
             "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"x\",\"e\":\"AQAB\"},"
             "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\",\"kid\":\"k1\",\"use\":\"sig\","
             "\"alg\":\"EdDSA\"},{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\",\"kid\":\"k2\","
             "\"use\":\"enc\"}]}",
             x, x);
    struct ent_license_keyset ks = {.n = 0};
    assert_int_equal(ent_license_keyset_from_jwks(&ks, jwks, strlen(jwks)), 1);
    assert_string_equal(ks.keys[0].kid, "k1");
    assert_memory_equal(ks.keys[0].public_key, pk, 32);
    assert_int_equal(ent_license_keyset_from_jwks(&ks, "[]", 2), -1);
    assert_int_equal(ent_license_keyset_from_jwks(&ks, "{", 1), -1);
    char b64[64];
    sodium_bin2base64(b64, sizeof(b64), pk, sizeof(pk), sodium_base64_VARIANT_ORIGINAL);
    assert_int_equal(ent_license_keyset_add_base64(&ks, "k3", b64), 0);
    assert_int_equal(ent_license_keyset_add_base64(&ks, "k4", "not-a-key"), -1);
    assert_int_equal(ent_license_keyset_add_base64(&ks, "k4", "AAAA"), -1);
    for (size_t i = ks.n; i < ENT_LICENSE_MAX_KEYS; i++)
        assert_int_equal(ent_license_keyset_add(&ks, "k", pk), 0);
    assert_int_equal(ent_license_keyset_add(&ks, "k", pk), -1);
    assert_string_equal(ent_license_verdict_name(ENT_VERDICT_EXPIRED), "expired");
    assert_string_equal(ent_license_verdict_name((enum ent_license_verdict)99), "unknown");
}

int
main(void)
{
    if (sodium_init() < 0)
        return 1;
    crypto_sign_keypair(pk, sk);
    crypto_sign_keypair(pk2, sk2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(license__genuine__is_valid_and_reads_claims),
        cmocka_unit_test(license__one_changed_byte__is_refused),
        cmocka_unit_test(license__alg_none_and_hs256__are_bad_algorithm),
        cmocka_unit_test(license__unknown_kid_and_foreign_key__are_refused),
        cmocka_unit_test(license__times__honour_exp_nbf_iat_and_skew),
        cmocka_unit_test(license__fingerprint__binds_node_locked_licenses),
        cmocka_unit_test(license__malformed_shapes__are_malformed),
        cmocka_unit_test(license__keysets__from_jwks_and_base64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
