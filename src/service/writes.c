/* SPDX-License-Identifier: MIT */
/*
 * writes.c: the write transaction of a change (see writes.h), where the concepts a commit
 * involves meet: the context's store session (ctx.c), the idempotent answer (idempotency.c) and
 * the caches (cache.c). It sits above all three so that none of them includes another: the
 * context is the lowest layer, and the order of a commit is written here once, with what it
 * makes stale: the catalog (ent_ctx_touch_catalog) and the snapshots of the accounts the write
 * changed (ent_ctx_touch_account) are dropped after the commit, before the change is answered.
 *
 * In batch mode (imports.c) the changes of a context share one store transaction: the first
 * begin opens it and the next ones nest, a commit holds the change instead of committing it,
 * and a rollback loses every change held since the last batch commit.
 */
#include "service/writes.h"

#include "service/cache.h"
#include "service/ctx.h"
#include "service/idempotency.h"
#include "service/outbox.h"

static int hold_in_batch(struct ent_ctx *ctx);
static void drop_touched(struct ent_ctx *ctx);
static int commit(struct ent_ctx *ctx, int status, enum ent_kind kind, const void *object);

/* A change of a batch succeeded: it is held in the shared transaction until the batch commits. */
static int
hold_in_batch(struct ent_ctx *ctx)
{
    ctx->in_write = false;
    if (ctx->catalog_touched)
        ctx->batch.catalog = true;
    ctx->catalog_touched = false;
    ctx->batch.pending++;
    return ENT_OK;
}

void
ent_writes_batch_lost(struct ent_ctx *ctx)
{
    ctx->batch.open = false;
    ctx->batch.discarded += ctx->batch.pending;
    ctx->batch.pending = 0;
    ctx->batch.catalog = false;
}

int
ent_writes_begin(struct ent_ctx *ctx)
{
    struct ent_store_session *sess;
    int rc = ent_ctx_session(ctx, &sess);
    if (rc < 0)
        return rc;
    if (ctx->batch.on && ctx->batch.open) { /* nested in the batch's transaction */
        ctx->in_write = true;
        return ENT_OK;
    }
    rc = sess->ops->begin(sess, true);
    if (rc == ENT_OK && ctx->batch.on && sess->ops->bulk) {
        rc = sess->ops->bulk(sess);
        if (rc < 0)
            sess->ops->rollback(sess);
    }
    if (rc < 0)
        return rc;
    ctx->in_write = true;
    ctx->batch.open = ctx->batch.on;
    return ENT_OK;
}

/*
 * Drops the snapshots of the accounts the write changed (ent_ctx_touch_account) once it has
 * committed, or, in batch mode, been held; either way before the change is answered.
 */
static void
drop_touched(struct ent_ctx *ctx)
{
    for (const struct ent_touched_account *t = ctx->touched; t; t = t->next)
        ent_cache_drop(ctx->app, t->id);
    ctx->touched = NULL;
}

int
ent_writes_commit(struct ent_ctx *ctx, int status, enum ent_kind kind, const void *object)
{
    int rc = ctx->batch.on ? hold_in_batch(ctx) : commit(ctx, status, kind, object);
    if (rc == ENT_OK)
        drop_touched(ctx);
    ctx->touched = NULL;
    /* webhooks (issue 15): the messages the change wrote are sent now */
    if (rc == ENT_OK && ctx->outbox_wrote && !ctx->batch.on)
        ent_outbox_nudge(ctx->app->outbox);
    if (!ctx->batch.on)
        ctx->outbox_wrote = false;
    return rc;
}

/*
 * Commits the open write on its own (see ent_writes_commit): the idempotent answer first, then
 * the announcement of a catalog change, then the commit; a failure rolls back. After the commit
 * the cached catalog goes, when the write changed it.
 * Errors: ENT_ECONFLICT, ENT_ESTORE, and those of the encoder (ENT_ENOMEM).
 */
static int
commit(struct ent_ctx *ctx, int status, enum ent_kind kind, const void *object)
{
    struct ent_store_session *sess = ctx->sess;
    int rc = ENT_OK;
    if (ctx->idem_bound)
        rc = ent_idempotency_record(ctx, status, kind, object);
    /* The other daemons drop their cached catalog when this commits (and only then). */
    if (rc == ENT_OK && ctx->catalog_touched)
        rc = sess->ops->announce(sess, ENT_STORE_CHANGE_CATALOG, NULL);
    if (rc == ENT_OK)
        rc = sess->ops->commit(sess);
    else
        sess->ops->rollback(sess);
    ctx->in_write = false;
    /* Before the change is acknowledged, evaluation must stop using the old catalog. */
    if (rc == ENT_OK && ctx->catalog_touched)
        ent_cache_catalog_changed(ctx->app);
    ctx->catalog_touched = false;
    return rc;
}

int
ent_writes_fail(struct ent_ctx *ctx, int rc, struct ent_error *err)
{
    ent_writes_abort(ctx);
    if (err->code == rc)
        return rc;
    ent_error_clear(err);
    return ent_ctx_store_error(rc, err);
}

void
ent_writes_abort(struct ent_ctx *ctx)
{
    if (ctx->sess && (ctx->in_write || ctx->batch.open))
        ctx->sess->ops->rollback(ctx->sess);
    if (ctx->batch.open)
        ent_writes_batch_lost(ctx);
    ctx->in_write = false;
    ctx->catalog_touched = false;
    ctx->touched = NULL;
    ctx->outbox_wrote = false;
}
