/* SPDX-License-Identifier: MIT */
/*
 * framing.c: checks on how a request is framed, see framing.h. Pure: it reads the head that
 * libmicrohttpd left in its buffer and allocates nothing.
 */
#include "http/framing.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* The headers a request may carry once: each is read by name, and the first would win. */
static const char *const single_headers[] = {
    "Host",          "Content-Length", "Transfer-Encoding",
    "Authorization", "Content-Type",   "Idempotency-Key",
};
#define N_SINGLE (sizeof(single_headers) / sizeof(single_headers[0]))
enum { HOST, CONTENT_LENGTH, TRANSFER_ENCODING };

const char *
ent_framing_check_target(const char *target)
{
    if (strstr(target, "%00"))
        return "the request target holds %00 (a NUL byte)";
    for (const char *p = target; *p; p++) {
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return "the request target holds a blank or a control character";
    }
    return NULL;
}

/* The length of the string at s, which ends before end (end when it has no terminator). */
static size_t
span(const char *s, const char *end)
{
    const char *nul = memchr(s, '\0', (size_t)(end - s));
    return (size_t)((nul ? nul : end) - s);
}

/*
 * Moves *pos past the end of a line: its line end (CR LF or LF, one or two NULs now), and the
 * blank line after it when last (two to four NULs in all, and then the head's end). False when
 * the NULs there are not that.
 */
static bool
skip_line_end(const char **pos, const char *end, bool last)
{
    const char *start = *pos;
    while (*pos < end && **pos == '\0')
        (*pos)++;
    size_t nuls = (size_t)(*pos - start);
    if (last)
        return *pos == end && nuls >= 2 && nuls <= 4;
    return nuls >= 1 && nuls <= 2;
}

/*
 * True when every byte of the head from its version to its end belongs to the version, a
 * header's name or value, the blanks after a colon, or a line end: no NUL byte hides anything.
 */
static bool
head_is_whole(const struct ent_framing_head *h)
{
    const char *pos = h->version;
    if (pos >= h->end || pos != h->target_end + 1)
        return false;
    pos += span(pos, h->end);
    if (!skip_line_end(&pos, h->end, h->n_headers == 0))
        return false;
    for (size_t i = 0; i < h->n_headers; i++) {
        const struct ent_framing_header *hd = &h->headers[i];
        if (hd->name != pos || pos >= h->end)
            return false;
        pos += span(pos, h->end);
        if (pos == h->end)
            return false;
        pos++; /* the colon, made NUL */
        while (pos < h->end && (*pos == ' ' || *pos == '\t'))
            pos++;
        if (hd->value != pos || pos > h->end)
            return false;
        pos += span(pos, h->end);
        if (!skip_line_end(&pos, h->end, i + 1 == h->n_headers))
            return false;
    }
    return true;
}

/* True when name is a token (RFC 9110, 5.1 and 5.6.2). */
static bool
is_token(const char *name)
{
    static const char specials[] = "!#$%&'*+-.^_`|~";
    if (!*name)
        return false;
    for (const char *p = name; *p; p++) {
        unsigned char c = (unsigned char)*p;
        bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && !strchr(specials, c))
            return false;
    }
    return true;
}

const char *
ent_framing_check_head(const struct ent_framing_head *h)
{
    if (!h->target_end || !h->version[0])
        return "the request line has no target or no protocol version";
    if (!head_is_whole(h))
        return "the request head holds a NUL byte or a folded header line";
    unsigned seen[N_SINGLE] = {0};
    const char *transfer_encoding = NULL;
    for (size_t i = 0; i < h->n_headers; i++) {
        const char *name = h->headers[i].name;
        if (!is_token(name))
            return "a header name holds a character that is not allowed (a blank before "
                   "the colon?)";
        for (size_t k = 0; k < N_SINGLE; k++) {
            if (strcasecmp(name, single_headers[k]) != 0)
                continue;
            if (++seen[k] > 1)
                return "a header that may come once came twice (Host, Content-Length, "
                       "Transfer-Encoding, Authorization, Content-Type or Idempotency-Key)";
            if (k == TRANSFER_ENCODING)
                transfer_encoding = h->headers[i].value;
        }
    }
    if (!seen[HOST] && strcmp(h->version, "HTTP/1.1") == 0)
        return "an HTTP/1.1 request needs a Host header";
    if (transfer_encoding && seen[CONTENT_LENGTH])
        return "a request may not have both Content-Length and Transfer-Encoding";
    if (transfer_encoding && strcasecmp(transfer_encoding, "chunked") != 0)
        return "the only transfer coding taken is chunked";
    return NULL;
}
