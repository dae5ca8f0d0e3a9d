/*
 * pk_der.c - bounded DER writer for small structures built by pk_ modules.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pk_der.h"
#include "secmem.h"

void
pk_der_init(struct pk_der *d)
{
	memset(d, 0, sizeof(*d));
}

void
pk_der_clear(struct pk_der *d)
{
	if (d == NULL)
		return;
	sec_free(d->buf, d->cap);
	pk_der_init(d);
}

static int
reserve(struct pk_der *d, size_t extra)
{
	size_t need, cap;
	uint8_t *nb;

	if (d->failed)
		return -1;
	if (extra > PK_DER_MAX || d->len > PK_DER_MAX - extra) {
		d->failed = 1;
		return -1;
	}
	need = d->len + extra;
	if (need <= d->cap)
		return 0;
	cap = d->cap ? d->cap : 64;
	while (cap < need)
		cap *= 2;
	/* Grow by copy so that the old buffer can be wiped. */
	nb = malloc(cap);
	if (nb == NULL) {
		d->failed = 1;
		return -1;
	}
	if (d->len > 0)
		memcpy(nb, d->buf, d->len);
	sec_free(d->buf, d->cap);
	d->buf = nb;
	d->cap = cap;
	return 0;
}

void
pk_der_raw(struct pk_der *d, const void *p, size_t n)
{
	if (n == 0 || reserve(d, n) != 0)
		return;
	memcpy(d->buf + d->len, p, n);
	d->len += n;
}

static size_t
len_octets(size_t n, uint8_t out[5])
{
	size_t i, k = 0;

	if (n < 0x80) {
		out[0] = (uint8_t)n;
		return 1;
	}
	for (i = n; i > 0; i >>= 8)
		k++;
	out[0] = (uint8_t)(0x80 | k);
	for (i = 0; i < k; i++)
		out[k - i] = (uint8_t)(n >> (8 * i));
	return k + 1;
}

void
pk_der_tlv(struct pk_der *d, uint8_t tag, const void *p, size_t n)
{
	uint8_t hdr[6];
	size_t hl;

	hdr[0] = tag;
	hl = 1 + len_octets(n, hdr + 1);
	pk_der_raw(d, hdr, hl);
	pk_der_raw(d, p, n);
}

void
pk_der_wrap(struct pk_der *d, size_t start, uint8_t tag)
{
	uint8_t hdr[6];
	size_t hl, n;

	if (d->failed || start > d->len)
		return;
	n = d->len - start;
	hdr[0] = tag;
	hl = 1 + len_octets(n, hdr + 1);
	if (reserve(d, hl) != 0)
		return;
	memmove(d->buf + start + hl, d->buf + start, n);
	memcpy(d->buf + start, hdr, hl);
	d->len += hl;
}

void
pk_der_int32(struct pk_der *d, int32_t v)
{
	uint8_t b[4];
	size_t i = 0;
	int k;

	for (k = 3; k >= 0; k--)
		b[3 - k] = (uint8_t)((uint32_t)v >> (8 * k));
	/* Drop redundant leading 0x00 / 0xff octets (X.690 8.3.2). */
	while (i < 3 && ((b[i] == 0x00 && !(b[i + 1] & 0x80)) ||
	    (b[i] == 0xff && (b[i + 1] & 0x80))))
		i++;
	pk_der_tlv(d, 0x02, b + i, 4 - i);
}

int
pk_der_take(struct pk_der *d, uint8_t **der_out, size_t *len_out)
{
	uint8_t *p;

	if (d->failed || d->len == 0) {
		pk_der_clear(d);
		return -1;
	}
	p = malloc(d->len);
	if (p == NULL) {
		pk_der_clear(d);
		return -1;
	}
	memcpy(p, d->buf, d->len);
	*der_out = p;
	*len_out = d->len;
	pk_der_clear(d);
	return 0;
}

int
pk_der_krb5_principal(const char *realm, int32_t name_type,
    const char *const *comps, size_t n, uint8_t **der_out, size_t *len_out)
{
	struct pk_der d;
	size_t top, pn, seq, names, i;

	/*
	 * KRB5PrincipalName ::= SEQUENCE {
	 *     realm [0] Realm, principalName [1] PrincipalName }
	 * PrincipalName ::= SEQUENCE {
	 *     name-type [0] Int32, name-string [1] SEQUENCE OF KerberosString }
	 * Realm and KerberosString are GeneralString (tag 0x1b).
	 */
	pk_der_init(&d);
	top = d.len;
	pk_der_tlv(&d, 0x1b, realm, strlen(realm));
	pk_der_wrap(&d, top, 0xa0);
	pn = d.len;
	seq = d.len;
	pk_der_int32(&d, name_type);
	pk_der_wrap(&d, seq, 0xa0);
	names = d.len;
	for (i = 0; i < n; i++)
		pk_der_tlv(&d, 0x1b, comps[i], strlen(comps[i]));
	pk_der_wrap(&d, names, 0x30);
	pk_der_wrap(&d, names, 0xa1);
	pk_der_wrap(&d, pn, 0x30);
	pk_der_wrap(&d, pn, 0xa1);
	pk_der_wrap(&d, top, 0x30);
	return pk_der_take(&d, der_out, len_out);
}
