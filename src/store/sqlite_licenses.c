/* SPDX-License-Identifier: MIT */
/*
 * sqlite_licenses.c: signed licenses on SQLite (schema 0008, issue 13): the signing keys, their
 * private halves sealed by the service (this file never sees a key in the clear), and the
 * licenses issued with their tokens as issued.
 *
 * This file owns only the SQL. Which key is current (the newest not retired), what is published
 * and a license's status are the service's rules (service/signing_keys.c, licenses.c).
 */
#include "store/sqlite_int.h"
#include "store/store.h"

#define KEY_COLUMNS "SELECT " ENT_ROWS_SIGNING_KEY_COLUMNS
#define LICENSE_COLUMNS "SELECT " ENT_ROWS_LICENSE_COLUMNS " FROM licenses"

/*
 * Retires every key not retired yet, then inserts k as the current one.
 * Errors: ENT_ECONFLICT (the kid is taken), ENT_ESTORE.
 */
int
ent_sqlite_signing_key_insert(struct ent_store_session *sess, const struct ent_store_signing_key *k)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "UPDATE signing_keys SET retired_ms = ?1 WHERE retired_ms IS NULL");
    if (!st)
        return ENT_ESTORE;
    sqlite3_bind_int64(st, 1, k->key.created_ms);
    int code = ent_sqlite_exec_done(s, st, "retire signing keys");
    if (code < 0)
        return code;
    st = ent_sqlite_prep(s, "INSERT INTO signing_keys (kid, public_key, sealed_key, created_ms, id)"
                            " VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, k->key.kid);
    ent_sqlite_bind_text(st, 2, k->key.public_key);
    ent_sqlite_bind_text(st, 3, k->sealed);
    sqlite3_bind_int64(st, 4, k->key.created_ms);
    ent_sqlite_bind_text(st, 5, k->key.id);
    return ent_sqlite_exec_done(s, st, "insert signing key");
}

/* Reads the current key (the newest not retired). Errors: ENT_ENOTFOUND, ENT_ESTORE, ENT_ENOMEM. */
int
ent_sqlite_signing_key_current(struct ent_store_session *sess, struct ent_arena *a,
                               struct ent_store_signing_key *out)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    sqlite3_stmt *st = ent_sqlite_prep(s, KEY_COLUMNS " FROM signing_keys k"
                                                      " WHERE k.retired_ms IS NULL"
                                                      " ORDER BY k.seq DESC LIMIT 1");
    if (!st)
        return ENT_ESTORE;
    return ent_sqlite_get(s, st, ent_rows_signing_key, a, out, "current signing key");
}

/* Lists every key, newest first. Errors: ENT_ESTORE, ENT_ENOMEM. */
int
ent_sqlite_signing_keys_all(struct ent_store_session *sess, struct ent_arena *a,
                            struct ent_store_signing_key **keys, size_t *n)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    sqlite3_stmt *st = ent_sqlite_prep(s, KEY_COLUMNS ", (SELECT count(*) FROM signing_keys)"
                                                      " FROM signing_keys k ORDER BY k.seq DESC");
    if (!st)
        return ENT_ESTORE;
    return ent_sqlite_get_all(s, st, 8, ent_rows_signing_key, sizeof(**keys), a, (void **)keys, n,
                              "signing keys");
}

/* Binds ?1 … ?15 of insert and update: the row's columns in ENT_ROWS_LICENSE_COLUMNS order. */
static void
bind_license(sqlite3_stmt *st, const struct ent_license *l)
{
    ent_sqlite_bind_text(st, 1, l->id);
    ent_sqlite_bind_text(st, 2, l->serial);
    ent_sqlite_bind_text(st, 3, l->account_id);
    ent_sqlite_bind_text(st, 4, l->kid);
    ent_sqlite_bind_text(st, 5, ent_sqlite_opt_id(l->activation_id));
    ent_sqlite_bind_text(st, 6, l->fingerprint);
    ent_sqlite_bind_text(st, 7, l->features);
    sqlite3_bind_int64(st, 8, l->ttl_s);
    ent_sqlite_bind_text(st, 9, l->token);
    sqlite3_bind_int64(st, 10, l->issued_ms);
    sqlite3_bind_int64(st, 11, l->expires_ms);
    ent_sqlite_bind_time(st, 12, l->revoked_ms);
    sqlite3_bind_int64(st, 13, l->renew_count);
    sqlite3_bind_int64(st, 14, l->created_ms);
    sqlite3_bind_int64(st, 15, l->updated_ms);
}

/* Inserts a license. Errors: ENT_ECONFLICT (id or serial taken), ENT_ESTORE. */
int
ent_sqlite_license_insert(struct ent_store_session *sess, const struct ent_license *l)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    sqlite3_stmt *st = ent_sqlite_prep(s, "INSERT INTO licenses (" ENT_ROWS_LICENSE_COLUMNS
                                          ") VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
                                          " ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
    if (!st)
        return ENT_ESTORE;
    bind_license(st, l);
    return ent_sqlite_exec_done(s, st, "insert license");
}

/*
 * Writes what may change of a license: kid, token, issued and expiry times, revocation, renewal
 * count and update time. When the new token is signed by another key (a renewal after a
 * rotation), the key of the old token keeps its expiry (signing_keys.published_until_ms), so it
 * stays published while that token is valid. Errors: ENT_ENOTFOUND, ENT_ESTORE.
 */
int
ent_sqlite_license_update(struct ent_store_session *sess, const struct ent_license *l)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    sqlite3_stmt *keep = ent_sqlite_prep(
        s, "UPDATE signing_keys SET published_until_ms = max(coalesce(published_until_ms, 0),"
           " (SELECT expires_ms FROM licenses WHERE id = ?1)) WHERE kid = (SELECT kid FROM"
           " licenses WHERE id = ?1) AND kid <> ?2");
    if (!keep)
        return ENT_ESTORE;
    ent_sqlite_bind_text(keep, 1, l->id);
    ent_sqlite_bind_text(keep, 2, l->kid);
    int code = ent_sqlite_exec_done(s, keep, "keep the old token's key");
    if (code < 0)
        return code;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "UPDATE licenses SET kid = ?4, token = ?9, issued_ms = ?10, expires_ms = ?11,"
           " revoked_ms = ?12, renew_count = ?13, updated_ms = ?15 WHERE id = ?1"
           " AND ?2 IS ?2 AND ?3 IS ?3 AND ?5 IS ?5 AND ?6 IS ?6 AND ?7 IS ?7 AND ?8 IS ?8"
           " AND ?14 IS ?14");
    if (!st)
        return ENT_ESTORE;
    bind_license(st, l);
    return ent_sqlite_exec_one(s, st, "update license");
}

/* Reads a license by id or serial. Errors: ENT_ENOTFOUND, ENT_ESTORE, ENT_ENOMEM. */
int
ent_sqlite_license_get(struct ent_store_session *sess, struct ent_arena *a,
                       const char *id_or_serial, struct ent_license *out)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    sqlite3_stmt *st = ent_sqlite_prep(s, LICENSE_COLUMNS " WHERE id = ?1 OR serial = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id_or_serial);
    return ent_sqlite_get(s, st, ent_rows_license, a, out, "get license");
}

/* Lists the licenses bound to an activation that are not revoked. Errors: ENT_ESTORE, … */
int
ent_sqlite_licenses_of_activation(struct ent_store_session *sess, struct ent_arena *a,
                                  const char *activation_id, struct ent_license **out, size_t *n)
{
    struct sqlite_session *s = (struct sqlite_session *)sess;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "SELECT " ENT_ROWS_LICENSE_COLUMNS ", (SELECT count(*) FROM licenses"
                           " WHERE activation_id = ?1 AND revoked_ms IS NULL) FROM licenses"
                           " WHERE activation_id = ?1 AND revoked_ms IS NULL ORDER BY seq");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, activation_id);
    return ent_sqlite_get_all(s, st, 15, ent_rows_license, sizeof(**out), a, (void **)out, n,
                              "licenses of activation");
}
