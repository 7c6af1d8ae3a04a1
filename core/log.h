/*
 * log.h - the core's log. Lines are "level: message"; the caller's message
 * names the part it comes from ("group workers: ...").
 *
 * A log (struct log) is a level and a sink: stderr by default, or an
 * embedder's callback. Each engine has its own (scaled_options' log_level,
 * log_fn, log_arg), so two engines in one process never share a sink; the
 * process has one more, the default, for code that runs outside any engine
 * (main.c before and after the engine, tests of single modules).
 *
 * Where the core's code logs: LOG_*() and log_msg() write to the current
 * log of the calling thread, which is the default unless log_enter made
 * another current. The engine enters its log at its entry points (new,
 * load, run and the loop's callbacks, step, tick_all, free), so everything
 * the core does for an engine (config, sandbox, policies, plugin loading,
 * decisions) logs to that engine. Plugin threads are never inside an entry
 * point: they log through host->log, which writes to their instance's
 * engine's log explicitly (log_to).
 *
 * A sink receives the message without the level prefix and without a
 * trailing newline; messages longer than 2047 bytes are cut and end in
 * "...". A log's sink is called under that log's mutex (any thread may
 * log; the mutex is recursive, so a sink that logs cannot deadlock).
 * Levels outside ERROR..DEBUG are clamped.
 */
#ifndef SCALED_LOG_H
#define SCALED_LOG_H

#include <pthread.h>
#include <stdarg.h>

#include "scaled/plugin.h" /* enum scaled_log_level */

typedef void (*log_sink_fn)(void *arg, int level, const char *line);

struct log {
	_Atomic int level;
	log_sink_fn fn;                /* NULL: "level: message" lines on stderr */
	void *arg;
	pthread_mutex_t lock;          /* recursive */
};

/* A log with that level and sink (fn NULL: stderr). */
void log_init(struct log *lg, int level, log_sink_fn fn, void *arg);
void log_fini(struct log *lg);
/* Make lg this thread's current log (NULL: the default). Returns the one
 * it replaces, to hand to log_leave; calls nest. */
struct log *log_enter(struct log *lg);
void log_leave(struct log *prev);
/* The log LOG_*() write to on this thread. */
struct log *log_current(void);

void log_to(struct log *lg, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void log_vto(struct log *lg, int level, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int log_level_of(struct log *lg);

/* The default log's level and sink. */
void log_set_level(int level);
void log_set_sink(log_sink_fn fn, void *arg);
/* The current log's level. */
int log_level(void);
/* To the current log. */
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(int level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* "error", "warn" (or "warning"), "info", "debug", any case; -1 if unknown. */
int log_level_parse(const char *name);

#define LOG_ERROR(...) log_msg(SCALED_LOG_ERROR, __VA_ARGS__)
#define LOG_WARN(...) log_msg(SCALED_LOG_WARN, __VA_ARGS__)
#define LOG_INFO(...) log_msg(SCALED_LOG_INFO, __VA_ARGS__)
#define LOG_DEBUG(...) log_msg(SCALED_LOG_DEBUG, __VA_ARGS__)

#endif
