/* SPDX-License-Identifier: MIT */
/*
 * framing.h: the checks on how a request is framed that libmicrohttpd 0.9.75 (Debian 12's)
 * does not make, so that no request reads one way to a lenient proxy in front and another way
 * here (request smuggling). A request that fails one is answered 400 and its connection closed.
 *
 * libmicrohttpd parses the request head in place in its read buffer: each line end becomes one
 * or two NUL bytes (CR LF, or a bare LF), the separators of the request line and each header's
 * colon become NUL, and the names and values it hands out point into that buffer. It reads
 * each name and value as a C string, so a NUL byte sent inside one hides what follows it
 * (`Bearer <key>\0junk` reads as `Bearer <key>`). The head as a whole is still in the buffer,
 * which is how these checks see such bytes: walking the head from its first header to its end,
 * every byte must belong to a name, a value, the blanks after a colon or a line end.
 */
#ifndef ENT_HTTP_FRAMING_H
#define ENT_HTTP_FRAMING_H

#include <stddef.h>

/* One header line as libmicrohttpd handed it out. */
struct ent_framing_header {
    const char *name;
    const char *value;
};

/* A request head as libmicrohttpd left it in its buffer. */
struct ent_framing_head {
    const char *target_end; /* the end of the request target, as sent (found when the request
                               line came, before libmicrohttpd decoded the target in place); a NUL
                               byte sent in the target ends it early */
    const char *version;    /* the protocol version, in the buffer one past target_end
                               ("HTTP/1.1"); "" (anywhere) when the line had none */
    const struct ent_framing_header *headers; /* in the order received */
    size_t n_headers;
    const char *end; /* one past the blank line that ends the head */
};

/*
 * Checks a request target as sent, before it is decoded: NULL when it may be served, else why
 * not (a sentence for the 400). Refused: "%00", which would decode to a NUL byte and end the
 * path or a query argument there (`/v1/features/ev%00junk` would read as `ev`); a blank or a
 * control character (libmicrohttpd takes `GET /a b HTTP/1.1` as the target `/a b`).
 */
const char *ent_framing_check_target(const char *target);

/*
 * Checks a request head: NULL when it is well framed, else why not (a sentence for the 400).
 * Refused: a NUL byte in the request target or in a header line, or a line folded onto the one
 * before (obs-fold); a header name that is not a token (a blank before the colon:
 * `Transfer-Encoding : chunked`); a second Host, Content-Length, Transfer-Encoding,
 * Authorization, Content-Type or Idempotency-Key (whatever their values); HTTP/1.1 without
 * Host; Content-Length with Transfer-Encoding; a Transfer-Encoding other than chunked.
 */
const char *ent_framing_check_head(const struct ent_framing_head *head);

#endif /* ENT_HTTP_FRAMING_H */
