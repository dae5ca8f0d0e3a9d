/*
 * as_policy.h - AD authentication policies and silos at the AS exchange
 * (MS-KILE 3.3.5.4 - 3.3.5.6, as Windows Server 2012 R2+ and Samba 4.20
 * apply them), and the Protected Users restrictions.
 *
 * After the account is known and checked, the stage reads (through a
 * per-realm cache) the account's silo and policy, the account's groups
 * and, for a policy with AllowedToAuthenticateFrom, the FAST armor's
 * device: its account, groups and silo.  It then decides:
 *   - AllowedToAuthenticateFrom: an access check for control access on
 *     the policy's descriptor with the device's SIDs and silo claim;
 *     refused (KDC_ERR_POLICY, event 105) when enforced, only logged
 *     (event 305) in audit mode;
 *   - the TGT lifetime cap of an enforced policy (no renewal past it);
 *   - Protected Users (RID 525): 4 h unless a policy sets a lifetime,
 *     neither forwardable nor proxiable, AES only.
 */
#ifndef PKINIT_KDC_AS_POLICY_H
#define PKINIT_KDC_AS_POLICY_H

#include <stdint.h>

#include "kerror.h"

struct as_req;
struct as_issue_params;
struct as_policy;

/* Protected Users TGT lifetime (MS-KILE 3.3.5.7.x, 4 hours). */
#define AS_POLICY_PROTECTED_LIFE (4 * 3600)

/*
 * Start the stage.  On 0 the request belongs to the stage, which ends by
 * calling as_policy_done() (possibly before returning): the caller must
 * not touch r again.  On an error nothing was started.
 */
kerr_t as_policy_start(struct as_req *r, struct kerr *e);

/* Apply the decision to the ticket: lifetime cap and forbidden flags.
 * note receives a summary for the request's log line. */
void as_policy_apply(const struct as_policy *p, struct as_issue_params *ip,
    char *note, size_t notelen);

/* Cancel outstanding directory work and free (NULL is ignored). */
void as_policy_free(struct as_policy *p);

/* In as_req.c: continue (issue) or finish with the error. */
void as_policy_done(struct as_req *r, kerr_t code, const char *reason);

#endif
