/* SPDX-License-Identifier: MIT */
/*
 * maintenance.c: until when maintenance periods cover a time without a gap (maintenance.h).
 * The periods of one line item are few (its maintenance line items and their renewals), so the
 * coverage is extended by passes over them rather than by sorting.
 */
#include "core/maintenance.h"

#include <entitled.h>

/* True when period p covers the instant t. */
static bool
covers(const struct ent_maintenance_period *p, int64_t t)
{
    return p->start_ms <= t && (p->end_ms == ENT_TIME_NONE || t < p->end_ms);
}

bool
ent_maintenance_until(const struct ent_maintenance_period *p, size_t n, int64_t t,
                      int64_t *until_ms, size_t *which)
{
    bool found = false;
    int64_t reach = t;
    size_t best = 0;
    /* Each pass extends the reach by at least one period or stops: at most n + 1 passes. */
    for (bool grew = true; grew && reach != ENT_TIME_NONE;) {
        grew = false;
        for (size_t i = 0; i < n && reach != ENT_TIME_NONE; i++) {
            bool joins = found ? p[i].start_ms <= reach : covers(&p[i], t);
            bool further = p[i].end_ms == ENT_TIME_NONE || p[i].end_ms > reach;
            if (!joins || !further)
                continue;
            reach = p[i].end_ms;
            best = i;
            found = grew = true;
        }
    }
    if (found) {
        *until_ms = reach;
        *which = best;
    }
    return found;
}
