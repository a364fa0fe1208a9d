/* SPDX-License-Identifier: MIT */
/*
 * pg_features.c: the features of the catalog (table features) and their levels
 * (feature_levels), on PostgreSQL.
 */
#include "core/str.h"
#include "store/pg_int.h"
#include "store/store.h"

/* Room for the folded form of a name (at most ENT_NAME_MAX bytes) or a key. */
#define FOLDED_MAX (ENT_NAME_MAX + 1)

/* Replaces the levels of feature f. */
static int
write_levels(struct pg_session *s, const struct ent_feature *f)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, f->id);
    int code = ent_pg_exec_done(s, "DELETE FROM feature_levels WHERE feature_id = $1", &p, NULL,
                                "delete levels");
    for (size_t i = 0; code == ENT_OK && i < f->n_levels; i++) {
        struct pg_params q = {0};
        ent_pg_p_text(&q, f->id);
        ent_pg_p_int(&q, (int64_t)i);
        ent_pg_p_text(&q, f->levels[i].value);
        ent_pg_p_text(&q, f->levels[i].name);
        ent_pg_p_int(&q, f->levels[i].is_unlimited);
        code = ent_pg_exec_done(s,
                                "INSERT INTO feature_levels (feature_id, position, value, name,"
                                " is_unlimited) VALUES ($1, $2, $3, $4, $5)",
                                &q, NULL, "insert level");
    }
    return code;
}

/* The parameters shared by feature insert and update ($1 id … $10 updated_ms). */
static void
feature_params(struct pg_params *p, const struct ent_feature *f)
{
    ent_pg_p_text(p, f->id);
    ent_pg_p_text(p, f->key);
    ent_pg_p_text(p, f->name);
    ent_pg_p_text(p, ent_feature_type_name(f->type));
    ent_pg_p_text(p, f->unit);
    ent_pg_p_text(p, f->reset_period ? ent_period_name(f->reset_period) : NULL);
    ent_pg_p_int(p, f->activations_enabled);
    ent_pg_p_text(p, ent_status_name(f->status));
    ent_pg_p_text(p, f->attributes ? f->attributes : "{}");
    ent_pg_p_int(p, f->updated_ms);
}

int
ent_pg_feature_insert(struct ent_store_session *base, const struct ent_feature *f)
{
    struct pg_session *s = (struct pg_session *)base;
    char folded[FOLDED_MAX];
    if (!ent_str_fold(f->name, folded, sizeof(folded)))
        return ENT_ESTORE; /* the service refuses such names first */
    struct pg_params p = {0};
    feature_params(&p, f);
    ent_pg_p_int(&p, f->created_ms);
    ent_pg_p_text(&p, folded);
    int code = ent_pg_exec_done(s,
                                "INSERT INTO features (id, key, name, type, unit, reset_period,"
                                " activations_enabled, status, attributes, updated_ms, created_ms,"
                                " name_folded)"
                                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                                &p, NULL, "insert feature");
    return code == ENT_OK ? write_levels(s, f) : code;
}

int
ent_pg_feature_update(struct ent_store_session *base, const struct ent_feature *f)
{
    struct pg_session *s = (struct pg_session *)base;
    char folded[FOLDED_MAX];
    if (!ent_str_fold(f->name, folded, sizeof(folded)))
        return ENT_ESTORE; /* the service refuses such names first */
    struct pg_params p = {0};
    feature_params(&p, f);
    ent_pg_p_text(&p, folded);
    int code = ent_pg_exec_one(s,
                               "UPDATE features SET key = $2, name = $3, type = $4, unit = $5,"
                               " reset_period = $6, activations_enabled = $7, status = $8,"
                               " attributes = $9, updated_ms = $10, name_folded = CASE WHEN"
                               " name = $3 THEN name_folded ELSE $11 END WHERE id = $1",
                               &p, "update feature");
    return code == ENT_OK ? write_levels(s, f) : code;
}

int
ent_pg_feature_delete(struct ent_store_session *base, const char *id)
{
    return ent_pg_delete_by_id((struct pg_session *)base, "DELETE FROM features WHERE id = $1", id,
                               "delete feature");
}

/* Reads the levels of feature out->id into out. */
static int
read_levels(struct pg_session *s, struct ent_arena *a, struct ent_feature *out)
{
    struct pg_params p = {0};
    ent_pg_p_text(&p, out->id);
    return ent_pg_get_all(s,
                          "SELECT " ENT_ROWS_LEVEL_COLUMNS " FROM feature_levels"
                          " WHERE feature_id = $1 ORDER BY position",
                          &p, ent_rows_level, sizeof(*out->levels), a, (void **)&out->levels,
                          &out->n_levels, "levels");
}

int
ent_pg_feature_get(struct ent_store_session *base, struct ent_arena *a, const char *id_or_key,
                   struct ent_feature *out)
{
    struct pg_session *s = (struct pg_session *)base;
    char folded[FOLDED_MAX];
    struct pg_params p = {0};
    ent_pg_p_text(&p, id_or_key);
    /* A key is matched in its ASCII lower case (no key is longer than a folded name). */
    ent_pg_p_text(&p, ent_str_fold(id_or_key, folded, sizeof(folded)) ? folded : NULL);
    int code = ent_pg_get(
        s, "SELECT " ENT_ROWS_FEATURE_COLUMNS " FROM features WHERE id = $1 OR lower(key) = $2", &p,
        ent_rows_feature, a, out, "get feature");
    return code < 0 ? code : read_levels(s, a, out);
}

int
ent_pg_feature_product_count(struct ent_store_session *base, const char *feature_id, int64_t *n)
{
    return ent_pg_count_query(
        (struct pg_session *)base,
        "SELECT (SELECT count(*) FROM product_entitlements WHERE feature_id = $1)"
        " + (SELECT count(*) FROM entitlements WHERE feature_id = $1)"
        " + (SELECT count(*) FROM usage_events WHERE feature_id = $1)"
        " + (SELECT count(*) FROM activations WHERE feature_id = $1)",
        feature_id, n);
}

/*
 * Whether another feature than except_id (NULL: none) holds name, ASCII case-insensitively
 * (its folded form; a feature that shared its name before names were unique holds none).
 */
int
ent_pg_feature_name_taken(struct ent_store_session *base, const char *name, const char *except_id,
                          bool *taken)
{
    char folded[FOLDED_MAX];
    *taken = false;
    if (!ent_str_fold(name, folded, sizeof(folded)))
        return ENT_OK; /* longer than any stored name */
    struct pg_params p = {0};
    ent_pg_p_text(&p, folded);
    ent_pg_p_text(&p, except_id ? except_id : "");
    int code;
    PGresult *r = ent_pg_exec((struct pg_session *)base,
                              "SELECT count(*) FROM features WHERE name_folded = $1 AND id <> $2",
                              &p, &code, "feature name");
    if (!r)
        return code;
    *taken = PQntuples(r) > 0 && ent_pg_int(r, 0, 0) > 0;
    PQclear(r);
    return ENT_OK;
}
