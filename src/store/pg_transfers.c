/* SPDX-License-Identifier: MIT */
/*
 * pg_transfers.c: the owners of entitlements along a distribution chain (table
 * entitlement_owners, accounts joined in) and the child entitlements a transfer moves along, on
 * PostgreSQL (seed 004, issue 17).
 */
#include "store/pg_int.h"
#include "store/rows.h"
#include "store/store.h"

int
ent_pg_entitlement_owners(struct ent_store_session *base, struct ent_arena *a,
                          const char *entitlement_id, const char *account_id,
                          struct ent_entitlement_owner **out, size_t *n)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, entitlement_id);
    ent_pg_p_text(&p, account_id);
    return ent_pg_get_all((struct pg_session *)base,
                          "SELECT " ENT_ROWS_OWNER_COLUMNS ", o.position"
                          " FROM entitlement_owners o JOIN accounts a ON a.id = o.account_id"
                          " WHERE o.entitlement_id = $1"
                          " UNION ALL SELECT " ENT_ROWS_CURRENT_OWNER_COLUMNS
                          ", 9223372036854775807 FROM accounts a WHERE a.id = $2 ORDER BY 9",
                          &p, ent_rows_owner, sizeof(**out), a, (void **)out, n,
                          "entitlement owners");
}

int
ent_pg_entitlement_owner_add(struct ent_store_session *base, const char *entitlement_id,
                             int64_t position, const struct ent_entitlement_owner *o)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, entitlement_id);
    ent_pg_p_int(&p, position);
    ent_pg_p_text(&p, o->account_id);
    ent_pg_p_int(&p, o->since_ms);
    ent_pg_p_int(&p, o->until_ms);
    return ent_pg_exec_done((struct pg_session *)base,
                            "INSERT INTO entitlement_owners (entitlement_id, position, account_id,"
                            " since_ms, until_ms) VALUES ($1, $2, $3, $4, $5)",
                            &p, NULL, "add entitlement owner");
}

int
ent_pg_entitlement_owners_copy(struct ent_store_session *base, const char *from_id,
                               const char *to_id)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, from_id);
    ent_pg_p_text(&p, to_id);
    return ent_pg_exec_done((struct pg_session *)base,
                            "INSERT INTO entitlement_owners (entitlement_id, position, account_id,"
                            " since_ms, until_ms) SELECT $2, position, account_id, since_ms,"
                            " until_ms FROM entitlement_owners WHERE entitlement_id = $1",
                            &p, NULL, "copy entitlement owners");
}

int
ent_pg_entitlement_children(struct ent_store_session *base, struct ent_arena *a,
                            const char *parent_id, char (**ids)[37], size_t *n)
{
    return ent_pg_id_query((struct pg_session *)base, a,
                           "SELECT id FROM entitlements WHERE parent_id = $1"
                           " AND status <> 'revoked' ORDER BY seq",
                           parent_id, ids, n);
}
