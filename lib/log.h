/*
 * log.h - the KDC's logging: leveled messages and one line per request.
 *
 * Targets are STDERR, SYSLOG[:facility] and FILE:path (kdc.conf [logging]
 * kdc = ...).  Several targets may be active.  Secrets are never passed here:
 * callers log names, fingerprints and reasons, never key bytes.
 */
#ifndef PKINIT_KDC_LOG_H
#define PKINIT_KDC_LOG_H

#include <stdarg.h>
#include <stdint.h>

enum log_level {
	LOG_LVL_ERR = 3,
	LOG_LVL_WARNING = 4,
	LOG_LVL_NOTICE = 5,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

enum log_target_kind {
	LOG_TARGET_STDERR,
	LOG_TARGET_SYSLOG,
	LOG_TARGET_FILE,
};

struct log_target {
	enum log_target_kind kind;
	int facility;        /* syslog facility (LOG_DAEMON by default) */
	char path[4096];     /* FILE: path */
};

#define LOG_MAX_TARGETS 8

struct log_settings {
	struct log_target targets[LOG_MAX_TARGETS];
	unsigned int n_targets;
	enum log_level level;
};

/* Start logging to stderr at INFO; ident is the program name for syslog. */
void log_init(const char *ident);

/*
 * Replace the active targets.  Files are opened before anything is
 * switched: on failure the previous targets stay active and -1 is returned
 * with a message in errbuf.
 */
int log_configure(const struct log_settings *s, char *errbuf, size_t errlen);

/* Reopen FILE: targets (after logrotate moved them); called on SIGHUP. */
void log_reopen(void);

/* Close everything (at exit). */
void log_shutdown(void);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Parse "err", "warning", "notice", "info", "debug"; -1 if unknown. */
int log_level_parse(const char *s);

/*
 * The single line written for every request.  Fields left NULL are
 * omitted.  Values are quoted when they contain spaces or quotes.
 */
struct log_request {
	uint64_t id;                 /* request id, unique per process */
	const char *proto;           /* "udp" / "tcp" */
	const char *client_addr;     /* "[::1]:5432" or "127.0.0.1:5432" */
	const char *req_type;        /* "AS-REQ", "TGS-REQ", "unknown" */
	const char *client;          /* requested client principal */
	const char *server;          /* requested server principal */
	const char *account;         /* directory account (DN) */
	const char *cert_subject;
	const char *cert_issuer;
	const char *cert_serial;
	const char *cert_sha1;
	int32_t code;                /* 0 = issued, else Kerberos error code */
	const char *reason;          /* which check decided, in words */
	double elapsed_ms;
};

void log_request(const struct log_request *r);

/* Allocate the next request id. */
uint64_t log_next_request_id(void);

#endif
