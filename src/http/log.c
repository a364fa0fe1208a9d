/* SPDX-License-Identifier: MIT */
/*
 * log.c: the daemon's log (log.h). The request lines have two buffers: lines are appended to the
 * active one under the output's lock; the log's thread swaps it with the other and writes that one
 * without the lock, so a slow reader holds up the thread alone. A line that does not fit in the
 * active buffer is dropped and counted.
 */
#include "http/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/utc.h"

#define BUFFER_BYTES (512u * 1024u) /* per buffer; two per output */
#define FLUSH_NS 100000000LL        /* the longest a line waits in a buffer */
#define FIELD_MAX_BYTES 2048u       /* a longer string is cut: its first 2048 bytes are logged */
#define LINE_MAX_BYTES 32768u       /* more than any line of cut strings takes, escaped */

struct output {
    int fd;
    pthread_mutex_t lock;
    char *active, *spare; /* lines are appended to active; spare is written by the thread */
    size_t len;           /* bytes in active */
};

static struct {
    struct output out; /* the request lines, on standard output */
    enum ent_log_format format;
    pthread_t thread;
    pthread_mutex_t wake_lock;
    pthread_cond_t wake;
    bool running, quit;
    atomic_uint_fast64_t dropped;
    atomic_uint_fast64_t next_id;
    char id_prefix[13]; /* 12 hex digits, random per process */
} log_state = {
    .out = {.fd = STDOUT_FILENO, .lock = PTHREAD_MUTEX_INITIALIZER},
    .wake_lock = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
};

bool
ent_log_format_parse(const char *s, enum ent_log_format *out)
{
    static const struct {
        const char *name;
        enum ent_log_format format;
    } names[] = {{"json", ENT_LOG_JSON}, {"text", ENT_LOG_TEXT}, {"auto", ENT_LOG_AUTO}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(s, names[i].name) == 0) {
            *out = names[i].format;
            return true;
        }
    }
    return false;
}

const char *
ent_log_format_name(void)
{
    return log_state.format == ENT_LOG_TEXT ? "text" : "json";
}

/* Writes all of len bytes of p to fd, or as much as it takes before an error. */
static void
write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        p += n;
        len -= (size_t)n;
    }
}

/* Writes what o holds: swaps its buffers under the lock, writes without it. */
static void
flush_output(struct output *o)
{
    pthread_mutex_lock(&o->lock);
    char *full = o->active;
    size_t len = o->len;
    o->active = o->spare;
    o->spare = full;
    o->len = 0;
    pthread_mutex_unlock(&o->lock);
    if (len)
        write_all(o->fd, full, len);
}

static void *
log_thread(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&log_state.wake_lock);
    while (!log_state.quit) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += FLUSH_NS;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&log_state.wake, &log_state.wake_lock, &until);
        pthread_mutex_unlock(&log_state.wake_lock);
        flush_output(&log_state.out);
        pthread_mutex_lock(&log_state.wake_lock);
    }
    pthread_mutex_unlock(&log_state.wake_lock);
    return NULL;
}

int
ent_log_start(enum ent_log_format format)
{
    if (format == ENT_LOG_AUTO)
        format = isatty(STDOUT_FILENO) ? ENT_LOG_TEXT : ENT_LOG_JSON;
    log_state.format = format;
    uint8_t random[6] = {0};
    if (getrandom(random, sizeof(random), 0) != (ssize_t)sizeof(random))
        memset(random, 0, sizeof(random)); /* ids stay unique within the process */
    for (size_t i = 0; i < sizeof(random); i++)
        snprintf(log_state.id_prefix + 2 * i, 3, "%02x", random[i]);
    struct output *o = &log_state.out;
    o->active = ent_alloc(BUFFER_BYTES);
    o->spare = ent_alloc(BUFFER_BYTES);
    o->len = 0;
    if (!o->active || !o->spare) {
        ent_free(o->active);
        ent_free(o->spare);
        o->active = o->spare = NULL;
        return -1;
    }
    log_state.quit = false;
    if (pthread_create(&log_state.thread, NULL, log_thread, NULL) != 0)
        return -1;
    log_state.running = true;
    return 0;
}

void
ent_log_stop(void)
{
    if (!log_state.running)
        return;
    pthread_mutex_lock(&log_state.wake_lock);
    log_state.quit = true;
    pthread_cond_signal(&log_state.wake);
    pthread_mutex_unlock(&log_state.wake_lock);
    /* The thread may be stuck writing to an output nobody reads: the process does not wait on
     * it for more than 2 s (what it had not written is lost with it, as when it is killed). */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 2;
    if (pthread_timedjoin_np(log_state.thread, NULL, &until) != 0) {
        log_state.running = false;
        return;
    }
    struct output *o = &log_state.out;
    pthread_mutex_lock(&o->lock);
    log_state.running = false; /* under the lock: a later line is written at once (emit) */
    char *active = o->active, *spare = o->spare;
    size_t len = o->len;
    o->active = o->spare = NULL;
    o->len = 0;
    pthread_mutex_unlock(&o->lock);
    if (len)
        write_all(o->fd, active, len);
    ent_free(active);
    ent_free(spare);
}

/* Appends one request line, or writes it at once when the log's thread is not running. */
static void
emit(const char *line, size_t len)
{
    struct output *o = &log_state.out;
    pthread_mutex_lock(&o->lock);
    if (!o->active) {
        pthread_mutex_unlock(&o->lock);
        write_all(o->fd, line, len);
        return;
    }
    bool fits = o->len + len <= BUFFER_BYTES;
    if (fits) {
        memcpy(o->active + o->len, line, len);
        o->len += len;
    }
    bool half = o->len >= BUFFER_BYTES / 2;
    pthread_mutex_unlock(&o->lock);
    if (!fits)
        atomic_fetch_add(&log_state.dropped, 1);
    if (half && fits && len > 0) {
        pthread_mutex_lock(&log_state.wake_lock);
        pthread_cond_signal(&log_state.wake);
        pthread_mutex_unlock(&log_state.wake_lock);
    }
}

uint64_t
ent_log_dropped(void)
{
    return atomic_load(&log_state.dropped);
}

/* A line being built: bounded, cut when full. */
struct line {
    char text[LINE_MAX_BYTES];
    size_t len;
};

static void
put(struct line *l, const char *s, size_t n)
{
    size_t room = sizeof(l->text) - 1 - l->len; /* one byte kept for the newline */
    if (n > room)
        n = room;
    memcpy(l->text + l->len, s, n);
    l->len += n;
}

static void
puts_(struct line *l, const char *s)
{
    put(l, s, strlen(s));
}

/* Appends v in decimal. */
static void
put_number(struct line *l, uint64_t v)
{
    char digits[20];
    size_t n = 0;
    do {
        digits[sizeof(digits) - ++n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(l, digits + sizeof(digits) - n, n);
}

static void putf(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
putf(struct line *l, const char *fmt, ...)
{
    size_t room = sizeof(l->text) - 1 - l->len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(l->text + l->len, room + 1, fmt, ap);
    va_end(ap);
    if (n > 0)
        l->len += (size_t)n < room ? (size_t)n : room;
}

/* Appends s as the inside of a JSON string (quotes, backslashes and control bytes escaped). */
static void
put_json_text(struct line *l, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *end = (const unsigned char *)s + strnlen(s, FIELD_MAX_BYTES);
    for (const unsigned char *p = (const unsigned char *)s; p < end; p++) {
        const unsigned char *run = p;
        while (p < end && *p >= 0x20 && *p != 0x7f && *p != '"' && *p != '\\')
            p++;
        if (p > run)
            put(l, (const char *)run, (size_t)(p - run));
        if (p == end)
            break;
        if (*p == '"' || *p == '\\') {
            char esc[2] = {'\\', (char)*p};
            put(l, esc, 2);
        } else if (*p < 0x20 || *p == 0x7f) {
            char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
            put(l, esc, 6);
        } else {
            put(l, (const char *)p, 1);
        }
    }
}

/* Appends s for the text form: control bytes and spaces shown as '?' and '_', so a line stays
 * one line and its words stay words. */
static void
put_plain_text(struct line *l, const char *s)
{
    for (const char *p = s, *end = s + strnlen(s, FIELD_MAX_BYTES); p < end; p++) {
        char c = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p == ' ' ? '_' : *p;
        put(l, &c, 1);
    }
}

/* The time now as RFC 3339 with milliseconds ("2026-12-06T12:00:00.123Z"): 24 bytes and NUL.
 * The date and time of the second are kept per thread. */
static void
format_now(char out[25])
{
    static _Thread_local int64_t cached_s = -1;
    static _Thread_local char cached[21]; /* "2026-12-06T12:00:00." */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t s = (int64_t)ts.tv_sec;
    if (s != cached_s) {
        int64_t days = ent_utc_floor_div(s, 86400);
        int64_t secs = s - days * 86400;
        int64_t y;
        unsigned m, d;
        ent_utc_civil_from_days(days, &y, &m, &d);
        snprintf(cached, sizeof(cached), "%04d-%02u-%02uT%02d:%02d:%02d.", (int)y, m, d,
                 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
        cached_s = s;
    }
    memcpy(out, cached, 20);
    long ms = ts.tv_nsec / 1000000;
    out[20] = (char)('0' + ms / 100);
    out[21] = (char)('0' + ms / 10 % 10);
    out[22] = (char)('0' + ms % 10);
    out[23] = 'Z';
    out[24] = '\0';
}

static const char *
level_name(enum ent_log_level level)
{
    return level == ENT_LOG_ERROR ? "error" : level == ENT_LOG_WARN ? "warn" : "info";
}

/* Appends ,"name":"value" (JSON) or " name=value" (text) when value is set. */
static void
put_field(struct line *l, bool json, const char *name, const char *value)
{
    if (!value || !value[0])
        return;
    if (json) {
        put(l, ",\"", 2);
        puts_(l, name);
        put(l, "\":\"", 3);
        put_json_text(l, value);
        put(l, "\"", 1);
    } else {
        putf(l, " %s=", name);
        put_plain_text(l, value);
    }
}

static void
finish(struct line *l, bool json)
{
    if (json) {
        if (l->len > sizeof(l->text) - 3)
            l->len = sizeof(l->text) - 3; /* a cut line still ends its object */
        put(l, "}", 1);
    }
    l->text[l->len++] = '\n';
    emit(l->text, l->len);
}

void
ent_log_request(const struct ent_log_request *r)
{
    struct line l;
    l.len = 0;
    char now[25];
    format_now(now);
    bool json = log_state.format != ENT_LOG_TEXT;
    if (json) {
        put(&l, "{\"time\":\"", 9);
        put(&l, now, 24);
        put(&l, "\",\"level\":\"info\"", 16);
        put_field(&l, true, "request_id", r->request_id);
        put_field(&l, true, "method", r->method);
        put_field(&l, true, "route", r->route);
        put_field(&l, true, "path", r->path);
        put(&l, ",\"status\":", 10);
        put_number(&l, (uint64_t)(r->status > 0 ? r->status : 0));
        put(&l, ",\"duration_us\":", 15);
        put_number(&l, (uint64_t)(r->duration_us > 0 ? r->duration_us : 0));
        put(&l, ",\"bytes_in\":", 12);
        put_number(&l, r->bytes_in);
        put(&l, ",\"bytes_out\":", 13);
        put_number(&l, r->bytes_out);
        put_field(&l, true, "key", r->key_id);
        put_field(&l, true, "account", r->account);
        put_field(&l, true, "problem", r->problem);
    } else {
        putf(&l, "%s %s ", now, r->method ? r->method : "-");
        put_plain_text(&l, r->path ? r->path : "-");
        putf(&l, " %d %lldus in=%llu out=%llu", r->status, (long long)r->duration_us,
             (unsigned long long)r->bytes_in, (unsigned long long)r->bytes_out);
        put_field(&l, false, "route", r->route);
        put_field(&l, false, "id", r->request_id);
        put_field(&l, false, "key", r->key_id);
        put_field(&l, false, "account", r->account);
        put_field(&l, false, "problem", r->problem);
    }
    finish(&l, json);
}

void
ent_log_message(enum ent_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ent_log_vmessage(level, fmt, ap);
    va_end(ap);
}

void
ent_log_vmessage(enum ent_log_level level, const char *fmt, va_list ap)
{
    char msg[2048];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    struct line l;
    l.len = 0;
    char now[25];
    format_now(now);
    bool json = log_state.format != ENT_LOG_TEXT;
    if (json) {
        putf(&l, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":\"", now, level_name(level));
        put_json_text(&l, msg);
        put(&l, "\"", 1);
    } else {
        putf(&l, "%s %s entitled: ", now, level_name(level));
        for (char *p = msg; *p; p++) /* one line, whatever the message holds */
            if (*p == '\n' || *p == '\r')
                *p = ' ';
        puts_(&l, msg);
    }
    if (json) {
        if (l.len > sizeof(l.text) - 3)
            l.len = sizeof(l.text) - 3;
        put(&l, "}", 1);
    }
    l.text[l.len++] = '\n';
    write_all(STDERR_FILENO, l.text, l.len); /* at once: rare, and wanted before a crash */
}

void
ent_log_request_id(const char *given, char *out)
{
    static const char allowed[] = "-_.:/+=@";
    size_t n = 0;
    if (given) {
        for (; given[n] && n <= 128; n++) {
            char c = given[n];
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      strchr(allowed, c);
            if (!ok)
                break;
        }
        if (n > 0 && n <= 128 && given[n] == '\0') {
            memcpy(out, given, n + 1);
            return;
        }
    }
    static const char hex[] = "0123456789abcdef";
    uint64_t seq = atomic_fetch_add(&log_state.next_id, 1);
    memcpy(out, log_state.id_prefix[0] ? log_state.id_prefix : "000000000000", 12);
    for (int i = 23; i >= 12; i--, seq >>= 4)
        out[i] = hex[seq & 15];
    out[24] = '\0';
}
