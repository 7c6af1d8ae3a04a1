/*
 * test_simulate_input.c - the simulator's inputs and the world they make,
 * each answer worked out by hand: the exponential and lognormal draws'
 * means, a service rate, a random spot interruption, the on-demand price
 * table and its refusals, load traces with gaps, the region of a zone, and
 * the flags that take a price or a table.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "scaled/scaled.h"
#include "sim_cli.h"
#include "sim_ondemand.h"
#include "sim_queue.h"
#include "sim_rng.h"
#include "sim_world.h"

/*
 * The means of N = 100 000 draws. For a draw X of standard deviation s the
 * sample mean has standard deviation s / sqrt(N) = s / 316.2; the tolerance
 * is 5 of those (a seed that misses it has odds under 1 in 10^6):
 *
 *   exponential, mean 1: s = 1, so s / 316.2 = 0.00316; tolerance 0.016.
 *   lognormal, mean 1, sigma 0.5: Var X = mean^2 (e^(sigma^2) - 1)
 *     = e^0.25 - 1 = 0.2840, s = 0.5329, s / 316.2 = 0.001685; tolerance
 *     0.0085. Its mu = ln 1 - 0.25 / 2 = -0.125, and the median e^mu =
 *     0.8825: half the draws below it (the count of draws below is
 *     binomial, sd sqrt(N / 4) = 158, tolerance 5 x 158 = 790).
 *   normal: mean 0 within 5 / 316.2 = 0.016, variance 1 within 5 sd of
 *     the sample variance, sqrt(2 / N) = 0.00447: 0.022.
 */
static void test_draw_means(void **state)
{
	enum { N = 100000 };
	struct sim_rng r;
	double sum = 0, sq = 0, mu = -0.125, mean, var;
	long below = 0;
	int i;

	(void)state;
	sim_rng_seed(&r, 1, 54);
	for (i = 0; i < N; i++)
		sum += sim_rng_exp(&r);
	assert_float_equal(sum / N, 1.0, 0.016);

	sum = 0;
	for (i = 0; i < N; i++) {
		double x = sim_rng_draw(&r, SIM_DIST_LOGNORMAL, 1.0, 0.5);

		sum += x;
		below += x < exp(mu);
	}
	assert_float_equal(sum / N, 1.0, 0.0085);
	assert_true(labs(below - N / 2) < 790);

	sum = 0;
	for (i = 0; i < N; i++) {
		double z = sim_rng_normal(&r);

		sum += z;
		sq += z * z;
	}
	mean = sum / N;
	var = sq / N - mean * mean;
	assert_float_equal(mean, 0.0, 0.016);
	assert_float_equal(var, 1.0, 0.022);

	/* Fixed is the mean itself; lognormal of sigma 0 is too. */
	assert_float_equal(sim_rng_draw(&r, SIM_DIST_FIXED, 30000, 1), 30000, 0);
	assert_float_equal(sim_rng_draw(&r, SIM_DIST_LOGNORMAL, 30000, 0), 30000, 1e-6);
}

/* A world of one load row of 2 jobs (at 0 and 30 s) of service_ms each;
 * spot at 0.10 throughout. */
static struct sim_world *world_flat(int64_t service_ms, uint64_t seed)
{
	static int64_t lt[] = { 0 }, st[] = { 0 };
	static double lv[] = { 2 }, sv[] = { 0.10 };
	static struct replay_trace load = { .n = 1, .t_ms = lt, .value = lv };
	static struct replay_trace spot = { .n = 1, .t_ms = st, .value = sv };
	struct sim_world_config cfg = {
		.load = &load, .load_scale = 1, .from_ms = 0, .to_ms = 3600000,
		.service_ms = service_ms, .seed = seed,
		.prices = { .spot = &spot, .shift_ms = 0, .on_demand = 0.36 },
		.notice_ms = 120000,
	};
	struct sim_world *w = NULL;

	assert_int_equal(sim_world_new(&cfg, &w), 0);
	return w;
}

static void test_world_rate(void **state)
{
	/* One on-demand unit of rate 2, jobs of 100 s: A (0 s) takes 50 s;
	 * B (30 s) waits until 50 s and ends at 100 s. */
	struct sim_world *w = world_flat(100000, 1);
	struct sim_pool *p = sim_world_add_pool(w, "p", &(struct sim_pool_config){
		.start = 1, .percent = 100, .boot_ms = { 60000, 60000 }, .max_spot_price = 5,
		.rate = 2 });

	(void)state;
	assert_non_null(p);
	assert_int_equal(sim_world_advance(w, 49999), 0);
	assert_int_equal(w->st.served, 0);
	assert_int_equal(sim_world_advance(w, 50000), 0);
	assert_int_equal(w->st.served, 1);
	assert_int_equal(sim_world_advance(w, 99999), 0);
	assert_int_equal(w->st.served, 1);
	assert_int_equal(sim_world_advance(w, 100000), 0);
	assert_int_equal(w->st.served, 2);
	assert_int_equal(w->st.wait.max, 20000); /* B: 30 s to 50 s */
	/* Busy 100 s of 100 s running. */
	assert_float_equal(w->st.busy_ms, 100000, 0);
	sim_world_free(w);
}

/*
 * A random interruption, by hand from the draws: one spot unit at the
 * start, 3.6 notices an instance-hour (a mean life of 1000 s), jobs of
 * 1500 s. The unit launched at 0 draws its notice first from the
 * interruption stream (seed, 55): at t1 = ceil(d1 x 10^6) ms, d1 that
 * stream's first exponential; its replacement, launched at t1, draws the
 * second, at t1 + ceil(d2 x 10^6). The seed is the first from 1 for which
 * A (0 s to 1500 s) is in hand when the unit goes (t1 + 120 s < 1500 s)
 * and the replacement outlives that (d2 x 10^6 > 120 000).
 */
static void test_world_random_interrupt(void **state)
{
	struct sim_pool_config pc = { .start = 1, .percent = 0, .boot_ms = { 60000, 60000 },
				      .max_spot_price = 5, .rate = 1, .interrupt_rate = 3.6 };
	int64_t t1 = 0, t2 = 0;
	struct sim_pool_count n;
	struct sim_world *w;
	struct sim_pool *p;
	uint64_t seed;

	(void)state;
	for (seed = 1; seed < 1000; seed++) {
		struct sim_rng ref;

		sim_rng_seed(&ref, seed, 55);
		t1 = (int64_t)ceil(sim_rng_exp(&ref) * 1e6);
		t2 = t1 + (int64_t)ceil(sim_rng_exp(&ref) * 1e6);
		if (t1 > 30000 && t1 + 120000 < 1500000 && t2 > t1 + 120000)
			break;
	}
	assert_true(seed < 1000);
	w = world_flat(1500000, seed);
	p = sim_world_add_pool(w, "p", &pc);
	assert_non_null(p);
	/* Before t1: A in hand, B queued, no notice. */
	assert_int_equal(sim_world_advance(w, t1 - 1), 0);
	sim_pool_count(p, &n);
	assert_int_equal(n.noticed, 0);
	assert_int_equal(n.starting, 0);
	/* t1: the notice; a replacement boots at once. */
	assert_int_equal(sim_world_advance(w, t1), 0);
	sim_pool_count(p, &n);
	assert_int_equal(n.noticed, 1);
	assert_int_equal(n.starting, 1);
	/* t1 + 60 s: the replacement is up and takes B. */
	assert_int_equal(sim_world_advance(w, t1 + 60000), 0);
	assert_int_equal(w->queue.n, 0);
	assert_int_equal(w->n_busy, 2);
	/* t1 + 120 s: the first unit goes, A back at the front of the queue. */
	assert_int_equal(sim_world_advance(w, t1 + 119999), 0);
	assert_int_equal(w->st.interruptions, 0);
	assert_int_equal(sim_world_advance(w, t1 + 120000), 0);
	assert_int_equal(w->st.interruptions, 1);
	assert_int_equal(w->st.requeued, 1);
	assert_int_equal(w->queue.n, 1);
	assert_int_equal(sim_world_oldest_ms(w), t1 + 120000); /* A, from 0 s */
	assert_int_equal(w->st.launched[SIM_MKT_SPOT], 2);
	/* Billed: the first unit t1 + 120 s at 0.10. Nothing lost. */
	assert_int_equal(w->st.billed_s[SIM_MKT_SPOT], (t1 + 120000 + 999) / 1000);
	assert_int_equal(w->st.arrived, 2);
	assert_int_equal(w->st.served + w->queue.n + (uint64_t)w->n_busy, 2);
	(void)t2;
	sim_world_free(w);
}

/* Write text to a temporary file named like base (and the pid); its path
 * in path. */
static void put(char *path, size_t len, const char *base, const char *text)
{
	FILE *f;

	snprintf(path, len, "%s/%ld_%s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
		 (long)getpid(), base);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* The table's refusal of text: "path<where>" exactly. */
static void od_refused(const char *text, const char *region, const char *type,
		       const char *where)
{
	char path[512], err[1024], want[1100];
	double price = -1;

	put(path, sizeof path, "sim_od_test.csv", text);
	assert_int_equal(sim_ondemand_price(path, region, type, &price, err, sizeof err), -EINVAL);
	snprintf(want, sizeof want, "%s%s", path, where);
	assert_string_equal(err, want);
	assert_float_equal(price, -1, 0);
	unlink(path);
}

#define OD_HEAD "region,instance_type,ondemand_usd_per_hour\n"

static void test_ondemand_table(void **state)
{
	char path[512], err[1024];
	double price = 0;

	(void)state;
	put(path, sizeof path, "sim_od_good.csv",
	    OD_HEAD "us-east-1,c3.large,0.105\nus-west-1,c3.large,0.12\nus-west-1,c3.2xlarge,0.478");
	assert_int_equal(sim_ondemand_price(path, "us-west-1", "c3.large", &price, err, sizeof err), 0);
	assert_float_equal(price, 0.12, 0);
	assert_int_equal(sim_ondemand_price(path, "us-west-1", "c3.2xlarge", &price, err,
					    sizeof err), 0);
	assert_float_equal(price, 0.478, 0);
	unlink(path);

	od_refused(OD_HEAD "us-west-1,c3.large,0.12\n", "us-west-1", "c9.huge",
		   ": no row for us-west-1 c9.huge");
	od_refused(OD_HEAD "us-west-1,c3.large,0.12\n", "eu-west-9", "c3.large",
		   ": no row for eu-west-9 c3.large");
	od_refused(OD_HEAD "us-west-1,c3.large,0.12\nus-west-1,c3.l\xff" "rge,0.1\n", "us-west-1",
		   "c3.large", ":3: not UTF-8 (byte 0xff at column 15)");
	od_refused(OD_HEAD "us-west-1,c3.large\n", "us-west-1", "c3.large",
		   ":2: 2 fields, expected 3 (region,instance_type,ondemand_usd_per_hour)");
	od_refused(OD_HEAD "us-west-1,c3.large,0.1,x\n", "us-west-1", "c3.large",
		   ":2: 4 fields, expected 3 (region,instance_type,ondemand_usd_per_hour)");
	od_refused(OD_HEAD "us-west-1,c3.large,cheap\n", "us-west-1", "c3.large",
		   ":2: ondemand_usd_per_hour \"cheap\" is not a number");
	od_refused(OD_HEAD "us-west-1,c3.large,-0.12\n", "us-west-1", "c3.large",
		   ":2: ondemand_usd_per_hour -0.12 is negative");
	od_refused(OD_HEAD "us-west-1,c3.large,0.12\nus-east-1,c3.large,0.1\nus-west-1,c3.large,0.13\n",
		   "us-east-1", "c3.large", ":4: us-west-1 c3.large again (line 2 has it)");
	od_refused(OD_HEAD ",c3.large,0.12\n", "us-west-1", "c3.large", ":2: region is empty");
	od_refused("region,type,price\nus-west-1,c3.large,0.12\n", "us-west-1", "c3.large",
		   ":1: header \"region,type,price\" is not \"region,instance_type,"
		   "ondemand_usd_per_hour\"");
	od_refused(OD_HEAD "us-west-1,c3.large,0.12\r\n", "us-west-1", "c3.large",
		   ":2: a carriage return at column 24 (only \\n line ends are read)");
	od_refused(OD_HEAD, "us-west-1", "c3.large", ": no rows after the header");
	od_refused(OD_HEAD "\n", "us-west-1", "c3.large", ":2: empty line");
	/* A missing file: its errno and the reason. */
	assert_int_equal(sim_ondemand_price("/nonexistent/od.csv", "a", "b", &price, err,
					    sizeof err), -ENOENT);
	assert_string_equal(err, "/nonexistent/od.csv: No such file or directory");
}

static void test_region(void **state)
{
	char r[64];

	(void)state;
	assert_int_equal(sim_ondemand_region("us-west-1a", r, sizeof r), 0);
	assert_string_equal(r, "us-west-1");
	assert_int_equal(sim_ondemand_region("ap-southeast-2c", r, sizeof r), 0);
	assert_string_equal(r, "ap-southeast-2");
	assert_int_equal(sim_ondemand_region("us-west-1", r, sizeof r), -EINVAL);
	assert_int_equal(sim_ondemand_region("", r, sizeof r), -EINVAL);
}

static void test_load_gaps(void **state)
{
	int64_t t_ms[] = { 0, 60000, 120000, 240000 };
	int64_t t_short[] = { 0, 120000, 180000 };
	int64_t t_frac[] = { 0, 1000, 2500 };
	double v[] = { 1, 1, 1, 1 };
	struct replay_trace gap = { .n = 4, .t_ms = t_ms, .value = v };
	struct replay_trace regular = { .n = 3, .t_ms = t_ms, .value = v };
	struct replay_trace shorter = { .n = 3, .t_ms = t_short, .value = v };
	struct replay_trace frac = { .n = 3, .t_ms = t_frac, .value = v };
	struct replay_trace one = { .n = 1, .t_ms = t_ms, .value = v };
	char err[256];

	(void)state;
	assert_int_equal(sim_load_check(&regular, "l.csv", err, sizeof err), 0);
	assert_int_equal(sim_load_check(&one, "l.csv", err, sizeof err), 0);
	assert_int_equal(sim_load_bin(&one), 60000);
	/* Row 3 (line 5) comes 120 s after row 2: one bin missing. */
	assert_int_equal(sim_load_check(&gap, "l.csv", err, sizeof err), -EINVAL);
	assert_string_equal(err, "l.csv:5: gap of 120 s after the previous row (bin is 60 s)");
	assert_int_equal(sim_load_check(&shorter, "l.csv", err, sizeof err), -EINVAL);
	assert_string_equal(err, "l.csv:4: step of 60 s after the previous row is shorter than "
			    "the bin (120 s, the first step)");
	assert_int_equal(sim_load_check(&frac, "l.csv", err, sizeof err), -EINVAL);
	assert_string_equal(err, "l.csv:4: gap of 1.500 s after the previous row (bin is 1 s)");
}

static void test_cli_inputs(void **state)
{
	char *table[] = { "simulate", "-c", "f.lua", "--load", "l.csv", "--spot", "s.csv",
			  "--on-demand", "od.csv", "--region", "us-east-1", "--service-dist",
			  "lognormal", "--service-sigma", "0.5", "--interrupt-rate", "0.05", NULL };
	char *price[] = { "simulate", "-c", "f.lua", "--load", "l.csv", "--spot", "s.csv",
			  "--on-demand", "0.5", NULL };
	char *none[] = { "simulate", "-c", "f.lua", "--load", "l.csv", "--spot", "s.csv", NULL };
	struct sim_args a;
	char err[256];

	(void)state;
	assert_int_equal(sim_cli_parse(17, table, &a, err, sizeof err), 0);
	assert_string_equal(a.od_table, "od.csv");
	assert_true(a.on_demand < 0);
	assert_string_equal(a.region, "us-east-1");
	assert_int_equal(a.service_dist, SIM_DIST_LOGNORMAL);
	assert_float_equal(a.service_sigma, 0.5, 0);
	assert_float_equal(a.interrupt_rate, 0.05, 0);
	assert_true(a.given[SIM_OPT_OD] && a.given[SIM_OPT_RATE] && !a.given[SIM_OPT_SEED]);
	assert_int_equal(sim_cli_check(&a, err, sizeof err), 0);

	assert_int_equal(sim_cli_parse(9, price, &a, err, sizeof err), 0);
	assert_float_equal(a.on_demand, 0.5, 0);
	assert_null(a.od_table);
	assert_float_equal(a.interrupt_rate, 0, 0);
	assert_float_equal(a.service_sigma, 1, 0);

	assert_int_equal(sim_cli_parse(7, none, &a, err, sizeof err), 0);
	assert_int_equal(sim_cli_check(&a, err, sizeof err), -EINVAL);
	assert_string_equal(err, "--on-demand: no on-demand price or table given (nor on_demand "
			    "in the farm's simulate table)");
	/* What the farm's table sets goes through the same checks. */
	assert_int_equal(sim_cli_set(&a, SIM_OPT_SIGMA, "-1", err, sizeof err), -EINVAL);
	assert_string_equal(err, "\"-1\" is not a number from 0 to 5");
	assert_int_equal(sim_cli_set(&a, SIM_OPT_OD, "0.478", err, sizeof err), 0);
	assert_float_equal(a.on_demand, 0.478, 0);
	assert_int_equal(sim_cli_check(&a, err, sizeof err), 0);
}

struct farm_seen {
	char text[1024];
	int calls;
	const char *refuse; /* a reason to refuse with, or NULL */
};

static int farm_collect(void *arg, const struct scaled_farm_entry *v, size_t n, char *err,
			size_t errlen)
{
	struct farm_seen *s = arg;
	size_t i;

	s->calls++;
	for (i = 0; i < n; i++)
		snprintf(s->text + strlen(s->text), sizeof s->text - strlen(s->text), "%s=%s;",
			 v[i].key, v[i].value);
	if (s->refuse) {
		snprintf(err, errlen, "%s", s->refuse);
		return -EINVAL;
	}
	return 0;
}

/* The core reads a farm's simulate table (scaled_farm_simulate_table)
 * without making the farm: the plugin named is not there, and nothing
 * complains; the table comes flattened and sorted by key. */
static void test_farm_table(void **state)
{
	struct farm_seen seen = { .calls = 0 };
	char path[512], *msg = NULL;

	(void)state;
	put(path, sizeof path, "farm.lua",
	    "plugin \"no_such_plugin\"\n"
	    "target \"asg\" { kind = \"no.such_kind\", bogus = 1 }\n"
	    "group \"g\" { target = \"asg\", min = 0, max = 1, policy = function() end }\n"
	    "simulate {\n"
	    "  on_demand = 0.5, seed = 7, quiet = true,\n"
	    "  map = { spot = \"spot\", asg = { kind = \"capacity\", rate = 2 } },\n"
	    "}\n");
	assert_int_equal(scaled_farm_simulate_table(NULL, path, farm_collect, &seen, &msg), 0);
	assert_null(msg);
	assert_int_equal(seen.calls, 1);
	assert_string_equal(seen.text, "map.asg.kind=capacity;map.asg.rate=2;map.spot=spot;"
			    "on_demand=0.5;quiet=true;seed=7;");
	/* The callback's refusal names the file and the table's line. */
	memset(&seen, 0, sizeof seen);
	seen.refuse = "no good";
	assert_int_equal(scaled_farm_simulate_table(NULL, path, farm_collect, &seen, &msg), -EINVAL);
	assert_non_null(strstr(msg, "farm.lua:4: simulate: no good"));
	free(msg);
	msg = NULL;
	/* No table: no call. A list is not a table of names. */
	put(path, sizeof path, "farm.lua", "plugin \"x\"\n");
	memset(&seen, 0, sizeof seen);
	assert_int_equal(scaled_farm_simulate_table(NULL, path, farm_collect, &seen, &msg), 0);
	assert_int_equal(seen.calls, 0);
	put(path, sizeof path, "farm.lua", "\nsimulate { 'capacity' }\n");
	assert_int_equal(scaled_farm_simulate_table(NULL, path, farm_collect, &seen, &msg), -EINVAL);
	assert_non_null(strstr(msg, "farm.lua:2: simulate: a number key (keys are names)"));
	free(msg);
	msg = NULL;
	put(path, sizeof path, "farm.lua", "simulate { map = { { 'x' } } }\n");
	assert_int_equal(scaled_farm_simulate_table(NULL, path, farm_collect, &seen, &msg), -EINVAL);
	assert_non_null(strstr(msg, "farm.lua:1: simulate: a number key in \"map\" (keys are names)"));
	free(msg);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_draw_means),
		cmocka_unit_test(test_world_rate),
		cmocka_unit_test(test_world_random_interrupt),
		cmocka_unit_test(test_ondemand_table),
		cmocka_unit_test(test_region),
		cmocka_unit_test(test_load_gaps),
		cmocka_unit_test(test_cli_inputs),
		cmocka_unit_test(test_farm_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
