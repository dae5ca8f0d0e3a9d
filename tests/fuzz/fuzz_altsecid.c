/*
 * fuzz_altsecid.c - altSecurityIdentities values from the directory
 * ([MS-PKCA] 3.1.5.2.1.3: "X509:<I>issuer<S>subject", "<SR>", "<SKI>",
 * "<SHA1-PUKEY>", "<RFC822>", "<SID>") and the DN and serial helpers
 * behind them.  The values written for real certificates are checked to
 * parse and match again in fuzz_cv_cert.
 */
#include "config.h"

#include "fuzz.h"
#include "map_altsecid.h"

#define BUF 8192

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct map_altsecid *m = NULL;
	struct kerr e;
	char *s, *r1, *r2;

	if ((s = fuzz_strndup(data, size)) == NULL)
		return 0;
	if (map_altsecid_parse(s, &m, &e) == 0)
		FUZZ_ASSERT(m != NULL);
	else
		FUZZ_ASSERT(m == NULL && memchr(e.msg, '\0', sizeof(e.msg)));
	map_altsecid_free(m);
	r1 = malloc(BUF);
	r2 = malloc(BUF);
	if (r1 != NULL && r2 != NULL) {
		if (map_dn_reverse(s, r1, BUF) == 0) {
			FUZZ_ASSERT(memchr(r1, '\0', BUF) != NULL);
			if (map_dn_reverse(r1, r2, BUF) == 0)
				(void)map_dn_equal(r2, s);
		}
		if (map_serial_reverse(s, r1, BUF) == 0)
			FUZZ_ASSERT(memchr(r1, '\0', BUF) != NULL);
		(void)map_dn_equal(s, s);
	}
	free(r1);
	free(r2);
	free(s);
	return 0;
}
