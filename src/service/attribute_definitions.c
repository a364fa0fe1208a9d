/* SPDX-License-Identifier: MIT */
/*
 * attribute_definitions.c: custom attribute definitions (seed 004): create, read, delete, list,
 * and the check every write of attributes goes through (attribute_definitions.h). A definition
 * names an attribute of one kind of object (account, order, line item, entitlement, license
 * model), its type and whether it is required; attributes no definition names stay free-form.
 * The reading of the attributes' text and the check of a value are core/attribute.c's. No SQL
 * and no JSON library here.
 *
 * Invariant: a write's attributes are checked inside its own write transaction, against the
 * definitions as they are then.
 */
#include "service/attribute_definitions.h"

#include <stdio.h>
#include <string.h>

#include "core/attribute.h"
#include "service/ctx.h"
#include "service/events.h"
#include "service/fields.h"
#include "service/lists.h"
#include "service/writes.h"

#define NAME_MAX_LEN 64
#define FIELD_PATH_MAX 96 /* as struct ent_field_error.field */

/* A value of the attributes' text to write instead of the one given (a normalised one). */
struct replacement {
    size_t at, len;                       /* the span of the given value in the text */
    char value[ENT_ATTRIBUTE_NORMAL_MAX]; /* what to write there */
};

static bool name_valid(const char *s);
static void check_member(const struct ent_attribute_definition *d,
                         const struct ent_attribute_member *m, const char *field,
                         struct replacement *rep, size_t *n_rep, struct ent_error *err);
static const char *rewrite(struct ent_ctx *ctx, const char *text, const struct replacement *rep,
                           size_t n_rep);
static int load_listed(struct ent_ctx *ctx, struct ent_store_session *sess, const char *id,
                       void *out);
static bool check_object(const char *value);
static bool check_type(const char *value);

/* ------------------------------------------------------------------------------------------ */
/* The check of written attributes                                                             */
/* ------------------------------------------------------------------------------------------ */

/*
 * Checks member m against definition d: null stands for absent (refused when required); any
 * other value must be of d's type. A value to normalise is appended to rep. Records a field
 * error "<field>.<name as given>" otherwise.
 */
static void
check_member(const struct ent_attribute_definition *d, const struct ent_attribute_member *m,
             const char *field, struct replacement *rep, size_t *n_rep, struct ent_error *err)
{
    char path[FIELD_PATH_MAX];
    snprintf(path, sizeof(path), "%s.%.*s", field, (int)m->name_len, m->name);
    if (m->kind == ENT_JSON_NULL) {
        if (d->required)
            ent_error_field(err, path, "is required (a %s)", ent_attribute_type_name(d->type));
        return;
    }
    struct replacement *r = &rep[*n_rep];
    const char *why = ent_attribute_check(d->type, m, r->value);
    if (why) {
        ent_error_field(err, path, "%s", why);
        return;
    }
    if (r->value[0])
        (*n_rep)++;
}

/* The text with each span of rep (in text order) replaced, in the arena; NULL: no memory. */
static const char *
rewrite(struct ent_ctx *ctx, const char *text, const struct replacement *rep, size_t n_rep)
{
    size_t len = strlen(text), cap = len + 1;
    for (size_t i = 0; i < n_rep; i++)
        cap += strlen(rep[i].value);
    char *out = ent_arena_alloc(&ctx->arena, cap);
    if (!out)
        return NULL;
    size_t from = 0, at = 0;
    for (size_t i = 0; i < n_rep; i++) {
        memcpy(out + at, text + from, rep[i].at - from);
        at += rep[i].at - from;
        size_t n = strlen(rep[i].value);
        memcpy(out + at, rep[i].value, n);
        at += n;
        from = rep[i].at + rep[i].len;
    }
    memcpy(out + at, text + from, len - from + 1);
    return out;
}

/* Checks and normalises written attributes (see attribute_definitions.h). */
int
ent_attribute_definitions_apply(struct ent_ctx *ctx, enum ent_attribute_object object,
                                const char *field, const char **attributes, struct ent_error *err)
{
    struct ent_attribute_definition *defs = NULL;
    size_t n = 0;
    int rc = ctx->sess->ops->attribute_definitions_of(ctx->sess, &ctx->arena, object, &defs, &n);
    if (rc < 0 || n == 0)
        return rc;
    const char *text = *attributes ? *attributes : "{}";
    bool *seen = ent_arena_calloc(&ctx->arena, n, sizeof(*seen));
    struct replacement *rep = ent_arena_calloc(&ctx->arena, n, sizeof(*rep));
    if (!seen || !rep)
        return ENT_ENOMEM;
    size_t pos = 0, n_rep = 0;
    struct ent_attribute_member m;
    int more;
    while ((more = ent_attribute_next(text, &pos, &m)) == 1) {
        for (size_t i = 0; i < n; i++) {
            if (seen[i] || !ent_attribute_named(&m, defs[i].name))
                continue;
            seen[i] = true;
            rep[n_rep].at = (size_t)(m.value - text);
            rep[n_rep].len = m.value_len;
            check_member(&defs[i], &m, field, rep, &n_rep, err);
        }
    }
    if (more < 0) {
        ent_error_field(err, field, "is not a JSON object");
        return ENT_OK;
    }
    for (size_t i = 0; i < n; i++) {
        char path[FIELD_PATH_MAX];
        snprintf(path, sizeof(path), "%s.%s", field, defs[i].name);
        if (defs[i].required && !seen[i])
            ent_error_field(err, path, "is required (a %s)", ent_attribute_type_name(defs[i].type));
    }
    if (n_rep == 0 || ent_fields_failed(err))
        return ENT_OK;
    *attributes = rewrite(ctx, text, rep, n_rep);
    return *attributes ? ENT_OK : ENT_ENOMEM;
}

/* ------------------------------------------------------------------------------------------ */
/* Create, read, delete                                                                        */
/* ------------------------------------------------------------------------------------------ */

/* True when s is an attribute name: 1 to 64 of [A-Za-z0-9_.-], starting with a letter or digit. */
static bool
name_valid(const char *s)
{
    size_t n = 0;
    for (; s && s[n]; n++) {
        char c = s[n];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (n == NAME_MAX_LEN || !(alnum || (n > 0 && (c == '_' || c == '.' || c == '-'))))
            return false;
    }
    return n > 0;
}

/*
 * Defines a custom attribute (see entitled.h). Answers 201. Admin keys only.
 * Errors: ENT_EINVAL, ENT_ECONFLICT, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_attribute_definitions_create(struct ent_ctx *ctx, const struct ent_attribute_definition *in,
                                 struct ent_attribute_definition *out, struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    struct ent_attribute_definition d = *in;
    if (!d.object)
        ent_error_field(err, "object", "is required");
    else if (d.object < ENT_ATTRIBUTE_OBJECT_ACCOUNT ||
             d.object > ENT_ATTRIBUTE_OBJECT_LICENSE_MODEL)
        ent_error_field(err, "object",
                        "must be account, order, line_item, entitlement or license_model");
    if (!d.name || !d.name[0])
        ent_error_field(err, "name", "is required");
    else if (!name_valid(d.name))
        ent_error_field(err, "name", "must be 1 to %d of A-Z, a-z, 0-9, '_', '.', '-'",
                        NAME_MAX_LEN);
    if (!d.type)
        d.type = ENT_ATTRIBUTE_STRING;
    if (d.type < ENT_ATTRIBUTE_STRING || d.type > ENT_ATTRIBUTE_DATE)
        ent_error_field(err, "type", "must be string, number, boolean or date");
    ent_fields_text(err, "description", d.description, ENT_TEXT_MAX);
    if (ent_fields_failed(err))
        return ENT_EINVAL;
    ent_ctx_new_id(ctx, d.id);
    d.created_ms = d.updated_ms = ctx->now_ms;
    rc = ent_writes_begin(ctx);
    if (rc == ENT_OK)
        rc = ctx->sess->ops->attribute_definition_insert(ctx->sess, &d);
    if (rc == ENT_ECONFLICT)
        rc = ent_error_set(err, ENT_ECONFLICT, "name: the %s attribute '%s' is defined already",
                           ent_attribute_object_name(d.object), d.name);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "attribute_definition.created", NULL, d.id,
                               ENT_KIND_ATTRIBUTE_DEFINITION, NULL, &d);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 201, ENT_KIND_ATTRIBUTE_DEFINITION, &d);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    *out = d;
    return ENT_OK;
}

/* Reads a definition (see entitled.h). Errors: ENT_ENOTFOUND, ENT_EFORBIDDEN, ENT_ESTORE. */
int
ent_attribute_definitions_get(struct ent_ctx *ctx, const char *id,
                              struct ent_attribute_definition *out, struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_reader(ctx, err);
    struct ent_store_session *sess = NULL;
    if (rc == ENT_OK)
        rc = ent_ctx_session(ctx, &sess);
    if (rc == ENT_OK)
        rc = sess->ops->attribute_definition_get(sess, &ctx->arena, id ? id : "", out);
    rc = ent_ctx_found(ctx, rc, NULL, "attribute definition", id, err);
    if (rc < 0 && err->code != rc)
        return ent_ctx_store_error(rc, err);
    return rc;
}

/*
 * Deletes a definition (see entitled.h); answers 204. Admin keys only.
 * Errors: ENT_ENOTFOUND, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_attribute_definitions_delete(struct ent_ctx *ctx, const char *id, struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_admin(ctx, err);
    if (rc < 0)
        return rc;
    struct ent_attribute_definition d;
    rc = ent_writes_begin(ctx);
    if (rc == ENT_OK)
        rc = ctx->sess->ops->attribute_definition_get(ctx->sess, &ctx->arena, id ? id : "", &d);
    rc = ent_ctx_found(ctx, rc, NULL, "attribute definition", id, err);
    if (rc == ENT_OK)
        rc = ctx->sess->ops->attribute_definition_delete(ctx->sess, d.id);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "attribute_definition.deleted", NULL, d.id,
                               ENT_KIND_ATTRIBUTE_DEFINITION, &d, NULL);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 204, ENT_KIND_ATTRIBUTE_DEFINITION, NULL);
    return rc < 0 ? ent_writes_fail(ctx, rc, err) : ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Lists                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* Loads one definition for the generic list. Errors: ENT_ENOTFOUND, ENT_ESTORE, ENT_ENOMEM. */
static int
load_listed(struct ent_ctx *ctx, struct ent_store_session *sess, const char *id, void *out)
{
    return sess->ops->attribute_definition_get(sess, &ctx->arena, id, out);
}

/* True when value names an object of attribute definitions. */
static bool
check_object(const char *value)
{
    return ent_attribute_object_parse(value) != 0;
}

/* True when value names an attribute type. */
static bool
check_type(const char *value)
{
    return ent_attribute_type_parse(value) != 0;
}

static const struct ent_list_filter definition_filters[] = {
    {.name = "object", .op = ENT_STORE_EQ, .check = check_object},
    {.name = "type", .op = ENT_STORE_EQ, .check = check_type},
    {.name = NULL},
};

static const struct ent_list_spec definition_list = {
    .table = ENT_TABLE_ATTRIBUTE_DEFINITIONS,
    .item_size = sizeof(struct ent_attribute_definition),
    .sorts = {"name", "object", "created_at"},
    .filters = definition_filters,
    .load = load_listed,
};

/*
 * Lists definitions (filters: object, type; sorts: name, object, created_at). Admin and read
 * keys. OUT list: items are struct ent_attribute_definition.
 * Errors: ENT_EINVAL, ENT_EFORBIDDEN, ENT_ESTORE, ENT_ENOMEM.
 */
int
ent_attribute_definitions_list(struct ent_ctx *ctx, const struct ent_list_query *q,
                               struct ent_list *list, struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_reader(ctx, err);
    if (rc < 0)
        return rc;
    return ent_lists_run(ctx, &definition_list, q, NULL, list, err);
}
