/*
 * config_value.c - the value syntaxes of kdc.conf.
 *
 * Durations follow the forms Kerberos administrators already write in MIT
 * kdc.conf files ("36000", "10h", "1d 2h", "1h30m", "1:30", "1d 2:00:00");
 * booleans take the same words MIT profiles take.  Listen addresses are
 * numeric only: resolving host names at startup would make the set of
 * sockets depend on DNS.
 */
#include "config.h"

#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <syslog.h>

#include "kdc_config.h"

#define DURATION_MAX INT32_MAX   /* Kerberos times are 32-bit offsets */
#define DEFAULT_PORT 88          /* RFC 4120 section 7.2.3 */

static const char *
skip_blank(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Read a decimal number of at most 10 digits; NULL if none. */
static const char *
read_number(const char *p, int64_t *out)
{
	int64_t v = 0;
	int n = 0;

	while (isdigit((unsigned char)*p)) {
		if (++n > 10)
			return NULL;
		v = v * 10 + (*p - '0');
		p++;
	}
	if (n == 0)
		return NULL;
	*out = v;
	return p;
}

/* Exactly two digits below 60, for the minutes and seconds of h:mm:ss. */
static const char *
read_sexagesimal(const char *p, int64_t *out)
{
	if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
		return NULL;
	*out = (p[0] - '0') * 10 + (p[1] - '0');
	if (*out >= 60)
		return NULL;
	return p + 2;
}

int
config_parse_duration(const char *s, int64_t *secs_out)
{
	static const char units[] = "dhms";
	static const int64_t mult[] = { 86400, 3600, 60, 1 };
	const char *p, *u;
	int64_t total = 0, num, h, m, sec;
	int last = -1, ntok = 0, rank;

	if (s == NULL)
		return -1;
	p = skip_blank(s);
	if (*p == '\0')
		return -1;
	while (*p != '\0') {
		p = read_number(p, &num);
		if (p == NULL)
			return -1;
		if (*p == ':') {
			/* h:mm[:ss], optionally after a day count only. */
			if (last > 0)
				return -1;
			h = num;
			sec = 0;
			p = read_sexagesimal(p + 1, &m);
			if (p == NULL)
				return -1;
			if (*p == ':' && (p = read_sexagesimal(p + 1, &sec)) ==
			    NULL)
				return -1;
			total += h * 3600 + m * 60 + sec;
			p = skip_blank(p);
			if (*p != '\0')
				return -1;
			break;
		}
		if (*p == '\0' || *p == ' ' || *p == '\t') {
			/* A bare number is seconds, and only on its own. */
			if (ntok > 0 || *skip_blank(p) != '\0')
				return -1;
			total = num;
			break;
		}
		u = strchr(units, *p);
		if (u == NULL)
			return -1;
		rank = (int)(u - units);
		if (rank <= last)
			return -1;
		last = rank;
		total += num * mult[rank];
		if (total > DURATION_MAX)
			return -1;
		p = skip_blank(p + 1);
		ntok++;
	}
	if (total > DURATION_MAX)
		return -1;
	*secs_out = total;
	return 0;
}

int
config_parse_bool(const char *s, int *val_out)
{
	static const char *const yes[] = { "y", "yes", "true", "t", "1", "on",
		NULL };
	static const char *const no[] = { "n", "no", "false", "nil", "0",
		"off", NULL };
	int i;

	if (s == NULL)
		return -1;
	for (i = 0; yes[i] != NULL; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*val_out = 1;
			return 0;
		}
	}
	for (i = 0; no[i] != NULL; i++) {
		if (strcasecmp(s, no[i]) == 0) {
			*val_out = 0;
			return 0;
		}
	}
	return -1;
}

int
config_parse_size(const char *s, uint64_t *bytes_out)
{
	const char *p;
	int64_t num;
	uint64_t mult = 1;

	if (s == NULL)
		return -1;
	p = read_number(skip_blank(s), &num);
	if (p == NULL)
		return -1;
	p = skip_blank(p);
	if (*p == 'k' || *p == 'K') {
		mult = 1024;
		p++;
	} else if (*p == 'm' || *p == 'M') {
		mult = 1024 * 1024;
		p++;
	}
	if (*skip_blank(p) != '\0')
		return -1;
	*bytes_out = (uint64_t)num * mult;
	return 0;
}

void
config_listen_list_clear(struct listen_list *list)
{
	if (list == NULL)
		return;
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

static int
parse_port(const char *s, int *port_out)
{
	int64_t v;
	const char *p = read_number(s, &v);

	if (p == NULL || *p != '\0' || v < 1 || v > 65535)
		return -1;
	*port_out = (int)v;
	return 0;
}

/* Resolve one numeric host (no DNS) and append it with port. */
static int
listen_add(struct listen_list *list, const char *host, int port, char *err,
    size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	struct listen_addr a, *nv;
	char buf[NI_MAXHOST];
	size_t i;
	int ret = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
	if (getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL ||
	    res->ai_addrlen > sizeof(a.ss)) {
		snprintf(err, errlen, "bad address '%s' (a numeric IPv4 or "
		    "IPv6 address is required)", host);
		goto cleanup;
	}
	memset(&a, 0, sizeof(a));
	memcpy(&a.ss, res->ai_addr, res->ai_addrlen);
	a.len = (socklen_t)res->ai_addrlen;
	if (a.ss.ss_family == AF_INET)
		((struct sockaddr_in *)&a.ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)&a.ss)->sin6_port =
		    htons((uint16_t)port);
	if (getnameinfo((struct sockaddr *)&a.ss, a.len, buf, sizeof(buf),
	    NULL, 0, NI_NUMERICHOST) != 0) {
		snprintf(err, errlen, "bad address '%s'", host);
		goto cleanup;
	}
	snprintf(a.text, sizeof(a.text), a.ss.ss_family == AF_INET6 ?
	    "[%s]:%d" : "%s:%d", buf, port);
	for (i = 0; i < list->n; i++) {
		if (strcmp(list->v[i].text, a.text) == 0) {
			snprintf(err, errlen, "duplicate listen address %s",
			    a.text);
			goto cleanup;
		}
	}
	if (list->n >= CONFIG_MAX_LISTEN) {
		snprintf(err, errlen, "more than %d listen addresses",
		    CONFIG_MAX_LISTEN);
		goto cleanup;
	}
	nv = realloc(list->v, (list->n + 1) * sizeof(*nv));
	if (nv == NULL) {
		snprintf(err, errlen, "out of memory");
		goto cleanup;
	}
	list->v = nv;
	list->v[list->n++] = a;
	ret = 0;

cleanup:
	if (res != NULL)
		freeaddrinfo(res);
	return ret;
}

/* One item: port | addr | addr:port | [v6] | [v6]:port | *:port. */
static int
listen_item(struct listen_list *list, char *item, char *err, size_t errlen)
{
	char *host = item, *port_s = NULL, *c;
	int port = DEFAULT_PORT;

	if (item[strspn(item, "0123456789")] == '\0') {
		host = NULL;
		port_s = item;
	} else if (item[0] == '[') {
		c = strchr(item, ']');
		if (c == NULL || (c[1] != '\0' && c[1] != ':')) {
			snprintf(err, errlen, "bad address '%s'", item);
			return -1;
		}
		host = item + 1;
		*c = '\0';
		if (c[1] == ':')
			port_s = c + 2;
	} else if ((c = strchr(item, ':')) != NULL && strchr(c + 1, ':') ==
	    NULL) {
		*c = '\0';
		port_s = c + 1;
	}
	/* More than one colon and no brackets: a bare IPv6 address. */
	if (port_s != NULL && parse_port(port_s, &port) != 0) {
		snprintf(err, errlen, "bad port '%s'", port_s);
		return -1;
	}
	if (host == NULL || strcmp(host, "*") == 0 || *host == '\0') {
		if (listen_add(list, "0.0.0.0", port, err, errlen) != 0)
			return -1;
		return listen_add(list, "::", port, err, errlen);
	}
	return listen_add(list, host, port, err, errlen);
}

int
config_parse_listen(const char *s, struct listen_list *list, char *err,
    size_t errlen)
{
	char item[128];
	const char *p = s;
	size_t n;
	int any = 0;

	if (s == NULL)
		return -1;
	for (;;) {
		p += strspn(p, ", \t");
		if (*p == '\0')
			break;
		n = strcspn(p, ", \t");
		if (n >= sizeof(item)) {
			snprintf(err, errlen, "listen address too long: '%.*s'",
			    (int)(n > 60 ? 60 : n), p);
			return -1;
		}
		memcpy(item, p, n);
		item[n] = '\0';
		if (listen_item(list, item, err, errlen) != 0)
			return -1;
		any = 1;
		p += n;
	}
	if (!any) {
		snprintf(err, errlen, "empty address list");
		return -1;
	}
	return 0;
}

struct name_value {
	const char *name;
	int value;
};

static const struct name_value facilities[] = {
	{ "daemon", LOG_DAEMON }, { "auth", LOG_AUTH },
	{ "authpriv", LOG_AUTHPRIV }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
	{ NULL, 0 }
};

/* Accepted in SYSLOG:severity[:facility] for MIT compatibility only. */
static const char *const severities[] = { "emerg", "alert", "crit", "err",
	"error", "warning", "notice", "info", "debug", NULL };

static int
lookup(const struct name_value *t, const char *name, int *out)
{
	for (; t->name != NULL; t++) {
		if (strcasecmp(t->name, name) == 0) {
			*out = t->value;
			return 0;
		}
	}
	return -1;
}

static int
is_severity(const char *s)
{
	int i;

	for (i = 0; severities[i] != NULL; i++)
		if (strcasecmp(severities[i], s) == 0)
			return 1;
	return 0;
}

static int
parse_syslog(const char *spec, struct log_target *t, char *err,
    size_t errlen)
{
	char buf[64], *second;
	int fac;

	t->facility = LOG_DAEMON;
	if (*spec == '\0')
		return 0;
	if (strlen(spec) >= sizeof(buf))
		goto bad;
	strcpy(buf, spec);
	second = strchr(buf, ':');
	if (second != NULL)
		*second++ = '\0';
	if (second == NULL) {
		/* One field: a facility, or MIT's severity. */
		if (lookup(facilities, buf, &fac) == 0) {
			t->facility = fac;
			return 0;
		}
		if (is_severity(buf))
			return 0;
		goto bad;
	}
	if (!is_severity(buf) || lookup(facilities, second, &fac) != 0)
		goto bad;
	t->facility = fac;
	return 0;

bad:
	snprintf(err, errlen, "bad syslog target 'SYSLOG:%s' (expected "
	    "SYSLOG, SYSLOG:facility or SYSLOG:severity:facility; facilities "
	    "are daemon, auth, authpriv, user, local0 to local7)", spec);
	return -1;
}

int
config_parse_log_target(const char *s, struct log_target *t_out, char *err,
    size_t errlen)
{
	struct log_target t;
	const char *path;

	if (s == NULL)
		return -1;
	memset(&t, 0, sizeof(t));
	if (strcasecmp(s, "STDERR") == 0) {
		t.kind = LOG_TARGET_STDERR;
	} else if (strcasecmp(s, "SYSLOG") == 0 ||
	    strncasecmp(s, "SYSLOG:", 7) == 0) {
		t.kind = LOG_TARGET_SYSLOG;
		if (parse_syslog(s[6] == ':' ? s + 7 : "", &t, err, errlen) !=
		    0)
			return -1;
	} else if (strncasecmp(s, "FILE:", 5) == 0 ||
	    strncasecmp(s, "FILE=", 5) == 0) {
		t.kind = LOG_TARGET_FILE;
		path = s + 5;
		if (path[0] != '/') {
			snprintf(err, errlen, "log file '%s' must be an "
			    "absolute path", path);
			return -1;
		}
		if (strlen(path) >= sizeof(t.path)) {
			snprintf(err, errlen, "log file path too long");
			return -1;
		}
		strcpy(t.path, path);
	} else {
		snprintf(err, errlen, "bad log target '%s' (expected STDERR, "
		    "SYSLOG[:facility] or FILE:/path)", s);
		return -1;
	}
	*t_out = t;
	return 0;
}
