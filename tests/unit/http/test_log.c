/* SPDX-License-Identifier: MIT */
/*
 * test_log.c: the request log's lines (http/log.c): valid JSON whatever bytes a path holds,
 * strings cut at 2048 bytes, the text form on one line, request ids taken only when sane, and
 * every buffered line written by ent_log_stop().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "http/log.h"

/* Runs fn with standard output going to a file; returns what it wrote (static buffer). */
static const char *
capture(void (*fn)(void))
{
    static char out[1 << 17];
    FILE *f = tmpfile();
    assert_non_null(f);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    dup2(fileno(f), STDOUT_FILENO);
    fn();
    dup2(saved, STDOUT_FILENO);
    close(saved);
    rewind(f);
    size_t n = fread(out, 1, sizeof(out) - 1, f);
    fclose(f);
    out[n] = '\0';
    return out;
}

static const char *hostile_path;

static void
log_hostile(void)
{
    struct ent_log_request r = {.request_id = "id-1",
                                .method = "GET",
                                .route = "/v1/accounts/{account}",
                                .path = hostile_path,
                                .status = 404,
                                .duration_us = 12,
                                .bytes_in = 0,
                                .bytes_out = 83,
                                .key_id = "k",
                                .account = hostile_path,
                                .problem = "not_found"};
    ent_log_request(&r);
}

static void
test_json_lines_are_valid_whatever_the_path(void **state)
{
    (void)state;
    static char path[5000];
    const char *pieces[] = {"/v1/\"quote\"", "\\back", "\x01\x1f\x7f", "\xc3\xa9", "}{"};
    for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
        hostile_path = pieces[i];
        const char *line = capture(log_hostile);
        json_error_t e;
        json_t *doc = json_loads(line, 0, &e);
        assert_non_null(doc);
        assert_string_equal(json_string_value(json_object_get(doc, "path")), pieces[i]);
        assert_int_equal(json_integer_value(json_object_get(doc, "status")), 404);
        assert_int_equal(json_integer_value(json_object_get(doc, "bytes_out")), 83);
        assert_string_equal(json_string_value(json_object_get(doc, "problem")), "not_found");
        json_decref(doc);
        assert_int_equal(line[strlen(line) - 1], '\n');
    }
    memset(path, '"', sizeof(path) - 1); /* 4999 quotes: each escaped, the string cut at 2048 */
    hostile_path = path;
    const char *line = capture(log_hostile);
    json_t *doc = json_loads(line, 0, NULL);
    assert_non_null(doc);
    assert_int_equal(strlen(json_string_value(json_object_get(doc, "path"))), 2048);
    json_decref(doc);
}

static void
test_request_ids_are_taken_only_when_sane(void **state)
{
    (void)state;
    char id[129];
    ent_log_request_id("abc-123.x:y/z+w=v@u_", id);
    assert_string_equal(id, "abc-123.x:y/z+w=v@u_");
    char longest[129];
    memset(longest, 'a', 128);
    longest[128] = '\0';
    ent_log_request_id(longest, id);
    assert_string_equal(id, longest);
    char too_long[130];
    memset(too_long, 'a', 129);
    too_long[129] = '\0';
    const char *insane[] = {"", "a b", "x\"y", "new\nline", too_long, "\xc3\xa9", NULL};
    char previous[129] = "";
    for (size_t i = 0; i < sizeof(insane) / sizeof(insane[0]); i++) {
        ent_log_request_id(insane[i], id);
        assert_int_equal(strlen(id), 24);
        assert_int_equal(strspn(id, "0123456789abcdef"), 24);
        assert_string_not_equal(id, previous); /* made ids differ */
        memcpy(previous, id, sizeof(id));
    }
}

static void
test_formats_parse(void **state)
{
    (void)state;
    enum ent_log_format f = ENT_LOG_AUTO;
    assert_true(ent_log_format_parse("json", &f) && f == ENT_LOG_JSON);
    assert_true(ent_log_format_parse("text", &f) && f == ENT_LOG_TEXT);
    assert_true(ent_log_format_parse("auto", &f) && f == ENT_LOG_AUTO);
    assert_false(ent_log_format_parse("JSON", &f));
    assert_false(ent_log_format_parse("", &f));
}

static void
log_many_then_stop(void)
{
    assert_int_equal(ent_log_start(ENT_LOG_TEXT), 0);
    for (int i = 0; i < 1000; i++) {
        struct ent_log_request r = {
            .method = "POST", .path = "/v1/usage\nforged 200", .status = 201};
        ent_log_request(&r);
    }
    ent_log_stop();
}

static void
test_stop_writes_every_buffered_line_and_text_stays_on_one_line(void **state)
{
    (void)state;
    const char *out = capture(log_many_then_stop);
    size_t lines = 0;
    for (const char *p = out; (p = strchr(p, '\n')) != NULL; p++)
        lines++;
    assert_int_equal(lines, 1000);
    assert_non_null(strstr(out, " POST /v1/usage?forged_200 201 "));
    assert_int_equal(ent_log_dropped(), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_lines_are_valid_whatever_the_path),
        cmocka_unit_test(test_request_ids_are_taken_only_when_sane),
        cmocka_unit_test(test_formats_parse),
        cmocka_unit_test(test_stop_writes_every_buffered_line_and_text_stays_on_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
