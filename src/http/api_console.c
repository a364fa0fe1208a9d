/* SPDX-License-Identifier: MIT */
/*
 * api_console.c: the web console's files, embedded at build time from console/ (console.h), at
 * /console/ (its page) and /console/{asset}; / and /console lead there. No key: the files hold
 * no data, and the page asks for a key and sends it to /v1 like any client of the API.
 *
 * Every answer forbids what the page never needs: scripts, styles and connections other than
 * its own files and this origin (Content-Security-Policy, with no inline script or style),
 * framing (X-Frame-Options, frame-ancestors), sending its address to others (Referrer-Policy)
 * and guessing types (X-Content-Type-Options). Files whose names carry a hash of their content
 * are cached for a year; the page is revalidated each time by its entity tag (304).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/api.h"
#include "http/console.h"

#define CONSOLE_CSP                                                                                \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "                  \
    "form-action 'none'; frame-ancestors 'none'"

/* The console's file named name, or NULL. */
static const struct ent_console_asset *
find_asset(const char *name)
{
    for (size_t i = 0; i < ent_console_assets_count; i++) {
        if (strcmp(ent_console_assets[i].path, name) == 0)
            return &ent_console_assets[i];
    }
    return NULL;
}

/*
 * True when an Accept-Encoding header (NULL: none) accepts gzip: "gzip" or "*" among its
 * codings, without "q=0".
 */
static bool
accepts_gzip(const char *header)
{
    const char *p = header;
    while (p && *p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *start = p;
        while (*p && *p != ',' && *p != ';' && *p != ' ' && *p != '\t')
            p++;
        size_t len = (size_t)(p - start);
        bool named =
            (len == 4 && strncasecmp(start, "gzip", 4) == 0) || (len == 1 && *start == '*');
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        const char *q = strstr(p, "q=");
        bool refused = q && q < end && strtod(q + 2, NULL) <= 0.0;
        if (named && !refused)
            return true;
        p = end;
    }
    return false;
}

/* Adds the headers every console answer carries. */
static void
add_security_headers(struct ent_request *req)
{
    ent_http_add_header(req, "Content-Security-Policy", CONSOLE_CSP);
    ent_http_add_header(req, "X-Frame-Options", "DENY");
    ent_http_add_header(req, "Referrer-Policy", "no-referrer");
    ent_http_add_header(req, "X-Content-Type-Options", "nosniff");
    ent_http_add_header(req, "Cross-Origin-Opener-Policy", "same-origin");
    ent_http_add_header(req, "Cross-Origin-Resource-Policy", "same-origin");
}

/* Answers the console's file named name: 200 (gzip-compressed when the client takes it), 304
 * when the client holds it, 404 when there is none. */
static void
serve_asset(struct ent_request *req, const char *name)
{
    const struct ent_console_asset *a = find_asset(name);
    if (!a) {
        ent_http_reply_code(req, ENT_ENOTFOUND, "no such file in the console");
        return;
    }
    add_security_headers(req);
    req->etag = a->etag;
    req->cache_control = a->immutable ? "public, max-age=31536000, immutable" : "no-cache";
    if (a->gzip)
        ent_http_add_header(req, "Vary", "Accept-Encoding");
    if (ent_http_etag_matches(ent_http_header(req, "If-None-Match"), a->etag)) {
        ent_http_reply_empty(req, 304);
        return;
    }
    if (a->gzip && accepts_gzip(ent_http_header(req, "Accept-Encoding"))) {
        ent_http_reply_raw(req, 200, a->content_type, (const char *)a->gzip, a->gzip_len);
        ent_http_add_header(req, "Content-Encoding", "gzip");
        return;
    }
    ent_http_reply_raw(req, 200, a->content_type, (const char *)a->body, a->body_len);
}

void
ent_api_console_redirect(struct ent_request *req)
{
    ent_http_add_header(req, "Location", "/console/");
    ent_http_reply_empty(req, 302);
}

void
ent_api_console_page(struct ent_request *req)
{
    serve_asset(req, "index.html");
}

void
ent_api_console_asset(struct ent_request *req)
{
    serve_asset(req, req->params[0]);
}
