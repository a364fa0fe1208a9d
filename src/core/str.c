/* SPDX-License-Identifier: MIT */
/*
 * str.c: string rules (see str.h). Pure functions; no locale is consulted.
 */
#include "core/str.h"

#include <string.h>

/* ASCII lower case of c. */
static char
lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* True when s is 1 to ENT_KEY_MAX of [a-z0-9_.-] (and [A-Z] with upper), a letter or digit first.
 */
static bool
is_key(const char *s, bool upper)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > ENT_KEY_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = upper ? lower(s[i]) : s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
            return false;
    }
    return true;
}

bool
ent_str_is_key(const char *s)
{
    return is_key(s, false);
}

bool
ent_str_is_feature_key(const char *s)
{
    return is_key(s, true);
}

bool
ent_str_fold(const char *s, char *out, size_t cap)
{
    size_t n = s ? strlen(s) : 0;
    if (!out || n >= cap)
        return false;
    for (size_t i = 0; i < n; i++)
        out[i] = lower(s[i]);
    out[n] = '\0';
    return true;
}

bool
ent_str_parse_whole(const char *s, int64_t *value)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 18 || (n > 1 && s[0] == '0'))
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    if (value)
        *value = v;
    return true;
}

size_t
ent_str_format_int(int64_t v, char out[ENT_STR_INT_MAX])
{
    char digits[ENT_STR_INT_MAX];
    size_t n = 0;
    /* In unsigned arithmetic, so that INT64_MIN has a magnitude too. */
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        digits[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t len = 0;
    if (v < 0)
        out[len++] = '-';
    while (n)
        out[len++] = digits[--n];
    out[len] = '\0';
    return len;
}

bool
ent_str_is_email(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 6 || n > 254)
        return false;
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@'))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"')
            return false;
    }
    const char *domain = at + 1;
    const char *dot = strrchr(domain, '.');
    if (!dot || dot == domain || dot[1] == '\0' || strlen(dot + 1) < 2)
        return false;
    if (domain[0] == '.' || strstr(domain, ".."))
        return false;
    return (size_t)(at - s) <= 64;
}

uint64_t
ent_str_hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

uint64_t
ent_str_hash_folded(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++) {
        h ^= (unsigned char)lower(*s);
        h *= 1099511628211ULL;
    }
    return h;
}

bool
ent_str_ieq(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    while (*a && *b) {
        if (lower(*a) != lower(*b))
            return false;
        a++;
        b++;
    }
    return *a == *b;
}

bool
ent_str_icontains(const char *s, const char *needle)
{
    if (!s || !needle)
        return false;
    size_t n = strlen(needle);
    for (; *s; s++) {
        size_t i = 0;
        while (i < n && s[i] && lower(s[i]) == lower(needle[i]))
            i++;
        if (i == n)
            return true;
    }
    return n == 0;
}

bool
ent_str_is_utf8(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        size_t extra;
        uint32_t cp;
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            extra = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            extra = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (len - i <= extra)
            return false;
        for (size_t k = 1; k <= extra; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        static const uint32_t min_cp[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += extra + 1;
    }
    return true;
}
