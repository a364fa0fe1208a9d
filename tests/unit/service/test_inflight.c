/* SPDX-License-Identifier: MIT */
/*
 * test_inflight.c: the set of Idempotency-Keys being served now (src/service/inflight.c), alone:
 * it needs no application, no store and no request context, which is why it is a module of its
 * own below ctx.c and idempotency.c. A pair is in the set once; unmarking frees it for the next
 * request; pairs differ by both strings; an allocation that fails leaves the set as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "service/inflight.h"
#include <entitled.h>

static void
inflight__mark_twice__is_a_conflict_until_unmarked(void **state)
{
    (void)state;
    struct ent_inflight *set = ent_inflight_new();
    assert_non_null(set);
    assert_int_equal(ent_inflight_mark(set, "key-1", "order-42"), ENT_OK);
    assert_int_equal(ent_inflight_mark(set, "key-1", "order-42"), ENT_ECONFLICT);
    ent_inflight_unmark(set, "key-1", "order-42");
    assert_int_equal(ent_inflight_mark(set, "key-1", "order-42"), ENT_OK);
    ent_inflight_free(set);
}

static void
inflight__pairs__differ_by_key_id_and_by_idempotency_key(void **state)
{
    (void)state;
    struct ent_inflight *set = ent_inflight_new();
    assert_non_null(set);
    assert_int_equal(ent_inflight_mark(set, "key-1", "a"), ENT_OK);
    assert_int_equal(ent_inflight_mark(set, "key-2", "a"), ENT_OK);
    assert_int_equal(ent_inflight_mark(set, "key-1", "b"), ENT_OK);
    /* The two strings are kept apart: "key-1" + "ab" is not "key-1a" + "b". */
    assert_int_equal(ent_inflight_mark(set, "key-1a", "b"), ENT_OK);
    assert_int_equal(ent_inflight_mark(set, "key-1", "ab"), ENT_OK);
    ent_inflight_unmark(set, "key-2", "a");
    assert_int_equal(ent_inflight_mark(set, "key-1", "a"), ENT_ECONFLICT);
    assert_int_equal(ent_inflight_mark(set, "key-2", "a"), ENT_OK);
    ent_inflight_free(set); /* frees what is still marked */
}

static void
inflight__unmark_of_a_pair_not_in_the_set__changes_nothing(void **state)
{
    (void)state;
    struct ent_inflight *set = ent_inflight_new();
    assert_non_null(set);
    ent_inflight_unmark(set, "key-1", "a");
    assert_int_equal(ent_inflight_mark(set, "key-1", "a"), ENT_OK);
    ent_inflight_unmark(set, "key-1", "b");
    assert_int_equal(ent_inflight_mark(set, "key-1", "a"), ENT_ECONFLICT);
    ent_inflight_free(set);
}

static void
inflight__out_of_memory__is_enomem_and_marks_nothing(void **state)
{
    (void)state;
    ent_alloc_fail_after(0);
    assert_null(ent_inflight_new());
    ent_alloc_fail_after(-1);
    struct ent_inflight *set = ent_inflight_new();
    assert_non_null(set);
    ent_alloc_fail_after(0);
    assert_int_equal(ent_inflight_mark(set, "key-1", "a"), ENT_ENOMEM);
    ent_alloc_fail_after(-1);
    assert_int_equal(ent_inflight_mark(set, "key-1", "a"), ENT_OK);
    ent_inflight_free(set);
    ent_inflight_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(inflight__mark_twice__is_a_conflict_until_unmarked),
        cmocka_unit_test(inflight__pairs__differ_by_key_id_and_by_idempotency_key),
        cmocka_unit_test(inflight__unmark_of_a_pair_not_in_the_set__changes_nothing),
        cmocka_unit_test(inflight__out_of_memory__is_enomem_and_marks_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
