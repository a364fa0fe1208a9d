/* SPDX-License-Identifier: MIT */
/*
 * console.h: the web console's files, built from console/ and embedded at build time
 * (scripts/build_console.py writes the table), and served by api_console.c at /console/.
 */
#ifndef ENT_HTTP_CONSOLE_H
#define ENT_HTTP_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

struct ent_console_asset {
    const char *path;         /* the name under /console/: "index.html", "app-XXXXXXXX.js" */
    const char *content_type; /* its media type */
    const unsigned char *body;
    size_t body_len;
    const unsigned char *gzip; /* the body gzip-compressed; NULL when that is not smaller */
    size_t gzip_len;
    const char *etag; /* its entity tag (quoted): the start of the body's SHA-256 */
    bool immutable;   /* its name carries a hash of its content: cached for a year */
};

extern const struct ent_console_asset ent_console_assets[];
extern const size_t ent_console_assets_count;

#endif /* ENT_HTTP_CONSOLE_H */
