/* SPDX-License-Identifier: MIT */
/*
 * json.h: the strict JSON reader and the writers shared by every handler. Reading refuses what
 * a careless API would let through: unknown fields (each named in a 422), wrong types (named
 * with their path), strings with NUL bytes, numbers that are not whole, nesting too deep and
 * duplicate keys. Strings read are borrowed from the parsed body, which lives as long as the
 * request.
 */
#ifndef ENT_HTTP_JSON_H
#define ENT_HTTP_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <entitled.h>

#define ENT_JSON_MAX_DEPTH 16

/* Flags of the getters. */
enum {
    ENT_J_REQUIRED = 1u << 0, /* absent: "is required" */
    ENT_J_NULLABLE = 1u << 1, /* null is accepted (and reads as absent) */
};

/*
 * A field reader over one JSON object: path is the object's path in the body ("" for the body,
 * "levels[2]" for an element), so every error names the whole path of its field.
 */
struct ent_jreader {
    json_t *obj;
    const char *path;
    struct ent_ctx *ctx;
    struct ent_error *err;
};

/*
 * Parses body as one JSON object. Errors: ENT_EJSON (not JSON, duplicate keys, nesting deeper
 * than ENT_JSON_MAX_DEPTH, not an object). OUT value (to json_decref).
 */
int ent_json_parse_object(const char *body, size_t len, json_t **value, struct ent_error *err);

/* Refuses every member of r->obj not named in allowed (NULL-terminated): 422 per field. */
void ent_json_only(struct ent_jreader *r, const char *const *allowed);

/*
 * Typed getters. Each returns true when the field is present and not null, and records a field
 * error when its type or value is wrong (returning false). OUT values are left untouched when
 * the field is absent.
 */
bool ent_json_string(struct ent_jreader *r, const char *name, unsigned flags, const char **out);
bool ent_json_bool(struct ent_jreader *r, const char *name, unsigned flags, bool *out);
bool ent_json_int(struct ent_jreader *r, const char *name, unsigned flags, int64_t min, int64_t max,
                  int64_t *out);
/* A string that must be one of an enum's names; parse returns 0 for unknown names. */
bool ent_json_enum(struct ent_jreader *r, const char *name, unsigned flags,
                   int (*parse)(const char *), const char *choices, int *out);
/* A free-form object (attributes, metadata), as canonical text (sorted keys, compact). */
bool ent_json_object_text(struct ent_jreader *r, const char *name, unsigned flags,
                          const char **out);
/* An array of at most max elements; OUT arr (borrowed). */
bool ent_json_array(struct ent_jreader *r, const char *name, unsigned flags, size_t max,
                    json_t **arr);
/* An object member; OUT sub (borrowed). */
bool ent_json_object(struct ent_jreader *r, const char *name, unsigned flags, json_t **sub);

/* A reader for element i of array field name, or for object member name (i < 0). */
struct ent_jreader ent_json_child(struct ent_jreader *r, const char *name, long i, json_t *obj);

/* Records a field error at r's path + name. */
void ent_json_error(struct ent_jreader *r, const char *name, const char *message);

/* Writers. */
json_t *ent_json_time(int64_t ms);             /* RFC 3339 UTC, or null for ENT_TIME_NONE */
json_t *ent_json_str_or_null(const char *s);   /* null for NULL and for "" */
json_t *ent_json_raw_object(const char *text); /* canonical text back to a value ({} on error) */

#endif /* ENT_HTTP_JSON_H */
