/*
 * onednn_backend.c - the oneDNN backend (graph_backend.h's onednn_backend):
 * open, run, close.
 *
 * A session is one CPU engine and one stream. Open makes the plan for
 * max_batch (every primitive, weights reordered into the layouts they
 * chose); a run at another batch size makes that size's plan once, then
 * reuses it. Primitives use a scratchpad the session owns, so a run
 * allocates nothing of its own once its plan exists.
 *
 * Threads: Debian's libdnnl runs its primitives on OpenMP. The number of
 * threads of an OpenMP parallel region is the calling thread's own
 * setting (an ICV per thread for threads OpenMP did not start), so open
 * and run both call omp_set_num_threads(threads) on the thread calling
 * them: a session with threads = T computes on T threads (the caller and
 * T - 1 of OpenMP's), whatever other sessions on other threads ask for.
 * OMP_NUM_THREADS and the like are thereby overridden for those threads.
 */
#include "onednn_internal.h"

#include <errno.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <dnnl_debug.h>

#define DN_MAX_THREADS 256

static void onednn_close(void *state)
{
	struct dn_session *s = state;
	struct dn_const *c, *cn;
	struct dn_plan *p, *pn;
	int i;

	if (!s)
		return;
	for (p = s->plans; p; p = pn) {
		pn = p->next;
		dn_plan_free(p);
	}
	for (c = s->consts; c; c = cn) {
		cn = c->next;
		dnnl_memory_destroy(c->mem);
		free(c);
	}
	for (i = 0; i < s->n_bufs; i++)
		free(s->bufs[i]);
	free(s->bufs);
	free(s->caps);
	free(s->scratch);
	if (s->attr)
		dnnl_primitive_attr_destroy(s->attr);
	if (s->strm)
		dnnl_stream_destroy(s->strm);
	if (s->eng)
		dnnl_engine_destroy(s->eng);
	free(s);
}

static int onednn_open(const struct graph *g, const struct graph_backend_options *opt,
		       void **state, char **errmsg)
{
	struct dn_session *s;
	struct dn_plan *p;
	dnnl_status_t rc;
	int err;

	*state = NULL;
	if (opt->precision != GRAPH_FP32)
		return graph_errf(errmsg, -ENOTSUP, "the oneDNN backend computes in FP32 only");
	if (!(s = calloc(1, sizeof(*s))))
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	s->g = g;
	s->max_batch = opt->max_batch;
	s->threads = opt->threads < 1 ? 1 : opt->threads > DN_MAX_THREADS ? DN_MAX_THREADS
										  : opt->threads;
	omp_set_num_threads(s->threads);
	if ((rc = dnnl_engine_create(&s->eng, dnnl_cpu, 0)) ||
	    (rc = dnnl_stream_create(&s->strm, s->eng, dnnl_stream_default_flags)) ||
	    (rc = dnnl_primitive_attr_create(&s->attr)) ||
	    (rc = dnnl_primitive_attr_set_scratchpad_mode(s->attr, dnnl_scratchpad_mode_user))) {
		onednn_close(s);
		return dn_fail(errmsg, NULL, "engine", rc);
	}
	if ((err = dn_plan_get(s, g->batch_major ? opt->max_batch : (int)g->batch, &p, errmsg))) {
		onednn_close(s);
		return err;
	}
	*state = s;
	return 0;
}

static int onednn_run(void *state, const float *input, int batch, float *output, char **errmsg)
{
	struct dn_session *s = state;
	struct dn_plan *p;
	dnnl_status_t rc;
	int i, err;

	omp_set_num_threads(s->threads);
	if ((err = dn_plan_get(s, batch, &p, errmsg)))
		return err;
	/* The caller's buffers: bound to the input's and output's tensors
	 * (and aliases of them) for this run only. The input is only read. */
	for (i = 0; i < p->n_t; i++) {
		int slot = p->t[p->t[i].root].slot;

		if (slot == DN_SLOT_INPUT)
			rc = dnnl_memory_set_data_handle(p->t[i].mem, (void *)(uintptr_t)input);
		else if (slot == DN_SLOT_OUTPUT)
			rc = dnnl_memory_set_data_handle(p->t[i].mem, output);
		else
			continue;
		if (rc)
			return dn_fail(errmsg, NULL, "binding the caller's buffers", rc);
	}
	for (i = 0; i < p->n_steps; i++) {
		const struct dn_step *st = &p->steps[i];

		rc = dnnl_primitive_execute(st->prim, s->strm, st->n_args + (st->scratch != NULL),
					    st->exec);
		if (rc)
			return graph_errf(errmsg, rc == dnnl_out_of_memory ? -ENOMEM : -EIO,
					  "oneDNN backend: node '%s': executing: %s", st->node,
					  dnnl_status2str(rc));
	}
	if ((rc = dnnl_stream_wait(s->strm)))
		return dn_fail(errmsg, NULL, "stream wait", rc);
	return 0;
}

int onednn_backend_available(char *why, size_t whylen)
{
	dnnl_engine_t eng;
	dnnl_status_t rc = dnnl_engine_create(&eng, dnnl_cpu, 0);

	if (rc) {
		if (why && whylen)
			snprintf(why, whylen, "oneDNN cannot make a CPU engine: %s", dnnl_status2str(rc));
		return -ENODEV;
	}
	dnnl_engine_destroy(eng);
	return 0;
}

const struct graph_backend onednn_backend = {
	.name = "onednn",
	.open = onednn_open,
	.run = onednn_run,
	.close = onednn_close,
};
