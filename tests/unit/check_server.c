/*
 * check_server.c - reload is all or nothing: a failing hook, a broken file
 * or an unusable address leaves the running configuration in force, and a
 * good reload commits every hook and moves the listeners.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kdc_config.h"
#include "server.h"

static char dir[64];
static char path[128];

struct hook_rec {
	int fail;
	int prepared, committed, aborted;
	void *last_state;
};

static kerr_t
hook_prepare(void *arg, const struct kdc_config *cfg, void **state_out,
    struct kerr *e)
{
	struct hook_rec *r = arg;

	ck_assert_ptr_nonnull(cfg);
	r->prepared++;
	if (r->fail)
		return kerr_set(e, KDC_ERR_KDC_NOT_TRUSTED, "no usable key");
	*state_out = r;
	return 0;
}

static void
hook_commit(void *arg, void *state)
{
	struct hook_rec *r = arg;

	r->committed++;
	r->last_state = state;
}

static void
hook_abort(void *arg, void *state)
{
	struct hook_rec *r = arg;

	r->aborted++;
	r->last_state = state;
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
write_conf(const char *listen)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "[kdcdefaults]\n\tkdc_listen = %s\n\tkdc_tcp_listen = %s\n"
	    "[logging]\n\tkdc = FILE:%s/kdc.log\n"
	    "[realms]\n\tEXAMPLE.TEST = {\n"
	    "\t\tkrbtgt_keytab = FILE:%s/krbtgt.keytab\n"
	    "\t\tpkinit_identity = FILE:%s/kdc.pem,%s/kdc.key\n"
	    "\t\tpkinit_anchors = FILE:%s/ca.pem\n"
	    "\t\tldap_uri = ldap://127.0.0.1:389\n"
	    "\t\tldap_base_dn = dc=example,dc=test\n\t}\n",
	    listen, listen, dir, dir, dir, dir, dir);
	fclose(f);
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_server.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/kdc.conf", dir);
}

static void
teardown(void)
{
	char p[192];

	snprintf(p, sizeof(p), "%s/kdc.log", dir);
	unlink(p);
	unlink(path);
	rmdir(dir);
}

static uint16_t
cfg_port(const struct kdc_server *srv)
{
	const struct sockaddr_in *sin =
	    (const struct sockaddr_in *)&server_config(srv)->udp.v[0].ss;

	return ntohs(sin->sin_port);
}

/* Can we bind this TCP port ourselves? (0 = free, -1 = in use) */
static int
port_free(uint16_t port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0), rc, one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rc = bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    listen(fd, 1) == 0 ? 0 : -1;
	close(fd);
	return rc;
}

START_TEST(test_reload_atomic)
{
	struct kdc_server *srv = NULL;
	struct hook_rec a = { 0 }, b = { 0 };
	const struct kdc_config *before;
	char listen[64], err[512];
	uint16_t p1 = pick_port(), p2;
	struct kerr e;

	snprintf(listen, sizeof(listen), "127.0.0.1:%u", p1);
	write_conf(listen);
	ck_assert_int_eq(server_new(path, &srv, err, sizeof(err)), 0);
	ck_assert_int_eq(server_add_reload_hook(srv, "keys", hook_prepare,
	    hook_commit, hook_abort, &a), 0);
	ck_assert_int_eq(server_add_reload_hook(srv, "certs", hook_prepare,
	    hook_commit, hook_abort, &b), 0);
	ck_assert_int_eq(server_listen(srv, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(port_free(p1), -1);
	before = server_config(srv);

	/* A later hook fails: the earlier one is aborted, nothing moves. */
	p2 = pick_port();
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", p2);
	write_conf(listen);
	b.fail = 1;
	kerr_clear(&e);
	ck_assert_int_eq(server_reload(srv, &e), -1);
	ck_assert_str_eq(e.msg, "certs: no usable key");
	ck_assert_int_eq(e.code, KDC_ERR_KDC_NOT_TRUSTED);
	ck_assert_int_eq(a.prepared, 1);
	ck_assert_int_eq(a.aborted, 1);
	ck_assert_int_eq(a.committed, 0);
	ck_assert_int_eq(b.committed + b.aborted, 0);
	ck_assert_ptr_eq(server_config(srv), before);
	ck_assert_uint_eq(cfg_port(srv), p1);
	ck_assert_int_eq(port_free(p2), 0);
	ck_assert_int_eq(port_free(p1), -1);

	/* A broken file: no hook runs, the error names file and line. */
	{
		FILE *f = fopen(path, "a");

		fputs("[broken\n", f);
		fclose(f);
	}
	b.fail = 0;
	kerr_clear(&e);
	ck_assert_int_eq(server_reload(srv, &e), -1);
	ck_assert_msg(strncmp(e.msg, path, strlen(path)) == 0 &&
	    e.msg[strlen(path)] == ':', "message: %s", e.msg);
	ck_assert_int_eq(a.prepared, 1);
	ck_assert_ptr_eq(server_config(srv), before);

	/* Good: every hook commits, the listener moves to the new port. */
	write_conf(listen);
	kerr_clear(&e);
	ck_assert_msg(server_reload(srv, &e) == 0, "reload: %s", e.msg);
	ck_assert_int_eq(a.committed, 1);
	ck_assert_int_eq(b.committed, 1);
	ck_assert_ptr_eq(b.last_state, &b);
	ck_assert_uint_eq(cfg_port(srv), p2);
	ck_assert_int_eq(port_free(p2), -1);
	ck_assert_int_eq(port_free(p1), 0);

	server_free(srv);
	ck_assert_int_eq(port_free(p2), 0);
}
END_TEST

START_TEST(test_reload_bind_failure)
{
	struct kdc_server *srv = NULL;
	struct hook_rec a = { 0 };
	struct sockaddr_in sin;
	char listen[64], err[512];
	uint16_t p1 = pick_port(), p2 = pick_port();
	struct kerr e;
	int blocker, one = 1;

	snprintf(listen, sizeof(listen), "127.0.0.1:%u", p1);
	write_conf(listen);
	ck_assert_int_eq(server_new(path, &srv, err, sizeof(err)), 0);
	ck_assert_int_eq(server_add_reload_hook(srv, "keys", hook_prepare,
	    hook_commit, hook_abort, &a), 0);
	ck_assert_int_eq(server_listen(srv, NULL, err, sizeof(err)), 0);

	/* Someone else holds the new UDP port: the reload must back out. */
	blocker = socket(AF_INET, SOCK_DGRAM, 0);
	setsockopt(blocker, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(p2);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(blocker, (struct sockaddr *)&sin, sizeof(sin)), 0);
	snprintf(listen, sizeof(listen), "127.0.0.1:%u 127.0.0.1:%u", p1, p2);
	write_conf(listen);
	kerr_clear(&e);
	ck_assert_int_eq(server_reload(srv, &e), -1);
	ck_assert_msg(strstr(e.msg, "cannot listen on 127.0.0.1:") != NULL,
	    "message: %s", e.msg);
	ck_assert_int_eq(a.aborted, 1);
	ck_assert_int_eq(a.committed, 0);
	ck_assert_uint_eq(server_config(srv)->udp.n, 1);
	/* The TCP socket staged for p2 was closed again. */
	ck_assert_int_eq(port_free(p2), 0);
	ck_assert_int_eq(port_free(p1), -1);
	close(blocker);
	server_free(srv);
}
END_TEST

START_TEST(test_new_reports_config_error)
{
	struct kdc_server *srv = NULL;
	char err[512];
	FILE *f;

	f = fopen(path, "w");
	fputs("[kdcdefaults]\n\tkdc_lisen = 88\n", f);
	fclose(f);
	ck_assert_int_eq(server_new(path, &srv, err, sizeof(err)), -1);
	ck_assert_ptr_null(srv);
	ck_assert_msg(strstr(err, ":2: ") != NULL, "message: %s", err);
}
END_TEST

int
main(void)
{
	const TTest *tests[] = {
		test_reload_atomic,
		test_reload_bind_failure,
		test_new_reports_config_error,
	};
	Suite *s = suite_create("server");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	size_t i;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		tcase_add_test(tc, tests[i]);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
