/*
 * check_net.c - the network layer and dispatch together on loopback:
 * asynchronous replies, in-order handling on one TCP connection,
 * cancellation when a client goes away, UDP replies, oversize UDP replies
 * and the TCP connection limit.
 *
 * The event loop runs in the test's main thread; a client thread does
 * blocking socket I/O and raises `done` when finished, which a short
 * periodic timer turns into loop_break().
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "dispatch.h"
#include "log.h"
#include "loop.h"
#include "net.h"

/* The tests have no full server: the dispatch table stands in for it. */
struct dispatch *server_dispatch(struct kdc_server *srv);

struct dispatch *
server_dispatch(struct kdc_server *srv)
{
	return (struct dispatch *)srv;
}

#define MAX_PARKED 8

static struct {
	struct loop *loop;
	struct dispatch *d;
	struct net *net;
	struct loop_timer *tick;
	struct loop_timer *complete;
	uint16_t port;
	atomic_int done;
	atomic_int parked_now;       /* handler has parked a request */
	struct kdc_req_handle *parked[MAX_PARKED];
	int n_parked;
	int max_parked;
	int cancelled;
	size_t reply_size;           /* 0: echo the request */
	int ticks;
} T;

/* A request for which a handler is registered: [APPLICATION 10] {INT n} */
static void
make_req(uint8_t out[5], uint8_t n)
{
	out[0] = 0x6a;
	out[1] = 0x03;
	out[2] = 0x02;
	out[3] = 0x01;
	out[4] = n;
}

static void
on_cancel(struct kdc_req_handle *h, void *arg)
{
	int i, j;

	(void)arg;
	T.cancelled++;
	for (i = 0; i < T.n_parked; i++)
		if (T.parked[i] == h) {
			for (j = i; j + 1 < T.n_parked; j++)
				T.parked[j] = T.parked[j + 1];
			T.n_parked--;
			break;
		}
}

static void
park(struct kdc_req_handle *h, const uint8_t *msg, size_t len, void *arg)
{
	(void)msg;
	(void)len;
	(void)arg;
	dispatch_set_cancel(h, on_cancel, NULL);
	T.parked[T.n_parked++] = h;
	if (T.n_parked > T.max_parked)
		T.max_parked = T.n_parked;
	atomic_store(&T.parked_now, 1);
	if (T.complete != NULL)
		loop_timer_arm(T.complete, 30);
}

/* Finish the oldest parked request with an echo (or a big reply). */
static void
complete_one(void *arg)
{
	struct kdc_req_handle *h;
	uint8_t *big;
	int i;

	(void)arg;
	if (T.n_parked == 0)
		return;
	h = T.parked[0];
	for (i = 0; i + 1 < T.n_parked; i++)
		T.parked[i] = T.parked[i + 1];
	T.n_parked--;
	if (T.reply_size > 0) {
		big = calloc(1, T.reply_size);
		dispatch_finish(h, big, T.reply_size, 0, "big");
		free(big);
	} else {
		/* An AS-REP-tagged stand-in for a real reply. */
		dispatch_finish(h, (const uint8_t *)"\x6b\x02\x02\x00", 4, 0,
		    "echo");
	}
	if (T.n_parked > 0)
		loop_timer_arm(T.complete, 30);
}

static void
tick(void *arg)
{
	(void)arg;
	if (atomic_load(&T.done) || ++T.ticks > 500)
		loop_break(T.loop);
	else
		loop_timer_arm(T.tick, 10);
}

static uint16_t
pick_port(void)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

static void
setup_with(unsigned int max_conns, size_t max_dgram, int auto_complete)
{
	struct net_limits lim = { max_dgram, 4096, 5000, max_conns, 16, 0 };
	struct net_addr a;
	struct sockaddr_in *sin = (struct sockaddr_in *)&a.ss;
	struct kerr e;

	memset(&T, 0, sizeof(T));
	log_init("check_net");
	T.loop = loop_new();
	T.d = dispatch_new();
	ck_assert_int_eq(dispatch_set_realm(T.d, "EXAMPLE.TEST"), 0);
	ck_assert_int_eq(dispatch_register(T.d, KRB_MSG_AS_REQ, park, NULL), 0);
	T.net = net_new(T.loop, (struct kdc_server *)T.d, &lim);
	ck_assert_ptr_nonnull(T.net);
	T.port = pick_port();
	memset(&a, 0, sizeof(a));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(T.port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.len = sizeof(*sin);
	ck_assert_int_eq(net_prepare(T.net, &a, 1, &a, 1, &e), 0);
	net_commit(T.net);
	T.tick = loop_timer_new(T.loop, tick, NULL);
	if (auto_complete)
		T.complete = loop_timer_new(T.loop, complete_one, NULL);
	loop_timer_arm(T.tick, 10);
}

static void
run_client(void *(*fn)(void *))
{
	pthread_t th;

	ck_assert_int_eq(pthread_create(&th, NULL, fn, NULL), 0);
	loop_run(T.loop);
	pthread_join(th, NULL);
}

static void
teardown(void)
{
	net_free(T.net);
	dispatch_free(T.d);
	loop_timer_free(T.tick);
	loop_timer_free(T.complete);
	loop_free(T.loop);
}

static int
client_connect(int type)
{
	struct sockaddr_in sin;
	struct timeval tv = { 3, 0 };
	int fd = socket(AF_INET, type, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(T.port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static ssize_t
read_full(int fd, uint8_t *buf, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = recv(fd, buf + got, n - got, 0);
		if (r <= 0)
			return r;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Results the client threads leave for the assertions. */
static struct {
	int replies;
	uint8_t first[8];
	size_t first_len;
	int eof;
	int b_served;
} R;

static void *
client_two_pipelined(void *arg)
{
	uint8_t out[18], hdr[4], body[16];
	int fd, i;

	(void)arg;
	memset(&R, 0, sizeof(R));
	fd = client_connect(SOCK_STREAM);
	out[0] = out[1] = out[2] = 0;
	out[3] = 5;
	make_req(out + 4, 1);
	memcpy(out + 9, out, 4);
	make_req(out + 13, 2);
	(void)!send(fd, out, 18, 0);
	for (i = 0; i < 2; i++) {
		if (read_full(fd, hdr, 4) != 4)
			break;
		if (hdr[3] > sizeof(body) || read_full(fd, body, hdr[3]) != hdr[3])
			break;
		R.replies++;
	}
	close(fd);
	atomic_store(&T.done, 1);
	return NULL;
}

START_TEST(test_tcp_async_in_order)
{
	setup_with(16, 4096, 1);
	run_client(client_two_pipelined);
	ck_assert_int_eq(R.replies, 2);
	/* The second request was not read while the first was parked. */
	ck_assert_int_eq(T.max_parked, 1);
	ck_assert_uint_eq(dispatch_pending(T.d), 0);
	teardown();
}
END_TEST

static void *
client_close_while_parked(void *arg)
{
	uint8_t out[9];
	int fd, i;

	(void)arg;
	fd = client_connect(SOCK_STREAM);
	out[0] = out[1] = out[2] = 0;
	out[3] = 5;
	make_req(out + 4, 7);
	(void)!send(fd, out, 9, 0);
	for (i = 0; i < 300 && !atomic_load(&T.parked_now); i++)
		usleep(10000);
	close(fd);
	usleep(200000);
	atomic_store(&T.done, 1);
	return NULL;
}

START_TEST(test_tcp_cancel_on_close)
{
	setup_with(16, 4096, 0);
	run_client(client_close_while_parked);
	ck_assert_int_eq(T.cancelled, 1);
	ck_assert_int_eq(T.n_parked, 0);
	ck_assert_uint_eq(dispatch_pending(T.d), 0);
	ck_assert_uint_eq(net_tcp_count(T.net), 0);
	teardown();
}
END_TEST

static void *
client_udp(void *arg)
{
	uint8_t req[5], buf[4096];
	ssize_t n;
	int fd;

	(void)arg;
	memset(&R, 0, sizeof(R));
	fd = client_connect(SOCK_DGRAM);
	make_req(req, 3);
	(void)!send(fd, req, sizeof(req), 0);
	n = recv(fd, buf, sizeof(buf), 0);
	if (n > 0) {
		R.replies = 1;
		R.first_len = (size_t)n;
		memcpy(R.first, buf, sizeof(R.first));
	}
	close(fd);
	atomic_store(&T.done, 1);
	return NULL;
}

START_TEST(test_udp_async_reply)
{
	setup_with(16, 4096, 1);
	run_client(client_udp);
	ck_assert_int_eq(R.replies, 1);
	ck_assert_uint_eq(R.first_len, 4);
	ck_assert_int_eq(R.first[0], 0x6b);
	teardown();
}
END_TEST

START_TEST(test_udp_reply_too_big)
{
	setup_with(16, 512, 1);
	T.reply_size = 2000;
	run_client(client_udp);
	ck_assert_int_eq(R.replies, 1);
	/* A KRB-ERROR (RESPONSE_TOO_BIG) went out instead of 2000 octets. */
	ck_assert_int_eq(R.first[0], 0x7e);
	ck_assert_uint_lt(R.first_len, 512);
	teardown();
}
END_TEST

static void *
client_limit(void *arg)
{
	uint8_t out[9], hdr[4], c;
	int a, b;

	(void)arg;
	memset(&R, 0, sizeof(R));
	a = client_connect(SOCK_STREAM);
	usleep(100000);
	b = client_connect(SOCK_STREAM);
	out[0] = out[1] = out[2] = 0;
	out[3] = 5;
	make_req(out + 4, 9);
	(void)!send(b, out, 9, 0);
	if (read_full(b, hdr, 4) == 4)
		R.b_served = 1;
	R.eof = recv(a, &c, 1, 0) == 0;
	close(a);
	close(b);
	atomic_store(&T.done, 1);
	return NULL;
}

START_TEST(test_tcp_connection_limit)
{
	setup_with(1, 4096, 1);
	run_client(client_limit);
	ck_assert_int_eq(R.b_served, 1);
	ck_assert_int_eq(R.eof, 1);
	teardown();
}
END_TEST

START_TEST(test_msg_type)
{
	const uint8_t as[] = { 0x6a, 0x03, 0x02, 0x01, 0x05 };
	const uint8_t longform[] = { 0x6c, 0x81, 0x01, 0x00 };
	const uint8_t trailing[] = { 0x6a, 0x01, 0x00, 0x00 };
	const uint8_t universal[] = { 0x30, 0x00 };
	const uint8_t indefinite[] = { 0x6a, 0x80, 0x00, 0x00 };

	ck_assert_int_eq(dispatch_msg_type(as, sizeof(as)), 10);
	ck_assert_int_eq(dispatch_msg_type(longform, sizeof(longform)), 12);
	ck_assert_int_eq(dispatch_msg_type(trailing, sizeof(trailing)), -1);
	ck_assert_int_eq(dispatch_msg_type(universal, sizeof(universal)), -1);
	ck_assert_int_eq(dispatch_msg_type(indefinite, sizeof(indefinite)), -1);
	ck_assert_int_eq(dispatch_msg_type(as, 1), -1);
}
END_TEST

int
main(void)
{
	const TTest *tests[] = {
		test_tcp_async_in_order,
		test_tcp_cancel_on_close,
		test_udp_async_reply,
		test_udp_reply_too_big,
		test_tcp_connection_limit,
		test_msg_type,
	};
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	size_t i;
	int failed;

	tcase_set_timeout(tc, 20);
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		tcase_add_test(tc, tests[i]);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
