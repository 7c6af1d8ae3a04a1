/*
 * jobs_redis_int.h - the Redis list queue's state, shared by the files that
 * make it up (never included outside cuda/io/jobs_redis*.c):
 *
 *   jobs_redis.c       the queue: claim, load, ack, give back, recover
 *   jobs_redis_conn.c  the connection: connect, commands, EVAL
 */
#ifndef SCALED_JOBS_REDIS_INT_H
#define SCALED_JOBS_REDIS_INT_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "jobs.h"
#include "jobs_url.h"
/* One identity of the worker: an ID and its keys. */
struct rq_ident {
	char id[160];         /* HOST:PID-RANDOM */
	char *claimed, *alive; /* KEY:claimed:ID, KEY:alive:ID */
	int refs;             /* the queue's (while current) + one per job */
};

struct rq {
	struct job_queue q;
	struct redis_url u;
	redisContext *c;
	struct rq_ident *me;  /* the current identity */
	char *workers;        /* KEY:workers */
	char *claimed_prefix, *alive_prefix; /* "KEY:claimed:", "KEY:alive:" */
};

struct rq_job {
	struct job job;
	struct rq_ident *ident; /* claimed under it */
	char *item;  /* the list element, as claimed */
	size_t len;
};

/* Drop the connection (if any); the next command makes a new one. */
void jobs_redis_conn_close(struct rq *r);
/* Connect to r->u (AUTH, SELECT): 0, or a negative errno and *errmsg. */
int jobs_redis_conn_open(struct rq *r, char **errmsg);
/* One command; *reply is the server's answer, never an error reply. */
int jobs_redis_conn_command(struct rq *r, int argc, const char **argv, const size_t *lens,
			    redisReply **reply, const char *what, char **errmsg);
/* EVAL script with our keys; the script's own ARGV follow (arglens NULL:
 * strlen). See jobs_redis_conn.c. */
int jobs_redis_conn_eval(struct rq *r, const char *script, int nkeys, const char **keys,
			 int nargs, const char **args, const size_t *arglens,
			 redisReply **reply, const char *what, char **errmsg);

#endif
