/*
 * log.h - the core's log. One sink per process (stderr by default, or the
 * embedder's callback). Lines are "level: message"; the caller's message
 * names the part it comes from ("group workers: ...").
 *
 * A sink receives the message without the level prefix and without a
 * trailing newline; messages longer than 2047 bytes are cut and end in
 * "...". The sink is called under a mutex (any thread may log). Levels
 * outside ERROR..DEBUG are clamped.
 */
#ifndef SCALED_LOG_H
#define SCALED_LOG_H

#include <stdarg.h>

#include "scaled/plugin.h" /* enum scaled_log_level */

void log_set_level(int level);
int log_level(void);
void log_set_sink(void (*fn)(void *arg, int level, const char *line), void *arg);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(int level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* "error", "warn" (or "warning"), "info", "debug", any case; -1 if unknown. */
int log_level_parse(const char *name);

#define LOG_ERROR(...) log_msg(SCALED_LOG_ERROR, __VA_ARGS__)
#define LOG_WARN(...) log_msg(SCALED_LOG_WARN, __VA_ARGS__)
#define LOG_INFO(...) log_msg(SCALED_LOG_INFO, __VA_ARGS__)
#define LOG_DEBUG(...) log_msg(SCALED_LOG_DEBUG, __VA_ARGS__)

#endif
