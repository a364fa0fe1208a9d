/* SPDX-License-Identifier: MIT */
/*
 * uuid.h: UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits, so ids
 * sort in the order they were made. The random bytes are an input: core fetches nothing.
 */
#ifndef ENT_CORE_UUID_H
#define ENT_CORE_UUID_H

#include <stdbool.h>
#include <stdint.h>

#define ENT_UUID_LEN 36 /* characters, without the terminator */

/* Writes the UUIDv7 of (ms, 10 random bytes) as lower-case text into out (37 bytes). */
void ent_uuid_v7(int64_t ms, const uint8_t random[10], char *out);

/*
 * Packs a UUID in canonical text form (36 characters, lower-case hex) into its 16 bytes.
 * Returns false, leaving out unspecified, for any other text (upper case included, so that
 * unpacking gives back exactly the text that was packed).
 */
bool ent_uuid_pack(const char *s, uint8_t out[16]);

/* Writes the canonical text of 16 UUID bytes into out (37 bytes). */
void ent_uuid_unpack(const uint8_t in[16], char *out);

/* True when s is a UUID in its 36-character text form (any version, either case). */
bool ent_uuid_is_valid(const char *s);

#endif /* ENT_CORE_UUID_H */
