/*
 * fuzz_decision_json.c - core/decision.c: scaled_decision_json.
 *
 * Not a parser, but the one place where text from outside (a policy's
 * reason, a target's error message, names from the farm) is written into
 * JSON that other programs parse: the decision log and the HTTP API. The
 * bytes fill a struct scaled_decision field by field, strings at any length
 * up to their array (so some have no NUL, and the bytes after a NUL are
 * garbage, as in a reused struct), numbers as raw bits (NaN, infinities),
 * enums out of range and n_proposals past SCALED_MAX_PROPOSALS.
 *
 * Invariants: the output is valid UTF-8 and parses with cJSON; the group,
 * every policy name and reason come back byte for byte when they were valid
 * UTF-8 (otherwise with U+FFFD in place of the bad bytes); the integer
 * fields come back exactly; the proposal count is n_proposals clamped to
 * SCALED_MAX_PROPOSALS; bound_by is null exactly when no stage bound.
 */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "scaled/scaled.h"

/* A cursor over the input; reads past its end give zeros. */
struct cursor {
	const uint8_t *p;
	size_t left;
};

static void take(struct cursor *c, void *out, size_t n)
{
	size_t k = n < c->left ? n : c->left;

	memcpy(out, c->p, k);
	memset((uint8_t *)out + k, 0, n - k);
	c->p += k;
	c->left -= k;
}

static unsigned take_byte(struct cursor *c)
{
	uint8_t b;

	take(c, &b, 1);
	return b;
}

/* A length byte, then that many bytes. A full-length string has no NUL;
 * a shorter one has a NUL and then garbage that must not be printed. */
static void take_text(struct cursor *c, char *field, size_t size)
{
	size_t n = take_byte(c) % (size + 1);

	memset(field, 0xAA, size);
	take(c, field, n);
	if (n < size)
		field[n] = '\0';
}

/* Written apart from decision.c's on purpose: it decodes code points where
 * that one checks byte ranges, so a mistake in one is not in both. */
static bool utf8_valid(const unsigned char *s, size_t n)
{
	static const unsigned least[4] = { 0, 0x80, 0x800, 0x10000 };
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], more, cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xE0) == 0xC0) {
			more = 1;
			cp = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			more = 2;
			cp = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			more = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i <= more)
			return false;
		for (unsigned k = 1; k <= more; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if (cp < least[more] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += more + 1;
	}
	return true;
}

static void check_text(const cJSON *obj, const char *key, const char *field, size_t size)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	size_t n = strnlen(field, size);
	const char *s;

	FUZZ_CHECK(cJSON_IsString(item), "\"%s\" is not a string", key);
	s = item->valuestring;
	FUZZ_CHECK(utf8_valid((const unsigned char *)s, strlen(s)), "\"%s\" is not UTF-8", key);
	if (utf8_valid((const unsigned char *)field, n))
		FUZZ_CHECK(strlen(s) == n && memcmp(s, field, n) == 0,
			   "\"%s\" came back as '%s' (%zu bytes, %zu in)", key, s, strlen(s), n);
	else
		FUZZ_CHECK(strstr(s, "\xEF\xBF\xBD") != NULL,
			   "\"%s\": bad UTF-8 in, no U+FFFD out: '%s'", key, s);
}

static void check_int(const cJSON *obj, const char *key, int want)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	FUZZ_CHECK(cJSON_IsNumber(item) && item->valuedouble == (double)want,
		   "\"%s\" is not %d", key, want);
}

/* JSON has no NaN or infinity: cJSON writes null. Finite values go through
 * "%1.15g" or "%1.17g", so allow the few ulps the first may lose. */
static void check_double(const cJSON *obj, const char *key, double want)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	double got;

	if (!isfinite(want)) {
		FUZZ_CHECK(cJSON_IsNull(item), "\"%s\" for %g is not null", key, want);
		return;
	}
	FUZZ_CHECK(cJSON_IsNumber(item), "\"%s\" is not a number", key);
	got = item->valuedouble;
	FUZZ_CHECK(fabs(got - want) <= fmax(fabs(got), fabs(want)) * 4 * DBL_EPSILON,
		   "\"%s\" is %.17g, not %.17g", key, got, want);
}

static void check_bool(const cJSON *obj, const char *key, bool want)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	FUZZ_CHECK(cJSON_IsBool(item) && cJSON_IsTrue(item) == want, "\"%s\" is not %s", key,
		   want ? "true" : "false");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = { data, size };
	struct scaled_decision d;
	const cJSON *arr, *item;
	cJSON *root;
	size_t want_n;
	char *json;

	memset(&d, 0, sizeof(d));
	take(&c, &d.seq, sizeof(d.seq));
	take(&c, &d.time_ms, sizeof(d.time_ms));
	take_text(&c, d.group, sizeof(d.group));
	take(&c, &d.current, sizeof(d.current));
	take(&c, &d.desired_before, sizeof(d.desired_before));
	take(&c, &d.combined, sizeof(d.combined));
	take(&c, &d.desired, sizeof(d.desired));
	/* Two values past the last stage and outcome: "unknown", not a crash. */
	d.bound_by = (enum scaled_stage)(take_byte(&c) % (SCALED_STAGE_ACT + 3));
	take_text(&c, d.bound_reason, sizeof(d.bound_reason));
	d.outcome = (enum scaled_outcome)(take_byte(&c) % (SCALED_OUTCOME_PAUSED + 3));
	take_text(&c, d.outcome_msg, sizeof(d.outcome_msg));
	/* Past the array too: the writer must clamp, not read on. */
	d.n_proposals = take_byte(&c) % (SCALED_MAX_PROPOSALS + 4);
	want_n = d.n_proposals < SCALED_MAX_PROPOSALS ? d.n_proposals : SCALED_MAX_PROPOSALS;
	for (size_t i = 0; i < want_n; i++) {
		struct scaled_proposal *p = &d.proposals[i];
		unsigned flags;

		take_text(&c, p->policy, sizeof(p->policy));
		p->kind = (enum scaled_proposal_kind)(take_byte(&c) % (SCALED_PROPOSAL_ERROR + 3));
		take(&c, &p->value, sizeof(p->value));
		take(&c, &p->wanted, sizeof(p->wanted));
		flags = take_byte(&c);
		p->stale = (int)(flags & 1);
		p->missing = (int)(flags & 2); /* any non-zero is true */
		take_text(&c, p->reason, sizeof(p->reason));
	}

	json = scaled_decision_json(&d);
	FUZZ_CHECK(json != NULL, "no JSON");
	FUZZ_CHECK(utf8_valid((const unsigned char *)json, strlen(json)), "not UTF-8: %s", json);
	root = cJSON_Parse(json);
	FUZZ_CHECK(cJSON_IsObject(root), "does not parse back: %s", json);

	check_text(root, "group", d.group, sizeof(d.group));
	check_text(root, "bound_reason", d.bound_reason, sizeof(d.bound_reason));
	check_text(root, "outcome_msg", d.outcome_msg, sizeof(d.outcome_msg));
	check_int(root, "current", d.current);
	check_int(root, "desired_before", d.desired_before);
	check_int(root, "combined", d.combined);
	check_int(root, "desired", d.desired);
	check_double(root, "time", (double)d.time_ms);
	check_double(root, "seq", (double)d.seq);
	item = cJSON_GetObjectItemCaseSensitive(root, "bound_by");
	FUZZ_CHECK(d.bound_by == SCALED_STAGE_NONE ? cJSON_IsNull(item) : cJSON_IsString(item),
		   "bound_by %d", (int)d.bound_by);
	item = cJSON_GetObjectItemCaseSensitive(root, "outcome");
	FUZZ_CHECK(cJSON_IsString(item) &&
		   strcmp(item->valuestring, scaled_outcome_name(d.outcome)) == 0,
		   "outcome %d", (int)d.outcome);

	arr = cJSON_GetObjectItemCaseSensitive(root, "proposals");
	FUZZ_CHECK(cJSON_IsArray(arr) && (size_t)cJSON_GetArraySize(arr) == want_n,
		   "%zu proposals for n_proposals %zu", (size_t)cJSON_GetArraySize(arr),
		   d.n_proposals);
	for (size_t i = 0; i < want_n; i++) {
		const struct scaled_proposal *p = &d.proposals[i];
		const cJSON *o = cJSON_GetArrayItem(arr, (int)i);

		FUZZ_CHECK(cJSON_IsObject(o), "proposal %zu", i);
		check_text(o, "policy", p->policy, sizeof(p->policy));
		check_text(o, "reason", p->reason, sizeof(p->reason));
		check_double(o, "value", p->value);
		check_int(o, "wanted", p->wanted);
		check_bool(o, "stale", p->stale != 0);
		check_bool(o, "missing", p->missing != 0);
		item = cJSON_GetObjectItemCaseSensitive(o, "kind");
		FUZZ_CHECK(cJSON_IsString(item), "proposal %zu kind", i);
	}
	cJSON_Delete(root);
	free(json);
	return 0;
}
