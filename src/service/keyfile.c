/* SPDX-License-Identifier: MIT */
/*
 * keyfile.c: where the key file is, reading it, making it at the first start, and checking it
 * against the fingerprint the store keeps (keyfile.h).
 *
 * The fingerprint is a keyed BLAKE2b hash (libsodium's crypto_generichash) of a fixed text
 * with the secret as its key: it tells two secrets apart and reveals nothing of either.
 */
#include "service/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/arena.h"

#define FINGERPRINT_SETTING "key_fingerprint"
#define FINGERPRINT_TEXT "entitled key file fingerprint v1"

/* Reads the whole small file at path into buf (cap bytes). Returns bytes read, or -1. */
static ssize_t
read_small_file(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, cap);
    close(fd);
    return n;
}

/* Makes the directory dir and its missing parents (mode 0700). Returns whether it exists. */
static bool
make_dirs(char *dir)
{
    for (char *c = dir + 1; *c; c++) {
        if (*c != '/')
            continue;
        *c = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            *c = '/';
            return false;
        }
        *c = '/';
    }
    return mkdir(dir, 0700) == 0 || errno == EEXIST;
}

/* The key file's default path for store (keyfile.h). Errors: ENT_EINVAL (no home to keep it). */
static int
default_path(struct ent_store *store, char *out, size_t cap, struct ent_error *err)
{
    if (store->file_path[0]) {
        snprintf(out, cap, "%s.key", store->file_path);
        return ENT_OK;
    }
    char dir[4096];
    const char *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    if (state && state[0] == '/')
        snprintf(dir, sizeof(dir), "%s/entitled", state);
    else if (home && home[0] == '/')
        snprintf(dir, sizeof(dir), "%s/.local/state/entitled", home);
    else
        return ent_error_set(err, ENT_EINVAL,
                             "no place for the key file: neither XDG_STATE_HOME nor HOME is set;"
                             " give --key-file (ENTITLED_KEY_FILE)");
    if (!make_dirs(dir))
        return ent_error_set(err, ENT_EINVAL, "cannot make the directory %s of the key file: %s",
                             dir, strerror(errno));
    snprintf(out, cap, "%s/%s.key", dir, store->name[0] ? store->name : "entitled");
    return ENT_OK;
}

/*
 * Writes a new random secret to path, whole or not at all: into a file of its own first, then
 * linked to path in one step, so that a daemon starting at the same moment reads either no file
 * or the complete one. Returns ENT_OK, or ENT_ECONFLICT when path exists already (another
 * process made it first). Errors: ENT_ESTORE.
 */
static int
create_file(const char *path, unsigned char *secret, struct ent_error *err)
{
    char hex[2 * ENT_KEYFILE_SECRET_BYTES + 2], tmp[4300];
    randombytes_buf(secret, ENT_KEYFILE_SECRET_BYTES);
    sodium_bin2hex(hex, sizeof(hex), secret, ENT_KEYFILE_SECRET_BYTES);
    size_t len = strlen(hex);
    hex[len] = '\n';
    snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return ent_error_set(err, ENT_ESTORE, "cannot create the key file %s: %s", path,
                             strerror(errno));
    bool ok = write(fd, hex, len + 1) == (ssize_t)(len + 1) && fsync(fd) == 0;
    close(fd);
    int rc = ENT_OK;
    if (!ok)
        rc = ent_error_set(err, ENT_ESTORE, "cannot write the key file %s", path);
    else if (link(tmp, path) != 0)
        rc = errno == EEXIST ? ENT_ECONFLICT
                             : ent_error_set(err, ENT_ESTORE, "cannot create the key file %s: %s",
                                             path, strerror(errno));
    unlink(tmp);
    return rc;
}

/* Reads the secret of the key file at path. Returns ENT_OK, ENT_ENOTFOUND (no file), or an
 * error (unreadable, not 64 hex digits). */
static int
read_file(const char *path, unsigned char *secret, struct ent_error *err)
{
    char hex[80];
    ssize_t n = read_small_file(path, hex, sizeof(hex) - 1);
    if (n < 0 && errno == ENOENT)
        return ENT_ENOTFOUND;
    if (n < 0)
        return ent_error_set(err, ENT_EINVAL, "cannot read the key file %s: %s", path,
                             strerror(errno));
    size_t bin_len = 0;
    if (n < 2 * ENT_KEYFILE_SECRET_BYTES ||
        sodium_hex2bin(secret, ENT_KEYFILE_SECRET_BYTES, hex, 2 * ENT_KEYFILE_SECRET_BYTES, NULL,
                       &bin_len, NULL) != 0 ||
        bin_len != ENT_KEYFILE_SECRET_BYTES)
        return ent_error_set(err, ENT_EINVAL, "the key file %s is not 64 hex digits", path);
    return ENT_OK;
}

/* The fingerprint of secret, in hex. */
static void
fingerprint(const unsigned char *secret, char out[2 * 32 + 1])
{
    unsigned char digest[32];
    crypto_generichash(digest, sizeof(digest), (const unsigned char *)FINGERPRINT_TEXT,
                       strlen(FINGERPRINT_TEXT), secret, ENT_KEYFILE_SECRET_BYTES);
    sodium_bin2hex(out, 2 * 32 + 1, digest, sizeof(digest));
}

int
ent_keyfile_stored_fingerprint(struct ent_store_session *sess, char *stored, size_t cap)
{
    struct ent_arena a;
    ent_arena_init(&a, 256);
    const char *value = NULL;
    int rc = sess->ops->setting_get(sess, &a, FINGERPRINT_SETTING, &value);
    snprintf(stored, cap, "%s", rc == ENT_OK ? value : "");
    ent_arena_cleanup(&a);
    return rc == ENT_ENOTFOUND ? ENT_OK : rc;
}

/*
 * What the store knows of its keys: whether it holds API keys, and the fingerprint of its key
 * file (empty when none was written yet).
 */
static int
read_store(struct ent_store_session *sess, bool *has_keys, char *stored, size_t cap)
{
    int64_t n = 0;
    int rc = sess->ops->key_count(sess, &n);
    if (rc < 0)
        return rc;
    *has_keys = n > 0;
    return ent_keyfile_stored_fingerprint(sess, stored, cap);
}

/* Checks the secret against the store's fingerprint, writing it when the store has none. */
static int
bind_to_store(struct ent_store_session *sess, const char *path, const unsigned char *secret,
              const char *stored, struct ent_error *err)
{
    char mine[2 * 32 + 1];
    fingerprint(secret, mine);
    if (!stored[0]) {
        int rc = sess->ops->setting_insert(sess, FINGERPRINT_SETTING, mine);
        if (rc != ENT_ECONFLICT)
            return rc < 0 ? ent_error_set(err, rc, "cannot record the key file's fingerprint")
                          : ENT_OK;
        /* Another daemon recorded its key file's first: compare with that one. */
        char theirs[ENT_STORE_SETTING_MAX];
        rc = ent_keyfile_stored_fingerprint(sess, theirs, sizeof(theirs));
        if (rc < 0 || !theirs[0])
            return ent_error_set(err, rc < 0 ? rc : ENT_ESTORE,
                                 "cannot read the key file's fingerprint");
        return bind_to_store(sess, path, secret, theirs, err);
    }
    if (sodium_memcmp(mine, stored, sizeof(mine) - 1) != 0 || strlen(stored) != sizeof(mine) - 1)
        return ent_error_set(err, ENT_EINVAL,
                             "the key file %s is not this store's: the store's API keys were"
                             " hashed with another key file. Start with --key-file"
                             " (ENTITLED_KEY_FILE) naming that file",
                             path);
    return ENT_OK;
}

int
ent_keyfile_load(struct ent_store *store, const char *path,
                 unsigned char secret[ENT_KEYFILE_SECRET_BYTES], char *used, size_t used_cap,
                 struct ent_error *err)
{
    char where[4200];
    int rc = ENT_OK;
    if (path && path[0])
        snprintf(where, sizeof(where), "%s", path);
    else
        rc = default_path(store, where, sizeof(where), err);
    if (rc < 0)
        return rc;
    snprintf(used, used_cap, "%s", where);
    struct ent_store_session *sess;
    rc = store->ops->acquire(store, &sess);
    if (rc < 0)
        return ent_error_set(err, rc, "cannot read the store");
    bool has_keys = false;
    char stored[ENT_STORE_SETTING_MAX];
    rc = read_store(sess, &has_keys, stored, sizeof(stored));
    if (rc < 0) {
        ent_error_set(err, rc, "cannot read the store");
        goto out;
    }
    rc = read_file(where, secret, err);
    if (rc == ENT_ENOTFOUND && (has_keys || stored[0])) {
        rc = ent_error_set(err, ENT_EINVAL,
                           "the key file %s is missing, and the store holds API keys hashed with"
                           " it: start with --key-file (ENTITLED_KEY_FILE) naming the store's"
                           " key file, or restore it there; a new one would lock every key out",
                           where);
        goto out;
    }
    if (rc == ENT_ENOTFOUND) {
        rc = create_file(where, secret, err);
        if (rc == ENT_ECONFLICT) /* another process made it first */
            rc = read_file(where, secret, err);
    }
    if (rc == ENT_OK)
        rc = bind_to_store(sess, where, secret, stored, err);
out:
    sess->ops->release(sess);
    return rc;
}
