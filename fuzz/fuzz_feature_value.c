/* SPDX-License-Identifier: MIT */
/*
 * fuzz_feature_value.c: libFuzzer target for the feature rules (core/feature.c). The input
 * describes a feature and values to grant of it:
 *   byte 0: type (b % 5 + 1); byte 1: reset period (b % 7);
 *   byte 2: the number of levels (b % 8; 0xff: one more than ENT_FEATURE_MAX_LEVELS);
 *   byte 3: is_unlimited of levels 0..7, one bit each;
 *   then '\n'-separated segments: the unit (empty: none), one segment per level ("value" or
 *   "value|name"; an empty value is no value), and every further segment a value to check.
 * The feature goes through ent_feature_check(); when it is valid, each value goes through
 * ent_feature_check_value().
 *
 * Invariants: ent_feature_check() answers ENT_OK or ENT_EINVAL (with a field); a checked
 * feature has a value and a display name on every level, numeric levels in ascending order
 * with the unlimited one last, and checking it again changes nothing; every level of a checked
 * feature is a value that may be granted; ent_feature_check_value() answers ENT_OK or
 * ENT_EINVAL (naming the field it was given); a normalised value checks again as valid and
 * normalises to itself; display names are never NULL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/feature.h"
#include "core/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SEGMENTS 256
#define HEADER_BYTES 4

/* Stops the run with a message: an invariant does not hold (libFuzzer saves the input). */
static void
fail(const char *what, const char *value, const struct ent_error *err)
{
    fprintf(stderr, "fuzz_feature_value: %s: \"%s\"", what, value ? value : "(null)");
    if (err)
        fprintf(stderr, " (%s: %s)", ent_error_name(err->code), err->message);
    fprintf(stderr, "\n");
    if (err && err->n_fields)
        fprintf(stderr, "fuzz_feature_value:   %s: %s\n", err->fields[0].field,
                err->fields[0].message);
    abort();
}

/* Checks value against the valid feature f (see the file header). */
static void
check_value(const struct ent_feature *f, const char *value, struct ent_arena *a)
{
    struct ent_error err;
    ent_error_clear(&err);
    const char *normalized = NULL;
    int rc = ent_feature_check_value(f, value, "value", a, &normalized, &err);
    if (rc != ENT_OK && rc != ENT_EINVAL)
        fail("ent_feature_check_value answered another code", value, &err);
    if (rc == ENT_EINVAL) {
        if (err.code != ENT_EINVAL || err.n_fields != 1 || strcmp(err.fields[0].field, "value"))
            fail("a refused value does not name its field", value, &err);
        return;
    }
    if (!normalized)
        fail("a valid value has no normalised form", value, &err);
    const char *again = NULL;
    ent_error_clear(&err);
    if (ent_feature_check_value(f, normalized, "value", a, &again, &err) != ENT_OK)
        fail("a normalised value is refused", normalized, &err);
    if (!again || strcmp(again, normalized) != 0)
        fail("a normalised value normalises to something else", normalized, NULL);
    if (!ent_feature_display_name(f, normalized, a))
        fail("a valid value has no display name", normalized, NULL);
}

/* Checks the shape of a feature that ent_feature_check() accepted. */
static void
check_levels(const struct ent_feature *f, struct ent_arena *a)
{
    bool numeric = ent_feature_is_numeric(f->type);
    for (size_t i = 0; i < f->n_levels; i++) {
        const struct ent_level *l = &f->levels[i];
        if (!l->value || !l->name)
            fail("a checked level has no value or no name", l->value, NULL);
        if (l->is_unlimited && (i + 1 != f->n_levels || strcmp(l->value, "unlimited") != 0))
            fail("the unlimited level is not last, or not \"unlimited\"", l->value, NULL);
        if (numeric && i > 0 && !l->is_unlimited) {
            int64_t prev = 0, cur = 0;
            if (!ent_str_parse_whole(f->levels[i - 1].value, &prev) ||
                !ent_str_parse_whole(l->value, &cur) || prev > cur)
                fail("numeric levels are not in ascending order", l->value, NULL);
        }
        check_value(f, l->value, a);
    }
}

/* Checks f again and compares: normalisation must be a fixed point. */
static void
check_again(const struct ent_feature *f, struct ent_arena *a)
{
    struct ent_feature copy = *f;
    copy.levels = ent_arena_calloc(a, f->n_levels ? f->n_levels : 1, sizeof(*f->levels));
    if (!copy.levels)
        abort();
    memcpy(copy.levels, f->levels, f->n_levels * sizeof(*f->levels));
    struct ent_error err;
    ent_error_clear(&err);
    if (ent_feature_check(&copy, a, &err) != ENT_OK)
        fail("a checked feature is refused when checked again", NULL, &err);
    for (size_t i = 0; i < f->n_levels; i++) {
        const struct ent_level *x = &f->levels[i], *y = &copy.levels[i];
        if (strcmp(x->value, y->value) != 0 || strcmp(x->name, y->name) != 0 ||
            x->is_unlimited != y->is_unlimited)
            fail("checking a checked feature again changed a level", x->value, NULL);
    }
}

/* Splits s at '\n' into at most MAX_SEGMENTS segments (s is modified). Returns the count. */
static size_t
split(char *s, char **segments)
{
    size_t n = 0;
    while (n < MAX_SEGMENTS) {
        segments[n++] = s;
        char *nl = strchr(s, '\n');
        if (!nl)
            break;
        *nl = '\0';
        s = nl + 1;
    }
    return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < HEADER_BYTES)
        return 0;
    struct ent_arena a;
    ent_arena_init(&a, 0);
    char *text = ent_arena_strndup(&a, (const char *)data + HEADER_BYTES, size - HEADER_BYTES);
    struct ent_level *levels = ent_arena_calloc(&a, ENT_FEATURE_MAX_LEVELS + 1, sizeof(*levels));
    char **segments = ent_arena_calloc(&a, MAX_SEGMENTS, sizeof(*segments));
    if (!text || !levels || !segments)
        abort();
    size_t n_segments = split(text, segments);

    struct ent_feature f;
    memset(&f, 0, sizeof(f));
    f.key = "fuzz";
    f.name = "Fuzz";
    f.type = (enum ent_feature_type)(data[0] % 5 + 1);
    f.reset_period = (enum ent_period)(data[1] % 7);
    f.n_levels = data[2] == 0xff ? ENT_FEATURE_MAX_LEVELS + 1 : data[2] % 8u;
    f.levels = levels;
    f.unit = segments[0][0] ? segments[0] : NULL;
    for (size_t i = 0; i < f.n_levels; i++) {
        levels[i].is_unlimited = i < 8 && (data[3] >> i) & 1u;
        char *seg = 1 + i < n_segments ? segments[1 + i] : NULL;
        char *bar = seg ? strchr(seg, '|') : NULL;
        if (bar) {
            *bar = '\0';
            levels[i].name = bar + 1;
        }
        levels[i].value = seg && seg[0] ? seg : NULL;
    }

    struct ent_error err;
    ent_error_clear(&err);
    int rc = ent_feature_check(&f, &a, &err);
    if (rc != ENT_OK && rc != ENT_EINVAL)
        fail("ent_feature_check answered another code", NULL, &err);
    if (rc == ENT_EINVAL && (err.code != ENT_EINVAL || err.n_fields + err.n_dropped == 0))
        fail("a refused feature names no field", NULL, &err);
    if (rc == ENT_OK) {
        check_levels(&f, &a);
        check_again(&f, &a);
        for (size_t i = 1 + f.n_levels; i < n_segments; i++)
            check_value(&f, segments[i], &a);
    }
    ent_arena_cleanup(&a);
    return 0;
}
