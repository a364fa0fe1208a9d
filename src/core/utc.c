/* SPDX-License-Identifier: MIT */
/*
 * utc.c: RFC 3339 parsing and formatting, and proleptic Gregorian calendar arithmetic in UTC
 * (see utc.h). Pure: neither the clock nor the time zone database is consulted.
 */
#include "core/utc.h"

#include <stdio.h>
#include <string.h>

#define MS_PER_DAY 86400000LL

int64_t
ent_utc_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && (a < 0))
        q--;
    return q;
}

int64_t
ent_utc_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = ent_utc_floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t mp = (m + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void
ent_utc_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t z = days + 719468;
    int64_t era = ent_utc_floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

unsigned
ent_utc_days_in_month(int64_t y, unsigned m)
{
    static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2) {
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        return leap ? 29 : 28;
    }
    return (m >= 1 && m <= 12) ? days[m - 1] : 0;
}

/* Reads exactly n digits at s into *v. */
static bool
digits(const char *s, size_t n, int *v)
{
    int x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return true;
}

/* Parses "YYYY-MM-DD" at s into a day number. */
static bool
parse_date(const char *s, int64_t *days)
{
    int y, m, d;
    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' ||
        !digits(s + 8, 2, &d))
        return false;
    if (y < 1 || m < 1 || m > 12 || d < 1 || (unsigned)d > ent_utc_days_in_month(y, (unsigned)m))
        return false;
    *days = ent_utc_days_from_civil(y, (unsigned)m, (unsigned)d);
    return true;
}

/* Parses the time part "HH:MM:SS[.fff…](Z|±HH:MM)" into ms since midnight and an offset. */
static bool
parse_time(const char *s, int64_t *ms_of_day, int64_t *offset_ms)
{
    int h, mi, sec;
    if (!digits(s, 2, &h) || s[2] != ':' || !digits(s + 3, 2, &mi) || s[5] != ':' ||
        !digits(s + 6, 2, &sec))
        return false;
    if (h > 23 || mi > 59 || sec > 59)
        return false;
    const char *p = s + 8;
    int frac = 0;
    if (*p == '.') {
        p++;
        size_t n = 0;
        while (p[n] >= '0' && p[n] <= '9')
            n++;
        if (n == 0 || n > 9)
            return false;
        for (size_t i = 0; i < 3; i++)
            frac = frac * 10 + (i < n ? p[i] - '0' : 0);
        p += n;
    }
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
        *offset_ms = 0;
    } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
        int oh, om;
        if (!digits(p + 1, 2, &oh) || !digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return false;
        int64_t off = ((int64_t)oh * 60 + om) * 60000;
        *offset_ms = *p == '+' ? off : -off;
    } else {
        return false;
    }
    *ms_of_day = (((int64_t)h * 60 + mi) * 60 + sec) * 1000 + frac;
    return true;
}

bool
ent_utc_parse(const char *s, bool date_ok, int64_t *ms)
{
    if (!s)
        return false;
    size_t n = strlen(s);
    int64_t days;
    if (n < 10 || !parse_date(s, &days))
        return false;
    if (n == 10) {
        if (!date_ok)
            return false;
        *ms = days * MS_PER_DAY;
        return true;
    }
    if (s[10] != 'T' && s[10] != 't')
        return false;
    int64_t ms_of_day, offset;
    if (!parse_time(s + 11, &ms_of_day, &offset))
        return false;
    int64_t v = days * MS_PER_DAY + ms_of_day - offset;
    if (v < ENT_UTC_MIN_MS || v > ENT_UTC_MAX_MS)
        return false;
    *ms = v;
    return true;
}

size_t
ent_utc_format(int64_t ms, char *out)
{
    int64_t days = ent_utc_floor_div(ms, MS_PER_DAY);
    int64_t rem = ms - days * MS_PER_DAY;
    int64_t y;
    unsigned m, d;
    ent_utc_civil_from_days(days, &y, &m, &d);
    int secs = (int)(rem / 1000);
    int frac = (int)(rem % 1000);
    if (y < 0 || y > 9999) { /* outside what the API accepts: printf's own form */
        int n = snprintf(out, ENT_UTC_MAX, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", (long long)y, m,
                         d, secs / 3600, secs / 60 % 60, secs % 60, frac);
        if (n > 0 && !frac) { /* no fraction: ".000" dropped */
            memcpy(out + n - 5, "Z", 2);
            n -= 4;
        }
        return n > 0 ? (size_t)n : 0;
    }
    /* Digits written in place: evaluate answers hold times, and printf cost more than the
     * rest of an answer's feature (docs/PERFORMANCE.md). */
    int v[] = {(int)y / 100, (int)y % 100, (int)m, (int)d, secs / 3600, secs / 60 % 60, secs % 60};
    static const char sep[] = " --T::"; /* sep[i] follows field i, for i from 1 to 5 */
    size_t n = 0;
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        out[n++] = (char)('0' + v[i] / 10);
        out[n++] = (char)('0' + v[i] % 10);
        if (i > 0 && i < 6)
            out[n++] = sep[i];
    }
    if (frac) {
        out[n++] = '.';
        out[n++] = (char)('0' + frac / 100);
        out[n++] = (char)('0' + frac / 10 % 10);
        out[n++] = (char)('0' + frac % 10);
    }
    out[n++] = 'Z';
    out[n] = '\0';
    return n;
}
