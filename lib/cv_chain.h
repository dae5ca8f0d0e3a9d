/*
 * cv_chain.h - client certificate validation (RFC 4556 section 3.2.2):
 * path building to the configured trust anchors and the key-purpose
 * checks a certificate must pass before it can log anyone on.
 *
 * A struct cv_store is built once at start (and again on reload) from
 * pkinit_anchors and pkinit_pool; verification then only reads it, apart
 * from the store's optional cache of verified paths (cv_vcache.h).
 */
#ifndef PKINIT_KDC_CV_CHAIN_H
#define PKINIT_KDC_CV_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "cv_cert.h"
#include "kerror.h"

struct cv_store;
struct cv_vcache_stats;

/*
 * Each location is "FILE:path" (a PEM bundle, or one DER certificate),
 * "DIR:path" (every *.pem, *.crt and *.cer file in it, PEM or DER, no
 * hashed names needed) or a bare path meaning FILE:.  anchors are trusted;
 * pool holds intermediates that may complete a client's chain.  At least
 * one anchor certificate is required.  Every anchor is trusted as such,
 * self-signed or not: listing only an issuing CA trusts exactly what it
 * issued.
 */
kerr_t cv_store_load(const char *const *anchors, size_t n_anchors,
    const char *const *pool, size_t n_pool, struct cv_store **out,
    struct kerr *e);
void cv_store_free(struct cv_store *s);
size_t cv_store_anchor_count(const struct cv_store *s);
size_t cv_store_pool_count(const struct cv_store *s);

/* Longest chain accepted, leaf and anchor included. */
#define CV_MAX_CHAIN_DEPTH 8

/*
 * Build and verify a path from leaf to an anchor at time `at` (seconds
 * since the epoch), using untrusted (may be NULL; the certificates the
 * client sent) and the pool as intermediates.  On success *chain_out (if
 * chain_out is not NULL) receives the path, leaf first, anchor last.
 *
 * Errors: KDC_ERR_CANT_VERIFY_CERTIFICATE (no path to an anchor),
 * KDC_ERR_REVOKED_CERTIFICATE, KDC_ERR_INVALID_CERTIFICATE (expired, not
 * yet valid, bad signature, bad CA constraints, anything else).  The
 * message names the failing certificate's subject.
 *
 * With a chain cache (cv_store_chain_cache) a path verified before for
 * the same leaf and the same certificates sent is answered from it while
 * every certificate of the path is valid at `at`; failures always come
 * from the full check.  *chain_out is the caller's either way; it may
 * share certificate objects with leaf, untrusted and the store.
 */
kerr_t cv_verify(const struct cv_store *s, const struct cv_cert *leaf,
    const struct cv_certs *untrusted, int64_t at, struct cv_certs **chain_out,
    struct kerr *e);

/*
 * Give s a cache of at most max_entries verified paths, each reused for
 * ttl seconds at most (pkinit_chain_cache_ttl); ttl 0 removes the cache.
 * Any previous cache is dropped.  Counted in the metrics
 * cert_chain_cache_hits_total and cert_chain_cache_misses_total.
 */
#define CV_CHAIN_CACHE_ENTRIES 1024
kerr_t cv_store_chain_cache(struct cv_store *s, int64_t ttl,
    size_t max_entries, struct kerr *e);
/* All zero when s has no cache. */
void cv_store_chain_cache_stats(const struct cv_store *s,
    struct cv_vcache_stats *out);

/*
 * Key purposes of a client certificate (RFC 4556 section 3.2.2):
 * extendedKeyUsage must contain id-pkinit-KPClientAuth (1.3.6.1.5.2.3.4)
 * or Microsoft Smart Card Logon (1.3.6.1.4.1.311.20.2.2); keyUsage, when
 * present, must include digitalSignature since the client signs its
 * AuthPack.  A certificate without keyUsage is accepted: RFC 5280 section
 * 4.2.1.3 leaves its key unrestricted.  Failures give
 * KDC_ERR_INCONSISTENT_KEY_PURPOSE.
 */
kerr_t cv_check_client_usage(const struct cv_cert *leaf, struct kerr *e);

#endif
