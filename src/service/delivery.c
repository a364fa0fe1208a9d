/* SPDX-License-Identifier: MIT */
/*
 * delivery.c: the background side of webhooks (issue 15): delivery workers that take due
 * messages from the outbox and send them with libcurl, signed the Standard Webhooks way, and
 * a scheduler that emits the events no request causes (usage windows that reset after crossing
 * a threshold, entitlements starting and expiring, leases expiring and expired, floating
 * activations whose heartbeats stopped), exactly once per moment across daemons and also after
 * a restart that spanned the moment (the store keeps until when it looked).
 *
 * A worker claims up to BATCH messages (each first in its endpoint and account queue, leased to
 * it), sends them in order with no store session held, then records each outcome: 2xx is
 * delivered; a connection error, a timeout, 408, 429 or 5xx is tried again after the back-off
 * of core/webhook.c; any other answer fails the message for good. When a message has failed
 * every attempt and its endpoint has answered no attempt with 2xx for as long as the whole
 * schedule takes (three days by default), the endpoint is disabled and "webhook.disabled" is
 * recorded. A request thread of the API never waits on any of this.
 *
 * Safety: redirects are not followed, only http and https are spoken, no proxy from the
 * environment is used, at most RESPONSE_MAX bytes of an answer are read, and unless the
 * operator allows it no connection is opened to a loopback, link-local or private address (the
 * address is checked when the socket is opened, so a name that resolves elsewhere later is
 * caught too).
 */
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/alloc.h"
#include "core/utc.h"
#include "core/webhook.h"
#include "service/ctx.h"
#include "service/events.h"
#include "service/outbox.h"
#include "service/timed.h"
#include "service/webhooks.h"
#include "service/writes.h"

#define BATCH 32
#define POLL_MS 200        /* an idle worker looks for due messages this often */
#define REFRESH_MS 1000    /* the scheduler rereads the endpoints and the backlog this often */
#define RESPONSE_MAX 65536 /* bytes of an answer read */
#define SIGNATURES_MAX 160 /* "v1,<base64> v1,<base64>" */
#define ERROR_MAX 200
#define LEASE_MARGIN_MS 1000 /* of a lease beyond the attempts it covers */

struct ent_delivery {
    struct ent_app *app;
    struct ent_webhook_config cfg;
    atomic_bool stop;
    pthread_t *workers;
    unsigned n_started;
    pthread_t timer;
    bool timer_started;
    pthread_mutex_t timer_lock;
    pthread_cond_t timer_wake;
    atomic_uint_fast64_t delivered;
    atomic_uint_fast64_t failed_attempts;
    atomic_uint_fast64_t failed;
    atomic_int_fast64_t pending;
    atomic_int_fast64_t oldest_ms;
};

/* What a batch knows of one endpoint. */
struct target {
    char id[37];
    bool found;
    const char *url;
    unsigned char key[ENT_WEBHOOK_KEY_BYTES];
    unsigned char old_key[ENT_WEBHOOK_KEY_BYTES];
    bool has_old;
    int health;       /* what the batch recorded of its health: 0 nothing, 1 answered, -1 failed */
    int64_t since_ms; /* failing since, as recorded */
};

/* The outcome of one attempt. */
struct outcome {
    bool sent; /* attempted (false: skipped, its lease is ended untouched) */
    int code;  /* the HTTP status, 0 for none */
    char error[ERROR_MAX];
};

/* ------------------------------------------------------------------------------------------ */
/* One attempt                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* Counts the answer's bytes; past RESPONSE_MAX the transfer stops. */
static size_t
sink(char *data, size_t size, size_t n, void *arg)
{
    (void)data;
    size_t *seen = arg;
    *seen += size * n;
    return *seen > RESPONSE_MAX ? 0 : size * n;
}

/* Stops a transfer in flight when the daemon stops. */
static int
progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    struct ent_delivery *dl = arg;
    return atomic_load(&dl->stop) ? 1 : 0;
}

/* Opens a connection's socket unless its address may not be reached. */
static curl_socket_t
open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *address)
{
    (void)purpose;
    struct ent_delivery *dl = arg;
    if (!dl->cfg.allow_private) {
        const struct sockaddr *sa = &address->addr;
        bool private_addr = true; /* other families: refused */
        if (sa->sa_family == AF_INET)
            private_addr = ent_webhook_addr_is_private(
                4, (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr);
        else if (sa->sa_family == AF_INET6)
            private_addr = ent_webhook_addr_is_private(
                6, (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr);
        if (private_addr)
            return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype, address->protocol);
}

/* Appends "v1,<base64 HMAC-SHA256 of content under key>" to sig. */
static void
sign(char *sig, size_t cap, const unsigned char *key, const char *content, size_t len)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, (const unsigned char *)content, len, key);
    char b64[sodium_base64_ENCODED_LEN(crypto_auth_hmacsha256_BYTES,
                                       sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof(b64), mac, sizeof(mac), sodium_base64_VARIANT_ORIGINAL);
    size_t at = strlen(sig);
    snprintf(sig + at, cap - at, "%sv1,%s", at ? " " : "", b64);
}

/*
 * Sends message m to target t with curl: signed by the endpoint's secret (and by its old one
 * while that is valid), at the store's time. OUT o.
 */
static void
attempt(struct ent_delivery *dl, CURL *curl, const struct target *t,
        const struct ent_webhook_message *m, struct outcome *o)
{
    memset(o, 0, sizeof(*o));
    o->sent = true;
    int64_t ts = ent_app_now(dl->app) / 1000;
    size_t body_len = strlen(m->body);
    size_t cap = body_len + 128;
    char *content = ent_alloc(cap);
    if (!content) {
        snprintf(o->error, sizeof(o->error), "out of memory");
        return;
    }
    size_t len = ent_webhook_signed_content(m->id, ts, m->body, body_len, content, cap);
    char sig[SIGNATURES_MAX] = "";
    sign(sig, sizeof(sig), t->key, content, len);
    if (t->has_old)
        sign(sig, sizeof(sig), t->old_key, content, len);
    ent_free(content);

    char h_id[64], h_ts[64], h_sig[SIGNATURES_MAX + 32];
    snprintf(h_id, sizeof(h_id), "webhook-id: %s", m->id);
    snprintf(h_ts, sizeof(h_ts), "webhook-timestamp: %lld", (long long)ts);
    snprintf(h_sig, sizeof(h_sig), "webhook-signature: %s", sig);
    struct curl_slist *headers = NULL;
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, "User-Agent: entitled-webhooks/1");
    headers = curl_slist_append(headers, "Expect:");
    headers = curl_slist_append(headers, h_id);
    headers = curl_slist_append(headers, h_ts);
    headers = curl_slist_append(headers, h_sig);
    size_t seen = 0;
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, t->url);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, m->body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)dl->cfg.timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)dl->cfg.timeout_ms);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &seen);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, dl);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, dl);
    CURLcode res = curl_easy_perform(curl);
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(headers);
    o->code = (int)code;
    if (res == CURLE_ABORTED_BY_CALLBACK)
        o->sent = false; /* stopping: the message is sent again later */
    else if (res == CURLE_COULDNT_CONNECT && !dl->cfg.allow_private)
        snprintf(o->error, sizeof(o->error), "%s (or its address is not allowed)",
                 curl_easy_strerror(res));
    else if (res != CURLE_OK && !(res == CURLE_WRITE_ERROR && code > 0))
        snprintf(o->error, sizeof(o->error), "%s", curl_easy_strerror(res));
}

/* ------------------------------------------------------------------------------------------ */
/* A batch                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* Orders messages as their outbox does. */
static int
by_seq(const void *a, const void *b)
{
    const struct ent_webhook_message *x = a, *y = b;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Reads endpoint id and opens its secrets into t (found false when it is gone). */
static int
load_target(struct ent_ctx *ctx, const char *id, struct target *t)
{
    memset(t, 0, sizeof(*t));
    memcpy(t->id, id, sizeof(t->id));
    struct ent_webhook w;
    int rc = ctx->sess->ops->webhook_get(ctx->sess, &ctx->arena, id, &w);
    if (rc == ENT_ENOTFOUND)
        return ENT_OK;
    const char *box = NULL, *old_box = NULL;
    int64_t old_until = ENT_TIME_NONE;
    if (rc == ENT_OK)
        rc =
            ctx->sess->ops->webhook_secrets(ctx->sess, &ctx->arena, id, &box, &old_box, &old_until);
    if (rc < 0)
        return rc;
    t->url = w.url;
    t->found = ent_webhooks_open_secret(ctx->app, box, t->key) == ENT_OK;
    if (old_box && old_until != ENT_TIME_NONE && old_until > ctx->now_ms)
        t->has_old = ent_webhooks_open_secret(ctx->app, old_box, t->old_key) == ENT_OK;
    if (!t->found)
        fprintf(stderr, "entitled: webhook %s: its secret cannot be opened with this key file\n",
                id);
    return ENT_OK;
}

/* The target of endpoint id among targets[0..*n), loaded and appended when new. */
static struct target *
target_of(struct ent_ctx *ctx, struct target *targets, size_t *n, const char *id)
{
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(targets[i].id, id) == 0)
            return &targets[i];
    }
    if (load_target(ctx, id, &targets[*n]) < 0)
        return NULL;
    return &targets[(*n)++];
}

/* Disables endpoint id, which failed for good, and records "webhook.disabled". */
static int
disable(struct ent_ctx *ctx, const char *id, int64_t since_ms, const char *last_error)
{
    struct ent_webhook before;
    int rc = ctx->sess->ops->webhook_get(ctx->sess, &ctx->arena, id, &before);
    if (rc < 0 || !before.enabled)
        return rc == ENT_ENOTFOUND ? ENT_OK : rc;
    char since[ENT_UTC_MAX];
    ent_utc_format(since_ms, since);
    struct ent_webhook after = before;
    after.enabled = false;
    after.updated_ms = ctx->now_ms;
    after.disabled_reason =
        ent_arena_printf(&ctx->arena, "every attempt failed since %s (last: %s)", since,
                         last_error && last_error[0] ? last_error : "error");
    rc = after.disabled_reason ? ctx->sess->ops->webhook_update(ctx->sess, &after) : ENT_ENOMEM;
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "webhook.disabled", after.account_id, after.id,
                               ENT_KIND_WEBHOOK, &before, &after);
    return rc;
}

/* Writes the outcome o of message m (in the open write). OUT disabled: an endpoint was. */
static int
record(struct ent_delivery *dl, struct ent_ctx *ctx, struct ent_webhook_message *m,
       const struct outcome *o, int64_t lease_until, struct target *t, bool *disabled)
{
    struct ent_store_session *sess = ctx->sess;
    if (!o->sent)
        return sess->ops->webhook_unclaim(sess, m->id, lease_until);
    bool ok = o->code >= 200 && o->code < 300 && !o->error[0];
    bool again = !ok && (o->code == 0 || o->code == 408 || o->code == 429 || o->code >= 500 ||
                         (o->code >= 300 && o->code < 400));
    m->attempts++;
    m->last_attempt_ms = ctx->now_ms;
    m->last_response_code = o->code;
    m->last_error = o->error[0] ? o->error : NULL;
    m->next_attempt_ms = ENT_TIME_NONE;
    m->delivered_ms = ENT_TIME_NONE;
    bool exhausted = false;
    if (ok) {
        m->status = ENT_DELIVERY_DELIVERED;
        m->delivered_ms = ctx->now_ms;
        atomic_fetch_add(&dl->delivered, 1);
    } else {
        atomic_fetch_add(&dl->failed_attempts, 1);
        int64_t delay = again ? ent_webhook_backoff_ms((int)m->attempts, dl->cfg.max_attempts,
                                                       dl->cfg.retry_unit_ms, randombytes_random())
                              : -1;
        exhausted = again && delay < 0;
        m->status = delay < 0 ? ENT_DELIVERY_FAILED : ENT_DELIVERY_PENDING;
        if (delay >= 0)
            m->next_attempt_ms = ctx->now_ms + delay;
        else
            atomic_fetch_add(&dl->failed, 1);
    }
    int rc = sess->ops->webhook_attempted(sess, m, lease_until);
    int64_t since = ENT_TIME_NONE;
    int health = ok ? 1 : -1;
    if (rc == ENT_OK && t && t->health == health) {
        since = t->since_ms; /* recorded already by this batch */
    } else if (rc == ENT_OK) {
        rc = sess->ops->webhook_health(sess, m->webhook_id, ok, ctx->now_ms, &since);
        if (rc == ENT_OK && t) {
            t->health = health;
            t->since_ms = since;
        }
    }
    if (rc == ENT_ENOTFOUND)
        rc = ENT_OK; /* the endpoint was deleted meanwhile */
    int64_t days = ent_webhook_schedule_min_ms(dl->cfg.max_attempts, dl->cfg.retry_unit_ms);
    if (rc == ENT_OK && exhausted && since != ENT_TIME_NONE && ctx->now_ms - since >= days) {
        rc = disable(ctx, m->webhook_id, since, m->last_error);
        *disabled = true;
    }
    return rc;
}

/* True when message i follows, in its queue, a message of the batch that was not delivered. */
static bool
blocked(const struct ent_webhook_message *msgs, const struct outcome *outs, size_t i)
{
    for (size_t k = 0; k < i; k++) {
        bool done = outs[k].sent && outs[k].code >= 200 && outs[k].code < 300 && !outs[k].error[0];
        if (!done && strcmp(msgs[k].webhook_id, msgs[i].webhook_id) == 0 &&
            strcmp(msgs[k].account_id, msgs[i].account_id) == 0)
            return true;
    }
    return false;
}

/* Claims, sends and records one batch. Returns how many messages it claimed. */
static size_t
run_batch(struct ent_delivery *dl, CURL *curl)
{
    struct ent_ctx *ctx = NULL;
    if (ent_ctx_new(dl->app, ent_app_now(dl->app), &ctx) < 0)
        return 0;
    ent_ctx_set_encoder(ctx, dl->cfg.encode);
    struct ent_webhook_message *msgs = NULL;
    size_t n = 0;
    /* Short, so that a killed daemon's messages go to others soon; an attempt starts only while
     * it can end (its timeout) inside the lease, so a lease never runs out under an attempt. */
    int64_t lease_until = ctx->now_ms + 2 * (dl->cfg.timeout_ms + LEASE_MARGIN_MS);
    int rc = ent_writes_begin(ctx);
    if (rc == ENT_OK)
        rc = ctx->sess->ops->webhook_claim(ctx->sess, &ctx->arena, ctx->now_ms, lease_until, BATCH,
                                           &msgs, &n);
    struct target *targets = n ? ent_ctx_alloc(ctx, n * sizeof(*targets)) : NULL;
    struct outcome *outs = n ? ent_ctx_alloc(ctx, n * sizeof(*outs)) : NULL;
    size_t n_targets = 0;
    if (rc == ENT_OK && n && (!targets || !outs))
        rc = ENT_ENOMEM;
    if (rc == ENT_OK && n)
        qsort(msgs, n, sizeof(*msgs), by_seq);
    for (size_t i = 0; rc == ENT_OK && i < n; i++) {
        if (!target_of(ctx, targets, &n_targets, msgs[i].webhook_id))
            rc = ENT_ESTORE;
    }
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 200, ENT_KIND_WEBHOOK, NULL);
    if (rc < 0 || n == 0) {
        ent_writes_abort(ctx);
        ent_ctx_free(ctx);
        return 0;
    }
    ent_ctx_release(ctx); /* no store session is held while sending */
    for (size_t i = 0; i < n; i++) {
        struct target *t = target_of(ctx, targets, &n_targets, msgs[i].webhook_id);
        memset(&outs[i], 0, sizeof(outs[i]));
        bool in_lease = ent_app_now(dl->app) + dl->cfg.timeout_ms + LEASE_MARGIN_MS < lease_until;
        if (atomic_load(&dl->stop) || !in_lease || blocked(msgs, outs, i) || !t)
            continue; /* not sent: its lease ends untouched */
        if (!t->found) {
            outs[i].sent = true;
            snprintf(outs[i].error, sizeof(outs[i].error), "the endpoint's secret is unreadable");
            continue;
        }
        attempt(dl, curl, t, &msgs[i], &outs[i]);
    }
    for (size_t i = 0; i < n_targets; i++) {
        sodium_memzero(targets[i].key, sizeof(targets[i].key));
        sodium_memzero(targets[i].old_key, sizeof(targets[i].old_key));
    }
    ctx->now_ms = ent_app_now(dl->app);
    bool disabled = false;
    rc = ent_writes_begin(ctx);
    for (size_t i = 0; rc == ENT_OK && i < n; i++)
        rc = record(dl, ctx, &msgs[i], &outs[i], lease_until,
                    target_of(ctx, targets, &n_targets, msgs[i].webhook_id), &disabled);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 200, ENT_KIND_WEBHOOK, NULL);
    if (rc < 0) {
        ent_writes_abort(ctx);
        fprintf(stderr,
                "entitled: webhooks: cannot record %zu deliveries (%s); their leases "
                "run out and they are sent again\n",
                n, ent_error_name(rc));
    }
    if (rc == ENT_OK && disabled && dl->app->outbox)
        ent_outbox_refresh(dl->app->outbox, ctx->sess);
    ent_ctx_free(ctx);
    return n;
}

/* A delivery worker: batches while there are due messages, else waits to be woken. */
static void *
worker_main(void *arg)
{
    struct ent_delivery *dl = arg;
    CURL *curl = curl_easy_init();
    while (curl && !atomic_load(&dl->stop)) {
        /* no enabled endpoint (reread every second): no message can be sent */
        size_t n = ent_outbox_enabled(dl->app->outbox) ? run_batch(dl, curl) : 0;
        if (n < BATCH && !atomic_load(&dl->stop))
            ent_outbox_wait(dl->app->outbox, POLL_MS, &dl->stop);
    }
    if (curl)
        curl_easy_cleanup(curl);
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* The scheduler of timed events, the endpoints' refresh and the backlog                       */
/* ------------------------------------------------------------------------------------------ */

/* Every REFRESH_MS: rereads the endpoints (changed by other daemons) and counts the backlog. */
static void
refresh_all(struct ent_delivery *dl)
{
    struct ent_store_session *sess = NULL;
    if (dl->app->store->ops->acquire(dl->app->store, &sess) < 0)
        return;
    ent_outbox_refresh(dl->app->outbox, sess);
    int64_t pending = 0, oldest = ENT_TIME_NONE;
    if (sess->ops->webhook_backlog(sess, &pending, &oldest) == ENT_OK) {
        atomic_store(&dl->pending, pending);
        int64_t now = ent_app_now(dl->app);
        atomic_store(&dl->oldest_ms, oldest == ENT_TIME_NONE || oldest > now ? 0 : now - oldest);
    }
    sess->ops->release(sess);
}

/* Sleeps ms, or until the daemon stops. */
static void
timer_sleep(struct ent_delivery *dl, int64_t ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    int64_t ns = (int64_t)until.tv_nsec + (ms % 1000) * 1000000;
    until.tv_sec += (time_t)(ms / 1000 + ns / 1000000000);
    until.tv_nsec = (long)(ns % 1000000000);
    pthread_mutex_lock(&dl->timer_lock);
    while (!atomic_load(&dl->stop)) {
        if (pthread_cond_timedwait(&dl->timer_wake, &dl->timer_lock, &until) != 0)
            break;
    }
    pthread_mutex_unlock(&dl->timer_lock);
}

/* The scheduler thread. */
static void *
timer_main(void *arg)
{
    struct ent_delivery *dl = arg;
    int64_t since_refresh = REFRESH_MS;
    while (!atomic_load(&dl->stop)) {
        if (since_refresh >= REFRESH_MS) {
            refresh_all(dl);
            since_refresh = 0;
        }
        ent_timed_tick(dl->app, dl->cfg.encode);
        timer_sleep(dl, dl->cfg.tick_ms);
        since_refresh += dl->cfg.tick_ms;
    }
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* The API of entitled.h                                                                       */
/* ------------------------------------------------------------------------------------------ */

int
ent_webhooks_start(struct ent_app *app, const struct ent_webhook_config *cfg)
{
    if (app->delivery || !app->outbox)
        return ENT_EINVAL;
    struct ent_delivery *dl = ent_calloc(1, sizeof(*dl));
    if (!dl)
        return ENT_ENOMEM;
    dl->app = app;
    dl->cfg = *cfg;
    if (!dl->cfg.workers)
        dl->cfg.workers = 2;
    if (dl->cfg.retry_unit_ms <= 0)
        dl->cfg.retry_unit_ms = 1000;
    if (dl->cfg.max_attempts <= 0 || dl->cfg.max_attempts > ENT_WEBHOOK_SCHEDULE_LEN)
        dl->cfg.max_attempts = ENT_WEBHOOK_SCHEDULE_LEN;
    if (dl->cfg.timeout_ms <= 0)
        dl->cfg.timeout_ms = 10000;
    if (dl->cfg.tick_ms <= 0)
        dl->cfg.tick_ms = 250;
    app->webhooks_allow_private = app->webhooks_allow_private || dl->cfg.allow_private;
    dl->cfg.allow_private = app->webhooks_allow_private;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        ent_free(dl);
        return ENT_EINTERNAL;
    }
    pthread_mutex_init(&dl->timer_lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&dl->timer_wake, &attr);
    pthread_condattr_destroy(&attr);
    app->delivery = dl;
    /* One daemon on SQLite: a lease left by a daemon killed meanwhile is no one's now. */
    struct ent_store_session *sess = NULL;
    if (app->store->ops->acquire(app->store, &sess) == ENT_OK) {
        sess->ops->webhook_release_claims(sess);
        ent_outbox_refresh(app->outbox, sess);
        sess->ops->release(sess);
    }
    dl->workers = ent_calloc(dl->cfg.workers, sizeof(*dl->workers));
    int rc = dl->workers ? ENT_OK : ENT_ENOMEM;
    for (unsigned i = 0; rc == ENT_OK && i < dl->cfg.workers; i++) {
        if (pthread_create(&dl->workers[i], NULL, worker_main, dl) != 0)
            rc = ENT_EINTERNAL;
        else
            dl->n_started++;
    }
    if (rc == ENT_OK) {
        if (pthread_create(&dl->timer, NULL, timer_main, dl) != 0)
            rc = ENT_EINTERNAL;
        else
            dl->timer_started = true;
    }
    if (rc < 0)
        ent_webhooks_stop(app);
    return rc;
}

void
ent_webhooks_stop(struct ent_app *app)
{
    struct ent_delivery *dl = app ? app->delivery : NULL;
    if (!dl)
        return;
    atomic_store(&dl->stop, true);
    ent_outbox_wake_all(app->outbox);
    pthread_mutex_lock(&dl->timer_lock);
    pthread_cond_broadcast(&dl->timer_wake);
    pthread_mutex_unlock(&dl->timer_lock);
    for (unsigned i = 0; i < dl->n_started; i++)
        pthread_join(dl->workers[i], NULL);
    if (dl->timer_started)
        pthread_join(dl->timer, NULL);
    ent_free(dl->workers);
    pthread_cond_destroy(&dl->timer_wake);
    pthread_mutex_destroy(&dl->timer_lock);
    curl_global_cleanup();
    app->delivery = NULL;
    ent_free(dl);
}

void
ent_webhooks_stats(struct ent_app *app, struct ent_webhook_stats *out)
{
    memset(out, 0, sizeof(*out));
    struct ent_delivery *dl = app->delivery;
    if (!dl)
        return;
    out->delivered = atomic_load(&dl->delivered);
    out->failed_attempts = atomic_load(&dl->failed_attempts);
    out->failed = atomic_load(&dl->failed);
    out->pending = atomic_load(&dl->pending);
    out->oldest_pending_ms = atomic_load(&dl->oldest_ms);
}
