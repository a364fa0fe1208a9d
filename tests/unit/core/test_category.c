/* SPDX-License-Identifier: MIT */
/*
 * test_category.c: unit tests of core/category.c, what a product's category means (seed 000):
 * which line items become entitlements, which products may grant features, which entitlements
 * are services with units.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/category.h"

static void
category__services__always_provision(void **state)
{
    (void)state;
    assert_true(ent_category_provisions(ENT_CATEGORY_PROFESSIONAL_SERVICES, 0));
    assert_true(ent_category_provisions(ENT_CATEGORY_PROFESSIONAL_SERVICES, 3));
    assert_true(ent_category_provisions(ENT_CATEGORY_CUSTOMER_SUPPORT, 0));
    assert_true(ent_category_provisions(ENT_CATEGORY_CUSTOMER_SUPPORT, 1));
}

static void
category__subscriptions__provision_only_when_they_grant_features(void **state)
{
    (void)state;
    assert_false(ent_category_provisions(ENT_CATEGORY_RECURRING_SERVICES, 0));
    assert_true(ent_category_provisions(ENT_CATEGORY_RECURRING_SERVICES, 1));
    assert_false(ent_category_provisions(ENT_CATEGORY_OTHER, 0));
    assert_true(ent_category_provisions(ENT_CATEGORY_OTHER, 100));
}

static void
category__physical_goods__never_provision_nor_grant(void **state)
{
    (void)state;
    assert_false(ent_category_provisions(ENT_CATEGORY_PHYSICAL_GOODS, 0));
    assert_false(ent_category_provisions(ENT_CATEGORY_PHYSICAL_GOODS, 2));
    assert_false(ent_category_may_grant(ENT_CATEGORY_PHYSICAL_GOODS));
    assert_true(ent_category_may_grant(ENT_CATEGORY_RECURRING_SERVICES));
    assert_true(ent_category_may_grant(ENT_CATEGORY_PROFESSIONAL_SERVICES));
    assert_true(ent_category_may_grant(ENT_CATEGORY_CUSTOMER_SUPPORT));
    assert_true(ent_category_may_grant(ENT_CATEGORY_OTHER));
}

static void
category__services__are_the_two_service_categories(void **state)
{
    (void)state;
    assert_true(ent_category_is_service(ENT_CATEGORY_PROFESSIONAL_SERVICES));
    assert_true(ent_category_is_service(ENT_CATEGORY_CUSTOMER_SUPPORT));
    assert_false(ent_category_is_service(ENT_CATEGORY_RECURRING_SERVICES));
    assert_false(ent_category_is_service(ENT_CATEGORY_PHYSICAL_GOODS));
    assert_false(ent_category_is_service(ENT_CATEGORY_OTHER));
    assert_false(ent_category_is_service((enum ent_category)0));
}

static void
category__values_that_are_no_category__provision_nothing(void **state)
{
    (void)state;
    assert_false(ent_category_provisions((enum ent_category)0, 5));
    assert_false(ent_category_provisions((enum ent_category)99, 5));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(category__services__always_provision),
        cmocka_unit_test(category__subscriptions__provision_only_when_they_grant_features),
        cmocka_unit_test(category__physical_goods__never_provision_nor_grant),
        cmocka_unit_test(category__services__are_the_two_service_categories),
        cmocka_unit_test(category__values_that_are_no_category__provision_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
