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
	fputs("usage: scaled simulate -c FARM.lua --load TRACE.csv --spot PRICES.csv --on-demand PRICE\n"
	      "                       --map NAME=KIND[,key=value...] ... [options]\n"
	      "\n"
	      "Replays a load trace and a spot price history through the farm on the virtual\n"
	      "clock, and reports cost, queue wait and every decision (docs/simulate.md).\n"
	      "\n"
	      "  -c, --config FILE       the farm, as it runs in production\n"
	      "      --load FILE         arrivals per bin, \"timestamp,count\"\n"
	      "      --load-scale K      multiply every count by K (default 1)\n"
	      "      --spot FILE         spot price history (timestamp_iso8601,...,price_usd);\n"
	      "                          its first row is aligned with the start of the span\n"
	      "      --spot-type T, --spot-zone Z, --spot-product P\n"
	      "                          keep only that pool's rows of --spot\n"
	      "      --on-demand PRICE   the on-demand price per instance-hour\n"
	      "      --map NAME=KIND[,key=value...]\n"
	      "                          simulate the farm's source or target NAME as KIND:\n"
	      "                          capacity (targets), queue, cpu, spot, on_demand (sources)\n"
	      "      --service-time D    a job's service time (default 60s; the mean if exponential)\n"
	      "      --service-dist X    fixed (default) or exponential\n"
	      "      --from T, --to T    the span (ISO 8601, as the trace writes it); default:\n"
	      "                          the load trace's first row to its last bin's end\n"
	      "      --seed N            the random seed (default 1)\n"
	      "      --out DIR           where the report goes (default sim-out)\n"
	      "      --plugin-dir DIR    look for plugins in DIR first\n"
	      "      --decisions X       which decisions go to decisions.jsonl: all (default),\n"
	      "                          acted (those that changed something), none\n"
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

#define SIM_CLI_FAIL(...) (snprintf(err, errlen, __VA_ARGS__), -EINVAL)

int sim_cli_parse(int argc, char **argv, struct sim_args *a, char *err, size_t errlen)
{
	enum { O_LOAD = 256, O_SCALE, O_SPOT, O_TYPE, O_ZONE, O_PRODUCT, O_OD, O_MAP, O_SERVICE,
	       O_DIST, O_FROM, O_TO, O_SEED, O_OUT, O_PDIR, O_QUIET, O_DECISIONS };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "load", required_argument, NULL, O_LOAD },
		{ "load-scale", required_argument, NULL, O_SCALE },
		{ "spot", required_argument, NULL, O_SPOT },
		{ "spot-type", required_argument, NULL, O_TYPE },
		{ "spot-zone", required_argument, NULL, O_ZONE },
		{ "spot-product", required_argument, NULL, O_PRODUCT },
		{ "on-demand", required_argument, NULL, O_OD },
		{ "map", required_argument, NULL, O_MAP },
		{ "service-time", required_argument, NULL, O_SERVICE },
		{ "service-dist", required_argument, NULL, O_DIST },
		{ "from", required_argument, NULL, O_FROM },
		{ "to", required_argument, NULL, O_TO },
		{ "seed", required_argument, NULL, O_SEED },
		{ "out", required_argument, NULL, O_OUT },
		{ "plugin-dir", required_argument, NULL, O_PDIR },
		{ "quiet", no_argument, NULL, O_QUIET },
		{ "decisions", required_argument, NULL, O_DECISIONS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char why[128];
	char *end;
	int c;

	memset(a, 0, sizeof *a);
	a->load_scale = 1;
	a->on_demand = -1;
	a->from_ms = a->to_ms = -1;
	a->seed = 1;
	a->service_ms = 60000;
	a->out = "sim-out";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': a->farm = optarg; break;
		case O_LOAD: a->load = optarg; break;
		case O_SPOT: a->spot = optarg; break;
		case O_TYPE: a->spot_type = optarg; break;
		case O_ZONE: a->spot_zone = optarg; break;
		case O_PRODUCT: a->spot_product = optarg; break;
		case O_OUT: a->out = optarg; break;
		case O_PDIR: a->plugin_dir = optarg; break;
		case O_QUIET: a->quiet = true; break;
		case O_SCALE:
			if (sim_cli_number(optarg, 0, 1e6, &a->load_scale) < 0)
				return SIM_CLI_FAIL("--load-scale: \"%s\" is not a number from 0 to 1000000", optarg);
			break;
		case O_OD:
			if (sim_cli_number(optarg, 0, 1e6, &a->on_demand) < 0)
				return SIM_CLI_FAIL("--on-demand: \"%s\" is not a price (a number from 0 to 1000000, per hour)", optarg);
			break;
		case O_MAP:
			if (a->n_maps == SIM_CLI_MAX_MAPS)
				return SIM_CLI_FAIL("--map: more than %d", SIM_CLI_MAX_MAPS);
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return SIM_CLI_FAIL("--map: \"%s\" is not NAME=KIND[,key=value...]", optarg);
			a->maps[a->n_maps++] = optarg;
			break;
		case O_SERVICE:
			if (sim_cli_duration(optarg, &a->service_ms) < 0 || a->service_ms <= 0)
				return SIM_CLI_FAIL("--service-time: \"%s\" is not a duration above 0 (\"250ms\", \"30s\", \"5m\")", optarg);
			break;
		case O_DIST:
			if (strcmp(optarg, "fixed") == 0)
				a->service_exp = false;
			else if (strcmp(optarg, "exponential") == 0)
				a->service_exp = true;
			else
				return SIM_CLI_FAIL("--service-dist: \"%s\" is neither fixed nor exponential", optarg);
			break;
		case O_FROM:
		case O_TO:
			if (replay_field_time(optarg, strlen(optarg), c == O_FROM ? &a->from_ms : &a->to_ms,
					      why, sizeof why) < 0)
				return SIM_CLI_FAIL("%s: %s", c == O_FROM ? "--from" : "--to", why);
			break;
		case O_SEED:
			errno = 0;
			a->seed = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-')
				return SIM_CLI_FAIL("--seed: \"%s\" is not a whole number from 0", optarg);
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
		case 'h':
			sim_cli_usage(stdout);
			return 1;
		case ':':
			return SIM_CLI_FAIL("%s: needs a value", argv[optind - 1]);
		default:
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
	if (a->on_demand < 0)
		return SIM_CLI_FAIL("--on-demand: no on-demand price given (the on-demand table is not read yet)");
	if (a->from_ms >= 0 && a->to_ms >= 0 && a->to_ms <= a->from_ms)
		return SIM_CLI_FAIL("--to: not after --from");
	return 0;
}
