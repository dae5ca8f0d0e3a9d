/*
 * replay.c - a shared-memory, set-associative replay cache.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kcrypto.h"
#include "replay.h"
#include "secmem.h"

#define WAYS 8
#define TAG_LEN 16

/* A private key usage (RFC 4120 section 7.5.1 leaves 1024-2047 to
 * applications) for the hash that names authenticators. */
#define KU_REPLAY_TAG 1201

struct rc_entry {
	uint8_t tag[TAG_LEN];
	int64_t expires;        /* 0: free */
};

struct rc_shared {
	pthread_mutex_t mu;
	uint64_t evictions;
	struct rc_entry e[];    /* n_buckets * WAYS */
};

struct replay_cache {
	struct rc_shared *sh;
	size_t map_len;
	size_t n_buckets;
	struct kc_key key;      /* inherited by forked workers */
};

kerr_t
replay_new(size_t n_entries, struct replay_cache **rc_out, struct kerr *e)
{
	struct replay_cache *rc = NULL;
	pthread_mutexattr_t ma;
	kerr_t ret;

	if (n_entries == 0 || n_entries > REPLAY_MAX_ENTRIES)
		return kerr_set(e, KRB_ERR_GENERIC,
		    "replay cache size %zu out of range", n_entries);
	rc = calloc(1, sizeof(*rc));
	if (rc == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	rc->n_buckets = (n_entries + WAYS - 1) / WAYS;
	rc->map_len = sizeof(struct rc_shared) +
	    rc->n_buckets * WAYS * sizeof(struct rc_entry);
	rc->sh = mmap(NULL, rc->map_len, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (rc->sh == MAP_FAILED) {
		rc->sh = NULL;
		ret = kerr_set(e, KRB_ERR_GENERIC,
		    "replay cache: mmap of %zu bytes: %s", rc->map_len,
		    strerror(errno));
		goto fail;
	}
	if (pthread_mutexattr_init(&ma) != 0) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "replay cache: mutex");
		goto fail;
	}
	if (pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED) != 0 ||
	    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST) != 0 ||
	    pthread_mutex_init(&rc->sh->mu, &ma) != 0) {
		pthread_mutexattr_destroy(&ma);
		ret = kerr_set(e, KRB_ERR_GENERIC,
		    "replay cache: process-shared mutex not available");
		goto fail;
	}
	pthread_mutexattr_destroy(&ma);
	ret = kc_key_random(KC_AES256_CTS_HMAC_SHA384_192, &rc->key, e);
	if (ret)
		goto fail;
	*rc_out = rc;
	return 0;
fail:
	replay_free(rc);
	return ret;
}

void
replay_free(struct replay_cache *rc)
{
	if (rc == NULL)
		return;
	/* The mapping is shared with forked workers: each unmaps its own
	 * view; the mutex is not destroyed while others may hold it. */
	if (rc->sh != NULL)
		munmap(rc->sh, rc->map_len);
	kc_key_clear(&rc->key);
	free(rc);
}

static int
lock(struct replay_cache *rc)
{
	int r = pthread_mutex_lock(&rc->sh->mu);

	/* Its holder died mid-update: at worst one entry is half written,
	 * which costs one missed or one spurious match; carry on. */
	if (r == EOWNERDEAD)
		r = pthread_mutex_consistent(&rc->sh->mu);
	return r;
}

kerr_t
replay_check(struct replay_cache *rc, const void *data, size_t len,
    int64_t expires, int64_t now, struct kerr *e)
{
	unsigned char h[KC_MAX_CKSUM_LEN];
	struct rc_entry *b, *victim = NULL;
	uint64_t idx = 0;
	size_t hlen = 0, i;
	kerr_t ret;

	ret = kc_checksum(&rc->key, KU_REPLAY_TAG, 0, data, len, h, &hlen, e);
	if (ret)
		return ret;
	if (hlen < TAG_LEN + sizeof(idx))
		return kerr_set(e, KRB_ERR_GENERIC, "replay tag too short");
	memcpy(&idx, h + TAG_LEN, sizeof(idx));
	b = &rc->sh->e[(idx % rc->n_buckets) * WAYS];
	if (lock(rc) != 0)
		return kerr_set(e, KRB_ERR_GENERIC, "replay cache lock failed");
	for (i = 0; i < WAYS; i++) {
		if (b[i].expires > now && memcmp(b[i].tag, h, TAG_LEN) == 0) {
			pthread_mutex_unlock(&rc->sh->mu);
			return kerr_set(e, KRB_AP_ERR_REPEAT,
			    "authenticator already used (replay)");
		}
	}
	for (i = 0; i < WAYS; i++) {
		if (b[i].expires <= now) {
			victim = &b[i];
			break;
		}
		if (victim == NULL || b[i].expires < victim->expires)
			victim = &b[i];
	}
	if (victim->expires > now)
		rc->sh->evictions++;
	memcpy(victim->tag, h, TAG_LEN);
	victim->expires = expires > now ? expires : now + 1;
	pthread_mutex_unlock(&rc->sh->mu);
	return 0;
}

uint64_t
replay_evictions(const struct replay_cache *rc)
{
	return rc->sh->evictions;
}
