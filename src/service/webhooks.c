/* SPDX-License-Identifier: MIT */
/*
 * webhooks.c: webhook endpoints (issue 15): create, read, change, delete and list them, rotate
 * their signing secrets, and show, retry and replay their messages. This file owns the rules of
 * an endpoint (its URL and whether it may be reached, its event patterns, account filter,
 * thresholds, lease lead time) and the secrets: "whsec_" + base64 of 32 random bytes, shown in
 * one answer only and stored in a libsodium secret box under a key derived from the key file's
 * secret, so a copy of the database alone reveals none. Every change is audited
 * ("webhook.created", …) and refreshes the outbox's set of endpoints. Admin keys only. No SQL
 * and no JSON here.
 */
#include "service/webhooks.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "core/str.h"
#include "core/webhook.h"
#include "service/ctx.h"
#include "service/events.h"
#include "service/fields.h"
#include "service/lists.h"
#include "service/outbox.h"
#include "service/timed.h"
#include "service/writes.h"

#define URL_MAX 2048
#define DESCRIPTION_MAX 500
#define SECRET_PREFIX "whsec_"
#define ROTATION_MS (24LL * 3600 * 1000) /* the old secret stays valid this long */
#define DEFAULT_LEASE_DAYS 3
#define BOX_HEX_MAX 512

static const char box_context[] = "entitled webhook secrets v1";

/* The key of the secret boxes: a keyed BLAKE2b of a fixed context under the key file's secret. */
static void
box_key(struct ent_app *app, unsigned char key[crypto_secretbox_KEYBYTES])
{
    crypto_generichash(key, crypto_secretbox_KEYBYTES, (const unsigned char *)box_context,
                       sizeof(box_context) - 1, app->hash_key, sizeof(app->hash_key));
}

/* Seals secret (text) into a box, as hex in the arena. */
static const char *
seal_secret(struct ent_ctx *ctx, const char *secret)
{
    size_t len = strlen(secret);
    unsigned char raw[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + 64];
    if (len > 64)
        return NULL;
    unsigned char key[crypto_secretbox_KEYBYTES];
    box_key(ctx->app, key);
    randombytes_buf(raw, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(raw + crypto_secretbox_NONCEBYTES, (const unsigned char *)secret, len,
                          raw, key);
    sodium_memzero(key, sizeof(key));
    size_t raw_len = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
    char *hex = ent_ctx_alloc(ctx, raw_len * 2 + 1);
    if (hex)
        sodium_bin2hex(hex, raw_len * 2 + 1, raw, raw_len);
    return hex;
}

int
ent_webhooks_open_secret(struct ent_app *app, const char *box_hex,
                         unsigned char out[ENT_WEBHOOK_KEY_BYTES])
{
    unsigned char raw[BOX_HEX_MAX / 2];
    size_t raw_len = 0;
    if (!box_hex || strlen(box_hex) >= BOX_HEX_MAX ||
        sodium_hex2bin(raw, sizeof(raw), box_hex, strlen(box_hex), NULL, &raw_len, NULL) != 0 ||
        raw_len <= crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        return ENT_EINTERNAL;
    unsigned char key[crypto_secretbox_KEYBYTES];
    box_key(app, key);
    char secret[80];
    size_t len = raw_len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    int rc =
        len < sizeof(secret)
            ? crypto_secretbox_open_easy((unsigned char *)secret, raw + crypto_secretbox_NONCEBYTES,
                                         raw_len - crypto_secretbox_NONCEBYTES, raw, key)
            : -1;
    sodium_memzero(key, sizeof(key));
    if (rc != 0)
        return ENT_EINTERNAL;
    secret[len] = '\0';
    size_t bin_len = 0;
    const size_t prefix = sizeof(SECRET_PREFIX) - 1;
    rc = strncmp(secret, SECRET_PREFIX, prefix) == 0
             ? sodium_base642bin(out, ENT_WEBHOOK_KEY_BYTES, secret + prefix, len - prefix, NULL,
                                 &bin_len, NULL, sodium_base64_VARIANT_ORIGINAL)
             : -1;
    sodium_memzero(secret, sizeof(secret));
    return (rc == 0 && bin_len == ENT_WEBHOOK_KEY_BYTES) ? ENT_OK : ENT_EINTERNAL;
}

/* A new secret, "whsec_" + base64 of ENT_WEBHOOK_KEY_BYTES random bytes, in the arena. */
static const char *
new_secret(struct ent_ctx *ctx)
{
    unsigned char bin[ENT_WEBHOOK_KEY_BYTES];
    randombytes_buf(bin, sizeof(bin));
    char b64[sodium_base64_ENCODED_LEN(ENT_WEBHOOK_KEY_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof(b64), bin, sizeof(bin), sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(bin, sizeof(bin));
    const char *s = ent_arena_printf(&ctx->arena, SECRET_PREFIX "%s", b64);
    sodium_memzero(b64, sizeof(b64));
    return s;
}

/* ------------------------------------------------------------------------------------------ */
/* Checks                                                                                      */
/* ------------------------------------------------------------------------------------------ */

bool
ent_webhooks_host_allowed(struct ent_app *app, const char *host)
{
    if (app->webhooks_allow_private)
        return true;
    uint8_t addr[16];
    if (inet_pton(AF_INET, host, addr) == 1)
        return !ent_webhook_addr_is_private(4, addr);
    if (inet_pton(AF_INET6, host, addr) == 1)
        return !ent_webhook_addr_is_private(6, addr);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    if (getaddrinfo(host, NULL, &hints, &res) != 0)
        return false;
    bool ok = res != NULL;
    for (struct addrinfo *ai = res; ai && ok; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET)
            ok = !ent_webhook_addr_is_private(
                4, (const uint8_t *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr);
        else if (ai->ai_family == AF_INET6)
            ok = !ent_webhook_addr_is_private(
                6, (const uint8_t *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr);
    }
    freeaddrinfo(res);
    return ok;
}

/*
 * Checks url: http:// or https://, a host, no user information, no blank or control character,
 * at most URL_MAX characters; and that its host may be reached (ent_webhooks_host_allowed).
 * Records a field error on "url".
 */
static void
check_url(struct ent_ctx *ctx, const char *url, struct ent_error *err)
{
    if (!url || !url[0]) {
        ent_error_field(err, "url", "is required");
        return;
    }
    size_t len = strlen(url);
    const char *rest = strncmp(url, "https://", 8) == 0  ? url + 8
                       : strncmp(url, "http://", 7) == 0 ? url + 7
                                                         : NULL;
    if (!rest || len > URL_MAX) {
        ent_error_field(err, "url", "must be an http:// or https:// URL of at most %d characters",
                        URL_MAX);
        return;
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f) {
            ent_error_field(err, "url", "must not hold blanks or control characters");
            return;
        }
    }
    size_t auth_len = strcspn(rest, "/?#");
    char host[256];
    if (auth_len == 0 || auth_len >= sizeof(host) || memchr(rest, '@', auth_len)) {
        ent_error_field(err, "url", "must name a host (and no user information)");
        return;
    }
    memcpy(host, rest, auth_len);
    host[auth_len] = '\0';
    char *h = host;
    if (h[0] == '[') { /* [IPv6]:port */
        char *close = strchr(h, ']');
        if (!close) {
            ent_error_field(err, "url", "must name a host (and no user information)");
            return;
        }
        *close = '\0';
        h++;
    } else {
        char *colon = strrchr(h, ':');
        if (colon)
            *colon = '\0';
    }
    if (!h[0])
        ent_error_field(err, "url", "must name a host (and no user information)");
    else if (!ent_webhooks_host_allowed(ctx->app, h))
        ent_error_field(err, "url",
                        "resolves to a loopback, link-local or private address (or not at all); "
                        "the operator allows those with --webhook-allow-private");
}

/* Checks and normalises the fields of a complete endpoint. Records field errors. */
static void
check_fields(struct ent_ctx *ctx, struct ent_webhook *w, bool check_url_now, struct ent_error *err)
{
    if (check_url_now)
        check_url(ctx, w->url, err);
    if (w->description)
        ent_fields_text(err, "description", w->description, DESCRIPTION_MAX);
    bool all = false;
    for (size_t i = 0; i < w->n_events; i++) {
        char field[32];
        snprintf(field, sizeof(field), "events[%zu]", i);
        if (!ent_webhook_pattern_valid(w->events[i]))
            ent_error_field(err, field,
                            "must be an event type, a prefix such as 'entitlement.*', or '*'");
        else if (strcmp(w->events[i], "*") == 0)
            all = true;
    }
    if (all)
        w->n_events = 0;
    for (size_t i = 0; i < w->n_thresholds; i++) {
        char field[32];
        snprintf(field, sizeof(field), "thresholds[%zu]", i);
        if (w->thresholds[i] < 1 || w->thresholds[i] > 1000)
            ent_error_field(err, field, "must be a percentage from 1 to 1000");
        for (size_t k = 0; k < i; k++) {
            if (w->thresholds[k] == w->thresholds[i])
                ent_error_field(err, field, "is given twice");
        }
    }
    if (w->lease_expiring_days < 1 || w->lease_expiring_days > 365)
        ent_error_field(err, "lease_expiring_days", "must be 1 to 365");
}

/* Resolves w->account (id or key; NULL: none) into w->account_id. Records a field error. */
static int
resolve_account(struct ent_ctx *ctx, struct ent_webhook *w, struct ent_error *err)
{
    w->account_id[0] = '\0';
    if (!w->account)
        return ENT_OK;
    struct ent_account acc;
    int rc = w->account[0] ? ctx->sess->ops->account_get(ctx->sess, &ctx->arena, w->account, &acc)
                           : ENT_ENOTFOUND;
    if (rc == ENT_ENOTFOUND) {
        ent_error_field(err, "account", "no such account");
        return ENT_OK;
    }
    if (rc == ENT_OK)
        memcpy(w->account_id, acc.id, sizeof(w->account_id));
    return rc;
}

/* Reads an endpoint inside the open write. Errors: ENT_ENOTFOUND (recorded), ENT_ESTORE. */
static int
load(struct ent_ctx *ctx, const char *id, struct ent_webhook *out, struct ent_error *err)
{
    int rc =
        id && id[0] ? ctx->sess->ops->webhook_get(ctx->sess, &ctx->arena, id, out) : ENT_ENOTFOUND;
    if (rc == ENT_ENOTFOUND)
        return ent_error_set(err, ENT_ENOTFOUND, "no webhook '%s'", id ? id : "");
    return rc;
}

/* After a commit: the outbox matches against the endpoints as they are now. */
static void
refresh(struct ent_ctx *ctx)
{
    if (ctx->app->outbox && ctx->sess)
        ent_outbox_refresh(ctx->app->outbox, ctx->sess);
}

/* ------------------------------------------------------------------------------------------ */
/* Create, read, change, delete, rotate                                                        */
/* ------------------------------------------------------------------------------------------ */

int
ent_webhooks_create(struct ent_ctx *ctx, const struct ent_webhook *in, struct ent_webhook *out,
                    struct ent_error *err)
{
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    struct ent_webhook w = *in;
    if (!(in->set & ENT_WEBHOOK_F_ENABLED))
        w.enabled = true;
    if (!(in->set & ENT_WEBHOOK_F_LEASE_DAYS))
        w.lease_expiring_days = DEFAULT_LEASE_DAYS;
    if (w.n_thresholds == 0) {
        w.thresholds[0] = 80;
        w.thresholds[1] = 100;
        w.n_thresholds = 2;
    }
    check_fields(ctx, &w, true, err);
    rc = ent_writes_begin(ctx);
    if (rc == ENT_OK)
        rc = resolve_account(ctx, &w, err);
    if (rc == ENT_OK && ent_fields_failed(err))
        rc = ENT_EINVAL;
    ent_ctx_new_id(ctx, w.id);
    w.created_ms = w.updated_ms = ctx->now_ms;
    w.disabled_reason = NULL;
    w.secret = NULL;
    const char *secret = rc == ENT_OK ? new_secret(ctx) : NULL;
    const char *box = secret ? seal_secret(ctx, secret) : NULL;
    if (rc == ENT_OK && !box)
        rc = ENT_ENOMEM;
    if (rc == ENT_OK && ent_timed_wanted_by(&w))
        rc = ent_timed_wake(ctx); /* the scheduler may not have been looking */
    if (rc == ENT_OK)
        rc = ctx->sess->ops->webhook_insert(ctx->sess, &w, box);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "webhook.created", w.account_id, w.id, ENT_KIND_WEBHOOK, NULL,
                               &w);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 201, ENT_KIND_WEBHOOK, &w);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    refresh(ctx);
    *out = w;
    out->secret = secret;
    return ENT_OK;
}

int
ent_webhooks_get(struct ent_ctx *ctx, const char *id, struct ent_webhook *out,
                 struct ent_error *err)
{
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    struct ent_store_session *sess = NULL;
    if (rc == ENT_OK)
        rc = ent_ctx_session(ctx, &sess);
    if (rc == ENT_OK)
        rc = load(ctx, id, out, err);
    if (rc < 0 && err->code != rc)
        return ent_ctx_store_error(rc, err);
    return rc;
}

/* Applies the fields of patch->set to w. */
static void
apply_patch(struct ent_webhook *w, const struct ent_webhook *patch)
{
    if (patch->set & ENT_WEBHOOK_F_URL)
        w->url = patch->url;
    if (patch->set & ENT_WEBHOOK_F_DESCRIPTION)
        w->description = patch->description;
    if (patch->set & ENT_WEBHOOK_F_EVENTS) {
        memcpy(w->events, patch->events, sizeof(w->events));
        w->n_events = patch->n_events;
    }
    if (patch->set & ENT_WEBHOOK_F_ENABLED) {
        if (patch->enabled && !w->enabled)
            w->disabled_reason = NULL;
        w->enabled = patch->enabled;
    }
    if (patch->set & ENT_WEBHOOK_F_THRESHOLDS) {
        memcpy(w->thresholds, patch->thresholds, sizeof(w->thresholds));
        w->n_thresholds = patch->n_thresholds;
    }
    if (patch->set & ENT_WEBHOOK_F_LEASE_DAYS)
        w->lease_expiring_days = patch->lease_expiring_days;
    w->account = NULL;
    if (patch->set & ENT_WEBHOOK_F_ACCOUNT)
        w->account = patch->account;
}

int
ent_webhooks_update(struct ent_ctx *ctx, const char *id, const struct ent_webhook *patch,
                    struct ent_webhook *out, struct ent_error *err)
{
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    if ((patch->set & ENT_WEBHOOK_F_URL))
        check_url(ctx, patch->url, err);
    rc = ent_writes_begin(ctx);
    struct ent_webhook before, w;
    if (rc == ENT_OK)
        rc = load(ctx, id, &before, err);
    if (rc == ENT_OK) {
        w = before;
        char keep[37];
        memcpy(keep, before.account_id, sizeof(keep));
        apply_patch(&w, patch);
        if (patch->set & ENT_WEBHOOK_F_THRESHOLDS && w.n_thresholds == 0) {
            w.thresholds[0] = 80;
            w.thresholds[1] = 100;
            w.n_thresholds = 2;
        }
        check_fields(ctx, &w, false, err);
        if (patch->set & ENT_WEBHOOK_F_ACCOUNT)
            rc = resolve_account(ctx, &w, err);
        else
            memcpy(w.account_id, keep, sizeof(keep));
    }
    if (rc == ENT_OK && ent_fields_failed(err))
        rc = ENT_EINVAL;
    if (rc == ENT_OK && ent_timed_wanted_by(&w) && !ent_timed_wanted_by(&before))
        rc = ent_timed_wake(ctx); /* enabled again, or given timed events */
    if (rc == ENT_OK) {
        w.updated_ms = ctx->now_ms;
        rc = ctx->sess->ops->webhook_update(ctx->sess, &w);
    }
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "webhook.updated", w.account_id, w.id, ENT_KIND_WEBHOOK,
                               &before, &w);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 200, ENT_KIND_WEBHOOK, &w);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    refresh(ctx);
    *out = w;
    return ENT_OK;
}

int
ent_webhooks_delete(struct ent_ctx *ctx, const char *id, struct ent_error *err)
{
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    rc = ent_writes_begin(ctx);
    struct ent_webhook before;
    if (rc == ENT_OK)
        rc = load(ctx, id, &before, err);
    if (rc == ENT_OK)
        rc = ctx->sess->ops->webhook_delete(ctx->sess, before.id);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "webhook.deleted", before.account_id, before.id,
                               ENT_KIND_WEBHOOK, &before, NULL);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 204, ENT_KIND_WEBHOOK, NULL);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    refresh(ctx);
    return ENT_OK;
}

int
ent_webhooks_rotate_secret(struct ent_ctx *ctx, const char *id, struct ent_webhook *out,
                           struct ent_error *err)
{
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    rc = ent_writes_begin(ctx);
    struct ent_webhook w;
    const char *box = NULL, *old_box = NULL;
    int64_t old_until = ENT_TIME_NONE;
    if (rc == ENT_OK)
        rc = load(ctx, id, &w, err);
    if (rc == ENT_OK)
        rc = ctx->sess->ops->webhook_secrets(ctx->sess, &ctx->arena, w.id, &box, &old_box,
                                             &old_until);
    const char *secret = rc == ENT_OK ? new_secret(ctx) : NULL;
    const char *fresh = secret ? seal_secret(ctx, secret) : NULL;
    if (rc == ENT_OK && !fresh)
        rc = ENT_ENOMEM;
    if (rc == ENT_OK)
        rc = ctx->sess->ops->webhook_set_secret(ctx->sess, w.id, fresh, box,
                                                ctx->now_ms + ROTATION_MS, ctx->now_ms);
    w.updated_ms = ctx->now_ms;
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "webhook.secret_rotated", w.account_id, w.id, ENT_KIND_WEBHOOK,
                               NULL, &w);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 200, ENT_KIND_WEBHOOK, &w);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    *out = w;
    out->secret = secret;
    return ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Lists, deliveries, retry, replay                                                            */
/* ------------------------------------------------------------------------------------------ */

static int
load_webhook(struct ent_ctx *ctx, struct ent_store_session *sess, const char *id, void *out)
{
    return sess->ops->webhook_get(sess, &ctx->arena, id, out);
}

static bool
check_bool(const char *value)
{
    return strcmp(value, "1") == 0 || strcmp(value, "0") == 0;
}

static const struct ent_list_filter webhook_filters[] = {
    {.name = "account", .op = ENT_STORE_EQ, .resolve = ent_lists_resolve_account},
    {.name = "enabled", .op = ENT_STORE_EQ, .check = check_bool},
    {.name = NULL},
};

static const struct ent_list_spec webhook_list = {
    .table = ENT_TABLE_WEBHOOKS,
    .item_size = sizeof(struct ent_webhook),
    .sorts = {"created_at", "url"},
    .filters = webhook_filters,
    .load = load_webhook,
};

int
ent_webhooks_list(struct ent_ctx *ctx, const struct ent_list_query *q, struct ent_list *list,
                  struct ent_error *err)
{
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    struct ent_list_query rest;
    const char *enabled = NULL;
    ent_lists_take_filter(q, "enabled", &rest, &enabled);
    struct ent_store_query forced = {0};
    if (enabled && strcmp(enabled, "true") != 0 && strcmp(enabled, "false") != 0)
        return ent_error_field(err, "enabled", "must be true or false");
    if (enabled)
        ent_lists_add_filter(&forced, "enabled", ENT_STORE_EQ,
                             strcmp(enabled, "true") == 0 ? "1" : "0");
    return ent_lists_run(ctx, &webhook_list, &rest, &forced, list, err);
}

static int
load_message(struct ent_ctx *ctx, struct ent_store_session *sess, const char *id, void *out)
{
    return sess->ops->webhook_message_get(sess, &ctx->arena, id, out);
}

static bool
check_delivery_status(const char *value)
{
    return ent_delivery_status_parse(value) != 0;
}

static const struct ent_list_filter message_filters[] = {
    {.name = "status", .op = ENT_STORE_EQ, .check = check_delivery_status},
    {.name = "type", .op = ENT_STORE_EQ},
    {.name = NULL},
};

static const struct ent_list_spec message_list = {
    .table = ENT_TABLE_WEBHOOK_MESSAGES,
    .item_size = sizeof(struct ent_webhook_message),
    .sorts = {"created_at"},
    .filters = message_filters,
    .load = load_message,
};

int
ent_webhooks_deliveries(struct ent_ctx *ctx, const char *webhook_id, const struct ent_list_query *q,
                        struct ent_list *list, struct ent_error *err)
{
    struct ent_webhook w;
    int rc = ent_webhooks_get(ctx, webhook_id, &w, err);
    if (rc < 0)
        return rc;
    struct ent_store_query forced = {0};
    const char *id = ent_arena_strdup(&ctx->arena, w.id);
    if (!id)
        return ent_error_set(err, ENT_ENOMEM, "%s", "");
    ent_lists_add_filter(&forced, "webhook", ENT_STORE_EQ, id);
    return ent_lists_run(ctx, &message_list, q, &forced, list, err);
}

int
ent_webhooks_retry(struct ent_ctx *ctx, const char *webhook_id, const char *message_id,
                   struct ent_webhook_message *out, struct ent_error *err)
{
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    rc = ent_writes_begin(ctx);
    int64_t n = 0;
    if (rc == ENT_OK)
        rc = ctx->sess->ops->webhook_resend(ctx->sess, webhook_id, message_id, ENT_TIME_NONE, NULL,
                                            ctx->now_ms, &n);
    if (rc == ENT_ENOTFOUND)
        ent_error_set(err, ENT_ENOTFOUND, "no message '%s' of webhook '%s'", message_id,
                      webhook_id);
    if (rc == ENT_OK)
        rc = ctx->sess->ops->webhook_message_get(ctx->sess, &ctx->arena, message_id, out);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 202, ENT_KIND_WEBHOOK, NULL);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    ent_outbox_nudge(ctx->app->outbox);
    return ENT_OK;
}

int
ent_webhooks_replay(struct ent_ctx *ctx, const char *webhook_id, int64_t since_ms,
                    const char *after_id, int64_t *n, struct ent_error *err)
{
    struct ent_webhook w;
    int rc = ent_webhooks_get(ctx, webhook_id, &w, err);
    if (rc < 0)
        return rc;
    if (after_id && !ent_lists_check_uuid(after_id))
        return ent_error_field(err, "after", "must be the id of an event or a message");
    rc = ent_writes_begin(ctx);
    if (rc == ENT_OK)
        rc = ctx->sess->ops->webhook_resend(ctx->sess, w.id, NULL, since_ms, after_id, ctx->now_ms,
                                            n);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 202, ENT_KIND_WEBHOOK, NULL);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    ent_outbox_nudge(ctx->app->outbox);
    return ENT_OK;
}
