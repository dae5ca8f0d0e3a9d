/*
 * cv_cert.h - an X.509 certificate as the rest of the KDC sees it: opaque,
 * with accessors for what logs, account mapping and policy need.
 *
 * A struct cv_cert is immutable once made; the strings it hands out live
 * as long as the certificate.
 */
#ifndef PKINIT_KDC_CV_CERT_H
#define PKINIT_KDC_CV_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "kerror.h"

struct cv_cert;

/* Parse one DER certificate (the whole buffer). */
kerr_t cv_cert_from_der(const uint8_t *der, size_t len,
    struct cv_cert **out, struct kerr *e);
/* First certificate of a PEM or DER file. */
kerr_t cv_cert_from_file(const char *path, struct cv_cert **out,
    struct kerr *e);
/* Another reference to the same certificate (cheap). */
struct cv_cert *cv_cert_ref(struct cv_cert *c);
void cv_cert_free(struct cv_cert *c);

const uint8_t *cv_cert_der(const struct cv_cert *c, size_t *len_out);
/* Subject and issuer in RFC 2253 form ("CN=alice,OU=Users,DC=example"). */
const char *cv_cert_subject(const struct cv_cert *c);
const char *cv_cert_issuer(const struct cv_cert *c);
/* Serial number, upper-case hex without separators ("7A01..."). */
const char *cv_cert_serial_hex(const struct cv_cert *c);
/* SHA-1 over the DER certificate, lower-case hex (the "thumbprint"). */
const char *cv_cert_sha1_hex(const struct cv_cert *c);
/* SHA-256 over the DER certificate (CV_CERT_SHA256_LEN bytes): the
 * certificate's identity for caches keyed by content. */
#define CV_CERT_SHA256_LEN 32
const uint8_t *cv_cert_sha256(const struct cv_cert *c);
/* Validity in seconds since the epoch. */
int64_t cv_cert_not_before(const struct cv_cert *c);
int64_t cv_cert_not_after(const struct cv_cert *c);
/* subjectKeyIdentifier octets or NULL when absent. */
const uint8_t *cv_cert_ski(const struct cv_cert *c, size_t *len_out);
/* DER SubjectPublicKeyInfo. */
const uint8_t *cv_cert_spki(const struct cv_cert *c, size_t *len_out);

/*
 * One object derived from the certificate and owned by it (a module's
 * per-certificate view, such as the names account mapping reads), so
 * that a certificate kept by the parse cache does not have it rebuilt
 * for every request.  key tells owners apart: cv_cert_memo returns NULL
 * unless the memo was set with the same key.  cv_cert_set_memo hands obj
 * to the certificate, which calls free_fn(obj) when it goes; it fails
 * (-1, obj not taken) when a memo is already set.  The memo must not
 * change what any accessor returns.
 */
void *cv_cert_memo(const struct cv_cert *c, const void *key);
int cv_cert_set_memo(const struct cv_cert *c, const void *key, void *obj,
    void (*free_fn)(void *));

/* A list of byte strings (SAN values); text values are NUL-terminated
 * (the terminator is not counted in len). */
struct cv_blob {
	uint8_t *data;
	size_t len;
};

struct cv_blobs {
	size_t n;
	struct cv_blob *v;
};

void cv_blobs_free(struct cv_blobs *b);

enum cv_san_kind {
	CV_SAN_UPN,             /* otherName 1.3.6.1.4.1.311.20.2.3, UTF8String */
	CV_SAN_PKINIT,          /* otherName id-pkinit-san 1.3.6.1.5.2.2: raw
	                         * DER KRB5PrincipalName */
	CV_SAN_DNS,             /* dNSName */
	CV_SAN_EMAIL,           /* rfc822Name */
	CV_SAN_URI,             /* uniformResourceIdentifier */
};

/*
 * All SAN values of one kind, in certificate order; an empty list when
 * there are none.  Text values containing NUL bytes are refused
 * (KDC_ERR_INVALID_CERTIFICATE) so they cannot be truncated into another
 * name.
 */
kerr_t cv_cert_sans(const struct cv_cert *c, enum cv_san_kind kind,
    struct cv_blobs **out, struct kerr *e);

/*
 * The SID security extension of AD certificate authorities ([MS-WCCE]
 * 2.2.2.7.7.4, OID 1.3.6.1.4.1.311.25.2): GeneralNames holding exactly one
 * otherName 1.3.6.1.4.1.311.25.2.1 whose OCTET STRING is the SID in text
 * ("S-1-5-21-...").  On success *sid_out is a new string, or NULL when
 * the extension is absent; a malformed extension is
 * KDC_ERR_INVALID_CERTIFICATE (and *sid_out is left alone).
 */
kerr_t cv_cert_sid_ext(const struct cv_cert *c, char **sid_out,
    struct kerr *e);

/* A list of certificates (the intermediates a client sent, a chain). */
struct cv_certs;

struct cv_certs *cv_certs_new(void);
void cv_certs_free(struct cv_certs *l);
/* Appends a new reference to c; -1 on allocation failure or when full. */
int cv_certs_add(struct cv_certs *l, struct cv_cert *c);
size_t cv_certs_count(const struct cv_certs *l);
struct cv_cert *cv_certs_get(const struct cv_certs *l, size_t i);

/* Maximum certificates in a list: bounds what a client can make us hold. */
#define CV_CERTS_MAX 32

#endif
