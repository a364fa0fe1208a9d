/* SPDX-License-Identifier: MIT */
/*
 * test_evaluate.c: unit tests of core/evaluate.c, the evaluation rules of DESIGN.md: how the
 * grants in force combine per feature type (switch any-on, sums of value x quantity, unlimited,
 * the highest custom level, overrides), the time boundaries of a grant (start inclusive, end
 * exclusive), the precedence of the reasons of an absent feature (suspended, pending, expired),
 * metered limits against usage, expires_at, invalid grant values, earliest_start and the names
 * of reasons. The rules are also pinned as data in tests/unit/cases/evaluate/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/evaluate.h"
#include "core/utc.h"
#include <entitled.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define CAP (INT64_MAX / 2)

/* 2026-01-01T00:00:00Z, 2026-02-01T00:00:00Z and 2026-03-01T00:00:00Z. */
#define JAN 1767225600000LL
#define FEB 1769904000000LL
#define MAR 1772323200000LL

static struct ent_level quantity_levels[] = {
    {.value = "5"}, {.value = "10"}, {.value = "20"}, {.value = "unlimited", .is_unlimited = true}};
/* Deliberately not in alphabetical order: "enterprise" < "pro" alphabetically. */
static struct ent_level custom_levels[] = {
    {.value = "basic"}, {.value = "pro"}, {.value = "enterprise"}};
static struct ent_level metered_levels[] = {
    {.value = "100"}, {.value = "1000"}, {.value = "unlimited", .is_unlimited = true}};

static const struct ent_feature switch_feature = {.key = "sso", .type = ENT_FEATURE_SWITCH};
static const struct ent_feature quantity_feature = {.key = "seats",
                                                    .type = ENT_FEATURE_QUANTITY,
                                                    .unit = "user",
                                                    .levels = quantity_levels,
                                                    .n_levels = ARRAY_LEN(quantity_levels),
                                                    .activations_enabled = true};
static const struct ent_feature custom_feature = {.key = "tier",
                                                  .type = ENT_FEATURE_CUSTOM,
                                                  .levels = custom_levels,
                                                  .n_levels = ARRAY_LEN(custom_levels)};
static const struct ent_feature metered_feature = {.key = "api-calls",
                                                   .type = ENT_FEATURE_METERED,
                                                   .unit = "call",
                                                   .levels = metered_levels,
                                                   .n_levels = ARRAY_LEN(metered_levels),
                                                   .reset_period = ENT_PERIOD_MONTH};

#define PERMANENT ENT_TIME_NONE /* a grant without an end; an answer without expiry */

/* An active, permanent, non-override grant of value x quantity, in force from JAN. */
static struct ent_grant
grant(const char *value, int64_t quantity)
{
    return (struct ent_grant){.value = value,
                              .quantity = quantity,
                              .start_ms = JAN,
                              .end_ms = PERMANENT,
                              .state = ENT_GRANT_ACTIVE};
}

/* An active grant of value x 1 in force over [start, end) (end PERMANENT: none). */
static struct ent_grant
dated(const char *value, int64_t start_ms, int64_t end_ms)
{
    struct ent_grant g = grant(value, 1);
    g.start_ms = start_ms;
    g.end_ms = end_ms;
    return g;
}

/* An override grant of value from start_ms, with the caller's source index. */
static struct ent_grant
override(const char *value, int64_t start_ms, size_t source)
{
    struct ent_grant g = dated(value, start_ms, PERMANENT);
    g.override = true;
    g.source = source;
    return g;
}

/*
 * Evaluates f over the n grants at t with usage into out, asserting ENT_OK. The result is an
 * OUT parameter, not a return value: its level may point into its own level_buf, which a copy
 * would leave behind.
 */
static void
eval(const struct ent_feature *f, const struct ent_grant *g, size_t n, int64_t t, int64_t usage,
     struct ent_evaluation *out)
{
    assert_int_equal(ent_evaluate(f, g, n, t, usage, out), ENT_OK);
}

/* Asserts the value, the reason (by name, for readable failures) and the level of e. */
static void
expect_answer(const struct ent_evaluation *e, bool value, const char *reason, const char *level)
{
    assert_string_equal(ent_reason_name(e->reason), reason);
    assert_int_equal(e->value, value);
    if (level)
        assert_string_equal(e->level, level);
    else
        assert_null(e->level);
}

/* ------------------------------------------------------------------------------------------ */
/* Combining                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/* A switch is on when any grant in force turns it on. */
static void
evaluate__switch_any_on__is_granted(void **state)
{
    (void)state;
    struct ent_grant g[] = {grant("false", 1), grant("true", 1), grant("false", 1)};
    struct ent_evaluation e;
    eval(&switch_feature, g, ARRAY_LEN(g), FEB, 0, &e);
    expect_answer(&e, true, "granted", "true");
    assert_true(e.granted);
    assert_false(e.has_limit);
    assert_int_equal(e.n_in_force, 3);
}

/* A switch that every grant in force turns off is granted but zero: not_granted. */
static void
evaluate__switch_all_off__is_not_granted(void **state)
{
    (void)state;
    struct ent_grant g[] = {grant("false", 1), grant("false", 3)};
    struct ent_evaluation e;
    eval(&switch_feature, g, ARRAY_LEN(g), FEB, 0, &e);
    expect_answer(&e, false, "not_granted", "false");
    assert_true(e.granted);
}

/* Quantities add up as value x quantity: 10 x 2 + 5 x 1 = 25, a level of its own. */
static void
evaluate__quantities__sum_value_times_quantity(void **state)
{
    (void)state;
    struct ent_grant g[] = {grant("10", 2), grant("5", 1)};
    struct ent_evaluation e;
    eval(&quantity_feature, g, ARRAY_LEN(g), FEB, 0, &e);
    expect_answer(&e, true, "granted", "25");
    assert_true(e.has_limit);
    assert_false(e.unlimited);
    assert_int_equal(e.limit, 25);
    assert_int_equal(e.remaining, 25);
}

/* One unlimited grant makes the sum unlimited, whatever the others give. */
static void
evaluate__unlimited_among_numbers__wins(void **state)
{
    (void)state;
    struct ent_grant g[] = {grant("10", 2), grant("unlimited", 1), grant("5", 1)};
    struct ent_evaluation e;
    eval(&quantity_feature, g, ARRAY_LEN(g), FEB, 7, &e);
    expect_answer(&e, true, "granted", "unlimited");
    assert_true(e.unlimited);
    assert_false(e.has_limit);
    assert_int_equal(e.limit, 0);
    assert_int_equal(e.remaining, 0);
    assert_int_equal(e.usage, 7);
}

/* A custom feature takes the highest level given, in the feature's order, not alphabetically. */
static void
evaluate__custom__takes_highest_level_in_level_order(void **state)
{
    (void)state;
    struct ent_grant g[] = {grant("pro", 1), grant("enterprise", 1), grant("basic", 1)};
    struct ent_evaluation e;
    eval(&custom_feature, g, ARRAY_LEN(g), FEB, 0, &e);
    expect_answer(&e, true, "granted", "enterprise");
    struct ent_grant g2[] = {grant("basic", 1), grant("pro", 1)};
    eval(&custom_feature, g2, ARRAY_LEN(g2), FEB, 0, &e);
    expect_answer(&e, true, "granted", "pro");
    assert_false(e.has_limit);
}

/* Of several overrides in force, the one with the latest start wins, over the combination. */
static void
evaluate__override__latest_start_wins(void **state)
{
    (void)state;
    struct ent_grant g[] = {grant("20", 3), override("5", FEB, 0), override("10", JAN, 1)};
    struct ent_evaluation e;
    eval(&quantity_feature, g, ARRAY_LEN(g), MAR, 0, &e);
    expect_answer(&e, true, "granted", "5");
    assert_int_equal(e.limit, 5);
    struct ent_grant c[] = {grant("enterprise", 1), override("basic", FEB, 0)};
    eval(&custom_feature, c, ARRAY_LEN(c), MAR, 0, &e);
    expect_answer(&e, true, "granted", "basic");
}

/* Two overrides starting at the same instant: the higher source index wins. */
static void
evaluate__override_tie__higher_source_wins(void **state)
{
    (void)state;
    struct ent_grant g[] = {override("10", FEB, 7), override("20", FEB, 3)};
    struct ent_evaluation e;
    eval(&quantity_feature, g, ARRAY_LEN(g), MAR, 0, &e);
    expect_answer(&e, true, "granted", "10");
    struct ent_grant r[] = {override("20", FEB, 3), override("10", FEB, 7)};
    eval(&quantity_feature, r, ARRAY_LEN(r), MAR, 0, &e);
    expect_answer(&e, true, "granted", "10");
}

/* An override that has not started yet does not replace anything. */
static void
evaluate__override_not_in_force__is_ignored(void **state)
{
    (void)state;
    struct ent_grant g[] = {grant("true", 1), override("false", MAR, 0)};
    struct ent_evaluation e;
    eval(&switch_feature, g, ARRAY_LEN(g), FEB, 0, &e);
    expect_answer(&e, true, "granted", "true");
}

/* An override to "false" turns a switch off: granted, but not_granted. */
static void
evaluate__override_false__turns_switch_off(void **state)
{
    (void)state;
    struct ent_grant g[] = {grant("true", 1), grant("true", 1), override("false", FEB, 0)};
    struct ent_evaluation e;
    eval(&switch_feature, g, ARRAY_LEN(g), MAR, 0, &e);
    expect_answer(&e, false, "not_granted", "false");
    assert_true(e.granted);
}

/* An override to "0" takes an unlimited quantity down to zero. */
static void
evaluate__override_zero__turns_quantity_off(void **state)
{
    (void)state;
    struct ent_grant g[] = {grant("unlimited", 1), override("0", FEB, 0)};
    struct ent_evaluation e;
    eval(&quantity_feature, g, ARRAY_LEN(g), MAR, 0, &e);
    expect_answer(&e, false, "not_granted", "0");
    assert_false(e.unlimited);
    assert_true(e.has_limit);
    assert_int_equal(e.limit, 0);
    assert_int_equal(e.remaining, 0);
}

/* Sums never overflow: they are clamped at INT64_MAX / 2. */
static void
evaluate__huge_sums__are_clamped(void **state)
{
    (void)state;
    struct ent_grant g[] = {grant("999999999999999999", 999999999999LL),
                            grant("999999999999999999", 1), grant("5", 1)};
    struct ent_evaluation e;
    eval(&quantity_feature, g, ARRAY_LEN(g), FEB, 0, &e);
    expect_answer(&e, true, "granted", "4611686018427387903");
    assert_int_equal(e.limit, CAP);
    struct ent_grant h[] = {grant("999999999999999999", 4), grant("999999999999999999", 1)};
    eval(&quantity_feature, h, ARRAY_LEN(h), FEB, INT64_MIN, &e);
    assert_int_equal(e.limit, CAP);
    assert_int_equal(e.remaining, CAP);
}

/* A quantity of 0 contributes nothing. */
static void
evaluate__quantity_zero__contributes_nothing(void **state)
{
    (void)state;
    struct ent_grant g[] = {grant("20", 0)};
    struct ent_evaluation e;
    eval(&quantity_feature, g, ARRAY_LEN(g), FEB, 0, &e);
    expect_answer(&e, false, "not_granted", "0");
    assert_true(e.granted);
}

/* ------------------------------------------------------------------------------------------ */
/* Time                                                                                        */
/* ------------------------------------------------------------------------------------------ */

/* In force from start (inclusive) to end (exclusive); before: pending; at end: expired. */
static void
evaluate__time_boundaries__start_inclusive_end_exclusive(void **state)
{
    (void)state;
    struct ent_grant g[] = {dated("true", FEB, MAR)};
    struct ent_evaluation e;
    eval(&switch_feature, g, 1, FEB, 0, &e);
    expect_answer(&e, true, "granted", "true");
    assert_int_equal(e.expires_at_ms, MAR);
    eval(&switch_feature, g, 1, MAR - 1, 0, &e);
    expect_answer(&e, true, "granted", "true");
    eval(&switch_feature, g, 1, MAR, 0, &e);
    expect_answer(&e, false, "expired", NULL);
    assert_false(e.granted);
    assert_int_equal(e.expires_at_ms, PERMANENT);
    eval(&switch_feature, g, 1, FEB - 1, 0, &e);
    expect_answer(&e, false, "pending", NULL);
}

/* A permanent grant is in force from its start on, however far ahead. */
static void
evaluate__permanent__never_expires(void **state)
{
    (void)state;
    struct ent_grant g[] = {dated("true", FEB, PERMANENT)};
    struct ent_evaluation e;
    eval(&switch_feature, g, 1, ENT_UTC_MAX_MS, 0, &e);
    expect_answer(&e, true, "granted", "true");
    assert_int_equal(e.expires_at_ms, PERMANENT);
}

/* With nothing in force: suspended before pending before expired before not_granted. */
static void
evaluate__absent__suspended_beats_pending_beats_expired(void **state)
{
    (void)state;
    struct ent_grant suspended = dated("true", JAN, MAR);
    suspended.state = ENT_GRANT_SUSPENDED;
    struct ent_grant pending = dated("true", MAR, PERMANENT);
    struct ent_grant expired = dated("true", JAN, FEB);
    struct ent_grant all[] = {expired, pending, suspended};
    struct ent_evaluation e;
    eval(&switch_feature, all, ARRAY_LEN(all), FEB, 0, &e);
    expect_answer(&e, false, "suspended", NULL);
    eval(&switch_feature, all, 2, FEB, 0, &e);
    expect_answer(&e, false, "pending", NULL);
    eval(&switch_feature, all, 1, FEB, 0, &e);
    expect_answer(&e, false, "expired", NULL);
    eval(&switch_feature, all, 0, FEB, 0, &e);
    expect_answer(&e, false, "not_granted", NULL);
    assert_false(e.granted);
}

/* A suspended grant outside its dates says pending or expired, not suspended. */
static void
evaluate__suspended_outside_dates__is_pending_or_expired(void **state)
{
    (void)state;
    struct ent_grant g[] = {dated("true", JAN, FEB)};
    g[0].state = ENT_GRANT_SUSPENDED;
    struct ent_evaluation e;
    eval(&switch_feature, g, 1, FEB, 0, &e);
    expect_answer(&e, false, "expired", NULL);
    eval(&switch_feature, g, 1, JAN - 1, 0, &e);
    expect_answer(&e, false, "pending", NULL);
}

/* A grant in force wins over any suspended one: the feature is granted. */
static void
evaluate__in_force_and_suspended__is_granted(void **state)
{
    (void)state;
    struct ent_grant g[] = {grant("10", 1), grant("20", 1)};
    g[1].state = ENT_GRANT_SUSPENDED;
    struct ent_evaluation e;
    eval(&quantity_feature, g, ARRAY_LEN(g), FEB, 0, &e);
    expect_answer(&e, true, "granted", "10");
    assert_int_equal(e.n_in_force, 1);
}

/* A revoked grant counts for nothing: not in force, no reason, value not even checked. */
static void
evaluate__revoked__is_ignored(void **state)
{
    (void)state;
    struct ent_grant g[] = {grant("true", 1), dated("true", MAR, PERMANENT),
                            dated("abc", JAN, PERMANENT)};
    for (size_t i = 0; i < ARRAY_LEN(g); i++)
        g[i].state = ENT_GRANT_REVOKED;
    struct ent_evaluation e;
    eval(&switch_feature, g, ARRAY_LEN(g), FEB, 0, &e);
    expect_answer(&e, false, "not_granted", NULL);
    assert_int_equal(e.n_in_force, 0);
}

/* expires_at is the latest end among grants in force; none as soon as one is permanent. */
static void
evaluate__expires_at__is_latest_end_in_force(void **state)
{
    (void)state;
    struct ent_grant g[] = {dated("5", JAN, FEB + 10), dated("5", JAN, MAR), dated("5", JAN, FEB),
                            dated("5", JAN, PERMANENT)};
    struct ent_evaluation e;
    eval(&quantity_feature, g, 3, FEB - 1, 0, &e);
    assert_int_equal(e.expires_at_ms, MAR);
    assert_int_equal(e.limit, 15);
    eval(&quantity_feature, g, 3, FEB, 0, &e);
    assert_int_equal(e.expires_at_ms, MAR);
    assert_int_equal(e.limit, 10);
    eval(&quantity_feature, g, 4, FEB, 0, &e);
    assert_int_equal(e.expires_at_ms, PERMANENT);
}

/* ------------------------------------------------------------------------------------------ */
/* Usage                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* Metered: remaining = limit - usage; value while remaining > 0, else limit_reached. */
static void
evaluate__metered__limit_usage_remaining(void **state)
{
    (void)state;
    struct ent_grant g[] = {grant("100", 1)};
    struct ent_evaluation e;
    eval(&metered_feature, g, 1, FEB, 40, &e);
    expect_answer(&e, true, "granted", "100");
    assert_true(e.has_limit);
    assert_int_equal(e.limit, 100);
    assert_int_equal(e.usage, 40);
    assert_int_equal(e.remaining, 60);
    eval(&metered_feature, g, 1, FEB, 99, &e);
    expect_answer(&e, true, "granted", "100");
    assert_int_equal(e.remaining, 1);
    eval(&metered_feature, g, 1, FEB, 100, &e);
    expect_answer(&e, false, "limit_reached", "100");
    assert_true(e.granted);
    assert_int_equal(e.remaining, 0);
    eval(&metered_feature, g, 1, FEB, 150, &e);
    expect_answer(&e, false, "limit_reached", "100");
    assert_int_equal(e.usage, 150);
    assert_int_equal(e.remaining, 0);
}

/* An unlimited metered feature never reaches a limit. */
static void
evaluate__metered_unlimited__never_limit_reached(void **state)
{
    (void)state;
    struct ent_grant g[] = {grant("100", 1), grant("unlimited", 1)};
    struct ent_evaluation e;
    eval(&metered_feature, g, ARRAY_LEN(g), FEB, INT64_MAX, &e);
    expect_answer(&e, true, "granted", "unlimited");
    assert_false(e.has_limit);
    assert_int_equal(e.usage, INT64_MAX);
}

/* A metered feature with a zero limit is not granted, rather than at its limit. */
static void
evaluate__metered_zero__is_not_granted(void **state)
{
    (void)state;
    struct ent_grant g[] = {grant("0", 1)};
    struct ent_evaluation e;
    eval(&metered_feature, g, 1, FEB, 0, &e);
    expect_answer(&e, false, "not_granted", "0");
}

/* Live activations on a quantity feature are reported but never change the value. */
static void
evaluate__activations_usage__does_not_change_quantity_value(void **state)
{
    (void)state;
    struct ent_grant g[] = {grant("20", 1)};
    struct ent_evaluation e;
    eval(&quantity_feature, g, 1, FEB, 3, &e);
    expect_answer(&e, true, "granted", "20");
    assert_int_equal(e.usage, 3);
    assert_int_equal(e.remaining, 17);
    eval(&quantity_feature, g, 1, FEB, 25, &e);
    expect_answer(&e, true, "granted", "20");
    assert_int_equal(e.remaining, 0);
}

/* A negative usage does not raise remaining above the limit. */
static void
evaluate__negative_usage__counts_as_zero(void **state)
{
    (void)state;
    struct ent_grant g[] = {grant("100", 1)};
    struct ent_evaluation e;
    eval(&metered_feature, g, 1, FEB, -5, &e);
    assert_int_equal(e.remaining, 100);
    assert_int_equal(e.usage, -5);
}

/* ------------------------------------------------------------------------------------------ */
/* Invalid input                                                                               */
/* ------------------------------------------------------------------------------------------ */

/* A grant whose value does not fit is skipped; the rest is evaluated; ENT_EINVAL. */
static void
evaluate__invalid_value__einval_but_rest_evaluated(void **state)
{
    (void)state;
    struct ent_evaluation e;
    struct ent_grant q[] = {grant("10", 1), grant("abc", 1), grant("5", 2)};
    assert_int_equal(ent_evaluate(&quantity_feature, q, ARRAY_LEN(q), FEB, 0, &e), ENT_EINVAL);
    expect_answer(&e, true, "granted", "20");
    assert_int_equal(e.n_in_force, 2);
    struct ent_grant s[] = {grant("yes", 1), grant("true", 1)};
    assert_int_equal(ent_evaluate(&switch_feature, s, ARRAY_LEN(s), FEB, 0, &e), ENT_EINVAL);
    expect_answer(&e, true, "granted", "true");
    struct ent_grant c[] = {grant("platinum", 1), grant("basic", 1)};
    assert_int_equal(ent_evaluate(&custom_feature, c, ARRAY_LEN(c), FEB, 0, &e), ENT_EINVAL);
    expect_answer(&e, true, "granted", "basic");
}

/* Each kind of unfit grant is refused: bad numbers, NULL, negative quantity, unknown state. */
static void
evaluate__unfit_grants__are_each_einval(void **state)
{
    (void)state;
    struct ent_grant bad[] = {grant("-5", 1), grant("05", 1),  grant("", 1),  grant(NULL, 1),
                              grant("5", -1), grant("1.5", 1), grant("20", 1)};
    bad[6].state = (enum ent_grant_state)0;
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        struct ent_evaluation e;
        assert_int_equal(ent_evaluate(&quantity_feature, &bad[i], 1, FEB, 0, &e), ENT_EINVAL);
        expect_answer(&e, false, "not_granted", NULL);
        assert_int_equal(e.n_in_force, 0);
    }
}

/* An unfit grant that is not in force is still reported: the code does not depend on time. */
static void
evaluate__unfit_grant_not_in_force__is_still_einval(void **state)
{
    (void)state;
    struct ent_grant g[] = {dated("abc", MAR, PERMANENT)};
    struct ent_evaluation e;
    assert_int_equal(ent_evaluate(&quantity_feature, g, 1, FEB, 0, &e), ENT_EINVAL);
    expect_answer(&e, false, "not_granted", NULL);
}

/* No feature: unknown_feature. */
static void
evaluate__no_feature__is_unknown_feature(void **state)
{
    (void)state;
    struct ent_grant g[] = {grant("true", 1)};
    struct ent_evaluation e;
    eval(NULL, g, 1, FEB, 0, &e);
    expect_answer(&e, false, "unknown_feature", NULL);
    assert_false(e.granted);
}

/* ------------------------------------------------------------------------------------------ */
/* earliest_start and reason names                                                            */
/* ------------------------------------------------------------------------------------------ */

/* The earliest start among grants in force; INT64_MIN when none is. */
static void
evaluate__earliest_start__of_grants_in_force(void **state)
{
    (void)state;
    struct ent_grant g[] = {dated("100", FEB, PERMANENT), dated("100", JAN - 10, FEB),
                            dated("100", JAN, PERMANENT), dated("100", MAR, PERMANENT),
                            dated("100", JAN - 20, PERMANENT)};
    g[4].state = ENT_GRANT_SUSPENDED;
    assert_int_equal(ent_evaluate_earliest_start(g, ARRAY_LEN(g), FEB), JAN);
    assert_int_equal(ent_evaluate_earliest_start(g, ARRAY_LEN(g), FEB - 1), JAN - 10);
    assert_int_equal(ent_evaluate_earliest_start(g, ARRAY_LEN(g), MAR + 5), JAN);
    assert_int_equal(ent_evaluate_earliest_start(g, 1, JAN), INT64_MIN);
    assert_int_equal(ent_evaluate_earliest_start(g, 0, FEB), INT64_MIN);
}

/* Every reason has its API spelling; other values have none. */
static void
evaluate__reason_names__are_the_api_spelling(void **state)
{
    (void)state;
    assert_string_equal(ent_reason_name(ENT_REASON_GRANTED), "granted");
    assert_string_equal(ent_reason_name(ENT_REASON_NOT_GRANTED), "not_granted");
    assert_string_equal(ent_reason_name(ENT_REASON_EXPIRED), "expired");
    assert_string_equal(ent_reason_name(ENT_REASON_PENDING), "pending");
    assert_string_equal(ent_reason_name(ENT_REASON_SUSPENDED), "suspended");
    assert_string_equal(ent_reason_name(ENT_REASON_LIMIT_REACHED), "limit_reached");
    assert_string_equal(ent_reason_name(ENT_REASON_UNKNOWN_FEATURE), "unknown_feature");
    assert_string_equal(ent_reason_name((enum ent_reason)0), "");
    assert_string_equal(ent_reason_name((enum ent_reason)99), "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(evaluate__switch_any_on__is_granted),
        cmocka_unit_test(evaluate__switch_all_off__is_not_granted),
        cmocka_unit_test(evaluate__quantities__sum_value_times_quantity),
        cmocka_unit_test(evaluate__unlimited_among_numbers__wins),
        cmocka_unit_test(evaluate__custom__takes_highest_level_in_level_order),
        cmocka_unit_test(evaluate__override__latest_start_wins),
        cmocka_unit_test(evaluate__override_tie__higher_source_wins),
        cmocka_unit_test(evaluate__override_not_in_force__is_ignored),
        cmocka_unit_test(evaluate__override_false__turns_switch_off),
        cmocka_unit_test(evaluate__override_zero__turns_quantity_off),
        cmocka_unit_test(evaluate__huge_sums__are_clamped),
        cmocka_unit_test(evaluate__quantity_zero__contributes_nothing),
        cmocka_unit_test(evaluate__time_boundaries__start_inclusive_end_exclusive),
        cmocka_unit_test(evaluate__permanent__never_expires),
        cmocka_unit_test(evaluate__absent__suspended_beats_pending_beats_expired),
        cmocka_unit_test(evaluate__suspended_outside_dates__is_pending_or_expired),
        cmocka_unit_test(evaluate__in_force_and_suspended__is_granted),
        cmocka_unit_test(evaluate__revoked__is_ignored),
        cmocka_unit_test(evaluate__expires_at__is_latest_end_in_force),
        cmocka_unit_test(evaluate__metered__limit_usage_remaining),
        cmocka_unit_test(evaluate__metered_unlimited__never_limit_reached),
        cmocka_unit_test(evaluate__metered_zero__is_not_granted),
        cmocka_unit_test(evaluate__activations_usage__does_not_change_quantity_value),
        cmocka_unit_test(evaluate__negative_usage__counts_as_zero),
        cmocka_unit_test(evaluate__invalid_value__einval_but_rest_evaluated),
        cmocka_unit_test(evaluate__unfit_grants__are_each_einval),
        cmocka_unit_test(evaluate__unfit_grant_not_in_force__is_still_einval),
        cmocka_unit_test(evaluate__no_feature__is_unknown_feature),
        cmocka_unit_test(evaluate__earliest_start__of_grants_in_force),
        cmocka_unit_test(evaluate__reason_names__are_the_api_spelling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
