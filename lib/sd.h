/*
 * sd.h - Windows security descriptors (MS-DTYP 2.4.6) as used by AD
 * authentication policies: parsed from the binary self-relative form
 * stored in msDS-*AllowedToAuthenticateFrom/To, or from SDDL text
 * (MS-DTYP 2.5.1), and checked for access against a token of user SIDs,
 * device SIDs and claims.
 *
 * Conditional ACEs keep their expression in the binary token format of
 * MS-DTYP 2.4.4.17 ("artx" followed by postfix tokens); SDDL text is
 * compiled into that format, so one evaluator serves both sources.
 */
#ifndef PKINIT_KDC_SD_H
#define PKINIT_KDC_SD_H

#include <stddef.h>
#include <stdint.h>

#include "kerror.h"
#include "sid.h"

/* Control bits (MS-DTYP 2.4.6). */
#define SD_DACL_PRESENT   0x0004
#define SD_DACL_DEFAULTED 0x0008
#define SD_SACL_PRESENT   0x0010
#define SD_DACL_AUTO_INHERITED 0x0400
#define SD_SACL_AUTO_INHERITED 0x0800
#define SD_DACL_PROTECTED 0x1000
#define SD_SACL_PROTECTED 0x2000
#define SD_SELF_RELATIVE  0x8000

/* ACE types (MS-DTYP 2.4.4.1). */
#define SD_ACE_ALLOWED          0x00
#define SD_ACE_DENIED           0x01
#define SD_ACE_AUDIT            0x02
#define SD_ACE_ALLOWED_OBJECT   0x05
#define SD_ACE_DENIED_OBJECT    0x06
#define SD_ACE_AUDIT_OBJECT     0x07
#define SD_ACE_ALLOWED_CALLBACK 0x09
#define SD_ACE_DENIED_CALLBACK  0x0a
#define SD_ACE_ALLOWED_CALLBACK_OBJECT 0x0b
#define SD_ACE_DENIED_CALLBACK_OBJECT  0x0c
#define SD_ACE_AUDIT_CALLBACK   0x0d
#define SD_ACE_MANDATORY_LABEL  0x11
#define SD_ACE_RESOURCE_ATTRIBUTE 0x12
#define SD_ACE_SCOPED_POLICY    0x13

/* ACE flags. */
#define SD_ACE_OBJECT_INHERIT    0x01
#define SD_ACE_CONTAINER_INHERIT 0x02
#define SD_ACE_NO_PROPAGATE      0x04
#define SD_ACE_INHERIT_ONLY      0x08
#define SD_ACE_INHERITED         0x10
#define SD_ACE_SUCCESSFUL_ACCESS 0x40
#define SD_ACE_FAILED_ACCESS     0x80

/* Object ACE flags. */
#define SD_OBJECT_TYPE_PRESENT           0x1
#define SD_INHERITED_OBJECT_TYPE_PRESENT 0x2

/* Directory access rights. */
#define SD_RIGHT_DS_CONTROL_ACCESS 0x00000100u
#define SD_RIGHT_GENERIC_ALL     0x10000000u
#define SD_RIGHT_GENERIC_EXECUTE 0x20000000u
#define SD_RIGHT_GENERIC_WRITE   0x40000000u
#define SD_RIGHT_GENERIC_READ    0x80000000u

/* Bounds on untrusted input (rangeUpper of the AD attributes is 132096). */
#define SD_MAX_BINARY   (132096u)
#define SD_MAX_SDDL     (132096u)
#define SD_MAX_ACES     1024
#define SD_MAX_COND     (64u * 1024)

struct sd_ace {
	uint8_t type;
	uint8_t flags;
	uint32_t mask;
	uint32_t object_flags;          /* object ACEs only */
	uint8_t object_type[16];
	uint8_t inherited_object_type[16];
	struct sid sid;
	unsigned char *cond;            /* "artx..." expression, or NULL */
	size_t cond_len;
};

struct sd_acl {
	uint8_t revision;
	size_t count;
	struct sd_ace *aces;
};

struct sd_desc {
	uint16_t control;
	int has_owner, has_group;
	struct sid owner, group;
	struct sd_acl *dacl;            /* NULL with DACL_PRESENT = null DACL */
	struct sd_acl *sacl;
};

/* Binary self-relative form (sd_binary.c). */
kerr_t sd_from_binary(const void *buf, size_t len, struct sd_desc **sd_out,
    struct kerr *e);
kerr_t sd_to_binary(const struct sd_desc *sd, unsigned char **buf_out,
    size_t *len_out, struct kerr *e);
void sd_free(struct sd_desc *sd);

/*
 * SDDL text (sd_sddl.c).  domain (may be NULL) resolves domain-relative
 * aliases such as DA or AP.  Conditional expressions are compiled to the
 * binary token format.
 */
kerr_t sd_from_sddl(const char *text, size_t len, const struct sid *domain,
    struct sd_desc **sd_out, struct kerr *e);
/* Compile one conditional expression (without the outer parentheses of
 * the ACE field) into "artx" tokens; *out is malloc'd. */
kerr_t sd_cond_compile(const char *text, size_t len, const struct sid *domain,
    unsigned char **out, size_t *len_out, struct kerr *e);

/*
 * Either form, as found in a directory attribute: a value whose first
 * byte is revision 1 is taken as binary, anything else as SDDL text.
 */
kerr_t sd_parse_value(const void *buf, size_t len, const struct sid *domain,
    struct sd_desc **sd_out, struct kerr *e);

/* ---- Access check (sd_eval.c) ---------------------------------------- */

enum sd_claim_type {
	SD_CLAIM_STRING = 1,
	SD_CLAIM_INT64 = 2,
};

struct sd_claim {
	const char *name;               /* "ad://ext/AuthenticationSilo" */
	enum sd_claim_type type;
	size_t nvalues;
	const char *const *strings;     /* SD_CLAIM_STRING: UTF-8 values */
	const int64_t *ints;            /* SD_CLAIM_INT64 */
};

/*
 * The security context an access check runs against.  user_sids is the
 * token's SIDs (the principal and its groups); device_sids the device's
 * for Device_Member_of; claims are looked up by @USER. / @DEVICE. /
 * @RESOURCE. prefix.
 */
struct sd_token {
	const struct sid *user_sids;
	size_t n_user_sids;
	const struct sid *device_sids;
	size_t n_device_sids;
	const struct sd_claim *user_claims;
	size_t n_user_claims;
	const struct sd_claim *device_claims;
	size_t n_device_claims;
	const struct sd_claim *resource_claims;
	size_t n_resource_claims;
};

/* Three-valued result of a conditional expression (MS-DTYP 2.4.4.17.1). */
enum sd_tri {
	SD_FALSE = 0,
	SD_TRUE = 1,
	SD_UNKNOWN = 2,
};

/* Evaluate an "artx" expression.  Malformed expressions are UNKNOWN. */
enum sd_tri sd_cond_eval(const unsigned char *expr, size_t len,
    const struct sd_token *tok);

/*
 * MS-DTYP 2.5.3.2 AccessCheck over the DACL for the desired rights
 * (generic rights mapped with the directory-service mapping).  Sets
 * *granted_out to 1 when all desired rights are granted.  Only a
 * structurally impossible descriptor makes it fail; deny is not an error.
 */
kerr_t sd_access_check(const struct sd_desc *sd, uint32_t desired,
    const struct sd_token *tok, int *granted_out, struct kerr *e);

#endif
