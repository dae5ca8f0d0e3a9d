/*
 * asn1_base.c - the small Kerberos types every message is made of
 * (RFC 4120 section 5.2) and helpers for KerberosTime, KerberosFlags,
 * integers, strings, PA-DATA, ETYPE-INFO2 and TYPED-DATA.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/asn1t.h>
#include <openssl/crypto.h>

#include "asn1_krb5.h"
#include "asn1_tmpl.h"

ASN1_SEQUENCE(KRB5_PRINCNAME) = {
	KX_I32(KRB5_PRINCNAME, name_type, 0),
	ASN1_EXP_SEQUENCE_OF(KRB5_PRINCNAME, name_string, ASN1_GENERALSTRING, 1),
} ASN1_SEQUENCE_END(KRB5_PRINCNAME)
IMPLEMENT_ASN1_FUNCTIONS(KRB5_PRINCNAME)

/* Key material must not outlive the structure in freed heap memory. */
static int
enckey_cb(int op, ASN1_VALUE **pval, const ASN1_ITEM *it, void *exarg)
{
	KRB5_ENCKEY *k;

	if (op == ASN1_OP_FREE_PRE && pval != NULL && *pval != NULL) {
		k = (KRB5_ENCKEY *)*pval;
		if (k->keyvalue != NULL && k->keyvalue->data != NULL)
			OPENSSL_cleanse(k->keyvalue->data,
			    (size_t)k->keyvalue->length);
	}
	return 1;
}

ASN1_SEQUENCE_cb(KRB5_ENCKEY, enckey_cb) = {
	KX_I32(KRB5_ENCKEY, keytype, 0),
	KX_OCT(KRB5_ENCKEY, keyvalue, 1),
} ASN1_SEQUENCE_END_cb(KRB5_ENCKEY, KRB5_ENCKEY)
IMPLEMENT_ASN1_FUNCTIONS(KRB5_ENCKEY)

ASN1_SEQUENCE(KRB5_ENCDATA) = {
	KX_I32(KRB5_ENCDATA, etype, 0),
	KX_INT_OPT(KRB5_ENCDATA, kvno, 1),
	KX_OCT(KRB5_ENCDATA, cipher, 2),
} ASN1_SEQUENCE_END(KRB5_ENCDATA)
IMPLEMENT_ASN1_FUNCTIONS(KRB5_ENCDATA)

ASN1_SEQUENCE(KRB5_CHECKSUM) = {
	KX_I32(KRB5_CHECKSUM, cksumtype, 0),
	KX_OCT(KRB5_CHECKSUM, checksum, 1),
} ASN1_SEQUENCE_END(KRB5_CHECKSUM)
IMPLEMENT_ASN1_FUNCTIONS(KRB5_CHECKSUM)

/* PA-DATA starts at tag [1] (RFC 4120 section 5.2.7). */
ASN1_SEQUENCE(KRB5_PADATA) = {
	KX_I32(KRB5_PADATA, padata_type, 1),
	KX_OCT(KRB5_PADATA, padata_value, 2),
} ASN1_SEQUENCE_END(KRB5_PADATA)
IMPLEMENT_ASN1_FUNCTIONS(KRB5_PADATA)

ASN1_SEQUENCE(KRB5_HOSTADDR) = {
	KX_I32(KRB5_HOSTADDR, addr_type, 0),
	KX_OCT(KRB5_HOSTADDR, address, 1),
} ASN1_SEQUENCE_END(KRB5_HOSTADDR)
IMPLEMENT_ASN1_FUNCTIONS(KRB5_HOSTADDR)

ASN1_SEQUENCE(KRB5_ADENTRY) = {
	KX_I32(KRB5_ADENTRY, ad_type, 0),
	KX_OCT(KRB5_ADENTRY, ad_data, 1),
} ASN1_SEQUENCE_END(KRB5_ADENTRY)
IMPLEMENT_ASN1_FUNCTIONS(KRB5_ADENTRY)

ASN1_SEQUENCE(KRB5_TYPED_DATA_ENTRY) = {
	KX_I32(KRB5_TYPED_DATA_ENTRY, data_type, 0),
	KX_OCT_OPT(KRB5_TYPED_DATA_ENTRY, data_value, 1),
} ASN1_SEQUENCE_END(KRB5_TYPED_DATA_ENTRY)
IMPLEMENT_ASN1_FUNCTIONS(KRB5_TYPED_DATA_ENTRY)

KX_SEQUENCE_OF(KRB5_METHOD_DATA, KRB5_PADATA)
IMPLEMENT_ASN1_FUNCTIONS(KRB5_METHOD_DATA)
KX_SEQUENCE_OF(KRB5_HOSTADDRS, KRB5_HOSTADDR)
IMPLEMENT_ASN1_FUNCTIONS(KRB5_HOSTADDRS)
KX_SEQUENCE_OF(KRB5_AUTHDATA, KRB5_ADENTRY)
IMPLEMENT_ASN1_FUNCTIONS(KRB5_AUTHDATA)
KX_SEQUENCE_OF(KRB5_TYPED_DATA, KRB5_TYPED_DATA_ENTRY)
IMPLEMENT_ASN1_FUNCTIONS(KRB5_TYPED_DATA)

/* ---- KerberosTime (RFC 4120 section 5.2.3) ------------------------- */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, unsigned int *m, unsigned int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned int
days_in_month(int64_t y, unsigned int m)
{
	static const unsigned char dim[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Parse n decimal digits; -1 on a non-digit. */
static int
digits(const unsigned char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
time_fields(const unsigned char *s, size_t len, int64_t *secs)
{
	int y, mo, d, h, mi, se;

	/* No fractional seconds, always UTC (RFC 4120 section 5.2.3). */
	if (s == NULL || len != 15 || s[14] != 'Z')
		return 0;
	y = digits(s, 4);
	mo = digits(s + 4, 2);
	d = digits(s + 6, 2);
	h = digits(s + 8, 2);
	mi = digits(s + 10, 2);
	se = digits(s + 12, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 ||
	    (unsigned int)d > days_in_month(y, (unsigned int)mo) ||
	    h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 59)
		return 0;
	if (secs != NULL)
		*secs = days_from_civil(y, (unsigned int)mo, (unsigned int)d) *
		    86400 + h * 3600 + mi * 60 + se;
	return 1;
}

int
asn1krb_time_syntax_ok(const unsigned char *s, size_t len)
{
	return time_fields(s, len, NULL);
}

kerr_t
asn1krb_time_set(ASN1_GENERALIZEDTIME **tp, int64_t t)
{
	ASN1_GENERALIZEDTIME *gt;
	char buf[32];
	int64_t days, rem, y;
	unsigned int m, d;

	/* Years 0000..9999 only: the four-digit field. */
	if (t < days_from_civil(0, 1, 1) * 86400 ||
	    t > days_from_civil(9999, 12, 31) * 86400 + 86399)
		return KRB_ERR_GENERIC;
	days = t / 86400;
	rem = t % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, sizeof(buf), "%04d%02u%02u%02d%02d%02dZ", (int)y, m, d,
	    (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
	gt = *tp != NULL ? *tp : ASN1_GENERALIZEDTIME_new();
	if (gt == NULL)
		return KRB_ERR_GENERIC;
	/* ASN1_STRING_set, not ASN1_GENERALIZEDTIME_set_string: the latter
	 * reparses with OpenSSL's more permissive rules we do not need. */
	if (!ASN1_STRING_set(gt, buf, 15)) {
		if (*tp == NULL)
			ASN1_GENERALIZEDTIME_free(gt);
		return KRB_ERR_GENERIC;
	}
	*tp = gt;
	return 0;
}

ASN1_GENERALIZEDTIME *
asn1krb_time_new(int64_t t)
{
	ASN1_GENERALIZEDTIME *gt = NULL;

	if (asn1krb_time_set(&gt, t) != 0)
		return NULL;
	return gt;
}

kerr_t
asn1krb_time_get(const ASN1_GENERALIZEDTIME *gt, int64_t *t_out)
{
	int64_t t;

	if (gt == NULL || gt->type != V_ASN1_GENERALIZEDTIME ||
	    !time_fields(gt->data, (size_t)gt->length, &t))
		return KRB_ERR_GENERIC;
	*t_out = t;
	return 0;
}

/* ---- KerberosFlags (RFC 4120 section 5.2.8) ----------------------- */

kerr_t
asn1krb_bitstr_set_octets(ASN1_BIT_STRING *bs, const uint8_t *p, size_t len)
{
	if (bs == NULL || len > INT32_MAX ||
	    !ASN1_BIT_STRING_set(bs, (unsigned char *)p, (int)len))
		return KRB_ERR_GENERIC;
	/*
	 * OpenSSL drops trailing zero bits of a BIT STRING on encoding unless
	 * told how many bits are unused: say "0 unused" so every octet is
	 * kept (MIT requires 32-bit KerberosFlags, and DH public values end in
	 * arbitrary bytes).
	 */
	bs->flags &= ~(long)0x07;
	bs->flags |= ASN1_STRING_FLAG_BITS_LEFT;
	return 0;
}

kerr_t
asn1krb_flags_set(ASN1_BIT_STRING *bs, uint32_t flags)
{
	uint8_t b[4];

	b[0] = (uint8_t)(flags >> 24);
	b[1] = (uint8_t)(flags >> 16);
	b[2] = (uint8_t)(flags >> 8);
	b[3] = (uint8_t)flags;
	return asn1krb_bitstr_set_octets(bs, b, sizeof(b));
}

ASN1_BIT_STRING *
asn1krb_flags_new(uint32_t flags)
{
	ASN1_BIT_STRING *bs = ASN1_BIT_STRING_new();

	if (bs != NULL && asn1krb_flags_set(bs, flags) != 0) {
		ASN1_BIT_STRING_free(bs);
		bs = NULL;
	}
	return bs;
}

uint32_t
asn1krb_flags_get(const ASN1_BIT_STRING *bs)
{
	uint32_t v = 0;
	int i;

	if (bs == NULL)
		return 0;
	for (i = 0; i < 4; i++) {
		v <<= 8;
		if (i < bs->length)
			v |= bs->data[i];
	}
	return v;
}

/* ---- Integers ----------------------------------------------------- */

kerr_t
asn1krb_int_set(ASN1_INTEGER **ip, int64_t v)
{
	ASN1_INTEGER *ai = *ip != NULL ? *ip : ASN1_INTEGER_new();

	if (ai == NULL)
		return KRB_ERR_GENERIC;
	if (!ASN1_INTEGER_set_int64(ai, v)) {
		if (*ip == NULL)
			ASN1_INTEGER_free(ai);
		return KRB_ERR_GENERIC;
	}
	*ip = ai;
	return 0;
}

ASN1_INTEGER *
asn1krb_uint32_new(uint32_t v)
{
	ASN1_INTEGER *ai = ASN1_INTEGER_new();

	if (ai != NULL && !ASN1_INTEGER_set_uint64(ai, v)) {
		ASN1_INTEGER_free(ai);
		ai = NULL;
	}
	return ai;
}

kerr_t
asn1krb_uint32_get(const ASN1_INTEGER *ai, uint32_t *v_out)
{
	int64_t v;

	if (ai == NULL || !ASN1_INTEGER_get_int64(&v, ai))
		return KRB_ERR_GENERIC;
	/* UInt32 (RFC 4120 section 5.2.4); some encoders emit it signed. */
	if (v > (int64_t)UINT32_MAX || v < INT32_MIN)
		return KRB_ERR_GENERIC;
	*v_out = (uint32_t)v;
	return 0;
}

kerr_t
asn1krb_int32_get(const ASN1_INTEGER *ai, int32_t *v_out)
{
	int64_t v;

	if (ai == NULL || !ASN1_INTEGER_get_int64(&v, ai) ||
	    v < INT32_MIN || v > INT32_MAX)
		return KRB_ERR_GENERIC;
	*v_out = (int32_t)v;
	return 0;
}

/* ---- Strings ------------------------------------------------------ */

kerr_t
asn1krb_str_set(ASN1_GENERALSTRING **sp, const char *s)
{
	ASN1_GENERALSTRING *gs;
	size_t n = s != NULL ? strlen(s) : 0;

	if (s == NULL || n > INT32_MAX)
		return KRB_ERR_GENERIC;
	gs = *sp != NULL ? *sp : ASN1_GENERALSTRING_new();
	if (gs == NULL)
		return KRB_ERR_GENERIC;
	if (!ASN1_STRING_set(gs, s, (int)n)) {
		if (*sp == NULL)
			ASN1_GENERALSTRING_free(gs);
		return KRB_ERR_GENERIC;
	}
	*sp = gs;
	return 0;
}

ASN1_GENERALSTRING *
asn1krb_str_new(const char *s)
{
	ASN1_GENERALSTRING *gs = NULL;

	if (asn1krb_str_set(&gs, s) != 0)
		return NULL;
	return gs;
}

kerr_t
asn1krb_str_dup(const ASN1_STRING *s, char **out)
{
	char *c;

	if (s == NULL || s->length < 0 ||
	    memchr(s->data, '\0', (size_t)s->length) != NULL)
		return KRB_ERR_GENERIC;
	c = malloc((size_t)s->length + 1);
	if (c == NULL)
		return KRB_ERR_GENERIC;
	memcpy(c, s->data, (size_t)s->length);
	c[s->length] = '\0';
	*out = c;
	return 0;
}

int
asn1krb_str_eq(const ASN1_STRING *a, const char *s)
{
	size_t n;

	if (a == NULL || s == NULL)
		return 0;
	n = strlen(s);
	return (size_t)a->length == n && memcmp(a->data, s, n) == 0;
}

kerr_t
asn1krb_octets_set(ASN1_OCTET_STRING **osp, const uint8_t *p, size_t len)
{
	ASN1_OCTET_STRING *os;

	if (len > INT32_MAX || (p == NULL && len != 0))
		return KRB_ERR_GENERIC;
	os = *osp != NULL ? *osp : ASN1_OCTET_STRING_new();
	if (os == NULL)
		return KRB_ERR_GENERIC;
	if (!ASN1_OCTET_STRING_set(os, p != NULL ? p : (const uint8_t *)"",
	    (int)len)) {
		if (*osp == NULL)
			ASN1_OCTET_STRING_free(os);
		return KRB_ERR_GENERIC;
	}
	*osp = os;
	return 0;
}

/* ---- PA-DATA, ETYPE-INFO2, TYPED-DATA ----------------------------- */

KRB5_PADATA *
asn1krb_padata_find(const KRB5_METHOD_DATA *md, int32_t type, int *start)
{
	KRB5_PADATA *pa;
	int i;

	for (i = start != NULL ? *start : 0; i < sk_KRB5_PADATA_num(md); i++) {
		pa = sk_KRB5_PADATA_value(md, i);
		if (pa->padata_type == type) {
			if (start != NULL)
				*start = i + 1;
			return pa;
		}
	}
	return NULL;
}

kerr_t
asn1krb_padata_add(KRB5_METHOD_DATA **mdp, int32_t type,
    const uint8_t *value, size_t len)
{
	KRB5_METHOD_DATA *md = *mdp;
	KRB5_PADATA *pa = NULL;
	kerr_t ret = KRB_ERR_GENERIC;

	if (md == NULL && (md = sk_KRB5_PADATA_new_null()) == NULL)
		goto cleanup;
	pa = KRB5_PADATA_new();
	if (pa == NULL || asn1krb_octets_set(&pa->padata_value, value, len))
		goto cleanup;
	pa->padata_type = type;
	if (!sk_KRB5_PADATA_push(md, pa))
		goto cleanup;
	pa = NULL;
	*mdp = md;
	ret = 0;
cleanup:
	KRB5_PADATA_free(pa);
	if (ret && *mdp == NULL)
		sk_KRB5_PADATA_free(md);
	return ret;
}

kerr_t
asn1krb_etype_info2_add(KRB5_ETYPE_INFO2 **infop, int32_t etype,
    const char *salt, const uint8_t *s2kparams, size_t s2kparams_len)
{
	KRB5_ETYPE_INFO2 *info = *infop;
	KRB5_ETYPE_INFO2_ENTRY *ent = NULL;
	kerr_t ret = KRB_ERR_GENERIC;

	if (info == NULL &&
	    (info = sk_KRB5_ETYPE_INFO2_ENTRY_new_null()) == NULL)
		goto cleanup;
	ent = KRB5_ETYPE_INFO2_ENTRY_new();
	if (ent == NULL)
		goto cleanup;
	ent->etype = etype;
	if (salt != NULL && asn1krb_str_set(&ent->salt, salt))
		goto cleanup;
	if (s2kparams != NULL &&
	    asn1krb_octets_set(&ent->s2kparams, s2kparams, s2kparams_len))
		goto cleanup;
	if (!sk_KRB5_ETYPE_INFO2_ENTRY_push(info, ent))
		goto cleanup;
	ent = NULL;
	*infop = info;
	ret = 0;
cleanup:
	KRB5_ETYPE_INFO2_ENTRY_free(ent);
	if (ret && *infop == NULL)
		sk_KRB5_ETYPE_INFO2_ENTRY_free(info);
	return ret;
}

kerr_t
asn1krb_typed_data_add(KRB5_TYPED_DATA **tdp, int32_t type,
    const uint8_t *value, size_t len)
{
	KRB5_TYPED_DATA *td = *tdp;
	KRB5_TYPED_DATA_ENTRY *ent = NULL;
	kerr_t ret = KRB_ERR_GENERIC;

	if (td == NULL && (td = sk_KRB5_TYPED_DATA_ENTRY_new_null()) == NULL)
		goto cleanup;
	ent = KRB5_TYPED_DATA_ENTRY_new();
	if (ent == NULL)
		goto cleanup;
	ent->data_type = type;
	if (value != NULL && asn1krb_octets_set(&ent->data_value, value, len))
		goto cleanup;
	if (!sk_KRB5_TYPED_DATA_ENTRY_push(td, ent))
		goto cleanup;
	ent = NULL;
	*tdp = td;
	ret = 0;
cleanup:
	KRB5_TYPED_DATA_ENTRY_free(ent);
	if (ret && *tdp == NULL)
		sk_KRB5_TYPED_DATA_ENTRY_free(td);
	return ret;
}

kerr_t
asn1krb_key_set(KRB5_ENCKEY *k, int32_t keytype, const uint8_t *key,
    size_t len)
{
	ASN1_OCTET_STRING *os = NULL;

	if (k == NULL || asn1krb_octets_set(&os, key, len))
		return KRB_ERR_GENERIC;
	/* Wipe the old value: ASN1_STRING_set would realloc it in place. */
	if (k->keyvalue != NULL && k->keyvalue->data != NULL)
		OPENSSL_cleanse(k->keyvalue->data, (size_t)k->keyvalue->length);
	ASN1_OCTET_STRING_free(k->keyvalue);
	k->keyvalue = os;
	k->keytype = keytype;
	return 0;
}
