/* SPDX-License-Identifier: MIT */
/*
 * tls.c: the daemon's certificate (tls.h). libmicrohttpd asks for it at each handshake
 * (MHD_OPTION_HTTPS_CERT_CALLBACK), so a reload changes what the next handshakes get and
 * nothing else: connections that are open keep their session. A reload that fails (a file
 * missing or unreadable, a key that is not the certificate's) keeps the current certificate.
 * Replaced certificates are kept until the daemon stops, since sessions that began with one may
 * still refer to it; a reload is rare (a renewal every few weeks).
 */
#include "http/tls.h"

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"

#define CHAIN_MAX 16 /* certificates in a chain file */

struct credentials {
    gnutls_pcert_st chain[CHAIN_MAX];
    unsigned n;
    gnutls_privkey_t key;
    struct credentials *older; /* replaced ones, kept until ent_tls_free() */
};

struct ent_tls {
    char *cert_path, *key_path;
    _Atomic(struct credentials *) current;
    pthread_mutex_t reload_lock;
};

static void
credentials_free(struct credentials *c)
{
    while (c) {
        struct credentials *older = c->older;
        for (unsigned i = 0; i < c->n; i++)
            gnutls_pcert_deinit(&c->chain[i]);
        if (c->key)
            gnutls_privkey_deinit(c->key);
        ent_free(c);
        c = older;
    }
}

/* True when key is the private half of the public key of cert. */
static bool
key_matches(gnutls_privkey_t key, const gnutls_pcert_st *cert)
{
    gnutls_pubkey_t mine = NULL;
    gnutls_datum_t a = {NULL, 0}, b = {NULL, 0};
    bool same = gnutls_pubkey_init(&mine) >= 0 &&
                gnutls_pubkey_import_privkey(mine, key, 0, 0) >= 0 &&
                gnutls_pubkey_export2(mine, GNUTLS_X509_FMT_DER, &a) >= 0 &&
                gnutls_pubkey_export2(cert->pubkey, GNUTLS_X509_FMT_DER, &b) >= 0 &&
                a.size == b.size && memcmp(a.data, b.data, a.size) == 0;
    gnutls_free(a.data);
    gnutls_free(b.data);
    if (mine)
        gnutls_pubkey_deinit(mine);
    return same;
}

/* Loads the chain and key; OUT *out. On failure writes why into why (cap bytes). */
static int
load(const char *cert_path, const char *key_path, struct credentials **out, char *why, size_t cap)
{
    struct credentials *c = ent_calloc(1, sizeof(*c));
    if (!c) {
        snprintf(why, cap, "out of memory");
        return -1;
    }
    gnutls_datum_t pem = {NULL, 0};
    int rc = gnutls_load_file(cert_path, &pem);
    if (rc < 0) {
        snprintf(why, cap, "cannot read the certificate %s: %s", cert_path, gnutls_strerror(rc));
        goto fail;
    }
    c->n = CHAIN_MAX;
    rc = gnutls_pcert_list_import_x509_raw(c->chain, &c->n, &pem, GNUTLS_X509_FMT_PEM, 0);
    gnutls_free(pem.data);
    pem.data = NULL;
    if (rc < 0 || c->n == 0) {
        c->n = 0;
        snprintf(why, cap, "%s holds no PEM certificate (or more than %d): %s", cert_path,
                 CHAIN_MAX, rc < 0 ? gnutls_strerror(rc) : "empty");
        goto fail;
    }
    rc = gnutls_load_file(key_path, &pem);
    if (rc < 0) {
        snprintf(why, cap, "cannot read the private key %s: %s", key_path, gnutls_strerror(rc));
        goto fail;
    }
    rc = gnutls_privkey_init(&c->key);
    if (rc >= 0)
        rc = gnutls_privkey_import_x509_raw(c->key, &pem, GNUTLS_X509_FMT_PEM, NULL, 0);
    gnutls_free(pem.data);
    if (rc < 0) {
        snprintf(why, cap, "%s holds no usable PEM private key: %s", key_path, gnutls_strerror(rc));
        goto fail;
    }
    if (!key_matches(c->key, &c->chain[0])) {
        snprintf(why, cap, "the private key %s is not the key of the certificate %s", key_path,
                 cert_path);
        goto fail;
    }
    *out = c;
    return 0;
fail:
    credentials_free(c);
    return -1;
}

int
ent_tls_new(const char *cert_path, const char *key_path, struct ent_tls **out, char *why,
            size_t cap)
{
    struct credentials *c = NULL;
    if (load(cert_path, key_path, &c, why, cap) < 0)
        return -1;
    struct ent_tls *t = ent_calloc(1, sizeof(*t));
    if (!t || !(t->cert_path = ent_strndup(cert_path, strlen(cert_path))) ||
        !(t->key_path = ent_strndup(key_path, strlen(key_path)))) {
        if (t) {
            ent_free(t->cert_path);
            ent_free(t);
        }
        credentials_free(c);
        snprintf(why, cap, "out of memory");
        return -1;
    }
    atomic_store(&t->current, c);
    pthread_mutex_init(&t->reload_lock, NULL);
    *out = t;
    return 0;
}

int
ent_tls_reload(struct ent_tls *t, char *why, size_t cap)
{
    struct credentials *c = NULL;
    if (load(t->cert_path, t->key_path, &c, why, cap) < 0)
        return -1;
    pthread_mutex_lock(&t->reload_lock);
    c->older = atomic_load(&t->current);
    atomic_store(&t->current, c);
    pthread_mutex_unlock(&t->reload_lock);
    return 0;
}

void
ent_tls_free(struct ent_tls *t)
{
    if (!t)
        return;
    credentials_free(atomic_load(&t->current));
    pthread_mutex_destroy(&t->reload_lock);
    ent_free(t->cert_path);
    ent_free(t->key_path);
    ent_free(t);
}

/* The one ent_tls the callback serves: libmicrohttpd's callback has no argument of its own. */
static _Atomic(struct ent_tls *) serving;

void
ent_tls_serve(struct ent_tls *t)
{
    atomic_store(&serving, t);
}

int
ent_tls_certificate(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
                    const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                    gnutls_pcert_st **pcert, unsigned int *pcert_length, gnutls_privkey_t *key)
{
    (void)session;
    (void)req_ca_rdn;
    (void)nreqs;
    (void)pk_algos;
    (void)pk_algos_length;
    struct ent_tls *t = atomic_load(&serving);
    struct credentials *c = t ? atomic_load(&t->current) : NULL;
    if (!c)
        return -1;
    *pcert = c->chain;
    *pcert_length = c->n;
    *key = c->key;
    return 0;
}
