/*
 * dir_ldap.c - the asynchronous LDAP engine: search queue, deadlines,
 * result parsing, creation and teardown.  Connecting lives in dir_conn.c.
 *
 * Searches are sent with the asynchronous libldap calls and their answers
 * collected with ldap_result() and a zero timeout whenever the socket is
 * readable.  Every value is copied out under the configured bounds.
 *
 * User callbacks run only from the "kick" timer, never from inside a
 * libldap call or from dir_search(), so callbacks may freely start and
 * cancel searches.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <ldap.h>
#include <openldap.h>

#include "dir_int.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "secmem.h"

uint64_t
dir_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* --- search lists -------------------------------------------------------- */

static void
list_unlink(struct dir_search *s)
{
	if (s->prevp != NULL) {
		*s->prevp = s->next;
		if (s->next != NULL)
			s->next->prevp = s->prevp;
	}
	if (s->where == W_QUEUED || s->where == W_SENT)
		s->dir->n_outstanding--;
	s->next = NULL;
	s->prevp = NULL;
	s->where = W_NONE;
}

static void
list_push(struct dir_search **head, struct dir_search *s, enum where w)
{
	s->next = *head;
	if (*head != NULL)
		(*head)->prevp = &s->next;
	*head = s;
	s->prevp = head;
	s->where = w;
	if (w == W_QUEUED || w == W_SENT)
		s->dir->n_outstanding++;
}

static void
search_free(struct dir_search *s)
{
	size_t i;

	if (s == NULL)
		return;
	loop_timer_free(s->deadline);
	dir_entries_clear(&s->res);
	free(s->base);
	free(s->filter);
	if (s->attrs != NULL) {
		for (i = 0; s->attrs[i] != NULL; i++)
			free(s->attrs[i]);
		free(s->attrs);
	}
	free(s);
}

/* Finish a search: its callback runs from the kick timer. */
void
dir_complete(struct dir_search *s, kerr_t code, const char *fmt, ...)
{
	struct dir *d = s->dir;
	va_list ap;

	list_unlink(s);
	loop_timer_cancel(s->deadline);
	va_start(ap, fmt);
	kerr_vset(&s->err, code, fmt, ap);
	va_end(ap);
	if (code != 0) {
		int overflow = s->res.overflow;

		metrics_counter_add("ldap_search_errors_total", 1);
		/* Partial results are never handed out with an error. */
		dir_entries_clear(&s->res);
		s->res.overflow = overflow;
	}
	list_push(&d->done, s, W_DONE);
	loop_timer_arm(d->kick, 0);
}

void
dir_fail_list(struct dir_search **head, kerr_t code, const char *why)
{
	while (*head != NULL)
		dir_complete(*head, code, "directory: %s", why);
}

static void
on_kick(void *arg)
{
	struct dir *d = arg;
	struct dir_search *s;

	while ((s = d->done) != NULL) {
		list_unlink(s);
		s->cb(s->arg, &s->err, &s->res);
		search_free(s);
	}
}

void
dir_send_search(struct dir *d, struct dir_search *s)
{
	struct timeval tl;
	int rc, msgid = -1;

	tl.tv_sec = (d->timeout_ms + 999) / 1000;
	tl.tv_usec = 0;
	/* Ask the server for one entry more than we keep, so that "too
	 * many" is seen without transferring an unbounded result. */
	rc = ldap_search_ext(d->ld, s->base, s->scope, s->filter, s->attrs,
	    0, NULL, NULL, &tl, (int)d->max_entries + 1, &msgid);
	if (rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR) {
		dir_complete(s, KDC_ERR_SVC_UNAVAILABLE,
		    "directory: sending search failed: %s",
		    ldap_err2string(rc));
		dir_conn_lost(d, ldap_err2string(rc));
		return;
	}
	if (rc != LDAP_SUCCESS) {
		dir_complete(s, KRB_ERR_GENERIC, "directory: search %s: %s",
		    s->filter, ldap_err2string(rc));
		return;
	}
	metrics_counter_add("ldap_searches_total", 1);
	list_unlink(s);
	s->msgid = msgid;
	s->sent_ms = dir_now_ms();
	list_push(&d->sent, s, W_SENT);
}


/* --- results ------------------------------------------------------------- */

static struct dir_search *
find_sent(struct dir *d, int msgid)
{
	struct dir_search *s;

	for (s = d->sent; s != NULL; s = s->next) {
		if (s->msgid == msgid)
			return s;
	}
	return NULL;
}

/* Copy one entry into s->res; 0, or a kerr code with s->err set. */
static kerr_t
take_entry(struct dir *d, struct dir_search *s, LDAPMessage *msg)
{
	struct dir_entry *e, *v;
	BerElement *ber = NULL;
	char *dn = NULL, *a;
	kerr_t ret = 0;

	if (s->res.n >= d->max_entries) {
		s->res.overflow = 1;
		return kerr_set(&s->err, KRB_ERR_GENERIC,
		    "directory: more than %u entries for %s", d->max_entries,
		    s->filter);
	}
	v = realloc(s->res.v, (s->res.n + 1) * sizeof(*v));
	if (v == NULL)
		return kerr_set(&s->err, KRB_ERR_GENERIC, "out of memory");
	s->res.v = v;
	e = &v[s->res.n];
	memset(e, 0, sizeof(*e));
	s->res.n++;
	dn = ldap_get_dn(d->ld, msg);
	if (dn == NULL || strlen(dn) > DIR_DN_MAX ||
	    !dir_utf8_valid(dn, strlen(dn))) {
		ret = kerr_set(&s->err, KRB_ERR_GENERIC,
		    "directory: entry with a missing or malformed DN");
		goto cleanup;
	}
	if ((e->dn = strdup(dn)) == NULL) {
		ret = kerr_set(&s->err, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	e->attrs = calloc(DIR_MAX_ATTRS, sizeof(*e->attrs));
	if (e->attrs == NULL) {
		ret = kerr_set(&s->err, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	for (a = ldap_first_attribute(d->ld, msg, &ber); a != NULL;
	    a = ldap_next_attribute(d->ld, msg, ber)) {
		struct berval **vals = ldap_get_values_len(d->ld, msg, a);
		struct dir_attr *da;
		size_t i, n = vals ? (size_t)ldap_count_values_len(vals) : 0;

		if (e->n_attrs >= DIR_MAX_ATTRS || n > DIR_MAX_VALUES) {
			ret = kerr_set(&s->err, KRB_ERR_GENERIC,
			    "directory: %s: too many attributes or values "
			    "(%s)", e->dn, a);
			goto next;
		}
		da = &e->attrs[e->n_attrs++];
		da->name = strdup(a);
		da->vals = calloc(n ? n : 1, sizeof(*da->vals));
		if (da->name == NULL || da->vals == NULL) {
			ret = kerr_set(&s->err, KRB_ERR_GENERIC,
			    "out of memory");
			goto next;
		}
		for (i = 0; i < n; i++) {
			if (vals[i]->bv_len > d->max_value) {
				ret = kerr_set(&s->err, KRB_ERR_GENERIC,
				    "directory: %s: value of %s has %lu bytes, "
				    "limit %zu", e->dn, a,
				    (unsigned long)vals[i]->bv_len,
				    d->max_value);
				goto next;
			}
			da->vals[i].data = malloc(vals[i]->bv_len + 1);
			if (da->vals[i].data == NULL) {
				ret = kerr_set(&s->err, KRB_ERR_GENERIC,
				    "out of memory");
				goto next;
			}
			memcpy(da->vals[i].data, vals[i]->bv_val,
			    vals[i]->bv_len);
			da->vals[i].data[vals[i]->bv_len] = 0;
			da->vals[i].len = vals[i]->bv_len;
			da->n_vals++;
		}
next:
		ldap_value_free_len(vals);
		ldap_memfree(a);
		if (ret != 0)
			break;
	}
cleanup:
	if (ber != NULL)
		ber_free(ber, 0);
	ldap_memfree(dn);
	return ret;
}

static void
take_result(struct dir *d, struct dir_search *s, LDAPMessage *msg)
{
	char *text = NULL;
	int err = LDAP_OTHER;

	if (ldap_parse_result(d->ld, msg, &err, NULL, &text, NULL, NULL,
	    0) != LDAP_SUCCESS)
		err = LDAP_OTHER;
	switch (err) {
	case LDAP_SUCCESS:
		dir_complete(s, 0, "ok");
		break;
	case LDAP_SIZELIMIT_EXCEEDED:
		s->res.overflow = 1;
		dir_complete(s, KRB_ERR_GENERIC,
		    "directory: more than %u entries for %s", d->max_entries,
		    s->filter);
		break;
	case LDAP_NO_SUCH_OBJECT:
		/* A missing base is a configuration error, not "no such
		 * account": fail rather than report unknown principals. */
	case LDAP_TIMELIMIT_EXCEEDED:
	case LDAP_ADMINLIMIT_EXCEEDED:
	case LDAP_BUSY:
	case LDAP_UNAVAILABLE:
	case LDAP_UNWILLING_TO_PERFORM:
	case LDAP_INSUFFICIENT_ACCESS:
		dir_complete(s, KDC_ERR_SVC_UNAVAILABLE,
		    "directory: search %s: %s%s%s", s->filter,
		    ldap_err2string(err),
		    text && *text ? ": " : "", text ? text : "");
		break;
	default:
		dir_complete(s, KRB_ERR_GENERIC, "directory: search %s: %s",
		    s->filter, ldap_err2string(err));
		break;
	}
	ldap_memfree(text);
}


void
dir_process_results(struct dir *d)
{
	struct timeval zero = { 0, 0 };
	LDAP *ld = d->ld;
	LDAPMessage *msg;
	int rc, got = 0;

	/* Handling a message may drop this connection or even make a new
	 * one (failed bind -> next URI): stop as soon as d->ld changes. */
	while (ld != NULL && d->ld == ld) {
		struct dir_search *s;
		int msgid;

		msg = NULL;
		rc = ldap_result(d->ld, LDAP_RES_ANY, LDAP_MSG_ONE, &zero,
		    &msg);
		if (rc == 0)
			break;
		if (rc < 0) {
			int e = LDAP_SERVER_DOWN;

			ldap_get_option(d->ld, LDAP_OPT_RESULT_CODE, &e);
			ldap_msgfree(msg);
			if (d->state == CS_BINDING)
				dir_conn_uri_failed(d, "%s",
				    ldap_err2string(e));
			else
				dir_conn_lost(d, ldap_err2string(e));
			return;
		}
		got = 1;
		d->last_rx_ms = dir_now_ms();
		msgid = ldap_msgid(msg);
		if (rc == LDAP_RES_BIND && msgid == d->bind_msgid) {
			dir_conn_bind_done(d, msg);
		} else if (msgid == 0 && rc == LDAP_RES_EXTENDED) {
			/* RFC 4511 section 4.4.1: notice of disconnection. */
			ldap_msgfree(msg);
			dir_conn_lost(d, "server sent notice of disconnection");
			return;
		} else if ((s = find_sent(d, msgid)) == NULL) {
			/* abandoned or timed out: drop */
		} else if (rc == LDAP_RES_SEARCH_ENTRY) {
			if (take_entry(d, s, msg) != 0) {
				struct kerr e = s->err;

				ldap_abandon_ext(d->ld, msgid, NULL, NULL);
				dir_complete(s, e.code, "%s", e.msg);
			}
		} else if (rc == LDAP_RES_SEARCH_RESULT) {
			take_result(d, s, msg);
		}
		/* Search references (other naming contexts) are ignored. */
		ldap_msgfree(msg);
	}
	if (!got && ld != NULL && d->ld == ld) {
		char c;
		ssize_t n;
		int fd = -1;

		/* Readable but nothing parsed: end of stream on an idle
		 * connection shows up here. */
		ldap_get_option(d->ld, LDAP_OPT_DESC, &fd);
		n = fd >= 0 ? recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) : 0;
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK
		    && errno != EINTR))
			dir_conn_lost(d, "closed by server");
	}
}


/* --- searches ------------------------------------------------------------ */

static void
on_deadline(void *arg)
{
	struct dir_search *s = arg;
	struct dir *d = s->dir;
	int silent;

	if (s->where == W_QUEUED) {
		dir_complete(s, KDC_ERR_SVC_UNAVAILABLE,
		    "directory: no connection within %u ms (%s)",
		    d->timeout_ms, d->last_error);
		return;
	}
	if (s->where != W_SENT)
		return;
	/* Nothing at all received since this search went out: the server
	 * is hung, so stop using the connection. */
	silent = d->last_rx_ms < s->sent_ms;
	if (d->ld != NULL)
		ldap_abandon_ext(d->ld, s->msgid, NULL, NULL);
	dir_complete(s, KDC_ERR_SVC_UNAVAILABLE,
	    "directory: search %s timed out after %u ms", s->filter,
	    d->timeout_ms);
	if (silent && d->state == CS_READY)
		dir_conn_lost(d, "server does not answer");
}

char *
dir_strdup_bounded(const char *s, size_t max)
{
	if (s == NULL || strlen(s) > max)
		return NULL;
	return strdup(s);
}

struct dir_search *
dir_search(struct dir *d, const char *base, enum dir_scope scope,
    const char *filter, const char *const *attrs, dir_search_cb cb,
    void *arg, struct kerr *err)
{
	struct dir_search *s = NULL;
	size_t i, n = 0;
	static const int scopes[] = { LDAP_SCOPE_BASE, LDAP_SCOPE_ONELEVEL,
	    LDAP_SCOPE_SUBTREE };

	if (d == NULL || filter == NULL || cb == NULL ||
	    (unsigned)scope > DIR_SCOPE_SUB) {
		kerr_set(err, KRB_ERR_GENERIC, "dir_search: bad arguments");
		return NULL;
	}
	if (strlen(filter) > DIR_FILTER_MAX) {
		kerr_set(err, KRB_ERR_GENERIC, "directory filter too long");
		return NULL;
	}
	while (attrs != NULL && attrs[n] != NULL)
		n++;
	if (n > DIR_MAX_ATTRS) {
		kerr_set(err, KRB_ERR_GENERIC, "too many attributes requested");
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto nomem;
	s->dir = d;
	s->cb = cb;
	s->arg = arg;
	s->scope = scopes[scope];
	s->msgid = -1;
	s->base = dir_strdup_bounded(base ? base : d->base_dn, DIR_DN_MAX);
	s->filter = strdup(filter);
	s->deadline = loop_timer_new(d->loop, on_deadline, s);
	if (s->base == NULL || s->filter == NULL || s->deadline == NULL)
		goto nomem;
	if (attrs != NULL) {
		if ((s->attrs = calloc(n + 1, sizeof(*s->attrs))) == NULL)
			goto nomem;
		for (i = 0; i < n; i++) {
			s->attrs[i] = dir_strdup_bounded(attrs[i], 256);
			if (s->attrs[i] == NULL)
				goto nomem;
		}
	}
	loop_timer_arm(s->deadline, d->timeout_ms);
	if (d->n_outstanding >= d->max_outstanding) {
		dir_complete(s, KDC_ERR_SVC_UNAVAILABLE,
		    "directory: %zu searches outstanding, limit %u",
		    d->n_outstanding, d->max_outstanding);
		return s;
	}
	list_push(&d->queued, s, W_QUEUED);
	switch (d->state) {
	case CS_READY:
		dir_send_search(d, s);
		break;
	case CS_BACKOFF:
		dir_complete(s, KDC_ERR_SVC_UNAVAILABLE,
		    "directory: unavailable (%s)", d->last_error);
		break;
	case CS_IDLE:
		dir_conn_start(d);
		break;
	default:
		break;   /* queued until the connection is ready */
	}
	return s;
nomem:
	search_free(s);
	kerr_set(err, KRB_ERR_GENERIC, "out of memory");
	return NULL;
}

void
dir_cancel(struct dir_search *s)
{
	if (s == NULL)
		return;
	if (s->where == W_SENT && s->dir->ld != NULL)
		ldap_abandon_ext(s->dir->ld, s->msgid, NULL, NULL);
	list_unlink(s);
	search_free(s);
}

const char *
dir_base_dn(const struct dir *d)
{
	return d->base_dn;
}

int
dir_connected(const struct dir *d)
{
	return d != NULL && d->state == CS_READY;
}

/* --- creation ------------------------------------------------------------ */

static kerr_t
read_password(struct dir *d, const char *path, struct kerr *err)
{
	char buf[DIR_PASSWORD_MAX + 2];
	struct stat st;
	ssize_t n;
	size_t len;
	kerr_t ret = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return kerr_set(err, KRB_ERR_GENERIC, "directory password "
		    "file %s: %s", path, strerror(errno));
	if (fstat(fd, &st) == 0 && (st.st_mode & 0077) != 0)
		log_msg(LOG_LVL_WARNING, "directory password file %s is "
		    "readable by group or others", path);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		ret = kerr_set(err, KRB_ERR_GENERIC, "reading %s: %s", path,
		    strerror(errno));
		goto cleanup;
	}
	len = (size_t)n;
	if (len > DIR_PASSWORD_MAX) {
		ret = kerr_set(err, KRB_ERR_GENERIC, "%s: password longer "
		    "than %d bytes", path, DIR_PASSWORD_MAX);
		goto cleanup;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	/* RFC 4513 section 5.1.2: a DN with an empty password is an
	 * unauthenticated bind, which servers may accept silently. */
	if (len == 0) {
		ret = kerr_set(err, KRB_ERR_GENERIC, "%s: empty password",
		    path);
		goto cleanup;
	}
	if ((d->password = malloc(len + 1)) == NULL) {
		ret = kerr_set(err, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	memcpy(d->password, buf, len);
	d->password[len] = '\0';
	d->password_len = len;
cleanup:
	sec_wipe(buf, sizeof(buf));
	return ret;
}

/* See dir_ldap.h: writes to a closed socket must fail, not kill us. */
static void
ignore_sigpipe(void)
{
	struct sigaction sa;

	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_IGN;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGPIPE, &sa, NULL);
	}
}

static kerr_t
check_uri(const char *uri, int external, struct kerr *err)
{
	LDAPURLDesc *lud = NULL;
	kerr_t ret = 0;

	if (ldap_url_parse(uri, &lud) != LDAP_URL_SUCCESS)
		return kerr_set(err, KRB_ERR_GENERIC, "%s: not an LDAP URI",
		    uri);
	if (strcasecmp(lud->lud_scheme, "ldap") != 0 &&
	    strcasecmp(lud->lud_scheme, "ldaps") != 0 &&
	    strcasecmp(lud->lud_scheme, "ldapi") != 0)
		ret = kerr_set(err, KRB_ERR_GENERIC, "%s: only ldap://, "
		    "ldaps:// and ldapi:// are supported", uri);
	else if (external && strcasecmp(lud->lud_scheme, "ldapi") != 0)
		ret = kerr_set(err, KRB_ERR_GENERIC, "%s: SASL EXTERNAL needs "
		    "ldapi://", uri);
	ldap_free_urldesc(lud);
	return ret;
}

struct dir *
dir_new(struct loop *l, const struct dir_settings *s, struct kerr *err)
{
	struct dir *d = NULL;
	size_t i;

	if (l == NULL || s == NULL || s->n_uris == 0 ||
	    s->n_uris > DIR_MAX_URIS || s->base_dn == NULL) {
		kerr_set(err, KRB_ERR_GENERIC, "directory: need 1 to %d URIs "
		    "and a base DN", DIR_MAX_URIS);
		return NULL;
	}
	if (s->bind_dn != NULL && s->sasl_external) {
		kerr_set(err, KRB_ERR_GENERIC, "directory: choose a bind DN "
		    "or SASL EXTERNAL, not both");
		return NULL;
	}
	if (s->bind_dn != NULL && s->bind_password_file == NULL) {
		kerr_set(err, KRB_ERR_GENERIC, "directory: bind DN without "
		    "a password file");
		return NULL;
	}
	for (i = 0; i < s->n_uris; i++) {
		if (s->uris[i] == NULL || check_uri(s->uris[i],
		    s->sasl_external, err) != 0)
			return NULL;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		goto nomem;
	d->loop = l;
	d->fd = -1;
	d->bind_msgid = -1;
	d->external = s->sasl_external;
	d->timeout_ms = (s->timeout_s ? s->timeout_s : 5) * 1000;
	d->max_outstanding = s->max_outstanding ? s->max_outstanding : 256;
	d->max_entries = s->max_entries ? s->max_entries : 100;
	if (d->max_entries > 100000)
		d->max_entries = 100000;
	d->max_value = s->max_value_size ? s->max_value_size : 65536;
	d->backoff_min = s->reconnect_min_ms ? s->reconnect_min_ms : 500;
	d->backoff_max = s->reconnect_max_ms ? s->reconnect_max_ms : 30000;
	if (d->backoff_max < d->backoff_min)
		d->backoff_max = d->backoff_min;
	d->backoff_cur = d->backoff_min;
	d->n_uris = s->n_uris;
	for (i = 0; i < s->n_uris; i++) {
		if ((d->uris[i] = strdup(s->uris[i])) == NULL)
			goto nomem;
	}
	d->base_dn = dir_strdup_bounded(s->base_dn, DIR_DN_MAX);
	if (d->base_dn == NULL)
		goto nomem;
	if (s->bind_dn != NULL) {
		d->bind_dn = dir_strdup_bounded(s->bind_dn, DIR_DN_MAX);
		if (d->bind_dn == NULL)
			goto nomem;
		if (read_password(d, s->bind_password_file, err) != 0)
			goto fail;
	}
	if (s->tls_ca_file != NULL &&
	    (d->tls_ca_file = dir_strdup_bounded(s->tls_ca_file, 4096)) == NULL)
		goto nomem;
	ignore_sigpipe();
	d->conn_timer = loop_timer_new(l, dir_conn_on_timer, d);
	d->kick = loop_timer_new(l, on_kick, d);
	if (d->conn_timer == NULL || d->kick == NULL)
		goto nomem;
	snprintf(d->last_error, sizeof(d->last_error), "not connected yet");
	return d;
nomem:
	kerr_set(err, KRB_ERR_GENERIC, "out of memory");
fail:
	dir_free(d);
	return NULL;
}

static void
free_list(struct dir_search **head)
{
	while (*head != NULL) {
		struct dir_search *s = *head;

		list_unlink(s);
		search_free(s);
	}
}

void
dir_free(struct dir *d)
{
	size_t i;

	if (d == NULL)
		return;
	dir_conn_drop(d);
	free_list(&d->queued);
	free_list(&d->sent);
	free_list(&d->done);
	loop_timer_free(d->conn_timer);
	loop_timer_free(d->kick);
	for (i = 0; i < d->n_uris; i++)
		free(d->uris[i]);
	free(d->base_dn);
	free(d->bind_dn);
	free(d->tls_ca_file);
	sec_free(d->password, d->password_len);
	free(d);
}
