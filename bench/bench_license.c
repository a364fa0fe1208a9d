/* SPDX-License-Identifier: MIT */
/*
 * bench_license.c: the two figures of issue 13, in process: issuing a license from a warm
 * snapshot (ent_licenses_issue: evaluation from memory, the current key unsealed, the claims
 * signed, the license and its audit event written in one transaction) and verifying one in C
 * (ent_license_verify of include/entitled_license.h: parse, Ed25519, times, fingerprint).
 * Prints p50, p99 and the mean of each, in microseconds.
 *
 * Usage: bench_license STORE_DIR [ISSUES [VERIFIES]]   (a fresh SQLite store is made in
 *        STORE_DIR; put it on a tmpfs to leave the disk's fsync out of the issue figure)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <entitled.h>
#include <entitled_license.h>

static int64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t
wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void
report(const char *what, int64_t *ns, long n)
{
    qsort(ns, (size_t)n, sizeof(*ns), cmp_i64);
    double sum = 0;
    for (long i = 0; i < n; i++)
        sum += (double)ns[i];
    printf("%-28s n=%-7ld p50 %8.1f us  p99 %8.1f us  mean %8.1f us\n", what, n,
           (double)ns[n / 2] / 1000.0, (double)ns[(n * 99) / 100] / 1000.0, sum / n / 1000.0);
}

/* A context at now with the admin principal. */
static struct ent_ctx *
admin_ctx(struct ent_app *app)
{
    struct ent_ctx *ctx = NULL;
    if (ent_ctx_new(app, wall_ms(), &ctx) < 0)
        return NULL;
    struct ent_principal admin = {.scope = ENT_SCOPE_ADMIN};
    ent_ctx_set_principal(ctx, &admin);
    return ctx;
}

/* Ten features (eight quantity, two metered) granted to account "acme". */
static int
seed(struct ent_app *app)
{
    struct ent_ctx *ctx = admin_ctx(app);
    struct ent_error err;
    int rc = ctx ? 0 : -1;
    struct ent_account acc = {.key = "acme", .name = "Acme", .type = ENT_ACCOUNT_CUSTOMER};
    struct ent_account acc_out;
    if (rc == 0)
        rc = ent_accounts_create(ctx, &acc, &acc_out, &err);
    for (int i = 0; rc == 0 && i < 10; i++) {
        char key[16], value[16];
        snprintf(key, sizeof(key), "f%02d", i);
        snprintf(value, sizeof(value), "%d", 10 + i);
        bool metered = i >= 8;
        struct ent_feature f = {.key = key,
                                .name = key,
                                .type = metered ? ENT_FEATURE_METERED : ENT_FEATURE_RANGE,
                                .unit = "unit",
                                .reset_period = metered ? ENT_PERIOD_MONTH : ENT_PERIOD_NONE,
                                .status = ENT_STATUS_ACTIVE};
        struct ent_level levels[2] = {{.value = "0"}, {.value = "1000000"}};
        if (!metered) {
            f.levels = levels;
            f.n_levels = 2;
        }
        struct ent_feature f_out;
        rc = ent_features_create(ctx, &f, &f_out, &err);
        struct ent_entitlement e = {.account = "acme",
                                    .feature = key,
                                    .value = value,
                                    .quantity = 1,
                                    .quantity_per_copy = 1,
                                    .start_ms = ENT_TIME_NONE,
                                    .end_ms = ENT_TIME_NONE,
                                    .permanent = true};
        struct ent_entitlement e_out;
        if (rc == 0)
            rc = ent_entitlements_create(ctx, &e, &e_out, &err);
    }
    if (rc != 0)
        fprintf(stderr, "bench_license: seed: %s %s (%s)\n", ent_error_name(err.code),
                err.message, err.n_fields ? err.fields[0].field : "");
    ent_ctx_free(ctx);
    return rc;
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_license STORE_DIR [ISSUES [VERIFIES]]\n");
        return 2;
    }
    long issues = argc > 2 ? strtol(argv[2], NULL, 10) : 2000;
    long verifies = argc > 3 ? strtol(argv[3], NULL, 10) : 20000;
    if (issues < 10)
        issues = 10;
    if (verifies < 10)
        verifies = 10;
    char url[4200];
    snprintf(url, sizeof(url), "sqlite:%s/bench_license.db", argv[1]);
    struct ent_config cfg = {.store_url = url, .connections = 2};
    struct ent_app *app = NULL;
    struct ent_error err;
    if (ent_app_open(&cfg, &app, &err) < 0 || seed(app) != 0) {
        fprintf(stderr, "bench_license: %s\n", err.message);
        return 1;
    }
    int64_t *ns = calloc((size_t)(issues > verifies ? issues : verifies), sizeof(*ns));
    char *token = NULL;
    struct ent_license_input in = {.account = "acme", .ttl_s = 86400, .expires_ms = ENT_TIME_NONE};
    for (long i = -100; i < issues; i++) { /* 100 to warm the catalog and the snapshot */
        struct ent_ctx *ctx = admin_ctx(app);
        struct ent_license lic;
        int64_t t0 = now_ns();
        int rc = ent_licenses_issue(ctx, &in, &lic, &err);
        int64_t t1 = now_ns();
        if (rc < 0) {
            fprintf(stderr, "bench_license: issue: %s %s\n", ent_error_name(rc), err.message);
            return 1;
        }
        if (i >= 0)
            ns[i] = t1 - t0;
        if (i == issues - 1)
            token = strdup(lic.token);
        ent_ctx_free(ctx);
    }
    report("issue (warm snapshot)", ns, issues);

    struct ent_ctx *ctx = admin_ctx(app);
    const char *jwks = NULL;
    size_t jwks_len = 0;
    struct ent_license_keyset keys = {.n = 0};
    if (ent_signing_keys_jwks(ctx, &jwks, &jwks_len, &err) < 0 ||
        ent_license_keyset_from_jwks(&keys, jwks, jwks_len) < 1 || !token) {
        fprintf(stderr, "bench_license: no JWK Set\n");
        return 1;
    }
    struct ent_license_options opt = {.now_s = wall_ms() / 1000, .skew_s = 300};
    size_t len = strlen(token);
    for (long i = 0; i < verifies; i++) {
        int64_t t0 = now_ns();
        enum ent_license_verdict v = ent_license_verify(token, len, &keys, &opt, NULL);
        ns[i] = now_ns() - t0;
        if (v != ENT_VERDICT_VALID) {
            fprintf(stderr, "bench_license: verify: %s\n", ent_license_verdict_name(v));
            return 1;
        }
    }
    report("verify in C (10 features)", ns, verifies);
    printf("token: %zu bytes\n", len);
    ent_ctx_free(ctx);
    free(token);
    free(ns);
    ent_app_close(app);
    return 0;
}
