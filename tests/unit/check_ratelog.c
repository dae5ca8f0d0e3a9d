/* check_ratelog.c - per-source rate limiting of log lines. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ratelog.h"

static struct sockaddr_in
v4(const char *addr, unsigned short port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	ck_assert_int_eq(inet_pton(AF_INET, addr, &sin.sin_addr), 1);
	return sin;
}

static int
check4(struct ratelog *rl, const char *addr, unsigned short port,
    enum ratelog_kind kind, int64_t now, unsigned long *supp)
{
	struct sockaddr_in sin = v4(addr, port);

	return ratelog_check(rl, (struct sockaddr *)&sin, sizeof(sin), kind,
	    now, supp);
}

START_TEST(test_first_logged_rest_counted)
{
	struct ratelog *rl = ratelog_new();
	unsigned long supp;
	int i;

	ck_assert_ptr_nonnull(rl);
	ck_assert_int_eq(check4(rl, "192.0.2.1", 1000, RATELOG_GARBAGE, 100,
	    &supp), 1);
	ck_assert_uint_eq(supp, 0);
	for (i = 0; i < 4999; i++)
		ck_assert_int_eq(check4(rl, "192.0.2.1", 1000 + i,
		    RATELOG_GARBAGE, 100 + i % RATELOG_INTERVAL, &supp), 0);
	/* After the interval: one line carrying the count. */
	ck_assert_int_eq(check4(rl, "192.0.2.1", 7, RATELOG_GARBAGE,
	    100 + RATELOG_INTERVAL, &supp), 1);
	ck_assert_uint_eq(supp, 4999);
	ck_assert_int_eq(check4(rl, "192.0.2.1", 7, RATELOG_GARBAGE,
	    101 + RATELOG_INTERVAL, &supp), 0);
	ratelog_free(rl);
}
END_TEST

START_TEST(test_sources_and_kinds_apart)
{
	struct ratelog *rl = ratelog_new();
	struct sockaddr_in6 sin6;
	unsigned long supp;

	ck_assert_int_eq(check4(rl, "192.0.2.1", 1, RATELOG_GARBAGE, 5,
	    &supp), 1);
	ck_assert_int_eq(check4(rl, "192.0.2.2", 1, RATELOG_GARBAGE, 5,
	    &supp), 1);
	ck_assert_int_eq(check4(rl, "192.0.2.1", 1, RATELOG_FRAMING, 5,
	    &supp), 1);
	ck_assert_int_eq(check4(rl, "192.0.2.1", 2, RATELOG_FRAMING, 5,
	    &supp), 0);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr.s6_addr[15] = 1;
	ck_assert_int_eq(ratelog_check(rl, (struct sockaddr *)&sin6,
	    sizeof(sin6), RATELOG_GARBAGE, 5, &supp), 1);
	ck_assert_int_eq(ratelog_check(rl, (struct sockaddr *)&sin6,
	    sizeof(sin6), RATELOG_GARBAGE, 6, &supp), 0);
	/* No address: one shared source. */
	ck_assert_int_eq(ratelog_check(rl, NULL, 0, RATELOG_GARBAGE, 5,
	    &supp), 1);
	ck_assert_int_eq(ratelog_check(rl, NULL, 0, RATELOG_GARBAGE, 5,
	    &supp), 0);
	ratelog_free(rl);
}
END_TEST

START_TEST(test_many_sources_bounded)
{
	struct ratelog *rl = ratelog_new();
	unsigned long supp;
	char addr[32];
	int i, logged = 0;

	/* Far more sources than slots: each new one is logged (memory is
	 * fixed; forgotten sources are simply new again). */
	for (i = 0; i < 4 * RATELOG_SLOTS; i++) {
		snprintf(addr, sizeof(addr), "10.0.%d.%d", i / 250, i % 250 + 1);
		logged += check4(rl, addr, 1, RATELOG_CONN_LIMIT, 9, &supp);
	}
	ck_assert_int_eq(logged, 4 * RATELOG_SLOTS);
	/* The most recent source is still remembered. */
	ck_assert_int_eq(check4(rl, addr, 2, RATELOG_CONN_LIMIT, 9, &supp), 0);
	ratelog_free(rl);
}
END_TEST

START_TEST(test_null_table_logs)
{
	unsigned long supp = 7;

	ck_assert_int_eq(ratelog_check(NULL, NULL, 0, RATELOG_GARBAGE, 0,
	    &supp), 1);
	ck_assert_uint_eq(supp, 0);
	ratelog_free(NULL);
	ck_assert(ratelog_now() >= 0);
}
END_TEST

int
main(void)
{
	const struct {
		const char *name;
		const TTest *fn;
	} tests[] = {
		{ "first_logged_rest_counted", test_first_logged_rest_counted },
		{ "sources_and_kinds_apart", test_sources_and_kinds_apart },
		{ "many_sources_bounded", test_many_sources_bounded },
		{ "null_table_logs", test_null_table_logs },
	};
	Suite *s = suite_create("ratelog");
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
