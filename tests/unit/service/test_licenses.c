/* SPDX-License-Identifier: MIT */
/*
 * test_licenses.c: the rules of signed licenses (service/licenses.c, issue 13) through the
 * library, on a SQLite store of its own and at times the test chooses: what the claims say (the
 * issuer, the serial number's form and prefix, evaluate's answer, the metered allowance and its
 * window), the lifetime's default, bounds and cap by the grants' end, who may issue
 * (self-service), validation at chosen times (not yet valid, valid, expired, revoked), renewal,
 * and the signing keys (rotation, what the JWK Set publishes). The claims are read with the
 * offline verifier, as a product would.
 */
#include <entitled_license.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "app_fixture.h"
#include <entitled.h>

#define HOUR_MS 3600000LL
#define DAY_MS (24 * HOUR_MS)

struct fixture {
    char dir[64];
    struct ent_app *app;
    int64_t t0; /* a time in the middle of a month, on the hour, before now */
};

static struct ent_ctx *
ctx_as(struct fixture *fx, int64_t now_ms, enum ent_scope scope, const char *account_id)
{
    struct ent_ctx *ctx = NULL;
    assert_int_equal(ent_ctx_new(fx->app, now_ms, &ctx), ENT_OK);
    struct ent_principal p = {.scope = scope};
    if (account_id)
        snprintf(p.account_id, sizeof(p.account_id), "%s", account_id);
    ent_ctx_set_principal(ctx, &p);
    return ctx;
}

static struct ent_ctx *
admin_at(struct fixture *fx, int64_t now_ms)
{
    return ctx_as(fx, now_ms, ENT_SCOPE_ADMIN, NULL);
}

/*
 * Account "acme" holds product "pro" (seats: range 1..100 at 20; license model with issuer,
 * prefix "PRO", self-service) from t0 - 1 day, ending at t0 + 10 days, and 1000 "calls" a month.
 * Account "solo" holds 5 seats by a manual grant alone (no license model).
 */
static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    assert_non_null(fx);
    fx->app = ent_test_app_open("licenses", fx->dir,
                                (struct ent_config){.license_issuer = "vendor.example"});
    struct ent_error err;
    /* 2026-03-15T12:00:00Z */
    fx->t0 = 1773576000000LL;
    struct ent_ctx *ctx = admin_at(fx, fx->t0 - 2 * DAY_MS);
    struct ent_level range[2] = {{.value = "1"}, {.value = "100"}};
    struct ent_feature seats = {.key = "seats",
                                .name = "Seats",
                                .type = ENT_FEATURE_RANGE,
                                .unit = "user",
                                .levels = range,
                                .n_levels = 2};
    struct ent_feature calls = {.key = "calls",
                                .name = "Calls",
                                .type = ENT_FEATURE_METERED,
                                .unit = "call",
                                .reset_period = ENT_PERIOD_MONTH};
    struct ent_feature out_f;
    assert_int_equal(ent_features_create(ctx, &seats, &out_f, &err), ENT_OK);
    assert_int_equal(ent_features_create(ctx, &calls, &out_f, &err), ENT_OK);
    struct ent_product_entitlement pe = {.feature = "seats", .value = "20"};
    struct ent_product pro = {.key = "pro",
                              .name = "Pro",
                              .category = ENT_CATEGORY_RECURRING_SERVICES,
                              .entitlements = &pe,
                              .n_entitlements = 1,
                              .license_model = {.present = true,
                                                .issuer = "acme-vendor",
                                                .name = "Pro model",
                                                .serial_prefix = "PRO",
                                                .self_service = true},
                              .max_leases = -1,
                              .max_lease_days = -1};
    struct ent_product out_p;
    assert_int_equal(ent_products_create(ctx, &pro, &out_p, &err), ENT_OK);
    struct ent_account acme = {.key = "acme", .name = "Acme"}, solo = {.key = "solo", .name = "S"};
    struct ent_account out_a;
    assert_int_equal(ent_accounts_create(ctx, &acme, &out_a, &err), ENT_OK);
    assert_int_equal(ent_accounts_create(ctx, &solo, &out_a, &err), ENT_OK);
    struct ent_entitlement grants[] = {
        {.account = "acme",
         .product = "pro",
         .quantity = 1,
         .quantity_per_copy = 1,
         .start_ms = fx->t0 - DAY_MS,
         .end_ms = fx->t0 + 10 * DAY_MS},
        {.account = "acme",
         .feature = "calls",
         .value = "1000",
         .start_ms = fx->t0 - DAY_MS,
         .end_ms = fx->t0 + 10 * DAY_MS},
        {.account = "solo",
         .feature = "seats",
         .value = "5",
         .start_ms = fx->t0 - DAY_MS,
         .end_ms = ENT_TIME_NONE,
         .permanent = true},
    };
    for (size_t i = 0; i < 3; i++) {
        struct ent_entitlement out_e;
        int rc = ent_entitlements_create(ctx, &grants[i], &out_e, &err);
        if (rc != ENT_OK)
            fail_msg("grant %zu: %s %s", i, err.message, err.n_fields ? err.fields[0].field : "");
    }
    ent_ctx_free(ctx);
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;
    ent_test_app_close("test_licenses", fx->app, fx->dir);
    free(fx);
    return 0;
}

/* Issues for account with ttl_s at now_ms as admin. */
static int
issue_at(struct fixture *fx, int64_t now_ms, const char *account, int64_t ttl_s,
         struct ent_license *out, struct ent_error *err)
{
    struct ent_ctx *ctx = admin_at(fx, now_ms);
    struct ent_license_input in = {.account = account, .ttl_s = ttl_s, .expires_ms = ENT_TIME_NONE};
    int rc = ent_licenses_issue(ctx, &in, out, err);
    if (rc == ENT_OK) { /* the strings outlive the context */
        out->token = strdup(out->token);
        out->serial = strdup(out->serial);
        out->kid = strdup(out->kid);
    }
    ent_ctx_free(ctx);
    return rc;
}

/* Frees what issue_at() copied. */
static void
drop(struct ent_license *l)
{
    free((char *)l->token);
    free((char *)l->serial);
    free((char *)l->kid);
}

/* Parses a token with the offline verifier (claims not trusted: the test made it). */
static struct ent_license_token *
claims_of(const char *token)
{
    struct ent_license_token *t = NULL;
    assert_int_equal(ent_license_parse(token, strlen(token), &t), ENT_VERDICT_VALID);
    return t;
}

/* The status validate answers for token at now_ms (fingerprint may be NULL). */
static void
expect_status(struct fixture *fx, int64_t now_ms, const char *token, const char *want)
{
    struct ent_ctx *ctx = admin_at(fx, now_ms);
    struct ent_license_check check;
    struct ent_error err;
    assert_int_equal(ent_licenses_validate(ctx, token, NULL, &check, &err), ENT_OK);
    assert_string_equal(check.status, want);
    assert_int_equal(check.valid, strcmp(want, "valid") == 0);
    ent_ctx_free(ctx);
}

static void
licenses__claims__carry_model_serial_and_evaluate(void **state)
{
    struct fixture *fx = *state;
    struct ent_license l;
    struct ent_error err;
    assert_int_equal(issue_at(fx, fx->t0, "acme", 2 * 3600, &l, &err), ENT_OK);
    struct ent_license_token *t = claims_of(l.token);
    assert_string_equal(ent_license_claim_string(t, "iss"), "acme-vendor");
    assert_string_equal(ent_license_claim_string(t, "jti"), l.serial);
    assert_int_equal(strlen(l.serial), strlen("PRO-XXXX-XXXX-XXXX"));
    assert_memory_equal(l.serial, "PRO-", 4);
    assert_true(l.serial[8] == '-' && l.serial[13] == '-');
    assert_int_equal(ent_license_claim_int(t, "iat"), fx->t0 / 1000);
    assert_int_equal(ent_license_claim_int(t, "nbf"), fx->t0 / 1000);
    assert_int_equal(ent_license_claim_int(t, "exp"), fx->t0 / 1000 + 7200);
    struct ent_license_entitlement e;
    assert_int_equal(ent_license_entitlement(t, "seats", &e), 0);
    assert_true(e.value && e.has_limit);
    assert_int_equal(e.limit, 20);
    assert_int_equal(e.expires_at_s, (fx->t0 + 10 * DAY_MS) / 1000);
    assert_int_equal(ent_license_entitlement(t, "calls", &e), 0);
    assert_true(e.metered);
    assert_string_equal(e.reset_period, "month");
    assert_int_equal(e.window_start_s, 1772323200); /* 2026-03-01T00:00:00Z */
    assert_int_equal(e.window_end_s, 1775001600);   /* 2026-04-01T00:00:00Z */
    assert_int_equal(e.limit, 1000);
    ent_license_free(t);
    drop(&l);
    /* No license model: the configured issuer, serials "LIC-…". */
    assert_int_equal(issue_at(fx, fx->t0, "solo", 0, &l, &err), ENT_OK);
    t = claims_of(l.token);
    assert_string_equal(ent_license_claim_string(t, "iss"), "vendor.example");
    assert_memory_equal(l.serial, "LIC-", 4);
    /* The default lifetime (30 days; solo's grant has no end). */
    assert_int_equal(ent_license_claim_int(t, "exp") - ent_license_claim_int(t, "iat"), 30 * 86400);
    ent_license_free(t);
    drop(&l);
}

static void
licenses__lifetime__is_bounded_and_capped_by_the_grants(void **state)
{
    struct fixture *fx = *state;
    struct ent_license l;
    struct ent_error err;
    assert_int_equal(issue_at(fx, fx->t0, "acme", 3599, &l, &err), ENT_EINVAL);
    assert_string_equal(err.fields[0].field, "ttl");
    assert_int_equal(issue_at(fx, fx->t0, "acme", 366 * 86400, &l, &err), ENT_EINVAL);
    /* 30 days asked, the grants end in 10: the license ends with them. */
    assert_int_equal(issue_at(fx, fx->t0, "acme", 30 * 86400, &l, &err), ENT_OK);
    assert_int_equal(l.expires_ms, fx->t0 + 10 * DAY_MS);
    drop(&l);
    /* An account with nothing in force gets a license with no entitlements. */
    assert_int_equal(issue_at(fx, fx->t0 + 20 * DAY_MS, "acme", 3600, &l, &err), ENT_OK);
    struct ent_license_token *t = claims_of(l.token);
    struct ent_license_entitlement e;
    assert_int_equal(ent_license_entitlement(t, "seats", &e), -1);
    ent_license_free(t);
    drop(&l);
}

static void
licenses__validate__at_its_times_and_after_revocation(void **state)
{
    struct fixture *fx = *state;
    struct ent_license l;
    struct ent_error err;
    assert_int_equal(issue_at(fx, fx->t0, "acme", 3600, &l, &err), ENT_OK);
    expect_status(fx, fx->t0 - 1000, l.token, "not_yet_valid");
    expect_status(fx, fx->t0, l.token, "valid");
    expect_status(fx, fx->t0 + HOUR_MS - 1000, l.token, "valid");
    expect_status(fx, fx->t0 + HOUR_MS, l.token, "expired");
    struct ent_ctx *ctx = admin_at(fx, fx->t0 + 60000);
    struct ent_license revoked;
    assert_int_equal(ent_licenses_revoke(ctx, l.id, &revoked, &err), ENT_OK);
    assert_int_equal(revoked.status, ENT_LICENSE_REVOKED);
    assert_int_equal(ent_licenses_renew(ctx, l.id, &revoked, &err), ENT_ECONFLICT);
    ent_ctx_free(ctx);
    expect_status(fx, fx->t0 + 120000, l.token, "revoked");
    drop(&l);
}

static void
licenses__renew__reissues_later_with_the_same_serial(void **state)
{
    struct fixture *fx = *state;
    struct ent_license l, r;
    struct ent_error err;
    assert_int_equal(issue_at(fx, fx->t0, "acme", 7200, &l, &err), ENT_OK);
    struct ent_ctx *ctx = admin_at(fx, fx->t0 + HOUR_MS);
    assert_int_equal(ent_licenses_renew(ctx, l.serial, &r, &err), ENT_OK);
    assert_string_equal(r.serial, l.serial);
    assert_int_equal(r.renew_count, 1);
    assert_int_equal(r.issued_ms, fx->t0 + HOUR_MS);
    assert_int_equal(r.expires_ms, fx->t0 + 3 * HOUR_MS);
    assert_string_not_equal(r.token, l.token);
    ent_ctx_free(ctx);
    /* The old token is still a genuine license until its own exp. */
    expect_status(fx, fx->t0 + HOUR_MS, l.token, "valid");
    drop(&l);
}

static void
licenses__account_keys__issue_only_with_self_service(void **state)
{
    struct fixture *fx = *state;
    struct ent_ctx *ctx = admin_at(fx, fx->t0);
    struct ent_account acme, solo;
    struct ent_error err;
    assert_int_equal(ent_accounts_get(ctx, "acme", &acme, &err), ENT_OK);
    assert_int_equal(ent_accounts_get(ctx, "solo", &solo, &err), ENT_OK);
    ent_ctx_free(ctx);
    struct ent_license_input in = {.expires_ms = ENT_TIME_NONE};
    struct ent_license l;
    ctx = ctx_as(fx, fx->t0, ENT_SCOPE_ACCOUNT, acme.id);
    assert_int_equal(ent_licenses_issue(ctx, &in, &l, &err), ENT_OK);
    assert_string_equal(l.account_id, acme.id);
    in.account = "solo";
    assert_int_equal(ent_licenses_issue(ctx, &in, &l, &err), ENT_ENOTFOUND);
    ent_ctx_free(ctx);
    in.account = NULL;
    ctx = ctx_as(fx, fx->t0, ENT_SCOPE_ACCOUNT, solo.id);
    assert_int_equal(ent_licenses_issue(ctx, &in, &l, &err), ENT_EFORBIDDEN);
    ent_ctx_free(ctx);
    ctx = ctx_as(fx, fx->t0, ENT_SCOPE_READ, NULL);
    in.account = "acme";
    assert_int_equal(ent_licenses_issue(ctx, &in, &l, &err), ENT_EFORBIDDEN);
    ent_ctx_free(ctx);
}

static void
licenses__signing_keys__rotate_and_publish_while_needed(void **state)
{
    struct fixture *fx = *state;
    struct ent_license l;
    struct ent_error err;
    assert_int_equal(issue_at(fx, fx->t0, "acme", 3600, &l, &err), ENT_OK);
    struct ent_ctx *ctx = admin_at(fx, fx->t0 + 1000);
    struct ent_signing_key k;
    assert_int_equal(ent_signing_keys_rotate(ctx, &k, &err), ENT_OK);
    assert_true(k.current);
    assert_string_not_equal(k.kid, l.kid);
    ent_ctx_free(ctx);
    /* While l is unexpired both keys are published; after, the new one alone. */
    for (int later = 0; later < 2; later++) {
        ctx = admin_at(fx, fx->t0 + (later ? 2 * HOUR_MS : 2000));
        const char *jwks = NULL;
        size_t len = 0;
        assert_int_equal(ent_signing_keys_jwks(ctx, &jwks, &len, &err), ENT_OK);
        struct ent_license_keyset ks = {.n = 0};
        assert_int_equal(ent_license_keyset_from_jwks(&ks, jwks, len), later ? 1 : 2);
        assert_string_equal(ks.keys[0].kid, k.kid);
        struct ent_signing_key *keys = NULL;
        size_t n = 0;
        assert_int_equal(ent_signing_keys_list(ctx, &keys, &n, &err), ENT_OK);
        assert_int_equal(n, 2);
        assert_true(keys[0].current && !keys[1].current);
        assert_int_equal(keys[1].published, !later);
        ent_ctx_free(ctx);
    }
    drop(&l);
}

/* How many keys the JWK Set publishes at now_ms. */
static size_t
published_at(struct fixture *fx, int64_t now_ms)
{
    struct ent_ctx *ctx = admin_at(fx, now_ms);
    const char *jwks = NULL;
    size_t len = 0;
    struct ent_error err;
    assert_int_equal(ent_signing_keys_jwks(ctx, &jwks, &len, &err), ENT_OK);
    struct ent_license_keyset ks = {.n = 0};
    int n = ent_license_keyset_from_jwks(&ks, jwks, len);
    ent_ctx_free(ctx);
    return (size_t)n;
}

static void
licenses__renewal_after_rotation__keeps_the_old_key_while_its_token_lives(void **state)
{
    struct fixture *fx = *state;
    struct ent_license l, r;
    struct ent_error err;
    assert_int_equal(issue_at(fx, fx->t0, "acme", 3600, &l, &err), ENT_OK);
    struct ent_ctx *ctx = admin_at(fx, fx->t0 + 1000);
    struct ent_signing_key k;
    assert_int_equal(ent_signing_keys_rotate(ctx, &k, &err), ENT_OK);
    assert_int_equal(ent_licenses_renew(ctx, l.id, &r, &err), ENT_OK);
    assert_string_equal(r.kid, k.kid); /* the license now names the new key alone */
    ent_ctx_free(ctx);
    /* The old token (old key) is valid until t0 + 1 h: its key stays published until then. */
    assert_int_equal(published_at(fx, fx->t0 + 2000), 2);
    expect_status(fx, fx->t0 + 2000, l.token, "valid");
    assert_int_equal(published_at(fx, fx->t0 + HOUR_MS + 1000), 1);
    drop(&l);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(licenses__claims__carry_model_serial_and_evaluate, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(licenses__lifetime__is_bounded_and_capped_by_the_grants,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(licenses__validate__at_its_times_and_after_revocation,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(licenses__renew__reissues_later_with_the_same_serial, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(licenses__account_keys__issue_only_with_self_service, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(licenses__signing_keys__rotate_and_publish_while_needed,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            licenses__renewal_after_rotation__keeps_the_old_key_while_its_token_lives, setup,
            teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
