/* cv_test_pki.h - fixtures shared by the certificate-validation tests
 * (check_cv_crl_ocsp, check_cv_revoke); test code only. */
#ifndef PKINIT_KDC_CV_TEST_PKI_H
#define PKINIT_KDC_CV_TEST_PKI_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "cv_chain.h"
#include "cv_revdata.h"

/* The time the tests run at, set by cvt_main. */
extern int64_t cvt_now;

/* "<name>.crt" / "<name>.key" / a CRL file of the test PKI; abort on
 * failure. */
struct cv_cert *cvt_cert(const char *name);
EVP_PKEY *cvt_key(const char *name);
struct cv_crl *cvt_crl(const char *file);
/* Verified chain of leaf (leaf, CA, root). */
struct cv_certs *cvt_chain(struct cv_cert *leaf);

/* DER (OPENSSL_free) of a CRL signed by ca's key: CRL number, delta
 * indicator if delta_base >= 0, optionally one revoked serial (with
 * reason removeFromCRL if removal) and an unknown critical extension. */
unsigned char *cvt_crl_der(long number, long delta_base,
    const struct cv_cert *revoke, int removal, int bad_critical,
    int *len_out);

struct cvt_resp_opts {
	const char *signer;     /* key/cert name */
	int status;             /* V_OCSP_CERTSTATUS_* */
	int nonce;              /* echo the request's nonce */
	long this_off, next_off;    /* seconds from now; next 0: absent */
	int rsp_status;         /* OCSP_RESPONSE_STATUS_* */
};

/* DER (free) of an OCSP response to the request reqder for leaf. */
uint8_t *cvt_make_resp(const uint8_t *reqder, size_t reqlen,
    const struct cv_cert *leaf, const struct cvt_resp_opts *o,
    size_t *len_out);
/* "good", signed by the delegated responder, nonce echoed, valid an hour. */
extern const struct cvt_resp_opts cvt_good_by_delegate;

/* Set up the PKI, run the cases add_tests adds as suite name, tear
 * down; the exit status for main. */
int cvt_main(const char *name, void (*add_tests)(TCase *));

#endif
