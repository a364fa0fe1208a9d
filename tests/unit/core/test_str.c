/* SPDX-License-Identifier: MIT */
/*
 * test_str.c: unit tests of core/str.c, the string rules every layer shares: keys (slugs),
 * canonical whole numbers, e-mail addresses, ASCII case-insensitive comparison and search,
 * and strict UTF-8 (no overlong forms, no surrogates, no truncated sequences, no NUL).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/str.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------------------------ */
/* Keys                                                                                        */
/* ------------------------------------------------------------------------------------------ */

static void
str__valid_keys__are_accepted(void **state)
{
    (void)state;
    static const char *const good[] = {"a",      "0",  "pro-plan", "seats_v2", "api.calls",
                                       "9lives", "a-", "a.b_c-d",  "x1.2.3",   "enterprise"};
    for (size_t i = 0; i < ARRAY_LEN(good); i++) {
        if (!ent_str_is_key(good[i]))
            fail_msg("key \"%s\" was refused", good[i]);
    }
}

static void
str__invalid_keys__are_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {"",    "-abc", "_abc", ".abc",       "Abc",  "proPlan",
                                      "a b", "a/b",  "a:b",  "a+b",        "\xe9", "a\tb",
                                      "a@b", "key!", "a\nb", "caf\xc3\xa9"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        if (ent_str_is_key(bad[i]))
            fail_msg("key \"%s\" was accepted", bad[i]);
    }
    assert_false(ent_str_is_key(NULL));
}

static void
str__key_of_64_characters__is_accepted_and_65_refused(void **state)
{
    (void)state;
    char key[ENT_KEY_MAX + 2];
    memset(key, 'k', sizeof(key) - 1);
    key[ENT_KEY_MAX] = '\0';
    assert_int_equal(strlen(key), 64);
    assert_true(ent_str_is_key(key));
    key[ENT_KEY_MAX] = 'k';
    key[ENT_KEY_MAX + 1] = '\0';
    assert_int_equal(strlen(key), 65);
    assert_false(ent_str_is_key(key));
}

static void
str__feature_keys__take_upper_case_as_well(void **state)
{
    (void)state;
    static const char *const good[] = {"ENABLE_X", "Seats",   "api-calls", "a.B_c-D",
                                       "X1",       "proPlan", "9LIVES",    "enable_x"};
    for (size_t i = 0; i < ARRAY_LEN(good); i++) {
        if (!ent_str_is_feature_key(good[i]))
            fail_msg("feature key \"%s\" was refused", good[i]);
    }
    static const char *const bad[] = {"",     "_ENABLE", "-X", ".x",   "A B",        "A/B",
                                      "\xc9", "a:b",     "k!", "A\tB", "caf\xc3\xa9"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        if (ent_str_is_feature_key(bad[i]))
            fail_msg("feature key \"%s\" was accepted", bad[i]);
    }
    assert_false(ent_str_is_feature_key(NULL));
    char key[ENT_KEY_MAX + 2];
    memset(key, 'K', sizeof(key) - 1);
    key[ENT_KEY_MAX] = '\0';
    assert_true(ent_str_is_feature_key(key));
    key[ENT_KEY_MAX] = 'K';
    key[ENT_KEY_MAX + 1] = '\0';
    assert_false(ent_str_is_feature_key(key));
}

static void
str__fold__lowers_ascii_letters_alone(void **state)
{
    (void)state;
    char out[16];
    assert_true(ent_str_fold("ENABLE_X", out, sizeof(out)));
    assert_string_equal(out, "enable_x");
    assert_true(ent_str_fold("Caf\xc3\x89 Pro", out, sizeof(out)));
    assert_string_equal(out, "caf\xc3\x89 pro"); /* bytes past ASCII are left as they are */
    assert_true(ent_str_fold("", out, sizeof(out)));
    assert_string_equal(out, "");
    assert_true(ent_str_fold("123456789012345", out, sizeof(out))); /* 15 and the NUL fit */
    assert_false(ent_str_fold("1234567890123456", out, sizeof(out)));
    assert_false(ent_str_fold("a", NULL, 4));
}

/* ------------------------------------------------------------------------------------------ */
/* Whole numbers                                                                               */
/* ------------------------------------------------------------------------------------------ */

/* Parses s, failing the test when it is refused. */
static int64_t
whole_ok(const char *s)
{
    int64_t v = -1;
    if (!ent_str_parse_whole(s, &v))
        fail_msg("\"%s\" was refused", s);
    return v;
}

static void
str__whole_numbers__are_parsed(void **state)
{
    (void)state;
    assert_int_equal(whole_ok("0"), 0);
    assert_int_equal(whole_ok("7"), 7);
    assert_int_equal(whole_ok("42"), 42);
    assert_int_equal(whole_ok("1000"), 1000);
    assert_int_equal(whole_ok("999999999999999999"), 999999999999999999LL);
    assert_int_equal(whole_ok("100000000000000000"), 100000000000000000LL);
    assert_true(ent_str_parse_whole("5", NULL)); /* the value is optional */
}

/* ent_str_format_int(v) must equal printf's "%lld" of v. */
static void
format_int_is(int64_t v)
{
    char want[32], got[ENT_STR_INT_MAX];
    snprintf(want, sizeof(want), "%lld", (long long)v);
    size_t n = ent_str_format_int(v, got);
    assert_string_equal(got, want);
    assert_int_equal(n, strlen(want));
}

static void
str__integers__are_formatted_as_printf_does(void **state)
{
    (void)state;
    static const int64_t cases[] = {0,
                                    1,
                                    -1,
                                    9,
                                    10,
                                    -10,
                                    42,
                                    99,
                                    100,
                                    12345,
                                    -987654321,
                                    INT32_MAX,
                                    INT32_MIN,
                                    INT64_MAX,
                                    INT64_MIN,
                                    INT64_MIN + 1,
                                    1000000000000LL};
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        format_int_is(cases[i]);
    for (int64_t v = 1; v < INT64_MAX / 7; v = v * 7 + 3) {
        format_int_is(v);
        format_int_is(-v);
    }
}

static void
str__whole_number_with_19_digits__is_refused(void **state)
{
    (void)state;
    int64_t v = 0;
    assert_false(ent_str_parse_whole("1000000000000000000", &v));
    assert_false(ent_str_parse_whole("9223372036854775807", &v));
    assert_false(ent_str_parse_whole("99999999999999999999", &v));
}

static void
str__whole_number_with_leading_zeros__is_refused(void **state)
{
    (void)state;
    int64_t v = 0;
    assert_false(ent_str_parse_whole("00", &v));
    assert_false(ent_str_parse_whole("01", &v));
    assert_false(ent_str_parse_whole("007", &v));
    assert_false(ent_str_parse_whole("0000000000000000001", &v));
}

static void
str__whole_number_with_sign_or_other_characters__is_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {"",    "+5",    "-5",   "-0", " 5", "5 ",  "1e3",  "1.0",
                                      "0x1", "1,000", "five", "5a", "a5", "\t5", "1_000"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        int64_t v = 0;
        if (ent_str_parse_whole(bad[i], &v))
            fail_msg("\"%s\" was accepted as %lld", bad[i], (long long)v);
    }
    assert_false(ent_str_parse_whole(NULL, NULL));
}

static void
str__refused_whole_number__leaves_value_untouched(void **state)
{
    (void)state;
    int64_t v = 1234;
    assert_false(ent_str_parse_whole("12a", &v));
    assert_int_equal(v, 1234);
    assert_false(ent_str_parse_whole("1000000000000000000", &v));
    assert_int_equal(v, 1234);
}

/* ------------------------------------------------------------------------------------------ */
/* E-mail addresses                                                                            */
/* ------------------------------------------------------------------------------------------ */

static void
str__plausible_emails__are_accepted(void **state)
{
    (void)state;
    static const char *const good[] = {"a@b.co",
                                       "alice@example.com",
                                       "first.last+tag@sub.example.org",
                                       "ALICE@EXAMPLE.COM",
                                       "o'brien@example.ie",
                                       "x_y-z@a-b.c-d.io"};
    for (size_t i = 0; i < ARRAY_LEN(good); i++) {
        if (!ent_str_is_email(good[i]))
            fail_msg("\"%s\" was refused", good[i]);
    }
}

static void
str__implausible_emails__are_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "a@b.c",              /* too short; one-letter top-level domain */
        "alice",              /* no @ */
        "@example.com",       /* no local part */
        "alice@",             /* no domain */
        "alice@example",      /* no dot in the domain */
        "alice@example.c",    /* one-letter top-level domain */
        "alice@example.com.", /* ends with a dot */
        "alice@.example.com", /* domain starts with a dot */
        "alice@example..com", /* empty label */
        "alice@@example.com",
        "alice@bob@example.com",
        "ali ce@example.com",
        "alice@exa mple.com",
        "<alice@example.com>",
        "alice@example.com,bob@example.com",
        "\"alice\"@example.com",
        "alice;x@example.com",
        "alice\t@example.com",
        "alice@example.com\n",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        if (ent_str_is_email(bad[i]))
            fail_msg("\"%s\" was accepted", bad[i]);
    }
    assert_false(ent_str_is_email(NULL));
}

static void
str__email_local_part__is_at_most_64_bytes(void **state)
{
    (void)state;
    static const char domain[] = "@example.com";
    char email[128];
    memset(email, 'l', 64);
    memcpy(email + 64, domain, sizeof(domain));
    assert_true(ent_str_is_email(email));
    memset(email, 'l', 65);
    memcpy(email + 65, domain, sizeof(domain));
    assert_false(ent_str_is_email(email));
}

static void
str__email__is_at_most_254_bytes(void **state)
{
    (void)state;
    /* "a@" + domain of labels, ending in ".com": total exactly 254, then 255. */
    char email[300];
    size_t len = 0;
    email[len++] = 'a';
    email[len++] = '@';
    while (len < 254 - 4) {
        email[len] = (len % 50 == 0) ? '.' : 'd';
        len++;
    }
    memcpy(email + len, ".com", 5);
    assert_int_equal(strlen(email), 254);
    assert_true(ent_str_is_email(email));

    memmove(email + 3, email + 2, strlen(email + 2) + 1);
    email[2] = 'd';
    assert_int_equal(strlen(email), 255);
    assert_false(ent_str_is_email(email));
}

/* ------------------------------------------------------------------------------------------ */
/* Case-insensitive comparison and search                                                      */
/* ------------------------------------------------------------------------------------------ */

static void
str__ieq__ignores_ascii_case_only(void **state)
{
    (void)state;
    assert_true(ent_str_ieq("abc", "ABC"));
    assert_true(ent_str_ieq("Unlimited", "uNLIMITED"));
    assert_true(ent_str_ieq("", ""));
    assert_true(ent_str_ieq("a-1_Z", "A-1_z"));
    assert_false(ent_str_ieq("abc", "abd"));
    assert_false(ent_str_ieq("abc", "ab"));
    assert_false(ent_str_ieq("ab", "abc"));
    assert_false(ent_str_ieq("", "a"));
    assert_false(ent_str_ieq("\xc3\xa9", "\xc3\x89")); /* é and É: not ASCII */
    assert_false(ent_str_ieq("@", "`"));               /* 0x40 vs 0x60: not letters */
    assert_false(ent_str_ieq("[", "{"));
}

static void
str__ieq_with_null__is_false(void **state)
{
    (void)state;
    assert_false(ent_str_ieq(NULL, "a"));
    assert_false(ent_str_ieq("a", NULL));
    assert_false(ent_str_ieq(NULL, NULL));
}

static void
str__icontains__finds_needles_in_any_case(void **state)
{
    (void)state;
    assert_true(ent_str_icontains("Pro Plan", "plan"));
    assert_true(ent_str_icontains("Pro Plan", "PRO"));
    assert_true(ent_str_icontains("Pro Plan", "o p"));
    assert_true(ent_str_icontains("xxab", "AB"));
    assert_true(ent_str_icontains("aaab", "aab")); /* a partial match before the real one */
    assert_true(ent_str_icontains("abc", "abc"));
    assert_true(ent_str_icontains("abc", ""));
    assert_true(ent_str_icontains("", ""));
}

static void
str__icontains__misses_what_is_absent(void **state)
{
    (void)state;
    assert_false(ent_str_icontains("plan", "PLANS"));
    assert_false(ent_str_icontains("Pro Plan", "pro-plan"));
    assert_false(ent_str_icontains("", "a"));
    assert_false(ent_str_icontains("ab", "abc"));
    assert_false(ent_str_icontains(NULL, "a"));
    assert_false(ent_str_icontains("a", NULL));
}

/* ------------------------------------------------------------------------------------------ */
/* UTF-8                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* ent_str_is_utf8 over a literal, its length taken without the terminator. */
#define UTF8(lit) ent_str_is_utf8((lit), sizeof(lit) - 1)

static void
str__utf8_of_well_formed_text__is_accepted(void **state)
{
    (void)state;
    assert_true(UTF8(""));
    assert_true(UTF8("plain ASCII ~\x7f"));
    assert_true(UTF8("h\xc3\xa9llo"));     /* é: 2 bytes */
    assert_true(UTF8("\xc2\x80"));         /* U+0080, smallest 2-byte */
    assert_true(UTF8("\xdf\xbf"));         /* U+07FF */
    assert_true(UTF8("\xe0\xa0\x80"));     /* U+0800, smallest 3-byte */
    assert_true(UTF8("\xe2\x82\xac"));     /* € */
    assert_true(UTF8("\xed\x9f\xbf"));     /* U+D7FF, just below the surrogates */
    assert_true(UTF8("\xee\x80\x80"));     /* U+E000, just above */
    assert_true(UTF8("\xef\xbf\xbf"));     /* U+FFFF */
    assert_true(UTF8("\xf0\x90\x80\x80")); /* U+10000, smallest 4-byte */
    assert_true(UTF8("\xf0\x9f\x98\x80")); /* 😀 */
    assert_true(UTF8("\xf4\x8f\xbf\xbf")); /* U+10FFFF, the last code point */
    assert_true(UTF8("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z"));
}

static void
str__utf8_overlong_forms__are_refused(void **state)
{
    (void)state;
    assert_false(UTF8("\xc0\xaf"));         /* '/' in 2 bytes */
    assert_false(UTF8("\xc0\x80"));         /* NUL in 2 bytes */
    assert_false(UTF8("\xc1\xbf"));         /* U+007F in 2 bytes */
    assert_false(UTF8("\xe0\x80\xaf"));     /* '/' in 3 bytes */
    assert_false(UTF8("\xe0\x9f\xbf"));     /* U+07FF in 3 bytes */
    assert_false(UTF8("\xf0\x80\x80\xaf")); /* '/' in 4 bytes */
    assert_false(UTF8("\xf0\x8f\xbf\xbf")); /* U+FFFF in 4 bytes */
}

static void
str__utf8_surrogates__are_refused(void **state)
{
    (void)state;
    assert_false(UTF8("\xed\xa0\x80"));             /* U+D800 */
    assert_false(UTF8("\xed\xaf\xbf"));             /* U+DBFF */
    assert_false(UTF8("\xed\xb0\x80"));             /* U+DC00 */
    assert_false(UTF8("\xed\xbf\xbf"));             /* U+DFFF */
    assert_false(UTF8("\xed\xa0\xbd\xed\xb8\x80")); /* a CESU-8 pair */
}

static void
str__utf8_beyond_u10ffff__is_refused(void **state)
{
    (void)state;
    assert_false(UTF8("\xf4\x90\x80\x80")); /* U+110000 */
    assert_false(UTF8("\xf7\xbf\xbf\xbf"));
    assert_false(UTF8("\xf8\x88\x80\x80\x80")); /* 5-byte form */
    assert_false(UTF8("\xfc\x84\x80\x80\x80\x80"));
    assert_false(UTF8("\xfe"));
    assert_false(UTF8("\xff"));
}

static void
str__utf8_truncated_sequences__are_refused(void **state)
{
    (void)state;
    assert_false(UTF8("\xc3"));
    assert_false(UTF8("abc\xc3"));
    assert_false(UTF8("\xe2\x82"));
    assert_false(UTF8("\xf0\x9f\x98"));
    assert_false(UTF8("\xe2\x82z"));     /* cut short by an ASCII byte */
    assert_false(UTF8("\xf0\x9f\x98z")); /* likewise */
    assert_false(UTF8("\x80"));          /* a lone continuation byte */
    assert_false(UTF8("a\xbfz"));
    /* The length bounds the check: a sequence cut by len is truncated. */
    assert_false(ent_str_is_utf8("\xe2\x82\xac", 2));
    assert_true(ent_str_is_utf8("\xe2\x82\xac", 3));
}

static void
str__utf8_with_nul__is_refused(void **state)
{
    (void)state;
    assert_false(ent_str_is_utf8("a\0b", 3));
    assert_false(ent_str_is_utf8("\0", 1));
    assert_true(ent_str_is_utf8("a\0b", 1)); /* the NUL lies beyond len */
}

/* The tables' hash: FNV-1a as published, and the folded one equal for names equal in any case. */
static void
str__hash__fnv1a_and_folded_alike_for_ieq_names(void **state)
{
    (void)state;
    assert_true(ent_str_hash("") == 0xcbf29ce484222325ULL);
    assert_true(ent_str_hash("a") == 0xaf63dc4c8601ec8cULL);
    assert_true(ent_str_hash("a") != ent_str_hash("A"));
    assert_true(ent_str_hash_folded("ENABLE_X") == ent_str_hash_folded("enable_x"));
    assert_true(ent_str_hash_folded("enable_x") == ent_str_hash("enable_x"));
    assert_true(ent_str_hash_folded("seats") != ent_str_hash_folded("seat"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(str__valid_keys__are_accepted),
        cmocka_unit_test(str__invalid_keys__are_refused),
        cmocka_unit_test(str__key_of_64_characters__is_accepted_and_65_refused),
        cmocka_unit_test(str__feature_keys__take_upper_case_as_well),
        cmocka_unit_test(str__fold__lowers_ascii_letters_alone),
        cmocka_unit_test(str__whole_numbers__are_parsed),
        cmocka_unit_test(str__integers__are_formatted_as_printf_does),
        cmocka_unit_test(str__whole_number_with_19_digits__is_refused),
        cmocka_unit_test(str__whole_number_with_leading_zeros__is_refused),
        cmocka_unit_test(str__whole_number_with_sign_or_other_characters__is_refused),
        cmocka_unit_test(str__refused_whole_number__leaves_value_untouched),
        cmocka_unit_test(str__plausible_emails__are_accepted),
        cmocka_unit_test(str__implausible_emails__are_refused),
        cmocka_unit_test(str__email_local_part__is_at_most_64_bytes),
        cmocka_unit_test(str__email__is_at_most_254_bytes),
        cmocka_unit_test(str__ieq__ignores_ascii_case_only),
        cmocka_unit_test(str__ieq_with_null__is_false),
        cmocka_unit_test(str__icontains__finds_needles_in_any_case),
        cmocka_unit_test(str__icontains__misses_what_is_absent),
        cmocka_unit_test(str__utf8_of_well_formed_text__is_accepted),
        cmocka_unit_test(str__utf8_overlong_forms__are_refused),
        cmocka_unit_test(str__utf8_surrogates__are_refused),
        cmocka_unit_test(str__utf8_beyond_u10ffff__is_refused),
        cmocka_unit_test(str__utf8_truncated_sequences__are_refused),
        cmocka_unit_test(str__utf8_with_nul__is_refused),
        cmocka_unit_test(str__hash__fnv1a_and_folded_alike_for_ieq_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
