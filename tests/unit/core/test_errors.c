/* SPDX-License-Identifier: MIT */
/*
 * test_errors.c: unit tests of the error vocabulary (core/errors.c, generated from
 * ENT_ERROR_TABLE in entitled.h: distinct codes, internal codes that reveal nothing, the
 * filling of struct ent_error and its fixed field storage) and of the API's names of enums
 * (core/names.c), which must read back as the value they were written from.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <entitled.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct table_row {
    int code;
    const char *name;
    const char *type;
    int status;
    const char *title;
};

/* The table as the header declares it, expanded independently of errors.c. */
static const struct table_row table[] = {
#define TABLE_ROW(n, value, t, s, ti)                                                              \
    {.code = value, .name = #n, .type = t, .status = s, .title = ti},
    ENT_ERROR_TABLE(TABLE_ROW)
#undef TABLE_ROW
};

/* True when the row's problem type is "internal", which must never reveal detail. */
static bool
is_internal(const struct table_row *row)
{
    return strcmp(row->type, "internal") == 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The table                                                                                   */
/* ------------------------------------------------------------------------------------------ */

static void
errors__every_code__has_a_distinct_value(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(table); i++) {
        for (size_t j = 0; j < i; j++) {
            if (table[i].code == table[j].code)
                fail_msg("%s and %s share the value %d", table[i].name, table[j].name,
                         table[i].code);
        }
    }
}

static void
errors__every_code__has_a_distinct_name(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(table); i++) {
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(table[i].name, table[j].name);
    }
}

static void
errors__ok__is_zero_and_every_error_is_negative(void **state)
{
    (void)state;
    assert_int_equal(ENT_OK, 0);
    assert_string_equal(table[0].name, "OK");
    for (size_t i = 1; i < ARRAY_LEN(table); i++) {
        if (table[i].code >= 0)
            fail_msg("%s is %d, not negative", table[i].name, table[i].code);
    }
}

static void
errors__lookups__return_the_row_of_the_code(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(table); i++) {
        int code = table[i].code;
        assert_string_equal(ent_error_name(code), table[i].name);
        assert_string_equal(ent_error_type(code), table[i].type);
        assert_int_equal(ent_error_status(code), table[i].status);
        assert_string_equal(ent_error_title(code), table[i].title);
    }
    assert_string_equal(ent_error_name(ENT_EINVAL), "EINVAL");
    assert_string_equal(ent_error_type(ENT_EINVAL), "validation_failed");
    assert_int_equal(ent_error_status(ENT_EINVAL), 422);
    assert_int_equal(ent_error_status(ENT_ENOTFOUND), 404);
    assert_int_equal(ent_error_status(ENT_ETOOLARGE), 413);
}

static void
errors__internal_codes__map_to_type_internal_and_5xx(void **state)
{
    (void)state;
    static const int internal[] = {ENT_ENOMEM, ENT_ESTORE, ENT_EBUSY, ENT_EINTERNAL};
    for (size_t i = 0; i < ARRAY_LEN(internal); i++) {
        assert_string_equal(ent_error_type(internal[i]), "internal");
        assert_int_equal(ent_error_status(internal[i]), 500);
        assert_string_equal(ent_error_title(internal[i]), "Internal error");
    }
    assert_string_equal(ent_error_type(ENT_EUNAVAILABLE), "internal");
    assert_int_equal(ent_error_status(ENT_EUNAVAILABLE), 503);
    /* And the other way round: a 5xx is always internal, an internal type always 5xx. */
    for (size_t i = 0; i < ARRAY_LEN(table); i++) {
        bool server_status = table[i].status >= 500 && table[i].status <= 599;
        if (is_internal(&table[i]) != server_status)
            fail_msg("%s: type %s with status %d", table[i].name, table[i].type, table[i].status);
    }
}

static void
errors__client_codes__are_4xx_with_types_of_their_own(void **state)
{
    (void)state;
    for (size_t i = 1; i < ARRAY_LEN(table); i++) {
        if (is_internal(&table[i]))
            continue;
        if (table[i].status < 400 || table[i].status > 499)
            fail_msg("%s has status %d", table[i].name, table[i].status);
        for (size_t j = 1; j < i; j++) {
            if (!is_internal(&table[j]) && strcmp(table[i].type, table[j].type) == 0)
                fail_msg("%s and %s share the type %s", table[i].name, table[j].name,
                         table[i].type);
        }
    }
}

static void
errors__unknown_code__reads_as_internal(void **state)
{
    (void)state;
    static const int unknown[] = {1, 42, -99, -999, INT_MIN, INT_MAX};
    for (size_t i = 0; i < ARRAY_LEN(unknown); i++) {
        assert_string_equal(ent_error_name(unknown[i]), "EINTERNAL");
        assert_string_equal(ent_error_type(unknown[i]), "internal");
        assert_int_equal(ent_error_status(unknown[i]), 500);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* struct ent_error                                                                            */
/* ------------------------------------------------------------------------------------------ */

static void
errors__clear__resets_code_message_and_fields(void **state)
{
    (void)state;
    struct ent_error err;
    memset(&err, 0x5a, sizeof(err));
    ent_error_clear(&err);
    assert_int_equal(err.code, ENT_OK);
    assert_string_equal(err.message, "");
    assert_int_equal(err.n_fields, 0);
    assert_int_equal(err.n_dropped, 0);
    ent_error_clear(NULL);
}

static void
errors__set__records_code_and_message_and_returns_the_code(void **state)
{
    (void)state;
    struct ent_error err;
    ent_error_clear(&err);
    assert_int_equal(ent_error_set(&err, ENT_ECONFLICT, "key %s is taken", "pro"), ENT_ECONFLICT);
    assert_int_equal(err.code, ENT_ECONFLICT);
    assert_string_equal(err.message, "key pro is taken");
    assert_int_equal(ent_error_set(NULL, ENT_ENOTFOUND, "ignored"), ENT_ENOTFOUND);
}

static void
errors__set_with_a_long_message__truncates_it(void **state)
{
    (void)state;
    struct ent_error err;
    ent_error_clear(&err);
    char longer[400];
    memset(longer, 'm', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    ent_error_set(&err, ENT_EINVAL, "%s", longer);
    assert_int_equal(strlen(err.message), sizeof(err.message) - 1);
}

static void
errors__field__records_the_path_and_makes_the_code_invalid(void **state)
{
    (void)state;
    struct ent_error err;
    ent_error_clear(&err);
    int rc = ent_error_field(&err, "levels[2].value", "is not %s", "a whole number");
    assert_int_equal(rc, ENT_EINVAL);
    assert_int_equal(err.code, ENT_EINVAL);
    assert_string_equal(err.message, "the request has invalid fields");
    assert_int_equal(err.n_fields, 1);
    assert_string_equal(err.fields[0].field, "levels[2].value");
    assert_string_equal(err.fields[0].message, "is not a whole number");

    assert_int_equal(ent_error_field(&err, "reset_period", "is required"), ENT_EINVAL);
    assert_int_equal(err.n_fields, 2);
    assert_string_equal(err.fields[0].field, "levels[2].value");
    assert_string_equal(err.fields[1].field, "reset_period");
    assert_int_equal(err.n_dropped, 0);
}

static void
errors__field_after_another_code__keeps_that_code(void **state)
{
    (void)state;
    struct ent_error err;
    ent_error_clear(&err);
    ent_error_set(&err, ENT_ECONFLICT, "key taken");
    assert_int_equal(ent_error_field(&err, "key", "is taken"), ENT_EINVAL);
    assert_int_equal(err.code, ENT_ECONFLICT);
    assert_string_equal(err.message, "key taken");
    assert_int_equal(err.n_fields, 1);
}

static void
errors__field_with_null_error__returns_invalid(void **state)
{
    (void)state;
    assert_int_equal(ent_error_field(NULL, "x", "y"), ENT_EINVAL);
}

static void
errors__fields_past_the_maximum__are_counted_as_dropped(void **state)
{
    (void)state;
    struct ent_error err;
    ent_error_clear(&err);
    for (int i = 0; i < ENT_ERROR_MAX_FIELDS + 3; i++) {
        char field[32];
        snprintf(field, sizeof(field), "items[%d]", i);
        assert_int_equal(ent_error_field(&err, field, "bad %d", i), ENT_EINVAL);
    }
    assert_int_equal(err.n_fields, ENT_ERROR_MAX_FIELDS);
    assert_int_equal(err.n_dropped, 3);
    assert_string_equal(err.fields[0].field, "items[0]");
    assert_string_equal(err.fields[ENT_ERROR_MAX_FIELDS - 1].field, "items[7]");
    assert_string_equal(err.fields[ENT_ERROR_MAX_FIELDS - 1].message, "bad 7");
    ent_error_clear(&err);
    assert_int_equal(err.n_dropped, 0);
}

static void
errors__long_field_and_message__are_truncated_and_terminated(void **state)
{
    (void)state;
    struct ent_error err;
    ent_error_clear(&err);
    char longer[400];
    memset(longer, 'f', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    ent_error_field(&err, longer, "%s", longer);
    assert_int_equal(strlen(err.fields[0].field), sizeof(err.fields[0].field) - 1);
    assert_int_equal(strlen(err.fields[0].message), sizeof(err.fields[0].message) - 1);
}

/* ------------------------------------------------------------------------------------------ */
/* Names of enums (core/names.c)                                                               */
/* ------------------------------------------------------------------------------------------ */

/*
 * Every value from first on has a non-empty name that parses back as the value, in any case
 * (`ACTIVE`, seed 003), up to the first value without a name, which must lie beyond last (so
 * values added later are covered too).
 */
#define ASSERT_ROUND_TRIP(name_fn, parse_fn, first, last)                                          \
    do {                                                                                           \
        int v_ = (first);                                                                          \
        for (; v_ < 1000; v_++) {                                                                  \
            const char *n_ = name_fn(v_);                                                          \
            assert_non_null(n_);                                                                   \
            if (n_[0] == '\0')                                                                     \
                break;                                                                             \
            if ((int)parse_fn(n_) != v_)                                                           \
                fail_msg(#parse_fn "(\"%s\") is %d, not %d", n_, (int)parse_fn(n_), v_);           \
            char upper_[64];                                                                       \
            size_t k_ = 0;                                                                         \
            for (; n_[k_] && k_ < sizeof(upper_) - 1; k_++)                                        \
                upper_[k_] = (n_[k_] >= 'a' && n_[k_] <= 'z') ? (char)(n_[k_] - 32) : n_[k_];      \
            upper_[k_] = '\0';                                                                     \
            if ((int)parse_fn(upper_) != v_)                                                       \
                fail_msg(#parse_fn "(\"%s\") is %d, not %d", upper_, (int)parse_fn(upper_), v_);   \
        }                                                                                          \
        if (v_ <= (last))                                                                          \
            fail_msg(#name_fn "(%d) is empty", v_);                                                \
    } while (0)

/* Names nobody spelled parse as 0, and values far outside the enum have the empty name. */
#define ASSERT_UNKNOWN(name_fn, parse_fn)                                                          \
    do {                                                                                           \
        assert_int_equal(parse_fn(NULL), 0);                                                       \
        assert_int_equal(parse_fn(""), 0);                                                         \
        assert_int_equal(parse_fn("bogus"), 0);                                                    \
        assert_int_equal(parse_fn("(null)"), 0);                                                   \
        assert_string_equal(name_fn(99), "");                                                      \
        assert_string_equal(name_fn(-1), "");                                                      \
    } while (0)

static void
names__feature_types__round_trip(void **state)
{
    (void)state;
    ASSERT_ROUND_TRIP(ent_feature_type_name, ent_feature_type_parse, ENT_FEATURE_SWITCH,
                      ENT_FEATURE_METERED);
    ASSERT_UNKNOWN(ent_feature_type_name, ent_feature_type_parse);
    assert_string_equal(ent_feature_type_name(ENT_FEATURE_SWITCH), "switch");
    assert_string_equal(ent_feature_type_name(ENT_FEATURE_QUANTITY), "quantity");
    assert_string_equal(ent_feature_type_name(ENT_FEATURE_RANGE), "range");
    assert_string_equal(ent_feature_type_name(ENT_FEATURE_CUSTOM), "custom");
    assert_string_equal(ent_feature_type_name(ENT_FEATURE_METERED), "metered");
    assert_int_equal(ent_feature_type_parse("Switch"), ENT_FEATURE_SWITCH); /* any case */
    assert_int_equal(ent_feature_type_parse("METERED"), ENT_FEATURE_METERED);
    assert_int_equal(ent_feature_type_parse("switch "), 0); /* but the API's spelling */
    assert_int_equal(ent_feature_type_parse("sw itch"), 0);
}

static void
names__periods__round_trip(void **state)
{
    (void)state;
    ASSERT_ROUND_TRIP(ent_period_name, ent_period_parse, ENT_PERIOD_HOUR, ENT_PERIOD_NEVER);
    ASSERT_UNKNOWN(ent_period_name, ent_period_parse);
    assert_string_equal(ent_period_name(ENT_PERIOD_WEEK), "week");
    assert_string_equal(ent_period_name(ENT_PERIOD_NEVER), "never");
    assert_string_equal(ent_period_name(ENT_PERIOD_NONE), "");
}

static void
names__statuses__round_trip(void **state)
{
    (void)state;
    ASSERT_ROUND_TRIP(ent_status_name, ent_status_parse, ENT_STATUS_ACTIVE, ENT_STATUS_ARCHIVED);
    ASSERT_UNKNOWN(ent_status_name, ent_status_parse);
    assert_string_equal(ent_status_name(ENT_STATUS_ACTIVE), "active");
    assert_string_equal(ent_status_name(ENT_STATUS_ARCHIVED), "archived");
}

static void
names__categories__round_trip(void **state)
{
    (void)state;
    ASSERT_ROUND_TRIP(ent_category_name, ent_category_parse, ENT_CATEGORY_RECURRING_SERVICES,
                      ENT_CATEGORY_OTHER);
    ASSERT_UNKNOWN(ent_category_name, ent_category_parse);
    assert_string_equal(ent_category_name(ENT_CATEGORY_PHYSICAL_GOODS), "physical_goods");
}

static void
names__account_types__round_trip(void **state)
{
    (void)state;
    ASSERT_ROUND_TRIP(ent_account_type_name, ent_account_type_parse, ENT_ACCOUNT_CUSTOMER,
                      ENT_ACCOUNT_UNKNOWN);
    ASSERT_UNKNOWN(ent_account_type_name, ent_account_type_parse);
    assert_string_equal(ent_account_type_name(ENT_ACCOUNT_CHANNEL_PARTNER), "channel_partner");
    assert_string_equal(ent_account_type_name(ENT_ACCOUNT_UNKNOWN), "unknown");
}

static void
names__scopes__round_trip(void **state)
{
    (void)state;
    ASSERT_ROUND_TRIP(ent_scope_name, ent_scope_parse, ENT_SCOPE_ADMIN, ENT_SCOPE_ACCOUNT);
    ASSERT_UNKNOWN(ent_scope_name, ent_scope_parse);
    assert_string_equal(ent_scope_name(ENT_SCOPE_ADMIN), "admin");
    assert_string_equal(ent_scope_name(ENT_SCOPE_READ), "read");
    assert_string_equal(ent_scope_name(ENT_SCOPE_ACCOUNT), "account");
    assert_string_equal(ent_scope_name(ENT_SCOPE_NONE), "");
}

static void
names__order_types__round_trip(void **state)
{
    (void)state;
    ASSERT_ROUND_TRIP(ent_order_type_name, ent_order_type_parse, ENT_ORDER_TYPE_NEW,
                      ENT_ORDER_TYPE_UPSELL);
    ASSERT_UNKNOWN(ent_order_type_name, ent_order_type_parse);
    assert_string_equal(ent_order_type_name(ENT_ORDER_TYPE_RENEWAL), "renewal");
}

static void
names__order_statuses__round_trip(void **state)
{
    (void)state;
    ASSERT_ROUND_TRIP(ent_order_status_name, ent_order_status_parse, ENT_ORDER_DRAFT,
                      ENT_ORDER_ACTIVE);
    ASSERT_UNKNOWN(ent_order_status_name, ent_order_status_parse);
}

static void
names__sources__round_trip(void **state)
{
    (void)state;
    ASSERT_ROUND_TRIP(ent_source_name, ent_source_parse, ENT_SOURCE_ORDER, ENT_SOURCE_MANUAL);
    ASSERT_UNKNOWN(ent_source_name, ent_source_parse);
    assert_string_equal(ent_source_name(ENT_SOURCE_LEASE), "lease");
}

static void
names__entitlement_statuses__round_trip(void **state)
{
    (void)state;
    ASSERT_ROUND_TRIP(ent_entitlement_status_name, ent_entitlement_status_parse,
                      ENT_ENTITLEMENT_ACTIVE, ENT_ENTITLEMENT_EXPIRED);
    ASSERT_UNKNOWN(ent_entitlement_status_name, ent_entitlement_status_parse);
    assert_string_equal(ent_entitlement_status_name(ENT_ENTITLEMENT_PENDING), "pending");
}

static void
names__lease_statuses__round_trip(void **state)
{
    (void)state;
    ASSERT_ROUND_TRIP(ent_lease_status_name, ent_lease_status_parse, ENT_LEASE_ACTIVE,
                      ENT_LEASE_EXPIRED);
    ASSERT_UNKNOWN(ent_lease_status_name, ent_lease_status_parse);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(errors__every_code__has_a_distinct_value),
        cmocka_unit_test(errors__every_code__has_a_distinct_name),
        cmocka_unit_test(errors__ok__is_zero_and_every_error_is_negative),
        cmocka_unit_test(errors__lookups__return_the_row_of_the_code),
        cmocka_unit_test(errors__internal_codes__map_to_type_internal_and_5xx),
        cmocka_unit_test(errors__client_codes__are_4xx_with_types_of_their_own),
        cmocka_unit_test(errors__unknown_code__reads_as_internal),
        cmocka_unit_test(errors__clear__resets_code_message_and_fields),
        cmocka_unit_test(errors__set__records_code_and_message_and_returns_the_code),
        cmocka_unit_test(errors__set_with_a_long_message__truncates_it),
        cmocka_unit_test(errors__field__records_the_path_and_makes_the_code_invalid),
        cmocka_unit_test(errors__field_after_another_code__keeps_that_code),
        cmocka_unit_test(errors__field_with_null_error__returns_invalid),
        cmocka_unit_test(errors__fields_past_the_maximum__are_counted_as_dropped),
        cmocka_unit_test(errors__long_field_and_message__are_truncated_and_terminated),
        cmocka_unit_test(names__feature_types__round_trip),
        cmocka_unit_test(names__periods__round_trip),
        cmocka_unit_test(names__statuses__round_trip),
        cmocka_unit_test(names__categories__round_trip),
        cmocka_unit_test(names__account_types__round_trip),
        cmocka_unit_test(names__scopes__round_trip),
        cmocka_unit_test(names__order_types__round_trip),
        cmocka_unit_test(names__order_statuses__round_trip),
        cmocka_unit_test(names__sources__round_trip),
        cmocka_unit_test(names__entitlement_statuses__round_trip),
        cmocka_unit_test(names__lease_statuses__round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
