/* SPDX-License-Identifier: MIT */
/*
 * fuzz_app.c: the shared fuzz application (see fuzz_app.h): one SQLite store per fuzzer
 * process, filled through the public API alone with the objects the targets name, and
 * removed at exit. A failure while filling it is a broken harness, not a finding: the process
 * stops with a message instead of fuzzing against a half-made store.
 */
#include "fuzz_app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "core/alloc.h"
#include "http/api.h"

static struct ent_fuzz_app fixture;
static char db_path[512];

/* Stops the process: the harness itself failed at step (what), with err's detail. */
static void
die(const char *what, const struct ent_error *err)
{
    fprintf(stderr, "fuzz_app: %s failed: %s (%s)\n", what, err ? err->message : "",
            err ? ent_error_name(err->code) : "");
    if (err && err->n_fields)
        fprintf(stderr, "fuzz_app:   %s: %s\n", err->fields[0].field, err->fields[0].message);
    abort();
}

/* Closes the application and removes its files (database, WAL, shared memory, hash key). */
static void
remove_store(void)
{
    ent_app_close(fixture.app);
    fixture.app = NULL;
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal", ".key"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        char path[600];
        snprintf(path, sizeof(path), "%s%s", db_path, suffixes[i]);
        unlink(path);
    }
}

struct ent_ctx *
ent_fuzz_app_ctx(void)
{
    const struct ent_fuzz_app *fa = ent_fuzz_app_get();
    struct ent_ctx *ctx;
    if (ent_ctx_new(fa->app, ENT_FUZZ_APP_NOW_MS, &ctx) < 0)
        die("ent_ctx_new", NULL);
    ent_ctx_set_encoder(ctx, ent_api_encode);
    ent_ctx_set_principal(ctx, &fa->admin);
    return ctx;
}

char *
ent_fuzz_app_cstr(const uint8_t *data, size_t len)
{
    char *s = ent_strndup((const char *)data, len);
    if (!s)
        die("ent_strndup", NULL);
    return s;
}

const char *
ent_fuzz_app_problem_error(int status, const char *answer, size_t len)
{
    if (!answer)
        return "an error answer without a body";
    json_error_t jerr;
    json_t *doc = json_loadb(answer, len, 0, &jerr);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return "an error answer that is not a JSON object";
    }
    const char *why = NULL;
    json_t *code = json_object_get(doc, "status");
    json_t *errors = json_object_get(doc, "errors");
    if (!json_is_integer(code) || json_integer_value(code) != status)
        why = "a problem document without the answer's status";
    else if (!json_is_string(json_object_get(doc, "type")) ||
             !json_is_string(json_object_get(doc, "title")) ||
             !json_is_string(json_object_get(doc, "detail")))
        why = "a problem document without its type, title or detail";
    else if (errors && !json_is_array(errors))
        why = "a problem document whose errors are not an array";
    for (size_t i = 0; !why && i < json_array_size(errors); i++) {
        json_t *e = json_array_get(errors, i);
        if (!json_is_string(json_object_get(e, "field")) ||
            !json_is_string(json_object_get(e, "message")))
            why = "a problem document with an error lacking its field or message";
    }
    json_decref(doc);
    return why;
}

/* Creates the admin key (bootstrap) and a second key that is then revoked. */
static void
make_keys(void)
{
    struct ent_error err;
    ent_error_clear(&err);
    if (ent_keys_bootstrap(fixture.app, ENT_FUZZ_APP_NOW_MS, fixture.secret, sizeof(fixture.secret),
                           &err) < 0 ||
        !fixture.secret[0])
        die("ent_keys_bootstrap", &err);
    fixture.secret_len = strlen(fixture.secret);
    struct ent_ctx *ctx;
    if (ent_ctx_new(fixture.app, ENT_FUZZ_APP_NOW_MS, &ctx) < 0)
        die("ent_ctx_new", NULL);
    if (ent_keys_authenticate(ctx, fixture.secret, fixture.secret_len, &err) < 0)
        die("ent_keys_authenticate", &err);
    fixture.admin = *ent_ctx_principal(ctx);
    struct ent_key_input in = {.name = "fuzz revoked", .scope = ENT_SCOPE_READ};
    struct ent_key k;
    if (ent_keys_create(ctx, &in, &k, &err) < 0)
        die("ent_keys_create", &err);
    snprintf(fixture.revoked_secret, sizeof(fixture.revoked_secret), "%s", k.secret);
    fixture.revoked_secret_len = strlen(fixture.revoked_secret);
    memcpy(fixture.revoked_key_id, k.id, sizeof(k.id));
    if (ent_keys_revoke(ctx, k.id, &err) < 0)
        die("ent_keys_revoke", &err);
    ent_ctx_free(ctx);
}

/* Creates the two features and the product that grants them. */
static void
make_catalog(struct ent_ctx *ctx)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_level seats[] = {{.value = "5"}, {.value = "10"}, {.is_unlimited = true}};
    struct ent_feature f = {.key = "fz-seats",
                            .name = "Seats",
                            .type = ENT_FEATURE_QUANTITY,
                            .unit = "seat",
                            .levels = seats,
                            .n_levels = 3,
                            .activations_enabled = true,
                            .status = ENT_STATUS_ACTIVE};
    struct ent_feature out;
    if (ent_features_create(ctx, &f, &out, &err) < 0)
        die("ent_features_create (quantity)", &err);
    struct ent_level calls[] = {{.value = "1000"}, {.value = "5000"}};
    struct ent_feature m = {.key = "fz-calls",
                            .name = "API calls",
                            .type = ENT_FEATURE_METERED,
                            .unit = "call",
                            .levels = calls,
                            .n_levels = 2,
                            .reset_period = ENT_PERIOD_MONTH,
                            .status = ENT_STATUS_ACTIVE};
    if (ent_features_create(ctx, &m, &out, &err) < 0)
        die("ent_features_create (metered)", &err);
    struct ent_product_entitlement grants[] = {{.feature = "fz-seats", .value = "10"},
                                               {.feature = "fz-calls", .value = "1000"}};
    struct ent_product p = {.key = "fz-pro",
                            .name = "Pro",
                            .category = ENT_CATEGORY_RECURRING_SERVICES,
                            .entitlements = grants,
                            .n_entitlements = 2,
                            .max_leases = -1,
                            .max_lease_days = -1,
                            .status = ENT_STATUS_ACTIVE};
    struct ent_product pout;
    if (ent_products_create(ctx, &p, &pout, &err) < 0)
        die("ent_products_create", &err);
}

/* Creates the account and what it holds: an order, an entitlement, a lease, an activation. */
static void
make_account(struct ent_ctx *ctx)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_account a = {.key = "fz-acme", .name = "Acme", .type = ENT_ACCOUNT_CUSTOMER};
    struct ent_account aout;
    if (ent_accounts_create(ctx, &a, &aout, &err) < 0)
        die("ent_accounts_create", &err);
    struct ent_line_item item = {.product = "fz-pro",
                                 .quantity = 1,
                                 .start_ms = ENT_TIME_NONE,
                                 .end_ms = ENT_TIME_NONE,
                                 .permanent = true};
    struct ent_order o = {.account = "fz-acme", .items = &item, .n_items = 1};
    struct ent_order oout;
    if (ent_orders_create(ctx, &o, &oout, &err) < 0)
        die("ent_orders_create", &err);
    memcpy(fixture.order_id, oout.id, sizeof(oout.id));
    snprintf(fixture.item_id, sizeof(fixture.item_id), "%s", oout.items[0].activation_id);
    struct ent_attribute_definition d = {.object = ENT_ATTRIBUTE_OBJECT_ORDER, .name = "fz_note"};
    struct ent_attribute_definition dout;
    if (ent_attribute_definitions_create(ctx, &d, &dout, &err) < 0)
        die("ent_attribute_definitions_create", &err);
    memcpy(fixture.definition_id, dout.id, sizeof(dout.id));
    struct ent_entitlement e = {.account = "fz-acme",
                                .product = "fz-pro",
                                .quantity = 1,
                                .quantity_per_copy = 1,
                                .start_ms = ENT_TIME_NONE,
                                .end_ms = ENT_TIME_NONE,
                                .permanent = true};
    struct ent_entitlement eout;
    if (ent_entitlements_create(ctx, &e, &eout, &err) < 0)
        die("ent_entitlements_create", &err);
    memcpy(fixture.entitlement_id, eout.id, sizeof(eout.id));
    struct ent_lease_input l = {
        .account = "fz-acme", .product = "fz-pro", .duration_days = 14, .accepted_terms = true};
    struct ent_lease lout;
    if (ent_leases_apply(ctx, &l, &lout, &err) < 0)
        die("ent_leases_apply", &err);
    memcpy(fixture.lease_id, lout.id, sizeof(lout.id));
    struct ent_activation_input act = {
        .account = "fz-acme", .feature = "fz-seats", .fingerprint = "fz-device-1", .ttl_s = 3600};
    struct ent_activation aact;
    bool created = false;
    if (ent_activations_activate(ctx, &act, &aact, &created, &err) < 0)
        die("ent_activations_activate", &err);
    memcpy(fixture.activation_id, aact.id, sizeof(aact.id));
    struct ent_license_input li = {.account = "fz-acme", .expires_ms = ENT_TIME_NONE};
    struct ent_license lic;
    if (ent_licenses_issue(ctx, &li, &lic, &err) < 0)
        die("ent_licenses_issue", &err);
    memcpy(fixture.license_id, lic.id, sizeof(lic.id));
}

/* Creates a webhook endpoint that subscribes to no type ever sent (issue 15). */
static void
make_webhook(struct ent_ctx *ctx)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_webhook w = {
        .url = "http://127.0.0.1:9/fz", .events = {"nothing.sent"}, .n_events = 1};
    struct ent_webhook out;
    if (ent_webhooks_create(ctx, &w, &out, &err) < 0)
        die("ent_webhooks_create", &err);
    memcpy(fixture.webhook_id, out.id, sizeof(out.id));
    snprintf(fixture.message_id, sizeof(fixture.message_id), "%s",
             "0190a0b4-0000-7000-8000-0000000000ff");
}

const struct ent_fuzz_app *
ent_fuzz_app_get(void)
{
    if (fixture.app)
        return &fixture;
    const char *dir = getenv("ENT_FUZZ_DIR");
    snprintf(db_path, sizeof(db_path), "%s/fuzz-%ld.db", dir && dir[0] ? dir : "/tmp",
             (long)getpid());
    remove_store(); /* a file left by an earlier process with this pid */
    char url[600];
    snprintf(url, sizeof(url), "sqlite:%s", db_path);
    /* webhooks: private addresses allowed, so that no fuzzed URL is looked up in the DNS */
    struct ent_config cfg = {.store_url = url, .connections = 2, .webhooks_allow_private = true};
    struct ent_error err;
    ent_error_clear(&err);
    if (ent_app_open(&cfg, &fixture.app, &err) < 0)
        die("ent_app_open", &err);
    atexit(remove_store);
    make_keys();
    fixture.feature_key = "fz-seats";
    fixture.metered_key = "fz-calls";
    fixture.product_key = "fz-pro";
    fixture.account_key = "fz-acme";
    struct ent_ctx *ctx = ent_fuzz_app_ctx();
    make_catalog(ctx);
    make_account(ctx);
    make_webhook(ctx);
    ent_ctx_free(ctx);
    return &fixture;
}
