/*
 * redis_fx.c - the fixture shared by the Redis queue tests: see redis_fx.h.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "redis_fx.h"

void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (!redis_server_available()) {
		free(f);
		fprintf(stderr, "redis-server not installed (apt install redis-server)\n");
		skip();
	}
	redis_server_start(&f->srv);
	f->c = redis_server_client(&f->srv);
	snprintf(f->url, sizeof(f->url), "redis://127.0.0.1:%d/jobs", f->srv.port);
	*state = f;
	return 0;
}

int teardown(void **state)
{
	struct fix *f = *state;

	if (f->c)
		redisFree(f->c);
	redis_server_stop(&f->srv, 0);
	free(f);
	return 0;
}

struct job_queue *open_q(const char *url)
{
	struct job_queue *q = NULL;
	char *err = NULL;

	if (jobs_open(url, &q, &err))
		fail_msg("open %s: %s", url, err);
	return q;
}

void push_data(redisContext *c, const char *id, const void *data, size_t len)
{
	char b64[1024], item[1200];

	assert_int_equal(redis_base64(data, len, b64, sizeof(b64)), 0);
	snprintf(item, sizeof(item), "{\"id\": \"%s\", \"data\": \"%s\"}", id, b64);
	freeReplyObject(redis_cmd(c, "LPUSH jobs %s", item));
}
