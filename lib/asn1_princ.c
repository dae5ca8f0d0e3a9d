/*
 * asn1_princ.c - PrincipalName (RFC 4120 section 5.2.2) to and from the
 * usual "comp1/comp2@REALM" text form.
 *
 * The text form is for configuration, directory attributes and logs.  A
 * backslash quotes the next character so '/', '@' and '\' can appear in a
 * component; "\n", "\t", "\b" and "\0" stand for those bytes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>

#include "asn1_krb5.h"

#define PRINC_TEXT_MAX  4096    /* longest text form accepted */
#define PRINC_COMPS_MAX 32      /* most components accepted */

kerr_t
asn1krb_princ_new(int32_t name_type, const char *const *comps, size_t n,
    KRB5_PRINCNAME **out)
{
	KRB5_PRINCNAME *p;
	ASN1_GENERALSTRING *gs = NULL;
	kerr_t ret = KRB_ERR_GENERIC;
	size_t i;

	p = KRB5_PRINCNAME_new();
	if (p == NULL)
		return KRB_ERR_GENERIC;
	p->name_type = name_type;
	for (i = 0; i < n; i++) {
		gs = asn1krb_str_new(comps[i]);
		if (gs == NULL || !sk_ASN1_GENERALSTRING_push(p->name_string, gs))
			goto cleanup;
		gs = NULL;
	}
	*out = p;
	p = NULL;
	ret = 0;
cleanup:
	ASN1_GENERALSTRING_free(gs);
	KRB5_PRINCNAME_free(p);
	return ret;
}

/* Append one component of len bytes to p. */
static int
push_comp(KRB5_PRINCNAME *p, const char *s, size_t len)
{
	ASN1_GENERALSTRING *gs = ASN1_GENERALSTRING_new();

	if (gs == NULL || !ASN1_STRING_set(gs, s, (int)len) ||
	    !sk_ASN1_GENERALSTRING_push(p->name_string, gs)) {
		ASN1_GENERALSTRING_free(gs);
		return 0;
	}
	return 1;
}

static char
unescape(char c)
{
	switch (c) {
	case 'n':
		return '\n';
	case 't':
		return '\t';
	case 'b':
		return '\b';
	case '0':
		return '\0';
	default:
		return c;
	}
}

kerr_t
asn1krb_princ_parse(const char *s, int32_t name_type,
    KRB5_PRINCNAME **princ_out, char **realm_out, struct kerr *e)
{
	KRB5_PRINCNAME *p = NULL;
	char *buf = NULL, *realm = NULL;
	const char *why = "out of memory";
	size_t n, i, blen = 0;
	int in_realm = 0;
	kerr_t ret = KRB_ERR_GENERIC;
	char c;

	if (s == NULL || *s == '\0')
		return kerr_set(e, KRB_ERR_GENERIC, "empty principal name");
	n = strlen(s);
	if (n > PRINC_TEXT_MAX)
		return kerr_set(e, KRB_ERR_FIELD_TOOLONG,
		    "principal name longer than %d", PRINC_TEXT_MAX);
	p = KRB5_PRINCNAME_new();
	buf = malloc(n + 1);
	if (p == NULL || buf == NULL)
		goto cleanup;
	p->name_type = name_type;
	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '\\') {
			if (++i == n) {
				why = "trailing backslash";
				goto cleanup;
			}
			buf[blen++] = unescape(s[i]);
		} else if (c == '@' && in_realm) {
			why = "unquoted '@' in realm";
			goto cleanup;
		} else if (c == '@' || (c == '/' && !in_realm)) {
			why = "out of memory";
			if (!push_comp(p, buf, blen))
				goto cleanup;
			blen = 0;
			in_realm = c == '@';
			if (sk_ASN1_GENERALSTRING_num(p->name_string) >=
			    PRINC_COMPS_MAX && !in_realm) {
				why = "too many components";
				goto cleanup;
			}
		} else {
			buf[blen++] = c;
		}
	}
	if (!in_realm) {
		if (!push_comp(p, buf, blen))
			goto cleanup;
	} else if (blen == 0) {
		why = "empty realm";
		goto cleanup;
	} else if (memchr(buf, '\0', blen) != NULL) {
		why = "NUL in realm";
		goto cleanup;
	} else if (realm_out == NULL) {
		why = "realm not allowed here";
		goto cleanup;
	} else {
		if ((realm = malloc(blen + 1)) == NULL)
			goto cleanup;
		memcpy(realm, buf, blen);
		realm[blen] = '\0';
	}
	*princ_out = p;
	p = NULL;
	if (realm_out != NULL) {
		*realm_out = realm;
		realm = NULL;
	}
	ret = 0;
cleanup:
	if (ret)
		kerr_set(e, ret, "principal \"%s\": %s", s, why);
	free(buf);
	free(realm);
	KRB5_PRINCNAME_free(p);
	return ret;
}

/* Append bytes to a bounded output buffer, escaping as needed. */
static size_t
put_escaped(char *out, const unsigned char *s, size_t len, int is_realm)
{
	size_t o = 0, i;

	for (i = 0; i < len; i++) {
		unsigned char c = s[i];
		char esc = 0;

		if (c == '\\' || c == '@' || (c == '/' && !is_realm))
			esc = (char)c;
		else if (c == '\n')
			esc = 'n';
		else if (c == '\t')
			esc = 't';
		else if (c == '\b')
			esc = 'b';
		else if (c == '\0')
			esc = '0';
		if (esc) {
			out[o++] = '\\';
			out[o++] = esc;
		} else {
			out[o++] = (char)c;
		}
	}
	return o;
}

kerr_t
asn1krb_princ_unparse(const KRB5_PRINCNAME *p, const char *realm,
    char **out, struct kerr *e)
{
	const ASN1_STRING *c;
	size_t need = 1, o = 0;
	char *s;
	int i, n;

	if (p == NULL || (n = sk_ASN1_GENERALSTRING_num(p->name_string)) <= 0)
		return kerr_set(e, KRB_ERR_GENERIC, "principal has no name");
	/* Worst case every byte is escaped. */
	for (i = 0; i < n; i++)
		need += 2 * (size_t)sk_ASN1_GENERALSTRING_value(p->name_string,
		    i)->length + 1;
	if (realm != NULL)
		need += 2 * strlen(realm) + 1;
	s = malloc(need);
	if (s == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	for (i = 0; i < n; i++) {
		c = sk_ASN1_GENERALSTRING_value(p->name_string, i);
		if (i > 0)
			s[o++] = '/';
		o += put_escaped(s + o, c->data, (size_t)c->length, 0);
	}
	if (realm != NULL) {
		s[o++] = '@';
		o += put_escaped(s + o, (const unsigned char *)realm,
		    strlen(realm), 1);
	}
	s[o] = '\0';
	*out = s;
	return 0;
}

int
asn1krb_princ_ncomp(const KRB5_PRINCNAME *p)
{
	return p == NULL ? 0 : sk_ASN1_GENERALSTRING_num(p->name_string);
}

const unsigned char *
asn1krb_princ_comp(const KRB5_PRINCNAME *p, int i, size_t *len_out)
{
	const ASN1_STRING *c;

	if (i < 0 || i >= asn1krb_princ_ncomp(p))
		return NULL;
	c = sk_ASN1_GENERALSTRING_value(p->name_string, i);
	*len_out = (size_t)c->length;
	return c->data;
}

int
asn1krb_princ_eq(const KRB5_PRINCNAME *a, const KRB5_PRINCNAME *b)
{
	int i, n = asn1krb_princ_ncomp(a);

	if (a == NULL || b == NULL || n != asn1krb_princ_ncomp(b))
		return 0;
	for (i = 0; i < n; i++)
		if (ASN1_STRING_cmp(sk_ASN1_GENERALSTRING_value(a->name_string, i),
		    sk_ASN1_GENERALSTRING_value(b->name_string, i)) != 0)
			return 0;
	return 1;
}
