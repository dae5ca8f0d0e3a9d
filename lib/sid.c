/*
 * sid.c - security identifiers: binary, text and SDDL alias forms.
 *
 * Binary layout (MS-DTYP 2.4.2.2): revision 1, sub-authority count,
 * 48-bit big-endian identifier authority, little-endian 32-bit
 * sub-authorities.  Text layout (MS-DTYP 2.4.2.1): S-1-auth-sub-sub...
 * The text formatter of the directory layer (dir_sid_to_string) is used
 * for output so that logs and LDAP-derived strings always agree.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dir_ldap.h"
#include "sid.h"

kerr_t
sid_from_binary(const void *buf, size_t len, struct sid *sid_out,
    size_t *used_out, struct kerr *e)
{
	const unsigned char *p = buf;
	struct sid s;
	size_t i, need;

	if (p == NULL || len < 8)
		return kerr_set(e, KRB_ERR_GENERIC, "SID: truncated header");
	if (p[0] != 1)
		return kerr_set(e, KRB_ERR_GENERIC, "SID: revision %u",
		    (unsigned)p[0]);
	if (p[1] > SID_MAX_SUBAUTH)
		return kerr_set(e, KRB_ERR_GENERIC,
		    "SID: %u sub-authorities", (unsigned)p[1]);
	need = 8 + 4 * (size_t)p[1];
	if (len < need)
		return kerr_set(e, KRB_ERR_GENERIC, "SID: truncated");
	memset(&s, 0, sizeof(s));
	s.nsub = p[1];
	for (i = 2; i < 8; i++)
		s.authority = (s.authority << 8) | p[i];
	for (i = 0; i < s.nsub; i++) {
		const unsigned char *q = p + 8 + 4 * i;

		s.sub[i] = (uint32_t)q[0] | (uint32_t)q[1] << 8 |
		    (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
	}
	*sid_out = s;
	if (used_out != NULL)
		*used_out = need;
	return 0;
}

size_t
sid_binary_len(const struct sid *sid)
{
	return 8 + 4 * (size_t)sid->nsub;
}

void
sid_to_binary(const struct sid *sid, unsigned char *out)
{
	size_t i;

	out[0] = 1;
	out[1] = sid->nsub;
	for (i = 0; i < 6; i++)
		out[2 + i] = (unsigned char)(sid->authority >> (8 * (5 - i)));
	for (i = 0; i < sid->nsub; i++) {
		unsigned char *q = out + 8 + 4 * i;

		q[0] = (unsigned char)sid->sub[i];
		q[1] = (unsigned char)(sid->sub[i] >> 8);
		q[2] = (unsigned char)(sid->sub[i] >> 16);
		q[3] = (unsigned char)(sid->sub[i] >> 24);
	}
}

int
sid_to_string(const struct sid *sid, char *out, size_t outlen)
{
	unsigned char bin[SID_MAX_BINARY];

	sid_to_binary(sid, bin);
	return dir_sid_to_string(bin, sid_binary_len(sid), out, outlen);
}

/* One unsigned number of at most max, digits only (strtoull alone would
 * accept signs and spaces). */
static int
parse_num(const char **pp, int hex_ok, uint64_t max, uint64_t *out)
{
	const char *p = *pp;
	char *end;
	unsigned long long v;
	int base = 10;

	if (hex_ok && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		if (!isxdigit((unsigned char)p[2]))
			return -1;
	} else if (!isdigit((unsigned char)p[0]))
		return -1;
	errno = 0;
	v = strtoull(p, &end, base);
	if (errno != 0 || v > max)
		return -1;
	*out = v;
	*pp = end;
	return 0;
}

kerr_t
sid_from_string(const char *text, struct sid *sid_out, struct kerr *e)
{
	const char *p = text;
	struct sid s;
	uint64_t v;

	memset(&s, 0, sizeof(s));
	if (p == NULL || (p[0] != 'S' && p[0] != 's') || p[1] != '-')
		goto bad;
	p += 2;
	if (parse_num(&p, 0, 255, &v) != 0 || v != 1 || *p != '-')
		goto bad;
	p++;
	if (parse_num(&p, 1, UINT64_C(0xffffffffffff), &v) != 0)
		goto bad;
	s.authority = v;
	while (*p == '-') {
		p++;
		if (s.nsub == SID_MAX_SUBAUTH ||
		    parse_num(&p, 0, UINT32_MAX, &v) != 0)
			goto bad;
		s.sub[s.nsub++] = (uint32_t)v;
	}
	if (*p != '\0')
		goto bad;
	*sid_out = s;
	return 0;
bad:
	return kerr_set(e, KRB_ERR_GENERIC, "malformed SID \"%.64s\"",
	    text ? text : "(null)");
}

/* MS-DTYP 2.5.1.1 SID strings.  rid 0 in the domain column marks an
 * absolute SID written in text. */
static const struct {
	char alias[3];
	const char *text;       /* absolute SID, or NULL */
	uint32_t domain_rid;    /* relative to the domain when text is NULL */
} aliases[] = {
	{ "WD", "S-1-1-0", 0 },
	{ "CO", "S-1-3-0", 0 },
	{ "CG", "S-1-3-1", 0 },
	{ "OW", "S-1-3-4", 0 },
	{ "NU", "S-1-5-2", 0 },
	{ "IU", "S-1-5-4", 0 },
	{ "SU", "S-1-5-6", 0 },
	{ "AN", "S-1-5-7", 0 },
	{ "ED", "S-1-5-9", 0 },
	{ "PS", "S-1-5-10", 0 },
	{ "AU", "S-1-5-11", 0 },
	{ "RC", "S-1-5-12", 0 },
	{ "SY", "S-1-5-18", 0 },
	{ "LS", "S-1-5-19", 0 },
	{ "NS", "S-1-5-20", 0 },
	{ "BA", "S-1-5-32-544", 0 },
	{ "BU", "S-1-5-32-545", 0 },
	{ "BG", "S-1-5-32-546", 0 },
	{ "PU", "S-1-5-32-547", 0 },
	{ "AP", NULL, 525 },    /* Protected Users */
	{ "RO", NULL, 498 },
	{ "LA", NULL, 500 },
	{ "LG", NULL, 501 },
	{ "DA", NULL, 512 },
	{ "DU", NULL, 513 },
	{ "DG", NULL, 514 },
	{ "DC", NULL, 515 },
	{ "DD", NULL, 516 },
	{ "CA", NULL, 517 },
	{ "SA", NULL, 518 },
	{ "EA", NULL, 519 },
	{ "PA", NULL, 520 },
	{ "RS", NULL, 553 },
	{ "LW", "S-1-16-4096", 0 },
	{ "ME", "S-1-16-8192", 0 },
	{ "HI", "S-1-16-12288", 0 },
	{ "SI", "S-1-16-16384", 0 },
};

int
sid_from_alias(const char *alias, size_t len, const struct sid *domain,
    struct sid *sid_out)
{
	size_t i;

	if (len != 2)
		return -1;
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		if (toupper((unsigned char)alias[0]) != aliases[i].alias[0] ||
		    toupper((unsigned char)alias[1]) != aliases[i].alias[1])
			continue;
		if (aliases[i].text != NULL)
			return sid_from_string(aliases[i].text, sid_out, NULL)
			    == 0 ? 0 : -1;
		if (domain == NULL || domain->nsub >= SID_MAX_SUBAUTH)
			return -1;
		*sid_out = *domain;
		sid_out->sub[sid_out->nsub++] = aliases[i].domain_rid;
		return 0;
	}
	return -1;
}

int
sid_equal(const struct sid *a, const struct sid *b)
{
	return a->nsub == b->nsub && a->authority == b->authority &&
	    memcmp(a->sub, b->sub, sizeof(a->sub[0]) * a->nsub) == 0;
}

uint32_t
sid_rid(const struct sid *sid)
{
	return sid->nsub ? sid->sub[sid->nsub - 1] : 0;
}
