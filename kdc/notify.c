/*
 * notify.c - the sd_notify datagram, written by hand.
 *
 * The protocol is one AF_UNIX SOCK_DGRAM message with newline-separated
 * assignments.  A socket name starting with '@' lives in the Linux abstract
 * namespace: the '@' becomes a NUL octet and the address length covers
 * exactly the name (no terminating NUL), as unix(7) describes.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"

int
notify_send(const char *state)
{
	struct sockaddr_un sun;
	const char *path;
	socklen_t alen;
	size_t plen;
	ssize_t n;
	int fd, rc = -1;

	path = getenv("NOTIFY_SOCKET");
	if (path == NULL || path[0] == '\0')
		return 0;
	if (path[0] != '/' && path[0] != '@')
		return -1;
	plen = strlen(path);
	if (plen > sizeof(sun.sun_path) - 1)
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, plen);
	if (path[0] == '@') {
		sun.sun_path[0] = '\0';
		alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen);
	} else {
		alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen + 1);
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	do {
		n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		    (struct sockaddr *)&sun, alen);
	} while (n < 0 && errno == EINTR);
	if (n == (ssize_t)strlen(state))
		rc = 0;
	close(fd);
	return rc;
}

int
notify_sendf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	return notify_send(buf);
}
