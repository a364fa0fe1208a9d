/* SPDX-License-Identifier: MIT */
/*
 * fields.h: checks of the fields every resource has (key, name, free text, attributes), so
 * that each resource reports them with the same words.
 */
#ifndef ENT_SERVICE_FIELDS_H
#define ENT_SERVICE_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

#define ENT_EVENT_AMOUNT_MAX 1000000000000LL /* 10^12: no sum of events overflows a counter */
#define ENT_EVENT_KEY_MAX 255                /* bytes of an event's idempotency key */

/*
 * The fields every recorded event has (usage, consumption): amount 1 to ENT_EVENT_AMOUNT_MAX,
 * an idempotency_key of 1 to ENT_EVENT_KEY_MAX printable ASCII characters (or none), and a
 * timestamp at most ENT_USAGE_FUTURE_MS after now_ms. Records field errors.
 * OUT ts_ms: the event's time (now_ms when none is given).
 */
void ent_fields_event(const struct ent_usage_input *in, int64_t now_ms, int64_t *ts_ms,
                      struct ent_error *err);

/*
 * The span and granularity of a series (usage, consumption): granularity hour, day or month;
 * to after from, by at most a year. Records field errors ("granularity", "to").
 */
void ent_fields_series(int64_t from_ms, int64_t to_ms, enum ent_period granularity,
                       struct ent_error *err);

/* True when err holds field errors. */
bool ent_fields_failed(const struct ent_error *err);

#endif /* ENT_SERVICE_FIELDS_H */
