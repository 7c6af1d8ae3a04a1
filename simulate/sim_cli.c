/*
 * sim_cli.c - `scaled simulate`'s own option parser: every flag checked
 * here, each refusal naming the flag and why (the files are read later,
 * by sim_run.c, and refused naming file:line).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"
#include "sim_cli.h"

void sim_cli_usage(FILE *f)
{
	fputs("usage: scaled simulate -c FARM.lua --load TRACE.csv --spot PRICES.csv\n"
	      "                       --on-demand PRICE|TABLE.csv --map NAME=KIND[,key=value...] ...\n"
	      "                       [options]\n"
	      "\n"
	      "Replays a load trace and a spot price history through the farm on the virtual\n"
	      "clock, and reports cost, queue wait and every decision (docs/simulate.md).\n"
	      "The farm's simulate { ... } table gives defaults for the map and the starred\n"
	      "options; the flags win.\n"
	      "\n"
	      "  -c, --config FILE       the farm, as it runs in production\n"
	      "      --load FILE         arrivals per bin, \"timestamp,count\", no gaps\n"
	      "    * --load-scale K      multiply every count by K (default 1)\n"
	      "      --spot FILE         spot price history (timestamp_iso8601,...,price_usd);\n"
	      "                          its first row is aligned with the start of the span\n"
	      "      --spot-type T, --spot-zone Z, --spot-product P\n"
	      "                          keep only that pool's rows of --spot\n"
	      "    * --on-demand X       the on-demand price per instance-hour, or a table\n"
	      "                          \"region,instance_type,ondemand_usd_per_hour\"\n"
	      "    * --region R          the table's region (default: the spot zone's)\n"
	      "    * --instance-type T   the table's instance type (default: the spot rows')\n"
	      "      --map NAME=KIND[,key=value...]\n"
	      "                          simulate the farm's source or target NAME as KIND:\n"
	      "                          capacity (targets), queue, cpu, spot, on_demand (sources)\n"
	      "    * --service-time D    a job's service time (default 60s; the mean if random)\n"
	      "    * --service-dist X    fixed (default), exponential or lognormal\n"
	      "    * --service-sigma S   lognormal: the sigma of the log (default 1)\n"
	      "    * --interrupt-rate R  random spot interruptions per instance-hour (default 0)\n"
	      "    * --slo D             the queue-wait SLO (default 5m): minutes over it, the\n"
	      "                          lower bound's deadline (arrival + SLO + work)\n"
	      "      --baselines         run the seed policies (cpu_80_20, sqs_step) on the same\n"
	      "                          world too, each in place of every group's policy\n"
	      "      --from T, --to T    the span (ISO 8601, as the trace writes it); default:\n"
	      "                          the load trace's first row to its last bin's end\n"
	      "    * --seed N            the random seed (default 1)\n"
	      "      --out DIR           where the report goes (default sim-out)\n"
	      "      --plugin-dir DIR    look for plugins in DIR first\n"
	      "      --decisions X       which decisions go to decisions.jsonl: all (default),\n"
	      "                          acted (those that changed something), none\n"
	      "      --series-every D    series.csv's sample interval (default: the smallest\n"
	      "                          group every; 1m when that gives over 100000 rows)\n"
	      "      --no-chart          no chart.png (drawn by gnuplot from series.csv)\n"
	      "      --quiet             no progress lines on stderr\n"
	      "  -h, --help              this text\n"
	      "\n"
	      "Exit status: 0 ok, 2 bad flags, files or farm, 1 runtime failure.\n",
	      f);
}

int sim_cli_duration(const char *s, int64_t *ms)
{
	static const struct { const char *unit; double ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "d", 86400000 },
		{ "", 1000 },
	};
	char *end;
	double v;
	size_t i;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !(v >= 0) || v > 1e12)
		return -EINVAL;
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(end, units[i].unit) == 0) {
			if (v * units[i].ms > 1e15) /* ~31 700 years: llround stays defined */
				return -EINVAL;
			*ms = (int64_t)llround(v * units[i].ms);
			return 0;
		}
	}
	return -EINVAL;
}

static int sim_cli_number(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

#define SIM_CLI_WHY(...) (snprintf(why, whylen, __VA_ARGS__), -EINVAL)

int sim_cli_set(struct sim_args *a, enum sim_opt opt, const char *value, char *why,
		size_t whylen)
{
	char *end;

	switch (opt) {
	case SIM_OPT_SCALE:
		if (sim_cli_number(value, 0, 1e6, &a->load_scale) < 0)
			return SIM_CLI_WHY("\"%s\" is not a number from 0 to 1000000", value);
		break;
	case SIM_OPT_OD:
		/* A number is a price; anything else names the table. */
		(void)strtod(value, &end);
		if (end != value && !*end) {
			if (sim_cli_number(value, 0, 1e6, &a->on_demand) < 0)
				return SIM_CLI_WHY("\"%s\" is not a price (a number from 0 to 1000000, "
						   "per hour)", value);
			a->od_table = NULL;
		} else if (!*value) {
			return SIM_CLI_WHY("empty: a price or the path of a price table");
		} else {
			a->od_table = value;
			a->on_demand = -1;
		}
		break;
	case SIM_OPT_REGION:
	case SIM_OPT_TYPE:
		if (!*value)
			return SIM_CLI_WHY("empty");
		*(opt == SIM_OPT_REGION ? &a->region : &a->instance_type) = value;
		break;
	case SIM_OPT_SERVICE:
		if (sim_cli_duration(value, &a->service_ms) < 0 || a->service_ms <= 0)
			return SIM_CLI_WHY("\"%s\" is not a duration above 0 (\"250ms\", \"30s\", "
					   "\"5m\")", value);
		break;
	case SIM_OPT_DIST:
		if (strcmp(value, "fixed") == 0)
			a->service_dist = SIM_DIST_FIXED;
		else if (strcmp(value, "exponential") == 0)
			a->service_dist = SIM_DIST_EXP;
		else if (strcmp(value, "lognormal") == 0)
			a->service_dist = SIM_DIST_LOGNORMAL;
		else
			return SIM_CLI_WHY("\"%s\" is not fixed, exponential or lognormal", value);
		break;
	case SIM_OPT_SIGMA:
		/* Past 5 the mean rests on draws rarer than one in a million. */
		if (sim_cli_number(value, 0, 5, &a->service_sigma) < 0)
			return SIM_CLI_WHY("\"%s\" is not a number from 0 to 5", value);
		break;
	case SIM_OPT_RATE:
		if (sim_cli_number(value, 0, 3600, &a->interrupt_rate) < 0)
			return SIM_CLI_WHY("\"%s\" is not a rate per instance-hour from 0 to 3600",
					   value);
		break;
	case SIM_OPT_SEED:
		errno = 0;
		a->seed = strtoull(value, &end, 10);
		if (errno || end == value || *end || value[0] == '-')
			return SIM_CLI_WHY("\"%s\" is not a whole number from 0", value);
		break;
	case SIM_OPT_SLO:
		if (sim_cli_duration(value, &a->slo_ms) < 0)
			return SIM_CLI_WHY("\"%s\" is not a duration from 0 (\"30s\", \"5m\", \"1h\")",
					   value);
		break;
	case SIM_OPT_N:
		return SIM_CLI_WHY("no such option");
	}
	return 0;
}

#define SIM_CLI_FAIL(...) (snprintf(err, errlen, __VA_ARGS__), -EINVAL)

/* Flags past sim_cli_parse's first list (kept apart, so that lists grown
 * at once in two branches merge). */
enum { O_BASELINES = 450 };

int sim_cli_parse(int argc, char **argv, struct sim_args *a, char *err, size_t errlen)
{
	enum { O_LOAD = 256, O_SPOT, O_ZONE, O_PRODUCT, O_MAP, O_FROM, O_TO, O_OUT, O_PDIR,
	       O_QUIET, O_DECISIONS, O_SPOT_TYPE, O_SET = 512 };
	enum { O_SERIES_EVERY = 400, O_NO_CHART };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "load", required_argument, NULL, O_LOAD },
		{ "load-scale", required_argument, NULL, O_SET + SIM_OPT_SCALE },
		{ "spot", required_argument, NULL, O_SPOT },
		{ "spot-type", required_argument, NULL, O_SPOT_TYPE },
		{ "spot-zone", required_argument, NULL, O_ZONE },
		{ "spot-product", required_argument, NULL, O_PRODUCT },
		{ "on-demand", required_argument, NULL, O_SET + SIM_OPT_OD },
		{ "region", required_argument, NULL, O_SET + SIM_OPT_REGION },
		{ "instance-type", required_argument, NULL, O_SET + SIM_OPT_TYPE },
		{ "map", required_argument, NULL, O_MAP },
		{ "service-time", required_argument, NULL, O_SET + SIM_OPT_SERVICE },
		{ "service-dist", required_argument, NULL, O_SET + SIM_OPT_DIST },
		{ "service-sigma", required_argument, NULL, O_SET + SIM_OPT_SIGMA },
		{ "interrupt-rate", required_argument, NULL, O_SET + SIM_OPT_RATE },
		{ "from", required_argument, NULL, O_FROM },
		{ "to", required_argument, NULL, O_TO },
		{ "seed", required_argument, NULL, O_SET + SIM_OPT_SEED },
		{ "slo", required_argument, NULL, O_SET + SIM_OPT_SLO },
		{ "baselines", no_argument, NULL, O_BASELINES },
		{ "out", required_argument, NULL, O_OUT },
		{ "plugin-dir", required_argument, NULL, O_PDIR },
		{ "quiet", no_argument, NULL, O_QUIET },
		{ "decisions", required_argument, NULL, O_DECISIONS },
		{ "series-every", required_argument, NULL, O_SERIES_EVERY },
		{ "no-chart", no_argument, NULL, O_NO_CHART },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char why[256];
	int c, idx;

	memset(a, 0, sizeof *a);
	a->load_scale = 1;
	a->on_demand = -1;
	a->from_ms = a->to_ms = -1;
	a->seed = 1;
	a->service_ms = 60000;
	a->service_sigma = 1;
	a->slo_ms = 5 * 60000;
	a->out = "sim-out";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:h", longopts, &idx)) != -1) {
		if (c >= O_SET && c < O_SET + SIM_OPT_N) {
			if (sim_cli_set(a, (enum sim_opt)(c - O_SET), optarg, why, sizeof why) < 0)
				return SIM_CLI_FAIL("--%s: %s", longopts[idx].name, why);
			a->given[c - O_SET] = true;
			continue;
		}
		switch (c) {
		case 'c': a->farm = optarg; break;
		case O_LOAD: a->load = optarg; break;
		case O_SPOT: a->spot = optarg; break;
		case O_SPOT_TYPE: a->spot_type = optarg; break;
		case O_ZONE: a->spot_zone = optarg; break;
		case O_PRODUCT: a->spot_product = optarg; break;
		case O_OUT: a->out = optarg; break;
		case O_PDIR: a->plugin_dir = optarg; break;
		case O_QUIET: a->quiet = true; break;
		case O_BASELINES: a->baselines = true; break;
		case O_MAP:
			if (a->n_maps == SIM_CLI_MAX_MAPS)
				return SIM_CLI_FAIL("--map: more than %d", SIM_CLI_MAX_MAPS);
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return SIM_CLI_FAIL("--map: \"%s\" is not NAME=KIND[,key=value...]", optarg);
			a->maps[a->n_maps++] = optarg;
			break;
		case O_FROM:
		case O_TO:
			if (replay_field_time(optarg, strlen(optarg), c == O_FROM ? &a->from_ms : &a->to_ms,
					      why, sizeof why) < 0)
				return SIM_CLI_FAIL("%s: %s", c == O_FROM ? "--from" : "--to", why);
			break;
		case O_DECISIONS:
			if (strcmp(optarg, "all") == 0)
				a->decisions = SIM_DECISIONS_ALL;
			else if (strcmp(optarg, "acted") == 0)
				a->decisions = SIM_DECISIONS_ACTED;
			else if (strcmp(optarg, "none") == 0)
				a->decisions = SIM_DECISIONS_NONE;
			else
				return SIM_CLI_FAIL("--decisions: \"%s\" is not all, acted or none", optarg);
			break;
		case O_SERIES_EVERY:
			/* series.csv's time column has whole seconds */
			if (sim_cli_duration(optarg, &a->series_every_ms) < 0 ||
			    a->series_every_ms < 1000 || a->series_every_ms % 1000)
				return SIM_CLI_FAIL("--series-every: \"%s\" is not a whole number of "
						    "seconds from 1s (\"10s\", \"1m\", \"1h\")", optarg);
			break;
		case O_NO_CHART: a->no_chart = true; break;
		case 'h':
			sim_cli_usage(stdout);
			return 1;
		case ':':
			return SIM_CLI_FAIL("%s: needs a value", argv[optind - 1]);
		default:
			/* --quiet=x: a flag that takes no value, given one */
			for (idx = 0; longopts[idx].name; idx++)
				if (optopt && longopts[idx].val == optopt &&
				    longopts[idx].has_arg == no_argument)
					return SIM_CLI_FAIL("--%s: takes no value (\"%s\")",
							    longopts[idx].name, argv[optind - 1]);
			return SIM_CLI_FAIL("%s: unknown flag (scaled simulate --help lists them)",
					    argv[optind - 1]);
		}
	}
	if (optind < argc)
		return SIM_CLI_FAIL("unexpected argument \"%s\"", argv[optind]);
	if (!a->farm)
		return SIM_CLI_FAIL("-c: no farm given (-c FARM.lua)");
	if (!a->load)
		return SIM_CLI_FAIL("--load: no load trace given");
	if (!a->spot)
		return SIM_CLI_FAIL("--spot: no spot price history given");
	if (a->from_ms >= 0 && a->to_ms >= 0 && a->to_ms <= a->from_ms)
		return SIM_CLI_FAIL("--to: not after --from");
	return 0;
}

int sim_cli_check(const struct sim_args *a, char *err, size_t errlen)
{
	if (a->on_demand < 0 && !a->od_table)
		return SIM_CLI_FAIL("--on-demand: no on-demand price or table given (nor "
				    "on_demand in the farm's simulate table)");
	if ((a->region || a->instance_type) && !a->od_table) {
		enum sim_opt o = a->region ? SIM_OPT_REGION : SIM_OPT_TYPE;
		const char *flag = o == SIM_OPT_REGION ? "--region" : "--instance-type";
		const char *key = o == SIM_OPT_REGION ? "region" : "instance_type";

		return SIM_CLI_FAIL("%s%s: only with an on-demand table (--on-demand TABLE.csv)",
				    a->given[o] ? flag : key,
				    a->given[o] ? "" : " (the farm's simulate table)");
	}
	return 0;
}

void sim_cli_free(struct sim_args *a)
{
	size_t i;

	for (i = 0; i < a->n_own; i++)
		free(a->own[i]);
	a->n_own = 0;
}
