/*
 * jobs_redis_conn.c - the Redis list queue's connection (jobs_redis_int.h):
 * made at open, and made again on the next call after an I/O error.
 */
#include "jobs_redis_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "errfmt.h"

#define REDIS_CONNECT_S 5

void jobs_redis_conn_close(struct rq *r)
{
	if (r->c)
		redisFree(r->c);
	r->c = NULL;
}

int jobs_redis_conn_open(struct rq *r, char **errmsg)
{
	struct timeval ct = { REDIS_CONNECT_S, 0 },
		       rt = { r->u.timeout_ms / 1000, (r->u.timeout_ms % 1000) * 1000 };
	redisReply *rep = NULL;
	char db[16];
	int ret;

	r->c = redisConnectWithTimeout(r->u.host, r->u.port, ct);
	if (!r->c || r->c->err) {
		*errmsg = errfmt("%s: connect: %s", r->u.shown,
				  r->c ? r->c->errstr : "out of memory");
		jobs_redis_conn_close(r);
		return -ECONNREFUSED;
	}
	if (redisSetTimeout(r->c, rt) != REDIS_OK) {
		*errmsg = errfmt("%s: cannot set a timeout", r->u.shown);
		jobs_redis_conn_close(r);
		return -EIO;
	}
	if (r->u.password[0]) {
		const char *a[3] = { "AUTH", r->u.user, r->u.password };
		size_t l[3] = { 4, strlen(r->u.user), strlen(r->u.password) };

		ret = r->u.user[0] ? jobs_redis_conn_command(r, 3, a, l, &rep, "AUTH", errmsg)
				   : jobs_redis_conn_command(r, 2, (const char *[]){ "AUTH", r->u.password },
							     (size_t[]){ 4, l[2] }, &rep, "AUTH", errmsg);
		freeReplyObject(rep);
		if (ret) {
			jobs_redis_conn_close(r);
			return -EACCES;
		}
	}
	if (r->u.db) {
		snprintf(db, sizeof(db), "%d", r->u.db);
		ret = jobs_redis_conn_command(r, 2, (const char *[]){ "SELECT", db },
					      (size_t[]){ 6, strlen(db) }, &rep, "SELECT", errmsg);
		freeReplyObject(rep);
		if (ret) {
			jobs_redis_conn_close(r);
			return ret;
		}
	}
	return 0;
}

int jobs_redis_conn_command(struct rq *r, int argc, const char **argv, const size_t *lens,
			    redisReply **reply, const char *what, char **errmsg)
{
	redisReply *rep;
	int ret;

	*reply = NULL;
	if (!r->c && (ret = jobs_redis_conn_open(r, errmsg)))
		return ret;
	rep = redisCommandArgv(r->c, argc, argv, lens);
	if (!rep) {
		*errmsg = errfmt("%s: %s: %s", r->u.shown, what,
				  r->c->errstr[0] ? r->c->errstr : "connection lost");
		jobs_redis_conn_close(r); /* the context is dead: connect again next call */
		return -EIO;
	}
	if (rep->type == REDIS_REPLY_ERROR) {
		*errmsg = errfmt("%s: %s: %s", r->u.shown, what, rep->str);
		freeReplyObject(rep);
		return -EPROTO;
	}
	*reply = rep;
	return 0;
}

/* EVAL script with our keys; the script's own ARGV follow (arglens NULL:
 * C strings). */
int jobs_redis_conn_eval(struct rq *r, const char *script, int nkeys, const char **keys,
			 int nargs, const char **args, const size_t *arglens,
			 redisReply **reply, const char *what, char **errmsg)
{
	int argc = 0, cap = 3 + nkeys + nargs, ret;
	const char **argv = malloc((size_t)cap * sizeof(*argv));
	size_t *lens = malloc((size_t)cap * sizeof(*lens));
	char nk[8];

	*reply = NULL;
	if (!argv || !lens) {
		free(argv);
		free(lens);
		*errmsg = errfmt("%s: %s: out of memory", r->u.shown, what);
		return -ENOMEM;
	}
	snprintf(nk, sizeof(nk), "%d", nkeys);
	argv[argc] = "EVAL", lens[argc++] = 4;
	argv[argc] = script, lens[argc++] = strlen(script);
	argv[argc] = nk, lens[argc++] = strlen(nk);
	for (int i = 0; i < nkeys; i++)
		argv[argc] = keys[i], lens[argc++] = strlen(keys[i]);
	for (int i = 0; i < nargs; i++)
		argv[argc] = args[i], lens[argc++] = arglens ? arglens[i] : strlen(args[i]);
	ret = jobs_redis_conn_command(r, argc, argv, lens, reply, what, errmsg);
	free(argv);
	free(lens);
	return ret;
}
