/* SPDX-License-Identifier: MIT */
/*
 * lists.h: the one list mechanism behind every GET of a collection: paging, search, sort and
 * filters checked against a per-resource description, then one page of ids from the store,
 * each loaded by the resource's own reader.
 */
#ifndef ENT_SERVICE_LISTS_H
#define ENT_SERVICE_LISTS_H

#include <stdbool.h>

#include "store/store.h"
#include <entitled.h>

#define ENT_LIST_LIMIT_MAX 100
#define ENT_SEARCH_MAX 200

/* A filter a resource accepts. */
struct ent_list_filter {
    const char *name;                 /* the query parameter, e.g. "type"; NULL ends a table */
    enum ent_store_op op;             /* how the store compares */
    bool (*check)(const char *value); /* NULL: any value */
    /* Turns a reference (id or key) into an id; ENT_ENOTFOUND makes the list empty. */
    int (*resolve)(struct ent_ctx *ctx, const char *value, const char **id);
};

struct ent_list_spec {
    enum ent_store_table table;
    size_t item_size;                      /* sizeof the resource's struct */
    const char *sorts[8];                  /* fields ?sort= accepts */
    const struct ent_list_filter *filters; /* ends with {.name = NULL} */
    int (*load)(struct ent_ctx *ctx, struct ent_store_session *sess, const char *id, void *out);
};

/*
 * Checks q against spec, adds the forced filters (an account key's binding), and loads one
 * page. OUT list: items of spec->item_size bytes in the context's arena.
 * Errors: ENT_EINVAL (limit, offset, sort, search or a filter), ENT_ESTORE, ENT_ENOMEM.
 */
int ent_lists_run(struct ent_ctx *ctx, const struct ent_list_spec *spec,
                  const struct ent_list_query *q, const struct ent_store_query *forced,
                  struct ent_list *list, struct ent_error *err);

/* Filter checks shared by resources. */
bool ent_lists_check_uuid(const char *value);

/* Resolves an account id or key to its id. Errors: ENT_ENOTFOUND, ENT_ESTORE. */
int ent_lists_resolve_account(struct ent_ctx *ctx, const char *value, const char **id);

/* As ent_lists_resolve_account(), but an id is taken as it is, existing or not (history). */
int ent_lists_resolve_account_ref(struct ent_ctx *ctx, const char *value, const char **id);

#endif /* ENT_SERVICE_LISTS_H */
