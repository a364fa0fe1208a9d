/* SPDX-License-Identifier: MIT */
/*
 * alloc.h: the one allocator seam. Every heap allocation of the library goes through these
 * functions, so that tests can fail the Nth allocation and check that nothing leaks.
 */
#ifndef ENT_CORE_ALLOC_H
#define ENT_CORE_ALLOC_H

#include <stddef.h>

/* malloc(len); NULL when out of memory (or when a test made this allocation fail). */
void *ent_alloc(size_t len);

/* calloc(n, size), overflow-checked; NULL when out of memory. */
void *ent_calloc(size_t n, size_t size);

/* realloc(p, len); on failure p is untouched and NULL is returned. */
void *ent_realloc(void *p, size_t len);

/* free(p); NULL is accepted. */
void ent_free(void *p);

/* A terminated heap copy of len bytes of s; NULL when out of memory. */
char *ent_strndup(const char *s, size_t len);

/*
 * Test seam: makes the allocation after the next n succeed no more (n = 0 fails the next one);
 * a negative n turns failures off. Returns how many allocations were made since the last call.
 */
long ent_alloc_fail_after(long n);

#endif /* ENT_CORE_ALLOC_H */
