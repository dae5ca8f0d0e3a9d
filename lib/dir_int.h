/*
 * dir_int.h - internals shared by the directory engine's files:
 * dir_ldap.c (searches, results, creation) and dir_conn.c (connecting,
 * TLS, binding, failover and backoff).  Not for use outside lib/dir_*.c.
 */
#ifndef PKINIT_KDC_DIR_INT_H
#define PKINIT_KDC_DIR_INT_H

#include <stdint.h>
#include <sys/socket.h>

#include "dir_ldap.h"
#include "kerror.h"

struct ldap;          /* LDAP from <ldap.h> */
struct ldapmsg;       /* LDAPMessage */
struct loop_io;
struct loop_timer;

#define DIR_MAX_ADDRS 8
#define LDAPI_DEFAULT_PATH "/var/run/slapd/ldapi"

enum conn_state {
	CS_IDLE,         /* no connection, none being made */
	CS_CONNECTING,   /* TCP / unix connect in progress */
	CS_BINDING,      /* connected, bind sent */
	CS_READY,        /* bound: searches are sent */
	CS_BACKOFF,      /* every URI failed; searches fail fast until the
			    backoff timer fires */
};

enum where { W_NONE, W_QUEUED, W_SENT, W_DONE };

struct dir_search {
	struct dir *dir;
	struct dir_search *next, **prevp;
	enum where where;
	char *base;
	int scope;
	char *filter;
	char **attrs;
	dir_search_cb cb;
	void *arg;
	int msgid;
	uint64_t sent_ms;
	struct loop_timer *deadline;
	struct kerr err;
	struct dir_entries res;
};

struct dir_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

struct dir {
	struct loop *loop;
	char *uris[DIR_MAX_URIS];
	size_t n_uris;
	char *base_dn;
	char *bind_dn;
	char *password;
	size_t password_len;
	char *tls_ca_file;
	int external;
	unsigned int timeout_ms, max_outstanding, max_entries;
	size_t max_value;
	unsigned int backoff_min, backoff_max, backoff_cur;

	enum conn_state state;
	size_t uri_idx;
	struct dir_addr addrs[DIR_MAX_ADDRS];
	size_t n_addrs, addr_idx;
	int fd;
	struct ldap *ld;
	struct loop_io *io;
	struct loop_timer *conn_timer;
	struct loop_timer *kick;
	int bind_msgid;
	uint64_t last_rx_ms;
	char last_error[256];

	struct dir_search *queued, *sent, *done;
	size_t n_outstanding;
};


/* dir_ldap.c */
uint64_t dir_now_ms(void);
void dir_complete(struct dir_search *s, kerr_t code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void dir_fail_list(struct dir_search **head, kerr_t code, const char *why);
void dir_send_search(struct dir *d, struct dir_search *s);
void dir_process_results(struct dir *d);
char *dir_strdup_bounded(const char *s, size_t max);

/* dir_conn.c */
void dir_conn_start(struct dir *d);
void dir_conn_drop(struct dir *d);
void dir_conn_lost(struct dir *d, const char *why);
void dir_conn_uri_failed(struct dir *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void dir_conn_bind_done(struct dir *d, struct ldapmsg *msg);
void dir_conn_on_timer(void *arg);
void dir_conn_on_io(int fd, int what, void *arg);

#endif
