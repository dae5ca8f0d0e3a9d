/*
 * pk_cms_tmpl.c - producing PKINIT SignedData through a per-identity
 * template cut from OpenSSL's first signature (used by pk_cms_sign).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "pk_der.h"
#include "pk_priv.h"

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

int
pk_sign_tmpl_usable(const struct pk_sign_tmpl *t)
{
	return t != NULL && t->usable;
}

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

	if (pk_cms_der_next(*p, end, &tag, &hdr, &clen) != 0 || tag != want)
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

	if (pk_cms_der_next(*p, end, &tag, &hdr, &n) != 0 || tag != 0x30)
		return -1;
	a = *p + hdr;
	aend = a + n;
	*p = aend;
	if (take(base, &a, aend, 0x06, oid, NULL) != 0 ||
	    pk_cms_der_next(a, aend, &tag, &vhdr, &vlen) != 0 || tag != 0x31 ||
	    a + vhdr + vlen != aend)
		return -1;
	a += vhdr;
	if (pk_cms_der_next(a, aend, &tag, &hdr, &n) != 0 ||
	    a + hdr + n != aend)
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
 * into the same bytes, and its signature verifies the way pk_sign_tmpl_sign()
 * makes signatures.
 */
struct pk_sign_tmpl *
pk_sign_tmpl_make(EVP_PKEY *key, const uint8_t *der, size_t len,
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
	if (pk_cms_der_next(p, end, &tag, &hdr, &n) != 0 || tag != 0x30 ||
	    hdr + n != len)
		goto cleanup;
	p += hdr;
	if (take(t->der, &p, end, 0x06, &t->ci_type, NULL) != 0 ||
	    pk_cms_der_next(p, end, &tag, &hdr, &n) != 0 || tag != 0xa0 ||
	    p + hdr + n != end)
		goto cleanup;
	p += hdr;
	if (pk_cms_der_next(p, end, &tag, &hdr, &n) != 0 || tag != 0x30 ||
	    p + hdr + n != end)
		goto cleanup;
	p += hdr;
	if (take(t->der, &p, end, 0x02, &t->sd_version, NULL) != 0 ||
	    take(t->der, &p, end, 0x31, &t->digest_algs, NULL) != 0)
		goto cleanup;
	/* EncapsulatedContentInfo { eContentType, [0] { OCTET STRING } } */
	if (pk_cms_der_next(p, end, &tag, &hdr, &n) != 0 || tag != 0x30)
		goto cleanup;
	ce = p + hdr + n;
	p += hdr;
	if (take(t->der, &p, ce, 0x06, &t->ectype, NULL) != 0 ||
	    pk_cms_der_next(p, ce, &tag, &hdr, &n) != 0 || tag != 0xa0 ||
	    p + hdr + n != ce)
		goto cleanup;
	p += hdr;
	if (pk_cms_der_next(p, ce, &tag, &hdr, &n) != 0 || tag != 0x04 ||
	    p + hdr + n != ce || n != clen ||
	    (clen > 0 && memcmp(p + hdr, content, clen) != 0))
		goto cleanup;
	p = ce;
	if (p < end && *p == 0xa0 &&
	    take(t->der, &p, end, 0xa0, &t->certs, NULL) != 0)
		goto cleanup;
	/* No crls [1], and one SignerInfo in signerInfos. */
	if (pk_cms_der_next(p, end, &tag, &hdr, &n) != 0 || tag != 0x31 ||
	    p + hdr + n != end)
		goto cleanup;
	p += hdr;
	if (pk_cms_der_next(p, end, &tag, &hdr, &n) != 0 || tag != 0x30 ||
	    p + hdr + n != end)
		goto cleanup;
	p += hdr;
	if (take(t->der, &p, end, 0x02, &t->si_version, NULL) != 0 ||
	    pk_cms_der_next(p, end, &tag, &hdr, &n) != 0 ||
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
kerr_t
pk_sign_tmpl_sign(const struct pk_sign_tmpl *t, const uint8_t *content,
    size_t len, uint8_t **der_out, size_t *len_out, struct kerr *e)
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
		kerr_set(e, ret, "cannot sign reply through the template");
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
