/*
 * svc_keys.h - the long-term keys of a realm's services, loaded once from
 * the realm's service_keytab (an MIT keytab).
 *
 * Every entry with an enctype we support is kept, under its unparsed
 * principal name ("host/svc.example.test@REALM").  The newest kvno of a
 * principal encrypts new tickets, with the first key of that kvno in
 * keytab order (the same rule as for the krbtgt keys, see tgs_keys.h).
 * Loaded with the rest of the realm, so SIGHUP picks up a new keytab.
 */
#ifndef PKINIT_KDC_SVC_KEYS_H
#define PKINIT_KDC_SVC_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "kcrypto.h"
#include "kerror.h"

struct svc_key {
	char *principal;
	uint32_t kvno;
	struct kc_key key;
};

struct svc_keys {
	struct svc_key *v;
	size_t n;
};

/* Load every supported key from spec ("FILE:/path" or "/path"). */
kerr_t svc_keys_load(const char *spec, struct svc_keys **keys_out,
    struct kerr *e);
void svc_keys_free(struct svc_keys *k);

/*
 * The key that encrypts tickets for principal: the first key of its
 * newest kvno.  Names are compared exactly, then (as Active Directory
 * treats service principal names) without regard to ASCII case.  NULL if
 * the principal has no key; k may be NULL.
 */
const struct svc_key *svc_keys_for_issue(const struct svc_keys *k,
    const char *principal);

/* 1 if the newest kvno of the principal the key belongs to has a key of
 * enctype (the service can take tickets with that session key enctype). */
int svc_keys_has_enctype(const struct svc_keys *k, const struct svc_key *sk,
    int32_t enctype);

#endif
