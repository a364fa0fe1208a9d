/* SPDX-License-Identifier: MIT */
/*
 * window.h: reset windows of metered features, in the UTC calendar: the hour, the day, the ISO
 * week (from Monday 00:00), the month and the year that contain a time. `never` has no window:
 * usage counts from the earliest start of the grants that give the feature.
 */
#ifndef ENT_CORE_WINDOW_H
#define ENT_CORE_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include <entitled.h>

/*
 * The window of period p that contains t: start <= t < end. For ENT_PERIOD_NEVER (and NONE)
 * start is INT64_MIN and end INT64_MAX. Returns false for a t outside the supported range
 * (years 1 to 9999).
 */
bool ent_window_bounds(enum ent_period p, int64_t t_ms, int64_t *start_ms, int64_t *end_ms);

/* The start of the bucket of a usage series (hour, day or month) that contains t. */
int64_t ent_window_bucket(enum ent_period granularity, int64_t t_ms);

#endif /* ENT_CORE_WINDOW_H */
