/*
 * kdc_config.h - the typed kdc.conf.
 *
 * kdc.conf uses the MIT profile syntax; profile.c parses it into a tree and
 * config.c turns the tree into a struct kdc_config, checking every option
 * against a table of known names, types and defaults.  A config is
 * immutable once loaded: reload builds a new one and swaps pointers, so a
 * bad new file leaves the running one untouched.
 */
#ifndef PKINIT_KDC_KDC_CONFIG_H
#define PKINIT_KDC_KDC_CONFIG_H


#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "log.h"

struct config_where;

struct strlist {
	char **v;
	size_t n;
};

struct listen_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	char text[80];       /* as written in the file, normalised */
};

struct listen_list {
	struct listen_addr *v;
	size_t n;
};

struct realm_config {
	char *name;

	/* Tickets (MIT names; durations in seconds). */
	int64_t max_life;            /* default 10h */
	int64_t max_renewable_life;  /* default 7d */
	int64_t clockskew;           /* default 300 */
	char *krbtgt_keytab;         /* "FILE:/path" */

	/* PKINIT (#4). */
	char *pkinit_identity;       /* FILE:cert,key | PKCS12:file */
	char *pkinit_identity_passphrase_file;
	struct strlist pkinit_anchors;   /* FILE:/DIR: */
	struct strlist pkinit_pool;      /* FILE:/DIR: */
	int pkinit_require_freshness;    /* bool, default false */
	int pkinit_dh_min_bits;          /* default 2048 */
	int pkinit_allow_rsa_protocol;   /* bool, default true */
	int pkinit_allow_sha1;           /* bool, default false */

	/* Directory (#4). */
	struct strlist ldap_uri;
	char *ldap_base_dn;
	char *ldap_bind_dn;
	char *ldap_bind_password_file;
	char *ldap_sasl_mech;        /* e.g. EXTERNAL over ldapi:// */
	int ldap_timeout;            /* seconds, default 5 */

	/* TGS exchange (#8). */
	char *service_keytab;        /* "FILE:/path"; NULL: only krbtgt */

	/* NTAuth issuer store and certificate revocation (#5). */
	struct strlist pkinit_ntauth;        /* FILE:/DIR: or LDAP */
	char *pkinit_ntauth_base_dn;         /* NULL: under ldap_base_dn */
	int pkinit_ntauth_refresh;           /* seconds, default 1h */
	struct strlist pkinit_revoke;        /* static CRL files */
	char *pkinit_revocation_check;       /* "ocsp,crl", "crl", ..., "none" */
	char *pkinit_revocation_failure;     /* "hard" or "soft" */
	char *pkinit_ocsp_responder;         /* http:// URL overriding AIA */
	int pkinit_revocation_timeout;       /* seconds per fetch, default 5 */
	int pkinit_revocation_connect_timeout;  /* seconds, default 2 */
	int pkinit_revocation_cache_size;    /* entries, default 1024 */
	size_t pkinit_crl_max_size;          /* bytes, default 10m */
	int pkinit_revocation_refresh_ahead; /* seconds, default 5m */

	/* Performance: account lookup cache. */
	int ldap_cache_ttl;          /* seconds, default 0 (no cache) */

	/* Certificate-to-account mapping (#6). */
	char *strong_certificate_binding;    /* none | compatibility | full */
	int64_t certificate_backdating_compensation;  /* seconds, default 0 */
	int pkinit_search_by_certificate;    /* bool, default false */
	char *netbios_name;                  /* DOMAIN of DOMAIN\user hints */
	int pkinit_allow_rfc822_mapping;     /* bool, default false */
	int64_t group_cache_lifetime;        /* seconds, default 300 */

	/* Performance: verified certificate path cache. */
	int64_t pkinit_chain_cache_ttl;      /* seconds, default 1h; 0: off */

	const char *file;            /* where the realm block starts */
	int line;
	struct realm_config *next;
};

struct kdc_config {
	char *path;

	/* [kdcdefaults] */
	struct listen_list udp;          /* kdc_listen, default 88 */
	struct listen_list tcp;          /* kdc_tcp_listen, default 88 */
	size_t max_dgram_reply_size;     /* kdc_max_dgram_reply_size, 4096 */
	size_t max_tcp_message_size;     /* kdc_max_tcp_message_size, 256 KiB */
	int tcp_idle_timeout;            /* kdc_tcp_idle_timeout, seconds, 30 */
	int max_tcp_connections;         /* kdc_max_tcp_connections, 1024 */
	int tcp_listen_backlog;          /* kdc_tcp_listen_backlog, 128 */

	/* [logging] */
	struct log_settings log;

	/* [realms] */
	struct realm_config *realms;
	size_t n_realms;

	/* Where each option was set, for config_option_where(). */
	struct config_where *where;
	size_t n_where;

	/* Operations: the Prometheus endpoint ([kdcdefaults] metrics_listen,
	 * none by default).  The log format is log.format. */
	struct listen_list metrics;
};

/* Hard limits on what one file may configure. */
#define CONFIG_MAX_LISTEN 64
#define CONFIG_MAX_REALMS 64
#define CONFIG_MAX_LIST 64

/* How the value of an option is read. */
enum config_type {
	CONFIG_STRING,       /* text, checked per option */
	CONFIG_BOOL,         /* yes/no, true/false, on/off, 1/0, y/n, t/nil */
	CONFIG_INT,          /* decimal integer within [min, max] */
	CONFIG_DURATION,     /* "300", "10h", "1d 2h", "1:30", "1d 2:00:00" */
	CONFIG_SIZE,         /* bytes, optional k or m suffix */
	CONFIG_LISTEN,       /* list of addr:port, [v6]:port, port */
	CONFIG_STRLIST,      /* repeatable; one item per line */
	CONFIG_ENUM,         /* one of a fixed set of words */
	CONFIG_LOG_TARGET,   /* STDERR, SYSLOG[:...], FILE:path */
	CONFIG_DH_BITS,      /* 1024..16384 or P-256, P-384, P-521 */
};

#define CONFIG_F_MULTI 0x1     /* may be repeated; values accumulate */
#define CONFIG_F_REQUIRED 0x2  /* every realm block must set it */
#define CONFIG_F_SPLIT 0x4     /* list items are also split on blanks */

/*
 * One known option.  The table drives parsing, defaults (the def text is
 * parsed like a value from the file, so the documented default is the
 * real one) and the consistency test against kdc.conf(5).
 */
struct config_option {
	const char *section;     /* "kdcdefaults", "logging" or "realms" */
	const char *name;
	enum config_type type;
	unsigned int flags;      /* CONFIG_F_* */
	const char *def;         /* default as written in kdc.conf; NULL: none */
	int64_t min, max;        /* range for INT, DURATION, SIZE, DH_BITS */
	const char *const *choices;  /* ENUM words, NULL-terminated */
	const char *desc;        /* one line */

	/* Storage, used by config.c only. */
	size_t offset;           /* in struct kdc_config or realm_config */
	size_t width;            /* sizeof the field */
	int (*check)(const char *in, char **out, char *err, size_t errlen);
};

/*
 * Load and check a kdc.conf.  On error returns -1 and writes
 * "path:line: message" into errbuf.
 */
int config_load(const char *path, struct kdc_config **cfg_out, char *errbuf,
    size_t errlen);

void config_free(struct kdc_config *cfg);

/* Find a realm by name (case-sensitive, as Kerberos realms are). */
const struct realm_config *config_realm(const struct kdc_config *cfg,
    const char *name);

/* SYSCONFDIR "/pkinit-kdc/kdc.conf". */
const char *config_default_path(void);

/* The table of every accepted option; *n gets its length. */
const struct config_option *config_options(size_t *n);

/* "string", "boolean", "duration", ... as used in kdc.conf(5). */
const char *config_type_name(enum config_type type);

/*
 * "path:line" of the relation that set option (in realm's block when realm
 * is not NULL), so later checks (an unreadable keytab) can point at it.
 * Options left at their default give the realm block's location, or the
 * file path for global options.  Never NULL for a non-NULL cfg.
 */
const char *config_option_where(const struct kdc_config *cfg,
    const char *realm, const char *option);

/*
 * Value parsers, shared with the option table and exposed for tests.
 * Each returns 0 on success, -1 if the text is not valid.
 */
int config_parse_duration(const char *s, int64_t *secs_out);
int config_parse_bool(const char *s, int *val_out);
int config_parse_size(const char *s, uint64_t *bytes_out);

/* Append the addresses in s to list; message (without location) in err. */
int config_parse_listen(const char *s, struct listen_list *list, char *err,
    size_t errlen);
void config_listen_list_clear(struct listen_list *list);

/* Parse one [logging] target; message (without location) in err. */
int config_parse_log_target(const char *s, struct log_target *t_out,
    char *err, size_t errlen);

#endif
