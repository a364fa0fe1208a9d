/* SPDX-License-Identifier: MIT */
/*
 * opts.c: options from the environment and the command line (see opts.h). Command-line values
 * win over the environment.
 */
#include "cmd/opts.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <entitled.h>

/* A whole-number option of serve: its name, environment variable, range and place in o. */
struct number_opt {
    const char *name; /* without the leading "--" */
    const char *env;
    unsigned min, max;
    unsigned *slot;
};

static int match_option(const char *arg, const char *name, int argc, char **argv, int *i,
                        const char **value);
static int parse_number(const char *what, const char *text, unsigned min, unsigned max,
                        unsigned *out);

/* Reads a thread count; 0 when invalid. */
static unsigned
parse_threads(const char *s)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!s[0] || *end || v < 1 || v > 256)
        return 0;
    return (unsigned)v;
}

/*
 * Matches arg against --name and --name=VALUE. Returns 0 when arg is another option; 1 when it
 * is this one, with OUT value set (NULL when missing) and *i moved past a separate value.
 */
/* True when the space-separated list allowed names the option name (a whole word). */
static bool
allows(const char *allowed, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = allowed; (p = strstr(p, name)) != NULL; p += n) {
        bool starts = p == allowed || p[-1] == ' ';
        bool ends = p[n] == '\0' || p[n] == ' ';
        if (starts && ends)
            return true;
    }
    return false;
}

static int
match_option(const char *arg, const char *name, int argc, char **argv, int *i, const char **value)
{
    size_t n = strlen(name);
    *value = NULL;
    if (strncmp(arg, "--", 2) != 0 || strncmp(arg + 2, name, n) != 0)
        return 0;
    if (arg[2 + n] == '=')
        *value = arg + 3 + n;
    else if (arg[2 + n] == '\0' && *i + 1 < argc)
        *value = argv[++*i];
    else if (arg[2 + n] != '\0')
        return 0;
    return 1;
}

/*
 * Reads text as a whole number from min to max into OUT *out. Returns 0, or 2 after printing
 * that what (the option or variable) is out of range.
 */
static int
parse_number(const char *what, const char *text, unsigned min, unsigned max, unsigned *out)
{
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 10);
    if (!text[0] || *end || text[0] == '-' || text[0] == '+' || v < min || v > max) {
        fprintf(stderr, "entitled: %s must be %u to %u\n", what, min, max);
        return 2;
    }
    *out = (unsigned)v;
    return 0;
}

int
ent_opts_parse(struct ent_opts *o, int argc, char **argv, int first, const char *allowed)
{
    memset(o, 0, sizeof(*o));
    o->rate_usage = 2000;
    o->rate_admin = 200;
    o->timeout_s = 30;
    o->per_ip_connections = 1024;
    o->max_connections = 4096;
    o->webhook_workers = 2;
    o->webhook_retry_unit_ms = 1000;
    o->webhook_max_attempts = 13;
    o->webhook_timeout_s = 10;
    const struct number_opt numbers[] = {
        {"rate-evaluate", "ENTITLED_RATE_EVALUATE", 0, 1000000, &o->rate_evaluate},
        {"rate-usage", "ENTITLED_RATE_USAGE", 0, 1000000, &o->rate_usage},
        {"rate-admin", "ENTITLED_RATE_ADMIN", 0, 1000000, &o->rate_admin},
        {"timeout-seconds", "ENTITLED_TIMEOUT_SECONDS", 1, 86400, &o->timeout_s},
        {"per-ip-connections", "ENTITLED_PER_IP_CONNECTIONS", 1, 65535, &o->per_ip_connections},
        {"max-connections", "ENTITLED_MAX_CONNECTIONS", 1, 65535, &o->max_connections},
        /* Signed licenses (issue 13): lifetimes in seconds, 1 hour to 10 years */
        {"license-ttl-max", "ENTITLED_LICENSE_TTL_MAX", 3600, 315360000, &o->license_ttl_max_s},
        {"license-ttl", "ENTITLED_LICENSE_TTL", 3600, 315360000, &o->license_ttl_s},
        /* webhooks (issue 15) */
        {"webhook-workers", "ENTITLED_WEBHOOK_WORKERS", 1, 64, &o->webhook_workers},
        {"webhook-retry-unit-ms", "ENTITLED_WEBHOOK_RETRY_UNIT_MS", 1, 1000,
         &o->webhook_retry_unit_ms},
        {"webhook-max-attempts", "ENTITLED_WEBHOOK_MAX_ATTEMPTS", 1, 13, &o->webhook_max_attempts},
        {"webhook-timeout-seconds", "ENTITLED_WEBHOOK_TIMEOUT_SECONDS", 1, 60,
         &o->webhook_timeout_s},
    };
    const size_t n_numbers = sizeof(numbers) / sizeof(numbers[0]);
    for (size_t k = 0; k < n_numbers; k++) {
        const char *env = getenv(numbers[k].env);
        if (!env || !env[0] || !allows(allowed, numbers[k].name))
            continue;
        int rc = parse_number(numbers[k].env, env, numbers[k].min, numbers[k].max, numbers[k].slot);
        if (rc)
            return rc;
    }
    o->listen = getenv("ENTITLED_LISTEN");
    o->store = getenv("ENTITLED_STORE");
    o->key_file = getenv("ENTITLED_KEY_FILE");
    o->license_issuer = getenv("ENTITLED_LICENSE_ISSUER"); /* issue 13 */
    const char *t = getenv("ENTITLED_THREADS");
    if (t && t[0]) {
        o->threads = parse_threads(t);
        if (!o->threads) {
            fprintf(stderr, "entitled: ENTITLED_THREADS must be 1 to 256\n");
            return 2;
        }
    }
    o->cache_accounts_text = getenv("ENTITLED_CACHE_ACCOUNTS");
    if (allows(allowed, "log-format"))
        o->log_format = getenv("ENTITLED_LOG_FORMAT");
    if (allows(allowed, "tls-cert")) {
        o->tls_cert = getenv("ENTITLED_TLS_CERT");
        o->tls_key = getenv("ENTITLED_TLS_KEY");
    }
    if (allows(allowed, "cors-origin"))
        o->cors_origins = getenv("ENTITLED_CORS_ORIGINS"); /* OFREP (issue 14) */
    const char *q = getenv("ENTITLED_QUIET");
    o->quiet = q && strcmp(q, "1") == 0;
    const char *wp = getenv("ENTITLED_WEBHOOK_ALLOW_PRIVATE"); /* webhooks (issue 15) */
    o->webhook_allow_private =
        wp && strcmp(wp, "1") == 0 && allows(allowed, "webhook-allow-private");
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            o->help = true;
            continue;
        }
        if (strcmp(arg, "--quiet") == 0 && allows(allowed, "quiet")) {
            o->quiet = true;
            continue;
        }
        if (strcmp(arg, "--webhook-allow-private") == 0 &&
            allows(allowed, "webhook-allow-private")) {
            o->webhook_allow_private = true; /* webhooks (issue 15) */
            continue;
        }
        static const char *const names[] = {
            "listen", "store",          "key-file",       "threads",    "scope",    "account",
            "name",   "cache-accounts", "log-format",     "to",         "tls-cert", "tls-key",
            "from",   "since",          "license-issuer", "cors-origin"};
        const char **slots[] = {
            &o->listen,     &o->store,   &o->key_file,       NULL,
            &o->scope,      &o->account, &o->name,           &o->cache_accounts_text,
            &o->log_format, &o->to,      &o->tls_cert,       &o->tls_key,
            &o->from,       &o->since,   &o->license_issuer, &o->cors_origins};
        bool matched = false;
        for (size_t k = 0; k < sizeof(names) / sizeof(names[0]) && !matched; k++) {
            const char *value = NULL;
            if (!match_option(arg, names[k], argc, argv, &i, &value))
                continue;
            if (!allows(allowed, names[k]) || !value) {
                fprintf(stderr, "entitled: option --%s %s\n", names[k],
                        value ? "is not taken by this command" : "needs a value");
                return 2;
            }
            matched = true;
            if (slots[k]) {
                *slots[k] = value;
            } else {
                o->threads = parse_threads(value);
                if (!o->threads) {
                    fprintf(stderr, "entitled: --threads must be 1 to 256\n");
                    return 2;
                }
            }
        }
        for (size_t k = 0; k < n_numbers && !matched; k++) {
            const char *value = NULL;
            if (!match_option(arg, numbers[k].name, argc, argv, &i, &value))
                continue;
            if (!allows(allowed, numbers[k].name) || !value) {
                fprintf(stderr, "entitled: option --%s %s\n", numbers[k].name,
                        value ? "is not taken by this command" : "needs a value");
                return 2;
            }
            matched = true;
            char what[64];
            snprintf(what, sizeof(what), "--%s", numbers[k].name);
            int rc = parse_number(what, value, numbers[k].min, numbers[k].max, numbers[k].slot);
            if (rc)
                return rc;
        }
        if (!matched) {
            fprintf(stderr, "entitled: unknown option '%s' (see --help)\n", arg);
            return 2;
        }
    }
    if (o->cache_accounts_text && o->cache_accounts_text[0]) {
        char *end = NULL;
        unsigned long long v = strtoull(o->cache_accounts_text, &end, 10);
        if (*end || v < 1 || v > 100000000ULL || o->cache_accounts_text[0] == '-') {
            fprintf(stderr, "entitled: --cache-accounts must be 1 to 100000000\n");
            return 2;
        }
        o->cache_accounts = (size_t)v;
    }
    if (!o->threads) {
        /* The cores this process may run on (taskset, cgroup cpusets), not the machine's: two
         * busy threads on one core wait a scheduler tick for each other (docs/PERFORMANCE.md). */
        cpu_set_t cpus;
        int cores = sched_getaffinity(0, sizeof(cpus), &cpus) == 0 ? CPU_COUNT(&cpus) : 0;
        if (cores <= 0)
            cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
        o->threads = cores > 0 ? (unsigned)(cores > 256 ? 256 : cores) : 2;
    }
    return 0;
}

struct ent_app *
ent_opts_open_app(const char *store, const char *key_file, bool passive)
{
    struct ent_config cfg = {
        .store_url = store, .key_file = key_file, .connections = 1, .passive = passive};
    struct ent_app *app = NULL;
    struct ent_error err;
    if (ent_app_open(&cfg, &app, &err) < 0) {
        fprintf(stderr, "entitled: %s\n", err.message[0] ? err.message : ent_error_title(err.code));
        return NULL;
    }
    return app;
}
