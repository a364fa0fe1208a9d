/* SPDX-License-Identifier: MIT */
/*
 * test_maintenance.c: unit tests of core/maintenance.c, until when maintenance line items cover
 * a line item (seed 004): one period, none in force, the edges of a period (its start belongs to
 * it, its end does not), renewals that follow on without a gap or overlap, a gap that stops the
 * coverage, a permanent period, a period starting later, and the order of the periods given.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/maintenance.h"
#include <entitled.h>

#define DAY 86400000LL

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Asserts that periods p cover t until `until`, reached by period `which`. */
static void
expect_until(const struct ent_maintenance_period *p, size_t n, int64_t t, int64_t until,
             size_t which)
{
    int64_t got = 0;
    size_t at = 99;
    assert_true(ent_maintenance_until(p, n, t, &got, &at));
    assert_int_equal(got, until);
    assert_int_equal(at, which);
}

/* Asserts that periods p do not cover t. */
static void
expect_none(const struct ent_maintenance_period *p, size_t n, int64_t t)
{
    int64_t got = 7;
    size_t at = 7;
    assert_false(ent_maintenance_until(p, n, t, &got, &at));
    assert_int_equal(got, 7); /* left as it was */
    assert_int_equal(at, 7);
}

static void
maintenance__one_period__covers_until_its_end(void **state)
{
    (void)state;
    struct ent_maintenance_period p[] = {{10 * DAY, 20 * DAY}};
    expect_until(p, N(p), 15 * DAY, 20 * DAY, 0);
    expect_until(p, N(p), 10 * DAY, 20 * DAY, 0);     /* its start belongs to it */
    expect_until(p, N(p), 20 * DAY - 1, 20 * DAY, 0); /* its last millisecond too */
    expect_none(p, N(p), 20 * DAY);                   /* its end does not */
    expect_none(p, N(p), 10 * DAY - 1);               /* before it starts */
}

static void
maintenance__no_period__covers_nothing(void **state)
{
    (void)state;
    expect_none(NULL, 0, 5 * DAY);
}

static void
maintenance__renewals_that_follow_on__carry_the_coverage(void **state)
{
    (void)state;
    /* a renewal starting the day the first ends, and one overlapping it */
    struct ent_maintenance_period p[] = {
        {0, 365 * DAY}, {365 * DAY, 730 * DAY}, {700 * DAY, 1000 * DAY}};
    expect_until(p, N(p), 100 * DAY, 1000 * DAY, 2);
    expect_until(p, N(p), 800 * DAY, 1000 * DAY, 2);
}

static void
maintenance__given_in_any_order__reach_as_far(void **state)
{
    (void)state;
    struct ent_maintenance_period p[] = {
        {700 * DAY, 1000 * DAY}, {365 * DAY, 730 * DAY}, {0, 365 * DAY}};
    expect_until(p, N(p), 100 * DAY, 1000 * DAY, 0);
}

static void
maintenance__a_gap__stops_the_coverage(void **state)
{
    (void)state;
    struct ent_maintenance_period p[] = {{0, 365 * DAY}, {366 * DAY, 730 * DAY}};
    expect_until(p, N(p), 100 * DAY, 365 * DAY, 0);
    expect_none(p, N(p), 365 * DAY); /* in the gap */
    expect_until(p, N(p), 400 * DAY, 730 * DAY, 1);
}

static void
maintenance__a_permanent_period__covers_for_good(void **state)
{
    (void)state;
    struct ent_maintenance_period p[] = {{0, 365 * DAY}, {300 * DAY, ENT_TIME_NONE}};
    expect_until(p, N(p), 100 * DAY, ENT_TIME_NONE, 1);
    expect_until(p, N(p), 9000 * DAY, ENT_TIME_NONE, 1);
    struct ent_maintenance_period only[] = {{5 * DAY, ENT_TIME_NONE}};
    expect_none(only, N(only), 4 * DAY);
    expect_until(only, N(only), 5 * DAY, ENT_TIME_NONE, 0);
}

static void
maintenance__a_period_starting_later__is_not_in_force_yet(void **state)
{
    (void)state;
    struct ent_maintenance_period p[] = {{100 * DAY, 200 * DAY}};
    expect_none(p, N(p), 50 * DAY);
}

static void
maintenance__the_same_end_twice__names_the_first(void **state)
{
    (void)state;
    struct ent_maintenance_period p[] = {{0, 10 * DAY}, {5 * DAY, 10 * DAY}};
    expect_until(p, N(p), 6 * DAY, 10 * DAY, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(maintenance__one_period__covers_until_its_end),
        cmocka_unit_test(maintenance__no_period__covers_nothing),
        cmocka_unit_test(maintenance__renewals_that_follow_on__carry_the_coverage),
        cmocka_unit_test(maintenance__given_in_any_order__reach_as_far),
        cmocka_unit_test(maintenance__a_gap__stops_the_coverage),
        cmocka_unit_test(maintenance__a_permanent_period__covers_for_good),
        cmocka_unit_test(maintenance__a_period_starting_later__is_not_in_force_yet),
        cmocka_unit_test(maintenance__the_same_end_twice__names_the_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
