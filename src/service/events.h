/* SPDX-License-Identifier: MIT */
/*
 * events.h: the audit log. Every change appends one event, in the transaction of the change.
 */
#ifndef ENT_SERVICE_EVENTS_H
#define ENT_SERVICE_EVENTS_H

#include <entitled.h>

/*
 * Appends an event of type ("feature.created") about object_id (of account_id, or NULL) with
 * the object before and after the change (either may be NULL), encoded by the context's
 * encoder. Call inside the change's write transaction. Errors: ENT_ESTORE, ENT_ENOMEM.
 */
int ent_events_record(struct ent_ctx *ctx, const char *type, const char *account_id,
                      const char *object_id, enum ent_kind kind, const void *before,
                      const void *after);

#endif /* ENT_SERVICE_EVENTS_H */
