/*
 * dispatch.h - the one entry point from the network layer into the KDC.
 *
 * The network layer hands every complete message to dispatch_request()
 * together with a reply callback.  Dispatch classifies the message, gives
 * it a request id and a start time, and passes it to the handler
 * registered for its message type (AS-REQ, TGS-REQ).  Handlers may finish
 * at once or park the request while the directory or a revocation
 * responder answers; either way the request ends in exactly one
 * dispatch_finish*() call, which writes the single log line for the
 * request and calls the reply callback last.
 *
 * A TCP connection that closes while its request is parked cancels it
 * with dispatch_cancel(): the handler's cancel hook runs, the log line
 * says so, and the reply callback is never called.
 */
#ifndef PKINIT_KDC_DISPATCH_H
#define PKINIT_KDC_DISPATCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "kerror.h"
#include "krb_error.h"
#include "log.h"

struct kdc_server;
struct dispatch;
struct kdc_req_handle;

/* Kerberos message types (RFC 4120 section 5.10: APPLICATION tags). */
enum {
	KRB_MSG_AS_REQ = 10,
	KRB_MSG_AS_REP = 11,
	KRB_MSG_TGS_REQ = 12,
	KRB_MSG_TGS_REP = 13,
	KRB_MSG_ERROR = 30,
};

/* Where a message came from. */
struct dispatch_src {
	const char *proto;            /* "udp" or "tcp" (static string) */
	const struct sockaddr *peer;
	socklen_t peer_len;
	int stream;                   /* 1 for TCP: framing is reliable */
	/* Replies longer than this are replaced by KRB_ERR_RESPONSE_TOO_BIG
	 * so the client retries over TCP (RFC 4120 section 7.2.1); 0 means
	 * no limit. */
	size_t max_reply;
};

/*
 * Deliver a reply.  der == NULL means "send nothing" (a datagram that was
 * not worth answering).  The buffer is valid only during the call.  It is
 * called exactly once per request unless the request was cancelled.
 */
typedef void (*dispatch_reply_fn)(void *arg, const uint8_t *der, size_t len);

/*
 * Handle one message.  Returns NULL when the request already finished
 * (reply was called before returning), otherwise a handle the caller
 * keeps until reply is called, or passes to dispatch_cancel().
 */
struct kdc_req_handle *dispatch_request(struct kdc_server *srv,
    const uint8_t *msg, size_t len, const struct dispatch_src *src,
    dispatch_reply_fn reply, void *reply_arg);

/*
 * A message that could not even be delimited (a TCP framing error): log
 * one request line and answer a KRB-ERROR with code at once.
 */
void dispatch_reject(struct kdc_server *srv, const struct dispatch_src *src,
    kerr_t code, const char *e_text, const char *reason,
    dispatch_reply_fn reply, void *reply_arg);

/* Abandon a parked request (its connection went away). */
void dispatch_cancel(struct kdc_req_handle *h);

/* ---- for the request pipelines ---- */

/*
 * A pipeline entry: msg is the whole DER message (valid until the request
 * finishes).  The handler must end the request, now or later, with
 * dispatch_finish() or dispatch_finish_error().
 */
typedef void (*dispatch_handler_fn)(struct kdc_req_handle *h,
    const uint8_t *msg, size_t len, void *arg);
typedef void (*dispatch_cancel_fn)(struct kdc_req_handle *h, void *arg);

/* Route msg_type (10 = AS-REQ, 12 = TGS-REQ) to fn; replaces earlier. */
int dispatch_register(struct dispatch *d, int msg_type, dispatch_handler_fn fn,
    void *arg);

/* Called if the request is cancelled while parked (may be NULL). */
void dispatch_set_cancel(struct kdc_req_handle *h, dispatch_cancel_fn fn,
    void *arg);

/* Per-request state a pipeline may attach (freed by the pipeline). */
void dispatch_set_data(struct kdc_req_handle *h, void *data);
void *dispatch_get_data(const struct kdc_req_handle *h);

/*
 * The request's log record: pipelines fill client, server, account and
 * certificate fields.  The strings must stay valid until finish returns.
 */
struct log_request *dispatch_log(struct kdc_req_handle *h);

struct kdc_server *dispatch_server(const struct kdc_req_handle *h);
const struct dispatch_src *dispatch_source(const struct kdc_req_handle *h);

/* Finish with a DER reply (code 0 = ticket issued) and free h. */
void dispatch_finish(struct kdc_req_handle *h, const uint8_t *der, size_t len,
    kerr_t code, const char *reason);

/*
 * Finish with a KRB-ERROR.  info may be NULL: realm and sname
 * (krbtgt/REALM) are filled in from the first configured realm and the
 * time from the clock; e_text goes on the wire, reason only into the log.
 */
void dispatch_finish_error(struct kdc_req_handle *h,
    const struct krb_error_info *info, kerr_t code, const char *e_text,
    const char *reason);

/* ---- for the server ---- */

struct dispatch *dispatch_new(void);

/* Finishes every pending request with KDC_ERR_SVC_UNAVAILABLE first. */
void dispatch_free(struct dispatch *d);

/* The realm named in generated errors (first configured realm). */
int dispatch_set_realm(struct dispatch *d, const char *realm);

/* Requests started and not yet finished. */
size_t dispatch_pending(const struct dispatch *d);

/* Finish every pending request with an error (shutdown deadline). */
void dispatch_abort_all(struct dispatch *d, kerr_t code, const char *e_text,
    const char *reason);

/*
 * Classify a message by its outer tag: the APPLICATION tag number (its
 * Kerberos message type) when msg is one complete DER APPLICATION
 * constructed value, else -1.
 */
int dispatch_msg_type(const uint8_t *msg, size_t len);

#endif
