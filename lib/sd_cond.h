/*
 * sd_cond.h - token codes of the binary conditional-expression format
 * (MS-DTYP 2.4.4.17.4 - 2.4.4.17.8), shared by the SDDL compiler and the
 * evaluator.  Internal to the sd_* module.
 */
#ifndef PKINIT_KDC_SD_COND_H
#define PKINIT_KDC_SD_COND_H

#include "sd.h"

#define CT_PAD        0x00
#define CT_INT8       0x01
#define CT_INT16      0x02
#define CT_INT32      0x03
#define CT_INT64      0x04
#define CT_STRING     0x10
#define CT_OCTETS     0x18
#define CT_COMPOSITE  0x50
#define CT_SID        0x51

#define CT_EQ         0x80
#define CT_NE         0x81
#define CT_LT         0x82
#define CT_LE         0x83
#define CT_GT         0x84
#define CT_GE         0x85
#define CT_CONTAINS   0x86
#define CT_EXISTS     0x87
#define CT_ANY_OF     0x88
#define CT_MEMBER_OF  0x89
#define CT_DEV_MEMBER_OF 0x8a
#define CT_MEMBER_OF_ANY 0x8b
#define CT_DEV_MEMBER_OF_ANY 0x8c
#define CT_NOT_EXISTS 0x8d
#define CT_NOT_CONTAINS 0x8e
#define CT_NOT_ANY_OF 0x8f
#define CT_NOT_MEMBER_OF 0x90
#define CT_NOT_DEV_MEMBER_OF 0x91
#define CT_NOT_MEMBER_OF_ANY 0x92
#define CT_NOT_DEV_MEMBER_OF_ANY 0x93

#define CT_AND        0xa0
#define CT_OR         0xa1
#define CT_NOT        0xa2

#define CT_ATTR_LOCAL    0xf8
#define CT_ATTR_USER     0xf9
#define CT_ATTR_RESOURCE 0xfa
#define CT_ATTR_DEVICE   0xfb

/* Integer literal trailer: sign and base bytes. */
#define CT_SIGN_PLUS  1
#define CT_SIGN_MINUS 2
#define CT_SIGN_NONE  3
#define CT_BASE_OCT   1
#define CT_BASE_DEC   2
#define CT_BASE_HEX   3

/* A bounded cursor over SDDL text, shared by the descriptor parser and
 * the conditional-expression compiler. */
#include <ctype.h>
#include <string.h>

struct sd_lex {
	const char *p, *end;
	const struct sid *domain;
	struct kerr *e;
};

static inline void
sd_lex_skip_ws(struct sd_lex *lx)
{
	while (lx->p < lx->end && isspace((unsigned char)*lx->p))
		lx->p++;
}

static inline int
sd_lex_at(struct sd_lex *lx, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(lx->end - lx->p) >= n && memcmp(lx->p, word, n) == 0;
}

#endif
