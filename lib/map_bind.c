/*
 * map_bind.c - the certificate-to-account binding decision (KB5014754
 * strong certificate binding, [MS-PKCA] 3.1.5.2.1.5 and 3.1.5.2.1.6).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cv_cert.h"
#include "dir_account.h"
#include "dir_ldap.h"
#include "map_altsecid.h"
#include "map_bind.h"

int
map_mode_parse(const char *s)
{
	if (s == NULL)
		return -1;
	if (strcasecmp(s, "none") == 0)
		return MAP_MODE_NONE;
	if (strcasecmp(s, "compatibility") == 0)
		return MAP_MODE_COMPATIBILITY;
	if (strcasecmp(s, "full") == 0)
		return MAP_MODE_FULL;
	return -1;
}

const char *
map_mode_name(enum map_mode m)
{
	switch (m) {
	case MAP_MODE_NONE: return "none";
	case MAP_MODE_COMPATIBILITY: return "compatibility";
	case MAP_MODE_FULL: return "full";
	}
	return "?";
}

const char *
map_strength_name(enum map_strength s)
{
	switch (s) {
	case MAP_NOT_BOUND: return "not bound";
	case MAP_WEAK: return "weak";
	case MAP_STRONG: return "strong";
	}
	return "?";
}

static int
blobs_has(const struct cv_blobs *b, const char *s)
{
	size_t i;

	for (i = 0; s != NULL && b != NULL && i < b->n; i++) {
		if (strcasecmp((const char *)b->v[i].data, s) == 0)
			return 1;
	}
	return 0;
}

/* A computer's dNSName: equal to dNSHostName, and sAMAccountName is the
 * first label plus "$" ([MS-PKCA] 3.1.5.2.1.1). */
static int
dns_binds(const struct map_cert *c, const struct dir_account *a)
{
	const char *h = a->dns_host_name, *dot;
	size_t l;

	if (!a->is_computer || h == NULL || !blobs_has(c->dns, h))
		return 0;
	dot = strchr(h, '.');
	l = dot ? (size_t)(dot - h) : strlen(h);
	return strlen(a->sam_account_name) == l + 1 &&
	    strncasecmp(a->sam_account_name, h, l) == 0 &&
	    a->sam_account_name[l] == '$';
}

static int
pkinit_san_binds(const struct map_cert *c, const struct dir_account *a,
    const struct map_bind_params *p)
{
	char own[1100];
	size_t i;

	if (p->realm == NULL)
		return 0;
	snprintf(own, sizeof(own), "%s@%s", a->sam_account_name, p->realm);
	for (i = 0; i < c->n_pkinit_names; i++) {
		if (strcmp(c->pkinit_names[i], own) == 0 ||
		    (p->request_name != NULL &&
		    strcmp(c->pkinit_names[i], p->request_name) == 0))
			return 1;
	}
	return 0;
}

/* The weak implicit bindings, first match named in how. */
static const char *
implicit_weak(const struct map_cert *c, const struct dir_account *a,
    const struct map_bind_params *p)
{
	if (a->user_principal_name != NULL &&
	    blobs_has(c->upns, a->user_principal_name))
		return "UPN SAN";
	if (pkinit_san_binds(c, a, p))
		return "id-pkinit-san";
	if (dns_binds(c, a))
		return "dNSName SAN";
	if (p->allow_rfc822 && (c->upns == NULL || c->upns->n == 0) &&
	    a->user_principal_name != NULL &&
	    blobs_has(c->emails, a->user_principal_name))
		return "rfc822Name SAN";
	return NULL;
}

/* Explicit mappings: the first strong match wins, else the first weak. */
static void
explicit_maps(const struct map_cert *c, const struct dir_account *a,
    struct map_bind_result *res, int *strong_out, int *weak_out,
    char *weak_how, size_t hl)
{
	struct map_altsecid *m;
	struct kerr pe;
	size_t i;

	*strong_out = *weak_out = 0;
	for (i = 0; i < a->n_alt_security_identities && !*strong_out; i++) {
		kerr_clear(&pe);
		if (map_altsecid_parse(a->alt_security_identities[i], &m,
		    &pe) != 0) {
			if (res->n_ignored++ == 0)
				snprintf(res->ignored, sizeof(res->ignored),
				    "%s", pe.msg);
			continue;
		}
		if (map_altsecid_match(m, c)) {
			if (map_form_strong(m->form)) {
				*strong_out = 1;
				snprintf(res->how, sizeof(res->how),
				    "altSecurityIdentities %s",
				    map_form_name(m->form));
			} else if (!*weak_out) {
				*weak_out = 1;
				snprintf(weak_how, hl, "altSecurityIdentities "
				    "%s", map_form_name(m->form));
			}
		}
		map_altsecid_free(m);
	}
}

kerr_t
map_bind(const struct map_cert *c, const struct dir_account *a,
    const struct map_bind_params *p, struct map_bind_result *res,
    struct kerr *e)
{
	const char *subj = cv_cert_subject(c->cert), *imp;
	char acct_sid[200], weak_how[96];
	const char *csid;
	int strong, weak, sid_ok = 0, i;
	int64_t nb = cv_cert_not_before(c->cert), floor;

	memset(res, 0, sizeof(*res));
	weak_how[0] = '\0';
	/* SID in the certificate: a mismatch fails whatever the mode (event
	 * 41, [MS-PKCA] 3.1.5.2.1.6). */
	if (a->object_sid != NULL && dir_sid_to_string(a->object_sid,
	    a->object_sid_len, acct_sid, sizeof(acct_sid)) == 0) {
		for (i = 0; i < 2; i++) {
			csid = i == 0 ? c->sid : c->sid_url;
			if (csid == NULL)
				continue;
			if (strcasecmp(csid, acct_sid) != 0) {
				res->event = 41;
				return kerr_set(e, KDC_ERR_CERTIFICATE_MISMATCH,
				    "certificate '%s' carries SID %s (%s) but "
				    "account %s has objectSid %s", subj, csid,
				    i == 0 ? "SID extension" : "SAN URL",
				    a->dn, acct_sid);
			}
			sid_ok = i + 1;
		}
	}
	explicit_maps(c, a, res, &strong, &weak, weak_how, sizeof(weak_how));
	imp = implicit_weak(c, a, p);
	if (!weak && imp != NULL) {
		weak = 1;
		snprintf(weak_how, sizeof(weak_how), "%s", imp);
	}
	if (strong) {
		res->strength = MAP_STRONG;
		return 0;
	}
	if (sid_ok) {
		res->strength = MAP_STRONG;
		snprintf(res->how, sizeof(res->how), "%s%s%s", weak_how,
		    weak ? " + " : "", sid_ok == 1 ? "SID extension" :
		    "SAN URL SID");
		return 0;
	}
	if (!weak) {
		char upns[200];
		size_t off = 0, j;

		upns[0] = '\0';
		for (j = 0; c->upns != NULL && j < c->upns->n &&
		    off < sizeof(upns); j++)
			off += (size_t)snprintf(upns + off, sizeof(upns) - off,
			    "%s'%s'", j ? ", " : " ",
			    (const char *)c->upns->v[j].data);
		res->strength = MAP_NOT_BOUND;
		return kerr_set(e, KDC_ERR_CLIENT_NAME_MISMATCH,
		    "certificate '%s' is not bound to account %s: no "
		    "altSecurityIdentities value matches it, its UPN SAN%s "
		    "does not equal userPrincipalName '%s', and it has no SID "
		    "and no id-pkinit-san for %s@%s", subj, a->dn,
		    upns[0] ? upns : " (none)",
		    a->user_principal_name ? a->user_principal_name : "(none)",
		    a->sam_account_name, p->realm ? p->realm : "");
	}
	res->strength = MAP_WEAK;
	snprintf(res->how, sizeof(res->how), "%s", weak_how);
	switch (p->mode) {
	case MAP_MODE_NONE:
		return 0;
	case MAP_MODE_FULL:
		res->event = 39;
		return kerr_set(e, KDC_ERR_CERTIFICATE_MISMATCH,
		    "certificate '%s' is mapped to account %s only weakly (%s) "
		    "and strong_certificate_binding = full: add a strong "
		    "mapping (X509:<I>...<SR>..., <SKI>, <SHA1-PUKEY>) or a "
		    "SID extension", subj, a->dn, weak_how);
	case MAP_MODE_COMPATIBILITY:
		floor = a->when_created - p->backdating;
		if (a->when_created != 0 && nb < floor) {
			res->event = 40;
			return kerr_set(e, KDC_ERR_CERTIFICATE_MISMATCH,
			    "certificate '%s' is mapped to account %s only "
			    "weakly (%s) and predates the account: issued %lld, "
			    "account created %lld, backdating allowance %llds",
			    subj, a->dn, weak_how, (long long)nb,
			    (long long)a->when_created,
			    (long long)p->backdating);
		}
		res->event = 39;
		snprintf(res->warning, sizeof(res->warning), "certificate '%s' "
		    "is mapped to account %s only weakly (%s); accepted in "
		    "compatibility mode, refused under full enforcement",
		    subj, a->dn, weak_how);
		return 0;
	}
	return kerr_set(e, KRB_ERR_GENERIC, "bad binding mode");
}
