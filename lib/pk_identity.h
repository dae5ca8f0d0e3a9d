/*
 * pk_identity.h - the KDC's own PKINIT identity: certificate, private key
 * and the chain it sends, loaded from pkinit_identity.
 */
#ifndef PKINIT_KDC_PK_IDENTITY_H
#define PKINIT_KDC_PK_IDENTITY_H

#include <stddef.h>

#include "cv_cert.h"
#include "kerror.h"

struct pk_identity;

#define PK_ID_MAX_WARNINGS 4

/* Problems that do not stop the KDC but should be logged at start. */
struct pk_id_warnings {
	unsigned int n;
	char msg[PK_ID_MAX_WARNINGS][256];
};

/*
 * spec is one of
 *   FILE:cert.pem,key.pem   certificate (+ chain) file and key file
 *   FILE:combined.pem       certificate(s) and key in one PEM file
 *   PKCS12:file.p12         PKCS#12; passphrase from pass_file
 * pass_file (may be NULL: no passphrase) names a file whose first line is
 * the passphrase (for PKCS#12 or an encrypted PEM key).  The key must match
 * the certificate.  realm is used for the warnings: the certificate should
 * carry EKU id-pkinit-KPKdc and an id-pkinit-san naming krbtgt/REALM@REALM
 * (RFC 4556 section 3.2.4); otherwise a warning is added to *w (may be
 * NULL).
 */
kerr_t pk_identity_load(const char *spec, const char *pass_file,
    const char *realm, struct pk_identity **out, struct pk_id_warnings *w,
    struct kerr *e);

/* Wipes the private key; accepts NULL. */
void pk_identity_free(struct pk_identity *id);

const struct cv_cert *pk_identity_cert(const struct pk_identity *id);
/* Extra certificates (issuing CAs) loaded with the identity. */
const struct cv_certs *pk_identity_chain(const struct pk_identity *id);

#endif
