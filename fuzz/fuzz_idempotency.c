/* SPDX-License-Identifier: MIT */
/*
 * fuzz_idempotency.c: libFuzzer target for Idempotency-Key handling (ent_idempotency_begin) on
 * the fuzz application. At start one request is recorded under the key "fuzz-recorded-key"
 * (POST /v1/accounts with a fixed body). The input:
 *   byte 0: bits 0-3 pick the route among the idempotent routes of the table (modulo their
 *           number); bit 4 holds the first request in flight while a second one with the same
 *           key begins; bit 5 uses the recorded key instead of the input's;
 *   then the key, up to the first '\n' (as a C string: up to its first NUL, as a header value
 *   would be), and the body: every byte after that '\n'.
 *
 * Invariants: a key that is empty, longer than 255 bytes or holds a byte outside 0x21..0x7e is
 * refused with ENT_EINVAL naming Idempotency-Key; any other key answers ENT_OK, not replayed,
 * unless it is the recorded key: then the recorded request (same route and body) is replayed
 * with the first answer's status and bytes, and any other request is ENT_EINVAL; while a
 * request holds a valid key, a second one with that key is ENT_ECONFLICT, and once the first
 * context is freed the key answers as it did the first time. No other code ever.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "fuzz_app.h"
#include "http/routes.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RECORDED_KEY "fuzz-recorded-key"
#define RECORDED_ROUTE "POST /v1/accounts"
#define RECORDED_BODY "{\"key\":\"fz-idem\",\"name\":\"Idem\",\"type\":\"customer\"}"

/* The recorded request's answer, as the first replay gave it. */
static int recorded_status;
static char *recorded_answer;
static size_t recorded_answer_len;

/* The routes that honour Idempotency-Key, as "METHOD pattern". */
static char routes[16][128];
static size_t n_routes;

/* What one begin answered. */
struct outcome {
    int rc;
    bool replayed;
    int status;
    const char *answer;
    size_t answer_len;
    struct ent_error err;
};

/* Stops the run with a message: an invariant does not hold (libFuzzer saves the input). */
static void
fail(const char *what, const char *key, const struct outcome *o)
{
    fprintf(stderr, "fuzz_idempotency: %s: key \"%s\" (rc %s, err %s: %s)\n", what, key,
            ent_error_name(o->rc), ent_error_name(o->err.code), o->err.message);
    abort();
}

/* Calls ent_idempotency_begin() on ctx. */
static void
begin(struct ent_ctx *ctx, const char *key, const char *route, const void *body, size_t len,
      struct outcome *o)
{
    memset(o, 0, sizeof(*o));
    ent_error_clear(&o->err);
    o->rc = ent_idempotency_begin(ctx, key, route, body, len, &o->replayed, &o->status, &o->answer,
                                  &o->answer_len, &o->err);
}

/* True when key is one the service must accept: 1 to 255 bytes in 0x21..0x7e. */
static bool
key_is_acceptable(const char *key)
{
    size_t n = strlen(key);
    if (n == 0 || n > 255)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)key[i];
        if (c < 0x21 || c > 0x7e)
            return false;
    }
    return true;
}

/* Records the request under RECORDED_KEY (an account create) and keeps its replayed answer. */
static void
record_one(void)
{
    for (size_t i = 0; i < ent_routes_count && n_routes < 16; i++) {
        if (ent_routes[i].idempotent)
            snprintf(routes[n_routes++], sizeof(routes[0]), "%s %s",
                     ent_routes_method_name(ent_routes[i].method), ent_routes[i].pattern);
    }
    struct ent_ctx *ctx = ent_fuzz_app_ctx();
    struct outcome o;
    begin(ctx, RECORDED_KEY, RECORDED_ROUTE, RECORDED_BODY, strlen(RECORDED_BODY), &o);
    struct ent_account in = {.key = "fz-idem", .name = "Idem", .type = ENT_ACCOUNT_CUSTOMER};
    struct ent_account out;
    if (o.rc != ENT_OK || o.replayed || ent_accounts_create(ctx, &in, &out, &o.err) < 0)
        fail("recording the first request failed", RECORDED_KEY, &o);
    ent_ctx_free(ctx);
    ctx = ent_fuzz_app_ctx();
    begin(ctx, RECORDED_KEY, RECORDED_ROUTE, RECORDED_BODY, strlen(RECORDED_BODY), &o);
    if (o.rc != ENT_OK || !o.replayed || !o.answer_len)
        fail("the recorded request is not replayed", RECORDED_KEY, &o);
    recorded_status = o.status;
    recorded_answer = ent_strndup(o.answer, o.answer_len);
    recorded_answer_len = o.answer_len;
    if (!recorded_answer)
        abort();
    ent_ctx_free(ctx);
}

/* Checks one begin against what the key, route and body call for. */
static void
check(const char *key, const char *route, const void *body, size_t len, const struct outcome *o)
{
    if (!key_is_acceptable(key)) {
        if (o->rc != ENT_EINVAL || o->replayed || o->err.n_fields != 1 ||
            strcmp(o->err.fields[0].field, "Idempotency-Key") != 0)
            fail("an unacceptable key was not refused as Idempotency-Key", key, o);
        return;
    }
    bool recorded = strcmp(key, RECORDED_KEY) == 0;
    bool same = recorded && strcmp(route, RECORDED_ROUTE) == 0 && len == strlen(RECORDED_BODY) &&
                memcmp(body, RECORDED_BODY, len) == 0;
    if (same) {
        if (o->rc != ENT_OK || !o->replayed || o->status != recorded_status ||
            o->answer_len != recorded_answer_len ||
            memcmp(o->answer, recorded_answer, recorded_answer_len) != 0)
            fail("the recorded request was not replayed as first answered", key, o);
    } else if (recorded) {
        if (o->rc != ENT_EINVAL || o->replayed)
            fail("the recorded key with another request was not refused", key, o);
    } else if (o->rc != ENT_OK || o->replayed) {
        fail("a new acceptable key was not accepted", key, o);
    }
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    ent_fuzz_app_get();
    record_one();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned flags = data[0];
    const char *route = n_routes ? routes[(flags & 15u) % n_routes] : RECORDED_ROUTE;
    const uint8_t *rest = data + 1;
    size_t rest_len = size - 1;
    const uint8_t *nl = memchr(rest, '\n', rest_len);
    size_t key_len = nl ? (size_t)(nl - rest) : rest_len;
    const uint8_t *body = nl ? nl + 1 : rest + rest_len;
    size_t body_len = nl ? rest_len - key_len - 1 : 0;
    char *key = (flags & 32u)
                    ? ent_fuzz_app_cstr((const uint8_t *)RECORDED_KEY, strlen(RECORDED_KEY))
                    : ent_fuzz_app_cstr(rest, key_len);

    struct ent_ctx *first = ent_fuzz_app_ctx();
    struct outcome o;
    begin(first, key, route, body, body_len, &o);
    check(key, route, body, body_len, &o);
    if (flags & 16u) {
        struct ent_ctx *second = ent_fuzz_app_ctx();
        struct outcome o2;
        begin(second, key, route, body, body_len, &o2);
        if (key_is_acceptable(key) ? o2.rc != ENT_ECONFLICT : o2.rc != ENT_EINVAL)
            fail("a second request while the first holds the key", key, &o2);
        ent_ctx_free(second);
        ent_ctx_free(first);
        first = ent_fuzz_app_ctx();
        begin(first, key, route, body, body_len, &o);
        check(key, route, body, body_len, &o);
    }
    ent_ctx_free(first);
    ent_free(key);
    return 0;
}
