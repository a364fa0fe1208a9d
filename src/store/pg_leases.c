/* SPDX-License-Identifier: MIT */
/*
 * pg_leases.c: trial leases (table leases, one per account and product), on PostgreSQL.
 */
#include "store/pg_int.h"
#include "store/store.h"

int
ent_pg_lease_insert(struct ent_store_session *base, const struct ent_lease *l)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, l->id);
    ent_pg_p_text(&p, l->account_id);
    ent_pg_p_text(&p, l->product_id);
    ent_pg_p_int(&p, l->lease_count);
    ent_pg_p_int(&p, l->valid_from_ms);
    ent_pg_p_int(&p, l->valid_until_ms);
    ent_pg_p_time(&p, l->last_lease_end_ms);
    ent_pg_p_int(&p, l->created_ms);
    ent_pg_p_id(&p, l->created_by);
    ent_pg_p_int(&p, l->updated_ms);
    ent_pg_p_id(&p, l->updated_by);
    return ent_pg_exec_done((struct pg_session *)base,
                            "INSERT INTO leases (id, account_id, product_id, lease_count,"
                            " valid_from, valid_until, last_lease_end_ms, created_ms,"
                            " created_by, updated_ms, updated_by)"
                            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                            &p, NULL, "insert lease");
}

int
ent_pg_lease_update(struct ent_store_session *base, const struct ent_lease *l)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, l->id);
    ent_pg_p_int(&p, l->lease_count);
    ent_pg_p_int(&p, l->valid_from_ms);
    ent_pg_p_int(&p, l->valid_until_ms);
    ent_pg_p_time(&p, l->last_lease_end_ms);
    ent_pg_p_int(&p, l->updated_ms);
    ent_pg_p_id(&p, l->updated_by);
    return ent_pg_exec_one((struct pg_session *)base,
                           "UPDATE leases SET lease_count = $2, valid_from = $3,"
                           " valid_until = $4, last_lease_end_ms = $5, updated_ms = $6,"
                           " updated_by = $7 WHERE id = $1",
                           &p, "update lease");
}

#define LEASE_SELECT "SELECT " ENT_ROWS_LEASE_COLUMNS ENT_ROWS_LEASE_FROM

int
ent_pg_lease_get(struct ent_store_session *base, struct ent_arena *a, const char *id,
                 struct ent_lease *out)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, id);
    return ent_pg_get((struct pg_session *)base, LEASE_SELECT " WHERE l.id = $1", &p,
                      ent_rows_lease, a, out, "get lease");
}

/*
 * Finds the lease of (account, product). Inside a write transaction the account's row is
 * locked first, so that two daemons applying a lease to one account take turns: the second
 * sees the first's lease (one per pair, max_leases counted exactly).
 */
int
ent_pg_lease_find(struct ent_store_session *base, struct ent_arena *a, const char *account_id,
                  const char *product_id, struct ent_lease *out)
{
    struct pg_session *s = (struct pg_session *)base;
    int code = ent_pg_lock_account(s, account_id, NULL);
    if (code < 0)
        return code;
    struct pg_params p = {0};
    ent_pg_p_text(&p, account_id);
    ent_pg_p_text(&p, product_id);
    return ent_pg_get(s, LEASE_SELECT " WHERE l.account_id = $1 AND l.product_id = $2", &p,
                      ent_rows_lease, a, out, "get lease");
}
