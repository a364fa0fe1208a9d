/* SPDX-License-Identifier: MIT */
/*
 * pg_idempotency.c: the answers kept under an Idempotency-Key (table idempotency), on
 * PostgreSQL.
 */
#include <string.h>

#include "store/pg_int.h"
#include "store/store.h"

/*
 * Reads an answer (route, request_hash, status, body, created_ms). The body is a BYTEA, sent
 * back escaped as text: a dialect's difference from SQLite's BLOB, so this reader stays here.
 * Errors: ENT_ENOMEM.
 */
static int
read_answer(const struct ent_store_row *row, struct ent_arena *a, void *item)
{
    const PGresult *r = row->result;
    struct ent_store_idempotency *out = item;
    out->route = ent_pg_text(a, r, row->index, 0);
    out->request_hash = ent_pg_text(a, r, row->index, 1);
    out->status = (int)ent_pg_int(r, row->index, 2);
    size_t len = 0;
    unsigned char *bytes =
        PQunescapeBytea((const unsigned char *)PQgetvalue(r, row->index, 3), &len);
    char *body = bytes ? ent_arena_alloc(a, len + 1) : NULL;
    if (body) {
        if (len)
            memcpy(body, bytes, len);
        body[len] = '\0';
    }
    PQfreemem(bytes);
    out->body = body;
    out->body_len = len;
    out->created_ms = ent_pg_int(r, row->index, 4);
    return (out->route && out->request_hash && body) ? ENT_OK : ENT_ENOMEM;
}

int
ent_pg_idempotency_get(struct ent_store_session *base, struct ent_arena *a, const char *key_id,
                       const char *idem_key, struct ent_store_idempotency *out)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, key_id);
    ent_pg_p_text(&p, idem_key);
    memset(out, 0, sizeof(*out));
    out->key_id = key_id;
    out->idem_key = idem_key;
    return ent_pg_get((struct pg_session *)base,
                      "SELECT route, request_hash, status, body, created_ms"
                      " FROM idempotency WHERE key_id = $1 AND idem_key = $2",
                      &p, read_answer, a, out, "get idempotency");
}

/*
 * Records an answer. A taken (key_id, idem_key) is refused without failing the transaction
 * (ON CONFLICT DO NOTHING, then ENT_ECONFLICT), as SQLite fails the statement alone.
 */
int
ent_pg_idempotency_insert(struct ent_store_session *base, const struct ent_store_idempotency *rec)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, rec->key_id);
    ent_pg_p_text(&p, rec->idem_key);
    ent_pg_p_text(&p, rec->route);
    ent_pg_p_text(&p, rec->request_hash);
    ent_pg_p_int(&p, rec->status);
    ent_pg_p_bytes(&p, rec->body ? rec->body : "", rec->body_len);
    ent_pg_p_int(&p, rec->created_ms);
    int64_t changed = 0;
    int code = ent_pg_exec_done((struct pg_session *)base,
                                "INSERT INTO idempotency (key_id, idem_key, route, request_hash,"
                                " status, body, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                                " ON CONFLICT (key_id, idem_key) DO NOTHING",
                                &p, &changed, "insert idempotency");
    if (code == ENT_OK && changed == 0)
        return ENT_ECONFLICT;
    return code;
}

int
ent_pg_idempotency_purge(struct ent_store_session *base, int64_t before_ms)
{
    struct pg_params p = {0};
    ent_pg_p_int(&p, before_ms);
    return ent_pg_exec_done((struct pg_session *)base,
                            "DELETE FROM idempotency WHERE created_ms < $1", &p, NULL,
                            "purge idempotency");
}
