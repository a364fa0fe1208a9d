/* SPDX-License-Identifier: MIT */
/*
 * products.h: what products.c lends the other service modules: a product's grant of a feature
 * checked and written inside a transaction another module opened (features.c creates a feature
 * together with the products that grant it, seed 001). No SQL and no JSON here.
 */
#ifndef ENT_SERVICE_PRODUCTS_H
#define ENT_SERVICE_PRODUCTS_H

#include <stdbool.h>
#include <stddef.h>

#include <entitled.h>

/*
 * Checks the grant g of feature f (complete and checked, not yet stored) by the product it
 * names, as PUT /v1/products/{p}/entitlements/{f} would, inside the open write transaction:
 * the product must exist and may grant features (not physical_goods); g->value is checked
 * against f's type and levels and normalised; g->name is generated unless given. Field errors
 * go to err under prefix ("products[2]." names "products[2].product", "….value", "….name").
 * OUT g (product key and id, value, name) and p (the product as stored), *ok.
 * Errors: ENT_ESTORE, ENT_ENOMEM (field errors return ENT_OK with *ok false).
 */
int ent_products_check_grant(struct ent_ctx *ctx, const struct ent_feature *f, const char *prefix,
                             struct ent_feature_grant *g, struct ent_product *p, bool *ok,
                             struct ent_error *err);

/*
 * Stores what ent_products_check_grant() checked: product p (as it returned it) grants f the
 * value g gives, recorded as "product.entitlement_set". f must be stored already.
 * Errors: ENT_EINVAL (the product grants the most features already, on prefix "product"),
 * ENT_ESTORE, ENT_ENOMEM.
 */
int ent_products_write_grant(struct ent_ctx *ctx, struct ent_product *p,
                             const struct ent_feature *f, const struct ent_feature_grant *g,
                             const char *prefix, struct ent_error *err);

#endif /* ENT_SERVICE_PRODUCTS_H */
