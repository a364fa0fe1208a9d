/* SPDX-License-Identifier: MIT */
/*
 * cmd_backup.c: `entitled backup --to FILE`: a consistent copy of a SQLite store, made while a
 * daemon serves it (ent_app_backup), and what restoring it takes.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/opts.h"
#include <entitled.h>

static const char backup_usage[] =
    "Usage: entitled backup --to FILE [--store URL] [--key-file PATH]\n"
    "\n"
    "Writes a consistent copy of a SQLite store to FILE (which must not exist), as of one\n"
    "moment, while daemons go on serving the store. The copy is checked (integrity_check) and\n"
    "flushed to disk before it takes FILE's name. To restore, start a daemon on a copy of FILE\n"
    "with the key file of the store (printed: its fingerprint), e.g. copied to FILE.key.\n"
    "A PostgreSQL store is backed up with pg_dump or point-in-time recovery instead.\n";

int
ent_cmd_backup(int argc, char **argv)
{
    struct ent_opts o;
    int rc = ent_opts_parse(&o, argc, argv, 2, "store key-file to");
    if (rc)
        return rc;
    if (o.help) {
        fputs(backup_usage, stdout);
        return 0;
    }
    if (!o.to || !o.to[0]) {
        fprintf(stderr, "entitled: backup needs --to FILE (see --help)\n");
        return 2;
    }
    struct ent_app *app = ent_opts_open_app(o.store, o.key_file, true);
    if (!app)
        return 1;
    struct ent_error err;
    struct ent_backup b;
    rc = ent_app_backup(app, o.to, &b, &err);
    ent_app_close(app);
    if (rc < 0) {
        fprintf(stderr, "entitled: %s\n", err.message);
        return rc == ENT_EINVAL || rc == ENT_ECONFLICT ? 2 : 1;
    }
    printf("entitled: backed up the store to %s: %lld bytes, schema version %d, integrity ok\n"
           "entitled: it goes with the key file of fingerprint %s: keep a copy of that file\n"
           "entitled: (apart from the backups); to restore, start on a copy of %s with it\n",
           o.to, (long long)b.bytes, b.schema_version,
           b.key_fingerprint[0] ? b.key_fingerprint : "(none yet)", o.to);
    return 0;
}
