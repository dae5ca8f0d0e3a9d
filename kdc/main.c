/*
 * main.c - pkinit-kdc entry point: options, configuration check, and
 * detaching from the terminal (the server itself lives in server.c).
 *
 * Exit status (documented in pkinit-kdc(8)):
 *   0  normal stop, or -t found the configuration valid
 *   1  the configuration could not be loaded
 *   2  usage error
 *   3  start-up failed after the configuration loaded (bind, pid file)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "as_req.h"
#include "kdc_config.h"
#include "log.h"
#include "server.h"
#include "version.h"

#define EXIT_CONFIG 1
#define EXIT_USAGE 2
#define EXIT_STARTUP 3

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: pkinit-kdc [-n] [-c config] [-P pidfile]\n"
	    "       pkinit-kdc -t [-c config]\n"
	    "       pkinit-kdc -V | -h\n"
	    "  -c FILE  configuration file (default %s)\n"
	    "  -n       stay in the foreground\n"
	    "  -P FILE  write the process id to FILE once listening\n"
	    "  -t       check the configuration and exit\n"
	    "  -V       print the version and exit\n"
	    "  -h       print this help and exit\n",
	    config_default_path());
}

/*
 * Fork; the parent waits until the child reports that it is serving (one
 * status octet on a pipe) so start-up errors still reach the terminal and
 * the exit status.  Returns the pipe's write end in the child, -1 on error;
 * the parent never returns.
 */
static int
daemon_begin(void)
{
	int p[2], status;
	unsigned char st;
	pid_t pid;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		do {
			n = read(p[0], &st, 1);
		} while (n < 0 && errno == EINTR);
		if (n == 1)
			_exit(st);
		/* The child died before reporting; pass its status on. */
		if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
			_exit(WEXITSTATUS(status));
		_exit(EXIT_STARTUP);
	}
	close(p[0]);
	if (setsid() < 0)
		return -1;
	return p[1];
}

/* Tell the waiting parent how start-up went and let go of the terminal. */
static void
daemon_finish(int fd, unsigned char status)
{
	int null;

	if (status == 0) {
		if (chdir("/") != 0)
			status = EXIT_STARTUP;
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
			if (null > STDERR_FILENO)
				close(null);
		}
	}
	(void)!write(fd, &status, 1);
	close(fd);
}

int
main(int argc, char **argv)
{
	struct kdc_server *srv = NULL;
	struct as_ctx *as = NULL;
	struct kerr kerr;
	const char *config_path = NULL, *pid_path = NULL;
	int foreground = 0, check = 0, opt, notify_fd = -1, rc;
	char err[1024];

	log_init("pkinit-kdc");
	while ((opt = getopt(argc, argv, "c:nP:tVh")) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 'n':
			foreground = 1;
			break;
		case 'P':
			pid_path = optarg;
			break;
		case 't':
			check = 1;
			break;
		case 'V':
			printf("%s\n", kdc_version());
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "pkinit-kdc: unexpected argument '%s'\n",
		    argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (config_path == NULL)
		config_path = config_default_path();

	if (check) {
		struct kdc_config *cfg = NULL;

		if (config_load(config_path, &cfg, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			return EXIT_CONFIG;
		}
		config_free(cfg);
		printf("config OK: %s\n", config_path);
		return 0;
	}

	if (!foreground && (notify_fd = daemon_begin()) < 0) {
		fprintf(stderr, "pkinit-kdc: cannot detach: %s\n",
		    strerror(errno));
		return EXIT_STARTUP;
	}
	if (server_new(config_path, &srv, err, sizeof(err)) != 0) {
		/* Logging is not configured yet: the terminal is all we have. */
		fprintf(stderr, "%s\n", err);
		rc = EXIT_CONFIG;
		goto out;
	}
	kerr_clear(&kerr);
	as = as_init(srv, &kerr);
	if (as == NULL) {
		fprintf(stderr, "pkinit-kdc: %s\n", kerr.msg);
		log_msg(LOG_LVL_ERR, "%s", kerr.msg);
		rc = EXIT_CONFIG;
		goto out;
	}
	if (server_listen(srv, pid_path, err, sizeof(err)) != 0) {
		fprintf(stderr, "pkinit-kdc: %s\n", err);
		log_msg(LOG_LVL_ERR, "%s", err);
		rc = EXIT_STARTUP;
		goto out;
	}
	if (notify_fd >= 0) {
		daemon_finish(notify_fd, 0);
		notify_fd = -1;
	}
	rc = server_run(srv) == 0 ? 0 : EXIT_STARTUP;
	log_msg(LOG_LVL_NOTICE, "stopped");
out:
	if (notify_fd >= 0)
		daemon_finish(notify_fd, (unsigned char)rc);
	as_free(as);
	server_free(srv);
	log_shutdown();
	return rc;
}
