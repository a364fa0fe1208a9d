/* SPDX-License-Identifier: MIT */
/*
 * sqlite_attribute_definitions.c: custom attribute definitions (table attribute_definitions),
 * on SQLite (seed 004, issue 17).
 */
#include "store/rows.h"
#include "store/sqlite_int.h"
#include "store/store.h"

int
ent_sqlite_attribute_definition_insert(struct ent_store_session *base,
                                       const struct ent_attribute_definition *d)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(
        s, "INSERT INTO attribute_definitions (" ENT_ROWS_ATTRIBUTE_DEFINITION_COLUMNS
           ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, d->id);
    ent_sqlite_bind_text(st, 2, ent_attribute_object_name(d->object));
    ent_sqlite_bind_text(st, 3, d->name);
    ent_sqlite_bind_text(st, 4, ent_attribute_type_name(d->type));
    sqlite3_bind_int(st, 5, d->required);
    ent_sqlite_bind_text(st, 6, d->description);
    sqlite3_bind_int64(st, 7, d->created_ms);
    sqlite3_bind_int64(st, 8, d->updated_ms);
    return ent_sqlite_exec_done(s, st, "insert attribute definition");
}

int
ent_sqlite_attribute_definition_get(struct ent_store_session *base, struct ent_arena *a,
                                    const char *id, struct ent_attribute_definition *out)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "SELECT " ENT_ROWS_ATTRIBUTE_DEFINITION_COLUMNS
                                          " FROM attribute_definitions WHERE id = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id);
    return ent_sqlite_get(s, st, ent_rows_attribute_definition, a, out, "get attribute definition");
}

int
ent_sqlite_attribute_definition_delete(struct ent_store_session *base, const char *id)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "DELETE FROM attribute_definitions WHERE id = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id);
    return ent_sqlite_exec_one(s, st, "delete attribute definition");
}

int
ent_sqlite_attribute_definitions_of(struct ent_store_session *base, struct ent_arena *a,
                                    enum ent_attribute_object object,
                                    struct ent_attribute_definition **out, size_t *n)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "SELECT " ENT_ROWS_ATTRIBUTE_DEFINITION_COLUMNS ", (SELECT count(*) FROM"
                           " attribute_definitions WHERE object = ?1) FROM attribute_definitions"
                           " WHERE object = ?1 ORDER BY name");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, ent_attribute_object_name(object));
    return ent_sqlite_get_all(s, st, 8, ent_rows_attribute_definition, sizeof(**out), a,
                              (void **)out, n, "attribute definitions of");
}
