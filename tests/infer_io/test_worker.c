/*
 * test_worker.c - the scaled-infer binary as a user runs it: usage errors,
 * --once over a spool, SIGTERM mid-run, and SIGKILL mid-run followed by a
 * restart that must answer every job (at least once) and empty the spool;
 * then --once and SIGKILL-and-restart again over a Redis list (a real
 * redis-server on loopback), which must end empty with nothing claimed,
 * and a Redis outage under a running worker, which it must wait out.
 *
 * Built twice: against the fake core (WORKER_BIN = scaled-infer-fake, a
 * text "model"; jobs whose top-1 is known by construction) and, when the
 * real core builds, against scaled-infer with a tiny ONNX model made by
 * make_model.py (WORKER_REAL), whose expected top-1 NumPy computes.
 *
 * Every process started here is waited for; one that outlives its
 * deadline is killed and the test fails.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "redis_server.h"
#include "spool_util.h"

extern char **environ;

#define MAX_JOBS 256

struct fix {
	char dir[64];
	char spool[96], model[96], out[96], log[96];
	int n;                    /* jobs made */
	int top1[MAX_JOBS];       /* expected class of job jNNNN.f32 */
	int answered[MAX_JOBS];   /* answers seen */
	int errors;               /* error lines seen */
	struct redis_server redis; /* the Redis tests' server, stopped by teardown */
	redisContext *rc;          /* and a client of it */
	pid_t worker;              /* a worker teardown must kill, or 0 */
};

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Start argv with stdout and stderr appended to `log`. */
static pid_t spawn(char *const argv[], const char *log)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	assert_int_equal(posix_spawn(&pid, argv[0], &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	return pid;
}

/* Wait for pid up to timeout_ms; past it, kill it and fail. */
static int wait_exit(pid_t pid, long timeout_ms)
{
	int st;

	for (long t = 0; t <= timeout_ms; t += 10) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		assert_true(r >= 0);
		if (r == pid)
			return st;
		sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	fail_msg("process %d still running after %ld ms", (int)pid, timeout_ms);
	return -1;
}

static int run(char *const argv[], const char *log, long timeout_ms)
{
	int st = wait_exit(spawn(argv, log), timeout_ms);

	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static int file_contains(const char *path, const char *text)
{
	char buf[16384];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, text) != NULL;
}

#ifdef WORKER_REAL
static void make_jobs(struct fix *f, int n)
{
	char count[16];
	char *argv[] = { "/usr/bin/python3", MAKE_MODEL_PY, f->dir, count, NULL };
	char path[128], name[64];
	int top, i;

	snprintf(count, sizeof(count), "%d", n);
	assert_int_equal(run(argv, f->log, 120000), 0);
	snprintf(path, sizeof(path), "%s/expected.txt", f->dir);
	FILE *e = fopen(path, "r");
	assert_non_null(e);
	while (fscanf(e, "%63s %d", name, &top) == 2) {
		assert_int_equal(sscanf(name, "j%d.f32", &i), 1);
		assert_in_range(i, 0, n - 1);
		f->top1[i] = top;
	}
	fclose(e);
	f->n = n;
}
#else
static void make_jobs(struct fix *f, int n)
{
	FILE *m = fopen(f->model, "w");

	assert_non_null(m);
	fputs("fake 3 4 4 10\n", m);
	fclose(m);
	for (int i = 0; i < n; i++) {
		char path[160];
		float v = (float)(i % 10);

		snprintf(path, sizeof(path), "%s/j%04d.f32", f->spool, i);
		FILE *j = fopen(path, "wb");
		assert_non_null(j);
		for (int k = 0; k < 48; k++)
			fwrite(&v, 4, 1, j); /* little-endian hosts */
		fclose(j);
		f->top1[i] = i % 10;
	}
	f->n = n;
}
#endif

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/scaled-worker-test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->spool, sizeof(f->spool), "%s/spool", f->dir);
	snprintf(f->model, sizeof(f->model), "%s/model.onnx", f->dir);
	snprintf(f->out, sizeof(f->out), "%s/out.jsonl", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/log", f->dir);
	assert_int_equal(mkdir(f->spool, 0755), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	char cmd[128];

	if (f->worker > 0) {
		kill(f->worker, SIGKILL);
		waitpid(f->worker, NULL, 0);
	}
	if (f->rc)
		redisFree(f->rc);
	redis_server_stop(&f->redis, 0);

	if (getenv("KEEP_TEST_DIR"))
		fprintf(stderr, "kept %s\n", f->dir);
	else {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
		assert_int_equal(system(cmd), 0);
	}
	free(f);
	return 0;
}

/* Read every answer line: count answers per job, check each top-1. */
static void read_answers(struct fix *f)
{
	FILE *in = fopen(f->out, "r");
	char line[8192];
	int i;

	memset(f->answered, 0, sizeof(f->answered));
	f->errors = 0;
	if (!in)
		return;
	while (fgets(line, sizeof(line), in)) {
		cJSON *j = cJSON_Parse(line);
		assert_non_null(j);
		const char *name = cJSON_GetObjectItem(j, "job")->valuestring;
		cJSON *top = cJSON_GetObjectItem(j, "top");

		if (!top) {
			assert_non_null(cJSON_GetObjectItem(j, "error"));
			f->errors++;
		} else {
			assert_int_equal(sscanf(name, "j%d.f32", &i), 1);
			assert_in_range(i, 0, f->n - 1);
			f->answered[i]++;
			assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(top, 0),
							     "class")->valueint, f->top1[i]);
		}
		cJSON_Delete(j);
	}
	fclose(in);
}

/* Wait until the answer file has `lines` lines; past 30 s, kill the
 * worker and fail. */
static void wait_answers(struct fix *f, pid_t pid, int lines)
{
	for (int t = 0; spool_count_lines(f->out) < lines; t += 5) {
		if (t > 30000) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			fail_msg("%d answers after 30 s, want %d", spool_count_lines(f->out),
				 lines);
		}
		sleep_ms(5);
	}
}

/* A slow worker on `input`, SIGKILLed once 12 jobs are answered: returns
 * how many jobs were answered, fewer than all (killed mid-run indeed). */
static int kill_mid_run(struct fix *f, const char *input)
{
	char *slow[] = { WORKER_BIN, f->model, "--input", (char *)input, "--out", f->out,
			 "--backend", "cpu", "--batch", "3", "--delay-ms", "20",
			 "--threads", "2", NULL };
	pid_t pid = spawn(slow, f->log);
	int before = 0;

	wait_answers(f, pid, 12);
	kill(pid, SIGKILL);
	int st = wait_exit(pid, 10000);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	read_answers(f);
	for (int i = 0; i < f->n; i++)
		before += f->answered[i] > 0;
	assert_true(before < f->n);
	return before;
}

static void test_usage(void **state)
{
	struct fix *f = *state;
	char *no_args[] = { WORKER_BIN, NULL };
	char *bad_flag[] = { WORKER_BIN, "m.onnx", "--input", f->spool, "--out", f->out,
			     "--bogus", NULL };
	char *bad_batch[] = { WORKER_BIN, "m.onnx", "--input", f->spool, "--out", f->out,
			      "--batch", "0", NULL };
	char *bad_backend[] = { WORKER_BIN, "m.onnx", "--input", f->spool, "--out",
				f->out, "--backend", "tpu", NULL };
	char *fp16_cpu[] = { WORKER_BIN, "m.onnx", "--input", f->spool, "--out", f->out,
			     "--backend", "cpu", "--fp16", NULL };
	char *no_out[] = { WORKER_BIN, "m.onnx", "--input", f->spool, NULL };
	char *redis_bad[] = { WORKER_BIN, "m.onnx", "--input", "redis://localhost:0/jobs",
			      "--out", f->out, "--backend", "cpu", NULL };
	char *amqp[] = { WORKER_BIN, "m.onnx", "--input", "amqp://localhost/jobs",
			 "--out", f->out, "--backend", "cpu", NULL };
	char *help[] = { WORKER_BIN, "--help", NULL };
	/* Issue 9 (A4): an explicit cuda with no GPU is a clear error (the
	 * fake core never has one; the real one may, and then fails on the
	 * missing model instead). */
	char *cuda[] = { WORKER_BIN, "m.onnx", "--input", f->spool, "--out", f->out,
			 "--backend", "cuda", NULL };

	assert_int_equal(run(no_args, f->log, 10000), 2);
	assert_int_equal(run(bad_flag, f->log, 10000), 2);
	assert_true(file_contains(f->log, "unknown option --bogus"));
	assert_int_equal(run(bad_batch, f->log, 10000), 2);
	assert_true(file_contains(f->log, "--batch: '0' is not a whole number"));
	assert_int_equal(run(bad_backend, f->log, 10000), 2);
	assert_int_equal(run(fp16_cpu, f->log, 10000), 2);
	assert_int_equal(run(no_out, f->log, 10000), 2);
	assert_int_equal(run(redis_bad, f->log, 10000), 2);
	assert_true(file_contains(f->log, "redis://localhost:0/jobs: port must be a "
				  "number from 1 to 65535"));
	assert_int_equal(run(amqp, f->log, 10000), 2);
	assert_true(file_contains(f->log, "amqp://localhost/jobs: unknown queue kind"));
	assert_int_equal(run(help, f->log, 10000), 0);
	assert_int_equal(run(cuda, f->log, 10000), 1);
#ifndef WORKER_REAL
	assert_true(file_contains(f->log, "scaled-infer: backend cuda: the fake core has no "
				  "CUDA (use --backend cpu for the CPU reference backend, or auto)"));
#endif
}

static void test_once_answers_all(void **state)
{
	struct fix *f = *state;
	char path[512];

	make_jobs(f, 60);
	/* bad jobs: they get error lines, and are acked like the rest */
	snprintf(path, sizeof(path), "%s/broken.f32", f->spool);
	FILE *b = fopen(path, "w");
	assert_non_null(b);
	fputs("not 48 floats", b);
	fclose(b);
	snprintf(path, sizeof(path), "%s/broken.jpg", f->spool);
	b = fopen(path, "wb");
	assert_non_null(b);
	fwrite("\xff\xd8\xff\xe0\x00\x10JFIF", 1, 10, b);
	fclose(b);
	/* and a name too long for a claim (issue 9, B16: it was never
	 * answered nor logged, and stayed queued for ever) */
	char long_name[260];
	memset(long_name, 'x', 240);
	strcpy(long_name + 240, ".f32");
	snprintf(path, sizeof(path), "%s/%s", f->spool, long_name);
	b = fopen(path, "wb");
	assert_non_null(b);
	fclose(b);

	/* No --backend: auto, which says what it took (the fake core has no
	 * GPU and no oneDNN, so the CPU backend: the only one it runs). */
	char *argv[] = { WORKER_BIN, f->model, "--input", f->spool, "--out", f->out,
			 "--batch", "8", "--threads", "3", "--once", NULL };
	assert_int_equal(run(argv, f->log, 60000), 0);
	assert_true(file_contains(f->log, "scaled-infer: backend auto: "));
#ifndef WORKER_REAL
	assert_true(file_contains(f->log, "scaled-infer: backend auto: no GPU (the fake core "
				  "has no CUDA), so the CPU backend (no oneDNN: the fake "
				  "core has no oneDNN)\n"));
#endif
	read_answers(f);
	for (int i = 0; i < f->n; i++)
		assert_int_equal(f->answered[i], 1);
	assert_int_equal(f->errors, 3);
	assert_int_equal(spool_count_lines(f->out), f->n + 3);
	assert_true(file_contains(f->out, "a job name of 244 bytes is longer than the"));
	assert_true(file_contains(f->log, "answered with an error: broken.f32: raw input"));
	assert_true(file_contains(f->log, ".f32: a job name of 244 bytes is longer than the"));
	snprintf(path, sizeof(path), "%s/.refused/%s", f->spool, long_name);
	assert_int_equal(access(path, F_OK), 0);
	assert_true(file_contains(f->out, "\"job\":\"broken.f32\",\"error\":\"broken.f32: "
				  "raw input of 13 bytes"));
	assert_true(file_contains(f->out, "\"job\":\"broken.jpg\",\"error\":\"broken.jpg: "
				  "bad JPEG"));
	assert_int_equal(spool_count_files(f->spool), 0);
	snprintf(path, sizeof(path), "%s/.work", f->spool);
	assert_int_equal(spool_count_files(path), 0);
}

static void test_sigterm_finishes_batch(void **state)
{
	struct fix *f = *state;
	char work[160];

	make_jobs(f, 40);
	char *argv[] = { WORKER_BIN, f->model, "--input", f->spool, "--out", f->out,
			 "--backend", "cpu", "--batch", "2", "--delay-ms", "100",
			 "--poll", "50", NULL };
	pid_t pid = spawn(argv, f->log);
	wait_answers(f, pid, 2);
	kill(pid, SIGTERM);
	int st = wait_exit(pid, 20000);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);

	/* Answered jobs are gone; the rest are back in the spool, unclaimed. */
	read_answers(f);
	int answered = 0;
	for (int i = 0; i < f->n; i++) {
		char path[160];

		assert_in_range(f->answered[i], 0, 1);
		answered += f->answered[i];
		snprintf(path, sizeof(path), "%s/j%04d.f32", f->spool, i);
		assert_int_equal(access(path, F_OK) == 0, !f->answered[i]);
	}
	assert_true(answered >= 2 && answered < f->n);
	assert_int_equal(answered % 2, 0); /* whole batches only */
	snprintf(work, sizeof(work), "%s/.work", f->spool);
	assert_int_equal(spool_count_files(work), 0);
}

static void test_sigkill_then_restart(void **state)
{
	struct fix *f = *state;
	char work[160];

	make_jobs(f, 200);
	snprintf(work, sizeof(work), "%s/.work", f->spool);
	kill_mid_run(f, f->spool);
	int claimed = spool_count_files(work);

	char *again[] = { WORKER_BIN, f->model, "--input", f->spool, "--out", f->out,
			  "--backend", "cpu", "--batch", "16", "--once", NULL };
	assert_int_equal(run(again, f->log, 60000), 0);
	if (claimed)
		assert_true(file_contains(f->log, "claimed by workers that died"));

	/* At least once each, none missing; nothing left queued or claimed. */
	read_answers(f);
	for (int i = 0; i < f->n; i++)
		assert_true(f->answered[i] >= 1);
	assert_int_equal(spool_count_files(f->spool), 0);
	assert_int_equal(spool_count_files(work), 0);
}

/* ---- the same over a Redis list ---- */

/* One item per job file: {"id": NAME, "path": FILE}; the files stay put. */
static void push_jobs(struct fix *f, redisContext *c)
{
	for (int i = 0; i < f->n; i++) {
		char item[256];

		snprintf(item, sizeof(item),
			 "{\"id\": \"j%04d.f32\", \"path\": \"%s/j%04d.f32\"}", i,
			 f->spool, i);
		freeReplyObject(redis_cmd(c, "LPUSH jobs %s", item));
	}
}

/* Nothing queued, claimed, or registered is left in the server. */
static void assert_redis_empty(redisContext *c)
{
	redisReply *keys = redis_cmd(c, "KEYS *");

	for (size_t i = 0; i < keys->elements; i++)
		fprintf(stderr, "left behind: %s\n", keys->element[i]->str);
	assert_int_equal(keys->elements, 0);
	freeReplyObject(keys);
}

static void test_redis_once_answers_all(void **state)
{
	struct fix *f = *state;
	char url[96];

	if (!redis_server_available())
		skip();
	redis_server_start(&f->redis);
	redisContext *c = f->rc = redis_server_client(&f->redis);
	make_jobs(f, 40);
	push_jobs(f, c);
	freeReplyObject(redis_cmd(c, "LPUSH jobs %s", "garbage, not a job"));
	freeReplyObject(redis_cmd(c, "LPUSH jobs %s", "{\"id\": \"nofile.f32\", "
				  "\"path\": \"/nonexistent/nofile.f32\"}"));
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d/jobs", f->redis.port);
	char *argv[] = { WORKER_BIN, f->model, "--input", url, "--out", f->out,
			 "--backend", "cpu", "--batch", "8", "--threads", "3", "--once",
			 NULL };
	assert_int_equal(run(argv, f->log, 60000), 0);
	read_answers(f);
	for (int i = 0; i < f->n; i++)
		assert_int_equal(f->answered[i], 1);
	assert_int_equal(f->errors, 2);
	assert_true(file_contains(f->out, "\"job\":\"garbage, not a job\",\"error\":"
				  "\"garbage, not a job: the item is not a JSON object"));
	assert_true(file_contains(f->out, "\"job\":\"nofile.f32\",\"error\":\"nofile.f32: "
				  "open /nonexistent/nofile.f32: No such file"));
	assert_redis_empty(c);
}

static void test_redis_sigkill_then_restart(void **state)
{
	struct fix *f = *state;
	char url[96];

	if (!redis_server_available())
		skip();
	redis_server_start(&f->redis);
	redisContext *c = f->rc = redis_server_client(&f->redis);
	make_jobs(f, 200);
	push_jobs(f, c);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d/jobs?lease=1", f->redis.port);
	int before = kill_mid_run(f, url);
	/* Every job is queued, held in the dead worker's claimed list, or
	 * answered (or both of the last two: answered, then killed before
	 * the ack). */
	redisReply *held = redis_cmd(c, "KEYS jobs:claimed:*");
	long long claimed = 0;
	for (size_t i = 0; i < held->elements; i++)
		claimed += redis_int(c, "LLEN %s", held->element[i]->str);
	freeReplyObject(held);
	assert_true(redis_int(c, "LLEN jobs") + claimed + before >= f->n);

	sleep_ms(1300); /* its lease of 1 s runs out */
	char *again[] = { WORKER_BIN, f->model, "--input", url, "--out", f->out,
			  "--backend", "cpu", "--batch", "16", "--once", NULL };
	assert_int_equal(run(again, f->log, 60000), 0);
	if (claimed)
		assert_true(file_contains(f->log, "claimed by workers that died"));

	/* At least once each, none missing; nothing left queued or claimed. */
	read_answers(f);
	for (int i = 0; i < f->n; i++)
		assert_true(f->answered[i] >= 1);
	assert_redis_empty(c);
}

/* Redis goes away under a running worker and comes back: the worker
 * waits it out (it does not exit) and answers what is queued after. */
static void test_redis_outage(void **state)
{
	struct fix *f = *state;
	char url[96];

	if (!redis_server_available())
		skip();
	redis_server_start(&f->redis);
	f->rc = redis_server_client(&f->redis);
	make_jobs(f, 20);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d/jobs", f->redis.port);
	char *argv[] = { WORKER_BIN, f->model, "--input", url, "--out", f->out,
			 "--backend", "cpu", "--batch", "4", "--poll", "20", NULL };
	pid_t pid = f->worker = spawn(argv, f->log);

	/* Down only once the worker is up: its first claim registers it. */
	for (int t = 0; redis_int(f->rc, "SCARD jobs:workers") < 1; t += 10) {
		if (t > 20000)
			fail_msg("the worker never claimed");
		sleep_ms(10);
	}
	redisFree(f->rc);
	f->rc = NULL;
	redis_server_stop(&f->redis, 1);
	for (int t = 0; !file_contains(f->log, "trying again in"); t += 10) {
		if (t > 20000) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			fail_msg("the worker never noticed the queue was down");
		}
		sleep_ms(10);
	}
	assert_int_equal(waitpid(pid, NULL, WNOHANG), 0); /* still running */

	redis_server_start(&f->redis);
	f->rc = redis_server_client(&f->redis);
	push_jobs(f, f->rc);
	wait_answers(f, pid, f->n); /* the jobs queued after the outage */
	kill(pid, SIGTERM);
	int st = wait_exit(pid, 20000);
	f->worker = 0;
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_true(file_contains(f->log, "answers again"));
	read_answers(f);
	for (int i = 0; i < f->n; i++)
		assert_int_equal(f->answered[i], 1);
	assert_redis_empty(f->rc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_usage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_once_answers_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigterm_finishes_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigkill_then_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redis_once_answers_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redis_sigkill_then_restart, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_redis_outage, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
