/* SPDX-License-Identifier: MIT */
/*
 * license_format.h: the license format (issue 13): the claims of a license as JSON, the compact
 * JWS that signs them (EdDSA, RFC 8037), and the JWK Set of the published keys. The one module
 * of the service that writes JSON: a JWS payload is JSON by definition. What goes into the
 * claims is licenses.c's to decide; this module only spells it.
 */
#ifndef ENT_SERVICE_LICENSE_FORMAT_H
#define ENT_SERVICE_LICENSE_FORMAT_H

#include <sodium.h>

#include "store/store.h"
#include <entitled.h>

/* A metered feature's allowance in the window the license starts in. */
struct ent_license_allowance {
    bool metered;
    enum ent_period reset_period;
    int64_t window_start_ms; /* ENT_TIME_NONE for `never` */
    int64_t window_end_ms;   /* ENT_TIME_NONE for `never` */
};

/* One product the license covers. */
struct ent_license_product {
    const char *key;
    const char *name;
};

/* Everything a license says (README "Offline licenses" documents the claims). */
struct ent_license_claims {
    const char *iss;
    const char *jti; /* the serial number */
    const char *license_id;
    int64_t iat_ms; /* also nbf */
    int64_t exp_ms;
    const struct ent_account *account;     /* sub: its id; and its key and name */
    const struct ent_license_model *model; /* NULL: none */
    const struct ent_license_product *products;
    size_t n_products;
    const char *const *activation_ids;
    size_t n_activation_ids;
    const char *fingerprint; /* NULL: not node-locked */
    const char *activation;  /* the activation's id, or NULL */
    const struct ent_feature_answer *features;
    const struct ent_license_allowance *allowances; /* one per feature */
    size_t n_features;
};

/*
 * Builds the claims' JSON and signs it with sk under kid: OUT token (the compact JWS, in the
 * context's arena). Errors: ENT_ENOMEM.
 */
int ent_license_format_sign(struct ent_ctx *ctx, const struct ent_license_claims *c,
                            const char *kid, const unsigned char sk[crypto_sign_SECRETKEYBYTES],
                            const char **token);

/*
 * The JWK Set of the keys of keys[0..n) whose published flag is set, as JSON text in the arena.
 * Errors: ENT_ENOMEM.
 */
int ent_license_format_jwks(struct ent_ctx *ctx, const struct ent_store_signing_key *keys, size_t n,
                            const char **json, size_t *len);

#endif /* ENT_SERVICE_LICENSE_FORMAT_H */
