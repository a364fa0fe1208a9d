/* SPDX-License-Identifier: MIT */
/*
 * ctx.h: the application (struct ent_app) and the request context (struct ent_ctx) as the
 * service modules see them, and the write-transaction helpers every change goes through:
 * begin, then the change and its audit event, then commit with the idempotent answer recorded
 * in the same transaction.
 */
#ifndef ENT_SERVICE_CTX_H
#define ENT_SERVICE_CTX_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "store/store.h"
#include <entitled.h>

#define ENT_HASH_KEY_BYTES 32

struct ent_key_cache;
struct ent_inflight;
struct ent_cache;
struct ent_usage_committer;

struct ent_app {
    struct ent_store *store;
    unsigned char hash_key[ENT_HASH_KEY_BYTES];  /* keys API-key hashes; kept outside the store */
    struct ent_key_cache *keys;                  /* authenticated keys, by hash */
    struct ent_inflight *inflight;               /* Idempotency-Keys being served now */
    struct ent_cache *cache;                     /* the catalog and account snapshots */
    struct ent_usage_committer *usage_committer; /* group commit of single usage events */
    atomic_uint_fast64_t idempotent_writes;
    atomic_uint_fast64_t id_clock; /* (ms << 12 | counter) of the last id made */
};

struct ent_ctx {
    struct ent_app *app;
    struct ent_arena arena;
    int64_t now_ms;
    struct ent_principal principal;
    ent_encode_fn encode;
    struct ent_store_session *sess; /* acquired on first use, released by ent_ctx_free */
    bool in_write;                  /* a write transaction is open */
    /* The Idempotency-Key the next write answers under (ent_idempotency_begin). */
    const char *idem_key;
    const char *idem_route;
    char idem_hash[65];
    bool idem_bound;
    bool idem_marked;     /* in the application's in-flight set */
    bool catalog_touched; /* the open write changes features or products */
    /* Batch mode (service/imports.c): changes share one transaction, committed in batches. */
    struct {
        bool on;          /* ent_ctx_batch_begin() was called */
        bool open;        /* the shared store transaction is open */
        bool catalog;     /* a held change touched the catalog */
        size_t pending;   /* changes held in the open transaction */
        size_t discarded; /* changes lost to rollbacks of failed changes, in all */
    } batch;
};

/* The context's store session, acquired on first use. Errors: ENT_ESTORE, ENT_ENOMEM. */
int ent_ctx_session(struct ent_ctx *ctx, struct ent_store_session **sess);

/* Opens the write transaction of a change. Errors: ENT_EBUSY, ENT_ESTORE. */
int ent_ctx_write_begin(struct ent_ctx *ctx);

/*
 * Commits the change. When the request is bound to an Idempotency-Key, the answer (status and
 * the encoded object) is recorded first, in the same transaction. On failure the transaction
 * is rolled back. Errors: ENT_ECONFLICT (the same key was recorded meanwhile), ENT_ESTORE.
 */
int ent_ctx_write_commit(struct ent_ctx *ctx, int status, enum ent_kind kind, const void *object);

/* Marks the open write as a catalog change: its commit makes the cached catalog stale. */
void ent_ctx_touch_catalog(struct ent_ctx *ctx);

/*
 * Inside the open write, announces to the other daemons sharing the store that the data of
 * account_id changes (store op announce: delivered at commit, so each drops its snapshot of the
 * account). Every write that drops a snapshot after its commit calls this before. In batch mode
 * does nothing: the batch's commit announces that everything changed.
 * Errors: ENT_EBUSY, ENT_ESTORE.
 */
int ent_ctx_touch_account(struct ent_ctx *ctx, const char *account_id);

/*
 * As ent_ctx_touch_account, for a usage event the open write records: once it commits, the
 * counter of feature_id in the window that starts at window_start_ms stands at used (or more),
 * and the other daemons raise the counter of their snapshot of the account instead of dropping
 * it (ent_cache_usage_recorded). The announcement reads "<account> <feature> <start> <used>"
 * (ent_ctx_parse_usage). Errors: ENT_EBUSY, ENT_ESTORE.
 */
int ent_ctx_touch_usage(struct ent_ctx *ctx, const char *account_id, const char *feature_id,
                        int64_t window_start_ms, int64_t used);

/*
 * Reads an announcement of ent_ctx_touch_usage. OUT account_id, feature_id (37 bytes each),
 * window_start_ms, used. Returns false when text is not one.
 */
bool ent_ctx_parse_usage(const char *text, char *account_id, char *feature_id,
                         int64_t *window_start_ms, int64_t *used);

/*
 * As ent_ctx_touch_account, for an API key the open write revokes: the other daemons drop it
 * from their key caches when it commits. Errors: ENT_EBUSY, ENT_ESTORE.
 */
int ent_ctx_touch_key(struct ent_ctx *ctx, const char *key_id);

/*
 * Ends a failed change: rolls back the open write (if any) and returns rc, recorded in err. A
 * code the checks recorded already (field errors, a conflict, a missing object with its
 * message) stands; any other code is a store failure and replaces what err held, so that an
 * internal error carries no field details. err must not be NULL.
 */
int ent_ctx_write_fail(struct ent_ctx *ctx, int rc, struct ent_error *err);

/* Rolls back the open write transaction, if any. */
void ent_ctx_write_abort(struct ent_ctx *ctx);

/*
 * Batch mode hooks (service/imports.c). ent_batch_held: a change of a batch succeeded; it is
 * held in the shared transaction until ent_ctx_batch_commit(). ent_batch_lost: a change of a
 * batch failed after the shared transaction was rolled back.
 */
int ent_batch_held(struct ent_ctx *ctx);
void ent_batch_lost(struct ent_ctx *ctx);

/* ENT_OK when the principal has scope admin; else ENT_EFORBIDDEN, filled into err. */
int ent_ctx_require_admin(struct ent_ctx *ctx, struct ent_error *err);

/* ENT_OK for admin and read keys; ENT_EFORBIDDEN for account keys and none. */
int ent_ctx_require_reader(struct ent_ctx *ctx, struct ent_error *err);

/* A new UUIDv7 at the context's time. */
void ent_ctx_new_id(struct ent_ctx *ctx, char *out);

/* Encodes object with the context's encoder; *text is NULL when there is none. */
int ent_ctx_encode(struct ent_ctx *ctx, enum ent_kind kind, const void *object, const char **text);

/* Maps a store failure to err: conflict stays conflict, the rest are internal. */
int ent_ctx_store_error(int code, struct ent_error *err);

#endif /* ENT_SERVICE_CTX_H */
