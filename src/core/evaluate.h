/* SPDX-License-Identifier: MIT */
/*
 * evaluate.h: the evaluation rules of DESIGN.md ("Evaluation rules"), as one pure function:
 * the grants an account holds of one feature, the usage, and a time in; the value, the level,
 * the limit and the reason out. No I/O, no clock, no allocation.
 */
#ifndef ENT_CORE_EVALUATE_H
#define ENT_CORE_EVALUATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <entitled.h>

/* The state a grant was given, before dates are considered. */
enum ent_grant_state {
    ENT_GRANT_ACTIVE = 1,
    ENT_GRANT_SUSPENDED,
    ENT_GRANT_REVOKED,
};

/*
 * One grant of the feature: what one entitlement or lease gives of it. A grant of a bundle
 * product is flattened by the caller into one grant per component that gives the feature,
 * with the quantities multiplied.
 */
struct ent_grant {
    const char *value; /* normalised: "true"/"false", a whole number, "unlimited", a level */
    int64_t quantity;  /* multiplies numeric values (entitlement quantity x component quantity) */
    int64_t start_ms;  /* in force from start (inclusive) … */
    int64_t end_ms;    /* … until end (exclusive); ENT_TIME_NONE: permanent */
    enum ent_grant_state state;
    bool override; /* a manual grant that replaces the combined value; the latest start wins */
    size_t source; /* the caller's index of the entitlement or lease, for explanations */
};

enum ent_reason {
    ENT_REASON_GRANTED = 1,
    ENT_REASON_NOT_GRANTED,
    ENT_REASON_EXPIRED,
    ENT_REASON_PENDING,
    ENT_REASON_SUSPENDED,
    ENT_REASON_LIMIT_REACHED,
    ENT_REASON_UNKNOWN_FEATURE,
};

/* The answer for one feature. */
struct ent_evaluation {
    bool value; /* may the account use the feature now */
    enum ent_reason reason;
    bool granted;      /* at least one grant is in force */
    const char *level; /* the combined value ("20", "unlimited", "pro", "true"); NULL if none */
    bool unlimited;
    bool has_limit;        /* numeric features: limit and remaining are meaningful */
    int64_t limit;         /* the combined number (numeric features, not unlimited) */
    int64_t usage;         /* as given in the input */
    int64_t remaining;     /* limit - usage, never below 0 (numeric, not unlimited) */
    int64_t expires_at_ms; /* when the last grant in force ends; ENT_TIME_NONE: one is
                              permanent, or none is in force */
    size_t n_in_force;     /* grants in force at t */
    char level_buf[24];    /* holds `level` when it is a computed number: a copy of the struct
                              still points into the original */
};

/*
 * Evaluates feature f for grants at time at_ms, with usage (the current window's for metered
 * features; live activations for features with activations; 0 otherwise).
 * Rules:
 *  1. in force: state active and start <= at < end (or permanent);
 *  2. none in force: reason suspended if one is suspended and within its dates, else pending if
 *     one starts later, else expired if one has ended, else not_granted (revoked grants count
 *     as absent);
 *  3. combine: switch on if any is "true"; quantity, range, metered: the sum of value x
 *     quantity, unlimited if any is unlimited; custom: the highest level given, in the order of
 *     f's levels; an override grant in force replaces the combined value (the latest start
 *     wins, then the later source index);
 *  4. value is true when granted and the level is non-zero ("false" for a switch and 0 for a
 *     number are zero: reason not_granted); for metered features only when remaining > 0 or
 *     unlimited, else reason limit_reached. Other numeric features report usage and remaining
 *     (live activations) without changing value.
 * Returns ENT_OK, or ENT_EINVAL when a grant's value does not fit the feature (skipped).
 */
int ent_evaluate(const struct ent_feature *f, const struct ent_grant *grants, size_t n_grants,
                 int64_t at_ms, int64_t usage, struct ent_evaluation *out);

/*
 * Where usage of a feature whose reset period is `never` counts from: the earliest start of
 * the grants in force at at_ms; INT64_MIN when none is in force.
 */
int64_t ent_evaluate_earliest_start(const struct ent_grant *grants, size_t n_grants, int64_t at_ms);

/* The API's spelling of a reason ("granted", "limit_reached", …). */
const char *ent_reason_name(enum ent_reason r);

#endif /* ENT_CORE_EVALUATE_H */
