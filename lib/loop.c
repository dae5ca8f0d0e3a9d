/*
 * loop.c - event loop handles over libevent.
 */
#include "config.h"

#include <stdlib.h>

#include <event2/event.h>

#include "loop.h"

struct loop {
	struct event_base *base;
};

struct loop_io {
	struct loop *loop;
	struct event *ev;
	int fd;
	loop_io_cb cb;
	void *arg;
};

struct loop_timer {
	struct event *ev;
	loop_timer_cb cb;
	void *arg;
};

struct loop *
loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->base = event_base_new();
	if (l->base == NULL) {
		free(l);
		return NULL;
	}
	return l;
}

void
loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	event_base_free(l->base);
	free(l);
}

int
loop_reinit(struct loop *l)
{
	return event_reinit(l->base) == 0 ? 0 : -1;
}

void *
loop_event_base(struct loop *l)
{
	return l->base;
}

int
loop_run(struct loop *l)
{
	return event_base_dispatch(l->base) < 0 ? -1 : 0;
}

void
loop_break(struct loop *l)
{
	event_base_loopbreak(l->base);
}

static void
io_trampoline(evutil_socket_t fd, short what, void *arg)
{
	struct loop_io *io = arg;
	int w = 0;

	if (what & EV_READ)
		w |= LOOP_READ;
	if (what & EV_WRITE)
		w |= LOOP_WRITE;
	if (what & EV_TIMEOUT)
		w |= LOOP_TIMEOUT;
	io->cb((int)fd, w, io->arg);
}

struct loop_io *
loop_io_new(struct loop *l, int fd, int what, loop_io_cb cb, void *arg)
{
	struct loop_io *io = calloc(1, sizeof(*io));

	if (io == NULL)
		return NULL;
	io->loop = l;
	io->fd = fd;
	io->cb = cb;
	io->arg = arg;
	if (loop_io_set(io, what, 0) != 0) {
		loop_io_free(io);
		return NULL;
	}
	return io;
}

int
loop_io_set(struct loop_io *io, int what, unsigned int timeout_ms)
{
	short ev = EV_PERSIST;
	struct timeval tv;

	if (io->ev != NULL) {
		event_free(io->ev);
		io->ev = NULL;
	}
	if (what & LOOP_READ)
		ev |= EV_READ;
	if (what & LOOP_WRITE)
		ev |= EV_WRITE;
	if (what == 0 && timeout_ms == 0)
		return 0;
	io->ev = event_new(io->loop->base, io->fd, ev, io_trampoline, io);
	if (io->ev == NULL)
		return -1;
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	return event_add(io->ev, timeout_ms ? &tv : NULL);
}

void
loop_io_free(struct loop_io *io)
{
	if (io == NULL)
		return;
	if (io->ev != NULL)
		event_free(io->ev);
	free(io);
}

static void
timer_trampoline(evutil_socket_t fd, short what, void *arg)
{
	struct loop_timer *t = arg;

	(void)fd;
	(void)what;
	t->cb(t->arg);
}

struct loop_timer *
loop_timer_new(struct loop *l, loop_timer_cb cb, void *arg)
{
	struct loop_timer *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->cb = cb;
	t->arg = arg;
	t->ev = evtimer_new(l->base, timer_trampoline, t);
	if (t->ev == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

int
loop_timer_arm(struct loop_timer *t, unsigned int ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return evtimer_add(t->ev, &tv);
}

void
loop_timer_cancel(struct loop_timer *t)
{
	if (t != NULL)
		evtimer_del(t->ev);
}

void
loop_timer_free(struct loop_timer *t)
{
	if (t == NULL)
		return;
	event_free(t->ev);
	free(t);
}
