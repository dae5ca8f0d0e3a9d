/*
 * tcp_frame.c - split a TCP byte stream into length-prefixed Kerberos
 * messages (RFC 4120 section 7.2.2).
 *
 * The body buffer is allocated once per message with the announced length,
 * after that length has been checked against the configured maximum, so a
 * peer can never make us hold more than max_len octets per connection.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tcp_frame.h"

void
tcp_frame_init(struct tcp_frame *f, size_t max_len)
{
	memset(f, 0, sizeof(*f));
	f->max_len = max_len;
}

void
tcp_frame_clear(struct tcp_frame *f)
{
	size_t max_len;

	if (f == NULL)
		return;
	max_len = f->max_len;
	free(f->msg);
	tcp_frame_init(f, max_len);
}

static enum tcp_frame_status
start_body(struct tcp_frame *f)
{
	uint32_t n;

	n = (uint32_t)f->prefix[0] << 24 | (uint32_t)f->prefix[1] << 16 |
	    (uint32_t)f->prefix[2] << 8 | (uint32_t)f->prefix[3];
	/* The reserved bit announces an extension we do not speak; RFC 4120
	 * 7.2.2 says to answer FIELD_TOOLONG and close. */
	if (n & TCP_FRAME_RESERVED_BIT)
		return f->error = TCP_FRAME_ERR_RESERVED;
	if (n > f->max_len)
		return f->error = TCP_FRAME_ERR_TOOLONG;
	f->msg_len = n;
	f->msg_have = 0;
	/* One spare octet so a zero-length message still has a buffer. */
	f->msg = malloc(n + 1);
	if (f->msg == NULL)
		return f->error = TCP_FRAME_ERR_NOMEM;
	return TCP_FRAME_NEED_MORE;
}

enum tcp_frame_status
tcp_frame_feed(struct tcp_frame *f, const uint8_t *data, size_t len,
    size_t *used_out)
{
	enum tcp_frame_status st;
	size_t used = 0, take;

	*used_out = 0;
	if (f->error != 0)
		return f->error;
	if (f->ready)
		return TCP_FRAME_MESSAGE;
	while (used < len || (f->msg != NULL && f->msg_have == f->msg_len)) {
		if (f->msg == NULL) {
			take = TCP_FRAME_PREFIX_LEN - f->prefix_have;
			if (take > len - used)
				take = len - used;
			memcpy(f->prefix + f->prefix_have, data + used, take);
			f->prefix_have += take;
			used += take;
			if (f->prefix_have < TCP_FRAME_PREFIX_LEN)
				break;
			st = start_body(f);
			if (st != TCP_FRAME_NEED_MORE) {
				*used_out = used;
				return st;
			}
			continue;
		}
		take = f->msg_len - f->msg_have;
		if (take > len - used)
			take = len - used;
		memcpy(f->msg + f->msg_have, data + used, take);
		f->msg_have += take;
		used += take;
		if (f->msg_have == f->msg_len) {
			f->ready = 1;
			*used_out = used;
			return TCP_FRAME_MESSAGE;
		}
	}
	*used_out = used;
	return TCP_FRAME_NEED_MORE;
}

int
tcp_frame_message(const struct tcp_frame *f, const uint8_t **msg_out,
    size_t *len_out)
{
	if (!f->ready)
		return 0;
	*msg_out = f->msg;
	*len_out = f->msg_len;
	return 1;
}

void
tcp_frame_next(struct tcp_frame *f)
{
	free(f->msg);
	f->msg = NULL;
	f->msg_len = 0;
	f->msg_have = 0;
	f->prefix_have = 0;
	f->ready = 0;
}

enum tcp_frame_status
tcp_frame_eof(const struct tcp_frame *f)
{
	if (f->error != 0)
		return f->error;
	if (f->ready || f->prefix_have == 0)
		return TCP_FRAME_NEED_MORE;
	return TCP_FRAME_ERR_TRUNCATED;
}

void
tcp_frame_put_prefix(uint8_t out[TCP_FRAME_PREFIX_LEN], uint32_t len)
{
	out[0] = (uint8_t)(len >> 24);
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
}

const char *
tcp_frame_status_str(enum tcp_frame_status s)
{
	switch (s) {
	case TCP_FRAME_NEED_MORE:
		return "need more";
	case TCP_FRAME_MESSAGE:
		return "message";
	case TCP_FRAME_ERR_TOOLONG:
		return "message length above the limit";
	case TCP_FRAME_ERR_RESERVED:
		return "reserved high bit set in the length prefix";
	case TCP_FRAME_ERR_NOMEM:
		return "out of memory";
	case TCP_FRAME_ERR_TRUNCATED:
		return "connection closed inside a message";
	}
	return "unknown";
}
