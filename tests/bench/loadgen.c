/*
 * loadgen.c - PKINIT load generator for the benchmark (make bench).
 *
 * Several client processes each loop over complete certificate logons
 * with MIT libkrb5, exactly as kinit -X does: krb5_get_init_creds_password
 * with the X509_user_identity preauth option and a prompter that never
 * answers.  One logon ("exchange") is the whole initial-credentials
 * conversation, including the PREAUTH_REQUIRED round trip.
 *
 * The parent process aggregates the per-exchange latencies the children
 * send over a pipe, prints exchanges/s and latency percentiles, and reads
 * the KDC's CPU time (utime + stime of the given process and its direct
 * children, i.e. all workers) from /proc before and after the measured
 * window, so the output includes KDC CPU per exchange.
 *
 * With -r RATE the clients pace themselves to RATE exchanges/s in total
 * and latency is measured from each exchange's scheduled start, so a
 * stalled KDC shows up in the percentiles instead of slowing the clients.
 *
 * Output is one "key=value" per line, for the benchmark script.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <krb5.h>

#define MAX_PROCS 64
#define MAX_SAMPLES (1u << 20)
#define MAX_KDC_PROCS 256

struct opts {
	int procs;
	double warmup;
	double duration;
	double rate;
	const char *principal;
	const char *identity;
	pid_t kdc_pid;
	int enterprise;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_until(double t)
{
	struct timespec ts;
	double d = t - now_s();

	if (d <= 0)
		return;
	ts.tv_sec = (time_t)d;
	ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Any prompt means the identity was not usable: refuse. */
static krb5_error_code
no_prompter(krb5_context ctx, void *data, const char *name,
    const char *banner, int num_prompts, krb5_prompt prompts[])
{
	(void)ctx;
	(void)data;
	(void)name;
	(void)banner;
	(void)num_prompts;
	(void)prompts;
	return KRB5_LIBOS_CANTREADPWD;
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * One client process: logons until t_end; latencies (microseconds) of
 * exchanges that started inside [t_start, t_end) go to fd, then a
 * trailer: UINT32_MAX (never a latency) followed by the failure count.
 */
static int
client(const struct opts *o, int idx, double t_start, double t_end, int fd)
{
	krb5_context ctx = NULL;
	krb5_principal princ = NULL;
	krb5_get_init_creds_opt *opt = NULL;
	krb5_creds creds;
	krb5_error_code ret;
	uint32_t failures = 0, lat, marker = UINT32_MAX;
	double interval = 0, next, t0, t1, sched;
	unsigned long long n = 0;
	int reported = 0;

	if ((ret = krb5_init_context(&ctx)) != 0) {
		fprintf(stderr, "loadgen: krb5_init_context: %d\n", ret);
		return 1;
	}
	/* An enterprise name (RFC 6806) is what a UPN logon asks for. */
	ret = krb5_parse_name_flags(ctx, o->principal, o->enterprise ?
	    KRB5_PRINCIPAL_PARSE_ENTERPRISE : 0, &princ);
	if (ret != 0)
		goto fail;
	/* The PKINIT module keeps the identity per context: set it once. */
	if ((ret = krb5_get_init_creds_opt_alloc(ctx, &opt)) != 0)
		goto fail;
	ret = krb5_get_init_creds_opt_set_pa(ctx, opt, "X509_user_identity",
	    o->identity);
	if (ret != 0)
		goto fail;
	if (o->enterprise)
		krb5_get_init_creds_opt_set_canonicalize(opt, 1);
	if (o->rate > 0)
		interval = (double)o->procs / o->rate;
	/* Spread paced clients over one interval. */
	next = now_s() + interval * idx / o->procs;
	for (;;) {
		if (interval > 0) {
			sleep_until(next);
			sched = next;
			next += interval;
		} else {
			sched = now_s();
		}
		if (sched >= t_end)
			break;
		t0 = interval > 0 ? sched : now_s();
		memset(&creds, 0, sizeof(creds));
		ret = krb5_get_init_creds_password(ctx, &creds, princ, NULL,
		    no_prompter, NULL, 0, NULL, opt);
		t1 = now_s();
		if (ret == 0)
			krb5_free_cred_contents(ctx, &creds);
		if (t0 < t_start)
			continue;
		if (ret != 0) {
			if (!reported++) {
				const char *m = krb5_get_error_message(ctx, ret);

				fprintf(stderr, "loadgen: %s\n", m);
				krb5_free_error_message(ctx, m);
			}
			failures++;
			continue;
		}
		lat = (uint32_t)((t1 - t0) * 1e6);
		if (lat == UINT32_MAX)
			lat--;
		if (n++ < MAX_SAMPLES && write_all(fd, &lat, sizeof(lat)) != 0)
			break;
	}
	write_all(fd, &marker, sizeof(marker));
	write_all(fd, &failures, sizeof(failures));
	krb5_get_init_creds_opt_free(ctx, opt);
	krb5_free_principal(ctx, princ);
	krb5_free_context(ctx);
	return 0;
fail:
	{
		const char *m = krb5_get_error_message(ctx, ret);

		fprintf(stderr, "loadgen: %s\n", m);
		krb5_free_error_message(ctx, m);
	}
	krb5_get_init_creds_opt_free(ctx, opt);
	krb5_free_principal(ctx, princ);
	krb5_free_context(ctx);
	return 1;
}

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

/* CPU seconds of pid and its direct children (the KDC's workers), and
 * the system part of it in *sys_out. */
static double
kdc_cpu(pid_t pid, int *nprocs_out, double *sys_out)
{
	unsigned long long total = 0, sys = 0, t, st;
	struct dirent *de;
	pid_t ppid, p;
	DIR *d;
	int n = 0;

	if (proc_cpu(pid, &t, &st, NULL) == 0) {
		total += t + st;
		sys += st;
		n++;
	}
	d = opendir("/proc");
	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			p = (pid_t)atoi(de->d_name);
			if (p <= 0 || p == pid)
				continue;
			if (proc_cpu(p, &t, &st, &ppid) == 0 && ppid == pid) {
				total += t + st;
				sys += st;
				n++;
			}
		}
		closedir(d);
	}
	if (nprocs_out != NULL)
		*nprocs_out = n;
	*sys_out = (double)sys / (double)sysconf(_SC_CLK_TCK);
	return (double)total / (double)sysconf(_SC_CLK_TCK);
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
usage(void)
{
	fprintf(stderr,
	    "usage: loadgen -p PRINCIPAL [-E] -X IDENTITY [-c PROCS] [-d SECONDS]\n"
	    "               [-W WARMUP] [-r RATE] [-k KDC_PID]\n"
	    "  -E: PRINCIPAL is an enterprise name (user@upn-suffix).\n"
	    "  KRB5_CONFIG names the client configuration (KDC, anchors).\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct opts o = { 2, 1.0, 10.0, 0, NULL, NULL, 0, 0 };
	int fds[MAX_PROCS], p[2], c, i, status, kdc_n = 0, bad = 0;
	pid_t pids[MAX_PROCS];
	uint32_t *lat = NULL, v, failures = 0, f;
	size_t n = 0;
	double t_start, t_end, cpu0 = 0, cpu1 = 0, sys0 = 0, sys1 = 0, wall;
	ssize_t r;

	while ((c = getopt(argc, argv, "c:d:W:r:p:X:k:E")) != -1) {
		switch (c) {
		case 'c':
			o.procs = atoi(optarg);
			break;
		case 'd':
			o.duration = atof(optarg);
			break;
		case 'W':
			o.warmup = atof(optarg);
			break;
		case 'r':
			o.rate = atof(optarg);
			break;
		case 'p':
			o.principal = optarg;
			break;
		case 'X':
			o.identity = optarg;
			break;
		case 'E':
			o.enterprise = 1;
			break;
		case 'k':
			o.kdc_pid = (pid_t)atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (o.principal == NULL || o.identity == NULL || o.procs < 1 ||
	    o.procs > MAX_PROCS || o.duration <= 0 || o.warmup < 0)
		usage();
	lat = malloc(sizeof(*lat) * MAX_SAMPLES);
	if (lat == NULL)
		return 1;

	t_start = now_s() + o.warmup;
	t_end = t_start + o.duration;
	for (i = 0; i < o.procs; i++) {
		if (pipe(p) != 0)
			return 1;
		pids[i] = fork();
		if (pids[i] < 0)
			return 1;
		if (pids[i] == 0) {
			close(p[0]);
			_exit(client(&o, i, t_start, t_end, p[1]));
		}
		close(p[1]);
		fds[i] = p[0];
	}
	sleep_until(t_start);
	if (o.kdc_pid > 0)
		cpu0 = kdc_cpu(o.kdc_pid, NULL, &sys0);
	sleep_until(t_end);
	/* Exchanges started before t_end still finish; CPU is read once all
	 * clients are done, so the work of the last ones is counted too. */
	for (i = 0; i < o.procs; i++) {
		int trailer = 0;

		for (;;) {
			r = read(fds[i], &v, sizeof(v));
			if (r < 0 && errno == EINTR)
				continue;
			if (r != (ssize_t)sizeof(v))
				break;
			if (trailer) {
				failures += v;
				break;
			}
			if (v == UINT32_MAX) {
				trailer = 1;
				continue;
			}
			if (n < MAX_SAMPLES)
				lat[n++] = v;
		}
		close(fds[i]);
	}
	for (i = 0; i < o.procs; i++) {
		if (waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad++;
	}
	wall = now_s() - t_start;
	if (o.kdc_pid > 0)
		cpu1 = kdc_cpu(o.kdc_pid, &kdc_n, &sys1);
	f = failures;

	qsort(lat, n, sizeof(*lat), cmp_u32);
	printf("clients=%d\n", o.procs);
	printf("rate_target=%.1f\n", o.rate);
	printf("duration_s=%.2f\n", o.duration);
	printf("exchanges=%zu\n", n);
	printf("failures=%u\n", f);
	printf("client_errors=%d\n", bad);
	printf("exchanges_per_s=%.1f\n", (double)n / o.duration);
	printf("lat_p50_ms=%.2f\n", pct(lat, n, 50));
	printf("lat_p90_ms=%.2f\n", pct(lat, n, 90));
	printf("lat_p99_ms=%.2f\n", pct(lat, n, 99));
	printf("lat_max_ms=%.2f\n", n > 0 ? lat[n - 1] / 1000.0 : 0);
	if (o.kdc_pid > 0) {
		printf("kdc_procs=%d\n", kdc_n);
		printf("kdc_cpu_s=%.3f\n", cpu1 - cpu0);
		printf("kdc_utime_s=%.3f\n", (cpu1 - cpu0) - (sys1 - sys0));
		printf("kdc_stime_s=%.3f\n", sys1 - sys0);
		printf("kdc_cpu_ms_per_exchange=%.3f\n",
		    n > 0 ? (cpu1 - cpu0) * 1000.0 / (double)n : 0);
		printf("kdc_cpu_util=%.2f\n", (cpu1 - cpu0) / wall);
	}
	free(lat);
	return (n > 0 && bad == 0) ? 0 : 1;
}
