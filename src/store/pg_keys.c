/* SPDX-License-Identifier: MIT */
/*
 * pg_keys.c: API keys (table api_keys), stored with the keyed hash of their secret, on
 * PostgreSQL.
 */
#include "store/pg_int.h"
#include "store/store.h"

int
ent_pg_key_insert(struct ent_store_session *base, const struct ent_key *k, const char *hash)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, k->id);
    ent_pg_p_text(&p, k->name);
    ent_pg_p_text(&p, ent_scope_name(k->scope));
    ent_pg_p_id(&p, k->account_id);
    ent_pg_p_text(&p, k->prefix);
    ent_pg_p_text(&p, hash);
    ent_pg_p_int(&p, k->created_ms);
    ent_pg_p_int(&p, k->revoked_ms != ENT_TIME_NONE ? k->revoked_ms : 0);
    return ent_pg_exec_done((struct pg_session *)base,
                            "INSERT INTO api_keys (id, name, scope, account_id, prefix, hash,"
                            " created_ms, revoked_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                            &p, NULL, "insert key");
}

/* Reads one key row selected by sql with one parameter. */
static int
read_key(struct pg_session *s, struct ent_arena *a, const char *sql, const char *param,
         struct ent_key *out)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, param);
    return ent_pg_get(s, sql, &p, ent_rows_key, a, out, "get key");
}

/* Reads a key by id; inside a write transaction its row is locked (revocations take turns). */
int
ent_pg_key_get(struct ent_store_session *base, struct ent_arena *a, const char *id,
               struct ent_key *out)
{
    struct pg_session *s = (struct pg_session *)base;
    if (s->in_tx && s->write_tx)
        return read_key(
            s, a, "SELECT " ENT_ROWS_KEY_COLUMNS " FROM api_keys WHERE id = $1 FOR NO KEY UPDATE",
            id, out);
    return read_key(s, a, "SELECT " ENT_ROWS_KEY_COLUMNS " FROM api_keys WHERE id = $1", id, out);
}

int
ent_pg_key_find_hash(struct ent_store_session *base, struct ent_arena *a, const char *hash,
                     struct ent_key *out)
{
    return read_key((struct pg_session *)base, a,
                    "SELECT " ENT_ROWS_KEY_COLUMNS " FROM api_keys WHERE hash = $1", hash, out);
}

int
ent_pg_key_revoke(struct ent_store_session *base, const char *id, int64_t now_ms)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, id);
    ent_pg_p_int(&p, now_ms);
    return ent_pg_exec_done((struct pg_session *)base,
                            "UPDATE api_keys SET revoked_ms = $2 WHERE id = $1 AND"
                            " revoked_ms = 0",
                            &p, NULL, "revoke key");
}

int
ent_pg_key_revoke_account(struct ent_store_session *base, struct ent_arena *a,
                          const char *account_id, int64_t now_ms, char (**ids)[37], size_t *n)
{
    struct pg_session *s = (struct pg_session *)base;
    int code = ent_pg_id_query(
        s, a, "SELECT id FROM api_keys WHERE account_id = $1 AND revoked_ms = 0 ORDER BY id",
        account_id, ids, n);
    for (size_t i = 0; code == ENT_OK && i < *n; i++)
        code = ent_pg_key_revoke(base, (*ids)[i], now_ms);
    return code;
}

/*
 * Counts the keys. Inside a write transaction the table is locked first (SHARE ROW EXCLUSIVE:
 * it conflicts with itself and with inserts, not with reads), so that two daemons making the
 * first key take turns and the second counts the first's.
 */
int
ent_pg_key_count(struct ent_store_session *base, int64_t *n)
{
    struct pg_session *s = (struct pg_session *)base;
    if (s->in_tx && s->write_tx) {
        int code = ent_pg_exec_done(s, "LOCK TABLE api_keys IN SHARE ROW EXCLUSIVE MODE", NULL,
                                    NULL, "lock keys");
        if (code < 0)
            return code;
    }
    return ent_pg_count_query(s, "SELECT count(*) FROM api_keys", NULL, n);
}
