/* SPDX-License-Identifier: MIT */
/*
 * test_cors.c: which Origins may call the OFREP routes (src/http/cors.c): none by default, the
 * listed ones whole and case-insensitively, a trailing '/' in the list ignored, '*' for any.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/cors.h"

static void
cors__no_list__allows_none(void **state)
{
    (void)state;
    assert_false(ent_cors_allowed(NULL, "https://a.example"));
    assert_false(ent_cors_allowed("", "https://a.example"));
    assert_false(ent_cors_allowed("*", NULL));
    assert_false(ent_cors_allowed("*", ""));
}

static void
cors__list__matches_whole_origins(void **state)
{
    (void)state;
    const char *list = "https://a.example, https://B.example/ ,http://localhost:3000";
    assert_true(ent_cors_allowed(list, "https://a.example"));
    assert_true(ent_cors_allowed(list, "https://b.example"));
    assert_true(ent_cors_allowed(list, "http://localhost:3000"));
    assert_false(ent_cors_allowed(list, "https://a.example.evil"));
    assert_false(ent_cors_allowed(list, "https://a.exampl"));
    assert_false(ent_cors_allowed(list, "http://a.example"));
    assert_false(ent_cors_allowed(list, "http://localhost:30000"));
    assert_false(ent_cors_allowed(list, "null"));
}

static void
cors__star__allows_any(void **state)
{
    (void)state;
    assert_true(ent_cors_allowed("*", "https://anything.example"));
    assert_true(ent_cors_allowed("https://a.example,*", "https://x.example"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cors__no_list__allows_none),
        cmocka_unit_test(cors__list__matches_whole_origins),
        cmocka_unit_test(cors__star__allows_any),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
