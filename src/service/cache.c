/* SPDX-License-Identifier: MIT */
/*
 * cache.c: the in-memory catalog and the per-account snapshots that evaluation reads (see
 * cache.h). No SQL here: misses read through the store interface.
 *
 * Correctness under concurrent writes: a snapshot built from the store may be stale by the time
 * it is built, if a write to the account committed meanwhile. Every drop bumps the generation of
 * the account's stripe first; a builder notes that generation before it reads the store and
 * installs its snapshot only if the generation is unchanged, so a snapshot built from data older
 * than an acknowledged write is never kept. The same holds for the catalog and its generation.
 *
 * Usage is the exception to "drop on write": a committed event bumps the stripe too (fencing
 * builders that may have read the counter before the commit) but leaves a cached snapshot in
 * place and raises its counter to the one the commit reported. Counters only grow and each
 * report is the exact count at its commit, so the largest report seen is the count after every
 * commit reported so far, and a snapshot built from a read that already counted an event is
 * not counted twice when that event's report comes after it was installed.
 *
 * THREAD SAFETY: one mutex (cache->lock) guards the snapshot table, the LRU list, reference
 * counts and the current catalog. Generations are atomics, bumped without the lock. Building
 * happens outside the lock. A snapshot or catalog handed out is immutable and stays valid while
 * referenced; the last release of an evicted one frees it.
 */
#include "service/cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/str.h"
#include "core/uuid.h"
#include "core/varint.h"
#include "core/window.h"
#include "service/ctx.h"

#define STRIPES 1024
#define BUCKETS_MIN 1024
#define MAX_DEPTH 16 /* bundles nested deeper than this are not followed */

/* The catalog's own data: an arena holding every feature and product, and its indexes. */
struct catalog_index {
    struct ent_arena arena;
    struct ent_product *products;
    size_t n_products;
    /* open addressing: feature keys and ids -> feature index; product ids -> product index */
    const char **feature_names;
    uint32_t *feature_slots;
    size_t feature_cap;
    const char **product_names;
    uint32_t *product_slots;
    size_t product_cap;
};

struct ent_cache {
    pthread_mutex_t lock;
    atomic_uint_fast64_t catalog_gen;
    atomic_bool hold_off; /* keep nothing built: changes may go unannounced (ent_cache_keep) */
    atomic_uint_fast64_t stripes[STRIPES];
    struct ent_catalog *catalog; /* the current one, or NULL */
    struct ent_snapshot **by_id;
    struct ent_snapshot **by_key;
    size_t n_buckets;
    struct ent_snapshot *lru_head, *lru_tail; /* head: most recently used */
    size_t count;
    size_t max;
    size_t bytes;
    atomic_uint_fast64_t hits, misses, builds, drops, evictions, usage_updates;
};

/* The stripe of an account id. */
static size_t
stripe_of(const char *account_id)
{
    return (size_t)(ent_str_hash(account_id) % STRIPES);
}

struct ent_cache *
ent_cache_new(size_t max_accounts)
{
    struct ent_cache *c = ent_calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->max = max_accounts ? max_accounts : 100000;
    c->n_buckets = BUCKETS_MIN;
    while (c->n_buckets < c->max)
        c->n_buckets *= 2;
    c->by_id = ent_calloc(c->n_buckets, sizeof(*c->by_id));
    c->by_key = ent_calloc(c->n_buckets, sizeof(*c->by_key));
    if (!c->by_id || !c->by_key) {
        ent_free(c->by_id);
        ent_free(c->by_key);
        ent_free(c);
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

/* Frees a catalog and its arena. */
static void
catalog_free(struct ent_catalog *cat)
{
    if (!cat)
        return;
    struct catalog_index *ix = cat->index_;
    if (ix) {
        ent_arena_cleanup(&ix->arena);
        ent_free(ix);
    }
    ent_free(cat);
}

void
ent_cache_free(struct ent_cache *c)
{
    if (!c)
        return;
    struct ent_snapshot *s = c->lru_head;
    while (s) {
        struct ent_snapshot *next = s->lru_next_;
        ent_free(s);
        s = next;
    }
    catalog_free(c->catalog);
    pthread_mutex_destroy(&c->lock);
    ent_free(c->by_id);
    ent_free(c->by_key);
    ent_free(c);
}

/* ------------------------------------------------------------------------------------------ */
/* The catalog                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/*
 * Inserts name -> idx into an open-addressing table of cap slots (a power of two), whose names
 * are matched ASCII case-insensitively.
 */
static void
index_put(const char **names, uint32_t *slots, size_t cap, const char *name, uint32_t idx)
{
    size_t i = (size_t)ent_str_hash_folded(name) & (cap - 1);
    while (names[i])
        i = (i + 1) & (cap - 1);
    names[i] = name;
    slots[i] = idx;
}

/* Looks name up in an open-addressing table, in any case; -1 when absent. */
static long
index_get(const char *const *names, const uint32_t *slots, size_t cap, const char *name)
{
    if (!cap)
        return -1;
    size_t i = (size_t)ent_str_hash_folded(name) & (cap - 1);
    while (names[i]) {
        if (ent_str_ieq(names[i], name))
            return slots[i];
        i = (i + 1) & (cap - 1);
    }
    return -1;
}

/* A table capacity for n names: a power of two at least 2n. */
static size_t
table_cap(size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    return cap;
}

/* Loads every row of a table through the generic list, 100 at a time, into the arena. */
static int
load_all(struct ent_ctx *ctx, struct ent_store_session *sess, struct ent_arena *a,
         enum ent_store_table table, size_t item_size, void **items, size_t *n)
{
    size_t count = 0, cap = 0;
    char *out = NULL;
    for (int64_t offset = 0;; offset += 100) {
        struct ent_store_query q = {.limit = 100, .offset = offset};
        char(*ids)[37] = NULL;
        size_t got = 0;
        int64_t total = 0;
        int rc = sess->ops->list(sess, &ctx->arena, table, &q, &ids, &got, &total);
        if (rc < 0)
            return rc;
        if (!out) {
            cap = (size_t)total + 1;
            out = ent_arena_calloc(a, cap, item_size);
            if (!out)
                return ENT_ENOMEM;
        }
        for (size_t i = 0; i < got && count < cap; i++) {
            void *item = out + count * item_size;
            rc = table == ENT_TABLE_FEATURES ? sess->ops->feature_get(sess, a, ids[i], item)
                                             : sess->ops->product_get(sess, a, ids[i], item);
            if (rc == ENT_ENOTFOUND)
                continue;
            if (rc < 0)
                return rc;
            count++;
        }
        if (got < 100)
            break;
    }
    *items = out;
    *n = count;
    return ENT_OK;
}

/* Builds a catalog from the store. OUT cat (heap, refs 0). */
static int
catalog_build(struct ent_ctx *ctx, uint64_t gen, struct ent_catalog **out)
{
    struct ent_store_session *sess;
    int rc = ent_ctx_session(ctx, &sess);
    if (rc < 0)
        return rc;
    struct ent_catalog *cat = ent_calloc(1, sizeof(*cat));
    struct catalog_index *ix = ent_calloc(1, sizeof(*ix));
    if (!cat || !ix) {
        ent_free(cat);
        ent_free(ix);
        return ENT_ENOMEM;
    }
    ent_arena_init(&ix->arena, 0);
    cat->index_ = ix;
    cat->gen_ = gen;
    void *features = NULL, *products = NULL;
    rc = sess->ops->begin(sess, false);
    if (rc == ENT_OK)
        rc = load_all(ctx, sess, &ix->arena, ENT_TABLE_FEATURES, sizeof(struct ent_feature),
                      &features, &cat->n_features);
    if (rc == ENT_OK)
        rc = load_all(ctx, sess, &ix->arena, ENT_TABLE_PRODUCTS, sizeof(struct ent_product),
                      &products, &ix->n_products);
    sess->ops->rollback(sess);
    if (rc < 0) {
        catalog_free(cat);
        return rc;
    }
    /* struct ent_catalog_feature wraps struct ent_feature alone, so the array is the same. */
    cat->features = features;
    ix->products = products;
    ix->feature_cap = table_cap(2 * cat->n_features);
    ix->product_cap = table_cap(ix->n_products);
    ix->feature_names = ent_arena_calloc(&ix->arena, ix->feature_cap, sizeof(char *));
    ix->feature_slots = ent_arena_calloc(&ix->arena, ix->feature_cap, sizeof(uint32_t));
    ix->product_names = ent_arena_calloc(&ix->arena, ix->product_cap, sizeof(char *));
    ix->product_slots = ent_arena_calloc(&ix->arena, ix->product_cap, sizeof(uint32_t));
    if (!ix->feature_names || !ix->feature_slots || !ix->product_names || !ix->product_slots) {
        catalog_free(cat);
        return ENT_ENOMEM;
    }
    for (size_t i = 0; i < cat->n_features; i++) {
        const struct ent_feature *f = &cat->features[i].feature;
        index_put(ix->feature_names, ix->feature_slots, ix->feature_cap, f->key, (uint32_t)i);
        index_put(ix->feature_names, ix->feature_slots, ix->feature_cap, f->id, (uint32_t)i);
    }
    for (size_t i = 0; i < ix->n_products; i++)
        index_put(ix->product_names, ix->product_slots, ix->product_cap, ix->products[i].id,
                  (uint32_t)i);
    *out = cat;
    return ENT_OK;
}

long
ent_cache_feature_index(const struct ent_catalog *cat, const char *key_or_id)
{
    const struct catalog_index *ix = cat->index_;
    return index_get(ix->feature_names, ix->feature_slots, ix->feature_cap, key_or_id);
}

/* The product of cat with id, or NULL. */
static const struct ent_product *
catalog_product(const struct ent_catalog *cat, const char *id)
{
    const struct catalog_index *ix = cat->index_;
    long i = index_get(ix->product_names, ix->product_slots, ix->product_cap, id);
    return i < 0 ? NULL : &ix->products[i];
}

int
ent_cache_catalog(struct ent_ctx *ctx, struct ent_catalog **out)
{
    struct ent_cache *c = ctx->app->cache;
    uint64_t gen = atomic_load(&c->catalog_gen);
    pthread_mutex_lock(&c->lock);
    if (c->catalog && c->catalog->gen_ == gen) {
        c->catalog->refs_++;
        *out = c->catalog;
        pthread_mutex_unlock(&c->lock);
        return ENT_OK;
    }
    pthread_mutex_unlock(&c->lock);
    struct ent_catalog *cat;
    int rc = catalog_build(ctx, gen, &cat);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&c->lock);
    cat->refs_ = 1;
    if (atomic_load(&c->catalog_gen) == gen && !atomic_load(&c->hold_off) &&
        (!c->catalog || c->catalog->gen_ != gen)) {
        struct ent_catalog *old = c->catalog;
        c->catalog = cat;
        cat->refs_++; /* the cache's own reference */
        if (old && --old->refs_ == 0)
            catalog_free(old);
    }
    pthread_mutex_unlock(&c->lock);
    *out = cat;
    return ENT_OK;
}

void
ent_cache_catalog_release(struct ent_app *app, struct ent_catalog *cat)
{
    if (!cat)
        return;
    struct ent_cache *c = app->cache;
    pthread_mutex_lock(&c->lock);
    bool last = --cat->refs_ == 0;
    pthread_mutex_unlock(&c->lock);
    if (last)
        catalog_free(cat);
}

void
ent_cache_catalog_changed(struct ent_app *app)
{
    atomic_fetch_add(&app->cache->catalog_gen, 1);
}

void
ent_cache_keep(struct ent_app *app, bool keep)
{
    struct ent_cache *c = app->cache;
    if (!keep)
        atomic_store(&c->hold_off, true);
    /* Either way, nothing cached before this moment is used again. */
    atomic_fetch_add(&c->catalog_gen, 1);
    if (keep)
        atomic_store(&c->hold_off, false);
}

/* ------------------------------------------------------------------------------------------ */
/* Building snapshots                                                                          */
/* ------------------------------------------------------------------------------------------ */

/* The grants being collected for one account. */
struct collector {
    const struct ent_catalog *cat;
    struct ent_grant *grants;
    uint32_t *feature_of; /* the feature index of each grant */
    size_t n, cap;
    struct ent_arena *a;
    bool oom;
};

/* Adds one grant of feature index fi. */
static void
collect(struct collector *col, uint32_t fi, const struct ent_grant *g)
{
    if (col->n == col->cap) {
        size_t cap = col->cap ? col->cap * 2 : 32;
        struct ent_grant *grants = ent_arena_alloc(col->a, cap * sizeof(*grants));
        uint32_t *fo = ent_arena_alloc(col->a, cap * sizeof(*fo));
        if (!grants || !fo) {
            col->oom = true;
            return;
        }
        if (col->n) {
            memcpy(grants, col->grants, col->n * sizeof(*grants));
            memcpy(fo, col->feature_of, col->n * sizeof(*fo));
        }
        col->grants = grants;
        col->feature_of = fo;
        col->cap = cap;
    }
    col->grants[col->n] = *g;
    col->feature_of[col->n] = fi;
    col->n++;
}

/*
 * Adds what product p gives under the template grant, and, when with_components, what its
 * components give, multiplied. Order activation creates an entitlement of its own for each
 * component, so entitlements from orders are taken without their components.
 */
static void
collect_product(struct collector *col, const struct ent_product *p, int64_t quantity,
                const struct ent_grant *tmpl, bool with_components, int depth)
{
    if (!p || depth > MAX_DEPTH)
        return;
    for (size_t i = 0; i < p->n_entitlements; i++) {
        long fi = ent_cache_feature_index(col->cat, p->entitlements[i].feature_id);
        if (fi < 0)
            continue;
        struct ent_grant g = *tmpl;
        g.value = p->entitlements[i].value;
        g.quantity = quantity;
        collect(col, (uint32_t)fi, &g);
    }
    for (size_t i = 0; with_components && i < p->n_components; i++) {
        const struct ent_product *comp = catalog_product(col->cat, p->components[i].product_id);
        collect_product(col, comp, quantity * p->components[i].quantity, tmpl, true, depth + 1);
    }
}

/* Orders grant indexes by feature index, then by position (a stable sort). */
static void
sort_by_feature(struct collector *col, uint32_t *order)
{
    for (size_t i = 0; i < col->n; i++)
        order[i] = (uint32_t)i;
    for (size_t i = 1; i < col->n; i++) { /* insertion sort: snapshots are small */
        uint32_t x = order[i];
        size_t j = i;
        while (j > 0 && col->feature_of[order[j - 1]] > col->feature_of[x]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = x;
    }
}

/* The strings of a snapshot being packed, each stored once (values repeat across grants). */
struct string_table {
    char *text; /* in the arena, with room for every string put */
    size_t len;
    uint32_t *slots; /* open addressing: offset + 1 of each string; 0: empty */
    size_t cap;
};

/* Room for up to n strings of max_bytes in all (their NULs included). */
static bool
strings_init(struct string_table *t, struct ent_arena *a, size_t n, size_t max_bytes)
{
    t->len = 0;
    t->cap = table_cap(n);
    t->slots = ent_arena_calloc(a, t->cap, sizeof(*t->slots));
    t->text = ent_arena_alloc(a, max_bytes ? max_bytes : 1);
    return t->slots && t->text;
}

/* The offset of s in the table, where it is added when new. */
static uint32_t
strings_put(struct string_table *t, const char *s)
{
    size_t i = (size_t)ent_str_hash(s) & (t->cap - 1);
    for (; t->slots[i]; i = (i + 1) & (t->cap - 1)) {
        if (strcmp(t->text + t->slots[i] - 1, s) == 0)
            return t->slots[i] - 1;
    }
    uint32_t off = (uint32_t)t->len;
    size_t n = strlen(s) + 1;
    memcpy(t->text + t->len, s, n);
    t->len += n;
    t->slots[i] = off + 1;
    return off;
}

/* A source being packed: what the grants of one entitlement and quantity share. */
struct source_row {
    int64_t start_ms, end_ms, quantity;
    uint8_t state;
    bool override;
    size_t ent; /* the entitlement's index */
};

/* The source of collected grant g among rows[first .. *n), added when none has its quantity. */
static uint32_t
source_of(struct source_row *rows, size_t first, size_t *n, const struct ent_grant *g)
{
    for (size_t i = first; i < *n; i++) {
        if (rows[i].quantity == g->quantity)
            return (uint32_t)i;
    }
    rows[*n] = (struct source_row){.start_ms = g->start_ms,
                                   .end_ms = g->end_ms,
                                   .quantity = g->quantity,
                                   .state = (uint8_t)g->state,
                                   .override = g->override,
                                   .ent = g->source};
    return (uint32_t)(*n)++;
}

/* a - b and a + b on int64 as two's complement: exact for any pair, and each undoes the other. */
static int64_t
wrapping_sub(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a - (uint64_t)b);
}
static int64_t
wrapping_add(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

/* Writes source r at out (room for ENT_SOURCE_MAX bytes), its start from base_ms (cache.h). */
static size_t
source_encode(uint8_t *out, const struct source_row *r, int64_t base_ms)
{
    uint8_t flags = r->state & ENT_SOURCE_STATE;
    flags |= r->override ? ENT_SOURCE_OVERRIDE : 0;
    flags |= r->end_ms != ENT_TIME_NONE ? ENT_SOURCE_ENDS : 0;
    flags |= r->quantity != 1 ? ENT_SOURCE_QUANTITY : 0;
    size_t n = 0;
    out[n++] = flags;
    n += ent_varint_put(out + n, ent_zigzag(wrapping_sub(r->start_ms, base_ms)));
    if (flags & ENT_SOURCE_ENDS)
        n += ent_varint_put(out + n, ent_zigzag(wrapping_sub(r->end_ms, r->start_ms)));
    if (flags & ENT_SOURCE_QUANTITY)
        n += ent_varint_put(out + n, ent_zigzag(r->quantity));
    return n;
}

/* Reads the source at offset off of snap into r. Returns false when it does not decode. */
static bool
source_decode(const struct ent_snapshot *snap, uint32_t off, struct source_row *r)
{
    if (off >= snap->sources_len)
        return false;
    const uint8_t *p = ent_snapshot_sources(snap) + off;
    size_t len = snap->sources_len - off, i = 1, k;
    uint64_t v = 0;
    uint8_t flags = p[0];
    if (!(k = ent_varint_get(p + i, len - i, &v)))
        return false;
    i += k;
    r->start_ms = wrapping_add(snap->built_ms, ent_unzigzag(v));
    r->end_ms = ENT_TIME_NONE;
    if (flags & ENT_SOURCE_ENDS) {
        if (!(k = ent_varint_get(p + i, len - i, &v)))
            return false;
        i += k;
        r->end_ms = wrapping_add(r->start_ms, ent_unzigzag(v));
    }
    r->quantity = 1;
    if ((flags & ENT_SOURCE_QUANTITY) && !ent_varint_get(p + i, len - i, &v))
        return false;
    if (flags & ENT_SOURCE_QUANTITY)
        r->quantity = ent_unzigzag(v);
    r->state = flags & ENT_SOURCE_STATE;
    r->override = (flags & ENT_SOURCE_OVERRIDE) != 0;
    return true;
}

/* What explains the source at offset off, one of entitlement e's. */
static struct ent_snapshot_detail
detail_of(const struct ent_entitlement *e, uint32_t off, struct string_table *strings)
{
    struct ent_snapshot_detail d = {.source = off, .kind = (uint8_t)e->source};
    if (!ent_uuid_pack(e->id, d.entitlement_id)) {
        uint32_t text = strings_put(strings, e->id);
        memcpy(d.entitlement_id, &text, sizeof(text));
        d.flags |= ENT_SNAPSHOT_ID_TEXT;
    }
    d.product = e->product ? strings_put(strings, e->product) + 1 : 0;
    return d;
}

/*
 * Packs the collected grants with their sources, usage, seats and strings into one allocation
 * (cache.h), sources' starts from base_ms (the snapshot's built_ms); with explained, what
 * explains each source too. The grants of one entitlement were collected one after another
 * (snapshot_build), so a grant's source is looked for among its own entitlement's alone.
 */
static struct ent_snapshot *
pack_snapshot(struct collector *col, const struct ent_account *acc,
              const struct ent_entitlement *ents, size_t n_ents,
              const struct ent_snapshot_usage *usage, size_t n_usage,
              const struct ent_snapshot_seat *seats, size_t n_seats, int64_t base_ms,
              bool explained)
{
    size_t n = col->n, slots = n ? n : 1;
    uint32_t *order = ent_arena_alloc(col->a, slots * sizeof(*order));
    uint32_t *src_of = ent_arena_alloc(col->a, slots * sizeof(*src_of));
    uint32_t *value_of = ent_arena_alloc(col->a, slots * sizeof(*value_of));
    struct source_row *rows = ent_arena_alloc(col->a, slots * sizeof(*rows));
    uint32_t *offset = ent_arena_alloc(col->a, slots * sizeof(*offset));
    uint8_t *packed = ent_arena_alloc(col->a, slots * ENT_SOURCE_MAX);
    size_t max_bytes = strlen(acc->key) + 1;
    for (size_t i = 0; i < n; i++)
        max_bytes += strlen(col->grants[i].value) + 1;
    for (size_t i = 0; explained && i < n_ents; i++)
        max_bytes += sizeof(ents[i].id) + (ents[i].product ? strlen(ents[i].product) + 1 : 0);
    struct string_table strings;
    if (!order || !src_of || !value_of || !rows || !offset || !packed ||
        max_bytes > UINT32_MAX / 2 || n > UINT32_MAX / ENT_SOURCE_MAX ||
        !strings_init(&strings, col->a, 1 + n + 2 * n_ents, max_bytes))
        return NULL;
    uint32_t key = strings_put(&strings, acc->key);
    size_t n_sources = 0, first = 0;
    for (size_t k = 0; k < n; k++) {
        const struct ent_grant *g = &col->grants[k];
        if (k == 0 || g->source != col->grants[k - 1].source)
            first = n_sources;
        src_of[k] = source_of(rows, first, &n_sources, g);
        value_of[k] = strings_put(&strings, g->value);
    }
    size_t sources_len = 0;
    for (size_t i = 0; i < n_sources; i++) {
        offset[i] = (uint32_t)sources_len;
        sources_len += source_encode(packed + sources_len, &rows[i], base_ms);
    }
    struct ent_snapshot_detail *details = NULL;
    if (explained) {
        details = ent_arena_alloc(col->a, (n_sources ? n_sources : 1) * sizeof(*details));
        if (!details)
            return NULL;
        for (size_t i = 0; i < n_sources; i++)
            details[i] = detail_of(&ents[rows[i].ent], offset[i], &strings);
    }
    sort_by_feature(col, order);
    size_t n_details = explained ? n_sources : 0;
    size_t bytes = sizeof(struct ent_snapshot) + n_usage * sizeof(struct ent_snapshot_usage) +
                   n_seats * sizeof(struct ent_snapshot_seat) +
                   n * sizeof(struct ent_snapshot_grant) +
                   n_details * sizeof(struct ent_snapshot_detail) + sources_len + strings.len;
    struct ent_snapshot *snap = ent_alloc(bytes);
    if (!snap)
        return NULL;
    memset(snap, 0, sizeof(*snap));
    memcpy(snap->account_id, acc->id, sizeof(snap->account_id));
    snap->explained = explained;
    snap->account_key = key;
    snap->n_usage = (uint32_t)n_usage;
    snap->n_sources = (uint32_t)n_sources;
    snap->n_seats = (uint32_t)n_seats;
    snap->n_grants = (uint32_t)n;
    snap->sources_len = (uint32_t)sources_len;
    snap->built_ms = base_ms;
    snap->bytes_ = (uint32_t)bytes;
    struct ent_snapshot_usage *u = ent_snapshot_usage(snap);
    for (size_t i = 0; i < n_usage; i++) {
        u[i].window_start_ms = usage[i].window_start_ms;
        u[i].feature = usage[i].feature;
        atomic_init(&u[i].used, atomic_load_explicit(&usage[i].used, memory_order_relaxed));
    }
    if (n_seats)
        memcpy((void *)ent_snapshot_seats(snap), seats, n_seats * sizeof(*seats));
    struct ent_snapshot_grant *grants = (struct ent_snapshot_grant *)ent_snapshot_grants(snap);
    for (size_t k = 0; k < n; k++) {
        uint32_t i = order[k];
        grants[k] = (struct ent_snapshot_grant){
            .feature = col->feature_of[i], .source = offset[src_of[i]], .value = value_of[i]};
    }
    if (n_details)
        memcpy((void *)ent_snapshot_details(snap), details, n_details * sizeof(*details));
    if (sources_len)
        memcpy((void *)ent_snapshot_sources(snap), packed, sources_len);
    memcpy((char *)ent_snapshot_strings(snap), strings.text, strings.len);
    return snap;
}

int
ent_cache_grants(struct ent_ctx *ctx, const struct ent_snapshot *snap, long fi,
                 struct ent_grant *buf, size_t cap, const struct ent_grant **grants, size_t *n)
{
    const struct ent_snapshot_grant *g = ent_snapshot_grants(snap);
    size_t lo = 0, hi = snap->n_grants;
    while (lo < hi) { /* the first grant of a feature at or after fi */
        size_t mid = lo + (hi - lo) / 2;
        if (g[mid].feature < (uint32_t)fi)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < snap->n_grants && g[end].feature == (uint32_t)fi)
        end++;
    *grants = NULL;
    *n = end - lo;
    if (*n == 0)
        return ENT_OK;
    struct ent_grant *out = *n <= cap ? buf : ent_arena_alloc(&ctx->arena, *n * sizeof(*out));
    if (!out)
        return ENT_ENOMEM;
    const char *strings = ent_snapshot_strings(snap);
    for (size_t k = 0; k < *n; k++) {
        const struct ent_snapshot_grant *x = &g[lo + k];
        struct source_row src;
        if (!source_decode(snap, x->source, &src))
            return ENT_EINTERNAL;
        out[k] = (struct ent_grant){
            .value = strings + x->value,
            .quantity = src.quantity,
            .start_ms = src.start_ms,
            .end_ms = src.end_ms,
            .state = (enum ent_grant_state)src.state,
            .override = src.override,
            .source = x->source,
        };
    }
    *grants = out;
    return ENT_OK;
}

void
ent_cache_source(const struct ent_snapshot *snap, size_t source, char entitlement_id[37],
                 const char **product, enum ent_source *kind)
{
    entitlement_id[0] = '\0';
    *product = NULL;
    *kind = (enum ent_source)0;
    const struct ent_snapshot_detail *d = ent_snapshot_details(snap);
    size_t n = snap->explained ? snap->n_sources : 0, lo = 0, hi = n;
    while (lo < hi) { /* details are in the order of their sources' offsets */
        size_t mid = lo + (hi - lo) / 2;
        if (d[mid].source < source)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == n || d[lo].source != source)
        return;
    const char *strings = ent_snapshot_strings(snap);
    if (d[lo].flags & ENT_SNAPSHOT_ID_TEXT) {
        uint32_t off;
        memcpy(&off, d[lo].entitlement_id, sizeof(off));
        snprintf(entitlement_id, 37, "%s", strings + off);
    } else {
        ent_uuid_unpack(d[lo].entitlement_id, entitlement_id);
    }
    *product = d[lo].product ? strings + d[lo].product - 1 : NULL;
    *kind = (enum ent_source)d[lo].kind;
}

/*
 * Reads the usage, in the window current now, of every metered feature the account has grants
 * of: one counter per feature, so evaluation reads no events and, while the window lasts, no
 * store at all. OUT until_ms: the end of the first of those windows (INT64_MAX: none ends).
 */
static int
load_usage(struct ent_ctx *ctx, struct ent_store_session *sess, const struct ent_catalog *cat,
           const struct collector *col, const char *account_id, struct ent_snapshot_usage **out,
           size_t *n, int64_t *until_ms)
{
    *until_ms = INT64_MAX;
    *out = ent_arena_alloc(&ctx->arena, (col->n ? col->n : 1) * sizeof(**out));
    if (!*out)
        return ENT_ENOMEM;
    *n = 0;
    for (size_t i = 0; i < col->n; i++) {
        uint32_t fi = col->feature_of[i];
        const struct ent_feature *f = &cat->features[fi].feature;
        bool seen = false;
        for (size_t k = 0; k < *n && !seen; k++)
            seen = (*out)[k].feature == fi;
        if (f->type != ENT_FEATURE_METERED || seen)
            continue;
        struct ent_snapshot_usage *u = &(*out)[(*n)++];
        u->feature = fi;
        int64_t window_end = 0;
        if (!ent_window_bounds(f->reset_period, ctx->now_ms, &u->window_start_ms, &window_end))
            return ENT_EINTERNAL;
        if (window_end < *until_ms)
            *until_ms = window_end;
        int64_t used = 0;
        int rc = sess->ops->usage_counter(sess, account_id, f->id, u->window_start_ms, &used);
        if (rc < 0)
            return rc;
        atomic_init(&u->used, used);
    }
    /* Sorted by feature, for the binary search of evaluation. */
    for (size_t i = 1; i < *n; i++) {
        struct ent_snapshot_usage x = (*out)[i];
        size_t j = i;
        while (j > 0 && (*out)[j - 1].feature > x.feature) {
            (*out)[j] = (*out)[j - 1];
            j--;
        }
        (*out)[j] = x;
    }
    return ENT_OK;
}

/* Reads the live seats of the account's feature activations, sorted by feature. */
static int
load_seats(struct ent_ctx *ctx, struct ent_store_session *sess, const struct ent_catalog *cat,
           const char *account_id, struct ent_snapshot_seat **out, size_t *n)
{
    struct ent_store_seat *rows = NULL;
    size_t count = 0;
    int rc = sess->ops->seats_of_account(sess, &ctx->arena, account_id, ctx->now_ms, &rows, &count);
    if (rc < 0)
        return rc;
    *out = ent_arena_alloc(&ctx->arena, (count ? count : 1) * sizeof(**out));
    if (!*out)
        return ENT_ENOMEM;
    *n = 0;
    for (size_t i = 0; i < count; i++) {
        long fi = ent_cache_feature_index(cat, rows[i].feature_id);
        if (fi < 0)
            continue;
        struct ent_snapshot_seat x = {.feature = (uint32_t)fi, .expires_ms = rows[i].expires_ms};
        size_t j = (*n)++;
        while (j > 0 && (*out)[j - 1].feature > x.feature) {
            (*out)[j] = (*out)[j - 1];
            j--;
        }
        (*out)[j] = x;
    }
    return ENT_OK;
}

int
ent_cache_usage(struct ent_ctx *ctx, const struct ent_catalog *cat, const struct ent_snapshot *snap,
                long fi, int64_t at_ms, int64_t *used, int64_t *window_start_ms,
                int64_t *window_end_ms)
{
    const struct ent_feature *f = &cat->features[fi].feature;
    *used = 0;
    if (!ent_window_bounds(f->reset_period, at_ms, window_start_ms, window_end_ms))
        return ENT_EINVAL;
    const struct ent_snapshot_usage *usage = ent_snapshot_usage(snap);
    for (size_t i = 0; i < snap->n_usage; i++) {
        const struct ent_snapshot_usage *u = &usage[i];
        if (u->feature == (uint32_t)fi && u->window_start_ms == *window_start_ms) {
            *used = atomic_load_explicit(&u->used, memory_order_relaxed);
            return ENT_OK;
        }
    }
    /* Another window than the snapshot's (an evaluation "at" another time): the store. */
    struct ent_store_session *sess;
    int rc = ent_ctx_session(ctx, &sess);
    if (rc < 0)
        return rc;
    return sess->ops->usage_counter(sess, snap->account_id, f->id, *window_start_ms, used);
}

int64_t
ent_cache_seats(const struct ent_snapshot *snap, long fi, int64_t at_ms)
{
    const struct ent_snapshot_seat *seats = ent_snapshot_seats(snap);
    int64_t n = 0;
    for (size_t i = 0; i < snap->n_seats; i++) {
        if (seats[i].feature == (uint32_t)fi && seats[i].expires_ms > at_ms)
            n++;
    }
    return n;
}

/*
 * Builds the snapshot of account (id or key) from the store, explained or not (cache.h).
 * OUT stripe_gen: the account's stripe generation before the reads; snap (heap, refs 0).
 */
static int
snapshot_build(struct ent_ctx *ctx, const struct ent_catalog *cat, const char *account,
               bool explained, uint64_t *stripe_gen, struct ent_snapshot **out)
{
    struct ent_cache *c = ctx->app->cache;
    struct ent_store_session *sess;
    int rc = ent_ctx_session(ctx, &sess);
    if (rc < 0)
        return rc;
    struct ent_account acc;
    rc = sess->ops->account_get(sess, &ctx->arena, account, &acc);
    if (rc < 0)
        return rc;
    *stripe_gen = atomic_load(&c->stripes[stripe_of(acc.id)]);
    struct ent_entitlement *ents = NULL;
    size_t n = 0;
    rc = sess->ops->entitlements_of_account(sess, &ctx->arena, acc.id, &ents, &n);
    if (rc < 0)
        return rc;
    struct collector col = {.cat = cat, .a = &ctx->arena};
    for (size_t i = 0; i < n && !col.oom; i++) {
        const struct ent_entitlement *e = &ents[i];
        struct ent_grant tmpl = {
            .quantity = e->quantity,
            .start_ms = e->start_ms,
            .end_ms = e->permanent ? ENT_TIME_NONE : e->end_ms,
            .state =
                e->status == ENT_ENTITLEMENT_SUSPENDED ? ENT_GRANT_SUSPENDED : ENT_GRANT_ACTIVE,
            .override = e->override,
            .source = i,
        };
        if (e->product_id[0]) {
            collect_product(&col, catalog_product(cat, e->product_id), e->quantity, &tmpl,
                            e->source != ENT_SOURCE_ORDER, 0);
        } else if (e->feature_id[0] && e->value) {
            long fi = ent_cache_feature_index(cat, e->feature_id);
            tmpl.value = e->value;
            if (fi >= 0)
                collect(&col, (uint32_t)fi, &tmpl);
        }
    }
    if (col.oom)
        return ENT_ENOMEM;
    struct ent_snapshot_usage *usage = NULL;
    struct ent_snapshot_seat *seats = NULL;
    size_t n_usage = 0, n_seats = 0;
    int64_t until_ms = INT64_MAX;
    rc = load_usage(ctx, sess, cat, &col, acc.id, &usage, &n_usage, &until_ms);
    if (rc == ENT_OK)
        rc = load_seats(ctx, sess, cat, acc.id, &seats, &n_seats);
    if (rc < 0)
        return rc;
    struct ent_snapshot *snap =
        pack_snapshot(&col, &acc, ents, n, usage, n_usage, seats, n_seats, ctx->now_ms, explained);
    if (!snap)
        return ENT_ENOMEM;
    snap->usage_until_ms = until_ms;
    snap->catalog_gen_ = cat->gen_;
    snap->serial = atomic_fetch_add(&c->builds, 1) + 1;
    *out = snap;
    return ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* The snapshot table                                                                          */
/* ------------------------------------------------------------------------------------------ */

/* Unlinks s from the LRU list. Caller holds the lock. */
static void
lru_unlink(struct ent_cache *c, struct ent_snapshot *s)
{
    if (s->lru_prev_)
        s->lru_prev_->lru_next_ = s->lru_next_;
    else
        c->lru_head = s->lru_next_;
    if (s->lru_next_)
        s->lru_next_->lru_prev_ = s->lru_prev_;
    else
        c->lru_tail = s->lru_prev_;
    s->lru_prev_ = s->lru_next_ = NULL;
}

/* Links s at the LRU head. Caller holds the lock. */
static void
lru_push(struct ent_cache *c, struct ent_snapshot *s)
{
    s->lru_prev_ = NULL;
    s->lru_next_ = c->lru_head;
    if (c->lru_head)
        c->lru_head->lru_prev_ = s;
    c->lru_head = s;
    if (!c->lru_tail)
        c->lru_tail = s;
}

/* Removes s from both hash chains and the LRU; frees it unless referenced. Caller locks. */
static void
table_remove(struct ent_cache *c, struct ent_snapshot *s)
{
    size_t bi = (size_t)ent_str_hash(s->account_id) & (c->n_buckets - 1);
    for (struct ent_snapshot **p = &c->by_id[bi]; *p; p = &(*p)->hash_next_) {
        if (*p == s) {
            *p = s->hash_next_;
            break;
        }
    }
    size_t bk = (size_t)ent_str_hash(ent_snapshot_account_key(s)) & (c->n_buckets - 1);
    for (struct ent_snapshot **p = &c->by_key[bk]; *p; p = &(*p)->key_next_) {
        if (*p == s) {
            *p = s->key_next_;
            break;
        }
    }
    lru_unlink(c, s);
    c->count--;
    c->bytes -= s->bytes_;
    s->hash_next_ = s->key_next_ = NULL;
    s->detached_ = true; /* out of the table: the last release frees it */
    if (s->refs_ == 0)
        ent_free(s);
}

/* Finds the snapshot of account (id or key). Caller holds the lock. */
static struct ent_snapshot *
table_find(struct ent_cache *c, const char *account)
{
    uint64_t h = ent_str_hash(account);
    for (struct ent_snapshot *s = c->by_id[h & (c->n_buckets - 1)]; s; s = s->hash_next_) {
        if (strcmp(s->account_id, account) == 0)
            return s;
    }
    for (struct ent_snapshot *s = c->by_key[h & (c->n_buckets - 1)]; s; s = s->key_next_) {
        if (strcmp(ent_snapshot_account_key(s), account) == 0)
            return s;
    }
    return NULL;
}

/* Inserts s (replacing an older one of the account), evicting the least recently used. */
static void
table_insert(struct ent_cache *c, struct ent_snapshot *s)
{
    struct ent_snapshot *old = table_find(c, s->account_id);
    if (old)
        table_remove(c, old);
    while (c->count >= c->max && c->lru_tail) {
        table_remove(c, c->lru_tail);
        atomic_fetch_add(&c->evictions, 1);
    }
    size_t bi = (size_t)ent_str_hash(s->account_id) & (c->n_buckets - 1);
    s->hash_next_ = c->by_id[bi];
    c->by_id[bi] = s;
    size_t bk = (size_t)ent_str_hash(ent_snapshot_account_key(s)) & (c->n_buckets - 1);
    s->key_next_ = c->by_key[bk];
    c->by_key[bk] = s;
    lru_push(c, s);
    c->count++;
    c->bytes += s->bytes_;
}

int
ent_cache_snapshot(struct ent_ctx *ctx, struct ent_catalog *cat, const char *account,
                   struct ent_snapshot **out)
{
    struct ent_cache *c = ctx->app->cache;
    pthread_mutex_lock(&c->lock);
    struct ent_snapshot *s = table_find(c, account);
    /* A usage window it holds has passed: built again, so that the new one is in memory too. */
    if (s && s->catalog_gen_ == cat->gen_ && ctx->now_ms < s->usage_until_ms) {
        s->refs_++;
        lru_unlink(c, s);
        lru_push(c, s);
        pthread_mutex_unlock(&c->lock);
        atomic_fetch_add(&c->hits, 1);
        *out = s;
        return ENT_OK;
    }
    pthread_mutex_unlock(&c->lock);
    atomic_fetch_add(&c->misses, 1);
    uint64_t gen = 0;
    struct ent_snapshot *built;
    int rc = snapshot_build(ctx, cat, account, false, &gen, &built);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&c->lock);
    built->refs_ = 1;
    bool current = atomic_load(&c->stripes[stripe_of(built->account_id)]) == gen &&
                   atomic_load(&c->catalog_gen) == cat->gen_ && !atomic_load(&c->hold_off);
    if (current)
        table_insert(c, built);
    else
        built->detached_ = true; /* stale already: used by this request alone */
    pthread_mutex_unlock(&c->lock);
    *out = built;
    return ENT_OK;
}

int
ent_cache_snapshot_explained(struct ent_ctx *ctx, struct ent_catalog *cat, const char *account,
                             struct ent_snapshot **out)
{
    uint64_t gen = 0;
    struct ent_snapshot *built;
    int rc = snapshot_build(ctx, cat, account, true, &gen, &built);
    if (rc < 0)
        return rc;
    built->refs_ = 1;
    built->detached_ = true; /* for this call alone: freed by its release */
    *out = built;
    return ENT_OK;
}

void
ent_cache_release(struct ent_app *app, struct ent_snapshot *snap)
{
    if (!snap)
        return;
    struct ent_cache *c = app->cache;
    pthread_mutex_lock(&c->lock);
    snap->refs_--;
    bool free_it = snap->detached_ && snap->refs_ == 0;
    pthread_mutex_unlock(&c->lock);
    if (free_it)
        ent_free(snap);
}

void
ent_cache_drop(struct ent_app *app, const char *account_id)
{
    struct ent_cache *c = app->cache;
    atomic_fetch_add(&c->stripes[stripe_of(account_id)], 1);
    atomic_fetch_add(&c->drops, 1);
    pthread_mutex_lock(&c->lock);
    struct ent_snapshot *s = table_find(c, account_id);
    if (s)
        table_remove(c, s);
    pthread_mutex_unlock(&c->lock);
}

void
ent_cache_usage_recorded(struct ent_app *app, const char *account_id, const char *feature_id,
                         int64_t window_start_ms, int64_t used)
{
    struct ent_cache *c = app->cache;
    atomic_fetch_add(&c->stripes[stripe_of(account_id)], 1); /* before anything else: see top */
    atomic_fetch_add(&c->usage_updates, 1);
    pthread_mutex_lock(&c->lock);
    struct ent_snapshot *s = table_find(c, account_id);
    struct ent_catalog *cat = c->catalog;
    long fi =
        s && cat && cat->gen_ == s->catalog_gen_ ? ent_cache_feature_index(cat, feature_id) : -1;
    bool stale = s && fi < 0;
    for (size_t i = 0; s && !stale && i < s->n_usage; i++) {
        struct ent_snapshot_usage *u = &ent_snapshot_usage(s)[i];
        if (u->feature != (uint32_t)fi)
            continue;
        if (u->window_start_ms == window_start_ms) { /* one feature, one period: one window */
            /* Writers hold the lock: a plain load and store cannot lose another's report. */
            if (atomic_load_explicit(&u->used, memory_order_relaxed) < used) {
                atomic_store_explicit(&u->used, used, memory_order_relaxed);
                /* After the counter: a reader that sees the new version sees the new count. */
                atomic_fetch_add_explicit(&s->usage_version, 1, memory_order_release);
            }
        } else if (u->window_start_ms < window_start_ms) {
            stale = true; /* the window it holds has passed: the next read builds the new one */
        }
        break;
    }
    if (stale)
        table_remove(c, s);
    pthread_mutex_unlock(&c->lock);
}

void
ent_cache_stats(struct ent_app *app, struct ent_cache_stats *out)
{
    struct ent_cache *c = app->cache;
    out->hits = atomic_load(&c->hits);
    out->misses = atomic_load(&c->misses);
    out->builds = atomic_load(&c->builds);
    out->drops = atomic_load(&c->drops);
    out->evictions = atomic_load(&c->evictions);
    out->usage_updates = atomic_load(&c->usage_updates);
    out->keeping = !atomic_load(&c->hold_off);
    pthread_mutex_lock(&c->lock);
    out->accounts = c->count;
    out->bytes = c->bytes;
    pthread_mutex_unlock(&c->lock);
}
