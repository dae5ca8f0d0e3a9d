/*
 * workers.c - the supervisor of worker processes.
 *
 * Why processes: every PKINIT exchange is dominated by public-key
 * operations that need no shared state, so N independent workers scale
 * with cores without locks.  The listening sockets are bound once by the
 * supervisor and inherited; every worker watches them and the kernel
 * hands each datagram or connection to one of them.
 *
 * The supervisor does not run the event loop: it waits on the server's
 * signal pipe (SIGHUP, SIGTERM, SIGINT, SIGCHLD arrive there as octets)
 * with a timeout for pending restarts.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"
#include "server.h"
#include "workers.h"

/* Restart delay after a crash: doubles per quick crash, up to the cap. */
#define RESTART_MIN_MS 100
#define RESTART_MAX_MS 30000
/* A worker that lived this long resets the delay. */
#define RESTART_STABLE_MS 10000
/* Start-up of a worker (key loading, directory binds) may take this long. */
#define START_TIMEOUT_MS 60000
/* After SIGTERM, workers drain for SERVER_STOP_GRACE_MS; then SIGKILL. */
#define STOP_KILL_MS (SERVER_STOP_GRACE_MS + 5000)

#define EXIT_STARTUP 3

struct worker {
	pid_t pid;              /* 0 when not running */
	long long started_ms;
	long long restart_at;   /* when pid == 0: when to fork again */
	unsigned int quick_crashes;
};

struct workers {
	struct kdc_server *srv;
	worker_main_fn fn;
	void *arg;
	unsigned int n;
	struct worker *w;
	unsigned int reloads;
	int stopping;
	long long stop_ms;
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

unsigned int
workers_default(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > WORKERS_MAX ? WORKERS_MAX : (unsigned int)n;
}

/* Fork one worker; its ready pipe's read end in *ready_out (or closed). */
static int
spawn(struct workers *ws, struct worker *w, int *ready_out)
{
	int p[2], rc;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		/* A worker outliving its supervisor would serve unsupervised
		 * and keep the port from a restarted daemon. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() == 1)
			_exit(EXIT_STARTUP);
		/* Only the supervisor speaks to the service manager. */
		unsetenv("NOTIFY_SOCKET");
		server_forget_pidfile(ws->srv);
		rc = ws->fn(ws->srv, p[1], ws->reloads > 0, ws->arg);
		_exit(rc);
	}
	close(p[1]);
	w->pid = pid;
	w->started_ms = now_ms();
	if (ready_out != NULL)
		*ready_out = p[0];
	else
		close(p[0]);
	return 0;
}

static void
signal_all(struct workers *ws, int signo)
{
	unsigned int i;

	for (i = 0; i < ws->n; i++)
		if (ws->w[i].pid > 0)
			kill(ws->w[i].pid, signo);
}

static unsigned int
running(const struct workers *ws)
{
	unsigned int i, k = 0;

	for (i = 0; i < ws->n; i++)
		if (ws->w[i].pid > 0)
			k++;
	return k;
}

/* Wait for every worker to exit (start-up failure path). */
static void
reap_all(struct workers *ws)
{
	unsigned int i;

	for (i = 0; i < ws->n; i++) {
		if (ws->w[i].pid > 0)
			waitpid(ws->w[i].pid, NULL, 0);
		ws->w[i].pid = 0;
	}
}

static int
exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return EXIT_STARTUP;
}

void
workers_free(struct workers *ws)
{
	if (ws == NULL)
		return;
	free(ws->w);
	free(ws);
}

int
workers_start(struct kdc_server *srv, unsigned int n, worker_main_fn fn,
    void *arg, struct workers **ws_out)
{
	struct workers *ws;
	struct pollfd *pfd = NULL;
	unsigned int i, waiting;
	long long deadline;
	int rc = EXIT_STARTUP, status;

	ws = calloc(1, sizeof(*ws));
	if (ws == NULL)
		return EXIT_STARTUP;
	ws->srv = srv;
	ws->fn = fn;
	ws->arg = arg;
	ws->n = n;
	ws->w = calloc(n, sizeof(*ws->w));
	pfd = calloc(n, sizeof(*pfd));
	if (ws->w == NULL || pfd == NULL)
		goto cleanup;
	for (i = 0; i < n; i++) {
		pfd[i].fd = -1;
		pfd[i].events = POLLIN;
	}
	for (i = 0; i < n; i++) {
		if (spawn(ws, &ws->w[i], &pfd[i].fd) != 0) {
			log_msg(LOG_LVL_ERR, "fork: %s", strerror(errno));
			goto fail;
		}
	}
	/* Each worker writes one octet when serving; EOF means it died. */
	deadline = now_ms() + START_TIMEOUT_MS;
	for (waiting = n; waiting > 0;) {
		long long left = deadline - now_ms();
		unsigned char st;
		ssize_t r;

		if (left <= 0) {
			log_msg(LOG_LVL_ERR, "workers did not start in %d s",
			    START_TIMEOUT_MS / 1000);
			goto fail;
		}
		if (poll(pfd, n, (int)left) < 0 && errno != EINTR)
			goto fail;
		for (i = 0; i < n; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			r = read(pfd[i].fd, &st, 1);
			if (r < 0 && errno == EINTR)
				continue;
			close(pfd[i].fd);
			pfd[i].fd = -1;
			waiting--;
			if (r == 1 && st == 0)
				continue;
			/* It died (or reported failure): take its status. */
			if (waitpid(ws->w[i].pid, &status, 0) == ws->w[i].pid) {
				ws->w[i].pid = 0;
				rc = exit_status(status);
			}
			if (rc == 0)
				rc = EXIT_STARTUP;
			goto fail;
		}
	}
	*ws_out = ws;
	ws = NULL;
	rc = 0;
	goto cleanup;
fail:
	signal_all(ws, SIGTERM);
	reap_all(ws);
cleanup:
	if (pfd != NULL)
		for (i = 0; i < n; i++)
			if (pfd[i].fd >= 0)
				close(pfd[i].fd);
	free(pfd);
	workers_free(ws);
	return rc;
}

static void
describe(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "ended (status 0x%x)", status);
}

static void
reap(struct workers *ws)
{
	char how[64];
	long long now = now_ms(), delay;
	unsigned int i;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < ws->n; i++)
			if (ws->w[i].pid == pid)
				break;
		if (i == ws->n)
			continue;
		ws->w[i].pid = 0;
		if (ws->stopping)
			continue;
		describe(status, how, sizeof(how));
		if (now - ws->w[i].started_ms >= RESTART_STABLE_MS)
			ws->w[i].quick_crashes = 0;
		delay = RESTART_MIN_MS;
		if (ws->w[i].quick_crashes < 20)
			delay <<= ws->w[i].quick_crashes;
		else
			delay = RESTART_MAX_MS;
		if (delay > RESTART_MAX_MS)
			delay = RESTART_MAX_MS;
		ws->w[i].quick_crashes++;
		ws->w[i].restart_at = now + delay;
		log_msg(LOG_LVL_ERR, "worker %d %s; restarting in %lld ms",
		    (int)pid, how, delay);
	}
}

/* Fork the workers whose restart is due; ms until the next one, or -1. */
static int
restart_due(struct workers *ws)
{
	long long now = now_ms(), next = -1, d;
	unsigned int i;

	if (ws->stopping)
		return -1;
	for (i = 0; i < ws->n; i++) {
		if (ws->w[i].pid > 0)
			continue;
		if (ws->w[i].restart_at <= now) {
			if (spawn(ws, &ws->w[i], NULL) == 0) {
				log_msg(LOG_LVL_NOTICE, "worker %d started",
				    (int)ws->w[i].pid);
				continue;
			}
			log_msg(LOG_LVL_ERR, "fork: %s", strerror(errno));
			ws->w[i].restart_at = now + RESTART_MAX_MS;
		}
		d = ws->w[i].restart_at - now;
		if (next < 0 || d < next)
			next = d;
	}
	return next < 0 ? -1 : (int)next;
}

static void
on_signal(struct workers *ws, int signo)
{
	struct timespec now;

	switch (signo) {
	case SIGHUP:
		if (ws->stopping)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		notify_sendf("RELOADING=1\nMONOTONIC_USEC=%llu",
		    (unsigned long long)now.tv_sec * 1000000ULL +
		    (unsigned long long)now.tv_nsec / 1000ULL);
		ws->reloads++;
		log_reopen();
		log_msg(LOG_LVL_NOTICE, "reload: asking %u workers",
		    running(ws));
		signal_all(ws, SIGHUP);
		notify_send("READY=1");
		break;
	case SIGTERM:
	case SIGINT:
		if (ws->stopping)
			break;
		ws->stopping = 1;
		ws->stop_ms = now_ms();
		notify_send("STOPPING=1");
		log_msg(LOG_LVL_NOTICE, "stopping %u workers", running(ws));
		signal_all(ws, SIGTERM);
		break;
	case SIGCHLD:
		reap(ws);
		break;
	}
}

int
workers_supervise(struct workers *ws)
{
	struct pollfd pfd;
	unsigned char buf[16];
	ssize_t r, i;
	int timeout;

	log_msg(LOG_LVL_NOTICE, "pkinit-kdc ready (%u workers)", ws->n);
	notify_send("READY=1");
	pfd.fd = server_signal_fd(ws->srv);
	pfd.events = POLLIN;
	for (;;) {
		/* A SIGCHLD may have come before the handler's pipe was read. */
		reap(ws);
		if (ws->stopping && running(ws) == 0)
			break;
		timeout = restart_due(ws);
		if (ws->stopping) {
			long long left = ws->stop_ms + STOP_KILL_MS - now_ms();

			if (left <= 0) {
				log_msg(LOG_LVL_WARNING, "workers still "
				    "running after %d ms; killing them",
				    STOP_KILL_MS);
				signal_all(ws, SIGKILL);
				left = 1000;
			}
			timeout = (int)left;
		}
		if (poll(&pfd, 1, timeout) < 0 && errno != EINTR)
			return EXIT_STARTUP;
		if (!(pfd.revents & POLLIN))
			continue;
		r = read(pfd.fd, buf, sizeof(buf));
		for (i = 0; i < r; i++)
			on_signal(ws, buf[i]);
	}
	return 0;
}
