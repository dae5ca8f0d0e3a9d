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
#include "privdrop.h"
#include "server.h"
#include "tgs_req.h"
#include "version.h"
#include "workers.h"

#define EXIT_CONFIG 1
#define EXIT_USAGE 2
#define EXIT_STARTUP 3

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: pkinit-kdc [-n] [-c config] [-P pidfile] [-u user[:group]]\n"
	    "                  [-w workers]\n"
	    "       pkinit-kdc -t [-c config]\n"
	    "       pkinit-kdc -V | -h\n"
	    "  -c FILE  configuration file (default %s)\n"
	    "  -n       stay in the foreground\n"
	    "  -P FILE  write the process id to FILE once listening\n"
	    "  -t       check the configuration and exit\n"
	    "  -u USER[:GROUP]  switch to USER once listening\n"
	    "  -w N     serve with N worker processes (default: one per CPU;\n"
	    "           1 serves in a single process)\n"
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

/* Point stdin/out/err at /dev/null (a worker of a detached daemon). */
static void
detach_stdio(void)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0)
		return;
	dup2(null, STDIN_FILENO);
	dup2(null, STDOUT_FILENO);
	dup2(null, STDERR_FILENO);
	if (null > STDERR_FILENO)
		close(null);
}

struct worker_args {
	int foreground;
	const char *run_as;
};

/*
 * One worker process (workers.h): its own loop, realm state and directory
 * connections over the inherited listeners.  With -u it drops privileges
 * once its keys are loaded; the supervisor keeps them to start
 * replacement workers.
 */
static int
worker_main(struct kdc_server *srv, int ready_fd, int reload, void *arg)
{
	const struct worker_args *wa = arg;
	struct as_ctx *as = NULL;
	struct tgs_ctx *tgs = NULL;
	struct kerr kerr;
	unsigned char ok = 0;
	char err[1024];
	int rc = EXIT_STARTUP;

	if (server_after_fork(srv, err, sizeof(err)) != 0) {
		fprintf(stderr, "pkinit-kdc: %s\n", err);
		log_msg(LOG_LVL_ERR, "%s", err);
		goto out;
	}
	kerr_clear(&kerr);
	as = as_init(srv, &kerr);
	if (as != NULL && (tgs = tgs_init(srv, as, &kerr)) == NULL) {
		as_free(as);
		as = NULL;
	}
	if (as == NULL) {
		fprintf(stderr, "pkinit-kdc: %s\n", kerr.msg);
		log_msg(LOG_LVL_ERR, "%s", kerr.msg);
		rc = EXIT_CONFIG;
		goto out;
	}
	if (wa->run_as != NULL &&
	    privdrop_to(wa->run_as, err, sizeof(err)) != 0) {
		fprintf(stderr, "pkinit-kdc: %s\n", err);
		log_msg(LOG_LVL_ERR, "%s", err);
		goto out;
	}
	/* A worker restarted after a reload catches up with the file. */
	kerr_clear(&kerr);
	if (reload && server_reload(srv, &kerr) != 0)
		log_msg(LOG_LVL_ERR, "reload failed: %s", kerr.msg);
	if (!wa->foreground)
		detach_stdio();
	(void)!write(ready_fd, &ok, 1);
	close(ready_fd);
	ready_fd = -1;
	rc = server_run(srv) == 0 ? 0 : EXIT_STARTUP;
out:
	if (ready_fd >= 0)
		close(ready_fd);
	tgs_free(tgs);
	as_free(as);
	server_free(srv);
	log_shutdown();
	return rc;
}

int
main(int argc, char **argv)
{
	struct kdc_server *srv = NULL;
	struct as_ctx *as = NULL;
	struct tgs_ctx *tgs = NULL;
	struct workers *ws = NULL;
	struct kerr kerr;
	unsigned int nworkers = workers_default();
	char *end;
	long lw;
	struct worker_args wa;
	const char *config_path = NULL, *pid_path = NULL, *run_as = NULL;
	int foreground = 0, check = 0, opt, notify_fd = -1, rc;
	char err[1024];

	log_init("pkinit-kdc");
	while ((opt = getopt(argc, argv, "c:nP:tu:Vhw:")) != -1) {
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
		case 'u':
			run_as = optarg;
			break;
		case 'w':
			errno = 0;
			lw = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    lw < 0 || lw > WORKERS_MAX) {
				fprintf(stderr, "pkinit-kdc: -w wants 0 to %d "
				    "workers\n", WORKERS_MAX);
				return EXIT_USAGE;
			}
			nworkers = lw > 1 ? (unsigned int)lw : 1;
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
	if (nworkers > 1) {
		/* The supervisor binds and owns the pid file; the realms,
		 * keys and directory connections live in the workers. */
		server_set_workers(srv, nworkers);
		if (server_listen(srv, pid_path, err, sizeof(err)) != 0) {
			fprintf(stderr, "pkinit-kdc: %s\n", err);
			log_msg(LOG_LVL_ERR, "%s", err);
			rc = EXIT_STARTUP;
			goto out;
		}
		wa.foreground = foreground;
		wa.run_as = run_as;
		rc = workers_start(srv, nworkers, worker_main, &wa, &ws);
		if (rc != 0)
			goto out;
		if (notify_fd >= 0) {
			daemon_finish(notify_fd, 0);
			notify_fd = -1;
		}
		rc = workers_supervise(ws);
		log_msg(LOG_LVL_NOTICE, "stopped");
		goto out;
	}
	kerr_clear(&kerr);
	as = as_init(srv, &kerr);
	if (as != NULL && (tgs = tgs_init(srv, as, &kerr)) == NULL) {
		as_free(as);
		as = NULL;
	}
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
	/* Keys were read and ports bound as root: nothing more needs it. */
	if (run_as != NULL && privdrop_to(run_as, err, sizeof(err)) != 0) {
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
	workers_free(ws);
	tgs_free(tgs);
	as_free(as);
	server_free(srv);
	log_shutdown();
	return rc;
}
