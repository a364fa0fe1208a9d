/* SPDX-License-Identifier: MIT */
/*
 * test_evaluate_cases.c: the one runner of the evaluation cases in tests/unit/cases/evaluate/
 * (STYLE.md: "Evaluation rules are pinned by files"). Each NNN-short-name.json file is one case:
 *
 *   {"why": "one line", "feature": {"type", "unit"?, "levels"?, "reset_period"?} or null,
 *    "grants": [{"value", "quantity"?, "start", "end"?, "state"?, "override"?, "source"?}],
 *    "at": "RFC 3339", "usage"?: n, "expect": {…}}
 *
 * Defaults: quantity 1, end null (permanent), state "active", override false, source the
 * grant's index, usage 0. Levels are strings ("unlimited" makes an unlimited level) or objects
 * {"value", "is_unlimited"}. A null feature is an unknown one.
 *
 * Only the keys present in "expect" are compared: value, reason, level (null: none), granted,
 * unlimited, limit and remaining (null: no limit), usage, expires_at (null: none), n_in_force.
 * "code" ("OK", "EINVAL") is the expected return code; without it the call must return ENT_OK.
 * Unknown keys anywhere are refused, so that a typo cannot make a case pass by testing nothing.
 *
 * Every file is its own cmocka test, named after the file, so a failure names the file (and
 * the message repeats it with the case's "why"). The directory comes from argv[1], or from
 * ENT_EVALUATE_CASES_DIR when no argument is given; a directory without cases is a failure.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/evaluate.h"
#include "core/utc.h"
#include <entitled.h>

#define MAX_CASES 1000
#define MAX_GRANTS 64
#define MAX_LEVELS 100

/* One case file, and the JSON document read from it (alive during its test). */
struct eval_case {
    char name[256];  /* the file name, "001-switch-on.json" */
    char path[4096]; /* the directory and the file name */
    json_t *root;    /* owned; released by the test's teardown */
};

static struct eval_case cases[MAX_CASES];
static struct CMUnitTest tests[MAX_CASES];

/* ------------------------------------------------------------------------------------------ */
/* Failing loudly                                                                              */
/* ------------------------------------------------------------------------------------------ */

/*
 * Fails the current test with a message that starts with the case's path and ends with its
 * "why". Does not return (cmocka jumps out of the test).
 */
static void case_fail(const struct eval_case *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
case_fail(const struct eval_case *c, const char *fmt, ...)
{
    char detail[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    json_t *why = c->root ? json_object_get(c->root, "why") : NULL;
    fail_msg("evaluation case %s failed: %s (why: %s)", c->path, detail,
             json_is_string(why) ? json_string_value(why) : "?");
}

/* Fails the case when obj has a key not listed in allowed (NULL-terminated); where names obj. */
static void
check_keys(const struct eval_case *c, json_t *obj, const char *const *allowed, const char *where)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        (void)v;
        bool known = false;
        for (size_t i = 0; allowed[i] && !known; i++)
            known = strcmp(allowed[i], key) == 0;
        if (!known)
            case_fail(c, "unknown key \"%s\" in %s", key, where);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Reading a case                                                                              */
/* ------------------------------------------------------------------------------------------ */

/* The string at key of obj, or NULL when absent or null; fails on any other type. */
static const char *
opt_string(const struct eval_case *c, json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v))
        case_fail(c, "\"%s\" is not a string", key);
    return json_string_value(v);
}

/* The whole number at key of obj, or dflt when absent; fails on any other type. */
static int64_t
opt_integer(const struct eval_case *c, json_t *obj, const char *key, int64_t dflt)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return dflt;
    if (!json_is_integer(v))
        case_fail(c, "\"%s\" is not an integer", key);
    return (int64_t)json_integer_value(v);
}

/* The boolean at key of obj, or dflt when absent; fails on any other type. */
static bool
opt_bool(const struct eval_case *c, json_t *obj, const char *key, bool dflt)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return dflt;
    if (!json_is_boolean(v))
        case_fail(c, "\"%s\" is not a boolean", key);
    return json_is_true(v);
}

/* The time (RFC 3339) at key of obj, or dflt when absent or null; fails on a bad time. */
static int64_t
opt_time(const struct eval_case *c, json_t *obj, const char *key, int64_t dflt)
{
    const char *s = opt_string(c, obj, key);
    if (!s)
        return dflt;
    int64_t ms = 0;
    if (!ent_utc_parse(s, false, &ms))
        case_fail(c, "\"%s\" is not an RFC 3339 time: %s", key, s);
    return ms;
}

/* Reads the "feature" object of the case into f, its levels into levels. OUT f, levels. */
static void
read_feature(const struct eval_case *c, json_t *jf, struct ent_feature *f, struct ent_level *levels)
{
    static const char *const keys[] = {"type", "unit", "levels", "reset_period", NULL};
    if (!json_is_object(jf))
        case_fail(c, "\"feature\" is neither an object nor null");
    check_keys(c, jf, keys, "feature");
    const char *type = opt_string(c, jf, "type");
    *f = (struct ent_feature){.key = "feature", .type = ent_feature_type_parse(type)};
    if (f->type == 0)
        case_fail(c, "feature.type \"%s\" is not a feature type", type ? type : "(none)");
    f->unit = opt_string(c, jf, "unit");
    const char *period = opt_string(c, jf, "reset_period");
    if (period) {
        f->reset_period = ent_period_parse(period);
        if (f->reset_period == ENT_PERIOD_NONE)
            case_fail(c, "feature.reset_period \"%s\" is not a period", period);
    }
    json_t *jl = json_object_get(jf, "levels");
    if (!jl)
        return;
    if (!json_is_array(jl) || json_array_size(jl) > MAX_LEVELS)
        case_fail(c, "feature.levels is not an array of at most %d levels", MAX_LEVELS);
    size_t i;
    json_t *l;
    json_array_foreach(jl, i, l)
    {
        static const char *const level_keys[] = {"value", "is_unlimited", NULL};
        if (json_is_string(l)) {
            levels[i] = (struct ent_level){.value = json_string_value(l)};
        } else if (json_is_object(l)) {
            check_keys(c, l, level_keys, "feature.levels[]");
            levels[i] = (struct ent_level){.value = opt_string(c, l, "value"),
                                           .is_unlimited = opt_bool(c, l, "is_unlimited", false)};
        } else {
            case_fail(c, "feature.levels[%zu] is neither a string nor an object", i);
        }
        if (levels[i].value && strcmp(levels[i].value, "unlimited") == 0)
            levels[i].is_unlimited = true;
    }
    f->levels = levels;
    f->n_levels = json_array_size(jl);
}

/* Reads grant i of the case (object jg) into g. OUT g. */
static void
read_grant(const struct eval_case *c, json_t *jg, size_t i, struct ent_grant *g)
{
    static const char *const keys[] = {"value", "quantity", "start",  "end",
                                       "state", "override", "source", NULL};
    if (!json_is_object(jg))
        case_fail(c, "grants[%zu] is not an object", i);
    check_keys(c, jg, keys, "grants[]");
    if (!json_object_get(jg, "start"))
        case_fail(c, "grants[%zu].start is required", i);
    *g = (struct ent_grant){
        .value = opt_string(c, jg, "value"),
        .quantity = opt_integer(c, jg, "quantity", 1),
        .start_ms = opt_time(c, jg, "start", 0),
        .end_ms = opt_time(c, jg, "end", ENT_TIME_NONE),
        .state = ENT_GRANT_ACTIVE,
        .override = opt_bool(c, jg, "override", false),
        .source = (size_t)opt_integer(c, jg, "source", (int64_t)i),
    };
    const char *state = opt_string(c, jg, "state");
    if (!state || strcmp(state, "active") == 0)
        g->state = ENT_GRANT_ACTIVE;
    else if (strcmp(state, "suspended") == 0)
        g->state = ENT_GRANT_SUSPENDED;
    else if (strcmp(state, "revoked") == 0)
        g->state = ENT_GRANT_REVOKED;
    else
        case_fail(c, "grants[%zu].state \"%s\" is not active, suspended or revoked", i, state);
}

/* ------------------------------------------------------------------------------------------ */
/* Comparing                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/* Compares a boolean of the result with expect[key], when present. */
static void
check_bool(const struct eval_case *c, json_t *expect, const char *key, bool got)
{
    if (!json_object_get(expect, key))
        return;
    bool want = opt_bool(c, expect, key, false);
    if (want != got)
        case_fail(c, "%s: got %s, want %s", key, got ? "true" : "false", want ? "true" : "false");
}

/* Compares a number of the result with expect[key], when present (null: no number, !has). */
static void
check_number(const struct eval_case *c, json_t *expect, const char *key, bool has, int64_t got)
{
    json_t *v = json_object_get(expect, key);
    if (!v)
        return;
    if (json_is_null(v)) {
        if (has)
            case_fail(c, "%s: got %lld, want null", key, (long long)got);
        return;
    }
    int64_t want = opt_integer(c, expect, key, 0);
    if (!has)
        case_fail(c, "%s: got null, want %lld", key, (long long)want);
    if (want != got)
        case_fail(c, "%s: got %lld, want %lld", key, (long long)got, (long long)want);
}

/* Compares a string of the result with expect[key], when present (null: no string). */
static void
check_string(const struct eval_case *c, json_t *expect, const char *key, const char *got)
{
    if (!json_object_get(expect, key))
        return;
    const char *want = opt_string(c, expect, key);
    if ((want == NULL) != (got == NULL) || (want && strcmp(want, got) != 0))
        case_fail(c, "%s: got %s%s%s, want %s%s%s", key, got ? "\"" : "", got ? got : "null",
                  got ? "\"" : "", want ? "\"" : "", want ? want : "null", want ? "\"" : "");
}

/* Compares the result e and return code rc with the case's "expect" object. */
static void
compare(const struct eval_case *c, json_t *expect, int rc, const struct ent_evaluation *e)
{
    static const char *const keys[] = {"value",      "reason",     "level",     "granted",
                                       "unlimited",  "limit",      "remaining", "usage",
                                       "expires_at", "n_in_force", "code",      NULL};
    if (!json_is_object(expect))
        case_fail(c, "\"expect\" is not an object");
    check_keys(c, expect, keys, "expect");
    const char *code = opt_string(c, expect, "code");
    if (strcmp(ent_error_name(rc), code ? code : "OK") != 0)
        case_fail(c, "code: got %s, want %s", ent_error_name(rc), code ? code : "OK");
    check_bool(c, expect, "value", e->value);
    check_string(c, expect, "reason", ent_reason_name(e->reason));
    check_string(c, expect, "level", e->level);
    check_bool(c, expect, "granted", e->granted);
    check_bool(c, expect, "unlimited", e->unlimited);
    check_number(c, expect, "limit", e->has_limit, e->limit);
    check_number(c, expect, "remaining", e->has_limit, e->remaining);
    check_number(c, expect, "usage", true, e->usage);
    check_number(c, expect, "n_in_force", true, (int64_t)e->n_in_force);
    json_t *exp_at = json_object_get(expect, "expires_at");
    if (exp_at) {
        int64_t want = opt_time(c, expect, "expires_at", ENT_TIME_NONE);
        if (want != e->expires_at_ms) {
            char got_s[ENT_UTC_MAX] = "null", want_s[ENT_UTC_MAX] = "null";
            if (e->expires_at_ms != ENT_TIME_NONE)
                ent_utc_format(e->expires_at_ms, got_s);
            if (want != ENT_TIME_NONE)
                ent_utc_format(want, want_s);
            case_fail(c, "expires_at: got %s, want %s", got_s, want_s);
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* The tests                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/* Loads the case's file before its test. */
static int
load_case(void **state)
{
    struct eval_case *c = *state;
    json_error_t jerr;
    c->root = json_load_file(c->path, JSON_REJECT_DUPLICATES, &jerr);
    if (!c->root)
        fprintf(stderr, "evaluation case %s: invalid JSON at line %d: %s\n", c->path, jerr.line,
                jerr.text);
    return c->root ? 0 : -1;
}

/* Releases the case's document after its test. */
static int
release_case(void **state)
{
    struct eval_case *c = *state;
    json_decref(c->root);
    c->root = NULL;
    return 0;
}

/* Runs one case: builds the feature and grants, evaluates, compares with "expect". */
static void
run_case(void **state)
{
    struct eval_case *c = *state;
    static const char *const keys[] = {"why", "feature", "grants", "at", "usage", "expect", NULL};
    if (!json_is_object(c->root))
        case_fail(c, "the document is not an object");
    check_keys(c, c->root, keys, "the case");
    if (!opt_string(c, c->root, "why"))
        case_fail(c, "\"why\" is required");
    struct ent_level levels[MAX_LEVELS];
    struct ent_feature feature;
    json_t *jf = json_object_get(c->root, "feature");
    if (!jf)
        case_fail(c, "\"feature\" is required (null for an unknown feature)");
    if (!json_is_null(jf))
        read_feature(c, jf, &feature, levels);
    json_t *jg = json_object_get(c->root, "grants");
    if (!json_is_array(jg) || json_array_size(jg) > MAX_GRANTS)
        case_fail(c, "\"grants\" is not an array of at most %d grants", MAX_GRANTS);
    struct ent_grant grants[MAX_GRANTS];
    size_t i;
    json_t *g;
    json_array_foreach(jg, i, g)
    {
        read_grant(c, g, i, &grants[i]);
    }
    if (!json_object_get(c->root, "at"))
        case_fail(c, "\"at\" is required");
    int64_t at = opt_time(c, c->root, "at", 0);
    int64_t usage = opt_integer(c, c->root, "usage", 0);
    struct ent_evaluation e;
    int rc = ent_evaluate(json_is_null(jf) ? NULL : &feature, grants, json_array_size(jg), at,
                          usage, &e);
    compare(c, json_object_get(c->root, "expect"), rc, &e);
}

/* Orders case files by name, so that NNN- prefixes set the order of the run. */
static int
compare_cases(const void *a, const void *b)
{
    return strcmp(((const struct eval_case *)a)->name, ((const struct eval_case *)b)->name);
}

/* Lists the *.json files of dir into cases[]. Returns how many, or -1 (with a message). */
static int
list_cases(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "evaluation cases: cannot open the directory %s\n", dir);
        return -1;
    }
    int n = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        size_t len = strlen(ent->d_name);
        if (len < 6 || strcmp(ent->d_name + len - 5, ".json") != 0)
            continue;
        if (n == MAX_CASES || len >= sizeof(cases[0].name)) {
            fprintf(stderr, "evaluation cases: too many files, or a name too long, in %s\n", dir);
            closedir(d);
            return -1;
        }
        memcpy(cases[n].name, ent->d_name, len + 1);
        n++;
    }
    closedir(d);
    qsort(cases, (size_t)n, sizeof(cases[0]), compare_cases);
    for (int i = 0; i < n; i++) {
        struct eval_case *c = &cases[i];
        size_t dir_len = strlen(dir), name_len = strlen(c->name);
        if (dir_len + 1 + name_len >= sizeof(c->path)) {
            fprintf(stderr, "evaluation cases: the path of %s is too long\n", c->name);
            return -1;
        }
        memcpy(c->path, dir, dir_len);
        c->path[dir_len] = '/';
        memcpy(c->path + dir_len + 1, c->name, name_len + 1);
    }
    return n;
}

int
main(int argc, char **argv)
{
#ifdef ENT_EVALUATE_CASES_DIR
    const char *dir = argc > 1 ? argv[1] : ENT_EVALUATE_CASES_DIR;
#else
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIRECTORY-OF-EVALUATION-CASES\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
#endif
    int n = list_cases(dir);
    if (n <= 0) {
        if (n == 0)
            fprintf(stderr, "evaluation cases: no *.json case in %s\n", dir);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        tests[i] = (struct CMUnitTest){.name = cases[i].name,
                                       .test_func = run_case,
                                       .setup_func = load_case,
                                       .teardown_func = release_case,
                                       .initial_state = &cases[i]};
    }
    return _cmocka_run_group_tests("evaluate_cases", tests, (size_t)n, NULL, NULL);
}
