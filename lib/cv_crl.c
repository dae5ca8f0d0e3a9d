/*
 * cv_crl.c - certificate revocation lists (RFC 5280 sections 5, 6.3) and
 * the revocation pointers of certificates (CDP, freshestCRL, AIA).
 *
 * A CRL is only believed for a certificate after cv_crl_verify() with the
 * certificate's actual issuer (from the verified chain): names match, the
 * issuer's key signed it, and it is current.  Indirect CRLs (entries for
 * other issuers) and critical extensions we do not implement make the CRL
 * unusable rather than being half-understood.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cv_priv.h"
#include "cv_revdata.h"

struct cv_crl {
	X509_CRL *crl;
	char issuer[512];
	unsigned int refs;
	/* The issuer (SHA-256 of its certificate) whose key verified the
	 * signature, and which may sign CRLs, with the extensions found
	 * acceptable: the parts of cv_crl_verify that do not depend on the
	 * time, done once per CRL object instead of per logon. */
	int verified;
	uint8_t verified_by[CV_CERT_SHA256_LEN];
};

/* Largest CRL file read from disk. */
#define CV_CRL_FILE_MAX (64u << 20)

/* ---- URLs in certificates ---- */

static int
add_http_uri(struct cv_blobs *b, const GENERAL_NAME *gn)
{
	const ASN1_IA5STRING *u;
	const unsigned char *p;
	int n;

	if (gn->type != GEN_URI)
		return 0;
	u = gn->d.uniformResourceIdentifier;
	p = ASN1_STRING_get0_data(u);
	n = ASN1_STRING_length(u);
	if (n < 8 || n > 2000 || strncasecmp((const char *)p, "http://", 7) != 0
	    || memchr(p, '\0', (size_t)n) != NULL)
		return 0;
	return cv_blobs_append(b, p, (size_t)n);
}

static int
add_dist_points(struct cv_blobs *b, const STACK_OF(DIST_POINT) *dps)
{
	const DIST_POINT *dp;
	int i, j;

	for (i = 0; i < sk_DIST_POINT_num(dps); i++) {
		dp = sk_DIST_POINT_value(dps, i);
		/* A point limited to some reasons, or served by another
		 * issuer (cRLIssuer), is not a full CRL for us. */
		if (dp->distpoint == NULL || dp->distpoint->type != 0 ||
		    dp->reasons != NULL || dp->CRLissuer != NULL)
			continue;
		for (j = 0; j < sk_GENERAL_NAME_num(dp->distpoint->name.fullname);
		    j++) {
			if (add_http_uri(b, sk_GENERAL_NAME_value(
			    dp->distpoint->name.fullname, j)) != 0)
				return -1;
		}
	}
	return 0;
}

kerr_t
cv_cert_urls(const struct cv_cert *c, enum cv_url_kind kind,
    struct cv_blobs **out, struct kerr *e)
{
	X509 *x = cv_cert_x509(c);
	struct cv_blobs *b;
	STACK_OF(DIST_POINT) *dps = NULL;
	AUTHORITY_INFO_ACCESS *aia = NULL;
	const ACCESS_DESCRIPTION *ad;
	int rc = 0, i;

	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	switch (kind) {
	case CV_URL_CRL:
	case CV_URL_FRESHEST:
		dps = X509_get_ext_d2i(x, kind == CV_URL_CRL ?
		    NID_crl_distribution_points : NID_freshest_crl, NULL, NULL);
		if (dps != NULL)
			rc = add_dist_points(b, dps);
		break;
	case CV_URL_OCSP:
		aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
		for (i = 0; aia != NULL && rc == 0 &&
		    i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
			ad = sk_ACCESS_DESCRIPTION_value(aia, i);
			if (OBJ_obj2nid(ad->method) == NID_ad_OCSP)
				rc = add_http_uri(b, ad->location);
		}
		break;
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	AUTHORITY_INFO_ACCESS_free(aia);
	if (rc != 0) {
		cv_blobs_free(b);
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	}
	*out = b;
	return 0;
}

/* ---- parsing ---- */

static kerr_t
wrap(X509_CRL *x, struct cv_crl **out, struct kerr *e)
{
	struct cv_crl *c;
	BIO *m;
	long n;

	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		X509_CRL_free(x);
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	}
	c->crl = x;
	c->refs = 1;
	m = BIO_new(BIO_s_mem());
	if (m != NULL && X509_NAME_print_ex(m, X509_CRL_get_issuer(x), 0,
	    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		n = BIO_read(m, c->issuer, sizeof(c->issuer) - 1);
		c->issuer[n > 0 ? n : 0] = '\0';
	}
	BIO_free(m);
	*out = c;
	return 0;
}

kerr_t
cv_crl_parse(const uint8_t *buf, size_t len, struct cv_crl **out,
    struct kerr *e)
{
	const unsigned char *p = buf;
	X509_CRL *x = NULL;
	BIO *b;

	if (len == 0 || len > (size_t)INT32_MAX)
		return kerr_set(e, KDC_ERR_REVOCATION_STATUS_UNKNOWN,
		    "empty or oversized CRL");
	ERR_set_mark();
	if (len > 10 && memcmp(buf, "-----BEGIN", 10) == 0) {
		b = BIO_new_mem_buf(buf, (int)len);
		if (b != NULL)
			x = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
		BIO_free(b);
	} else {
		x = d2i_X509_CRL(NULL, &p, (long)len);
		if (x != NULL && p != buf + len) {
			X509_CRL_free(x);
			x = NULL;
		}
	}
	ERR_pop_to_mark();
	if (x == NULL)
		return kerr_set(e, KDC_ERR_REVOCATION_STATUS_UNKNOWN,
		    "not a CRL (PEM or DER)");
	return wrap(x, out, e);
}

kerr_t
cv_crl_load_file(const char *path, struct cv_crl **out, struct kerr *e)
{
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	size_t n;
	FILE *f;
	kerr_t ret;

	f = fopen(path, "rb");
	if (f == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "cannot open %s", path);
	for (;;) {
		if (len == cap) {
			uint8_t *nb;

			if (cap >= CV_CRL_FILE_MAX) {
				fclose(f);
				free(buf);
				return kerr_set(e, KRB_ERR_GENERIC,
				    "%s is too large for a CRL", path);
			}
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				fclose(f);
				free(buf);
				return kerr_set(e, KRB_ERR_GENERIC,
				    "out of memory");
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	ret = cv_crl_parse(buf, len, out, e);
	free(buf);
	if (ret)
		kerr_prefix(e, "%s: ", path);
	return ret;
}

struct cv_crl *
cv_crl_ref(struct cv_crl *crl)
{
	crl->refs++;
	return crl;
}

void
cv_crl_free(struct cv_crl *crl)
{
	if (crl == NULL || --crl->refs > 0)
		return;
	X509_CRL_free(crl->crl);
	free(crl);
}

const char *
cv_crl_issuer(const struct cv_crl *crl)
{
	return crl->issuer;
}

int64_t
cv_crl_this_update(const struct cv_crl *crl)
{
	return cv_time_epoch(X509_CRL_get0_lastUpdate(crl->crl));
}

int64_t
cv_crl_next_update(const struct cv_crl *crl)
{
	return cv_time_epoch(X509_CRL_get0_nextUpdate(crl->crl));
}

int
cv_crl_is_delta(const struct cv_crl *crl)
{
	return X509_CRL_get_ext_by_NID(crl->crl, NID_delta_crl, -1) >= 0;
}

kerr_t
cv_crl_freshest_urls(const struct cv_crl *crl, struct cv_blobs **out,
    struct kerr *e)
{
	STACK_OF(DIST_POINT) *dps;
	struct cv_blobs *b;
	int rc = 0;

	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	dps = X509_CRL_get_ext_d2i(crl->crl, NID_freshest_crl, NULL, NULL);
	if (dps != NULL)
		rc = add_dist_points(b, dps);
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	if (rc != 0) {
		cv_blobs_free(b);
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	}
	*out = b;
	return 0;
}

int
cv_crl_covers(const struct cv_crl *crl, const struct cv_cert *cert)
{
	return X509_NAME_cmp(X509_CRL_get_issuer(crl->crl),
	    X509_get_issuer_name(cv_cert_x509(cert))) == 0;
}

/* ---- verification ---- */

/* Critical CRL extensions we implement (RFC 5280 section 5.2). */
static kerr_t
check_extensions(const X509_CRL *x, struct kerr *e)
{
	const STACK_OF(X509_REVOKED) *rev;
	const X509_EXTENSION *ext;
	ISSUING_DIST_POINT *idp;
	int i, j, nid;

	for (i = 0; i < X509_CRL_get_ext_count(x); i++) {
		ext = X509_CRL_get_ext(x, i);
		nid = OBJ_obj2nid(X509_EXTENSION_get_object((X509_EXTENSION *)ext));
		if (nid == NID_issuing_distribution_point) {
			idp = X509_CRL_get_ext_d2i(x, nid, NULL, NULL);
			if (idp == NULL)
				return kerr_set(e,
				    KDC_ERR_REVOCATION_STATUS_UNKNOWN,
				    "unreadable issuingDistributionPoint");
			/* Indirect, reason-partitioned or attribute-only
			 * CRLs are not complete CRLs for a logon
			 * certificate. */
			j = idp->indirectCRL || idp->onlysomereasons != NULL ||
			    idp->onlyattr;
			ISSUING_DIST_POINT_free(idp);
			if (j)
				return kerr_set(e,
				    KDC_ERR_REVOCATION_STATUS_UNKNOWN,
				    "indirect or partitioned CRL not supported");
			continue;
		}
		if (!X509_EXTENSION_get_critical(ext))
			continue;
		if (nid != NID_delta_crl)
			return kerr_set(e, KDC_ERR_REVOCATION_STATUS_UNKNOWN,
			    "unsupported critical CRL extension %d", nid);
	}
	rev = X509_CRL_get_REVOKED((X509_CRL *)x);
	for (i = 0; i < sk_X509_REVOKED_num(rev); i++) {
		const STACK_OF(X509_EXTENSION) *exts =
		    X509_REVOKED_get0_extensions(sk_X509_REVOKED_value(rev, i));

		for (j = 0; j < sk_X509_EXTENSION_num(exts); j++) {
			ext = sk_X509_EXTENSION_value(exts, j);
			if (X509_EXTENSION_get_critical(ext))
				return kerr_set(e,
				    KDC_ERR_REVOCATION_STATUS_UNKNOWN,
				    "critical CRL entry extension "
				    "(certificateIssuer: indirect CRL)");
		}
	}
	return 0;
}

/* Name, keyUsage, signature and extensions: everything but the time. */
static kerr_t
verify_by(const struct cv_crl *crl, const struct cv_cert *issuer,
    struct kerr *e)
{
	X509 *ix = cv_cert_x509(issuer);
	EVP_PKEY *key;
	kerr_t ret;

	if (X509_NAME_cmp(X509_CRL_get_issuer(crl->crl),
	    X509_get_subject_name(ix)) != 0)
		return kerr_set(e, KDC_ERR_REVOCATION_STATUS_UNKNOWN,
		    "CRL of '%s' is not from '%s'", crl->issuer,
		    cv_cert_subject(issuer));
	if ((X509_get_extension_flags(ix) & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(ix) & KU_CRL_SIGN))
		return kerr_set(e, KDC_ERR_REVOCATION_STATUS_UNKNOWN,
		    "'%s' may not sign CRLs (keyUsage without cRLSign)",
		    cv_cert_subject(issuer));
	key = X509_get0_pubkey(ix);
	ERR_set_mark();
	ret = key != NULL && X509_CRL_verify(crl->crl, key) == 1;
	ERR_pop_to_mark();
	if (!ret)
		return kerr_set(e, KDC_ERR_REVOCATION_STATUS_UNKNOWN,
		    "CRL signature of '%s' does not verify", crl->issuer);
	ret = check_extensions(crl->crl, e);
	if (ret) {
		kerr_prefix(e, "CRL of '%s': ", crl->issuer);
		return ret;
	}
	return 0;
}

kerr_t
cv_crl_verify(struct cv_crl *crl, const struct cv_cert *issuer, int64_t now,
    int64_t skew, struct kerr *e)
{
	int64_t tu, nu;
	kerr_t ret;

	/* A cached CRL is used by every logon under its issuer: its
	 * signature and its list of entries are checked once.  The issuer
	 * is named by its whole certificate, so another certificate with
	 * the same name (or key) is checked afresh. */
	if (!crl->verified || memcmp(crl->verified_by, cv_cert_sha256(issuer),
	    CV_CERT_SHA256_LEN) != 0) {
		ret = verify_by(crl, issuer, e);
		if (ret)
			return ret;
		memcpy(crl->verified_by, cv_cert_sha256(issuer),
		    CV_CERT_SHA256_LEN);
		crl->verified = 1;
	}
	tu = cv_crl_this_update(crl);
	nu = cv_crl_next_update(crl);
	if (tu == 0 || tu > now + skew)
		return kerr_set(e, KDC_ERR_REVOCATION_STATUS_UNKNOWN,
		    "CRL of '%s' is not yet valid (thisUpdate %lld)",
		    crl->issuer, (long long)tu);
	/* RFC 5280 section 5.1.2.5: conforming CRLs have nextUpdate; without
	 * it nothing says when the list went stale. */
	if (nu == 0)
		return kerr_set(e, KDC_ERR_REVOCATION_STATUS_UNKNOWN,
		    "CRL of '%s' has no nextUpdate", crl->issuer);
	if (nu < now)
		return kerr_set(e, KDC_ERR_REVOCATION_STATUS_UNKNOWN,
		    "CRL of '%s' expired (nextUpdate %lld, %lld s ago)",
		    crl->issuer, (long long)nu, (long long)(now - nu));
	return 0;
}

static int
crl_number(const X509_CRL *x, int nid, ASN1_INTEGER **out)
{
	*out = X509_CRL_get_ext_d2i(x, nid, NULL, NULL);
	return *out != NULL ? 0 : -1;
}

kerr_t
cv_crl_delta_fits(const struct cv_crl *base, const struct cv_crl *delta,
    struct kerr *e)
{
	ASN1_INTEGER *bn = NULL, *dbase = NULL;
	kerr_t ret = 0;

	if (cv_crl_is_delta(base) || !cv_crl_is_delta(delta))
		return kerr_set(e, KDC_ERR_REVOCATION_STATUS_UNKNOWN,
		    "delta CRL of '%s' does not pair with its base",
		    base->issuer);
	if (X509_NAME_cmp(X509_CRL_get_issuer(base->crl),
	    X509_CRL_get_issuer(delta->crl)) != 0 ||
	    crl_number(base->crl, NID_crl_number, &bn) != 0 ||
	    crl_number(delta->crl, NID_delta_crl, &dbase) != 0 ||
	    ASN1_INTEGER_cmp(dbase, bn) > 0)
		ret = kerr_set(e, KDC_ERR_REVOCATION_STATUS_UNKNOWN,
		    "delta CRL of '%s' needs a newer base CRL", base->issuer);
	ASN1_INTEGER_free(bn);
	ASN1_INTEGER_free(dbase);
	return ret;
}

enum cv_status
cv_crl_status(const struct cv_crl *base, const struct cv_crl *delta,
    const struct cv_cert *cert, int64_t *revoked_at_out)
{
	X509 *x = cv_cert_x509(cert);
	X509_REVOKED *r = NULL;
	int rc;

	/* X509_CRL_get0_by_serial: 1 listed, 2 listed with reason
	 * removeFromCRL (RFC 5280 section 5.3.1: a delta releasing a hold),
	 * 0 not listed. */
	if (delta != NULL) {
		rc = X509_CRL_get0_by_serial(delta->crl, &r,
		    X509_get0_serialNumber(x));
		if (rc == 2)
			return CV_STATUS_GOOD;
		if (rc == 1) {
			*revoked_at_out = cv_time_epoch(
			    X509_REVOKED_get0_revocationDate(r));
			return CV_STATUS_REVOKED;
		}
	}
	r = NULL;
	if (X509_CRL_get0_by_serial(base->crl, &r,
	    X509_get0_serialNumber(x)) == 1) {
		*revoked_at_out = cv_time_epoch(
		    X509_REVOKED_get0_revocationDate(r));
		return CV_STATUS_REVOKED;
	}
	return CV_STATUS_GOOD;
}
