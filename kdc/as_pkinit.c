/*
 * as_pkinit.c - the PKINIT stages of the AS pipeline: the signed request,
 * the freshness token and the client certificate.
 */
#include "config.h"

#include "as_req.h"
#include "cv_chain.h"
#include "cv_ntauth.h"
#include "cv_revoke.h"
#include "dispatch.h"
#include "fresh.h"
#include "log.h"
#include "pk_req.h"
#include "realm.h"
#include "realm_trust.h"

/* Name the certificate in the request's log line as soon as we have it. */
static void
log_certificate(struct as_req *r)
{
	struct log_request *lr = dispatch_log(r->h);
	const struct cv_cert *c = r->pk->signer;

	lr->cert_subject = cv_cert_subject(c);
	lr->cert_issuer = cv_cert_issuer(c);
	lr->cert_serial = cv_cert_serial_hex(c);
	lr->cert_sha1 = cv_cert_sha1_hex(c);
}

kerr_t
as_pkinit_verify(struct as_req *r, const KRB5_PADATA *pa, struct kerr *e)
{
	const struct realm_rt *realm = r->realm;
	struct pk_req_params p;
	kerr_t ret;

	p.req_body = r->body_raw;
	p.req_body_len = r->body_len;
	p.nonce = r->nonce;
	p.now = r->now;
	p.clockskew = realm->clockskew;
	p.allow_sha1 = realm->allow_sha1;
	ret = pk_req_parse(ASN1_STRING_get0_data(pa->padata_value),
	    (size_t)ASN1_STRING_length(pa->padata_value), &p, &r->pk, e);
	if (r->pk != NULL)
		log_certificate(r);
	if (ret)
		return ret;

	/* RFC 8070 section 4: a token we did not make, or an old one, gets
	 * PREAUTH_EXPIRED (with a new token, added by as_finish_error). */
	if (r->pk->freshness != NULL) {
		ret = fresh_token_check(realm->tgs, r->pk->freshness,
		    r->pk->freshness_len, r->now, realm->clockskew, e);
		if (ret)
			return ret;
	} else if (realm->require_freshness) {
		return kerr_set(e, KDC_ERR_PREAUTH_FAILED,
		    "request has no freshness token and realm %s requires one "
		    "(pkinit_require_freshness)", realm->name);
	}
	return 0;
}

kerr_t
as_pkinit_validate_cert(struct as_req *r, struct kerr *e)
{
	kerr_t ret;

	ret = cv_verify(r->realm->store, r->pk->signer, r->pk->others, r->now,
	    &r->chain, e);
	if (ret)
		return ret;
	return cv_check_client_usage(r->pk->signer, e);
}

/* A soft-failed status is allowed but said out loud; a refusal keeps the
 * revoked certificate for the TD-INVALID-CERTIFICATES e-data. */
static kerr_t
apply_outcome(struct as_req *r, const struct cv_rev_outcome *o,
    struct kerr *e)
{
	if (o->code == 0) {
		if (o->soft)
			log_msg(LOG_LVL_WARNING, "client %s: %s",
			    r->client_name, o->msg);
		return 0;
	}
	if (o->code == KDC_ERR_REVOKED_CERTIFICATE)
		r->revoked = o->revoked;
	return kerr_set(e, o->code, "%s", o->msg);
}

static void
revocation_cb(void *arg, const struct cv_rev_outcome *o)
{
	struct as_req *r = arg;
	struct kerr e;
	kerr_t ret;

	r->rev_check = NULL;
	kerr_clear(&e);
	ret = apply_outcome(r, o, &e);
	as_revocation_done(r, ret, e.msg);
}

kerr_t
as_pkinit_trust(struct as_req *r, int *parked, struct kerr *e)
{
	const struct realm_rt *realm = r->realm;
	struct cv_rev_outcome o;
	kerr_t ret;

	*parked = 0;
	/* CERT_CHAIN_POLICY_NT_AUTH: the issuing CA must be in NTAuth. */
	if (realm->ntauth != NULL) {
		ret = cv_ntauth_check(realm_ntauth_store(realm->ntauth),
		    r->chain, e);
		if (ret)
			return ret;
	}
	if (realm->revoke == NULL)
		return 0;
	if (cv_revoke_check(realm->revoke, r->chain, r->now, revocation_cb, r,
	    &r->rev_check, &o) == 1) {
		*parked = 1;
		return 0;
	}
	return apply_outcome(r, &o, e);
}
