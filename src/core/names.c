/* SPDX-License-Identifier: MIT */
/*
 * names.c: the API's spelling of every enum of entitled.h, and the way back. One table per
 * enum; the position in the table is the enum's value.
 */
#include <stddef.h>
#include <string.h>

#include "core/str.h"
#include <entitled.h>

/*
 * Looks s up in names[1..n-1], ASCII case-insensitively (a client may send `ACTIVE`, seed 003);
 * 0 when absent.
 */
static int
lookup(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 1; s && i < n; i++) {
        if (names[i] && ent_str_ieq(names[i], s))
            return (int)i;
    }
    return 0;
}

#define NAME_TABLE(fn_name, fn_parse, type, ...)                                                   \
    static const char *const fn_name##_names[] = {__VA_ARGS__};                                    \
    const char *fn_name(type v)                                                                    \
    {                                                                                              \
        size_t n = sizeof(fn_name##_names) / sizeof(fn_name##_names[0]);                           \
        return ((size_t)v < n && fn_name##_names[v]) ? fn_name##_names[v] : "";                    \
    }                                                                                              \
    type fn_parse(const char *s)                                                                   \
    {                                                                                              \
        return (type)lookup(fn_name##_names, sizeof(fn_name##_names) / sizeof(fn_name##_names[0]), \
                            s);                                                                    \
    }

NAME_TABLE(ent_feature_type_name, ent_feature_type_parse, enum ent_feature_type, NULL, "switch",
           "quantity", "range", "custom", "metered")
NAME_TABLE(ent_period_name, ent_period_parse, enum ent_period, NULL, "hour", "day", "week", "month",
           "year", "never")
NAME_TABLE(ent_status_name, ent_status_parse, enum ent_status, NULL, "active", "archived")
NAME_TABLE(ent_category_name, ent_category_parse, enum ent_category, NULL, "recurring_services",
           "professional_services", "customer_support", "physical_goods", "other")
NAME_TABLE(ent_account_type_name, ent_account_type_parse, enum ent_account_type, NULL, "customer",
           "channel_partner", "publisher", "self_registered", "unknown")
NAME_TABLE(ent_partner_tier_name, ent_partner_tier_parse, enum ent_partner_tier, NULL,
           "end_customer", "partner_tier_one")
NAME_TABLE(ent_attribute_object_name, ent_attribute_object_parse, enum ent_attribute_object, NULL,
           "account", "order", "line_item", "entitlement", "license_model")
NAME_TABLE(ent_attribute_type_name, ent_attribute_type_parse, enum ent_attribute_type, NULL,
           "string", "number", "boolean", "date")
NAME_TABLE(ent_line_item_kind_name, ent_line_item_kind_parse, enum ent_line_item_kind, NULL,
           "product", "maintenance")
NAME_TABLE(ent_scope_name, ent_scope_parse, enum ent_scope, NULL, "admin", "read", "account")
NAME_TABLE(ent_order_type_name, ent_order_type_parse, enum ent_order_type, NULL, "new", "renewal",
           "upgrade", "upsell")
NAME_TABLE(ent_order_status_name, ent_order_status_parse, enum ent_order_status, NULL, "draft",
           "active")
NAME_TABLE(ent_source_name, ent_source_parse, enum ent_source, NULL, "order", "lease", "manual")
NAME_TABLE(ent_entitlement_status_name, ent_entitlement_status_parse, enum ent_entitlement_status,
           NULL, "active", "suspended", "revoked", "pending", "expired")
NAME_TABLE(ent_lease_status_name, ent_lease_status_parse, enum ent_lease_status, NULL, "active",
           "expired")
NAME_TABLE(ent_activation_status_name, ent_activation_status_parse, enum ent_activation_status,
           NULL, "active", "expired", "deactivated")
/* Signed licenses (issue 13) */
NAME_TABLE(ent_license_status_name, ent_license_status_parse, enum ent_license_status, NULL,
           "active", "expired", "revoked")
/* webhooks (issue 15) */
NAME_TABLE(ent_delivery_status_name, ent_delivery_status_parse, enum ent_delivery_status, NULL,
           "pending", "delivered", "failed")
