/* SPDX-License-Identifier: MIT */
/*
 * category.h: what a product's category means (seed 000): which products become entitlements
 * when an order is activated, which may grant features at all, and which entitlements are
 * services whose units can be drawn down. Pure rules over enum ent_category; no I/O.
 */
#ifndef ENT_CORE_CATEGORY_H
#define ENT_CORE_CATEGORY_H

#include <stdbool.h>
#include <stddef.h>

#include <entitled.h>

/*
 * True for the service categories, professional_services and customer_support: a product of
 * one is a service with units (hours, incidents), and its entitlements can be drawn down.
 */
bool ent_category_is_service(enum ent_category c);

/* True unless c is physical_goods: goods ship, they grant no feature. */
bool ent_category_may_grant(enum ent_category c);

/*
 * True when a line item of a product of category c that grants n_features features becomes an
 * entitlement on activation: a service always (the entitlement is then the service itself, even
 * without features); recurring_services and other when they grant features (a subscription);
 * physical_goods never. False for a value that is no category.
 */
bool ent_category_provisions(enum ent_category c, size_t n_features);

#endif /* ENT_CORE_CATEGORY_H */
