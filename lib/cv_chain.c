/*
 * cv_chain.c - trust store loading and client certificate path
 * validation over X509_STORE, with RFC 4556 error mapping, answered from
 * the store's verified-path cache (cv_vcache.c) when it has one.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "cv_chain.h"
#include "cv_priv.h"
#include "cv_vcache.h"
#include "metrics.h"

struct cv_store {
	X509_STORE *anchors;
	size_t n_anchors;
	/* The anchors as cv_cert, so that verified paths share them. */
	struct cv_cert **anchor_certs;
	struct cv_certs *pool;
	struct cv_vcache *vc;       /* NULL: every path verified in full */
};

/* Bounds on what configuration can make us load. */
#define CV_MAX_FILE_CERTS 1024
#define CV_MAX_DIR_FILES 4096

typedef int (*cert_sink)(void *arg, X509 *x);

/* Every certificate of a PEM file, or the single one of a DER file. */
static int
load_file(const char *path, cert_sink sink, void *arg, struct kerr *e)
{
	BIO *b;
	X509 *x;
	int n = 0;

	b = BIO_new_file(path, "rb");
	if (b == NULL) {
		kerr_set(e, KRB_ERR_GENERIC, "cannot open %s", path);
		return -1;
	}
	ERR_set_mark();
	while (n < CV_MAX_FILE_CERTS &&
	    (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (sink(arg, x) != 0) {
			X509_free(x);
			n = -1;
			break;
		}
		X509_free(x);
		n++;
	}
	if (n == 0) {
		(void)BIO_reset(b);
		x = d2i_X509_bio(b, NULL);
		if (x != NULL) {
			n = sink(arg, x) == 0 ? 1 : -1;
			X509_free(x);
		}
	}
	ERR_pop_to_mark();
	BIO_free(b);
	if (n < 0)
		kerr_set(e, KRB_ERR_GENERIC, "cannot keep certificates of %s",
		    path);
	else if (n == 0)
		kerr_set(e, KRB_ERR_GENERIC, "%s holds no certificate", path);
	return n;
}

static int
cert_file_name(const char *name)
{
	const char *dot = strrchr(name, '.');

	return name[0] != '.' && dot != NULL && (strcmp(dot, ".pem") == 0 ||
	    strcmp(dot, ".crt") == 0 || strcmp(dot, ".cer") == 0);
}

static int
load_dir(const char *path, cert_sink sink, void *arg, struct kerr *e)
{
	DIR *d;
	struct dirent *de;
	struct stat st;
	char file[4096];
	int n, total = 0, files = 0;

	d = opendir(path);
	if (d == NULL) {
		kerr_set(e, KRB_ERR_GENERIC, "cannot open directory %s", path);
		return -1;
	}
	while ((de = readdir(d)) != NULL && files < CV_MAX_DIR_FILES) {
		if (!cert_file_name(de->d_name))
			continue;
		if ((size_t)snprintf(file, sizeof(file), "%s/%s", path,
		    de->d_name) >= sizeof(file))
			continue;
		if (stat(file, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		files++;
		/* One unreadable file in a directory does not disable the
		 * rest. */
		n = load_file(file, sink, arg, e);
		if (n > 0)
			total += n;
	}
	closedir(d);
	if (total == 0)
		kerr_set(e, KRB_ERR_GENERIC, "no certificate in %s", path);
	return total;
}

static int
load_location(const char *loc, cert_sink sink, void *arg, struct kerr *e)
{
	if (strncmp(loc, "FILE:", 5) == 0)
		return load_file(loc + 5, sink, arg, e);
	if (strncmp(loc, "DIR:", 4) == 0)
		return load_dir(loc + 4, sink, arg, e);
	return load_file(loc, sink, arg, e);
}

int
cv_load_location(const char *loc, cv_cert_sink sink, void *arg,
    struct kerr *e)
{
	return load_location(loc, sink, arg, e);
}

static int
anchor_sink(void *arg, X509 *x)
{
	struct cv_store *s = arg;
	struct cv_cert **nv, *c;

	/* The same anchor listed twice is harmless. */
	ERR_set_mark();
	if (!X509_STORE_add_cert(s->anchors, x)) {
		ERR_pop_to_mark();
		return 0;
	}
	ERR_pop_to_mark();
	nv = realloc(s->anchor_certs, (s->n_anchors + 1) * sizeof(*nv));
	if (nv == NULL)
		return -1;
	s->anchor_certs = nv;
	c = cv_cert_wrap(x);
	if (c == NULL)
		return -1;
	s->anchor_certs[s->n_anchors++] = c;
	return 0;
}

static int
pool_sink(void *arg, X509 *x)
{
	struct cv_store *s = arg;
	struct cv_cert *c;
	int r;

	c = cv_cert_wrap(x);
	if (c == NULL)
		return -1;
	r = cv_certs_add(s->pool, c);
	cv_cert_free(c);
	return r;
}

void
cv_store_free(struct cv_store *s)
{
	size_t i;

	if (s == NULL)
		return;
	cv_vcache_free(s->vc);
	X509_STORE_free(s->anchors);
	for (i = 0; i < s->n_anchors; i++)
		cv_cert_free(s->anchor_certs[i]);
	free(s->anchor_certs);
	cv_certs_free(s->pool);
	free(s);
}

kerr_t
cv_store_load(const char *const *anchors, size_t n_anchors,
    const char *const *pool, size_t n_pool, struct cv_store **out,
    struct kerr *e)
{
	struct cv_store *s;
	size_t i;
	kerr_t ret = KRB_ERR_GENERIC;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return kerr_set(e, ret, "out of memory");
	s->anchors = X509_STORE_new();
	s->pool = cv_certs_new();
	if (s->anchors == NULL || s->pool == NULL) {
		kerr_set(e, ret, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < n_anchors; i++) {
		if (load_location(anchors[i], anchor_sink, s, e) <= 0) {
			kerr_prefix(e, "pkinit_anchors %s: ", anchors[i]);
			goto cleanup;
		}
	}
	if (s->n_anchors == 0) {
		kerr_set(e, ret, "pkinit_anchors: no trust anchor loaded");
		goto cleanup;
	}
	for (i = 0; i < n_pool; i++) {
		if (load_location(pool[i], pool_sink, s, e) <= 0) {
			kerr_prefix(e, "pkinit_pool %s: ", pool[i]);
			goto cleanup;
		}
	}
	*out = s;
	s = NULL;
	ret = 0;
cleanup:
	cv_store_free(s);
	return ret;
}

size_t
cv_store_anchor_count(const struct cv_store *s)
{
	return s->n_anchors;
}

size_t
cv_store_pool_count(const struct cv_store *s)
{
	return cv_certs_count(s->pool);
}

static kerr_t
map_verify_error(int err)
{
	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_CHAIN_TOO_LONG:
		return KDC_ERR_CANT_VERIFY_CERTIFICATE;
	case X509_V_ERR_CERT_REVOKED:
		return KDC_ERR_REVOKED_CERTIFICATE;
	default:
		return KDC_ERR_INVALID_CERTIFICATE;
	}
}

static char *
subject_of(X509 *x)
{
	struct cv_cert *c;
	char *s;

	if (x == NULL || (c = cv_cert_wrap(x)) == NULL)
		return NULL;
	s = strdup(cv_cert_subject(c));
	cv_cert_free(c);
	return s;
}

/*
 * The cv_cert for a certificate of a verified path: the caller's leaf or
 * one the client sent, a pool or anchor certificate of the store (the path
 * holds the very X509 objects it was given), else a new wrapping.  Shared
 * objects keep a cached path small and save the wrapping work.
 */
static struct cv_cert *
path_member(const struct cv_store *s, const struct cv_cert *leaf,
    const struct cv_certs *untrusted, X509 *x)
{
	struct cv_cert *c;
	size_t i;

	if (cv_cert_x509(leaf) == x)
		return cv_cert_ref((struct cv_cert *)leaf);
	for (i = 0; i < cv_certs_count(untrusted); i++) {
		c = cv_certs_get(untrusted, i);
		if (cv_cert_x509(c) == x)
			return cv_cert_ref(c);
	}
	for (i = 0; i < cv_certs_count(s->pool); i++) {
		c = cv_certs_get(s->pool, i);
		if (cv_cert_x509(c) == x)
			return cv_cert_ref(c);
	}
	for (i = 0; i < s->n_anchors; i++) {
		if (cv_cert_x509(s->anchor_certs[i]) == x)
			return cv_cert_ref(s->anchor_certs[i]);
	}
	return cv_cert_wrap(x);
}

/* The full check: path building and verification by OpenSSL. */
static kerr_t
verify_path(const struct cv_store *s, const struct cv_cert *leaf,
    const struct cv_certs *untrusted, int64_t at, struct cv_certs **chain_out,
    struct kerr *e)
{
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *inter = NULL, *path;
	struct cv_certs *chain = NULL;
	struct cv_cert *c;
	X509 *bad;
	char *bad_subject = NULL;
	int err, depth, i;
	size_t k;
	kerr_t ret = KRB_ERR_GENERIC;

	inter = cv_certs_stack(untrusted);
	if (inter == NULL) {
		kerr_set(e, ret, "out of memory");
		goto cleanup;
	}
	for (k = 0; k < cv_certs_count(s->pool); k++) {
		X509 *x = cv_cert_x509(cv_certs_get(s->pool, k));

		if (!X509_up_ref(x) || !sk_X509_push(inter, x)) {
			kerr_set(e, ret, "out of memory");
			goto cleanup;
		}
	}
	ctx = X509_STORE_CTX_new();
	if (ctx == NULL || !X509_STORE_CTX_init(ctx, s->anchors,
	    cv_cert_x509(leaf), inter)) {
		kerr_set(e, ret, "out of memory");
		goto cleanup;
	}
	X509_STORE_CTX_set_time(ctx, 0, (time_t)at);
	/*
	 * Every certificate in pkinit_anchors is a trust anchor, also an
	 * issuing CA listed without its root (as with an NTAuth-style store
	 * of logon CAs).
	 */
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_PARTIAL_CHAIN);
	/* Max number of intermediates between leaf and anchor. */
	X509_STORE_CTX_set_depth(ctx, CV_MAX_CHAIN_DEPTH - 2);
	/*
	 * No OpenSSL purpose is set: the only key-purpose rules are those of
	 * RFC 4556 in cv_check_client_usage (OpenSSL's SSL client purpose
	 * would wrongly demand clientAuth).
	 */
	if (X509_verify_cert(ctx) != 1) {
		err = X509_STORE_CTX_get_error(ctx);
		depth = X509_STORE_CTX_get_error_depth(ctx);
		bad = X509_STORE_CTX_get_current_cert(ctx);
		bad_subject = subject_of(bad);
		ret = map_verify_error(err);
		if (bad_subject != NULL && depth > 0)
			kerr_set(e, ret, "certificate '%s': chain verification "
			    "failed at '%s' (depth %d): %s",
			    cv_cert_subject(leaf), bad_subject, depth,
			    X509_verify_cert_error_string(err));
		else
			kerr_set(e, ret, "certificate '%s': chain verification "
			    "failed: %s", cv_cert_subject(leaf),
			    X509_verify_cert_error_string(err));
		goto cleanup;
	}
	if (chain_out != NULL) {
		path = X509_STORE_CTX_get0_chain(ctx);
		chain = cv_certs_new();
		if (chain == NULL) {
			kerr_set(e, ret, "out of memory");
			goto cleanup;
		}
		for (i = 0; i < sk_X509_num(path); i++) {
			c = path_member(s, leaf, untrusted,
			    sk_X509_value(path, i));
			if (c == NULL || cv_certs_add(chain, c) != 0) {
				cv_cert_free(c);
				kerr_set(e, ret, "out of memory");
				goto cleanup;
			}
			cv_cert_free(c);
		}
		*chain_out = chain;
		chain = NULL;
	}
	ret = 0;
cleanup:
	free(bad_subject);
	cv_certs_free(chain);
	X509_STORE_CTX_free(ctx);
	sk_X509_pop_free(inter, X509_free);
	return ret;
}

kerr_t
cv_verify(const struct cv_store *s, const struct cv_cert *leaf,
    const struct cv_certs *untrusted, int64_t at, struct cv_certs **chain_out,
    struct kerr *e)
{
	uint8_t key[CV_VCACHE_KEY_LEN];
	struct cv_certs *chain = NULL;
	kerr_t ret;

	if (s->vc == NULL || cv_vcache_key(s->vc, leaf, untrusted, key) != 0)
		return verify_path(s, leaf, untrusted, at, chain_out, e);
	if (cv_vcache_get(s->vc, key, at, &chain)) {
		metrics_counter_add("cert_chain_cache_hits_total", 1);
		if (chain_out != NULL)
			*chain_out = chain;
		else
			cv_certs_free(chain);
		return 0;
	}
	metrics_counter_add("cert_chain_cache_misses_total", 1);
	/* Failures are not kept: the next attempt gets the full check and
	 * its precise message again. */
	ret = verify_path(s, leaf, untrusted, at, &chain, e);
	if (ret)
		return ret;
	cv_vcache_put(s->vc, key, chain, at);
	if (chain_out != NULL)
		*chain_out = chain;
	else
		cv_certs_free(chain);
	return 0;
}

kerr_t
cv_store_chain_cache(struct cv_store *s, int64_t ttl, size_t max_entries,
    struct kerr *e)
{
	struct cv_vcache *vc = NULL;

	if (ttl > 0) {
		vc = cv_vcache_new(max_entries, ttl);
		if (vc == NULL)
			return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		/* Exported at zero from the start, so rate() works. */
		(void)metrics_describe("cert_chain_cache_hits_total",
		    METRICS_COUNTER, "Client certificate paths answered from "
		    "the verified-path cache");
		(void)metrics_describe("cert_chain_cache_misses_total",
		    METRICS_COUNTER, "Client certificate paths verified in "
		    "full with the verified-path cache on");
	}
	cv_vcache_free(s->vc);
	s->vc = vc;
	return 0;
}

void
cv_store_chain_cache_stats(const struct cv_store *s,
    struct cv_vcache_stats *out)
{
	cv_vcache_get_stats(s->vc, out);
}

/* id-pkinit-KPClientAuth and Microsoft Smart Card Logon. */
#define OID_KP_CLIENT_AUTH "1.3.6.1.5.2.3.4"
#define OID_MS_SC_LOGON "1.3.6.1.4.1.311.20.2.2"

kerr_t
cv_check_client_usage(const struct cv_cert *leaf, struct kerr *e)
{
	X509 *x = cv_cert_x509(leaf);
	EXTENDED_KEY_USAGE *eku = NULL;
	uint32_t flags;
	char buf[64];
	int i, crit = 0, found = 0;
	kerr_t ret = KDC_ERR_INCONSISTENT_KEY_PURPOSE;

	flags = X509_get_extension_flags(x);
	if (flags & EXFLAG_INVALID) {
		ret = kerr_set(e, KDC_ERR_INVALID_CERTIFICATE, "certificate "
		    "'%s': malformed extensions", cv_cert_subject(leaf));
		goto cleanup;
	}
	if ((flags & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE)) {
		kerr_set(e, ret, "certificate '%s': keyUsage lacks "
		    "digitalSignature", cv_cert_subject(leaf));
		goto cleanup;
	}
	eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);
	if (eku == NULL) {
		kerr_set(e, ret, "certificate '%s': no extendedKeyUsage (needs "
		    "Smart Card Logon or id-pkinit-KPClientAuth)",
		    cv_cert_subject(leaf));
		goto cleanup;
	}
	for (i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
		if (OBJ_obj2txt(buf, sizeof(buf), sk_ASN1_OBJECT_value(eku, i),
		    1) <= 0)
			continue;
		if (strcmp(buf, OID_KP_CLIENT_AUTH) == 0 ||
		    strcmp(buf, OID_MS_SC_LOGON) == 0)
			found = 1;
	}
	if (!found) {
		kerr_set(e, ret, "certificate '%s': EKU lacks Smart Card Logon "
		    "and id-pkinit-KPClientAuth", cv_cert_subject(leaf));
		goto cleanup;
	}
	ret = 0;
cleanup:
	EXTENDED_KEY_USAGE_free(eku);
	return ret;
}
