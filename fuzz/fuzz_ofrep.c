/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ofrep.c: libFuzzer target for what OFREP reads from the network (issue 14), on the fuzz
 * application. Byte 0 of the input picks what the rest is:
 *   0: a change stream's token (ent_ofrep_stream_open);
 *   1: the account's valid token with byte (byte 1 % its length) xor-ed with byte 2 (0 is 1);
 *   2: a flag key, evaluated for the fixture's account (ent_ofrep_evaluate);
 *   3: an allowed-origins list and an origin, split at the first NUL (ent_cors_allowed).
 * Byte 0 above 3 counts as mode 0.
 *
 * Invariants: a token opens (ENT_OK, the account's principal) exactly when it equals the valid
 * one, else ENT_EAUTH with the principal untouched; a flag key answers ENT_OK, and a flag found
 * has that key, a type and a reason of the protocol; an origin is allowed only when it is not
 * empty, and always by "*".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "fuzz_app.h"
#include "http/cors.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the run with a message: an invariant does not hold (libFuzzer saves the input). */
static void
fail(const char *what)
{
    fprintf(stderr, "fuzz_ofrep: %s\n", what);
    abort();
}

/* A context of the fuzz application (no principal). */
static struct ent_ctx *
new_ctx(const struct ent_fuzz_app *fa)
{
    struct ent_ctx *ctx;
    if (ent_ctx_new(fa->app, ENT_FUZZ_APP_NOW_MS, &ctx) < 0)
        abort();
    return ctx;
}

/* The fixture account's id and its valid token. */
static void
valid_token(const struct ent_fuzz_app *fa, char account_id[37], char token[ENT_OFREP_TOKEN_MAX])
{
    struct ent_ctx *ctx = new_ctx(fa);
    ent_ctx_set_principal(ctx, &fa->admin);
    struct ent_account acc;
    struct ent_error err;
    if (ent_accounts_get(ctx, fa->account_key, &acc, &err) < 0)
        fail("the fixture's account is missing");
    memcpy(account_id, acc.id, 37);
    ent_ofrep_stream_token(ctx, acc.id, token);
    ent_ctx_free(ctx);
}

static void
check_token(const struct ent_fuzz_app *fa, const char *token, const char *valid,
            const char *account_id)
{
    struct ent_ctx *ctx = new_ctx(fa);
    struct ent_error err;
    int rc = ent_ofrep_stream_open(ctx, token, &err);
    const struct ent_principal *p = ent_ctx_principal(ctx);
    if (strcmp(token, valid) == 0) {
        if (rc != ENT_OK)
            fail("the valid token was refused");
        if (p->scope != ENT_SCOPE_ACCOUNT || strcmp(p->account_id, account_id) != 0)
            fail("the valid token gave another principal");
    } else {
        if (rc != ENT_EAUTH || err.code != ENT_EAUTH)
            fail("a token that is not the valid one was not refused with ENT_EAUTH");
        if (p->scope != ENT_SCOPE_NONE)
            fail("a refused token changed the principal");
    }
    ent_ctx_free(ctx);
}

static void
check_flag(const struct ent_fuzz_app *fa, const char *key)
{
    struct ent_ctx *ctx = new_ctx(fa);
    ent_ctx_set_principal(ctx, &fa->admin);
    struct ent_ofrep_flag flag;
    bool found = true;
    struct ent_error err;
    if (ent_ofrep_evaluate(ctx, fa->account_key, key, &flag, &found, &err) != ENT_OK)
        fail("a flag key of a known account did not answer ENT_OK");
    if (found) {
        if (strcmp(flag.key, key) != 0)
            fail("the flag found has another key");
        if (flag.type < ENT_OFREP_BOOLEAN || flag.type > ENT_OFREP_OBJECT)
            fail("the flag found has no type");
        if (strcmp(flag.reason, "TARGETING_MATCH") != 0 && strcmp(flag.reason, "DEFAULT") != 0 &&
            strcmp(flag.reason, "DISABLED") != 0)
            fail("the flag found has a reason outside the protocol's");
        if (flag.type == ENT_OFREP_STRING && !flag.string)
            fail("a string flag without a string");
    }
    ent_ctx_free(ctx);
}

static void
check_cors(const char *list, const char *origin)
{
    bool allowed = ent_cors_allowed(list, origin);
    if (allowed && !origin[0])
        fail("an empty origin was allowed");
    if (origin[0] && !ent_cors_allowed("*", origin))
        fail("\"*\" did not allow an origin");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    ent_fuzz_app_get();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct ent_fuzz_app *fa = ent_fuzz_app_get();
    static char account_id[37], valid[ENT_OFREP_TOKEN_MAX];
    if (!valid[0])
        valid_token(fa, account_id, valid);
    unsigned mode = size ? data[0] : 0;
    const uint8_t *rest = size ? data + 1 : data;
    size_t rest_len = size ? size - 1 : 0;
    /* The rest as a string (a NUL ends it early, as it would a C string from the network). */
    char *text = ent_alloc(rest_len + 1);
    if (!text)
        abort();
    memcpy(text, rest, rest_len);
    text[rest_len] = '\0';
    switch (mode) {
    case 1: {
        char token[ENT_OFREP_TOKEN_MAX];
        memcpy(token, valid, sizeof(token));
        size_t len = strlen(token);
        if (rest_len) {
            uint8_t flip = rest_len > 1 && rest[1] ? rest[1] : 1;
            token[rest[0] % len] = (char)(token[rest[0] % len] ^ flip);
        }
        check_token(fa, token, valid, account_id);
        break;
    }
    case 2:
        if (text[0])
            check_flag(fa, text);
        break;
    case 3: {
        size_t list_len = strlen(text);
        const char *origin = list_len < rest_len ? text + list_len + 1 : "";
        check_cors(text, origin);
        break;
    }
    default:
        check_token(fa, text, valid, account_id);
        break;
    }
    ent_free(text);
    return 0;
}
