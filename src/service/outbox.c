/* SPDX-License-Identifier: MIT */
/*
 * outbox.c: the outbox of webhooks (see outbox.h): the set of enabled endpoints in memory, the
 * matching of a change against it, the Standard Webhooks body of a message, and the messages
 * written in the change's transaction. No SQL here (the store writes the rows), and no JSON but
 * the body of a message, whose format is written here once.
 *
 * THREAD SAFETY: the set is swapped whole under a mutex; matching holds it only to copy the ids
 * of the endpoints that match. The flag that the usage hot path reads is an atomic.
 */
#include "service/outbox.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/utc.h"
#include "core/webhook.h"
#include "service/ctx.h"

#define BODY_MAX ((size_t)4 << 20) /* a message body: two encoded objects and a little more */
#define CROSSED_MAX ENT_WEBHOOK_THRESHOLDS_MAX

struct ent_outbox {
    pthread_mutex_t lock;
    struct ent_arena arena; /* the set's memory */
    struct ent_webhook *hooks;
    size_t n_hooks;
    atomic_bool watches_usage;
    atomic_bool wants_timed;
    /* waking the delivery workers */
    pthread_mutex_t wake_lock;
    pthread_cond_t wake;
    uint64_t nudges;
};

/* A copy of what a message needs of an endpoint that matched. */
struct matched {
    char id[37];
};

static int collect(struct ent_outbox *o, struct ent_arena *a, const char *type,
                   const char *account_id, const struct ent_outbox_filter *filter,
                   struct matched **out, size_t *n);
static int write_messages(struct ent_ctx *ctx, const struct matched *hooks, size_t n,
                          const char *type, const char *event_id, const char *account_id,
                          const char *body);

struct ent_outbox *
ent_outbox_new(void)
{
    struct ent_outbox *o = ent_calloc(1, sizeof(*o));
    if (!o)
        return NULL;
    pthread_mutex_init(&o->lock, NULL);
    pthread_mutex_init(&o->wake_lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&o->wake, &attr);
    pthread_condattr_destroy(&attr);
    ent_arena_init(&o->arena, 0);
    return o;
}

void
ent_outbox_free(struct ent_outbox *o)
{
    if (!o)
        return;
    ent_arena_cleanup(&o->arena);
    pthread_cond_destroy(&o->wake);
    pthread_mutex_destroy(&o->wake_lock);
    pthread_mutex_destroy(&o->lock);
    ent_free(o);
}

/* True when the endpoint wants messages of type. */
static bool
wants(const struct ent_webhook *w, const char *type)
{
    return ent_webhook_matches(w->events, w->n_events, type);
}

int
ent_outbox_refresh(struct ent_outbox *o, struct ent_store_session *sess)
{
    struct ent_arena fresh;
    ent_arena_init(&fresh, 0);
    struct ent_webhook *hooks = NULL;
    size_t n = 0;
    int rc = sess->ops->webhooks_enabled(sess, &fresh, &hooks, &n);
    if (rc < 0) {
        ent_arena_cleanup(&fresh);
        return rc;
    }
    bool usage = false, timed = false;
    for (size_t i = 0; i < n; i++) {
        usage = usage || wants(&hooks[i], "usage.threshold_crossed");
        timed = timed || ent_webhook_wants_timed(hooks[i].events, hooks[i].n_events);
    }
    pthread_mutex_lock(&o->lock);
    struct ent_arena old = o->arena;
    o->arena = fresh;
    o->hooks = hooks;
    o->n_hooks = n;
    atomic_store(&o->watches_usage, usage);
    atomic_store(&o->wants_timed, timed);
    pthread_mutex_unlock(&o->lock);
    ent_arena_cleanup(&old);
    return ENT_OK;
}

/* True when the endpoint sets threshold t. */
static bool
has_threshold(const struct ent_webhook *w, int t)
{
    for (size_t i = 0; i < w->n_thresholds; i++) {
        if (w->thresholds[i] == t)
            return true;
    }
    return false;
}

/*
 * The endpoints that a message of type for account_id (NULL or empty: none) goes to, copied into
 * a. OUT out, n. Errors: ENT_ENOMEM.
 */
static int
collect(struct ent_outbox *o, struct ent_arena *a, const char *type, const char *account_id,
        const struct ent_outbox_filter *filter, struct matched **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    int rc = ENT_OK;
    pthread_mutex_lock(&o->lock);
    for (size_t i = 0; i < o->n_hooks && rc == ENT_OK; i++) {
        const struct ent_webhook *w = &o->hooks[i];
        if (!wants(w, type))
            continue;
        if (w->account_id[0] && (!account_id || strcmp(w->account_id, account_id) != 0))
            continue;
        if (filter && filter->threshold > 0 && !has_threshold(w, filter->threshold))
            continue;
        if (filter && filter->lease_days > 0 && w->lease_expiring_days != filter->lease_days)
            continue;
        if (!*out) {
            *out = ent_arena_calloc(a, o->n_hooks, sizeof(**out));
            if (!*out) {
                rc = ENT_ENOMEM;
                break;
            }
        }
        memcpy((*out)[(*n)++].id, w->id, 37);
    }
    pthread_mutex_unlock(&o->lock);
    return rc;
}

/* Writes one pending message of body to each endpoint of hooks, in the open transaction. */
static int
write_messages(struct ent_ctx *ctx, const struct matched *hooks, size_t n, const char *type,
               const char *event_id, const char *account_id, const char *body)
{
    for (size_t i = 0; i < n; i++) {
        struct ent_webhook_message m = {
            .type = type,
            .body = body,
            .next_attempt_ms = ctx->now_ms,
            .created_ms = ctx->now_ms,
        };
        ent_ctx_new_id(ctx, m.id);
        memcpy(m.webhook_id, hooks[i].id, 37);
        snprintf(m.event_id, sizeof(m.event_id), "%s", event_id ? event_id : "");
        snprintf(m.account_id, sizeof(m.account_id), "%s", account_id ? account_id : "");
        int rc = ctx->sess->ops->webhook_message_insert(ctx->sess, &m);
        if (rc < 0)
            return rc;
    }
    if (n)
        ctx->outbox_wrote = true;
    return ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* The body: {"type": …, "timestamp": …, "data": {…}}                                          */
/* ------------------------------------------------------------------------------------------ */

/* Appends s as a JSON string (or null). */
static void
put_string(struct ent_buf *b, const char *s)
{
    if (!s) {
        ent_buf_puts(b, "null");
        return;
    }
    ent_buf_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            ent_buf_printf(b, "\\%c", *p);
        else if (*p < 0x20)
            ent_buf_printf(b, "\\u%04x", *p);
        else
            ent_buf_append(b, p, 1);
    }
    ent_buf_puts(b, "\"");
}

/* Appends a time as an RFC 3339 string, or null for ENT_TIME_NONE. */
static void
put_time(struct ent_buf *b, int64_t ms)
{
    if (ms == ENT_TIME_NONE) {
        ent_buf_puts(b, "null");
        return;
    }
    char t[ENT_UTC_MAX];
    ent_utc_format(ms, t);
    put_string(b, t);
}

/* Opens the body and its data object: {"type":…,"timestamp":…,"data":{ */
static void
open_body(struct ent_buf *b, const char *type, int64_t at_ms)
{
    ent_buf_puts(b, "{\"type\":");
    put_string(b, type);
    ent_buf_puts(b, ",\"timestamp\":");
    put_time(b, at_ms);
    ent_buf_puts(b, ",\"data\":{");
}

/* The body text in the context's arena (NULL when out of memory or too large). */
static const char *
close_body(struct ent_ctx *ctx, struct ent_buf *b)
{
    ent_buf_puts(b, "}}");
    const char *text = b->data ? ent_arena_strndup(&ctx->arena, b->data, b->len) : NULL;
    ent_buf_cleanup(b);
    return text;
}

int
ent_outbox_event(struct ent_ctx *ctx, const struct ent_event *e)
{
    struct ent_outbox *o = ctx->app->outbox;
    if (!o)
        return ENT_OK;
    struct matched *hooks = NULL;
    size_t n = 0;
    int rc = collect(o, &ctx->arena, e->type, e->account, NULL, &hooks, &n);
    if (rc < 0 || n == 0)
        return rc;
    struct ent_buf b;
    ent_buf_init(&b, BODY_MAX);
    open_body(&b, e->type, e->created_ms);
    ent_buf_puts(&b, "\"id\":");
    put_string(&b, e->id);
    ent_buf_puts(&b, ",\"type\":");
    put_string(&b, e->type);
    ent_buf_puts(&b, ",\"actor\":");
    put_string(&b, e->actor[0] ? e->actor : NULL);
    ent_buf_puts(&b, ",\"account\":");
    put_string(&b, e->account[0] ? e->account : NULL);
    ent_buf_puts(&b, ",\"object\":");
    put_string(&b, e->object);
    ent_buf_puts(&b, ",\"before\":");
    ent_buf_puts(&b, e->before ? e->before : "null"); /* encoded objects: JSON already */
    ent_buf_puts(&b, ",\"after\":");
    ent_buf_puts(&b, e->after ? e->after : "null");
    ent_buf_puts(&b, ",\"created_at\":");
    put_time(&b, e->created_ms);
    const char *body = close_body(ctx, &b);
    if (!body)
        return ENT_ENOMEM;
    return write_messages(ctx, hooks, n, e->type, e->id, e->account[0] ? e->account : NULL, body);
}

int
ent_outbox_emit(struct ent_ctx *ctx, const char *type, const char *account_id,
                const struct ent_outbox_field *fields, size_t n_fields,
                const struct ent_outbox_filter *filter)
{
    struct ent_outbox *o = ctx->app->outbox;
    if (!o)
        return ENT_OK;
    struct matched *hooks = NULL;
    size_t n = 0;
    int rc = collect(o, &ctx->arena, type, account_id, filter, &hooks, &n);
    if (rc < 0 || n == 0)
        return rc;
    struct ent_buf b;
    ent_buf_init(&b, BODY_MAX);
    open_body(&b, type, ctx->now_ms);
    for (size_t i = 0; i < n_fields; i++) {
        const struct ent_outbox_field *f = &fields[i];
        ent_buf_puts(&b, i ? "," : "");
        put_string(&b, f->name);
        ent_buf_puts(&b, ":");
        if (f->kind == ENT_OUTBOX_STR)
            put_string(&b, f->s);
        else if (f->kind == ENT_OUTBOX_INT)
            ent_buf_printf(&b, "%lld", (long long)f->i);
        else if (f->kind == ENT_OUTBOX_TIME)
            put_time(&b, f->i);
        else
            ent_buf_puts(&b, "null");
    }
    const char *body = close_body(ctx, &b);
    if (!body)
        return ENT_ENOMEM;
    return write_messages(ctx, hooks, n, type, NULL, account_id, body);
}

bool
ent_outbox_wants_timed(const struct ent_outbox *o)
{
    return o && atomic_load(&o->wants_timed);
}

bool
ent_outbox_watches_usage(const struct ent_outbox *o)
{
    return o && atomic_load(&o->watches_usage);
}

/* The thresholds that some endpoint wanting usage.threshold_crossed sets, each once. */
static size_t
union_thresholds(struct ent_outbox *o, int *out, size_t cap)
{
    size_t n = 0;
    pthread_mutex_lock(&o->lock);
    for (size_t i = 0; i < o->n_hooks; i++) {
        const struct ent_webhook *w = &o->hooks[i];
        if (!wants(w, "usage.threshold_crossed"))
            continue;
        for (size_t t = 0; t < w->n_thresholds; t++) {
            bool seen = false;
            for (size_t k = 0; k < n; k++)
                seen = seen || out[k] == w->thresholds[t];
            if (!seen && n < cap)
                out[n++] = w->thresholds[t];
        }
    }
    pthread_mutex_unlock(&o->lock);
    return n;
}

int
ent_outbox_usage(struct ent_ctx *ctx, const char *account_id, const char *feature_id,
                 const char *feature_key, int64_t before, int64_t after, int64_t limit,
                 int64_t window_start_ms, int64_t window_end_ms)
{
    struct ent_outbox *o = ctx->app->outbox;
    int all[4 * CROSSED_MAX];
    size_t n_all = union_thresholds(o, all, sizeof(all) / sizeof(all[0]));
    int crossed[4 * CROSSED_MAX];
    size_t n = ent_webhook_crossed(before, after, limit, all, n_all, crossed, n_all);
    int highest = 0;
    for (size_t i = 0; i < n; i++) {
        bool never = window_start_ms == INT64_MIN;
        const struct ent_outbox_field fields[] = {
            {.name = "account", .kind = ENT_OUTBOX_STR, .s = account_id},
            {.name = "feature", .kind = ENT_OUTBOX_STR, .s = feature_key},
            {.name = "threshold", .kind = ENT_OUTBOX_INT, .i = crossed[i]},
            {.name = "usage", .kind = ENT_OUTBOX_INT, .i = after},
            {.name = "limit", .kind = ENT_OUTBOX_INT, .i = limit},
            {.name = "window_start",
             .kind = ENT_OUTBOX_TIME,
             .i = never ? ENT_TIME_NONE : window_start_ms},
            {.name = "window_end",
             .kind = ENT_OUTBOX_TIME,
             .i = never ? ENT_TIME_NONE : window_end_ms},
        };
        struct ent_outbox_filter filter = {.threshold = crossed[i]};
        int rc = ent_outbox_emit(ctx, "usage.threshold_crossed", account_id, fields,
                                 sizeof(fields) / sizeof(fields[0]), &filter);
        if (rc < 0)
            return rc;
        highest = crossed[i] > highest ? crossed[i] : highest;
    }
    if (!highest || window_end_ms == INT64_MAX)
        return ENT_OK;
    if (window_end_ms > ctx->now_ms) /* its usage.window_reset comes from the scheduler */
        return ctx->sess->ops->webhook_window_crossed(ctx->sess, account_id, feature_id,
                                                      window_start_ms, window_end_ms, highest);
    /* an event of a window that has ended already: its reset is due at once */
    const struct ent_outbox_field fields[] = {
        {.name = "account", .kind = ENT_OUTBOX_STR, .s = account_id},
        {.name = "feature_id", .kind = ENT_OUTBOX_STR, .s = feature_id},
        {.name = "threshold", .kind = ENT_OUTBOX_INT, .i = highest},
        {.name = "window_start", .kind = ENT_OUTBOX_TIME, .i = window_start_ms},
        {.name = "window_end", .kind = ENT_OUTBOX_TIME, .i = window_end_ms},
    };
    return ent_outbox_emit(ctx, "usage.window_reset", account_id, fields,
                           sizeof(fields) / sizeof(fields[0]), NULL);
}

size_t
ent_outbox_enabled(struct ent_outbox *o)
{
    if (!o)
        return 0;
    pthread_mutex_lock(&o->lock);
    size_t n = o->n_hooks;
    pthread_mutex_unlock(&o->lock);
    return n;
}

bool
ent_outbox_wants(struct ent_outbox *o, const char *type)
{
    if (!o)
        return false;
    bool any = false;
    pthread_mutex_lock(&o->lock);
    for (size_t i = 0; i < o->n_hooks && !any; i++)
        any = wants(&o->hooks[i], type);
    pthread_mutex_unlock(&o->lock);
    return any;
}

size_t
ent_outbox_lease_days(struct ent_outbox *o, int64_t *days, size_t cap)
{
    size_t n = 0;
    pthread_mutex_lock(&o->lock);
    for (size_t i = 0; i < o->n_hooks; i++) {
        const struct ent_webhook *w = &o->hooks[i];
        if (!wants(w, "lease.expiring"))
            continue;
        bool seen = false;
        for (size_t k = 0; k < n; k++)
            seen = seen || days[k] == w->lease_expiring_days;
        if (!seen && n < cap)
            days[n++] = w->lease_expiring_days;
    }
    pthread_mutex_unlock(&o->lock);
    return n;
}

void
ent_outbox_nudge(struct ent_outbox *o)
{
    if (!o)
        return;
    pthread_mutex_lock(&o->wake_lock);
    o->nudges++;
    pthread_cond_broadcast(&o->wake);
    pthread_mutex_unlock(&o->wake_lock);
}

void
ent_outbox_wake_all(struct ent_outbox *o)
{
    ent_outbox_nudge(o);
}

void
ent_outbox_wait(struct ent_outbox *o, int64_t timeout_ms, const atomic_bool *stop)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    int64_t ns = (int64_t)until.tv_nsec + (timeout_ms % 1000) * 1000000;
    until.tv_sec += (time_t)(timeout_ms / 1000 + ns / 1000000000);
    until.tv_nsec = (long)(ns % 1000000000);
    pthread_mutex_lock(&o->wake_lock);
    uint64_t seen = o->nudges;
    while (o->nudges == seen && !atomic_load(stop)) {
        if (pthread_cond_timedwait(&o->wake, &o->wake_lock, &until) != 0)
            break;
    }
    pthread_mutex_unlock(&o->wake_lock);
}
