/*
 * profile.h - the generic profile syntax used by kdc.conf, as a tree.
 *
 * The syntax is the one Kerberos administrators know from krb5.conf and
 * kdc.conf:
 *
 *	# comment            ; comment
 *	[section]
 *	name = value
 *	name = "quoted \"value\"\n"
 *	name = {
 *		inner = value
 *	}*
 *
 * This module knows nothing about option names: it only builds the tree
 * and remembers where every node came from, so that config.c can report
 * "path:line: message" for any node it rejects.  Input is bounded: see the
 * PROFILE_MAX_* limits.
 */
#ifndef PKINIT_KDC_PROFILE_H
#define PKINIT_KDC_PROFILE_H

#include <stddef.h>

#define PROFILE_MAX_FILE (1024 * 1024)   /* bytes in one file */
#define PROFILE_MAX_LINE 4096            /* characters in one line */
#define PROFILE_MAX_DEPTH 8              /* nested '{' levels */

enum profile_kind {
	PROFILE_SECTION,     /* [name] */
	PROFILE_BLOCK,       /* name = { ... } */
	PROFILE_RELATION,    /* name = value */
};

struct profile_node {
	enum profile_kind kind;
	char *name;
	char *value;                    /* PROFILE_RELATION only */
	struct profile_node *children;  /* sections and blocks */
	struct profile_node *next;      /* next sibling, in file order */
	struct profile_node *parent;    /* NULL for sections */
	const char *file;               /* owned by the struct profile */
	int line;                       /* 1-based */
	int final;                      /* a '*' marker followed the node */
	struct profile_node *tail;      /* internal: last child */
};

struct profile {
	char *path;
	struct profile_node *sections;  /* top-level sections in file order */
};

/*
 * Parse the file at path.  On error returns -1 and writes
 * "path:line: message" (or "path: message" for errors about the whole
 * file) into errbuf; *out is set only on success.
 */
int profile_parse_file(const char *path, struct profile **out, char *errbuf,
    size_t errlen);

/* Parse len bytes of buf; path is used in messages and node locations. */
int profile_parse_buffer(const char *path, const char *buf, size_t len,
    struct profile **out, char *errbuf, size_t errlen);

void profile_free(struct profile *p);

#endif
