/*
 * cv_vcache.h - certificate paths already verified against one trust store
 * (cv_chain.h), so that a client logging on again does not pay for path
 * building and a signature check per certificate each time.
 *
 * The key is SHA-256 over the SHA-256 of the leaf certificate followed by
 * those of the certificates the client sent, in the order sent: the same
 * leaf with other intermediates is another question and another entry.
 * The anchors and the pool are fixed for the store's life, so they need
 * not be in the key; a reload builds a new store with an empty cache.
 *
 * Only successful verifications are kept.  An entry answers only while the
 * time asked about lies within every certificate's validity (the latest
 * notBefore to the earliest notAfter of the path, both inclusive as in
 * RFC 5280 section 4.1.2.5) and while it is younger than the TTL; outside
 * that the full check runs again and gives its precise error.  Revocation
 * and NTAuth are not answered here: they stay per request.
 *
 * A hit hands out a new list holding new references to the cached
 * certificates (they are immutable), so the caller owns its chain exactly
 * as with a full verification: a request parked on a revocation fetch
 * keeps its chain valid although the entry may be evicted meanwhile.
 *
 * The table is set associative (4 ways, least recently used replaced),
 * fixed in size at creation.  Not thread-safe: each worker process has
 * its own, like everything reached from the event loop.
 */
#ifndef PKINIT_KDC_CV_VCACHE_H
#define PKINIT_KDC_CV_VCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "cv_cert.h"

#define CV_VCACHE_KEY_LEN 32

struct cv_vcache;

struct cv_vcache_stats {
	unsigned long long hits;
	unsigned long long misses;    /* absent, expired or out of window */
	unsigned long long stores;
	unsigned long long evictions; /* live entries pushed out by others */
	size_t entries;               /* now */
	size_t capacity;
};

/* A cache of at most max_entries (rounded down to a multiple of the
 * associativity, at least 4) entries living ttl seconds (> 0).  NULL on
 * allocation failure. */
struct cv_vcache *cv_vcache_new(size_t max_entries, int64_t ttl);
void cv_vcache_free(struct cv_vcache *vc);

/* The key for leaf and the certificates the client sent (NULL: none).
 * -1 if hashing fails. */
int cv_vcache_key(struct cv_vcache *vc, const struct cv_cert *leaf,
    const struct cv_certs *untrusted, uint8_t key_out[CV_VCACHE_KEY_LEN]);

/*
 * 1 and *chain_out (a new list, leaf first, anchor last) when key holds a
 * path usable at time at; 0 otherwise (an entry that can no longer answer
 * is dropped).
 */
int cv_vcache_get(struct cv_vcache *vc, const uint8_t key[CV_VCACHE_KEY_LEN],
    int64_t at, struct cv_certs **chain_out);

/* Remember chain (verified at time at) under key; the cache takes its own
 * references.  Nothing is stored when chain is empty or not valid at at. */
void cv_vcache_put(struct cv_vcache *vc, const uint8_t key[CV_VCACHE_KEY_LEN],
    const struct cv_certs *chain, int64_t at);

void cv_vcache_get_stats(const struct cv_vcache *vc,
    struct cv_vcache_stats *out);

#endif
