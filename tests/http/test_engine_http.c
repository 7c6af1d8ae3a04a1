/*
 * test_engine_http.c - HTTP for plugins through the host table (ABI 1.3),
 * with the real engine, the http_probe test plugin and tests/http/server.py
 * on loopback: on the real loop (scaled_engine_run) and on a virtual clock
 * (scaled_engine_step drives the transfers); refused from create() before
 * the engine runs; a request pending when the engine is freed is cancelled.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "scaled/scaled.h"
#include "server_fx.h"

struct seen {
	struct scaled_engine *e;
	int n;
	int desired;
	char reason[SCALED_REASON_MAX];
};

static void on_decision(void *arg, const struct scaled_decision *d)
{
	struct seen *s = arg;

	if (d->outcome == SCALED_OUTCOME_PENDING)
		return;
	s->n++;
	s->desired = d->desired;
	snprintf(s->reason, sizeof(s->reason), "%s", d->n_proposals ? d->proposals[0].reason : "");
	scaled_engine_stop(s->e);
}

/* A farm whose group goes to 1 once the probe has had a 200 from path. */
static char *farm_for(int port, const char *path, const char *extra)
{
	char *farm = NULL;

	assert_true(asprintf(&farm,
			     "plugin 'sim'\n"
			     "plugin 'http_probe'\n"
			     "source 'probe' { kind = 'http_probe', url = 'http://127.0.0.1:%d%s', "
			     "every = '100ms'%s }\n"
			     "target 't' { kind = 'sim', start = 0 }\n"
			     "group 'g' { target = 't', max = 1, every = '100ms', policy = function(g, s)\n"
			     "  if s.probe:last() == 200 then\n"
			     "    return g:set(1, string.format('answered, %%d bytes', "
			     "s['probe.bytes']:last()))\n"
			     "  end\n"
			     "end }\n", port, path, extra) > 0);
	return farm;
}

static struct scaled_engine *engine(int virtual_clock)
{
	struct scaled_options o;
	struct scaled_engine *e = NULL;
	char *err = NULL;

	scaled_options_init(&o);
	o.virtual_clock = virtual_clock;
	o.start_ms = 1700000000000LL;
	o.log_level = SCALED_LOG_ERROR;
	o.plugin_path = SCALED_HTTP_PLUGIN_DIR ":" SCALED_BINARY_DIR "/plugins";
	assert_int_equal(scaled_engine_new(&o, &e, &err), 0);
	return e;
}

static void test_real_loop(void **state)
{
	struct server_fx srv;
	struct scaled_engine *e = engine(0);
	struct event_base *base = event_base_new();
	struct timeval limit = { 10, 0 };
	struct seen seen = { .e = e };
	char *farm, *err = NULL;

	(void)state;
	assert_int_equal(server_fx_start(&srv), 0);
	farm = farm_for(srv.port, "/ok", "");
	if (scaled_engine_load_string(e, "http-farm", farm, &err) < 0)
		fail_msg("load: %s", err);
	scaled_engine_on_decision(e, on_decision, &seen);
	event_base_loopexit(base, &limit);
	assert_int_equal(scaled_engine_run(e, base), 0);
	assert_int_equal(seen.desired, 1);
	assert_string_equal(seen.reason, "answered, 5 bytes");
	scaled_engine_free(e);
	event_base_free(base);
	free(farm);
	server_fx_stop(&srv);
}

static void test_virtual_clock(void **state)
{
	struct server_fx srv;
	struct scaled_engine *e = engine(1);
	struct seen seen = { .e = e };
	struct scaled_group_status st = { 0 };
	char *farm, *err = NULL;
	int i;

	(void)state;
	assert_int_equal(server_fx_start(&srv), 0);
	farm = farm_for(srv.port, "/fail?n=1&key=v", "");
	if (scaled_engine_load_string(e, "http-farm", farm, &err) < 0)
		fail_msg("load: %s", err);
	scaled_engine_on_decision(e, on_decision, &seen);
	/* the clock moves 100 ms a step; the transfer takes real time */
	for (i = 0; i < 500 && st.desired != 1; i++) {
		assert_int_equal(scaled_engine_step(e, scaled_engine_now(e) + 100), 0);
		assert_int_equal(scaled_engine_group_status(e, "g", &st), 0);
		usleep(10000);
	}
	assert_int_equal(st.desired, 1);
	/* the first answer was a 500: retried by the core, one request for
	 * the plugin */
	assert_string_equal(seen.reason, "answered, 10 bytes"); /* "ok after 1" */
	scaled_engine_free(e);
	free(farm);
	server_fx_stop(&srv);
}

static void test_refused_at_create(void **state)
{
	struct scaled_engine *e = engine(0);
	char *farm = farm_for(1, "/ok", ", at_create = true"), *err = NULL;

	(void)state;
	assert_int_equal(scaled_engine_load_string(e, "http-farm", farm, &err), -EINVAL);
	assert_non_null(strstr(err, "source \"probe\": HTTP starts once the engine runs"));
	free(err);
	scaled_engine_free(e);
	free(farm);
}

/* Freed with a request in flight: cancelled, its callback never runs. */
static void test_pending_at_free(void **state)
{
	struct server_fx srv;
	struct scaled_engine *e = engine(1);
	char *farm, *err = NULL;

	(void)state;
	assert_int_equal(server_fx_start(&srv), 0);
	farm = farm_for(srv.port, "/slow?ms=2000&key=p", "");
	if (scaled_engine_load_string(e, "http-farm", farm, &err) < 0)
		fail_msg("load: %s", err);
	assert_int_equal(scaled_engine_step(e, scaled_engine_now(e) + 300), 0);
	usleep(100000);
	assert_int_equal(scaled_engine_step(e, scaled_engine_now(e) + 100), 0);
	scaled_engine_free(e); /* under ASan: nothing leaks, nothing runs late */
	free(farm);
	server_fx_stop(&srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_loop),
		cmocka_unit_test(test_virtual_clock),
		cmocka_unit_test(test_refused_at_create),
		cmocka_unit_test(test_pending_at_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
