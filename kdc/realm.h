/*
 * realm.h - what each configured realm needs at request time, loaded once.
 *
 * A realm set holds, per realm, the krbtgt keys, the PKINIT trust store,
 * the KDC identity, the accepted DH groups and the directory connection,
 * plus copies of the options requests read.  It is built at start and on
 * SIGHUP (before anything is switched) and reference-counted: requests in
 * flight keep the set they started with until they finish.
 */
#ifndef PKINIT_KDC_REALM_H
#define PKINIT_KDC_REALM_H

#include <stddef.h>
#include <stdint.h>

#include "kerror.h"

struct kdc_config;
struct loop;
struct policy_cache;

struct realm_rt {
	char *name;
	int64_t max_life;
	int64_t max_renewable_life;
	int64_t clockskew;
	int require_freshness;
	int allow_rsa;
	int allow_sha1;
	struct tgs_keys *tgs;
	struct cv_store *store;
	struct pk_identity *id;
	struct pk_dh_groups *groups;
	struct dir *dir;
	struct policy_cache *policies;    /* AuthN policies and silos */
	struct svc_keys *svc;     /* service_keytab; NULL if not set */
	struct realm_ntauth *ntauth;      /* NULL: no NTAuth check */
	struct cv_revoke *revoke;         /* NULL: no revocation check */
	struct dir_account_cache *acache;  /* ldap_cache_ttl; NULL: none */
	/* Certificate-to-account mapping. */
	int map_mode;                    /* enum map_mode */
	int64_t backdating;              /* seconds */
	int search_by_cert;
	int allow_rfc822;
	char *netbios_name;              /* NULL: DOMAIN\\user not accepted */
	struct dir_groups_cache *groups_cache; /* bounded, with TTL */
};

struct realm_set {
	struct realm_rt *v;
	size_t n;
	unsigned int refs;
};

/*
 * Load every realm of cfg.  Errors name the realm and, where the problem
 * is a file an option points to, the option's "path:line".
 */
kerr_t realm_set_load(const struct kdc_config *cfg, struct loop *loop,
    struct realm_set **set_out, struct kerr *e);

struct realm_set *realm_set_ref(struct realm_set *s);
void realm_set_unref(struct realm_set *s);

/* The realm named name (case-sensitive), or NULL. */
const struct realm_rt *realm_set_find(const struct realm_set *s,
    const char *name);

#endif
