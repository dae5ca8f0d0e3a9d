/*
 * net.h - the KDC's UDP and TCP listeners and connections.
 *
 * The network layer owns sockets and framing only; every complete message
 * goes to dispatch_request() (dispatch.h).  Listener sets change in two
 * phases so a reload can open the new addresses before the old ones are
 * closed, and back out cleanly if one of them cannot be bound.
 */
#ifndef PKINIT_KDC_NET_H
#define PKINIT_KDC_NET_H

#include <stddef.h>
#include <sys/socket.h>

#include "kerror.h"

struct loop;
struct kdc_server;
struct net;

struct net_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

struct net_limits {
	size_t max_dgram_reply;      /* UDP replies above -> RESPONSE_TOO_BIG */
	size_t max_tcp_message;      /* largest TCP request accepted */
	unsigned int tcp_idle_ms;    /* close a TCP connection idle this long */
	unsigned int max_tcp_conns;  /* open TCP connections at most */
	int tcp_backlog;             /* listen(2) backlog */
	int reuse_port;              /* SO_REUSEPORT: worker processes bind
	                              * the same addresses on reload */
};

struct net *net_new(struct loop *loop, struct kdc_server *srv,
    const struct net_limits *lim);

/* Close every socket; requests still parked on a connection are cancelled. */
void net_free(struct net *n);

/* New limits apply to new connections and the next message read. */
void net_set_limits(struct net *n, const struct net_limits *lim);

/*
 * Stage the listener set: addresses already bound are kept, new ones are
 * bound now.  On failure nothing changes (-1, e says which address).
 */
int net_prepare(struct net *n, const struct net_addr *udp, size_t n_udp,
    const struct net_addr *tcp, size_t n_tcp, struct kerr *e);

/* Make the staged set live and close listeners no longer wanted. */
void net_commit(struct net *n);

/* Forget the staged set, closing what net_prepare opened. */
void net_abort(struct net *n);

/* Shutdown: close TCP listeners and stop reading UDP (replies still go
 * out), and close TCP connections that have nothing in flight. */
void net_stop_accepting(struct net *n);

/* Connections with a parked request or unsent output. */
size_t net_busy(const struct net *n);

/* Number of open TCP connections. */
size_t net_tcp_count(const struct net *n);

/* "127.0.0.1:88" / "[::1]:88" */
void net_addr_str(const struct sockaddr *sa, socklen_t len, char *out,
    size_t outlen);

#endif
