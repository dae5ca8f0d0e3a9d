/*
 * cv_vcache.c - the verified-path cache of a trust store (cv_vcache.h).
 *
 * With ECDSA certificates each signature check of a path costs about as
 * much as the rest of a logon's KDC work, and path building re-runs the
 * issuer search for certificates seen a moment ago.  What a hit still
 * costs: one SHA-256 over 32 bytes per certificate sent, a set lookup and
 * a list of references.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cv_vcache.h"

#define WAYS 4

struct slot {
	uint8_t key[CV_VCACHE_KEY_LEN];
	struct cv_certs *chain;     /* NULL: free slot */
	int64_t not_before;         /* latest notBefore of the path */
	int64_t not_after;          /* earliest notAfter of the path */
	int64_t stored;             /* `at` of the verification */
	uint64_t used;              /* LRU clock */
};

struct cv_vcache {
	struct slot *slots;         /* n_sets * WAYS */
	size_t n_sets;
	int64_t ttl;
	uint64_t tick;
	/* Fetched once: an implicit fetch per digest costs a lock and a
	 * lookup in the provider store. */
	EVP_MD *sha256;
	struct cv_vcache_stats stats;
};

struct cv_vcache *
cv_vcache_new(size_t max_entries, int64_t ttl)
{
	struct cv_vcache *vc;

	if (ttl <= 0)
		return NULL;
	vc = calloc(1, sizeof(*vc));
	if (vc == NULL)
		return NULL;
	vc->n_sets = max_entries / WAYS;
	if (vc->n_sets == 0)
		vc->n_sets = 1;
	vc->slots = calloc(vc->n_sets * WAYS, sizeof(*vc->slots));
	vc->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (vc->slots == NULL || vc->sha256 == NULL) {
		cv_vcache_free(vc);
		return NULL;
	}
	vc->ttl = ttl;
	vc->stats.capacity = vc->n_sets * WAYS;
	return vc;
}

static void
slot_clear(struct cv_vcache *vc, struct slot *sl)
{
	if (sl->chain == NULL)
		return;
	cv_certs_free(sl->chain);
	memset(sl, 0, sizeof(*sl));
	vc->stats.entries--;
}

void
cv_vcache_free(struct cv_vcache *vc)
{
	size_t i;

	if (vc == NULL)
		return;
	for (i = 0; vc->slots != NULL && i < vc->n_sets * WAYS; i++)
		slot_clear(vc, &vc->slots[i]);
	free(vc->slots);
	EVP_MD_free(vc->sha256);
	free(vc);
}

int
cv_vcache_key(struct cv_vcache *vc, const struct cv_cert *leaf,
    const struct cv_certs *untrusted, uint8_t key_out[CV_VCACHE_KEY_LEN])
{
	uint8_t buf[(1 + CV_CERTS_MAX) * CV_CERT_SHA256_LEN];
	unsigned int n = 0;
	size_t i, len;

	/* Fixed-size items: the concatenation cannot be read two ways. */
	memcpy(buf, cv_cert_sha256(leaf), CV_CERT_SHA256_LEN);
	len = CV_CERT_SHA256_LEN;
	for (i = 0; i < cv_certs_count(untrusted) && i < CV_CERTS_MAX; i++) {
		memcpy(buf + len, cv_cert_sha256(cv_certs_get(untrusted, i)),
		    CV_CERT_SHA256_LEN);
		len += CV_CERT_SHA256_LEN;
	}
	if (EVP_Digest(buf, len, key_out, &n, vc->sha256, NULL) != 1 ||
	    n != CV_VCACHE_KEY_LEN)
		return -1;
	return 0;
}

static struct slot *
set_of(const struct cv_vcache *vc, const uint8_t key[CV_VCACHE_KEY_LEN])
{
	uint64_t h = 0;
	size_t i;

	/* The key is a SHA-256 output: any 8 bytes are uniform. */
	for (i = 0; i < 8; i++)
		h = h << 8 | key[i];
	return &vc->slots[(size_t)(h % vc->n_sets) * WAYS];
}

/* A new list holding new references to l's certificates. */
static struct cv_certs *
certs_copy(const struct cv_certs *l)
{
	struct cv_certs *c;
	size_t i;

	c = cv_certs_new();
	if (c == NULL)
		return NULL;
	for (i = 0; i < cv_certs_count(l); i++) {
		if (cv_certs_add(c, cv_certs_get(l, i)) != 0) {
			cv_certs_free(c);
			return NULL;
		}
	}
	return c;
}

int
cv_vcache_get(struct cv_vcache *vc, const uint8_t key[CV_VCACHE_KEY_LEN],
    int64_t at, struct cv_certs **chain_out)
{
	struct slot *set = set_of(vc, key), *sl = NULL;
	struct cv_certs *c;
	size_t i;

	for (i = 0; i < WAYS; i++) {
		if (set[i].chain != NULL &&
		    memcmp(set[i].key, key, CV_VCACHE_KEY_LEN) == 0) {
			sl = &set[i];
			break;
		}
	}
	if (sl == NULL) {
		vc->stats.misses++;
		return 0;
	}
	/* A request that started before the entry was made (a datagram
	 * queued behind it) just takes the long way. */
	if (at < sl->stored) {
		vc->stats.misses++;
		return 0;
	}
	if (at - sl->stored >= vc->ttl || at < sl->not_before ||
	    at > sl->not_after) {
		slot_clear(vc, sl);
		vc->stats.misses++;
		return 0;
	}
	c = certs_copy(sl->chain);
	if (c == NULL) {
		vc->stats.misses++;
		return 0;
	}
	sl->used = ++vc->tick;
	vc->stats.hits++;
	*chain_out = c;
	return 1;
}

void
cv_vcache_put(struct cv_vcache *vc, const uint8_t key[CV_VCACHE_KEY_LEN],
    const struct cv_certs *chain, int64_t at)
{
	struct slot *set = set_of(vc, key), *sl = NULL;
	const struct cv_cert *c;
	struct cv_certs *copy;
	int64_t nb = INT64_MIN, na = INT64_MAX;
	size_t i;

	if (cv_certs_count(chain) == 0)
		return;
	for (i = 0; i < cv_certs_count(chain); i++) {
		c = cv_certs_get(chain, i);
		if (cv_cert_not_before(c) > nb)
			nb = cv_cert_not_before(c);
		if (cv_cert_not_after(c) < na)
			na = cv_cert_not_after(c);
	}
	if (at < nb || at > na)
		return;
	/* The same key again: a request older than the entry (which did
	 * not answer it) leaves the newer entry alone. */
	for (i = 0; i < WAYS && sl == NULL; i++) {
		if (set[i].chain != NULL &&
		    memcmp(set[i].key, key, CV_VCACHE_KEY_LEN) == 0)
			sl = &set[i];
	}
	if (sl != NULL && sl->stored > at)
		return;
	copy = certs_copy(chain);
	if (copy == NULL)
		return;
	for (i = 0; i < WAYS && sl == NULL; i++) {
		if (set[i].chain == NULL)
			sl = &set[i];
	}
	if (sl == NULL) {
		sl = &set[0];
		for (i = 1; i < WAYS; i++) {
			if (set[i].used < sl->used)
				sl = &set[i];
		}
		vc->stats.evictions++;
	}
	slot_clear(vc, sl);
	memcpy(sl->key, key, CV_VCACHE_KEY_LEN);
	sl->chain = copy;
	sl->not_before = nb;
	sl->not_after = na;
	sl->stored = at;
	sl->used = ++vc->tick;
	vc->stats.entries++;
	vc->stats.stores++;
}

void
cv_vcache_get_stats(const struct cv_vcache *vc, struct cv_vcache_stats *out)
{
	if (vc == NULL) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = vc->stats;
}
