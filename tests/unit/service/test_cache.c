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

#include "app_fixture.h"
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
    fx->app = ent_test_app_open("cache", fx->dir, (struct ent_config){.connections = 2});
    struct ent_error err;
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
    struct ent_entitlement e = {.account = "acme",
                                .feature = "calls",
                                .value = "1000",
                                .start_ms = ENT_TIME_NONE,
                                .end_ms = ENT_TIME_NONE,
                                .permanent = true};
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
    ent_test_app_close("test_cache", fx->app, fx->dir);
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
    assert_int_equal(ent_evaluation_run(ctx, "acme", features, 1, ENT_TIME_NONE, false, &out, &err),
                     ENT_OK);
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
    struct ent_usage_input in = {.account = "acme",
                                 .feature = "calls",
                                 .amount = amount,
                                 .timestamp_ms = ENT_TIME_NONE,
                                 .enforce = true};
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

/*
 * Twenty entitlements of one feature each (switches, quantities with a quantity and an end,
 * hourly metered features), made at now_ms for account "twenty". OUT ids, in feature order.
 */
static void
make_twenty(struct fixture *fx, int64_t now_ms, char ids[20][37])
{
    struct ent_ctx *ctx = ctx_at(fx, now_ms);
    struct ent_error err;
    struct ent_account a = {.key = "twenty", .name = "Twenty"}, made_a;
    assert_int_equal(ent_accounts_create(ctx, &a, &made_a, &err), ENT_OK);
    for (int i = 0; i < 20; i++) {
        char key[8];
        snprintf(key, sizeof(key), "f%02d", i);
        struct ent_feature f = {.key = key, .name = key, .type = ENT_FEATURE_SWITCH};
        const char *value = "true";
        if (i % 4 == 0) {
            f.type = ENT_FEATURE_METERED;
            f.unit = "call";
            f.reset_period = ENT_PERIOD_HOUR;
            value = "1000";
        } else if (i % 4 == 1) {
            static struct ent_level levels[] = {{.value = "5"}, {.value = "20"}};
            f.type = ENT_FEATURE_QUANTITY;
            f.unit = "seat";
            f.levels = levels;
            f.n_levels = 2;
            value = "20";
        }
        struct ent_feature made_f;
        assert_int_equal(ent_features_create(ctx, &f, &made_f, &err), ENT_OK);
        struct ent_entitlement e = {.account = "twenty",
                                    .feature = key,
                                    .value = value,
                                    .start_ms = ENT_TIME_NONE,
                                    .end_ms = ENT_TIME_NONE};
        if (i % 4 == 1) {
            e.quantity = 3;
            e.start_ms = now_ms - 1000;
            e.end_ms = now_ms + 365 * 24 * HOUR_MS;
        } else {
            e.permanent = true;
        }
        struct ent_entitlement made_e;
        assert_int_equal(ent_entitlements_create(ctx, &e, &made_e, &err), ENT_OK);
        memcpy(ids[i], made_e.id, 37);
    }
    ent_ctx_free(ctx);
}

/* Evaluates f00 … f19 of "twenty" at now_ms, explained or not. OUT out (in ctx). */
static void
evaluate_twenty(struct ent_ctx *ctx, bool explain, struct ent_eval_answer *out)
{
    static const char *const features[] = {"f00", "f01", "f02", "f03", "f04", "f05", "f06",
                                           "f07", "f08", "f09", "f10", "f11", "f12", "f13",
                                           "f14", "f15", "f16", "f17", "f18", "f19"};
    struct ent_error err;
    assert_int_equal(
        ent_evaluation_run(ctx, "twenty", features, 20, ENT_TIME_NONE, explain, out, &err), ENT_OK);
    assert_int_equal(out->n_features, 20);
}

/*
 * The memory goal of docs/PERFORMANCE.md: the cached snapshot of an account of 20 separate
 * entitlements takes under 1 KiB, and answers them all; an explanation names each source from
 * a snapshot of its own, built for the call, which the cache neither keeps nor counts.
 */
static void
cache__twenty_entitlements__take_under_a_kib_and_explain_from_the_store(void **state)
{
    struct fixture *fx = *state;
    int64_t t = fx->hour + HOUR_MS / 2;
    char ids[20][37];
    make_twenty(fx, t, ids);
    struct ent_app_stats before = stats(fx);
    struct ent_ctx *ctx = ctx_at(fx, t + 1000);
    struct ent_eval_answer out;
    evaluate_twenty(ctx, false, &out);
    struct ent_app_stats cached = stats(fx);
    assert_int_equal(cached.cache_accounts - before.cache_accounts, 1);
    uint64_t bytes = cached.cache_bytes - before.cache_bytes;
    assert_true(bytes < 1024);
    assert_true(bytes > 128 + 20 * 12); /* the header and the grants at least */
    for (int i = 0; i < 20; i++) {
        const struct ent_feature_answer *a = &out.features[i];
        assert_true(a->value);
        assert_string_equal(a->reason, "granted");
        assert_null(a->sources);
        if (i % 4 == 1) {
            assert_int_equal(a->limit, 60); /* 20 x quantity 3 */
            assert_int_equal(a->expires_at_ms, t + 365 * 24 * HOUR_MS);
        } else if (i % 4 == 0) {
            assert_int_equal(a->limit, 1000);
        }
    }
    ent_ctx_free(ctx);

    ctx = ctx_at(fx, t + 2000);
    evaluate_twenty(ctx, true, &out);
    for (int i = 0; i < 20; i++) {
        const struct ent_feature_answer *a = &out.features[i];
        assert_int_equal(a->n_sources, 1);
        assert_string_equal(a->sources[0].entitlement_id, ids[i]);
        assert_null(a->sources[0].product);
        assert_int_equal(a->sources[0].source, ENT_SOURCE_MANUAL);
        assert_int_equal(a->sources[0].quantity, i % 4 == 1 ? 3 : 1);
        assert_int_equal(a->sources[0].start_ms, i % 4 == 1 ? t - 1000 : t);
        assert_int_equal(a->sources[0].end_ms, i % 4 == 1 ? t + 365 * 24 * HOUR_MS : ENT_TIME_NONE);
    }
    ent_ctx_free(ctx);
    struct ent_app_stats explained = stats(fx);
    assert_int_equal(explained.cache_accounts, cached.cache_accounts);
    assert_int_equal(explained.cache_bytes, cached.cache_bytes);
    assert_int_equal(explained.cache_hits, cached.cache_hits); /* not looked up either */
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
        cmocka_unit_test_setup_teardown(
            cache__twenty_entitlements__take_under_a_kib_and_explain_from_the_store, setup,
            teardown),
        cmocka_unit_test_setup_teardown(cache__a_passed_window__is_built_again_once, setup,
                                        teardown),
        cmocka_unit_test(ctx__usage_announcements__read_back_what_was_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
