/*
 * sd_binary.c - self-relative security descriptors (MS-DTYP 2.4.6),
 * ACLs (2.4.5) and ACEs (2.4.4), read from and written to the binary
 * form AD stores in msDS-*AllowedToAuthenticate* attributes.
 *
 * Every offset and size comes from the directory and is checked against
 * the buffer before it is used; ACE application data (the conditional
 * expression of callback ACEs) is copied out and kept only when it starts
 * with the "artx" signature of MS-DTYP 2.4.4.17.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sd.h"

#define SD_HEADER_LEN 20
#define ACL_HEADER_LEN 8
#define ACE_HEADER_LEN 4

static uint16_t
get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static int
ace_is_object(uint8_t type)
{
	return type == SD_ACE_ALLOWED_OBJECT || type == SD_ACE_DENIED_OBJECT ||
	    type == SD_ACE_AUDIT_OBJECT ||
	    type == SD_ACE_ALLOWED_CALLBACK_OBJECT ||
	    type == SD_ACE_DENIED_CALLBACK_OBJECT;
}

static int
ace_is_callback(uint8_t type)
{
	return type == SD_ACE_ALLOWED_CALLBACK ||
	    type == SD_ACE_DENIED_CALLBACK ||
	    type == SD_ACE_ALLOWED_CALLBACK_OBJECT ||
	    type == SD_ACE_DENIED_CALLBACK_OBJECT ||
	    type == SD_ACE_AUDIT_CALLBACK;
}

static void
acl_free(struct sd_acl *acl)
{
	size_t i;

	if (acl == NULL)
		return;
	for (i = 0; i < acl->count; i++)
		free(acl->aces[i].cond);
	free(acl->aces);
	free(acl);
}

void
sd_free(struct sd_desc *sd)
{
	if (sd == NULL)
		return;
	acl_free(sd->dacl);
	acl_free(sd->sacl);
	free(sd);
}

static kerr_t
ace_parse(const unsigned char *p, size_t size, struct sd_ace *ace,
    struct kerr *e)
{
	size_t off = ACE_HEADER_LEN, used;
	kerr_t rc;

	ace->type = p[0];
	ace->flags = p[1];
	if (size < off + 4)
		return kerr_set(e, KRB_ERR_GENERIC, "ACE too short");
	ace->mask = get32(p + off);
	off += 4;
	if (ace_is_object(ace->type)) {
		if (size < off + 4)
			return kerr_set(e, KRB_ERR_GENERIC,
			    "object ACE too short");
		ace->object_flags = get32(p + off);
		off += 4;
		if (ace->object_flags & SD_OBJECT_TYPE_PRESENT) {
			if (size < off + 16)
				return kerr_set(e, KRB_ERR_GENERIC,
				    "object ACE: truncated object type");
			memcpy(ace->object_type, p + off, 16);
			off += 16;
		}
		if (ace->object_flags & SD_INHERITED_OBJECT_TYPE_PRESENT) {
			if (size < off + 16)
				return kerr_set(e, KRB_ERR_GENERIC,
				    "object ACE: truncated inherited type");
			memcpy(ace->inherited_object_type, p + off, 16);
			off += 16;
		}
	}
	rc = sid_from_binary(p + off, size - off, &ace->sid, &used, e);
	if (rc != 0) {
		kerr_prefix(e, "ACE trustee: ");
		return rc;
	}
	off += used;
	if (ace_is_callback(ace->type) && size - off >= 4 &&
	    memcmp(p + off, "artx", 4) == 0) {
		ace->cond_len = size - off;
		ace->cond = malloc(ace->cond_len);
		if (ace->cond == NULL)
			return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		memcpy(ace->cond, p + off, ace->cond_len);
	}
	return 0;
}

static kerr_t
acl_parse(const unsigned char *buf, size_t len, size_t at,
    struct sd_acl **acl_out, struct kerr *e)
{
	struct sd_acl *acl = NULL;
	const unsigned char *p;
	size_t size, count, i, off;
	kerr_t rc;

	if (at < SD_HEADER_LEN || at > len || len - at < ACL_HEADER_LEN) {
		rc = kerr_set(e, KRB_ERR_GENERIC, "ACL offset out of range");
		goto cleanup;
	}
	p = buf + at;
	size = get16(p + 2);
	count = get16(p + 4);
	if (p[0] != 2 && p[0] != 4) {
		rc = kerr_set(e, KRB_ERR_GENERIC, "ACL revision %u",
		    (unsigned)p[0]);
		goto cleanup;
	}
	if (size < ACL_HEADER_LEN || size > len - at) {
		rc = kerr_set(e, KRB_ERR_GENERIC, "ACL size out of range");
		goto cleanup;
	}
	if (count > SD_MAX_ACES) {
		rc = kerr_set(e, KRB_ERR_GENERIC, "ACL has %zu ACEs", count);
		goto cleanup;
	}
	acl = calloc(1, sizeof(*acl));
	if (acl == NULL || (count &&
	    (acl->aces = calloc(count, sizeof(*acl->aces))) == NULL)) {
		rc = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	acl->revision = p[0];
	off = ACL_HEADER_LEN;
	for (i = 0; i < count; i++) {
		size_t asize;

		if (size - off < ACE_HEADER_LEN) {
			rc = kerr_set(e, KRB_ERR_GENERIC,
			    "ACE %zu: beyond the ACL", i);
			goto cleanup;
		}
		asize = get16(p + off + 2);
		if (asize < ACE_HEADER_LEN + 4 || asize > size - off ||
		    asize % 4 != 0) {
			rc = kerr_set(e, KRB_ERR_GENERIC,
			    "ACE %zu: bad size %zu", i, asize);
			goto cleanup;
		}
		acl->count = i + 1;
		rc = ace_parse(p + off, asize, &acl->aces[i], e);
		if (rc != 0) {
			kerr_prefix(e, "ACE %zu: ", i);
			goto cleanup;
		}
		off += asize;
	}
	*acl_out = acl;
	acl = NULL;
	rc = 0;
cleanup:
	acl_free(acl);
	return rc;
}

kerr_t
sd_from_binary(const void *vbuf, size_t len, struct sd_desc **sd_out,
    struct kerr *e)
{
	const unsigned char *buf = vbuf;
	struct sd_desc *sd = NULL;
	uint32_t o_owner, o_group, o_sacl, o_dacl;
	kerr_t rc;

	if (buf == NULL || len < SD_HEADER_LEN || len > SD_MAX_BINARY) {
		rc = kerr_set(e, KRB_ERR_GENERIC,
		    "security descriptor: bad length %zu", len);
		goto cleanup;
	}
	if (buf[0] != 1) {
		rc = kerr_set(e, KRB_ERR_GENERIC,
		    "security descriptor: revision %u", (unsigned)buf[0]);
		goto cleanup;
	}
	sd = calloc(1, sizeof(*sd));
	if (sd == NULL) {
		rc = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	sd->control = get16(buf + 2);
	if (!(sd->control & SD_SELF_RELATIVE)) {
		rc = kerr_set(e, KRB_ERR_GENERIC,
		    "security descriptor is not self-relative");
		goto cleanup;
	}
	o_owner = get32(buf + 4);
	o_group = get32(buf + 8);
	o_sacl = get32(buf + 12);
	o_dacl = get32(buf + 16);
	if (o_owner != 0) {
		if (o_owner < SD_HEADER_LEN || o_owner >= len) {
			rc = kerr_set(e, KRB_ERR_GENERIC,
			    "owner offset out of range");
			goto cleanup;
		}
		rc = sid_from_binary(buf + o_owner, len - o_owner, &sd->owner,
		    NULL, e);
		if (rc != 0)
			goto cleanup;
		sd->has_owner = 1;
	}
	if (o_group != 0) {
		if (o_group < SD_HEADER_LEN || o_group >= len) {
			rc = kerr_set(e, KRB_ERR_GENERIC,
			    "group offset out of range");
			goto cleanup;
		}
		rc = sid_from_binary(buf + o_group, len - o_group, &sd->group,
		    NULL, e);
		if (rc != 0)
			goto cleanup;
		sd->has_group = 1;
	}
	if ((sd->control & SD_SACL_PRESENT) && o_sacl != 0) {
		rc = acl_parse(buf, len, o_sacl, &sd->sacl, e);
		if (rc != 0) {
			kerr_prefix(e, "SACL: ");
			goto cleanup;
		}
	}
	if ((sd->control & SD_DACL_PRESENT) && o_dacl != 0) {
		rc = acl_parse(buf, len, o_dacl, &sd->dacl, e);
		if (rc != 0) {
			kerr_prefix(e, "DACL: ");
			goto cleanup;
		}
	}
	*sd_out = sd;
	sd = NULL;
	rc = 0;
cleanup:
	sd_free(sd);
	return rc;
}

static size_t
ace_size(const struct sd_ace *a)
{
	size_t n = ACE_HEADER_LEN + 4 + sid_binary_len(&a->sid);

	if (ace_is_object(a->type)) {
		n += 4;
		if (a->object_flags & SD_OBJECT_TYPE_PRESENT)
			n += 16;
		if (a->object_flags & SD_INHERITED_OBJECT_TYPE_PRESENT)
			n += 16;
	}
	n += a->cond_len;
	return (n + 3) & ~(size_t)3;
}

static size_t
acl_size(const struct sd_acl *acl)
{
	size_t n = ACL_HEADER_LEN, i;

	for (i = 0; i < acl->count; i++)
		n += ace_size(&acl->aces[i]);
	return n;
}

static void
acl_write(const struct sd_acl *acl, unsigned char *p)
{
	size_t off = ACL_HEADER_LEN, i;

	p[0] = acl->revision ? acl->revision : 2;
	p[1] = 0;
	put16(p + 2, (uint16_t)acl_size(acl));
	put16(p + 4, (uint16_t)acl->count);
	put16(p + 6, 0);
	for (i = 0; i < acl->count; i++) {
		const struct sd_ace *a = &acl->aces[i];
		size_t sz = ace_size(a), o = ACE_HEADER_LEN;
		unsigned char *q = p + off;

		q[0] = a->type;
		q[1] = a->flags;
		put16(q + 2, (uint16_t)sz);
		put32(q + o, a->mask);
		o += 4;
		if (ace_is_object(a->type)) {
			put32(q + o, a->object_flags);
			o += 4;
			if (a->object_flags & SD_OBJECT_TYPE_PRESENT) {
				memcpy(q + o, a->object_type, 16);
				o += 16;
			}
			if (a->object_flags &
			    SD_INHERITED_OBJECT_TYPE_PRESENT) {
				memcpy(q + o, a->inherited_object_type, 16);
				o += 16;
			}
		}
		sid_to_binary(&a->sid, q + o);
		o += sid_binary_len(&a->sid);
		if (a->cond_len) {
			memcpy(q + o, a->cond, a->cond_len);
			o += a->cond_len;
		}
		memset(q + o, 0, sz - o);
		off += sz;
	}
}

kerr_t
sd_to_binary(const struct sd_desc *sd, unsigned char **buf_out,
    size_t *len_out, struct kerr *e)
{
	unsigned char *buf;
	size_t len = SD_HEADER_LEN, o_owner = 0, o_group = 0, o_sacl = 0;
	size_t o_dacl = 0;

	/* Layout: header, SACL, DACL, owner, group (the order Windows
	 * writes; readers must not depend on it). */
	if (sd->sacl) {
		o_sacl = len;
		len += acl_size(sd->sacl);
	}
	if (sd->dacl) {
		o_dacl = len;
		len += acl_size(sd->dacl);
	}
	if (sd->has_owner) {
		o_owner = len;
		len += sid_binary_len(&sd->owner);
	}
	if (sd->has_group) {
		o_group = len;
		len += sid_binary_len(&sd->group);
	}
	if (len > SD_MAX_BINARY)
		return kerr_set(e, KRB_ERR_GENERIC,
		    "security descriptor too large (%zu bytes)", len);
	buf = calloc(1, len);
	if (buf == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	buf[0] = 1;
	put16(buf + 2, (uint16_t)(sd->control | SD_SELF_RELATIVE));
	put32(buf + 4, (uint32_t)o_owner);
	put32(buf + 8, (uint32_t)o_group);
	put32(buf + 12, (uint32_t)o_sacl);
	put32(buf + 16, (uint32_t)o_dacl);
	if (sd->sacl)
		acl_write(sd->sacl, buf + o_sacl);
	if (sd->dacl)
		acl_write(sd->dacl, buf + o_dacl);
	if (sd->has_owner)
		sid_to_binary(&sd->owner, buf + o_owner);
	if (sd->has_group)
		sid_to_binary(&sd->group, buf + o_group);
	*buf_out = buf;
	*len_out = len;
	return 0;
}

kerr_t
sd_parse_value(const void *buf, size_t len, const struct sid *domain,
    struct sd_desc **sd_out, struct kerr *e)
{
	const unsigned char *p = buf;

	if (p == NULL || len == 0)
		return kerr_set(e, KRB_ERR_GENERIC,
		    "empty security descriptor");
	/* SDDL text starts with O:, G:, D:, S: or blanks, never byte 1. */
	if (p[0] == 1)
		return sd_from_binary(buf, len, sd_out, e);
	return sd_from_sddl(buf, len, domain, sd_out, e);
}
