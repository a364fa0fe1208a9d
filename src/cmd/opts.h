/* SPDX-License-Identifier: MIT */
/*
 * opts.h: command-line options and their ENTITLED_* environment variables, shared by the
 * subcommands.
 */
#ifndef ENT_CMD_OPTS_H
#define ENT_CMD_OPTS_H

#include <stdbool.h>
#include <stddef.h>

struct ent_opts {
    const char *listen;              /* --listen (ENTITLED_LISTEN) */
    const char *store;               /* --store (ENTITLED_STORE) */
    const char *key_file;            /* --key-file (ENTITLED_KEY_FILE) */
    unsigned threads;                /* --threads (ENTITLED_THREADS) */
    const char *scope;               /* keys create --scope */
    const char *account;             /* keys create --account */
    const char *name;                /* keys create --name */
    const char *cache_accounts_text; /* --cache-accounts (ENTITLED_CACHE_ACCOUNTS) */
    size_t cache_accounts;           /* parsed; 0: the default */
    unsigned rate_evaluate;          /* --rate-evaluate (ENTITLED_RATE_EVALUATE), default 0: off */
    unsigned rate_usage;             /* --rate-usage (ENTITLED_RATE_USAGE), default 2000 */
    unsigned rate_admin;             /* --rate-admin (ENTITLED_RATE_ADMIN), default 200 */
    unsigned timeout_s;              /* --timeout-seconds (ENTITLED_TIMEOUT_SECONDS), default 30 */
    unsigned per_ip_connections;     /* --per-ip-connections (ENTITLED_PER_IP_CONNECTIONS),
                                        default 1024 */
    unsigned max_connections;        /* --max-connections (ENTITLED_MAX_CONNECTIONS),
                                        default 4096 */
    const char *to;                  /* backup --to, copy --to */
    const char *from;                /* copy --from */
    const char *since;               /* export --since */
    const char *tls_cert;            /* --tls-cert (ENTITLED_TLS_CERT) */
    const char *tls_key;             /* --tls-key (ENTITLED_TLS_KEY) */
    const char *log_format;          /* --log-format (ENTITLED_LOG_FORMAT): json, text, auto */
    const char *cors_origins;        /* --cors-origin (ENTITLED_CORS_ORIGINS): OFREP's CORS */
    bool quiet;                      /* --quiet (ENTITLED_QUIET=1) */
    /* Signed licenses (issue 13) */
    const char *license_issuer; /* --license-issuer (ENTITLED_LICENSE_ISSUER) */
    unsigned license_ttl_s;     /* --license-ttl (ENTITLED_LICENSE_TTL), 0: the default */
    unsigned license_ttl_max_s; /* --license-ttl-max (ENTITLED_LICENSE_TTL_MAX), 0: default */
    /* webhooks (issue 15) */
    bool webhook_allow_private;     /* --webhook-allow-private (ENTITLED_WEBHOOK_ALLOW_PRIVATE=1) */
    unsigned webhook_workers;       /* --webhook-workers (ENTITLED_WEBHOOK_WORKERS), default 2 */
    unsigned webhook_retry_unit_ms; /* --webhook-retry-unit-ms (ENTITLED_WEBHOOK_RETRY_UNIT_MS),
                                       default 1000: one second of the retry schedule */
    unsigned webhook_max_attempts;  /* --webhook-max-attempts (ENTITLED_WEBHOOK_MAX_ATTEMPTS),
                                       default 13 */
    unsigned webhook_timeout_s;     /* --webhook-timeout-seconds (ENTITLED_WEBHOOK_TIMEOUT_SECONDS),
                                       default 10 */
    bool help;                      /* --help */
};

/*
 * Reads the environment, then argv[first..argc) into o, over the defaults. Options the command
 * does not take are refused, and their environment variables ignored (ENTITLED_THREADS is read
 * by every command). Returns 0, or 2 after printing what is wrong.
 */
int ent_opts_parse(struct ent_opts *o, int argc, char **argv, int first, const char *allowed);

/*
 * Opens the store a command works on (store and key_file as the options give them; NULL: the
 * defaults), with one connection; passive: without making what only a serving daemon needs
 * (ent_config.passive). Prints why not and answers NULL on failure.
 */
struct ent_app *ent_opts_open_app(const char *store, const char *key_file, bool passive);

#endif /* ENT_CMD_OPTS_H */
