/*
 * sd_sddl.c - Security Descriptor Definition Language (MS-DTYP 2.5.1):
 * "O:owner G:group D:flags(ace)(ace)... S:flags(ace)..." into struct
 * sd_desc, and conditional ACE expressions (MS-DTYP 2.5.1.1, the
 * "(XA;;CR;;;WD;(Member_of_any {SID(...)}))" form written by samba-tool
 * and the Windows AD Administrative Center) compiled into the binary
 * postfix token format of MS-DTYP 2.4.4.17.
 *
 * The text is untrusted: every read is bounded by the given length, the
 * output expression by SD_MAX_COND and the nesting depth by COND_MAX_DEPTH.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "sd_cond.h"

#define COND_MAX_DEPTH 32

struct lex {
	const char *p, *end;
	const struct sid *domain;
	struct kerr *e;
};

static void
skip_ws(struct lex *lx)
{
	while (lx->p < lx->end && isspace((unsigned char)*lx->p))
		lx->p++;
}

static int
at(struct lex *lx, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(lx->end - lx->p) >= n && memcmp(lx->p, word, n) == 0;
}

/* ---- Conditional expressions ----------------------------------------- */

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
cerr(struct lex *lx, const char *what)
{
	return kerr_set(lx->e, KRB_ERR_GENERIC,
	    "conditional expression: %s at \"%.24s\"", what, lx->p);
}

/* An identifier-like word: letters, digits, underscore. */
static size_t
word_len(struct lex *lx)
{
	const char *q = lx->p;

	while (q < lx->end && (isalnum((unsigned char)*q) || *q == '_'))
		q++;
	return (size_t)(q - lx->p);
}

static int
word_is(struct lex *lx, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(lx->p, w, n) == 0;
}

static kerr_t
sid_token_text(struct lex *lx, struct sid *sid_out)
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

static kerr_t cond_or(struct lex *lx, struct cbuf *cb, int depth);

/* SID(...) -> SID token. */
static kerr_t
cond_sid(struct lex *lx, struct cbuf *cb)
{
	unsigned char bin[SID_MAX_BINARY];
	struct sid sid;
	kerr_t rc;

	lx->p += 3;                     /* "SID" */
	skip_ws(lx);
	if (lx->p >= lx->end || *lx->p != '(')
		return cerr(lx, "expected ( after SID");
	lx->p++;
	skip_ws(lx);
	rc = sid_token_text(lx, &sid);
	if (rc != 0)
		return rc;
	skip_ws(lx);
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
cond_literal(struct lex *lx, struct cbuf *cb, int allow_composite)
{
	skip_ws(lx);
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
		skip_ws(lx);
		if (lx->p < lx->end && *lx->p == '}') {
			lx->p++;
			return 0;
		}
		for (;;) {
			rc = cond_literal(lx, cb, 0);
			if (rc != 0)
				return rc;
			skip_ws(lx);
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
cond_attr(struct lex *lx, struct cbuf *cb)
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

	skip_ws(lx);
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
cond_primary(struct lex *lx, struct cbuf *cb, int depth)
{
	size_t n, i;
	kerr_t rc;

	skip_ws(lx);
	if (lx->p >= lx->end)
		return cerr(lx, "unexpected end");
	if (*lx->p == '(') {
		lx->p++;
		rc = cond_or(lx, cb, depth + 1);
		if (rc != 0)
			return rc;
		skip_ws(lx);
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
		skip_ws(lx);
		if (lx->p >= lx->end ||
		    (*lx->p != '{' && strncasecmp(lx->p, "SID", 3) != 0))
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
	skip_ws(lx);
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
			if (at(lx, sym[i].op)) {
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
		skip_ws(lx);
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
cond_unary(struct lex *lx, struct cbuf *cb, int depth)
{
	kerr_t rc;

	if (depth > COND_MAX_DEPTH)
		return cerr(lx, "nested too deeply");
	skip_ws(lx);
	if (lx->p < lx->end && *lx->p == '!' && !at(lx, "!=")) {
		lx->p++;
		rc = cond_unary(lx, cb, depth + 1);
		if (rc == 0)
			cb_byte(cb, CT_NOT);
		return rc;
	}
	return cond_primary(lx, cb, depth);
}

static kerr_t
cond_and(struct lex *lx, struct cbuf *cb, int depth)
{
	kerr_t rc = cond_unary(lx, cb, depth);

	while (rc == 0) {
		skip_ws(lx);
		if (!at(lx, "&&"))
			break;
		lx->p += 2;
		rc = cond_unary(lx, cb, depth);
		if (rc == 0)
			cb_byte(cb, CT_AND);
	}
	return rc;
}

static kerr_t
cond_or(struct lex *lx, struct cbuf *cb, int depth)
{
	kerr_t rc;

	if (depth > COND_MAX_DEPTH)
		return cerr(lx, "nested too deeply");
	rc = cond_and(lx, cb, depth);
	while (rc == 0) {
		skip_ws(lx);
		if (!at(lx, "||"))
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
	struct lex lx = { text, text + len, domain, e };
	struct cbuf cb = { NULL, 0, 0, 0 };
	kerr_t rc;

	cb_put(&cb, "artx", 4);
	rc = cond_or(&lx, &cb, 0);
	if (rc != 0)
		goto cleanup;
	skip_ws(&lx);
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

/* ---- Descriptors ------------------------------------------------------ */

static const struct {
	const char *name;
	uint8_t type;
} ace_types[] = {
	{ "A", SD_ACE_ALLOWED }, { "D", SD_ACE_DENIED },
	{ "AU", SD_ACE_AUDIT }, { "OA", SD_ACE_ALLOWED_OBJECT },
	{ "OD", SD_ACE_DENIED_OBJECT }, { "OU", SD_ACE_AUDIT_OBJECT },
	{ "XA", SD_ACE_ALLOWED_CALLBACK }, { "XD", SD_ACE_DENIED_CALLBACK },
	{ "ZA", SD_ACE_ALLOWED_CALLBACK_OBJECT },
	{ "XU", SD_ACE_AUDIT_CALLBACK },
	{ "ML", SD_ACE_MANDATORY_LABEL }, { "SP", SD_ACE_SCOPED_POLICY },
};

static const struct {
	char code[3];
	uint8_t flag;
} ace_flags[] = {
	{ "OI", SD_ACE_OBJECT_INHERIT }, { "CI", SD_ACE_CONTAINER_INHERIT },
	{ "NP", SD_ACE_NO_PROPAGATE }, { "IO", SD_ACE_INHERIT_ONLY },
	{ "ID", SD_ACE_INHERITED }, { "SA", SD_ACE_SUCCESSFUL_ACCESS },
	{ "FA", SD_ACE_FAILED_ACCESS },
};

static const struct {
	char code[3];
	uint32_t mask;
} rights[] = {
	{ "GA", 0x10000000 }, { "GR", 0x80000000 }, { "GW", 0x40000000 },
	{ "GX", 0x20000000 }, { "RC", 0x00020000 }, { "SD", 0x00010000 },
	{ "WD", 0x00040000 }, { "WO", 0x00080000 }, { "RP", 0x00000010 },
	{ "WP", 0x00000020 }, { "CC", 0x00000001 }, { "DC", 0x00000002 },
	{ "LC", 0x00000004 }, { "SW", 0x00000008 }, { "LO", 0x00000080 },
	{ "DT", 0x00000040 }, { "CR", 0x00000100 }, { "FA", 0x001f01ff },
	{ "FR", 0x00120089 }, { "FW", 0x00120116 }, { "FX", 0x001200a0 },
	{ "KA", 0x000f003f }, { "KR", 0x00020019 }, { "KW", 0x00020006 },
	{ "KX", 0x00020019 }, { "NR", 0x00000001 }, { "NW", 0x00000002 },
	{ "NX", 0x00000004 },
};

/* Field i of an ACE: [s, s+n), n may be 0. */
struct field {
	const char *s;
	size_t n;
};

static kerr_t
parse_sid_field(struct lex *lx, const char *s, size_t n, struct sid *out)
{
	char buf[SID_MAX_STRING];

	if (n == 0 || n >= sizeof(buf))
		return kerr_set(lx->e, KRB_ERR_GENERIC, "SDDL: empty SID");
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (n == 2) {
		if (sid_from_alias(buf, 2, lx->domain, out) != 0)
			return kerr_set(lx->e, KRB_ERR_GENERIC,
			    "SDDL: unknown SID alias \"%s\"", buf);
		return 0;
	}
	return sid_from_string(buf, out, lx->e);
}

static int
parse_guid(const char *s, size_t n, uint8_t out[16])
{
	/* Text order is Data1-Data2-Data3-Data4[0..1]-Data4[2..7]; the
	 * first three groups are little-endian in binary. */
	static const int order[16] = { 3, 2, 1, 0, 5, 4, 7, 6,
	    8, 9, 10, 11, 12, 13, 14, 15 };
	uint8_t raw[16];
	size_t i, k = 0;

	if (n != 36)
		return -1;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -1;
			continue;
		}
		if (!isxdigit((unsigned char)s[i]) ||
		    !isxdigit((unsigned char)s[i + 1]))
			return -1;
		{
			char h[3] = { s[i], s[i + 1], 0 };

			raw[k++] = (uint8_t)strtoul(h, NULL, 16);
		}
		i++;
	}
	for (i = 0; i < 16; i++)
		out[i] = raw[order[i]];
	return 0;
}

static kerr_t
parse_ace(struct lex *lx, const char *s, size_t n, struct sd_ace *ace)
{
	struct field f[7];
	size_t nf = 0, i, j;
	const char *q = s, *fs = s;
	int depth = 0;
	kerr_t rc;

	/* Split on ';' outside parentheses (the condition has its own). */
	for (q = s; q <= s + n; q++) {
		if (q < s + n && *q == '(')
			depth++;
		else if (q < s + n && *q == ')')
			depth--;
		if (q == s + n || (*q == ';' && depth == 0)) {
			if (nf == 7)
				return kerr_set(lx->e, KRB_ERR_GENERIC,
				    "SDDL: too many ACE fields");
			f[nf].s = fs;
			f[nf].n = (size_t)(q - fs);
			nf++;
			fs = q + 1;
		}
	}
	if (nf < 6)
		return kerr_set(lx->e, KRB_ERR_GENERIC,
		    "SDDL: ACE has %zu fields", nf);
	for (i = 0; i < sizeof(ace_types) / sizeof(ace_types[0]); i++)
		if (strlen(ace_types[i].name) == f[0].n &&
		    strncasecmp(ace_types[i].name, f[0].s, f[0].n) == 0)
			break;
	if (i == sizeof(ace_types) / sizeof(ace_types[0]))
		return kerr_set(lx->e, KRB_ERR_GENERIC,
		    "SDDL: unknown ACE type \"%.*s\"", (int)f[0].n, f[0].s);
	ace->type = ace_types[i].type;
	if (f[1].n % 2)
		return kerr_set(lx->e, KRB_ERR_GENERIC, "SDDL: ACE flags");
	for (j = 0; j < f[1].n; j += 2) {
		for (i = 0; i < sizeof(ace_flags) / sizeof(ace_flags[0]); i++)
			if (strncasecmp(ace_flags[i].code, f[1].s + j, 2) == 0)
				break;
		if (i == sizeof(ace_flags) / sizeof(ace_flags[0]))
			return kerr_set(lx->e, KRB_ERR_GENERIC,
			    "SDDL: unknown ACE flag \"%.2s\"", f[1].s + j);
		ace->flags |= ace_flags[i].flag;
	}
	if (f[2].n > 2 && f[2].s[0] == '0' &&
	    (f[2].s[1] == 'x' || f[2].s[1] == 'X')) {
		char buf[16], *end;
		unsigned long v;

		if (f[2].n >= sizeof(buf))
			return kerr_set(lx->e, KRB_ERR_GENERIC,
			    "SDDL: access mask");
		memcpy(buf, f[2].s, f[2].n);
		buf[f[2].n] = '\0';
		errno = 0;
		v = strtoul(buf, &end, 16);
		if (errno || *end || v > UINT32_MAX)
			return kerr_set(lx->e, KRB_ERR_GENERIC,
			    "SDDL: access mask \"%s\"", buf);
		ace->mask = (uint32_t)v;
	} else {
		if (f[2].n % 2)
			return kerr_set(lx->e, KRB_ERR_GENERIC,
			    "SDDL: access rights");
		for (j = 0; j < f[2].n; j += 2) {
			for (i = 0; i < sizeof(rights) / sizeof(rights[0]);
			    i++)
				if (strncasecmp(rights[i].code, f[2].s + j,
				    2) == 0)
					break;
			if (i == sizeof(rights) / sizeof(rights[0]))
				return kerr_set(lx->e, KRB_ERR_GENERIC,
				    "SDDL: unknown right \"%.2s\"",
				    f[2].s + j);
			ace->mask |= rights[i].mask;
		}
	}
	if (f[3].n) {
		if (parse_guid(f[3].s, f[3].n, ace->object_type) != 0)
			return kerr_set(lx->e, KRB_ERR_GENERIC,
			    "SDDL: object GUID");
		ace->object_flags |= SD_OBJECT_TYPE_PRESENT;
	}
	if (f[4].n) {
		if (parse_guid(f[4].s, f[4].n, ace->inherited_object_type))
			return kerr_set(lx->e, KRB_ERR_GENERIC,
			    "SDDL: inherited object GUID");
		ace->object_flags |= SD_INHERITED_OBJECT_TYPE_PRESENT;
	}
	if (ace->object_flags && ace->type != SD_ACE_ALLOWED_OBJECT &&
	    ace->type != SD_ACE_DENIED_OBJECT &&
	    ace->type != SD_ACE_AUDIT_OBJECT &&
	    ace->type != SD_ACE_ALLOWED_CALLBACK_OBJECT)
		return kerr_set(lx->e, KRB_ERR_GENERIC,
		    "SDDL: GUID on a non-object ACE");
	rc = parse_sid_field(lx, f[5].s, f[5].n, &ace->sid);
	if (rc != 0)
		return rc;
	if (nf == 7) {
		if (ace->type != SD_ACE_ALLOWED_CALLBACK &&
		    ace->type != SD_ACE_DENIED_CALLBACK &&
		    ace->type != SD_ACE_ALLOWED_CALLBACK_OBJECT &&
		    ace->type != SD_ACE_AUDIT_CALLBACK)
			return kerr_set(lx->e, KRB_ERR_GENERIC,
			    "SDDL: condition on a non-callback ACE");
		if (f[6].n < 2 || f[6].s[0] != '(' ||
		    f[6].s[f[6].n - 1] != ')')
			return kerr_set(lx->e, KRB_ERR_GENERIC,
			    "SDDL: condition must be parenthesised");
		rc = sd_cond_compile(f[6].s + 1, f[6].n - 2, lx->domain,
		    &ace->cond, &ace->cond_len, lx->e);
		if (rc != 0)
			return rc;
	} else if (ace->type == SD_ACE_ALLOWED_CALLBACK ||
	    ace->type == SD_ACE_DENIED_CALLBACK)
		return kerr_set(lx->e, KRB_ERR_GENERIC,
		    "SDDL: callback ACE without a condition");
	return 0;
}

static kerr_t
parse_acl(struct lex *lx, uint16_t *control, int dacl, struct sd_acl **out)
{
	struct sd_acl *acl = NULL;
	size_t cap = 0;
	kerr_t rc;

	/* Flags: P, AI, AR, NO_ACCESS_CONTROL (null ACL). */
	for (;;) {
		if (at(lx, "NO_ACCESS_CONTROL")) {
			lx->p += 17;
			*control |= dacl ? SD_DACL_PRESENT : SD_SACL_PRESENT;
			*out = NULL;
			return 0;
		} else if (at(lx, "P")) {
			lx->p++;
			*control |= dacl ? SD_DACL_PROTECTED :
			    SD_SACL_PROTECTED;
		} else if (at(lx, "AI")) {
			lx->p += 2;
			*control |= dacl ? SD_DACL_AUTO_INHERITED :
			    SD_SACL_AUTO_INHERITED;
		} else if (at(lx, "AR")) {
			lx->p += 2;
		} else
			break;
	}
	acl = calloc(1, sizeof(*acl));
	if (acl == NULL)
		return kerr_set(lx->e, KRB_ERR_GENERIC, "out of memory");
	acl->revision = 2;
	*control |= dacl ? SD_DACL_PRESENT : SD_SACL_PRESENT;
	skip_ws(lx);
	while (lx->p < lx->end && *lx->p == '(') {
		const char *s = ++lx->p;
		int depth = 0;

		while (lx->p < lx->end && (depth > 0 || *lx->p != ')')) {
			if (*lx->p == '(')
				depth++;
			else if (*lx->p == ')')
				depth--;
			lx->p++;
		}
		if (lx->p >= lx->end) {
			rc = kerr_set(lx->e, KRB_ERR_GENERIC,
			    "SDDL: unterminated ACE");
			goto cleanup;
		}
		if (acl->count == SD_MAX_ACES) {
			rc = kerr_set(lx->e, KRB_ERR_GENERIC,
			    "SDDL: too many ACEs");
			goto cleanup;
		}
		if (acl->count == cap) {
			struct sd_ace *na;

			cap = cap ? cap * 2 : 4;
			na = realloc(acl->aces, cap * sizeof(*na));
			if (na == NULL) {
				rc = kerr_set(lx->e, KRB_ERR_GENERIC,
				    "out of memory");
				goto cleanup;
			}
			acl->aces = na;
		}
		memset(&acl->aces[acl->count], 0, sizeof(acl->aces[0]));
		acl->count++;
		rc = parse_ace(lx, s, (size_t)(lx->p - s),
		    &acl->aces[acl->count - 1]);
		if (rc != 0) {
			kerr_prefix(lx->e, "ACE %zu: ", acl->count - 1);
			goto cleanup;
		}
		lx->p++;
		if (acl->revision == 2 &&
		    acl->aces[acl->count - 1].type != SD_ACE_ALLOWED &&
		    acl->aces[acl->count - 1].type != SD_ACE_DENIED &&
		    acl->aces[acl->count - 1].type != SD_ACE_AUDIT)
			acl->revision = 4;
		skip_ws(lx);
	}
	*out = acl;
	acl = NULL;
	rc = 0;
cleanup:
	if (acl != NULL) {
		size_t i;

		for (i = 0; i < acl->count; i++)
			free(acl->aces[i].cond);
		free(acl->aces);
		free(acl);
	}
	return rc;
}

kerr_t
sd_from_sddl(const char *text, size_t len, const struct sid *domain,
    struct sd_desc **sd_out, struct kerr *e)
{
	struct lex lx = { text, text + len, domain, e };
	struct sd_desc *sd = NULL;
	kerr_t rc;

	if (text == NULL || len == 0 || len > SD_MAX_SDDL) {
		rc = kerr_set(e, KRB_ERR_GENERIC, "SDDL: bad length");
		goto cleanup;
	}
	/* Directory values may carry a trailing NUL or newline. */
	while (lx.end > lx.p && (lx.end[-1] == '\0' ||
	    isspace((unsigned char)lx.end[-1])))
		lx.end--;
	sd = calloc(1, sizeof(*sd));
	if (sd == NULL) {
		rc = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	sd->control = SD_SELF_RELATIVE;
	skip_ws(&lx);
	while (lx.p < lx.end) {
		char sect;
		const char *s;

		if (lx.end - lx.p < 2 || lx.p[1] != ':') {
			rc = kerr_set(e, KRB_ERR_GENERIC,
			    "SDDL: expected a section at \"%.16s\"", lx.p);
			goto cleanup;
		}
		sect = (char)toupper((unsigned char)lx.p[0]);
		lx.p += 2;
		if (sect == 'O' || sect == 'G') {
			struct sid *dst = sect == 'O' ? &sd->owner : &sd->group;
			int *has = sect == 'O' ? &sd->has_owner :
			    &sd->has_group;

			if (*has) {
				rc = kerr_set(e, KRB_ERR_GENERIC,
				    "SDDL: repeated %c: section", sect);
				goto cleanup;
			}
			s = lx.p;
			/* Aliases are two letters; a following section
			 * also starts with a letter and ':'. */
			if (lx.end - lx.p >= 2 && (lx.p[0] == 'S' ||
			    lx.p[0] == 's') && lx.p[1] == '-') {
				lx.p += 2;
				while (lx.p < lx.end &&
				    (isdigit((unsigned char)*lx.p) ||
				    *lx.p == '-'))
					lx.p++;
			} else
				lx.p += lx.end - lx.p >= 2 ? 2 : lx.end - lx.p;
			rc = parse_sid_field(&lx, s, (size_t)(lx.p - s), dst);
			if (rc != 0)
				goto cleanup;
			*has = 1;
		} else if (sect == 'D' || sect == 'S') {
			struct sd_acl **dst = sect == 'D' ? &sd->dacl :
			    &sd->sacl;
			uint16_t bit = sect == 'D' ? SD_DACL_PRESENT :
			    SD_SACL_PRESENT;

			if (sd->control & bit) {
				rc = kerr_set(e, KRB_ERR_GENERIC,
				    "SDDL: repeated %c: section", sect);
				goto cleanup;
			}
			rc = parse_acl(&lx, &sd->control, sect == 'D', dst);
			if (rc != 0)
				goto cleanup;
		} else {
			rc = kerr_set(e, KRB_ERR_GENERIC,
			    "SDDL: unknown section %c:", sect);
			goto cleanup;
		}
		skip_ws(&lx);
	}
	*sd_out = sd;
	sd = NULL;
	rc = 0;
cleanup:
	sd_free(sd);
	return rc;
}
