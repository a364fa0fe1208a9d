/* SPDX-License-Identifier: MIT */
/*
 * signing_keys.h: the Ed25519 keys that sign licenses (issue 13), as the other service modules
 * use them: made at the first start, the current one unsealed to sign.
 */
#ifndef ENT_SERVICE_SIGNING_KEYS_H
#define ENT_SERVICE_SIGNING_KEYS_H

#include <sodium.h>

#include "store/store.h"
#include <entitled.h>

/*
 * At the application's start: derives the sealing key from the key file's secret (app->hash_key
 * must be loaded) and, when the store has no signing key yet, makes the first one.
 * Errors: ENT_ESTORE, ENT_ENOMEM.
 */
int ent_signing_keys_start(struct ent_app *app, int64_t now_ms, struct ent_error *err);

/*
 * Inside the context's session: the current key's kid (64 bytes) and its secret key, unsealed.
 * The caller wipes sk (sodium_memzero) once it has signed.
 * Errors: ENT_ENOTFOUND (no key), ENT_EINTERNAL (it does not unseal: not this key file's),
 * ENT_ESTORE, ENT_ENOMEM.
 */
int ent_signing_keys_current(struct ent_ctx *ctx, char *kid,
                             unsigned char sk[crypto_sign_SECRETKEYBYTES]);

/* Whether a key is in the JWK Set at now_ms: current, or a license it signed is unexpired. */
bool ent_signing_keys_published(const struct ent_signing_key *k, int64_t now_ms);

#endif /* ENT_SERVICE_SIGNING_KEYS_H */
