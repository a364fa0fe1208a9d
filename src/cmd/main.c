/* SPDX-License-Identifier: MIT */
/*
 * main.c: the `entitled` binary: subcommand dispatch and help. Each subcommand lives in its own
 * cmd_<name>.c and uses the public API alone.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

static const char usage[] =
    "entitled: entitlements, usage and activations, answered from memory.\n"
    "\n"
    "Usage: entitled COMMAND [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  serve         serve the HTTP API (see `entitled serve --help`)\n"
    "  migrate       apply pending schema migrations to the store and exit\n"
    "  keys create   create an API key and print its secret once\n"
    "  import FILE   load features, products, accounts and entitlements from JSON lines\n"
    "  backup --to FILE  write a consistent copy of a SQLite store while it serves\n"
    "  export        write the whole store as JSON lines (import reads them back)\n"
    "  copy --from URL --to URL  copy a store into an empty one, SQLite or PostgreSQL\n"
    "  license verify FILE   verify a signed license offline (exit code per verdict)\n"
    "  signing-keys rotate|list   make a new license signing key, or list them\n"
    "  version       print the version\n"
    "\n"
    "Every command takes --store URL (ENTITLED_STORE, default sqlite:entitled.db).\n"
    "`entitled COMMAND --help` explains a command's options.\n";

int
main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "serve") == 0)
        return ent_cmd_serve(argc, argv);
    if (strcmp(cmd, "migrate") == 0)
        return ent_cmd_migrate(argc, argv);
    if (strcmp(cmd, "keys") == 0)
        return ent_cmd_keys(argc, argv);
    if (strcmp(cmd, "import") == 0)
        return ent_cmd_import(argc, argv);
    if (strcmp(cmd, "backup") == 0)
        return ent_cmd_backup(argc, argv);
    if (strcmp(cmd, "export") == 0)
        return ent_cmd_export(argc, argv);
    if (strcmp(cmd, "copy") == 0)
        return ent_cmd_copy(argc, argv);
    if (strcmp(cmd, "license") == 0) /* issue 13 */
        return ent_cmd_license(argc, argv);
    if (strcmp(cmd, "signing-keys") == 0)
        return ent_cmd_signing_keys(argc, argv);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("entitled %s\n", ENT_VERSION);
        return 0;
    }
    fprintf(stderr, "entitled: unknown command '%s'\n\n%s", cmd, usage);
    return 2;
}
