/*
 * check_dir_groups.c - nested group resolution against a private slapd
 * (tests/integration/slapd.sh with conf/sample.ldif and
 * tests/data/ldap/mapping.ldif): memberOf first level, member searches
 * for nesting and for accounts without memberOf, cycles, the cache and
 * its lifetime.  Exits 77 (skipped) without slapd.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dir_account.h"
#include "dir_groups.h"
#include "dir_ldap.h"
#include "loop.h"

static char srv_dir[64], srv_uri[256], srv_pw[300];

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
	size_t n;

	if (p == NULL)
		return -1;
	if (out != NULL) {
		n = fread(out, 1, outlen - 1, p);
		out[n] = '\0';
		while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
			out[--n] = '\0';
	}
	while (fread(drain, 1, sizeof(drain), p) > 0)
		;
	return pclose(p);
}

static void
srv_setup(void)
{
	char cmd[2048];

	snprintf(srv_dir, sizeof(srv_dir), "/tmp/check_dir_groups.XXXXXX");
	if (mkdtemp(srv_dir) == NULL)
		abort();
	snprintf(cmd, sizeof(cmd), "sh %s/tests/integration/slapd.sh start %s "
	    "%s/conf/sample.ldif %s/tests/data/ldap/mapping.ldif",
	    top_srcdir(), srv_dir, top_srcdir(), top_srcdir());
	if (run_cmd(cmd, srv_uri, sizeof(srv_uri)) != 0 ||
	    strncmp(srv_uri, "ldap://", 7) != 0) {
		fprintf(stderr, "could not start slapd: %s\n", srv_uri);
		abort();
	}
	snprintf(srv_pw, sizeof(srv_pw), "%s/rootpw", srv_dir);
}

static void
srv_teardown(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "sh %s/tests/integration/slapd.sh stop %s; "
	    "rm -rf %s", top_srcdir(), srv_dir, srv_dir);
	run_cmd(cmd, NULL, 0);
}

struct world {
	struct loop *loop;
	struct dir *dir;
	struct dir_groups *g;
	struct kerr err;
	int called;
};

static void
on_groups(void *arg, const struct kerr *err, struct dir_groups *g)
{
	struct world *w = arg;

	w->err = *err;
	w->g = g;
	w->called++;
	loop_break(w->loop);
}

static void
on_guard(void *arg)
{
	loop_break(arg);
}

static void
world_init(struct world *w)
{
	struct dir_settings s;
	struct kerr e;

	memset(w, 0, sizeof(*w));
	memset(&s, 0, sizeof(s));
	w->loop = loop_new();
	ck_assert_ptr_nonnull(w->loop);
	s.uris[0] = srv_uri;
	s.n_uris = 1;
	s.base_dn = "dc=example,dc=test";
	s.bind_dn = "cn=admin,dc=example,dc=test";
	s.bind_password_file = srv_pw;
	w->dir = dir_new(w->loop, &s, &e);
	ck_assert_msg(w->dir != NULL, "%s", e.msg);
}

static void
world_free(struct world *w)
{
	dir_groups_free(w->g);
	dir_free(w->dir);
	loop_free(w->loop);
}

/* Resolve and wait (bounded) for the callback. */
static void
resolve(struct world *w, struct dir_groups_cache *c,
    const struct dir_account *a, int64_t now)
{
	struct loop_timer *t = loop_timer_new(w->loop, on_guard, w->loop);
	struct dir_groups_req *r;
	struct kerr e;

	dir_groups_free(w->g);
	w->g = NULL;
	w->called = 0;
	r = dir_groups_resolve(w->dir, c, a, now, on_groups, w, &e);
	ck_assert_msg(r != NULL, "%s", e.msg);
	ck_assert_int_eq(w->called, 0);       /* never from inside */
	loop_timer_arm(t, 10000);
	loop_run(w->loop);
	loop_timer_free(t);
	ck_assert_int_eq(w->called, 1);
	ck_assert_msg(w->err.code == 0, "%s", w->err.msg);
	ck_assert_ptr_nonnull(w->g);
}

static int
has(const struct dir_groups *g, const char *dn)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		if (strcmp(g->dns[i], dn) == 0)
			return 1;
	}
	return 0;
}

START_TEST(test_member_searches_and_cycle)
{
	struct dir_account a;
	struct world w;

	memset(&a, 0, sizeof(a));
	a.dn = "cn=twin1,ou=Mapping,dc=example,dc=test";
	world_init(&w);
	resolve(&w, NULL, &a, 1000);
	ck_assert_uint_eq(w.g->n, 4);
	ck_assert(has(w.g, "cn=Twins,ou=Groups,dc=example,dc=test"));
	ck_assert(has(w.g, "cn=All Twins,ou=Groups,dc=example,dc=test"));
	ck_assert(has(w.g, "cn=Cycle A,ou=Groups,dc=example,dc=test"));
	ck_assert(has(w.g, "cn=Cycle B,ou=Groups,dc=example,dc=test"));
	ck_assert_int_eq(w.g->truncated, 0);
	world_free(&w);
}
END_TEST

START_TEST(test_member_of_then_nested)
{
	static char *mo[] = {
		"cn=Smartcard Users,ou=Groups,dc=example,dc=test"
	};
	struct dir_account a;
	struct world w;

	memset(&a, 0, sizeof(a));
	a.dn = "cn=alice,ou=Users,dc=example,dc=test";
	a.member_of = mo;
	a.n_member_of = 1;
	world_init(&w);
	resolve(&w, NULL, &a, 1000);
	ck_assert_uint_eq(w.g->n, 2);
	ck_assert_str_eq(w.g->dns[0], mo[0]);
	ck_assert(has(w.g, "cn=Nested Outer,ou=Groups,dc=example,dc=test"));
	world_free(&w);
}
END_TEST

START_TEST(test_no_groups)
{
	struct dir_account a;
	struct world w;

	memset(&a, 0, sizeof(a));
	a.dn = "cn=dave,ou=Users,dc=example,dc=test";
	world_init(&w);
	resolve(&w, NULL, &a, 1000);
	ck_assert_uint_eq(w.g->n, 0);
	world_free(&w);
}
END_TEST

START_TEST(test_cache_lifetime)
{
	struct dir_groups_cache *c = dir_groups_cache_new(60);
	struct dir_groups *g;
	struct dir_account a;
	struct world w;

	memset(&a, 0, sizeof(a));
	a.dn = "cn=twin1,ou=Mapping,dc=example,dc=test";
	ck_assert_ptr_null(dir_groups_cached(c, a.dn, 1000));
	world_init(&w);
	resolve(&w, c, &a, 1000);
	g = dir_groups_cached(c, "CN=twin1,ou=Mapping,dc=example,dc=test",
	    1059);
	ck_assert_ptr_nonnull(g);
	ck_assert_uint_eq(g->n, 4);
	dir_groups_free(g);
	ck_assert_ptr_null(dir_groups_cached(c, a.dn, 1060));
	world_free(&w);
	dir_groups_cache_free(c);
	/* Lifetime 0: nothing is kept. */
	c = dir_groups_cache_new(0);
	world_init(&w);
	resolve(&w, c, &a, 1000);
	ck_assert_ptr_null(dir_groups_cached(c, a.dn, 1000));
	world_free(&w);
	dir_groups_cache_free(c);
}
END_TEST

START_TEST(test_cancel)
{
	struct dir_account a;
	struct dir_groups_req *r;
	struct world w;
	struct kerr e;

	memset(&a, 0, sizeof(a));
	a.dn = "cn=twin1,ou=Mapping,dc=example,dc=test";
	world_init(&w);
	r = dir_groups_resolve(w.dir, NULL, &a, 1000, on_groups, &w, &e);
	ck_assert_ptr_nonnull(r);
	dir_groups_cancel(r);
	dir_groups_cancel(NULL);
	ck_assert_int_eq(w.called, 0);
	world_free(&w);
}
END_TEST

static int
have_slapd(void)
{
	return access("/usr/sbin/slapd", X_OK) == 0 ||
	    run_cmd("command -v slapd >/dev/null 2>&1", NULL, 0) == 0;
}

int
main(void)
{
	Suite *s = suite_create("dir_groups");
	TCase *tc = tcase_create("live");
	SRunner *sr;
	int failed;

	if (!have_slapd()) {
		printf("slapd not found: skipped\n");
		return 77;
	}
	tcase_add_unchecked_fixture(tc, srv_setup, srv_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_member_searches_and_cycle);
	tcase_add_test(tc, test_member_of_then_nested);
	tcase_add_test(tc, test_no_groups);
	tcase_add_test(tc, test_cache_lifetime);
	tcase_add_test(tc, test_cancel);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
