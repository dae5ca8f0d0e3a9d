/*
 * net_tcp.c - Kerberos over TCP (RFC 4120 section 7.2.2).
 *
 * One bufferevent per connection; tcp_frame.c cuts the stream into
 * messages.  Requests on a connection are handled strictly in order: while
 * one is with the pipeline, reading stops, so a client cannot queue work
 * and the input buffer stays bounded.  Reading also pauses while more than
 * TCP_OUT_PAUSE octets of replies wait to be sent, and a connection whose
 * unsent output would pass TCP_OUT_MAX is dropped.
 *
 * Framing errors (reserved bit, length above kdc_max_tcp_message_size) are
 * answered with KRB_ERR_FIELD_TOOLONG and the connection is closed once
 * that reply is flushed, as section 7.2.2 asks.
 *
 * Connection limit: when kdc_max_tcp_connections are open, a new
 * connection evicts the least recently active connection that has no
 * request in flight; if every connection is busy the new one is closed.
 * This keeps idle or slow clients from locking out real ones.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "dispatch.h"
#include "log.h"
#include "metrics.h"
#include "net_int.h"
#include "tcp_frame.h"

#define TCP_READ_CHUNK 16384
#define TCP_IN_HIGH (64 * 1024)
#define TCP_OUT_PAUSE (64 * 1024)
#define TCP_OUT_MAX (1024 * 1024)
#define TCP_ACCEPT_BATCH 16

struct tcp_conn {
	struct net *net;
	struct bufferevent *bev;
	struct event *resume;        /* continue after an asynchronous reply */
	struct tcp_frame fr;
	struct kdc_req_handle *pending;
	int awaiting;                /* dispatched, reply not yet received */
	int in_dispatch;             /* inside dispatch_request() */
	int closing;                 /* close once output is flushed */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	char name[80];
	TAILQ_ENTRY(tcp_conn) link;
};

static void
conn_free(struct tcp_conn *c)
{
	struct net *n = c->net;

	if (c->pending != NULL) {
		dispatch_cancel(c->pending);
		c->pending = NULL;
	}
	TAILQ_REMOVE(&n->conns, c, link);
	n->n_conns--;
	metrics_gauge_add("tcp_connections", -1);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	if (c->resume != NULL)
		event_free(c->resume);
	tcp_frame_clear(&c->fr);
	free(c);
}

static size_t
out_len(const struct tcp_conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev));
}

/* Close now if nothing is left to send, else after the flush.  Returns 1
 * when c was freed. */
static int
conn_close_soon(struct tcp_conn *c)
{
	c->closing = 1;
	bufferevent_disable(c->bev, EV_READ);
	if (out_len(c) == 0 && !c->awaiting) {
		conn_free(c);
		return 1;
	}
	return 0;
}

static void
tcp_reply(void *arg, const uint8_t *der, size_t len)
{
	struct tcp_conn *c = arg;
	uint8_t prefix[TCP_FRAME_PREFIX_LEN];

	c->awaiting = 0;
	c->pending = NULL;
	if (der == NULL) {
		c->closing = 1;
	} else if (len >= TCP_FRAME_RESERVED_BIT ||
	    out_len(c) + len + sizeof(prefix) > TCP_OUT_MAX) {
		log_msg(LOG_LVL_WARNING, "tcp %s: %zu octets of output pending; "
		    "closing", c->name, out_len(c) + len);
		c->closing = 1;
	} else {
		tcp_frame_put_prefix(prefix, (uint32_t)len);
		if (bufferevent_write(c->bev, prefix, sizeof(prefix)) != 0 ||
		    bufferevent_write(c->bev, der, len) != 0)
			c->closing = 1;
	}
	if (c->net->stopping)
		c->closing = 1;
	if (!c->in_dispatch)
		event_active(c->resume, EV_TIMEOUT, 0);
}

static void
conn_src(const struct tcp_conn *c, struct dispatch_src *src)
{
	memset(src, 0, sizeof(*src));
	src->proto = "tcp";
	src->peer = (const struct sockaddr *)&c->peer;
	src->peer_len = c->peer_len;
	src->stream = 1;
	src->max_reply = 0;
}

/* Answer a framing error with FIELD_TOOLONG and close (RFC 4120 7.2.2). */
static int
conn_frame_error(struct tcp_conn *c, enum tcp_frame_status st)
{
	struct dispatch_src src;

	conn_src(c, &src);
	c->awaiting = 1;
	c->in_dispatch = 1;
	dispatch_reject(c->net->srv, &src, KRB_ERR_FIELD_TOOLONG,
	    st == TCP_FRAME_ERR_RESERVED ? "reserved length bit set" :
	    "request too long", tcp_frame_status_str(st), tcp_reply, c);
	c->in_dispatch = 0;
	return conn_close_soon(c);
}

static void
conn_set_idle_timer(struct tcp_conn *c, int on)
{
	struct timeval tv;
	unsigned int ms = c->net->lim.tcp_idle_ms;

	if (!on || ms == 0) {
		bufferevent_set_timeouts(c->bev, NULL, NULL);
		return;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	bufferevent_set_timeouts(c->bev, &tv, &tv);
}

/*
 * Feed buffered input to the framer and dispatch complete messages until
 * one is parked, input runs out, or output backs up.  Returns 1 if c was
 * freed.
 */
static int
conn_process(struct tcp_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct dispatch_src src;
	struct kdc_req_handle *h;
	enum tcp_frame_status st;
	const uint8_t *msg;
	uint8_t *p;
	size_t avail, chunk, used, mlen;

	while (!c->closing && !c->awaiting) {
		if (out_len(c) > TCP_OUT_PAUSE) {
			/* The write callback resumes us once it drained. */
			bufferevent_disable(c->bev, EV_READ);
			return 0;
		}
		avail = evbuffer_get_length(in);
		if (avail == 0)
			break;
		chunk = avail < TCP_READ_CHUNK ? avail : TCP_READ_CHUNK;
		p = evbuffer_pullup(in, (ev_ssize_t)chunk);
		if (p == NULL)
			return conn_close_soon(c);
		st = tcp_frame_feed(&c->fr, p, chunk, &used);
		evbuffer_drain(in, used);
		if (st == TCP_FRAME_NEED_MORE)
			continue;
		if (st != TCP_FRAME_MESSAGE)
			return conn_frame_error(c, st);
		tcp_frame_message(&c->fr, &msg, &mlen);
		conn_src(c, &src);
		c->awaiting = 1;
		c->in_dispatch = 1;
		h = dispatch_request(c->net->srv, msg, mlen, &src, tcp_reply, c);
		c->in_dispatch = 0;
		tcp_frame_next(&c->fr);
		if (c->awaiting)
			c->pending = h;
	}
	if (c->closing)
		return conn_close_soon(c);
	/* Keep reading while a request is parked so a client that goes
	 * away is noticed (EOF) and its request cancelled; what it sends
	 * meanwhile waits in the input buffer (TCP_IN_HIGH at most).  The
	 * idle timer only runs while nothing is in flight. */
	conn_set_idle_timer(c, !c->awaiting);
	bufferevent_enable(c->bev, EV_READ);
	return 0;
}

static void
conn_touch(struct tcp_conn *c)
{
	TAILQ_REMOVE(&c->net->conns, c, link);
	TAILQ_INSERT_TAIL(&c->net->conns, c, link);
}

static void
conn_readable(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *c = arg;

	(void)bev;
	conn_touch(c);
	(void)conn_process(c);
}

static void
conn_writable(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *c = arg;

	(void)bev;
	/* Called when the output buffer drained. */
	if (c->closing) {
		if (!c->awaiting)
			conn_free(c);
		return;
	}
	(void)conn_process(c);
}

static void
conn_resume(evutil_socket_t fd, short what, void *arg)
{
	struct tcp_conn *c = arg;

	(void)fd;
	(void)what;
	if (c->closing) {
		(void)conn_close_soon(c);
		return;
	}
	(void)conn_process(c);
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct tcp_conn *c = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT) {
		log_msg(LOG_LVL_DEBUG, "tcp %s: idle timeout", c->name);
		conn_free(c);
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		log_msg(LOG_LVL_DEBUG, "tcp %s: %s", c->name,
		    strerror(EVUTIL_SOCKET_ERROR()));
		conn_free(c);
		return;
	}
	if (what & BEV_EVENT_EOF) {
		if (tcp_frame_eof(&c->fr) == TCP_FRAME_ERR_TRUNCATED)
			log_msg(LOG_LVL_INFO, "tcp %s: closed inside a "
			    "message", c->name);
		/* The peer will not send more; a parked request has nobody
		 * to answer any more.  Flush what is already queued. */
		if (c->pending != NULL) {
			dispatch_cancel(c->pending);
			c->pending = NULL;
			c->awaiting = 0;
		}
		(void)conn_close_soon(c);
	}
}

/* Make room under the connection limit; 0 if there is room now. */
static int
make_room(struct net *n)
{
	struct tcp_conn *c;

	if (n->lim.max_tcp_conns == 0 || n->n_conns < n->lim.max_tcp_conns)
		return 0;
	TAILQ_FOREACH(c, &n->conns, link) {
		if (!c->awaiting) {
			log_msg(LOG_LVL_INFO, "tcp connection limit (%u) "
			    "reached: closing least recently active %s",
			    n->lim.max_tcp_conns, c->name);
			conn_free(c);
			return 0;
		}
	}
	return -1;
}

static void
conn_new(struct net_listener *l, int fd, const struct sockaddr_storage *ss,
    socklen_t sl)
{
	struct net *n = l->net;
	struct tcp_conn *c;

	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(fd);
		return;
	}
	c->net = n;
	memcpy(&c->peer, ss, sl);
	c->peer_len = sl;
	net_addr_str((const struct sockaddr *)ss, sl, c->name, sizeof(c->name));
	tcp_frame_init(&c->fr, n->lim.max_tcp_message);
	c->bev = bufferevent_socket_new(n->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return;
	}
	c->resume = event_new(n->base, -1, 0, conn_resume, c);
	TAILQ_INSERT_TAIL(&n->conns, c, link);
	n->n_conns++;
	metrics_gauge_add("tcp_connections", 1);
	metrics_counter_add("tcp_connections_accepted_total", 1);
	if (c->resume == NULL) {
		conn_free(c);
		return;
	}
	bufferevent_setcb(c->bev, conn_readable, conn_writable, conn_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, TCP_IN_HIGH);
	conn_set_idle_timer(c, 1);
	bufferevent_enable(c->bev, EV_READ);
}

static void
tcp_acceptable(evutil_socket_t lfd, short what, void *arg)
{
	struct net_listener *l = arg;
	struct sockaddr_storage ss;
	socklen_t sl;
	char name[80];
	int i, fd;

	(void)what;
	for (i = 0; i < TCP_ACCEPT_BATCH && !l->closed; i++) {
		sl = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				log_msg(LOG_LVL_WARNING, "accept on %s: %s",
				    l->name, strerror(errno));
			return;
		}
		if (make_room(l->net) != 0) {
			net_addr_str((struct sockaddr *)&ss, sl, name,
			    sizeof(name));
			log_msg(LOG_LVL_WARNING, "tcp connection limit (%u) "
			    "reached, all busy: refusing %s",
			    l->net->lim.max_tcp_conns, name);
			close(fd);
			continue;
		}
		conn_new(l, fd, &ss, sl);
	}
}

int
tcp_listener_start(struct net_listener *l)
{
	l->ev = event_new(l->net->base, l->fd, EV_READ | EV_PERSIST,
	    tcp_acceptable, l);
	if (l->ev == NULL)
		return -1;
	return event_add(l->ev, NULL);
}

void
tcp_listener_stop(struct net_listener *l)
{
	/* Release the port at once so a reload can rebind it elsewhere. */
	if (l->ev != NULL)
		event_del(l->ev);
	if (l->fd >= 0) {
		close(l->fd);
		l->fd = -1;
	}
}

void
tcp_close_all(struct net *n, int idle_only)
{
	struct tcp_conn *c, *next;

	for (c = TAILQ_FIRST(&n->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, link);
		if (!idle_only)
			conn_free(c);
		else if (!c->awaiting)
			(void)conn_close_soon(c);
	}
}

size_t
tcp_busy(const struct net *n)
{
	const struct tcp_conn *c;
	size_t busy = 0;

	TAILQ_FOREACH(c, &n->conns, link)
		if (c->awaiting || out_len(c) > 0)
			busy++;
	return busy;
}
