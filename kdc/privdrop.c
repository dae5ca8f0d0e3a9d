/*
 * privdrop.c - switch from root to an unprivileged user for good.
 *
 * Order matters: supplementary groups and the group must be changed while
 * still root, the user last.  setresuid/setresgid set the real, effective
 * and saved ids together, so no saved id is left to switch back to; the
 * final check tries to become root again and treats success as fatal.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privdrop.h"

#define NAME_MAX_LEN 63

/* A decimal id, or -1 when s is not one. */
static long long
numeric_id(const char *s)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v >= (long long)UINT_MAX)
		return -1;
	return v;
}

int
privdrop_parse(const char *spec, struct privdrop *out, char *errbuf,
    size_t errlen)
{
	char user[NAME_MAX_LEN + 1], *group = NULL;
	struct privdrop p;
	struct passwd *pw;
	struct group *gr;
	long long id;
	size_t n;

	memset(&p, 0, sizeof(p));
	n = strcspn(spec, ":");
	if (n == 0 || n > NAME_MAX_LEN) {
		snprintf(errbuf, errlen, "-u: bad user '%s'", spec);
		return -1;
	}
	memcpy(user, spec, n);
	user[n] = '\0';
	if (spec[n] == ':') {
		group = (char *)spec + n + 1;
		if (*group == '\0') {
			snprintf(errbuf, errlen, "-u: empty group in '%s'",
			    spec);
			return -1;
		}
	}
	pw = getpwnam(user);
	if (pw == NULL && (id = numeric_id(user)) >= 0)
		pw = getpwuid((uid_t)id);
	if (pw != NULL) {
		p.uid = pw->pw_uid;
		p.gid = pw->pw_gid;
		snprintf(p.user, sizeof(p.user), "%s", pw->pw_name);
	} else if ((id = numeric_id(user)) >= 0) {
		p.uid = (uid_t)id;
		p.gid = (gid_t)id;
		p.user[0] = '\0';
	} else {
		snprintf(errbuf, errlen, "-u: unknown user '%s'", user);
		return -1;
	}
	if (group != NULL) {
		gr = getgrnam(group);
		if (gr != NULL)
			p.gid = gr->gr_gid;
		else if ((id = numeric_id(group)) >= 0)
			p.gid = (gid_t)id;
		else {
			snprintf(errbuf, errlen, "-u: unknown group '%s'",
			    group);
			return -1;
		}
	}
	if (p.uid == 0) {
		snprintf(errbuf, errlen, "-u: '%s' is root; name an "
		    "unprivileged user", user);
		return -1;
	}
	*out = p;
	return 0;
}

int
privdrop_apply(const struct privdrop *p, char *errbuf, size_t errlen)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (getuid() == p->uid && geteuid() == p->uid && getgid() == p->gid &&
	    getegid() == p->gid)
		return 0;   /* already that user */
	if (geteuid() != 0) {
		snprintf(errbuf, errlen, "-u: only root can switch to another "
		    "user");
		return -1;
	}
	if (p->user[0] != '\0' ? initgroups(p->user, p->gid) != 0 :
	    setgroups(1, &p->gid) != 0) {
		snprintf(errbuf, errlen, "-u: setting groups: %s",
		    strerror(errno));
		return -1;
	}
	if (setresgid(p->gid, p->gid, p->gid) != 0) {
		snprintf(errbuf, errlen, "-u: setresgid(%lu): %s",
		    (unsigned long)p->gid, strerror(errno));
		return -1;
	}
	if (setresuid(p->uid, p->uid, p->uid) != 0) {
		snprintf(errbuf, errlen, "-u: setresuid(%lu): %s",
		    (unsigned long)p->uid, strerror(errno));
		return -1;
	}
	if (getresuid(&r, &e, &s) != 0 || getresgid(&rg, &eg, &sg) != 0 ||
	    r != p->uid || e != p->uid || s != p->uid || rg != p->gid ||
	    eg != p->gid || sg != p->gid) {
		snprintf(errbuf, errlen, "-u: ids did not change as asked");
		return -1;
	}
	/* The point of no return must really be one. */
	if (setuid(0) == 0 || seteuid(0) == 0 ||
	    (p->gid != 0 && setgid(0) == 0)) {
		snprintf(errbuf, errlen, "-u: root could be regained after "
		    "dropping privileges");
		return -1;
	}
	return 0;
}

int
privdrop_to(const char *spec, char *errbuf, size_t errlen)
{
	struct privdrop p;

	if (privdrop_parse(spec, &p, errbuf, errlen) != 0 ||
	    privdrop_apply(&p, errbuf, errlen) != 0)
		return -1;
	return 0;
}
