/*
 * decision.c - names of stages and outcomes, and a decision as JSON.
 *
 * The JSON is one line per decision in the decision log and the body of the
 * HTTP API's answers, so every string in it must be valid UTF-8 whatever a
 * policy put in its reason: cJSON escapes control bytes, and bytes that are
 * not UTF-8 are replaced by U+FFFD here before cJSON sees them.
 */
#include <stdbool.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "scaled/scaled.h"

const char *scaled_stage_name(enum scaled_stage s)
{
	switch (s) {
	case SCALED_STAGE_NONE: return "none";
	case SCALED_STAGE_POLICY: return "policy";
	case SCALED_STAGE_STALE: return "stale";
	case SCALED_STAGE_COMBINE: return "combine";
	case SCALED_STAGE_STABILIZE: return "stabilize";
	case SCALED_STAGE_COOLDOWN: return "cooldown";
	case SCALED_STAGE_RATE: return "rate";
	case SCALED_STAGE_CLAMP: return "clamp";
	case SCALED_STAGE_OVERRIDE: return "override";
	case SCALED_STAGE_ACT: return "act";
	}
	return "unknown";
}

const char *scaled_outcome_name(enum scaled_outcome o)
{
	switch (o) {
	case SCALED_OUTCOME_NONE: return "none";
	case SCALED_OUTCOME_PENDING: return "pending";
	case SCALED_OUTCOME_OK: return "ok";
	case SCALED_OUTCOME_FAILED: return "failed";
	case SCALED_OUTCOME_DRY_RUN: return "dry_run";
	case SCALED_OUTCOME_PAUSED: return "paused";
	}
	return "unknown";
}

static const char *decision_kind_name(enum scaled_proposal_kind k)
{
	switch (k) {
	case SCALED_PROPOSAL_NONE: return "none";
	case SCALED_PROPOSAL_HOLD: return "hold";
	case SCALED_PROPOSAL_SET: return "set";
	case SCALED_PROPOSAL_CHANGE: return "change";
	case SCALED_PROPOSAL_PERCENT: return "percent";
	case SCALED_PROPOSAL_ERROR: return "error";
	}
	return "unknown";
}

/* Length of the well-formed UTF-8 sequence at s (n bytes left), 0 if none:
 * no overlong forms, no surrogates, nothing past U+10FFFF. */
static size_t decision_utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned lo = 0x80, hi = 0xBF;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	/* the second byte's range is narrower after some lead bytes */
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

/* Add a string field from a fixed array (which need not end in a NUL) with
 * every byte that is not part of valid UTF-8 replaced by U+FFFD. */
static bool decision_add_text(cJSON *obj, const char *key, const char *text, size_t max)
{
	static const char repl[] = "\xEF\xBF\xBD";
	char buf[3 * SCALED_REASON_MAX + 1];
	const unsigned char *s = (const unsigned char *)text;
	size_t n = strnlen(text, max), i = 0, o = 0, len;

	if (n > SCALED_REASON_MAX)
		n = SCALED_REASON_MAX;
	while (i < n) {
		len = decision_utf8_len(s + i, n - i);
		if (len) {
			memcpy(buf + o, s + i, len);
			o += len;
			i += len;
		} else {
			memcpy(buf + o, repl, 3);
			o += 3;
			i++;
		}
	}
	buf[o] = '\0';
	return cJSON_AddStringToObject(obj, key, buf) != NULL;
}

/* {"on_demand_base":b,"on_demand_percent":p} as key of obj; -1 is null. */
static bool decision_add_mix(cJSON *obj, const char *key, int base, int percent)
{
	cJSON *m = cJSON_AddObjectToObject(obj, key);

	if (!m)
		return false;
	return (base >= 0 ? cJSON_AddNumberToObject(m, "on_demand_base", base)
			  : cJSON_AddNullToObject(m, "on_demand_base")) &&
	       (percent >= 0 ? cJSON_AddNumberToObject(m, "on_demand_percent", percent)
			     : cJSON_AddNullToObject(m, "on_demand_percent"));
}

static bool decision_has_mix(const struct scaled_decision *d)
{
	return d->mix_base_before >= 0 || d->mix_base_wanted >= 0 || d->mix_base >= 0 ||
	       d->spot >= 0 || d->on_demand >= 0 || d->mix_bound_by != SCALED_STAGE_NONE;
}

/* "markets": units per market, the mix before, wanted and after, and what
 * held it; only for groups with a mix. */
static bool decision_add_markets(cJSON *root, const struct scaled_decision *d)
{
	cJSON *m = cJSON_AddObjectToObject(root, "markets");

	return m && cJSON_AddNumberToObject(m, "spot", d->spot) &&
	       cJSON_AddNumberToObject(m, "on_demand", d->on_demand) &&
	       decision_add_mix(m, "before", d->mix_base_before, d->mix_percent_before) &&
	       decision_add_mix(m, "wanted", d->mix_base_wanted, d->mix_percent_wanted) &&
	       decision_add_mix(m, "after", d->mix_base, d->mix_percent) &&
	       (d->mix_bound_by == SCALED_STAGE_NONE
		? cJSON_AddNullToObject(m, "bound_by") != NULL
		: cJSON_AddStringToObject(m, "bound_by", scaled_stage_name(d->mix_bound_by)) != NULL) &&
	       decision_add_text(m, "reason", d->mix_reason, sizeof(d->mix_reason));
}

/* "events": the names this tick delivered (the first SCALED_MAX_EVENTS),
 * and "events_total" when there were more. */
static bool decision_add_events(cJSON *root, const struct scaled_decision *d)
{
	cJSON *arr = cJSON_AddArrayToObject(root, "events");
	size_t i, n = d->n_events < SCALED_MAX_EVENTS ? d->n_events : SCALED_MAX_EVENTS;

	if (!arr)
		return false;
	for (i = 0; i < n; i++) {
		cJSON *s = cJSON_CreateString(d->events[i]);

		if (!s || !cJSON_AddItemToArray(arr, s)) {
			cJSON_Delete(s);
			return false;
		}
	}
	return d->n_events <= SCALED_MAX_EVENTS ||
	       cJSON_AddNumberToObject(root, "events_total", (double)d->n_events) != NULL;
}

static bool decision_add_proposal(cJSON *arr, const struct scaled_proposal *p)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return false;
	if (!cJSON_AddItemToArray(arr, o)) {
		cJSON_Delete(o);
		return false;
	}
	if (!(decision_add_text(o, "policy", p->policy, sizeof(p->policy)) &&
	       cJSON_AddStringToObject(o, "kind", decision_kind_name(p->kind)) &&
	       cJSON_AddNumberToObject(o, "value", p->value) &&
	       cJSON_AddNumberToObject(o, "wanted", p->wanted) &&
	       cJSON_AddBoolToObject(o, "stale", p->stale != 0) &&
	       cJSON_AddBoolToObject(o, "missing", p->missing != 0) &&
	       decision_add_text(o, "reason", p->reason, sizeof(p->reason))))
		return false;
	if (!p->mix)
		return true;
	return decision_add_mix(o, "mix", p->mix_base, p->mix_percent) &&
	       decision_add_text(o, "mix_reason", p->mix_reason, sizeof(p->mix_reason));
}

char *scaled_decision_json(const struct scaled_decision *d)
{
	cJSON *root = cJSON_CreateObject(), *arr;
	char *out = NULL;
	size_t i, n = d->n_proposals < SCALED_MAX_PROPOSALS ? d->n_proposals : SCALED_MAX_PROPOSALS;
	bool ok;

	if (!root)
		return NULL;
	/* numbers are doubles in JSON: exact for times and counters < 2^53 */
	ok = cJSON_AddNumberToObject(root, "time", (double)d->time_ms) &&
	     cJSON_AddNumberToObject(root, "seq", (double)d->seq) &&
	     decision_add_text(root, "group", d->group, sizeof(d->group)) &&
	     cJSON_AddNumberToObject(root, "current", d->current) &&
	     cJSON_AddNumberToObject(root, "desired_before", d->desired_before) &&
	     cJSON_AddNumberToObject(root, "combined", d->combined) &&
	     cJSON_AddNumberToObject(root, "desired", d->desired);
	if (ok && d->bound_by == SCALED_STAGE_NONE)
		ok = cJSON_AddNullToObject(root, "bound_by") != NULL;
	else if (ok)
		ok = cJSON_AddStringToObject(root, "bound_by", scaled_stage_name(d->bound_by)) != NULL;
	ok = ok && decision_add_text(root, "bound_reason", d->bound_reason, sizeof(d->bound_reason)) &&
	     cJSON_AddStringToObject(root, "outcome", scaled_outcome_name(d->outcome)) &&
	     decision_add_text(root, "outcome_msg", d->outcome_msg, sizeof(d->outcome_msg));
	if (ok && decision_has_mix(d))
		ok = decision_add_markets(root, d);
	if (ok && d->n_events)
		ok = decision_add_events(root, d);
	arr = ok ? cJSON_AddArrayToObject(root, "proposals") : NULL;
	ok = arr != NULL;
	for (i = 0; ok && i < n; i++)
		ok = decision_add_proposal(arr, &d->proposals[i]);
	if (ok)
		out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}
