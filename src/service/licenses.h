/* SPDX-License-Identifier: MIT */
/*
 * licenses.h: what other service modules call of licenses (issue 13): the licenses bound to an
 * activation go with it.
 */
#ifndef ENT_SERVICE_LICENSES_H
#define ENT_SERVICE_LICENSES_H

#include <entitled.h>

/*
 * Inside the open write that deactivates activation_id: revokes every license bound to it that
 * is not revoked yet, each with its "license.revoked" event. Errors: ENT_ESTORE, ENT_ENOMEM.
 */
int ent_licenses_revoke_bound(struct ent_ctx *ctx, const char *activation_id);

#endif /* ENT_SERVICE_LICENSES_H */
