/*
 * cv_cert.c - opaque X.509 certificates with cached, log-ready accessors
 * and subjectAltName extraction (UPN, id-pkinit-san, dNSName, rfc822Name).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cv_priv.h"

/*
 * References are counted without atomics: certificates belong to the
 * single event-loop thread.
 */
struct cv_cert {
	unsigned int refs;
	X509 *x;
	uint8_t *der;
	size_t der_len;
	uint8_t *spki;
	size_t spki_len;
	char *subject;
	char *issuer;
	char *serial;
	char sha1[41];
	uint8_t sha256[CV_CERT_SHA256_LEN];
	int64_t not_before;
	int64_t not_after;
	/* cv_cert_set_memo: not part of the certificate's value, so set
	 * through a const pointer. */
	const void *memo_key;
	void *memo;
	void (*memo_free)(void *);
};

struct cv_certs {
	size_t n;
	struct cv_cert *v[CV_CERTS_MAX];
};

/*
 * The live wrapper of an X509, kept in the X509's ex_data (a pointer that
 * holds no reference; cv_cert_free clears it).  While a wrapper lives,
 * wrapping the same X509 again returns it instead of rebuilding the
 * names, serial and digests: certificates from the parse cache
 * (cv_cache.c) keep theirs, so a certificate seen before costs nothing.
 * -1 until first use; allocated once per process.
 */
static int wrap_idx = -1;

/* Certificate requests bigger than this are not certificates we want. */
#define CV_CERT_MAX_DER (64 * 1024)

static char *
name_string(const X509_NAME *name)
{
	BIO *b;
	BUF_MEM *mem;
	char *s = NULL;

	b = BIO_new(BIO_s_mem());
	if (b == NULL)
		return NULL;
	/* RFC 2253 order and escaping, but keep UTF-8 readable. */
	if (X509_NAME_print_ex(b, name, 0,
	    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		BIO_get_mem_ptr(b, &mem);
		s = malloc(mem->length + 1);
		if (s != NULL) {
			memcpy(s, mem->data, mem->length);
			s[mem->length] = '\0';
		}
	}
	BIO_free(b);
	return s;
}

static int64_t
asn1_time_epoch(const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return (int64_t)timegm(&tm);
}

static void
hex(const uint8_t *p, size_t n, char *out, int upper)
{
	static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
	const char *d = upper ? up : lo;
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static char *
serial_string(const X509 *x)
{
	const ASN1_INTEGER *sn = X509_get0_serialNumber(x);
	char *s;

	s = malloc((size_t)sn->length * 2 + 2);
	if (s == NULL)
		return NULL;
	if (sn->type == V_ASN1_NEG_INTEGER) {
		s[0] = '-';
		hex(sn->data, (size_t)sn->length, s + 1, 1);
	} else {
		hex(sn->data, (size_t)sn->length, s, 1);
	}
	return s;
}

void
cv_cert_free(struct cv_cert *c)
{
	if (c == NULL || --c->refs > 0)
		return;
	if (c->x != NULL && wrap_idx >= 0 &&
	    X509_get_ex_data(c->x, wrap_idx) == c)
		(void)X509_set_ex_data(c->x, wrap_idx, NULL);
	if (c->memo_free != NULL)
		c->memo_free(c->memo);
	X509_free(c->x);
	OPENSSL_free(c->der);
	OPENSSL_free(c->spki);
	free(c->subject);
	free(c->issuer);
	free(c->serial);
	free(c);
}

struct cv_cert *
cv_cert_ref(struct cv_cert *c)
{
	if (c != NULL)
		c->refs++;
	return c;
}

struct cv_cert *
cv_cert_wrap(X509 *x)
{
	struct cv_cert *c;
	unsigned char *der = NULL, *spki = NULL;
	uint8_t md[20];
	unsigned int mdlen = 0;
	int n;

	if (wrap_idx < 0)
		wrap_idx = X509_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	if (wrap_idx >= 0 && (c = X509_get_ex_data(x, wrap_idx)) != NULL)
		return cv_cert_ref(c);
	c = calloc(1, sizeof(*c));
	if (c == NULL || !X509_up_ref(x)) {
		free(c);
		return NULL;
	}
	c->refs = 1;
	c->x = x;
	n = i2d_X509(x, &der);
	if (n <= 0)
		goto fail;
	c->der = der;
	c->der_len = (size_t)n;
	n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &spki);
	if (n <= 0)
		goto fail;
	c->spki = spki;
	c->spki_len = (size_t)n;
	c->subject = name_string(X509_get_subject_name(x));
	c->issuer = name_string(X509_get_issuer_name(x));
	c->serial = serial_string(x);
	if (c->subject == NULL || c->issuer == NULL || c->serial == NULL)
		goto fail;
	if (!EVP_Digest(c->der, c->der_len, md, &mdlen, EVP_sha1(), NULL) ||
	    mdlen != sizeof(md))
		goto fail;
	hex(md, sizeof(md), c->sha1, 0);
	if (!EVP_Digest(c->der, c->der_len, c->sha256, &mdlen, EVP_sha256(),
	    NULL) || mdlen != sizeof(c->sha256))
		goto fail;
	c->not_before = asn1_time_epoch(X509_get0_notBefore(x));
	c->not_after = asn1_time_epoch(X509_get0_notAfter(x));
	/* Not remembered on failure: the wrapper is then made per call. */
	if (wrap_idx >= 0)
		(void)X509_set_ex_data(x, wrap_idx, c);
	return c;
fail:
	cv_cert_free(c);
	return NULL;
}

X509 *
cv_cert_x509(const struct cv_cert *c)
{
	return c->x;
}

kerr_t
cv_cert_from_der(const uint8_t *der, size_t len, struct cv_cert **out,
    struct kerr *e)
{
	const unsigned char *p = der;
	X509 *x;
	struct cv_cert *c;

	if (len == 0 || len > CV_CERT_MAX_DER)
		return kerr_set(e, KDC_ERR_INVALID_CERTIFICATE,
		    "certificate of %zu bytes refused", len);
	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL || p != der + len) {
		X509_free(x);
		return kerr_set(e, KDC_ERR_INVALID_CERTIFICATE,
		    "certificate does not decode as DER X.509");
	}
	c = cv_cert_wrap(x);
	X509_free(x);
	if (c == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	*out = c;
	return 0;
}

kerr_t
cv_cert_from_file(const char *path, struct cv_cert **out, struct kerr *e)
{
	BIO *b;
	X509 *x;
	struct cv_cert *c;

	b = BIO_new_file(path, "rb");
	if (b == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "cannot open %s", path);
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	if (x == NULL) {
		(void)BIO_reset(b);
		x = d2i_X509_bio(b, NULL);
	}
	BIO_free(b);
	if (x == NULL)
		return kerr_set(e, KRB_ERR_GENERIC,
		    "%s holds no PEM or DER certificate", path);
	c = cv_cert_wrap(x);
	X509_free(x);
	if (c == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	*out = c;
	return 0;
}

const uint8_t *
cv_cert_der(const struct cv_cert *c, size_t *len_out)
{
	*len_out = c->der_len;
	return c->der;
}

const char *
cv_cert_subject(const struct cv_cert *c)
{
	return c->subject;
}

const char *
cv_cert_issuer(const struct cv_cert *c)
{
	return c->issuer;
}

const char *
cv_cert_serial_hex(const struct cv_cert *c)
{
	return c->serial;
}

const char *
cv_cert_sha1_hex(const struct cv_cert *c)
{
	return c->sha1;
}

const uint8_t *
cv_cert_sha256(const struct cv_cert *c)
{
	return c->sha256;
}

int64_t
cv_cert_not_before(const struct cv_cert *c)
{
	return c->not_before;
}

int64_t
cv_cert_not_after(const struct cv_cert *c)
{
	return c->not_after;
}

const uint8_t *
cv_cert_ski(const struct cv_cert *c, size_t *len_out)
{
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(c->x);

	if (ski == NULL) {
		*len_out = 0;
		return NULL;
	}
	*len_out = (size_t)ski->length;
	return ski->data;
}

const uint8_t *
cv_cert_spki(const struct cv_cert *c, size_t *len_out)
{
	*len_out = c->spki_len;
	return c->spki;
}

void *
cv_cert_memo(const struct cv_cert *c, const void *key)
{
	return c->memo_key == key ? c->memo : NULL;
}

int
cv_cert_set_memo(const struct cv_cert *c, const void *key, void *obj,
    void (*free_fn)(void *))
{
	struct cv_cert *m = (struct cv_cert *)c;

	if (m->memo_key != NULL || key == NULL)
		return -1;
	m->memo_key = key;
	m->memo = obj;
	m->memo_free = free_fn;
	return 0;
}

void
cv_blobs_free(struct cv_blobs *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++)
		free(b->v[i].data);
	free(b->v);
	free(b);
}

static int
blobs_add(struct cv_blobs *b, const uint8_t *p, size_t n)
{
	struct cv_blob *nv;
	uint8_t *d;

	nv = realloc(b->v, (b->n + 1) * sizeof(*nv));
	if (nv == NULL)
		return -1;
	b->v = nv;
	d = malloc(n + 1);
	if (d == NULL)
		return -1;
	if (n > 0)
		memcpy(d, p, n);
	d[n] = '\0';
	b->v[b->n].data = d;
	b->v[b->n].len = n;
	b->n++;
	return 0;
}

/* OIDs of the otherName forms we read. */
#define OID_UPN "1.3.6.1.4.1.311.20.2.3"
#define OID_PKINIT_SAN "1.3.6.1.5.2.2"

static int
other_name_is(const OTHERNAME *on, const char *oid)
{
	char buf[64];

	if (OBJ_obj2txt(buf, sizeof(buf), on->type_id, 1) <= 0)
		return 0;
	return strcmp(buf, oid) == 0;
}

kerr_t
cv_cert_sans(const struct cv_cert *c, enum cv_san_kind kind,
    struct cv_blobs **out, struct kerr *e)
{
	GENERAL_NAMES *gens = NULL;
	const GENERAL_NAME *gn;
	const ASN1_STRING *str;
	struct cv_blobs *b;
	unsigned char *der = NULL;
	int crit = 0, i, n;
	kerr_t ret = KDC_ERR_INVALID_CERTIFICATE;

	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	gens = X509_get_ext_d2i(c->x, NID_subject_alt_name, &crit, NULL);
	if (gens == NULL && crit != -1) {
		/* -2: repeated extension; >= 0: present but undecodable. */
		kerr_set(e, ret, "certificate '%s': malformed subjectAltName",
		    c->subject);
		goto cleanup;
	}
	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		gn = sk_GENERAL_NAME_value(gens, i);
		str = NULL;
		switch (kind) {
		case CV_SAN_UPN:
			if (gn->type != GEN_OTHERNAME ||
			    !other_name_is(gn->d.otherName, OID_UPN))
				continue;
			if (gn->d.otherName->value->type != V_ASN1_UTF8STRING) {
				kerr_set(e, ret, "certificate '%s': UPN SAN is "
				    "not a UTF8String", c->subject);
				goto cleanup;
			}
			str = gn->d.otherName->value->value.utf8string;
			break;
		case CV_SAN_PKINIT:
			if (gn->type != GEN_OTHERNAME ||
			    !other_name_is(gn->d.otherName, OID_PKINIT_SAN))
				continue;
			/* Keep the KRB5PrincipalName DER for the ASN.1 layer. */
			n = i2d_ASN1_TYPE(gn->d.otherName->value, &der);
			if (n <= 0 || blobs_add(b, der, (size_t)n) != 0) {
				kerr_set(e, KRB_ERR_GENERIC, "out of memory");
				ret = KRB_ERR_GENERIC;
				goto cleanup;
			}
			OPENSSL_free(der);
			der = NULL;
			continue;
		case CV_SAN_DNS:
			if (gn->type != GEN_DNS)
				continue;
			str = gn->d.dNSName;
			break;
		case CV_SAN_EMAIL:
			if (gn->type != GEN_EMAIL)
				continue;
			str = gn->d.rfc822Name;
			break;
		case CV_SAN_URI:
			if (gn->type != GEN_URI)
				continue;
			str = gn->d.uniformResourceIdentifier;
			break;
		}
		if (str == NULL)
			continue;
		if (memchr(str->data, '\0', (size_t)str->length) != NULL) {
			kerr_set(e, ret, "certificate '%s': subjectAltName "
			    "value contains a NUL byte", c->subject);
			goto cleanup;
		}
		if (blobs_add(b, str->data, (size_t)str->length) != 0) {
			kerr_set(e, KRB_ERR_GENERIC, "out of memory");
			ret = KRB_ERR_GENERIC;
			goto cleanup;
		}
	}
	*out = b;
	b = NULL;
	ret = 0;
cleanup:
	OPENSSL_free(der);
	GENERAL_NAMES_free(gens);
	cv_blobs_free(b);
	return ret;
}

#define OID_SID_EXT "1.3.6.1.4.1.311.25.2"
#define OID_SID_NAME "1.3.6.1.4.1.311.25.2.1"

/* "S-1-" followed by digits and dashes, as a SID string is written. */
static int
sid_text_ok(const unsigned char *p, size_t n)
{
	size_t i;

	if (n < 5 || n > 184 || memcmp(p, "S-1-", 4) != 0)
		return 0;
	for (i = 4; i < n; i++) {
		if ((p[i] < '0' || p[i] > '9') && p[i] != '-')
			return 0;
	}
	return p[n - 1] != '-';
}

kerr_t
cv_cert_sid_ext(const struct cv_cert *c, char **sid_out, struct kerr *e)
{
	const X509_EXTENSION *ext = NULL;
	const ASN1_OCTET_STRING *os;
	GENERAL_NAMES *gens = NULL;
	const GENERAL_NAME *gn;
	const ASN1_TYPE *v;
	const unsigned char *p;
	ASN1_OBJECT *oid;
	char *sid;
	int idx;
	kerr_t ret = KDC_ERR_INVALID_CERTIFICATE;

	oid = OBJ_txt2obj(OID_SID_EXT, 1);
	if (oid == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	idx = X509_get_ext_by_OBJ(c->x, oid, -1);
	if (idx >= 0 && X509_get_ext_by_OBJ(c->x, oid, idx) >= 0) {
		ASN1_OBJECT_free(oid);
		return kerr_set(e, ret, "certificate '%s': repeated SID "
		    "extension", c->subject);
	}
	ASN1_OBJECT_free(oid);
	if (idx < 0) {
		*sid_out = NULL;         /* absent: not an error */
		return 0;
	}
	ext = X509_get_ext(c->x, idx);
	os = X509_EXTENSION_get_data((X509_EXTENSION *)ext);
	p = os->data;
	gens = d2i_GENERAL_NAMES(NULL, &p, os->length);
	if (gens == NULL || p != os->data + os->length ||
	    sk_GENERAL_NAME_num(gens) != 1) {
		kerr_set(e, ret, "certificate '%s': SID extension is not one "
		    "GeneralName", c->subject);
		goto cleanup;
	}
	gn = sk_GENERAL_NAME_value(gens, 0);
	if (gn->type != GEN_OTHERNAME ||
	    !other_name_is(gn->d.otherName, OID_SID_NAME)) {
		kerr_set(e, ret, "certificate '%s': SID extension does not hold "
		    "an otherName %s", c->subject, OID_SID_NAME);
		goto cleanup;
	}
	v = gn->d.otherName->value;
	if (v == NULL || v->type != V_ASN1_OCTET_STRING ||
	    !sid_text_ok(v->value.octet_string->data,
	    (size_t)v->value.octet_string->length)) {
		kerr_set(e, ret, "certificate '%s': SID extension value is not "
		    "a SID string", c->subject);
		goto cleanup;
	}
	sid = strndup((const char *)v->value.octet_string->data,
	    (size_t)v->value.octet_string->length);
	if (sid == NULL) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	*sid_out = sid;
	ret = 0;
cleanup:
	GENERAL_NAMES_free(gens);
	return ret;
}

struct cv_certs *
cv_certs_new(void)
{
	return calloc(1, sizeof(struct cv_certs));
}

void
cv_certs_free(struct cv_certs *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		cv_cert_free(l->v[i]);
	free(l);
}

int
cv_certs_add(struct cv_certs *l, struct cv_cert *c)
{
	if (l->n >= CV_CERTS_MAX)
		return -1;
	l->v[l->n++] = cv_cert_ref(c);
	return 0;
}

size_t
cv_certs_count(const struct cv_certs *l)
{
	return l == NULL ? 0 : l->n;
}

struct cv_cert *
cv_certs_get(const struct cv_certs *l, size_t i)
{
	return l != NULL && i < l->n ? l->v[i] : NULL;
}

STACK_OF(X509) *
cv_certs_stack(const struct cv_certs *l)
{
	STACK_OF(X509) *sk;
	size_t i;

	sk = sk_X509_new_null();
	if (sk == NULL)
		return NULL;
	for (i = 0; l != NULL && i < l->n; i++) {
		if (!X509_up_ref(l->v[i]->x))
			goto fail;
		if (!sk_X509_push(sk, l->v[i]->x)) {
			X509_free(l->v[i]->x);
			goto fail;
		}
	}
	return sk;
fail:
	sk_X509_pop_free(sk, X509_free);
	return NULL;
}

/* For the other certificate modules (cv_priv.h). */
int64_t
cv_time_epoch(const ASN1_TIME *t)
{
	return asn1_time_epoch(t);
}

int
cv_blobs_append(struct cv_blobs *b, const uint8_t *p, size_t n)
{
	return blobs_add(b, p, n);
}
