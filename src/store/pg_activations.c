/* SPDX-License-Identifier: MIT */
/*
 * pg_activations.c: the activations table of the PostgreSQL backend (schema 0003): one row per
 * machine or seat, holding one unit of a feature of an account or of one entitlement, with its
 * fingerprint, its heartbeat and, once released, the time it was deactivated.
 *
 * This file owns only the SQL. Liveness is computed, never stored (see sqlite_activations.c).
 * The service finds a fingerprint, counts the live seats and inserts inside one write
 * transaction; at READ COMMITTED with several daemons that is exact only if writers of one scope
 * take turns, so inside a write transaction find and count first lock the scope's parent row
 * (the account's, or the entitlement's: ent_pg_lock_account). A second writer then waits, and
 * its next statement sees the first one's committed seat.
 */

#include "store/pg_int.h"
#include "store/store.h"

/* Every read of activations starts so (rows.h); ent_rows_activation reads its rows. */
#define ACTIVATION_COLUMNS "SELECT " ENT_ROWS_ACTIVATION_COLUMNS ENT_ROWS_ACTIVATION_FROM

/* The condition of a row that holds a seat at the time bound to the parameter param ("$3"). */
#define ALIVE_AT(param)                                                                            \
    " a.deactivated_ms IS NULL AND (a.ttl_seconds IS NULL OR"                                      \
    " a.last_heartbeat_ms + a.ttl_seconds * 1000 > " param ")"

/*
 * Inserts a new activation. Errors: ENT_ECONFLICT (the fingerprint holds a live row of the scope
 * already, or the id is taken), ENT_ESTORE.
 */
int
ent_pg_activation_insert(struct ent_store_session *sess, const struct ent_activation *act)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, act->id);
    ent_pg_p_text(&p, act->account_id);
    ent_pg_p_id(&p, act->feature_id);
    ent_pg_p_id(&p, act->entitlement_id);
    ent_pg_p_text(&p, act->fingerprint);
    ent_pg_p_text(&p, act->name);
    ent_pg_p_text(&p, act->metadata ? act->metadata : "{}");
    if (act->ttl_s > 0)
        ent_pg_p_int(&p, act->ttl_s);
    else
        ent_pg_p_null(&p);
    ent_pg_p_int(&p, act->last_heartbeat_ms);
    ent_pg_p_int(&p, act->created_ms);
    ent_pg_p_int(&p, act->updated_ms);
    ent_pg_p_time(&p, act->deactivated_ms);
    return ent_pg_exec_done(
        (struct pg_session *)sess,
        "INSERT INTO activations (id, account_id, feature_id, entitlement_id, fingerprint,"
        " name, metadata, ttl_seconds, last_heartbeat_ms, created_ms, updated_ms,"
        " deactivated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        &p, NULL, "insert activation");
}

/*
 * Writes what may change of an activation: name, metadata, ttl, last heartbeat, updated and
 * deactivated times. Its scope, fingerprint and creation stay as inserted.
 * Errors: ENT_ENOTFOUND, ENT_ESTORE.
 */
int
ent_pg_activation_update(struct ent_store_session *sess, const struct ent_activation *act)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, act->id);
    ent_pg_p_text(&p, act->name);
    ent_pg_p_text(&p, act->metadata ? act->metadata : "{}");
    if (act->ttl_s > 0)
        ent_pg_p_int(&p, act->ttl_s);
    else
        ent_pg_p_null(&p);
    ent_pg_p_int(&p, act->last_heartbeat_ms);
    ent_pg_p_int(&p, act->updated_ms);
    ent_pg_p_time(&p, act->deactivated_ms);
    return ent_pg_exec_one((struct pg_session *)sess,
                           "UPDATE activations SET name = $2, metadata = $3,"
                           " ttl_seconds = $4, last_heartbeat_ms = $5, updated_ms = $6,"
                           " deactivated_ms = $7 WHERE id = $1",
                           &p, "update activation");
}

/*
 * Inside a write transaction, locks the parent row of the scope of activation id (the
 * account's, or the entitlement's) before the activation itself is read, so that every writer
 * of a scope locks parent then activation, in the order activate does: heartbeats that revive
 * a seat and activations never wait on each other in a cycle. Errors: ENT_EBUSY, ENT_ESTORE.
 */
static int
lock_scope_of(struct pg_session *s, const char *id)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, id);
    int code;
    PGresult *r = ent_pg_exec(s, "SELECT account_id, entitlement_id FROM activations WHERE id = $1",
                              &p, &code, "activation scope");
    if (!r)
        return code;
    char account_id[37] = "", entitlement_id[37] = "";
    if (PQntuples(r) == 1) {
        ent_pg_id(r, 0, 0, account_id);
        ent_pg_id(r, 0, 1, entitlement_id);
    }
    PQclear(r);
    if (!account_id[0])
        return ENT_OK; /* no such activation: the read answers ENT_ENOTFOUND */
    return ent_pg_lock_account(s, entitlement_id[0] ? NULL : account_id, entitlement_id);
}

/*
 * Reads an activation by id. Inside a write transaction its scope's parent row and then its own
 * row are locked (FOR NO KEY UPDATE), so that heartbeats, deactivations and activations of one
 * scope take turns across daemons. Errors: ENT_ENOTFOUND, ENT_EBUSY, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_pg_activation_get(struct ent_store_session *sess, struct ent_arena *a, const char *id,
                      struct ent_activation *out)
{
    struct pg_session *s = (struct pg_session *)sess;
    struct pg_params p = {0};
    ent_pg_p_text(&p, id);
    if (s->in_tx && s->write_tx) {
        int code = lock_scope_of(s, id);
        if (code < 0)
            return code;
        return ent_pg_get(s, ACTIVATION_COLUMNS " WHERE a.id = $1 FOR NO KEY UPDATE OF a", &p,
                          ent_rows_activation, a, out, "get activation");
    }
    return ent_pg_get(s, ACTIVATION_COLUMNS " WHERE a.id = $1", &p, ent_rows_activation, a, out,
                      "get activation");
}

/*
 * Finds the activation of fingerprint that is not deactivated, in the scope of (account_id,
 * feature_id) when entitlement_id is empty, else of entitlement_id; it may be dead (see
 * sqlite_activations.c). Inside a write transaction the scope's parent row is locked first.
 * Errors: ENT_ENOTFOUND, ENT_EBUSY, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_pg_activation_find(struct ent_store_session *sess, struct ent_arena *a, const char *account_id,
                       const char *feature_id, const char *entitlement_id, const char *fingerprint,
                       struct ent_activation *out)
{
    struct pg_session *s = (struct pg_session *)sess;
    bool by_entitlement = entitlement_id && entitlement_id[0];
    int code = ent_pg_lock_account(s, by_entitlement ? NULL : account_id, entitlement_id);
    if (code < 0)
        return code;
    struct pg_params p = {0};
    if (by_entitlement) {
        ent_pg_p_text(&p, entitlement_id);
        ent_pg_p_text(&p, fingerprint);
        return ent_pg_get(s,
                          ACTIVATION_COLUMNS " WHERE a.entitlement_id = $1 AND a.fingerprint = $2"
                                             " AND a.deactivated_ms IS NULL",
                          &p, ent_rows_activation, a, out, "get activation");
    }
    ent_pg_p_text(&p, account_id);
    ent_pg_p_text(&p, feature_id);
    ent_pg_p_text(&p, fingerprint);
    return ent_pg_get(s,
                      ACTIVATION_COLUMNS " WHERE a.account_id = $1 AND a.feature_id = $2"
                                         " AND a.fingerprint = $3 AND a.deactivated_ms IS NULL",
                      &p, ent_rows_activation, a, out, "get activation");
}

/*
 * Counts the seats held at now_ms in the scope of (account_id, feature_id) when entitlement_id
 * is empty, else of entitlement_id. Inside a write transaction the scope's parent row is locked
 * first, so the count stays exact until the commit. Errors: ENT_EBUSY, ENT_ESTORE.
 */
int
ent_pg_activation_count_live(struct ent_store_session *sess, const char *account_id,
                             const char *feature_id, const char *entitlement_id, int64_t now_ms,
                             int64_t *n)
{
    struct pg_session *s = (struct pg_session *)sess;
    bool by_entitlement = entitlement_id && entitlement_id[0];
    int code = ent_pg_lock_account(s, by_entitlement ? NULL : account_id, entitlement_id);
    if (code < 0)
        return code;
    struct pg_params p = {0};
    PGresult *r;
    if (by_entitlement) {
        ent_pg_p_text(&p, entitlement_id);
        ent_pg_p_int(&p, now_ms);
        r = ent_pg_exec(s,
                        "SELECT count(*) FROM activations a"
                        " WHERE a.entitlement_id = $1 AND" ALIVE_AT("$2"),
                        &p, &code, "count activations");
    } else {
        ent_pg_p_text(&p, account_id);
        ent_pg_p_text(&p, feature_id);
        ent_pg_p_int(&p, now_ms);
        r = ent_pg_exec(s,
                        "SELECT count(*) FROM activations a"
                        " WHERE a.account_id = $1 AND a.feature_id = $2 AND" ALIVE_AT("$3"),
                        &p, &code, "count activations");
    }
    if (!r)
        return code;
    *n = ent_pg_int(r, 0, 0);
    PQclear(r);
    return ENT_OK;
}

/*
 * Lists the seats the account's feature activations hold at now_ms, for its evaluation
 * snapshot: (feature id, when the seat dies, INT64_MAX when not floating), sorted by feature.
 * OUT seats (in the arena), n. Errors: ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_pg_seats_of_account(struct ent_store_session *sess, struct ent_arena *a, const char *account_id,
                        int64_t now_ms, struct ent_store_seat **seats, size_t *n)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, account_id);
    ent_pg_p_int(&p, now_ms);
    int code;
    PGresult *r =
        ent_pg_exec((struct pg_session *)sess,
                    "SELECT a.feature_id, CASE WHEN a.ttl_seconds IS NULL THEN 9223372036854775807"
                    " ELSE a.last_heartbeat_ms + a.ttl_seconds * 1000 END FROM activations a"
                    " WHERE a.account_id = $1 AND a.feature_id IS NOT NULL AND" ALIVE_AT(
                        "$2") " ORDER BY a.feature_id, a.seq",
                    &p, &code, "seats of account");
    if (!r)
        return code;
    int rows = PQntuples(r);
    struct ent_store_seat *out = ent_arena_alloc(a, (size_t)(rows ? rows : 1) * sizeof(*out));
    if (!out) {
        PQclear(r);
        return ENT_ENOMEM;
    }
    for (int i = 0; i < rows; i++) {
        ent_pg_id(r, i, 0, out[i].feature_id);
        out[i].expires_ms = ent_pg_int(r, i, 1);
    }
    PQclear(r);
    *seats = out;
    *n = (size_t)rows;
    return ENT_OK;
}
