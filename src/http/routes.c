/* SPDX-License-Identifier: MIT */
/*
 * routes.c: THE route table and the path matcher. A unit test checks that this table and
 * docs/openapi.json list exactly the same routes.
 */
#include "http/routes.h"

#include <string.h>

#include "http/api.h"

/* clang-format off */
const struct ent_route ent_routes[] = {
    {ENT_GET,    "/healthz",        ent_api_meta_healthz, 0, ENT_BODY_NONE, false, ENT_RATE_NONE},
    {ENT_GET,    "/readyz",         ent_api_meta_readyz,  0, ENT_BODY_NONE, false, ENT_RATE_NONE},
    {ENT_GET,    "/metrics",        ent_api_meta_metrics, 0, ENT_BODY_NONE, false, ENT_RATE_NONE},
    {ENT_GET,    "/openapi.json",   ent_api_meta_openapi, 0, ENT_BODY_NONE, false, ENT_RATE_NONE},
    /* The web console (issue 16): its files; the page calls /v1 with the key it is given. */
    {ENT_GET,    "/",                 ent_api_console_redirect, 0, ENT_BODY_NONE, false, ENT_RATE_NONE},
    {ENT_GET,    "/console",          ent_api_console_redirect, 0, ENT_BODY_NONE, false, ENT_RATE_NONE},
    {ENT_GET,    "/console/",         ent_api_console_page,     0, ENT_BODY_NONE, false, ENT_RATE_NONE},
    {ENT_GET,    "/console/{asset}",  ent_api_console_asset,    0, ENT_BODY_NONE, false, ENT_RATE_NONE},

    {ENT_POST,   "/v1/features",           ent_api_features_create, ENT_ALLOW_ADMIN,   ENT_BODY_JSON, true,  ENT_RATE_ADMIN},
    {ENT_GET,    "/v1/features",           ent_api_features_list,   ENT_ALLOW_READERS, ENT_BODY_NONE, false, ENT_RATE_ADMIN},
    {ENT_GET,    "/v1/features/{feature}", ent_api_features_get,    ENT_ALLOW_READERS, ENT_BODY_NONE, false, ENT_RATE_ADMIN},
    {ENT_PATCH,  "/v1/features/{feature}", ent_api_features_update, ENT_ALLOW_ADMIN,   ENT_BODY_JSON, false, ENT_RATE_ADMIN},
    {ENT_DELETE, "/v1/features/{feature}", ent_api_features_delete, ENT_ALLOW_ADMIN,   ENT_BODY_NONE, false, ENT_RATE_ADMIN},

    {ENT_POST,   "/v1/products",           ent_api_products_create, ENT_ALLOW_ADMIN,   ENT_BODY_JSON, true,  ENT_RATE_ADMIN},
    {ENT_GET,    "/v1/products",           ent_api_products_list,   ENT_ALLOW_READERS, ENT_BODY_NONE, false, ENT_RATE_ADMIN},
    {ENT_GET,    "/v1/products/{product}", ent_api_products_get,    ENT_ALLOW_READERS, ENT_BODY_NONE, false, ENT_RATE_ADMIN},
    {ENT_PATCH,  "/v1/products/{product}", ent_api_products_update, ENT_ALLOW_ADMIN,   ENT_BODY_JSON, false, ENT_RATE_ADMIN},
    {ENT_DELETE, "/v1/products/{product}", ent_api_products_delete, ENT_ALLOW_ADMIN,   ENT_BODY_NONE, false, ENT_RATE_ADMIN},
    {ENT_PUT,    "/v1/products/{product}/entitlements/{feature}", ent_api_products_set_entitlement,    ENT_ALLOW_ADMIN, ENT_BODY_JSON, false, ENT_RATE_ADMIN},
    {ENT_DELETE, "/v1/products/{product}/entitlements/{feature}", ent_api_products_remove_entitlement, ENT_ALLOW_ADMIN, ENT_BODY_NONE, false, ENT_RATE_ADMIN},

    {ENT_POST,   "/v1/accounts",           ent_api_accounts_create, ENT_ALLOW_ADMIN,   ENT_BODY_JSON, true,  ENT_RATE_ADMIN},
    {ENT_GET,    "/v1/accounts",           ent_api_accounts_list,   ENT_ALLOW_ANY_KEY, ENT_BODY_NONE, false, ENT_RATE_ADMIN},
    {ENT_GET,    "/v1/accounts/{account}", ent_api_accounts_get,    ENT_ALLOW_ANY_KEY, ENT_BODY_NONE, false, ENT_RATE_ADMIN},
    {ENT_PATCH,  "/v1/accounts/{account}", ent_api_accounts_update, ENT_ALLOW_ADMIN,   ENT_BODY_JSON, false, ENT_RATE_ADMIN},
    {ENT_DELETE, "/v1/accounts/{account}", ent_api_accounts_delete, ENT_ALLOW_ADMIN,   ENT_BODY_NONE, false, ENT_RATE_ADMIN},

    {ENT_GET,    "/v1/accounts/{account}/entitlements", ent_api_evaluate_account, ENT_ALLOW_ANY_KEY, ENT_BODY_NONE, false, ENT_RATE_EVALUATE},

    {ENT_POST,   "/v1/orders",               ent_api_orders_create,   ENT_ALLOW_ADMIN,   ENT_BODY_JSON, true,  ENT_RATE_ADMIN},
    {ENT_GET,    "/v1/orders",               ent_api_orders_list,     ENT_ALLOW_ANY_KEY, ENT_BODY_NONE, false, ENT_RATE_ADMIN},
    {ENT_GET,    "/v1/orders/{order}",       ent_api_orders_get,      ENT_ALLOW_ANY_KEY, ENT_BODY_NONE, false, ENT_RATE_ADMIN},
    {ENT_POST,   "/v1/orders/{order}/activate", ent_api_orders_activate, ENT_ALLOW_ADMIN, ENT_BODY_OPTIONAL, true,  ENT_RATE_ADMIN},
    /* seed 004 (issue 17): drafts edited; line items added, changed, deployed one by one */
    {ENT_PATCH,  "/v1/orders/{order}",       ent_api_orders_update,   ENT_ALLOW_ADMIN,   ENT_BODY_JSON, false, ENT_RATE_ADMIN},
    {ENT_POST,   "/v1/orders/{order}/items", ent_api_orders_add_items, ENT_ALLOW_ADMIN,  ENT_BODY_JSON, true,  ENT_RATE_ADMIN},
    {ENT_PATCH,  "/v1/orders/{order}/items/{item}", ent_api_orders_update_item, ENT_ALLOW_ADMIN, ENT_BODY_JSON, false, ENT_RATE_ADMIN},
    {ENT_POST,   "/v1/orders/{order}/items/{item}/deploy",   ent_api_orders_deploy_item,   ENT_ALLOW_ADMIN, ENT_BODY_OPTIONAL, true, ENT_RATE_ADMIN},
    {ENT_POST,   "/v1/orders/{order}/items/{item}/undeploy", ent_api_orders_undeploy_item, ENT_ALLOW_ADMIN, ENT_BODY_OPTIONAL, true, ENT_RATE_ADMIN},

    {ENT_POST,   "/v1/entitlements",               ent_api_entitlements_create, ENT_ALLOW_ADMIN,   ENT_BODY_JSON, true,  ENT_RATE_ADMIN},
    {ENT_GET,    "/v1/entitlements",               ent_api_entitlements_list,   ENT_ALLOW_ANY_KEY, ENT_BODY_NONE, false, ENT_RATE_ADMIN},
    {ENT_GET,    "/v1/entitlements/{entitlement}", ent_api_entitlements_get,    ENT_ALLOW_ANY_KEY, ENT_BODY_NONE, false, ENT_RATE_ADMIN},
    {ENT_PATCH,  "/v1/entitlements/{entitlement}", ent_api_entitlements_update, ENT_ALLOW_ADMIN,   ENT_BODY_JSON, false, ENT_RATE_ADMIN},
    {ENT_DELETE, "/v1/entitlements/{entitlement}", ent_api_entitlements_revoke, ENT_ALLOW_ADMIN,   ENT_BODY_NONE, false, ENT_RATE_ADMIN},
    /* seed 004 (issue 17): the distribution chain */
    {ENT_POST,   "/v1/entitlements/{entitlement}/transfer", ent_api_entitlements_transfer, ENT_ALLOW_ADMIN, ENT_BODY_JSON, true, ENT_RATE_ADMIN},
    {ENT_POST,   "/v1/entitlements/{entitlement}/consumption", ent_api_entitlements_consume, ENT_ALLOW_ADMIN | ENT_ALLOW_ACCOUNT, ENT_BODY_JSON, true, ENT_RATE_USAGE},

    {ENT_POST,   "/v1/leases",         ent_api_leases_apply,  ENT_ALLOW_ADMIN | ENT_ALLOW_ACCOUNT, ENT_BODY_JSON, true,  ENT_RATE_ADMIN},
    {ENT_GET,    "/v1/leases",         ent_api_leases_list,   ENT_ALLOW_ANY_KEY, ENT_BODY_NONE, false, ENT_RATE_ADMIN},
    {ENT_GET,    "/v1/leases/{lease}", ent_api_leases_get,    ENT_ALLOW_ANY_KEY, ENT_BODY_NONE, false, ENT_RATE_ADMIN},
    {ENT_PATCH,  "/v1/leases/{lease}", ent_api_leases_extend, ENT_ALLOW_ADMIN,   ENT_BODY_JSON, false, ENT_RATE_ADMIN},

    {ENT_POST,   "/v1/evaluate",      ent_api_evaluate_run,  ENT_ALLOW_ANY_KEY, ENT_BODY_JSON, false, ENT_RATE_EVALUATE},
    {ENT_POST,   "/v1/evaluate/bulk", ent_api_evaluate_bulk, ENT_ALLOW_READERS, ENT_BODY_JSON, false, ENT_RATE_EVALUATE},

    {ENT_POST,   "/v1/usage",       ent_api_usage_record, ENT_ALLOW_ANY_KEY, ENT_BODY_JSON, false, ENT_RATE_USAGE},
    {ENT_GET,    "/v1/usage",       ent_api_usage_series, ENT_ALLOW_ANY_KEY, ENT_BODY_NONE, false, ENT_RATE_ADMIN},
    {ENT_POST,   "/v1/usage/batch", ent_api_usage_batch,  ENT_ALLOW_ANY_KEY, ENT_BODY_JSON, false, ENT_RATE_USAGE},

    {ENT_POST,   "/v1/activations",              ent_api_activations_activate,   ENT_ALLOW_ADMIN | ENT_ALLOW_ACCOUNT, ENT_BODY_JSON,     true,  ENT_RATE_USAGE},
    {ENT_GET,    "/v1/activations",              ent_api_activations_list,       ENT_ALLOW_ANY_KEY,                   ENT_BODY_NONE,     false, ENT_RATE_ADMIN},
    {ENT_GET,    "/v1/activations/{activation}", ent_api_activations_get,        ENT_ALLOW_ANY_KEY,                   ENT_BODY_NONE,     false, ENT_RATE_ADMIN},
    {ENT_DELETE, "/v1/activations/{activation}", ent_api_activations_deactivate, ENT_ALLOW_ADMIN | ENT_ALLOW_ACCOUNT, ENT_BODY_NONE,     false, ENT_RATE_USAGE},
    {ENT_POST,   "/v1/activations/{activation}/heartbeat", ent_api_activations_heartbeat, ENT_ALLOW_ADMIN | ENT_ALLOW_ACCOUNT, ENT_BODY_OPTIONAL, false, ENT_RATE_USAGE},

    {ENT_POST,   "/v1/keys",               ent_api_keys_create,     ENT_ALLOW_ADMIN,   ENT_BODY_JSON, true,  ENT_RATE_ADMIN},
    {ENT_GET,    "/v1/keys",               ent_api_keys_list,       ENT_ALLOW_ADMIN,   ENT_BODY_NONE, false, ENT_RATE_ADMIN},
    {ENT_GET,    "/v1/me",                 ent_api_keys_current,    ENT_ALLOW_ANY_KEY, ENT_BODY_NONE, false, ENT_RATE_ADMIN},
    {ENT_DELETE, "/v1/keys/{key_id}",      ent_api_keys_revoke,     ENT_ALLOW_ADMIN,   ENT_BODY_NONE, false, ENT_RATE_ADMIN},

    {ENT_GET,    "/v1/events",             ent_api_events_list,     ENT_ALLOW_READERS, ENT_BODY_NONE, false, ENT_RATE_ADMIN},

    /* seed 004 (issue 17): custom attribute definitions */
    {ENT_POST,   "/v1/attribute-definitions",              ent_api_attribute_definitions_create, ENT_ALLOW_ADMIN,   ENT_BODY_JSON, true,  ENT_RATE_ADMIN},
    {ENT_GET,    "/v1/attribute-definitions",              ent_api_attribute_definitions_list,   ENT_ALLOW_READERS, ENT_BODY_NONE, false, ENT_RATE_ADMIN},
    {ENT_GET,    "/v1/attribute-definitions/{definition}", ent_api_attribute_definitions_get,    ENT_ALLOW_READERS, ENT_BODY_NONE, false, ENT_RATE_ADMIN},
    {ENT_DELETE, "/v1/attribute-definitions/{definition}", ent_api_attribute_definitions_delete, ENT_ALLOW_ADMIN,   ENT_BODY_NONE, false, ENT_RATE_ADMIN},

    /* Signed licenses (issue 13) */
    {ENT_GET,    "/.well-known/jwks.json",       ent_api_licenses_jwks,        0,                                   ENT_BODY_NONE,     false, ENT_RATE_NONE},
    {ENT_GET,    "/v1/signing-keys",             ent_api_licenses_keys_list,   ENT_ALLOW_READERS,                   ENT_BODY_NONE,     false, ENT_RATE_ADMIN},
    {ENT_POST,   "/v1/signing-keys",             ent_api_licenses_keys_rotate, ENT_ALLOW_ADMIN,                     ENT_BODY_OPTIONAL, true,  ENT_RATE_ADMIN},
    {ENT_POST,   "/v1/licenses",                 ent_api_licenses_issue,       ENT_ALLOW_ADMIN | ENT_ALLOW_ACCOUNT, ENT_BODY_JSON,     true,  ENT_RATE_ADMIN},
    {ENT_GET,    "/v1/licenses",                 ent_api_licenses_list,        ENT_ALLOW_ANY_KEY,                   ENT_BODY_NONE,     false, ENT_RATE_ADMIN},
    {ENT_POST,   "/v1/licenses/validate",        ent_api_licenses_validate,    ENT_ALLOW_ANY_KEY,                   ENT_BODY_JSON,     false, ENT_RATE_USAGE},
    {ENT_GET,    "/v1/licenses/{license}",       ent_api_licenses_get,         ENT_ALLOW_ANY_KEY,                   ENT_BODY_NONE,     false, ENT_RATE_ADMIN},
    {ENT_DELETE, "/v1/licenses/{license}",       ent_api_licenses_revoke,      ENT_ALLOW_ADMIN | ENT_ALLOW_ACCOUNT, ENT_BODY_NONE,     false, ENT_RATE_ADMIN},
    {ENT_POST,   "/v1/licenses/{license}/renew", ent_api_licenses_renew,       ENT_ALLOW_ADMIN | ENT_ALLOW_ACCOUNT, ENT_BODY_OPTIONAL, true,  ENT_RATE_USAGE},
    /* OFREP (issue 14): OpenFeature's Remote Evaluation Protocol; errors in its own shape. */
    {ENT_GET,    "/ofrep/v1/configuration",        ent_api_ofrep_configuration, ENT_ALLOW_ANY_KEY, ENT_BODY_NONE,     false, ENT_RATE_EVALUATE},
    {ENT_POST,   "/ofrep/v1/evaluate/flags",       ent_api_ofrep_bulk,          ENT_ALLOW_ANY_KEY, ENT_BODY_OPTIONAL, false, ENT_RATE_EVALUATE},
    {ENT_POST,   "/ofrep/v1/evaluate/flags/{key}", ent_api_ofrep_flag,          ENT_ALLOW_ANY_KEY, ENT_BODY_OPTIONAL, false, ENT_RATE_EVALUATE},
    /* The change stream: no key (a browser's EventSource sends none); its token says whose. */
    {ENT_GET,    "/ofrep/v1/events",               ent_api_ofrep_events,        0,                 ENT_BODY_NONE,     false, ENT_RATE_NONE},
    /* webhooks (issue 15) */
    {ENT_POST,   "/v1/webhooks",                     ent_api_webhooks_create,        ENT_ALLOW_ADMIN, ENT_BODY_JSON,     true,  ENT_RATE_ADMIN},
    {ENT_GET,    "/v1/webhooks",                     ent_api_webhooks_list,          ENT_ALLOW_ADMIN, ENT_BODY_NONE,     false, ENT_RATE_ADMIN},
    {ENT_GET,    "/v1/webhooks/{webhook}",           ent_api_webhooks_get,           ENT_ALLOW_ADMIN, ENT_BODY_NONE,     false, ENT_RATE_ADMIN},
    {ENT_PATCH,  "/v1/webhooks/{webhook}",           ent_api_webhooks_update,        ENT_ALLOW_ADMIN, ENT_BODY_JSON,     false, ENT_RATE_ADMIN},
    {ENT_DELETE, "/v1/webhooks/{webhook}",           ent_api_webhooks_delete,        ENT_ALLOW_ADMIN, ENT_BODY_NONE,     false, ENT_RATE_ADMIN},
    {ENT_POST,   "/v1/webhooks/{webhook}/rotate-secret", ent_api_webhooks_rotate_secret, ENT_ALLOW_ADMIN, ENT_BODY_OPTIONAL, false, ENT_RATE_ADMIN},
    {ENT_GET,    "/v1/webhooks/{webhook}/deliveries", ent_api_webhooks_deliveries,   ENT_ALLOW_ADMIN, ENT_BODY_NONE,     false, ENT_RATE_ADMIN},
    {ENT_POST,   "/v1/webhooks/{webhook}/messages/{message}/retry", ent_api_webhooks_retry, ENT_ALLOW_ADMIN, ENT_BODY_OPTIONAL, false, ENT_RATE_ADMIN},
    {ENT_POST,   "/v1/webhooks/{webhook}/replay",    ent_api_webhooks_replay,        ENT_ALLOW_ADMIN, ENT_BODY_JSON,     false, ENT_RATE_ADMIN},
};
/* clang-format on */

const size_t ent_routes_count = sizeof(ent_routes) / sizeof(ent_routes[0]);

const char *
ent_routes_method_name(enum ent_method m)
{
    switch (m) {
    case ENT_GET:
        return "GET";
    case ENT_POST:
        return "POST";
    case ENT_PUT:
        return "PUT";
    case ENT_PATCH:
        return "PATCH";
    case ENT_DELETE:
        return "DELETE";
    case ENT_HEAD:
        return "HEAD";
    case ENT_OPTIONS:
        return "OPTIONS";
    case ENT_OTHER:
        break;
    }
    return "OTHER";
}

/*
 * Matches path against pattern segment by segment. OUT params: pointers to the segments of
 * path (which must be a writable copy whose '/' may be overwritten). Returns true on a match.
 */
static bool
match_pattern(const char *pattern, const char *path, const char **params)
{
    size_t n_params = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p != '/' || *s != '/')
            return false;
        p++;
        s++;
        const char *p_end = strchr(p, '/');
        const char *s_end = strchr(s, '/');
        size_t p_len = p_end ? (size_t)(p_end - p) : strlen(p);
        size_t s_len = s_end ? (size_t)(s_end - s) : strlen(s);
        if (p_len >= 2 && p[0] == '{') {
            if (s_len == 0 || n_params == ENT_PATH_PARAMS)
                return false;
            if (params)
                params[n_params] = s;
            n_params++;
        } else if (p_len != s_len || memcmp(p, s, p_len) != 0) {
            return false;
        }
        p += p_len;
        s += s_len;
    }
    return *p == '\0' && *s == '\0';
}

const struct ent_route *
ent_routes_match(enum ent_method method, const char *path, char *buf, size_t buf_len,
                 const char **params, unsigned *allow)
{
    *allow = 0;
    size_t len = strlen(path);
    if (len + 1 > buf_len)
        return NULL;
    const struct ent_route *found = NULL;
    enum ent_method want = method == ENT_HEAD ? ENT_GET : method;
    for (size_t i = 0; i < ent_routes_count && !found; i++) {
        if (!match_pattern(ent_routes[i].pattern, path, NULL))
            continue;
        if (ent_routes[i].method == want)
            found = &ent_routes[i]; /* the first in the table: the rest need not be tried */
        else
            *allow |= ent_routes[i].method;
    }
    if (!found)
        return NULL; /* every route was tried: *allow holds all the path's methods */
    *allow = 0;
    memcpy(buf, path, len + 1);
    for (size_t i = 0; i < ENT_PATH_PARAMS; i++)
        params[i] = NULL;
    match_pattern(found->pattern, buf, params);
    /* Terminate each parameter at its segment's end; only the route's own are set. */
    for (size_t i = 0; i < ENT_PATH_PARAMS && params[i]; i++) {
        char *slash = strchr((char *)params[i], '/');
        if (slash)
            *slash = '\0';
    }
    return found;
}
