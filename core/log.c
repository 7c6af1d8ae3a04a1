/*
 * log.c - the process-wide log: a level filter and one sink.
 *
 * The level is read without a lock so that filtered-out debug lines cost
 * only a load. The sink is called under a mutex so lines from plugin threads
 * do not interleave; the mutex is recursive so that a sink which itself logs
 * cannot deadlock.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "log.h"

/* Longer messages are cut and end in "..." rather than allocating. */
#define LOG_LINE_MAX 2048

static const char *const level_names[] = {
	[SCALED_LOG_ERROR] = "error",
	[SCALED_LOG_WARN] = "warn",
	[SCALED_LOG_INFO] = "info",
	[SCALED_LOG_DEBUG] = "debug",
};

static _Atomic int cur_level = SCALED_LOG_INFO;
static pthread_mutex_t sink_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static void (*sink_fn)(void *arg, int level, const char *line);
static void *sink_arg;

static int log_clamp(int level)
{
	if (level < SCALED_LOG_ERROR)
		return SCALED_LOG_ERROR;
	if (level > SCALED_LOG_DEBUG)
		return SCALED_LOG_DEBUG;
	return level;
}

void log_set_level(int level)
{
	atomic_store(&cur_level, log_clamp(level));
}

int log_level(void)
{
	return atomic_load(&cur_level);
}

void log_set_sink(void (*fn)(void *arg, int level, const char *line), void *arg)
{
	pthread_mutex_lock(&sink_lock);
	sink_fn = fn;
	sink_arg = arg;
	pthread_mutex_unlock(&sink_lock);
}

int log_level_parse(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i <= SCALED_LOG_DEBUG; i++)
		if (strcasecmp(name, level_names[i]) == 0)
			return i;
	if (strcasecmp(name, "warning") == 0)
		return SCALED_LOG_WARN;
	return -1;
}

void log_vmsg(int level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t len;
	int n;

	level = log_clamp(level);
	if (level > atomic_load_explicit(&cur_level, memory_order_relaxed))
		return;

	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	len = (size_t)n;
	if (len >= sizeof(line)) {
		len = sizeof(line) - 1;
		memcpy(line + len - 3, "...", 3);
	}
	/* The sink adds its own line end. */
	if (len > 0 && line[len - 1] == '\n')
		line[--len] = '\0';

	pthread_mutex_lock(&sink_lock);
	if (sink_fn)
		sink_fn(sink_arg, level, line);
	else
		fprintf(stderr, "%s: %s\n", level_names[level], line);
	pthread_mutex_unlock(&sink_lock);
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
