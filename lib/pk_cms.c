/*
 * pk_cms.c - CMS SignedData verification and production and EnvelopedData
 * production for PKINIT, over OpenSSL's CMS implementation; repeated
 * signatures of one identity go through a template cut from OpenSSL's
 * first one (see "signing through a per-identity template").
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
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
 * one-octet identifier inside the bounds.
 */
static int
der_next(const uint8_t *p, const uint8_t *end, uint8_t *tag, size_t *hdr,
    size_t *clen)
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
	if (der_next(der, end, &tag, &hdr, &clen) != 0 || tag != 0x30 ||
	    hdr + clen != len)
		goto cleanup;
	p = der + hdr;
	if (der_next(p, end, &tag, &hdr, &clen) != 0 || tag != 0x06)
		goto cleanup;
	pk_der_raw(&d, p, hdr + clen);
	p += hdr + clen;
	at = d.len;
	/* content [0] EXPLICIT SignedData, the last thing in the message. */
	if (der_next(p, end, &tag, &hdr, &clen) != 0 || tag != 0xa0 ||
	    p + hdr + clen != end)
		goto cleanup;
	p += hdr;
	if (der_next(p, end, &tag, &hdr, &clen) != 0 || tag != 0x30 ||
	    p + hdr + clen != end)
		goto cleanup;
	for (p += hdr; p < end; p += hdr + clen) {
		if (der_next(p, end, &tag, &hdr, &clen) != 0)
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
			if (der_next(c, cend, &ctag, &chdr, &cclen) != 0 ||
			    ctag != 0x30 || sk_X509_num(certs) >= PK_CMS_MAX_CERTS)
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

/* ---- signing through a per-identity template ---- */

/*
 * OpenSSL's CMS signer builds the whole SignedData for every reply: it
 * copies the KDC certificate's issuer name into the SignerInfo, takes
 * references to the certificates, copies every attribute, fetches the
 * digest and signature algorithms by name and encodes all of it again.
 * Between two signatures of one identity and content type only the
 * content, its digest, the signing time and the signature change.  So the
 * first signature of each type is made by OpenSSL and cut into its fixed
 * parts, and later ones put those parts back around the new values.
 *
 * The template is only used when taking it apart and putting it back
 * together with its own time and signature gives OpenSSL's bytes exactly,
 * and its signed attributes are the three OpenSSL adds (contentType,
 * signingTime, messageDigest; RFC 5652 section 11); otherwise every
 * signature keeps going through OpenSSL.  The signature is computed the
 * way OpenSSL does: SHA-256 over the DER SET OF the attributes, then
 * PKCS #1 v1.5 (RSA) or ECDSA over that digest.
 */

struct span {
	size_t off, len;
};

struct pk_sign_tmpl {
	int usable;
	uint8_t *der;           /* the first signature; spans point into it */
	size_t der_len;
	struct span ci_type;    /* ContentInfo contentType (signedData) */
	struct span sd_version, digest_algs, ectype, certs;
	struct span si_version, sid, digest_alg, sig_alg;
	EVP_MD *md;             /* SHA-256, fetched once */
	EVP_PKEY_CTX *sctx;     /* signing context, initialised */
};

/* id-contentType, id-messageDigest, id-signingTime (RFC 5652 11.1-11.3) */
static const uint8_t oid_ctype_attr[] = { 0x06, 0x09, 0x2a, 0x86, 0x48,
	0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03 };
static const uint8_t oid_md_attr[] = { 0x06, 0x09, 0x2a, 0x86, 0x48,
	0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04 };
static const uint8_t oid_time_attr[] = { 0x06, 0x09, 0x2a, 0x86, 0x48,
	0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05 };

#define TMPL_MD_LEN 32          /* SHA-256 */
#define TMPL_MAX_SIG 1024       /* RSA-8192 or any ECDSA signature */

void
pk_sign_tmpl_free(struct pk_sign_tmpl *t)
{
	if (t == NULL)
		return;
	free(t->der);
	EVP_MD_free(t->md);
	EVP_PKEY_CTX_free(t->sctx);
	free(t);
}

/* The next TLV inside [*p, end) as a span of base; -1 if malformed. */
static int
take(const uint8_t *base, const uint8_t **p, const uint8_t *end,
    uint8_t want, struct span *sp, size_t *hdr_out)
{
	uint8_t tag;
	size_t hdr, clen;

	if (der_next(*p, end, &tag, &hdr, &clen) != 0 || tag != want)
		return -1;
	if (sp != NULL) {
		sp->off = (size_t)(*p - base);
		sp->len = hdr + clen;
	}
	if (hdr_out != NULL)
		*hdr_out = hdr;
	*p += hdr + clen;
	return 0;
}

/* DER order of two SET OF elements (X.690 11.6), as OpenSSL sorts them. */
static int
der_order(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	if (c != 0)
		return c;
	return al < bl ? -1 : al > bl;
}

/*
 * SignedAttributes as a DER SET OF (tag 0x31, what the signature covers):
 * contentType, signingTime and messageDigest, sorted.
 */
static int
make_attrs(const uint8_t *ectype, size_t ectype_len, const uint8_t *time_tlv,
    size_t time_len, const uint8_t md[TMPL_MD_LEN], struct pk_der *out)
{
	struct pk_der a[3];
	size_t i, j, order[3] = { 0, 1, 2 };
	int rc = -1;

	for (i = 0; i < 3; i++)
		pk_der_init(&a[i]);
	pk_der_raw(&a[0], oid_ctype_attr, sizeof(oid_ctype_attr));
	pk_der_raw(&a[0], ectype, ectype_len);
	pk_der_wrap(&a[0], sizeof(oid_ctype_attr), 0x31);
	pk_der_wrap(&a[0], 0, 0x30);
	pk_der_raw(&a[1], oid_time_attr, sizeof(oid_time_attr));
	pk_der_raw(&a[1], time_tlv, time_len);
	pk_der_wrap(&a[1], sizeof(oid_time_attr), 0x31);
	pk_der_wrap(&a[1], 0, 0x30);
	pk_der_raw(&a[2], oid_md_attr, sizeof(oid_md_attr));
	pk_der_tlv(&a[2], 0x04, md, TMPL_MD_LEN);
	pk_der_wrap(&a[2], sizeof(oid_md_attr), 0x31);
	pk_der_wrap(&a[2], 0, 0x30);
	for (i = 0; i < 3; i++)
		if (a[i].failed)
			goto cleanup;
	for (i = 1; i < 3; i++)
		for (j = i; j > 0 && der_order(a[order[j]].buf,
		    a[order[j]].len, a[order[j - 1]].buf,
		    a[order[j - 1]].len) < 0; j--) {
			size_t tmp = order[j];

			order[j] = order[j - 1];
			order[j - 1] = tmp;
		}
	for (i = 0; i < 3; i++)
		pk_der_raw(out, a[order[i]].buf, a[order[i]].len);
	pk_der_wrap(out, 0, 0x31);
	rc = out->failed ? -1 : 0;
cleanup:
	for (i = 0; i < 3; i++)
		pk_der_clear(&a[i]);
	return rc;
}

#define SPAN(t, s) ((t)->der + (t)->s.off), ((t)->s.len)

/*
 * ContentInfo of SignedData from the template's fixed parts, the content,
 * the attributes (as the SET that was signed) and the signature.
 */
static int
assemble(const struct pk_sign_tmpl *t, const uint8_t *content, size_t len,
    const struct pk_der *attrs, const uint8_t *sig, size_t siglen,
    uint8_t **der_out, size_t *len_out)
{
	struct pk_der d;
	size_t sd, at, si, x;

	pk_der_init(&d);
	pk_der_raw(&d, SPAN(t, ci_type));
	sd = d.len;
	pk_der_raw(&d, SPAN(t, sd_version));
	pk_der_raw(&d, SPAN(t, digest_algs));
	at = d.len;
	pk_der_raw(&d, SPAN(t, ectype));
	x = d.len;
	pk_der_tlv(&d, 0x04, content, len);
	pk_der_wrap(&d, x, 0xa0);
	pk_der_wrap(&d, at, 0x30);
	if (t->certs.len > 0)
		pk_der_raw(&d, SPAN(t, certs));
	at = d.len;
	si = d.len;
	pk_der_raw(&d, SPAN(t, si_version));
	pk_der_raw(&d, SPAN(t, sid));
	pk_der_raw(&d, SPAN(t, digest_alg));
	/* signedAttrs [0] IMPLICIT: the signed SET with its tag changed. */
	if (attrs->len > 0) {
		size_t a = d.len;

		pk_der_raw(&d, attrs->buf, attrs->len);
		if (!d.failed)
			d.buf[a] = 0xa0;
	}
	pk_der_raw(&d, SPAN(t, sig_alg));
	pk_der_tlv(&d, 0x04, sig, siglen);
	pk_der_wrap(&d, si, 0x30);
	pk_der_wrap(&d, at, 0x31);
	pk_der_wrap(&d, sd, 0x30);
	pk_der_wrap(&d, sd, 0xa0);
	pk_der_wrap(&d, 0, 0x30);
	return pk_der_take(&d, der_out, len_out);
}

/* SigningTime as OpenSSL writes it: UTCTime through 2049, then
 * GeneralizedTime (RFC 5652 section 11.3). */
static size_t
signing_time(uint8_t out[20])
{
	time_t now = time(NULL);
	struct tm tm;
	char s[20];
	int n, year;

	if (gmtime_r(&now, &tm) == NULL)
		return 0;
	year = tm.tm_year + 1900;
	if (year >= 1950 && year < 2050)
		n = snprintf(s, sizeof(s), "%02d%02d%02d%02d%02d%02dZ",
		    year % 100, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
	else
		n = snprintf(s, sizeof(s), "%04d%02d%02d%02d%02d%02dZ", year,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		    tm.tm_sec);
	if (n != 13 && n != 15)
		return 0;
	out[0] = n == 13 ? 0x17 : 0x18;
	out[1] = (uint8_t)n;
	memcpy(out + 2, s, (size_t)n);
	return (size_t)n + 2;
}

/*
 * One signed attribute at *p: its OID and its single value, as spans.
 */
static int
take_attr(const uint8_t *base, const uint8_t **p, const uint8_t *end,
    struct span *oid, struct span *val)
{
	const uint8_t *a, *aend;
	uint8_t tag;
	size_t hdr, n, vhdr, vlen;

	if (der_next(*p, end, &tag, &hdr, &n) != 0 || tag != 0x30)
		return -1;
	a = *p + hdr;
	aend = a + n;
	*p = aend;
	if (take(base, &a, aend, 0x06, oid, NULL) != 0 ||
	    der_next(a, aend, &tag, &vhdr, &vlen) != 0 || tag != 0x31 ||
	    a + vhdr + vlen != aend)
		return -1;
	a += vhdr;
	if (der_next(a, aend, &tag, &hdr, &n) != 0 || a + hdr + n != aend)
		return -1;
	val->off = (size_t)(a - base);
	val->len = hdr + n;
	return 0;
}

static int
span_is(const struct pk_sign_tmpl *t, const struct span *s, const void *v,
    size_t len)
{
	return s->len == len && memcmp(t->der + s->off, v, len) == 0;
}

/*
 * Cut OpenSSL's SignedData (der, made over content with key) into a
 * template.  The result is NULL only when out of memory; it is marked
 * usable only when the message has the expected shape, goes back together
 * into the same bytes, and its signature verifies the way tmpl_sign()
 * makes signatures.
 */
static struct pk_sign_tmpl *
tmpl_make(EVP_PKEY *key, const uint8_t *der, size_t len,
    const uint8_t *content, size_t clen)
{
	struct pk_sign_tmpl *t;
	const uint8_t *p, *end, *ce, *ap, *aend;
	struct span attrs, sig, oid, val, time_val = { 0, 0 };
	struct pk_der ad;
	uint8_t md[TMPL_MD_LEN], amd[TMPL_MD_LEN], *back = NULL;
	size_t hdr, sighdr, n, back_len = 0;
	EVP_PKEY_CTX *vctx = NULL;
	uint8_t tag;
	int seen = 0, type;

	pk_der_init(&ad);
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->der = malloc(len > 0 ? len : 1);
	if (t->der == NULL) {
		free(t);
		return NULL;
	}
	memcpy(t->der, der, len);
	t->der_len = len;
	end = t->der + len;
	type = EVP_PKEY_get_base_id(key);
	if (type != EVP_PKEY_RSA && type != EVP_PKEY_EC)
		goto cleanup;
	/* ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT SignedData } */
	p = t->der;
	if (der_next(p, end, &tag, &hdr, &n) != 0 || tag != 0x30 ||
	    hdr + n != len)
		goto cleanup;
	p += hdr;
	if (take(t->der, &p, end, 0x06, &t->ci_type, NULL) != 0 ||
	    der_next(p, end, &tag, &hdr, &n) != 0 || tag != 0xa0 ||
	    p + hdr + n != end)
		goto cleanup;
	p += hdr;
	if (der_next(p, end, &tag, &hdr, &n) != 0 || tag != 0x30 ||
	    p + hdr + n != end)
		goto cleanup;
	p += hdr;
	if (take(t->der, &p, end, 0x02, &t->sd_version, NULL) != 0 ||
	    take(t->der, &p, end, 0x31, &t->digest_algs, NULL) != 0)
		goto cleanup;
	/* EncapsulatedContentInfo { eContentType, [0] { OCTET STRING } } */
	if (der_next(p, end, &tag, &hdr, &n) != 0 || tag != 0x30)
		goto cleanup;
	ce = p + hdr + n;
	p += hdr;
	if (take(t->der, &p, ce, 0x06, &t->ectype, NULL) != 0 ||
	    der_next(p, ce, &tag, &hdr, &n) != 0 || tag != 0xa0 ||
	    p + hdr + n != ce)
		goto cleanup;
	p += hdr;
	if (der_next(p, ce, &tag, &hdr, &n) != 0 || tag != 0x04 ||
	    p + hdr + n != ce || n != clen ||
	    (clen > 0 && memcmp(p + hdr, content, clen) != 0))
		goto cleanup;
	p = ce;
	if (p < end && *p == 0xa0 &&
	    take(t->der, &p, end, 0xa0, &t->certs, NULL) != 0)
		goto cleanup;
	/* No crls [1], and one SignerInfo in signerInfos. */
	if (der_next(p, end, &tag, &hdr, &n) != 0 || tag != 0x31 ||
	    p + hdr + n != end)
		goto cleanup;
	p += hdr;
	if (der_next(p, end, &tag, &hdr, &n) != 0 || tag != 0x30 ||
	    p + hdr + n != end)
		goto cleanup;
	p += hdr;
	if (take(t->der, &p, end, 0x02, &t->si_version, NULL) != 0 ||
	    der_next(p, end, &tag, &hdr, &n) != 0 ||
	    (tag != 0x30 && tag != 0x80))
		goto cleanup;
	t->sid.off = (size_t)(p - t->der);
	t->sid.len = hdr + n;
	p += hdr + n;
	if (take(t->der, &p, end, 0x30, &t->digest_alg, NULL) != 0 ||
	    take(t->der, &p, end, 0xa0, &attrs, &hdr) != 0 ||
	    take(t->der, &p, end, 0x30, &t->sig_alg, NULL) != 0 ||
	    take(t->der, &p, end, 0x04, &sig, &sighdr) != 0 || p != end)
		goto cleanup;
	/* Exactly contentType (= eContentType), signingTime and
	 * messageDigest (= SHA-256 of the content). */
	t->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (t->md == NULL ||
	    !EVP_Digest(content, clen, md, NULL, t->md, NULL))
		goto cleanup;
	ap = t->der + attrs.off + hdr;
	aend = t->der + attrs.off + attrs.len;
	for (; ap < aend; seen++) {
		if (take_attr(t->der, &ap, aend, &oid, &val) != 0)
			goto cleanup;
		if (span_is(t, &oid, oid_ctype_attr, sizeof(oid_ctype_attr))) {
			if (!span_is(t, &val, t->der + t->ectype.off,
			    t->ectype.len))
				goto cleanup;
		} else if (span_is(t, &oid, oid_time_attr,
		    sizeof(oid_time_attr))) {
			tag = t->der[val.off];
			if (tag != 0x17 && tag != 0x18)
				goto cleanup;
			time_val = val;
		} else if (span_is(t, &oid, oid_md_attr, sizeof(oid_md_attr))) {
			if (val.len != 2 + TMPL_MD_LEN ||
			    t->der[val.off] != 0x04 ||
			    memcmp(t->der + val.off + 2, md, TMPL_MD_LEN) != 0)
				goto cleanup;
		} else {
			goto cleanup;
		}
	}
	if (seen != 3 || time_val.len == 0)
		goto cleanup;
	/* Put back together: the same bytes, or no template. */
	if (make_attrs(t->der + t->ectype.off, t->ectype.len,
	    t->der + time_val.off, time_val.len, md, &ad) != 0 ||
	    ad.len != attrs.len ||
	    memcmp(ad.buf + 1, t->der + attrs.off + 1, ad.len - 1) != 0 ||
	    assemble(t, content, clen, &ad, t->der + sig.off + sighdr,
	    sig.len - sighdr, &back, &back_len) != 0 ||
	    back_len != len || memcmp(back, der, len) != 0)
		goto cleanup;
	/* OpenSSL's signature is ours: RSA PKCS #1 v1.5 or ECDSA over
	 * SHA-256 of the attribute SET. */
	if (!EVP_Digest(ad.buf, ad.len, amd, NULL, t->md, NULL))
		goto cleanup;
	vctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	t->sctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (vctx == NULL || t->sctx == NULL ||
	    EVP_PKEY_verify_init(vctx) <= 0 ||
	    EVP_PKEY_CTX_set_signature_md(vctx, t->md) <= 0 ||
	    (type == EVP_PKEY_RSA &&
	    EVP_PKEY_CTX_set_rsa_padding(vctx, RSA_PKCS1_PADDING) <= 0) ||
	    EVP_PKEY_verify(vctx, t->der + sig.off + sighdr, sig.len - sighdr,
	    amd, sizeof(amd)) != 1)
		goto cleanup;
	if (EVP_PKEY_sign_init(t->sctx) <= 0 ||
	    EVP_PKEY_CTX_set_signature_md(t->sctx, t->md) <= 0 ||
	    (type == EVP_PKEY_RSA &&
	    EVP_PKEY_CTX_set_rsa_padding(t->sctx, RSA_PKCS1_PADDING) <= 0))
		goto cleanup;
	t->usable = 1;
cleanup:
	free(back);
	pk_der_clear(&ad);
	EVP_PKEY_CTX_free(vctx);
	if (!t->usable) {
		EVP_PKEY_CTX_free(t->sctx);
		t->sctx = NULL;
	}
	return t;
}

/* A new signature through a usable template. */
static kerr_t
tmpl_sign(const struct pk_sign_tmpl *t, const uint8_t *content, size_t len,
    uint8_t **der_out, size_t *len_out, struct kerr *e)
{
	uint8_t md[TMPL_MD_LEN], amd[TMPL_MD_LEN], tv[20], sig[TMPL_MAX_SIG];
	size_t tlen, siglen = sizeof(sig);
	struct pk_der ad;
	kerr_t ret = KRB_ERR_GENERIC;

	pk_der_init(&ad);
	tlen = signing_time(tv);
	if (tlen == 0 || !EVP_Digest(content, len, md, NULL, t->md, NULL) ||
	    make_attrs(t->der + t->ectype.off, t->ectype.len, tv, tlen, md,
	    &ad) != 0 ||
	    !EVP_Digest(ad.buf, ad.len, amd, NULL, t->md, NULL) ||
	    EVP_PKEY_sign(t->sctx, sig, &siglen, amd, sizeof(amd)) <= 0) {
		kerr_set(e, ret, "cannot sign reply: %s", ossl_reason());
		goto cleanup;
	}
	if (assemble(t, content, len, &ad, sig, siglen, der_out,
	    len_out) != 0) {
		kerr_set(e, ret, "cannot encode the signed reply");
		goto cleanup;
	}
	ret = 0;
cleanup:
	pk_der_clear(&ad);
	return ret;
}

int
pk_cms_tmpl_in_use(const struct pk_identity *id, enum pk_cms_content type)
{
	struct pk_sign_tmpl **slot = pk_identity_tmpl(id, type);

	return slot != NULL && *slot != NULL && (*slot)->usable;
}

kerr_t
pk_cms_sign(const struct pk_identity *id, enum pk_cms_content type,
    const uint8_t *content, size_t len, uint8_t **der_out, size_t *len_out,
    struct kerr *e)
{
	struct pk_sign_tmpl **slot = pk_identity_tmpl(id, type);
	kerr_t ret;

	if (len > PK_CMS_MAX_IN)
		return kerr_set(e, KRB_ERR_GENERIC, "content too large to sign");
	if (slot != NULL && *slot != NULL && (*slot)->usable) {
		ERR_set_mark();
		ret = tmpl_sign(*slot, content, len, der_out, len_out, e);
		ERR_pop_to_mark();
		if (ret == 0)
			return 0;
	}
	ret = openssl_sign(id, type, content, len, der_out, len_out, e);
	if (ret == 0 && slot != NULL && *slot == NULL) {
		ERR_set_mark();
		*slot = tmpl_make(pk_identity_key(id), *der_out, *len_out,
		    content, len);
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
