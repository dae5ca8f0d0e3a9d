/*
 * req_error.h - the KRB-ERROR description shared by the AS and TGS
 * pipelines: the fields every error answering a request carries, the
 * names it echoes, and its FAST armoring.
 */
#ifndef KDC_REQ_ERROR_H
#define KDC_REQ_ERROR_H

#include <stddef.h>
#include <stdint.h>

#include "asn1_krb5.h"
#include "fast.h"
#include "kerror.h"
#include "krb_error.h"

/* Most name components an error echoes (arrays passed here hold this
 * many). */
#define REQ_ERROR_MAX_COMPS 8

/*
 * Start info for an error code at time now/usec from realm; when realm
 * is known the server name defaults to krbtgt/realm, written to snames.
 */
void req_error_init(struct krb_error_info *info, kerr_t code, int64_t now,
    int32_t usec, const char *realm, const char **snames);

/* The components of p into v (pointers into p); 0 when p has none or
 * more than REQ_ERROR_MAX_COMPS. */
size_t req_error_comps(const KRB5_PRINCNAME *p, const char **v);

/*
 * RFC 6113 section 5.4.3: for an armored request (f not NULL) the error
 * travels inside PA-FX-FAST, replacing *edata (freed) and info's e-data,
 * and the client's name is hidden outside when it asked, written to
 * cnames, the array info->cname points to.  Nothing when f is NULL or
 * no realm is known.
 */
void req_error_armor(struct kdc_fast *f, uint32_t nonce,
    struct krb_error_info *info, const char **cnames, uint8_t **edata);

#endif
