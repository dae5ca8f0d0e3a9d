/*
 * server.c - owns the configuration, the listeners, the pid file and the
 * daemon's reaction to signals.
 *
 * Signals are turned into bytes on a self-pipe by a handler that does
 * nothing else; the loop reads the pipe and does the work (reload, stop)
 * in ordinary context.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kdc_config.h"
#include "dispatch.h"
#include "log.h"
#include "loop.h"
#include "metrics_http.h"
#include "net.h"
#include "notify.h"
#include "pidfile.h"
#include "server.h"

#define STOP_POLL_MS 20

struct reload_hook {
	const char *name;
	server_reload_prepare_fn prepare;
	server_reload_commit_fn commit;
	server_reload_abort_fn abort_fn;
	void *arg;
};

struct kdc_server {
	char *config_path;
	struct kdc_config *cfg;
	struct loop *loop;
	struct net *net;
	struct dispatch *dispatch;
	struct pidfile *pidfile;
	struct reload_hook hooks[SERVER_MAX_RELOAD_HOOKS];
	size_t n_hooks;

	int sig_pipe[2];
	struct loop_io *sig_io;
	struct loop_timer *stop_timer;
	int stopping;
	struct timespec stop_started;
	unsigned int workers;
};

/* The write end of the self-pipe, for the signal handler. */
static volatile int sig_fd = -1;

static void
on_signal(int signo)
{
	int saved = errno;
	unsigned char b = (unsigned char)signo;

	if (sig_fd >= 0)
		(void)!write(sig_fd, &b, 1);
	errno = saved;
}

static void
limits_from(const struct kdc_server *srv, const struct kdc_config *cfg,
    struct net_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->reuse_port = srv->workers > 1;
	lim->max_dgram_reply = cfg->max_dgram_reply_size;
	lim->max_tcp_message = cfg->max_tcp_message_size;
	lim->tcp_idle_ms = cfg->tcp_idle_timeout > 0 ?
	    (unsigned int)cfg->tcp_idle_timeout * 1000u : 0;
	lim->max_tcp_conns = cfg->max_tcp_connections > 0 ?
	    (unsigned int)cfg->max_tcp_connections : 0;
	lim->tcp_backlog = cfg->tcp_listen_backlog;
}

/* Copy a listen list into net addresses (the layouts differ on purpose:
 * the network layer does not depend on the config module). */
static struct net_addr *
addrs_from(const struct listen_list *l)
{
	struct net_addr *v;
	size_t i;

	v = calloc(l->n + 1, sizeof(*v));
	if (v == NULL)
		return NULL;
	for (i = 0; i < l->n; i++) {
		memcpy(&v[i].ss, &l->v[i].ss, sizeof(v[i].ss));
		v[i].len = l->v[i].len;
	}
	return v;
}

static int
stage_listeners(struct kdc_server *srv, const struct kdc_config *cfg,
    struct kerr *e)
{
	struct net_addr *udp = NULL, *tcp = NULL;
	int rc = -1;

	udp = addrs_from(&cfg->udp);
	tcp = addrs_from(&cfg->tcp);
	if (udp == NULL || tcp == NULL) {
		kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	rc = net_prepare(srv->net, udp, cfg->udp.n, tcp, cfg->tcp.n, e);
cleanup:
	free(udp);
	free(tcp);
	return rc;
}

static const char *
first_realm(const struct kdc_config *cfg)
{
	return cfg->realms != NULL ? cfg->realms->name : NULL;
}

int
server_new(const char *config_path, struct kdc_server **srv_out, char *errbuf,
    size_t errlen)
{
	struct kdc_server *srv;
	struct net_limits lim;
	char abs[PATH_MAX];
	char lerr[256];
	int rc = -1;

	srv = calloc(1, sizeof(*srv));
	if (srv == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		return -1;
	}
	srv->sig_pipe[0] = srv->sig_pipe[1] = -1;
	/* Keep an absolute path: a daemon changes to / and still reloads. */
	srv->config_path = strdup(realpath(config_path, abs) != NULL ? abs :
	    config_path);
	if (srv->config_path == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		goto cleanup;
	}
	if (config_load(srv->config_path, &srv->cfg, errbuf, errlen) != 0)
		goto cleanup;
	if (log_configure(&srv->cfg->log, lerr, sizeof(lerr)) != 0) {
		snprintf(errbuf, errlen, "%s: logging: %s", srv->config_path,
		    lerr);
		goto cleanup;
	}
	srv->loop = loop_new();
	srv->dispatch = dispatch_new();
	limits_from(srv, srv->cfg, &lim);
	if (srv->loop == NULL || srv->dispatch == NULL ||
	    (srv->net = net_new(srv->loop, srv, &lim)) == NULL ||
	    dispatch_set_realm(srv->dispatch, first_realm(srv->cfg)) != 0) {
		snprintf(errbuf, errlen, "out of memory");
		goto cleanup;
	}
	*srv_out = srv;
	srv = NULL;
	rc = 0;
cleanup:
	server_free(srv);
	return rc;
}

static void
stop_check(void *arg)
{
	struct kdc_server *srv = arg;
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - srv->stop_started.tv_sec) * 1000 +
	    (now.tv_nsec - srv->stop_started.tv_nsec) / 1000000;
	if (dispatch_pending(srv->dispatch) == 0 && net_busy(srv->net) == 0) {
		loop_break(srv->loop);
		return;
	}
	if (ms >= SERVER_STOP_GRACE_MS) {
		log_msg(LOG_LVL_WARNING, "stop: %zu requests still in flight "
		    "after %d ms; answering them with an error",
		    dispatch_pending(srv->dispatch), SERVER_STOP_GRACE_MS);
		dispatch_abort_all(srv->dispatch, KDC_ERR_SVC_UNAVAILABLE,
		    "KDC is shutting down", "shutdown deadline");
		loop_break(srv->loop);
		return;
	}
	loop_timer_arm(srv->stop_timer, STOP_POLL_MS);
}

void
server_stop(struct kdc_server *srv)
{
	if (srv->stopping)
		return;
	srv->stopping = 1;
	notify_send("STOPPING=1");
	log_msg(LOG_LVL_NOTICE, "stopping: %zu requests in flight",
	    dispatch_pending(srv->dispatch));
	net_stop_accepting(srv->net);
	clock_gettime(CLOCK_MONOTONIC, &srv->stop_started);
	stop_check(srv);
}

int
server_add_reload_hook(struct kdc_server *srv, const char *name,
    server_reload_prepare_fn prepare, server_reload_commit_fn commit,
    server_reload_abort_fn abort_fn, void *arg)
{
	struct reload_hook *h;

	if (srv->n_hooks >= SERVER_MAX_RELOAD_HOOKS || prepare == NULL)
		return -1;
	h = &srv->hooks[srv->n_hooks++];
	h->name = name;
	h->prepare = prepare;
	h->commit = commit;
	h->abort_fn = abort_fn;
	h->arg = arg;
	return 0;
}

int
server_reload(struct kdc_server *srv, struct kerr *e)
{
	struct kdc_config *newcfg = NULL, *old;
	void *states[SERVER_MAX_RELOAD_HOOKS];
	struct net_limits lim;
	char err[1024];
	size_t prepared = 0, i;
	int staged = 0, rc = -1;

	if (config_load(srv->config_path, &newcfg, err, sizeof(err)) != 0) {
		kerr_set(e, KRB_ERR_GENERIC, "%s", err);
		goto cleanup;
	}
	for (i = 0; i < srv->n_hooks; i++) {
		struct kerr he;

		kerr_clear(&he);
		states[i] = NULL;
		if (srv->hooks[i].prepare(srv->hooks[i].arg, newcfg, &states[i],
		    &he) != 0) {
			kerr_set(e, he.code != 0 ? he.code : KRB_ERR_GENERIC,
			    "%s: %s", srv->hooks[i].name, he.msg);
			goto cleanup;
		}
		prepared++;
	}
	if (stage_listeners(srv, newcfg, e) != 0)
		goto cleanup;
	staged = 1;
	if (dispatch_set_realm(srv->dispatch, first_realm(newcfg)) != 0) {
		kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	/* Last fallible step: log_configure switches only on success. */
	if (log_configure(&newcfg->log, err, sizeof(err)) != 0) {
		dispatch_set_realm(srv->dispatch, first_realm(srv->cfg));
		kerr_set(e, KRB_ERR_GENERIC, "%s: logging: %s", newcfg->path,
		    err);
		goto cleanup;
	}
	net_commit(srv->net);
	staged = 0;
	limits_from(srv, newcfg, &lim);
	net_set_limits(srv->net, &lim);
	for (i = 0; i < prepared; i++)
		if (srv->hooks[i].commit != NULL)
			srv->hooks[i].commit(srv->hooks[i].arg, states[i]);
	prepared = 0;
	old = srv->cfg;
	srv->cfg = newcfg;
	newcfg = NULL;
	config_free(old);
	rc = 0;
cleanup:
	if (staged)
		net_abort(srv->net);
	for (i = 0; i < prepared; i++)
		if (srv->hooks[i].abort_fn != NULL)
			srv->hooks[i].abort_fn(srv->hooks[i].arg, states[i]);
	config_free(newcfg);
	return rc;
}

static void
do_reload(struct kdc_server *srv)
{
	struct timespec now;
	struct kerr e;

	clock_gettime(CLOCK_MONOTONIC, &now);
	notify_sendf("RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)now.tv_sec * 1000000ULL +
	    (unsigned long long)now.tv_nsec / 1000ULL);
	kerr_clear(&e);
	if (server_reload(srv, &e) != 0)
		log_msg(LOG_LVL_ERR, "reload failed: %s", e.msg);
	else
		log_msg(LOG_LVL_NOTICE, "reloaded %s", srv->config_path);
	log_reopen();
	notify_send("READY=1");
}

static void
on_sig_pipe(int fd, int what, void *arg)
{
	struct kdc_server *srv = arg;
	unsigned char buf[16];
	ssize_t n, i;

	(void)what;
	n = read(fd, buf, sizeof(buf));
	for (i = 0; i < n; i++) {
		switch (buf[i]) {
		case SIGHUP:
			if (!srv->stopping)
				do_reload(srv);
			break;
		case SIGTERM:
		case SIGINT:
			server_stop(srv);
			break;
		}
	}
}

static int
install_signals(struct kdc_server *srv, char *errbuf, size_t errlen)
{
	struct sigaction sa;
	int i;

	if (pipe2(srv->sig_pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
		snprintf(errbuf, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	srv->sig_io = loop_io_new(srv->loop, srv->sig_pipe[0], LOOP_READ,
	    on_sig_pipe, srv);
	if (srv->sig_io == NULL) {
		snprintf(errbuf, errlen, "cannot watch the signal pipe");
		return -1;
	}
	sig_fd = srv->sig_pipe[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	/* SIGCHLD matters to a supervisor of worker processes only; the
	 * loop ignores it. */
	for (i = 0; i < 4; i++) {
		static const int sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGCHLD };

		if (sigaction(sigs[i], &sa, NULL) != 0) {
			snprintf(errbuf, errlen, "sigaction: %s",
			    strerror(errno));
			return -1;
		}
	}
	/* A peer that resets a TCP connection must not kill the KDC. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return 0;
}

int
server_listen(struct kdc_server *srv, const char *pid_path, char *errbuf,
    size_t errlen)
{
	struct kerr e;

	kerr_clear(&e);
	if (srv->cfg->udp.n == 0 && srv->cfg->tcp.n == 0) {
		snprintf(errbuf, errlen, "%s: no listen addresses",
		    srv->config_path);
		return -1;
	}
	if (stage_listeners(srv, srv->cfg, &e) != 0) {
		snprintf(errbuf, errlen, "%s", e.msg);
		return -1;
	}
	net_commit(srv->net);
	srv->stop_timer = loop_timer_new(srv->loop, stop_check, srv);
	if (srv->stop_timer == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		return -1;
	}
	if (install_signals(srv, errbuf, errlen) != 0)
		return -1;
	if (pid_path != NULL &&
	    pidfile_create(pid_path, &srv->pidfile, &e) != 0) {
		snprintf(errbuf, errlen, "%s", e.msg);
		return -1;
	}
	return metrics_http_start(srv, errbuf, errlen);
}

int
server_run(struct kdc_server *srv)
{
	log_msg(LOG_LVL_NOTICE, "pkinit-kdc ready (%s; %zu realm%s)",
	    srv->config_path, srv->cfg->n_realms,
	    srv->cfg->n_realms == 1 ? "" : "s");
	notify_send("READY=1");
	return loop_run(srv->loop);
}

void
server_set_workers(struct kdc_server *srv, unsigned int n)
{
	struct net_limits lim;

	srv->workers = n;
	limits_from(srv, srv->cfg, &lim);
	net_set_limits(srv->net, &lim);
}

int
server_signal_fd(const struct kdc_server *srv)
{
	return srv->sig_pipe[0];
}

int
server_after_fork(struct kdc_server *srv, char *errbuf, size_t errlen)
{
	if (loop_reinit(srv->loop) != 0) {
		snprintf(errbuf, errlen, "cannot re-create the event loop");
		return -1;
	}
	/* The self-pipe is the supervisor's: make one of our own. */
	loop_io_free(srv->sig_io);
	srv->sig_io = NULL;
	sig_fd = -1;
	close(srv->sig_pipe[0]);
	close(srv->sig_pipe[1]);
	srv->sig_pipe[0] = srv->sig_pipe[1] = -1;
	return install_signals(srv, errbuf, errlen);
}

void
server_forget_pidfile(struct kdc_server *srv)
{
	pidfile_forget(srv->pidfile);
	srv->pidfile = NULL;
}

void
server_free(struct kdc_server *srv)
{
	if (srv == NULL)
		return;
	/* Requests first (their replies still need the sockets), then the
	 * sockets, then everything the loop watched. */
	if (srv->dispatch != NULL)
		dispatch_abort_all(srv->dispatch, KDC_ERR_SVC_UNAVAILABLE,
		    "KDC is shutting down", "shutdown");
	net_free(srv->net);
	dispatch_free(srv->dispatch);
	metrics_http_stop(srv);
	loop_io_free(srv->sig_io);
	loop_timer_free(srv->stop_timer);
	if (srv->sig_pipe[1] >= 0) {
		sig_fd = -1;
		close(srv->sig_pipe[1]);
	}
	if (srv->sig_pipe[0] >= 0)
		close(srv->sig_pipe[0]);
	pidfile_remove(srv->pidfile);
	loop_free(srv->loop);
	config_free(srv->cfg);
	free(srv->config_path);
	free(srv);
}

const struct kdc_config *
server_config(const struct kdc_server *srv)
{
	return srv->cfg;
}

struct loop *
server_loop(struct kdc_server *srv)
{
	return srv->loop;
}

struct dispatch *
server_dispatch(struct kdc_server *srv)
{
	return srv->dispatch;
}
