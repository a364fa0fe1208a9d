/* SPDX-License-Identifier: MIT */
/*
 * fuzz_rfc3339.c: libFuzzer target for the time parser and formatter (core/utc.c). The input,
 * up to its first NUL, is parsed with ent_utc_parse() both without and with date_ok; its first
 * eight bytes are also taken as a time in milliseconds, folded into the API's range, to drive
 * the formatter from the other side.
 *
 * Invariants: what parses without date_ok parses with it, to the same time; a bare date is
 * accepted only with date_ok and only as midnight UTC; every parsed time is within
 * [ENT_UTC_MIN_MS, ENT_UTC_MAX_MS]; a time in that range formats to fewer than ENT_UTC_MAX
 * bytes, that text parses back to the same millisecond (without date_ok) and formats again to
 * the same text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/utc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MS_PER_DAY 86400000LL

/* Stops the run with a message: an invariant does not hold (libFuzzer saves the input). */
static void
fail(const char *what, const char *text, int64_t ms)
{
    fprintf(stderr, "fuzz_rfc3339: %s: \"%s\" (%lld ms)\n", what, text ? text : "", (long long)ms);
    abort();
}

/* Formats ms (in range), and checks that the text parses back to ms and formats to itself. */
static void
check_round_trip(int64_t ms)
{
    char text[ENT_UTC_MAX + 8];
    memset(text, 0, sizeof(text));
    size_t n = ent_utc_format(ms, text);
    if (n == 0 || n >= ENT_UTC_MAX || strlen(text) != n)
        fail("format length", text, ms);
    int64_t back = 0;
    if (!ent_utc_parse(text, false, &back))
        fail("a formatted time does not parse", text, ms);
    if (back != ms)
        fail("a formatted time parses to another time", text, ms);
    char again[ENT_UTC_MAX];
    ent_utc_format(back, again);
    if (strcmp(text, again) != 0)
        fail("formatting is not stable", again, ms);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = ent_strndup((const char *)data, size);
    if (!s)
        return 0;
    int64_t strict = 0, lenient = 0;
    bool ok_strict = ent_utc_parse(s, false, &strict);
    bool ok_lenient = ent_utc_parse(s, true, &lenient);
    if (ok_strict && (!ok_lenient || strict != lenient))
        fail("date_ok changes the meaning of a full time", s, strict);
    if (ok_lenient && !ok_strict) {
        if (strlen(s) != 10 || ent_utc_floor_div(lenient, MS_PER_DAY) * MS_PER_DAY != lenient)
            fail("only a bare date may need date_ok, and it is midnight UTC", s, lenient);
    }
    if (ok_lenient) {
        if (lenient < ENT_UTC_MIN_MS || lenient > ENT_UTC_MAX_MS)
            fail("a parsed time is out of range", s, lenient);
        check_round_trip(lenient);
    }
    ent_free(s);

    if (size >= sizeof(uint64_t)) {
        uint64_t raw;
        memcpy(&raw, data, sizeof(raw));
        uint64_t span = (uint64_t)(ENT_UTC_MAX_MS - ENT_UTC_MIN_MS) + 1;
        check_round_trip(ENT_UTC_MIN_MS + (int64_t)(raw % span));
    }
    return 0;
}
