/* SPDX-License-Identifier: MIT */
/*
 * opts.c: options from the environment and the command line (see opts.h). Command-line values
 * win over the environment.
 */
#include "cmd/opts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int
ent_opts_parse(struct ent_opts *o, int argc, char **argv, int first, const char *allowed)
{
    memset(o, 0, sizeof(*o));
    o->listen = getenv("ENTITLED_LISTEN");
    o->store = getenv("ENTITLED_STORE");
    o->key_file = getenv("ENTITLED_KEY_FILE");
    const char *t = getenv("ENTITLED_THREADS");
    if (t && t[0]) {
        o->threads = parse_threads(t);
        if (!o->threads) {
            fprintf(stderr, "entitled: ENTITLED_THREADS must be 1 to 256\n");
            return 2;
        }
    }
    o->cache_accounts_text = getenv("ENTITLED_CACHE_ACCOUNTS");
    const char *q = getenv("ENTITLED_QUIET");
    o->quiet = q && strcmp(q, "1") == 0;
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            o->help = true;
            continue;
        }
        if (strcmp(arg, "--quiet") == 0 && strstr(allowed, "quiet")) {
            o->quiet = true;
            continue;
        }
        static const char *const names[] = {"listen", "store",   "key-file", "threads",
                                            "scope",  "account", "name",     "cache-accounts"};
        const char **slots[] = {&o->listen, &o->store,   &o->key_file, NULL,
                                &o->scope,  &o->account, &o->name,     &o->cache_accounts_text};
        bool matched = false;
        for (size_t k = 0; k < sizeof(names) / sizeof(names[0]) && !matched; k++) {
            size_t n = strlen(names[k]);
            if (strncmp(arg, "--", 2) != 0 || strncmp(arg + 2, names[k], n) != 0)
                continue;
            const char *value = NULL;
            if (arg[2 + n] == '=')
                value = arg + 3 + n;
            else if (arg[2 + n] == '\0' && i + 1 < argc)
                value = argv[++i];
            else if (arg[2 + n] != '\0')
                continue;
            if (!strstr(allowed, names[k]) || !value) {
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
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        o->threads = cores > 0 ? (unsigned)cores : 2;
    }
    return 0;
}
