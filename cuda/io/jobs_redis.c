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
 *
 * A claim whose outcome is unknown (no reply: a timeout, a dropped
 * connection) may have moved items the worker never got. They would sit
 * in its claimed list for as long as its lease is renewed, i.e. forever.
 * So such a claim retires the worker's identity (its ID and keys): later
 * claims use a fresh one, the old lease is no longer renewed, and once it
 * lapses any recovery (this worker's too) puts the stranded items back.
 * Jobs in hand keep a reference to the identity they were claimed under,
 * so their ack and give-back go to the right list.
 *
 * The connection (connect, AUTH/SELECT, commands, EVAL) is in
 * jobs_redis_conn.c.
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
#include "jobs_redis_int.h"

#define REDIS_NAME_MAX 200 /* a bad item is named by its first bytes */


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

/* Ack: drop the item from its claimed list, then renew that lease if it
 * is the current one (ARGV[2] > 0). The LREM comes first so that a server
 * at maxmemory, which refuses a script's first write if it adds data,
 * still takes acks. 0: the item was no longer ours (our lease had lapsed
 * and it was recovered). */
static const char ACK_LUA[] =
	"local n = redis.call('LREM', KEYS[1], -1, ARGV[1])\n"
	"if tonumber(ARGV[2]) > 0 then redis.call('SET', KEYS[2], '1', 'PX', ARGV[2]) end\n"
	"return n\n";

/* Ack many: the same for ARGV[2..] (one batch, one round trip). */
static const char ACK_MANY_LUA[] =
	"local n = 0\n"
	"for i = 2, #ARGV do n = n + redis.call('LREM', KEYS[1], -1, ARGV[i]) end\n"
	"if tonumber(ARGV[1]) > 0 then redis.call('SET', KEYS[2], '1', 'PX', ARGV[1]) end\n"
	"return n\n";

/* Give back: to the end claims take from, if it was still ours. */
static const char NACK_LUA[] =
	"if redis.call('LREM', KEYS[1], -1, ARGV[1]) == 1 then\n"
	"  redis.call('RPUSH', KEYS[2], ARGV[1])\n"
	"  return 1\n"
	"end\n"
	"return 0\n";

/* Recover: for every registered worker but us (ARGV[1]) whose lease key
 * is gone, move its claimed list back (newest first to the claim end, so
 * the oldest is claimed first) and forget it. One script, one round trip,
 * however many workers: it builds their key names from the prefixes
 * (fine on one server; Redis Cluster is not supported). Returns how many
 * items went back. */
static const char RECOVER_LUA[] =
	"local n = 0\n"
	"for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do\n"
	"  if id ~= ARGV[1] and redis.call('EXISTS', ARGV[3] .. id) == 0 then\n"
	"    local c = ARGV[2] .. id\n"
	"    while redis.call('LMOVE', c, KEYS[1], 'LEFT', 'RIGHT') do n = n + 1 end\n"
	"    redis.call('SREM', KEYS[2], id)\n"
	"  end\n"
	"end\n"
	"return n\n";

/* Leave: no lease (so our claims are recoverable at once), and forget the
 * worker when it holds nothing. */
static const char LEAVE_LUA[] =
	"redis.call('DEL', KEYS[1])\n"
	"if redis.call('LLEN', KEYS[2]) == 0 then redis.call('SREM', KEYS[3], ARGV[1]) end\n"
	"return 0\n";


static void ident_put(struct rq_ident *i)
{
	if (i && --i->refs == 0) {
		free(i->claimed);
		free(i->alive);
		free(i);
	}
}

/* A fresh identity with one reference, or NULL (errmsg set). */
static struct rq_ident *ident_new(const struct rq *r, char **errmsg)
{
	char host[64] = "localhost";
	unsigned long long nonce = 0;
	struct rq_ident *i = calloc(1, sizeof(*i));

	if (!i) {
		*errmsg = errfmt("%s: out of memory", r->u.shown);
		return NULL;
	}
	/* Random, not a pid and a counter: in containers every worker is pid 1,
	 * and an ID reused would adopt (and never recover) a dead one's claims. */
	if (getrandom(&nonce, sizeof(nonce), 0) != (ssize_t)sizeof(nonce)) {
		*errmsg = errfmt("%s: getrandom failed", r->u.shown);
		free(i);
		return NULL;
	}
	if (gethostname(host, sizeof(host) - 1) < 0)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(i->id, sizeof(i->id), "%s:%ld-%016llx", host, (long)getpid(), nonce);
	if (asprintf(&i->claimed, "%s%s", r->claimed_prefix, i->id) < 0)
		i->claimed = NULL;
	if (asprintf(&i->alive, "%s%s", r->alive_prefix, i->id) < 0)
		i->alive = NULL;
	i->refs = 1;
	if (!i->claimed || !i->alive) {
		*errmsg = errfmt("%s: out of memory", r->u.shown);
		ident_put(i);
		return NULL;
	}
	return i;
}

/* After a claim whose outcome is unknown: claim under a new identity from
 * now on (see the top of the file). Keeps the old one if no new one can
 * be had. */
static void retire(struct rq *r)
{
	char *err = NULL;
	struct rq_ident *fresh = ident_new(r, &err);

	free(err);
	if (!fresh)
		return;
	ident_put(r->me);
	r->me = fresh;
}

static void job_free(struct rq_job *j)
{
	if (!j)
		return;
	ident_put(j->ident);
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

	const char *from = item;
	size_t n = len;

	if (cJSON_IsString(id) && id->valuestring[0])
		from = id->valuestring;
	else if (cJSON_IsString(path) && path->valuestring[0])
		from = path->valuestring;
	if (from != item)
		n = strlen(from);
	if (n > REDIS_NAME_MAX)
		n = REDIS_NAME_MAX;
	if ((name = malloc(n + 1))) {
		/* printable, so that a log line stays one line (UTF-8 kept) */
		for (size_t i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)from[i];

			name[i] = ch >= 0x20 && ch != 0x7f ? (char)ch : '?';
		}
		name[n] = '\0';
	}
	cJSON_Delete(o);
	return name;
}

static int rq_claim(struct job_queue *q, int max, struct job **jobs, int *n,
		    char **errmsg)
{
	struct rq *r = (struct rq *)q;
	struct rq_ident *me = r->me;
	const char *keys[4] = { r->u.key, me->claimed, me->alive, r->workers };
	char smax[16], lease[24];
	redisReply *rep;
	int ret;

	*n = 0;
	snprintf(smax, sizeof(smax), "%d", max);
	snprintf(lease, sizeof(lease), "%ld", r->u.lease_ms);
	ret = jobs_redis_conn_eval(r, CLAIM_LUA, 4, keys, 3, (const char *[]){ smax, lease, me->id }, NULL,
				   &rep, "claim", errmsg);
	if (ret) {
		retire(r); /* it may have moved items we never got */
		return ret;
	}
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements > (size_t)max) {
		*errmsg = errfmt("%s: claim: unexpected reply type %d", r->u.shown, rep->type);
		freeReplyObject(rep);
		retire(r);
		return -EPROTO;
	}
	for (size_t i = 0; i < rep->elements; i++) {
		const redisReply *e = rep->element[i];
		struct rq_job *j = calloc(1, sizeof(*j));

		if (!j || e->type != REDIS_REPLY_STRING || !(j->item = malloc(e->len + 1)) ||
		    !(j->job.name = item_name(e->str, e->len))) {
			/* Moved on the server but not handed out: it stays in
			 * this identity's claimed list, which retire() below
			 * leaves to lapse and be recovered. */
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
		j->ident = me;
		me->refs++;
		j->job.priv = j;
		jobs[(*n)++] = &j->job;
	}
	freeReplyObject(rep);
	if (ret)
		retire(r);
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

	/* OpenSSL stops at '-' (a MIME end marker) without an error: a
	 * URL-safe or otherwise foreign alphabet would be cut short. */
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)in[i];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' || ch == '=' ||
		      ch == '\n' || ch == '\r'))
			return -EINVAL;
	}
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
		ret = jobs_read_file(AT_FDCWD, path->valuestring, 0, job->name, job->max_len, data, len,
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
	const char *keys[2] = { j->ident->claimed, j->ident->alive };
	char lease[24];
	redisReply *rep;
	int ret;

	/* Only the current identity's lease is renewed: a retired one must
	 * lapse so that what it stranded comes back. */
	snprintf(lease, sizeof(lease), "%ld", j->ident == r->me ? r->u.lease_ms : 0L);
	ret = jobs_redis_conn_eval(r, ACK_LUA, 2, keys, 2, (const char *[]){ j->item, lease },
				   (size_t[]){ j->len, strlen(lease) }, &rep, "ack", errmsg);
	/* A 0 from LREM means our lease lapsed and another worker took the
	 * job back: it is answered here and will be again there, which
	 * at-least-once allows. */
	freeReplyObject(rep);
	job_free(j);
	return ret;
}

static int rq_ack_many(struct job_queue *q, struct job **jobs, int n, char **errmsg)
{
	struct rq *r = (struct rq *)q;
	struct rq_ident *ident = ((struct rq_job *)jobs[0]->priv)->ident;
	const char *keys[2] = { ident->claimed, ident->alive };
	const char **args = malloc((size_t)(n + 1) * sizeof(*args));
	size_t *lens = malloc((size_t)(n + 1) * sizeof(*lens));
	char lease[24];
	redisReply *rep = NULL;
	int ret, i;

	/* One batch comes from one claim, so from one identity; a caller's
	 * own mix is acked one by one, each into its own list. */
	for (i = 1; i < n && ((struct rq_job *)jobs[i]->priv)->ident == ident; i++)
		;
	if (i < n) {
		free(args);
		free(lens);
		ret = 0;
		for (i = 0; i < n; i++) {
			char *why = NULL;
			int err = rq_ack(q, jobs[i], &why);

			if (err && !ret) {
				ret = err;
				*errmsg = why;
				why = NULL;
			}
			free(why);
		}
		return ret;
	}
	if (!args || !lens) {
		*errmsg = errfmt("%s: ack: out of memory", r->u.shown);
		ret = -ENOMEM;
		goto out;
	}
	snprintf(lease, sizeof(lease), "%ld", ident == r->me ? r->u.lease_ms : 0L);
	args[0] = lease, lens[0] = strlen(lease);
	for (i = 0; i < n; i++) {
		const struct rq_job *j = jobs[i]->priv;

		args[i + 1] = j->item, lens[i + 1] = j->len;
	}
	ret = jobs_redis_conn_eval(r, ACK_MANY_LUA, 2, keys, n + 1, args, lens, &rep, "ack", errmsg);
	freeReplyObject(rep);
out:
	free(args);
	free(lens);
	for (i = 0; i < n; i++)
		job_free(jobs[i]->priv);
	return ret;
}

static int rq_nack(struct job_queue *q, struct job *job, char **errmsg)
{
	struct rq *r = (struct rq *)q;
	struct rq_job *j = job->priv;
	const char *keys[2] = { j->ident->claimed, r->u.key };
	redisReply *rep;
	int ret;

	ret = jobs_redis_conn_eval(r, NACK_LUA, 2, keys, 1, (const char *[]){ j->item },
				   (size_t[]){ j->len }, &rep, "give back", errmsg);
	if (ret) {
		char *why = *errmsg;

		*errmsg = errfmt("%s (%s stays claimed; it goes back when this worker's "
				  "lease lapses after it stops)", why ? why : "give back failed",
				  job->name);
		free(why);
	}
	freeReplyObject(rep);
	job_free(j);
	return ret;
}

static int rq_recover(struct job_queue *q, int *n, char **errmsg)
{
	struct rq *r = (struct rq *)q;
	const char *keys[2] = { r->u.key, r->workers };
	redisReply *rep;
	int ret;

	*n = 0;
	ret = jobs_redis_conn_eval(r, RECOVER_LUA, 2, keys, 3,
				   (const char *[]){ r->me->id, r->claimed_prefix, r->alive_prefix }, NULL,
				   &rep, "recover", errmsg);
	if (ret)
		return ret;
	if (rep->type == REDIS_REPLY_INTEGER && rep->integer > 0)
		*n = rep->integer > INT32_MAX ? INT32_MAX : (int)rep->integer;
	freeReplyObject(rep);
	return 0;
}

static void rq_free(struct job_queue *q)
{
	struct rq *r = (struct rq *)q;
	redisReply *rep = NULL;
	char *err = NULL;

	/* Drop the lease, so that what we hold (nothing, after a clean stop)
	 * is recoverable at once; after a lost connection, try once more. */
	if (r->me && (r->c || jobs_redis_conn_open(r, &err) == 0)) {
		const char *keys[3] = { r->me->alive, r->me->claimed, r->workers };

		jobs_redis_conn_eval(r, LEAVE_LUA, 3, keys, 1, (const char *[]){ r->me->id }, NULL, &rep,
				     "leave", &err);
		freeReplyObject(rep);
	}
	free(err);
	jobs_redis_conn_close(r);
	explicit_bzero(r->u.password, sizeof(r->u.password));
	ident_put(r->me);
	free(r->workers);
	free(r->claimed_prefix);
	free(r->alive_prefix);
	free(r);
}

static const struct job_queue_ops rq_ops = {
	.claim = rq_claim,
	.load = rq_load,
	.ack = rq_ack,
	.ack_many = rq_ack_many,
	.nack = rq_nack,
	.recover = rq_recover,
	.free = rq_free,
};

int jobs_redis_open(const struct redis_url *u, struct job_queue **out, char **errmsg)
{
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
	if (asprintf(&r->workers, "%s:workers", u->key) < 0)
		r->workers = NULL;
	if (asprintf(&r->claimed_prefix, "%s:claimed:", u->key) < 0)
		r->claimed_prefix = NULL;
	if (asprintf(&r->alive_prefix, "%s:alive:", u->key) < 0)
		r->alive_prefix = NULL;
	if (!r->workers || !r->claimed_prefix || !r->alive_prefix) {
		*errmsg = errfmt("%s: out of memory", u->shown);
		ret = -ENOMEM;
		goto fail;
	}
	if (!(r->me = ident_new(r, errmsg))) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = jobs_redis_conn_open(r, errmsg);
	if (ret)
		goto fail;
	*out = &r->q;
	return 0;
fail:
	ident_put(r->me);
	r->me = NULL; /* nothing to leave */
	rq_free(&r->q);
	return ret;
}
