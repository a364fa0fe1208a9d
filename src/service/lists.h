/* SPDX-License-Identifier: MIT */
/*
 * lists.h: the one list mechanism behind every GET of a collection: paging, search, sort and
 * filters checked against a per-resource description, then one page of ids from the store,
 * each loaded by the resource's own reader.
 */
#ifndef ENT_SERVICE_LISTS_H
#define ENT_SERVICE_LISTS_H

#include <stdbool.h>
#include <stdint.h>

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

/*
 * A list's ?status= filter when the status is derived at the context's time, not stored: adds
 * the store filters that select the rows of status value to forced.
 * Errors: ENT_EINVAL (value is no status of the resource, or too many filters), ENT_ENOMEM.
 */
typedef int (*ent_list_status_fn)(struct ent_ctx *ctx, const char *value,
                                  struct ent_store_query *forced);

/*
 * Prepares the list of a resource that belongs to accounts (accounts themselves, orders,
 * entitlements, leases, activations) for the principal: admin and read keys see every row; a key
 * bound to an account sees its account's alone, through a filter on own_field ("id", "account")
 * that the request cannot lift. With status (NULL: no derived status), q's ?status= filter is
 * taken out of rest and turned into forced store filters; a value that is no status is a field
 * error on "status" and returns ENT_OK, so that the run still reports every field error at once.
 * OUT rest, forced: for ent_lists_run(). Errors: ENT_EFORBIDDEN (no key), ENT_ENOMEM.
 */
int ent_lists_scope(struct ent_ctx *ctx, const struct ent_list_query *q, const char *own_field,
                    ent_list_status_fn status, struct ent_list_query *rest,
                    struct ent_store_query *forced, struct ent_error *err);

/* ent_lists_scope(), then ent_lists_run(). Errors: those of both. */
int ent_lists_run_scoped(struct ent_ctx *ctx, const struct ent_list_spec *spec,
                         const struct ent_list_query *q, const char *own_field,
                         ent_list_status_fn status, struct ent_list *list, struct ent_error *err);

/*
 * Copies q into rest without its filter called name (a list filter that is no store column,
 * like a derived status). OUT value: that filter's value, or NULL when q has none.
 */
void ent_lists_take_filter(const struct ent_list_query *q, const char *name,
                           struct ent_list_query *rest, const char **value);

/* Appends a filter to sq. Errors: ENT_EINVAL when sq holds ENT_STORE_MAX_FILTERS already. */
int ent_lists_add_filter(struct ent_store_query *sq, const char *field, enum ent_store_op op,
                         const char *value);

/* ms as decimal text in the context's arena, for list filters on times; NULL when out of memory. */
const char *ent_lists_ms_text(struct ent_ctx *ctx, int64_t ms);

/* Filter checks shared by resources. */
bool ent_lists_check_uuid(const char *value);
bool ent_lists_check_status(const char *value);   /* active or archived (enum ent_status) */
bool ent_lists_check_category(const char *value); /* a product category (enum ent_category) */

/*
 * Filter resolvers: turn a reference into the id of the row it names, in the context's arena.
 * Errors: ENT_ENOTFOUND (makes the list empty), ENT_ESTORE, ENT_ENOMEM.
 */
int ent_lists_resolve_account(struct ent_ctx *ctx, const char *value, const char **id);
int ent_lists_resolve_product(struct ent_ctx *ctx, const char *value, const char **id);
int ent_lists_resolve_feature(struct ent_ctx *ctx, const char *value, const char **id);
/* An entitlement by id or activation id. */
int ent_lists_resolve_entitlement(struct ent_ctx *ctx, const char *value, const char **id);

/* As ent_lists_resolve_account(), but an id is taken as it is, existing or not (history). */
int ent_lists_resolve_account_ref(struct ent_ctx *ctx, const char *value, const char **id);

#endif /* ENT_SERVICE_LISTS_H */
