/* SPDX-License-Identifier: MIT */
/*
 * paging.h: list requests and answers: ?limit, ?offset, ?search, ?sort and filters in, the list
 * envelope {data, count, total_count, next, previous} out.
 */
#ifndef ENT_HTTP_PAGING_H
#define ENT_HTTP_PAGING_H

#include <jansson.h>

#include "http/request.h"
#include <entitled.h>

/*
 * Reads the query string into q: limit (default 20), offset (default 0), search, sort, and
 * every other argument as a filter (the library refuses those it does not know).
 * Errors: ENT_EINVAL naming the argument.
 */
int ent_paging_parse(struct ent_request *req, struct ent_list_query *q, struct ent_error *err);

/*
 * Adds one query argument (key, value; value NULL when the argument has no '=') to q, as
 * ent_paging_parse() does for each: limit and offset must be whole numbers, search and sort are
 * kept, any other name is a filter, given at most once and at most ENT_LIST_MAX_FILTERS of
 * them. Errors: a field error on key in err. key and value must outlive q.
 */
void ent_paging_argument(struct ent_list_query *q, const char *key, const char *value,
                         struct ent_error *err);

/*
 * Answers 200 with the envelope of list: encode turns each item (of item_size bytes) into
 * JSON. next and previous repeat the request's query with another offset.
 */
void ent_paging_reply(struct ent_request *req, const struct ent_list_query *q,
                      const struct ent_list *list, size_t item_size,
                      json_t *(*encode)(const void *item));

/* A list of the library (ent_<resource>_list in entitled.h). */
typedef int (*ent_paging_list_fn)(struct ent_ctx *ctx, const struct ent_list_query *q,
                                  struct ent_list *list, struct ent_error *err);

/*
 * Serves a list route, the same for every resource: reads the query (ent_paging_parse), calls
 * list, and answers the page (ent_paging_reply, items of item_size bytes turned into JSON by
 * encode) or the problem.
 */
void ent_paging_serve(struct ent_request *req, ent_paging_list_fn list, size_t item_size,
                      json_t *(*encode)(const void *item));

#endif /* ENT_HTTP_PAGING_H */
