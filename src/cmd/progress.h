/* SPDX-License-Identifier: MIT */
/*
 * progress.h: the progress of a long command (import, copy) on standard error: on a terminal
 * one line kept up to date (done, rate, share and time left when the total is known), else a
 * line every 5 seconds (ENTITLED_PROGRESS_SECONDS), for logs.
 */
#ifndef ENT_CMD_PROGRESS_H
#define ENT_CMD_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct ent_progress {
    const char *what; /* "objects", "rows" */
    double started_s, shown_s, every_s;
    bool terminal;
    bool shown; /* a line was written (a terminal's needs its end) */
};

/* Starts measuring; what names the things counted. */
void ent_progress_start(struct ent_progress *p, const char *what);

/*
 * Says that done things are done, and (when total_bytes > 0) how far through the input they
 * are (bytes of total_bytes). Writes only when due.
 */
void ent_progress_update(struct ent_progress *p, uint64_t done, uint64_t bytes,
                         uint64_t total_bytes);

/* Ends the terminal's line, if one was written. */
void ent_progress_end(struct ent_progress *p);

#endif /* ENT_CMD_PROGRESS_H */
