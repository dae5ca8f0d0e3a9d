/*
 * sd_cond.c - conditional ACE expressions in SDDL (MS-DTYP 2.5.1.1),
 * e.g. "Member_of_any {SID(S-1-5-21-...)}" or
 * "@USER.ad://ext/AuthenticationSilo == \"Tier0\"", compiled into the
 * binary postfix token format of MS-DTYP 2.4.4.17 that AD stores and that
 * sd_eval.c evaluates.
 *
 * The text is untrusted: every read is bounded by the given length, the
 * output by SD_MAX_COND and the nesting depth by COND_MAX_DEPTH.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sd.h"
#include "sd_cond.h"

#define COND_MAX_DEPTH 32

struct cbuf {
	unsigned char *b;
	size_t len, cap;
	int failed;
};

static void
cb_put(struct cbuf *cb, const void *data, size_t n)
{
	unsigned char *nb;
	size_t ncap;

	if (cb->failed)
		return;
	if (n > SD_MAX_COND - cb->len) {
		cb->failed = 1;
		return;
	}
	if (cb->len + n > cb->cap) {
		ncap = cb->cap ? cb->cap * 2 : 64;
		while (ncap < cb->len + n)
			ncap *= 2;
		nb = realloc(cb->b, ncap);
		if (nb == NULL) {
			cb->failed = 1;
			return;
		}
		cb->b = nb;
		cb->cap = ncap;
	}
	memcpy(cb->b + cb->len, data, n);
	cb->len += n;
}

static void
cb_byte(struct cbuf *cb, unsigned char c)
{
	cb_put(cb, &c, 1);
}

static void
cb_u32(struct cbuf *cb, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)v, (unsigned char)(v >> 8),
	    (unsigned char)(v >> 16), (unsigned char)(v >> 24) };

	cb_put(cb, b, 4);
}

/* Patch a 4-byte length at pos. */
static void
cb_patch32(struct cbuf *cb, size_t pos, uint32_t v)
{
	if (cb->failed)
		return;
	cb->b[pos] = (unsigned char)v;
	cb->b[pos + 1] = (unsigned char)(v >> 8);
	cb->b[pos + 2] = (unsigned char)(v >> 16);
	cb->b[pos + 3] = (unsigned char)(v >> 24);
}

/* UTF-8 (bounded) to UTF-16LE into cb, preceded by its byte length. */
static int
cb_utf16(struct cbuf *cb, const char *s, size_t n)
{
	size_t lenpos = cb->len, i = 0, start;
	uint32_t cp;

	cb_u32(cb, 0);
	start = cb->len;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t k, extra;

		if (c < 0x80) {
			cp = c;
			extra = 0;
		} else if ((c & 0xe0) == 0xc0) {
			cp = c & 0x1f;
			extra = 1;
		} else if ((c & 0xf0) == 0xe0) {
			cp = c & 0x0f;
			extra = 2;
		} else if ((c & 0xf8) == 0xf0) {
			cp = c & 0x07;
			extra = 3;
		} else
			return -1;
		if (n - i <= extra)
			return -1;
		for (k = 1; k <= extra; k++) {
			unsigned char d = (unsigned char)s[i + k];

			if ((d & 0xc0) != 0x80)
				return -1;
			cp = cp << 6 | (d & 0x3f);
		}
		i += extra + 1;
		if (cp >= 0x10000) {
			uint32_t v = cp - 0x10000;
			unsigned char u[4] = {
				(unsigned char)(0xd800 + (v >> 10)),
				(unsigned char)((0xd800 + (v >> 10)) >> 8),
				(unsigned char)(0xdc00 + (v & 0x3ff)),
				(unsigned char)((0xdc00 + (v & 0x3ff)) >> 8) };

			cb_put(cb, u, 4);
		} else {
			unsigned char u[2] = { (unsigned char)cp,
			    (unsigned char)(cp >> 8) };

			cb_put(cb, u, 2);
		}
	}
	cb_patch32(cb, lenpos, (uint32_t)(cb->len - start));
	return 0;
}

static kerr_t
cerr(struct sd_lex *lx, const char *what)
{
	size_t left = (size_t)(lx->end - lx->p);

	/* The text is bounded by end, not NUL-terminated. */
	return kerr_set(lx->e, KRB_ERR_GENERIC,
	    "conditional expression: %s at \"%.*s\"", what,
	    (int)(left < 24 ? left : 24), lx->p);
}

/* An identifier-like word: letters, digits, underscore. */
static size_t
word_len(struct sd_lex *lx)
{
	const char *q = lx->p;

	while (q < lx->end && (isalnum((unsigned char)*q) || *q == '_'))
		q++;
	return (size_t)(q - lx->p);
}

static int
word_is(struct sd_lex *lx, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(lx->p, w, n) == 0;
}

static kerr_t
sid_token_text(struct sd_lex *lx, struct sid *sid_out)
{
	const char *q = lx->p;
	char buf[SID_MAX_STRING];
	size_t n;

	/* SDDL SID strings: "S-1-..." or a two-letter alias. */
	while (q < lx->end && (isalnum((unsigned char)*q) || *q == '-'))
		q++;
	n = (size_t)(q - lx->p);
	if (n == 0 || n >= sizeof(buf))
		return cerr(lx, "expected a SID");
	memcpy(buf, lx->p, n);
	buf[n] = '\0';
	if (n == 2) {
		if (sid_from_alias(buf, 2, lx->domain, sid_out) != 0)
			return kerr_set(lx->e, KRB_ERR_GENERIC,
			    "unknown SID alias \"%s\"", buf);
	} else if (sid_from_string(buf, sid_out, lx->e) != 0)
		return KRB_ERR_GENERIC;
	lx->p = q;
	return 0;
}

static kerr_t cond_or(struct sd_lex *lx, struct cbuf *cb, int depth);

/* SID(...) -> SID token. */
static kerr_t
cond_sid(struct sd_lex *lx, struct cbuf *cb)
{
	unsigned char bin[SID_MAX_BINARY];
	struct sid sid;
	kerr_t rc;

	lx->p += 3;                     /* "SID" */
	sd_lex_skip_ws(lx);
	if (lx->p >= lx->end || *lx->p != '(')
		return cerr(lx, "expected ( after SID");
	lx->p++;
	sd_lex_skip_ws(lx);
	rc = sid_token_text(lx, &sid);
	if (rc != 0)
		return rc;
	sd_lex_skip_ws(lx);
	if (lx->p >= lx->end || *lx->p != ')')
		return cerr(lx, "expected ) after SID");
	lx->p++;
	sid_to_binary(&sid, bin);
	cb_byte(cb, CT_SID);
	cb_u32(cb, (uint32_t)sid_binary_len(&sid));
	cb_put(cb, bin, sid_binary_len(&sid));
	return 0;
}

/* A literal: "string", integer, SID(...) or {literal, ...}. */
static kerr_t
cond_literal(struct sd_lex *lx, struct cbuf *cb, int allow_composite)
{
	sd_lex_skip_ws(lx);
	if (lx->p >= lx->end)
		return cerr(lx, "expected a value");
	if (*lx->p == '"') {
		const char *s = ++lx->p;

		while (lx->p < lx->end && *lx->p != '"')
			lx->p++;
		if (lx->p >= lx->end)
			return cerr(lx, "unterminated string");
		cb_byte(cb, CT_STRING);
		if (cb_utf16(cb, s, (size_t)(lx->p - s)) != 0)
			return cerr(lx, "invalid UTF-8 in string");
		lx->p++;
		return 0;
	}
	if (*lx->p == '{') {
		size_t lenpos, start;
		kerr_t rc;

		if (!allow_composite)
			return cerr(lx, "nested composite");
		lx->p++;
		cb_byte(cb, CT_COMPOSITE);
		lenpos = cb->len;
		cb_u32(cb, 0);
		start = cb->len;
		sd_lex_skip_ws(lx);
		if (lx->p < lx->end && *lx->p == '}') {
			lx->p++;
			return 0;
		}
		for (;;) {
			rc = cond_literal(lx, cb, 0);
			if (rc != 0)
				return rc;
			sd_lex_skip_ws(lx);
			if (lx->p < lx->end && *lx->p == ',') {
				lx->p++;
				continue;
			}
			if (lx->p < lx->end && *lx->p == '}') {
				lx->p++;
				break;
			}
			return cerr(lx, "expected , or }");
		}
		cb_patch32(cb, lenpos, (uint32_t)(cb->len - start));
		return 0;
	}
	if ((size_t)(lx->end - lx->p) >= 3 &&
	    strncasecmp(lx->p, "SID", 3) == 0)
		return cond_sid(lx, cb);
	if (*lx->p == '-' || *lx->p == '+' || isdigit((unsigned char)*lx->p)) {
		char buf[32], *endp;
		const char *q = lx->p;
		unsigned char tok[11];
		long long v;
		int sign = CT_SIGN_NONE, base = CT_BASE_DEC, i;
		size_t n;

		if (*q == '-' || *q == '+') {
			sign = *q == '-' ? CT_SIGN_MINUS : CT_SIGN_PLUS;
			q++;
		}
		while (q < lx->end && (isalnum((unsigned char)*q)))
			q++;
		n = (size_t)(q - lx->p);
		if (n >= sizeof(buf))
			return cerr(lx, "integer too long");
		memcpy(buf, lx->p, n);
		buf[n] = '\0';
		errno = 0;
		v = strtoll(buf, &endp, 0);
		if (errno != 0 || *endp != '\0' || endp == buf)
			return cerr(lx, "malformed integer");
		if (strstr(buf, "0x") || strstr(buf, "0X"))
			base = CT_BASE_HEX;
		else if (buf[sign == CT_SIGN_NONE ? 0 : 1] == '0' && n > 1)
			base = CT_BASE_OCT;
		tok[0] = CT_INT64;
		for (i = 0; i < 8; i++)
			tok[1 + i] = (unsigned char)((unsigned long long)v >>
			    (8 * i));
		tok[9] = (unsigned char)sign;
		tok[10] = (unsigned char)base;
		cb_put(cb, tok + 0, 11);
		lx->p = q;
		return 0;
	}
	return cerr(lx, "expected a value");
}

/* @User.name, @Device.name, @Resource.name or a bare local name. */
static kerr_t
cond_attr(struct sd_lex *lx, struct cbuf *cb)
{
	static const struct {
		const char *prefix;
		unsigned char tok;
	} pre[] = {
		{ "@USER.", CT_ATTR_USER },
		{ "@DEVICE.", CT_ATTR_DEVICE },
		{ "@RESOURCE.", CT_ATTR_RESOURCE },
	};
	unsigned char tok = CT_ATTR_LOCAL;
	const char *s;
	size_t i;

	sd_lex_skip_ws(lx);
	if (lx->p < lx->end && *lx->p == '@') {
		for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
			size_t n = strlen(pre[i].prefix);

			if ((size_t)(lx->end - lx->p) > n &&
			    strncasecmp(lx->p, pre[i].prefix, n) == 0) {
				tok = pre[i].tok;
				lx->p += n;
				break;
			}
		}
		if (tok == CT_ATTR_LOCAL)
			return cerr(lx, "unknown attribute prefix");
	}
	s = lx->p;
	while (lx->p < lx->end && !isspace((unsigned char)*lx->p) &&
	    strchr("()=!<>&|,{}\"", *lx->p) == NULL)
		lx->p++;
	if (lx->p == s)
		return cerr(lx, "expected an attribute name");
	cb_byte(cb, tok);
	if (cb_utf16(cb, s, (size_t)(lx->p - s)) != 0)
		return cerr(lx, "invalid UTF-8 in attribute name");
	return 0;
}

static const struct {
	const char *name;
	unsigned char tok;
} member_ops[] = {
	{ "Member_of", CT_MEMBER_OF },
	{ "Member_of_any", CT_MEMBER_OF_ANY },
	{ "Not_Member_of", CT_NOT_MEMBER_OF },
	{ "Not_Member_of_any", CT_NOT_MEMBER_OF_ANY },
	{ "Device_Member_of", CT_DEV_MEMBER_OF },
	{ "Device_Member_of_any", CT_DEV_MEMBER_OF_ANY },
	{ "Not_Device_Member_of", CT_NOT_DEV_MEMBER_OF },
	{ "Not_Device_Member_of_any", CT_NOT_DEV_MEMBER_OF_ANY },
}, word_relops[] = {
	{ "Contains", CT_CONTAINS },
	{ "Any_of", CT_ANY_OF },
	{ "Not_Contains", CT_NOT_CONTAINS },
	{ "Not_Any_of", CT_NOT_ANY_OF },
};

static kerr_t
cond_primary(struct sd_lex *lx, struct cbuf *cb, int depth)
{
	size_t n, i;
	kerr_t rc;

	sd_lex_skip_ws(lx);
	if (lx->p >= lx->end)
		return cerr(lx, "unexpected end");
	if (*lx->p == '(') {
		lx->p++;
		rc = cond_or(lx, cb, depth + 1);
		if (rc != 0)
			return rc;
		sd_lex_skip_ws(lx);
		if (lx->p >= lx->end || *lx->p != ')')
			return cerr(lx, "expected )");
		lx->p++;
		return 0;
	}
	n = word_len(lx);
	for (i = 0; i < sizeof(member_ops) / sizeof(member_ops[0]); i++) {
		if (!word_is(lx, n, member_ops[i].name))
			continue;
		lx->p += n;
		sd_lex_skip_ws(lx);
		if (lx->p >= lx->end || (*lx->p != '{' &&
		    ((size_t)(lx->end - lx->p) < 3 ||
		    strncasecmp(lx->p, "SID", 3) != 0)))
			return cerr(lx, "membership needs SID(...) or {...}");
		rc = cond_literal(lx, cb, 1);
		if (rc != 0)
			return rc;
		cb_byte(cb, member_ops[i].tok);
		return 0;
	}
	if (word_is(lx, n, "Exists") || word_is(lx, n, "Not_Exists")) {
		unsigned char tok = n == 6 ? CT_EXISTS : CT_NOT_EXISTS;

		lx->p += n;
		rc = cond_attr(lx, cb);
		if (rc != 0)
			return rc;
		cb_byte(cb, tok);
		return 0;
	}
	rc = cond_attr(lx, cb);
	if (rc != 0)
		return rc;
	sd_lex_skip_ws(lx);
	{
		static const struct {
			const char *op;
			unsigned char tok;
		} sym[] = {
			{ "==", CT_EQ }, { "!=", CT_NE }, { "<=", CT_LE },
			{ ">=", CT_GE }, { "<", CT_LT }, { ">", CT_GT },
		};
		unsigned char tok = 0;

		for (i = 0; i < sizeof(sym) / sizeof(sym[0]); i++)
			if (sd_lex_at(lx, sym[i].op)) {
				tok = sym[i].tok;
				lx->p += strlen(sym[i].op);
				break;
			}
		if (tok == 0) {
			n = word_len(lx);
			for (i = 0; i < sizeof(word_relops) /
			    sizeof(word_relops[0]); i++)
				if (word_is(lx, n, word_relops[i].name)) {
					tok = word_relops[i].tok;
					lx->p += n;
					break;
				}
		}
		if (tok == 0)
			return 0;       /* a bare attribute as a boolean */
		sd_lex_skip_ws(lx);
		if (lx->p < lx->end && *lx->p == '@')
			rc = cond_attr(lx, cb);
		else
			rc = cond_literal(lx, cb, 1);
		if (rc != 0)
			return rc;
		cb_byte(cb, tok);
	}
	return 0;
}

static kerr_t
cond_unary(struct sd_lex *lx, struct cbuf *cb, int depth)
{
	kerr_t rc;

	if (depth > COND_MAX_DEPTH)
		return cerr(lx, "nested too deeply");
	sd_lex_skip_ws(lx);
	if (lx->p < lx->end && *lx->p == '!' && !sd_lex_at(lx, "!=")) {
		lx->p++;
		rc = cond_unary(lx, cb, depth + 1);
		if (rc == 0)
			cb_byte(cb, CT_NOT);
		return rc;
	}
	return cond_primary(lx, cb, depth);
}

static kerr_t
cond_and(struct sd_lex *lx, struct cbuf *cb, int depth)
{
	kerr_t rc = cond_unary(lx, cb, depth);

	while (rc == 0) {
		sd_lex_skip_ws(lx);
		if (!sd_lex_at(lx, "&&"))
			break;
		lx->p += 2;
		rc = cond_unary(lx, cb, depth);
		if (rc == 0)
			cb_byte(cb, CT_AND);
	}
	return rc;
}

static kerr_t
cond_or(struct sd_lex *lx, struct cbuf *cb, int depth)
{
	kerr_t rc;

	if (depth > COND_MAX_DEPTH)
		return cerr(lx, "nested too deeply");
	rc = cond_and(lx, cb, depth);
	while (rc == 0) {
		sd_lex_skip_ws(lx);
		if (!sd_lex_at(lx, "||"))
			break;
		lx->p += 2;
		rc = cond_and(lx, cb, depth);
		if (rc == 0)
			cb_byte(cb, CT_OR);
	}
	return rc;
}

kerr_t
sd_cond_compile(const char *text, size_t len, const struct sid *domain,
    unsigned char **out, size_t *len_out, struct kerr *e)
{
	struct sd_lex lx = { text, text + len, domain, e };
	struct cbuf cb = { NULL, 0, 0, 0 };
	kerr_t rc;

	cb_put(&cb, "artx", 4);
	rc = cond_or(&lx, &cb, 0);
	if (rc != 0)
		goto cleanup;
	sd_lex_skip_ws(&lx);
	if (lx.p != lx.end) {
		rc = cerr(&lx, "trailing text");
		goto cleanup;
	}
	/* MS-DTYP 2.4.4.17: application data is padded to 4 bytes. */
	while (cb.len % 4 != 0)
		cb_byte(&cb, CT_PAD);
	if (cb.failed) {
		rc = kerr_set(e, KRB_ERR_GENERIC,
		    "conditional expression too large");
		goto cleanup;
	}
	*out = cb.b;
	*len_out = cb.len;
	cb.b = NULL;
cleanup:
	free(cb.b);
	return rc;
}

