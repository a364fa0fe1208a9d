/* SPDX-License-Identifier: MIT */
/*
 * pg_settings.c: facts about the store itself (table settings, schema 0005), on PostgreSQL.
 */
#include "store/pg_int.h"
#include "store/store.h"

int
ent_pg_setting_get(struct ent_store_session *sess, struct ent_arena *a, const char *name,
                   const char **value)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, name);
    return ent_pg_get((struct pg_session *)sess, "SELECT value FROM settings WHERE name = $1", &p,
                      ent_rows_setting, a, value, "get setting");
}

int
ent_pg_setting_insert(struct ent_store_session *sess, const char *name, const char *value)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, name);
    ent_pg_p_text(&p, value);
    /* A conflict is answered as such without aborting an enclosing transaction. */
    int64_t inserted = 0;
    int code = ent_pg_exec_done((struct pg_session *)sess,
                                "INSERT INTO settings (name, value) VALUES ($1, $2)"
                                " ON CONFLICT (name) DO NOTHING",
                                &p, &inserted, "insert setting");
    return (code == ENT_OK && inserted == 0) ? ENT_ECONFLICT : code;
}
