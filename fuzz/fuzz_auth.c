/* SPDX-License-Identifier: MIT */
/*
 * fuzz_auth.c: libFuzzer target for API-key authentication (ent_keys_authenticate) on the fuzz
 * application, which holds one valid admin key and one revoked key. Byte 0 of the input picks
 * how the rest becomes the presented secret:
 *   0: the bytes as they are;
 *   1: the valid secret followed by the bytes;
 *   2: the valid secret cut to (byte 1 % its length) bytes;
 *   3: the valid secret with byte (byte 1 % its length) xor-ed with byte 2 (0 is made 1);
 *   4: the revoked secret followed by the bytes (none: the revoked secret itself);
 *   5: the bytes followed by the valid secret.
 * The secrets are random per process, so modes 1 to 5 reach inputs near a real key that a
 * committed seed could not hold. Byte 0 above 5 counts as mode 0.
 *
 * Invariants: the answer is ENT_OK exactly when the presented bytes equal the valid secret
 * (and the principal is then that key's: admin, its id), else ENT_EAUTH with err set and the
 * context's principal untouched; never any other code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "fuzz_app.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the run with a message: an invariant does not hold (libFuzzer saves the input). */
static void
fail(const char *what, int rc, const struct ent_error *err)
{
    fprintf(stderr, "fuzz_auth: %s (rc %s, err %s: %s)\n", what, ent_error_name(rc),
            ent_error_name(err->code), err->message);
    abort();
}

/* Builds the presented secret of the input into a heap buffer (ent_free). OUT len. */
static char *
presented(const struct ent_fuzz_app *fa, const uint8_t *data, size_t size, size_t *len)
{
    unsigned mode = size ? data[0] : 0;
    const uint8_t *rest = size ? data + 1 : data;
    size_t rest_len = size ? size - 1 : 0;
    const char *base = mode == 4 ? fa->revoked_secret : fa->secret;
    size_t base_len = mode == 4 ? fa->revoked_secret_len : fa->secret_len;
    char *buf = ent_alloc(base_len + rest_len + 1);
    if (!buf)
        abort();
    switch (mode) {
    case 1:
    case 4:
        memcpy(buf, base, base_len);
        memcpy(buf + base_len, rest, rest_len);
        *len = base_len + rest_len;
        break;
    case 2:
        *len = rest_len ? rest[0] % base_len : 0;
        memcpy(buf, base, *len);
        break;
    case 3:
        memcpy(buf, base, base_len);
        *len = base_len;
        if (rest_len) {
            uint8_t flip = rest_len > 1 && rest[1] ? rest[1] : 1;
            buf[rest[0] % base_len] = (char)(buf[rest[0] % base_len] ^ flip);
        }
        break;
    case 5:
        memcpy(buf, rest, rest_len);
        memcpy(buf + rest_len, base, base_len);
        *len = rest_len + base_len;
        break;
    default:
        memcpy(buf, rest, rest_len);
        *len = rest_len;
        break;
    }
    buf[*len] = '\0';
    return buf;
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
    size_t len = 0;
    char *secret = presented(fa, data, size, &len);
    bool is_valid = len == fa->secret_len && memcmp(secret, fa->secret, len) == 0;

    struct ent_ctx *ctx;
    if (ent_ctx_new(fa->app, ENT_FUZZ_APP_NOW_MS, &ctx) < 0)
        abort();
    struct ent_error err;
    ent_error_clear(&err);
    int rc = ent_keys_authenticate(ctx, secret, len, &err);
    const struct ent_principal *p = ent_ctx_principal(ctx);
    if (is_valid) {
        if (rc != ENT_OK)
            fail("the valid key was refused", rc, &err);
        if (p->scope != ENT_SCOPE_ADMIN || strcmp(p->key_id, fa->admin.key_id) != 0)
            fail("the valid key gave another principal", rc, &err);
    } else {
        if (rc == ENT_OK)
            fail("a key that is not the valid one was accepted", rc, &err);
        if (rc != ENT_EAUTH || err.code != ENT_EAUTH)
            fail("a refused key did not answer ENT_EAUTH", rc, &err);
        if (p->scope != ENT_SCOPE_NONE || p->key_id[0])
            fail("a refused key changed the principal", rc, &err);
    }
    ent_ctx_free(ctx);
    ent_free(secret);
    return 0;
}
