/*
 * workers.h - worker processes under a supervisor (pkinit-kdc -w N).
 *
 * The supervisor binds the listeners and writes the pid file; each worker
 * is a fork of it with its own event loop, realm state and directory
 * connections, serving the inherited sockets.  The supervisor relays
 * SIGHUP (each worker reloads) and SIGTERM/SIGINT (each drains and stops),
 * restarts a worker that died with a growing delay, and speaks to the
 * service manager: READY=1 once every worker is serving.
 */
#ifndef PKINIT_KDC_WORKERS_H
#define PKINIT_KDC_WORKERS_H

struct kdc_server;
struct workers;

/* Most workers accepted by -w. */
#define WORKERS_MAX 256

/*
 * The body of a worker, called in the child after fork.  It must write
 * one octet (0) to ready_fd and close it once it serves, then serve until
 * stopped; reload is non-zero when the configuration was reloaded since
 * the supervisor started (the worker reloads before serving).  Returns
 * the process exit status.
 */
typedef int (*worker_main_fn)(struct kdc_server *srv, int ready_fd,
    int reload, void *arg);

/*
 * Fork n workers and wait until each is serving.  0 with *ws_out, or the
 * exit status of the first worker that failed to start (the others are
 * stopped).  Nothing is returned in the children.
 */
int workers_start(struct kdc_server *srv, unsigned int n, worker_main_fn fn,
    void *arg, struct workers **ws_out);

/* Supervise until stopped and every worker has exited; the exit status. */
int workers_supervise(struct workers *ws);

void workers_free(struct workers *ws);

/* The default for -w: the number of online CPUs (at least 1). */
unsigned int workers_default(void);

#endif
