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
		/* Both encrypt on every logon: derive their usage keys once. */
		if (ret == 0)
			ret = kc_key_keep_derived(&tk->key, e);
		if (ret == 0)
			ret = kc_key_keep_derived(&tk->fresh, e);
		if (ret) {
			kc_key_clear(&tk->key);
			kc_key_clear(&tk->fresh);
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
	size_t i;

	/* The first key of the newest kvno, in keytab order.  An MIT KDC
	 * sharing the krbtgt key decrypts TGTs with the first key of its
	 * krbtgt entry (its supported_enctypes order, which kadmin ktadd
	 * preserves in the keytab), not with the key matching the ticket's
	 * enctype, so any other choice makes our TGTs unusable there. */
	for (i = 0; i < k->n; i++) {
		if (k->v[i].kvno == k->newest_kvno)
			return &k->v[i];
	}
	return NULL;
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
