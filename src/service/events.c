/* SPDX-License-Identifier: MIT */
/*
 * events.c: the audit log (see events.h). The store keeps it append-only; this module writes
 * events and lists them. Secrets never reach an event: key objects are encoded without them.
 * Every event also goes to the webhook outbox (outbox.c), in the event's own transaction.
 */
#include "service/events.h"

#include <stdio.h>
#include <string.h>

#include "core/uuid.h"
#include "service/ctx.h"
#include "service/lists.h"
#include "service/outbox.h"

int
ent_events_record(struct ent_ctx *ctx, const char *type, const char *account_id,
                  const char *object_id, enum ent_kind kind, const void *before, const void *after)
{
    struct ent_event e = {.type = type, .created_ms = ctx->now_ms};
    ent_ctx_new_id(ctx, e.id);
    snprintf(e.actor, sizeof(e.actor), "%s", ctx->principal.key_id);
    snprintf(e.account, sizeof(e.account), "%s", account_id ? account_id : "");
    snprintf(e.object, sizeof(e.object), "%s", object_id);
    int rc = ent_ctx_encode(ctx, kind, before, &e.before);
    if (rc == ENT_OK)
        rc = ent_ctx_encode(ctx, kind, after, &e.after);
    if (rc < 0)
        return rc;
    rc = ctx->sess->ops->event_insert(ctx->sess, &e);
    /* webhooks (issue 15): the event's messages, in the same transaction as the event */
    if (rc == ENT_OK)
        rc = ent_outbox_event(ctx, &e);
    return rc;
}

/* Loads one event for the generic list. */
static int
load_event(struct ent_ctx *ctx, struct ent_store_session *sess, const char *id, void *out)
{
    return sess->ops->event_get(sess, &ctx->arena, id, out);
}

static const struct ent_list_filter event_filters[] = {
    {.name = "after", .op = ENT_STORE_GT, .check = ent_lists_check_uuid},
    {.name = "type", .op = ENT_STORE_EQ},
    {.name = "account", .op = ENT_STORE_EQ, .resolve = ent_lists_resolve_account_ref},
    {.name = NULL},
};

static const struct ent_list_spec event_list = {
    .table = ENT_TABLE_EVENTS,
    .item_size = sizeof(struct ent_event),
    .sorts = {"created_at"},
    .filters = event_filters,
    .load = load_event,
};

int
ent_events_list(struct ent_ctx *ctx, const struct ent_list_query *q, struct ent_list *list,
                struct ent_error *err)
{
    ent_error_clear(err);
    int rc = ent_ctx_require_reader(ctx, err);
    if (rc < 0)
        return rc;
    return ent_lists_run(ctx, &event_list, q, NULL, list, err);
}
