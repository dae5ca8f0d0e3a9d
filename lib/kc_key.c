/*
 * kc_key.c - the enctype table, protocol keys (from bytes, random,
 * random-to-key), key-usage derivation dispatch with the per-key cache of
 * derived keys, and the RFC 3961 n-fold.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kc_int.h"
#include "secmem.h"

/* Strongest first, which is the order a KDC prefers them in. */
static const struct kc_profile *const profiles[] = {
	&kc_profile_aes256_sha384,
	&kc_profile_aes256_sha1,
	&kc_profile_aes128_sha256,
	&kc_profile_aes128_sha1,
};

#define N_PROFILES (sizeof(profiles) / sizeof(profiles[0]))

const struct kc_profile *
kc_profile_find(int32_t enctype)
{
	size_t i;

	for (i = 0; i < N_PROFILES; i++)
		if (profiles[i]->enctype == enctype)
			return profiles[i];
	return NULL;
}

const struct kc_profile *
kc_profile_for_cksum(int32_t cksumtype)
{
	size_t i;

	for (i = 0; i < N_PROFILES; i++)
		if (profiles[i]->cksumtype == cksumtype)
			return profiles[i];
	return NULL;
}

kerr_t
kc_profile_for_key(const struct kc_key *key, const struct kc_profile **p_out,
    struct kerr *e)
{
	const struct kc_profile *p = NULL;

	if (key == NULL)
		return kerr_set(e, KDC_ERR_NULL_KEY, "no key");
	p = kc_profile_find(key->enctype);
	if (p == NULL)
		return kerr_set(e, KDC_ERR_ETYPE_NOSUPP,
		    "enctype %d not supported", (int)key->enctype);
	if (key->length != p->key_len)
		return kerr_set(e, KRB_ERR_GENERIC,
		    "%s key has %zu bytes, expected %zu", p->name,
		    key->length, p->key_len);
	*p_out = p;
	return 0;
}

int
kc_enctype_supported(int32_t enctype)
{
	return kc_profile_find(enctype) != NULL;
}

const char *
kc_enctype_name(int32_t enctype)
{
	const struct kc_profile *p = kc_profile_find(enctype);

	return p != NULL ? p->name : NULL;
}

int32_t
kc_enctype_from_name(const char *name)
{
	size_t i, j;

	if (name == NULL)
		return 0;
	for (i = 0; i < N_PROFILES; i++) {
		if (strcasecmp(name, profiles[i]->name) == 0)
			return profiles[i]->enctype;
		for (j = 0; j < 3 && profiles[i]->alias[j] != NULL; j++)
			if (strcasecmp(name, profiles[i]->alias[j]) == 0)
				return profiles[i]->enctype;
	}
	return 0;
}

size_t
kc_enctype_key_length(int32_t enctype)
{
	const struct kc_profile *p = kc_profile_find(enctype);

	return p != NULL ? p->key_len : 0;
}

size_t
kc_enctype_overhead(int32_t enctype)
{
	const struct kc_profile *p = kc_profile_find(enctype);

	return p != NULL ? KC_BLOCK_LEN + p->mac_len : 0;
}

kerr_t
kc_key_from_bytes(int32_t enctype, const void *bytes, size_t len,
    struct kc_key *key_out, struct kerr *e)
{
	const struct kc_profile *p = kc_profile_find(enctype);

	if (p == NULL)
		return kerr_set(e, KDC_ERR_ETYPE_NOSUPP,
		    "enctype %d not supported", (int)enctype);
	if (len != p->key_len || bytes == NULL)
		return kerr_set(e, KRB_ERR_GENERIC,
		    "%s key must have %zu bytes, not %zu", p->name,
		    p->key_len, len);
	memset(key_out, 0, sizeof(*key_out));
	key_out->enctype = enctype;
	key_out->length = len;
	memcpy(key_out->bytes, bytes, len);
	return 0;
}

/* RFC 3962 section 6 and RFC 8009 section 5: random-to-key is identity. */
kerr_t
kc_random_to_key(int32_t enctype, const void *rnd, size_t len,
    struct kc_key *key_out, struct kerr *e)
{
	return kc_key_from_bytes(enctype, rnd, len, key_out, e);
}

kerr_t
kc_key_random(int32_t enctype, struct kc_key *key_out, struct kerr *e)
{
	unsigned char buf[KC_MAX_KEY_LEN];
	const struct kc_profile *p = kc_profile_find(enctype);
	kerr_t ret;

	if (p == NULL)
		return kerr_set(e, KDC_ERR_ETYPE_NOSUPP,
		    "enctype %d not supported", (int)enctype);
	ret = kc_random_bytes(buf, p->key_len, e);
	if (ret == 0)
		ret = kc_random_to_key(enctype, buf, p->key_len, key_out, e);
	sec_wipe(buf, sizeof(buf));
	return ret;
}

void
kc_key_copy(struct kc_key *dst, const struct kc_key *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->enctype = src->enctype;
	dst->length = src->length <= KC_MAX_KEY_LEN ? src->length : 0;
	memcpy(dst->bytes, src->bytes, dst->length);
	dst->derived = NULL;
}

/*
 * Derived keys of one long-lived key.  The slots are keyed by the public
 * derivation constant (usage, kind), so lookups need no constant-time
 * care; the derived bytes are secrets and wiped with the cache.
 */
struct kc_dcache {
	unsigned int next;              /* slot to replace when all are used */
	struct {
		uint32_t usage;
		unsigned char kind;
		unsigned char used;
		unsigned char len;
		unsigned char bytes[KC_MAX_KEY_LEN];
	} s[KC_DCACHE_SLOTS];
};

void
kc_key_clear(struct kc_key *key)
{
	if (key == NULL)
		return;
	sec_wipe(key->bytes, sizeof(key->bytes));
	sec_free(key->derived, sizeof(struct kc_dcache));
	key->enctype = 0;
	key->length = 0;
	key->derived = NULL;
}

kerr_t
kc_key_keep_derived(struct kc_key *key, struct kerr *e)
{
	const struct kc_profile *p = NULL;
	kerr_t ret;

	ret = kc_profile_for_key(key, &p, e);
	if (ret != 0)
		return ret;
	if (key->derived != NULL)
		return 0;
	key->derived = calloc(1, sizeof(struct kc_dcache));
	if (key->derived == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	return 0;
}

int
kc_key_equal(const struct kc_key *a, const struct kc_key *b)
{
	if (a == NULL || b == NULL || a->enctype != b->enctype ||
	    a->length != b->length || a->length > KC_MAX_KEY_LEN)
		return 0;
	return sec_memeq(a->bytes, b->bytes, a->length);
}

/*
 * The derivation constant is the 32-bit big-endian usage number followed
 * by one byte saying which key: 0x99 checksum, 0xAA encryption, 0x55
 * integrity (RFC 3961 section 5.3, RFC 8009 section 5).
 */
kerr_t
kc_derive_usage(const struct kc_profile *p, const unsigned char *key,
    int32_t usage, unsigned char kind, unsigned char *out, size_t outlen,
    struct kerr *e)
{
	unsigned char constant[5];
	uint32_t u = (uint32_t)usage;

	constant[0] = (unsigned char)(u >> 24);
	constant[1] = (unsigned char)(u >> 16);
	constant[2] = (unsigned char)(u >> 8);
	constant[3] = (unsigned char)u;
	constant[4] = kind;
	return p->derive(p, key, constant, sizeof(constant), out, outlen, e);
}

kerr_t
kc_key_usage(const struct kc_profile *p, const struct kc_key *key,
    int32_t usage, unsigned char kind, unsigned char *out, size_t outlen,
    struct kerr *e)
{
	struct kc_dcache *c = key->derived;
	unsigned int i;
	kerr_t ret;

	if (c == NULL || outlen > KC_MAX_KEY_LEN)
		return kc_derive_usage(p, key->bytes, usage, kind, out, outlen,
		    e);
	for (i = 0; i < KC_DCACHE_SLOTS; i++) {
		if (c->s[i].used && c->s[i].usage == (uint32_t)usage &&
		    c->s[i].kind == kind && c->s[i].len == outlen) {
			memcpy(out, c->s[i].bytes, outlen);
			return 0;
		}
	}
	ret = kc_derive_usage(p, key->bytes, usage, kind, out, outlen, e);
	if (ret != 0)
		return ret;
	i = c->next;
	c->next = (c->next + 1) % KC_DCACHE_SLOTS;
	sec_wipe(c->s[i].bytes, sizeof(c->s[i].bytes));
	c->s[i].usage = (uint32_t)usage;
	c->s[i].kind = kind;
	c->s[i].len = (unsigned char)outlen;
	memcpy(c->s[i].bytes, out, outlen);
	c->s[i].used = 1;
	return 0;
}

static size_t
gcd(size_t a, size_t b)
{
	while (b != 0) {
		size_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/*
 * n-fold (RFC 3961 section 5.1): repeat the input, each copy rotated 13
 * bits further right, to the least common multiple of the two lengths,
 * and add the outlen-byte chunks with one's-complement addition.  Walking
 * the whole sequence from its last byte lets the carry out of one chunk
 * flow into the low byte of the next, which is the end-around carry.
 */
void
kc_nfold(const unsigned char *in, size_t inlen, unsigned char *out,
    size_t outlen)
{
	size_t nbits = inlen * 8, lcm, i;
	unsigned int carry = 0;

	memset(out, 0, outlen);
	if (inlen == 0 || outlen == 0)
		return;
	lcm = inlen / gcd(inlen, outlen) * outlen;
	for (i = lcm; i-- > 0;) {
		size_t copy = i / inlen, j = i % inlen;
		size_t rot = (13 * copy) % nbits;
		size_t bit = (j * 8 + nbits - rot) % nbits;
		size_t b0 = bit / 8, sh = bit % 8;
		unsigned int v, sum;

		v = ((unsigned int)in[b0] << 8) | in[(b0 + 1) % inlen];
		v = (v >> (8 - sh)) & 0xff;
		sum = out[i % outlen] + v + carry;
		out[i % outlen] = (unsigned char)sum;
		carry = sum >> 8;
	}
	for (i = outlen; carry != 0 && i-- > 0;) {
		unsigned int sum = out[i] + carry;

		out[i] = (unsigned char)sum;
		carry = sum >> 8;
		if (i == 0 && carry != 0)
			i = outlen;
	}
}
