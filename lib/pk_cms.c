/*
 * pk_cms.c - CMS SignedData verification and production and EnvelopedData
 * production for PKINIT, over OpenSSL's CMS implementation; repeated
 * signatures of one identity go through a template cut from OpenSSL's
 * first one (pk_cms_tmpl.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "cv_priv.h"
#include "pk_cms.h"
#include "pk_der.h"
#include "pk_priv.h"

/* Certificates taken from one client message at most. */
#define PK_CMS_MAX_CERTS 16

static const char *
content_oid(enum pk_cms_content type)
{
	switch (type) {
	case PK_CONTENT_AUTH_DATA:
		return "1.3.6.1.5.2.3.1";
	case PK_CONTENT_DH_KEY_DATA:
		return "1.3.6.1.5.2.3.2";
	case PK_CONTENT_RKEY_DATA:
		return "1.3.6.1.5.2.3.3";
	}
	return NULL;
}

/* Last OpenSSL error reason, for messages. */
static const char *
ossl_reason(void)
{
	unsigned long err = ERR_peek_last_error();
	const char *r = err != 0 ? ERR_reason_error_string(err) : NULL;

	return r != NULL ? r : "unknown reason";
}

void
pk_signed_free(struct pk_signed *s)
{
	if (s == NULL)
		return;
	free(s->content);
	cv_cert_free(s->signer);
	cv_certs_free(s->others);
	free(s);
}

/* Digest policy (RFC 4556 3.2.2, RFC 8636 section 4): returns 0 if ok. */
static kerr_t
check_digest(CMS_SignerInfo *si, unsigned int flags, char *name,
    size_t namelen, struct kerr *e)
{
	X509_ALGOR *dig = NULL, *sig = NULL;
	const ASN1_OBJECT *obj;
	int dnid, snid, hnid = NID_undef, pknid;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, &sig);
	X509_ALGOR_get0(&obj, NULL, NULL, dig);
	dnid = OBJ_obj2nid(obj);
	snprintf(name, namelen, "%s", OBJ_nid2sn(dnid));
	/* A signature algorithm naming its own hash (sha1WithRSAEncryption)
	 * must agree with the policy too. */
	X509_ALGOR_get0(&obj, NULL, NULL, sig);
	snid = OBJ_obj2nid(obj);
	if (!OBJ_find_sigid_algs(snid, &hnid, &pknid))
		hnid = NID_undef;
	switch (dnid) {
	case NID_sha256:
	case NID_sha384:
	case NID_sha512:
		break;
	case NID_sha1:
		if (flags & PK_CMS_ALLOW_SHA1)
			break;
		/* FALLTHROUGH */
	default:
		return kerr_set(e, KDC_ERR_DIGEST_IN_SIGNED_DATA_NOT_ACCEPTED,
		    "SignedData digest %s not accepted", OBJ_nid2sn(dnid));
	}
	if (hnid == NID_sha1 && !(flags & PK_CMS_ALLOW_SHA1))
		return kerr_set(e, KDC_ERR_DIGEST_IN_SIGNED_DATA_NOT_ACCEPTED,
		    "SignedData signature algorithm %s not accepted",
		    OBJ_nid2sn(snid));
	if (hnid == NID_md5 || hnid == NID_md4 || hnid == NID_md2)
		return kerr_set(e, KDC_ERR_DIGEST_IN_SIGNED_DATA_NOT_ACCEPTED,
		    "SignedData signature algorithm %s not accepted",
		    OBJ_nid2sn(snid));
	return 0;
}

/*
 * RFC 5652 section 11.1: with signed attributes, the contentType attribute
 * must be present and equal eContentType; otherwise the signature would
 * not cover the claimed type.
 */
static kerr_t
check_content_type_attr(CMS_ContentInfo *cms, CMS_SignerInfo *si,
    struct kerr *e)
{
	const ASN1_OBJECT *ct;

	if (CMS_signed_get_attr_count(si) <= 0)
		return 0;
	ct = CMS_signed_get0_data_by_OBJ(si,
	    OBJ_nid2obj(NID_pkcs9_contentType), -3, V_ASN1_OBJECT);
	if (ct == NULL || OBJ_cmp(ct, CMS_get0_eContentType(cms)) != 0)
		return kerr_set(e, KDC_ERR_INVALID_SIG, "SignedData contentType "
		    "attribute missing or different from eContentType");
	return 0;
}

/*
 * The DER TLV at p (ending before end): identifier octet, header and
 * content lengths.  -1 for anything but definite-length DER with a
 * one-octet identifier inside the bounds.  Shared with pk_cms_tmpl.c.
 */
int
pk_cms_der_next(const uint8_t *p, const uint8_t *end, uint8_t *tag,
    size_t *hdr, size_t *clen)
{
	const unsigned char *q = p;
	long l;
	int t, xc, r;

	if (p >= end || (p[0] & 0x1f) == 0x1f)
		return -1;
	r = ASN1_get_object(&q, &l, &t, &xc, (long)(end - p));
	if ((r & 0x80) || (r & 0x01) || l < 0 || (size_t)l > (size_t)(end - q))
		return -1;
	*tag = p[0];
	*hdr = (size_t)(q - p);
	*clen = (size_t)l;
	return 0;
}

/*
 * Take the certificates out of a ContentInfo of SignedData (RFC 5652
 * sections 3 and 5.1): the message without its certificates field goes to
 * *bare_out, each certificate through the per-process cache (cv_cache.c)
 * into certs, so OpenSSL does not parse the same certificates for every
 * request.  The signature covers neither field, so verification is
 * unchanged.  -1 for encodings this does not handle (BER, certificate
 * choices other than Certificate): the caller parses the message whole.
 */
static int
split_certs(const uint8_t *der, size_t len, uint8_t **bare_out,
    size_t *bare_len_out, STACK_OF(X509) *certs)
{
	const uint8_t *end = der + len, *p, *c, *cend;
	struct pk_der d;
	size_t hdr, clen, chdr, cclen, at;
	uint8_t tag, ctag;
	int seen = 0, rc = -1;
	X509 *x;

	pk_der_init(&d);
	if (pk_cms_der_next(der, end, &tag, &hdr, &clen) != 0 || tag != 0x30 ||
	    hdr + clen != len)
		goto cleanup;
	p = der + hdr;
	if (pk_cms_der_next(p, end, &tag, &hdr, &clen) != 0 || tag != 0x06)
		goto cleanup;
	pk_der_raw(&d, p, hdr + clen);
	p += hdr + clen;
	at = d.len;
	/* content [0] EXPLICIT SignedData, the last thing in the message. */
	if (pk_cms_der_next(p, end, &tag, &hdr, &clen) != 0 || tag != 0xa0 ||
	    p + hdr + clen != end)
		goto cleanup;
	p += hdr;
	if (pk_cms_der_next(p, end, &tag, &hdr, &clen) != 0 || tag != 0x30 ||
	    p + hdr + clen != end)
		goto cleanup;
	for (p += hdr; p < end; p += hdr + clen) {
		if (pk_cms_der_next(p, end, &tag, &hdr, &clen) != 0)
			goto cleanup;
		/* certificates [0] IMPLICIT CertificateSet */
		if (tag != 0xa0) {
			pk_der_raw(&d, p, hdr + clen);
			continue;
		}
		if (seen++)
			goto cleanup;
		cend = p + hdr + clen;
		for (c = p + hdr; c < cend; c += chdr + cclen) {
			if (pk_cms_der_next(c, cend, &ctag, &chdr,
			    &cclen) != 0 || ctag != 0x30 || sk_X509_num(certs) >= PK_CMS_MAX_CERTS)
				goto cleanup;
			x = cv_x509_from_der(c, chdr + cclen);
			if (x == NULL || !sk_X509_push(certs, x)) {
				X509_free(x);
				goto cleanup;
			}
		}
	}
	pk_der_wrap(&d, at, 0x30);
	pk_der_wrap(&d, at, 0xa0);
	pk_der_wrap(&d, 0, 0x30);
	if (pk_der_take(&d, bare_out, bare_len_out) != 0)
		goto cleanup;
	rc = 0;
cleanup:
	pk_der_clear(&d);
	return rc;
}

kerr_t
pk_cms_verify(const uint8_t *der, size_t len, enum pk_cms_content expect,
    unsigned int flags, struct pk_signed **out, struct kerr *e)
{
	CMS_ContentInfo *cms = NULL;
	STACK_OF(CMS_SignerInfo) *sis;
	CMS_SignerInfo *si;
	STACK_OF(X509) *certs = NULL;
	ASN1_OCTET_STRING **pos;
	const unsigned char *p, *in = der;
	uint8_t *bare = NULL;
	size_t in_len = len;
	X509 *signer = NULL;
	struct pk_signed *res = NULL;
	struct cv_cert *c;
	BIO *bout = NULL;
	BUF_MEM *mem;
	char oid[64];
	int i;
	kerr_t ret = KDC_ERR_PREAUTH_FAILED;

	ERR_set_mark();
	if (len == 0 || len > PK_CMS_MAX_IN) {
		kerr_set(e, ret, "SignedData of %zu bytes refused", len);
		goto cleanup;
	}
	certs = sk_X509_new_null();
	if (certs != NULL && split_certs(der, len, &bare, &in_len, certs) == 0) {
		in = bare;
	} else {
		sk_X509_pop_free(certs, X509_free);
		certs = NULL;
		in_len = len;
	}
	p = in;
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)in_len);
	if (cms == NULL || p != in + in_len ||
	    OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		kerr_set(e, ret, "signedAuthPack is not a CMS SignedData");
		goto cleanup;
	}
	if (OBJ_obj2txt(oid, sizeof(oid), CMS_get0_eContentType(cms), 1) <= 0 ||
	    strcmp(oid, content_oid(expect)) != 0) {
		kerr_set(e, ret, "SignedData eContentType %s, expected %s", oid,
		    content_oid(expect));
		goto cleanup;
	}
	pos = CMS_get0_content(cms);
	if (pos == NULL || *pos == NULL) {
		kerr_set(e, ret, "SignedData has no encapsulated content");
		goto cleanup;
	}
	sis = CMS_get0_SignerInfos(cms);
	if (sk_CMS_SignerInfo_num(sis) != 1) {
		kerr_set(e, ret, "SignedData has %d signers, expected one",
		    sk_CMS_SignerInfo_num(sis));
		goto cleanup;
	}
	si = sk_CMS_SignerInfo_value(sis, 0);
	res = calloc(1, sizeof(*res));
	if (res == NULL || (res->others = cv_certs_new()) == NULL) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	ret = check_digest(si, flags, res->digest, sizeof(res->digest), e);
	if (ret != 0)
		goto cleanup;
	ret = check_content_type_attr(cms, si, e);
	if (ret != 0)
		goto cleanup;
	if (certs == NULL)
		certs = CMS_get1_certs(cms);
	for (i = 0; i < sk_X509_num(certs); i++) {
		X509 *x = sk_X509_value(certs, i);

		if (signer == NULL && CMS_SignerInfo_cert_cmp(si, x) == 0) {
			signer = x;
			continue;
		}
		c = cv_cert_wrap(x);
		if (c == NULL || cv_certs_add(res->others, c) != 0) {
			cv_cert_free(c);
			ret = kerr_set(e, KDC_ERR_PREAUTH_FAILED, "SignedData "
			    "carries too many certificates");
			goto cleanup;
		}
		cv_cert_free(c);
	}
	if (signer == NULL) {
		ret = kerr_set(e, KDC_ERR_CANT_VERIFY_CERTIFICATE,
		    "SignedData does not include the signer's certificate");
		goto cleanup;
	}
	res->signer = cv_cert_wrap(signer);
	bout = BIO_new(BIO_s_mem());
	if (res->signer == NULL || bout == NULL) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	/* The certificate path is checked separately (cv_verify). */
	if (CMS_verify(cms, certs, NULL, NULL, bout,
	    CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) != 1) {
		ret = kerr_set(e, KDC_ERR_INVALID_SIG, "certificate '%s': "
		    "SignedData signature does not verify: %s",
		    cv_cert_subject(res->signer), ossl_reason());
		goto cleanup;
	}
	BIO_get_mem_ptr(bout, &mem);
	res->content_len = mem->length;
	res->content = malloc(mem->length > 0 ? mem->length : 1);
	if (res->content == NULL) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	memcpy(res->content, mem->data, mem->length);
	*out = res;
	res = NULL;
	ret = 0;
cleanup:
	ERR_pop_to_mark();
	BIO_free(bout);
	sk_X509_pop_free(certs, X509_free);
	CMS_ContentInfo_free(cms);
	free(bare);
	pk_signed_free(res);
	return ret;
}

static kerr_t
cms_to_der(CMS_ContentInfo *cms, uint8_t **der_out, size_t *len_out,
    struct kerr *e)
{
	unsigned char *der = NULL;
	uint8_t *p;
	int n;

	n = i2d_CMS_ContentInfo(cms, &der);
	if (n <= 0)
		return kerr_set(e, KRB_ERR_GENERIC, "cannot encode CMS: %s",
		    ossl_reason());
	p = malloc((size_t)n);
	if (p == NULL) {
		OPENSSL_free(der);
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	}
	memcpy(p, der, (size_t)n);
	OPENSSL_free(der);
	*der_out = p;
	*len_out = (size_t)n;
	return 0;
}

/* A SignedData made by OpenSSL's CMS code from start to end. */
static kerr_t
openssl_sign(const struct pk_identity *id, enum pk_cms_content type,
    const uint8_t *content, size_t len, uint8_t **der_out, size_t *len_out,
    struct kerr *e)
{
	CMS_ContentInfo *cms = NULL;
	ASN1_OBJECT *ctype = NULL;
	BIO *in = NULL;
	const struct cv_certs *chain;
	const unsigned int fl = CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;
	size_t i;
	kerr_t ret = KRB_ERR_GENERIC;

	ERR_set_mark();
	if (len > PK_CMS_MAX_IN) {
		kerr_set(e, ret, "content too large to sign");
		goto cleanup;
	}
	in = BIO_new_mem_buf(content, (int)len);
	ctype = OBJ_txt2obj(content_oid(type), 1);
	cms = CMS_sign(NULL, NULL, NULL, NULL, fl);
	if (in == NULL || ctype == NULL || cms == NULL ||
	    !CMS_set1_eContentType(cms, ctype)) {
		kerr_set(e, ret, "cannot set up SignedData: %s", ossl_reason());
		goto cleanup;
	}
	/* Signed attributes carry contentType = eContentType (RFC 5652
	 * section 11.1), which clients check. */
	if (CMS_add1_signer(cms, pk_identity_x509(id), pk_identity_key(id),
	    EVP_sha256(), fl) == NULL) {
		kerr_set(e, ret, "cannot add KDC signer: %s", ossl_reason());
		goto cleanup;
	}
	chain = pk_identity_chain(id);
	for (i = 0; i < cv_certs_count(chain); i++) {
		if (!CMS_add1_cert(cms, cv_cert_x509(cv_certs_get(chain, i)))) {
			kerr_set(e, ret, "cannot add chain certificate");
			goto cleanup;
		}
	}
	if (!CMS_final(cms, in, NULL, CMS_BINARY)) {
		kerr_set(e, ret, "cannot sign reply: %s", ossl_reason());
		goto cleanup;
	}
	ret = cms_to_der(cms, der_out, len_out, e);
cleanup:
	ERR_pop_to_mark();
	ASN1_OBJECT_free(ctype);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	return ret;
}

int
pk_cms_tmpl_in_use(const struct pk_identity *id, enum pk_cms_content type)
{
	struct pk_sign_tmpl **slot = pk_identity_tmpl(id, type);

	return slot != NULL && pk_sign_tmpl_usable(*slot);
}

kerr_t
pk_cms_sign(const struct pk_identity *id, enum pk_cms_content type,
    const uint8_t *content, size_t len, uint8_t **der_out, size_t *len_out,
    struct kerr *e)
{
	struct pk_sign_tmpl **slot = pk_identity_tmpl(id, type);
	kerr_t ret;

	if (len > PK_CMS_MAX_IN)
		return kerr_set(e, KRB_ERR_GENERIC,
		    "content too large to sign");
	if (slot != NULL && pk_sign_tmpl_usable(*slot)) {
		ERR_set_mark();
		ret = pk_sign_tmpl_sign(*slot, content, len, der_out, len_out,
		    e);
		ERR_pop_to_mark();
		if (ret == 0)
			return 0;
	}
	ret = openssl_sign(id, type, content, len, der_out, len_out, e);
	if (ret == 0 && slot != NULL && *slot == NULL) {
		ERR_set_mark();
		*slot = pk_sign_tmpl_make(pk_identity_key(id), *der_out,
		    *len_out, content, len);
		ERR_pop_to_mark();
	}
	return ret;
}

/*
 * The content octets of a ContentInfo of SignedData:
 * ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY }.
 */
static int
signed_data_inner(const uint8_t *ci, size_t len, const uint8_t **inner,
    size_t *inner_len)
{
	const unsigned char *p = ci, *end = ci + len, *q;
	long l;
	int tag, cls, r;
	ASN1_OBJECT *obj = NULL;
	int ok;

	r = ASN1_get_object(&p, &l, &tag, &cls, (long)len);
	if ((r & 0x80) || tag != V_ASN1_SEQUENCE || p + l != end)
		return -1;
	q = p;
	obj = d2i_ASN1_OBJECT(NULL, &q, l);
	ok = obj != NULL && OBJ_obj2nid(obj) == NID_pkcs7_signed;
	ASN1_OBJECT_free(obj);
	if (!ok)
		return -1;
	p = q;
	r = ASN1_get_object(&p, &l, &tag, &cls, end - p);
	if ((r & 0x80) || cls != V_ASN1_CONTEXT_SPECIFIC || tag != 0 ||
	    p + l != end)
		return -1;
	*inner = p;
	*inner_len = (size_t)l;
	return 0;
}

kerr_t
pk_cms_envelope(const struct cv_cert *recipient, const uint8_t *signed_ci,
    size_t signed_ci_len, uint8_t **der_out, size_t *len_out, struct kerr *e)
{
	CMS_ContentInfo *cms = NULL;
	ASN1_OBJECT *ctype = NULL;
	BIO *in = NULL;
	EVP_PKEY *pub;
	const uint8_t *inner;
	size_t inner_len;
	const unsigned int fl = CMS_BINARY | CMS_PARTIAL;
	kerr_t ret = KRB_ERR_GENERIC;

	ERR_set_mark();
	pub = X509_get0_pubkey(cv_cert_x509(recipient));
	if (pub == NULL || EVP_PKEY_get_base_id(pub) != EVP_PKEY_RSA) {
		ret = kerr_set(e, KDC_ERR_PUBLIC_KEY_ENCRYPTION_NOT_SUPPORTED,
		    "certificate '%s': key transport needs an RSA key",
		    cv_cert_subject(recipient));
		goto cleanup;
	}
	if (signed_ci_len > PK_CMS_MAX_IN ||
	    signed_data_inner(signed_ci, signed_ci_len, &inner,
	    &inner_len) != 0) {
		kerr_set(e, ret, "content to envelope is not a SignedData "
		    "ContentInfo");
		goto cleanup;
	}
	in = BIO_new_mem_buf(inner, (int)inner_len);
	ctype = OBJ_nid2obj(NID_pkcs7_signed);
	cms = CMS_encrypt(NULL, NULL, EVP_aes_256_cbc(), fl);
	if (in == NULL || cms == NULL ||
	    CMS_add1_recipient_cert(cms, cv_cert_x509(recipient), fl) == NULL ||
	    !CMS_set1_eContentType(cms, ctype)) {
		kerr_set(e, ret, "cannot set up EnvelopedData: %s",
		    ossl_reason());
		goto cleanup;
	}
	if (!CMS_final(cms, in, NULL, CMS_BINARY)) {
		kerr_set(e, ret, "cannot encrypt reply: %s", ossl_reason());
		goto cleanup;
	}
	ret = cms_to_der(cms, der_out, len_out, e);
cleanup:
	ERR_pop_to_mark();
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	return ret;
}
