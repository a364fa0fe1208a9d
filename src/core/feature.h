/* SPDX-License-Identifier: MIT */
/*
 * feature.h: the rules of features (seed 001): which levels each type may have, which values a
 * grant may give, "unlimited", and the display names generated for levels and values.
 * Pure: the caller's arena holds every string made here.
 */
#ifndef ENT_CORE_FEATURE_H
#define ENT_CORE_FEATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include <entitled.h>

#define ENT_FEATURE_MAX_LEVELS 100
#define ENT_LEVEL_VALUE_MAX 64

/*
 * Checks a feature's definition and normalises it in place: numeric levels sorted with the
 * unlimited level last, "unlimited" lower-cased, level names generated where none is given.
 * The rules per type:
 *  - switch: no levels, no reset period;
 *  - quantity: one or more whole-number levels, at most one unlimited level;
 *  - range: exactly two whole-number bounds, lower <= upper, plus optionally an unlimited
 *    level (then the upper bound may be left out: any number >= lower is valid);
 *  - custom: one or more distinct named levels, lowest first; no unlimited level;
 *  - metered: a reset period; levels optional, as for quantity.
 * Errors: ENT_EINVAL (with the field at fault: "levels[1].value", "reset_period"), ENT_ENOMEM.
 */
int ent_feature_check(struct ent_feature *f, struct ent_arena *a, struct ent_error *err);

/*
 * Checks that value may be granted of feature f and normalises it: "unlimited" lower-cased,
 * switches to "true" or "false" ("available" means true). field names the value in errors.
 * OUT normalized: the value to store (in a, or a static string).
 * Errors: ENT_EINVAL, ENT_ENOMEM.
 */
int ent_feature_check_value(const struct ent_feature *f, const char *value, const char *field,
                            struct ent_arena *a, const char **normalized, struct ent_error *err);

/*
 * The display name of a normalised value of f: "20 users", "1 user", "Unlimited users",
 * "pro", "Available", "Not Available". NULL when out of memory.
 */
const char *ent_feature_display_name(const struct ent_feature *f, const char *value,
                                     struct ent_arena *a);

/* The plural of an English unit ("user" -> "users", "box" -> "boxes", "query" -> "queries"). */
const char *ent_feature_plural(const char *unit, struct ent_arena *a);

/* True when value is "unlimited", in any case. */
bool ent_feature_value_is_unlimited(const char *value);

/* True when one of f's levels is unlimited. */
bool ent_feature_allows_unlimited(const struct ent_feature *f);

/* True when values of f are whole numbers (quantity, range, metered). */
bool ent_feature_is_numeric(enum ent_feature_type t);

#endif /* ENT_CORE_FEATURE_H */
