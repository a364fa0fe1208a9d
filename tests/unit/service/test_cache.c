/* SPDX-License-Identifier: MIT */
/*
 * test_cache.c: the snapshots evaluation reads (src/service/cache.c), through the library on a
 * SQLite store of its own, with the request times chosen by the test: a recorded event raises
 * the usage of the snapshot in memory (no rebuild, no SQL), and a snapshot whose usage window
 * has passed is built again at its first evaluation in the new window, which is then answered
 * from memory too. Counted with ent_app_stats (snapshots built, statements sent). Also the
 * announcement of a usage event other daemons read (ent_ctx_parse_usage).
 */
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

#include "service/ctx.h"
#include <entitled.h>

#define HOUR_MS 3600000LL

struct fixture {
    char dir[64];
    struct ent_app *app;
    int64_t hour; /* the start of an hour well in the past, in ms */
};

/* A context at time now_ms with an admin principal. */
static struct ent_ctx *
ctx_at(struct fixture *fx, int64_t now_ms)
{
    struct ent_ctx *ctx = NULL;
    assert_int_equal(ent_ctx_new(fx->app, now_ms, &ctx), ENT_OK);
    struct ent_principal admin = {.scope = ENT_SCOPE_ADMIN};
    ent_ctx_set_principal(ctx, &admin);
    return ctx;
}

/* An account granted 1000 calls an hour (metered "calls", reset hourly) from the day before. */
static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    assert_non_null(fx);
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/entitled-cache-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    char url[128];
    snprintf(url, sizeof(url), "sqlite:%s/entitled.db", fx->dir);
    struct ent_config cfg = {.store_url = url, .connections = 2};
    struct ent_error err;
    assert_int_equal(ent_app_open(&cfg, &fx->app, &err), ENT_OK);
    int64_t now = (int64_t)time(NULL) * 1000;
    fx->hour = now - now % HOUR_MS - 48 * HOUR_MS;

    struct ent_ctx *ctx = ctx_at(fx, fx->hour - 24 * HOUR_MS);
    struct ent_feature f = {.key = "calls",
                            .name = "Calls",
                            .type = ENT_FEATURE_METERED,
                            .unit = "call",
                            .reset_period = ENT_PERIOD_HOUR};
    struct ent_feature made_f;
    assert_int_equal(ent_features_create(ctx, &f, &made_f, &err), ENT_OK);
    struct ent_account a = {.key = "acme", .name = "Acme"};
    struct ent_account made_a;
    assert_int_equal(ent_accounts_create(ctx, &a, &made_a, &err), ENT_OK);
    struct ent_entitlement e = {
        .account = "acme", .feature = "calls", .value = "1000", .permanent = true};
    struct ent_entitlement made_e;
    assert_int_equal(ent_entitlements_create(ctx, &e, &made_e, &err), ENT_OK);
    ent_ctx_free(ctx);
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;
    ent_app_close(fx->app);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "test_cache: could not remove %s\n", fx->dir);
    free(fx);
    return 0;
}

/* The usage of "calls" the account is answered at now_ms. */
static int64_t
usage_at(struct fixture *fx, int64_t now_ms)
{
    struct ent_ctx *ctx = ctx_at(fx, now_ms);
    static const char *const features[] = {"calls"};
    struct ent_eval_answer out;
    struct ent_error err;
    assert_int_equal(ent_evaluation_run(ctx, "acme", features, 1, 0, false, &out, &err), ENT_OK);
    assert_int_equal(out.n_features, 1);
    assert_true(out.features[0].has_limit);
    assert_int_equal(out.features[0].limit, 1000);
    int64_t usage = out.features[0].usage;
    ent_ctx_free(ctx);
    return usage;
}

/* Records amount calls at now_ms. */
static void
record_at(struct fixture *fx, int64_t now_ms, int64_t amount)
{
    struct ent_ctx *ctx = ctx_at(fx, now_ms);
    struct ent_usage_input in = {
        .account = "acme", .feature = "calls", .amount = amount, .enforce = true};
    struct ent_usage_result out;
    struct ent_error err;
    assert_int_equal(ent_usage_record(ctx, &in, &out, &err), ENT_OK);
    assert_int_equal(out.status, 201);
    ent_ctx_free(ctx);
}

static struct ent_app_stats
stats(struct fixture *fx)
{
    struct ent_app_stats st;
    ent_app_stats(fx->app, &st);
    return st;
}

static void
cache__recorded_events__raise_the_usage_in_memory(void **state)
{
    struct fixture *fx = *state;
    int64_t t = fx->hour + HOUR_MS / 2;
    assert_int_equal(usage_at(fx, t), 0); /* builds the snapshot */
    struct ent_app_stats before = stats(fx);
    record_at(fx, t + 1000, 5);
    record_at(fx, t + 2000, 3);
    struct ent_app_stats mid = stats(fx);
    assert_int_equal(usage_at(fx, t + 3000), 8);
    struct ent_app_stats after = stats(fx);
    assert_int_equal(after.cache_misses, before.cache_misses); /* never built again */
    assert_int_equal(after.cache_usage_updates - before.cache_usage_updates, 2);
    assert_int_equal(after.store_calls, mid.store_calls); /* the evaluate sent no SQL */
}

static void
cache__a_passed_window__is_built_again_once(void **state)
{
    struct fixture *fx = *state;
    int64_t t = fx->hour + HOUR_MS / 2;
    record_at(fx, t, 7);
    assert_int_equal(usage_at(fx, t + 1000), 7);
    struct ent_app_stats before = stats(fx);
    int64_t next = fx->hour + HOUR_MS + 60000; /* a minute into the next hour */
    assert_int_equal(usage_at(fx, next), 0);   /* a new window: built again */
    struct ent_app_stats built = stats(fx);
    assert_int_equal(built.cache_misses - before.cache_misses, 1);
    assert_int_equal(usage_at(fx, next + 1000), 0); /* from memory: no miss, no SQL */
    struct ent_app_stats after = stats(fx);
    assert_int_equal(after.cache_misses, built.cache_misses);
    assert_int_equal(after.store_calls, built.store_calls);
    record_at(fx, next + 2000, 4);
    assert_int_equal(usage_at(fx, next + 3000), 4);
    assert_int_equal(stats(fx).cache_misses, built.cache_misses);
}

static void
ctx__usage_announcements__read_back_what_was_written(void **state)
{
    (void)state;
    char account[37], feature[37];
    int64_t start = 0, used = 0;
    const char *a = "0190a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5b",
               *f = "0190a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5c";
    char text[200];
    snprintf(text, sizeof(text), "%s %s %lld %lld", a, f, (long long)INT64_MIN, 42LL);
    assert_true(ent_ctx_parse_usage(text, account, feature, &start, &used));
    assert_string_equal(account, a);
    assert_string_equal(feature, f);
    assert_true(start == INT64_MIN);
    assert_int_equal(used, 42);
    static const char *const bad[] = {
        "",
        "only-an-account",
        "a f 1",
        "a f 1 2 3",
        "a f one 2",
        "a f 1 2x",
        "0190a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5b0 f 1 2", /* an id longer than 36 */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(ent_ctx_parse_usage(bad[i], account, feature, &start, &used));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(cache__recorded_events__raise_the_usage_in_memory, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(cache__a_passed_window__is_built_again_once, setup,
                                        teardown),
        cmocka_unit_test(ctx__usage_announcements__read_back_what_was_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
