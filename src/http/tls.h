/* SPDX-License-Identifier: MIT */
/*
 * tls.h: HTTPS for the daemon (--tls-cert, --tls-key): the certificate chain and private key,
 * read from PEM files, handed to libmicrohttpd's GnuTLS at each handshake, and read again on
 * SIGHUP without closing a connection (server.c).
 */
#ifndef ENT_HTTP_TLS_H
#define ENT_HTTP_TLS_H

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <stddef.h>

struct ent_tls;

/*
 * Loads the chain (cert_path: the server's certificate first, then its intermediates) and the
 * key (key_path), checking that the key is the certificate's. OUT *out. Returns 0, or -1 with
 * why (cap bytes) filled.
 */
int ent_tls_new(const char *cert_path, const char *key_path, struct ent_tls **out, char *why,
                size_t cap);

/* Reads both files again; the next handshakes use them. -1 (why filled): the current stay. */
int ent_tls_reload(struct ent_tls *t, char *why, size_t cap);

/* Frees t and every certificate it held; NULL is accepted. After the daemon stopped. */
void ent_tls_free(struct ent_tls *t);

/* Makes t the certificate ent_tls_certificate() hands out (NULL: none). */
void ent_tls_serve(struct ent_tls *t);

/* The MHD_OPTION_HTTPS_CERT_CALLBACK (gnutls_certificate_retrieve_function2). */
int ent_tls_certificate(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
                        const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                        gnutls_pcert_st **pcert, unsigned int *pcert_length, gnutls_privkey_t *key);

#endif /* ENT_HTTP_TLS_H */
