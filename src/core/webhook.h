/* SPDX-License-Identifier: MIT */
/*
 * webhook.h: the pure rules of webhooks: the retry schedule (exponential back-off with jitter
 * over more than three days), event-type patterns and their matching, threshold crossings of
 * metered usage, the Standard Webhooks content that is signed, and which addresses a delivery
 * may not reach (loopback, link-local, private). No I/O, no clock, no randomness of its own:
 * the caller passes the random value and the time.
 */
#ifndef ENT_CORE_WEBHOOK_H
#define ENT_CORE_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ENT_WEBHOOK_SCHEDULE_LEN 13   /* attempts in all: the first and 12 retries */
#define ENT_WEBHOOK_PATTERN_MAX 64    /* characters of an event-type pattern */
#define ENT_WEBHOOK_MAX_THRESHOLDS 10 /* percentages one endpoint may set */

/*
 * The delay before attempt number `attempt` + 1, after `attempt` attempts failed (1 = the
 * first attempt failed), in ms: the schedule of Standard Webhooks senders (5 s, 5 min, 30 min,
 * 2 h, 5 h, then every 10 h) measured in units of unit_ms (1000 in production: the schedule's
 * seconds; smaller for tests), with jitter of up to +20 % taken from random (any 32-bit value),
 * so that the schedule is the least wait. It spans 3 days and 5 h in all. Returns -1 when no
 * attempt is left (attempt >= max_attempts or beyond the schedule).
 */
int64_t ent_webhook_backoff_ms(int attempt, int max_attempts, int64_t unit_ms, uint32_t random);

/*
 * The shortest time, in ms, that max_attempts attempts spaced by the schedule in units of unit_ms
 * can take (every delay without jitter): 3 days and 5 hours for 13 attempts of 1000 ms units.
 * An endpoint that has answered nothing for that long has been failing for days.
 */
int64_t ent_webhook_schedule_min_ms(int max_attempts, int64_t unit_ms);

/*
 * True when p is an event-type pattern: "*" (every type), a type ("entitlement.created": 1 to
 * ENT_WEBHOOK_PATTERN_MAX characters of a-z, 0-9, '_' and '.', not starting or ending with a
 * dot), or a prefix ending in ".*" ("entitlement.*").
 */
bool ent_webhook_pattern_valid(const char *p);

/*
 * True when type matches one of the n patterns (n == 0 means every type): "*" matches all, a
 * prefix "entitlement.*" matches every type starting "entitlement.", anything else exactly.
 */
bool ent_webhook_matches(const char *const *patterns, size_t n, const char *type);

/*
 * True when the n patterns match one of the events no request causes, which the scheduler
 * looks for by the clock: usage.window_reset, entitlement.started, entitlement.expired,
 * lease.expiring, lease.expired, activation.expired and seats.available.
 */
bool ent_webhook_wants_timed(const char *const *patterns, size_t n);

/*
 * The thresholds (percentages of limit, 1..1000) that usage crossed going from `before` to
 * `after` (before < after): each p with before * 100 < p * limit <= after * 100. OUT crossed:
 * those of thresholds[0..n), in the order given (cap entries at most). Returns how many. A
 * limit <= 0 crosses nothing.
 */
size_t ent_webhook_crossed(int64_t before, int64_t after, int64_t limit, const int *thresholds,
                           size_t n, int *crossed, size_t cap);

/*
 * Writes the content that Standard Webhooks signs, "<id>.<timestamp>.<body>", into out (cap
 * bytes). Returns its length, or 0 when it does not fit.
 */
size_t ent_webhook_signed_content(const char *id, int64_t timestamp_s, const char *body,
                                  size_t body_len, char *out, size_t cap);

/*
 * True when an address may not be reached without the operator's leave: IPv4 (family 4, 4
 * bytes) loopback 127/8, "this network" 0/8, private 10/8, 172.16/12, 192.168/16, shared
 * 100.64/10, link-local 169.254/16, multicast and reserved 224/3; IPv6 (family 6, 16 bytes)
 * loopback ::1, unspecified ::, link-local fe80::/10, unique local fc00::/7, multicast ff00::/8,
 * and IPv4-mapped addresses (::ffff:a.b.c.d) by their IPv4 rule.
 */
bool ent_webhook_addr_is_private(int family, const uint8_t *addr);

#endif /* ENT_CORE_WEBHOOK_H */
