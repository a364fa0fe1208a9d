/* SPDX-License-Identifier: MIT */
/* progress.c: see progress.h. */
#include "cmd/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
ent_progress_start(struct ent_progress *p, const char *what)
{
    p->what = what;
    p->started_s = p->shown_s = now_s();
    p->terminal = isatty(STDERR_FILENO);
    p->shown = false;
    /* Off a terminal, a line every ENTITLED_PROGRESS_SECONDS (default 5). */
    const char *every = getenv("ENTITLED_PROGRESS_SECONDS");
    double s = every ? strtod(every, NULL) : 0;
    p->every_s = p->terminal ? 0.2 : s > 0 ? s : 5.0;
}

void
ent_progress_update(struct ent_progress *p, uint64_t done, uint64_t bytes, uint64_t total_bytes)
{
    double t = now_s();
    if (t - p->shown_s < p->every_s)
        return;
    p->shown_s = t;
    double elapsed = t - p->started_s;
    double rate = elapsed > 0 ? (double)done / elapsed : 0;
    char left[64] = "";
    if (total_bytes > 0 && bytes > 0 && bytes <= total_bytes) {
        double share = (double)bytes / (double)total_bytes;
        double remaining = elapsed / share - elapsed;
        snprintf(left, sizeof(left), ", %.0f%%, about %.0f s left", share * 100.0, remaining);
    }
    fprintf(stderr, "%sentitled: %llu %s, %.0f/s%s%s", p->terminal ? "\r" : "",
            (unsigned long long)done, p->what, rate, left, p->terminal ? "\033[K" : "\n");
    fflush(stderr);
    p->shown = true;
}

void
ent_progress_end(struct ent_progress *p)
{
    if (p->terminal && p->shown)
        fputc('\n', stderr);
}
