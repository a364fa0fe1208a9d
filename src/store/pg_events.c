/* SPDX-License-Identifier: MIT */
/*
 * pg_events.c: the audit log (table events, append-only by its triggers), on PostgreSQL.
 */
#include "store/pg_int.h"
#include "store/store.h"

int
ent_pg_event_insert(struct ent_store_session *base, const struct ent_event *e)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, e->id);
    ent_pg_p_text(&p, e->type);
    ent_pg_p_id(&p, e->actor);
    ent_pg_p_id(&p, e->account);
    ent_pg_p_text(&p, e->object);
    ent_pg_p_text(&p, e->before);
    ent_pg_p_text(&p, e->after);
    ent_pg_p_int(&p, e->created_ms);
    return ent_pg_exec_done((struct pg_session *)base,
                            "INSERT INTO events (id, type, actor, account_id, object_id,"
                            " before, after, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                            &p, NULL, "insert event");
}

int
ent_pg_event_get(struct ent_store_session *base, struct ent_arena *a, const char *id,
                 struct ent_event *out)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, id);
    return ent_pg_get((struct pg_session *)base,
                      "SELECT " ENT_ROWS_EVENT_COLUMNS " FROM events WHERE id = $1", &p,
                      ent_rows_event, a, out, "get event");
}
