/*
 * as_issue.h - issuing a TGT: Ticket, EncTicketPart, EncASRepPart, AS-REP.
 *
 * Times and flags follow RFC 4120 section 3.1.3: the end time is the
 * smallest of the requested till, authtime + max_life and any policy cap;
 * renewable tickets get renew-till from rtime (or till with RENEWABLE-OK)
 * capped by max_renewable_life.  The ticket is encrypted in the strongest
 * krbtgt key of the newest kvno, the reply in the reply key.
 */
#ifndef PKINIT_KDC_AS_ISSUE_H
#define PKINIT_KDC_AS_ISSUE_H

#include <stddef.h>
#include <stdint.h>

#include "asn1_krb5.h"
#include "kcrypto.h"
#include "kerror.h"
#include "realm.h"

struct as_issue_params {
	const struct realm_rt *realm;
	const KRB5_KDC_REQ_BODY *body;
	const KRB5_PRINCNAME *cname;      /* client name in ticket and reply */
	const char *crealm;
	int32_t session_enctype;
	const struct kc_key *reply_key;
	const KRB5_METHOD_DATA *padata;   /* reply padata; may be NULL */
	uint32_t forbid_flags;            /* e.g. FORWARDABLE for NOT_DELEGATED */
	int64_t life_cap;                 /* policy lifetime cap; 0: none */
	int renew_cap;                    /* renew-till may not pass endtime */
	int64_t now;
	/* encrypted-pa-data of EncASRepPart (RFC 6806 section 11); when
	 * set, the reply flags also carry enc-pa-rep.  May be NULL. */
	const KRB5_METHOD_DATA *enc_padata;
};

struct as_issued {
	int64_t endtime;
	int64_t renew_till;               /* 0 if not renewable */
	uint32_t flags;
	int32_t ticket_enctype;
	uint32_t ticket_kvno;
};

/*
 * The session key enctype: the first enctype of the client's list that we
 * support (client order wins, RFC 4120 section 3.1.3).
 */
kerr_t as_choose_enctype(const KRB5_KDC_REQ_BODY *body, int32_t *enctype_out,
    struct kerr *e);

/* Build the DER AS-REP. */
kerr_t as_issue(const struct as_issue_params *p, uint8_t **der_out,
    size_t *len_out, struct as_issued *issued_out, struct kerr *e);

#endif
