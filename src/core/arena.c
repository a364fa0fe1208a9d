/* SPDX-License-Identifier: MIT */
/*
 * arena.c: the request arena (see arena.h). Chunks grow geometrically from 4 KiB; an
 * allocation larger than half a chunk gets a chunk of its own.
 */
#include "core/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"

struct ent_arena_chunk {
    struct ent_arena_chunk *next;
    size_t size; /* usable bytes in data */
    _Alignas(16) unsigned char data[];
};

#define FIRST_CHUNK 4096u
#define MAX_CHUNK ((size_t)1 << 20)
#define ALIGN(n) (((n) + 15u) & ~(size_t)15u)

void
ent_arena_init(struct ent_arena *a, size_t cap)
{
    a->head = NULL;
    a->used = 0;
    a->total = 0;
    a->cap = cap ? cap : ENT_ARENA_DEFAULT_CAP;
}

void
ent_arena_cleanup(struct ent_arena *a)
{
    struct ent_arena_chunk *c = a->head;
    while (c) {
        struct ent_arena_chunk *next = c->next;
        ent_free(c);
        c = next;
    }
    ent_arena_init(a, a->cap);
}

/* Takes a chunk of size usable bytes from the allocator, within the arena's cap. */
static struct ent_arena_chunk *
new_chunk(struct ent_arena *a, size_t size)
{
    if (size > a->cap || a->total > a->cap - size)
        return NULL;
    struct ent_arena_chunk *c = ent_alloc(sizeof(*c) + size);
    if (!c)
        return NULL;
    c->size = size;
    a->total += size;
    return c;
}

void *
ent_arena_alloc(struct ent_arena *a, size_t len)
{
    if (len > SIZE_MAX - 16)
        return NULL;
    size_t need = ALIGN(len ? len : 1);
    if (a->head && a->head->size - a->used >= need) {
        void *p = a->head->data + a->used;
        a->used += need;
        return p;
    }
    size_t size = a->head ? a->head->size * 2 : FIRST_CHUNK;
    if (size > MAX_CHUNK)
        size = MAX_CHUNK;
    if (size > a->cap - a->total && a->cap - a->total >= need)
        size = a->cap - a->total; /* near the cap, a smaller chunk that still fits */
    if (need > size / 2 && a->head) {
        /* A large one-off: its own chunk, kept behind head so head stays the one to fill. */
        struct ent_arena_chunk *c = new_chunk(a, need);
        if (!c)
            return NULL;
        c->next = a->head->next;
        a->head->next = c;
        return c->data;
    }
    struct ent_arena_chunk *c = new_chunk(a, need > size ? need : size);
    if (!c)
        return NULL;
    c->next = a->head;
    a->head = c;
    a->used = need;
    return c->data;
}

void *
ent_arena_calloc(struct ent_arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = ent_arena_alloc(a, n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

char *
ent_arena_strndup(struct ent_arena *a, const char *s, size_t len)
{
    char *copy = ent_arena_alloc(a, len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

char *
ent_arena_strdup(struct ent_arena *a, const char *s)
{
    return s ? ent_arena_strndup(a, s, strlen(s)) : NULL;
}

char *
ent_arena_printf(struct ent_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *out = ent_arena_alloc(a, (size_t)n + 1);
    if (!out)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(out, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return out;
}
