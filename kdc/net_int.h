/*
 * net_int.h - shared between net_listen.c, net_udp.c and net_tcp.c only.
 */
#ifndef PKINIT_KDC_NET_INT_H
#define PKINIT_KDC_NET_INT_H

#include <sys/queue.h>

#include <event2/event.h>

#include "net.h"

struct tcp_conn;

struct net_listener {
	struct net *net;
	int type;                 /* SOCK_DGRAM or SOCK_STREAM */
	struct net_addr addr;
	char name[80];            /* for log messages */
	int fd;
	struct event *ev;
	unsigned int refs;        /* UDP requests awaiting a reply */
	int closed;               /* no longer serving; freed when refs == 0 */
};

struct listener_set {
	struct net_listener **v;
	size_t n;
};

TAILQ_HEAD(tcp_conn_list, tcp_conn);

struct net {
	struct event_base *base;
	struct kdc_server *srv;
	struct net_limits lim;
	struct listener_set active;
	struct listener_set staged;
	int have_staged;
	struct tcp_conn_list conns;   /* least recently active first */
	size_t n_conns;
	int stopping;
	uint8_t *dgram;               /* receive buffer for datagrams */
};

#define NET_DGRAM_MAX 65536

/* net_udp.c */
int udp_listener_start(struct net_listener *l);
void udp_listener_stop(struct net_listener *l);

/* net_tcp.c */
int tcp_listener_start(struct net_listener *l);
void tcp_listener_stop(struct net_listener *l);
void tcp_close_all(struct net *n, int idle_only);
size_t tcp_busy(const struct net *n);

/* net_listen.c: drop a reference; frees a closed listener at zero. */
void net_listener_unref(struct net_listener *l);

#endif
