/*
 * check_dir.c - directory layer, pure parts: filter escaping (RFC 4515),
 * value parsing and account parsing from hand-built entries, and the
 * connection settings (no server needed).  The lookups against a
 * private slapd are in check_dir_live.c.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dir_account.h"
#include "dir_ldap.h"
#include "log.h"
#include "loop.h"

/* S-1-5-21-1111111111-2222222222-3333333333-1104 (alice in sample.ldif) */
static const unsigned char alice_sid[28] = {
	0x01, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x15, 0x00, 0x00,
	0x00, 0xc7, 0x35, 0x3a, 0x42, 0x8e, 0x6b, 0x74, 0x84, 0x55, 0xa1,
	0xae, 0xc6, 0x50, 0x04, 0x00, 0x00
};

START_TEST(test_filter_escape_rfc4515)
{
	char out[128];
	const unsigned char nul[] = { 0, 0, 'x' };

	/* RFC 4515 section 4 examples. */
	const char *parens = "Parens R Us (for all your parenthetical needs)";

	ck_assert_int_eq(dir_filter_escape(parens, strlen(parens), out,
	    sizeof(out)), strlen(parens) + 4);
	ck_assert_str_eq(out, "Parens R Us \\28for all your parenthetical "
	    "needs\\29");
	dir_filter_escape("*", 1, out, sizeof(out));
	ck_assert_str_eq(out, "\\2a");
	dir_filter_escape("C:\\MyFile", 9, out, sizeof(out));
	ck_assert_str_eq(out, "C:\\5cMyFile");
	dir_filter_escape(nul, sizeof(nul), out, sizeof(out));
	ck_assert_str_eq(out, "\\00\\00x");
	/* UTF-8 passes through unchanged. */
	dir_filter_escape("Lu\xc4\x8di\xc4\x87", 7, out, sizeof(out));
	ck_assert_str_eq(out, "Lu\xc4\x8di\xc4\x87");
	/* Exactly fitting and one byte short. */
	ck_assert_int_eq(dir_filter_escape("a*", 2, out, 5), 4);
	ck_assert(dir_filter_escape("a*", 2, out, 4) == (size_t)-1);
}
END_TEST

START_TEST(test_filter_eq)
{
	char out[64];

	ck_assert_int_eq(dir_filter_eq("sAMAccountName", "a)(uid=*", 8, out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "(sAMAccountName=a\\29\\28uid=\\2a)");
	ck_assert_int_eq(dir_filter_eq("cn)(x", "a", 1, out, sizeof(out)), -1);
	ck_assert_int_eq(dir_filter_eq("", "a", 1, out, sizeof(out)), -1);
	ck_assert_int_eq(dir_filter_eq("cn", "abcdef", 6, out, 10), -1);
}
END_TEST

START_TEST(test_account_filter)
{
	struct dir_account_key k;
	char out[512];

	k.kind = DIR_KEY_UPN;
	k.value = "Alice@Example.Test";
	k.value_len = 0;
	ck_assert_int_eq(dir_account_filter(&k, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "(&(objectClass=user)"
	    "(userPrincipalName=Alice@Example.Test))");
	k.kind = DIR_KEY_SAM;
	k.value = "ws1$*";
	ck_assert_int_eq(dir_account_filter(&k, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "(&(objectClass=user)(sAMAccountName=ws1$\\2a))");
	k.kind = DIR_KEY_SID;
	k.value = alice_sid;
	k.value_len = 4;
	ck_assert_int_eq(dir_account_filter(&k, out, sizeof(out)), 0);
	ck_assert_str_eq(out,
	    "(&(objectClass=user)(objectSid=\\01\\05\\00\\00))");
	/* Invalid UTF-8 and embedded NUL are refused, not searched. */
	k.kind = DIR_KEY_SAM;
	k.value = "a\xff";
	k.value_len = 0;
	ck_assert_int_eq(dir_account_filter(&k, out, sizeof(out)), -1);
	k.value = "a\0b";
	k.value_len = 3;
	ck_assert_int_eq(dir_account_filter(&k, out, sizeof(out)), -1);
	k.value = "";
	k.value_len = 0;
	ck_assert_int_eq(dir_account_filter(&k, out, sizeof(out)), -1);
}
END_TEST

START_TEST(test_utf8)
{
	ck_assert(dir_utf8_valid("plain", 5));
	ck_assert(dir_utf8_valid("Lu\xc4\x8di\xc4\x87", 8));
	ck_assert(dir_utf8_valid("\xf0\x9f\x94\x91", 4));         /* U+1F511 */
	ck_assert(!dir_utf8_valid("\xc0\x80", 2));                /* overlong */
	ck_assert(!dir_utf8_valid("\xe0\x80\xaf", 3));            /* overlong */
	ck_assert(!dir_utf8_valid("\xed\xa0\x80", 3));        /* surrogate */
	ck_assert(!dir_utf8_valid("\xf4\x90\x80\x80", 4));        /* > 10FFFF */
	ck_assert(!dir_utf8_valid("\xc4", 1));                /* truncated */
	ck_assert(!dir_utf8_valid("\x80", 1));
}
END_TEST

START_TEST(test_parse_values)
{
	int64_t v;
	char buf[128];

	ck_assert_int_eq(dir_parse_int64("512", 0, 100, &v), -1);
	ck_assert_int_eq(dir_parse_int64("512", 0, 1000, &v), 0);
	ck_assert_int_eq(v, 512);
	ck_assert_int_eq(dir_parse_int64("-1", INT64_MIN, INT64_MAX, &v), 0);
	ck_assert_int_eq(dir_parse_int64("9223372036854775807", INT64_MIN,
	    INT64_MAX, &v), 0);
	ck_assert(v == INT64_MAX);
	ck_assert_int_eq(dir_parse_int64("9223372036854775808", INT64_MIN,
	    INT64_MAX, &v), -1);
	ck_assert_int_eq(dir_parse_int64("12a", 0, 1000, &v), -1);
	ck_assert_int_eq(dir_parse_int64(" 1", 0, 1000, &v), -1);
	ck_assert_int_eq(dir_parse_int64("", 0, 1000, &v), -1);

	ck_assert_int_eq(dir_parse_gentime("20240101120000.0Z", &v), 0);
	ck_assert_int_eq(v, 1704110400);
	ck_assert_int_eq(dir_parse_gentime("19700101000000Z", &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(dir_parse_gentime("20241301000000Z", &v), -1);
	ck_assert_int_eq(dir_parse_gentime("20240101120000+0100", &v), -1);
	ck_assert_int_eq(dir_parse_gentime("20240101120000.Z", &v), -1);
	ck_assert_int_eq(dir_parse_gentime("2024", &v), -1);

	ck_assert_int_eq(dir_sid_to_string(alice_sid, sizeof(alice_sid), buf,
	    sizeof(buf)), 0);
	ck_assert_str_eq(buf, "S-1-5-21-1111111111-2222222222-3333333333-1104");
	ck_assert_int_eq(dir_sid_to_string(alice_sid, 27, buf, sizeof(buf)),
	    -1);
	ck_assert_int_eq(dir_sid_to_string(alice_sid, sizeof(alice_sid), buf,
	    20), -1);
}
END_TEST

/* A hand-built entry: attribute name / value pairs. */
struct fake {
	struct dir_entry e;
	struct dir_attr a[16];
	struct dir_value v[32];
};

static void
fake_add(struct fake *f, const char *name, const void *val, size_t len)
{
	struct dir_attr *a = NULL;
	size_t i, nv = 0;

	for (i = 0; i < f->e.n_attrs; i++) {
		if (strcmp(f->a[i].name, name) == 0)
			a = &f->a[i];
		nv += f->a[i].n_vals;
	}
	f->v[nv].data = (unsigned char *)val;
	f->v[nv].len = len ? len : strlen(val);
	if (a == NULL) {
		a = &f->a[f->e.n_attrs++];
		a->name = (char *)name;
		a->vals = &f->v[nv];
	}
	/* values of one attribute are added consecutively */
	a->n_vals++;
}

static void
fake_alice(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->e.dn = "cn=alice,ou=Users,dc=example,dc=test";
	f->e.attrs = f->a;
	fake_add(f, "objectClass", "inetOrgPerson", 0);
	fake_add(f, "objectClass", "user", 0);
	fake_add(f, "sAMAccountName", "alice", 0);
	fake_add(f, "userPrincipalName", "alice@example.test", 0);
	fake_add(f, "userAccountControl", "512", 0);
	fake_add(f, "accountExpires", "0", 0);
	fake_add(f, "whenCreated", "20240101120000.0Z", 0);
	fake_add(f, "objectSid", alice_sid, sizeof(alice_sid));
}

START_TEST(test_account_from_entry)
{
	struct fake f;
	struct dir_account *a = NULL;
	struct kerr e;

	fake_alice(&f);
	fake_add(&f, "altSecurityIdentities", "X509:<SKI>00", 0);
	fake_add(&f, "altSecurityIdentities", "X509:<SKI>01", 0);
	ck_assert_int_eq(dir_account_from_entry(&f.e, &a, &e), 0);
	ck_assert_str_eq(a->sam_account_name, "alice");
	ck_assert_str_eq(a->user_principal_name, "alice@example.test");
	ck_assert_uint_eq(a->user_account_control, 512);
	ck_assert_int_eq(a->is_computer, 0);
	ck_assert_int_eq(a->when_created, 1704110400);
	ck_assert_uint_eq(a->object_sid_len, 28);
	ck_assert_int_eq(memcmp(a->object_sid, alice_sid, 28), 0);
	ck_assert_uint_eq(a->n_alt_security_identities, 2);
	ck_assert_str_eq(a->alt_security_identities[1], "X509:<SKI>01");
	ck_assert_ptr_null(a->dns_host_name);
	dir_account_free(a);

	/* A negative 32-bit userAccountControl maps to the same bits. */
	fake_alice(&f);
	f.v[4].data = (unsigned char *)"-2147483136";
	f.v[4].len = strlen("-2147483136");
	ck_assert_int_eq(dir_account_from_entry(&f.e, &a, &e), 0);
	ck_assert_uint_eq(a->user_account_control, 0x80000200u);
	dir_account_free(a);
}
END_TEST

START_TEST(test_account_bad_entries)
{
	struct fake f;
	struct dir_account *a = NULL;
	struct kerr e;
	static const unsigned char bad_sid[] = { 1, 2, 0, 0, 0, 0, 0, 5, 1 };

	fake_alice(&f);
	fake_add(&f, "sAMAccountName", "alice2", 0);   /* two values */
	ck_assert_int_eq(dir_account_from_entry(&f.e, &a, &e), KRB_ERR_GENERIC);
	ck_assert_ptr_null(a);
	ck_assert_ptr_nonnull(strstr(e.msg, "sAMAccountName"));

	fake_alice(&f);
	f.v[3].data = (unsigned char *)"alice\xff@example.test";
	f.v[3].len = strlen((char *)f.v[3].data);
	ck_assert_int_eq(dir_account_from_entry(&f.e, &a, &e), KRB_ERR_GENERIC);
	ck_assert_ptr_nonnull(strstr(e.msg, "UTF-8"));

	fake_alice(&f);
	f.v[4].data = (unsigned char *)"4294967296";
	f.v[4].len = 10;
	ck_assert_int_eq(dir_account_from_entry(&f.e, &a, &e), KRB_ERR_GENERIC);

	fake_alice(&f);
	f.a[3].name = "description";   /* no userAccountControl */
	ck_assert_int_eq(dir_account_from_entry(&f.e, &a, &e), KRB_ERR_GENERIC);
	ck_assert_ptr_nonnull(strstr(e.msg, "userAccountControl"));

	fake_alice(&f);
	f.v[7].data = (unsigned char *)bad_sid;
	f.v[7].len = sizeof(bad_sid);
	ck_assert_int_eq(dir_account_from_entry(&f.e, &a, &e), KRB_ERR_GENERIC);
	ck_assert_ptr_nonnull(strstr(e.msg, "objectSid"));

	fake_alice(&f);
	f.v[6].data = (unsigned char *)"yesterday";
	f.v[6].len = 9;
	ck_assert_int_eq(dir_account_from_entry(&f.e, &a, &e), KRB_ERR_GENERIC);

	fake_alice(&f);
	f.v[2].data = (unsigned char *)"al\0ce";
	f.v[2].len = 5;
	ck_assert_int_eq(dir_account_from_entry(&f.e, &a, &e), KRB_ERR_GENERIC);
}
END_TEST

START_TEST(test_settings)
{
	struct loop *l = loop_new();
	struct dir_settings s;
	struct kerr e;
	char path[] = "/tmp/check_dir_pw.XXXXXX";
	int fd;

	memset(&s, 0, sizeof(s));
	s.base_dn = "dc=example,dc=test";
	s.n_uris = 1;
	s.uris[0] = "http://127.0.0.1/";
	ck_assert_ptr_null(dir_new(l, &s, &e));
	ck_assert_ptr_nonnull(strstr(e.msg, "LDAP URI"));
	s.uris[0] = "ldap://127.0.0.1/";
	s.sasl_external = 1;
	ck_assert_ptr_null(dir_new(l, &s, &e));
	ck_assert_ptr_nonnull(strstr(e.msg, "EXTERNAL"));
	s.sasl_external = 0;
	s.bind_dn = "cn=kdc,dc=example,dc=test";
	ck_assert_ptr_null(dir_new(l, &s, &e));
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "\n", 1), 1);
	close(fd);
	s.bind_password_file = path;
	ck_assert_ptr_null(dir_new(l, &s, &e));   /* empty password */
	ck_assert_ptr_nonnull(strstr(e.msg, "empty"));
	unlink(path);
	s.n_uris = 0;
	ck_assert_ptr_null(dir_new(l, &s, &e));
	loop_free(l);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dir");
	TCase *tc = tcase_create("pure");
	SRunner *sr;
	int failed;

	log_init("check_dir");
	tcase_add_test(tc, test_filter_escape_rfc4515);
	tcase_add_test(tc, test_filter_eq);
	tcase_add_test(tc, test_account_filter);
	tcase_add_test(tc, test_utf8);
	tcase_add_test(tc, test_parse_values);
	tcase_add_test(tc, test_account_from_entry);
	tcase_add_test(tc, test_account_bad_entries);
	tcase_add_test(tc, test_settings);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
