/*
 * pk_priv.h - OpenSSL view of the KDC identity for pk_cms.c.
 */
#ifndef PKINIT_KDC_PK_PRIV_H
#define PKINIT_KDC_PK_PRIV_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "pk_identity.h"

X509 *pk_identity_x509(const struct pk_identity *id);
EVP_PKEY *pk_identity_key(const struct pk_identity *id);

#endif
