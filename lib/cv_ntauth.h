/*
 * cv_ntauth.h - the NTAuth issuer store: the CAs allowed to issue logon
 * certificates (Active Directory's CN=NTAuthCertificates object and its
 * CERT_CHAIN_POLICY_NT_AUTH check).
 *
 * A chain to a trust anchor is not enough: the CA that issued the client
 * certificate itself must be listed.  A CA is matched by subject name and
 * public key, so a renewed CA certificate with the same key still counts
 * and a different CA with a look-alike name does not.  A store is
 * immutable; a refresh builds a new one.
 */
#ifndef PKINIT_KDC_CV_NTAUTH_H
#define PKINIT_KDC_CV_NTAUTH_H

#include <stddef.h>
#include <stdint.h>

#include "cv_cert.h"
#include "kerror.h"

struct cv_ntauth;

/* Maximum CA certificates in one store. */
#define CV_NTAUTH_MAX 1024

/* From "FILE:bundle.pem" / "DIR:path" locations (as pkinit_anchors). */
kerr_t cv_ntauth_load(const char *const *locs, size_t n,
    struct cv_ntauth **out, struct kerr *e);

/* From DER certificates (cACertificate values).  Values that are not
 * certificates are skipped and counted in *skipped_out (may be NULL). */
kerr_t cv_ntauth_from_der(const struct cv_blob *v, size_t n,
    struct cv_ntauth **out, size_t *skipped_out, struct kerr *e);

void cv_ntauth_free(struct cv_ntauth *s);
size_t cv_ntauth_count(const struct cv_ntauth *s);

/* 1 when ca (by subject and public key) is in the store. */
int cv_ntauth_has(const struct cv_ntauth *s, const struct cv_cert *ca);

/*
 * chain is a verified path, leaf first.  0 when the leaf's issuer
 * (chain[1]) is in s; else KDC_ERR_CLIENT_NOT_TRUSTED naming the issuer.
 * s NULL means a store not loaded yet: refused likewise.
 */
kerr_t cv_ntauth_check(const struct cv_ntauth *s, const struct cv_certs *chain,
    struct kerr *e);

#endif
