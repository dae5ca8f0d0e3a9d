/*
 * as_account.c - finding the client's directory account and checking that
 * the certificate belongs to it.
 *
 * The request's client name selects the account (MS-KILE 3.3.5.6.1 style):
 * an NT-PRINCIPAL name is a sAMAccountName, then a computer's "name$",
 * then a UPN "name@realm"; an NT-ENTERPRISE name is a userPrincipalName.
 * The certificate must then be bound to that account: a UPN SAN equal to
 * the account's userPrincipalName (case-insensitive, as AD compares it) or
 * an id-pkinit-san naming the account's principal.  Otherwise
 * KDC_ERR_CLIENT_NAME_MISMATCH (RFC 4556 section 3.2.2).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "as_req.h"
#include "asn1_pkinit.h"
#include "cv_cert.h"
#include "dir_account.h"
#include "dispatch.h"
#include "pk_req.h"
#include "realm.h"

/* 100 ns intervals between 1601-01-01 and 1970-01-01. */
#define FILETIME_UNIX_EPOCH INT64_C(116444736000000000)
#define UAC_LOCKOUT 0x00000010u

static void
lookup_cb(void *arg, const struct kerr *err, struct dir_account *acct)
{
	struct as_req *r = arg;

	r->lookup = NULL;
	as_account_done(r, err, acct);
}

kerr_t
as_account_start(struct as_req *r, struct kerr *e)
{
	const KRB5_PRINCNAME *cn = r->req->req_body->cname;
	struct dir_account_query q;
	const unsigned char *c;
	char *name = NULL, *dollar = NULL, *upn = NULL;
	size_t clen;
	kerr_t ret = 0;

	memset(&q, 0, sizeof(q));
	if (asn1krb_princ_ncomp(cn) != 1)
		return kerr_set(e, KDC_ERR_C_PRINCIPAL_UNKNOWN,
		    "client %s has %d name components; accounts have one",
		    r->client_name, asn1krb_princ_ncomp(cn));
	c = asn1krb_princ_comp(cn, 0, &clen);
	if (clen == 0 || memchr(c, '\0', clen) != NULL || clen > 1024)
		return kerr_set(e, KDC_ERR_C_PRINCIPAL_UNKNOWN,
		    "client name is empty, too long or contains NUL");
	name = strndup((const char *)c, clen);
	if (name == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	if (cn->name_type == KRB5_NT_ENTERPRISE) {
		q.keys[q.n_keys].kind = DIR_KEY_UPN;
		q.keys[q.n_keys++].value = name;
	} else {
		if (asprintf(&dollar, "%s$", name) < 0 ||
		    asprintf(&upn, "%s@%s", name, r->realm_name) < 0) {
			dollar = upn = NULL;
			ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
			goto cleanup;
		}
		q.keys[0].kind = DIR_KEY_SAM;
		q.keys[0].value = name;
		q.keys[1].kind = DIR_KEY_SAM;
		q.keys[1].value = dollar;
		q.keys[2].kind = DIR_KEY_UPN;
		q.keys[2].value = upn;
		q.n_keys = 3;
	}
	q.cache = r->realm->acache;
	r->lookup = dir_find_account(r->realm->dir, &q, lookup_cb, r, e);
	if (r->lookup == NULL)
		ret = e != NULL && e->code ? e->code : KDC_ERR_SVC_UNAVAILABLE;
cleanup:
	free(name);
	free(dollar);
	free(upn);
	return ret;
}

static int
upn_binds(const struct as_req *r, char *seen, size_t seenlen, size_t *n_out)
{
	struct cv_blobs *upns = NULL;
	size_t i, off = 0;
	int ok = 0;

	seen[0] = '\0';
	*n_out = 0;
	if (cv_cert_sans(r->pk->signer, CV_SAN_UPN, &upns, NULL) != 0)
		return 0;
	for (i = 0; upns != NULL && i < upns->n; i++) {
		const char *v = (const char *)upns->v[i].data;

		if (r->acct->user_principal_name != NULL &&
		    strcasecmp(v, r->acct->user_principal_name) == 0)
			ok = 1;
		if (off < seenlen)
			off += (size_t)snprintf(seen + off, seenlen - off,
			    "%s'%s'", off ? ", " : "", v);
	}
	*n_out = upns != NULL ? upns->n : 0;
	cv_blobs_free(upns);
	return ok;
}

/* An id-pkinit-san for sAMAccountName@REALM or the requested name. */
static int
pkinit_san_binds(const struct as_req *r)
{
	const KRB5_PRINCNAME *req_cn = r->req->req_body->cname;
	struct cv_blobs *sans = NULL;
	KRB5_PRINCNAME *acct_cn = NULL;
	const char *comps[1];
	size_t i;
	int ok = 0;

	if (cv_cert_sans(r->pk->signer, CV_SAN_PKINIT, &sans, NULL) != 0)
		return 0;
	comps[0] = r->acct->sam_account_name;
	if (asn1krb_princ_new(KRB5_NT_PRINCIPAL, comps, 1, &acct_cn) != 0)
		goto cleanup;
	for (i = 0; sans != NULL && i < sans->n && !ok; i++) {
		PKINIT_KRB5_PRINCNAME *kp = NULL;

		if (ASN1KRB_DECODE(PKINIT_KRB5_PRINCNAME, sans->v[i].data,
		    sans->v[i].len, &kp, NULL) != 0)
			continue;
		if (asn1krb_str_eq(kp->realm, r->realm_name) &&
		    (asn1krb_princ_eq(kp->principal_name, acct_cn) ||
		    (req_cn->name_type != KRB5_NT_ENTERPRISE &&
		    asn1krb_princ_eq(kp->principal_name, req_cn))))
			ok = 1;
		PKINIT_KRB5_PRINCNAME_free(kp);
	}
cleanup:
	KRB5_PRINCNAME_free(acct_cn);
	cv_blobs_free(sans);
	return ok;
}

static kerr_t
check_state(const struct as_req *r, struct kerr *e)
{
	const struct dir_account *a = r->acct;
	int64_t expires;

	if (a->user_account_control & DIR_UAC_ACCOUNTDISABLE)
		return kerr_set(e, KDC_ERR_CLIENT_REVOKED,
		    "account %s is disabled (userAccountControl 0x%x)", a->dn,
		    a->user_account_control);
	if (a->user_account_control & UAC_LOCKOUT)
		return kerr_set(e, KDC_ERR_CLIENT_REVOKED,
		    "account %s is locked out (userAccountControl 0x%x)", a->dn,
		    a->user_account_control);
	if (a->account_expires > 0 && a->account_expires != INT64_MAX) {
		expires = (a->account_expires - FILETIME_UNIX_EPOCH) / 10000000;
		if (expires <= r->now)
			return kerr_set(e, KDC_ERR_CLIENT_REVOKED,
			    "account %s expired (accountExpires %lld)", a->dn,
			    (long long)a->account_expires);
	}
	return 0;
}

kerr_t
as_account_check(struct as_req *r, struct kerr *e)
{
	char seen[512];
	size_t n_upn;

	if (upn_binds(r, seen, sizeof(seen), &n_upn)) {
		r->binding = "UPN SAN";
	} else if (pkinit_san_binds(r)) {
		r->binding = "id-pkinit-san";
	} else {
		return kerr_set(e, KDC_ERR_CLIENT_NAME_MISMATCH,
		    "certificate '%s' is not bound to account %s: %s%s%s "
		    "userPrincipalName '%s', and it has no id-pkinit-san "
		    "for %s@%s",
		    cv_cert_subject(r->pk->signer), r->acct->dn,
		    n_upn == 0 ? "it has no UPN SAN to match" :
		    n_upn == 1 ? "its UPN SAN " : "its UPN SANs ", seen,
		    n_upn == 0 ? "" : n_upn == 1 ? " differs from" : " differ from",
		    r->acct->user_principal_name ? r->acct->user_principal_name
		    : "(none)", r->acct->sam_account_name, r->realm_name);
	}
	return check_state(r, e);
}
