/* SPDX-License-Identifier: MIT */
/*
 * evaluate.c: the evaluation rules of DESIGN.md (see evaluate.h): which grants are in force at
 * a time, how their values combine per feature type, the override rule, and the reason given
 * when a feature is not usable. It reads no store, no clock and no usage counter: the caller
 * passes the grants, the time and the usage of the current window, and reads the window from
 * core/window.h. It does not allocate: a computed level is written into the result itself.
 *
 * Invariant: every number this file computes lies within 0..ENT_EVALUATE_CAP, so no sum or
 * product can overflow; a total that would pass the cap is clamped to it.
 */
#include "core/evaluate.h"

#include <string.h>

#include "core/feature.h"
#include "core/str.h"

/* The largest number a combination reaches; larger totals are clamped here. */
#define ENT_EVALUATE_CAP (INT64_MAX / 2)

/* One grant's value, read according to the feature's type. */
struct grant_value {
    bool on;        /* switch: "true" */
    bool unlimited; /* numeric: "unlimited" */
    int64_t number; /* numeric: value x quantity, clamped to ENT_EVALUATE_CAP */
    size_t rank;    /* custom: 1 + the index of the level in f->levels */
};

/* The values of the grants in force, combined. */
struct combination {
    struct grant_value sum;     /* switch: any on; numeric: sum or unlimited; custom: max rank */
    bool has_override;          /* an override grant is in force */
    struct grant_value over;    /* the value of the winning override grant */
    const struct ent_grant *og; /* the winning override grant */
};

/* What the grants that are not in force say, for the reason of an absent feature. */
struct absence {
    bool suspended; /* one is suspended and within its dates */
    bool pending;   /* one starts after t */
    bool expired;   /* one ended at or before t */
};

/* ------------------------------------------------------------------------------------------ */
/* Reading one grant                                                                           */
/* ------------------------------------------------------------------------------------------ */

/* a + b for a, b within 0..ENT_EVALUATE_CAP, clamped to ENT_EVALUATE_CAP. */
static int64_t
add_clamped(int64_t a, int64_t b)
{
    return a > ENT_EVALUATE_CAP - b ? ENT_EVALUATE_CAP : a + b;
}

/* a x b for a, b >= 0, clamped to ENT_EVALUATE_CAP. */
static int64_t
mul_clamped(int64_t a, int64_t b)
{
    if (a == 0 || b == 0)
        return 0;
    if (a > ENT_EVALUATE_CAP / b)
        return ENT_EVALUATE_CAP;
    int64_t p = a * b;
    return p > ENT_EVALUATE_CAP ? ENT_EVALUATE_CAP : p;
}

/*
 * Reads the value of g for a quantity, range or metered feature: "unlimited" (any case) or a
 * whole number, multiplied by a quantity that must not be negative. OUT v.
 * Returns false when the value or the quantity does not fit.
 */
static bool
read_number(const struct ent_grant *g, struct grant_value *v)
{
    if (g->quantity < 0)
        return false;
    if (ent_feature_value_is_unlimited(g->value)) {
        v->unlimited = true;
        return true;
    }
    int64_t n;
    if (!ent_str_parse_whole(g->value, &n))
        return false;
    v->number = mul_clamped(n, g->quantity);
    return true;
}

/*
 * Reads g's value as f's type asks, checking its form only: "true"/"false" for a switch; a
 * whole number (ent_str_parse_whole) or "unlimited" for quantity, range and metered features,
 * with a quantity >= 0; one of f's levels (compared exactly) for custom. Level membership of
 * numbers and whether f allows unlimited are the catalog's rules, checked when a grant is made;
 * they are not re-checked here, so that editing a feature never silently drops a grant.
 * OUT v. Returns false when the value does not fit (the grant is then skipped).
 */
static bool
read_grant_value(const struct ent_feature *f, const struct ent_grant *g, struct grant_value *v)
{
    memset(v, 0, sizeof(*v));
    if (!g->value)
        return false;
    switch (f->type) {
    case ENT_FEATURE_SWITCH:
        v->on = strcmp(g->value, "true") == 0;
        return v->on || strcmp(g->value, "false") == 0;
    case ENT_FEATURE_CUSTOM:
        for (size_t i = 0; i < f->n_levels; i++) {
            if (f->levels[i].value && strcmp(f->levels[i].value, g->value) == 0) {
                v->rank = i + 1;
                return true;
            }
        }
        return false;
    case ENT_FEATURE_QUANTITY:
    case ENT_FEATURE_RANGE:
    case ENT_FEATURE_METERED:
        return read_number(g, v);
    }
    return false; /* not a feature type: no value fits */
}

/* True when t lies within g's dates: start <= t < end, or start <= t for a permanent grant. */
static bool
within_dates(const struct ent_grant *g, int64_t t_ms)
{
    return g->start_ms <= t_ms && (g->end_ms == ENT_TIME_NONE || t_ms < g->end_ms);
}

/* True when g is in force at t: active and within its dates (rule 1). */
static bool
in_force(const struct ent_grant *g, int64_t t_ms)
{
    return g->state == ENT_GRANT_ACTIVE && within_dates(g, t_ms);
}

/* ------------------------------------------------------------------------------------------ */
/* Combining                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/* Adds the value v of a grant in force to the combination c of f's type (rule 3). */
static void
combine(enum ent_feature_type type, struct grant_value *c, const struct grant_value *v)
{
    switch (type) {
    case ENT_FEATURE_SWITCH:
        c->on = c->on || v->on;
        break;
    case ENT_FEATURE_CUSTOM:
        if (v->rank > c->rank)
            c->rank = v->rank;
        break;
    case ENT_FEATURE_QUANTITY:
    case ENT_FEATURE_RANGE:
    case ENT_FEATURE_METERED:
        c->unlimited = c->unlimited || v->unlimited;
        c->number = add_clamped(c->number, v->number);
        break;
    }
}

/*
 * Offers the override grant g (in force, value v) to c: it wins over the current winner when
 * it starts later, or starts at the same time with a higher source index.
 */
static void
offer_override(struct combination *c, const struct ent_grant *g, const struct grant_value *v)
{
    if (c->has_override && (g->start_ms < c->og->start_ms ||
                            (g->start_ms == c->og->start_ms && g->source <= c->og->source)))
        return;
    c->has_override = true;
    c->og = g;
    c->over = *v;
}

/* Notes, in a, what a grant that is not in force says about the feature's absence (rule 2). */
static void
note_absence(struct absence *a, const struct ent_grant *g, int64_t t_ms)
{
    if (g->state == ENT_GRANT_SUSPENDED && within_dates(g, t_ms))
        a->suspended = true;
    if (t_ms < g->start_ms)
        a->pending = true;
    if (g->end_ms != ENT_TIME_NONE && t_ms >= g->end_ms)
        a->expired = true;
}

/* The reason for a feature with no grant in force, in the precedence of rule 2. */
static enum ent_reason
absence_reason(const struct absence *a)
{
    if (a->suspended)
        return ENT_REASON_SUSPENDED;
    if (a->pending)
        return ENT_REASON_PENDING;
    if (a->expired)
        return ENT_REASON_EXPIRED;
    return ENT_REASON_NOT_GRANTED;
}

/* ------------------------------------------------------------------------------------------ */
/* The result                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* Writes v (>= 0) in decimal into buf, which holds at least 20 bytes, and returns buf. */
static const char *
format_whole(int64_t v, char *buf)
{
    char digits[20];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    for (size_t i = 0; i < n; i++)
        buf[i] = digits[n - 1 - i];
    buf[n] = '\0';
    return buf;
}

/*
 * Fills the level, limit and remaining of out from the combined numeric value c, and says
 * whether the level is non-zero. usage below 0 counts as 0 for remaining. OUT out.
 */
static bool
fill_numeric(const struct grant_value *c, int64_t usage, struct ent_evaluation *out)
{
    if (c->unlimited) {
        out->unlimited = true;
        out->level = "unlimited";
        return true;
    }
    out->has_limit = true;
    out->limit = c->number;
    out->level = format_whole(c->number, out->level_buf);
    int64_t used = usage > 0 ? usage : 0;
    out->remaining = used >= c->number ? 0 : c->number - used;
    return c->number > 0;
}

/*
 * Fills out from the combined value c of the grants in force of f (rule 4): the level, the
 * limit for numeric features, the value and the reason. OUT out.
 */
static void
fill_granted(const struct ent_feature *f, const struct grant_value *c, int64_t usage,
             struct ent_evaluation *out)
{
    bool nonzero = false;
    switch (f->type) {
    case ENT_FEATURE_SWITCH:
        out->level = c->on ? "true" : "false";
        nonzero = c->on;
        break;
    case ENT_FEATURE_CUSTOM:
        /* Every grant in force was read as a level, so the rank is at least 1. */
        out->level = f->levels[c->rank - 1].value;
        nonzero = true;
        break;
    case ENT_FEATURE_QUANTITY:
    case ENT_FEATURE_RANGE:
    case ENT_FEATURE_METERED:
        nonzero = fill_numeric(c, usage, out);
        break;
    }
    out->granted = true;
    if (!nonzero) {
        out->reason = ENT_REASON_NOT_GRANTED;
        return;
    }
    if (f->type == ENT_FEATURE_METERED && !out->unlimited && out->remaining <= 0) {
        out->reason = ENT_REASON_LIMIT_REACHED;
        return;
    }
    out->value = true;
    out->reason = ENT_REASON_GRANTED;
}

/* ------------------------------------------------------------------------------------------ */
/* The API of evaluate.h                                                                       */
/* ------------------------------------------------------------------------------------------ */

/*
 * Evaluates feature f (see evaluate.h for the rules). Decisions the header leaves to this file:
 *  - f NULL: reason unknown_feature, value false, ENT_OK;
 *  - revoked grants are ignored before anything else, including the check of their value;
 *    every other grant is checked whether or not it is in force, so the return code does not
 *    depend on at_ms; a grant with an unknown state, a value of the wrong form or a negative
 *    quantity (numeric features) is skipped and makes the call return ENT_EINVAL;
 *  - an override replaces the combination by its own value x quantity;
 *  - expires_at_ms looks at every grant in force, override or not;
 *  - a switch or number combined to zero is still `granted` (true), with reason not_granted.
 * OUT out: fully overwritten; out->level may point into out->level_buf, into f's levels or to a
 * static string. Errors: ENT_EINVAL.
 */
int
ent_evaluate(const struct ent_feature *f, const struct ent_grant *grants, size_t n_grants,
             int64_t at_ms, int64_t usage, struct ent_evaluation *out)
{
    memset(out, 0, sizeof(*out));
    out->usage = usage;
    out->expires_at_ms = ENT_TIME_NONE;
    if (!f) {
        out->reason = ENT_REASON_UNKNOWN_FEATURE;
        return ENT_OK;
    }
    int rc = ENT_OK;
    struct combination c = {0};
    struct absence a = {0};
    bool permanent = false;
    for (size_t i = 0; i < n_grants; i++) {
        const struct ent_grant *g = &grants[i];
        if (g->state == ENT_GRANT_REVOKED)
            continue;
        struct grant_value v;
        if ((g->state != ENT_GRANT_ACTIVE && g->state != ENT_GRANT_SUSPENDED) ||
            !read_grant_value(f, g, &v)) {
            rc = ENT_EINVAL;
            continue;
        }
        if (!in_force(g, at_ms)) {
            note_absence(&a, g, at_ms);
            continue;
        }
        out->n_in_force++;
        permanent = permanent || g->end_ms == ENT_TIME_NONE;
        if (g->end_ms > out->expires_at_ms)
            out->expires_at_ms = g->end_ms;
        if (g->override)
            offer_override(&c, g, &v);
        else
            combine(f->type, &c.sum, &v);
    }
    if (permanent)
        out->expires_at_ms = ENT_TIME_NONE;
    if (out->n_in_force == 0) {
        out->reason = absence_reason(&a);
        return rc;
    }
    fill_granted(f, c.has_override ? &c.over : &c.sum, usage, out);
    return rc;
}

/*
 * The earliest start of the grants in force at at_ms (active and within their dates), where
 * usage of a `never` feature counts from; INT64_MIN when none is in force. Grant values are
 * not looked at: the caller passes the grants that give the feature.
 */
int64_t
ent_evaluate_earliest_start(const struct ent_grant *grants, size_t n_grants, int64_t at_ms)
{
    int64_t earliest = INT64_MIN;
    bool found = false;
    for (size_t i = 0; i < n_grants; i++) {
        if (!in_force(&grants[i], at_ms))
            continue;
        if (!found || grants[i].start_ms < earliest)
            earliest = grants[i].start_ms;
        found = true;
    }
    return earliest;
}

/* The API's spelling of r; "" for a value that is not a reason. */
const char *
ent_reason_name(enum ent_reason r)
{
    static const char *const names[] = {
        [ENT_REASON_GRANTED] = "granted",
        [ENT_REASON_NOT_GRANTED] = "not_granted",
        [ENT_REASON_EXPIRED] = "expired",
        [ENT_REASON_PENDING] = "pending",
        [ENT_REASON_SUSPENDED] = "suspended",
        [ENT_REASON_LIMIT_REACHED] = "limit_reached",
        [ENT_REASON_UNKNOWN_FEATURE] = "unknown_feature",
    };
    size_t i = (size_t)r;
    return (i < sizeof(names) / sizeof(names[0]) && names[i]) ? names[i] : "";
}
