/*
 * notify.h - tell the service manager about our state (sd_notify protocol).
 *
 * When started by systemd with Type=notify, $NOTIFY_SOCKET names a unix
 * datagram socket ("/run/..." or "@abstract").  We send "READY=1",
 * "RELOADING=1", "STOPPING=1" and "STATUS=..." lines there ourselves, so
 * the daemon does not depend on libsystemd.  Without $NOTIFY_SOCKET every
 * call is a no-op.
 */
#ifndef PKINIT_KDC_NOTIFY_H
#define PKINIT_KDC_NOTIFY_H

/*
 * Send one state message (several "KEY=value" lines separated by '\n').
 * Returns 0 when sent or when no manager listens, -1 on a send error (the
 * daemon logs it and carries on: notification is advisory).
 */
int notify_send(const char *state);

/* printf-style convenience: notify_sendf("STATUS=serving %u realms", n). */
int notify_sendf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
