/* SPDX-License-Identifier: MIT */
/*
 * keys.h: API keys inside the library: the keyed hash of secrets, the cache of authenticated
 * keys, and registering the operator's ENTITLED_ADMIN_KEY.
 */
#ifndef ENT_SERVICE_KEYS_H
#define ENT_SERVICE_KEYS_H

#include <entitled.h>

#define ENT_KEY_SECRET_MAX 200

struct ent_key_cache *ent_keys_cache_new(void);
void ent_keys_cache_free(struct ent_key_cache *cache);

/* Drops a key (NULL: every key) from the cache of authenticated keys (after a revocation). */
void ent_keys_cache_drop(struct ent_app *app, const char *key_id);

/*
 * Registers secret as an admin key (ENTITLED_ADMIN_KEY) unless it is stored already.
 * Errors: ENT_EINVAL (shorter than 32 characters), ENT_ESTORE, ENT_ENOMEM.
 */
int ent_keys_register_admin(struct ent_app *app, const char *secret, int64_t now_ms,
                            struct ent_error *err);

#endif /* ENT_SERVICE_KEYS_H */
