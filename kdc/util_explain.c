/*
 * util_explain.c - "pkinit-kdc-util explain": every check the KDC runs on
 * a client certificate, in the order the AS pipeline runs them, each
 * printed as PASS, FAIL or WARN with the reason and, on failure, what to
 * change.  The checks are the daemon's own code (cv_verify,
 * cv_check_client_usage, the realm's NTAuth store and revocation engine,
 * acct_map_start, acct_check_state), run on the daemon's realm state
 * loaded by realm_set_load, so the verdict is the KDC's.
 *
 * The verdict names the error of the first failing check in pipeline
 * order: that is what the KDC would send (RFC 4556 section 3.2.2 codes).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "as_account.h"
#include "asn1_krb5.h"
#include "cv_cert.h"
#include "cv_chain.h"
#include "cv_ntauth.h"
#include "cv_revoke.h"
#include "dir_account.h"
#include "kdc_config.h"
#include "log.h"
#include "loop.h"
#include "map_altsecid.h"
#include "map_bind.h"
#include "pk_cms.h"
#include "pk_identity.h"
#include "realm.h"
#include "realm_trust.h"
#include "util_explain.h"

/* How long to wait for a first NTAuth read from the directory. */
#define NTAUTH_WAIT_MS 5000
#define NTAUTH_POLL_MS 50

struct explain {
	const struct realm_config *rc;
	const struct realm_rt *realm;
	struct loop *loop;
	struct cv_cert *cert;
	struct cv_certs *chain;   /* verified path, or NULL */
	int64_t now;
	kerr_t first;             /* the KDC's answer: first failure */
	char first_msg[KERR_MSG_MAX + 1024];
	int fails, warns;
	/* Asynchronous steps. */
	int waiting;
	struct cv_rev_outcome rev;
	kerr_t map_code;
	char map_msg[KERR_MSG_MAX];
	struct acct_map_out *map_out;
	unsigned int waited_ms;
};

static void
report(struct explain *x, const char *status, const char *check,
    const char *reason)
{
	(void)x;
	printf("%-4s %-13s %s\n", status, check, reason);
}

static void
pass(struct explain *x, const char *check, const char *reason)
{
	report(x, "PASS", check, reason);
}

static void
warn(struct explain *x, const char *check, const char *reason)
{
	x->warns++;
	report(x, "WARN", check, reason);
}

/* A failure the KDC would refuse with code; fix says what to change. */
static void
fail(struct explain *x, const char *check, kerr_t code, const char *reason,
    const char *fix)
{
	x->fails++;
	report(x, "FAIL", check, reason);
	if (fix != NULL && fix[0] != '\0')
		printf("     fix: %s\n", fix);
	if (x->first == 0) {
		x->first = code;
		snprintf(x->first_msg, sizeof(x->first_msg), "%s", reason);
	}
}

static void
check_key(struct explain *x, const char *cert_path, const char *key_path)
{
	static const uint8_t probe[] = "pkinit-kdc-util explain";
	struct pk_identity *id = NULL;
	struct pk_signed *sd = NULL;
	uint8_t *der = NULL;
	size_t len = 0;
	char spec[2048], msg[KERR_MSG_MAX + 64];
	struct kerr e;
	kerr_t ret;

	kerr_clear(&e);
	snprintf(spec, sizeof(spec), "FILE:%s,%s", cert_path, key_path);
	/* The identity loader refuses a key that does not match. */
	if (pk_identity_load(spec, NULL, x->realm->name, &id, NULL, &e) != 0) {
		snprintf(msg, sizeof(msg), "%s", e.msg);
		fail(x, "key", KDC_ERR_INVALID_SIG, msg,
		    "use the private key that belongs to this certificate "
		    "(the card's key, or the .key file issued with it)");
		return;
	}
	/* Then a signature the way the client signs its AuthPack, verified
	 * the way the KDC verifies one (RFC 4556 section 3.2.1). */
	ret = pk_cms_sign(id, PK_CONTENT_AUTH_DATA, probe, sizeof(probe) - 1,
	    &der, &len, &e);
	if (ret == 0)
		ret = pk_cms_verify(der, len, PK_CONTENT_AUTH_DATA, 0, &sd, &e);
	if (ret) {
		snprintf(msg, sizeof(msg), "the key cannot make a signature the "
		    "KDC accepts: %s", e.msg);
		fail(x, "key", ret, msg, "use an RSA or ECDSA key that can "
		    "sign with SHA-256");
	} else
		pass(x, "key", "the private key matches the certificate and "
		    "signs as the KDC requires");
	pk_signed_free(sd);
	free(der);
	pk_identity_free(id);
}

static void
check_validity(struct explain *x)
{
	int64_t nb = cv_cert_not_before(x->cert), na = cv_cert_not_after(x->cert);
	char msg[256], when[32];
	time_t t;
	struct tm tm;

	if (x->now + x->realm->clockskew < nb) {
		t = (time_t)nb;
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%SZ", &tm);
		snprintf(msg, sizeof(msg), "not valid before %s", when);
		fail(x, "validity", KDC_ERR_INVALID_CERTIFICATE, msg,
		    "check the clocks of the KDC and the issuing CA, or wait "
		    "until the certificate is valid");
		return;
	}
	t = (time_t)na;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%SZ", &tm);
	if (x->now - x->realm->clockskew > na) {
		snprintf(msg, sizeof(msg), "expired %s", when);
		fail(x, "validity", KDC_ERR_INVALID_CERTIFICATE, msg,
		    "renew the certificate");
		return;
	}
	snprintf(msg, sizeof(msg), "valid until %s", when);
	if (na - x->now < 14 * 86400)
		warn(x, "validity", msg);
	else
		pass(x, "validity", msg);
}

static void
check_chain(struct explain *x)
{
	char msg[KERR_MSG_MAX + 128];
	struct kerr e;
	kerr_t ret;
	size_t n;

	kerr_clear(&e);
	ret = cv_verify(x->realm->store, x->cert, NULL, x->now, &x->chain, &e);
	if (ret) {
		snprintf(msg, sizeof(msg), "%s", e.msg);
		fail(x, "chain", ret, msg, ret == KDC_ERR_CANT_VERIFY_CERTIFICATE ?
		    "if the issuer is legitimate, add its root CA to "
		    "pkinit_anchors and its intermediate CAs to pkinit_pool; "
		    "otherwise the card was not issued by a trusted CA" :
		    "renew the certificate from a trusted CA");
		return;
	}
	n = cv_certs_count(x->chain);
	snprintf(msg, sizeof(msg), "%zu certificate(s) up to the trust anchor "
	    "'%s'", n, cv_cert_subject(cv_certs_get(x->chain, n - 1)));
	pass(x, "chain", msg);
}

static void
check_usage(struct explain *x)
{
	char msg[KERR_MSG_MAX];
	struct kerr e;
	kerr_t ret;

	kerr_clear(&e);
	ret = cv_check_client_usage(x->cert, &e);
	if (ret) {
		snprintf(msg, sizeof(msg), "%s", e.msg);
		fail(x, "key-usage", ret, msg, "issue a logon certificate: "
		    "extendedKeyUsage Smart Card Logon (1.3.6.1.4.1.311.20.2.2) "
		    "or id-pkinit-KPClientAuth (1.3.6.1.5.2.3.4), keyUsage with "
		    "digitalSignature");
		return;
	}
	pass(x, "key-usage", "EKU allows logon and the key may sign");
}

static void
ntauth_poll(void *arg)
{
	struct explain *x = arg;

	x->waited_ms += NTAUTH_POLL_MS;
	loop_break(x->loop);
}

/* An LDAP NTAuth store is read after start: wait for the first read. */
static const struct cv_ntauth *
ntauth_store(struct explain *x)
{
	const struct cv_ntauth *s;
	struct loop_timer *t;

	s = realm_ntauth_store(x->realm->ntauth);
	if (s != NULL || (t = loop_timer_new(x->loop, ntauth_poll, x)) == NULL)
		return s;
	while ((s = realm_ntauth_store(x->realm->ntauth)) == NULL &&
	    x->waited_ms < NTAUTH_WAIT_MS) {
		loop_timer_arm(t, NTAUTH_POLL_MS);
		loop_run(x->loop);
	}
	loop_timer_free(t);
	return s;
}

static int
ntauth_is_ldap(const struct realm_config *rc)
{
	size_t i;

	for (i = 0; i < rc->pkinit_ntauth.n; i++)
		if (strncasecmp(rc->pkinit_ntauth.v[i], "LDAP", 4) == 0)
			return 1;
	return 0;
}

static void
check_ntauth(struct explain *x)
{
	const struct cv_cert *ca;
	char msg[KERR_MSG_MAX + 64], fix[1024];
	struct kerr e;

	if (x->realm->ntauth == NULL) {
		pass(x, "ntauth", "no NTAuth store configured (pkinit_ntauth "
		    "not set): any trusted issuer may issue logon certificates");
		return;
	}
	if (x->chain == NULL) {
		warn(x, "ntauth", "not checked: the chain did not verify");
		return;
	}
	kerr_clear(&e);
	ca = cv_certs_get(x->chain, 1);
	if (cv_ntauth_check(ntauth_store(x), x->chain, &e) == 0) {
		snprintf(msg, sizeof(msg), "issuing CA '%s' is in NTAuth",
		    ca != NULL ? cv_cert_subject(ca) : "?");
		pass(x, "ntauth", msg);
		return;
	}
	snprintf(msg, sizeof(msg), "%s", e.msg);
	if (ntauth_is_ldap(x->rc)) {
		if (x->rc->pkinit_ntauth_base_dn != NULL)
			snprintf(fix, sizeof(fix), "if the CA may issue logon "
			    "certificates, add its certificate to the "
			    "directory: ldapmodify with\n       dn: %s\n"
			    "       changetype: modify\n       add: "
			    "cACertificate\n       cACertificate;binary:< "
			    "file:///path/to/ca.der",
			    x->rc->pkinit_ntauth_base_dn);
		else
			snprintf(fix, sizeof(fix), "if the CA may issue logon "
			    "certificates, add its certificate to the "
			    "directory: ldapmodify with\n       dn: "
			    "CN=NTAuthCertificates,CN=Public Key Services,"
			    "CN=Services,CN=Configuration,%s\n       changetype: "
			    "modify\n       add: cACertificate\n       "
			    "cACertificate;binary:< file:///path/to/ca.der",
			    x->rc->ldap_base_dn != NULL ? x->rc->ldap_base_dn :
			    "<ldap_base_dn>");
	} else {
		snprintf(fix, sizeof(fix), "if the CA '%s' may issue logon "
		    "certificates, add it to the pkinit_ntauth bundle (%s)",
		    ca != NULL ? cv_cert_subject(ca) : "?",
		    x->rc->pkinit_ntauth.n > 0 ? x->rc->pkinit_ntauth.v[0] : "");
	}
	fail(x, "ntauth", KDC_ERR_CLIENT_NOT_TRUSTED, msg, fix);
}

static void
rev_cb(void *arg, const struct cv_rev_outcome *o)
{
	struct explain *x = arg;

	x->rev = *o;
	x->waiting = 0;
	loop_break(x->loop);
}

static void
check_revocation(struct explain *x)
{
	struct cv_revoke_check *rc = NULL;
	const char *fix;
	char msg[KERR_MSG_MAX + 64];

	if (x->realm->revoke == NULL) {
		warn(x, "revocation", "not checked: pkinit_revocation_check = "
		    "none and no pkinit_revoke CRL (a revoked card is accepted)");
		return;
	}
	if (x->chain == NULL) {
		warn(x, "revocation", "not checked: the chain did not verify");
		return;
	}
	memset(&x->rev, 0, sizeof(x->rev));
	if (cv_revoke_check(x->realm->revoke, x->chain, x->now, rev_cb, x, &rc,
	    &x->rev) == 1) {
		x->waiting = 1;
		while (x->waiting)
			if (loop_run(x->loop) != 0)
				break;
		if (x->waiting) {
			cv_revoke_cancel(rc);
			warn(x, "revocation", "no answer from the event loop");
			return;
		}
	}
	if (x->rev.code == 0) {
		if (x->rev.soft)
			warn(x, "revocation", x->rev.msg);
		else
			pass(x, "revocation", "not revoked (live OCSP/CRL "
			    "answer verified)");
		return;
	}
	snprintf(msg, sizeof(msg), "%s", x->rev.msg);
	if (x->rev.code == KDC_ERR_REVOKED_CERTIFICATE)
		fix = "the certificate is revoked: issue the user a new card";
	else
		fix = "make the OCSP responder / CRL distribution point "
		    "reachable from the KDC, or set pkinit_revocation_failure "
		    "= soft to allow logons when the status is unknown";
	fail(x, "revocation", x->rev.code, msg, fix);
}

static void
map_cb(void *arg, const struct kerr *err, struct acct_map_out *out)
{
	struct explain *x = arg;

	x->map_code = err->code;
	snprintf(x->map_msg, sizeof(x->map_msg), "%s", err->msg);
	x->map_out = out;
	x->waiting = 0;
	loop_break(x->loop);
}

/* The LDIF that adds the strong altSecurityIdentities mappings. */
static void
print_ldif(struct explain *x, const char *dn)
{
	char *strs[32];
	enum map_form forms[32];
	struct map_cert *mc = NULL;
	struct kerr e;
	int n, i, any = 0;

	kerr_clear(&e);
	if (map_cert_new(x->cert, &mc, &e) != 0)
		return;
	n = map_altsecid_all(mc, strs, forms, 32);
	for (i = 0; i < n; i++) {
		if (map_form_strong(forms[i])) {
			if (!any)
				printf("     fix: bind the certificate strongly "
				    "(KB5014754): ldapmodify with\n"
				    "       dn: %s\n       changetype: modify\n"
				    "       add: altSecurityIdentities\n", dn);
			printf("       altSecurityIdentities: %s\n", strs[i]);
			any = 1;
		}
		free(strs[i]);
	}
	map_cert_free(mc);
}

static void
check_account(struct explain *x, const char *hint)
{
	struct acct_map_in in;
	struct acct_map *m;
	struct acct_map_out *o;
	char msg[KERR_MSG_MAX + 600], *name = NULL, *at;
	struct kerr e;
	kerr_t st;

	kerr_clear(&e);
	memset(&in, 0, sizeof(in));
	in.realm = x->realm;
	in.cert = x->cert;
	in.now = x->now;
	in.name_type = KRB5_NT_PRINCIPAL;
	if (hint != NULL) {
		if ((name = strdup(hint)) == NULL)
			return;
		if ((at = strrchr(name, '@')) != NULL) {
			if (strcmp(at + 1, x->realm->name) == 0)
				*at = '\0';
			else
				in.name_type = KRB5_NT_ENTERPRISE;
		}
		in.name = name;
	}
	x->map_out = NULL;
	x->waiting = 1;
	m = acct_map_start(&in, map_cb, x, &e);
	if (m == NULL) {
		x->waiting = 0;
		x->map_code = e.code;
		snprintf(x->map_msg, sizeof(x->map_msg), "%s", e.msg);
	}
	while (x->waiting)
		if (loop_run(x->loop) != 0)
			break;
	if (x->waiting) {
		acct_map_cancel(m);
		x->map_code = KRB_ERR_GENERIC;
		snprintf(x->map_msg, sizeof(x->map_msg), "no answer");
	}
	o = x->map_out;
	if (o == NULL || o->acct == NULL) {
		snprintf(msg, sizeof(msg), "%s%s%s", x->map_msg,
		    o != NULL && o->candidates[0] ? "; candidates: " : "",
		    o != NULL ? o->candidates : "");
		fail(x, "account", x->map_code, msg, hint == NULL ?
		    "name the user (--user) or map the certificate to the "
		    "account with altSecurityIdentities (pkinit-kdc-util "
		    "altsecid CERT prints the values)" :
		    "check the name, or map the certificate to the account "
		    "with altSecurityIdentities (pkinit-kdc-util altsecid "
		    "CERT prints the values)");
		if (o != NULL && o->candidates[0] == '\0')
			print_ldif(x, "<the user's DN>");
		goto cleanup;
	}
	snprintf(msg, sizeof(msg), "%s (sAMAccountName %s), %s", o->acct->dn,
	    o->acct->sam_account_name, o->by_certificate ?
	    "found from the certificate" : "named by the request");
	pass(x, "account", msg);

	/* Binding strength (KB5014754), as map_bind decided it. */
	if (x->map_code != 0 && x->map_code != KDC_ERR_CLIENT_REVOKED) {
		snprintf(msg, sizeof(msg), "%s", x->map_msg);
		fail(x, "mapping", x->map_code, msg, NULL);
		print_ldif(x, o->acct->dn);
		goto cleanup;
	}
	snprintf(msg, sizeof(msg), "%s, %s%s%s", o->bind.how[0] ?
	    o->bind.how : "no binding needed",
	    map_strength_name(o->bind.strength),
	    o->bind.warning[0] ? "; " : "", o->bind.warning);
	if (o->bind.strength == MAP_WEAK || o->bind.n_ignored > 0) {
		warn(x, "mapping", msg);
		print_ldif(x, o->acct->dn);
	} else
		pass(x, "mapping", msg);

	/* Account state: the same function the KDC calls. */
	kerr_clear(&e);
	st = acct_check_state(o->acct, x->now, &e);
	if (st) {
		snprintf(msg, sizeof(msg), "%s", e.msg);
		fail(x, "account-state", st, msg,
		    (o->acct->user_account_control & DIR_UAC_ACCOUNTDISABLE) ?
		    "enable the account: clear ACCOUNTDISABLE (0x2) in "
		    "userAccountControl" : strstr(e.msg, "locked") != NULL ?
		    "unlock the account: clear the lockout (lockoutTime 0)" :
		    "extend the account: set accountExpires to a later date "
		    "(0 for never)");
	} else
		pass(x, "account-state", "enabled, not locked out, not expired");
	if (st == 0 && x->map_code != 0) {
		snprintf(msg, sizeof(msg), "%s", x->map_msg);
		fail(x, "account", x->map_code, msg, NULL);
	}

	/* Authentication policies: AllowedToAuthenticateFrom is decided on
	 * the FAST armor's device, which only a real request has. */
	if (o->acct->assigned_authn_policy_silo != NULL ||
	    o->acct->assigned_authn_policy != NULL) {
		snprintf(msg, sizeof(msg), "%s %s is assigned: its device "
		    "restrictions need the request's FAST armor and are decided "
		    "at logon (the KDC log names the policy event)",
		    o->acct->assigned_authn_policy_silo != NULL ? "silo" :
		    "policy", o->acct->assigned_authn_policy_silo != NULL ?
		    o->acct->assigned_authn_policy_silo :
		    o->acct->assigned_authn_policy);
		warn(x, "policy", msg);
	} else
		pass(x, "policy", "no authentication policy or silo assigned");
cleanup:
	acct_map_out_free(o);
	x->map_out = NULL;
	free(name);
}

static int
usage(void)
{
	fprintf(stderr, "usage: pkinit-kdc-util [-c kdc.conf] explain "
	    "[-r REALM] [--user HINT] [--key KEY.pem] CERT.pem\n");
	return 2;
}

int
util_explain(const char *config, int argc, char **argv)
{
	struct kdc_config *cfg = NULL;
	struct realm_set *rs = NULL;
	struct explain x;
	struct log_settings ls;
	const char *cert_path = NULL, *key_path = NULL, *hint = NULL;
	const char *realm_name = NULL;
	char err[512];
	struct kerr e;
	int i, rc = 1;

	memset(&x, 0, sizeof(x));
	kerr_clear(&e);
	for (i = 0; i < argc; i++) {
		if ((strcmp(argv[i], "--key") == 0 || strcmp(argv[i], "-k") ==
		    0) && i + 1 < argc)
			key_path = argv[++i];
		else if ((strcmp(argv[i], "--user") == 0 ||
		    strcmp(argv[i], "-u") == 0) && i + 1 < argc)
			hint = argv[++i];
		else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
			realm_name = argv[++i];
		else if (argv[i][0] == '-' || cert_path != NULL)
			return usage();
		else
			cert_path = argv[i];
	}
	if (cert_path == NULL)
		return usage();
	/* The report is the output: only warnings and errors from loading
	 * the realm go to stderr. */
	memset(&ls, 0, sizeof(ls));
	ls.targets[0].kind = LOG_TARGET_STDERR;
	ls.n_targets = 1;
	ls.level = LOG_LVL_WARNING;
	(void)log_configure(&ls, err, sizeof(err));
	if (config_load(config, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "pkinit-kdc-util: %s\n", err);
		return 1;
	}
	if ((x.loop = loop_new()) == NULL ||
	    realm_set_load(cfg, x.loop, &rs, &e) != 0 ||
	    cv_cert_from_file(cert_path, &x.cert, &e) != 0) {
		fprintf(stderr, "pkinit-kdc-util: %s\n", e.msg);
		goto cleanup;
	}
	if (realm_name != NULL)
		x.realm = realm_set_find(rs, realm_name);
	else if (rs->n == 1)
		x.realm = &rs->v[0];
	if (x.realm == NULL) {
		fprintf(stderr, "pkinit-kdc-util: %s\n", realm_name != NULL ?
		    "no such realm in the configuration" :
		    "several realms configured: choose one with -r REALM");
		goto cleanup;
	}
	x.rc = config_realm(cfg, x.realm->name);
	x.now = (int64_t)time(NULL);
	printf("certificate: %s\n", cv_cert_subject(x.cert));
	printf("issuer:      %s, serial %s\n", cv_cert_issuer(x.cert),
	    cv_cert_serial_hex(x.cert));
	printf("realm:       %s\n", x.realm->name);
	if (key_path != NULL)
		check_key(&x, cert_path, key_path);
	/* The AS pipeline's order: chain and key purposes, issuer trust
	 * (NTAuth, revocation), then the account. */
	check_validity(&x);
	check_chain(&x);
	check_usage(&x);
	check_ntauth(&x);
	check_revocation(&x);
	check_account(&x, hint);
	if (x.first == 0) {
		printf("verdict: a TGT would be issued (%d warning(s))\n",
		    x.warns);
		rc = 0;
	} else {
		printf("verdict: refused with %s (%d): %s\n", kerr_name(x.first),
		    (int)x.first, x.first_msg);
	}
cleanup:
	cv_certs_free(x.chain);
	cv_cert_free(x.cert);
	realm_set_unref(rs);
	loop_free(x.loop);
	config_free(cfg);
	return rc;
}
