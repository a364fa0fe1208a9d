/* SPDX-License-Identifier: MIT */
/*
 * cmd_import.c: `entitled import`: loads JSON lines (features, products, accounts,
 * entitlements) straight into the store, many per transaction (batch mode, entitled.h).
 *
 * Each line is judged exactly as the API judges the same body: it goes through the create
 * handler of its resource (strict decoding: unknown fields, types, paths of field errors) and so
 * through the library's create function (every rule, the audit event). Only the transaction
 * differs: one per --batch lines instead of one per object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd/cmd.h"
#include "cmd/opts.h"
#include "cmd/progress.h"
#include "core/alloc.h"
#include "http/api.h"
#include "http/json.h"
#include "http/request.h"
#include <entitled.h>

static const char import_usage[] =
    "Usage: entitled import [--store URL] [--key-file PATH] [--batch N] FILE\n"
    "\n"
    "Loads objects from FILE (- for standard input), one JSON object per line:\n"
    "  {\"kind\": \"feature\"|\"product\"|\"account\"|\"entitlement\", ...}\n"
    "where ... are the fields of the API's create body (POST /v1/features, /v1/products,\n"
    "/v1/accounts, /v1/entitlements), checked by the same rules and recorded in the audit log\n"
    "alike. Blank lines are skipped. Lines are committed N at a time in one transaction\n"
    "(--batch, default 10000), which makes an import much faster than one HTTP call per object.\n"
    "\n"
    "The first line that fails is reported with its number and the import stops there: every\n"
    "line before it is kept (committed), nothing from that line on is imported. Fix the line and\n"
    "import the rest. Progress is shown on standard error (on a terminal, one line kept up to\n"
    "date with the share of FILE read and the time left; otherwise a line every 5 seconds); at\n"
    "the end the number of objects and the rate (objects/s) are printed.\n"
    "\n"
    "FILE may also be the output of `entitled export` (its first line says so): its rows are\n"
    "loaded as they are, ids and times kept, each inserted or updated by its key, all in one\n"
    "transaction (every row or none), into a store of either backend.\n"
    "\n"
    "A daemon serving the same store meanwhile picks up each committed batch by itself (within\n"
    "a second on SQLite; at once on PostgreSQL): no restart is needed.\n";

/* The kinds a line may have, and the create handler and route of each. */
static const struct {
    const char *kind;
    void (*create)(struct ent_request *req);
    const char *url;
} kinds[] = {
    {"feature", ent_api_features_create, "/v1/features"},
    {"product", ent_api_products_create, "/v1/products"},
    {"account", ent_api_accounts_create, "/v1/accounts"},
    {"entitlement", ent_api_entitlements_create, "/v1/entitlements"},
};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

/* Milliseconds of the wall clock. */
static int64_t
wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Seconds of the monotonic clock. */
static double
mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Appends the detail and field errors of a problem document (the handler's answer) to msg. */
static void
describe_problem(const char *answer, size_t len, char *msg, size_t cap)
{
    json_t *doc = answer ? json_loadb(answer, len, 0, NULL) : NULL;
    const char *type = json_string_value(json_object_get(doc, "type"));
    const char *detail = json_string_value(json_object_get(doc, "detail"));
    size_t used = (size_t)snprintf(msg, cap, "%s: %s", type ? type : "internal",
                                   detail ? detail : "the line could not be imported");
    json_t *fields = json_object_get(doc, "errors");
    for (size_t i = 0; i < json_array_size(fields) && used < cap; i++) {
        json_t *f = json_array_get(fields, i);
        used += (size_t)snprintf(msg + used, cap - used, "%s%s: %s", i ? "; " : " (",
                                 json_string_value(json_object_get(f, "field")),
                                 json_string_value(json_object_get(f, "message")));
        if (i + 1 == json_array_size(fields) && used < cap)
            used += (size_t)snprintf(msg + used, cap - used, ")");
    }
    json_decref(doc);
}

/*
 * Imports one line through ctx (in batch mode). Returns the index of its kind, or -1 with msg
 * saying why the line was refused.
 */
static int
import_line(struct ent_app *app, struct ent_ctx *ctx, const char *text, size_t len, char *msg,
            size_t cap)
{
    ent_ctx_reset(ctx, wall_ms());
    struct ent_error err;
    ent_error_clear(&err);
    json_t *obj = NULL;
    if (ent_json_parse_object(text, len, &obj, &err) < 0) {
        snprintf(msg, cap, "invalid_json: %s", err.message[0] ? err.message : "not a JSON object");
        return -1;
    }
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    int k = -1;
    for (size_t i = 0; kind && i < N_KINDS; i++)
        if (strcmp(kind, kinds[i].kind) == 0)
            k = (int)i;
    if (k < 0) {
        snprintf(msg, cap,
                 "validation_failed: the request has invalid fields (kind: must be feature, "
                 "product, account or entitlement)");
        json_decref(obj);
        return -1;
    }
    json_object_del(obj, "kind");
    struct ent_request req;
    memset(&req, 0, sizeof(req));
    req.app = app;
    req.ctx = ctx;
    req.method = ENT_POST;
    req.method_name = "POST";
    req.url = kinds[k].url;
    req.json = obj;
    kinds[k].create(&req);
    if (req.status != 201) {
        describe_problem(req.answer, req.answer_len, msg, cap);
        k = -1;
    }
    ent_free(req.answer);
    json_decref(obj);
    return k;
}

/* The lines of the open batch, kept to be made again when a failure rolls the batch back. */
struct held {
    char **lines;
    size_t *lens;
    size_t n, cap;
};

static int
held_add(struct held *h, const char *text, size_t len)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 1024;
        char **lines = ent_realloc(h->lines, cap * sizeof(*lines));
        if (!lines)
            return -1;
        h->lines = lines;
        size_t *lens = ent_realloc(h->lens, cap * sizeof(*lens));
        if (!lens)
            return -1;
        h->lens = lens;
        h->cap = cap;
    }
    h->lines[h->n] = ent_strndup(text, len);
    if (!h->lines[h->n])
        return -1;
    h->lens[h->n++] = len;
    return 0;
}

static void
held_clear(struct held *h)
{
    for (size_t i = 0; i < h->n; i++)
        ent_free(h->lines[i]);
    h->n = 0;
}

/* True when the line is the first line of `entitled export`'s format. */
static bool
is_export_header(const char *text, size_t len)
{
    json_t *head = json_loadb(text, len, 0, NULL);
    const char *format = json_string_value(json_object_get(head, "format"));
    bool yes = format && strcmp(format, "entitled-export") == 0;
    json_decref(head);
    return yes;
}

/* Reads one line of the export format into values (their text in the line's JSON). */
static int
export_row(json_t *line, size_t *table, struct ent_value *values, char *msg, size_t cap)
{
    const char *name = json_string_value(json_object_get(line, "table"));
    json_t *row = json_object_get(line, "row");
    int t = name ? ent_portable_find(name) : -1;
    if (t < 0 || !json_is_object(row)) {
        snprintf(msg, cap,
                 "not a row of the export format (\"table\": a table's name, "
                 "\"row\": an object)");
        return -1;
    }
    const char *const *columns = NULL;
    size_t n = ent_portable_columns((size_t)t, &columns);
    if (json_object_size(row) != n) {
        snprintf(msg, cap, "a row of %s has %zu columns, not %zu", name, json_object_size(row), n);
        return -1;
    }
    for (size_t c = 0; c < n; c++) {
        json_t *v = json_object_get(row, columns[c]);
        if (!v) {
            snprintf(msg, cap, "a row of %s has no %s", name, columns[c]);
            return -1;
        }
        values[c].type = json_is_integer(v)  ? ENT_VALUE_INT
                         : json_is_string(v) ? ENT_VALUE_TEXT
                                             : ENT_VALUE_NULL;
        if (values[c].type == ENT_VALUE_NULL && !json_is_null(v)) {
            snprintf(msg, cap, "%s.%s must be an integer, a string or null", name, columns[c]);
            return -1;
        }
        values[c].i = json_is_integer(v) ? json_integer_value(v) : 0;
        values[c].text = json_string_value(v);
    }
    *table = (size_t)t;
    return 0;
}

/*
 * Imports the rest of in, in the export format (its header was line 1), in one transaction:
 * every row or none. Returns the exit code.
 */
static int
import_export(struct ent_app *app, FILE *in, uint64_t total_bytes, uint64_t read_bytes)
{
    struct ent_error err;
    struct ent_load *load = NULL;
    if (ent_app_load_begin(app, &load, &err) < 0) {
        fprintf(stderr, "entitled: %s\n", err.message);
        return 1;
    }
    struct ent_progress progress;
    ent_progress_start(&progress, "rows");
    double t0 = mono_s();
    char *text = NULL;
    size_t text_cap = 0;
    ssize_t got;
    long lineno = 1;
    uint64_t rows = 0;
    char msg[512] = "";
    int status = 0;
    while ((got = getline(&text, &text_cap, in)) >= 0) {
        lineno++;
        read_bytes += (uint64_t)got;
        if (strspn(text, " \t\r\n") == (size_t)got)
            continue;
        json_error_t jerr;
        json_t *line = json_loadb(text, (size_t)got, 0, &jerr);
        size_t table = 0;
        struct ent_value values[32];
        if (!line) {
            snprintf(msg, sizeof(msg), "invalid_json: %s", jerr.text);
            status = 1;
        } else if (export_row(line, &table, values, msg, sizeof(msg)) < 0) {
            status = 1;
        } else if (ent_load_row(load, table, values, &err) < 0) {
            snprintf(msg, sizeof(msg), "%s", err.message);
            status = 1;
        }
        json_decref(line);
        if (status)
            break;
        rows++;
        ent_progress_update(&progress, rows, read_bytes, total_bytes);
    }
    free(text); /* getline's own allocation */
    ent_progress_end(&progress);
    if (status) {
        ent_load_abort(load);
        fprintf(stderr, "entitled: line %ld: %s\n", lineno, msg);
        fprintf(stderr, "entitled: nothing was imported (an export is imported whole or not "
                        "at all)\n");
        return 1;
    }
    if (ent_load_commit(load, &err) < 0) {
        fprintf(stderr, "entitled: %s\n", err.message);
        return 1;
    }
    double secs = mono_s() - t0;
    printf("entitled: imported %llu rows of an export in %.2f s: %.0f rows/s\n",
           (unsigned long long)rows, secs, secs > 0 ? (double)rows / secs : 0.0);
    return 0;
}

/* Splits argv into the options ent_opts_parse() takes, --batch and FILE. 0, or 2 on misuse. */
static int
split_args(int argc, char **argv, char **rest, int *n_rest, long *batch, const char **file)
{
    *n_rest = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (i >= 2 && (strcmp(a, "--batch") == 0 || strncmp(a, "--batch=", 8) == 0)) {
            const char *v = a[7] == '=' ? a + 8 : (i + 1 < argc ? argv[++i] : NULL);
            char *end = NULL;
            *batch = v ? strtol(v, &end, 10) : 0;
            if (!v || !v[0] || *end || *batch < 1 || *batch > 1000000) {
                fprintf(stderr, "entitled: --batch must be 1 to 1000000\n");
                return 2;
            }
            continue;
        }
        if (i >= 2 && (strcmp(a, "-") == 0 || a[0] != '-')) {
            if (*file) {
                fprintf(stderr, "entitled: import takes one FILE (see --help)\n");
                return 2;
            }
            *file = a;
            continue;
        }
        rest[(*n_rest)++] = argv[i];
        /* an option's value in the next argument is not FILE */
        if (i >= 2 && (strcmp(a, "--store") == 0 || strcmp(a, "--key-file") == 0) && i + 1 < argc)
            rest[(*n_rest)++] = argv[++i];
    }
    rest[*n_rest] = NULL;
    return 0;
}

int
ent_cmd_import(int argc, char **argv)
{
    char **rest = ent_calloc((size_t)argc + 1, sizeof(*rest));
    if (!rest)
        return 1;
    int n_rest = 0;
    long batch = 10000;
    const char *file = NULL;
    struct ent_opts o;
    int rc = split_args(argc, argv, rest, &n_rest, &batch, &file);
    if (rc == 0)
        rc = ent_opts_parse(&o, n_rest, rest, 2, "store key-file");
    ent_free(rest);
    if (rc)
        return rc;
    if (o.help) {
        fputs(import_usage, stdout);
        return 0;
    }
    if (!file) {
        fputs(import_usage, stderr);
        return 2;
    }
    FILE *in = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
    if (!in) {
        fprintf(stderr, "entitled: cannot open %s\n", file);
        return 1;
    }
    struct ent_app *app = ent_opts_open_app(o.store, o.key_file, true);
    if (!app) {
        if (in != stdin)
            fclose(in);
        return 1;
    }
    struct ent_error err;
    struct ent_ctx *ctx = NULL;
    if (ent_ctx_new(app, wall_ms(), &ctx) < 0 || ent_ctx_batch_begin(ctx, &err) < 0) {
        fprintf(stderr, "entitled: cannot start the import\n");
        ent_ctx_free(ctx);
        ent_app_close(app);
        if (in != stdin)
            fclose(in);
        return 1;
    }
    struct ent_principal operator= {.scope = ENT_SCOPE_ADMIN};
    ent_ctx_set_principal(ctx, &operator);
    ent_ctx_set_encoder(ctx, ent_api_encode);

    double t0 = mono_s();
    struct ent_progress progress;
    ent_progress_start(&progress, "objects");
    uint64_t total_bytes = 0;
    struct stat sb;
    if (in != stdin && fstat(fileno(in), &sb) == 0 && S_ISREG(sb.st_mode))
        total_bytes = (uint64_t)sb.st_size;
    uint64_t read_bytes = 0;
    size_t counts[N_KINDS] = {0};
    size_t committed = 0; /* objects committed */
    struct held held = {0};
    char *text = NULL;
    size_t text_cap = 0;
    long lineno = 0, failed_line = 0;
    char msg[1024];
    int status = 0;
    ssize_t got;
    while ((got = getline(&text, &text_cap, in)) >= 0) {
        lineno++;
        read_bytes += (uint64_t)got;
        ent_progress_update(&progress, committed + held.n, read_bytes, total_bytes);
        size_t len = (size_t)got;
        while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
            len--;
        size_t lead = strspn(text, " \t");
        if (lead >= len)
            continue; /* blank */
        if (lineno == 1 && is_export_header(text, len)) {
            ent_ctx_batch_end(ctx);
            ent_ctx_free(ctx);
            status = import_export(app, in, total_bytes, read_bytes);
            free(text); /* getline's own allocation */
            if (in != stdin)
                fclose(in);
            ent_app_close(app);
            return status;
        }
        size_t discarded = ent_ctx_batch_discarded(ctx);
        int k = import_line(app, ctx, text, len, msg, sizeof(msg));
        if (k < 0) {
            failed_line = lineno;
            status = 1;
            if (ent_ctx_batch_discarded(ctx) != discarded) {
                /* The failure rolled the batch back: make its earlier lines again. */
                char again[1024];
                for (size_t i = 0; i < held.n && status == 1; i++)
                    if (import_line(app, ctx, held.lines[i], held.lens[i], again, sizeof(again)) <
                        0) {
                        fprintf(stderr, "entitled: a line of the last batch failed again: %s\n",
                                again);
                        status = 3;
                    }
            }
            break;
        }
        counts[k]++;
        if (held_add(&held, text, len) < 0) {
            snprintf(msg, sizeof(msg), "out of memory");
            failed_line = lineno;
            status = 1;
            break;
        }
        if (ent_ctx_batch_pending(ctx) >= (size_t)batch) {
            if (ent_ctx_batch_commit(ctx, &err) < 0) {
                snprintf(msg, sizeof(msg), "the store refused the commit of the batch ending here");
                failed_line = lineno;
                status = 3;
                break;
            }
            committed += held.n;
            held_clear(&held);
        }
    }
    if (status != 3) {
        if (ent_ctx_batch_commit(ctx, &err) == 0) {
            committed += held.n;
        } else {
            status = 3;
            if (!failed_line) {
                failed_line = lineno;
                snprintf(msg, sizeof(msg), "the store refused the commit of the last batch");
            }
        }
    }
    ent_ctx_batch_end(ctx);
    ent_progress_end(&progress);
    held_clear(&held);
    ent_free(held.lines);
    ent_free(held.lens);
    free(text); /* getline's own allocation */
    if (in != stdin)
        fclose(in);
    ent_ctx_free(ctx);
    ent_app_close(app);

    double secs = mono_s() - t0;
    if (status == 1) {
        fprintf(stderr, "entitled: line %ld: %s\n", failed_line, msg);
        fprintf(stderr,
                "entitled: the %zu objects of the lines before line %ld were imported and kept; "
                "nothing from line %ld on\n",
                committed, failed_line, failed_line);
        return 1;
    }
    if (status) {
        fprintf(stderr, "entitled: line %ld: %s\n", failed_line, msg);
        fprintf(stderr, "entitled: %zu objects were committed and kept; the last batch was not\n",
                committed);
        return 1;
    }
    printf("entitled: imported %zu objects (%zu features, %zu products, %zu accounts, %zu "
           "entitlements) in %.2f s: %.0f objects/s\n",
           committed, counts[0], counts[1], counts[2], counts[3], secs,
           secs > 0 ? (double)committed / secs : 0.0);
    return 0;
}
