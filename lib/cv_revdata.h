/*
 * cv_revdata.h - revocation data as pure functions over bytes and
 * certificates: CRLs (RFC 5280 sections 5 and 6.3), OCSP requests and
 * responses (RFC 6960), and the revocation pointers in certificates.
 * Nothing here touches the network or a clock; the engine (cv_revoke.h)
 * fetches, caches and decides.
 *
 * Every verification failure is KDC_ERR_REVOCATION_STATUS_UNKNOWN with a
 * message saying what was wrong with the data.
 */
#ifndef PKINIT_KDC_CV_REVDATA_H
#define PKINIT_KDC_CV_REVDATA_H

#include <stddef.h>
#include <stdint.h>

#include "cv_cert.h"
#include "kerror.h"

enum cv_status {
	CV_STATUS_GOOD,
	CV_STATUS_REVOKED,
	CV_STATUS_UNKNOWN,
};

/* ---- pointers in certificates (cv_crl.c) ---- */

enum cv_url_kind {
	CV_URL_CRL,          /* cRLDistributionPoints fullName URIs */
	CV_URL_FRESHEST,     /* freshestCRL (delta CRL) URIs */
	CV_URL_OCSP,         /* authorityInfoAccess id-ad-ocsp URIs */
};

/* The http:// URLs of that kind, in certificate order (NUL-terminated
 * blobs); an empty list when there are none.  Other schemes (ldap://,
 * file://) are skipped. */
kerr_t cv_cert_urls(const struct cv_cert *c, enum cv_url_kind kind,
    struct cv_blobs **out, struct kerr *e);

/* ---- CRLs (cv_crl.c) ---- */

struct cv_crl;

/* One CRL, PEM or DER; bounded by the caller's buffer. */
kerr_t cv_crl_parse(const uint8_t *buf, size_t len, struct cv_crl **out,
    struct kerr *e);
kerr_t cv_crl_load_file(const char *path, struct cv_crl **out,
    struct kerr *e);
struct cv_crl *cv_crl_ref(struct cv_crl *crl);
void cv_crl_free(struct cv_crl *crl);

/* RFC 2253 issuer name of the CRL. */
const char *cv_crl_issuer(const struct cv_crl *crl);
int64_t cv_crl_this_update(const struct cv_crl *crl);
/* 0 when the CRL has no nextUpdate (never trusted then: see verify). */
int64_t cv_crl_next_update(const struct cv_crl *crl);
/* 1 for a delta CRL (deltaCRLIndicator present). */
int cv_crl_is_delta(const struct cv_crl *crl);
/* freshestCRL URLs of a base CRL (RFC 5280 section 5.2.6). */
kerr_t cv_crl_freshest_urls(const struct cv_crl *crl, struct cv_blobs **out,
    struct kerr *e);

/* 1 when crl's issuer name is cert's issuer name. */
int cv_crl_covers(const struct cv_crl *crl, const struct cv_cert *cert);

/*
 * The CRL may speak for certificates issued by issuer at time now: issuer
 * name matches, issuer may sign CRLs (keyUsage cRLSign when present), the
 * signature verifies with issuer's key, no critical extension we do not
 * understand (indirect CRLs and partitioned CRLs are refused),
 * thisUpdate <= now + skew and now <= nextUpdate (a CRL without
 * nextUpdate is refused).  The CRL remembers the last issuer certificate
 * that passed the checks not depending on the time, so reusing a cached
 * CRL costs no signature check.
 */
kerr_t cv_crl_verify(struct cv_crl *crl, const struct cv_cert *issuer,
    int64_t now, int64_t skew, struct kerr *e);

/* The delta belongs to base: deltaCRLIndicator <= base's cRLNumber and
 * base is not itself a delta. */
kerr_t cv_crl_delta_fits(const struct cv_crl *base, const struct cv_crl *delta,
    struct kerr *e);

/*
 * Status of cert by a verified base CRL and an optional verified delta
 * (RFC 5280 section 5.2.4: a delta entry with reason removeFromCRL undoes
 * a certificateHold in the base).  *revoked_at_out gets the revocation
 * time when revoked.
 */
enum cv_status cv_crl_status(const struct cv_crl *base,
    const struct cv_crl *delta, const struct cv_cert *cert,
    int64_t *revoked_at_out);

/* ---- OCSP (cv_ocsp.c) ---- */

#define CV_OCSP_NONCE_LEN 16

/* DER OCSPRequest for cert (CertID with SHA-1 as responders expect) with
 * a fresh random nonce extension (RFC 8954). */
kerr_t cv_ocsp_request(const struct cv_cert *cert, const struct cv_cert *issuer,
    uint8_t **der_out, size_t *len_out, struct kerr *e);

struct cv_ocsp_answer {
	enum cv_status status;
	int64_t this_update;
	int64_t next_update;    /* 0 when absent */
	int64_t revoked_at;
	int reason;             /* CRLReason, -1 when absent */
	int signed_by_issuer;   /* else by a delegated responder */
};

/*
 * Check an OCSPResponse (DER) to the request req (DER, as sent): status
 * successful, a BasicOCSPResponse signed by issuer itself or by a
 * responder certificate that issuer issued with id-kp-OCSPSigning
 * (RFC 6960 section 4.2.2.2) and valid at now, the nonce echoed when the
 * response carries one, a SingleResponse for cert's CertID, and
 * thisUpdate <= now + skew, now <= nextUpdate + skew.
 */
kerr_t cv_ocsp_verify(const uint8_t *req, size_t req_len,
    const uint8_t *resp, size_t resp_len, const struct cv_cert *cert,
    const struct cv_cert *issuer, int64_t now, int64_t skew,
    struct cv_ocsp_answer *out, struct kerr *e);

#endif
