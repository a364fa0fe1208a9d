/* SPDX-License-Identifier: MIT */
/*
 * ctx.h: the application (struct ent_app) and the request context (struct ent_ctx) as the
 * service modules see them: the context's arena, time, principal and store session, ids, the
 * encoder, the scope checks, and what the open write has touched (announced to the other
 * daemons sharing the store).
 *
 * The context is the lowest layer of the service: it includes nothing of service/ but the
 * in-flight set (inflight.h), and the concepts that use it (cache, idempotency, the write
 * transaction in writes.h, batch mode in imports.c) include it, never the other way round. Its
 * fields are the state those concepts keep per request; each names the module that drives it.
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
struct ent_ofrep_tags;
struct ent_inflight;
struct ent_cache;
struct ent_usage_committer;
struct ent_outbox;
struct ent_delivery;

struct ent_app {
    struct ent_store *store;
    unsigned char hash_key[ENT_HASH_KEY_BYTES];  /* keys API-key hashes; kept outside the store */
    char key_file[4200];                         /* the file hash_key was read from */
    struct ent_key_cache *keys;                  /* authenticated keys, by hash */
    struct ent_inflight *inflight;               /* Idempotency-Keys being served now */
    struct ent_cache *cache;                     /* the catalog and account snapshots */
    struct ent_usage_committer *usage_committer; /* group commit of single usage events */
    atomic_uint_fast64_t idempotent_writes;
    atomic_uint_fast64_t id_clock; /* (ms << 12 | counter) of the last id made */
    /* Signed licenses (issue 13): signing_keys.c, licenses.c */
    unsigned char seal_key[32]; /* derived from hash_key: seals signing keys' private halves */
    char license_issuer[256];   /* `iss` when the product's license model names none */
    int64_t license_ttl_default_s;
    int64_t license_ttl_max_s;
    /* webhooks (issue 15) */
    struct ent_outbox *outbox;     /* the enabled endpoints; messages of changes (outbox.c) */
    struct ent_delivery *delivery; /* the delivery workers and timed events (delivery.c) */
    bool webhooks_allow_private;   /* endpoints may be on private addresses */
    /* OFREP (issue 14): each account's entity tag with the stamp it holds for (ofrep.c) */
    struct ent_ofrep_tags *_Atomic ofrep_tags;
};

/* An account the open write changes (ent_ctx_touch_account), in the context's arena. */
struct ent_touched_account {
    struct ent_touched_account *next;
    char id[37];
};

struct ent_ctx {
    struct ent_app *app;
    struct ent_arena arena;
    int64_t now_ms;
    struct ent_principal principal;
    ent_encode_fn encode;
    struct ent_store_session *sess; /* acquired on first use, released by ent_ctx_free */
    bool in_write;                  /* a write transaction is open (writes.c) */
    /* The Idempotency-Key the next write answers under (idempotency.c). */
    const char *idem_key;
    const char *idem_route;
    char idem_hash[65];
    bool idem_bound;
    bool idem_marked;     /* in the application's in-flight set */
    bool catalog_touched; /* the open write changes features or products */
    /* The accounts the open write changes: their snapshots go once it commits (writes.c). */
    struct ent_touched_account *touched;
    bool outbox_wrote; /* the open write wrote webhook messages (outbox.c, writes.c) */
    /* Batch mode (imports.c, writes.c): changes share one transaction, committed in batches. */
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

/*
 * Marks the open write as a catalog change: its commit (ent_writes_commit) makes the cached
 * catalog stale.
 */
void ent_ctx_touch_catalog(struct ent_ctx *ctx);

/*
 * Inside the open write, marks the data of account_id as changed: the other daemons sharing the
 * store are told (store op announce: delivered at commit, so each drops its snapshot of the
 * account), and this daemon drops its snapshot when the write commits, before the change is
 * answered (ent_writes_commit). Every write that changes what an account's snapshot holds calls
 * this, once per account. In batch mode nothing is announced: the batch's commit announces that
 * everything changed. Errors: ENT_ENOMEM, ENT_EBUSY, ENT_ESTORE.
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
 * Ends the context's Idempotency-Key binding (idempotency.c): drops its mark from the
 * application's in-flight set, and the next write answers under no key. Safe to call always;
 * ent_ctx_release() and ent_ctx_reset() call it.
 */
void ent_ctx_end_idempotency(struct ent_ctx *ctx);

/* ENT_OK when the principal has scope admin; else ENT_EFORBIDDEN, filled into err. */
int ent_ctx_require_admin(struct ent_ctx *ctx, struct ent_error *err);

/*
 * For what is recorded against an account (usage, consumption): ENT_OK for admin keys and keys
 * bound to an account (which record for their own alone); ENT_EFORBIDDEN for read keys and none.
 */
int ent_ctx_require_recorder(struct ent_ctx *ctx, struct ent_error *err);

/* ENT_OK for admin and read keys; ENT_EFORBIDDEN for account keys and none. */
int ent_ctx_require_reader(struct ent_ctx *ctx, struct ent_error *err);

/*
 * For reads of what belongs to accounts: ENT_OK for admin and read keys, and for keys bound to an
 * account, which are shown their own account's objects alone (ent_ctx_found); ENT_EFORBIDDEN,
 * as ent_ctx_require_reader(), for none.
 */
int ent_ctx_require_owner_or_reader(struct ent_ctx *ctx, struct ent_error *err);

/* A new UUIDv7 at the context's time. */
void ent_ctx_new_id(struct ent_ctx *ctx, char *out);

/* Encodes object with the context's encoder; *text is NULL when there is none. */
int ent_ctx_encode(struct ent_ctx *ctx, enum ent_kind kind, const void *object, const char **text);

/*
 * Finishes the read of an object a request names by ref, the way every resource answers: rc is
 * the store's answer; account_id, the account the object belongs to (NULL: the object belongs
 * to none, or the caller checks the principal itself). For a key bound to an account, another
 * account's object is missing too, so the key cannot learn that it exists. A missing object is
 * recorded in err as "no <what> '<ref>'". Returns rc, or ENT_ENOTFOUND.
 */
int ent_ctx_found(struct ent_ctx *ctx, int rc, const char *account_id, const char *what,
                  const char *ref, struct ent_error *err);

/*
 * Reads the account a key bound to an account is bound to, as a request named it by ref (NULL:
 * not named, which is allowed): a ref that names another account, existing or not, answers
 * ENT_ENOTFOUND as a missing account does, and that account is never looked up. Nothing is
 * recorded in an error: the caller answers (ent_ctx_found). OUT own.
 * Errors: ENT_ENOTFOUND, ENT_ESTORE, ENT_ENOMEM.
 */
int ent_ctx_own_account(struct ent_ctx *ctx, const char *ref, struct ent_account *own);

/* Maps a store failure to err: conflict stays conflict, the rest are internal. */
int ent_ctx_store_error(int code, struct ent_error *err);

#endif /* ENT_SERVICE_CTX_H */
