/* SPDX-License-Identifier: MIT */
/*
 * test_uuid.c: unit tests of core/uuid.c: the UUIDv7 layout (48-bit millisecond prefix,
 * version nibble 7, variant bits 10, the caller's random bytes everywhere else), the ordering
 * that the time prefix gives to ids made at increasing times, and the text-form check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/uuid.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t zeros[10];
static const uint8_t ones[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static void
uuid__v7__is_36_lower_case_characters_with_hyphens(void **state)
{
    (void)state;
    static const uint8_t random[10] = {0xAB, 0xCD, 0xEF, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE};
    char out[ENT_UUID_LEN + 1];
    memset(out, 'x', sizeof(out));
    ent_uuid_v7(1700000000000, random, out);
    assert_int_equal(strlen(out), ENT_UUID_LEN);
    for (size_t i = 0; i < ENT_UUID_LEN; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            assert_int_equal(out[i], '-');
        else
            assert_non_null(strchr("0123456789abcdef", out[i]));
    }
    assert_true(ent_uuid_is_valid(out));
}

static void
uuid__v7__has_version_7_and_variant_10(void **state)
{
    (void)state;
    const uint8_t *randoms[] = {zeros, ones};
    static const int64_t times[] = {0, 1, 1700000000000, 0xffffffffffffLL};
    for (size_t r = 0; r < ARRAY_LEN(randoms); r++) {
        for (size_t t = 0; t < ARRAY_LEN(times); t++) {
            char out[ENT_UUID_LEN + 1];
            ent_uuid_v7(times[t], randoms[r], out);
            assert_int_equal(out[14], '7');
            assert_non_null(strchr("89ab", out[19]));
        }
    }
    char out[ENT_UUID_LEN + 1];
    ent_uuid_v7(0, zeros, out);
    assert_string_equal(out, "00000000-0000-7000-8000-000000000000");
    ent_uuid_v7(0, ones, out);
    assert_string_equal(out, "00000000-0000-7fff-bfff-ffffffffffff");
}

static void
uuid__v7__starts_with_the_milliseconds_big_endian(void **state)
{
    (void)state;
    char out[ENT_UUID_LEN + 1];
    ent_uuid_v7(0x0123456789abLL, zeros, out);
    assert_memory_equal(out, "01234567-89ab-", 14);
    ent_uuid_v7(0xffffffffffffLL, zeros, out);
    assert_memory_equal(out, "ffffffff-ffff-", 14);
    ent_uuid_v7(1, zeros, out);
    assert_memory_equal(out, "00000000-0001-", 14);
}

static void
uuid__v7__keeps_the_random_bytes_outside_version_and_variant(void **state)
{
    (void)state;
    static const uint8_t random[10] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a};
    char out[ENT_UUID_LEN + 1];
    ent_uuid_v7(0, random, out);
    assert_string_equal(out, "00000000-0000-7102-8304-05060708090a");
}

static void
uuid__ids_made_at_increasing_ms__sort_increasingly_as_strings(void **state)
{
    (void)state;
    /* The earlier id gets the largest random bytes, the later the smallest: the time alone
     * must decide the order. */
    static const int64_t times[] = {0,
                                    1,
                                    2,
                                    255,
                                    256,
                                    1000,
                                    65535,
                                    65536,
                                    1700000000000,
                                    1700000000001,
                                    1700000001000,
                                    253402300799999, /* 9999-12-31T23:59:59.999Z */
                                    0xfffffffffffeLL,
                                    0xffffffffffffLL};
    char prev[ENT_UUID_LEN + 1];
    ent_uuid_v7(times[0], ones, prev);
    for (size_t i = 1; i < ARRAY_LEN(times); i++) {
        char next[ENT_UUID_LEN + 1];
        ent_uuid_v7(times[i], zeros, next);
        if (strcmp(prev, next) >= 0)
            fail_msg("%s (ms %lld) does not sort before %s (ms %lld)", prev,
                     (long long)times[i - 1], next, (long long)times[i]);
        ent_uuid_v7(times[i], ones, prev);
    }
}

static void
uuid__ids_made_in_the_same_ms__share_the_time_prefix(void **state)
{
    (void)state;
    char a[ENT_UUID_LEN + 1], b[ENT_UUID_LEN + 1];
    ent_uuid_v7(1700000000000, zeros, a);
    ent_uuid_v7(1700000000000, ones, b);
    assert_memory_equal(a, b, 14);
    assert_string_not_equal(a, b);
}

static void
uuid__packed_and_unpacked__gives_back_the_text(void **state)
{
    (void)state;
    static const char *const ids[] = {"00000000-0000-0000-0000-000000000000",
                                      "ffffffff-ffff-ffff-ffff-ffffffffffff",
                                      "0190a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5b"};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        uint8_t b[16];
        char back[37];
        assert_true(ent_uuid_pack(ids[i], b));
        ent_uuid_unpack(b, back);
        assert_string_equal(back, ids[i]);
    }
    uint8_t random[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, b[16];
    char id[37], back[37];
    ent_uuid_v7(1700000000123, random, id);
    assert_true(ent_uuid_pack(id, b));
    assert_int_equal(b[0], 0x01); /* the milliseconds, big-endian, come first */
    ent_uuid_unpack(b, back);
    assert_string_equal(back, id);
}

static void
uuid__pack__refuses_all_but_canonical_lower_case(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "0190A2B3-C4D5-7E6F-8A9B-0C1D2E3F4A5B",  /* upper case: would not unpack the same */
        "0190a2b3c4d57e6f8a9b0c1d2e3f4a5b",      /* no hyphens */
        "0190a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5",   /* short */
        "0190a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5b0", /* long */
        "0190a2b3-c4d5-7e6f-8a9b_0c1d2e3f4a5b",  /* another separator */
        "0190a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5g",  /* not hex */
        "ENT-000001",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t b[16];
        assert_false(ent_uuid_pack(bad[i], b));
    }
    assert_false(ent_uuid_pack(NULL, (uint8_t[16]){0}));
}

static void
uuid__is_valid__accepts_any_version_in_either_case(void **state)
{
    (void)state;
    assert_true(ent_uuid_is_valid("00000000-0000-0000-0000-000000000000"));
    assert_true(ent_uuid_is_valid("0189b6f2-7c1a-7cde-8f00-123456789abc"));
    assert_true(ent_uuid_is_valid("0189B6F2-7C1A-7CDE-8F00-123456789ABC"));
    assert_true(ent_uuid_is_valid("550e8400-e29b-41d4-a716-446655440000")); /* version 4 */
    assert_true(ent_uuid_is_valid("ffffffff-ffff-ffff-ffff-ffffffffffff"));
}

static void
uuid__is_valid__refuses_other_text(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "0189b6f2-7c1a-7cde-8f00-123456789ab",   /* 35 characters */
        "0189b6f2-7c1a-7cde-8f00-123456789abcd", /* 37 characters */
        "0189b6f27c1a7cde8f00123456789abc",      /* no hyphens */
        "0189b6f2-7c1a-7cde-8f00_123456789abc",  /* wrong separator */
        "0189b6f2-7c1a7-cde-8f00-123456789abc",  /* hyphen misplaced */
        "0189b6f-27c1a-7cde-8f00-123456789abc",
        "0189b6g2-7c1a-7cde-8f00-123456789abc", /* not hex */
        "{0189b6f2-7c1a-7cde-8f00-123456789a}",
        " 0189b6f2-7c1a-7cde-8f00-123456789ab",
        "0189b6f2-7c1a-7cde-8f00-123456789ab ",
        "------------------------------------",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        if (ent_uuid_is_valid(bad[i]))
            fail_msg("\"%s\" was accepted", bad[i]);
    }
    assert_false(ent_uuid_is_valid(NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uuid__v7__is_36_lower_case_characters_with_hyphens),
        cmocka_unit_test(uuid__packed_and_unpacked__gives_back_the_text),
        cmocka_unit_test(uuid__pack__refuses_all_but_canonical_lower_case),
        cmocka_unit_test(uuid__v7__has_version_7_and_variant_10),
        cmocka_unit_test(uuid__v7__starts_with_the_milliseconds_big_endian),
        cmocka_unit_test(uuid__v7__keeps_the_random_bytes_outside_version_and_variant),
        cmocka_unit_test(uuid__ids_made_at_increasing_ms__sort_increasingly_as_strings),
        cmocka_unit_test(uuid__ids_made_in_the_same_ms__share_the_time_prefix),
        cmocka_unit_test(uuid__is_valid__accepts_any_version_in_either_case),
        cmocka_unit_test(uuid__is_valid__refuses_other_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
