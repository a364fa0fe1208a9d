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
    unsigned timeout_s;        /* idle connection timeout (default 30) */
    bool quiet;                /* no request log */
};

/*
 * Serves app until SIGTERM or SIGINT. Returns 0 after a clean stop, 1 when the daemon cannot
 * start (the reason is printed on stderr).
 */
int ent_server_run(struct ent_app *app, const struct ent_server_config *cfg);

#endif /* ENT_HTTP_SERVER_H */
