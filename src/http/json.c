/* SPDX-License-Identifier: MIT */
/*
 * json.c: the strict JSON reader and shared writers (see json.h).
 */
#include "http/json.h"

#include <stdio.h>
#include <string.h>

#include "core/utc.h"

/*
 * Refuses bodies nested deeper than ENT_JSON_MAX_DEPTH before jansson builds anything, so a
 * hostile body cannot make the parser recurse deeply.
 */
static bool
depth_ok(const char *s, size_t len)
{
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > ENT_JSON_MAX_DEPTH)
                return false;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return true;
}

int
ent_json_parse_object(const char *body, size_t len, json_t **value, struct ent_error *err)
{
    if (!depth_ok(body, len))
        return ent_error_set(err, ENT_EJSON, "the body is nested deeper than %d levels",
                             ENT_JSON_MAX_DEPTH);
    json_error_t jerr;
    json_t *v = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!v)
        return ent_error_set(err, ENT_EJSON, "the body is not valid JSON: %s (line %d, column %d)",
                             jerr.text, jerr.line, jerr.column);
    if (!json_is_object(v)) {
        json_decref(v);
        return ent_error_set(err, ENT_EJSON, "the body must be a JSON object");
    }
    *value = v;
    return ENT_OK;
}

/* Writes r's path joined with name into out. */
static void
field_path(const struct ent_jreader *r, const char *name, char *out, size_t cap)
{
    if (r->path && r->path[0])
        snprintf(out, cap, "%s.%s", r->path, name);
    else
        snprintf(out, cap, "%s", name);
}

void
ent_json_error(struct ent_jreader *r, const char *name, const char *message)
{
    char path[96];
    field_path(r, name, path, sizeof(path));
    ent_error_field(r->err, path, "%s", message);
}

void
ent_json_only(struct ent_jreader *r, const char *const *allowed)
{
    const char *key;
    json_t *value;
    json_object_foreach(r->obj, key, value)
    {
        bool known = false;
        for (size_t i = 0; allowed[i] && !known; i++)
            known = strcmp(allowed[i], key) == 0;
        if (!known)
            ent_json_error(r, key, "is not a field of this object");
    }
}

/* The member name of r->obj, checking presence, null and required. */
static json_t *
member(struct ent_jreader *r, const char *name, unsigned flags)
{
    json_t *v = json_object_get(r->obj, name);
    if (!v) {
        if (flags & ENT_J_REQUIRED)
            ent_json_error(r, name, "is required");
        return NULL;
    }
    if (json_is_null(v)) {
        if (!(flags & ENT_J_NULLABLE))
            ent_json_error(r, name, (flags & ENT_J_REQUIRED) ? "is required" : "may not be null");
        return NULL;
    }
    return v;
}

/* The bit of a JSON type in a mask of types. */
#define TYPE(t) (1u << (unsigned)(t))

/*
 * The member name when it is there, not null (see member) and of one of types (a mask of
 * TYPE()s); else NULL, with "<must>" recorded for the member when it has another type.
 */
static json_t *
typed_member(struct ent_jreader *r, const char *name, unsigned flags, unsigned types,
             const char *must)
{
    json_t *v = member(r, name, flags);
    if (v && !(types & TYPE(json_typeof(v)))) {
        ent_json_error(r, name, must);
        return NULL;
    }
    return v;
}

bool
ent_json_string(struct ent_jreader *r, const char *name, unsigned flags, const char **out)
{
    json_t *v = typed_member(r, name, flags, TYPE(JSON_STRING), "must be a string");
    if (!v)
        return false;
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) {
        ent_json_error(r, name, "may not contain NUL characters");
        return false;
    }
    *out = s;
    return true;
}

bool
ent_json_bool(struct ent_jreader *r, const char *name, unsigned flags, bool *out)
{
    json_t *v =
        typed_member(r, name, flags, TYPE(JSON_TRUE) | TYPE(JSON_FALSE), "must be true or false");
    if (!v)
        return false;
    *out = json_is_true(v);
    return true;
}

bool
ent_json_int(struct ent_jreader *r, const char *name, unsigned flags, int64_t min, int64_t max,
             int64_t *out)
{
    json_t *v = typed_member(r, name, flags, TYPE(JSON_INTEGER), "must be a whole number");
    if (!v)
        return false;
    json_int_t n = json_integer_value(v);
    if (n < min || n > max) {
        char msg[96];
        snprintf(msg, sizeof(msg), "must be between %lld and %lld", (long long)min, (long long)max);
        ent_json_error(r, name, msg);
        return false;
    }
    *out = (int64_t)n;
    return true;
}

bool
ent_json_enum(struct ent_jreader *r, const char *name, unsigned flags, int (*parse)(const char *),
              const char *choices, int *out)
{
    const char *s;
    if (!ent_json_string(r, name, flags, &s))
        return false;
    int v = parse(s);
    if (!v) {
        char msg[160];
        snprintf(msg, sizeof(msg), "must be one of: %s", choices);
        ent_json_error(r, name, msg);
        return false;
    }
    *out = v;
    return true;
}

bool
ent_json_object_text(struct ent_jreader *r, const char *name, unsigned flags, const char **out)
{
    json_t *v = typed_member(r, name, flags, TYPE(JSON_OBJECT), "must be an object");
    if (!v)
        return false;
    char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text) {
        ent_error_set(r->err, ENT_ENOMEM, "%s", "");
        return false;
    }
    *out = ent_ctx_strndup(r->ctx, text, strlen(text));
    free(text);
    return *out != NULL;
}

bool
ent_json_array(struct ent_jreader *r, const char *name, unsigned flags, size_t max, json_t **arr)
{
    json_t *v = typed_member(r, name, flags, TYPE(JSON_ARRAY), "must be an array");
    if (!v)
        return false;
    if (json_array_size(v) > max) {
        char msg[64];
        snprintf(msg, sizeof(msg), "has more than %zu elements", max);
        ent_json_error(r, name, msg);
        return false;
    }
    *arr = v;
    return true;
}

bool
ent_json_object(struct ent_jreader *r, const char *name, unsigned flags, json_t **sub)
{
    json_t *v = typed_member(r, name, flags, TYPE(JSON_OBJECT), "must be an object");
    if (!v)
        return false;
    *sub = v;
    return true;
}

struct ent_jreader
ent_json_child(struct ent_jreader *r, const char *name, long i, json_t *obj)
{
    char path[96];
    char base[96];
    field_path(r, name, base, sizeof(base));
    if (i >= 0)
        snprintf(path, sizeof(path), "%s[%ld]", base, i);
    else
        snprintf(path, sizeof(path), "%s", base);
    struct ent_jreader child = {.obj = obj, .ctx = r->ctx, .err = r->err};
    child.path = ent_ctx_strndup(r->ctx, path, strlen(path));
    if (!child.path)
        child.path = "";
    return child;
}

json_t *
ent_json_time(int64_t ms)
{
    if (ms == ENT_TIME_NONE)
        return json_null();
    char buf[ENT_UTC_MAX];
    ent_utc_format(ms, buf);
    return json_string(buf);
}

json_t *
ent_json_str_or_null(const char *s)
{
    return (s && s[0]) ? json_string(s) : json_null();
}

json_t *
ent_json_raw_object(const char *text)
{
    json_t *v = text ? json_loads(text, 0, NULL) : NULL;
    return v ? v : json_object();
}
