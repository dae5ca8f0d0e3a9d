/*
 * profile.c - parse the profile syntax of kdc.conf into a tree.
 *
 * One pass, one line at a time.  Every node keeps its file and line so the
 * typed layer (config.c) can point the administrator at the exact place of
 * a mistake.  The parser is strict where a silent guess would change the
 * meaning of the file (unbalanced braces, a relation before any section,
 * text after a closing quote) and tolerant of the harmless things MIT
 * profiles allow (';' comments, '*' final markers, CRLF line ends).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profile.h"

struct parser {
	struct profile *prof;
	struct profile_node *section;   /* current [section] */
	struct profile_node *cur;       /* where new nodes go */
	struct profile_node *last_sect; /* append point for sections */
	int depth;                      /* open '{' blocks */
	char *errbuf;
	size_t errlen;
};

static void
perr(struct parser *ps, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
perr(struct parser *ps, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->errbuf == NULL || ps->errlen == 0)
		return;
	n = snprintf(ps->errbuf, ps->errlen, "%s:%d: ", ps->prof->path, line);
	if (n < 0 || (size_t)n >= ps->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(ps->errbuf + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

static char *
skip_space(char *s)
{
	while (is_space(*s))
		s++;
	return s;
}

static void
trim_right(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && is_space(s[n - 1]))
		s[--n] = '\0';
}

static void
node_free(struct profile_node *n)
{
	struct profile_node *next;

	while (n != NULL) {
		next = n->next;
		node_free(n->children);
		free(n->name);
		free(n->value);
		free(n);
		n = next;
	}
}

void
profile_free(struct profile *p)
{
	if (p == NULL)
		return;
	node_free(p->sections);
	free(p->path);
	free(p);
}

/* Create a node under the current container (or as a section). */
static struct profile_node *
node_add(struct parser *ps, enum profile_kind kind, const char *name,
    size_t name_len, int line)
{
	struct profile_node *n, **pp;

	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	n->name = strndup(name, name_len);
	if (n->name == NULL) {
		free(n);
		return NULL;
	}
	n->kind = kind;
	n->file = ps->prof->path;
	n->line = line;
	if (kind == PROFILE_SECTION) {
		pp = ps->last_sect != NULL ? &ps->last_sect->next :
		    &ps->prof->sections;
		*pp = n;
		ps->last_sect = n;
		return n;
	}
	n->parent = ps->cur;
	pp = ps->cur->tail != NULL ? &ps->cur->tail->next :
	    &ps->cur->children;
	*pp = n;
	ps->cur->tail = n;
	return n;
}

static int
parse_section(struct parser *ps, char *s, int line)
{
	char *end, *name, *rest;
	struct profile_node *n;
	int final = 0;

	if (ps->depth > 0) {
		perr(ps, line, "unbalanced braces: '{' opened at line %d for "
		    "'%s' is not closed before this section header",
		    ps->cur->line, ps->cur->name);
		return -1;
	}
	end = strchr(s, ']');
	if (end == NULL) {
		perr(ps, line, "missing ']' in section header");
		return -1;
	}
	*end = '\0';
	name = skip_space(s + 1);
	trim_right(name);
	if (*name == '\0') {
		perr(ps, line, "empty section name");
		return -1;
	}
	rest = skip_space(end + 1);
	if (*rest == '*') {
		final = 1;
		rest = skip_space(rest + 1);
	}
	if (*rest != '\0') {
		perr(ps, line, "unexpected text after section header: '%s'",
		    rest);
		return -1;
	}
	n = node_add(ps, PROFILE_SECTION, name, strlen(name), line);
	if (n == NULL) {
		perr(ps, line, "out of memory");
		return -1;
	}
	n->final = final;
	ps->section = n;
	ps->cur = n;
	return 0;
}

static int
parse_close(struct parser *ps, char *s, int line)
{
	char *rest;

	if (ps->depth == 0) {
		perr(ps, line, "unbalanced braces: '}' without a matching '{'");
		return -1;
	}
	rest = skip_space(s + 1);
	if (*rest == '*') {
		ps->cur->final = 1;
		rest = skip_space(rest + 1);
	}
	if (*rest != '\0') {
		perr(ps, line, "unexpected text after '}': '%s'", rest);
		return -1;
	}
	ps->cur = ps->cur->parent;
	ps->depth--;
	return 0;
}

/*
 * Decode a double-quoted value in place.  q points at the opening quote;
 * the decoded text is written to q (it only ever shrinks).
 */
static int
parse_quoted(struct parser *ps, char *q, int line)
{
	char *in = q + 1, *out = q;

	for (;;) {
		if (*in == '\0') {
			perr(ps, line, "unterminated quoted value");
			return -1;
		}
		if (*in == '"')
			break;
		if (*in != '\\') {
			*out++ = *in++;
			continue;
		}
		in++;
		switch (*in) {
		case '"': *out++ = '"'; break;
		case '\\': *out++ = '\\'; break;
		case 'n': *out++ = '\n'; break;
		case 't': *out++ = '\t'; break;
		case 'b': *out++ = '\b'; break;
		case '\0':
			perr(ps, line, "unterminated quoted value");
			return -1;
		default:
			perr(ps, line, "unknown escape '\\%c' in quoted value",
			    *in);
			return -1;
		}
		in++;
	}
	in = skip_space(in + 1);
	if (*in != '\0') {
		perr(ps, line, "unexpected text after quoted value: '%s'", in);
		return -1;
	}
	*out = '\0';
	return 0;
}

static int
parse_relation(struct parser *ps, char *s, int line)
{
	char *tag = s, *p, *value;
	size_t tag_len;
	struct profile_node *n;
	int final = 0;

	for (p = s; *p != '\0' && *p != '=' && !is_space(*p); p++)
		;
	tag_len = (size_t)(p - tag);
	if (tag_len > 0 && tag[tag_len - 1] == '*') {
		final = 1;
		tag_len--;
	}
	if (tag_len == 0) {
		perr(ps, line, "missing option name before '='");
		return -1;
	}
	if (ps->section == NULL) {
		perr(ps, line, "relation '%.*s' outside of any [section]",
		    (int)tag_len, tag);
		return -1;
	}
	p = skip_space(p);
	if (*p != '=') {
		perr(ps, line, "missing '=' after '%.*s'", (int)tag_len, tag);
		return -1;
	}
	value = skip_space(p + 1);
	if (*value == '{') {
		p = skip_space(value + 1);
		if (*p != '\0') {
			perr(ps, line, "unexpected text after '{': '%s'", p);
			return -1;
		}
		if (ps->depth >= PROFILE_MAX_DEPTH) {
			perr(ps, line, "blocks nested deeper than %d levels",
			    PROFILE_MAX_DEPTH);
			return -1;
		}
		n = node_add(ps, PROFILE_BLOCK, tag, tag_len, line);
		if (n == NULL)
			goto nomem;
		n->final = final;
		ps->cur = n;
		ps->depth++;
		return 0;
	}
	if (*value == '"') {
		if (parse_quoted(ps, value, line) != 0)
			return -1;
	} else {
		trim_right(value);
	}
	n = node_add(ps, PROFILE_RELATION, tag, tag_len, line);
	if (n == NULL)
		goto nomem;
	n->final = final;
	n->value = strdup(value);
	if (n->value == NULL)
		goto nomem;
	return 0;

nomem:
	perr(ps, line, "out of memory");
	return -1;
}

static int
parse_line(struct parser *ps, char *line, int lineno)
{
	char *s = skip_space(line);

	if (*s == '\0' || *s == '#' || *s == ';')
		return 0;
	if (*s == '[')
		return parse_section(ps, s, lineno);
	if (*s == '}')
		return parse_close(ps, s, lineno);
	return parse_relation(ps, s, lineno);
}

int
profile_parse_buffer(const char *path, const char *buf, size_t len,
    struct profile **out, char *errbuf, size_t errlen)
{
	struct parser ps;
	struct profile *prof = NULL;
	char line[PROFILE_MAX_LINE + 1];
	size_t pos = 0, n;
	const char *nl;
	int lineno = 0, ret = -1;

	memset(&ps, 0, sizeof(ps));
	ps.errbuf = errbuf;
	ps.errlen = errlen;
	prof = calloc(1, sizeof(*prof));
	if (prof == NULL || (prof->path = strdup(path)) == NULL) {
		snprintf(errbuf, errlen, "%s: out of memory", path);
		goto cleanup;
	}
	ps.prof = prof;
	if (len > PROFILE_MAX_FILE) {
		snprintf(errbuf, errlen, "%s: file too large (more than %d "
		    "bytes)", path, PROFILE_MAX_FILE);
		goto cleanup;
	}
	while (pos < len) {
		lineno++;
		nl = memchr(buf + pos, '\n', len - pos);
		n = nl != NULL ? (size_t)(nl - (buf + pos)) : len - pos;
		if (n > 0 && buf[pos + n - 1] == '\r')
			n--;
		if (n > PROFILE_MAX_LINE) {
			perr(&ps, lineno, "line too long (more than %d "
			    "characters)", PROFILE_MAX_LINE);
			goto cleanup;
		}
		if (memchr(buf + pos, '\0', n) != NULL) {
			perr(&ps, lineno, "NUL byte in line");
			goto cleanup;
		}
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		if (parse_line(&ps, line, lineno) != 0)
			goto cleanup;
		pos += (nl != NULL ? (size_t)(nl - (buf + pos)) + 1 : len - pos);
	}
	if (ps.depth > 0) {
		perr(&ps, ps.cur->line, "unbalanced braces: '{' for '%s' is "
		    "never closed", ps.cur->name);
		goto cleanup;
	}
	*out = prof;
	prof = NULL;
	ret = 0;

cleanup:
	profile_free(prof);
	return ret;
}

int
profile_parse_file(const char *path, struct profile **out, char *errbuf,
    size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t r;
	int fd, ret = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(errbuf, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(errbuf, errlen, "%s: cannot stat: %s", path,
		    strerror(errno));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(errbuf, errlen, "%s: not a regular file", path);
		goto cleanup;
	}
	/* One byte more than the limit tells "exactly at" from "over". */
	buf = malloc(PROFILE_MAX_FILE + 1);
	if (buf == NULL) {
		snprintf(errbuf, errlen, "%s: out of memory", path);
		goto cleanup;
	}
	while (len < PROFILE_MAX_FILE + 1) {
		r = read(fd, buf + len, PROFILE_MAX_FILE + 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(errbuf, errlen, "%s: cannot read: %s", path,
			    strerror(errno));
			goto cleanup;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	ret = profile_parse_buffer(path, buf, len, out, errbuf, errlen);

cleanup:
	free(buf);
	close(fd);
	return ret;
}
