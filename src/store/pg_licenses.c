/* SPDX-License-Identifier: MIT */
/*
 * pg_licenses.c: signed licenses on PostgreSQL (schema 0006, issue 13); the dialect of
 * sqlite_licenses.c. Serials are unique by a constraint, so two daemons never issue one twice;
 * a rotation retires the other keys in its own transaction, and the newest key not retired is
 * the current one whatever order two rotations commit in.
 */
#include "store/pg_int.h"
#include "store/store.h"

#define KEY_COLUMNS "SELECT " ENT_ROWS_SIGNING_KEY_COLUMNS
#define LICENSE_COLUMNS "SELECT " ENT_ROWS_LICENSE_COLUMNS " FROM licenses"

/* See sqlite_licenses.c. Errors: ENT_ECONFLICT, ENT_ESTORE. */
int
ent_pg_signing_key_insert(struct ent_store_session *sess, const struct ent_store_signing_key *k)
{
    struct pg_session *s = (struct pg_session *)sess;
    struct pg_params p = {0};
    ent_pg_p_int(&p, k->key.created_ms);
    int code =
        ent_pg_exec_done(s, "UPDATE signing_keys SET retired_ms = $1 WHERE retired_ms IS NULL", &p,
                         NULL, "retire signing keys");
    if (code < 0)
        return code;
    struct pg_params q = {0};
    ent_pg_p_text(&q, k->key.kid);
    ent_pg_p_text(&q, k->key.public_key);
    ent_pg_p_text(&q, k->sealed);
    ent_pg_p_int(&q, k->key.created_ms);
    ent_pg_p_text(&q, k->key.id);
    return ent_pg_exec_done(s,
                            "INSERT INTO signing_keys (kid, public_key, sealed_key, created_ms, id)"
                            " VALUES ($1, $2, $3, $4, $5)",
                            &q, NULL, "insert signing key");
}

/* Reads the current key. Errors: ENT_ENOTFOUND, ENT_ESTORE, ENT_ENOMEM. */
int
ent_pg_signing_key_current(struct ent_store_session *sess, struct ent_arena *a,
                           struct ent_store_signing_key *out)
{
    return ent_pg_get((struct pg_session *)sess,
                      KEY_COLUMNS " FROM signing_keys k WHERE k.retired_ms IS NULL"
                                  " ORDER BY k.seq DESC LIMIT 1",
                      NULL, ent_rows_signing_key, a, out, "current signing key");
}

/* Lists every key, newest first. Errors: ENT_ESTORE, ENT_ENOMEM. */
int
ent_pg_signing_keys_all(struct ent_store_session *sess, struct ent_arena *a,
                        struct ent_store_signing_key **keys, size_t *n)
{
    return ent_pg_get_all(
        (struct pg_session *)sess, KEY_COLUMNS " FROM signing_keys k ORDER BY k.seq DESC", NULL,
        ent_rows_signing_key, sizeof(**keys), a, (void **)keys, n, "signing keys");
}

/* The parameters $1 … $15 of insert and update, in ENT_ROWS_LICENSE_COLUMNS order. */
static void
license_params(struct pg_params *p, const struct ent_license *l)
{
    ent_pg_p_text(p, l->id);
    ent_pg_p_text(p, l->serial);
    ent_pg_p_text(p, l->account_id);
    ent_pg_p_text(p, l->kid);
    ent_pg_p_id(p, l->activation_id);
    ent_pg_p_text(p, l->fingerprint);
    ent_pg_p_text(p, l->features);
    ent_pg_p_int(p, l->ttl_s);
    ent_pg_p_text(p, l->token);
    ent_pg_p_int(p, l->issued_ms);
    ent_pg_p_int(p, l->expires_ms);
    ent_pg_p_time(p, l->revoked_ms);
    ent_pg_p_int(p, l->renew_count);
    ent_pg_p_int(p, l->created_ms);
    ent_pg_p_int(p, l->updated_ms);
}

/* Inserts a license. Errors: ENT_ECONFLICT (id or serial taken), ENT_ESTORE. */
int
ent_pg_license_insert(struct ent_store_session *sess, const struct ent_license *l)
{
    struct pg_params p = {0};
    license_params(&p, l);
    return ent_pg_exec_done((struct pg_session *)sess,
                            "INSERT INTO licenses (" ENT_ROWS_LICENSE_COLUMNS ") VALUES ($1, $2,"
                            " $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                            &p, NULL, "insert license");
}

/* See sqlite_licenses.c. Errors: ENT_ENOTFOUND, ENT_ESTORE. */
int
ent_pg_license_update(struct ent_store_session *sess, const struct ent_license *l)
{
    struct pg_params k = {0};
    ent_pg_p_text(&k, l->id);
    ent_pg_p_text(&k, l->kid);
    int code = ent_pg_exec_done(
        (struct pg_session *)sess,
        "UPDATE signing_keys SET published_until_ms = GREATEST(COALESCE(published_until_ms, 0),"
        " (SELECT expires_ms FROM licenses WHERE id = $1)) WHERE kid = (SELECT kid FROM"
        " licenses WHERE id = $1) AND kid <> $2",
        &k, NULL, "keep the old token's key");
    if (code < 0)
        return code;
    struct pg_params p = {0};
    ent_pg_p_text(&p, l->id);
    ent_pg_p_text(&p, l->kid);
    ent_pg_p_text(&p, l->token);
    ent_pg_p_int(&p, l->issued_ms);
    ent_pg_p_int(&p, l->expires_ms);
    ent_pg_p_time(&p, l->revoked_ms);
    ent_pg_p_int(&p, l->renew_count);
    ent_pg_p_int(&p, l->updated_ms);
    return ent_pg_exec_one((struct pg_session *)sess,
                           "UPDATE licenses SET kid = $2, token = $3, issued_ms = $4,"
                           " expires_ms = $5, revoked_ms = $6, renew_count = $7, updated_ms = $8"
                           " WHERE id = $1",
                           &p, "update license");
}

/* Reads a license by id or serial. Errors: ENT_ENOTFOUND, ENT_ESTORE, ENT_ENOMEM. */
int
ent_pg_license_get(struct ent_store_session *sess, struct ent_arena *a, const char *id_or_serial,
                   struct ent_license *out)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, id_or_serial);
    return ent_pg_get((struct pg_session *)sess, LICENSE_COLUMNS " WHERE id = $1 OR serial = $1",
                      &p, ent_rows_license, a, out, "get license");
}

/* Lists the licenses bound to an activation that are not revoked. Errors: ENT_ESTORE, … */
int
ent_pg_licenses_of_activation(struct ent_store_session *sess, struct ent_arena *a,
                              const char *activation_id, struct ent_license **out, size_t *n)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, activation_id);
    return ent_pg_get_all((struct pg_session *)sess,
                          LICENSE_COLUMNS " WHERE activation_id = $1 AND revoked_ms IS NULL"
                                          " ORDER BY seq",
                          &p, ent_rows_license, sizeof(**out), a, (void **)out, n,
                          "licenses of activation");
}
