/*
 * log.c - log targets (stderr, syslog, file) and the per-request line.
 *
 * Writes are line-at-a-time with a single write(2) per target so lines from
 * several workers sharing a file do not interleave.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "kerror.h"
#include "log.h"

#define LOG_LINE_MAX 4096

struct active_target {
	struct log_target t;
	int fd;
};

static struct {
	const char *ident;
	struct active_target targets[LOG_MAX_TARGETS];
	unsigned int n;
	enum log_level level;
	int syslog_open;
	uint64_t next_id;
} L = { "pkinit-kdc", { { { LOG_TARGET_STDERR, 0, "" }, 2 } }, 1, LOG_LVL_INFO, 0, 1 };

static const char *const level_names[] = {
	[LOG_LVL_ERR] = "err",
	[LOG_LVL_WARNING] = "warning",
	[LOG_LVL_NOTICE] = "notice",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

void
log_init(const char *ident)
{
	L.ident = ident;
	L.n = 1;
	L.targets[0].t.kind = LOG_TARGET_STDERR;
	L.targets[0].fd = STDERR_FILENO;
	L.level = LOG_LVL_INFO;
}

int
log_level_parse(const char *s)
{
	int i;

	for (i = LOG_LVL_ERR; i <= LOG_LVL_DEBUG; i++) {
		if (strcasecmp(s, level_names[i]) == 0)
			return i;
	}
	if (strcasecmp(s, "error") == 0)
		return LOG_LVL_ERR;
	if (strcasecmp(s, "warn") == 0)
		return LOG_LVL_WARNING;
	return -1;
}

static int
open_log_file(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

static void
close_targets(struct active_target *t, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (t[i].t.kind == LOG_TARGET_FILE && t[i].fd >= 0)
			close(t[i].fd);
	}
}

int
log_configure(const struct log_settings *s, char *errbuf, size_t errlen)
{
	struct active_target next[LOG_MAX_TARGETS];
	unsigned int i, want_syslog = 0, facility = LOG_DAEMON;

	if (s->n_targets > LOG_MAX_TARGETS) {
		snprintf(errbuf, errlen, "too many log targets (max %d)", LOG_MAX_TARGETS);
		return -1;
	}
	for (i = 0; i < s->n_targets; i++) {
		next[i].t = s->targets[i];
		next[i].fd = -1;
		switch (s->targets[i].kind) {
		case LOG_TARGET_STDERR:
			next[i].fd = STDERR_FILENO;
			break;
		case LOG_TARGET_SYSLOG:
			want_syslog = 1;
			facility = (unsigned int)s->targets[i].facility;
			break;
		case LOG_TARGET_FILE:
			next[i].fd = open_log_file(s->targets[i].path);
			if (next[i].fd < 0) {
				snprintf(errbuf, errlen, "cannot open log file %s: %s",
				    s->targets[i].path, strerror(errno));
				close_targets(next, i);
				return -1;
			}
			break;
		}
	}
	close_targets(L.targets, L.n);
	memcpy(L.targets, next, sizeof(next[0]) * s->n_targets);
	L.n = s->n_targets;
	L.level = s->level;
	if (want_syslog) {
		if (L.syslog_open)
			closelog();
		openlog(L.ident, LOG_PID | LOG_NDELAY, (int)facility);
		L.syslog_open = 1;
	} else if (L.syslog_open) {
		closelog();
		L.syslog_open = 0;
	}
	return 0;
}

void
log_reopen(void)
{
	unsigned int i;
	int fd;

	for (i = 0; i < L.n; i++) {
		if (L.targets[i].t.kind != LOG_TARGET_FILE)
			continue;
		fd = open_log_file(L.targets[i].t.path);
		if (fd < 0)
			continue; /* keep writing to the old file */
		close(L.targets[i].fd);
		L.targets[i].fd = fd;
	}
}

void
log_shutdown(void)
{
	close_targets(L.targets, L.n);
	L.n = 0;
	if (L.syslog_open)
		closelog();
	L.syslog_open = 0;
}

static void
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

static void
emit(enum log_level level, const char *line)
{
	char buf[LOG_LINE_MAX + 128];
	char ts[40];
	struct timespec now;
	struct tm tm;
	unsigned int i;
	int n;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(buf, sizeof(buf), "%s.%03ldZ %s[%ld]: %s: %s\n", ts,
	    now.tv_nsec / 1000000, L.ident, (long)getpid(), level_names[level],
	    line);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	for (i = 0; i < L.n; i++) {
		if (L.targets[i].t.kind == LOG_TARGET_SYSLOG)
			syslog((int)level, "%s", line);
		else if (L.targets[i].fd >= 0)
			write_all(L.targets[i].fd, buf, (size_t)n);
	}
}

void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];

	if (level > L.level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	emit(level, line);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

/* Append key=value, quoting and escaping the value when needed. */
static void
kv(char *buf, size_t cap, size_t *len, const char *key, const char *val)
{
	size_t n = *len;
	int quote = 0;
	const char *p;

	if (val == NULL || n >= cap - 1)
		return;
	for (p = val; *p; p++) {
		if (*p == ' ' || *p == '"' || *p == '=' || *p == '\\' || *p == '\t')
			quote = 1;
	}
	n += (size_t)snprintf(buf + n, cap - n, "%s%s=%s", n ? " " : "", key,
	    quote ? "\"" : "");
	for (p = val; *p && n < cap - 3; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"' || c == '\\') {
			buf[n++] = '\\';
			buf[n++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			buf[n++] = '?';
		} else {
			buf[n++] = (char)c;
		}
	}
	if (quote && n < cap - 1)
		buf[n++] = '"';
	buf[n < cap ? n : cap - 1] = '\0';
	*len = n < cap ? n : cap - 1;
}

void
log_request(const struct log_request *r)
{
	char line[LOG_LINE_MAX];
	char num[64];
	size_t len = 0;

	line[0] = '\0';
	snprintf(num, sizeof(num), "%llu", (unsigned long long)r->id);
	kv(line, sizeof(line), &len, "req", num);
	kv(line, sizeof(line), &len, "proto", r->proto);
	kv(line, sizeof(line), &len, "from", r->client_addr);
	kv(line, sizeof(line), &len, "type", r->req_type);
	kv(line, sizeof(line), &len, "client", r->client);
	kv(line, sizeof(line), &len, "server", r->server);
	kv(line, sizeof(line), &len, "account", r->account);
	kv(line, sizeof(line), &len, "cert_subject", r->cert_subject);
	kv(line, sizeof(line), &len, "cert_issuer", r->cert_issuer);
	kv(line, sizeof(line), &len, "cert_serial", r->cert_serial);
	kv(line, sizeof(line), &len, "cert_sha1", r->cert_sha1);
	kv(line, sizeof(line), &len, "result", r->code == 0 ? "ISSUED" : kerr_name(r->code));
	snprintf(num, sizeof(num), "%d", r->code);
	kv(line, sizeof(line), &len, "code", num);
	kv(line, sizeof(line), &len, "reason", r->reason);
	snprintf(num, sizeof(num), "%.3f", r->elapsed_ms);
	kv(line, sizeof(line), &len, "ms", num);
	emit(r->code == 0 ? LOG_LVL_INFO : LOG_LVL_NOTICE, line);
}

uint64_t
log_next_request_id(void)
{
	return L.next_id++;
}
