/*
 * test_batch.c - one batch through claim, decode, model call, answer and
 * ack, against the fake inference core (fake_infer.c), whose top-1 is the
 * class nearest the mean of an item's values.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "infer.h"
#include "infer_jobs.h"
#include "jobs_batch.h"

struct fix {
	char dir[64], model[96], out[96];
	struct infer_model *m;
	struct infer_session *s;
	struct jobs_session js;
	struct job_queue *q;
	struct results_out res;
	struct jobs_batch_opts o;
	struct jobs_batch *b;
};

static void put_raw(const char *dir, const char *name, float v, int count)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	for (int i = 0; i < count; i++)
		fwrite(&v, 4, 1, f); /* little-endian machine: the test runs on x86/arm */
	fclose(f);
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	char *err = NULL;
	int clamped;

	assert_non_null(f);
	strcpy(f->dir, "/tmp/scaled-batch-test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->model, sizeof(f->model), "%s/.model", f->dir);
	snprintf(f->out, sizeof(f->out), "%s/.out.jsonl", f->dir);
	FILE *m = fopen(f->model, "w");
	assert_non_null(m);
	fputs("fake 3 4 4 10 -1\n", m);
	fclose(m);
	assert_int_equal(infer_model_load(f->model, &f->m, &err), 0);
	struct jobs_model fjm = infer_jobs_model(f->m);
	image_opts_default(&f->o.image);
	f->o.max = 4;
	f->o.top = 3;
	f->o.softmax = RESULTS_SOFTMAX_AUTO;
	f->o.model = "fake";
	assert_int_equal(jobs_batch_opts_from_model(&f->o, &fjm, &clamped, &err), 0);
	assert_int_equal(clamped, 0);
	assert_int_equal(f->o.classes, 10);
	struct infer_session_options so = { .backend = INFER_BACKEND_CPU, .max_batch = 4 };
	assert_int_equal(infer_session_new(f->m, &so, &f->s, &err), 0);
	f->js = infer_jobs_session(f->s);
	assert_int_equal(jobs_spool_open(f->dir, &f->q, &err), 0);
	assert_int_equal(results_open(f->out, &f->res, &err), 0);
	assert_int_equal(jobs_batch_new(&f->o, &f->b, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	char cmd[128];

	jobs_batch_free(f->b);
	results_close(&f->res);
	job_queue_free(f->q);
	infer_session_free(f->s);
	infer_model_free(f->m);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static int spool_files(const char *dir)
{
	char cmd[PATH_MAX * 2 + 64];
	int n = -1;

	assert_true((size_t)snprintf(cmd, sizeof(cmd), "ls -A '%s' '%s/.work' | "
				     "grep -vc '^\\.\\|^$\\|:$'", dir, dir) < sizeof(cmd));
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

static void test_batch_answers(void **state)
{
	struct fix *f = *state;
	char *err = NULL;
	int errors = -1;

	put_raw(f->dir, "a.f32", 3.0f, 48);
	put_raw(f->dir, "b.f32", 7.0f, 48);
	put_raw(f->dir, "c.f32", 1.0f, 47); /* one value short */
	put_raw(f->dir, "d", 2.0f, 48);     /* no extension, not JPEG: raw */

	assert_int_equal(jobs_batch_claim(f->b, f->q, &err), 0);
	assert_int_equal(f->b->n, 4);
	for (int i = 0; i < f->b->n; i++)
		jobs_batch_decode(f->b, f->q, i);
	assert_non_null(f->b->err[2]);
	assert_int_equal(jobs_batch_infer(f->b, &f->js, &err), 0);
	assert_int_equal(f->b->ran, 3);
	assert_int_equal(jobs_batch_answer(f->b, &f->res, &err), 0);
	assert_int_equal(jobs_batch_ack(f->b, f->q, &errors, &err), 0);
	assert_int_equal(errors, 1);
	assert_int_equal(f->b->n, 0);
	assert_int_equal(spool_files(f->dir), 0);

	FILE *in = fopen(f->out, "r");
	char line[2048];
	static const char *names[] = { "a.f32", "b.f32", "c.f32", "d" };
	static const int top1[] = { 3, 7, -1, 2 };
	assert_non_null(in);
	for (int i = 0; i < 4; i++) {
		assert_non_null(fgets(line, sizeof(line), in));
		cJSON *j = cJSON_Parse(line);
		assert_non_null(j);
		assert_string_equal(cJSON_GetObjectItem(j, "job")->valuestring, names[i]);
		if (top1[i] < 0) {
			const char *e = cJSON_GetObjectItem(j, "error")->valuestring;
			assert_non_null(strstr(e, "c.f32: raw input of 188 bytes"));
		} else {
			cJSON *top = cJSON_GetObjectItem(j, "top");
			assert_int_equal(cJSON_GetArraySize(top), 3);
			assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(top, 0),
							     "class")->valueint, top1[i]);
			assert_int_equal(cJSON_GetObjectItem(j, "batch")->valueint, 3);
			assert_string_equal(cJSON_GetObjectItem(j, "model")->valuestring,
					    "fake");
		}
		cJSON_Delete(j);
	}
	assert_null(fgets(line, sizeof(line), in));
	fclose(in);
}

/* Issue 9 (B17): a raw input was read whole before its size was checked
 * (four 1 GB files: 3.9 GB resident). A sparse file of 1 GiB less a page
 * (no disk) must be refused by its size, unread: the high-water mark of
 * resident memory stays far below the file. */
static void test_raw_too_large_unread(void **state)
{
	struct fix *f = *state;
	const off_t big = ((off_t)1 << 30) - 4096;
	struct rusage before, after;
	char path[PATH_MAX], *err = NULL;
	int errors = -1;

	snprintf(path, sizeof(path), "%s/big.f32", f->dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, big), 0);
	close(fd);
	put_raw(f->dir, "ok.f32", 3.0f, 48);

	assert_int_equal(getrusage(RUSAGE_SELF, &before), 0);
	assert_int_equal(jobs_batch_claim(f->b, f->q, &err), 0);
	assert_int_equal(f->b->n, 2);
	for (int i = 0; i < f->b->n; i++)
		jobs_batch_decode(f->b, f->q, i);
	assert_int_equal(getrusage(RUSAGE_SELF, &after), 0);
	assert_string_equal(f->b->jobs[0]->name, "big.f32");
	assert_string_equal(f->b->err[0], "big.f32: raw input of 1073737728 bytes, the model "
			    "takes 3x4x4 float32 = 192 bytes");
	assert_null(f->b->err[1]);
	/* ru_maxrss is in KiB: reading the file would add a GiB */
	assert_true(after.ru_maxrss - before.ru_maxrss < 64 * 1024);

	assert_int_equal(jobs_batch_infer(f->b, &f->js, &err), 0);
	assert_int_equal(jobs_batch_answer(f->b, &f->res, &err), 0);
	assert_int_equal(jobs_batch_ack(f->b, f->q, &errors, &err), 0);
	assert_int_equal(errors, 1);
	assert_int_equal(spool_files(f->dir), 0);
}

static void test_model_failure_gives_back(void **state)
{
	struct fix *f = *state;
	char *err = NULL;

	put_raw(f->dir, "ok.f32", 3.0f, 48);
	put_raw(f->dir, "boom.f32", -1000.0f, 48); /* the fake's "device lost" */
	assert_int_equal(jobs_batch_claim(f->b, f->q, &err), 0);
	assert_int_equal(f->b->n, 2);
	for (int i = 0; i < f->b->n; i++)
		jobs_batch_decode(f->b, f->q, i);
	assert_int_equal(jobs_batch_infer(f->b, &f->js, &err), -EIO);
	assert_non_null(strstr(err, "device lost"));
	assert_non_null(strstr(err, "model fake: batch of 2"));
	free(err);
	err = NULL;
	assert_int_equal(jobs_batch_nack(f->b, f->q, &err), 0);
	/* nothing answered, both jobs back in the spool */
	FILE *in = fopen(f->out, "r");
	assert_non_null(in);
	assert_int_equal(fgetc(in), EOF);
	fclose(in);
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/ok.f32", f->dir);
	assert_int_equal(access(p, F_OK), 0);
	snprintf(p, sizeof(p), "%s/boom.f32", f->dir);
	assert_int_equal(access(p, F_OK), 0);
	assert_int_equal(spool_files(f->dir), 2);
}

static void test_opts_from_model(void **state)
{
	struct fix *f = *state;
	struct infer_model *m;
	struct jobs_batch_opts o;
	char *err = NULL;
	int clamped;

	FILE *mf = fopen(f->model, "w");
	assert_non_null(mf);
	fputs("fake 3 224 224 1000 8\n", mf);
	fclose(mf);
	assert_int_equal(infer_model_load(f->model, &m, &err), 0);
	struct jobs_model jm = infer_jobs_model(m);

	memset(&o, 0, sizeof(o));
	image_opts_default(&o.image);
	o.max = 32;
	o.model = "m";
	assert_int_equal(jobs_batch_opts_from_model(&o, &jm, &clamped, &err), 0);
	assert_int_equal(o.max, 8); /* a fixed batch dimension bounds the batch */
	assert_int_equal(clamped, 32);
	o.image.resize = 100;
	assert_int_equal(jobs_batch_opts_from_model(&o, &jm, &clamped, &err), -EINVAL);
	assert_non_null(strstr(err, "model m: image options: resize 100"));
	free(err);
	infer_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_batch_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_too_large_unread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_model_failure_gives_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opts_from_model, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
