/*
 * plugin_test_host.c - see plugin_test_host.h.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "plugin_test_host.h"

#define TH_START_MS 1700000000000LL

struct th_timer {
	struct th_timer *next;
	struct scaled_instance *inst;
	int64_t due;
	uint64_t order; /* ties run in the order they were added */
	scaled_callback fn;
	void *arg;
};

struct th_post {
	struct th_post *next;
	scaled_callback fn;
	void *arg;
};

static struct {
	int real;
	int64_t now;
	uint64_t order;
	struct th_timer *timers;

	struct th_sample *samples;
	size_t nsamples, capsamples;
	struct th_report *reports;
	size_t nreports, capreports;
	struct th_done *dones;
	size_t ndones, capdones;
	char **logs;
	size_t nlogs, caplogs;

	pthread_mutex_t post_lock;
	struct th_post *posts;

	/* what host->series_last answers (th_series_set) */
	char series_name[64];
	int64_t series_t;
	double series_value;
} th = { .now = TH_START_MS, .post_lock = PTHREAD_MUTEX_INITIALIZER };

/* Grow a record array by one element and return the new slot. */
static void *th_push(void **v, size_t *n, size_t *cap, size_t size)
{
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		*v = realloc(*v, *cap * size);
		assert_non_null(*v);
	}
	return (char *)*v + (*n)++ * size;
}

static int64_t th_real_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --------------------------------------------------------- host table -- */

static void h_log(struct scaled_instance *inst, enum scaled_log_level level,
		  const char *fmt, ...)
{
	static const char *names[] = { "error", "warn", "info", "debug" };
	char *line, *body;
	va_list ap;
	char **slot;

	va_start(ap, fmt);
	if (vasprintf(&body, fmt, ap) < 0)
		body = NULL;
	va_end(ap);
	assert_non_null(body);
	assert_true(asprintf(&line, "%s: %s: %s", inst ? inst->name : "-",
			     (unsigned)level < 4 ? names[level] : "?",
			     body) >= 0);
	free(body);
	if (getenv("TH_VERBOSE"))
		fprintf(stderr, "[log] %s\n", line);
	slot = th_push((void **)&th.logs, &th.nlogs, &th.caplogs,
		       sizeof(*th.logs));
	*slot = line;
}

static int64_t h_now_ms(struct scaled_instance *inst)
{
	(void)inst;
	return th_now();
}

static void *h_timer_add(struct scaled_instance *inst, int64_t after_ms,
			 scaled_callback fn, void *arg)
{
	struct th_timer *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	assert_true(after_ms >= 0);
	t->inst = inst;
	t->due = th_now() + after_ms;
	t->order = ++th.order;
	t->fn = fn;
	t->arg = arg;
	t->next = th.timers;
	th.timers = t;
	return t;
}

static void h_timer_cancel(void *handle)
{
	for (struct th_timer **pp = &th.timers; *pp; pp = &(*pp)->next) {
		if (*pp == handle) {
			struct th_timer *t = *pp;

			*pp = t->next;
			free(t);
			return;
		}
	}
	fail_msg("timer_cancel(%p): not a pending timer", handle);
}

static int h_publish(struct scaled_instance *inst, const char *suffix,
		     int64_t t_ms, double value)
{
	struct th_sample *s;

	/* Like the core: a sample older than the series' newest is refused. */
	for (size_t i = th.nsamples; i-- > 0;) {
		struct th_sample *o = &th.samples[i];

		if (o->inst == inst && !strcmp(o->suffix, suffix ? suffix : "")) {
			if (t_ms < o->t_ms)
				return -EINVAL;
			break;
		}
	}
	s = th_push((void **)&th.samples, &th.nsamples, &th.capsamples,
		    sizeof(*s));
	s->inst = inst;
	snprintf(s->suffix, sizeof(s->suffix), "%s", suffix ? suffix : "");
	s->t_ms = t_ms;
	s->value = value;
	return 0;
}

static void h_report_target(struct scaled_instance *inst,
			    const struct scaled_target_state *state)
{
	struct th_report *r;

	assert_true(state->struct_size >= offsetof(struct scaled_target_state,
						   spot));
	r = th_push((void **)&th.reports, &th.nreports, &th.capreports,
		    sizeof(*r));
	r->inst = inst;
	memset(&r->state, 0, sizeof(r->state));
	memcpy(&r->state, state,
	       state->struct_size < sizeof(r->state) ? state->struct_size
						     : sizeof(r->state));
}

static void h_apply_done(struct scaled_instance *inst, uint64_t token,
			 int status, const char *msg)
{
	struct th_done *d;

	assert_true(status <= 0);
	d = th_push((void **)&th.dones, &th.ndones, &th.capdones, sizeof(*d));
	d->inst = inst;
	d->token = token;
	d->status = status;
	snprintf(d->msg, sizeof(d->msg), "%s", msg ? msg : "");
}

static int h_post(struct scaled_instance *inst, scaled_callback fn, void *arg)
{
	struct th_post *p = calloc(1, sizeof(*p)), **pp;

	(void)inst;
	if (!p)
		return -ENOMEM;
	p->fn = fn;
	p->arg = arg;
	pthread_mutex_lock(&th.post_lock);
	for (pp = &th.posts; *pp; pp = &(*pp)->next)
		;
	*pp = p;
	pthread_mutex_unlock(&th.post_lock);
	return 0;
}

/* ABI 1.2: the one series a test has set, or -ENOENT. */
static int h_series_last(struct scaled_instance *inst, const char *name, int64_t *t_ms,
			 double *value)
{
	(void)inst;
	if (!name || !th.series_name[0] || strcmp(name, th.series_name) != 0)
		return -ENOENT;
	if (th.series_t < 0)
		return -ENODATA;
	*t_ms = th.series_t;
	*value = th.series_value;
	return 0;
}

void th_series_set(const char *name, int64_t t_ms, double value)
{
	snprintf(th.series_name, sizeof(th.series_name), "%s", name ? name : "");
	th.series_t = t_ms;
	th.series_value = value;
}

const struct scaled_host th_host = {
	.struct_size = sizeof(struct scaled_host),
	.abi_major = SCALED_PLUGIN_ABI_MAJOR,
	.abi_minor = SCALED_PLUGIN_ABI_MINOR,
	.log = h_log,
	.now_ms = h_now_ms,
	.timer_add = h_timer_add,
	.timer_cancel = h_timer_cancel,
	.publish = h_publish,
	.report_target = h_report_target,
	.apply_done = h_apply_done,
	.post = h_post,
	.series_last = h_series_last,
};

/* ------------------------------------------------------------ loading -- */

void th_load(const char *name, struct th_plugin *p)
{
	char path[4096], why[256] = "", err[256] = "";
	scaled_plugin_entry_fn entry;
	int rc;

	snprintf(path, sizeof(path), "%s/plugins/%s.so", SCALED_BINARY_DIR,
		 name);
	p->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!p->dl)
		fail_msg("dlopen %s: %s", path, dlerror());
	*(void **)&entry = dlsym(p->dl, SCALED_PLUGIN_ENTRY);
	if (!entry)
		fail_msg("%s: no %s: %s", path, SCALED_PLUGIN_ENTRY, dlerror());
	p->desc = entry();
	assert_non_null(p->desc);
	assert_int_equal(p->desc->abi_major, SCALED_PLUGIN_ABI_MAJOR);
	assert_true(p->desc->struct_size >= SCALED_PLUGIN_SIZE_1_0);
	assert_string_equal(p->desc->name, name);
	assert_non_null(p->desc->kinds);
	if (p->desc->probe) {
		rc = p->desc->probe(why, sizeof(why));
		if (rc != 0)
			fail_msg("%s: probe declined: %s", name, why);
	}
	if (p->desc->init) {
		rc = p->desc->init(&th_host, err, sizeof(err));
		if (rc != 0)
			fail_msg("%s: init: %d %s", name, rc, err);
	}
}

void th_unload(struct th_plugin *p)
{
	if (!p->dl)
		return;
	if (p->desc && p->desc->fini)
		p->desc->fini();
	dlclose(p->dl);
	p->dl = NULL;
	p->desc = NULL;
}

const struct scaled_kind *th_kind(const struct th_plugin *p, const char *name)
{
	for (const struct scaled_kind *const *k = p->desc->kinds; *k; k++) {
		if (!strcmp((*k)->name, name)) {
			assert_true((*k)->struct_size >= SCALED_KIND_SIZE_1_0);
			return *k;
		}
	}
	fail_msg("no kind %s", name);
	return NULL;
}

/* Durations as the core takes them: a number with ms/s/m/h/d, or seconds. */
static int th_duration(const char *text, int64_t *ms)
{
	char *end;
	double v = strtod(text, &end);
	double unit = 1000;

	if (end == text || v < 0)
		return -EINVAL;
	if (!strcmp(end, "ms"))
		unit = 1;
	else if (!strcmp(end, "s") || !*end)
		unit = 1000;
	else if (!strcmp(end, "m"))
		unit = 60000;
	else if (!strcmp(end, "h"))
		unit = 3600000;
	else if (!strcmp(end, "d"))
		unit = 86400000;
	else
		return -EINVAL;
	*ms = (int64_t)(v * unit);
	return 0;
}

void th_parse(const struct scaled_key *k, const char *text, struct scaled_value *v)
{
	char *end;

	v->set = 1;
	switch (k->type) {
	case SCALED_KEY_STRING:
	case SCALED_KEY_ENUM:
		v->u.str = text;
		return;
	case SCALED_KEY_INT:
		v->u.integer = strtoll(text, &end, 10);
		break;
	case SCALED_KEY_NUMBER:
		v->u.number = strtod(text, &end);
		break;
	case SCALED_KEY_BOOL:
		if (!strcmp(text, "true") || !strcmp(text, "false")) {
			v->u.boolean = !strcmp(text, "true");
			return;
		}
		fail_msg("%s: not a bool: %s", k->name, text);
		return;
	case SCALED_KEY_DURATION:
		if (th_duration(text, &v->u.ms) < 0)
			fail_msg("%s: not a duration: %s", k->name, text);
		return;
	default:
		fail_msg("%s: unknown key type %d", k->name, (int)k->type);
		return;
	}
	if (end == text || *end)
		fail_msg("%s: not a number: %s", k->name, text);
}

void th_values(const struct scaled_kind *kind, struct scaled_value *values,
	       size_t n, const char *const *kv)
{
	size_t nkeys = 0;

	memset(values, 0, n * sizeof(*values));
	for (const struct scaled_key *k = kind->keys; k && k->name; k++)
		nkeys++;
	assert_true(nkeys <= n);
	for (size_t i = 0; i < nkeys; i++) {
		const struct scaled_key *k = &kind->keys[i];

		if (k->default_value && !k->required)
			th_parse(k, k->default_value, &values[i]);
	}
	for (; kv && *kv; kv++) {
		const char *eq = strchr(*kv, '=');
		size_t i;

		assert_non_null(eq);
		for (i = 0; i < nkeys; i++)
			if (strlen(kind->keys[i].name) == (size_t)(eq - *kv) &&
			    !strncmp(kind->keys[i].name, *kv, (size_t)(eq - *kv)))
				break;
		if (i == nkeys)
			fail_msg("%s: unknown key in %s", kind->name, *kv);
		th_parse(&kind->keys[i], eq + 1, &values[i]);
	}
	for (size_t i = 0; i < nkeys; i++)
		if (kind->keys[i].required && !values[i].set)
			fail_msg("%s: missing required key %s", kind->name,
				 kind->keys[i].name);
}

/* -------------------------------------------------------------- clock -- */

void th_reset(void)
{
	while (th.timers)
		h_timer_cancel(th.timers);
	for (size_t i = 0; i < th.nlogs; i++)
		free(th.logs[i]);
	th.nsamples = th.nreports = th.ndones = th.nlogs = 0;
	th.series_name[0] = '\0';
	th.real = 0;
	th.now = TH_START_MS;
}

void th_clock_set(int64_t now_ms)
{
	th.real = 0;
	th.now = now_ms;
}

void th_clock_real(void)
{
	th.real = 1;
}

int64_t th_now(void)
{
	return th.real ? th_real_ms(CLOCK_REALTIME) : th.now;
}

/* The earliest timer due at or before `by`, unlinked; NULL if none. */
static struct th_timer *th_take_due(int64_t by)
{
	struct th_timer **best = NULL, *t;

	for (struct th_timer **pp = &th.timers; *pp; pp = &(*pp)->next) {
		t = *pp;
		if (t->due > by)
			continue;
		if (!best || t->due < (*best)->due ||
		    (t->due == (*best)->due && t->order < (*best)->order))
			best = pp;
	}
	if (!best)
		return NULL;
	t = *best;
	*best = t->next;
	return t;
}

static void th_run_posts(void)
{
	struct th_post *p;

	for (;;) {
		pthread_mutex_lock(&th.post_lock);
		p = th.posts;
		if (p)
			th.posts = p->next;
		pthread_mutex_unlock(&th.post_lock);
		if (!p)
			return;
		p->fn(p->arg);
		free(p);
	}
}

void th_run_due(void)
{
	struct th_timer *t;

	th_run_posts();
	while ((t = th_take_due(th_now()))) {
		scaled_callback fn = t->fn;
		void *arg = t->arg;

		free(t); /* the handle dies before its callback runs */
		fn(arg);
		th_run_posts();
	}
}

void th_advance(int64_t ms)
{
	int64_t end = th.now + ms;
	struct th_timer *t;

	assert_false(th.real);
	while ((t = th_take_due(end))) {
		scaled_callback fn = t->fn;
		void *arg = t->arg;

		if (t->due > th.now)
			th.now = t->due;
		free(t);
		fn(arg);
		th_run_posts();
	}
	th.now = end;
}

size_t th_pending_timers(const struct scaled_instance *inst)
{
	size_t n = 0;

	for (struct th_timer *t = th.timers; t; t = t->next)
		if (!inst || t->inst == inst)
			n++;
	return n;
}

int th_wait(int64_t timeout_ms, int (*pred)(void *arg),
	    void (*each)(void *arg), void *arg)
{
	const struct timespec step = { 0, 5 * 1000 * 1000 };
	int64_t end = th_real_ms(CLOCK_MONOTONIC) + timeout_ms;

	for (;;) {
		th_run_due();
		if (each)
			each(arg);
		if (pred(arg))
			return 1;
		if (th_real_ms(CLOCK_MONOTONIC) >= end)
			return 0;
		nanosleep(&step, NULL);
	}
}

/* ------------------------------------------------------------ records -- */

size_t th_samples(const struct th_sample **out)
{
	*out = th.samples;
	return th.nsamples;
}

size_t th_sample_count(const struct scaled_instance *inst, const char *suffix)
{
	size_t n = 0;

	for (size_t i = 0; i < th.nsamples; i++)
		if (th.samples[i].inst == inst &&
		    !strcmp(th.samples[i].suffix, suffix ? suffix : ""))
			n++;
	return n;
}

int th_last(const struct scaled_instance *inst, const char *suffix,
	    double *value)
{
	for (size_t i = th.nsamples; i-- > 0;) {
		if (th.samples[i].inst == inst &&
		    !strcmp(th.samples[i].suffix, suffix ? suffix : "")) {
			*value = th.samples[i].value;
			return 1;
		}
	}
	return 0;
}

const struct th_report *th_last_report(const struct scaled_instance *inst)
{
	for (size_t i = th.nreports; i-- > 0;)
		if (th.reports[i].inst == inst)
			return &th.reports[i];
	return NULL;
}

size_t th_dones(const struct th_done **out)
{
	*out = th.dones;
	return th.ndones;
}

size_t th_log_count(const char *needle)
{
	size_t n = 0;

	for (size_t i = 0; i < th.nlogs; i++)
		if (!needle || strstr(th.logs[i], needle))
			n++;
	return n;
}

const char *th_log_find(const char *needle, size_t nth)
{
	for (size_t i = 0; i < th.nlogs; i++)
		if (!needle || strstr(th.logs[i], needle))
			if (nth-- == 0)
				return th.logs[i];
	return NULL;
}
