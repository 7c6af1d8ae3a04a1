/*
 * log.c - logs: a level filter and a sink each, the process's default
 * one, and the calling thread's current one (log.h says which is which).
 *
 * The level is read without a lock so that filtered-out debug lines cost
 * only a load. A log's sink is called under its own mutex so lines from
 * plugin threads do not interleave; the mutex is recursive so that a sink
 * which itself logs cannot deadlock.
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

static struct log log_default = {
	.level = SCALED_LOG_INFO,
	.lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP,
};
static _Thread_local struct log *log_cur;

static int log_clamp(int level)
{
	if (level < SCALED_LOG_ERROR)
		return SCALED_LOG_ERROR;
	if (level > SCALED_LOG_DEBUG)
		return SCALED_LOG_DEBUG;
	return level;
}

void log_init(struct log *lg, int level, log_sink_fn fn, void *arg)
{
	pthread_mutexattr_t a;

	atomic_init(&lg->level, log_clamp(level));
	lg->fn = fn;
	lg->arg = arg;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&lg->lock, &a);
	pthread_mutexattr_destroy(&a);
}

void log_fini(struct log *lg)
{
	pthread_mutex_destroy(&lg->lock);
}

struct log *log_enter(struct log *lg)
{
	struct log *prev = log_cur;

	log_cur = lg;
	return prev;
}

void log_leave(struct log *prev)
{
	log_cur = prev;
}

struct log *log_current(void)
{
	return log_cur ? log_cur : &log_default;
}

int log_level_of(struct log *lg)
{
	return atomic_load(&lg->level);
}

void log_set_level(int level)
{
	atomic_store(&log_default.level, log_clamp(level));
}

int log_level(void)
{
	return log_level_of(log_current());
}

void log_set_sink(log_sink_fn fn, void *arg)
{
	pthread_mutex_lock(&log_default.lock);
	log_default.fn = fn;
	log_default.arg = arg;
	pthread_mutex_unlock(&log_default.lock);
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

void log_vto(struct log *lg, int level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t len;
	int n;

	level = log_clamp(level);
	if (level > atomic_load_explicit(&lg->level, memory_order_relaxed))
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

	pthread_mutex_lock(&lg->lock);
	if (lg->fn)
		lg->fn(lg->arg, level, line);
	else
		fprintf(stderr, "%s: %s\n", level_names[level], line);
	pthread_mutex_unlock(&lg->lock);
}

void log_to(struct log *lg, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vto(lg, level, fmt, ap);
	va_end(ap);
}

void log_vmsg(int level, const char *fmt, va_list ap)
{
	log_vto(log_current(), level, fmt, ap);
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
