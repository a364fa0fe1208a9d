/* SPDX-License-Identifier: MIT */
/*
 * cmd_export.c: `entitled export` (the store as JSON lines, in its portable form) and
 * `entitled copy` (a whole store into an empty one, SQLite or PostgreSQL either way, checked by
 * a count and a checksum per table). `entitled import` reads the export format back
 * (cmd_import.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "cmd/opts.h"
#include "cmd/progress.h"
#include "core/utc.h"
#include <entitled.h>

static const char export_usage[] =
    "Usage: entitled export [--since TIME] [--store URL] [--key-file PATH]\n"
    "\n"
    "Writes the whole store, as it is at one moment, to standard output as JSON lines: first\n"
    "{\"format\": \"entitled-export\", \"version\": 1, ...}, then one line per row,\n"
    "{\"table\": \"accounts\", \"row\": {...}}, every table of the catalog, accounts, orders,\n"
    "entitlements, leases, usage events and counters, activations, API keys (their hashes\n"
    "only), the audit log and the settings, parents first. `entitled import` reads it back\n"
    "into a store of either backend. --since TIME (RFC 3339) writes only the rows changed\n"
    "since then, for the tables whose rows tell (the others whole): an import of it updates\n"
    "a copy of the store, but cannot remove what was deleted since.\n"
    "Progress goes to standard error.\n";

static const char copy_usage[] =
    "Usage: entitled copy --from URL --to URL [--key-file PATH]\n"
    "\n"
    "Copies a whole store (sqlite:PATH or postgresql://…) into another that holds no data\n"
    "yet (it is created or migrated first), in one transaction, as the source is at one moment\n"
    "(daemons may go on serving the source meanwhile; stop them before moving them to the\n"
    "target). Then reads the target back and checks every table's row count and checksum\n"
    "against the source's; prints them. The target uses the source's key file (--key-file, or\n"
    "the source's default place), so its API keys keep working. Exit 0 when the copy is\n"
    "checked, 2 when the target is not empty, 1 otherwise.\n";

/* Writes one JSON line. */
static int
emit(json_t *line)
{
    int rc = json_dumpf(line, stdout, JSON_COMPACT) == 0 && fputc('\n', stdout) != EOF ? 0 : -1;
    json_decref(line);
    return rc;
}

struct export_state {
    struct ent_progress progress;
    uint64_t rows;
};

static int
export_row(void *arg, size_t table, const struct ent_value *values)
{
    struct export_state *st = arg;
    const char *const *columns = NULL;
    size_t n = ent_portable_columns(table, &columns);
    json_t *row = json_object();
    for (size_t c = 0; c < n; c++) {
        json_t *v = values[c].type == ENT_VALUE_INT    ? json_integer(values[c].i)
                    : values[c].type == ENT_VALUE_TEXT ? json_string(values[c].text)
                                                       : json_null();
        if (!v) /* not UTF-8: kept byte for byte */
            v = json_stringn_nocheck(values[c].text, strlen(values[c].text));
        json_object_set_new(row, columns[c], v);
    }
    json_t *line = json_object();
    json_object_set_new(line, "table", json_string(ent_portable_name(table)));
    json_object_set_new(line, "row", row);
    if (emit(line) < 0)
        return ENT_ESTORE;
    st->rows++;
    ent_progress_update(&st->progress, st->rows, 0, 0);
    return 0;
}

int
ent_cmd_export(int argc, char **argv)
{
    struct ent_opts o;
    int rc = ent_opts_parse(&o, argc, argv, 2, "store key-file since");
    if (rc)
        return rc;
    if (o.help) {
        fputs(export_usage, stdout);
        return 0;
    }
    int64_t since = ENT_TIME_NONE;
    if (o.since && !ent_utc_parse(o.since, false, &since)) {
        fprintf(stderr, "entitled: --since must be an RFC 3339 time\n");
        return 2;
    }
    struct ent_app *app = ent_opts_open_app(o.store, o.key_file, true);
    if (!app)
        return 1;
    struct ent_error err;
    json_t *head = json_object();
    json_object_set_new(head, "format", json_string("entitled-export"));
    json_object_set_new(head, "version", json_integer(1));
    json_object_set_new(head, "schema_version", json_integer(ent_app_schema_version(app)));
    if (since != ENT_TIME_NONE)
        json_object_set_new(head, "since", json_string(o.since));
    struct export_state st = {.rows = 0};
    ent_progress_start(&st.progress, "rows");
    rc = emit(head);
    if (rc == 0)
        rc = ent_app_dump(app, since, export_row, &st, &err);
    ent_progress_end(&st.progress);
    ent_app_close(app);
    if (rc != 0 || fflush(stdout) != 0) {
        fprintf(stderr, "entitled: the export failed: %s\n",
                err.message[0] ? err.message : "cannot write");
        return 1;
    }
    fprintf(stderr, "entitled: exported %llu rows\n", (unsigned long long)st.rows);
    return 0;
}

static void
copy_progress(void *arg, uint64_t rows)
{
    ent_progress_update(arg, rows, 0, 0);
}

int
ent_cmd_copy(int argc, char **argv)
{
    struct ent_opts o;
    int rc = ent_opts_parse(&o, argc, argv, 2, "key-file from to");
    if (rc)
        return rc;
    if (o.help) {
        fputs(copy_usage, stdout);
        return 0;
    }
    if (!o.from || !o.from[0] || !o.to || !o.to[0]) {
        fprintf(stderr, "entitled: copy needs --from URL and --to URL (see --help)\n");
        return 2;
    }
    struct ent_config from_cfg = {
        .store_url = o.from, .key_file = o.key_file, .connections = 1, .passive = true};
    struct ent_app *from = NULL, *to = NULL;
    struct ent_error err;
    if (ent_app_open(&from_cfg, &from, &err) < 0) {
        fprintf(stderr, "entitled: the source: %s\n", err.message);
        return 1;
    }
    struct ent_config to_cfg = {
        .store_url = o.to, .key_file = ent_app_key_file(from), .connections = 1, .passive = true};
    if (ent_app_open(&to_cfg, &to, &err) < 0) {
        fprintf(stderr, "entitled: the target: %s\n", err.message);
        ent_app_close(from);
        return 1;
    }
    struct ent_progress progress;
    ent_progress_start(&progress, "rows");
    struct ent_copy_report report;
    rc = ent_app_copy(from, to, copy_progress, &progress, &report, &err);
    ent_progress_end(&progress);
    ent_app_close(to);
    ent_app_close(from);
    if (rc < 0) {
        fprintf(stderr, "entitled: %s\n", err.message);
        return rc == ENT_ECONFLICT ? 2 : 1;
    }
    for (size_t i = 0; i < report.n_tables; i++)
        printf("entitled: %-22s %10llu rows  sha256 %s\n", report.tables[i].name,
               (unsigned long long)report.tables[i].rows, report.tables[i].checksum);
    printf("entitled: copied %llu rows; every table read back from the target matches its "
           "count and checksum\n",
           (unsigned long long)report.rows);
    return 0;
}
