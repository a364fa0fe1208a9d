/* SPDX-License-Identifier: MIT */
/*
 * test_window.c: unit tests of core/window.c, the reset windows of metered features in the UTC
 * calendar. Every period is pinned at its boundaries with exact instants: a window's first
 * millisecond belongs to it, its last millisecond (end - 1) too, and its end is the first
 * millisecond of the next window. Times are written in RFC 3339 and read with ent_utc_parse();
 * a few are also pinned as literal milliseconds so that the tests do not rest on the parser
 * alone. Also covered: month ends and leap days, ISO week 53, Sundays, times before 1970, the
 * limits of years 1 and 9999, `never`, and the buckets of usage series.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/utc.h"
#include "core/window.h"
#include <entitled.h>

#define HOUR_MS 3600000LL
#define DAY_MS 86400000LL

/* The milliseconds of an RFC 3339 time; fails the test when the text is not one. */
static int64_t
ms(const char *rfc3339)
{
    int64_t v = 0;
    if (!ent_utc_parse(rfc3339, false, &v))
        fail_msg("test data: not an RFC 3339 time: %s", rfc3339);
    return v;
}

/* Asserts that the window of p containing t is exactly [start, end). */
static void
expect_bounds(enum ent_period p, int64_t t, int64_t start, int64_t end)
{
    int64_t s = 0, e = 0;
    assert_true(ent_window_bounds(p, t, &s, &e));
    assert_int_equal(s, start);
    assert_int_equal(e, end);
}

/*
 * Asserts that the window of p containing time t is [start, end), all three as RFC 3339, and
 * pins its edges: start and end - 1 ms lie in the same window, and end lies in the next one.
 */
static void
expect_window(enum ent_period p, const char *t, const char *start, const char *end)
{
    int64_t s = ms(start), e = ms(end);
    expect_bounds(p, ms(t), s, e);
    expect_bounds(p, s, s, e);
    expect_bounds(p, e - 1, s, e);
    int64_t next_start = 0, next_end = 0;
    assert_true(ent_window_bounds(p, e, &next_start, &next_end));
    assert_int_equal(next_start, e);
    assert_true(next_end > e);
}

/* ------------------------------------------------------------------------------------------ */
/* Hour and day                                                                                */
/* ------------------------------------------------------------------------------------------ */

/* An hour runs from minute 0 to the next hour, exclusive. */
static void
window__hour__is_the_clock_hour(void **state)
{
    (void)state;
    expect_window(ENT_PERIOD_HOUR, "2026-03-15T10:30:00Z", "2026-03-15T10:00:00Z",
                  "2026-03-15T11:00:00Z");
    expect_window(ENT_PERIOD_HOUR, "2026-12-31T23:59:59.999Z", "2026-12-31T23:00:00Z",
                  "2027-01-01T00:00:00Z");
    /* 2026-03-15T10:00:00Z as literal milliseconds. */
    expect_bounds(ENT_PERIOD_HOUR, 1773568800000LL + 1, 1773568800000LL, 1773568800000LL + HOUR_MS);
}

/* A day runs from midnight UTC to the next midnight, exclusive. */
static void
window__day__is_the_utc_day(void **state)
{
    (void)state;
    expect_window(ENT_PERIOD_DAY, "2026-03-15T10:30:00Z", "2026-03-15T00:00:00Z",
                  "2026-03-16T00:00:00Z");
    expect_window(ENT_PERIOD_DAY, "2024-02-29T12:00:00Z", "2024-02-29T00:00:00Z",
                  "2024-03-01T00:00:00Z");
    expect_bounds(ENT_PERIOD_DAY, 0, 0, DAY_MS);
    expect_bounds(ENT_PERIOD_DAY, DAY_MS - 1, 0, DAY_MS);
}

/* ------------------------------------------------------------------------------------------ */
/* ISO week                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* A week runs from Monday 00:00 UTC to the next Monday. */
static void
window__week__starts_on_monday(void **state)
{
    (void)state;
    expect_window(ENT_PERIOD_WEEK, "2026-03-18T08:00:00Z", "2026-03-16T00:00:00Z",
                  "2026-03-23T00:00:00Z");
    expect_window(ENT_PERIOD_WEEK, "2026-03-16T00:00:00Z", "2026-03-16T00:00:00Z",
                  "2026-03-23T00:00:00Z");
    /* 1970-01-01 was a Thursday: its week began on Monday 1969-12-29 (day -3). */
    expect_bounds(ENT_PERIOD_WEEK, 0, -3 * DAY_MS, 4 * DAY_MS);
}

/* A Sunday belongs to the week that started the Monday before it, not the next one. */
static void
window__week_on_sunday__belongs_to_the_monday_before(void **state)
{
    (void)state;
    expect_window(ENT_PERIOD_WEEK, "2026-03-15T23:59:59.999Z", "2026-03-09T00:00:00Z",
                  "2026-03-16T00:00:00Z");
    expect_window(ENT_PERIOD_WEEK, "2026-03-15T00:00:00Z", "2026-03-09T00:00:00Z",
                  "2026-03-16T00:00:00Z");
}

/* 2026-12-31 (a Thursday) is in ISO week 53 of 2026, which runs into 2027. */
static void
window__week_53__spans_the_new_year(void **state)
{
    (void)state;
    expect_window(ENT_PERIOD_WEEK, "2026-12-31T12:00:00Z", "2026-12-28T00:00:00Z",
                  "2027-01-04T00:00:00Z");
    expect_window(ENT_PERIOD_WEEK, "2027-01-03T23:59:59.999Z", "2026-12-28T00:00:00Z",
                  "2027-01-04T00:00:00Z");
}

/* ------------------------------------------------------------------------------------------ */
/* Month and year                                                                              */
/* ------------------------------------------------------------------------------------------ */

/* January ends on the 31st: its window ends on February 1st. */
static void
window__month_of_january_31__ends_on_february_1(void **state)
{
    (void)state;
    expect_window(ENT_PERIOD_MONTH, "2026-01-31T18:00:00Z", "2026-01-01T00:00:00Z",
                  "2026-02-01T00:00:00Z");
    expect_window(ENT_PERIOD_MONTH, "2026-02-01T00:00:00Z", "2026-02-01T00:00:00Z",
                  "2026-03-01T00:00:00Z");
}

/* February 2026 has 28 days: its last millisecond is on the 28th, then comes March 1st. */
static void
window__month_of_february_2026__ends_on_march_1(void **state)
{
    (void)state;
    expect_window(ENT_PERIOD_MONTH, "2026-02-28T23:59:59.999Z", "2026-02-01T00:00:00Z",
                  "2026-03-01T00:00:00Z");
}

/* 2024 is a leap year: February 29th is inside February, which ends on March 1st. */
static void
window__month_of_leap_day__is_february(void **state)
{
    (void)state;
    expect_window(ENT_PERIOD_MONTH, "2024-02-29T12:00:00Z", "2024-02-01T00:00:00Z",
                  "2024-03-01T00:00:00Z");
    expect_window(ENT_PERIOD_MONTH, "2024-02-28T23:59:59.999Z", "2024-02-01T00:00:00Z",
                  "2024-03-01T00:00:00Z");
}

/* December's window ends on January 1st of the next year. */
static void
window__month_of_december__ends_in_the_next_year(void **state)
{
    (void)state;
    expect_window(ENT_PERIOD_MONTH, "2026-12-15T00:00:00Z", "2026-12-01T00:00:00Z",
                  "2027-01-01T00:00:00Z");
}

/* The last millisecond of 2026 is in 2026; the next one starts 2027. */
static void
window__year_end__next_ms_is_next_year(void **state)
{
    (void)state;
    expect_window(ENT_PERIOD_YEAR, "2026-12-31T23:59:59.999Z", "2026-01-01T00:00:00Z",
                  "2027-01-01T00:00:00Z");
    expect_window(ENT_PERIOD_YEAR, "2027-01-01T00:00:00Z", "2027-01-01T00:00:00Z",
                  "2028-01-01T00:00:00Z");
    expect_window(ENT_PERIOD_YEAR, "2024-02-29T00:00:00Z", "2024-01-01T00:00:00Z",
                  "2025-01-01T00:00:00Z");
}

/* ------------------------------------------------------------------------------------------ */
/* Before 1970, limits, never                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* Negative times are floored: -1 ms is 1969-12-31T23:59:59.999Z, in 1969's windows. */
static void
window__before_1970__floors_to_the_earlier_window(void **state)
{
    (void)state;
    expect_bounds(ENT_PERIOD_HOUR, -1, -HOUR_MS, 0);
    expect_bounds(ENT_PERIOD_DAY, -1, -DAY_MS, 0);
    expect_bounds(ENT_PERIOD_WEEK, -1, -3 * DAY_MS, 4 * DAY_MS);
    expect_bounds(ENT_PERIOD_MONTH, -1, -31 * DAY_MS, 0);
    expect_bounds(ENT_PERIOD_YEAR, -1, -365 * DAY_MS, 0);
    expect_window(ENT_PERIOD_MONTH, "1969-12-31T23:59:59.999Z", "1969-12-01T00:00:00Z",
                  "1970-01-01T00:00:00Z");
    expect_window(ENT_PERIOD_HOUR, "1969-07-20T20:17:40Z", "1969-07-20T20:00:00Z",
                  "1969-07-20T21:00:00Z");
    expect_window(ENT_PERIOD_WEEK, "1899-12-31T12:00:00Z", "1899-12-25T00:00:00Z",
                  "1900-01-01T00:00:00Z");
    /* 1900 is not a leap year (divisible by 100, not by 400). */
    expect_window(ENT_PERIOD_MONTH, "1900-02-28T23:59:59.999Z", "1900-02-01T00:00:00Z",
                  "1900-03-01T00:00:00Z");
    expect_window(ENT_PERIOD_YEAR, "1900-06-01T00:00:00Z", "1900-01-01T00:00:00Z",
                  "1901-01-01T00:00:00Z");
}

/* The first and last supported milliseconds (years 1 and 9999) have windows. */
static void
window__range_limits__are_accepted(void **state)
{
    (void)state;
    /* 0001-01-01 was a Monday, so its week starts on the first supported day. */
    expect_bounds(ENT_PERIOD_WEEK, ENT_UTC_MIN_MS, ENT_UTC_MIN_MS, ENT_UTC_MIN_MS + 7 * DAY_MS);
    expect_bounds(ENT_PERIOD_YEAR, ENT_UTC_MIN_MS, ENT_UTC_MIN_MS, ENT_UTC_MIN_MS + 365 * DAY_MS);
    expect_bounds(ENT_PERIOD_YEAR, ENT_UTC_MAX_MS, ms("9999-01-01T00:00:00Z"), ENT_UTC_MAX_MS + 1);
    expect_bounds(ENT_PERIOD_HOUR, ENT_UTC_MAX_MS, ENT_UTC_MAX_MS + 1 - HOUR_MS,
                  ENT_UTC_MAX_MS + 1);
    expect_bounds(ENT_PERIOD_MONTH, ENT_UTC_MAX_MS, ms("9999-12-01T00:00:00Z"), ENT_UTC_MAX_MS + 1);
}

/* A time outside years 1..9999 is refused, for every period, and the outputs are untouched. */
static void
window__out_of_range__is_refused(void **state)
{
    (void)state;
    static const enum ent_period periods[] = {ENT_PERIOD_NONE, ENT_PERIOD_HOUR,  ENT_PERIOD_DAY,
                                              ENT_PERIOD_WEEK, ENT_PERIOD_MONTH, ENT_PERIOD_YEAR,
                                              ENT_PERIOD_NEVER};
    static const int64_t times[] = {ENT_UTC_MIN_MS - 1, ENT_UTC_MAX_MS + 1, INT64_MIN, INT64_MAX};
    for (size_t i = 0; i < sizeof(periods) / sizeof(periods[0]); i++) {
        for (size_t j = 0; j < sizeof(times) / sizeof(times[0]); j++) {
            int64_t s = 42, e = 43;
            assert_false(ent_window_bounds(periods[i], times[j], &s, &e));
            assert_int_equal(s, 42);
            assert_int_equal(e, 43);
        }
    }
}

/* A value that is not a period is refused. */
static void
window__unknown_period__is_refused(void **state)
{
    (void)state;
    int64_t s = 0, e = 0;
    assert_false(ent_window_bounds((enum ent_period)99, 0, &s, &e));
}

/* `never` (and NONE, not metered) has one window: all of time. */
static void
window__never__is_all_of_time(void **state)
{
    (void)state;
    expect_bounds(ENT_PERIOD_NEVER, ms("2026-03-15T10:30:00Z"), INT64_MIN, INT64_MAX);
    expect_bounds(ENT_PERIOD_NEVER, -1, INT64_MIN, INT64_MAX);
    expect_bounds(ENT_PERIOD_NONE, 0, INT64_MIN, INT64_MAX);
}

/* ------------------------------------------------------------------------------------------ */
/* Buckets                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* Hour, day and month buckets start where their windows start, before 1970 too. */
static void
window__bucket__is_the_window_start(void **state)
{
    (void)state;
    int64_t t = ms("2026-02-28T23:59:59.999Z");
    assert_int_equal(ent_window_bucket(ENT_PERIOD_HOUR, t), ms("2026-02-28T23:00:00Z"));
    assert_int_equal(ent_window_bucket(ENT_PERIOD_DAY, t), ms("2026-02-28T00:00:00Z"));
    assert_int_equal(ent_window_bucket(ENT_PERIOD_MONTH, t), ms("2026-02-01T00:00:00Z"));
    assert_int_equal(ent_window_bucket(ENT_PERIOD_WEEK, t), ms("2026-02-23T00:00:00Z"));
    assert_int_equal(ent_window_bucket(ENT_PERIOD_YEAR, t), ms("2026-01-01T00:00:00Z"));
    assert_int_equal(ent_window_bucket(ENT_PERIOD_HOUR, -1), -HOUR_MS);
    assert_int_equal(ent_window_bucket(ENT_PERIOD_DAY, -1), -DAY_MS);
    assert_int_equal(ent_window_bucket(ENT_PERIOD_MONTH, -1), -31 * DAY_MS);
    assert_int_equal(ent_window_bucket(ENT_PERIOD_NEVER, t), INT64_MIN);
}

/* A bucket of a time outside years 1..9999 is that of the nearest supported time. */
static void
window__bucket_out_of_range__is_clamped(void **state)
{
    (void)state;
    assert_int_equal(ent_window_bucket(ENT_PERIOD_DAY, INT64_MIN), ENT_UTC_MIN_MS);
    assert_int_equal(ent_window_bucket(ENT_PERIOD_HOUR, INT64_MAX), ENT_UTC_MAX_MS + 1 - HOUR_MS);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(window__hour__is_the_clock_hour),
        cmocka_unit_test(window__day__is_the_utc_day),
        cmocka_unit_test(window__week__starts_on_monday),
        cmocka_unit_test(window__week_on_sunday__belongs_to_the_monday_before),
        cmocka_unit_test(window__week_53__spans_the_new_year),
        cmocka_unit_test(window__month_of_january_31__ends_on_february_1),
        cmocka_unit_test(window__month_of_february_2026__ends_on_march_1),
        cmocka_unit_test(window__month_of_leap_day__is_february),
        cmocka_unit_test(window__month_of_december__ends_in_the_next_year),
        cmocka_unit_test(window__year_end__next_ms_is_next_year),
        cmocka_unit_test(window__before_1970__floors_to_the_earlier_window),
        cmocka_unit_test(window__range_limits__are_accepted),
        cmocka_unit_test(window__out_of_range__is_refused),
        cmocka_unit_test(window__unknown_period__is_refused),
        cmocka_unit_test(window__never__is_all_of_time),
        cmocka_unit_test(window__bucket__is_the_window_start),
        cmocka_unit_test(window__bucket_out_of_range__is_clamped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
