/*
 * dirqueue.c - the "dirqueue" source: a spool directory as a queue.
 *
 * Each collect counts the regular files in `path` whose names match
 * `pattern` (by default: every name not starting with '.') and publishes the
 * count into the source's series and the age of the oldest one, in seconds,
 * into "<source>.oldest_age". Producers that write a job under a dot-name and
 * rename it into place, and workers that claim a job by renaming it into a
 * dot-directory, are counted exactly: a job is counted from the moment it is
 * whole until the moment it is claimed. With `claims` set, each collect
 * first puts back the claims of workers that are gone (dirqueue_claims.c).
 * The spool protocol it shares with the workers: docs/spool.md.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dirqueue.h"

static const struct scaled_host *host;

enum { KEY_PATH, KEY_PATTERN, KEY_CLAIMS };

static const struct scaled_key dirqueue_keys[] = {
	[KEY_PATH] = { "path", SCALED_KEY_STRING, NULL, 1,
		       "the spool directory to watch" },
	[KEY_PATTERN] = { "pattern", SCALED_KEY_STRING, NULL, 0,
			  "shell glob the file names must match (default: every name not starting with '.')" },
	[KEY_CLAIMS] = { "claims", SCALED_KEY_STRING, NULL, 0,
			 "directory (relative to path) where workers on this host claim jobs as NAME.<pid>; "
			 "claims of dead pids go back to the queue (default: off)" },
	{ 0 },
};

struct dirqueue_state {
	struct scaled_instance *inst;
	char *path;
	char *pattern; /* NULL: every name not starting with '.' */
	char *claims;  /* NULL: no recovery of dead workers' claims */
	uint64_t requeued;
};

/* What one scan of the directory found. */
struct dirqueue_scan {
	uint64_t count;
	int64_t oldest_ms; /* mtime of the oldest file; valid when count > 0 */
};

static int dirqueue_match(const struct dirqueue_state *s, const char *name)
{
	if (!s->pattern)
		return name[0] != '.';
	/* FNM_PERIOD: a leading '.' must be matched by a literal '.', so
	 * "*.job" never counts a half-written ".tmp.job". */
	return fnmatch(s->pattern, name, FNM_PERIOD) == 0;
}

static int dirqueue_scan(const struct dirqueue_state *s,
			 struct dirqueue_scan *out, char *err, size_t errlen)
{
	struct dirent *de;
	DIR *d;
	int rc = 0;

	out->count = 0;
	out->oldest_ms = INT64_MAX;
	d = opendir(s->path);
	if (!d) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", s->path, strerror(errno));
		return rc;
	}
	for (;;) {
		struct stat st;
		int64_t mtime_ms;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno) {
				rc = -errno;
				snprintf(err, errlen, "%s: %s", s->path,
					 strerror(errno));
			}
			break;
		}
		if (!dirqueue_match(s, de->d_name))
			continue;
		if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
			continue;
		/* Not following symlinks: a job is a file in the spool. */
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT) /* claimed since readdir */
				continue;
			rc = -errno;
			snprintf(err, errlen, "%s/%s: %s", s->path, de->d_name,
				 strerror(errno));
			break;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		out->count++;
		mtime_ms = (int64_t)st.st_mtim.tv_sec * 1000 +
			   st.st_mtim.tv_nsec / 1000000;
		if (mtime_ms < out->oldest_ms)
			out->oldest_ms = mtime_ms;
	}
	closedir(d);
	return rc;
}

static int dirqueue_collect(void *state, char *err, size_t errlen)
{
	struct dirqueue_state *s = state;
	struct dirqueue_scan scan;
	int64_t now;
	double age = 0;
	int rc;

	if (s->claims) {
		/* Not fatal: the queue is still worth counting. */
		rc = dirqueue_claims_requeue(host, s->inst, s->path,
					     s->claims, &s->requeued, err,
					     errlen);
		if (rc < 0)
			host->log(s->inst, SCALED_LOG_WARN, "claims: %s", err);
	}
	rc = dirqueue_scan(s, &scan, err, errlen);
	if (rc < 0)
		return rc;
	now = host->now_ms(s->inst);
	/* A file from the future (clock skew, a touched mtime) is age 0. */
	if (scan.count > 0 && now > scan.oldest_ms)
		age = (double)(now - scan.oldest_ms) / 1000.0;
	rc = host->publish(s->inst, NULL, now, (double)scan.count);
	if (rc == 0)
		rc = host->publish(s->inst, "oldest_age", now, age);
	if (rc == 0 && s->claims)
		rc = host->publish(s->inst, "requeued", now, (double)s->requeued);
	if (rc < 0)
		snprintf(err, errlen, "%s: publish: %s", s->path, strerror(-rc));
	return rc;
}

static int dirqueue_create(struct scaled_instance *inst,
			   const struct scaled_value *config, void **state,
			   char *err, size_t errlen)
{
	struct dirqueue_state *s;

	if (!config[KEY_PATH].set || !config[KEY_PATH].u.str[0]) {
		snprintf(err, errlen, "path: must name a directory");
		return -EINVAL;
	}
	if (config[KEY_PATTERN].set && !config[KEY_PATTERN].u.str[0]) {
		snprintf(err, errlen, "pattern: must not be empty");
		return -EINVAL;
	}
	if (config[KEY_CLAIMS].set && !config[KEY_CLAIMS].u.str[0]) {
		snprintf(err, errlen, "claims: must name a directory");
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		goto nomem;
	s->inst = inst;
	s->path = strdup(config[KEY_PATH].u.str);
	if (!s->path)
		goto nomem;
	if (config[KEY_PATTERN].set) {
		s->pattern = strdup(config[KEY_PATTERN].u.str);
		if (!s->pattern)
			goto nomem;
	}
	if (config[KEY_CLAIMS].set) {
		s->claims = strdup(config[KEY_CLAIMS].u.str);
		if (!s->claims)
			goto nomem;
	}
	*state = s;
	return 0;
nomem:
	if (s) {
		free(s->pattern);
		free(s->path);
	}
	free(s);
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

static void dirqueue_destroy(void *state)
{
	struct dirqueue_state *s = state;

	if (!s)
		return;
	free(s->claims);
	free(s->pattern);
	free(s->path);
	free(s);
}

static int dirqueue_init(const struct scaled_host *h, char *err, size_t errlen)
{
	/* The core checked the ABI before init (plugin.h). */
	(void)err;
	(void)errlen;
	host = h;
	return 0;
}

static void dirqueue_fini(void)
{
	host = NULL;
}

static const struct scaled_kind dirqueue_kind = {
	.struct_size = sizeof(struct scaled_kind),
	.name = "dirqueue",
	.role = SCALED_ROLE_SOURCE,
	.help = "number of job files in a spool directory, and the oldest one's age",
	.keys = dirqueue_keys,
	.create = dirqueue_create,
	.destroy = dirqueue_destroy,
	.collect = dirqueue_collect,
};

static const struct scaled_kind *const dirqueue_kinds[] = { &dirqueue_kind,
							     NULL };

static const struct scaled_plugin dirqueue_plugin = {
	.abi_major = SCALED_PLUGIN_ABI_MAJOR,
	.abi_minor = SCALED_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(struct scaled_plugin),
	.name = "dirqueue",
	.version = "0.1.0",
	.help = "a spool directory as a queue",
	.init = dirqueue_init,
	.fini = dirqueue_fini,
	.kinds = dirqueue_kinds,
};

SCALED_EXPORT const struct scaled_plugin *scaled_plugin_entry(void)
{
	return &dirqueue_plugin;
}
