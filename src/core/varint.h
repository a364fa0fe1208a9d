/* SPDX-License-Identifier: MIT */
/*
 * varint.h: whole numbers in as few bytes as their size needs (LEB128: 7 bits a byte, low
 * bits first, the high bit set on every byte but the last), signed ones zigzag-mapped first so
 * that small negatives stay small. Snapshots pack their sources with these (service/cache.c).
 */
#ifndef ENT_CORE_VARINT_H
#define ENT_CORE_VARINT_H

#include <stddef.h>
#include <stdint.h>

#define ENT_VARINT_MAX 10 /* the most bytes a 64-bit number takes */

/* Writes v at out (room for ENT_VARINT_MAX bytes); returns the bytes written (1 to 10). */
size_t ent_varint_put(uint8_t *out, uint64_t v);

/*
 * Reads a number written by ent_varint_put from in[0 .. len). OUT v. Returns the bytes read,
 * or 0 when in ends inside the number or the number takes more than 64 bits.
 */
size_t ent_varint_get(const uint8_t *in, size_t len, uint64_t *v);

/* The zigzag mapping of signed to unsigned (0, -1, 1, -2 … → 0, 1, 2, 3 …) and back. */
static inline uint64_t
ent_zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v < 0 ? -1 : 0);
}
static inline int64_t
ent_unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

#endif /* ENT_CORE_VARINT_H */
