/* asn1_testutil.h - helpers shared by the ASN.1 unit tests. */
#ifndef PKINIT_KDC_ASN1_TESTUTIL_H
#define PKINIT_KDC_ASN1_TESTUTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asn1_krb5.h"

/*
 * Encode val, decode the bytes with the strict decoder, encode the result
 * again and require identical bytes.  Returns the decoded value; the first
 * encoding goes to *der_out when der_out is not NULL.
 */
static inline void *
rt_item(const ASN1_ITEM *it, const void *val, uint8_t **der_out,
    size_t *len_out)
{
	uint8_t *der1 = NULL, *der2 = NULL;
	size_t n1 = 0, n2 = 0;
	void *dec = NULL;
	struct kerr e;

	ck_assert_msg(asn1krb_encode(it, val, &der1, &n1, &e) == 0, "%s: %s",
	    it->sname, e.msg);
	ck_assert_msg(asn1krb_decode(it, der1, n1, &dec, &e) == 0,
	    "%s: %s", it->sname, e.msg);
	ck_assert_msg(asn1krb_encode(it, dec, &der2, &n2, &e) == 0, "%s: %s",
	    it->sname, e.msg);
	ck_assert_uint_eq(n1, n2);
	ck_assert_msg(memcmp(der1, der2, n1) == 0, "%s re-encoding differs",
	    it->sname);
	free(der2);
	if (der_out != NULL) {
		*der_out = der1;
		*len_out = n1;
	} else {
		free(der1);
	}
	return dec;
}

#define RT(type, val, der_out, len_out) \
	((type *)rt_item(ASN1_ITEM_rptr(type), (val), (der_out), (len_out)))

/* Decoding must fail. */
static inline void
expect_reject(const ASN1_ITEM *it, const uint8_t *buf, size_t len,
    const char *why)
{
	void *dec = NULL;
	struct kerr e;

	kerr_clear(&e);
	ck_assert_msg(asn1krb_decode(it, buf, len, &dec, &e) != 0,
	    "%s accepted: %s", it->sname, why);
	ck_assert_ptr_null(dec);
	ck_assert_msg(e.msg[0] != '\0', "no message for: %s", why);
	if (getenv("ASN1_TEST_VERBOSE") != NULL)
		fprintf(stderr, "rejected (%s): %s\n", why, e.msg);
}

/* Read tests/data/<name> into a malloc'd buffer. */
static inline uint8_t *
read_data(const char *name, size_t *len_out)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	uint8_t *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/tests/data/%s", top ? top : ".", name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert(n > 0 && n < 65536);
	rewind(f);
	buf = malloc((size_t)n);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len_out = (size_t)n;
	return buf;
}

static inline ASN1_OCTET_STRING *
octets(const char *s)
{
	ASN1_OCTET_STRING *os = NULL;

	ck_assert_int_eq(asn1krb_octets_set(&os, (const uint8_t *)s, strlen(s)),
	    0);
	return os;
}

static inline KRB5_PRINCNAME *
princ(const char *text)
{
	KRB5_PRINCNAME *p = NULL;
	struct kerr e;

	ck_assert_msg(asn1krb_princ_parse(text, KRB5_NT_PRINCIPAL, &p, NULL,
	    &e) == 0, "%s", e.msg);
	return p;
}

#endif
