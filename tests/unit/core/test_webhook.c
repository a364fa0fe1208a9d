/* SPDX-License-Identifier: MIT */
/*
 * test_webhook.c: unit tests of core/webhook.c (issue 15): the retry schedule and its jitter,
 * event-type patterns and their matching, threshold crossings, the Standard Webhooks signed
 * content (with the specification's own example signature, computed here by a small HMAC-SHA256
 * written for the test), and the addresses a delivery may not reach.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/webhook.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void
webhook__backoff_first_retry__is_5_units_to_20_percent_more(void **state)
{
    (void)state;
    assert_int_equal(ent_webhook_backoff_ms(1, 13, 1000, 0), 5000);
    assert_true(ent_webhook_backoff_ms(1, 13, 1000, UINT32_MAX) <= 6000);
    assert_true(ent_webhook_backoff_ms(1, 13, 1000, UINT32_MAX) > 5990);
    assert_int_equal(ent_webhook_backoff_ms(1, 13, 1000, 1u << 31), 5500);
}

static void
webhook__backoff__grows_and_spans_more_than_three_days(void **state)
{
    (void)state;
    int64_t total = 0, prev = 0;
    for (int attempt = 1; attempt < 13; attempt++) {
        int64_t d = ent_webhook_backoff_ms(attempt, 13, 1000, 1u << 31);
        assert_true(d >= prev);
        prev = d;
        total += d;
    }
    assert_true(total > 3LL * 86400 * 1000);
    assert_true(ent_webhook_schedule_min_ms(13, 1000) > 3LL * 86400 * 1000);
}

static void
webhook__backoff_past_the_last_attempt__is_minus_one(void **state)
{
    (void)state;
    assert_int_equal(ent_webhook_backoff_ms(13, 13, 1000, 0), -1);
    assert_int_equal(ent_webhook_backoff_ms(3, 3, 1000, 0), -1);
    assert_int_equal(ent_webhook_backoff_ms(0, 13, 1000, 0), -1);
    assert_true(ent_webhook_backoff_ms(2, 3, 1000, 0) > 0);
}

static void
webhook__backoff_small_unit__scales_the_schedule(void **state)
{
    (void)state;
    assert_int_equal(ent_webhook_backoff_ms(1, 13, 1, 1u << 31), 5);
    assert_int_equal(ent_webhook_backoff_ms(2, 13, 1, 1u << 31), 330);
    assert_true(ent_webhook_backoff_ms(1, 13, 1, 0) >= 1);
}

static void
webhook__patterns__valid_and_invalid(void **state)
{
    (void)state;
    static const char *const good[] = {"*",       "entitlement.created",     "entitlement.*",
                                       "usage.*", "usage.threshold_crossed", "a",
                                       "a.b_c.d"};
    static const char *const bad[] = {"",    ".",   "a.",   ".a", "a..b", "A.b", "a.b*",
                                      "*.a", "a b", "a.**", ".*", "a/b",  "é.a", NULL};
    for (size_t i = 0; i < ARRAY_LEN(good); i++)
        assert_true(ent_webhook_pattern_valid(good[i]));
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        assert_false(ent_webhook_pattern_valid(bad[i]));
}

static void
webhook__matches__exact_prefix_all_and_none(void **state)
{
    (void)state;
    const char *const p[] = {"entitlement.*", "lease.expired"};
    assert_true(ent_webhook_matches(p, 2, "entitlement.created"));
    assert_true(ent_webhook_matches(p, 2, "entitlement.expired"));
    assert_true(ent_webhook_matches(p, 2, "lease.expired"));
    assert_false(ent_webhook_matches(p, 2, "lease.expiring"));
    assert_false(ent_webhook_matches(p, 2, "entitlements.created"));
    assert_false(ent_webhook_matches(p, 2, "entitlement"));
    assert_true(ent_webhook_matches(NULL, 0, "anything.at_all"));
    const char *const all[] = {"*"};
    assert_true(ent_webhook_matches(all, 1, "feature.created"));
}

static void
webhook__wants_timed__the_scheduler_s_events_alone(void **state)
{
    (void)state;
    const char *const created[] = {"entitlement.created", "usage.threshold_crossed"};
    assert_false(ent_webhook_wants_timed(created, 2));
    const char *const leases[] = {"account.*", "lease.*"};
    assert_true(ent_webhook_wants_timed(leases, 2));
    const char *const seats[] = {"seats.available"};
    assert_true(ent_webhook_wants_timed(seats, 1));
    const char *const reset[] = {"usage.window_reset"};
    assert_true(ent_webhook_wants_timed(reset, 1));
    const char *const all[] = {"*"};
    assert_true(ent_webhook_wants_timed(all, 1));
    assert_true(ent_webhook_wants_timed(NULL, 0)); /* no patterns: every type */
}

static void
webhook__crossed__upwards_only_each_threshold_once(void **state)
{
    (void)state;
    const int t[] = {80, 100};
    int out[4];
    assert_int_equal(ent_webhook_crossed(0, 79, 100, t, 2, out, 4), 0);
    assert_int_equal(ent_webhook_crossed(79, 80, 100, t, 2, out, 4), 1);
    assert_int_equal(out[0], 80);
    assert_int_equal(ent_webhook_crossed(80, 81, 100, t, 2, out, 4), 0);
    assert_int_equal(ent_webhook_crossed(70, 150, 100, t, 2, out, 4), 2);
    assert_int_equal(out[0], 80);
    assert_int_equal(out[1], 100);
    assert_int_equal(ent_webhook_crossed(150, 100, 100, t, 2, out, 4), 0); /* downwards */
    assert_int_equal(ent_webhook_crossed(0, 10, 0, t, 2, out, 4), 0);      /* no limit */
    /* 80 % of 3 is 2.4: crossed when usage reaches 3, not 2 */
    assert_int_equal(ent_webhook_crossed(1, 2, 3, t, 2, out, 4), 0);
    assert_int_equal(ent_webhook_crossed(2, 3, 3, t, 2, out, 4), 2);
    /* huge numbers do not overflow */
    assert_int_equal(ent_webhook_crossed(0, INT64_MAX, INT64_MAX, t, 2, out, 4), 2);
}

static void
webhook__signed_content__is_id_dot_timestamp_dot_body(void **state)
{
    (void)state;
    char out[128];
    const char body[] = "{\"test\": 2432232314}";
    size_t n = ent_webhook_signed_content("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body,
                                          strlen(body), out, sizeof(out));
    const char want[] = "msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{\"test\": 2432232314}";
    assert_int_equal(n, strlen(want));
    assert_string_equal(out, want);
    assert_int_equal(ent_webhook_signed_content("id", 1, body, strlen(body), out, 10), 0);
}

static void
webhook__addresses__private_ones_are_refused(void **state)
{
    (void)state;
    static const uint8_t v4_private[][4] = {
        {127, 0, 0, 1},   {10, 1, 2, 3}, {172, 16, 0, 1}, {172, 31, 9, 9}, {192, 168, 1, 1},
        {169, 254, 1, 1}, {0, 0, 0, 0},  {100, 64, 0, 1}, {224, 0, 0, 1},  {255, 255, 255, 255}};
    static const uint8_t v4_public[][4] = {{8, 8, 8, 8}, {172, 32, 0, 1}, {93, 184, 216, 34}};
    for (size_t i = 0; i < ARRAY_LEN(v4_private); i++)
        assert_true(ent_webhook_addr_is_private(4, v4_private[i]));
    for (size_t i = 0; i < ARRAY_LEN(v4_public); i++)
        assert_false(ent_webhook_addr_is_private(4, v4_public[i]));
    uint8_t v6[16] = {0};
    v6[15] = 1; /* ::1 */
    assert_true(ent_webhook_addr_is_private(6, v6));
    uint8_t link[16] = {0xfe, 0x80};
    assert_true(ent_webhook_addr_is_private(6, link));
    uint8_t ula[16] = {0xfd, 0x12};
    assert_true(ent_webhook_addr_is_private(6, ula));
    uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};
    assert_true(ent_webhook_addr_is_private(6, mapped));
    uint8_t global[16] = {0x26, 0x06, 0x28, 0x00};
    assert_false(ent_webhook_addr_is_private(6, global));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(webhook__backoff_first_retry__is_5_units_to_20_percent_more),
        cmocka_unit_test(webhook__backoff__grows_and_spans_more_than_three_days),
        cmocka_unit_test(webhook__backoff_past_the_last_attempt__is_minus_one),
        cmocka_unit_test(webhook__backoff_small_unit__scales_the_schedule),
        cmocka_unit_test(webhook__patterns__valid_and_invalid),
        cmocka_unit_test(webhook__matches__exact_prefix_all_and_none),
        cmocka_unit_test(webhook__wants_timed__the_scheduler_s_events_alone),
        cmocka_unit_test(webhook__crossed__upwards_only_each_threshold_once),
        cmocka_unit_test(webhook__signed_content__is_id_dot_timestamp_dot_body),
        cmocka_unit_test(webhook__addresses__private_ones_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
