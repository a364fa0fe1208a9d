/* SPDX-License-Identifier: MIT */
/*
 * buf.h: a growable byte buffer with a mandatory cap. An append that would pass the cap, or
 * that runs out of memory, fails and leaves the buffer empty, so a half-written buffer is
 * never mistaken for a whole one.
 */
#ifndef ENT_CORE_BUF_H
#define ENT_CORE_BUF_H

#include <stddef.h>

struct ent_buf {
    char *data;  /* terminated, so it can be read as a string; NULL until the first append */
    size_t len;  /* bytes in data, not counting the terminator */
    size_t size; /* bytes allocated */
    size_t cap;  /* the most len may reach */
};

/* Prepares an empty buffer that may hold up to cap bytes. */
void ent_buf_init(struct ent_buf *b, size_t cap);

/* Frees the data; the buffer is empty and usable again. Safe to call twice. */
void ent_buf_cleanup(struct ent_buf *b);

/* Empties the buffer but keeps its memory. */
void ent_buf_reset(struct ent_buf *b);

/* Makes room for len more bytes at once. Errors: as ent_buf_append(). */
int ent_buf_reserve(struct ent_buf *b, size_t len);

/*
 * Appends len bytes. Errors: ENT_ETOOLARGE (over the cap), ENT_ENOMEM; either way the buffer
 * is emptied.
 */
int ent_buf_append(struct ent_buf *b, const void *data, size_t len);

/* Appends a terminated string. Errors: as ent_buf_append(). */
int ent_buf_puts(struct ent_buf *b, const char *s);

/* Appends printf-formatted text. Errors: as ent_buf_append(). */
int ent_buf_printf(struct ent_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Gives the data to the caller (free it with ent_free) and empties the buffer. */
char *ent_buf_release(struct ent_buf *b, size_t *len);

#endif /* ENT_CORE_BUF_H */
