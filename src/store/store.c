/* SPDX-License-Identifier: MIT */
/*
 * store.c: chooses a backend from the store URL: "sqlite:PATH" (sqlite_store.c) or
 * "postgresql://…" / "postgres://…", a libpq connection URL (pg_store.c). Nothing here knows
 * SQL.
 */
#include "store/store.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int
ent_store_open(const char *url, unsigned connections, struct ent_store **out, struct ent_error *err)
{
    if (!url || !url[0])
        url = "sqlite:entitled.db";
    if (connections == 0)
        connections = 4;
    if (strncmp(url, "sqlite:", 7) == 0) {
        const char *path = url + 7;
        if (strncmp(path, "//", 2) == 0)
            path += 2;
        if (!path[0])
            return ent_error_set(err, ENT_EINVAL, "store URL: sqlite: needs a file path");
        return ent_store_sqlite_open(path, connections, out, err);
    }
    if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)
        return ent_store_pg_open(url, connections, out, err);
    return ent_error_set(err, ENT_EINVAL, "store URL: expected sqlite:PATH or postgresql://…");
}

void
ent_store_close(struct ent_store *s)
{
    if (s)
        s->ops->close(s);
}

int64_t
ent_store_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The application's log handler (ent_set_log_handler), or NULL: standard error. */
static void (*_Atomic log_handler)(enum ent_log_level level, const char *message);

void
ent_set_log_handler(void (*fn)(enum ent_log_level level, const char *message))
{
    log_handler = fn;
}

void
ent_store_log(enum ent_log_level level, const char *fmt, ...)
{
    char message[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    size_t n = strlen(message);
    while (n > 0 && (message[n - 1] == '\n' || message[n - 1] == '\r'))
        message[--n] = '\0';
    void (*fn)(enum ent_log_level, const char *) = log_handler;
    if (fn)
        fn(level, message);
    else
        fprintf(stderr, "entitled: %s\n", message);
}
