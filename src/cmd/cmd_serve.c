/* SPDX-License-Identifier: MIT */
/*
 * cmd_serve.c: `entitled serve` and `entitled migrate`: open the store (migrating it), make the
 * first admin key of an empty store, and serve until SIGTERM or SIGINT.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cmd/cmd.h"
#include "cmd/opts.h"
#include "http/log.h"
#include "http/server.h"
#include <entitled.h>

static const char serve_usage[] =
    "Usage: entitled serve [OPTIONS]\n"
    "\n"
    "Serves the HTTP API. Options (each also read from the environment variable shown):\n"
    "  --listen HOST:PORT   address to serve on (ENTITLED_LISTEN, default 127.0.0.1:8080)\n"
    "  --store URL          sqlite:PATH or postgresql://… (ENTITLED_STORE,\n"
    "                       default sqlite:entitled.db)\n"
    "  --threads N          worker threads (ENTITLED_THREADS, default: the cores it may run on)\n"
    "  --key-file PATH      the secret that keys API-key hashes (ENTITLED_KEY_FILE, default:\n"
    "                       the SQLite file's path with .key appended; for PostgreSQL\n"
    "                       $XDG_STATE_HOME/entitled/HOST-PORT-DATABASE.key; created when\n"
    "                       missing while the store holds no API keys)\n"
    "  --cache-accounts N   account snapshots kept in memory for evaluate (LRU;\n"
    "                       ENTITLED_CACHE_ACCOUNTS, default 100000)\n"
    "  --quiet              no request log (ENTITLED_QUIET=1)\n"
    "  --cors-origin LIST   Origins that browser pages may call /ofrep/ from, separated by\n"
    "                       commas, or * for any (ENTITLED_CORS_ORIGINS, default: none)\n"
    "  --tls-cert PATH      serve HTTPS with this PEM certificate chain (the server's\n"
    "                       certificate first; ENTITLED_TLS_CERT) and --tls-key PATH, its\n"
    "                       PEM private key (ENTITLED_TLS_KEY); SIGHUP reads both again:\n"
    "                       new connections get the new certificate, open ones stay\n"
    "  --log-format F       json (JSON lines), text (one readable line), or auto: text on a\n"
    "                       terminal, json otherwise (ENTITLED_LOG_FORMAT, default auto)\n"
    "\n"
    "Signed licenses (README \"Offline licenses\"):\n"
    "  --license-issuer S   `iss` of licenses whose product's license model names no issuer\n"
    "                       (ENTITLED_LICENSE_ISSUER, default entitled)\n"
    "  --license-ttl N      lifetime in seconds of a license asked without one\n"
    "                       (ENTITLED_LICENSE_TTL, default 2592000: 30 days)\n"
    "  --license-ttl-max N  the longest lifetime that may be asked, seconds\n"
    "                       (ENTITLED_LICENSE_TTL_MAX, default 31536000: 365 days)\n"
    "\n"
    "Webhooks (each also read from the environment variable shown):\n"
    "  --webhook-allow-private  deliver to, and accept endpoints on, loopback, link-local and\n"
    "                       private addresses (ENTITLED_WEBHOOK_ALLOW_PRIVATE=1; refused by\n"
    "                       default)\n"
    "  --webhook-workers N  delivery threads (ENTITLED_WEBHOOK_WORKERS, default 2)\n"
    "  --webhook-timeout-seconds N  one attempt, connecting included\n"
    "                       (ENTITLED_WEBHOOK_TIMEOUT_SECONDS, default 10)\n"
    "  --webhook-retry-unit-ms N  the length of one second of the retry schedule (5 s, 5 min,\n"
    "                       30 min, 2 h, 5 h, then 10 h: over three days in all), for tests and\n"
    "                       operators who want it faster (ENTITLED_WEBHOOK_RETRY_UNIT_MS,\n"
    "                       default 1000)\n"
    "  --webhook-max-attempts N  attempts of a message before it fails, 1 to 13\n"
    "                       (ENTITLED_WEBHOOK_MAX_ATTEMPTS, default 13)\n"
    "\n";

/* The rest of serve's help (a C string has at most 4,095 characters). */
static const char serve_usage_limits[] =
    "Limits. Rates are requests per second per API key, 0 = no limit; a key may burst to\n"
    "twice its rate. A request over its rate is answered 429 with Retry-After.\n"
    "  --rate-evaluate N    POST /v1/evaluate, /v1/evaluate/bulk and GET\n"
    "                       /v1/accounts/{a}/entitlements (ENTITLED_RATE_EVALUATE, default 0)\n"
    "  --rate-usage N       POST /v1/usage, /v1/usage/batch, activate, deactivate and\n"
    "                       heartbeat (ENTITLED_RATE_USAGE, default 2000)\n"
    "  --rate-admin N       every other /v1 route (ENTITLED_RATE_ADMIN, default 200)\n"
    "  --timeout-seconds N  a connection waiting for a request is closed after N seconds, a\n"
    "                       request must arrive in full (request line, headers and body)\n"
    "                       within N seconds of its request line, and an answer the client\n"
    "                       takes none of for N seconds is dropped with its connection\n"
    "                       (ENTITLED_TIMEOUT_SECONDS, default 30)\n"
    "  --per-ip-connections N  connections open at once from one address; more are closed\n"
    "                       at once (ENTITLED_PER_IP_CONNECTIONS, default 1024)\n"
    "  --max-connections N  connections open at once in all; more are closed at once\n"
    "                       (ENTITLED_MAX_CONNECTIONS, default 4096)\n"
    "A request target over 8 KiB is answered 414, request headers over 16 KiB 431.\n"
    "\n"
    "ENTITLED_ADMIN_KEY (32 characters or more), when set, is accepted as an admin key.\n"
    "On first start with an empty store and no ENTITLED_ADMIN_KEY, an admin key is created\n"
    "and printed once.\n"
    "The daemon logs one line per request on standard output (time, X-Request-Id, method,\n"
    "route, path, status, duration, bytes in and out, key id, account, problem type) and its\n"
    "own messages on standard error, and stops cleanly on SIGTERM and SIGINT.\n";

static const char migrate_usage[] =
    "Usage: entitled migrate [--store URL] [--key-file PATH]\n"
    "\n"
    "Applies pending schema migrations to the store and prints its schema version.\n";

/* Milliseconds of the wall clock. */
static int64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Opens the application from the options; prints why not and returns NULL on failure. */
static struct ent_app *
open_app(const struct ent_opts *o)
{
    struct ent_config cfg = {
        .store_url = o->store,
        .key_file = o->key_file,
        .connections = o->threads + 2 + o->webhook_workers + 1, /* + webhooks (issue 15) */
        .cache_accounts = o->cache_accounts,
        .admin_key = getenv("ENTITLED_ADMIN_KEY"),
        /* Signed licenses (issue 13) */
        .license_issuer = o->license_issuer,
        .license_ttl_default_s = o->license_ttl_s,
        .license_ttl_max_s = o->license_ttl_max_s,
    };
    struct ent_app *app = NULL;
    struct ent_error err;
    if (ent_app_open(&cfg, &app, &err) < 0) {
        ent_log_message(ENT_LOG_ERROR, "%s",
                        err.message[0] ? err.message : ent_error_title(err.code));
        return NULL;
    }
    return app;
}

static int serve(const struct ent_opts *o);

/* The library's messages (the store's errors), in the daemon's log. */
static void
log_library(enum ent_log_level level, const char *message)
{
    ent_log_message(level, "%s", message);
}

int
ent_cmd_serve(int argc, char **argv)
{
    struct ent_opts o;
    int rc = ent_opts_parse(&o, argc, argv, 2,
                            "listen store key-file threads cache-accounts quiet rate-evaluate "
                            "rate-usage rate-admin timeout-seconds per-ip-connections "
                            "max-connections log-format tls-cert tls-key license-issuer "
                            "license-ttl license-ttl-max cors-origin webhook-allow-private "
                            "webhook-workers webhook-retry-unit-ms webhook-max-attempts "
                            "webhook-timeout-seconds");
    if (rc)
        return rc;
    if (o.help) {
        fputs(serve_usage, stdout);
        fputs(serve_usage_limits, stdout);
        return 0;
    }
    /* Before any thread starts (the log's, the store's listener): every thread inherits the
     * mask, so SIGTERM, SIGINT and SIGHUP reach the server's sigwait() alone, also when one
     * comes before it waits (it would otherwise end the process through another thread). */
    sigset_t handled;
    sigemptyset(&handled);
    sigaddset(&handled, SIGTERM);
    sigaddset(&handled, SIGINT);
    sigaddset(&handled, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &handled, NULL);
    enum ent_log_format format = ENT_LOG_AUTO;
    if (o.log_format && o.log_format[0] && !ent_log_format_parse(o.log_format, &format)) {
        fprintf(stderr, "entitled: --log-format must be json, text or auto\n");
        return 2;
    }
    if (ent_log_start(format) < 0) {
        fprintf(stderr, "entitled: out of memory\n");
        return 1;
    }
    ent_set_log_handler(log_library);
    rc = serve(&o);
    ent_set_log_handler(NULL);
    ent_log_stop();
    return rc;
}

/* Serves with the log started: opens the store, makes the first admin key, runs the server. */
static int
serve(const struct ent_opts *o)
{
    struct ent_app *app = open_app(o);
    if (!app)
        return 1;
    const char *admin = getenv("ENTITLED_ADMIN_KEY");
    if (!admin || !admin[0]) {
        char secret[128];
        struct ent_error err;
        if (ent_keys_bootstrap(app, now_ms(), secret, sizeof(secret), &err) < 0) {
            ent_log_message(ENT_LOG_ERROR, "cannot create the first admin key");
            ent_app_close(app);
            return 1;
        }
        if (secret[0]) {
            ent_log_message(ENT_LOG_WARN,
                            "the store had no API key; created an admin key, shown this once, "
                            "keep it: %s",
                            secret);
        }
    }
    struct ent_server_config cfg = {
        .listen = o->listen,
        .threads = o->threads,
        .per_ip_limit = o->per_ip_connections,
        .connection_limit = o->max_connections,
        .timeout_s = o->timeout_s,
        .rate_evaluate = o->rate_evaluate,
        .rate_usage = o->rate_usage,
        .rate_admin = o->rate_admin,
        .quiet = o->quiet,
        .tls_cert = o->tls_cert && o->tls_cert[0] ? o->tls_cert : NULL,
        .tls_key = o->tls_key && o->tls_key[0] ? o->tls_key : NULL,
        .cors_origins = o->cors_origins,
        /* webhooks (issue 15) */
        .webhooks = {.workers = o->webhook_workers,
                     .retry_unit_ms = o->webhook_retry_unit_ms,
                     .max_attempts = (int)o->webhook_max_attempts,
                     .timeout_ms = (int64_t)o->webhook_timeout_s * 1000,
                     .allow_private = o->webhook_allow_private},
    };
    int rc = ent_server_run(app, &cfg);
    ent_app_close(app);
    return rc;
}

int
ent_cmd_migrate(int argc, char **argv)
{
    struct ent_opts o;
    int rc = ent_opts_parse(&o, argc, argv, 2, "store key-file");
    if (rc)
        return rc;
    if (o.help) {
        fputs(migrate_usage, stdout);
        return 0;
    }
    struct ent_app *app = open_app(&o);
    if (!app)
        return 1;
    printf("entitled: the store is at schema version %d\n", ent_app_schema_version(app));
    ent_app_close(app);
    return 0;
}
