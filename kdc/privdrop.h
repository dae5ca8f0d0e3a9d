/*
 * privdrop.h - giving up root once the listeners are bound (-u).
 *
 * The KDC needs root only to bind port 88.  With -u user[:group] it reads
 * its keys and binds as root, then switches to the user for good; later
 * reloads (SIGHUP) read kdc.conf, keytabs and keys as that user.
 */
#ifndef PKINIT_KDC_PRIVDROP_H
#define PKINIT_KDC_PRIVDROP_H

#include <stddef.h>
#include <sys/types.h>

struct privdrop {
	uid_t uid;
	gid_t gid;
	char user[64];
};

/*
 * Resolve "user", "user:group", or numeric ids.  Without a group the
 * user's primary group is used.  -1 with a message in errbuf.
 */
int privdrop_parse(const char *spec, struct privdrop *out, char *errbuf,
    size_t errlen);

/*
 * Switch to p: supplementary groups of the user (none for a numeric id
 * without a passwd entry), then gid, then uid, and check that root cannot
 * be regained.  -1 with a message in errbuf; the caller must then exit.
 */
int privdrop_apply(const struct privdrop *p, char *errbuf, size_t errlen);

/* privdrop_parse() then privdrop_apply(). */
int privdrop_to(const char *spec, char *errbuf, size_t errlen);

#endif
