/*
 * keytab.c - MIT keytab files, read side.
 *
 * Layout (MIT "keytab file format"): a 2-byte version 0x05 0x02 (or 0x05
 * 0x01, whose integers are in the writer's native byte order) followed by
 * records of a signed 32-bit length and that many bytes.  A negative
 * length marks a hole left by a deleted entry; a zero length ends the
 * entries.  A record holds:
 *   u16 component count (0x0501: counts the realm too)
 *   realm, components: u16 length + bytes each
 *   u32 name type (0x0502 only), u32 timestamp, u8 kvno
 *   u16 enctype, u16 key length + key bytes
 *   optional u32 kvno that supersedes the 8-bit one when non-zero
 * Every length is checked against the record and the file; anything that
 * does not fit fails the whole parse.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keytab.h"
#include "log.h"
#include "secmem.h"

struct cur {
	const unsigned char *p;
	size_t len;
	size_t off;
	int little;     /* integers little-endian (0x0501 on such hosts) */
};

static int
host_little_endian(void)
{
	const uint16_t one = 1;

	return *(const unsigned char *)&one == 1;
}

static int
get_bytes(struct cur *c, size_t n, const unsigned char **out)
{
	if (n > c->len - c->off)
		return -1;
	*out = c->p + c->off;
	c->off += n;
	return 0;
}

static int
get_uint(struct cur *c, size_t n, uint32_t *out)
{
	const unsigned char *b;
	uint32_t v = 0;
	size_t i;

	if (get_bytes(c, n, &b) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		size_t k = c->little ? n - 1 - i : i;

		v = (v << 8) | b[k];
	}
	*out = v;
	return 0;
}

/* A counted string, returned NUL-terminated; embedded NULs are refused. */
static int
get_string(struct cur *c, char **out)
{
	const unsigned char *b;
	uint32_t n;
	char *s;

	if (get_uint(c, 2, &n) != 0 || get_bytes(c, n, &b) != 0)
		return -1;
	if (memchr(b, 0, n) != NULL)
		return -1;
	s = malloc((size_t)n + 1);
	if (s == NULL)
		return -1;
	memcpy(s, b, n);
	s[n] = 0;
	*out = s;
	return 0;
}

static void
entry_clear(struct kt_entry *ent)
{
	size_t i;

	free(ent->principal);
	free(ent->realm);
	for (i = 0; ent->components != NULL && i < ent->n_components; i++)
		free(ent->components[i]);
	free(ent->components);
	sec_free(ent->key, ent->key_len);
	memset(ent, 0, sizeof(*ent));
}

/* Append s to d with '\\', '/' and '@' escaped; d has room (2x + 1). */
static size_t
put_escaped(char *d, const char *s)
{
	size_t n = 0;

	for (; *s != 0; s++) {
		if (*s == '\\' || *s == '/' || *s == '@')
			d[n++] = '\\';
		d[n++] = *s;
	}
	return n;
}

static int
unparse(struct kt_entry *ent)
{
	size_t i, need = 2 * strlen(ent->realm) + 2, n = 0;
	char *s;

	for (i = 0; i < ent->n_components; i++)
		need += 2 * strlen(ent->components[i]) + 1;
	s = malloc(need);
	if (s == NULL)
		return -1;
	for (i = 0; i < ent->n_components; i++) {
		if (i > 0)
			s[n++] = '/';
		n += put_escaped(s + n, ent->components[i]);
	}
	s[n++] = '@';
	n += put_escaped(s + n, ent->realm);
	s[n] = 0;
	ent->principal = s;
	return 0;
}

/* Parse one record (the bytes after its length) into ent. */
static int
parse_entry(struct cur *c, unsigned int version, struct kt_entry *ent)
{
	const unsigned char *kb;
	uint32_t count, v, vno8, klen;
	size_t i;

	if (get_uint(c, 2, &count) != 0)
		return -1;
	if (version == 0x0501) {
		if (count == 0)
			return -1;
		count--;
	}
	if (count == 0 || count > KT_MAX_COMPONENTS)
		return -1;
	if (get_string(c, &ent->realm) != 0)
		return -1;
	ent->components = calloc(count, sizeof(char *));
	if (ent->components == NULL)
		return -1;
	for (i = 0; i < count; i++) {
		if (get_string(c, &ent->components[i]) != 0)
			return -1;
		ent->n_components++;
	}
	if (version == 0x0502) {
		if (get_uint(c, 4, &v) != 0)
			return -1;
		ent->name_type = (int32_t)v;
	}
	if (get_uint(c, 4, &ent->timestamp) != 0 ||
	    get_uint(c, 1, &vno8) != 0 || get_uint(c, 2, &v) != 0 ||
	    get_uint(c, 2, &klen) != 0)
		return -1;
	ent->enctype = (int16_t)(uint16_t)v;
	if (klen == 0 || klen > KT_MAX_KEY_LEN || get_bytes(c, klen, &kb) != 0)
		return -1;
	ent->key = malloc(klen);
	if (ent->key == NULL)
		return -1;
	memcpy(ent->key, kb, klen);
	ent->key_len = klen;
	ent->kvno = vno8;
	/* The 32-bit kvno extension, when the record has room for it. */
	if (c->len - c->off >= 4) {
		if (get_uint(c, 4, &v) != 0)
			return -1;
		if (v != 0)
			ent->kvno = v;
	}
	return unparse(ent);
}

kerr_t
kt_parse(const void *buf, size_t len, struct keytab **kt_out, struct kerr *e)
{
	struct cur c = { buf, len, 0, 0 };
	struct keytab *kt = NULL;
	struct kt_entry ent;
	size_t cap = 0;
	uint32_t v;
	kerr_t ret;

	memset(&ent, 0, sizeof(ent));
	if (buf == NULL || len > KT_MAX_FILE_SIZE)
		return kerr_set(e, KRB_ERR_GENERIC, "keytab too large");
	kt = calloc(1, sizeof(*kt));
	if (kt == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	if (get_uint(&c, 2, &v) != 0 || (v != 0x0502 && v != 0x0501)) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "not a keytab (version)");
		goto cleanup;
	}
	kt->version = v;
	c.little = v == 0x0501 && host_little_endian();
	while (c.off < c.len) {
		struct cur rec;
		int32_t size;
		size_t start = c.off;

		if (get_uint(&c, 4, &v) != 0) {
			ret = kerr_set(e, KRB_ERR_GENERIC,
			    "keytab truncated at offset %zu", start);
			goto cleanup;
		}
		size = (int32_t)v;
		if (size == 0)
			break;
		if (size < 0) {
			/* A hole; INT32_MIN has no positive counterpart. */
			if (size == INT32_MIN ||
			    (size_t)-size > c.len - c.off) {
				ret = kerr_set(e, KRB_ERR_GENERIC,
				    "keytab hole at %zu overruns", start);
				goto cleanup;
			}
			c.off += (size_t)-size;
			continue;
		}
		if ((size_t)size > c.len - c.off) {
			ret = kerr_set(e, KRB_ERR_GENERIC,
			    "keytab entry at offset %zu truncated", start);
			goto cleanup;
		}
		rec.p = c.p + c.off;
		rec.len = (size_t)size;
		rec.off = 0;
		rec.little = c.little;
		c.off += (size_t)size;
		if (parse_entry(&rec, kt->version, &ent) != 0) {
			ret = kerr_set(e, KRB_ERR_GENERIC,
			    "malformed keytab entry at offset %zu", start);
			goto cleanup;
		}
		if (kt->n_entries == cap) {
			size_t ncap = cap == 0 ? 8 : cap * 2;
			struct kt_entry *n;

			n = realloc(kt->entries, ncap * sizeof(*n));
			if (n == NULL) {
				ret = kerr_set(e, KRB_ERR_GENERIC,
				    "out of memory");
				goto cleanup;
			}
			kt->entries = n;
			cap = ncap;
		}
		kt->entries[kt->n_entries++] = ent;
		memset(&ent, 0, sizeof(ent));
	}
	*kt_out = kt;
	kt = NULL;
	ret = 0;
cleanup:
	entry_clear(&ent);
	kt_free(kt);
	return ret;
}

kerr_t
kt_read_file(const char *path, struct keytab **kt_out, struct kerr *e)
{
	unsigned char *buf = NULL;
	struct stat st;
	size_t len = 0, got = 0;
	int fd;
	kerr_t ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return kerr_set(e, KRB_ERR_GENERIC, "%s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "%s: not a regular file",
		    path);
		goto cleanup;
	}
	if ((st.st_mode & 0077) != 0)
		log_msg(LOG_LVL_WARNING, "keytab %s is readable by group or "
		    "others; it should be mode 0600 or 0400", path);
	if (st.st_size < 0 || (uintmax_t)st.st_size > KT_MAX_FILE_SIZE) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "%s: larger than %u bytes",
		    path, KT_MAX_FILE_SIZE);
		goto cleanup;
	}
	len = (size_t)st.st_size;
	buf = malloc(len > 0 ? len : 1);
	if (buf == NULL) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = kerr_set(e, KRB_ERR_GENERIC, "%s: short read",
			    path);
			goto cleanup;
		}
		got += (size_t)n;
	}
	ret = kt_parse(buf, len, kt_out, e);
	if (ret != 0)
		kerr_prefix(e, "%s: ", path);
cleanup:
	sec_free(buf, len);
	close(fd);
	return ret;
}

void
kt_free(struct keytab *kt)
{
	size_t i;

	if (kt == NULL)
		return;
	for (i = 0; i < kt->n_entries; i++)
		entry_clear(&kt->entries[i]);
	free(kt->entries);
	free(kt);
}

uint32_t
kt_newest_kvno(const struct keytab *kt, const char *principal)
{
	uint32_t best = 0;
	size_t i;

	if (kt == NULL || principal == NULL)
		return 0;
	for (i = 0; i < kt->n_entries; i++)
		if (strcmp(kt->entries[i].principal, principal) == 0 &&
		    kt->entries[i].kvno > best)
			best = kt->entries[i].kvno;
	return best;
}

const struct kt_entry *
kt_find(const struct keytab *kt, const char *principal, uint32_t kvno,
    int32_t enctype)
{
	size_t i;

	if (kt == NULL || principal == NULL)
		return NULL;
	if (kvno == 0)
		kvno = kt_newest_kvno(kt, principal);
	for (i = 0; i < kt->n_entries; i++) {
		const struct kt_entry *ent = &kt->entries[i];

		if (ent->kvno == kvno && (enctype == 0 ||
		    ent->enctype == enctype) &&
		    strcmp(ent->principal, principal) == 0)
			return ent;
	}
	return NULL;
}

kerr_t
kt_entry_key(const struct kt_entry *ent, struct kc_key *key_out,
    struct kerr *e)
{
	if (ent == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "no keytab entry");
	return kc_key_from_bytes(ent->enctype, ent->key, ent->key_len,
	    key_out, e);
}
