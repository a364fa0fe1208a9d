/* SPDX-License-Identifier: MIT */
/*
 * fuzz_app.h: the application the store-backed fuzz targets share. Each fuzzer process opens
 * one application on a fresh SQLite file (/tmp/fuzz-<pid>.db, or $ENT_FUZZ_DIR/fuzz-<pid>.db),
 * fills it with a small fixed catalog (features, a product, an account, an order, an
 * entitlement, a lease, an activation, a webhook endpoint, an attribute definition, one valid and
 * one revoked API key) and
 * removes the files
 * when the process exits. Every context is served at the same fixed time, so a run does not
 * depend on the clock. Not part of the library: used only by fuzz/.
 */
#ifndef ENT_FUZZ_FUZZ_APP_H
#define ENT_FUZZ_FUZZ_APP_H

#include <stddef.h>
#include <stdint.h>

#include <entitled.h>

/* 2026-01-15T12:00:00Z: the time every fuzz context is served at. */
#define ENT_FUZZ_APP_NOW_MS 1768478400000LL

/* What the fixture created, by the names the fuzz targets use. */
struct ent_fuzz_app {
    struct ent_app *app;
    struct ent_principal admin; /* the principal of the valid admin key */
    char secret[128];           /* the valid admin key's secret */
    size_t secret_len;
    char revoked_secret[128]; /* a key created, then revoked */
    size_t revoked_secret_len;
    char revoked_key_id[37];
    const char *feature_key; /* quantity, activations enabled */
    const char *metered_key; /* metered, monthly */
    const char *product_key; /* grants both features */
    const char *account_key; /* a customer */
    char order_id[37];       /* a draft order of the product */
    char entitlement_id[37]; /* a manual grant of the product */
    char lease_id[37];       /* a lease of the product */
    char activation_id[37];  /* a floating activation of the quantity feature */
    char license_id[37];     /* a license of the account */
    char webhook_id[37];     /* a webhook endpoint that subscribes to nothing sent (issue 15) */
    char message_id[37];     /* a message id of nothing (retry answers 404) */
    char item_id[65];        /* the activation id of the draft order's line item (issue 17) */
    char definition_id[37];  /* a custom attribute definition, optional (issue 17) */
};

/*
 * The process's fuzz application, opened and filled on the first call; aborts the process
 * (after printing why) when that fails, since no input can be tried without it.
 */
const struct ent_fuzz_app *ent_fuzz_app_get(void);

/*
 * A new request context on the fuzz application, at ENT_FUZZ_APP_NOW_MS, with the valid admin
 * key as principal and the daemon's encoder. Aborts when out of memory. Free with
 * ent_ctx_free().
 */
struct ent_ctx *ent_fuzz_app_ctx(void);

/*
 * Copies the first len bytes of data into a NUL-terminated heap string (ent_alloc; free with
 * ent_free). Aborts when out of memory.
 */
char *ent_fuzz_app_cstr(const uint8_t *data, size_t len);

/*
 * Checks an error answer (status 400..599, body answer[0..len)) against the problem document
 * the API promises: one JSON object with "type", "title" and "detail" strings and "status"
 * equal to status; when it has "errors", an array of objects each with "field" and "message"
 * strings. Returns NULL when it is one, else what is wrong.
 */
const char *ent_fuzz_app_problem_error(int status, const char *answer, size_t len);

#endif /* ENT_FUZZ_FUZZ_APP_H */
