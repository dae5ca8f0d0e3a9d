/*
 * dir_entry.c - pure helpers of the directory layer: RFC 4515 filter
 * escaping, UTF-8 checks, access to parsed entries and parsing of the
 * directory's integer, time and SID values.  No LDAP library calls here, so
 * everything is unit-testable without a server.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dir_ldap.h"

size_t
dir_filter_escape(const void *val, size_t len, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = val;
	size_t i, o = 0;

	if (out == NULL || outlen == 0)
		return (size_t)-1;
	for (i = 0; i < len; i++) {
		unsigned char c = p[i];

		/* RFC 4515 section 3: these must be escaped in an assertion
		 * value; everything else (including UTF-8) may stay. */
		if (c == '*' || c == '(' || c == ')' || c == '\\' || c == 0) {
			if (outlen - o < 4)
				return (size_t)-1;
			out[o++] = '\\';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0xf];
		} else {
			if (outlen - o < 2)
				return (size_t)-1;
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return o;
}

/* RFC 4512 section 1.4 attribute description: keystring or numeric OID,
 * possibly with options; we allow letters, digits, '-', '.', ';'. */
static int
attr_name_ok(const char *a)
{
	size_t i;

	if (a == NULL || a[0] == '\0' || strlen(a) > 128)
		return 0;
	for (i = 0; a[i] != '\0'; i++) {
		if (!isalnum((unsigned char)a[i]) && a[i] != '-' &&
		    a[i] != '.' && a[i] != ';')
			return 0;
	}
	return 1;
}

int
dir_filter_eq(const char *attr, const void *val, size_t len, char *out,
    size_t outlen)
{
	size_t alen, n;

	if (!attr_name_ok(attr) || out == NULL)
		return -1;
	alen = strlen(attr);
	if (outlen < alen + 4)
		return -1;
	out[0] = '(';
	memcpy(out + 1, attr, alen);
	out[alen + 1] = '=';
	n = dir_filter_escape(val, len, out + alen + 2, outlen - alen - 3);
	if (n == (size_t)-1)
		return -1;
	out[alen + 2 + n] = ')';
	out[alen + 3 + n] = '\0';
	return 0;
}

int
dir_utf8_valid(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];
		uint32_t cp;
		size_t n, k;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (len - i - 1 < n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		/* RFC 3629 section 3: reject overlong forms, surrogates and
		 * anything beyond U+10FFFF. */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
		i += n + 1;
	}
	return 1;
}

const struct dir_attr *
dir_entry_attr(const struct dir_entry *e, const char *name)
{
	size_t i;

	if (e == NULL || name == NULL)
		return NULL;
	for (i = 0; i < e->n_attrs; i++) {
		if (strcasecmp(e->attrs[i].name, name) == 0)
			return &e->attrs[i];
	}
	return NULL;
}

const char *
dir_value_string(const struct dir_attr *a, size_t i)
{
	const struct dir_value *v;

	if (a == NULL || i >= a->n_vals)
		return NULL;
	v = &a->vals[i];
	if (memchr(v->data, 0, v->len) != NULL ||
	    !dir_utf8_valid(v->data, v->len))
		return NULL;
	return (const char *)v->data;
}

kerr_t
dir_entry_string(const struct dir_entry *e, const char *name, int required,
    const char **out_str, struct kerr *err)
{
	const struct dir_attr *a = dir_entry_attr(e, name);
	const char *s;

	if (a == NULL || a->n_vals == 0) {
		if (required)
			return kerr_set(err, KRB_ERR_GENERIC,
			    "%s: no %s in directory entry", e ? e->dn : "?",
			    name);
		*out_str = NULL;
		return 0;
	}
	if (a->n_vals != 1)
		return kerr_set(err, KRB_ERR_GENERIC,
		    "%s: %s has %zu values, expected one", e->dn, name,
		    a->n_vals);
	s = dir_value_string(a, 0);
	if (s == NULL)
		return kerr_set(err, KRB_ERR_GENERIC,
		    "%s: %s is not valid UTF-8 text", e->dn, name);
	*out_str = s;
	return 0;
}

int
dir_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	/* LDAP INTEGER (RFC 4517 section 3.3.16): optional '-', digits, no
	 * leading zeros; we accept leading zeros but nothing else. */
	if (s == NULL || s[0] == '\0' || isspace((unsigned char)s[0]) ||
	    s[0] == '+')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s)
		return -1;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
digits(const char *s, size_t n, int *out)
{
	size_t i;
	int v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
dir_parse_gentime(const char *s, int64_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	struct tm tm;
	int y, mo, d, h, mi, sec;
	size_t i;
	time_t t;

	/* RFC 4517 section 3.3.13, restricted to what AD and slapd write:
	 * seconds present, optional fraction, UTC designator 'Z'. */
	if (s == NULL || strlen(s) < 15 ||
	    digits(s, 4, &y) || digits(s + 4, 2, &mo) ||
	    digits(s + 6, 2, &d) || digits(s + 8, 2, &h) ||
	    digits(s + 10, 2, &mi) || digits(s + 12, 2, &sec))
		return -1;
	i = 14;
	if (s[i] == '.' || s[i] == ',') {
		i++;
		if (s[i] < '0' || s[i] > '9')
			return -1;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (s[i] != 'Z' || s[i + 1] != '\0')
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec > 59 ? 59 : sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = (int64_t)t;
	return 0;
}

int
dir_sid_to_string(const unsigned char *sid, size_t len, char *out,
    size_t outlen)
{
	uint64_t auth = 0;
	size_t i, n, o;
	int w;

	/* MS-DTYP 2.4.2.2: revision 1, sub-authority count (<= 15),
	 * 48-bit big-endian identifier authority, little-endian 32-bit
	 * sub-authorities. */
	if (sid == NULL || len < 8 || sid[0] != 1 || sid[1] > 15)
		return -1;
	n = sid[1];
	if (len != 8 + 4 * n)
		return -1;
	for (i = 2; i < 8; i++)
		auth = (auth << 8) | sid[i];
	w = snprintf(out, outlen, "S-1-%" PRIu64, auth);
	if (w < 0 || (size_t)w >= outlen)
		return -1;
	o = (size_t)w;
	for (i = 0; i < n; i++) {
		const unsigned char *p = sid + 8 + 4 * i;
		uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;

		w = snprintf(out + o, outlen - o, "-%" PRIu32, v);
		if (w < 0 || (size_t)w >= outlen - o)
			return -1;
		o += (size_t)w;
	}
	return 0;
}

void
dir_entries_clear(struct dir_entries *r)
{
	size_t i, j, k;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		struct dir_entry *e = &r->v[i];

		for (j = 0; j < e->n_attrs; j++) {
			for (k = 0; k < e->attrs[j].n_vals; k++)
				free(e->attrs[j].vals[k].data);
			free(e->attrs[j].vals);
			free(e->attrs[j].name);
		}
		free(e->attrs);
		free(e->dn);
	}
	free(r->v);
	r->v = NULL;
	r->n = 0;
	r->overflow = 0;
}
