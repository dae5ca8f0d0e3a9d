/*
 * bench_stats.c - client processes, windows, percentiles and /proc for
 * the benchmark load generators.
 *
 * Each client process first sets itself up and says so over its pipe;
 * once all have, the parent fixes the warm-up and measured windows and
 * hands them to every client over one shared pipe, so a long setup
 * (pkload -P builds its requests there) takes nothing from the windows.
 * Then each client process loops over complete logons.  Logons that start
 * before the warm-up ends are not reported; the others go to the parent
 * over a pipe as fixed-size records (latency or failure), then one end
 * record with the process's own CPU time over the measured window.  The
 * parent reads the KDC's CPU time (utime + stime of the given process
 * and its direct children, i.e. all workers) from /proc when the
 * measured window opens and once every client has finished, so the work
 * of the last logons is counted too.
 *
 * With a rate the clients pace themselves and latency is measured from
 * each logon's scheduled start, so a stalled KDC shows up in the
 * percentiles instead of slowing the clients down.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_stats.h"

/* Latencies kept for the percentiles: 64 MiB at most. */
#define MAX_SAMPLES (1u << 24)
/* Failure messages each client process prints. */
#define MAX_REPORTED 3
/* KDC worker processes looked at. */
#define MAX_KDC_PROCS 256

enum { REC_OK = 1, REC_FAIL = 2, REC_END = 3, REC_READY = 4 };

/* What a client process sends; written whole (below PIPE_BUF, so the
 * write is atomic). */
struct rec {
	uint32_t type;
	uint32_t lat_us;        /* REC_OK */
	uint64_t cpu_us;        /* REC_END: CPU over the measured window */
};

/* The windows, from the parent to every client once all are ready. */
struct go {
	double t_start;         /* end of the warm-up */
	double t_end;           /* end of the measured window (by time) */
};

const char bench_opts_usage[] =
    "  -c PROCS    client processes (default 2)\n"
    "  -d SECONDS  measured duration (default 10)\n"
    "  -n TOTAL    measure TOTAL logons instead of a duration\n"
    "  -W SECONDS  warm-up before measuring (default 1)\n"
    "  -r RATE     pace all clients together to RATE logons/s\n"
    "  -k PID      KDC process: report its CPU time and memory\n"
    "  -m SECONDS  print rss_sample=<elapsed> <logons> <kdc_rss_kb> lines\n";

double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_until(double t)
{
	struct timespec ts;
	double d = t - bench_now();

	if (d <= 0)
		return;
	ts.tv_sec = (time_t)d;
	ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* All of len bytes to (out) or from fd, through EINTR; 0 or -1. */
int
bench_io_all(int fd, void *buf, size_t len, int out)
{
	char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = out ? write(fd, p, len) : read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void
bench_opts_init(struct bench_opts *o, const char *prog)
{
	memset(o, 0, sizeof(*o));
	o->procs = 2;
	o->warmup = 1.0;
	o->duration = 10.0;
	o->prog = prog;
}

static int
parse_num(const char *s, double *v_out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v < 0)
		return -1;
	*v_out = v;
	return 0;
}

int
bench_opts_parse(struct bench_opts *o, int c, const char *arg)
{
	double v;

	if (strchr("cdWrknm", c) == NULL)
		return 0;
	if (parse_num(arg, &v) != 0)
		return -1;
	switch (c) {
	case 'c':
		o->procs = (int)v;
		break;
	case 'd':
		o->duration = v;
		break;
	case 'W':
		o->warmup = v;
		break;
	case 'r':
		o->rate = v;
		break;
	case 'k':
		o->kdc_pid = (pid_t)v;
		break;
	case 'n':
		o->total = (unsigned long)v;
		break;
	case 'm':
		o->sample = v;
		break;
	}
	return 1;
}

int
bench_opts_check(const struct bench_opts *o)
{
	if (o->procs < 1 || o->procs > BENCH_MAX_PROCS)
		return -1;
	if (o->total == 0 && o->duration <= 0)
		return -1;
	if (o->total > 0 && o->total < (unsigned long)o->procs)
		return -1;
	return 0;
}

long
bench_quota(const struct bench_opts *o, int idx)
{
	unsigned long n = (unsigned long)o->procs;

	if (o->total == 0)
		return -1;
	return (long)(o->total / n + ((unsigned long)idx < o->total % n));
}

/* ---- /proc ---------------------------------------------------------- */

/* utime and stime in clock ticks from /proc/PID/stat; ppid_out optional. */
static int
proc_cpu(pid_t pid, unsigned long long *ut_out, unsigned long long *st_out,
    pid_t *ppid_out)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	int ppid;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces: fields start after the last ')'. */
	p = strrchr(buf, ')');
	if (p == NULL)
		return -1;
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt
	 * cmajflt utime stime */
	if (sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
	    &ppid, &ut, &st) != 3)
		return -1;
	*ut_out = ut;
	*st_out = st;
	if (ppid_out != NULL)
		*ppid_out = (pid_t)ppid;
	return 0;
}

/* The direct children of pid, at most max of them. */
static int
children(pid_t pid, pid_t *out, int max)
{
	unsigned long long t, st;
	struct dirent *de;
	pid_t ppid, p;
	DIR *d;
	int n = 0;

	d = opendir("/proc");
	if (d == NULL)
		return 0;
	while (n < max && (de = readdir(d)) != NULL) {
		p = (pid_t)atoi(de->d_name);
		if (p <= 0 || p == pid)
			continue;
		if (proc_cpu(p, &t, &st, &ppid) == 0 && ppid == pid)
			out[n++] = p;
	}
	closedir(d);
	return n;
}

double
bench_kdc_cpu(pid_t pid, int *nprocs_out, double *sys_out)
{
	unsigned long long total = 0, sys = 0, t, st;
	pid_t kids[MAX_KDC_PROCS];
	int i, nk, n = 0;

	if (proc_cpu(pid, &t, &st, NULL) == 0) {
		total += t + st;
		sys += st;
		n++;
	}
	nk = children(pid, kids, MAX_KDC_PROCS);
	for (i = 0; i < nk; i++) {
		if (proc_cpu(kids[i], &t, &st, NULL) == 0) {
			total += t + st;
			sys += st;
			n++;
		}
	}
	if (nprocs_out != NULL)
		*nprocs_out = n;
	if (sys_out != NULL)
		*sys_out = (double)sys / (double)sysconf(_SC_CLK_TCK);
	return (double)total / (double)sysconf(_SC_CLK_TCK);
}

static long
proc_rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0) {
			kb = strtol(line + 6, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

long
bench_kdc_rss_kb(pid_t pid)
{
	pid_t kids[MAX_KDC_PROCS];
	long kb = proc_rss_kb(pid);
	int i, nk = children(pid, kids, MAX_KDC_PROCS);

	for (i = 0; i < nk; i++)
		kb += proc_rss_kb(kids[i]);
	return kb;
}

/* ---- Client processes ----------------------------------------------- */

/*
 * One client process.  quota < 0: logons until t_end; otherwise exactly
 * quota measured logons after the warm-up.
 */
static int
client_main(const struct bench_opts *o, const struct bench_client *c,
    int idx, long quota, int fd, int go_fd)
{
	char err[BENCH_ERR_MAX];
	struct rec r;
	struct go g;
	void *state;
	double interval = 0, next, t0, t1, sched, cpu0 = 0, t_start, t_end;
	long done = 0;
	int measuring = 0, reported = 0, ret, status = 0;

	err[0] = '\0';
	state = c->setup(c->arg, idx, err, sizeof(err));
	if (state == NULL) {
		fprintf(stderr, "%s: %s\n", o->prog, err);
		return 1;
	}
	memset(&r, 0, sizeof(r));
	r.type = REC_READY;
	if (bench_io_all(fd, &r, sizeof(r), 1) != 0 ||
	    bench_io_all(go_fd, &g, sizeof(g), 0) != 0) {
		c->teardown(state);
		return 1;
	}
	close(go_fd);
	t_start = g.t_start;
	t_end = g.t_end;
	if (o->rate > 0)
		interval = (double)o->procs / o->rate;
	/* Spread paced clients over one interval. */
	next = bench_now() + interval * idx / o->procs;
	for (;;) {
		if (interval > 0) {
			sleep_until(next);
			sched = next;
			next += interval;
		} else {
			sched = bench_now();
		}
		if (quota < 0 ? sched >= t_end : done >= quota)
			break;
		if (!measuring && sched >= t_start) {
			measuring = 1;
			cpu0 = cpu_now();
		}
		t0 = interval > 0 ? sched : bench_now();
		err[0] = '\0';
		ret = c->exchange(state, err, sizeof(err));
		t1 = bench_now();
		if (ret > 0) {
			fprintf(stderr, "%s: %s\n", o->prog, err);
			status = 1;
			break;
		}
		if (!measuring)
			continue;
		done++;
		memset(&r, 0, sizeof(r));
		if (ret != 0) {
			if (reported++ < MAX_REPORTED)
				fprintf(stderr, "%s: %s\n", o->prog, err);
			r.type = REC_FAIL;
		} else {
			r.type = REC_OK;
			r.lat_us = (t1 - t0) * 1e6 >= (double)UINT32_MAX ?
			    UINT32_MAX : (uint32_t)((t1 - t0) * 1e6);
		}
		if (bench_io_all(fd, &r, sizeof(r), 1) != 0)
			break;
	}
	memset(&r, 0, sizeof(r));
	r.type = REC_END;
	if (measuring)
		r.cpu_us = (uint64_t)((cpu_now() - cpu0) * 1e6);
	bench_io_all(fd, &r, sizeof(r), 1);
	c->teardown(state);
	return status;
}

/* ---- Parent: collecting --------------------------------------------- */

struct pipe_in {
	int fd;
	size_t have;
	unsigned char buf[64 * sizeof(struct rec)];
};

struct results {
	uint32_t *lat;
	size_t n, cap;
	unsigned long failures;
	double client_cpu;
	int ready;              /* client processes done with their setup */
};

static void
add_record(struct results *res, const struct rec *r)
{
	uint32_t *p;

	switch (r->type) {
	case REC_OK:
		if (res->n == res->cap) {
			if (res->cap >= MAX_SAMPLES)
				return;
			p = realloc(res->lat, sizeof(*p) * res->cap * 2);
			if (p == NULL)
				return;
			res->lat = p;
			res->cap *= 2;
		}
		res->lat[res->n++] = r->lat_us;
		break;
	case REC_FAIL:
		res->failures++;
		break;
	case REC_END:
		res->client_cpu += (double)r->cpu_us / 1e6;
		break;
	case REC_READY:
		res->ready++;
		break;
	}
}

/* Read what one pipe holds; returns 0 at end of file or on error. */
static int
drain(struct pipe_in *in, struct results *res)
{
	struct rec r;
	size_t off = 0;
	ssize_t n;

	n = read(in->fd, in->buf + in->have, sizeof(in->buf) - in->have);
	if (n < 0 && errno == EINTR)
		return 1;
	if (n <= 0)
		return 0;
	in->have += (size_t)n;
	while (in->have - off >= sizeof(r)) {
		memcpy(&r, in->buf + off, sizeof(r));
		add_record(res, &r);
		off += sizeof(r);
	}
	memmove(in->buf, in->buf + off, in->have - off);
	in->have -= off;
	return 1;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct(const uint32_t *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	return v[i] / 1000.0;
}

static void
print_sample(const struct bench_opts *o, double t_start,
    const struct results *res)
{
	printf("rss_sample=%.1f %lu %ld\n", bench_now() - t_start,
	    (unsigned long)res->n + res->failures,
	    bench_kdc_rss_kb(o->kdc_pid));
	fflush(stdout);
}

static void
print_results(const struct bench_opts *o, struct results *res, double wall,
    int bad, int kdc_n, double cpu, double sys)
{
	size_t n = res->n;
	unsigned long tries = (unsigned long)n + res->failures;
	double dur = o->total > 0 ? wall : o->duration;

	qsort(res->lat, n, sizeof(*res->lat), cmp_u32);
	printf("clients=%d\n", o->procs);
	printf("rate_target=%.1f\n", o->rate);
	printf("duration_s=%.2f\n", dur);
	printf("wall_s=%.2f\n", wall);
	printf("exchanges=%zu\n", n);
	printf("failures=%lu\n", res->failures);
	printf("client_errors=%d\n", bad);
	printf("exchanges_per_s=%.1f\n", dur > 0 ? (double)n / dur : 0);
	printf("lat_p50_ms=%.2f\n", pct(res->lat, n, 50));
	printf("lat_p90_ms=%.2f\n", pct(res->lat, n, 90));
	printf("lat_p99_ms=%.2f\n", pct(res->lat, n, 99));
	printf("lat_max_ms=%.2f\n", n > 0 ? res->lat[n - 1] / 1000.0 : 0);
	printf("client_cpu_ms_per_exchange=%.3f\n",
	    tries > 0 ? res->client_cpu * 1000.0 / (double)tries : 0);
	if (o->kdc_pid > 0) {
		printf("kdc_procs=%d\n", kdc_n);
		printf("kdc_cpu_s=%.3f\n", cpu);
		printf("kdc_utime_s=%.3f\n", cpu - sys);
		printf("kdc_stime_s=%.3f\n", sys);
		printf("kdc_cpu_ms_per_exchange=%.3f\n",
		    n > 0 ? cpu * 1000.0 / (double)n : 0);
		printf("kdc_cpu_util=%.2f\n", wall > 0 ? cpu / wall : 0);
		printf("kdc_rss_kb=%ld\n", bench_kdc_rss_kb(o->kdc_pid));
	}
	fflush(stdout);
}

/* Wait up to timeout ms (-1: no limit) for what the clients send and
 * take it in; returns how many pipes are still open. */
static int
collect(struct pipe_in *in, int procs, struct results *res, int timeout)
{
	struct pollfd pfd[BENCH_MAX_PROCS];
	int i, j, np, open_n = 0;

	for (np = 0, i = 0; i < procs; i++) {
		if (in[i].fd < 0)
			continue;
		pfd[np].fd = in[i].fd;
		pfd[np].events = POLLIN;
		pfd[np].revents = 0;
		np++;
	}
	if (np == 0)
		return 0;
	if (poll(pfd, (nfds_t)np, timeout) < 0 && errno != EINTR)
		return -1;
	for (j = 0; j < np; j++) {
		if (pfd[j].revents == 0)
			continue;
		for (i = 0; i < procs; i++) {
			if (in[i].fd == pfd[j].fd && !drain(&in[i], res)) {
				close(in[i].fd);
				in[i].fd = -1;
			}
		}
	}
	for (i = 0; i < procs; i++)
		open_n += in[i].fd >= 0;
	return open_n;
}

int
bench_run(const struct bench_opts *o, const struct bench_client *c)
{
	struct pipe_in in[BENCH_MAX_PROCS];
	pid_t pids[BENCH_MAX_PROCS];
	struct results res;
	struct go g[BENCH_MAX_PROCS];
	double t_start, now, t0, next_sample = 0, wake, cpu0 = 0, cpu1 = 0;
	double sys0 = 0, sys1 = 0;
	int i, j, p[2], gp[2], status, open_n, started = 0, bad = 0;
	int kdc_n = 0, timeout;

	memset(&res, 0, sizeof(res));
	res.cap = 4096;
	res.lat = malloc(sizeof(*res.lat) * res.cap);
	if (res.lat == NULL || pipe(gp) != 0)
		return 1;
	/* Children must not print what stdio still holds. */
	fflush(NULL);
	t0 = bench_now();
	for (i = 0; i < o->procs; i++) {
		if (pipe(p) != 0)
			return 1;
		pids[i] = fork();
		if (pids[i] < 0)
			return 1;
		if (pids[i] == 0) {
			for (j = 0; j < i; j++)
				close(in[j].fd);
			close(p[0]);
			close(gp[1]);
			_exit(client_main(o, c, i, bench_quota(o, i), p[1],
			    gp[0]));
		}
		close(p[1]);
		in[i].fd = p[0];
		in[i].have = 0;
	}
	close(gp[0]);
	/* Every client set up (or gone): then the windows. */
	open_n = o->procs;
	while (open_n > 0 && res.ready < open_n)
		open_n = collect(in, o->procs, &res, -1);
	now = bench_now();
	printf("setup_s=%.2f\n", now - t0);
	fflush(stdout);
	t_start = now + o->warmup;
	for (i = 0; i < o->procs; i++) {
		g[i].t_start = t_start;
		g[i].t_end = t_start + o->duration;
	}
	/* One write below PIPE_BUF; none when no client is left to read
	 * it (SIGPIPE). */
	if (open_n > 0)
		bench_io_all(gp[1], g, sizeof(g[0]) * (size_t)o->procs, 1);
	close(gp[1]);
	while (open_n > 0) {
		now = bench_now();
		if (!started && now >= t_start) {
			started = 1;
			if (o->kdc_pid > 0)
				cpu0 = bench_kdc_cpu(o->kdc_pid, NULL, &sys0);
			next_sample = t_start;
		}
		if (started && o->sample > 0 && o->kdc_pid > 0 &&
		    now >= next_sample) {
			print_sample(o, t_start, &res);
			next_sample += o->sample;
		}
		/* Wake for the window's start and the next sample. */
		wake = !started ? t_start : o->sample > 0 ? next_sample : 0;
		timeout = wake > 0 ? (int)((wake - bench_now()) * 1000) + 1 :
		    -1;
		if (wake > 0 && timeout < 0)
			timeout = 0;
		if ((open_n = collect(in, o->procs, &res, timeout)) < 0)
			break;
	}
	if (!started && o->kdc_pid > 0)
		cpu0 = bench_kdc_cpu(o->kdc_pid, NULL, &sys0);
	for (i = 0; i < o->procs; i++) {
		if (waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad++;
	}
	now = bench_now();
	if (o->kdc_pid > 0) {
		cpu1 = bench_kdc_cpu(o->kdc_pid, &kdc_n, &sys1);
		if (o->sample > 0)
			print_sample(o, t_start, &res);
	}
	print_results(o, &res, now - t_start, bad, kdc_n, cpu1 - cpu0,
	    sys1 - sys0);
	status = (res.n > 0 && bad == 0) ? 0 : 1;
	free(res.lat);
	return status;
}
