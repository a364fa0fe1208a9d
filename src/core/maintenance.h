/* SPDX-License-Identifier: MIT */
/*
 * maintenance.h: until when maintenance covers a line item (seed 004): the periods of the
 * maintenance line items that name it, followed from a time on while they leave no gap. Pure:
 * the periods and the time are inputs.
 */
#ifndef ENT_CORE_MAINTENANCE_H
#define ENT_CORE_MAINTENANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One maintenance period: [start_ms, end_ms), or from start_ms for good. */
struct ent_maintenance_period {
    int64_t start_ms;
    int64_t end_ms; /* ENT_TIME_NONE (entitled.h): for good */
};

/*
 * Until when the periods p[0 .. n) cover time t without a gap: from the periods in force at t
 * (start <= t < end), then each one that starts at or before the end reached so far (a renewal
 * starting the day the last one ends, or earlier, carries the coverage on). Returns false when
 * none is in force at t. OUT until_ms: the end reached (ENT_TIME_NONE: for good); which: the
 * index of the period that reaches it (the first of those that do).
 */
bool ent_maintenance_until(const struct ent_maintenance_period *p, size_t n, int64_t t,
                           int64_t *until_ms, size_t *which);

#endif /* ENT_CORE_MAINTENANCE_H */
