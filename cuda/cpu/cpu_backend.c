/*
 * cpu_backend.c - the CPU reference backend: buffers and the run loop.
 *
 * At open, every value gets a buffer sized for max_batch, and buffers are
 * reused once the last reader of a value has run (a ResNet-50 needs a
 * handful, not one per layer). Reshape-like nodes alias their input's
 * buffer, so a value's lifetime is that of its alias root. The run loop
 * then calls one kernel per node in graph order.
 */
#include "checked.h"
#include "cpu_kernels.h"
#include "graph_backend.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CPU_MAX_THREADS 256

struct cpu_session {
	const struct graph *g;
	int max_batch;
	struct cpu_exec x;
	int *root;		/* per value: the value whose buffer it uses */
	int *slot;		/* per root value: its buffer, -1 for the input */
	float **bufs;
	int n_bufs;
	struct cpu_tensor *ins;	/* room for the widest node's inputs */
};

static cpu_kernel_fn *const kernels[] = {
	[GRAPH_CONV] = cpu_conv,
	[GRAPH_BATCHNORM] = cpu_batchnorm,
	[GRAPH_CLIP] = cpu_clip,
	[GRAPH_MAXPOOL] = cpu_maxpool,
	[GRAPH_AVGPOOL] = cpu_avgpool,
	[GRAPH_GLOBALAVGPOOL] = cpu_globalavgpool,
	[GRAPH_ADD] = cpu_add,
	[GRAPH_ADD_CONST] = cpu_add_const,
	[GRAPH_GEMM] = cpu_gemm,
	[GRAPH_RESHAPE] = NULL,
	[GRAPH_SOFTMAX] = cpu_softmax,
	[GRAPH_CONCAT] = cpu_concat,
};

static void cpu_close(void *state)
{
	struct cpu_session *s = state;
	int i;

	if (!s)
		return;
	for (i = 0; s->x.scratch && i < cpu_threads_count(s->x.threads); i++)
		free(s->x.scratch[i]);
	cpu_threads_free(s->x.threads);
	for (i = 0; i < s->n_bufs; i++)
		free(s->bufs[i]);
	free(s->x.scratch);
	free(s->bufs);
	free(s->root);
	free(s->slot);
	free(s->ins);
	free(s);
}

/* Floats of value v at max_batch; -EOVERFLOW past CHECKED_MAX_ELEMS. */
static int value_floats(const struct cpu_session *s, const struct graph_value *v, size_t *n)
{
	int64_t batch = s->g->batch_major ? s->max_batch : v->dims[0], f;

	if (checked_mul(v->item_size, batch, &f) || f > CHECKED_MAX_ELEMS)
		return -EOVERFLOW;
	*n = (size_t)f;
	return 0;
}

/* 64-byte aligned, rounded up so the allocation size is a multiple. */
static float *alloc_floats(size_t n)
{
	size_t bytes;

	if (checked_bytes(n, sizeof(float), &bytes) || bytes > SIZE_MAX - 63)
		return NULL;
	bytes = (bytes + 63) / 64 * 64;
	return aligned_alloc(64, bytes ? bytes : 64);
}

/* Buffer sizes: one that fits beats one that does not; among those that
 * fit the smallest, among those that do not the largest (least growth). */
static int better(size_t cand, size_t cur, size_t need)
{
	int cand_fits = cand >= need, cur_fits = cur >= need;

	if (cand_fits != cur_fits)
		return cand_fits;
	return cand_fits ? cand < cur : cand > cur;
}

/*
 * Greedy buffer assignment in execution order: a node's output takes the
 * smallest free buffer that fits (or grows one: nothing is allocated until
 * the plan is done), then the buffers whose last reader was this node are
 * freed. Freeing after taking keeps an output from sharing its input's
 * buffer, which no kernel here supports.
 */
static int plan(struct cpu_session *s)
{
	const struct graph *g = s->g;
	int *last = malloc((size_t)g->n_values * sizeof(int));
	size_t *cap = calloc((size_t)g->n_nodes + 1, sizeof(size_t));
	char *busy = calloc((size_t)g->n_nodes + 1, 1);
	int i, k, err = -ENOMEM;

	s->root = malloc((size_t)g->n_values * sizeof(int));
	s->slot = malloc((size_t)g->n_values * sizeof(int));
	if (!last || !cap || !busy || !s->root || !s->slot)
		goto out;
	for (i = 0; i < g->n_values; i++) {
		s->root[i] = i;
		s->slot[i] = -1;
		last[i] = -1;
	}
	for (i = 0; i < g->n_nodes; i++) {
		const struct graph_node *n = &g->nodes[i];

		if (n->op == GRAPH_RESHAPE)
			s->root[n->out] = s->root[n->in[0]];
		for (k = 0; k < n->n_in; k++)
			last[s->root[n->in[k]]] = i;
	}
	last[s->root[g->output]] = INT_MAX;

	for (i = 0; i < g->n_nodes; i++) {
		const struct graph_node *n = &g->nodes[i];
		size_t need;
		int best = -1;

		if (value_floats(s, &g->values[n->out], &need)) {
			err = -EOVERFLOW;
			goto out;
		}
		if (n->op != GRAPH_RESHAPE) {
			for (k = 0; k < s->n_bufs; k++) {
				if (busy[k])
					continue;
				if (best < 0 || better(cap[k], cap[best], need))
					best = k;
			}
			if (best < 0)
				best = s->n_bufs++;
			if (cap[best] < need)
				cap[best] = need;
			busy[best] = 1;
			s->slot[n->out] = best;
		}
		for (k = 0; k < n->n_in; k++) {
			int r = s->root[n->in[k]];

			if (last[r] == i && s->slot[r] >= 0)
				busy[s->slot[r]] = 0;
		}
		/* An output nobody reads is dead at once. */
		if (last[s->root[n->out]] < 0 && s->slot[s->root[n->out]] >= 0)
			busy[s->slot[s->root[n->out]]] = 0;
	}

	s->bufs = calloc((size_t)s->n_bufs + 1, sizeof(float *));
	if (!s->bufs)
		goto out;
	for (k = 0; k < s->n_bufs; k++)
		if (!(s->bufs[k] = alloc_floats(cap[k])))
			goto out;
	err = 0;
out:
	free(last);
	free(cap);
	free(busy);
	return err;
}

static int alloc_scratch(struct cpu_session *s)
{
	const struct graph *g = s->g;
	int workers = cpu_threads_count(s->x.threads), i, max_in = 1;
	size_t need = 0, n;

	for (i = 0; i < g->n_nodes; i++) {
		const struct graph_node *nd = &g->nodes[i];

		n = 0;
		if (nd->op == GRAPH_CONV)
			n = cpu_conv_scratch(nd, &g->values[nd->in[0]]);
		else if (nd->op == GRAPH_GEMM)
			n = cpu_gemm_layer_scratch();
		if (n > need)
			need = n;
		if (nd->n_in > max_in)
			max_in = nd->n_in;
	}
	s->ins = calloc((size_t)max_in, sizeof(*s->ins));
	s->x.scratch = calloc((size_t)workers, sizeof(float *));
	if (!s->ins || !s->x.scratch)
		return -ENOMEM;
	s->x.scratch_floats = need;
	for (i = 0; i < workers; i++)
		if (!(s->x.scratch[i] = alloc_floats(need)))
			return -ENOMEM;
	return 0;
}

static int cpu_open(const struct graph *g, const struct graph_backend_options *opt,
		    void **state, char **errmsg)
{
	struct cpu_session *s = calloc(1, sizeof(*s));
	int threads = opt->threads < 1 ? 1 : opt->threads, err;

	*state = NULL;
	if (!s)
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	if (threads > CPU_MAX_THREADS)
		threads = CPU_MAX_THREADS;
	s->g = g;
	s->max_batch = opt->max_batch;
	err = cpu_threads_new(threads, &s->x.threads);
	if (err) {
		free(s);
		return graph_errf(errmsg, err, "%s: cannot start %d CPU threads", g->name, threads);
	}
	if ((err = plan(s)) || (err = alloc_scratch(s))) {
		cpu_close(s);
		return graph_errf(errmsg, err, "%s: %s for batch %d", g->name,
				  err == -EOVERFLOW ? "activations of more than 2^40 values" : "out of memory",
				  opt->max_batch);
	}
	*state = s;
	return 0;
}

static void tensor_of(const struct cpu_session *s, int v, int batch, const float *input,
		      struct cpu_tensor *t)
{
	const struct graph_value *gv = &s->g->values[v];
	int r = s->root[v];

	t->rank = gv->rank;
	memcpy(t->dims, gv->dims, sizeof(t->dims));
	if (s->g->batch_major)
		t->dims[0] = batch;
	/* The input buffer is the caller's: kernels only read their inputs,
	 * so dropping const here never leads to a write. */
	t->data = s->slot[r] < 0 ? (float *)(uintptr_t)input : s->bufs[s->slot[r]];
}

static int cpu_run(void *state, const float *input, int batch, float *output, char **errmsg)
{
	struct cpu_session *s = state;
	const struct graph *g = s->g;
	struct cpu_tensor out;
	int i, k;

	(void)errmsg;
	for (i = 0; i < g->n_nodes; i++) {
		const struct graph_node *n = &g->nodes[i];

		if (!kernels[n->op])
			continue;
		for (k = 0; k < n->n_in; k++)
			tensor_of(s, n->in[k], batch, input, &s->ins[k]);
		tensor_of(s, n->out, batch, input, &out);
		kernels[n->op](&s->x, n, s->ins, &out);
	}
	tensor_of(s, g->output, batch, input, &out);
	memcpy(output, out.data, (size_t)(g->output_size * batch) * sizeof(float));
	return 0;
}

const struct graph_backend cpu_backend = {
	.name = "cpu",
	.open = cpu_open,
	.run = cpu_run,
	.close = cpu_close,
};
