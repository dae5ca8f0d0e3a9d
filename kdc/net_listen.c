/*
 * net_listen.c - the set of bound UDP/TCP sockets and its two-phase
 * replacement on reload.
 *
 * Sockets are non-blocking and close-on-exec; TCP ones use SO_REUSEADDR.  IPv6
 * sockets set IPV6_V6ONLY so "0.0.0.0" and "::" can both be listed without
 * the second bind failing on a dual-stack host.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "net_int.h"
#include "loop.h"

void
net_addr_str(const struct sockaddr *sa, socklen_t len, char *out,
    size_t outlen)
{
	char host[INET6_ADDRSTRLEN + 16], port[8];

	if (getnameinfo(sa, len, host, sizeof(host), port, sizeof(port),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(out, outlen, "unknown");
		return;
	}
	if (sa->sa_family == AF_INET6)
		snprintf(out, outlen, "[%s]:%s", host, port);
	else
		snprintf(out, outlen, "%s:%s", host, port);
}

struct net *
net_new(struct loop *loop, struct kdc_server *srv, const struct net_limits *lim)
{
	struct net *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return NULL;
	n->dgram = malloc(NET_DGRAM_MAX);
	if (n->dgram == NULL) {
		free(n);
		return NULL;
	}
	n->base = loop_event_base(loop);
	n->srv = srv;
	n->lim = *lim;
	TAILQ_INIT(&n->conns);
	return n;
}

void
net_set_limits(struct net *n, const struct net_limits *lim)
{
	n->lim = *lim;
}

static void
listener_close(struct net_listener *l)
{
	if (l->closed)
		return;
	l->closed = 1;
	if (l->type == SOCK_DGRAM)
		udp_listener_stop(l);
	else
		tcp_listener_stop(l);
	log_msg(LOG_LVL_INFO, "stopped listening on %s/%s", l->name,
	    l->type == SOCK_DGRAM ? "udp" : "tcp");
	net_listener_unref(l);
}

/* refs counts the listener set plus every UDP request still to be
 * answered from this socket; the last one frees it. */
void
net_listener_unref(struct net_listener *l)
{
	if (l->refs > 1) {
		l->refs--;
		return;
	}
	if (l->ev != NULL)
		event_free(l->ev);
	if (l->fd >= 0)
		close(l->fd);
	free(l);
}

static int
same_addr(const struct net_listener *l, int type, const struct net_addr *a)
{
	return l->type == type && l->addr.len == a->len &&
	    memcmp(&l->addr.ss, &a->ss, a->len) == 0;
}

static int
open_socket(struct net_listener *l, struct kerr *e)
{
	int one = 1, fd;
	int family = l->addr.ss.ss_family;

	fd = socket(family, l->type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return kerr_set(e, KRB_ERR_GENERIC, "%s: socket: %s", l->name,
		    strerror(errno)), -1;
	/* SO_REUSEADDR on TCP only: it lets a restarted daemon bind while
	 * old connections sit in TIME_WAIT.  On Linux UDP it would let two
	 * processes bind the same port and split the traffic silently. */
	if (l->type == SOCK_STREAM && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR,
	    &one, sizeof(one)) != 0)
		goto fail;
	/* With worker processes the inherited listeners are shared; one a
	 * reload adds is bound by each worker, which needs SO_REUSEPORT on
	 * every socket of the address (the kernel then balances them). */
	if (l->net->lim.reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT,
	    &one, sizeof(one)) != 0)
		goto fail;
	if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
	    &one, sizeof(one)) != 0)
		goto fail;
	/* Learn each datagram's destination address so replies leave from
	 * it even on a wildcard bind (multi-homed hosts). */
	if (l->type == SOCK_DGRAM && family == AF_INET &&
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) != 0)
		goto fail;
	if (l->type == SOCK_DGRAM && family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
	    sizeof(one)) != 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&l->addr.ss, l->addr.len) != 0)
		goto fail;
	if (l->type == SOCK_STREAM && listen(fd, l->net->lim.tcp_backlog > 0 ?
	    l->net->lim.tcp_backlog : 128) != 0)
		goto fail;
	l->fd = fd;
	return 0;
fail:
	kerr_set(e, KRB_ERR_GENERIC, "cannot listen on %s/%s: %s", l->name,
	    l->type == SOCK_DGRAM ? "udp" : "tcp", strerror(errno));
	close(fd);
	return -1;
}

static struct net_listener *
listener_open(struct net *n, int type, const struct net_addr *a,
    struct kerr *e)
{
	struct net_listener *l = calloc(1, sizeof(*l));

	if (l == NULL) {
		kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		return NULL;
	}
	l->net = n;
	l->type = type;
	l->addr = *a;
	l->fd = -1;
	l->refs = 1;
	net_addr_str((const struct sockaddr *)&a->ss, a->len, l->name,
	    sizeof(l->name));
	if (open_socket(l, e) != 0)
		goto fail;
	if ((type == SOCK_DGRAM ? udp_listener_start(l) :
	    tcp_listener_start(l)) != 0) {
		kerr_set(e, KRB_ERR_GENERIC, "%s: cannot register with the "
		    "event loop", l->name);
		goto fail;
	}
	return l;
fail:
	if (l->fd >= 0)
		close(l->fd);
	if (l->ev != NULL)
		event_free(l->ev);
	free(l);
	return NULL;
}

static int
set_push(struct listener_set *s, struct net_listener *l)
{
	struct net_listener **v;

	v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	s->v = v;
	s->v[s->n++] = l;
	return 0;
}

static struct net_listener *
set_find(const struct listener_set *s, int type, const struct net_addr *a)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (same_addr(s->v[i], type, a))
			return s->v[i];
	return NULL;
}

static int
stage(struct net *n, int type, const struct net_addr *addrs, size_t count,
    struct kerr *e)
{
	struct net_listener *l;
	size_t i;

	for (i = 0; i < count; i++) {
		if (set_find(&n->staged, type, &addrs[i]) != NULL)
			continue; /* listed twice */
		l = set_find(&n->active, type, &addrs[i]);
		if (l == NULL) {
			l = listener_open(n, type, &addrs[i], e);
			if (l == NULL)
				return -1;
		}
		if (set_push(&n->staged, l) != 0) {
			if (set_find(&n->active, type, &addrs[i]) != l)
				listener_close(l);
			return kerr_set(e, KRB_ERR_GENERIC, "out of memory"), -1;
		}
	}
	return 0;
}

int
net_prepare(struct net *n, const struct net_addr *udp, size_t n_udp,
    const struct net_addr *tcp, size_t n_tcp, struct kerr *e)
{
	net_abort(n);
	n->have_staged = 1;
	if (stage(n, SOCK_DGRAM, udp, n_udp, e) != 0 ||
	    stage(n, SOCK_STREAM, tcp, n_tcp, e) != 0) {
		net_abort(n);
		return -1;
	}
	return 0;
}

void
net_commit(struct net *n)
{
	size_t i;

	if (!n->have_staged)
		return;
	for (i = 0; i < n->staged.n; i++)
		if (set_find(&n->active, n->staged.v[i]->type,
		    &n->staged.v[i]->addr) == NULL)
			log_msg(LOG_LVL_INFO, "listening on %s/%s",
			    n->staged.v[i]->name,
			    n->staged.v[i]->type == SOCK_DGRAM ? "udp" : "tcp");
	for (i = 0; i < n->active.n; i++)
		if (set_find(&n->staged, n->active.v[i]->type,
		    &n->active.v[i]->addr) == NULL)
			listener_close(n->active.v[i]);
	free(n->active.v);
	n->active = n->staged;
	n->staged.v = NULL;
	n->staged.n = 0;
	n->have_staged = 0;
}

void
net_abort(struct net *n)
{
	size_t i;

	for (i = 0; i < n->staged.n; i++)
		if (set_find(&n->active, n->staged.v[i]->type,
		    &n->staged.v[i]->addr) == NULL) {
			/* Opened for this attempt only: close quietly. */
			n->staged.v[i]->closed = 1;
			if (n->staged.v[i]->type == SOCK_DGRAM)
				udp_listener_stop(n->staged.v[i]);
			else
				tcp_listener_stop(n->staged.v[i]);
			net_listener_unref(n->staged.v[i]);
		}
	free(n->staged.v);
	n->staged.v = NULL;
	n->staged.n = 0;
	n->have_staged = 0;
}

void
net_stop_accepting(struct net *n)
{
	size_t i;

	n->stopping = 1;
	net_abort(n);
	for (i = 0; i < n->active.n; i++) {
		if (n->active.v[i]->type == SOCK_DGRAM) {
			/* Keep the socket for replies still to come. */
			if (n->active.v[i]->ev != NULL)
				event_del(n->active.v[i]->ev);
		} else {
			listener_close(n->active.v[i]);
			n->active.v[i] = NULL;
		}
	}
	/* Compact: only UDP sockets remain. */
	{
		size_t j = 0;

		for (i = 0; i < n->active.n; i++)
			if (n->active.v[i] != NULL)
				n->active.v[j++] = n->active.v[i];
		n->active.n = j;
	}
	tcp_close_all(n, 1);
}

size_t
net_busy(const struct net *n)
{
	return tcp_busy(n);
}

size_t
net_tcp_count(const struct net *n)
{
	return n->n_conns;
}

void
net_free(struct net *n)
{
	size_t i;

	if (n == NULL)
		return;
	net_abort(n);
	tcp_close_all(n, 0);
	for (i = 0; i < n->active.n; i++) {
		n->active.v[i]->closed = 1;
		if (n->active.v[i]->type == SOCK_DGRAM)
			udp_listener_stop(n->active.v[i]);
		else
			tcp_listener_stop(n->active.v[i]);
		/* Pending requests were finished before (server_free aborts
		 * them first), so this is the last reference. */
		net_listener_unref(n->active.v[i]);
	}
	free(n->active.v);
	free(n->dgram);
	free(n);
}
