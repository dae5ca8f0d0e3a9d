/* check_policy.c - the per-realm cache of policy and silo objects and the
 * attribute readers the policy stage uses. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_dir.h"

/* An entry with one attribute holding the given values. */
struct fixture {
	struct dir_entry e;
	struct dir_attr a[2];
	struct dir_value v[4];
};

static void
mk(struct fixture *f, const char *dn, const char *attr,
    const char *const *vals, size_t n)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	f->e.dn = (char *)dn;
	f->e.attrs = f->a;
	f->e.n_attrs = 1;
	f->a[0].name = (char *)attr;
	f->a[0].vals = f->v;
	f->a[0].n_vals = n;
	for (i = 0; i < n; i++) {
		f->v[i].data = (unsigned char *)vals[i];
		f->v[i].len = strlen(vals[i]);
	}
}

START_TEST(test_attr_readers)
{
	static const char *const t[] = { "TRUE" }, *const fl[] = { "false" },
	    *const junk[] = { "yes" }, *const two[] = { "TRUE", "FALSE" };
	static const char *const members[] = {
		"cn=bob,ou=Users,dc=example,dc=test",
		"CN=Alice,OU=Users,DC=example,DC=test",
	};
	struct fixture f;

	mk(&f, "cn=p", "msDS-AuthNPolicyEnforced", t, 1);
	ck_assert_int_eq(policy_attr_bool(&f.e, "msds-authnpolicyenforced", 0),
	    1);
	ck_assert_str_eq(policy_attr_str(&f.e, "msDS-AuthNPolicyEnforced"),
	    "TRUE");
	ck_assert_int_eq(policy_attr_bool(&f.e, "absent", 7), 7);
	mk(&f, "cn=p", "msDS-AuthNPolicyEnforced", fl, 1);
	ck_assert_int_eq(policy_attr_bool(&f.e, "msDS-AuthNPolicyEnforced", 1),
	    0);
	/* Malformed or multi-valued: the default, never a guess. */
	mk(&f, "cn=p", "msDS-AuthNPolicyEnforced", junk, 1);
	ck_assert_int_eq(policy_attr_bool(&f.e, "msDS-AuthNPolicyEnforced", 0),
	    0);
	mk(&f, "cn=p", "msDS-AuthNPolicyEnforced", two, 2);
	ck_assert_int_eq(policy_attr_bool(&f.e, "msDS-AuthNPolicyEnforced", 0),
	    0);
	ck_assert_ptr_null(policy_attr_str(&f.e, "msDS-AuthNPolicyEnforced"));
	/* Silo membership: DNs compared case-insensitively. */
	mk(&f, "cn=s", "msDS-AuthNPolicySiloMembers", members, 2);
	ck_assert_int_eq(policy_attr_has_dn(&f.e, "msDS-AuthNPolicySiloMembers",
	    "cn=alice,ou=users,dc=example,dc=test"), 1);
	ck_assert_int_eq(policy_attr_has_dn(&f.e, "msDS-AuthNPolicySiloMembers",
	    "cn=carol,ou=Users,dc=example,dc=test"), 0);
	ck_assert_int_eq(policy_attr_has_dn(NULL, "x", "cn=a"), 0);
}
END_TEST

START_TEST(test_cache_ttl)
{
	static const char *const v1[] = { "TRUE" }, *const v2[] = { "FALSE" };
	struct policy_cache *c = policy_cache_new(300);
	const struct dir_entry *got;
	struct fixture f;

	ck_assert_ptr_null(policy_cache_get(c, "cn=p", 1000));
	mk(&f, "cn=P", "msDS-AuthNPolicyEnforced", v1, 1);
	got = policy_cache_put(c, &f.e, 1000);
	ck_assert_ptr_nonnull(got);
	/* A copy: the caller's entry can go away. */
	ck_assert_ptr_ne(got, &f.e);
	ck_assert_ptr_nonnull(policy_cache_get(c, "cn=p", 1299));
	ck_assert_ptr_null(policy_cache_get(c, "cn=p", 1300));
	ck_assert_ptr_null(policy_cache_get(c, "cn=p", 999));
	/* Re-reading replaces the old copy. */
	mk(&f, "cn=p", "msDS-AuthNPolicyEnforced", v2, 1);
	policy_cache_put(c, &f.e, 2000);
	got = policy_cache_get(c, "CN=P", 2001);
	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(policy_attr_bool(got, "msDS-AuthNPolicyEnforced", 1),
	    0);
	policy_cache_free(c);
	policy_cache_free(NULL);
}
END_TEST

START_TEST(test_cache_bounded)
{
	static const char *const v[] = { "TRUE" };
	struct policy_cache *c = policy_cache_new(1000000);
	struct fixture f;
	char dn[64];
	int i;

	/* More objects than slots: the stalest are dropped. */
	for (i = 0; i < POLICY_CACHE_MAX + 10; i++) {
		snprintf(dn, sizeof(dn), "cn=p%d", i);
		mk(&f, dn, "cn", v, 1);
		ck_assert_ptr_nonnull(policy_cache_put(c, &f.e, 1000 + i));
	}
	ck_assert_ptr_null(policy_cache_get(c, "cn=p0", 5000));
	ck_assert_ptr_null(policy_cache_get(c, "cn=p9", 5000));
	ck_assert_ptr_nonnull(policy_cache_get(c, "cn=p10", 5000));
	snprintf(dn, sizeof(dn), "cn=p%d", POLICY_CACHE_MAX + 9);
	ck_assert_ptr_nonnull(policy_cache_get(c, dn, 5000));
	policy_cache_free(c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_attr_readers);
	tcase_add_test(tc, test_cache_ttl);
	tcase_add_test(tc, test_cache_bounded);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
