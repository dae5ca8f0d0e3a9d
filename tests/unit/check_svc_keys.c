/* check_svc_keys.c - service keys from a keytab and the key that issues. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc_keys.h"

static struct svc_keys *keys;

static void
load_keys(void)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	struct kerr e;

	/* The test keytab holds krbtgt/EXAMPLE.TEST@EXAMPLE.TEST (kvnos 1-3,
	 * all four AES enctypes, aes128-sha1 first), HTTP/www.example.test
	 * (kvno 300, aes256-sha1 and aes128-sha256) and
	 * host/legacy.example.test (kvno 7, 3DES and RC4 only). */
	snprintf(path, sizeof(path), "FILE:%s/tests/data/keytab/example.keytab",
	    top ? top : ".");
	ck_assert_msg(svc_keys_load(path, &keys, &e) == 0, "%s", e.msg);
}

static void
free_keys(void)
{
	svc_keys_free(keys);
	keys = NULL;
}

START_TEST(test_newest_first_key)
{
	const struct svc_key *k;

	ck_assert_uint_eq(keys->n, 14);
	k = svc_keys_for_issue(keys, "krbtgt/EXAMPLE.TEST@EXAMPLE.TEST");
	ck_assert_ptr_nonnull(k);
	ck_assert_uint_eq(k->kvno, 3);
	ck_assert_int_eq(k->key.enctype, 17);
	ck_assert(svc_keys_has_enctype(keys, k, 20));
	ck_assert(svc_keys_has_enctype(keys, k, 18));
	ck_assert(!svc_keys_has_enctype(keys, k, 23));
}
END_TEST

START_TEST(test_service_kvno_beyond_8_bits)
{
	const struct svc_key *k;

	k = svc_keys_for_issue(keys, "HTTP/www.example.test@EXAMPLE.TEST");
	ck_assert_ptr_nonnull(k);
	ck_assert_uint_eq(k->kvno, 300);
	ck_assert_int_eq(k->key.enctype, 18);
	ck_assert(svc_keys_has_enctype(keys, k, 19));
	ck_assert(!svc_keys_has_enctype(keys, k, 17));
}
END_TEST

START_TEST(test_legacy_only_service_has_no_key)
{
	/* DES3 and RC4 keys are skipped: such a service is unknown to us. */
	ck_assert_ptr_null(svc_keys_for_issue(keys,
	    "host/legacy.example.test@EXAMPLE.TEST"));
}
END_TEST

START_TEST(test_case_insensitive_fallback)
{
	const struct svc_key *k;

	k = svc_keys_for_issue(keys, "KRBTGT/example.test@example.test");
	ck_assert_ptr_nonnull(k);
	ck_assert_str_eq(k->principal, "krbtgt/EXAMPLE.TEST@EXAMPLE.TEST");
}
END_TEST

START_TEST(test_unknown)
{
	ck_assert_ptr_null(svc_keys_for_issue(keys, "host/x@EXAMPLE.TEST"));
	ck_assert_ptr_null(svc_keys_for_issue(NULL, "host/x@EXAMPLE.TEST"));
	svc_keys_free(NULL);
}
END_TEST

START_TEST(test_missing_file)
{
	struct svc_keys *k = NULL;
	struct kerr e;

	ck_assert_int_ne(svc_keys_load("FILE:/nonexistent/svc.keytab", &k, &e),
	    0);
	ck_assert_ptr_null(k);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("svc_keys");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, load_keys, free_keys);
	tcase_add_test(tc, test_newest_first_key);
	tcase_add_test(tc, test_service_kvno_beyond_8_bits);
	tcase_add_test(tc, test_legacy_only_service_has_no_key);
	tcase_add_test(tc, test_case_insensitive_fallback);
	tcase_add_test(tc, test_unknown);
	tcase_add_test(tc, test_missing_file);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
