/*
 * net_udp.c - Kerberos over UDP (RFC 4120 section 7.2.1).
 *
 * Each datagram is one request.  We read it with recvmsg() and keep the
 * destination address (IP_PKTINFO / IPV6_PKTINFO) so the reply is sent
 * with sendmsg() from that same address: on a wildcard bind on a
 * multi-homed host, a reply from another address would be discarded by
 * the client.  Replies may come later (parked requests); the listener is
 * reference-counted so a reload that closes it cannot pull the socket from
 * under a pending reply.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dispatch.h"
#include "log.h"
#include "net_int.h"

/* Room for either kind of packet-info control message. */
#define PKTINFO_SPACE \
	(CMSG_SPACE(sizeof(struct in6_pktinfo)) > CMSG_SPACE(sizeof(struct in_pktinfo)) ? \
	CMSG_SPACE(sizeof(struct in6_pktinfo)) : CMSG_SPACE(sizeof(struct in_pktinfo)))

struct udp_req {
	struct net_listener *l;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	int have_v4, have_v6;
	struct in_pktinfo v4;
	struct in6_pktinfo v6;
};

static void
udp_send(struct udp_req *r, const uint8_t *der, size_t len)
{
	union {
		char buf[PKTINFO_SPACE];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *cm;
	struct in_pktinfo pi4;
	char name[80];
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	memset(&ctl, 0, sizeof(ctl));
	iov.iov_base = (void *)der;
	iov.iov_len = len;
	mh.msg_name = &r->peer;
	mh.msg_namelen = r->peer_len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (r->have_v4) {
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(pi4));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi4));
		/* Source = the address the request was sent to; let routing
		 * pick the interface. */
		memset(&pi4, 0, sizeof(pi4));
		pi4.ipi_spec_dst = r->v4.ipi_addr;
		memcpy(CMSG_DATA(cm), &pi4, sizeof(pi4));
	} else if (r->have_v6) {
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(r->v6));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(r->v6));
		/* The interface index matters for link-local sources. */
		memcpy(CMSG_DATA(cm), &r->v6, sizeof(r->v6));
	}
	do {
		n = sendmsg(r->l->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		net_addr_str((struct sockaddr *)&r->peer, r->peer_len, name,
		    sizeof(name));
		log_msg(LOG_LVL_WARNING, "udp reply to %s from %s: %s", name,
		    r->l->name, strerror(errno));
	}
}

static void
udp_reply(void *arg, const uint8_t *der, size_t len)
{
	struct udp_req *r = arg;

	if (der != NULL && len > 0 && r->l->fd >= 0)
		udp_send(r, der, len);
	net_listener_unref(r->l);
	free(r);
}

/* Read and dispatch one datagram; -1 when the socket has no more. */
static int
udp_read_one(struct net_listener *l)
{
	union {
		char buf[PKTINFO_SPACE];
		struct cmsghdr align;
	} ctl;
	struct dispatch_src src;
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *cm;
	struct udp_req *r;
	ssize_t n;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -1;
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = l->net->dgram;
	iov.iov_len = NET_DGRAM_MAX;
	mh.msg_name = &r->peer;
	mh.msg_namelen = sizeof(r->peer);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);
	n = recvmsg(l->fd, &mh, MSG_DONTWAIT);
	if (n < 0 || (mh.msg_flags & MSG_TRUNC)) {
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR)
			log_msg(LOG_LVL_WARNING, "udp receive on %s: %s",
			    l->name, strerror(errno));
		free(r);
		return n < 0 ? -1 : 0;
	}
	r->peer_len = mh.msg_namelen;
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(r->v4))) {
			memcpy(&r->v4, CMSG_DATA(cm), sizeof(r->v4));
			r->have_v4 = 1;
		} else if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(r->v6))) {
			memcpy(&r->v6, CMSG_DATA(cm), sizeof(r->v6));
			r->have_v6 = 1;
		}
	}
	r->l = l;
	l->refs++;
	memset(&src, 0, sizeof(src));
	src.proto = "udp";
	src.peer = (struct sockaddr *)&r->peer;
	src.peer_len = r->peer_len;
	src.stream = 0;
	src.max_reply = l->net->lim.max_dgram_reply;
	/* UDP requests are never cancelled, so the handle is not kept:
	 * the reply callback frees r whenever the request ends. */
	(void)dispatch_request(l->net->srv, l->net->dgram, (size_t)n, &src,
	    udp_reply, r);
	return 0;
}

static void
udp_readable(evutil_socket_t fd, short what, void *arg)
{
	struct net_listener *l = arg;
	int i;

	(void)fd;
	(void)what;
	/* A bounded batch per wake-up keeps TCP and timers responsive. */
	for (i = 0; i < 32 && !l->closed && !l->net->stopping; i++)
		if (udp_read_one(l) != 0)
			break;
}

int
udp_listener_start(struct net_listener *l)
{
	l->ev = event_new(l->net->base, l->fd, EV_READ | EV_PERSIST,
	    udp_readable, l);
	if (l->ev == NULL)
		return -1;
	return event_add(l->ev, NULL);
}

void
udp_listener_stop(struct net_listener *l)
{
	/* The socket stays open until the last pending reply is sent. */
	if (l->ev != NULL)
		event_del(l->ev);
}
