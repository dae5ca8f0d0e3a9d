/*
 * cv_rev_int.h - inside the revocation engine: its state, the answer
 * cache and fetches (cv_revoke.c) and the per-source evaluation
 * (cv_rev_source.c).  Not for use outside those two files.
 */
#ifndef PKINIT_KDC_CV_REV_INT_H
#define PKINIT_KDC_CV_REV_INT_H

#include <stddef.h>
#include <stdint.h>

#include "cv_revdata.h"
#include "cv_revoke.h"
#include "http_fetch.h"

#define KEY_MAX (HTTP_URL_MAX + 8)
#define MAX_STATIC_CRLS 64
/* Fetches running at once per engine: each holds a socket. */
#define MAX_FETCHES 256

enum ent_kind { ENT_OCSP, ENT_CRL };

struct entry {
	char *key;
	enum ent_kind kind;
	int64_t expires;            /* nextUpdate */
	unsigned long used;         /* LRU clock */
	enum cv_status status;      /* OCSP */
	int64_t revoked_at;
	struct cv_crl *crl;         /* CRL */
};

/* What a fetch produced, handed to each waiter. */
struct result {
	int ok;                     /* data obtained and usable */
	int unavailable;            /* the source could not be reached */
	char msg[KERR_MSG_MAX];
	enum cv_status status;      /* OCSP */
	int64_t revoked_at;
	struct cv_crl *crl;         /* CRL (a reference) */
};

struct fetch {
	struct cv_revoke *rv;
	char *key;
	char *url;
	enum ent_kind kind;
	uint8_t *req;               /* OCSP request as sent */
	size_t req_len;
	struct cv_cert *cert, *issuer;
	int64_t now;
	void *handle;
	struct cv_revoke_check *waiters;
	struct fetch *next;
};

struct cv_revoke_check {
	struct cv_revoke *rv;
	const struct cv_certs *chain;
	int64_t now;
	size_t i;                   /* certificate */
	size_t m;                   /* 0: static CRLs, 1..n: methods */
	cv_revoke_cb cb;
	void *arg;
	struct fetch *waiting;
	struct cv_revoke_check *wnext;
	struct cv_revoke_check *next, *prev;   /* all parked checks */
	char last_key[KEY_MAX];
	struct result last;
	int have_last;
	int n_tried, n_unavailable;
	char notes[KERR_MSG_MAX];
	struct cv_rev_outcome out;
};

struct cv_revoke {
	struct cv_revoke_settings s;
	char *ocsp_url;
	struct cv_crl *statics[MAX_STATIC_CRLS];
	size_t n_statics;
	struct http_client *http;
	struct cv_rev_transport http_tr;
	const struct cv_rev_transport *tr;
	struct entry *cache;
	size_t n_cache;
	unsigned long clock;
	struct fetch *fetches;
	struct cv_revoke_check *checks;
	struct cv_revoke_stats stats;
	unsigned int in_cb;
	int dying;
};

/* What one source said about one certificate. */
enum verdict { V_GOOD, V_REVOKED, V_UNKNOWN, V_UNAVAILABLE, V_NA, V_PENDING };

/* cv_revoke.c */
struct entry *cache_find(struct cv_revoke *rv, const char *key);
struct fetch *fetch_find(struct cv_revoke *rv, const char *key);
/* Start (or join, when ck is not NULL) the fetch for key.  0: a fetch is
 * running; -1: it could not start (why in e). */
int fetch_need(struct cv_revoke *rv, struct cv_revoke_check *ck,
    const char *key, enum ent_kind kind, const char *url,
    const struct cv_cert *cert, const struct cv_cert *issuer, int64_t now,
    struct kerr *e);

/* cv_rev_source.c: a source's verdict on cert (issued by issuer) for the
 * check ck; reasons for failures are added to ck->notes. */
enum verdict eval_static(struct cv_revoke_check *ck,
    const struct cv_cert *cert, const struct cv_cert *issuer);
enum verdict eval_ocsp(struct cv_revoke_check *ck, const struct cv_cert *cert,
    const struct cv_cert *issuer);
enum verdict eval_crl(struct cv_revoke_check *ck, const struct cv_cert *cert,
    const struct cv_cert *issuer);

#endif
