/* SPDX-License-Identifier: MIT */
/*
 * errors.c: the error vocabulary, generated from ENT_ERROR_TABLE in entitled.h, and the
 * functions that fill a struct ent_error. Reporting an error never allocates.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <entitled.h>

struct error_row {
    int code;
    const char *name;
    const char *type;
    int status;
    const char *title;
};

static const struct error_row error_rows[] = {
#define ENT_ERROR_ROW(n, value, t, s, ti)                                                          \
    {.code = value, .name = #n, .type = t, .status = s, .title = ti},
    ENT_ERROR_TABLE(ENT_ERROR_ROW)
#undef ENT_ERROR_ROW
};

/* The row of code, or the row of ENT_EINTERNAL for a code not in the table. */
static const struct error_row *
find_row(int code)
{
    for (size_t i = 0; i < sizeof(error_rows) / sizeof(error_rows[0]); i++) {
        if (error_rows[i].code == code)
            return &error_rows[i];
    }
    return find_row(ENT_EINTERNAL);
}

const char *
ent_error_name(int code)
{
    return find_row(code)->name;
}

const char *
ent_error_type(int code)
{
    return find_row(code)->type;
}

int
ent_error_status(int code)
{
    return find_row(code)->status;
}

const char *
ent_error_title(int code)
{
    return find_row(code)->title;
}

void
ent_error_clear(struct ent_error *err)
{
    if (!err)
        return;
    err->code = ENT_OK;
    err->message[0] = '\0';
    err->n_fields = 0;
    err->n_dropped = 0;
}

int
ent_error_set(struct ent_error *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return code;
}

int
ent_error_field(struct ent_error *err, const char *field, const char *fmt, ...)
{
    if (!err)
        return ENT_EINVAL;
    if (err->code == ENT_OK || err->code == ENT_EINVAL) {
        if (err->code == ENT_OK)
            snprintf(err->message, sizeof(err->message), "the request has invalid fields");
        err->code = ENT_EINVAL;
    }
    if (err->n_fields == ENT_ERROR_MAX_FIELDS) {
        err->n_dropped++;
        return ENT_EINVAL;
    }
    struct ent_field_error *f = &err->fields[err->n_fields++];
    snprintf(f->field, sizeof(f->field), "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof(f->message), fmt, ap);
    va_end(ap);
    return ENT_EINVAL;
}
