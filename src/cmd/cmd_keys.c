/* SPDX-License-Identifier: MIT */
/*
 * cmd_keys.c: `entitled keys create`: makes an API key straight in the store, for operators
 * who have no key yet, and prints its secret once.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "cmd/opts.h"
#include <entitled.h>

static const char keys_usage[] =
    "Usage: entitled keys create --scope admin|read|account [--account ID] [--name NAME]\n"
    "                            [--store URL] [--key-file PATH]\n"
    "\n"
    "Creates an API key and prints its secret; it is shown this once and stored only as a\n"
    "keyed hash. --account (an account's id or key) is required for --scope account.\n";

int
ent_cmd_keys(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[2], "create") != 0) {
        bool help = argc >= 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0);
        fputs(keys_usage, help ? stdout : stderr);
        return help ? 0 : 2;
    }
    struct ent_opts o;
    int rc = ent_opts_parse(&o, argc, argv, 3, "store key-file scope account name");
    if (rc)
        return rc;
    if (o.help) {
        fputs(keys_usage, stdout);
        return 0;
    }
    enum ent_scope scope = ent_scope_parse(o.scope);
    if (!scope) {
        fprintf(stderr, "entitled: --scope must be admin, read or account\n");
        return 2;
    }
    struct ent_app *app = ent_opts_open_app(o.store, o.key_file, true);
    if (!app)
        return 1;
    struct ent_error err;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct ent_ctx *ctx = NULL;
    rc = ent_ctx_new(app, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, &ctx);
    struct ent_key key;
    if (rc == 0) {
        struct ent_principal operator= {.scope = ENT_SCOPE_ADMIN};
        ent_ctx_set_principal(ctx, &operator);
        struct ent_key_input in = {.name = o.name ? o.name : "created by entitled keys create",
                                   .scope = scope,
                                   .account = o.account};
        rc = ent_keys_create(ctx, &in, &key, &err);
    }
    if (rc == 0) {
        printf("%s\n", key.secret);
    } else {
        fprintf(stderr, "entitled: %s", err.message);
        for (size_t i = 0; i < err.n_fields; i++)
            fprintf(stderr, "%s--%s: %s", i ? "; " : ": ", err.fields[i].field,
                    err.fields[i].message);
        fputc('\n', stderr);
    }
    ent_ctx_free(ctx);
    ent_app_close(app);
    return rc == 0 ? 0 : 1;
}
