/* SPDX-License-Identifier: MIT */
/*
 * sse.h: OFREP's change streams (ADR 0008, issue 14): server-sent events that tell a web
 * provider to fetch an account's flags again. A thread of their own evaluates each stream's
 * account from memory a few times a second and, when the entity tag of its bulk answer changed,
 * sends {"type": "refetchEvaluation", "etag": …}: a change reaches the provider within about
 * 250 ms, whether it came from a write, a write through another daemon, or the clock (a window
 * that resets, a grant that starts or ends). An idle stream gets a comment every 15 s, which
 * also finds the streams whose client went away.
 *
 * THREAD SAFETY: the streams are guarded by one mutex; libmicrohttpd's threads read them, the
 * streams' thread writes them.
 */
#ifndef ENT_HTTP_SSE_H
#define ENT_HTTP_SSE_H

#include <microhttpd.h>

#include "http/watchdog.h"
#include <entitled.h>

struct ent_sse;

/* Starts the streams' thread for app. OUT s. Errors: ENT_ENOMEM (memory, or no thread). */
int ent_sse_start(struct ent_app *app, struct ent_sse **s);

/*
 * Ends every stream (their connections are resumed and their answers end), and every stream made
 * from now on at once: for a daemon that stops (SIGTERM), whose connections must all close.
 */
void ent_sse_drain(struct ent_sse *s);

/* Stops the thread and frees s, once libmicrohttpd stopped (every stream's answer is freed). */
void ent_sse_stop(struct ent_sse *s);

/*
 * The answer of one stream of account_id, whose flags the client holds with tag etag: a
 * text/event-stream without an end. conn and watch: its connection and its watchdog handle
 * (NULL: none). NULL when out of memory.
 */
struct MHD_Response *ent_sse_response(struct ent_sse *s, struct MHD_Connection *conn,
                                      struct ent_watchdog_conn *watch, const char *account_id,
                                      const char *etag);

#endif /* ENT_HTTP_SSE_H */
