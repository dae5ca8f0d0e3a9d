/* check_replay.c - the shared-memory TGS replay cache. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "replay.h"

#define NOW INT64_C(1700000000)

static struct replay_cache *rc;
static struct kerr e;

static void
setup(void)
{
	kerr_clear(&e);
	ck_assert_int_eq(replay_new(1024, &rc, &e), 0);
}

static void
teardown(void)
{
	replay_free(rc);
	rc = NULL;
}

START_TEST(test_second_use_refused)
{
	static const char a[] = "authenticator ciphertext A";

	ck_assert_int_eq(replay_check(rc, a, sizeof(a), NOW + 300, NOW, &e), 0);
	ck_assert_int_eq(replay_check(rc, a, sizeof(a), NOW + 300, NOW + 1, &e),
	    KRB_AP_ERR_REPEAT);
	ck_assert_ptr_nonnull(strstr(e.msg, "replay"));
}
END_TEST

START_TEST(test_distinct_accepted)
{
	struct replay_cache *big = NULL;
	char buf[32];
	int i;

	/* 500 entries spread over 8192 buckets: no bucket overflows (the
	 * fixture's 128 buckets would, by chance, now and then). */
	replay_free(rc);
	ck_assert_int_eq(replay_new(1u << 16, &big, &e), 0);
	rc = big;
	for (i = 0; i < 500; i++) {
		snprintf(buf, sizeof(buf), "authenticator %d", i);
		ck_assert_int_eq(replay_check(rc, buf, strlen(buf), NOW + 300,
		    NOW, &e), 0);
	}
	ck_assert_uint_eq(replay_evictions(rc), 0);
	/* All still remembered. */
	for (i = 0; i < 500; i++) {
		snprintf(buf, sizeof(buf), "authenticator %d", i);
		ck_assert_int_eq(replay_check(rc, buf, strlen(buf), NOW + 300,
		    NOW, &e), KRB_AP_ERR_REPEAT);
	}
}
END_TEST

START_TEST(test_expiry)
{
	static const char a[] = "old authenticator";

	ck_assert_int_eq(replay_check(rc, a, sizeof(a), NOW + 300, NOW, &e), 0);
	ck_assert_int_eq(replay_check(rc, a, sizeof(a), NOW + 300, NOW + 299,
	    &e), KRB_AP_ERR_REPEAT);
	/* Past its expiry the entry is gone (the skew check refuses such an
	 * authenticator before the cache is asked). */
	ck_assert_int_eq(replay_check(rc, a, sizeof(a), NOW + 600, NOW + 300,
	    &e), 0);
}
END_TEST

START_TEST(test_full_bucket_evicts_oldest)
{
	struct replay_cache *small = NULL;
	char buf[32];
	int i;

	/* One bucket of eight: the ninth live entry replaces the one that
	 * expires first, and counts as an eviction. */
	ck_assert_int_eq(replay_new(8, &small, &e), 0);
	for (i = 0; i < 9; i++) {
		snprintf(buf, sizeof(buf), "a%d", i);
		ck_assert_int_eq(replay_check(small, buf, strlen(buf),
		    NOW + 100 + i, NOW, &e), 0);
	}
	ck_assert_uint_eq(replay_evictions(small), 1);
	ck_assert_int_eq(replay_check(small, "a0", 2, NOW + 100, NOW, &e), 0);
	ck_assert_int_eq(replay_check(small, "a8", 2, NOW + 108, NOW, &e),
	    KRB_AP_ERR_REPEAT);
	replay_free(small);
}
END_TEST

START_TEST(test_shared_across_fork)
{
	static const char a[] = "sent to worker 1, replayed to worker 2";
	pid_t pid;
	int status = 0;

	/* A worker forked after creation records; its parent sees it. */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(replay_check(rc, a, sizeof(a), NOW + 300, NOW, NULL) == 0 ?
		    0 : 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(replay_check(rc, a, sizeof(a), NOW + 300, NOW, &e),
	    KRB_AP_ERR_REPEAT);
}
END_TEST

START_TEST(test_bounds)
{
	struct replay_cache *x = NULL;

	ck_assert_int_ne(replay_new(0, &x, &e), 0);
	ck_assert_int_ne(replay_new((size_t)REPLAY_MAX_ENTRIES + 1, &x, &e), 0);
	ck_assert_ptr_null(x);
	replay_free(NULL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("replay");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_second_use_refused);
	tcase_add_test(tc, test_distinct_accepted);
	tcase_add_test(tc, test_expiry);
	tcase_add_test(tc, test_full_bucket_evicts_oldest);
	tcase_add_test(tc, test_shared_across_fork);
	tcase_add_test(tc, test_bounds);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
