/*
 * tgs_policy.h - AD authentication policies at the TGS exchange: the
 * service account's AllowedToAuthenticateTo ([MS-KILE] 3.3.5.7, as
 * Windows Server 2012 R2+ and Samba 4.20 apply it).
 *
 * When the service was found through the directory (the account holding
 * the servicePrincipalName), the stage reads that account's silo and
 * policy (the same rules and cache as the AS exchange: the silo's policy
 * for the account's class when the account is assigned to and a member
 * of the silo, else the directly assigned policy), and, when the policy
 * has a msDS-{User,Computer,Service}AllowedToAuthenticateTo descriptor,
 * the requesting client's account and groups (by the TGT's client name)
 * and the device of an explicitly armored request.  It then asks for
 * control access on the descriptor with the client's SIDs (and the
 * device's for Device_Member_of): refused -> KDC_ERR_POLICY and event
 * 106 when enforced, only event 306 in audit mode.
 *
 * Protected Users and NOT_DELEGATED clients need nothing here: the AS
 * exchange already left their TGTs without forwardable and proxiable,
 * and service tickets take those flags from the TGT.
 */
#ifndef PKINIT_KDC_TGS_POLICY_H
#define PKINIT_KDC_TGS_POLICY_H

#include <stddef.h>

#include "kerror.h"

struct tgs_req;
struct tgs_policy;

/*
 * Start the stage.  On 0 the request belongs to the stage, which ends by
 * calling tgs_policy_done() (possibly before returning): the caller must
 * not touch r again.  On an error nothing was started.
 */
kerr_t tgs_policy_start(struct tgs_req *r, struct kerr *e);

/* A summary for the request's log line ("" when no policy applied). */
const char *tgs_policy_note(const struct tgs_policy *p);

/* Cancel outstanding directory work and free (NULL is ignored). */
void tgs_policy_free(struct tgs_policy *p);

/* In tgs_req.c: continue (issue) or finish with the error. */
void tgs_policy_done(struct tgs_req *r, kerr_t code, const char *reason);

#endif
