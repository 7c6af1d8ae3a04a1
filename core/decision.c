/*
 * decision.c - names of stages and outcomes, and a decision as JSON.
 *
 * The JSON is one line per decision in the decision log and the body of the
 * HTTP API's answers, so every string in it must be valid UTF-8 whatever a
 * policy put in its reason: control bytes are escaped, and bytes that are
 * not UTF-8 are replaced by U+FFFD.
 *
 * Written straight into one buffer, the text cJSON_PrintUnformatted made
 * of the same fields byte for byte (its escapes; its numbers: "%1.15g",
 * which for a whole number below 1e15 is its digits); the odd numbers
 * (fractions, -0, huge, NaN) still go through cJSON, so they print as the
 * installed cJSON prints them. Building the cJSON tree took some 75 000
 * instructions a decision, most of a simulation that writes every one.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "int_text.h"
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

/* The growing text; ok false once out of memory (then everything is a no-op). */
struct jbuf {
	char *p;
	size_t n, cap;
	bool ok;
};

static bool jbuf_room(struct jbuf *b, size_t more)
{
	char *np;
	size_t cap;

	if (!b->ok)
		return false;
	if (b->n + more + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 1024;
	while (cap < b->n + more + 1)
		cap *= 2;
	np = realloc(b->p, cap);
	if (!np) {
		b->ok = false;
		return false;
	}
	b->p = np;
	b->cap = cap;
	return true;
}

static void jbuf_put(struct jbuf *b, const char *s, size_t len)
{
	if (!jbuf_room(b, len))
		return;
	memcpy(b->p + b->n, s, len);
	b->n += len;
}

#define JBUF_LIT(b, lit) jbuf_put((b), (lit), sizeof(lit) - 1)

/* One byte of a string as cJSON's print_string_ptr writes it. */
static void jbuf_char(struct jbuf *b, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

	if (c > 31 && c != '"' && c != '\\') {
		if (jbuf_room(b, 1))
			b->p[b->n++] = (char)c;
		return;
	}
	switch (c) {
	case '"': jbuf_put(b, "\\\"", 2); return;
	case '\\': jbuf_put(b, "\\\\", 2); return;
	case '\b': jbuf_put(b, "\\b", 2); return;
	case '\f': jbuf_put(b, "\\f", 2); return;
	case '\n': jbuf_put(b, "\\n", 2); return;
	case '\r': jbuf_put(b, "\\r", 2); return;
	case '\t': jbuf_put(b, "\\t", 2); return;
	}
	jbuf_put(b, e, sizeof e);
}

/* How many bytes from s[0] (n left) go out as they are: printable ASCII
 * but the quote and the backslash (most of a reason). */
static size_t jbuf_plain(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] > 31 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\')
		i++;
	return i;
}

/* "s" for the first len bytes of s, escaped, no UTF-8 check. */
static void jbuf_str(struct jbuf *b, const char *s, size_t len)
{
	size_t i = 0, run;

	jbuf_put(b, "\"", 1);
	while (i < len) {
		run = jbuf_plain((const unsigned char *)s + i, len - i);
		jbuf_put(b, s + i, run);
		i += run;
		if (i < len)
			jbuf_char(b, (unsigned char)s[i++]);
	}
	jbuf_put(b, "\"", 1);
}

/* A string field from a fixed array (which need not end in a NUL) with
 * every byte that is not part of valid UTF-8 replaced by U+FFFD. */
static void jbuf_text(struct jbuf *b, const char *text, size_t max)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n = strnlen(text, max), i = 0, len;

	if (n > SCALED_REASON_MAX)
		n = SCALED_REASON_MAX;
	jbuf_put(b, "\"", 1);
	while (i < n) {
		len = jbuf_plain(s + i, n - i);
		if (len) {
			jbuf_put(b, text + i, len);
			i += len;
			continue;
		}
		len = decision_utf8_len(s + i, n - i);
		if (len == 1)
			jbuf_char(b, s[i]);
		else if (len)
			jbuf_put(b, text + i, len);
		else
			jbuf_put(b, "\xEF\xBF\xBD", 3);
		i += len ? len : 1;
	}
	jbuf_put(b, "\"", 1);
}

/* A number as cJSON prints it: a whole one below 1e15 (not -0) is its
 * digits ("%1.15g" and "%d" agree there); any other through cJSON. */
static void jbuf_num(struct jbuf *b, double d)
{
	char t[32], *q;
	cJSON *item;

	if (d == floor(d) && fabs(d) < 1e15 && !(d == 0 && signbit(d))) {
		q = int_text(t + sizeof t, (long long)d);
		jbuf_put(b, q, (size_t)(t + sizeof t - q));
		return;
	}
	item = cJSON_CreateNumber(d);
	if (!item || !cJSON_PrintPreallocated(item, t, (int)sizeof t, 0))
		b->ok = false;
	else
		jbuf_put(b, t, strlen(t));
	cJSON_Delete(item);
}

/* ,"key": (the key a literal; first: no comma) */
#define JBUF_KEY(b, key) JBUF_LIT((b), ",\"" key "\":")

/* {"on_demand_base":b,"on_demand_percent":p}; -1 is null. */
static void jbuf_mix(struct jbuf *b, int base, int percent)
{
	JBUF_LIT(b, "{\"on_demand_base\":");
	if (base >= 0)
		jbuf_num(b, base);
	else
		JBUF_LIT(b, "null");
	JBUF_KEY(b, "on_demand_percent");
	if (percent >= 0)
		jbuf_num(b, percent);
	else
		JBUF_LIT(b, "null");
	JBUF_LIT(b, "}");
}

static bool decision_has_mix(const struct scaled_decision *d)
{
	return d->mix_base_before >= 0 || d->mix_base_wanted >= 0 || d->mix_base >= 0 ||
	       d->spot >= 0 || d->on_demand >= 0 || d->mix_bound_by != SCALED_STAGE_NONE;
}

static void jbuf_name(struct jbuf *b, const char *name)
{
	jbuf_str(b, name, strlen(name));
}

/* "markets": units per market, the mix before, wanted and after, and what
 * held it; only for groups with a mix. */
static void jbuf_markets(struct jbuf *b, const struct scaled_decision *d)
{
	JBUF_KEY(b, "markets");
	JBUF_LIT(b, "{\"spot\":");
	jbuf_num(b, d->spot);
	JBUF_KEY(b, "on_demand");
	jbuf_num(b, d->on_demand);
	JBUF_KEY(b, "before");
	jbuf_mix(b, d->mix_base_before, d->mix_percent_before);
	JBUF_KEY(b, "wanted");
	jbuf_mix(b, d->mix_base_wanted, d->mix_percent_wanted);
	JBUF_KEY(b, "after");
	jbuf_mix(b, d->mix_base, d->mix_percent);
	JBUF_KEY(b, "bound_by");
	if (d->mix_bound_by == SCALED_STAGE_NONE)
		JBUF_LIT(b, "null");
	else
		jbuf_name(b, scaled_stage_name(d->mix_bound_by));
	JBUF_KEY(b, "reason");
	jbuf_text(b, d->mix_reason, sizeof(d->mix_reason));
	JBUF_LIT(b, "}");
}

/* "events": the names this tick delivered (the first SCALED_MAX_EVENTS),
 * and "events_total" when there were more. */
static void jbuf_events(struct jbuf *b, const struct scaled_decision *d)
{
	size_t i, n = d->n_events < SCALED_MAX_EVENTS ? d->n_events : SCALED_MAX_EVENTS;

	JBUF_KEY(b, "events");
	JBUF_LIT(b, "[");
	for (i = 0; i < n; i++) {
		if (i)
			JBUF_LIT(b, ",");
		jbuf_str(b, d->events[i], strnlen(d->events[i], sizeof d->events[i]));
	}
	JBUF_LIT(b, "]");
	if (d->n_events > SCALED_MAX_EVENTS) {
		JBUF_KEY(b, "events_total");
		jbuf_num(b, (double)d->n_events);
	}
}

static void jbuf_proposal(struct jbuf *b, const struct scaled_proposal *p)
{
	JBUF_LIT(b, "{\"policy\":");
	jbuf_text(b, p->policy, sizeof(p->policy));
	JBUF_KEY(b, "kind");
	jbuf_name(b, decision_kind_name(p->kind));
	JBUF_KEY(b, "value");
	jbuf_num(b, p->value);
	JBUF_KEY(b, "wanted");
	jbuf_num(b, p->wanted);
	JBUF_KEY(b, "stale");
	if (p->stale)
		JBUF_LIT(b, "true");
	else
		JBUF_LIT(b, "false");
	JBUF_KEY(b, "missing");
	if (p->missing)
		JBUF_LIT(b, "true");
	else
		JBUF_LIT(b, "false");
	JBUF_KEY(b, "reason");
	jbuf_text(b, p->reason, sizeof(p->reason));
	if (p->mix) {
		JBUF_KEY(b, "mix");
		jbuf_mix(b, p->mix_base, p->mix_percent);
		JBUF_KEY(b, "mix_reason");
		jbuf_text(b, p->mix_reason, sizeof(p->mix_reason));
	}
	JBUF_LIT(b, "}");
}

char *scaled_decision_json(const struct scaled_decision *d)
{
	struct jbuf b = { .ok = true };
	size_t i, n = d->n_proposals < SCALED_MAX_PROPOSALS ? d->n_proposals : SCALED_MAX_PROPOSALS;

	/* numbers are doubles in JSON: exact for times and counters < 2^53 */
	JBUF_LIT(&b, "{\"time\":");
	jbuf_num(&b, (double)d->time_ms);
	JBUF_KEY(&b, "seq");
	jbuf_num(&b, (double)d->seq);
	JBUF_KEY(&b, "group");
	jbuf_text(&b, d->group, sizeof(d->group));
	JBUF_KEY(&b, "current");
	jbuf_num(&b, d->current);
	JBUF_KEY(&b, "desired_before");
	jbuf_num(&b, d->desired_before);
	JBUF_KEY(&b, "combined");
	jbuf_num(&b, d->combined);
	JBUF_KEY(&b, "desired");
	jbuf_num(&b, d->desired);
	JBUF_KEY(&b, "bound_by");
	if (d->bound_by == SCALED_STAGE_NONE)
		JBUF_LIT(&b, "null");
	else
		jbuf_name(&b, scaled_stage_name(d->bound_by));
	JBUF_KEY(&b, "bound_reason");
	jbuf_text(&b, d->bound_reason, sizeof(d->bound_reason));
	JBUF_KEY(&b, "outcome");
	jbuf_name(&b, scaled_outcome_name(d->outcome));
	JBUF_KEY(&b, "outcome_msg");
	jbuf_text(&b, d->outcome_msg, sizeof(d->outcome_msg));
	if (decision_has_mix(d))
		jbuf_markets(&b, d);
	if (d->n_events)
		jbuf_events(&b, d);
	JBUF_KEY(&b, "proposals");
	JBUF_LIT(&b, "[");
	for (i = 0; i < n; i++) {
		if (i)
			JBUF_LIT(&b, ",");
		jbuf_proposal(&b, &d->proposals[i]);
	}
	JBUF_LIT(&b, "]}");
	if (!b.ok || !jbuf_room(&b, 0)) {
		free(b.p);
		return NULL;
	}
	b.p[b.n] = '\0';
	return b.p;
}
