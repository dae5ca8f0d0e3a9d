/*
 * fuzz_keytab.c - MIT keytab images (kt_parse): the krbtgt key set is read
 * from one at start and on reload.  A parsed keytab is then searched the
 * way the KDC does (by principal, kvno and enctype) and every entry turned
 * into a protocol key where the enctype allows.
 */
#include "config.h"

#include "fuzz.h"
#include "keytab.h"

static void
entries(const struct keytab *kt)
{
	const struct kt_entry *ent, *hit;
	struct kc_key key;
	struct kerr e;
	size_t i;

	for (i = 0; i < kt->n_entries; i++) {
		ent = &kt->entries[i];
		FUZZ_ASSERT(ent->principal != NULL && ent->realm != NULL);
		FUZZ_ASSERT(ent->n_components <= KT_MAX_COMPONENTS);
		FUZZ_ASSERT(ent->key_len <= KT_MAX_KEY_LEN);
		FUZZ_ASSERT(ent->key != NULL || ent->key_len == 0);
		/* Exact lookups find an entry with what was asked for (0
		 * means "newest" or "any" to kt_find, so it is not exact). */
		if (ent->kvno != 0 && ent->enctype != 0) {
			hit = kt_find(kt, ent->principal, ent->kvno,
			    ent->enctype);
			FUZZ_ASSERT(hit != NULL && hit->kvno == ent->kvno &&
			    hit->enctype == ent->enctype &&
			    strcmp(hit->principal, ent->principal) == 0);
		}
		FUZZ_ASSERT(kt_find(kt, ent->principal, 0, 0) != NULL);
		FUZZ_ASSERT(kt_newest_kvno(kt, ent->principal) >= ent->kvno);
		if (kt_entry_key(ent, &key, &e) == 0) {
			FUZZ_ASSERT(key.enctype == ent->enctype &&
			    key.length == ent->key_len);
			kc_key_clear(&key);
		} else {
			FUZZ_ASSERT_MSG(&e);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keytab *kt = NULL;
	struct kerr e;

	if (kt_parse(data, size, &kt, &e) != 0) {
		FUZZ_ASSERT(kt == NULL);
		FUZZ_ASSERT_MSG(&e);
		return 0;
	}
	FUZZ_ASSERT(kt != NULL);
	FUZZ_ASSERT(kt->version == 0x0501 || kt->version == 0x0502);
	entries(kt);
	kt_free(kt);
	return 0;
}
