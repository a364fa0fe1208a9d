/* SPDX-License-Identifier: MIT */
/*
 * metrics.h: request counters for /metrics (Prometheus text format).
 * THREAD SAFETY: every counter is an atomic; no lock is taken.
 */
#ifndef ENT_HTTP_METRICS_H
#define ENT_HTTP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include <entitled.h>

/* Counts one answered request of route index (or the route table size for none). */
void ent_metrics_count(size_t route, int status, int64_t duration_ns);

/* Writes every metric, with the application's counters, into b. */
int ent_metrics_render(struct ent_app *app, struct ent_buf *b);

#endif /* ENT_HTTP_METRICS_H */
