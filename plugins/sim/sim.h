/*
 * sim.h - what the sim plugin's files share (hidden; only
 * scaled_plugin_entry is exported).
 *
 *   sim.c          the descriptor, and the source kind "wave"
 *   sim_host.c     the host table, kept by init
 *   sim_target.c   the target kind "sim": keys, create, poll, apply, the
 *                  price it watches, its timer, what it reports and publishes
 *   sim_market.c   the units of a sim target per market (spot, on-demand):
 *                  launches, boots, retirements, notices, interruptions;
 *                  pure (no host calls), driven by the time it is given
 */
#ifndef SIM_H
#define SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scaled/plugin.h"

/* The host table handed to init (sim_host.c), and init, which keeps it. */
extern const struct scaled_host *sim_host;
int sim_init(const struct scaled_host *h, char *err, size_t errlen);

extern const struct scaled_kind sim_target_kind;

/* ------------------------------------------------------------ markets -- */

enum sim_mkt { SIM_SPOT, SIM_OD, SIM_MARKETS };

/* Units that share a time: booting units that come up at `at_ms` (-1: a
 * spot launch not fulfilled, waiting for the price), or running spot units
 * under notice, removed at `at_ms`. */
struct sim_batch {
	int64_t at_ms;
	int n;
};

/* A FIFO of batches, oldest first (times never decrease along it). */
struct sim_queue {
	struct sim_batch *v;
	size_t len, cap;
	int units; /* the sum of v[].n */
};

/* One sim target's units. Everything is counted in units; times are the
 * engine's (ms), handed in by the caller. */
struct sim_market {
	int running[SIM_MARKETS];
	struct sim_queue boot[SIM_MARKETS]; /* booting, in launch order */
	struct sim_queue notice;            /* running spot units under notice */
	int64_t delay_ms[SIM_MARKETS];      /* boot time per market */
	int64_t notice_ms;                  /* from notice to interruption */
	int desired;                        /* D, the total asked for */
	int base, percent;                  /* the mix */
	int floor;          /* running units no retirement goes below:
			       min(D, running at the last want) */
	bool price_high;    /* spot launches are not fulfilled */
	int64_t interruptions; /* spot units interrupted, since create */
};

/* What one call changed, for the caller to publish. */
struct sim_events {
	int noticed;     /* spot units that got a notice */
	int interrupted; /* spot units removed by a notice running out */
};

/* start units running, split by the mix; nothing booting. */
void sim_market_init(struct sim_market *m, int start, int base, int percent,
		     int64_t spot_delay_ms, int64_t od_delay_ms, int64_t notice_ms);
void sim_market_free(struct sim_market *m);

/* The units of D each market should hold under the mix. */
int sim_market_target(const struct sim_market *m, enum sim_mkt k);

/* Ask for D units under the mix base/percent (-1: keep the current one):
 * launch what a market lacks, cancel its surplus booting units, retire its
 * surplus running ones while the total running stays at least min(D,
 * running now). Then settle at now. Returns 0 or -ENOMEM (the market is
 * then left as consistent as it got: the next settle tries again). */
int sim_market_want(struct sim_market *m, int64_t now, int desired, int base, int percent,
		    struct sim_events *ev);

/* Run everything due at or before now, in time order: notices that run
 * out (interruptions), boots that complete; after each, launch, cancel and
 * retire as sim_market_want does. 0 or -ENOMEM. */
int sim_market_settle(struct sim_market *m, int64_t now, struct sim_events *ev);

/* The spot price is above the maximum (high) or not, as seen at now. Going
 * high: spot launches and booting spot units wait unfulfilled; while high,
 * every running spot unit without a notice gets one (removed notice_ms
 * later). Going low: the waiting units boot, up at now + spot delay. Then
 * settles. 0 or -ENOMEM. */
int sim_market_price(struct sim_market *m, int64_t now, bool high, struct sim_events *ev);

/* The earliest time something is due (a boot, an interruption), or -1. */
int64_t sim_market_next(const struct sim_market *m);

/* Units running in all markets, booting in all markets. */
int sim_market_current(const struct sim_market *m);
int sim_market_starting(const struct sim_market *m);

#endif
