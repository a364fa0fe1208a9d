/* SPDX-License-Identifier: MIT */
/*
 * backup.c: the online backup of a store (ent_app_backup in entitled.h). The store writes the
 * copy (its ops slot backup); this says what the copy needs to be served again: its schema
 * version and the fingerprint of the key file that goes with it.
 */
#include <string.h>

#include "service/ctx.h"
#include "service/keyfile.h"

int
ent_app_backup(struct ent_app *app, const char *path, struct ent_backup *out, struct ent_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!path || !path[0])
        return ent_error_set(err, ENT_EINVAL, "give the file to write the backup to (--to FILE)");
    if (!app->store->ops->backup)
        return ent_error_set(err, ENT_EINVAL,
                             "a %s store is backed up with its own tools (PostgreSQL: pg_dump or "
                             "point-in-time recovery; docs/deploy.md)",
                             app->store->ops->name);
    struct ent_store_session *sess;
    int rc = app->store->ops->acquire(app->store, &sess);
    if (rc < 0)
        return ent_error_set(err, rc, "the store is unavailable");
    rc = sess->ops->schema_version(sess, &out->schema_version);
    if (rc == ENT_OK)
        rc = ent_keyfile_stored_fingerprint(sess, out->key_fingerprint,
                                            sizeof(out->key_fingerprint));
    if (rc == ENT_OK)
        rc = sess->ops->backup(sess, path, &out->bytes);
    sess->ops->release(sess);
    if (rc == ENT_ECONFLICT)
        return ent_error_set(err, rc, "%s exists already: a backup never replaces a file", path);
    if (rc == ENT_EINVAL)
        return ent_error_set(err, rc, "the path %s is too long", path);
    if (rc < 0)
        return ent_error_set(err, rc, "the backup to %s failed; no file was left there", path);
    return ENT_OK;
}
