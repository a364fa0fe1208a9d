/* SPDX-License-Identifier: MIT */
/*
 * paging.c: list query parsing and the list envelope (see paging.h).
 */
#include "http/paging.h"

#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/str.h"

struct parse_state {
    struct ent_request *req;
    struct ent_list_query *q;
    struct ent_error *err;
};

/* Reads a whole number argument. */
static void
parse_number(struct ent_error *err, const char *name, const char *value, int64_t *out)
{
    int64_t v;
    if (!value || !ent_str_parse_whole(value, &v)) {
        ent_error_field(err, name, "must be a whole number");
        return;
    }
    *out = v;
}

void
ent_paging_argument(struct ent_list_query *q, const char *key, const char *value,
                    struct ent_error *err)
{
    if (strcmp(key, "limit") == 0) {
        parse_number(err, key, value, &q->limit);
    } else if (strcmp(key, "offset") == 0) {
        parse_number(err, key, value, &q->offset);
        q->offset_given = true;
    } else if (strcmp(key, "page") == 0) {
        parse_number(err, key, value, &q->page);
        if (q->page == 0)
            ent_error_field(err, key, "must be 1 or more"); /* pages count from 1 */
    } else if (strcmp(key, "page_size") == 0) {
        parse_number(err, key, value, &q->page_size);
        if (q->page_size == 0)
            ent_error_field(err, key, "must be between 1 and 100");
    } else if (strcmp(key, "search") == 0) {
        q->search = value ? value : "";
    } else if (strcmp(key, "sort") == 0) {
        q->sort = value ? value : "";
    } else {
        for (size_t i = 0; i < q->n_filters; i++) {
            if (strcmp(q->filters[i].name, key) == 0) {
                ent_error_field(err, key, "is given more than once");
                return;
            }
        }
        if (q->n_filters == ENT_LIST_MAX_FILTERS) {
            ent_error_field(err, key, "too many filters");
            return;
        }
        q->filters[q->n_filters].name = key;
        q->filters[q->n_filters].value = value ? value : "";
        q->n_filters++;
    }
}

/* MHD iterator over the query arguments. */
static enum MHD_Result
on_argument(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    struct parse_state *st = cls;
    ent_paging_argument(st->q, key, value, st->err);
    return MHD_YES;
}

int
ent_paging_parse(struct ent_request *req, struct ent_list_query *q, struct ent_error *err)
{
    memset(q, 0, sizeof(*q));
    q->limit = 20;
    struct parse_state st = {.req = req, .q = q, .err = err};
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, on_argument, &st);
    return (err->code == ENT_EINVAL) ? ENT_EINVAL : ENT_OK;
}

/* Appends s to b, percent-encoded for a query string. */
static void
append_encoded(struct ent_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '_' || c == '.' || c == '~';
        if (plain) {
            ent_buf_append(b, s, 1);
        } else {
            char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
            ent_buf_append(b, enc, 3);
        }
    }
}

/* The URL of the page at offset, with the request's other arguments (paged as it asked). */
static json_t *
page_url(struct ent_request *req, const struct ent_list_query *q, int64_t offset)
{
    struct ent_buf b;
    ent_buf_init(&b, 8192);
    ent_buf_puts(&b, req->url);
    int64_t size, unused;
    ent_list_page(q, &size, &unused);
    if (q->page || q->page_size)
        ent_buf_printf(&b, "?page=%lld&page_size=%lld", (long long)(offset / size + 1),
                       (long long)size);
    else
        ent_buf_printf(&b, "?limit=%lld&offset=%lld", (long long)q->limit, (long long)offset);
    const char *names[] = {"search", "sort"};
    const char *values[] = {q->search, q->sort};
    for (size_t i = 0; i < 2; i++) {
        if (!values[i])
            continue;
        ent_buf_printf(&b, "&%s=", names[i]);
        append_encoded(&b, values[i]);
    }
    for (size_t i = 0; i < q->n_filters; i++) {
        ent_buf_puts(&b, "&");
        append_encoded(&b, q->filters[i].name);
        ent_buf_puts(&b, "=");
        append_encoded(&b, q->filters[i].value);
    }
    json_t *url = b.data ? json_string(b.data) : json_null();
    ent_buf_cleanup(&b);
    return url;
}

void
ent_paging_reply(struct ent_request *req, const struct ent_list_query *q,
                 const struct ent_list *list, size_t item_size, json_t *(*encode)(const void *item))
{
    json_t *data = json_array();
    const char *items = list->items;
    for (size_t i = 0; i < list->count; i++)
        json_array_append_new(data, encode(items + i * item_size));
    json_t *env = json_object();
    json_object_set_new(env, "data", data);
    json_object_set_new(env, "count", json_integer((json_int_t)list->count));
    json_object_set_new(env, "total_count", json_integer(list->total_count));
    int64_t size, offset;
    ent_list_page(q, &size, &offset);
    /* Page numbers (seed 002's paging) beside limit and offset: the page this offset falls in. */
    json_object_set_new(env, "page", json_integer(offset / size + 1));
    json_object_set_new(env, "page_size", json_integer(size));
    json_object_set_new(env, "total_pages", json_integer((list->total_count + size - 1) / size));
    bool has_next = offset + (int64_t)list->count < list->total_count && list->count > 0;
    json_object_set_new(env, "next", has_next ? page_url(req, q, offset + size) : json_null());
    int64_t prev = offset - size;
    json_object_set_new(env, "previous",
                        offset > 0 ? page_url(req, q, prev > 0 ? prev : 0) : json_null());
    ent_http_reply_json(req, 200, env);
}

void
ent_paging_serve(struct ent_request *req, ent_paging_list_fn list, size_t item_size,
                 json_t *(*encode)(const void *item))
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_list_query q;
    struct ent_list page;
    if (ent_paging_parse(req, &q, &err) == ENT_OK)
        list(req->ctx, &q, &page, &err);
    if (err.code != ENT_OK)
        ent_http_reply_error(req, &err);
    else
        ent_paging_reply(req, &q, &page, item_size, encode);
}
