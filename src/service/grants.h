/* SPDX-License-Identifier: MIT */
/*
 * grants.h: what orders.c, entitlements.c and leases.c share about the grants they make: the
 * rules of activation ids (given or generated, unique across line items and entitlements),
 * of start and end dates, the status of an entitlement derived at the request's time, and the
 * one way an entitlement row is written (inserted or changed, read back, audited). Internal to the
 * service layer; no SQL and no JSON here.
 */
#ifndef ENT_SERVICE_GRANTS_H
#define ENT_SERVICE_GRANTS_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include <entitled.h>

#define ENT_ACTIVATION_ID_MAX 64
#define ENT_DAY_MS ((int64_t)86400000)

/* True when s is a valid given activation id: 1 to 64 of [A-Za-z0-9_.:-]. */
bool ent_grants_activation_id_valid(const char *s);

/*
 * Makes a readable activation id, "ACT-XXXX-XXXX-XXXX" (Crockford base32, 60 random bits),
 * that no line item or entitlement holds yet. Needs the open write transaction.
 * OUT out: the id, in the context's arena. Errors: ENT_ECONFLICT (four draws all taken, which
 * does not happen short of a broken random source), ENT_ESTORE, ENT_ENOMEM.
 */
int ent_grants_new_activation_id(struct ent_ctx *ctx, const char **out);

/*
 * Applies the date rules of a line item or entitlement: a start of 0 becomes the context's
 * time; permanent together with an end is refused; neither makes it permanent; an end must be
 * after the start. prefix goes before the field names ("items[2]." or ""). Records field
 * errors ("start_date", "end_date", "permanent") in err.
 */
void ent_grants_check_period(struct ent_ctx *ctx, const char *prefix, int64_t *start_ms,
                             int64_t *end_ms, bool *permanent, struct ent_error *err);

/*
 * The status of e as the API shows it at now_ms: suspended and revoked as stored; a stored
 * active one is pending before its start, expired from its end on, else active.
 */
enum ent_entitlement_status ent_grants_status_at(const struct ent_entitlement *e, int64_t now_ms);

/*
 * The units of e, when it is a service (its product_category professional_services or
 * customer_support, seed 000): has_units, units (quantity x quantity_per_copy) and remaining
 * (units - consumed, never below 0); all cleared otherwise.
 */
void ent_grants_units(struct ent_entitlement *e);

/*
 * Completes an entitlement read from the store for an answer: its status derived at the
 * context's time, its owners when e->owners is NULL (ent_transfers_owners), its units
 * (ent_grants_units), and, for a grant of one feature value, the value's display name (the store
 * keeps names only through the product).
 * Errors: ENT_ESTORE, ENT_ENOMEM.
 */
int ent_grants_finish(struct ent_ctx *ctx, struct ent_store_session *sess,
                      struct ent_entitlement *e);

/*
 * Writes a new entitlement inside the open write transaction: gives e an id unless it has one,
 * its times and status active (suspended when e's is), inserts it (registering its activation id
 * when own_activation_id), reads it back (number, product key and name), completes it with
 * ent_grants_finish() and records "entitlement.created". OUT out: the entitlement as answered (may
 * be e itself). Errors: ENT_ECONFLICT (activation id taken), ENT_ESTORE, ENT_ENOMEM.
 */
int ent_grants_insert(struct ent_ctx *ctx, struct ent_entitlement *e, bool own_activation_id,
                      struct ent_entitlement *out);

/*
 * Writes a change of an entitlement inside the open write transaction: after (before as read,
 * then changed) is stored, both are completed for the answer and the audit with
 * ent_grants_finish(), and event ("entitlement.updated", "entitlement.revoked") is recorded
 * with them, under after's account. Errors: ENT_ESTORE, ENT_ENOMEM.
 */
int ent_grants_update(struct ent_ctx *ctx, struct ent_entitlement *before,
                      struct ent_entitlement *after, const char *event);

/*
 * The entitlement that holds activation_id as its own (a parent named by a line item's
 * parent_activation_id), read on the context's session. OUT id: its id (37 bytes), or "" when
 * none holds it or activation_id is NULL. Errors: ENT_ESTORE, ENT_ENOMEM.
 */
int ent_grants_holder(struct ent_ctx *ctx, const char *activation_id, char *id);

/*
 * Whether a product may become an entitlement by hand or by a lease: one of category
 * physical_goods never does (seed 000); that is a field error on field, and false.
 */
bool ent_grants_check_category(const struct ent_product *p, const char *field,
                               struct ent_error *err);

/*
 * Resolves an account reference (id or key) on the context's session, for a request field:
 * missing or unknown is a field error on field. OUT id: the account's id (37 bytes), left
 * untouched on a field error. Errors: ENT_ESTORE, ENT_ENOMEM (field errors return ENT_OK).
 */
int ent_grants_resolve_account(struct ent_ctx *ctx, const char *ref, const char *field, char *id,
                               struct ent_error *err);

#endif /* ENT_SERVICE_GRANTS_H */
