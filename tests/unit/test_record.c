/* test_record.c - the decision ring: a decision is found by its seq while
 * it is kept, and not once RECORD_KEPT later ones pushed it out; what is
 * kept is the decision, every field and text of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "record.h"

static void test_find(void **state)
{
	struct record r;
	struct scaled_decision d;
	const uint64_t total = RECORD_KEPT + RECORD_KEPT / 2 + 3;

	(void)state;
	assert_int_equal(record_init(&r, NULL, NULL), 0);
	memset(&d, 0, sizeof d);
	assert_null(record_find(&r, 0));
	assert_null(record_find(&r, 1));
	for (uint64_t k = 1; k <= total; k++) {
		struct scaled_decision *kept;

		d.desired = (int)k;
		d.outcome = SCALED_OUTCOME_NONE;
		kept = record_add(&r, &d);
		assert_int_equal(kept->seq, k);
		assert_ptr_equal(record_find(&r, k), kept);
		assert_null(record_find(&r, k + 1));
	}
	for (uint64_t k = 1; k <= total; k++) {
		struct scaled_decision *f = record_find(&r, k);

		if (k + RECORD_KEPT <= total) {
			assert_null(f); /* pushed out */
		} else {
			assert_non_null(f);
			assert_int_equal(f->seq, k);
			assert_int_equal(f->desired, (int)k);
		}
	}
	assert_null(record_find(&r, 0));
	assert_null(record_find(&r, UINT64_MAX));
	record_fini(&r);
}

/* A text of n bytes, then bytes that are not text after its NUL. */
static void fill(char *dst, size_t cap, const char *what, size_t n)
{
	memset(dst, 'x', cap);
	for (size_t i = 0; i < n && i < cap - 1; i++)
		dst[i] = what[i % strlen(what)];
	dst[n < cap - 1 ? n : cap - 1] = '\0';
}

/* Every field set to something of its own, texts short, long and full:
 * the kept copy writes the same JSON (every field) and the same texts. */
static void test_copy(void **state)
{
	struct record r;
	struct scaled_decision *d = calloc(1, sizeof *d), *kept;
	char *want, *got;

	(void)state;
	assert_non_null(d);
	assert_int_equal(record_init(&r, NULL, NULL), 0);
	d->time_ms = 1700000000123;
	fill(d->group, sizeof d->group, "grp", 63);
	d->current = 3;
	d->desired_before = 4;
	d->combined = 5;
	d->desired = 6;
	d->bound_by = SCALED_STAGE_RATE;
	fill(d->bound_reason, sizeof d->bound_reason, "bound ", 17);
	d->n_proposals = 3;
	for (int i = 0; i < 3; i++) {
		struct scaled_proposal *p = &d->proposals[i];

		fill(p->policy, sizeof p->policy, "pol", (size_t)(5 + i * 40));
		p->kind = SCALED_PROPOSAL_CHANGE;
		p->value = -2.5 - i;
		p->wanted = 7 + i;
		p->stale = i == 1;
		p->missing = i == 2;
		fill(p->reason, sizeof p->reason, "why ", (size_t)(i == 0 ? 0 : 80 * i));
		p->mix = 1;
		p->mix_base = 2 + i;
		p->mix_percent = 30 + i;
		fill(p->mix_reason, sizeof p->mix_reason, "mix ", (size_t)(11 + 70 * i));
	}
	d->outcome = SCALED_OUTCOME_OK;
	fill(d->outcome_msg, sizeof d->outcome_msg, "done ", 159);
	d->spot = 8;
	d->on_demand = 9;
	d->mix_base_before = 1;
	d->mix_percent_before = 10;
	d->mix_base_wanted = 2;
	d->mix_percent_wanted = 20;
	d->mix_base = 3;
	d->mix_percent = 30;
	d->mix_bound_by = SCALED_STAGE_STABILIZE;
	fill(d->mix_reason, sizeof d->mix_reason, "held ", 42);
	d->n_events = 2;
	fill(d->events[0], sizeof d->events[0], "push", 4);
	fill(d->events[1], sizeof d->events[1], "e", 63);
	kept = record_add(&r, d);
	d->seq = kept->seq;
	want = scaled_decision_json(d);
	got = scaled_decision_json(kept);
	assert_non_null(want);
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_string_equal(kept->group, d->group);
	assert_string_equal(kept->bound_reason, d->bound_reason);
	assert_string_equal(kept->outcome_msg, d->outcome_msg);
	assert_string_equal(kept->mix_reason, d->mix_reason);
	for (int i = 0; i < 3; i++) {
		assert_string_equal(kept->proposals[i].policy, d->proposals[i].policy);
		assert_string_equal(kept->proposals[i].reason, d->proposals[i].reason);
		assert_string_equal(kept->proposals[i].mix_reason, d->proposals[i].mix_reason);
		assert_int_equal(kept->proposals[i].wanted, d->proposals[i].wanted);
		assert_int_equal(kept->proposals[i].mix, 1);
	}
	assert_string_equal(kept->events[1], d->events[1]);
	free(want);
	free(got);
	free(d);
	record_fini(&r);
}

/* A decision made in place: the scratch slot is none of the kept ones
 * (writing it leaves all RECORD_KEPT of them whole, and neither find nor
 * list shows it) until it is committed; one not committed is lost. */
static void test_scratch(void **state)
{
	struct record r;
	const struct scaled_decision *list[RECORD_KEPT + 8];
	struct scaled_decision *s, *kept;
	uint64_t k;

	(void)state;
	assert_int_equal(record_init(&r, NULL, NULL), 0);
	for (k = 1; k <= RECORD_KEPT + 5; k++) {
		s = record_scratch(&r);
		s->n_proposals = 0;
		s->n_events = 0;
		s->desired = (int)k;
		s->outcome = SCALED_OUTCOME_NONE;
		kept = record_commit(&r);
		assert_ptr_equal(kept, s);
		assert_int_equal(kept->seq, k);
	}
	/* a tick that records nothing: its scratch writes touch no kept one */
	s = record_scratch(&r);
	memset(s, 0x5a, sizeof *s);
	assert_int_equal(record_list(&r, list, RECORD_KEPT + 8), RECORD_KEPT);
	for (size_t i = 0; i < RECORD_KEPT; i++) {
		assert_ptr_not_equal(list[i], s);
		assert_int_equal(list[i]->seq, 6 + i);
		assert_int_equal(list[i]->desired, (int)(6 + i));
	}
	assert_null(record_find(&r, 5)); /* pushed out; its slot is the scratch */
	assert_non_null(record_find(&r, 6));
	assert_null(record_find(&r, RECORD_KEPT + 6));
	/* the next commit is seq KEPT + 6, and pushes 6 out */
	s = record_scratch(&r);
	s->n_proposals = 0;
	s->n_events = 0;
	s->desired = 99;
	s->outcome = SCALED_OUTCOME_NONE;
	kept = record_commit(&r);
	assert_int_equal(kept->seq, RECORD_KEPT + 6);
	assert_ptr_equal(record_find(&r, RECORD_KEPT + 6), kept);
	assert_null(record_find(&r, 6));
	assert_int_equal(record_find(&r, 7)->desired, 7);
	record_fini(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_scratch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
