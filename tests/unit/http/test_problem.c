/* SPDX-License-Identifier: MIT */
/*
 * test_problem.c: unit tests of http/problem.c, the problem documents. Found by fuzz_query: a
 * query argument whose name is not UTF-8 (or a field name cut inside a character) came back
 * as an error without its "field", because jansson refuses such a string and the member was
 * dropped. Every field, message and detail must be in the document, with the bytes above 0x7f
 * of an invalid one shown as '?', and valid UTF-8 must pass unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/alloc.h"
#include "http/request.h"
#include <entitled.h>

/* Answers err on a request without a connection and returns the parsed problem document. */
static json_t *
problem_of(const struct ent_error *err, int *status)
{
    struct ent_request req;
    memset(&req, 0, sizeof(req));
    ent_http_reply_error(&req, err);
    assert_non_null(req.answer);
    json_error_t jerr;
    json_t *doc = json_loadb(req.answer, req.answer_len, 0, &jerr);
    assert_non_null(doc);
    *status = req.status;
    ent_free(req.answer);
    return doc;
}

/* The string member name of the first entry of doc's errors, or NULL when it has none. */
static const char *
first_error(json_t *doc, const char *name)
{
    json_t *errors = json_object_get(doc, "errors");
    assert_true(json_is_array(errors));
    return json_string_value(json_object_get(json_array_get(errors, 0), name));
}

/* A filter name that is not UTF-8 (fuzz/corpus/fuzz_query/crash-field-not-utf8). */
static void
test_field_not_utf8(void **state)
{
    (void)state;
    struct ent_error err;
    ent_error_clear(&err);
    ent_error_field(&err, "st\xc6\xc6tus", "too many filters");
    int status = 0;
    json_t *doc = problem_of(&err, &status);
    assert_int_equal(status, 422);
    assert_string_equal(first_error(doc, "field"), "st??tus");
    assert_string_equal(first_error(doc, "message"), "too many filters");
    json_decref(doc);
}

/* A field name cut inside a two-byte character by its buffer keeps its valid part. */
static void
test_field_cut_inside_a_character(void **state)
{
    (void)state;
    char name[200];
    memset(name, 'a', sizeof(name));
    for (size_t i = 2; i + 1 < sizeof(name); i += 2)
        memcpy(name + i, "\xc3\xa9", 2); /* "aa" then é, é, ...: byte 95 cuts one in two */
    name[sizeof(name) - 1] = '\0';
    struct ent_error err;
    ent_error_clear(&err);
    ent_error_field(&err, name, "is unknown");
    int status = 0;
    json_t *doc = problem_of(&err, &status);
    const char *field = first_error(doc, "field");
    assert_non_null(field);
    assert_int_equal(strlen(field), sizeof(err.fields[0].field) - 1);
    assert_int_equal(field[0], 'a');
    assert_int_equal(field[sizeof(err.fields[0].field) - 2], '?');
    json_decref(doc);
}

/* A detail and a message quoting bytes that are not UTF-8 are kept, with '?' for them. */
static void
test_detail_and_message_not_utf8(void **state)
{
    (void)state;
    struct ent_error err;
    ent_error_clear(&err);
    ent_error_set(&err, ENT_ENOTFOUND, "feature \xff not found");
    int status = 0;
    json_t *doc = problem_of(&err, &status);
    assert_int_equal(status, 404);
    assert_string_equal(json_string_value(json_object_get(doc, "detail")), "feature ? not found");
    json_decref(doc);

    ent_error_clear(&err);
    ent_error_field(&err, "sort", "has no field \"\xfe\"");
    doc = problem_of(&err, &status);
    assert_string_equal(first_error(doc, "message"), "has no field \"?\"");
    json_decref(doc);
}

/* Valid UTF-8 passes unchanged. */
static void
test_utf8_unchanged(void **state)
{
    (void)state;
    struct ent_error err;
    ent_error_clear(&err);
    ent_error_field(&err, "attributes.r\xc3\xa9gion", "must be a string");
    int status = 0;
    json_t *doc = problem_of(&err, &status);
    assert_string_equal(first_error(doc, "field"), "attributes.r\xc3\xa9gion");
    json_decref(doc);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_field_not_utf8),
        cmocka_unit_test(test_field_cut_inside_a_character),
        cmocka_unit_test(test_detail_and_message_not_utf8),
        cmocka_unit_test(test_utf8_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
