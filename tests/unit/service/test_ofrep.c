/* SPDX-License-Identifier: MIT */
/*
 * test_ofrep.c: the OFREP views of an evaluation (src/service/ofrep.c), alone, on answers made
 * by hand: the split of flag keys, the boolean, number, string and object views and which exist
 * for which type, the OpenFeature reasons and variants, the unlimited rule, the entity tag (it
 * changes with every field of an answer, and only then) and how library errors read in the
 * protocol.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <entitled.h>

/* A granted quantity answer: 20 users, 3 in use. */
static struct ent_feature_answer
granted(void)
{
    struct ent_feature_answer a = {
        .feature = "seats",
        .known = true,
        .type = ENT_FEATURE_QUANTITY,
        .value = true,
        .reason = "granted",
        .level = "20",
        .has_limit = true,
        .limit = 20,
        .usage = 3,
        .remaining = 17,
        .expires_at_ms = ENT_TIME_NONE,
        .resets_at_ms = ENT_TIME_NONE,
    };
    return a;
}

static void
ofrep__split_key__finds_the_view_suffix(void **state)
{
    (void)state;
    size_t n = 0;
    enum ent_ofrep_view v = ENT_OFREP_DETAILS;
    assert_false(ent_ofrep_split_key("seats", &n, &v));
    assert_int_equal(n, 5);
    assert_int_equal(v, ENT_OFREP_VALUE);
    assert_true(ent_ofrep_split_key("seats.remaining", &n, &v));
    assert_int_equal(n, 5);
    assert_int_equal(v, ENT_OFREP_REMAINING);
    assert_true(ent_ofrep_split_key("a.b.limit", &n, &v));
    assert_int_equal(n, 3);
    assert_int_equal(v, ENT_OFREP_LIMIT);
    assert_true(ent_ofrep_split_key("x.level", &n, &v));
    assert_int_equal(v, ENT_OFREP_LEVEL);
    assert_true(ent_ofrep_split_key("x.usage", &n, &v));
    assert_int_equal(v, ENT_OFREP_USAGE);
    assert_true(ent_ofrep_split_key("x.details", &n, &v));
    assert_int_equal(v, ENT_OFREP_DETAILS);
    /* A suffix alone is no view of an empty key. */
    assert_false(ent_ofrep_split_key(".limit", &n, &v));
    assert_false(ent_ofrep_split_key("limit", &n, &v));
}

static void
ofrep__granted__views_reason_and_variant(void **state)
{
    (void)state;
    struct ent_feature_answer a = granted();
    struct ent_ofrep_flag f;
    assert_true(ent_ofrep_view_of(&a, ENT_OFREP_VALUE, "seats", &f));
    assert_int_equal(f.type, ENT_OFREP_BOOLEAN);
    assert_true(f.boolean);
    assert_string_equal(f.reason, "TARGETING_MATCH");
    assert_string_equal(f.variant, "20");
    assert_ptr_equal(f.answer, &a);
    assert_true(ent_ofrep_view_of(&a, ENT_OFREP_LIMIT, "seats.limit", &f));
    assert_int_equal(f.type, ENT_OFREP_NUMBER);
    assert_int_equal(f.number, 20);
    assert_true(ent_ofrep_view_of(&a, ENT_OFREP_REMAINING, "seats.remaining", &f));
    assert_int_equal(f.number, 17);
    assert_true(ent_ofrep_view_of(&a, ENT_OFREP_USAGE, "seats.usage", &f));
    assert_int_equal(f.number, 3);
    assert_true(ent_ofrep_view_of(&a, ENT_OFREP_LEVEL, "seats.level", &f));
    assert_int_equal(f.type, ENT_OFREP_STRING);
    assert_string_equal(f.string, "20");
    assert_true(ent_ofrep_view_of(&a, ENT_OFREP_DETAILS, "seats.details", &f));
    assert_int_equal(f.type, ENT_OFREP_OBJECT);
}

static void
ofrep__nothing_left__is_false_but_a_grant_decided(void **state)
{
    (void)state;
    struct ent_feature_answer a = granted();
    a.usage = 20;
    a.remaining = 0; /* seats all taken: evaluate still says value true */
    struct ent_ofrep_flag f;
    assert_true(ent_ofrep_view_of(&a, ENT_OFREP_VALUE, "seats", &f));
    assert_false(f.boolean);
    assert_string_equal(f.reason, "TARGETING_MATCH");
    a.value = false;
    a.reason = "limit_reached";
    assert_true(ent_ofrep_view_of(&a, ENT_OFREP_VALUE, "seats", &f));
    assert_false(f.boolean);
    assert_string_equal(f.reason, "TARGETING_MATCH");
}

static void
ofrep__unlimited__numbers_are_the_largest_exact_integer(void **state)
{
    (void)state;
    struct ent_feature_answer a = granted();
    a.unlimited = true;
    a.level = "unlimited";
    a.remaining = 0;
    struct ent_ofrep_flag f;
    assert_true(ent_ofrep_view_of(&a, ENT_OFREP_VALUE, "seats", &f));
    assert_true(f.boolean);
    assert_true(ent_ofrep_view_of(&a, ENT_OFREP_LIMIT, "seats.limit", &f));
    assert_int_equal(f.number, ENT_OFREP_UNLIMITED);
    assert_true(ent_ofrep_view_of(&a, ENT_OFREP_REMAINING, "seats.remaining", &f));
    assert_int_equal(f.number, ENT_OFREP_UNLIMITED);
    assert_true(ent_ofrep_view_of(&a, ENT_OFREP_USAGE, "seats.usage", &f));
    assert_int_equal(f.number, 3);
}

static void
ofrep__nothing_granted__is_default_with_zero_and_empty(void **state)
{
    (void)state;
    static const char *const reasons[] = {"not_granted", "pending", "expired"};
    for (size_t i = 0; i < 3; i++) {
        struct ent_feature_answer a = granted();
        a.value = false;
        a.reason = reasons[i];
        a.level = NULL;
        a.has_limit = false;
        struct ent_ofrep_flag f;
        assert_true(ent_ofrep_view_of(&a, ENT_OFREP_VALUE, "seats", &f));
        assert_false(f.boolean);
        assert_string_equal(f.reason, "DEFAULT");
        assert_null(f.variant);
        assert_true(ent_ofrep_view_of(&a, ENT_OFREP_LIMIT, "seats.limit", &f));
        assert_int_equal(f.number, 0);
        assert_true(ent_ofrep_view_of(&a, ENT_OFREP_USAGE, "seats.usage", &f));
        assert_int_equal(f.number, 0);
        assert_true(ent_ofrep_view_of(&a, ENT_OFREP_LEVEL, "seats.level", &f));
        assert_string_equal(f.string, "");
    }
}

static void
ofrep__suspended_or_archived__is_disabled_and_false(void **state)
{
    (void)state;
    struct ent_feature_answer a = granted();
    a.value = false;
    a.reason = "suspended";
    a.level = NULL;
    struct ent_ofrep_flag f;
    assert_true(ent_ofrep_view_of(&a, ENT_OFREP_VALUE, "seats", &f));
    assert_false(f.boolean);
    assert_string_equal(f.reason, "DISABLED");
    struct ent_feature_answer b = granted();
    b.archived = true;
    assert_true(ent_ofrep_view_of(&b, ENT_OFREP_VALUE, "seats", &f));
    assert_false(f.boolean);
    assert_string_equal(f.reason, "DISABLED");
}

static void
ofrep__number_views__exist_only_for_numeric_types(void **state)
{
    (void)state;
    struct ent_feature_answer a = granted();
    struct ent_ofrep_flag f;
    a.type = ENT_FEATURE_SWITCH;
    a.level = "true";
    assert_false(ent_ofrep_view_of(&a, ENT_OFREP_LIMIT, "x.limit", &f));
    assert_false(ent_ofrep_view_of(&a, ENT_OFREP_REMAINING, "x.remaining", &f));
    assert_false(ent_ofrep_view_of(&a, ENT_OFREP_USAGE, "x.usage", &f));
    assert_true(ent_ofrep_view_of(&a, ENT_OFREP_LEVEL, "x.level", &f));
    a.type = ENT_FEATURE_CUSTOM;
    assert_false(ent_ofrep_view_of(&a, ENT_OFREP_LIMIT, "x.limit", &f));
    a.type = ENT_FEATURE_METERED;
    assert_true(ent_ofrep_view_of(&a, ENT_OFREP_LIMIT, "x.limit", &f));
    a.type = ENT_FEATURE_RANGE;
    assert_true(ent_ofrep_view_of(&a, ENT_OFREP_USAGE, "x.usage", &f));
    struct ent_feature_answer unknown = {.feature = "nope", .reason = "unknown_feature"};
    assert_false(ent_ofrep_view_of(&unknown, ENT_OFREP_VALUE, "nope", &f));
}

/* The tag of one answer of an account. */
static void
tag_of(const struct ent_feature_answer *a, const char *account, char out[20])
{
    struct ent_eval_answer eval;
    memset(&eval, 0, sizeof(eval));
    strncat(eval.account_id, account, sizeof(eval.account_id) - 1);
    eval.features = (struct ent_feature_answer *)a;
    eval.n_features = 1;
    ent_ofrep_etag(&eval, NULL, out);
}

static void
ofrep__etag__changes_with_every_field_and_only_then(void **state)
{
    (void)state;
    struct ent_feature_answer a = granted();
    char base[20], again[20], other[20];
    tag_of(&a, "acc-1", base);
    assert_int_equal(strlen(base), 18);
    assert_int_equal(base[0], '"');
    assert_int_equal(base[17], '"');
    tag_of(&a, "acc-1", again);
    assert_string_equal(base, again);
    tag_of(&a, "acc-2", other);
    assert_string_not_equal(base, other);
    struct ent_feature_answer b;
#define CHANGED(stmt)                                                                              \
    do {                                                                                           \
        b = granted();                                                                             \
        stmt;                                                                                      \
        tag_of(&b, "acc-1", other);                                                                \
        assert_string_not_equal(base, other);                                                      \
    } while (0)
    CHANGED(b.value = false);
    CHANGED(b.reason = "limit_reached");
    CHANGED(b.level = "5");
    CHANGED(b.level = NULL);
    CHANGED(b.unlimited = true);
    CHANGED(b.limit = 21);
    CHANGED(b.usage = 4);
    CHANGED(b.remaining = 16);
    CHANGED(b.expires_at_ms = 1000);
    CHANGED(b.resets_at_ms = 1000);
    CHANGED(b.archived = true);
    CHANGED(b.type = ENT_FEATURE_RANGE);
#undef CHANGED
}

static void
ofrep__errors__read_in_the_protocol(void **state)
{
    (void)state;
    struct ent_error err;
    int status = 0;
    const char *code = NULL;
    ent_error_clear(&err);
    ent_error_field(&err, "context.targetingKey", "is required");
    ent_ofrep_error(&err, &status, &code);
    assert_int_equal(status, 400);
    assert_string_equal(code, "TARGETING_KEY_MISSING");
    ent_error_clear(&err);
    ent_error_field(&err, "context.targetingKey", "names no account");
    ent_ofrep_error(&err, &status, &code);
    assert_string_equal(code, "INVALID_CONTEXT");
    static const int parse[] = {ENT_EJSON, ENT_EMEDIATYPE, ENT_ETOOLARGE, ENT_EBADREQUEST};
    for (size_t i = 0; i < 4; i++) {
        ent_error_clear(&err);
        ent_error_set(&err, parse[i], "x");
        ent_ofrep_error(&err, &status, &code);
        assert_int_equal(status, 400);
        assert_string_equal(code, "PARSE_ERROR");
    }
    static const struct {
        int code, status;
    } plain[] = {{ENT_EAUTH, 401},   {ENT_EFORBIDDEN, 403},  {ENT_ENOTFOUND, 404},
                 {ENT_EMETHOD, 405}, {ENT_ERATE, 429},       {ENT_ESTORE, 500},
                 {ENT_ENOMEM, 500},  {ENT_EUNAVAILABLE, 503}};
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        ent_error_clear(&err);
        ent_error_set(&err, plain[i].code, "x");
        ent_ofrep_error(&err, &status, &code);
        assert_int_equal(status, plain[i].status);
        assert_null(code);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ofrep__split_key__finds_the_view_suffix),
        cmocka_unit_test(ofrep__granted__views_reason_and_variant),
        cmocka_unit_test(ofrep__nothing_left__is_false_but_a_grant_decided),
        cmocka_unit_test(ofrep__unlimited__numbers_are_the_largest_exact_integer),
        cmocka_unit_test(ofrep__nothing_granted__is_default_with_zero_and_empty),
        cmocka_unit_test(ofrep__suspended_or_archived__is_disabled_and_false),
        cmocka_unit_test(ofrep__number_views__exist_only_for_numeric_types),
        cmocka_unit_test(ofrep__etag__changes_with_every_field_and_only_then),
        cmocka_unit_test(ofrep__errors__read_in_the_protocol),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
