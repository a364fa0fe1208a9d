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
 * Rule for writers: after committing a change that touches an account's grants, call
 * ent_cache_drop(app, account_id) before answering; after committing a usage event, call
 * ent_cache_usage_recorded() (the snapshot stays, with its counter brought up to date); after
 * committing a change to features or products, call ent_cache_catalog_changed(app).
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

/* One source of grants in a snapshot: an entitlement, for explanations. */
struct ent_snapshot_source {
    char entitlement_id[37];
    const char *product; /* key, or NULL */
    enum ent_source source;
    int64_t quantity;
};

/* What an account holds of one feature: the grants, ready for ent_evaluate(). */
struct ent_snapshot_feature {
    uint32_t feature; /* index in the catalog's features */
    uint32_t first;   /* its grants are grants[first .. first + count) */
    uint32_t count;
};

/*
 * The usage of a metered feature in the window current when the snapshot was built. used is
 * the one field of a snapshot that changes once it is cached: it only grows, as committed events
 * are reported (ent_cache_usage_recorded); read it with atomic_load.
 */
struct ent_snapshot_usage {
    uint32_t feature;
    int64_t window_start_ms; /* INT64_MIN for `never` */
    int64_t window_end_ms;   /* INT64_MAX for `never` */
    _Atomic int64_t used;
};

/* A live seat of a feature (an activation of the account and feature). */
struct ent_snapshot_seat {
    uint32_t feature;
    int64_t expires_ms; /* INT64_MAX when not floating */
};

struct ent_snapshot {
    char account_id[37];
    const char *account_key;
    struct ent_grant *grants; /* sorted by feature */
    size_t n_grants;
    struct ent_snapshot_feature *features; /* sorted by feature index */
    size_t n_features;
    struct ent_snapshot_source *sources;
    size_t n_sources;
    struct ent_snapshot_usage *usage; /* sorted by feature */
    size_t n_usage;
    struct ent_snapshot_seat *seats; /* sorted by feature */
    size_t n_seats;
    int64_t built_ms; /* the time usage windows and seats were read for */
    /* private to cache.c */
    uint64_t catalog_gen_;
    long refs_;
    bool detached_; /* no longer in the table: freed by its last release */
    struct ent_snapshot *lru_prev_, *lru_next_, *hash_next_, *key_next_;
    size_t bytes_;
};

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

/* The index of a feature by key or id in cat, or -1. */
long ent_cache_feature_index(const struct ent_catalog *cat, const char *key_or_id);

/*
 * The snapshot of an account (by id or key), built on a miss, referenced until
 * ent_cache_release(). Errors: ENT_ENOTFOUND (no such account), ENT_ESTORE, ENT_ENOMEM.
 */
int ent_cache_snapshot(struct ent_ctx *ctx, struct ent_catalog *cat, const char *account,
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

/* The live seats of feature index fi at at_ms (activations of the account and feature). */
int64_t ent_cache_seats(const struct ent_snapshot *snap, long fi, int64_t at_ms);

/* Drops the account's snapshot; call after a committed write that touches the account. */
void ent_cache_drop(struct ent_app *app, const char *account_id);

/*
 * Brings the account's snapshot up to date with a committed usage event: the counter of
 * feature_id in the window [window_start_ms, window_end_ms) stood at used once the event
 * committed. Call after the commit, before answering, instead of ent_cache_drop(). Counters only
 * grow, so the snapshot keeps the larger of its count and used, whatever the order in which
 * concurrent commits are reported. A snapshot holding an older window of the feature, or built
 * against another catalog, is dropped.
 */
void ent_cache_usage_recorded(struct ent_app *app, const char *account_id, const char *feature_id,
                              int64_t window_start_ms, int64_t window_end_ms, int64_t used);

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
};
void ent_cache_stats(struct ent_app *app, struct ent_cache_stats *out);

#endif /* ENT_SERVICE_CACHE_H */
