/* SPDX-License-Identifier: MIT */
/*
 * sqlite_features.c: the features of the catalog (table features) and their levels
 * (feature_levels), on SQLite.
 */
#include "core/str.h"
#include "store/sqlite_int.h"
#include "store/store.h"

/* Room for the folded form of a name (at most ENT_NAME_MAX bytes) or a key. */
#define FOLDED_MAX (ENT_NAME_MAX + 1)

/* Replaces the levels of feature f. */
static int
write_levels(struct sqlite_session *s, const struct ent_feature *f)
{
    sqlite3_stmt *st = ent_sqlite_prep(s, "DELETE FROM feature_levels WHERE feature_id = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, f->id);
    int code = ent_sqlite_exec_done(s, st, "delete levels");
    for (size_t i = 0; code == ENT_OK && i < f->n_levels; i++) {
        st = ent_sqlite_prep(
            s, "INSERT INTO feature_levels (feature_id, position, value, name, is_unlimited)"
               " VALUES (?1, ?2, ?3, ?4, ?5)");
        if (!st)
            return ENT_ESTORE;
        ent_sqlite_bind_text(st, 1, f->id);
        sqlite3_bind_int64(st, 2, (int64_t)i);
        ent_sqlite_bind_text(st, 3, f->levels[i].value);
        ent_sqlite_bind_text(st, 4, f->levels[i].name);
        sqlite3_bind_int(st, 5, f->levels[i].is_unlimited);
        code = ent_sqlite_exec_done(s, st, "insert level");
    }
    return code;
}

/*
 * Binds the columns shared by feature insert and update (?1 id … ?11 created_ms, ?12 the
 * name's folded form). Returns false when the name is too long to fold (the service refuses
 * such names first).
 */
static bool
bind_feature(sqlite3_stmt *st, const struct ent_feature *f)
{
    char folded[FOLDED_MAX];
    if (!ent_str_fold(f->name, folded, sizeof(folded)))
        return false;
    sqlite3_bind_text(st, 12, folded, -1, SQLITE_TRANSIENT);
    ent_sqlite_bind_text(st, 1, f->id);
    ent_sqlite_bind_text(st, 2, f->key);
    ent_sqlite_bind_text(st, 3, f->name);
    ent_sqlite_bind_text(st, 4, ent_feature_type_name(f->type));
    ent_sqlite_bind_text(st, 5, f->unit);
    ent_sqlite_bind_text(st, 6, f->reset_period ? ent_period_name(f->reset_period) : NULL);
    sqlite3_bind_int(st, 7, f->activations_enabled);
    ent_sqlite_bind_text(st, 8, ent_status_name(f->status));
    ent_sqlite_bind_text(st, 9, f->attributes ? f->attributes : "{}");
    sqlite3_bind_int64(st, 10, f->updated_ms);
    sqlite3_bind_int64(st, 11, f->created_ms);
    return true;
}

int
ent_sqlite_feature_insert(struct ent_store_session *base, const struct ent_feature *f)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "INSERT INTO features (id, key, name, type, unit, reset_period,"
                           " activations_enabled, status, attributes, updated_ms, created_ms,"
                           " name_folded) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
                           " ?12)");
    if (!st)
        return ENT_ESTORE;
    if (!bind_feature(st, f)) {
        sqlite3_reset(st);
        return ENT_ESTORE;
    }
    int code = ent_sqlite_exec_done(s, st, "insert feature");
    return code == ENT_OK ? write_levels(s, f) : code;
}

int
ent_sqlite_feature_update(struct ent_store_session *base, const struct ent_feature *f)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "UPDATE features SET key = ?2, name = ?3, type = ?4, unit = ?5,"
                           " reset_period = ?6, activations_enabled = ?7, status = ?8,"
                           " attributes = ?9, updated_ms = ?10, name_folded = CASE WHEN"
                           " name = ?3 THEN name_folded ELSE ?12 END"
                           " WHERE id = ?1 AND ?11 IS NOT NULL");
    if (!st)
        return ENT_ESTORE;
    if (!bind_feature(st, f)) {
        sqlite3_reset(st);
        return ENT_ESTORE;
    }
    int code = ent_sqlite_exec_one(s, st, "update feature");
    return code == ENT_OK ? write_levels(s, f) : code;
}

int
ent_sqlite_feature_delete(struct ent_store_session *base, const char *id)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st = ent_sqlite_prep(s, "DELETE FROM features WHERE id = ?1");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id);
    return ent_sqlite_exec_one(s, st, "delete feature");
}

/* Reads the levels of feature out->id into out. */
static int
read_levels(struct sqlite_session *s, struct ent_arena *a, struct ent_feature *out)
{
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "SELECT " ENT_ROWS_LEVEL_COLUMNS ", (SELECT count(*) FROM feature_levels"
                           " WHERE feature_id = ?1) FROM feature_levels"
                           " WHERE feature_id = ?1 ORDER BY position");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, out->id);
    return ent_sqlite_get_all(s, st, 3, ent_rows_level, sizeof(*out->levels), a,
                              (void **)&out->levels, &out->n_levels, "levels");
}

int
ent_sqlite_feature_get(struct ent_store_session *base, struct ent_arena *a, const char *id_or_key,
                       struct ent_feature *out)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    sqlite3_stmt *st =
        ent_sqlite_prep(s, "SELECT " ENT_ROWS_FEATURE_COLUMNS
                           " FROM features WHERE id = ?1 OR key = ?1 COLLATE NOCASE");
    if (!st)
        return ENT_ESTORE;
    ent_sqlite_bind_text(st, 1, id_or_key);
    int code = ent_sqlite_get(s, st, ent_rows_feature, a, out, "get feature");
    return code < 0 ? code : read_levels(s, a, out);
}

int
ent_sqlite_feature_product_count(struct ent_store_session *base, const char *feature_id, int64_t *n)
{
    return ent_sqlite_count_query(
        (struct sqlite_session *)base,
        "SELECT (SELECT count(*) FROM product_entitlements WHERE feature_id = ?1)"
        " + (SELECT count(*) FROM entitlements WHERE feature_id = ?1)"
        " + (SELECT count(*) FROM usage_events WHERE feature_id = ?1)"
        " + (SELECT count(*) FROM activations WHERE feature_id = ?1)",
        feature_id, n);
}

/*
 * Whether another feature than except_id (NULL: none) holds name, ASCII case-insensitively
 * (its folded form; a feature that shared its name before names were unique holds none).
 */
int
ent_sqlite_feature_name_taken(struct ent_store_session *base, const char *name,
                              const char *except_id, bool *taken)
{
    struct sqlite_session *s = (struct sqlite_session *)base;
    char folded[FOLDED_MAX];
    *taken = false;
    if (!ent_str_fold(name, folded, sizeof(folded)))
        return ENT_OK; /* longer than any stored name */
    sqlite3_stmt *st = ent_sqlite_prep(s, "SELECT count(*) FROM features WHERE name_folded = ?1"
                                          " AND id IS NOT ?2");
    if (!st)
        return ENT_ESTORE;
    sqlite3_bind_text(st, 1, folded, -1, SQLITE_TRANSIENT);
    ent_sqlite_bind_text(st, 2, except_id);
    int rc = ent_sqlite_step(s, st);
    if (rc != SQLITE_ROW) {
        int code = ent_sqlite_fail(s, rc, "feature name");
        sqlite3_reset(st);
        return code;
    }
    *taken = sqlite3_column_int64(st, 0) > 0;
    sqlite3_reset(st);
    return ENT_OK;
}
