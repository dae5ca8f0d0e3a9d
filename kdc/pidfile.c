/*
 * pidfile.c - exclusive creation and careful removal of the pid file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "pidfile.h"

struct pidfile {
	char *path;
	pid_t pid;
};

/* The pid recorded in path, 0 if the file is empty or unreadable. */
static pid_t
read_pid(const char *path)
{
	char buf[32];
	ssize_t n;
	long v;
	char *end;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || v <= 0 || v > 0x7fffffffL)
		return 0;
	return (pid_t)v;
}

/* The daemon changes to / after start-up and must still find the file
 * to remove it, so remember it by an absolute name. */
static char *
absolute(const char *path)
{
	char cwd[PATH_MAX], *out;
	size_t n;

	if (path[0] == '/')
		return strdup(path);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return NULL;
	n = strlen(cwd) + 1 + strlen(path) + 1;
	out = malloc(n);
	if (out != NULL)
		snprintf(out, n, "%s/%s", cwd, path);
	return out;
}

static int
pid_alive(pid_t pid)
{
	return kill(pid, 0) == 0 || errno == EPERM;
}

int
pidfile_create(const char *path, struct pidfile **pf_out, struct kerr *e)
{
	struct pidfile *pf = NULL;
	char buf[32];
	pid_t other;
	int fd = -1, attempt, len, rc = -1;

	pf = calloc(1, sizeof(*pf));
	if (pf == NULL || (pf->path = absolute(path)) == NULL) {
		kerr_set(e, KRB_ERR_GENERIC, "pid file %s: %s", path,
		    strerror(errno));
		goto cleanup;
	}
	path = pf->path;
	pf->pid = getpid();
	/* Two attempts: the second after removing a stale file. */
	for (attempt = 0; attempt < 2; attempt++) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
		    O_NOFOLLOW, 0644);
		if (fd >= 0 || errno != EEXIST)
			break;
		other = read_pid(path);
		if (other > 0 && other != pf->pid && pid_alive(other)) {
			kerr_set(e, KRB_ERR_GENERIC,
			    "pid file %s: already running as pid %ld", path,
			    (long)other);
			goto cleanup;
		}
		if (unlink(path) != 0 && errno != ENOENT) {
			kerr_set(e, KRB_ERR_GENERIC,
			    "pid file %s: cannot remove stale file: %s", path,
			    strerror(errno));
			goto cleanup;
		}
	}
	if (fd < 0) {
		kerr_set(e, KRB_ERR_GENERIC, "pid file %s: %s", path,
		    strerror(errno));
		goto cleanup;
	}
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)pf->pid);
	if (write(fd, buf, (size_t)len) != len) {
		kerr_set(e, KRB_ERR_GENERIC, "pid file %s: write: %s", path,
		    strerror(errno));
		close(fd);
		unlink(path);
		goto cleanup;
	}
	close(fd);
	*pf_out = pf;
	pf = NULL;
	rc = 0;
cleanup:
	if (pf != NULL) {
		free(pf->path);
		free(pf);
	}
	return rc;
}

void
pidfile_remove(struct pidfile *pf)
{
	if (pf == NULL)
		return;
	/* Never remove a file a successor has already replaced. */
	if (read_pid(pf->path) == pf->pid)
		unlink(pf->path);
	free(pf->path);
	free(pf);
}

void
pidfile_forget(struct pidfile *pf)
{
	if (pf == NULL)
		return;
	free(pf->path);
	free(pf);
}
