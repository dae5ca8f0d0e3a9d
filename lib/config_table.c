/*
 * config_table.c - every kdc.conf option: name, type, default, range and
 * where its value is stored, plus the checks of string values.
 *
 * man/kdc.conf.5 documents exactly this table (check_config verifies it).
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kdc_config.h"

/* Checks and normalisations of string values. */
static int check_nonempty(const char *, char **, char *, size_t);
static int check_abs_path(const char *, char **, char *, size_t);
static int check_keytab(const char *, char **, char *, size_t);
static int check_identity(const char *, char **, char *, size_t);
static int check_store(const char *, char **, char *, size_t);
static int check_ldap_uri(const char *, char **, char *, size_t);
static int check_ntauth(const char *, char **, char *, size_t);
static int check_crl_file(const char *, char **, char *, size_t);
static int check_rev_methods(const char *, char **, char *, size_t);
static int check_rev_failure(const char *, char **, char *, size_t);
static int check_http_url(const char *, char **, char *, size_t);
static int check_binding(const char *, char **, char *, size_t);
static int check_netbios(const char *, char **, char *, size_t);

static const char *const level_words[] = { "err", "warning", "notice",
	"info", "debug", NULL };
/* In the order of enum log_format. */
static const char *const format_words[] = { "kv", "json", NULL };

#define KDC(field) offsetof(struct kdc_config, field), \
	sizeof(((struct kdc_config *)0)->field)
#define RLM(field) offsetof(struct realm_config, field), \
	sizeof(((struct realm_config *)0)->field)
#define DAY INT64_C(86400)

static const struct config_option options[] = {
	{ "kdcdefaults", "kdc_listen", CONFIG_LISTEN, CONFIG_F_MULTI, "88",
	  0, 0, NULL, "UDP addresses to listen on", KDC(udp), NULL },
	{ "kdcdefaults", "kdc_tcp_listen", CONFIG_LISTEN, CONFIG_F_MULTI, "88",
	  0, 0, NULL, "TCP addresses to listen on", KDC(tcp), NULL },
	{ "kdcdefaults", "kdc_max_dgram_reply_size", CONFIG_SIZE, 0, "4096",
	  512, 65507, NULL, "largest reply sent over UDP",
	  KDC(max_dgram_reply_size), NULL },
	{ "kdcdefaults", "kdc_max_tcp_message_size", CONFIG_SIZE, 0, "256k",
	  4096, 16 * 1024 * 1024, NULL, "largest request accepted over TCP",
	  KDC(max_tcp_message_size), NULL },
	{ "kdcdefaults", "kdc_tcp_idle_timeout", CONFIG_DURATION, 0, "30",
	  1, 3600, NULL, "close idle TCP connections after this long",
	  KDC(tcp_idle_timeout), NULL },
	{ "kdcdefaults", "kdc_max_tcp_connections", CONFIG_INT, 0, "1024",
	  1, 65536, NULL, "TCP connections open at once",
	  KDC(max_tcp_connections), NULL },
	{ "kdcdefaults", "kdc_tcp_listen_backlog", CONFIG_INT, 0, "128",
	  1, 65535, NULL, "listen(2) backlog of TCP sockets",
	  KDC(tcp_listen_backlog), NULL },

	{ "logging", "kdc", CONFIG_LOG_TARGET, CONFIG_F_MULTI, "STDERR",
	  0, 0, NULL, "where the KDC logs", KDC(log), NULL },
	{ "logging", "default", CONFIG_LOG_TARGET, CONFIG_F_MULTI, NULL,
	  0, 0, NULL, "log targets used when kdc is not set", KDC(log), NULL },
	{ "logging", "level", CONFIG_ENUM, 0, "info", 0, 0, level_words,
	  "least severe level logged", KDC(log.level), NULL },

	{ "realms", "max_life", CONFIG_DURATION, 0, "10h", 60, 365 * DAY,
	  NULL, "longest ticket lifetime", RLM(max_life), NULL },
	{ "realms", "max_renewable_life", CONFIG_DURATION, 0, "7d", 0,
	  365 * DAY, NULL, "longest renewable lifetime",
	  RLM(max_renewable_life), NULL },
	{ "realms", "clockskew", CONFIG_DURATION, 0, "300", 1, DAY, NULL,
	  "allowed clock difference with clients", RLM(clockskew), NULL },
	{ "realms", "krbtgt_keytab", CONFIG_STRING, CONFIG_F_REQUIRED, NULL,
	  0, 0, NULL, "keytab holding the krbtgt keys",
	  RLM(krbtgt_keytab), check_keytab },
	{ "realms", "pkinit_identity", CONFIG_STRING, CONFIG_F_REQUIRED, NULL,
	  0, 0, NULL, "KDC certificate and private key",
	  RLM(pkinit_identity), check_identity },
	{ "realms", "pkinit_identity_passphrase_file", CONFIG_STRING, 0, NULL,
	  0, 0, NULL, "file holding the passphrase of the KDC key",
	  RLM(pkinit_identity_passphrase_file), check_abs_path },
	{ "realms", "pkinit_anchors", CONFIG_STRLIST,
	  CONFIG_F_MULTI | CONFIG_F_REQUIRED, NULL, 0, 0, NULL,
	  "trusted CA certificates for client certificates",
	  RLM(pkinit_anchors), check_store },
	{ "realms", "pkinit_pool", CONFIG_STRLIST, CONFIG_F_MULTI, NULL,
	  0, 0, NULL, "intermediate CA certificates",
	  RLM(pkinit_pool), check_store },
	{ "realms", "pkinit_require_freshness", CONFIG_BOOL, 0, "false",
	  0, 0, NULL, "require the RFC 8070 freshness token",
	  RLM(pkinit_require_freshness), NULL },
	{ "realms", "pkinit_dh_min_bits", CONFIG_DH_BITS, 0, "2048",
	  1024, 16384, NULL, "smallest Diffie-Hellman group accepted",
	  RLM(pkinit_dh_min_bits), NULL },
	{ "realms", "pkinit_allow_rsa_protocol", CONFIG_BOOL, 0, "true",
	  0, 0, NULL, "allow RSA key transport (no Diffie-Hellman)",
	  RLM(pkinit_allow_rsa_protocol), NULL },
	{ "realms", "pkinit_allow_sha1", CONFIG_BOOL, 0, "false",
	  0, 0, NULL, "accept SHA-1 in client signatures",
	  RLM(pkinit_allow_sha1), NULL },
	{ "realms", "ldap_uri", CONFIG_STRLIST,
	  CONFIG_F_MULTI | CONFIG_F_SPLIT | CONFIG_F_REQUIRED, NULL, 0, 0,
	  NULL, "directory servers, tried in order", RLM(ldap_uri),
	  check_ldap_uri },
	{ "realms", "ldap_base_dn", CONFIG_STRING, CONFIG_F_REQUIRED, NULL,
	  0, 0, NULL, "subtree searched for accounts", RLM(ldap_base_dn),
	  check_nonempty },
	{ "realms", "ldap_bind_dn", CONFIG_STRING, 0, NULL, 0, 0, NULL,
	  "DN for a simple bind", RLM(ldap_bind_dn), check_nonempty },
	{ "realms", "ldap_bind_password_file", CONFIG_STRING, 0, NULL,
	  0, 0, NULL, "file holding the simple bind password",
	  RLM(ldap_bind_password_file), check_abs_path },
	{ "realms", "ldap_sasl_mech", CONFIG_STRING, 0, NULL, 0, 0, NULL,
	  "SASL mechanism instead of a simple bind", RLM(ldap_sasl_mech),
	  check_nonempty },
	{ "realms", "ldap_timeout", CONFIG_DURATION, 0, "5", 1, 300, NULL,
	  "time limit for one directory operation", RLM(ldap_timeout), NULL },

	/* TGS exchange. */
	{ "realms", "service_keytab", CONFIG_STRING, 0, NULL, 0, 0, NULL,
	  "keytab holding the keys of the realm's services",
	  RLM(service_keytab), check_keytab },

	/* Operations: log line format and the metrics endpoint. */
	{ "logging", "format", CONFIG_ENUM, 0, "kv", 0, 0, format_words,
	  "request and event lines as key=value or JSON", KDC(log.format),
	  NULL },
	{ "kdcdefaults", "metrics_listen", CONFIG_LISTEN, CONFIG_F_MULTI, NULL,
	  0, 0, NULL, "HTTP addresses serving Prometheus metrics",
	  KDC(metrics), NULL },

	/* NTAuth issuer store and certificate revocation. */
	{ "realms", "pkinit_ntauth", CONFIG_STRLIST, CONFIG_F_MULTI, NULL,
	  0, 0, NULL, "CAs allowed to issue logon certificates",
	  RLM(pkinit_ntauth), check_ntauth },
	{ "realms", "pkinit_ntauth_base_dn", CONFIG_STRING, 0, NULL, 0, 0,
	  NULL, "directory entry holding the NTAuth certificates",
	  RLM(pkinit_ntauth_base_dn), check_nonempty },
	{ "realms", "pkinit_ntauth_refresh", CONFIG_DURATION, 0, "1h", 1,
	  DAY, NULL, "how often the NTAuth certificates are re-read",
	  RLM(pkinit_ntauth_refresh), NULL },
	{ "realms", "pkinit_revoke", CONFIG_STRLIST, CONFIG_F_MULTI, NULL,
	  0, 0, NULL, "static CRL files", RLM(pkinit_revoke),
	  check_crl_file },
	{ "realms", "pkinit_revocation_check", CONFIG_STRING, 0, "none",
	  0, 0, NULL, "online revocation methods in order of preference",
	  RLM(pkinit_revocation_check), check_rev_methods },
	{ "realms", "pkinit_revocation_failure", CONFIG_STRING, 0, "hard",
	  0, 0, NULL, "refuse or allow when revocation status is unknown",
	  RLM(pkinit_revocation_failure), check_rev_failure },
	{ "realms", "pkinit_ocsp_responder", CONFIG_STRING, 0, NULL, 0, 0,
	  NULL, "OCSP responder asked instead of the certificate's AIA",
	  RLM(pkinit_ocsp_responder), check_http_url },
	{ "realms", "pkinit_revocation_timeout", CONFIG_DURATION, 0, "5", 1,
	  120, NULL, "time limit for one OCSP or CRL fetch",
	  RLM(pkinit_revocation_timeout), NULL },
	{ "realms", "pkinit_revocation_connect_timeout", CONFIG_DURATION, 0,
	  "2", 1, 60, NULL, "time limit for connecting to a responder",
	  RLM(pkinit_revocation_connect_timeout), NULL },
	{ "realms", "pkinit_revocation_cache_size", CONFIG_INT, 0, "1024",
	  16, 1000000, NULL, "OCSP answers and CRLs kept",
	  RLM(pkinit_revocation_cache_size), NULL },
	{ "realms", "pkinit_crl_max_size", CONFIG_SIZE, 0, "10m", 1024,
	  256 * 1024 * 1024, NULL, "largest CRL or OCSP response accepted",
	  RLM(pkinit_crl_max_size), NULL },
	{ "realms", "pkinit_revocation_refresh_ahead", CONFIG_DURATION, 0,
	  "5m", 0, DAY, NULL, "refetch cached answers this long before expiry",
	  RLM(pkinit_revocation_refresh_ahead), NULL },

	/* Performance: account lookup cache. */
	{ "realms", "ldap_cache_ttl", CONFIG_DURATION, 0, "0", 0, 3600, NULL,
	  "how long account lookups are reused (0: never)",
	  RLM(ldap_cache_ttl), NULL },

	/* Certificate-to-account mapping (KB5014754 strong binding). */
	{ "realms", "strong_certificate_binding", CONFIG_STRING, 0, "full",
	  0, 0, NULL, "none, compatibility or full enforcement of strong "
	  "certificate mappings", RLM(strong_certificate_binding),
	  check_binding },
	{ "realms", "certificate_backdating_compensation", CONFIG_DURATION, 0,
	  "0", 0, 100 * 365 * DAY, NULL, "how much older than its account a "
	  "weakly mapped certificate may be in compatibility mode",
	  RLM(certificate_backdating_compensation), NULL },
	{ "realms", "pkinit_search_by_certificate", CONFIG_BOOL, 0, "false",
	  0, 0, NULL, "find the account from the certificate, the client name "
	  "being only a hint", RLM(pkinit_search_by_certificate), NULL },
	{ "realms", "netbios_name", CONFIG_STRING, 0, NULL, 0, 0, NULL,
	  "NetBIOS domain name accepted in DOMAIN\\user client names",
	  RLM(netbios_name), check_netbios },
	{ "realms", "pkinit_allow_rfc822_mapping", CONFIG_BOOL, 0, "false",
	  0, 0, NULL, "an e-mail SAN equal to userPrincipalName binds when the "
	  "certificate has no UPN SAN", RLM(pkinit_allow_rfc822_mapping),
	  NULL },
	{ "realms", "group_cache_lifetime", CONFIG_DURATION, 0, "300",
	  0, DAY, NULL, "how long resolved group memberships are reused",
	  RLM(group_cache_lifetime), NULL },

	/* Performance: verified certificate path cache. */
	{ "realms", "pkinit_chain_cache_ttl", CONFIG_DURATION, 0, "1h",
	  0, DAY, NULL, "how long a verified client certificate path is "
	  "reused (0: never)", RLM(pkinit_chain_cache_ttl), NULL },
};

const struct config_option *
config_options(size_t *n)
{
	*n = sizeof(options) / sizeof(options[0]);
	return options;
}

const char *
config_default_path(void)
{
	return SYSCONFDIR "/pkinit-kdc/kdc.conf";
}

const char *
config_type_name(enum config_type type)
{
	switch (type) {
	case CONFIG_STRING: return "string";
	case CONFIG_BOOL: return "boolean";
	case CONFIG_INT: return "integer";
	case CONFIG_DURATION: return "duration";
	case CONFIG_SIZE: return "size";
	case CONFIG_LISTEN: return "address list";
	case CONFIG_STRLIST: return "string list";
	case CONFIG_ENUM: return "keyword";
	case CONFIG_LOG_TARGET: return "log target";
	case CONFIG_DH_BITS: return "bits";
	}
	return "unknown";
}

static int
dup_out(const char *s, char **out, char *err, size_t errlen)
{
	*out = strdup(s);
	if (*out == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int
check_nonempty(const char *in, char **out, char *err, size_t errlen)
{
	if (*in == '\0') {
		snprintf(err, errlen, "empty value");
		return -1;
	}
	return dup_out(in, out, err, errlen);
}

static int
check_abs_path(const char *in, char **out, char *err, size_t errlen)
{
	if (in[0] != '/') {
		snprintf(err, errlen, "'%s' is not an absolute path", in);
		return -1;
	}
	return dup_out(in, out, err, errlen);
}

static int
check_keytab(const char *in, char **out, char *err, size_t errlen)
{
	size_t len;

	if (in[0] == '/') {
		len = strlen(in) + 6;
		*out = malloc(len);
		if (*out == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		snprintf(*out, len, "FILE:%s", in);
		return 0;
	}
	if (strncmp(in, "FILE:", 5) != 0 || in[5] != '/') {
		snprintf(err, errlen, "'%s' must be FILE:/absolute/path", in);
		return -1;
	}
	return dup_out(in, out, err, errlen);
}

static int
check_identity(const char *in, char **out, char *err, size_t errlen)
{
	if ((strncmp(in, "FILE:", 5) != 0 || in[5] == '\0') &&
	    (strncmp(in, "PKCS12:", 7) != 0 || in[7] == '\0')) {
		snprintf(err, errlen, "'%s' must be FILE:cert.pem[,key.pem] "
		    "or PKCS12:file.p12", in);
		return -1;
	}
	return dup_out(in, out, err, errlen);
}

static int
check_store(const char *in, char **out, char *err, size_t errlen)
{
	if ((strncmp(in, "FILE:", 5) != 0 || in[5] == '\0') &&
	    (strncmp(in, "DIR:", 4) != 0 || in[4] == '\0')) {
		snprintf(err, errlen, "'%s' must be FILE:/path or DIR:/path",
		    in);
		return -1;
	}
	return dup_out(in, out, err, errlen);
}

static int
check_ldap_uri(const char *in, char **out, char *err, size_t errlen)
{
	if (strncasecmp(in, "ldap://", 7) != 0 &&
	    strncasecmp(in, "ldaps://", 8) != 0 &&
	    strncasecmp(in, "ldapi://", 8) != 0) {
		snprintf(err, errlen, "'%s' is not an ldap://, ldaps:// or "
		    "ldapi:// URI", in);
		return -1;
	}
	return dup_out(in, out, err, errlen);
}

/* ---- NTAuth and revocation ---- */

static int
check_ntauth(const char *in, char **out, char *err, size_t errlen)
{
	if (strcmp(in, "LDAP") == 0)
		return dup_out(in, out, err, errlen);
	if ((strncmp(in, "FILE:", 5) != 0 || in[5] != '/') &&
	    (strncmp(in, "DIR:", 4) != 0 || in[4] != '/')) {
		snprintf(err, errlen, "'%s' must be LDAP, FILE:/path or "
		    "DIR:/path", in);
		return -1;
	}
	return dup_out(in, out, err, errlen);
}

static int
check_crl_file(const char *in, char **out, char *err, size_t errlen)
{
	const char *p = strncmp(in, "FILE:", 5) == 0 ? in + 5 : in;

	if (p[0] != '/') {
		snprintf(err, errlen, "'%s' must be FILE:/absolute/path", in);
		return -1;
	}
	return dup_out(in, out, err, errlen);
}

/* "ocsp,crl", "crl, ocsp", "crl", "ocsp" or "none", stored normalised
 * without blanks. */
static int
check_rev_methods(const char *in, char **out, char *err, size_t errlen)
{
	char buf[64], norm[64];
	char *tok, *save = NULL;
	int seen_ocsp = 0, seen_crl = 0, n = 0;

	if (strlen(in) >= sizeof(buf))
		goto bad;
	snprintf(buf, sizeof(buf), "%s", in);
	norm[0] = '\0';
	for (tok = strtok_r(buf, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save)) {
		if (strcasecmp(tok, "none") == 0 && n == 0) {
			n = -1;
			continue;
		}
		if (n < 0)
			goto bad;
		if (strcasecmp(tok, "ocsp") == 0 && !seen_ocsp)
			seen_ocsp = 1;
		else if (strcasecmp(tok, "crl") == 0 && !seen_crl)
			seen_crl = 1;
		else
			goto bad;
		snprintf(norm + strlen(norm), sizeof(norm) - strlen(norm),
		    "%s%s", n ? "," : "", strcasecmp(tok, "ocsp") == 0 ?
		    "ocsp" : "crl");
		n++;
	}
	if (n == 0)
		goto bad;
	return dup_out(n < 0 ? "none" : norm, out, err, errlen);
bad:
	snprintf(err, errlen, "'%s' must be a list of ocsp and crl (in order "
	    "of preference) or none", in);
	return -1;
}

static int
check_rev_failure(const char *in, char **out, char *err, size_t errlen)
{
	if (strcasecmp(in, "hard") == 0)
		return dup_out("hard", out, err, errlen);
	if (strcasecmp(in, "soft") == 0)
		return dup_out("soft", out, err, errlen);
	snprintf(err, errlen, "'%s' must be hard or soft", in);
	return -1;
}

static int
check_http_url(const char *in, char **out, char *err, size_t errlen)
{
	if (strncasecmp(in, "http://", 7) != 0 || in[7] == '\0' ||
	    strlen(in) >= 2048) {
		snprintf(err, errlen, "'%s' is not an http:// URL", in);
		return -1;
	}
	return dup_out(in, out, err, errlen);
}

static int
check_binding(const char *in, char **out, char *err, size_t errlen)
{
	if (strcasecmp(in, "none") != 0 && strcasecmp(in, "compatibility") != 0
	    && strcasecmp(in, "full") != 0) {
		snprintf(err, errlen, "'%s' is not none, compatibility or full",
		    in);
		return -1;
	}
	return dup_out(in, out, err, errlen);
}

static int
check_netbios(const char *in, char **out, char *err, size_t errlen)
{
	size_t n = strlen(in);

	/* NetBIOS names are at most 15 characters and never hold '\\'. */
	if (n == 0 || n > 15 || strpbrk(in, "\\/@ ") != NULL) {
		snprintf(err, errlen, "'%s' is not a NetBIOS domain name", in);
		return -1;
	}
	return dup_out(in, out, err, errlen);
}
