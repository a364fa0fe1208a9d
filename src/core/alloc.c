/* SPDX-License-Identifier: MIT */
/*
 * alloc.c: the allocator seam (see alloc.h). The only file that calls malloc and free.
 *
 * The failure counter is the one global of core/: it exists for tests alone and is atomic, so
 * that it is harmless when threads allocate concurrently.
 */
#include "core/alloc.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static atomic_long fail_countdown = -1; /* < 0: never fail */
static atomic_long allocations;

/* Decides whether this allocation must fail, for the test seam. */
static int
should_fail(void)
{
    atomic_fetch_add(&allocations, 1);
    long left = atomic_load(&fail_countdown);
    if (left < 0)
        return 0;
    if (left == 0)
        return 1;
    atomic_fetch_sub(&fail_countdown, 1);
    return 0;
}

void *
ent_alloc(size_t len)
{
    if (should_fail())
        return NULL;
    return malloc(len ? len : 1);
}

void *
ent_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    if (should_fail())
        return NULL;
    return calloc(n ? n : 1, size ? size : 1);
}

void *
ent_realloc(void *p, size_t len)
{
    if (should_fail())
        return NULL;
    return realloc(p, len ? len : 1);
}

void
ent_free(void *p)
{
    free(p);
}

char *
ent_strndup(const char *s, size_t len)
{
    char *copy = ent_alloc(len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

long
ent_alloc_fail_after(long n)
{
    atomic_store(&fail_countdown, n);
    return atomic_exchange(&allocations, 0);
}
