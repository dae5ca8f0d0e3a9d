/*
 * tgs_keys.h - a realm's krbtgt keys, loaded once from an MIT keytab.
 *
 * Every kvno and enctype in the keytab is kept: the newest kvno issues
 * tickets, older ones still decrypt (armor tickets, TGS requests, freshness
 * tokens made before a key rollover).  For each key we also derive, at
 * load time, the key that protects RFC 8070 freshness tokens, so replicas
 * sharing the krbtgt key accept each other's tokens.
 */
#ifndef PKINIT_KDC_TGS_KEYS_H
#define PKINIT_KDC_TGS_KEYS_H

#include <stdint.h>

#include "kcrypto.h"
#include "kerror.h"

struct tgs_key {
	uint32_t kvno;
	struct kc_key key;
	struct kc_key fresh;    /* freshness-token key derived from key */
};

struct tgs_keys {
	char *realm;
	char *principal;        /* "krbtgt/REALM@REALM" */
	struct tgs_key *v;
	size_t n;
	uint32_t newest_kvno;
};

/*
 * Load krbtgt/REALM@REALM keys from spec ("FILE:/path" or "/path").
 * Fails if the keytab has no usable (AES) key for that principal.
 */
kerr_t tgs_keys_load(const char *realm, const char *spec,
    struct tgs_keys **keys_out, struct kerr *e);
void tgs_keys_free(struct tgs_keys *k);

/*
 * The key that encrypts new tickets: the first key of the newest kvno in
 * keytab order (the realm's own preference, as MIT's KDC uses it).
 */
const struct tgs_key *tgs_keys_for_issue(const struct tgs_keys *k);

/* A key by kvno and enctype (kvno 0 = newest); NULL if not held. */
const struct tgs_key *tgs_keys_find(const struct tgs_keys *k, uint32_t kvno,
    int32_t enctype);

#endif
