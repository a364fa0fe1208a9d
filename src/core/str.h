/* SPDX-License-Identifier: MIT */
/*
 * str.h: small string rules shared by every layer: keys (slugs), whole numbers, e-mail
 * addresses, case-insensitive comparison, and UTF-8 checks.
 */
#ifndef ENT_CORE_STR_H
#define ENT_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ENT_KEY_MAX 64
#define ENT_NAME_MAX 200

/*
 * True when s is a valid key: 1 to ENT_KEY_MAX characters of [a-z0-9_.-], starting with a
 * letter or digit. Keys are what vendors use in code, so they are strict.
 */
bool ent_str_is_key(const char *s);

/*
 * True when s is a valid feature key: as ent_str_is_key(), with upper-case letters too
 * (`ENABLE_X`, seed 003). A feature key is stored as given and matched ASCII
 * case-insensitively everywhere, so two feature keys never differ by case alone.
 */
bool ent_str_is_feature_key(const char *s);

/*
 * Writes the ASCII lower case of s (other bytes as they are) into out, NUL-terminated: the form
 * in which names and keys that are unique whatever their case are compared. Returns false, and
 * writes nothing, when s and its NUL do not fit in cap bytes.
 */
bool ent_str_fold(const char *s, char *out, size_t cap);

/*
 * Parses a whole number in canonical form: digits only, no sign, no leading zero (but "0"),
 * at most 18 digits. OUT value. Returns false when s is not one.
 */
bool ent_str_parse_whole(const char *s, int64_t *value);

/* The longest text of an int64 (a sign, 19 digits) and its NUL. */
#define ENT_STR_INT_MAX 21

/* Writes v in decimal (a '-' when negative) to out, NUL-terminated; returns its length. */
size_t ent_str_format_int(int64_t v, char out[ENT_STR_INT_MAX]);

/* True when s looks like an e-mail address: local@domain.tld, no spaces, at most 254 bytes. */
bool ent_str_is_email(const char *s);

/* ASCII case-insensitive equality. */
bool ent_str_ieq(const char *a, const char *b);

/* FNV-1a hash (64 bits) of a string, for the in-memory tables. */
uint64_t ent_str_hash(const char *s);

/* The same of the string's ASCII lower case: for names matched as ent_str_ieq() does. */
uint64_t ent_str_hash_folded(const char *s);

/* True when s (len bytes) is valid UTF-8 without NUL bytes. */
bool ent_str_is_utf8(const char *s, size_t len);

/* True when s contains needle, ASCII case-insensitively. */
bool ent_str_icontains(const char *s, const char *needle);

#endif /* ENT_CORE_STR_H */
