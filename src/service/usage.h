/* SPDX-License-Identifier: MIT */
/*
 * usage.h: the usage group committer (usage.c): one thread per application that records the
 * single events submitted by concurrent requests (ent_usage_submit) in shared transactions.
 */
#ifndef ENT_SERVICE_USAGE_H
#define ENT_SERVICE_USAGE_H

#include <stdint.h>

#include <entitled.h>

struct ent_usage_committer;

/* Starts the committer of app. Errors: ENT_ENOMEM, ENT_EINTERNAL (no thread). */
int ent_usage_committer_new(struct ent_app *app, struct ent_usage_committer **out);

/* Commits and answers every event still waiting, then stops the committer; NULL is accepted. */
void ent_usage_committer_free(struct ent_usage_committer *c);

/* Groups committed, and the events in them, since the start. */
void ent_usage_committer_stats(struct ent_usage_committer *c, uint64_t *groups, uint64_t *events);

#endif /* ENT_SERVICE_USAGE_H */
