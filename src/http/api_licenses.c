/* SPDX-License-Identifier: MIT */
/*
 * api_licenses.c: the HTTP face of signed licenses (issue 13): issue, read, list, revoke,
 * renew, validate; the signing keys (list, rotate) and their JWK Set at
 * /.well-known/jwks.json (no key needed, cacheable). A license can be answered as a file
 * (Accept: application/octet-stream, or ?format=file) for support staff to send. The rules are
 * the library's.
 */
#include <stdio.h>
#include <string.h>

#include "http/api.h"
#include "http/json.h"
#include "http/paging.h"

#define JWKS_CACHE_CONTROL "public, max-age=300"

/* The features list as stored ("a,b"), as an array; null for every granted feature. */
static json_t *
encode_features(const char *text)
{
    if (!text)
        return json_null();
    json_t *arr = json_array();
    const char *start = text;
    for (;;) {
        const char *comma = strchr(start, ',');
        size_t len = comma ? (size_t)(comma - start) : strlen(start);
        json_array_append_new(arr, json_stringn(start, len));
        if (!comma)
            break;
        start = comma + 1;
    }
    return arr;
}

json_t *
ent_api_licenses_encode(const struct ent_license *l)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(l->id));
    json_object_set_new(o, "serial_number", json_string(l->serial));
    json_object_set_new(o, "account", json_string(l->account_id));
    json_object_set_new(o, "status", json_string(ent_license_status_name(l->status)));
    json_object_set_new(o, "kid", json_string(l->kid));
    json_object_set_new(o, "activation", ent_json_str_or_null(l->activation_id));
    json_object_set_new(o, "fingerprint", ent_json_str_or_null(l->fingerprint));
    json_object_set_new(o, "features", encode_features(l->features));
    json_object_set_new(o, "ttl_seconds", json_integer(l->ttl_s));
    json_object_set_new(o, "issued_at", ent_json_time(l->issued_ms));
    json_object_set_new(o, "expires_at", ent_json_time(l->expires_ms));
    json_object_set_new(o, "revoked_at", ent_json_time(l->revoked_ms));
    json_object_set_new(o, "renew_count", json_integer(l->renew_count));
    json_object_set_new(o, "token", json_string(l->token));
    json_object_set_new(o, "created_at", ent_json_time(l->created_ms));
    json_object_set_new(o, "updated_at", ent_json_time(l->updated_ms));
    return o;
}

json_t *
ent_api_licenses_encode_signing_key(const struct ent_signing_key *k)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(k->id));
    json_object_set_new(o, "kid", json_string(k->kid));
    json_object_set_new(o, "kty", json_string("OKP"));
    json_object_set_new(o, "crv", json_string("Ed25519"));
    json_object_set_new(o, "alg", json_string("EdDSA"));
    json_object_set_new(o, "x", json_string(k->public_key));
    json_object_set_new(o, "current", json_boolean(k->current));
    json_object_set_new(o, "published", json_boolean(k->published));
    json_object_set_new(o, "created_at", ent_json_time(k->created_ms));
    json_object_set_new(o, "retired_at", ent_json_time(k->retired_ms));
    json_object_set_new(
        o, "published_until",
        ent_json_time(k->retired_ms == ENT_TIME_NONE ? ENT_TIME_NONE : k->published_until_ms));
    return o;
}

static json_t *
encode_item(const void *item)
{
    return ent_api_licenses_encode(item);
}

/* Whether the client asks for the license as a file. */
static bool
wants_file(struct ent_request *req)
{
    const char *format = ent_http_query(req, "format");
    if (format && strcmp(format, "file") == 0)
        return true;
    const char *accept = ent_http_header(req, "Accept");
    return accept && strstr(accept, "application/octet-stream") && !strstr(accept, "json");
}

/* Answers l as JSON, or as a file of its token when asked (wants_file). */
static void
reply_license(struct ent_request *req, int status, const struct ent_license *l)
{
    if (!wants_file(req)) {
        ent_http_reply_json(req, status, ent_api_licenses_encode(l));
        return;
    }
    char body[ENT_BODY_MAX / 64];
    int n = snprintf(body, sizeof(body), "%s\n", l->token);
    if (n < 0 || (size_t)n >= sizeof(body)) {
        ent_http_reply_json(req, status, ent_api_licenses_encode(l));
        return;
    }
    ent_http_reply_raw(req, status, "application/octet-stream", body, (size_t)n);
    snprintf(req->content_disposition, sizeof(req->content_disposition),
             "attachment; filename=\"%s.lic\"", l->serial);
}

/* Reads the "features" array of keys (optional). OUT names in the context's arena. */
static void
read_features(struct ent_jreader *r, struct ent_license_input *in)
{
    json_t *arr = NULL;
    if (!ent_json_array(r, "features", ENT_J_NULLABLE, ENT_EVALUATE_MAX_FEATURES, &arr) || !arr)
        return;
    size_t count = json_array_size(arr);
    const char **out = ent_ctx_alloc(r->ctx, (count ? count : 1) * sizeof(*out));
    if (!out)
        return;
    for (size_t i = 0; i < count; i++) {
        json_t *el = json_array_get(arr, i);
        out[i] = json_is_string(el) ? json_string_value(el) : NULL;
        if (!out[i] || strlen(out[i]) != json_string_length(el)) {
            struct ent_jreader c = ent_json_child(r, "features", (long)i, NULL);
            ent_error_field(r->err, c.path, "must be a feature key");
        }
    }
    in->features = out;
    in->n_features = count;
}

void
ent_api_licenses_issue(struct ent_request *req)
{
    static const char *const fields[] = {"account",       "features",   "fingerprint", "feature",
                                         "activation_id", "activation", "ttl_seconds", "expires_at",
                                         "serial_number", NULL};
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = &err};
    struct ent_license_input in = {.expires_ms = ENT_TIME_NONE};
    ent_json_only(&r, fields);
    ent_json_string(&r, "account", ENT_J_NULLABLE, &in.account);
    read_features(&r, &in);
    ent_json_string(&r, "fingerprint", ENT_J_NULLABLE, &in.fingerprint);
    ent_json_string(&r, "feature", ENT_J_NULLABLE, &in.feature);
    ent_json_string(&r, "activation_id", ENT_J_NULLABLE, &in.activation_id);
    ent_json_string(&r, "activation", ENT_J_NULLABLE, &in.activation);
    ent_json_int(&r, "ttl_seconds", ENT_J_NULLABLE, 1, INT64_MAX / 1000, &in.ttl_s);
    ent_api_read_date(&r, "expires_at", ENT_J_NULLABLE, &in.expires_ms);
    ent_json_string(&r, "serial_number", ENT_J_NULLABLE, &in.serial_number); /* seed 004 */
    struct ent_license out;
    if (err.code == ENT_OK)
        ent_licenses_issue(req->ctx, &in, &out, &err);
    if (err.code != ENT_OK)
        ent_http_reply_error(req, &err);
    else
        reply_license(req, 201, &out);
}

void
ent_api_licenses_list(struct ent_request *req)
{
    ent_paging_serve(req, ent_licenses_list, sizeof(struct ent_license), encode_item);
}

void
ent_api_licenses_get(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_license l;
    if (ent_licenses_get(req->ctx, req->params[0], &l, &err) < 0)
        ent_http_reply_error(req, &err);
    else
        reply_license(req, 200, &l);
}

void
ent_api_licenses_revoke(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_license l;
    if (ent_licenses_revoke(req->ctx, req->params[0], &l, &err) < 0)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 200, ent_api_licenses_encode(&l));
}

void
ent_api_licenses_renew(struct ent_request *req)
{
    static const char *const fields[] = {NULL};
    struct ent_error err;
    ent_error_clear(&err);
    if (req->json) {
        struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = &err};
        ent_json_only(&r, fields);
    }
    struct ent_license l;
    if (err.code == ENT_OK)
        ent_licenses_renew(req->ctx, req->params[0], &l, &err);
    if (err.code != ENT_OK)
        ent_http_reply_error(req, &err);
    else
        reply_license(req, 200, &l);
}

void
ent_api_licenses_validate(struct ent_request *req)
{
    static const char *const fields[] = {"token", "fingerprint", NULL};
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = &err};
    const char *token = NULL, *fingerprint = NULL;
    ent_json_only(&r, fields);
    ent_json_string(&r, "token", ENT_J_REQUIRED, &token);
    ent_json_string(&r, "fingerprint", ENT_J_NULLABLE, &fingerprint);
    struct ent_license_check check;
    if (err.code == ENT_OK)
        ent_licenses_validate(req->ctx, token, fingerprint, &check, &err);
    if (err.code != ENT_OK) {
        ent_http_reply_error(req, &err);
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "valid", json_boolean(check.valid));
    json_object_set_new(o, "status", json_string(check.status));
    json_object_set_new(o, "license",
                        check.found ? ent_api_licenses_encode(&check.license) : json_null());
    json_t *claims = check.claims ? json_loads(check.claims, 0, NULL) : NULL;
    json_object_set_new(o, "claims", claims ? claims : json_null());
    ent_http_reply_json(req, 200, o);
}

void
ent_api_licenses_keys_list(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    struct ent_signing_key *keys = NULL;
    size_t n = 0;
    if (ent_signing_keys_list(req->ctx, &keys, &n, &err) < 0) {
        ent_http_reply_error(req, &err);
        return;
    }
    json_t *data = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(data, ent_api_licenses_encode_signing_key(&keys[i]));
    json_t *o = json_object();
    json_object_set_new(o, "data", data);
    json_object_set_new(o, "count", json_integer((json_int_t)n));
    json_object_set_new(o, "total_count", json_integer((json_int_t)n));
    /* Every key on one page: the list envelope's page fields say so. */
    json_object_set_new(o, "page", json_integer(1));
    json_object_set_new(o, "page_size", json_integer(100)); /* the most a page may hold */
    json_object_set_new(o, "total_pages", json_integer(n > 0 ? 1 : 0));
    json_object_set_new(o, "next", json_null());
    json_object_set_new(o, "previous", json_null());
    ent_http_reply_json(req, 200, o);
}

void
ent_api_licenses_keys_rotate(struct ent_request *req)
{
    static const char *const fields[] = {NULL};
    struct ent_error err;
    ent_error_clear(&err);
    if (req->json) {
        struct ent_jreader r = {.obj = req->json, .path = "", .ctx = req->ctx, .err = &err};
        ent_json_only(&r, fields);
    }
    struct ent_signing_key k;
    if (err.code == ENT_OK)
        ent_signing_keys_rotate(req->ctx, &k, &err);
    if (err.code != ENT_OK)
        ent_http_reply_error(req, &err);
    else
        ent_http_reply_json(req, 201, ent_api_licenses_encode_signing_key(&k));
}

void
ent_api_licenses_jwks(struct ent_request *req)
{
    struct ent_error err;
    ent_error_clear(&err);
    const char *json = NULL;
    size_t len = 0;
    if (ent_signing_keys_jwks(req->ctx, &json, &len, &err) < 0) {
        ent_http_reply_error(req, &err);
        return;
    }
    ent_http_reply_raw(req, 200, "application/json", json, len);
    req->cache_control = JWKS_CACHE_CONTROL;
}
