/*
 * procpool_host.c - the host table, kept from init() to fini() and used by
 * every file of the plugin (procpool.h). A file of its own so that the
 * files that use it call down to it, never back into the kind's glue.
 */
#include <stddef.h>

#include "procpool.h"

const struct scaled_host *procpool_host;

int procpool_host_init(const struct scaled_host *h, char *err, size_t errlen)
{
	/* The core checked the ABI before init (plugin.h). */
	(void)err;
	(void)errlen;
	procpool_host = h;
	return 0;
}

void procpool_host_fini(void)
{
	procpool_host = NULL;
}
