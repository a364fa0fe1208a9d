/* SPDX-License-Identifier: MIT */
/*
 * uuid.c: UUIDv7 layout and UUID text checks (see uuid.h).
 */
#include "core/uuid.h"

#include <string.h>

void
ent_uuid_v7(int64_t ms, const uint8_t random[10], char *out)
{
    uint8_t b[16];
    uint64_t t = (uint64_t)ms;
    for (int i = 0; i < 6; i++)
        b[i] = (uint8_t)(t >> (40 - 8 * i));
    memcpy(b + 6, random, 10);
    b[6] = (uint8_t)(0x70 | (b[6] & 0x0f)); /* version 7 */
    b[8] = (uint8_t)(0x80 | (b[8] & 0x3f)); /* variant 10 */
    ent_uuid_unpack(b, out);
}

/* The value of a lower-case hex digit, or -1. */
static int
hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

bool
ent_uuid_pack(const char *s, uint8_t out[16])
{
    if (!s || strlen(s) != ENT_UUID_LEN)
        return false;
    size_t o = 0;
    for (size_t i = 0; i < ENT_UUID_LEN;) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i++] != '-')
                return false;
            continue;
        }
        int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[o++] = (uint8_t)(hi << 4 | lo);
        i += 2;
    }
    return o == 16;
}

void
ent_uuid_unpack(const uint8_t in[16], char *out)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[in[i] >> 4];
        out[o++] = hex[in[i] & 15];
    }
    out[o] = '\0';
}

bool
ent_uuid_is_valid(const char *s)
{
    if (!s || strlen(s) != ENT_UUID_LEN)
        return false;
    for (int i = 0; i < ENT_UUID_LEN; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}
