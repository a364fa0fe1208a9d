/* SPDX-License-Identifier: MIT */
/*
 * utc.h: times as the API writes them (RFC 3339 in UTC, or YYYY-MM-DD for dates) and the UTC
 * calendar arithmetic that reset windows need. Times are milliseconds since the Unix epoch.
 * No clock is read here.
 */
#ifndef ENT_CORE_UTC_H
#define ENT_CORE_UTC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ENT_UTC_MAX 32 /* bytes for a formatted time and its terminator */

/* The earliest and latest times the API accepts: 0001-01-01 and 9999-12-31T23:59:59.999Z. */
#define ENT_UTC_MIN_MS (-62135596800000LL)
#define ENT_UTC_MAX_MS (253402300799999LL)

/*
 * Parses an RFC 3339 time ("2026-11-22T08:00:00Z", "2026-11-22T09:00:00.250+01:00"; fractions
 * beyond milliseconds are truncated) or, when date_ok, a date ("2026-11-22", midnight UTC).
 * OUT ms. Returns false when s is neither, or names a day or time that does not exist.
 */
bool ent_utc_parse(const char *s, bool date_ok, int64_t *ms);

/*
 * Writes ms as "YYYY-MM-DDTHH:MM:SSZ", with ".mmm" before the Z when ms is not a whole second.
 * Returns the length written (out must hold ENT_UTC_MAX bytes).
 */
size_t ent_utc_format(int64_t ms, char *out);

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
int64_t ent_utc_days_from_civil(int64_t y, unsigned m, unsigned d);

/* The date of a day number. OUT y, m (1..12), d (1..31). */
void ent_utc_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Days in month m of year y. */
unsigned ent_utc_days_in_month(int64_t y, unsigned m);

/* floor(a / b) for b > 0, also for negative a. */
int64_t ent_utc_floor_div(int64_t a, int64_t b);

#endif /* ENT_CORE_UTC_H */
