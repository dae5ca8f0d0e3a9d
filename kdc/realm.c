/*
 * realm.c - loading per-realm state: keys, trust store, KDC identity, DH
 * groups, directory.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cv_chain.h"
#include "cv_revoke.h"
#include "dir_account.h"
#include "dir_groups.h"
#include "dir_ldap.h"
#include "kdc_config.h"
#include "log.h"
#include "map_bind.h"
#include "pk_dh.h"
#include "pk_identity.h"
#include "policy_dir.h"
#include "realm.h"
#include "realm_trust.h"
#include "svc_keys.h"
#include "tgs_keys.h"

static void
realm_rt_clear(struct realm_rt *r)
{
	free(r->name);
	tgs_keys_free(r->tgs);
	cv_store_free(r->store);
	pk_identity_free(r->id);
	pk_dh_groups_free(r->groups);
	/* Both may use the directory and the loop: gone before them. */
	realm_ntauth_free(r->ntauth);
	cv_revoke_free(r->revoke);
	dir_account_cache_free(r->acache);
	dir_free(r->dir);
	policy_cache_free(r->policies);
	svc_keys_free(r->svc);
	free(r->netbios_name);
	dir_groups_cache_free(r->groups_cache);
	memset(r, 0, sizeof(*r));
}

/* Prefix e's message with the realm and the option's location. */
static kerr_t
blame(const struct kdc_config *cfg, const char *realm, const char *option,
    kerr_t ret, struct kerr *e)
{
	const char *where = config_option_where(cfg, realm, option);

	kerr_prefix(e, "%s%srealm %s: %s: ", where ? where : "",
	    where ? ": " : "", realm, option);
	return ret;
}

static kerr_t
load_directory(const struct kdc_config *cfg, const struct realm_config *rc,
    struct loop *loop, struct realm_rt *r, struct kerr *e)
{
	struct dir_settings ds;
	size_t i;

	memset(&ds, 0, sizeof(ds));
	for (i = 0; i < rc->ldap_uri.n && i < DIR_MAX_URIS; i++)
		ds.uris[ds.n_uris++] = rc->ldap_uri.v[i];
	ds.base_dn = rc->ldap_base_dn;
	ds.bind_dn = rc->ldap_bind_dn;
	ds.bind_password_file = rc->ldap_bind_password_file;
	ds.sasl_external = rc->ldap_sasl_mech != NULL &&
	    strcasecmp(rc->ldap_sasl_mech, "EXTERNAL") == 0;
	ds.timeout_s = rc->ldap_timeout > 0 ? (unsigned int)rc->ldap_timeout : 5;
	r->dir = dir_new(loop, &ds, e);
	if (r->dir == NULL)
		return blame(cfg, rc->name, "ldap_uri", e ? e->code : KRB_ERR_GENERIC, e);
	/* A new realm set (start, SIGHUP) starts with an empty cache. */
	r->policies = policy_cache_new(POLICY_CACHE_TTL);
	if (r->policies == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	if (rc->ldap_cache_ttl > 0) {
		r->acache = dir_account_cache_new(loop,
		    (unsigned int)rc->ldap_cache_ttl);
		if (r->acache == NULL)
			return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	}
	return 0;
}

static kerr_t
load_realm(const struct kdc_config *cfg, const struct realm_config *rc,
    struct loop *loop, struct realm_rt *r, struct kerr *e)
{
	struct pk_id_warnings warn;
	unsigned int i;
	kerr_t ret;

	r->name = strdup(rc->name);
	if (r->name == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	r->max_life = rc->max_life;
	r->max_renewable_life = rc->max_renewable_life;
	r->clockskew = rc->clockskew;
	r->require_freshness = rc->pkinit_require_freshness;
	r->allow_rsa = rc->pkinit_allow_rsa_protocol;
	r->allow_sha1 = rc->pkinit_allow_sha1;
	r->map_mode = map_mode_parse(rc->strong_certificate_binding);
	if (r->map_mode < 0)
		r->map_mode = MAP_MODE_FULL;
	r->backdating = rc->certificate_backdating_compensation;
	r->search_by_cert = rc->pkinit_search_by_certificate;
	r->allow_rfc822 = rc->pkinit_allow_rfc822_mapping;
	if (rc->netbios_name != NULL &&
	    (r->netbios_name = strdup(rc->netbios_name)) == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	r->groups_cache = dir_groups_cache_new(rc->group_cache_lifetime);
	if (r->groups_cache == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");

	ret = tgs_keys_load(rc->name, rc->krbtgt_keytab, &r->tgs, e);
	if (ret)
		return blame(cfg, rc->name, "krbtgt_keytab", ret, e);
	ret = cv_store_load((const char *const *)rc->pkinit_anchors.v,
	    rc->pkinit_anchors.n, (const char *const *)rc->pkinit_pool.v,
	    rc->pkinit_pool.n, &r->store, e);
	if (ret)
		return blame(cfg, rc->name, "pkinit_anchors", ret, e);
	/* Part of the store: a reload starts with an empty cache. */
	ret = cv_store_chain_cache(r->store, rc->pkinit_chain_cache_ttl,
	    CV_CHAIN_CACHE_ENTRIES, e);
	if (ret)
		return blame(cfg, rc->name, "pkinit_chain_cache_ttl", ret, e);
	memset(&warn, 0, sizeof(warn));
	ret = pk_identity_load(rc->pkinit_identity,
	    rc->pkinit_identity_passphrase_file, rc->name, &r->id, &warn, e);
	if (ret)
		return blame(cfg, rc->name, "pkinit_identity", ret, e);
	for (i = 0; i < warn.n; i++)
		log_msg(LOG_LVL_WARNING, "realm %s: KDC certificate: %s",
		    rc->name, warn.msg[i]);
	ret = pk_dh_groups_new((unsigned int)rc->pkinit_dh_min_bits, 0,
	    &r->groups, e);
	if (ret)
		return blame(cfg, rc->name, "pkinit_dh_min_bits", ret, e);
	if (rc->service_keytab != NULL) {
		ret = svc_keys_load(rc->service_keytab, &r->svc, e);
		if (ret)
			return blame(cfg, rc->name, "service_keytab", ret, e);
	}
	ret = load_directory(cfg, rc, loop, r, e);
	if (ret)
		return ret;
	ret = realm_ntauth_new(rc, r->dir, loop, &r->ntauth, e);
	if (ret)
		return blame(cfg, rc->name, "pkinit_ntauth", ret, e);
	ret = realm_revoke_new(rc, loop, &r->revoke, e);
	if (ret)
		return blame(cfg, rc->name, rc->pkinit_revoke.n ?
		    "pkinit_revoke" : "pkinit_revocation_check", ret, e);
	return 0;
}

kerr_t
realm_set_load(const struct kdc_config *cfg, struct loop *loop,
    struct realm_set **set_out, struct kerr *e)
{
	const struct realm_config *rc;
	struct realm_set *s;
	kerr_t ret;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	s->refs = 1;
	s->v = calloc(cfg->n_realms ? cfg->n_realms : 1, sizeof(*s->v));
	if (s->v == NULL) {
		free(s);
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	}
	for (rc = cfg->realms; rc != NULL; rc = rc->next) {
		ret = load_realm(cfg, rc, loop, &s->v[s->n], e);
		s->n++;
		if (ret) {
			realm_set_unref(s);
			return ret;
		}
	}
	*set_out = s;
	return 0;
}

struct realm_set *
realm_set_ref(struct realm_set *s)
{
	s->refs++;
	return s;
}

void
realm_set_unref(struct realm_set *s)
{
	size_t i;

	if (s == NULL || --s->refs > 0)
		return;
	for (i = 0; i < s->n; i++)
		realm_rt_clear(&s->v[i]);
	free(s->v);
	free(s);
}

const struct realm_rt *
realm_set_find(const struct realm_set *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
	}
	return NULL;
}
