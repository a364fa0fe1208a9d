/* SPDX-License-Identifier: MIT */
/*
 * webhook.c: the pure rules of webhooks (see webhook.h).
 */
#include "core/webhook.h"

#include <stdio.h>
#include <string.h>

/* 128-bit products: usage and limits may be as large as int64 allows. */
__extension__ typedef __int128 wide;

/* The schedule, in units after each failed attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h x 7. */
static const int64_t schedule[ENT_WEBHOOK_SCHEDULE_LEN - 1] = {
    5, 300, 1800, 7200, 18000, 36000, 36000, 36000, 36000, 36000, 36000, 36000,
};

int64_t
ent_webhook_schedule_min_ms(int max_attempts, int64_t unit_ms)
{
    int64_t sum = 0;
    for (int i = 0; i + 1 < max_attempts && i < ENT_WEBHOOK_SCHEDULE_LEN - 1; i++)
        sum += schedule[i] * unit_ms;
    return sum;
}

int64_t
ent_webhook_backoff_ms(int attempt, int max_attempts, int64_t unit_ms, uint32_t random)
{
    if (attempt < 1 || attempt >= max_attempts || attempt >= ENT_WEBHOOK_SCHEDULE_LEN)
        return -1;
    int64_t base = schedule[attempt - 1] * unit_ms;
    /* jitter in [0, +20 %]: random / 2^32 of a fifth of base; the schedule is the least */
    int64_t span = base / 5;
    int64_t jitter = span > 0 ? (int64_t)(((uint64_t)random * (uint64_t)span) >> 32) : 0;
    int64_t delay = base + jitter;
    return delay > 0 ? delay : 1;
}

/* True when c may appear in an event type. */
static bool
type_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

bool
ent_webhook_pattern_valid(const char *p)
{
    if (!p)
        return false;
    if (strcmp(p, "*") == 0)
        return true;
    size_t n = strlen(p);
    if (n == 0 || n > ENT_WEBHOOK_PATTERN_MAX)
        return false;
    size_t body = n;
    if (n >= 3 && p[n - 1] == '*' && p[n - 2] == '.')
        body = n - 2;
    if (body == 0 || p[0] == '.' || p[body - 1] == '.')
        return false;
    for (size_t i = 0; i < body; i++) {
        if (!type_char(p[i]) || (p[i] == '.' && p[i + 1] == '.'))
            return false;
    }
    return true;
}

bool
ent_webhook_matches(const char *const *patterns, size_t n, const char *type)
{
    if (n == 0)
        return true;
    size_t type_len = strlen(type);
    for (size_t i = 0; i < n; i++) {
        const char *p = patterns[i];
        size_t len = strlen(p);
        if (strcmp(p, "*") == 0 || strcmp(p, type) == 0)
            return true;
        /* "entitlement.*": the prefix with its dot */
        if (len >= 2 && p[len - 1] == '*' && p[len - 2] == '.' && type_len > len - 1 &&
            strncmp(p, type, len - 1) == 0)
            return true;
    }
    return false;
}

bool
ent_webhook_wants_timed(const char *const *patterns, size_t n)
{
    static const char *const timed[] = {
        "usage.window_reset", "entitlement.started", "entitlement.expired", "lease.expiring",
        "lease.expired",      "activation.expired",  "seats.available",
    };
    for (size_t i = 0; i < sizeof(timed) / sizeof(timed[0]); i++) {
        if (ent_webhook_matches(patterns, n, timed[i]))
            return true;
    }
    return false;
}

size_t
ent_webhook_crossed(int64_t before, int64_t after, int64_t limit, const int *thresholds, size_t n,
                    int *crossed, size_t cap)
{
    size_t k = 0;
    if (limit <= 0 || after <= before)
        return 0;
    for (size_t i = 0; i < n && k < cap; i++) {
        wide mark = (wide)thresholds[i] * limit;
        if ((wide)before * 100 < mark && mark <= (wide)after * 100)
            crossed[k++] = thresholds[i];
    }
    return k;
}

size_t
ent_webhook_signed_content(const char *id, int64_t timestamp_s, const char *body, size_t body_len,
                           char *out, size_t cap)
{
    int head = snprintf(out, cap, "%s.%lld.", id, (long long)timestamp_s);
    if (head < 0 || (size_t)head + body_len + 1 > cap)
        return 0;
    memcpy(out + head, body, body_len);
    out[(size_t)head + body_len] = '\0';
    return (size_t)head + body_len;
}

/* The IPv4 rule of webhook.h. */
static bool
ipv4_private(const uint8_t *a)
{
    return a[0] == 0 || a[0] == 10 || a[0] == 127 || (a[0] == 169 && a[1] == 254) ||
           (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
           (a[0] == 100 && (a[1] & 0xc0) == 64) || a[0] >= 224;
}

bool
ent_webhook_addr_is_private(int family, const uint8_t *a)
{
    if (family == 4)
        return ipv4_private(a);
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t zero[15] = {0};
    if (memcmp(a, mapped, 12) == 0)
        return ipv4_private(a + 12);
    if (memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1))
        return true; /* :: and ::1 */
    return (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || (a[0] & 0xfe) == 0xfc || a[0] == 0xff;
}
