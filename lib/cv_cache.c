/*
 * cv_cache.c - certificates parsed once per process.
 *
 * Every PKINIT request carries the client's certificate and usually its
 * issuing CA.  With OpenSSL 3.0, parsing a certificate runs a provider
 * decoder search for its public key, a cost comparable to the DH
 * arithmetic of the exchange, for certificates the KDC saw a moment ago.
 * This cache maps the SHA-256 of a certificate's DER to the parsed X509;
 * being content-addressed it needs no expiry, and a hash collision would
 * need a SHA-256 collision.  Entries only save parsing: every check
 * (signature, chain, validity, revocation) still runs per request.
 *
 * Each entry also keeps the certificate's cv_cert wrapper, so the log
 * and mapping strings are not rebuilt per request either.
 *
 * The table is 4-way set associative with least-recently-used
 * replacement inside a set, so its size is fixed (CV_CACHE_SETS * 4).
 * The daemon is single-threaded per process; each worker has its own.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cv_priv.h"

#define CV_CACHE_SETS 256
#define CV_CACHE_WAYS 4
/* Certificates larger than this are parsed every time. */
#define CV_CACHE_MAX_DER (32 * 1024)

struct slot {
	uint8_t hash[32];
	X509 *x;
	/* Its wrapper, made once: cv_cert_wrap(x) then returns it (NULL
	 * when making it failed; it is then made per request). */
	struct cv_cert *c;
	uint64_t used;
};

static struct slot table[CV_CACHE_SETS][CV_CACHE_WAYS];
static uint64_t tick;
static EVP_MD *sha256;
static struct cv_cache_stats stats;

static int
digest(const uint8_t *der, size_t len, uint8_t out[32])
{
	unsigned int n = 0;

	/* Fetched once: an implicit fetch per call costs a lock and a
	 * lookup in the provider store. */
	if (sha256 == NULL && (sha256 = EVP_MD_fetch(NULL, "SHA256",
	    NULL)) == NULL)
		return -1;
	if (EVP_Digest(der, len, out, &n, sha256, NULL) != 1 || n != 32)
		return -1;
	return 0;
}

X509 *
cv_x509_from_der(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	struct slot *set, *victim;
	uint8_t h[32];
	X509 *x;
	size_t i;

	if (len == 0 || len > CV_CACHE_MAX_DER || digest(der, len, h) != 0) {
		x = d2i_X509(NULL, &p, (long)len);
		if (x != NULL && p != der + len) {
			X509_free(x);
			x = NULL;
		}
		return x;
	}
	set = table[(h[0] | (unsigned int)h[1] << 8) % CV_CACHE_SETS];
	victim = &set[0];
	for (i = 0; i < CV_CACHE_WAYS; i++) {
		if (set[i].x != NULL && memcmp(set[i].hash, h, 32) == 0) {
			set[i].used = ++tick;
			stats.hits++;
			if (!X509_up_ref(set[i].x))
				return NULL;
			return set[i].x;
		}
		if (set[i].x == NULL || set[i].used < victim->used)
			victim = &set[i];
	}
	stats.misses++;
	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL || p != der + len) {
		X509_free(x);
		return NULL;
	}
	if (X509_up_ref(x)) {
		cv_cert_free(victim->c);
		X509_free(victim->x);
		memcpy(victim->hash, h, 32);
		victim->x = x;
		victim->c = cv_cert_wrap(x);
		victim->used = ++tick;
	}
	return x;
}

void
cv_cache_stats(struct cv_cache_stats *out)
{
	*out = stats;
}

void
cv_cache_flush(void)
{
	size_t s, w;

	for (s = 0; s < CV_CACHE_SETS; s++)
		for (w = 0; w < CV_CACHE_WAYS; w++) {
			cv_cert_free(table[s][w].c);
			table[s][w].c = NULL;
			X509_free(table[s][w].x);
			table[s][w].x = NULL;
		}
	EVP_MD_free(sha256);
	sha256 = NULL;
	memset(&stats, 0, sizeof(stats));
}
