/*
 * realm_trust.c - NTAuth sources and revocation settings of a realm.
 *
 * The LDAP source reads the cACertificate values of
 * CN=NTAuthCertificates,CN=Public Key Services,CN=Services,
 * CN=Configuration,<base> (pkinit_ntauth_base_dn overrides the DN).
 * OpenLDAP hands certificate attributes back as "cACertificate;binary"
 * (RFC 4522), Active Directory as "cACertificate": both are read.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cv_ntauth.h"
#include "cv_revoke.h"
#include "dir_ldap.h"
#include "kdc_config.h"
#include "log.h"
#include "loop.h"
#include "realm_trust.h"

#define NTAUTH_RDN "CN=NTAuthCertificates,CN=Public Key Services," \
	"CN=Services,CN=Configuration,"
/* After a failed read, try again sooner than the refresh interval. */
#define NTAUTH_RETRY_MS 5000u

struct realm_ntauth {
	char *realm;
	struct cv_ntauth *store;
	struct dir *dir;                 /* LDAP source, else NULL */
	char *dn;
	struct dir_search *search;
	struct loop_timer *timer;
	unsigned int refresh_ms;
};

static void ntauth_read(void *arg);

static void
ntauth_read_cb(void *arg, const struct kerr *err,
    const struct dir_entries *res)
{
	struct realm_ntauth *n = arg;
	static const char *const names[] = { "cACertificate",
		"cACertificate;binary" };
	struct cv_blob v[CV_NTAUTH_MAX];
	const struct dir_attr *a;
	struct cv_ntauth *s = NULL;
	struct kerr e;
	size_t i, j, nv = 0, skipped = 0;

	n->search = NULL;
	kerr_clear(&e);
	if (err->code != 0 || res->n != 1) {
		log_msg(LOG_LVL_WARNING, "realm %s: NTAuth refresh from %s "
		    "failed, keeping the %zu certificates read before: %s",
		    n->realm, n->dn, cv_ntauth_count(n->store),
		    err->code ? err->msg : "entry not found");
		loop_timer_arm(n->timer, n->refresh_ms < NTAUTH_RETRY_MS ?
		    n->refresh_ms : NTAUTH_RETRY_MS);
		return;
	}
	for (i = 0; i < 2; i++) {
		a = dir_entry_attr(&res->v[0], names[i]);
		for (j = 0; a != NULL && j < a->n_vals && nv < CV_NTAUTH_MAX;
		    j++) {
			v[nv].data = a->vals[j].data;
			v[nv].len = a->vals[j].len;
			nv++;
		}
	}
	if (cv_ntauth_from_der(v, nv, &s, &skipped, &e) != 0) {
		log_msg(LOG_LVL_WARNING, "realm %s: NTAuth refresh: %s; "
		    "keeping the previous set", n->realm, e.msg);
	} else {
		if (cv_ntauth_count(s) != cv_ntauth_count(n->store) ||
		    n->store == NULL)
			log_msg(LOG_LVL_INFO, "realm %s: NTAuth: %zu CA "
			    "certificates from %s%s", n->realm,
			    cv_ntauth_count(s), n->dn,
			    skipped ? " (unreadable values skipped)" : "");
		cv_ntauth_free(n->store);
		n->store = s;
	}
	loop_timer_arm(n->timer, n->refresh_ms);
}

static void
ntauth_read(void *arg)
{
	struct realm_ntauth *n = arg;
	static const char *const attrs[] = { "cACertificate",
		"cACertificate;binary", NULL };
	struct kerr e;

	if (n->search != NULL)
		return;
	kerr_clear(&e);
	n->search = dir_search(n->dir, n->dn, DIR_SCOPE_BASE,
	    "(objectClass=*)", attrs, ntauth_read_cb, n, &e);
	if (n->search == NULL) {
		log_msg(LOG_LVL_WARNING, "realm %s: NTAuth read: %s", n->realm,
		    e.msg);
		loop_timer_arm(n->timer, NTAUTH_RETRY_MS);
	}
}

void
realm_ntauth_free(struct realm_ntauth *n)
{
	if (n == NULL)
		return;
	dir_cancel(n->search);
	loop_timer_free(n->timer);
	cv_ntauth_free(n->store);
	free(n->dn);
	free(n->realm);
	free(n);
}

const struct cv_ntauth *
realm_ntauth_store(const struct realm_ntauth *n)
{
	return n->store;
}

kerr_t
realm_ntauth_new(const struct realm_config *rc, struct dir *dir,
    struct loop *loop, struct realm_ntauth **out, struct kerr *e)
{
	struct realm_ntauth *n;
	size_t i, n_files = 0;
	int ldap = 0;
	kerr_t ret;

	*out = NULL;
	if (rc->pkinit_ntauth.n == 0)
		return 0;
	for (i = 0; i < rc->pkinit_ntauth.n; i++) {
		if (strcmp(rc->pkinit_ntauth.v[i], "LDAP") == 0)
			ldap = 1;
		else
			n_files++;
	}
	if (ldap && n_files > 0)
		return kerr_set(e, KRB_ERR_GENERIC, "LDAP cannot be combined "
		    "with FILE: or DIR: sources");
	n = calloc(1, sizeof(*n));
	if (n == NULL || (n->realm = strdup(rc->name)) == NULL) {
		free(n);
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	}
	if (!ldap) {
		ret = cv_ntauth_load((const char *const *)rc->pkinit_ntauth.v,
		    rc->pkinit_ntauth.n, &n->store, e);
		if (ret) {
			realm_ntauth_free(n);
			return ret;
		}
		log_msg(LOG_LVL_INFO, "realm %s: NTAuth: %zu CA certificates",
		    rc->name, cv_ntauth_count(n->store));
		*out = n;
		return 0;
	}
	n->dir = dir;
	n->refresh_ms = rc->pkinit_ntauth_refresh > 0 &&
	    rc->pkinit_ntauth_refresh <= 86400 ?
	    (unsigned int)rc->pkinit_ntauth_refresh * 1000u : 3600000u;
	if (rc->pkinit_ntauth_base_dn != NULL)
		n->dn = strdup(rc->pkinit_ntauth_base_dn);
	else if (asprintf(&n->dn, "%s%s", NTAUTH_RDN, rc->ldap_base_dn) < 0)
		n->dn = NULL;
	n->timer = loop_timer_new(loop, ntauth_read, n);
	if (n->dn == NULL || n->timer == NULL) {
		realm_ntauth_free(n);
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	}
	/* First read as soon as the loop runs. */
	loop_timer_arm(n->timer, 0);
	*out = n;
	return 0;
}

kerr_t
realm_revoke_new(const struct realm_config *rc, struct loop *loop,
    struct cv_revoke **out, struct kerr *e)
{
	struct cv_revoke_settings s;
	const char *m = rc->pkinit_revocation_check;

	*out = NULL;
	memset(&s, 0, sizeof(s));
	if (m != NULL && strcmp(m, "none") != 0) {
		if (strncmp(m, "ocsp", 4) == 0) {
			s.methods[s.n_methods++] = CV_REV_OCSP;
			if (strstr(m, "crl") != NULL)
				s.methods[s.n_methods++] = CV_REV_CRL;
		} else {
			s.methods[s.n_methods++] = CV_REV_CRL;
			if (strstr(m, "ocsp") != NULL)
				s.methods[s.n_methods++] = CV_REV_OCSP;
		}
	}
	if (s.n_methods == 0 && rc->pkinit_revoke.n == 0)
		return 0;
	s.hard_fail = rc->pkinit_revocation_failure == NULL ||
	    strcmp(rc->pkinit_revocation_failure, "soft") != 0;
	s.static_crls = (const char *const *)rc->pkinit_revoke.v;
	s.n_static_crls = rc->pkinit_revoke.n;
	s.ocsp_url = rc->pkinit_ocsp_responder;
	s.connect_timeout_ms = (unsigned int)rc->pkinit_revocation_connect_timeout
	    * 1000u;
	s.timeout_ms = (unsigned int)rc->pkinit_revocation_timeout * 1000u;
	s.max_crl_size = rc->pkinit_crl_max_size;
	s.cache_max = (unsigned int)rc->pkinit_revocation_cache_size;
	s.clockskew = rc->clockskew;
	s.refresh_ahead = rc->pkinit_revocation_refresh_ahead;
	return cv_revoke_new(loop, &s, out, e);
}
