/*
 * main.c - the scaled command line.
 *
 * Exit codes: 0 ok, 2 configuration error (bad flags, bad farm), 1 runtime
 * failure.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "alloc.h"
#include "log.h"
#include "scaled/scaled.h"
#include "simulate.h"

static void usage(FILE *f)
{
	fputs("usage: scaled -c FARM.lua [options]\n"
	      "       scaled simulate -c FARM.lua --load TRACE --spot PRICES ... (--help)\n"
	      "\n"
	      "  -c, --config FILE     the farm to run\n"
	      "      --check           load and validate everything, print a summary, exit\n"
	      "      --dry-run         decide and record, never act\n"
	      "      --once            one tick of every group, print every group's decision\n"
	      "                        (quiet ones too) without acting, exit\n"
	      "      --apply           with --once: act on the decisions too\n"
	      "      --plugin-dir DIR  look for plugins in DIR first (repeatable)\n"
	      "      --decision-log F  append every decision to F as JSON lines\n"
	      "      --log-level L     error, warn, info (default) or debug\n"
	      "  -V, --version         print the version\n"
	      "  -h, --help            this text\n"
	      "\n"
	      "Exit status: 0 ok, 2 configuration error, 1 runtime failure.\n"
	      "Docs: docs/farm.md (the farm file), docs/plugins.md, docs/policies.md.\n",
	      f);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	LOG_INFO("signal %d: stopping", (int)sig);
	scaled_engine_stop(arg);
}

static void print_decision(void *arg, const struct scaled_decision *d)
{
	char *json;

	(void)arg;
	if (d->outcome == SCALED_OUTCOME_PENDING)
		return;
	json = scaled_decision_json(d);
	if (json) {
		printf("%s\n", json);
		free(json);
	}
}

/* SIGHUP would end the daemon without cleanup (and orphan its workers);
 * until reload exists it is said and ignored. */
static void on_sighup(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	LOG_WARN("SIGHUP: reload is not supported yet; restart scaled to load a changed farm");
}

static int run_loop(struct scaled_engine *e)
{
	struct event_base *base = event_base_new();
	struct event *sigint = NULL, *sigterm = NULL, *sighup = NULL;
	int rc = -ENOMEM;

	if (!base)
		goto out;
	sigint = evsignal_new(base, SIGINT, on_signal, e);
	sigterm = evsignal_new(base, SIGTERM, on_signal, e);
	sighup = evsignal_new(base, SIGHUP, on_sighup, e);
	if (!sigint || !sigterm || !sighup || evsignal_add(sigint, NULL) < 0 ||
	    evsignal_add(sigterm, NULL) < 0 || evsignal_add(sighup, NULL) < 0)
		goto out;
	rc = scaled_engine_run(e, base);
out:
	if (sigint)
		event_free(sigint);
	if (sigterm)
		event_free(sigterm);
	if (sighup)
		event_free(sighup);
	if (base)
		event_base_free(base);
	return rc;
}

int main(int argc, char **argv)
{
	enum { OPT_CHECK = 256, OPT_DRY_RUN, OPT_ONCE, OPT_APPLY, OPT_PLUGIN_DIR, OPT_LOG_LEVEL,
	       OPT_DLOG };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "once", no_argument, NULL, OPT_ONCE },
		{ "apply", no_argument, NULL, OPT_APPLY },
		{ "plugin-dir", required_argument, NULL, OPT_PLUGIN_DIR },
		{ "decision-log", required_argument, NULL, OPT_DLOG },
		{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct scaled_options opts;
	struct scaled_engine *e = NULL;
	const char *config = NULL;
	char *plugin_dirs = NULL, *err = NULL, *summary = NULL;
	int check = 0, once = 0, apply = 0, c, rc, status = 0;

	/* scaled simulate ... has a command line of its own (simulate/). */
	if (argc > 1 && strcmp(argv[1], "simulate") == 0)
		return simulate_main(argc - 1, argv + 1);
	scaled_options_init(&opts);
	while ((c = getopt_long(argc, argv, "c:Vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case OPT_CHECK:
			check = 1;
			break;
		case OPT_DRY_RUN:
			opts.dry_run = 1;
			break;
		case OPT_ONCE:
			once = 1;
			break;
		case OPT_APPLY:
			apply = 1;
			break;
		case OPT_PLUGIN_DIR: {
			char *joined = plugin_dirs ? alloc_printf("%s:%s", plugin_dirs, optarg)
						   : alloc_strdup(optarg);

			alloc_free(plugin_dirs);
			plugin_dirs = joined;
			break;
		}
		case OPT_DLOG:
			opts.decision_log = optarg;
			break;
		case OPT_LOG_LEVEL:
			opts.log_level = log_level_parse(optarg);
			if (opts.log_level < 0) {
				fprintf(stderr, "scaled: --log-level: unknown level \"%s\" "
					"(error, warn, info, debug)\n", optarg);
				return SCALED_EXIT_CONFIG;
			}
			break;
		case 'V':
			printf("scaled %s (plugin ABI %d.%d)\n", SCALED_VERSION,
			       SCALED_PLUGIN_ABI_MAJOR, SCALED_PLUGIN_ABI_MINOR);
			return SCALED_EXIT_OK;
		case 'h':
			usage(stdout);
			return SCALED_EXIT_OK;
		default:
			usage(stderr);
			return SCALED_EXIT_CONFIG;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "scaled: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return SCALED_EXIT_CONFIG;
	}
	if (!config) {
		fprintf(stderr, "scaled: no farm given (-c FARM.lua)\n");
		usage(stderr);
		return SCALED_EXIT_CONFIG;
	}
	if (apply && !once) {
		fprintf(stderr, "scaled: --apply goes with --once (a running daemon always acts; "
			"--dry-run keeps it from acting)\n");
		usage(stderr);
		return SCALED_EXIT_CONFIG;
	}
	/* --once is a preview: decide, record, never act, unless --apply. */
	if (once && !apply)
		opts.dry_run = 1;
	signal(SIGPIPE, SIG_IGN);
	opts.plugin_path = plugin_dirs;
	/* main's own lines (outside the engine) at the engine's level. */
	log_set_level(opts.log_level);

	rc = scaled_engine_new(&opts, &e, &err);
	if (rc < 0) {
		fprintf(stderr, "scaled: %s\n", err ? err : strerror(-rc));
		status = SCALED_EXIT_RUNTIME;
		goto out;
	}
	rc = scaled_engine_load_file(e, config, &err);
	if (rc < 0) {
		fprintf(stderr, "scaled: %s\n", err ? err : strerror(-rc));
		status = rc == -ENOMEM ? SCALED_EXIT_RUNTIME : SCALED_EXIT_CONFIG;
		goto out;
	}
	if (check) {
		if (scaled_engine_describe(e, &summary) == 0)
			fputs(summary, stdout);
		printf("ok\n");
		goto out;
	}
	if (once) {
		scaled_engine_on_decision(e, print_decision, NULL);
		rc = scaled_engine_tick_all(e);
		status = rc < 0 ? SCALED_EXIT_RUNTIME : SCALED_EXIT_OK;
		goto out;
	}
	LOG_INFO("scaled %s running %s", SCALED_VERSION, config);
	rc = run_loop(e);
	if (rc < 0) {
		fprintf(stderr, "scaled: %s\n", strerror(-rc));
		status = SCALED_EXIT_RUNTIME;
	}
	LOG_INFO("stopped");
out:
	free(summary);
	free(err);
	scaled_engine_free(e);
	alloc_free(plugin_dirs);
	return status;
}
