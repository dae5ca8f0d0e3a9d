/*
 * cv_revoke.h - the revocation engine: is any certificate of a verified
 * chain (below its anchor) revoked?
 *
 * Per certificate, in order: a static CRL of its issuer (pkinit_revoke),
 * then the configured methods in preference order (OCSP at the AIA or
 * configured responder URL, CRLs at the HTTP distribution points with
 * delta CRLs).  The first source that gives a verified answer decides.
 * When none does, the failure policy applies: hard refuses with
 * KDC_ERR_REVOCATION_STATUS_UNKNOWN (73: a source answered but the answer
 * was "unknown", unusable or expired, or there is no source) or
 * KDC_ERR_REVOCATION_STATUS_UNAVAILABLE (74: every source was unreachable
 * or timed out); soft allows the logon and reports why.
 *
 * Answers (OCSP good/revoked, CRLs) are cached until their nextUpdate in
 * a cache bounded by count (least recently used entries go first) and
 * refetched in the background shortly before they expire.  A check that
 * needs a fetch is parked; concurrent checks needing the same OCSP status
 * or CRL share one fetch.  Nothing blocks: fetches go through the event
 * loop, callbacks come from it.
 */
#ifndef PKINIT_KDC_CV_REVOKE_H
#define PKINIT_KDC_CV_REVOKE_H

#include <stddef.h>
#include <stdint.h>

#include "cv_cert.h"
#include "kerror.h"

struct loop;
struct cv_revoke;
struct cv_revoke_check;

enum cv_rev_method {
	CV_REV_OCSP = 1,
	CV_REV_CRL = 2,
};

/*
 * How the engine fetches.  The default is HTTP (http_fetch.h); tests
 * plug in their own.  start returns a handle (NULL with e set on
 * immediate failure) and later calls done(token, ...) exactly once from
 * the event loop unless cancelled.
 */
typedef void (*cv_rev_fetch_done)(void *token, const struct kerr *err,
    const uint8_t *body, size_t len);
struct cv_rev_transport {
	void *(*start)(void *arg, const char *url, const char *content_type,
	    const uint8_t *post, size_t post_len, cv_rev_fetch_done done,
	    void *token, struct kerr *e);
	void (*cancel)(void *arg, void *handle);
	void *arg;
};

struct cv_revoke_settings {
	enum cv_rev_method methods[2];   /* preference order */
	size_t n_methods;                /* 0: static CRLs only */
	int hard_fail;
	const char *const *static_crls;  /* "FILE:path" or path, PEM or DER */
	size_t n_static_crls;
	const char *ocsp_url;            /* NULL: the certificate's AIA */
	unsigned int connect_timeout_ms; /* 0: 2000 */
	unsigned int timeout_ms;         /* per fetch, 0: 5000 */
	size_t max_crl_size;             /* 0: 10 MiB */
	unsigned int cache_max;          /* entries, at least 16; 0: 1024 */
	int64_t clockskew;               /* seconds */
	int64_t refresh_ahead;           /* seconds before nextUpdate */
	const struct cv_rev_transport *transport;  /* NULL: HTTP */
};

kerr_t cv_revoke_new(struct loop *l, const struct cv_revoke_settings *s,
    struct cv_revoke **out, struct kerr *e);
/* Pending checks end without callbacks.  May be called from inside a
 * check callback. */
void cv_revoke_free(struct cv_revoke *rv);

struct cv_rev_outcome {
	kerr_t code;            /* 0, KDC_ERR_REVOKED_CERTIFICATE, 73, 74 */
	int soft;               /* code 0 although some status was unknown */
	char msg[KERR_MSG_MAX]; /* the reason (refusal) or the warning (soft) */
	const char *source;     /* "OCSP", "CRL", "static CRL" for code 72 */
	const struct cv_cert *revoked;  /* in the caller's chain, code 72 */
};

typedef void (*cv_revoke_cb)(void *arg, const struct cv_rev_outcome *o);

/*
 * Check chain (verified, leaf first, anchor last; the caller keeps it
 * until the answer or cv_revoke_cancel) at time now.  Returns 0 when
 * decided at once (*out filled, cb never called) or 1 when parked
 * (*check_out set; cb is called later from the event loop).
 */
int cv_revoke_check(struct cv_revoke *rv, const struct cv_certs *chain,
    int64_t now, cv_revoke_cb cb, void *arg,
    struct cv_revoke_check **check_out, struct cv_rev_outcome *out);

/* Forget a parked check; its callback will not be called.  NULL ok. */
void cv_revoke_cancel(struct cv_revoke_check *c);

struct cv_revoke_stats {
	unsigned long fetches;      /* fetches started */
	unsigned long joined;       /* checks that joined a running fetch */
	unsigned long hits;         /* answers taken from the cache */
	unsigned long evictions;
	size_t cached;              /* entries now */
	size_t in_flight;           /* fetches now */
};
void cv_revoke_get_stats(const struct cv_revoke *rv,
    struct cv_revoke_stats *out);

/*
 * TD-INVALID-CERTIFICATES (RFC 4556 section 3.2.2): DER SEQUENCE OF
 * ExternalPrincipalIdentifier holding cert's IssuerAndSerialNumber.
 */
kerr_t cv_invalid_certs_der(const struct cv_cert *cert, uint8_t **der_out,
    size_t *len_out);

#endif
