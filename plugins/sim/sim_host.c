/*
 * sim_host.c - the host table the sim plugin's files share, kept by init()
 * (a file of its own, so that the descriptor in sim.c and the kinds that
 * use the table call each other in no circle).
 */
#include "sim.h"

const struct scaled_host *sim_host;

int sim_init(const struct scaled_host *h, char *err, size_t errlen)
{
	/* The core checked the ABI before init (plugin.h). */
	(void)err;
	(void)errlen;
	sim_host = h;
	return 0;
}
