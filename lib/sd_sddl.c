/*
 * sd_sddl.c - Security Descriptor Definition Language (MS-DTYP 2.5.1):
 * "O:owner G:group D:flags(ace)(ace)... S:flags(ace)..." into struct
 * sd_desc.  The conditional expression of a callback ACE (the
 * "(XA;;CR;;;WD;(Member_of_any {SID(...)}))" form written by samba-tool
 * and the Windows AD Administrative Center) is compiled by sd_cond.c.
 *
 * The text is untrusted: every read is bounded by the given length.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sd.h"
#include "sd_cond.h"
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
parse_sid_field(struct sd_lex *lx, const char *s, size_t n, struct sid *out)
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
parse_ace(struct sd_lex *lx, const char *s, size_t n, struct sd_ace *ace)
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
parse_acl(struct sd_lex *lx, uint16_t *control, int dacl, struct sd_acl **out)
{
	struct sd_acl *acl = NULL;
	size_t cap = 0;
	kerr_t rc;

	/* Flags: P, AI, AR, NO_ACCESS_CONTROL (null ACL). */
	for (;;) {
		if (sd_lex_at(lx, "NO_ACCESS_CONTROL")) {
			lx->p += 17;
			*control |= dacl ? SD_DACL_PRESENT : SD_SACL_PRESENT;
			*out = NULL;
			return 0;
		} else if (sd_lex_at(lx, "P")) {
			lx->p++;
			*control |= dacl ? SD_DACL_PROTECTED :
			    SD_SACL_PROTECTED;
		} else if (sd_lex_at(lx, "AI")) {
			lx->p += 2;
			*control |= dacl ? SD_DACL_AUTO_INHERITED :
			    SD_SACL_AUTO_INHERITED;
		} else if (sd_lex_at(lx, "AR")) {
			lx->p += 2;
		} else
			break;
	}
	acl = calloc(1, sizeof(*acl));
	if (acl == NULL)
		return kerr_set(lx->e, KRB_ERR_GENERIC, "out of memory");
	acl->revision = 2;
	*control |= dacl ? SD_DACL_PRESENT : SD_SACL_PRESENT;
	sd_lex_skip_ws(lx);
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
		sd_lex_skip_ws(lx);
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
	struct sd_lex lx = { text, text + len, domain, e };
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
	sd_lex_skip_ws(&lx);
	while (lx.p < lx.end) {
		char sect;
		const char *s;

		if (lx.end - lx.p < 2 || lx.p[1] != ':') {
			rc = kerr_set(e, KRB_ERR_GENERIC,
			    "SDDL: expected a section at \"%.*s\"",
			    (int)(lx.end - lx.p < 16 ? lx.end - lx.p : 16),
			    lx.p);
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
		sd_lex_skip_ws(&lx);
	}
	*sd_out = sd;
	sd = NULL;
	rc = 0;
cleanup:
	sd_free(sd);
	return rc;
}
