/*
 * log.c - log targets (stderr, syslog, file), the per-request line and
 * event lines, as key=value text or JSON.
 *
 * Writes are line-at-a-time with a single write(2) per target so lines from
 * several workers sharing a file do not interleave.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "kerror.h"
#include "log.h"
#include "metrics.h"

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
	int format;
} L = { "pkinit-kdc", { { { LOG_TARGET_STDERR, 0, "" }, 2 } }, 1, LOG_LVL_INFO, 0,
	1, LOG_FORMAT_KV };

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
	L.format = LOG_FORMAT_KV;
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
	L.format = s->format == LOG_FORMAT_JSON ? LOG_FORMAT_JSON : LOG_FORMAT_KV;
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

/*
 * Write one line to every target.  body is the message (KV format) or the
 * members of a JSON object without braces (JSON format), which get the
 * time, program, pid and level in front.
 */
/*
 * What every line's header repeats: the time to the second, formatted
 * once per second, and the pid, read once per process (a forked worker
 * forgets it through the atfork handler).
 */
static struct {
	time_t sec;
	char ts[40];
	size_t ts_len;
	long pid;
	int atfork;
} H = { 0, "", 0, 0, 0 };

static void
header_forked(void)
{
	H.pid = 0;
}

/* Bounded append: keeps at most cap - 1 bytes in buf, returns the length
 * the text would have had (like snprintf). */
static size_t
put(char *buf, size_t cap, size_t at, const char *p, size_t n)
{
	if (at < cap - 1)
		memcpy(buf + at, p, n < cap - 1 - at ? n : cap - 1 - at);
	return at + n;
}

static size_t
put_str(char *buf, size_t cap, size_t at, const char *s)
{
	return put(buf, cap, at, s, strlen(s));
}

/* Decimal digits of v (v >= 0), as %ld writes them. */
static size_t
put_long(char *buf, size_t cap, size_t at, long v)
{
	char d[24];
	size_t i = sizeof(d);
	unsigned long u = (unsigned long)v;

	do {
		d[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	return put(buf, cap, at, d + i, sizeof(d) - i);
}

/*
 * Write one line to every target.  body is the message (KV format) or the
 * members of a JSON object without braces (JSON format), which get the
 * time, program, pid and level in front.
 */
static void
emit(enum log_level level, const char *body)
{
	char buf[LOG_LINE_MAX + 192];
	char frac[5];
	struct timespec now;
	struct tm tm;
	unsigned int i;
	size_t m, n, cap = sizeof(buf);
	long ms;

	clock_gettime(CLOCK_REALTIME, &now);
	if (H.ts_len == 0 || now.tv_sec != H.sec) {
		gmtime_r(&now.tv_sec, &tm);
		H.ts_len = strftime(H.ts, sizeof(H.ts), "%Y-%m-%dT%H:%M:%S",
		    &tm);
		H.sec = now.tv_sec;
	}
	if (H.pid == 0) {
		if (!H.atfork && pthread_atfork(NULL, NULL, header_forked) == 0)
			H.atfork = 1;
		H.pid = (long)getpid();
	}
	/* ".mmm" as %03ld writes it. */
	ms = now.tv_nsec / 1000000;
	frac[0] = '.';
	frac[1] = (char)('0' + ms / 100);
	frac[2] = (char)('0' + ms / 10 % 10);
	frac[3] = (char)('0' + ms % 10);
	frac[4] = '\0';
	/* The header is the one snprintf wrote before, piece by piece:
	 * "{"time":"TS.mmmZ","prog":"ID","pid":N,"level":"L"," (JSON) or
	 * "TS.mmmZ ID[N]: L: " (key=value). */
	m = 0;
	if (L.format == LOG_FORMAT_JSON) {
		m = put_str(buf, cap, m, "{\"time\":\"");
		m = put(buf, cap, m, H.ts, H.ts_len);
		m = put_str(buf, cap, m, frac);
		m = put_str(buf, cap, m, "Z\",\"prog\":\"");
		m = put_str(buf, cap, m, L.ident);
		m = put_str(buf, cap, m, "\",\"pid\":");
		m = put_long(buf, cap, m, H.pid);
		m = put_str(buf, cap, m, ",\"level\":\"");
		m = put_str(buf, cap, m, level_names[level]);
		m = put_str(buf, cap, m, "\",");
	} else {
		m = put(buf, cap, m, H.ts, H.ts_len);
		m = put_str(buf, cap, m, frac);
		m = put_str(buf, cap, m, "Z ");
		m = put_str(buf, cap, m, L.ident);
		m = put_str(buf, cap, m, "[");
		m = put_long(buf, cap, m, H.pid);
		m = put_str(buf, cap, m, "]: ");
		m = put_str(buf, cap, m, level_names[level]);
		m = put_str(buf, cap, m, ": ");
	}
	if (m >= cap)
		return;
	n = put_str(buf, cap, m, body);
	if (L.format == LOG_FORMAT_JSON)
		n = put_str(buf, cap, n, "}");
	n = put_str(buf, cap, n, "\n");
	if (n >= cap) {
		n = cap - 1;
		buf[n - 1] = '\n';
	}
	buf[n] = '\0';
	for (i = 0; i < L.n; i++) {
		if (L.targets[i].t.kind == LOG_TARGET_SYSLOG) {
			/* syslog adds its own time and pid; JSON keeps
			 * its braces so each message stays an object. */
			if (L.format == LOG_FORMAT_JSON)
				syslog((int)level, "{%.*s", (int)(n - m - 1),
				    buf + m);
			else
				syslog((int)level, "%s", body);
		} else if (L.targets[i].fd >= 0) {
			write_all(L.targets[i].fd, buf, (size_t)n);
		}
	}
}

/*
 * A line being built: key=value pairs or JSON members, bounded by
 * LOG_LINE_MAX (what does not fit is cut, the line is still written).
 */
struct rec {
	char buf[LOG_LINE_MAX];
	size_t len;
	int json;
};

static void
rec_init(struct rec *r)
{
	r->buf[0] = '\0';
	r->len = 0;
	r->json = L.format == LOG_FORMAT_JSON;
}

/* Room kept at the end so a cut value can still be closed. */
#define REC_RESERVE 8

static void
rec_putc(struct rec *r, char c)
{
	if (r->len < sizeof(r->buf) - REC_RESERVE) {
		r->buf[r->len++] = c;
		r->buf[r->len] = '\0';
	}
}

/* Closing quote: may use the reserve. */
static void
rec_close(struct rec *r, char c)
{
	if (r->len < sizeof(r->buf) - 1) {
		r->buf[r->len++] = c;
		r->buf[r->len] = '\0';
	}
}

static int
rec_room(const struct rec *r, size_t n)
{
	return r->len + n < sizeof(r->buf) - REC_RESERVE;
}

static void
rec_puts(struct rec *r, const char *s)
{
	while (*s != '\0')
		rec_putc(r, *s++);
}

/* Length of the well-formed UTF-8 sequence at p, 0 if it is not one. */
static size_t
utf8_len(const unsigned char *p)
{
	size_t n, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* A JSON string body (RFC 8259 section 7): quotes, backslashes and
 * control characters escaped; bytes that are not UTF-8 become '?'. */
static void
rec_json_str(struct rec *r, const char *val)
{
	const unsigned char *p = (const unsigned char *)val;
	char esc[8];
	size_t k;

	while (*p != '\0' && rec_room(r, 6)) {
		if (*p == '"' || *p == '\\') {
			rec_putc(r, '\\');
			rec_putc(r, (char)*p++);
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p++);
			rec_puts(r, esc);
		} else if (*p < 0x80) {
			rec_putc(r, (char)*p++);
		} else if ((k = utf8_len(p)) == 0) {
			rec_putc(r, '?');
			p++;
		} else {
			while (k-- > 0)
				rec_putc(r, (char)*p++);
		}
	}
}

/* key=value with quoting when needed, or "key":"value". */
static void
rec_str(struct rec *r, const char *key, const char *val)
{
	const char *p;
	int quote = 0;

	/* A field whose name does not fit is left out whole. */
	if (val == NULL || !rec_room(r, strlen(key) + 8))
		return;
	if (r->json) {
		if (r->len > 0)
			rec_putc(r, ',');
		rec_putc(r, '"');
		rec_puts(r, key);
		rec_puts(r, "\":\"");
		rec_json_str(r, val);
		rec_close(r, '"');
		return;
	}
	for (p = val; *p; p++) {
		if (*p == ' ' || *p == '"' || *p == '=' || *p == '\\' ||
		    *p == '\t' || (unsigned char)*p < 0x20)
			quote = 1;
	}
	if (*val == '\0')
		quote = 1;
	if (r->len > 0)
		rec_putc(r, ' ');
	rec_puts(r, key);
	rec_putc(r, '=');
	if (quote)
		rec_putc(r, '"');
	for (p = val; *p && rec_room(r, 2); p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"' || c == '\\') {
			rec_putc(r, '\\');
			rec_putc(r, (char)c);
		} else if (c < 0x20 || c == 0x7f) {
			rec_putc(r, '?');
		} else {
			rec_putc(r, (char)c);
		}
	}
	if (quote)
		rec_close(r, '"');
}

/* A number: unquoted in both formats. */
static void
rec_num(struct rec *r, const char *key, const char *num)
{
	if (!rec_room(r, strlen(key) + strlen(num) + 4))
		return;
	if (r->json) {
		if (r->len > 0)
			rec_putc(r, ',');
		rec_putc(r, '"');
		rec_puts(r, key);
		rec_puts(r, "\":");
		rec_puts(r, num);
		return;
	}
	rec_str(r, key, num);
}

/* v in decimal, as %llu writes it, ending at end (NUL-terminated there):
 * the start of the digits. */
static char *
dec(char *end, unsigned long long v)
{
	*end = '\0';
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return end;
}

static void
rec_llu(struct rec *r, const char *key, unsigned long long v)
{
	char num[32];

	rec_num(r, key, dec(num + sizeof(num) - 1, v));
}

static void
rec_int(struct rec *r, const char *key, long long v)
{
	char num[32], *p;

	/* As %lld: the magnitude taken without overflow at LLONG_MIN. */
	p = dec(num + sizeof(num) - 1, v < 0 ?
	    0ULL - (unsigned long long)v : (unsigned long long)v);
	if (v < 0)
		*--p = '-';
	rec_num(r, key, p);
}

void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	struct rec r;

	if (level > L.level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (L.format != LOG_FORMAT_JSON) {
		emit(level, line);
		return;
	}
	rec_init(&r);
	rec_str(&r, "msg", line);
	emit(level, r.buf);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

enum log_format
log_current_format(void)
{
	return L.format == LOG_FORMAT_JSON ? LOG_FORMAT_JSON : LOG_FORMAT_KV;
}

int
log_event_for(const char *req_type, int32_t code)
{
	if (req_type == NULL)
		return LOG_EV_NONE;
	if (strcmp(req_type, "TGS-REQ") == 0)
		return LOG_EV_TGS;
	if (strcmp(req_type, "AS-REQ") != 0)
		return LOG_EV_NONE;
	/* Failures of the proof of identity itself: the padata could not be
	 * used (16), did not verify (24, 64), was stale (37) or carried a
	 * certificate that failed a check (RFC 4556 section 3.1.3 codes). */
	switch (code) {
	case KDC_ERR_PADATA_TYPE_NOSUPP:
	case KDC_ERR_KEY_EXPIRED:
	case KDC_ERR_PREAUTH_FAILED:
	case KRB_AP_ERR_SKEW:
	case KDC_ERR_CLIENT_NOT_TRUSTED:
	case KDC_ERR_KDC_NOT_TRUSTED:
	case KDC_ERR_INVALID_SIG:
	case KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED:
	case KDC_ERR_CERTIFICATE_MISMATCH:
		return LOG_EV_PREAUTH_FAILED;
	}
	if (code >= 70 && code <= 77)  /* CANT_VERIFY .. KEY_PURPOSE */
		return LOG_EV_PREAUTH_FAILED;
	return LOG_EV_AS;
}

/* The fields naming who and what a request was about. */
static void
rec_identity(struct rec *r, const struct log_request *q)
{
	rec_str(r, "client", q->client);
	rec_str(r, "server", q->server);
	rec_str(r, "account", q->account);
	rec_str(r, "cert_subject", q->cert_subject);
	rec_str(r, "cert_issuer", q->cert_issuer);
	rec_str(r, "cert_serial", q->cert_serial);
	rec_str(r, "cert_sha1", q->cert_sha1);
}

void
log_request(const struct log_request *q)
{
	enum log_level level = q->code == 0 ? LOG_LVL_INFO : LOG_LVL_NOTICE;
	char num[32];
	struct rec r;
	int event;

	/* Request lines are the audit trail: written whatever the level. */
	event = q->event != 0 ? q->event : log_event_for(q->req_type, q->code);
	rec_init(&r);
	rec_llu(&r, "req", (unsigned long long)q->id);
	rec_str(&r, "proto", q->proto);
	rec_str(&r, "from", q->client_addr);
	rec_str(&r, "type", q->req_type);
	rec_identity(&r, q);
	rec_str(&r, "result", q->code == 0 ? "ISSUED" : kerr_name(q->code));
	rec_int(&r, "code", q->code);
	rec_str(&r, "reason", q->reason);
	snprintf(num, sizeof(num), "%.3f", q->elapsed_ms);
	rec_num(&r, "ms", num);
	/* Last, so the fields before keep the order they always had. */
	if (event != LOG_EV_NONE)
		rec_int(&r, "event", event);
	emit(level, r.buf);
}

void
log_event(int event, enum log_level level, const struct log_request *ctx,
    ...)
{
	const char *key, *val;
	char name[48];
	struct rec r;
	va_list ap;

	/* Like request lines, events are written whatever the level. */
	rec_init(&r);
	if (ctx != NULL)
		rec_llu(&r, "req", (unsigned long long)ctx->id);
	rec_int(&r, "event", event);
	if (ctx != NULL) {
		rec_str(&r, "from", ctx->client_addr);
		rec_identity(&r, ctx);
	}
	va_start(ap, ctx);
	while ((key = va_arg(ap, const char *)) != NULL) {
		val = va_arg(ap, const char *);
		rec_str(&r, key, val);
	}
	va_end(ap);
	emit(level, r.buf);
	snprintf(name, sizeof(name), "events_total{event=\"%d\"}", event);
	metrics_counter_add(name, 1);
}

uint64_t
log_next_request_id(void)
{
	return L.next_id++;
}
