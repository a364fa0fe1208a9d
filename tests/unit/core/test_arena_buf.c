/* SPDX-License-Identifier: MIT */
/*
 * test_arena_buf.c: unit tests of core's memory modules: the request arena (core/arena.c:
 * 16-byte alignment, large one-off chunks, the cap, reuse after cleanup), the capped buffer
 * (core/buf.c: append, printf, the cap, release; a failed append leaves it empty), and the
 * allocator seam (core/alloc.c) whose ent_alloc_fail_after() makes allocations fail on
 * purpose. The three share a file because the arena and the buffer are where the seam's
 * failures show.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/buf.h"
#include <entitled.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Turns allocation failures off, whatever a test left behind. */
static int
reset_alloc(void **state)
{
    (void)state;
    ent_alloc_fail_after(-1);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Arena                                                                                       */
/* ------------------------------------------------------------------------------------------ */

static void
arena__allocations__are_aligned_to_16_and_disjoint(void **state)
{
    (void)state;
    struct ent_arena a;
    ent_arena_init(&a, 0);
    static const size_t sizes[] = {1, 3, 15, 16, 17, 31, 100, 1000, 2047, 2048, 3000, 1, 5000, 7};
    unsigned char *ptrs[ARRAY_LEN(sizes)];
    for (size_t i = 0; i < ARRAY_LEN(sizes); i++) {
        ptrs[i] = ent_arena_alloc(&a, sizes[i]);
        assert_non_null(ptrs[i]);
        assert_int_equal((uintptr_t)ptrs[i] % 16, 0);
        memset(ptrs[i], (int)(i + 1), sizes[i]);
    }
    for (size_t i = 0; i < ARRAY_LEN(sizes); i++) {
        for (size_t k = 0; k < sizes[i]; k++) {
            if (ptrs[i][k] != (unsigned char)(i + 1))
                fail_msg("allocation %zu was overwritten at byte %zu", i, k);
        }
    }
    ent_arena_cleanup(&a);
}

static void
arena__small_allocations__are_packed_in_one_chunk(void **state)
{
    (void)state;
    struct ent_arena a;
    ent_arena_init(&a, 0);
    char *p1 = ent_arena_alloc(&a, 1);
    char *p2 = ent_arena_alloc(&a, 16);
    char *p3 = ent_arena_alloc(&a, 17);
    char *p4 = ent_arena_alloc(&a, 1);
    assert_ptr_equal(p2, p1 + 16);
    assert_ptr_equal(p3, p2 + 16);
    assert_ptr_equal(p4, p3 + 32);
    assert_int_equal(a.total, 4096);
    ent_arena_cleanup(&a);
}

static void
arena__zero_bytes__still_gives_a_distinct_pointer(void **state)
{
    (void)state;
    struct ent_arena a;
    ent_arena_init(&a, 0);
    void *p = ent_arena_alloc(&a, 0);
    void *q = ent_arena_alloc(&a, 0);
    assert_non_null(p);
    assert_non_null(q);
    assert_ptr_not_equal(p, q);
    ent_arena_cleanup(&a);
}

static void
arena__large_one_off__gets_its_own_chunk_and_keeps_filling_the_current_one(void **state)
{
    (void)state;
    struct ent_arena a;
    ent_arena_init(&a, 0);
    char *small = ent_arena_alloc(&a, 8);
    assert_non_null(small);
    size_t before = a.total;
    char *big = ent_arena_alloc(&a, 200000);
    assert_non_null(big);
    assert_int_equal((uintptr_t)big % 16, 0);
    memset(big, 0x5a, 200000);
    assert_int_equal(a.total, before + 200000);
    /* The current chunk is still the one being filled. */
    char *next = ent_arena_alloc(&a, 8);
    assert_ptr_equal(next, small + 16);
    ent_arena_cleanup(&a);
}

static void
arena__large_first_allocation__is_served(void **state)
{
    (void)state;
    struct ent_arena a;
    ent_arena_init(&a, 0);
    unsigned char *big = ent_arena_alloc(&a, 3 << 20);
    assert_non_null(big);
    big[0] = 1;
    big[(3 << 20) - 1] = 2;
    assert_non_null(ent_arena_alloc(&a, 10));
    ent_arena_cleanup(&a);
}

static void
arena__over_the_cap__refuses_and_stays_usable(void **state)
{
    (void)state;
    struct ent_arena a;
    ent_arena_init(&a, 4096);
    assert_int_equal(a.cap, 4096);
    assert_null(ent_arena_alloc(&a, 4097));
    assert_int_equal(a.total, 0);
    void *all = ent_arena_alloc(&a, 4096);
    assert_non_null(all);
    assert_int_equal(a.total, 4096);
    assert_null(ent_arena_alloc(&a, 1)); /* the chunk is full and no other may be taken */
    assert_int_equal(a.total, 4096);
    ent_arena_cleanup(&a);
    assert_non_null(ent_arena_alloc(&a, 100)); /* the cap is kept, the space is back */
    ent_arena_cleanup(&a);
}

static void
arena__large_one_off_over_the_cap__is_refused(void **state)
{
    (void)state;
    struct ent_arena a;
    ent_arena_init(&a, 1 << 20);
    assert_non_null(ent_arena_alloc(&a, 64));
    assert_null(ent_arena_alloc(&a, 2 << 20));
    assert_non_null(ent_arena_alloc(&a, 64));
    ent_arena_cleanup(&a);
}

static void
arena__zero_cap__means_the_default_cap(void **state)
{
    (void)state;
    struct ent_arena a;
    ent_arena_init(&a, 0);
    assert_int_equal(a.cap, ENT_ARENA_DEFAULT_CAP);
    assert_null(ent_arena_alloc(&a, ENT_ARENA_DEFAULT_CAP + 1));
    ent_arena_cleanup(&a);
}

static void
arena__sizes_that_overflow__are_refused(void **state)
{
    (void)state;
    struct ent_arena a;
    ent_arena_init(&a, 0);
    assert_null(ent_arena_alloc(&a, SIZE_MAX));
    assert_null(ent_arena_alloc(&a, SIZE_MAX - 15));
    assert_null(ent_arena_calloc(&a, SIZE_MAX / 2, 4));
    assert_null(ent_arena_calloc(&a, 4, SIZE_MAX / 2));
    assert_int_equal(a.total, 0);
    ent_arena_cleanup(&a);
}

static void
arena__cleanup__frees_everything_and_the_arena_is_reusable(void **state)
{
    (void)state;
    struct ent_arena a;
    ent_arena_init(&a, 1 << 20);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 100; i++)
            assert_non_null(ent_arena_alloc(&a, 1000));
        assert_non_null(ent_arena_alloc(&a, 100000));
        assert_true(a.total > 0);
        ent_arena_cleanup(&a);
        assert_null(a.head);
        assert_int_equal(a.used, 0);
        assert_int_equal(a.total, 0);
        assert_int_equal(a.cap, 1 << 20);
    }
    ent_arena_cleanup(&a); /* twice is harmless */
}

static void
arena__calloc__gives_zeroed_memory(void **state)
{
    (void)state;
    struct ent_arena a;
    ent_arena_init(&a, 0);
    unsigned char *dirty = ent_arena_alloc(&a, 4000);
    memset(dirty, 0xaa, 4000);
    ent_arena_cleanup(&a);
    unsigned char *clean = ent_arena_calloc(&a, 100, 40);
    assert_non_null(clean);
    for (size_t i = 0; i < 4000; i++)
        assert_int_equal(clean[i], 0);
    ent_arena_cleanup(&a);
}

static void
arena__string_helpers__copy_and_terminate(void **state)
{
    (void)state;
    struct ent_arena a;
    ent_arena_init(&a, 0);
    assert_string_equal(ent_arena_strndup(&a, "abcdef", 3), "abc");
    assert_string_equal(ent_arena_strndup(&a, "", 0), "");
    const char *src = "copy me";
    char *copy = ent_arena_strdup(&a, src);
    assert_string_equal(copy, src);
    assert_ptr_not_equal(copy, src);
    assert_null(ent_arena_strdup(&a, NULL));
    assert_string_equal(ent_arena_printf(&a, "%d-%s-%03u", 7, "x", 5u), "7-x-005");
    ent_arena_cleanup(&a);
}

static void
arena__printf_longer_than_a_chunk__is_whole(void **state)
{
    (void)state;
    struct ent_arena a;
    ent_arena_init(&a, 0);
    char *s = ent_arena_printf(&a, "%10000d|", 42);
    assert_non_null(s);
    assert_int_equal(strlen(s), 10001);
    assert_memory_equal(s + 9998, "42|", 3);
    ent_arena_cleanup(&a);
}

/* ------------------------------------------------------------------------------------------ */
/* Allocation failures                                                                         */
/* ------------------------------------------------------------------------------------------ */

static void
alloc__failed_arena_allocation__returns_null_and_then_works_again(void **state)
{
    (void)state;
    struct ent_arena a;
    ent_arena_init(&a, 0);
    ent_alloc_fail_after(0);
    assert_null(ent_arena_alloc(&a, 100));
    assert_null(ent_arena_alloc(&a, 100)); /* failures persist until turned off */
    assert_null(ent_arena_printf(&a, "%s", "x"));
    assert_null(a.head);
    assert_int_equal(a.total, 0);
    ent_alloc_fail_after(-1);
    char *p = ent_arena_alloc(&a, 100);
    assert_non_null(p);
    memset(p, 1, 100);
    ent_arena_cleanup(&a);
}

static void
alloc__fail_after_n__lets_n_allocations_succeed_first(void **state)
{
    (void)state;
    struct ent_arena a;
    ent_arena_init(&a, 0);
    ent_alloc_fail_after(1);
    assert_non_null(ent_arena_alloc(&a, 16)); /* the first chunk: allowed */
    assert_null(ent_arena_alloc(&a, 200000)); /* a one-off chunk: fails */
    assert_non_null(ent_arena_alloc(&a, 16)); /* room in the head: no allocation */
    assert_int_equal(a.total, 4096);
    ent_alloc_fail_after(-1);
    assert_non_null(ent_arena_alloc(&a, 200000));
    ent_arena_cleanup(&a);
}

static void
alloc__fail_after__reports_the_allocations_made_since_the_last_call(void **state)
{
    (void)state;
    ent_alloc_fail_after(-1);
    void *p = ent_alloc(10);
    void *q = ent_calloc(2, 10);
    void *r = ent_realloc(NULL, 10);
    assert_int_equal(ent_alloc_fail_after(-1), 3);
    assert_int_equal(ent_alloc_fail_after(-1), 0);
    ent_free(p);
    ent_free(q);
    ent_free(r);
}

static void
alloc__seam_functions__behave_like_libc(void **state)
{
    (void)state;
    unsigned char *z = ent_calloc(8, 8);
    assert_non_null(z);
    for (size_t i = 0; i < 64; i++)
        assert_int_equal(z[i], 0);
    assert_null(ent_calloc(SIZE_MAX / 2, 4));

    char *s = ent_strndup("hello world", 5);
    assert_string_equal(s, "hello");

    ent_alloc_fail_after(0);
    assert_null(ent_alloc(1));
    assert_null(ent_strndup("x", 1));
    char *kept = ent_realloc(s, 4096);
    assert_null(kept);
    ent_alloc_fail_after(-1);
    assert_string_equal(s, "hello"); /* a failed realloc leaves p untouched */

    s = ent_realloc(s, 4096);
    assert_non_null(s);
    assert_string_equal(s, "hello");
    ent_free(s);
    ent_free(z);
    ent_free(NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Buffer                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static void
buf__new_buffer__is_empty_without_memory(void **state)
{
    (void)state;
    struct ent_buf b;
    ent_buf_init(&b, 100);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 100);
    ent_buf_cleanup(&b);
}

static void
buf__appends__concatenate_and_stay_terminated(void **state)
{
    (void)state;
    struct ent_buf b;
    ent_buf_init(&b, 1 << 20);
    assert_int_equal(ent_buf_append(&b, "abc", 3), ENT_OK);
    assert_int_equal(ent_buf_puts(&b, "def"), ENT_OK);
    assert_int_equal(ent_buf_printf(&b, "[%s=%d]", "n", 42), ENT_OK);
    assert_int_equal(ent_buf_append(&b, "", 0), ENT_OK);
    assert_string_equal(b.data, "abcdef[n=42]");
    assert_int_equal(b.len, 12);
    ent_buf_cleanup(&b);
}

static void
buf__append_of_binary_data__keeps_every_byte(void **state)
{
    (void)state;
    struct ent_buf b;
    ent_buf_init(&b, 64);
    assert_int_equal(ent_buf_append(&b, "a\0b", 3), ENT_OK);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "a\0b", 4);
    ent_buf_cleanup(&b);
}

static void
buf__growth_past_the_first_block__keeps_the_content(void **state)
{
    (void)state;
    struct ent_buf b;
    ent_buf_init(&b, 1 << 20);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(ent_buf_printf(&b, "%03d,", i), ENT_OK);
    assert_int_equal(b.len, 4000);
    assert_true(b.size > b.len);
    for (int i = 0; i < 1000; i++) {
        char expect[8];
        snprintf(expect, sizeof(expect), "%03d,", i);
        assert_memory_equal(b.data + 4 * i, expect, 4);
    }
    assert_int_equal(b.data[b.len], '\0');
    ent_buf_cleanup(&b);
}

static void
buf__append_up_to_the_cap__is_accepted(void **state)
{
    (void)state;
    struct ent_buf b;
    ent_buf_init(&b, 8);
    assert_int_equal(ent_buf_puts(&b, "1234"), ENT_OK);
    assert_int_equal(ent_buf_puts(&b, "5678"), ENT_OK);
    assert_string_equal(b.data, "12345678");
    assert_int_equal(b.len, 8);
    ent_buf_cleanup(&b);
}

static void
buf__append_past_the_cap__is_too_large_and_empties_the_buffer(void **state)
{
    (void)state;
    struct ent_buf b;
    ent_buf_init(&b, 8);
    assert_int_equal(ent_buf_puts(&b, "12345678"), ENT_OK);
    assert_int_equal(ent_buf_puts(&b, "9"), ENT_ETOOLARGE);
    assert_int_equal(b.len, 0);
    assert_true(b.data == NULL || b.data[0] == '\0');
    /* The buffer is usable again, with the same cap. */
    assert_int_equal(ent_buf_puts(&b, "x"), ENT_OK);
    assert_string_equal(b.data, "x");
    assert_int_equal(ent_buf_append(&b, "123456789", 9), ENT_ETOOLARGE);
    assert_int_equal(b.len, 0);
    ent_buf_cleanup(&b);
}

static void
buf__printf_past_the_cap__is_too_large_and_empties_the_buffer(void **state)
{
    (void)state;
    struct ent_buf b;
    ent_buf_init(&b, 10);
    assert_int_equal(ent_buf_puts(&b, "abc"), ENT_OK);
    assert_int_equal(ent_buf_printf(&b, "%08d", 1), ENT_ETOOLARGE);
    assert_int_equal(b.len, 0);
    assert_true(b.data == NULL || b.data[0] == '\0');
    ent_buf_cleanup(&b);
}

static void
buf__zero_cap__refuses_any_byte(void **state)
{
    (void)state;
    struct ent_buf b;
    ent_buf_init(&b, 0);
    assert_int_equal(ent_buf_puts(&b, "a"), ENT_ETOOLARGE);
    assert_int_equal(b.len, 0);
    ent_buf_cleanup(&b);
}

static void
buf__reset__empties_but_keeps_the_memory(void **state)
{
    (void)state;
    struct ent_buf b;
    ent_buf_init(&b, 100);
    assert_int_equal(ent_buf_puts(&b, "hello"), ENT_OK);
    char *data = b.data;
    ent_buf_reset(&b);
    assert_ptr_equal(b.data, data);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    assert_int_equal(ent_buf_puts(&b, "bye"), ENT_OK);
    assert_string_equal(b.data, "bye");
    ent_buf_cleanup(&b);
}

static void
buf__release__gives_the_data_away_and_empties_the_buffer(void **state)
{
    (void)state;
    struct ent_buf b;
    ent_buf_init(&b, 100);
    assert_int_equal(ent_buf_puts(&b, "payload"), ENT_OK);
    size_t len = 0;
    char *data = ent_buf_release(&b, &len);
    assert_non_null(data);
    assert_int_equal(len, 7);
    assert_string_equal(data, "payload");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 100);
    assert_int_equal(ent_buf_puts(&b, "again"), ENT_OK);
    assert_ptr_not_equal(b.data, data);
    ent_free(data);
    ent_buf_cleanup(&b);
}

static void
buf__release_of_empty_buffer__is_null(void **state)
{
    (void)state;
    struct ent_buf b;
    ent_buf_init(&b, 100);
    size_t len = 99;
    assert_null(ent_buf_release(&b, &len));
    assert_int_equal(len, 0);
    assert_null(ent_buf_release(&b, NULL));
}

static void
buf__cleanup_twice__is_harmless(void **state)
{
    (void)state;
    struct ent_buf b;
    ent_buf_init(&b, 100);
    assert_int_equal(ent_buf_puts(&b, "x"), ENT_OK);
    ent_buf_cleanup(&b);
    ent_buf_cleanup(&b);
    assert_null(b.data);
    assert_int_equal(b.cap, 100);
}

static void
buf__out_of_memory__is_enomem_and_empties_the_buffer(void **state)
{
    (void)state;
    struct ent_buf b;
    ent_buf_init(&b, 1 << 20);
    ent_alloc_fail_after(0);
    assert_int_equal(ent_buf_puts(&b, "abc"), ENT_ENOMEM);
    assert_int_equal(b.len, 0);
    ent_alloc_fail_after(-1);
    assert_int_equal(ent_buf_puts(&b, "abc"), ENT_OK);

    /* Growth fails: the buffer held 3 bytes in a 256-byte block, 300 more need a new one. */
    char chunk[300];
    memset(chunk, 'z', sizeof(chunk));
    ent_alloc_fail_after(0);
    assert_int_equal(ent_buf_append(&b, chunk, sizeof(chunk)), ENT_ENOMEM);
    assert_int_equal(b.len, 0);
    assert_true(b.data == NULL || b.data[0] == '\0');
    assert_int_equal(ent_buf_printf(&b, "%s", "x"), ENT_ENOMEM);
    ent_alloc_fail_after(-1);
    assert_int_equal(ent_buf_append(&b, chunk, sizeof(chunk)), ENT_OK);
    assert_int_equal(b.len, 300);
    ent_buf_cleanup(&b);
}

#define TEST(fn) cmocka_unit_test_teardown(fn, reset_alloc)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(arena__allocations__are_aligned_to_16_and_disjoint),
        TEST(arena__small_allocations__are_packed_in_one_chunk),
        TEST(arena__zero_bytes__still_gives_a_distinct_pointer),
        TEST(arena__large_one_off__gets_its_own_chunk_and_keeps_filling_the_current_one),
        TEST(arena__large_first_allocation__is_served),
        TEST(arena__over_the_cap__refuses_and_stays_usable),
        TEST(arena__large_one_off_over_the_cap__is_refused),
        TEST(arena__zero_cap__means_the_default_cap),
        TEST(arena__sizes_that_overflow__are_refused),
        TEST(arena__cleanup__frees_everything_and_the_arena_is_reusable),
        TEST(arena__calloc__gives_zeroed_memory),
        TEST(arena__string_helpers__copy_and_terminate),
        TEST(arena__printf_longer_than_a_chunk__is_whole),
        TEST(alloc__failed_arena_allocation__returns_null_and_then_works_again),
        TEST(alloc__fail_after_n__lets_n_allocations_succeed_first),
        TEST(alloc__fail_after__reports_the_allocations_made_since_the_last_call),
        TEST(alloc__seam_functions__behave_like_libc),
        TEST(buf__new_buffer__is_empty_without_memory),
        TEST(buf__appends__concatenate_and_stay_terminated),
        TEST(buf__append_of_binary_data__keeps_every_byte),
        TEST(buf__growth_past_the_first_block__keeps_the_content),
        TEST(buf__append_up_to_the_cap__is_accepted),
        TEST(buf__append_past_the_cap__is_too_large_and_empties_the_buffer),
        TEST(buf__printf_past_the_cap__is_too_large_and_empties_the_buffer),
        TEST(buf__zero_cap__refuses_any_byte),
        TEST(buf__reset__empties_but_keeps_the_memory),
        TEST(buf__release__gives_the_data_away_and_empties_the_buffer),
        TEST(buf__release_of_empty_buffer__is_null),
        TEST(buf__cleanup_twice__is_harmless),
        TEST(buf__out_of_memory__is_enomem_and_empties_the_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
