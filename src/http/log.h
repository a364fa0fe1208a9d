/* SPDX-License-Identifier: MIT */
/*
 * log.h: the daemon's log. One line per request on standard output, and the daemon's own
 * messages (start, stop, errors) with a level on standard error, both in one format: JSON lines
 * (the default when the output is not a terminal) or a readable text form (the default on a
 * terminal); --log-format json|text chooses.
 *
 * Messages are rare and written at once (one write each, so that the last ones before a
 * crash are not lost). A request's line is copied into an in-memory buffer under a short lock
 * and written by the log's own thread, at least every 100 ms, at once when the buffer is half full,
 * and at ent_log_stop(): a request never waits on a slow pipe or disk. When the buffer is full (the
 * reader of the output does not keep up) the line is dropped and counted (ent_log_dropped(), in
 * /metrics). Before ent_log_start() and after ent_log_stop(), request lines are written at once.
 */
#ifndef ENT_HTTP_LOG_H
#define ENT_HTTP_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <entitled.h>

enum ent_log_format {
    ENT_LOG_AUTO = 0, /* JSON, or text when the output is a terminal */
    ENT_LOG_JSON,
    ENT_LOG_TEXT,
};

/* The levels are entitled.h's enum ent_log_level. */

/* Parses "json", "text" or "auto"; false for anything else. */
bool ent_log_format_parse(const char *s, enum ent_log_format *out);

/* The format in use ("json" or "text"). */
const char *ent_log_format_name(void);

/* Chooses the format (resolving AUTO on the outputs) and starts the log's thread. -1: no memory. */
int ent_log_start(enum ent_log_format format);

/* Writes what is buffered and stops the log's thread; later lines are written at once. */
void ent_log_stop(void);

/* One request, as the request log shows it. Strings may be NULL (left out). */
struct ent_log_request {
    const char *request_id;
    const char *method;
    const char *route; /* the route's template, "/v1/accounts/{account}" */
    const char *path;
    int status;
    int64_t duration_us;
    uint64_t bytes_in, bytes_out;
    const char *key_id;
    const char *account;
    const char *problem; /* the problem type of an error answer */
};

/* Logs one request (dropped and counted when the buffer is full). */
void ent_log_request(const struct ent_log_request *r);

/* Logs a daemon message at a level (printf format). */
void ent_log_message(enum ent_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* As ent_log_message, with a va_list (libmicrohttpd's own messages come through this). A
 * trailing newline is left out. */
void ent_log_vmessage(enum ent_log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Lines dropped so far because the buffer was full. */
uint64_t ent_log_dropped(void);

/*
 * A request id: the client's X-Request-Id when it is sane (1 to 128 characters among letters,
 * digits and "-_.:/+=@"), copied; else a new one, unique in this process and unlikely to repeat
 * across processes. out holds at least 129 bytes.
 */
void ent_log_request_id(const char *given, char *out);

#endif /* ENT_HTTP_LOG_H */
