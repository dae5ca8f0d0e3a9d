/*
 * config.c - kdc.conf: load the typed configuration.
 *
 * profile.c gives a tree; this file walks it against the option table of
 * config_table.c.  Anything the table does not know is an error with the file and line and,
 * when the name is close to a known one, a suggestion: a misspelt option
 * silently falling back to its default is how a KDC ends up accepting
 * SHA-1 signatures or listening on the wrong address.  Defaults are
 * written as text in the table and parsed by the same code as the file,
 * so kdc.conf(5), the table and the behaviour cannot drift apart.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kdc_config.h"

#include "profile.h"

#define KDC_CONFIG_MSG_MAX 512
#define CONFIG_MAX_OPTIONS 64  /* names per section, for suggestions */

struct config_where {
	const struct realm_config *realm;  /* NULL for global options */
	const char *option;                /* table name; NULL: realm block */
	int line;
	char *text;                        /* "path:line" */
};

struct loader {
	struct kdc_config *cfg;
	struct log_target def_targets[LOG_MAX_TARGETS];  /* [logging] default */
	unsigned int n_def;
	char *err;
	size_t errlen;
};

static const char *const sections[] = { "kdcdefaults", "logging", "realms",
	NULL };

static void
lerr(struct loader *ld, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
lerr(struct loader *ld, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ld->errlen == 0)
		return;
	if (line > 0)
		n = snprintf(ld->err, ld->errlen, "%s:%d: ", ld->cfg->path,
		    line);
	else
		n = snprintf(ld->err, ld->errlen, "%s: ", ld->cfg->path);
	if (n < 0 || (size_t)n >= ld->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(ld->err + n, ld->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/* Levenshtein distance, for "did you mean"; names are short. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, d[65], prev, tmp, best;

	if (la > 64 || lb > 64)
		return 64;
	for (j = 0; j <= lb; j++)
		d[j] = j;
	for (i = 1; i <= la; i++) {
		prev = d[0];
		d[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = d[j];
			best = prev + ((a[i - 1] | 32) == (b[j - 1] | 32) ? 0 : 1);
			if (d[j] + 1 < best)
				best = d[j] + 1;
			if (d[j - 1] + 1 < best)
				best = d[j - 1] + 1;
			d[j] = best;
			prev = tmp;
		}
	}
	return d[lb];
}

/* The closest candidate if it is close enough to be a likely typo. */
static const char *
closest(const char *name, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t i, d, bestd = (size_t)-1, limit;

	limit = 1 + strlen(name) / 5;
	if (limit > 3)
		limit = 3;
	for (i = 0; i < n; i++) {
		d = edit_distance(name, cands[i]);
		if (d < bestd) {
			bestd = d;
			best = cands[i];
		}
	}
	return bestd <= limit ? best : NULL;
}

static void
unknown_option(struct loader *ld, const struct profile_node *n,
    const char *section, const char *where)
{
	const struct config_option *options;
	const char *names[CONFIG_MAX_OPTIONS], *guess;
	size_t i, k = 0, n_options;

	options = config_options(&n_options);
	for (i = 0; i < n_options && k < CONFIG_MAX_OPTIONS; i++)
		if (strcmp(options[i].section, section) == 0)
			names[k++] = options[i].name;
	guess = closest(n->name, names, k);
	if (guess != NULL)
		lerr(ld, n->line, "unknown option '%s' in %s; did you mean "
		    "'%s'?", n->name, where, guess);
	else
		lerr(ld, n->line, "unknown option '%s' in %s", n->name, where);
}

static const struct config_option *
find_option(const char *section, const char *name)
{
	const struct config_option *options;
	size_t i, n_options;

	options = config_options(&n_options);
	for (i = 0; i < n_options; i++)
		if (strcmp(options[i].section, section) == 0 &&
		    strcmp(options[i].name, name) == 0)
			return &options[i];
	return NULL;
}

static const struct config_where *
where_find(const struct kdc_config *cfg, const struct realm_config *realm,
    const char *option)
{
	size_t i;

	for (i = 0; i < cfg->n_where; i++) {
		const struct config_where *w = &cfg->where[i];

		if (w->realm != realm)
			continue;
		if (option == NULL ? w->option == NULL :
		    (w->option != NULL && strcmp(w->option, option) == 0))
			return w;
	}
	return NULL;
}

static int
where_add(struct loader *ld, const struct realm_config *realm,
    const char *option, int line)
{
	struct kdc_config *cfg = ld->cfg;
	struct config_where *nv;
	char buf[64];
	size_t len;

	nv = realloc(cfg->where, (cfg->n_where + 1) * sizeof(*nv));
	if (nv == NULL)
		goto nomem;
	cfg->where = nv;
	snprintf(buf, sizeof(buf), ":%d", line);
	len = strlen(cfg->path) + strlen(buf) + 1;
	nv[cfg->n_where].text = malloc(len);
	if (nv[cfg->n_where].text == NULL)
		goto nomem;
	snprintf(nv[cfg->n_where].text, len, "%s%s", cfg->path, buf);
	nv[cfg->n_where].realm = realm;
	nv[cfg->n_where].option = option;
	nv[cfg->n_where].line = line;
	cfg->n_where++;
	return 0;

nomem:
	lerr(ld, line, "out of memory");
	return -1;
}

const char *
config_option_where(const struct kdc_config *cfg, const char *realm,
    const char *option)
{
	const struct realm_config *r = NULL;
	const struct config_where *w;

	if (cfg == NULL)
		return NULL;
	if (realm != NULL && (r = config_realm(cfg, realm)) == NULL)
		return cfg->path;
	if (option != NULL && (w = where_find(cfg, r, option)) != NULL)
		return w->text;
	if (r != NULL && (w = where_find(cfg, r, NULL)) != NULL)
		return w->text;
	return cfg->path;
}

const struct realm_config *
config_realm(const struct kdc_config *cfg, const char *name)
{
	const struct realm_config *r;

	if (cfg == NULL || name == NULL)
		return NULL;
	for (r = cfg->realms; r != NULL; r = r->next)
		if (strcmp(r->name, name) == 0)
			return r;
	return NULL;
}

static int
strlist_add(struct strlist *l, char *s)
{
	char **nv;

	if (l->n >= CONFIG_MAX_LIST)
		return -1;
	nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (nv == NULL)
		return -1;
	l->v = nv;
	l->v[l->n++] = s;
	return 0;
}

static void
strlist_clear(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void
store_int(void *field, size_t width, int64_t v)
{
	int iv = (int)v;

	if (width == sizeof(int64_t))
		memcpy(field, &v, sizeof(v));
	else
		memcpy(field, &iv, sizeof(iv));
}

/* Run the option's check, keeping the value as is when it has none. */
static int
checked_copy(const struct config_option *o, const char *value, char **out,
    char *msg, size_t msglen)
{
	if (o->check != NULL)
		return o->check(value, out, msg, msglen);
	*out = strdup(value);
	if (*out == NULL) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	return 0;
}

static int
store_list_item(const struct config_option *o, struct strlist *l,
    const char *item, char *msg, size_t msglen)
{
	char *copy = NULL;

	if (checked_copy(o, item, &copy, msg, msglen) != 0)
		return -1;
	if (strlist_add(l, copy) != 0) {
		free(copy);
		snprintf(msg, msglen, "more than %d values", CONFIG_MAX_LIST);
		return -1;
	}
	return 0;
}

static int
set_strlist(const struct config_option *o, struct strlist *l,
    const char *value, char *msg, size_t msglen)
{
	char item[PROFILE_MAX_LINE + 1];
	const char *p = value;
	size_t n;
	int any = 0;

	if (!(o->flags & CONFIG_F_SPLIT))
		return store_list_item(o, l, value, msg, msglen);
	for (;;) {
		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		n = strcspn(p, " \t");
		memcpy(item, p, n);
		item[n] = '\0';
		if (store_list_item(o, l, item, msg, msglen) != 0)
			return -1;
		any = 1;
		p += n;
	}
	if (!any) {
		snprintf(msg, msglen, "empty value");
		return -1;
	}
	return 0;
}

static int
parse_dh_bits(const char *value, int64_t *out)
{
	/* Curve names map to DH sizes of equal strength (NIST SP 800-57). */
	static const struct { const char *name; int bits; } curves[] = {
		{ "P-256", 3072 }, { "P-384", 7680 }, { "P-521", 15360 },
	};
	size_t i;
	char *end;
	long v;

	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
		if (strcasecmp(value, curves[i].name) == 0) {
			*out = curves[i].bits;
			return 0;
		}
	}
	if (value[0] < '0' || value[0] > '9')
		return -1;
	v = strtol(value, &end, 10);
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* "bad value 'x' (expected one of a, b, c)" */
static void
enum_error(const struct config_option *o, const char *value, char *msg,
    size_t msglen)
{
	size_t n;
	int i;

	n = (size_t)snprintf(msg, msglen, "bad value '%s' (expected one of",
	    value);
	for (i = 0; o->choices[i] != NULL && n < msglen; i++)
		n += (size_t)snprintf(msg + n, msglen - n, "%s %s",
		    i > 0 ? "," : "", o->choices[i]);
	if (n < msglen)
		snprintf(msg + n, msglen - n, ")");
}

/*
 * Parse value for option o and store it in base (a struct kdc_config or
 * realm_config).  On failure a message without location goes to msg.
 */
static int
set_value(struct loader *ld, const struct config_option *o, void *base,
    const char *value, char *msg, size_t msglen)
{
	void *field = (char *)base + o->offset;
	struct log_settings *ls;
	struct log_target t;
	int64_t v = 0;
	uint64_t sz;
	char *s = NULL, *end;
	int b, i;

	switch (o->type) {
	case CONFIG_STRING:
		if (checked_copy(o, value, &s, msg, msglen) != 0)
			return -1;
		free(*(char **)field);
		*(char **)field = s;
		return 0;
	case CONFIG_BOOL:
		if (config_parse_bool(value, &b) != 0) {
			snprintf(msg, msglen, "bad boolean '%s' (expected yes "
			    "or no, true or false, on or off, 1 or 0)", value);
			return -1;
		}
		store_int(field, o->width, b);
		return 0;
	case CONFIG_INT:
		v = strtoll(value, &end, 10);
		if (*value == '\0' || *end != '\0') {
			snprintf(msg, msglen, "bad integer '%s'", value);
			return -1;
		}
		break;
	case CONFIG_DURATION:
		if (config_parse_duration(value, &v) != 0) {
			snprintf(msg, msglen, "bad duration '%s' (examples: "
			    "300, 10h, 1d 2h, 1h30m, 1:30:00)", value);
			return -1;
		}
		break;
	case CONFIG_SIZE:
		if (config_parse_size(value, &sz) != 0 || sz > INT64_MAX) {
			snprintf(msg, msglen, "bad size '%s' (examples: 4096, "
			    "64k, 1m)", value);
			return -1;
		}
		v = (int64_t)sz;
		break;
	case CONFIG_DH_BITS:
		if (parse_dh_bits(value, &v) != 0) {
			snprintf(msg, msglen, "bad value '%s' (expected a "
			    "number of bits or P-256, P-384, P-521)", value);
			return -1;
		}
		break;
	case CONFIG_LISTEN:
		return config_parse_listen(value, field, msg, msglen);
	case CONFIG_STRLIST:
		return set_strlist(o, field, value, msg, msglen);
	case CONFIG_ENUM:
		for (i = 0; o->choices[i] != NULL; i++) {
			if (strcasecmp(o->choices[i], value) == 0)
				break;
		}
		if (o->choices[i] == NULL) {
			enum_error(o, value, msg, msglen);
			return -1;
		}
		/* [logging] level stores the syslog severity; other keyword
		 * options store the position of the word in their list. */
		store_int(field, o->width, strcmp(o->name, "level") == 0 ?
		    log_level_parse(value) : i);
		return 0;
	case CONFIG_LOG_TARGET:
		if (config_parse_log_target(value, &t, msg, msglen) != 0)
			return -1;
		ls = field;
		if (strcmp(o->name, "default") == 0) {
			if (ld->n_def >= LOG_MAX_TARGETS)
				goto too_many;
			ld->def_targets[ld->n_def++] = t;
			return 0;
		}
		if (ls->n_targets >= LOG_MAX_TARGETS)
			goto too_many;
		ls->targets[ls->n_targets++] = t;
		return 0;
	}
	if (v < o->min || v > o->max) {
		snprintf(msg, msglen, "value '%s' out of range (%lld to %lld)",
		    value, (long long)o->min, (long long)o->max);
		return -1;
	}
	if (o->type == CONFIG_SIZE)
		*(size_t *)field = (size_t)v;
	else
		store_int(field, o->width, v);
	return 0;

too_many:
	snprintf(msg, msglen, "more than %d log targets", LOG_MAX_TARGETS);
	return -1;
}

/* Apply one relation of the file. */
static int
apply_relation(struct loader *ld, const char *section, const char *where,
    struct realm_config *realm, void *base, const struct profile_node *n)
{
	const struct config_option *o = find_option(section, n->name);
	const struct config_where *prev;
	char msg[KDC_CONFIG_MSG_MAX];

	if (o == NULL) {
		unknown_option(ld, n, section, where);
		return -1;
	}
	if (n->kind != PROFILE_RELATION) {
		lerr(ld, n->line, "option '%s' takes a value, not a block",
		    n->name);
		return -1;
	}
	prev = where_find(ld->cfg, realm, o->name);
	if (prev != NULL && !(o->flags & CONFIG_F_MULTI)) {
		lerr(ld, n->line, "option '%s' is already set at line %d",
		    o->name, prev->line);
		return -1;
	}
	if (set_value(ld, o, base, n->value, msg, sizeof(msg)) != 0) {
		lerr(ld, n->line, "%s: %s", o->name, msg);
		return -1;
	}
	if (prev == NULL && where_add(ld, realm, o->name, n->line) != 0)
		return -1;
	return 0;
}

/* Give every option of section that the file left unset its default. */
static int
apply_defaults(struct loader *ld, const char *section,
    struct realm_config *realm, void *base, int line)
{
	const struct config_option *options;
	char msg[KDC_CONFIG_MSG_MAX];
	size_t i, n_options;

	options = config_options(&n_options);
	for (i = 0; i < n_options; i++) {
		const struct config_option *o = &options[i];

		if (strcmp(o->section, section) != 0 ||
		    where_find(ld->cfg, realm, o->name) != NULL)
			continue;
		if (o->flags & CONFIG_F_REQUIRED) {
			lerr(ld, line, "realm %s lacks required option '%s'",
			    realm->name, o->name);
			return -1;
		}
		if (o->def == NULL)
			continue;
		/* kdc's default only applies when default is not given. */
		if (o->type == CONFIG_LOG_TARGET &&
		    (ld->cfg->log.n_targets > 0 || ld->n_def > 0))
			continue;
		if (set_value(ld, o, base, o->def, msg, sizeof(msg)) != 0) {
			lerr(ld, 0, "default of %s: %s", o->name, msg);
			return -1;
		}
	}
	return 0;
}

static int
check_realm_name(struct loader *ld, const struct profile_node *n)
{
	const char *p;

	if (strlen(n->name) > 255) {
		lerr(ld, n->line, "realm name too long");
		return -1;
	}
	for (p = n->name; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '@' ||
		    *p == '/' || *p == '\\') {
			lerr(ld, n->line, "bad realm name '%s'", n->name);
			return -1;
		}
	}
	return 0;
}

static void
realm_free(struct realm_config *r)
{
	if (r == NULL)
		return;
	free(r->name);
	free(r->krbtgt_keytab);
	free(r->pkinit_identity);
	free(r->pkinit_identity_passphrase_file);
	strlist_clear(&r->pkinit_anchors);
	strlist_clear(&r->pkinit_pool);
	strlist_clear(&r->ldap_uri);
	free(r->ldap_base_dn);
	free(r->ldap_bind_dn);
	free(r->ldap_bind_password_file);
	free(r->ldap_sasl_mech);
	free(r->service_keytab);
	strlist_clear(&r->pkinit_ntauth);
	free(r->pkinit_ntauth_base_dn);
	strlist_clear(&r->pkinit_revoke);
	free(r->pkinit_revocation_check);
	free(r->pkinit_revocation_failure);
	free(r->pkinit_ocsp_responder);
	free(r->strong_certificate_binding);
	free(r->netbios_name);
	free(r);
}

static int
load_realm(struct loader *ld, const struct profile_node *n,
    struct realm_config ***tailp)
{
	struct realm_config *r = NULL;
	const struct realm_config *dup;
	const struct profile_node *c;
	char where[300];

	if (n->kind != PROFILE_BLOCK) {
		lerr(ld, n->line, "realm %s must be a block: %s = { ... }",
		    n->name, n->name);
		return -1;
	}
	if (check_realm_name(ld, n) != 0)
		return -1;
	if ((dup = config_realm(ld->cfg, n->name)) != NULL) {
		lerr(ld, n->line, "duplicate realm %s (first defined at line "
		    "%d)", n->name, dup->line);
		return -1;
	}
	if (ld->cfg->n_realms >= CONFIG_MAX_REALMS) {
		lerr(ld, n->line, "more than %d realms", CONFIG_MAX_REALMS);
		return -1;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL || (r->name = strdup(n->name)) == NULL) {
		realm_free(r);
		lerr(ld, n->line, "out of memory");
		return -1;
	}
	r->file = ld->cfg->path;
	r->line = n->line;
	/* Linked first so errors below free it with the config. */
	**tailp = r;
	*tailp = &r->next;
	ld->cfg->n_realms++;
	if (where_add(ld, r, NULL, n->line) != 0)
		return -1;
	snprintf(where, sizeof(where), "[realms] %s", n->name);
	for (c = n->children; c != NULL; c = c->next)
		if (apply_relation(ld, "realms", where, r, r, c) != 0)
			return -1;
	return apply_defaults(ld, "realms", r, r, n->line);
}

static int
load_section(struct loader *ld, const struct profile_node *s,
    struct realm_config ***tailp)
{
	const struct profile_node *c;
	const char *guess;
	char where[64];

	if (strcmp(s->name, "realms") == 0) {
		for (c = s->children; c != NULL; c = c->next)
			if (load_realm(ld, c, tailp) != 0)
				return -1;
		return 0;
	}
	if (strcmp(s->name, "kdcdefaults") != 0 &&
	    strcmp(s->name, "logging") != 0) {
		guess = closest(s->name, sections, 3);
		if (guess != NULL)
			lerr(ld, s->line, "unknown section [%s]; did you mean "
			    "[%s]?", s->name, guess);
		else
			lerr(ld, s->line, "unknown section [%s] (known: "
			    "[kdcdefaults], [logging], [realms])", s->name);
		return -1;
	}
	snprintf(where, sizeof(where), "[%s]", s->name);
	for (c = s->children; c != NULL; c = c->next)
		if (apply_relation(ld, s->name, where, NULL, ld->cfg, c) != 0)
			return -1;
	return 0;
}

int
config_load(const char *path, struct kdc_config **cfg_out, char *errbuf,
    size_t errlen)
{
	struct loader ld;
	struct profile *prof = NULL;
	struct kdc_config *cfg = NULL;
	struct realm_config **tail;
	const struct profile_node *s;
	int ret = -1;

	memset(&ld, 0, sizeof(ld));
	ld.err = errbuf;
	ld.errlen = errlen;
	if (profile_parse_file(path, &prof, errbuf, errlen) != 0)
		goto cleanup;
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL || (cfg->path = strdup(path)) == NULL) {
		snprintf(errbuf, errlen, "%s: out of memory", path);
		goto cleanup;
	}
	ld.cfg = cfg;
	tail = &cfg->realms;
	for (s = prof->sections; s != NULL; s = s->next)
		if (load_section(&ld, s, &tail) != 0)
			goto cleanup;
	if (apply_defaults(&ld, "kdcdefaults", NULL, cfg, 0) != 0 ||
	    apply_defaults(&ld, "logging", NULL, cfg, 0) != 0)
		goto cleanup;
	if (cfg->log.n_targets == 0) {
		memcpy(cfg->log.targets, ld.def_targets,
		    ld.n_def * sizeof(ld.def_targets[0]));
		cfg->log.n_targets = ld.n_def;
	}
	*cfg_out = cfg;
	cfg = NULL;
	ret = 0;

cleanup:
	config_free(cfg);
	profile_free(prof);
	return ret;
}

void
config_free(struct kdc_config *cfg)
{
	struct realm_config *r, *next;
	size_t i;

	if (cfg == NULL)
		return;
	for (r = cfg->realms; r != NULL; r = next) {
		next = r->next;
		realm_free(r);
	}
	config_listen_list_clear(&cfg->udp);
	config_listen_list_clear(&cfg->tcp);
	config_listen_list_clear(&cfg->metrics);
	for (i = 0; i < cfg->n_where; i++)
		free(cfg->where[i].text);
	free(cfg->where);
	free(cfg->path);
	free(cfg);
}
