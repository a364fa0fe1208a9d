/* SPDX-License-Identifier: MIT */
/*
 * buf.c: the capped growable buffer (see buf.h).
 */
#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include <entitled.h>

void
ent_buf_init(struct ent_buf *b, size_t cap)
{
    b->data = NULL;
    b->len = 0;
    b->size = 0;
    b->cap = cap;
}

void
ent_buf_cleanup(struct ent_buf *b)
{
    ent_free(b->data);
    ent_buf_init(b, b->cap);
}

void
ent_buf_reset(struct ent_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Makes room for len more bytes and the terminator. Errors: ENT_ETOOLARGE, ENT_ENOMEM. */
static int
reserve(struct ent_buf *b, size_t len)
{
    if (len > b->cap - b->len) {
        ent_buf_cleanup(b);
        return ENT_ETOOLARGE;
    }
    size_t need = b->len + len + 1;
    if (need <= b->size)
        return ENT_OK;
    size_t size = b->size ? b->size : 256;
    while (size < need)
        size *= 2;
    char *data = ent_realloc(b->data, size);
    if (!data) {
        ent_buf_cleanup(b);
        return ENT_ENOMEM;
    }
    b->data = data;
    b->size = size;
    return ENT_OK;
}

int
ent_buf_reserve(struct ent_buf *b, size_t len)
{
    return reserve(b, len);
}

int
ent_buf_append(struct ent_buf *b, const void *data, size_t len)
{
    int rc = reserve(b, len);
    if (rc < 0)
        return rc;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return ENT_OK;
}

int
ent_buf_puts(struct ent_buf *b, const char *s)
{
    return ent_buf_append(b, s, strlen(s));
}

int
ent_buf_printf(struct ent_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        ent_buf_cleanup(b); /* a failed append leaves the buffer empty */
        return ENT_EINTERNAL;
    }
    int rc = reserve(b, (size_t)n);
    if (rc < 0)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return ENT_OK;
}

char *
ent_buf_release(struct ent_buf *b, size_t *len)
{
    char *data = b->data;
    if (len)
        *len = b->len;
    ent_buf_init(b, b->cap);
    return data;
}
