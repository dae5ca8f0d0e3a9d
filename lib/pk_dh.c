/*
 * pk_dh.c - PKINIT DH (RFC 4556 section 3.2.3.1) and ECDH (RFC 5349) key
 * agreement over OpenSSL 3 named groups.
 *
 * The client names its group implicitly: for DH by sending p, g (and q) in
 * the X9.42 DomainParameters of its SubjectPublicKeyInfo (RFC 3279 section
 * 2.3.3), for ECDH by the namedCurve OID.  We only ever accept groups we
 * know by name, so no client-chosen parameters reach the math.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "pk_der.h"
#include "pk_dh.h"
#include "secmem.h"

struct group_def {
	enum pk_group grp;
	const char *name;           /* for messages */
	const char *ossl_name;      /* OpenSSL group name */
	int is_ec;
	int curve_nid;
	unsigned int strength;      /* comparable modulus size in bits */
	BIGNUM *(*prime)(BIGNUM *);
};

/* Preference order of TD-DH-PARAMETERS: curves first, then bigger MODP. */
static const struct group_def groups[] = {
	{ PK_GROUP_P256, "P-256", "P-256", 1, NID_X9_62_prime256v1, 3072, NULL },
	{ PK_GROUP_P384, "P-384", "P-384", 1, NID_secp384r1, 7680, NULL },
	{ PK_GROUP_P521, "P-521", "P-521", 1, NID_secp521r1, 15360, NULL },
	{ PK_GROUP_MODP16, "MODP-4096", "modp_4096", 0, 0, 4096,
	    BN_get_rfc3526_prime_4096 },
	{ PK_GROUP_MODP15, "MODP-3072", "modp_3072", 0, 0, 3072,
	    BN_get_rfc3526_prime_3072 },
	{ PK_GROUP_MODP14, "MODP-2048", "modp_2048", 0, 0, 2048,
	    BN_get_rfc3526_prime_2048 },
	{ PK_GROUP_MODP2, "MODP-1024", NULL, 0, 0, 1024,
	    BN_get_rfc2409_prime_1024 },
};
#define N_GROUPS (sizeof(groups) / sizeof(groups[0]))

struct accepted {
	const struct group_def *def;
	EVP_PKEY *params;           /* domain parameters, built once */
	BIGNUM *pm1;                /* p - 1 of a MODP group, for dh_peer */
	/* Contexts kept across requests: OpenSSL 3.0 fetches the key
	 * manager by name again for every context it creates. */
	EVP_PKEY_CTX *gen;          /* key generation, initialised */
	EVP_PKEY_CTX *imp;          /* DH public key import, initialised */
	uint8_t *algid;             /* DER AlgorithmIdentifier */
	size_t algid_len;
};

struct pk_dh_groups {
	size_t n;
	struct accepted v[N_GROUPS];
};

/* dhpublicnumber 1.2.840.10046.2.1 and id-ecPublicKey 1.2.840.10045.2.1 */
static const uint8_t oid_dhpublicnumber[] = { 0x06, 0x07, 0x2a, 0x86, 0x48,
	0xce, 0x3e, 0x02, 0x01 };
static const uint8_t oid_ecpublickey[] = { 0x06, 0x07, 0x2a, 0x86, 0x48,
	0xce, 0x3d, 0x02, 0x01 };

const char *
pk_group_name(enum pk_group grp)
{
	size_t i;

	for (i = 0; i < N_GROUPS; i++)
		if (groups[i].grp == grp)
			return groups[i].name;
	return "unknown";
}

static const struct group_def *
group_def(enum pk_group grp)
{
	size_t i;

	for (i = 0; i < N_GROUPS; i++)
		if (groups[i].grp == grp)
			return &groups[i];
	return NULL;
}

static void
der_bn(struct pk_der *d, const BIGNUM *bn)
{
	uint8_t buf[1 + 1024];
	int n = BN_num_bytes(bn);

	if (n < 0 || (size_t)n + 1 > sizeof(buf)) {
		d->failed = 1;
		return;
	}
	buf[0] = 0;
	BN_bn2bin(bn, buf + 1);
	/* Keep the leading zero only when the top bit is set (X.690 8.3). */
	if (n > 0 && !(buf[1] & 0x80))
		pk_der_tlv(d, 0x02, buf + 1, (size_t)n);
	else
		pk_der_tlv(d, 0x02, buf, (size_t)n + 1);
}

/* AlgorithmIdentifier of a group as it appears in a SubjectPublicKeyInfo. */
static int
make_algid(const struct group_def *def, uint8_t **der_out, size_t *len_out)
{
	struct pk_der d;
	BIGNUM *p = NULL, *g = NULL, *q = NULL;
	size_t at;
	int ret = -1;

	pk_der_init(&d);
	if (def->is_ec) {
		ASN1_OBJECT *obj = OBJ_nid2obj(def->curve_nid);
		unsigned char *enc = NULL;
		int len;

		pk_der_raw(&d, oid_ecpublickey, sizeof(oid_ecpublickey));
		len = obj != NULL ? i2d_ASN1_OBJECT(obj, &enc) : -1;
		if (len <= 0)
			goto cleanup;
		pk_der_raw(&d, enc, (size_t)len);
		OPENSSL_free(enc);
	} else {
		/* DomainParameters ::= SEQUENCE { p, g, q } (RFC 3279 2.3.3);
		 * for these safe-prime groups g = 2 and q = (p - 1) / 2. */
		p = def->prime(NULL);
		g = BN_new();
		q = BN_new();
		if (p == NULL || g == NULL || q == NULL || !BN_set_word(g, 2) ||
		    !BN_rshift1(q, p))
			goto cleanup;
		pk_der_raw(&d, oid_dhpublicnumber, sizeof(oid_dhpublicnumber));
		at = d.len;
		der_bn(&d, p);
		der_bn(&d, g);
		der_bn(&d, q);
		pk_der_wrap(&d, at, 0x30);
	}
	pk_der_wrap(&d, 0, 0x30);
	ret = pk_der_take(&d, der_out, len_out);
cleanup:
	pk_der_clear(&d);
	BN_free(p);
	BN_free(g);
	BN_free(q);
	return ret;
}

static EVP_PKEY *
make_params(const struct group_def *def)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM params[2];

	ctx = EVP_PKEY_CTX_new_from_name(NULL, def->is_ec ? "EC" : "DH", NULL);
	if (ctx == NULL)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, (char *)def->ossl_name, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEY_PARAMETERS, params) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

void
pk_dh_groups_free(struct pk_dh_groups *g)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->n; i++) {
		EVP_PKEY_CTX_free(g->v[i].gen);
		EVP_PKEY_CTX_free(g->v[i].imp);
		EVP_PKEY_free(g->v[i].params);
		BN_free(g->v[i].pm1);
		free(g->v[i].algid);
	}
	free(g);
}

kerr_t
pk_dh_groups_new(unsigned int min_bits, unsigned int flags,
    struct pk_dh_groups **out, struct kerr *e)
{
	struct pk_dh_groups *g;
	struct accepted *a;
	size_t i;
	kerr_t ret = KRB_ERR_GENERIC;

	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return kerr_set(e, ret, "out of memory");
	for (i = 0; i < N_GROUPS; i++) {
		const struct group_def *def = &groups[i];

		/* Group 2 (1024 bits) is never offered nor accepted. */
		if (def->ossl_name == NULL || def->strength < min_bits)
			continue;
		if (def->is_ec && (flags & PK_DH_NO_EC))
			continue;
		a = &g->v[g->n];
		a->def = def;
		a->params = make_params(def);
		if (!def->is_ec && (a->pm1 = def->prime(NULL)) != NULL &&
		    !BN_sub_word(a->pm1, 1)) {
			BN_free(a->pm1);
			a->pm1 = NULL;
		}
		if (a->params != NULL) {
			a->gen = EVP_PKEY_CTX_new_from_pkey(NULL, a->params,
			    NULL);
			if (a->gen != NULL &&
			    EVP_PKEY_keygen_init(a->gen) <= 0) {
				EVP_PKEY_CTX_free(a->gen);
				a->gen = NULL;
			}
		}
		if (a->params != NULL && !def->is_ec) {
			a->imp = EVP_PKEY_CTX_new_from_pkey(NULL, a->params,
			    NULL);
			if (a->imp != NULL &&
			    EVP_PKEY_fromdata_init(a->imp) <= 0) {
				EVP_PKEY_CTX_free(a->imp);
				a->imp = NULL;
			}
		}
		if (a->params == NULL || a->gen == NULL ||
		    (!def->is_ec && (a->pm1 == NULL || a->imp == NULL)) ||
		    make_algid(def, &a->algid, &a->algid_len) != 0) {
			EVP_PKEY_CTX_free(a->gen);
			EVP_PKEY_CTX_free(a->imp);
			EVP_PKEY_free(a->params);
			BN_free(a->pm1);
			free(a->algid);
			memset(a, 0, sizeof(*a));
			kerr_set(e, ret, "cannot set up DH group %s", def->name);
			goto cleanup;
		}
		g->n++;
	}
	if (g->n == 0) {
		kerr_set(e, ret, "no DH group satisfies pkinit_dh_min_bits %u",
		    min_bits);
		goto cleanup;
	}
	*out = g;
	g = NULL;
	ret = 0;
cleanup:
	pk_dh_groups_free(g);
	return ret;
}

size_t
pk_dh_groups_count(const struct pk_dh_groups *g)
{
	return g->n;
}

const uint8_t *
pk_dh_group_algid(const struct pk_dh_groups *g, size_t i,
    enum pk_group *grp_out, size_t *len_out)
{
	if (i >= g->n)
		return NULL;
	if (grp_out != NULL)
		*grp_out = g->v[i].def->grp;
	*len_out = g->v[i].algid_len;
	return g->v[i].algid;
}

kerr_t
pk_dh_td_dh_parameters(const struct pk_dh_groups *g, uint8_t **der_out,
    size_t *len_out, struct kerr *e)
{
	struct pk_der d;
	size_t i;

	pk_der_init(&d);
	for (i = 0; i < g->n; i++)
		pk_der_raw(&d, g->v[i].algid, g->v[i].algid_len);
	pk_der_wrap(&d, 0, 0x30);
	if (pk_der_take(&d, der_out, len_out) != 0)
		return kerr_set(e, KRB_ERR_GENERIC,
		    "cannot encode TD-DH-PARAMETERS");
	return 0;
}

/* ---- parsing the client's SubjectPublicKeyInfo ---- */

struct client_key {
	enum pk_group grp;
	BIGNUM *y;                  /* DH public value */
	EVP_PKEY *ec;               /* ECDH public key */
};

static void
client_key_clear(struct client_key *ck)
{
	BN_free(ck->y);
	EVP_PKEY_free(ck->ec);
	memset(ck, 0, sizeof(*ck));
}

static BIGNUM *
type_bn(const ASN1_TYPE *t)
{
	if (t == NULL || t->type != V_ASN1_INTEGER)
		return NULL;
	return ASN1_INTEGER_to_BN(t->value.integer, NULL);
}

/* Which MODP group has exactly this p, g = 2 and, when sent, q = (p-1)/2. */
static enum pk_group
match_modp(const ASN1_STRING *seq)
{
	STACK_OF(ASN1_TYPE) *items = NULL;
	const unsigned char *p;
	BIGNUM *bp = NULL, *bg = NULL, *bq = NULL, *ref = NULL, *refq = NULL;
	enum pk_group found = PK_GROUP_UNKNOWN;
	size_t i;
	int n;

	p = seq->data;
	items = d2i_ASN1_SEQUENCE_ANY(NULL, &p, seq->length);
	if (items == NULL || p != seq->data + seq->length)
		goto cleanup;
	n = sk_ASN1_TYPE_num(items);
	if (n < 2)
		goto cleanup;
	bp = type_bn(sk_ASN1_TYPE_value(items, 0));
	bg = type_bn(sk_ASN1_TYPE_value(items, 1));
	if (bp == NULL || bg == NULL || !BN_is_word(bg, 2))
		goto cleanup;
	if (n >= 3) {
		bq = type_bn(sk_ASN1_TYPE_value(items, 2));
		if (bq == NULL)
			goto cleanup;
	}
	for (i = 0; i < N_GROUPS; i++) {
		if (groups[i].is_ec)
			continue;
		BN_free(ref);
		ref = groups[i].prime(NULL);
		if (ref == NULL || BN_cmp(ref, bp) != 0)
			continue;
		if (bq != NULL) {
			refq = BN_new();
			if (refq == NULL || !BN_rshift1(refq, ref) ||
			    BN_cmp(refq, bq) != 0)
				goto cleanup;
		}
		found = groups[i].grp;
		break;
	}
cleanup:
	sk_ASN1_TYPE_pop_free(items, ASN1_TYPE_free);
	BN_free(bp);
	BN_free(bg);
	BN_free(bq);
	BN_free(ref);
	BN_free(refq);
	return found;
}

/*
 * Split a SubjectPublicKeyInfo (RFC 5280 section 4.1) into its algorithm
 * and key bits without decoding the key: OpenSSL's X509_PUBKEY runs a
 * provider decoder search for every key it parses, which costs more
 * than the DH arithmetic on the KDC's side of the exchange.
 */
static int
split_spki(const uint8_t *spki, size_t len, X509_ALGOR **alg_out,
    ASN1_BIT_STRING **bits_out)
{
	STACK_OF(ASN1_TYPE) *items = NULL;
	const unsigned char *p = spki, *q;
	const ASN1_STRING *seq;
	ASN1_TYPE *t0, *t1;
	X509_ALGOR *alg = NULL;
	ASN1_BIT_STRING *bits = NULL;
	int ok = 0;

	items = d2i_ASN1_SEQUENCE_ANY(NULL, &p, (long)len);
	if (items == NULL || p != spki + len || sk_ASN1_TYPE_num(items) != 2)
		goto cleanup;
	t0 = sk_ASN1_TYPE_value(items, 0);
	t1 = sk_ASN1_TYPE_value(items, 1);
	if (t0->type != V_ASN1_SEQUENCE || t1->type != V_ASN1_BIT_STRING)
		goto cleanup;
	/* A SEQUENCE inside ANY keeps its whole encoding. */
	seq = t0->value.sequence;
	q = seq->data;
	alg = d2i_X509_ALGOR(NULL, &q, seq->length);
	if (alg == NULL || q != seq->data + seq->length)
		goto cleanup;
	/* Keys are whole octets: no unused bits. */
	if ((t1->value.bit_string->flags & ASN1_STRING_FLAG_BITS_LEFT) &&
	    (t1->value.bit_string->flags & 0x07) != 0)
		goto cleanup;
	bits = ASN1_STRING_dup(t1->value.bit_string);
	if (bits == NULL)
		goto cleanup;
	*alg_out = alg;
	*bits_out = bits;
	alg = NULL;
	ok = 1;
cleanup:
	X509_ALGOR_free(alg);
	sk_ASN1_TYPE_pop_free(items, ASN1_TYPE_free);
	return ok;
}

/* An EC public key on a named curve from its encoded point; OpenSSL
 * refuses a point that is not on the curve. */
static EVP_PKEY *
ec_from_point(const char *group, const uint8_t *pt, size_t len)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM params[3];

	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (ctx == NULL)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	    (void *)pt, len);
	params[2] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/*
 * Decode the SPKI far enough to know the group; for DH also the public
 * value y, for ECDH the EC key (OpenSSL checks the point is on the curve
 * when decoding it).
 */
static kerr_t
parse_spki(const uint8_t *spki, size_t spki_len, struct client_key *ck,
    struct kerr *e)
{
	X509_ALGOR *alg = NULL;
	ASN1_BIT_STRING *bits = NULL;
	const ASN1_OBJECT *obj;
	const void *pval;
	const unsigned char *p, *pk;
	ASN1_INTEGER *yint = NULL;
	const char *gname = NULL;
	int ptype, pklen, nid, curve;
	size_t i;
	kerr_t ret = KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED;

	memset(ck, 0, sizeof(*ck));
	if (spki_len > 64 * 1024 || spki_len > (size_t)INT32_MAX) {
		kerr_set(e, ret, "client public value too large");
		goto cleanup;
	}
	if (!split_spki(spki, spki_len, &alg, &bits)) {
		kerr_set(e, ret, "client public value is not a "
		    "SubjectPublicKeyInfo");
		goto cleanup;
	}
	pk = bits->data;
	pklen = bits->length;
	X509_ALGOR_get0(&obj, &ptype, &pval, alg);
	nid = OBJ_obj2nid(obj);
	if (nid == NID_dhpublicnumber) {
		if (ptype != V_ASN1_SEQUENCE) {
			kerr_set(e, ret, "DH public value without domain "
			    "parameters");
			goto cleanup;
		}
		ck->grp = match_modp(pval);
		if (ck->grp == PK_GROUP_UNKNOWN) {
			kerr_set(e, ret, "client DH domain parameters are not a "
			    "known MODP group");
			goto cleanup;
		}
		/* subjectPublicKey holds DER INTEGER y (RFC 3279 2.3.3). */
		p = pk;
		yint = d2i_ASN1_INTEGER(NULL, &p, pklen);
		if (yint == NULL || p != pk + pklen ||
		    (ck->y = ASN1_INTEGER_to_BN(yint, NULL)) == NULL) {
			kerr_set(e, ret, "client DH public value is not an "
			    "INTEGER");
			goto cleanup;
		}
	} else if (nid == NID_X9_62_id_ecPublicKey) {
		/* RFC 5349 section 4: namedCurve only, no explicit curves. */
		if (ptype != V_ASN1_OBJECT) {
			kerr_set(e, ret, "ECDH public value without namedCurve");
			goto cleanup;
		}
		curve = OBJ_obj2nid(pval);
		for (i = 0; i < N_GROUPS; i++)
			if (groups[i].is_ec && groups[i].curve_nid == curve) {
				ck->grp = groups[i].grp;
				gname = groups[i].ossl_name;
			}
		if (ck->grp == PK_GROUP_UNKNOWN) {
			kerr_set(e, ret, "client ECDH curve %s not supported",
			    OBJ_nid2sn(curve));
			goto cleanup;
		}
		ck->ec = gname != NULL ?
		    ec_from_point(gname, pk, (size_t)pklen) : NULL;
		if (ck->ec == NULL) {
			kerr_set(e, ret, "client ECDH public point is invalid");
			goto cleanup;
		}
	} else {
		kerr_set(e, ret, "client public value algorithm %s is neither "
		    "DH nor ECDH", OBJ_nid2sn(nid));
		goto cleanup;
	}
	ret = 0;
cleanup:
	ASN1_INTEGER_free(yint);
	ASN1_BIT_STRING_free(bits);
	X509_ALGOR_free(alg);
	if (ret != 0)
		client_key_clear(ck);
	return ret;
}

enum pk_group
pk_dh_identify(const uint8_t *spki, size_t spki_len)
{
	struct client_key ck;
	enum pk_group grp;

	if (parse_spki(spki, spki_len, &ck, NULL) != 0)
		return PK_GROUP_UNKNOWN;
	grp = ck.grp;
	client_key_clear(&ck);
	return grp;
}

/*
 * Peer DH key in a named group from y, after the RFC 2631 2.1.5 range
 * check 1 < y < p - 1, through the group's import context.
 */
static EVP_PKEY *
dh_peer(const struct accepted *a, const BIGNUM *y, struct kerr *e)
{
	const struct group_def *def = a->def;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY *peer = NULL;
	int reported = 0;

	if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, a->pm1) >= 0) {
		kerr_set(e, KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED,
		    "client DH public value out of range (1 < y < p-1)");
		reported = 1;
		goto cleanup;
	}
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    def->ossl_name, 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto cleanup;
	if (EVP_PKEY_fromdata(a->imp, &peer, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		peer = NULL;
cleanup:
	if (peer == NULL && !reported)
		kerr_set(e, KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED,
		    "cannot import client DH public value");
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return peer;
}

/*
 * The KDC's public value as it goes into KDCDHKeyInfo.subjectPublicKey:
 * the encoded point for ECDH (RFC 5349 section 4), DER INTEGER y for DH
 * (RFC 3279 section 2.3.3).  y is read as |p| big-endian bytes and
 * encoded here rather than through a BIGNUM and an ASN1_INTEGER.
 */
static int
kdc_public_value(EVP_PKEY *kdc, int is_ec, uint8_t **out, size_t *len_out)
{
	uint8_t buf[1 + 1024], *y;
	unsigned char *der = NULL;
	struct pk_der d;
	size_t len = 0, i;
	int ret = -1;

	pk_der_init(&d);
	if (is_ec) {
		if (!EVP_PKEY_get_octet_string_param(kdc,
		    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, NULL, 0, &len) ||
		    (der = OPENSSL_malloc(len)) == NULL ||
		    !EVP_PKEY_get_octet_string_param(kdc,
		    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, der, len, &len))
			goto cleanup;
		pk_der_raw(&d, der, len);
	} else {
		if (!EVP_PKEY_get_octet_string_param(kdc,
		    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf + 1,
		    sizeof(buf) - 1, &len) || len == 0 ||
		    len > sizeof(buf) - 1)
			goto cleanup;
		/* Minimal two's complement (X.690 8.3.2): no leading zero
		 * octets, one zero octet before a set top bit. */
		for (i = 1; i < len && buf[i] == 0; i++)
			;
		y = buf + i;
		len -= i - 1;
		if (y[0] & 0x80) {
			y--;
			y[0] = 0;
			len++;
		}
		pk_der_tlv(&d, 0x02, y, len);
	}
	ret = pk_der_take(&d, out, len_out);
cleanup:
	pk_der_clear(&d);
	OPENSSL_free(der);
	return ret;
}

void
pk_dh_result_free(struct pk_dh_result *r)
{
	if (r == NULL)
		return;
	sec_free(r->secret, r->secret_len);
	free(r->kdc_public);
	free(r);
}

kerr_t
pk_dh_agree(const struct pk_dh_groups *g, const uint8_t *spki,
    size_t spki_len, struct pk_dh_result **out, struct kerr *e)
{
	struct client_key ck;
	const struct accepted *a = NULL;
	const struct group_def *def;
	EVP_PKEY_CTX *dctx = NULL, *vctx = NULL;
	EVP_PKEY *kdc = NULL, *peer = NULL;
	struct pk_dh_result *r = NULL;
	size_t i, slen = 0;
	kerr_t ret;

	ret = parse_spki(spki, spki_len, &ck, e);
	if (ret != 0)
		return ret;
	ret = KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED;
	for (i = 0; i < g->n; i++)
		if (g->v[i].def->grp == ck.grp)
			a = &g->v[i];
	if (a == NULL) {
		def = group_def(ck.grp);
		kerr_set(e, ret, "client DH group %s is not accepted%s",
		    pk_group_name(ck.grp), def != NULL && def->strength < 2048 ?
		    " (too weak)" : " (below pkinit_dh_min_bits or disabled)");
		goto cleanup;
	}
	def = a->def;
	if (def->is_ec) {
		peer = ck.ec;
		ck.ec = NULL;
	} else if ((peer = dh_peer(a, ck.y, e)) == NULL) {
		goto cleanup;
	}

	ret = KRB_ERR_GENERIC;
	if (EVP_PKEY_generate(a->gen, &kdc) <= 0) {
		kerr_set(e, ret, "cannot generate a %s key", def->name);
		goto cleanup;
	}
	dctx = EVP_PKEY_CTX_new_from_pkey(NULL, kdc, NULL);
	if (dctx == NULL || EVP_PKEY_derive_init(dctx) <= 0) {
		kerr_set(e, ret, "cannot start %s key agreement", def->name);
		goto cleanup;
	}
	/* RFC 4556 3.2.3.1: DHSharedSecret keeps leading zeros (|p| bytes). */
	if (!def->is_ec && EVP_PKEY_CTX_set_dh_pad(dctx, 1) <= 0) {
		kerr_set(e, ret, "cannot request padded DH secret");
		goto cleanup;
	}
	/*
	 * Partial public key validation (SP 800-56A rev. 3, 5.6.2.3.2;
	 * RFC 7919 section 5.1): 1 < y < p - 1 for DH, on the curve and not
	 * the point at infinity for ECDH.  Every accepted DH group is a safe
	 * prime p = 2q + 1, so what remains possible is an element of order
	 * q or 2q, which can teach the client at most the parity of a key
	 * the KDC uses once; the full check (y^q = 1 mod p) would be a
	 * full-size exponentiation, dearer than the rest of the exchange.
	 * The accepted curves have prime order: on the curve is complete.
	 */
	vctx = EVP_PKEY_CTX_new_from_pkey(NULL, peer, NULL);
	if (vctx == NULL || EVP_PKEY_public_check_quick(vctx) <= 0 ||
	    EVP_PKEY_derive_set_peer_ex(dctx, peer, 0) <= 0) {
		kerr_set(e, KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED,
		    "client %s public value failed validation", def->name);
		ret = KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED;
		goto cleanup;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL || EVP_PKEY_derive(dctx, NULL, &slen) <= 0 ||
	    slen == 0 || (r->secret = malloc(slen)) == NULL) {
		kerr_set(e, ret, "%s key agreement failed", def->name);
		goto cleanup;
	}
	r->secret_len = slen;
	if (EVP_PKEY_derive(dctx, r->secret, &r->secret_len) <= 0) {
		kerr_set(e, ret, "%s key agreement failed", def->name);
		goto cleanup;
	}
	if (kdc_public_value(kdc, def->is_ec, &r->kdc_public,
	    &r->kdc_public_len) != 0) {
		kerr_set(e, ret, "cannot encode KDC %s public value", def->name);
		goto cleanup;
	}
	r->group = def->grp;
	*out = r;
	r = NULL;
	ret = 0;
cleanup:
	if (r != NULL && r->secret != NULL)
		r->secret_len = slen;   /* wipe the whole allocation */
	pk_dh_result_free(r);
	EVP_PKEY_CTX_free(vctx);
	EVP_PKEY_CTX_free(dctx);
	EVP_PKEY_free(kdc);
	EVP_PKEY_free(peer);
	client_key_clear(&ck);
	return ret;
}
