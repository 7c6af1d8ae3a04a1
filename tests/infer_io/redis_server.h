/*
 * redis_server.h - a real redis-server for a test: started on a free
 * loopback port in a temporary directory, stopped (and the directory
 * removed) by redis_server_stop(). The server dies with the test process
 * even when the test crashes (PR_SET_PDEATHSIG), so none outlives it.
 */
#ifndef SCALED_REDIS_SERVER_H
#define SCALED_REDIS_SERVER_H

#include <sys/types.h>

#include <hiredis/hiredis.h>

struct redis_server {
	pid_t pid;
	int port;
	char dir[64];
	const char *password; /* --requirepass, or NULL */
};

/* Is redis-server on PATH? Tests skip (with a message) when it is not. */
int redis_server_available(void);

/* Start one; s->password may be set first. Fails the test when it does not
 * answer PING within 10 s. */
void redis_server_start(struct redis_server *s);
/* Stop it (SIGTERM, then SIGKILL after 5 s); `keep_dir` keeps the port and
 * directory for a restart with redis_server_start(). */
void redis_server_stop(struct redis_server *s, int keep_dir);

/* A client connection for the test's own checks (authenticated). */
redisContext *redis_server_client(const struct redis_server *s);
/* Run a command, fail the test on an error reply; returns the reply. */
redisReply *redis_cmd(redisContext *c, const char *fmt, ...);
/* Base64 of len bytes into out (NUL-terminated); -1 when it does not fit. */
int redis_base64(const void *data, size_t len, char *out, size_t cap);
/* An integer reply of a command, freed. */
long long redis_int(redisContext *c, const char *fmt, ...);

#endif
