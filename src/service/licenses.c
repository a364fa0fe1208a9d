/* SPDX-License-Identifier: MIT */
/*
 * licenses.c: signed licenses (issue 13): issue, read, list, revoke, renew, validate. A license
 * carries what evaluation answers for its account when it is issued (evaluation.c, from the
 * in-memory snapshot), the products and activation ids in force, its license model, and the
 * fingerprint it is bound to; the token is signed once by the current signing key
 * (signing_keys.c), stored, and never re-signed on read. This file owns those rules; the
 * claims' JSON and the JWS are license_format.c's, the SQL the store's.
 *
 * Invariants:
 *  - A node-locked license holds a seat: its fingerprint's activation is found or taken exactly
 *    as POST /v1/activations does (its own write, before the license's), and the license is
 *    revoked with the activation (ent_licenses_revoke_bound, in the deactivation's write).
 *  - exp never passes the configured maximum, nor the end of the last grant in force when
 *    every grant in force has an end.
 *  - Every failure after ent_writes_begin() leaves through ent_writes_fail().
 */
#include "service/licenses.h"

#include <entitled_license.h>
#include <stdio.h>
#include <string.h>

#include "core/window.h"
#include "service/cache.h"
#include "service/ctx.h"
#include "service/events.h"
#include "service/fields.h"
#include "service/grants.h"
#include "service/license_format.h"
#include "service/lists.h"
#include "service/signing_keys.h"
#include "service/writes.h"

#define FINGERPRINT_MAX 256
#define SERIAL_DRAWS 4
#define SERIAL_PREFIX_DEFAULT "LIC"

/* What a license is built from, gathered before its write. */
struct license_basis {
    struct ent_account account;
    struct ent_eval_answer answer;
    struct ent_license_allowance *allowances;
    struct ent_license_product *products;
    size_t n_products;
    const char **activation_ids;
    size_t n_activation_ids;
    const struct ent_license_model *model; /* NULL: none */
    bool self_service;
    int64_t grants_end_ms; /* the last end of the grants in force; ENT_TIME_NONE: one has none */
};

/* ------------------------------------------------------------------------------------------ */
/* Shared helpers                                                                              */
/* ------------------------------------------------------------------------------------------ */

/* Sets a license's status at at_ms: revoked, expired at or after its exp, else active. */
static void
derive(struct ent_license *l, int64_t at_ms)
{
    if (l->revoked_ms != ENT_TIME_NONE)
        l->status = ENT_LICENSE_REVOKED;
    else if (at_ms >= l->expires_ms)
        l->status = ENT_LICENSE_EXPIRED;
    else
        l->status = ENT_LICENSE_ACTIVE;
}

/* True when s is 1 to FINGERPRINT_MAX characters (UTF-8), none a control character. */
static bool
fingerprint_valid(const char *s)
{
    if (!s || !s[0])
        return false;
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return false;
        if ((*p & 0xc0) != 0x80)
            chars++;
    }
    return chars <= FINGERPRINT_MAX;
}

/* True when prefix is 1 to 16 of A-Z, 0-9 (the serial number prefix of a license model). */
static bool
prefix_valid(const char *prefix)
{
    size_t n = strlen(prefix);
    if (n < 1 || n > 16)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!((prefix[i] >= 'A' && prefix[i] <= 'Z') || (prefix[i] >= '0' && prefix[i] <= '9')))
            return false;
    }
    return true;
}

/*
 * Draws a serial number "<prefix>-XXXX-XXXX-XXXX" (Crockford base32: 60 random bits) into out
 * (48 bytes).
 */
static void
draw_serial(const char *prefix, char *out)
{
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    unsigned char r[12];
    randombytes_buf(r, sizeof(r));
    char body[15];
    size_t j = 0;
    for (size_t i = 0; i < 12; i++) {
        if (i > 0 && i % 4 == 0)
            body[j++] = '-';
        body[j++] = alphabet[r[i] & 31];
    }
    body[j] = '\0';
    snprintf(out, 48, "%s-%s", prefix, body);
}

/* ------------------------------------------------------------------------------------------ */
/* Issue                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* Checks what needs no store; records field errors in err. */
static void
check_input(struct ent_ctx *ctx, const struct ent_license_input *in, bool account_key,
            struct ent_error *err)
{
    if (!account_key && (!in->account || !in->account[0]))
        ent_error_field(err, "account", "is required");
    if (in->features && (in->n_features < 1 || in->n_features > ENT_EVALUATE_MAX_FEATURES))
        ent_error_field(err, "features", "must list 1 to %d features", ENT_EVALUATE_MAX_FEATURES);
    for (size_t i = 0; in->features && i < in->n_features; i++) {
        const char *f = in->features[i];
        if (!f || !f[0] || strlen(f) > 200 || strchr(f, ',')) {
            char field[32];
            snprintf(field, sizeof(field), "features[%zu]", i);
            ent_error_field(err, field, "must be a feature key");
        }
    }
    if (in->activation) {
        if (in->fingerprint || in->feature || in->activation_id)
            ent_error_field(err, "activation",
                            "binds the license alone: leave out fingerprint, feature and "
                            "activation_id");
    } else if (in->fingerprint) {
        if (!fingerprint_valid(in->fingerprint))
            ent_error_field(err, "fingerprint", "must be 1 to %d characters, no control characters",
                            FINGERPRINT_MAX);
        if (!in->feature == !in->activation_id)
            ent_error_field(err, "fingerprint",
                            "needs the seat it holds: feature or activation_id (one of them)");
    } else if (in->feature || in->activation_id) {
        ent_error_field(err, in->feature ? "feature" : "activation_id", "needs a fingerprint");
    }
    if (in->ttl_s != 0 && in->expires_ms != ENT_TIME_NONE)
        ent_error_field(err, "ttl", "give ttl or expires_at, not both");
    if (in->serial_number && account_key) /* seed 004: a serial given at entitlement time */
        ent_error_field(err, "serial_number", "may be given by an admin key only");
    else if (in->serial_number && !ent_grants_activation_id_valid(in->serial_number))
        ent_error_field(err, "serial_number",
                        "must be 1 to 64 of A-Z, a-z, 0-9, '_', '.', ':', '-'");
    int64_t max_s = ctx->app->license_ttl_max_s;
    if (in->ttl_s != 0 && (in->ttl_s < ENT_LICENSE_TTL_MIN_S || in->ttl_s > max_s))
        ent_error_field(err, "ttl", "must be %d to %lld seconds", ENT_LICENSE_TTL_MIN_S,
                        (long long)max_s);
    if (in->expires_ms != ENT_TIME_NONE &&
        (in->expires_ms - ctx->now_ms < ENT_LICENSE_TTL_MIN_S * 1000LL ||
         in->expires_ms - ctx->now_ms > max_s * 1000))
        ent_error_field(err, "expires_at", "must be 1 hour to %lld seconds from now",
                        (long long)max_s);
}

/*
 * Resolves the license's account: an admin key names it; a key bound to an account means its
 * own (another: ENT_ENOTFOUND). OUT b->account. Errors: ENT_ENOTFOUND, ENT_ESTORE, ENT_ENOMEM
 * (a missing account for an admin key is a field error, ENT_OK).
 */
static int
resolve_account(struct ent_ctx *ctx, const char *ref, struct license_basis *b,
                struct ent_error *err)
{
    struct ent_store_session *sess;
    int rc = ent_ctx_session(ctx, &sess);
    if (rc < 0)
        return rc;
    if (ctx->principal.scope == ENT_SCOPE_ACCOUNT) {
        rc = ent_ctx_own_account(ctx, ref, &b->account);
        return ent_ctx_found(ctx, rc, NULL, "account", ref ? ref : ctx->principal.account_id, err);
    }
    char id[37] = "";
    rc = ent_grants_resolve_account(ctx, ref, "account", id, err);
    if (rc < 0 || !id[0])
        return rc;
    return sess->ops->account_get(sess, &ctx->arena, id, &b->account);
}

/* Adds product (key, name) to b once. */
static void
add_product(struct license_basis *b, const struct ent_entitlement *e)
{
    for (size_t i = 0; i < b->n_products; i++) {
        if (strcmp(b->products[i].key, e->product) == 0)
            return;
    }
    b->products[b->n_products].key = e->product;
    b->products[b->n_products].name = e->name;
    b->n_products++;
}

/*
 * Gathers the products and activation ids of the account's grants in force now, the end of the
 * last of them, and the first license model among those products (with whether any allows
 * self-service). Errors: ENT_ESTORE, ENT_ENOMEM.
 */
static int
gather_grants(struct ent_ctx *ctx, struct license_basis *b)
{
    struct ent_entitlement *ents = NULL;
    size_t n = 0;
    int rc =
        ctx->sess->ops->entitlements_of_account(ctx->sess, &ctx->arena, b->account.id, &ents, &n);
    if (rc < 0)
        return rc;
    b->products = ent_ctx_alloc(ctx, (n ? n : 1) * sizeof(*b->products));
    b->activation_ids = ent_ctx_alloc(ctx, (n ? n : 1) * sizeof(*b->activation_ids));
    if (!b->products || !b->activation_ids)
        return ENT_ENOMEM;
    bool any = false, open_ended = false;
    for (size_t i = 0; i < n; i++) {
        const struct ent_entitlement *e = &ents[i];
        if (ent_grants_status_at(e, ctx->now_ms) != ENT_ENTITLEMENT_ACTIVE)
            continue;
        any = true;
        if (e->end_ms == ENT_TIME_NONE)
            open_ended = true;
        else if (b->grants_end_ms == ENT_TIME_NONE || e->end_ms > b->grants_end_ms)
            b->grants_end_ms = e->end_ms;
        if (e->activation_id)
            b->activation_ids[b->n_activation_ids++] = e->activation_id;
        if (!e->product)
            continue;
        add_product(b, e);
        struct ent_product p;
        if (b->model && b->self_service)
            continue;
        rc = ctx->sess->ops->product_get(ctx->sess, &ctx->arena, e->product_id, &p);
        if (rc == ENT_ENOTFOUND)
            continue;
        if (rc < 0)
            return rc;
        if (!p.license_model.present)
            continue;
        if (!b->model) {
            struct ent_license_model *m = ent_ctx_alloc(ctx, sizeof(*m));
            if (!m)
                return ENT_ENOMEM;
            *m = p.license_model;
            b->model = m;
        }
        b->self_service = b->self_service || p.license_model.self_service;
    }
    if (!any || open_ended)
        b->grants_end_ms = ENT_TIME_NONE;
    return ENT_OK;
}

/*
 * Evaluates the license's features (NULL: every feature granted now) and the allowance window
 * of each metered one. Errors: ENT_EINVAL (an unknown feature, a field error), ENT_ESTORE,
 * ENT_ENOMEM.
 */
static int
gather_entitlements(struct ent_ctx *ctx, const char *const *features, size_t n_features,
                    struct license_basis *b, struct ent_error *err)
{
    int rc = features ? ent_evaluation_run(ctx, b->account.id, features, n_features, ENT_TIME_NONE,
                                           false, &b->answer, err)
                      : ent_evaluation_account(ctx, b->account.id, &b->answer, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < b->answer.n_features; i++) {
        if (!b->answer.features[i].known) {
            char field[32];
            snprintf(field, sizeof(field), "features[%zu]", i);
            ent_error_field(err, field, "no such feature");
        }
    }
    if (ent_fields_failed(err))
        return ENT_EINVAL;
    size_t n = b->answer.n_features;
    b->allowances = ent_ctx_alloc(ctx, (n ? n : 1) * sizeof(*b->allowances));
    if (!b->allowances)
        return ENT_ENOMEM;
    memset(b->allowances, 0, (n ? n : 1) * sizeof(*b->allowances));
    struct ent_catalog *cat = NULL;
    rc = ent_cache_catalog(ctx, &cat);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        const struct ent_feature_answer *f = &b->answer.features[i];
        long fi = f->type == ENT_FEATURE_METERED ? ent_cache_feature_index(cat, f->feature) : -1;
        if (fi < 0)
            continue;
        struct ent_license_allowance *al = &b->allowances[i];
        al->metered = true;
        al->reset_period = cat->features[fi].feature.reset_period;
        int64_t start = INT64_MIN, end = INT64_MAX;
        ent_window_bounds(al->reset_period, ctx->now_ms, &start, &end);
        al->window_start_ms = start == INT64_MIN ? ENT_TIME_NONE : start;
        al->window_end_ms = end == INT64_MAX ? ENT_TIME_NONE : end;
    }
    ent_cache_catalog_release(ctx->app, cat);
    return ENT_OK;
}

/* Everything a license is built from (see struct license_basis). Errors: see the callees. */
static int
gather(struct ent_ctx *ctx, const char *const *features, size_t n_features, struct license_basis *b,
       struct ent_error *err)
{
    int rc = gather_grants(ctx, b);
    if (rc == ENT_OK)
        rc = gather_entitlements(ctx, features, n_features, b, err);
    return rc;
}

/*
 * Binds a license to a seat (ent_license_input): an existing activation of the account, active
 * (else a field error on "activation"), or the fingerprint's seat, found or taken as
 * ent_activations_activate() does, in its own write and answering under no Idempotency-Key (the
 * license's answer is the request's). OUT act (zeroed when not node-locked).
 * Errors: ENT_EINVAL, ENT_ENOTFOUND, ENT_ESEATS, ENT_ESTORE, ENT_ENOMEM.
 */
static int
bind_seat(struct ent_ctx *ctx, const struct ent_license_input *in, const char *account_id,
          struct ent_activation *act, bool *created, struct ent_error *err)
{
    memset(act, 0, sizeof(*act));
    *created = false;
    if (in->activation) {
        int rc = ent_activations_get(ctx, in->activation, act, err);
        if (rc == ENT_ENOTFOUND || (rc == ENT_OK && strcmp(act->account_id, account_id) != 0)) {
            ent_error_clear(err);
            return ent_error_field(err, "activation", "no activation '%s' of the account",
                                   in->activation);
        }
        if (rc == ENT_OK && act->status != ENT_ACTIVATION_ACTIVE)
            return ent_error_field(err, "activation", "is %s",
                                   ent_activation_status_name(act->status));
        return rc;
    }
    if (!in->fingerprint)
        return ENT_OK;
    if (in->activation_id) { /* the entitlement must be the account's before a seat is taken */
        struct ent_entitlement e;
        int rc = ent_entitlements_get(ctx, in->activation_id, &e, err);
        if (rc == ENT_ENOTFOUND || (rc == ENT_OK && strcmp(e.account_id, account_id) != 0)) {
            ent_error_clear(err);
            return ent_error_field(err, "activation_id", "is not an entitlement of the account");
        }
        if (rc < 0)
            return rc;
    }
    struct ent_activation_input ai = {.account = in->feature ? account_id : NULL,
                                      .feature = in->feature,
                                      .activation_id = in->activation_id,
                                      .fingerprint = in->fingerprint};
    bool bound = ctx->idem_bound;
    ctx->idem_bound = false;
    int rc = ent_activations_activate(ctx, &ai, act, created, err);
    ctx->idem_bound = bound;
    if (rc == ENT_OK && strcmp(act->account_id, account_id) != 0)
        return ent_error_field(err, "activation_id", "is not an entitlement of the account");
    return rc;
}

/*
 * A seat this issue took for a license that then failed goes back, so that a refused issue
 * leaves no seat taken (a seat the fingerprint held before is kept). Best effort: the failure
 * being answered is the issue's, and a seat left taken by a crash in between is the
 * fingerprint's own, found again by the next issue or activation.
 */
static void
give_back_seat(struct ent_ctx *ctx, bool taken, const struct ent_activation *act)
{
    if (!taken || !act->id[0])
        return;
    struct ent_activation released;
    struct ent_error ignored;
    ent_error_clear(&ignored);
    (void)ent_activations_deactivate(ctx, act->id, &released, &ignored);
}

/* When the license ends: asked for (or the default), capped by its grants' end. */
static int64_t
expiry(struct ent_ctx *ctx, int64_t ttl_s, int64_t expires_ms, const struct license_basis *b)
{
    int64_t exp = expires_ms != ENT_TIME_NONE ? expires_ms : ctx->now_ms + ttl_s * 1000;
    if (b->grants_end_ms != ENT_TIME_NONE && b->grants_end_ms < exp)
        exp = b->grants_end_ms;
    return exp;
}

/*
 * Signs l's token (l's id, serial, binding and times set) with the current key, from b, inside
 * the open write. OUT l->kid, l->token. Errors: ENT_EINTERNAL (the key does not unseal),
 * ENT_ENOTFOUND, ENT_ESTORE, ENT_ENOMEM.
 */
static int
sign(struct ent_ctx *ctx, const struct license_basis *b, struct ent_license *l)
{
    char kid[64];
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    int rc = ent_signing_keys_current(ctx, kid, sk);
    if (rc < 0)
        return rc;
    const char *iss = b->model && b->model->issuer ? b->model->issuer : ctx->app->license_issuer;
    struct ent_license_claims c = {.iss = iss,
                                   .jti = l->serial,
                                   .license_id = l->id,
                                   .iat_ms = l->issued_ms,
                                   .exp_ms = l->expires_ms,
                                   .account = &b->account,
                                   .model = b->model,
                                   .products = b->products,
                                   .n_products = b->n_products,
                                   .activation_ids = b->activation_ids,
                                   .n_activation_ids = b->n_activation_ids,
                                   .fingerprint = l->fingerprint,
                                   .activation = l->activation_id[0] ? l->activation_id : NULL,
                                   .features = b->answer.features,
                                   .allowances = b->allowances,
                                   .n_features = b->answer.n_features};
    rc = ent_license_format_sign(ctx, &c, kid, sk, &l->token);
    sodium_memzero(sk, sizeof(sk));
    l->kid = ent_ctx_strndup(ctx, kid, strlen(kid));
    return rc == ENT_OK && !l->kid ? ENT_ENOMEM : rc;
}

/* The features of in as stored (comma separated), or NULL for every granted. */
static const char *
features_text(struct ent_ctx *ctx, const struct ent_license_input *in)
{
    if (!in->features)
        return NULL;
    size_t cap = 1;
    for (size_t i = 0; i < in->n_features; i++)
        cap += strlen(in->features[i]) + 1;
    char *buf = ent_ctx_alloc(ctx, cap);
    if (!buf)
        return NULL;
    size_t pos = 0;
    for (size_t i = 0; i < in->n_features; i++) {
        size_t n = strlen(in->features[i]);
        if (i > 0)
            buf[pos++] = ',';
        memcpy(buf + pos, in->features[i], n);
        pos += n;
    }
    buf[pos] = '\0';
    return buf;
}

/*
 * Inside the open write: takes the serial given (seed 004: a license model's serial number, set
 * at entitlement time; one a license has, as its serial or id, is ENT_ECONFLICT recorded in err)
 * or draws one that no license has, signs and inserts l, and records "license.issued".
 * Errors: ENT_ECONFLICT (the serial given is taken, or no free serial), those of sign(),
 * ENT_ESTORE.
 */
static int
insert_license(struct ent_ctx *ctx, const struct license_basis *b, const char *given,
               struct ent_license *l, struct ent_error *err)
{
    const char *prefix =
        b->model && b->model->serial_prefix ? b->model->serial_prefix : SERIAL_PREFIX_DEFAULT;
    char serial[72];
    int rc = ENT_ECONFLICT;
    for (int draw = 0; draw < SERIAL_DRAWS && rc == ENT_ECONFLICT; draw++) {
        if (given)
            snprintf(serial, sizeof(serial), "%s", given);
        else
            draw_serial(prefix, serial);
        struct ent_license taken;
        rc = ctx->sess->ops->license_get(ctx->sess, &ctx->arena, serial, &taken);
        rc = rc == ENT_OK ? ENT_ECONFLICT : rc == ENT_ENOTFOUND ? ENT_OK : rc;
        if (given && rc == ENT_ECONFLICT)
            return ent_error_set(err, ENT_ECONFLICT,
                                 "serial_number: a license with the serial '%s' exists", given);
    }
    if (rc < 0)
        return rc;
    l->serial = ent_ctx_strndup(ctx, serial, strlen(serial));
    if (!l->serial)
        return ENT_ENOMEM;
    rc = sign(ctx, b, l);
    if (rc == ENT_OK)
        rc = ctx->sess->ops->license_insert(ctx->sess, l);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "license.issued", l->account_id, l->id, ENT_KIND_LICENSE, NULL,
                               l);
    return rc;
}

int
ent_licenses_issue(struct ent_ctx *ctx, const struct ent_license_input *in, struct ent_license *out,
                   struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    bool account_key = ctx->principal.scope == ENT_SCOPE_ACCOUNT;
    if (ctx->principal.scope != ENT_SCOPE_ADMIN && !account_key)
        return ent_error_set(err, ENT_EFORBIDDEN, "this key may not issue licenses");
    check_input(ctx, in, account_key, err);
    if (ent_fields_failed(err))
        return ENT_EINVAL;
    struct license_basis b = {.grants_end_ms = ENT_TIME_NONE};
    int rc = resolve_account(ctx, in->account, &b, err);
    if (rc == ENT_OK && !ent_fields_failed(err))
        rc = gather_grants(ctx, &b);
    if (rc == ENT_OK && ent_fields_failed(err))
        rc = ENT_EINVAL;
    if (rc == ENT_OK && account_key && !b.self_service)
        rc = ent_error_set(err, ENT_EFORBIDDEN,
                           "no product of the account allows self-service licenses");
    if (rc == ENT_OK && b.model && b.model->serial_prefix && !prefix_valid(b.model->serial_prefix))
        rc = ENT_EINTERNAL;
    struct ent_activation act;
    bool seat_taken = false;
    if (rc == ENT_OK)
        rc = bind_seat(ctx, in, b.account.id, &act, &seat_taken, err);
    if (rc == ENT_OK)
        rc = gather_entitlements(ctx, in->features, in->n_features, &b, err);
    if (rc < 0) {
        give_back_seat(ctx, seat_taken, &act);
        return err->code == rc ? rc : ent_ctx_store_error(rc, err);
    }

    struct ent_license l = {.revoked_ms = ENT_TIME_NONE};
    ent_ctx_new_id(ctx, l.id);
    memcpy(l.account_id, b.account.id, sizeof(l.account_id));
    memcpy(l.activation_id, act.id, sizeof(l.activation_id));
    l.fingerprint = act.id[0] ? act.fingerprint : NULL;
    l.features = features_text(ctx, in);
    l.ttl_s = in->ttl_s ? in->ttl_s : ctx->app->license_ttl_default_s;
    if (in->expires_ms != ENT_TIME_NONE)
        l.ttl_s = (in->expires_ms - ctx->now_ms) / 1000;
    l.issued_ms = ctx->now_ms;
    l.expires_ms = expiry(ctx, l.ttl_s, in->expires_ms, &b);
    l.created_ms = ctx->now_ms;
    l.updated_ms = ctx->now_ms;
    if (in->features && !l.features) {
        give_back_seat(ctx, seat_taken, &act);
        return ent_ctx_store_error(ENT_ENOMEM, err);
    }
    rc = ent_writes_begin(ctx);
    if (rc == ENT_OK)
        rc = insert_license(ctx, &b, in->serial_number, &l, err);
    derive(&l, ctx->now_ms);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 201, ENT_KIND_LICENSE, &l);
    if (rc < 0) {
        rc = ent_writes_fail(ctx, rc, err);
        give_back_seat(ctx, seat_taken, &act);
        return rc;
    }
    *out = l;
    return ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Read, revoke, renew                                                                         */
/* ------------------------------------------------------------------------------------------ */

/*
 * Reads a license by id or serial, its status derived at the context's time; a key bound to an
 * account reads its own account's alone (others: ENT_ENOTFOUND, as missing ones).
 */
static int
load_license(struct ent_ctx *ctx, const char *id, struct ent_license *out, struct ent_error *err)
{
    struct ent_store_session *sess;
    int rc = ent_ctx_session(ctx, &sess);
    if (rc < 0)
        return rc;
    rc = ENT_ENOTFOUND;
    if (id && id[0])
        rc = sess->ops->license_get(sess, &ctx->arena, id, out);
    rc = ent_ctx_found(ctx, rc, out->account_id, "license", id, err);
    if (rc == ENT_OK)
        derive(out, ctx->now_ms);
    return rc;
}

int
ent_licenses_get(struct ent_ctx *ctx, const char *id, struct ent_license *out,
                 struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    int rc = ent_ctx_require_owner_or_reader(ctx, err);
    struct ent_license l;
    if (rc == ENT_OK)
        rc = load_license(ctx, id, &l, err);
    if (rc < 0)
        return err->code == rc ? rc : ent_ctx_store_error(rc, err);
    *out = l;
    return ENT_OK;
}

/* Inside the open write: revokes l at now ("license.revoked"). Errors: ENT_ESTORE, ENT_ENOMEM. */
static int
revoke_one(struct ent_ctx *ctx, struct ent_license *l)
{
    struct ent_license before = *l;
    l->revoked_ms = ctx->now_ms;
    l->updated_ms = ctx->now_ms;
    derive(l, ctx->now_ms);
    int rc = ctx->sess->ops->license_update(ctx->sess, l);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "license.revoked", l->account_id, l->id, ENT_KIND_LICENSE,
                               &before, l);
    return rc;
}

int
ent_licenses_revoke(struct ent_ctx *ctx, const char *id, struct ent_license *out,
                    struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    if (ctx->principal.scope != ENT_SCOPE_ADMIN && ctx->principal.scope != ENT_SCOPE_ACCOUNT)
        return ent_error_set(err, ENT_EFORBIDDEN, "this key may not revoke licenses");
    int rc = ent_writes_begin(ctx);
    struct ent_license l;
    if (rc == ENT_OK)
        rc = load_license(ctx, id, &l, err);
    if (rc == ENT_OK && l.status == ENT_LICENSE_REVOKED) {
        ent_writes_abort(ctx);
        *out = l;
        return ENT_OK;
    }
    if (rc == ENT_OK)
        rc = revoke_one(ctx, &l);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 200, ENT_KIND_LICENSE, &l);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    *out = l;
    return ENT_OK;
}

int
ent_licenses_revoke_bound(struct ent_ctx *ctx, const char *activation_id)
{
    struct ent_license *bound = NULL;
    size_t n = 0;
    int rc =
        ctx->sess->ops->licenses_of_activation(ctx->sess, &ctx->arena, activation_id, &bound, &n);
    for (size_t i = 0; rc == ENT_OK && i < n; i++)
        rc = revoke_one(ctx, &bound[i]);
    return rc;
}

/* Splits a stored features list ("a,b") into an array in the arena. */
static int
split_features(struct ent_ctx *ctx, const char *text, const char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!text)
        return ENT_OK;
    size_t count = 1;
    for (const char *p = text; *p; p++)
        count += *p == ',';
    const char **arr = ent_ctx_alloc(ctx, count * sizeof(*arr));
    if (!arr)
        return ENT_ENOMEM;
    const char *start = text;
    for (size_t i = 0; i < count; i++) {
        const char *comma = strchr(start, ',');
        size_t len = comma ? (size_t)(comma - start) : strlen(start);
        arr[i] = ent_ctx_strndup(ctx, start, len);
        if (!arr[i])
            return ENT_ENOMEM;
        start = comma ? comma + 1 : start + len;
    }
    *out = arr;
    *n = count;
    return ENT_OK;
}

/*
 * Checks that a license may be renewed: not revoked, and its activation (if any) still active.
 * Errors: ENT_ECONFLICT (recorded in err), those of ent_activations_get.
 */
static int
check_renewable(struct ent_ctx *ctx, const struct ent_license *l, struct ent_error *err)
{
    if (l->status == ENT_LICENSE_REVOKED)
        return ent_error_set(err, ENT_ECONFLICT, "the license is revoked; issue a new one");
    if (!l->activation_id[0])
        return ENT_OK;
    struct ent_activation act;
    int rc = ent_activations_get(ctx, l->activation_id, &act, err);
    if (rc == ENT_OK && act.status != ENT_ACTIVATION_ACTIVE)
        return ent_error_set(err, ENT_ECONFLICT, "the license's activation is %s",
                             ent_activation_status_name(act.status));
    return rc;
}

int
ent_licenses_renew(struct ent_ctx *ctx, const char *id, struct ent_license *out,
                   struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    if (ctx->principal.scope != ENT_SCOPE_ADMIN && ctx->principal.scope != ENT_SCOPE_ACCOUNT)
        return ent_error_set(err, ENT_EFORBIDDEN, "this key may not renew licenses");
    struct ent_license l;
    int rc = load_license(ctx, id, &l, err);
    if (rc == ENT_OK)
        rc = check_renewable(ctx, &l, err);
    const char **features = NULL;
    size_t n_features = 0;
    if (rc == ENT_OK)
        rc = split_features(ctx, l.features, &features, &n_features);
    struct license_basis b = {.grants_end_ms = ENT_TIME_NONE};
    if (rc == ENT_OK)
        rc = ctx->sess->ops->account_get(ctx->sess, &ctx->arena, l.account_id, &b.account);
    if (rc == ENT_OK)
        rc = gather(ctx, features, n_features, &b, err);
    if (rc < 0)
        return err->code == rc ? rc : ent_ctx_store_error(rc, err);

    rc = ent_writes_begin(ctx);
    struct ent_license before;
    if (rc == ENT_OK)
        rc = load_license(ctx, id, &before, err); /* as it stands in the write */
    if (rc == ENT_OK && before.status == ENT_LICENSE_REVOKED)
        rc = ent_error_set(err, ENT_ECONFLICT, "the license is revoked; issue a new one");
    if (rc == ENT_OK) {
        l = before;
        l.issued_ms = ctx->now_ms;
        l.expires_ms = expiry(ctx, l.ttl_s, ENT_TIME_NONE, &b);
        l.renew_count = before.renew_count + 1;
        l.updated_ms = ctx->now_ms;
        rc = sign(ctx, &b, &l);
    }
    if (rc == ENT_OK)
        rc = ctx->sess->ops->license_update(ctx->sess, &l);
    derive(&l, ctx->now_ms);
    if (rc == ENT_OK)
        rc = ent_events_record(ctx, "license.renewed", l.account_id, l.id, ENT_KIND_LICENSE,
                               &before, &l);
    if (rc == ENT_OK)
        rc = ent_writes_commit(ctx, 200, ENT_KIND_LICENSE, &l);
    if (rc < 0)
        return ent_writes_fail(ctx, rc, err);
    *out = l;
    return ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Validate                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/*
 * The store's key of kid (every key the store has ever had, retired ones too: a token they
 * signed is judged on its times, not refused as unknown) as a verifier's keyset.
 * Errors: ENT_ESTORE, ENT_ENOMEM.
 */
static int
store_keyset(struct ent_ctx *ctx, const char *kid, struct ent_license_keyset *ks)
{
    struct ent_store_signing_key *keys = NULL;
    size_t n = 0;
    int rc = ctx->sess->ops->signing_keys_all(ctx->sess, &ctx->arena, &keys, &n);
    for (size_t i = 0; rc == ENT_OK && kid && i < n; i++) {
        if (strcmp(keys[i].key.kid, kid) == 0)
            ent_license_keyset_add_base64(ks, keys[i].key.kid, keys[i].key.public_key);
    }
    return rc;
}

/* The API's word for a verdict of the offline verifier. */
static const char *
verdict_status(enum ent_license_verdict v)
{
    switch (v) {
    case ENT_VERDICT_VALID:
        return "valid";
    case ENT_VERDICT_MALFORMED:
    case ENT_VERDICT_NO_MEMORY:
        return "malformed";
    case ENT_VERDICT_BAD_ALGORITHM:
    case ENT_VERDICT_UNKNOWN_KEY:
    case ENT_VERDICT_BAD_SIGNATURE:
        return "bad_signature";
    case ENT_VERDICT_NOT_YET_VALID:
        return "not_yet_valid";
    case ENT_VERDICT_EXPIRED:
        return "expired";
    case ENT_VERDICT_FINGERPRINT_MISMATCH:
        return "fingerprint_mismatch";
    }
    return "malformed";
}

/*
 * Finds the license a token names by its jti (read before the signature is checked: the token
 * only chooses which record to look at), as the caller may see it: a token that does not parse,
 * names no jti or names a license that is not there, or is another account's for an account
 * key, answers ENT_ENOTFOUND alike. OUT out->license, out->found.
 * Errors: ENT_ENOTFOUND (recorded in err), ENT_ESTORE, ENT_ENOMEM.
 */
static int
find_named(struct ent_ctx *ctx, const struct ent_license_token *t, struct ent_license_check *out,
           struct ent_error *err)
{
    const char *jti = t ? ent_license_claim_string(t, "jti") : NULL;
    int rc = ENT_ENOTFOUND;
    if (jti && jti[0])
        rc = ctx->sess->ops->license_get(ctx->sess, &ctx->arena, jti, &out->license);
    if (rc == ENT_OK && ctx->principal.scope == ENT_SCOPE_ACCOUNT &&
        strcmp(out->license.account_id, ctx->principal.account_id) != 0)
        rc = ENT_ENOTFOUND;
    if (rc == ENT_ENOTFOUND)
        return ent_error_set(err, ENT_ENOTFOUND, "the token names no license");
    if (rc < 0)
        return rc;
    derive(&out->license, ctx->now_ms);
    out->found = true;
    return ENT_OK;
}

/*
 * The checks of a token whose signature holds: revocation (the stored record), the times at the
 * context's time (no skew: the server's clock is the reference), the fingerprint when given.
 * OUT out->status, out->claims. Errors: ENT_ENOMEM.
 */
static int
check_signed(struct ent_ctx *ctx, struct ent_license_token *t, const char *fingerprint,
             struct ent_license_check *out)
{
    const char *claims = ent_license_claims_json(t, false);
    out->claims = claims ? ent_ctx_strndup(ctx, claims, strlen(claims)) : NULL;
    if (!out->claims)
        return ENT_ENOMEM;
    enum ent_license_verdict v = ent_license_check_time(t, ctx->now_ms / 1000, 0);
    if (v == ENT_VERDICT_VALID && fingerprint)
        v = ent_license_check_fingerprint(t, fingerprint);
    out->status = out->license.status == ENT_LICENSE_REVOKED ? "revoked" : verdict_status(v);
    return ENT_OK;
}

int
ent_licenses_validate(struct ent_ctx *ctx, const char *token, const char *fingerprint,
                      struct ent_license_check *out, struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    memset(out, 0, sizeof(*out));
    if (ctx->principal.scope == ENT_SCOPE_NONE)
        return ent_error_set(err, ENT_EFORBIDDEN, "this key may not validate licenses");
    if (!token || !token[0])
        return ent_error_field(err, "token", "is required");
    struct ent_store_session *sess;
    int rc = ent_ctx_session(ctx, &sess);
    if (rc < 0)
        return ent_ctx_store_error(rc, err);
    struct ent_license_token *t = NULL;
    enum ent_license_verdict v = ent_license_parse(token, strlen(token), &t);
    struct ent_license_keyset ks = {.n = 0};
    rc = find_named(ctx, t, out, err);
    if (rc == ENT_OK && v == ENT_VERDICT_VALID)
        rc = store_keyset(ctx, ent_license_kid(t), &ks);
    if (rc == ENT_OK && v == ENT_VERDICT_VALID)
        v = ent_license_check_signature(t, &ks);
    out->status = verdict_status(v);
    if (rc == ENT_OK && v == ENT_VERDICT_VALID)
        rc = check_signed(ctx, t, fingerprint, out);
    ent_license_free(t);
    if (rc < 0)
        return err->code == rc ? rc : ent_ctx_store_error(rc, err);
    out->valid = strcmp(out->status, "valid") == 0;
    return ENT_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Lists                                                                                       */
/* ------------------------------------------------------------------------------------------ */

static int
load_listed(struct ent_ctx *ctx, struct ent_store_session *sess, const char *id, void *out)
{
    int rc = sess->ops->license_get(sess, &ctx->arena, id, out);
    if (rc == ENT_OK)
        derive(out, ctx->now_ms);
    return rc;
}

/* ?status= as store filters at the context's time (active, expired, revoked). */
static int
status_filter(struct ent_ctx *ctx, const char *value, struct ent_store_query *forced)
{
    enum ent_license_status status = ent_license_status_parse(value);
    if (!status)
        return ENT_EINVAL;
    if (status == ENT_LICENSE_REVOKED)
        return ent_lists_add_filter(forced, "revoked", ENT_STORE_GT, "-9223372036854775808");
    const char *now = ent_lists_ms_text(ctx, ctx->now_ms);
    if (!now)
        return ENT_ENOMEM;
    int rc = ent_lists_add_filter(forced, "revoked", ENT_STORE_EQ, NULL);
    if (rc == ENT_OK)
        rc = ent_lists_add_filter(forced, "expires",
                                  status == ENT_LICENSE_ACTIVE ? ENT_STORE_GT : ENT_STORE_LE, now);
    return rc;
}

static const struct ent_list_filter license_filters[] = {
    {.name = "account", .op = ENT_STORE_EQ, .resolve = ent_lists_resolve_account},
    {.name = "activation", .op = ENT_STORE_EQ, .check = ent_lists_check_uuid},
    {.name = NULL},
};

static const struct ent_list_spec license_list = {
    .table = ENT_TABLE_LICENSES,
    .item_size = sizeof(struct ent_license),
    .sorts = {"created_at", "updated_at", "expires_at", "serial"},
    .filters = license_filters,
    .load = load_listed,
};

int
ent_licenses_list(struct ent_ctx *ctx, const struct ent_list_query *q, struct ent_list *list,
                  struct ent_error *err)
{
    struct ent_error scratch;
    if (!err)
        err = &scratch;
    ent_error_clear(err);
    return ent_lists_run_scoped(ctx, &license_list, q, "account", status_filter, list, err);
}
