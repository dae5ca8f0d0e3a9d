/*
 * cv_rev_source.c - what each revocation source says about one
 * certificate: the static CRLs, OCSP (RFC 6960) and CRLs at the
 * distribution points with their delta CRLs (RFC 5280 section 5.2.6),
 * using the cache or joining a fetch; and the TD-INVALID-CERTIFICATES
 * encoding of a revoked certificate.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "asn1_pkinit.h"
#include "cv_priv.h"
#include "cv_rev_int.h"
#include "log.h"

/* ---- evaluation of one source ---- */

/* strlcat-like: append s to buf, truncating. */
static void
append(char *buf, size_t size, const char *s)
{
	size_t off = strlen(buf), n = strlen(s);

	if (off + 1 >= size)
		return;
	if (n > size - off - 1)
		n = size - off - 1;
	memcpy(buf + off, s, n);
	buf[off + n] = '\0';
}

/* Append "a b" to the reasons gathered for the current certificate. */
static void
note(struct cv_revoke_check *ck, const char *a, const char *b)
{
	if (ck->notes[0] != '\0')
		append(ck->notes, sizeof(ck->notes), "; ");
	append(ck->notes, sizeof(ck->notes), a);
	append(ck->notes, sizeof(ck->notes), b);
}

/* Take the delivered result for key, if that is what it is for. */
static int
take_last(struct cv_revoke_check *ck, const char *key, struct result *r)
{
	if (!ck->have_last || strcmp(ck->last_key, key) != 0)
		return 0;
	*r = ck->last;
	memset(&ck->last, 0, sizeof(ck->last));
	ck->have_last = 0;
	return 1;
}

/* Refetch an entry that will expire soon, nobody waiting. */
static void
refresh_ahead(struct cv_revoke *rv, const struct entry *en, const char *url,
    const struct cv_cert *cert, const struct cv_cert *issuer, int64_t now)
{
	struct kerr e;

	if (rv->s.refresh_ahead <= 0 || en->expires - now > rv->s.refresh_ahead ||
	    fetch_find(rv, en->key) != NULL)
		return;
	kerr_clear(&e);
	if (fetch_need(rv, NULL, en->key, en->kind, url, cert, issuer, now,
	    &e) != 0)
		log_msg(LOG_LVL_WARNING, "revocation refresh of %s: %s", url,
		    e.msg);
}

enum verdict
eval_ocsp(struct cv_revoke_check *ck, const struct cv_cert *cert,
    const struct cv_cert *issuer)
{
	struct cv_revoke *rv = ck->rv;
	struct cv_blobs *urls = NULL;
	char key[KEY_MAX], url[HTTP_URL_MAX];
	struct entry *en;
	struct result r;
	struct kerr e;

	kerr_clear(&e);
	if (rv->ocsp_url != NULL) {
		snprintf(url, sizeof(url), "%s", rv->ocsp_url);
	} else {
		if (cv_cert_urls(cert, CV_URL_OCSP, &urls, &e) != 0 ||
		    urls->n == 0) {
			cv_blobs_free(urls);
			note(ck, "no OCSP URL", "");
			return V_NA;
		}
		snprintf(url, sizeof(url), "%s", (char *)urls->v[0].data);
		cv_blobs_free(urls);
	}
	snprintf(key, sizeof(key), "O:%s:%s", cv_cert_sha1_hex(issuer),
	    cv_cert_serial_hex(cert));
	if (take_last(ck, key, &r)) {
		ck->n_tried++;
		if (!r.ok) {
			note(ck, "OCSP: ", r.msg);
			if (r.unavailable)
				ck->n_unavailable++;
			return r.unavailable ? V_UNAVAILABLE : V_UNKNOWN;
		}
		ck->out.source = "OCSP";
		return r.status == CV_STATUS_REVOKED ? V_REVOKED : V_GOOD;
	}
	en = cache_find(rv, key);
	if (en != NULL && en->expires >= ck->now) {
		rv->stats.hits++;
		en->used = ++rv->clock;
		ck->out.source = "OCSP";
		refresh_ahead(rv, en, url, cert, issuer, ck->now);
		return en->status == CV_STATUS_REVOKED ? V_REVOKED : V_GOOD;
	}
	if (fetch_need(rv, ck, key, ENT_OCSP, url, cert, issuer, ck->now,
	    &e) != 0) {
		ck->n_tried++;
		ck->n_unavailable++;
		note(ck, "OCSP: ", e.msg);
		return V_UNAVAILABLE;
	}
	return V_PENDING;
}

/* A verified CRL from url for cert: 0 with *crl_out (a reference), or a
 * verdict (pending, unknown, unavailable). */
static enum verdict
get_crl(struct cv_revoke_check *ck, const char *url,
    const struct cv_cert *cert, const struct cv_cert *issuer,
    struct cv_crl **crl_out)
{
	struct cv_revoke *rv = ck->rv;
	char key[KEY_MAX];
	struct entry *en;
	struct result r;
	struct kerr e;

	kerr_clear(&e);
	snprintf(key, sizeof(key), "C:%s", url);
	*crl_out = NULL;
	if (take_last(ck, key, &r)) {
		if (!r.ok) {
			ck->n_tried++;
			note(ck, "CRL: ", r.msg);
			if (r.unavailable)
				ck->n_unavailable++;
			return r.unavailable ? V_UNAVAILABLE : V_UNKNOWN;
		}
		*crl_out = r.crl;
	} else if ((en = cache_find(rv, key)) != NULL &&
	    en->expires >= ck->now) {
		rv->stats.hits++;
		en->used = ++rv->clock;
		*crl_out = cv_crl_ref(en->crl);
		refresh_ahead(rv, en, url, cert, issuer, ck->now);
	} else if (fetch_need(rv, ck, key, ENT_CRL, url, cert, issuer,
	    ck->now, &e) != 0) {
		ck->n_tried++;
		ck->n_unavailable++;
		note(ck, "CRL: ", e.msg);
		return V_UNAVAILABLE;
	} else {
		return V_PENDING;
	}
	if (cv_crl_verify(*crl_out, issuer, ck->now, rv->s.clockskew,
	    &e) != 0) {
		ck->n_tried++;
		note(ck, "CRL: ", e.msg);
		cv_crl_free(*crl_out);
		*crl_out = NULL;
		return V_UNKNOWN;
	}
	return V_GOOD;
}

enum verdict
eval_crl(struct cv_revoke_check *ck, const struct cv_cert *cert,
    const struct cv_cert *issuer)
{
	struct cv_blobs *urls = NULL, *durls = NULL;
	struct cv_crl *base = NULL, *delta = NULL;
	enum verdict v;
	struct kerr e;
	int64_t when = 0;

	kerr_clear(&e);
	if (cv_cert_urls(cert, CV_URL_CRL, &urls, &e) != 0 || urls->n == 0) {
		cv_blobs_free(urls);
		note(ck, "no HTTP CRL distribution point", "");
		return V_NA;
	}
	v = get_crl(ck, (char *)urls->v[0].data, cert, issuer, &base);
	if (v != V_GOOD)
		goto cleanup;
	/* RFC 5280 section 5.2.6: a freshest CRL pointer in the certificate
	 * or the base CRL means a delta CRL must be consulted too. */
	if (cv_cert_urls(cert, CV_URL_FRESHEST, &durls, &e) == 0 &&
	    durls->n == 0) {
		cv_blobs_free(durls);
		durls = NULL;
		if (cv_crl_freshest_urls(base, &durls, &e) != 0)
			durls = NULL;
	}
	if (durls != NULL && durls->n > 0) {
		v = get_crl(ck, (char *)durls->v[0].data, cert, issuer, &delta);
		if (v != V_GOOD)
			goto cleanup;
		if (cv_crl_delta_fits(base, delta, &e) != 0) {
			ck->n_tried++;
			note(ck, e.msg, "");
			v = V_UNKNOWN;
			goto cleanup;
		}
	}
	ck->out.source = "CRL";
	v = cv_crl_status(base, delta, cert, &when) == CV_STATUS_REVOKED ?
	    V_REVOKED : V_GOOD;
cleanup:
	cv_blobs_free(urls);
	cv_blobs_free(durls);
	cv_crl_free(base);
	cv_crl_free(delta);
	return v;
}

enum verdict
eval_static(struct cv_revoke_check *ck, const struct cv_cert *cert,
    const struct cv_cert *issuer)
{
	struct cv_revoke *rv = ck->rv;
	struct kerr e;
	int64_t when;
	size_t i;
	int covered = 0;

	for (i = 0; i < rv->n_statics; i++) {
		if (!cv_crl_covers(rv->statics[i], cert))
			continue;
		covered = 1;
		kerr_clear(&e);
		if (cv_crl_verify(rv->statics[i], issuer, ck->now,
		    rv->s.clockskew, &e) != 0) {
			note(ck, "static ", e.msg);
			continue;
		}
		ck->out.source = "static CRL";
		return cv_crl_status(rv->statics[i], NULL, cert, &when) ==
		    CV_STATUS_REVOKED ? V_REVOKED : V_GOOD;
	}
	if (covered)
		ck->n_tried++;
	return covered ? V_UNKNOWN : V_NA;
}

kerr_t
cv_invalid_certs_der(const struct cv_cert *cert, uint8_t **der_out,
    size_t *len_out)
{
	X509 *x = cv_cert_x509(cert);
	PKCS7_ISSUER_AND_SERIAL *ias = NULL;
	PKINIT_EXT_PRINC_ID *epi = NULL;
	PKINIT_EPI_LIST *list = NULL;
	unsigned char *ider = NULL, *der = NULL;
	int ilen, len;
	kerr_t ret = KRB_ERR_GENERIC;

	ias = PKCS7_ISSUER_AND_SERIAL_new();
	if (ias == NULL || !X509_NAME_set(&ias->issuer,
	    X509_get_issuer_name(x)))
		goto cleanup;
	ASN1_INTEGER_free(ias->serial);
	ias->serial = ASN1_INTEGER_dup(X509_get0_serialNumber(x));
	if (ias->serial == NULL)
		goto cleanup;
	ilen = i2d_PKCS7_ISSUER_AND_SERIAL(ias, &ider);
	epi = PKINIT_EXT_PRINC_ID_new();
	list = sk_PKINIT_EXT_PRINC_ID_new_null();
	if (ilen <= 0 || epi == NULL || list == NULL)
		goto cleanup;
	epi->issuer_and_serial_number = ASN1_OCTET_STRING_new();
	if (epi->issuer_and_serial_number == NULL ||
	    !ASN1_OCTET_STRING_set(epi->issuer_and_serial_number, ider, ilen) ||
	    !sk_PKINIT_EXT_PRINC_ID_push(list, epi))
		goto cleanup;
	epi = NULL;
	len = i2d_PKINIT_EPI_LIST(list, &der);
	if (len <= 0)
		goto cleanup;
	*der_out = malloc((size_t)len);
	if (*der_out == NULL)
		goto cleanup;
	memcpy(*der_out, der, (size_t)len);
	*len_out = (size_t)len;
	ret = 0;
cleanup:
	OPENSSL_free(der);
	OPENSSL_free(ider);
	PKINIT_EXT_PRINC_ID_free(epi);
	sk_PKINIT_EXT_PRINC_ID_pop_free(list, PKINIT_EXT_PRINC_ID_free);
	PKCS7_ISSUER_AND_SERIAL_free(ias);
	return ret;
}
