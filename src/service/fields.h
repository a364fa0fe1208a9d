/* SPDX-License-Identifier: MIT */
/*
 * fields.h: checks of the fields every resource has (key, name, free text, attributes), so
 * that each resource reports them with the same words.
 */
#ifndef ENT_SERVICE_FIELDS_H
#define ENT_SERVICE_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include <entitled.h>

#define ENT_ATTRIBUTES_MAX (16 * 1024)
#define ENT_TEXT_MAX 2000

/* A key: required, [a-z0-9][a-z0-9_.-]{0,63}. Records a field error; false when invalid. */
bool ent_fields_key(struct ent_error *err, const char *field, const char *value);

/* A feature key: required, [A-Za-z0-9][A-Za-z0-9_.-]{0,63} (ent_str_is_feature_key). */
bool ent_fields_feature_key(struct ent_error *err, const char *field, const char *value);

/* A name: required, 1 to 200 characters. */
bool ent_fields_name(struct ent_error *err, const char *field, const char *value);

/* Optional free text of at most max characters (NULL passes). */
bool ent_fields_text(struct ent_error *err, const char *field, const char *value, size_t max);

/* Attributes: canonical JSON object text of at most 16 KiB (NULL passes). */
bool ent_fields_attributes(struct ent_error *err, const char *field, const char *value);

/* True when err holds field errors. */
bool ent_fields_failed(const struct ent_error *err);

#endif /* ENT_SERVICE_FIELDS_H */
