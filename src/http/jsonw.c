/* SPDX-License-Identifier: MIT */
/*
 * jsonw.c: the JSON writer of the hot answers (see jsonw.h).
 */
#include "http/jsonw.h"

#include <string.h>

#include "core/str.h"
#include "core/utc.h"
#include <entitled.h>

void
ent_jw_init(struct ent_jw *w, size_t cap)
{
    ent_buf_init(&w->b, cap);
    w->rc = ENT_OK;
    w->at = ENT_JW_FIRST;
}

void
ent_jw_cleanup(struct ent_jw *w)
{
    ent_buf_cleanup(&w->b);
}

/* The first failure is kept and stops every later write. */
void
ent_jw_put_slow(struct ent_jw *w, const void *p, size_t len)
{
    if (w->rc == ENT_OK)
        w->rc = ent_buf_append(&w->b, p, len);
}

#define put ent_jw_put

/* Starts a value: a comma when one came before it in the same container. */
static void
before_value(struct ent_jw *w)
{
    if (w->at == ENT_JW_VALUE)
        put(w, ",", 1);
    w->at = ENT_JW_VALUE;
}

void
ent_jw_open(struct ent_jw *w, char c)
{
    before_value(w);
    put(w, &c, 1);
    w->at = ENT_JW_FIRST;
}

void
ent_jw_close(struct ent_jw *w, char c)
{
    put(w, &c, 1);
    w->at = ENT_JW_VALUE;
}

/* True for the bytes a JSON string must escape. */
static inline bool
must_escape(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

void
ent_jw_string(struct ent_jw *w, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    before_value(w);
    put(w, "\"", 1);
    size_t run = 0; /* start of the bytes not yet written */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!must_escape(c))
            continue;
        put(w, s + run, i - run);
        run = i + 1;
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t n = 2;
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 0xf];
            n = 6;
            break;
        }
        put(w, esc, n);
    }
    put(w, s + run, len - run);
    put(w, "\"", 1);
}

void
ent_jw_cstring(struct ent_jw *w, const char *s)
{
    ent_jw_string(w, s, strlen(s));
}

void
ent_jw_cstring_or_null(struct ent_jw *w, const char *s)
{
    if (s)
        ent_jw_string(w, s, strlen(s));
    else
        ent_jw_null(w);
}

void
ent_jw_null(struct ent_jw *w)
{
    before_value(w);
    put(w, "null", 4);
}

void
ent_jw_bool(struct ent_jw *w, bool v)
{
    before_value(w);
    if (v)
        put(w, "true", 4);
    else
        put(w, "false", 5);
}

void
ent_jw_int(struct ent_jw *w, int64_t v)
{
    char buf[ENT_STR_INT_MAX];
    size_t n = ent_str_format_int(v, buf);
    before_value(w);
    put(w, buf, n);
}

void
ent_jw_int_or_null(struct ent_jw *w, bool has, int64_t v)
{
    if (has)
        ent_jw_int(w, v);
    else
        ent_jw_null(w);
}

void
ent_jw_time(struct ent_jw *w, int64_t ms)
{
    char buf[ENT_UTC_MAX + 2];
    size_t n = ent_utc_format(ms, buf + 1);
    buf[0] = '"';
    buf[n + 1] = '"';
    before_value(w);
    put(w, buf, n + 2);
}

void
ent_jw_time_or_null(struct ent_jw *w, int64_t ms)
{
    if (ms == ENT_TIME_NONE)
        ent_jw_null(w);
    else
        ent_jw_time(w, ms);
}

char *
ent_jw_finish(struct ent_jw *w, size_t *len, int *rc)
{
    ent_jw_put_slow(w, "\n", 1); /* through ent_buf_append: the terminator too */
    *rc = w->rc;
    if (w->rc != ENT_OK) {
        ent_buf_cleanup(&w->b);
        *len = 0;
        return NULL;
    }
    return ent_buf_release(&w->b, len);
}
