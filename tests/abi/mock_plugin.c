/*
 * mock_plugin.c - one source, compiled into many mock plugins (see
 * abi.cmake), each a real MODULE .so that exercises one path of the loader.
 *
 * MOCK_FILE_NAME  the file's NAME (NAME.so); also the descriptor's name
 * MOCK_VERSION    the descriptor's version string (default "1.0-mock")
 * MOCK_<VARIANT>  at most one of the variants below; none is a good plugin
 *                 with a source kind "mock_source" and a target kind
 *                 "mock_target". Built for ABI 1.1 (the default), the source
 *                 has an enum key "mode" and limits (depth 0..10, settle at
 *                 most 1h, mode fast or slow). MOCK_OLD_MINOR is a plugin as
 *                 ABI 1.0 built it: minor 0, structs of the 1.0 sizes, so
 *                 the kinds end before `limits` and the core must read its
 *                 keys exactly as 1.0 did (no limits, no enum key).
 *
 * MOCK_MIX_SOURCE: a source kind that says it applies a market mix (ABI
 * 1.2), refused. Every mock's target kind says it does; an old-minor mock's
 * says so past its struct_size, where the core reads 0.
 *
 * The mock reports probe/init/fini through test_abi_trace() when the
 * process that loaded it exports one (the abi test does); elsewhere (the
 * real scaled binary) the weak reference stays NULL and nothing is traced.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "scaled/plugin.h"

#ifndef MOCK_FILE_NAME
#error "MOCK_FILE_NAME must name the .so"
#endif
#ifndef MOCK_VERSION
#define MOCK_VERSION "1.0-mock"
#endif

/* The mock's own idea of the ABI 1.0 sizes, computed independently of the
 * loader: everything up to and including the last 1.0 member. */
/* Some variants leave parts unused (a wrong-major mock has no kinds). */
#define MOCK_UNUSED __attribute__((unused))

#define MOCK_DESC_SIZE_1_0 (offsetof(struct scaled_plugin, kinds) + sizeof(void *))
#define MOCK_KIND_SIZE_1_0 (offsetof(struct scaled_kind, apply) + sizeof(void (*)(void)))

extern void test_abi_trace(const char *plugin, const char *event, const void *arg)
	__attribute__((weak, visibility("default")));

MOCK_UNUSED static void mock_trace(const char *event, const void *arg)
{
	if (test_abi_trace)
		test_abi_trace(MOCK_FILE_NAME, event, arg);
}

/* A struct built for a later minor: ours, then members we do not know. */
#ifdef MOCK_FUTURE_MINOR
#define MOCK_LATER uintptr_t later[2];
#define MOCK_LATER_INIT , .later = { 0xdeadbeef, 0xdeadbeef }
#else
#define MOCK_LATER
#define MOCK_LATER_INIT
#endif

struct mock_kind {
	struct scaled_kind k;
	MOCK_LATER
};

struct mock_plugin {
	struct scaled_plugin p;
	MOCK_LATER
};

#if defined(MOCK_OLD_MINOR)
#define MOCK_MINOR 0
#define MOCK_PLUGIN_SIZE MOCK_DESC_SIZE_1_0
#define MOCK_KIND_SIZE MOCK_KIND_SIZE_1_0
#elif defined(MOCK_FUTURE_MINOR)
#define MOCK_MINOR (SCALED_PLUGIN_ABI_MINOR + 1)
#define MOCK_PLUGIN_SIZE sizeof(struct mock_plugin)
#define MOCK_KIND_SIZE sizeof(struct mock_kind)
#else
#define MOCK_MINOR SCALED_PLUGIN_ABI_MINOR
#define MOCK_PLUGIN_SIZE sizeof(struct mock_plugin)
#define MOCK_KIND_SIZE sizeof(struct mock_kind)
#endif

/* ----------------------------------------------------------- callbacks -- */

MOCK_UNUSED static int mock_state;

MOCK_UNUSED static int mock_create(struct scaled_instance *inst,
				   const struct scaled_value *config, void **state,
				   char *err, size_t errlen)
{
	(void)inst;
	(void)config;
	(void)err;
	(void)errlen;
	*state = &mock_state;
	return 0;
}

MOCK_UNUSED static void mock_destroy(void *state)
{
	(void)state;
}

MOCK_UNUSED static int mock_collect(void *state, char *err, size_t errlen)
{
	(void)state;
	(void)err;
	(void)errlen;
	return 0;
}

MOCK_UNUSED static int mock_poll(void *state, char *err, size_t errlen)
{
	(void)state;
	(void)err;
	(void)errlen;
	return 0;
}

MOCK_UNUSED static int mock_apply(void *state, const struct scaled_target_want *want,
				  uint64_t token, char *err, size_t errlen)
{
	(void)state;
	(void)want;
	(void)token;
	(void)err;
	(void)errlen;
	return 0;
}

MOCK_UNUSED static int mock_probe(char *why, size_t whylen)
{
	mock_trace("probe", NULL);
#ifdef MOCK_PROBE_DECLINES
	snprintf(why, whylen, "no GPU");
	return 1;
#else
	(void)why;
	(void)whylen;
	return 0;
#endif
}

MOCK_UNUSED static int mock_init(const struct scaled_host *host, char *err, size_t errlen)
{
	mock_trace("init", host);
#ifdef MOCK_FAILING_INIT
	snprintf(err, errlen, "cannot reach the GPU");
	return -EIO;
#else
	(void)err;
	(void)errlen;
	return 0;
#endif
}

MOCK_UNUSED static void mock_fini(void)
{
	mock_trace("fini", NULL);
}

/* ----------------------------------------------------------------- keys -- */

MOCK_UNUSED static const struct scaled_key mock_source_keys[] = {
	{ "path", SCALED_KEY_STRING, NULL, 1, "directory to count files in" },
#ifdef MOCK_LIMIT_BAD_DEFAULT
	{ "depth", SCALED_KEY_INT, "three", 0, "how deep to look" },
#else
	{ "depth", SCALED_KEY_INT, "3", 0, "how deep to look" },
#endif
	{ "settle", SCALED_KEY_DURATION, "5s", 0, "ignore files younger than this" },
#ifdef MOCK_BAD_KEY
	{ "limit", SCALED_KEY_INT, "10", 1, "both required and defaulted" },
#endif
#ifdef MOCK_DUP_KEY
	{ "depth", SCALED_KEY_INT, "4", 0, "listed again" },
#endif
#ifdef MOCK_BAD_KEY_TYPE
	{ "ratio", (enum scaled_key_type)42, NULL, 0, "a type that does not exist" },
#endif
#ifdef MOCK_RESERVED_KEY
	{ "every", SCALED_KEY_DURATION, "10s", 0, "the core's own key" },
#endif
#ifdef MOCK_RESERVED_STALE
	{ "stale", SCALED_KEY_DURATION, "30s", 0, "the core's own key" },
#endif
#ifndef MOCK_OLD_MINOR
	{ "mode", SCALED_KEY_ENUM, "fast", 0, "how to count" },
#endif
	{ .name = NULL },
};

/* ABI 1.1 limits of the source's keys. An old-minor mock has them too (it
 * is compiled with today's header), but its kind's struct_size ends before
 * `limits`: the core must not see them. */
MOCK_UNUSED static const struct scaled_key_limit mock_source_limits[] = {
#ifdef MOCK_LIMIT_UNKNOWN_KEY
	{ .key = "deep", .max = "10" },
#endif
#ifdef MOCK_LIMIT_TWICE
	{ .key = "depth", .max = "20" },
#endif
#if defined(MOCK_LIMIT_DEFAULT_OUT)
	{ .key = "depth", .min = "5", .max = "10" },
#elif defined(MOCK_LIMIT_BAD_BOUND)
	{ .key = "depth", .min = "zero" },
#elif defined(MOCK_LIMIT_CHOICES_ON_INT)
	{ .key = "depth", .choices = (const char *const[]){ "1", "2", NULL } },
#else
	{ .key = "depth", .min = "0", .max = "10" },
#endif
	{ .key = "settle", .max = "1h" },
#ifndef MOCK_ENUM_NO_CHOICES
	{ .key = "mode", .choices = (const char *const[]){ "fast", "slow", NULL } },
#endif
	{ .key = NULL },
};

#ifdef MOCK_LIMIT_SHORT
#define MOCK_LIMIT_SIZE 0
#elif defined(MOCK_LIMIT_HUGE)
#define MOCK_LIMIT_SIZE 100000
#else
#define MOCK_LIMIT_SIZE sizeof(struct scaled_key_limit)
#endif

MOCK_UNUSED static const struct scaled_key mock_target_keys[] = {
	{ "size", SCALED_KEY_INT, "1", 0, "initial size" },
	{ "spot", SCALED_KEY_BOOL, "false", 0, "use spot capacity" },
#ifdef MOCK_RESERVED_POLL
	{ "poll", SCALED_KEY_DURATION, "5s", 0, "the core's own key" },
#endif
	{ .name = NULL },
};

/* ---------------------------------------------------------------- kinds -- */

MOCK_UNUSED static const struct mock_kind mock_source = {
	.k = {
#ifdef MOCK_SHORT_KIND
		.struct_size = 16,
#else
		.struct_size = MOCK_KIND_SIZE,
#endif
#ifdef MOCK_UNNAMED_KIND
		.name = NULL,
#else
		.name = "mock_source",
#endif
		.role = SCALED_ROLE_SOURCE,
		.help = "counts files",
		.keys = mock_source_keys,
		.create = mock_create,
		.destroy = mock_destroy,
		.collect = mock_collect,
		.limits = mock_source_limits,
		.limit_size = MOCK_LIMIT_SIZE,
#ifdef MOCK_MIX_SOURCE
		.flags = SCALED_KIND_APPLIES_MIX, /* a source cannot apply a mix */
#endif
	} MOCK_LATER_INIT
};

MOCK_UNUSED static const struct mock_kind mock_target = {
	.k = {
		.struct_size = MOCK_KIND_SIZE,
		.name = "mock_target",
#ifdef MOCK_BAD_ROLE
		.role = SCALED_ROLE_NOTIFIER,
#else
		.role = SCALED_ROLE_TARGET,
#endif
		.help = "a pool that does nothing",
		.keys = mock_target_keys,
		.create = mock_create,
		.destroy = mock_destroy,
		.poll = mock_poll,
#ifndef MOCK_BAD_KIND
		.apply = mock_apply,
#endif
		/* ABI 1.2; an old-minor mock sets it too, past its struct_size,
		 * where the core must not read it */
		.flags = SCALED_KIND_APPLIES_MIX,
	} MOCK_LATER_INIT
};

#ifdef MOCK_DUP_KIND
/* A second, different kind that takes the first one's name. */
MOCK_UNUSED static const struct mock_kind mock_source_again = {
	.k = {
		.struct_size = MOCK_KIND_SIZE,
		.name = "mock_source",
		.role = SCALED_ROLE_SOURCE,
		.help = "the same name again",
		.create = mock_create,
		.destroy = mock_destroy,
		.collect = mock_collect,
	}
};
#endif

MOCK_UNUSED static const struct scaled_kind *const mock_kinds[] = {
	&mock_source.k,
	&mock_target.k,
#ifdef MOCK_DUP_KIND
	&mock_source_again.k,
#endif
	NULL,
};

/* ----------------------------------------------------------- descriptor -- */

#if defined(MOCK_WRONG_MAJOR) || defined(MOCK_SHORT_STRUCT)
/* Only the three leading fields that every major keeps: under ASan, any read
 * past them is a global-buffer-overflow. */
MOCK_UNUSED static const struct {
	uint32_t abi_major, abi_minor;
	size_t struct_size;
} mock_header = {
#ifdef MOCK_WRONG_MAJOR
	2, 0, sizeof mock_header,
#else
	SCALED_PLUGIN_ABI_MAJOR, SCALED_PLUGIN_ABI_MINOR, 8,
#endif
};
#define MOCK_DESCRIPTOR ((const struct scaled_plugin *)(const void *)&mock_header)
#else
MOCK_UNUSED static const struct mock_plugin mock_plugin = {
	.p = {
		.abi_major = SCALED_PLUGIN_ABI_MAJOR,
		.abi_minor = MOCK_MINOR,
		.struct_size = MOCK_PLUGIN_SIZE,
#ifdef MOCK_NAME_MISMATCH
		.name = "someone_else",
#else
		.name = MOCK_FILE_NAME,
#endif
		.version = MOCK_VERSION,
		.help = "a mock plugin for the ABI tests",
		.probe = mock_probe,
		.init = mock_init,
		.fini = mock_fini,
#ifdef MOCK_NO_KINDS
		.kinds = NULL,
#else
		.kinds = mock_kinds,
#endif
	} MOCK_LATER_INIT
};
#define MOCK_DESCRIPTOR (&mock_plugin.p)
#endif

#ifdef MOCK_MISSING_SYMBOL
/* Exported under a name the loader does not look for. */
SCALED_EXPORT const struct scaled_plugin *scaled_plugin_entry_v0(void);
SCALED_EXPORT const struct scaled_plugin *scaled_plugin_entry_v0(void)
#else
SCALED_EXPORT const struct scaled_plugin *scaled_plugin_entry(void);
SCALED_EXPORT const struct scaled_plugin *scaled_plugin_entry(void)
#endif
{
#ifdef MOCK_NULL_DESCRIPTOR
	return NULL;
#else
	return MOCK_DESCRIPTOR;
#endif
}
