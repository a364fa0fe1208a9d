/* SPDX-License-Identifier: MIT */
/*
 * fuzz_framing.c: libFuzzer target for the request framing checks (http/framing.c). The input
 * is a request head as sent (request line, header lines, up to the blank line; one is added
 * when it has none). The target parses it in place the way libmicrohttpd 0.9.75 does (line
 * ends and each header's colon made NUL, names and values read as C strings, a folded line
 * appended to the header before it somewhere else in memory) and hands the result to
 * ent_framing_check_head(), as the daemon does. Heads libmicrohttpd refuses itself (no colon,
 * no or another protocol version) are skipped.
 *
 * Invariants: a target holding "%00", a blank or a control character is refused, and one
 * without is not by its own check; a head in which a NUL byte is followed, on the same line, by
 * any other byte (after the method) is refused; a head without a NUL byte or a folded line,
 * whose header names are tokens, with at most one of each header that may come once, Host when
 * it is HTTP/1.1, and no Transfer-Encoding but chunked, never with Content-Length, is accepted.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/framing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_HEADERS 64

/* A head parsed as libmicrohttpd does, and what the reference saw in its raw bytes. */
struct parsed {
    char *buf; /* the head, parsed in place */
    struct ent_framing_header headers[MAX_HEADERS];
    char *moved[MAX_HEADERS]; /* a folded header's name, moved elsewhere (as libmicrohttpd
                                 rebuilds it) */
    struct ent_framing_head head;
    const char *target_why; /* ent_framing_check_target() of the target */
    bool target_bad;        /* "%00", a blank or a control character in the target */
    bool hides_bytes;       /* a NUL followed by another byte on a line, after the method */
    bool has_nul;
    bool folded;
};

/* Stops the run with a message: an invariant does not hold (libFuzzer saves the input). */
static void
fail(const char *what, const char *why)
{
    fprintf(stderr, "fuzz_framing: %s (%s)\n", what, why ? why : "accepted");
    abort();
}

/* The next line at *pos (before end): zeroes its end (CR LF or LF) and moves past it; NULL
 * when no line end is left. OUT len: the line's length as sent. */
static char *
next_line(char **pos, char *end, size_t *len)
{
    char *line = *pos;
    for (char *p = line; p < end; p++) {
        if (*p == '\r' && p + 1 < end && p[1] == '\n') {
            *len = (size_t)(p - line);
            p[0] = p[1] = '\0';
            *pos = p + 2;
            return line;
        }
        if (*p == '\n') {
            *len = (size_t)(p - line);
            *p = '\0';
            *pos = p + 1;
            return line;
        }
    }
    return NULL;
}

/* True when line (len bytes as sent) has a NUL followed by another byte, from byte from. */
static bool
hides_bytes(const char *line, size_t len, size_t from)
{
    const char *nul = from < len ? memchr(line + from, '\0', len - from) : NULL;
    if (!nul)
        return false;
    for (const char *p = nul; p < line + len; p++) {
        if (*p)
            return true;
    }
    return false;
}

/* Parses the request line in place; false when libmicrohttpd would refuse it. */
static bool
parse_request_line(struct parsed *ps, char *line, size_t len)
{
    char *sp = memchr(line, ' ', len);
    if (!sp || sp == line)
        return false;
    ps->hides_bytes |= hides_bytes(line, len, (size_t)(sp + 1 - line));
    *sp = '\0';
    char *uri = sp + 1;
    while (uri < line + len && *uri == ' ')
        uri++;
    char *version = line + len;
    while (version > uri && version[-1] != ' ')
        version--;
    if (version <= uri + 1 || line + len - version != 8 ||
        (memcmp(version, "HTTP/1.1", 8) != 0 && memcmp(version, "HTTP/1.0", 8) != 0))
        return false;
    version[-1] = '\0';
    ps->head.target_end = uri + strlen(uri);
    ps->target_why = ent_framing_check_target(uri);
    ps->target_bad = strstr(uri, "%00") != NULL;
    for (const char *p = uri; *p; p++)
        ps->target_bad |= (unsigned char)*p < 0x21 || *p == 0x7f;
    ps->head.version = version;
    return true;
}

/* Parses the head of data into ps; false when libmicrohttpd would refuse it. */
static bool
parse(struct parsed *ps, const uint8_t *data, size_t size)
{
    ps->buf = malloc(size + 2);
    if (!ps->buf)
        abort();
    memcpy(ps->buf, data, size);
    memcpy(ps->buf + size, "\n\n", 2); /* a blank line, when the input has none */
    char *pos = ps->buf, *end = ps->buf + size + 2;
    ps->has_nul = memchr(data, '\0', size) != NULL;
    size_t len = 0;
    char *line = next_line(&pos, end, &len);
    if (!line || !parse_request_line(ps, line, len))
        return false;
    size_t n = 0;
    while ((line = next_line(&pos, end, &len))) {
        ps->hides_bytes |= hides_bytes(line, len, 0);
        if (!line[0])
            break; /* the blank line, or one that starts with a NUL: the head ends there */
        if (line[0] == ' ' || line[0] == '\t') { /* folded onto the header before */
            if (n == 0)
                return false;
            ps->folded = true;
            if (!ps->moved[n - 1]) {
                ps->moved[n - 1] = strdup(ps->headers[n - 1].name);
                if (!ps->moved[n - 1])
                    abort();
                ps->headers[n - 1].name = ps->moved[n - 1];
            }
            continue;
        }
        char *colon = strchr(line, ':');
        if (!colon || n == MAX_HEADERS)
            return false;
        *colon = '\0';
        char *value = colon + 1;
        while (*value == ' ' || *value == '\t')
            value++;
        ps->headers[n++] = (struct ent_framing_header){line, value};
    }
    if (!line)
        return false;
    ps->head.headers = ps->headers;
    ps->head.n_headers = n;
    ps->head.end = pos;
    return true;
}

/* The number of headers named name. OUT value: the last one's value. */
static unsigned
count(const struct parsed *ps, const char *name, const char **value)
{
    unsigned k = 0;
    for (size_t i = 0; i < ps->head.n_headers; i++) {
        if (strcasecmp(ps->headers[i].name, name) == 0) {
            k++;
            *value = ps->headers[i].value;
        }
    }
    return k;
}

/* True when every header name is a token (a reference apart from framing.c's). */
static bool
names_are_tokens(const struct parsed *ps)
{
    for (size_t i = 0; i < ps->head.n_headers; i++) {
        const char *name = ps->headers[i].name;
        if (!name[0] || strspn(name, "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz"
                                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(name))
            return false;
    }
    return true;
}

/* True when the head breaks none of the rules framing.h lists. */
static bool
well_framed(const struct parsed *ps)
{
    static const char *const once[] = {"Host", "Content-Length", "Authorization", "Content-Type",
                                       "Idempotency-Key"};
    const char *value = NULL, *te = NULL;
    for (size_t k = 0; k < sizeof(once) / sizeof(once[0]); k++) {
        if (count(ps, once[k], &value) > 1)
            return false;
    }
    unsigned te_count = count(ps, "Transfer-Encoding", &te);
    if (te_count > 1 || (te && strcasecmp(te, "chunked") != 0))
        return false;
    if (te && count(ps, "Content-Length", &value))
        return false;
    if (strcmp(ps->head.version, "HTTP/1.1") == 0 && !count(ps, "Host", &value))
        return false;
    return !ps->has_nul && !ps->folded && !ps->target_bad && names_are_tokens(ps);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct parsed ps = {0};
    if (parse(&ps, data, size)) {
        if (ps.target_bad != (ps.target_why != NULL))
            fail("the target's check disagrees with the reference", ps.target_why);
        const char *why = ps.target_why ? ps.target_why : ent_framing_check_head(&ps.head);
        if (ps.hides_bytes && !why)
            fail("a NUL byte hides bytes of a line, and the head was accepted", why);
        if (well_framed(&ps) && why)
            fail("a well-framed head was refused", why);
    }
    free(ps.buf);
    for (size_t i = 0; i < MAX_HEADERS; i++)
        free(ps.moved[i]);
    return 0;
}
