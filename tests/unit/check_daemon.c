/*
 * check_daemon.c - the pid file (exclusive, stale files replaced, removal
 * only of our own file) and sd_notify datagrams (path and abstract
 * socket names).
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "notify.h"
#include "pidfile.h"

static char dir[64];
static char pidpath[128];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_daemon.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(pidpath, sizeof(pidpath), "%s/kdc.pid", dir);
}

static void
teardown(void)
{
	unlink(pidpath);
	rmdir(dir);
}

static void
write_pid(long pid)
{
	FILE *f = fopen(pidpath, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "%ld\n", pid);
	fclose(f);
}

static long
read_pid(void)
{
	FILE *f = fopen(pidpath, "r");
	long v = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

START_TEST(test_pidfile_create_remove)
{
	struct pidfile *pf = NULL;
	struct kerr e;

	ck_assert_int_eq(pidfile_create(pidpath, &pf, &e), 0);
	ck_assert_int_eq(read_pid(), (long)getpid());
	pidfile_remove(pf);
	ck_assert_int_eq(access(pidpath, F_OK), -1);
}
END_TEST

START_TEST(test_pidfile_live_other)
{
	struct pidfile *pf = NULL;
	struct kerr e;
	char want[64];

	/* Our parent is alive: its pid file must not be taken over. */
	write_pid((long)getppid());
	kerr_clear(&e);
	ck_assert_int_eq(pidfile_create(pidpath, &pf, &e), -1);
	ck_assert_ptr_null(pf);
	snprintf(want, sizeof(want), "already running as pid %ld",
	    (long)getppid());
	ck_assert_msg(strstr(e.msg, want) != NULL, "message: %s", e.msg);
	ck_assert_int_eq(read_pid(), (long)getppid());
}
END_TEST

START_TEST(test_pidfile_stale)
{
	struct pidfile *pf = NULL;
	struct kerr e;
	pid_t child;

	child = fork();
	if (child == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(child, NULL, 0), child);
	write_pid((long)child);
	ck_assert_int_eq(pidfile_create(pidpath, &pf, &e), 0);
	ck_assert_int_eq(read_pid(), (long)getpid());
	pidfile_remove(pf);
}
END_TEST

START_TEST(test_pidfile_not_ours_kept)
{
	struct pidfile *pf = NULL;
	struct kerr e;

	/* A successor replaced the file: removing ours must leave it. */
	ck_assert_int_eq(pidfile_create(pidpath, &pf, &e), 0);
	write_pid((long)getppid());
	pidfile_remove(pf);
	ck_assert_int_eq(read_pid(), (long)getppid());
}
END_TEST

/* Bind a datagram socket at name ('@' = abstract) and set NOTIFY_SOCKET. */
static int
listen_notify(const char *name)
{
	struct sockaddr_un sun;
	socklen_t len;
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", name);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(name) + (name[0] == '@' ? 0 : 1));
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, len), 0);
	setenv("NOTIFY_SOCKET", name, 1);
	return fd;
}

static void
expect_datagram(int fd, const char *want)
{
	char buf[256];
	ssize_t n;

	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_str_eq(buf, want);
}

START_TEST(test_notify_path)
{
	char path[160];
	int fd;

	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = listen_notify(path);
	ck_assert_int_eq(notify_send("READY=1"), 0);
	expect_datagram(fd, "READY=1");
	ck_assert_int_eq(notify_sendf("STATUS=%d realms", 2), 0);
	expect_datagram(fd, "STATUS=2 realms");
	close(fd);
	unlink(path);
}
END_TEST

START_TEST(test_notify_abstract)
{
	char name[64];
	int fd;

	snprintf(name, sizeof(name), "@check-daemon-%ld", (long)getpid());
	fd = listen_notify(name);
	ck_assert_int_eq(notify_send("STOPPING=1"), 0);
	expect_datagram(fd, "STOPPING=1");
	close(fd);
}
END_TEST

START_TEST(test_notify_unset_and_bad)
{
	unsetenv("NOTIFY_SOCKET");
	ck_assert_int_eq(notify_send("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "relative/name", 1);
	ck_assert_int_eq(notify_send("READY=1"), -1);
	setenv("NOTIFY_SOCKET", "/nonexistent/notify.sock", 1);
	ck_assert_int_eq(notify_send("READY=1"), -1);
	unsetenv("NOTIFY_SOCKET");
}
END_TEST

int
main(void)
{
	const TTest *tests[] = {
		test_pidfile_create_remove,
		test_pidfile_live_other,
		test_pidfile_stale,
		test_pidfile_not_ours_kept,
		test_notify_path,
		test_notify_abstract,
		test_notify_unset_and_bad,
	};
	Suite *s = suite_create("daemon");
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
