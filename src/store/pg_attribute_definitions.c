/* SPDX-License-Identifier: MIT */
/*
 * pg_attribute_definitions.c: custom attribute definitions (table attribute_definitions), on
 * PostgreSQL (seed 004, issue 17).
 */
#include "store/pg_int.h"
#include "store/rows.h"
#include "store/store.h"

int
ent_pg_attribute_definition_insert(struct ent_store_session *base,
                                   const struct ent_attribute_definition *d)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, d->id);
    ent_pg_p_text(&p, ent_attribute_object_name(d->object));
    ent_pg_p_text(&p, d->name);
    ent_pg_p_text(&p, ent_attribute_type_name(d->type));
    ent_pg_p_int(&p, d->required);
    ent_pg_p_text(&p, d->description);
    ent_pg_p_int(&p, d->created_ms);
    ent_pg_p_int(&p, d->updated_ms);
    return ent_pg_exec_done(
        (struct pg_session *)base,
        "INSERT INTO attribute_definitions (" ENT_ROWS_ATTRIBUTE_DEFINITION_COLUMNS
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &p, NULL, "insert attribute definition");
}

int
ent_pg_attribute_definition_get(struct ent_store_session *base, struct ent_arena *a, const char *id,
                                struct ent_attribute_definition *out)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, id);
    return ent_pg_get((struct pg_session *)base,
                      "SELECT " ENT_ROWS_ATTRIBUTE_DEFINITION_COLUMNS
                      " FROM attribute_definitions WHERE id = $1",
                      &p, ent_rows_attribute_definition, a, out, "get attribute definition");
}

int
ent_pg_attribute_definition_delete(struct ent_store_session *base, const char *id)
{
    return ent_pg_delete_by_id((struct pg_session *)base,
                               "DELETE FROM attribute_definitions WHERE id = $1", id,
                               "delete attribute definition");
}

int
ent_pg_attribute_definitions_of(struct ent_store_session *base, struct ent_arena *a,
                                enum ent_attribute_object object,
                                struct ent_attribute_definition **out, size_t *n)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, ent_attribute_object_name(object));
    return ent_pg_get_all((struct pg_session *)base,
                          "SELECT " ENT_ROWS_ATTRIBUTE_DEFINITION_COLUMNS
                          " FROM attribute_definitions WHERE object = $1 ORDER BY name",
                          &p, ent_rows_attribute_definition, sizeof(**out), a, (void **)out, n,
                          "attribute definitions of");
}
