/* SPDX-License-Identifier: MIT */
/*
 * encode.c: the encoder the library calls for audit events and idempotent answers: the same
 * JSON the API answers with, so a replay is byte for byte the first answer.
 */
#include <stdlib.h>
#include <string.h>

#include "http/api.h"

int
ent_api_encode(struct ent_ctx *ctx, enum ent_kind kind, const void *object, const char **text,
               size_t *text_len)
{
    json_t *v = NULL;
    switch (kind) {
    case ENT_KIND_FEATURE:
        v = ent_api_features_encode(object);
        break;
    case ENT_KIND_PRODUCT:
        v = ent_api_products_encode(object);
        break;
    case ENT_KIND_PRODUCT_ENTITLEMENT:
        v = ent_api_products_encode_entitlement(object);
        break;
    case ENT_KIND_ACCOUNT:
        v = ent_api_accounts_encode(object);
        break;
    case ENT_KIND_KEY:
        v = ent_api_keys_encode(object);
        break;
    case ENT_KIND_ORDER:
        v = ent_api_orders_encode(object);
        break;
    case ENT_KIND_ENTITLEMENT:
        v = ent_api_entitlements_encode(object);
        break;
    case ENT_KIND_LEASE:
        v = ent_api_leases_encode(object);
        break;
    case ENT_KIND_USAGE:
        v = ent_api_usage_encode(object);
        break;
    case ENT_KIND_ACTIVATION:
        v = ent_api_activations_encode(object);
        break;
    /* Signed licenses (issue 13) */
    case ENT_KIND_LICENSE:
        v = ent_api_licenses_encode(object);
        break;
    case ENT_KIND_SIGNING_KEY:
        v = ent_api_licenses_encode_signing_key(object);
        break;
    case ENT_KIND_WEBHOOK: /* webhooks (issue 15): never the secret */
        v = ent_api_webhooks_encode(object);
        break;
    case ENT_KIND_TRANSFER: /* seed 004 (issue 17) */
        v = ent_api_entitlements_encode_transfer(object);
        break;
    case ENT_KIND_ATTRIBUTE_DEFINITION:
        v = ent_api_attribute_definitions_encode(object);
        break;
    }
    char *s = v ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
    if (!s)
        return ENT_ENOMEM;
    size_t len = strlen(s);
    char *copy = ent_ctx_strndup(ctx, s, len);
    free(s);
    if (!copy)
        return ENT_ENOMEM;
    *text = copy;
    *text_len = len;
    return ENT_OK;
}
