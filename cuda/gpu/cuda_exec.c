/*
 * cuda_exec.c - running a batch: chunks, the copy/compute overlap, and
 * CUDA graphs.
 *
 * run() is synchronous (the caller gets the outputs back), so the overlap
 * happens inside one call: the batch is cut into chunks of at most
 * s->chunk items (by default up to four of at least 64), and while chunk
 * k runs on the compute stream, chunk k+1's input is copied to the GPU on
 * the copy stream and chunk k-1's output comes back:
 *
 *   copy:     H2D 0 | H2D 1 | D2H 0 H2D 2 | D2H 1 H2D 3 | D2H 2 | D2H 3
 *   compute:        | fwd 0 | fwd 1       | fwd 2       | fwd 3 |
 *
 * Two input slots (pinned host and device) alternate; events order the
 * streams: h2d_done[slot] before the forward pass reads the slot,
 * slot_free[slot] (its input step has read it) before the next copy
 * into it, fwd_done before a chunk's output is copied back. An input or
 * output the caller allocated pinned (cudaHostAlloc) is copied from or to
 * directly; any other goes through the pinned slots, the host memcpy of
 * chunk k+1 overlapping the GPU's work on chunk k.
 *
 * The forward pass minus its first and last steps (which read and write
 * the staging slots, whose addresses change) is captured once per chunk
 * size into a CUDA graph and replayed, from the second pass at that size
 * on (the first, eager, does cuDNN's one-time work outside the capture);
 * if capture fails (some cuDNN call that cannot be captured), that size
 * runs eagerly and a debug line says so.
 */
#include "cuda_errors.h"
#include "cuda_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void cu_exec_drop_graphs(struct cu_session *s)
{
	int i;

	for (i = 0; i < s->n_graphs; i++)
		if (s->graphs[i].exec)
			cudaGraphExecDestroy(s->graphs[i].exec);
	s->n_graphs = 0;
}

static int eager_middle(struct cu_session *s, int n, char **errmsg)
{
	int i, err;

	for (i = 1; i < s->n_steps - 1; i++)
		if ((err = cu_step_run(s, i, n, NULL, errmsg)))
			return err;
	return 0;
}

static void capture(struct cu_session *s, struct cu_graph *gr)
{
	cudaGraph_t graph = NULL;
	char *why = NULL;
	cudaError_t e;
	int err;

	gr->eager = 1;
	if (!s->use_graphs)
		return;
	e = cudaStreamBeginCapture(s->stream, cudaStreamCaptureModeThreadLocal);
	if (e != cudaSuccess) {
		cu_debug("%s: batch %d: cudaStreamBeginCapture: %s; running eagerly", s->g->name,
			 gr->n, cudaGetErrorName(e));
		(void)cudaGetLastError();
		return;
	}
	err = eager_middle(s, gr->n, &why);
	/* End the capture whatever happened: the stream must leave it. */
	e = cudaStreamEndCapture(s->stream, &graph);
	if (err || e != cudaSuccess || !graph) {
		cu_debug("%s: CUDA graph capture at batch %d failed (%s); running its %d steps eagerly",
			 s->g->name, gr->n, err ? (why ? why : "a step failed") : cudaGetErrorName(e),
			 s->n_steps - 2);
		free(why);
		if (graph)
			cudaGraphDestroy(graph);
		(void)cudaGetLastError();
		return;
	}
	e = cudaGraphInstantiate(&gr->exec, graph, 0);
	cudaGraphDestroy(graph);
	if (e != cudaSuccess) {
		cu_debug("%s: cudaGraphInstantiate at batch %d: %s; running eagerly", s->g->name,
			 gr->n, cudaGetErrorName(e));
		gr->exec = NULL;
		(void)cudaGetLastError();
		return;
	}
	gr->eager = 0;
	cu_debug("%s: captured %d steps into a CUDA graph for batch %d", s->g->name,
		 s->n_steps - 2, gr->n);
}

/* The workspace the convolutions need at chunk n; grown when the one
 * chosen at open is too small. Captured graphs hold the old pointer:
 * let running ones finish, then drop them all. */
static int workspace_for(struct cu_session *s, int n, char **errmsg)
{
	size_t need;
	int err;

	if ((err = cu_conv_workspace_need(s, n, &need, errmsg)))
		return err;
	if (need <= s->ws_size)
		return 0;
	cu_debug("batch %d needs a workspace of %zu bytes, more than the %zu chosen at open: growing it",
		 n, need, s->ws_size);
	CU_RT(s, errmsg, "convolution workspace", cudaStreamSynchronize, s->stream);
	cu_exec_drop_graphs(s);
	cudaFree(s->ws);
	s->ws = NULL;
	s->ws_size = 0;
	CU_RT(s, errmsg, "convolution workspace", cudaMalloc, &s->ws, need);
	s->ws_size = need;
	return 0;
}

/*
 * The graph for chunk size n; NULL: run eagerly (the cache is full).
 * cuDNN does one-time work on the first call of a shape (plans, kernel
 * loading, runtime compilation, internal allocations), which may make
 * calls that a capture forbids and would then run eagerly for good. So
 * a size is captured on its second pass, once an eager pass has warmed
 * it up; the planned chunk was warmed by the trial at open.
 */
static int graph_for(struct cu_session *s, int n, struct cu_graph **out, char **errmsg)
{
	struct cu_graph *gr;
	int i, err;

	*out = NULL;
	for (i = 0; i < s->n_graphs; i++) {
		if (s->graphs[i].n == n) {
			gr = &s->graphs[i];
			if (gr->pending) {
				gr->pending = 0;
				capture(s, gr);
			}
			*out = gr;
			return 0;
		}
	}
	/* A new size: its workspace may be larger than the planned one's. */
	if ((err = workspace_for(s, n, errmsg)))
		return err;
	if (s->n_graphs == CU_MAX_GRAPHS) {
		if (!s->graph_off_said)
			cu_debug("%s: %d batch sizes have graphs already; batch %d and later new sizes run eagerly",
				 s->g->name, CU_MAX_GRAPHS, n);
		s->graph_off_said = 1;
		return 0;
	}
	gr = &s->graphs[s->n_graphs++];
	memset(gr, 0, sizeof(*gr));
	gr->n = n;
	gr->eager = 1;
	if (n == s->chunk)
		capture(s, gr);
	else
		gr->pending = s->use_graphs;
	*out = gr;
	return 0;
}

static int forward(struct cu_session *s, int n, int slot, float *dout, char **errmsg)
{
	struct cu_graph *gr = NULL;
	int err;

	if ((err = graph_for(s, n, &gr, errmsg)))
		return err;
	if ((err = cu_step_run(s, 0, n, s->d_in[slot], errmsg)))
		return err;
	CU_RT(s, errmsg, "input", cudaEventRecord, s->slot_free[slot], s->stream);
	if (gr && !gr->eager)
		CU_RT(s, errmsg, s->g->name, cudaGraphLaunch, gr->exec, s->stream);
	else if ((err = eager_middle(s, n, errmsg)))
		return err;
	return cu_step_run(s, s->n_steps - 1, n, dout, errmsg);
}

static int pinned(const void *p, size_t bytes)
{
	struct cudaPointerAttributes a;

	if (cudaPointerGetAttributes(&a, p) != cudaSuccess || a.type != cudaMemoryTypeHost ||
	    cudaPointerGetAttributes(&a, (const char *)p + bytes - 1) != cudaSuccess ||
	    a.type != cudaMemoryTypeHost) {
		(void)cudaGetLastError();
		return 0;
	}
	return 1;
}

/* Chunk c's input to its device slot, on the copy stream. */
static int stage(struct cu_session *s, int slot, const float *src, int n, int is_pinned,
		 char **errmsg)
{
	size_t bytes = (size_t)(n * s->item_in) * sizeof(float);
	const void *from = src;

	if (!is_pinned) {
		/* The last copy out of this pinned slot must be done. */
		CU_RT(s, errmsg, "input", cudaEventSynchronize, s->h2d_done[slot]);
		memcpy(s->h_in[slot], src, bytes);
		from = s->h_in[slot];
	}
	CU_RT(s, errmsg, "input", cudaStreamWaitEvent, s->copy, s->slot_free[slot], 0);
	CU_RT(s, errmsg, "input", cudaMemcpyAsync, s->d_in[slot], from, bytes,
	      cudaMemcpyHostToDevice, s->copy);
	CU_RT(s, errmsg, "input", cudaEventRecord, s->h2d_done[slot], s->copy);
	return 0;
}

/* How many chunks for a batch: enough that none exceeds the plan, and by
 * default up to four of at least 64 items so the copies can overlap. */
static int n_chunks(const struct cu_session *s, int batch)
{
	int want, need = (batch + s->chunk - 1) / s->chunk;

	if (!s->g->batch_major)
		return 1;
	if (s->chunk_env > 0)
		want = (batch + s->chunk_env - 1) / s->chunk_env;
	else
		want = batch / 64 < 1 ? 1 : batch / 64 > 4 ? 4 : batch / 64;
	return want > need ? want : need;
}

static int run_chunks(struct cu_session *s, const float *input, int batch, float *output,
		      char **errmsg)
{
	int k = n_chunks(s, batch), base = batch / k, rem = batch % k, c, off = 0, err;
	size_t out_item = (size_t)s->item_out * sizeof(float);
	int pin_in = pinned(input, (size_t)(batch * s->item_in) * sizeof(float));
	int pin_out = pinned(output, (size_t)batch * out_item);

	if ((err = stage(s, 0, input, base + (rem > 0), pin_in, errmsg)))
		return err;
	for (c = 0; c < k; c++) {
		int n = base + (c < rem), slot = c & 1;
		float *dout = s->d_out + (size_t)off * (size_t)s->item_out;
		void *host = (pin_out ? output : s->h_out) + (size_t)off * (size_t)s->item_out;

		CU_RT(s, errmsg, "input", cudaStreamWaitEvent, s->stream, s->h2d_done[slot], 0);
		if ((err = forward(s, n, slot, dout, errmsg)))
			return err;
		CU_RT(s, errmsg, "output", cudaEventRecord, s->fwd_done, s->stream);
		/* The next chunk's input before this one's output: the copy
		 * stream runs in order, and the output waits for compute. */
		if (c + 1 < k &&
		    (err = stage(s, (c + 1) & 1, input + (size_t)(off + n) * (size_t)s->item_in,
				 base + (c + 1 < rem), pin_in, errmsg)))
			return err;
		CU_RT(s, errmsg, "output", cudaStreamWaitEvent, s->copy, s->fwd_done, 0);
		CU_RT(s, errmsg, "output", cudaMemcpyAsync, host, dout, (size_t)n * out_item,
		      cudaMemcpyDeviceToHost, s->copy);
		off += n;
	}
	CU_RT(s, errmsg, "output", cudaStreamSynchronize, s->copy);
	CU_RT(s, errmsg, "forward pass", cudaStreamSynchronize, s->stream);
	if (!pin_out)
		memcpy(output, s->h_out, (size_t)batch * out_item);
	return 0;
}

/* After a failure nothing may still be reading the caller's buffers or
 * writing ours when we return. */
static void drain(struct cu_session *s)
{
	cudaError_t a = cudaStreamSynchronize(s->copy), b = cudaStreamSynchronize(s->stream);

	if (cu_fatal(a) || cu_fatal(b))
		cu_mark_dead(s, cudaGetErrorString(cu_fatal(a) ? a : b));
	(void)cudaGetLastError();
}

int cu_exec_run(struct cu_session *s, const float *input, int batch, float *output,
		char **errmsg)
{
	int err = run_chunks(s, input, batch, output, errmsg);

	if (err)
		drain(s);
	return err;
}

int cu_exec_trial(struct cu_session *s, char **errmsg)
{
	int i, err;

	for (i = 0; i < s->n_steps; i++) {
		struct cu_step *st = &s->steps[i];
		void *ext = i == 0 ? (void *)s->d_in[0] : i == s->n_steps - 1 ? (void *)s->d_out : NULL;
		char *why = NULL;

		err = cu_step_run(s, i, s->chunk, ext, &why);
		/* Whatever cuDNN says against a fused call (NOT_SUPPORTED,
		 * BAD_PARAM, a failed runtime compilation, ...), the separate
		 * calls are worth a try unless the device itself failed. */
		if (err && err != -ENODEV && !s->dead && st->kind == CU_STEP_CONV &&
		    st->conv.fused) {
			cu_debug("%s: the fused call was refused (%s); convolution, bias and activation run separately",
				 st->label, why ? why : "not supported");
			free(why);
			why = NULL;
			st->conv.fused = 0;
			err = cu_step_run(s, i, s->chunk, ext, &why);
		}
		if (err) {
			if (errmsg)
				*errmsg = why;
			else
				free(why);
			drain(s);
			return err;
		}
	}
	CU_RT(s, errmsg, "first pass", cudaStreamSynchronize, s->stream);
	return 0;
}
