/* SPDX-License-Identifier: MIT */
/*
 * bench_evaluate.c: nanoseconds per evaluation through the library (include/entitled.h alone),
 * on a warm snapshot: the cost of POST /v1/evaluate without HTTP and JSON. Each call makes a
 * request context, evaluates and frees it, as the daemon does per request. The 10 features
 * include two metered ones (their usage is read per call) and, apart, ten that are not.
 * ofrep_bulk_tag is the work of OFREP's 304 path: every active feature (100) evaluated and the
 * entity tag hashed, no flag made (ent_ofrep_evaluate_all()).
 *
 * Usage: bench_evaluate STORE_URL [ITERATIONS [CASE]]   (a store filled by bench/gen_dataset.py;
 *        CASE: only the case of that name, e.g. for callgrind)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <entitled.h>

static int64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Evaluates n features (0: every feature, as OFREP's bulk tag) for account iterations times;
 * returns ns per call, or -1. */
static double
run(struct ent_app *app, const char *account, const char *const *features, size_t n,
    long iterations)
{
    struct ent_principal admin = {.scope = ENT_SCOPE_ADMIN};
    int64_t wall = (int64_t)time(NULL) * 1000;
    long granted = 0;
    int64_t t0 = now_ns();
    for (long i = 0; i < iterations; i++) {
        struct ent_ctx *ctx = NULL;
        if (ent_ctx_new(app, wall, &ctx) < 0)
            return -1;
        ent_ctx_set_principal(ctx, &admin);
        struct ent_eval_answer out;
        struct ent_error err;
        int rc = ENT_OK;
        if (n == 0) { /* ofrep_bulk_tag */
            struct ent_ofrep_bulk bulk;
            rc = ent_ofrep_evaluate_all(ctx, account, &bulk, &err);
            out = bulk.eval;
        } else {
            rc = ent_evaluation_run(ctx, account, features, n, ENT_TIME_NONE, false, &out, &err);
        }
        if (rc < 0) {
            fprintf(stderr, "bench_evaluate: %s %s\n", ent_error_name(err.code), err.message);
            ent_ctx_free(ctx);
            return -1;
        }
        granted += out.features[0].value;
        ent_ctx_free(ctx);
    }
    int64_t t1 = now_ns();
    if (granted < 0)
        puts("");
    return (double)(t1 - t0) / (double)iterations;
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_evaluate STORE_URL [ITERATIONS]\n");
        return 2;
    }
    long iterations = argc > 2 ? strtol(argv[2], NULL, 10) : 1000000;
    if (iterations < 1)
        iterations = 1;
    struct ent_config cfg = {.store_url = argv[1], .connections = 2};
    struct ent_app *app = NULL;
    struct ent_error err;
    if (ent_app_open(&cfg, &app, &err) < 0) {
        fprintf(stderr, "bench_evaluate: %s\n", err.message);
        return 1;
    }
    static const char *const ten[] = {"qt01", "me01", "sw01", "cu01", "rg01",
                                      "qt02", "sw02", "cu02", "rg02", "me02"};
    const char *account = "acct00042";
    /* Warm: the catalog and the account's snapshot are built by the first call. */
    if (run(app, account, ten, 10, 1000) < 0) {
        ent_app_close(app);
        return 1;
    }
    static const char *const plain[] = {"qt01", "qt02", "sw01", "sw02", "cu01",
                                        "cu02", "rg01", "rg02", "qt03", "sw03"};
    struct {
        const char *name;
        const char *const *features;
        size_t n;
    } cases[] = {
        {"evaluate_1", ten, 1},
        {"evaluate_10", ten, 10},
        {"evaluate_10_no_metered", plain, 10},
        {"ofrep_bulk_tag", NULL, 0}, /* OFREP (issue 14): the 304 path's work */
    };
    int failed = 0;
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        if (argc > 3 && strcmp(argv[3], cases[c].name) != 0)
            continue;
        struct ent_app_stats before, after;
        ent_app_stats(app, &before);
        double ns = run(app, account, cases[c].features, cases[c].n, iterations);
        ent_app_stats(app, &after);
        if (ns < 0)
            failed = 1;
        printf("%s\t%.0f\tns/op\t%.2f SQL statements/op\n", cases[c].name, ns,
               (double)(after.store_calls - before.store_calls) / (double)iterations);
    }
    ent_app_close(app);
    return failed;
}
