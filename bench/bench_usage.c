/* SPDX-License-Identifier: MIT */
/*
 * bench_usage.c: nanoseconds per usage event recorded through the library (include/entitled.h
 * alone): the store's usage path (one write transaction per event, synchronous=FULL), enforced
 * and not, and a batch of 100 events per call.
 *
 * Usage: bench_usage STORE_URL [EVENTS [CASE]]   (a store filled by bench/gen_dataset.py;
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

/* Records events one by one (batch 1) or 100 per call; returns ns per event, or -1. */
static double
run(struct ent_app *app, long events, bool enforce, size_t batch)
{
    struct ent_principal admin = {.scope = ENT_SCOPE_ADMIN};
    static char accounts[100][16];
    struct ent_usage_input in[100];
    struct ent_usage_result out[100];
    struct ent_error errs[100];
    int64_t t0 = now_ns();
    for (long done = 0; done < events; done += (long)batch) {
        struct ent_ctx *ctx = NULL;
        if (ent_ctx_new(app, (int64_t)time(NULL) * 1000, &ctx) < 0)
            return -1;
        ent_ctx_set_principal(ctx, &admin);
        for (size_t i = 0; i < batch; i++) {
            snprintf(accounts[i], sizeof(accounts[i]), "acct%05ld", (done + (long)i) % 10000);
            in[i] = (struct ent_usage_input){.account = accounts[i],
                                             .feature = "me01",
                                             .amount = 1,
                                             .timestamp_ms = ENT_TIME_NONE,
                                             .enforce = enforce};
        }
        struct ent_error err;
        int rc = batch == 1 ? ent_usage_record(ctx, &in[0], &out[0], &err)
                            : ent_usage_record_batch(ctx, in, batch, out, errs, &err);
        ent_ctx_free(ctx);
        if (rc < 0) {
            fprintf(stderr, "bench_usage: %s %s\n", ent_error_name(err.code), err.message);
            return -1;
        }
    }
    return (double)(now_ns() - t0) / (double)events;
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_usage STORE_URL [EVENTS]\n");
        return 2;
    }
    long events = argc > 2 ? strtol(argv[2], NULL, 10) : 20000;
    if (events < 100)
        events = 100;
    struct ent_config cfg = {.store_url = argv[1], .connections = 2};
    struct ent_app *app = NULL;
    struct ent_error err;
    if (ent_app_open(&cfg, &app, &err) < 0) {
        fprintf(stderr, "bench_usage: %s\n", err.message);
        return 1;
    }
    struct {
        const char *name;
        bool enforce;
        size_t batch;
        const char *unit;
    } cases[] = {
        {"usage_record", false, 1, "ns/op"},
        {"usage_record_enforced", true, 1, "ns/op"},
        {"usage_batch100_enforced", true, 100, "ns/event"},
    };
    int failed = 0;
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        if (argc > 3 && strcmp(argv[3], cases[c].name) != 0)
            continue;
        double ns = run(app, events, cases[c].enforce, cases[c].batch);
        if (ns < 0)
            failed = 1;
        printf("%s\t%.0f\t%s\n", cases[c].name, ns, cases[c].unit);
    }
    ent_app_close(app);
    return failed;
}
