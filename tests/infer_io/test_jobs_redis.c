/*
 * test_jobs_redis.c - the Redis list queue (cuda/io/jobs_redis.c) against a
 * real redis-server on loopback: URLs good and bad, claim/load/ack in
 * FIFO order, give-back, items that are not jobs, passwords, and a
 * server restart under a live queue. Recovery of dead workers' claims is
 * in test_jobs_redis_recover.c; the fixture is in redis_fx.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "jobs.h"
#include "jobs_url.h"
#include "redis_fx.h"
#include "redis_server.h"

/* ---- URLs (no server) ---- */

static void test_url_good(void **state)
{
	struct redis_url u;
	char *err = NULL;

	(void)state;
	unsetenv("REDISCLI_AUTH");
	assert_int_equal(jobs_redis_url_parse("redis://localhost/jobs", &u, &err), 0);
	assert_string_equal(u.host, "localhost");
	assert_int_equal(u.port, 6379);
	assert_int_equal(u.db, 0);
	assert_string_equal(u.key, "jobs");
	assert_int_equal(u.lease_ms, 60000);
	assert_string_equal(u.password, "");
	assert_string_equal(u.shown, "redis://localhost:6379/0/jobs");

	assert_int_equal(jobs_redis_url_parse("redis://:s3cret@10.0.0.1:7000/3/a/b?lease=5",
					      &u, &err), 0);
	assert_string_equal(u.host, "10.0.0.1");
	assert_int_equal(u.port, 7000);
	assert_int_equal(u.db, 3);
	assert_string_equal(u.key, "a/b");
	assert_int_equal(u.lease_ms, 5000);
	assert_string_equal(u.password, "s3cret");
	assert_null(strstr(u.shown, "s3cret"));

	assert_int_equal(jobs_redis_url_parse("redis://me:pw@[::1]:6380/q", &u, &err), 0);
	assert_string_equal(u.host, "::1");
	assert_string_equal(u.user, "me");
	assert_string_equal(u.shown, "redis://me@[::1]:6380/0/q");

	/* one numeric segment is a key, not a database */
	assert_int_equal(jobs_redis_url_parse("redis://h/1", &u, &err), 0);
	assert_string_equal(u.key, "1");
	assert_int_equal(u.db, 0);

	setenv("REDISCLI_AUTH", "fromenv", 1);
	assert_int_equal(jobs_redis_url_parse("redis://h/k", &u, &err), 0);
	assert_string_equal(u.password, "fromenv");
	unsetenv("REDISCLI_AUTH");
	assert_null(err);
}

static void test_url_bad(void **state)
{
	static const struct {
		const char *url, *why;
	} bad[] = {
		{ "redis://host", "no list key" },
		{ "redis://host/", "no list key" },
		{ "redis://host/2/", "no list key" },
		{ "redis:///k", "no host" },
		{ "redis://host:99999/k", "port must be a number from 1 to 65535" },
		{ "redis://host:abc/k", "port must be a number" },
		{ "redis://host:/k", "port must be a number" },
		{ "redis://[::1/k", "unclosed [" },
		{ "redis://h/k?lease=0", "lease must be whole seconds" },
		{ "redis://h/k?lease=1.5", "lease must be whole seconds" },
		{ "redis://h/k?leese=3", "unknown option \"leese=3\"" },
		{ "redis://h/k?timeout=0", "timeout must be whole seconds" },
		{ "redis://:pa@ss@h:0/k", "redis://***@h:0/k: port must be" },
		{ "rediss://h/k", "rediss://h/k: rediss:// (TLS) is not supported" },
		{ "rediss://h/k", "TLS" },
		{ "redis://topsecret@h/k", "credentials must be USER:PASSWORD" },
		{ "redis://:topsecret@h:0/k", "port must be" },
	};
	struct redis_url u;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *err = NULL;

		assert_int_equal(jobs_redis_url_parse(bad[i].url, &u, &err), -EINVAL);
		assert_non_null(err);
		if (!strstr(err, bad[i].why))
			fail_msg("%s: got \"%s\", want \"%s\"", bad[i].url, err, bad[i].why);
		/* a message never shows a password, nor a part of one */
		assert_null(strstr(err, "topsecret"));
		assert_null(strstr(err, "ss@"));
		free(err);
		err = NULL;
		assert_int_equal(jobs_check_url(bad[i].url, &err), -EINVAL);
		assert_non_null(strstr(err, bad[i].why));
		free(err);
	}

	char *err = NULL;
	assert_int_equal(jobs_check_url("amqp://h/q", &err), -EINVAL);
	assert_non_null(strstr(err, "unknown queue kind"));
	free(err);
	err = NULL;
	assert_int_equal(jobs_check_url("/var/spool/jobs", &err), 0);
	assert_int_equal(jobs_check_url("redis://h:1234/2/jobs?lease=30", &err), 0);
	assert_null(err);
}

/* ---- against a server ---- */

static void test_claim_load_ack(void **state)
{
	struct fix *f = *state;
	struct job *jobs[8];
	char *err = NULL, path[96];
	unsigned char payload[5][300];
	void *data;
	size_t len;
	int n;

	for (int i = 0; i < 5; i++) {
		char id[16];

		for (int k = 0; k < 300; k++)
			payload[i][k] = (unsigned char)(k * 7 + i);
		snprintf(id, sizeof(id), "j%d", i);
		push_data(f->c, id, payload[i], 100 + (size_t)i * 50);
	}
	/* a path item: the worker reads the file; "id" defaults to the path */
	snprintf(path, sizeof(path), "%s/item.bin", f->srv.dir);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	fputs("file payload", fp);
	fclose(fp);
	freeReplyObject(redis_cmd(f->c, "LPUSH jobs {\"path\":\"%s\"}", path));

	struct job_queue *q = open_q(f->url);
	assert_int_equal(job_claim(q, 4, jobs, &n, &err), 0);
	assert_int_equal(n, 4);
	for (int i = 0; i < 4; i++) { /* oldest first */
		char id[16];

		snprintf(id, sizeof(id), "j%d", i);
		assert_string_equal(jobs[i]->name, id);
		assert_int_equal(job_load(q, jobs[i], &data, &len, &err), 0);
		assert_int_equal(len, 100 + (size_t)i * 50);
		assert_memory_equal(data, payload[i], len);
		free(data);
	}
	assert_int_equal(redis_int(f->c, "LLEN jobs"), 2);
	assert_int_equal(redis_int(f->c, "SCARD jobs:workers"), 1);
	for (int i = 0; i < 4; i++)
		assert_int_equal(job_ack(q, jobs[i], &err), 0);

	assert_int_equal(job_claim(q, 8, jobs, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(jobs[0]->name, "j4");
	assert_string_equal(jobs[1]->name, path);
	assert_int_equal(job_load(q, jobs[1], &data, &len, &err), 0);
	assert_int_equal(len, 12);
	assert_memory_equal(data, "file payload", 12);
	free(data);
	for (int i = 0; i < 2; i++)
		assert_int_equal(job_ack(q, jobs[i], &err), 0);
	assert_int_equal(job_claim(q, 8, jobs, &n, &err), 0);
	assert_int_equal(n, 0);
	job_queue_free(q);

	/* nothing queued, claimed, or registered is left behind */
	assert_int_equal(redis_int(f->c, "EXISTS jobs"), 0);
	assert_int_equal(redis_int(f->c, "SCARD jobs:workers"), 0);
	redisReply *keys = redis_cmd(f->c, "KEYS *");
	assert_int_equal(keys->elements, 0);
	freeReplyObject(keys);
	assert_null(err);
}

static void test_nack_goes_back_first(void **state)
{
	struct fix *f = *state;
	struct job *jobs[4];
	char *err = NULL;
	int n;

	for (int i = 0; i < 4; i++)
		push_data(f->c, i == 0 ? "a" : i == 1 ? "b" : i == 2 ? "c" : "d", "x", 1);
	struct job_queue *q = open_q(f->url);
	assert_int_equal(job_claim(q, 2, jobs, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(job_nack(q, jobs[1], &err), 0);
	assert_int_equal(job_nack(q, jobs[0], &err), 0);
	assert_int_equal(redis_int(f->c, "LLEN jobs"), 4);
	/* given back to the end claims take from: claimed again first (the
	 * last given back first: a batch gives back newest first) */
	assert_int_equal(job_claim(q, 4, jobs, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(jobs[0]->name, "a");
	assert_string_equal(jobs[1]->name, "b");
	assert_string_equal(jobs[2]->name, "c");
	assert_string_equal(jobs[3]->name, "d");
	/* a whole batch acked in one round trip */
	assert_non_null(q->ops->ack_many);
	assert_int_equal(job_ack_all(q, jobs, 4, &err), 0);
	redisReply *held = redis_cmd(f->c, "KEYS jobs:claimed:*");
	for (size_t i = 0; i < held->elements; i++)
		assert_int_equal(redis_int(f->c, "LLEN %s", held->element[i]->str), 0);
	freeReplyObject(held);
	assert_int_equal(redis_int(f->c, "LLEN jobs"), 0);
	job_queue_free(q);
	assert_null(err);
}

static void test_bad_items_are_named(void **state)
{
	static const struct {
		const char *item, *name, *why;
	} bad[] = {
		{ "not json at all", "not json at all", "is not a JSON object" },
		{ "{\"id\":\"x\"}", "x", "exactly one of \"path\"" },
		{ "{\"id\":\"y\",\"data\":\"!!!!\"}", "y", "\"data\" is not valid base64" },
		{ "{\"path\":\"/nonexistent/f.jpg\"}", "/nonexistent/f.jpg",
		  "open /nonexistent/f.jpg: No such file" },
		{ "{\"id\":\"z\",\"path\":\"a\",\"data\":\"b\"}", "z", "exactly one of" },
		{ "{\"id\":\"d\",\"path\":\"/tmp\"}", "d", "not a regular file" },
		{ "[1,2]", "[1,2]", "is not a JSON object" },
		{ "bin\x01\nary", "bin??ary", "is not a JSON object" },
		{ "{\"id\":\"u\",\"data\":\"QUJD-QUJD\"}", "u", "\"data\" is not valid base64" },
		{ "{\"id\":\"line\\nbreak\",\"path\":\"/nonexistent\"}", "line?break", "open" },
	};
	const int nbad = (int)(sizeof(bad) / sizeof(bad[0]));
	struct fix *f = *state;
	struct job *jobs[16];
	char *err = NULL;
	int n;

	for (int i = 0; i < nbad; i++)
		freeReplyObject(redis_cmd(f->c, "LPUSH jobs %b", bad[i].item,
					  strlen(bad[i].item)));
	struct job_queue *q = open_q(f->url);
	assert_int_equal(job_claim(q, 16, jobs, &n, &err), 0);
	assert_int_equal(n, nbad);
	for (int i = 0; i < nbad; i++) {
		void *data = NULL;
		size_t len;

		assert_string_equal(jobs[i]->name, bad[i].name);
		assert_true(job_load(q, jobs[i], &data, &len, &err) < 0);
		assert_null(data);
		if (!err || !strstr(err, bad[i].why))
			fail_msg("item %d: got \"%s\", want \"%s\"", i, err, bad[i].why);
		assert_non_null(strstr(err, bad[i].name));
		free(err);
		err = NULL;
		/* answered with an error line, then acked: gone, not retried */
		assert_int_equal(job_ack(q, jobs[i], &err), 0);
	}
	assert_int_equal(redis_int(f->c, "EXISTS jobs"), 0);
	job_queue_free(q);
}

/* A path naming a FIFO is refused at once, not waited on forever. */
static void test_fifo_path_refused(void **state)
{
	struct fix *f = *state;
	struct job *jobs[1];
	char path[96], *err = NULL;
	void *data = NULL;
	size_t len;
	int n;

	snprintf(path, sizeof(path), "%s/fifo", f->srv.dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	freeReplyObject(redis_cmd(f->c, "LPUSH jobs {\"id\":\"p\",\"path\":\"%s\"}", path));
	struct job_queue *q = open_q(f->url);
	assert_int_equal(job_claim(q, 1, jobs, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(job_load(q, jobs[0], &data, &len, &err), -EINVAL);
	assert_non_null(strstr(err, "is not a regular file"));
	free(err);
	err = NULL;
	assert_int_equal(job_ack(q, jobs[0], &err), 0);
	job_queue_free(q);
}

static void test_password(void **state)
{
	struct fix *f = *state;
	struct job_queue *q = NULL;
	char url[160], *err = NULL;
	struct job *jobs[2];
	int n;

	redisFree(f->c);
	f->c = NULL;
	redis_server_stop(&f->srv, 1);
	f->srv.password = "hunter2-secret";
	redis_server_start(&f->srv);

	snprintf(url, sizeof(url), "redis://:wrong-secret@127.0.0.1:%d/jobs", f->srv.port);
	assert_true(jobs_open(url, &q, &err) < 0);
	assert_null(q);
	assert_non_null(strstr(err, "AUTH"));
	assert_null(strstr(err, "wrong-secret"));
	free(err);
	err = NULL;

	/* no password at all: the first command is refused, naming the URL */
	assert_int_equal(jobs_open(f->url, &q, &err), 0);
	assert_true(job_claim(q, 1, jobs, &n, &err) < 0);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0/jobs: claim: NOAUTH",
		 f->srv.port);
	if (!strstr(err, url))
		fail_msg("got \"%s\", want \"%s\"", err, url);
	free(err);
	err = NULL;
	job_queue_free(q);

	setenv("REDISCLI_AUTH", "hunter2-secret", 1);
	q = open_q(f->url);
	unsetenv("REDISCLI_AUTH");
	assert_int_equal(job_claim(q, 1, jobs, &n, &err), 0);
	assert_int_equal(n, 0);
	job_queue_free(q);
	f->c = redis_server_client(&f->srv);
}

static void test_server_restart(void **state)
{
	struct fix *f = *state;
	struct job *jobs[4];
	char *err = NULL, closed[96];
	struct job_queue *q;
	int n;

	/* nobody listening: the error names the URL */
	snprintf(closed, sizeof(closed), "redis://127.0.0.1:%d/jobs", f->srv.port);
	redisFree(f->c);
	f->c = NULL;
	q = open_q(f->url);
	redis_server_stop(&f->srv, 1);
	assert_true(job_claim(q, 4, jobs, &n, &err) < 0);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err, "127.0.0.1"));
	free(err);
	err = NULL;
	struct job_queue *none = NULL;
	assert_int_equal(jobs_open(closed, &none, &err), -ECONNREFUSED);
	assert_non_null(strstr(err, "connect"));
	free(err);
	err = NULL;

	/* back up on the same port: the queue connects again by itself */
	redis_server_start(&f->srv);
	f->c = redis_server_client(&f->srv);
	push_data(f->c, "after", "z", 1);
	assert_int_equal(job_claim(q, 4, jobs, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(jobs[0]->name, "after");
	assert_int_equal(job_ack(q, jobs[0], &err), 0);
	job_queue_free(q);
	assert_null(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_good),
		cmocka_unit_test(test_url_bad),
		cmocka_unit_test_setup_teardown(test_claim_load_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nack_goes_back_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_items_are_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_path_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_password, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_restart, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
