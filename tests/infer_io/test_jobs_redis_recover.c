/*
 * test_jobs_redis_recover.c - the Redis list queue (cuda/io/jobs_redis.c)
 * against a real redis-server on loopback: recovery of a dead worker's
 * claims (lease lapsed, or queue closed while holding), and of items a
 * claim whose reply was lost stranded. The rest is in test_jobs_redis.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "jobs.h"
#include "redis_fx.h"
#include "redis_server.h"

/* A child process claims `claim` jobs and dies without a word (its lease
 * runs out by itself), or closes its queue while holding them (`close`). */
static void die_holding(const char *url, int claim, int close)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct job_queue *q;
		struct job *jobs[16];
		char *err = NULL;
		int n = 0;

		if (jobs_open(url, &q, &err) || job_claim(q, claim, jobs, &n, &err) ||
		    n != claim)
			_exit(1);
		if (close)
			job_queue_free(q);
		_exit(0); /* no ack: as a crash */
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void test_recover(void **state)
{
	struct fix *f = *state;
	struct job *jobs[16];
	char url[160], *err = NULL;
	int n;

	for (int i = 0; i < 10; i++) {
		char id[8];

		snprintf(id, sizeof(id), "r%d", i);
		push_data(f->c, id, "y", 1);
	}
	snprintf(url, sizeof(url), "%s?lease=2", f->url);
	die_holding(url, 3, 0);
	assert_int_equal(redis_int(f->c, "LLEN jobs"), 7);

	/* a live worker holding claims */
	struct job_queue *live = open_q(f->url);
	assert_int_equal(job_claim(live, 2, jobs, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(jobs[0]->name, "r3");
	assert_string_equal(jobs[1]->name, "r4");

	/* the dead worker's lease still runs: nothing is taken back yet */
	struct job_queue *q = open_q(f->url);
	assert_int_equal(job_recover(q, &n, &err), 0);
	assert_int_equal(n, 0);
	nap_ms(2300);
	assert_int_equal(job_recover(q, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(redis_int(f->c, "LLEN jobs"), 8);
	/* the dead one is forgotten; the live one keeps its claims */
	assert_int_equal(redis_int(f->c, "SCARD jobs:workers"), 1);
	assert_int_equal(job_recover(q, &n, &err), 0);
	assert_int_equal(n, 0);

	/* the recovered jobs are claimed first, oldest first */
	struct job *got[3];
	assert_int_equal(job_claim(q, 3, got, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(got[0]->name, "r0");
	assert_string_equal(got[1]->name, "r1");
	assert_string_equal(got[2]->name, "r2");
	for (int i = 0; i < 3; i++)
		assert_int_equal(job_ack(q, got[i], &err), 0);

	/* the live one gives back what it holds, the normal way */
	for (int i = 0; i < 2; i++)
		assert_int_equal(job_nack(live, jobs[i], &err), 0);
	job_queue_free(live);
	assert_int_equal(redis_int(f->c, "LLEN jobs"), 7);

	/* a queue closed while holding drops its lease: recoverable at once,
	 * though its lease of 60 s has not run out */
	snprintf(url, sizeof(url), "%s?lease=60", f->url);
	die_holding(url, 4, 1);
	assert_int_equal(redis_int(f->c, "LLEN jobs"), 3);
	assert_int_equal(job_recover(q, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_int_equal(redis_int(f->c, "LLEN jobs"), 7);
	assert_int_equal(redis_int(f->c, "SCARD jobs:workers"), 1); /* q itself */
	job_queue_free(q);
	assert_int_equal(redis_int(f->c, "SCARD jobs:workers"), 0);
	assert_null(err);
}

/* A claim whose reply never comes (the server ran it after the client
 * gave up) strands its items under the worker's identity; the worker
 * retires that identity, so once its lease lapses a recovery puts them
 * back, while the worker goes on under a new one. */
static void test_lost_claim_reply(void **state)
{
	struct fix *f = *state;
	struct job *jobs[4];
	char url[160], *err = NULL;
	int n;

	for (int i = 0; i < 3; i++) {
		char id[8];

		snprintf(id, sizeof(id), "l%d", i);
		push_data(f->c, id, "q", 1);
	}
	snprintf(url, sizeof(url), "%s?lease=1&timeout=1", f->url);
	struct job_queue *q = open_q(url);
	/* Another client puts the server to sleep for 2 s; our claim times
	 * out after 1 s and runs on the server after the sleep. */
	assert_int_equal(redisAppendCommand(f->c, "DEBUG SLEEP 2"), REDIS_OK);
	int done = 0;
	while (!done)
		assert_int_equal(redisBufferWrite(f->c, &done), REDIS_OK);
	nap_ms(100);
	assert_true(job_claim(q, 4, jobs, &n, &err) < 0);
	assert_int_equal(n, 0);
	free(err);
	err = NULL;
	redisReply *slept = NULL;
	assert_int_equal(redisGetReply(f->c, (void **)&slept), REDIS_OK);
	freeReplyObject(slept);
	/* The server runs the claim once it wakes (it may first serve this
	 * client, which asked next): the items move, never handed out. */
	for (int t = 0; redis_int(f->c, "LLEN jobs") != 0; t += 10) {
		if (t > 3000)
			fail_msg("the timed-out claim never ran on the server");
		nap_ms(10);
	}

	/* The new identity claims nothing; after the old lease lapses, the
	 * worker's own recovery puts the stranded items back. */
	assert_int_equal(job_claim(q, 4, jobs, &n, &err), 0);
	assert_int_equal(n, 0);
	nap_ms(1300);
	assert_int_equal(job_recover(q, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(job_claim(q, 4, jobs, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(jobs[0]->name, "l0");
	for (int i = 0; i < 3; i++)
		assert_int_equal(job_ack(q, jobs[i], &err), 0);
	job_queue_free(q);
	assert_null(err);
	redisReply *keys = redis_cmd(f->c, "KEYS *");
	assert_int_equal(keys->elements, 0);
	freeReplyObject(keys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_recover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_claim_reply, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
