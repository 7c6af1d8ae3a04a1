/*
 * test_decision_text.c - scaled_decision_json writes its text by hand
 * (core/decision.c); until 0.3 it was cJSON_PrintUnformatted of a tree of
 * the same fields, and readers of the decision log may rely on that text.
 * Here the tree is built again as it was (the reference) and both texts of
 * random decisions must be the same byte for byte: control bytes, bytes
 * that are not UTF-8, quotes and backslashes in every text, and numbers
 * cJSON prints its own way (fractions, -0, NaN, inf, beyond 1e15).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "scaled/scaled.h"

static const char *kind_name(enum scaled_proposal_kind k)
{
	static const char *const names[] = { "none", "hold", "set", "change", "percent", "error" };

	return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "unknown";
}

/* The reference's sanitising: each byte that is not part of valid UTF-8
 * becomes U+FFFD (cJSON then escapes the control bytes). */
static void ref_text(cJSON *o, const char *key, const char *text, size_t max)
{
	char buf[3 * SCALED_REASON_MAX + 1];
	const unsigned char *s = (const unsigned char *)text;
	size_t n = strnlen(text, max), i = 0, o_n = 0, len, k;

	while (i < n) {
		len = 0;
		if (s[i] < 0x80)
			len = 1;
		else if (s[i] >= 0xC2 && s[i] <= 0xF4) {
			unsigned lo = s[i] == 0xE0 ? 0xA0 : s[i] == 0xF0 ? 0x90 : 0x80;
			unsigned hi = s[i] == 0xED ? 0x9F : s[i] == 0xF4 ? 0x8F : 0xBF;

			len = s[i] <= 0xDF ? 2 : s[i] <= 0xEF ? 3 : 4;
			if (n - i < len || s[i + 1] < lo || s[i + 1] > hi)
				len = 0;
			for (k = 2; len && k < len; k++)
				if (s[i + k] < 0x80 || s[i + k] > 0xBF)
					len = 0;
		}
		if (len) {
			memcpy(buf + o_n, s + i, len);
			o_n += len;
			i += len;
		} else {
			memcpy(buf + o_n, "\xEF\xBF\xBD", 3);
			o_n += 3;
			i++;
		}
	}
	buf[o_n] = '\0';
	cJSON_AddStringToObject(o, key, buf);
}

static void ref_mix(cJSON *o, const char *key, int base, int percent)
{
	cJSON *m = cJSON_AddObjectToObject(o, key);

	if (base >= 0)
		cJSON_AddNumberToObject(m, "on_demand_base", base);
	else
		cJSON_AddNullToObject(m, "on_demand_base");
	if (percent >= 0)
		cJSON_AddNumberToObject(m, "on_demand_percent", percent);
	else
		cJSON_AddNullToObject(m, "on_demand_percent");
}

static char *ref_json(const struct scaled_decision *d)
{
	cJSON *root = cJSON_CreateObject(), *arr, *m;
	size_t i, n = d->n_proposals < SCALED_MAX_PROPOSALS ? d->n_proposals : SCALED_MAX_PROPOSALS;
	char *out;

	cJSON_AddNumberToObject(root, "time", (double)d->time_ms);
	cJSON_AddNumberToObject(root, "seq", (double)d->seq);
	ref_text(root, "group", d->group, sizeof d->group);
	cJSON_AddNumberToObject(root, "current", d->current);
	cJSON_AddNumberToObject(root, "desired_before", d->desired_before);
	cJSON_AddNumberToObject(root, "combined", d->combined);
	cJSON_AddNumberToObject(root, "desired", d->desired);
	if (d->bound_by == SCALED_STAGE_NONE)
		cJSON_AddNullToObject(root, "bound_by");
	else
		cJSON_AddStringToObject(root, "bound_by", scaled_stage_name(d->bound_by));
	ref_text(root, "bound_reason", d->bound_reason, sizeof d->bound_reason);
	cJSON_AddStringToObject(root, "outcome", scaled_outcome_name(d->outcome));
	ref_text(root, "outcome_msg", d->outcome_msg, sizeof d->outcome_msg);
	if (d->mix_base_before >= 0 || d->mix_base_wanted >= 0 || d->mix_base >= 0 || d->spot >= 0 ||
	    d->on_demand >= 0 || d->mix_bound_by != SCALED_STAGE_NONE) {
		m = cJSON_AddObjectToObject(root, "markets");
		cJSON_AddNumberToObject(m, "spot", d->spot);
		cJSON_AddNumberToObject(m, "on_demand", d->on_demand);
		ref_mix(m, "before", d->mix_base_before, d->mix_percent_before);
		ref_mix(m, "wanted", d->mix_base_wanted, d->mix_percent_wanted);
		ref_mix(m, "after", d->mix_base, d->mix_percent);
		if (d->mix_bound_by == SCALED_STAGE_NONE)
			cJSON_AddNullToObject(m, "bound_by");
		else
			cJSON_AddStringToObject(m, "bound_by", scaled_stage_name(d->mix_bound_by));
		ref_text(m, "reason", d->mix_reason, sizeof d->mix_reason);
	}
	if (d->n_events) {
		arr = cJSON_AddArrayToObject(root, "events");
		for (i = 0; i < d->n_events && i < SCALED_MAX_EVENTS; i++)
			cJSON_AddItemToArray(arr, cJSON_CreateString(d->events[i]));
		if (d->n_events > SCALED_MAX_EVENTS)
			cJSON_AddNumberToObject(root, "events_total", (double)d->n_events);
	}
	arr = cJSON_AddArrayToObject(root, "proposals");
	for (i = 0; i < n; i++) {
		const struct scaled_proposal *p = &d->proposals[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddItemToArray(arr, o);
		ref_text(o, "policy", p->policy, sizeof p->policy);
		cJSON_AddStringToObject(o, "kind", kind_name(p->kind));
		cJSON_AddNumberToObject(o, "value", p->value);
		cJSON_AddNumberToObject(o, "wanted", p->wanted);
		cJSON_AddBoolToObject(o, "stale", p->stale != 0);
		cJSON_AddBoolToObject(o, "missing", p->missing != 0);
		ref_text(o, "reason", p->reason, sizeof p->reason);
		if (p->mix) {
			ref_mix(o, "mix", p->mix_base, p->mix_percent);
			ref_text(o, "mix_reason", p->mix_reason, sizeof p->mix_reason);
		}
	}
	out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}

/* xorshift64: a fixed sequence, so a failure repeats */
static uint64_t rng_state = 88172645463325252ULL;

static unsigned rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)rng_state;
}

/* A text of up to max bytes; now and then one that fills the array with
 * no NUL (the fields are fixed arrays; names end in one). */
static void rnd_text(char *s, size_t max, bool may_fill)
{
	static const char odd[] = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xed\xa0\x80\xc0\xaf\"\\\n\t\x01\x7f";
	size_t n = rnd() % max, i;
	unsigned mode = rnd() % 4, c;

	for (i = 0; i < n; i++) {
		c = rnd();
		if (mode == 0)
			s[i] = (char)(32 + c % 95);
		else if (mode == 1)
			s[i] = (char)(c % 255 + 1);
		else if (mode == 2)
			s[i] = odd[c % (sizeof odd - 1)];
		else
			s[i] = (char)(c % 2 ? 'a' + c % 26 : c % 31 + 1);
	}
	s[n] = '\0';
	if (may_fill && rnd() % 16 == 0)
		memset(s, 'z', max);
}

static double rnd_number(void)
{
	switch (rnd() % 10) {
	case 0: return (double)(int)rnd() / 7.0;
	case 1: return -0.0;
	case 2: return NAN;
	case 3: return rnd() % 2 ? INFINITY : -INFINITY;
	case 4: return (double)(rnd() % 100000) * 1e10;
	case 5: return 1e15 - (rnd() % 3);
	case 6: return (double)(int)rnd();
	case 7: return (double)rnd() * 1e-5;
	case 8: return 2147483647.0 + (rnd() % 5) - 2;
	default: return (double)(rnd() % 50);
	}
}

static void rnd_decision(struct scaled_decision *d)
{
	size_t k;

	memset(d, 0, sizeof *d);
	d->seq = rnd() % 3 ? rnd() : (uint64_t)rnd() << 24;
	d->time_ms = rnd() % 2 ? 804571501000LL + rnd() : -(long long)rnd();
	rnd_text(d->group, sizeof d->group, true);
	d->current = (int)(rnd() % 100);
	d->desired_before = (int)rnd();
	d->combined = (int)(rnd() % 7) - 3;
	d->desired = (int)rnd() % 1000;
	d->bound_by = (enum scaled_stage)(rnd() % 12);
	rnd_text(d->bound_reason, sizeof d->bound_reason, true);
	d->outcome = (enum scaled_outcome)(rnd() % 7);
	rnd_text(d->outcome_msg, sizeof d->outcome_msg, true);
	d->n_proposals = rnd() % (SCALED_MAX_PROPOSALS + 2);
	for (k = 0; k < SCALED_MAX_PROPOSALS; k++) {
		struct scaled_proposal *p = &d->proposals[k];

		rnd_text(p->policy, sizeof p->policy, true);
		p->kind = (enum scaled_proposal_kind)(rnd() % 7);
		p->value = rnd_number();
		p->wanted = (int)rnd() % 50;
		p->stale = rnd() % 3 == 0;
		p->missing = (int)(rnd() % 3) * 5;
		rnd_text(p->reason, sizeof p->reason, true);
		p->mix = rnd() % 3 == 0;
		p->mix_base = (int)(rnd() % 5) - 1;
		p->mix_percent = (int)(rnd() % 102) - 1;
		rnd_text(p->mix_reason, sizeof p->mix_reason, true);
	}
	d->spot = d->on_demand = d->mix_base_before = d->mix_percent_before = -1;
	d->mix_base_wanted = d->mix_percent_wanted = d->mix_base = d->mix_percent = -1;
	if (rnd() % 2) {
		d->spot = (int)(rnd() % 9);
		d->on_demand = (int)(rnd() % 9) - 1;
		d->mix_base_before = (int)(rnd() % 4) - 1;
		d->mix_percent_before = 50;
		d->mix_percent_wanted = (int)rnd();
		d->mix_base = 3;
		d->mix_bound_by = (enum scaled_stage)(rnd() % 11);
	}
	rnd_text(d->mix_reason, sizeof d->mix_reason, true);
	d->n_events = rnd() % 3 ? 0 : rnd() % 12;
	for (k = 0; k < SCALED_MAX_EVENTS; k++)
		rnd_text(d->events[k], sizeof d->events[k], false);
}

static void text_as_cjson_made_it(void **state)
{
	static struct scaled_decision d;
	int i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		char *want, *got;

		rnd_decision(&d);
		want = ref_json(&d);
		got = scaled_decision_json(&d);
		assert_non_null(want);
		assert_non_null(got);
		if (strcmp(want, got) != 0)
			fail_msg("decision %d:\n cJSON: %s\n  ours: %s", i, want, got);
		free(want);
		free(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_as_cjson_made_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
