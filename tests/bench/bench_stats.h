/*
 * bench_stats.h - the measuring half of the benchmark load generators
 * (tests/bench/loadgen, tests/bench/pkload): client processes, pacing,
 * the warm-up and measured windows, latency percentiles, and the KDC's
 * CPU time and resident memory read from /proc.
 *
 * A load generator supplies three callbacks (set up a client process, do
 * one logon, tear down) and calls bench_run(), which forks the clients,
 * collects what they report over pipes and prints the results, one
 * "key=value" per line, for tests/bench/bench.sh.  The warm-up starts
 * only once every client process has finished its setup, so a setup may
 * take long (pkload -P builds its requests there).
 */
#ifndef PKINIT_KDC_BENCH_STATS_H
#define PKINIT_KDC_BENCH_STATS_H

#include <stddef.h>
#include <sys/types.h>

#define BENCH_MAX_PROCS 64
#define BENCH_ERR_MAX 512

struct bench_opts {
	int procs;              /* -c: client processes */
	double warmup;          /* -W: seconds before measuring */
	double duration;        /* -d: measured seconds (when total is 0) */
	unsigned long total;    /* -n: measured logons in all; 0: by time */
	double rate;            /* -r: logons/s over all clients; 0: flat out */
	pid_t kdc_pid;          /* -k: KDC to read CPU and memory of */
	double sample;          /* -m: seconds between rss_sample lines */
	const char *prog;       /* name for messages */
};

struct bench_client {
	/* In each client process, once: per-process state, or NULL with a
	 * message in err. */
	void *(*setup)(void *arg, int idx, char *err, size_t errlen);
	/* One complete logon: 0 on success, -1 with a message in err; 1
	 * (with a message) when this client cannot go on: it stops and
	 * counts as a client error. */
	int (*exchange)(void *state, char *err, size_t errlen);
	/* Release the state (may be NULL). */
	void (*teardown)(void *state);
	void *arg;
};

/* Defaults: 2 processes, 1 s warm-up, 10 s measured, flat out. */
void bench_opts_init(struct bench_opts *o, const char *prog);

/*
 * Handle one of the common options c d W r k n m (optarg is its
 * argument).  Returns 1 when c was one of them, 0 otherwise, -1 when the
 * argument is invalid.
 */
int bench_opts_parse(struct bench_opts *o, int c, const char *optarg);
/* 0 if the options make sense together, -1 otherwise. */
int bench_opts_check(const struct bench_opts *o);
/* Usage text of the common options, for the generators' usage(). */
extern const char bench_opts_usage[];

/*
 * Fork the clients, measure and print the results.  Returns the process
 * exit status: 0 when at least one logon succeeded and every client
 * process ended normally.
 */
int bench_run(const struct bench_opts *o, const struct bench_client *c);

/* Measured logons of client process idx with -n, or -1 when the run
 * is measured by time. */
long bench_quota(const struct bench_opts *o, int idx);

/* CLOCK_MONOTONIC in seconds. */
double bench_now(void);

/* All of len bytes to (out != 0) or from fd, through EINTR; 0 or -1. */
int bench_io_all(int fd, void *buf, size_t len, int out);

/* CPU seconds (user + system) of pid and its direct children (the
 * KDC's workers); the system part in *sys_out, process count in
 * *nprocs_out (both optional). */
double bench_kdc_cpu(pid_t pid, int *nprocs_out, double *sys_out);

/* VmRSS in kB of pid and its direct children; 0 if unreadable. */
long bench_kdc_rss_kb(pid_t pid);

#endif
