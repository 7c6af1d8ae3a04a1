/*
 * ec2_plan.h - which instances the aws.ec2 target starts or stops to hold
 * a count (docs/aws.ec2.md). No I/O and no AWS here: a set of
 * instances in, a plan out, so that the rule is tested on its own.
 *
 * The rule: instances running or pending count as up. Above the count,
 * running instances are stopped, the most recently launched first
 * (LaunchTime: AWS sets it at every start, so "most recently started"),
 * never one marked busy, never a pending one (it is not running yet).
 * Below it, stopped instances are started, the least recently launched
 * first: the reverse order. Ties go by `order` (the place in the farm's
 * instance_ids; 0 for all with a tag filter), then by id, so that the
 * plan is the same for the same set. An unknown launch time (-1) counts
 * as the oldest. Instances stopping or shutting down, and terminated
 * ones, are neither up nor startable.
 *
 * Ownership: the plan's index arrays are its own; ec2_plan_free releases
 * them (harmless on a zeroed plan). The instances are the caller's.
 */
#ifndef EC2_PLAN_H
#define EC2_PLAN_H

#include <stddef.h>
#include <stdint.h>

enum ec2_plan_state {
	EC2_STATE_PENDING,
	EC2_STATE_RUNNING,
	EC2_STATE_STOPPING, /* "stopping", "shutting-down" */
	EC2_STATE_STOPPED,
	EC2_STATE_GONE,     /* "terminated", and any state EC2 may add */
};

struct ec2_plan_instance {
	const char *id;
	enum ec2_plan_state state;
	int64_t launch_ms; /* -1: unknown */
	int busy;          /* carries the protect tag */
	size_t order;
};

struct ec2_plan {
	int running, pending, stopping, stopped; /* counts of the set */
	int want;        /* the count planned for */
	size_t *start;   /* indexes of the instances to start, in order */
	size_t n_start;
	size_t *stop;    /* indexes of the instances to stop, in order */
	size_t n_stop;
	int short_by;    /* how many the plan cannot start or stop now */
	size_t *busy;    /* running instances kept because they are busy, that
			  * the rule would have stopped otherwise */
	size_t n_busy;
	int pending_kept; /* pending instances that the count would have stopped */
};

/* "running" ... into its state; anything unknown is EC2_STATE_GONE. */
enum ec2_plan_state ec2_plan_state_of(const char *name);

/* Plan to hold want (>= 0) instances up among v[0..n). 0, or -ENOMEM /
 * -EINVAL (a NULL with n > 0, want < 0), then *out zeroed. */
int ec2_plan_make(const struct ec2_plan_instance *v, size_t n, int want, struct ec2_plan *out);
void ec2_plan_free(struct ec2_plan *p);

/* The plan in words for logs and apply_done, into buf (always
 * terminated; at most EC2_PLAN_IDS ids of a list, then "and N more"),
 * what cannot be done first (a decision's record keeps the first 160
 * bytes): "6 up (6 running, 0 pending), want 0; 1 above the count until
 * the busy ones are free; kept busy (tag 'scaled:busy'): i-9; stop 5:
 * i-8, i-7, ..." or "...; 2 short: no stopped instance left to start (1
 * stopping); start 3: ...". protect names the busy tag. */
#define EC2_PLAN_IDS 10
void ec2_plan_text(const struct ec2_plan *p, const struct ec2_plan_instance *v,
		   const char *protect, char *buf, size_t len);

#endif
