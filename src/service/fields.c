/* SPDX-License-Identifier: MIT */
/*
 * fields.c: checks shared by every resource (see fields.h).
 */
#include "service/fields.h"

#include <string.h>

#include "core/str.h"

bool
ent_fields_key(struct ent_error *err, const char *field, const char *value)
{
    if (!value || !value[0]) {
        ent_error_field(err, field, "is required");
        return false;
    }
    if (!ent_str_is_key(value)) {
        ent_error_field(err, field,
                        "must be 1 to 64 of a-z, 0-9, '_', '.', '-', starting with a letter or "
                        "digit");
        return false;
    }
    return true;
}

bool
ent_fields_feature_key(struct ent_error *err, const char *field, const char *value)
{
    if (!value || !value[0]) {
        ent_error_field(err, field, "is required");
        return false;
    }
    if (!ent_str_is_feature_key(value)) {
        ent_error_field(err, field,
                        "must be 1 to 64 of A-Z, a-z, 0-9, '_', '.', '-', starting with a letter "
                        "or digit");
        return false;
    }
    return true;
}

bool
ent_fields_name(struct ent_error *err, const char *field, const char *value)
{
    if (!value || !value[0]) {
        ent_error_field(err, field, "is required");
        return false;
    }
    return ent_fields_text(err, field, value, ENT_NAME_MAX);
}

bool
ent_fields_text(struct ent_error *err, const char *field, const char *value, size_t max)
{
    if (value && strlen(value) > max) {
        ent_error_field(err, field, "is longer than %zu characters", max);
        return false;
    }
    return true;
}

bool
ent_fields_attributes(struct ent_error *err, const char *field, const char *value)
{
    if (value && strlen(value) > ENT_ATTRIBUTES_MAX) {
        ent_error_field(err, field, "is larger than %d bytes", ENT_ATTRIBUTES_MAX);
        return false;
    }
    return true;
}

bool
ent_fields_failed(const struct ent_error *err)
{
    return err && err->code == ENT_EINVAL;
}
