/*
 * secmem.c - secret wiping and constant-time comparison via OpenSSL.
 */
#include "config.h"

#include <stdlib.h>

#include <openssl/crypto.h>

#include "secmem.h"

void
sec_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		OPENSSL_cleanse(p, len);
}

int
sec_memeq(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

void
sec_free(void *p, size_t len)
{
	if (p == NULL)
		return;
	sec_wipe(p, len);
	free(p);
}
