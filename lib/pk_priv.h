/*
 * pk_priv.h - OpenSSL view of the KDC identity for pk_cms.c.
 */
#ifndef PKINIT_KDC_PK_PRIV_H
#define PKINIT_KDC_PK_PRIV_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "pk_cms.h"
#include "pk_identity.h"

X509 *pk_identity_x509(const struct pk_identity *id);
EVP_PKEY *pk_identity_key(const struct pk_identity *id);

/* Signing templates (pk_cms.c), kept by the identity they belong to. */
#define PK_CMS_N_CONTENT 3
struct pk_sign_tmpl;
struct pk_sign_tmpl **pk_identity_tmpl(const struct pk_identity *id,
    enum pk_cms_content type);
void pk_sign_tmpl_free(struct pk_sign_tmpl *t);
/* 1 when signatures of this type go through a checked template (tests). */
int pk_cms_tmpl_in_use(const struct pk_identity *id, enum pk_cms_content type);

#endif
