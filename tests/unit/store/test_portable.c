/* SPDX-License-Identifier: MIT */
/*
 * test_portable.c: the portable form's tables and the SQL both backends share (store/portable.c):
 * every table named once, parents before children, the load statement of each kind of table,
 * the dump's filters and order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "store/portable.h"

static size_t
position(const char *name)
{
    const struct ent_portable_table *t = ent_portable_named(name);
    assert_non_null(t);
    return (size_t)(t - ent_portable_tables);
}

static void
test_tables_come_parents_first(void **state)
{
    (void)state;
    assert_true(position("features") < position("feature_levels"));
    assert_true(position("products") < position("product_entitlements"));
    assert_true(position("accounts") < position("orders"));
    assert_true(position("orders") < position("order_line_items"));
    assert_true(position("leases") < position("entitlements"));
    assert_true(position("entitlements") < position("activations"));
    assert_true(position("features") < position("usage_events"));
    assert_null(ent_portable_named("schema_migrations"));
    for (size_t i = 0; i < ent_portable_tables_count; i++) {
        size_t w = ent_portable_width(&ent_portable_tables[i]);
        assert_true(w >= 2 && w < ENT_PORTABLE_COLUMNS_MAX);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(ent_portable_tables[i].name, ent_portable_tables[j].name);
    }
}

static void
test_load_sql_updates_or_keeps(void **state)
{
    (void)state;
    char sql[4096];
    assert_true(ent_portable_load_sql(ent_portable_named("features"), "?", sql, sizeof(sql)) > 0);
    assert_non_null(strstr(sql, "INSERT INTO features (id, key, name,"));
    assert_non_null(strstr(sql, "VALUES (?1, ?2, ?3,"));
    assert_non_null(strstr(sql, "ON CONFLICT (id) DO UPDATE SET key = excluded.key"));
    assert_null(strstr(sql, "id = excluded.id"));
    /* the audit log is never changed by a load */
    assert_true(ent_portable_load_sql(ent_portable_named("events"), "$", sql, sizeof(sql)) > 0);
    assert_non_null(strstr(sql, "VALUES ($1, $2,"));
    assert_non_null(strstr(sql, "ON CONFLICT (id) DO NOTHING"));
    /* seq is the row's number, not updated by its key */
    assert_true(ent_portable_load_sql(ent_portable_named("orders"), "?", sql, sizeof(sql)) > 0);
    assert_null(strstr(sql, "seq = excluded.seq"));
    assert_non_null(strstr(sql, "ON CONFLICT (id) DO UPDATE SET account_id ="));
    assert_int_equal(ent_portable_load_sql(ent_portable_named("features"), "?", sql, 40), -1);
}

static void
test_dump_sql_filters_and_orders(void **state)
{
    (void)state;
    char sql[4096];
    assert_true(
        ent_portable_dump_sql(ent_portable_named("settings"), false, "?1", sql, sizeof(sql)) > 0);
    assert_non_null(strstr(sql, "WHERE name <> 'catalog_version' ORDER BY name"));
    assert_true(ent_portable_dump_sql(ent_portable_named("usage_events"), true, "$1", sql,
                                      sizeof(sql)) > 0);
    assert_non_null(strstr(sql, "WHERE created_ms >= $1 ORDER BY seq"));
    assert_true(
        ent_portable_dump_sql(ent_portable_named("accounts"), true, "?1", sql, sizeof(sql)) > 0);
    assert_non_null(strstr(sql, "WITH RECURSIVE depth"));
    assert_non_null(strstr(sql, "WHERE t.updated_ms >= ?1 ORDER BY depth.n, t.id"));
    /* a table whose rows do not tell their time is dumped whole */
    assert_true(ent_portable_dump_sql(ent_portable_named("feature_levels"), false, "?1", sql,
                                      sizeof(sql)) > 0);
    assert_null(strstr(sql, "WHERE"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables_come_parents_first),
        cmocka_unit_test(test_load_sql_updates_or_keeps),
        cmocka_unit_test(test_dump_sql_filters_and_orders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
