/*
 * test_engine_events.c - events through the embedding API
 * (scaled_engine_event) on a virtual clock with the sim plugin: delivered
 * to the group's next tick only, read by its policies as g.events, named in
 * that tick's decision (and its JSON); bad input refused with a message and
 * nothing queued.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scaled/scaled.h"

#define T0 1700000000000LL

static const char farm[] =
	"plugin 'sim'\n"
	"target 't' { kind = 'sim', start = 1 }\n"
	"target 'u' { kind = 'sim', start = 0 }\n"
	"local function start(g)\n"
	"  local n = 0\n"
	"  for _, ev in ipairs(g.events) do\n"
	"    if ev.name == 'train' then n = n + (ev.data.units or 1) end\n"
	"  end\n"
	"  if n > 0 then return g:change(n, 'train +' .. n) end\n"
	"end\n"
	"group 'g' { target = 't', max = 50, every = '10s', policy = start }\n"
	"group 'h' { target = 'u', max = 50, every = '10s', policy = start }\n";

struct seen {
	int n;
	struct scaled_decision last[16];
};

static void on_decision(void *arg, const struct scaled_decision *d)
{
	struct seen *s = arg;

	if (d->outcome == SCALED_OUTCOME_PENDING)
		return;
	if (s->n < 16)
		s->last[s->n] = *d;
	s->n++;
}

static struct scaled_engine *load(struct seen *seen)
{
	struct scaled_options o;
	struct scaled_engine *e = NULL;
	char *err = NULL;

	scaled_options_init(&o);
	o.virtual_clock = 1;
	o.start_ms = T0;
	o.log_level = SCALED_LOG_ERROR;
	o.plugin_path = SCALED_BINARY_DIR "/plugins";
	o.policy_dir = SCALED_SOURCE_DIR "/policies";
	assert_int_equal(scaled_engine_new(&o, &e, &err), 0);
	if (scaled_engine_load_string(e, "events-farm", farm, &err) < 0)
		fail_msg("load: %s", err ? err : "?");
	memset(seen, 0, sizeof *seen);
	scaled_engine_on_decision(e, on_decision, seen);
	return e;
}

static int desired(struct scaled_engine *e, const char *group)
{
	struct scaled_group_status st;

	assert_int_equal(scaled_engine_group_status(e, group, &st), 0);
	return st.desired;
}

static void test_event_starts_units_once(void **state)
{
	struct seen seen;
	struct scaled_engine *e = load(&seen);
	char *json, *err = NULL;

	(void)state;
	assert_int_equal(scaled_engine_step(e, T0 + 5000), 0);
	assert_int_equal(scaled_engine_event(e, "g", "train", "{\"units\": 4}", &err), 0);
	assert_null(err);
	assert_int_equal(scaled_engine_event(e, "g", "train", NULL, NULL), 0);
	assert_int_equal(scaled_engine_event(e, "g", "noise", "{}", NULL), 0);
	assert_int_equal(scaled_engine_step(e, T0 + 10000), 0);
	assert_int_equal(desired(e, "g"), 6);
	assert_int_equal(desired(e, "h"), 0); /* addressed to g only */
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.last[0].n_events, 3);
	assert_string_equal(seen.last[0].events[0], "train");
	assert_string_equal(seen.last[0].events[2], "noise");
	assert_string_equal(seen.last[0].proposals[0].reason, "train +5");
	json = scaled_decision_json(&seen.last[0]);
	assert_non_null(strstr(json, "\"events\":[\"train\",\"train\",\"noise\"]"));
	free(json);
	/* delivered once: the next tick sees none and changes nothing */
	assert_int_equal(scaled_engine_step(e, T0 + 20000), 0);
	assert_int_equal(desired(e, "g"), 6);
	assert_int_equal(seen.n, 1);
	/* an event nobody acts on is still recorded, by name */
	assert_int_equal(scaled_engine_event(e, NULL, "hello", NULL, NULL), 0);
	assert_int_equal(scaled_engine_step(e, T0 + 30000), 0);
	assert_int_equal(seen.n, 3); /* one decision per group */
	assert_string_equal(seen.last[1].events[0], "hello");
	assert_int_equal(seen.last[1].outcome, SCALED_OUTCOME_NONE);
	scaled_engine_free(e);
}

static void test_bad_events_refused(void **state)
{
	struct seen seen;
	struct scaled_engine *e = load(&seen);
	char *err = NULL;
	int i;

	(void)state;
	assert_int_equal(scaled_engine_event(e, "nope", "train", NULL, &err), -ENOENT);
	assert_string_equal(err, "event 'train': no group 'nope'");
	free(err);
	assert_int_equal(scaled_engine_event(e, "g", "tr ain", NULL, &err), -EINVAL);
	assert_string_equal(err, "event name must be 1 to 63 of letters, digits, '_', '-', '.'");
	free(err);
	assert_int_equal(scaled_engine_event(e, "g", "train", "{\"units\": }", &err), -EINVAL);
	assert_string_equal(err, "event 'train': payload is not JSON (at byte 10)");
	free(err);
	assert_int_equal(scaled_engine_event(e, NULL, "train", "\"4\"", &err), -EINVAL);
	assert_string_equal(err, "event 'train': payload must be a JSON object");
	free(err);
	for (i = 0; i < 64; i++)
		assert_int_equal(scaled_engine_event(e, "g", "x", NULL, NULL), 0);
	assert_int_equal(scaled_engine_event(e, "g", "x", NULL, &err), -ENOSPC);
	free(err);
	/* all or nothing: g is full, so h does not get it either, and a
	 * retry after the tick delivers it once */
	assert_int_equal(scaled_engine_event(e, NULL, "all", NULL, &err), -ENOSPC);
	assert_string_equal(err, "event 'all': group 'g' has 64 events waiting for its next "
			    "tick already");
	free(err);
	/* nothing bad was queued: the tick sees the 64 good ones only */
	assert_int_equal(scaled_engine_step(e, T0 + 10000), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.last[0].n_events, 64);
	assert_string_equal(seen.last[0].group, "g");
	assert_int_equal(desired(e, "g"), 1);
	scaled_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_starts_units_once),
		cmocka_unit_test(test_bad_events_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
