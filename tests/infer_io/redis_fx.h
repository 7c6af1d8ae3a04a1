/*
 * redis_fx.h - the fixture shared by the Redis queue tests
 * (test_jobs_redis.c, test_jobs_redis_recover.c): a real redis-server on
 * loopback with a client of the test's own, and small helpers.
 */
#ifndef SCALED_TESTS_REDIS_FX_H
#define SCALED_TESTS_REDIS_FX_H

#include <stddef.h>

#include "jobs.h"
#include "redis_server.h"

struct fix {
	struct redis_server srv;
	redisContext *c;
	char url[128];
};

void nap_ms(long ms);
int setup(void **state);
int teardown(void **state);
struct job_queue *open_q(const char *url);
void push_data(redisContext *c, const char *id, const void *data, size_t len);

#endif
