/*
 * server_fx.h - tests/http/server.py as a test fixture: started on a free
 * loopback port, stopped (its stdin closed, the process reaped) at the end.
 */
#ifndef SCALED_TEST_SERVER_FX_H
#define SCALED_TEST_SERVER_FX_H

#include <sys/types.h>

struct server_fx {
	pid_t pid;
	int in;        /* its stdin: closing it stops it */
	int port;
	char dir[64];
};

/* 0, or -1 when it does not start within 10 s. */
int server_fx_start(struct server_fx *s);
void server_fx_stop(struct server_fx *s);

#endif
