/*
 * worker_spool.h - scaled-worker's side of the spool protocol
 * (docs/spool.md): a job DIR/NAME is claimed as DIR/.work/NAME.PID, never
 * replacing a claim; a name too long for a claim goes to DIR/.refused/.
 * Not thread-safe: one struct worker_spool per thread.
 */
#ifndef WORKER_SPOOL_H
#define WORKER_SPOOL_H

#include <dirent.h>
#include <limits.h>
#include <stddef.h>

struct worker_spool {
	const char *dir;   /* the caller's; must outlive the struct */
	int dirfd, workfd; /* DIR and DIR/.work */
	char suffix[24];   /* ".PID" */
	char refused_warned[NAME_MAX + 1]; /* last name left in the spool, said once */
};

/* Open dir and dir/.work (created if missing). 0, or -errno with err set
 * (then nothing is left open). */
int worker_spool_open(struct worker_spool *s, const char *dir, char *err, size_t errlen);
void worker_spool_close(struct worker_spool *s);

/* Whether spool entry de is a job: a name not starting with '.', of a
 * regular file (d_type; fstatat, no symlinks, where d_type is DT_UNKNOWN). */
int worker_spool_is_job(const struct worker_spool *s, const struct dirent *de);

/* Claim one job. 1: claimed, name (the job's) and claim (relative to
 * s->workfd) filled, both NAME_MAX + 1 bytes. 0: nothing to claim. A name
 * whose claim NAME.PID exists (left by a dead worker that had our pid) is
 * skipped and stays in the spool; a name too long for a claim is moved to
 * DIR/.refused/ (said on stderr), or stays if one of that name is there.
 * -errno with err set on an error that a next job would meet too. */
int worker_spool_claim(struct worker_spool *s, char *name, char *claim, char *err,
		       size_t errlen);

#endif
