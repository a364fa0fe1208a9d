/* SPDX-License-Identifier: MIT */
/*
 * test_ratelimit.c: unit tests of http/ratelimit.c, the per-key token buckets. The clock is an
 * argument, so every test runs on made-up monotonic times: the burst of a fresh pair, refill by
 * elapsed time, Retry-After, independence of keys and classes, the unlimited cases, reclaiming
 * idle buckets when a stripe fills (the buckets kept must keep their state), failing open when
 * nothing can be reclaimed, and out-of-memory at creation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "http/ratelimit.h"
#include <entitled.h>

#define SEC 1000000000LL
#define T0 (1000 * SEC) /* an arbitrary start on the monotonic clock */

/* A limiter with these rates and table size; the test fails when it cannot be made. */
static struct ent_ratelimit *
limiter(unsigned evaluate, unsigned usage, unsigned admin, size_t buckets)
{
    struct ent_ratelimit_config cfg = {
        .rate_per_s =
            {[ENT_RATE_EVALUATE] = evaluate, [ENT_RATE_USAGE] = usage, [ENT_RATE_ADMIN] = admin},
        .buckets = buckets,
    };
    struct ent_ratelimit *rl = NULL;
    assert_int_equal(ent_ratelimit_new(&cfg, &rl), ENT_OK);
    assert_non_null(rl);
    return rl;
}

/* How many tokens (key, cls) grants in a row at time now, up to max. */
static unsigned
take_all(struct ent_ratelimit *rl, const char *key, enum ent_rate_class cls, int64_t now,
         unsigned max)
{
    unsigned n = 0, retry = 0;
    while (n < max && ent_ratelimit_take(rl, key, cls, now, &retry)) {
        assert_int_equal(retry, 0);
        n++;
    }
    return n;
}

/* ------------------------------------------------------------------------------------------ */

static void
ratelimit__fresh_key__may_burst_twice_its_rate_then_is_refused(void **state)
{
    (void)state;
    struct ent_ratelimit *rl = limiter(0, 0, 10, 0);
    assert_int_equal(take_all(rl, "k1", ENT_RATE_ADMIN, T0, 1000), 20);
    unsigned retry = 0;
    assert_false(ent_ratelimit_take(rl, "k1", ENT_RATE_ADMIN, T0, &retry));
    assert_int_equal(retry, 1);
    ent_ratelimit_free(rl);
}

static void
ratelimit__elapsed_time__refills_at_the_rate_up_to_the_burst(void **state)
{
    (void)state;
    struct ent_ratelimit *rl = limiter(0, 0, 10, 0);
    assert_int_equal(take_all(rl, "k1", ENT_RATE_ADMIN, T0, 1000), 20);
    /* 0.35 s at 10/s: three whole tokens. */
    assert_int_equal(take_all(rl, "k1", ENT_RATE_ADMIN, T0 + 350000000, 1000), 3);
    /* An hour later the bucket holds the burst, not more. */
    assert_int_equal(take_all(rl, "k1", ENT_RATE_ADMIN, T0 + 3600 * SEC, 1000), 20);
    ent_ratelimit_free(rl);
}

static void
ratelimit__a_clock_that_goes_back__earns_nothing(void **state)
{
    (void)state;
    struct ent_ratelimit *rl = limiter(0, 0, 10, 0);
    assert_int_equal(take_all(rl, "k1", ENT_RATE_ADMIN, T0, 1000), 20);
    assert_int_equal(take_all(rl, "k1", ENT_RATE_ADMIN, T0 - SEC, 1000), 0);
    assert_int_equal(take_all(rl, "k1", ENT_RATE_ADMIN, T0 + 100000000, 1000), 1);
    ent_ratelimit_free(rl);
}

static void
ratelimit__retry_after__is_whole_seconds_and_at_least_one(void **state)
{
    (void)state;
    struct ent_ratelimit *rl = limiter(0, 1, 1000, 0);
    unsigned retry = 0;
    assert_int_equal(take_all(rl, "k1", ENT_RATE_USAGE, T0, 1000), 2);
    assert_false(ent_ratelimit_take(rl, "k1", ENT_RATE_USAGE, T0, &retry));
    assert_int_equal(retry, 1);
    assert_int_equal(take_all(rl, "k1", ENT_RATE_ADMIN, T0, 5000), 2000);
    assert_false(ent_ratelimit_take(rl, "k1", ENT_RATE_ADMIN, T0, &retry));
    assert_int_equal(retry, 1); /* 1 ms to wait is still one whole second */
    ent_ratelimit_free(rl);
}

static void
ratelimit__another_key__has_its_own_bucket(void **state)
{
    (void)state;
    struct ent_ratelimit *rl = limiter(0, 0, 5, 0);
    assert_int_equal(take_all(rl, "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", ENT_RATE_ADMIN, T0, 100),
                     10);
    assert_int_equal(take_all(rl, "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c", ENT_RATE_ADMIN, T0, 100),
                     10);
    ent_ratelimit_free(rl);
}

static void
ratelimit__classes__are_independent(void **state)
{
    (void)state;
    struct ent_ratelimit *rl = limiter(3, 4, 5, 0);
    assert_int_equal(take_all(rl, "k1", ENT_RATE_ADMIN, T0, 100), 10);
    assert_int_equal(take_all(rl, "k1", ENT_RATE_USAGE, T0, 100), 8);
    assert_int_equal(take_all(rl, "k1", ENT_RATE_EVALUATE, T0, 100), 6);
    assert_int_equal(ent_ratelimit_count(rl), 3);
    ent_ratelimit_free(rl);
}

static void
ratelimit__rate_zero_none_class_and_null_limiter__always_allow(void **state)
{
    (void)state;
    struct ent_ratelimit *rl = limiter(0, 0, 1, 0);
    assert_int_equal(take_all(rl, "k1", ENT_RATE_EVALUATE, T0, 10000), 10000);
    assert_int_equal(take_all(rl, "k1", ENT_RATE_NONE, T0, 10000), 10000);
    assert_int_equal(take_all(NULL, "k1", ENT_RATE_ADMIN, T0, 10000), 10000);
    assert_int_equal(take_all(rl, NULL, ENT_RATE_ADMIN, T0, 10000), 2); /* no key id: "" */
    assert_int_equal(ent_ratelimit_count(rl), 1);
    ent_ratelimit_free(rl);
    ent_ratelimit_free(NULL);
}

static void
ratelimit__long_key_ids__are_compared_on_their_first_36_characters(void **state)
{
    (void)state;
    struct ent_ratelimit *rl = limiter(0, 0, 1, 0);
    assert_int_equal(
        take_all(rl, "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b-one", ENT_RATE_ADMIN, T0, 9), 2);
    assert_int_equal(
        take_all(rl, "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b-two", ENT_RATE_ADMIN, T0, 9), 0);
    ent_ratelimit_free(rl);
}

/*
 * A table of 16 buckets is one stripe that takes 12. Usage buckets (1/s) are emptied and stay
 * busy; admin buckets (1000/s) are touched once and are idle 2 ms later. When the stripe fills,
 * the sweep must drop exactly the idle ones and leave every busy one reachable, with its state.
 */
static void
ratelimit__full_stripe__reclaims_idle_buckets_and_keeps_the_busy_ones(void **state)
{
    (void)state;
    for (int round = 0; round < 20; round++) {
        struct ent_ratelimit *rl = limiter(0, 1, 1000, 16);
        char key[32];
        for (int k = 0; k < 6; k++) {
            snprintf(key, sizeof(key), "busy-%d-%d", round, k);
            assert_int_equal(take_all(rl, key, ENT_RATE_USAGE, T0, 10), 2);
            snprintf(key, sizeof(key), "idle-%d-%d", round, k);
            assert_int_equal(take_all(rl, key, ENT_RATE_ADMIN, T0, 1), 1);
        }
        assert_int_equal(ent_ratelimit_count(rl), 12);
        /* 1.5 s later: the busy buckets hold 1.5 tokens; a new pair sweeps the stripe. */
        int64_t later = T0 + 1500000000;
        assert_int_equal(take_all(rl, "newcomer", ENT_RATE_ADMIN, later, 1), 1);
        assert_int_equal(ent_ratelimit_count(rl), 7);
        for (int k = 0; k < 6; k++) {
            snprintf(key, sizeof(key), "busy-%d-%d", round, k);
            /* A lost bucket would start full again and grant 2. */
            assert_int_equal(take_all(rl, key, ENT_RATE_USAGE, later, 10), 1);
        }
        ent_ratelimit_free(rl);
    }
}

static void
ratelimit__full_stripe_with_nothing_idle__allows_new_pairs_untracked(void **state)
{
    (void)state;
    struct ent_ratelimit *rl = limiter(0, 1, 0, 16);
    char key[32];
    for (int k = 0; k < 12; k++) {
        snprintf(key, sizeof(key), "busy-%d", k);
        assert_int_equal(take_all(rl, key, ENT_RATE_USAGE, T0, 10), 2);
    }
    /* Nothing is idle: the new pair is let through, every time, and never stored. */
    assert_int_equal(take_all(rl, "newcomer", ENT_RATE_USAGE, T0, 50), 50);
    assert_int_equal(ent_ratelimit_count(rl), 12);
    /* Every busy pair is still limited. */
    for (int k = 0; k < 12; k++) {
        snprintf(key, sizeof(key), "busy-%d", k);
        assert_int_equal(take_all(rl, key, ENT_RATE_USAGE, T0, 10), 0);
    }
    /* Once they are idle (2 s at 1/s refills 2 tokens), the newcomer gets a bucket. */
    assert_int_equal(take_all(rl, "newcomer", ENT_RATE_USAGE, T0 + 3 * SEC, 50), 2);
    assert_int_equal(ent_ratelimit_count(rl), 1);
    ent_ratelimit_free(rl);
}

static void
ratelimit__many_keys__spread_over_the_stripes(void **state)
{
    (void)state;
    struct ent_ratelimit *rl = limiter(0, 0, 1, 4096);
    char key[48];
    for (int k = 0; k < 1500; k++) {
        snprintf(key, sizeof(key), "0193a1b2-c3d4-7e5f-8a9b-%012d", k);
        assert_int_equal(take_all(rl, key, ENT_RATE_ADMIN, T0, 10), 2);
    }
    assert_int_equal(ent_ratelimit_count(rl), 1500);
    for (int k = 0; k < 1500; k++) {
        snprintf(key, sizeof(key), "0193a1b2-c3d4-7e5f-8a9b-%012d", k);
        assert_int_equal(take_all(rl, key, ENT_RATE_ADMIN, T0, 10), 0);
    }
    ent_ratelimit_free(rl);
}

static void
ratelimit__out_of_memory__is_enomem_and_leaks_nothing(void **state)
{
    (void)state;
    struct ent_ratelimit_config cfg = {.rate_per_s = {[ENT_RATE_ADMIN] = 1}, .buckets = 64};
    for (long n = 0;; n++) {
        struct ent_ratelimit *rl = NULL;
        ent_alloc_fail_after(n);
        int rc = ent_ratelimit_new(&cfg, &rl);
        ent_alloc_fail_after(-1);
        if (rc == ENT_OK) {
            assert_non_null(rl);
            ent_ratelimit_free(rl);
            assert_true(n >= 3); /* the limiter, its stripes and its slots */
            break;
        }
        assert_int_equal(rc, ENT_ENOMEM);
        assert_null(rl);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ratelimit__fresh_key__may_burst_twice_its_rate_then_is_refused),
        cmocka_unit_test(ratelimit__elapsed_time__refills_at_the_rate_up_to_the_burst),
        cmocka_unit_test(ratelimit__a_clock_that_goes_back__earns_nothing),
        cmocka_unit_test(ratelimit__retry_after__is_whole_seconds_and_at_least_one),
        cmocka_unit_test(ratelimit__another_key__has_its_own_bucket),
        cmocka_unit_test(ratelimit__classes__are_independent),
        cmocka_unit_test(ratelimit__rate_zero_none_class_and_null_limiter__always_allow),
        cmocka_unit_test(ratelimit__long_key_ids__are_compared_on_their_first_36_characters),
        cmocka_unit_test(ratelimit__full_stripe__reclaims_idle_buckets_and_keeps_the_busy_ones),
        cmocka_unit_test(ratelimit__full_stripe_with_nothing_idle__allows_new_pairs_untracked),
        cmocka_unit_test(ratelimit__many_keys__spread_over_the_stripes),
        cmocka_unit_test(ratelimit__out_of_memory__is_enomem_and_leaks_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
