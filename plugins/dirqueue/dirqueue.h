/*
 * dirqueue.h - internals of the "dirqueue" source, shared by its files:
 *   dirqueue.c         key table, descriptor, counting the spool
 *   dirqueue_claims.c  putting back the claims of workers that are gone
 */
#ifndef DIRQUEUE_H
#define DIRQUEUE_H

#include <stdint.h>

#include "scaled/plugin.h"

/* Every claim in the directory claims (relative to spool unless absolute)
 * named NAME.<pid> whose pid is gone on this host (kill(pid, 0) says
 * ESRCH) is renamed back to spool/NAME, never over an existing file. Each
 * one is logged through host; *requeued grows by one for each. Returns 0
 * (also when claims does not exist yet), or -errno with a reason in err
 * when a directory cannot be read. */
int dirqueue_claims_requeue(const struct scaled_host *host,
			    struct scaled_instance *inst, const char *spool,
			    const char *claims, uint64_t *requeued, char *err,
			    size_t errlen);

#endif
