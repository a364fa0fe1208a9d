/* SPDX-License-Identifier: MIT */
/*
 * api_meta.c: the routes about the daemon itself: liveness, readiness (the store answers),
 * Prometheus metrics and the OpenAPI document (embedded at build time from docs/openapi.json).
 */
#include "core/buf.h"
#include "http/api.h"
#include "http/metrics.h"

extern const char ent_openapi_json[];
extern const size_t ent_openapi_json_len;

void
ent_api_meta_healthz(struct ent_request *req)
{
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string("ok"));
    ent_http_reply_json(req, 200, o);
}

void
ent_api_meta_readyz(struct ent_request *req)
{
    if (ent_app_ping(req->app) < 0) {
        ent_http_reply_code(req, ENT_EUNAVAILABLE, "the store does not answer");
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string("ok"));
    ent_http_reply_json(req, 200, o);
}

void
ent_api_meta_metrics(struct ent_request *req)
{
    struct ent_buf b;
    ent_buf_init(&b, (size_t)1 << 20);
    if (ent_metrics_render(req->app, &b) < 0) {
        ent_buf_cleanup(&b);
        ent_http_reply_code(req, ENT_ENOMEM, NULL);
        return;
    }
    ent_http_reply_raw(req, 200, "text/plain; version=0.0.4", b.data, b.len);
    ent_buf_cleanup(&b);
}

void
ent_api_meta_openapi(struct ent_request *req)
{
    ent_http_reply_raw(req, 200, "application/json", ent_openapi_json, ent_openapi_json_len);
}
