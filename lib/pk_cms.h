/*
 * pk_cms.h - the CMS (RFC 5652) layer of PKINIT (RFC 4556 section 3.2):
 * verifying the client's signed AuthPack, signing the KDC's reply key data
 * and enveloping it to the client for RSA key transport.
 *
 * Everything goes in and out as DER ContentInfo bytes; certificates come
 * out as struct cv_cert for cv_chain.h to validate.  CMS_verify here does
 * not build the signer's certificate path: that is cv_verify's job.
 */
#ifndef PKINIT_KDC_PK_CMS_H
#define PKINIT_KDC_PK_CMS_H

#include <stddef.h>
#include <stdint.h>

#include "cv_cert.h"
#include "kerror.h"
#include "pk_identity.h"

/* eContentTypes PKINIT uses (RFC 4556 section 3.1). */
enum pk_cms_content {
	PK_CONTENT_AUTH_DATA,   /* id-pkinit-authData 1.3.6.1.5.2.3.1 */
	PK_CONTENT_DH_KEY_DATA, /* id-pkinit-DHKeyData 1.3.6.1.5.2.3.2 */
	PK_CONTENT_RKEY_DATA,   /* id-pkinit-rkeyData 1.3.6.1.5.2.3.3 */
};

/* Largest CMS message accepted from a client. */
#define PK_CMS_MAX_IN (256 * 1024)

#define PK_CMS_ALLOW_SHA1 0x1   /* accept SHA-1 digests (old clients) */

struct pk_signed {
	uint8_t *content;       /* eContent: DER AuthPack */
	size_t content_len;
	struct cv_cert *signer;
	struct cv_certs *others; /* other certificates in the message */
	char digest[16];        /* "SHA256", ... for logs */
};

/*
 * Verify a client's signedAuthPack (DER ContentInfo of SignedData):
 * eContentType must be `expect` (PK_CONTENT_AUTH_DATA for AS-REQs), one
 * signer, whose certificate is among the message's certificates, digest
 * SHA-256/384/512 (SHA-1 with PK_CMS_ALLOW_SHA1), signature RSA PKCS#1
 * v1.5, RSA-PSS or ECDSA, with or without signed attributes.
 *
 * Errors: KDC_ERR_PREAUTH_FAILED (not a SignedData, wrong eContentType,
 * no content, signer count), KDC_ERR_DIGEST_IN_SIGNED_DATA_NOT_ACCEPTED,
 * KDC_ERR_CANT_VERIFY_CERTIFICATE (signer certificate not included),
 * KDC_ERR_INVALID_SIG.
 */
kerr_t pk_cms_verify(const uint8_t *der, size_t len,
    enum pk_cms_content expect, unsigned int flags, struct pk_signed **out,
    struct kerr *e);
void pk_signed_free(struct pk_signed *s);

/*
 * Sign content (DER KDCDHKeyInfo or ReplyKeyPack) as SignedData with the
 * KDC identity: SHA-256, signed attributes, the KDC certificate and its
 * chain included.  *der_out is a malloc'd DER ContentInfo.
 */
kerr_t pk_cms_sign(const struct pk_identity *id, enum pk_cms_content type,
    const uint8_t *content, size_t len, uint8_t **der_out, size_t *len_out,
    struct kerr *e);

/*
 * RSA key transport reply (RFC 4556 section 3.2.3.2): encrypt the
 * SignedData inside `signed_ci` (a ContentInfo from pk_cms_sign) to the
 * client certificate's RSA key with AES-256-CBC.  The enveloped
 * eContentType is id-signedData and the encrypted octets are the
 * SignedData itself (RFC 5652 section 6.1), which MIT kinit re-wraps
 * into a ContentInfo after decrypting.  *der_out is a malloc'd DER
 * ContentInfo of EnvelopedData.  A non-RSA client key gives
 * KDC_ERR_PUBLIC_KEY_ENCRYPTION_NOT_SUPPORTED.
 */
kerr_t pk_cms_envelope(const struct cv_cert *recipient,
    const uint8_t *signed_ci, size_t signed_ci_len, uint8_t **der_out,
    size_t *len_out, struct kerr *e);

#endif
