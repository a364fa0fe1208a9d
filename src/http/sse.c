/* SPDX-License-Identifier: MIT */
/*
 * sse.c: OFREP's change streams (sse.h). Each stream is the content of one libmicrohttpd answer:
 * its reader hands out what is waiting and, when nothing is, suspends the connection (the one
 * way libmicrohttpd allows a reader to wait); the streams' thread writes events and resumes it.
 * The thread looks at every stream each TICK_MS: it evaluates the stream's account through the
 * library (ent_ofrep_evaluate_all(), from memory, outside the mutex) and compares the tag.
 */
#include "http/sse.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"

#define TICK_MS 250
#define PING_NS (15LL * 1000000000)
#define OUT_CAP 1024

struct stream {
    struct ent_sse *owner;
    struct MHD_Connection *conn;
    struct ent_watchdog_conn *watch;
    uint64_t id;
    char account_id[37];
    char etag[20];
    char out[OUT_CAP]; /* what waits to be sent */
    size_t out_len, out_off;
    bool suspended;
    bool ended;
    int64_t last_write_ns;
    uint64_t events;
    struct stream *prev, *next;
};

struct ent_sse {
    struct ent_app *app;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    bool stopping;
    bool draining;
    uint64_t next_id;
    struct stream *head;
};

/* The monotonic clock, in ns. */
static int64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Appends text to what waits to be sent, if it fits (an event that does not fit is dropped: a
 * refetch already waits). The lock is held. */
static void
queue_text(struct stream *st, const char *text, size_t len)
{
    if (st->out_off > 0 && st->out_off == st->out_len)
        st->out_len = st->out_off = 0;
    if (st->out_len + len > OUT_CAP)
        return;
    memcpy(st->out + st->out_len, text, len);
    st->out_len += len;
}

/* Lets a stream's reader run again, after text was queued or the stream ended. Lock held. */
static void
wake_reader(struct stream *st)
{
    if (st->suspended) {
        st->suspended = false;
        MHD_resume_connection(st->conn);
    }
}

/* MHD_ContentReaderCallback: what waits, the end, or nothing yet (then the connection waits). */
static ssize_t
read_stream(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct stream *st = cls;
    struct ent_sse *s = st->owner;
    pthread_mutex_lock(&s->lock);
    ssize_t n = 0;
    if (st->out_off < st->out_len) {
        size_t left = st->out_len - st->out_off;
        size_t take = left < max ? left : max;
        memcpy(buf, st->out + st->out_off, take);
        st->out_off += take;
        st->last_write_ns = now_ns();
        n = (ssize_t)take;
        if (st->watch)
            ent_watchdog_enter(st->watch, ENT_WATCHDOG_SEND);
    } else if (st->ended) {
        /* A timeout of its own: libmicrohttpd's loop then wakes for this connection and closes
         * it, even when its client never closes its end (its own idle timeout is off). */
        MHD_set_connection_option(st->conn, MHD_CONNECTION_OPTION_TIMEOUT, 1u);
        n = MHD_CONTENT_READER_END_OF_STREAM;
    } else {
        /* Nothing to send: no deadline while it waits (the watchdog's BUSY), and no busy loop. */
        if (st->watch)
            ent_watchdog_enter(st->watch, ENT_WATCHDOG_BUSY);
        st->suspended = true;
        MHD_suspend_connection(st->conn);
    }
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* MHD_ContentReaderFreeCallback: the answer is done with; the stream leaves the list. */
static void
free_stream(void *cls)
{
    struct stream *st = cls;
    struct ent_sse *s = st->owner;
    pthread_mutex_lock(&s->lock);
    if (st->prev)
        st->prev->next = st->next;
    else
        s->head = st->next;
    if (st->next)
        st->next->prev = st->prev;
    pthread_mutex_unlock(&s->lock);
    ent_free(st);
}

struct MHD_Response *
ent_sse_response(struct ent_sse *s, struct MHD_Connection *conn, struct ent_watchdog_conn *watch,
                 const char *account_id, const char *etag)
{
    struct stream *st = ent_calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    st->owner = s;
    st->conn = conn;
    st->watch = watch;
    snprintf(st->account_id, sizeof(st->account_id), "%s", account_id);
    snprintf(st->etag, sizeof(st->etag), "%s", etag);
    /* The first bytes go at once: a client's EventSource opens on them. */
    static const char hello[] = "retry: 1000\n: entitled OFREP change stream\n\n";
    queue_text(st, hello, sizeof(hello) - 1);
    st->last_write_ns = now_ns();
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, OUT_CAP, read_stream, st, free_stream);
    if (!resp) {
        ent_free(st);
        return NULL;
    }
    pthread_mutex_lock(&s->lock);
    st->id = ++s->next_id;
    st->ended = s->draining;
    st->next = s->head;
    if (s->head)
        s->head->prev = st;
    s->head = st;
    pthread_mutex_unlock(&s->lock);
    return resp;
}

/* One stream to look at: copied out of the list, so the account is evaluated without the lock. */
struct look {
    uint64_t id;
    char account_id[37];
    char etag[20];
};

/* The tag of account_id's bulk answer now; false when it cannot be evaluated (left as it was). */
static bool
current_tag(struct ent_app *app, const char *account_id, char etag[20])
{
    struct ent_ctx *ctx = NULL;
    if (ent_ctx_new(app, ent_app_now(app), &ctx) < 0)
        return false;
    struct ent_principal p = {.scope = ENT_SCOPE_ACCOUNT};
    snprintf(p.account_id, sizeof(p.account_id), "%s", account_id);
    ent_ctx_set_principal(ctx, &p);
    struct ent_ofrep_bulk bulk;
    struct ent_error err;
    bool ok = ent_ofrep_evaluate_all(ctx, NULL, &bulk, &err) == ENT_OK;
    if (ok)
        memcpy(etag, bulk.etag, 20);
    ent_ctx_free(ctx);
    return ok;
}

/* Queues a refetch event for a stream whose tag changed. Lock held. */
static void
queue_refetch(struct stream *st, const char *etag)
{
    /* The tag is "\"<hex>\"": in JSON its quotes are escaped. */
    char event[160];
    size_t hex_len = strlen(etag) >= 2 ? strlen(etag) - 2 : 0;
    int n = snprintf(event, sizeof(event),
                     "id: %llu\nevent: message\ndata: {\"type\":\"refetchEvaluation\","
                     "\"etag\":\"\\\"%.*s\\\"\"}\n\n",
                     (unsigned long long)++st->events, (int)hex_len, etag + 1);
    if (n > 0 && (size_t)n < sizeof(event))
        queue_text(st, event, (size_t)n);
}

/* Looks at every stream once. */
static void
tick(struct ent_sse *s)
{
    pthread_mutex_lock(&s->lock);
    size_t n = 0;
    for (struct stream *st = s->head; st; st = st->next)
        n++;
    struct look *looks = n ? ent_calloc(n, sizeof(*looks)) : NULL;
    size_t k = 0;
    for (struct stream *st = s->head; looks && st; st = st->next) {
        if (st->ended)
            continue;
        looks[k].id = st->id;
        memcpy(looks[k].account_id, st->account_id, sizeof(st->account_id));
        memcpy(looks[k].etag, st->etag, sizeof(st->etag));
        k++;
    }
    pthread_mutex_unlock(&s->lock);
    for (size_t i = 0; i < k; i++) {
        char etag[20];
        /* Streams of one account next to each other share its evaluation. */
        bool same = i > 0 && strcmp(looks[i].account_id, looks[i - 1].account_id) == 0;
        bool have = true;
        if (same)
            memcpy(etag, looks[i - 1].etag, sizeof(etag));
        else
            have = current_tag(s->app, looks[i].account_id, etag);
        if (!have) /* gone, or the store failed: no event, pings still go */
            memcpy(etag, looks[i].etag, sizeof(etag));
        bool changed = strcmp(etag, looks[i].etag) != 0;
        memcpy(looks[i].etag, etag, sizeof(etag)); /* for the next stream of the account */
        int64_t now = now_ns();
        pthread_mutex_lock(&s->lock);
        for (struct stream *st = s->head; st; st = st->next) {
            if (st->id != looks[i].id || st->ended)
                continue;
            if (changed && strcmp(st->etag, etag) != 0) {
                memcpy(st->etag, etag, sizeof(st->etag));
                queue_refetch(st, etag);
                wake_reader(st);
            } else if (now - st->last_write_ns > PING_NS && st->out_off == st->out_len) {
                static const char ping[] = ": ping\n\n";
                queue_text(st, ping, sizeof(ping) - 1);
                st->last_write_ns = now;
                wake_reader(st);
            }
            break;
        }
        pthread_mutex_unlock(&s->lock);
    }
    ent_free(looks);
}

/* The streams' thread: a tick every TICK_MS until stopped. */
static void *
run(void *arg)
{
    struct ent_sse *s = arg;
    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += TICK_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->wake, &s->lock, &until);
        if (s->stopping)
            break;
        pthread_mutex_unlock(&s->lock);
        tick(s);
        pthread_mutex_lock(&s->lock);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

int
ent_sse_start(struct ent_app *app, struct ent_sse **out)
{
    struct ent_sse *s = ent_calloc(1, sizeof(*s));
    if (!s)
        return ENT_ENOMEM;
    s->app = app;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    if (pthread_create(&s->thread, NULL, run, s) != 0) {
        pthread_cond_destroy(&s->wake);
        pthread_mutex_destroy(&s->lock);
        ent_free(s);
        return ENT_ENOMEM;
    }
    *out = s;
    return ENT_OK;
}

void
ent_sse_drain(struct ent_sse *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->draining = true;
    for (struct stream *st = s->head; st; st = st->next) {
        st->ended = true;
        wake_reader(st);
    }
    pthread_mutex_unlock(&s->lock);
}

void
ent_sse_stop(struct ent_sse *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    ent_free(s);
}
