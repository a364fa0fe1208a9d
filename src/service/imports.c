/* SPDX-License-Identifier: MIT */
/*
 * imports.c: batch mode, for loading many objects at once (`entitled import`). In batch mode
 * the changes of a context share one store transaction: ent_writes_begin() opens it once and
 * nests, ent_writes_commit() holds the change instead of committing it, and
 * ent_ctx_batch_commit() commits every held change at once. Each change is validated exactly as
 * on its own. A change that fails after its writes began rolls the shared transaction back,
 * with every change held since the last batch commit (counted in ent_ctx_batch_discarded()).
 */
#include <string.h>

#include "service/cache.h"
#include "service/ctx.h"
#include "service/writes.h"
#include <entitled.h>

int
ent_ctx_batch_begin(struct ent_ctx *ctx, struct ent_error *err)
{
    ent_error_clear(err);
    if (ctx->in_write || ctx->batch.on)
        return ent_error_set(err, ENT_ECONFLICT, "a write or a batch is open in this context");
    if (ctx->idem_bound)
        return ent_error_set(err, ENT_EINVAL, "a batch cannot answer under an Idempotency-Key");
    memset(&ctx->batch, 0, sizeof(ctx->batch));
    ctx->batch.on = true;
    return ENT_OK;
}

int
ent_ctx_batch_commit(struct ent_ctx *ctx, struct ent_error *err)
{
    ent_error_clear(err);
    if (!ctx->batch.on)
        return ent_error_set(err, ENT_EINVAL, "no batch is open in this context");
    if (!ctx->batch.open)
        return ENT_OK;
    /* The other daemons drop their catalog, and with it every snapshot, when this commits. */
    int rc = ctx->sess->ops->announce(ctx->sess, ENT_STORE_CHANGE_CATALOG, NULL);
    if (rc == ENT_OK)
        rc = ctx->sess->ops->commit(ctx->sess);
    else
        ctx->sess->ops->rollback(ctx->sess);
    ctx->batch.open = false;
    if (rc < 0) {
        ent_writes_batch_lost(ctx);
        return ent_ctx_store_error(rc, err);
    }
    ctx->batch.pending = 0;
    ctx->batch.catalog = false;
    /* Whatever the batch touched, no cached catalog or snapshot may outlive its commit. */
    ent_cache_catalog_changed(ctx->app);
    return ENT_OK;
}

void
ent_ctx_batch_end(struct ent_ctx *ctx)
{
    if (!ctx->batch.on)
        return;
    if (ctx->batch.open)
        ent_writes_abort(ctx);
    memset(&ctx->batch, 0, sizeof(ctx->batch));
}

size_t
ent_ctx_batch_pending(const struct ent_ctx *ctx)
{
    return ctx->batch.pending;
}

size_t
ent_ctx_batch_discarded(const struct ent_ctx *ctx)
{
    return ctx->batch.discarded;
}
