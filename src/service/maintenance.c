/* SPDX-License-Identifier: MIT */
/*
 * maintenance.c: maintenance line items (seed 004). A line item of kind maintenance names, by
 * its parent_activation_id, the line item (or entitlement) it maintains; it makes no entitlement
 * of its own. While deployed, its period counts: the maintained entitlement answers until when
 * it is under maintenance, and evaluate's explanation shows it for each source. No SQL and no
 * JSON here; core/maintenance.c joins the periods.
 */
#include "service/maintenance.h"

#include <string.h>

#include "core/maintenance.h"
#include "service/ctx.h"

/* Checks what a maintenance line item maintains (see maintenance.h). */
int
ent_maintenance_check_parent(struct ent_ctx *ctx, const char *field, const struct ent_line_item *li,
                             const struct ent_line_item *named, struct ent_error *err)
{
    if (li->kind != ENT_LINE_ITEM_MAINTENANCE)
        return ENT_OK;
    bool maintenance = named && named->kind == ENT_LINE_ITEM_MAINTENANCE;
    int rc = ENT_OK;
    if (!named)
        rc = ctx->sess->ops->line_item_is_maintenance(ctx->sess, li->parent_activation_id,
                                                      &maintenance);
    if (rc == ENT_OK && maintenance)
        ent_error_field(err, field,
                        "names a maintenance line item; name the line item it maintains");
    return rc;
}

/* The maintenance covering ref at at_ms (see maintenance.h). */
int
ent_maintenance_at(struct ent_ctx *ctx, struct ent_store_session *sess, const char *ref,
                   int64_t at_ms, struct ent_maintenance *out)
{
    memset(out, 0, sizeof(*out));
    struct ent_store_maintenance *rows = NULL;
    size_t n = 0;
    int rc = sess->ops->maintenance_of(sess, &ctx->arena, ref, &rows, &n);
    if (rc < 0 || n == 0)
        return rc;
    struct ent_maintenance_period *periods = ent_arena_calloc(&ctx->arena, n, sizeof(*periods));
    if (!periods)
        return ENT_ENOMEM;
    for (size_t i = 0; i < n; i++)
        periods[i] = (struct ent_maintenance_period){rows[i].start_ms, rows[i].end_ms};
    size_t which = 0;
    out->covered = ent_maintenance_until(periods, n, at_ms, &out->until_ms, &which);
    if (!out->covered)
        return ENT_OK;
    out->activation_id = rows[which].activation_id;
    out->product = rows[which].product;
    out->product_version = rows[which].product_version;
    out->part_number = rows[which].part_number;
    return ENT_OK;
}
