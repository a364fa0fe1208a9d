/* SPDX-License-Identifier: MIT */
/*
 * sqlite_transfers.c: the owners of entitlements along a distribution chain (table
 * entitlement_owners, accounts joined in) and the child entitlements a transfer moves along, on
 * SQLite (seed 004, issue 17).
 */
#include "store/rows.h"
#include "store/sqlite_int.h"
#include "store/store.h"

int
ent_sqlite_entitlement_owners(struct ent_store_session *base, struct ent_arena *a,
                              const char *entitlement_id, const char *account_id,
                              struct ent_entitlement_owner **out, size_t *n)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "SELECT " ENT_ROWS_OWNER_COLUMNS ", o.position,"
           " (SELECT count(*) + 1 FROM entitlement_owners WHERE entitlement_id = ?1)"
           " FROM entitlement_owners o JOIN accounts a ON a.id = o.account_id"
           " WHERE o.entitlement_id = ?1"
           " UNION ALL SELECT " ENT_ROWS_CURRENT_OWNER_COLUMNS ", 9223372036854775807,"
           " (SELECT count(*) + 1 FROM entitlement_owners WHERE entitlement_id = ?1)"
           " FROM accounts a WHERE a.id = ?2 ORDER BY 9");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, entitlement_id);
    ent_sqlite_bind_text(st, 2, account_id);
    return ent_sqlite_get_all(s, st, 9, ent_rows_owner, sizeof(**out), a, (void **)out, n,
                              "entitlement owners");
}

int
ent_sqlite_entitlement_owner_add(struct ent_store_session *base, const char *entitlement_id,
                                 int64_t position, const struct ent_entitlement_owner *o)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "INSERT INTO entitlement_owners (entitlement_id,"
                                          " position, account_id, since_ms, until_ms)"
                                          " VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, entitlement_id);
    sqlite3_bind_int64(st, 2, position);
    ent_sqlite_bind_text(st, 3, o->account_id);
    sqlite3_bind_int64(st, 4, o->since_ms);
    sqlite3_bind_int64(st, 5, o->until_ms);
    return ent_sqlite_exec_done(s, st, "add entitlement owner");
}

int
ent_sqlite_entitlement_owners_copy(struct ent_store_session *base, const char *from_id,
                                   const char *to_id)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "INSERT INTO entitlement_owners (entitlement_id, position, account_id, since_ms,"
           " until_ms) SELECT ?2, position, account_id, since_ms, until_ms"
           " FROM entitlement_owners WHERE entitlement_id = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, from_id);
    ent_sqlite_bind_text(st, 2, to_id);
    return ent_sqlite_exec_done(s, st, "copy entitlement owners");
}

int
ent_sqlite_entitlement_children(struct ent_store_session *base, struct ent_arena *a,
                                const char *parent_id, char (**ids)[37], size_t *n)
{
    return ent_sqlite_id_query((struct sqlite_session *)base, a,
                               "SELECT id FROM entitlements WHERE parent_id = ?1"
                               " AND status <> 'revoked' ORDER BY seq",
                               parent_id, ids, n);
}
