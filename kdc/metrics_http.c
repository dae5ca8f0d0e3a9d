/*
 * metrics_http.c - a small evhttp server for GET /metrics.
 *
 * The endpoint is for a local Prometheus (bind it to loopback or a
 * management address): it answers GET and HEAD of /metrics only, with
 * bounded headers, no request body and a 5 second timeout.  A reload that
 * changes metrics_listen builds a new server; addresses kept across the
 * reload reuse the bound socket (a dup of it), so a scrape target never
 * sees the port closed.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "kdc_config.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "metrics_http.h"
#include "server.h"

#define MHTTP_TIMEOUT_S 5
#define MHTTP_MAX_HEADERS 8192
#define MHTTP_BACKLOG 16

struct mhttp {
	struct evhttp *http;
	struct listen_addr *addrs;
	int *fds;                  /* owned by http once accepted */
	size_t n;
};

static struct {
	struct kdc_server *srv;    /* the server the endpoint belongs to */
	struct mhttp *live;
} H;

static void
mhttp_free(struct mhttp *m)
{
	if (m == NULL)
		return;
	if (m->http != NULL)
		evhttp_free(m->http);   /* closes the accepted sockets */
	free(m->addrs);
	free(m->fds);
	free(m);
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	const char *uri = evhttp_request_get_uri(req);
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	size_t len = 0;
	char *text = NULL;

	(void)arg;
	if (uri == NULL || (strcmp(uri, "/metrics") != 0 &&
	    strncmp(uri, "/metrics?", 9) != 0)) {
		evhttp_add_header(hdr, "Content-Type", "text/plain");
		evbuffer_add_printf(out, "pkinit-kdc: metrics are at /metrics\n");
		evhttp_send_reply(req, HTTP_NOTFOUND, "Not Found", NULL);
		return;
	}
	if (metrics_render(&text, &len) != 0) {
		evhttp_send_error(req, HTTP_INTERNAL, "out of memory");
		return;
	}
	evhttp_add_header(hdr, "Content-Type",
	    "text/plain; version=0.0.4; charset=utf-8");
	evbuffer_add(out, text, len);
	free(text);
	evhttp_send_reply(req, HTTP_OK, "OK", NULL);
}

static int
open_listener(const struct listen_addr *a, struct kerr *e)
{
	int one = 1, fd;

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0)
		return kerr_set(e, KRB_ERR_GENERIC, "metrics %s: socket: %s",
		    a->text, strerror(errno)), -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    (a->ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &one, sizeof(one)) != 0) ||
	    bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0 ||
	    listen(fd, MHTTP_BACKLOG) != 0) {
		kerr_set(e, KRB_ERR_GENERIC, "metrics %s: %s", a->text,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The listening socket for a, shared with old when it already has it. */
static int
listener_for(const struct listen_addr *a, const struct mhttp *old,
    struct kerr *e)
{
	size_t i;
	int fd;

	for (i = 0; old != NULL && i < old->n; i++) {
		if (old->addrs[i].len == a->len &&
		    memcmp(&old->addrs[i].ss, &a->ss, a->len) == 0) {
			fd = fcntl(old->fds[i], F_DUPFD_CLOEXEC, 0);
			if (fd < 0)
				kerr_set(e, KRB_ERR_GENERIC, "metrics %s: "
				    "dup: %s", a->text, strerror(errno));
			return fd;
		}
	}
	return open_listener(a, e);
}

static struct mhttp *
mhttp_build(struct event_base *base, const struct listen_list *l,
    const struct mhttp *old, struct kerr *e)
{
	struct mhttp *m;
	size_t i;
	int fd;

	m = calloc(1, sizeof(*m));
	if (m == NULL)
		goto nomem;
	if (l->n == 0)
		return m;
	m->addrs = calloc(l->n, sizeof(*m->addrs));
	m->fds = calloc(l->n, sizeof(*m->fds));
	m->http = evhttp_new(base);
	if (m->addrs == NULL || m->fds == NULL || m->http == NULL)
		goto nomem;
	evhttp_set_timeout(m->http, MHTTP_TIMEOUT_S);
	evhttp_set_max_headers_size(m->http, MHTTP_MAX_HEADERS);
	evhttp_set_max_body_size(m->http, 0);
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(m->http, on_request, NULL);
	for (i = 0; i < l->n; i++) {
		fd = listener_for(&l->v[i], old, e);
		if (fd < 0)
			goto fail;
		if (evhttp_accept_socket_with_handle(m->http, fd) == NULL) {
			close(fd);
			kerr_set(e, KRB_ERR_GENERIC, "metrics %s: cannot "
			    "accept", l->v[i].text);
			goto fail;
		}
		m->addrs[m->n] = l->v[i];
		m->fds[m->n++] = fd;
	}
	return m;

nomem:
	kerr_set(e, KRB_ERR_GENERIC, "out of memory");
fail:
	mhttp_free(m);
	return NULL;
}

static void
log_endpoints(const struct mhttp *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		log_msg(LOG_LVL_INFO, "metrics on http://%s/metrics",
		    m->addrs[i].text);
}

static kerr_t
reload_prepare(void *arg, const struct kdc_config *new_cfg, void **state_out,
    struct kerr *e)
{
	struct kdc_server *srv = arg;
	struct mhttp *m;

	m = mhttp_build(loop_event_base(server_loop(srv)), &new_cfg->metrics,
	    H.live, e);
	if (m == NULL)
		return e->code != 0 ? e->code : KRB_ERR_GENERIC;
	*state_out = m;
	return 0;
}

static void
reload_commit(void *arg, void *state)
{
	(void)arg;
	mhttp_free(H.live);
	H.live = state;
	log_endpoints(H.live);
}

static void
reload_abort(void *arg, void *state)
{
	(void)arg;
	mhttp_free(state);
}

int
metrics_http_start(struct kdc_server *srv, char *errbuf, size_t errlen)
{
	struct kerr e;
	struct mhttp *m;

	/* One endpoint per process: a second server (tests) serves none. */
	if (H.srv != NULL)
		return 0;
	kerr_clear(&e);
	m = mhttp_build(loop_event_base(server_loop(srv)),
	    &server_config(srv)->metrics, NULL, &e);
	if (m == NULL) {
		snprintf(errbuf, errlen, "%s", e.msg);
		return -1;
	}
	if (server_add_reload_hook(srv, "metrics", reload_prepare,
	    reload_commit, reload_abort, srv) != 0) {
		mhttp_free(m);
		snprintf(errbuf, errlen, "metrics: too many reload hooks");
		return -1;
	}
	H.srv = srv;
	H.live = m;
	log_endpoints(m);
	return 0;
}

void
metrics_http_stop(struct kdc_server *srv)
{
	if (srv == NULL || srv != H.srv)
		return;
	mhttp_free(H.live);
	H.live = NULL;
	H.srv = NULL;
}
