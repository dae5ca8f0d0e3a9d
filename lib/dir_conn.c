/*
 * dir_conn.c - the directory connection: address resolution, non-blocking
 * connect, TLS for ldaps://, bind, failover across the URI list and
 * backoff after every URI failed.
 *
 * Connections are made by us, not by libldap: a non-blocking connect(2)
 * watched with loop_io, then ldap_init_fd() hands the connected socket to
 * libldap.  That keeps every step of connecting visible to the event loop
 * (libldap's own connect may block) and lets us try each address of each
 * URI in turn.  Host names are resolved with getaddrinfo(3) when a
 * connection is made, which blocks on DNS: use addresses or names from
 * /etc/hosts for servers.  Binds are simple binds or SASL EXTERNAL, which
 * needs one round trip and no SASL library on the client.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <ldap.h>
#include <openldap.h>

#include "dir_int.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"

static void attempt_next(struct dir *d);

void
dir_conn_drop(struct dir *d)
{
	/* The watch goes before the socket so libevent never sees a closed
	 * descriptor that the next connect may reuse. */
	loop_io_free(d->io);
	d->io = NULL;
	if (d->ld != NULL) {
		ldap_unbind_ext(d->ld, NULL, NULL);
		d->ld = NULL;
		d->fd = -1;
	}
	if (d->fd >= 0) {
		close(d->fd);
		d->fd = -1;
	}
	loop_timer_cancel(d->conn_timer);
	d->bind_msgid = -1;
	d->state = CS_IDLE;
}


static void
become_ready(struct dir *d)
{
	loop_timer_cancel(d->conn_timer);
	d->state = CS_READY;
	d->backoff_cur = d->backoff_min;
	d->last_rx_ms = dir_now_ms();
	metrics_counter_add("ldap_connects_total", 1);
	log_msg(LOG_LVL_INFO, "directory: connected to %s",
	    d->uris[d->uri_idx]);
	while (d->queued != NULL && d->state == CS_READY)
		dir_send_search(d, d->queued);
}

static void
round_failed(struct dir *d)
{
	char why[300];

	snprintf(why, sizeof(why), "no server reachable (%s)", d->last_error);
	log_msg(LOG_LVL_WARNING, "directory: %s; retrying in %u ms", why,
	    d->backoff_cur);
	d->state = CS_BACKOFF;
	loop_timer_arm(d->conn_timer, d->backoff_cur);
	d->backoff_cur = d->backoff_cur > d->backoff_max / 2 ?
	    d->backoff_max : d->backoff_cur * 2;
	dir_fail_list(&d->queued, KDC_ERR_SVC_UNAVAILABLE, why);
}

void
dir_conn_uri_failed(struct dir *d, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(d->last_error, sizeof(d->last_error), "%s: ",
	    d->uris[d->uri_idx]);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(d->last_error))
		vsnprintf(d->last_error + n, sizeof(d->last_error) - n, fmt,
		    ap);
	va_end(ap);
	log_msg(LOG_LVL_WARNING, "directory: %s", d->last_error);
	dir_conn_drop(d);
	d->addr_idx = d->n_addrs;   /* a protocol failure: next URI */
	d->state = CS_CONNECTING;
	attempt_next(d);
}

static void
start_bind(struct dir *d)
{
	struct berval cred;
	int rc, msgid = -1;

	if (d->external) {
		/* SASL EXTERNAL takes one round trip with no credentials;
		 * the server authenticates the peer of the ldapi:// socket
		 * (RFC 4422 appendix A). */
		cred.bv_val = (char *)"";   /* empty initial response: */
		cred.bv_len = 0;            /* authorize as ourselves */
		rc = ldap_sasl_bind(d->ld, NULL, "EXTERNAL", &cred, NULL, NULL,
		    &msgid);
	} else if (d->bind_dn != NULL) {
		cred.bv_val = d->password;
		cred.bv_len = d->password_len;
		rc = ldap_sasl_bind(d->ld, d->bind_dn, LDAP_SASL_SIMPLE, &cred,
		    NULL, NULL, &msgid);
	} else {
		become_ready(d);
		return;
	}
	if (rc != LDAP_SUCCESS) {
		dir_conn_uri_failed(d, "sending bind: %s", ldap_err2string(rc));
		return;
	}
	d->bind_msgid = msgid;
	d->state = CS_BINDING;
}


/*
 * TLS for ldaps://.  libldap offers no way to step a client handshake
 * from an event loop, so this is the one place that blocks: at most the
 * timeout, once per new connection.  The server certificate must chain
 * to tls_ca_file (or the system store) and name the host of the URI.
 */
static int
start_tls(struct dir *d)
{
	struct timeval tv;
	int demand = LDAP_OPT_X_TLS_DEMAND, zero = 0, rc;
	char *diag = NULL;

	tv.tv_sec = d->timeout_ms / 1000;
	tv.tv_usec = (d->timeout_ms % 1000) * 1000;
	ldap_set_option(d->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	ldap_set_option(d->ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
	if (d->tls_ca_file != NULL)
		ldap_set_option(d->ld, LDAP_OPT_X_TLS_CACERTFILE,
		    d->tls_ca_file);
	/* Per-connection options take effect only in a new context. */
	ldap_set_option(d->ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
	rc = ldap_install_tls(d->ld);
	if (rc == LDAP_SUCCESS)
		return 0;
	ldap_get_option(d->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	dir_conn_uri_failed(d, "TLS: %s%s%s", ldap_err2string(rc),
	    diag ? ": " : "", diag ? diag : "");
	ldap_memfree(diag);
	return -1;
}

static void
socket_connected(struct dir *d)
{
	const char *uri = d->uris[d->uri_idx];
	int proto = strncasecmp(uri, "ldapi:", 6) == 0 ? LDAP_PROTO_IPC :
	    LDAP_PROTO_TCP;
	int v3 = LDAP_VERSION3, rc;
	ber_len_t max = DIR_MAX_MESSAGE;
	Sockbuf *sb = NULL;

	if (loop_io_set(d->io, LOOP_READ, 0) != 0) {
		dir_conn_uri_failed(d, "cannot watch socket");
		return;
	}
	rc = ldap_init_fd(d->fd, proto, uri, &d->ld);
	if (rc != LDAP_SUCCESS) {
		d->ld = NULL;
		dir_conn_uri_failed(d, "ldap_init_fd: %s", ldap_err2string(rc));
		return;
	}
	d->fd = -1;   /* owned by d->ld now */
	/* libldap would otherwise allocate whatever length a (broken or
	 * hostile) server announces in a BER header. */
	if (ldap_get_option(d->ld, LDAP_OPT_SOCKBUF, &sb) != LDAP_OPT_SUCCESS ||
	    sb == NULL ||
	    ber_sockbuf_ctrl(sb, LBER_SB_OPT_SET_MAX_INCOMING, &max) != 1) {
		dir_conn_uri_failed(d, "cannot bound the message size");
		return;
	}
	ldap_set_option(d->ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	ldap_set_option(d->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	ldap_set_option(d->ld, LDAP_OPT_RESTART, LDAP_OPT_OFF);
	if (strncasecmp(uri, "ldaps:", 6) == 0 && start_tls(d) != 0)
		return;
	start_bind(d);
}

/* Resolve uris[uri_idx] into d->addrs; 0 or -1 with last_error set. */
static int
resolve_uri(struct dir *d)
{
	const char *uri = d->uris[d->uri_idx];
	LDAPURLDesc *lud = NULL;
	struct addrinfo hints, *res = NULL, *ai;
	char port[16];
	int rc, ret = -1;

	d->n_addrs = 0;
	d->addr_idx = 0;
	if (ldap_url_parse(uri, &lud) != LDAP_URL_SUCCESS) {
		snprintf(d->last_error, sizeof(d->last_error),
		    "%s: not an LDAP URI", uri);
		return -1;
	}
	if (strcasecmp(lud->lud_scheme, "ldapi") == 0) {
		struct sockaddr_un *un = (struct sockaddr_un *)&d->addrs[0].ss;
		const char *path = lud->lud_host && lud->lud_host[0] ?
		    lud->lud_host : LDAPI_DEFAULT_PATH;

		if (strlen(path) >= sizeof(un->sun_path)) {
			snprintf(d->last_error, sizeof(d->last_error),
			    "%s: socket path too long", uri);
			goto cleanup;
		}
		memset(un, 0, sizeof(*un));
		un->sun_family = AF_UNIX;
		memcpy(un->sun_path, path, strlen(path) + 1);
		d->addrs[0].len = sizeof(*un);
		d->n_addrs = 1;
		ret = 0;
		goto cleanup;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	/* No AI_ADDRCONFIG: it hides 127.0.0.1 / ::1 on hosts whose only
	 * interface is loopback, and the directory is often local. */
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", lud->lud_port ? lud->lud_port :
	    strcasecmp(lud->lud_scheme, "ldaps") == 0 ? LDAPS_PORT : LDAP_PORT);
	rc = getaddrinfo(lud->lud_host && lud->lud_host[0] ? lud->lud_host :
	    "localhost", port, &hints, &res);
	if (rc != 0) {
		snprintf(d->last_error, sizeof(d->last_error), "%s: %s", uri,
		    gai_strerror(rc));
		goto cleanup;
	}
	for (ai = res; ai != NULL && d->n_addrs < DIR_MAX_ADDRS;
	    ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(d->addrs[0].ss))
			continue;
		memcpy(&d->addrs[d->n_addrs].ss, ai->ai_addr, ai->ai_addrlen);
		d->addrs[d->n_addrs].len = ai->ai_addrlen;
		d->n_addrs++;
	}
	ret = d->n_addrs > 0 ? 0 : -1;
	if (ret != 0)
		snprintf(d->last_error, sizeof(d->last_error),
		    "%s: no usable address", uri);
cleanup:
	if (res != NULL)
		freeaddrinfo(res);
	ldap_free_urldesc(lud);
	return ret;
}

/*
 * Advance to the next address, or the next URI, until a connect is under
 * way or done; when every URI has failed the round has failed.
 */
static void
attempt_next(struct dir *d)
{
	for (;;) {
		struct dir_addr *a;
		int fd;

		if (d->addr_idx >= d->n_addrs) {
			d->uri_idx++;   /* wraps from (size_t)-1 to 0 */
			if (d->uri_idx >= d->n_uris) {
				round_failed(d);
				return;
			}
			if (resolve_uri(d) != 0)
				continue;
		}
		a = &d->addrs[d->addr_idx++];
		fd = socket(a->ss.ss_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			snprintf(d->last_error, sizeof(d->last_error),
			    "%s: socket: %s", d->uris[d->uri_idx],
			    strerror(errno));
			continue;
		}
		d->fd = fd;
		d->io = loop_io_new(d->loop, fd, LOOP_WRITE, dir_conn_on_io, d);
		if (d->io == NULL) {
			dir_conn_drop(d);
			d->state = CS_CONNECTING;
			continue;
		}
		d->state = CS_CONNECTING;
		loop_timer_arm(d->conn_timer, d->timeout_ms);
		if (connect(fd, (struct sockaddr *)&a->ss, a->len) == 0) {
			socket_connected(d);
			return;
		}
		if (errno == EINPROGRESS || errno == EAGAIN)
			return;
		snprintf(d->last_error, sizeof(d->last_error), "%s: %s",
		    d->uris[d->uri_idx], strerror(errno));
		dir_conn_drop(d);
		d->state = CS_CONNECTING;
	}
}

void
dir_conn_start(struct dir *d)
{
	d->uri_idx = (size_t)-1;
	d->n_addrs = 0;
	d->addr_idx = 0;
	d->state = CS_CONNECTING;
	snprintf(d->last_error, sizeof(d->last_error), "no URI");
	attempt_next(d);
}

void
dir_conn_lost(struct dir *d, const char *why)
{
	char msg[300];

	snprintf(msg, sizeof(msg), "connection to %s lost: %s",
	    d->uri_idx < d->n_uris ? d->uris[d->uri_idx] : "?", why);
	log_msg(LOG_LVL_WARNING, "directory: %s", msg);
	dir_conn_drop(d);
	dir_fail_list(&d->sent, KDC_ERR_SVC_UNAVAILABLE, msg);
	/* Searches still waiting get a fresh connection at once; backoff
	 * starts only if that fails too. */
	if (d->queued != NULL)
		dir_conn_start(d);
}

void
dir_conn_on_timer(void *arg)
{
	struct dir *d = arg;

	switch (d->state) {
	case CS_CONNECTING:
	case CS_BINDING:
		dir_conn_uri_failed(d, "no answer within %u ms", d->timeout_ms);
		break;
	case CS_BACKOFF:
		/* Reconnect lazily: the next search starts a new round. */
		d->state = CS_IDLE;
		break;
	default:
		break;
	}
}


void
dir_conn_bind_done(struct dir *d, LDAPMessage *msg)
{
	char *text = NULL;
	int err = LDAP_OTHER;

	if (ldap_parse_result(d->ld, msg, &err, NULL, &text, NULL, NULL,
	    0) != LDAP_SUCCESS)
		err = LDAP_OTHER;
	d->bind_msgid = -1;
	if (err == LDAP_SUCCESS)
		become_ready(d);
	else
		dir_conn_uri_failed(d, "bind as %s: %s",
		    d->external ? "EXTERNAL" : d->bind_dn,
		    ldap_err2string(err));
	ldap_memfree(text);
}


void
dir_conn_on_io(int fd, int what, void *arg)
{
	struct dir *d = arg;
	int soerr = 0;
	socklen_t sl = sizeof(soerr);

	if (d->state == CS_CONNECTING) {
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
			soerr = errno;
		if (soerr != 0) {
			snprintf(d->last_error, sizeof(d->last_error),
			    "%s: %s", d->uris[d->uri_idx], strerror(soerr));
			dir_conn_drop(d);
			d->state = CS_CONNECTING;
			attempt_next(d);
			return;
		}
		socket_connected(d);
		return;
	}
	if (what & LOOP_READ)
		dir_process_results(d);
}
