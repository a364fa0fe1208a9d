/* SPDX-License-Identifier: MIT */
/*
 * pg_accounts.c: accounts (table accounts), on PostgreSQL.
 */
#include "store/pg_int.h"
#include "store/store.h"

/* The parameters shared by account insert and update ($1 … $9). */
static void
account_params(struct pg_params *p, const struct ent_account *acc)
{
    ent_pg_p_text(p, acc->id);
    ent_pg_p_text(p, acc->key);
    ent_pg_p_text(p, acc->name);
    ent_pg_p_text(p, ent_account_type_name(acc->type));
    ent_pg_p_id(p, acc->parent);
    ent_pg_p_text(p, acc->contact_email);
    ent_pg_p_text(p, acc->attributes ? acc->attributes : "{}");
    ent_pg_p_int(p, acc->updated_ms);
    /* 0 (not given): the schema's default */
    ent_pg_p_text(p, ent_partner_tier_name(acc->partner_tier ? acc->partner_tier
                                                             : ENT_PARTNER_TIER_END_CUSTOMER));
}

int
ent_pg_account_insert(struct ent_store_session *base, const struct ent_account *acc)
{
    struct pg_params p = {0};
    account_params(&p, acc);
    ent_pg_p_int(&p, acc->created_ms);
    return ent_pg_exec_done((struct pg_session *)base,
                            "INSERT INTO accounts (id, key, name, type, parent_id,"
                            " contact_email, attributes, updated_ms, partner_tier, created_ms)"
                            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                            &p, NULL, "insert account");
}

int
ent_pg_account_update(struct ent_store_session *base, const struct ent_account *acc)
{
    struct pg_params p = {0};
    account_params(&p, acc);
    return ent_pg_exec_one((struct pg_session *)base,
                           "UPDATE accounts SET key = $2, name = $3, type = $4,"
                           " parent_id = $5, contact_email = $6, attributes = $7,"
                           " updated_ms = $8, partner_tier = $9 WHERE id = $1",
                           &p, "update account");
}

int
ent_pg_account_delete(struct ent_store_session *base, const char *id)
{
    return ent_pg_delete_by_id((struct pg_session *)base, "DELETE FROM accounts WHERE id = $1", id,
                               "delete account");
}

int
ent_pg_account_get(struct ent_store_session *base, struct ent_arena *a, const char *id_or_key,
                   struct ent_account *out)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, id_or_key);
    return ent_pg_get((struct pg_session *)base,
                      "SELECT " ENT_ROWS_ACCOUNT_COLUMNS " FROM accounts WHERE id = $1 OR key = $1",
                      &p, ent_rows_account, a, out, "get account");
}

int
ent_pg_account_child_count(struct ent_store_session *base, const char *id, int64_t *n)
{
    return ent_pg_count_query((struct pg_session *)base,
                              "SELECT count(*) FROM accounts WHERE parent_id = $1", id, n);
}
