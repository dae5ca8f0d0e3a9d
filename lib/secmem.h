/*
 * secmem.h - wiping and comparing secrets without leaking through timing or
 * leftovers.  Backed by OpenSSL (OPENSSL_cleanse, CRYPTO_memcmp) so callers
 * need not include OpenSSL headers.
 */
#ifndef PKINIT_KDC_SECMEM_H
#define PKINIT_KDC_SECMEM_H

#include <stddef.h>

/* Overwrite len bytes at p; p may be NULL when len is 0. */
void sec_wipe(void *p, size_t len);

/* Constant-time equality of two equal-length buffers: 1 if equal. */
int sec_memeq(const void *a, const void *b, size_t len);

/* Wipe then free(3); p may be NULL. */
void sec_free(void *p, size_t len);

#endif
