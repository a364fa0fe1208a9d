/* SPDX-License-Identifier: MIT */
/*
 * fields.c: checks shared by every resource (see fields.h).
 */
#include "service/fields.h"

#include <string.h>

#include "core/str.h"

/* A key of [a-z0-9_.-] (and A-Z with upper), a letter or digit first: a field error if not. */
static bool
check_key(struct ent_error *err, const char *field, const char *value, bool upper)
{
    if (!value || !value[0]) {
        ent_error_field(err, field, "is required");
        return false;
    }
    if (!(upper ? ent_str_is_feature_key(value) : ent_str_is_key(value))) {
        ent_error_field(err, field,
                        "must be 1 to 64 of %sa-z, 0-9, '_', '.', '-', starting with a "
                        "letter or digit",
                        upper ? "A-Z, " : "");
        return false;
    }
    return true;
}

bool
ent_fields_key(struct ent_error *err, const char *field, const char *value)
{
    return check_key(err, field, value, false);
}

bool
ent_fields_feature_key(struct ent_error *err, const char *field, const char *value)
{
    return check_key(err, field, value, true);
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

/* True when s is 1 to ENT_EVENT_KEY_MAX printable ASCII characters (space to '~'). */
static bool
event_key_valid(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        if (n == ENT_EVENT_KEY_MAX || s[n] < ' ' || s[n] > '~')
            return false;
    }
    return n > 0;
}

void
ent_fields_event(const struct ent_usage_input *in, int64_t now_ms, int64_t *ts_ms,
                 struct ent_error *err)
{
    if (in->amount < 1 || in->amount > ENT_EVENT_AMOUNT_MAX)
        ent_error_field(err, "amount", "must be a whole number from 1 to %lld",
                        (long long)ENT_EVENT_AMOUNT_MAX);
    if (in->idempotency_key && !event_key_valid(in->idempotency_key))
        ent_error_field(err, "idempotency_key", "must be 1 to %d printable ASCII characters",
                        ENT_EVENT_KEY_MAX);
    *ts_ms = in->timestamp_ms != ENT_TIME_NONE ? in->timestamp_ms : now_ms;
    if (*ts_ms > now_ms + ENT_USAGE_FUTURE_MS)
        ent_error_field(err, "timestamp", "may be at most %lld seconds ahead of now",
                        (long long)(ENT_USAGE_FUTURE_MS / 1000));
}

#define SERIES_SPAN_MAX_MS (366LL * 86400000LL) /* a year, leap years included */

void
ent_fields_series(int64_t from_ms, int64_t to_ms, enum ent_period granularity,
                  struct ent_error *err)
{
    if (granularity != ENT_PERIOD_HOUR && granularity != ENT_PERIOD_DAY &&
        granularity != ENT_PERIOD_MONTH)
        ent_error_field(err, "granularity", "must be hour, day or month");
    if (to_ms <= from_ms)
        ent_error_field(err, "to", "must be later than from");
    else if (to_ms - from_ms > SERIES_SPAN_MAX_MS)
        ent_error_field(err, "to", "must be at most a year after from");
}
