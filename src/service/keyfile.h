/* SPDX-License-Identifier: MIT */
/*
 * keyfile.h: the key file: the secret that keys the hashes of API keys, kept outside the store
 * (so a copy of the store alone cannot be used to check guessed keys), and bound to the store
 * by its fingerprint.
 */
#ifndef ENT_SERVICE_KEYFILE_H
#define ENT_SERVICE_KEYFILE_H

#include <stddef.h>

#include "store/store.h"
#include <entitled.h>

#define ENT_KEYFILE_SECRET_BYTES 32

/*
 * Loads the store's key-hashing secret into secret: from path when given, else from the
 * default place: beside an SQLite file (<file>.key), or for a database server under the
 * user's state directory, $XDG_STATE_HOME/entitled/<store name>.key (default
 * ~/.local/state/entitled/), whatever the working directory. The file (64 hex digits, mode
 * 0600) is created with a new random secret when it does not exist and the store holds no API
 * keys yet. The store keeps a fingerprint of the secret (settings.key_fingerprint), written at
 * the first start, so that a missing key file, or one that is not the store's, is refused with
 * a message saying which file and what to do, instead of every existing key answering 401.
 * OUT used: the path of the file (used_cap bytes).
 * Errors: ENT_EINVAL (refused: missing, unreadable or not the store's), ENT_ESTORE,
 * ENT_ENOMEM.
 */
int ent_keyfile_load(struct ent_store *store, const char *path,
                     unsigned char secret[ENT_KEYFILE_SECRET_BYTES], char *used, size_t used_cap,
                     struct ent_error *err);

/*
 * The fingerprint of its key file the store keeps (hex), copied into out (cap bytes; empty when
 * none was written yet). Errors: ENT_ESTORE.
 */
int ent_keyfile_stored_fingerprint(struct ent_store_session *sess, char *out, size_t cap);

#endif /* ENT_SERVICE_KEYFILE_H */
