/* SPDX-License-Identifier: MIT */
/*
 * test_utc.c: unit tests of core/utc.c: RFC 3339 parsing (offsets, fractions, lower-case
 * separators, days and times that do not exist, the 0001..9999 bounds), formatting and its
 * round trip with parsing, and the proleptic Gregorian calendar arithmetic (day numbers,
 * month lengths, floor division) that reset windows are built on. No clock is read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/utc.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MS_PER_DAY 86400000LL

/* 2026-11-22T08:00:00Z and 2026-11-22T00:00:00Z, in ms since the epoch. */
#define NOV22_0800 1795334400000LL
#define NOV22_0000 1795305600000LL

/* Parses s, failing the test with s in the message when it is refused. */
static int64_t
parse_ok(const char *s, bool date_ok)
{
    int64_t ms = 0;
    if (!ent_utc_parse(s, date_ok, &ms))
        fail_msg("\"%s\" was refused", s);
    return ms;
}

/* Fails the test when s is accepted, naming s and the time it was read as. */
static void
expect_refused(const char *s, bool date_ok)
{
    int64_t ms = 0;
    if (ent_utc_parse(s, date_ok, &ms))
        fail_msg("\"%s\" was accepted as %lld", s ? s : "(null)", (long long)ms);
}

/* ------------------------------------------------------------------------------------------ */
/* Parsing                                                                                     */
/* ------------------------------------------------------------------------------------------ */

static void
utc__parse_of_zulu_time__gives_ms_since_epoch(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("1970-01-01T00:00:00Z", false), 0);
    assert_int_equal(parse_ok("2026-11-22T08:00:00Z", false), NOV22_0800);
    assert_int_equal(parse_ok("1969-12-31T23:59:59Z", false), -1000);
    assert_int_equal(parse_ok("2024-02-29T00:00:00Z", false), 1709164800000LL);
}

static void
utc__parse_of_date_only_with_date_ok__is_midnight(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2026-11-22", true), NOV22_0000);
    assert_int_equal(parse_ok("1970-01-01", true), 0);
    assert_int_equal(parse_ok("1969-12-31", true), -MS_PER_DAY);
}

static void
utc__parse_of_date_only_without_date_ok__is_refused(void **state)
{
    (void)state;
    expect_refused("2026-11-22", false);
}

static void
utc__parse_of_full_time_with_date_ok__is_accepted(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2026-11-22T08:00:00Z", true), NOV22_0800);
}

static void
utc__parse_with_offsets__converts_to_utc(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2026-11-22T09:00:00+01:00", false), NOV22_0800);
    assert_int_equal(parse_ok("2026-11-22T02:30:00-05:30", false), NOV22_0800);
    assert_int_equal(parse_ok("2026-11-22T08:00:00+00:00", false), NOV22_0800);
    assert_int_equal(parse_ok("2026-11-22T08:00:00-00:00", false), NOV22_0800);
    assert_int_equal(parse_ok("2026-11-22T21:45:00+13:45", false), NOV22_0800);
    /* An offset may move the instant to another day. */
    assert_int_equal(parse_ok("2026-11-22T00:30:00+01:00", false), NOV22_0000 - 30 * 60000);
    assert_int_equal(parse_ok("2026-11-21T23:00:00-01:00", false), NOV22_0000);
}

static void
utc__parse_of_malformed_offset__is_refused(void **state)
{
    (void)state;
    expect_refused("2026-11-22T09:00:00+0100", false);
    expect_refused("2026-11-22T09:00:00+01", false);
    expect_refused("2026-11-22T09:00:00+1:00", false);
    expect_refused("2026-11-22T09:00:00+24:00", false);
    expect_refused("2026-11-22T09:00:00+01:60", false);
    expect_refused("2026-11-22T09:00:00+01:00Z", false);
    expect_refused("2026-11-22T09:00:00 +01:00", false);
    expect_refused("2026-11-22T09:00:00+aa:bb", false);
}

static void
utc__parse_of_fractions__keeps_milliseconds(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2026-11-22T08:00:00.5Z", false), NOV22_0800 + 500);
    assert_int_equal(parse_ok("2026-11-22T08:00:00.25Z", false), NOV22_0800 + 250);
    assert_int_equal(parse_ok("2026-11-22T08:00:00.007Z", false), NOV22_0800 + 7);
    assert_int_equal(parse_ok("2026-11-22T08:00:00.999Z", false), NOV22_0800 + 999);
    assert_int_equal(parse_ok("2026-11-22T09:00:00.250+01:00", false), NOV22_0800 + 250);
}

static void
utc__parse_of_nine_fraction_digits__truncates_to_milliseconds(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2026-11-22T08:00:00.123456789Z", false), NOV22_0800 + 123);
    assert_int_equal(parse_ok("2026-11-22T08:00:00.999999999Z", false), NOV22_0800 + 999);
    assert_int_equal(parse_ok("2026-11-22T08:00:00.0009Z", false), NOV22_0800);
}

static void
utc__parse_of_bad_fractions__is_refused(void **state)
{
    (void)state;
    expect_refused("2026-11-22T08:00:00.1234567890Z", false); /* ten digits */
    expect_refused("2026-11-22T08:00:00.Z", false);
    expect_refused("2026-11-22T08:00:00,5Z", false);
    expect_refused("2026-11-22T08:00:00.5", false);
}

static void
utc__parse_of_days_that_do_not_exist__is_refused(void **state)
{
    (void)state;
    expect_refused("2026-02-29T00:00:00Z", false);
    expect_refused("2026-02-29", true);
    expect_refused("2026-04-31T00:00:00Z", false);
    expect_refused("2026-04-31", true);
    expect_refused("2026-06-31", true);
    expect_refused("1900-02-29", true);
    expect_refused("2026-01-32", true);
    expect_refused("2026-01-00", true);
    expect_refused("2026-00-10", true);
    expect_refused("2026-13-01", true);
}

static void
utc__parse_of_leap_days__is_accepted(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2024-02-29", true), 1709164800000LL);
    assert_int_equal(parse_ok("2000-02-29T12:00:00Z", false),
                     parse_ok("2000-03-01", true) - 12 * 3600000LL);
    assert_int_equal(parse_ok("2026-04-30", true) + MS_PER_DAY, parse_ok("2026-05-01", true));
}

static void
utc__parse_of_times_that_do_not_exist__is_refused(void **state)
{
    (void)state;
    expect_refused("2026-11-22T24:00:00Z", false);
    expect_refused("2026-11-22T23:60:00Z", false);
    expect_refused("2026-11-22T23:59:60Z", false); /* leap seconds are not accepted */
    expect_refused("2026-12-31T23:59:60Z", false);
    assert_int_equal(parse_ok("2026-11-22T23:59:59Z", false), NOV22_0000 + MS_PER_DAY - 1000);
}

static void
utc__parse_without_zone__is_refused(void **state)
{
    (void)state;
    expect_refused("2026-11-22T08:00:00", false);
    expect_refused("2026-11-22T08:00:00", true);
    expect_refused("2026-11-22T08:00", false);
    expect_refused("2026-11-22T08:00Z", false);
    expect_refused("2026-11-22T", true);
}

static void
utc__parse_of_lower_case_t_and_z__is_accepted(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2026-11-22t08:00:00z", false), NOV22_0800);
    assert_int_equal(parse_ok("2026-11-22t08:00:00Z", false), NOV22_0800);
    assert_int_equal(parse_ok("2026-11-22T08:00:00z", false), NOV22_0800);
}

static void
utc__parse_of_malformed_text__is_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "2026",
        "2026-11",
        "2026-1-22",
        "26-11-22",
        "2026/11/22",
        "2026-11-22 08:00:00Z", /* RFC 3339 allows a space; the API does not */
        "2026-11-22X08:00:00Z",
        "2026-11-22T8:00:00Z",
        "2026-11-22T08:0:00Z",
        "2026-11-22T08:00:00Zjunk",
        "2026-11-22T08:00:00Z ",
        " 2026-11-22T08:00:00Z",
        "2026-11-22junk",
        "+2026-11-22T08:00:00Z",
        "-001-01-01T00:00:00Z",
        "10000-01-01T00:00:00Z",
        "2026-11-22T08:00:00ZZ",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        expect_refused(bad[i], false);
        expect_refused(bad[i], true);
    }
    expect_refused(NULL, true);
}

static void
utc__parse_outside_year_1_to_9999__is_refused(void **state)
{
    (void)state;
    expect_refused("0000-01-01T00:00:00Z", false);
    expect_refused("0000-12-31", true);
    expect_refused("0001-01-01T00:00:00+00:01", false); /* 0000-12-31T23:59Z */
    expect_refused("9999-12-31T23:59:59-00:01", false); /* 10000-01-01T00:00:59Z */
    assert_int_equal(parse_ok("0001-01-01T00:00:00Z", false), ENT_UTC_MIN_MS);
    assert_int_equal(parse_ok("0001-01-01", true), ENT_UTC_MIN_MS);
    assert_int_equal(parse_ok("9999-12-31T23:59:59.999Z", false), ENT_UTC_MAX_MS);
    assert_int_equal(parse_ok("9999-12-31T23:59:59.999999999Z", false), ENT_UTC_MAX_MS);
    assert_int_equal(parse_ok("0001-01-01T00:59:00+00:59", false), ENT_UTC_MIN_MS);
}

/* ------------------------------------------------------------------------------------------ */
/* Formatting                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* Asserts that ms formats as expected, and that the returned length is right. */
static void
expect_format(int64_t ms, const char *expected)
{
    char out[ENT_UTC_MAX];
    memset(out, 'x', sizeof(out));
    size_t len = ent_utc_format(ms, out);
    assert_string_equal(out, expected);
    assert_int_equal(len, strlen(expected));
}

static void
utc__format_of_whole_seconds__has_no_fraction(void **state)
{
    (void)state;
    expect_format(0, "1970-01-01T00:00:00Z");
    expect_format(NOV22_0800, "2026-11-22T08:00:00Z");
    expect_format(-1000, "1969-12-31T23:59:59Z");
    expect_format(ENT_UTC_MIN_MS, "0001-01-01T00:00:00Z");
}

static void
utc__format_of_milliseconds__has_three_fraction_digits(void **state)
{
    (void)state;
    expect_format(NOV22_0800 + 500, "2026-11-22T08:00:00.500Z");
    expect_format(NOV22_0800 + 7, "2026-11-22T08:00:00.007Z");
    expect_format(-1, "1969-12-31T23:59:59.999Z");
    expect_format(ENT_UTC_MAX_MS, "9999-12-31T23:59:59.999Z");
}

/* Years outside 0001..9999 (never accepted by the API) still format, as printf would. */
static void
utc__format_outside_the_api_years__as_printf(void **state)
{
    (void)state;
    expect_format(ENT_UTC_MAX_MS + 1, "10000-01-01T00:00:00Z");
    expect_format(ENT_UTC_MAX_MS + 1 + 250, "10000-01-01T00:00:00.250Z");
}

/* Every day of 1969..2101 at a time of its own: the digits equal gmtime's and strftime's. */
static void
utc__format__agrees_with_gmtime_over_many_days(void **state)
{
    (void)state;
    for (int64_t day = -365; day < 48000; day++) {
        int64_t ms = day * 86400000 + (day * 7919 % 86400000 + 86400000) % 86400000;
        time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
        struct tm tm;
        assert_non_null(gmtime_r(&t, &tm));
        char want[ENT_UTC_MAX];
        size_t n = strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
        int frac = (int)(ms - (int64_t)t * 1000);
        if (frac)
            snprintf(want + n, sizeof(want) - n, ".%03dZ", frac);
        else
            snprintf(want + n, sizeof(want) - n, "Z");
        expect_format(ms, want);
    }
}

static void
utc__format_then_parse__round_trips(void **state)
{
    (void)state;
    static const char *const canonical[] = {
        "1970-01-01T00:00:00Z",     "2026-11-22T08:00:00Z",     "2026-11-22T08:00:00.250Z",
        "0001-01-01T00:00:00Z",     "9999-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z",
        "2000-02-29T12:34:56.007Z", "1600-03-01T00:00:01Z",     "2038-01-19T03:14:08Z",
    };
    for (size_t i = 0; i < ARRAY_LEN(canonical); i++) {
        char out[ENT_UTC_MAX];
        ent_utc_format(parse_ok(canonical[i], false), out);
        assert_string_equal(out, canonical[i]);
    }
}

static void
utc__parse_then_format__round_trips_over_many_instants(void **state)
{
    (void)state;
    /* Steps that are prime numbers of ms visit every hour, minute, second and fraction. */
    for (int64_t ms = ENT_UTC_MIN_MS; ms <= ENT_UTC_MAX_MS; ms += 7919LL * 3600011LL) {
        char out[ENT_UTC_MAX];
        ent_utc_format(ms, out);
        int64_t back = 0;
        if (!ent_utc_parse(out, false, &back) || back != ms)
            fail_msg("%lld formats as %s, which parses back as %lld", (long long)ms, out,
                     (long long)back);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Calendar arithmetic                                                                         */
/* ------------------------------------------------------------------------------------------ */

static void
utc__days_from_civil__matches_known_days(void **state)
{
    (void)state;
    assert_int_equal(ent_utc_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(ent_utc_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(ent_utc_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(ent_utc_days_from_civil(1, 1, 1), -719162);
    assert_int_equal(ent_utc_days_from_civil(1600, 1, 1), -135140);
    assert_int_equal(ent_utc_days_from_civil(2400, 12, 31), 157419);
}

static void
utc__civil_from_days__walks_every_day_from_1600_to_2400(void **state)
{
    (void)state;
    /* The calendar is walked independently, day by day, with days_in_month. */
    int64_t y = 1600;
    unsigned m = 1, d = 1;
    int64_t first = ent_utc_days_from_civil(1600, 1, 1);
    int64_t last = ent_utc_days_from_civil(2400, 12, 31);
    for (int64_t days = first; days <= last; days++) {
        int64_t cy;
        unsigned cm, cd;
        ent_utc_civil_from_days(days, &cy, &cm, &cd);
        if (cy != y || cm != m || cd != d)
            fail_msg("day %lld: got %lld-%u-%u, want %lld-%u-%u", (long long)days, (long long)cy,
                     cm, cd, (long long)y, m, d);
        if (ent_utc_days_from_civil(y, m, d) != days)
            fail_msg("%lld-%u-%u: got day %lld, want %lld", (long long)y, m, d,
                     (long long)ent_utc_days_from_civil(y, m, d), (long long)days);
        if (++d > ent_utc_days_in_month(y, m)) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    assert_int_equal(y, 2401);
    assert_int_equal(last - first + 1, 801 * 365 + 195); /* 195 leap days in 1600..2400 */
}

static void
utc__civil_from_days__round_trips_far_from_the_epoch(void **state)
{
    (void)state;
    static const int64_t days[] = {-719162, -719163, -1000000, -146097, -146098, 2932896, 5000000};
    for (size_t i = 0; i < ARRAY_LEN(days); i++) {
        int64_t y;
        unsigned m, d;
        ent_utc_civil_from_days(days[i], &y, &m, &d);
        assert_true(m >= 1 && m <= 12);
        assert_true(d >= 1 && d <= ent_utc_days_in_month(y, m));
        assert_int_equal(ent_utc_days_from_civil(y, m, d), days[i]);
    }
}

static void
utc__days_in_month__follows_the_gregorian_leap_rule(void **state)
{
    (void)state;
    assert_int_equal(ent_utc_days_in_month(2024, 2), 29);
    assert_int_equal(ent_utc_days_in_month(2026, 2), 28);
    assert_int_equal(ent_utc_days_in_month(2000, 2), 29);
    assert_int_equal(ent_utc_days_in_month(1900, 2), 28);
    assert_int_equal(ent_utc_days_in_month(2100, 2), 28);
    assert_int_equal(ent_utc_days_in_month(1600, 2), 29);
    static const unsigned lengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (unsigned m = 1; m <= 12; m++)
        assert_int_equal(ent_utc_days_in_month(2026, m), lengths[m - 1]);
}

static void
utc__days_in_month_out_of_range__is_zero(void **state)
{
    (void)state;
    assert_int_equal(ent_utc_days_in_month(2026, 0), 0);
    assert_int_equal(ent_utc_days_in_month(2026, 13), 0);
}

static void
utc__floor_div__rounds_towards_minus_infinity(void **state)
{
    (void)state;
    assert_int_equal(ent_utc_floor_div(7, 2), 3);
    assert_int_equal(ent_utc_floor_div(6, 2), 3);
    assert_int_equal(ent_utc_floor_div(0, 5), 0);
    assert_int_equal(ent_utc_floor_div(-7, 2), -4);
    assert_int_equal(ent_utc_floor_div(-8, 2), -4);
    assert_int_equal(ent_utc_floor_div(-1, 2), -1);
    assert_int_equal(ent_utc_floor_div(-1, MS_PER_DAY), -1);
    assert_int_equal(ent_utc_floor_div(-MS_PER_DAY, MS_PER_DAY), -1);
    assert_int_equal(ent_utc_floor_div(-MS_PER_DAY - 1, MS_PER_DAY), -2);
    assert_int_equal(ent_utc_floor_div(MS_PER_DAY - 1, MS_PER_DAY), 0);
    assert_int_equal(ent_utc_floor_div(-401, 400), -2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utc__parse_of_zulu_time__gives_ms_since_epoch),
        cmocka_unit_test(utc__parse_of_date_only_with_date_ok__is_midnight),
        cmocka_unit_test(utc__parse_of_date_only_without_date_ok__is_refused),
        cmocka_unit_test(utc__parse_of_full_time_with_date_ok__is_accepted),
        cmocka_unit_test(utc__parse_with_offsets__converts_to_utc),
        cmocka_unit_test(utc__parse_of_malformed_offset__is_refused),
        cmocka_unit_test(utc__parse_of_fractions__keeps_milliseconds),
        cmocka_unit_test(utc__parse_of_nine_fraction_digits__truncates_to_milliseconds),
        cmocka_unit_test(utc__parse_of_bad_fractions__is_refused),
        cmocka_unit_test(utc__parse_of_days_that_do_not_exist__is_refused),
        cmocka_unit_test(utc__parse_of_leap_days__is_accepted),
        cmocka_unit_test(utc__parse_of_times_that_do_not_exist__is_refused),
        cmocka_unit_test(utc__parse_without_zone__is_refused),
        cmocka_unit_test(utc__parse_of_lower_case_t_and_z__is_accepted),
        cmocka_unit_test(utc__parse_of_malformed_text__is_refused),
        cmocka_unit_test(utc__parse_outside_year_1_to_9999__is_refused),
        cmocka_unit_test(utc__format_of_whole_seconds__has_no_fraction),
        cmocka_unit_test(utc__format_of_milliseconds__has_three_fraction_digits),
        cmocka_unit_test(utc__format_outside_the_api_years__as_printf),
        cmocka_unit_test(utc__format__agrees_with_gmtime_over_many_days),
        cmocka_unit_test(utc__format_then_parse__round_trips),
        cmocka_unit_test(utc__parse_then_format__round_trips_over_many_instants),
        cmocka_unit_test(utc__days_from_civil__matches_known_days),
        cmocka_unit_test(utc__civil_from_days__walks_every_day_from_1600_to_2400),
        cmocka_unit_test(utc__civil_from_days__round_trips_far_from_the_epoch),
        cmocka_unit_test(utc__days_in_month__follows_the_gregorian_leap_rule),
        cmocka_unit_test(utc__days_in_month_out_of_range__is_zero),
        cmocka_unit_test(utc__floor_div__rounds_towards_minus_infinity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
