/* SPDX-License-Identifier: MIT */
/*
 * entitled_license.h: verify an entitled license offline. A license is a compact JWS (RFC 7515)
 * signed with Ed25519 (alg "EdDSA", RFC 8037); its claims carry what the account was entitled
 * to when it was issued. This library (src/license/license.c) depends on libsodium and jansson
 * alone and links no other part of entitled: a vendor builds it into its own product.
 *
 * The flow:
 *
 *     struct ent_license_keyset keys = {0};
 *     ent_license_keyset_from_jwks(&keys, jwks_text, jwks_len);      // or _add_base64()
 *     struct ent_license_options opt = {.now_s = time(NULL), .skew_s = 300,
 *                                       .fingerprint = this_machine};
 *     struct ent_license_token *lic = NULL;
 *     enum ent_license_verdict v = ent_license_verify(token, token_len, &keys, &opt, &lic);
 *     if (v == ENT_VERDICT_VALID) {
 *         struct ent_license_entitlement seats;
 *         if (ent_license_entitlement(lic, "seats", &seats) == 0 && seats.value) …
 *     }
 *     ent_license_free(lic);
 *
 * Conventions: functions never abort; a token is refused unless every check passes; nothing is
 * read from the clock (the caller passes the time) or the network. Strings returned point into
 * the token's object and live until ent_license_free().
 * Thread safety: a keyset and a token may be read by any number of threads; nothing is global
 * but libsodium's initialisation (sodium_init(), called on first use, is safe to repeat).
 */
#ifndef ENTITLED_LICENSE_H
#define ENTITLED_LICENSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ENT_LICENSE_MAX_KEYS 32            /* public keys a keyset holds */
#define ENT_LICENSE_TOKEN_MAX (256 * 1024) /* bytes of a token; longer ones are malformed */
#define ENT_LICENSE_NO_TIME INT64_MIN      /* an absent time ("expires_at": null) */

/*
 * The verdicts, in the order the checks run: the token's shape, its algorithm, its key, its
 * signature, then (only for a signed token) its times and its fingerprint.
 */
enum ent_license_verdict {
    ENT_VERDICT_VALID = 0,
    ENT_VERDICT_MALFORMED,            /* not three base64url parts of a JSON header and claims */
    ENT_VERDICT_BAD_ALGORITHM,        /* alg is not "EdDSA" (none, HS256, …) or crit is set */
    ENT_VERDICT_UNKNOWN_KEY,          /* no key of the keyset has the token's kid */
    ENT_VERDICT_BAD_SIGNATURE,        /* the signature does not hold */
    ENT_VERDICT_NOT_YET_VALID,        /* now + skew is before nbf, or before iat (clock rollback) */
    ENT_VERDICT_EXPIRED,              /* now - skew is at or after exp */
    ENT_VERDICT_FINGERPRINT_MISMATCH, /* bound to another machine, or given none */
    ENT_VERDICT_NO_MEMORY,
};

/* One public key: its kid (as the JWK Set names it) and the 32 bytes of the Ed25519 key. */
struct ent_license_key {
    char kid[96];
    unsigned char public_key[32];
};

struct ent_license_keyset {
    size_t n;
    struct ent_license_key keys[ENT_LICENSE_MAX_KEYS];
};

/* What ent_license_verify() checks beyond the signature. */
struct ent_license_options {
    int64_t now_s;           /* the time to check at, seconds since the epoch (UTC) */
    int64_t skew_s;          /* allowance for clock skew, seconds (>= 0; e.g. 300) */
    const char *fingerprint; /* this machine; NULL: the binding is not checked */
};

/* One feature of the license, as evaluate answered it when the license was issued. */
struct ent_license_entitlement {
    bool value;        /* granted, at a non-zero level, with allowance left at issue time */
    const char *type;  /* "switch", "quantity", "range", "custom", "metered" */
    const char *level; /* NULL when not granted */
    bool unlimited;
    bool has_limit; /* limit is set */
    int64_t limit;
    int64_t expires_at_s; /* the grant's end; ENT_LICENSE_NO_TIME when none */
    /* metered features: the allowance per window */
    bool metered;
    const char *reset_period; /* "hour", "day", "week", "month", "year", "never" */
    int64_t window_start_s;   /* the window the license starts in; ENT_LICENSE_NO_TIME: never */
    int64_t window_end_s;     /* ENT_LICENSE_NO_TIME: never resets */
    int64_t usage;            /* usage in that window at issue time */
};

struct ent_license_token;

/* The verdict's name ("valid", "expired", "bad_signature", …). */
const char *ent_license_verdict_name(enum ent_license_verdict v);

/*
 * Adds a public key (32 bytes) under kid (NULL or "": no kid, matched only by a token without
 * one). Returns 0, or -1 when the keyset is full or kid is too long.
 */
int ent_license_keyset_add(struct ent_license_keyset *ks, const char *kid,
                           const unsigned char public_key[32]);

/* As ent_license_keyset_add(), the key in base64 or base64url (padded or not). -1: not a key. */
int ent_license_keyset_add_base64(struct ent_license_keyset *ks, const char *kid,
                                  const char *public_key);

/*
 * Adds the Ed25519 keys of a JWK Set (RFC 7517; kty OKP, crv Ed25519, RFC 8037); keys of other
 * types, and those whose "use" is not "sig" or whose "alg" is not "EdDSA", are skipped.
 * Returns how many keys were added (0 or more), or -1 when text is not a JWK Set.
 */
int ent_license_keyset_from_jwks(struct ent_license_keyset *ks, const char *text, size_t len);

/*
 * Splits and decodes a token without checking its signature (for display, or to read its kid).
 * OUT out: the token, to free with ent_license_free(), set when the verdict is VALID, and also
 * when it is BAD_ALGORITHM (its claims may be shown, never trusted: every check of its signature
 * answers BAD_ALGORITHM). Verdicts: VALID, MALFORMED, BAD_ALGORITHM, NO_MEMORY.
 */
enum ent_license_verdict ent_license_parse(const char *token, size_t len,
                                           struct ent_license_token **out);

/*
 * Checks the signature of a parsed token with the key of its kid: VALID, BAD_ALGORITHM (not
 * EdDSA), UNKNOWN_KEY, BAD_SIGNATURE.
 */
enum ent_license_verdict ent_license_check_signature(const struct ent_license_token *t,
                                                     const struct ent_license_keyset *ks);

/*
 * Checks the times of a token at now_s with skew_s of allowance: EXPIRED when now_s - skew_s
 * >= exp (a token without exp is MALFORMED at parse), NOT_YET_VALID when now_s + skew_s < nbf
 * or < iat: a clock set back before the license was issued is refused, not trusted.
 */
enum ent_license_verdict ent_license_check_time(const struct ent_license_token *t, int64_t now_s,
                                                int64_t skew_s);

/*
 * Checks the binding: a token with a "fingerprint" claim is valid only for that fingerprint
 * (NULL: FINGERPRINT_MISMATCH); a token without one is valid for any.
 */
enum ent_license_verdict ent_license_check_fingerprint(const struct ent_license_token *t,
                                                       const char *fingerprint);

/*
 * Everything at once: parse, signature, time, and the fingerprint when opt->fingerprint is
 * set. OUT out (may be NULL): the token whenever it parsed, even when a later check failed (so
 * that a caller can show why), to free with ent_license_free().
 */
enum ent_license_verdict ent_license_verify(const char *token, size_t len,
                                            const struct ent_license_keyset *ks,
                                            const struct ent_license_options *opt,
                                            struct ent_license_token **out);

/* The token's kid, or NULL. */
const char *ent_license_kid(const struct ent_license_token *t);

/* A string claim ("iss", "sub", "jti", "fingerprint"), or NULL when absent or not a string. */
const char *ent_license_claim_string(const struct ent_license_token *t, const char *name);

/* An integer claim ("iat", "nbf", "exp"), or ENT_LICENSE_NO_TIME when absent or not one. */
int64_t ent_license_claim_int(const struct ent_license_token *t, const char *name);

/*
 * The claims as JSON text (pretty: indented, keys in their order), owned by the token; NULL when
 * out of memory.
 */
const char *ent_license_claims_json(struct ent_license_token *t, bool pretty);

/*
 * Reads one feature's entitlement from the claims. Returns 0, or -1 when the license does not
 * carry that feature (not granted when it was issued).
 */
int ent_license_entitlement(const struct ent_license_token *t, const char *feature,
                            struct ent_license_entitlement *out);

/* Frees a token; NULL is accepted. */
void ent_license_free(struct ent_license_token *t);

#ifdef __cplusplus
}
#endif

#endif /* ENTITLED_LICENSE_H */
