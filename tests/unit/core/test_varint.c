/* SPDX-License-Identifier: MIT */
/*
 * test_varint.c: unit tests of core/varint.c: the byte counts of LEB128 at each 7-bit boundary,
 * the round trip of every size (and of signed numbers through zigzag), the exact bytes of known
 * numbers, and the refusal of input that ends inside a number or runs past 64 bits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/varint.h"

static void
varint__bytes__grow_by_one_every_seven_bits(void **state)
{
    (void)state;
    uint8_t buf[ENT_VARINT_MAX];
    assert_int_equal(ent_varint_put(buf, 0), 1);
    for (int bits = 1; bits <= 64; bits++) {
        uint64_t largest = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
        assert_int_equal(ent_varint_put(buf, largest), (size_t)(bits + 6) / 7);
    }
}

static void
varint__put_then_get__gives_back_the_number(void **state)
{
    (void)state;
    static const uint64_t numbers[] = {0,
                                       1,
                                       127,
                                       128,
                                       300,
                                       16383,
                                       16384,
                                       UINT32_MAX,
                                       1764000000000,
                                       UINT64_MAX >> 1,
                                       UINT64_MAX - 1,
                                       UINT64_MAX};
    for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
        uint8_t buf[ENT_VARINT_MAX];
        size_t n = ent_varint_put(buf, numbers[i]);
        uint64_t v = 0;
        assert_int_equal(ent_varint_get(buf, n, &v), n);
        assert_true(v == numbers[i]);
    }
}

static void
varint__known_numbers__have_their_leb128_bytes(void **state)
{
    (void)state;
    uint8_t buf[ENT_VARINT_MAX];
    assert_int_equal(ent_varint_put(buf, 300), 2);
    assert_int_equal(buf[0], 0xac);
    assert_int_equal(buf[1], 0x02);
    assert_int_equal(ent_varint_put(buf, 127), 1);
    assert_int_equal(buf[0], 0x7f);
    assert_int_equal(ent_varint_put(buf, UINT64_MAX), 10);
    assert_int_equal(buf[9], 0x01);
}

static void
varint__get__refuses_a_cut_number_and_one_past_64_bits(void **state)
{
    (void)state;
    uint8_t buf[ENT_VARINT_MAX + 1];
    uint64_t v = 7;
    size_t n = ent_varint_put(buf, 1u << 20);
    assert_int_equal(ent_varint_get(buf, n - 1, &v), 0);
    assert_int_equal(ent_varint_get(buf, 0, &v), 0);
    memset(buf, 0xff, sizeof(buf)); /* never ends */
    assert_int_equal(ent_varint_get(buf, sizeof(buf), &v), 0);
    memset(buf, 0x80, 9);
    buf[9] = 0x02; /* the 65th bit */
    assert_int_equal(ent_varint_get(buf, 10, &v), 0);
    buf[9] = 0x01;
    assert_int_equal(ent_varint_get(buf, 10, &v), 10);
    assert_true(v == UINT64_C(1) << 63);
    assert_true(v != 7);
}

static void
zigzag__maps_small_signed_numbers_to_small_ones_and_back(void **state)
{
    (void)state;
    assert_true(ent_zigzag(0) == 0);
    assert_true(ent_zigzag(-1) == 1);
    assert_true(ent_zigzag(1) == 2);
    assert_true(ent_zigzag(-2) == 3);
    assert_true(ent_zigzag(INT64_MAX) == UINT64_MAX - 1);
    assert_true(ent_zigzag(INT64_MIN) == UINT64_MAX);
    static const int64_t numbers[] = {
        0,         1,         -1,           63, -64, 64, -65, 1764000000000, -1764000000000,
        INT64_MAX, INT64_MIN, INT64_MIN + 1};
    for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
        uint8_t buf[ENT_VARINT_MAX];
        size_t n = ent_varint_put(buf, ent_zigzag(numbers[i]));
        uint64_t v = 0;
        assert_int_equal(ent_varint_get(buf, n, &v), n);
        assert_true(ent_unzigzag(v) == numbers[i]);
    }
    uint8_t buf[ENT_VARINT_MAX];
    assert_int_equal(ent_varint_put(buf, ent_zigzag(-64)), 1);
    assert_int_equal(ent_varint_put(buf, ent_zigzag(-65)), 2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(varint__bytes__grow_by_one_every_seven_bits),
        cmocka_unit_test(varint__put_then_get__gives_back_the_number),
        cmocka_unit_test(varint__known_numbers__have_their_leb128_bytes),
        cmocka_unit_test(varint__get__refuses_a_cut_number_and_one_past_64_bits),
        cmocka_unit_test(zigzag__maps_small_signed_numbers_to_small_ones_and_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
