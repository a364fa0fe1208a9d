/* SPDX-License-Identifier: MIT */
/*
 * ofrep.c: the OpenFeature Remote Evaluation Protocol's view of evaluation (issue 14). It owns
 * the rules that turn one feature's answer (evaluation.c) into the typed flags OpenFeature SDKs
 * ask for (a boolean under the feature's key, numbers, a string and an object under derived
 * keys), their OpenFeature reasons and variants, the entity tag of a bulk answer, and how a
 * library error reads in the protocol. It owns no JSON (http/api_ofrep.c writes it) and no
 * second evaluator: the answers come from ent_evaluation_run() and ent_evaluation_all(), from
 * memory.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/alloc.h"
#include "core/str.h"
#include "service/ctx.h"
#include "service/evaluation.h"
#include <entitled.h>

/* The derived keys' suffixes, by view (ENT_OFREP_VALUE has none). */
static const struct {
    const char *suffix;
    enum ent_ofrep_view view;
} suffixes[] = {
    {".limit", ENT_OFREP_LIMIT}, {".remaining", ENT_OFREP_REMAINING}, {".usage", ENT_OFREP_USAGE},
    {".level", ENT_OFREP_LEVEL}, {".details", ENT_OFREP_DETAILS},
};

#define N_SUFFIXES (sizeof(suffixes) / sizeof(suffixes[0]))

bool
ent_ofrep_split_key(const char *flag_key, size_t *feature_len, enum ent_ofrep_view *view)
{
    size_t len = strlen(flag_key);
    for (size_t i = 0; i < N_SUFFIXES; i++) {
        size_t n = strlen(suffixes[i].suffix);
        if (len > n && memcmp(flag_key + len - n, suffixes[i].suffix, n) == 0) {
            *feature_len = len - n;
            *view = suffixes[i].view;
            return true;
        }
    }
    *feature_len = len;
    *view = ENT_OFREP_VALUE;
    return false;
}

/* True for the feature types whose answers carry numbers (limit, usage, remaining). */
static bool
is_numeric(enum ent_feature_type t)
{
    return t == ENT_FEATURE_QUANTITY || t == ENT_FEATURE_RANGE || t == ENT_FEATURE_METERED;
}

/* The OpenFeature reason of an answer. */
static const char *
reason_of(const struct ent_feature_answer *a)
{
    if (a->archived || strcmp(a->reason, "suspended") == 0)
        return "DISABLED";
    if (strcmp(a->reason, "granted") == 0 || strcmp(a->reason, "limit_reached") == 0)
        return "TARGETING_MATCH";
    return "DEFAULT"; /* not_granted, pending, expired: nothing is granted now */
}

/* May the account use the feature now: granted, not archived, and something left. */
static bool
usable(const struct ent_feature_answer *a)
{
    if (!a->value || a->archived)
        return false;
    return !a->has_limit || a->unlimited || a->remaining > 0;
}

bool
ent_ofrep_view_of(const struct ent_feature_answer *a, enum ent_ofrep_view v, const char *key,
                  struct ent_ofrep_flag *out)
{
    memset(out, 0, sizeof(*out));
    if (!a->known)
        return false;
    bool numeric = is_numeric(a->type);
    out->key = key;
    out->view = v;
    out->answer = a;
    out->reason = reason_of(a);
    out->variant = a->level;
    switch (v) {
    case ENT_OFREP_VALUE:
        out->type = ENT_OFREP_BOOLEAN;
        out->boolean = usable(a);
        return true;
    case ENT_OFREP_LIMIT:
    case ENT_OFREP_REMAINING:
        if (!numeric)
            return false;
        out->type = ENT_OFREP_NUMBER;
        if (a->unlimited)
            out->number = ENT_OFREP_UNLIMITED;
        else if (a->has_limit)
            out->number = v == ENT_OFREP_LIMIT ? a->limit : a->remaining;
        return true;
    case ENT_OFREP_USAGE:
        if (!numeric)
            return false;
        out->type = ENT_OFREP_NUMBER;
        out->number = a->level ? a->usage : 0;
        return true;
    case ENT_OFREP_LEVEL:
        out->type = ENT_OFREP_STRING;
        out->string = a->level ? a->level : "";
        return true;
    case ENT_OFREP_DETAILS:
        out->type = ENT_OFREP_OBJECT;
        return true;
    }
    return false;
}

/* Sets the error of a request with no account, or one that names none (never which). */
static int
account_error(struct ent_error *err, int rc)
{
    if (rc == ENT_EINVAL && err->n_fields && strcmp(err->fields[0].field, "account") == 0) {
        ent_error_clear(err);
        return ent_error_field(err, "context.targetingKey", "is required");
    }
    if (rc == ENT_ENOTFOUND) {
        ent_error_clear(err);
        return ent_error_field(err, "context.targetingKey", "names no account");
    }
    return rc;
}

int
ent_ofrep_evaluate(struct ent_ctx *ctx, const char *account, const char *flag_key,
                   struct ent_ofrep_flag *out, bool *found, struct ent_error *err)
{
    struct ent_error local;
    if (!err)
        err = &local;
    ent_error_clear(err);
    *found = false;
    size_t len = strlen(flag_key);
    if (len == 0 || len > 200) /* no feature key is longer (evaluation.c) */
        len = 0;
    /* The whole key first (a feature's key may hold dots), then the view suffix. */
    const char *names[2] = {flag_key, NULL};
    size_t n = len ? 1 : 0;
    enum ent_ofrep_view view = ENT_OFREP_VALUE;
    size_t feature_len = 0;
    char *feature = NULL;
    if (len && ent_ofrep_split_key(flag_key, &feature_len, &view)) {
        feature = ent_ctx_strndup(ctx, flag_key, feature_len);
        if (!feature)
            return ent_error_set(err, ENT_ENOMEM, "%s", "");
        names[n++] = feature;
    }
    struct ent_eval_answer eval;
    const char *one = "-"; /* an empty key still checks the account */
    int rc = ent_evaluation_run(ctx, account, n ? names : &one, n ? n : 1, ENT_TIME_NONE, false,
                                &eval, err);
    if (rc < 0)
        return account_error(err, rc);
    if (n >= 1 && eval.features[0].known)
        *found = ent_ofrep_view_of(&eval.features[0], ENT_OFREP_VALUE, flag_key, out);
    else if (n == 2)
        *found = ent_ofrep_view_of(&eval.features[1], view, flag_key, out);
    return ENT_OK;
}

/* The flag key of view v of feature key f, in the context's arena; NULL when out of memory. */
static const char *
view_key(struct ent_ctx *ctx, const char *f, enum ent_ofrep_view v)
{
    if (v == ENT_OFREP_VALUE)
        return f;
    for (size_t i = 0; i < N_SUFFIXES; i++) {
        if (suffixes[i].view != v)
            continue;
        size_t fl = strlen(f), sl = strlen(suffixes[i].suffix);
        char *k = ent_ctx_alloc(ctx, fl + sl + 1);
        if (k) {
            memcpy(k, f, fl);
            memcpy(k + fl, suffixes[i].suffix, sl + 1);
        }
        return k;
    }
    return NULL;
}

/* True when key is the key of one of the answers (a feature whose key looks derived). */
static bool
is_feature_key(const struct ent_eval_answer *eval, const char *key)
{
    for (size_t i = 0; i < eval->n_features; i++) {
        if (ent_str_ieq(eval->features[i].feature, key))
            return true;
    }
    return false;
}

/*
 * Each account's entity tag, kept with the stamp of the snapshot it was computed from and the
 * moment it stops holding (evaluation.h: the first change by the clock, or the stream token's
 * next day): a revalidation whose stamp is the same before that moment answers the kept tag
 * without evaluating (the 304 path, and each change stream's look). Sets of TAG_WAYS entries, the
 * set by a hash of the account's id; a full set gives up the entry used least lately. 65,536
 * entries (about 6 MB, taken from the system only as sets are used) hold every account of a
 * store of that size at once: one slot per hash held 4,096, and 10,000 accounts revalidating in
 * turn then found their tag taken nearly every time (docs/PERFORMANCE.md, OFREP).
 */
#define TAG_SETS 16384u
#define TAG_WAYS 4u

struct tag_entry {
    char account_id[37];
    struct ent_eval_stamp stamp;
    int64_t until_ms;
    uint64_t used; /* the table's clock at its last use: the least is given up first */
    char etag[20];
};

struct ent_ofrep_tags {
    pthread_mutex_t lock; /* zeroed memory is an unlocked default mutex (glibc) */
    uint64_t clock;
    struct tag_entry sets[TAG_SETS][TAG_WAYS];
};

static struct ent_ofrep_tags *
tags_of(struct ent_app *app)
{
    struct ent_ofrep_tags *t = atomic_load(&app->ofrep_tags);
    if (t)
        return t;
    struct ent_ofrep_tags *made = ent_calloc(1, sizeof(*made));
    if (!made)
        return NULL;
    pthread_mutex_init(&made->lock, NULL);
    if (!atomic_compare_exchange_strong(&app->ofrep_tags, &t, made)) {
        ent_free(made); /* another thread's is in place: t */
        return t;
    }
    return made;
}

/* The entry of the account in its set, or, when it has none and make is true, the entry it
 * takes (a free one, or the one used least lately); NULL when none and make is false. */
static struct tag_entry *
entry_of(struct ent_ofrep_tags *t, const char *account_id, bool make)
{
    struct tag_entry *set = t->sets[ent_str_hash(account_id) % TAG_SETS], *oldest = &set[0];
    for (unsigned i = 0; i < TAG_WAYS; i++) {
        if (strcmp(set[i].account_id, account_id) == 0)
            return &set[i];
        if (set[i].used < oldest->used)
            oldest = &set[i];
    }
    return make ? oldest : NULL;
}

/* The kept tag of the account for stamp at now_ms, into etag; false when none holds. */
static bool
tag_kept(struct ent_ofrep_tags *t, const char *account_id, const struct ent_eval_stamp *stamp,
         int64_t now_ms, char etag[20])
{
    pthread_mutex_lock(&t->lock);
    struct tag_entry *e = entry_of(t, account_id, false);
    bool held = e && e->stamp.serial == stamp->serial &&
                e->stamp.usage_version == stamp->usage_version && now_ms < e->until_ms;
    if (held) {
        memcpy(etag, e->etag, 20);
        e->used = ++t->clock;
    }
    pthread_mutex_unlock(&t->lock);
    return held;
}

static void
tag_keep(struct ent_ofrep_tags *t, const char *account_id, const struct ent_eval_stamp *stamp,
         int64_t until_ms, const char etag[20])
{
    pthread_mutex_lock(&t->lock);
    struct tag_entry *e = entry_of(t, account_id, true);
    memcpy(e->account_id, account_id, sizeof(e->account_id));
    e->stamp = *stamp;
    e->until_ms = until_ms;
    e->used = ++t->clock;
    memcpy(e->etag, etag, 20);
    pthread_mutex_unlock(&t->lock);
}

/* Evaluates every feature of the account into out, with its stream token and tag, and keeps
 * the tag (tags_of). */
static int
evaluate_all(struct ent_ctx *ctx, const char *account, struct ent_ofrep_bulk *out,
             struct ent_error *err)
{
    struct ent_eval_stamp stamp;
    int64_t until = INT64_MAX;
    int rc = ent_evaluation_all_stamped(ctx, account, &out->eval, &stamp, &until, err);
    if (rc < 0)
        return account_error(err, rc);
    out->evaluated = true;
    ent_ofrep_stream_token(ctx, out->eval.account_id, out->stream_token);
    ent_ofrep_etag(&out->eval, out->stream_token, out->etag);
    int64_t token_day_ends = (ctx->now_ms / 86400000 + 1) * 86400000; /* the token changes */
    struct ent_ofrep_tags *t = tags_of(ctx->app);
    if (t)
        tag_keep(t, out->eval.account_id, &stamp, until < token_day_ends ? until : token_day_ends,
                 out->etag);
    return ENT_OK;
}

int
ent_ofrep_evaluate_all(struct ent_ctx *ctx, const char *account, struct ent_ofrep_bulk *out,
                       struct ent_error *err)
{
    struct ent_error local;
    if (!err)
        err = &local;
    ent_error_clear(err);
    memset(out, 0, sizeof(*out));
    struct ent_ofrep_tags *t = tags_of(ctx->app);
    struct ent_eval_stamp stamp;
    if (t) {
        int rc = ent_evaluation_stamp(ctx, account, out->eval.account_id, &stamp, err);
        if (rc < 0)
            return account_error(err, rc);
        if (tag_kept(t, out->eval.account_id, &stamp, ctx->now_ms, out->etag))
            return ENT_OK; /* out->evaluated stays false: ent_ofrep_bulk_flags() evaluates */
        ent_error_clear(err);
    }
    return evaluate_all(ctx, account, out, err);
}

int
ent_ofrep_bulk_flags(struct ent_ctx *ctx, struct ent_ofrep_bulk *out, struct ent_error *err)
{
    struct ent_error local;
    if (!err)
        err = &local;
    ent_error_clear(err);
    if (!out->evaluated) { /* the tag was a kept one: the answers (and their tag) now */
        char account_id[37];
        memcpy(account_id, out->eval.account_id, sizeof(account_id));
        int rc = evaluate_all(ctx, account_id, out, err);
        if (rc < 0)
            return rc;
    }
    out->n_flags = 0;
    size_t cap = out->eval.n_features * (N_SUFFIXES + 1);
    out->flags = ent_ctx_alloc(ctx, (cap ? cap : 1) * sizeof(*out->flags));
    if (!out->flags)
        return ent_error_set(err, ENT_ENOMEM, "%s", "");
    bool dotted = false; /* some feature key has a dot: derived keys may collide */
    for (size_t i = 0; i < out->eval.n_features; i++)
        dotted = dotted || strchr(out->eval.features[i].feature, '.') != NULL;
    for (size_t i = 0; i < out->eval.n_features; i++) {
        const struct ent_feature_answer *a = &out->eval.features[i];
        for (int v = ENT_OFREP_VALUE; v <= ENT_OFREP_DETAILS; v++) {
            const char *key = view_key(ctx, a->feature, (enum ent_ofrep_view)v);
            if (!key)
                return ent_error_set(err, ENT_ENOMEM, "%s", "");
            /* A feature's own key wins over another's derived key (as for one flag). */
            if (v != ENT_OFREP_VALUE && dotted && is_feature_key(&out->eval, key))
                continue;
            if (ent_ofrep_view_of(a, (enum ent_ofrep_view)v, key, &out->flags[out->n_flags]))
                out->n_flags++;
        }
    }
    return ENT_OK;
}

/*
 * The entity tag's hash: 64-bit words, each mixed in with a multiply and a shift (a word at a
 * time: hashing bytes one by one was most of the 304 path's instructions). Not cryptographic:
 * a tag only has to change when the answers do.
 */
static uint64_t
mix(uint64_t h, uint64_t v)
{
    h = (h ^ v) * 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 29);
}

/* Mixes a string and its length (so "ab","c" differs from "a","bc"); NULL apart from "". */
static uint64_t
mix_str(uint64_t h, const char *s)
{
    if (!s)
        return mix(h, 0xffffffffffffffffULL);
    size_t len = strlen(s), i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8); /* one load */
        h = mix(h, w);
    }
    uint64_t tail = 0;
    for (size_t k = 0; i + k < len; k++)
        tail |= (uint64_t)(unsigned char)s[i + k] << (8 * k);
    return mix(h, tail ^ (uint64_t)len << 56);
}

void
ent_ofrep_etag(const struct ent_eval_answer *eval, const char *extra, char out[20])
{
    /* The version of these views: a daemon that maps answers differently tags them apart. */
    uint64_t h = mix_str(0xcbf29ce484222325ULL, "entitled-ofrep-2");
    h = mix_str(h, eval->account_id);
    h = mix_str(h, extra);
    for (size_t i = 0; i < eval->n_features; i++) {
        const struct ent_feature_answer *a = &eval->features[i];
        h = mix_str(h, a->feature);
        h = mix_str(h, a->reason);
        h = mix_str(h, a->level);
        uint64_t bits = (uint64_t)a->known | (uint64_t)a->value << 1 | (uint64_t)a->unlimited << 2 |
                        (uint64_t)a->has_limit << 3 | (uint64_t)a->archived << 4 |
                        (uint64_t)a->type << 8;
        h = mix(h, bits);
        h = mix(h, (uint64_t)a->limit);
        h = mix(h, (uint64_t)a->usage);
        h = mix(h, (uint64_t)a->remaining);
        h = mix(h, (uint64_t)a->expires_at_ms);
        h = mix(h, (uint64_t)a->resets_at_ms);
    }
    snprintf(out, 20, "\"%016llx\"", (unsigned long long)h);
}

void
ent_ofrep_error(const struct ent_error *err, int *status, const char **code)
{
    *code = NULL;
    switch (err->code) {
    case ENT_EJSON:
    case ENT_EMEDIATYPE:
    case ENT_ETOOLARGE:
    case ENT_EBADREQUEST:
        *status = 400;
        *code = "PARSE_ERROR";
        return;
    case ENT_EINVAL:
        *status = 400;
        *code = "INVALID_CONTEXT";
        if (err->n_fields && strcmp(err->fields[0].field, "context.targetingKey") == 0 &&
            strcmp(err->fields[0].message, "is required") == 0)
            *code = "TARGETING_KEY_MISSING";
        return;
    default:
        break;
    }
    *status = ent_error_status(err->code < 0 ? err->code : ENT_EINTERNAL);
    if (*status == 404)
        *code = NULL; /* no such route (an unknown flag is answered by the handler) */
}

/* The day a stream token made at now_ms expires at: the end of tomorrow (UTC), in seconds. */
static int64_t
token_expiry_s(int64_t now_ms)
{
    int64_t day_s = 86400;
    int64_t today = (now_ms / 1000) / day_s;
    return (today + 2) * day_s;
}

/* The keyed hash of a token's account and expiry, in hex (33 bytes with the NUL). */
static void
token_mac(const struct ent_app *app, const char *account_id, int64_t expiry_s, char hex[33])
{
    char msg[128];
    int n = snprintf(msg, sizeof(msg), "entitled-ofrep-stream-1|%s|%lld", account_id,
                     (long long)expiry_s);
    unsigned char mac[16];
    crypto_generichash(mac, sizeof(mac), (const unsigned char *)msg, (size_t)n, app->hash_key,
                       sizeof(app->hash_key));
    sodium_bin2hex(hex, 33, mac, sizeof(mac));
}

void
ent_ofrep_stream_token(struct ent_ctx *ctx, const char *account_id, char *out)
{
    int64_t expiry_s = token_expiry_s(ctx->now_ms);
    char hex[33];
    token_mac(ctx->app, account_id, expiry_s, hex);
    snprintf(out, ENT_OFREP_TOKEN_MAX, "%s.%lld.%s", account_id, (long long)expiry_s, hex);
}

int
ent_ofrep_stream_open(struct ent_ctx *ctx, const char *token, struct ent_error *err)
{
    struct ent_error local;
    if (!err)
        err = &local;
    ent_error_clear(err);
    /* <36-character id>.<digits>.<32 hex digits> */
    size_t len = token ? strlen(token) : 0;
    const char *dot1 = len == 0 ? NULL : strchr(token, '.');
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (!dot2 || dot1 - token != 36 || dot2 - dot1 < 2 || dot2 - dot1 > 13 ||
        strlen(dot2 + 1) != 32)
        return ent_error_set(err, ENT_EAUTH, "not a stream token");
    int64_t expiry_s = 0;
    for (const char *p = dot1 + 1; p < dot2; p++) {
        if (*p < '0' || *p > '9')
            return ent_error_set(err, ENT_EAUTH, "not a stream token");
        expiry_s = expiry_s * 10 + (*p - '0');
    }
    char account_id[37];
    memcpy(account_id, token, 36);
    account_id[36] = '\0';
    char hex[33];
    token_mac(ctx->app, account_id, expiry_s, hex);
    if (sodium_memcmp(hex, dot2 + 1, 32) != 0)
        return ent_error_set(err, ENT_EAUTH, "not a stream token");
    if (expiry_s * 1000 <= ctx->now_ms)
        return ent_error_set(err, ENT_EAUTH, "the stream token expired: fetch the flags again");
    struct ent_principal p = {.scope = ENT_SCOPE_ACCOUNT};
    memcpy(p.account_id, account_id, sizeof(p.account_id));
    ent_ctx_set_principal(ctx, &p);
    return ENT_OK;
}
