/* SPDX-License-Identifier: MIT */
/*
 * orders.h: what line_items.c uses of orders.c: reading an order, the checks of new line items,
 * and the provisioning of one line item into entitlements (seed 004: line items added to an
 * order, deployed one by one). Internal to the service layer.
 */
#ifndef ENT_SERVICE_ORDERS_H
#define ENT_SERVICE_ORDERS_H

#include <stdbool.h>
#include <stddef.h>

#include <entitled.h>

/*
 * Reads an order by id or external id on the context's session, which the caller has acquired;
 * a key bound to an account reads its own account's alone. OUT out: the order with its line
 * items, in the arena. Errors: ENT_ENOTFOUND (recorded in err with the reference), ENT_ESTORE,
 * ENT_ENOMEM.
 */
int ent_orders_load(struct ent_ctx *ctx, const char *id, struct ent_order *out,
                    struct ent_error *err);

/*
 * Checks and completes the line items of o (o->account_id resolved) inside the open write
 * transaction, as a new order's: 1 to 100 of them, each defaulted and its product resolved,
 * given activation ids checked (repeated or taken: a 409 ENT_ECONFLICT unless other fields are
 * wrong too), the others generated. o->items is replaced by a copy in the arena. Field paths
 * are "items[i]…". Errors: ENT_EINVAL, ENT_ECONFLICT, ENT_ESTORE, ENT_ENOMEM.
 */
int ent_orders_check_items(struct ent_ctx *ctx, struct ent_order *o, struct ent_error *err);

/*
 * Makes the entitlements of the i-th line item of o (its own, and a bundle's components), inside
 * the open write transaction, as activation does; parents are found among the entitlements the
 * store holds. Errors: ENT_EINVAL, ENT_ECONFLICT, ENT_ESTORE, ENT_ENOMEM.
 */
int ent_orders_provision(struct ent_ctx *ctx, const struct ent_order *o, size_t i,
                         struct ent_error *err);

/*
 * Records the i-th line item of o as deployed (its entitlements made or resumed) or not, inside
 * the open write transaction. Errors: ENT_ESTORE.
 */
int ent_orders_mark(struct ent_ctx *ctx, const struct ent_order *o, size_t i, bool deployed);

#endif /* ENT_SERVICE_ORDERS_H */
