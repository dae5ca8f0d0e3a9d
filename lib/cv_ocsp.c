/*
 * cv_ocsp.c - OCSP requests and response verification (RFC 6960).
 *
 * Who may answer: the CA that issued the certificate, or a responder
 * certificate that this CA issued directly with id-kp-OCSPSigning
 * (RFC 6960 section 4.2.2.2).  A responder trusted by configuration alone
 * is not supported: a key that can vouch for any certificate would be a
 * second trust anchor.  Anything wrong with a response makes the status
 * unknown, never good.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "cv_priv.h"
#include "cv_revdata.h"

kerr_t
cv_ocsp_request(const struct cv_cert *cert, const struct cv_cert *issuer,
    uint8_t **der_out, size_t *len_out, struct kerr *e)
{
	OCSP_REQUEST *req = NULL;
	OCSP_CERTID *id = NULL;
	unsigned char *der = NULL;
	int len;
	kerr_t ret = KRB_ERR_GENERIC;

	req = OCSP_REQUEST_new();
	/* SHA-1 CertID: what every responder indexes by (RFC 6960 4.1.1;
	 * the hash only names the issuer, it protects nothing). */
	id = OCSP_cert_to_id(NULL, cv_cert_x509(cert), cv_cert_x509(issuer));
	if (req == NULL || id == NULL || OCSP_request_add0_id(req, id) == NULL)
		goto cleanup;
	id = NULL;
	/* RFC 8954: a 32-byte-or-less random nonce. */
	if (!OCSP_request_add1_nonce(req, NULL, CV_OCSP_NONCE_LEN))
		goto cleanup;
	len = i2d_OCSP_REQUEST(req, &der);
	if (len <= 0)
		goto cleanup;
	*der_out = der;
	*len_out = (size_t)len;
	der = NULL;
	ret = 0;
cleanup:
	if (ret)
		kerr_set(e, ret, "cannot build an OCSP request for '%s'",
		    cv_cert_subject(cert));
	OPENSSL_free(der);
	OCSP_CERTID_free(id);
	OCSP_REQUEST_free(req);
	return ret;
}

static kerr_t
unknown(struct kerr *e, const char *what, const struct cv_cert *cert)
{
	return kerr_set(e, KDC_ERR_REVOCATION_STATUS_UNKNOWN,
	    "OCSP response for '%s' (serial %s): %s", cv_cert_subject(cert),
	    cv_cert_serial_hex(cert), what);
}

/* Signature by the issuer or a delegated responder it issued. */
static kerr_t
check_signer(OCSP_BASICRESP *bs, const struct cv_cert *cert,
    const struct cv_cert *issuer, int64_t now, int *by_issuer,
    struct kerr *e)
{
	X509 *ix = cv_cert_x509(issuer), *signer = NULL;
	STACK_OF(X509) *extra = NULL;
	X509_STORE *st = NULL;
	X509_VERIFY_PARAM *vp;
	kerr_t ret;
	int ok;

	extra = sk_X509_new_null();
	st = X509_STORE_new();
	if (extra == NULL || st == NULL || !sk_X509_push(extra, ix)) {
		ret = unknown(e, "out of memory", cert);
		goto cleanup;
	}
	if (OCSP_resp_get0_signer(bs, &signer, extra) != 1) {
		ret = unknown(e, "signer certificate not found", cert);
		goto cleanup;
	}
	*by_issuer = X509_cmp(signer, ix) == 0;
	/* The issuer is the only trust anchor: a delegated responder must
	 * chain to it directly, and ocsp_check_issuer inside
	 * OCSP_basic_verify then demands id-kp-OCSPSigning. */
	if (!X509_STORE_add_cert(st, ix)) {
		ret = unknown(e, "out of memory", cert);
		goto cleanup;
	}
	vp = X509_STORE_get0_param(st);
	X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_PARTIAL_CHAIN |
	    X509_V_FLAG_USE_CHECK_TIME);
	X509_VERIFY_PARAM_set_time(vp, (time_t)now);
	ERR_set_mark();
	ok = OCSP_basic_verify(bs, extra, st, 0);
	ERR_pop_to_mark();
	if (ok != 1) {
		ret = unknown(e, *by_issuer ? "signature of the issuing CA "
		    "does not verify" : "not signed by the issuing CA or a "
		    "responder it authorized (id-kp-OCSPSigning)", cert);
		goto cleanup;
	}
	ret = 0;
cleanup:
	sk_X509_free(extra);
	X509_STORE_free(st);
	return ret;
}

kerr_t
cv_ocsp_verify(const uint8_t *reqder, size_t req_len, const uint8_t *resp,
    size_t resp_len, const struct cv_cert *cert, const struct cv_cert *issuer,
    int64_t now, int64_t skew, struct cv_ocsp_answer *out, struct kerr *e)
{
	const unsigned char *p;
	OCSP_REQUEST *req = NULL;
	OCSP_RESPONSE *rsp = NULL;
	OCSP_BASICRESP *bs = NULL;
	OCSP_CERTID *id = NULL;
	ASN1_GENERALIZEDTIME *rev = NULL, *thisu = NULL, *nextu = NULL;
	struct cv_ocsp_answer a;
	int status, reason, st, by_issuer = 0;
	kerr_t ret;

	memset(&a, 0, sizeof(a));
	ERR_set_mark();
	p = reqder;
	req = d2i_OCSP_REQUEST(NULL, &p, (long)req_len);
	p = resp;
	rsp = resp_len < (size_t)INT32_MAX ?
	    d2i_OCSP_RESPONSE(NULL, &p, (long)resp_len) : NULL;
	ERR_pop_to_mark();
	if (req == NULL) {
		ret = unknown(e, "unreadable request", cert);
		goto cleanup;
	}
	if (rsp == NULL || p != resp + resp_len) {
		ret = unknown(e, "not a DER OCSPResponse", cert);
		goto cleanup;
	}
	st = OCSP_response_status(rsp);
	if (st != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		char why[80];

		snprintf(why, sizeof(why), "responder says %s (%d)",
		    OCSP_response_status_str(st), st);
		ret = unknown(e, why, cert);
		goto cleanup;
	}
	bs = OCSP_response_get1_basic(rsp);
	if (bs == NULL) {
		ret = unknown(e, "no BasicOCSPResponse", cert);
		goto cleanup;
	}
	ret = check_signer(bs, cert, issuer, now, &by_issuer, e);
	if (ret)
		goto cleanup;
	/* 1: nonces equal; -1: the responder sent none (a pre-produced
	 * response, acceptable with the time checks below); anything else
	 * is a mismatch or a nonce we never asked for. */
	st = OCSP_check_nonce(req, bs);
	if (st != 1 && st != -1) {
		ret = unknown(e, "nonce does not match the request", cert);
		goto cleanup;
	}
	id = OCSP_cert_to_id(NULL, cv_cert_x509(cert), cv_cert_x509(issuer));
	if (id == NULL) {
		ret = unknown(e, "out of memory", cert);
		goto cleanup;
	}
	if (!OCSP_resp_find_status(bs, id, &status, &reason, &rev, &thisu,
	    &nextu)) {
		ret = unknown(e, "no answer for this certificate", cert);
		goto cleanup;
	}
	a.this_update = cv_time_epoch(thisu);
	a.next_update = nextu ? cv_time_epoch(nextu) : 0;
	if (a.this_update == 0 || a.this_update > now + skew) {
		ret = unknown(e, "thisUpdate is in the future", cert);
		goto cleanup;
	}
	if (a.next_update != 0 && a.next_update + skew < now) {
		ret = unknown(e, "stale (nextUpdate has passed)", cert);
		goto cleanup;
	}
	if (a.next_update != 0 && a.next_update < a.this_update) {
		ret = unknown(e, "nextUpdate before thisUpdate", cert);
		goto cleanup;
	}
	a.reason = -1;
	a.signed_by_issuer = by_issuer;
	switch (status) {
	case V_OCSP_CERTSTATUS_GOOD:
		a.status = CV_STATUS_GOOD;
		break;
	case V_OCSP_CERTSTATUS_REVOKED:
		a.status = CV_STATUS_REVOKED;
		a.revoked_at = cv_time_epoch(rev);
		a.reason = reason;
		break;
	default:
		a.status = CV_STATUS_UNKNOWN;
		break;
	}
	*out = a;
	ret = 0;
cleanup:
	OCSP_CERTID_free(id);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(rsp);
	OCSP_REQUEST_free(req);
	return ret;
}
