/*
 * keytab.h - reading MIT keytab files (format 0x0502, and the older
 * native-byte-order 0x0501).  Every entry is kept, whatever its enctype,
 * so a keytab with DES entries still loads; kt_entry_key() turns an entry
 * into a kc_key only for the enctypes kcrypto offers.  Key bytes are
 * wiped when the keytab is freed.
 */
#ifndef PKINIT_KDC_KEYTAB_H
#define PKINIT_KDC_KEYTAB_H

#include <stddef.h>
#include <stdint.h>

#include "kcrypto.h"
#include "kerror.h"

#define KT_MAX_FILE_SIZE (16u * 1024 * 1024)
#define KT_MAX_COMPONENTS 16
#define KT_MAX_KEY_LEN 64

struct kt_entry {
	char *principal;        /* "a/b@REALM"; '\\', '/', '@' escaped */
	char *realm;
	char **components;
	size_t n_components;
	int32_t name_type;      /* 0 in 0x0501 files (not stored there) */
	uint32_t timestamp;
	uint32_t kvno;          /* 32-bit extension when present and non-zero */
	int32_t enctype;
	unsigned char *key;
	size_t key_len;
};

struct keytab {
	struct kt_entry *entries;
	size_t n_entries;
	unsigned int version;   /* 0x0501 or 0x0502 */
};

/* Parse a keytab image; the buffer is not kept. */
kerr_t kt_parse(const void *buf, size_t len, struct keytab **kt_out,
    struct kerr *e);
/* Read and parse a file of at most KT_MAX_FILE_SIZE bytes. */
kerr_t kt_read_file(const char *path, struct keytab **kt_out, struct kerr *e);
void kt_free(struct keytab *kt);

/*
 * Find the entry for principal (unparsed form as above), kvno (0 = the
 * newest the keytab has for that principal) and enctype (0 = any; then
 * the first entry in file order).  NULL when there is none.
 */
const struct kt_entry *kt_find(const struct keytab *kt, const char *principal,
    uint32_t kvno, int32_t enctype);
/* Highest kvno for principal; 0 when the principal is absent. */
uint32_t kt_newest_kvno(const struct keytab *kt, const char *principal);
/* The entry's key as a kc_key; KDC_ERR_ETYPE_NOSUPP for other enctypes. */
kerr_t kt_entry_key(const struct kt_entry *ent, struct kc_key *key_out,
    struct kerr *e);

#endif
