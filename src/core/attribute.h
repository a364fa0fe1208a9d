/* SPDX-License-Identifier: MIT */
/*
 * attribute.h: custom attributes (seed 004): the members of a JSON object's text, read without a
 * JSON library (free-form attributes cross the layers as text), and the check of one value
 * against an attribute type, with the value normalised (a date as "YYYY-MM-DD", a number or a
 * boolean given as a string as the JSON number or boolean). Pure.
 */
#ifndef ENT_CORE_ATTRIBUTE_H
#define ENT_CORE_ATTRIBUTE_H

#include <stdbool.h>
#include <stddef.h>

#include <entitled.h>

/* What a JSON value is. */
enum ent_json_kind {
    ENT_JSON_STRING = 1,
    ENT_JSON_NUMBER,
    ENT_JSON_TRUE,
    ENT_JSON_FALSE,
    ENT_JSON_NULL,
    ENT_JSON_OBJECT,
    ENT_JSON_ARRAY,
};

/* One member of an object's text: spans into the text (the name without its quotes). */
struct ent_attribute_member {
    const char *name;
    size_t name_len;
    const char *value; /* the value's text as written (a string with its quotes) */
    size_t value_len;
    enum ent_json_kind kind;
};

/*
 * Reads the next member of the JSON object text, from *pos (0 before the first). Returns 1 and
 * the member (m), advancing *pos; 0 at the end of the object; -1 when the text is not a JSON
 * object (nesting deeper than 64, a bad token, something after the object).
 */
int ent_attribute_next(const char *text, size_t *pos, struct ent_attribute_member *m);

/* True when the member's name is name, ignoring the case of ASCII letters. */
bool ent_attribute_named(const struct ent_attribute_member *m, const char *name);

#define ENT_ATTRIBUTE_NORMAL_MAX 64 /* bytes of a normalised value, with its NUL */

/*
 * Checks the value of m against type. Returns NULL when it is of the type, with out (cap
 * ENT_ATTRIBUTE_NORMAL_MAX) set to the value to store instead, or to "" when it is kept as
 * given; else the reason it is not, for a field error ("must be a date (yyyy/MM/dd or
 * YYYY-MM-DD)"). null is not checked here (the caller decides what it means).
 */
const char *ent_attribute_check(enum ent_attribute_type type, const struct ent_attribute_member *m,
                                char out[ENT_ATTRIBUTE_NORMAL_MAX]);

#endif /* ENT_CORE_ATTRIBUTE_H */
