/*
 * server.h - the daemon's lifecycle: configuration, listeners, signals,
 * reload and graceful stop.
 *
 * Start-up is split so other modules can initialise between the steps:
 *
 *   server_new()     load kdc.conf, configure logging, create the loop
 *   ...              modules read server_config(), register dispatch
 *                    handlers and reload hooks
 *   server_listen()  bind every listener, write the pid file, install
 *                    signal handling, tell the service manager READY=1
 *   server_run()     serve until SIGTERM/SIGINT and the drain completed
 *   server_free()
 *
 * SIGHUP reloads: the new file is loaded completely, every reload hook
 * prepares its new state, new listeners are bound, logging is switched;
 * only when all of that worked is anything committed, so a reload either
 * happens entirely or not at all.
 */
#ifndef PKINIT_KDC_SERVER_H
#define PKINIT_KDC_SERVER_H

#include <stddef.h>

#include "kerror.h"

struct kdc_server;
struct kdc_config;
struct loop;
struct dispatch;

/* How long a stop waits for requests in flight (milliseconds). */
#define SERVER_STOP_GRACE_MS 5000

/*
 * Load config_path and prepare a server.  On failure returns -1 with the
 * exact "path:line: message" (or other reason) in errbuf.
 */
int server_new(const char *config_path, struct kdc_server **srv_out,
    char *errbuf, size_t errlen);

/* Bind listeners, create the pid file (pid_path may be NULL), install
 * signal handling.  -1 with a message in errbuf on failure. */
int server_listen(struct kdc_server *srv, const char *pid_path, char *errbuf,
    size_t errlen);

/* Run the event loop until a stop finished; 0, or -1 on a loop failure. */
int server_run(struct kdc_server *srv);

/* Finish anything left, close sockets, remove the pid file (NULL ok). */
void server_free(struct kdc_server *srv);

/* Forget the pid file without removing it (a parent after fork). */
void server_forget_pidfile(struct kdc_server *srv);

/*
 * Worker processes (workers.h).  server_set_workers() is called before
 * server_listen() when n > 1 so listeners are opened with SO_REUSEPORT.
 * The supervisor reads signal numbers (one octet each) from
 * server_signal_fd() instead of running the loop.  In a worker,
 * server_after_fork() gives it an event queue and a signal pipe of its own.
 */
void server_set_workers(struct kdc_server *srv, unsigned int n);
int server_signal_fd(const struct kdc_server *srv);
int server_after_fork(struct kdc_server *srv, char *errbuf, size_t errlen);

/* The configuration in force (replaced on successful reload). */
const struct kdc_config *server_config(const struct kdc_server *srv);
struct loop *server_loop(struct kdc_server *srv);
struct dispatch *server_dispatch(struct kdc_server *srv);

/*
 * Reload hooks, run in registration order on SIGHUP.  prepare() builds
 * the module's state for new_cfg without touching the live one and
 * returns 0 (with *state_out) or a Kerberos error code with e filled.
 * If every step succeeded, commit() installs the state; otherwise abort()
 * discards it.  Each is called at most once per reload.
 */
typedef kerr_t (*server_reload_prepare_fn)(void *arg,
    const struct kdc_config *new_cfg, void **state_out, struct kerr *e);
typedef void (*server_reload_commit_fn)(void *arg, void *state);
typedef void (*server_reload_abort_fn)(void *arg, void *state);

#define SERVER_MAX_RELOAD_HOOKS 16

int server_add_reload_hook(struct kdc_server *srv, const char *name,
    server_reload_prepare_fn prepare, server_reload_commit_fn commit,
    server_reload_abort_fn abort_fn, void *arg);

/* What SIGHUP does; 0 when the new configuration is in force. */
int server_reload(struct kdc_server *srv, struct kerr *e);

/* What SIGTERM does: stop accepting, drain, then leave server_run(). */
void server_stop(struct kdc_server *srv);

#endif
