/*
 * test_engine.c - the engine as an embedder sees it, on a virtual clock,
 * with the real sim plugin (.so from the build tree).
 *
 * Covers what no module test can: a policy that loops forever, eats memory
 * or fails is recorded as a hold while the other groups keep ticking; the
 * target's answer completes a decision; a failed action rolls back; dry-run
 * never acts; stale and missing inputs hold the group.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "scaled/scaled.h"

#define T0 1700000000000LL

struct seen {
	int n;
	struct scaled_decision last[64];
};

static void on_decision(void *arg, const struct scaled_decision *d)
{
	struct seen *s = arg;

	if (d->outcome == SCALED_OUTCOME_PENDING)
		return;
	if (s->n < 64)
		s->last[s->n] = *d;
	s->n++;
}

static struct scaled_engine *load(const char *farm, int dry_run, struct seen *seen)
{
	struct scaled_options o;
	struct scaled_engine *e = NULL;
	char *err = NULL;
	int rc;

	scaled_options_init(&o);
	o.virtual_clock = 1;
	o.start_ms = T0;
	o.dry_run = dry_run;
	o.log_level = SCALED_LOG_ERROR;
	o.plugin_path = SCALED_BINARY_DIR "/plugins";
	o.policy_dir = SCALED_SOURCE_DIR "/policies";
	o.lua_deadline_ms = 20;
	o.lua_mem_limit = 8 << 20;
	assert_int_equal(scaled_engine_new(&o, &e, &err), 0);
	rc = scaled_engine_load_string(e, "test-farm", farm, &err);
	if (rc < 0)
		fail_msg("load: %s", err ? err : "?");
	if (seen) {
		memset(seen, 0, sizeof *seen);
		scaled_engine_on_decision(e, on_decision, seen);
	}
	return e;
}

static int desired(struct scaled_engine *e, const char *group)
{
	struct scaled_group_status st;

	assert_int_equal(scaled_engine_group_status(e, group, &st), 0);
	return st.desired;
}

/* Three bad policies and one good group: the good one scales, each bad one
 * records an error proposal, and the engine goes on. */
static void test_bad_policies_do_not_stop_others(void **state)
{
	static const char farm[] =
		"plugin 'sim'\n"
		"for _, n in ipairs{'ok', 'loop', 'bomb', 'err'} do\n"
		"  target(n) { kind = 'sim', start = 1 }\n"
		"end\n"
		"group 'ok' { target = 'ok', max = 10, every = '1s',\n"
		"  policy = function(g) return g:set(4, 'four') end }\n"
		"group 'loop' { target = 'loop', max = 10, every = '1s',\n"
		"  policy = function(g) while true do end end }\n"
		/* One block past the 8 MiB cap: doubling a string up to it raced the
		 * 20 ms deadline under ASan on a loaded machine (either error is
		 * the sandbox working, but this test is about the memory cap). */
		"group 'bomb' { target = 'bomb', max = 10, every = '1s',\n"
		"  policy = function(g) local s = string.rep('x', 64 << 20) end }\n"
		"group 'err' { target = 'err', max = 10, every = '1s',\n"
		"  policy = function(g) return g:set(nil) end }\n";
	struct seen seen;
	struct scaled_engine *e = load(farm, 0, &seen);
	int i, errors = 0;

	(void)state;
	assert_int_equal(scaled_engine_step(e, T0 + 3500), 0);
	assert_int_equal(desired(e, "ok"), 4);
	assert_int_equal(desired(e, "loop"), 1);
	assert_int_equal(desired(e, "bomb"), 1);
	assert_int_equal(desired(e, "err"), 1);
	for (i = 0; i < seen.n && i < 64; i++) {
		const struct scaled_decision *d = &seen.last[i];

		if (strcmp(d->group, "ok") == 0)
			continue;
		assert_int_equal(d->n_proposals, 1);
		assert_int_equal(d->proposals[0].kind, SCALED_PROPOSAL_ERROR);
		assert_int_equal(d->desired, 1);
		if (strcmp(d->group, "loop") == 0)
			assert_non_null(strstr(d->proposals[0].reason, "deadline"));
		if (strcmp(d->group, "bomb") == 0)
			assert_non_null(strstr(d->proposals[0].reason, "memory"));
		errors++;
	}
	/* 3 ticks each (t = 1 s, 2 s, 3 s) for the three failing groups. */
	assert_int_equal(errors, 9);
	/* The sandbox is still usable: the good group keeps its decision. */
	assert_int_equal(scaled_engine_step(e, T0 + 10000), 0);
	assert_int_equal(desired(e, "ok"), 4);
	scaled_engine_free(e);
}

static void test_decision_completed_by_target(void **state)
{
	static const char farm[] =
		"plugin 'sim'\n"
		"target 't' { kind = 'sim', start = 2 }\n"
		"group 'g' { target = 't', min = 1, max = 7, every = '10s',\n"
		"  policy = function(g) return g:change(3, 'three more') end }\n";
	struct seen seen;
	struct scaled_engine *e = load(farm, 0, &seen);
	const struct scaled_decision *d;

	(void)state;
	assert_int_equal(scaled_engine_step(e, T0 + 10000), 0);
	assert_int_equal(seen.n, 1);
	d = &seen.last[0];
	assert_int_equal(d->desired_before, 2);
	assert_int_equal(d->desired, 5);
	assert_int_equal(d->outcome, SCALED_OUTCOME_OK);
	assert_string_equal(d->proposals[0].reason, "three more");
	assert_int_equal(d->time_ms, T0 + 10000);
	/* 5 + 3 = 8, clamped to max 7: recorded with the clamp as its reason. */
	assert_int_equal(scaled_engine_step(e, T0 + 20000), 0);
	assert_int_equal(seen.n, 2);
	assert_int_equal(desired(e, "g"), 7);
	assert_int_equal(seen.last[1].bound_by, SCALED_STAGE_CLAMP);
	/* At max, wanting more is quiet: no record for a tick that changes
	 * nothing only because the group sits at its bound. */
	assert_int_equal(scaled_engine_step(e, T0 + 40000), 0);
	assert_int_equal(seen.n, 2);
	scaled_engine_free(e);
}

static void test_failed_action_rolls_back(void **state)
{
	static const char farm[] =
		"plugin 'sim'\n"
		"target 't' { kind = 'sim', start = 2, fail_above = 3 }\n"
		"group 'g' { target = 't', max = 8, every = '10s',\n"
		"  policy = function(g) return g:set(6, 'six') end }\n";
	struct seen seen;
	struct scaled_engine *e = load(farm, 0, &seen);
	const struct scaled_decision *d;

	(void)state;
	assert_int_equal(scaled_engine_step(e, T0 + 20000), 0);
	assert_int_equal(seen.n, 2); /* tried, failed, tried again */
	d = &seen.last[0];
	assert_int_equal(d->outcome, SCALED_OUTCOME_FAILED);
	assert_int_equal(d->bound_by, SCALED_STAGE_ACT);
	assert_non_null(strstr(d->outcome_msg, "fail_above"));
	assert_int_equal(desired(e, "g"), 2);
	scaled_engine_free(e);
}

/* A spot group whose target refuses to grow: another group sees the
 * failure, what the spot group wanted and for how long it has been short,
 * and covers the gap; when the spot group stops asking, the gap closes. */
static void test_failure_visible_to_other_groups(void **state)
{
	static const char farm[] =
		"plugin 'sim'\n"
		"target 'st' { kind = 'sim', start = 2, fail_above = 3 }\n"
		"target 'ot' { kind = 'sim', start = 0 }\n"
		"group 'spot' { target = 'st', max = 8, every = '10s',\n"
		"  policy = function(g)\n"
		"    if g.now < 1700000035 then return g:set(6, 'six') end\n"
		"    return g:hold('calm')\n"
		"  end }\n"
		"group 'backup' { target = 'ot', max = 8, every = '10s', stabilization = { down = '0s' },\n"
		"  policy = function(g)\n"
		"    local s = g:group('spot')\n"
		"    if s.shortfall > 0 and s.short_for < 10 then return g:hold('wait') end\n"
		"    return g:set(s.shortfall, string.format('%s|%s|%d|%d|%.0f', s.last_action,\n"
		"      s.last_error and 'err' or 'noerr', s.wanted, s.current, s.short_for))\n"
		"  end }\n";
	struct seen seen;
	struct scaled_engine *e = load(farm, 0, &seen);
	const struct scaled_decision *d = NULL;
	int i;

	(void)state;
	/* Ticks at 10 s and 20 s: spot fails twice; backup at 20 s sees it. */
	assert_int_equal(scaled_engine_step(e, T0 + 25000), 0);
	assert_int_equal(desired(e, "spot"), 2);
	assert_int_equal(desired(e, "backup"), 4);
	for (i = 0; i < seen.n && i < 64; i++)
		if (strcmp(seen.last[i].group, "backup") == 0)
			d = &seen.last[i];
	if (!d)
		fail_msg("no decision of group backup");
	assert_int_equal(d->desired, 4);
	assert_string_equal(d->proposals[0].reason, "failed|err|6|2|10");
	/* At 40 s spot holds: it no longer wants 6, so nothing is short. */
	assert_int_equal(scaled_engine_step(e, T0 + 45000), 0);
	assert_int_equal(desired(e, "backup"), 0);
	scaled_engine_free(e);
}

/* The decision log is the operator's: 0640 even under umask 000. */
static void test_decision_log_mode(void **state)
{
	char dir[] = "/tmp/scaled-dlog.XXXXXX", path[64];
	struct scaled_options o;
	struct scaled_engine *e = NULL;
	struct stat st;
	char *err = NULL;
	mode_t old;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/decisions.jsonl", dir);
	scaled_options_init(&o);
	o.virtual_clock = 1;
	o.log_level = SCALED_LOG_ERROR;
	o.decision_log = path;
	old = umask(0);
	assert_int_equal(scaled_engine_new(&o, &e, &err), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	scaled_engine_free(e);
	unlink(path);
	rmdir(dir);
}

static void test_dry_run_never_acts(void **state)
{
	static const char farm[] =
		"plugin 'sim'\n"
		"target 't' { kind = 'sim', start = 2 }\n"
		"group 'g' { target = 't', max = 8, every = '10s',\n"
		"  policy = function(g) return g:set(6, 'six') end }\n";
	struct seen seen;
	struct scaled_engine *e = load(farm, 1, &seen);
	struct scaled_group_status st;

	(void)state;
	assert_int_equal(scaled_engine_step(e, T0 + 15000), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.last[0].outcome, SCALED_OUTCOME_DRY_RUN);
	assert_int_equal(seen.last[0].desired, 6);
	assert_int_equal(scaled_engine_group_status(e, "g", &st), 0);
	/* The sim target was never asked: it still runs 2. */
	assert_int_equal(st.current, 2);
	scaled_engine_free(e);
}

static void test_stale_input_holds(void **state)
{
	/* Collected every 30 s, stale after 30 s (stale may not be shorter
	 * than every), and the source stops after 45 s: the ticks at 30 s and
	 * 60 s read a sample 0 s and 30 s old and act; the tick at 90 s reads
	 * one 60 s old and holds. */
	static const char farm[] =
		"plugin 'sim'\n"
		"source 'load' { kind = 'wave', value = 90, every = '30s', stale = '30s',\n"
		"  stop_after = '45s' }\n"
		"target 't' { kind = 'sim', start = 2 }\n"
		"group 'g' { target = 't', max = 8, every = '30s',\n"
		"  policy = function(g, s)\n"
		"    if s.load:last() > 80 then return g:change(1, 'hot') end\n"
		"  end }\n";
	struct seen seen;
	struct scaled_engine *e = load(farm, 0, &seen);

	(void)state;
	assert_int_equal(scaled_engine_step(e, T0 + 60000), 0);
	assert_int_equal(desired(e, "g"), 4);
	assert_int_equal(scaled_engine_step(e, T0 + 90000), 0);
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.last[2].proposals[0].stale, 1);
	assert_int_equal(seen.last[2].desired, 4);
	assert_int_equal(seen.last[2].bound_by, SCALED_STAGE_STALE);
	scaled_engine_free(e);
}

static void test_missing_input_refuses_scale_in(void **state)
{
	/* The policy declares an input that never gets data. */
	static const char farm[] =
		"plugin 'sim'\n"
		"target 't' { kind = 'sim', start = 5 }\n"
		"local p = { name = 'shrink', series = { 't.never' },\n"
		"  evaluate = function(self, g, s) return g:set(1, 'shrink') end }\n"
		"group 'g' { target = 't', max = 8, every = '10s', policy = p }\n";
	struct seen seen;
	struct scaled_engine *e = load(farm, 0, &seen);

	(void)state;
	assert_int_equal(scaled_engine_step(e, T0 + 10000), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.last[0].desired, 5);
	assert_int_equal(seen.last[0].bound_by, SCALED_STAGE_STALE);
	scaled_engine_free(e);
}

#define P10 "(((((((((("
#define Q10 "))))))))))"
#define P50 P10 P10 P10 P10 P10
#define Q50 Q10 Q10 Q10 Q10 Q10
#define DEEP_NESTING "x = " P50 P50 P50 P50 P50 "1" Q50 Q50 Q50 Q50 Q50 "\n"

/* rate = { up = ... } from the farm reaches the pipeline: HPA's default
 * scale-up rules hold a group that wants 50 to 6, then 6 (the period still
 * holds the first step), then 12. */
static void test_rate_rules_from_farm(void **state)
{
	static const char farm[] =
		"plugin 'sim'\n"
		"target 't' { kind = 'sim', start = 2 }\n"
		"group 'g' { target = 't', max = 100, every = '10s',\n"
		"  rate = { up = { { pods = 4, period = '15s' }, { percent = 100, period = '15s' } } },\n"
		"  policy = function(g) return g:set(50, 'fifty') end }\n";
	struct seen seen;
	struct scaled_engine *e = load(farm, 0, &seen);

	(void)state;
	assert_int_equal(scaled_engine_step(e, T0 + 10000), 0);
	assert_int_equal(desired(e, "g"), 6);
	assert_int_equal(scaled_engine_step(e, T0 + 20000), 0);
	assert_int_equal(desired(e, "g"), 6);
	assert_int_equal(seen.last[seen.n - 1].bound_by, SCALED_STAGE_RATE);
	assert_int_equal(scaled_engine_step(e, T0 + 30000), 0);
	assert_int_equal(desired(e, "g"), 12);
	scaled_engine_free(e);
}

static void test_load_errors(void **state)
{
	static const struct {
		const char *farm, *want;
	} cases[] = {
		{ "plugin 'sim'\ntarget 't' { kind = 'sim', strat = 1 }\n",
		  "test-farm:2: target \"t\": unknown key \"strat\" (did you mean \"start\"?)" },
		{ "plugin 'sim'\n\nsource 's' { kind = 'sim' }\n", "test-farm:3: source \"s\": kind \"sim\" is a target" },
		{ "plugin 'sim'\ntarget 't' { kind = 'sim' }\ngroup 'g' { target = 't', max = 2, policy = 7 }\n",
		  "test-farm:3: group \"g\": policy 1: expected a function" },
		{ "plugin 'sim'\ntarget 't' { kind = 'sim' }\ngroup 'g' { target = 't', max = 2, cooldown = 'x' }\n",
		  "test-farm:3: group \"g\": key \"cooldown\": bad duration \"x\"" },
		{ "plugin 'sim'\ntarget 't' { kind = 'sim' }\ngroup 'g' { target = 't', max = 2, rate = { count = -1 } }\n",
		  "test-farm:3: group \"g\": rate: count and percent must be between 0 and 1000000" },
		/* the group's key table: its own types and hints */
		{ "plugin 'sim'\ntarget 't' { kind = 'sim' }\ngroup 'g' { target = 't', max = 2, cooldown = { upp = 1 } }\n",
		  "test-farm:3: group \"g\": cooldown: unknown key \"upp\" (did you mean \"up\"?)" },
		{ "plugin 'sim'\ntarget 't' { kind = 'sim' }\ngroup 'g' { target = 't', max = 2, stabilization = { down = 'zz' } }\n",
		  "test-farm:3: group \"g\": stabilization: key \"down\": bad duration \"zz\"" },
		{ "plugin 'sim'\ntarget 't' { kind = 'sim' }\ngroup 'g' { target = 't', max = 2, rate = 5 }\n",
		  "test-farm:3: group \"g\": key \"rate\": expected a table { count = , percent = , period = }" },
		{ "plugin 'sim'\ntarget 't' { kind = 'sim' }\ngroup 'g' { target = 't', max = 2, cooldwn = 1 }\n",
		  "test-farm:3: group \"g\": unknown key \"cooldwn\" (did you mean \"cooldown\"?)" },
		/* what config checks from the names it declared */
		{ "plugin 'sim'\nsource 'w' { kind = 'wave' }\ngroup 'g' { target = 'w', max = 2 }\n",
		  "test-farm:3: group \"g\": unknown target \"w\" (that is a source)" },
		{ "plugin 'sim'\ntarget 't' { kind = 'sim' }\ngroup 'g' { target = 't', max = 2 }\n"
		  "group 'h' { target = 't', max = 2 }\n",
		  "test-farm:4: group \"h\": target \"t\" is already set by group \"g\"" },
		{ "plugin 'sim'\ntarget 't' { kind = 'sim' }\ngroup 'g' { target = 't', max = 2,\n"
		  "  policy = { name = 'p', series = { 'x.y' }, evaluate = function() end } }\n",
		  "test-farm:3: group \"g\": policy p reads series \"x.y\", which no source or target declares" },
		{ "plugin '../sim'\n", "test-farm:1: plugin name \"../sim\"" },
		{ "target 't' { kind = 'sim' }\n", "test-farm:1: target \"t\": unknown kind \"sim\"" },
		{ "x = \n", "test-farm:2: unexpected symbol near <eof>" },
		{ "io.write('x')\n", "attempt to index a nil value (global 'io')" },
		/* Lua's own message has no position: the sandbox adds the name. */
		{ DEEP_NESTING, "test-farm: C stack overflow" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct scaled_options o;
		struct scaled_engine *e = NULL;
		char *err = NULL;

		scaled_options_init(&o);
		o.virtual_clock = 1;
		o.log_level = SCALED_LOG_ERROR;
		o.plugin_path = SCALED_BINARY_DIR "/plugins";
		o.policy_dir = SCALED_SOURCE_DIR "/policies";
		assert_int_equal(scaled_engine_new(&o, &e, &err), 0);
		assert_int_equal(scaled_engine_load_string(e, "test-farm", cases[i].farm, &err), -EINVAL);
		assert_non_null(err);
		if (!strstr(err, cases[i].want))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, cases[i].want);
		free(err);
		scaled_engine_free(e);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_policies_do_not_stop_others),
		cmocka_unit_test(test_decision_completed_by_target),
		cmocka_unit_test(test_failed_action_rolls_back),
		cmocka_unit_test(test_failure_visible_to_other_groups),
		cmocka_unit_test(test_decision_log_mode),
		cmocka_unit_test(test_dry_run_never_acts),
		cmocka_unit_test(test_stale_input_holds),
		cmocka_unit_test(test_missing_input_refuses_scale_in),
		cmocka_unit_test(test_rate_rules_from_farm),
		cmocka_unit_test(test_load_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
