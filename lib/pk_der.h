/*
 * pk_der.h - a tiny bounded DER writer for the few fixed structures the
 * PKINIT crypto code builds itself (RFC 8636 OtherInfo, KRB5PrincipalName,
 * TD-DH-PARAMETERS).  Everything else is encoded by the ASN.1 layer.
 */
#ifndef PKINIT_KDC_PK_DER_H
#define PKINIT_KDC_PK_DER_H

#include <stddef.h>
#include <stdint.h>

/* Hard ceiling for anything built here. */
#define PK_DER_MAX (1024 * 1024)

struct pk_der {
	uint8_t *buf;
	size_t len;
	size_t cap;
	int failed;     /* sticky: allocation failure or size limit */
};

void pk_der_init(struct pk_der *d);
/* Wipe and free the buffer (it may hold a secret-derived encoding). */
void pk_der_clear(struct pk_der *d);

/* Append raw bytes. */
void pk_der_raw(struct pk_der *d, const void *p, size_t n);
/* Append tag, definite length and contents. */
void pk_der_tlv(struct pk_der *d, uint8_t tag, const void *p, size_t n);
/* Wrap everything from offset start onward in tag + length. */
void pk_der_wrap(struct pk_der *d, size_t start, uint8_t tag);
/* INTEGER from a signed 32-bit value (minimal two's complement). */
void pk_der_int32(struct pk_der *d, int32_t v);

/* Hand the buffer to the caller (malloc'd); returns -1 if anything failed. */
int pk_der_take(struct pk_der *d, uint8_t **der_out, size_t *len_out);

/*
 * DER KRB5PrincipalName (RFC 4556 section 3.2.2) for the name components
 * comps[0..n-1] in realm, with the given name-type.
 */
int pk_der_krb5_principal(const char *realm, int32_t name_type,
    const char *const *comps, size_t n, uint8_t **der_out, size_t *len_out);

#endif
