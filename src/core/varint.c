/* SPDX-License-Identifier: MIT */
/* varint.c: see varint.h. */
#include "core/varint.h"

size_t
ent_varint_put(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

size_t
ent_varint_get(const uint8_t *in, size_t len, uint64_t *v)
{
    uint64_t x = 0;
    for (size_t i = 0; i < len && i < ENT_VARINT_MAX; i++) {
        uint64_t b = in[i] & 0x7f;
        if (i == ENT_VARINT_MAX - 1 && b > 1)
            return 0; /* the tenth byte holds the 64th bit alone */
        x |= b << (7 * i);
        if (!(in[i] & 0x80)) {
            *v = x;
            return i + 1;
        }
    }
    return 0;
}
