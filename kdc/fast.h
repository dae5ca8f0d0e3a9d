/*
 * fast.h - Kerberos armoring (FAST, RFC 6113) for the AS and TGS exchanges.
 *
 * An armored AS-REQ carries PA-FX-FAST with a KrbFastArmoredReq: an AP-REQ
 * armor built on a TGT this realm issued, a checksum over the outer
 * request body and the encrypted KrbFastReq holding the real (inner)
 * request.  fast_unwrap_as() checks all of it and hands back the inner
 * request; the reply and error helpers wrap what the pipeline produced
 * in KrbFastResponse.  The armor ticket's client is the device identity
 * that authentication policies evaluate (AllowedToAuthenticateFrom).
 */
#ifndef PKINIT_KDC_FAST_H
#define PKINIT_KDC_FAST_H

#include <stddef.h>
#include <stdint.h>

#include "asn1_krb5.h"
#include "kcrypto.h"
#include "kerror.h"

struct realm_rt;
struct krb_error_info;
struct kdc_fast;

/*
 * If outer carries PA-FX-FAST, verify the armor and the request checksum
 * and decrypt the inner request.  With no PA-FX-FAST, returns 0 and sets
 * *fast_out to NULL.  Otherwise *fast_out holds the armor state,
 * *inner_out the inner KDC-REQ (outer's pvno and msg-type, the KrbFastReq
 * padata and req-body) and *body_out the inner req-body bytes as the
 * client encoded them (valid while *fast_out lives).
 */
kerr_t fast_unwrap_as(const struct realm_rt *realm, const KRB5_AS_REQ *outer,
    const uint8_t *outer_body, size_t outer_body_len, int64_t now,
    struct kdc_fast **fast_out, KRB5_AS_REQ **inner_out,
    const uint8_t **body_out, size_t *body_len_out, struct kerr *e);

/*
 * The same for a TGS-REQ (RFC 6113 section 5.4.1.1): the armor key comes
 * from the PA-TGS-REQ (tgt_session, the TGT's session key, and
 * tgs_subkey, its authenticator's subkey, which must be present), and
 * from explicit armor too when the request has it (then the armor
 * ticket's client is the device).  Call after PA-TGS-REQ was verified.
 */
kerr_t fast_unwrap_tgs(const struct realm_rt *realm,
    const KRB5_TGS_REQ *outer, const uint8_t *outer_body,
    size_t outer_body_len, int64_t now, const struct kc_key *tgs_subkey,
    const struct kc_key *tgt_session, struct kdc_fast **fast_out,
    KRB5_TGS_REQ **inner_out, const uint8_t **body_out,
    size_t *body_len_out, struct kerr *e);

void fast_free(struct kdc_fast *f);

/*
 * 1 when the client set hide-client-names: replies and errors outside the
 * armor then name the anonymous principal (RFC 6112 section 3) instead.
 */
int fast_hide_client_names(const struct kdc_fast *f);
#define FAST_NT_WELLKNOWN 11
#define FAST_ANON_NAME0 "WELLKNOWN"
#define FAST_ANON_NAME1 "ANONYMOUS"
#define FAST_ANON_REALM "WELLKNOWN:ANONYMOUS"

/* The device: the armor ticket's client ("ws1$@REALM") and its parts. */
const char *fast_device_name(const struct kdc_fast *f);
const KRB5_PRINCNAME *fast_device_princ(const struct kdc_fast *f);
const char *fast_device_realm(const struct kdc_fast *f);

/*
 * RFC 6113 section 5.4.3: pick a random strengthen key of the reply key's
 * enctype and return KRB-FX-CF2(strengthen, reply, "strengthenkey",
 * "replykey"), the key the AS-REP enc-part must use.
 */
kerr_t fast_strengthen(struct kdc_fast *f, const struct kc_key *reply_key,
    struct kc_key *key_out, struct kerr *e);

/*
 * Rewrite a DER AS-REP: its padata move into a KrbFastResponse with the
 * strengthen key and a KrbFastFinished over its ticket, encrypted in the
 * armor key; the outer padata become that PA-FX-FAST alone.
 */
kerr_t fast_wrap_as_rep(struct kdc_fast *f, uint32_t nonce, int64_t now,
    int32_t usec, const uint8_t *rep, size_t rep_len, uint8_t **der_out,
    size_t *len_out, struct kerr *e);

/* The same for a DER TGS-REP (no strengthen key is chosen for TGS). */
kerr_t fast_wrap_tgs_rep(struct kdc_fast *f, uint32_t nonce, int64_t now,
    int32_t usec, const uint8_t *rep, size_t rep_len, uint8_t **der_out,
    size_t *len_out, struct kerr *e);

/*
 * The e-data of an armored error (RFC 6113 section 5.4.3): METHOD-DATA
 * holding PA-FX-FAST, whose KrbFastResponse carries PA-FX-ERROR (the
 * complete KRB-ERROR described by info, e-data removed) and, when
 * info->e_data is a METHOD-DATA (PREAUTH_REQUIRED hints), its elements.
 */
kerr_t fast_wrap_error(struct kdc_fast *f, uint32_t nonce,
    const struct krb_error_info *info, uint8_t **edata_out,
    size_t *len_out, struct kerr *e);

/*
 * RFC 6806 section 11 / RFC 6113 section 5.4.1: when the request asks
 * for PA-REQ-ENC-PA-REP, the encrypted padata of the reply: a checksum of
 * the AS-REQ as received, keyed with the reply key, and an empty
 * PA-FX-FAST telling the client this KDC does FAST (MIT clients then
 * record "fast_avail" with the ticket and armor with it later).
 * *md_out is NULL when the client did not ask.
 */
kerr_t fast_enc_padata(const KRB5_METHOD_DATA *req_padata,
    const struct kc_key *reply_key, const uint8_t *req, size_t req_len,
    KRB5_METHOD_DATA **md_out, struct kerr *e);

#endif
