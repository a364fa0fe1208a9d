/* SPDX-License-Identifier: MIT */
/*
 * ratelimit.c: token buckets per (API key id, class of route), see ratelimit.h. It knows nothing
 * of HTTP: the dispatcher passes the key id, the route's class and the monotonic time, and turns
 * a refusal into a 429.
 *
 * A bucket holds up to burst = 2 x rate tokens. Taking a token first adds the tokens earned
 * since the bucket was last touched (elapsed monotonic time x rate, capped at the burst). A
 * new pair starts with a full bucket. A bucket that would be full again by now is idle: it is
 * the same as no bucket, so reclaiming it forgets nothing.
 *
 * The table has a fixed size, allocated once: a power-of-two number of stripes, each an open
 * addressing table (linear probing) of a power-of-two number of slots under its own mutex. A
 * stripe that would pass three quarters full is swept first: its idle buckets are deleted
 * (backward-shift deletion, so probing needs no tombstones). Sweeps of one stripe are at least
 * SWEEP_INTERVAL_NS apart; a new pair that finds its stripe still full is allowed untracked.
 *
 * THREAD SAFETY: the rates and the stripe array are fixed after ent_ratelimit_new(). Each
 * stripe's mutex guards its slots, its count and its last sweep time; a call holds exactly one
 * stripe mutex, never two, and calls nothing else while holding it.
 */
#include "http/ratelimit.h"

#include <pthread.h>
#include <string.h>

#include "core/alloc.h"
#include <entitled.h>

#define KEY_ID_MAX 37         /* a UUID and its terminator; longer ids are cut */
#define DEFAULT_BUCKETS 65536 /* about 3.5 MiB */
#define MIN_BUCKETS 16
#define MAX_STRIPES 64
#define SWEEP_INTERVAL_NS 1000000000LL /* at most one sweep per stripe per second */

struct bucket {
    char key_id[KEY_ID_MAX];
    uint8_t cls;     /* enum ent_rate_class; ENT_RATE_NONE marks an empty slot */
    double tokens;   /* at last_ns */
    int64_t last_ns; /* monotonic time of the last refill */
};

struct stripe {
    pthread_mutex_t lock;
    struct bucket *slots; /* slot_count slots, inside the limiter's one slot array */
    size_t used;          /* occupied slots */
    int64_t swept_ns;     /* time of the last sweep; 0: never */
    bool swept;
};

struct ent_ratelimit {
    double rate[ENT_RATE_CLASSES];  /* tokens per second; 0: not limited */
    double burst[ENT_RATE_CLASSES]; /* the most a bucket holds */
    size_t stripe_count;            /* a power of two */
    size_t slot_count;              /* slots per stripe, a power of two */
    struct stripe *stripes;
    struct bucket *slots; /* stripe_count x slot_count */
};

static uint64_t hash_pair(const char *key_id, enum ent_rate_class cls);
static size_t next_pow2(size_t n);
static struct bucket *find_or_add(struct ent_ratelimit *rl, struct stripe *s, uint64_t hash,
                                  const char *key_id, enum ent_rate_class cls, int64_t now_ns);
static bool spend(const struct ent_ratelimit *rl, struct bucket *b, int64_t now_ns,
                  unsigned *retry_after_s);
static size_t home_slot(const struct ent_ratelimit *rl, uint64_t hash);
static bool is_pair(const struct bucket *b, const char *key_id, enum ent_rate_class cls);
static void refill(const struct ent_ratelimit *rl, struct bucket *b, int64_t now_ns);
static bool is_idle(const struct ent_ratelimit *rl, const struct bucket *b, int64_t now_ns);
static void delete_slot(const struct ent_ratelimit *rl, struct stripe *s, size_t i);
static void sweep(const struct ent_ratelimit *rl, struct stripe *s, int64_t now_ns);

/* ------------------------------------------------------------------------------------------ */
/* Lifecycle                                                                                   */
/* ------------------------------------------------------------------------------------------ */

int
ent_ratelimit_new(const struct ent_ratelimit_config *cfg, struct ent_ratelimit **rl)
{
    *rl = NULL;
    struct ent_ratelimit *l = ent_calloc(1, sizeof(*l));
    if (!l)
        return ENT_ENOMEM;
    for (size_t c = ENT_RATE_NONE + 1; c < ENT_RATE_CLASSES; c++) {
        l->rate[c] = (double)cfg->rate_per_s[c];
        l->burst[c] = 2.0 * l->rate[c];
    }
    size_t total = next_pow2(cfg->buckets ? cfg->buckets : DEFAULT_BUCKETS);
    if (total < MIN_BUCKETS)
        total = MIN_BUCKETS;
    l->stripe_count = total / MIN_BUCKETS < MAX_STRIPES ? total / MIN_BUCKETS : MAX_STRIPES;
    l->slot_count = total / l->stripe_count;
    l->stripes = ent_calloc(l->stripe_count, sizeof(*l->stripes));
    l->slots = ent_calloc(total, sizeof(*l->slots));
    if (!l->stripes || !l->slots) {
        ent_free(l->stripes);
        ent_free(l->slots);
        ent_free(l);
        return ENT_ENOMEM;
    }
    for (size_t i = 0; i < l->stripe_count; i++) {
        pthread_mutex_init(&l->stripes[i].lock, NULL);
        l->stripes[i].slots = l->slots + i * l->slot_count;
    }
    *rl = l;
    return ENT_OK;
}

void
ent_ratelimit_free(struct ent_ratelimit *rl)
{
    if (!rl)
        return;
    for (size_t i = 0; i < rl->stripe_count; i++)
        pthread_mutex_destroy(&rl->stripes[i].lock);
    ent_free(rl->stripes);
    ent_free(rl->slots);
    ent_free(rl);
}

/* ------------------------------------------------------------------------------------------ */
/* Taking a token                                                                              */
/* ------------------------------------------------------------------------------------------ */

bool
ent_ratelimit_take(struct ent_ratelimit *rl, const char *key_id, enum ent_rate_class cls,
                   int64_t now_ns, unsigned *retry_after_s)
{
    *retry_after_s = 0;
    if (!rl || cls <= ENT_RATE_NONE || cls >= ENT_RATE_CLASSES || rl->rate[cls] <= 0.0)
        return true;
    uint64_t hash = hash_pair(key_id ? key_id : "", cls);
    struct stripe *s = &rl->stripes[hash & (rl->stripe_count - 1)];
    pthread_mutex_lock(&s->lock);
    struct bucket *b = find_or_add(rl, s, hash, key_id ? key_id : "", cls, now_ns);
    bool allowed = b ? spend(rl, b, now_ns, retry_after_s) : true;
    pthread_mutex_unlock(&s->lock);
    return allowed;
}

size_t
ent_ratelimit_count(struct ent_ratelimit *rl)
{
    size_t n = 0;
    for (size_t i = 0; rl && i < rl->stripe_count; i++) {
        pthread_mutex_lock(&rl->stripes[i].lock);
        n += rl->stripes[i].used;
        pthread_mutex_unlock(&rl->stripes[i].lock);
    }
    return n;
}

/* FNV-1a over the key id and the class, then a finalizer so that every bit depends on all. */
static uint64_t
hash_pair(const char *key_id, enum ent_rate_class cls)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; key_id[i] && i < KEY_ID_MAX - 1; i++) {
        h ^= (unsigned char)key_id[i];
        h *= 1099511628211ULL;
    }
    h ^= (uint64_t)cls;
    h *= 1099511628211ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

/* The smallest power of two at least n (n itself when it is one). */
static size_t
next_pow2(size_t n)
{
    size_t p = 1;
    while (p < n && p < ((size_t)1 << (sizeof(size_t) * 8 - 2)))
        p <<= 1;
    return p;
}

/* The slot where a pair of this hash starts probing in a stripe. */
static size_t
home_slot(const struct ent_ratelimit *rl, uint64_t hash)
{
    return (size_t)(hash >> 32) & (rl->slot_count - 1);
}

/* True when slot b holds the pair (key_id, cls). */
static bool
is_pair(const struct bucket *b, const char *key_id, enum ent_rate_class cls)
{
    return b->cls == (uint8_t)cls && strncmp(b->key_id, key_id, KEY_ID_MAX - 1) == 0;
}

/*
 * The bucket of (key_id, cls) in stripe s, made with a full bucket when there is none. Returns
 * NULL when the stripe is too full to take the pair even after a sweep. The caller holds s->lock.
 */
static struct bucket *
find_or_add(struct ent_ratelimit *rl, struct stripe *s, uint64_t hash, const char *key_id,
            enum ent_rate_class cls, int64_t now_ns)
{
    size_t mask = rl->slot_count - 1;
    size_t i = home_slot(rl, hash);
    while (s->slots[i].cls != ENT_RATE_NONE) {
        if (is_pair(&s->slots[i], key_id, cls))
            return &s->slots[i];
        i = (i + 1) & mask;
    }
    size_t max_used = rl->slot_count - rl->slot_count / 4;
    if (s->used + 1 > max_used) {
        if (s->swept && now_ns - s->swept_ns < SWEEP_INTERVAL_NS)
            return NULL;
        sweep(rl, s, now_ns);
        if (s->used + 1 > max_used)
            return NULL;
        /* The sweep moved buckets: find the first empty slot of the probe sequence again. */
        i = home_slot(rl, hash);
        while (s->slots[i].cls != ENT_RATE_NONE)
            i = (i + 1) & mask;
    }
    struct bucket *b = &s->slots[i];
    memset(b, 0, sizeof(*b));
    size_t len = strnlen(key_id, KEY_ID_MAX - 1);
    memcpy(b->key_id, key_id, len);
    b->cls = (uint8_t)cls;
    b->tokens = rl->burst[cls];
    b->last_ns = now_ns;
    s->used++;
    return b;
}

/* Adds the tokens earned since b was last refilled, up to the burst; now_ns may lag a little. */
static void
refill(const struct ent_ratelimit *rl, struct bucket *b, int64_t now_ns)
{
    if (now_ns <= b->last_ns)
        return;
    double earned = (double)(now_ns - b->last_ns) / 1e9 * rl->rate[b->cls];
    double burst = rl->burst[b->cls];
    b->tokens = b->tokens + earned < burst ? b->tokens + earned : burst;
    b->last_ns = now_ns;
}

/*
 * Takes a token from b. Returns true when there was one; false with OUT retry_after_s set to
 * the whole seconds, at least 1, until there is one.
 */
static bool
spend(const struct ent_ratelimit *rl, struct bucket *b, int64_t now_ns, unsigned *retry_after_s)
{
    refill(rl, b, now_ns);
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        return true;
    }
    double wait_s = (1.0 - b->tokens) / rl->rate[b->cls];
    unsigned whole = (unsigned)wait_s;
    if ((double)whole < wait_s)
        whole++;
    *retry_after_s = whole < 1 ? 1 : whole;
    return false;
}

/* True when b would be full by now_ns: the same as having no bucket. */
static bool
is_idle(const struct ent_ratelimit *rl, const struct bucket *b, int64_t now_ns)
{
    double elapsed_s = now_ns > b->last_ns ? (double)(now_ns - b->last_ns) / 1e9 : 0.0;
    return b->tokens + elapsed_s * rl->rate[b->cls] >= rl->burst[b->cls];
}

/*
 * Deletes slot i of s and shifts the rest of its probe run back (Knuth's algorithm R), so
 * every remaining bucket stays reachable from its home slot. The caller holds s->lock.
 */
static void
delete_slot(const struct ent_ratelimit *rl, struct stripe *s, size_t i)
{
    size_t mask = rl->slot_count - 1;
    size_t hole = i;
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (s->slots[j].cls == ENT_RATE_NONE)
            break;
        size_t home =
            home_slot(rl, hash_pair(s->slots[j].key_id, (enum ent_rate_class)s->slots[j].cls));
        /* Bucket j may fill the hole unless its home lies cyclically in (hole, j]. */
        bool home_after_hole = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (home_after_hole)
            continue;
        s->slots[hole] = s->slots[j];
        hole = j;
    }
    memset(&s->slots[hole], 0, sizeof(s->slots[hole]));
    s->used--;
}

/* Deletes the idle buckets of s. The caller holds s->lock. */
static void
sweep(const struct ent_ratelimit *rl, struct stripe *s, int64_t now_ns)
{
    s->swept = true;
    s->swept_ns = now_ns;
    size_t i = 0;
    while (i < rl->slot_count) {
        /* A deletion may shift another bucket into slot i: look at it again before going on. */
        if (s->slots[i].cls != ENT_RATE_NONE && is_idle(rl, &s->slots[i], now_ns))
            delete_slot(rl, s, i);
        else
            i++;
    }
}
