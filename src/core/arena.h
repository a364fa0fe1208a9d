/* SPDX-License-Identifier: MIT */
/*
 * arena.h: a request-scoped arena. Memory is taken in chunks and given back all at once by
 * ent_arena_cleanup(); nothing is freed piecemeal. A cap bounds what one request may take.
 */
#ifndef ENT_CORE_ARENA_H
#define ENT_CORE_ARENA_H

#include <stddef.h>

struct ent_arena_chunk;

struct ent_arena {
    struct ent_arena_chunk *head; /* the chunk being filled; older ones follow */
    size_t used;                  /* bytes used in head */
    size_t total;                 /* bytes taken from the allocator */
    size_t cap;                   /* the most this arena may take */
};

#define ENT_ARENA_DEFAULT_CAP ((size_t)64 << 20)

/* Prepares an empty arena that takes at most cap bytes (0: ENT_ARENA_DEFAULT_CAP). */
void ent_arena_init(struct ent_arena *a, size_t cap);

/* Frees every chunk; the arena is empty and usable again. */
void ent_arena_cleanup(struct ent_arena *a);

/* len bytes aligned to 16; NULL when out of memory or over the cap. */
void *ent_arena_alloc(struct ent_arena *a, size_t len);

/* len zeroed bytes; NULL when out of memory. */
void *ent_arena_calloc(struct ent_arena *a, size_t n, size_t size);

/* A terminated copy of len bytes of s; NULL when out of memory. */
char *ent_arena_strndup(struct ent_arena *a, const char *s, size_t len);

/* A terminated copy of s (NULL gives NULL). */
char *ent_arena_strdup(struct ent_arena *a, const char *s);

/* A printf-formatted string; NULL when out of memory. */
char *ent_arena_printf(struct ent_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* ENT_CORE_ARENA_H */
