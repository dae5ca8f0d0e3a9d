/*
 * pk_priv.h - OpenSSL view of the KDC identity for pk_cms.c.
 */
#ifndef PKINIT_KDC_PK_PRIV_H
#define PKINIT_KDC_PK_PRIV_H

#include <stddef.h>
#include <stdint.h>

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
/* Cut OpenSSL's SignedData der (made over content with key) into a
 * template; NULL only when out of memory (pk_cms_tmpl.c). */
struct pk_sign_tmpl *pk_sign_tmpl_make(EVP_PKEY *key, const uint8_t *der,
    size_t len, const uint8_t *content, size_t clen);
/* 1 when the template passed its checks and may sign. */
int pk_sign_tmpl_usable(const struct pk_sign_tmpl *t);
/* A new ContentInfo of SignedData over content through the template. */
kerr_t pk_sign_tmpl_sign(const struct pk_sign_tmpl *t, const uint8_t *content,
    size_t len, uint8_t **der_out, size_t *len_out, struct kerr *e);
/* The DER TLV at p (pk_cms.c): identifier octet, header and content
 * lengths; -1 unless definite-length DER with a one-octet identifier. */
int pk_cms_der_next(const uint8_t *p, const uint8_t *end, uint8_t *tag,
    size_t *hdr, size_t *clen);
/* 1 when signatures of this type go through a checked template (tests). */
int pk_cms_tmpl_in_use(const struct pk_identity *id, enum pk_cms_content type);

#endif
