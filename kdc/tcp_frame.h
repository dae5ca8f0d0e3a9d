/*
 * tcp_frame.h - incremental framing of Kerberos messages over TCP.
 *
 * RFC 4120 section 7.2.2: each message is preceded by a 4-octet big-endian
 * length; the high bit of that length is reserved and a KDC that sees it
 * set answers KRB_ERR_FIELD_TOOLONG and closes the connection.  This
 * module only splits a byte stream into messages; it knows nothing about
 * sockets or the event loop, so it is tested on its own.
 */
#ifndef PKINIT_KDC_TCP_FRAME_H
#define PKINIT_KDC_TCP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define TCP_FRAME_PREFIX_LEN 4
#define TCP_FRAME_RESERVED_BIT 0x80000000u

enum tcp_frame_status {
	TCP_FRAME_NEED_MORE = 0,     /* all input consumed, no message yet */
	TCP_FRAME_MESSAGE = 1,       /* a complete message is available */
	TCP_FRAME_ERR_TOOLONG = -1,  /* announced length above the maximum */
	TCP_FRAME_ERR_RESERVED = -2, /* reserved high bit set in the length */
	TCP_FRAME_ERR_NOMEM = -3,
	TCP_FRAME_ERR_TRUNCATED = -4 /* end of stream inside a message */
};

struct tcp_frame {
	uint8_t prefix[TCP_FRAME_PREFIX_LEN];
	size_t prefix_have;  /* prefix octets received so far */
	uint8_t *msg;        /* body being collected (exactly msg_len bytes) */
	size_t msg_len;      /* announced length of the current body */
	size_t msg_have;     /* body octets received so far */
	size_t max_len;      /* largest body accepted */
	int ready;           /* a complete message waits in msg */
	int error;           /* sticky framing error (enum tcp_frame_status) */
};

/* Prepare f for a stream whose messages may be up to max_len octets. */
void tcp_frame_init(struct tcp_frame *f, size_t max_len);

/* Release the body buffer (f may be NULL); f can be reused after init. */
void tcp_frame_clear(struct tcp_frame *f);

/*
 * Consume octets from data[0..len).  Stops right after a complete message:
 * *used_out tells how many octets were taken, and the caller feeds the
 * rest after tcp_frame_next().  While a message is waiting, feed consumes
 * nothing and returns TCP_FRAME_MESSAGE again.  Errors are sticky.
 */
enum tcp_frame_status tcp_frame_feed(struct tcp_frame *f, const uint8_t *data,
    size_t len, size_t *used_out);

/* The waiting message (valid until tcp_frame_next or clear); 0 if none. */
int tcp_frame_message(const struct tcp_frame *f, const uint8_t **msg_out,
    size_t *len_out);

/* Drop the waiting message and start on the next prefix. */
void tcp_frame_next(struct tcp_frame *f);

/*
 * The peer closed its side: TCP_FRAME_NEED_MORE if that happened on a
 * message boundary, TCP_FRAME_ERR_TRUNCATED if inside a prefix or body.
 */
enum tcp_frame_status tcp_frame_eof(const struct tcp_frame *f);

/* Write the 4-octet prefix for a message of len octets (len < 2^31). */
void tcp_frame_put_prefix(uint8_t out[TCP_FRAME_PREFIX_LEN], uint32_t len);

const char *tcp_frame_status_str(enum tcp_frame_status s);

#endif
