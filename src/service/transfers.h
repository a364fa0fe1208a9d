/* SPDX-License-Identifier: MIT */
/*
 * transfers.h: what entitlements.c shares with transfers.c about entitlements that change hands
 * along a distribution chain (seed 004): the steps of a whole transfer that a PATCH of the
 * account takes too. The owners an answer lists are read by ent_grants_finish() (grants.c).
 * Internal to the service layer.
 */
#ifndef ENT_SERVICE_TRANSFERS_H
#define ENT_SERVICE_TRANSFERS_H

#include "store/store.h"
#include <entitled.h>

/*
 * The first step of handing all of before (as stored, inside the open write transaction) to
 * another account: completes before with its owners as they are, refuses the move while
 * activations hold seats of it (ENT_ECONFLICT, recorded in err), and records its account as an
 * earlier owner until now. The caller then writes the entitlement with its new account and
 * calls ent_transfers_children(). Errors: ENT_ECONFLICT, ENT_ESTORE, ENT_ENOMEM.
 */
int ent_transfers_prepare(struct ent_ctx *ctx, struct ent_entitlement *before,
                          struct ent_error *err);

/*
 * The last step of a whole transfer of parent (as it was before): hands every child entitlement
 * that parent's old account holds (not revoked, not a lease's) to account_id as well, each
 * audited as "entitlement.transferred", down to nested children.
 * Errors: ENT_ECONFLICT (seats held, recorded in err), ENT_ESTORE, ENT_ENOMEM.
 */
int ent_transfers_children(struct ent_ctx *ctx, const struct ent_entitlement *parent,
                           const char *account_id, struct ent_error *err);

#endif /* ENT_SERVICE_TRANSFERS_H */
