/*
 * map_altsecid.c - altSecurityIdentities strings: AD-order DNs, reversed
 * serials, parsing, matching and writing every form for a certificate.
 *
 * Matching is done on parsed values rather than on the stored text, so a
 * value written with "ST=" instead of "S=", with different case or with
 * spaces after the commas still designates the same certificate.  The
 * directory search (an equality filter per string) only finds the
 * canonical spelling map_altsecid_all() writes.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "asn1_krb5.h"
#include "asn1_pkinit.h"
#include "cv_cert.h"
#include "map_altsecid.h"

#define MAX_RDNS 64
#define SID_URL_PREFIX "tag:microsoft.com,2022-09-14:sid:"

struct span {
	const char *p;
	size_t n;
};

int
map_form_strong(enum map_form f)
{
	return f == MAP_FORM_ISSUER_SERIAL || f == MAP_FORM_SKI ||
	    f == MAP_FORM_SHA1 || f == MAP_FORM_ISSUER_SID;
}

const char *
map_form_name(enum map_form f)
{
	static const char *const names[MAP_FORM_COUNT] = {
		"I+S", "S", "I+SR", "SKI", "SHA1-PUKEY", "RFC822", "I+SID"
	};

	return (unsigned int)f < MAP_FORM_COUNT ? names[f] : "?";
}

/* Split a DN into RDNs at unescaped ',' (also '\r' and '\n'); empty parts
 * are dropped.  Returns the count or -1. */
static int
dn_split(const char *dn, struct span *v, size_t max)
{
	const char *p = dn, *start = dn;
	size_t n = 0;

	for (;; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (*p != '\0' && *p != ',' && *p != '\r' && *p != '\n')
			continue;
		while (start < p && *start == ' ')
			start++;
		if (p > start) {
			if (n >= max)
				return -1;
			v[n].p = start;
			v[n].n = (size_t)(p - start);
			n++;
		}
		if (*p == '\0')
			break;
		start = p + 1;
	}
	return (int)n;
}

/* AD's spelling of an attribute type: ST -> S, emailAddress -> E. */
static const char *
ad_type(const char *t, size_t n)
{
	if (n == 2 && strncasecmp(t, "ST", 2) == 0)
		return "S";
	if ((n == 12 && strncasecmp(t, "emailAddress", 12) == 0) ||
	    (n == 20 && strncmp(t, "1.2.840.113549.1.9.1", 20) == 0))
		return "E";
	return NULL;
}

int
map_dn_reverse(const char *dn, char *out, size_t outlen)
{
	struct span v[MAX_RDNS];
	size_t off = 0, tl;
	const char *eq, *ren;
	int n, i, k;

	if (dn == NULL || outlen == 0 || (n = dn_split(dn, v, MAX_RDNS)) < 0)
		return -1;
	out[0] = '\0';
	for (i = n - 1; i >= 0; i--) {
		eq = memchr(v[i].p, '=', v[i].n);
		tl = eq ? (size_t)(eq - v[i].p) : 0;
		ren = eq ? ad_type(v[i].p, tl) : NULL;
		if (ren != NULL)
			k = snprintf(out + off, outlen - off, "%s%s%.*s",
			    off ? "," : "", ren, (int)(v[i].n - tl), eq);
		else
			k = snprintf(out + off, outlen - off, "%s%.*s",
			    off ? "," : "", (int)v[i].n, v[i].p);
		if (k < 0 || (size_t)k >= outlen - off)
			return -1;
		off += (size_t)k;
	}
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Unescape (RFC 4514 section 2.4) and trim one type or value into out,
 * upper-casing ASCII so comparisons ignore case. */
static int
canon(const char *p, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0, keep = 0;
	int c;

	while (n > 0 && *p == ' ') {
		p++;
		n--;
	}
	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if (c == '\\' && i + 1 < n) {
			if (i + 2 < n && hexval(p[i + 1]) >= 0 &&
			    hexval(p[i + 2]) >= 0) {
				c = hexval(p[i + 1]) * 16 + hexval(p[i + 2]);
				i += 2;
			} else {
				c = (unsigned char)p[++i];
			}
			if (o + 1 >= outlen)
				return -1;
			out[o++] = (char)toupper(c);
			keep = o;
			continue;
		}
		if (o + 1 >= outlen)
			return -1;
		out[o++] = (char)toupper(c);
		if (c != ' ')
			keep = o;
	}
	out[keep] = '\0';
	return 0;
}

static int
rdn_equal(const struct span *a, const struct span *b)
{
	char ta[64], tb[64], va[512], vb[512];
	const char *ea = memchr(a->p, '=', a->n), *eb = memchr(b->p, '=', b->n);
	const char *ra, *rb;

	if (ea == NULL || eb == NULL)
		return 0;
	if (canon(a->p, (size_t)(ea - a->p), ta, sizeof(ta)) != 0 ||
	    canon(b->p, (size_t)(eb - b->p), tb, sizeof(tb)) != 0)
		return 0;
	ra = ad_type(ta, strlen(ta));
	rb = ad_type(tb, strlen(tb));
	if (strcmp(ra ? ra : ta, rb ? rb : tb) != 0)
		return 0;
	if (canon(ea + 1, a->n - (size_t)(ea + 1 - a->p), va, sizeof(va)) ||
	    canon(eb + 1, b->n - (size_t)(eb + 1 - b->p), vb, sizeof(vb)))
		return 0;
	return strcmp(va, vb) == 0;
}

int
map_dn_equal(const char *a, const char *b)
{
	struct span va[MAX_RDNS], vb[MAX_RDNS];
	int na, nb, i;

	if (a == NULL || b == NULL)
		return 0;
	na = dn_split(a, va, MAX_RDNS);
	nb = dn_split(b, vb, MAX_RDNS);
	if (na < 0 || na != nb)
		return 0;
	for (i = 0; i < na; i++) {
		if (!rdn_equal(&va[i], &vb[i]))
			return 0;
	}
	return 1;
}

/* Hex (spaces and ':' ignored) to bytes; returns the length or -1. */
static int
hex_decode(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == ':')
			continue;
		if ((v = hexval((unsigned char)*s)) < 0)
			return -1;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= max)
			return -1;
		out[n++] = (uint8_t)(hi * 16 + v);
		hi = -1;
	}
	return hi >= 0 ? -1 : (int)n;
}

static void
hex_encode(const uint8_t *p, size_t n, char *out, int upper)
{
	const char *d = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int
map_serial_reverse(const char *hex, char *out, size_t outlen)
{
	uint8_t b[128], t;
	int n, i;

	if (hex == NULL || (n = hex_decode(hex, b, sizeof(b))) <= 0 ||
	    (size_t)n * 2 + 1 > outlen)
		return -1;
	for (i = 0; i < n / 2; i++) {
		t = b[i];
		b[i] = b[n - 1 - i];
		b[n - 1 - i] = t;
	}
	hex_encode(b, (size_t)n, out, 1);
	return 0;
}

void
map_altsecid_free(struct map_altsecid *m)
{
	if (m == NULL)
		return;
	free(m->issuer);
	free(m->subject);
	free(m->bin);
	free(m->text);
	free(m);
}

static const char *const tag_names[] = {
	"I", "S", "SR", "SKI", "SHA1-PUKEY", "RFC822", "SID", NULL
};
enum { T_I, T_S, T_SR, T_SKI, T_SHA1, T_RFC822, T_SID };

/* Tag at p ("<SR>"): its index and length, or -1. */
static int
tag_at(const char *p, size_t *len_out)
{
	size_t n;
	int i;

	if (*p != '<')
		return -1;
	for (i = 0; tag_names[i] != NULL; i++) {
		n = strlen(tag_names[i]);
		if (strncasecmp(p + 1, tag_names[i], n) == 0 && p[n + 1] == '>') {
			*len_out = n + 2;
			return i;
		}
	}
	return -1;
}

static kerr_t
set_bin(struct map_altsecid *m, const char *hex, int reverse, size_t want,
    const char *s, struct kerr *e)
{
	uint8_t b[128];
	char fwd[260];
	int n;

	if (reverse) {
		if (map_serial_reverse(hex, fwd, sizeof(fwd)) != 0)
			return kerr_set(e, KDC_ERR_CLIENT_NAME_MISMATCH,
			    "'%s': serial is not hex", s);
		hex = fwd;
	}
	n = hex_decode(hex, b, sizeof(b));
	if (n <= 0 || (want != 0 && (size_t)n != want))
		return kerr_set(e, KDC_ERR_CLIENT_NAME_MISMATCH,
		    "'%s': value is not %s hex", s, want ? "20-byte" : "");
	if ((m->bin = malloc((size_t)n)) == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	memcpy(m->bin, b, (size_t)n);
	m->bin_len = (size_t)n;
	return 0;
}

kerr_t
map_altsecid_parse(const char *s, struct map_altsecid **out, struct kerr *e)
{
	struct map_altsecid *m = NULL;
	const char *p, *q, *val[2];
	size_t vlen[2], tl;
	int tags[2], nt = 0, t;
	char *v[2] = { NULL, NULL };
	kerr_t ret = KDC_ERR_CLIENT_NAME_MISMATCH;

	if (s == NULL || strlen(s) > MAP_ALTSECID_MAX)
		return kerr_set(e, ret, "altSecurityIdentities value too long");
	if (strncasecmp(s, "X509:", 5) != 0)
		return kerr_set(e, ret, "'%s' is not an X509: mapping", s);
	p = s + 5;
	while (*p != '\0') {
		if ((t = tag_at(p, &tl)) < 0 || nt == 2) {
			kerr_set(e, ret, "'%s': expected a <I>, <S>, <SR>, "
			    "<SKI>, <SHA1-PUKEY>, <RFC822> or <SID> tag", s);
			goto cleanup;
		}
		/* The value runs to the next tag (AD does not escape '<'). */
		val[nt] = p + tl;
		for (q = val[nt]; *q != '\0' && tag_at(q, &tl) < 0; q++)
			;
		vlen[nt] = (size_t)(q - val[nt]);
		if (vlen[nt] == 0) {
			kerr_set(e, ret, "'%s': empty <%s> value", s,
			    tag_names[t]);
			goto cleanup;
		}
		tags[nt++] = t;
		p = q;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	for (t = 0; t < nt; t++) {
		if ((v[t] = strndup(val[t], vlen[t])) == NULL) {
			ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
			goto cleanup;
		}
	}
	if (nt == 2 && tags[0] == T_I && tags[1] == T_S) {
		m->form = MAP_FORM_ISSUER_SUBJECT;
		m->issuer = v[0];
		m->subject = v[1];
		v[0] = v[1] = NULL;
	} else if (nt == 1 && tags[0] == T_S) {
		m->form = MAP_FORM_SUBJECT;
		m->subject = v[0];
		v[0] = NULL;
	} else if (nt == 2 && tags[0] == T_I && tags[1] == T_SR) {
		m->form = MAP_FORM_ISSUER_SERIAL;
		m->issuer = v[0];
		v[0] = NULL;
		if ((ret = set_bin(m, v[1], 1, 0, s, e)) != 0)
			goto cleanup;
	} else if (nt == 1 && tags[0] == T_SKI) {
		m->form = MAP_FORM_SKI;
		if ((ret = set_bin(m, v[0], 0, 0, s, e)) != 0)
			goto cleanup;
	} else if (nt == 1 && tags[0] == T_SHA1) {
		m->form = MAP_FORM_SHA1;
		if ((ret = set_bin(m, v[0], 0, 20, s, e)) != 0)
			goto cleanup;
	} else if (nt == 1 && tags[0] == T_RFC822) {
		m->form = MAP_FORM_RFC822;
		m->text = v[0];
		v[0] = NULL;
	} else if (nt == 2 && tags[0] == T_I && tags[1] == T_SID) {
		m->form = MAP_FORM_ISSUER_SID;
		m->issuer = v[0];
		m->text = v[1];
		v[0] = v[1] = NULL;
	} else {
		ret = kerr_set(e, KDC_ERR_CLIENT_NAME_MISMATCH, "'%s': not one "
		    "of the forms <I><S>, <S>, <I><SR>, <SKI>, <SHA1-PUKEY>, "
		    "<RFC822>, <I><SID>", s);
		goto cleanup;
	}
	*out = m;
	m = NULL;
	ret = 0;
cleanup:
	free(v[0]);
	free(v[1]);
	map_altsecid_free(m);
	return ret;
}

/* Serial bytes without leading zero octets. */
static const uint8_t *
strip_zeros(const uint8_t *p, size_t *n)
{
	while (*n > 1 && p[0] == 0) {
		p++;
		(*n)--;
	}
	return p;
}

static int
serial_matches(const struct map_altsecid *m, const struct map_cert *c)
{
	const char *hex = cv_cert_serial_hex(c->cert);
	const uint8_t *a, *b;
	uint8_t cs[128];
	size_t na, nb;
	int n;

	if (hex[0] == '-' || (n = hex_decode(hex, cs, sizeof(cs))) <= 0)
		return 0;
	na = (size_t)n;
	nb = m->bin_len;
	a = strip_zeros(cs, &na);
	b = strip_zeros(m->bin, &nb);
	return na == nb && memcmp(a, b, na) == 0;
}

static int
blobs_has(const struct cv_blobs *b, const char *s)
{
	size_t i;

	for (i = 0; b != NULL && i < b->n; i++) {
		if (strcasecmp((const char *)b->v[i].data, s) == 0)
			return 1;
	}
	return 0;
}

int
map_altsecid_match(const struct map_altsecid *m, const struct map_cert *c)
{
	const uint8_t *ski;
	uint8_t sha[20];
	size_t n;

	if (m == NULL || c == NULL)
		return 0;
	switch (m->form) {
	case MAP_FORM_ISSUER_SUBJECT:
		return map_dn_equal(m->issuer, c->issuer_ad) &&
		    map_dn_equal(m->subject, c->subject_ad);
	case MAP_FORM_SUBJECT:
		return c->subject_ad[0] != '\0' &&
		    map_dn_equal(m->subject, c->subject_ad);
	case MAP_FORM_ISSUER_SERIAL:
		return map_dn_equal(m->issuer, c->issuer_ad) &&
		    serial_matches(m, c);
	case MAP_FORM_SKI:
		ski = cv_cert_ski(c->cert, &n);
		return ski != NULL && n == m->bin_len &&
		    memcmp(ski, m->bin, n) == 0;
	case MAP_FORM_SHA1:
		return hex_decode(cv_cert_sha1_hex(c->cert), sha,
		    sizeof(sha)) == 20 && m->bin_len == 20 &&
		    memcmp(sha, m->bin, 20) == 0;
	case MAP_FORM_RFC822:
		return blobs_has(c->emails, m->text);
	case MAP_FORM_ISSUER_SID:
		return map_dn_equal(m->issuer, c->issuer_ad) &&
		    ((c->sid != NULL && strcasecmp(c->sid, m->text) == 0) ||
		    (c->sid_url != NULL && strcasecmp(c->sid_url, m->text) == 0));
	}
	return 0;
}

void
map_cert_free(struct map_cert *c)
{
	size_t i;

	if (c == NULL || --c->refs > 0)
		return;
	free(c->issuer_ad);
	free(c->subject_ad);
	free(c->serial_rev);
	free(c->ski_hex);
	free(c->sid);
	free(c->sid_url);
	cv_blobs_free(c->upns);
	cv_blobs_free(c->emails);
	cv_blobs_free(c->dns);
	for (i = 0; i < c->n_pkinit_names; i++)
		free(c->pkinit_names[i]);
	free(c->pkinit_names);
	free(c);
}

/* id-pkinit-san values as "name@REALM" (undecodable ones are skipped: they
 * cannot name anything). */
static kerr_t
pkinit_names(struct map_cert *c, struct kerr *e)
{
	struct cv_blobs *sans = NULL;
	size_t i;
	kerr_t ret;

	if ((ret = cv_cert_sans(c->cert, CV_SAN_PKINIT, &sans, e)) != 0)
		return ret;
	if (sans->n > 0 &&
	    (c->pkinit_names = calloc(sans->n, sizeof(char *))) == NULL) {
		cv_blobs_free(sans);
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	}
	for (i = 0; i < sans->n; i++) {
		PKINIT_KRB5_PRINCNAME *kp = NULL;
		char *realm = NULL, *name = NULL;

		if (ASN1KRB_DECODE(PKINIT_KRB5_PRINCNAME, sans->v[i].data,
		    sans->v[i].len, &kp, NULL) == 0 &&
		    asn1krb_str_dup(kp->realm, &realm) == 0 &&
		    asn1krb_princ_unparse(kp->principal_name, realm, &name,
		    NULL) == 0)
			c->pkinit_names[c->n_pkinit_names++] = name;
		free(realm);
		PKINIT_KRB5_PRINCNAME_free(kp);
	}
	cv_blobs_free(sans);
	return 0;
}

static kerr_t
sid_url(struct map_cert *c, struct kerr *e)
{
	struct cv_blobs *uris = NULL;
	size_t i, pl = strlen(SID_URL_PREFIX);
	kerr_t ret;

	if ((ret = cv_cert_sans(c->cert, CV_SAN_URI, &uris, e)) != 0)
		return ret;
	for (i = 0; i < uris->n; i++) {
		const char *u = (const char *)uris->v[i].data;

		if (strncasecmp(u, SID_URL_PREFIX, pl) != 0)
			continue;
		if (c->sid_url != NULL) {
			cv_blobs_free(uris);
			return kerr_set(e, KDC_ERR_INVALID_CERTIFICATE,
			    "certificate '%s' has several SID URLs",
			    cv_cert_subject(c->cert));
		}
		if ((c->sid_url = strdup(u + pl)) == NULL) {
			cv_blobs_free(uris);
			return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		}
	}
	cv_blobs_free(uris);
	return 0;
}

/* Identifies map_cert views among certificate memos. */
static const char memo_key;

static void
memo_free(void *p)
{
	map_cert_free(p);
}

kerr_t
map_cert_new(const struct cv_cert *cert, struct map_cert **out,
    struct kerr *e)
{
	struct map_cert *c;
	char buf[MAP_ALTSECID_MAX];
	const uint8_t *ski;
	size_t n;
	kerr_t ret;

	if ((c = cv_cert_memo(cert, &memo_key)) != NULL) {
		c->refs++;
		*out = c;
		return 0;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	c->refs = 1;
	c->cert = cert;
	ret = kerr_set(e, KDC_ERR_INVALID_CERTIFICATE, "certificate '%s': "
	    "name too long or malformed for mapping", cv_cert_subject(cert));
	if (map_dn_reverse(cv_cert_issuer(cert), buf, sizeof(buf)) != 0 ||
	    (c->issuer_ad = strdup(buf)) == NULL ||
	    map_dn_reverse(cv_cert_subject(cert), buf, sizeof(buf)) != 0 ||
	    (c->subject_ad = strdup(buf)) == NULL)
		goto cleanup;
	if (cv_cert_serial_hex(cert)[0] != '-' &&
	    (map_serial_reverse(cv_cert_serial_hex(cert), buf,
	    sizeof(buf)) != 0 || (c->serial_rev = strdup(buf)) == NULL))
		goto cleanup;
	if ((ski = cv_cert_ski(cert, &n)) != NULL && n > 0 && n < 128) {
		if ((c->ski_hex = malloc(2 * n + 1)) == NULL)
			goto cleanup;
		hex_encode(ski, n, c->ski_hex, 0);
	}
	if ((ret = cv_cert_sid_ext(cert, &c->sid, e)) != 0 ||
	    (ret = sid_url(c, e)) != 0 ||
	    (ret = cv_cert_sans(cert, CV_SAN_UPN, &c->upns, e)) != 0 ||
	    (ret = cv_cert_sans(cert, CV_SAN_EMAIL, &c->emails, e)) != 0 ||
	    (ret = cv_cert_sans(cert, CV_SAN_DNS, &c->dns, e)) != 0 ||
	    (ret = pkinit_names(c, e)) != 0)
		goto cleanup;
	/* Without the memo (already taken) the view is simply not shared. */
	c->refs++;
	if (cv_cert_set_memo(cert, &memo_key, c, memo_free) != 0)
		c->refs--;
	*out = c;
	c = NULL;
	ret = 0;
cleanup:
	map_cert_free(c);
	return ret;
}

static int
add(char **out, enum map_form *forms, size_t max, size_t *n,
    enum map_form f, const char *t1, const char *a, const char *t2,
    const char *b)
{
	char buf[MAP_ALTSECID_MAX + 1];
	int k;

	if (*n >= max)
		return 0;
	k = snprintf(buf, sizeof(buf), "X509:%s%s%s%s", t1, a, t2, b);
	if (k < 0 || (size_t)k > MAP_ALTSECID_MAX)
		return 0;               /* too long to be stored: skip */
	if ((out[*n] = strdup(buf)) == NULL)
		return -1;
	forms[(*n)++] = f;
	return 0;
}

int
map_altsecid_all(const struct map_cert *c, char **out,
    enum map_form *forms, size_t max)
{
	size_t n = 0, i;
	int bad = 0;

	if (c->subject_ad[0] != '\0') {
		bad |= add(out, forms, max, &n, MAP_FORM_ISSUER_SUBJECT,
		    "<I>", c->issuer_ad, "<S>", c->subject_ad);
		bad |= add(out, forms, max, &n, MAP_FORM_SUBJECT,
		    "<S>", c->subject_ad, "", "");
	}
	if (c->serial_rev != NULL)
		bad |= add(out, forms, max, &n, MAP_FORM_ISSUER_SERIAL,
		    "<I>", c->issuer_ad, "<SR>", c->serial_rev);
	if (c->ski_hex != NULL)
		bad |= add(out, forms, max, &n, MAP_FORM_SKI,
		    "<SKI>", c->ski_hex, "", "");
	bad |= add(out, forms, max, &n, MAP_FORM_SHA1, "<SHA1-PUKEY>",
	    cv_cert_sha1_hex(c->cert), "", "");
	for (i = 0; c->emails != NULL && i < c->emails->n; i++)
		bad |= add(out, forms, max, &n, MAP_FORM_RFC822,
		    "<RFC822>", (const char *)c->emails->v[i].data, "", "");
	if (c->sid != NULL || c->sid_url != NULL)
		bad |= add(out, forms, max, &n, MAP_FORM_ISSUER_SID,
		    "<I>", c->issuer_ad, "<SID>",
		    c->sid ? c->sid : c->sid_url);
	if (bad) {
		while (n > 0)
			free(out[--n]);
		return -1;
	}
	return (int)n;
}
