/* SPDX-License-Identifier: MIT */
/*
 * attribute.c: the members of a JSON object's text and the check of a value against an
 * attribute type (attribute.h). The reader follows RFC 8259's grammar closely enough to walk
 * any valid object and refuse what is not one; it never decodes a string (names are compared
 * as written, and a definition's name has no character that JSON escapes).
 */
#include "core/attribute.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/utc.h"

#define DEPTH_MAX 64 /* objects and arrays nested in a value */

static size_t skip_space(const char *s, size_t i);
static bool scan_string(const char *s, size_t *i);
static bool scan_number(const char *s, size_t *i);
static bool scan_value(const char *s, size_t *i, int depth, enum ent_json_kind *kind);
static bool scan_members(const char *s, size_t *i, int depth, char close);

/* The index of the first character at or after i that is not JSON white space. */
static size_t
skip_space(const char *s, size_t i)
{
    while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
        i++;
    return i;
}

/* Steps over the string that starts at s[*i] (a quote). False when it is not one. */
static bool
scan_string(const char *s, size_t *i)
{
    size_t k = *i + 1;
    for (; s[k] && s[k] != '"'; k++) {
        if ((unsigned char)s[k] < 0x20)
            return false;
        if (s[k] != '\\')
            continue;
        k++;
        if (s[k] == 'u') {
            for (int d = 1; d <= 4; d++) {
                char c = s[k + d];
                bool hex =
                    (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
                if (!hex)
                    return false;
            }
            k += 4;
        } else if (!s[k] || !strchr("\"\\/bfnrt", s[k])) {
            return false;
        }
    }
    if (s[k] != '"')
        return false;
    *i = k + 1;
    return true;
}

/* Steps over the number at s[*i] (RFC 8259: -?int frac? exp?). False when it is not one. */
static bool
scan_number(const char *s, size_t *i)
{
    size_t k = *i;
    if (s[k] == '-')
        k++;
    if (s[k] == '0') {
        k++;
    } else if (s[k] >= '1' && s[k] <= '9') {
        while (s[k] >= '0' && s[k] <= '9')
            k++;
    } else {
        return false;
    }
    if (s[k] == '.') {
        k++;
        if (!(s[k] >= '0' && s[k] <= '9'))
            return false;
        while (s[k] >= '0' && s[k] <= '9')
            k++;
    }
    if (s[k] == 'e' || s[k] == 'E') {
        k++;
        if (s[k] == '+' || s[k] == '-')
            k++;
        if (!(s[k] >= '0' && s[k] <= '9'))
            return false;
        while (s[k] >= '0' && s[k] <= '9')
            k++;
    }
    *i = k;
    return true;
}

/* Steps over the members of an object (close '}') or the elements of an array (close ']'). */
static bool
scan_members(const char *s, size_t *i, int depth, char close)
{
    size_t k = skip_space(s, *i + 1);
    if (s[k] == close) {
        *i = k + 1;
        return true;
    }
    for (;;) {
        enum ent_json_kind kind;
        if (close == '}') {
            if (s[k] != '"' || !scan_string(s, &k))
                return false;
            k = skip_space(s, k);
            if (s[k] != ':')
                return false;
            k = skip_space(s, k + 1);
        }
        if (!scan_value(s, &k, depth, &kind))
            return false;
        k = skip_space(s, k);
        if (s[k] == close) {
            *i = k + 1;
            return true;
        }
        if (s[k] != ',')
            return false;
        k = skip_space(s, k + 1);
    }
}

/* Steps over the value at s[*i]. OUT kind. False when it is not one. */
static bool
scan_value(const char *s, size_t *i, int depth, enum ent_json_kind *kind)
{
    static const struct {
        const char *word;
        enum ent_json_kind kind;
    } words[] = {{"true", ENT_JSON_TRUE}, {"false", ENT_JSON_FALSE}, {"null", ENT_JSON_NULL}};
    char c = s[*i];
    if (c == '"') {
        *kind = ENT_JSON_STRING;
        return scan_string(s, i);
    }
    if (c == '{' || c == '[') {
        *kind = c == '{' ? ENT_JSON_OBJECT : ENT_JSON_ARRAY;
        return depth < DEPTH_MAX && scan_members(s, i, depth + 1, c == '{' ? '}' : ']');
    }
    for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
        size_t n = strlen(words[w].word);
        if (strncmp(s + *i, words[w].word, n) == 0) {
            *kind = words[w].kind;
            *i += n;
            return true;
        }
    }
    *kind = ENT_JSON_NUMBER;
    return scan_number(s, i);
}

int
ent_attribute_next(const char *text, size_t *pos, struct ent_attribute_member *m)
{
    size_t k = skip_space(text, *pos);
    if (*pos == 0) {
        size_t end = k;
        enum ent_json_kind kind;
        if (text[k] != '{' || !scan_value(text, &end, 0, &kind))
            return -1; /* the whole object is checked once, before its first member */
        if (text[skip_space(text, end)] != '\0')
            return -1;
        k = skip_space(text, k + 1);
    } else if (text[k] == ',') {
        k = skip_space(text, k + 1);
    }
    if (text[k] == '}') {
        *pos = k;
        return 0;
    }
    size_t name = k;
    scan_string(text, &k); /* valid: the object was checked */
    m->name = text + name + 1;
    m->name_len = k - name - 2;
    k = skip_space(text, skip_space(text, k) + 1); /* past ':' */
    size_t value = k;
    scan_value(text, &k, 0, &m->kind);
    m->value = text + value;
    m->value_len = k - value;
    *pos = k;
    return 1;
}

bool
ent_attribute_named(const struct ent_attribute_member *m, const char *name)
{
    size_t n = strlen(name);
    if (n != m->name_len)
        return false;
    for (size_t i = 0; i < n; i++) {
        char a = m->name[i], b = name[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (char)(b - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

/*
 * Copies the content of the string value of m (without its quotes) into out (cap bytes);
 * false when it holds an escape or does not fit.
 */
static bool
plain_string(const struct ent_attribute_member *m, char *out, size_t cap)
{
    size_t n = m->value_len - 2;
    if (n + 1 > cap || memchr(m->value + 1, '\\', n))
        return false;
    memcpy(out, m->value + 1, n);
    out[n] = '\0';
    return true;
}

/* Checks a date: "yyyy/MM/dd" or "YYYY-MM-DD", a day of the calendar; out: "\"YYYY-MM-DD\"". */
static const char *
check_date(const struct ent_attribute_member *m, char *out)
{
    static const char *const why = "must be a date (yyyy/MM/dd or YYYY-MM-DD)";
    char s[16];
    if (m->kind != ENT_JSON_STRING || !plain_string(m, s, sizeof(s)) || strlen(s) != 10)
        return why;
    bool slashes = s[4] == '/' && s[7] == '/';
    if (slashes)
        s[4] = s[7] = '-';
    int64_t ms = 0;
    if (s[4] != '-' || s[7] != '-' || !ent_utc_parse(s, true, &ms))
        return why;
    snprintf(out, ENT_ATTRIBUTE_NORMAL_MAX, "\"%s\"", s);
    return NULL;
}

const char *
ent_attribute_check(enum ent_attribute_type type, const struct ent_attribute_member *m,
                    char out[ENT_ATTRIBUTE_NORMAL_MAX])
{
    out[0] = '\0';
    char s[ENT_ATTRIBUTE_NORMAL_MAX];
    switch (type) {
    case ENT_ATTRIBUTE_STRING:
        return m->kind == ENT_JSON_STRING ? NULL : "must be a string";
    case ENT_ATTRIBUTE_NUMBER: {
        if (m->kind == ENT_JSON_NUMBER)
            return NULL;
        size_t end = 0;
        if (m->kind != ENT_JSON_STRING || !plain_string(m, s, sizeof(s)) || !scan_number(s, &end) ||
            s[end] != '\0')
            return "must be a number";
        memcpy(out, s, end + 1);
        return NULL;
    }
    case ENT_ATTRIBUTE_BOOLEAN: {
        if (m->kind == ENT_JSON_TRUE || m->kind == ENT_JSON_FALSE)
            return NULL;
        const char *why = "must be true or false";
        if (m->kind != ENT_JSON_STRING || !plain_string(m, s, sizeof(s)))
            return why;
        for (char *p = s; *p; p++)
            *p = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
        if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)
            return why;
        memcpy(out, s, strlen(s) + 1);
        return NULL;
    }
    case ENT_ATTRIBUTE_DATE: {
        const char *why = check_date(m, out);
        if (!why && strlen(out) == m->value_len && memcmp(out, m->value, m->value_len) == 0)
            out[0] = '\0'; /* kept as given */
        return why;
    }
    }
    return "has a type that is not known";
}
