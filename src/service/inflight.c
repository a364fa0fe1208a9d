/* SPDX-License-Identifier: MIT */
/*
 * inflight.c: the set of Idempotency-Keys being served now (see inflight.h). It holds pairs of
 * strings and nothing else: what a mark means (a second request with the key is refused with a
 * conflict) is idempotency.c's rule.
 *
 * THREAD SAFETY: the set is a small open list guarded by its own mutex; entries live only while
 * their request is served.
 */
#include "service/inflight.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "core/alloc.h"

struct inflight_entry {
    struct inflight_entry *next;
    char id[]; /* key_id, a NUL, then the Idempotency-Key */
};

struct ent_inflight {
    pthread_mutex_t lock;
    struct inflight_entry *head;
};

struct ent_inflight *
ent_inflight_new(void)
{
    struct ent_inflight *set = ent_calloc(1, sizeof(*set));
    if (set)
        pthread_mutex_init(&set->lock, NULL);
    return set;
}

void
ent_inflight_free(struct ent_inflight *set)
{
    if (!set)
        return;
    struct inflight_entry *e = set->head;
    while (e) {
        struct inflight_entry *next = e->next;
        ent_free(e);
        e = next;
    }
    pthread_mutex_destroy(&set->lock);
    ent_free(set);
}

/* True when entry e is (key_id, idem_key). */
static bool
entry_is(const struct inflight_entry *e, const char *key_id, const char *idem_key)
{
    return strcmp(e->id, key_id) == 0 && strcmp(e->id + strlen(e->id) + 1, idem_key) == 0;
}

int
ent_inflight_mark(struct ent_inflight *set, const char *key_id, const char *idem_key)
{
    size_t a = strlen(key_id), b = strlen(idem_key);
    pthread_mutex_lock(&set->lock);
    for (struct inflight_entry *e = set->head; e; e = e->next) {
        if (entry_is(e, key_id, idem_key)) {
            pthread_mutex_unlock(&set->lock);
            return ENT_ECONFLICT;
        }
    }
    struct inflight_entry *e = ent_alloc(sizeof(*e) + a + b + 2);
    if (!e) {
        pthread_mutex_unlock(&set->lock);
        return ENT_ENOMEM;
    }
    memcpy(e->id, key_id, a + 1);
    memcpy(e->id + a + 1, idem_key, b + 1);
    e->next = set->head;
    set->head = e;
    pthread_mutex_unlock(&set->lock);
    return ENT_OK;
}

void
ent_inflight_unmark(struct ent_inflight *set, const char *key_id, const char *idem_key)
{
    pthread_mutex_lock(&set->lock);
    for (struct inflight_entry **p = &set->head; *p; p = &(*p)->next) {
        if (entry_is(*p, key_id, idem_key)) {
            struct inflight_entry *e = *p;
            *p = e->next;
            ent_free(e);
            break;
        }
    }
    pthread_mutex_unlock(&set->lock);
}
