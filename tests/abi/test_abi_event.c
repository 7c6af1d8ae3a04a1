/*
 * test_abi_event.c - events from plugins (host->event, ABI 1.4): the
 * event_probe test plugin in the real engine on a virtual clock, with the
 * sim plugin's targets. An event reaches the next tick of the group it
 * names (or of every group), its policies read it in g.events with its
 * payload, and the decision names it; what scaled_engine_event refuses is
 * refused here too, with the same codes and reasons, and nothing queued
 * (all or nothing). On a host table of ABI 1.3 the plugin's own check
 * (SCALED_HOST_HAS) makes create() refuse with a clear message.
 */
#include <dlfcn.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scaled/plugin.h"
#include "scaled/scaled.h"

#define T0 1700000000000LL

struct seen {
	int n;
	struct scaled_decision d[8];
	char log[8192];
};

static void on_decision(void *arg, const struct scaled_decision *d)
{
	struct seen *s = arg;

	if (d->outcome == SCALED_OUTCOME_PENDING)
		return;
	if (s->n < 8)
		s->d[s->n] = *d;
	s->n++;
}

static void on_log(void *arg, int level, const char *line)
{
	struct seen *s = arg;
	size_t len = strlen(s->log);

	(void)level;
	snprintf(s->log + len, sizeof s->log - len, "%s\n", line);
}

/* Two groups, g and h, each changing by the number of 'warn' events its
 * tick sees and naming their instance ids; the probe (collecting once an
 * hour: once, at the start, in these tests) with the keys given. */
static struct scaled_engine *load(struct seen *s, const char *probe_keys)
{
	struct scaled_options o;
	struct scaled_engine *e = NULL;
	char *farm = NULL, *err = NULL;

	memset(s, 0, sizeof *s);
	scaled_options_init(&o);
	o.virtual_clock = 1;
	o.start_ms = T0;
	o.log_level = SCALED_LOG_WARN;
	o.log_fn = on_log;
	o.log_arg = s;
	o.plugin_path = SCALED_EVENT_PLUGIN_DIR ":" SCALED_BINARY_DIR "/plugins";
	assert_int_equal(scaled_engine_new(&o, &e, &err), 0);
	assert_true(asprintf(&farm,
			     "plugin 'sim'; plugin 'event_probe'\n"
			     "target 't' { kind = 'sim', start = 1 }\n"
			     "target 'u' { kind = 'sim', start = 1 }\n"
			     "local function react(g)\n"
			     "  local ids = {}\n"
			     "  for _, ev in ipairs(g.events) do\n"
			     "    if ev.name == 'warn' then ids[#ids + 1] = ev.data.instance_id or '?' end\n"
			     "  end\n"
			     "  if #ids > 0 then return g:change(#ids, 'warned: ' .. table.concat(ids, ',')) end\n"
			     "end\n"
			     "group 'g' { target = 't', max = 200, every = '10s', policy = react }\n"
			     "group 'h' { target = 'u', max = 200, every = '10s', policy = react }\n"
			     "source 'ev' { kind = 'event_probe', every = '1h', %s }\n",
			     probe_keys) > 0);
	if (scaled_engine_load_string(e, "event-farm", farm, &err) < 0)
		fail_msg("load: %s", err ? err : "?");
	free(farm);
	scaled_engine_on_decision(e, on_decision, s);
	return e;
}

static int desired(struct scaled_engine *e, const char *group)
{
	struct scaled_group_status st;

	assert_int_equal(scaled_engine_group_status(e, group, &st), 0);
	return st.desired;
}

/* The decision of group in s, the first that named an event; NULL if none. */
static const struct scaled_decision *named(const struct seen *s, const char *group)
{
	for (int i = 0; i < s->n && i < 8; i++)
		if (strcmp(s->d[i].group, group) == 0 && s->d[i].n_events)
			return &s->d[i];
	return NULL;
}

/* named(), which must find one. */
static const struct scaled_decision *named_ok(const struct seen *s, const char *group)
{
	static const struct scaled_decision none;
	const struct scaled_decision *d = named(s, group);

	if (!d) {
		fail_msg("no decision of group %s named an event", group);
		return &none;
	}
	return d;
}

static void test_to_one_group(void **state)
{
	struct seen s;
	struct scaled_engine *e = load(&s, "name = 'warn', group = 'g', "
				       "data = '{\"instance_id\": \"i-0abc\", \"action\": \"terminate\"}'");
	const struct scaled_decision *d;

	(void)state;
	assert_int_equal(scaled_engine_step(e, T0 + 15000), 0);
	d = named_ok(&s, "g");
	assert_int_equal(d->n_events, 1);
	assert_string_equal(d->events[0], "warn");
	assert_string_equal(d->proposals[0].reason, "warned: i-0abc");
	assert_null(named(&s, "h")); /* addressed to g only */
	assert_int_equal(desired(e, "h"), 1);
	assert_int_equal(desired(e, "g"), 2);
	assert_string_equal(s.log, ""); /* nothing refused */
	scaled_engine_free(e);
}

static void test_to_every_group(void **state)
{
	struct seen s;
	struct scaled_engine *e = load(&s, "name = 'warn', count = 2");

	(void)state;
	assert_int_equal(scaled_engine_step(e, T0 + 15000), 0);
	assert_int_equal(named_ok(&s, "g")->n_events, 2);
	assert_string_equal(named_ok(&s, "h")->proposals[0].reason, "warned: ?,?");
	assert_string_equal(s.log, "");
	scaled_engine_free(e);
}

/* What the embedding API refuses, the host refuses alike, reason and all. */
static void test_refused(void **state)
{
	static const struct {
		const char *keys, *log;
	} cases[] = {
		{ "name = 'warn', group = 'nope'",
		  "source ev: refused (-2): event 'warn': no group 'nope'\n" },
		{ "name = 'a b'",
		  "source ev: refused (-22): event name must be 1 to 63 of letters, digits, '_', "
		  "'-', '.'\n" },
		{ "name = 'warn', data = '{\"a\": }'",
		  "source ev: refused (-22): event 'warn': payload is not JSON (at byte 6)\n" },
		{ "name = 'warn', data = '[1]'",
		  "source ev: refused (-22): event 'warn': payload must be a JSON object\n" },
	};
	struct seen s;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct scaled_engine *e = load(&s, cases[i].keys);

		assert_int_equal(scaled_engine_step(e, T0 + 15000), 0);
		assert_non_null(strstr(s.log, cases[i].log));
		assert_null(named(&s, "g"));
		assert_null(named(&s, "h"));
		scaled_engine_free(e);
	}
}

/* 65 to every group: 64 wait in each, the 65th is refused for both (g is
 * full, so h does not get it either); the next tick sees 64. */
static void test_all_or_nothing(void **state)
{
	struct seen s;
	struct scaled_engine *e = load(&s, "name = 'warn', count = 65");

	(void)state;
	assert_int_equal(scaled_engine_step(e, T0 + 15000), 0);
	assert_non_null(strstr(s.log, "source ev: refused (-28): event 'warn': group 'g' has 64 "
				      "events waiting for its next tick already\n"));
	assert_int_equal(named_ok(&s, "g")->n_events, 64);
	assert_int_equal(named_ok(&s, "h")->n_events, 64);
	scaled_engine_free(e);
}

static void quiet_log(struct scaled_instance *inst, enum scaled_log_level level,
		      const char *fmt, ...)
{
	(void)inst;
	(void)level;
	(void)fmt;
}

/* The plugin on a core of ABI 1.3: its host table ends before `event`, and
 * the plugin's create() says so instead of calling past its end. */
static void test_old_core(void **state)
{
	struct scaled_host old = {
		.struct_size = offsetof(struct scaled_host, event),
		.abi_major = 1,
		.abi_minor = 3,
		.log = quiet_log,
	};
	struct scaled_value cfg[4] = { { 0 } };
	const struct scaled_plugin *desc;
	void *dl, *st = NULL;
	char err[256] = "";

	(void)state;
	assert_false(SCALED_HOST_HAS(&old, event));
	old.struct_size = sizeof old;
	assert_true(SCALED_HOST_HAS(&old, event));
	old.struct_size = offsetof(struct scaled_host, event);
	dl = dlopen(SCALED_EVENT_PLUGIN_DIR "/event_probe.so", RTLD_NOW | RTLD_LOCAL);
	assert_non_null(dl);
	desc = ((scaled_plugin_entry_fn)dlsym(dl, SCALED_PLUGIN_ENTRY))();
	assert_int_equal(desc->abi_minor, 4);
	assert_int_equal(desc->init(&old, err, sizeof err), 0);
	assert_int_equal(desc->kinds[0]->create(NULL, cfg, &st, err, sizeof err), -ENOTSUP);
	assert_string_equal(err, "this scaled has no events for plugins (ABI 1.4; it offers 1.3)");
	assert_null(st);
	dlclose(dl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_to_one_group),
		cmocka_unit_test(test_to_every_group),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_all_or_nothing),
		cmocka_unit_test(test_old_core),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
