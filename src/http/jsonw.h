/* SPDX-License-Identifier: MIT */
/*
 * jsonw.h: the JSON writer of the answers on the hot path (/v1/evaluate, its bulk and account
 * forms, OFREP). Requests are decoded strictly with jansson, and the other answers are jansson
 * trees; these answers are written straight into one buffer, a member name being one copy of a
 * literal that already holds its quotes and colon (docs/PERFORMANCE.md, "JSON out": a general
 * streaming writer spent about 400 instructions per call, most of them separating and quoting
 * in small pieces).
 *
 * The writer puts the commas itself: after a container opens nothing, after a value a comma,
 * after a member name nothing. It does not check that calls make a well-formed document (the
 * callers are a few fixed shapes, and the API tests parse every answer). The first failure
 * (out of memory, or the cap passed) empties the buffer and is kept: ent_jw_finish() reports it.
 */
#ifndef ENT_HTTP_JSONW_H
#define ENT_HTTP_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"

struct ent_jw {
    struct ent_buf b;
    int rc;           /* ENT_OK, or the first error */
    unsigned char at; /* ENT_JW_FIRST, ENT_JW_VALUE or ENT_JW_NAME: what came last */
};

enum { ENT_JW_FIRST, ENT_JW_VALUE, ENT_JW_NAME };

/* Prepares a writer whose document may reach cap bytes. */
void ent_jw_init(struct ent_jw *w, size_t cap);

/* Frees what the writer holds (after ent_jw_finish() took it, nothing). */
void ent_jw_cleanup(struct ent_jw *w);

/* Opens an object ('{') or an array ('['), and closes one ('}' or ']'). */
void ent_jw_open(struct ent_jw *w, char c);
void ent_jw_close(struct ent_jw *w, char c);

/* Appends bytes (the slow path: the buffer grows, or a write failed before). */
void ent_jw_put_slow(struct ent_jw *w, const void *p, size_t len);

/* Appends bytes: a copy while the buffer has room under its cap (the terminator is written at
 * the end). */
static inline void
ent_jw_put(struct ent_jw *w, const void *p, size_t len)
{
    if (w->rc == 0 && w->b.size - w->b.len > len && w->b.cap - w->b.len >= len) {
        memcpy(w->b.data + w->b.len, p, len);
        w->b.len += len;
    } else {
        ent_jw_put_slow(w, p, len);
    }
}

/* A member name given as its JSON text with the colon ("\"name\":"); see ent_jw_name. */
static inline void
ent_jw_name_text(struct ent_jw *w, const char *text, size_t len)
{
    if (w->at == ENT_JW_VALUE)
        ent_jw_put(w, ",", 1);
    ent_jw_put(w, text, len);
    w->at = ENT_JW_NAME;
}

/* A member name that is a string literal without characters to escape. */
#define ent_jw_name(w, lit) ent_jw_name_text((w), "\"" lit "\":", sizeof(lit) + 2)

/* Values. A string is escaped as JSON requires (its bytes are not checked to be UTF-8: what the
 * writer is given came through jansson, or is ASCII). The _or_null forms write null for NULL,
 * for has == false, or for ENT_TIME_NONE. A time is RFC 3339 in UTC (ent_utc_format). */
void ent_jw_string(struct ent_jw *w, const char *s, size_t len);
void ent_jw_cstring(struct ent_jw *w, const char *s);
void ent_jw_cstring_or_null(struct ent_jw *w, const char *s);
void ent_jw_null(struct ent_jw *w);
void ent_jw_bool(struct ent_jw *w, bool v);
void ent_jw_int(struct ent_jw *w, int64_t v);
void ent_jw_int_or_null(struct ent_jw *w, bool has, int64_t v);
void ent_jw_time(struct ent_jw *w, int64_t ms);
void ent_jw_time_or_null(struct ent_jw *w, int64_t ms);

/*
 * Ends the document with a newline and gives it to the caller (free with ent_free), with its
 * length in *len. Returns NULL, with the error in *rc (ENT_ENOMEM or ENT_ETOOLARGE), when a
 * write failed; the writer is empty either way.
 */
char *ent_jw_finish(struct ent_jw *w, size_t *len, int *rc);

#endif /* ENT_HTTP_JSONW_H */
