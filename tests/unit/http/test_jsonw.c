/* SPDX-License-Identifier: MIT */
/*
 * test_jsonw.c: the JSON writer of the hot answers (src/http/jsonw.c): commas where JSON puts
 * them, every byte of a string escaped so that a strict reader (jansson) reads the same bytes
 * back, numbers and times as the rest of the API writes them, and a failed write reported, not
 * half a document.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/alloc.h"
#include "http/jsonw.h"
#include <entitled.h>

/* The document w wrote, as a string the test frees with ent_free. */
static char *
finish(struct ent_jw *w, size_t *len)
{
    int rc = -1;
    char *text = ent_jw_finish(w, len, &rc);
    assert_int_equal(rc, ENT_OK);
    assert_non_null(text);
    return text;
}

static void
jsonw__commas__between_members_and_elements_only(void **state)
{
    (void)state;
    struct ent_jw w;
    ent_jw_init(&w, 1 << 16);
    ent_jw_open(&w, '{');
    ent_jw_name(&w, "a");
    ent_jw_open(&w, '[');
    ent_jw_close(&w, ']');
    ent_jw_name(&w, "b");
    ent_jw_open(&w, '[');
    ent_jw_int(&w, 1);
    ent_jw_open(&w, '{');
    ent_jw_close(&w, '}');
    ent_jw_null(&w);
    ent_jw_bool(&w, true);
    ent_jw_bool(&w, false);
    ent_jw_close(&w, ']');
    ent_jw_name(&w, "c");
    ent_jw_cstring_or_null(&w, NULL);
    ent_jw_name(&w, "d");
    ent_jw_int_or_null(&w, false, 7);
    ent_jw_name(&w, "e");
    ent_jw_int_or_null(&w, true, -9223372036854775807LL - 1);
    ent_jw_close(&w, '}');
    size_t len = 0;
    char *text = finish(&w, &len);
    const char *want = "{\"a\":[],\"b\":[1,{},null,true,false],\"c\":null,\"d\":null,"
                       "\"e\":-9223372036854775808}\n";
    assert_string_equal(text, want);
    assert_int_equal(len, strlen(want));
    ent_free(text);
}

static void
jsonw__times__rfc3339_utc_or_null(void **state)
{
    (void)state;
    struct ent_jw w;
    ent_jw_init(&w, 1 << 16);
    ent_jw_open(&w, '[');
    ent_jw_time(&w, 0);
    ent_jw_time_or_null(&w, ENT_TIME_NONE);
    ent_jw_time_or_null(&w, 1767225600123LL);
    ent_jw_close(&w, ']');
    size_t len = 0;
    char *text = finish(&w, &len);
    assert_string_equal(text, "[\"1970-01-01T00:00:00Z\",null,\"2026-01-01T00:00:00.123Z\"]\n");
    ent_free(text);
}

/* Every byte value but NUL, alone and among others: jansson reads back exactly the bytes. */
static void
jsonw__strings__every_byte_reads_back(void **state)
{
    (void)state;
    char s[3 * 255];
    size_t n = 0;
    for (int c = 1; c < 256; c++) {
        s[n++] = 'x';
        s[n++] = (char)c;
    }
    s[n++] = '"';
    struct ent_jw w;
    ent_jw_init(&w, 1 << 16);
    ent_jw_open(&w, '[');
    for (int c = 1; c < 0x80; c++) { /* one byte alone: ASCII, jansson asks for UTF-8 */
        char one = (char)c;
        ent_jw_string(&w, &one, 1);
    }
    ent_jw_string(&w, "caf\xc3\xa9 \xe2\x82\xac", 9);
    ent_jw_close(&w, ']');
    size_t len = 0;
    char *text = finish(&w, &len);
    json_error_t error;
    json_t *v = json_loadb(text, len, 0, &error);
    assert_non_null(v);
    assert_int_equal(json_array_size(v), 0x80);
    for (int c = 1; c < 0x80; c++) {
        json_t *el = json_array_get(v, (size_t)c - 1);
        assert_int_equal(json_string_length(el), 1);
        assert_int_equal((unsigned char)json_string_value(el)[0], c);
    }
    assert_string_equal(json_string_value(json_array_get(v, 0x7f)), "caf\xc3\xa9 \xe2\x82\xac");
    json_decref(v);
    ent_free(text);
    /* The control characters use the short escapes where JSON has them, \u00XX otherwise. */
    ent_jw_init(&w, 1 << 16);
    ent_jw_string(&w, "\"\\\b\f\n\r\t\x01\x1f/", 10);
    text = finish(&w, &len);
    assert_string_equal(text, "\"\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001F/\"\n");
    ent_free(text);
    /* Bytes above 0x7f pass as they are (valid UTF-8 in, the same out). */
    ent_jw_init(&w, 1 << 16);
    ent_jw_string(&w, s, n - 1);
    text = finish(&w, &len);
    /* 5 short escapes and \" \\ add a byte each, 26 \u00XX add five */
    assert_int_equal(len, 2 + (n - 1) + 1 + 7 + 26 * 5);
    ent_free(text);
}

static void
jsonw__over_the_cap__fails_whole(void **state)
{
    (void)state;
    struct ent_jw w;
    ent_jw_init(&w, 32);
    ent_jw_open(&w, '[');
    for (int i = 0; i < 20; i++)
        ent_jw_cstring(&w, "abc");
    ent_jw_close(&w, ']');
    size_t len = 99;
    int rc = ENT_OK;
    assert_null(ent_jw_finish(&w, &len, &rc));
    assert_int_equal(rc, ENT_ETOOLARGE);
    assert_int_equal(len, 0);
    ent_jw_cleanup(&w); /* safe after a finish */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(jsonw__commas__between_members_and_elements_only),
        cmocka_unit_test(jsonw__times__rfc3339_utc_or_null),
        cmocka_unit_test(jsonw__strings__every_byte_reads_back),
        cmocka_unit_test(jsonw__over_the_cap__fails_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
