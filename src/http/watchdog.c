/* SPDX-License-Identifier: MIT */
/*
 * watchdog.c: connection deadlines, see watchdog.h.
 *
 * The connections are a doubly linked list under the watchdog's mutex. A connection's phase and
 * deadline are atomics that its worker thread stores without the mutex (twice per request on
 * the hot path, so no lock there); gen counts its phase changes, so the watchdog's thread can
 * tell that a connection moved on since it last looked, and forget what it noted for the old
 * phase. The thread wakes every TICK_NS, looks at every connection, and shuts down those past
 * their deadline. It never closes a socket: a connection is removed (and its socket closed by
 * the event loop) only after ent_watchdog_remove(), which waits for the mutex, so a descriptor
 * the thread shuts down is always still this connection's.
 *
 * Progress of an answer being sent is the socket's send queue (unsent and unacknowledged bytes)
 * changing between two looks: a client that reads nothing leaves it full and still.
 */
#include "http/watchdog.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include "core/alloc.h"
#include <entitled.h>

#define TICK_NS 50000000LL    /* how often the thread looks at the connections */
#define PAUSED_NS 250000000LL /* a look this late: the process did not run meanwhile */

struct ent_watchdog_conn {
    struct ent_watchdog *wd;
    int fd;
    _Atomic int phase;           /* enum ent_watchdog_phase */
    _Atomic int64_t deadline_ns; /* monotonic; 0: none */
    atomic_uint gen;             /* phase changes so far */
    /* The watchdog's thread's own notes, under the mutex. */
    struct ent_watchdog_conn *prev, *next;
    unsigned seen_gen;  /* gen when the notes below were started */
    bool extended;      /* given its one more timeout for bytes waiting unread */
    bool idle_draining; /* seen waiting, with nothing unread, since the drain began */
    bool shut;          /* shut down already */
    int send_queue;     /* bytes in the send queue at the last look; -1: not looked yet */
};

struct ent_watchdog {
    int64_t timeout_ns;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    struct ent_watchdog_conn *head;
    size_t count;
    bool draining;
    bool quit;
};

int64_t
ent_watchdog_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* True when bytes are waiting unread in the socket fd. */
static bool
has_input(int fd)
{
    int n = 0;
    return ioctl(fd, FIONREAD, &n) == 0 && n > 0;
}

/* Bytes in the send queue of the socket fd, or -1 when it cannot be told. */
static int
send_queue(int fd)
{
    int n = 0;
    return ioctl(fd, TIOCOUTQ, &n) == 0 ? n : -1;
}

/* Closes c's connection: the event loop sees the end of its stream and closes it. */
static void
shut(struct ent_watchdog_conn *c)
{
    shutdown(c->fd, SHUT_RDWR);
    c->shut = true;
}

/* Moves c's deadline to deadline_ns, unless its worker changed it meanwhile. */
static void
extend(struct ent_watchdog_conn *c, int64_t seen_ns, int64_t deadline_ns)
{
    atomic_compare_exchange_strong(&c->deadline_ns, &seen_ns, deadline_ns);
}

/* Looks at one connection at now_ns: shuts it down when it is past its time. */
static void
look(struct ent_watchdog *wd, struct ent_watchdog_conn *c, int64_t now_ns)
{
    unsigned gen = atomic_load_explicit(&c->gen, memory_order_acquire);
    int phase = atomic_load_explicit(&c->phase, memory_order_relaxed);
    int64_t deadline = atomic_load_explicit(&c->deadline_ns, memory_order_relaxed);
    if (c->shut)
        return;
    if (gen != c->seen_gen) {
        c->seen_gen = gen;
        c->extended = false;
        c->idle_draining = false;
        c->send_queue = -1;
    }
    /* Idle while draining: closed at the second look in a row that finds it so (a tick apart),
     * since its thread may have read a request line already and not yet told its phase. */
    if (phase == ENT_WATCHDOG_WAIT && wd->draining && !has_input(c->fd)) {
        if (c->idle_draining)
            shut(c);
        c->idle_draining = true;
        return;
    }
    if (phase == ENT_WATCHDOG_SEND) {
        int queued = send_queue(c->fd);
        bool progress = c->send_queue >= 0 && queued != c->send_queue;
        c->send_queue = queued;
        if (progress) { /* the client took some of the answer */
            extend(c, deadline, now_ns + wd->timeout_ns);
            return;
        }
    }
    if (deadline == 0 || now_ns < deadline)
        return;
    if ((phase == ENT_WATCHDOG_WAIT || phase == ENT_WATCHDOG_REQUEST) && !c->extended &&
        has_input(c->fd)) {
        c->extended = true; /* sent in time, not read yet: read it before judging */
        extend(c, deadline, now_ns + wd->timeout_ns);
        return;
    }
    shut(c);
}

/*
 * Gives every connection whose deadline passed while the process was not running (stopped, or
 * the machine suspended) one more timeout from now: its client is not at fault, and what it
 * sent meanwhile may have been read but not yet handed to the application, which a look now
 * would take for silence.
 */
static void
forgive_pause(struct ent_watchdog *wd, int64_t now_ns)
{
    for (struct ent_watchdog_conn *c = wd->head; c; c = c->next) {
        int64_t deadline = atomic_load_explicit(&c->deadline_ns, memory_order_relaxed);
        if (deadline != 0 && deadline < now_ns + wd->timeout_ns)
            extend(c, deadline, now_ns + wd->timeout_ns);
    }
}

/* The thread: looks at every connection each TICK_NS until told to quit. */
static void *
run(void *arg)
{
    struct ent_watchdog *wd = arg;
    pthread_mutex_lock(&wd->lock);
    int64_t last = ent_watchdog_now_ns();
    while (!wd->quit) {
        int64_t now = ent_watchdog_now_ns();
        if (now - last > PAUSED_NS)
            forgive_pause(wd, now);
        last = now;
        for (struct ent_watchdog_conn *c = wd->head; c; c = c->next)
            look(wd, c, now);
        int64_t until = now + TICK_NS;
        struct timespec ts = {.tv_sec = until / 1000000000, .tv_nsec = until % 1000000000};
        pthread_cond_timedwait(&wd->wake, &wd->lock, &ts);
    }
    pthread_mutex_unlock(&wd->lock);
    return NULL;
}

int
ent_watchdog_start(int64_t timeout_ns, struct ent_watchdog **out)
{
    struct ent_watchdog *wd = ent_calloc(1, sizeof(*wd));
    if (!wd)
        return ENT_ENOMEM;
    wd->timeout_ns = timeout_ns;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&wd->wake, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&wd->lock, NULL);
    if (pthread_create(&wd->thread, NULL, run, wd) != 0) {
        pthread_cond_destroy(&wd->wake);
        pthread_mutex_destroy(&wd->lock);
        ent_free(wd);
        return ENT_ENOMEM;
    }
    *out = wd;
    return ENT_OK;
}

void
ent_watchdog_stop(struct ent_watchdog *wd)
{
    if (!wd)
        return;
    pthread_mutex_lock(&wd->lock);
    wd->quit = true;
    pthread_cond_signal(&wd->wake);
    pthread_mutex_unlock(&wd->lock);
    pthread_join(wd->thread, NULL);
    pthread_cond_destroy(&wd->wake);
    pthread_mutex_destroy(&wd->lock);
    ent_free(wd);
}

struct ent_watchdog_conn *
ent_watchdog_add(struct ent_watchdog *wd, int fd)
{
    struct ent_watchdog_conn *c = ent_calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->wd = wd;
    c->fd = fd;
    c->send_queue = -1;
    ent_watchdog_enter(c, ENT_WATCHDOG_WAIT);
    pthread_mutex_lock(&wd->lock);
    c->next = wd->head;
    if (wd->head)
        wd->head->prev = c;
    wd->head = c;
    wd->count++;
    pthread_mutex_unlock(&wd->lock);
    return c;
}

void
ent_watchdog_remove(struct ent_watchdog *wd, struct ent_watchdog_conn *c)
{
    pthread_mutex_lock(&wd->lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        wd->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    wd->count--;
    pthread_mutex_unlock(&wd->lock);
    ent_free(c);
}

void
ent_watchdog_enter(struct ent_watchdog_conn *c, enum ent_watchdog_phase phase)
{
    int64_t deadline = phase == ENT_WATCHDOG_BUSY ? 0 : ent_watchdog_now_ns() + c->wd->timeout_ns;
    atomic_store_explicit(&c->phase, (int)phase, memory_order_relaxed);
    atomic_store_explicit(&c->deadline_ns, deadline, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->gen, 1, memory_order_release);
}

void
ent_watchdog_drain(struct ent_watchdog *wd)
{
    pthread_mutex_lock(&wd->lock);
    wd->draining = true;
    pthread_cond_signal(&wd->wake);
    pthread_mutex_unlock(&wd->lock);
}

size_t
ent_watchdog_count(struct ent_watchdog *wd)
{
    pthread_mutex_lock(&wd->lock);
    size_t n = wd->count;
    pthread_mutex_unlock(&wd->lock);
    return n;
}
