/* SPDX-License-Identifier: MIT */
/*
 * pool.h: the pool of sessions every backend keeps, written once: a bounded set of sessions
 * (connections), opened on demand up to a maximum, handed out one caller at a time, and waited
 * for at most a fixed time when all are in use. The backend says how a session is opened and
 * closed; what a session is (an SQLite handle, a libpq connection) the pool does not know.
 * Nothing outside src/store/ includes this.
 *
 * THREAD SAFETY: every function but init and destroy may be called from any thread.
 */
#ifndef ENT_STORE_POOL_H
#define ENT_STORE_POOL_H

#include <pthread.h>
#include <stdint.h>

#include "store/store.h"

struct ent_store_pool {
    struct ent_store *store;
    int (*open)(struct ent_store *store, struct ent_store_session **out);
    void (*close)(struct ent_store_session *sess);
    int64_t wait_ms; /* how long acquire waits for a free session */
    pthread_mutex_t lock;
    pthread_cond_t available;
    struct ent_store_session *free_list;
    struct ent_store_session **all; /* every session open, for destroy; max places */
    unsigned n_open;                /* sessions open or being opened */
    unsigned max;
};

/*
 * Prepares the pool of store for at most max sessions, made by open and ended by close; none is
 * open yet. Errors: ENT_ENOMEM.
 */
int ent_pool_init(struct ent_store_pool *p, struct ent_store *store, unsigned max, int64_t wait_ms,
                  int (*open)(struct ent_store *store, struct ent_store_session **out),
                  void (*close)(struct ent_store_session *sess));

/* Adds a session opened by the caller (the first, opened to migrate) as a free one. */
void ent_pool_add(struct ent_store_pool *p, struct ent_store_session *sess);

/*
 * A free session, or a new one while fewer than max are open; when all are in use, waits up to
 * wait_ms for one. Errors: ENT_EBUSY (none came in time), those of open.
 */
int ent_pool_acquire(struct ent_store_pool *p, struct ent_store_session **out);

/* Gives a session back (the caller ended any transaction on it first). */
void ent_pool_release(struct ent_store_pool *p, struct ent_store_session *sess);

/* Closes every session and frees the pool's memory (not p itself). */
void ent_pool_destroy(struct ent_store_pool *p);

#endif /* ENT_STORE_POOL_H */
