/* check_fresh.c - krbtgt key selection and RFC 8070 freshness tokens. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fresh.h"
#include "tgs_keys.h"

static struct tgs_keys *keys;

static void
load_keys(void)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	struct kerr e;

	snprintf(path, sizeof(path), "FILE:%s/tests/data/keytab/example.keytab",
	    top ? top : ".");
	ck_assert_msg(tgs_keys_load("EXAMPLE.TEST", path, &keys, &e) == 0,
	    "%s", e.msg);
}

static void
free_keys(void)
{
	tgs_keys_free(keys);
	keys = NULL;
}

START_TEST(test_load_and_choose)
{
	const struct tgs_key *k = tgs_keys_for_issue(keys);

	/* The keytab holds kvnos 1-3 with all four AES enctypes, listed
	 * aes128-sha1 first: the first key of the newest kvno issues. */
	ck_assert_uint_eq(keys->newest_kvno, 3);
	ck_assert_uint_eq(keys->n, 12);
	ck_assert_ptr_nonnull(k);
	ck_assert_uint_eq(k->kvno, 3);
	ck_assert_int_eq(k->key.enctype, 17);
	ck_assert_ptr_nonnull(tgs_keys_find(keys, 1, 17));
	ck_assert_ptr_null(tgs_keys_find(keys, 4, 17));
	ck_assert_ptr_eq(tgs_keys_find(keys, 0, 17), k);
	ck_assert_int_eq(tgs_keys_find(keys, 0, 20)->kvno, 3);
}
END_TEST

START_TEST(test_missing_principal)
{
	const char *top = getenv("top_srcdir");
	struct tgs_keys *other = NULL;
	char path[4096];
	struct kerr e;

	snprintf(path, sizeof(path), "%s/tests/data/keytab/example.keytab",
	    top ? top : ".");
	ck_assert_int_eq(tgs_keys_load("OTHER.TEST", path, &other, &e),
	    KDC_ERR_NULL_KEY);
	ck_assert_ptr_null(other);
	ck_assert(strstr(e.msg, "krbtgt/OTHER.TEST@OTHER.TEST") != NULL);
	ck_assert_int_ne(tgs_keys_load("EXAMPLE.TEST", "FILE:/nonexistent",
	    &other, &e), 0);
}
END_TEST

START_TEST(test_token_roundtrip)
{
	uint8_t *tok = NULL;
	size_t len = 0;
	struct kerr e;

	ck_assert_int_eq(fresh_token_make(keys, 1700000000, 5, &tok, &len, &e), 0);
	ck_assert_uint_le(len, FRESH_TOKEN_MAX);
	ck_assert_int_eq(fresh_token_check(keys, tok, len, 1700000000, 300, &e), 0);
	ck_assert_int_eq(fresh_token_check(keys, tok, len, 1700000600, 300, &e), 0);
	/* Older than ten minutes. */
	ck_assert_int_eq(fresh_token_check(keys, tok, len, 1700000601, 300, &e),
	    KDC_ERR_PREAUTH_EXPIRED);
	ck_assert(strstr(e.msg, "601 s old") != NULL);
	/* Made by a replica whose clock is ahead, within skew: fine. */
	ck_assert_int_eq(fresh_token_check(keys, tok, len, 1699999800, 300, &e), 0);
	ck_assert_int_eq(fresh_token_check(keys, tok, len, 1699999000, 300, &e),
	    KDC_ERR_PREAUTH_EXPIRED);
	free(tok);
}
END_TEST

START_TEST(test_token_forged)
{
	uint8_t *tok = NULL, *tok2 = NULL;
	size_t len = 0, len2 = 0, i;
	struct kerr e;

	ck_assert_int_eq(fresh_token_make(keys, 1700000000, 0, &tok, &len, &e), 0);
	for (i = 0; i < len; i++) {
		tok[i] ^= 0x40;
		ck_assert_int_eq(fresh_token_check(keys, tok, len, 1700000000,
		    300, &e), KDC_ERR_PREAUTH_EXPIRED);
		tok[i] ^= 0x40;
	}
	/* A header rewritten to kvno 0 ("newest") is not accepted either. */
	memset(tok + 1, 0, 4);
	ck_assert_int_eq(fresh_token_check(keys, tok, len, 1700000000, 300, &e),
	    KDC_ERR_PREAUTH_EXPIRED);
	ck_assert_int_eq(fresh_token_make(keys, 1700000000, 0, &tok2, &len2,
	    &e), 0);
	memcpy(tok, tok2, len2);
	free(tok2);
	for (i = 0; i < len; i++)
		ck_assert_int_eq(fresh_token_check(keys, tok, i, 1700000000,
		    300, &e), KDC_ERR_PREAUTH_EXPIRED);
	ck_assert_int_eq(fresh_token_check(keys, (const uint8_t *)"", 0,
	    1700000000, 300, &e), KDC_ERR_PREAUTH_EXPIRED);
	free(tok);
}
END_TEST

START_TEST(test_token_replica)
{
	/* A replica that loaded the same krbtgt keytab accepts our tokens. */
	struct tgs_keys *again = NULL;
	const char *top = getenv("top_srcdir");
	uint8_t *tok = NULL;
	size_t len = 0;
	char path[4096];
	struct kerr e;

	snprintf(path, sizeof(path), "%s/tests/data/keytab/example.keytab",
	    top ? top : ".");
	ck_assert_int_eq(tgs_keys_load("EXAMPLE.TEST", path, &again, &e), 0);
	ck_assert_int_eq(fresh_token_make(keys, 1700000000, 0, &tok, &len, &e), 0);
	ck_assert_int_eq(fresh_token_check(again, tok, len, 1700000010, 300, &e), 0);
	free(tok);
	tgs_keys_free(again);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("fresh");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, load_keys, free_keys);
	tcase_add_test(tc, test_load_and_choose);
	tcase_add_test(tc, test_missing_principal);
	tcase_add_test(tc, test_token_roundtrip);
	tcase_add_test(tc, test_token_forged);
	tcase_add_test(tc, test_token_replica);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
