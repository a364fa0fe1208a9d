/* SPDX-License-Identifier: MIT */
/*
 * server.h: the HTTP daemon: libmicrohttpd with a thread pool and epoll, serving the route
 * table until SIGTERM or SIGINT, then finishing the requests in flight.
 */
#ifndef ENT_HTTP_SERVER_H
#define ENT_HTTP_SERVER_H

#include <stdbool.h>

#include <entitled.h>

struct ent_server_config {
    const char *listen;        /* "HOST:PORT" (default 127.0.0.1:8080) */
    unsigned threads;          /* worker threads (at least 2) */
    unsigned connection_limit; /* connections at once (default 4096) */
    unsigned per_ip_limit;     /* connections at once from one address (default 1024) */
    unsigned timeout_s;        /* the time a connection has for a request line to come, for the
                                  request to arrive in full after it, and for the client to take
                                  some of its answer (default 30) */
    unsigned rate_evaluate;    /* requests per second per key, class evaluate; 0: no limit */
    unsigned rate_usage;       /* the same for the usage class (usage, activations) */
    unsigned rate_admin;       /* the same for every other /v1 route */
    bool quiet;                /* no request log */
    const char *tls_cert;      /* PEM certificate chain: serve HTTPS (with tls_key); NULL: HTTP */
    const char *tls_key;       /* PEM private key of tls_cert */
    const char *cors_origins;  /* OFREP: Origins a browser may call /ofrep/ from, separated by
                                  commas ("*": any); NULL: none */
    /* webhooks (issue 15): the delivery workers, started with the server, stopped after drain */
    struct ent_webhook_config webhooks;
};

/*
 * Serves app until SIGTERM or SIGINT; SIGHUP reads the TLS certificate and key again (the next
 * handshakes use them; open connections stay). Returns 0 after a clean stop, 1 when the daemon
 * cannot start (the reason is printed on stderr). A zeroed cfg serves on 127.0.0.1:8080 with the
 * default connection limits and no rate limits (the command line's defaults are in cmd/).
 */
int ent_server_run(struct ent_app *app, const struct ent_server_config *cfg);

#endif /* ENT_HTTP_SERVER_H */
