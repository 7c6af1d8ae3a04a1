/*
 * jobs_redis.c - the Redis list queue (see jobs.h for the contract and the
 * keys, jobs_url.h for the URL).
 *
 * Every step that touches more than one key is one Lua script, so that it
 * is atomic on the server: a claim moves up to N items and renews the
 * worker's lease in one round trip; a give-back only pushes an item back
 * if it was still ours; a recovery moves a dead worker's whole claimed
 * list back and forgets the worker only if its lease has really lapsed.
 *
 * The connection is made at open (so a wrong host or password fails
 * there), and made again on the next call after an I/O error: a Redis
 * restart costs the calls made while it is down, not the worker.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include "errfmt.h"
#include "jobs.h"
#include "jobs_url.h"

#define REDIS_CONNECT_S 5
#define REDIS_COMMAND_S 10
#define REDIS_NAME_MAX 200 /* a bad item is named by its first bytes */

struct rq {
	struct job_queue q;
	struct redis_url u;
	redisContext *c;
	char id[160];                   /* HOST:PID-RANDOM */
	char *claimed, *alive, *workers; /* KEY:claimed:ID, KEY:alive:ID, KEY:workers */
};

struct rq_job {
	struct job job;
	char *item;  /* the list element, as claimed */
	size_t len;
};

/* Claim: renew the lease, register, move up to ARGV[1] items. */
static const char CLAIM_LUA[] =
	"redis.call('SET', KEYS[3], '1', 'PX', ARGV[2])\n"
	"redis.call('SADD', KEYS[4], ARGV[3])\n"
	"local out = {}\n"
	"for i = 1, tonumber(ARGV[1]) do\n"
	"  local v = redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'LEFT')\n"
	"  if not v then break end\n"
	"  out[#out + 1] = v\n"
	"end\n"
	"return out\n";

/* Ack: renew the lease, drop the item from our claimed list. 0: it was no
 * longer ours (our lease had lapsed and it was recovered). */
static const char ACK_LUA[] =
	"redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])\n"
	"return redis.call('LREM', KEYS[1], -1, ARGV[1])\n";

/* Give back: to the end claims take from, if it was still ours. */
static const char NACK_LUA[] =
	"if redis.call('LREM', KEYS[1], -1, ARGV[1]) == 1 then\n"
	"  redis.call('RPUSH', KEYS[2], ARGV[1])\n"
	"  return 1\n"
	"end\n"
	"return 0\n";

/* Recover one worker: -1 if its lease is alive, else how many items went
 * back (newest first to the claim end, so the oldest is claimed first). */
static const char RECOVER_LUA[] =
	"if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end\n"
	"local n = 0\n"
	"while redis.call('LMOVE', KEYS[2], KEYS[3], 'LEFT', 'RIGHT') do n = n + 1 end\n"
	"redis.call('SREM', KEYS[4], ARGV[1])\n"
	"return n\n";

/* Leave: no lease (so our claims are recoverable at once), and forget the
 * worker when it holds nothing. */
static const char LEAVE_LUA[] =
	"redis.call('DEL', KEYS[1])\n"
	"if redis.call('LLEN', KEYS[2]) == 0 then redis.call('SREM', KEYS[3], ARGV[1]) end\n"
	"return 0\n";

static void disconnect(struct rq *r)
{
	if (r->c)
		redisFree(r->c);
	r->c = NULL;
}

/* One command; *reply is the server's answer, never an error reply. */
static int command(struct rq *r, int argc, const char **argv, const size_t *lens,
		   redisReply **reply, const char *what, char **errmsg);

static int connect_now(struct rq *r, char **errmsg)
{
	struct timeval ct = { REDIS_CONNECT_S, 0 }, rt = { REDIS_COMMAND_S, 0 };
	redisReply *rep = NULL;
	char db[16];
	int ret;

	r->c = redisConnectWithTimeout(r->u.host, r->u.port, ct);
	if (!r->c || r->c->err) {
		*errmsg = errfmt("%s: connect: %s", r->u.shown,
				  r->c ? r->c->errstr : "out of memory");
		disconnect(r);
		return -ECONNREFUSED;
	}
	if (redisSetTimeout(r->c, rt) != REDIS_OK) {
		*errmsg = errfmt("%s: cannot set a timeout", r->u.shown);
		disconnect(r);
		return -EIO;
	}
	if (r->u.password[0]) {
		const char *a[3] = { "AUTH", r->u.user, r->u.password };
		size_t l[3] = { 4, strlen(r->u.user), strlen(r->u.password) };

		ret = r->u.user[0] ? command(r, 3, a, l, &rep, "AUTH", errmsg)
				   : command(r, 2, (const char *[]){ "AUTH", r->u.password },
					     (size_t[]){ 4, l[2] }, &rep, "AUTH", errmsg);
		freeReplyObject(rep);
		if (ret) {
			disconnect(r);
			return -EACCES;
		}
	}
	if (r->u.db) {
		snprintf(db, sizeof(db), "%d", r->u.db);
		ret = command(r, 2, (const char *[]){ "SELECT", db },
			      (size_t[]){ 6, strlen(db) }, &rep, "SELECT", errmsg);
		freeReplyObject(rep);
		if (ret) {
			disconnect(r);
			return ret;
		}
	}
	return 0;
}

static int command(struct rq *r, int argc, const char **argv, const size_t *lens,
		   redisReply **reply, const char *what, char **errmsg)
{
	redisReply *rep;
	int ret;

	*reply = NULL;
	if (!r->c && (ret = connect_now(r, errmsg)))
		return ret;
	rep = redisCommandArgv(r->c, argc, argv, lens);
	if (!rep) {
		*errmsg = errfmt("%s: %s: %s", r->u.shown, what,
				  r->c->errstr[0] ? r->c->errstr : "connection lost");
		disconnect(r); /* the context is dead: connect again next call */
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

/* EVAL script with our keys; the script's own ARGV follow. */
static int eval(struct rq *r, const char *script, int nkeys, const char **keys,
		int nargs, const char **args, const size_t *arglens,
		redisReply **reply, const char *what, char **errmsg)
{
	const char *argv[16];
	size_t lens[16];
	char nk[8];
	int argc = 0;

	snprintf(nk, sizeof(nk), "%d", nkeys);
	argv[argc] = "EVAL", lens[argc++] = 4;
	argv[argc] = script, lens[argc++] = strlen(script);
	argv[argc] = nk, lens[argc++] = strlen(nk);
	for (int i = 0; i < nkeys; i++)
		argv[argc] = keys[i], lens[argc++] = strlen(keys[i]);
	for (int i = 0; i < nargs; i++)
		argv[argc] = args[i], lens[argc++] = arglens ? arglens[i] : strlen(args[i]);
	return command(r, argc, argv, lens, reply, what, errmsg);
}

static void job_free(struct rq_job *j)
{
	if (!j)
		return;
	free(j->job.name);
	free(j->item);
	free(j);
}

/* A job's name: the item's "id", else its "path", else (not a job object)
 * its first bytes, so that the error answer says which item it was. */
static char *item_name(const char *item, size_t len)
{
	cJSON *o = cJSON_ParseWithLength(item, len);
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
	const cJSON *path = cJSON_GetObjectItemCaseSensitive(o, "path");
	char *name = NULL;

	if (cJSON_IsString(id) && id->valuestring[0])
		name = strdup(id->valuestring);
	else if (cJSON_IsString(path) && path->valuestring[0])
		name = strdup(path->valuestring);
	cJSON_Delete(o);
	if (name)
		return name;
	size_t n = len < REDIS_NAME_MAX ? len : REDIS_NAME_MAX;
	if (!(name = malloc(n + 1)))
		return NULL;
	for (size_t i = 0; i < n; i++) /* printable, so a log line stays one line */
		name[i] = item[i] >= 0x20 && item[i] < 0x7f ? item[i] : '?';
	name[n] = '\0';
	return name;
}

static int rq_claim(struct job_queue *q, int max, struct job **jobs, int *n,
		    char **errmsg)
{
	struct rq *r = (struct rq *)q;
	const char *keys[4] = { r->u.key, r->claimed, r->alive, r->workers };
	char smax[16], lease[24];
	redisReply *rep;
	int ret;

	*n = 0;
	snprintf(smax, sizeof(smax), "%d", max);
	snprintf(lease, sizeof(lease), "%ld", r->u.lease_ms);
	ret = eval(r, CLAIM_LUA, 4, keys, 3, (const char *[]){ smax, lease, r->id }, NULL,
		   &rep, "claim", errmsg);
	if (ret)
		return ret;
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements > (size_t)max) {
		*errmsg = errfmt("%s: claim: unexpected reply type %d", r->u.shown, rep->type);
		freeReplyObject(rep);
		return -EPROTO;
	}
	for (size_t i = 0; i < rep->elements; i++) {
		const redisReply *e = rep->element[i];
		struct rq_job *j = calloc(1, sizeof(*j));

		if (!j || e->type != REDIS_REPLY_STRING || !(j->item = malloc(e->len + 1)) ||
		    !(j->job.name = item_name(e->str, e->len))) {
			/* Claimed on the server but not handed out: it stays in
			 * our claimed list and comes back after we leave. */
			job_free(j);
			if (!ret) {
				*errmsg = errfmt("%s: claim: out of memory or a non-string "
						  "item", r->u.shown);
				ret = -ENOMEM;
			}
			continue;
		}
		memcpy(j->item, e->str, e->len);
		j->item[e->len] = '\0';
		j->len = e->len;
		j->job.priv = j;
		jobs[(*n)++] = &j->job;
	}
	freeReplyObject(rep);
	if (ret && *n) { /* hand out what we have; a lasting fault shows next call */
		free(*errmsg);
		*errmsg = NULL;
		ret = 0;
	}
	return ret;
}

/* Base64 with OpenSSL's decoder (which takes line breaks and padding). */
static int base64(const char *in, size_t len, void **data, size_t *out_len)
{
	EVP_ENCODE_CTX *ctx;
	unsigned char *buf;
	int n = 0, m = 0;

	if (len > INT32_MAX || !(buf = malloc(len / 4 * 3 + 4)))
		return -ENOMEM;
	if (!(ctx = EVP_ENCODE_CTX_new())) {
		free(buf);
		return -ENOMEM;
	}
	EVP_DecodeInit(ctx);
	if (EVP_DecodeUpdate(ctx, buf, &n, (const unsigned char *)in, (int)len) < 0 ||
	    EVP_DecodeFinal(ctx, buf + n, &m) < 0) {
		EVP_ENCODE_CTX_free(ctx);
		free(buf);
		return -EINVAL;
	}
	EVP_ENCODE_CTX_free(ctx);
	*data = buf;
	*out_len = (size_t)n + (size_t)m;
	return 0;
}

static int rq_load(struct job_queue *q, struct job *job, void **data, size_t *len,
		   char **errmsg)
{
	struct rq_job *j = job->priv;
	cJSON *o = cJSON_ParseWithLength(j->item, j->len);
	const cJSON *path = cJSON_GetObjectItemCaseSensitive(o, "path");
	const cJSON *b64 = cJSON_GetObjectItemCaseSensitive(o, "data");
	int ret;

	(void)q;
	*data = NULL;
	*len = 0;
	if (!cJSON_IsObject(o)) {
		ret = -EINVAL;
		*errmsg = errfmt("%s: the item is not a JSON object like "
				  "{\"id\": NAME, \"path\": FILE} or {\"id\": NAME, "
				  "\"data\": BASE64}", job->name);
	} else if (cJSON_IsString(path) == cJSON_IsString(b64)) {
		ret = -EINVAL;
		*errmsg = errfmt("%s: the item needs exactly one of \"path\" (a file) "
				  "and \"data\" (base64), as strings", job->name);
	} else if (cJSON_IsString(path)) {
		ret = jobs_read_file(AT_FDCWD, path->valuestring, 0, job->name, data, len,
				     errmsg);
	} else if ((ret = base64(b64->valuestring, strlen(b64->valuestring), data, len))) {
		*errmsg = errfmt("%s: \"data\" is not %s", job->name,
				  ret == -ENOMEM ? "decodable: out of memory" : "valid base64");
	} else if (*len > JOBS_MAX_PAYLOAD) {
		free(*data);
		*data = NULL;
		ret = -EFBIG;
		*errmsg = errfmt("%s: larger than 1 GiB", job->name);
	}
	cJSON_Delete(o);
	return ret;
}

static int rq_ack(struct job_queue *q, struct job *job, char **errmsg)
{
	struct rq *r = (struct rq *)q;
	struct rq_job *j = job->priv;
	const char *keys[2] = { r->claimed, r->alive };
	char lease[24];
	redisReply *rep;
	int ret;

	snprintf(lease, sizeof(lease), "%ld", r->u.lease_ms);
	ret = eval(r, ACK_LUA, 2, keys, 2, (const char *[]){ j->item, lease },
		   (size_t[]){ j->len, strlen(lease) }, &rep, "ack", errmsg);
	/* A 0 from LREM means our lease lapsed and another worker took the
	 * job back: it is answered here and will be again there, which
	 * at-least-once allows. */
	freeReplyObject(rep);
	job_free(j);
	return ret;
}

static int rq_nack(struct job_queue *q, struct job *job, char **errmsg)
{
	struct rq *r = (struct rq *)q;
	struct rq_job *j = job->priv;
	const char *keys[2] = { r->claimed, r->u.key };
	redisReply *rep;
	int ret;

	ret = eval(r, NACK_LUA, 2, keys, 1, (const char *[]){ j->item },
		   (size_t[]){ j->len }, &rep, "give back", errmsg);
	if (ret) {
		char *why = *errmsg;

		*errmsg = errfmt("%s (%s stays claimed until the lease runs out)",
				  why ? why : "give back failed", job->name);
		free(why);
	}
	freeReplyObject(rep);
	job_free(j);
	return ret;
}

static int recover_one(struct rq *r, const char *id, size_t idlen, int *n,
		       char **errmsg)
{
	char *alive = NULL, *claimed = NULL;
	redisReply *rep = NULL;
	int ret = -ENOMEM;

	if (asprintf(&alive, "%s:alive:%.*s", r->u.key, (int)idlen, id) < 0)
		alive = NULL;
	else if (asprintf(&claimed, "%s:claimed:%.*s", r->u.key, (int)idlen, id) < 0)
		claimed = NULL;
	if (!alive || !claimed) {
		*errmsg = errfmt("%s: recover: out of memory", r->u.shown);
		goto out;
	}
	const char *keys[4] = { alive, claimed, r->u.key, r->workers };
	ret = eval(r, RECOVER_LUA, 4, keys, 1, (const char *[]){ id }, &idlen, &rep,
		   "recover", errmsg);
	if (!ret && rep->type == REDIS_REPLY_INTEGER && rep->integer > 0)
		*n += (int)rep->integer;
out:
	freeReplyObject(rep);
	free(alive);
	free(claimed);
	return ret;
}

static int rq_recover(struct job_queue *q, int *n, char **errmsg)
{
	struct rq *r = (struct rq *)q;
	redisReply *rep;
	int ret;

	*n = 0;
	ret = command(r, 2, (const char *[]){ "SMEMBERS", r->workers },
		      (size_t[]){ 8, strlen(r->workers) }, &rep, "list workers", errmsg);
	if (ret)
		return ret;
	for (size_t i = 0; rep->type == REDIS_REPLY_ARRAY && i < rep->elements; i++) {
		const redisReply *e = rep->element[i];

		if (e->type != REDIS_REPLY_STRING || strcmp(e->str, r->id) == 0)
			continue;
		ret = recover_one(r, e->str, e->len, n, errmsg);
		if (ret)
			break;
	}
	freeReplyObject(rep);
	return ret;
}

static void rq_free(struct job_queue *q)
{
	struct rq *r = (struct rq *)q;
	redisReply *rep = NULL;
	char *err = NULL;

	if (r->c && r->alive) {
		const char *keys[3] = { r->alive, r->claimed, r->workers };

		eval(r, LEAVE_LUA, 3, keys, 1, (const char *[]){ r->id }, NULL, &rep,
		     "leave", &err);
		freeReplyObject(rep);
		free(err);
	}
	disconnect(r);
	explicit_bzero(r->u.password, sizeof(r->u.password));
	free(r->claimed);
	free(r->alive);
	free(r->workers);
	free(r);
}

static const struct job_queue_ops rq_ops = {
	.claim = rq_claim,
	.load = rq_load,
	.ack = rq_ack,
	.nack = rq_nack,
	.recover = rq_recover,
	.free = rq_free,
};

int jobs_redis_open(const struct redis_url *u, struct job_queue **out, char **errmsg)
{
	char host[64] = "localhost";
	unsigned long long nonce = 0;
	struct rq *r;
	int ret;

	*out = NULL;
	if (!(r = calloc(1, sizeof(*r)))) {
		*errmsg = errfmt("%s: out of memory", u->shown);
		return -ENOMEM;
	}
	r->u = *u;
	r->q.ops = &rq_ops;
	r->q.where = r->u.shown;
	if (gethostname(host, sizeof(host) - 1) < 0)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	/* Random, not a pid and a counter: in containers every worker is pid 1,
	 * and an ID reused would adopt (and never recover) a dead one's claims. */
	if (getrandom(&nonce, sizeof(nonce), 0) != sizeof(nonce)) {
		*errmsg = errfmt("%s: getrandom: %s", u->shown, strerror(errno));
		ret = -EIO;
		goto fail;
	}
	snprintf(r->id, sizeof(r->id), "%s:%ld-%016llx", host, (long)getpid(), nonce);
	if (asprintf(&r->claimed, "%s:claimed:%s", u->key, r->id) < 0)
		r->claimed = NULL;
	if (asprintf(&r->alive, "%s:alive:%s", u->key, r->id) < 0)
		r->alive = NULL;
	if (asprintf(&r->workers, "%s:workers", u->key) < 0)
		r->workers = NULL;
	if (!r->claimed || !r->alive || !r->workers) {
		*errmsg = errfmt("%s: out of memory", u->shown);
		ret = -ENOMEM;
		goto fail;
	}
	ret = connect_now(r, errmsg);
	if (ret)
		goto fail;
	*out = &r->q;
	return 0;
fail:
	rq_free(&r->q);
	return ret;
}
