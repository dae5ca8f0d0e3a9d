/*
 * ratelog.c - per-source rate limiting of log lines (see ratelog.h).
 *
 * A small open table: a hash of (address, kind) picks a bucket of
 * RATELOG_WAYS slots; a miss takes the least recently used slot of the
 * bucket.  Lookups cost a handful of comparisons, so a flood of packets
 * costs the KDC almost nothing beyond reading them.
 */
#include "config.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ratelog.h"

#define RATELOG_WAYS 4
#define RATELOG_ADDR_MAX 16

struct ratelog_slot {
	uint8_t addr[RATELOG_ADDR_MAX];
	uint8_t addr_len;             /* 0: slot unused */
	uint8_t kind;
	int64_t window_start;         /* when the last line was written */
	int64_t last_seen;
	unsigned long suppressed;
};

struct ratelog {
	struct ratelog_slot slots[RATELOG_SLOTS];
};

struct ratelog *
ratelog_new(void)
{
	return calloc(1, sizeof(struct ratelog));
}

void
ratelog_free(struct ratelog *rl)
{
	free(rl);
}

int64_t
ratelog_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

/* The address part of sa (no port): 4 or 16 octets, 0 if unknown. */
static size_t
key_addr(const struct sockaddr *sa, socklen_t len, uint8_t *out)
{
	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		memcpy(out, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 4;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		memcpy(out, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		return 16;
	}
	return 0;
}

/* FNV-1a: the table is small and the key is not secret; an attacker who
 * makes sources collide only gets more of its own lines logged. */
static uint32_t
key_hash(const uint8_t *addr, size_t len, unsigned int kind)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ addr[i]) * 16777619u;
	h = (h ^ kind) * 16777619u;
	return h;
}

int
ratelog_check(struct ratelog *rl, const struct sockaddr *sa,
    socklen_t sa_len, enum ratelog_kind kind, int64_t now,
    unsigned long *suppressed_out)
{
	uint8_t addr[RATELOG_ADDR_MAX];
	struct ratelog_slot *bucket, *s, *victim;
	size_t alen, i;

	*suppressed_out = 0;
	if (rl == NULL)
		return 1;
	memset(addr, 0, sizeof(addr));
	alen = key_addr(sa, sa_len, addr);
	bucket = &rl->slots[(key_hash(addr, alen, (unsigned int)kind) %
	    (RATELOG_SLOTS / RATELOG_WAYS)) * RATELOG_WAYS];
	victim = &bucket[0];
	for (i = 0; i < RATELOG_WAYS; i++) {
		s = &bucket[i];
		if (s->addr_len == alen + 1 && s->kind == (uint8_t)kind &&
		    memcmp(s->addr, addr, sizeof(addr)) == 0)
			break;
		if (s->addr_len == 0 ||
		    (victim->addr_len != 0 && s->last_seen < victim->last_seen))
			victim = s;
		s = NULL;
	}
	if (s == NULL) {
		/* New source: log it.  What the evicted one had suppressed
		 * is lost; it gets a fresh first line if it comes back. */
		s = victim;
		memcpy(s->addr, addr, sizeof(addr));
		s->addr_len = (uint8_t)(alen + 1);
		s->kind = (uint8_t)kind;
		s->window_start = now;
		s->last_seen = now;
		s->suppressed = 0;
		return 1;
	}
	s->last_seen = now;
	if (now - s->window_start < RATELOG_INTERVAL) {
		s->suppressed++;
		return 0;
	}
	*suppressed_out = s->suppressed;
	s->suppressed = 0;
	s->window_start = now;
	return 1;
}
