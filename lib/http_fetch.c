/*
 * http_fetch.c - HTTP client for revocation data over libevent's evhttp.
 *
 * One connection per fetch (responders and CRL servers are few and
 * requests rare thanks to caching), "Connection: close", no retries.  The
 * total timeout is our own timer: evhttp's timeout only bounds each read
 * or write, so a server trickling bytes could otherwise hold a request
 * forever.  A connection cannot be freed from inside its own callback, so
 * finished connections wait on a list that a zero-delay timer empties.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>

#include "http_fetch.h"
#include "loop.h"

struct http_fetch {
	struct http_client *c;
	struct evhttp_connection *conn;
	struct evhttp_request *req;
	struct loop_timer *timer;
	http_fetch_cb cb;
	void *arg;
	char url[HTTP_URL_MAX];
	int err_kind;                     /* enum evhttp_request_error + 1 */
	struct http_fetch *next, *prev;
};

struct dead_conn {
	struct evhttp_connection *conn;
	struct dead_conn *next;
};

struct http_client {
	struct loop *loop;
	struct event_base *base;
	struct evdns_base *dns;
	struct http_limits lim;
	struct http_fetch *fetches;
	struct dead_conn *dead;
	struct loop_timer *reaper;
	unsigned int in_cb;
	int dying;
};

int
http_url_split(const char *url, char *host, size_t hostlen,
    unsigned int *port_out, char *path, size_t pathlen)
{
	const char *p, *h, *hend, *slash;
	unsigned long port = 80;
	char *end;
	size_t n;

	if (url == NULL || strncasecmp(url, "http://", 7) != 0 ||
	    strlen(url) >= HTTP_URL_MAX)
		return -1;
	h = url + 7;
	slash = strchr(h, '/');
	if (slash == NULL)
		slash = h + strlen(h);
	if (memchr(h, '@', (size_t)(slash - h)) != NULL)
		return -1;              /* no credentials in revocation URLs */
	if (*h == '[') {
		hend = memchr(h, ']', (size_t)(slash - h));
		if (hend == NULL)
			return -1;
		h++;
		p = hend + 1;
	} else {
		hend = memchr(h, ':', (size_t)(slash - h));
		if (hend == NULL)
			hend = slash;
		p = hend;
	}
	n = (size_t)(hend - h);
	if (n == 0 || n >= hostlen)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	if (*p == ':') {
		port = strtoul(p + 1, &end, 10);
		if (end == p + 1 || end != slash || port == 0 || port > 65535)
			return -1;
	} else if (p != slash) {
		return -1;
	}
	for (p = slash; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return -1;
	}
	if (*slash == '\0')
		slash = "/";
	if (strlen(slash) >= pathlen)
		return -1;
	memcpy(path, slash, strlen(slash) + 1);
	*port_out = (unsigned int)port;
	return 0;
}

static void
reap(void *arg)
{
	struct http_client *c = arg;
	struct dead_conn *d;

	while ((d = c->dead) != NULL) {
		c->dead = d->next;
		evhttp_connection_free(d->conn);
		free(d);
	}
}

static void
client_destroy(struct http_client *c)
{
	reap(c);
	loop_timer_free(c->reaper);
	if (c->dns != NULL)
		evdns_base_free(c->dns, 0);
	free(c);
}

static void
client_destroy_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	client_destroy(arg);
}

struct http_client *
http_client_new(struct loop *l, const struct http_limits *lim, struct kerr *e)
{
	struct http_client *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		return NULL;
	}
	c->loop = l;
	c->base = loop_event_base(l);
	if (lim != NULL)
		c->lim = *lim;
	if (c->lim.connect_timeout_ms == 0)
		c->lim.connect_timeout_ms = 2000;
	if (c->lim.total_timeout_ms == 0)
		c->lim.total_timeout_ms = 5000;
	if (c->lim.max_body == 0)
		c->lim.max_body = 1u << 20;
	/* Asynchronous resolver: evhttp would otherwise call getaddrinfo()
	 * and block the loop.  Without a usable resolv.conf only numeric
	 * hosts work. */
	c->dns = evdns_base_new(c->base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
	    EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (c->dns == NULL)
		c->dns = evdns_base_new(c->base, 0);
	c->reaper = loop_timer_new(l, reap, c);
	if (c->dns == NULL || c->reaper == NULL) {
		kerr_set(e, KRB_ERR_GENERIC, "cannot set up the HTTP client");
		client_destroy(c);
		return NULL;
	}
	return c;
}

static void
unlink_fetch(struct http_fetch *f)
{
	if (f->prev != NULL)
		f->prev->next = f->next;
	else
		f->c->fetches = f->next;
	if (f->next != NULL)
		f->next->prev = f->prev;
	f->next = f->prev = NULL;
}

/* Drop f; its connection is freed now or, from inside an evhttp
 * callback, by the reaper. */
static void
fetch_release(struct http_fetch *f, int deferred)
{
	struct dead_conn *d;

	unlink_fetch(f);
	loop_timer_free(f->timer);
	if (f->conn != NULL) {
		if (!deferred) {
			evhttp_connection_free(f->conn);
		} else if ((d = calloc(1, sizeof(*d))) != NULL) {
			d->conn = f->conn;
			d->next = f->c->dead;
			f->c->dead = d;
			loop_timer_arm(f->c->reaper, 0);
		}
		/* On allocation failure the connection leaks rather than
		 * being freed under libevent's feet. */
	}
	free(f);
}

void
http_client_free(struct http_client *c)
{
	if (c == NULL)
		return;
	while (c->fetches != NULL)
		fetch_release(c->fetches, c->in_cb > 0);
	if (c->in_cb > 0) {
		c->dying = 1;
		return;
	}
	client_destroy(c);
}

static void
finish(struct http_fetch *f, const struct kerr *err, const uint8_t *body,
    size_t len, int in_evhttp)
{
	struct http_client *c = f->c;
	http_fetch_cb cb = f->cb;
	void *arg = f->arg;
	struct timeval zero = { 0, 0 };

	fetch_release(f, in_evhttp);
	c->in_cb++;
	cb(arg, err, body, len);
	c->in_cb--;
	if (c->dying && c->in_cb == 0) {
		if (in_evhttp) {
			if (event_base_once(c->base, -1, EV_TIMEOUT,
			    client_destroy_cb, c, &zero) != 0)
				return;         /* leaks; never frees in use */
		} else {
			client_destroy(c);
		}
	}
}

static const char *
error_text(int kind)
{
	switch (kind - 1) {
	case EVREQ_HTTP_TIMEOUT:
		return "timed out";
	case EVREQ_HTTP_EOF:
		return "connection closed early";
	case EVREQ_HTTP_INVALID_HEADER:
		return "invalid response header";
	case EVREQ_HTTP_BUFFER_ERROR:
		return "connection refused or failed";
	case EVREQ_HTTP_DATA_TOO_LONG:
		return "response too large";
	default:
		return "connection failed";
	}
}

static void
error_cb(enum evhttp_request_error kind, void *arg)
{
	struct http_fetch *f = arg;

	f->err_kind = (int)kind + 1;
}

static void
done_cb(struct evhttp_request *req, void *arg)
{
	struct http_fetch *f = arg;
	struct evbuffer *in;
	struct kerr e;
	const uint8_t *body;
	size_t len;
	int code;

	kerr_clear(&e);
	f->req = NULL;
	code = req != NULL ? evhttp_request_get_response_code(req) : 0;
	if (code == 0) {
		kerr_set(&e, KRB_ERR_GENERIC, "%s: %s", f->url,
		    error_text(f->err_kind));
		finish(f, &e, NULL, 0, 1);
		return;
	}
	if (code != 200) {
		kerr_set(&e, KRB_ERR_GENERIC, "%s: HTTP status %d", f->url,
		    code);
		finish(f, &e, NULL, 0, 1);
		return;
	}
	in = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(in);
	if (len > f->c->lim.max_body) {
		kerr_set(&e, KRB_ERR_GENERIC, "%s: response too large", f->url);
		finish(f, &e, NULL, 0, 1);
		return;
	}
	body = len ? evbuffer_pullup(in, -1) : (const uint8_t *)"";
	if (body == NULL) {
		kerr_set(&e, KRB_ERR_GENERIC, "%s: out of memory", f->url);
		len = 0;
	}
	finish(f, &e, body, len, 1);
}

static void
total_timeout(void *arg)
{
	struct http_fetch *f = arg;
	struct kerr e;

	kerr_set(&e, KRB_ERR_GENERIC, "%s: no complete answer within %u ms",
	    f->url, f->c->lim.total_timeout_ms);
	finish(f, &e, NULL, 0, 0);
}

struct http_fetch *
http_fetch_start(struct http_client *c, const char *url,
    const char *content_type, const uint8_t *post, size_t post_len,
    http_fetch_cb cb, void *arg, struct kerr *e)
{
	struct http_fetch *f = NULL;
	struct evkeyvalq *hdr;
	struct timeval tv;
	char host[256], path[HTTP_URL_MAX], hosthdr[300];
	unsigned int port;

	if (c == NULL || c->dying ||
	    http_url_split(url, host, sizeof(host), &port, path,
	    sizeof(path)) != 0) {
		kerr_set(e, KRB_ERR_GENERIC, "'%s' is not a usable http:// URL",
		    url ? url : "(null)");
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		goto nomem;
	f->c = c;
	f->cb = cb;
	f->arg = arg;
	snprintf(f->url, sizeof(f->url), "%s", url);
	f->next = c->fetches;
	if (f->next != NULL)
		f->next->prev = f;
	c->fetches = f;
	f->timer = loop_timer_new(c->loop, total_timeout, f);
	f->conn = evhttp_connection_base_new(c->base, c->dns, host,
	    (unsigned short)port);
	if (f->timer == NULL || f->conn == NULL)
		goto nomem;
	tv.tv_sec = c->lim.connect_timeout_ms / 1000;
	tv.tv_usec = (c->lim.connect_timeout_ms % 1000) * 1000;
	evhttp_connection_set_timeout_tv(f->conn, &tv);
	evhttp_connection_set_retries(f->conn, 0);
	evhttp_connection_set_max_body_size(f->conn,
	    (ev_ssize_t)c->lim.max_body);
	evhttp_connection_set_max_headers_size(f->conn, 16384);
	f->req = evhttp_request_new(done_cb, f);
	if (f->req == NULL)
		goto nomem;
	evhttp_request_set_error_cb(f->req, error_cb);
	hdr = evhttp_request_get_output_headers(f->req);
	if (port == 80)
		snprintf(hosthdr, sizeof(hosthdr), strchr(host, ':') ?
		    "[%s]" : "%s", host);
	else
		snprintf(hosthdr, sizeof(hosthdr), strchr(host, ':') ?
		    "[%s]:%u" : "%s:%u", host, port);
	evhttp_add_header(hdr, "Host", hosthdr);
	evhttp_add_header(hdr, "Connection", "close");
	if (post != NULL) {
		evhttp_add_header(hdr, "Content-Type",
		    content_type ? content_type : "application/octet-stream");
		if (evbuffer_add(evhttp_request_get_output_buffer(f->req),
		    post, post_len) != 0) {
			evhttp_request_free(f->req);
			f->req = NULL;
			goto nomem;
		}
	}
	if (evhttp_make_request(f->conn, f->req,
	    post ? EVHTTP_REQ_POST : EVHTTP_REQ_GET, path) != 0) {
		f->req = NULL;          /* freed by evhttp on failure */
		kerr_set(e, KRB_ERR_GENERIC, "%s: cannot send the request",
		    url);
		fetch_release(f, 0);
		return NULL;
	}
	loop_timer_arm(f->timer, c->lim.total_timeout_ms);
	return f;
nomem:
	kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	if (f != NULL)
		fetch_release(f, 0);
	return NULL;
}

void
http_fetch_cancel(struct http_fetch *f)
{
	if (f == NULL)
		return;
	fetch_release(f, f->c->in_cb > 0);
}
