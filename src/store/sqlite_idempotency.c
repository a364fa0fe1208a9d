/* SPDX-License-Identifier: MIT */
/*
 * sqlite_idempotency.c: the answers kept under an Idempotency-Key (table idempotency), on
 * SQLite.
 */
#include <string.h>

#include "store/sqlite_int.h"
#include "store/store.h"

int
ent_sqlite_idempotency_get(struct ent_store_session *base, struct ent_arena *a, const char *key_id,
                           const char *idem_key, struct ent_store_idempotency *out)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "SELECT route, request_hash, status, body, created_ms"
                                          " FROM idempotency WHERE key_id = ?1 AND idem_key = ?2");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, key_id);
    ent_sqlite_bind_text(st, 2, idem_key);
    int rc = ent_sqlite_step(s, st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? ENT_ENOTFOUND : ent_sqlite_fail(s, rc, "get idempotency");
    }
    memset(out, 0, sizeof(*out));
    out->key_id = key_id;
    out->idem_key = idem_key;
    out->route = ent_sqlite_col_text(a, st, 0);
    out->request_hash = ent_sqlite_col_text(a, st, 1);
    out->status = sqlite3_column_int(st, 2);
    size_t len = (size_t)sqlite3_column_bytes(st, 3);
    const void *blob = sqlite3_column_blob(st, 3);
    char *body = ent_arena_alloc(a, len + 1);
    if (body) {
        if (len)
            memcpy(body, blob, len);
        body[len] = '\0';
    }
    out->body = body;
    out->body_len = len;
    out->created_ms = sqlite3_column_int64(st, 4);
    sqlite3_reset(st);
    return (out->route && out->request_hash && body) ? ENT_OK : ENT_ENOMEM;
}

int
ent_sqlite_idempotency_insert(struct ent_store_session *base, const struct ent_store_idempotency *r)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "INSERT INTO idempotency (key_id, idem_key, route, request_hash,"
                           " status, body, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, r->key_id);
    ent_sqlite_bind_text(st, 2, r->idem_key);
    ent_sqlite_bind_text(st, 3, r->route);
    ent_sqlite_bind_text(st, 4, r->request_hash);
    sqlite3_bind_int(st, 5, r->status);
    sqlite3_bind_blob(st, 6, r->body ? r->body : "", (int)r->body_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, r->created_ms);
    return ent_sqlite_exec_done(s, st, "insert idempotency");
}

int
ent_sqlite_idempotency_purge(struct ent_store_session *base, int64_t before_ms)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "DELETE FROM idempotency WHERE created_ms < ?1");
    if (!st)
        return ENT_ESTORE;
    sqlite3_bind_int64(st, 1, before_ms);
    return ent_sqlite_exec_done(s, st, "purge idempotency");
}
