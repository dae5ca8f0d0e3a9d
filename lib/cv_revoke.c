/*
 * cv_revoke.c - the revocation engine (see cv_revoke.h): per-certificate
 * source order, the answer cache, in-flight fetch sharing and the
 * callbacks that resume parked checks.
 *
 * A check walks the chain with a cursor (certificate, source).  When a
 * source needs data that is neither cached nor just delivered, the check
 * joins the fetch for that key (starting it if nobody has) and returns;
 * the fetch's completion hands each waiter the result and runs it again
 * from the same cursor.  Cached CRLs are verified against the issuer on
 * every use (the cache is keyed by URL, which anyone could point at).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "asn1_pkinit.h"
#include "cv_priv.h"
#include "cv_revdata.h"
#include "cv_revoke.h"
#include "http_fetch.h"
#include "log.h"

#define KEY_MAX (HTTP_URL_MAX + 8)
#define MAX_STATIC_CRLS 64

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

static void run(struct cv_revoke_check *ck);

/* ---- HTTP transport ---- */

static void *
http_start(void *arg, const char *url, const char *ctype, const uint8_t *post,
    size_t post_len, cv_rev_fetch_done done, void *token, struct kerr *e)
{
	return http_fetch_start(arg, url, ctype, post, post_len,
	    (http_fetch_cb)done, token, e);
}

static void
http_cancel(void *arg, void *handle)
{
	(void)arg;
	http_fetch_cancel(handle);
}

/* ---- cache ---- */

static struct entry *
cache_find(struct cv_revoke *rv, const char *key)
{
	size_t i;

	for (i = 0; i < rv->n_cache; i++) {
		if (strcmp(rv->cache[i].key, key) == 0)
			return &rv->cache[i];
	}
	return NULL;
}

static void
entry_clear(struct entry *en)
{
	free(en->key);
	cv_crl_free(en->crl);
	memset(en, 0, sizeof(*en));
}

static void
cache_put(struct cv_revoke *rv, const char *key, enum ent_kind kind,
    int64_t expires, enum cv_status st, int64_t revoked_at, struct cv_crl *crl)
{
	struct entry *en = cache_find(rv, key);
	size_t i, old = 0;
	char *k;

	if (en == NULL) {
		if (rv->n_cache < rv->s.cache_max) {
			en = &rv->cache[rv->n_cache++];
		} else {
			for (i = 1; i < rv->n_cache; i++) {
				if (rv->cache[i].used < rv->cache[old].used)
					old = i;
			}
			en = &rv->cache[old];
			rv->stats.evictions++;
		}
		k = strdup(key);
		if (k == NULL)
			return;
		entry_clear(en);
		en->key = k;
	} else {
		cv_crl_free(en->crl);
		en->crl = NULL;
	}
	en->kind = kind;
	en->expires = expires;
	en->used = ++rv->clock;
	en->status = st;
	en->revoked_at = revoked_at;
	en->crl = crl != NULL ? cv_crl_ref(crl) : NULL;
}

/* ---- fetches ---- */

static struct fetch *
fetch_find(struct cv_revoke *rv, const char *key)
{
	struct fetch *f;

	for (f = rv->fetches; f != NULL; f = f->next) {
		if (strcmp(f->key, key) == 0)
			return f;
	}
	return NULL;
}

static void
fetch_unlink(struct fetch *f)
{
	struct fetch **pp;

	for (pp = &f->rv->fetches; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	}
	f->rv->stats.in_flight--;
}

static void
fetch_free(struct fetch *f)
{
	if (f == NULL)
		return;
	free(f->key);
	free(f->url);
	free(f->req);
	cv_cert_free(f->cert);
	cv_cert_free(f->issuer);
	free(f);
}

static void
check_unlink(struct cv_revoke_check *ck)
{
	if (ck->prev != NULL)
		ck->prev->next = ck->next;
	else if (ck->rv->checks == ck)
		ck->rv->checks = ck->next;
	if (ck->next != NULL)
		ck->next->prev = ck->prev;
	ck->next = ck->prev = NULL;
}

static void
destroy(struct cv_revoke *rv)
{
	struct cv_revoke_check *ck;
	struct fetch *f;
	size_t i;

	while ((f = rv->fetches) != NULL) {
		rv->fetches = f->next;
		rv->tr->cancel(rv->tr->arg, f->handle);
		fetch_free(f);
	}
	while ((ck = rv->checks) != NULL) {
		check_unlink(ck);
		cv_crl_free(ck->last.crl);
		free(ck);
	}
	http_client_free(rv->http);
	for (i = 0; i < rv->n_cache; i++)
		entry_clear(&rv->cache[i]);
	free(rv->cache);
	for (i = 0; i < rv->n_statics; i++)
		cv_crl_free(rv->statics[i]);
	free(rv->ocsp_url);
	free(rv);
}

void
cv_revoke_free(struct cv_revoke *rv)
{
	if (rv == NULL)
		return;
	if (rv->in_cb > 0) {
		rv->dying = 1;
		return;
	}
	destroy(rv);
}

/* Turn what came back into a result (and a cache entry when it is an
 * answer with a lifetime). */
static void
fetch_result(struct fetch *f, const struct kerr *err, const uint8_t *body,
    size_t len, struct result *r)
{
	struct cv_revoke *rv = f->rv;
	struct cv_ocsp_answer a;
	struct kerr e;

	memset(r, 0, sizeof(*r));
	kerr_clear(&e);
	if (err->code != 0) {
		r->unavailable = 1;
		snprintf(r->msg, sizeof(r->msg), "%.500s", err->msg);
		return;
	}
	if (f->kind == ENT_OCSP) {
		if (cv_ocsp_verify(f->req, f->req_len, body, len, f->cert,
		    f->issuer, f->now, rv->s.clockskew, &a, &e) != 0) {
			snprintf(r->msg, sizeof(r->msg), "%.200s: %.300s",
			    f->url, e.msg);
			return;
		}
		if (a.status == CV_STATUS_UNKNOWN) {
			snprintf(r->msg, sizeof(r->msg), "OCSP responder %.300s "
			    "answered 'unknown' for serial %.80s", f->url,
			    cv_cert_serial_hex(f->cert));
			return;
		}
		r->ok = 1;
		r->status = a.status;
		r->revoked_at = a.revoked_at;
		/* RFC 6960 section 4.2.2.1: without nextUpdate newer
		 * information is always available: used once, not kept. */
		if (a.next_update > f->now)
			cache_put(rv, f->key, ENT_OCSP, a.next_update, a.status,
			    a.revoked_at, NULL);
		return;
	}
	if (len > rv->s.max_crl_size) {
		snprintf(r->msg, sizeof(r->msg), "%s: CRL too large", f->url);
		return;
	}
	if (cv_crl_parse(body, len, &r->crl, &e) != 0) {
		snprintf(r->msg, sizeof(r->msg), "%.200s: %.300s", f->url,
		    e.msg);
		return;
	}
	r->ok = 1;
	if (cv_crl_next_update(r->crl) > f->now)
		cache_put(rv, f->key, ENT_CRL, cv_crl_next_update(r->crl),
		    CV_STATUS_GOOD, 0, r->crl);
}

static void
fetch_done(void *token, const struct kerr *err, const uint8_t *body,
    size_t len)
{
	struct fetch *f = token;
	struct cv_revoke *rv = f->rv;
	struct cv_revoke_check *ck;
	struct result r;

	fetch_unlink(f);
	fetch_result(f, err, body, len, &r);
	if (f->waiters == NULL && !r.ok)
		log_msg(LOG_LVL_WARNING, "revocation data from %s not usable: %s",
		    f->url, r.msg);
	rv->in_cb++;
	while ((ck = f->waiters) != NULL && !rv->dying) {
		f->waiters = ck->wnext;
		ck->wnext = NULL;
		ck->waiting = NULL;
		snprintf(ck->last_key, sizeof(ck->last_key), "%s", f->key);
		cv_crl_free(ck->last.crl);
		ck->last = r;
		if (r.crl != NULL)
			cv_crl_ref(r.crl);
		ck->have_last = 1;
		run(ck);
	}
	rv->in_cb--;
	cv_crl_free(r.crl);
	fetch_free(f);
	if (rv->dying && rv->in_cb == 0)
		destroy(rv);
}

/* Start (or join, when ck is not NULL) the fetch for key.  0: a fetch is
 * running; -1: it could not start (why in e). */
static int
fetch_need(struct cv_revoke *rv, struct cv_revoke_check *ck, const char *key,
    enum ent_kind kind, const char *url, const struct cv_cert *cert,
    const struct cv_cert *issuer, int64_t now, struct kerr *e)
{
	struct fetch *f = fetch_find(rv, key);

	if (f == NULL) {
		f = calloc(1, sizeof(*f));
		if (f == NULL)
			return kerr_set(e, KRB_ERR_GENERIC, "out of memory"), -1;
		f->rv = rv;
		f->kind = kind;
		f->now = now;
		f->key = strdup(key);
		f->url = strdup(url);
		f->cert = cv_cert_ref((struct cv_cert *)cert);
		f->issuer = cv_cert_ref((struct cv_cert *)issuer);
		if (f->key == NULL || f->url == NULL ||
		    (kind == ENT_OCSP && cv_ocsp_request(cert, issuer, &f->req,
		    &f->req_len, e) != 0)) {
			fetch_free(f);
			if (e->code == 0)
				kerr_set(e, KRB_ERR_GENERIC, "out of memory");
			return -1;
		}
		f->handle = rv->tr->start(rv->tr->arg, url, kind == ENT_OCSP ?
		    "application/ocsp-request" : NULL, f->req, f->req_len,
		    fetch_done, f, e);
		if (f->handle == NULL) {
			fetch_free(f);
			return -1;
		}
		f->next = rv->fetches;
		rv->fetches = f;
		rv->stats.fetches++;
		rv->stats.in_flight++;
	} else if (ck != NULL) {
		rv->stats.joined++;
	}
	if (ck != NULL) {
		ck->wnext = f->waiters;
		f->waiters = ck;
		ck->waiting = f;
	}
	return 0;
}

/* ---- evaluation of one source ---- */

enum verdict { V_GOOD, V_REVOKED, V_UNKNOWN, V_UNAVAILABLE, V_NA, V_PENDING };

/* Append "a b" to the reasons gathered for the current certificate. */
static void
append(char *buf, size_t size, const char *s)
{
	size_t off = strlen(buf), n = strlen(s);

	if (off + 1 >= size)
		return;
	if (n > size - off - 1)
		n = size - off - 1;
	memcpy(buf + off, s, n);
	buf[off + n] = '\0';
}

static void
note(struct cv_revoke_check *ck, const char *a, const char *b)
{
	if (ck->notes[0] != '\0')
		append(ck->notes, sizeof(ck->notes), "; ");
	append(ck->notes, sizeof(ck->notes), a);
	append(ck->notes, sizeof(ck->notes), b);
}

/* Take the delivered result for key, if that is what it is for. */
static int
take_last(struct cv_revoke_check *ck, const char *key, struct result *r)
{
	if (!ck->have_last || strcmp(ck->last_key, key) != 0)
		return 0;
	*r = ck->last;
	memset(&ck->last, 0, sizeof(ck->last));
	ck->have_last = 0;
	return 1;
}

/* Refetch an entry that will expire soon, nobody waiting. */
static void
refresh_ahead(struct cv_revoke *rv, const struct entry *en, const char *url,
    const struct cv_cert *cert, const struct cv_cert *issuer, int64_t now)
{
	struct kerr e;

	if (rv->s.refresh_ahead <= 0 || en->expires - now > rv->s.refresh_ahead ||
	    fetch_find(rv, en->key) != NULL)
		return;
	kerr_clear(&e);
	if (fetch_need(rv, NULL, en->key, en->kind, url, cert, issuer, now,
	    &e) != 0)
		log_msg(LOG_LVL_WARNING, "revocation refresh of %s: %s", url,
		    e.msg);
}

static enum verdict
eval_ocsp(struct cv_revoke_check *ck, const struct cv_cert *cert,
    const struct cv_cert *issuer)
{
	struct cv_revoke *rv = ck->rv;
	struct cv_blobs *urls = NULL;
	char key[KEY_MAX], url[HTTP_URL_MAX];
	struct entry *en;
	struct result r;
	struct kerr e;

	kerr_clear(&e);
	if (rv->ocsp_url != NULL) {
		snprintf(url, sizeof(url), "%s", rv->ocsp_url);
	} else {
		if (cv_cert_urls(cert, CV_URL_OCSP, &urls, &e) != 0 ||
		    urls->n == 0) {
			cv_blobs_free(urls);
			note(ck, "no OCSP URL", "");
			return V_NA;
		}
		snprintf(url, sizeof(url), "%s", (char *)urls->v[0].data);
		cv_blobs_free(urls);
	}
	snprintf(key, sizeof(key), "O:%s:%s", cv_cert_sha1_hex(issuer),
	    cv_cert_serial_hex(cert));
	if (take_last(ck, key, &r)) {
		ck->n_tried++;
		if (!r.ok) {
			note(ck, "OCSP: ", r.msg);
			if (r.unavailable)
				ck->n_unavailable++;
			return r.unavailable ? V_UNAVAILABLE : V_UNKNOWN;
		}
		ck->out.source = "OCSP";
		return r.status == CV_STATUS_REVOKED ? V_REVOKED : V_GOOD;
	}
	en = cache_find(rv, key);
	if (en != NULL && en->expires >= ck->now) {
		rv->stats.hits++;
		en->used = ++rv->clock;
		ck->out.source = "OCSP";
		refresh_ahead(rv, en, url, cert, issuer, ck->now);
		return en->status == CV_STATUS_REVOKED ? V_REVOKED : V_GOOD;
	}
	if (fetch_need(rv, ck, key, ENT_OCSP, url, cert, issuer, ck->now,
	    &e) != 0) {
		ck->n_tried++;
		ck->n_unavailable++;
		note(ck, "OCSP: ", e.msg);
		return V_UNAVAILABLE;
	}
	return V_PENDING;
}

/* A verified CRL from url for cert: 0 with *crl_out (a reference), or a
 * verdict (pending, unknown, unavailable). */
static enum verdict
get_crl(struct cv_revoke_check *ck, const char *url,
    const struct cv_cert *cert, const struct cv_cert *issuer,
    struct cv_crl **crl_out)
{
	struct cv_revoke *rv = ck->rv;
	char key[KEY_MAX];
	struct entry *en;
	struct result r;
	struct kerr e;

	kerr_clear(&e);
	snprintf(key, sizeof(key), "C:%s", url);
	*crl_out = NULL;
	if (take_last(ck, key, &r)) {
		if (!r.ok) {
			ck->n_tried++;
			note(ck, "CRL: ", r.msg);
			if (r.unavailable)
				ck->n_unavailable++;
			return r.unavailable ? V_UNAVAILABLE : V_UNKNOWN;
		}
		*crl_out = r.crl;
	} else if ((en = cache_find(rv, key)) != NULL &&
	    en->expires >= ck->now) {
		rv->stats.hits++;
		en->used = ++rv->clock;
		*crl_out = cv_crl_ref(en->crl);
		refresh_ahead(rv, en, url, cert, issuer, ck->now);
	} else if (fetch_need(rv, ck, key, ENT_CRL, url, cert, issuer,
	    ck->now, &e) != 0) {
		ck->n_tried++;
		ck->n_unavailable++;
		note(ck, "CRL: ", e.msg);
		return V_UNAVAILABLE;
	} else {
		return V_PENDING;
	}
	if (cv_crl_verify(*crl_out, issuer, ck->now, rv->s.clockskew,
	    &e) != 0) {
		ck->n_tried++;
		note(ck, "CRL: ", e.msg);
		cv_crl_free(*crl_out);
		*crl_out = NULL;
		return V_UNKNOWN;
	}
	return V_GOOD;
}

static enum verdict
eval_crl(struct cv_revoke_check *ck, const struct cv_cert *cert,
    const struct cv_cert *issuer)
{
	struct cv_blobs *urls = NULL, *durls = NULL;
	struct cv_crl *base = NULL, *delta = NULL;
	enum verdict v;
	struct kerr e;
	int64_t when = 0;

	kerr_clear(&e);
	if (cv_cert_urls(cert, CV_URL_CRL, &urls, &e) != 0 || urls->n == 0) {
		cv_blobs_free(urls);
		note(ck, "no HTTP CRL distribution point", "");
		return V_NA;
	}
	v = get_crl(ck, (char *)urls->v[0].data, cert, issuer, &base);
	if (v != V_GOOD)
		goto cleanup;
	/* RFC 5280 section 5.2.6: a freshest CRL pointer in the certificate
	 * or the base CRL means a delta CRL must be consulted too. */
	if (cv_cert_urls(cert, CV_URL_FRESHEST, &durls, &e) == 0 &&
	    durls->n == 0) {
		cv_blobs_free(durls);
		durls = NULL;
		if (cv_crl_freshest_urls(base, &durls, &e) != 0)
			durls = NULL;
	}
	if (durls != NULL && durls->n > 0) {
		v = get_crl(ck, (char *)durls->v[0].data, cert, issuer, &delta);
		if (v != V_GOOD)
			goto cleanup;
		if (cv_crl_delta_fits(base, delta, &e) != 0) {
			ck->n_tried++;
			note(ck, e.msg, "");
			v = V_UNKNOWN;
			goto cleanup;
		}
	}
	ck->out.source = "CRL";
	v = cv_crl_status(base, delta, cert, &when) == CV_STATUS_REVOKED ?
	    V_REVOKED : V_GOOD;
cleanup:
	cv_blobs_free(urls);
	cv_blobs_free(durls);
	cv_crl_free(base);
	cv_crl_free(delta);
	return v;
}

static enum verdict
eval_static(struct cv_revoke_check *ck, const struct cv_cert *cert,
    const struct cv_cert *issuer)
{
	struct cv_revoke *rv = ck->rv;
	struct kerr e;
	int64_t when;
	size_t i;
	int covered = 0;

	for (i = 0; i < rv->n_statics; i++) {
		if (!cv_crl_covers(rv->statics[i], cert))
			continue;
		covered = 1;
		kerr_clear(&e);
		if (cv_crl_verify(rv->statics[i], issuer, ck->now,
		    rv->s.clockskew, &e) != 0) {
			note(ck, "static ", e.msg);
			continue;
		}
		ck->out.source = "static CRL";
		return cv_crl_status(rv->statics[i], NULL, cert, &when) ==
		    CV_STATUS_REVOKED ? V_REVOKED : V_GOOD;
	}
	if (covered)
		ck->n_tried++;
	return covered ? V_UNKNOWN : V_NA;
}

/* ---- the walk ---- */

static void
finish(struct cv_revoke_check *ck, int parked)
{
	if (!parked)
		return;
	check_unlink(ck);
	cv_crl_free(ck->last.crl);
	ck->cb(ck->arg, &ck->out);
	free(ck);
}

static int
walk(struct cv_revoke_check *ck)
{
	struct cv_revoke *rv = ck->rv;
	size_t n = cv_certs_count(ck->chain);
	const struct cv_cert *cert, *issuer;
	enum verdict v;
	kerr_t code;

	for (; ck->i + 1 < n; ck->i++, ck->m = 0) {
		cert = cv_certs_get(ck->chain, ck->i);
		issuer = cv_certs_get(ck->chain, ck->i + 1);
		if (ck->m == 0) {
			ck->notes[0] = '\0';
			ck->n_tried = ck->n_unavailable = 0;
		}
		v = V_NA;
		for (; ck->m <= rv->s.n_methods; ck->m++) {
			if (ck->m == 0)
				v = eval_static(ck, cert, issuer);
			else if (rv->s.methods[ck->m - 1] == CV_REV_OCSP)
				v = eval_ocsp(ck, cert, issuer);
			else
				v = eval_crl(ck, cert, issuer);
			if (v == V_PENDING)
				return 1;
			if (v == V_GOOD || v == V_REVOKED)
				break;
		}
		if (v == V_GOOD)
			continue;
		if (v == V_REVOKED) {
			ck->out.code = KDC_ERR_REVOKED_CERTIFICATE;
			ck->out.revoked = cert;
			snprintf(ck->out.msg, sizeof(ck->out.msg),
			    "certificate '%s' serial %s issued by '%s' is "
			    "revoked (%s)", cv_cert_subject(cert),
			    cv_cert_serial_hex(cert), cv_cert_issuer(cert),
			    ck->out.source);
			return 0;
		}
		/* No source decided.  With no online method and no static
		 * CRL for this issuer, nothing was asked of us. */
		if (rv->s.n_methods == 0 && ck->n_tried == 0)
			continue;
		code = ck->n_tried > 0 && ck->n_tried == ck->n_unavailable ?
		    KDC_ERR_REVOCATION_STATUS_UNAVAILABLE :
		    KDC_ERR_REVOCATION_STATUS_UNKNOWN;
		if (!rv->s.hard_fail) {
			ck->out.soft = 1;
			snprintf(ck->out.msg, sizeof(ck->out.msg),
			    "revocation status of '%.100s' serial %s %s, allowed "
			    "(pkinit_revocation_failure = soft): %.300s",
			    cv_cert_subject(cert), cv_cert_serial_hex(cert),
			    code == KDC_ERR_REVOCATION_STATUS_UNKNOWN ?
			    "unknown" : "unavailable", ck->notes);
			continue;
		}
		ck->out.code = code;
		snprintf(ck->out.msg, sizeof(ck->out.msg),
		    "revocation status of '%.100s' serial %s issued by "
		    "'%.100s' %s: %.250s",
		    cv_cert_subject(cert), cv_cert_serial_hex(cert),
		    cv_cert_issuer(cert),
		    code == KDC_ERR_REVOCATION_STATUS_UNKNOWN ? "unknown" :
		    "unavailable", ck->notes);
		return 0;
	}
	return 0;
}

static void
run(struct cv_revoke_check *ck)
{
	if (walk(ck) == 0)
		finish(ck, 1);
}

int
cv_revoke_check(struct cv_revoke *rv, const struct cv_certs *chain,
    int64_t now, cv_revoke_cb cb, void *arg,
    struct cv_revoke_check **check_out, struct cv_rev_outcome *out)
{
	struct cv_revoke_check *ck;

	memset(out, 0, sizeof(*out));
	ck = calloc(1, sizeof(*ck));
	if (ck == NULL) {
		out->code = KDC_ERR_REVOCATION_STATUS_UNKNOWN;
		snprintf(out->msg, sizeof(out->msg), "out of memory");
		return 0;
	}
	ck->rv = rv;
	ck->chain = chain;
	ck->now = now;
	ck->cb = cb;
	ck->arg = arg;
	if (walk(ck) == 1) {
		ck->next = rv->checks;
		if (ck->next != NULL)
			ck->next->prev = ck;
		rv->checks = ck;
		*check_out = ck;
		return 1;
	}
	*out = ck->out;
	cv_crl_free(ck->last.crl);
	free(ck);
	return 0;
}

void
cv_revoke_cancel(struct cv_revoke_check *ck)
{
	struct cv_revoke_check **pp;

	if (ck == NULL)
		return;
	if (ck->waiting != NULL) {
		for (pp = &ck->waiting->waiters; *pp != NULL;
		    pp = &(*pp)->wnext) {
			if (*pp == ck) {
				*pp = ck->wnext;
				break;
			}
		}
	}
	/* The fetch goes on without waiters: its answer is cached for the
	 * next request. */
	check_unlink(ck);
	cv_crl_free(ck->last.crl);
	free(ck);
}

/* ---- set-up ---- */

kerr_t
cv_revoke_new(struct loop *l, const struct cv_revoke_settings *s,
    struct cv_revoke **out, struct kerr *e)
{
	struct cv_revoke *rv;
	struct http_limits lim;
	const char *p;
	size_t i;
	kerr_t ret;

	rv = calloc(1, sizeof(*rv));
	if (rv == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	rv->s = *s;
	rv->s.static_crls = NULL;
	rv->s.ocsp_url = NULL;
	if (rv->s.cache_max == 0)
		rv->s.cache_max = 1024;
	if (rv->s.cache_max < 16)
		rv->s.cache_max = 16;
	if (rv->s.max_crl_size == 0)
		rv->s.max_crl_size = 10u << 20;
	if (s->n_static_crls > MAX_STATIC_CRLS) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "more than %d static CRLs",
		    MAX_STATIC_CRLS);
		goto fail;
	}
	for (i = 0; i < s->n_static_crls; i++) {
		p = s->static_crls[i];
		if (strncmp(p, "FILE:", 5) == 0)
			p += 5;
		ret = cv_crl_load_file(p, &rv->statics[rv->n_statics], e);
		if (ret)
			goto fail;
		rv->n_statics++;
	}
	if (s->ocsp_url != NULL) {
		char host[256], path[HTTP_URL_MAX];
		unsigned int port;

		if (http_url_split(s->ocsp_url, host, sizeof(host), &port, path,
		    sizeof(path)) != 0) {
			ret = kerr_set(e, KRB_ERR_GENERIC,
			    "'%s' is not an http:// URL", s->ocsp_url);
			goto fail;
		}
		rv->ocsp_url = strdup(s->ocsp_url);
	}
	rv->cache = calloc(rv->s.cache_max, sizeof(*rv->cache));
	if (rv->cache == NULL) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		goto fail;
	}
	if (s->transport != NULL) {
		rv->tr = s->transport;
	} else {
		memset(&lim, 0, sizeof(lim));
		lim.connect_timeout_ms = s->connect_timeout_ms;
		lim.total_timeout_ms = s->timeout_ms;
		lim.max_body = rv->s.max_crl_size;
		rv->http = http_client_new(l, &lim, e);
		if (rv->http == NULL) {
			ret = e != NULL && e->code ? e->code : KRB_ERR_GENERIC;
			goto fail;
		}
		rv->http_tr.start = http_start;
		rv->http_tr.cancel = http_cancel;
		rv->http_tr.arg = rv->http;
		rv->tr = &rv->http_tr;
	}
	rv->s.transport = rv->tr;
	*out = rv;
	return 0;
fail:
	if (rv->tr == NULL)
		rv->tr = &rv->http_tr;
	destroy(rv);
	return ret;
}

void
cv_revoke_get_stats(const struct cv_revoke *rv, struct cv_revoke_stats *out)
{
	*out = rv->stats;
	out->cached = rv->n_cache;
}

kerr_t
cv_invalid_certs_der(const struct cv_cert *cert, uint8_t **der_out,
    size_t *len_out)
{
	X509 *x = cv_cert_x509(cert);
	PKCS7_ISSUER_AND_SERIAL *ias = NULL;
	PKINIT_EXT_PRINC_ID *epi = NULL;
	PKINIT_EPI_LIST *list = NULL;
	unsigned char *ider = NULL, *der = NULL;
	int ilen, len;
	kerr_t ret = KRB_ERR_GENERIC;

	ias = PKCS7_ISSUER_AND_SERIAL_new();
	if (ias == NULL || !X509_NAME_set(&ias->issuer,
	    X509_get_issuer_name(x)))
		goto cleanup;
	ASN1_INTEGER_free(ias->serial);
	ias->serial = ASN1_INTEGER_dup(X509_get0_serialNumber(x));
	if (ias->serial == NULL)
		goto cleanup;
	ilen = i2d_PKCS7_ISSUER_AND_SERIAL(ias, &ider);
	epi = PKINIT_EXT_PRINC_ID_new();
	list = sk_PKINIT_EXT_PRINC_ID_new_null();
	if (ilen <= 0 || epi == NULL || list == NULL)
		goto cleanup;
	epi->issuer_and_serial_number = ASN1_OCTET_STRING_new();
	if (epi->issuer_and_serial_number == NULL ||
	    !ASN1_OCTET_STRING_set(epi->issuer_and_serial_number, ider, ilen) ||
	    !sk_PKINIT_EXT_PRINC_ID_push(list, epi))
		goto cleanup;
	epi = NULL;
	len = i2d_PKINIT_EPI_LIST(list, &der);
	if (len <= 0)
		goto cleanup;
	*der_out = malloc((size_t)len);
	if (*der_out == NULL)
		goto cleanup;
	memcpy(*der_out, der, (size_t)len);
	*len_out = (size_t)len;
	ret = 0;
cleanup:
	OPENSSL_free(der);
	OPENSSL_free(ider);
	PKINIT_EXT_PRINC_ID_free(epi);
	sk_PKINIT_EXT_PRINC_ID_pop_free(list, PKINIT_EXT_PRINC_ID_free);
	PKCS7_ISSUER_AND_SERIAL_free(ias);
	return ret;
}
