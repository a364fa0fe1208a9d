/* SPDX-License-Identifier: MIT */
/*
 * pool.c: the pool of sessions of both backends (pool.h).
 *
 * A session is opened outside the lock (connecting may take seconds): its place is reserved
 * first (n_open), and given back if the open fails. acquire waits on a condition variable of
 * the monotonic clock, so a change of the wall clock neither shortens nor stretches the wait.
 */
#include "store/pool.h"

#include <errno.h>

#include "core/alloc.h"

int
ent_pool_init(struct ent_store_pool *p, struct ent_store *store, unsigned max, int64_t wait_ms,
              int (*open)(struct ent_store *store, struct ent_store_session **out),
              void (*close)(struct ent_store_session *sess))
{
    p->all = ent_calloc(max ? max : 1, sizeof(*p->all));
    if (!p->all)
        return ENT_ENOMEM;
    p->store = store;
    p->open = open;
    p->close = close;
    p->wait_ms = wait_ms;
    p->max = max;
    p->n_open = 0;
    p->free_list = NULL;
    pthread_mutex_init(&p->lock, NULL);
    pthread_condattr_t cond_attr;
    pthread_condattr_init(&cond_attr);
    pthread_condattr_setclock(&cond_attr, CLOCK_MONOTONIC);
    pthread_cond_init(&p->available, &cond_attr);
    pthread_condattr_destroy(&cond_attr);
    return ENT_OK;
}

/* Puts sess in the first free place of p->all. Call with p->lock held. */
static void
keep(struct ent_store_pool *p, struct ent_store_session *sess)
{
    unsigned slot = 0;
    while (p->all[slot]) /* n_open <= max places, so a free one exists */
        slot++;
    p->all[slot] = sess;
}

void
ent_pool_add(struct ent_store_pool *p, struct ent_store_session *sess)
{
    pthread_mutex_lock(&p->lock);
    p->n_open++;
    keep(p, sess);
    sess->next_free = p->free_list;
    p->free_list = sess;
    pthread_mutex_unlock(&p->lock);
}

int
ent_pool_acquire(struct ent_store_pool *p, struct ent_store_session **out)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += p->wait_ms / 1000;
    deadline.tv_nsec += (p->wait_ms % 1000) * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&p->lock);
    while (!p->free_list && p->n_open == p->max) {
        /* Every session is in use: wait for one, but not forever (a caller holding sessions
         * it does not give back must get an error, not a hang). */
        if (pthread_cond_timedwait(&p->available, &p->lock, &deadline) == ETIMEDOUT &&
            !p->free_list && p->n_open == p->max) {
            pthread_mutex_unlock(&p->lock);
            return ENT_EBUSY;
        }
    }
    struct ent_store_session *s = p->free_list;
    if (s) {
        p->free_list = s->next_free;
        pthread_mutex_unlock(&p->lock);
        *out = s;
        return ENT_OK;
    }
    p->n_open++; /* reserve a place, then open outside the lock */
    pthread_mutex_unlock(&p->lock);
    int code = p->open(p->store, &s);
    pthread_mutex_lock(&p->lock);
    if (code < 0) {
        p->n_open--;
        pthread_cond_signal(&p->available);
    } else {
        keep(p, s);
    }
    pthread_mutex_unlock(&p->lock);
    if (code < 0)
        return code;
    *out = s;
    return ENT_OK;
}

void
ent_pool_release(struct ent_store_pool *p, struct ent_store_session *sess)
{
    pthread_mutex_lock(&p->lock);
    sess->next_free = p->free_list;
    p->free_list = sess;
    pthread_cond_signal(&p->available);
    pthread_mutex_unlock(&p->lock);
}

void
ent_pool_destroy(struct ent_store_pool *p)
{
    for (unsigned i = 0; i < p->max; i++) {
        if (p->all[i])
            p->close(p->all[i]);
    }
    pthread_cond_destroy(&p->available);
    pthread_mutex_destroy(&p->lock);
    ent_free(p->all);
    p->all = NULL;
}
