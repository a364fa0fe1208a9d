/* SPDX-License-Identifier: MIT */
/*
 * fuzz_query.c: libFuzzer target for list query strings, from the daemon's query parser to the
 * list envelope. The input is the query string of a list request (what follows '?'; over 8 KiB
 * the daemon answers 414, so longer inputs are skipped). It is split into arguments as
 * libmicrohttpd splits them ('&', then the first '=': "name" alone has a NULL value, '+' is a
 * space, %XX is decoded, a value is read up to its first NUL) and each goes through
 * ent_paging_argument(), the daemon's own reading of limit, offset, search, sort and filters.
 * A query the parser accepts runs against every list of the public API on the fuzz
 * application, as an admin, and each answer is written as the daemon writes it
 * (ent_paging_reply() on a fake request for /v1/<list>).
 *
 * Invariants: the parser refuses a query exactly when a reference reading does (limit,
 * offset, page or page_size not a whole number of at most 18 digits, page or page_size 0, a filter
 * given twice, more than ENT_LIST_MAX_FILTERS filters), and then with ENT_EINVAL naming arguments
 * of the query; each list answers ENT_OK or ENT_EINVAL, never another code (an ENT_ESTORE here is a
 * filter or sort that the service accepts and the store does not know), with err carrying the same
 * code and ENT_EINVAL naming a field; every refusal, written as the daemon writes it, is a whole
 * problem document (ent_fuzz_app_problem_error()) with status 422; a query of nothing but a limit
 * in 1..100, an offset and a short search is never refused; an answer has count <= limit and count
 * <= total_count; its envelope is a 200 JSON object with count items in data, the counts of the
 * list, a "next" link exactly when offset + count < total_count (count > 0) and a "previous" link
 * exactly when offset > 0; each link is /v1/<list>?... and parses back, through the same parser, to
 * the same query at offset + limit (next) or max(0, offset - limit) (previous).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "fuzz_app.h"
#include "http/paging.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The daemon answers 414 to a request target over 8 KiB; "/v1/entitlements?" takes 17. */
#define QUERY_MAX (8192 - 17)
/* More arguments than any query can usefully hold; further ones are ignored by the harness. */
#define MAX_ARGS 64

typedef int (*list_fn)(struct ent_ctx *ctx, const struct ent_list_query *q, struct ent_list *list,
                       struct ent_error *err);

static const struct {
    const char *name;
    list_fn list;
    size_t item_size;
} lists[] = {
    {"features", ent_features_list, sizeof(struct ent_feature)},
    {"products", ent_products_list, sizeof(struct ent_product)},
    {"accounts", ent_accounts_list, sizeof(struct ent_account)},
    {"orders", ent_orders_list, sizeof(struct ent_order)},
    {"entitlements", ent_entitlements_list, sizeof(struct ent_entitlement)},
    {"leases", ent_leases_list, sizeof(struct ent_lease)},
    {"activations", ent_activations_list, sizeof(struct ent_activation)},
    {"events", ent_events_list, sizeof(struct ent_event)},
    {"keys", ent_keys_list, sizeof(struct ent_key)},
};

/* The arguments of a query string, as libmicrohttpd hands them over. */
struct args {
    size_t n;
    const char *names[MAX_ARGS];
    const char *values[MAX_ARGS]; /* NULL: the argument has no '=' */
};

/* Stops the run with a message: an invariant does not hold (libFuzzer saves the input). */
static void
fail(const char *list, const char *what, int rc, const struct ent_error *err)
{
    fprintf(stderr, "fuzz_query: %s: %s (rc %s", list, what, ent_error_name(rc));
    if (err) {
        fprintf(stderr, ", err %s: %s", ent_error_name(err->code), err->message);
        for (size_t i = 0; i < err->n_fields; i++)
            fprintf(stderr, "; %s: %s", err->fields[i].field, err->fields[i].message);
    }
    fprintf(stderr, ")\n");
    abort();
}

/* The value of hex digit c, or -1. */
static int
hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes s[0..len) as libmicrohttpd does ('+' a space, then %XX) into a string in ctx. */
static char *
decode(struct ent_ctx *ctx, const char *s, size_t len)
{
    char *out = ent_ctx_alloc(ctx, len + 1);
    if (!out)
        abort();
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int hi = s[i] == '%' && i + 2 < len ? hex_value(s[i + 1]) : -1;
        int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
        if (hi >= 0 && lo >= 0) {
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = s[i] == '+' ? ' ' : s[i];
        }
    }
    out[o] = '\0';
    return out;
}

/*
 * Splits the query string s[0..len) into args as libmicrohttpd's argument parser does: an
 * empty remainder ends the query, "name" without '=' has a NULL value.
 */
static void
split_query(struct ent_ctx *ctx, const char *s, size_t len, struct args *a)
{
    a->n = 0;
    size_t start = 0;
    while (start < len && a->n < MAX_ARGS) {
        const char *amp = memchr(s + start, '&', len - start);
        size_t end = amp ? (size_t)(amp - s) : len;
        const char *eq = memchr(s + start, '=', end - start);
        size_t name_end = eq ? (size_t)(eq - s) : end;
        a->names[a->n] = decode(ctx, s + start, name_end - start);
        a->values[a->n] = eq ? decode(ctx, eq + 1, end - name_end - 1) : NULL;
        a->n++;
        start = end + 1;
    }
}

/* Fills q from args through the daemon's parser (ent_paging_parse()'s defaults first). */
static int
parse_args(const struct args *a, struct ent_list_query *q, struct ent_error *err)
{
    memset(q, 0, sizeof(*q));
    q->limit = 20;
    ent_error_clear(err);
    for (size_t i = 0; i < a->n; i++)
        ent_paging_argument(q, a->names[i], a->values[i], err);
    return err->code == ENT_EINVAL ? ENT_EINVAL : ENT_OK;
}

/* True when value is a whole number as the API writes one: 0, or 1 to 18 digits without a 0 first.
 */
static bool
is_whole(const char *value)
{
    size_t n = value ? strlen(value) : 0;
    if (n == 0 || n > 18 || (n > 1 && value[0] == '0'))
        return false;
    return strspn(value, "0123456789") == n;
}

/*
 * The reference reading of args: false when the daemon must refuse them. OUT plain: true when
 * they hold nothing but a limit in 1..100, an offset and a search of at most 200 bytes.
 */
static bool
reference_ok(const struct args *a, bool *plain)
{
    const char *filters[MAX_ARGS];
    size_t n_filters = 0;
    bool ok = true;
    int64_t limit = 20;
    *plain = true;
    for (size_t i = 0; i < a->n; i++) {
        const char *name = a->names[i], *value = a->values[i];
        if (strcmp(name, "limit") == 0 || strcmp(name, "offset") == 0) {
            if (!is_whole(value))
                ok = false;
            else if (name[0] == 'l')
                limit = strtoll(value, NULL, 10);
        } else if (strcmp(name, "page") == 0 || strcmp(name, "page_size") == 0) {
            *plain = false; /* pages count from 1; a page holds 1 or more */
            if (!is_whole(value) || strtoll(value, NULL, 10) == 0)
                ok = false;
        } else if (strcmp(name, "search") == 0) {
            if (value && strlen(value) > 200)
                *plain = false;
        } else if (strcmp(name, "sort") == 0) {
            *plain = false;
        } else {
            *plain = false;
            bool seen = false;
            for (size_t j = 0; j < n_filters; j++)
                seen = seen || strcmp(filters[j], name) == 0;
            if (seen || n_filters == ENT_LIST_MAX_FILTERS)
                ok = false;
            else
                filters[n_filters++] = name;
        }
    }
    if (limit < 1 || limit > 100)
        *plain = false;
    return ok;
}

/* The size and offset of the page q asks for (limit and offset, or page and page_size). */
static void
effective(const struct ent_list_query *q, int64_t *size, int64_t *offset)
{
    bool paged = q->page || q->page_size;
    *size = q->page_size ? q->page_size : q->limit;
    *offset = !paged ? q->offset : q->page > 0 ? (q->page - 1) * *size : 0;
}

/* True when q and r hold the same query apart from the page (size, search, sort, filters). */
static bool
same_query(const struct ent_list_query *q, const struct ent_list_query *r)
{
    int64_t qs, qo, rs, ro;
    effective(q, &qs, &qo);
    effective(r, &rs, &ro);
    if (qs != rs || q->n_filters != r->n_filters)
        return false;
    if ((q->search == NULL) != (r->search == NULL) || (q->search && strcmp(q->search, r->search)))
        return false;
    if ((q->sort == NULL) != (r->sort == NULL) || (q->sort && strcmp(q->sort, r->sort)))
        return false;
    for (size_t i = 0; i < q->n_filters; i++) {
        if (strcmp(q->filters[i].name, r->filters[i].name) != 0 ||
            strcmp(q->filters[i].value, r->filters[i].value) != 0)
            return false;
    }
    return true;
}

/*
 * Checks a "next" or "previous" member of the envelope: null unless expected, else a link to
 * path whose query parses back to q at offset.
 */
static void
check_link(struct ent_ctx *ctx, const char *name, const char *path, json_t *link, bool expected,
           const struct ent_list_query *q, int64_t offset)
{
    if (!expected) {
        if (!json_is_null(link))
            fail(name, "a link where none is due", ENT_OK, NULL);
        return;
    }
    const char *url = json_string_value(link);
    size_t path_len = strlen(path);
    if (!url || strncmp(url, path, path_len) != 0 || url[path_len] != '?')
        fail(name, "a due link is missing or not to the list", ENT_OK, NULL);
    const char *query = url + path_len + 1;
    struct args a;
    split_query(ctx, query, strlen(query), &a);
    struct ent_list_query back;
    struct ent_error err;
    if (parse_args(&a, &back, &err) != ENT_OK)
        fail(name, "a link's query is refused by the parser", err.code, &err);
    int64_t size, back_offset;
    effective(&back, &size, &back_offset);
    if (!same_query(q, &back) || back_offset != offset)
        fail(name, "a link's query is not the request's at the next offset", ENT_OK, NULL);
}

/* Stands for an item in the envelope: the harness checks the envelope, not the encoders. */
static json_t *
encode_item(const void *item)
{
    (void)item;
    return json_object();
}

/* Writes the envelope of list as the daemon does and checks it (see the file header). */
static void
check_envelope(struct ent_ctx *ctx, size_t which, const struct ent_list_query *q,
               const struct ent_list *list)
{
    const char *name = lists[which].name;
    char path[64];
    snprintf(path, sizeof(path), "/v1/%s", name);
    struct ent_request req;
    memset(&req, 0, sizeof(req));
    req.url = path;
    req.ctx = ctx;
    ent_paging_reply(&req, q, list, lists[which].item_size, encode_item);
    if (req.status != 200 || !req.answer)
        fail(name, "the envelope is not a 200 answer with a body", ENT_OK, NULL);
    json_error_t jerr;
    json_t *env = json_loadb(req.answer, req.answer_len, 0, &jerr);
    if (!env)
        fail(name, "the envelope is not JSON", ENT_OK, NULL);
    json_t *items = json_object_get(env, "data");
    if (!json_is_array(items) || json_array_size(items) != list->count ||
        json_integer_value(json_object_get(env, "count")) != (json_int_t)list->count ||
        json_integer_value(json_object_get(env, "total_count")) != list->total_count)
        fail(name, "the envelope's data and counts are not the list's", ENT_OK, NULL);
    int64_t size, offset;
    effective(q, &size, &offset);
    if (json_integer_value(json_object_get(env, "page")) != offset / size + 1 ||
        json_integer_value(json_object_get(env, "page_size")) != size ||
        json_integer_value(json_object_get(env, "total_pages")) !=
            (list->total_count + size - 1) / size)
        fail(name, "the envelope's page, page_size or total_pages is wrong", ENT_OK, NULL);
    bool has_next = list->count > 0 && offset + (int64_t)list->count < list->total_count;
    check_link(ctx, name, path, json_object_get(env, "next"), has_next, q, offset + size);
    int64_t prev = offset > size ? offset - size : 0;
    check_link(ctx, name, path, json_object_get(env, "previous"), offset > 0, q, prev);
    json_decref(env);
    ent_free(req.answer);
}

/* Writes the problem document of err as the daemon does, and checks it. */
static void
check_problem(struct ent_ctx *ctx, const char *name, const struct ent_error *err)
{
    struct ent_request req;
    memset(&req, 0, sizeof(req));
    req.url = "/v1/list";
    req.ctx = ctx;
    ent_http_reply_error(&req, err);
    const char *why = ent_fuzz_app_problem_error(422, req.answer, req.answer_len);
    if (req.status != 422 || why)
        fail(name, why ? why : "a refused query does not answer 422", err->code, err);
    ent_free(req.answer);
}

/* Runs one list on the query string s[0..len) and checks the answer. */
static void
run_list(size_t which, const char *s, size_t len)
{
    const char *name = lists[which].name;
    struct ent_ctx *ctx = ent_fuzz_app_ctx();
    struct args a;
    split_query(ctx, s, len, &a);
    bool plain;
    bool want_ok = reference_ok(&a, &plain);
    struct ent_list_query q;
    struct ent_error err;
    int rc = parse_args(&a, &q, &err);
    if ((rc == ENT_OK) != want_ok)
        fail(name,
             want_ok ? "the parser refused a query the reference accepts"
                     : "the parser accepted a query the reference refuses",
             rc, &err);
    if (rc != ENT_OK) {
        if (err.n_fields == 0)
            fail(name, "a refused query names no argument", rc, &err);
        for (size_t i = 0; i < err.n_fields; i++) {
            /* A field name is cut to its buffer: then it is a prefix of the argument's. */
            const char *field = err.fields[i].field;
            size_t flen = strlen(field);
            bool cut = flen == sizeof(err.fields[i].field) - 1;
            bool named = false;
            for (size_t j = 0; j < a.n && !named; j++)
                named =
                    cut ? strncmp(field, a.names[j], flen) == 0 : strcmp(field, a.names[j]) == 0;
            if (!named)
                fail(name, "a refused query names a field it does not hold", rc, &err);
        }
        check_problem(ctx, name, &err);
        ent_ctx_free(ctx);
        return;
    }

    struct ent_list list;
    memset(&list, 0, sizeof(list));
    ent_error_clear(&err);
    rc = lists[which].list(ctx, &q, &list, &err);
    if (rc != ENT_OK && rc != ENT_EINVAL)
        fail(name, "a list answered neither ENT_OK nor ENT_EINVAL", rc, &err);
    if (err.code != rc)
        fail(name, "err does not carry the returned code", rc, &err);
    if (rc == ENT_EINVAL && err.n_fields + err.n_dropped == 0)
        fail(name, "ENT_EINVAL names no field", rc, &err);
    if (rc == ENT_EINVAL && plain)
        fail(name, "a query of valid paging alone was refused", rc, &err);
    if (rc == ENT_EINVAL)
        check_problem(ctx, name, &err);
    if (rc == ENT_OK) {
        int64_t size, offset;
        effective(&q, &size, &offset);
        if ((int64_t)list.count > size)
            fail(name, "more items than the limit (or page_size)", rc, &err);
        if ((int64_t)list.count > list.total_count)
            fail(name, "more items than total_count", rc, &err);
        if (list.count && !list.items)
            fail(name, "items missing", rc, &err);
        check_envelope(ctx, which, &q, &list);
    }
    ent_ctx_free(ctx);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    ent_fuzz_app_get();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > QUERY_MAX)
        return 0;
    ent_fuzz_app_get();
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
        run_list(i, (const char *)data, size);
    return 0;
}
