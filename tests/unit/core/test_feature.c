/* SPDX-License-Identifier: MIT */
/*
 * test_feature.c: unit tests of core/feature.c, the rules of seed 001 (001_f033e2afebd8cabe.txt)
 * as entitled extends them to metered features: which levels each feature type may define
 * (ent_feature_check, with the field at fault for every refusal), which values a product may
 * grant (ent_feature_check_value), and the display names generated for levels and values
 * ("20 users", "Unlimited users", "Available"). Every test gets a fresh arena and error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/feature.h"
#include <entitled.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
/* clang-format off */
#define LEVEL(v) {.value = (v)}
#define UNLIMITED_LEVEL {.value = NULL, .is_unlimited = true}
/* clang-format on */
#define VALUE_FIELD "entitlements[0].value"

struct fixture {
    struct ent_arena arena;
    struct ent_error err;
};

/* Gives each test a fresh arena and a cleared error. */
static int
setup(void **state)
{
    struct fixture *fx = test_calloc(1, sizeof(*fx));
    if (!fx)
        return -1;
    ent_arena_init(&fx->arena, 0);
    ent_error_clear(&fx->err);
    *state = fx;
    return 0;
}

/* Releases the fixture of setup(), and turns allocation failures off for the next test. */
static int
teardown(void **state)
{
    struct fixture *fx = *state;
    ent_alloc_fail_after(-1);
    ent_arena_cleanup(&fx->arena);
    test_free(fx);
    return 0;
}

/* A feature of type t with the given unit and levels (borrowed); metered ones reset monthly. */
static struct ent_feature
feature_of(enum ent_feature_type t, const char *unit, struct ent_level *levels, size_t n_levels)
{
    struct ent_feature f = {.type = t, .unit = unit, .levels = levels, .n_levels = n_levels};
    if (t == ENT_FEATURE_METERED)
        f.reset_period = ENT_PERIOD_MONTH;
    return f;
}

/* Runs ent_feature_check() on f with a cleared error. */
static int
check_feature(struct fixture *fx, struct ent_feature *f)
{
    ent_error_clear(&fx->err);
    return ent_feature_check(f, &fx->arena, &fx->err);
}

/* Asserts that f is a valid definition (and normalises it), showing the refusal otherwise. */
static void
expect_valid(struct fixture *fx, struct ent_feature *f)
{
    int rc = check_feature(fx, f);
    if (rc != ENT_OK)
        fail_msg("feature refused (rc %d): %s: %s", rc,
                 fx->err.n_fields ? fx->err.fields[0].field : "-",
                 fx->err.n_fields ? fx->err.fields[0].message : fx->err.message);
}

/* Checks value against f as the value of entitlements[0], with a cleared error. */
static int
check_value(struct fixture *fx, const struct ent_feature *f, const char *value,
            const char **normalized)
{
    ent_error_clear(&fx->err);
    *normalized = NULL;
    return ent_feature_check_value(f, value, VALUE_FIELD, &fx->arena, normalized, &fx->err);
}

/* rc is ENT_EINVAL and the first field error of err names path. */
#define assert_refused_at(rc, err, path)                                                           \
    do {                                                                                           \
        assert_int_equal((rc), ENT_EINVAL);                                                        \
        assert_int_equal((err)->code, ENT_EINVAL);                                                 \
        assert_true((err)->n_fields >= 1);                                                         \
        assert_string_equal((err)->fields[0].field, (path));                                       \
    } while (0)

/* ent_feature_check() refuses f and names path first. */
#define assert_feature_refused_at(fx, f, path)                                                     \
    do {                                                                                           \
        int rc_ = check_feature((fx), (f));                                                        \
        assert_refused_at(rc_, &(fx)->err, (path));                                                \
    } while (0)

/* value is accepted for f and normalised to expected. */
#define assert_value_accepted(fx, f, value, expected)                                              \
    do {                                                                                           \
        const char *norm_ = NULL;                                                                  \
        int rc_ = check_value((fx), (f), (value), &norm_);                                         \
        if (rc_ != ENT_OK)                                                                         \
            fail_msg("value \"%s\" refused: %s", (value),                                          \
                     (fx)->err.n_fields ? (fx)->err.fields[0].message : "");                       \
        assert_non_null(norm_);                                                                    \
        assert_string_equal(norm_, (expected));                                                    \
    } while (0)

/* value is refused for f, with the error on the value's field. */
#define assert_value_refused(fx, f, value)                                                         \
    do {                                                                                           \
        const char *norm_ = NULL;                                                                  \
        int rc_ = check_value((fx), (f), (value), &norm_);                                         \
        if (rc_ == ENT_OK)                                                                         \
            fail_msg("value \"%s\" accepted as \"%s\"", (value) ? (value) : "(null)",              \
                     norm_ ? norm_ : "(null)");                                                    \
        assert_refused_at(rc_, &(fx)->err, VALUE_FIELD);                                           \
    } while (0)

/* ------------------------------------------------------------------------------------------ */
/* Values: quantity                                                                            */
/* ------------------------------------------------------------------------------------------ */

static void
feature__quantity_value_that_is_a_level__is_accepted(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("5"), LEVEL("10"), LEVEL("20")};
    struct ent_feature f = feature_of(ENT_FEATURE_QUANTITY, "user", levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
    assert_value_accepted(fx, &f, "5", "5");
    assert_value_accepted(fx, &f, "10", "10");
    assert_value_accepted(fx, &f, "20", "20");
}

static void
feature__quantity_value_between_levels__is_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("5"), LEVEL("10"), LEVEL("20")};
    struct ent_feature f = feature_of(ENT_FEATURE_QUANTITY, "user", levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
    assert_value_refused(fx, &f, "15");
    assert_value_refused(fx, &f, "0");
    assert_value_refused(fx, &f, "21");
}

static void
feature__quantity_value_not_a_whole_number__is_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("5"), LEVEL("10")};
    struct ent_feature f = feature_of(ENT_FEATURE_QUANTITY, "user", levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
    static const char *const bad[] = {"ten", "-5", "5.0", "05", "+5", " 5", "5 ", "1e1", "0x5"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        assert_value_refused(fx, &f, bad[i]);
}

static void
feature__quantity_unlimited_without_unlimited_level__is_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("5"), LEVEL("10")};
    struct ent_feature f = feature_of(ENT_FEATURE_QUANTITY, "user", levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
    assert_value_refused(fx, &f, "unlimited");
    assert_value_refused(fx, &f, "Unlimited");
}

static void
feature__quantity_unlimited_in_any_case_with_unlimited_level__is_normalised(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("5"), LEVEL("10"), UNLIMITED_LEVEL};
    struct ent_feature f = feature_of(ENT_FEATURE_QUANTITY, "user", levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
    assert_value_accepted(fx, &f, "unlimited", "unlimited");
    assert_value_accepted(fx, &f, "Unlimited", "unlimited");
    assert_value_accepted(fx, &f, "UNLIMITED", "unlimited");
    assert_value_accepted(fx, &f, "uNlImItEd", "unlimited");
    /* The numeric levels stay valid, and only they. */
    assert_value_accepted(fx, &f, "10", "10");
    assert_value_refused(fx, &f, "11");
    assert_value_refused(fx, &f, "unlimitedx");
}

static void
feature__missing_or_empty_value__is_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("5")};
    struct ent_feature quantity = feature_of(ENT_FEATURE_QUANTITY, NULL, levels, 1);
    expect_valid(fx, &quantity);
    struct ent_feature toggle = feature_of(ENT_FEATURE_SWITCH, NULL, NULL, 0);
    expect_valid(fx, &toggle);
    assert_value_refused(fx, &quantity, "");
    assert_value_refused(fx, &quantity, NULL);
    assert_value_refused(fx, &toggle, "");
    assert_value_refused(fx, &toggle, NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Values: range                                                                               */
/* ------------------------------------------------------------------------------------------ */

static void
feature__range_value_within_bounds__is_accepted(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("1"), LEVEL("100")};
    struct ent_feature f = feature_of(ENT_FEATURE_RANGE, "seat", levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
    assert_value_accepted(fx, &f, "1", "1");
    assert_value_accepted(fx, &f, "2", "2");
    assert_value_accepted(fx, &f, "50", "50");
    assert_value_accepted(fx, &f, "99", "99");
    assert_value_accepted(fx, &f, "100", "100");
}

static void
feature__range_value_below_lower__is_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("1"), LEVEL("100")};
    struct ent_feature f = feature_of(ENT_FEATURE_RANGE, "seat", levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
    assert_value_refused(fx, &f, "0");
}

static void
feature__range_value_above_upper__is_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("1"), LEVEL("100")};
    struct ent_feature f = feature_of(ENT_FEATURE_RANGE, "seat", levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
    assert_value_refused(fx, &f, "101");
    assert_value_refused(fx, &f, "999999999999999999");
}

static void
feature__range_unlimited_without_unlimited_level__is_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("1"), LEVEL("100")};
    struct ent_feature f = feature_of(ENT_FEATURE_RANGE, "seat", levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
    assert_value_refused(fx, &f, "unlimited");
    assert_value_refused(fx, &f, "UNLIMITED");
}

static void
feature__range_value_not_a_whole_number__is_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("1"), LEVEL("100")};
    struct ent_feature f = feature_of(ENT_FEATURE_RANGE, "seat", levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
    assert_value_refused(fx, &f, "5.5");
    assert_value_refused(fx, &f, "-1");
    assert_value_refused(fx, &f, "050");
    assert_value_refused(fx, &f, "fifty");
}

static void
feature__range_with_unlimited_level__accepts_any_number_from_lower(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("10"), UNLIMITED_LEVEL};
    struct ent_feature f = feature_of(ENT_FEATURE_RANGE, "seat", levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
    assert_value_accepted(fx, &f, "10", "10");
    assert_value_accepted(fx, &f, "11", "11");
    assert_value_accepted(fx, &f, "999999999999999999", "999999999999999999");
    assert_value_accepted(fx, &f, "unlimited", "unlimited");
    assert_value_accepted(fx, &f, "Unlimited", "unlimited");
    assert_value_refused(fx, &f, "9");
    assert_value_refused(fx, &f, "0");
}

static void
feature__range_with_two_bounds_and_unlimited__accepts_numbers_above_upper(void **state)
{
    struct fixture *fx = *state;
    /* Seed 001: with an unlimited level, "any whole number equal to or greater than
     * levels[value][0]" is valid, so the upper bound no longer limits. */
    struct ent_level levels[] = {LEVEL("1"), LEVEL("100"), UNLIMITED_LEVEL};
    struct ent_feature f = feature_of(ENT_FEATURE_RANGE, "seat", levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
    assert_value_accepted(fx, &f, "1", "1");
    assert_value_accepted(fx, &f, "100", "100");
    assert_value_accepted(fx, &f, "101", "101");
    assert_value_accepted(fx, &f, "UNLIMITED", "unlimited");
    assert_value_refused(fx, &f, "0");
}

/* ------------------------------------------------------------------------------------------ */
/* Values: custom, switch, metered                                                             */
/* ------------------------------------------------------------------------------------------ */

static void
feature__custom_value_that_is_a_level__is_accepted(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("basic"), LEVEL("pro"), LEVEL("enterprise")};
    struct ent_feature f = feature_of(ENT_FEATURE_CUSTOM, NULL, levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
    assert_value_accepted(fx, &f, "basic", "basic");
    assert_value_accepted(fx, &f, "pro", "pro");
    assert_value_accepted(fx, &f, "enterprise", "enterprise");
}

static void
feature__custom_value_not_a_level__is_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("basic"), LEVEL("pro"), LEVEL("enterprise")};
    struct ent_feature f = feature_of(ENT_FEATURE_CUSTOM, NULL, levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
    assert_value_refused(fx, &f, "gold");
    assert_value_refused(fx, &f, "unlimited");
    assert_value_refused(fx, &f, "pr");
    assert_value_refused(fx, &f, "professional");
}

static void
feature__switch_true_or_available_in_any_case__is_true(void **state)
{
    struct fixture *fx = *state;
    struct ent_feature f = feature_of(ENT_FEATURE_SWITCH, NULL, NULL, 0);
    expect_valid(fx, &f);
    static const char *const yes[] = {"true",      "True",      "TRUE",
                                      "available", "Available", "AVAILABLE"};
    for (size_t i = 0; i < ARRAY_LEN(yes); i++)
        assert_value_accepted(fx, &f, yes[i], "true");
}

static void
feature__switch_false_in_any_case__is_false(void **state)
{
    struct fixture *fx = *state;
    struct ent_feature f = feature_of(ENT_FEATURE_SWITCH, NULL, NULL, 0);
    expect_valid(fx, &f);
    assert_value_accepted(fx, &f, "false", "false");
    assert_value_accepted(fx, &f, "False", "false");
    assert_value_accepted(fx, &f, "FALSE", "false");
}

static void
feature__switch_other_values__are_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_feature f = feature_of(ENT_FEATURE_SWITCH, NULL, NULL, 0);
    expect_valid(fx, &f);
    static const char *const bad[] = {"yes",        "no",    "1",     "0",         "on",
                                      "off",        "truee", "true ", "unlimited", "not available",
                                      "unavailable"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        assert_value_refused(fx, &f, bad[i]);
}

static void
feature__metered_without_levels__accepts_any_whole_number(void **state)
{
    struct fixture *fx = *state;
    struct ent_feature f = feature_of(ENT_FEATURE_METERED, "call", NULL, 0);
    expect_valid(fx, &f);
    assert_value_accepted(fx, &f, "0", "0");
    assert_value_accepted(fx, &f, "1", "1");
    assert_value_accepted(fx, &f, "5000", "5000");
    assert_value_accepted(fx, &f, "999999999999999999", "999999999999999999");
}

static void
feature__metered_without_levels__refuses_other_values(void **state)
{
    struct fixture *fx = *state;
    struct ent_feature f = feature_of(ENT_FEATURE_METERED, "call", NULL, 0);
    expect_valid(fx, &f);
    assert_value_refused(fx, &f, "-1");
    assert_value_refused(fx, &f, "1.5");
    assert_value_refused(fx, &f, "1e3");
    assert_value_refused(fx, &f, "007");
    assert_value_refused(fx, &f, "1000000000000000000"); /* 19 digits */
    assert_value_refused(fx, &f, "unlimited");           /* no unlimited level */
}

static void
feature__metered_with_levels__accepts_only_levels_like_quantity(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("100"), LEVEL("1000"), UNLIMITED_LEVEL};
    struct ent_feature f = feature_of(ENT_FEATURE_METERED, "call", levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
    assert_value_accepted(fx, &f, "100", "100");
    assert_value_accepted(fx, &f, "1000", "1000");
    assert_value_accepted(fx, &f, "UNLIMITED", "unlimited");
    assert_value_refused(fx, &f, "500");
    assert_value_refused(fx, &f, "1001");
}

/* ------------------------------------------------------------------------------------------ */
/* Levels: what each type may define                                                           */
/* ------------------------------------------------------------------------------------------ */

static void
feature__switch_with_levels__is_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("on")};
    struct ent_feature f = feature_of(ENT_FEATURE_SWITCH, NULL, levels, ARRAY_LEN(levels));
    assert_feature_refused_at(fx, &f, "levels");
}

static void
feature__switch_without_levels__is_accepted(void **state)
{
    struct fixture *fx = *state;
    struct ent_feature f = feature_of(ENT_FEATURE_SWITCH, NULL, NULL, 0);
    assert_int_equal(check_feature(fx, &f), ENT_OK);
    assert_int_equal(fx->err.n_fields, 0);
}

static void
feature__quantity_without_levels__is_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_feature f = feature_of(ENT_FEATURE_QUANTITY, "user", NULL, 0);
    assert_feature_refused_at(fx, &f, "levels");
}

static void
feature__custom_without_levels__is_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_feature f = feature_of(ENT_FEATURE_CUSTOM, NULL, NULL, 0);
    assert_feature_refused_at(fx, &f, "levels");
}

static void
feature__range_without_levels__is_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_feature f = feature_of(ENT_FEATURE_RANGE, "seat", NULL, 0);
    assert_feature_refused_at(fx, &f, "levels");
}

static void
feature__range_with_one_bound__is_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("10")};
    struct ent_feature f = feature_of(ENT_FEATURE_RANGE, "seat", levels, ARRAY_LEN(levels));
    assert_feature_refused_at(fx, &f, "levels");
}

static void
feature__range_with_three_bounds__is_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("1"), LEVEL("10"), LEVEL("100")};
    struct ent_feature f = feature_of(ENT_FEATURE_RANGE, "seat", levels, ARRAY_LEN(levels));
    assert_feature_refused_at(fx, &f, "levels");
}

static void
feature__range_with_only_an_unlimited_level__is_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {UNLIMITED_LEVEL};
    struct ent_feature f = feature_of(ENT_FEATURE_RANGE, "seat", levels, ARRAY_LEN(levels));
    assert_feature_refused_at(fx, &f, "levels");
}

static void
feature__range_with_one_bound_and_unlimited__is_accepted(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {UNLIMITED_LEVEL, LEVEL("10")};
    struct ent_feature f = feature_of(ENT_FEATURE_RANGE, "seat", levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
    assert_string_equal(f.levels[0].value, "10");
    assert_false(f.levels[0].is_unlimited);
    assert_string_equal(f.levels[1].value, "unlimited");
    assert_true(f.levels[1].is_unlimited);
}

static void
feature__range_with_two_bounds_and_unlimited__is_accepted(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("1"), LEVEL("100"), UNLIMITED_LEVEL};
    struct ent_feature f = feature_of(ENT_FEATURE_RANGE, "seat", levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
}

static void
feature__range_with_equal_bounds__is_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("5"), LEVEL("5")};
    struct ent_feature f = feature_of(ENT_FEATURE_RANGE, "seat", levels, ARRAY_LEN(levels));
    assert_feature_refused_at(fx, &f, "levels[1].value");
}

static void
feature__range_bounds_given_upper_first__are_sorted(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("100"), LEVEL("9")};
    struct ent_feature f = feature_of(ENT_FEATURE_RANGE, "seat", levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
    assert_string_equal(f.levels[0].value, "9");
    assert_string_equal(f.levels[1].value, "100");
    assert_value_accepted(fx, &f, "9", "9");
    assert_value_accepted(fx, &f, "100", "100");
    assert_value_refused(fx, &f, "8");
}

static void
feature__duplicate_quantity_levels__are_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("5"), LEVEL("10"), LEVEL("5")};
    struct ent_feature f = feature_of(ENT_FEATURE_QUANTITY, "user", levels, ARRAY_LEN(levels));
    assert_feature_refused_at(fx, &f, "levels[2].value");
}

static void
feature__duplicate_custom_levels_differing_in_case__are_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("basic"), LEVEL("pro"), LEVEL("Basic")};
    struct ent_feature f = feature_of(ENT_FEATURE_CUSTOM, NULL, levels, ARRAY_LEN(levels));
    assert_feature_refused_at(fx, &f, "levels[2].value");
}

static void
feature__two_unlimited_levels__are_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("5"), UNLIMITED_LEVEL, LEVEL("Unlimited")};
    struct ent_feature f = feature_of(ENT_FEATURE_QUANTITY, "user", levels, ARRAY_LEN(levels));
    assert_feature_refused_at(fx, &f, "levels");
}

static void
feature__custom_level_with_is_unlimited__is_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("basic"), UNLIMITED_LEVEL};
    struct ent_feature f = feature_of(ENT_FEATURE_CUSTOM, NULL, levels, ARRAY_LEN(levels));
    assert_feature_refused_at(fx, &f, "levels[1].is_unlimited");
}

static void
feature__switch_level_with_is_unlimited__is_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {UNLIMITED_LEVEL};
    struct ent_feature f = feature_of(ENT_FEATURE_SWITCH, NULL, levels, ARRAY_LEN(levels));
    int rc = check_feature(fx, &f);
    assert_int_equal(rc, ENT_EINVAL);
    assert_int_equal(fx->err.code, ENT_EINVAL);
}

static void
feature__unlimited_level_with_a_number__is_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("5"), {.value = "50", .is_unlimited = true}};
    struct ent_feature f = feature_of(ENT_FEATURE_QUANTITY, "user", levels, ARRAY_LEN(levels));
    assert_feature_refused_at(fx, &f, "levels[1].value");
}

static void
feature__numeric_level_not_a_whole_number__is_refused(void **state)
{
    struct fixture *fx = *state;
    static const char *const bad[] = {"ten", "05", "-5", "1.5", "+5", "1000000000000000000"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        struct ent_level levels[] = {LEVEL("5"), LEVEL(bad[i])};
        struct ent_feature f = feature_of(ENT_FEATURE_QUANTITY, "user", levels, ARRAY_LEN(levels));
        assert_feature_refused_at(fx, &f, "levels[1].value");
        struct ent_level bounds[] = {LEVEL(bad[i]), LEVEL("5")};
        struct ent_feature r = feature_of(ENT_FEATURE_RANGE, "seat", bounds, ARRAY_LEN(bounds));
        assert_feature_refused_at(fx, &r, "levels[0].value");
    }
}

static void
feature__level_without_value__is_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_level custom_levels[] = {LEVEL("basic"), LEVEL("")};
    struct ent_feature custom =
        feature_of(ENT_FEATURE_CUSTOM, NULL, custom_levels, ARRAY_LEN(custom_levels));
    assert_feature_refused_at(fx, &custom, "levels[1].value");

    struct ent_level quantity_levels[] = {LEVEL(NULL)};
    struct ent_feature quantity =
        feature_of(ENT_FEATURE_QUANTITY, "user", quantity_levels, ARRAY_LEN(quantity_levels));
    assert_feature_refused_at(fx, &quantity, "levels[0].value");
}

static void
feature__custom_level_longer_than_64__is_refused(void **state)
{
    struct fixture *fx = *state;
    char at_max[ENT_LEVEL_VALUE_MAX + 1];
    char too_long[ENT_LEVEL_VALUE_MAX + 2];
    memset(at_max, 'a', sizeof(at_max) - 1);
    at_max[sizeof(at_max) - 1] = '\0';
    memset(too_long, 'b', sizeof(too_long) - 1);
    too_long[sizeof(too_long) - 1] = '\0';

    struct ent_level ok_levels[] = {LEVEL(at_max)};
    struct ent_feature ok = feature_of(ENT_FEATURE_CUSTOM, NULL, ok_levels, 1);
    expect_valid(fx, &ok);

    struct ent_level bad_levels[] = {LEVEL(too_long)};
    struct ent_feature bad = feature_of(ENT_FEATURE_CUSTOM, NULL, bad_levels, 1);
    assert_feature_refused_at(fx, &bad, "levels[0].value");
}

static void
feature__more_than_100_levels__is_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[ENT_FEATURE_MAX_LEVELS + 1];
    char values[ENT_FEATURE_MAX_LEVELS + 1][8];
    for (size_t i = 0; i < ARRAY_LEN(levels); i++) {
        snprintf(values[i], sizeof(values[i]), "%zu", i + 1);
        levels[i] = (struct ent_level){.value = values[i]};
    }
    struct ent_feature at_max =
        feature_of(ENT_FEATURE_QUANTITY, "user", levels, ENT_FEATURE_MAX_LEVELS);
    expect_valid(fx, &at_max);

    for (size_t i = 0; i < ARRAY_LEN(levels); i++)
        levels[i] = (struct ent_level){.value = values[i]};
    struct ent_feature over = feature_of(ENT_FEATURE_QUANTITY, "user", levels, ARRAY_LEN(levels));
    assert_feature_refused_at(fx, &over, "levels");
}

static void
feature__metered_without_reset_period__is_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_feature f = feature_of(ENT_FEATURE_METERED, "call", NULL, 0);
    f.reset_period = ENT_PERIOD_NONE;
    assert_feature_refused_at(fx, &f, "reset_period");
}

static void
feature__metered_with_reset_period__is_accepted(void **state)
{
    struct fixture *fx = *state;
    static const enum ent_period periods[] = {ENT_PERIOD_HOUR,  ENT_PERIOD_DAY,  ENT_PERIOD_WEEK,
                                              ENT_PERIOD_MONTH, ENT_PERIOD_YEAR, ENT_PERIOD_NEVER};
    for (size_t i = 0; i < ARRAY_LEN(periods); i++) {
        struct ent_feature f = feature_of(ENT_FEATURE_METERED, "call", NULL, 0);
        f.reset_period = periods[i];
        expect_valid(fx, &f);
    }
}

static void
feature__non_metered_with_reset_period__is_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_level numbers[] = {LEVEL("1"), LEVEL("10")};
    struct ent_level names[] = {LEVEL("basic")};
    struct ent_feature features[] = {
        feature_of(ENT_FEATURE_SWITCH, NULL, NULL, 0),
        feature_of(ENT_FEATURE_QUANTITY, "user", numbers, ARRAY_LEN(numbers)),
        feature_of(ENT_FEATURE_RANGE, "user", numbers, ARRAY_LEN(numbers)),
        feature_of(ENT_FEATURE_CUSTOM, NULL, names, ARRAY_LEN(names)),
    };
    for (size_t i = 0; i < ARRAY_LEN(features); i++) {
        features[i].reset_period = ENT_PERIOD_DAY;
        assert_feature_refused_at(fx, &features[i], "reset_period");
    }
}

static void
feature__several_bad_levels__are_all_reported(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("x"), LEVEL("5"), LEVEL("y")};
    struct ent_feature f = feature_of(ENT_FEATURE_QUANTITY, "user", levels, ARRAY_LEN(levels));
    f.reset_period = ENT_PERIOD_DAY;
    int rc = check_feature(fx, &f);
    assert_int_equal(rc, ENT_EINVAL);
    assert_int_equal(fx->err.n_fields, 3);
    assert_string_equal(fx->err.fields[0].field, "reset_period");
    assert_string_equal(fx->err.fields[1].field, "levels[0].value");
    assert_string_equal(fx->err.fields[2].field, "levels[2].value");
}

/*
 * Regression: ent_feature_check once detected refusals by err->n_fields growing, so with
 * err == NULL (which ent_error_field() accepts) every level rule was skipped and an invalid
 * feature came back as ENT_OK.
 */
static void
feature__invalid_levels_without_error_struct__are_still_refused(void **state)
{
    struct fixture *fx = *state;
    struct ent_feature no_levels = feature_of(ENT_FEATURE_QUANTITY, "user", NULL, 0);
    assert_int_equal(ent_feature_check(&no_levels, &fx->arena, NULL), ENT_EINVAL);

    struct ent_level levels[] = {LEVEL("ten")};
    struct ent_feature bad_level = feature_of(ENT_FEATURE_QUANTITY, "user", levels, 1);
    assert_int_equal(ent_feature_check(&bad_level, &fx->arena, NULL), ENT_EINVAL);
}

/*
 * Regression: when the caller's error already held ENT_ERROR_MAX_FIELDS fields, new field
 * errors only raised n_dropped, n_fields did not grow, and ent_feature_check accepted the
 * invalid feature (ENT_OK, with "ten users" as a level name).
 */
static void
feature__invalid_levels_with_full_error_struct__are_still_refused(void **state)
{
    struct fixture *fx = *state;
    ent_error_clear(&fx->err);
    for (int i = 0; i < ENT_ERROR_MAX_FIELDS; i++)
        ent_error_field(&fx->err, "attributes", "field %d is wrong", i);
    struct ent_level levels[] = {LEVEL("ten")};
    struct ent_feature f = feature_of(ENT_FEATURE_QUANTITY, "user", levels, 1);
    assert_int_equal(ent_feature_check(&f, &fx->arena, &fx->err), ENT_EINVAL);
    assert_true(fx->err.n_dropped >= 1);
}

/* ------------------------------------------------------------------------------------------ */
/* Levels: normalisation and generated names                                                   */
/* ------------------------------------------------------------------------------------------ */

static void
feature__numeric_levels__are_sorted_with_unlimited_last(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {UNLIMITED_LEVEL, LEVEL("100"), LEVEL("20"), LEVEL("3")};
    struct ent_feature f = feature_of(ENT_FEATURE_QUANTITY, "user", levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
    assert_string_equal(f.levels[0].value, "3");
    assert_string_equal(f.levels[1].value, "20");
    assert_string_equal(f.levels[2].value, "100");
    assert_string_equal(f.levels[3].value, "unlimited");
    assert_true(f.levels[3].is_unlimited);
    for (size_t i = 0; i < 3; i++)
        assert_false(f.levels[i].is_unlimited);
}

static void
feature__metered_levels__are_sorted_too(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("10000"), UNLIMITED_LEVEL, LEVEL("900")};
    struct ent_feature f = feature_of(ENT_FEATURE_METERED, "call", levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
    assert_string_equal(f.levels[0].value, "900");
    assert_string_equal(f.levels[1].value, "10000");
    assert_string_equal(f.levels[2].value, "unlimited");
}

static void
feature__unlimited_level_value__is_lower_cased(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("UNLIMITED"), LEVEL("5")};
    struct ent_feature f = feature_of(ENT_FEATURE_QUANTITY, "user", levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
    assert_string_equal(f.levels[1].value, "unlimited");
    assert_true(f.levels[1].is_unlimited);
    assert_string_equal(f.levels[1].name, "Unlimited users");
}

static void
feature__custom_levels__keep_their_order(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("starter"), LEVEL("basic"), LEVEL("enterprise")};
    struct ent_feature f = feature_of(ENT_FEATURE_CUSTOM, NULL, levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
    assert_string_equal(f.levels[0].value, "starter");
    assert_string_equal(f.levels[1].value, "basic");
    assert_string_equal(f.levels[2].value, "enterprise");
}

static void
feature__level_names__are_generated_from_value_and_unit(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("20"), LEVEL("1"), UNLIMITED_LEVEL, LEVEL("0")};
    struct ent_feature f = feature_of(ENT_FEATURE_QUANTITY, "user", levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
    assert_string_equal(f.levels[0].name, "0 users");
    assert_string_equal(f.levels[1].name, "1 user");
    assert_string_equal(f.levels[2].name, "20 users");
    assert_string_equal(f.levels[3].name, "Unlimited users");
}

static void
feature__given_level_names__are_kept(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {{.value = "50", .name = "Team"},
                                 {.value = "5", .name = ""},
                                 {.value = "500", .name = "Company"}};
    struct ent_feature f = feature_of(ENT_FEATURE_QUANTITY, "seat", levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
    assert_string_equal(f.levels[0].name, "5 seats"); /* empty: generated */
    assert_string_equal(f.levels[1].name, "Team");
    assert_string_equal(f.levels[2].name, "Company");
}

static void
feature__custom_level_names__are_their_values(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("basic"), LEVEL("pro")};
    struct ent_feature f = feature_of(ENT_FEATURE_CUSTOM, "user", levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
    assert_string_equal(f.levels[0].name, "basic");
    assert_string_equal(f.levels[1].name, "pro");
}

static void
feature__level_names_without_unit__are_the_values(void **state)
{
    struct fixture *fx = *state;
    struct ent_level levels[] = {LEVEL("5"), UNLIMITED_LEVEL};
    struct ent_feature f = feature_of(ENT_FEATURE_QUANTITY, NULL, levels, ARRAY_LEN(levels));
    expect_valid(fx, &f);
    assert_string_equal(f.levels[0].name, "5");
    assert_string_equal(f.levels[1].name, "Unlimited");
}

static void
feature__range_and_metered_level_names__use_the_plural_unit(void **state)
{
    struct fixture *fx = *state;
    struct ent_level bounds[] = {LEVEL("1"), LEVEL("25")};
    struct ent_feature range = feature_of(ENT_FEATURE_RANGE, "seat", bounds, ARRAY_LEN(bounds));
    expect_valid(fx, &range);
    assert_string_equal(range.levels[0].name, "1 seat");
    assert_string_equal(range.levels[1].name, "25 seats");

    struct ent_level quota[] = {LEVEL("1000"), UNLIMITED_LEVEL};
    struct ent_feature metered = feature_of(ENT_FEATURE_METERED, "query", quota, ARRAY_LEN(quota));
    expect_valid(fx, &metered);
    assert_string_equal(metered.levels[0].name, "1000 queries");
    assert_string_equal(metered.levels[1].name, "Unlimited queries");
}

static void
feature__check_out_of_memory__is_enomem_until_it_succeeds(void **state)
{
    struct fixture *fx = *state;
    /* The OOM loop: fail allocation n for n = 0, 1, ... until the check succeeds. */
    for (long n = 0;; n++) {
        struct ent_arena arena;
        ent_arena_init(&arena, 0);
        struct ent_level levels[] = {LEVEL("20"), LEVEL("1"), UNLIMITED_LEVEL};
        struct ent_feature f = feature_of(ENT_FEATURE_QUANTITY, "user", levels, ARRAY_LEN(levels));
        ent_error_clear(&fx->err);
        ent_alloc_fail_after(n);
        int rc = ent_feature_check(&f, &arena, &fx->err);
        ent_alloc_fail_after(-1);
        if (rc == ENT_OK) {
            assert_string_equal(f.levels[0].name, "1 user");
            assert_string_equal(f.levels[1].name, "20 users");
            assert_string_equal(f.levels[2].name, "Unlimited users");
            ent_arena_cleanup(&arena);
            assert_true(n >= 1);
            break;
        }
        assert_int_equal(rc, ENT_ENOMEM);
        ent_arena_cleanup(&arena);
        assert_true(n < 100);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Display names of values                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* The display name of value for a feature of type t and unit. */
static const char *
display(struct fixture *fx, enum ent_feature_type t, const char *unit, const char *value)
{
    struct ent_feature f = feature_of(t, unit, NULL, 0);
    const char *name = ent_feature_display_name(&f, value, &fx->arena);
    assert_non_null(name);
    return name;
}

static void
feature__display_name_of_quantity__is_value_and_plural_unit(void **state)
{
    struct fixture *fx = *state;
    assert_string_equal(display(fx, ENT_FEATURE_QUANTITY, "user", "20"), "20 users");
    assert_string_equal(display(fx, ENT_FEATURE_QUANTITY, "user", "2"), "2 users");
}

static void
feature__display_name_of_one__is_singular(void **state)
{
    struct fixture *fx = *state;
    assert_string_equal(display(fx, ENT_FEATURE_QUANTITY, "user", "1"), "1 user");
    assert_string_equal(display(fx, ENT_FEATURE_QUANTITY, "query", "1"), "1 query");
}

static void
feature__display_name_of_zero__is_plural(void **state)
{
    struct fixture *fx = *state;
    assert_string_equal(display(fx, ENT_FEATURE_QUANTITY, "user", "0"), "0 users");
}

static void
feature__display_name_of_unlimited__is_unlimited_and_plural_unit(void **state)
{
    struct fixture *fx = *state;
    assert_string_equal(display(fx, ENT_FEATURE_QUANTITY, "user", "unlimited"), "Unlimited users");
    assert_string_equal(display(fx, ENT_FEATURE_QUANTITY, "user", "UNLIMITED"), "Unlimited users");
}

static void
feature__display_name_without_unit__is_value_or_unlimited(void **state)
{
    struct fixture *fx = *state;
    assert_string_equal(display(fx, ENT_FEATURE_QUANTITY, NULL, "20"), "20");
    assert_string_equal(display(fx, ENT_FEATURE_QUANTITY, NULL, "unlimited"), "Unlimited");
    assert_string_equal(display(fx, ENT_FEATURE_QUANTITY, "", "20"), "20");
    assert_string_equal(display(fx, ENT_FEATURE_QUANTITY, "", "unlimited"), "Unlimited");
    assert_string_equal(display(fx, ENT_FEATURE_QUANTITY, NULL, "1"), "1");
}

static void
feature__display_name_of_custom__is_the_value(void **state)
{
    struct fixture *fx = *state;
    assert_string_equal(display(fx, ENT_FEATURE_CUSTOM, NULL, "enterprise"), "enterprise");
    assert_string_equal(display(fx, ENT_FEATURE_CUSTOM, "user", "pro"), "pro");
}

static void
feature__display_name_of_switch__is_available_or_not(void **state)
{
    struct fixture *fx = *state;
    assert_string_equal(display(fx, ENT_FEATURE_SWITCH, NULL, "true"), "Available");
    assert_string_equal(display(fx, ENT_FEATURE_SWITCH, NULL, "false"), "Not Available");
}

static void
feature__display_name_of_range_and_metered__follow_quantity(void **state)
{
    struct fixture *fx = *state;
    assert_string_equal(display(fx, ENT_FEATURE_RANGE, "seat", "15"), "15 seats");
    assert_string_equal(display(fx, ENT_FEATURE_RANGE, "seat", "1"), "1 seat");
    assert_string_equal(display(fx, ENT_FEATURE_RANGE, "seat", "unlimited"), "Unlimited seats");
    assert_string_equal(display(fx, ENT_FEATURE_METERED, "query", "5000"), "5000 queries");
    assert_string_equal(display(fx, ENT_FEATURE_METERED, NULL, "5000"), "5000");
}

/* ------------------------------------------------------------------------------------------ */
/* Plurals and small predicates                                                                */
/* ------------------------------------------------------------------------------------------ */

/* Asserts that the plural of unit is expected. */
static void
expect_plural(struct fixture *fx, const char *unit, const char *expected)
{
    const char *plural = ent_feature_plural(unit, &fx->arena);
    assert_non_null(plural);
    if (strcmp(plural, expected) != 0)
        fail_msg("plural of \"%s\": got \"%s\", want \"%s\"", unit, plural, expected);
}

static void
feature__plural_of_regular_units__adds_s(void **state)
{
    struct fixture *fx = *state;
    expect_plural(fx, "user", "users");
    expect_plural(fx, "day", "days");
    expect_plural(fx, "seat", "seats");
    expect_plural(fx, "license", "licenses");
    expect_plural(fx, "key", "keys");
    expect_plural(fx, "GB", "GBs");
}

static void
feature__plural_of_sibilant_units__adds_es(void **state)
{
    struct fixture *fx = *state;
    expect_plural(fx, "box", "boxes");
    expect_plural(fx, "class", "classes");
    expect_plural(fx, "batch", "batches");
    expect_plural(fx, "bus", "buses");
    expect_plural(fx, "flash", "flashes");
}

static void
feature__plural_of_consonant_y__is_ies(void **state)
{
    struct fixture *fx = *state;
    expect_plural(fx, "query", "queries");
    expect_plural(fx, "company", "companies");
    expect_plural(fx, "Query", "Queries");
}

static void
feature__plural_of_irregular_units__is_the_irregular_form(void **state)
{
    struct fixture *fx = *state;
    expect_plural(fx, "person", "people");
    expect_plural(fx, "Person", "people");
    expect_plural(fx, "child", "children");
}

static void
feature__value_is_unlimited__in_any_case_only(void **state)
{
    (void)state;
    assert_true(ent_feature_value_is_unlimited("unlimited"));
    assert_true(ent_feature_value_is_unlimited("Unlimited"));
    assert_true(ent_feature_value_is_unlimited("UNLIMITED"));
    assert_false(ent_feature_value_is_unlimited("unlimite"));
    assert_false(ent_feature_value_is_unlimited("unlimited "));
    assert_false(ent_feature_value_is_unlimited(""));
    assert_false(ent_feature_value_is_unlimited(NULL));
}

static void
feature__is_numeric__for_quantity_range_and_metered_only(void **state)
{
    (void)state;
    assert_true(ent_feature_is_numeric(ENT_FEATURE_QUANTITY));
    assert_true(ent_feature_is_numeric(ENT_FEATURE_RANGE));
    assert_true(ent_feature_is_numeric(ENT_FEATURE_METERED));
    assert_false(ent_feature_is_numeric(ENT_FEATURE_SWITCH));
    assert_false(ent_feature_is_numeric(ENT_FEATURE_CUSTOM));
}

static void
feature__allows_unlimited__when_one_level_is_unlimited(void **state)
{
    (void)state;
    struct ent_level limited[] = {LEVEL("5"), LEVEL("10")};
    struct ent_level unlimited[] = {LEVEL("5"), {.value = "unlimited", .is_unlimited = true}};
    struct ent_feature a = feature_of(ENT_FEATURE_QUANTITY, NULL, limited, 2);
    struct ent_feature b = feature_of(ENT_FEATURE_QUANTITY, NULL, unlimited, 2);
    struct ent_feature none = feature_of(ENT_FEATURE_METERED, NULL, NULL, 0);
    assert_false(ent_feature_allows_unlimited(&a));
    assert_true(ent_feature_allows_unlimited(&b));
    assert_false(ent_feature_allows_unlimited(&none));
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        /* values */
        TEST(feature__quantity_value_that_is_a_level__is_accepted),
        TEST(feature__quantity_value_between_levels__is_refused),
        TEST(feature__quantity_value_not_a_whole_number__is_refused),
        TEST(feature__quantity_unlimited_without_unlimited_level__is_refused),
        TEST(feature__quantity_unlimited_in_any_case_with_unlimited_level__is_normalised),
        TEST(feature__missing_or_empty_value__is_refused),
        TEST(feature__range_value_within_bounds__is_accepted),
        TEST(feature__range_value_below_lower__is_refused),
        TEST(feature__range_value_above_upper__is_refused),
        TEST(feature__range_unlimited_without_unlimited_level__is_refused),
        TEST(feature__range_value_not_a_whole_number__is_refused),
        TEST(feature__range_with_unlimited_level__accepts_any_number_from_lower),
        TEST(feature__range_with_two_bounds_and_unlimited__accepts_numbers_above_upper),
        TEST(feature__custom_value_that_is_a_level__is_accepted),
        TEST(feature__custom_value_not_a_level__is_refused),
        TEST(feature__switch_true_or_available_in_any_case__is_true),
        TEST(feature__switch_false_in_any_case__is_false),
        TEST(feature__switch_other_values__are_refused),
        TEST(feature__metered_without_levels__accepts_any_whole_number),
        TEST(feature__metered_without_levels__refuses_other_values),
        TEST(feature__metered_with_levels__accepts_only_levels_like_quantity),
        /* level rules */
        TEST(feature__switch_with_levels__is_refused),
        TEST(feature__switch_without_levels__is_accepted),
        TEST(feature__quantity_without_levels__is_refused),
        TEST(feature__custom_without_levels__is_refused),
        TEST(feature__range_without_levels__is_refused),
        TEST(feature__range_with_one_bound__is_refused),
        TEST(feature__range_with_three_bounds__is_refused),
        TEST(feature__range_with_only_an_unlimited_level__is_refused),
        TEST(feature__range_with_one_bound_and_unlimited__is_accepted),
        TEST(feature__range_with_two_bounds_and_unlimited__is_accepted),
        TEST(feature__range_with_equal_bounds__is_refused),
        TEST(feature__range_bounds_given_upper_first__are_sorted),
        TEST(feature__duplicate_quantity_levels__are_refused),
        TEST(feature__duplicate_custom_levels_differing_in_case__are_refused),
        TEST(feature__two_unlimited_levels__are_refused),
        TEST(feature__custom_level_with_is_unlimited__is_refused),
        TEST(feature__switch_level_with_is_unlimited__is_refused),
        TEST(feature__unlimited_level_with_a_number__is_refused),
        TEST(feature__numeric_level_not_a_whole_number__is_refused),
        TEST(feature__level_without_value__is_refused),
        TEST(feature__custom_level_longer_than_64__is_refused),
        TEST(feature__more_than_100_levels__is_refused),
        TEST(feature__metered_without_reset_period__is_refused),
        TEST(feature__metered_with_reset_period__is_accepted),
        TEST(feature__non_metered_with_reset_period__is_refused),
        TEST(feature__several_bad_levels__are_all_reported),
        TEST(feature__invalid_levels_without_error_struct__are_still_refused),
        TEST(feature__invalid_levels_with_full_error_struct__are_still_refused),
        /* normalisation and names */
        TEST(feature__numeric_levels__are_sorted_with_unlimited_last),
        TEST(feature__metered_levels__are_sorted_too),
        TEST(feature__unlimited_level_value__is_lower_cased),
        TEST(feature__custom_levels__keep_their_order),
        TEST(feature__level_names__are_generated_from_value_and_unit),
        TEST(feature__given_level_names__are_kept),
        TEST(feature__custom_level_names__are_their_values),
        TEST(feature__level_names_without_unit__are_the_values),
        TEST(feature__range_and_metered_level_names__use_the_plural_unit),
        TEST(feature__check_out_of_memory__is_enomem_until_it_succeeds),
        /* display names */
        TEST(feature__display_name_of_quantity__is_value_and_plural_unit),
        TEST(feature__display_name_of_one__is_singular),
        TEST(feature__display_name_of_zero__is_plural),
        TEST(feature__display_name_of_unlimited__is_unlimited_and_plural_unit),
        TEST(feature__display_name_without_unit__is_value_or_unlimited),
        TEST(feature__display_name_of_custom__is_the_value),
        TEST(feature__display_name_of_switch__is_available_or_not),
        TEST(feature__display_name_of_range_and_metered__follow_quantity),
        /* plurals and predicates */
        TEST(feature__plural_of_regular_units__adds_s),
        TEST(feature__plural_of_sibilant_units__adds_es),
        TEST(feature__plural_of_consonant_y__is_ies),
        TEST(feature__plural_of_irregular_units__is_the_irregular_form),
        TEST(feature__value_is_unlimited__in_any_case_only),
        TEST(feature__is_numeric__for_quantity_range_and_metered_only),
        TEST(feature__allows_unlimited__when_one_level_is_unlimited),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
