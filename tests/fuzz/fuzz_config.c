/*
 * fuzz_config.c - kdc.conf: the profile syntax (profile_parse_buffer) and
 * the typed loading on top of it (config_load), plus the value parsers the
 * option table uses (durations, booleans, sizes, listen addresses, log
 * targets).
 *
 * config_load() reads a path, so the input is written to a memory file
 * and loaded through /proc/self/fd; nothing touches the disk.  A loaded
 * config is then queried the way the daemon does: every realm by name and
 * the location of every option.
 */
#include "config.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "kdc_config.h"
#include "profile.h"

static int conf_fd = -1;
static char conf_path[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	conf_fd = memfd_create("kdc.conf", MFD_CLOEXEC);
	if (conf_fd < 0) {
		fprintf(stderr, "memfd_create: %s\n", strerror(errno));
		abort();
	}
	snprintf(conf_path, sizeof(conf_path), "/proc/self/fd/%d", conf_fd);
	return 0;
}

/* The tree must be consistent: parents, kinds, names, depth, lines. */
static void
walk(const struct profile_node *n, const struct profile_node *parent,
    int depth)
{
	for (; n != NULL; n = n->next) {
		FUZZ_ASSERT(n->parent == parent);
		FUZZ_ASSERT(n->name != NULL && n->file != NULL && n->line >= 1);
		FUZZ_ASSERT(depth <= PROFILE_MAX_DEPTH + 1);
		if (parent == NULL)
			FUZZ_ASSERT(n->kind == PROFILE_SECTION);
		else
			FUZZ_ASSERT(n->kind != PROFILE_SECTION);
		if (n->kind == PROFILE_RELATION) {
			FUZZ_ASSERT(n->value != NULL && n->children == NULL);
		} else {
			walk(n->children, n, depth + 1);
		}
	}
}

static void
profile(const uint8_t *data, size_t size)
{
	struct profile *p = NULL;
	char err[512];

	err[0] = '\0';
	if (profile_parse_buffer("fuzz.conf", (const char *)data, size, &p,
	    err, sizeof(err)) != 0) {
		FUZZ_ASSERT(p == NULL);
		FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
		return;
	}
	FUZZ_ASSERT(p != NULL);
	walk(p->sections, NULL, 0);
	profile_free(p);
}

static void
typed(const uint8_t *data, size_t size)
{
	const struct config_option *opts;
	const struct realm_config *r;
	struct kdc_config *cfg = NULL;
	char err[512];
	size_t i, n, nopt;

	if (ftruncate(conf_fd, 0) != 0 ||
	    pwrite(conf_fd, data, size, 0) != (ssize_t)size)
		return;
	err[0] = '\0';
	if (config_load(conf_path, &cfg, err, sizeof(err)) != 0) {
		FUZZ_ASSERT(cfg == NULL);
		FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
		return;
	}
	FUZZ_ASSERT(cfg != NULL);
	FUZZ_ASSERT(cfg->log.n_targets <= LOG_MAX_TARGETS);
	FUZZ_ASSERT(cfg->udp.n <= CONFIG_MAX_LISTEN);
	FUZZ_ASSERT(cfg->tcp.n <= CONFIG_MAX_LISTEN);
	opts = config_options(&nopt);
	n = 0;
	for (r = cfg->realms; r != NULL; r = r->next) {
		n++;
		FUZZ_ASSERT(r->name != NULL);
		/* Realm names are unique, so the lookup finds this one. */
		FUZZ_ASSERT(config_realm(cfg, r->name) == r);
		for (i = 0; i < nopt; i++)
			if (strcmp(opts[i].section, "realms") == 0)
				FUZZ_ASSERT(config_option_where(cfg, r->name,
				    opts[i].name) != NULL);
	}
	FUZZ_ASSERT(n == cfg->n_realms && n <= CONFIG_MAX_REALMS);
	for (i = 0; i < nopt; i++)
		FUZZ_ASSERT(config_option_where(cfg, NULL, opts[i].name)
		    != NULL);
	config_free(cfg);
}

/* One value, as the option table parses it. */
static void
values(const uint8_t *data, size_t size)
{
	struct listen_list ll;
	struct log_target lt;
	uint64_t bytes;
	int64_t secs;
	char err[256], *s;
	int b;

	if (size > PROFILE_MAX_LINE || (s = fuzz_strndup(data, size)) == NULL)
		return;
	(void)config_parse_duration(s, &secs);
	(void)config_parse_bool(s, &b);
	(void)config_parse_size(s, &bytes);
	memset(&ll, 0, sizeof(ll));
	err[0] = '\0';
	if (config_parse_listen(s, &ll, err, sizeof(err)) != 0)
		FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
	FUZZ_ASSERT(ll.n <= CONFIG_MAX_LISTEN);
	config_listen_list_clear(&ll);
	err[0] = '\0';
	if (config_parse_log_target(s, &lt, err, sizeof(err)) == 0)
		FUZZ_ASSERT(memchr(lt.path, '\0', sizeof(lt.path)) != NULL);
	else
		FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	profile(data, size);
	typed(data, size);
	values(data, size);
	return 0;
}
