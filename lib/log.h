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

/* How lines are written: key=value text, or one JSON object a line. */
enum log_format {
	LOG_FORMAT_KV = 0,
	LOG_FORMAT_JSON = 1,
};

struct log_settings {
	struct log_target targets[LOG_MAX_TARGETS];
	unsigned int n_targets;
	enum log_level level;
	int format;          /* enum log_format ([logging] format) */
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
	int event;                   /* 0: derived by log_event_for() */
};

void log_request(const struct log_request *r);

/*
 * Event ids modelled on the Windows domain controller's (security log
 * 4768/4769/4771, Kdcsvc 39/40/41, authentication policies 105/106 and
 * their audit-mode twins 305/306), so the same alerting rules can be used.
 * The table is documented in pkinit-kdc(8).
 */
enum log_event_id {
	LOG_EV_NONE = 0,
	LOG_EV_CERT_WEAK_MAPPING = 39,      /* valid cert, no strong mapping */
	LOG_EV_CERT_PREDATES_ACCOUNT = 40,  /* weak mapping, cert older than
					       the account: refused */
	LOG_EV_CERT_SID_MISMATCH = 41,      /* SID extension names another
					       account */
	LOG_EV_POLICY_TGT_DENIED = 105,     /* policy refused a TGT */
	LOG_EV_POLICY_TGS_DENIED = 106,     /* policy refused a service ticket */
	LOG_EV_POLICY_TGT_AUDIT = 305,      /* would refuse a TGT (audit mode) */
	LOG_EV_POLICY_TGS_AUDIT = 306,      /* would refuse a service ticket */
	LOG_EV_AS = 4768,                   /* TGT requested (issued or not) */
	LOG_EV_TGS = 4769,                  /* service ticket requested */
	LOG_EV_PREAUTH_FAILED = 4771,       /* pre-authentication failed */
};

/*
 * The event id of a request line: 4771 for an AS-REQ refused by a
 * pre-authentication or certificate check, 4768 for any other AS-REQ,
 * 4769 for a TGS-REQ, 0 (no event) for anything else.
 */
int log_event_for(const char *req_type, int32_t code);

/*
 * Write one event line (not a request line): the event id, the request's
 * identifying fields from ctx (request id, client address, principal,
 * account, certificate; ctx may be NULL), then the given key/value pairs
 * (a NULL key ends the list, NULL values are skipped).  Used by the
 * certificate mapping and policy code for 39/40/41 and 105/106/305/306.
 */
void log_event(int event, enum log_level level, const struct log_request *ctx,
    ...) __attribute__((sentinel));

/* The format in force (tests). */
enum log_format log_current_format(void);

/* Allocate the next request id. */
uint64_t log_next_request_id(void);

#endif
