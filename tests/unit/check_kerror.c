/* check_kerror.c - error codes, names and message composition. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "kerror.h"
#include "secmem.h"

START_TEST(test_names)
{
	ck_assert_str_eq(kerr_name(KDC_ERR_PREAUTH_REQUIRED), "KDC_ERR_PREAUTH_REQUIRED");
	ck_assert_str_eq(kerr_name(KDC_ERR_CLIENT_NAME_MISMATCH), "KDC_ERR_CLIENT_NAME_MISMATCH");
	ck_assert_int_eq(KDC_ERR_CLIENT_NAME_MISMATCH, 75);
	ck_assert_int_eq(KDC_ERR_INCONSISTENT_KEY_PURPOSE, 77);
	ck_assert_str_eq(kerr_name(9999), "KRB_ERR_UNKNOWN");
}
END_TEST

START_TEST(test_set_prefix)
{
	struct kerr e;

	ck_assert_int_eq(kerr_set(&e, KDC_ERR_POLICY, "denied by %s", "silo"), KDC_ERR_POLICY);
	ck_assert_int_eq(e.code, KDC_ERR_POLICY);
	kerr_prefix(&e, "alice: ");
	ck_assert_str_eq(e.msg, "alice: denied by silo");
	ck_assert_int_eq(kerr_set(NULL, 7, "x"), 7);
	kerr_clear(&e);
	ck_assert_int_eq(e.code, 0);
	ck_assert_str_eq(e.msg, "");
}
END_TEST

START_TEST(test_secmem)
{
	unsigned char a[16], b[16];

	memset(a, 0x5a, sizeof(a));
	memcpy(b, a, sizeof(b));
	ck_assert(sec_memeq(a, b, sizeof(a)));
	b[15] ^= 1;
	ck_assert(!sec_memeq(a, b, sizeof(a)));
	sec_wipe(a, sizeof(a));
	ck_assert_int_eq(a[0], 0);
	ck_assert_int_eq(a[15], 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("kerror");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_set_prefix);
	tcase_add_test(tc, test_secmem);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
