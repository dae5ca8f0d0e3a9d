/*
 * tgs_keys.c - loading the krbtgt keys and choosing among them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keytab.h"
#include "secmem.h"
#include "tgs_keys.h"

/* Label for the PRF+ derivation of freshness-token keys. */
static const char fresh_label[] = "pkinit-kdc freshness token key";

int
tgs_enctype_strength(int32_t enctype)
{
	switch (enctype) {
	case KC_AES256_CTS_HMAC_SHA384_192:
		return 4;
	case KC_AES256_CTS_HMAC_SHA1_96:
		return 3;
	case KC_AES128_CTS_HMAC_SHA256_128:
		return 2;
	case KC_AES128_CTS_HMAC_SHA1_96:
		return 1;
	default:
		return 0;
	}
}

static kerr_t
derive_fresh_key(const struct kc_key *key, struct kc_key *out, struct kerr *e)
{
	unsigned char rnd[KC_MAX_KEY_LEN];
	size_t len = kc_enctype_key_length(key->enctype);
	kerr_t ret;

	ret = kc_prf_plus(key, fresh_label, sizeof(fresh_label) - 1, rnd, len, e);
	if (ret == 0)
		ret = kc_random_to_key(key->enctype, rnd, len, out, e);
	sec_wipe(rnd, sizeof(rnd));
	return ret;
}

kerr_t
tgs_keys_load(const char *realm, const char *spec, struct tgs_keys **keys_out,
    struct kerr *e)
{
	struct keytab *kt = NULL;
	struct tgs_keys *k = NULL;
	const char *path = spec;
	size_t i, plen;
	kerr_t ret;

	if (strncmp(spec, "FILE:", 5) == 0)
		path = spec + 5;
	ret = kt_read_file(path, &kt, e);
	if (ret)
		goto cleanup;
	k = calloc(1, sizeof(*k));
	if (k == NULL)
		goto nomem;
	k->realm = strdup(realm);
	plen = strlen(realm) * 2 + sizeof("krbtgt/@");
	k->principal = malloc(plen);
	k->v = calloc(kt->n_entries ? kt->n_entries : 1, sizeof(*k->v));
	if (k->realm == NULL || k->principal == NULL || k->v == NULL)
		goto nomem;
	snprintf(k->principal, plen, "krbtgt/%s@%s", realm, realm);
	for (i = 0; i < kt->n_entries; i++) {
		const struct kt_entry *ent = &kt->entries[i];
		struct tgs_key *tk = &k->v[k->n];

		if (strcmp(ent->principal, k->principal) != 0 ||
		    !kc_enctype_supported(ent->enctype))
			continue;
		if (tgs_keys_find(k, ent->kvno, ent->enctype) != NULL)
			continue; /* duplicate entry: first one wins */
		ret = kt_entry_key(ent, &tk->key, e);
		if (ret)
			goto cleanup;
		ret = derive_fresh_key(&tk->key, &tk->fresh, e);
		if (ret) {
			kc_key_clear(&tk->key);
			goto cleanup;
		}
		tk->kvno = ent->kvno;
		k->n++;
		if (ent->kvno > k->newest_kvno)
			k->newest_kvno = ent->kvno;
	}
	if (k->n == 0) {
		ret = kerr_set(e, KDC_ERR_NULL_KEY,
		    "keytab %s has no AES key for %s", path, k->principal);
		goto cleanup;
	}
	*keys_out = k;
	k = NULL;
	ret = 0;
	goto cleanup;
nomem:
	ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory loading %s", path);
cleanup:
	kt_free(kt);
	tgs_keys_free(k);
	return ret;
}

void
tgs_keys_free(struct tgs_keys *k)
{
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < k->n; i++) {
		kc_key_clear(&k->v[i].key);
		kc_key_clear(&k->v[i].fresh);
	}
	free(k->v);
	free(k->realm);
	free(k->principal);
	free(k);
}

const struct tgs_key *
tgs_keys_for_issue(const struct tgs_keys *k)
{
	const struct tgs_key *best = NULL;
	size_t i;

	for (i = 0; i < k->n; i++) {
		if (k->v[i].kvno != k->newest_kvno)
			continue;
		if (best == NULL || tgs_enctype_strength(k->v[i].key.enctype) >
		    tgs_enctype_strength(best->key.enctype))
			best = &k->v[i];
	}
	return best;
}

const struct tgs_key *
tgs_keys_find(const struct tgs_keys *k, uint32_t kvno, int32_t enctype)
{
	size_t i;

	if (kvno == 0)
		kvno = k->newest_kvno;
	for (i = 0; i < k->n; i++) {
		if (k->v[i].kvno == kvno && k->v[i].key.enctype == enctype)
			return &k->v[i];
	}
	return NULL;
}
