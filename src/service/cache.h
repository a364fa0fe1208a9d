/* SPDX-License-Identifier: MIT */
/*
 * cache.h: what evaluation reads instead of the store. Two caches live here:
 *  - the catalog: every feature and product, copied into memory, rebuilt when a catalog write
 *    bumps the catalog generation;
 *  - snapshots: per account, what it holds, flattened to (feature, value, quantity, dates),
 *    built from the store on a miss, dropped by any write that touches the account before that
 *    write is acknowledged, bounded by an LRU.
 * A warm evaluation takes both from memory and runs no SQL.
 *
 * Rule for writers: inside a change that touches an account's grants, call
 * ent_ctx_touch_account(), and inside a change to features or products
 * ent_ctx_touch_catalog(): ent_writes_commit() then drops the account's snapshot
 * (ent_cache_drop) or the catalog (ent_cache_catalog_changed) once the change has committed,
 * before it is answered. After committing a usage event, call ent_cache_usage_recorded() (the
 * snapshot stays, with its counter brought up to date).
 */
#ifndef ENT_SERVICE_CACHE_H
#define ENT_SERVICE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/evaluate.h"
#include <entitled.h>

struct ent_cache;

/* A feature of the in-memory catalog. */
struct ent_catalog_feature {
    struct ent_feature feature; /* id, key, type, unit, levels, reset_period, … */
};

/*
 * A snapshot is one allocation, packed (see "Memory per snapshot" in docs/PERFORMANCE.md): the
 * header, then usage[n_usage], seats[n_seats], grants[n_grants], details[n_sources] (explained
 * snapshots only), the sources (sources_len bytes) and the strings, reached through the
 * ent_snapshot_* accessors below. Grants hold indexes and offsets, not pointers, and what the
 * grants of one entitlement share (dates, state, override, quantity) is stored once, in their
 * source; ent_cache_grants() expands a feature's grants into core's struct ent_grant for
 * evaluation.
 *
 * A source is where grants come from: an entitlement, and the quantity that multiplies its
 * grants' numbers (the components of a product multiply the entitlement's quantity by their
 * own, so an entitlement has a source per quantity its grants use; most have one). Sources are
 * packed in as few bytes as their numbers need: a byte of flags (the grant state in bits 0-1,
 * then ENT_SOURCE_OVERRIDE, ENT_SOURCE_ENDS, ENT_SOURCE_QUANTITY), the start as a zigzag varint
 * (core/varint.h) of its distance from built_ms, and, when flagged, the end's distance from the
 * start and the quantity (1 when not flagged): 4 to 6 bytes for most entitlements. Which
 * entitlement a source is, and its product, only explanations need: the snapshots evaluation
 * caches leave them out, and ent_cache_snapshot_explained() builds one with them, for one call.
 */
#define ENT_SOURCE_STATE 3u
#define ENT_SOURCE_OVERRIDE 4u
#define ENT_SOURCE_ENDS 8u
#define ENT_SOURCE_QUANTITY 16u
#define ENT_SOURCE_MAX 31 /* the most bytes one source takes */

/* What explains a source (explained snapshots only). 28 bytes, in the order of the sources. */
struct ent_snapshot_detail {
    uint32_t source;            /* the offset of the source it explains */
    uint32_t product;           /* offset of the product key in the strings + 1; 0: none */
    uint8_t entitlement_id[16]; /* the UUID's bytes, or with ENT_SNAPSHOT_ID_TEXT the offset
                                   (uint32_t) of its text in the strings */
    uint8_t kind;               /* enum ent_source */
    uint8_t flags;              /* ENT_SNAPSHOT_ID_TEXT */
};
#define ENT_SNAPSHOT_ID_TEXT 1u

/* A value of a feature, from a source. 12 bytes; sorted by feature, then as collected. */
struct ent_snapshot_grant {
    uint32_t feature; /* index in the catalog's features */
    uint32_t source;  /* offset of its source in the sources */
    uint32_t value;   /* offset of the normalised value in the strings */
};

/*
 * The usage of a metered feature in the window current when the snapshot was built. used is
 * the one field of a snapshot that changes once it is cached: it only grows, as committed events
 * are reported (ent_cache_usage_recorded); read it with atomic_load. 24 bytes.
 */
struct ent_snapshot_usage {
    int64_t window_start_ms; /* INT64_MIN for `never` */
    _Atomic int64_t used;
    uint32_t feature;
};

/* A live seat of a feature (an activation of the account and feature). 16 bytes. */
struct ent_snapshot_seat {
    int64_t expires_ms; /* INT64_MAX when not floating */
    uint32_t feature;
};

/* The header: 128 bytes (fields ordered so that none is padded). */
struct ent_snapshot {
    char account_id[37];
    bool detached_;       /* private to cache.c: out of the table, freed by its last release */
    bool explained;       /* holds details: built for one call, never cached */
    uint32_t account_key; /* offset in the strings */
    uint32_t n_grants, n_sources, n_usage, n_seats;
    int32_t refs_;          /* private to cache.c, as are the fields below but built_ms */
    int64_t built_ms;       /* the time usage windows and seats were read for */
    int64_t usage_until_ms; /* the end of the first usage window to pass: built again then */
    uint64_t catalog_gen_;
    uint64_t serial; /* this build's number, unique in the process (ofrep.c keys tags by it) */
    _Atomic uint64_t usage_version; /* raised after each raise of a usage counter in place */
    struct ent_snapshot *lru_prev_, *lru_next_, *hash_next_, *key_next_;
    uint32_t bytes_;
    uint32_t sources_len; /* bytes of the packed sources */
};

/* The parts of a snapshot, in the order they follow its header. */
static inline struct ent_snapshot_usage *
ent_snapshot_usage(const struct ent_snapshot *s)
{
    return (struct ent_snapshot_usage *)(uintptr_t)(s + 1);
}
static inline const struct ent_snapshot_seat *
ent_snapshot_seats(const struct ent_snapshot *s)
{
    return (const struct ent_snapshot_seat *)(ent_snapshot_usage(s) + s->n_usage);
}
static inline const struct ent_snapshot_grant *
ent_snapshot_grants(const struct ent_snapshot *s)
{
    return (const struct ent_snapshot_grant *)(ent_snapshot_seats(s) + s->n_seats);
}
static inline const struct ent_snapshot_detail *
ent_snapshot_details(const struct ent_snapshot *s)
{
    return (const struct ent_snapshot_detail *)(ent_snapshot_grants(s) + s->n_grants);
}
static inline const uint8_t *
ent_snapshot_sources(const struct ent_snapshot *s)
{
    return (const uint8_t *)(ent_snapshot_details(s) + (s->explained ? s->n_sources : 0));
}
static inline const char *
ent_snapshot_strings(const struct ent_snapshot *s)
{
    return (const char *)(ent_snapshot_sources(s) + s->sources_len);
}
static inline const char *
ent_snapshot_account_key(const struct ent_snapshot *s)
{
    return ent_snapshot_strings(s) + s->account_key;
}

struct ent_catalog {
    struct ent_catalog_feature *features;
    size_t n_features;
    /* private to cache.c */
    uint64_t gen_;
    long refs_;
    void *index_; /* key -> feature index */
};

/* Creates the caches; at most max_accounts snapshots are kept (0: 100000). */
struct ent_cache *ent_cache_new(size_t max_accounts);
void ent_cache_free(struct ent_cache *cache);

/*
 * The current catalog (built from the store when stale), referenced until
 * ent_cache_catalog_release(). Errors: ENT_ESTORE, ENT_ENOMEM.
 */
int ent_cache_catalog(struct ent_ctx *ctx, struct ent_catalog **out);
void ent_cache_catalog_release(struct ent_app *app, struct ent_catalog *cat);

/* The index of a feature by key (in any case) or id in cat, or -1. */
long ent_cache_feature_index(const struct ent_catalog *cat, const char *key_or_id);

/*
 * The snapshot of an account (by id or key), built on a miss, referenced until
 * ent_cache_release(). Errors: ENT_ENOTFOUND (no such account), ENT_ESTORE, ENT_ENOMEM.
 */
int ent_cache_snapshot(struct ent_ctx *ctx, struct ent_catalog *cat, const char *account,
                       struct ent_snapshot **out);

/*
 * The snapshot of an account with what explains its sources (ent_cache_source), built from the
 * store for this call alone: neither looked up nor kept. Released with ent_cache_release().
 * Errors: as ent_cache_snapshot.
 */
int ent_cache_snapshot_explained(struct ent_ctx *ctx, struct ent_catalog *cat, const char *account,
                                 struct ent_snapshot **out);
void ent_cache_release(struct ent_app *app, struct ent_snapshot *snap);

/*
 * The usage of feature index fi of the snapshot's account in the window of the feature's reset
 * period that contains at_ms: from the snapshot when it holds that window, else from the store.
 * OUT window (INT64_MIN/INT64_MAX for `never`). Errors: ENT_ESTORE.
 */
int ent_cache_usage(struct ent_ctx *ctx, const struct ent_catalog *cat,
                    const struct ent_snapshot *snap, long fi, int64_t at_ms, int64_t *used,
                    int64_t *window_start_ms, int64_t *window_end_ms);

/*
 * The grants of catalog feature fi, expanded for ent_evaluate() (grant.source: the offset of
 * its source, for ent_cache_source()): into buf when they fit in its cap entries, else into the
 * context's arena. They point into the snapshot (values), so they live while it is referenced.
 * OUT grants (NULL when none), n. Errors: ENT_ENOMEM, ENT_EINTERNAL (a source that does not
 * decode: never, for snapshots this file packed).
 */
int ent_cache_grants(struct ent_ctx *ctx, const struct ent_snapshot *snap, long fi,
                     struct ent_grant *buf, size_t cap, const struct ent_grant **grants, size_t *n);

/*
 * The entitlement id, product key (NULL: none; in the snapshot) and kind of the source at
 * offset source (a grant's), from an explained snapshot; "" and NULL from any other.
 */
void ent_cache_source(const struct ent_snapshot *snap, size_t source, char entitlement_id[37],
                      const char **product, enum ent_source *kind);

/* The live seats of feature index fi at at_ms (activations of the account and feature). */
int64_t ent_cache_seats(const struct ent_snapshot *snap, long fi, int64_t at_ms);

/* Drops the account's snapshot; call after a committed write that touches the account. */
void ent_cache_drop(struct ent_app *app, const char *account_id);

/*
 * Brings the account's snapshot up to date with a committed usage event: the counter of
 * feature_id in the window that starts at window_start_ms stood at used once the event
 * committed. Call after the commit, before answering, instead of ent_cache_drop(). Counters only
 * grow, so the snapshot keeps the larger of its count and used, whatever the order in which
 * concurrent commits are reported. A snapshot holding an older window of the feature, or built
 * against another catalog, is dropped.
 */
void ent_cache_usage_recorded(struct ent_app *app, const char *account_id, const char *feature_id,
                              int64_t window_start_ms, int64_t used);

/* Marks the catalog stale (and with it every snapshot); call after a catalog write. */
void ent_cache_catalog_changed(struct ent_app *app);

/*
 * keep false: drops everything cached and keeps nothing built from now on (each request builds
 * the catalog and snapshots it uses), for while other daemons' changes may go unannounced (the
 * store's listener lost its connection). keep true: drops everything cached again (what was
 * missed meanwhile is unknown) and caches as usual. THREAD SAFETY: any thread.
 */
void ent_cache_keep(struct ent_app *app, bool keep);

/* Counters for /metrics and tests. */
struct ent_cache_stats {
    uint64_t hits, misses, builds, drops, evictions, usage_updates, accounts;
    size_t bytes;
    bool keeping; /* snapshots are kept (ent_cache_keep) */
};
void ent_cache_stats(struct ent_app *app, struct ent_cache_stats *out);

#endif /* ENT_SERVICE_CACHE_H */
