/*
 * dispatch.c - classify each incoming message, start its request record,
 * route it to a pipeline, and finish it: one log line, then the reply.
 *
 * What is answered (a rule, documented in pkinit-kdc(8)):
 *  - AS-REQ / TGS-REQ go to the registered pipeline; without one they are
 *    refused with KRB_ERR_GENERIC and an e-text naming the message type.
 *  - Other APPLICATION-tagged Kerberos messages (replies, KRB-ERROR, ...)
 *    are not requests: over TCP they get KRB_AP_ERR_MSG_TYPE; over UDP
 *    they are dropped, because answering an unsolicited reply or error
 *    datagram invites reflection loops with spoofed sources.
 *  - Anything that is not a single DER APPLICATION value: UDP drops it
 *    (like other KDCs do with garbage datagrams); TCP answers
 *    KRB_ERR_GENERIC, since the framing told us where the message ends and
 *    a stream client is waiting for an answer.  The connection stays open.
 * Every case writes exactly one log_request() line.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dispatch.h"
#include "metrics.h"
#include "net.h"
#include "server.h"

#define HANDLER_SLOTS 32      /* APPLICATION tags 0..30 fit */
#define ADDR_STR_MAX 80

struct handler {
	dispatch_handler_fn fn;
	void *arg;
};

struct dispatch {
	struct handler handlers[HANDLER_SLOTS];
	char *realm;
	struct kdc_req_handle *head;  /* pending requests */
	size_t pending;
};

struct kdc_req_handle {
	struct kdc_server *srv;
	struct dispatch *d;
	struct kdc_req_handle *prev, *next;
	struct dispatch_src src;
	struct sockaddr_storage peer;
	dispatch_reply_fn reply;
	void *reply_arg;
	dispatch_cancel_fn cancel;
	void *cancel_arg;
	void *data;
	uint8_t *msg;
	size_t len;
	int msg_type;
	struct timespec start;
	struct log_request log;
	char addr[ADDR_STR_MAX];
	char type_name[24];
};

struct dispatch *
dispatch_new(void)
{
	return calloc(1, sizeof(struct dispatch));
}

void
dispatch_free(struct dispatch *d)
{
	if (d == NULL)
		return;
	dispatch_abort_all(d, KDC_ERR_SVC_UNAVAILABLE, "KDC is shutting down",
	    "shutdown");
	free(d->realm);
	free(d);
}

int
dispatch_set_realm(struct dispatch *d, const char *realm)
{
	char *copy = strdup(realm != NULL ? realm : "");

	if (copy == NULL)
		return -1;
	free(d->realm);
	d->realm = copy;
	return 0;
}

size_t
dispatch_pending(const struct dispatch *d)
{
	return d != NULL ? d->pending : 0;
}

int
dispatch_register(struct dispatch *d, int msg_type, dispatch_handler_fn fn,
    void *arg)
{
	if (msg_type < 0 || msg_type >= HANDLER_SLOTS)
		return -1;
	d->handlers[msg_type].fn = fn;
	d->handlers[msg_type].arg = arg;
	return 0;
}

int
dispatch_msg_type(const uint8_t *msg, size_t len)
{
	size_t hdr, body, i, nlen;

	/* X.690 8.1.2: class APPLICATION (01), constructed (1), low tag
	 * number form: 0x60 | tag with tag <= 30. */
	if (len < 2 || (msg[0] & 0xe0) != 0x60 || (msg[0] & 0x1f) == 0x1f)
		return -1;
	if (msg[1] < 0x80) {
		body = msg[1];
		hdr = 2;
	} else {
		/* Long definite form; indefinite (0x80) is not DER. */
		nlen = msg[1] & 0x7f;
		if (nlen == 0 || nlen > 4 || len < 2 + nlen)
			return -1;
		body = 0;
		for (i = 0; i < nlen; i++)
			body = body << 8 | msg[2 + i];
		hdr = 2 + nlen;
	}
	if (body != len - hdr)
		return -1;
	return msg[0] & 0x1f;
}

static const char *
msg_type_name(int t)
{
	switch (t) {
	case KRB_MSG_AS_REQ:
		return "AS-REQ";
	case KRB_MSG_AS_REP:
		return "AS-REP";
	case KRB_MSG_TGS_REQ:
		return "TGS-REQ";
	case KRB_MSG_TGS_REP:
		return "TGS-REP";
	case 14:
		return "AP-REQ";
	case KRB_MSG_ERROR:
		return "KRB-ERROR";
	}
	return NULL;
}

static double
elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) * 1000.0 +
	    (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

static void
unlink_req(struct kdc_req_handle *h)
{
	if (h->prev != NULL)
		h->prev->next = h->next;
	else
		h->d->head = h->next;
	if (h->next != NULL)
		h->next->prev = h->prev;
	h->prev = h->next = NULL;
	h->d->pending--;
	metrics_gauge_add("requests_in_flight", -1);
}

static void
free_req(struct kdc_req_handle *h)
{
	free(h->msg);
	free(h);
}

/* Build a KRB-ERROR from the server's point of view (krbtgt/REALM). */
static kerr_t
build_error(struct dispatch *d, const struct krb_error_info *given,
    kerr_t code, const char *e_text, uint8_t **der_out, size_t *len_out,
    struct kerr *e)
{
	struct krb_error_info info;
	const char *sname[2];
	struct timespec now;

	if (given != NULL) {
		info = *given;
	} else {
		memset(&info, 0, sizeof(info));
		info.realm = d->realm != NULL && d->realm[0] != '\0' ?
		    d->realm : "UNCONFIGURED";
		sname[0] = "krbtgt";
		sname[1] = info.realm;
		info.sname_type = 2; /* NT-SRV-INST */
		info.sname = sname;
		info.sname_len = 2;
	}
	info.code = code;
	if (e_text != NULL)
		info.e_text = e_text;
	if (given == NULL || info.stime == 0) {
		clock_gettime(CLOCK_REALTIME, &now);
		info.stime = now.tv_sec;
		info.susec = (int32_t)(now.tv_nsec / 1000);
	}
	return krb_error_encode(&info, der_out, len_out, e);
}

/* The single exit of every request: log once, reply last, free. */
static void
finish(struct kdc_req_handle *h, const uint8_t *der, size_t len, kerr_t code,
    const char *reason)
{
	dispatch_reply_fn reply = h->reply;
	void *reply_arg = h->reply_arg;
	uint8_t *big = NULL;
	size_t big_len = 0;
	char why[KERR_MSG_MAX];
	struct kerr e;

	if (der != NULL && h->src.max_reply != 0 && len > h->src.max_reply) {
		/* RFC 4120 7.2.1: tell the client to come back over TCP. */
		snprintf(why, sizeof(why), "%s%sreply of %zu octets too big "
		    "for UDP", reason != NULL ? reason : "",
		    reason != NULL ? "; " : "", len);
		reason = why;
		code = KRB_ERR_RESPONSE_TOO_BIG;
		if (build_error(h->d, NULL, code, NULL, &big, &big_len, &e) != 0)
			big = NULL;
		der = big;
		len = big_len;
	}
	h->log.code = code;
	h->log.reason = reason;
	h->log.elapsed_ms = elapsed_ms(&h->start);
	log_request(&h->log);
	metrics_request_done(h->log.req_type, code, h->log.elapsed_ms);
	unlink_req(h);
	/* Reply before freeing: der may point into the request itself. */
	reply(reply_arg, der, der != NULL ? len : 0);
	free_req(h);
	free(big);
}

void
dispatch_finish(struct kdc_req_handle *h, const uint8_t *der, size_t len,
    kerr_t code, const char *reason)
{
	finish(h, der, len, code, reason);
}

void
dispatch_finish_error(struct kdc_req_handle *h,
    const struct krb_error_info *info, kerr_t code, const char *e_text,
    const char *reason)
{
	uint8_t *der = NULL;
	size_t len = 0;
	char why[2 * KERR_MSG_MAX];
	struct kerr e;

	kerr_clear(&e);
	if (build_error(h->d, info, code, e_text, &der, &len, &e) != 0) {
		/* Nothing sensible to send; the log says why. */
		snprintf(why, sizeof(why), "%s; KRB-ERROR encoding failed: %s",
		    reason != NULL ? reason : "", e.msg);
		finish(h, NULL, 0, code, why);
		return;
	}
	finish(h, der, len, code, reason);
	free(der);
}

void
dispatch_cancel(struct kdc_req_handle *h)
{
	if (h == NULL)
		return;
	if (h->cancel != NULL)
		h->cancel(h, h->cancel_arg);
	h->log.code = KRB_ERR_GENERIC;
	h->log.reason = "cancelled: connection closed before the reply";
	h->log.elapsed_ms = elapsed_ms(&h->start);
	log_request(&h->log);
	metrics_request_done(h->log.req_type, h->log.code, h->log.elapsed_ms);
	unlink_req(h);
	free_req(h);
}

void
dispatch_abort_all(struct dispatch *d, kerr_t code, const char *e_text,
    const char *reason)
{
	struct kdc_req_handle *h;

	while ((h = d->head) != NULL) {
		if (h->cancel != NULL)
			h->cancel(h, h->cancel_arg);
		h->cancel = NULL;
		dispatch_finish_error(h, NULL, code, e_text, reason);
	}
}

void
dispatch_set_cancel(struct kdc_req_handle *h, dispatch_cancel_fn fn, void *arg)
{
	h->cancel = fn;
	h->cancel_arg = arg;
}

void
dispatch_set_data(struct kdc_req_handle *h, void *data)
{
	h->data = data;
}

void *
dispatch_get_data(const struct kdc_req_handle *h)
{
	return h->data;
}

struct log_request *
dispatch_log(struct kdc_req_handle *h)
{
	return &h->log;
}

struct kdc_server *
dispatch_server(const struct kdc_req_handle *h)
{
	return h->srv;
}

const struct dispatch_src *
dispatch_source(const struct kdc_req_handle *h)
{
	return &h->src;
}

/* Not a request we serve: decide between an error reply and silence. */
static void
refuse(struct kdc_req_handle *h)
{
	char text[96];

	if (h->msg_type < 0) {
		if (!h->src.stream) {
			finish(h, NULL, 0, KRB_ERR_GENERIC,
			    "dropped: not a Kerberos message");
			return;
		}
		dispatch_finish_error(h, NULL, KRB_ERR_GENERIC,
		    "request is not a Kerberos message",
		    "not a Kerberos message");
		return;
	}
	if (h->msg_type != KRB_MSG_AS_REQ && h->msg_type != KRB_MSG_TGS_REQ) {
		if (!h->src.stream) {
			finish(h, NULL, 0, KRB_AP_ERR_MSG_TYPE,
			    "dropped: not a request message");
			return;
		}
		dispatch_finish_error(h, NULL, KRB_AP_ERR_MSG_TYPE,
		    "message type is not a KDC request",
		    "not a request message");
		return;
	}
	snprintf(text, sizeof(text), "%s is not supported by this KDC",
	    h->type_name);
	dispatch_finish_error(h, NULL, KRB_ERR_GENERIC, text,
	    "no handler for this message type");
}

/* Create and register the request record; NULL (after replying with
 * nothing) if memory ran out. */
static struct kdc_req_handle *
req_start(struct kdc_server *srv, const uint8_t *msg, size_t len,
    const struct dispatch_src *src, dispatch_reply_fn reply, void *reply_arg)
{
	struct dispatch *d = server_dispatch(srv);
	struct kdc_req_handle *h;
	const char *name;

	h = calloc(1, sizeof(*h));
	if (h != NULL)
		h->msg = malloc(len + 1);
	if (h == NULL || h->msg == NULL) {
		free(h);
		log_msg(LOG_LVL_ERR, "out of memory accepting a %s request",
		    src->proto);
		reply(reply_arg, NULL, 0);
		return NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &h->start);
	h->srv = srv;
	h->d = d;
	h->src = *src;
	if (src->peer != NULL && src->peer_len <= sizeof(h->peer)) {
		memcpy(&h->peer, src->peer, src->peer_len);
		h->src.peer = (struct sockaddr *)&h->peer;
	} else {
		h->src.peer = NULL;
		h->src.peer_len = 0;
	}
	h->reply = reply;
	h->reply_arg = reply_arg;
	if (len > 0)
		memcpy(h->msg, msg, len);
	h->len = len;
	h->msg_type = dispatch_msg_type(h->msg, len);
	name = msg_type_name(h->msg_type);
	if (name != NULL)
		snprintf(h->type_name, sizeof(h->type_name), "%s", name);
	else if (h->msg_type >= 0)
		snprintf(h->type_name, sizeof(h->type_name), "msg-type-%d",
		    h->msg_type);
	else
		snprintf(h->type_name, sizeof(h->type_name), "unknown");
	if (h->src.peer != NULL)
		net_addr_str(h->src.peer, h->src.peer_len, h->addr,
		    sizeof(h->addr));
	else
		snprintf(h->addr, sizeof(h->addr), "unknown");
	h->log.id = log_next_request_id();
	h->log.proto = src->proto;
	h->log.client_addr = h->addr;
	h->log.req_type = h->type_name;

	h->next = d->head;
	if (d->head != NULL)
		d->head->prev = h;
	d->head = h;
	d->pending++;
	metrics_gauge_add("requests_in_flight", 1);
	return h;
}

struct kdc_req_handle *
dispatch_request(struct kdc_server *srv, const uint8_t *msg, size_t len,
    const struct dispatch_src *src, dispatch_reply_fn reply, void *reply_arg)
{
	struct dispatch *d = server_dispatch(srv);
	struct kdc_req_handle *h;
	struct handler *hd = NULL;
	uint64_t id;

	h = req_start(srv, msg, len, src, reply, reply_arg);
	if (h == NULL)
		return NULL;
	id = h->log.id;
	if (h->msg_type == KRB_MSG_AS_REQ || h->msg_type == KRB_MSG_TGS_REQ)
		hd = &d->handlers[h->msg_type];
	if (hd != NULL && hd->fn != NULL)
		hd->fn(h, h->msg, h->len, hd->arg);
	else
		refuse(h);

	/* h may be gone now; look it up by id rather than touching it. */
	for (h = d->head; h != NULL; h = h->next)
		if (h->log.id == id)
			return h;
	return NULL;
}

void
dispatch_reject(struct kdc_server *srv, const struct dispatch_src *src,
    kerr_t code, const char *e_text, const char *reason,
    dispatch_reply_fn reply, void *reply_arg)
{
	struct kdc_req_handle *h;

	h = req_start(srv, NULL, 0, src, reply, reply_arg);
	if (h != NULL)
		dispatch_finish_error(h, NULL, code, e_text, reason);
}
