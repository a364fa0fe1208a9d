/* SPDX-License-Identifier: MIT */
/*
 * test_ofrep.c: the OFREP views of an evaluation (src/service/ofrep.c), alone, on answers made
 * by hand: the split of flag keys, the boolean, number, string and object views and which exist
 * for which type, the OpenFeature reasons and variants, the unlimited rule, the entity tag (it
 * changes with every field of an answer, and only then) and how library errors read in the
 * protocol; then, through a library on a SQLite store of its own: one flag and every flag of an
 * account, and the change stream's token (made, accepted, refused when altered or expired).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "app_fixture.h"
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

/* ------------------------------------------------------------------------------------------ */
/* Through the library                                                                         */
/* ------------------------------------------------------------------------------------------ */

#define DAY_MS (86400LL * 1000)

struct fixture {
    char dir[64];
    struct ent_app *app;
    char account_id[37];
    int64_t now_ms;
};

/* A context of the fixture's app at now_ms, with the admin's principal. */
static struct ent_ctx *
ctx_at(struct fixture *fx, int64_t now_ms)
{
    struct ent_ctx *ctx = NULL;
    assert_int_equal(ent_ctx_new(fx->app, now_ms, &ctx), ENT_OK);
    struct ent_principal admin = {.scope = ENT_SCOPE_ADMIN};
    ent_ctx_set_principal(ctx, &admin);
    return ctx;
}

/* An app with seats (quantity 20 granted to acme) and sso (a switch, not granted). */
static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    assert_non_null(fx);
    fx->app = ent_test_app_open("ofrep", fx->dir, (struct ent_config){.connections = 2});
    struct ent_error err;
    fx->now_ms = (int64_t)time(NULL) * 1000;
    struct ent_ctx *ctx = ctx_at(fx, fx->now_ms);
    struct ent_level levels[] = {{.value = "20"}};
    struct ent_feature seats = {.key = "seats",
                                .name = "Seats",
                                .type = ENT_FEATURE_QUANTITY,
                                .unit = "user",
                                .levels = levels,
                                .n_levels = 1};
    struct ent_feature sso = {.key = "sso", .name = "SSO", .type = ENT_FEATURE_SWITCH};
    struct ent_feature made_f;
    assert_int_equal(ent_features_create(ctx, &seats, &made_f, &err), ENT_OK);
    assert_int_equal(ent_features_create(ctx, &sso, &made_f, &err), ENT_OK);
    struct ent_account a = {.key = "acme", .name = "Acme"};
    struct ent_account made_a;
    assert_int_equal(ent_accounts_create(ctx, &a, &made_a, &err), ENT_OK);
    memcpy(fx->account_id, made_a.id, sizeof(fx->account_id));
    struct ent_entitlement e = {.account = "acme",
                                .feature = "seats",
                                .value = "20",
                                .start_ms = ENT_TIME_NONE,
                                .end_ms = ENT_TIME_NONE,
                                .permanent = true};
    struct ent_entitlement made_e;
    assert_int_equal(ent_entitlements_create(ctx, &e, &made_e, &err), ENT_OK);
    ent_ctx_free(ctx);
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;
    ent_test_app_close("test_ofrep", fx->app, fx->dir);
    free(fx);
    return 0;
}

static void
ofrep__one_flag__by_whole_key_then_view(void **state)
{
    struct fixture *fx = *state;
    struct ent_ctx *ctx = ctx_at(fx, fx->now_ms);
    struct ent_ofrep_flag f;
    bool found = false;
    struct ent_error err;
    assert_int_equal(ent_ofrep_evaluate(ctx, "acme", "seats.remaining", &f, &found, &err), ENT_OK);
    assert_true(found);
    assert_int_equal(f.type, ENT_OFREP_NUMBER);
    assert_int_equal(f.number, 20);
    assert_int_equal(ent_ofrep_evaluate(ctx, "acme", "sso", &f, &found, &err), ENT_OK);
    assert_true(found);
    assert_false(f.boolean);
    assert_string_equal(f.reason, "DEFAULT");
    assert_int_equal(ent_ofrep_evaluate(ctx, "acme", "sso.limit", &f, &found, &err), ENT_OK);
    assert_false(found);
    assert_int_equal(ent_ofrep_evaluate(ctx, "acme", "nope", &f, &found, &err), ENT_OK);
    assert_false(found);
    /* No account: the targeting key is required; an unknown one names no account. */
    assert_int_equal(ent_ofrep_evaluate(ctx, NULL, "sso", &f, &found, &err), ENT_EINVAL);
    assert_string_equal(err.fields[0].field, "context.targetingKey");
    assert_string_equal(err.fields[0].message, "is required");
    assert_int_equal(ent_ofrep_evaluate(ctx, "nobody", "sso", &f, &found, &err), ENT_EINVAL);
    assert_string_equal(err.fields[0].message, "names no account");
    ent_ctx_free(ctx);
}

static void
ofrep__bulk__every_view_and_a_tag_that_follows_the_answers(void **state)
{
    struct fixture *fx = *state;
    struct ent_ctx *ctx = ctx_at(fx, fx->now_ms);
    struct ent_ofrep_bulk b1, b2;
    struct ent_error err;
    assert_int_equal(ent_ofrep_evaluate_all(ctx, "acme", &b1, &err), ENT_OK);
    assert_int_equal(b1.n_flags, 0); /* made apart: a 304 needs none */
    assert_int_equal(ent_ofrep_bulk_flags(ctx, &b1, &err), ENT_OK);
    /* seats: value, limit, remaining, usage, level, details; sso: value, level, details */
    assert_int_equal(b1.n_flags, 9);
    assert_string_equal(b1.flags[0].key, "seats");
    assert_string_equal(b1.flags[5].key, "seats.details");
    assert_string_equal(b1.flags[6].key, "sso");
    assert_int_equal(ent_ofrep_evaluate_all(ctx, fx->account_id, &b2, &err), ENT_OK);
    assert_string_equal(b1.etag, b2.etag);
    ent_ctx_free(ctx);
    /* A grant changes the tag. */
    ctx = ctx_at(fx, fx->now_ms);
    struct ent_entitlement e = {.account = "acme",
                                .feature = "sso",
                                .value = "true",
                                .start_ms = ENT_TIME_NONE,
                                .end_ms = ENT_TIME_NONE,
                                .permanent = true};
    struct ent_entitlement made_e;
    assert_int_equal(ent_entitlements_create(ctx, &e, &made_e, &err), ENT_OK);
    ent_ctx_free(ctx);
    ctx = ctx_at(fx, fx->now_ms);
    assert_int_equal(ent_ofrep_evaluate_all(ctx, "acme", &b2, &err), ENT_OK);
    assert_int_equal(ent_ofrep_bulk_flags(ctx, &b2, &err), ENT_OK);
    assert_string_not_equal(b1.etag, b2.etag);
    assert_true(b2.flags[6].boolean);
    ent_ctx_free(ctx);
}

static void
ofrep__stream_token__opens_only_unaltered_and_unexpired(void **state)
{
    struct fixture *fx = *state;
    struct ent_ctx *ctx = ctx_at(fx, fx->now_ms);
    char token[ENT_OFREP_TOKEN_MAX], again[ENT_OFREP_TOKEN_MAX];
    ent_ofrep_stream_token(ctx, fx->account_id, token);
    ent_ofrep_stream_token(ctx, fx->account_id, again);
    assert_string_equal(token, again); /* the same all day */
    assert_memory_equal(token, fx->account_id, 36);
    ent_ctx_free(ctx);
    struct ent_error err;
    /* Accepted now and tomorrow; it makes the context an account principal. */
    for (int64_t later = 0; later <= DAY_MS; later += DAY_MS) {
        struct ent_ctx *c = NULL;
        assert_int_equal(ent_ctx_new(fx->app, fx->now_ms + later, &c), ENT_OK);
        assert_int_equal(ent_ofrep_stream_open(c, token, &err), ENT_OK);
        assert_int_equal(ent_ctx_principal(c)->scope, ENT_SCOPE_ACCOUNT);
        assert_string_equal(ent_ctx_principal(c)->account_id, fx->account_id);
        struct ent_ofrep_bulk b;
        assert_int_equal(ent_ofrep_evaluate_all(c, NULL, &b, &err), ENT_OK);
        ent_ctx_free(c);
    }
    /* Expired two days on; altered, cut or empty: refused. */
    struct ent_ctx *c = NULL;
    assert_int_equal(ent_ctx_new(fx->app, fx->now_ms + 2 * DAY_MS, &c), ENT_OK);
    assert_int_equal(ent_ofrep_stream_open(c, token, &err), ENT_EAUTH);
    ent_ctx_free(c);
    assert_int_equal(ent_ctx_new(fx->app, fx->now_ms, &c), ENT_OK);
    char bad[ENT_OFREP_TOKEN_MAX];
    memcpy(bad, token, sizeof(bad));
    size_t len = strlen(bad);
    bad[len - 1] = bad[len - 1] == '0' ? '1' : '0';
    assert_int_equal(ent_ofrep_stream_open(c, bad, &err), ENT_EAUTH);
    memcpy(bad, token, sizeof(bad));
    bad[37] = bad[37] == '9' ? '8' : '9'; /* another expiry */
    assert_int_equal(ent_ofrep_stream_open(c, bad, &err), ENT_EAUTH);
    memcpy(bad, token, sizeof(bad));
    bad[len - 2] = '\0';
    assert_int_equal(ent_ofrep_stream_open(c, bad, &err), ENT_EAUTH);
    assert_int_equal(ent_ofrep_stream_open(c, "", &err), ENT_EAUTH);
    assert_int_equal(ent_ofrep_stream_open(c, NULL, &err), ENT_EAUTH);
    assert_int_equal(ent_ctx_principal(c)->scope, ENT_SCOPE_NONE);
    ent_ctx_free(c);
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
        cmocka_unit_test_setup_teardown(ofrep__one_flag__by_whole_key_then_view, setup, teardown),
        cmocka_unit_test_setup_teardown(ofrep__bulk__every_view_and_a_tag_that_follows_the_answers,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(ofrep__stream_token__opens_only_unaltered_and_unexpired,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
