/* SPDX-License-Identifier: MIT */
/*
 * accounts.c: accounts (customers, tenants, partners): create, read, change, delete and list
 * them, with the parent chain of a distribution channel kept free of cycles. This file owns
 * the rules of accounts and the account-key isolation of their reads: a key bound to one
 * account sees that account alone and answers any other exactly as a missing one. Deleting an
 * account revokes the API keys bound to it in the same transaction. No SQL and no JSON here.
 *
 * Invariant: every check that reads the store (the parent, its ancestors, child accounts) runs
 * inside the change's write transaction; every failure after ent_writes_begin() leaves
 * through ent_writes_fail(), which rolls back.
 */
#include <stdio.h>
#include <string.h>

#include "core/str.h"
#include "service/attribute_definitions.h"
#include "service/ctx.h"
#include "service/events.h"
#include "service/fields.h"
#include "service/keys.h"
#include "service/lists.h"
#include "service/writes.h"
#include <entitled.h>

#define ACCOUNT_KEY_MAX 128
#define PARENT_WALK_MAX 1000 /* ancestors a cycle check may visit */

static int load_account(struct ent_ctx *ctx, const char *id_or_key, struct ent_account *out,
                        struct ent_error *err);
static bool is_account_key(const char *s);
static void check_key(const char *key, struct ent_error *err);
static void check_fields(const struct ent_account *a, struct ent_error *err);
static int check_ancestors(struct ent_ctx *ctx, const struct ent_account *a,
                           const struct ent_account *parent, struct ent_error *err);
static int resolve_parent(struct ent_ctx *ctx, struct ent_account *a, bool check_cycle,
                          struct ent_error *err);
static void apply_patch(struct ent_account *a, const struct ent_account *patch);
static int revoke_keys(struct ent_ctx *ctx, const char *account_id, char (**ids)[37], size_t *n);
static int load_listed(struct ent_ctx *ctx, struct ent_store_session *sess, const char *id,
                       void *out);
static bool check_type(const char *value);
static bool check_partner_tier(const char *value);

/* ------------------------------------------------------------------------------------------ */
/* Shared helpers and checks                                                                   */
/* ------------------------------------------------------------------------------------------ */

/*
 * Reads an account by id or key on the context's session, which the caller has acquired.
 * OUT out: the account, in the arena.
 * Errors: ENT_ENOTFOUND (recorded in err with the reference), ENT_ESTORE, ENT_ENOMEM.
 */
static int
load_account(struct ent_ctx *ctx, const char *id_or_key, struct ent_account *out,
             struct ent_error *err)
{
    int rc = ENT_ENOTFOUND;
    if (id_or_key && id_or_key[0])
        rc = ctx->sess->ops->account_get(ctx->sess, &ctx->arena, id_or_key, out);
    return ent_ctx_found(ctx, rc, NULL, "account", id_or_key, err);
}

/*
 * True when s is an account key: 1 to ACCOUNT_KEY_MAX characters of [A-Za-z0-9_.:@-]. Wider
 * than feature and product keys, because it is the vendor's own id for its customer (an
 * e-mail address, "crm:1234", a UUID).
 */
static bool
is_account_key(const char *s)
{
    size_t n = 0;
    for (; s && s[n]; n++) {
        char c = s[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || c == ':' || c == '@' || c == '-';
        if (!ok || n == ACCOUNT_KEY_MAX)
            return false;
    }
    return n > 0;
}

/* Records a field error on "key" when key is missing or not an account key. */
static void
check_key(const char *key, struct ent_error *err)
{
    if (!key || !key[0])
        ent_error_field(err, "key", "is required");
    else if (!is_account_key(key))
        ent_error_field(err, "key", "must be 1 to %d of A-Z, a-z, 0-9, '_', '.', ':', '@', '-'",
                        ACCOUNT_KEY_MAX);
}

/*
 * Checks the fields of a complete account that need no store: name, type, contact e-mail and
 * attributes. Records every failure in err as a field error.
 */
static void
check_fields(const struct ent_account *a, struct ent_error *err)
{
    ent_fields_name(err, "name", a->name);
    if (a->type < ENT_ACCOUNT_CUSTOMER || a->type > ENT_ACCOUNT_UNKNOWN)
        ent_error_field(err, "type",
                        "must be customer, channel_partner, publisher, self_registered or "
                        "unknown");
    if (a->partner_tier < ENT_PARTNER_TIER_END_CUSTOMER || a->partner_tier > ENT_PARTNER_TIER_ONE)
        ent_error_field(err, "partner_tier", "must be end_customer or partner_tier_one");
    if (a->contact_email && !ent_str_is_email(a->contact_email))
        ent_error_field(err, "contact_email", "is not a valid e-mail address");
    ent_fields_attributes(err, "attributes", a->attributes);
}

/*
 * Walks up from parent (the account a would get as its parent) and records a field error on
 * "parent" when a is among its ancestors, or when the chain is longer than PARENT_WALK_MAX
 * (which a well-formed chain never is; it also ends a loop the store should not hold).
 * Errors: ENT_ESTORE, ENT_ENOMEM (field errors return ENT_OK).
 */
static int
check_ancestors(struct ent_ctx *ctx, const struct ent_account *a, const struct ent_account *parent,
                struct ent_error *err)
{
    const char *up = parent->parent;
    for (size_t steps = 0; up && up[0]; steps++) {
        if (strcmp(up, a->id) == 0) {
            ent_error_field(err, "parent", "would make a cycle");
            return ENT_OK;
        }
        if (steps == PARENT_WALK_MAX) {
            ent_error_field(err, "parent", "has more than %d ancestors", PARENT_WALK_MAX);
            return ENT_OK;
        }
        struct ent_account ancestor;
        int rc = ctx->sess->ops->account_get(ctx->sess, &ctx->arena, up, &ancestor);
        if (rc == ENT_ENOTFOUND)
            return ENT_OK;
        if (rc < 0)
            return rc;
        up = ancestor.parent;
    }
    return ENT_OK;
}

/*
 * Resolves a->parent (an id or key; NULL: none) to the parent's id in the arena. Refuses, as
 * field errors on "parent", an unknown account, the account itself and, with check_cycle, a
 * parent below a in the chain. Needs the context's session (inside the change's transaction).
 * Errors: ENT_ESTORE, ENT_ENOMEM (field errors return ENT_OK).
 */
static int
resolve_parent(struct ent_ctx *ctx, struct ent_account *a, bool check_cycle, struct ent_error *err)
{
    if (!a->parent)
        return ENT_OK;
    struct ent_account parent;
    int rc = ENT_ENOTFOUND;
    if (a->parent[0])
        rc = ctx->sess->ops->account_get(ctx->sess, &ctx->arena, a->parent, &parent);
    if (rc == ENT_ENOTFOUND) {
        ent_error_field(err, "parent", "no such account");
        return ENT_OK;
    }
    if (rc < 0)
        return rc;
    if (strcmp(parent.id, a->id) == 0) {
        ent_error_field(err, "parent", "an account cannot be its own parent");
        return ENT_OK;
    }
    if (check_cycle) {
        rc = check_ancestors(ctx, a, &parent, err);
        if (rc < 0)
            return rc;
    }
    a->parent = ent_arena_strdup(&ctx->arena, parent.id);
    return a->parent ? ENT_OK : ENT_ENOMEM;
}

/* ------------------------------------------------------------------------------------------ */
/* Create, read, change, delete                                                                */
/* ------------------------------------------------------------------------------------------ */

/*
 * Creates an account (see entitled.h): type customer unless given, parent resolved to its id.
 * Records "account.created" (its account: the new one); answers 201. Every field error of the
 * request is reported at once. Admin keys only.
 * Errors: ENT_EINVAL, ENT_ECONFLICT (key taken), ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_accounts_create(struct ent_ctx *ctx, const struct ent_account *in, struct ent_account *out,
                    struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    struct ent_account a = *in;
    if (!a.type)
        a.type = ENT_ACCOUNT_CUSTOMER;
    if (!a.partner_tier)
        a.partner_tier = ENT_PARTNER_TIER_END_CUSTOMER;
    if (!a.attributes)
        a.attributes = "{}";
    check_key(a.key, err);
    check_fields(&a, err);
    ent_ctx_new_id(ctx, a.id);
    a.created_ms = a.updated_ms = ctx->now_ms;
    a.set = 0;

    rc = ent_writes_begin(ctx);
    if (rc == ENT_OK)
        rc = resolve_parent(ctx, &a, false, err);
    if (rc == ENT_OK) /* seed 004: custom attribute definitions */
        rc = ent_attribute_definitions_apply(ctx, ENT_ATTRIBUTE_OBJECT_ACCOUNT, "attributes",
                                             &a.attributes, err);
    if (rc == ENT_OK && ent_fields_failed(err))
        rc = ENT_EINVAL;
    if (rc == ENT_OK)
        rc = ctx->sess->ops->account_insert(ctx->sess, &a);
    if (rc == ENT_ECONFLICT)
        rc = ent_error_set(err, ENT_ECONFLICT, "an account with the key '%s' exists", a.key);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "account.created", a.id, a.id, ENT_KIND_ACCOUNT, NULL, &a);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 201, ENT_KIND_ACCOUNT, &a);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    *out = a;
    return ENT_OK;
}

/*
 * Reads an account by id or key (see entitled.h). Admin and read keys read any account; a key
 * bound to an account reads that account alone, and any other reference answers ENT_ENOTFOUND
 * exactly as a missing account does (the key must not learn that others exist). The bound
 * account is read by its own id, so another account's key or id is never even looked up.
 * Errors: ENT_ENOTFOUND, ENT_EFORBIDDEN (no key), ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_accounts_get(struct ent_ctx *ctx, const char *id_or_key, struct ent_account *out,
                 struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    bool own_only = ctx->principal.scope == ENT_SCOPE_ACCOUNT;
    int rc = own_only ? ENT_OK : ent_ctx_require_reader(ctx, err);
    if (rc < 0)
        return rc;
    struct ent_store_session *sess;
    rc = ent_ctx_session(ctx, &sess);
    if (rc < 0)
        return ent_ctx_store_error(rc, err);
    if (!own_only) {
        rc = load_account(ctx, id_or_key, out, err);
        return (rc < 0 && err->code != rc) ? ent_ctx_store_error(rc, err) : rc;
    }
    struct ent_account own;
    rc = ent_ctx_own_account(ctx, id_or_key ? id_or_key : "", &own);
    rc = ent_ctx_found(ctx, rc, NULL, "account", id_or_key, err);
    if (rc == ENT_ENOTFOUND)
        return rc;
    if (rc < 0)
        return ent_ctx_store_error(rc, err);
    *out = own;
    return ENT_OK;
}

/* Applies the fields of patch->set to a; a given parent stays a reference until resolved. */
static void
apply_patch(struct ent_account *a, const struct ent_account *patch)
{
    if (patch->set & ENT_ACCOUNT_F_NAME)
        a->name = patch->name;
    if (patch->set & ENT_ACCOUNT_F_TYPE)
        a->type = patch->type;
    if (patch->set & ENT_ACCOUNT_F_PARENT)
        a->parent = patch->parent;
    if (patch->set & ENT_ACCOUNT_F_CONTACT_EMAIL)
        a->contact_email = patch->contact_email;
    if (patch->set & ENT_ACCOUNT_F_PARTNER_TIER)
        a->partner_tier = patch->partner_tier;
    if (patch->set & ENT_ACCOUNT_F_ATTRIBUTES)
        a->attributes = patch->attributes ? patch->attributes : "{}";
}

/*
 * Changes the fields of patch->set (see entitled.h). A new parent must exist, must not be the
 * account itself and must not have the account among its ancestors ("parent": "would make a
 * cycle"). Records "account.updated" with the account before and after; answers 200. Admin
 * keys only. Errors: ENT_EINVAL, ENT_ENOTFOUND, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_accounts_update(struct ent_ctx *ctx, const char *id_or_key, const struct ent_account *patch,
                    struct ent_account *out, struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    rc = ent_writes_begin(ctx);
    struct ent_account before, a;
    if (rc == ENT_OK)
        rc = load_account(ctx, id_or_key, &before, err);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    a = before;
    apply_patch(&a, patch);
    check_fields(&a, err);
    if (patch->set & ENT_ACCOUNT_F_PARENT)
        rc = resolve_parent(ctx, &a, true, err);
    if (rc == ENT_OK && (patch->set & ENT_ACCOUNT_F_ATTRIBUTES))
        rc = ent_attribute_definitions_apply(ctx, ENT_ATTRIBUTE_OBJECT_ACCOUNT, "attributes",
                                             &a.attributes, err);
    if (rc == ENT_OK && ent_fields_failed(err))
        rc = ENT_EINVAL;
    a.updated_ms = ctx->now_ms;
    a.set = 0;
    if (rc == ENT_OK)
        rc = ctx->sess->ops->account_update(ctx->sess, &a);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "account.updated", a.id, a.id, ENT_KIND_ACCOUNT, &before, &a);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 200, ENT_KIND_ACCOUNT, &a);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    *out = a;
    return ENT_OK;
}

/*
 * Revokes every API key bound to account_id, inside the open transaction, and records a
 * "key.revoked" event for each (as ent_keys_revoke() does), so the audit log shows them.
 * OUT ids, n: the keys revoked, in the arena, for the key cache once committed.
 * Errors: ENT_ESTORE, ENT_ENOMEM.
 */
static int
revoke_keys(struct ent_ctx *ctx, const char *account_id, char (**ids)[37], size_t *n)
{
    int rc =
        ctx->sess->ops->key_revoke_account(ctx->sess, &ctx->arena, account_id, ctx->now_ms, ids, n);
    for (size_t i = 0; rc == ENT_OK && i < *n; i++) {
        struct ent_key after;
        rc = ctx->sess->ops->key_get(ctx->sess, &ctx->arena, (*ids)[i], &after);
        if (rc < 0)
            break;
        struct ent_key before = after;
        before.revoked_ms = ENT_TIME_NONE;
        rc = ent_events_record(ctx, "key.revoked", account_id, after.id, ENT_KIND_KEY, &before,
                               &after);
    }
    return rc;
}

/*
 * Deletes an account (see entitled.h), refused (ENT_ECONFLICT) while child accounts name it
 * as their parent or while it holds orders, entitlements or leases. The API keys bound to it are
 * revoked in the same transaction and dropped from the key cache once committed. Records
 * "account.deleted"; answers 204. Admin keys only. Errors: ENT_ENOTFOUND, ENT_ECONFLICT,
 * ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_accounts_delete(struct ent_ctx *ctx, const char *id_or_key, struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    rc = ent_writes_begin(ctx);
    struct ent_account a;
    if (rc == ENT_OK)
        rc = load_account(ctx, id_or_key, &a, err);
    int64_t children = 0;
    if (rc == ENT_OK)
        rc = ctx->sess->ops->account_child_count(ctx->sess, a.id, &children);
    if (rc == ENT_OK && children > 0)
        rc = ent_error_set(err, ENT_ECONFLICT,
                           "%lld account(s) have this account as their parent; move or delete "
                           "them first",
                           (long long)children);
    int64_t grants = 0;
    if (rc == ENT_OK)
        rc = ctx->sess->ops->account_grant_count(ctx->sess, a.id, &grants);
    if (rc == ENT_OK && grants > 0)
        rc = ent_error_set(err, ENT_ECONFLICT,
                           "the account holds orders, entitlements or leases; revoke them and "
                           "keep the account");
    char(*revoked)[37] = NULL;
    size_t n_revoked = 0;
    if (rc == ENT_OK)
        rc = revoke_keys(ctx, a.id, &revoked, &n_revoked);
    if (rc == ENT_OK)
        rc = ctx->sess->ops->account_delete(ctx->sess, a.id);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "account.deleted", a.id, a.id, ENT_KIND_ACCOUNT, &a, NULL);
    if (rc == ENT_OK)
        rc = ent_ctx_touch_account(ctx, a.id);
    for (size_t i = 0; rc == ENT_OK && i < n_revoked; i++)
        rc = ent_ctx_touch_key(ctx, revoked[i]);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 204, ENT_KIND_ACCOUNT, NULL);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    for (size_t i = 0; i < n_revoked; i++)
        ent_keys_cache_drop(ctx->app, revoked[i]);
    return ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Lists                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* Loads one account for the generic list. Errors: ENT_ENOTFOUND, ENT_ESTORE, ENT_ENOMEM. */
static int
load_listed(struct ent_ctx *ctx, struct ent_store_session *sess, const char *id, void *out)
{
    return sess->ops->account_get(sess, &ctx->arena, id, out);
}

/* True when value names an account type. */
static bool
check_type(const char *value)
{
    return ent_account_type_parse(value) != 0;
}

/* True when value names a partner tier. */
static bool
check_partner_tier(const char *value)
{
    return ent_partner_tier_parse(value) != 0;
}

static const struct ent_list_filter account_filters[] = {
    {.name = "type", .op = ENT_STORE_EQ, .check = check_type},
    {.name = "partner_tier", .op = ENT_STORE_EQ, .check = check_partner_tier},
    {.name = "parent", .op = ENT_STORE_EQ, .resolve = ent_lists_resolve_account},
    {.name = NULL},
};

static const struct ent_list_spec account_list = {
    .table = ENT_TABLE_ACCOUNTS,
    .item_size = sizeof(struct ent_account),
    .sorts = {"key", "name", "type", "created_at", "updated_at"},
    .filters = account_filters,
    .load = load_listed,
};

/*
 * Lists accounts (filters: type, partner_tier, parent; sorts: key, name, type, created_at,
 * updated_at). Admin and read keys see every account; a key bound to an account sees that account
 * alone, through a filter on its id that the request cannot lift. OUT list: items are struct
 * ent_account. Errors: ENT_EINVAL, ENT_EFORBIDDEN (no key), ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_accounts_list(struct ent_ctx *ctx, const struct ent_list_query *q, struct ent_list *list,
                  struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    return ent_lists_run_scoped(ctx, &account_list, q, "id", NULL, list, err);
}
