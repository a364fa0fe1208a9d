/* SPDX-License-Identifier: MIT */
/*
 * watchdog.h: the deadlines of the daemon's connections, kept by a thread of their own. Each
 * connection is in one phase at a time, and the phase says how long it may stay in it:
 *
 *   WAIT     between requests (accepted, or its last answer sent): its next request line must
 *            arrive within the timeout; sending part of one does not reset it;
 *   REQUEST  its request line came: the headers and body must arrive within the timeout of it;
 *   BUSY     the application has the request (handler running, or suspended): no deadline;
 *   SEND     its answer is being sent: closed once the client has taken none of it for the
 *            timeout.
 *
 * A connection past its deadline in WAIT or REQUEST that has bytes waiting unread in its
 * socket (its worker was busy) gets one more timeout, so what a client sent in time is read
 * rather than dropped as late; so does every connection whose deadline passed while the process
 * did not run (a SIGSTOP: the watchdog looks 250 ms late or more). The watchdog closes a connection
 * by shutting its socket down (shutdown(2)); the event loop then sees the end of the stream and
 * closes the connection itself. It knows nothing of HTTP: server.c tells it the phases.
 *
 * THREAD SAFETY: ent_watchdog_enter() may be called from any thread (it stores atomics);
 * adding, removing, draining and counting take the watchdog's mutex, which its thread holds
 * while it looks at the connections.
 */
#ifndef ENT_HTTP_WATCHDOG_H
#define ENT_HTTP_WATCHDOG_H

#include <stddef.h>
#include <stdint.h>

enum ent_watchdog_phase {
    ENT_WATCHDOG_WAIT,
    ENT_WATCHDOG_REQUEST,
    ENT_WATCHDOG_BUSY,
    ENT_WATCHDOG_SEND,
};

struct ent_watchdog;
struct ent_watchdog_conn;

/*
 * Starts the watchdog's thread; timeout_ns is the time each phase allows. OUT wd: the
 * watchdog, stopped with ent_watchdog_stop(). Errors: ENT_ENOMEM (memory, or no thread).
 */
int ent_watchdog_start(int64_t timeout_ns, struct ent_watchdog **wd);

/* Stops the thread and frees the watchdog; every connection must have been removed. */
void ent_watchdog_stop(struct ent_watchdog *wd);

/*
 * Watches the connected socket fd, in phase WAIT from now. Returns its handle, or NULL when out
 * of memory (the caller must then close the connection: nothing would time it out).
 */
struct ent_watchdog_conn *ent_watchdog_add(struct ent_watchdog *wd, int fd);

/* Stops watching a connection, before its socket is closed; frees c. */
void ent_watchdog_remove(struct ent_watchdog *wd, struct ent_watchdog_conn *c);

/* Puts a connection in a phase, whose time starts now. */
void ent_watchdog_enter(struct ent_watchdog_conn *c, enum ent_watchdog_phase phase);

/*
 * From now on, connections in phase WAIT with nothing waiting to be read are closed at once,
 * and those that come to it later as soon as the watchdog sees them (it looks at least every
 * 50 ms): for a graceful stop, with the listening socket closed.
 */
void ent_watchdog_drain(struct ent_watchdog *wd);

/* The number of connections watched. */
size_t ent_watchdog_count(struct ent_watchdog *wd);

/* Nanoseconds of the monotonic clock, the clock of the deadlines. */
int64_t ent_watchdog_now_ns(void);

#endif /* ENT_HTTP_WATCHDOG_H */
