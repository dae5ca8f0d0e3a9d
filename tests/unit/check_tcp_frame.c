/* check_tcp_frame.c - the TCP framer (RFC 4120 section 7.2.2). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tcp_frame.h"

#define MAX 1000

/* prefix(len) followed by len bytes of 'A' + i */
static size_t
frame(uint8_t *out, uint32_t len, uint8_t fill)
{
	tcp_frame_put_prefix(out, len);
	memset(out + 4, fill, len);
	return 4 + (size_t)len;
}

START_TEST(test_one_feed)
{
	struct tcp_frame f;
	uint8_t buf[64];
	const uint8_t *m;
	size_t n, used, mlen;

	tcp_frame_init(&f, MAX);
	n = frame(buf, 10, 'x');
	ck_assert_int_eq(tcp_frame_feed(&f, buf, n, &used), TCP_FRAME_MESSAGE);
	ck_assert_uint_eq(used, n);
	ck_assert(tcp_frame_message(&f, &m, &mlen));
	ck_assert_uint_eq(mlen, 10);
	ck_assert_int_eq(memcmp(m, "xxxxxxxxxx", 10), 0);
	/* Feeding again before next() takes nothing. */
	ck_assert_int_eq(tcp_frame_feed(&f, buf, n, &used), TCP_FRAME_MESSAGE);
	ck_assert_uint_eq(used, 0);
	tcp_frame_next(&f);
	ck_assert(!tcp_frame_message(&f, &m, &mlen));
	ck_assert_int_eq(tcp_frame_eof(&f), TCP_FRAME_NEED_MORE);
	tcp_frame_clear(&f);
}
END_TEST

START_TEST(test_byte_at_a_time)
{
	struct tcp_frame f;
	uint8_t buf[64];
	const uint8_t *m;
	size_t n, i, used, mlen;

	tcp_frame_init(&f, MAX);
	n = frame(buf, 7, 'b');
	for (i = 0; i + 1 < n; i++) {
		ck_assert_int_eq(tcp_frame_feed(&f, buf + i, 1, &used),
		    TCP_FRAME_NEED_MORE);
		ck_assert_uint_eq(used, 1);
		ck_assert_int_eq(tcp_frame_eof(&f), TCP_FRAME_ERR_TRUNCATED);
	}
	ck_assert_int_eq(tcp_frame_feed(&f, buf + i, 1, &used),
	    TCP_FRAME_MESSAGE);
	ck_assert(tcp_frame_message(&f, &m, &mlen));
	ck_assert_uint_eq(mlen, 7);
	ck_assert_int_eq(m[6], 'b');
	tcp_frame_clear(&f);
}
END_TEST

START_TEST(test_several_in_one_feed)
{
	struct tcp_frame f;
	uint8_t buf[128];
	const uint8_t *m, *p;
	size_t n = 0, used, mlen, left;
	int k;

	n += frame(buf + n, 3, '1');
	n += frame(buf + n, 0, 0);
	n += frame(buf + n, 5, '3');
	tcp_frame_init(&f, MAX);
	p = buf;
	left = n;
	for (k = 0; k < 3; k++) {
		ck_assert_int_eq(tcp_frame_feed(&f, p, left, &used),
		    TCP_FRAME_MESSAGE);
		p += used;
		left -= used;
		ck_assert(tcp_frame_message(&f, &m, &mlen));
		ck_assert_uint_eq(mlen, k == 0 ? 3 : k == 1 ? 0 : 5);
		if (mlen > 0)
			ck_assert_int_eq(m[0], k == 0 ? '1' : '3');
		tcp_frame_next(&f);
	}
	ck_assert_uint_eq(left, 0);
	ck_assert_int_eq(tcp_frame_feed(&f, p, 0, &used), TCP_FRAME_NEED_MORE);
	tcp_frame_clear(&f);
}
END_TEST

START_TEST(test_zero_length)
{
	struct tcp_frame f;
	uint8_t buf[4];
	const uint8_t *m = NULL;
	size_t used, mlen = 99;

	tcp_frame_init(&f, MAX);
	frame(buf, 0, 0);
	ck_assert_int_eq(tcp_frame_feed(&f, buf, 4, &used), TCP_FRAME_MESSAGE);
	ck_assert_uint_eq(used, 4);
	ck_assert(tcp_frame_message(&f, &m, &mlen));
	ck_assert_uint_eq(mlen, 0);
	ck_assert_ptr_nonnull(m);
	tcp_frame_clear(&f);
}
END_TEST

START_TEST(test_max_boundary)
{
	struct tcp_frame f;
	uint8_t *buf = malloc(MAX + 8);
	const uint8_t *m;
	size_t n, used, mlen;

	tcp_frame_init(&f, MAX);
	n = frame(buf, MAX, 'm');
	ck_assert_int_eq(tcp_frame_feed(&f, buf, n, &used), TCP_FRAME_MESSAGE);
	ck_assert(tcp_frame_message(&f, &m, &mlen));
	ck_assert_uint_eq(mlen, MAX);
	tcp_frame_clear(&f);

	tcp_frame_init(&f, MAX);
	tcp_frame_put_prefix(buf, MAX + 1);
	ck_assert_int_eq(tcp_frame_feed(&f, buf, 4, &used),
	    TCP_FRAME_ERR_TOOLONG);
	ck_assert_uint_eq(used, 4);
	/* The error is sticky: nothing more is accepted. */
	ck_assert_int_eq(tcp_frame_feed(&f, buf, 4, &used),
	    TCP_FRAME_ERR_TOOLONG);
	ck_assert_uint_eq(used, 0);
	ck_assert_int_eq(tcp_frame_eof(&f), TCP_FRAME_ERR_TOOLONG);
	ck_assert_ptr_null(f.msg);
	tcp_frame_clear(&f);
	free(buf);
}
END_TEST

START_TEST(test_reserved_bit)
{
	struct tcp_frame f;
	const uint8_t pfx[] = { 0x80, 0x00, 0x00, 0x05, 'a', 'b' };
	size_t used;

	tcp_frame_init(&f, MAX);
	ck_assert_int_eq(tcp_frame_feed(&f, pfx, sizeof(pfx), &used),
	    TCP_FRAME_ERR_RESERVED);
	ck_assert_uint_eq(used, 4);
	ck_assert_int_eq(tcp_frame_feed(&f, pfx + 4, 2, &used),
	    TCP_FRAME_ERR_RESERVED);
	ck_assert_uint_eq(used, 0);
	tcp_frame_clear(&f);
}
END_TEST

START_TEST(test_two_to_the_31)
{
	struct tcp_frame f;
	const uint8_t huge[] = { 0x80, 0x00, 0x00, 0x00 };
	const uint8_t big[] = { 0x7f, 0xff, 0xff, 0xff };
	size_t used;

	/* 2^31 has only the reserved bit set; 2^31-1 is just too long.
	 * Neither may allocate anything. */
	tcp_frame_init(&f, 0x7fffffffu);
	ck_assert_int_eq(tcp_frame_feed(&f, huge, 4, &used),
	    TCP_FRAME_ERR_RESERVED);
	ck_assert_ptr_null(f.msg);
	tcp_frame_clear(&f);
	tcp_frame_init(&f, MAX);
	ck_assert_int_eq(tcp_frame_feed(&f, big, 4, &used),
	    TCP_FRAME_ERR_TOOLONG);
	ck_assert_ptr_null(f.msg);
	tcp_frame_clear(&f);
}
END_TEST

START_TEST(test_truncated_prefix_eof)
{
	struct tcp_frame f;
	const uint8_t part[] = { 0x00, 0x00 };
	uint8_t buf[16];
	size_t used, n;

	tcp_frame_init(&f, MAX);
	ck_assert_int_eq(tcp_frame_eof(&f), TCP_FRAME_NEED_MORE);
	ck_assert_int_eq(tcp_frame_feed(&f, part, 2, &used),
	    TCP_FRAME_NEED_MORE);
	ck_assert_uint_eq(used, 2);
	ck_assert_int_eq(tcp_frame_eof(&f), TCP_FRAME_ERR_TRUNCATED);
	tcp_frame_clear(&f);

	/* A body cut short is truncated too. */
	tcp_frame_init(&f, MAX);
	n = frame(buf, 8, 'z');
	ck_assert_int_eq(tcp_frame_feed(&f, buf, n - 3, &used),
	    TCP_FRAME_NEED_MORE);
	ck_assert_int_eq(tcp_frame_eof(&f), TCP_FRAME_ERR_TRUNCATED);
	tcp_frame_clear(&f);
}
END_TEST

START_TEST(test_status_strings)
{
	ck_assert_str_eq(tcp_frame_status_str(TCP_FRAME_ERR_RESERVED),
	    "reserved high bit set in the length prefix");
	ck_assert_str_eq(tcp_frame_status_str(TCP_FRAME_ERR_TOOLONG),
	    "message length above the limit");
}
END_TEST

int
main(void)
{
	const struct {
		const char *name;
		const TTest *fn;
	} tests[] = {
		{ "one_feed", test_one_feed },
		{ "byte_at_a_time", test_byte_at_a_time },
		{ "several_in_one_feed", test_several_in_one_feed },
		{ "zero_length", test_zero_length },
		{ "max_boundary", test_max_boundary },
		{ "reserved_bit", test_reserved_bit },
		{ "two_to_the_31", test_two_to_the_31 },
		{ "truncated_prefix_eof", test_truncated_prefix_eof },
		{ "status_strings", test_status_strings },
	};
	Suite *s = suite_create("tcp_frame");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	size_t i;
	int failed;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		tcase_add_test(tc, tests[i].fn);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
