/* SPDX-License-Identifier: MIT */
/*
 * window.c: the reset windows of metered features and the buckets of usage series (see
 * window.h), in the proleptic Gregorian calendar in UTC. Every window is half open: it starts
 * at its first millisecond (inclusive) and ends at the first millisecond of the next window
 * (exclusive). Times before 1970 are negative and are floored, never truncated toward zero.
 * Pure: no clock, no time zone database, no libc time functions.
 */
#include "core/window.h"

#include "core/utc.h"

#define MS_PER_HOUR 3600000LL
#define MS_PER_DAY 86400000LL

/*
 * Computes the window of p that contains t without checking the range of t; the caller keeps t
 * within ENT_UTC_MIN_MS..ENT_UTC_MAX_MS, where no step can overflow.
 * OUT start_ms, end_ms. Returns false only for a p that is not an enum ent_period value.
 */
static bool
window_of(enum ent_period p, int64_t t_ms, int64_t *start_ms, int64_t *end_ms)
{
    int64_t days = ent_utc_floor_div(t_ms, MS_PER_DAY);
    int64_t y;
    unsigned m, d;
    switch (p) {
    case ENT_PERIOD_NONE:
    case ENT_PERIOD_NEVER:
        *start_ms = INT64_MIN;
        *end_ms = INT64_MAX;
        return true;
    case ENT_PERIOD_HOUR:
        *start_ms = ent_utc_floor_div(t_ms, MS_PER_HOUR) * MS_PER_HOUR;
        *end_ms = *start_ms + MS_PER_HOUR;
        return true;
    case ENT_PERIOD_DAY:
        *start_ms = days * MS_PER_DAY;
        *end_ms = *start_ms + MS_PER_DAY;
        return true;
    case ENT_PERIOD_WEEK: {
        /* Day 0 (1970-01-01) was a Thursday, day 3 of an ISO week counted from Monday = 0. */
        int64_t monday = days - (days + 3 - ent_utc_floor_div(days + 3, 7) * 7);
        *start_ms = monday * MS_PER_DAY;
        *end_ms = (monday + 7) * MS_PER_DAY;
        return true;
    }
    case ENT_PERIOD_MONTH:
        ent_utc_civil_from_days(days, &y, &m, &d);
        *start_ms = ent_utc_days_from_civil(y, m, 1) * MS_PER_DAY;
        *end_ms = (m == 12 ? ent_utc_days_from_civil(y + 1, 1, 1)
                           : ent_utc_days_from_civil(y, m + 1, 1)) *
                  MS_PER_DAY;
        return true;
    case ENT_PERIOD_YEAR:
        ent_utc_civil_from_days(days, &y, &m, &d);
        *start_ms = ent_utc_days_from_civil(y, 1, 1) * MS_PER_DAY;
        *end_ms = ent_utc_days_from_civil(y + 1, 1, 1) * MS_PER_DAY;
        return true;
    }
    return false;
}

/*
 * The window of period p that contains t (see window.h). t must lie within years 1 to 9999
 * (ENT_UTC_MIN_MS..ENT_UTC_MAX_MS), for every period, `never` included, so that the answer
 * for a time does not depend on the period asked. OUT start_ms, end_ms: left untouched when
 * false is returned. Returns false for a t out of range or a p that is not a period.
 */
bool
ent_window_bounds(enum ent_period p, int64_t t_ms, int64_t *start_ms, int64_t *end_ms)
{
    if (t_ms < ENT_UTC_MIN_MS || t_ms > ENT_UTC_MAX_MS)
        return false;
    int64_t start, end;
    if (!window_of(p, t_ms, &start, &end))
        return false;
    *start_ms = start;
    *end_ms = end;
    return true;
}

/*
 * The start of the bucket of granularity g that contains t: the start of g's window, so hour,
 * day and month buckets as a usage series asks for them, and week and year buckets as their
 * windows. `never` and NONE have a single bucket starting at INT64_MIN. As this function has no
 * way to refuse, a t outside years 1..9999 is first clamped to the nearest supported time (which
 * also keeps the arithmetic from overflowing). A g that is not a period returns t unchanged.
 */
int64_t
ent_window_bucket(enum ent_period granularity, int64_t t_ms)
{
    int64_t t = t_ms < ENT_UTC_MIN_MS   ? ENT_UTC_MIN_MS
                : t_ms > ENT_UTC_MAX_MS ? ENT_UTC_MAX_MS
                                        : t_ms;
    int64_t start, end;
    if (!window_of(granularity, t, &start, &end))
        return t_ms;
    return start;
}
