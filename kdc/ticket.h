/*
 * ticket.h - what the AS and TGS exchanges share when they issue a ticket:
 * the EncTicketPart and its encryption, the EncKDCRepPart of the reply,
 * the krbtgt name, and (pure, unit-tested) the derivation of a TGS ticket's
 * times and flags from the ticket-granting ticket it was asked with.
 */
#ifndef PKINIT_KDC_TICKET_H
#define PKINIT_KDC_TICKET_H

#include <stddef.h>
#include <stdint.h>

#include "asn1_krb5.h"
#include "kcrypto.h"
#include "kerror.h"

/* KerberosTime 19700101000000Z in a request means "as late as possible". */
#define TKT_TIME_INFINITE INT64_MAX

/* The times and flags of one ticket (starttime 0 / renew_till 0: absent). */
struct tkt_times {
	int64_t authtime;
	int64_t starttime;
	int64_t endtime;
	int64_t renew_till;
	uint32_t flags;
};

/* Everything an EncTicketPart holds, and the key that seals it. */
struct tkt_params {
	const char *realm;                /* ticket realm (the server's) */
	const KRB5_PRINCNAME *sname;
	const KRB5_PRINCNAME *cname;
	const char *crealm;
	const struct kc_key *session;
	const struct kc_key *key;         /* server's long-term key */
	uint32_t kvno;
	const struct tkt_times *t;
	const KRB5_HOSTADDRS *caddr;      /* may be NULL */
	const KRB5_AUTHDATA *authdata;    /* may be NULL */
};

/* Build the EncTicketPart, encrypt it (usage 2) and wrap it in a Ticket. */
kerr_t tkt_build(const struct tkt_params *p, KRB5_TICKET **tkt_out,
    struct kerr *e);

/* The reply's encrypted part (EncASRepPart or EncTGSRepPart). */
struct tkt_rep_params {
	int tgs;                          /* 1: EncTGSRepPart, usage 8/9 */
	const struct kc_key *session;
	const struct tkt_times *t;
	const ASN1_INTEGER *nonce;        /* echoed from the request */
	int64_t last_req;                 /* 0: empty LastReq */
	const char *srealm;
	const KRB5_PRINCNAME *sname;
	const KRB5_HOSTADDRS *caddr;      /* may be NULL */
	const struct kc_key *reply_key;
	int32_t usage;                    /* 3, 8 or 9 */
	/* encrypted-pa-data (RFC 6806 section 11); when set, the reply
	 * flags also carry enc-pa-rep.  May be NULL. */
	const KRB5_METHOD_DATA *enc_padata;
};

kerr_t tkt_enc_rep_part(const struct tkt_rep_params *p, uint8_t **ct_out,
    size_t *ctlen_out, struct kerr *e);

/* krbtgt/REALM, name type NT-SRV-INST. */
kerr_t tkt_tgs_name(const char *realm, KRB5_PRINCNAME **out);

/* 1 if name is krbtgt/realm. */
int tkt_is_tgs_name(const KRB5_PRINCNAME *name, const char *realm);

/* A request time: absent or 19700101000000Z give TKT_TIME_INFINITE. */
int64_t tkt_req_time(const ASN1_GENERALIZEDTIME *t);

/* What a TGS request asks for, and the limits that apply. */
struct tkt_tgs_in {
	uint32_t kdc_options;
	int64_t from;                     /* TKT_TIME_INFINITE: absent */
	int64_t till;                     /* TKT_TIME_INFINITE: none asked */
	int64_t rtime;                    /* TKT_TIME_INFINITE: absent */
	const struct tkt_times *tgt;      /* the ticket-granting ticket */
	int64_t now;
	int64_t clockskew;
	int64_t max_life;                 /* realm limit; 0: none */
	int64_t max_renewable_life;       /* realm limit; 0: no renewal */
	int to_tgs;                       /* the new ticket is a TGT */
};

/*
 * Times and flags of the ticket a TGS request gets (RFC 4120 sections
 * 3.3.3 and 5.4.1), or KDC_ERR_BADOPTION / KDC_ERR_CANNOT_POSTDATE /
 * KDC_ERR_NEVER_VALID / KRB_AP_ERR_TKT_EXPIRED with the reason in e.
 * Nothing may exceed what the TGT carries: the end time and renew-till
 * never pass the TGT's, FORWARDABLE and PROXIABLE are kept only when the
 * TGT has them (so accounts whose TGT lacks them never regain them).
 */
kerr_t tkt_tgs_times(const struct tkt_tgs_in *in, struct tkt_times *out,
    struct kerr *e);

#endif
