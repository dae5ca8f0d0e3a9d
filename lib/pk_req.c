/*
 * pk_req.c - verifying the PA-PK-AS-REQ of a PKINIT AS-REQ.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "asn1_pkinit.h"
#include "pk_cms.h"
#include "pk_req.h"
#include "secmem.h"

/* Largest DHNonce we keep (RFC 4556 leaves the size open; 64 is ample). */
#define PK_DH_NONCE_MAX 64

void
pk_req_free(struct pk_req *r)
{
	if (r == NULL)
		return;
	cv_cert_free(r->signer);
	cv_certs_free(r->others);
	free(r->freshness);
	free(r->client_spki);
	sec_free(r->client_dh_nonce, r->client_dh_nonce_len);
	free(r);
}

static kerr_t
dup_octets(const ASN1_OCTET_STRING *os, uint8_t **out, size_t *len_out)
{
	size_t len = (size_t)ASN1_STRING_length(os);

	*out = malloc(len ? len : 1);
	if (*out == NULL)
		return KRB_ERR_GENERIC;
	memcpy(*out, ASN1_STRING_get0_data(os), len);
	*len_out = len;
	return 0;
}

/* SHA-1 paChecksum over the request body (RFC 4556 section 3.2.1). */
static kerr_t
check_pa_checksum(const PKINIT_PK_AUTHENTICATOR *pa,
    const struct pk_req_params *p, struct kerr *e)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (pa->pa_checksum == NULL)
		return kerr_set(e, KDC_ERR_PA_CHECKSUM_MUST_BE_INCLUDED,
		    "PKAuthenticator has no paChecksum");
	if (!EVP_Digest(p->req_body, p->req_body_len, md, &mdlen,
	    EVP_sha1(), NULL))
		return kerr_set(e, KRB_ERR_GENERIC, "SHA-1 unavailable");
	if ((size_t)ASN1_STRING_length(pa->pa_checksum) != mdlen ||
	    !sec_memeq(ASN1_STRING_get0_data(pa->pa_checksum), md, mdlen))
		return kerr_set(e, KRB_AP_ERR_MODIFIED,
		    "paChecksum does not match the request body (the request "
		    "was modified in transit)");
	return 0;
}

/* MS-PKCA 2.2.3 paChecksum2: a digest of the body with a named algorithm. */
static kerr_t
check_pa_checksum2(const PKINIT_PA_CHECKSUM2 *c2,
    const struct pk_req_params *p, const char **alg_out, struct kerr *e)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const ASN1_OBJECT *oid = NULL;
	const EVP_MD *dgst;
	const char *name;
	int nid;

	X509_ALGOR_get0(&oid, NULL, NULL, c2->algorithm_identifier);
	nid = OBJ_obj2nid(oid);
	switch (nid) {
	case NID_sha256:
		dgst = EVP_sha256();
		name = "SHA256";
		break;
	case NID_sha384:
		dgst = EVP_sha384();
		name = "SHA384";
		break;
	case NID_sha512:
		dgst = EVP_sha512();
		name = "SHA512";
		break;
	case NID_sha1:
		if (!p->allow_sha1)
			return kerr_set(e, KDC_ERR_SUMTYPE_NOSUPP,
			    "paChecksum2 uses SHA-1, which this realm refuses "
			    "(pkinit_allow_sha1)");
		dgst = EVP_sha1();
		name = "SHA1";
		break;
	default:
		return kerr_set(e, KDC_ERR_SUMTYPE_NOSUPP,
		    "paChecksum2 uses an unsupported digest algorithm");
	}
	if (!EVP_Digest(p->req_body, p->req_body_len, md, &mdlen, dgst, NULL))
		return kerr_set(e, KRB_ERR_GENERIC, "%s unavailable", name);
	if ((size_t)ASN1_STRING_length(c2->checksum) != mdlen ||
	    !sec_memeq(ASN1_STRING_get0_data(c2->checksum), md, mdlen))
		return kerr_set(e, KRB_AP_ERR_MODIFIED,
		    "paChecksum2 (%s) does not match the request body", name);
	*alg_out = name;
	return 0;
}

static kerr_t
check_authenticator(const PKINIT_PK_AUTHENTICATOR *pa,
    const struct pk_req_params *p, struct pk_req *r, struct kerr *e)
{
	int64_t ctime;
	uint32_t nonce;
	kerr_t ret;

	ret = asn1krb_time_get(pa->ctime, &ctime);
	if (ret)
		return kerr_set(e, KDC_ERR_PREAUTH_FAILED,
		    "PKAuthenticator ctime is malformed");
	if (ctime > p->now + p->clockskew || ctime < p->now - p->clockskew)
		return kerr_set(e, KRB_AP_ERR_SKEW,
		    "PKAuthenticator ctime is %lld s from the KDC's clock "
		    "(clockskew %lld s)", (long long)(ctime - p->now),
		    (long long)p->clockskew);
	if (asn1krb_uint32_get(pa->nonce, &nonce) != 0)
		return kerr_set(e, KDC_ERR_PREAUTH_FAILED,
		    "PKAuthenticator nonce is out of range");
	if (nonce != p->nonce)
		return kerr_set(e, KDC_ERR_PREAUTH_FAILED,
		    "PKAuthenticator nonce %u differs from the request nonce %u",
		    nonce, p->nonce);
	ret = check_pa_checksum(pa, p, e);
	if (ret)
		return ret;
	if (pa->pa_checksum2 != NULL) {
		ret = check_pa_checksum2(pa->pa_checksum2, p, &r->checksum2_alg, e);
		if (ret)
			return ret;
	}
	r->ctime = ctime;
	r->cusec = pa->cusec;
	r->nonce = nonce;
	if (pa->freshness_token != NULL &&
	    dup_octets(pa->freshness_token, &r->freshness,
	    &r->freshness_len) != 0)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	return 0;
}

static kerr_t
take_auth_pack(const PKINIT_AUTH_PACK *ap, struct pk_req *r, struct kerr *e)
{
	unsigned char *der;
	int i, n, len;

	/* The whole DER SubjectPublicKeyInfo; pk_dh parses it. */
	if (ap->client_public_value != NULL) {
		len = ASN1_STRING_length(ap->client_public_value);
		if (len <= 0)
			return kerr_set(e, KDC_ERR_PREAUTH_FAILED,
			    "clientPublicValue is empty");
		r->client_spki = malloc((size_t)len);
		if (r->client_spki == NULL)
			return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		memcpy(r->client_spki, ASN1_STRING_get0_data(
		    ap->client_public_value), (size_t)len);
		r->client_spki_len = (size_t)len;
	}
	if (ap->client_dh_nonce != NULL) {
		len = ASN1_STRING_length(ap->client_dh_nonce);
		if (len <= 0 || len > PK_DH_NONCE_MAX)
			return kerr_set(e, KDC_ERR_PREAUTH_FAILED,
			    "clientDHNonce of %d bytes (1..%d allowed)", len,
			    PK_DH_NONCE_MAX);
		if (dup_octets(ap->client_dh_nonce, &r->client_dh_nonce,
		    &r->client_dh_nonce_len) != 0)
			return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	}
	n = ap->supported_kdfs ? sk_PKINIT_KDF_ALG_ID_num(ap->supported_kdfs) : 0;
	for (i = 0; i < n && r->n_kdfs < PK_REQ_MAX_KDFS; i++) {
		const PKINIT_KDF_ALG_ID *k =
		    sk_PKINIT_KDF_ALG_ID_value(ap->supported_kdfs, i);
		enum pk_kdf kdf;

		der = NULL;
		len = i2d_ASN1_OBJECT(k->kdf_id, &der);
		if (len <= 0)
			continue;
		kdf = pk_kdf_from_oid_der(der, (size_t)len);
		OPENSSL_free(der);
		if (kdf != PK_KDF_NONE)
			r->kdfs[r->n_kdfs++] = kdf;
	}
	return 0;
}

kerr_t
pk_req_parse(const uint8_t *pa_value, size_t len, const struct pk_req_params *p,
    struct pk_req **req_out, struct kerr *e)
{
	PKINIT_PA_PK_AS_REQ *asreq = NULL;
	PKINIT_AUTH_PACK *ap = NULL;
	struct pk_signed *sd = NULL;
	struct pk_req *r = NULL;
	kerr_t ret;

	ret = ASN1KRB_DECODE(PKINIT_PA_PK_AS_REQ, pa_value, len, &asreq, e);
	if (ret) {
		kerr_prefix(e, "PA-PK-AS-REQ: ");
		ret = e ? (e->code = KDC_ERR_PREAUTH_FAILED) : KDC_ERR_PREAUTH_FAILED;
		goto cleanup;
	}
	ret = pk_cms_verify(ASN1_STRING_get0_data(asreq->signed_auth_pack),
	    (size_t)ASN1_STRING_length(asreq->signed_auth_pack),
	    PK_CONTENT_AUTH_DATA, p->allow_sha1 ? PK_CMS_ALLOW_SHA1 : 0, &sd, e);
	if (ret)
		goto cleanup;
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	/* Take the certificates before any other check, the AuthPack
	 * decoding included, so that refusals can name the certificate in
	 * the log. */
	r->signer = sd->signer;
	r->others = sd->others;
	sd->signer = NULL;
	sd->others = NULL;
	memcpy(r->cms_digest, sd->digest, sizeof(r->cms_digest));
	ret = ASN1KRB_DECODE(PKINIT_AUTH_PACK, sd->content, sd->content_len,
	    &ap, e);
	if (ret) {
		kerr_prefix(e, "AuthPack: ");
		ret = e ? (e->code = KDC_ERR_PREAUTH_FAILED) : KDC_ERR_PREAUTH_FAILED;
	}
	if (ret == 0)
		ret = check_authenticator(ap->pk_authenticator, p, r, e);
	if (ret == 0)
		ret = take_auth_pack(ap, r, e);
	*req_out = r;   /* also on failure: the caller logs the certificate */
	r = NULL;
cleanup:
	PKINIT_PA_PK_AS_REQ_free(asreq);
	PKINIT_AUTH_PACK_free(ap);
	pk_signed_free(sd);
	pk_req_free(r);
	return ret;
}

enum pk_kdf
pk_req_choose_kdf(const struct pk_req *r)
{
	static const enum pk_kdf pref[] = { PK_KDF_AH_SHA256, PK_KDF_AH_SHA512,
		PK_KDF_AH_SHA1 };
	size_t i, j;

	/* A client that sends a clientDHNonce follows RFC 4556 section
	 * 3.2.3.1, which folds both nonces into octetstring2key; RFC 8636's
	 * OtherInfo has no place for them, so keep such clients on the
	 * RFC 4556 derivation (returning no kdf tells them so). */
	if (r->client_dh_nonce != NULL)
		return PK_KDF_NONE;
	for (i = 0; i < sizeof(pref) / sizeof(pref[0]); i++) {
		for (j = 0; j < r->n_kdfs; j++) {
			if (r->kdfs[j] == pref[i])
				return pref[i];
		}
	}
	return PK_KDF_NONE;
}
