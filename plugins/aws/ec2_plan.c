/*
 * ec2_plan.c - which instances aws.ec2 starts or stops (ec2_plan.h): the
 * set counted, the candidates put in start order (least recently launched
 * first) or stop order (the reverse), busy ones passed over.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec2_plan.h"

enum ec2_plan_state ec2_plan_state_of(const char *name)
{
	if (!name)
		return EC2_STATE_GONE;
	if (!strcmp(name, "running"))
		return EC2_STATE_RUNNING;
	if (!strcmp(name, "pending"))
		return EC2_STATE_PENDING;
	if (!strcmp(name, "stopping") || !strcmp(name, "shutting-down"))
		return EC2_STATE_STOPPING;
	if (!strcmp(name, "stopped"))
		return EC2_STATE_STOPPED;
	return EC2_STATE_GONE;
}

/* < 0 when a comes before b in start order (least recently launched
 * first, then order, then id). */
static int plan_cmp(const struct ec2_plan_instance *a, const struct ec2_plan_instance *b)
{
	int64_t la = a->launch_ms < 0 ? -1 : a->launch_ms, lb = b->launch_ms < 0 ? -1 : b->launch_ms;

	if (la != lb)
		return la < lb ? -1 : 1;
	if (a->order != b->order)
		return a->order < b->order ? -1 : 1;
	return strcmp(a->id ? a->id : "", b->id ? b->id : "");
}

/* The indexes of v in state st, in start order (reverse: stop order). At
 * most a few thousand: an insertion sort. */
static size_t *plan_pick(const struct ec2_plan_instance *v, size_t n, enum ec2_plan_state st,
			 int reverse, size_t *count)
{
	size_t *ix = malloc((n ? n : 1) * sizeof *ix), k = 0;

	if (!ix)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t j;

		if (v[i].state != st)
			continue;
		for (j = k; j > 0; j--) {
			int c = plan_cmp(&v[ix[j - 1]], &v[i]);

			if (reverse ? c >= 0 : c <= 0)
				break;
			ix[j] = ix[j - 1];
		}
		ix[j] = i;
		k++;
	}
	*count = k;
	return ix;
}

static int plan_fail(struct ec2_plan *out, int rc)
{
	ec2_plan_free(out);
	return rc;
}

int ec2_plan_make(const struct ec2_plan_instance *v, size_t n, int want, struct ec2_plan *out)
{
	size_t k, *cand;
	int up, need;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof *out);
	if ((!v && n) || want < 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		switch (v[i].state) {
		case EC2_STATE_RUNNING: out->running++; break;
		case EC2_STATE_PENDING: out->pending++; break;
		case EC2_STATE_STOPPING: out->stopping++; break;
		case EC2_STATE_STOPPED: out->stopped++; break;
		case EC2_STATE_GONE: break;
		}
	}
	out->want = want;
	up = out->running + out->pending;
	if (want > up) {
		need = want - up;
		if (!(out->start = plan_pick(v, n, EC2_STATE_STOPPED, 0, &k)))
			return plan_fail(out, -ENOMEM);
		out->n_start = k < (size_t)need ? k : (size_t)need;
		out->short_by = need - (int)out->n_start;
		return 0;
	}
	if (want == up)
		return 0;
	need = up - want;
	if (!(cand = plan_pick(v, n, EC2_STATE_RUNNING, 1, &k)))
		return plan_fail(out, -ENOMEM);
	out->stop = malloc((k ? k : 1) * sizeof *out->stop);
	out->busy = malloc((k ? k : 1) * sizeof *out->busy);
	if (!out->stop || !out->busy) {
		free(cand);
		return plan_fail(out, -ENOMEM);
	}
	for (size_t i = 0; i < k && need > 0; i++) {
		if (v[cand[i]].busy) {
			out->busy[out->n_busy++] = cand[i];
			continue;
		}
		out->stop[out->n_stop++] = cand[i];
		need--;
	}
	free(cand);
	out->pending_kept = need < out->pending ? need : out->pending;
	out->short_by = need;
	return 0;
}

void ec2_plan_free(struct ec2_plan *p)
{
	if (!p)
		return;
	free(p->start);
	free(p->stop);
	free(p->busy);
	memset(p, 0, sizeof *p);
}

/* Append to buf at *at, as snprintf would, never past len. */
static void plan_add(char *buf, size_t len, size_t *at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void plan_add(char *buf, size_t len, size_t *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*at >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *at, len - *at, fmt, ap);
	va_end(ap);
	if (n > 0)
		*at = *at + (size_t)n < len ? *at + (size_t)n : len;
}

static void plan_ids(char *buf, size_t len, size_t *at, const struct ec2_plan_instance *v,
		     const size_t *ix, size_t n)
{
	for (size_t i = 0; i < n && i < EC2_PLAN_IDS; i++)
		plan_add(buf, len, at, "%s%s", i ? ", " : "", v[ix[i]].id);
	if (n > EC2_PLAN_IDS)
		plan_add(buf, len, at, " and %zu more", n - EC2_PLAN_IDS);
}

void ec2_plan_text(const struct ec2_plan *p, const struct ec2_plan_instance *v,
		   const char *protect, char *buf, size_t len)
{
	size_t at = 0;

	if (!len)
		return;
	buf[0] = '\0';
	/* what cannot be done first: a decision's record keeps only the start */
	plan_add(buf, len, &at, "%d up (%d running, %d pending), want %d", p->running + p->pending,
		 p->running, p->pending, p->want);
	if (p->short_by && p->want > p->running + p->pending)
		plan_add(buf, len, &at, "; %d short: no stopped instance left to start (%d stopping)",
			 p->short_by, p->stopping);
	else if (p->short_by)
		plan_add(buf, len, &at, "; %d above the count until %s", p->short_by,
			 !p->pending_kept ? "the busy ones are free"
			 : p->n_busy ? "the pending ones run and the busy ones are free"
				     : "the pending ones run");
	if (p->n_busy) {
		plan_add(buf, len, &at, "; kept busy (tag '%s'): ", protect ? protect : "");
		plan_ids(buf, len, &at, v, p->busy, p->n_busy);
	}
	if (p->n_start) {
		plan_add(buf, len, &at, "; start %zu: ", p->n_start);
		plan_ids(buf, len, &at, v, p->start, p->n_start);
	}
	if (p->n_stop) {
		plan_add(buf, len, &at, "; stop %zu: ", p->n_stop);
		plan_ids(buf, len, &at, v, p->stop, p->n_stop);
	}
	if (!p->n_start && !p->n_stop && !p->short_by)
		plan_add(buf, len, &at, "; nothing to do");
}
