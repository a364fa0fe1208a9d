/* SPDX-License-Identifier: MIT */
/*
 * feature.c: the rules of features (see feature.h), as seed 001 states them, extended to the
 * metered type. No I/O; strings come from the caller's arena.
 */
#include "core/feature.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"

bool
ent_feature_value_is_unlimited(const char *value)
{
    return ent_str_ieq(value, "unlimited");
}

bool
ent_feature_allows_unlimited(const struct ent_feature *f)
{
    for (size_t i = 0; i < f->n_levels; i++) {
        if (f->levels[i].is_unlimited)
            return true;
    }
    return false;
}

bool
ent_feature_is_numeric(enum ent_feature_type t)
{
    return t == ENT_FEATURE_QUANTITY || t == ENT_FEATURE_RANGE || t == ENT_FEATURE_METERED;
}

const char *
ent_feature_plural(const char *unit, struct ent_arena *a)
{
    static const struct {
        const char *one, *many;
    } irregular[] = {{"person", "people"}, {"child", "children"}, {"man", "men"},
                     {"woman", "women"},   {"foot", "feet"},      {"mouse", "mice"}};
    for (size_t i = 0; i < sizeof(irregular) / sizeof(irregular[0]); i++) {
        if (ent_str_ieq(unit, irregular[i].one))
            return irregular[i].many;
    }
    size_t n = strlen(unit);
    char last = n ? unit[n - 1] : '\0';
    char before = n > 1 ? unit[n - 2] : '\0';
    bool vowel_before = strchr("aeiouAEIOU", before) != NULL && before != '\0';
    if (last == 'y' && n > 1 && !vowel_before)
        return ent_arena_printf(a, "%.*sies", (int)(n - 1), unit);
    if (last == 's' || last == 'x' || last == 'z' || (before == 'c' && last == 'h') ||
        (before == 's' && last == 'h'))
        return ent_arena_printf(a, "%ses", unit);
    return ent_arena_printf(a, "%ss", unit);
}

const char *
ent_feature_display_name(const struct ent_feature *f, const char *value, struct ent_arena *a)
{
    switch (f->type) {
    case ENT_FEATURE_SWITCH:
        return strcmp(value, "true") == 0 ? "Available" : "Not Available";
    case ENT_FEATURE_CUSTOM:
        return value;
    case ENT_FEATURE_QUANTITY:
    case ENT_FEATURE_RANGE:
    case ENT_FEATURE_METERED:
        break;
    }
    bool unlimited = ent_feature_value_is_unlimited(value);
    if (!f->unit || !f->unit[0])
        return unlimited ? "Unlimited" : value;
    if (unlimited) {
        const char *many = ent_feature_plural(f->unit, a);
        return many ? ent_arena_printf(a, "Unlimited %s", many) : NULL;
    }
    if (strcmp(value, "1") == 0)
        return ent_arena_printf(a, "1 %s", f->unit);
    const char *plural = ent_feature_plural(f->unit, a);
    return plural ? ent_arena_printf(a, "%s %s", value, plural) : NULL;
}

/* Orders numeric levels by value, the unlimited level last. */
static int
compare_levels(const void *pa, const void *pb)
{
    const struct ent_level *x = pa, *y = pb;
    if (x->is_unlimited || y->is_unlimited)
        return (int)x->is_unlimited - (int)y->is_unlimited;
    int64_t vx = 0, vy = 0;
    ent_str_parse_whole(x->value, &vx);
    ent_str_parse_whole(y->value, &vy);
    return (vx > vy) - (vx < vy);
}

/* Records an error on field "levels[i].<member>". */
static void
level_error(struct ent_error *err, size_t i, const char *member, const char *message)
{
    char field[48];
    snprintf(field, sizeof(field), "levels[%zu].%s", i, member);
    ent_error_field(err, field, "%s", message);
}

/* Normalises level i's value and unlimited flag; records errors under "levels[i]". */
static void
check_level(struct ent_feature *f, size_t i, struct ent_error *err)
{
    struct ent_level *l = &f->levels[i];
    bool numeric = ent_feature_is_numeric(f->type);
    if (l->value && ent_feature_value_is_unlimited(l->value))
        l->is_unlimited = true;
    if (l->is_unlimited) {
        if (!numeric) {
            level_error(err, i, "is_unlimited", "only numeric features may be unlimited");
            return;
        }
        if (l->value && !ent_feature_value_is_unlimited(l->value)) {
            level_error(err, i, "value", "an unlimited level has the value unlimited");
            return;
        }
        l->value = "unlimited";
        return;
    }
    if (!l->value || !l->value[0]) {
        level_error(err, i, "value", "is required");
        return;
    }
    if (strlen(l->value) > ENT_LEVEL_VALUE_MAX) {
        level_error(err, i, "value", "is longer than 64 characters");
        return;
    }
    if (numeric && !ent_str_parse_whole(l->value, NULL))
        level_error(err, i, "value", "is not a whole number");
}

/* Checks the number of levels and of unlimited levels for f's type. */
static void
check_level_counts(const struct ent_feature *f, struct ent_error *err)
{
    size_t unlimited = 0;
    for (size_t i = 0; i < f->n_levels; i++)
        unlimited += f->levels[i].is_unlimited;
    size_t bounds = f->n_levels - unlimited;
    if (unlimited > 1)
        ent_error_field(err, "levels", "has more than one unlimited level");
    switch (f->type) {
    case ENT_FEATURE_SWITCH:
        if (f->n_levels)
            ent_error_field(err, "levels", "a switch feature has no levels");
        break;
    case ENT_FEATURE_QUANTITY:
    case ENT_FEATURE_CUSTOM:
        if (f->n_levels == 0)
            ent_error_field(err, "levels", "needs at least one level");
        break;
    case ENT_FEATURE_RANGE:
        if (!(bounds == 2 || (bounds == 1 && unlimited == 1)))
            ent_error_field(err, "levels",
                            "a range has exactly two bounds (the upper may be unlimited)");
        break;
    case ENT_FEATURE_METERED:
        break;
    }
}

/* Refuses two levels with the same value (case-insensitively for custom levels). */
static void
check_distinct(const struct ent_feature *f, struct ent_error *err)
{
    for (size_t i = 0; i < f->n_levels; i++) {
        for (size_t j = 0; j < i; j++) {
            if (ent_str_ieq(f->levels[i].value, f->levels[j].value)) {
                level_error(err, i, "value", "repeats an earlier level");
                return;
            }
        }
    }
}

int
ent_feature_check(struct ent_feature *f, struct ent_arena *a, struct ent_error *err)
{
    struct ent_error local;
    if (!err) {
        ent_error_clear(&local);
        err = &local; /* the checks below need somewhere to count failures */
    }
    size_t before = err->n_fields + err->n_dropped;
    if (f->n_levels > ENT_FEATURE_MAX_LEVELS)
        return ent_error_field(err, "levels", "has more than %d levels", ENT_FEATURE_MAX_LEVELS);
    bool metered = f->type == ENT_FEATURE_METERED;
    if (metered && f->reset_period == ENT_PERIOD_NONE)
        ent_error_field(err, "reset_period", "is required for a metered feature");
    if (!metered && f->reset_period != ENT_PERIOD_NONE)
        ent_error_field(err, "reset_period", "is only for metered features");
    for (size_t i = 0; i < f->n_levels; i++)
        check_level(f, i, err);
    if (err->n_fields + err->n_dropped > before)
        return ENT_EINVAL;
    check_level_counts(f, err);
    check_distinct(f, err);
    if (err->n_fields + err->n_dropped > before)
        return ENT_EINVAL;
    if (ent_feature_is_numeric(f->type) && f->n_levels > 1)
        qsort(f->levels, f->n_levels, sizeof(f->levels[0]), compare_levels);
    if (f->type == ENT_FEATURE_RANGE && f->n_levels >= 2 && !f->levels[1].is_unlimited &&
        compare_levels(&f->levels[0], &f->levels[1]) == 0)
        return ent_error_field(err, "levels", "the lower bound equals the upper bound");
    for (size_t i = 0; i < f->n_levels; i++) {
        if (f->levels[i].name && f->levels[i].name[0])
            continue;
        f->levels[i].name = ent_feature_display_name(f, f->levels[i].value, a);
        if (!f->levels[i].name)
            return ENT_ENOMEM;
    }
    return ENT_OK;
}

/* Checks a whole-number value of a quantity, range or metered feature. */
static int
check_numeric_value(const struct ent_feature *f, const char *value, const char *field,
                    struct ent_error *err)
{
    int64_t v;
    if (!ent_str_parse_whole(value, &v))
        return ent_error_field(err, field, "must be a whole number or unlimited");
    if (f->n_levels == 0)
        return ENT_OK; /* a metered feature without levels: any whole number */
    bool unlimited = ent_feature_allows_unlimited(f);
    if (f->type == ENT_FEATURE_RANGE) {
        int64_t lo = 0, hi = 0;
        ent_str_parse_whole(f->levels[0].value, &lo);
        bool has_hi = f->n_levels > 1 && !f->levels[1].is_unlimited;
        if (has_hi)
            ent_str_parse_whole(f->levels[1].value, &hi);
        if (v < lo || (!unlimited && has_hi && v > hi)) {
            if (unlimited)
                return ent_error_field(err, field, "must be at least %lld or unlimited",
                                       (long long)lo);
            return ent_error_field(err, field, "must be between %lld and %lld", (long long)lo,
                                   (long long)hi);
        }
        return ENT_OK;
    }
    for (size_t i = 0; i < f->n_levels; i++) {
        if (!f->levels[i].is_unlimited && strcmp(f->levels[i].value, value) == 0)
            return ENT_OK;
    }
    return ent_error_field(err, field, "is not one of the feature's levels");
}

int
ent_feature_check_value(const struct ent_feature *f, const char *value, const char *field,
                        struct ent_arena *a, const char **normalized, struct ent_error *err)
{
    (void)a;
    if (!value || !value[0])
        return ent_error_field(err, field, "is required");
    switch (f->type) {
    case ENT_FEATURE_SWITCH:
        if (ent_str_ieq(value, "true") || ent_str_ieq(value, "available")) {
            *normalized = "true";
            return ENT_OK;
        }
        if (ent_str_ieq(value, "false")) {
            *normalized = "false";
            return ENT_OK;
        }
        return ent_error_field(err, field, "must be true, false or available");
    case ENT_FEATURE_CUSTOM:
        for (size_t i = 0; i < f->n_levels; i++) {
            if (strcmp(f->levels[i].value, value) == 0) {
                *normalized = f->levels[i].value;
                return ENT_OK;
            }
        }
        return ent_error_field(err, field, "is not one of the feature's levels");
    case ENT_FEATURE_QUANTITY:
    case ENT_FEATURE_RANGE:
    case ENT_FEATURE_METERED:
        break;
    }
    if (ent_feature_value_is_unlimited(value)) {
        if (!ent_feature_allows_unlimited(f))
            return ent_error_field(err, field, "unlimited is not a level of this feature");
        *normalized = "unlimited";
        return ENT_OK;
    }
    int rc = check_numeric_value(f, value, field, err);
    if (rc < 0)
        return rc;
    *normalized = value;
    return ENT_OK;
}
