/*
 * replay.h - the TGS replay cache (RFC 4120 section 3.3.2: an
 * authenticator may be accepted only once within the clock skew).
 *
 * One fixed-size table in a MAP_SHARED anonymous mapping, created before
 * the daemon forks workers, so every worker process sees the others'
 * entries: with SO_REUSEPORT a client's retransmission (or an attacker's
 * copy of its request) can land in any worker, and a per-process cache
 * would let each worker accept the same authenticator once.  A
 * process-shared robust mutex guards the table; a worker that dies while
 * holding it does not wedge the others.
 *
 * Entries are keyed by a keyed hash (HMAC under a random key made at
 * creation) of the authenticator ciphertext, so clients cannot aim their
 * entries at one bucket, and live until the authenticator's time plus the
 * clock skew, after which the skew check alone refuses it.  The table is
 * set-associative (8 entries per bucket); when a bucket is full of live
 * entries the one expiring first is replaced and counted (replay_stats).
 * Nothing is written to disk: after a restart, replays within the skew
 * of the restart are not detected (as with any memory-only cache).
 */
#ifndef PKINIT_KDC_REPLAY_H
#define PKINIT_KDC_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "kerror.h"

#define REPLAY_DEFAULT_ENTRIES (1u << 18)
#define REPLAY_MAX_ENTRIES (1u << 24)

struct replay_cache;

/* A table of about n_entries (rounded up to a whole bucket). */
kerr_t replay_new(size_t n_entries, struct replay_cache **rc_out,
    struct kerr *e);
void replay_free(struct replay_cache *rc);

/*
 * Record the authenticator whose ciphertext is data, valid until expires.
 * 0 if it was not seen before (it is now), KRB_AP_ERR_REPEAT if a live
 * entry holds it, KRB_ERR_GENERIC if it cannot be hashed.
 */
kerr_t replay_check(struct replay_cache *rc, const void *data, size_t len,
    int64_t expires, int64_t now, struct kerr *e);

/* Live entries replaced because their bucket was full. */
uint64_t replay_evictions(const struct replay_cache *rc);

#endif
