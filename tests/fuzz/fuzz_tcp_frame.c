/*
 * fuzz_tcp_frame.c - splitting a TCP byte stream into Kerberos messages
 * (RFC 4120 section 7.2.2: a 4-octet big-endian length, high bit
 * reserved, then the message).
 *
 * Input: byte 0 sets the largest message accepted, byte 1 seeds the sizes
 * of the reads the stream arrives in, the rest is the stream.  The framer
 * must give exactly the messages a plain reading of the stream gives, in
 * order, whatever the read sizes, and end in the same state: a clean end,
 * a truncated message, a reserved bit or an oversized length.
 */
#include "config.h"

#include "fuzz.h"
#include "tcp_frame.h"

enum end { END_CLEAN, END_TRUNCATED, END_RESERVED, END_TOOLONG };

struct ref {
	size_t n_msgs;
	enum end end;
};

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* The stream read the obvious way, in one piece. */
static struct ref
reference(const uint8_t *s, size_t len, size_t max_len)
{
	struct ref r = { 0, END_CLEAN };
	size_t off = 0;
	uint32_t n;

	for (;;) {
		if (off == len)
			return r;
		if (len - off < TCP_FRAME_PREFIX_LEN) {
			r.end = END_TRUNCATED;
			return r;
		}
		n = be32(s + off);
		if (n & TCP_FRAME_RESERVED_BIT) {
			r.end = END_RESERVED;
			return r;
		}
		if (n > max_len) {
			r.end = END_TOOLONG;
			return r;
		}
		if (len - off - TCP_FRAME_PREFIX_LEN < n) {
			r.end = END_TRUNCATED;
			return r;
		}
		off += TCP_FRAME_PREFIX_LEN + n;
		r.n_msgs++;
	}
}

static uint32_t
next_rand(uint32_t *x)
{
	/* xorshift32: read sizes only need to vary, not be random. */
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tcp_frame f;
	struct ref r;
	const uint8_t *s, *msg;
	size_t len, max_len, pos = 0, off, chunk, used, mlen, n_msgs = 0;
	size_t expect_off = 0;
	uint32_t rnd;
	enum tcp_frame_status st = TCP_FRAME_NEED_MORE;

	if (size < 2)
		return 0;
	max_len = data[0] < 0x80 ? (size_t)data[0] * 8 : 256 * 1024;
	rnd = 0x9e3779b9u ^ data[1];
	s = data + 2;
	len = size - 2;
	r = reference(s, len, max_len);

	tcp_frame_init(&f, max_len);
	while (pos < len && st >= 0) {
		chunk = 1 + next_rand(&rnd) % (rnd & 1 ? 7 : 300);
		if (chunk > len - pos)
			chunk = len - pos;
		for (off = 0; off < chunk; ) {
			st = tcp_frame_feed(&f, s + pos + off, chunk - off,
			    &used);
			FUZZ_ASSERT(used <= chunk - off);
			off += used;
			if (st < 0)
				break;
			if (st == TCP_FRAME_NEED_MORE) {
				FUZZ_ASSERT(off == chunk);
				break;
			}
			FUZZ_ASSERT(st == TCP_FRAME_MESSAGE);
			FUZZ_ASSERT(tcp_frame_message(&f, &msg, &mlen));
			/* The message is the body that follows its prefix. */
			FUZZ_ASSERT(n_msgs < r.n_msgs);
			FUZZ_ASSERT(be32(s + expect_off) == mlen);
			FUZZ_ASSERT(mlen == 0 || memcmp(msg, s + expect_off +
			    TCP_FRAME_PREFIX_LEN, mlen) == 0);
			expect_off += TCP_FRAME_PREFIX_LEN + mlen;
			FUZZ_ASSERT(pos + off == expect_off);
			n_msgs++;
			/* A waiting message blocks further input. */
			FUZZ_ASSERT(tcp_frame_feed(&f, s, len, &used) ==
			    TCP_FRAME_MESSAGE && used == 0);
			tcp_frame_next(&f);
		}
		pos += chunk;
	}
	FUZZ_ASSERT(n_msgs == r.n_msgs);
	switch (r.end) {
	case END_CLEAN:
		FUZZ_ASSERT(st >= 0 &&
		    tcp_frame_eof(&f) == TCP_FRAME_NEED_MORE);
		break;
	case END_TRUNCATED:
		FUZZ_ASSERT(st >= 0 &&
		    tcp_frame_eof(&f) == TCP_FRAME_ERR_TRUNCATED);
		break;
	case END_RESERVED:
	case END_TOOLONG:
		FUZZ_ASSERT(st == (r.end == END_RESERVED ?
		    TCP_FRAME_ERR_RESERVED : TCP_FRAME_ERR_TOOLONG));
		/* Errors are sticky. */
		FUZZ_ASSERT(tcp_frame_feed(&f, s, len, &used) == st &&
		    used == 0);
		FUZZ_ASSERT(tcp_frame_eof(&f) == st);
		break;
	}
	FUZZ_ASSERT(tcp_frame_status_str(st) != NULL);
	tcp_frame_clear(&f);
	return 0;
}
