/*
 * dir_ldap.h - asynchronous LDAP directory access inside the event loop.
 *
 * One struct dir owns one LDAP connection to the first answering server of
 * an ordered URI list (failover), bound with a simple bind (DN + password
 * read once from a file) or SASL EXTERNAL over ldapi://.  Searches are
 * queued while a connection is being made, sent without blocking, and
 * answered through a callback from the event loop, never from inside
 * dir_search() itself.  Every search has a deadline; a lost or silent
 * server fails what is outstanding with KDC_ERR_SVC_UNAVAILABLE and the
 * connection is remade with backoff.
 *
 * Results are untrusted input: sizes of values, attribute and value counts
 * and entry counts are bounded, values are kept binary-safe and string
 * accessors check UTF-8.  No LDAP type appears here.
 *
 * Transport: ldapi:// (the usual choice, with SASL EXTERNAL: a local
 * socket needs no password), ldaps:// (server certificate verified against
 * tls_ca_file or the system store, host name checked) and ldap:// (for
 * loopback or a trusted network).  The TLS handshake of ldaps:// is the
 * one blocking step (libldap cannot drive it from an event loop): bounded
 * by the timeout, once per new connection.  StartTLS is not used.
 * Failover tries the URIs in order on every new connection, so a first
 * server that hangs (rather than refuses) costs one timeout per connection
 * attempt.
 *
 * libldap writes to its socket without MSG_NOSIGNAL, so a server closing
 * the connection first would kill the process with SIGPIPE: dir_new()
 * sets SIGPIPE to ignored if it still has its default action.
 */
#ifndef PKINIT_KDC_DIR_LDAP_H
#define PKINIT_KDC_DIR_LDAP_H

#include <stddef.h>
#include <stdint.h>

#include "kerror.h"

struct loop;
struct dir;
struct dir_search;

#define DIR_MAX_URIS 8
#define DIR_FILTER_MAX 4096          /* bytes of one search filter */
#define DIR_DN_MAX 4096              /* bytes of a DN, ours or the server's */
#define DIR_MAX_ATTRS 32             /* attributes requested / kept per entry */
#define DIR_MAX_VALUES 1024          /* values kept per attribute */
#define DIR_PASSWORD_MAX 1024        /* bytes of the bind password file */
#define DIR_MAX_MESSAGE (8u << 20)   /* bytes of one LDAP message received */

struct dir_settings {
	/* ldap://host[:port]/, ldaps://host[:port]/, ldapi://path/ */
	const char *uris[DIR_MAX_URIS];
	size_t n_uris;
	const char *base_dn;             /* default search base */
	const char *bind_dn;             /* simple bind; NULL: anonymous */
	const char *bind_password_file;  /* read once by dir_new, then wiped */
	int sasl_external;               /* SASL EXTERNAL instead (ldapi://) */
	const char *tls_ca_file;         /* ldaps:// trust anchors; NULL: the
					    system store / ldap.conf */
	unsigned int timeout_s;          /* per search and per connect; 0: 5 */
	unsigned int max_outstanding;    /* queued + sent searches; 0: 256 */
	unsigned int max_entries;        /* entries per search; 0: 100 */
	size_t max_value_size;           /* bytes per value; 0: 65536 */
	unsigned int reconnect_min_ms;   /* first backoff step; 0: 500 */
	unsigned int reconnect_max_ms;   /* backoff ceiling; 0: 30000 */
};

enum dir_scope {
	DIR_SCOPE_BASE,
	DIR_SCOPE_ONE,
	DIR_SCOPE_SUB,
};

/* One value: data[len] is always 0 so text can be used in place. */
struct dir_value {
	unsigned char *data;
	size_t len;
};

struct dir_attr {
	char *name;
	struct dir_value *vals;
	size_t n_vals;
};

struct dir_entry {
	char *dn;
	struct dir_attr *attrs;
	size_t n_attrs;
};

struct dir_entries {
	struct dir_entry *v;
	size_t n;
	int overflow;   /* more than max_entries matched (search failed) */
};

/*
 * Called once per search, from the event loop.  err->code is 0 on success.
 * res (never NULL) and everything it points to belong to the directory and
 * are freed when the callback returns.  The callback may start or cancel
 * other searches but must not call dir_free().
 */
typedef void (*dir_search_cb)(void *arg, const struct kerr *err,
    const struct dir_entries *res);

/* Validate settings, read the password file; no connection is made yet. */
struct dir *dir_new(struct loop *l, const struct dir_settings *s,
    struct kerr *err);

/* Close the connection; outstanding searches end without callbacks. */
void dir_free(struct dir *d);

/*
 * Start a search.  base NULL means the configured base DN; attrs is a
 * NULL-terminated list (NULL: all user attributes).  Returns a handle that
 * is valid until the callback has been called or dir_cancel(); NULL only if
 * the arguments are invalid or memory ran out (*err says which, may be
 * NULL).  Every other failure arrives through the callback.
 */
struct dir_search *dir_search(struct dir *d, const char *base,
    enum dir_scope scope, const char *filter, const char *const *attrs,
    dir_search_cb cb, void *arg, struct kerr *err);

/* Abandon a search; its callback will not be called.  NULL is ignored. */
void dir_cancel(struct dir_search *s);

/* The configured base DN. */
const char *dir_base_dn(const struct dir *d);

/* 1 while bound to a server (for status and tests). */
int dir_connected(const struct dir *d);

/* --- pure helpers (dir_entry.c) ------------------------------------------ */

/*
 * Escape a value for use inside an RFC 4515 filter: '*', '(', ')', '\\'
 * and NUL become \2a \28 \29 \5c \00; bytes >= 0x80 are kept (UTF-8).
 * Returns the length written (NUL-terminated), or (size_t)-1 if out is too
 * small.
 */
size_t dir_filter_escape(const void *val, size_t len, char *out,
    size_t outlen);

/* "(attr=escaped value)" into out; -1 if it does not fit or attr is bad. */
int dir_filter_eq(const char *attr, const void *val, size_t len, char *out,
    size_t outlen);

/* 1 if buf is well-formed UTF-8 (RFC 3629: no overlongs, surrogates or
 * code points above U+10FFFF). */
int dir_utf8_valid(const void *buf, size_t len);

/* Attribute by name (case-insensitive), or NULL. */
const struct dir_attr *dir_entry_attr(const struct dir_entry *e,
    const char *name);

/*
 * The single value of attribute name as text.  Returns 0 and sets *out_str
 * (NULL when an optional attribute is absent); KRB_ERR_GENERIC with a
 * message when a required value is missing, or the value is multi-valued,
 * not UTF-8 or contains NUL.
 */
kerr_t dir_entry_string(const struct dir_entry *e, const char *name,
    int required, const char **out_str, struct kerr *err);

/* Value i of attr as text (UTF-8, no NUL), or NULL. */
const char *dir_value_string(const struct dir_attr *a, size_t i);

/* Decimal integer in [min, max] (LDAP INTEGER syntax); 0 or -1. */
int dir_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);

/* GeneralizedTime "YYYYMMDDHHMMSS[.fff]Z" (UTC only) to seconds since 1970;
 * 0 or -1. */
int dir_parse_gentime(const char *s, int64_t *out);

/* Binary SID (MS-DTYP 2.4.2.2) to "S-1-5-21-..."; 0 or -1 if malformed. */
int dir_sid_to_string(const unsigned char *sid, size_t len, char *out,
    size_t outlen);

/* Free everything in an entry list built by the directory layer. */
void dir_entries_clear(struct dir_entries *r);

#endif
