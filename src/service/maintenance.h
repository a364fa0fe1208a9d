/* SPDX-License-Identifier: MIT */
/*
 * maintenance.h: maintenance line items (seed 004): what a maintenance line item may maintain,
 * and until when an entitlement is under maintenance (for its answers and for evaluate's
 * explanation). Internal to the service layer; the rule of coverage is core/maintenance.c.
 */
#ifndef ENT_SERVICE_MAINTENANCE_H
#define ENT_SERVICE_MAINTENANCE_H

#include <stdint.h>

#include "store/store.h"
#include <entitled.h>

/*
 * Checks the parent_activation_id of li when li is a maintenance line item: it must name a
 * product line item or an entitlement, never another maintenance line item (a field error on
 * field). named: the line item of the same order it names, or NULL when the store holds it.
 * Needs the open write transaction. Errors: ENT_ESTORE (field errors return ENT_OK).
 */
int ent_maintenance_check_parent(struct ent_ctx *ctx, const char *field,
                                 const struct ent_line_item *li, const struct ent_line_item *named,
                                 struct ent_error *err);

/*
 * The maintenance covering the entitlement (or line item) ref, an id or activation id, at time
 * at: from its deployed maintenance line items (core/maintenance.c). OUT out: covered false when
 * none covers it. Errors: ENT_ESTORE, ENT_ENOMEM.
 */
int ent_maintenance_at(struct ent_ctx *ctx, struct ent_store_session *sess, const char *ref,
                       int64_t at_ms, struct ent_maintenance *out);

#endif /* ENT_SERVICE_MAINTENANCE_H */
