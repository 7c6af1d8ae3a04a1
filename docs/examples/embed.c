/*
 * embed.c - scaled inside another program, on a virtual clock.
 *
 * Loads a farm from a string (a sine-wave load, a simulated fleet and a
 * policy written inline), runs two simulated hours in a few milliseconds,
 * and prints every decision as the engine makes it.
 *
 * Built in the tree as embed_example; outside it, against an installation
 * (`cmake --install build --prefix PREFIX`; PKG_CONFIG_PATH=PREFIX/lib/pkgconfig
 * when PREFIX is not a system one):
 *
 *   cc embed.c $(pkg-config --cflags --libs libscaled) -o embed
 *   ./embed [PLUGIN_DIR]
 */
#include <stdio.h>
#include <stdlib.h>

#include <scaled/scaled.h>

static const char farm[] =
	"plugin 'sim'\n"
	"source 'load' { kind = 'wave', value = 50, amplitude = 40, period = '1h', every = '10s' }\n"
	"target 'fleet' { kind = 'sim', start = 2, delay = '30s' }\n"
	"group 'web' {\n"
	"  target = 'fleet', min = 1, max = 10, every = '30s',\n"
	"  stabilization = { down = '2m' },\n"
	"  policy = function(g, s)\n"
	"    local avg = s.load:avg(120)\n"
	"    if avg == nil then return g:hold('no data yet') end\n"
	"    local want = math.ceil(avg / 10)\n"
	"    return g:set(want, string.format('load %.1f wants %d', avg, want))\n"
	"  end,\n"
	"}\n";

static int decisions, lowest = 1 << 30, highest = -1;

static void on_decision(void *arg, const struct scaled_decision *d)
{
	(void)arg;
	if (d->outcome == SCALED_OUTCOME_PENDING)
		return;
	decisions++;
	if (d->desired < lowest)
		lowest = d->desired;
	if (d->desired > highest)
		highest = d->desired;
	printf("t=%5.0fs %s: %d -> %d (%s) %s\n", (double)d->time_ms / 1000.0, d->group,
	       d->desired_before, d->desired, scaled_outcome_name(d->outcome),
	       d->n_proposals ? d->proposals[0].reason : "");
}

int main(int argc, char **argv)
{
	struct scaled_options opts;
	struct scaled_engine *e = NULL;
	char *err = NULL;
	int status = 1;

	scaled_options_init(&opts);
	opts.virtual_clock = 1;
	opts.start_ms = 0;
	opts.log_level = SCALED_LOG_WARN; /* warnings only: the decisions are printed below */
	if (argc > 1)
		opts.plugin_path = argv[1];

	if (scaled_engine_new(&opts, &e, &err) < 0 ||
	    scaled_engine_load_string(e, "embedded-farm", farm, &err) < 0) {
		fprintf(stderr, "embed: %s\n", err ? err : "cannot start");
		goto out;
	}
	scaled_engine_on_decision(e, on_decision, NULL);
	if (scaled_engine_step(e, 2 * 3600 * 1000) < 0) {
		fprintf(stderr, "embed: step failed\n");
		goto out;
	}
	printf("%d decisions in 2 simulated hours; capacity between %d and %d\n", decisions,
	       lowest, highest);
	status = decisions > 0 ? 0 : 1;
out:
	free(err);
	scaled_engine_free(e);
	return status;
}
