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
 * every use (the cache is keyed by URL, which anyone could point at); the
 * CRL object remembers which issuer certificate its signature verified
 * with, so in steady state a use costs a hash compare, not a signature.
 * What each source says is worked out in cv_rev_source.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cv_rev_int.h"
#include "log.h"

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

struct entry *
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

struct fetch *
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
int
fetch_need(struct cv_revoke *rv, struct cv_revoke_check *ck, const char *key,
    enum ent_kind kind, const char *url, const struct cv_cert *cert,
    const struct cv_cert *issuer, int64_t now, struct kerr *e)
{
	struct fetch *f = fetch_find(rv, key);

	if (f == NULL) {
		if (rv->stats.in_flight >= MAX_FETCHES)
			return kerr_set(e, KRB_ERR_GENERIC, "%s: %d revocation "
			    "fetches already running", url, MAX_FETCHES), -1;
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
