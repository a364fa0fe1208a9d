/* SPDX-License-Identifier: MIT */
/*
 * sqlite_keys.c: API keys (table api_keys), stored with the keyed hash of their secret, on
 * SQLite.
 */
#include "store/sqlite_int.h"
#include "store/store.h"

int
ent_sqlite_key_insert(struct ent_store_session *base, const struct ent_key *k, const char *hash)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "INSERT INTO api_keys (id, name, scope, account_id, prefix, hash,"
                           " created_ms, revoked_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, k->id);
    ent_sqlite_bind_text(st, 2, k->name);
    ent_sqlite_bind_text(st, 3, ent_scope_name(k->scope));
    ent_sqlite_bind_text(st, 4, ent_sqlite_opt_id(k->account_id));
    ent_sqlite_bind_text(st, 5, k->prefix);
    ent_sqlite_bind_text(st, 6, hash);
    sqlite3_bind_int64(st, 7, k->created_ms);
    sqlite3_bind_int64(st, 8, k->revoked_ms != ENT_TIME_NONE ? k->revoked_ms : 0);
    return ent_sqlite_exec_done(s, st, "insert key");
}

/* Reads one key row selected by sql with one parameter. */
static int
read_key(struct sqlite_session *s, struct ent_arena *a, const char *sql, const char *param,
         struct ent_key *out)
{
    sqlite3_stmt *st = ent_sqlite_prep(s, sql);
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, param);
    return ent_sqlite_get(s, st, ent_rows_key, a, out, "get key");
}

int
ent_sqlite_key_get(struct ent_store_session *base, struct ent_arena *a, const char *id,
                   struct ent_key *out)
{
    return read_key((struct sqlite_session *)base, a,
                    "SELECT " ENT_ROWS_KEY_COLUMNS " FROM api_keys WHERE id = ?1", id, out);
}

int
ent_sqlite_key_find_hash(struct ent_store_session *base, struct ent_arena *a, const char *hash,
                         struct ent_key *out)
{
    return read_key((struct sqlite_session *)base, a,
                    "SELECT " ENT_ROWS_KEY_COLUMNS " FROM api_keys WHERE hash = ?1", hash, out);
}

int
ent_sqlite_key_revoke(struct ent_store_session *base, const char *id, int64_t now_ms)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "UPDATE api_keys SET revoked_ms = ?2 WHERE id = ?1 AND"
                                          " revoked_ms = 0");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id);
    sqlite3_bind_int64(st, 2, now_ms);
    return ent_sqlite_exec_done(s, st, "revoke key");
}

int
ent_sqlite_key_revoke_account(struct ent_store_session *base, struct ent_arena *a,
                              const char *account_id, int64_t now_ms, char (**ids)[37], size_t *n)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    int code = ent_sqlite_id_query(
        s, a, "SELECT id FROM api_keys WHERE account_id = ?1 AND revoked_ms = 0", account_id, ids,
        n);
    for (size_t i = 0; code == ENT_OK && i < *n; i++)
        code = ent_sqlite_key_revoke(base, (*ids)[i], now_ms);
    return code;
}

int
ent_sqlite_key_count(struct ent_store_session *base, int64_t *n)
{
    return ent_sqlite_count_query((struct sqlite_session *)base,
                                  "SELECT count(*) FROM api_keys WHERE ?1 IS NULL", NULL, n);
}
