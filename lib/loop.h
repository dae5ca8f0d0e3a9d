/*
 * loop.h - the event loop as the rest of the code sees it.
 *
 * Only loop.c (and the network layer in kdc/) include libevent.  Modules
 * that wait on sockets or time (LDAP, OCSP/CRL fetches) use these handles.
 */
#ifndef PKINIT_KDC_LOOP_H
#define PKINIT_KDC_LOOP_H

struct loop;
struct loop_io;
struct loop_timer;

#define LOOP_READ 0x02
#define LOOP_WRITE 0x04
#define LOOP_TIMEOUT 0x01

/* Create / free an event loop (one per worker). */
struct loop *loop_new(void);
void loop_free(struct loop *l);

/*
 * In a child after fork(): give the loop a kernel event queue of its own
 * (epoll is shared across fork) with every registered event re-added.
 * 0, or -1 on failure.
 */
int loop_reinit(struct loop *l);

/* The underlying struct event_base * for the network layer (kdc/). */
void *loop_event_base(struct loop *l);

/* Run until loop_break(); returns 0, or -1 on an internal error. */
int loop_run(struct loop *l);
void loop_break(struct loop *l);

typedef void (*loop_io_cb)(int fd, int what, void *arg);
typedef void (*loop_timer_cb)(void *arg);

/*
 * Watch fd for LOOP_READ and/or LOOP_WRITE (persistent until changed or
 * freed).  timeout_ms > 0 also fires the callback with LOOP_TIMEOUT when
 * nothing happened for that long.
 */
struct loop_io *loop_io_new(struct loop *l, int fd, int what, loop_io_cb cb,
    void *arg);
int loop_io_set(struct loop_io *io, int what, unsigned int timeout_ms);
void loop_io_free(struct loop_io *io);

/* One-shot timers; re-arming replaces the previous deadline. */
struct loop_timer *loop_timer_new(struct loop *l, loop_timer_cb cb, void *arg);
int loop_timer_arm(struct loop_timer *t, unsigned int ms);
void loop_timer_cancel(struct loop_timer *t);
void loop_timer_free(struct loop_timer *t);

#endif
