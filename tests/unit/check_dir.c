/*
 * check_dir.c - directory layer: filter escaping, value parsing and account
 * parsing (pure), then lookups against a private slapd started with
 * tests/integration/slapd.sh (skipped with exit 77 if slapd is missing):
 * by sAMAccountName and UPN, unknown and duplicate names, timeouts, a
 * server that is down, failover, recovery after a restart, SASL EXTERNAL,
 * cancellation and bounds on what the server sends.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <signal.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
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

/* --- pure ---------------------------------------------------------------- */

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

/* --- live ---------------------------------------------------------------- */

static char srv_dir[256];
static char srv_uri[256];
static char srv_ldapi[512];
static char srv_pwfile[300];
static char srv_ldaps[256];
static char srv_ca[300];

static const char *
top_srcdir(void)
{
	const char *t = getenv("top_srcdir");

	return t ? t : ".";
}

static int
run_cmd(const char *cmd, char *out, size_t outlen)
{
	FILE *p = popen(cmd, "r");
	char drain[256];
	size_t n = 0;

	if (p == NULL)
		return -1;
	if (out != NULL) {
		n = fread(out, 1, outlen - 1, p);
		out[n] = '\0';
		while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
			out[--n] = '\0';
	}
	/* Drain the rest so the command never dies of SIGPIPE. */
	while (fread(drain, 1, sizeof(drain), p) > 0)
		;
	return pclose(p);
}

static int
slapd_ctl(const char *what)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "sh %s/tests/integration/slapd.sh %s %s",
	    top_srcdir(), what, srv_dir);
	return run_cmd(cmd, NULL, 0);
}

static void
srv_setup(void)
{
	char cmd[2048], path[300];
	FILE *f;

	snprintf(srv_dir, sizeof(srv_dir), "/tmp/check_dir.XXXXXX");
	if (mkdtemp(srv_dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/dup.ldif", srv_dir);
	f = fopen(path, "w");
	if (f == NULL)
		abort();
	/* Two accounts sharing one UPN: a directory error to detect. */
	fprintf(f, "dn: cn=eve1,ou=Users,dc=example,dc=test\n"
	    "objectClass: inetOrgPerson\nobjectClass: user\ncn: eve1\n"
	    "sn: Dup\nsAMAccountName: eve1\n"
	    "userPrincipalName: eve@example.test\nuserAccountControl: 512\n\n"
	    "dn: cn=eve2,ou=Users,dc=example,dc=test\n"
	    "objectClass: inetOrgPerson\nobjectClass: user\ncn: eve2\n"
	    "sn: Dup\nsAMAccountName: eve2\n"
	    "userPrincipalName: EVE@example.test\nuserAccountControl: 512\n");
	fclose(f);
	snprintf(cmd, sizeof(cmd), "sh %s/tests/integration/slapd.sh start %s "
	    "%s/conf/sample.ldif %s", top_srcdir(), srv_dir, top_srcdir(),
	    path);
	if (run_cmd(cmd, srv_uri, sizeof(srv_uri)) != 0 ||
	    strncmp(srv_uri, "ldap://", 7) != 0) {
		fprintf(stderr, "could not start slapd: %s\n", srv_uri);
		abort();
	}
	snprintf(cmd, sizeof(cmd), "sh %s/tests/integration/slapd.sh ldapi %s",
	    top_srcdir(), srv_dir);
	run_cmd(cmd, srv_ldapi, sizeof(srv_ldapi));
	snprintf(cmd, sizeof(cmd), "sh %s/tests/integration/slapd.sh ldaps %s",
	    top_srcdir(), srv_dir);
	run_cmd(cmd, srv_ldaps, sizeof(srv_ldaps));
	snprintf(srv_ca, sizeof(srv_ca), "%s/ca.pem", srv_dir);
	snprintf(srv_pwfile, sizeof(srv_pwfile), "%s/rootpw", srv_dir);
}

static void
srv_teardown(void)
{
	char cmd[600];

	slapd_ctl("stop");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", srv_dir);
	run_cmd(cmd, NULL, 0);
}

struct waiter {
	struct loop *loop;
	int done;
	struct kerr err;
	struct dir_account *acct;
	int overflow;
	size_t n;
};

static void
on_account(void *arg, const struct kerr *err, struct dir_account *acct)
{
	struct waiter *w = arg;

	w->done = 1;
	w->err = *err;
	w->acct = acct;
	loop_break(w->loop);
}

static void
on_guard(void *arg)
{
	loop_break(arg);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Run the loop until w->done or guard_ms passed. */
static void
wait_for(struct waiter *w, unsigned int guard_ms)
{
	struct loop_timer *t = loop_timer_new(w->loop, on_guard, w->loop);

	loop_timer_arm(t, guard_ms);
	while (!w->done) {
		loop_run(w->loop);
		if (!w->done)
			break;
	}
	loop_timer_free(t);
}

static struct dir *
live_dir(struct loop *l, const char *uri1, const char *uri2,
    unsigned int timeout_s)
{
	struct dir_settings s;
	struct kerr e;
	struct dir *d;

	memset(&s, 0, sizeof(s));
	s.uris[s.n_uris++] = uri1;
	if (uri2 != NULL)
		s.uris[s.n_uris++] = uri2;
	s.base_dn = "dc=example,dc=test";
	s.bind_dn = "cn=admin,dc=example,dc=test";
	s.bind_password_file = srv_pwfile;
	s.timeout_s = timeout_s;
	s.reconnect_min_ms = 100;
	s.reconnect_max_ms = 400;
	d = dir_new(l, &s, &e);
	ck_assert_msg(d != NULL, "dir_new: %s", e.msg);
	return d;
}

/* The account cache find() passes (NULL: none). */
static struct dir_account_cache *find_cache;

/* Look up with the given keys (kind/value pairs, terminated by -1). */
static void
find(struct dir *d, struct waiter *w, int kind, const char *v, int kind2,
    const char *v2)
{
	struct dir_account_query q;
	struct kerr e;

	memset(&q, 0, sizeof(q));
	q.cache = find_cache;
	q.keys[q.n_keys].kind = kind;
	q.keys[q.n_keys++].value = v;
	if (kind2 >= 0) {
		q.keys[q.n_keys].kind = kind2;
		q.keys[q.n_keys++].value = v2;
	}
	w->done = 0;
	w->acct = NULL;
	ck_assert_msg(dir_find_account(d, &q, on_account, w, &e) != NULL,
	    "dir_find_account: %s", e.msg);
	wait_for(w, 15000);
	ck_assert_msg(w->done, "lookup did not finish");
}

static int
closed_port(void)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

START_TEST(test_live_sam_and_upn)
{
	struct loop *l = loop_new();
	struct dir *d = live_dir(l, srv_uri, NULL, 5);
	struct waiter w = { .loop = l };
	char sid[128];

	find(d, &w, DIR_KEY_SAM, "alice", -1, NULL);
	ck_assert_msg(w.err.code == 0, "%s", w.err.msg);
	ck_assert_str_eq(w.acct->dn, "cn=alice,ou=Users,dc=example,dc=test");
	ck_assert_str_eq(w.acct->user_principal_name, "alice@example.test");
	ck_assert_uint_eq(w.acct->user_account_control, 512);
	ck_assert_uint_eq(w.acct->n_alt_security_identities, 2);
	ck_assert_uint_eq(w.acct->n_member_of, 1);
	ck_assert_int_eq(w.acct->when_created, 1704110400);
	ck_assert_int_eq(dir_sid_to_string(w.acct->object_sid,
	    w.acct->object_sid_len, sid, sizeof(sid)), 0);
	ck_assert_str_eq(sid, "S-1-5-21-1111111111-2222222222-3333333333-1104");
	dir_account_free(w.acct);
	ck_assert(dir_connected(d));

	/* UPN matching is case-insensitive, as in AD. */
	find(d, &w, DIR_KEY_UPN, "ALICE@Example.TEST", -1, NULL);
	ck_assert_msg(w.err.code == 0, "%s", w.err.msg);
	ck_assert_str_eq(w.acct->sam_account_name, "alice");
	dir_account_free(w.acct);

	/* Disabled account is found; the flag is the caller's business. */
	find(d, &w, DIR_KEY_SAM, "erin", -1, NULL);
	ck_assert_msg(w.err.code == 0, "%s", w.err.msg);
	ck_assert(w.acct->user_account_control & DIR_UAC_ACCOUNTDISABLE);
	dir_account_free(w.acct);
	dir_free(d);
	loop_free(l);
}
END_TEST

START_TEST(test_live_key_order)
{
	struct loop *l = loop_new();
	struct dir *d = live_dir(l, srv_uri, NULL, 5);
	struct waiter w = { .loop = l };

	/* "ws1" is no account; "ws1$" is the computer. */
	find(d, &w, DIR_KEY_SAM, "ws1", DIR_KEY_SAM, "ws1$");
	ck_assert_msg(w.err.code == 0, "%s", w.err.msg);
	ck_assert_int_eq(w.acct->is_computer, 1);
	ck_assert_str_eq(w.acct->dns_host_name, "ws1.example.test");
	ck_assert_uint_eq(w.acct->n_service_principal_names, 2);
	dir_account_free(w.acct);

	find(d, &w, DIR_KEY_SAM, "nobody", DIR_KEY_UPN, "nobody@example.test");
	ck_assert_int_eq(w.err.code, KDC_ERR_C_PRINCIPAL_UNKNOWN);
	ck_assert_ptr_null(w.acct);

	find(d, &w, DIR_KEY_UPN, "eve@example.test", -1, NULL);
	ck_assert_int_eq(w.err.code, KDC_ERR_PRINCIPAL_NOT_UNIQUE);
	ck_assert_msg(strstr(w.err.msg, "2 accounts") != NULL, "%s", w.err.msg);
	ck_assert_ptr_null(w.acct);
	dir_free(d);
	loop_free(l);
}
END_TEST

START_TEST(test_live_timeout)
{
	struct loop *l = loop_new();
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct waiter w = { .loop = l };
	char uri[64];
	struct dir *d;
	double t0, dt;
	int fd;

	/* A server that accepts connections and never says anything. */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	snprintf(uri, sizeof(uri), "ldap://127.0.0.1:%d/", ntohs(sin.sin_port));
	d = live_dir(l, uri, NULL, 1);
	t0 = now_s();
	find(d, &w, DIR_KEY_SAM, "alice", -1, NULL);
	dt = now_s() - t0;
	ck_assert_int_eq(w.err.code, KDC_ERR_SVC_UNAVAILABLE);
	ck_assert_msg(dt >= 0.9 && dt <= 2.0, "timeout took %.3f s", dt);
	dir_free(d);
	close(fd);
	loop_free(l);
}
END_TEST

/* A "server" that answers the bind with a BER header announcing 1 GiB:
 * the connection is dropped at once instead of waiting or allocating. */
START_TEST(test_live_garbage_server)
{
	static const unsigned char huge[] = { 0x30, 0x84, 0x40, 0x00, 0x00,
	    0x00, 0x02, 0x01, 0x01 };
	struct loop *l = loop_new();
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct waiter w = { .loop = l };
	char uri[64], buf[512];
	struct dir *d;
	double t0, dt;
	pid_t pid;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int c;

		while ((c = accept(fd, NULL, NULL)) >= 0) {
			if (read(c, buf, sizeof(buf)) > 0 &&
			    write(c, huge, sizeof(huge)) < 0)
				break;
			sleep(5);
			close(c);
		}
		_exit(0);
	}
	snprintf(uri, sizeof(uri), "ldap://127.0.0.1:%d/", ntohs(sin.sin_port));
	d = live_dir(l, uri, NULL, 3);
	t0 = now_s();
	find(d, &w, DIR_KEY_SAM, "alice", -1, NULL);
	dt = now_s() - t0;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ck_assert_int_eq(w.err.code, KDC_ERR_SVC_UNAVAILABLE);
	ck_assert_msg(dt < 1.0, "garbage took %.3f s", dt);
	dir_free(d);
	close(fd);
	loop_free(l);
}
END_TEST

START_TEST(test_live_down_and_failover)
{
	struct loop *l = loop_new();
	struct waiter w = { .loop = l };
	char uri[64];
	struct dir *d;
	double t0, dt;

	snprintf(uri, sizeof(uri), "ldap://127.0.0.1:%d/", closed_port());
	d = live_dir(l, uri, NULL, 5);
	t0 = now_s();
	find(d, &w, DIR_KEY_SAM, "alice", -1, NULL);
	dt = now_s() - t0;
	ck_assert_int_eq(w.err.code, KDC_ERR_SVC_UNAVAILABLE);
	ck_assert_msg(dt < 0.5, "down server took %.3f s", dt);
	/* During backoff the answer comes at once, without connecting. */
	find(d, &w, DIR_KEY_SAM, "alice", -1, NULL);
	ck_assert_int_eq(w.err.code, KDC_ERR_SVC_UNAVAILABLE);
	dir_free(d);

	d = live_dir(l, uri, srv_uri, 5);
	find(d, &w, DIR_KEY_SAM, "alice", -1, NULL);
	ck_assert_msg(w.err.code == 0, "%s", w.err.msg);
	dir_account_free(w.acct);
	dir_free(d);
	loop_free(l);
}
END_TEST

START_TEST(test_live_restart)
{
	struct loop *l = loop_new();
	struct dir *d = live_dir(l, srv_uri, NULL, 2);
	struct waiter w = { .loop = l };
	double t0;
	int ok = 0;

	find(d, &w, DIR_KEY_SAM, "bob", -1, NULL);
	ck_assert_msg(w.err.code == 0, "%s", w.err.msg);
	dir_account_free(w.acct);

	ck_assert_int_eq(slapd_ctl("stop"), 0);
	find(d, &w, DIR_KEY_SAM, "bob", -1, NULL);
	ck_assert_int_eq(w.err.code, KDC_ERR_SVC_UNAVAILABLE);
	ck_assert(!dir_connected(d));

	ck_assert_int_eq(slapd_ctl("start"), 0);
	/* The same dir object recovers once the backoff has run out. */
	t0 = now_s();
	while (now_s() - t0 < 10) {
		find(d, &w, DIR_KEY_SAM, "bob", -1, NULL);
		if (w.err.code == 0) {
			ok = 1;
			dir_account_free(w.acct);
			break;
		}
		ck_assert_int_eq(w.err.code, KDC_ERR_SVC_UNAVAILABLE);
		usleep(100000);
	}
	ck_assert_msg(ok, "no recovery after restart: %s", w.err.msg);
	ck_assert(dir_connected(d));
	dir_free(d);
	loop_free(l);
}
END_TEST

START_TEST(test_live_external)
{
	struct loop *l = loop_new();
	struct waiter w = { .loop = l };
	struct dir_settings s;
	struct kerr e;
	struct dir *d;

	memset(&s, 0, sizeof(s));
	s.uris[s.n_uris++] = srv_ldapi;
	s.base_dn = "dc=example,dc=test";
	s.sasl_external = 1;
	s.timeout_s = 5;
	d = dir_new(l, &s, &e);
	ck_assert_msg(d != NULL, "%s", e.msg);
	find(d, &w, DIR_KEY_UPN, "bob@example.test", -1, NULL);
	ck_assert_msg(w.err.code == 0, "%s", w.err.msg);
	ck_assert_str_eq(w.acct->assigned_authn_policy_silo,
	    "cn=Tier0 Silo,ou=AuthN Silos,dc=example,dc=test");
	dir_account_free(w.acct);
	dir_free(d);
	loop_free(l);
}
END_TEST

/* ldaps:// verifies the server against the configured CA. */
START_TEST(test_live_tls)
{
	struct loop *l = loop_new();
	struct waiter w = { .loop = l };
	struct dir_settings s;
	struct kerr e;
	struct dir *d;

	if (strncmp(srv_ldaps, "ldaps://", 8) != 0) {
		printf("openssl missing: ldaps test skipped\n");
		loop_free(l);
		return;
	}
	memset(&s, 0, sizeof(s));
	s.uris[s.n_uris++] = srv_ldaps;
	s.base_dn = "dc=example,dc=test";
	s.bind_dn = "cn=admin,dc=example,dc=test";
	s.bind_password_file = srv_pwfile;
	s.tls_ca_file = srv_ca;
	s.timeout_s = 5;
	d = dir_new(l, &s, &e);
	ck_assert_msg(d != NULL, "%s", e.msg);
	find(d, &w, DIR_KEY_SAM, "dave", -1, NULL);
	ck_assert_msg(w.err.code == 0, "%s", w.err.msg);
	ck_assert_ptr_null(w.acct->user_principal_name);
	dir_account_free(w.acct);
	dir_free(d);

	/* Without our CA the certificate is not trusted: no connection. */
	s.tls_ca_file = NULL;
	d = dir_new(l, &s, &e);
	ck_assert_msg(d != NULL, "%s", e.msg);
	find(d, &w, DIR_KEY_SAM, "dave", -1, NULL);
	ck_assert_int_eq(w.err.code, KDC_ERR_SVC_UNAVAILABLE);
	ck_assert_msg(strstr(w.err.msg, "TLS") != NULL, "%s", w.err.msg);
	dir_free(d);
	loop_free(l);
}
END_TEST

START_TEST(test_live_bad_password)
{
	struct loop *l = loop_new();
	struct waiter w = { .loop = l };
	struct dir_settings s;
	struct kerr e;
	struct dir *d;
	char path[] = "/tmp/check_dir_pw.XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_eq(write(fd, "wrong\n", 6), 6);
	close(fd);
	memset(&s, 0, sizeof(s));
	s.uris[s.n_uris++] = srv_uri;
	s.base_dn = "dc=example,dc=test";
	s.bind_dn = "cn=admin,dc=example,dc=test";
	s.bind_password_file = path;
	d = dir_new(l, &s, &e);
	unlink(path);
	ck_assert_msg(d != NULL, "%s", e.msg);
	find(d, &w, DIR_KEY_SAM, "alice", -1, NULL);
	ck_assert_int_eq(w.err.code, KDC_ERR_SVC_UNAVAILABLE);
	ck_assert_msg(strstr(w.err.msg, "nvalid credentials") != NULL, "%s",
	    w.err.msg);
	dir_free(d);
	loop_free(l);
}
END_TEST

static void
on_never(void *arg, const struct kerr *err, struct dir_account *acct)
{
	(void)arg;
	(void)err;
	dir_account_free(acct);
	ck_abort_msg("callback after cancel");
}

static void
on_entries(void *arg, const struct kerr *err, const struct dir_entries *res)
{
	struct waiter *w = arg;

	w->done = 1;
	w->err = *err;
	w->overflow = res->overflow;
	w->n = res->n;
	loop_break(w->loop);
}

/*
 * ldap_cache_ttl: the second lookup of an account or of an unknown name is
 * answered from the cache (from the loop, a copy the caller owns), a
 * lookup with other keys is not, and a cancelled hit is never delivered.
 */
START_TEST(test_live_account_cache)
{
	struct loop *l = loop_new();
	struct dir *d = live_dir(l, srv_uri, NULL, 5);
	struct waiter w = { .loop = l };
	struct dir_account_cache_stats st;
	struct dir_account_query q;
	struct dir_account_lookup *lk;
	struct dir_account *first;
	struct kerr e;
	int i;

	ck_assert_ptr_null(dir_account_cache_new(l, 0));
	find_cache = dir_account_cache_new(l, 60);
	ck_assert_ptr_nonnull(find_cache);
	find(d, &w, DIR_KEY_SAM, "alice", -1, NULL);
	ck_assert_msg(w.err.code == 0, "%s", w.err.msg);
	first = w.acct;
	find(d, &w, DIR_KEY_SAM, "alice", -1, NULL);
	ck_assert_msg(w.err.code == 0, "%s", w.err.msg);
	ck_assert_ptr_ne(w.acct, first);
	ck_assert_str_eq(w.acct->dn, first->dn);
	ck_assert_str_eq(w.acct->user_principal_name, "alice@example.test");
	ck_assert_uint_eq(w.acct->n_alt_security_identities, 2);
	ck_assert_uint_eq(w.acct->object_sid_len, first->object_sid_len);
	ck_assert_mem_eq(w.acct->object_sid, first->object_sid,
	    first->object_sid_len);
	dir_account_free(first);
	dir_account_free(w.acct);
	dir_account_cache_stats(find_cache, &st);
	ck_assert_uint_eq(st.hits, 1);
	ck_assert_uint_eq(st.misses, 1);

	/* Other keys: another entry. */
	find(d, &w, DIR_KEY_SAM, "alice", DIR_KEY_UPN, "alice@example.test");
	ck_assert_msg(w.err.code == 0, "%s", w.err.msg);
	dir_account_free(w.acct);
	dir_account_cache_stats(find_cache, &st);
	ck_assert_uint_eq(st.misses, 2);

	/* Negative answers are cached too. */
	for (i = 0; i < 2; i++) {
		find(d, &w, DIR_KEY_SAM, "nobody-here", -1, NULL);
		ck_assert_int_eq(w.err.code, KDC_ERR_C_PRINCIPAL_UNKNOWN);
		ck_assert_ptr_null(w.acct);
	}
	dir_account_cache_stats(find_cache, &st);
	ck_assert_uint_eq(st.hits, 2);

	/* A hit cancelled before the loop delivered it. */
	memset(&q, 0, sizeof(q));
	q.cache = find_cache;
	q.keys[0].kind = DIR_KEY_SAM;
	q.keys[0].value = "alice";
	q.n_keys = 1;
	lk = dir_find_account(d, &q, on_never, NULL, &e);
	ck_assert_ptr_nonnull(lk);
	dir_account_cancel(lk);
	w.done = 0;
	wait_for(&w, 300);   /* nothing may arrive */

	dir_account_cache_free(find_cache);
	find_cache = NULL;
	dir_free(d);
	loop_free(l);
}
END_TEST

START_TEST(test_live_cancel_and_bounds)
{
	struct loop *l = loop_new();
	struct dir *d = live_dir(l, srv_uri, NULL, 5);
	struct waiter w = { .loop = l };
	struct dir_account_query q;
	struct dir_account_lookup *lk;
	struct dir_settings s;
	struct kerr e;
	static const char *const attrs[] = { "altSecurityIdentities", NULL };
	static const char *const small_attrs[] = { "sAMAccountName", NULL };

	memset(&q, 0, sizeof(q));
	q.keys[0].kind = DIR_KEY_SAM;
	q.keys[0].value = "alice";
	q.n_keys = 1;
	lk = dir_find_account(d, &q, on_never, NULL, &e);
	ck_assert_ptr_nonnull(lk);
	dir_account_cancel(lk);
	wait_for(&w, 300);   /* nothing may arrive */

	/* The first search after cancel still works on the connection. */
	ck_assert_ptr_nonnull(dir_search(d, NULL, DIR_SCOPE_SUB,
	    "(objectClass=user)", attrs, on_entries, &w, &e));
	wait_for(&w, 5000);
	ck_assert_msg(w.err.code == 0, "%s", w.err.msg);
	ck_assert_uint_eq(w.n, 8);
	dir_free(d);

	/* Too many entries and too large values are errors. */
	memset(&s, 0, sizeof(s));
	s.uris[s.n_uris++] = srv_uri;
	s.base_dn = "dc=example,dc=test";
	s.bind_dn = "cn=admin,dc=example,dc=test";
	s.bind_password_file = srv_pwfile;
	s.max_entries = 3;
	s.max_value_size = 16;
	d = dir_new(l, &s, &e);
	ck_assert_ptr_nonnull(d);
	w.done = 0;
	ck_assert_ptr_nonnull(dir_search(d, NULL, DIR_SCOPE_SUB,
	    "(objectClass=user)", small_attrs, on_entries, &w, &e));
	wait_for(&w, 5000);
	ck_assert_msg(w.overflow == 1, "%d %s", w.err.code, w.err.msg);
	w.done = 0;
	ck_assert_ptr_nonnull(dir_search(d, NULL, DIR_SCOPE_SUB,
	    "(sAMAccountName=alice)", attrs, on_entries, &w, &e));
	wait_for(&w, 5000);
	ck_assert_int_eq(w.err.code, KRB_ERR_GENERIC);
	ck_assert_msg(strstr(w.err.msg, "limit 16") != NULL, "%s", w.err.msg);
	/* A '*' in a name matches literally, never as a wildcard. */
	w.done = 0;
	find(d, &w, DIR_KEY_SAM, "eve*", -1, NULL);
	ck_assert_int_eq(w.err.code, KDC_ERR_C_PRINCIPAL_UNKNOWN);
	/* A malformed filter is an error, not a crash. */
	w.done = 0;
	ck_assert_ptr_nonnull(dir_search(d, NULL, DIR_SCOPE_SUB,
	    "(objectClass=user", attrs, on_entries, &w, &e));
	wait_for(&w, 5000);
	ck_assert_int_eq(w.err.code, KRB_ERR_GENERIC);
	dir_free(d);

	/* More duplicates than the entry bound: still "not unique". */
	s.max_entries = 1;
	s.max_value_size = 0;
	d = dir_new(l, &s, &e);
	ck_assert_ptr_nonnull(d);
	find(d, &w, DIR_KEY_UPN, "eve@example.test", -1, NULL);
	ck_assert_int_eq(w.err.code, KDC_ERR_PRINCIPAL_NOT_UNIQUE);
	find(d, &w, DIR_KEY_UPN, "carol@example.test", -1, NULL);
	ck_assert_msg(w.err.code == 0, "%s", w.err.msg);
	dir_account_free(w.acct);
	dir_free(d);
	loop_free(l);
}
END_TEST

struct schema_check {
	struct waiter w;
	int sam, upn, altsec, user_aux, computer;
};

static void
on_schema(void *arg, const struct kerr *err, const struct dir_entries *res)
{
	struct schema_check *c = arg;
	const struct dir_attr *at, *oc;
	size_t i;

	c->w.done = 1;
	c->w.err = *err;
	loop_break(c->w.loop);
	if (err->code != 0 || res->n != 1)
		return;
	at = dir_entry_attr(&res->v[0], "attributeTypes");
	oc = dir_entry_attr(&res->v[0], "objectClasses");
	for (i = 0; at != NULL && i < at->n_vals; i++) {
		const char *v = dir_value_string(at, i);

		if (v == NULL)
			continue;
		if (strstr(v, "1.2.840.113556.1.4.221 NAME 'sAMAccountName'") &&
		    strstr(v, "EQUALITY caseIgnoreMatch"))
			c->sam = 1;
		if (strstr(v, "1.2.840.113556.1.4.656 NAME "
		    "'userPrincipalName'") &&
		    strstr(v, "EQUALITY caseIgnoreMatch"))
			c->upn = 1;
		if (strstr(v, "1.2.840.113556.1.4.867 NAME "
		    "'altSecurityIdentities'") && !strstr(v, "SINGLE-VALUE"))
			c->altsec = 1;
	}
	for (i = 0; oc != NULL && i < oc->n_vals; i++) {
		const char *v = dir_value_string(oc, i);

		if (v == NULL)
			continue;
		if (strstr(v, "1.2.840.113556.1.5.9 NAME 'user'") &&
		    strstr(v, "AUXILIARY"))
			c->user_aux = 1;
		if (strstr(v, "1.2.840.113556.1.3.30 NAME 'computer'") &&
		    strstr(v, "SUP user"))
			c->computer = 1;
	}
}

/* The server's subschema shows our definitions with AD's OIDs. */
START_TEST(test_live_schema)
{
	struct loop *l = loop_new();
	struct dir *d = live_dir(l, srv_uri, NULL, 5);
	struct schema_check c;
	struct kerr e;
	static const char *const attrs[] = { "attributeTypes",
	    "objectClasses", NULL };
	char cmd[1024], out[256];

	memset(&c, 0, sizeof(c));
	c.w.loop = l;
	ck_assert_ptr_nonnull(dir_search(d, "cn=Subschema", DIR_SCOPE_BASE,
	    "(objectClass=subschema)", attrs, on_schema, &c, &e));
	wait_for(&c.w, 5000);
	ck_assert_msg(c.w.err.code == 0, "%s", c.w.err.msg);
	ck_assert(c.sam && c.upn && c.altsec && c.user_aux && c.computer);
	dir_free(d);
	loop_free(l);

	/* The slapd.conf form of the schema loads the sample data too. */
	snprintf(cmd, sizeof(cmd), "SLAPD_CONFIG=conf sh %s/tests/integration/"
	    "slapd.sh start %s/conf-style %s/conf/sample.ldif && sh "
	    "%s/tests/integration/slapd.sh stop %s/conf-style", top_srcdir(),
	    srv_dir, top_srcdir(), top_srcdir(), srv_dir);
	ck_assert_msg(run_cmd(cmd, out, sizeof(out)) == 0, "%s", out);
	ck_assert_msg(strncmp(out, "ldap://127.0.0.1:", 17) == 0, "%s", out);
}
END_TEST

static int
have_slapd(void)
{
	const char *s = getenv("SLAPD");

	if (s != NULL)
		return access(s, X_OK) == 0;
	return access("/usr/sbin/slapd", X_OK) == 0 ||
	    run_cmd("command -v slapd >/dev/null 2>&1", NULL, 0) == 0;
}

int
main(void)
{
	Suite *s = suite_create("dir");
	TCase *tc = tcase_create("pure");
	TCase *live = tcase_create("live");
	SRunner *sr;
	int failed, with_live = have_slapd();

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
	if (with_live) {
		tcase_add_unchecked_fixture(live, srv_setup, srv_teardown);
		tcase_set_timeout(live, 60);
		tcase_add_test(live, test_live_sam_and_upn);
		tcase_add_test(live, test_live_key_order);
		tcase_add_test(live, test_live_timeout);
		tcase_add_test(live, test_live_garbage_server);
		tcase_add_test(live, test_live_down_and_failover);
		tcase_add_test(live, test_live_restart);
		tcase_add_test(live, test_live_external);
		tcase_add_test(live, test_live_bad_password);
		tcase_add_test(live, test_live_tls);
		tcase_add_test(live, test_live_cancel_and_bounds);
		tcase_add_test(live, test_live_account_cache);
		tcase_add_test(live, test_live_schema);
		suite_add_tcase(s, live);
	} else {
		printf("slapd not found: live directory tests skipped\n");
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (failed != 0)
		return EXIT_FAILURE;
	return with_live ? EXIT_SUCCESS : 77;
}
