/*
 * sid.h - Windows security identifiers (MS-DTYP 2.4.2): the binary form
 * stored in objectSid and security descriptors, the "S-1-..." text form,
 * and the two-letter SDDL aliases (MS-DTYP 2.5.1.1).
 */
#ifndef PKINIT_KDC_SID_H
#define PKINIT_KDC_SID_H

#include <stddef.h>
#include <stdint.h>

#include "kerror.h"

#define SID_MAX_SUBAUTH 15
#define SID_MAX_BINARY (8 + 4 * SID_MAX_SUBAUTH)
#define SID_MAX_STRING 192

/* Relative identifiers of interest to the KDC. */
#define SID_RID_PROTECTED_USERS 525

struct sid {
	uint8_t nsub;
	uint64_t authority;             /* 48 bits */
	uint32_t sub[SID_MAX_SUBAUTH];
};

/*
 * Parse a binary SID from buf.  *used_out (may be NULL) receives the
 * number of bytes consumed; trailing bytes are allowed so that SIDs can be
 * read out of larger structures.
 */
kerr_t sid_from_binary(const void *buf, size_t len, struct sid *sid_out,
    size_t *used_out, struct kerr *e);
/* Bytes of the binary form: 8 + 4 * nsub. */
size_t sid_binary_len(const struct sid *sid);
/* Write the binary form into out (at least sid_binary_len bytes). */
void sid_to_binary(const struct sid *sid, unsigned char *out);

/* "S-1-5-21-1-2-3-500"; decimal or 0x-prefixed hex authority. */
kerr_t sid_from_string(const char *text, struct sid *sid_out,
    struct kerr *e);
/* Formats into out; -1 if outlen is too short. */
int sid_to_string(const struct sid *sid, char *out, size_t outlen);

/*
 * A two-letter SDDL alias ("WD", "SY", "BA", "PU", ...).  Aliases relative
 * to the domain (DA, DU, DC, PU, ...) need domain; with domain NULL they
 * are refused.  Returns 0 and fills *sid_out, or -1 when unknown.
 */
int sid_from_alias(const char *alias, size_t len, const struct sid *domain,
    struct sid *sid_out);

/* Equality of two SIDs; 1 when equal. */
int sid_equal(const struct sid *a, const struct sid *b);
/* The last sub-authority (the RID); 0 when there is none. */
uint32_t sid_rid(const struct sid *sid);

#endif
