/*
 * map_bind.h - is this certificate bound to this account, and how
 * strongly?  The decision an AD domain controller makes after KB5014754
 * ([MS-PKCA] 3.1.5.2.1.5 and 3.1.5.2.1.6), as a pure function of the
 * account, the certificate, the enforcement mode and the times.
 *
 * Bindings:
 *   strong  altSecurityIdentities <I><SR>, <SKI>, <SHA1-PUKEY>, <I><SID>;
 *           the SID extension (1.3.6.1.4.1.311.25.2) or SAN URL
 *           tag:microsoft.com,2022-09-14:sid:<SID> equal to objectSid
 *   weak    altSecurityIdentities <I><S>, <S>, <RFC822>; UPN SAN equal to
 *           userPrincipalName; id-pkinit-san naming the account; for
 *           computers a dNSName SAN equal to dNSHostName (with
 *           sAMAccountName "label$"); optionally an rfc822Name SAN equal
 *           to userPrincipalName when there is no UPN SAN
 * Outcomes:
 *   a SID in the certificate that differs from objectSid: 66 in every
 *   mode (event 41); a strong binding: success; only weak bindings: mode
 *   none accepts, compatibility accepts when the certificate is not older
 *   than the account (whenCreated minus the backdating allowance) with a
 *   warning (event 39) and refuses it otherwise (66, event 40), full
 *   refuses (66, event 39); no binding at all: KDC_ERR_CLIENT_NAME_MISMATCH.
 */
#ifndef PKINIT_KDC_MAP_BIND_H
#define PKINIT_KDC_MAP_BIND_H

#include <stdint.h>

#include "kerror.h"

struct map_cert;
struct dir_account;

enum map_mode {
	MAP_MODE_NONE,
	MAP_MODE_COMPATIBILITY,
	MAP_MODE_FULL,
};

enum map_strength {
	MAP_NOT_BOUND,
	MAP_WEAK,
	MAP_STRONG,
};

struct map_bind_params {
	enum map_mode mode;
	int64_t backdating;         /* seconds subtracted from whenCreated */
	int allow_rfc822;           /* rfc822Name SAN vs userPrincipalName */
	const char *realm;          /* for id-pkinit-san */
	const char *request_name;   /* the client's cname@realm, or NULL */
};

struct map_bind_result {
	enum map_strength strength;
	char how[160];              /* "altSecurityIdentities X509:<I><SR>",
				       "UPN SAN + SID extension", ... */
	int event;                  /* 39, 40, 41 (Windows KDC event ids) or 0 */
	char warning[KERR_MSG_MAX]; /* set with event 39 on success */
	unsigned int n_ignored;     /* unparsable altSecurityIdentities */
	char ignored[KERR_MSG_MAX]; /* why the first one was ignored */
};

/* "none", "compatibility", "full"; -1 for anything else. */
int map_mode_parse(const char *s);
const char *map_mode_name(enum map_mode m);
const char *map_strength_name(enum map_strength s);

/*
 * Decide.  Returns 0 when the certificate authenticates the account (res
 * says how; res->event is 39 for an accepted weak binding), otherwise the
 * Kerberos error with e describing it in the words of the Windows event.
 * res is always filled.
 */
kerr_t map_bind(const struct map_cert *c, const struct dir_account *a,
    const struct map_bind_params *p, struct map_bind_result *res,
    struct kerr *e);

#endif
