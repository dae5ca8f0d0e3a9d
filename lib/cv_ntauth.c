/*
 * cv_ntauth.c - the NTAuth issuer store (see cv_ntauth.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "cv_ntauth.h"
#include "cv_priv.h"

struct cv_ntauth {
	struct cv_cert **v;
	size_t n;
};

static int
same_ca(const struct cv_cert *a, const struct cv_cert *b)
{
	const uint8_t *ka, *kb;
	size_t la, lb;

	if (X509_NAME_cmp(X509_get_subject_name(cv_cert_x509(a)),
	    X509_get_subject_name(cv_cert_x509(b))) != 0)
		return 0;
	ka = cv_cert_spki(a, &la);
	kb = cv_cert_spki(b, &lb);
	return ka != NULL && kb != NULL && la == lb && memcmp(ka, kb, la) == 0;
}

int
cv_ntauth_has(const struct cv_ntauth *s, const struct cv_cert *ca)
{
	size_t i;

	for (i = 0; s != NULL && i < s->n; i++) {
		if (same_ca(s->v[i], ca))
			return 1;
	}
	return 0;
}

static int
add(struct cv_ntauth *s, struct cv_cert *c)
{
	struct cv_cert **nv;

	if (cv_ntauth_has(s, c))
		return 0;
	if (s->n >= CV_NTAUTH_MAX)
		return -1;
	nv = realloc(s->v, (s->n + 1) * sizeof(*nv));
	if (nv == NULL)
		return -1;
	s->v = nv;
	s->v[s->n++] = cv_cert_ref(c);
	return 0;
}

static int
sink(void *arg, X509 *x)
{
	struct cv_cert *c = cv_cert_wrap(x);
	int rc;

	if (c == NULL)
		return -1;
	rc = add(arg, c);
	cv_cert_free(c);
	return rc;
}

void
cv_ntauth_free(struct cv_ntauth *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		cv_cert_free(s->v[i]);
	free(s->v);
	free(s);
}

size_t
cv_ntauth_count(const struct cv_ntauth *s)
{
	return s != NULL ? s->n : 0;
}

kerr_t
cv_ntauth_load(const char *const *locs, size_t n, struct cv_ntauth **out,
    struct kerr *e)
{
	struct cv_ntauth *s;
	size_t i;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	for (i = 0; i < n; i++) {
		if (cv_load_location(locs[i], sink, s, e) < 0) {
			cv_ntauth_free(s);
			return e != NULL && e->code ? e->code : KRB_ERR_GENERIC;
		}
	}
	*out = s;
	return 0;
}

kerr_t
cv_ntauth_from_der(const struct cv_blob *v, size_t n, struct cv_ntauth **out,
    size_t *skipped_out, struct kerr *e)
{
	struct cv_ntauth *s;
	struct cv_cert *c;
	size_t i, skipped = 0;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	for (i = 0; i < n; i++) {
		if (cv_cert_from_der(v[i].data, v[i].len, &c, NULL) != 0) {
			skipped++;
			continue;
		}
		if (add(s, c) != 0) {
			cv_cert_free(c);
			cv_ntauth_free(s);
			return kerr_set(e, KRB_ERR_GENERIC,
			    "more than %d NTAuth certificates or out of memory",
			    CV_NTAUTH_MAX);
		}
		cv_cert_free(c);
	}
	if (skipped_out != NULL)
		*skipped_out = skipped;
	*out = s;
	return 0;
}

kerr_t
cv_ntauth_check(const struct cv_ntauth *s, const struct cv_certs *chain,
    struct kerr *e)
{
	const struct cv_cert *leaf, *ca;

	if (chain == NULL || cv_certs_count(chain) < 2)
		return kerr_set(e, KDC_ERR_CLIENT_NOT_TRUSTED,
		    "no issuing CA in the chain to look up in NTAuth");
	leaf = cv_certs_get(chain, 0);
	ca = cv_certs_get(chain, 1);
	if (s == NULL)
		return kerr_set(e, KDC_ERR_CLIENT_NOT_TRUSTED,
		    "certificate '%s': NTAuth store not loaded yet, cannot "
		    "check its issuer '%s'", cv_cert_subject(leaf),
		    cv_cert_subject(ca));
	if (!cv_ntauth_has(s, ca))
		return kerr_set(e, KDC_ERR_CLIENT_NOT_TRUSTED,
		    "certificate '%s': issuing CA '%s' is not in NTAuth "
		    "(trusted for chaining, not for logon)",
		    cv_cert_subject(leaf), cv_cert_subject(ca));
	return 0;
}
