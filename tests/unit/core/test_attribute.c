/* SPDX-License-Identifier: MIT */
/*
 * test_attribute.c: unit tests of core/attribute.c: the members of an object's text (compact,
 * spaced, nested values, escapes, empty), what is not an object (refused before any member),
 * names compared without case, and the check of a value against each attribute type with its
 * normalisation (dates given as yyyy/MM/dd or YYYY-MM-DD kept as YYYY-MM-DD, numbers and
 * booleans given as strings kept as JSON ones), including the values each type refuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/attribute.h"
#include <entitled.h>

/* The member named name in text (asserting it is there). */
static struct ent_attribute_member
member(const char *text, const char *name)
{
    size_t pos = 0;
    struct ent_attribute_member m;
    while (ent_attribute_next(text, &pos, &m) == 1) {
        if (ent_attribute_named(&m, name))
            return m;
    }
    fail_msg("no member %s in %s", name, text);
    return m;
}

/* Asserts that the value of "v" in text is of type, normalised to normal ("" when kept). */
static void
expect_ok(enum ent_attribute_type type, const char *text, const char *normal)
{
    struct ent_attribute_member m = member(text, "v");
    char out[ENT_ATTRIBUTE_NORMAL_MAX];
    const char *why = ent_attribute_check(type, &m, out);
    if (why)
        fail_msg("%s refused: %s", text, why);
    assert_string_equal(out, normal);
}

/* Asserts that the value of "v" in text is not of type. */
static void
expect_refused(enum ent_attribute_type type, const char *text)
{
    struct ent_attribute_member m = member(text, "v");
    char out[ENT_ATTRIBUTE_NORMAL_MAX];
    if (!ent_attribute_check(type, &m, out))
        fail_msg("%s accepted as %s", text, ent_attribute_type_name(type));
}

static void
attribute__members__are_read_in_order_with_their_kinds(void **state)
{
    (void)state;
    const char *text = " { \"a\" : 1 , \"b\":\"x\\\"y\",\"c\":{\"d\":[1,{\"e\":null}]},"
                       "\"f\":true,\"g\":false,\"h\":null,\"i\":[] } ";
    static const struct {
        const char *name, *value;
        enum ent_json_kind kind;
    } want[] = {{"a", "1", ENT_JSON_NUMBER},
                {"b", "\"x\\\"y\"", ENT_JSON_STRING},
                {"c", "{\"d\":[1,{\"e\":null}]}", ENT_JSON_OBJECT},
                {"f", "true", ENT_JSON_TRUE},
                {"g", "false", ENT_JSON_FALSE},
                {"h", "null", ENT_JSON_NULL},
                {"i", "[]", ENT_JSON_ARRAY}};
    size_t pos = 0, k = 0;
    struct ent_attribute_member m;
    int got;
    while ((got = ent_attribute_next(text, &pos, &m)) == 1) {
        assert_true(k < sizeof(want) / sizeof(want[0]));
        assert_int_equal(m.name_len, strlen(want[k].name));
        assert_memory_equal(m.name, want[k].name, m.name_len);
        assert_int_equal(m.value_len, strlen(want[k].value));
        assert_memory_equal(m.value, want[k].value, m.value_len);
        assert_int_equal(m.kind, want[k].kind);
        k++;
    }
    assert_int_equal(got, 0);
    assert_int_equal(k, sizeof(want) / sizeof(want[0]));
}

static void
attribute__an_empty_object__has_no_member(void **state)
{
    (void)state;
    size_t pos = 0;
    struct ent_attribute_member m;
    assert_int_equal(ent_attribute_next("{}", &pos, &m), 0);
    pos = 0;
    assert_int_equal(ent_attribute_next(" { } ", &pos, &m), 0);
}

static void
attribute__what_is_no_object__is_refused_before_any_member(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",           "[]",          "1",          "{",         "{\"a\"}",      "{\"a\":}",
        "{\"a\":1,}", "{\"a\":1} x", "{a:1}",      "{\"a\":01}", "{\"a\":1.}",   "{\"a\":tru}",
        "{\"a\":\"\\q\"}",           "{\"a\":\"\\u12g4\"}",     "{\"a\":[1,]}", "{\"a\":\"x}",
        "{\"a\":1 \"b\":2}",         "{\"a\":-}",   "{\"a\":1e}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t pos = 0;
        struct ent_attribute_member m;
        if (ent_attribute_next(bad[i], &pos, &m) != -1)
            fail_msg("accepted as an object: %s", bad[i]);
    }
    /* nesting: 64 levels are a value, 65 are not */
    char deep[200] = "{\"a\":";
    size_t at = strlen(deep);
    memset(deep + at, '[', 65);
    memset(deep + at + 65, ']', 65);
    memcpy(deep + at + 130, "}", 2);
    size_t pos = 0;
    struct ent_attribute_member m;
    assert_int_equal(ent_attribute_next(deep, &pos, &m), -1);
}

static void
attribute__names__match_without_case(void **state)
{
    (void)state;
    struct ent_attribute_member m = member("{\"PO_Number\":1}", "po_number");
    assert_true(ent_attribute_named(&m, "PO_NUMBER"));
    assert_false(ent_attribute_named(&m, "po_numbe"));
    assert_false(ent_attribute_named(&m, "po_number2"));
}

static void
attribute__strings__are_strings_alone(void **state)
{
    (void)state;
    expect_ok(ENT_ATTRIBUTE_STRING, "{\"v\":\"anything\"}", "");
    expect_ok(ENT_ATTRIBUTE_STRING, "{\"v\":\"\"}", "");
    expect_refused(ENT_ATTRIBUTE_STRING, "{\"v\":1}");
    expect_refused(ENT_ATTRIBUTE_STRING, "{\"v\":true}");
    expect_refused(ENT_ATTRIBUTE_STRING, "{\"v\":{}}");
}

static void
attribute__numbers__given_as_strings_become_numbers(void **state)
{
    (void)state;
    expect_ok(ENT_ATTRIBUTE_NUMBER, "{\"v\":42}", "");
    expect_ok(ENT_ATTRIBUTE_NUMBER, "{\"v\":-1.5e3}", "");
    expect_ok(ENT_ATTRIBUTE_NUMBER, "{\"v\":\"42\"}", "42");
    expect_ok(ENT_ATTRIBUTE_NUMBER, "{\"v\":\"-0.25\"}", "-0.25");
    expect_refused(ENT_ATTRIBUTE_NUMBER, "{\"v\":\"4 2\"}");
    expect_refused(ENT_ATTRIBUTE_NUMBER, "{\"v\":\"12abc\"}");
    expect_refused(ENT_ATTRIBUTE_NUMBER, "{\"v\":\"\"}");
    expect_refused(ENT_ATTRIBUTE_NUMBER, "{\"v\":true}");
    expect_refused(ENT_ATTRIBUTE_NUMBER, "{\"v\":[1]}");
}

static void
attribute__booleans__given_as_strings_become_booleans(void **state)
{
    (void)state;
    expect_ok(ENT_ATTRIBUTE_BOOLEAN, "{\"v\":true}", "");
    expect_ok(ENT_ATTRIBUTE_BOOLEAN, "{\"v\":false}", "");
    expect_ok(ENT_ATTRIBUTE_BOOLEAN, "{\"v\":\"TRUE\"}", "true");
    expect_ok(ENT_ATTRIBUTE_BOOLEAN, "{\"v\":\"false\"}", "false");
    expect_refused(ENT_ATTRIBUTE_BOOLEAN, "{\"v\":\"yes\"}");
    expect_refused(ENT_ATTRIBUTE_BOOLEAN, "{\"v\":1}");
}

static void
attribute__dates__are_kept_as_iso_days(void **state)
{
    (void)state;
    expect_ok(ENT_ATTRIBUTE_DATE, "{\"v\":\"2026/03/01\"}", "\"2026-03-01\"");
    expect_ok(ENT_ATTRIBUTE_DATE, "{\"v\":\"2026-03-01\"}", "");
    expect_ok(ENT_ATTRIBUTE_DATE, "{\"v\":\"2024/02/29\"}", "\"2024-02-29\"");
    expect_refused(ENT_ATTRIBUTE_DATE, "{\"v\":\"2026/02/29\"}"); /* not a leap year */
    expect_refused(ENT_ATTRIBUTE_DATE, "{\"v\":\"2026/13/01\"}");
    expect_refused(ENT_ATTRIBUTE_DATE, "{\"v\":\"2026/3/1\"}");
    expect_refused(ENT_ATTRIBUTE_DATE, "{\"v\":\"2026-03/01\"}");
    expect_refused(ENT_ATTRIBUTE_DATE, "{\"v\":\"01/03/2026\"}");
    expect_refused(ENT_ATTRIBUTE_DATE, "{\"v\":\"2026-03-01T00:00:00Z\"}");
    expect_refused(ENT_ATTRIBUTE_DATE, "{\"v\":20260301}");
    expect_refused(ENT_ATTRIBUTE_DATE, "{\"v\":\"2026\\/03\\/01\"}"); /* escapes: not plain */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(attribute__members__are_read_in_order_with_their_kinds),
        cmocka_unit_test(attribute__an_empty_object__has_no_member),
        cmocka_unit_test(attribute__what_is_no_object__is_refused_before_any_member),
        cmocka_unit_test(attribute__names__match_without_case),
        cmocka_unit_test(attribute__strings__are_strings_alone),
        cmocka_unit_test(attribute__numbers__given_as_strings_become_numbers),
        cmocka_unit_test(attribute__booleans__given_as_strings_become_booleans),
        cmocka_unit_test(attribute__dates__are_kept_as_iso_days),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
