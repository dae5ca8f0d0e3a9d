/*
 * svc_keys.c - loading service keys and choosing among them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keytab.h"
#include "svc_keys.h"

static int
seen(const struct svc_keys *k, const struct kt_entry *ent)
{
	size_t i;

	for (i = 0; i < k->n; i++) {
		if (k->v[i].kvno == ent->kvno &&
		    k->v[i].key.enctype == ent->enctype &&
		    strcmp(k->v[i].principal, ent->principal) == 0)
			return 1;
	}
	return 0;
}

kerr_t
svc_keys_load(const char *spec, struct svc_keys **keys_out, struct kerr *e)
{
	struct keytab *kt = NULL;
	struct svc_keys *k = NULL;
	const char *path = spec;
	size_t i;
	kerr_t ret;

	if (strncmp(spec, "FILE:", 5) == 0)
		path = spec + 5;
	ret = kt_read_file(path, &kt, e);
	if (ret)
		goto cleanup;
	k = calloc(1, sizeof(*k));
	if (k == NULL)
		goto nomem;
	k->v = calloc(kt->n_entries ? kt->n_entries : 1, sizeof(*k->v));
	if (k->v == NULL)
		goto nomem;
	for (i = 0; i < kt->n_entries; i++) {
		const struct kt_entry *ent = &kt->entries[i];
		struct svc_key *sk = &k->v[k->n];

		if (!kc_enctype_supported(ent->enctype) || seen(k, ent))
			continue; /* DES/RC4, or a duplicate: first one wins */
		ret = kt_entry_key(ent, &sk->key, e);
		if (ret == 0)
			ret = kc_key_keep_derived(&sk->key, e);
		if (ret) {
			kc_key_clear(&sk->key);
			goto cleanup;
		}
		sk->principal = strdup(ent->principal);
		if (sk->principal == NULL) {
			kc_key_clear(&sk->key);
			goto nomem;
		}
		sk->kvno = ent->kvno;
		k->n++;
	}
	*keys_out = k;
	k = NULL;
	ret = 0;
	goto cleanup;
nomem:
	ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory loading %s", path);
cleanup:
	kt_free(kt);
	svc_keys_free(k);
	return ret;
}

void
svc_keys_free(struct svc_keys *k)
{
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < k->n; i++) {
		kc_key_clear(&k->v[i].key);
		free(k->v[i].principal);
	}
	free(k->v);
	free(k);
}

static const struct svc_key *
find(const struct svc_keys *k, const char *principal,
    int (*cmp)(const char *, const char *))
{
	const struct svc_key *best = NULL;
	size_t i;

	for (i = 0; i < k->n; i++) {
		if (cmp(k->v[i].principal, principal) != 0)
			continue;
		/* Keytab order within a kvno; the newest kvno wins. */
		if (best == NULL || k->v[i].kvno > best->kvno)
			best = &k->v[i];
	}
	return best;
}

const struct svc_key *
svc_keys_for_issue(const struct svc_keys *k, const char *principal)
{
	const struct svc_key *sk;

	if (k == NULL)
		return NULL;
	sk = find(k, principal, strcmp);
	if (sk == NULL)
		sk = find(k, principal, strcasecmp);
	return sk;
}

int
svc_keys_has_enctype(const struct svc_keys *k, const struct svc_key *sk,
    int32_t enctype)
{
	size_t i;

	for (i = 0; i < k->n; i++) {
		if (k->v[i].kvno == sk->kvno &&
		    k->v[i].key.enctype == enctype &&
		    strcmp(k->v[i].principal, sk->principal) == 0)
			return 1;
	}
	return 0;
}
