/* check_privdrop.c - -u user[:group]: parsing, and the switch itself. */
#include "config.h"

#include <check.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "privdrop.h"

START_TEST(test_parse)
{
	struct privdrop p;
	char err[256];
	struct passwd *pw = getpwnam("nobody");

	ck_assert_ptr_nonnull(pw);
	ck_assert_int_eq(privdrop_parse("nobody", &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p.uid, pw->pw_uid);
	ck_assert_uint_eq(p.gid, pw->pw_gid);
	ck_assert_str_eq(p.user, "nobody");
	ck_assert_int_eq(privdrop_parse("nobody:daemon", &p, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(p.gid, getgrnam("daemon")->gr_gid);
	ck_assert_int_eq(privdrop_parse("nobody:4321", &p, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(p.gid, 4321);
	/* A numeric id without a passwd entry: its own group, no name. */
	ck_assert_int_eq(privdrop_parse("54321", &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p.uid, 54321);
	ck_assert_uint_eq(p.gid, 54321);
	ck_assert_str_eq(p.user, "");
}
END_TEST

static const char *const bad[] = {
	"", ":daemon", "nobody:", "root", "0", "no-such-user-here",
	"nobody:no-such-group-here",
	"a-name-that-is-far-too-long-for-a-user-name-on-any-system-we-know",
};

START_TEST(test_parse_bad)
{
	struct privdrop p;
	char err[256] = "";

	memset(&p, 0x5a, sizeof(p));
	ck_assert_int_eq(privdrop_parse(bad[_i], &p, err, sizeof(err)), -1);
	ck_assert_msg(strncmp(err, "-u: ", 4) == 0, "%s", err);
	ck_assert_uint_eq(p.uid, 0x5a5a5a5au);   /* untouched */
}
END_TEST

/* In a child (the switch is for good): ids, groups, no way back. */
START_TEST(test_apply)
{
	struct privdrop p;
	char err[256];
	pid_t pid;
	int st;

	if (geteuid() != 0) {
		ck_assert_int_eq(privdrop_parse("nobody", &p, err,
		    sizeof(err)), 0);
		ck_assert_int_eq(privdrop_apply(&p, err, sizeof(err)), -1);
		ck_assert_ptr_nonnull(strstr(err, "only root"));
		return;
	}
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		gid_t groups[64];
		int n;

		if (privdrop_to("nobody:daemon", err, sizeof(err)) != 0)
			_exit(10);
		if (getuid() == 0 || geteuid() == 0 || getgid() !=
		    getgrnam("daemon")->gr_gid)
			_exit(11);
		if (setuid(0) == 0 || seteuid(0) == 0)
			_exit(12);
		n = getgroups(64, groups);
		while (n-- > 0)
			if (groups[n] == 0)
				_exit(13);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d",
	    WEXITSTATUS(st));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("privdrop");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_parse);
	tcase_add_loop_test(tc, test_parse_bad, 0,
	    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_apply);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
