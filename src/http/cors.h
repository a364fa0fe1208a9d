/* SPDX-License-Identifier: MIT */
/*
 * cors.h: Cross-Origin Resource Sharing for the OFREP routes (issue 14): which Origin a browser
 * page may call them from, as the operator lists them (--cors-origin, ENTITLED_CORS_ORIGINS).
 */
#ifndef ENT_HTTP_CORS_H
#define ENT_HTTP_CORS_H

#include <stdbool.h>

/* The paths CORS applies to: those of OFREP. */
#define ENT_CORS_PREFIX "/ofrep/"

/* What a preflight allows (answered to an allowed Origin). */
#define ENT_CORS_ALLOW_METHODS "GET, POST, OPTIONS"
#define ENT_CORS_ALLOW_HEADERS "Authorization, Content-Type, If-None-Match, X-API-Key"
#define ENT_CORS_EXPOSE_HEADERS "ETag, Retry-After"
#define ENT_CORS_MAX_AGE "600"

/*
 * True when origin is allowed by list: origins separated by commas or spaces, each compared
 * whole and case-insensitively ("https://app.example.com"), or "*" for any. A NULL or empty
 * list allows none (the default); a NULL or empty origin is never allowed.
 */
bool ent_cors_allowed(const char *list, const char *origin);

#endif /* ENT_HTTP_CORS_H */
