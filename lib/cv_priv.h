/*
 * cv_priv.h - OpenSSL view of cv_cert / cv_certs, for the crypto layer
 * (cv_*.c and pk_*.c) only.
 */
#ifndef PKINIT_KDC_CV_PRIV_H
#define PKINIT_KDC_CV_PRIV_H

#include <openssl/x509.h>

#include "cv_cert.h"

/* Wrap x, taking one new reference to it (X509_up_ref). */
struct cv_cert *cv_cert_wrap(X509 *x);
X509 *cv_cert_x509(const struct cv_cert *c);

/* New STACK_OF(X509) holding references to l's certificates (l may be
 * NULL: empty stack).  Free with OSSL_STACK_OF_X509_free semantics. */
STACK_OF(X509) *cv_certs_stack(const struct cv_certs *l);

/* ASN1_TIME to seconds since the epoch (0 when absent or unreadable). */
int64_t cv_time_epoch(const ASN1_TIME *t);
/* Append a copy of p[n] (NUL-terminated) to b; -1 on allocation failure. */
int cv_blobs_append(struct cv_blobs *b, const uint8_t *p, size_t n);

/* Every certificate of a location ("FILE:path", "DIR:path" or a bare
 * path) handed to sink; the count, or -1 with e set (cv_chain.c). */
typedef int (*cv_cert_sink)(void *arg, X509 *x);
int cv_load_location(const char *loc, cv_cert_sink sink, void *arg,
    struct kerr *e);

/*
 * A certificate from its DER, parsed at most once per process while it
 * stays in a bounded cache (cv_cache.c).  Returns a new reference (free
 * with X509_free) or NULL if der is not exactly one certificate.
 */
X509 *cv_x509_from_der(const uint8_t *der, size_t len);

struct cv_cache_stats {
	unsigned long long hits;
	unsigned long long misses;
};
void cv_cache_stats(struct cv_cache_stats *out);
/* Drop every cached certificate (tests, leak checkers). */
void cv_cache_flush(void);

#endif
