/* SPDX-License-Identifier: MIT */
/*
 * cmd_licenses.c: the commands of signed licenses (issue 13): `entitled license verify`, which
 * checks a license file offline with the library a vendor links (include/entitled_license.h),
 * and `entitled signing-keys rotate|list`, which work on the store as the API does.
 *
 * Exit codes of `license verify`: 0 valid; 10 malformed, 11 bad algorithm, 12 unknown key,
 * 13 bad signature, 14 not yet valid, 15 expired, 16 fingerprint mismatch (9 + the verdict of
 * entitled_license.h); 1 for anything else (a file that cannot be read, no keys), 2 for usage.
 */
#include <entitled_license.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "cmd/opts.h"
#include <entitled.h>

#define FILE_MAX (ENT_LICENSE_TOKEN_MAX + 1)
#define DEFAULT_SKEW_S 300

static const char verify_usage[] =
    "Usage: entitled license verify FILE [--jwks FILE | --key BASE64 [--kid KID]]\n"
    "                               [--fingerprint F] [--at TIME] [--skew SECONDS]\n"
    "\n"
    "Verifies a license file offline (FILE, or - for standard input) with the public keys of a\n"
    "JWK Set (as /.well-known/jwks.json serves it) or one Ed25519 public key (base64 or\n"
    "base64url; --kid names it, else the token's own kid is trusted to be it). Prints the\n"
    "claims and a verdict. --fingerprint checks the machine a node-locked license is bound\n"
    "to; --at checks at another time (RFC 3339 UTC or seconds since the epoch; default now);\n"
    "--skew allows that much clock difference (default 300 s).\n"
    "Exit: 0 valid, 10 malformed, 11 bad algorithm, 12 unknown key, 13 bad signature,\n"
    "14 not yet valid, 15 expired, 16 fingerprint mismatch, 1 error, 2 usage.\n";

static const char keys_usage[] =
    "Usage: entitled signing-keys rotate|list [--store URL] [--key-file PATH]\n"
    "\n"
    "rotate makes a new current license signing key (older keys stay published while a license\n"
    "they signed is unexpired) and prints its kid; list prints every key: kid, state, created.\n";

/* Reads a whole small file (or stdin for "-") into buf (cap bytes, terminated). -1 on error. */
static long
read_file(const char *path, char *buf, size_t cap)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, cap - 1, f);
    bool too_long = n == cap - 1 && fgetc(f) != EOF;
    if (f != stdin)
        fclose(f);
    if (too_long)
        return -1;
    buf[n] = '\0';
    return (long)n;
}

/* Parses --at: seconds since the epoch, or YYYY-MM-DDTHH:MM:SSZ (UTC). */
static bool
parse_time(const char *s, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (s[0] && !*end && errno == 0) {
        *out = v;
        return true;
    }
    struct tm tm = {0};
    char z = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &z) != 7 ||
        z != 'Z')
        return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = (int64_t)timegm(&tm);
    return true;
}

/* The options of `license verify`. */
struct verify_opts {
    const char *file;
    const char *jwks;
    const char *key;
    const char *kid;
    const char *fingerprint;
    int64_t at_s;
    int64_t skew_s;
};

/* Parses the arguments after `license verify`. Returns 0, or the exit status (2, or 0 for help). */
static int
parse_verify(int argc, char **argv, struct verify_opts *o, bool *help)
{
    *help = false;
    o->at_s = (int64_t)time(NULL);
    o->skew_s = DEFAULT_SKEW_S;
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            *help = true;
            return 0;
        }
        const char **slot = strcmp(a, "--jwks") == 0          ? &o->jwks
                            : strcmp(a, "--key") == 0         ? &o->key
                            : strcmp(a, "--kid") == 0         ? &o->kid
                            : strcmp(a, "--fingerprint") == 0 ? &o->fingerprint
                                                              : NULL;
        bool timed = strcmp(a, "--at") == 0 || strcmp(a, "--skew") == 0;
        if ((slot || timed) && !v) {
            fprintf(stderr, "entitled: option %s needs a value\n", a);
            return 2;
        }
        if (slot) {
            *slot = v;
            i++;
        } else if (timed) {
            int64_t t = 0;
            if (!parse_time(v, &t) || (a[2] == 's' && t < 0)) {
                fprintf(stderr, "entitled: %s: not a time or a number of seconds: %s\n", a, v);
                return 2;
            }
            *(a[2] == 'a' ? &o->at_s : &o->skew_s) = t;
            i++;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "entitled: unknown option '%s' (see --help)\n", a);
            return 2;
        } else if (!o->file) {
            o->file = a;
        } else {
            fprintf(stderr, "entitled: one license file at a time\n");
            return 2;
        }
    }
    if (!o->file || !o->jwks == !o->key) {
        fputs(verify_usage, stderr);
        return 2;
    }
    return 0;
}

/* Loads the keys of --jwks or --key into ks. Returns 0, or 1 (printed why). */
static int
load_keys(const struct verify_opts *o, const char *token_kid, struct ent_license_keyset *ks)
{
    if (o->key) {
        const char *kid = o->kid ? o->kid : token_kid;
        if (ent_license_keyset_add_base64(ks, kid, o->key) < 0) {
            fprintf(stderr, "entitled: --key is not a 32-byte Ed25519 public key in base64\n");
            return 1;
        }
        return 0;
    }
    static char text[FILE_MAX];
    long n = read_file(o->jwks, text, sizeof(text));
    if (n < 0) {
        fprintf(stderr, "entitled: cannot read %s: %s\n", o->jwks, strerror(errno));
        return 1;
    }
    if (ent_license_keyset_from_jwks(ks, text, (size_t)n) <= 0) {
        fprintf(stderr, "entitled: %s is not a JWK Set with an Ed25519 key\n", o->jwks);
        return 1;
    }
    return 0;
}

/* `entitled license verify`. */
static int
license_verify(int argc, char **argv)
{
    struct verify_opts o = {0};
    bool help = false;
    int rc = parse_verify(argc, argv, &o, &help);
    if (help || rc) {
        fputs(verify_usage, help ? stdout : stderr);
        return help ? 0 : rc;
    }
    static char token[FILE_MAX];
    long n = read_file(o.file, token, sizeof(token));
    if (n < 0) {
        fprintf(stderr, "entitled: cannot read %s: %s\n", o.file,
                errno ? strerror(errno) : "too long for a license");
        return 1;
    }
    while (n > 0 && (token[n - 1] == '\n' || token[n - 1] == '\r' || token[n - 1] == ' '))
        token[--n] = '\0';
    struct ent_license_token *t = NULL;
    enum ent_license_verdict v = ent_license_parse(token, (size_t)n, &t);
    struct ent_license_keyset ks = {.n = 0};
    if (v == ENT_VERDICT_VALID && load_keys(&o, ent_license_kid(t), &ks) != 0) {
        ent_license_free(t);
        return 1;
    }
    ent_license_free(t);
    t = NULL;
    struct ent_license_options opt = {
        .now_s = o.at_s, .skew_s = o.skew_s, .fingerprint = o.fingerprint};
    v = ent_license_verify(token, (size_t)n, &ks, &opt, &t);
    if (t) {
        const char *claims = ent_license_claims_json(t, true);
        printf("%s\n", claims ? claims : "{}");
    }
    const char *jti = t ? ent_license_claim_string(t, "jti") : NULL;
    const char *sub = t ? ent_license_claim_string(t, "sub") : NULL;
    printf("verdict: %s", ent_license_verdict_name(v));
    if (jti)
        printf(" (serial %s, account %s, expires %lld)", jti, sub ? sub : "?",
               (long long)ent_license_claim_int(t, "exp"));
    if (v == ENT_VERDICT_VALID && !o.fingerprint && t && ent_license_claim_string(t, "fingerprint"))
        printf("; node-locked: the fingerprint was not checked (--fingerprint)");
    printf("\n");
    ent_license_free(t);
    return v == ENT_VERDICT_VALID ? 0 : 9 + (int)v;
}

int
ent_cmd_license(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[2], "verify") == 0)
        return license_verify(argc, argv);
    bool help = argc >= 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0);
    fputs(verify_usage, help ? stdout : stderr);
    return help ? 0 : 2;
}

/* Prints one key of `signing-keys list`. */
static void
print_key(const struct ent_signing_key *k)
{
    printf("%s  %s%s  created %lld\n", k->kid, k->current ? "current" : "retired",
           k->published ? ", published" : "", (long long)(k->created_ms / 1000));
}

int
ent_cmd_signing_keys(int argc, char **argv)
{
    bool rotate = argc >= 3 && strcmp(argv[2], "rotate") == 0;
    bool list = argc >= 3 && strcmp(argv[2], "list") == 0;
    struct ent_opts o;
    int rc = (rotate || list) ? ent_opts_parse(&o, argc, argv, 3, "store key-file") : 2;
    if (rc || o.help) {
        bool help = (rc == 0 && o.help) ||
                    (argc >= 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0));
        fputs(keys_usage, help ? stdout : stderr);
        return help ? 0 : 2;
    }
    struct ent_app *app = ent_opts_open_app(o.store, o.key_file, false);
    if (!app)
        return 1;
    struct ent_error err;
    struct ent_ctx *ctx = NULL;
    rc = ent_ctx_new(app, ent_app_now(app), &ctx);
    if (rc == 0) {
        struct ent_principal operator= {.scope = ENT_SCOPE_ADMIN};
        ent_ctx_set_principal(ctx, &operator);
        if (rotate) {
            struct ent_signing_key k;
            rc = ent_signing_keys_rotate(ctx, &k, &err);
            if (rc == 0)
                printf("%s\n", k.kid);
        } else {
            struct ent_signing_key *keys = NULL;
            size_t n = 0;
            rc = ent_signing_keys_list(ctx, &keys, &n, &err);
            for (size_t i = 0; rc == 0 && i < n; i++)
                print_key(&keys[i]);
        }
    }
    if (rc != 0)
        fprintf(stderr, "entitled: %s\n", err.message[0] ? err.message : ent_error_title(rc));
    ent_ctx_free(ctx);
    ent_app_close(app);
    return rc == 0 ? 0 : 1;
}
